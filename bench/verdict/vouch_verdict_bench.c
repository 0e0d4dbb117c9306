/*
 * vouch_verdict_bench.c - full receiver verdicts (SPF, DKIM, DMARC, the
 * action) per second through libvouch, on bench/verdict's corpus.
 *
 * usage: vouch_verdict_bench -c CORPUS (-z ZONEFILE | -s ADDR@PORT)
 *            [-M rfc7489|rfc9989] [-P PSL] [-t SECONDS] [-k CHUNK]
 *            [-r RESULTS] [-l LABEL] [-T]
 *
 *   -z ZONEFILE   the zone backend: every record in memory
 *   -s ADDR@PORT  the unbound backend forwarding to that server, with
 *                 its in-process answer cache (the default)
 *   -M            the DMARC method [rfc7489: the Public Suffix List, as
 *                 libopendmarc]
 *   -P            the Public Suffix List file
 *                 [/usr/share/publicsuffix/public_suffix_list.dat]
 *
 * Each message is what a milter does for one: vouch_verdict_new() with
 * the envelope (SPF for the MAIL FROM and the HELO identity),
 * vouch_msg_new() + vouch_msg_parse_header() on the raw bytes,
 * vouch_verdict_header() (DKIM keys, header hashes, signatures), the body
 * in CHUNK byte pieces [65536] through vouch_verdict_body(),
 * vouch_verdict_finish() (body hashes, DMARC, Authentication-Results, the
 * action), every result read, everything freed.  Options are the
 * defaults but for the DMARC method; all DNS queries of a message run
 * through the per-message budget, as always.  One line of figures on
 * stdout (bench/dkim/corpus.h); the exit status is 1 when a result
 * differs from the one gen_envelopes.py designed.  -T adds a second
 * line with the time a message spends in each phase:
 *
 *   vouch_phases msgs=N envelope_us=E header_us=H body_us=B finish_us=F
 *
 * envelope: vouch_verdict_new(), SPF for both identities; header:
 * parsing the header section, DKIM key lookups, header hashes and
 * signature checks; body: canonicalization and body hashes; finish: the
 * body hash comparison, DMARC, Authentication-Results, the action, the
 * results read and everything freed.
 *
 * Everything runs on the calling thread but libunbound's own; pin the
 * process with taskset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vouch/dns.h>
#include <vouch/msg.h>
#include <vouch/verdict.h>

#include "corpus.h"
#include "vcase.h"

static const char usage[] =
    "usage: vouch_verdict_bench -c CORPUS (-z ZONEFILE | -s ADDR@PORT)\n"
    "           [-M rfc7489|rfc9989] [-P PSL] [-t SECONDS] [-k CHUNK]\n"
    "           [-r RESULTS] [-l LABEL] [-T]\n";

struct bench {
	struct vouch_dns *dns;
	struct vouch_psl *psl;
	struct vouch_verdict_options vo;
	const struct vcase_corpus *vc;
	size_t chunk;
	const char *zone, *server, *mode;
	int phases;		/* -T: time the phases of each verdict */
	double t[4];		/* seconds spent in each */
	size_t timed;
};

/* Phase p of a verdict ends now; t0 is when it began. */
static double
phase(struct bench *b, int p, double t0)
{
	double t;

	if (!b->phases)
		return 0;
	t = corpus_clock();
	if (p >= 0)
		b->t[p] += t - t0;
	return t;
}

/* The message's DKIM results, comma-separated, into buf. */
static void
dkim_words(const struct vouch_dkim_verify *v, char *buf, size_t len)
{
	size_t i, n = vouch_dkim_verify_count(v);

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		corpus_res_add(buf, len, vouch_dkim_result_name(
		    vouch_dkim_verify_get(v, i)->result));
	if (n == 0)
		corpus_res_add(buf, len, "none");
}

static void
result(const struct vouch_verdict *vd, char *res, size_t reslen)
{
	char dkim[CORPUS_RES_MAX];

	dkim_words(vd->dkim, dkim, sizeof(dkim));
	vcase_result(res, reslen, vouch_spf_result_name(vd->spf->result),
	    vd->spf_helo != NULL ? vouch_spf_result_name(
	    vd->spf_helo->result) : "none", dkim,
	    vouch_dmarc_result_name(vd->dmarc->result),
	    vouch_verdict_action_name(vd->action));
}

static int
verdict_one(void *arg, const struct corpus_msg *m, char *res, size_t reslen)
{
	struct bench *b = arg;
	const struct vcase *e = vcase_get(b->vc, m);
	struct vouch_verdict_envelope env;
	struct vouch_verdict_ctx *ctx = NULL;
	const struct vouch_verdict *vd;
	struct vouch_msg *msg = NULL;
	struct vouch_error err;
	size_t off, n;
	double t = phase(b, -1, 0);
	int rc;

	memset(&err, 0, sizeof(err));
	memset(&env, 0, sizeof(env));
	if ((rc = vouch_ip_parse(e->ip, &env.ip)) != 0)
		goto out;
	env.helo = e->helo;
	env.mail_from = e->mail_from;
	env.receiver = "bench.example";
	if ((rc = vouch_verdict_new(b->dns, &b->vo, &env, &ctx, &err)) != 0)
		goto out;
	t = phase(b, 0, t);
	if ((rc = vouch_msg_new(NULL, &msg)) != 0 ||
	    (rc = vouch_msg_parse_header(msg, m->data, m->len, &off,
	    &err)) != 0 ||
	    (rc = vouch_verdict_header(ctx, msg, &err)) != 0)
		goto out;
	t = phase(b, 1, t);
	for (; off < m->len; off += n) {
		n = m->len - off < b->chunk ? m->len - off : b->chunk;
		if ((rc = vouch_verdict_body(ctx, m->data + off, n)) != 0)
			goto out;
	}
	t = phase(b, 2, t);
	if ((rc = vouch_verdict_finish(ctx, &vd, &err)) != 0)
		goto out;
	result(vd, res, reslen);
out:
	vouch_verdict_free(ctx);
	vouch_msg_free(msg);
	if (b->phases && rc == 0) {
		(void)phase(b, 3, t);
		b->timed++;
	}
	if (rc != 0)
		fprintf(stderr, "vouch_verdict_bench: %s: %s%s%s\n", m->name,
		    vouch_strerror(rc), err.msg[0] ? ": " : "", err.msg);
	return rc == 0 ? 0 : -1;
}

static int
dns_open(struct bench *b)
{
	const char *zone = b->zone, *server = b->server;
	struct vouch_dns_unbound_opts uo;
	struct vouch_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if (zone != NULL) {
		rc = vouch_dns_zone_new_file(zone, &b->dns, &err);
	} else {
		memset(&uo, 0, sizeof(uo));
		uo.forwarder = server;
		uo.timeout_ms = 5000;
		rc = vouch_dns_unbound_new(&uo, &b->dns, &err);
	}
	if (rc != 0)
		fprintf(stderr, "vouch_verdict_bench: %s: %s\n",
		    zone ? zone : server, err.msg[0] ? err.msg :
		    vouch_strerror(rc));
	return rc;
}

static int
setup(struct bench *b, const char *psl)
{
	const char *mode = b->mode;
	struct vouch_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	b->vo.authserv_id = "bench.example";
	/* As vouchd: the Authentication-Results field, no Received-SPF. */
	b->vo.spf.no_received_spf = 1;
	/* Fixed for the run, so every pass is the same work. */
	b->vo.dkim.now = (int64_t)time(NULL);
	if (strcmp(mode, "rfc9989") == 0) {
		b->vo.dmarc.mode = VOUCH_DMARC_MODE_RFC9989;
		return 0;
	}
	if (strcmp(mode, "rfc7489") != 0) {
		fprintf(stderr, "%s", usage);
		return -1;
	}
	b->vo.dmarc.mode = VOUCH_DMARC_MODE_RFC7489;
	if ((rc = vouch_psl_load(psl, &b->psl, &err)) != 0) {
		fprintf(stderr, "vouch_verdict_bench: %s\n", err.msg[0] ?
		    err.msg : vouch_strerror(rc));
		return -1;
	}
	b->vo.dmarc.psl = b->psl;
	return 0;
}

static void
opt_cb(int opt, const char *arg, void *cbarg)
{
	struct bench *b = cbarg;

	switch (opt) {
	case 'M': b->mode = arg; break;
	case 'T': b->phases = 1; break;
	case 's': b->server = arg; break;
	case 'z': b->zone = arg; break;
	default: break;
	}
}

static void
phases_print(const struct bench *b)
{
	double n = (double)b->timed / 1e6;

	printf("vouch_phases msgs=%zu envelope_us=%.1f header_us=%.1f "
	    "body_us=%.1f finish_us=%.1f\n", b->timed, b->t[0] / n,
	    b->t[1] / n, b->t[2] / n, b->t[3] / n);
}

int
main(int argc, char **argv)
{
	struct vcase_opts o;
	struct vcase_corpus vc;
	struct bench b;
	int rc = 1;

	memset(&b, 0, sizeof(b));
	memset(&vc, 0, sizeof(vc));
	b.mode = "rfc7489";
	vcase_getopt(argc, argv, &o, "M:Ts:z:", opt_cb, &b, usage);
	if ((b.zone == NULL) == (b.server == NULL)) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	b.chunk = o.chunk;
	if (o.run.label == NULL)
		o.run.label = b.zone != NULL ? "vouch_zone" : "vouch_dns";
	if (setup(&b, o.psl) != 0 || dns_open(&b) != 0 ||
	    vcase_load(o.dir, &vc) != 0)
		goto out;
	b.vc = &vc;
	rc = corpus_run(&vc.c, &o.run, verdict_one, &b);
	if (b.phases && b.timed > 0)
		phases_print(&b);
out:
	vcase_free(&vc);
	vouch_dns_free(b.dns);
	vouch_psl_free(b.psl);
	return rc == 0 ? 0 : 1;
}
