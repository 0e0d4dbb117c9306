/*
 * store_sqlite.c - the SQLite 3 backend of store_db.h: one database file,
 * WAL journal (readers never wait for the writer), synchronous=NORMAL
 * (a crash loses at most the last transactions, never the file), foreign
 * keys enforced, and a 30-second busy timeout so that a second importer
 * waits for the first instead of failing.  begin is BEGIN IMMEDIATE: the
 * write lock is taken at once, so two importers of the same report
 * serialize and the second sees the first's row (a duplicate), never a
 * deadlock between two read locks that both want to write.
 *
 * A statement is the sqlite3_stmt itself behind the opaque pointer.  Text
 * and blobs are bound without a copy (SQLITE_STATIC): the caller's value
 * must live until the statement has been stepped, and reset clears the
 * bindings so that no dangling pointer outlives it.
 */
#include <string.h>

#include <sqlite3.h>

#include "store_db.h"
#include "util/util.h"

#define SQ_BUSY_MS 30000
/* RETURNING (3.35); window functions (3.25) and upsert (3.24) before. */
#define SQ_MIN_VERSION 3035000

/* The transaction statements, prepared once per handle: import runs
 * one of each per report, and sqlite3_exec() would compile the text
 * every time. */
enum sq_tx { SQ_BEGIN, SQ_COMMIT, SQ_ROLLBACK, SQ__TX };

static const char *const sq_tx_sql[SQ__TX] = {
	"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"
};

struct sq_db {
	struct vouch__db base;	/* first: a vouch__db * is a sq_db * */
	sqlite3 *h;
	sqlite3_stmt *tx[SQ__TX];	/* finalized with the others */
};

static sqlite3_stmt *
sq_st(struct vouch__stmt *st)
{
	return (sqlite3_stmt *)(void *)st;
}

static sqlite3 *
sq_h(struct vouch__db *db)
{
	return ((struct sq_db *)(void *)db)->h;
}

static int
sq_code(int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	return rc == SQLITE_NOMEM ? VOUCH_ENOMEM : VOUCH_EIO;
}

/* The connection's last message as err, and the matching code. */
static int
sq_fail(sqlite3 *h, int rc, struct vouch_error *err)
{
	return vouch__error(err, sq_code(rc), 0, "sqlite: %s",
	    h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
}

static void
sq_close(struct vouch__db *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	h = sq_h(db);
	/* The handle owns the statements nobody finished. */
	while ((st = sqlite3_next_stmt(h, NULL)) != NULL)
		sqlite3_finalize(st);
	sqlite3_close(h);
	vouch__free(db);
}

static int
sq_exec(struct vouch__db *db, const char *sql, struct vouch_error *err)
{
	int rc = sqlite3_exec(sq_h(db), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(sq_h(db), rc, err);
}

static int
sq_prepare(struct vouch__db *db, const char *sql, struct vouch__stmt **out,
    struct vouch_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v3(sq_h(db), sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL);
	*out = (struct vouch__stmt *)(void *)st;
	if (rc != SQLITE_OK)
		return sq_fail(sq_h(db), rc, err);
	if (st == NULL)
		return vouch__error(err, VOUCH_EINTERNAL, 0, "sqlite: no "
		    "statement in the SQL text");
	return 0;
}

static int
sq_bind_text(struct vouch__stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sq_code(sqlite3_bind_null(sq_st(st), i));
	return sq_code(sqlite3_bind_text(sq_st(st), i, v, -1, SQLITE_STATIC));
}

static int
sq_bind_int64(struct vouch__stmt *st, int i, int64_t v)
{
	return sq_code(sqlite3_bind_int64(sq_st(st), i, (sqlite3_int64)v));
}

static int
sq_bind_blob(struct vouch__stmt *st, int i, const void *v, size_t len)
{
	/* A NULL pointer would bind SQL NULL: an empty blob is a zeroblob. */
	if (len == 0)
		return sq_code(sqlite3_bind_zeroblob(sq_st(st), i, 0));
	return sq_code(sqlite3_bind_blob64(sq_st(st), i, v,
	    (sqlite3_uint64)len, SQLITE_STATIC));
}

static int
sq_bind_null(struct vouch__stmt *st, int i)
{
	return sq_code(sqlite3_bind_null(sq_st(st), i));
}

static int
sq_step(struct vouch__stmt *st, struct vouch_error *err)
{
	int rc = sqlite3_step(sq_st(st));

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail(sqlite3_db_handle(sq_st(st)), rc, err);
}

static int
sq_reset(struct vouch__stmt *st)
{
	/* reset repeats the last step's error code: that error has been
	 * reported already, so only the rewinding counts here. */
	sqlite3_reset(sq_st(st));
	return sq_code(sqlite3_clear_bindings(sq_st(st)));
}

static int
sq_col_is_null(struct vouch__stmt *st, int i)
{
	return sqlite3_column_type(sq_st(st), i) == SQLITE_NULL;
}

static const char *
sq_col_text(struct vouch__stmt *st, int i)
{
	return (const char *)sqlite3_column_text(sq_st(st), i);
}

static int64_t
sq_col_int64(struct vouch__stmt *st, int i)
{
	return (int64_t)sqlite3_column_int64(sq_st(st), i);
}

static const void *
sq_col_blob(struct vouch__stmt *st, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(sq_st(st), i);

	*len = (size_t)sqlite3_column_bytes(sq_st(st), i);
	return p;
}

static void
sq_finish(struct vouch__stmt *st)
{
	sqlite3_finalize(sq_st(st));
}

/* SQLITE_OK, or the step's (or the preparation's) error. */
static int
sq_tx(struct vouch__db *db, enum sq_tx which)
{
	struct sq_db *d = (struct sq_db *)(void *)db;
	int rc;

	if (d->tx[which] == NULL && (rc = sqlite3_prepare_v2(d->h,
	    sq_tx_sql[which], -1, &d->tx[which], NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(d->tx[which]);
	sqlite3_reset(d->tx[which]);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
sq_begin(struct vouch__db *db, struct vouch_error *err)
{
	int rc = sq_tx(db, SQ_BEGIN);

	return rc == SQLITE_OK ? 0 : sq_fail(sq_h(db), rc, err);
}

static int
sq_commit(struct vouch__db *db, struct vouch_error *err)
{
	int rc = sq_tx(db, SQ_COMMIT);

	return rc == SQLITE_OK ? 0 : sq_fail(sq_h(db), rc, err);
}

static void
sq_rollback(struct vouch__db *db)
{
	/* Fails only when no transaction is open (SQLite may have rolled
	 * back by itself after an I/O error): nothing left to undo. */
	(void)sq_tx(db, SQ_ROLLBACK);
}

static int
sq_schema_lock(struct vouch__db *db, struct vouch_error *err)
{
	/* BEGIN IMMEDIATE already holds the only write lock. */
	(void)db;
	(void)err;
	return 0;
}

static const struct vouch__db_ops sq_ops = {
	.name = "sqlite",
	.blob_type = "BLOB",
	.serial_pk = "INTEGER PRIMARY KEY",
	.keyed = " WITHOUT ROWID",
	.batch_rows = 1,
	.close = sq_close,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.reset = sq_reset,
	.col_is_null = sq_col_is_null,
	.col_text = sq_col_text,
	.col_int64 = sq_col_int64,
	.col_blob = sq_col_blob,
	.finish = sq_finish,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.schema_lock = sq_schema_lock,
};

static int
sq_setup(sqlite3 *h, struct vouch_error *err)
{
	int rc, tries;

	if ((rc = sqlite3_extended_result_codes(h, 1)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(h, SQ_BUSY_MS)) != SQLITE_OK)
		return sq_fail(h, rc, err);
	/*
	 * journal_mode answers with a row, which exec discards.  Turning a
	 * fresh file to WAL while another process opens it too can answer
	 * SQLITE_BUSY without consulting the busy handler: retry for as
	 * long as the busy timeout (WAL, once set, stays with the file).
	 */
	for (tries = 0; tries < SQ_BUSY_MS / 10; tries++) {
		rc = sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL,
		    NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
		sqlite3_sleep(10);
	}
	/*
	 * Import commits once per report, each commit rewriting the same
	 * few index pages: a checkpoint every 16,384 WAL pages (64 MiB,
	 * about a thousand reports) instead of 1,000 copies such a page
	 * into the database once for sixteen times as many reports, and
	 * syncs a sixteenth as often (the one-core import: -5 %).
	 */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "PRAGMA synchronous = NORMAL;"
		    "PRAGMA foreign_keys = ON;"
		    "PRAGMA wal_autocheckpoint = 16384", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(h, rc, err);
}

int
vouch__db_sqlite_open(const char *path, struct vouch__db **out,
    struct vouch_error *err)
{
	struct sq_db *db;
	sqlite3 *h = NULL;
	int rc;

	*out = NULL;
	if (sqlite3_libversion_number() < SQ_MIN_VERSION)
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "SQLite %s is "
		    "too old: the store needs 3.35 or newer",
		    sqlite3_libversion());
	if ((db = vouch__calloc(1, sizeof(*db))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	/* No URI interpretation: the path is a file name, whatever it
	 * starts with.  NOMUTEX: one thread per handle (store.h).  The VFS
	 * writes a WAL frame in one call (store_sqlite_vfs.c). */
	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vouch__sqlite_vfs());
	if (rc != SQLITE_OK) {
		rc = vouch__error(err, sq_code(rc), 0, "cannot open the SQLite "
		    "store '%s' (its folder must exist and be writable): %s",
		    path, h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((rc = sq_setup(h, err)) != 0) {
		rc = vouch__error(err, rc, 0, "cannot use the SQLite store "
		    "'%s': %s", path, sqlite3_errmsg(h));
		goto fail;
	}
	db->base.ops = &sq_ops;
	db->h = h;
	*out = &db->base;
	return 0;
fail:
	sqlite3_close(h);
	vouch__free(db);
	return rc;
}
