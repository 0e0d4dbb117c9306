/*
 * state.c - configuration snapshots and the daemon's shared state (see
 * state.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state.h"

/* The verdict judges its own options: try them once on an empty zone,
 * as the first message would. */
static int
try_options(const struct vouch_verdict_options *vo, struct vouch_error *err)
{
	struct vouch_verdict_envelope env;
	struct vouch_verdict_ctx *ctx = NULL;
	struct vouch_dns *zone = NULL;
	int rc;

	memset(&env, 0, sizeof(env));
	env.helo = "invalid";
	if ((rc = vouch_ip_parse("192.0.2.1", &env.ip)) != 0 ||
	    (rc = vouch_dns_zone_new_text("", 0, NULL, &zone, err)) != 0)
		return rc;
	rc = vouch_verdict_new(zone, vo, &env, &ctx, err);
	vouch_verdict_free(ctx);
	vouch_dns_free(zone);
	return rc;
}

int
vouchd_snap_new(struct vouchd_conf *conf, struct vouchd_snap **out,
    struct vouch_error *err)
{
	struct vouch_verdict_options *vo;
	struct vouchd_snap *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		vouchd_conf_unref(conf);
		return VOUCH_ENOMEM;
	}
	atomic_init(&s->refs, 1);
	s->conf = conf;
	/* RFC 7489's organizational domain needs the list; RFC 9989's tree
	 * walk does not. */
	if (conf->dmarc_mode != VOUCH_DMARC_MODE_RFC9989 &&
	    (rc = vouch_psl_load(conf->psl_file, &s->psl, err)) != 0)
		goto fail;
	vo = &s->vopts;
	vo->authserv_id = conf->authserv_id;
	vo->spf.no_received_spf = 1;	/* vouchd adds no Received-SPF */
	vo->dkim.max_signatures = conf->max_signatures;
	vo->dmarc.mode = conf->dmarc_mode;
	vo->dmarc.psl = s->psl;
	vo->reject_reply = conf->reject_text;
	vo->tempfail_reply = conf->tempfail_text;
	vo->no_tempfail = !conf->tempfail_on_dns;
	vo->dns_queries = conf->dns_queries;
	/* MaxDNSTime is enforced per message by milter_dns.c, on time spent
	 * waiting for answers; the verdict's wall clock would also count the
	 * client sending the message.  (0 would mean its default.) */
	vo->dns_ms = UINT_MAX;
	if ((rc = try_options(vo, err)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	vouchd_snap_unref(s);
	return rc;
}

struct vouchd_snap *
vouchd_snap_ref(struct vouchd_snap *s)
{
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void
vouchd_snap_unref(struct vouchd_snap *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	vouch_psl_free(s->psl);
	vouchd_conf_unref(s->conf);
	free(s);
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

void
vouchd_snap_restart_keys(const struct vouchd_conf *a,
    const struct vouchd_conf *b, char *buf, size_t len)
{
	const struct {
		const char *key;
		int differ;
	} k[] = {
		{"Socket", str_differ(a->socket, b->socket)},
		{"SocketMode", a->socket_mode != b->socket_mode},
		{"UserID", str_differ(a->user, b->user)},
		{"PidFile", str_differ(a->pid_file, b->pid_file)},
		{"Syslog", a->syslog != b->syslog},
		{"SyslogFacility", str_differ(a->syslog_facility,
		    b->syslog_facility)},
		{"MetricsSocket", str_differ(a->metrics, b->metrics)},
		{"DNSServer", str_differ(a->dns_server, b->dns_server)},
		{"DNSTimeout", a->dns_timeout_ms != b->dns_timeout_ms},
	};
	size_t i, n = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		if (!k[i].differ)
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", k[i].key);
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

/* ---- the shared state ---------------------------------------------------- */

int
vouchd_state_init(struct vouchd_state *st, struct vouchd_snap *snap,
    struct vouch_dns *dns, struct vouchd_metrics *metrics)
{
	pthread_condattr_t ca;

	memset(st, 0, sizeof(*st));
	st->snap = snap;
	st->dns = dns;
	st->metrics = metrics;
	if (pthread_condattr_init(&ca) != 0)
		return VOUCH_ENOMEM;
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&st->idle, &ca) != 0) {
		(void)pthread_condattr_destroy(&ca);
		return VOUCH_ENOMEM;
	}
	(void)pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		(void)pthread_cond_destroy(&st->idle);
		return VOUCH_ENOMEM;
	}
	return 0;
}

void
vouchd_state_destroy(struct vouchd_state *st)
{
	vouchd_snap_unref(st->snap);
	vouch_dns_free(st->dns);
	(void)pthread_mutex_destroy(&st->lock);
	(void)pthread_cond_destroy(&st->idle);
	memset(st, 0, sizeof(*st));
}

struct vouchd_snap *
vouchd_state_open(struct vouchd_state *st)
{
	struct vouchd_snap *s;

	(void)pthread_mutex_lock(&st->lock);
	s = vouchd_snap_ref(st->snap);
	st->conns++;
	(void)pthread_mutex_unlock(&st->lock);
	vouchd_metrics_gauge(st->metrics, VOUCHD_GAUGE_CONNECTIONS, 1);
	return s;
}

void
vouchd_state_close(struct vouchd_state *st, struct vouchd_snap *snap)
{
	vouchd_snap_unref(snap);
	vouchd_metrics_gauge(st->metrics, VOUCHD_GAUGE_CONNECTIONS, -1);
	(void)pthread_mutex_lock(&st->lock);
	if (st->conns > 0 && --st->conns == 0)
		(void)pthread_cond_broadcast(&st->idle);
	(void)pthread_mutex_unlock(&st->lock);
}

void
vouchd_state_swap(struct vouchd_state *st, struct vouchd_snap *fresh)
{
	struct vouchd_snap *old;

	(void)pthread_mutex_lock(&st->lock);
	old = st->snap;
	st->snap = fresh;
	(void)pthread_mutex_unlock(&st->lock);
	vouchd_snap_unref(old);
}

struct vouchd_snap *
vouchd_state_snap(struct vouchd_state *st)
{
	struct vouchd_snap *s;

	(void)pthread_mutex_lock(&st->lock);
	s = vouchd_snap_ref(st->snap);
	(void)pthread_mutex_unlock(&st->lock);
	return s;
}

unsigned
vouchd_state_drain(struct vouchd_state *st, unsigned ms)
{
	struct timespec end;
	unsigned left;

	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	(void)pthread_mutex_lock(&st->lock);
	while (st->conns > 0 &&
	    pthread_cond_timedwait(&st->idle, &st->lock, &end) != ETIMEDOUT)
		;
	left = st->conns;
	(void)pthread_mutex_unlock(&st->lock);
	return left;
}

long
vouchd_ms_since(const struct timespec *t0)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}
