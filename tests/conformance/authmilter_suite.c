/*
 * authmilter_suite.c - authentication-milter's end-to-end cases against
 * vouch_verdict_* (authmilter_suite.h lists the pieces).
 *
 *   authmilter_suite [--skips FILE] [--only EXPECTED] [--dump-zone] [-v]
 *
 * For every row of index.tsv, and every message of a pipelined SMTP
 * session, the source message runs through vouch_verdict_new/header/
 * body/finish with the row's client IP, HELO and MAIL FROM against the
 * zone built from the corpus's zonefile, and our Authentication-Results
 * (parsed back with vouch_authres_parse()) is compared with the field the
 * milter added: spf, dkim, dmarc and the action (authmilter_check.c).
 *
 * The envelope is what an MTA would hand over: a MAIL FROM written
 * "<path> PARAMS" gives the path, and the config's ip_map is applied.
 * Messages are sent with CRLF line ends (RFC 5321 2.3.8), whatever the
 * files use.  The clock is fixed at AM_NOW: no signature in the corpus
 * has t= or x=, so it matters only in principle (SPF %{t}); it is the
 * newest time stamp in the messages (spam_headers.eml's Received, Mon, 9
 * Jan 2017 21:15:20 -0500), the earliest moment the milter can have seen
 * them all.  config "no_strict" (Mail::DKIM without Strict) maps to the
 * DKIM options allow_sha1 and allow_short_keys.
 *
 * One line per message: PASS, FAIL or SKIP with what we got and, for a
 * FAIL, what differed; then a summary line.  authmilter-skips.tsv
 * (suite_skip.c): expected-output file, message number in the session or
 * "*", check (spf, dkim, dmarc, action, or "*" for the whole message),
 * reason.  An entry whose check agrees or has nothing to compare, and an
 * entry that matches no message, are failures: the list cannot rot.
 * Exit status 1 on any FAIL, 2 on bad usage or an unreadable corpus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/authres.h>
#include <vouch/msg.h>
#include <vouch/verdict.h>

#include "testutil.h"
#include "authmilter_suite.h"

#define AM_NOW 1484014520		/* 2017-01-10 02:15:20 UTC */
#define AM_FIELDS 10			/* index.tsv columns */
#define AM_SESSION_MAX 16		/* messages in one SMTP session */
#define AM_CONF_MAX 16

enum col { C_MODE, C_DESC, C_CONFIG, C_SOURCE, C_EXPECTED, C_IP, C_HELO,
	C_FROM, C_RCPT, C_NOTES };

struct run {
	struct skiplist skips;
	const char *only;
	int verbose;
	struct vouch_dns *dns;
	struct am_conf conf[AM_CONF_MAX];
	size_t nconf;
	unsigned long cases, messages, passed, failed, skipped;
};

/* One message of a row. */
struct msgcase {
	const char *key;		/* the expected-output file */
	unsigned nth;			/* 1-based, in the session */
	const struct am_conf *conf;
	const char *source, *ip, *helo, *mail_from;
};

/* What running one message gave. */
struct ran {
	struct vouch_verdict_ctx *ctx;
	const struct vouch_verdict *v;
	struct vouch_authres *ours;
	struct vouch_verdict_envelope env;	/* after ip_map */
	char from[512];
};

/* Split s (modified) at sep into at most n fields; returns the count. */
static size_t
split(char *s, char sep, char **f, size_t n)
{
	size_t k = 0;
	char *p;

	while (k < n) {
		f[k++] = s;
		if ((p = strchr(s, sep)) == NULL)
			break;
		*p = '\0';
		s = p + 1;
	}
	return k;
}

static unsigned
no_random(void *arg)
{
	(void)arg;
	return 0;
}

/* ---- running one message -------------------------------------------------- */

/* "<path> PARAMS" -> path; anything else as given. */
static void
envelope_path(const char *s, char *out, size_t n)
{
	size_t k;

	if (s[0] == '<') {
		k = strcspn(s + 1, ">");
		snprintf(out, n, "%.*s", (int)k, s + 1);
	} else {
		snprintf(out, n, "%s", s);
	}
}

static int
feed(const struct msgcase *m, struct ran *r, char *err, size_t errlen)
{
	char rel[512];
	struct vouch_error verr;
	struct vouch_msg *msg = NULL;
	char *raw, *crlf = NULL;
	size_t len, clen, body;
	int rc = -1;

	memset(&verr, 0, sizeof(verr));
	snprintf(rel, sizeof(rel), AM_DIR "/%s", m->source);
	if ((raw = tu_read_file(tu_corpus_path(rel), &len)) == NULL) {
		snprintf(err, errlen, "cannot read %s", rel);
		return -1;
	}
	crlf = crlf_normalize(raw, len, &clen);
	if (vouch_msg_new(NULL, &msg) != 0 ||
	    vouch_msg_parse_header(msg, crlf, clen, &body, &verr) != 0)
		snprintf(err, errlen, "source header: %s", verr.msg);
	else if (vouch_verdict_header(r->ctx, msg, &verr) != 0)
		snprintf(err, errlen, "vouch_verdict_header: %s", verr.msg);
	else if (vouch_verdict_body(r->ctx, crlf + body, clen - body) != 0)
		snprintf(err, errlen, "vouch_verdict_body failed");
	else if ((rc = vouch_verdict_finish(r->ctx, &r->v, &verr)) != 0)
		snprintf(err, errlen, "vouch_verdict_finish: %s %s",
		    vouch_strerror(rc), verr.msg);
	else
		rc = 0;
	vouch_msg_free(msg);
	free(crlf);
	rc = rc == 0 ? 0 : -1;
	free(raw);
	return rc;
}

static int
run_message(struct run *R, const struct msgcase *m, struct ran *r,
    char *err, size_t errlen)
{
	struct vouch_verdict_options o;
	struct vouch_error verr;

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	memset(&verr, 0, sizeof(verr));
	if (vouch_ip_parse(m->ip, &r->env.ip) != 0) {
		snprintf(err, errlen, "client IP %s does not parse", m->ip);
		return -1;
	}
	r->env.helo = m->helo;
	am_conf_map(m->conf, &r->env.ip, &r->env.helo);
	envelope_path(m->mail_from, r->from, sizeof(r->from));
	r->env.mail_from = r->from;
	o.authserv_id = m->conf->authserv_id;
	o.dkim.now = AM_NOW;
	o.dkim.allow_sha1 = m->conf->no_strict;
	o.dkim.allow_short_keys = m->conf->no_strict;
	o.dmarc.random_fn = no_random;
	if (vouch_verdict_new(R->dns, &o, &r->env, &r->ctx, &verr) != 0) {
		snprintf(err, errlen, "vouch_verdict_new: %s", verr.msg);
		return -1;
	}
	if (feed(m, r, err, errlen) != 0)
		return -1;
	if (vouch_authres_parse(r->v->authres, strlen(r->v->authres),
	    &r->ours, &verr) != 0) {
		snprintf(err, errlen, "our own Authentication-Results does not "
		    "parse back: %s | %s", verr.msg, r->v->authres);
		return -1;
	}
	if (R->verbose)
		printf("  ours: Authentication-Results:%s\n", r->v->authres);
	return 0;
}

static void
ran_free(struct ran *r)
{
	vouch_authres_free(r->ours);
	vouch_verdict_free(r->ctx);
	memset(r, 0, sizeof(*r));
}

/* ---- judging ------------------------------------------------------------------ */

struct judgement {
	struct strbuf got, why, skipped;
	unsigned agreed, failed;
};

static void
judge_check(struct run *R, const struct msgcase *m, const char *scen,
    enum am_check k, const struct am_expect *e, const struct ran *r,
    struct judgement *j)
{
	struct strbuf why;
	const struct skip *sk;
	enum am_outcome out;
	const char *name = am_check_name(k);

	sb_init(&why);
	if (j->got.len > 0)
		sb_addc(&j->got, ' ');
	out = am_compare(k, e, m->conf, r->ours, r->v, &r->env, &why,
	    &j->got);
	sk = skips_find(&R->skips, m->key, scen, name);
	if (sk != NULL && out == AM_DIFFER) {
		sb_printf(&j->skipped, "%s%s skipped (%s: %s)",
		    j->skipped.len ? "; " : "", name, why.p, sk->reason);
	} else if (sk != NULL) {
		sb_printf(&j->why, "%sskip entry (line %u) for %s, but it %s",
		    j->why.len ? "; " : "", sk->line, name, out == AM_AGREE ?
		    "agrees: remove the entry" : "has nothing to compare");
		j->failed++;
	} else if (out == AM_DIFFER) {
		sb_printf(&j->why, "%s%s", j->why.len ? "; " : "", why.p);
		j->failed++;
	} else if (out == AM_AGREE) {
		j->agreed++;
	}
	sb_free(&why);
}

/* A message that did not run is one FAIL: its skip entries are not
 * reported unused as well. */
static void
mark_skips(struct run *R, const struct msgcase *m, const char *scen)
{
	int k;

	for (k = 0; k < AM_NCHECKS; k++)
		(void)skips_find(&R->skips, m->key, scen,
		    am_check_name((enum am_check)k));
}

/* The message's line: FAIL on any difference, PASS when a check agreed
 * and the others were skipped or had nothing to compare, else SKIP. */
static void
verdict_line(struct run *R, const struct msgcase *m, const char *scen,
    const struct judgement *j)
{
	if (j->failed > 0) {
		printf("FAIL %s#%s [%s]: %s | got %s\n", m->key, scen,
		    m->conf->name, j->why.p, j->got.p);
		R->failed++;
		return;
	}
	printf("%s %s#%s [%s]: %s%s%s\n", j->agreed ? "PASS" : "SKIP",
	    m->key, scen, m->conf->name, j->got.p, j->skipped.len ? " | " :
	    "", j->skipped.len ? j->skipped.p : "");
	if (j->agreed)
		R->passed++;
	else
		R->skipped++;
}

/* s with every line end and the white space after it made one space. */
static const char *
unfold(const char *s, struct strbuf *out)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			s += strspn(s, "\r\n \t") - 1;
			sb_addc(out, ' ');
		} else {
			sb_addc(out, *s);
		}
	}
	return out->p ? out->p : "";
}

static void
judge(struct run *R, const struct msgcase *m, const char *ebuf, size_t elen,
    const char *notes)
{
	struct judgement j;
	struct am_expect e;
	struct ran r;
	const struct skip *whole;
	char scen[16], err[1200];
	int k;

	memset(&j, 0, sizeof(j));
	snprintf(scen, sizeof(scen), "%u", m->nth);
	whole = skips_find(&R->skips, m->key, scen, "*");
	R->messages++;
	if (R->verbose)
		printf("case %s#%s [%s]\n", m->key, scen, m->conf->name);
	if (run_message(R, m, &r, err, sizeof(err)) != 0) {
		mark_skips(R, m, scen);
		printf("FAIL %s#%s [%s]: %s\n", m->key, scen, m->conf->name,
		    err);
		R->failed++;
		ran_free(&r);
		return;
	}
	if (whole != NULL) {
		printf("SKIP %s#%s [%s]: %s | got%s\n", m->key, scen,
		    m->conf->name, whole->reason, unfold(r.v->authres,
		    &j.got));
		R->skipped++;
		ran_free(&r);
		sb_free(&j.got);
		return;
	}
	if (am_expect_load(ebuf, elen, notes, m->conf, m->nth, &e, err,
	    sizeof(err)) != 0) {
		printf("FAIL %s#%s [%s]: %s\n", m->key, scen, m->conf->name,
		    err);
		R->failed++;
		ran_free(&r);
		return;
	}
	for (k = 0; k < AM_NCHECKS; k++)
		judge_check(R, m, scen, (enum am_check)k, &e, &r, &j);
	verdict_line(R, m, scen, &j);
	am_expect_free(&e);
	ran_free(&r);
	sb_free(&j.got);
	sb_free(&j.why);
	sb_free(&j.skipped);
}

/* ---- the index ------------------------------------------------------------------ */

static const struct am_conf *
conf_get(struct run *R, const char *dir, char *err, size_t errlen)
{
	size_t i;
	const char *slash = strrchr(dir, '/');

	for (i = 0; i < R->nconf; i++)
		if (strcmp(R->conf[i].name, slash ? slash + 1 : dir) == 0)
			return &R->conf[i];
	if (R->nconf == AM_CONF_MAX) {
		snprintf(err, errlen, "over %d configurations", AM_CONF_MAX);
		return NULL;
	}
	if (am_conf_load(dir, &R->conf[R->nconf], err, errlen) != 0)
		return NULL;
	return &R->conf[R->nconf++];
}

/* One index row: one message, or a pipelined session of several. */
static void
run_row(struct run *R, char **f)
{
	char *src[AM_SESSION_MAX], *ip[AM_SESSION_MAX], *helo[AM_SESSION_MAX];
	char *from[AM_SESSION_MAX], rel[512], err[512];
	struct msgcase m;
	size_t n, elen = 0, i;
	char *ebuf;

	if (R->only != NULL && strcmp(R->only, f[C_EXPECTED]) != 0)
		return;
	R->cases++;
	memset(&m, 0, sizeof(m));
	m.key = f[C_EXPECTED];
	if ((m.conf = conf_get(R, f[C_CONFIG], err, sizeof(err))) == NULL) {
		printf("FAIL %s: %s\n", m.key, err);
		R->failed++;
		return;
	}
	n = split(f[C_SOURCE], '|', src, AM_SESSION_MAX);
	if (split(f[C_IP], '|', ip, AM_SESSION_MAX) != n ||
	    split(f[C_HELO], '|', helo, AM_SESSION_MAX) != n ||
	    split(f[C_FROM], '|', from, AM_SESSION_MAX) != n) {
		printf("FAIL %s: the session's columns disagree on the number "
		    "of messages\n", m.key);
		R->failed++;
		return;
	}
	snprintf(rel, sizeof(rel), AM_DIR "/%s", m.key);
	ebuf = tu_read_file(tu_corpus_path(rel), &elen);
	for (i = 0; i < n; i++) {
		m.nth = (unsigned)i + 1;
		m.source = src[i];
		m.ip = ip[i];
		m.helo = helo[i];
		m.mail_from = from[i];
		judge(R, &m, ebuf, elen, f[C_NOTES]);
	}
	free(ebuf);
}

static int
run_index(struct run *R)
{
	char *buf, *line, *next, *f[AM_FIELDS];
	unsigned lineno = 0;

	if ((buf = tu_read_file(tu_corpus_path(AM_DIR "/index.tsv"),
	    NULL)) == NULL) {
		fprintf(stderr, "authmilter_suite: cannot read %s/index.tsv\n",
		    AM_DIR);
		return -1;
	}
	for (line = buf; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (lineno++ == 0 || line[0] == '\0')
			continue;
		if (split(line, '\t', f, AM_FIELDS) != AM_FIELDS) {
			printf("FAIL index.tsv line %u: not %d columns\n",
			    lineno, AM_FIELDS);
			R->failed++;
			continue;
		}
		run_row(R, f);
	}
	free(buf);
	return 0;
}

/* ---- main ------------------------------------------------------------------------ */

static int
load_zone(struct run *R, int dump)
{
	struct vouch_error verr;
	struct strbuf zt;
	char err[512];
	char *buf;
	size_t len;
	int rc = -1;

	sb_init(&zt);
	if ((buf = tu_read_file(tu_corpus_path(AM_DIR "/zonefile"),
	    &len)) == NULL) {
		fprintf(stderr, "authmilter_suite: cannot read the zonefile\n");
		return -1;
	}
	if (am_zone_text(buf, len, &zt, err, sizeof(err)) != 0)
		fprintf(stderr, "authmilter_suite: %s\n", err);
	else if (dump)
		rc = fputs(zt.p ? zt.p : "", stdout) < 0 ? -1 : 0;
	else if (vouch_dns_zone_new_text(zt.p ? zt.p : "", zt.len, NULL,
	    &R->dns, &verr) != 0)
		fprintf(stderr, "authmilter_suite: zone rejected: %s\n",
		    verr.msg);
	else
		rc = 0;
	free(buf);
	sb_free(&zt);
	return rc;
}

/* Skip entries that matched nothing. */
static void
unused_skips(struct run *R)
{
	size_t i;

	for (i = 0; R->only == NULL && i < R->skips.n; i++) {
		if (R->skips.v[i].used)
			continue;
		printf("FAIL skip list line %u matches no case: %s %s %s\n",
		    R->skips.v[i].line, R->skips.v[i].file,
		    R->skips.v[i].scenario, R->skips.v[i].id);
		R->failed++;
	}
}

/* Options into R; 0, or -1 after printing the usage. */
static int
options(int argc, char **argv, struct run *R, const char **skips,
    int *dump)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--skips") == 0 && i + 1 < argc)
			*skips = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			R->only = argv[++i];
		else if (strcmp(argv[i], "--dump-zone") == 0)
			*dump = 1;
		else if (strcmp(argv[i], "-v") == 0)
			R->verbose = 1;
		else
			break;
	}
	if (i == argc)
		return 0;
	fprintf(stderr, "usage: authmilter_suite [--skips FILE] "
	    "[--only EXPECTED] [--dump-zone] [-v]\n");
	return -1;
}

int
main(int argc, char **argv)
{
	struct run R;
	const char *skips = NULL;
	char err[512];
	int dump = 0, rc;

	memset(&R, 0, sizeof(R));
	if (options(argc, argv, &R, &skips, &dump) != 0)
		return 2;
	if (skips != NULL && skips_load(&R.skips, skips, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "authmilter_suite: %s: %s\n", skips, err);
		return 2;
	}
	if (load_zone(&R, dump) != 0 || dump) {
		skips_free(&R.skips);
		return dump ? 0 : 2;
	}
	rc = run_index(&R);
	unused_skips(&R);
	printf("authentication-milter: %lu cases, %lu messages: %lu passed, "
	    "%lu failed, %lu skipped\n", R.cases, R.messages, R.passed,
	    R.failed, R.skipped);
	vouch_dns_free(R.dns);
	skips_free(&R.skips);
	return rc != 0 ? 2 : R.failed ? 1 : 0;
}
