/*
 * store_db.h - the small database interface libvouch-store's common code
 * (schema, import, queries) is written against, and which each backend
 * implements: store_sqlite.c (SQLite 3) and store_pg.c (libpq).
 *
 * SQL handed to a backend is portable: placeholders are written "?" and
 * a backend that numbers them (PostgreSQL's $1, $2, ...) rewrites them
 * outside quoted text; only syntax both engines accept is used (INSERT
 * ... ON CONFLICT DO NOTHING, RETURNING, CASE, COALESCE, GROUP BY, LIMIT,
 * BIGINT).  Binary data goes through bind_blob / col_blob (BLOB in
 * SQLite, BYTEA in PostgreSQL, the schema spells it through
 * vouch__db_blob_type()).
 *
 * A statement is prepared, bound (1-based indexes), stepped until it
 * returns 0, and finished.  Values read with col_* are borrowed until the
 * next step or finish.  Every call that fails fills err with the
 * backend's own message and returns VOUCH_EIO (VOUCH_ENOMEM when memory
 * ran out).  Transactions: begin takes the write lock at once (SQLite
 * BEGIN IMMEDIATE, with a busy timeout; PostgreSQL BEGIN), so that two
 * importers serialize rather than deadlock.
 *
 * Ownership: the db handle owns every statement not yet finished.  Not
 * thread-safe.
 */
#ifndef VOUCH_STORE_DB_H
#define VOUCH_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/err.h>

struct vouch__db;
struct vouch__stmt;

struct vouch__db_ops {
	const char *name;	/* "sqlite", "postgresql" */
	const char *blob_type;	/* "BLOB", "BYTEA" */
	const char *serial_pk;	/* an auto-increment BIGINT primary key:
				   "INTEGER PRIMARY KEY" or
				   "BIGSERIAL PRIMARY KEY" */
	unsigned batch_rows;	/* rows per INSERT during import
				   (store_batch.c): 1 or a power of 2 */
	const char *keyed;	/* after a table whose primary key is its
				   only key: " WITHOUT ROWID" (SQLite keeps
				   one b-tree instead of two) or "" */
	void (*close)(struct vouch__db *db);
	/* Run one or more statements without parameters or results. */
	int (*exec)(struct vouch__db *db, const char *sql,
	    struct vouch_error *err);
	int (*prepare)(struct vouch__db *db, const char *sql,
	    struct vouch__stmt **out, struct vouch_error *err);
	int (*bind_text)(struct vouch__stmt *st, int i, const char *v);
	int (*bind_int64)(struct vouch__stmt *st, int i, int64_t v);
	int (*bind_blob)(struct vouch__stmt *st, int i, const void *v,
	    size_t len);
	int (*bind_null)(struct vouch__stmt *st, int i);
	/* 1: a row is ready; 0: done; < 0: error. */
	int (*step)(struct vouch__stmt *st, struct vouch_error *err);
	/* Rewind a stepped statement so it can be bound and run again. */
	int (*reset)(struct vouch__stmt *st);
	int (*col_is_null)(struct vouch__stmt *st, int i);
	const char *(*col_text)(struct vouch__stmt *st, int i);
	int64_t (*col_int64)(struct vouch__stmt *st, int i);
	const void *(*col_blob)(struct vouch__stmt *st, int i, size_t *len);
	void (*finish)(struct vouch__stmt *st);
	int (*begin)(struct vouch__db *db, struct vouch_error *err);
	int (*commit)(struct vouch__db *db, struct vouch_error *err);
	void (*rollback)(struct vouch__db *db);
	/* Inside a transaction begun for migrations: make concurrent
	 * openers of a fresh store wait for each other (PostgreSQL: an
	 * advisory transaction lock; SQLite: nothing, BEGIN IMMEDIATE
	 * already serializes). */
	int (*schema_lock)(struct vouch__db *db, struct vouch_error *err);
};

struct vouch__db {
	const struct vouch__db_ops *ops;
};

/* The backends' constructors. */
/* The name of the VFS SQLite stores are opened with (one write per WAL
 * frame, store_sqlite_vfs.c), or NULL to use SQLite's default. */
const char *vouch__sqlite_vfs(void);
int vouch__db_sqlite_open(const char *path, struct vouch__db **out,
    struct vouch_error *err);
int vouch__db_pg_open(const char *conninfo, struct vouch__db **out,
    struct vouch_error *err);

#endif /* VOUCH_STORE_DB_H */
