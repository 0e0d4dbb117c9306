/*
 * bounce_text.c - the prose of bounces: which software wrote it, the
 * recipients and the remote server's replies of plain-text bounces, and
 * the original copied inline after a marker line.
 *
 * The formats, as their programs write them:
 *   Exim      "This message was created automatically by mail delivery
 *             software.", the failed address indented, then "host H [ip]",
 *             "SMTP error from remote mail server after ...:" and the
 *             reply lines; the copy after "------ This is a copy of the
 *             message, including all the headers. ------" (or "...of the
 *             message's headers."), maybe with "------ The body of the
 *             message is N characters long; only the first ..." lines.
 *   qmail     "Hi. This is the qmail-send program at H.", "<addr>:" then
 *             "Remote host said: ..."; the copy after "--- Below this line
 *             is a copy of the message."  Yahoo and AOL write the same
 *             after "Sorry, we were unable to deliver your message ...".
 *   Sendmail  "----- The following addresses had permanent fatal errors
 *             -----", "<addr>", "----- Transcript of session follows
 *             -----", "... while talking to H.:", ">>> DATA", "<<< 550
 *             ..."; the copy after "----- Original message follows -----"
 *             (or "----- Message header follows -----").
 *   Postfix   "This is the mail system at host H." and "<addr>: host
 *             H[ip] said: 550 ... (in reply to ... command)".
 *   Gmail     "The response from the remote server was:" and the reply.
 *   Microsoft "Remote server returned '550 5.7.509 ...'", "Diagnostic
 *             information for administrators:", "Original message
 *             headers:" and the header section.
 * Only the first FORMAT_SCAN bytes of the prose are searched for the
 * format, so that a huge inline copy costs one pass, not one per marker.
 */
#include <string.h>

#include "bounce_int.h"

#define FORMAT_SCAN 16384

struct lines {
	const char *p;
	size_t n;
	size_t pos;
};

/* The next line without its line end; 0 at the end. */
static int
next_line(struct lines *l, const char **s, size_t *len)
{
	const char *lf;
	size_t e;

	if (l->pos >= l->n)
		return 0;
	lf = memchr(l->p + l->pos, '\n', l->n - l->pos);
	e = lf != NULL ? (size_t)(lf - l->p) : l->n;
	*s = l->p + l->pos;
	*len = e - l->pos;
	if (*len > 0 && (*s)[*len - 1] == '\r')
		(*len)--;
	l->pos = lf != NULL ? e + 1 : l->n;
	return 1;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int
starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && vouch__strncaseeq(s, prefix, k);
}

static const char *
has(const char *s, size_t n, const char *needle)
{
	return vouch__bounce_find(s, n, needle, 1);
}

/* ---- the format --------------------------------------------------------- */

static const struct {
	const char *marker;
	const char *format;
} prose_marks[] = {
	{ "This is the mail system at host", "postfix" },
	{ "created automatically by mail delivery software", "exim" },
	{ "This is the qmail-send program", "qmail" },
	{ "we were unable to deliver your message", "yahoo" },
	{ "Transcript of session follows", "sendmail" },
	{ "The original message was received at", "sendmail" },
	{ "Diagnostic information for administrators", "microsoft" },
	{ "Remote server returned '", "microsoft" },
	{ "The response from the remote server was", "gmail" },
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
		if (has(s, n, sender_marks[i].domain))
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
		if (has(c->prose.p, n, prose_marks[i].marker))
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

/* ---- recipients --------------------------------------------------------- */

struct reader {
	struct bctx *c;
	struct vouch_bounce_rcpt *cur;
	struct breply r;
	int in_reply;
	const char *action;
};

static void
flush(struct reader *rd)
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
	vouch__buf_reset(&rd->r.buf);
	memset(rd->r.code, 0, sizeof(rd->r.code));
	memset(rd->r.status, 0, sizeof(rd->r.status));
	rd->in_reply = 0;
}

/* A new recipient: the address s without "<", ">" and a final ":". */
static void
recipient(struct reader *rd, const char *s, size_t n)
{
	flush(rd);
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

/* The first word of s[0..n) (cut at white space, "[" or the end). */
static const char *
first_word(struct bctx *c, const char *s, size_t n, int drop_dot)
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

static int
is_address(const char *s, size_t n)
{
	return n > 2 && memchr(s, '@', n) != NULL && memchr(s, ' ', n) ==
	    NULL && memchr(s, '\t', n) == NULL;
}

/* Exim: "  addr" then indented "host H [ip]", "SMTP error from remote
 * mail server after ...:" and the reply lines. */
static void
exim_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *after;
	size_t tn = n;

	trim(&t, &tn);
	if (tn == 0) {
		rd->in_reply = 0;
		return;
	}
	if (t != s && is_address(t, tn) && !rd->in_reply) {
		recipient(rd, t, tn);
		return;
	}
	if (rd->cur == NULL)
		return;
	if (starts(t, tn, "host ")) {
		rd->cur->remote_mta = first_word(rd->c, t + 5, tn - 5, 0);
		/* The older form: "host H [ip]: 550 ..." on one line. */
		if ((after = has(t, tn, "]: ")) != NULL) {
			rd->in_reply = 1;
			vouch__reply_line(&rd->r, after + 3,
			    (size_t)(t + tn - after - 3));
		}
		return;
	}
	if (starts(t, tn, "SMTP error from remote mail")) {
		rd->in_reply = 1;
		return;
	}
	if (rd->in_reply)
		vouch__reply_line(&rd->r, t, tn);
}

/* qmail and Yahoo: "<addr>:" then "Remote host said: ...". */
static void
qmail_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *w;
	size_t tn = n;

	trim(&t, &tn);
	if (tn > 2 && s[0] == '<' && s[tn - 1] == ':' && s[tn - 2] == '>') {
		recipient(rd, s, tn);
		return;
	}
	if (rd->cur == NULL || tn == 0)
		return;
	if (starts(t, tn, "Remote host said:")) {
		flush(rd);
		rd->in_reply = 1;
		vouch__reply_line(&rd->r, t + 17, tn - 17);
		return;
	}
	if (rd->in_reply && tn >= 4 && t[0] >= '2' && t[0] <= '5' &&
	    t[3] != '.') {
		vouch__reply_line(&rd->r, t, tn);
		return;
	}
	rd->in_reply = 0;
	if (starts(t, tn, "Connected to "))
		w = first_word(rd->c, t + 13, tn - 13, 0);
	else if (starts(t, tn, "Giving up on "))
		w = first_word(rd->c, t + 13, tn - 13, 1);
	else if (has(t, tn, " does not like "))
		w = first_word(rd->c, t, tn, 0);
	else
		return;
	if (rd->cur->remote_mta == NULL)
		rd->cur->remote_mta = w;
}

/* Sendmail: the address list, then the transcript's "<<<" lines. */
static void
sendmail_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *w;
	size_t tn = n;

	trim(&t, &tn);
	if (has(t, tn, "had permanent fatal errors"))
		rd->action = "failed";
	else if (has(t, tn, "had transient non-fatal errors"))
		rd->action = "delayed";
	else if (tn > 2 && t[0] == '<' && t[tn - 1] == '>' &&
	    is_address(t, tn) && rd->action != NULL)
		recipient(rd, t, tn);
	else if (rd->cur != NULL && starts(t, tn, "(reason:") && !rd->in_reply &&
	    rd->cur->reply == NULL) {
		vouch__reply_line(&rd->r, t + 8, tn > 9 && t[tn - 1] == ')' ?
		    tn - 9 : tn - 8);
		flush(rd);
	} else if ((w = has(t, tn, "while talking to ")) != NULL &&
	    rd->cur != NULL) {
		rd->cur->remote_mta = first_word(rd->c, w + 17,
		    (size_t)(t + tn - w - 17), 1);
		rd->cur->reply = NULL;	/* the transcript says it better */
	} else if (starts(t, tn, "<<< ") && rd->cur != NULL &&
	    rd->cur->reply == NULL) {
		rd->in_reply = 1;
		vouch__reply_line(&rd->r, t + 4, tn - 4);
	} else if (rd->in_reply) {
		flush(rd);
	}
}

/* Postfix-like prose: "<addr>: host H[ip] said: 550 ... (in reply to
 * ... command)", folded over indented lines. */
static void
said_line(struct reader *rd, const char *s, size_t n)
{
	const char *t = s, *said, *host, *end;
	size_t tn = n;

	trim(&t, &tn);
	if (rd->in_reply && t != s && tn > 0) {
		if ((end = has(t, tn, "(in reply to")) != NULL) {
			vouch__reply_line(&rd->r, t, (size_t)(end - t));
			flush(rd);
		} else {
			vouch__reply_line(&rd->r, t, tn);
		}
		return;
	}
	flush(rd);
	if (tn < 3 || t[0] != '<' || (said = has(t, tn, " said: ")) == NULL)
		return;
	end = memchr(t, '>', tn);
	if (end == NULL || end > said)
		return;
	recipient(rd, t, (size_t)(end + 1 - t));
	if (rd->cur != NULL && (host = has(t, tn, ": host ")) != NULL &&
	    host < said)
		rd->cur->remote_mta = first_word(rd->c, host + 7,
		    (size_t)(said - host - 7), 0);
	rd->in_reply = 1;
	said += 7;
	if ((end = has(said, (size_t)(t + tn - said), "(in reply to")) !=
	    NULL) {
		vouch__reply_line(&rd->r, said, (size_t)(end - said));
		flush(rd);
	} else {
		vouch__reply_line(&rd->r, said, (size_t)(t + tn - said));
	}
}

typedef void line_fn(struct reader *, const char *, size_t);

static int
read_rcpts(struct bctx *c, line_fn *fn, const char *action)
{
	struct reader rd;
	struct lines l = { c->prose.p, c->prose.n, 0 };
	const char *s;
	size_t n;

	memset(&rd, 0, sizeof(rd));
	rd.c = c;
	rd.action = action;
	vouch__reply_init(&rd.r);
	while (next_line(&l, &s, &n)) {
		if (has(s, n, "This is a copy of the message") ||
		    has(s, n, "Below this line is a copy of the message") ||
		    has(s, n, "Original message follows") ||
		    has(s, n, "Message header follows"))
			break;
		fn(&rd, s, n);
	}
	flush(&rd);
	vouch__reply_free(&rd.r);
	return c->nrcpt > 0;
}

/* ---- replies quoted in the prose of a DSN ------------------------------- */

const char *
vouch__bounce_prose_reply(struct bctx *c)
{
	struct lines l = { c->prose.p, c->prose.n, 0 };
	struct breply r;
	const char *s, *q, *out;
	size_t n;
	int on = 0;

	vouch__reply_init(&r);
	while (next_line(&l, &s, &n)) {
		trim(&s, &n);
		if (on && n == 0 && r.buf.len > 0)
			break;
		if (on) {
			vouch__reply_line(&r, s, n);
		} else if ((q = has(s, n, "Remote server returned '")) !=
		    NULL) {
			q += 24;
			n = (size_t)(s + n - q);
			vouch__reply_line(&r, q, n > 0 && q[n - 1] == '\'' ?
			    n - 1 : n);
			break;
		} else if (has(s, n, "The response from the remote server "
		    "was:")) {
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
	    (has(f.val, f.vlen, "mailer-daemon") ||
	    has(f.val, f.vlen, "postmaster"));
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
	if (format != NULL && strcmp(format, "exim") == 0)
		read_rcpts(c, exim_line, "failed");
	else if (format != NULL && (strcmp(format, "qmail") == 0 ||
	    strcmp(format, "yahoo") == 0))
		read_rcpts(c, qmail_line, "failed");
	else if (format != NULL && strcmp(format, "sendmail") == 0)
		read_rcpts(c, sendmail_line, NULL);
	else
		read_rcpts(c, said_line, "failed");
	if (c->nrcpt == 0 && (reply = vouch__bounce_prose_reply(c)) != NULL &&
	    (r = vouch__bounce_rcpt(c)) != NULL) {
		r->reply = reply;
		r->action = "failed";
	}
	vouch__bounce_text_original(c);
	return prose_format(c) != NULL || c->nrcpt > 0 || c->okind !=
	    VOUCH_BOUNCE_ORIG_NONE;
}

/* ---- the original inline ------------------------------------------------ */

static const struct {
	const char *marker;
	enum vouch_bounce_original kind;
} copy_marks[] = {
	{ "This is a copy of the message, including all the headers",
	    VOUCH_BOUNCE_ORIG_FULL },
	{ "This is a copy of the message's headers", VOUCH_BOUNCE_ORIG_HEADERS },
	{ "Below this line is a copy of the message", VOUCH_BOUNCE_ORIG_FULL },
	{ "----- Original message follows -----", VOUCH_BOUNCE_ORIG_FULL },
	{ "----- Message header follows -----", VOUCH_BOUNCE_ORIG_HEADERS },
	{ "Original message headers:", VOUCH_BOUNCE_ORIG_HEADERS },
};

/* Exim's "------ The body of the message is N characters long; only the
 * first" "------ M or so are included here." as one sentence. */
static void
exim_note(struct bctx *c, struct lines *l, const char *s, size_t n)
{
	struct vouch__buf b;
	size_t save;

	vouch__buf_init(&b, 1024);
	do {
		while (n > 0 && (*s == '-' || *s == ' ')) {
			s++;
			n--;
		}
		if (vouch__buf_append(&b, s, n) != 0 ||
		    vouch__buf_putc(&b, ' ') != 0)
			break;
		save = l->pos;
		if (!next_line(l, &s, &n) || !starts(s, n, "------ ")) {
			l->pos = save;
			break;
		}
	} while (1);
	if (b.len > 0)
		c->b->truncated_note = vouch__bounce_str(c, b.data, b.len);
	vouch__buf_free(&b);
}

/* The common leading white space of every non-empty line, removed; the
 * text as it is when one line has none. */
static struct bspan
dedent(struct bctx *c, struct bspan t)
{
	struct lines l = { t.p, t.n, 0 };
	struct vouch__buf b;
	const char *s;
	size_t n, k, min = (size_t)-1;

	while (next_line(&l, &s, &n)) {
		for (k = 0; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (k < n && k < min)
			min = k;
	}
	if (min == 0 || min == (size_t)-1)
		return t;
	vouch__buf_init(&b, t.n + 1);
	for (l.pos = 0; l.pos < t.n;) {
		s = t.p + l.pos;
		next_line(&l, &s, &n);
		k = n < min ? n : min;
		/* The line and its own line end, less the indentation. */
		if (vouch__buf_append(&b, s + k, (size_t)(t.p + l.pos - s) -
		    k) != 0) {
			c->oom = 1;
			break;
		}
	}
	t.p = vouch__arena_memdup(c->a, b.data != NULL ? b.data : "", b.len);
	t.n = t.p != NULL ? b.len : 0;
	c->oom |= t.p == NULL;
	vouch__buf_free(&b);
	return t;
}

void
vouch__bounce_text_original(struct bctx *c)
{
	struct lines l = { c->prose.p, c->prose.n, 0 };
	enum vouch_bounce_original kind = VOUCH_BOUNCE_ORIG_NONE;
	const char *s;
	size_t n, i, start;

	while (kind == VOUCH_BOUNCE_ORIG_NONE && next_line(&l, &s, &n))
		for (i = 0; i < sizeof(copy_marks) / sizeof(copy_marks[0]);
		    i++)
			if (has(s, n, copy_marks[i].marker) != NULL) {
				kind = copy_marks[i].kind;
				break;
			}
	if (kind == VOUCH_BOUNCE_ORIG_NONE)
		return;
	/* Empty lines and Exim's note come before the copy. */
	for (start = l.pos; next_line(&l, &s, &n); start = l.pos) {
		if (starts(s, n, "------ The body of the message is"))
			exim_note(c, &l, s, n);
		else if (n > 0 && !starts(s, n, "------ "))
			break;
	}
	if (c->okind != VOUCH_BOUNCE_ORIG_NONE || start >= c->prose.n)
		return;		/* attached: only the note was wanted */
	c->orig.p = c->prose.p + start;
	c->orig.n = c->prose.n - start;
	c->orig = dedent(c, c->orig);
	c->okind = kind;
}
