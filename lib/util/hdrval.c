/*
 * hdrval.c - values and comments written into header fields
 * (Authentication-Results, Received-SPF): every value is an RFC 5322
 * dot-atom or becomes a quoted-string, every comment is escaped, and
 * control bytes become "?", so no input can add a field or a property.
 */
#include <string.h>

#include "util/util.h"

static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL);
}

/* RFC 5322 dot-atom-text: atext runs separated by single dots. */
static int
is_dot_atom(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/*
 * s with the octets in esc preceded by a backslash.  Control bytes and
 * octets that are not well-formed UTF-8 never reach a header: each
 * becomes '?' (RFC 8616 allows UTF-8 there, nothing else).
 */
static int
put_text(struct vouch__buf *b, const char *s, const char *esc)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	int rc = 0;

	while (*u != '\0' && rc == 0) {
		if (*u >= 0x80) {
			n = vouch__utf8_len(u, (size_t)-1);
			rc = n == 0 ? vouch__buf_putc(b, '?') :
			    vouch__buf_append(b, u, n);
			u += n == 0 ? 1 : n;
			continue;
		}
		if (strchr(esc, *u) != NULL)
			rc = vouch__buf_putc(b, '\\');
		if (rc == 0)
			rc = vouch__buf_putc(b, (*u < 0x20 || *u == 0x7f) ?
			    '?' : *u);
		u++;
	}
	return rc;
}

int
vouch__hdr_value(struct vouch__buf *b, const char *s)
{
	int rc;

	if (is_dot_atom(s))
		return vouch__buf_puts(b, s);
	if ((rc = vouch__buf_putc(b, '"')) == 0)
		rc = put_text(b, s, "\"\\");
	return rc ? rc : vouch__buf_putc(b, '"');
}

/*
 * RFC 8601 pvalue: [ [ local-part ] "@" ] domain-name written bare when
 * both halves are dot-atoms, else the whole value as a quoted-string.
 */
int
vouch__hdr_pvalue(struct vouch__buf *b, const char *s)
{
	const char *at = strrchr(s, '@');
	char local[512];
	size_t ll = at ? (size_t)(at - s) : 0;

	if (at != NULL && ll < sizeof(local) && is_dot_atom(at + 1)) {
		memcpy(local, s, ll);
		local[ll] = '\0';
		if (ll == 0 || is_dot_atom(local))
			return vouch__buf_puts(b, s);
	}
	return vouch__hdr_value(b, s);
}

int
vouch__hdr_comment(struct vouch__buf *b, const char *s)
{
	return put_text(b, s, "()\\");
}
