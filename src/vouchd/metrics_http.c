/*
 * metrics_http.c - the metrics endpoint: a loopback listener and one
 * thread that answers one short request at a time (see metrics.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics_int.h"

#define CLIENT_MS 2000		/* a client's whole time to ask and read */

static int
fail_why(char *why, size_t whylen, const char *spec, const char *what)
{
	(void)snprintf(why, whylen, "MetricsSocket %.200s: %s", spec, what);
	return -1;
}

static int
parse_port(const char *s, size_t n, unsigned *port)
{
	size_t i;

	*port = 0;
	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*port = *port * 10 + (unsigned)(s[i] - '0');
	}
	return *port >= 1 && *port <= 65535 ? 0 : -1;
}

/* host (brackets already removed) as a loopback address of family v6 or
 * not. */
static int
loopback(const char *host, int v6, struct sockaddr_storage *ss,
    socklen_t *sslen, unsigned port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*sslen = sizeof(*s6);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ? 0 : -1;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((unsigned short)port);
	*sslen = sizeof(*s4);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 &&
	    ((const unsigned char *)&s4->sin_addr)[0] == 127 ? 0 : -1;
}

int
vouchd_metrics_addr(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, char *why, size_t whylen)
{
	const char *rest, *at;
	char host[64];
	size_t hl;
	unsigned port;
	int v6;

	v6 = strncmp(spec, "inet6:", 6) == 0;
	if (v6)
		rest = spec + 6;
	else if (strncmp(spec, "inet:", 5) == 0)
		rest = spec + 5;
	else
		return fail_why(why, whylen, spec, "not inet:PORT@HOST or "
		    "inet6:PORT@HOST");
	if ((at = strchr(rest, '@')) == NULL)
		return fail_why(why, whylen, spec, "no @HOST: the endpoint "
		    "listens on loopback only, name it");
	if (parse_port(rest, (size_t)(at - rest), &port) != 0)
		return fail_why(why, whylen, spec, "the port is not a number "
		    "from 1 to 65535");
	at++;
	hl = strlen(at);
	if (hl >= 2 && at[0] == '[' && at[hl - 1] == ']') {
		at++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return fail_why(why, whylen, spec, "bad host");
	memcpy(host, at, hl);
	host[hl] = '\0';
	if (loopback(host, v6, ss, sslen, port) != 0)
		return fail_why(why, whylen, spec, v6 ? "the host must be ::1 "
		    "(loopback only)" : "the host must be in 127.0.0.0/8 or "
		    "localhost (loopback only)");
	return 0;
}

int
vouchd_metrics_listen(struct vouchd_metrics *m, const char *spec,
    char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if (vouchd_metrics_addr(spec, &ss, &sl, why, whylen) != 0)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return fail_why(why, whylen, spec, strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0) {
		(void)fail_why(why, whylen, spec, strerror(errno));
		(void)close(fd);
		return -1;
	}
	m->fd = fd;
	return 0;
}

/* ---- the thread ---------------------------------------------------------- */

static long
ms_left(const struct timespec *end)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
}

static int
wait_fd(int fd, short ev, const struct timespec *end)
{
	struct pollfd p = {fd, ev, 0};
	long left = ms_left(end);

	if (left <= 0)
		return -1;
	return poll(&p, 1, (int)left) == 1 ? 0 : -1;
}

/* The request, up to the empty line that ends its header (or the cap). */
static size_t
read_request(int fd, char *req, size_t cap, const struct timespec *end)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap && wait_fd(fd, POLLIN, end) == 0) {
		if ((r = read(fd, req + n, cap - n)) <= 0)
			break;
		n += (size_t)r;
		req[n < cap ? n : cap - 1] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n"))
			break;
	}
	return n;
}

static void
serve(struct vouchd_metrics *m, int fd)
{
	char req[VOUCHD_METRICS_REQ_MAX + 1], out[VOUCHD_METRICS_OUT_MAX];
	struct timespec end;
	size_t n, len, off = 0;
	ssize_t w;
	int status;

	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += CLIENT_MS / 1000;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	if ((n = read_request(fd, req, VOUCHD_METRICS_REQ_MAX, &end)) == 0)
		return;
	len = vouchd_metrics_respond(m, req, n, out, sizeof(out), &status);
	while (off < len && wait_fd(fd, POLLOUT, &end) == 0) {
		if ((w = send(fd, out + off, len - off, MSG_NOSIGNAL)) <= 0)
			break;
		off += (size_t)w;
	}
}

static void *
run(void *arg)
{
	struct vouchd_metrics *m = arg;
	struct pollfd p[2];
	int c;

	for (;;) {
		p[0].fd = m->fd;
		p[1].fd = m->wake[0];
		p[0].events = p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents != 0)
			break;
		if ((p[0].revents & POLLIN) == 0 ||
		    (c = accept(m->fd, NULL, NULL)) < 0)
			continue;
		serve(m, c);
		(void)close(c);
	}
	return NULL;
}

int
vouchd_metrics_start(struct vouchd_metrics *m)
{
	sigset_t all, old;
	int rc;

	if (m->fd < 0)
		return 0;
	if (pipe(m->wake) != 0)
		return -1;
	(void)fcntl(m->wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(m->wake[1], F_SETFD, FD_CLOEXEC);
	/* Signals are the main thread's business. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&m->thread, NULL, run, m);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	m->running = 1;
	return 0;
}

void
vouchd__metrics_stop(struct vouchd_metrics *m)
{
	ssize_t w;

	if (m->running) {
		w = write(m->wake[1], "x", 1);
		(void)w;
		(void)pthread_join(m->thread, NULL);
		m->running = 0;
	}
	if (m->wake[0] >= 0)
		(void)close(m->wake[0]);
	if (m->wake[1] >= 0)
		(void)close(m->wake[1]);
	if (m->fd >= 0)
		(void)close(m->fd);
	m->fd = m->wake[0] = m->wake[1] = -1;
}
