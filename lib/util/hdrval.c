/*
 * hdrval.c - values and comments written into header fields
 * (Authentication-Results, Received-SPF): every value is an RFC 5322
 * dot-atom or becomes a quoted-string, every comment is escaped, and
 * control bytes become "?", so no input can add a field or a property.
 */
#include <string.h>

#include "util/util.h"

/* RFC 5322 dot-atom-text (ASCII): atext runs separated by single dots;
 * its length in *n. */
static int
is_dot_atom(const char *s, size_t *n)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.' && (s[i + 1] == '.' || s[i + 1] == '\0'))
			return 0;
		if (s[i] != '.' &&
		    (vouch__ctab[(unsigned char)s[i]] & VOUCH__C_ATEXT) == 0)
			return 0;
	}
	*n = i;
	return 1;
}

/* Does c need a backslash inside delimiters e1 and e2? */
static int
is_esc(unsigned char c, char e1, char e2)
{
	return c == '\\' || c == (unsigned char)e1 || c == (unsigned char)e2;
}

/*
 * s with the backslash and the delimiters e1 and e2 preceded by a
 * backslash.  Control bytes and octets that are not well-formed UTF-8
 * never reach a header: each becomes '?' (RFC 8616 allows UTF-8 there,
 * nothing else).  Runs of printable ASCII that need no escape go out in
 * one piece.
 */
static int
put_text(struct vouch__buf *b, const char *s, char e1, char e2)
{
	const unsigned char *u = (const unsigned char *)s, *run;
	size_t n;
	int rc = 0;

	while (*u != '\0' && rc == 0) {
		for (run = u; *u >= 0x20 && *u < 0x7f && !is_esc(*u, e1, e2);
		    u++)
			;
		if (u > run && (rc = vouch__buf_append(b, run,
		    (size_t)(u - run))) != 0)
			break;
		if (*u == '\0')
			break;
		if (*u >= 0x80) {
			n = vouch__utf8_len(u, (size_t)-1);
			rc = n == 0 ? vouch__buf_putc(b, '?') :
			    vouch__buf_append(b, u, n);
			u += n == 0 ? 1 : n;
			continue;
		}
		if (is_esc(*u, e1, e2))
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
	size_t n;
	int rc;

	if (is_dot_atom(s, &n))
		return vouch__buf_append(b, s, n);
	if ((rc = vouch__buf_putc(b, '"')) == 0)
		rc = put_text(b, s, '"', '"');
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
	size_t ll = at ? (size_t)(at - s) : 0, n;

	if (at != NULL && ll < sizeof(local) && is_dot_atom(at + 1, &n)) {
		memcpy(local, s, ll);
		local[ll] = '\0';
		if (ll == 0 || is_dot_atom(local, &n))
			return vouch__buf_puts(b, s);
	}
	return vouch__hdr_value(b, s);
}

int
vouch__hdr_comment(struct vouch__buf *b, const char *s)
{
	return put_text(b, s, '(', ')');
}
