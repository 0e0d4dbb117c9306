/*
 * dkim_suite.c - run public DKIM corpora against vouch_dkim_verify_*.
 *
 *   dkim_suite --format mailauth|stalwart|dkimpy|ocaml|mdkim
 *              [--skips FILE] [--only FILE] [--chunking] [-v]
 *
 * The corpus is read in place under VOUCH_CORPORA (dkim_suite.h lists
 * the pieces).  Expectation run (default): every message of the
 * format's table (dkim_expect.c) is verified twice, "strict" with the
 * default options and "legacy" with allow_sha1 and allow_short_keys,
 * and each signature's result word is compared with the table.  One
 * line per message and mode: PASS, FAIL or SKIP (dkim-skips.tsv: file,
 * mode or *, sigN or *, reason); then "N passed, N failed, N skipped".
 *
 * --chunking: the property test of the streaming API.  Every message
 * (the table's and the format's extra ones) is verified with the body
 * fed (a) in one piece, (b) byte by byte, (c) split after every LF,
 * (d) split at every position touching whitespace (inside and at the
 * ends of every SP/HTAB/CR/LF run), and (e) in one piece after a header
 * section rebuilt field by field with vouch_msg_add_field() as a milter
 * gets it; (b)-(e) must give exactly (a)'s results: count, result,
 * reason, body_length and key_bits of every signature.
 *
 * Exit status 1 on any FAIL (including skip entries for this corpus that
 * match nothing, and table rows index.tsv contradicts), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

#include "testutil.h"
#include "dkim_suite.h"

#define SLOT_MAX 16		/* signatures per message in the tables */

struct vone {
	enum vouch_dkim_result r;
	char *reason;
	uint64_t body_length;
	unsigned key_bits;
};

struct vout {
	int rc;			/* 0, or the failing call's VOUCH_E* code */
	const char *stage;	/* which call failed */
	size_t n;
	struct vone *v;
};

enum chunker { CH_WHOLE, CH_BYTES, CH_LINES, CH_WSP, CH_MILTER, CH_N };

static const char *const chunker_name[CH_N] = {
	"whole", "byte-by-byte", "at-every-LF", "around-whitespace", "milter"
};

struct run {
	enum dformat f;
	const struct dtable *t;
	struct dzone zone;	/* the corpus's records (not Stalwart's) */
	struct skiplist skips;
	const char *only;
	int verbose;
	int chunking;
	unsigned long passed, failed, skipped, bugs;
};

#define BUG_PREFIX "library-bug-pending"

/* A skip entry that records a known library bug prints as BUG. */
static const char *
skip_tag(struct run *R, const struct skip *sk)
{
	if (strncmp(sk->reason, BUG_PREFIX, strlen(BUG_PREFIX)) != 0)
		return "SKIP";
	R->bugs++;
	return "BUG ";
}

/* ---- verifying ------------------------------------------------------------ */

static void
vout_free(struct vout *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].reason);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* The header again, field by field, as a milter hands it over. */
static int
milter_copy(const struct vouch_msg *src, struct vouch_msg *dst)
{
	size_t i;
	int rc;

	for (i = 0; i < vouch_msg_count(src); i++) {
		const struct vouch_msg_field *f = vouch_msg_field(src, i);

		rc = vouch_msg_add_field(dst, f->name, f->name_len, f->value,
		    f->value_len, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
feed_body(struct vouch_dkim_verify *v, const char *b, size_t len,
    enum chunker ch)
{
	size_t start = 0, i;
	int rc = 0, cut;

	if (ch == CH_WHOLE || ch == CH_MILTER)
		return vouch_dkim_verify_body(v, b, len);
	for (i = 1; i <= len && rc == 0; i++) {
		if (ch == CH_BYTES)
			cut = 1;
		else if (ch == CH_LINES)
			cut = b[i - 1] == '\n';
		else
			cut = i == len || is_ws(b[i - 1]) || is_ws(b[i]);
		if (cut || i == len) {
			rc = vouch_dkim_verify_body(v, b + start, i - start);
			start = i;
		}
	}
	return rc;
}

static void
collect(const struct vouch_dkim_verify *v, struct vout *o)
{
	size_t i;

	o->n = vouch_dkim_verify_count(v);
	o->v = xmalloc((o->n ? o->n : 1) * sizeof(*o->v));
	for (i = 0; i < o->n; i++) {
		const struct vouch_dkim_sig *s = vouch_dkim_verify_get(v, i);

		o->v[i].r = s->result;
		o->v[i].reason = xstrdup(s->reason ? s->reason : "(null)");
		o->v[i].body_length = s->body_length;
		o->v[i].key_bits = s->key_bits;
	}
}

static void
verify(struct vouch_dns *dns, const struct vouch_dkim_verify_options *opts,
    const char *m, size_t mlen, enum chunker ch, int verbose,
    struct vout *o)
{
	struct vouch_msg *msg = NULL, *mil = NULL;
	struct vouch_dkim_verify *v = NULL;
	size_t body_off = 0, i;

	memset(o, 0, sizeof(*o));
	if ((o->rc = vouch_msg_new(NULL, &msg)) != 0) {
		o->stage = "vouch_msg_new";
		goto out;
	}
	o->stage = "vouch_msg_parse_header";
	if ((o->rc = vouch_msg_parse_header(msg, m, mlen, &body_off,
	    NULL)) != 0)
		goto out;
	if (ch == CH_MILTER) {
		o->stage = "vouch_msg_add_field";
		if ((o->rc = vouch_msg_new(NULL, &mil)) != 0 ||
		    (o->rc = milter_copy(msg, mil)) != 0)
			goto out;
	}
	o->stage = "vouch_dkim_verify_new";
	if ((o->rc = vouch_dkim_verify_new(dns, opts, &v)) != 0)
		goto out;
	o->stage = "vouch_dkim_verify_header";
	if ((o->rc = vouch_dkim_verify_header(v, mil ? mil : msg)) != 0)
		goto out;
	o->stage = "vouch_dkim_verify_body";
	if ((o->rc = feed_body(v, m + body_off, mlen - body_off, ch)) != 0)
		goto out;
	o->stage = "vouch_dkim_verify_finish";
	if ((o->rc = vouch_dkim_verify_finish(v)) != 0)
		goto out;
	o->stage = NULL;
	collect(v, o);
	for (i = 0; verbose && i < o->n; i++)
		printf("    sig%zu %s\n", i,
		    vouch_dkim_verify_get(v, i)->authres);
out:
	vouch_dkim_verify_free(v);
	vouch_msg_free(mil);
	vouch_msg_free(msg);
}

/* ---- one message ------------------------------------------------------------ */

struct dcase {
	char key[512];		/* dir/file[@variant]: skip-list name */
	char *msg;		/* the message, CRLF-normalized if asked */
	size_t len;
	struct vouch_dns *dns;
	int64_t now;
};

static void
case_free(struct dcase *c)
{
	free(c->msg);
	vouch_dns_free(c->dns);
	c->msg = NULL;
	c->dns = NULL;
}

/* The first line of a key-record file (dkimpy data/NAME.txt) into over. */
static int
read_override(const struct run *R, const char *file, struct strbuf *over,
    char *err, size_t errlen)
{
	char rel[1024];
	char *kv;

	snprintf(rel, sizeof(rel), "%s/%s", R->t->dir, file);
	if ((kv = tu_read_file(tu_corpus_path(rel), NULL)) == NULL) {
		snprintf(err, errlen, "cannot read %s", rel);
		return -1;
	}
	kv[strcspn(kv, "\r\n")] = '\0';
	sb_adds(over, kv);
	free(kv);
	return 0;
}

/* Read the message, build its zone.  Returns 0 or -1 (printed). */
static int
case_load(struct run *R, const char *file, const struct dexpect *e,
    struct dcase *c)
{
	char rel[1024], err[1200];
	struct vouch_error verr;
	struct dzone own = { 0 };
	const struct dzone *z = &R->zone;
	struct strbuf zt, over;
	size_t len, off = 0;
	char *buf;
	int rc = -1;

	sb_init(&zt);
	sb_init(&over);
	snprintf(c->key, sizeof(c->key), "%s/%s%s%s", R->t->dir, file,
	    e && e->variant ? "@" : "", e && e->variant ? e->variant : "");
	c->now = e && e->now ? e->now : R->t->now;
	snprintf(rel, sizeof(rel), "%s/%s", R->t->dir, file);
	buf = tu_read_file(tu_corpus_path(rel), &len);
	if (buf == NULL) {
		printf("FAIL %s | cannot read the message\n", c->key);
		goto out;
	}
	if (R->f == DF_STALWART) {
		if (dcorpus_zone(R->f, R->t->dir, file, buf, len, &own, &off,
		    err, sizeof(err)) != 0)
			goto bad;
		z = &own;
	}
	if (e != NULL && e->over_file != NULL &&
	    read_override(R, e->over_file, &over, err, sizeof(err)) != 0)
		goto bad;
	dzone_text(z, e ? e->over_owner : NULL, over.p, &zt);
	if (vouch_dns_zone_new_text(zt.p ? zt.p : "", zt.len, NULL, &c->dns,
	    &verr) != 0) {
		snprintf(err, sizeof(err), "zone rejected: %s", verr.msg);
		goto bad;
	}
	if (R->t->crlf) {
		c->msg = crlf_normalize(buf + off, len - off, &c->len);
	} else {
		c->msg = xstrndup(buf + off, len - off);
		c->len = len - off;
	}
	rc = 0;
	goto out;
bad:
	printf("FAIL %s | %s\n", c->key, err);
out:
	free(buf);
	dzone_free(&own);
	sb_free(&zt);
	sb_free(&over);
	return rc;
}

static void
set_opts(struct vouch_dkim_verify_options *o, int64_t now, int legacy)
{
	memset(o, 0, sizeof(*o));
	o->now = now;
	o->allow_sha1 = legacy;
	o->allow_short_keys = legacy;
}

/* ---- expectations ------------------------------------------------------------ */

/* Split "a,b|c" into slots; returns the count ("" is 0 slots). */
static size_t
split_slots(const char *spec, char slots[SLOT_MAX][64])
{
	size_t n = 0, k;

	if (spec[0] == '\0')
		return 0;
	while (n < SLOT_MAX) {
		k = strcspn(spec, ",");
		snprintf(slots[n++], 64, "%.*s", (int)k, spec);
		if (spec[k] == '\0')
			break;
		spec += k + 1;
	}
	return n;
}

/* Is word one of the '|'-separated alternatives of slot? */
static int
slot_accepts(const char *slot, const char *word)
{
	size_t k, wl = strlen(word);

	for (;;) {
		k = strcspn(slot, "|");
		if (k == wl && strncmp(slot, word, k) == 0)
			return 1;
		if (slot[k] == '\0')
			return 0;
		slot += k + 1;
	}
}

static void
put_sigs(const struct vout *o)
{
	size_t i;

	if (o->n == 0)
		printf("none (no signature)");
	for (i = 0; i < o->n; i++)
		printf("%ssig%zu %s (%s)", i ? "; " : "", i,
		    vouch_dkim_result_name(o->v[i].r), o->v[i].reason);
}

/* Compare o with spec; prints the verdict line. */
static void
judge(struct run *R, const struct dcase *c, const struct dexpect *e,
    const char *mode, const char *spec, const struct vout *o)
{
	char slots[SLOT_MAX][64];
	const struct skip *sk;
	char id[32], bad[512] = "";
	size_t n = split_slots(spec, slots), i, skipped = 0;

	if ((sk = skips_find(&R->skips, c->key, mode, "*")) != NULL) {
		printf("%s %s %s: %s | got ", skip_tag(R, sk), c->key, mode,
		    sk->reason);
		put_sigs(o);
		printf("\n");
		R->skipped++;
		return;
	}
	if (o->rc != 0)
		snprintf(bad, sizeof(bad), "%s returned %s", o->stage,
		    vouch_strerror(o->rc));
	else if (o->n != n)
		snprintf(bad, sizeof(bad), "expected %zu signature(s) (%s), "
		    "got %zu", n, spec, o->n);
	for (i = 0; bad[0] == '\0' && i < n; i++) {
		const char *got = vouch_dkim_result_name(o->v[i].r);

		snprintf(id, sizeof(id), "sig%zu", i);
		if ((sk = skips_find(&R->skips, c->key, mode, id)) != NULL) {
			printf("%s %s %s %s: %s | got %s (%s)\n",
			    skip_tag(R, sk), c->key, mode, id, sk->reason,
			    got, o->v[i].reason);
			skipped++;
		} else if (strcmp(slots[i], "?") == 0) {
			snprintf(bad, sizeof(bad), "%s has no RFC 6376 "
			    "expectation and is not in dkim-skips.tsv", id);
		} else if (!slot_accepts(slots[i], got)) {
			snprintf(bad, sizeof(bad), "%s expected %s, got %s",
			    id, slots[i], got);
		}
	}
	if (bad[0] != '\0') {
		printf("FAIL %s %s: %s | got ", c->key, mode, bad);
		put_sigs(o);
		printf(" | upstream %s: %s\n", e->upstream, e->why);
		R->failed++;
		return;
	}
	if (skipped > 0 && skipped == n) {
		R->skipped++;
		return;
	}
	printf("PASS %s %s: ", c->key, mode);
	put_sigs(o);
	printf("\n");
	R->passed++;
}

static void
run_expect(struct run *R, const struct dexpect *e)
{
	struct vouch_dkim_verify_options opts;
	struct dcase c = { 0 };
	struct vout o;
	int legacy;

	if (case_load(R, e->file, e, &c) != 0) {
		R->failed++;
		return;
	}
	for (legacy = 0; legacy <= 1; legacy++) {
		set_opts(&opts, c.now, legacy);
		if (R->verbose)
			printf("case %s %s now=%lld\n", c.key,
			    legacy ? "legacy" : "strict", (long long)c.now);
		verify(c.dns, &opts, c.msg, c.len, CH_WHOLE, R->verbose, &o);
		judge(R, &c, e, legacy ? "legacy" : "strict",
		    legacy && e->legacy ? e->legacy : e->strict, &o);
		vout_free(&o);
	}
	case_free(&c);
}

/* ---- the chunking property ---------------------------------------------------- */

/* "" when a and b agree, else what differs. */
static void
vout_diff(const struct vout *a, const struct vout *b, char *why, size_t n)
{
	size_t i;

	why[0] = '\0';
	if (a->rc != b->rc || a->n != b->n) {
		snprintf(why, n, "rc %d/%d, %zu/%zu signatures", a->rc, b->rc,
		    a->n, b->n);
		return;
	}
	for (i = 0; i < a->n; i++) {
		const struct vone *x = &a->v[i], *y = &b->v[i];

		if (x->r != y->r || strcmp(x->reason, y->reason) != 0 ||
		    x->body_length != y->body_length ||
		    x->key_bits != y->key_bits) {
			snprintf(why, n, "sig%zu: %s (%s) len %llu bits %u vs "
			    "%s (%s) len %llu bits %u", i,
			    vouch_dkim_result_name(x->r), x->reason,
			    (unsigned long long)x->body_length, x->key_bits,
			    vouch_dkim_result_name(y->r), y->reason,
			    (unsigned long long)y->body_length, y->key_bits);
			return;
		}
	}
}

static void
run_chunking(struct run *R, const char *file, const struct dexpect *e)
{
	struct vouch_dkim_verify_options opts;
	struct dcase c = { 0 };
	struct vout base, o;
	char why[1024];
	int legacy, ch, bad;

	if (case_load(R, file, e, &c) != 0) {
		R->failed++;
		return;
	}
	for (legacy = 0; legacy <= 1; legacy++) {
		set_opts(&opts, c.now, legacy);
		verify(c.dns, &opts, c.msg, c.len, CH_WHOLE, 0, &base);
		bad = 0;
		for (ch = CH_WHOLE + 1; ch < CH_N && !bad; ch++) {
			verify(c.dns, &opts, c.msg, c.len, (enum chunker)ch, 0,
			    &o);
			vout_diff(&base, &o, why, sizeof(why));
			if (why[0] != '\0') {
				printf("FAIL chunking %s %s: %s differs from "
				    "whole: %s\n", c.key,
				    legacy ? "legacy" : "strict",
				    chunker_name[ch], why);
				bad = 1;
			}
			vout_free(&o);
		}
		if (!bad) {
			printf("PASS chunking %s %s: %zu signature(s), %d "
			    "feedings agree: ", c.key,
			    legacy ? "legacy" : "strict", base.n, CH_N);
			put_sigs(&base);
			printf("\n");
		}
		if (bad)
			R->failed++;
		else
			R->passed++;
		vout_free(&base);
	}
	case_free(&c);
}

/* ---- main ------------------------------------------------------------------------ */

static int
selected(const struct run *R, const char *file)
{
	return R->only == NULL || strcmp(R->only, file) == 0;
}

static void
run_all(struct run *R)
{
	size_t i;

	for (i = 0; i < R->t->n; i++) {
		const struct dexpect *e = &R->t->v[i];

		if (!selected(R, e->file))
			continue;
		if (R->chunking)
			run_chunking(R, e->file, e);
		else
			run_expect(R, e);
	}
	for (i = 0; R->chunking && i < R->t->nextra; i++)
		if (selected(R, R->t->extra[i]))
			run_chunking(R, R->t->extra[i], NULL);
}

/* Skip entries for this corpus that matched nothing: the list rots. */
static void
unused_skips(struct run *R)
{
	size_t i, dl = strlen(R->t->dir);

	if (R->chunking || R->only != NULL)
		return;
	for (i = 0; i < R->skips.n; i++) {
		const struct skip *s = &R->skips.v[i];

		if (s->used || strncmp(s->file, R->t->dir, dl) != 0 ||
		    s->file[dl] != '/')
			continue;
		printf("FAIL skip list line %u matches no case: %s %s %s\n",
		    s->line, s->file, s->scenario, s->id);
		R->failed++;
	}
}

static int
parse_format(const char *s, enum dformat *f)
{
	static const char *const names[] = {
		[DF_MAILAUTH] = "mailauth", [DF_STALWART] = "stalwart",
		[DF_DKIMPY] = "dkimpy", [DF_OCAML] = "ocaml",
		[DF_MDKIM] = "mdkim",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*f = (enum dformat)i;
			return 0;
		}
	}
	return -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: dkim_suite --format mailauth|stalwart|dkimpy|"
	    "ocaml|mdkim [--skips FILE] [--only FILE] [--chunking] [-v]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct run R;
	const char *skips = NULL, *fmt = NULL;
	char err[512];
	size_t off;
	int i;

	memset(&R, 0, sizeof(R));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			fmt = argv[++i];
		else if (strcmp(argv[i], "--skips") == 0 && i + 1 < argc)
			skips = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			R.only = argv[++i];
		else if (strcmp(argv[i], "--chunking") == 0)
			R.chunking = 1;
		else if (strcmp(argv[i], "-v") == 0)
			R.verbose = 1;
		else
			return usage();
	}
	if (fmt == NULL || parse_format(fmt, &R.f) != 0)
		return usage();
	R.t = dtable_get(R.f);
	if (skips != NULL && skips_load(&R.skips, skips, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "dkim_suite: %s: %s\n", skips, err);
		return 2;
	}
	if (R.f != DF_STALWART && dcorpus_zone(R.f, R.t->dir, NULL, NULL, 0,
	    &R.zone, &off, err, sizeof(err)) != 0) {
		printf("FAIL %s | %s\n", R.t->dir, err);
		R.failed++;
	}
	if (!R.chunking)
		R.failed += dcorpus_check_index(R.f, R.t);
	run_all(&R);
	unused_skips(&R);
	printf("%s%s: %lu passed, %lu failed, %lu skipped (%lu of them "
	    "known library bugs)\n", R.t->name, R.chunking ? " chunking" : "",
	    R.passed, R.failed, R.skipped, R.bugs);
	dzone_free(&R.zone);
	skips_free(&R.skips);
	return R.failed ? 1 : 0;
}
