/*
 * zone_text.c - write RFC 1035 master-file text (section 5.1) that the
 * zone backend reads back byte for byte.
 *
 * Every name is written absolute (trailing dot), so no $ORIGIN is needed.
 * Any octet outside [A-Za-z0-9_-] inside a label becomes \DDD: suite
 * owner names carry spaces and '%' ("macro%percent  space%20url-space"),
 * Stalwart's MX hosts carry ':' from IPv6 text.  A label that is exactly
 * "*" stays a wildcard.  TXT data is split into character-strings of at
 * most 255 octets (RFC 1035 3.3.14) with every octet outside printable
 * ASCII, '"' and '\' written as \DDD.
 */
#include <string.h>

#include "spf_suite.h"

#define ZT_TTL "300"

static int
name_safe(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void
put_ddd(struct strbuf *sb, unsigned char c)
{
	sb_printf(sb, "\\%03u", (unsigned)c);
}

/* One label of len octets; "*" alone stays a wildcard label. */
static void
put_label(struct strbuf *sb, const char *p, size_t len, int lower)
{
	size_t i;

	if (len == 1 && p[0] == '*') {
		sb_addc(sb, '*');
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (lower)
			c = (unsigned char)ascii_lower(c);
		if (name_safe(c))
			sb_addc(sb, c);
		else
			put_ddd(sb, c);
	}
}

void
zt_name(struct strbuf *sb, const char *name, size_t len, int lower)
{
	size_t start = 0, i;

	/* A trailing dot only marks the name absolute: we always do. */
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0) {
		sb_addc(sb, '.');
		return;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		put_label(sb, name + start, i - start, lower);
		sb_addc(sb, '.');
		start = i + 1;
	}
}

int
zt_name_valid(const char *name)
{
	size_t len = strlen(name), label = 0, wire = 1, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			label++;
			continue;
		}
		if (len == 0)
			break;
		if (label == 0 || label > 63)
			return 0;
		wire += label + 1;
		label = 0;
	}
	return wire <= 255;
}

void
zt_owner(struct strbuf *sb, const char *owner, const char *type)
{
	zt_name(sb, owner, strlen(owner), 1);
	sb_printf(sb, " " ZT_TTL " IN %s ", type);
}

static void
put_charstr(struct strbuf *sb, const char *p, size_t len)
{
	size_t i;

	sb_addc(sb, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			sb_addc(sb, c);
		else
			put_ddd(sb, c);
	}
	sb_addc(sb, '"');
}

void
zt_txt(struct strbuf *sb, const char *owner, const char *const *strs,
    const size_t *lens, size_t n)
{
	size_t i, off, chunk;
	int first = 1;

	zt_owner(sb, owner, "TXT");
	for (i = 0; i < n; i++) {
		off = 0;
		do {
			chunk = lens[i] - off > 255 ? 255 : lens[i] - off;
			if (!first)
				sb_addc(sb, ' ');
			put_charstr(sb, strs[i] + off, chunk);
			first = 0;
			off += chunk;
		} while (off < lens[i]);
	}
	if (first)
		put_charstr(sb, "", 0);
	sb_addc(sb, '\n');
}

void
zt_addr(struct strbuf *sb, const char *owner, const char *type,
    const char *text)
{
	zt_owner(sb, owner, type);
	sb_adds(sb, text);
	sb_addc(sb, '\n');
}

void
zt_target(struct strbuf *sb, const char *owner, const char *type,
    const char *target)
{
	zt_owner(sb, owner, type);
	zt_name(sb, target, strlen(target), 0);
	sb_addc(sb, '\n');
}

void
zt_mx(struct strbuf *sb, const char *owner, const char *pref,
    const char *exchange)
{
	zt_owner(sb, owner, "MX");
	sb_adds(sb, pref);
	sb_addc(sb, ' ');
	zt_name(sb, exchange, strlen(exchange), 0);
	sb_addc(sb, '\n');
}

void
zt_fail(struct strbuf *sb, const char *directive, const char *owner,
    const char *type)
{
	sb_adds(sb, directive);
	sb_addc(sb, ' ');
	zt_name(sb, owner, strlen(owner), 1);
	if (type != NULL) {
		sb_addc(sb, ' ');
		sb_adds(sb, type);
	}
	sb_addc(sb, '\n');
}
