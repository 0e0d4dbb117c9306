/*
 * lib/authres/authres_int.h - internals of the Authentication-Results
 * module (RFC 8601), shared by its files:
 *   authres_lex.c    the RFC 5322 pieces a field value is made of: CFWS
 *                    with nested comments, quoted-strings, quoted-pairs,
 *                    folding (CRLF or bare LF), tokens and keywords;
 *   authres_parse.c  the RFC 8601 section 2.2 grammar on top of them;
 *   authres_build.c  writing our own field value, folded;
 *   authres_ours.c   finding the fields that claim our authserv-id.
 *
 * Ownership: a parsed struct vouch_authres lives inside its own arena
 * (struct ar_doc): everything it points to is freed with it.  A cursor
 * borrows the bytes it reads.  Errors go into the caller's struct
 * vouch_error, naming the offset and what was expected there.
 */
#ifndef VOUCH_AUTHRES_INT_H
#define VOUCH_AUTHRES_INT_H

#include <stddef.h>

#include <vouch/authres.h>

#include "util/util.h"

/* The parsed field and the arena that holds it (and itself). */
struct ar_doc {
	struct vouch_authres pub;	/* first: what the caller sees */
	struct vouch__arena arena;
};

/* A bounds-checked cursor over one field value. */
struct ar_cur {
	const char *s;
	size_t len;
	size_t pos;
	struct vouch__arena *arena;	/* where copied strings go */
	struct vouch_error *err;
};

/* ---- character classes ------------------------------------------------ */
/* RFC 2045 5.1 token octet (no tspecials), plus UTF-8 (RFC 6532). */
int vouch__ar_is_token(int c);
/* RFC 5322 3.2.3 atext, plus UTF-8 octets (RFC 6532 3.2). */
int vouch__ar_is_atext(int c);
/* RFC 5321 4.1.2 Keyword octet: ALPHA / DIGIT / "-". */
int vouch__ar_is_key(int c);
/* s[0..n) is RFC 5322 dot-atom-text (atext with UTF-8, single dots). */
int vouch__ar_dot_atom(const char *s, size_t n);

/* ---- the cursor (authres_lex.c) --------------------------------------- */
/* VOUCH_ESYNTAX "expected <what> at offset N, found ..." into c->err. */
int vouch__ar_fail(struct ar_cur *c, const char *what);
/* The octet at the cursor, or -1 at the end. */
int vouch__ar_peek(const struct ar_cur *c);
/*
 * Skip CFWS.  When comment is not NULL and *comment is NULL, the text of
 * the first comment skipped is stored there (unfolded, quoted-pairs
 * resolved, nested comments kept with their parentheses).
 */
int vouch__ar_cfws(struct ar_cur *c, const char **comment);
/* A quoted-string at the cursor: its content, unfolded and unescaped. */
int vouch__ar_qstring(struct ar_cur *c, const char **out);
/* RFC 2045 value (token / quoted-string); what names it in errors. */
int vouch__ar_value(struct ar_cur *c, const char *what, const char **out);
/* An RFC 5321 Keyword, lower-cased; what names it in errors. */
int vouch__ar_keyword(struct ar_cur *c, const char *what, const char **out);
/* How many octets from the cursor are in one of the classes cls
 * (VOUCH__C_* bits, util.h). */
size_t vouch__ar_span(const struct ar_cur *c, unsigned cls);
/* The arena copy of s[a..b) without line ends, quoted-pairs resolved. */
char *vouch__ar_unescape(struct ar_cur *c, size_t a, size_t b);
/*
 * End of the word starting at s[i]: a run of octets up to white space
 * outside quoted-strings and comments, or len.  For text already known
 * to be balanced (the builder's fragments).
 */
size_t vouch__ar_word_end(const char *s, size_t len, size_t i);

/*
 * Grow an arena array of elements of size size holding n, so that one
 * more fits: *cap doubles, from 4 (callers cap n).  NULL when out of
 * memory.
 */
void *vouch__ar_grow(struct vouch__arena *a, void *old, size_t n,
    size_t *cap, size_t size);

/* ---- the grammar (authres_parse.c) ------------------------------------ */
/*
 * Check that frag[0..len) is exactly one resinfo without its ";"
 * (RFC 8601 2.2 methodspec, reason, propspecs, CFWS): 0, VOUCH_ESYNTAX
 * with the reason in err, or VOUCH_ENOMEM.  What the parse copies goes
 * into a, the caller's (a builder checks all its fragments with one).
 */
int vouch__ar_check_resinfo(const char *frag, size_t len,
    struct vouch__arena *a, struct vouch_error *err);

#endif /* VOUCH_AUTHRES_INT_H */
