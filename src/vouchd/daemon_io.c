/*
 * daemon_io.c - the milter socket's permissions and TCP_NODELAY, and the
 * signal pipe (see daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

#define FD_SCAN_MAX 65536

int
vouchd_socket_is_inet(const char *spec)
{
	return strncasecmp(spec, "inet:", 5) == 0 ||
	    strncasecmp(spec, "inet6:", 6) == 0;
}

/* The path of a unix socket spec: "unix:P", "local:P" or "P" (libmilter's
 * forms). */
static const char *
unix_path(const char *spec)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL)
		return spec;
	if ((colon - spec == 4 && strncasecmp(spec, "unix", 4) == 0) ||
	    (colon - spec == 5 && strncasecmp(spec, "local", 5) == 0) ||
	    colon == spec)
		return colon + 1;
	return NULL;
}

/* libmilter's listening TCP socket is the only one we have at this
 * point: find it among our descriptors. */
static int
nodelay(char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long max = sysconf(_SC_OPEN_MAX);
	int fd, on, one = 1, found = 0;

	if (max < 0 || max > FD_SCAN_MAX)
		max = FD_SCAN_MAX;
	for (fd = 0; fd < max; fd++) {
		len = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 ||
		    !on)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) != 0) {
			(void)snprintf(why, whylen, "TCP_NODELAY: %s",
			    strerror(errno));
			return -1;
		}
		found++;
	}
	if (found == 0) {
		(void)snprintf(why, whylen, "TCP_NODELAY: the listening socket "
		    "was not found");
		return -1;
	}
	return 0;
}

int
vouchd_socket_prepare(const char *spec, unsigned mode, const char *user,
    char *why, size_t whylen)
{
	const char *path;
	uid_t uid;
	gid_t gid;

	if (vouchd_socket_is_inet(spec))
		return nodelay(why, whylen);
	if ((path = unix_path(spec)) == NULL) {
		(void)snprintf(why, whylen, "Socket %.200s: not unix:PATH, "
		    "local:PATH, inet:PORT@HOST or inet6:PORT@HOST", spec);
		return -1;
	}
	if (chmod(path, (mode_t)mode) != 0) {
		(void)snprintf(why, whylen, "Socket %.200s: chmod: %s", path,
		    strerror(errno));
		return -1;
	}
	if (user == NULL || geteuid() != 0)
		return 0;
	if (vouchd_user_lookup(user, &uid, &gid, why, whylen) != 0)
		return -1;
	if (chown(path, uid, gid) != 0) {
		(void)snprintf(why, whylen, "Socket %.200s: chown: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
vouchd_socket_remove(const char *spec)
{
	const char *path;
	struct stat st;

	if (vouchd_socket_is_inet(spec) || (path = unix_path(spec)) == NULL)
		return;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
}

/* ---- signals ------------------------------------------------------------------ */

static volatile sig_atomic_t sig_reload, sig_stop, sig_wake;
static int sig_pipe[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;
	ssize_t w;

	if (sig == SIGHUP)
		sig_reload = 1;
	else
		sig_stop = 1;
	w = write(sig_pipe[1], "s", 1);
	(void)w;
	errno = saved;
}

/* SIGUSR2 only interrupts a blocking call of the thread it is sent to. */
static void
on_poke(int sig)
{
	(void)sig;
}

int
vouchd_signals_init(void)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT};
	struct sigaction sa;
	sigset_t set;
	size_t i;

	if (pipe(sig_pipe) != 0)
		return -1;
	for (i = 0; i < 2; i++)
		(void)fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	(void)fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* Never blocked in this thread, not even in the handler: a blocked
	 * signal would go to libmilter's thread, which stops on it. */
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -1;
		(void)sigaddset(&set, sigs[i]);
	}
	/* No SA_RESTART: the poked thread's poll() returns EINTR. */
	sa.sa_handler = on_poke;
	sa.sa_flags = 0;
	if (sigaction(SIGUSR2, &sa, NULL) != 0)
		return -1;
	(void)sigaddset(&set, SIGUSR2);
	return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
}

int
vouchd_signals_poke(pthread_t thr)
{
	return pthread_kill(thr, SIGUSR2) == 0 ? 0 : -1;
}

int
vouchd_signals_wait(void)
{
	struct pollfd p = {sig_pipe[0], POLLIN, 0};
	char buf[64];
	int got = 0;

	while (got == 0) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return VOUCHD_SIG_STOP;
		while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
			;
		if (sig_reload) {
			sig_reload = 0;
			got |= VOUCHD_SIG_RELOAD;
		}
		if (sig_stop) {
			sig_stop = 0;
			got |= VOUCHD_SIG_STOP;
		}
		if (sig_wake) {
			sig_wake = 0;
			got |= VOUCHD_SIG_WAKE;
		}
	}
	return got;
}

void
vouchd_signals_wake(void)
{
	ssize_t w;

	sig_wake = 1;
	w = write(sig_pipe[1], "w", 1);
	(void)w;
}

void
vouchd_signals_close(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGUSR2, &sa, NULL);
	for (i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0)
			(void)close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
}
