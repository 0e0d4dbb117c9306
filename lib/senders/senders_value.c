/*
 * senders_value.c - the values of the sender data file that have a
 * grammar: DNS names (RFC 1035 2.3.1 letters, digits and hyphens, with
 * '_' allowed in domains for names like _spf.google.com), DKIM selectors
 * (RFC 6376 3.1), service ids and https URLs.  Names are folded to lower
 * case (DNS names compare case-insensitively, RFC 4343).
 */
#include <string.h>

#include "senders/senders_int.h"

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* What is wrong with label s (len bytes), or NULL. */
static const char *
label_why(const char *s, size_t len, int underscore)
{
	size_t i;

	if (len == 0)
		return "empty label";
	if (len > SENDERS_LABEL_MAX)
		return "label longer than 63 bytes";
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-' &&
		    !(underscore && s[i] == '_'))
			return "character not allowed in a DNS name";
	if (s[0] == '-' || s[len - 1] == '-')
		return "label starts or ends with '-'";
	return NULL;
}

/* What is wrong with name s (len bytes) as a kind, or NULL. */
static const char *
name_why(const char *s, size_t len, enum senders_name_kind kind)
{
	const char *why, *dot;
	size_t labels = 0, n;

	if (len == 0)
		return "empty name";
	if (len > SENDERS_NAME_MAX)
		return "name longer than 253 bytes";
	for (;;) {
		dot = memchr(s, '.', len);
		n = dot != NULL ? (size_t)(dot - s) : len;
		why = label_why(s, n, kind != NAME_SELECTOR);
		if (why != NULL)
			return why;
		labels++;
		if (dot == NULL)
			break;
		s += n + 1;
		len -= n + 1;
	}
	if (kind != NAME_SELECTOR && labels < 2)
		return "needs two labels or more";
	return NULL;
}

const char *
vouch__senders_name(struct vouch__arena *a, const char *s, size_t len,
    enum senders_name_kind kind, const char **why)
{
	char *copy;

	*why = name_why(s, len, kind);
	if (*why != NULL)
		return NULL;
	if ((copy = vouch__arena_strndup(a, s, len)) == NULL)
		return NULL;
	vouch__lower(copy);
	/* A service claiming "com" or "co.uk" would own every domain below
	 * it; libpsl knows the ICANN suffixes. */
	if (kind == NAME_DOMAIN && vouch__is_public_suffix(copy)) {
		*why = "a public suffix";
		return NULL;
	}
	return copy;
}

int
vouch__senders_url_ok(const char *s, size_t len)
{
	static const char scheme[] = "https://";
	size_t i, host = 0;

	/* The scheme in lower case only, so that users of the set can
	 * tell a link by its first eight bytes. */
	if (len <= sizeof(scheme) - 1 ||
	    memcmp(s, scheme, sizeof(scheme) - 1) != 0)
		return 0;
	for (i = sizeof(scheme) - 1; i < len; i++) {
		/* RFC 3986: printable ASCII, no spaces. */
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
		if (host == 0 && (s[i] == '/' || s[i] == '?' || s[i] == '#'))
			host = i;
	}
	if (host == 0)
		host = len;
	return host > sizeof(scheme) - 1;
}

int
vouch__senders_id_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > SENDERS_ID_MAX || !is_alnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

size_t
vouch__senders_fold(const char *name, char *out)
{
	size_t len, i;

	len = strnlen(name, SENDERS_NAME_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SENDERS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] <= 0x20 ||
		    (unsigned char)name[i] >= 0x7f)
			return 0;
		out[i] = (char)vouch__tolower((unsigned char)name[i]);
	}
	out[len] = '\0';
	return len;
}
