/*
 * store_schema.c - the schema, as numbered migrations applied on open.
 *
 * schema_version holds one row per migration applied.  Each migration
 * runs in its own transaction that first takes the backend's schema lock
 * (two processes opening a fresh store at once: one migrates, the other
 * waits and then finds nothing left to do), reads the version again
 * under that lock, applies the next step and records it.  A store whose
 * version is above the newest known here was written by a newer vouch and
 * is refused: this code cannot know what the newer columns mean.
 *
 * A migration is append-only: once released, its text never changes;
 * a change is a new migration.  The SQL is portable (store_db.h) but for
 * the words the backends spell differently: {pk} (an auto-increment
 * BIGINT primary key), {blob}, and {keyed} after a table whose primary key
 * is all it is looked up by (SQLite: WITHOUT ROWID, one b-tree to write
 * instead of a table and its key's index).  docs/store.md explains every
 * table.
 */
#include <string.h>
#include <time.h>

#include "store_int.h"

/* Version 1: reports, records, raw inputs, failure reports, PTR cache. */
static const char schema_v1[] =
    "CREATE TABLE raw_inputs ("
    " id {pk},"
    " sha256 TEXT NOT NULL UNIQUE,"
    " size BIGINT NOT NULL,"
    " gz {blob} NOT NULL,"
    " imported BIGINT NOT NULL);"
    "CREATE TABLE reports ("
    " id {pk},"
    " org_name TEXT NOT NULL,"
    " report_id TEXT NOT NULL,"
    " domain TEXT NOT NULL,"
    " date_begin BIGINT NOT NULL,"
    " date_end BIGINT NOT NULL,"
    " xml_schema INTEGER NOT NULL,"
    " version TEXT,"
    " email TEXT,"
    " extra_contact_info TEXT,"
    " generator TEXT,"
    " adkim TEXT,"
    " aspf TEXT,"
    " p TEXT,"
    " sp TEXT,"
    " np TEXT,"
    " pct INTEGER,"
    " fo TEXT,"
    " testing INTEGER,"
    " discovery_method TEXT,"
    " source TEXT,"
    " imported BIGINT NOT NULL,"
    " raw_id BIGINT REFERENCES raw_inputs (id),"
    " UNIQUE (org_name, report_id));"
    "CREATE INDEX reports_domain_date ON reports (domain, date_begin);"
    "CREATE TABLE report_errors ("
    " report BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
    " n INTEGER NOT NULL,"
    " message TEXT NOT NULL,"
    " PRIMARY KEY (report, n)){keyed};"
    "CREATE TABLE records ("
    " id {pk},"
    " report BIGINT NOT NULL,"
    " day BIGINT NOT NULL,"
    " ip TEXT NOT NULL,"
    " msg_count BIGINT NOT NULL,"
    " disposition TEXT,"
    " eval_dkim TEXT,"
    " eval_spf TEXT,"
    " reasons TEXT,"
    " header_from TEXT,"
    " envelope_from TEXT,"
    " envelope_to TEXT,"
    " ndkim INTEGER NOT NULL,"
    " dkim_domain TEXT,"
    " dkim_selector TEXT,"
    " dkim_result TEXT,"
    " dkim_human TEXT,"
    " nspf INTEGER NOT NULL,"
    " spf_domain TEXT,"
    " spf_scope TEXT,"
    " spf_result TEXT,"
    " spf_human TEXT,"
    " dkim_pass INTEGER NOT NULL,"
    " forwarded INTEGER NOT NULL);"
    "CREATE TABLE record_extra ("
    " record BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL,"
    " n INTEGER NOT NULL,"
    " domain TEXT,"
    " scope TEXT,"
    " result TEXT,"
    " comment TEXT,"
    " PRIMARY KEY (record, kind, n)){keyed};"
    "CREATE TABLE failures ("
    " id {pk},"
    " sha256 TEXT NOT NULL UNIQUE,"
    " event_time BIGINT NOT NULL,"
    " imported BIGINT NOT NULL,"
    " source TEXT,"
    " raw_id BIGINT REFERENCES raw_inputs (id),"
    " feedback_type TEXT,"
    " user_agent TEXT,"
    " version TEXT,"
    " auth_failure TEXT,"
    " original_envelope_id TEXT,"
    " original_mail_from TEXT,"
    " original_rcpt_to TEXT,"
    " reported_domain TEXT,"
    " identity_alignment TEXT,"
    " delivery_result TEXT,"
    " arrival_date BIGINT,"
    " source_ip TEXT,"
    " dkim_domain TEXT,"
    " dkim_identity TEXT,"
    " dkim_selector TEXT,"
    " spf_dns TEXT,"
    " authentication_results TEXT,"
    " headers {blob},"
    " headers_truncated INTEGER NOT NULL);"
    "CREATE INDEX failures_domain_time ON failures (reported_domain,"
    " event_time);"
    "CREATE TABLE ptr_cache ("
    " ip TEXT PRIMARY KEY,"
    " ptr TEXT,"
    " fetched BIGINT NOT NULL)";

static const char *const migrations[] = {
	schema_v1,
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
#define SQL_MAX (64u * 1024u)

/* The template with {pk} and {blob} spelled for this backend. */
static int
expand(const struct vouch__db_ops *ops, const char *t, struct vouch__buf *b)
{
	const char *p;
	int rc = 0;

	while (rc == 0 && (p = strchr(t, '{')) != NULL) {
		rc = vouch__buf_append(b, t, (size_t)(p - t));
		if (rc == 0 && strncmp(p, "{pk}", 4) == 0) {
			rc = vouch__buf_puts(b, ops->serial_pk);
			t = p + 4;
		} else if (rc == 0 && strncmp(p, "{blob}", 6) == 0) {
			rc = vouch__buf_puts(b, ops->blob_type);
			t = p + 6;
		} else if (rc == 0 && strncmp(p, "{keyed}", 7) == 0) {
			rc = vouch__buf_puts(b, ops->keyed);
			t = p + 7;
		} else if (rc == 0) {
			rc = vouch__buf_putc(b, '{');
			t = p + 1;
		}
	}
	return rc != 0 ? rc : vouch__buf_puts(b, t);
}

/* The version recorded in schema_version (0 when it has no row). */
static int
read_version(struct vouch_store *s, int *version, struct vouch_error *err)
{
	struct vouch__stmt *st;
	int64_t v = 0;
	int rc;

	rc = s->ops->prepare(s->db, "SELECT MAX(version) FROM schema_version",
	    &st, err);
	if (rc != 0)
		return rc;
	if ((rc = s->ops->step(st, err)) == 1) {
		if (!s->ops->col_is_null(st, 0))
			v = s->ops->col_int64(st, 0);
		rc = 0;
	}
	s->ops->finish(st);
	*version = v < 0 || v > 1000000 ? 1000000 : (int)v;
	return rc;
}

static int
too_new(int version, struct vouch_error *err)
{
	return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "the store is at "
	    "schema version %d, newer than the %d this vouch knows: it was "
	    "written by a newer vouch, use that one", version, NMIGRATIONS);
}

/* Apply migration version (1-based) and record it. */
static int
apply(struct vouch_store *s, int version, struct vouch_error *err)
{
	struct vouch__buf sql;
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc;

	vouch__buf_init(&sql, SQL_MAX);
	if ((rc = expand(s->ops, migrations[version - 1], &sql)) != 0) {
		rc = vouch__error(err, rc, 0, "schema version %d: out of "
		    "memory", version);
		goto out;
	}
	if ((rc = s->ops->exec(s->db, sql.data, err)) != 0 ||
	    (rc = s->ops->prepare(s->db, "INSERT INTO schema_version "
	    "(version, applied) VALUES (?, ?)", &st, err)) != 0)
		goto out;
	vouch__bind_start(&b, s, st);
	vouch__bind_int(&b, version);
	vouch__bind_int(&b, (int64_t)time(NULL));
	if ((rc = vouch__bind_done(&b, err)) == 0)
		rc = vouch__store_run(s, st, err);
	s->ops->finish(st);
out:
	vouch__buf_free(&sql);
	return rc;
}

/*
 * One step under the schema lock: 1 when a migration was applied, 0 when
 * the store is current, or an error.
 */
static int
step_once(struct vouch_store *s, struct vouch_error *err)
{
	int rc, version = 0;

	if ((rc = s->ops->begin(s->db, err)) != 0)
		return rc;
	if ((rc = s->ops->schema_lock(s->db, err)) != 0 ||
	    (rc = s->ops->exec(s->db, "CREATE TABLE IF NOT EXISTS "
	    "schema_version (version INTEGER PRIMARY KEY, "
	    "applied BIGINT NOT NULL)", err)) != 0 ||
	    (rc = read_version(s, &version, err)) != 0)
		goto fail;
	if (version > NMIGRATIONS) {
		rc = too_new(version, err);
		goto fail;
	}
	s->version = version;
	if (version < NMIGRATIONS &&
	    (rc = apply(s, version + 1, err)) != 0)
		goto fail;
	if ((rc = s->ops->commit(s->db, err)) != 0)
		goto fail;
	if (version == NMIGRATIONS)
		return 0;
	s->version = version + 1;
	return 1;
fail:
	s->ops->rollback(s->db);
	return rc;
}

int
vouch__store_migrate(struct vouch_store *s, struct vouch_error *err)
{
	struct vouch_error scratch;
	int rc, version;

	/* The common case, a current store, takes no write lock: readers
	 * such as a dashboard on a busy store open at once.  A failure here
	 * (no table yet) is answered by the locked path below. */
	if (read_version(s, &version, &scratch) == 0) {
		if (version > NMIGRATIONS)
			return too_new(version, err);
		if (version == NMIGRATIONS) {
			s->version = version;
			return 0;
		}
	}
	while ((rc = step_once(s, err)) == 1)
		;
	if (rc != 0)
		return vouch__store_context(err, rc, "bringing the store to "
		    "schema version %d", NMIGRATIONS);
	return 0;
}
