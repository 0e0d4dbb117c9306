/*
 * lib/msg/msg_int.h - internals of the message module shared by
 * msg_header.c (the header section, RFC 5322 sections 2.2 and 4.5),
 * msg_lex.c (the byte check and tokens of an address field, RFC 5322
 * sections 3.2 and 4.1, RFC 6532 section 3.2), msg_addr.c (address lists,
 * RFC 5322 sections 3.4 and 4.4) and msg_idn.c (domains to A-labels,
 * RFC 5890 section 2.3.2).
 *
 * Ownership: a lexer borrows the bytes it reads; tokens are offsets into
 * them.  Errors go into the caller's struct vouch_error with the offset of
 * the offending byte.
 */
#ifndef VOUCH_MSG_INT_H
#define VOUCH_MSG_INT_H

#include <stddef.h>

#include <vouch/msg.h>

#include "util/util.h"

#define MSG_COMMENT_DEPTH_MAX 64	/* nested comments in one field */
#define MSG_DOMAIN_MAX 253		/* RFC 1035 2.3.4, without final dot */
#define MSG_LABEL_MAX 63

enum msg_tok {
	MT_END,		/* no more input */
	MT_ATOM,	/* 1*atext (RFC 5322 3.2.3, RFC 6532 3.2) */
	MT_QSTR,	/* quoted-string, quotes included in the span */
	MT_DLIT,	/* domain-literal, brackets included in the span */
	MT_SPECIAL	/* one of < > @ , ; : . (c says which) */
};

struct msg_token {
	enum msg_tok type;
	int c;		/* the special character for MT_SPECIAL */
	int eword;	/* an RFC 2047 encoded word with specials in it */
	size_t start;	/* offset of the first byte */
	size_t end;	/* offset just past the last byte */
};

struct msg_lexer {
	const char *s;
	size_t len;
	size_t pos;
	struct msg_token tok;	/* the token peeked at, when have_tok */
	int have_tok;
	struct vouch_error *err;
};

void vouch__msg_lex_init(struct msg_lexer *lx, const char *s, size_t len,
    struct vouch_error *err);
/* The next token, skipping CFWS; it stays current until consumed. */
int vouch__msg_lex_peek(struct msg_lexer *lx, const struct msg_token **tok);
void vouch__msg_lex_consume(struct msg_lexer *lx);

/*
 * Append the content of a token to b: an atom as is, a quoted string
 * without its quotes and with quoted-pairs and folding removed, a domain
 * literal with brackets kept and white space removed.
 */
int vouch__msg_tok_text(const struct msg_lexer *lx,
    const struct msg_token *tok, struct vouch__buf *b);
/* Append s[start..end) to b with folding line ends removed. */
int vouch__msg_unfold(const char *s, size_t start, size_t end,
    struct vouch__buf *b);

#endif /* VOUCH_MSG_INT_H */
