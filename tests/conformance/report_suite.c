/*
 * report_suite.c - DMARC report parsing against public samples (see
 * report_suite.h).  Modes, one ctest each:
 *
 *   --summary     every file of rua-xml-summary.tsv: a well-formed one
 *                 must give one report whose schema (from the namespace),
 *                 version, org_name, report_id, dates, policy domain, p,
 *                 sp, pct, record count and sum of counts are the TSV's;
 *                 one marked not well-formed or empty must be refused.
 *                 Then the same report in several containers must parse
 *                 alike, and the indexes' notes on result words hold.
 *   --stalwart    Stalwart's aggregate samples (XML and e-mail) and ARF
 *                 samples against its expected parses (report_json.c).
 *   --parsedmarc  parsedmarc's report e-mails and failure reports, with
 *                 what parsedmarc/index.tsv states about them.
 *
 * report-skips.tsv (suite_skip.c format) names the samples whose outcome
 * was judged here, the mode that checks them, the outcome
 * checked instead ("refused" or "parsed") and why.  An entry that matches
 * nothing fails the run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_suite.h"
#include "testutil.h"

#define NS_DMARC2 "urn:ietf:params:xml:ns:dmarc-2.0"

void
failf(struct run *R, const char *file, const char *fmt, ...)
{
	va_list ap;

	R->fail++;
	printf("FAIL %s: ", file);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
load(const char *rel, struct got *g)
{
	size_t n;
	char *buf = tu_read_file(tu_corpus_path(rel), &n);

	if (buf == NULL)
		return -1;
	got_parse(g, buf, n);
	free(buf);
	return 0;
}

const char *
judged(struct run *R, const char *file, const char *group)
{
	const struct skip *s = skips_find(&R->skips, file, group, "refused");

	if (s == NULL)
		s = skips_find(&R->skips, file, group, "parsed");
	if (s == NULL)
		return NULL;
	R->judged++;
	printf("judged %s: %s (%s)\n", file, s->id, s->reason);
	return s->id;
}

int
refused(struct run *R, const char *file, const struct got *g)
{
	if (g->rc < 0 && g->rc != VOUCH_ENOMEM && g->err.msg[0] != '\0' &&
	    g->nreports == 0 && g->nfailures == 0) {
		printf("ok   %s: refused: %s\n", file, g->err.msg);
		return 1;
	}
	failf(R, file, "should be refused, got rc %s %s",
	    g->rc == 0 ? "0" : vouch_strerror(g->rc), g->err.msg);
	return 0;
}

static int
same_text(const char *want, const char *got)
{
	/* An empty TSV cell: the element is absent or empty. */
	if (want[0] == '\0')
		return got == NULL || got[0] == '\0';
	return got != NULL && strcmp(want, got) == 0;
}

static int
mismatch(struct run *R, const char *file, const char *what,
    const char *got, const char *want)
{
	failf(R, file, "%s '%s', want '%s'", what, got ? got : "(none)",
	    want);
	return 1;
}

/* Compare the TSV row f[] (columns of rua-xml-summary.tsv) with r. */
static int
check_row(struct run *R, char **f, const struct got_report *r)
{
	char got[64], want[64];
	int bad = 0;

	if ((strcmp(f[3], NS_DMARC2) == 0) !=
	    (r->schema == VOUCH_REPORT_RFC9990))
		bad |= mismatch(R, f[0], "schema for namespace", f[3],
		    r->schema == VOUCH_REPORT_RFC9990 ? "RFC9990" : "RFC7489");
	if (!same_text(f[4], r->version))
		bad |= mismatch(R, f[0], "version", r->version, f[4]);
	if (!same_text(f[5], r->org_name))
		bad |= mismatch(R, f[0], "org_name", r->org_name, f[5]);
	if (!same_text(f[6], r->report_id))
		bad |= mismatch(R, f[0], "report_id", r->report_id, f[6]);
	snprintf(got, sizeof(got), "%lld-%lld", (long long)r->begin,
	    (long long)r->end);
	snprintf(want, sizeof(want), "%lld-%lld",
	    (long long)strtod(f[7], NULL), (long long)strtod(f[8], NULL));
	if (strcmp(got, want) != 0)
		bad |= mismatch(R, f[0], "date range", got, want);
	if (!str_caseeq(f[9], r->domain))
		bad |= mismatch(R, f[0], "domain", r->domain, f[9]);
	if (strcmp(f[10], policy_word(r->p)) != 0)
		bad |= mismatch(R, f[0], "p", policy_word(r->p), f[10]);
	if (strcmp(f[11], policy_word(r->sp)) != 0)
		bad |= mismatch(R, f[0], "sp", policy_word(r->sp), f[11]);
	snprintf(got, sizeof(got), "%d", r->pct);
	if (strcmp(got, f[12][0] == '\0' ? "-1" : f[12]) != 0)
		bad |= mismatch(R, f[0], "pct", got, f[12]);
	snprintf(got, sizeof(got), "%zu/%llu", r->nrecords,
	    (unsigned long long)r->sum);
	snprintf(want, sizeof(want), "%s/%s", f[13], f[14]);
	if (strcmp(got, want) != 0 || !r->ended)
		bad |= mismatch(R, f[0], "records/sum of counts", got, want);
	return !bad;
}

static void
summary_row(struct run *R, char **f, size_t nf)
{
	struct got g;
	const char *j;
	int want_ok;

	if (nf < 15 || load(f[0], &g) != 0) {
		failf(R, f[0], "unreadable row or file");
		return;
	}
	j = judged(R, f[0], "summary");
	want_ok = j != NULL ? strcmp(j, "parsed") == 0 :
	    strcmp(f[2], "yes") == 0;
	if (!want_ok) {
		R->pass += refused(R, f[0], &g);
	} else if (g.rc != 0 || g.nreports != 1) {
		failf(R, f[0], "should parse as one report: %s %s",
		    vouch_strerror(g.rc), g.err.msg);
	} else if (j != NULL || check_row(R, f, &g.r[0])) {
		R->pass++;
		printf("ok   %s: %zu records\n", f[0], g.r[0].nrecords);
	}
	if (g.nreports == 1 && R->nfiles < MAX_FILES) {
		struct strbuf sb;

		sb_init(&sb);
		sb_printf(&sb, "%s\n%s", g.r[0].meta.p, g.r[0].records.p);
		R->file[R->nfiles] = xstrdup(f[0]);
		R->canon[R->nfiles++] = xstrdup(sb.p);
		sb_free(&sb);
	}
	got_free(&g);
}

static const char *
canon_of(struct run *R, const char *file)
{
	size_t i;

	for (i = 0; i < R->nfiles; i++)
		if (strcmp(R->file[i], file) == 0)
			return R->canon[i];
	return NULL;
}

/* The indexes: "extracts to nice-input.xml", "gunzips to test.xml and
 * parses to the same struct", "same report after unzip", and
 * changed-input "must NOT compare equal to nice-input.xml". */
static void
containers(struct run *R)
{
	static const char *const same[][2] = {
		{"parsedmarc/extract_report/nice-input.xml",
		 "parsedmarc/extract_report/nice-input.xml.gz"},
		{"parsedmarc/extract_report/nice-input.xml",
		 "parsedmarc/extract_report/nice-input.xml.zip"},
		{"dmarc-report-converter/testdata/test.xml",
		 "dmarc-report-converter/testdata/test.xml.gz"},
		{"dmarc-report-converter/testdata/test.xml",
		 "dmarc-report-converter/testdata/test.xml.gz.gz"},
		{"dmarc-report-converter/testdata/test.xml",
		 "dmarc-report-converter/testdata/test.xml.zip"},
		{"mail-dmarc-perl/t/fixtures/test_dmarc.xml",
		 "mail-dmarc-perl/t/fixtures/test_dmarc.xml.gz"},
		{"mail-dmarc-perl/t/fixtures/test_dmarc.xml",
		 "mail-dmarc-perl/t/fixtures/test_dmarc.xml.zip"},
	};
	const char *a, *b;
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		a = canon_of(R, same[i][0]);
		b = canon_of(R, same[i][1]);
		if (a == NULL || b == NULL || strcmp(a, b) != 0)
			failf(R, same[i][1], "differs from %s", same[i][0]);
		else
			R->pass++;
	}
	a = canon_of(R, "parsedmarc/extract_report/nice-input.xml");
	b = canon_of(R, "parsedmarc/extract_report/changed-input.xml");
	if (a == NULL || b == NULL || strcmp(a, b) == 0)
		failf(R, "changed-input.xml", "equals nice-input");
	else
		R->pass++;
}

/* Result words as the indexes state them. */
static void
words(struct run *R)
{
	static const struct {
		const char *file, *spf;
	} want[] = {
		/* dmarc-report-viewer index: upstream expected, in order */
		{"dmarc-report-viewer/dmarc-reports/invalid_casing.xml",
		 "none neutral pass fail fail softfail temperror permerror "},
		/* "HardFail"/"hardfail": upstream maps it to fail */
		{"dmarc-report-viewer/dmarc-reports/hardfail.xml", NULL},
		/* parsedmarc index: "result words lowercased" */
		{"parsedmarc/aggregate_invalid/"
		 "report_with_upper_cased_pass.xml", "pass "},
	};
	struct got g;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (load(want[i].file, &g) != 0 || g.nreports != 1) {
			failf(R, want[i].file, "does not parse");
			continue;
		}
		if ((want[i].spf != NULL && strcmp(g.r[0].spf_results.p,
		    want[i].spf) != 0) || strstr(g.r[0].spf_results.p,
		    "hardfail") != NULL || strstr(g.r[0].records.p, "Pass"))
			failf(R, want[i].file, "SPF results '%s'",
			    g.r[0].spf_results.p);
		else if (strstr(want[i].file, "upper") != NULL &&
		    strstr(g.r[0].records.p, "|none|pass|pass|") == NULL)
			failf(R, want[i].file, "record '%s'",
			    g.r[0].records.p);
		else
			R->pass++;
		got_free(&g);
	}
}

static void
run_summary(struct run *R)
{
	char *buf, *line, *next, *f[17];
	size_t nf, i;

	buf = tu_read_file(tu_corpus_path("rua-xml-summary.tsv"), NULL);
	if (buf == NULL) {
		failf(R, "rua-xml-summary.tsv", "unreadable");
		return;
	}
	for (line = strchr(buf, '\n'); line != NULL; line = next) {
		next = strchr(++line, '\n');
		if (next != NULL)
			*next = '\0';
		if (*line == '\0')
			continue;
		nf = tsv_split(line, f, 17);
		summary_row(R, f, nf);
	}
	free(buf);
	containers(R);
	words(R);
	for (i = 0; i < R->nfiles; i++) {
		free(R->file[i]);
		free(R->canon[i]);
	}
}

static void
unused_skips(struct run *R, const char *group)
{
	size_t i;

	for (i = 0; i < R->skips.n; i++)
		if (!R->skips.v[i].used &&
		    strcmp(R->skips.v[i].scenario, group) == 0)
			failf(R, R->skips.v[i].file, "report-skips.tsv entry "
			    "for %s matches no sample", group);
}

int
main(int argc, char **argv)
{
	struct run R;
	char err[256];
	const char *skips = NULL, *mode = NULL;
	int i;

	memset(&R, 0, sizeof(R));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--skips") == 0 && i + 1 < argc)
			skips = argv[++i];
		else
			mode = argv[i];
	}
	if (mode == NULL || (skips != NULL &&
	    skips_load(&R.skips, skips, err, sizeof(err)) != 0)) {
		fprintf(stderr, "usage: report_suite [--skips FILE] --summary|"
		    "--stalwart|--parsedmarc\n%s\n", skips ? err : "");
		return 2;
	}
	if (strcmp(mode, "--summary") == 0) {
		run_summary(&R);
		unused_skips(&R, "summary");
	} else if (strcmp(mode, "--stalwart") == 0) {
		run_stalwart(&R);
		unused_skips(&R, "stalwart");
	} else {
		run_parsedmarc(&R);
		unused_skips(&R, "parsedmarc");
	}
	printf("%s: %u ok (%u judged, see report-skips.tsv), %u failed\n",
	    mode + 2, R.pass, R.judged, R.fail);
	skips_free(&R.skips);
	return R.fail == 0 && R.pass > 0 ? 0 : 1;
}
