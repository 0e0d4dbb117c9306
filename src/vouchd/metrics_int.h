/*
 * metrics_int.h - what metrics.c (counters, exposition) and
 * metrics_http.c (the endpoint's thread) share.
 */
#ifndef VOUCHD_METRICS_INT_H
#define VOUCHD_METRICS_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "metrics.h"

#define VOUCHD_ACTIONS 4	/* enum vouch_verdict_action */
#define VOUCHD_DMARC_RESULTS 5	/* enum vouch_dmarc_result */
#define VOUCHD_DNS_BUCKETS 12	/* finite bounds; one more for +Inf */

struct vouchd_metrics {
	atomic_ullong action[VOUCHD_ACTIONS];
	atomic_ullong dmarc[VOUCHD_DMARC_RESULTS];
	atomic_ullong signed_msgs;
	atomic_ullong dns_queries;
	atomic_ullong dns_ms_sum;
	atomic_ullong dns_count;
	atomic_ullong dns_bucket[VOUCHD_DNS_BUCKETS + 1];
	atomic_ullong count[VOUCHD_COUNT_MAX];
	atomic_llong conns;
	atomic_llong inflight;
	/* the endpoint */
	int fd;			/* listening socket, or -1 */
	int wake[2];		/* stop pipe */
	int running;
	pthread_t thread;
};

/* Stop the endpoint thread and close its sockets (idempotent). */
void vouchd__metrics_stop(struct vouchd_metrics *m);

#endif /* VOUCHD_METRICS_INT_H */
