/*
 * metrics.c - the counters and their Prometheus text exposition (see
 * metrics.h); the listener thread is in metrics_http.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dmarc.h>
#include <vouch/verdict.h>

#include "metrics_int.h"

/* DNS time per message, upper bounds in ms (Prometheus "le"). */
static const unsigned dns_bounds[VOUCHD_DNS_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

int
vouchd_metrics_new(struct vouchd_metrics **out)
{
	struct vouchd_metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->fd = -1;
	m->wake[0] = m->wake[1] = -1;
	*out = m;
	return 0;
}

void
vouchd_metrics_free(struct vouchd_metrics *m)
{
	if (m == NULL)
		return;
	vouchd__metrics_stop(m);
	free(m);
}

void
vouchd_metrics_message(struct vouchd_metrics *m,
    const struct vouchd_metrics_msg *msg)
{
	size_t i;

	if (m == NULL)
		return;
	if (msg->action >= 0 && msg->action < VOUCHD_ACTIONS)
		atomic_fetch_add(&m->action[msg->action], 1);
	if (msg->dmarc >= 0 && msg->dmarc < VOUCHD_DMARC_RESULTS)
		atomic_fetch_add(&m->dmarc[msg->dmarc], 1);
	if (msg->signed_msg)
		atomic_fetch_add(&m->signed_msgs, 1);
	if (msg->dmarc < 0)
		return;		/* DNS is counted for verified mail only */
	atomic_fetch_add(&m->dns_queries, msg->dns_queries);
	atomic_fetch_add(&m->dns_ms_sum, msg->dns_ms);
	atomic_fetch_add(&m->dns_count, 1);
	for (i = 0; i < VOUCHD_DNS_BUCKETS; i++)
		if (msg->dns_ms <= dns_bounds[i])
			break;
	atomic_fetch_add(&m->dns_bucket[i], 1);
}

void
vouchd_metrics_count(struct vouchd_metrics *m, enum vouchd_counter c)
{
	if (m != NULL && c < VOUCHD_COUNT_MAX)
		atomic_fetch_add(&m->count[c], 1);
}

void
vouchd_metrics_gauge(struct vouchd_metrics *m, enum vouchd_gauge g,
    int delta)
{
	if (m == NULL)
		return;
	if (g == VOUCHD_GAUGE_CONNECTIONS)
		atomic_fetch_add(&m->conns, delta);
	else
		atomic_fetch_add(&m->inflight, delta);
}

long
vouchd_metrics_inflight(struct vouchd_metrics *m)
{
	return m != NULL ? (long)atomic_load(&m->inflight) : 0;
}

/* ---- exposition ------------------------------------------------------------ */

struct out {
	char *buf;
	size_t len, n;
};

static void
put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->n + 1 >= o->len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	o->n += (size_t)w < o->len - o->n ? (size_t)w : o->len - o->n - 1;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_counts(struct vouchd_metrics *m, struct out *o)
{
	static const char *const names[VOUCHD_COUNT_MAX][2] = {
		{"vouchd_internal_errors_total", "Internal errors (handled "
		    "per OnInternalError)."},
		{"vouchd_reloads_total", "Configuration reloads that took "
		    "effect."},
		{"vouchd_reload_failures_total", "Configuration reloads "
		    "refused (the old configuration stays)."},
		{"vouchd_header_refused_total", "Messages refused for a "
		    "header section over a limit or malformed."},
	};
	size_t i;

	for (i = 0; i < VOUCHD_COUNT_MAX; i++) {
		family(o, names[i][0], "counter", names[i][1]);
		put(o, "%s %llu\n", names[i][0],
		    (unsigned long long)atomic_load(&m->count[i]));
	}
	family(o, "vouchd_connections", "gauge", "Open MTA connections.");
	put(o, "vouchd_connections %lld\n", (long long)atomic_load(&m->conns));
	family(o, "vouchd_messages_in_flight", "gauge", "Messages between "
	    "MAIL FROM and their end.");
	put(o, "vouchd_messages_in_flight %lld\n",
	    (long long)atomic_load(&m->inflight));
}

static void
render_dns(struct vouchd_metrics *m, struct out *o)
{
	unsigned long long cum = 0, sum;
	size_t i;

	family(o, "vouchd_dns_queries_total", "counter", "DNS queries made "
	    "for messages.");
	put(o, "vouchd_dns_queries_total %llu\n",
	    (unsigned long long)atomic_load(&m->dns_queries));
	family(o, "vouchd_dns_seconds", "histogram", "DNS time per message.");
	for (i = 0; i < VOUCHD_DNS_BUCKETS; i++) {
		cum += atomic_load(&m->dns_bucket[i]);
		put(o, "vouchd_dns_seconds_bucket{le=\"%u.%03u\"} %llu\n",
		    dns_bounds[i] / 1000, dns_bounds[i] % 1000, cum);
	}
	cum += atomic_load(&m->dns_bucket[VOUCHD_DNS_BUCKETS]);
	put(o, "vouchd_dns_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	sum = atomic_load(&m->dns_ms_sum);
	put(o, "vouchd_dns_seconds_sum %llu.%03llu\n", sum / 1000, sum % 1000);
	put(o, "vouchd_dns_seconds_count %llu\n",
	    (unsigned long long)atomic_load(&m->dns_count));
}

size_t
vouchd_metrics_render(struct vouchd_metrics *m, char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	int i;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	family(&o, "vouchd_messages_total", "counter", "Messages finished, by "
	    "action.");
	for (i = 0; i < VOUCHD_ACTIONS; i++)
		put(&o, "vouchd_messages_total{action=\"%s\"} %llu\n",
		    vouch_verdict_action_name((enum vouch_verdict_action)i),
		    (unsigned long long)atomic_load(&m->action[i]));
	family(&o, "vouchd_dmarc_total", "counter", "Verified messages, by "
	    "DMARC result.");
	for (i = 0; i < VOUCHD_DMARC_RESULTS; i++)
		put(&o, "vouchd_dmarc_total{result=\"%s\"} %llu\n",
		    vouch_dmarc_result_name((enum vouch_dmarc_result)i),
		    (unsigned long long)atomic_load(&m->dmarc[i]));
	family(&o, "vouchd_signed_total", "counter", "Messages given "
	    "DKIM signatures.");
	put(&o, "vouchd_signed_total %llu\n",
	    (unsigned long long)atomic_load(&m->signed_msgs));
	render_dns(m, &o);
	render_counts(m, &o);
	return o.n;
}

/* ---- HTTP ---------------------------------------------------------------- */

/* The request line "METHOD SP TARGET SP HTTP/x.y" (RFC 9112 3). */
static int
request_status(const char *req, size_t len)
{
	const char *end = memchr(req, '\n', len), *sp1, *sp2;
	size_t n;

	if (end == NULL)
		return 400;
	n = (size_t)(end - req);
	if (n > 0 && req[n - 1] == '\r')
		n--;
	if ((sp1 = memchr(req, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - req))) == NULL ||
	    (size_t)(req + n - (sp2 + 1)) != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return 400;
	if (sp1 - req != 3 || memcmp(req, "GET", 3) != 0)
		return 405;
	n = (size_t)(sp2 - (sp1 + 1));
	if ((n == 8 || (n > 8 && sp1[9] == '?')) &&
	    memcmp(sp1 + 1, "/metrics", 8) == 0)
		return 200;
	return 404;
}

size_t
vouchd_metrics_respond(struct vouchd_metrics *m, const char *req,
    size_t len, char *out, size_t outlen, int *status)
{
	char body[VOUCHD_METRICS_OUT_MAX - 256];
	const char *reason = "OK", *extra = "";
	size_t blen;
	int w;

	*status = request_status(req, len);
	switch (*status) {
	case 200:
		blen = vouchd_metrics_render(m, body, sizeof(body));
		break;
	case 405:
		reason = "Method Not Allowed";
		extra = "Allow: GET\r\n";
		blen = (size_t)snprintf(body, sizeof(body), "only GET\n");
		break;
	case 404:
		reason = "Not Found";
		blen = (size_t)snprintf(body, sizeof(body), "only /metrics\n");
		break;
	default:
		reason = "Bad Request";
		blen = (size_t)snprintf(body, sizeof(body), "bad request\n");
		break;
	}
	w = snprintf(out, outlen, "HTTP/1.0 %d %s\r\nContent-Type: text/plain; "
	    "version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\n%s"
	    "Connection: close\r\n\r\n%s", *status, reason, blen, extra, body);
	if (w < 0)
		return 0;
	return (size_t)w < outlen ? (size_t)w : outlen - 1;
}
