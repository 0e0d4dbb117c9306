/*
 * report_src.h - where vouch report import finds reports: files, folders,
 * mbox files, Maildir folders, standard input and IMAP mailboxes.  A
 * source is read as a sequence of items (a file, one mbox message, one
 * Maildir message, one IMAP message), each handed over whole, within a
 * size cap, to be imported on its own.
 *
 *	struct src *s;
 *	struct src_item it;
 *
 *	if (src_open(spec, &opts, &s, err, sizeof(err)) != 0)
 *		... err says why the source cannot be read at all
 *	while ((rc = src_next(s, &it)) > 0) {
 *		if (it.error == NULL)
 *			... import it.data, it.len, named it.name
 *		src_done(s, &it, outcome);	(< 0: the source stopped)
 *	}
 *	if (rc < 0)
 *		... src_error(s) says why the source stopped
 *	src_close(s);
 *
 * spec is one of:
 *   "-"                 standard input, read like a file;
 *   imap://[user@]host[:port]/MAILBOX, imaps://...
 *                       the UNSEEN messages of MAILBOX (report_src_imap.c);
 *   a folder            a Maildir when it has cur/ and new/ folders (each
 *                       file in them is one message), otherwise every
 *                       regular file under it, recursively, in byte order
 *                       of the names, with nested Maildirs read as such
 *                       (report_src_walk.c);
 *   a file              one item, or an mbox when its content starts with
 *                       "From " (report_src_mbox.c).
 * Names never decide how content is read: the importer tells XML, gzip,
 * zip and e-mail apart by content.
 *
 * Caps (SECURITY.md): a file or standard input is read up to 50 MiB, a
 * message (mbox, Maildir, IMAP) up to 20 MiB; a larger one is an item
 * with an error, and the source goes on.  Anything that makes one item
 * unreadable (a file that cannot be opened, a symbolic link out of the
 * folder, an oversized message) is an item with its error set; what makes
 * the rest of the source unreadable ends it with src_next() < 0.
 *
 * IMAP: messages are fetched with BODY.PEEK[] by UID, so they stay unseen
 * until src_done() says they were processed (imported, duplicate or
 * rejected): it then sets \Seen and, with move_to, moves them there (UID
 * MOVE, or UID COPY + \Deleted + EXPUNGE when the server lacks MOVE).
 * An item left SRC_KEEP, or one the server would not hand over, stays as
 * it was.  Files are never changed.
 *
 * Ownership: the strings and bytes of an item are borrowed until the next
 * src_next() or src_close(); opts and its strings until src_close().
 * Text (item names, errors, server replies) is raw and may hold any byte:
 * escape it wherever it is shown.  Thread safety: a source is used by one
 * thread; sources share nothing.
 */
#ifndef VOUCH_REPORT_SRC_H
#define VOUCH_REPORT_SRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SRC_FILE_MAX (50u * 1024u * 1024u)	/* a file, stdin */
#define SRC_EMAIL_MAX (20u * 1024u * 1024u)	/* one message */
#define SRC_ERR_MAX 1024			/* one error text */

struct src_opts {
	const char *imap_user;		/* overrides the URL's user */
	const char *imap_password;	/* required for IMAP */
	const char *imap_ca;		/* CA bundle for TLS, or NULL */
	const char *move_to;		/* IMAP: processed messages go here */
	size_t file_max;		/* 0: SRC_FILE_MAX */
	size_t email_max;		/* 0: SRC_EMAIL_MAX */
	unsigned timeout_s;		/* IMAP: one wait; 0: 120 s */
};

struct src_item {
	const char *name;	/* "path", "path#3" (mbox message 3),
				   "imap://u@host:143/INBOX/;UID=42" */
	const void *data;	/* the item's bytes (NULL with error) */
	size_t len;
	const char *error;	/* why it could not be read, or NULL */
	uint64_t uid;		/* IMAP UID, else 0 */
};

enum src_outcome {
	SRC_IMPORTED,		/* something was stored */
	SRC_DUPLICATE,		/* everything in it was already stored */
	SRC_REJECTED,		/* unreadable or refused by the parser */
	SRC_KEEP		/* not processed (the store failed) */
};

struct src;

/* Open spec.  Returns 0, or -1 with err (len bytes) saying why. */
int src_open(const char *spec, const struct src_opts *o, struct src **out,
    char *err, size_t len);
/* 1 with *it filled, 0 at the end, -1 when the source stopped. */
int src_next(struct src *s, struct src_item *it);
/* What became of the last item.  0, or -1 when the source stopped. */
int src_done(struct src *s, const struct src_item *it, enum src_outcome oc);
/* The number of items expected (files, messages), or 0 if unknown. */
uint64_t src_total(const struct src *s);
/* Why the source stopped; "" if it did not. */
const char *src_error(const struct src *s);
void src_close(struct src *s);

/* ==== Between the report_src*.c files ================================== */

struct src_ops {
	int (*next)(struct src *s, struct src_item *it);
	int (*done)(struct src *s, const struct src_item *it,
	    enum src_outcome oc);
	void (*close)(struct src *s);
};

/* The head every kind of source starts with. */
struct src {
	const struct src_ops *ops;
	struct src_opts o;		/* caps filled in */
	uint64_t total;
	char err[SRC_ERR_MAX];
};

/* Sets s->err from fmt; returns -1. */
int src_fail(struct src *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A growable byte buffer with a ceiling. */
struct src_buf {
	unsigned char *p;
	size_t len, cap;
};

/* Append n bytes unless len would pass max: then nothing is added and
 * 1 is returned.  0 on success, -1 out of memory. */
int src_buf_add(struct src_buf *b, const void *d, size_t n, size_t max);
void src_buf_free(struct src_buf *b);

/* An mbox being split (mboxrd/mboxo, RFC 4155): reads f, of which the
 * first headlen bytes were already read into head. */
struct src_mbox;

int src_mbox_new(FILE *f, const void *head, size_t headlen, size_t max,
    struct src_mbox **out);
/* The next message: 1 with *data, *len (borrowed until the next call)
 * or *why set (too large), 0 at the end, -1 on a read error (*why). */
int src_mbox_next(struct src_mbox *m, const void **data, size_t *len,
    const char **why);
/* The FILE it reads; src_mbox_free() does not close it. */
void src_mbox_free(struct src_mbox *m);

/* The files a folder source reads, in order. */
enum src_kind {
	SRC_FILE,		/* a file: an mbox or one item */
	SRC_MESSAGE,		/* a Maildir message: one item */
	SRC_BAD			/* not read: why says why */
};

struct src_entry {
	char *path;		/* as shown: the folder, then the names */
	char *real;		/* to open, when path is a symbolic link */
	enum src_kind kind;
	const char *why;	/* SRC_BAD: static text */
};

struct src_list {
	struct src_entry *v;
	size_t n, cap;
};

/* Walk the folder root into l.  Returns 0, or -1 with err set. */
int src_walk(const char *root, struct src_list *l, char *err, size_t len);
void src_list_free(struct src_list *l);

/* An imap:// or imaps:// spec (report_src_imap.c). */
int src_imap_open(const char *url, const struct src_opts *o,
    struct src **out, char *err, size_t len);

/* An IMAP connection, logged in (report_src_imapc.c). */
struct imapc;

struct imapc_conf {
	const char *url;	/* scheme://host:port/ as libcurl takes it */
	const char *user, *password;
	const char *ca;		/* CA bundle, or NULL for the system's */
	int starttls;		/* imap://: require STARTTLS */
	unsigned timeout_s;	/* the login, and each wait after it */
	size_t body_max;	/* a BODY[] literal kept, at most */
};

/* Takes one untagged reply line, without its "* " (NUL-ended). */
typedef void imapc_line_fn(void *arg, const char *line, size_t len);

int imapc_open(const struct imapc_conf *cf, struct imapc **out, char *err,
    size_t len);
/*
 * Send a command (the tag is added) and read up to its tagged reply,
 * handing untagged lines to fn (may be NULL).  0 on OK; 1 on NO or BAD,
 * with imapc_error() the server's words; -1 when the connection failed.
 */
int imapc_cmd(struct imapc *c, imapc_line_fn *fn, void *arg,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The BODY[] literal of the last command: 0 none, 1 in *data, 2 it was
 * longer than body_max (dropped). */
int imapc_body(const struct imapc *c, const void **data, size_t *len);
const char *imapc_error(const struct imapc *c);
void imapc_close(struct imapc *c);
/* s as an IMAP quoted string into out; -1 when s has a byte a quoted
 * string cannot carry (controls, 8-bit) or out is too small. */
int imapc_quote(char *out, size_t len, const char *s);

#endif
