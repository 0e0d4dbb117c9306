/*
 * bounce_text.c - the prose of bounces: which software wrote it, the
 * reader that turns its lines into recipients and replies (the lines of
 * each program are read in bounce_prose.c), and the reply quoted in the
 * prose of a DSN.
 *
 * The formats, as their programs write them:
 *   Exim      "This message was created automatically by mail delivery
 *             software.", the failed address indented, then "host H [ip]",
 *             "SMTP error from remote mail server after ...:" and the
 *             reply lines.
 *   qmail     "Hi. This is the qmail-send program at H.", "<addr>:" then
 *             "Remote host said: ..." (or "... remote host H said: ...").
 *             Yahoo and AOL write the same after "Sorry, we were unable to
 *             deliver your message ...", or the reply as "554: text".
 *   Sendmail  "----- The following addresses had permanent fatal errors
 *             -----", "<addr>", "----- Transcript of session follows
 *             -----", "... while talking to H.:", ">>> DATA", "<<< 550
 *             ...".
 *   Postfix   "This is the mail system at host H." and "<addr>: host
 *             H[ip] said: 550 ... (in reply to ... command)".
 *   Gmail     "The response from the remote server was:" and the reply;
 *             before 2017 a plain-text report: "Delivery to the following
 *             recipient failed permanently:", the address indented,
 *             "Technical details of permanent failure:" and "The error
 *             that the other server returned was:" with the reply.
 *   Microsoft "Remote server returned '550 5.7.509 ...'", "Diagnostic
 *             information for administrators:", "Original message
 *             headers:" and the header section.
 * The inline copy of the original is bounce_orig.c's.  Only the first
 * FORMAT_SCAN bytes of the prose are searched for the format, so that a
 * huge inline copy costs one pass, not one per marker.
 */
#include <string.h>

#include "bounce_int.h"

#define FORMAT_SCAN 16384
#define PARA_MAX 8192	/* bytes of one paragraph of Postfix prose */

/* ---- the format --------------------------------------------------------- */

static const struct {
	const char *marker;
	const char *format;
} prose_marks[] = {
	{ "This is the mail system at host", "postfix" },
	{ "This is the Postfix program at host", "postfix" },
	{ "created automatically by mail delivery software", "exim" },
	{ "This is the qmail-send program", "qmail" },
	{ "we were unable to deliver your message", "yahoo" },
	{ "Transcript of session follows", "sendmail" },
	{ "The original message was received at", "sendmail" },
	{ "Diagnostic information for administrators", "microsoft" },
	{ "Remote server returned '", "microsoft" },
	{ "The response from the remote server was", "gmail" },
	{ "Technical details of permanent failure", "gmail" },
	{ "Technical details of temporary failure", "gmail" },
};

/* Where the big receivers send their bounces from. */
static const struct {
	const char *domain;
	const char *format;
} sender_marks[] = {
	{ "googlemail.com", "gmail" },
	{ "google.com", "gmail" },
	{ "gmail.com", "gmail" },
	{ "outlook.com", "microsoft" },
	{ "exchangelabs.com", "microsoft" },
	{ "hotmail.com", "microsoft" },
	{ "yahoo.com", "yahoo" },
	{ "yahoodns.net", "yahoo" },
	{ "aol.com", "yahoo" },
};

static const char *
by_sender(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(sender_marks) / sizeof(sender_marks[0]); i++)
		if (vouch__bl_has(s, n, sender_marks[i].domain))
			return sender_marks[i].format;
	return NULL;
}

/* The format the prose names, or NULL. */
static const char *
prose_format(const struct bctx *c)
{
	size_t n = c->prose.n < FORMAT_SCAN ? c->prose.n : FORMAT_SCAN, i;

	for (i = 0; c->prose.p != NULL &&
	    i < sizeof(prose_marks) / sizeof(prose_marks[0]); i++)
		if (vouch__bl_has(c->prose.p, n, prose_marks[i].marker))
			return prose_marks[i].format;
	return NULL;
}

const char *
vouch__bounce_text_format(struct bctx *c)
{
	struct bfield f;
	const char *fmt = prose_format(c);

	if (fmt != NULL)
		return fmt;
	if (c->dsn.p != NULL && vouch__bh_find(c->dsn.p, c->dsn.n,
	    "Reporting-MTA", &f))
		fmt = by_sender(f.val, f.vlen);
	if (fmt == NULL && vouch__bh_find(c->hdr.p, c->hdr.n, "From", &f))
		fmt = by_sender(f.val, f.vlen);
	if (fmt == NULL && vouch__bh_find(c->hdr.p, c->hdr.n,
	    "X-Failed-Recipients", &f))
		fmt = "exim";
	return fmt;
}

/* ---- the reader --------------------------------------------------------- */

void
vouch__rd_flush(struct reader *rd)
{
	const char *s = vouch__reply_take(rd->c, &rd->r);

	if (rd->cur != NULL && s != NULL) {
		rd->cur->reply = s;
		if (rd->cur->status == NULL && rd->r.status[0] != '\0')
			rd->cur->status = vouch__bounce_str(rd->c,
			    rd->r.status, strlen(rd->r.status));
		if (rd->r.code[0] == '4')
			rd->cur->action = "delayed";
	}
	vouch__reply_reset(&rd->r);
	rd->in_reply = 0;
}

void
vouch__rd_recipient(struct reader *rd, const char *s, size_t n)
{
	vouch__rd_flush(rd);
	if (n > 0 && s[n - 1] == ':')
		n--;
	if (n > 0 && s[0] == '<') {
		s++;
		n--;
	}
	if (n > 0 && s[n - 1] == '>')
		n--;
	rd->cur = vouch__bounce_rcpt(rd->c);
	if (rd->cur != NULL) {
		rd->cur->recipient = vouch__bounce_str(rd->c, s, n);
		rd->cur->action = rd->action;
	}
}

const char *
vouch__rd_word(struct bctx *c, const char *s, size_t n, int drop_dot)
{
	size_t k;

	for (k = 0; k < n && s[k] != ' ' && s[k] != '\t' && s[k] != '['; k++)
		;
	if (drop_dot && k > 0 && s[k - 1] == ':')
		k--;
	if (drop_dot && k > 0 && s[k - 1] == '.')
		k--;
	return k > 0 ? vouch__bounce_str(c, s, k) : NULL;
}

int
vouch__rd_is_address(const char *s, size_t n)
{
	return n > 2 && memchr(s, '@', n) != NULL && memchr(s, ' ', n) ==
	    NULL && memchr(s, '\t', n) == NULL;
}

static int
read_rcpts(struct bctx *c, line_fn *fn, const char *action)
{
	struct reader rd;
	struct blines l = { c->prose.p, c->prose.n, 0 };
	const char *s;
	size_t n;

	memset(&rd, 0, sizeof(rd));
	rd.c = c;
	rd.action = action;
	vouch__reply_init(&rd.r);
	vouch__buf_init(&rd.para, PARA_MAX);
	/* The inline copy of the original is no part of the report. */
	while (vouch__bl_next(&l, &s, &n) &&
	    vouch__bounce_copy_mark(s, n) == VOUCH_BOUNCE_ORIG_NONE)
		fn(&rd, s, n);
	fn(&rd, "", 0);
	vouch__rd_flush(&rd);
	vouch__buf_free(&rd.para);
	vouch__reply_free(&rd.r);
	return c->nrcpt > 0;
}

/* ---- replies quoted in the prose of a DSN ------------------------------- */

const char *
vouch__bounce_prose_reply(struct bctx *c)
{
	struct blines l = { c->prose.p, c->prose.n, 0 };
	struct breply r;
	const char *s, *q, *out;
	size_t n;
	int on = 0;

	vouch__reply_init(&r);
	while (vouch__bl_next(&l, &s, &n)) {
		vouch__bl_trim(&s, &n);
		if (on && n == 0 && r.buf.len > 0)
			break;
		if (on) {
			vouch__reply_line(&r, s, n);
		} else if ((q = vouch__bl_has(s, n,
		    "Remote server returned '")) != NULL) {
			q += 24;
			n = (size_t)(s + n - q);
			vouch__reply_line(&r, q, n > 0 && q[n - 1] == '\'' ?
			    n - 1 : n);
			break;
		} else if (vouch__bl_has(s, n, "The response from the remote "
		    "server was:")) {
			on = 1;
		}
	}
	out = vouch__reply_take(c, &r);
	vouch__reply_free(&r);
	return out;
}

/* ---- plain-text bounces ------------------------------------------------- */

static int
from_daemon(struct bctx *c)
{
	struct bfield f;

	return vouch__bh_find(c->hdr.p, c->hdr.n, "From", &f) &&
	    (vouch__bl_has(f.val, f.vlen, "mailer-daemon") ||
	    vouch__bl_has(f.val, f.vlen, "postmaster"));
}

static int
is_format(const char *format, const char *name)
{
	return format != NULL && strcmp(format, name) == 0;
}

int
vouch__bounce_text(struct bctx *c, const char *format)
{
	struct vouch_bounce_rcpt *r;
	const char *reply;

	/* A message from a yahoo.com user is no Yahoo bounce: without the
	   prose of one, only a mailer-daemon's report is read as one. */
	if (c->prose.p == NULL || (prose_format(c) == NULL && !from_daemon(c)))
		return 0;
	if (is_format(format, "exim"))
		read_rcpts(c, vouch__exim_line, "failed");
	else if (is_format(format, "qmail") || is_format(format, "yahoo"))
		read_rcpts(c, vouch__qmail_line, "failed");
	else if (is_format(format, "sendmail"))
		read_rcpts(c, vouch__sendmail_line, NULL);
	else if (is_format(format, "gmail"))
		read_rcpts(c, vouch__gmail_line, "failed");
	else
		read_rcpts(c, vouch__said_line, "failed");
	if (c->nrcpt == 0 && (reply = vouch__bounce_prose_reply(c)) != NULL &&
	    (r = vouch__bounce_rcpt(c)) != NULL) {
		r->reply = reply;
		r->action = "failed";
	}
	vouch__bounce_text_original(c);
	return prose_format(c) != NULL || c->nrcpt > 0 || c->okind !=
	    VOUCH_BOUNCE_ORIG_NONE;
}
