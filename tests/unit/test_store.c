/*
 * test_store.c - libvouch-store (vouch/store.h) on SQLite: real reports
 * from the corpora imported and read back against the numbers
 * rua-xml-summary.tsv states for them (records, sum of counts, dates,
 * reporter); duplicates, alone and racing from two processes; a report
 * failing part-way leaving nothing; hostile inputs (DTD, entities, gzip
 * bomb, SQL metacharacters, huge counts); migrations and a newer store
 * refused; the raw download; the PTR cache; filters; errors of the
 * location; every allocation failing in turn.  Expected values come from
 * the corpus files' own text and its summary table, never from running
 * the store.
 */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zlib.h>

#include <vouch/store.h>

#include "failalloc.h"
#include "testutil.h"

#define NOW 1800000000
#define S003 "stalwart-mail-auth/dmarc-feedback/003.xml"
#define R9990 "parsedmarc/aggregate/" \
	"rfc9990-example.net!example.com!1700000000!1700086399.xml"
#define OUTLOOK "dmarc-report-viewer/dmarc-reports/outlook.xml"
#define RUF "parsedmarc/failure/dmarc_ruf_report_linkedin.eml"
#define LARGE "parsedmarc/aggregate/" \
	"!large-example.com!1711897200!1711983600.xml"

/* ---- fixture: a fresh store in a temporary folder --------------------- */

struct fx {
	char dir[64];
	char path[128];
	struct vouch_store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vouch_error err;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vouch-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	if (vouch_store_open(f->path, &f->s, &err) != 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	vouch_store_close(f->s);
	tu_remove_dir(f->dir);
	free(f);
	return 0;
}

/* A second store file in the fixture's folder. */
static const char *
side_path(struct fx *f, const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return p;
}

/* ---- helpers ---------------------------------------------------------- */

static char *
corpus(const char *rel, size_t *len)
{
	char *p = tu_read_file(tu_corpus_path(rel), len);

	if (p == NULL)
		fail_msg("cannot read %s", tu_corpus_path(rel));
	return p;
}

static int
import(struct vouch_store *s, const void *p, size_t n,
    struct vouch_store_import_result *res, struct vouch_error *err)
{
	return vouch_store_import(s, p, n, "test", NULL, NOW, res, err);
}

static int
import_corpus(struct vouch_store *s, const char *rel,
    struct vouch_store_import_result *res, struct vouch_error *err)
{
	size_t n;
	char *p = corpus(rel, &n);
	int rc = vouch_store_import(s, p, n, rel, NULL, NOW, res, err);

	free(p);
	return rc;
}

/* Rows of a table, read with SQLite itself. */
static long long
rows_in(const char *path, const char *table)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char sql[128];
	long long n = -1;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM \"%s\"", table);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* Rows in every table but schema_version. */
static long long
all_rows(const char *path)
{
	static const char *const tables[] = {"raw_inputs", "reports",
	    "report_errors", "records", "record_extra", "failures",
	    "ptr_cache"};
	long long n = 0;
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		n += rows_in(path, tables[i]);
	return n;
}

static void
exec_sql(const char *path, const char *sql)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* ---- collecting callbacks --------------------------------------------- */

#define MAXC 64

struct col {
	size_t n;
	struct vouch_store_summary sum[MAXC];
	char domain[MAXC][128];
	char org0[MAXC][128];	/* the first reporter */
	uint64_t msgs;		/* rows: sum of counts */
	char text[8192];	/* rows/sources/failures: a trace */
	int stop_at;		/* return 7 on this call (1-based) */
};

static int
on_sum(void *arg, const struct vouch_store_summary *m)
{
	struct col *c = arg;
	size_t i;

	tu_append(c->text, sizeof(c->text), "%s %lld-%lld r%llu m%llu dp%llu "
	    "sa%llu da%llu n%llu q%llu r%llu p%llu |", m->domain,
	    (long long)m->first, (long long)m->last,
	    (unsigned long long)m->reports, (unsigned long long)m->messages,
	    (unsigned long long)m->dmarc_pass,
	    (unsigned long long)m->spf_aligned,
	    (unsigned long long)m->dkim_aligned,
	    (unsigned long long)m->disp_none,
	    (unsigned long long)m->disp_quarantine,
	    (unsigned long long)m->disp_reject,
	    (unsigned long long)m->disp_pass);
	for (i = 0; i < m->nreporters; i++)
		tu_append(c->text, sizeof(c->text), " %s/%llu/%llu",
		    m->reporters[i].org_name,
		    (unsigned long long)m->reporters[i].reports,
		    (unsigned long long)m->reporters[i].messages);
	tu_append(c->text, sizeof(c->text), "\n");
	if (c->n < MAXC) {
		c->sum[c->n] = *m;
		snprintf(c->domain[c->n], sizeof(c->domain[0]), "%s",
		    m->domain);
		snprintf(c->org0[c->n], sizeof(c->org0[0]), "%s",
		    m->nreporters > 0 ? m->reporters[0].org_name : "-");
	}
	c->n++;
	return c->stop_at != 0 && (int)c->n == c->stop_at ? 7 : 0;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "~";
}

static int
on_row(void *arg, const struct vouch_store_row *r)
{
	struct col *c = arg;
	size_t i;

	c->n++;
	c->msgs += r->count;
	tu_append(c->text, sizeof(c->text), "%s|%s|%s|%s|%llu|%s|%s|%s|%s|",
	    nz(r->org_name), nz(r->report_id), nz(r->domain), nz(r->ip),
	    (unsigned long long)r->count, nz(r->disposition), nz(r->dkim),
	    nz(r->spf), nz(r->reasons));
	tu_append(c->text, sizeof(c->text), "%s|%s|%s|p%d%d%d|a%d%d|",
	    nz(r->header_from), nz(r->envelope_from), nz(r->envelope_to),
	    r->p, r->sp, r->np, r->adkim_strict, r->aspf_strict);
	for (i = 0; i < r->ndkim; i++)
		tu_append(c->text, sizeof(c->text), "d:%s/%s/%s/%s|",
		    nz(r->dkim_results[i].domain),
		    nz(r->dkim_results[i].selector),
		    nz(r->dkim_results[i].result),
		    nz(r->dkim_results[i].human_result));
	for (i = 0; i < r->nspf; i++)
		tu_append(c->text, sizeof(c->text), "s:%s/%s/%s|",
		    nz(r->spf_results[i].domain), nz(r->spf_results[i].scope),
		    nz(r->spf_results[i].result));
	tu_append(c->text, sizeof(c->text), "\n");
	return c->stop_at != 0 && (int)c->n == c->stop_at ? 7 : 0;
}

static void
authdoms(struct col *c, const char *tag, const struct vouch_store_authdom *d,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tu_append(c->text, sizeof(c->text), " %s:%s=%llu/%llu", tag,
		    d[i].domain, (unsigned long long)d[i].messages,
		    (unsigned long long)d[i].pass);
}

static int
on_source(void *arg, const struct vouch_store_source *s)
{
	struct col *c = arg;

	c->n++;
	tu_append(c->text, sizeof(c->text), "%s m%llu dp%llu sa%llu da%llu "
	    "sp%llu dkp%llu f%llu q%llu r%llu", s->ip,
	    (unsigned long long)s->messages,
	    (unsigned long long)s->dmarc_pass,
	    (unsigned long long)s->spf_aligned,
	    (unsigned long long)s->dkim_aligned,
	    (unsigned long long)s->spf_pass, (unsigned long long)s->dkim_pass,
	    (unsigned long long)s->forwarded,
	    (unsigned long long)s->disp_quarantine,
	    (unsigned long long)s->disp_reject);
	authdoms(c, "h", s->header_from, s->nheader_from);
	authdoms(c, "s", s->spf_domains, s->nspf_domains);
	authdoms(c, "d", s->dkim_domains, s->ndkim_domains);
	tu_append(c->text, sizeof(c->text), "\n");
	return c->stop_at != 0 && (int)c->n == c->stop_at ? 7 : 0;
}

static int
on_failure(void *arg, const struct vouch_store_failure *fr)
{
	struct col *c = arg;
	const struct vouch_report_failure *f = fr->f;
	char ip[64] = "-";

	c->n++;
	if (f->source_ip.family != 0)
		vouch_ip_format(&f->source_ip, ip, sizeof(ip));
	tu_append(c->text, sizeof(c->text), "%lld|%s|%s|%s|%s|%s|%s|%s|%s|"
	    "%lld|%s|%zu\n", (long long)fr->imported, nz(fr->source),
	    nz(f->feedback_type), nz(f->user_agent), nz(f->version),
	    nz(f->auth_failure), nz(f->original_rcpt_to),
	    nz(f->reported_domain), nz(f->delivery_result),
	    (long long)f->arrival_date, ip, f->headers_len);
	return 0;
}

/* ---- open, migrations, locations -------------------------------------- */

static void
test_open_migrate(void **state)
{
	struct fx *f = *state;
	struct vouch_store *s2;
	struct vouch_error err;

	assert_string_equal(vouch_store_backend(f->s), "sqlite");
	assert_int_equal(vouch_store_schema_version(f->s), 1);
	assert_int_equal(rows_in(f->path, "schema_version"), 1);
	/* A second open finds the store current and changes nothing. */
	assert_int_equal(vouch_store_open(f->path, &s2, &err), 0);
	assert_int_equal(vouch_store_schema_version(s2), 1);
	vouch_store_close(s2);
	assert_int_equal(rows_in(f->path, "schema_version"), 1);
	assert_int_equal(all_rows(f->path), 0);
}

static void
test_newer_refused(void **state)
{
	struct fx *f = *state;
	struct vouch_store *s2;
	struct vouch_error err;

	exec_sql(f->path, "INSERT INTO schema_version (version, applied) "
	    "VALUES (7, 0)");
	assert_int_equal(vouch_store_open(f->path, &s2, &err),
	    VOUCH_EUNSUPPORTED);
	assert_null(s2);
	assert_non_null(strstr(err.msg, "schema version 7"));
	assert_non_null(strstr(err.msg, "newer"));
}

/* Opening p fails with code, and the message names the path. */
static void
open_fails(const char *p, int code, const char *says)
{
	struct vouch_store *s;
	struct vouch_error err;

	assert_int_equal(vouch_store_open(p, &s, &err), code);
	assert_null(s);
	if (strstr(err.msg, says) == NULL)
		fail_msg("open %s: '%s' lacks '%s'", p, err.msg, says);
}

static void
test_locations(void **state)
{
	struct fx *f = *state;
	char p[700], file[600], ro[128];
	FILE *fp;
	int i;

	snprintf(p, sizeof(p), "%s/no-such-folder/s.db", f->dir);
	open_fails(p, VOUCH_EIO, p);
	/* A folder that is a regular file. */
	snprintf(file, sizeof(file), "%s/plain", f->dir);
	assert_non_null(fp = fopen(file, "w"));
	for (i = 0; i < 200; i++)
		fputs("this is a text file, not an SQLite database\n", fp);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/s.db", file);
	open_fails(p, VOUCH_EIO, p);
	/* A file that is not a database. */
	open_fails(file, VOUCH_EIO, "not a database");
	open_fails(f->dir, VOUCH_EIO, f->dir);
	open_fails("", VOUCH_EINVAL, "location");
	/* Root writes anywhere; others are stopped by a read-only folder. */
	if (geteuid() != 0) {
		snprintf(ro, sizeof(ro), "%s/ro", f->dir);
		assert_int_equal(mkdir(ro, 0500), 0);
		snprintf(file, sizeof(file), "%s/s.db", ro);
		open_fails(file, VOUCH_EIO, file);
	}
}

/* ---- the corpus against rua-xml-summary.tsv ---------------------------- */

struct tsv_row {
	char file[256], org[128], rid[128], domain[128];
	int64_t begin, end;
	uint64_t records, sum;
};

/* Fields of one TAB-separated line (in place). */
static size_t
split_tabs(char *line, char **fld, size_t max)
{
	size_t n = 0;

	fld[n++] = line;
	for (; *line != '\0' && n < max; line++)
		if (*line == '\t') {
			*line = '\0';
			fld[n++] = line + 1;
		}
	return n;
}

/* Samples the conformance suite judges refused (report-skips.tsv). */
static int
refused(const char *file)
{
	char *skips = tu_read_file(tu_src_path(
	    "tests/conformance/report-skips.tsv"), NULL);
	char *line, *next, *fld[4];
	int r = 0;

	assert_non_null(skips);
	for (line = skips; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] != '#' && split_tabs(line, fld, 4) == 4 &&
		    strcmp(fld[0], file) == 0 &&
		    strcmp(fld[1], "summary") == 0 &&
		    strcmp(fld[2], "refused") == 0)
			r = 1;
	}
	free(skips);
	return r;
}

/* The well-formed aggregate samples of the summary table. */
static size_t
tsv_rows(struct tsv_row *rows, size_t max)
{
	char *tsv = tu_read_file(tu_corpus_path("rua-xml-summary.tsv"), NULL);
	char *line, *next, *fld[16];
	size_t n = 0, i;

	assert_non_null(tsv);
	line = strchr(tsv, '\n') + 1;		/* the heading */
	for (; *line != '\0' && n < max; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (split_tabs(line, fld, 16) < 15 ||
		    strcmp(fld[2], "yes") != 0 || refused(fld[0]))
			continue;
		snprintf(rows[n].file, sizeof(rows[n].file), "%s", fld[0]);
		snprintf(rows[n].org, sizeof(rows[n].org), "%s", fld[5]);
		snprintf(rows[n].rid, sizeof(rows[n].rid), "%s", fld[6]);
		snprintf(rows[n].domain, sizeof(rows[n].domain), "%s", fld[9]);
		for (i = 0; rows[n].domain[i] != '\0'; i++)
			rows[n].domain[i] = (char)tolower(
			    (unsigned char)rows[n].domain[i]);
		rows[n].begin = (int64_t)strtod(fld[7], NULL);
		rows[n].end = (int64_t)strtod(fld[8], NULL);
		rows[n].records = strtoull(fld[13], NULL, 10);
		rows[n].sum = strtoull(fld[14], NULL, 10);
		n++;
	}
	free(tsv);
	return n;
}

static void
check_one_sample(struct fx *f, const struct tsv_row *t, size_t k)
{
	struct vouch_store *s;
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct col c;
	char name[32];

	snprintf(name, sizeof(name), "tsv%zu.db", k);
	assert_int_equal(vouch_store_open(side_path(f, name), &s, &err), 0);
	if (import_corpus(s, t->file, &res, &err) != 0)
		fail_msg("%s: %s", t->file, err.msg);
	assert_int_equal(res.reports, 1);
	assert_int_equal(res.duplicates, 0);
	assert_int_equal(res.records, t->records);
	assert_int_equal(res.messages, t->sum);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_summary(s, NULL, on_sum, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.domain[0], t->domain);
	assert_int_equal(c.sum[0].reports, 1);
	assert_int_equal(c.sum[0].messages, t->sum);
	assert_int_equal(c.sum[0].first, t->begin);
	assert_int_equal(c.sum[0].last, t->end);
	assert_int_equal(c.sum[0].nreporters, 1);
	assert_string_equal(c.org0[0], t->org);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_rows(s, NULL, on_row, &c, &err), 0);
	assert_int_equal(c.n, t->records);
	assert_int_equal(c.msgs, t->sum);
	vouch_store_close(s);
}

static void
test_corpus_summary(void **state)
{
	struct fx *f = *state;
	static struct tsv_row t[64];
	struct vouch_store_import_result res;
	struct vouch_error err;
	size_t n = tsv_rows(t, 64), i, j, stored = 0, dups = 0;
	uint64_t want;
	struct col c;

	assert_true(n >= 40);
	for (i = 0; i < n; i++)
		check_one_sample(f, &t[i], i);
	/* All of them in one store: a (reporter, report id) seen before is
	 * a duplicate and the first one stays. */
	for (i = 0; i < n; i++) {
		assert_int_equal(import_corpus(f->s, t[i].file, &res, &err), 0);
		for (j = 0; j < i; j++)
			if (strcmp(t[j].org, t[i].org) == 0 &&
			    strcmp(t[j].rid, t[i].rid) == 0)
				break;
		t[i].records = j < i ? 0 : t[i].records;
		assert_int_equal(res.duplicates, j < i);
		assert_int_equal(res.reports, j == i);
		stored += j == i;
		dups += j < i;
		if (j < i)
			t[i].sum = 0;
	}
	assert_true(dups >= 5);
	assert_int_equal(rows_in(f->path, "reports"), stored);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_summary(f->s, NULL, on_sum, &c, &err), 0);
	assert_true(c.n > 5 && c.n < MAXC);
	for (i = 0; i < c.n; i++) {
		if (i > 0)
			assert_true(strcmp(c.domain[i - 1], c.domain[i]) < 0);
		for (want = 0, j = 0; j < n; j++)
			if (strcmp(t[j].domain, c.domain[i]) == 0)
				want += t[j].sum;
		assert_int_equal(c.sum[i].messages, want);
	}
}

/*
 * The store writes its WAL through its own VFS, one write() per frame
 * (store_sqlite_vfs.c).  While the store at path is still open, with
 * commits not yet checkpointed, the WAL must be whole frames after its
 * 32-byte header (SQLite's file format: a 24-byte header and a page
 * each), at least min of them, and SQLite's own default VFS must find
 * the database intact reading through it.
 */
static void
check_wal(const char *path, long long min)
{
	char wal[160], ok[32] = "";
	struct stat sb;
	sqlite3_stmt *st;
	sqlite3 *h;
	long long page;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA page_size", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	page = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_true(sb.st_size >= 32 + min * (24 + page));
	assert_int_equal((sb.st_size - 32) % (24 + page), 0);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(ok, sizeof(ok), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_string_equal(ok, "ok");
}

static void
test_wal_frames(void **state)
{
	struct fx *f = *state;
	static struct tsv_row t[64];
	struct vouch_store_import_result res;
	struct vouch_error err;
	size_t n = tsv_rows(t, 64), i, stored = 0;

	for (i = 0; i < n; i++) {
		(void)import_corpus(f->s, t[i].file, &res, &err);
		stored += res.reports;
	}
	check_wal(f->path, 10);
	assert_true(stored >= 20);
	assert_int_equal(rows_in(f->path, "reports"), stored);
}

/* ---- what is read back ------------------------------------------------ */

#define FM "Fastmail Pty Ltd|758848224|stalw.art|"
#define TB "|none|fail|fail|trusted_forwarder|stalw.art|" \
	"jmap.bounce.topicbox.com|~|p110|a-1-1|" \
	"d:jmap.topicbox.com/dkim-1/pass/pass|" \
	"s:jmap.bounce.topicbox.com/mfrom/pass|\n"

/* stalwart 003.xml as its text says, in document order. */
static const char rows_003[] =
    FM "64.147.108.117|3" TB
    FM "173.228.157.66|4" TB
    FM "64.147.108.173|1" TB
    FM "54.240.8.13|1|none|pass|fail|~|stalw.art|amazonses.com|~|p110|"
    "a-1-1|d:stalw.art/kvoujh5guu2jpweurhpt2ioscpkpukc3/pass/pass|"
    "d:amazonses.com/6gbrjpgwjskckoa6a5zn6fwqkn67xbtw/pass/pass|"
    "s:amazonses.com/mfrom/pass|\n";

static const char rows_9990[] =
    "example.net|dmarcbis-test-report-001|example.com|198.51.100.1|5|none|"
    "pass|pass|~|example.com|example.com|~|p323|a11|"
    "d:example.com/selector1/pass/~|s:example.com/mfrom/pass|\n"
    "example.net|dmarcbis-test-report-001|example.com|203.0.113.10|2|"
    "reject|fail|fail|other|example.com|spoofed.example.com|~|p323|a11|"
    "s:spoofed.example.com/mfrom/fail|\n";

/* Per IP, by messages then IP text; the trusted_forwarder reason makes
 * the jmap lines forwarded; 54.240.8.13 has two DKIM domains. */
static const char sources_all[] =
    "198.51.100.1 m5 dp5 sa5 da5 sp5 dkp5 f0 q0 r0 h:example.com=5/0 "
    "s:example.com=5/5 d:example.com=5/5\n"
    "173.228.157.66 m4 dp0 sa0 da0 sp4 dkp4 f4 q0 r0 h:stalw.art=4/0 "
    "s:jmap.bounce.topicbox.com=4/4 d:jmap.topicbox.com=4/4\n"
    "1.2.3.4 m3 dp3 sa3 da3 sp3 dkp3 f0 q0 r0 h:random.net=3/0 "
    "s:random.net=3/3 d:random.net=3/3\n"
    "64.147.108.117 m3 dp0 sa0 da0 sp3 dkp3 f3 q0 r0 h:stalw.art=3/0 "
    "s:jmap.bounce.topicbox.com=3/3 d:jmap.topicbox.com=3/3\n"
    "203.0.113.10 m2 dp0 sa0 da0 sp0 dkp0 f0 q0 r2 h:example.com=2/0 "
    "s:spoofed.example.com=2/0\n"
    "54.240.8.13 m1 dp1 sa0 da1 sp1 dkp1 f0 q0 r0 h:stalw.art=1/0 "
    "s:amazonses.com=1/1 d:amazonses.com=1/1 d:stalw.art=1/1\n"
    "64.147.108.173 m1 dp0 sa0 da0 sp1 dkp1 f1 q0 r0 h:stalw.art=1/0 "
    "s:jmap.bounce.topicbox.com=1/1 d:jmap.topicbox.com=1/1\n";

/* Per domain in domain order; dmarc_pass is DKIM or SPF aligned. */
static const char summary_all[] =
    "example.com 1700000000-1700086399 r1 m7 dp5 sa5 da5 n5 q0 r2 p0 | "
    "example.net/1/7\n"
    "random.net 1709683200-1709769600 r1 m3 dp3 sa3 da3 n3 q0 r0 p0 | "
    "Outlook.com/1/3\n"
    "stalw.art 1667347200-1667433599 r1 m9 dp1 sa0 da1 n9 q0 r0 p0 | "
    "Fastmail Pty Ltd/1/9\n";

static void
import3(struct fx *f)
{
	struct vouch_store_import_result res;
	struct vouch_error err;

	assert_int_equal(import_corpus(f->s, R9990, &res, &err), 0);
	assert_int_equal(import_corpus(f->s, S003, &res, &err), 0);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.messages, 9);
	assert_int_equal(import_corpus(f->s, OUTLOOK, &res, &err), 0);
}

static void
test_read_back(void **state)
{
	struct fx *f = *state;
	struct vouch_error err;
	struct col c;

	import3(f);
	/* Three commented reasons and one second DKIM result. */
	assert_int_equal(rows_in(f->path, "record_extra"), 3 + 1 + 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_summary(f->s, NULL, on_sum, &c, &err), 0);
	assert_string_equal(c.text, summary_all);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_sources(f->s, NULL, on_source, &c, &err),
	    0);
	assert_string_equal(c.text, sources_all);
	memset(&c, 0, sizeof(c));
	/* stalwart's report began first (2022), then RFC 9990's (2023). */
	assert_int_equal(vouch_store_rows(f->s, &(struct vouch_store_filter){
	    .until = 1700000001}, on_row, &c, &err), 0);
	assert_int_equal(c.n, 6);
	assert_non_null(strstr(c.text, rows_003));
	assert_string_equal(c.text + strlen(rows_003), rows_9990);
}

static void
test_callback_stops(void **state)
{
	struct fx *f = *state;
	struct vouch_error err;
	struct col c;

	import3(f);
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(vouch_store_summary(f->s, NULL, on_sum, &c, &err), 7);
	assert_int_equal(c.n, 2);
	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	assert_int_equal(vouch_store_rows(f->s, NULL, on_row, &c, &err), 7);
	assert_int_equal(c.n, 3);
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	assert_int_equal(vouch_store_sources(f->s, NULL, on_source, &c, &err),
	    7);
	assert_int_equal(c.n, 1);
	/* The store goes on working after a stopped query. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_rows(f->s, NULL, on_row, &c, &err), 0);
	assert_int_equal(c.n, 8);
}

static void
test_report_errors(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;

	assert_int_equal(import_corpus(f->s, "dmarc-report-viewer/"
	    "dmarc-reports/acme.xml", &res, &err), 0);
	assert_int_equal(rows_in(f->path, "report_errors"), 1);
	assert_int_equal(rows_in(f->path, "raw_inputs"), 1);
}

/* ---- duplicates and partial failures ---------------------------------- */

static void
test_duplicates(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;
	static const char *const same[] = {
	    "parsedmarc/extract_report/nice-input.xml",
	    "parsedmarc/extract_report/nice-input.xml.gz",
	    "parsedmarc/extract_report/nice-input.xml.zip"};
	size_t i;

	assert_int_equal(import_corpus(f->s, R9990, &res, &err), 0);
	assert_int_equal(res.reports, 1);
	assert_int_equal(import_corpus(f->s, R9990, &res, &err), 0);
	assert_int_equal(res.reports, 0);
	assert_int_equal(res.duplicates, 1);
	assert_int_equal(res.records, 0);
	assert_int_equal(res.messages, 0);
	/* One report in three containers: stored once. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(import_corpus(f->s, same[i], &res, &err), 0);
		assert_int_equal(res.reports, i == 0);
		assert_int_equal(res.duplicates, i != 0);
	}
	assert_int_equal(rows_in(f->path, "reports"), 2);
	assert_int_equal(rows_in(f->path, "records"), 2 + 20);
	assert_int_equal(rows_in(f->path, "raw_inputs"), 2);
}

/* stalwart 003.xml with its third record's address broken. */
static char *
bad_003(void)
{
	size_t n;
	char *x = corpus(S003, &n), *bad;

	bad = tu_replace(x, "64.147.108.173", "64.147.108.999");
	free(x);
	return bad;
}

/* Importing in stops at bad_003()'s record. */
static void
import_bad(struct fx *f, const char *in, struct vouch_store_import_result *res)
{
	struct vouch_error err;

	assert_int_equal(import(f->s, in, strlen(in), res, &err),
	    VOUCH_ESYNTAX);
	if (strstr(err.msg, "record 2") == NULL)
		fail_msg("'%s' does not name record 2", err.msg);
}

static void
test_bad_third_record(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;
	char *bad = bad_003();

	import_bad(f, bad, &res);
	assert_int_equal(res.reports, 0);
	assert_int_equal(res.records, 0);
	assert_int_equal(all_rows(f->path), 0);
	free(bad);
	/* The next input is stored normally. */
	assert_int_equal(import_corpus(f->s, S003, &res, &err), 0);
	assert_int_equal(res.records, 4);
}

static void
test_earlier_reports_stay(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;
	size_t n;
	char *good = corpus(R9990, &n), *bad = bad_003();
	char *ok = corpus(S003, &n);
	char *m = tu_report_mail(good, bad);
	struct vouch_store *s2;
	void *r1, *r2;
	size_t l1, l2;

	import_bad(f, m, &res);
	assert_int_equal(res.reports, 1);
	assert_int_equal(res.records, 2);
	assert_int_equal(rows_in(f->path, "reports"), 1);
	assert_int_equal(rows_in(f->path, "records"), 2);
	assert_int_equal(rows_in(f->path, "raw_inputs"), 1);
	free(m);
	/* The bad one mended: stored now, the good one a duplicate. */
	m = tu_report_mail(ok, good);
	assert_int_equal(import(f->s, m, strlen(m), &res, &err), 0);
	assert_int_equal(res.reports, 1);
	assert_int_equal(res.duplicates, 1);
	assert_int_equal(rows_in(f->path, "raw_inputs"), 2);
	free(m);
	/* Two reports of one input share its one raw copy. */
	m = tu_report_mail(good, ok);
	assert_int_equal(vouch_store_open(side_path(f, "two.db"), &s2, &err),
	    0);
	assert_int_equal(import(s2, m, strlen(m), &res, &err), 0);
	assert_int_equal(res.reports, 2);
	assert_int_equal(rows_in(side_path(f, "two.db"), "raw_inputs"), 1);
	assert_int_equal(vouch_store_raw(s2, "Fastmail Pty Ltd", "758848224",
	    &r1, &l1, &err), 0);
	assert_int_equal(vouch_store_raw(s2, "example.net",
	    "dmarcbis-test-report-001", &r2, &l2, &err), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(r1, r2, l1);
	vouch_store_close(s2);
	free(r1);
	free(r2);
	free(m);
	free(good);
	free(bad);
	free(ok);
}

/* The database refusing a write (a trigger standing in for a full disk)
 * in the second report of an e-mail: the first stays. */
static void
test_db_failure(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;
	size_t n;
	char *good = corpus(R9990, &n), *ok = corpus(S003, &n);
	char *m = tu_report_mail(good, ok);

	exec_sql(f->path, "CREATE TRIGGER full BEFORE INSERT ON records "
	    "WHEN NEW.ip = '64.147.108.173' BEGIN "
	    "SELECT RAISE(ABORT, 'disk on fire'); END");
	assert_int_equal(import(f->s, m, strlen(m), &res, &err), VOUCH_EIO);
	assert_non_null(strstr(err.msg, "disk on fire"));
	assert_non_null(strstr(err.msg, "report 2 of the input, record 2"));
	assert_int_equal(res.reports, 1);
	assert_int_equal(rows_in(f->path, "reports"), 1);
	assert_int_equal(rows_in(f->path, "records"), 2);
	assert_int_equal(rows_in(f->path, "record_extra"), 1);
	exec_sql(f->path, "DROP TRIGGER full; CREATE TRIGGER full BEFORE "
	    "INSERT ON raw_inputs BEGIN SELECT RAISE(ABORT, 'no room'); END");
	assert_int_equal(import_corpus(f->s, S003, &res, &err), VOUCH_EIO);
	assert_non_null(strstr(err.msg, "no room"));
	assert_int_equal(rows_in(f->path, "reports"), 1);
	exec_sql(f->path, "DROP TRIGGER full");
	assert_int_equal(import(f->s, m, strlen(m), &res, &err), 0);
	assert_int_equal(res.reports, 1);
	assert_int_equal(res.duplicates, 1);
	free(m);
	free(good);
	free(ok);
}

/* ---- hostile input ----------------------------------------------------- */

#define XHEAD "<?xml version=\"1.0\"?>"
#define XMETA(org, id) "<feedback><report_metadata><org_name>" org \
	"</org_name><email>a@example.net</email><report_id>" id \
	"</report_id><date_range><begin>1700000000</begin><end>1700086399" \
	"</end></date_range></report_metadata><policy_published><domain>" \
	"example.com</domain><p>none</p></policy_published>"
#define XREC(count, eto, spf) "<record><row><source_ip>192.0.2.1" \
	"</source_ip><count>" count "</count><policy_evaluated><disposition>" \
	"none</disposition><dkim>fail</dkim><spf>fail</spf>" \
	"</policy_evaluated></row><identifiers><envelope_to>" eto \
	"</envelope_to><header_from>example.com</header_from></identifiers>" \
	"<auth_results><spf><domain>" spf "</domain><result>fail</result>" \
	"</spf></auth_results></record>"

static void
refused_cleanly(struct fx *f, const char *xml, size_t n, int code,
    const char *says)
{
	struct vouch_store_import_result res;
	struct vouch_error err;

	assert_int_equal(import(f->s, xml, n, &res, &err), code);
	if (strstr(err.msg, says) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, says);
	assert_int_equal(res.reports + res.failures + res.duplicates, 0);
	assert_int_equal(all_rows(f->path), 0);
}

static void
test_hostile_xml(void **state)
{
	struct fx *f = *state;
	static const char laughs[] = XHEAD "<!DOCTYPE feedback [<!ENTITY a "
	    "\"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
	    XMETA("&b;", "r1") XREC("1", "x", "x") "</feedback>";
	static const char external[] = XHEAD "<!DOCTYPE feedback SYSTEM "
	    "\"file:///etc/passwd\">" XMETA("o", "r1") XREC("1", "x", "x")
	    "</feedback>";
	static const char over[] = XHEAD XMETA("o", "r1") XREC("1", "x", "x")
	    XREC("4294967297", "x", "x") "</feedback>";

	refused_cleanly(f, laughs, strlen(laughs), VOUCH_ESYNTAX, "");
	refused_cleanly(f, external, strlen(external), VOUCH_ESYNTAX, "");
	/* A count the sums could not carry refuses its report. */
	refused_cleanly(f, over, strlen(over), VOUCH_ELIMIT, "record 1");
	refused_cleanly(f, "hello", 5, VOUCH_EUNSUPPORTED, "");
}

static void
test_count_at_limit(void **state)
{
	struct fx *f = *state;
	static const char at[] = XHEAD XMETA("o", "r1")
	    XREC("4294967296", "x", "x") XREC("4294967296", "x", "x")
	    "</feedback>";
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct col c;

	assert_int_equal(import(f->s, at, strlen(at), &res, &err), 0);
	assert_int_equal(res.messages, 2 * 4294967296ull);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_summary(f->s, NULL, on_sum, &c, &err), 0);
	assert_int_equal(c.sum[0].messages, 2 * 4294967296ull);
}

static void
test_no_records(void **state)
{
	struct fx *f = *state;
	static const char none[] = XHEAD XMETA("o", "r0") "</feedback>";
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct col c;

	assert_int_equal(import(f->s, none, strlen(none), &res, &err), 0);
	assert_int_equal(res.reports, 1);
	assert_int_equal(res.records, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_summary(f->s, NULL, on_sum, &c, &err), 0);
	assert_string_equal(c.text, "example.com 1700000000-1700086399 r1 m0 "
	    "dp0 sa0 da0 n0 q0 r0 p0 | o/1/0\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_rows(f->s, NULL, on_row, &c, &err), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(vouch_store_import(f->s, NULL, 3, "x", NULL, NOW, &res,
	    &err), VOUCH_EINVAL);
}

#define XREASON(ip, count, reasons) "<record><row><source_ip>" ip \
	"</source_ip><count>" count "</count><policy_evaluated><disposition>" \
	"none</disposition><dkim>fail</dkim><spf>fail</spf>" reasons \
	"</policy_evaluated></row><identifiers><header_from>example.com" \
	"</header_from></identifiers><auth_results><spf><domain>example.com" \
	"</domain><result>pass</result></spf></auth_results></record>"

/* vouch_store_source's forwarded: a forwarding reason type, or a reason
 * comment saying arc=pass in any case. */
static void
test_forwarded(void **state)
{
	struct fx *f = *state;
	static const char xml[] = XHEAD XMETA("o", "fw")
	    XREASON("192.0.2.1", "2", "<reason><type>local_policy</type>"
	    "<comment>ARC=Pass i=1</comment></reason>")
	    XREASON("192.0.2.1", "3", "<reason><type>mailing_list</type>"
	    "</reason><reason><type>sampled_out</type></reason>")
	    XREASON("192.0.2.1", "5", "<reason><type>sampled_out</type>"
	    "</reason>")
	    XREASON("192.0.2.1", "7", "") "</feedback>";
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct col c;

	assert_int_equal(import(f->s, xml, strlen(xml), &res, &err), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_sources(f->s, NULL, on_source, &c, &err),
	    0);
	assert_string_equal(c.text, "192.0.2.1 m17 dp0 sa0 da0 sp17 dkp0 f5 "
	    "q0 r0 h:example.com=17/0 s:example.com=17/17\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_rows(f->s, NULL, on_row, &c, &err), 0);
	assert_non_null(strstr(c.text, "|fail|fail|local_policy|"));
	assert_non_null(strstr(c.text, "|fail|fail|mailing_list sampled_out|"));
	assert_non_null(strstr(c.text, "|fail|fail|~|"));
	/* Only the commented reason needed side rows. */
	assert_int_equal(rows_in(f->path, "record_extra"), 1);
}

/* A gzip of head, then spaces past the 50 MiB decompression limit, then
 * the end of the document; written with zlib's gz* file functions. */
static char *
gzip_bomb(struct fx *f, const char *head, size_t *len)
{
	const char *p = side_path(f, "bomb.gz");
	static char spaces[1 << 20];
	gzFile g = gzopen(p, "wb9");
	int i;

	assert_non_null(g);
	memset(spaces, ' ', sizeof(spaces));
	assert_true(gzputs(g, head) > 0);
	for (i = 0; i < 51; i++)
		assert_int_equal(gzwrite(g, spaces, sizeof(spaces)),
		    sizeof(spaces));
	assert_true(gzputs(g, "</feedback>") > 0);
	assert_int_equal(gzclose(g), Z_OK);
	return tu_read_file(p, len);
}

static void
test_gzip_bomb(void **state)
{
	struct fx *f = *state;
	size_t n;
	char *bomb = gzip_bomb(f, XHEAD XMETA("o", "r1") XREC("1", "x", "x"),
	    &n);

	assert_non_null(bomb);
	assert_true(n < 1024 * 1024);
	/* The report had begun (meta and a record): all rolled back. */
	refused_cleanly(f, bomb, n, VOUCH_ELIMIT, "");
	free(bomb);
}

#define EVIL_ORG "&lt;O'Brien&gt;\"; DROP TABLE reports; --"
#define EVIL_ID "1' OR '1'='1; -- ? $1 %s %n"
#define EVIL_TO "x'); DELETE FROM records; --"
#define EVIL_SPF "50%_off'--\\"

static void
test_sql_metacharacters(void **state)
{
	struct fx *f = *state;
	static const char xml[] = XHEAD XMETA(EVIL_ORG, EVIL_ID)
	    XREC("3", EVIL_TO, EVIL_SPF) "</feedback>";
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct col c;
	void *raw;
	size_t n;

	assert_int_equal(import(f->s, xml, strlen(xml), &res, &err), 0);
	assert_int_equal(res.reports, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_rows(f->s, NULL, on_row, &c, &err), 0);
	assert_string_equal(c.text, "<O'Brien>\"; DROP TABLE reports; --|"
	    EVIL_ID "|example.com|192.0.2.1|3|none|fail|fail|~|example.com|~|"
	    EVIL_TO "|p100|a-1-1|s:" EVIL_SPF "/~/fail|\n");
	assert_int_equal(vouch_store_raw(f->s, "<O'Brien>\"; DROP TABLE "
	    "reports; --", EVIL_ID, &raw, &n, &err), 0);
	free(raw);
	assert_int_equal(vouch_store_raw(f->s, "<O'Brien>", EVIL_ID, &raw, &n,
	    &err), VOUCH_ENOTFOUND);
	assert_null(raw);
	assert_int_equal(rows_in(f->path, "reports"), 1);
	assert_int_equal(rows_in(f->path, "records"), 1);
}

/* ---- raw download ------------------------------------------------------ */

static char *
gunzip(struct fx *f, const void *gz, size_t n, size_t *len)
{
	const char *p = side_path(f, "raw.gz");
	FILE *fp = fopen(p, "wb");
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	gzFile g;
	int got;

	assert_non_null(fp);
	assert_int_equal(fwrite(gz, 1, n, fp), n);
	fclose(fp);
	assert_non_null(g = gzopen(p, "rb"));
	*len = 0;
	while ((got = gzread(g, out + *len, (unsigned)(cap - *len))) > 0) {
		*len += (size_t)got;
		if (*len == cap)
			assert_non_null(out = realloc(out, cap *= 2));
	}
	assert_int_equal(got, 0);
	gzclose(g);
	return out;
}

/* The raw copy of a report: the gzip of rel, or, when rel was gzip
 * already (plain names its content), rel itself. */
static void
raw_is(struct fx *f, const char *org, const char *id, const char *rel,
    const char *plain)
{
	struct vouch_error err;
	size_t n, rn, un, pn;
	char *in = corpus(rel, &n), *un_raw, *want = in;
	void *raw;

	assert_int_equal(vouch_store_raw(f->s, org, id, &raw, &rn, &err), 0);
	if (plain != NULL) {
		assert_int_equal(rn, n);
		assert_memory_equal(raw, in, n);
		want = corpus(plain, &pn);
		n = pn;
	}
	un_raw = gunzip(f, raw, rn, &un);
	assert_int_equal(un, n);
	assert_memory_equal(un_raw, want, n);
	if (want != in)
		free(want);
	free(un_raw);
	free(raw);
	free(in);
}

static void
test_raw_round_trip(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;
	void *raw;
	size_t n;

	assert_int_equal(import_corpus(f->s, R9990, &res, &err), 0);
	assert_int_equal(import_corpus(f->s, "dmarc-report-converter/"
	    "testdata/test.xml.gz", &res, &err), 0);
	assert_int_equal(import_corpus(f->s, "parsedmarc/extract_report/"
	    "nice-input.xml.zip", &res, &err), 0);
	raw_is(f, "example.net", "dmarcbis-test-report-001", R9990, NULL);
	/* gzip is kept as it came; anything else is gzipped. */
	raw_is(f, "Test Inc.", "1.id.0", "dmarc-report-converter/testdata/"
	    "test.xml.gz", "dmarc-report-converter/testdata/test.xml");
	raw_is(f, "google.com", "11038226378739404135", "parsedmarc/"
	    "extract_report/nice-input.xml.zip", NULL);
	/* Unknown: nothing handed out. */
	raw = &n;
	n = 1;
	assert_int_equal(vouch_store_raw(f->s, "example.net", "nope", &raw, &n,
	    &err), VOUCH_ENOTFOUND);
	assert_null(raw);
	assert_int_equal(n, 0);
}

/* ---- PTR cache --------------------------------------------------------- */

static void
test_ptr_cache(void **state)
{
	struct fx *f = *state;
	struct vouch_error err;
	char *ptr;

	assert_int_equal(vouch_store_ptr_get(f->s, "192.0.2.1", 1000, 3600,
	    &ptr, &err), VOUCH_ENOTFOUND);
	assert_int_equal(vouch_store_ptr_put(f->s, "192.0.2.1",
	    "mail.example.org", 1000, &err), 0);
	assert_int_equal(vouch_store_ptr_get(f->s, "192.0.2.1", 1000 + 3599,
	    3600, &ptr, &err), 0);
	assert_string_equal(ptr, "mail.example.org");
	free(ptr);
	/* As old as max_age: expired. */
	assert_int_equal(vouch_store_ptr_get(f->s, "192.0.2.1", 1000 + 3600,
	    3600, &ptr, &err), VOUCH_ENOTFOUND);
	assert_null(ptr);
	/* Refreshed, now with no name. */
	assert_int_equal(vouch_store_ptr_put(f->s, "192.0.2.1", NULL, 9000,
	    &err), 0);
	assert_int_equal(vouch_store_ptr_get(f->s, "192.0.2.1", 9001, 3600,
	    &ptr, &err), 0);
	assert_null(ptr);
	/* Addresses in canonical form (RFC 5952). */
	assert_int_equal(vouch_store_ptr_put(f->s, "2001:DB8:0:0::1",
	    "v6.example.org", 1000, &err), 0);
	assert_int_equal(vouch_store_ptr_get(f->s, "2001:db8::1", 1001, 60,
	    &ptr, &err), 0);
	assert_string_equal(ptr, "v6.example.org");
	free(ptr);
	assert_int_equal(vouch_store_ptr_put(f->s, "not-an-ip", "x", 1, &err),
	    VOUCH_EINVAL);
	assert_int_equal(rows_in(f->path, "ptr_cache"), 2);
}

/* ---- filters ----------------------------------------------------------- */

static size_t
ndomains(struct fx *f, const struct vouch_store_filter *flt, char *first)
{
	struct vouch_error err;
	struct col c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_summary(f->s, flt, on_sum, &c, &err), 0);
	snprintf(first, 128, "%s", c.n > 0 ? c.domain[0] : "");
	return c.n;
}

static void
test_filters(void **state)
{
	struct fx *f = *state;
	struct vouch_store_filter flt;
	struct vouch_error err;
	struct col c;
	char d[128];

	import3(f);
	memset(&flt, 0, sizeof(flt));
	flt.domain = "STALW.Art";
	assert_int_equal(ndomains(f, &flt, d), 1);
	assert_string_equal(d, "stalw.art");
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_rows(f->s, &flt, on_row, &c, &err), 0);
	assert_string_equal(c.text, rows_003);
	flt.domain = "example.org";
	assert_int_equal(ndomains(f, &flt, d), 0);
	/* Overlap of [begin, end) with [since, until). */
	flt.domain = NULL;
	flt.since = 1700086399;		/* RFC 9990 sample's end */
	assert_int_equal(ndomains(f, &flt, d), 1);
	assert_string_equal(d, "random.net");
	flt.since = 1700086398;
	assert_int_equal(ndomains(f, &flt, d), 2);
	assert_string_equal(d, "example.com");
	flt.since = 0;
	flt.until = 1667347200;		/* stalwart 003's begin */
	assert_int_equal(ndomains(f, &flt, d), 0);
	flt.until = 1667347201;
	assert_int_equal(ndomains(f, &flt, d), 1);
	assert_string_equal(d, "stalw.art");
	flt.until = 0;
	flt.domain = "Example.com";
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_store_sources(f->s, &flt, on_source, &c, &err),
	    0);
	assert_int_equal(c.n, 2);
	assert_int_equal(strncmp(c.text, "198.51.100.1 m5", 15), 0);
}

/* ---- failure reports --------------------------------------------------- */

static size_t
nfailures(struct fx *f, const struct vouch_store_filter *flt, struct col *c)
{
	struct vouch_error err;

	memset(c, 0, sizeof(*c));
	assert_int_equal(vouch_store_failures(f->s, flt, on_failure, c, &err),
	    0);
	return c->n;
}

/* The fields of the linkedin sample's message/feedback-report part;
 * Arrival-Date: Tue, 30 Apr 2019 02:09:00 +0000.  Then the headers'
 * length. */
#define RUF_LINE "1800000000|" RUF "|auth-failure|Lua/1.0|1.0|dmarc|" \
	"recipient@linkedin.com|example.com|delivered|1556590140|" \
	"10.10.10.10|"

static void
test_failures(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_store_filter flt;
	struct vouch_error err;
	struct col c;

	assert_int_equal(import_corpus(f->s, RUF, &res, &err), 0);
	assert_int_equal(res.failures, 1);
	assert_int_equal(res.reports, 0);
	assert_int_equal(import_corpus(f->s, RUF, &res, &err), 0);
	assert_int_equal(res.failures, 0);
	assert_int_equal(res.duplicates, 1);
	assert_int_equal(rows_in(f->path, "failures"), 1);
	assert_int_equal(rows_in(f->path, "raw_inputs"), 1);
	assert_int_equal(nfailures(f, NULL, &c), 1);
	assert_int_equal(strncmp(c.text, RUF_LINE, strlen(RUF_LINE)), 0);
	assert_int_not_equal(strcmp(strrchr(c.text, '|'), "|0\n"), 0);
	memset(&flt, 0, sizeof(flt));
	flt.domain = "EXAMPLE.COM";
	assert_int_equal(nfailures(f, &flt, &c), 1);
	flt.domain = "example.org";
	assert_int_equal(nfailures(f, &flt, &c), 0);
	flt.domain = NULL;
	flt.since = 1556590140;
	assert_int_equal(nfailures(f, &flt, &c), 1);
	flt.since = 1556590141;
	assert_int_equal(nfailures(f, &flt, &c), 0);
	flt.since = 0;
	flt.until = 1556590140;
	assert_int_equal(nfailures(f, &flt, &c), 0);
}

/* ---- two importers racing ---------------------------------------------- */

/* In a child: wait for the go, import xml, exit with 10 * stored +
 * duplicates (100 + on an error).  No cmocka here. */
static void
racer(const char *path, int go, const char *xml)
{
	struct vouch_store *s;
	struct vouch_store_import_result res;
	struct vouch_error err;
	char b;
	int code = 100;

	if (read(go, &b, 1) == 1 && vouch_store_open(path, &s, &err) == 0) {
		if (import(s, xml, strlen(xml), &res, &err) == 0)
			code = (int)(10 * res.reports + res.duplicates);
		else
			fprintf(stderr, "racer: import: %s\n", err.msg);
		vouch_store_close(s);
	} else
		fprintf(stderr, "racer: open: %s\n", err.msg);
	_exit(code);
}

static void
test_race(void **state)
{
	struct fx *f = *state;
	const char *path = side_path(f, "race.db");
	char id[32], *base, *xml;
	int round, i, fd[2], st, codes;
	size_t n;
	pid_t pid[2];
	struct vouch_store *s;
	struct vouch_error err;

	base = corpus(R9990, &n);
	/* Round 0 also races the migrations of a fresh store. */
	for (round = 0; round < 4; round++) {
		snprintf(id, sizeof(id), "race-%d", round);
		xml = tu_replace(base, "dmarcbis-test-report-001", id);
		assert_int_equal(pipe(fd), 0);
		for (i = 0; i < 2; i++) {
			assert_true((pid[i] = fork()) >= 0);
			if (pid[i] == 0) {
				close(fd[1]);
				racer(path, fd[0], xml);
			}
		}
		close(fd[0]);
		assert_int_equal(write(fd[1], "go", 2), 2);
		close(fd[1]);
		codes = 0;
		for (i = 0; i < 2; i++) {
			assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
			assert_true(WIFEXITED(st));
			if (WEXITSTATUS(st) != 10 && WEXITSTATUS(st) != 1)
				fprintf(stderr, "racer %d: exit %d\n", i,
				    WEXITSTATUS(st));
			codes += 1000 * (WEXITSTATUS(st) == 10) +
			    (WEXITSTATUS(st) == 1);
		}
		/* One stored it, the other counted a duplicate. */
		assert_int_equal(codes, 1001);
		free(xml);
	}
	free(base);
	assert_int_equal(rows_in(path, "reports"), 4);
	assert_int_equal(rows_in(path, "records"), 8);
	assert_int_equal(rows_in(path, "schema_version"), 1);
	assert_int_equal(vouch_store_open(path, &s, &err), 0);
	vouch_store_close(s);
}

/* ---- every allocation failing in turn ---------------------------------- */

static void
alloc_loop(struct fx *f, const char *rel, size_t want_reports,
    size_t want_failures)
{
	struct vouch_store_import_result res;
	struct vouch_error err;
	unsigned long k;
	size_t n;
	char *in = corpus(rel, &n);
	int rc;

	for (k = 1;; k++) {
		failalloc_set(k);
		rc = import(f->s, in, n, &res, &err);
		failalloc_set(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_int_equal(res.reports + res.failures, 0);
		assert_int_equal(all_rows(f->path), 0);
	}
	assert_true(k > 10);
	assert_int_equal(res.reports, want_reports);
	assert_int_equal(res.failures, want_failures);
	free(in);
}

static void
test_alloc_failures(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_store *s;
	struct vouch_error err;
	unsigned long k;
	int rc;

	alloc_loop(f, S003, 1, 0);
	exec_sql(f->path, "DELETE FROM record_extra; DELETE FROM records; "
	    "DELETE FROM reports; DELETE FROM raw_inputs");
	alloc_loop(f, RUF, 0, 1);
	for (k = 1;; k++) {
		failalloc_set(k);
		rc = vouch_store_open(side_path(f, "alloc.db"), &s, &err);
		failalloc_set(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(s);
	}
	assert_true(k > 1);
	/* The first open that survived a failing allocation: among them
	 * the VFS's buffer for joined frames, which falls back to writing
	 * header and page apart.  The store works and its WAL is whole. */
	assert_int_equal(import_corpus(s, S003, &res, &err), 0);
	assert_int_equal(res.reports, 1);
	check_wal(side_path(f, "alloc.db"), 1);
	vouch_store_close(s);
}

/* Each query with its k-th allocation failing: ENOMEM, then the answer. */
static int
run_query(struct fx *f, int which, struct col *c, struct vouch_error *err)
{
	void *raw;
	char *ptr;
	size_t n;
	int rc;

	memset(c, 0, sizeof(*c));
	switch (which) {
	case 0:
		return vouch_store_summary(f->s, &(struct vouch_store_filter){
		    .domain = "Stalw.Art"}, on_sum, c, err);
	case 1:
		return vouch_store_sources(f->s, NULL, on_source, c, err);
	case 2:
		return vouch_store_rows(f->s, NULL, on_row, c, err);
	case 3:
		return vouch_store_failures(f->s, NULL, on_failure, c, err);
	case 4:
		if ((rc = vouch_store_raw(f->s, "Outlook.com",
		    "a4f4ef0654474d3faa5dca167a34a86a", &raw, &n, err)) == 0)
			free(raw);
		return rc;
	default:
		if ((rc = vouch_store_ptr_get(f->s, "192.0.2.7", 10, 100, &ptr,
		    err)) == 0)
			free(ptr);
		return rc;
	}
}

static void
test_alloc_queries(void **state)
{
	struct fx *f = *state;
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct col *c = calloc(1, sizeof(*c));
	unsigned long k;
	int which, rc;

	assert_non_null(c);
	import3(f);
	assert_int_equal(import_corpus(f->s, RUF, &res, &err), 0);
	assert_int_equal(vouch_store_ptr_put(f->s, "192.0.2.7", "a.example",
	    5, &err), 0);
	for (which = 0; which < 6; which++) {
		for (k = 1;; k++) {
			failalloc_set(k);
			rc = run_query(f, which, c, &err);
			failalloc_set(0);
			if (rc == 0)
				break;
			assert_int_equal(rc, VOUCH_ENOMEM);
		}
		if (k == 1)
			fail_msg("query %d allocated nothing", which);
		assert_int_equal(c->n, which == 0 ? 1 : which == 1 ? 7 :
		    which == 2 ? 8 : which == 3 ? 1 : 0);
	}
	free(c);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_migrate),
		T(test_newer_refused),
		T(test_locations),
		T(test_corpus_summary),
		T(test_wal_frames),
		T(test_read_back),
		T(test_callback_stops),
		T(test_report_errors),
		T(test_duplicates),
		T(test_bad_third_record),
		T(test_earlier_reports_stay),
		T(test_db_failure),
		T(test_hostile_xml),
		T(test_count_at_limit),
		T(test_no_records),
		T(test_forwarded),
		T(test_gzip_bomb),
		T(test_sql_metacharacters),
		T(test_raw_round_trip),
		T(test_ptr_cache),
		T(test_filters),
		T(test_failures),
		T(test_race),
		T(test_alloc_failures),
		T(test_alloc_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
