/*
 * spf_suite.c - run public SPF test suites against vouch_spf_check().
 *
 *   spf_suite [--format openspf|stalwart|libspf2] [--only ID]... [-v]
 *             [--dump-zone] [--skips FILE] SUITE...
 *
 * Each SUITE is read in place (normally under VOUCH_CORPORA); see
 * spf_suite.h for the pieces.  A test passes when the result is one of
 * the accepted ones and, when the test gives an explanation, the
 * evaluation's explanation equals it exactly.  One line per failing test,
 * then "N passed, N failed[, N skipped]"; exit status 1 if any failed,
 * 2 on bad usage.  -v prints every test with its trace and DNS queries;
 * --dump-zone prints the generated master files instead of running.
 *
 * Requests follow the suites' drivers: ip = host, MAIL FROM identity
 * (a null reverse-path becomes postmaster@HELO inside the library),
 * receiver "receiver.example", default explanation "DEFAULT" (the OpenSPF
 * sentinel), a fixed clock.
 */
#define _XOPEN_SOURCE 700	/* realpath() */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dns.h>
#include <vouch/spf.h>

#include "testutil.h"
#include "spf_suite.h"

#define SUITE_RECEIVER "receiver.example"
#define SUITE_DEFAULT_EXP "DEFAULT"
#define SUITE_NOW 1700000000	/* %{t}: 2023-11-14T22:13:20Z */
#define SUITE_MAX_ONLY 64

enum suite_format { FMT_AUTO, FMT_OPENSPF, FMT_STALWART, FMT_LIBSPF2 };

struct suite {
	const char *key;	/* current file, relative to the corpora */
	int verbose;
	int dump;
	const char *only[SUITE_MAX_ONLY];
	size_t nonly;
	struct skiplist skips;
	unsigned long passed, failed, skipped;
	int zone_tried;		/* this scenario's zone was loaded (or not) */
	char zerr[VOUCH_ERROR_MSG_MAX + 64];
};

/* ---- reporting ---------------------------------------------------------- */

/* s on one line: control bytes and '"' as \xHH. */
static void
put_quoted(const char *s)
{
	if (s == NULL) {
		fputs("(null)", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
put_expected(const struct spf_case *c)
{
	size_t i;

	for (i = 0; i < c->nresults; i++)
		printf("%s%s", i ? "|" : "", c->results[i]);
	if (c->explanation != NULL) {
		fputs(" explanation ", stdout);
		put_quoted(c->explanation);
	}
}

static void
report(const struct suite *S, const char *tag, const struct spf_case *c,
    const struct vouch_spf_eval *ev, const char *why)
{
	printf("%s %s | %s | %s | spec %s | expected ", tag, S->key,
	    c->scenario, c->id, c->spec ? c->spec : "-");
	put_expected(c);
	if (ev != NULL) {
		printf(" | got %s | explanation ",
		    vouch_spf_result_name(ev->result));
		put_quoted(ev->explanation);
		fputs(" | error ", stdout);
		put_quoted(ev->error);
	} else {
		fputs(" | got nothing | ", stdout);
		put_quoted(why);
	}
	putchar('\n');
}

static void
put_trace(const struct vouch_spf_eval *ev, struct vouch_dns *dns)
{
	size_t i, n = vouch_dns_log_count(dns);

	for (i = 0; i < ev->nsteps; i++) {
		const struct vouch_spf_step *st = &ev->steps[i];

		printf("    step %u %s: %s: %s\n", st->depth,
		    st->domain ? st->domain : "-", st->term ? st->term : "-",
		    st->detail ? st->detail : "-");
	}
	for (i = 0; i < n; i++) {
		const struct vouch_dns_logent *q = vouch_dns_log_get(dns, i);

		printf("    dns %s %s -> %s (%zu)\n", q->name,
		    vouch_dns_type_name(q->type),
		    vouch_dns_status_name(q->status), q->count);
	}
	vouch_dns_log_clear(dns);
}

void
suite_file_error(struct suite *S, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s | file error | ", S->key ? S->key : "-");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	S->failed++;
}

/* ---- running ------------------------------------------------------------ */

void
suite_begin_file(struct suite *S, const char *key)
{
	S->key = key;
}

int
suite_dump_only(const struct suite *S)
{
	return S->dump;
}

void
suite_dump_zone(struct suite *S, const char *scenario,
    const struct strbuf *zone)
{
	printf(";; ---- %s | %s\n%s", S->key, scenario,
	    zone->p ? zone->p : "");
}

int
suite_selected(const struct suite *S, const struct spf_case *c)
{
	size_t i;

	if (S->nonly == 0)
		return 1;
	for (i = 0; i < S->nonly; i++)
		if (strcmp(S->only[i], c->id) == 0)
			return 1;
	return 0;
}

void
suite_zone_done(struct suite *S, struct vouch_dns **dns)
{
	vouch_dns_free(*dns);
	*dns = NULL;
	S->zone_tried = 0;
}

static int
load_zone(struct suite *S, const char *zone, size_t zlen,
    struct vouch_dns **dns)
{
	struct vouch_error err;
	int rc;

	if (S->zone_tried)
		return *dns != NULL ? 0 : -1;
	S->zone_tried = 1;
	memset(&err, 0, sizeof(err));
	rc = vouch_dns_zone_new_text(zone, zlen, NULL, dns, &err);
	if (rc != 0) {
		*dns = NULL;
		snprintf(S->zerr, sizeof(S->zerr), "zone rejected: %s: %s",
		    vouch_strerror(rc), err.msg);
		return -1;
	}
	if (S->verbose && vouch_dns_log_enable(*dns, 1) != 0)
		fprintf(stderr, "spf_suite: cannot log DNS queries\n");
	return 0;
}

static int
check_once(const struct suite *S, struct vouch_dns *dns,
    const struct spf_case *c, enum vouch_spf_identity id,
    struct vouch_spf_eval **ev, char *why, size_t whylen)
{
	struct vouch_spf_request req;
	struct vouch_spf_options opts;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&opts, 0, sizeof(opts));
	if (vouch_ip_parse(c->host, &req.ip) != 0) {
		snprintf(why, whylen, "vouch_ip_parse(\"%s\") failed",
		    c->host);
		return -1;
	}
	req.mail_from = c->mailfrom;
	req.helo = c->helo;
	req.identity = id;
	req.receiver = SUITE_RECEIVER;
	req.now = SUITE_NOW;
	opts.default_explanation = SUITE_DEFAULT_EXP;
	opts.trace = S->verbose;
	*ev = NULL;
	rc = vouch_spf_check(dns, &req, &opts, ev);
	if (rc != 0) {
		snprintf(why, whylen, "vouch_spf_check: %s",
		    vouch_strerror(rc));
		*ev = NULL;
		return -1;
	}
	if (S->verbose) {
		printf("  %s check:\n", vouch_spf_identity_name(id));
		put_trace(*ev, dns);
	}
	return 0;
}

/* Stalwart's driver checks HELO first and MAIL FROM only after a pass. */
static int
evaluate(const struct suite *S, struct vouch_dns *dns,
    const struct spf_case *c, struct vouch_spf_eval **ev, char *why,
    size_t whylen)
{
	if (c->mode != CASE_HELO_THEN_MAILFROM)
		return check_once(S, dns, c, VOUCH_SPF_MAILFROM, ev, why,
		    whylen);
	if (check_once(S, dns, c, VOUCH_SPF_HELO, ev, why, whylen) != 0)
		return -1;
	if ((*ev)->result != VOUCH_SPF_PASS)
		return 0;
	vouch_spf_eval_free(*ev);
	return check_once(S, dns, c, VOUCH_SPF_MAILFROM, ev, why, whylen);
}

static int
case_passes(const struct spf_case *c, const struct vouch_spf_eval *ev)
{
	const char *got = vouch_spf_result_name(ev->result);
	size_t i;

	for (i = 0; i < c->nresults; i++)
		if (str_caseeq(c->results[i], got))
			break;
	if (i == c->nresults)
		return 0;
	if (c->explanation == NULL)
		return 1;
	if (ev->explanation == NULL)
		return 0;
	if (strcmp(ev->explanation, c->explanation) == 0)
		return 1;
	/*
	 * One difference is allowed and said: the case of letters.  The
	 * suite's v-macro-ip6 prints the %{ir} nibbles of an IPv6 address
	 * in upper case (pyspf's output); RFC 7208 7.4 prints them in lower
	 * case, and so do we.  DNS names ignore case.
	 */
	if (str_caseeq(ev->explanation, c->explanation)) {
		printf("NOTE %s: explanation differs only in letter case "
		    "(RFC 7208 7.4 writes %%{ir} nibbles in lower case)\n",
		    c->id);
		return 1;
	}
	return 0;
}

void
suite_run(struct suite *S, const char *zone, size_t zlen,
    struct vouch_dns **dns, const struct spf_case *c)
{
	const struct skip *skip;
	struct vouch_spf_eval *ev = NULL;
	char why[256];
	int ok;

	skip = skips_find(&S->skips, S->key, c->scenario, c->id);
	if (skip != NULL && c->mode != CASE_LIBSPF2) {
		if (S->verbose)
			printf("skip %s | %s | %s | %s\n", S->key,
			    c->scenario, c->id, skip->reason);
		S->skipped++;
		return;
	}
	if (S->verbose)
		printf("test %s | %s | %s | helo %s | ip %s | from %s\n",
		    S->key, c->scenario, c->id, c->helo ? c->helo : "-",
		    c->host, c->mailfrom);
	if (load_zone(S, zone, zlen, dns) != 0) {
		report(S, "FAIL", c, NULL, S->zerr);
		S->failed++;
		return;
	}
	ok = evaluate(S, *dns, c, &ev, why, sizeof(why)) == 0;
	if (ok && skip != NULL) {
		/* libspf2: evaluated for robustness only; verdict disputed. */
		S->skipped++;
	} else if (ok && case_passes(c, ev)) {
		if (S->verbose)
			report(S, "ok  ", c, ev, NULL);
		S->passed++;
	} else {
		report(S, "FAIL", c, ev, why);
		S->failed++;
	}
	vouch_spf_eval_free(ev);
}

/* ---- main --------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: spf_suite [--format openspf|stalwart|libspf2]"
	    " [--only ID]... [-v] [--dump-zone] [--skips FILE] SUITE...\n");
	exit(2);
}

/* The path relative to the corpora, as the skip list names files. */
static char *
file_key(const char *path)
{
	char root[PATH_MAX], full[PATH_MAX];
	size_t n;

	if (realpath(VOUCH_CORPORA, root) == NULL ||
	    realpath(path, full) == NULL)
		return xstrdup(path);
	n = strlen(root);
	if (strncmp(full, root, n) == 0 && full[n] == '/')
		return xstrdup(full + n + 1);
	return xstrdup(path);
}

static enum suite_format
pick_format(enum suite_format f, const char *path)
{
	size_t n = strlen(path);

	if (f != FMT_AUTO)
		return f;
	if (n > 4 && strcmp(path + n - 4, ".tsv") == 0)
		return FMT_LIBSPF2;
	if (strstr(path, "stalwart") != NULL)
		return FMT_STALWART;
	return FMT_OPENSPF;
}

static void
run_file(struct suite *S, enum suite_format f, const char *path)
{
	char *key = file_key(path);

	suite_begin_file(S, key);
	switch (pick_format(f, path)) {
	case FMT_STALWART:
		stalwart_run(S, path);
		break;
	case FMT_LIBSPF2:
		libspf2_run(S, path);
		break;
	default:
		openspf_run(S, path);
		break;
	}
	S->key = NULL;
	free(key);
}

static enum suite_format
parse_format(const char *s)
{
	if (strcmp(s, "openspf") == 0)
		return FMT_OPENSPF;
	if (strcmp(s, "stalwart") == 0)
		return FMT_STALWART;
	if (strcmp(s, "libspf2") == 0)
		return FMT_LIBSPF2;
	usage();
	return FMT_AUTO;
}

/* Entries for the files just run that matched nothing: a typo or a test
 * that no longer exists.  Counted as failures. */
static void
check_unused(struct suite *S, char **keys, size_t nkeys)
{
	size_t i, k;

	for (i = 0; i < S->skips.n; i++) {
		const struct skip *s = &S->skips.v[i];

		for (k = 0; k < nkeys && strcmp(keys[k], s->file) != 0; k++)
			;
		if (k == nkeys || s->used)
			continue;
		printf("FAIL %s | skip list line %u matches no test: %s | %s\n",
		    s->file, s->line, s->scenario, s->id);
		S->failed++;
	}
}

/* Options into S; the suite paths are moved to the front of argv. */
static int
parse_args(struct suite *S, int argc, char **argv, enum suite_format *fmt,
    const char **skips)
{
	int i, nfiles = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			S->verbose = 1;
		} else if (strcmp(argv[i], "--dump-zone") == 0) {
			S->dump = 1;
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			*fmt = parse_format(argv[++i]);
		} else if (strcmp(argv[i], "--skips") == 0 && i + 1 < argc) {
			*skips = argv[++i];
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			if (S->nonly == SUITE_MAX_ONLY)
				usage();
			S->only[S->nonly++] = argv[++i];
		} else if (argv[i][0] == '-') {
			usage();
		} else {
			argv[nfiles++] = argv[i];
		}
	}
	if (nfiles == 0)
		usage();
	return nfiles;
}

int
main(int argc, char **argv)
{
	struct suite S;
	enum suite_format fmt = FMT_AUTO;
	const char *skips = tu_src_path("tests/conformance/spf-skips.tsv");
	char *skips_path, **keys;
	char err[512];
	int i, nfiles;

	memset(&S, 0, sizeof(S));
	nfiles = parse_args(&S, argc, argv, &fmt, &skips);
	skips_path = xstrdup(skips);
	if (skips_load(&S.skips, skips_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "spf_suite: %s: %s\n", skips_path, err);
		return 2;
	}
	keys = xmalloc((size_t)nfiles * sizeof(*keys));
	for (i = 0; i < nfiles; i++) {
		keys[i] = file_key(argv[i]);
		run_file(&S, fmt, argv[i]);
	}
	if (S.nonly == 0 && !S.dump)
		check_unused(&S, keys, (size_t)nfiles);
	if (!S.dump) {
		printf("%lu passed, %lu failed", S.passed, S.failed);
		if (S.skipped > 0)
			printf(", %lu skipped", S.skipped);
		putchar('\n');
	}
	for (i = 0; i < nfiles; i++)
		free(keys[i]);
	free(keys);
	free(skips_path);
	skips_free(&S.skips);
	return S.failed > 0 ? 1 : 0;
}
