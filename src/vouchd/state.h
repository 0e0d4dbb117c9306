/*
 * state.h - vouchd's process-wide state: the configuration snapshot in
 * use, the DNS handle, the counters, and the open connections.
 *
 * A snapshot (struct vouchd_snap) is one loaded vouchd.conf plus what is
 * derived from it once (the Public Suffix List for the RFC 7489 mode,
 * the verdict options).  It never changes after vouchd_snap_new().  A
 * connection takes a reference when it opens and drops it when it
 * closes, so SIGHUP can swap in a new snapshot (vouchd_state_swap())
 * while connections in flight finish on the one they started with; the
 * last reference frees it.
 *
 * Settings that belong to the process rather than to a message (Socket,
 * UserID, PidFile, Syslog, MetricsSocket, DNSServer, DNSTimeout) are
 * read at start only; vouchd_snap_restart_keys() names the ones a reload
 * changed so the daemon can say they wait for a restart.
 *
 * Thread safety: every function may be called from any thread; the
 * current snapshot and the connection count are under one mutex, the
 * reference count is atomic.
 */
#ifndef VOUCHD_STATE_H
#define VOUCHD_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/err.h>
#include <vouch/verdict.h>

#include "conf.h"
#include "metrics.h"

struct vouchd_snap {
	atomic_uint refs;
	struct vouchd_conf *conf;	/* owned */
	struct vouch_psl *psl;		/* owned; NULL: libvouch's default */
	struct vouch_verdict_options vopts;	/* strings borrowed from conf */
};

/*
 * Take ownership of conf (also on failure) and derive the rest: the
 * PSL when the DMARC mode needs it, and the verdict options, tried once
 * so that a bad RejectText or AuthservID is found now and not at the
 * first message.  err names the problem.
 */
int vouchd_snap_new(struct vouchd_conf *conf, struct vouchd_snap **out,
    struct vouch_error *err);
struct vouchd_snap *vouchd_snap_ref(struct vouchd_snap *s);
/* Frees at the last reference.  NULL is a no-op. */
void vouchd_snap_unref(struct vouchd_snap *s);
/*
 * Write into buf the vouchd.conf keys whose values differ between a and
 * b and that only a restart applies ("DNSServer, Socket"); "" when none.
 */
void vouchd_snap_restart_keys(const struct vouchd_conf *a,
    const struct vouchd_conf *b, char *buf, size_t len);

struct vouchd_state {
	pthread_mutex_t lock;
	pthread_cond_t idle;		/* conns dropped to 0 */
	struct vouchd_snap *snap;	/* current; under lock */
	unsigned conns;			/* open connections; under lock */
	struct vouch_dns *dns;		/* one per process, thread-safe */
	struct vouchd_metrics *metrics;	/* counters, never NULL */
};

/* snap and dns are taken over (freed by vouchd_state_destroy()). */
int vouchd_state_init(struct vouchd_state *st, struct vouchd_snap *snap,
    struct vouch_dns *dns, struct vouchd_metrics *metrics);
void vouchd_state_destroy(struct vouchd_state *st);
/* A connection opens: returns a reference to the current snapshot
 * and counts the connection. */
struct vouchd_snap *vouchd_state_open(struct vouchd_state *st);
/* It closes: drops its reference. */
void vouchd_state_close(struct vouchd_state *st, struct vouchd_snap *snap);
/* Make fresh the current snapshot; the old one lives on while it is
 * referenced. */
void vouchd_state_swap(struct vouchd_state *st, struct vouchd_snap *fresh);
/* A reference to the current snapshot (for reading settings). */
struct vouchd_snap *vouchd_state_snap(struct vouchd_state *st);
/* Wait until no connection is open, at most ms milliseconds.  Returns
 * how many are still open. */
unsigned vouchd_state_drain(struct vouchd_state *st, unsigned ms);

/* Milliseconds from t0 to now on CLOCK_MONOTONIC (negative when t0 is
 * ahead). */
long vouchd_ms_since(const struct timespec *t0);

#endif /* VOUCHD_STATE_H */
