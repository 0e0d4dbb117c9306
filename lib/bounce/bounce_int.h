/*
 * lib/bounce/bounce_int.h - internals of the bounce module shared by
 * bounce.c (the entry point: limits, what the input is, the chosen reply,
 * the envelope sender), bounce_mime.c (header sections, Content-Type
 * parameters and the bounded MIME walk over the raw input, RFC 2045/2046),
 * bounce_dsn.c (the delivery-status fields, RFC 3464 2.2 and 2.3, RFC 6533
 * 6; SMTP replies, RFC 5321 4.2.1 and RFC 3463), bounce_text.c and
 * bounce_prose.c (the prose of plain-text bounces and of the
 * human-readable part of DSNs), bounce_orig.c (the original copied inline)
 * and bounce_received.c (Received fields, RFC 5321 4.4).
 *
 * Ownership: spans point into the caller's input or into the bounce's
 * arena (a decoded part); strings handed out are copied into the arena.
 * An allocation failure sets ctx->oom and makes the helpers return NULL;
 * vouch_bounce_parse() turns it into VOUCH_ENOMEM at the end, so that the
 * readers need no error path for it.
 */
#ifndef VOUCH_BOUNCE_INT_H
#define VOUCH_BOUNCE_INT_H

#include <stddef.h>

#include <vouch/bounce.h>

#include "util/util.h"

#define BOUNCE_MIME_DEPTH 16	/* SECURITY.md: MIME depth */
#define BOUNCE_MIME_PARTS 32	/* SECURITY.md: attachments */
#define BOUNCE_BOUNDARY_MAX 200	/* RFC 2046 5.1.1 says 70; some exceed */

/* Some bytes: of the input, or decoded into the arena. */
struct bspan {
	const char *p;
	size_t n;
};

/* One header field: the value runs from after the colon to the end of
 * its last line (line end excluded), folding kept. */
struct bfield {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

/* A bounce as returned, with the arena that holds everything it points
 * to; the public struct comes first so that vouch_bounce_free() finds the
 * rest. */
struct vouch__bounce {
	struct vouch_bounce pub;
	struct vouch__arena arena;
};

struct bctx {
	struct vouch_bounce *b;
	struct vouch__arena *a;
	struct vouch_error *err;
	int oom;
	unsigned parts;			/* MIME parts entered */
	struct bspan in;		/* the input, mbox "From " line gone */
	struct bspan hdr;		/* its header section */
	int report;			/* multipart/report of delivery status */
	struct bspan prose;		/* the first text/plain part, decoded */
	struct bspan dsn;		/* the delivery-status part, decoded */
	struct bspan orig;		/* the original, as found */
	enum vouch_bounce_original okind;
	struct vouch_bounce_rcpt *rcpt;	/* VOUCH_BOUNCE_RCPT_MAX slots */
	size_t nrcpt;
	const char *postfix_sender;	/* X-Postfix-Sender, "rfc822;" gone */
	int postfix;			/* X-Postfix-* fields in the DSN */
};

/* ---- bounce_mime.c ------------------------------------------------------ */
/* Offset of the first body byte of the header section at p (n when there
 * is no empty line); *hlen gets the length of the fields.  A line that is
 * neither a field nor its continuation ends the section there. */
size_t vouch__bh_scan(const char *p, size_t n, size_t *hlen);
/* The field at *pos of the fields p[0..hlen), advancing *pos; 0 at the
 * end. */
int vouch__bh_next(const char *p, size_t hlen, size_t *pos,
    struct bfield *f);
/* The first field named name; 0 when there is none. */
int vouch__bh_find(const char *p, size_t hlen, const char *name,
    struct bfield *f);
/* Walk the MIME structure of the message in c->in (header c->hdr). */
int vouch__bounce_walk(struct bctx *c);
/* The Date of a header section as seconds since the epoch, or 0. */
int64_t vouch__bounce_date(struct bctx *c, const char *p, size_t hlen);

/* ---- bounce.c ----------------------------------------------------------- */
/* s[0..n) unfolded, white space runs made one space, trimmed, cut at the
 * first NUL (the returned text must be NUL-free), in the arena; NULL only
 * when memory runs out (c->oom set). */
char *vouch__bounce_str(struct bctx *c, const char *s, size_t n);
/* The next recipient slot (zeroed), or NULL past VOUCH_BOUNCE_RCPT_MAX or
 * out of memory. */
struct vouch_bounce_rcpt *vouch__bounce_rcpt(struct bctx *c);
/* The first occurrence of the NUL-terminated needle in p[0..n), or NULL;
 * icase: ignoring ASCII case. */
const char *vouch__bounce_find(const char *p, size_t n, const char *needle,
    int icase);

/* The lines of a text: vouch__bl_next() gives each without its line end
 * (LF or CRLF); 0 at the end. */
struct blines {
	const char *p;
	size_t n;
	size_t pos;
};
int vouch__bl_next(struct blines *l, const char **s, size_t *len);
/* s[0..n) without leading and trailing blanks. */
void vouch__bl_trim(const char **s, size_t *n);
/* Whether s[0..n) starts with prefix, ignoring ASCII case. */
int vouch__bl_starts(const char *s, size_t n, const char *prefix);
/* The needle in s[0..n), ignoring ASCII case, or NULL. */
const char *vouch__bl_has(const char *s, size_t n, const char *needle);

/* ---- bounce_dsn.c ------------------------------------------------------- */
/* Read c->dsn into the recipients and the per-message members. */
int vouch__bounce_dsn(struct bctx *c);

/* The lines of an SMTP reply, as a bounce quotes them, joined into one
 * reply line: "550-5.7.26 a" "550 5.7.26 b" -> "550 5.7.26 a b". */
struct breply {
	struct vouch__buf buf;
	int oom;
	char code[4];
	char status[16];
};
void vouch__reply_init(struct breply *r);
void vouch__reply_free(struct breply *r);
/* Add one line (n bytes, no line end) of a reply; past the buffer's cap
 * the rest is dropped. */
void vouch__reply_line(struct breply *r, const char *s, size_t n);
/* The first line of a reply written with its code apart (Yahoo's "554:
 * text"): code is the 3 digits, s[0..n) what follows them. */
void vouch__reply_first(struct breply *r, const char *code, const char *s,
    size_t n);
/* The joined reply in the arena, or NULL when it is empty. */
const char *vouch__reply_take(struct bctx *c, struct breply *r);
/* Split reply into code, enhanced status and text (arena copies; NULL
 * when missing). */
void vouch__reply_split(struct bctx *c, const char *reply, const char **code,
    const char **status, const char **text);

/* Forget the reply read so far. */
void vouch__reply_reset(struct breply *r);

/* ---- bounce_text.c, bounce_prose.c -------------------------------------- */
/* The format the prose and the header section name, or NULL when they
 * name none. */
const char *vouch__bounce_text_format(struct bctx *c);
/* A plain-text bounce: the recipients and replies from c->prose, the
 * inline original; returns whether the prose reads as a bounce. */
int vouch__bounce_text(struct bctx *c, const char *format);
/* A reply quoted in the prose of a DSN ("Remote server returned '...'"),
 * or NULL. */
const char *vouch__bounce_prose_reply(struct bctx *c);

/* The prose read one line at a time into recipients and replies. */
struct reader {
	struct bctx *c;
	struct vouch_bounce_rcpt *cur;	/* the recipient being read */
	struct breply r;		/* its reply so far */
	int in_reply;			/* r is open for more lines */
	int mode;			/* where a reader is in its report */
	const char *action;		/* of the recipients to come */
	struct vouch__buf para;		/* a paragraph joined (Postfix) */
};
typedef void line_fn(struct reader *, const char *, size_t);
/* The reply read so far given to the current recipient. */
void vouch__rd_flush(struct reader *rd);
/* A new recipient: the address s without "<", ">" and a final ":". */
void vouch__rd_recipient(struct reader *rd, const char *s, size_t n);
/* The first word of s[0..n) (cut at white space, "[" or the end), a final
 * ":" and "." dropped when drop_dot. */
const char *vouch__rd_word(struct bctx *c, const char *s, size_t n,
    int drop_dot);
/* One word with an "@". */
int vouch__rd_is_address(const char *s, size_t n);
/* The readers of bounce_prose.c, one per program. */
void vouch__exim_line(struct reader *rd, const char *s, size_t n);
void vouch__qmail_line(struct reader *rd, const char *s, size_t n);
void vouch__sendmail_line(struct reader *rd, const char *s, size_t n);
void vouch__said_line(struct reader *rd, const char *s, size_t n);
void vouch__gmail_line(struct reader *rd, const char *s, size_t n);

/* ---- bounce_orig.c ------------------------------------------------------ */
/* The kind of copy that the marker line s[0..n) announces, or
 * VOUCH_BOUNCE_ORIG_NONE when it is no such line. */
enum vouch_bounce_original vouch__bounce_copy_mark(const char *s, size_t n);
/* The original copied inline after a marker line of the prose, or the
 * truncation note that goes with an attached one. */
void vouch__bounce_text_original(struct bctx *c);

#endif /* VOUCH_BOUNCE_INT_H */
