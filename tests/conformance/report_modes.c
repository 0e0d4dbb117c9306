/*
 * report_modes.c - the --stalwart and --parsedmarc runs (report_suite.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_suite.h"
#include "testutil.h"

#define STALWART "stalwart-mail-auth/"

static int
exists(const char *rel)
{
	FILE *f = fopen(tu_corpus_path(rel), "rb");

	if (f != NULL)
		fclose(f);
	return f != NULL;
}

static void
diff_lines(struct run *R, const char *file, const char *what,
    const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return;
	failf(R, file, "%s differs:\n  got  %s", what, got);
	printf("  want %s\n", want);
}

static void
stalwart_aggregate(struct run *R, const char *stem)
{
	char rel[512], why[256];
	struct strbuf meta, recs;
	struct got g;
	unsigned before = R->fail;

	sb_init(&meta);
	sb_init(&recs);
	snprintf(rel, sizeof(rel), STALWART "dmarc-feedback/%s.json", stem);
	if (json_aggregate(tu_corpus_path(rel), &meta, &recs, why,
	    sizeof(why)) != 0) {
		failf(R, rel, "%s", why);
		goto out;
	}
	snprintf(rel, sizeof(rel), STALWART "dmarc-feedback/%s.xml", stem);
	if (!exists(rel))
		snprintf(rel, sizeof(rel), STALWART "dmarc-feedback/%s.eml",
		    stem);
	if (load(rel, &g) != 0 || g.rc != 0 || g.nreports != 1) {
		failf(R, rel, "should parse as one report: %s", g.err.msg);
		got_free(&g);
		goto out;
	}
	diff_lines(R, rel, "metadata", g.r[0].meta.p, meta.p);
	if (judged(R, rel, "stalwart") == NULL)
		diff_lines(R, rel, "records", g.r[0].records.p, recs.p);
	if (R->fail == before) {
		R->pass++;
		printf("ok   %s: %zu records\n", rel, g.r[0].nrecords);
	}
	got_free(&g);
out:
	sb_free(&meta);
	sb_free(&recs);
}

static void
stalwart_arf(struct run *R, const char *stem)
{
	char rel[512], why[256], *headers = NULL;
	struct strbuf line;
	struct got g;
	long version;
	unsigned before = R->fail;

	sb_init(&line);
	snprintf(rel, sizeof(rel), STALWART "arf/%s.json", stem);
	if (json_failure(tu_corpus_path(rel), &line, &headers, &version, why,
	    sizeof(why)) != 0) {
		failf(R, rel, "%s", why);
		goto out;
	}
	snprintf(rel, sizeof(rel), STALWART "arf/%s.eml", stem);
	if (load(rel, &g) != 0 || g.rc != 0 || g.nfailures != 1) {
		failf(R, rel, "should parse as one failure report: %s",
		    g.err.msg);
		got_free(&g);
		goto out;
	}
	diff_lines(R, rel, "fields", g.f[0].line.p, line.p);
	/* Stalwart keeps only a text/rfc822-headers part as "headers". */
	if (headers != NULL)
		diff_lines(R, rel, "headers", g.f[0].headers ? g.f[0].headers :
		    "(none)", headers);
	if (g.f[0].version == NULL || atol(g.f[0].version) != version)
		failf(R, rel, "version %s", g.f[0].version ? g.f[0].version :
		    "(none)");
	if (R->fail == before) {
		R->pass++;
		printf("ok   %s\n", rel);
	}
	got_free(&g);
out:
	free(headers);
	sb_free(&line);
}

/* Each NAME.json in dir, sorted, with fn(stem). */
static void
each_json(struct run *R, const char *dir,
    void (*fn)(struct run *, const char *))
{
	struct dirent **ents;
	char stem[256];
	int i, n = scandir(tu_corpus_path(dir), &ents, NULL, alphasort);

	if (n < 0) {
		failf(R, dir, "cannot list");
		return;
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && len < sizeof(stem) &&
		    strcmp(ents[i]->d_name + len - 5, ".json") == 0) {
			memcpy(stem, ents[i]->d_name, len - 5);
			stem[len - 5] = '\0';
			fn(R, stem);
		}
		free(ents[i]);
	}
	free(ents);
}

/* Stalwart's own index says what each sample must parse to. */
void
run_stalwart(struct run *R)
{
	each_json(R, STALWART "dmarc-feedback", stalwart_aggregate);
	each_json(R, STALWART "arf", stalwart_arf);
}

/* "key = value" in an index expectation: value up to ';' or the end. */
static int
stated(const char *expect, const char *key, char *val, size_t len)
{
	const char *p = strstr(expect, key);
	size_t n;

	if (p == NULL)
		return 0;
	p += strlen(key);
	n = strcspn(p, ";");
	if (n >= len)
		n = len - 1;
	memcpy(val, p, n);
	val[n] = '\0';
	return 1;
}

static void
parsedmarc_row(struct run *R, const char *file, const char *kind,
    const char *expect)
{
	char rel[512], val[128];
	const char *j;
	struct got g;
	int rua = strcmp(kind, "rua-email") == 0;
	unsigned before = R->fail;

	snprintf(rel, sizeof(rel), "parsedmarc/%s", file);
	if (load(rel, &g) != 0) {
		failf(R, rel, "unreadable");
		return;
	}
	j = judged(R, rel, "parsedmarc");
	if (j != NULL && strcmp(j, "refused") == 0) {
		R->pass += refused(R, rel, &g);
	} else if (g.rc != 0 || (rua ? g.nreports : g.nfailures) == 0) {
		failf(R, rel, "should parse: %s", g.err.msg);
	} else {
		if (rua && stated(expect, "org_name = ", val, sizeof(val)) &&
		    !str_caseeq(val, g.r[0].org_name))
			failf(R, rel, "org_name %s, want %s", g.r[0].org_name,
			    val);
		if (!rua && strncmp(g.f[0].line.p, "auth-failure|", 13) != 0)
			failf(R, rel, "not an auth-failure report: %s",
			    g.f[0].line.p);
		if (R->fail == before) {
			R->pass++;
			printf("ok   %s\n", rel);
		}
	}
	got_free(&g);
}

/* The index: dmarc_ruf_report_linkedin.crlf.eml is the "same report with
 * CRLF line endings". */
static void
crlf_same(struct run *R)
{
	struct got a, b;
	const char *lf = "parsedmarc/failure/dmarc_ruf_report_linkedin.eml";

	if (load(lf, &a) != 0 || load("parsedmarc/failure/"
	    "dmarc_ruf_report_linkedin.crlf.eml", &b) != 0 ||
	    a.nfailures != 1 || b.nfailures != 1 ||
	    strcmp(a.f[0].line.p, b.f[0].line.p) != 0 ||
	    a.f[0].headers == NULL || b.f[0].headers == NULL ||
	    strcmp(a.f[0].headers, b.f[0].headers) != 0)
		failf(R, lf, "LF and CRLF copies differ");
	else
		R->pass++;
	got_free(&a);
	got_free(&b);
}

void
run_parsedmarc(struct run *R)
{
	char *buf, *line, *next, *f[4];
	size_t nf;

	buf = tu_read_file(tu_corpus_path("parsedmarc/index.tsv"), NULL);
	if (buf == NULL) {
		failf(R, "parsedmarc/index.tsv", "unreadable");
		return;
	}
	for (line = strchr(buf, '\n'); line != NULL; line = next) {
		next = strchr(++line, '\n');
		if (next != NULL)
			*next = '\0';
		nf = tsv_split(line, f, 4);
		if (nf >= 3 && (strcmp(f[1], "rua-email") == 0 ||
		    strncmp(f[1], "ruf-", 4) == 0))
			parsedmarc_row(R, f[0], f[1], f[2]);
	}
	free(buf);
	crlf_same(R);
}
