/*
 * milter_dns.c - a message's DNS handle: the process's resolver, with
 * MaxDNSTime counted as the time spent waiting for answers.
 *
 * The verdict's own budget measures wall-clock time from the first
 * query.  In a milter SPF runs at MAIL FROM and DMARC at the end of the
 * message, so that clock would include however long the client takes to
 * send the message, and a large message from a slow client would end in
 * temperror and a 451.  Here only the time inside queries counts; the
 * verdict's budget keeps counting queries (MaxDNSQueries).
 */
#include <stdlib.h>
#include <time.h>

#include "milter_int.h"

struct vouchd__qtime {
	struct vouch_dns *inner;	/* borrowed: the process's resolver */
	unsigned max_ms;
	unsigned ms;			/* spent waiting so far */
	int spent;			/* a query was refused */
};

static int
qtime_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct vouchd__qtime *q = impl;
	struct timespec t0;
	long ms;
	int rc;

	if (q->ms >= q->max_ms) {
		q->spent = 1;
		rc = vouch_dns_answer_new(name, type, VOUCH_DNS_RETRY, out);
		if (rc == 0 && (rc = vouch_dns_answer_set_reason(*out,
		    "DNS time budget for this message spent")) != 0) {
			vouch_dns_answer_free(*out);
			*out = NULL;
		}
		return rc;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = vouch_dns_query(q->inner, name, type, out);
	if ((ms = vouchd_ms_since(&t0)) > 0)
		q->ms += (unsigned)ms;
	return rc;
}

static void
qtime_destroy(void *impl)
{
	free(impl);
}

static const struct vouch_dns_methods qtime_methods = {
	VOUCH_DNS_METHODS_VERSION, "vouchd-message", qtime_query,
	qtime_destroy
};

int
vouchd__dns_new(struct vouch_dns *inner, unsigned max_ms,
    struct vouch_dns **out, struct vouchd__qtime **q)
{
	int rc;

	if ((*q = calloc(1, sizeof(**q))) == NULL)
		return VOUCH_ENOMEM;
	(*q)->inner = inner;
	(*q)->max_ms = max_ms;
	if ((rc = vouch_dns_new(&qtime_methods, *q, out)) != 0) {
		free(*q);
		*q = NULL;
	}
	return rc;
}

unsigned
vouchd__dns_ms(const struct vouchd__qtime *q, int *spent)
{
	if (q == NULL) {
		*spent = 0;
		return 0;
	}
	*spent = q->spent;
	return q->ms;
}
