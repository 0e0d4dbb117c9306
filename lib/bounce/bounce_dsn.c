/*
 * bounce_dsn.c - the message/delivery-status part (RFC 3464 2.2 and 2.3;
 * RFC 6533 6 for message/global-delivery-status, whose fields may hold
 * UTF-8 and are read the same way), and SMTP replies as bounces quote
 * them (RFC 5321 4.2.1 multi-line replies, RFC 3463 enhanced codes).
 *
 * The part is groups of fields separated by empty lines: the first one
 * per message, then one per recipient.  Senders do not all keep to that,
 * so a recipient starts at each Final-Recipient (or an Original-Recipient
 * that comes first), wherever it is, and per-message fields are taken
 * wherever they are.
 */
#include <string.h>

#include "bounce_int.h"

#define REPLY_MAX 8192	/* bytes of one joined reply */

/* ---- SMTP replies ------------------------------------------------------- */

void
vouch__reply_init(struct breply *r)
{
	memset(r, 0, sizeof(*r));
	vouch__buf_init(&r->buf, REPLY_MAX);
}

void
vouch__reply_free(struct breply *r)
{
	vouch__buf_free(&r->buf);
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* A reply code "2yz" to "5yz" followed by SP, "-" or the end. */
static int
is_code(const char *s, size_t n)
{
	return n >= 3 && s[0] >= '2' && s[0] <= '5' && is_digit(s[1]) &&
	    is_digit(s[2]) && (n == 3 || s[3] == ' ' || s[3] == '-');
}

/* The length of the enhanced status code at s (RFC 3463 2: class "."
 * subject "." detail, followed by white space or the end), or 0. */
static size_t
status_len(const char *s, size_t n)
{
	size_t i = 1, k, dots;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return 0;
	for (dots = 1; dots <= 2; dots++) {
		for (k = 0, i++; i < n && is_digit(s[i]) && k < 3; i++, k++)
			;
		if (k == 0 || (dots == 1 && (i >= n || s[i] != '.')))
			return 0;
	}
	return i == n || s[i] == ' ' || s[i] == '\t' ? i : 0;
}

static void
put(struct breply *r, const char *s, size_t n)
{
	int rc;

	if (r->buf.len > 0 && n > 0)
		rc = vouch__buf_putc(&r->buf, ' ');
	else
		rc = 0;
	if (rc == 0 && n > 0)
		rc = vouch__buf_append(&r->buf, s, n);
	if (rc == VOUCH_ENOMEM)
		r->oom = 1;
}

static size_t
skip_sp(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* The offset of what follows the code of a line that is_code(): a line
 * of the code alone ("550") has nothing after it. */
static size_t
after_code(const char *s, size_t n)
{
	return n > 3 ? skip_sp(s, n, 4) : n;
}

void
vouch__reply_reset(struct breply *r)
{
	vouch__buf_reset(&r->buf);
	memset(r->code, 0, sizeof(r->code));
	memset(r->status, 0, sizeof(r->status));
}

/* n less the blanks (and CR) that end s[0..n). */
static size_t
rtrim(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	return n;
}

/* The first line of a reply: its code (3 digits), then the enhanced code
 * and the text in s[0..n). */
static void
first_line(struct breply *r, const char *code, const char *s, size_t n)
{
	size_t k;

	memcpy(r->code, code, 3);
	put(r, code, 3);
	k = skip_sp(s, n, 0);
	s += k;
	n -= k;
	if ((k = status_len(s, n)) > 0 && k < sizeof(r->status)) {
		memcpy(r->status, s, k);
		r->status[k] = '\0';
	}
	put(r, s, n);
}

void
vouch__reply_first(struct breply *r, const char *code, const char *s,
    size_t n)
{
	n = rtrim(s, n);
	first_line(r, code, s, n);
}

void
vouch__reply_line(struct breply *r, const char *s, size_t n)
{
	size_t i, k;

	n = rtrim(s, n);
	i = skip_sp(s, n, 0);
	s += i;
	n -= i;
	if (!is_code(s, n)) {
		put(r, s, n);
		return;
	}
	if (r->code[0] == '\0' && r->buf.len == 0) {
		/* The first line: "550-5.7.26 text" is written "550 ...". */
		i = after_code(s, n);
		first_line(r, s, s + i, n - i);
		return;
	}
	if (memcmp(s, r->code, 3) != 0) {
		put(r, s, n);
		return;
	}
	/* A continuation line: its code and enhanced code go. */
	i = after_code(s, n);
	k = strlen(r->status);
	if (k > 0 && n - i >= k && memcmp(s + i, r->status, k) == 0 &&
	    (n - i == k || s[i + k] == ' ' || s[i + k] == '\t'))
		i = skip_sp(s, n, i + k);
	put(r, s + i, n - i);
}

/* Whether s (n bytes left) starts with the reply's "550-5.7.26 " or
 * "550 5.7.26 " (or "550-" alone when the reply has no enhanced code),
 * and how long that is. */
static size_t
inner_prefix(const struct breply *r, const char *s, size_t n)
{
	size_t k = strlen(r->status), i;

	if (n < 5 || memcmp(s, r->code, 3) != 0 || (s[3] != '-' &&
	    (s[3] != ' ' || k == 0)))
		return 0;
	if (k == 0)
		return 4;
	i = skip_sp(s, n, 4);
	if (n - i <= k || memcmp(s + i, r->status, k) != 0 ||
	    (s[i + k] != ' ' && s[i + k] != '\t'))
		return 0;
	return skip_sp(s, n, i + k);
}

/* The reply, with the codes of the continuation lines that a relay
 * joined into one line before folding it anew (Postfix writes
 * "550-5.7.26 a ... due\n    to 550-5.7.26 domain's ...") removed. */
const char *
vouch__reply_take(struct bctx *c, struct breply *r)
{
	const char *s = r->buf.data;
	struct vouch__buf out;
	const char *res;
	size_t i, k, n = r->buf.len;

	if (r->oom)
		c->oom = 1;
	if (n == 0)
		return NULL;
	if (r->code[0] == '\0')
		return vouch__bounce_str(c, s, n);
	vouch__buf_init(&out, n + 1);
	for (i = 0; i < n; i++) {
		if (i > 4 && s[i - 1] == ' ' &&
		    (k = inner_prefix(r, s + i, n - i)) > 0) {
			i += k - 1;
			continue;
		}
		if (vouch__buf_putc(&out, s[i]) != 0)
			c->oom = 1;
	}
	res = vouch__bounce_str(c, out.data != NULL ? out.data : "", out.len);
	vouch__buf_free(&out);
	return res;
}

void
vouch__reply_split(struct bctx *c, const char *reply, const char **code,
    const char **status, const char **text)
{
	size_t n = strlen(reply), i = 0, k;

	*code = *status = *text = NULL;
	if (is_code(reply, n)) {
		*code = vouch__bounce_str(c, reply, 3);
		i = skip_sp(reply, n, 3);
		if ((k = status_len(reply + i, n - i)) > 0) {
			*status = vouch__bounce_str(c, reply + i, k);
			i = skip_sp(reply, n, i + k);
		}
	}
	if (i < n)
		*text = vouch__bounce_str(c, reply + i, n - i);
}

/* ---- the delivery-status fields ----------------------------------------- */

/* The value after its type: "rfc822; a@b" is "a@b" (RFC 3464 2.1.2);
 * a value without the "type;" is kept whole. */
static const char *
typed(struct bctx *c, const struct bfield *f)
{
	const char *semi = memchr(f->val, ';', f->vlen);
	const char *v = semi != NULL ? semi + 1 : f->val;

	return vouch__bounce_str(c, v, (size_t)(f->val + f->vlen - v));
}

/* An MTA name (RFC 3464 2.2.2, 2.3.5): the host after "dns;", without a
 * final dot or the comment some add ("mx.example.org. (203.0.113.5, the
 * server for the domain example.org.)"). */
static const char *
mta(struct bctx *c, const struct bfield *f)
{
	const char *s = typed(c, f);
	size_t n;

	if (s == NULL)
		return NULL;
	n = strcspn(s, " (");
	if (n > 1 && s[n - 1] == '.')
		n--;
	return n > 0 ? vouch__bounce_str(c, s, n) : NULL;
}

/* An address without its angle brackets. */
static const char *
address(struct bctx *c, const struct bfield *f)
{
	const char *s = typed(c, f);
	size_t n;

	if (s == NULL || s[0] != '<')
		return s;
	n = strlen(s);
	return vouch__bounce_str(c, s + 1, n >= 2 && s[n - 1] == '>' ?
	    n - 2 : n - 1);
}

/* The first word, lower case when lower. */
static const char *
word(struct bctx *c, const struct bfield *f, int lower)
{
	const char *s = vouch__bounce_str(c, f->val, f->vlen);
	char *w;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strcspn(s, " ;(");
	w = vouch__bounce_str(c, s, n);
	if (w != NULL && lower)
		vouch__lower(w);
	return w != NULL && w[0] != '\0' ? w : NULL;
}

/* Diagnostic-Code: the reply after "smtp;", one line of the reply per
 * line of the field (RFC 3464 2.3.6). */
static const char *
diagnostic(struct bctx *c, const struct bfield *f)
{
	const char *semi = memchr(f->val, ';', f->vlen);
	const char *p = semi != NULL ? semi + 1 : f->val;
	const char *end = f->val + f->vlen, *lf;
	struct breply r;
	const char *out;

	vouch__reply_init(&r);
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (lf == NULL)
			lf = end;
		vouch__reply_line(&r, p, (size_t)(lf - p));
		p = lf + (lf < end);
	}
	out = vouch__reply_take(c, &r);
	vouch__reply_free(&r);
	return out;
}

static void
message_field(struct bctx *c, const struct bfield *f)
{
	struct vouch_bounce *b = c->b;

	if (vouch__memcaseeq(f->name, f->nlen, "Reporting-MTA"))
		b->reporting_mta = mta(c, f);
	else if (vouch__memcaseeq(f->name, f->nlen, "Arrival-Date"))
		b->arrival_date = vouch__bounce_str(c, f->val, f->vlen);
	else if (vouch__memcaseeq(f->name, f->nlen, "X-Postfix-Sender")) {
		c->postfix = 1;
		c->postfix_sender = address(c, f);
	} else if (vouch__memcaseeq(f->name, f->nlen, "X-Postfix-Queue-ID"))
		c->postfix = 1;
}

static int
is_rcpt_field(const struct bfield *f)
{
	return vouch__memcaseeq(f->name, f->nlen, "Action") ||
	    vouch__memcaseeq(f->name, f->nlen, "Status") ||
	    vouch__memcaseeq(f->name, f->nlen, "Remote-MTA") ||
	    vouch__memcaseeq(f->name, f->nlen, "Diagnostic-Code");
}

/* A per-recipient field into r. */
static void
rcpt_field(struct bctx *c, struct vouch_bounce_rcpt *r,
    const struct bfield *f)
{
	if (vouch__memcaseeq(f->name, f->nlen, "Action"))
		r->action = word(c, f, 1);
	else if (vouch__memcaseeq(f->name, f->nlen, "Status"))
		r->status = word(c, f, 0);
	else if (vouch__memcaseeq(f->name, f->nlen, "Remote-MTA"))
		r->remote_mta = mta(c, f);
	else if (vouch__memcaseeq(f->name, f->nlen, "Diagnostic-Code"))
		r->reply = diagnostic(c, f);
}

struct dsn_state {
	struct vouch_bounce_rcpt *cur;
	int final;	/* cur has its Final-Recipient */
};

static void
field(struct bctx *c, struct dsn_state *st, const struct bfield *f)
{
	int fin = vouch__memcaseeq(f->name, f->nlen, "Final-Recipient");
	int orig = vouch__memcaseeq(f->name, f->nlen, "Original-Recipient");

	if ((fin && (st->cur == NULL || st->final)) || (orig &&
	    st->cur == NULL)) {
		st->cur = vouch__bounce_rcpt(c);
		st->final = 0;
	}
	if (fin || orig) {
		if (st->cur != NULL && (fin || st->cur->recipient == NULL))
			st->cur->recipient = address(c, f);
		st->final |= fin;
		return;
	}
	/* A recipient field before any recipient starts one. */
	if (is_rcpt_field(f)) {
		if (st->cur == NULL && (st->cur = vouch__bounce_rcpt(c)) ==
		    NULL)
			return;
		rcpt_field(c, st->cur, f);
		return;
	}
	message_field(c, f);
}

int
vouch__bounce_dsn(struct bctx *c)
{
	const char *p = c->dsn.p;
	size_t n = c->dsn.n, pos = 0, body, hlen, fpos;
	struct dsn_state st = { NULL, 0 };
	struct bfield f;
	const char *lf;

	while (pos < n) {
		body = vouch__bh_scan(p + pos, n - pos, &hlen);
		fpos = 0;
		while (vouch__bh_next(p + pos, hlen, &fpos, &f))
			field(c, &st, &f);
		/* A group ends at an empty line: the next recipient. */
		if (body > hlen) {
			st.cur = NULL;
			st.final = 0;
		}
		if (body == 0) {	/* a line that is not a field */
			lf = memchr(p + pos, '\n', n - pos);
			body = lf != NULL ? (size_t)(lf - (p + pos)) + 1 :
			    n - pos;
		}
		pos += body;
	}
	return 0;
}
