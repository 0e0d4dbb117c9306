/*
 * msg_lex.c - bytes and tokens of an address field (RFC 5322 sections
 * 3.2.1 to 3.2.5 and 4.1, RFC 6532 section 3.2, RFC 2047 section 2).
 *
 * vouch__check_field_bytes() (lib/util/utf8.c) refuses what no later stage should have to
 * think about: control bytes, CR or LF that are not folding, and invalid
 * UTF-8.  The lexer then only sees printable text, white space and
 * folding.  It skips CFWS (nested comments with quoted-pairs, depth
 * capped) and returns atoms, quoted strings, domain literals and the
 * specials that structure an address list.  An RFC 2047 encoded word is
 * returned as one atom even when its encoded text holds specials such as
 * '@' or '<', so that it can only ever be display-name text.
 */
#include <string.h>

#include "msg_int.h"

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* atext (RFC 5322 3.2.3) plus UTF8-non-ascii (RFC 6532 3.2) */
static int
is_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

void
vouch__msg_lex_init(struct msg_lexer *lx, const char *s, size_t len,
    struct vouch_error *err)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = s;
	lx->len = len;
	lx->err = err;
}

/*
 * A backslash quotes the next byte (quoted-pair, RFC 5322 3.2.1, with
 * obs-qp); it cannot quote a line end or the end of the field.
 */
static int
quoted_pair(struct msg_lexer *lx, size_t open, int opener)
{
	if (lx->pos + 1 >= lx->len)
		return vouch__error(lx->err, VOUCH_ESYNTAX, 0,
		    "unbalanced '%c' at offset %zu", opener, open);
	if (lx->s[lx->pos + 1] == '\r' || lx->s[lx->pos + 1] == '\n')
		return vouch__error(lx->err, VOUCH_ESYNTAX, 0,
		    "backslash before a line end at offset %zu", lx->pos);
	lx->pos += 2;
	return 0;
}

/* comment = "(" *([FWS] ccontent) [FWS] ")" (RFC 5322 3.2.2) */
static int
skip_comment(struct msg_lexer *lx)
{
	size_t open = lx->pos;
	unsigned depth = 0;
	int rc;

	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];

		if (c == '\\') {
			if ((rc = quoted_pair(lx, open, '(')) != 0)
				return rc;
			continue;
		}
		lx->pos++;
		if (c == '(' && ++depth > MSG_COMMENT_DEPTH_MAX)
			return vouch__error(lx->err, VOUCH_ELIMIT, 0,
			    "comments nested deeper than %d at offset %zu",
			    MSG_COMMENT_DEPTH_MAX, lx->pos - 1);
		if (c == ')' && --depth == 0)
			return 0;
	}
	return vouch__error(lx->err, VOUCH_ESYNTAX, 0,
	    "unbalanced '(' at offset %zu", open);
}

static int
skip_cfws(struct msg_lexer *lx)
{
	int rc;

	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];

		if (is_wsp(c) || c == '\r' || c == '\n')
			lx->pos++;
		else if (c == '(') {
			if ((rc = skip_comment(lx)) != 0)
				return rc;
		} else
			break;
	}
	return 0;
}

/*
 * quoted-string (3.2.4) and domain-literal (3.4.1): read to the closing
 * byte, honouring quoted-pairs.  A '[' inside a literal is an error.
 */
static int
skip_quoted(struct msg_lexer *lx, int opener, int closer)
{
	size_t open = lx->pos;
	int rc;

	lx->pos++;
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];

		if (c == '\\') {
			if ((rc = quoted_pair(lx, open, opener)) != 0)
				return rc;
			continue;
		}
		lx->pos++;
		if (c == closer)
			return 0;
		if (opener == '[' && c == '[')
			return vouch__error(lx->err, VOUCH_ESYNTAX, 0,
			    "'[' inside a domain literal at offset %zu",
			    lx->pos - 1);
	}
	return vouch__error(lx->err, VOUCH_ESYNTAX, 0,
	    "unbalanced '%c' at offset %zu", opener, open);
}

/*
 * encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
 * (RFC 2047 section 2), standing alone: followed by the end, white space
 * or a special that may follow a word.  Returns its end or 0; *special
 * tells whether its text holds bytes that are not atext.
 */
static size_t
eword_end(const char *s, size_t pos, size_t len, int *special)
{
	size_t i = pos + 2;
	int sp = 0;

	*special = 0;
	if (len - pos < 8 || s[pos] != '=' || s[pos + 1] != '?')
		return 0;
	while (i < len && s[i] != '?' && is_atext((unsigned char)s[i]) &&
	    (unsigned char)s[i] < 0x80)
		i++;
	if (i == pos + 2 || len - i < 5 || s[i] != '?' ||
	    strchr("BbQq", s[i + 1]) == NULL || s[i + 2] != '?')
		return 0;
	for (i += 3; i + 1 < len && !(s[i] == '?' && s[i + 1] == '='); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '?')
			return 0;
		if (!is_atext(c))
			sp = 1;
	}
	if (i + 1 >= len)
		return 0;
	i += 2;
	if (i < len && !is_wsp(s[i]) && strchr("\r\n(<,;:\"", s[i]) == NULL)
		return 0;
	*special = sp;
	return i;
}

static int
read_token(struct msg_lexer *lx, struct msg_token *t)
{
	size_t end;
	int rc, c;

	memset(t, 0, sizeof(*t));
	if ((rc = skip_cfws(lx)) != 0)
		return rc;
	t->start = lx->pos;
	if (lx->pos >= lx->len) {
		t->type = MT_END;
		t->end = lx->pos;
		return 0;
	}
	c = (unsigned char)lx->s[lx->pos];
	if (c == '"' || c == '[') {
		t->type = c == '"' ? MT_QSTR : MT_DLIT;
		rc = skip_quoted(lx, c, c == '"' ? '"' : ']');
	} else if (c == ')' || c == ']')
		rc = vouch__error(lx->err, VOUCH_ESYNTAX, 0,
		    "unbalanced '%c' at offset %zu", c, lx->pos);
	else if (c != '\0' && strchr("<>@,;:.", c) != NULL) {
		t->type = MT_SPECIAL;
		t->c = c;
		lx->pos++;
	} else if ((end = eword_end(lx->s, lx->pos, lx->len,
	    &t->eword)) != 0) {
		t->type = MT_ATOM;
		lx->pos = end;
	} else if (is_atext(c)) {
		t->type = MT_ATOM;
		while (lx->pos < lx->len &&
		    is_atext((unsigned char)lx->s[lx->pos]))
			lx->pos++;
	} else
		rc = vouch__error(lx->err, VOUCH_ESYNTAX, 0,
		    "unexpected '%c' at offset %zu", c, lx->pos);
	t->end = lx->pos;
	return rc;
}

int
vouch__msg_lex_peek(struct msg_lexer *lx, const struct msg_token **tok)
{
	int rc;

	if (!lx->have_tok) {
		if ((rc = read_token(lx, &lx->tok)) != 0)
			return rc;
		lx->have_tok = 1;
	}
	*tok = &lx->tok;
	return 0;
}

void
vouch__msg_lex_consume(struct msg_lexer *lx)
{
	lx->have_tok = 0;
}

int
vouch__msg_unfold(const char *s, size_t start, size_t end,
    struct vouch__buf *b)
{
	size_t i, run;
	int rc;

	for (i = start; i < end; i += run) {
		if (s[i] == '\r' || s[i] == '\n') {
			run = 1;
			continue;
		}
		for (run = 0; i + run < end && s[i + run] != '\r' &&
		    s[i + run] != '\n'; run++)
			;
		if ((rc = vouch__buf_append(b, s + i, run)) != 0)
			return rc;
	}
	return 0;
}

/* The content of a quoted string or literal, unquoted and unfolded. */
static int
unquote(const char *s, size_t start, size_t end, int drop_wsp,
    struct vouch__buf *b)
{
	size_t i;
	int rc = 0;

	for (i = start; i < end && rc == 0; i++) {
		if (s[i] == '\r' || s[i] == '\n' ||
		    (drop_wsp && is_wsp(s[i])))
			continue;
		if (s[i] == '\\')
			i++;
		rc = vouch__buf_append(b, s + i, 1);
	}
	return rc;
}

int
vouch__msg_tok_text(const struct msg_lexer *lx, const struct msg_token *tok,
    struct vouch__buf *b)
{
	int rc;

	switch (tok->type) {
	case MT_ATOM:
		return vouch__buf_append(b, lx->s + tok->start,
		    tok->end - tok->start);
	case MT_QSTR:
		return unquote(lx->s, tok->start + 1, tok->end - 1, 0, b);
	case MT_DLIT:
		if ((rc = vouch__buf_putc(b, '[')) != 0 ||
		    (rc = unquote(lx->s, tok->start + 1, tok->end - 1, 1,
		    b)) != 0)
			return rc;
		return vouch__buf_putc(b, ']');
	default:
		return vouch__buf_putc(b, tok->c);
	}
}
