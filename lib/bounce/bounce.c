/*
 * bounce.c - vouch_bounce_parse(): what the input is (a DSN, a plain-text
 * bounce, a message, or none of them), the reply that explains the
 * rejection, the envelope sender and the original message.
 *
 * The order of the questions: over VOUCH_BOUNCE_MAX is refused before
 * anything is read; no header section is VOUCH_ESYNTAX; the MIME walk
 * (bounce_mime.c) finds the delivery-status part, the human-readable text
 * and the original; a delivery-status part or a multipart/report of
 * delivery status makes a DSN, prose that reads as a bounce a TEXT
 * bounce, and a From field a MESSAGE.
 *
 * A NUL byte in the input never reaches a returned string: strings stop
 * at it (vouch__bounce_str()), and the original stops at it too (marked
 * truncated when that cuts its body).
 */
#include <stdint.h>
#include <string.h>

#include <vouch/msg.h>

#include "bounce_int.h"

#define NUL_NOTE "the copy of the message holds a NUL byte: it is read " \
	"up to that byte"

char *
vouch__bounce_str(struct bctx *c, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	char *out;
	size_t i, o = 0;
	int sp = 0;

	if (nul != NULL)
		n = (size_t)(nul - s);
	if ((out = vouch__arena_alloc(c->a, n + 1)) == NULL) {
		c->oom = 1;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			sp = o > 0;
			continue;
		}
		if (sp)
			out[o++] = ' ';
		sp = 0;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

struct vouch_bounce_rcpt *
vouch__bounce_rcpt(struct bctx *c)
{
	struct vouch_bounce_rcpt *r;

	if (c->rcpt == NULL) {
		c->rcpt = vouch__arena_alloc(c->a, VOUCH_BOUNCE_RCPT_MAX *
		    sizeof(*c->rcpt));
		if (c->rcpt == NULL) {
			c->oom = 1;
			return NULL;
		}
	}
	if (c->nrcpt >= VOUCH_BOUNCE_RCPT_MAX)
		return NULL;
	r = &c->rcpt[c->nrcpt++];
	memset(r, 0, sizeof(*r));
	return r;
}

const char *
vouch__bounce_find(const char *p, size_t n, const char *needle, int icase)
{
	size_t k = strlen(needle), i;

	if (k == 0 || k > n)
		return NULL;
	for (i = 0; i + k <= n; i++) {
		if (icase ? vouch__strncaseeq(p + i, needle, k) :
		    (p[i] == needle[0] && memcmp(p + i, needle, k) == 0))
			return p + i;
	}
	return NULL;
}

int
vouch__bl_next(struct blines *l, const char **s, size_t *len)
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

void
vouch__bl_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

int
vouch__bl_starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && vouch__strncaseeq(s, prefix, k);
}

const char *
vouch__bl_has(const char *s, size_t n, const char *needle)
{
	return vouch__bounce_find(s, n, needle, 1);
}

/* ---- the original ------------------------------------------------------- */

/* orig copied into the arena (NUL-terminated), cut at a NUL byte. */
static void
set_original(struct bctx *c)
{
	struct vouch_bounce *b = c->b;
	const char *nul;
	size_t hlen, body, n = c->orig.n;
	char *copy;

	if (c->okind == VOUCH_BOUNCE_ORIG_NONE || n == 0)
		return;
	if ((nul = memchr(c->orig.p, '\0', n)) != NULL)
		n = (size_t)(nul - c->orig.p);
	body = vouch__bh_scan(c->orig.p, n, &hlen);
	if (hlen == 0)
		return;		/* not a message: no header section */
	if ((copy = vouch__arena_memdup(c->a, c->orig.p, n)) == NULL) {
		c->oom = 1;
		return;
	}
	b->orig = copy;
	b->orig_len = n;
	b->orig_body_off = body;
	b->original = c->okind;
	if (body >= n && b->original == VOUCH_BOUNCE_ORIG_FULL)
		b->original = VOUCH_BOUNCE_ORIG_HEADERS;
	if (nul != NULL && body < n) {
		b->original = VOUCH_BOUNCE_ORIG_TRUNCATED;
		b->truncated_note = NUL_NOTE;
	} else if (b->truncated_note != NULL && body < n) {
		b->original = VOUCH_BOUNCE_ORIG_TRUNCATED;
	}
	b->orig_date = vouch__bounce_date(c, copy, hlen);
}

/* ---- the envelope sender ------------------------------------------------ */

/* The address of a Return-Path or To value: "" for "<>". */
static const char *
address_of(struct bctx *c, const char *v, size_t n)
{
	struct vouch_addr_list *l = NULL;
	const struct vouch_addr *ad;
	const char *s, *out = NULL;
	struct vouch__buf b;

	if ((s = vouch__bounce_str(c, v, n)) == NULL)
		return NULL;
	if (strcmp(s, "<>") == 0)
		return s + 2;
	if (vouch_addr_parse(s, strlen(s), &l, NULL) != 0 || l->count == 0) {
		vouch_addr_list_free(l);
		return NULL;
	}
	ad = &l->addr[0];
	vouch__buf_init(&b, VOUCH_MSG_FIELD_MAX);
	if (vouch__buf_printf(&b, "%s@%s", ad->local, ad->domain) == 0 &&
	    (out = vouch__arena_strdup(c->a, b.data)) == NULL)
		c->oom = 1;
	vouch__buf_free(&b);
	vouch_addr_list_free(l);
	return out;
}

static void
mail_from(struct bctx *c)
{
	struct vouch_bounce *b = c->b;
	struct bfield f;
	size_t hlen;

	if (c->postfix_sender != NULL) {
		b->mail_from = c->postfix_sender;
		b->mail_from_source = "X-Postfix-Sender";
		return;
	}
	if (b->orig != NULL) {
		vouch__bh_scan(b->orig, b->orig_len, &hlen);
		if (vouch__bh_find(b->orig, hlen, "Return-Path", &f) &&
		    (b->mail_from = address_of(c, f.val, f.vlen)) != NULL) {
			b->mail_from_source = "Return-Path";
			return;
		}
	}
	if (b->kind != VOUCH_BOUNCE_MESSAGE &&
	    vouch__bh_find(c->hdr.p, c->hdr.n, "To", &f) &&
	    (b->mail_from = address_of(c, f.val, f.vlen)) != NULL)
		b->mail_from_source = "the bounce's To";
}

/* ---- the reply that explains the rejection ------------------------------ */

static int
is_failed(const struct vouch_bounce_rcpt *r)
{
	return r->action != NULL && strcmp(r->action, "failed") == 0;
}

static int
is_57(const struct vouch_bounce_rcpt *r)
{
	/* The enhanced code right after the reply code: "550 5.7.26". */
	if (r->reply != NULL && strlen(r->reply) > 8 && r->reply[3] == ' ' &&
	    r->reply[4] >= '0' && r->reply[4] <= '9' && r->reply[5] == '.')
		return strncmp(r->reply + 4, "5.7.", 4) == 0;
	return r->status != NULL && strncmp(r->status, "5.7.", 4) == 0;
}

static const struct vouch_bounce_rcpt *
chosen(const struct bctx *c)
{
	size_t i;

	for (i = 0; i < c->nrcpt; i++)
		if (is_failed(&c->rcpt[i]) && is_57(&c->rcpt[i]))
			return &c->rcpt[i];
	for (i = 0; i < c->nrcpt; i++)
		if (is_failed(&c->rcpt[i]))
			return &c->rcpt[i];
	for (i = 0; i < c->nrcpt; i++)
		if (c->rcpt[i].reply != NULL)
			return &c->rcpt[i];
	return NULL;
}

static void
reply(struct bctx *c)
{
	struct vouch_bounce *b = c->b;
	const struct vouch_bounce_rcpt *r = chosen(c);

	if (r == NULL)
		return;
	b->recipient = r->recipient;
	b->remote_mta = r->remote_mta;
	b->reply = r->reply;
	if (r->reply != NULL)
		vouch__reply_split(c, r->reply, &b->reply_code,
		    &b->reply_status, &b->reply_text);
	if (b->reply_status == NULL)
		b->reply_status = r->status;
}

/* ---- what the input is -------------------------------------------------- */

static int
classify(struct bctx *c)
{
	struct vouch_bounce *b = c->b;
	const char *fmt = vouch__bounce_text_format(c);
	struct bfield f;
	int rc;

	if (c->dsn.p != NULL || c->report) {
		b->kind = VOUCH_BOUNCE_DSN;
		b->format = fmt != NULL ? fmt : "rfc3464";
		if (c->dsn.p != NULL && (rc = vouch__bounce_dsn(c)) != 0)
			return rc;
		if (c->postfix)
			b->format = "postfix";
		/* The prose says what the delivery-status part does not. */
		if (c->nrcpt == 0)
			(void)vouch__bounce_text(c, fmt);
		else if (c->nrcpt == 1 && c->rcpt[0].reply == NULL)
			c->rcpt[0].reply = vouch__bounce_prose_reply(c);
		vouch__bounce_text_original(c);
		return 0;
	}
	if (vouch__bounce_text(c, fmt)) {
		b->kind = VOUCH_BOUNCE_TEXT;
		b->format = fmt != NULL ? fmt : "text";
		return 0;
	}
	if (!vouch__bh_find(c->hdr.p, c->hdr.n, "From", &f))
		return vouch__error(c->err, VOUCH_ESYNTAX, 0, "neither a "
		    "bounce "
		    "nor a message: no From field and no delivery status");
	b->kind = VOUCH_BOUNCE_MESSAGE;
	b->format = "message";
	c->orig = c->in;
	c->okind = VOUCH_BOUNCE_ORIG_FULL;
	b->truncated_note = NULL;
	return 0;
}

static int
start(struct bctx *c, const char *data, size_t len)
{
	const char *nl;

	c->in.p = data;
	c->in.n = len;
	/* A message saved from an mbox starts with its "From " line. */
	if (len >= 5 && memcmp(data, "From ", 5) == 0 &&
	    (nl = memchr(data, '\n', len)) != NULL) {
		c->in.p = nl + 1;
		c->in.n = len - (size_t)(nl + 1 - data);
	}
	vouch__bh_scan(c->in.p, c->in.n, &c->hdr.n);
	c->hdr.p = c->in.p;
	if (c->hdr.n == 0)
		return vouch__error(c->err, VOUCH_ESYNTAX, 0, "neither a "
		    "bounce "
		    "nor a message: no header section (the input does not "
		    "start with a field such as \"From:\")");
	return 0;
}

static int
run(struct bctx *c, const char *data, size_t len)
{
	struct vouch_bounce *b = c->b;
	struct bfield f;
	int rc;

	if ((rc = start(c, data, len)) != 0 ||
	    (rc = vouch__bounce_walk(c)) != 0 || (rc = classify(c)) != 0)
		return rc;
	if (vouch__bh_find(c->hdr.p, c->hdr.n, "Subject", &f))
		b->subject = vouch__bounce_str(c, f.val, f.vlen);
	set_original(c);
	/* The note goes with a truncated copy only. */
	if (b->original != VOUCH_BOUNCE_ORIG_TRUNCATED)
		b->truncated_note = NULL;
	mail_from(c);
	b->rcpt = c->rcpt;
	b->nrcpt = c->nrcpt;
	reply(c);
	if (c->oom)
		return vouch__error(c->err, VOUCH_ENOMEM, 0, "out of memory "
		    "reading the bounce");
	return 0;
}

int
vouch_bounce_parse(const char *data, size_t len, struct vouch_bounce **out,
    struct vouch_error *err)
{
	struct vouch__bounce *bx;
	struct bctx c;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (out == NULL || (data == NULL && len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "no input");
	*out = NULL;
	if (len > VOUCH_BOUNCE_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "input of %zu bytes "
		    "is over the limit of %u bytes", len, VOUCH_BOUNCE_MAX);
	if (len == 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "neither a bounce "
		    "nor a message: the input is empty");
	if ((bx = vouch__calloc(1, sizeof(*bx))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	vouch__arena_init(&bx->arena, 0);
	memset(&c, 0, sizeof(c));
	c.b = &bx->pub;
	c.a = &bx->arena;
	c.err = err;
	if ((rc = run(&c, data, len)) != 0) {
		vouch_bounce_free(&bx->pub);
		return rc;
	}
	*out = &bx->pub;
	return 0;
}

void
vouch_bounce_free(struct vouch_bounce *b)
{
	struct vouch__bounce *bx = (struct vouch__bounce *)b;

	if (bx == NULL)
		return;
	vouch__arena_free(&bx->arena);
	vouch__free(bx);
}

const char *
vouch_bounce_kind_name(enum vouch_bounce_kind k)
{
	switch (k) {
	case VOUCH_BOUNCE_DSN:
		return "dsn";
	case VOUCH_BOUNCE_TEXT:
		return "text";
	case VOUCH_BOUNCE_MESSAGE:
		return "message";
	}
	return "unknown";
}

const char *
vouch_bounce_original_name(enum vouch_bounce_original o)
{
	switch (o) {
	case VOUCH_BOUNCE_ORIG_NONE:
		return "none";
	case VOUCH_BOUNCE_ORIG_HEADERS:
		return "headers";
	case VOUCH_BOUNCE_ORIG_FULL:
		return "full";
	case VOUCH_BOUNCE_ORIG_TRUNCATED:
		return "truncated";
	}
	return "unknown";
}

int
vouch_bounce_attach_original(struct vouch_bounce *b, const char *data,
    size_t len, struct vouch_error *err)
{
	struct vouch__bounce *bx = (struct vouch__bounce *)b;
	struct vouch_bounce keep;
	struct bfield f;
	struct bctx c;
	size_t hlen;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (b == NULL || (data == NULL && len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "no bounce or no "
		    "original");
	if (len > VOUCH_BOUNCE_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "original of %zu "
		    "bytes is over the limit of %u bytes", len,
		    VOUCH_BOUNCE_MAX);
	memset(&c, 0, sizeof(c));
	c.b = b;
	c.a = &bx->arena;
	c.err = err;
	if (len == 0 || (rc = start(&c, data, len)) != 0 ||
	    !vouch__bh_find(c.hdr.p, c.hdr.n, "From", &f))
		return vouch__error(err, VOUCH_ESYNTAX, 0, "the original is "
		    "not a message: %s", len == 0 ? "it is empty" :
		    "it has no header section with a From field");
	keep = *b;
	c.orig = c.in;
	c.okind = VOUCH_BOUNCE_ORIG_FULL;
	b->truncated_note = NULL;
	set_original(&c);
	if (c.oom || b->orig == keep.orig) {
		*b = keep;
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	b->original_given = 1;
	if (b->original != VOUCH_BOUNCE_ORIG_TRUNCATED)
		b->truncated_note = NULL;
	if (b->mail_from_source != NULL &&
	    strcmp(b->mail_from_source, "X-Postfix-Sender") == 0)
		return 0;
	vouch__bh_scan(b->orig, b->orig_len, &hlen);
	if (vouch__bh_find(b->orig, hlen, "Return-Path", &f) &&
	    (b->mail_from = address_of(&c, f.val, f.vlen)) != NULL)
		b->mail_from_source = "the original's Return-Path";
	else if (c.oom) {
		*b = keep;
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	} else {
		b->mail_from = keep.mail_from;
	}
	return 0;
}
