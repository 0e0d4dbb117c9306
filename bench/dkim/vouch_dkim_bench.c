/*
 * vouch_dkim_bench.c - DKIM verifications and signatures per second
 * through libvouch, on the corpus gen_corpus.py writes.
 *
 * usage: vouch_dkim_bench -c CORPUS [-a rsa|ed25519|dual] [-t SECONDS]
 *            [-k CHUNK] [-r RESULTS] [-l LABEL] [-P]
 *
 * Verify (the default): each message is what a milter does for one
 * message: vouch_msg_new() + vouch_msg_parse_header() on the raw bytes,
 * vouch_dkim_verify_new() over the zone backend (CORPUS/vouch.zone, the
 * key records in memory), vouch_dkim_verify_header(), the body in CHUNK
 * byte pieces [65536] through vouch_dkim_verify_body(), finish, read
 * every signature's result, free.  One line of figures (corpus.h); the
 * exit status is 1 when any result differs from the generator's.  -P
 * adds a second line with the time a message spends in each phase:
 *
 *   vouch_phases msgs=N header_us=H body_us=B finish_us=F
 *
 * header: parsing the header section, the key lookups and decoding, the
 * header hashes and signature checks; body: canonicalization and body
 * hashing; finish: the comparison, the results, freeing.
 *
 * Sign (-a): each message's header section is parsed and the message
 * signed by acme.example with its RSA-2048 key, its Ed25519 key, or both
 * in one pass (dual), default h= list, relaxed/relaxed, the body in CHUNK
 * pieces.  The first messages signed are then verified with vouch's own
 * verifier (new signatures first, then the corpus's own), a check that
 * the signer makes signatures and not just bytes.  One line:
 *
 *   LABEL msgs=N secs=S rate=R mbps=M peak_rss_kb=K bad=B
 *
 * Everything runs on the calling thread; pin it with taskset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

#include "corpus.h"

#define SIGN_DOMAIN "acme.example"
#define SIGN_CHECKED 50		/* signed messages verified afterwards */

static const char usage[] =
    "usage: vouch_dkim_bench -c CORPUS [-a rsa|ed25519|dual] [-t SECONDS]\n"
    "           [-k CHUNK] [-r RESULTS] [-l LABEL] [-P]\n";

struct bench {
	struct vouch_dns *dns;
	struct vouch_dkim_verify_options vopts;
	size_t chunk;
	struct vouch_dkim_key *key[2];
	struct vouch_dkim_signer spec[2];
	char sel[2][256];
	size_t nspec;
	int phases;		/* -P: time the phases of each verification */
	double t_hdr, t_body, t_fin;	/* seconds spent in each */
	size_t verified;
};

static int
verify_buf(struct bench *b, const char *data, size_t len, char *res,
    size_t reslen)
{
	struct vouch_msg *msg = NULL;
	struct vouch_dkim_verify *v = NULL;
	struct vouch_error err;
	size_t off, n, i;
	int rc;

	double t0 = 0, t1 = 0, t2 = 0;

	memset(&err, 0, sizeof(err));
	if (b->phases)
		t0 = corpus_clock();
	if ((rc = vouch_msg_new(NULL, &msg)) != 0 ||
	    (rc = vouch_msg_parse_header(msg, data, len, &off, &err)) != 0 ||
	    (rc = vouch_dkim_verify_new(b->dns, &b->vopts, &v)) != 0 ||
	    (rc = vouch_dkim_verify_header(v, msg)) != 0)
		goto out;
	if (b->phases)
		t1 = corpus_clock();
	for (; off < len; off += n) {
		n = len - off < b->chunk ? len - off : b->chunk;
		if ((rc = vouch_dkim_verify_body(v, data + off, n)) != 0)
			goto out;
	}
	if (b->phases)
		t2 = corpus_clock();
	if ((rc = vouch_dkim_verify_finish(v)) != 0)
		goto out;
	n = vouch_dkim_verify_count(v);
	for (i = 0; i < n; i++)
		corpus_res_add(res, reslen, vouch_dkim_result_name(
		    vouch_dkim_verify_get(v, i)->result));
	if (n == 0)
		corpus_res_add(res, reslen, "none");
out:
	vouch_dkim_verify_free(v);
	vouch_msg_free(msg);
	if (b->phases && rc == 0) {
		double t3 = corpus_clock();

		b->t_hdr += t1 - t0;
		b->t_body += t2 - t1;
		b->t_fin += t3 - t2;
		b->verified++;
	}
	if (rc != 0)
		fprintf(stderr, "vouch_dkim_bench: %s%s%s\n", vouch_strerror(rc),
		    err.msg[0] ? ": " : "", err.msg);
	return rc == 0 ? 0 : -1;
}

static int
verify_one(void *arg, const struct corpus_msg *m, char *res, size_t reslen)
{
	return verify_buf(arg, m->data, m->len, res, reslen);
}

/* Sign m; when fields is not NULL, the new fields are appended to it. */
static int
sign_one(struct bench *b, const struct corpus_msg *m, char *fields,
    size_t flen)
{
	struct vouch_msg *msg = NULL;
	struct vouch_dkim_sign *s = NULL;
	struct vouch_error err;
	size_t off, n, i;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = vouch_msg_new(NULL, &msg)) != 0 ||
	    (rc = vouch_msg_parse_header(msg, m->data, m->len, &off,
	    &err)) != 0 ||
	    (rc = vouch_dkim_sign_new(b->spec, b->nspec, 0, &s, &err)) != 0 ||
	    (rc = vouch_dkim_sign_header(s, msg, &err)) != 0)
		goto out;
	for (; off < m->len; off += n) {
		n = m->len - off < b->chunk ? m->len - off : b->chunk;
		if ((rc = vouch_dkim_sign_body(s, m->data + off, n)) != 0)
			goto out;
	}
	if ((rc = vouch_dkim_sign_finish(s, &err)) != 0)
		goto out;
	if (vouch_dkim_sign_count(s) != b->nspec) {
		rc = VOUCH_EINTERNAL;
		goto out;
	}
	for (i = 0; fields != NULL && i < b->nspec; i++) {
		size_t used = strlen(fields);

		snprintf(fields + used, flen - used, "%s",
		    vouch_dkim_sign_field(s, i));
	}
out:
	if (rc != 0)
		fprintf(stderr, "vouch_dkim_bench: %s: sign: %s%s%s\n",
		    m->name, vouch_strerror(rc), err.msg[0] ? ": " : "",
		    err.msg);
	vouch_dkim_sign_free(s);
	vouch_msg_free(msg);
	return rc == 0 ? 0 : -1;
}

/* Sign m, prepend the fields, verify: new ones pass, old ones as before. */
static int
sign_check(struct bench *b, const struct corpus_msg *m)
{
	char fields[8192], res[CORPUS_RES_MAX], want[CORPUS_RES_MAX];
	char *buf;
	size_t flen, i;
	int rc = -1;

	fields[0] = '\0';
	if (sign_one(b, m, fields, sizeof(fields)) != 0)
		return -1;
	flen = strlen(fields);
	if ((buf = malloc(flen + m->len)) == NULL)
		return -1;
	memcpy(buf, fields, flen);
	memcpy(buf + flen, m->data, m->len);
	res[0] = want[0] = '\0';
	for (i = 0; i < b->nspec; i++)
		corpus_res_add(want, sizeof(want), "pass");
	corpus_res_add(want, sizeof(want), m->expect);
	if (verify_buf(b, buf, flen + m->len, res, sizeof(res)) == 0) {
		rc = strcmp(res, want) == 0 ? 0 : -1;
		if (rc != 0)
			fprintf(stderr, "vouch_dkim_bench: %s signed: got %s, "
			    "expected %s\n", m->name, res, want);
	}
	free(buf);
	return rc;
}

static int
sign_run(struct bench *b, const struct corpus *c, const char *label,
    double seconds)
{
	size_t i, msgs = 0, bad = 0;
	double t0, secs;

	for (i = 0; i < c->n && i < SIGN_CHECKED; i++)
		if (sign_check(b, &c->m[i]) != 0)
			bad++;
	t0 = corpus_clock();
	do {
		for (i = 0; i < c->n; i++) {
			if (sign_one(b, &c->m[i], NULL, 0) != 0)
				return -1;
			msgs++;
			if ((msgs & 63) == 0 && corpus_clock() - t0 >= seconds)
				break;
		}
		secs = corpus_clock() - t0;
	} while (secs < seconds);
	printf("%s msgs=%zu secs=%.3f rate=%.0f mbps=%.1f peak_rss_kb=%ld "
	    "bad=%zu\n", label, msgs, secs, (double)msgs / secs,
	    (double)c->bytes / (double)c->n * (double)msgs / secs / 1e6,
	    corpus_maxrss_kb(), bad);
	return bad == 0 ? 0 : 1;
}

/* -P: where a verification's time goes, in microseconds a message. */
static void
phases_print(const struct bench *b)
{
	double n = (double)b->verified / 1e6;

	printf("vouch_phases msgs=%zu header_us=%.1f body_us=%.1f "
	    "finish_us=%.1f\n", b->verified, b->t_hdr / n, b->t_body / n,
	    b->t_fin / n);
}

static int
add_signer(struct bench *b, const char *dir, const char *type)
{
	struct vouch_dkim_signer *sp = &b->spec[b->nspec];
	struct vouch_error err;
	char path[4096];
	int rc;

	memset(&err, 0, sizeof(err));
	if (corpus_find_key(dir, type, SIGN_DOMAIN, path, sizeof(path),
	    b->sel[b->nspec], sizeof(b->sel[0])) != 0)
		return -1;
	if ((rc = vouch_dkim_key_load(path, &b->key[b->nspec], &err)) != 0) {
		fprintf(stderr, "vouch_dkim_bench: %s: %s\n", path,
		    err.msg[0] ? err.msg : vouch_strerror(rc));
		return -1;
	}
	memset(sp, 0, sizeof(*sp));
	sp->key = b->key[b->nspec];
	sp->domain = SIGN_DOMAIN;
	sp->selector = b->sel[b->nspec];
	b->nspec++;
	return 0;
}

static int
signers(struct bench *b, const char *dir, const char *alg)
{
	if (strcmp(alg, "rsa") == 0 || strcmp(alg, "dual") == 0)
		if (add_signer(b, dir, "rsa") != 0)
			return -1;
	if (strcmp(alg, "ed25519") == 0 || strcmp(alg, "dual") == 0)
		if (add_signer(b, dir, "ed25519") != 0)
			return -1;
	if (b->nspec == 0) {
		fprintf(stderr, "%s", usage);
		return -1;
	}
	return 0;
}

static int
setup(struct bench *b, const char *dir)
{
	struct vouch_error err;
	char path[4096];
	int rc;

	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/vouch.zone", dir);
	if ((rc = vouch_dns_zone_new_file(path, &b->dns, &err)) != 0) {
		fprintf(stderr, "vouch_dkim_bench: %s: %s\n", path,
		    err.msg[0] ? err.msg : vouch_strerror(rc));
		return -1;
	}
	/* Fixed for the run, so every pass is the same work. */
	b->vopts.now = (int64_t)time(NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct corpus_opts o = { NULL, NULL, 5.0 };
	struct bench b;
	struct corpus c;
	const char *dir = NULL, *alg = NULL;
	char label[64];
	int opt, rc = 1;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.chunk = 65536;
	while ((opt = getopt(argc, argv, "Pa:c:k:l:r:t:")) != -1) {
		switch (opt) {
		case 'P': b.phases = 1; break;
		case 'a': alg = optarg; break;
		case 'c': dir = optarg; break;
		case 'k': b.chunk = strtoul(optarg, NULL, 10); break;
		case 'l': o.label = optarg; break;
		case 'r': o.results = optarg; break;
		case 't': o.seconds = strtod(optarg, NULL); break;
		default: fprintf(stderr, "%s", usage); return 2;
		}
	}
	if (dir == NULL || b.chunk == 0) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	if (setup(&b, dir) != 0 || (alg != NULL && signers(&b, dir, alg) != 0))
		goto out;
	if (corpus_load(dir, &c) != 0)
		goto out;
	if (alg != NULL) {
		snprintf(label, sizeof(label), "vouch_sign_%s", alg);
		rc = sign_run(&b, &c, o.label ? o.label : label, o.seconds);
	} else {
		if (o.label == NULL)
			o.label = "vouch_verify";
		rc = corpus_run(&c, &o, verify_one, &b);
		if (b.phases && b.verified > 0)
			phases_print(&b);
	}
	corpus_free(&c);
out:
	for (i = 0; i < b.nspec; i++)
		vouch_dkim_key_free(b.key[i]);
	vouch_dns_free(b.dns);
	return rc == 0 ? 0 : 1;
}
