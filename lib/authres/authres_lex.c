/*
 * authres_lex.c - the RFC 5322 pieces of an Authentication-Results value:
 * CFWS (section 3.2.2: white space, folding, comments nested to any
 * depth, quoted-pairs in them), quoted-strings (3.2.4, with UTF-8 as RFC
 * 6532 allows), RFC 2045 tokens and RFC 5321 keywords.
 *
 * The parser checks every byte of the value before it gets here
 * (vouch__check_field_bytes(): no control octets other than HTAB, every
 * line end followed by white space, valid UTF-8), so this file only sees
 * text, white space and folding.  A quoted-pair may quote any of those
 * except a line end: obs-qp (RFC 5322 4.1) quoting CR, LF or NUL is
 * refused, since its meaning differs between readers.
 */
#include <string.h>

#include "authres/authres_int.h"

int
vouch__ar_is_key(int c)
{
	return (vouch__cclass(c) & VOUCH__C_KEY) != 0;
}

int
vouch__ar_is_token(int c)
{
	return (vouch__cclass(c) & (VOUCH__C_TOKEN | VOUCH__C_HIGH)) != 0;
}

int
vouch__ar_is_atext(int c)
{
	return (vouch__cclass(c) & (VOUCH__C_ATEXT | VOUCH__C_HIGH)) != 0;
}

/* Runs of atext, each ended by the end or by one dot before another. */
int
vouch__ar_dot_atom(const char *s, size_t n)
{
	size_t i = 0, start;

	for (;;) {
		start = i;
		while (i < n && (vouch__cclass(s[i]) &
		    (VOUCH__C_ATEXT | VOUCH__C_HIGH)) != 0)
			i++;
		if (i == start)
			return 0;
		if (i == n)
			return 1;
		if (s[i++] != '.')
			return 0;
	}
}

int
vouch__ar_peek(const struct ar_cur *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

int
vouch__ar_fail(struct ar_cur *c, const char *what)
{
	int ch = vouch__ar_peek(c);

	if (ch < 0)
		return vouch__error(c->err, VOUCH_ESYNTAX, 0,
		    "Authentication-Results: expected %s at offset %zu, "
		    "found the end", what, c->pos);
	if (ch > 0x20 && ch < 0x7f)
		return vouch__error(c->err, VOUCH_ESYNTAX, 0,
		    "Authentication-Results: expected %s at offset %zu, "
		    "found '%c'", what, c->pos, ch);
	return vouch__error(c->err, VOUCH_ESYNTAX, 0,
	    "Authentication-Results: expected %s at offset %zu, found "
	    "octet 0x%02x", what, c->pos, (unsigned)ch);
}

size_t
vouch__ar_span(const struct ar_cur *c, unsigned cls)
{
	size_t i = c->pos;

	while (i < c->len && (vouch__cclass(c->s[i]) & cls) != 0)
		i++;
	return i - c->pos;
}

char *
vouch__ar_unescape(struct ar_cur *c, size_t a, size_t b)
{
	char *out = vouch__arena_alloc(c->arena, b - a + 1), *p = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = a; i < b; i++) {
		if (c->s[i] == '\r' || c->s[i] == '\n')
			continue;	/* RFC 5322 2.2.3: unfold */
		if (c->s[i] == '\\')
			i++;		/* checked by the caller */
		*p++ = c->s[i];
	}
	*p = '\0';
	return out;
}

/* s[i] is a backslash: is it a quoted-pair we accept? */
static int
pair_ok(const struct ar_cur *c, size_t i)
{
	return i + 1 < c->len && c->s[i + 1] != '\r' && c->s[i + 1] != '\n';
}

/* The cursor is at "(": where the comment (and those it nests) ends. */
static int
comment_end(struct ar_cur *c, size_t *end)
{
	size_t i, depth = 0;

	for (i = c->pos; i < c->len; i++) {
		if (c->s[i] == '\\') {
			if (!pair_ok(c, i))
				break;
			i++;
		} else if (c->s[i] == '(') {
			depth++;
		} else if (c->s[i] == ')' && --depth == 0) {
			*end = i + 1;
			return 0;
		}
	}
	return vouch__error(c->err, VOUCH_ESYNTAX, 0, "Authentication-Results: "
	    "comment opened at offset %zu is not closed (bad quoted-pair or "
	    "missing ')' at offset %zu)", c->pos, i);
}

int
vouch__ar_cfws(struct ar_cur *c, const char **comment)
{
	size_t end = 0;
	int ch, rc;

	while ((ch = vouch__ar_peek(c)) >= 0) {
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			c->pos++;
			continue;
		}
		if (ch != '(')
			break;
		if ((rc = comment_end(c, &end)) != 0)
			return rc;
		if (comment != NULL && *comment == NULL &&
		    (*comment = vouch__ar_unescape(c, c->pos + 1, end - 1)) ==
		    NULL)
			return VOUCH_ENOMEM;
		c->pos = end;
	}
	return 0;
}

int
vouch__ar_qstring(struct ar_cur *c, const char **out)
{
	size_t i;

	for (i = c->pos + 1; i < c->len; i++) {
		if (c->s[i] == '\\') {
			if (!pair_ok(c, i))
				break;
			i++;
		} else if (c->s[i] == '"') {
			if ((*out = vouch__ar_unescape(c, c->pos + 1, i)) ==
			    NULL)
				return VOUCH_ENOMEM;
			c->pos = i + 1;
			return 0;
		}
	}
	return vouch__error(c->err, VOUCH_ESYNTAX, 0, "Authentication-Results: "
	    "quoted-string opened at offset %zu is not closed (bad "
	    "quoted-pair or missing '\"' at offset %zu)", c->pos, i);
}

int
vouch__ar_value(struct ar_cur *c, const char *what, const char **out)
{
	size_t n;

	if (vouch__ar_peek(c) == '"')
		return vouch__ar_qstring(c, out);
	if ((n = vouch__ar_span(c, VOUCH__C_TOKEN | VOUCH__C_HIGH)) == 0)
		return vouch__ar_fail(c, what);
	if ((*out = vouch__arena_strndup(c->arena, c->s + c->pos, n)) == NULL)
		return VOUCH_ENOMEM;
	c->pos += n;
	return 0;
}

/* RFC 5321 4.1.2: Keyword = Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig */
int
vouch__ar_keyword(struct ar_cur *c, const char *what, const char **out)
{
	size_t n = vouch__ar_span(c, VOUCH__C_KEY);
	char *k;

	if (n == 0)
		return vouch__ar_fail(c, what);
	if (c->s[c->pos + n - 1] == '-') {
		c->pos += n - 1;
		return vouch__ar_fail(c, "a letter or digit ending a keyword");
	}
	if ((k = vouch__arena_strndup(c->arena, c->s + c->pos, n)) == NULL)
		return VOUCH_ENOMEM;
	vouch__lower(k);
	*out = k;
	c->pos += n;
	return 0;
}

size_t
vouch__ar_word_end(const char *s, size_t len, size_t i)
{
	size_t depth = 0;
	int quoted = 0;

	for (; i < len; i++) {
		/* Octets of no interest go by on one table lookup. */
		if ((vouch__ctab[(unsigned char)s[i]] & VOUCH__C_WORDSTOP) == 0)
			continue;
		if (s[i] == '\\' && (quoted || depth > 0))
			i++;
		else if (s[i] == '"' && depth == 0)
			quoted = !quoted;
		else if (s[i] == '(' && !quoted)
			depth++;
		else if (s[i] == ')' && !quoted && depth > 0)
			depth--;
		else if ((s[i] == ' ' || s[i] == '\t') && !quoted &&
		    depth == 0)
			break;
	}
	return i < len ? i : len;
}

void *
vouch__ar_grow(struct vouch__arena *a, void *old, size_t n, size_t *cap,
    size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return old;
	ncap = *cap ? *cap * 2 : 4;
	if ((p = vouch__arena_alloc(a, ncap * size)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, old, n * size);
	*cap = ncap;
	return p;
}
