/*
 * cmd_report_gather.c - the sources of a domain, gathered for vouch
 * report sources and readiness (cmd_report_query.h): the store's lines
 * per sending IP copied out, their domains marked aligned or not, reverse
 * DNS (the store's cache, then DNS), the sending service from the sender
 * knowledge, and the class (vouch_report_classify()).
 *
 * Reverse DNS goes through the DNS layer and is cached in the store for
 * PTR_MAX_AGE; --offline uses the cache only.  A PTR name is whatever the
 * owner of the address published: it names a service for people, but it
 * never makes a source the domain's own (only the service's domains in
 * the SPF and DKIM results do, rule R3 of docs/reports.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_report.h"
#include "cmd_report_query.h"

#define PTR_MAX_AGE (7 * 86400)
#define SOURCES_MAX 500000	/* sending IPs held at once */
#define PTR_FAILED_MAX 3	/* failed lookups in a row before giving up */

/* ---- loading ------------------------------------------------------------ */

struct load_ctx {
	struct rq_sources *ss;
	const char *domain;	/* --domain: for sources without a From */
	int rc;			/* VOUCH_ENOMEM, VOUCH_ELIMIT */
};

/* Aligned (relaxed) with a name of a header From list. */
static int
aligned_list(const char *dom, const char *list)
{
	char name[256];
	const char *p = list;

	while ((p = rq_next_name(p, name, sizeof(name))) != NULL)
		if (vouch_report_aligned(NULL, dom, name, 0))
			return 1;
	return 0;
}

/* Aligned (relaxed) with one of the source's header From domains. */
static int
aligned_any(const struct vouch_store_source *src, const char *dom,
    const char *fallback)
{
	size_t i;

	for (i = 0; i < src->nheader_from; i++)
		if (aligned_list(dom, src->header_from[i].domain))
			return 1;
	return src->nheader_from == 0 && fallback != NULL &&
	    aligned_list(dom, fallback);
}

static struct vouch_report_authdom *
copy_domains(const struct vouch_store_source *src,
    const struct vouch_store_authdom *v, size_t n, const char *fallback)
{
	struct vouch_report_authdom *out;
	size_t i;

	if (n == 0 || (out = calloc(n, sizeof(*out))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		out[i].domain = strdup(v[i].domain ? v[i].domain : "");
		out[i].messages = v[i].messages;
		out[i].pass = v[i].pass;
		out[i].aligned = v[i].domain != NULL &&
		    aligned_any(src, v[i].domain, fallback);
	}
	return out;
}

static void
free_domains(const struct vouch_report_authdom *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free((char *)(uintptr_t)v[i].domain);
	free((void *)(uintptr_t)v);
}

static int
copy_source(struct rq_source *d, const struct vouch_store_source *src,
    const char *fallback)
{
	struct vouch_report_source *s = &d->s;
	size_t i;

	memset(d, 0, sizeof(*d));
	d->ip = strdup(src->ip);
	if (src->nheader_from > 0 && src->header_from[0].domain != NULL)
		s->domain = strdup(src->header_from[0].domain);
	else if (fallback != NULL)
		s->domain = strdup(fallback);
	s->messages = src->messages;
	s->dmarc_pass = src->dmarc_pass;
	s->spf_aligned = src->spf_aligned;
	s->dkim_aligned = src->dkim_aligned;
	s->spf_pass = src->spf_pass;
	s->dkim_pass = src->dkim_pass;
	s->forwarded = src->forwarded;
	d->disp_quarantine = src->disp_quarantine;
	d->disp_reject = src->disp_reject;
	s->spf = copy_domains(src, src->spf_domains, src->nspf_domains,
	    fallback);
	s->nspf = s->spf != NULL ? src->nspf_domains : 0;
	s->dkim = copy_domains(src, src->dkim_domains, src->ndkim_domains,
	    fallback);
	s->ndkim = s->dkim != NULL ? src->ndkim_domains : 0;
	if (d->ip == NULL || (src->nheader_from > 0 && s->domain == NULL) ||
	    s->nspf != src->nspf_domains || s->ndkim != src->ndkim_domains)
		return VOUCH_ENOMEM;
	for (i = 0; i < s->nspf; i++)
		if (s->spf[i].domain == NULL)
			return VOUCH_ENOMEM;
	for (i = 0; i < s->ndkim; i++)
		if (s->dkim[i].domain == NULL)
			return VOUCH_ENOMEM;
	return 0;
}

static void
free_source(struct rq_source *d)
{
	free(d->ip);
	free(d->ptr);
	free((char *)(uintptr_t)d->s.domain);
	free_domains(d->s.spf, d->s.nspf);
	free_domains(d->s.dkim, d->s.ndkim);
}

static int
load_cb(void *arg, const struct vouch_store_source *src)
{
	struct load_ctx *ctx = arg;
	struct rq_sources *ss = ctx->ss;
	struct rq_source *v;
	size_t cap;

	if (ss->n == ss->cap) {
		if (ss->cap >= SOURCES_MAX) {
			ctx->rc = VOUCH_ELIMIT;
			return 1;
		}
		cap = ss->cap ? ss->cap * 2 : 64;
		if (cap > SOURCES_MAX)
			cap = SOURCES_MAX;
		if ((v = realloc(ss->v, cap * sizeof(*v))) == NULL) {
			ctx->rc = VOUCH_ENOMEM;
			return 1;
		}
		ss->v = v;
		ss->cap = cap;
	}
	ctx->rc = copy_source(&ss->v[ss->n], src, ctx->domain);
	ss->n++;	/* freed with the rest, even half-copied */
	return ctx->rc != 0;
}

/* ---- reverse DNS -------------------------------------------------------- */

/* The in-addr.arpa / ip6.arpa name of ip. */
static int
ptr_qname(const char *ip, char *buf, size_t len)
{
	struct vouch_ip a;

	if (vouch_ip_parse(ip, &a) != 0)
		return -1;
	vouch_ip_unmap(&a);
	return vouch_ip_reverse_name(&a, buf, len) == 0 ? 0 : -1;
}

/* Ask DNS: RQ_PTR_KNOWN with *name (malloc'd, or NULL for none), or
 * RQ_PTR_FAILED. */
static int
ptr_lookup(struct vouch_dns *dns, const char *ip, char **name)
{
	struct vouch_dns_answer *ans = NULL;
	char q[80];
	size_t i;
	int state = RQ_PTR_KNOWN;

	*name = NULL;
	if (ptr_qname(ip, q, sizeof(q)) != 0 ||
	    vouch_dns_query(dns, q, VOUCH_DNS_PTR, &ans) != 0)
		return RQ_PTR_FAILED;
	if (ans->status == VOUCH_DNS_RETRY)
		state = RQ_PTR_FAILED;
	for (i = 0; ans->status == VOUCH_DNS_FOUND && i < ans->count; i++)
		if (ans->rr[i].type == VOUCH_DNS_PTR) {
			*name = strdup(ans->rr[i].u.name);
			if (*name == NULL)
				state = RQ_PTR_FAILED;
			break;
		}
	vouch_dns_answer_free(ans);
	return state;
}

static int
ptr_resolve(struct vouch_store *st, struct vouch_dns *dns,
    struct rq_source *d, int64_t now, struct vouch_error *err)
{
	int rc;

	rc = vouch_store_ptr_get(st, d->ip, now, PTR_MAX_AGE, &d->ptr, err);
	if (rc == 0) {
		d->ptr_state = RQ_PTR_KNOWN;
		return 0;
	}
	if (rc != VOUCH_ENOTFOUND)
		return rc;
	if (dns == NULL)
		return 0;
	d->ptr_state = ptr_lookup(dns, d->ip, &d->ptr);
	if (d->ptr_state != RQ_PTR_KNOWN)
		return 0;	/* a failure is not remembered */
	return vouch_store_ptr_put(st, d->ip, d->ptr, now, err);
}

/* ---- service and class -------------------------------------------------- */

static void
match_service(const struct vouch_senders *kb, struct rq_source *d)
{
	const struct vouch_sender_service *svc = NULL;
	struct vouch_report_source *s = &d->s;
	struct vouch_report_authdom *v;
	size_t i;

	if (kb == NULL)
		return;
	if (d->ptr != NULL)
		svc = vouch_senders_by_host(kb, d->ptr);
	for (i = 0; svc == NULL && i < s->ndkim; i++)
		svc = vouch_senders_by_domain(kb, s->dkim[i].domain);
	for (i = 0; svc == NULL && i < s->nspf; i++)
		svc = vouch_senders_by_domain(kb, s->spf[i].domain);
	if ((d->service = svc) == NULL)
		return;
	s->service = svc->name;
	s->spf_include = svc->spf_include;
	/* The caller's arrays: writable copies made in copy_domains(). */
	v = (struct vouch_report_authdom *)(uintptr_t)s->dkim;
	for (i = 0; i < s->ndkim; i++)
		v[i].service = vouch_senders_by_domain(kb, v[i].domain) == svc;
	v = (struct vouch_report_authdom *)(uintptr_t)s->spf;
	for (i = 0; i < s->nspf; i++)
		v[i].service = vouch_senders_by_domain(kb, v[i].domain) == svc;
}

void
rq_source_classify(const struct rq_source *src,
    struct vouch_report_classification *c)
{
	vouch_report_classify(&src->s, c);
}

static int
by_ip(const void *a, const void *b)
{
	const struct rq_source *const *x = a, *const *y = b;

	return strcmp((*x)->ip, (*y)->ip);
}

int
rq_sources_load(const struct rq_args *a, struct vouch_store *st,
    struct vouch_dns *dns, struct rq_sources *ss)
{
	struct vouch_error err = {0, 0, ""};
	struct load_ctx ctx = { ss, a->domain, 0 };
	struct vouch_report_classification c;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int rc, failed = 0;

	rc = vouch_store_sources(st, &a->filter, load_cb, &ctx, &err);
	if (rc != 0 && ctx.rc == VOUCH_ELIMIT) {
		fprintf(stderr, "vouch report %s: more than %d sending "
		    "addresses: narrow with --domain, --since or --until\n",
		    a->cmd, SOURCES_MAX);
		return EXIT_RUNTIME;
	}
	if (rc != 0)
		return rq_store_error(a, ctx.rc ? ctx.rc : rc, &err);
	for (i = 0; i < ss->n; i++) {
		if ((rc = ptr_resolve(st, dns, &ss->v[i], now, &err)) != 0)
			return rq_store_error(a, rc, &err);
		failed = ss->v[i].ptr_state == RQ_PTR_FAILED ? failed + 1 : 0;
		if (dns != NULL && failed == PTR_FAILED_MAX) {
			/* Unreachable DNS would cost a timeout per
			   address: give up on it for this run. */
			fprintf(stderr, "vouch report %s: %d reverse DNS "
			    "lookups failed in a row: the other addresses "
			    "are not looked up\n", a->cmd, PTR_FAILED_MAX);
			dns = NULL;
		}
		match_service(ss->senders, &ss->v[i]);
		rq_source_classify(&ss->v[i], &c);
		ss->v[i].cls = c.cls;
	}
	if (ss->n == 0)
		return 0;
	if ((ss->byip = calloc(ss->n, sizeof(*ss->byip))) == NULL)
		return rq_store_error(a, VOUCH_ENOMEM, &err);
	for (i = 0; i < ss->n; i++)
		ss->byip[i] = &ss->v[i];
	qsort(ss->byip, ss->n, sizeof(*ss->byip), by_ip);
	return 0;
}

struct rq_source *
rq_sources_find(struct rq_sources *ss, const char *ip)
{
	size_t lo = 0, hi = ip != NULL ? ss->n : 0, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ip, ss->byip[mid]->ip);
		if (c == 0)
			return ss->byip[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
rq_sources_free(struct rq_sources *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		free_source(&ss->v[i]);
	free(ss->v);
	free(ss->byip);
	vouch_senders_free(ss->senders);
	memset(ss, 0, sizeof(*ss));
}

int
rq_senders_load(const struct rq_args *a, struct vouch_senders **out)
{
	struct vouch_error err = {0, 0, ""};
	int rc;

	*out = NULL;
	rc = vouch_senders_load(a->senders, out, &err);
	if (rc == 0)
		return 0;
	fprintf(stderr, "vouch report %s: %s", a->cmd, a->senders ?
	    "--senders: " : "no sender knowledge, services go unnamed: ");
	cli_put_safe(stderr, err.msg[0] ? err.msg : vouch_strerror(rc));
	fputc('\n', stderr);
	return a->senders != NULL ? EXIT_RUNTIME : 0;
}

int
rq_dns_open(const struct rq_args *a, struct vouch_dns **out)
{
	*out = NULL;
	if (a->offline)
		return 0;
	return cli_dns_open(&a->dns, a->prog, out);
}
