/*
 * authres_lenient.c - reading the Authentication-Results another
 * receiver wrote, as it wrote it (vouch_authres_parse_lenient()): a value
 * the strict parser refuses is cleaned of what RFC 8601 has no form for
 * and read again, with the strict parser.  Never used for deciding, only
 * by `vouch explain` to say what a receiver recorded.
 */
#include <string.h>

#include "authres/authres_int.h"

/* v into b without the properties RFC 8601 has no form for, which
 * Microsoft writes ("dmarc=fail action=quarantine", no "ptype."): a word
 * with '=' that is neither the method=result at the start of a result
 * nor reason= nor ptype.property=.  Comments are copied as they are. */
static int
lenient_copy(struct vouch__buf *b, const char *v, size_t n)
{
	size_t i = 0, j, eq, depth;
	int first = 1, rc = 0;

	while (i < n && rc == 0) {
		if (v[i] == ';') {
			first = 1;
			rc = vouch__buf_putc(b, v[i++]);
			continue;
		}
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
		    v[i] == '\n') {
			rc = vouch__buf_putc(b, v[i++]);
			continue;
		}
		if (v[i] == '(') {
			for (j = i, depth = 0; j < n; j++) {
				if (v[j] == '(')
					depth++;
				else if (v[j] == ')' && --depth == 0)
					break;
			}
			j = j < n ? j + 1 : n;
			rc = vouch__buf_append(b, v + i, j - i);
			i = j;
			continue;
		}
		/* a word runs to white space, ';' or '(' (a NUL byte is
		   part of it: strchr() would find the terminator) */
		for (j = i; j < n && (v[j] == '\0' ||
		    strchr(" \t\r\n;(", v[j]) == NULL); j++)
			;
		for (eq = i; eq < j && v[eq] != '=' && v[eq] != '.'; eq++)
			;
		if (!first && eq < j && v[eq] == '=' &&
		    !vouch__memcaseeq(v + i, eq - i, "reason")) {
			i = j;		/* dropped */
			continue;
		}
		first = 0;
		rc = vouch__buf_append(b, v + i, j - i);
		i = j;
	}
	return rc;
}

int
vouch_authres_parse_lenient(const char *value, size_t len,
    struct vouch_authres **out, int *no_id, struct vouch_error *err)
{
	struct vouch__buf b;
	int rc;

	if (out == NULL || no_id == NULL || (value == NULL && len > 0))
		return VOUCH_EINVAL;
	*no_id = 0;
	if ((rc = vouch_authres_parse(value, len, out, err)) != VOUCH_ESYNTAX)
		return rc;
	vouch__buf_init(&b, len + 16);
	if ((rc = vouch__buf_puts(&b, " x;")) == 0 &&
	    (rc = lenient_copy(&b, value, len)) == 0)
		rc = vouch_authres_parse(b.data, b.len, out, err);
	/* "x" is not a name anyone gave */
	*no_id = rc == 0;
	vouch__buf_free(&b);
	return rc;
}
