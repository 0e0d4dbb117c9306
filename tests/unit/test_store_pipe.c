/*
 * test_store_pipe.c - vouch_store_pipe (vouch/store.h; store/store_pipe.c
 * and store/store_prep.c): many inputs stored as vouch_store_import()
 * stores them, one after the other, while worker threads parse ahead.
 *
 * The pipe promises what sequential vouch_store_import() calls of the same
 * inputs give, so most expected values are that, found by running both:
 * every report sample of the corpora test_store.c uses, the same list a
 * second time (duplicates) and hostile inputs (DTD entities, truncated
 * XML, garbage, nothing at all, an e-mail and a zip whose second report
 * is refused after the first was stored) imported one by one into one
 * store and through pipes of 0, 1, 2 and 4 jobs into others: what done
 * is told, in order, and every table, row by row, must be the same.  The
 * rest comes from the header's contract and from reports built here
 * (RFC 7489 appendix C) whose ids and counts are known: a done that
 * stops the pipe, free() with inputs in flight, bad arguments, every
 * allocation failing in turn, and an input too large to be kept parsed
 * (VOUCH__PREP_MAX) stored through the direct path.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zip.h>

#include <vouch/store.h>

/* VOUCH__PREP_MAX and vouch__prep_parse(), to prove an input too large */
#include "../../store/store_int.h"
#include "failalloc.h"
#include "testutil.h"

#define NOW 1800000000
#define STOP 7			/* what a stopping done returns */
#define MAXIN 256		/* inputs put in one test */
#define R9990 "parsedmarc/aggregate/" \
	"rfc9990-example.net!example.com!1700000000!1700086399.xml"
#define S003 "stalwart-mail-auth/dmarc-feedback/003.xml"
#define RUF "parsedmarc/failure/dmarc_ruf_report_linkedin.eml"

/* ---- fixture: a temporary folder for the stores ----------------------- */

struct fx {
	char dir[64];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vouch-pipe-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_remove_dir(f->dir);
	free(f);
	return 0;
}

/* p: the file name in the fixture's folder. */
static void
path_in(const struct fx *f, const char *name, char p[256])
{
	snprintf(p, 256, "%s/%s", f->dir, name);
}

static struct vouch_store *
open_store(const char *path)
{
	struct vouch_store *s;
	struct vouch_error err;

	if (vouch_store_open(path, &s, &err) != 0)
		fail_msg("open %s: %s", path, err.msg);
	return s;
}

static void
remove_store(const char *path)
{
	char p[300];

	unlink(path);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- a growable text, and the store's tables as text ------------------ */

struct text {
	char *p;
	size_t n, cap;
};

static void
text_add(struct text *t, const void *p, size_t n)
{
	if (t->cap - t->n < n + 1) {
		t->cap = (t->n + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	if (n > 0)
		memcpy(t->p + t->n, p, n);
	t->n += n;
	t->p[t->n] = '\0';
}

static void text_fmt(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_fmt(struct text *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	text_add(t, buf, (size_t)n);
}

static void
text_hex(struct text *t, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char buf[512];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		buf[k++] = digits[b[i] >> 4];
		buf[k++] = digits[b[i] & 15];
		if (k == sizeof(buf)) {
			text_add(t, buf, k);
			k = 0;
		}
	}
	text_add(t, buf, k);
}

/* Every table an import writes, by primary key, all columns (the schema
 * of store/store_schema.c). */
static const char *const dumps[] = {
	"SELECT * FROM raw_inputs ORDER BY id",
	"SELECT * FROM reports ORDER BY id",
	"SELECT * FROM report_errors ORDER BY report, n",
	"SELECT * FROM records ORDER BY id",
	"SELECT * FROM record_extra ORDER BY record, kind, n",
	"SELECT * FROM failures ORDER BY id",
	"SELECT * FROM ptr_cache ORDER BY ip",
};

#define NDUMPS (sizeof(dumps) / sizeof(dumps[0]))

static void
dump_value(struct text *t, sqlite3_stmt *st, int i)
{
	const void *v;
	int n;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		text_add(t, "~", 1);
		break;
	case SQLITE_INTEGER:
		text_fmt(t, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		text_fmt(t, "%.17g", sqlite3_column_double(st, i));
		break;
	case SQLITE_TEXT:
		v = sqlite3_column_text(st, i);
		n = sqlite3_column_bytes(st, i);
		text_fmt(t, "t%d:", n);
		text_add(t, v, (size_t)n);
		break;
	default:
		v = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		text_fmt(t, "x%d:", n);
		text_hex(t, v, (size_t)n);
	}
	text_add(t, "|", 1);
}

/* The store's tables as text, read with SQLite itself (caller frees). */
static char *
dump_store(const char *path)
{
	struct text t = {NULL, 0, 0};
	sqlite3_stmt *st;
	sqlite3 *h;
	size_t i;
	int c, rc;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	for (i = 0; i < NDUMPS; i++) {
		text_fmt(&t, "== %s\n", dumps[i]);
		assert_int_equal(sqlite3_prepare_v2(h, dumps[i], -1, &st,
		    NULL), SQLITE_OK);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (c = 0; c < sqlite3_column_count(st); c++)
				dump_value(&t, st, c);
			text_add(&t, "\n", 1);
		}
		assert_int_equal(rc, SQLITE_DONE);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return t.p;
}

/* One number (or text) a query gives, as text. */
static void
query(const char *path, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st;
	sqlite3 *h;
	const unsigned char *v;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_text(st, 0);
	snprintf(out, cap, "%s", v != NULL ? (const char *)v : "~");
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static long long
count(const char *path, const char *sql)
{
	char buf[64];

	query(path, sql, buf, sizeof(buf));
	return strtoll(buf, NULL, 10);
}

static void
same_text(const char *want, const char *got, const char *what)
{
	size_t i = 0, from;

	while (want[i] != '\0' && want[i] == got[i])
		i++;
	if (want[i] == got[i])
		return;
	/* From the start of the line that differs. */
	for (from = i; from > 0 && want[from - 1] != '\n' && i - from < 200;)
		from--;
	fail_msg("%s: tables differ at byte %zu:\nwant %.300s\n"
	    "got  %.300s", what, i, want + from, got + from);
}

/* ---- what done is told ------------------------------------------------ */

/* Input k (in put order) has the tag &tags[k]. */
static char tags[MAXIN];

struct told {
	size_t idx;		/* the input, in put order */
	int rc;
	int has_res, has_err;
	struct vouch_store_import_result res;
	struct vouch_error err;
};

struct log {
	struct told *t;
	size_t n, cap;
	int stopping;		/* done returns STOP when told ... */
	size_t stop_at;		/* ... that this input was stored */
};

static void
note(struct log *lg, size_t idx, int rc,
    const struct vouch_store_import_result *res,
    const struct vouch_error *err)
{
	struct told *t;

	if (lg->n == lg->cap) {
		lg->cap = lg->cap ? 2 * lg->cap : 64;
		/* Not cmocka: this runs inside the pipe. */
		if ((lg->t = realloc(lg->t, lg->cap * sizeof(*t))) == NULL)
			abort();
	}
	t = &lg->t[lg->n++];
	memset(t, 0, sizeof(*t));
	t->idx = idx;
	t->rc = rc;
	if ((t->has_res = res != NULL) != 0)
		t->res = *res;
	if ((t->has_err = err != NULL) != 0)
		t->err = *err;
}

static int
on_done(void *arg, void *tag, int rc,
    const struct vouch_store_import_result *res,
    const struct vouch_error *err)
{
	struct log *lg = arg;
	uintptr_t at = (uintptr_t)tag - (uintptr_t)tags;

	note(lg, at < MAXIN ? (size_t)at : SIZE_MAX, rc, res, err);
	return lg->stopping && at == lg->stop_at && res != NULL ? STOP : 0;
}

static void
told_text(const struct told *t, char *buf, size_t cap)
{
	snprintf(buf, cap, "input %zu rc %d res %d: %zu %zu %zu %llu %llu; "
	    "err %d: %d %u '%s'", t->idx, t->rc, t->has_res, t->res.reports,
	    t->res.duplicates, t->res.failures,
	    (unsigned long long)t->res.records,
	    (unsigned long long)t->res.messages, t->has_err, t->err.code,
	    t->err.line, t->err.msg);
}

static void
same_log(const struct log *want, const struct log *got, const char *what)
{
	char a[1024], b[1024];
	size_t i;

	if (want->n != got->n)
		fail_msg("%s: done told %zu times, want %zu", what, got->n,
		    want->n);
	for (i = 0; i < want->n; i++) {
		told_text(&want->t[i], a, sizeof(a));
		told_text(&got->t[i], b, sizeof(b));
		if (strcmp(a, b) != 0)
			fail_msg("%s: call %zu:\nwant %s\ngot  %s", what, i, a,
			    b);
	}
}

/* ---- inputs ------------------------------------------------------------ */

struct input {
	char *data;		/* NULL: none (length 0) */
	size_t len;
	char *source;		/* NULL: none given */
};

struct inputs {
	struct input in[MAXIN / 2];
	size_t n;
	size_t mail_at, zip_at;	/* the hostile ones with anchors */
};

/* Takes data; copies source. */
static size_t
add_input(struct inputs *ins, char *data, size_t len, const char *source)
{
	struct input *in;

	assert_true(ins->n < MAXIN / 2);
	in = &ins->in[ins->n];
	in->data = data;
	in->len = len;
	in->source = source != NULL ? strdup(source) : NULL;
	assert_true(source == NULL || in->source != NULL);
	return ins->n++;
}

static void
inputs_free(struct inputs *ins)
{
	size_t i;

	for (i = 0; i < ins->n; i++) {
		free(ins->in[i].data);
		free(ins->in[i].source);
	}
	free(ins);
}

static char *
corpus(const char *rel, size_t *len)
{
	char *p = tu_read_file(tu_corpus_path(rel), len);

	if (p == NULL)
		fail_msg("cannot read %s", tu_corpus_path(rel));
	return p;
}

/* The samples test_store.c reads, and their neighbours: every regular
 * file but the stalwart .json files (expected parses, not reports). */
static const char *const dirs[] = {
	"parsedmarc/aggregate",
	"parsedmarc/failure",
	"parsedmarc/extract_report",
	"dmarc-report-viewer/dmarc-reports",
	"dmarc-report-converter/testdata",
	"stalwart-mail-auth/dmarc-feedback",
};

static int
is_sample(const char *dir, const char *name)
{
	char rel[512];
	struct stat sb;
	size_t n = strlen(name);

	if (name[0] == '.' || (n > 5 && strcmp(name + n - 5, ".json") == 0))
		return 0;
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	return stat(tu_corpus_path(rel), &sb) == 0 && S_ISREG(sb.st_mode);
}

static void
add_dir(struct inputs *ins, const char *dir)
{
	struct dirent **e;
	char rel[512], *data;
	size_t len;
	int n, i;

	if ((n = scandir(tu_corpus_path(dir), &e, NULL, alphasort)) < 0)
		fail_msg("cannot list %s", tu_corpus_path(dir));
	for (i = 0; i < n; i++) {
		if (is_sample(dir, e[i]->d_name)) {
			snprintf(rel, sizeof(rel), "%s/%s", dir,
			    e[i]->d_name);
			data = corpus(rel, &len);
			add_input(ins, data, len, rel);
		}
		free(e[i]);
	}
	free(e);
}

/* An aggregate report (RFC 7489 appendix C) of nrec records from
 * 10.0.0.0 on, each of count messages (caller frees). */
#define GHEAD "<?xml version=\"1.0\"?><feedback><report_metadata>" \
	"<org_name>%s</org_name><email>a@example.net</email><report_id>%s" \
	"</report_id><date_range><begin>1700000000</begin><end>1700086399" \
	"</end></date_range></report_metadata><policy_published><domain>" \
	"example.com</domain><p>none</p></policy_published>"
#define GREC "<record><row><source_ip>10.%u.%u.%u</source_ip><count>%s" \
	"</count></row></record>"

static char *
gen_report(const char *org, const char *id, size_t nrec, const char *count,
    size_t *len)
{
	/* A record takes at most 80 bytes and the count. */
	size_t cap = 1024 + nrec * (80 + strlen(count)), n, i;
	char *x = malloc(cap);

	assert_non_null(x);
	n = (size_t)snprintf(x, cap, GHEAD, org, id);
	for (i = 0; i < nrec && n < cap; i++)
		n += (size_t)snprintf(x + n, cap - n, GREC,
		    (unsigned)(i >> 16) & 255, (unsigned)(i >> 8) & 255,
		    (unsigned)i & 255, count);
	if (n < cap)
		n += (size_t)snprintf(x + n, cap - n, "</feedback>");
	assert_true(n < cap);
	if (len != NULL)
		*len = n;
	return x;
}

/* A zip of two XML reports, written by libzip into memory. */
static char *
zip_of(const char *a, const char *b, size_t *len)
{
	zip_source_t *src, *sa, *sb;
	zip_stat_t st;
	zip_error_t ze;
	zip_t *z;
	char *out;

	zip_error_init(&ze);
	assert_non_null(src = zip_source_buffer_create(NULL, 0, 0, &ze));
	zip_source_keep(src);
	assert_non_null(z = zip_open_from_source(src, ZIP_TRUNCATE, &ze));
	assert_non_null(sa = zip_source_buffer(z, a, strlen(a), 0));
	assert_true(zip_file_add(z, "a.xml", sa, 0) >= 0);
	assert_non_null(sb = zip_source_buffer(z, b, strlen(b), 0));
	assert_true(zip_file_add(z, "b.xml", sb, 0) >= 0);
	assert_int_equal(zip_close(z), 0);
	assert_int_equal(zip_source_stat(src, &st), 0);
	assert_non_null(out = malloc(st.size));
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_read(src, out, st.size), st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = (size_t)st.size;
	return out;
}

static char *
dup_text(const char *s, size_t *len)
{
	char *d = strdup(s);

	assert_non_null(d);
	*len = strlen(s);
	return d;
}

#define XHEAD "<?xml version=\"1.0\"?>"
#define XBODY "<feedback><report_metadata><org_name>o</org_name><email>" \
	"a@example.net</email><report_id>r1</report_id><date_range><begin>" \
	"1700000000</begin><end>1700086399</end></date_range>" \
	"</report_metadata><policy_published><domain>example.com</domain>" \
	"<p>none</p></policy_published><record><row><source_ip>192.0.2.1" \
	"</source_ip><count>1</count></row></record></feedback>"

/* Entities and DTDs, a cut, garbage, nothing, and reports refused after
 * one before them was stored (their counts: test_store.c's limits). */
static void
add_hostile(struct inputs *ins)
{
	static const char laughs[] = XHEAD "<!DOCTYPE feedback [<!ENTITY a "
	    "\"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
	    XBODY;
	static const char external[] = XHEAD "<!DOCTYPE feedback SYSTEM "
	    "\"file:///etc/passwd\">" XBODY;
	size_t n, i;
	char *x, *y, *z;
	uint32_t r = 12345;

	x = dup_text(laughs, &n);
	add_input(ins, x, n, "hostile/laughs.xml");
	x = dup_text(external, &n);
	add_input(ins, x, n, "hostile/external.xml");
	x = corpus(R9990, &n);
	add_input(ins, x, n / 2, "hostile/truncated.xml");
	assert_non_null(x = malloc(4096));
	for (i = 0; i < 4096; i++) {
		r = r * 1103515245u + 12345u;
		x[i] = (char)(r >> 24);
	}
	add_input(ins, x, 4096, "hostile/garbage");
	add_input(ins, dup_text("", &n), 0, "hostile/empty");
	add_input(ins, NULL, 0, "hostile/null");
	/* A new report, then stalwart 003 with its third record's address
	 * broken: the first stays, the second is refused. */
	x = gen_report("mail-org", "mail-1", 3, "2", NULL);
	y = corpus(S003, &n);
	z = tu_replace(y, "64.147.108.173", "64.147.108.999");
	free(y);
	y = tu_report_mail(x, z);
	n = strlen(y);
	ins->mail_at = add_input(ins, y, n, "hostile/mail");
	free(x);
	free(z);
	/* The same in a zip, the second refused for a count over 2^32. */
	x = gen_report("zip-org", "zip-1", 2, "5", NULL);
	y = gen_report("zip-org", "zip-2", 2, "4294967297", NULL);
	z = zip_of(x, y, &n);
	ins->zip_at = add_input(ins, z, n, "hostile/zip");
	free(x);
	free(y);
	/* RFC 9990's sample refused part-way: an error, even once a report
	 * of that id is stored. */
	x = corpus(R9990, &n);
	y = tu_replace(x, "203.0.113.10", "203.0.113.999");
	free(x);
	add_input(ins, y, strlen(y), "hostile/r9990-bad");
	x = gen_report("nosource", "ns-1", 4, "3", &n);
	add_input(ins, x, n, NULL);
}

/* ---- the two ways of importing --------------------------------------- */

/* Input k of rounds passes over ins is ins->in[k % ins->n], its clock
 * NOW + k. */
static void
run_seq(const char *path, const struct inputs *ins, size_t rounds,
    const struct vouch_report_limits *lim, struct log *lg)
{
	struct vouch_store *s = open_store(path);
	struct vouch_store_import_result res;
	struct vouch_error err;
	const struct input *in;
	size_t k;
	int rc;

	for (k = 0; k < rounds * ins->n; k++) {
		in = &ins->in[k % ins->n];
		rc = vouch_store_import(s, in->data, in->len, in->source, lim,
		    NOW + (int64_t)k, &res, &err);
		note(lg, k, rc, &res, &err);
	}
	vouch_store_close(s);
}

/* The same through a pipe; its data and source are overwritten and freed
 * as soon as put() returns (the caller may reuse them at once). */
static void
run_pipe(const char *path, const struct inputs *ins, size_t rounds,
    unsigned jobs, const struct vouch_report_limits *lim, struct log *lg)
{
	struct vouch_store *s = open_store(path);
	struct vouch_store_pipe *p;
	const struct input *in;
	char src[600], *copy;
	size_t k;

	assert_true(rounds * ins->n <= MAXIN);
	assert_int_equal(vouch_store_pipe_new(s, jobs, lim, on_done, lg, &p),
	    0);
	for (k = 0; k < rounds * ins->n; k++) {
		in = &ins->in[k % ins->n];
		copy = NULL;
		if (in->data != NULL) {
			assert_non_null(copy = malloc(in->len + 1));
			memcpy(copy, in->data, in->len);
		}
		snprintf(src, sizeof(src), "%s", in->source != NULL ?
		    in->source : "");
		assert_int_equal(vouch_store_pipe_put(p, copy, in->len,
		    in->source != NULL ? src : NULL, NOW + (int64_t)k,
		    &tags[k]), 0);
		if (copy != NULL)
			memset(copy, 0xa5, in->len);
		free(copy);
		memset(src, 'X', sizeof(src) - 1);
	}
	assert_int_equal(vouch_store_pipe_flush(p), 0);
	vouch_store_pipe_free(p);
	vouch_store_close(s);
}

/* ---- the pipe against sequential imports ------------------------------ */

/* What the hostile inputs were built to do, on the sequential side: the
 * report before the refused one stays, a duplicate the second time. */
static void
anchor(const struct log *lg, size_t k, int rc, size_t reports,
    size_t dups)
{
	const struct told *t = &lg->t[k];

	assert_int_equal(t->rc, rc);
	assert_int_equal(t->res.reports, reports);
	assert_int_equal(t->res.duplicates, dups);
}

static void
check_anchors(const struct inputs *ins, const struct log *lg)
{
	size_t k, stored = 0;

	assert_int_equal(lg->n, 2 * ins->n);
	/* stalwart 003 is stored already: its broken copy is an error. */
	anchor(lg, ins->mail_at, VOUCH_ESYNTAX, 1, 0);
	assert_non_null(strstr(lg->t[ins->mail_at].err.msg, "record 2"));
	anchor(lg, ins->n + ins->mail_at, VOUCH_ESYNTAX, 0, 1);
	anchor(lg, ins->zip_at, VOUCH_ELIMIT, 1, 0);
	anchor(lg, ins->n + ins->zip_at, VOUCH_ELIMIT, 0, 1);
	/* Nothing is new the second time round. */
	for (k = 0; k < ins->n; k++) {
		stored += lg->t[k].res.reports + lg->t[k].res.failures;
		assert_int_equal(lg->t[ins->n + k].res.reports +
		    lg->t[ins->n + k].res.failures, 0);
	}
	assert_true(stored >= 40);
}

/* Sequential into seq, then through pipes of each jobs count; rounds
 * passes over ins.  The sequential log is left in want. */
static void
compare_runs(struct fx *f, const struct inputs *ins, size_t rounds,
    const struct vouch_report_limits *lim, const unsigned *jobs,
    size_t njobs, struct log *want)
{
	struct log got;
	char a[256], b[256], name[64], *da, *db;
	size_t j;

	snprintf(name, sizeof(name), "seq%s.db", lim != NULL ? "-lim" : "");
	path_in(f, name, a);
	run_seq(a, ins, rounds, lim, want);
	da = dump_store(a);
	for (j = 0; j < njobs; j++) {
		snprintf(name, sizeof(name), "pipe%u%s.db", jobs[j],
		    lim != NULL ? "-lim" : "");
		path_in(f, name, b);
		memset(&got, 0, sizeof(got));
		run_pipe(b, ins, rounds, jobs[j], lim, &got);
		same_log(want, &got, name);
		db = dump_store(b);
		same_text(da, db, name);
		free(db);
		free(got.t);
	}
	free(da);
}

static void
test_same_as_import(void **state)
{
	static const unsigned jobs[] = {0, 1, 2, 4};
	struct vouch_report_limits lim;
	struct inputs *ins = calloc(1, sizeof(*ins));
	struct log want;
	size_t i;

	assert_non_null(ins);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		add_dir(ins, dirs[i]);
	assert_true(ins->n >= 50);
	add_hostile(ins);
	memset(&want, 0, sizeof(want));
	compare_runs(*state, ins, 2, NULL, jobs, 4, &want);
	check_anchors(ins, &want);
	free(want.t);
	/* Limits reach the workers' parse too: reports of more than three
	 * records refused. */
	memset(&lim, 0, sizeof(lim));
	lim.records = 3;
	memset(&want, 0, sizeof(want));
	compare_runs(*state, ins, 1, &lim, jobs + 2, 1, &want);
	for (i = 0; i < want.n && want.t[i].rc != VOUCH_ELIMIT; i++)
		;
	assert_true(i < want.n);
	free(want.t);
	inputs_free(ins);
}

/* ---- done stops the pipe ---------------------------------------------- */

/* The puts of a test: rc[k] what put() returned for input k; stopped[k]
 * whether an earlier call had said STOP already (with no flush since). */
struct putlog {
	size_t n;
	int rc[MAXIN];
	int stopped[MAXIN];
	int known;		/* a call said STOP, no flush since */
};

static int
put_in(struct vouch_store_pipe *p, struct putlog *pl, const void *data,
    size_t len, const char *source)
{
	size_t k = pl->n++;

	assert_true(k < MAXIN);
	pl->stopped[k] = pl->known;
	pl->rc[k] = vouch_store_pipe_put(p, data, len, source,
	    NOW + (int64_t)k, &tags[k]);
	if (pl->rc[k] != 0)
		pl->known = 1;
	return pl->rc[k];
}

static int
flush_in(struct vouch_store_pipe *p, struct putlog *pl)
{
	pl->known = 0;
	return vouch_store_pipe_flush(p);
}

/*
 * done heard of the inputs in put order, each exactly once, as the
 * header says ("called exactly once for every input put"), those put on
 * a pipe already stopped included; a put on a stopped pipe returns STOP.
 * 0, or -1 with why (for a test that frees before failing).
 */
static int
once_error(const struct log *lg, const struct putlog *pl, char *why,
    size_t cap)
{
	size_t times[MAXIN], i, k;

	memset(times, 0, sizeof(times));
	for (i = 0; i < lg->n; i++) {
		if ((k = lg->t[i].idx) >= pl->n)
			return snprintf(why, cap, "told of input %zu, never "
			    "put", k), -1;
		if (i > 0 && k <= lg->t[i - 1].idx)
			return snprintf(why, cap, "told of input %zu after "
			    "input %zu", k, lg->t[i - 1].idx), -1;
		times[k]++;
	}
	for (k = 0; k < pl->n; k++) {
		if (pl->stopped[k] && pl->rc[k] != STOP)
			return snprintf(why, cap, "input %zu put on a stopped "
			    "pipe: put returned %d", k, pl->rc[k]), -1;
		if (times[k] != 1)
			return snprintf(why, cap, "input %zu (put returned "
			    "%d) told %zu times, want once", k, pl->rc[k],
			    times[k]), -1;
	}
	return 0;
}

static void
check_once(const struct log *lg, const struct putlog *pl)
{
	char why[256];

	if (once_error(lg, pl, why, sizeof(why)) != 0)
		fail_msg("%s", why);
}

/* The told call for input k, or NULL. */
static const struct told *
told_of(const struct log *lg, size_t k)
{
	size_t i;

	for (i = 0; i < lg->n; i++)
		if (lg->t[i].idx == k)
			return &lg->t[i];
	return NULL;
}

static void
check_stored(const struct told *t, size_t records, uint64_t messages)
{
	assert_non_null(t);
	assert_true(t->has_res && t->has_err);
	assert_int_equal(t->rc, 0);
	assert_int_equal(t->res.reports, 1);
	assert_int_equal(t->res.records, records);
	assert_int_equal(t->res.messages, messages);
}

static void
check_dropped(const struct told *t)
{
	assert_non_null(t);
	if (t->has_res || t->has_err)
		fail_msg("input %zu dropped, yet told res %d err %d", t->idx,
		    t->has_res, t->has_err);
}

/* Reports "stop-k" of one record of k + 1 messages, put until a put()
 * has said STOP and two more were refused; pauses let the workers get
 * ahead so that the stop is seen by a put, not only by flush. */
static size_t
put_until_stopped(struct vouch_store_pipe *p, struct putlog *pl)
{
	char id[32], count_s[16], *x;
	size_t k, first = SIZE_MAX, len;

	for (k = 0; k < 120; k++) {
		snprintf(id, sizeof(id), "stop-%zu", k);
		snprintf(count_s, sizeof(count_s), "%zu", k + 1);
		x = gen_report("stopper", id, 1, count_s, &len);
		if (put_in(p, pl, x, len, id) != 0 && first == SIZE_MAX)
			first = k;
		free(x);
		if (first != SIZE_MAX && k >= 9 && k >= first + 2)
			break;
		if (k >= 9)
			pause_ms(20);
	}
	if (first == SIZE_MAX)
		fail_msg("no put() saw the stop");
	return first;
}

static void
stop_run(struct fx *f, unsigned jobs)
{
	char path[256], name[32], ids[4096], *x;
	struct vouch_store_pipe *p;
	struct vouch_store *s;
	struct putlog *pl = calloc(1, sizeof(*pl));
	struct log lg;
	size_t k, len, after;

	assert_non_null(pl);
	snprintf(name, sizeof(name), "stop%u.db", jobs);
	path_in(f, name, path);
	s = open_store(path);
	memset(&lg, 0, sizeof(lg));
	lg.stopping = 1;
	lg.stop_at = 3;
	assert_int_equal(vouch_store_pipe_new(s, jobs, NULL, on_done, &lg,
	    &p), 0);
	(void)put_until_stopped(p, pl);
	assert_int_equal(flush_in(p, pl), STOP);
	/* Then it goes on afresh. */
	assert_int_equal(flush_in(p, pl), 0);
	after = pl->n;
	x = gen_report("stopper", "after", 1, "99", &len);
	assert_int_equal(put_in(p, pl, x, len, "after"), 0);
	free(x);
	assert_int_equal(flush_in(p, pl), 0);
	vouch_store_pipe_free(p);
	vouch_store_close(s);
	check_once(&lg, pl);
	for (k = 0; k <= 3; k++)
		check_stored(told_of(&lg, k), 1, k + 1);
	for (k = 4; k < after; k++)
		check_dropped(told_of(&lg, k));
	check_stored(told_of(&lg, after), 1, 99);
	query(path, "SELECT group_concat(report_id, ' ') FROM (SELECT "
	    "report_id FROM reports ORDER BY id)", ids, sizeof(ids));
	assert_string_equal(ids, "stop-0 stop-1 stop-2 stop-3 after");
	assert_int_equal(count(path, "SELECT SUM(msg_count) FROM records"),
	    1 + 2 + 3 + 4 + 99);
	free(lg.t);
	free(pl);
}

static void
test_done_stops(void **state)
{
	stop_run(*state, 0);
	stop_run(*state, 1);
	stop_run(*state, 2);
	stop_run(*state, 4);
}

/*
 * The stop can come while put() waits for room (64 MiB in the pipe):
 * storing the oldest input to make room, done says STOP.  That put was
 * made on a running pipe, so its input must be told to done once (res
 * NULL) like any other; a caller freeing per-input state in done
 * (src/vouch/cmd_report_import.c) otherwise loses it, and cannot tell
 * this STOP from one whose input is still in the pipe.
 */
static void
test_stop_while_put_waits(void **state)
{
	struct fx *f = *state;
	size_t big = 64u * 1024u * 1024u + 1, len, tries;
	char path[256], why[256], *a, *zeros = calloc(1, big);
	struct vouch_store_pipe *p;
	struct vouch_store *s;
	struct putlog *pl = calloc(1, sizeof(*pl));
	struct log lg;
	int rc, t0;

	assert_non_null(zeros);
	assert_non_null(pl);
	path_in(f, "wait.db", path);
	s = open_store(path);
	a = gen_report("waiter", "w-0", 2000, "1", &len);
	memset(&lg, 0, sizeof(lg));
	lg.stopping = 1;
	for (tries = 0; tries < 5; tries++) {
		memset(pl, 0, sizeof(*pl));
		lg.n = 0;
		assert_int_equal(vouch_store_pipe_new(s, 1, NULL, on_done, &lg,
		    &p), 0);
		/* Ready before put() returns: try again (a duplicate). */
		if (put_in(p, pl, a, len, "a") == 0)
			break;
		(void)flush_in(p, pl);
		vouch_store_pipe_free(p);
	}
	assert_true(tries < 5);
	assert_int_equal(put_in(p, pl, zeros, big, "zeros"), STOP);
	assert_int_equal(flush_in(p, pl), STOP);
	vouch_store_pipe_free(p);
	vouch_store_close(s);
	free(a);
	free(zeros);
	rc = once_error(&lg, pl, why, sizeof(why));
	t0 = told_of(&lg, 0) != NULL && told_of(&lg, 0)->has_res;
	free(lg.t);
	free(pl);
	assert_true(t0);
	if (rc != 0)
		fail_msg("%s", why);
}

/* ---- free() with inputs in the pipe ----------------------------------- */

#define FLY_RECORDS 3000

/* Ten reports "fly-k" of FLY_RECORDS records put, then free() without a
 * flush; done stops at input stop_at unless it is SIZE_MAX.  Returns the
 * inputs stored. */
static size_t
free_run(const char *path, size_t stop_at, struct log *lg,
    struct putlog *pl)
{
	struct vouch_store_pipe *p;
	struct vouch_store *s = open_store(path);
	char id[32], *x;
	size_t k, len;

	memset(lg, 0, sizeof(*lg));
	lg->stopping = stop_at != SIZE_MAX;
	lg->stop_at = stop_at;
	assert_int_equal(vouch_store_pipe_new(s, 2, NULL, on_done, lg, &p),
	    0);
	for (k = 0; k < 10; k++) {
		snprintf(id, sizeof(id), "fly-%zu", k);
		x = gen_report("flyer", id, FLY_RECORDS, "1", &len);
		(void)put_in(p, pl, x, len, id);
		free(x);
		if (k == 0 && lg->stopping)
			pause_ms(50);	/* the next put stores it */
	}
	vouch_store_pipe_free(p);
	vouch_store_close(s);
	check_once(lg, pl);
	/* Those stored first, in order, then those dropped. */
	for (k = 0; k < lg->n && lg->t[k].has_res; k++)
		check_stored(&lg->t[k], FLY_RECORDS, FLY_RECORDS);
	len = k;
	for (; k < lg->n; k++)
		check_dropped(&lg->t[k]);
	assert_int_equal(count(path, "SELECT COUNT(*) FROM reports"), len);
	assert_int_equal(count(path, "SELECT COUNT(*) FROM records"),
	    len * FLY_RECORDS);
	if (len > 0)
		assert_int_equal(count(path, "SELECT COUNT(*) FROM reports "
		    "WHERE report_id = 'fly-0'"), 1);
	return len;
}

static void
test_free_in_flight(void **state)
{
	struct fx *f = *state;
	struct putlog *pl = calloc(1, sizeof(*pl));
	char path[256];
	struct log lg;
	size_t stored;

	assert_non_null(pl);
	path_in(f, "fly.db", path);
	stored = free_run(path, SIZE_MAX, &lg, pl);
	/* One in, one out at most per put(), and the first input was not
	 * parsed yet when its put() returned: some were in the pipe. */
	assert_int_equal(lg.n, 10);
	assert_true(stored < 10);
	free(lg.t);
	/* Stopped with inputs in the pipe, then freed. */
	memset(pl, 0, sizeof(*pl));
	path_in(f, "fly-stop.db", path);
	stored = free_run(path, 0, &lg, pl);
	assert_true(stored <= 1);
	free(lg.t);
	free(pl);
}

/* ---- arguments --------------------------------------------------------- */

static void
test_arguments(void **state)
{
	struct fx *f = *state;
	static char dummy;
	struct vouch_store_pipe *p = (void *)&dummy;
	struct vouch_store *s;
	struct putlog *pl = calloc(1, sizeof(*pl));
	char path[256], *x;
	struct log lg;
	size_t len;

	assert_non_null(pl);
	path_in(f, "args.db", path);
	s = open_store(path);
	memset(&lg, 0, sizeof(lg));
	assert_int_equal(vouch_store_pipe_new(NULL, 2, NULL, on_done, &lg,
	    &p), VOUCH_EINVAL);
	assert_null(p);
	p = (void *)&dummy;
	assert_int_equal(vouch_store_pipe_new(s, 2, NULL, NULL, &lg, &p),
	    VOUCH_EINVAL);
	assert_null(p);
	vouch_store_pipe_free(NULL);
	/* More jobs than a pipe runs: it runs what it can. */
	assert_int_equal(vouch_store_pipe_new(s, UINT_MAX, NULL, on_done, &lg,
	    &p), 0);
	x = corpus(R9990, &len);
	assert_int_equal(put_in(p, pl, x, len, R9990), 0);
	assert_int_equal(flush_in(p, pl), 0);
	vouch_store_pipe_free(p);
	vouch_store_close(s);
	check_once(&lg, pl);
	check_stored(told_of(&lg, 0), 2, 7);	/* RFC 9990's sample */
	free(x);
	free(lg.t);
	free(pl);
}

/* In a child (a crash must not end the other tests), no cmocka: put no
 * data of length 3 through a pipe of 2 jobs; exit 0 when done was told
 * what vouch_store_import() says of it, 3 when not. */
static void
null_data_child(const char *path)
{
	struct vouch_store_import_result res;
	struct vouch_store_pipe *p;
	struct vouch_store *s;
	struct vouch_error want;
	struct log lg;
	int rc, ok;

	/* cmocka's handlers would carry on with the other tests here. */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	if (vouch_store_open(path, &s, &want) != 0)
		_exit(2);
	rc = vouch_store_import(s, NULL, 3, "null", NULL, NOW, &res, &want);
	memset(&lg, 0, sizeof(lg));
	if (vouch_store_pipe_new(s, 2, NULL, on_done, &lg, &p) != 0)
		_exit(2);
	(void)vouch_store_pipe_put(p, NULL, 3, "null", NOW, &tags[0]);
	(void)vouch_store_pipe_flush(p);
	vouch_store_pipe_free(p);
	vouch_store_close(s);
	ok = lg.n == 1 && lg.t[0].rc == rc && lg.t[0].has_err &&
	    strcmp(lg.t[0].err.msg, want.msg) == 0;
	_exit(ok ? 0 : 3);
}

/* vouch_store_import() refuses data NULL with a length (VOUCH_EINVAL);
 * the pipe promises the same answer. */
static void
test_null_data(void **state)
{
	char path[256];
	pid_t pid;
	int st;

	path_in(*state, "null.db", path);
	assert_true((pid = fork()) >= 0);
	if (pid == 0)
		null_data_child(path);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("put(NULL, 3) with jobs 2: killed by signal %d",
		    WTERMSIG(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("put(NULL, 3) with jobs 2: exit %d (3: not what "
		    "vouch_store_import() says; else a sanitizer's stop)",
		    WEXITSTATUS(st));
}

/* ---- every allocation failing in turn --------------------------------- */

/* Three small inputs: two aggregate reports and a failure report, each
 * one report; stored exactly when its import said 0. */
static const char *const fa_files[] = {R9990, S003, RUF};
static const char *const fa_stored[] = {
	"SELECT COUNT(*) FROM reports WHERE report_id LIKE 'dmarcbis-%'",
	"SELECT COUNT(*) FROM reports WHERE report_id = '758848224'",
	"SELECT COUNT(*) FROM failures",
};

#define FA_N 3

/* One run with the n-th allocation failing; returns the allocations
 * made (fewer than n: none failed). */
static unsigned long
fa_run(const char *path, unsigned jobs, unsigned long n, char *const *in,
    const size_t *len, struct log *lg, int *made_pipe)
{
	struct vouch_store *s = open_store(path);
	struct vouch_store_pipe *p = NULL;
	unsigned long made;
	int rc, prc[FA_N] = {0}, frc = 0;
	size_t i;

	memset(lg, 0, sizeof(*lg));
	failalloc_set(n);
	rc = vouch_store_pipe_new(s, jobs, NULL, on_done, lg, &p);
	if (rc == 0) {
		for (i = 0; i < FA_N; i++)
			prc[i] = vouch_store_pipe_put(p, in[i], len[i],
			    fa_files[i], NOW, &tags[i]);
		frc = vouch_store_pipe_flush(p);
		vouch_store_pipe_free(p);
	}
	made = failalloc_count();
	failalloc_set(0);
	vouch_store_close(s);
	*made_pipe = rc == 0;
	/* Only the pipe's own memory can fail it: ENOMEM, nothing made. */
	if (rc != 0) {
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(p);
		assert_int_equal(lg->n, 0);
	}
	for (i = 0; i < FA_N; i++)
		assert_int_equal(prc[i], 0);
	assert_int_equal(frc, 0);
	return made;
}

static void
fa_check(const char *path, const struct log *lg, int all_ok)
{
	const struct told *t;
	size_t i;

	assert_int_equal(lg->n, FA_N);
	for (i = 0; i < FA_N; i++) {
		t = &lg->t[i];
		assert_int_equal(t->idx, i);
		assert_true(t->has_res && t->has_err);
		if (t->rc != 0 && (all_ok || t->rc != VOUCH_ENOMEM))
			fail_msg("input %zu: rc %d '%s'", i, t->rc,
			    t->err.msg);
		assert_int_equal(t->res.reports + t->res.failures,
		    t->rc == 0);
		assert_int_equal(count(path, fa_stored[i]), t->rc == 0);
	}
}

static void
fa_loop(struct fx *f, unsigned jobs, char *const *in, const size_t *len)
{
	char path[256];
	unsigned long n, made;
	struct log lg;
	int piped;

	path_in(f, "fa.db", path);
	for (n = 1; n < 100000; n++) {
		made = fa_run(path, jobs, n, in, len, &lg, &piped);
		if (piped)
			fa_check(path, &lg, made < n);
		else
			assert_true(made >= n);
		free(lg.t);
		remove_store(path);
		if (made < n)
			break;
	}
	assert_true(n > 20);
}

static void
test_alloc_failures(void **state)
{
	char *in[FA_N];
	size_t len[FA_N], i;

	for (i = 0; i < FA_N; i++)
		in[i] = corpus(fa_files[i], &len[i]);
	fa_loop(*state, 0, in, len);
	fa_loop(*state, 2, in, len);
	for (i = 0; i < FA_N; i++)
		free(in[i]);
}

/* ---- an input too large to be kept parsed ----------------------------- */

/* Records of one address and count each: about 80 bytes of XML, more
 * than 170 as a parsed copy (a record, its event, no strings). */
#define LARGE_RECORDS 120000

static void
test_large_input(void **state)
{
	static const unsigned jobs[] = {2};
	struct inputs *ins = calloc(1, sizeof(*ins));
	struct vouch__prep *prep;
	struct log want;
	size_t len, n;
	char *x, *y;

	assert_non_null(ins);
	x = gen_report("large", "big-1", LARGE_RECORDS, "1", &len);
	/* Too large for a copy: the pipe must store it directly. */
	prep = vouch__prep_parse(x, len, NULL);
	if (prep != NULL) {
		vouch__prep_free(prep);
		fail_msg("%d records fit in VOUCH__PREP_MAX", LARGE_RECORDS);
	}
	y = corpus(R9990, &n);
	add_input(ins, y, n, R9990);
	add_input(ins, x, len, "large.xml");
	y = corpus(S003, &n);
	add_input(ins, y, n, S003);
	memset(&want, 0, sizeof(want));
	compare_runs(*state, ins, 2, NULL, jobs, 1, &want);
	check_stored(&want.t[1], LARGE_RECORDS, LARGE_RECORDS);
	assert_int_equal(want.t[4].res.duplicates, 1);
	free(want.t);
	inputs_free(ins);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_same_as_import),
		T(test_done_stops),
		T(test_stop_while_put_waits),
		T(test_free_in_flight),
		T(test_arguments),
		T(test_null_data),
		T(test_alloc_failures),
		T(test_large_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
