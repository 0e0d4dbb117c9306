/*
 * vouch/bounce.h - read what a sender holds after a rejection: a bounce,
 * or a message as a receiver saw it, and the Received fields of its
 * header section.
 *
 * Bounces come in two families:
 *
 *   DSN    RFC 3464 (RFC 6533 for message/global-*): multipart/report;
 *          report-type=delivery-status with a message/delivery-status
 *          part (per-message fields, then one block per recipient:
 *          Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code)
 *          and the original as message/rfc822 or text/rfc822-headers.
 *          Gmail, Microsoft 365/Outlook, Postfix and modern Exim send
 *          these, each with its own human-readable part.
 *   TEXT   a plain-text report (classic Exim, qmail and Yahoo/AOL,
 *          Sendmail without DSN, Gmail's reports before 2017): the
 *          recipient, the remote server's reply in the prose ("550
 *          5.7.1 ...", "550: 5.1.1 ...", "remote host H said: ..."), and
 *          the original inline after a marker line or attached.
 *
 * Anything else with an RFC 5322 header section that has a From field is
 * read as a MESSAGE (a delivered or quarantined copy: its A-R, Received-
 * SPF, Received and DKIM-Signature fields are the evidence).  Input that
 * is none of these is VOUCH_ESYNTAX with a sentence saying what it was
 * not ("no header section", "no From field and no delivery status").
 *
 * MIME is walked by our own bounded reader, because the original must
 * come back byte for byte (DKIM verifies it): parts are cut out of the
 * input at their boundaries, and only base64 / quoted-printable parts
 * are decoded (with GMime 3's decoders; GMime also reads the Date).
 * SECURITY.md's limits hold: the input at most VOUCH_BOUNCE_MAX bytes,
 * MIME depth 16, 32 parts; beyond that VOUCH_ELIMIT.  Nothing of the input is ever executed or rendered; all
 * text returned is raw bytes from the input (NUL-free, possibly not
 * UTF-8): escape it when printing.
 *
 * Ownership: everything reachable from a struct vouch_bounce lives until
 * vouch_bounce_free().  Thread safety: no shared state (GMime's decoders
 * and date parser need no initialisation).
 */
#ifndef VOUCH_BOUNCE_H
#define VOUCH_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dns.h>
#include <vouch/err.h>

#define VOUCH_BOUNCE_MAX (20u * 1024u * 1024u)	/* bytes of input */
#define VOUCH_BOUNCE_RCPT_MAX 100		/* recipients kept */

enum vouch_bounce_kind {
	VOUCH_BOUNCE_DSN = 0,	/* RFC 3464 delivery status notification */
	VOUCH_BOUNCE_TEXT,	/* a non-standard, plain-text bounce */
	VOUCH_BOUNCE_MESSAGE	/* not a bounce: a message as delivered */
};

/* How much of the original message the input carries. */
enum vouch_bounce_original {
	VOUCH_BOUNCE_ORIG_NONE = 0,	/* none */
	VOUCH_BOUNCE_ORIG_HEADERS,	/* its header section only */
	VOUCH_BOUNCE_ORIG_FULL,		/* header section and body */
	VOUCH_BOUNCE_ORIG_TRUNCATED	/* the body cut short: the bouncer
					   says so (Exim's "only the first
					   N characters", Postfix's
					   "message/rfc822 ... truncated") */
};

struct vouch_bounce_rcpt {
	const char *recipient;	/* the address (Final-Recipient without
				   "rfc822;"), or NULL */
	const char *action;	/* "failed", "delayed", "delivered",
				   "relayed", "expanded", lower case; NULL
				   when not said */
	const char *status;	/* enhanced status code "5.7.1", or NULL */
	const char *reply;	/* the remote server's reply, unfolded
				   and joined into one line: "550 5.7.26
				   text ..." (the "550-5.7.26 " prefixes
				   of continuation lines removed); NULL
				   when the bounce gives none */
	const char *remote_mta;	/* the rejecting server (Remote-MTA
				   without "dns;", or the host named in
				   the prose), or NULL */
};

struct vouch_bounce {
	enum vouch_bounce_kind kind;
	/* What the input looked like: "gmail", "microsoft", "yahoo",
	   "postfix", "exim", "sendmail", "qmail", "rfc3464" (a DSN from
	   anyone else), "text" (another plain-text bounce), "message". */
	const char *format;
	const char *reporting_mta;	/* Reporting-MTA without "dns;" */
	const char *subject;		/* the bounce's own Subject, or NULL */
	const char *arrival_date;	/* Arrival-Date, or NULL */

	size_t nrcpt;
	const struct vouch_bounce_rcpt *rcpt;	/* in input order */

	/* The reply that explains the rejection: that of the first
	   recipient whose action is failed (a 5.7.x one preferred), else
	   the first reply at all, split into its parts; all NULL when the
	   bounce names none, and always for a MESSAGE. */
	const char *reply;		/* "550 5.7.26 text" */
	const char *reply_code;		/* "550" */
	const char *reply_status;	/* "5.7.26", or NULL when the reply
					   has no enhanced code (then the
					   DSN Status, if any) */
	const char *reply_text;		/* the text after the codes */
	const char *remote_mta;		/* that recipient's remote MTA */
	const char *recipient;		/* that recipient */

	/* The envelope sender of the original delivery, where the input
	   says it: the DSN's X-Postfix-Sender, else the original's
	   Return-Path, else the address the bounce was sent to (its To: a
	   bounce goes to the envelope sender).  "" is the null reverse-path; NULL: unknown. */
	const char *mail_from;
	const char *mail_from_source;	/* where it came from, in words:
					   "X-Postfix-Sender", "Return-Path",
					   "the bounce's To", ... */

	/* The original message, raw bytes as the input carries them (the
	   input itself for a MESSAGE): the header section, the empty line
	   and the body when there is one.  NULL when the input has none. */
	enum vouch_bounce_original original;
	const char *orig;
	size_t orig_len;
	size_t orig_body_off;	/* first body byte (orig_len: no body) */
	/* For a TRUNCATED original, what the bouncer said (the line of
	   prose), else NULL. */
	const char *truncated_note;
	/* The original's Date field as seconds since the epoch (RFC 5322
	   3.3, obsolete zones too), or 0 when it has none that reads. */
	int64_t orig_date;
	/* The original came from vouch_bounce_attach_original(): a copy
	   the sender kept (a Sent folder's is saved before the server
	   signs it, so a missing DKIM-Signature proves nothing). */
	int original_given;
};

/*
 * Read data (len bytes, need not be NUL-terminated).  Returns 0 with *out
 * (caller owns, vouch_bounce_free()); VOUCH_ESYNTAX when the input is
 * neither a bounce nor a message, VOUCH_ELIMIT over the limits above,
 * VOUCH_ENOMEM; err says why.
 */
VOUCH_API int vouch_bounce_parse(const char *data, size_t len,
    struct vouch_bounce **out, struct vouch_error *err);
VOUCH_API void vouch_bounce_free(struct vouch_bounce *b);

/*
 * Put the original as the sender kept it (from the Sent folder, or the
 * sending application) in place of what the bounce carried, which is
 * often nothing or the header section only: data is copied (an mbox
 * "From " line first is skipped).  Its Return-Path becomes the envelope
 * sender unless the DSN named one (X-Postfix-Sender).  VOUCH_ESYNTAX
 * when data is not a message (no header section, no From field),
 * VOUCH_ELIMIT over VOUCH_BOUNCE_MAX, VOUCH_ENOMEM; b is unchanged then.
 */
VOUCH_API int vouch_bounce_attach_original(struct vouch_bounce *b,
    const char *data, size_t len, struct vouch_error *err);

/* "dsn", "text", "message". */
VOUCH_API const char *vouch_bounce_kind_name(enum vouch_bounce_kind k);
/* "none", "headers", "full", "truncated". */
VOUCH_API const char *vouch_bounce_original_name(
    enum vouch_bounce_original o);

/* ---- Received fields (RFC 5321 4.4) ------------------------------------ */

/*
 * One Received field value, read the way real MTAs write it (Postfix,
 * Sendmail, Exim "from [ip] (helo=x)", qmail "from unknown (HELO x)
 * (ip)", Microsoft "(2603:10a6:...)" without brackets, Gmail "by
 * 2002:a05:...").  The connecting address is the first address literal
 * of the from clause ("[192.0.2.1]", "[IPv6:2001:db8::1]", or a bare
 * address in parentheses); none when the clause has no address.
 */
struct vouch_received {
	const char *from_name;	/* the name after "from" (the HELO as the
				   receiver recorded it), or NULL */
	const char *from_rdns;	/* the host name the receiver looked up,
				   from the TCP-info comment, or NULL */
	const char *helo;	/* an explicit helo=/HELO in the comment
				   (Exim, qmail), else NULL */
	int has_ip;
	struct vouch_ip ip;	/* the connecting address (has_ip) */
	const char *by;		/* the name after "by", or NULL */
	const char *with;	/* the protocol after "with", or NULL */
	const char *id;		/* the queue id after "id", or NULL */
	const char *for_addr;	/* the address after "for", no <>, or NULL */
	const char *date;	/* the text after the last ';', trimmed */
};

/*
 * Parse one Received field value (after the colon; folding allowed).
 * Returns 0 with *out (caller owns, vouch_received_free()) whatever it
 * could read (every member may be NULL), VOUCH_ESYNTAX when the value
 * has none of from/by/with/id/for nor a date, VOUCH_ELIMIT over
 * VOUCH_MSG_FIELD_MAX bytes, VOUCH_ENOMEM.
 */
VOUCH_API int vouch_received_parse(const char *value, size_t len,
    struct vouch_received **out, struct vouch_error *err);
VOUCH_API void vouch_received_free(struct vouch_received *r);

#endif /* VOUCH_BOUNCE_H */
