/*
 * dns_budget.c - a per-message DNS budget in front of another handle
 * (see vouch_dns_budget_new() in vouch/dns.h).  The inner handle is
 * borrowed, never freed here.
 */
#include <string.h>
#include <time.h>

#include "dns/dns_int.h"

#define BUDGET_SPENT "DNS budget for this message exhausted"

struct budget {
	struct vouch_dns *inner;
	unsigned max_queries, max_ms;
	unsigned queries;
	int started, spent;
	struct timespec t0;
	unsigned ms;
};

static unsigned
elapsed_ms(const struct timespec *t0)
{
	struct timespec now;
	long long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

static int
budget_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct budget *b = impl;
	int rc;

	if (!b->started) {
		(void)clock_gettime(CLOCK_MONOTONIC, &b->t0);
		b->started = 1;
	}
	b->ms = elapsed_ms(&b->t0);
	if ((b->max_queries > 0 && b->queries >= b->max_queries) ||
	    (b->max_ms > 0 && b->ms >= b->max_ms)) {
		b->spent = 1;
		if ((rc = vouch_dns_answer_new(name, type, VOUCH_DNS_RETRY,
		    out)) != 0)
			return rc;
		return vouch_dns_answer_set_reason(*out, BUDGET_SPENT);
	}
	b->queries++;
	rc = vouch__dns_query_canon(b->inner, name, type, out);
	b->ms = elapsed_ms(&b->t0);
	return rc;
}

static void
budget_destroy(void *impl)
{
	vouch__free(impl);
}

static const struct vouch_dns_methods budget_methods = {
	VOUCH_DNS_METHODS_VERSION, "budget", budget_query, budget_destroy
};

int
vouch_dns_budget_new(struct vouch_dns *inner, unsigned max_queries,
    unsigned max_ms, struct vouch_dns **out)
{
	struct budget *b;
	int rc;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (inner == NULL)
		return VOUCH_EINVAL;
	if ((b = vouch__calloc(1, sizeof(*b))) == NULL)
		return VOUCH_ENOMEM;
	b->inner = inner;
	b->max_queries = max_queries;
	b->max_ms = max_ms;
	if ((rc = vouch_dns_new(&budget_methods, b, out)) != 0)
		vouch__free(b);
	return rc;
}

void
vouch_dns_budget_stats(const struct vouch_dns *dns, unsigned *queries,
    unsigned *ms, int *spent)
{
	const struct budget *b = NULL;

	if (dns != NULL && vouch__dns_methods(dns) == &budget_methods)
		b = vouch__dns_impl(dns);
	if (queries != NULL)
		*queries = b != NULL ? b->queries : 0;
	if (ms != NULL)
		*ms = b != NULL ? b->ms : 0;
	if (spent != NULL)
		*spent = b != NULL && b->spent;
}
