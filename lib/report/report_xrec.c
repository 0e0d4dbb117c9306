/*
 * report_xrec.c - the order of an aggregate report as the caller sees it:
 * the metadata once, checked for what RFC 7489 appendix C and RFC 9990
 * section 3 make required (report_id, org_name, date_range, the policy
 * domain), before the first record or at the end; each <record> checked
 * (source_ip and count) and handed over when it closes; the end callback
 * after a complete report.  Metadata elements after the first record are
 * refused: the caller has already seen the metadata.  A callback's
 * non-zero value stops expat and is returned as is.
 */
#include <string.h>

#include "report/report_xml.h"

#define RX_ARENA_KEEP (64u * 1024u)

static uint64_t
bits(unsigned lo, unsigned hi)
{
	uint64_t m = 0;

	for (; lo <= hi; lo++)
		m |= RX_BIT(lo);
	return m;
}

void
vouch__rx_vec_free(struct rx_vec *a)
{
	vouch__free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

void *
vouch__rx_vec_push(struct vouch__rx *x, struct rx_vec *a, size_t sz,
    size_t max, const char *what)
{
	void *p;
	size_t ncap;

	if (a->n == max) {
		vouch__rx_fail(x, VOUCH_ELIMIT, "more than %zu <%s> elements",
		    max, what);
		return NULL;
	}
	if (a->n == a->cap) {
		ncap = a->cap ? a->cap * 2 : 4;
		p = vouch__realloc(a->v, ncap * sz);
		if (p == NULL) {
			vouch__rx_fail(x, VOUCH_ENOMEM, "out of memory");
			return NULL;
		}
		a->v = p;
		a->cap = ncap;
	}
	p = (char *)a->v + a->n++ * sz;
	memset(p, 0, sz);
	return p;
}

void
vouch__rx_reset(struct vouch__rx *x)
{
	struct vouch_report_meta *m = &x->meta;

	memset(m, 0, sizeof(*m));
	m->schema = VOUCH_REPORT_RFC7489;
	m->begin = m->end = -1;
	m->adkim_strict = m->aspf_strict = -1;
	m->pct = -1;
	m->testing = -1;
	m->p = m->sp = m->np = VOUCH_DMARC_POLICY_UNSET;
}

static int
stopped(struct vouch__rx *x, int rc, const char *which)
{
	if (rc == 0)
		return 0;
	vouch__error(x->c->err, rc, (unsigned)XML_GetCurrentLineNumber(x->p),
	    "stopped by the %s callback", which);
	x->rc = rc;
	x->c->stopped = 1;
	XML_StopParser(x->p, XML_FALSE);
	return rc;
}

/* RFC 7489 appendix C / RFC 9990 3: what a report cannot do without. */
static int
send_meta(struct vouch__rx *x)
{
	struct vouch_report_meta *m = &x->meta;
	const struct vouch_report_handler *h = x->c->h;

	if (m->report_id == NULL || m->report_id[0] == '\0')
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "report without "
		    "<report_metadata><report_id>");
	if (m->org_name == NULL)
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "report without "
		    "<report_metadata><org_name>");
	if (m->begin < 0 || m->end < 0)
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "report without "
		    "<date_range><begin> and <end>");
	if (m->domain == NULL || m->domain[0] == '\0')
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "report without "
		    "<policy_published><domain>");
	m->errors = (const char *const *)x->errors.v;
	m->nerrors = x->errors.n;
	x->meta_sent = 1;
	return h->meta != NULL ? stopped(x, h->meta(x->c->arg, m), "meta") : 0;
}

static int
record_start(struct vouch__rx *x)
{
	int rc;

	if (!x->meta_sent && (rc = send_meta(x)) != 0)
		return rc;
	if (x->nrecords >= x->c->lim.records)
		return vouch__rx_fail(x, VOUCH_ELIMIT, "more than %zu records",
		    x->c->lim.records);
	/* The previous record's strings are dead once its callback has
	 * returned; the arena is emptied only now and then, so that a
	 * record costs no allocation. */
	if (x->ra.total > RX_ARENA_KEEP)
		vouch__arena_free(&x->ra);
	memset(&x->rec, 0, sizeof(x->rec));
	x->dkim.n = x->spf.n = x->reasons.n = 0;
	x->seen &= ~bits(EL_RECORD, EL__COUNT - 1);
	x->in_record = 1;
	return 0;
}

static int
record_end(struct vouch__rx *x)
{
	struct vouch_report_record *r = &x->rec;
	const struct vouch_report_handler *h = x->c->h;
	int rc = 0;

	if (!(x->seen & RX_BIT(EL_SOURCE_IP)))
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "no <row><source_ip>");
	if (!(x->seen & RX_BIT(EL_COUNT)))
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "no <row><count>");
	r->index = x->nrecords;
	r->reasons = x->reasons.v;
	r->nreasons = x->reasons.n;
	r->dkim_results = x->dkim.v;
	r->ndkim = x->dkim.n;
	r->spf_results = x->spf.v;
	r->nspf = x->spf.n;
	if (h->record != NULL)
		rc = h->record(x->c->arg, &x->meta, r);
	x->in_record = 0;
	x->nrecords++;
	return stopped(x, rc, "record");
}

/* One more DKIM result, SPF result or reason in the current record. */
static int
push(struct vouch__rx *x, struct rx_vec *a, size_t sz, const char *what)
{
	return vouch__rx_vec_push(x, a, sz, VOUCH_REPORT_RESULTS_MAX,
	    what) != NULL ? 0 : x->rc;
}

int
vouch__rx_open(struct vouch__rx *x, unsigned id)
{
	switch (id) {
	case EL_META:
	case EL_POLICY:
		if (x->meta_sent)
			return vouch__rx_fail(x, VOUCH_ESYNTAX, "<%s> after "
			    "the first <record>", vouch__rx_name(id));
		return 0;
	case EL_RECORD:
		return record_start(x);
	case EL_DKIM:
		x->seen &= ~bits(EL_DKIM_DOMAIN, EL_DKIM_HUMAN);
		return push(x, &x->dkim, sizeof(struct vouch_report_dkim),
		    "dkim");
	case EL_SPF:
		x->seen &= ~bits(EL_SPF_DOMAIN, EL_SPF_HUMAN);
		return push(x, &x->spf, sizeof(struct vouch_report_spf), "spf");
	case EL_REASON:
		x->seen &= ~bits(EL_REASON_TYPE, EL_REASON_COMMENT);
		return push(x, &x->reasons, sizeof(struct vouch_report_reason),
		    "reason");
	default:
		return 0;
	}
}

int
vouch__rx_close(struct vouch__rx *x, unsigned id)
{
	return id == EL_RECORD ? record_end(x) : 0;
}

int
vouch__rx_finish(struct vouch__rx *x)
{
	const struct vouch_report_handler *h = x->c->h;
	int rc;

	if (!x->meta_sent && (rc = send_meta(x)) != 0)
		return rc;
	x->c->nreports++;
	if (h->end != NULL)
		return stopped(x, h->end(x->c->arg, &x->meta, x->nrecords),
		    "end");
	return 0;
}
