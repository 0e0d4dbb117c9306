/*
 * store_prep.c - an input parsed ahead of being stored: what the
 * parser's callbacks said, copied into one arena, to be said again later
 * to the import's own callbacks (store_import.c) by the thread that holds
 * the store (store_pipe.c).  The raw input is hashed and compressed here
 * too, so that the storing thread does nothing but SQL.
 *
 * Everything the parser handed over is kept, a report refused part-way
 * included: replayed, it runs exactly the transactions (and rollbacks) a
 * direct vouch_store_import() of the bytes runs, with the same results
 * and errors.  What would take more than VOUCH__PREP_MAX bytes is not
 * kept: the input is then marked direct, and the storing thread imports
 * its bytes as they are, streaming, the parse done a second time.
 */
#include <string.h>

#include "store_int.h"

enum ev_kind { EV_META, EV_RECORD, EV_END, EV_FAILURE };

struct ev {
	struct ev *next;
	enum ev_kind kind;
	const void *p;		/* the copied meta, record or failure */
	size_t n;		/* EV_END: the record count */
};

struct vouch__prep {
	struct vouch__arena a;
	struct ev *head, **tail;
	int nomem;		/* the arena refused: direct */
	int rc;			/* the parser's result */
	struct vouch_error err;	/* and its error */
};

/* Stops the parse once the copy cannot be kept; never a VOUCH_E* code. */
#define PREP_FULL 1

static const char *
dup_s(struct vouch__prep *p, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = vouch__arena_strdup(&p->a, s)) == NULL)
		p->nomem = 1;
	return d;
}

static void *
dup_m(struct vouch__prep *p, const void *s, size_t n)
{
	void *d;

	if (s == NULL || n == 0)
		return NULL;
	if ((d = vouch__arena_memdup(&p->a, s, n)) == NULL)
		p->nomem = 1;
	return d;
}

static int
add(struct vouch__prep *p, enum ev_kind kind, const void *what, size_t n)
{
	struct ev *e;

	if (p->nomem || (e = vouch__arena_alloc(&p->a, sizeof(*e))) == NULL) {
		p->nomem = 1;
		return PREP_FULL;
	}
	e->next = NULL;
	e->kind = kind;
	e->p = what;
	e->n = n;
	*p->tail = e;
	p->tail = &e->next;
	return 0;
}

static int
on_meta(void *arg, const struct vouch_report_meta *m)
{
	struct vouch__prep *p = arg;
	struct vouch_report_meta *c;
	const char **errs;
	size_t i;

	if ((c = dup_m(p, m, sizeof(*m))) == NULL)
		return PREP_FULL;
	c->version = dup_s(p, m->version);
	c->org_name = dup_s(p, m->org_name);
	c->email = dup_s(p, m->email);
	c->extra_contact_info = dup_s(p, m->extra_contact_info);
	c->report_id = dup_s(p, m->report_id);
	c->generator = dup_s(p, m->generator);
	c->domain = dup_s(p, m->domain);
	c->fo = dup_s(p, m->fo);
	c->discovery_method = dup_s(p, m->discovery_method);
	errs = dup_m(p, m->errors, m->nerrors * sizeof(*m->errors));
	for (i = 0; errs != NULL && i < m->nerrors; i++)
		errs[i] = dup_s(p, m->errors[i]);
	c->errors = errs;
	return add(p, EV_META, c, 0);
}

static int
on_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r)
{
	struct vouch__prep *p = arg;
	struct vouch_report_record *c;
	struct vouch_report_reason *rs;
	struct vouch_report_dkim *dk;
	struct vouch_report_spf *sp;
	size_t i;

	(void)m;
	if ((c = dup_m(p, r, sizeof(*r))) == NULL)
		return PREP_FULL;
	c->disposition = dup_s(p, r->disposition);
	c->dkim = dup_s(p, r->dkim);
	c->spf = dup_s(p, r->spf);
	c->envelope_to = dup_s(p, r->envelope_to);
	c->envelope_from = dup_s(p, r->envelope_from);
	c->header_from = dup_s(p, r->header_from);
	rs = dup_m(p, r->reasons, r->nreasons * sizeof(*rs));
	for (i = 0; rs != NULL && i < r->nreasons; i++) {
		rs[i].type = dup_s(p, r->reasons[i].type);
		rs[i].comment = dup_s(p, r->reasons[i].comment);
	}
	dk = dup_m(p, r->dkim_results, r->ndkim * sizeof(*dk));
	for (i = 0; dk != NULL && i < r->ndkim; i++) {
		dk[i].domain = dup_s(p, r->dkim_results[i].domain);
		dk[i].selector = dup_s(p, r->dkim_results[i].selector);
		dk[i].result = dup_s(p, r->dkim_results[i].result);
		dk[i].human_result = dup_s(p, r->dkim_results[i].human_result);
	}
	sp = dup_m(p, r->spf_results, r->nspf * sizeof(*sp));
	for (i = 0; sp != NULL && i < r->nspf; i++) {
		sp[i].domain = dup_s(p, r->spf_results[i].domain);
		sp[i].scope = dup_s(p, r->spf_results[i].scope);
		sp[i].result = dup_s(p, r->spf_results[i].result);
		sp[i].human_result = dup_s(p, r->spf_results[i].human_result);
	}
	c->reasons = rs;
	c->dkim_results = dk;
	c->spf_results = sp;
	return add(p, EV_RECORD, c, 0);
}

static int
on_end(void *arg, const struct vouch_report_meta *m, size_t n)
{
	(void)m;
	return add(arg, EV_END, NULL, n);
}

static int
on_failure(void *arg, const struct vouch_report_failure *f)
{
	struct vouch__prep *p = arg;
	struct vouch_report_failure *c;
	const char **t;
	size_t i;

	if ((c = dup_m(p, f, sizeof(*f))) == NULL)
		return PREP_FULL;
	for (i = 0; i < VOUCH__FAILURE_NTEXT; i++) {
		t = (const char **)(void *)((char *)c + vouch__failure_text[i]);
		*t = dup_s(p, *t);
	}
	c->headers = dup_m(p, f->headers, f->headers_len);
	if (f->headers != NULL && c->headers == NULL && f->headers_len == 0)
		c->headers = "";
	return add(p, EV_FAILURE, c, 0);
}

struct vouch__prep *
vouch__prep_parse(const void *data, size_t len,
    const struct vouch_report_limits *lim)
{
	static const struct vouch_report_handler h = {
		.meta = on_meta,
		.record = on_record,
		.end = on_end,
		.failure = on_failure,
	};
	struct vouch__prep *p;

	if ((p = vouch__malloc(sizeof(*p))) == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	vouch__arena_init(&p->a, VOUCH__PREP_MAX);
	p->tail = &p->head;
	p->rc = vouch_report_parse(data, len, lim, &h, p, &p->err);
	if (p->nomem) {
		vouch__prep_free(p);
		return NULL;
	}
	return p;
}

size_t
vouch__prep_size(const struct vouch__prep *p)
{
	return p->a.total;
}

int
vouch__prep_empty(const struct vouch__prep *p)
{
	return p->head == NULL;
}

void
vouch__prep_free(struct vouch__prep *p)
{
	if (p == NULL)
		return;
	vouch__arena_free(&p->a);
	vouch__free(p);
}

int
vouch__prep_replay(const struct vouch__prep *p,
    const struct vouch_report_handler *h, void *arg,
    struct vouch_error *err)
{
	const struct vouch_report_meta *m = NULL;
	const struct ev *e;
	int rc = 0;

	for (e = p->head; e != NULL && rc == 0; e = e->next) {
		switch (e->kind) {
		case EV_META:
			m = e->p;
			rc = h->meta(arg, m);
			break;
		case EV_RECORD:
			rc = h->record(arg, m, e->p);
			break;
		case EV_END:
			rc = h->end(arg, m, e->n);
			break;
		case EV_FAILURE:
			rc = h->failure(arg, e->p);
			break;
		}
	}
	if (rc != 0)
		return rc;
	if (err != NULL)
		*err = p->err;
	return p->rc;
}
