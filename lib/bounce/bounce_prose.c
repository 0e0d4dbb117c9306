/*
 * bounce_prose.c - the lines of each program's plain-text report, read
 * into recipients and replies by the reader of bounce_text.c (which says
 * what each program writes).  Each function takes one line without its
 * line end; an empty line ends every paragraph, and the reader sends one
 * after the last line.
 */
#include <string.h>

#include "bounce_int.h"

/* Exim: "  addr" then indented "host H [ip]", "SMTP error from remote
 * mail server after ...:" and the reply lines. */
void
vouch__exim_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *after;
	size_t tn = n;

	vouch__bl_trim(&t, &tn);
	if (tn == 0) {
		rd->in_reply = 0;
		return;
	}
	if (t != s && vouch__rd_is_address(t, tn) && !rd->in_reply) {
		vouch__rd_recipient(rd, t, tn);
		return;
	}
	if (rd->cur == NULL)
		return;
	if (vouch__bl_starts(t, tn, "host ")) {
		rd->cur->remote_mta = vouch__rd_word(rd->c, t + 5, tn - 5, 0);
		/* The older form: "host H [ip]: 550 ..." on one line. */
		if ((after = vouch__bl_has(t, tn, "]: ")) != NULL) {
			rd->in_reply = 1;
			vouch__reply_line(&rd->r, after + 3,
			    (size_t)(t + tn - after - 3));
		}
		return;
	}
	if (vouch__bl_starts(t, tn, "SMTP error from remote mail")) {
		rd->in_reply = 1;
		return;
	}
	if (rd->in_reply)
		vouch__reply_line(&rd->r, t, tn);
}

/* "Remote host said: 550 ..." (qmail), "... remote host H said: 550 ..."
 * (qmail's "most progress" form): the reply after "said:", or NULL. */
static const char *
remote_said(struct reader *rd, const char *t, size_t tn)
{
	const char *w = vouch__bl_has(t, tn, "remote host "), *said;
	size_t k;

	if (w == NULL)
		return NULL;
	w += 12;
	k = (size_t)(t + tn - w);
	if (vouch__bl_starts(w, k, "said:"))
		return w + 5;
	if ((said = vouch__bl_has(w, k, " said:")) == NULL)
		return NULL;
	if (rd->cur->remote_mta == NULL)
		rd->cur->remote_mta = vouch__rd_word(rd->c, w,
		    (size_t)(said - w), 0);
	return said + 6;
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Yahoo and AOL: "554: delivery error: ..." or "550: 5.1.1 ...", the
 * reply code with a colon, read as "554 delivery error: ...". */
static int
colon_reply(struct reader *rd, const char *t, size_t tn)
{
	if (tn < 5 || t[0] < '2' || t[0] > '5' || !is_digit(t[1]) ||
	    !is_digit(t[2]) || t[3] != ':' || rd->cur->reply != NULL ||
	    rd->in_reply)
		return 0;
	vouch__reply_first(&rd->r, t, t + 4, tn - 4);
	rd->in_reply = 1;
	return 1;
}

/* qmail, Yahoo and AOL: "<addr>:" then "Remote host said: ...". */
void
vouch__qmail_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *w;
	size_t tn = n;

	vouch__bl_trim(&t, &tn);
	if (tn > 2 && t[0] == '<' && t[tn - 1] == ':' && t[tn - 2] == '>') {
		vouch__rd_recipient(rd, t, tn);
		return;
	}
	if (rd->cur == NULL || tn == 0)
		return;
	if ((w = remote_said(rd, t, tn)) != NULL) {
		vouch__rd_flush(rd);
		rd->in_reply = 1;
		vouch__reply_line(&rd->r, w, (size_t)(t + tn - w));
		return;
	}
	if (colon_reply(rd, t, tn))
		return;
	if (rd->in_reply && tn >= 4 && t[0] >= '2' && t[0] <= '5' &&
	    t[3] != '.') {
		vouch__reply_line(&rd->r, t, tn);
		return;
	}
	rd->in_reply = 0;
	if (vouch__bl_starts(t, tn, "Connected to "))
		w = vouch__rd_word(rd->c, t + 13, tn - 13, 0);
	else if (vouch__bl_starts(t, tn, "Giving up on "))
		w = vouch__rd_word(rd->c, t + 13, tn - 13, 1);
	else if (vouch__bl_has(t, tn, " does not like "))
		w = vouch__rd_word(rd->c, t, tn, 0);
	else
		return;
	if (rd->cur->remote_mta == NULL)
		rd->cur->remote_mta = w;
}

/* Sendmail: the address list, then the transcript's "<<<" lines. */
void
vouch__sendmail_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *w;
	size_t tn = n;

	vouch__bl_trim(&t, &tn);
	if (vouch__bl_has(t, tn, "had permanent fatal errors"))
		rd->action = "failed";
	else if (vouch__bl_has(t, tn, "had transient non-fatal errors"))
		rd->action = "delayed";
	else if (tn > 2 && t[0] == '<' && t[tn - 1] == '>' &&
	    vouch__rd_is_address(t, tn) && rd->action != NULL)
		vouch__rd_recipient(rd, t, tn);
	else if (rd->cur != NULL && vouch__bl_starts(t, tn, "(reason:") &&
	    !rd->in_reply && rd->cur->reply == NULL) {
		vouch__reply_line(&rd->r, t + 8, tn > 9 && t[tn - 1] == ')' ?
		    tn - 9 : tn - 8);
		vouch__rd_flush(rd);
	} else if ((w = vouch__bl_has(t, tn, "while talking to ")) != NULL &&
	    rd->cur != NULL) {
		rd->cur->remote_mta = vouch__rd_word(rd->c, w + 17,
		    (size_t)(t + tn - w - 17), 1);
		rd->cur->reply = NULL;	/* the transcript says it better */
	} else if (vouch__bl_starts(t, tn, "<<< ") && rd->cur != NULL &&
	    rd->cur->reply == NULL) {
		rd->in_reply = 1;
		vouch__reply_line(&rd->r, t + 4, tn - 4);
	} else if (rd->in_reply) {
		vouch__rd_flush(rd);
	}
}

/* Postfix-like prose: "<addr>: host H[ip] said: 550 ... (in reply to
 * ... command)", folded over indented lines (the host and the reply may
 * each start a line), or "<addr>: " and a reason of Postfix's own. */
static void
said_para(struct reader *rd, const char *t, size_t tn)
{
	const char *end = memchr(t, '>', tn), *rest, *said, *host;
	size_t n;

	if (end == NULL || (size_t)(end - t) + 2 > tn || end[1] != ':')
		return;
	vouch__rd_recipient(rd, t, (size_t)(end + 1 - t));
	if (rd->cur == NULL)
		return;
	rest = end + 2;
	n = (size_t)(t + tn - rest);
	if ((said = vouch__bl_has(rest, n, " said:")) != NULL) {
		if ((host = vouch__bl_has(rest, (size_t)(said - rest),
		    "host ")) != NULL)
			rd->cur->remote_mta = vouch__rd_word(rd->c, host + 5,
			    (size_t)(said - host - 5), 0);
		n = (size_t)(rest + n - said - 6);
		rest = said + 6;
	}
	if ((end = vouch__bl_has(rest, n, "(in reply to")) != NULL)
		n = (size_t)(end - rest);
	vouch__reply_line(&rd->r, rest, n);
	vouch__rd_flush(rd);
}

void
vouch__said_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s;
	size_t tn = n;
	int rc;

	vouch__bl_trim(&t, &tn);
	if (rd->para.len > 0 && t != s && tn > 0) {
		/* Past the buffer's cap the rest of the paragraph goes. */
		if ((rc = vouch__buf_putc(&rd->para, ' ')) == 0)
			rc = vouch__buf_append(&rd->para, t, tn);
		rd->c->oom |= rc == VOUCH_ENOMEM;
		return;
	}
	if (rd->para.len > 0)
		said_para(rd, rd->para.data, rd->para.len);
	vouch__buf_reset(&rd->para);
	if (tn > 2 && t == s && t[0] == '<' && vouch__bl_has(t, tn, ">:") &&
	    vouch__buf_append(&rd->para, t, tn) == VOUCH_ENOMEM)
		rd->c->oom = 1;
}

/* ---- Gmail's plain-text report ------------------------------------------ */

enum { GM_NONE, GM_RCPTS, GM_DETAILS, GM_REPLY };

#define GM_ERROR "The error that the other server returned was:"

/* "... rejected by the server for the recipient domain D by H. [ip]." */
static void
gmail_host(struct reader *rd, const char *t, size_t tn)
{
	const char *d = vouch__bl_has(t, tn, "recipient domain "), *by;
	size_t n;

	if (d == NULL || rd->cur->remote_mta != NULL)
		return;
	d += 17;
	n = (size_t)(t + tn - d);
	/* One word, the domain, between "domain" and "by". */
	if ((by = vouch__bl_has(d, n, " by ")) == NULL ||
	    memchr(d, ' ', (size_t)(by - d)) != NULL)
		return;
	by += 4;
	rd->cur->remote_mta = vouch__rd_word(rd->c, by, (size_t)(t + tn - by),
	    1);
}

/* A line of the details: the summary until the server's own words come
 * ("The error that the other server returned was:" and the reply). */
static void
gmail_details(struct reader *rd, const char *t, size_t tn)
{
	const char *w;

	gmail_host(rd, t, tn);
	if ((w = vouch__bl_has(t, tn, GM_ERROR)) != NULL) {
		vouch__reply_reset(&rd->r);
		rd->mode = GM_REPLY;
		w += strlen(GM_ERROR);
		tn = (size_t)(t + tn - w);
		t = w;
		vouch__bl_trim(&t, &tn);
	}
	if (rd->mode == GM_REPLY) {
		if (tn == 0 && rd->r.buf.len > 0) {
			vouch__rd_flush(rd);
			rd->mode = GM_NONE;
		} else {
			vouch__reply_line(&rd->r, t, tn);
		}
	} else if (tn == 0) {
		rd->in_reply = 0;	/* the summary is one paragraph */
	} else if (rd->in_reply) {
		vouch__reply_line(&rd->r, t, tn);
	}
}

void
vouch__gmail_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *colon;
	size_t tn = n;

	vouch__bl_trim(&t, &tn);
	if (vouch__bl_starts(t, tn, "Delivery to the following recipient")) {
		rd->mode = GM_RCPTS;
		rd->action = vouch__bl_has(t, tn, "delayed") != NULL ?
		    "delayed" : "failed";
		return;
	}
	if (rd->mode == GM_RCPTS) {
		if (vouch__rd_is_address(t, tn))
			vouch__rd_recipient(rd, t, tn);
		else if (tn > 0)
			rd->mode = GM_NONE;
	}
	if (vouch__bl_starts(t, tn, "Technical details of ") &&
	    (colon = memchr(t, ':', tn)) != NULL && rd->cur != NULL) {
		rd->mode = GM_DETAILS;
		rd->in_reply = 1;
		tn = (size_t)(t + tn - colon - 1);
		t = colon + 1;
		vouch__bl_trim(&t, &tn);
		if (tn == 0)
			return;
	}
	if (rd->cur != NULL && rd->mode >= GM_DETAILS)
		gmail_details(rd, t, tn);
}
