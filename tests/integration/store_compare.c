/*
 * store_compare.c - libvouch-store on a real PostgreSQL against SQLite.
 *
 * Usage: store_compare POSTGRESQL_URI WORKDIR (run by pg_store.sh, which
 * starts a private server).  Every DMARC report of the corpora that the
 * parser accepts (rua-xml-summary.tsv, the aggregate e-mails and the
 * failure reports of parsedmarc) goes into a fresh SQLite file and into
 * the PostgreSQL database; the record counts and message sums must be
 * the TSV's, and everything the query API shows must read alike from
 * both.  Then four processes import the same inputs into a fresh
 * PostgreSQL database at once: each report must be stored exactly once;
 * and a vouch_store_pipe of two parsing threads into another must store
 * every row the imports one after the other stored.
 * Then hostile inputs, the raw download, the PTR cache and connection
 * failures (store_checks.c).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store_compare.h"
#include "testutil.h"

#define RACERS 4

unsigned sc_failed, sc_passed;

int
sc_check(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		sc_passed++;
		return 1;
	}
	sc_failed++;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return 0;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		perror("calloc");
		exit(2);
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		perror("strdup");
		exit(2);
	}
	return p;
}

/* ---- the corpus ------------------------------------------------------- */

static struct sc_input *
add_input(struct sc_corpus *c, const char *path)
{
	struct sc_input *in;
	struct vouch_report_handler none = { 0 };
	struct vouch_error err;

	c->in = realloc(c->in, (c->n + 1) * sizeof(*c->in));
	if (c->in == NULL) {
		perror("realloc");
		exit(2);
	}
	in = &c->in[c->n++];
	memset(in, 0, sizeof(*in));
	in->path = xstrdup(path);
	in->data = (unsigned char *)tu_read_file(tu_corpus_path(path),
	    &in->len);
	if (in->data == NULL) {
		fprintf(stderr, "store_compare: %s: %s\n",
		    tu_corpus_path(path), strerror(errno));
		exit(2);
	}
	in->accepted = vouch_report_parse(in->data, in->len, NULL, &none,
	    NULL, &err) == 0;
	return in;
}

/* Column i (0-based) of a TSV line, cut in place. */
static char *
tsv_field(char **cols, int ncols, int i)
{
	return i < ncols ? cols[i] : "";
}

static void
load_tsv(struct sc_corpus *c)
{
	char *text = tu_read_file(tu_corpus_path("rua-xml-summary.tsv"), NULL);
	char *line, *save = NULL, *cols[20], *p;
	struct sc_input *in;
	int n;

	if (text == NULL) {
		perror("rua-xml-summary.tsv");
		exit(2);
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "file\t", 5) == 0)
			continue;
		for (n = 0, p = line; n < 20; n++) {
			cols[n] = p;
			if ((p = strchr(p, '\t')) == NULL) {
				n++;
				break;
			}
			*p++ = '\0';
		}
		in = add_input(c, tsv_field(cols, n, 0));
		in->has_tsv = 1;
		in->well_formed = strcmp(tsv_field(cols, n, 2), "yes") == 0;
		in->org_name = xstrdup(tsv_field(cols, n, 5));
		in->report_id = xstrdup(tsv_field(cols, n, 6));
		in->records = strtoull(tsv_field(cols, n, 13), NULL, 10);
		in->sum = strtoull(tsv_field(cols, n, 14), NULL, 10);
	}
	free(text);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir (relative to the corpora) ending in suffix, sorted. */
static void
load_dir(struct sc_corpus *c, const char *dir, const char *suffix)
{
	DIR *d = opendir(tu_corpus_path(dir));
	struct dirent *e;
	char *names[64], path[1024];
	size_t n = 0, i, len, slen = strlen(suffix);

	if (d == NULL) {
		perror(dir);
		exit(2);
	}
	while ((e = readdir(d)) != NULL && n < 64) {
		len = strlen(e->d_name);
		if (len > slen && strcmp(e->d_name + len - slen, suffix) == 0)
			names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		add_input(c, path);
		free(names[i]);
	}
}

/* Whether an accepted TSV input before i has the same report key. */
static int
key_seen(const struct sc_corpus *c, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (c->in[j].has_tsv && c->in[j].accepted &&
		    strcmp(c->in[j].org_name, c->in[i].org_name) == 0 &&
		    strcmp(c->in[j].report_id, c->in[i].report_id) == 0)
			return 1;
	return 0;
}

void
sc_corpus_load(struct sc_corpus *c)
{
	size_t i, naccepted = 0;

	c->in = NULL;
	c->n = 0;
	load_tsv(c);
	load_dir(c, "parsedmarc/aggregate", ".eml");
	load_dir(c, "parsedmarc/failure", ".eml");
	for (i = 0; i < c->n; i++) {
		naccepted += c->in[i].accepted;
		c->in[i].first = c->in[i].has_tsv && c->in[i].accepted &&
		    !key_seen(c, i);
		/* Not well-formed XML is refused, never "recovered". */
		if (c->in[i].has_tsv && !c->in[i].well_formed)
			sc_check(!c->in[i].accepted, "%s: not well-formed but "
			    "parsed", c->in[i].path);
	}
	sc_check(naccepted >= 40, "only %zu of %zu inputs parse", naccepted,
	    c->n);
	printf("corpus: %zu inputs, %zu accepted by the parser\n", c->n,
	    naccepted);
}

void
sc_corpus_free(struct sc_corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->in[i].path);
		free(c->in[i].org_name);
		free(c->in[i].report_id);
		free(c->in[i].data);
	}
	free(c->in);
}

/* ---- importing ---------------------------------------------------------- */

static void
check_import(const struct sc_corpus *c, size_t i, int rc,
    const struct vouch_store_import_result *r, const struct vouch_error *err)
{
	const struct sc_input *in = &c->in[i];

	if (!in->accepted) {
		sc_check(rc < 0 && r->reports + r->failures == 0, "%s: refused "
		    "by the parser but imported (rc %d)", in->path, rc);
		return;
	}
	if (!sc_check(rc == 0, "%s: import failed: %s", in->path, err->msg))
		return;
	if (!in->has_tsv) {
		sc_check(r->reports + r->failures + r->duplicates >= 1,
		    "%s: nothing stored nor found", in->path);
		return;
	}
	if (!in->first) {
		sc_check(r->reports == 0 && r->duplicates == 1, "%s: a "
		    "report already stored, yet %zu stored %zu duplicates",
		    in->path, r->reports, r->duplicates);
		return;
	}
	sc_check(r->reports == 1 && r->duplicates == 0 &&
	    r->records == in->records && r->messages == in->sum,
	    "%s: stored %zu (%zu dup) with %" PRIu64 " records, %" PRIu64
	    " messages; the TSV says %" PRIu64 ", %" PRIu64, in->path,
	    r->reports, r->duplicates, r->records, r->messages, in->records,
	    in->sum);
}

void
sc_import_all(struct vouch_store *s, const struct sc_corpus *c, int check,
    struct sc_totals *t)
{
	struct vouch_store_import_result r;
	struct vouch_error err;
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < c->n; i++) {
		memset(&r, 0, sizeof(r));
		err.msg[0] = '\0';
		rc = vouch_store_import(s, c->in[i].data, c->in[i].len,
		    c->in[i].path, NULL, SC_NOW, &r, &err);
		if (check)
			check_import(c, i, rc, &r, &err);
		else if (c->in[i].accepted && rc != 0)
			sc_check(0, "%s: import failed: %s", c->in[i].path,
			    err.msg);
		t->reports += r.reports;
		t->duplicates += r.duplicates;
		t->failures += r.failures;
		t->records += r.records;
		t->messages += r.messages;
	}
}

/* What the stored rows say of each TSV report: the records and message
 * sum of its first input, read back through vouch_store_rows(). */
struct per_key {
	const struct sc_corpus *c;
	uint64_t *rows, *sums;
};

static int
count_key(void *arg, const struct vouch_store_row *row)
{
	struct per_key *k = arg;
	size_t i;

	for (i = 0; i < k->c->n; i++) {
		const struct sc_input *in = &k->c->in[i];

		if (in->has_tsv && in->accepted &&
		    strcmp(in->org_name, row->org_name) == 0 &&
		    strcmp(in->report_id, row->report_id) == 0) {
			k->rows[i]++;
			k->sums[i] += row->count;
			break;
		}
	}
	return 0;
}

static void
check_stored(struct vouch_store *s, const struct sc_corpus *c,
    const char *name)
{
	struct per_key k = { c, xcalloc(c->n, sizeof(uint64_t)),
	    xcalloc(c->n, sizeof(uint64_t)) };
	struct vouch_error err;
	size_t i;

	sc_check(vouch_store_rows(s, NULL, count_key, &k, &err) == 0,
	    "%s: rows: %s", name, err.msg);
	for (i = 0; i < c->n; i++)
		if (c->in[i].first)
			sc_check(k.rows[i] == c->in[i].records &&
			    k.sums[i] == c->in[i].sum, "%s: %s: %" PRIu64
			    " records and %" PRIu64 " messages stored, the TSV "
			    "says %" PRIu64 ", %" PRIu64, name, c->in[i].path,
			    k.rows[i], k.sums[i], c->in[i].records,
			    c->in[i].sum);
	free(k.rows);
	free(k.sums);
}

static struct vouch_store *
open_store(const char *where, const char *backend)
{
	struct vouch_store *s = NULL;
	struct vouch_error err;
	int rc = vouch_store_open(where, &s, &err);

	if (!sc_check(rc == 0, "open %s: %s", where, err.msg))
		return NULL;
	sc_check(strcmp(vouch_store_backend(s), backend) == 0, "%s is %s, "
	    "not %s", where, vouch_store_backend(s), backend);
	sc_check(vouch_store_schema_version(s) >= 1, "%s: schema version %d",
	    where, vouch_store_schema_version(s));
	return s;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
dump_of(struct vouch_store *s, const char *name)
{
	char *d = NULL;
	double t0 = now_s();

	if (!sc_check(sc_dump(s, &d) == 0, "%s: dump failed", name))
		return NULL;
	printf("%s: dumped in %.2f s\n", name, now_s() - t0);
	return d;
}

/* ---- the race ------------------------------------------------------------ */

/* A fresh database db beside uri's; its URI (caller frees), or NULL. */
static char *
new_database(const char *uri, const char *db)
{
	PGconn *conn = PQconnectdb(uri);
	PGresult *res;
	char sql[128];
	int ok;

	ok = sc_check(PQstatus(conn) == CONNECTION_OK, "libpq: %s",
	    PQerrorMessage(conn));
	if (ok) {
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
		res = PQexec(conn, sql);
		ok = sc_check(PQresultStatus(res) == PGRES_COMMAND_OK,
		    "create the database %s: %s", db,
		    PQresultErrorMessage(res));
		PQclear(res);
	}
	PQfinish(conn);
	return ok ? sc_uri_with_db(uri, db) : NULL;
}

char *
sc_uri_with_db(const char *uri, const char *db)
{
	const char *slash = strrchr(uri, '/');
	char *p;
	size_t n;

	/* postgresql://user@host:port/db (what pg_store.sh hands over). */
	if (slash == NULL || slash < uri + 13 || strchr(slash, '?') != NULL)
		return NULL;
	n = (size_t)(slash - uri) + 1;
	p = xcalloc(1, n + strlen(db) + 1);
	memcpy(p, uri, n);
	memcpy(p + n, db, strlen(db));
	return p;
}

/* One racer: wait for the start, open (the store may be new: racing
 * migrations), import everything, report the totals on out. */
static void
racer(const char *uri, const struct sc_corpus *c, int start, int out)
{
	struct vouch_store *s;
	struct sc_totals t;
	char go;
	int ok;

	sc_failed = sc_passed = 0;
	if (read(start, &go, 1) < 0)
		_exit(3);
	if ((s = open_store(uri, "postgresql")) == NULL)
		_exit(1);
	sc_import_all(s, c, 0, &t);
	vouch_store_close(s);
	ok = write(out, &t, sizeof(t)) == (ssize_t)sizeof(t);
	exit(ok && sc_failed == 0 ? 0 : 1);
}

static void
race(const char *uri, const struct sc_corpus *c, const struct sc_totals *seq,
    const char *pg_dump)
{
	char *race_uri = new_database(uri, "vouch_race"), *d;
	int start[2], out[2], i, st, ok = 1;
	struct sc_totals t, sum = { 0 };
	struct vouch_store *s;
	pid_t pid[RACERS];
	uint64_t each;

	if (race_uri == NULL || pipe(start) != 0 || pipe(out) != 0) {
		sc_check(0, "race: no database or pipe");
		free(race_uri);
		return;
	}
	fflush(stdout);
	for (i = 0; i < RACERS; i++)
		if ((pid[i] = fork()) == 0) {
			close(start[1]);
			close(out[0]);
			racer(race_uri, c, start[0], out[1]);
		}
	/* Closing the write end starts them all at once. */
	close(start[0]);
	close(start[1]);
	close(out[1]);
	for (i = 0; i < RACERS; i++) {
		if (read(out[0], &t, sizeof(t)) != (ssize_t)sizeof(t)) {
			ok = 0;
			continue;
		}
		sum.reports += t.reports;
		sum.duplicates += t.duplicates;
		sum.failures += t.failures;
		sum.records += t.records;
		sum.messages += t.messages;
	}
	close(out[0]);
	for (i = 0; i < RACERS; i++)
		ok &= waitpid(pid[i], &st, 0) == pid[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0;
	sc_check(ok, "race: a racer failed (see above)");
	each = seq->reports + seq->duplicates + seq->failures;
	sc_check(sum.reports == seq->reports && sum.failures ==
	    seq->failures && sum.records == seq->records &&
	    sum.messages == seq->messages, "race: %" PRIu64 " reports, %"
	    PRIu64 " failure reports, %" PRIu64 " records stored in all; "
	    "one importer alone stores %" PRIu64 ", %" PRIu64 ", %" PRIu64,
	    sum.reports, sum.failures, sum.records, seq->reports,
	    seq->failures, seq->records);
	sc_check(sum.duplicates == RACERS * each - seq->reports -
	    seq->failures, "race: %" PRIu64 " duplicates, expected %" PRIu64,
	    sum.duplicates, RACERS * each - seq->reports - seq->failures);
	if ((s = open_store(race_uri, "postgresql")) != NULL &&
	    (d = dump_of(s, "race")) != NULL) {
		sc_same_dump("raced vs one importer", d, pg_dump, 1);
		free(d);
	}
	vouch_store_close(s);
	free(race_uri);
}

/* ---- the pipe ------------------------------------------------------------ */

static int
piped(void *arg, void *tag, int rc, const struct vouch_store_import_result *r,
    const struct vouch_error *err)
{
	struct sc_totals *t = arg;

	(void)tag;
	(void)rc;
	(void)err;
	if (r == NULL) {
		sc_check(0, "pipe: an input was dropped");
		return 0;
	}
	t->reports += r->reports;
	t->duplicates += r->duplicates;
	t->failures += r->failures;
	t->records += r->records;
	t->messages += r->messages;
	return 0;
}

/* The corpus through a vouch_store_pipe of 2 parsing threads into a fresh
 * database: the totals and every row of the sequential import. */
static void
pipe_import(const char *uri, const struct sc_corpus *c,
    const struct sc_totals *seq, const char *pg_dump)
{
	char *pipe_uri = new_database(uri, "vouch_pipe"), *d;
	struct vouch_store_pipe *p = NULL;
	struct sc_totals t = { 0 };
	struct vouch_store *s;
	size_t i;

	if (pipe_uri == NULL ||
	    (s = open_store(pipe_uri, "postgresql")) == NULL) {
		free(pipe_uri);
		return;
	}
	if (sc_check(vouch_store_pipe_new(s, 2, NULL, piped, &t, &p) == 0,
	    "pipe: cannot make one")) {
		for (i = 0; i < c->n; i++)
			(void)vouch_store_pipe_put(p, c->in[i].data,
			    c->in[i].len, c->in[i].path, SC_NOW, NULL);
		sc_check(vouch_store_pipe_flush(p) == 0, "pipe: stopped");
	}
	vouch_store_pipe_free(p);
	sc_check(memcmp(&t, seq, sizeof(t)) == 0, "pipe: the totals differ "
	    "from one import after the other");
	if ((d = dump_of(s, "pipe")) != NULL) {
		sc_same_dump("pipe vs one import after the other", d, pg_dump,
		    0);
		free(d);
	}
	vouch_store_close(s);
	free(pipe_uri);
}

/* ---- main ---------------------------------------------------------------- */

static void
compare(const char *uri, const char *workdir, const struct sc_corpus *c)
{
	struct vouch_store *lite, *pg, *again;
	struct sc_totals tl, tp;
	char path[1024], *dl = NULL, *dp = NULL, *da = NULL;
	double t0 = now_s();

	snprintf(path, sizeof(path), "%s/compare.sqlite", workdir);
	lite = open_store(path, "sqlite");
	pg = open_store(uri, "postgresql");
	if (lite == NULL || pg == NULL)
		goto out;
	sc_import_all(lite, c, 1, &tl);
	printf("sqlite: imported in %.2f s\n", now_s() - t0);
	t0 = now_s();
	sc_import_all(pg, c, 1, &tp);
	printf("postgresql: imported in %.2f s\n", now_s() - t0);
	sc_check(memcmp(&tl, &tp, sizeof(tl)) == 0, "the totals differ");
	printf("stored: %" PRIu64 " reports, %" PRIu64 " failure reports, %"
	    PRIu64 " records, %" PRIu64 " messages, %" PRIu64 " duplicates\n",
	    tp.reports, tp.failures, tp.records, tp.messages, tp.duplicates);
	check_stored(lite, c, "sqlite");
	check_stored(pg, c, "postgresql");
	dl = dump_of(lite, "sqlite");
	dp = dump_of(pg, "postgresql");
	if (dl != NULL && dp != NULL)
		sc_same_dump("sqlite vs postgresql", dl, dp, 0);
	/* A second open finds the schema current and reads the same. */
	if ((again = open_store(uri, "postgresql")) != NULL &&
	    (da = dump_of(again, "postgresql reopened")) != NULL && dp != NULL)
		sc_same_dump("postgresql reopened", da, dp, 0);
	vouch_store_close(again);
	sc_raw_roundtrip(pg, c);
	sc_raw_roundtrip(lite, c);
	sc_ptr_cache(pg);
	sc_ptr_cache(lite);
	vouch_store_close(pg);
	vouch_store_close(lite);
	pg = lite = NULL;
	t0 = now_s();
	if (dp != NULL)
		pipe_import(uri, c, &tp, dp);
	printf("pipe: imported in %.2f s\n", now_s() - t0);
	t0 = now_s();
	if (dp != NULL)
		race(uri, c, &tp, dp);
	printf("race: %d importers in %.2f s\n", RACERS, now_s() - t0);
out:
	vouch_store_close(pg);
	vouch_store_close(lite);
	free(dl);
	free(dp);
	free(da);
}

static void
hostile(const char *uri, const char *workdir)
{
	struct vouch_store *s;
	char path[1024];
	double t0 = now_s();

	snprintf(path, sizeof(path), "%s/hostile.sqlite", workdir);
	if ((s = open_store(path, "sqlite")) != NULL)
		sc_hostile(s);
	vouch_store_close(s);
	printf("sqlite: hostile inputs in %.2f s\n", now_s() - t0);
	t0 = now_s();
	if ((s = open_store(uri, "postgresql")) != NULL)
		sc_hostile(s);
	vouch_store_close(s);
	printf("postgresql: hostile inputs in %.2f s\n", now_s() - t0);
}

int
main(int argc, char **argv)
{
	struct sc_corpus c;
	double t0 = now_s(), start = t0;

	if (argc != 3) {
		fputs("usage: store_compare POSTGRESQL_URI WORKDIR\n", stderr);
		return 2;
	}
	sc_corpus_load(&c);
	printf("corpus: parsed in %.2f s\n", now_s() - t0);
	t0 = now_s();
	sc_pg_backend(argv[1]);
	printf("postgresql backend: checked in %.2f s\n", now_s() - t0);
	compare(argv[1], argv[2], &c);
	hostile(argv[1], argv[2]);
	t0 = now_s();
	sc_pg_connection(argv[1]);
	printf("postgresql: connections in %.2f s\n", now_s() - t0);
	sc_corpus_free(&c);
	printf("store_compare: %.2f s\n", now_s() - start);
	printf("store_compare: %u passed, %u failed\n", sc_passed, sc_failed);
	return sc_failed != 0;
}
