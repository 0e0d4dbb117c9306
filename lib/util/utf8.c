/*
 * utf8.c - well-formed UTF-8 (RFC 3629 section 4) and the bytes a header
 * field body may hold: what every parser of header text checks first.
 */
#include <string.h>

#include "util/util.h"

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* Length of the UTF-8 sequence at s (RFC 3629 section 4), 0 if invalid. */
size_t
vouch__utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int
vouch__check_field_bytes(const char *s, size_t len, struct vouch_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		/* Printable ASCII, nearly every octet: one compare each. */
		while (i < len && (unsigned)(u[i] - 0x20) < 0x5f)
			i++;
		if (i >= len)
			break;
		if (u[i] >= 0x80) {
			if ((n = vouch__utf8_len(u + i, len - i)) == 0)
				return vouch__error(err, VOUCH_ESYNTAX, 0,
				    "invalid UTF-8 at offset %zu", i);
			i += n;
			continue;
		}
		if (u[i] == '\r' && (i + 1 >= len || u[i + 1] != '\n'))
			return vouch__error(err, VOUCH_ESYNTAX, 0,
			    "CR not followed by LF at offset %zu", i);
		if (u[i] == '\r')
			i++;
		/* RFC 5322 2.2.3: a line end inside a field is folding. */
		if (u[i] == '\n' && i + 1 < len && !is_wsp(u[i + 1]))
			return vouch__error(err, VOUCH_ESYNTAX, 0,
			    "line end not followed by white space at offset "
			    "%zu", i);
		if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') ||
		    u[i] == 0x7f)
			return vouch__error(err, VOUCH_ESYNTAX, 0,
			    "control byte 0x%02x at offset %zu", u[i], i);
		i++;
	}
	return 0;
}

