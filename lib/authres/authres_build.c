/*
 * authres_build.c - our Authentication-Results field value (RFC 8601
 * 2.2): " authserv-id; resinfo;\r\n\tresinfo", folded so that no line is
 * longer than 78 octets (RFC 5322 2.1.1) where the tokens allow it,
 * counting the field name on the first line.
 *
 * Nothing that reaches the builder can add a result, a property or a
 * line (SECURITY.md): the authserv-id must be a dot-atom and a token,
 * and each fragment must be free of control octets other than HTAB and
 * read as exactly one resinfo with the same parser that reads other
 * fields (balanced quotes and comments, no ";" outside them).
 *
 * Layout: the first resinfo follows the authserv-id when all of it fits
 * on the first line; every other resinfo starts a line.  A resinfo too
 * long for its line is folded between its tokens (runs of white space
 * outside quoted-strings and comments become one space or one fold);
 * a single token longer than a line is left whole.
 */
#include <string.h>

#include "authres/authres_int.h"

#define LINE_MAX_OCTETS 78
#define FIELD_NAME_LEN 23	/* "Authentication-Results:" */
#define FOLD "\r\n\t"

struct vouch_authres_builder {
	char *id;
	struct vouch__buf frags;	/* each fragment NUL-terminated */
	size_t nfrags;
	struct vouch__arena scratch;	/* what checking the fragments copies */
};

/*
 * What a configured id must be: RFC 5322 dot-atom-text in ASCII that is
 * also an RFC 2045 token (RFC 8601 2.2 authserv-id = value), so without
 * the "/", "=" and "?" that atext allows and a token does not.
 */
static int
id_ok(const char *id)
{
	const char *p;

	for (p = id; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 ||
		    !vouch__ar_is_token((unsigned char)*p))
			return 0;
	return vouch__ar_dot_atom(id, strlen(id));
}

int
vouch_authres_builder_new(const char *authserv_id,
    struct vouch_authres_builder **out)
{
	struct vouch_authres_builder *b;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (authserv_id == NULL || !id_ok(authserv_id))
		return VOUCH_EINVAL;
	if ((b = vouch__calloc(1, sizeof(*b))) == NULL)
		return VOUCH_ENOMEM;
	if ((b->id = vouch__strdup(authserv_id)) == NULL) {
		vouch__free(b);
		return VOUCH_ENOMEM;
	}
	vouch__buf_init(&b->frags, VOUCH_MSG_FIELD_MAX);
	vouch__arena_init(&b->scratch, 0);
	*out = b;
	return 0;
}

void
vouch_authres_builder_free(struct vouch_authres_builder *b)
{
	if (b == NULL)
		return;
	vouch__buf_free(&b->frags);
	vouch__arena_free(&b->scratch);
	vouch__free(b->id);
	vouch__free(b);
}

int
vouch_authres_builder_add(struct vouch_authres_builder *b,
    const char *fragment)
{
	size_t i, len;
	unsigned char ch;
	int rc;

	if (b == NULL || fragment == NULL)
		return VOUCH_EINVAL;
	len = strlen(fragment);
	for (i = 0; i < len; i++) {
		ch = (unsigned char)fragment[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return VOUCH_EINVAL;	/* CR, LF, controls */
	}
	if ((rc = vouch__ar_check_resinfo(fragment, len, &b->scratch,
	    NULL)) != 0)
		return rc == VOUCH_ENOMEM ? rc : VOUCH_EINVAL;
	if ((rc = vouch__buf_append(&b->frags, fragment, len + 1)) != 0)
		return rc;
	b->nfrags++;
	return 0;
}

/* The next token of s after *i (white space skipped): its start, or
 * NULL when there is none; *i moves past it, *n is its length. */
static const char *
next_word(const char *s, size_t len, size_t *i, size_t *n)
{
	size_t start = *i;

	while (start < len && (s[start] == ' ' || s[start] == '\t'))
		start++;
	if (start >= len)
		return NULL;
	*i = vouch__ar_word_end(s, len, start);
	*n = *i - start;
	return s + start;
}

/* One space, or a fold when need more octets do not fit on the line. */
static int
separate(struct vouch__buf *o, size_t *col, size_t need, int fold)
{
	if (!fold && *col + 1 + need <= LINE_MAX_OCTETS) {
		(*col)++;
		return vouch__buf_putc(o, ' ');
	}
	*col = 1;
	return vouch__buf_puts(o, FOLD);
}

/* Append one resinfo (then ";" unless last) at column *col. */
static int
put_frag(struct vouch__buf *o, const char *s, size_t *col, int first,
    int last)
{
	size_t len = strlen(s), i = 0, n = 0, total = 0, nw = 0, k;
	const char *w;
	int rc = 0;

	while (next_word(s, len, &i, &n) != NULL)
		total += n + (nw++ > 0);
	/* the first resinfo may stay on the first line if all of it fits */
	rc = separate(o, col, total + !last, !first);
	for (i = 0, k = 0; rc == 0 &&
	    (w = next_word(s, len, &i, &n)) != NULL; k++) {
		if (k > 0)
			rc = separate(o, col, n + (k + 1 == nw && !last), 0);
		if (rc == 0)
			rc = vouch__buf_append(o, w, n);
		*col += n;
	}
	if (rc == 0 && !last) {
		rc = vouch__buf_putc(o, ';');
		(*col)++;
	}
	return rc;
}

int
vouch_authres_builder_finish(struct vouch_authres_builder *b, char **out)
{
	struct vouch__buf o;
	size_t col, off = 0, k;
	int rc;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (b == NULL)
		return VOUCH_EINVAL;
	vouch__buf_init(&o, VOUCH_MSG_FIELD_MAX);
	col = FIELD_NAME_LEN + 1 + strlen(b->id) + 1;
	if ((rc = vouch__buf_putc(&o, ' ')) == 0 &&
	    (rc = vouch__buf_puts(&o, b->id)) == 0 &&
	    (rc = vouch__buf_putc(&o, ';')) == 0 && b->nfrags == 0)
		rc = vouch__buf_puts(&o, " none");
	for (k = 0; rc == 0 && k < b->nfrags; k++) {
		rc = put_frag(&o, b->frags.data + off, &col, k == 0,
		    k + 1 == b->nfrags);
		off += strlen(b->frags.data + off) + 1;
	}
	if (rc == 0 && (*out = vouch__buf_take(&o)) == NULL)
		rc = VOUCH_ENOMEM;
	vouch__buf_free(&o);
	return rc;
}
