/*
 * authmilter_zone.c - authentication-milter's t/zonefile as master-file
 * text for the zone backend.
 *
 * The zonefile is what Net::DNS::ZoneFile reads for the milter's mock
 * resolver: RFC 1035 section 5.1 lines "owner [TTL] [class] TYPE rdata"
 * with TTL and class optional and in either order, names absolute with or
 * without the final dot (no $ORIGIN: the root), rdata in parentheses that
 * may span lines, TXT character-strings quoted or bare (a bare one ends
 * at white space: `( "v=DKIM1; k=rsa; " p=MIIB... ah3g... )` is three),
 * a TXT with no rdata at all, ';' comments.  Every record is written anew
 * through zone_text.c (absolute, escaped names; TXT split at 255 octets).
 *
 * Its own extension, `;ERROR,<name>,<TYPE>,<RCODE>`, makes that query
 * fail.  NXDOMAIN (the only one the file uses) and NOERROR mean "no
 * records", which a name absent from the zone already gives; SERVFAIL and
 * REFUSED become $SERVFAIL, TIMEOUT $TIMEOUT.  A PTR error names the
 * address ("1.2.3.4"), not its in-addr.arpa name: we write the latter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dns.h>

#include "authmilter_suite.h"

#define AZ_TOKENS_MAX 256	/* tokens in one record; none comes near */

struct ztoks {
	char **s;
	size_t *len;
	size_t n;
	size_t cap;
};

static void
toks_clear(struct ztoks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	t->n = 0;
}

static void
toks_free(struct ztoks *t)
{
	toks_clear(t);
	free(t->s);
	free(t->len);
	memset(t, 0, sizeof(*t));
}

static int
toks_add(struct ztoks *t, const struct strbuf *sb)
{
	if (t->n == AZ_TOKENS_MAX)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->s = xrealloc(t->s, t->cap * sizeof(*t->s));
		t->len = xrealloc(t->len, t->cap * sizeof(*t->len));
	}
	t->s[t->n] = xstrndup(sb->p ? sb->p : "", sb->len);
	t->len[t->n++] = sb->len;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* RFC 1035 5.1: \DDD is an octet, \X is X. */
static size_t
unescape_one(const char *p, size_t n, struct strbuf *sb)
{
	unsigned v;

	if (n >= 4 && p[1] >= '0' && p[1] <= '2' && p[2] >= '0' &&
	    p[2] <= '9' && p[3] >= '0' && p[3] <= '9') {
		v = (unsigned)(p[1] - '0') * 100 + (unsigned)(p[2] - '0') * 10 +
		    (unsigned)(p[3] - '0');
		if (v < 256) {
			sb_addc(sb, (int)v);
			return 4;
		}
	}
	if (n >= 2) {
		sb_addc(sb, p[1]);
		return 2;
	}
	return 1;
}

/*
 * Tokens of one line into t; *depth counts open parentheses across
 * lines.  Returns 0, or -1 (err set).
 */
static int
tokenize(const char *p, size_t n, struct ztoks *t, int *depth, char *err,
    size_t errlen)
{
	struct strbuf sb;
	size_t i = 0;
	int quoted, rc = 0;

	sb_init(&sb);
	while (i < n && rc == 0) {
		if (is_blank(p[i])) {
			i++;
			continue;
		}
		if (p[i] == ';')
			break;
		if (p[i] == '(' || p[i] == ')') {
			*depth += p[i++] == '(' ? 1 : -1;
			continue;
		}
		sb_reset(&sb);
		if ((quoted = p[i] == '"') != 0)
			i++;
		while (i < n && (quoted ? p[i] != '"' : !is_blank(p[i]) &&
		    strchr(";()\"", p[i]) == NULL)) {
			if (p[i] == '\\')
				i += unescape_one(p + i, n - i, &sb);
			else
				sb_addc(&sb, p[i++]);
		}
		if (quoted && i == n)
			rc = -1;
		i += quoted;
		if (rc == 0)
			rc = toks_add(t, &sb);
	}
	sb_free(&sb);
	if (rc != 0 || *depth < 0)
		snprintf(err, errlen, "unterminated string, too many tokens "
		    "or unbalanced parentheses");
	return rc != 0 || *depth < 0 ? -1 : 0;
}

/* The in-addr.arpa / ip6.arpa name of an address (RFC 1035 3.5, RFC 3596
 * 2.5). */
static int
reverse_name(const char *text, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	struct vouch_ip ip;
	size_t o = 0;
	int i;

	if (vouch_ip_parse(text, &ip) != 0)
		return -1;
	if (ip.family == 4) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", ip.addr[3],
		    ip.addr[2], ip.addr[1], ip.addr[0]);
		return 0;
	}
	if (outlen < 73)
		return -1;
	for (i = 15; i >= 0; i--) {
		out[o++] = hex[ip.addr[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[ip.addr[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, outlen - o, "ip6.arpa");
	return 0;
}

/* "<name>,<TYPE>,<RCODE>" after ";ERROR," */
static int
error_line(const char *p, size_t n, struct strbuf *out, char *err,
    size_t errlen)
{
	char f[3][256], rev[128];
	const char *name;
	size_t k = 0, start = 0, i;

	for (i = 0; i <= n && k < 3; i++) {
		if (i < n && p[i] != ',')
			continue;
		snprintf(f[k++], sizeof(f[0]), "%.*s", (int)(i - start),
		    p + start);
		start = i + 1;
	}
	if (k != 3 || start <= n) {
		snprintf(err, errlen, "expected ;ERROR,<name>,<TYPE>,<RCODE>");
		return -1;
	}
	name = f[0];
	if (strcmp(f[1], "PTR") == 0 && reverse_name(f[0], rev,
	    sizeof(rev)) == 0)
		name = rev;
	if (strcmp(f[2], "NXDOMAIN") == 0 || strcmp(f[2], "NOERROR") == 0)
		return 0;
	if (strcmp(f[2], "SERVFAIL") == 0 || strcmp(f[2], "REFUSED") == 0)
		zt_fail(out, "$SERVFAIL", name, f[1]);
	else if (strcmp(f[2], "TIMEOUT") == 0)
		zt_fail(out, "$TIMEOUT", name, f[1]);
	else {
		snprintf(err, errlen, "unknown RCODE %.64s", f[2]);
		return -1;
	}
	return 0;
}

static int
is_ttl(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i > 0;
}

/* One record: tokens[0] the owner, then [TTL] [class] TYPE rdata. */
static int
record(const struct ztoks *t, struct strbuf *out, char *err, size_t errlen)
{
	const char *owner = t->s[0], *type;
	size_t i = 1, nr;

	while (i < t->n && (is_ttl(t->s[i]) || str_caseeq(t->s[i], "IN")))
		i++;
	if (i >= t->n) {
		snprintf(err, errlen, "no type");
		return -1;
	}
	type = t->s[i++];
	nr = t->n - i;
	if (str_caseeq(type, "TXT") || str_caseeq(type, "SPF")) {
		zt_txt(out, owner, (const char *const *)t->s + i, t->len + i,
		    nr);
		return 0;
	}
	if (nr == 1 && (str_caseeq(type, "A") || str_caseeq(type, "AAAA")))
		zt_addr(out, owner, str_caseeq(type, "A") ? "A" : "AAAA",
		    t->s[i]);
	else if (nr == 1 && (str_caseeq(type, "CNAME") ||
	    str_caseeq(type, "PTR") || str_caseeq(type, "NS")))
		zt_target(out, owner, type, t->s[i]);
	else if (nr == 2 && str_caseeq(type, "MX"))
		zt_mx(out, owner, t->s[i], t->s[i + 1]);
	else {
		snprintf(err, errlen, "unsupported record %s with %zu rdata "
		    "fields", type, nr);
		return -1;
	}
	return 0;
}

int
am_zone_text(const char *buf, size_t len, struct strbuf *out, char *err,
    size_t errlen)
{
	struct ztoks t = { 0 };
	char why[256] = "";
	size_t off = 0, end, n;
	unsigned line = 0, first = 0;
	int depth = 0, rc = 0;

	while (off < len && rc == 0) {
		end = off;
		while (end < len && buf[end] != '\n')
			end++;
		n = end - off;
		line++;
		if (depth == 0) {
			first = line;
			if (n > 7 && memcmp(buf + off, ";ERROR,", 7) == 0)
				rc = error_line(buf + off + 7, n - 7, out, why,
				    sizeof(why));
			else if (n > 0 && is_blank(buf[off]) &&
			    strspn(buf + off, " \t\r") < n) {
				/* "same owner as before": not used here */
				snprintf(why, sizeof(why), "a record without "
				    "its owner name");
				rc = -1;
			}
		}
		if (rc == 0 && (depth > 0 || buf[off] != ';'))
			rc = tokenize(buf + off, n, &t, &depth, why,
			    sizeof(why));
		if (rc == 0 && depth == 0 && t.n > 0) {
			rc = record(&t, out, why, sizeof(why));
			toks_clear(&t);
		}
		off = end < len ? end + 1 : len;
	}
	if (rc == 0 && depth != 0) {
		snprintf(why, sizeof(why), "parenthesis left open");
		rc = -1;
	}
	if (rc != 0)
		snprintf(err, errlen, "zonefile line %u: %s", first, why);
	toks_free(&t);
	return rc;
}
