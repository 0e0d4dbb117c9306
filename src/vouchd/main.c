/*
 * main.c - vouchd(8): the milter daemon, its configuration check and
 * the OpenDKIM/OpenDMARC migration.
 *
 *   vouchd [-c FILE] [-f] [-n [-v]]
 *   vouchd migrate [--opendkim FILE] [--opendmarc FILE]
 *
 * Start-up order (daemon.h says why): configuration, log, socket (as
 * root), its permissions, the metrics listener, detach, pid file, drop
 * privileges, DNS handle, threads.  Then the main thread waits for
 * signals: SIGHUP reloads the configuration into a new snapshot (on
 * failure the old one stays, with the error logged), SIGTERM and SIGINT
 * stop accepting connections, let messages in flight finish and exit.
 *
 * Exit status: 0 success, 1 a configuration or run-time error, 2 a
 * usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vouch/defs.h>

#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "state.h"

#define DEFAULT_CONF "/etc/vouch/vouchd.conf"
#define EXIT_USAGE 2
#define WHY_MAX 1024
#define DRAIN_CONNS_MS 2000	/* let short sessions end */
#define DRAIN_EXTRA_MS 5000	/* beyond a message's DNS time budget */
#define POKE_MS 20		/* between pokes of the stopping listener */

/* Set by the milter thread as it ends. */
static atomic_int milter_done;

struct opts {
	const char *path;
	int given;		/* -c */
	int foreground;
	int check;
	int verbose;
};

static int
usage(FILE *f, int code)
{
	fprintf(f,
	    "usage: vouchd [-c FILE] [-f] [-n [-v]]\n"
	    "       vouchd migrate [--opendkim FILE] [--opendmarc FILE]\n"
	    "\n"
	    "  -c FILE  configuration [" DEFAULT_CONF "]\n"
	    "  -f       stay in the foreground\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       with -n: print the configuration as understood\n"
	    "  -V       print the version\n"
	    "migrate prints the vouchd.conf equivalent to an opendkim.conf "
	    "and/or an\nopendmarc.conf.  See vouchd(8) and vouchd.conf(5).\n");
	return code;
}

/* Without -c, a missing default file means the built-in defaults. */
static int
load(const struct opts *o, struct vouchd_snap **out, char *why,
    size_t whylen)
{
	struct vouch_error err = {0, 0, ""};
	struct vouchd_conf *conf = NULL;
	int rc;

	*out = NULL;
	if (!o->given && access(o->path, F_OK) != 0 && errno == ENOENT)
		rc = vouchd_conf_default(&conf, &err);
	else
		rc = vouchd_conf_load(o->path, &conf, &err);
	if (rc == 0)
		rc = vouchd_snap_new(conf, out, &err);
	if (rc != 0)
		(void)snprintf(why, whylen, "%s%s%s", err.msg[0] ? "" :
		    o->path, err.msg[0] ? "" : ": ", err.msg[0] ? err.msg :
		    vouch_strerror(rc));
	return rc;
}

/* What the configuration module cannot know: users, addresses, the
 * resolver's settings. */
static int
check_more(const struct vouchd_conf *c, char *why, size_t whylen)
{
	struct vouch_dns_unbound_opts uo;
	struct vouch_error err = {0, 0, ""};
	struct sockaddr_storage ss;
	struct vouch_dns *dns = NULL;
	socklen_t sl;
	uid_t uid;
	gid_t gid;

	if (c->user != NULL &&
	    vouchd_user_lookup(c->user, &uid, &gid, why, whylen) != 0)
		return -1;
	if (c->metrics != NULL &&
	    vouchd_metrics_addr(c->metrics, &ss, &sl, why, whylen) != 0)
		return -1;
	if (vouchd_log_facility(c->syslog_facility) < 0) {
		(void)snprintf(why, whylen, "SyslogFacility %.100s: not mail, "
		    "daemon, user or local0..local7", c->syslog_facility);
		return -1;
	}
	memset(&uo, 0, sizeof(uo));
	uo.forwarder = c->dns_server;
	uo.timeout_ms = c->dns_timeout_ms;
	if (vouch_dns_unbound_new(&uo, &dns, &err) != 0) {
		(void)snprintf(why, whylen, "DNS: %s", err.msg);
		return -1;
	}
	vouch_dns_free(dns);
	return 0;
}

/* ---- vouchd migrate ----------------------------------------------------- */

static int
migrate(int argc, char **argv)
{
	static const struct option lo[] = {
		{"opendkim", required_argument, NULL, 'k'},
		{"opendmarc", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct vouch_error err = {0, 0, ""};
	const char *dkim = NULL, *dmarc = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'k')
			dkim = optarg;
		else if (c == 'm')
			dmarc = optarg;
		else
			return usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 :
			    EXIT_USAGE);
	}
	if (optind < argc || (dkim == NULL && dmarc == NULL)) {
		fprintf(stderr, "vouchd migrate: give --opendkim FILE and/or "
		    "--opendmarc FILE\n");
		return EXIT_USAGE;
	}
	if (vouchd_conf_migrate(dkim, dmarc, stdout, &err) != 0) {
		fprintf(stderr, "vouchd migrate: %s\n", err.msg);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- running ------------------------------------------------------------ */

static void *
milter_thread(void *arg)
{
	(void)arg;
	if (vouchd_milter_run() != 0)
		vouchd_log(LOG_ERR, "the milter stopped on an error (libmilter "
		    "logs why to syslog)");
	atomic_store(&milter_done, 1);
	vouchd_signals_wake();
	return NULL;
}

static void
reload(struct vouchd_state *st, const struct opts *o)
{
	struct vouchd_snap *fresh, *cur;
	char why[WHY_MAX], keys[256];

	if (load(o, &fresh, why, sizeof(why)) != 0) {
		vouchd_metrics_count(st->metrics,
		    VOUCHD_COUNT_RELOAD_FAILURES);
		vouchd_log(LOG_ERR, "reload refused, the configuration in use "
		    "stays: %s", why);
		return;
	}
	cur = vouchd_state_snap(st);
	vouchd_snap_restart_keys(cur->conf, fresh->conf, keys, sizeof(keys));
	vouchd_snap_unref(cur);
	if (keys[0] != '\0')
		vouchd_log(LOG_WARNING, "changed %s: takes effect at the next "
		    "start", keys);
	vouchd_state_swap(st, fresh);
	vouchd_metrics_count(st->metrics, VOUCHD_COUNT_RELOADS);
	vouchd_log(LOG_INFO, "configuration reloaded from %s", o->path);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Graceful stop: sessions that end soon are waited for; then every
 * message in flight, at most its DNS time budget.  Returns the
 * connections still open (the MTA will see them close).
 */
static unsigned
drain(struct vouchd_state *st, unsigned budget_ms)
{
	unsigned waited = 0, left;

	left = vouchd_state_drain(st, DRAIN_CONNS_MS);
	while (left > 0 && vouchd_metrics_inflight(st->metrics) > 0 &&
	    waited < budget_ms + DRAIN_EXTRA_MS) {
		sleep_ms(50);
		waited += 50;
		left = vouchd_state_drain(st, 0);
	}
	return left;
}

/* Everything that happens as root, before any thread exists. */
static int
setup(const struct vouchd_conf *c, const struct opts *o,
    struct vouchd_state *st, char *why, size_t whylen)
{
	if (vouchd_milter_open(st, c->socket, why, whylen) != 0)
		return -1;
	if (vouchd_socket_prepare(c->socket, c->socket_mode, c->user, why,
	    whylen) != 0) {
		if (!vouchd_socket_is_inet(c->socket))
			return -1;
		vouchd_log(LOG_WARNING, "%s", why);
	}
	if (c->metrics != NULL && vouchd_metrics_listen(st->metrics,
	    c->metrics, why, whylen) != 0)
		return -1;
	if (!o->foreground && vouchd_daemonize(why, whylen) != 0)
		return -1;
	if (vouchd_pidfile_write(c->pid_file, why, whylen) != 0)
		return -1;
	return vouchd_drop_privileges(c->user, why, whylen);
}

/* After the fork: the resolver (libunbound starts threads), the
 * endpoint, the milter. */
static int
start(const struct vouchd_conf *c, struct vouchd_state *st,
    pthread_t *thr, char *why, size_t whylen)
{
	struct vouch_dns_unbound_opts uo;
	struct vouch_error err = {0, 0, ""};

	memset(&uo, 0, sizeof(uo));
	uo.forwarder = c->dns_server;
	uo.timeout_ms = c->dns_timeout_ms;
	if (vouch_dns_unbound_new(&uo, &st->dns, &err) != 0) {
		(void)snprintf(why, whylen, "DNS: %s", err.msg);
		return -1;
	}
	if (vouchd_metrics_start(st->metrics) != 0 ||
	    vouchd_signals_init() != 0) {
		(void)snprintf(why, whylen, "start: %s", strerror(errno));
		return -1;
	}
	if (pthread_create(thr, NULL, milter_thread, NULL) != 0) {
		(void)snprintf(why, whylen, "milter thread: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void *
stopper_thread(void *arg)
{
	(void)arg;
	vouchd_milter_stop();
	return NULL;
}

/*
 * smfi_stop() sets libmilter's stop flag, then waits for the lock its
 * listener holds while it polls the socket, 5 s at a time.  So it runs
 * in a thread of its own while this one pokes the listener out of its
 * poll() until it has seen the flag and ended.
 */
static void
stop_listener(pthread_t milter)
{
	pthread_t thr;
	int joinable;

	joinable = pthread_create(&thr, NULL, stopper_thread, NULL) == 0;
	if (!joinable)
		vouchd_milter_stop();
	while (!atomic_load(&milter_done) &&
	    vouchd_signals_poke(milter) == 0)
		sleep_ms(POKE_MS);
	if (joinable)
		(void)pthread_join(thr, NULL);
}

static int
serve(struct vouchd_state *st, const struct opts *o, pthread_t thr)
{
	int ev;

	for (;;) {
		ev = vouchd_signals_wait();
		if (ev & VOUCHD_SIG_RELOAD)
			reload(st, o);
		if (ev & VOUCHD_SIG_STOP) {
			vouchd_log(LOG_INFO, "stopping: no new connections, "
			    "messages in flight finish");
			stop_listener(thr);
			break;
		}
		if (ev & VOUCHD_SIG_WAKE)
			break;
	}
	return pthread_join(thr, NULL) == 0 ? 0 : 1;
}

/*
 * glibc gives threads up to eight malloc arenas per core, and libmilter
 * runs each MTA connection on a thread of its own: the arenas fill one
 * by one, and RSS creeps up for tens of thousands of messages (bench/
 * README.md, bench/milter: +0.8 MB from 1,000 to 20,000 messages with
 * the default, +0.4 MB and 1.1 MB less overall with two arenas).  One
 * arena per core, at least two, unless the environment chose.
 */
static void
limit_arenas(void)
{
#ifdef M_ARENA_MAX
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (getenv("MALLOC_ARENA_MAX") != NULL ||
	    getenv("GLIBC_TUNABLES") != NULL)
		return;
	(void)mallopt(M_ARENA_MAX, n < 2 ? 2 : (int)(n > 64 ? 64 : n));
#endif
}

static int
run(const struct opts *o, struct vouchd_snap *snap)
{
	const struct vouchd_conf *c = snap->conf;
	struct vouchd_metrics *metrics = NULL;
	struct vouchd_state st;
	char why[WHY_MAX], *pidfile = NULL, *sock;
	unsigned budget = c->dns_ms, left;
	pthread_t thr;
	int rc;

	limit_arenas();
	if ((sock = strdup(c->socket)) == NULL ||
	    vouchd_log_open(c->syslog, c->syslog_facility, stderr) != 0 ||
	    vouchd_metrics_new(&metrics) != 0 ||
	    vouchd_state_init(&st, snap, NULL, metrics) != 0 ||
	    (c->pid_file && (pidfile = strdup(c->pid_file)) == NULL)) {
		fprintf(stderr, "vouchd: cannot start: out of memory\n");
		return 1;
	}
	if (setup(c, o, &st, why, sizeof(why)) != 0 ||
	    start(c, &st, &thr, why, sizeof(why)) != 0) {
		fprintf(stderr, "vouchd: %s\n", why);
		vouchd_log(LOG_ERR, "cannot start: %s", why);
		vouchd_daemon_ready(0, 1);
		vouchd_signals_close();
		vouchd_metrics_free(metrics);
		vouchd_state_destroy(&st);
		free(pidfile);
		free(sock);
		return 1;
	}
	vouchd_log(LOG_INFO, "vouchd %s ready on %s", VOUCH_VERSION,
	    c->socket);
	vouchd_daemon_ready(1, !c->syslog);
	rc = serve(&st, o, thr);
	vouchd_signals_close();
	if ((left = drain(&st, budget)) > 0) {
		/* Their threads may still touch the state: leave it be. */
		vouchd_log(LOG_WARNING, "exiting with %u idle MTA "
		    "connection(s) open", left);
	} else {
		vouchd_metrics_free(metrics);
		vouchd_state_destroy(&st);
	}
	vouchd_pidfile_remove(pidfile);
	free(pidfile);
	vouchd_socket_remove(sock);
	free(sock);
	vouchd_log(LOG_INFO, "stopped");
	vouchd_log_close();
	return rc;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->path = DEFAULT_CONF;
	while ((c = getopt(argc, argv, "c:fnvVh")) != -1) {
		switch (c) {
		case 'c':
			o->path = optarg;
			o->given = 1;
			break;
		case 'f': o->foreground = 1; break;
		case 'n': o->check = 1; break;
		case 'v': o->verbose = 1; break;
		case 'V':
			printf("vouchd %s\n", VOUCH_VERSION);
			exit(0);
		case 'h': exit(usage(stdout, 0));
		default: return -1;
		}
	}
	if (optind < argc || (o->verbose && !o->check)) {
		fprintf(stderr, "vouchd: %s\n", optind < argc ? "unexpected "
		    "argument (see -h)" : "-v goes with -n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct vouchd_snap *snap = NULL;
	char why[WHY_MAX];
	struct opts o;
	int rc;

	if (argc > 1 && strcmp(argv[1], "migrate") == 0)
		return migrate(argc - 1, argv + 1);
	if (parse(argc, argv, &o) != 0)
		return usage(stderr, EXIT_USAGE);
	if (load(&o, &snap, why, sizeof(why)) != 0 ||
	    check_more(snap->conf, why, sizeof(why)) != 0) {
		fprintf(stderr, "vouchd: %s\n", why);
		vouchd_snap_unref(snap);
		return 1;
	}
	if (o.check) {
		if (o.verbose && vouchd_conf_write(snap->conf, stdout) != 0)
			rc = 1;
		else
			rc = 0;
		fprintf(stderr, "vouchd: %s: %s\n", o.given ||
		    access(o.path, F_OK) == 0 ? o.path : "built-in defaults",
		    rc == 0 ? "configuration OK" : "cannot print it");
		vouchd_snap_unref(snap);
		return rc;
	}
	return run(&o, snap);
}
