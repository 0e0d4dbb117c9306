/*
 * dns_unbound_test.c - the unbound backend (lib/dns/dns_unbound.c)
 * against Knot DNS serving vouch.test.zone and 2.0.192.in-addr.arpa.zone
 * on 127.0.0.1@PORT (started by dns_unbound.sh).  Expected values are the
 * records of those zone files.  Also: a forwarder that never answers
 * gives RETRY "timeout" within the configured deadline, TCP-only
 * queries, and several threads sharing one handle.
 *
 * Usage: dns_unbound_test PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <vouch/dns.h>

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		failures++;						\
	}								\
} while (0)

static struct vouch_dns_answer *
ask(struct vouch_dns *d, const char *name, uint16_t type,
    enum vouch_dns_status want, size_t count)
{
	struct vouch_dns_answer *a = NULL;
	int rc = vouch_dns_query(d, name, type, &a);

	if (rc != 0) {
		fprintf(stderr, "%s %s: rc %d\n", name,
		    vouch_dns_type_name(type), rc);
		failures++;
		exit(1);
	}
	if (a->status != want || a->count != count) {
		fprintf(stderr, "%s %s: %s (%s) with %zu records, want %s "
		    "with %zu\n", name, vouch_dns_type_name(type),
		    vouch_dns_status_name(a->status),
		    a->reason ? a->reason : "", a->count,
		    vouch_dns_status_name(want), count);
		failures++;
	}
	return a;
}

static int
ip_is(const struct vouch_dns_rr *rr, const char *want)
{
	char buf[64];

	return vouch_ip_format(&rr->u.ip, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, want) == 0;
}

static struct vouch_dns *
open_fwd(const char *fwd, unsigned timeout_ms, int tcp, int no_cache)
{
	struct vouch_dns_unbound_opts o;
	struct vouch_error err;
	struct vouch_dns *d = NULL;

	memset(&o, 0, sizeof(o));
	o.forwarder = fwd;
	o.timeout_ms = timeout_ms;
	o.tcp = tcp;
	o.no_cache = no_cache;
	if (vouch_dns_unbound_new(&o, &d, &err) != 0) {
		fprintf(stderr, "unbound_new: %s\n", err.msg);
		exit(1);
	}
	return d;
}

static void
check_records(struct vouch_dns *d)
{
	struct vouch_dns_answer *a;
	size_t i, mx10 = 0, mx20 = 0;

	a = ask(d, "vouch.test", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	if (a->count == 1) {
		CHECK(ip_is(&a->rr[0], "192.0.2.10"));
		CHECK(a->rr[0].ttl <= 300 && a->rr[0].ttl >= 290);
	}
	CHECK(strcmp(a->canonical, "vouch.test") == 0);
	vouch_dns_answer_free(a);
	a = ask(d, "VOUCH.test.", VOUCH_DNS_AAAA, VOUCH_DNS_FOUND, 1);
	if (a->count == 1)
		CHECK(ip_is(&a->rr[0], "2001:db8::10"));
	vouch_dns_answer_free(a);
	/* RRset order may rotate: look the two up by preference. */
	a = ask(d, "vouch.test", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 2);
	for (i = 0; i < a->count; i++) {
		if (a->rr[i].u.mx.preference == 10 &&
		    strcmp(a->rr[i].u.mx.exchange, "mx1.vouch.test") == 0)
			mx10++;
		if (a->rr[i].u.mx.preference == 20 &&
		    strcmp(a->rr[i].u.mx.exchange, "mx2.vouch.test") == 0)
			mx20++;
	}
	CHECK(mx10 == 1 && mx20 == 1);
	vouch_dns_answer_free(a);
	a = ask(d, "null.vouch.test", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 1);
	if (a->count == 1)
		CHECK(strcmp(a->rr[0].u.mx.exchange, "") == 0 &&
		    a->rr[0].u.mx.preference == 0);
	vouch_dns_answer_free(a);
	a = ask(d, "10.2.0.192.in-addr.arpa", VOUCH_DNS_PTR, VOUCH_DNS_FOUND,
	    1);
	if (a->count == 1) {
		CHECK(strcmp(a->rr[0].u.name, "vouch.test") == 0);
		CHECK(a->ttl <= 600 && a->ttl >= 590);
	}
	vouch_dns_answer_free(a);
}

static void
check_txt(struct vouch_dns *d)
{
	struct vouch_dns_answer *a;
	const struct vouch_dns_txt *t;
	size_t i;

	a = ask(d, "vouch.test", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	if (a->count == 1) {
		t = &a->rr[0].u.txt;
		CHECK(t->nstrings == 3);
		CHECK(t->nstrings == 3 && t->lengths[0] == 7 &&
		    t->lengths[1] == 17 && t->lengths[2] == 4);
		CHECK(t->len == 28);
		CHECK(strcmp(t->data, "v=spf1 ip4:192.0.2.0/24 -all") == 0);
		CHECK(a->ttl <= 120 && a->ttl >= 110);
	}
	vouch_dns_answer_free(a);
	a = ask(d, "long.vouch.test", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	if (a->count == 1) {
		t = &a->rr[0].u.txt;
		CHECK(t->nstrings == 4 && t->len == 255);
		for (i = 0; i < t->nstrings && i < 4; i++)
			CHECK(t->lengths[i] == (i < 3 ? 64 : 63));
	}
	vouch_dns_answer_free(a);
}

static void
check_statuses(struct vouch_dns *d)
{
	struct vouch_dns_answer *a;

	vouch_dns_answer_free(ask(d, "nosuch.vouch.test", VOUCH_DNS_A,
	    VOUCH_DNS_NXDOMAIN, 0));
	vouch_dns_answer_free(ask(d, "ns.vouch.test", VOUCH_DNS_TXT,
	    VOUCH_DNS_NODATA, 0));
	/* an empty non-terminal exists (RFC 4592 2.2.2) */
	vouch_dns_answer_free(ask(d, "sub.vouch.test", VOUCH_DNS_A,
	    VOUCH_DNS_NODATA, 0));
	vouch_dns_answer_free(ask(d, "leaf.sub.vouch.test", VOUCH_DNS_A,
	    VOUCH_DNS_FOUND, 1));
	/* alias -> www -> vouch.test */
	a = ask(d, "alias.vouch.test", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	CHECK(strcmp(a->qname, "alias.vouch.test") == 0);
	CHECK(strcmp(a->canonical, "vouch.test") == 0);
	if (a->count == 1)
		CHECK(ip_is(&a->rr[0], "192.0.2.10"));
	vouch_dns_answer_free(a);
	a = ask(d, "www.vouch.test", VOUCH_DNS_CNAME, VOUCH_DNS_FOUND, 1);
	if (a->count == 1)
		CHECK(strcmp(a->rr[0].u.name, "vouch.test") == 0);
	vouch_dns_answer_free(a);
	a = ask(d, "alias.vouch.test", VOUCH_DNS_SPF, VOUCH_DNS_NODATA, 0);
	CHECK(strcmp(a->canonical, "vouch.test") == 0);
	vouch_dns_answer_free(a);
}

struct worker {
	struct vouch_dns *d;
	int bad;
};

static void *
work(void *arg)
{
	static const char *const names[] = {
		"vouch.test", "mx1.vouch.test", "nosuch.vouch.test",
		"alias.vouch.test", "leaf.sub.vouch.test"
	};
	static const enum vouch_dns_status want[] = {
		VOUCH_DNS_FOUND, VOUCH_DNS_FOUND, VOUCH_DNS_NXDOMAIN,
		VOUCH_DNS_FOUND, VOUCH_DNS_FOUND
	};
	struct worker *w = arg;
	struct vouch_dns_answer *a;
	int i;

	for (i = 0; i < 100; i++) {
		if (vouch_dns_query(w->d, names[i % 5], VOUCH_DNS_A, &a) != 0) {
			w->bad++;
			continue;
		}
		if (a->status != want[i % 5])
			w->bad++;
		vouch_dns_answer_free(a);
	}
	return NULL;
}

static void
check_threads(struct vouch_dns *d)
{
	struct worker w[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i].d = d;
		w[i].bad = 0;
		CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK(w[i].bad == 0);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A UDP port on loopback that receives and never answers. */
static void
check_timeout(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct vouch_dns_answer *a;
	struct vouch_dns *d;
	char fwd[64];
	double t0;
	int s;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) != 0) {
		perror("socket");
		exit(1);
	}
	snprintf(fwd, sizeof(fwd), "127.0.0.1@%u", ntohs(sin.sin_port));
	d = open_fwd(fwd, 300, 0, 1);
	t0 = now();
	a = ask(d, "slow.vouch.test", VOUCH_DNS_TXT, VOUCH_DNS_RETRY, 0);
	CHECK(a->reason != NULL && strcmp(a->reason, "timeout") == 0);
	CHECK(now() - t0 < 3.0);
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
	close(s);
}

static void
check_bad_options(void)
{
	static const char *const bad[] = {
		"nonsense", "127.0.0.1@", "127.0.0.1@0", "127.0.0.1@70000",
		"127.0.0.1@53x", "@53", "1.2.3@53",
	};
	struct vouch_dns_unbound_opts o;
	struct vouch_error err;
	struct vouch_dns *d = NULL;
	size_t i;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.forwarder = bad[i];
		CHECK(vouch_dns_unbound_new(&o, &d, &err) == VOUCH_EINVAL);
		CHECK(d == NULL);
	}
}

int
main(int argc, char **argv)
{
	struct vouch_dns *d;
	char fwd[64];

	if (argc != 2) {
		fprintf(stderr, "usage: dns_unbound_test PORT\n");
		return 2;
	}
	snprintf(fwd, sizeof(fwd), "127.0.0.1@%s", argv[1]);
	d = open_fwd(fwd, 3000, 0, 1);
	CHECK(strcmp(vouch_dns_backend(d), "unbound") == 0);
	CHECK(vouch_dns_log_enable(d, 1) == 0);
	check_records(d);
	check_txt(d);
	check_statuses(d);
	CHECK(vouch_dns_log_count(d) == 14);
	check_threads(d);
	vouch_dns_free(d);
	d = open_fwd(fwd, 3000, 1, 1);
	check_txt(d);
	check_statuses(d);
	vouch_dns_free(d);
	/* The default: the answer cache in front of libunbound.  Every
	 * check twice, the second time from the cache. */
	d = open_fwd(fwd, 3000, 0, 0);
	CHECK(strcmp(vouch_dns_backend(d), "cache") == 0);
	check_records(d);
	check_txt(d);
	check_statuses(d);
	check_records(d);
	check_txt(d);
	check_statuses(d);
	check_threads(d);
	vouch_dns_free(d);
	check_timeout();
	check_bad_options();
	printf("%s: %d failures\n", argv[0], failures);
	return failures != 0;
}
