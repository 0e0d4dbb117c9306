/*
 * pg_backend.c - the PostgreSQL backend (store/store_pg.c) through the
 * interface of store_db.h, on the real server: "?" placeholders beside
 * quoted text and comments, values of every kind both ways (bytea with
 * NUL bytes, the extreme BIGINTs, NULL, booleans, NUMERIC sums), the
 * statement cache and past its end, a transaction left aborted by a
 * failed statement, the server's errors, and each of the backend's own
 * allocations failing in turn.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "failalloc.h"
#include "store_compare.h"
#include "store_db.h"

#define NSTMTS 300	/* more than the backend caches */

static struct vouch__db *db;
static const struct vouch__db_ops *o;

/* Prepare sql; NULL (a check failed) on error. */
static struct vouch__stmt *
prep(const char *sql)
{
	struct vouch__stmt *st = NULL;
	struct vouch_error err = { 0 };

	if (!sc_check(o->prepare(db, sql, &st, &err) == 0, "prepare %s: %s",
	    sql, err.msg))
		return NULL;
	return st;
}

/* Step st expecting want (1 row, 0 done, or an error code whose
 * message holds needle). */
static int
step(struct vouch__stmt *st, int want, const char *needle)
{
	struct vouch_error err = { 0 };
	int rc = o->step(st, &err);

	sc_check(rc == want && (needle == NULL || strstr(err.msg, needle)),
	    "step: %d (%s), expected %d %s", rc, err.msg, want,
	    needle != NULL ? needle : "");
	return rc;
}

static void
run(const char *sql)
{
	struct vouch_error err = { 0 };

	sc_check(o->exec(db, sql, &err) == 0, "exec %s: %s", sql, err.msg);
}

static void
placeholders(void)
{
	static const unsigned char blob[] = { 0, 1, 0xff, '\\', 'x', 0, '\'' };
	struct vouch__stmt *st;
	const unsigned char *b;
	size_t len;

	/* Only the three bare "?" are parameters. */
	st = prep("INSERT INTO t_pg (q, n, b) VALUES ('it''s ?' || ? || "
	    "'?', ? /* ? /* nested ? */ ? */, ?) -- not ? this\n"
	    "RETURNING id, q, \"n\"");
	if (st == NULL)
		return;
	sc_check(o->bind_text(st, 1, "x?y") == 0 &&
	    o->bind_int64(st, 2, INT64_MIN) == 0 &&
	    o->bind_blob(st, 3, blob, sizeof(blob)) == 0, "bind");
	sc_check(o->bind_text(st, 4, "no") == VOUCH_EINVAL &&
	    o->bind_null(st, 0) == VOUCH_EINVAL, "bind out of range");
	if (step(st, 1, NULL) == 1) {
		sc_check(o->col_int64(st, 0) > 0, "RETURNING id");
		sc_check(strcmp(o->col_text(st, 1), "it's ?x?y?") == 0,
		    "quoted text: %s", o->col_text(st, 1));
		sc_check(o->col_int64(st, 2) == INT64_MIN, "INT64_MIN");
		step(st, 0, NULL);
	}
	sc_check(o->reset(st) == 0, "reset");
	sc_check(o->bind_text(st, 1, "") == 0 &&
	    o->bind_int64(st, 2, INT64_MAX) == 0 &&
	    o->bind_blob(st, 3, "", 0) == 0, "bind again");
	step(st, 1, NULL);
	o->finish(st);

	st = prep("SELECT q, n, b, NULL, n > 0, SUM(n) OVER (), "
	    "octet_length(b) FROM t_pg ORDER BY n");
	if (st == NULL)
		return;
	if (step(st, 1, NULL) == 1) {
		b = o->col_blob(st, 2, &len);
		sc_check(b != NULL && len == sizeof(blob) &&
		    memcmp(b, blob, len) == 0, "bytea back: %zu bytes", len);
		sc_check(o->col_is_null(st, 3) && o->col_text(st, 3) == NULL &&
		    o->col_int64(st, 3) == 0, "NULL");
		sc_check(o->col_int64(st, 4) == 0, "false");
		/* INT64_MIN + INT64_MAX, summed as NUMERIC. */
		sc_check(o->col_int64(st, 5) == -1, "SUM: %s",
		    o->col_text(st, 5));
		sc_check(o->col_text(st, 9) == NULL && !o->col_is_null(st, 0),
		    "a column past the end");
	}
	if (step(st, 1, NULL) == 1) {
		b = o->col_blob(st, 2, &len);
		sc_check(len == 0 && !o->col_is_null(st, 2) &&
		    o->col_int64(st, 6) == 0, "empty bytea");
		sc_check(o->col_int64(st, 4) == 1, "true");
		sc_check(o->col_int64(st, 1) == INT64_MAX, "INT64_MAX");
		sc_check(strcmp(o->col_text(st, 0), "it's ??") == 0,
		    "empty text: %s", o->col_text(st, 0));
	}
	step(st, 0, NULL);
	step(st, 0, NULL);
	o->finish(st);

	/* Not UTF-8: the backend passes text as it is (the common code
	 * cleans it first, vouch__store_utf8()), so PostgreSQL refuses it,
	 * and says why. */
	if ((st = prep("SELECT CAST(? AS TEXT)")) != NULL) {
		struct vouch_error e = {0};

		o->bind_text(st, 1, "\xe9t\xc3\xa9");
		sc_check(o->step(st, &e) < 0 && strstr(e.msg, "UTF8") != NULL,
		    "text that is not UTF-8 refused: %s", e.msg);
		o->finish(st);
	}
	if ((st = prep("INSERT INTO \"we?ird\" (x) VALUES (?)")) != NULL) {
		sc_check(o->bind_int64(st, 1, 7) == 0, "bind");
		step(st, 0, NULL);
		o->finish(st);
	}
}

/* The same text prepared twice shares one server statement; NSTMTS
 * texts overflow the cache into statements sent whole. */
static void
cache(void)
{
	struct vouch__stmt *st[NSTMTS], *a, *b;
	char sql[64];
	int i, ok = 1;

	a = prep("SELECT CAST(? AS BIGINT) * 2");
	b = prep("SELECT CAST(? AS BIGINT) * 2");
	if (a != NULL && b != NULL) {
		o->bind_int64(a, 1, 21);
		o->bind_int64(b, 1, 5);
		if (step(a, 1, NULL) == 1 && step(b, 1, NULL) == 1)
			sc_check(o->col_int64(a, 0) == 42 &&
			    o->col_int64(b, 0) == 10, "two of one text");
	}
	o->finish(a);
	o->finish(b);
	for (i = 0; i < NSTMTS; i++) {
		snprintf(sql, sizeof(sql), "SELECT CAST(? AS BIGINT) + %d", i);
		if ((st[i] = prep(sql)) == NULL)
			return;
	}
	for (i = 0; i < NSTMTS; i++) {
		o->bind_int64(st[i], 1, 1000);
		ok &= o->step(st[i], NULL) == 1 &&
		    o->col_int64(st[i], 0) == 1000 + i;
		/* Left unfinished for half of them: close finishes them. */
		if (i % 2 == 0)
			o->finish(st[i]);
	}
	sc_check(ok, "%d statements", NSTMTS);
}

static void
transactions(void)
{
	struct vouch__stmt *div, *count;
	struct vouch_error err = { 0 };
	int64_t n0 = -1;

	div = prep("SELECT 10 / CAST(? AS INTEGER)");
	count = prep("SELECT COUNT(*) FROM \"we?ird\"");
	if (div == NULL || count == NULL)
		return;
	if (step(count, 1, NULL) == 1)
		n0 = o->col_int64(count, 0);
	o->reset(count);
	sc_check(o->begin(db, &err) == 0, "begin: %s", err.msg);
	sc_check(o->schema_lock(db, &err) == 0, "lock: %s", err.msg);
	run("INSERT INTO \"we?ird\" (x) VALUES (1)");
	o->bind_int64(div, 1, 0);
	step(div, VOUCH_EIO, "division by zero");
	o->reset(div);
	/* Aborted: everything fails, COMMIT rolls back and says so. */
	step(count, VOUCH_EIO, "aborted");
	o->reset(count);
	sc_check(o->commit(db, &err) == VOUCH_EIO, "COMMIT of an aborted "
	    "transaction succeeded");
	if (step(count, 1, NULL) == 1)
		sc_check(o->col_int64(count, 0) == n0, "the insert stayed");
	o->reset(count);
	/* The same through rollback, twice (the second has nothing to
	 * undo, and must not print PostgreSQL's warning). */
	sc_check(o->begin(db, &err) == 0, "begin: %s", err.msg);
	step(div, VOUCH_EIO, "division by zero");
	o->reset(div);
	o->rollback(db);
	o->rollback(db);
	o->bind_int64(div, 1, 5);
	if (step(div, 1, NULL) == 1)
		sc_check(o->col_int64(div, 0) == 2, "after rollback");
	o->reset(div);
	sc_check(o->begin(db, &err) == 0, "begin: %s", err.msg);
	run("INSERT INTO \"we?ird\" (x) VALUES (2)");
	sc_check(o->commit(db, &err) == 0, "commit: %s", err.msg);
	if (step(count, 1, NULL) == 1)
		sc_check(o->col_int64(count, 0) == n0 + 1, "committed");
	o->finish(div);
	o->finish(count);
}

static void
errors(void)
{
	struct vouch__stmt *st = NULL;
	struct vouch_error err = { 0 };

	sc_check(o->prepare(db, "SELEC 1", &st, &err) == VOUCH_EIO &&
	    st == NULL && strstr(err.msg, "syntax error") != NULL,
	    "prepare of bad SQL: %s", err.msg);
	sc_check(o->exec(db, "SELECT * FROM no_such_table", &err) ==
	    VOUCH_EIO && strstr(err.msg, "no_such_table") != NULL,
	    "exec of a missing table: %s", err.msg);
	/* A parameter whose type the server cannot tell. */
	sc_check(o->prepare(db, "SELECT ? IS NULL", &st, &err) == VOUCH_EIO,
	    "an untyped parameter");
}

/* Open, prepare, bind, step, read, finish, close: 1 when every step
 * worked, 0 when one failed cleanly (out of memory). */
static int
alloc_run(const char *uri)
{
	struct vouch__db *d;
	struct vouch__stmt *st = NULL;
	struct vouch_error err = { 0 };
	const void *b;
	size_t len = 0;
	int ok = 0;

	if (vouch__db_pg_open(uri, &d, &err) != 0)
		return sc_check(err.code == VOUCH_ENOMEM, "open: %s", err.msg) -
		    1;
	if (d->ops->prepare(d, "SELECT CAST(? AS TEXT) || '?', "
	    "CAST(? AS BYTEA), CAST(? AS BIGINT)", &st, &err) != 0) {
		sc_check(err.code == VOUCH_ENOMEM, "prepare: %s", err.msg);
		goto out;
	}
	if (d->ops->bind_text(st, 1, "a") != 0 ||
	    d->ops->bind_blob(st, 2, "\0b", 2) != 0 ||
	    d->ops->bind_int64(st, 3, 3) != 0 ||
	    d->ops->step(st, &err) != 1 ||
	    (b = d->ops->col_blob(st, 1, &len)) == NULL)
		goto out;
	ok = sc_check(strcmp(d->ops->col_text(st, 0), "a?") == 0 &&
	    len == 2 && memcmp(b, "\0b", 2) == 0 &&
	    d->ops->col_int64(st, 2) == 3, "values under failalloc");
out:
	d->ops->finish(st);
	d->ops->close(d);
	return ok;
}

static void
alloc_failures(const char *uri)
{
	unsigned long n;
	int done = 0;

	for (n = 1; n < 100 && !done; n++) {
		failalloc_set(n);
		alloc_run(uri);
		/* The nth allocation never came: nothing left to fail. */
		done = failalloc_count() < n;
	}
	failalloc_set(0);
	sc_check(done && alloc_run(uri) == 1, "allocation failures: "
	    "%lu runs", n);
}

void
sc_pg_backend(const char *uri)
{
	struct vouch_error err = { 0 };

	if (!sc_check(vouch__db_pg_open(uri, &db, &err) == 0, "open %s: %s",
	    uri, err.msg))
		return;
	o = db->ops;
	sc_check(strcmp(o->name, "postgresql") == 0 &&
	    strcmp(o->blob_type, "BYTEA") == 0 &&
	    strcmp(o->serial_pk, "BIGSERIAL PRIMARY KEY") == 0, "names");
	run("CREATE TABLE t_pg (id BIGSERIAL PRIMARY KEY, q TEXT, n BIGINT, "
	    "b BYTEA); CREATE TABLE \"we?ird\" (x INTEGER)");
	placeholders();
	/* Before the cache fills: past it, statements reach the server
	 * only when stepped. */
	errors();
	cache();
	transactions();
	run("DROP TABLE t_pg; DROP TABLE \"we?ird\"");
	o->close(db);
	alloc_failures(uri);
}
