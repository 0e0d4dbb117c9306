/*
 * bench/milter/smtp_bench.c - the SMTP client of bench/milter: sends the
 * messages of bench/verdict's corpus (gen_envelopes.py: each message with
 * its client address, HELO and MAIL FROM) to an SMTP server on 127.0.0.1,
 * one session per message, from N concurrent sessions, and prints one
 * line:
 *
 *   smtp_bench sent=N ok=N rejected=N tempfailed=N errors=N secs=S
 *              rate=R p50_us=P p99_us=Q unexpected=U
 *
 * A session: connect, banner, EHLO, XCLIENT ADDR=... HELO=... (Postfix's
 * XCLIENT: the server then treats the session as coming from that client
 * and wants a new EHLO), EHLO with the message's HELO name, MAIL FROM,
 * RCPT TO, DATA, the message (dot-stuffed), and QUIT.  Its latency runs
 * from connect() to the reply to the final "."; p50_us and p99_us are
 * nearest-rank percentiles over every message answered.  ok, rejected and
 * tempfailed count final replies 2xx, 5xx and 4xx; errors count sessions
 * that broke before (refused XCLIENT, MAIL or RCPT, a dropped connection,
 * a 60 s timeout).  rate is messages answered per second of wall time.
 * unexpected counts answered messages whose reply class differs from the
 * manifest's designed action: 5xx for "action:reject", 2xx otherwise
 * (quarantine is accepted and held); it only means something with a
 * DMARC-enforcing milter behind the server.
 *
 * Usage: smtp_bench -c CORPUS -p PORT [-j SESSIONS] [-n MESSAGES]
 *                   [-t SECONDS] [-s FIRST] [-r RCPT]
 *   -j  concurrent sessions [1]
 *   -n  messages to send, going round the corpus [one pass; no
 *       limit with -t]
 *   -t  stop starting sessions after this many seconds [none]
 *   -s  start at this corpus index [0]
 *   -r  the envelope recipient [bench@rcpt.test]
 * Exit status 0, or 1 when nothing could be sent.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "vcase.h"

#define LINE_MAX_LEN 1024
#define READ_BUF 4096
#define LAT_MAX ((size_t)1 << 24)	/* latencies kept per session */

struct payload {
	char *data;		/* dot-stuffed, ending in CRLF.CRLF */
	size_t len;
};

struct shared {
	const struct vcase_corpus *vc;
	const struct payload *pl;
	unsigned short port;
	const char *rcpt;
	size_t first, count;
	double deadline;	/* 0: none */
	size_t next;		/* atomic */
};

struct worker {
	pthread_t t;
	struct shared *sh;
	uint32_t *lat;		/* microseconds, per message answered */
	size_t nlat, cap;
	size_t ok, rejected, tempfailed, errors, unexpected;
};

struct conn {
	int fd;
	char buf[READ_BUF];
	size_t off, len;
};

/* ---- the message payloads ----------------------------------------------- */

/* data with every line starting "." doubled (RFC 5321 4.5.2) and the
 * end of data mark; 0 or -1 when out of memory. */
static int
stuff(const char *data, size_t len, struct payload *out)
{
	size_t i, n = 0;
	char *p;

	if ((p = malloc(2 * len + 8)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (data[i] == '.' && (i == 0 || data[i - 1] == '\n'))
			p[n++] = '.';
		p[n++] = data[i];
	}
	if (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n') {
		p[n++] = '\r';
		p[n++] = '\n';
	}
	memcpy(p + n, ".\r\n", 3);
	out->data = p;
	out->len = n + 3;
	return 0;
}

/* ---- SMTP --------------------------------------------------------------- */

static int
conn_open(struct conn *c, unsigned short port)
{
	struct sockaddr_in sa;
	struct timeval tv = { 60, 0 };
	int one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = send(fd, p, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* One reply line (without CRLF, cut to LINE_MAX_LEN); -1 on EOF. */
static int
read_line(struct conn *c, char *line)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		if (c->off == c->len) {
			if ((r = recv(c->fd, c->buf, sizeof(c->buf), 0)) <= 0)
				return -1;
			c->off = 0;
			c->len = (size_t)r;
		}
		ch = c->buf[c->off++];
		if (ch == '\n')
			break;
		if (ch != '\r' && n < LINE_MAX_LEN - 1)
			line[n++] = ch;
	}
	line[n] = '\0';
	return 0;
}

/* The code of the next (possibly multi-line) reply, or -1. */
static int
read_reply(struct conn *c)
{
	char line[LINE_MAX_LEN];

	do {
		if (read_line(c, line) != 0 || strlen(line) < 3 ||
		    line[0] < '2' || line[0] > '5')
			return -1;
	} while (line[3] == '-');
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Send one command line and return the reply code, or -1. */
static int
command(struct conn *c, const char *line)
{
	char buf[LINE_MAX_LEN + 2];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", line);

	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    send_all(c->fd, buf, (size_t)n) != 0)
		return -1;
	return read_reply(c);
}

/* XCLIENT attribute values are xtext (RFC 3461 4). */
static void
xtext(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *s != '\0' && n + 4 < outlen; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 33 || ch > 126 || ch == '+' || ch == '=')
			n += (size_t)snprintf(out + n, outlen - n, "+%02X",
			    ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = '\0';
}

/* Everything before DATA; 0, or -1 when the server refused a step. */
static int
envelope(struct conn *c, const struct vcase *v, const char *rcpt)
{
	char line[LINE_MAX_LEN], helo[300];

	xtext(v->helo, helo, sizeof(helo));
	if (read_reply(c) != 220 || command(c, "EHLO bench.invalid") != 250)
		return -1;
	(void)snprintf(line, sizeof(line), "XCLIENT ADDR=%s%s HELO=%s",
	    v->ipv6 ? "IPV6:" : "", v->ip, helo);
	if (command(c, line) != 220)
		return -1;
	(void)snprintf(line, sizeof(line), "EHLO %s", v->helo);
	if (command(c, line) != 250)
		return -1;
	(void)snprintf(line, sizeof(line), "MAIL FROM:<%s>", v->mail_from);
	if (command(c, line) != 250)
		return -1;
	(void)snprintf(line, sizeof(line), "RCPT TO:<%s>", rcpt);
	if (command(c, line) / 100 != 2 || command(c, "DATA") != 354)
		return -1;
	return 0;
}

/* ---- sessions ----------------------------------------------------------- */

static double
now(void)
{
	return corpus_clock();
}

static int
keep_latency(struct worker *w, double secs)
{
	uint32_t *p;

	if (w->nlat == w->cap) {
		if (w->cap >= LAT_MAX)
			return 0;
		w->cap = w->cap ? 2 * w->cap : 4096;
		if ((p = realloc(w->lat, w->cap * sizeof(*p))) == NULL)
			return -1;
		w->lat = p;
	}
	w->lat[w->nlat++] = secs * 1e6 > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)(secs * 1e6);
	return 0;
}

/* Count the final reply code of message m. */
static void
tally(struct worker *w, const struct corpus_msg *m, int code)
{
	int reject = strstr(m->expect, "action:reject") != NULL;

	if (code / 100 == 2)
		w->ok++;
	else if (code / 100 == 5)
		w->rejected++;
	else
		w->tempfailed++;
	if ((code / 100 == 5) != reject || code / 100 == 4)
		w->unexpected++;
}

static int
session(struct worker *w, size_t i)
{
	const struct shared *sh = w->sh;
	const struct corpus_msg *m = &sh->vc->c.m[i];
	struct conn c;
	double t0 = now();
	int code = -1;

	if (conn_open(&c, sh->port) != 0)
		return -1;
	if (envelope(&c, vcase_get(sh->vc, m), sh->rcpt) == 0 &&
	    send_all(c.fd, sh->pl[i].data, sh->pl[i].len) == 0)
		code = read_reply(&c);
	if (code > 0) {
		if (keep_latency(w, now() - t0) != 0)
			code = -1;
		else
			tally(w, m, code);
		(void)command(&c, "QUIT");
	}
	close(c.fd);
	return code > 0 ? 0 : -1;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	size_t k;

	for (;;) {
		if (sh->deadline > 0 && now() >= sh->deadline)
			break;
		k = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
		if (k >= sh->count)
			break;
		if (session(w, (sh->first + k) % sh->vc->c.n) != 0)
			w->errors++;
	}
	return NULL;
}

/* ---- results ------------------------------------------------------------ */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least pct % at or below it. */
static uint32_t
percentile(const uint32_t *v, size_t n, unsigned pct)
{
	size_t r = (n * pct + 99) / 100;

	return n == 0 ? 0 : v[r > 0 ? r - 1 : 0];
}

static int
report(struct worker *ws, size_t nw, double secs)
{
	struct worker sum;
	uint32_t *all;
	size_t i, n = 0;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < nw; i++)
		n += ws[i].nlat;
	if ((all = malloc((n ? n : 1) * sizeof(*all))) == NULL)
		return -1;
	n = 0;
	for (i = 0; i < nw; i++) {
		memcpy(all + n, ws[i].lat, ws[i].nlat * sizeof(*all));
		n += ws[i].nlat;
		sum.ok += ws[i].ok;
		sum.rejected += ws[i].rejected;
		sum.tempfailed += ws[i].tempfailed;
		sum.errors += ws[i].errors;
		sum.unexpected += ws[i].unexpected;
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	printf("smtp_bench sent=%zu ok=%zu rejected=%zu tempfailed=%zu "
	    "errors=%zu secs=%.3f rate=%.1f p50_us=%u p99_us=%u "
	    "unexpected=%zu\n", n + sum.errors, sum.ok, sum.rejected,
	    sum.tempfailed, sum.errors, secs, secs > 0 ? n / secs : 0.0,
	    percentile(all, n, 50), percentile(all, n, 99), sum.unexpected);
	free(all);
	return n > 0 ? 0 : -1;
}

/* ---- main --------------------------------------------------------------- */

struct args {
	const char *dir, *rcpt;
	long port, sessions, count, first;
	double seconds;
};

static void
usage(void)
{
	fprintf(stderr, "usage: smtp_bench -c CORPUS -p PORT [-j SESSIONS] "
	    "[-n MESSAGES] [-t SECONDS] [-s FIRST] [-r RCPT]\n");
	exit(2);
}

static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static void
parse_args(int argc, char **argv, struct args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	a->rcpt = "bench@rcpt.test";
	a->sessions = 1;
	a->count = -1;
	while ((ch = getopt(argc, argv, "c:p:j:n:t:s:r:")) != -1) {
		switch (ch) {
		case 'c': a->dir = optarg; break;
		case 'p': a->port = number(optarg, 1, 65535); break;
		case 'j': a->sessions = number(optarg, 1, 1024); break;
		case 'n': a->count = number(optarg, 1, 1L << 40); break;
		case 't': a->seconds = (double)number(optarg, 1, 86400); break;
		case 's': a->first = number(optarg, 0, 1L << 40); break;
		case 'r': a->rcpt = optarg; break;
		default: usage();
		}
	}
	if (a->dir == NULL || a->port == 0 || optind != argc)
		usage();
}

/* Start the sessions and wait for them; the wall time in *secs. */
static int
run(struct shared *sh, struct worker *ws, size_t nw, double *secs)
{
	size_t i, started = 0;
	double t0 = now();

	if (sh->deadline > 0)
		sh->deadline += t0;
	for (i = 0; i < nw; i++) {
		ws[i].sh = sh;
		if (pthread_create(&ws[i].t, NULL, work, &ws[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(ws[i].t, NULL);
	*secs = now() - t0;
	return started == nw ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct vcase_corpus vc;
	struct payload *pl = NULL;
	struct worker *ws = NULL;
	struct shared sh;
	double secs = 0;
	size_t i;
	int rc = 1;

	parse_args(argc, argv, &a);
	if (vcase_load(a.dir, &vc) != 0)
		return 1;
	if ((pl = calloc(vc.c.n, sizeof(*pl))) == NULL ||
	    (ws = calloc((size_t)a.sessions, sizeof(*ws))) == NULL)
		goto out;
	for (i = 0; i < vc.c.n; i++)
		if (stuff(vc.c.m[i].data, vc.c.m[i].len, &pl[i]) != 0)
			goto out;
	memset(&sh, 0, sizeof(sh));
	sh.vc = &vc;
	sh.pl = pl;
	sh.port = (unsigned short)a.port;
	sh.rcpt = a.rcpt;
	sh.first = (size_t)a.first;
	sh.count = a.count > 0 ? (size_t)a.count :
	    a.seconds > 0 ? SIZE_MAX : vc.c.n;
	sh.deadline = a.seconds;
	if (run(&sh, ws, (size_t)a.sessions, &secs) != 0)
		fprintf(stderr, "smtp_bench: could not start every session\n");
	rc = report(ws, (size_t)a.sessions, secs) == 0 ? 0 : 1;
out:
	if (rc != 0 && (pl == NULL || ws == NULL))
		fprintf(stderr, "smtp_bench: out of memory\n");
	for (i = 0; ws != NULL && i < (size_t)a.sessions; i++)
		free(ws[i].lat);
	for (i = 0; pl != NULL && i < vc.c.n; i++)
		free(pl[i].data);
	free(ws);
	free(pl);
	vcase_free(&vc);
	return rc;
}
