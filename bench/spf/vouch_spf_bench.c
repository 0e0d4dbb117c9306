/*
 * vouch_spf_bench.c - SPF evaluations per second through
 * vouch_spf_check(), on the query list gen_workload.py writes.
 *
 * usage: vouch_spf_bench (-z ZONEFILE | -s ADDR@PORT) -q QUERIES
 *            [-r RESULTS] [-p PASSES] [-n LIMIT] [-l LABEL]
 *
 *   -z ZONEFILE   the zone backend, the zone held in memory
 *   -s ADDR@PORT  the unbound backend, forwarding to that server
 *
 * One evaluation is one vouch_spf_check() for the MAIL FROM identity
 * (postmaster@HELO for the null reverse-path, RFC 7208 2.4) with the
 * default options, followed by vouch_spf_eval_free(): the same work a
 * milter does per message, Received-SPF and Authentication-Results text
 * included.  A warm-up pass fills the resolver cache; the timed passes
 * follow.  One line of figures on stdout (see spfq.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vouch/dns.h>
#include <vouch/spf.h>

#include "spfq.h"

static const char usage[] =
    "usage: vouch_spf_bench (-z ZONEFILE | -s ADDR@PORT) -q QUERIES\n"
    "           [-r RESULTS] [-p PASSES] [-n LIMIT] [-l LABEL]\n";

struct args {
	const char *zone;
	const char *server;
};

struct bench {
	struct vouch_dns *dns;
	int64_t now;		/* %{t}: fixed, so every pass is the same */
};

static int
eval_one(void *arg, const struct spfq *q)
{
	struct bench *b = arg;
	struct vouch_spf_request req;
	struct vouch_spf_eval *ev = NULL;
	int rc, r;

	memset(&req, 0, sizeof(req));
	if (vouch_ip_parse(q->ip, &req.ip) != 0) {
		fprintf(stderr, "vouch_spf_bench: bad IP %s\n", q->ip);
		return -1;
	}
	req.mail_from = q->mail_from;
	req.helo = q->helo;
	req.identity = VOUCH_SPF_MAILFROM;
	req.receiver = "bench.example";
	req.now = b->now;
	if ((rc = vouch_spf_check(b->dns, &req, NULL, &ev)) != 0) {
		fprintf(stderr, "vouch_spf_bench: %s %s: %s\n", q->ip,
		    q->mail_from, vouch_strerror(rc));
		return -1;
	}
	r = (int)ev->result;
	vouch_spf_eval_free(ev);
	return r;
}

static void
opt_cb(int opt, const char *arg, void *cbarg)
{
	struct args *a = cbarg;

	if (opt == 'z')
		a->zone = arg;
	else if (opt == 's')
		a->server = arg;
}

static int
dns_open(const struct args *a, struct vouch_dns **out)
{
	struct vouch_dns_unbound_opts uo;
	struct vouch_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if (a->zone != NULL) {
		rc = vouch_dns_zone_new_file(a->zone, out, &err);
	} else {
		memset(&uo, 0, sizeof(uo));
		uo.forwarder = a->server;
		uo.timeout_ms = 5000;
		rc = vouch_dns_unbound_new(&uo, out, &err);
	}
	if (rc != 0)
		fprintf(stderr, "vouch_spf_bench: %s: %s\n",
		    a->zone ? a->zone : a->server,
		    err.msg[0] ? err.msg : vouch_strerror(rc));
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = { NULL, NULL };
	struct spfq_opts o = { NULL, NULL, NULL, 5, 0 };
	struct spfq_list l;
	struct bench b;
	int rc;

	spfq_getopt(argc, argv, &o, "z:s:", opt_cb, &a, usage);
	if ((a.zone == NULL) == (a.server == NULL)) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	if (o.label == NULL)
		o.label = a.zone ? "vouch_zone" : "vouch_unbound";
	if (dns_open(&a, &b.dns) != 0)
		return 1;
	b.now = (int64_t)time(NULL);
	if (spfq_load(o.queries, o.limit, &l) != 0) {
		vouch_dns_free(b.dns);
		return 1;
	}
	rc = spfq_run(&l, &o, eval_one, &b);
	spfq_free(&l);
	vouch_dns_free(b.dns);
	return rc == 0 ? 0 : 1;
}
