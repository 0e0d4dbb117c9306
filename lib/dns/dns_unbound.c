/*
 * dns_unbound.c - the unbound backend: libunbound's caching resolver,
 * full recursion or through a forwarder, with a deadline per query.
 *
 * Threads.  libunbound has no per-query timeout, so each query is
 * started with ub_resolve_async() and waited for.  One ub_ctx serves all
 * threads (one cache), run in threaded mode (ub_ctx_async(ctx, 1): no
 * fork() inside a threaded milter).  Results arrive on ub_fd() and are
 * delivered by ub_process(), which runs the callback of *any* finished
 * query in whichever thread called it.  So:
 *  - each query has a heap "pending" record; the callback only fills it
 *    and sets done, under the handle mutex, and broadcasts;
 *  - one waiting thread at a time (the "processor") polls ub_fd() and
 *    calls ub_process(); the others sleep on the condition variable
 *    until their record is done, the processor leaves, or the deadline;
 *  - on a deadline the waiter calls ub_cancel().  If that succeeds the
 *    callback will never run and the waiter frees the record; if the
 *    callback was already taken by a processor (UB_NOID), the record is
 *    marked abandoned and the callback frees it and the result.
 * Neither the mutex nor any of our state is held while libunbound runs,
 * so its locks and ours never nest.
 *
 * Answers are read by dns_packet.c; the deadline and libunbound errors
 * are RETRY here.  No trust anchor is configured: nothing is validated.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "dns_int.h"

#define DEFAULT_TIMEOUT_MS 5000

struct ub {
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	pthread_mutex_t mtx;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC */
	int processing;		/* a thread is in poll() / ub_process() */
};

struct pending {
	struct ub *u;
	int id;
	int done;
	int abandoned;
	int err;
	struct ub_result *res;
};

static void
callback(void *arg, int err, struct ub_result *res)
{
	struct pending *p = arg;
	struct ub *u = p->u;

	pthread_mutex_lock(&u->mtx);
	if (p->abandoned) {
		pthread_mutex_unlock(&u->mtx);
		if (res != NULL)
			ub_resolve_free(res);
		vouch__free(p);
		return;
	}
	p->err = err;
	p->res = res;
	p->done = 1;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->mtx);
}

static long
ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(t->tv_sec - now.tv_sec) * 1000 +
	    (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* Wait for p until the deadline; the mutex is held on entry and exit. */
static void
wait_done(struct ub *u, struct pending *p, const struct timespec *deadline)
{
	struct pollfd pfd;
	long left;

	while (!p->done && (left = ms_until(deadline)) > 0) {
		if (u->processing) {
			pthread_cond_timedwait(&u->cond, &u->mtx, deadline);
			continue;
		}
		u->processing = 1;
		pthread_mutex_unlock(&u->mtx);
		pfd.fd = ub_fd(u->ctx);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) > 0)
			ub_process(u->ctx);
		pthread_mutex_lock(&u->mtx);
		u->processing = 0;
		pthread_cond_broadcast(&u->cond);
	}
}

/*
 * Run one query.  Returns 0 with *res set (or *res NULL on the deadline,
 * *err set on a libunbound error), or VOUCH_ENOMEM.
 */
static int
resolve(struct ub *u, const char *name, uint16_t type, int *err,
    struct ub_result **res)
{
	struct timespec deadline;
	struct pending *p;
	int cancelled;

	*res = NULL;
	*err = 0;
	if ((p = vouch__calloc(1, sizeof(*p))) == NULL)
		return VOUCH_ENOMEM;
	p->u = u;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += u->timeout_ms / 1000;
	deadline.tv_nsec += (long)(u->timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	*err = ub_resolve_async(u->ctx, name, type, 1, p, callback, &p->id);
	if (*err != 0) {
		vouch__free(p);
		return *err == UB_NOMEM ? VOUCH_ENOMEM : 0;
	}
	pthread_mutex_lock(&u->mtx);
	wait_done(u, p, &deadline);
	if (!p->done) {
		pthread_mutex_unlock(&u->mtx);
		cancelled = ub_cancel(u->ctx, p->id) == 0;
		pthread_mutex_lock(&u->mtx);
		if (!p->done && !cancelled) {
			p->abandoned = 1;	/* the callback frees it */
			pthread_mutex_unlock(&u->mtx);
			return 0;
		}
	}
	pthread_mutex_unlock(&u->mtx);
	*err = p->done ? p->err : 0;
	*res = p->done ? p->res : NULL;
	vouch__free(p);
	return 0;
}

static int
ub_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct ub_result *res;
	int err, rc;

	*out = NULL;
	if ((rc = resolve(impl, name, type, &err, &res)) != 0)
		return rc;
	if (err != 0)
		return vouch__dns_answer_retry(name, type, ub_strerror(err),
		    out);
	if (res == NULL)
		return vouch__dns_answer_retry(name, type, "timeout", out);
	rc = vouch__dns_from_packet(name, type, res->rcode, res->answer_packet,
	    res->answer_len > 0 ? (size_t)res->answer_len : 0, out);
	ub_resolve_free(res);
	return rc;
}

static void
ub_destroy(void *impl)
{
	struct ub *u = impl;

	if (u == NULL)
		return;
	if (u->ctx != NULL)
		ub_ctx_delete(u->ctx);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->mtx);
	vouch__free(u);
}

static const struct vouch_dns_methods ub_methods = {
	VOUCH_DNS_METHODS_VERSION, "unbound", ub_query, ub_destroy
};

/* "ADDR" or "ADDR@PORT", as ub_ctx_set_fwd() takes it. */
static int
check_forwarder(const char *fwd)
{
	char addr[64];
	const char *at = strchr(fwd, '@');
	size_t n = at != NULL ? (size_t)(at - fwd) : strlen(fwd);
	struct vouch_ip ip;
	char *end;
	long port;

	if (n == 0 || n >= sizeof(addr))
		return VOUCH_EINVAL;
	memcpy(addr, fwd, n);
	addr[n] = '\0';
	if (vouch_ip_parse(addr, &ip) != 0)
		return VOUCH_EINVAL;
	if (at == NULL)
		return 0;
	errno = 0;
	port = strtol(at + 1, &end, 10);
	if (at[1] < '0' || at[1] > '9' || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535)
		return VOUCH_EINVAL;
	return 0;
}

/*
 * Names unbound answers itself by default (RFC 6761 "test.", and the
 * reverse zones of the documentation prefixes of RFC 5737 and RFC 3849)
 * are exactly what test setups serve; with a forwarder given, that
 * server is asked for them ("transparent": no local data, so resolve;
 * "nodefault" does not lift "test." through ub_ctx_set_option()).  The
 * LAN reverse zones are unblocked too.
 */
static const char *const fwd_zones[] = {
	"test. transparent", "invalid. transparent",
	"2.0.192.in-addr.arpa. transparent",
	"100.51.198.in-addr.arpa. transparent",
	"113.0.203.in-addr.arpa. transparent",
	"8.b.d.0.1.0.0.2.ip6.arpa. transparent",
};

static int
set_forwarder(struct ub *u, const char *fwd)
{
	size_t i;
	int r;

	if ((r = ub_ctx_set_fwd(u->ctx, fwd)) != 0)
		return r;
	for (i = 0; i < sizeof(fwd_zones) / sizeof(fwd_zones[0]); i++)
		if ((r = ub_ctx_set_option(u->ctx, "local-zone:",
		    fwd_zones[i])) != 0)
			return r;
	if ((r = ub_ctx_set_option(u->ctx, "unblock-lan-zones:", "yes")) != 0)
		return r;
	return ub_ctx_set_option(u->ctx, "insecure-lan-zones:", "yes");
}

static int
configure(struct ub *u, const struct vouch_dns_unbound_opts *opts,
    struct vouch_error *err)
{
	const char *fwd = opts != NULL ? opts->forwarder : NULL;
	int r;

	/* Threads, not a forked process, carry the async queries. */
	if ((r = ub_ctx_async(u->ctx, 1)) != 0)
		goto fail;
	/* A forwarder or resolv.conf often names a loopback address. */
	if ((r = ub_ctx_set_option(u->ctx, "do-not-query-localhost:",
	    "no")) != 0)
		goto fail;
	if (opts != NULL && opts->tcp &&
	    (r = ub_ctx_set_option(u->ctx, "tcp-upstream:", "yes")) != 0)
		goto fail;
	if (fwd != NULL) {
		if (check_forwarder(fwd) != 0)
			return vouch__error(err, VOUCH_EINVAL, 0, "bad "
			    "forwarder \"%s\": want ADDR[@PORT]", fwd);
		if ((r = set_forwarder(u, fwd)) != 0)
			goto fail;
	} else if (ub_ctx_resolvconf(u->ctx, NULL) != 0) {
		/* No usable resolv.conf: unbound recurses from the root. */
	}
	return 0;
fail:
	return vouch__error(err, r == UB_NOMEM ? VOUCH_ENOMEM : VOUCH_EDNS, 0,
	    "libunbound: %s", ub_strerror(r));
}

int
vouch_dns_unbound_new(const struct vouch_dns_unbound_opts *opts,
    struct vouch_dns **out, struct vouch_error *err)
{
	pthread_condattr_t ca;
	struct ub *u;
	int rc;

	if (out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no output");
	*out = NULL;
	if ((u = vouch__calloc(1, sizeof(*u))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	u->timeout_ms = opts != NULL && opts->timeout_ms != 0 ?
	    opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (pthread_mutex_init(&u->mtx, NULL) != 0) {
		vouch__free(u);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&u->cond, &ca) != 0) {
		pthread_mutex_destroy(&u->mtx);
		vouch__free(u);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	pthread_condattr_destroy(&ca);
	if ((u->ctx = ub_ctx_create()) == NULL)
		rc = vouch__error(err, VOUCH_EDNS, 0, "libunbound: cannot "
		    "create a context");
	else
		rc = configure(u, opts, err);
	if (rc == 0 && (rc = vouch_dns_new(&ub_methods, u, out)) != 0)
		vouch__error(err, rc, 0, "out of memory");
	if (rc != 0) {
		ub_destroy(u);
		return rc;
	}
	if (opts != NULL && opts->no_cache)
		return 0;
	rc = vouch_dns_cache_new(*out, opts ? opts->cache_entries : 0, out);
	if (rc != 0)
		vouch__error(err, rc, 0, "out of memory");
	return rc;
}
