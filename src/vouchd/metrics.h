/*
 * metrics.h - vouchd's counters and the optional Prometheus endpoint.
 *
 * The counters always exist (atomic, updated by every session thread):
 * messages by action, DMARC results, signed messages, DNS queries and
 * DNS time per message (a histogram), internal errors, reloads, and two
 * gauges (open connections, messages in flight).
 *
 * With MetricsSocket set, one small thread answers "GET /metrics" over
 * HTTP/1.0 in the Prometheus text format (version 0.0.4) on a loopback
 * address, one request per connection, everything else with 404, 405
 * or 400; a client gets 2 seconds to send its request and read the
 * answer.  Nothing else is served and nothing can be changed.
 * The address must be loopback (127.0.0.0/8 or ::1): the counters say
 * how much mail and from how many senders, which is nobody else's
 * business, and the endpoint has no authentication.
 *
 * Thread safety: all functions may be called from any thread; start and
 * stop from the main thread only.
 */
#ifndef VOUCHD_METRICS_H
#define VOUCHD_METRICS_H

#include <stddef.h>
#include <sys/socket.h>

#define VOUCHD_METRICS_OUT_MAX 8192	/* one whole response */
#define VOUCHD_METRICS_REQ_MAX 2048	/* request line and headers */

enum vouchd_gauge {
	VOUCHD_GAUGE_CONNECTIONS = 0,
	VOUCHD_GAUGE_INFLIGHT
};

enum vouchd_counter {
	VOUCHD_COUNT_ERRORS = 0,	/* internal errors */
	VOUCHD_COUNT_RELOADS,		/* SIGHUP, new snapshot in use */
	VOUCHD_COUNT_RELOAD_FAILURES,	/* SIGHUP, old snapshot kept */
	VOUCHD_COUNT_HEADER_REFUSED,	/* header section over a limit or
					   malformed */
	VOUCHD_COUNT_MAX
};

/* One finished message. */
struct vouchd_metrics_msg {
	int action;		/* enum vouch_verdict_action */
	int dmarc;		/* enum vouch_dmarc_result, or -1 (signed, or
				   no verdict) */
	int signed_msg;		/* DKIM-Signature fields were added */
	unsigned dns_queries;
	unsigned dns_ms;
};

struct vouchd_metrics;

int vouchd_metrics_new(struct vouchd_metrics **out);
/* Stops the endpoint if it runs.  NULL is a no-op. */
void vouchd_metrics_free(struct vouchd_metrics *m);

/* NULL m is a no-op for all of these. */
void vouchd_metrics_message(struct vouchd_metrics *m,
    const struct vouchd_metrics_msg *msg);
void vouchd_metrics_count(struct vouchd_metrics *m, enum vouchd_counter c);
void vouchd_metrics_gauge(struct vouchd_metrics *m, enum vouchd_gauge g,
    int delta);
/* Messages in flight now (0 for NULL m). */
long vouchd_metrics_inflight(struct vouchd_metrics *m);

/*
 * "inet:PORT@HOST" (HOST 127.x.y.z or localhost) or "inet6:PORT@::1"
 * (brackets allowed) into a socket address.  A host that is not
 * loopback, a port outside 1..65535 or another form is -1 with why set.
 */
int vouchd_metrics_addr(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, char *why, size_t whylen);
/* Bind and listen on spec (before privileges are dropped). */
int vouchd_metrics_listen(struct vouchd_metrics *m, const char *spec,
    char *why, size_t whylen);
/* Start answering (after daemonizing).  0 or -1. */
int vouchd_metrics_start(struct vouchd_metrics *m);

/* The exposition text; returns its length (cut at len - 1). */
size_t vouchd_metrics_render(struct vouchd_metrics *m, char *buf,
    size_t len);
/*
 * The whole HTTP response to the request bytes req (len bytes; need
 * not be NUL-terminated) into out; returns its length and sets *status
 * (200, 400, 404, 405).
 */
size_t vouchd_metrics_respond(struct vouchd_metrics *m, const char *req,
    size_t len, char *out, size_t outlen, int *status);

#endif /* VOUCHD_METRICS_H */
