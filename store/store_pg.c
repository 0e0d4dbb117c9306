/*
 * store_pg.c - the PostgreSQL backend of libvouch-store (store_db.h), on
 * libpq.
 *
 * Statements: the portable "?" placeholders are renumbered $1, $2, ...
 * outside quoted text and comments, and the statement is prepared once
 * per connection under a name of its own; the handle keeps the names by
 * SQL text, so preparing the same SQL again costs no round trip (past
 * PG_CACHE_MAX distinct texts, a statement is sent whole at each run
 * instead).  Parameters travel as text, blobs as binary; results come
 * back as text, bytea decoded on col_blob.  A statement runs on its first
 * step and its whole result is kept; later steps walk the rows, so other
 * statements can run while one is being read (as SQLite allows).  Text
 * arrives as UTF-8: the common code cleans what does not come from the
 * XML parser (vouch__store_utf8()), so both backends store the same.
 *
 * Transactions: a failed statement leaves a PostgreSQL transaction
 * aborted until ROLLBACK, and COMMIT of an aborted transaction answers
 * "ROLLBACK": commit reports that as the failure it is.  A connection
 * found broken outside a transaction is reset (begin, rollback and the
 * next statement do it), and the statements are prepared again.
 *
 * Notices (NOTICE, WARNING) are dropped: the library never prints.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store_db.h"
#include "util/util.h"

#define PG_MAX_PARAMS 1000		/* "?" in one statement */
#define PG_MAX_SQL (1024 * 1024)	/* bytes of one rewritten statement */
#define PG_CACHE_MAX 256		/* prepared statements per connection */
#define PG_CONNECT_TIMEOUT "10"		/* seconds, unless the URI says */
/* The advisory lock held by migrations: "vouch" in ASCII, then 1. */
#define PG_SCHEMA_LOCK "SELECT pg_advisory_xact_lock(8534168888697421825)"

/* One statement text, prepared on the connection when name[0]. */
struct pg_prepared {
	struct pg_prepared *next;
	char *sql;		/* as handed in: the cache key */
	char *text;		/* with $1, $2, ... */
	int nparams;
	int ready;		/* prepared on the current connection */
	char name[32];
};

struct pg_db {
	struct vouch__db base;
	PGconn *conn;
	struct pg_prepared *cache;
	size_t ncache;
	unsigned long seq;	/* names statements */
	int intx;		/* between begin and commit / rollback */
	struct vouch__stmt *stmts;	/* not finished yet */
};

struct pg_blob {
	unsigned char *p;	/* PQunescapeBytea's, PQfreemem'd */
	size_t len;
};

struct vouch__stmt {
	struct pg_db *db;
	struct vouch__stmt *next, **prevp;
	struct pg_prepared *prep;	/* owned when not in db->cache */
	char **values;			/* per parameter; NULL: SQL NULL */
	int *lengths, *formats;
	PGresult *res;			/* NULL until run */
	int row, ntuples, nfields;	/* row -1 before the first */
	struct pg_blob *blobs;		/* this row's decoded bytea */
};

static const struct vouch__db_ops pg_ops;

/* The stderr printer libpq installs by default must not run. */
static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* err's message on one line: libpq's have newlines, tabs and double
 * spaces ("ERROR:  ..."). */
static int
pg_oneline(struct vouch_error *err)
{
	char *m;
	size_t i, n = 0;

	if (err == NULL)
		return VOUCH_EIO;
	for (m = err->msg, i = 0; m[i] != '\0'; i++) {
		if (m[i] == '\n' || m[i] == '\t' || m[i] == '\r')
			m[i] = ' ';
		if (m[i] != ' ' || (n > 0 && m[n - 1] != ' '))
			m[n++] = m[i];
	}
	while (n > 0 && m[n - 1] == ' ')
		n--;
	m[n] = '\0';
	return VOUCH_EIO;
}

static int
pg_fail(struct vouch_error *err, const char *what)
{
	vouch__error(err, VOUCH_EIO, 0, "PostgreSQL: %s", what);
	return pg_oneline(err);
}

/* res (cleared here) failed or is missing: the server's own words. */
static int
pg_fail_res(struct pg_db *db, PGresult *res, struct vouch_error *err)
{
	const char *m = NULL;
	int rc;

	if (res != NULL)
		m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (m == NULL || *m == '\0')
		m = PQerrorMessage(db->conn);
	rc = pg_fail(err, m);
	PQclear(res);
	return rc;
}

static int
pg_res_ok(const PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Reconnect a broken connection, unless a transaction (now lost) is
 * open: its owner must see it fail and roll back first. */
static void
pg_revive(struct pg_db *db)
{
	struct pg_prepared *pp = NULL;

	if (db->intx || PQstatus(db->conn) != CONNECTION_BAD)
		return;
	PQreset(db->conn);
	for (pp = db->cache; pp != NULL; pp = pp->next)
		pp->ready = 0;
}

/* Run sql (no parameters) and drop its result. */
static int
pg_run_simple(struct pg_db *db, const char *sql, struct vouch_error *err)
{
	PGresult *res = PQexec(db->conn, sql);

	if (res == NULL || !pg_res_ok(res))
		return pg_fail_res(db, res, err);
	PQclear(res);
	return 0;
}

/* ---- the connection ---------------------------------------------------- */

/*
 * Where conninfo (a URI) holds a password: user:PASSWORD@ in the
 * authority, or a password=PASSWORD query parameter.  Up to two spans.
 */
static size_t
pg_secrets(const char *uri, const char *span[2], size_t slen[2])
{
	const char *p = strstr(uri, "://"), *auth, *at, *c, *q;
	size_t n = 0, alen;

	if (p == NULL)
		return 0;
	auth = p + 3;
	alen = strcspn(auth, "/?#");
	for (at = NULL, c = auth; c < auth + alen; c++)
		if (*c == '@')
			at = c;
	c = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (c != NULL && at > c + 1) {
		span[n] = c + 1;
		slen[n++] = (size_t)(at - c - 1);
	}
	for (q = strchr(auth, '?'); q != NULL; q = strchr(q + 1, '&'))
		if (strncmp(q + 1, "password=", 9) == 0 && q[10] != '\0') {
			span[n] = q + 10;
			slen[n++] = strcspn(q + 10, "&#");
			break;
		}
	return n;
}

/* s into b, with every occurrence of the spans replaced by "***". */
static void
pg_elide(struct vouch__buf *b, const char *s, const char *span[2],
    const size_t slen[2], size_t nspan)
{
	size_t i;

	while (*s != '\0') {
		for (i = 0; i < nspan; i++)
			if (slen[i] > 0 && strncmp(s, span[i], slen[i]) == 0)
				break;
		if (i < nspan) {
			vouch__buf_puts(b, "***");
			s += slen[i];
		} else
			vouch__buf_putc(b, *s++);
	}
}

static int
pg_connect_failed(PGconn *conn, const char *conninfo, struct vouch_error *err)
{
	const char *span[2] = { NULL, NULL };
	size_t slen[2] = { 0, 0 }, n = pg_secrets(conninfo, span, slen);
	struct vouch__buf where, why;

	vouch__buf_init(&where, 2048);
	vouch__buf_init(&why, 2048);
	pg_elide(&where, conninfo, span, slen, n);
	pg_elide(&why, conn != NULL ? PQerrorMessage(conn) : "out of memory",
	    span, slen, n);
	vouch__error(err, VOUCH_EIO, 0, "cannot connect to PostgreSQL at "
	    "%s: %s", where.data != NULL ? where.data : "",
	    why.data != NULL ? why.data : "");
	vouch__buf_free(&where);
	vouch__buf_free(&why);
	PQfinish(conn);
	return pg_oneline(err);
}

int
vouch__db_pg_open(const char *conninfo, struct vouch__db **out,
    struct vouch_error *err)
{
	/* connect_timeout before dbname so that the URI's wins; the
	 * encoding after it so that ours does. */
	static const char *const keys[] = { "connect_timeout",
		"fallback_application_name", "dbname", "client_encoding",
		NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT, "vouch", conninfo, "UTF8",
		NULL };
	struct pg_db *db;
	PGconn *conn;

	*out = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
		return pg_connect_failed(conn, conninfo, err);
	PQsetNoticeProcessor(conn, pg_quiet, NULL);
	db = vouch__calloc(1, sizeof(*db));
	if (db == NULL) {
		PQfinish(conn);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	db->base.ops = &pg_ops;
	db->conn = conn;
	*out = &db->base;
	return 0;
}

/* ---- statements -------------------------------------------------------- */

/* Past the quoted string, quoted identifier or comment at p (to the end
 * when unterminated: the server reports it); p itself when none is. */
static const char *
pg_skip(const char *p)
{
	int depth;
	char q;

	if (*p == '\'' || *p == '"') {
		for (q = *p++; *p != '\0'; p++)
			if (*p == q && *++p != q)
				return p;
		return p;
	}
	if (p[0] == '-' && p[1] == '-')
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		/* PostgreSQL's block comments nest. */
		for (depth = 1, p += 2; *p != '\0' && depth > 0; p++) {
			if (p[0] == '/' && p[1] == '*') {
				depth++;
				p++;
			} else if (p[0] == '*' && p[1] == '/') {
				depth--;
				p++;
			}
		}
	}
	return p;
}

/* pp->text: pp->sql with its placeholders numbered. */
static int
pg_rewrite(struct pg_prepared *pp, struct vouch_error *err)
{
	const char *p = pp->sql, *next;
	struct vouch__buf b;
	int rc = 0;

	vouch__buf_init(&b, PG_MAX_SQL);
	while (*p != '\0' && rc == 0) {
		next = pg_skip(p);
		if (next != p) {
			rc = vouch__buf_append(&b, p, (size_t)(next - p));
			p = next;
		} else if (*p++ != '?')
			rc = vouch__buf_putc(&b, p[-1]);
		else if (pp->nparams >= PG_MAX_PARAMS)
			rc = VOUCH_ELIMIT;
		else
			rc = vouch__buf_printf(&b, "$%d", ++pp->nparams);
	}
	if (rc == 0)
		pp->text = vouch__buf_take(&b);
	vouch__buf_free(&b);
	if (rc == VOUCH_ENOMEM || (rc == 0 && pp->text == NULL))
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	if (rc != 0)
		return pg_fail(err, "statement too long or with too many "
		    "parameters");
	return 0;
}

/* Prepare pp on the connection unless it already is. */
static int
pg_ready(struct pg_db *db, struct pg_prepared *pp, struct vouch_error *err)
{
	PGresult *res;

	if (pp->ready || pp->name[0] == '\0')
		return 0;
	res = PQprepare(db->conn, pp->name, pp->text, 0, NULL);
	if (res == NULL || !pg_res_ok(res))
		return pg_fail_res(db, res, err);
	PQclear(res);
	pp->ready = 1;
	return 0;
}

static void
pg_prepared_free(struct pg_prepared *pp)
{
	if (pp == NULL)
		return;
	vouch__free(pp->sql);
	vouch__free(pp->text);
	vouch__free(pp);
}

/*
 * The prepared statement for sql: the cached one, or a new one.  A new
 * one gets a name and joins the cache while there is room; else it stays
 * unnamed, owned by its statement and sent whole at each run.
 */
static int
pg_lookup(struct pg_db *db, const char *sql, struct pg_prepared **out,
    struct vouch_error *err)
{
	struct pg_prepared *pp = NULL;
	int rc;

	for (pp = db->cache; pp != NULL; pp = pp->next)
		if (strcmp(pp->sql, sql) == 0) {
			*out = pp;
			return pg_ready(db, pp, err);
		}
	pp = vouch__calloc(1, sizeof(*pp));
	if (pp == NULL || (pp->sql = vouch__strdup(sql)) == NULL) {
		vouch__free(pp);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	if (db->ncache < PG_CACHE_MAX)
		snprintf(pp->name, sizeof(pp->name), "vouch_%lu", ++db->seq);
	if ((rc = pg_rewrite(pp, err)) != 0 ||
	    (rc = pg_ready(db, pp, err)) != 0) {
		pg_prepared_free(pp);
		return rc;
	}
	if (pp->name[0] != '\0') {
		pp->next = db->cache;
		db->cache = pp;
		db->ncache++;
	}
	*out = pp;
	return 0;
}

static int
pg_prepare(struct vouch__db *vdb, const char *sql, struct vouch__stmt **out,
    struct vouch_error *err)
{
	struct pg_db *db = (struct pg_db *)vdb;
	struct pg_prepared *pp = NULL;
	struct vouch__stmt *st;
	size_t n;
	int rc;

	*out = NULL;
	pg_revive(db);
	if ((rc = pg_lookup(db, sql, &pp, err)) != 0)
		return rc;
	n = (size_t)pp->nparams;
	st = vouch__calloc(1, sizeof(*st));
	if (st == NULL || (st->values = vouch__calloc(n, sizeof(char *))) ==
	    NULL || (st->lengths = vouch__calloc(n, sizeof(int))) == NULL ||
	    (st->formats = vouch__calloc(n, sizeof(int))) == NULL) {
		if (st != NULL) {
			vouch__free(st->values);
			vouch__free(st->lengths);
			vouch__free(st);
		}
		if (pp->name[0] == '\0')
			pg_prepared_free(pp);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	st->db = db;
	st->prep = pp;
	st->row = -1;
	st->next = db->stmts;
	if (db->stmts != NULL)
		db->stmts->prevp = &st->next;
	st->prevp = &db->stmts;
	db->stmts = st;
	*out = st;
	return 0;
}

/* Parameter i (1-based) takes v, a malloc'd copy or NULL. */
static int
pg_bind(struct vouch__stmt *st, int i, char *v, size_t len, int binary)
{
	if (i < 1 || i > st->prep->nparams || len > INT_MAX) {
		vouch__free(v);
		return VOUCH_EINVAL;
	}
	i--;
	vouch__free(st->values[i]);
	st->values[i] = v;
	st->lengths[i] = (int)len;
	st->formats[i] = binary;
	return 0;
}

static int
pg_bind_text(struct vouch__stmt *st, int i, const char *v)
{
	char *c = NULL;

	/* The common code hands over UTF-8 only (vouch__store_utf8()). */
	if (v != NULL && (c = vouch__memdup(v, strlen(v) + 1)) == NULL)
		return VOUCH_ENOMEM;
	return pg_bind(st, i, c, 0, 0);
}

static int
pg_bind_int64(struct vouch__stmt *st, int i, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	return pg_bind_text(st, i, num);
}

static int
pg_bind_blob(struct vouch__stmt *st, int i, const void *v, size_t len)
{
	char *c = vouch__memdup(len > 0 ? v : "", len);

	if (c == NULL)
		return VOUCH_ENOMEM;
	return pg_bind(st, i, c, len, 1);
}

static int
pg_bind_null(struct vouch__stmt *st, int i)
{
	return pg_bind(st, i, NULL, 0, 0);
}

/* Free the bytea decoded from the current row. */
static void
pg_drop_blobs(struct vouch__stmt *st)
{
	int i;

	if (st->blobs == NULL)
		return;
	for (i = 0; i < st->nfields; i++)
		PQfreemem(st->blobs[i].p);
	vouch__free(st->blobs);
	st->blobs = NULL;
}

/* Send the statement with its parameters; keep the whole result. */
static int
pg_run(struct vouch__stmt *st, struct vouch_error *err)
{
	struct pg_db *db = st->db;
	struct pg_prepared *pp = st->prep;
	const char *const *values = (const char *const *)st->values;
	PGresult *res;
	int rc;

	pg_revive(db);
	if ((rc = pg_ready(db, pp, err)) != 0)
		return rc;
	if (pp->name[0] != '\0')
		res = PQexecPrepared(db->conn, pp->name, pp->nparams, values,
		    st->lengths, st->formats, 0);
	else
		res = PQexecParams(db->conn, pp->text, pp->nparams, NULL,
		    values, st->lengths, st->formats, 0);
	if (res == NULL || !pg_res_ok(res))
		return pg_fail_res(db, res, err);
	st->res = res;
	st->ntuples = PQntuples(res);
	st->nfields = PQnfields(res);
	return 0;
}

static int
pg_step(struct vouch__stmt *st, struct vouch_error *err)
{
	int rc;

	if (st->res == NULL && (rc = pg_run(st, err)) != 0)
		return rc;
	pg_drop_blobs(st);
	if (st->row + 1 >= st->ntuples) {
		st->row = st->ntuples;
		return 0;
	}
	st->row++;
	return 1;
}

static int
pg_reset(struct vouch__stmt *st)
{
	pg_drop_blobs(st);
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->ntuples = st->nfields = 0;
	return 0;
}

/* Column i of the current row, or NULL (no row, no column, SQL NULL). */
static const char *
pg_value(struct vouch__stmt *st, int i)
{
	if (st->res == NULL || st->row < 0 || st->row >= st->ntuples ||
	    i < 0 || i >= st->nfields || PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static int
pg_col_is_null(struct vouch__stmt *st, int i)
{
	return pg_value(st, i) == NULL;
}

static const char *
pg_col_text(struct vouch__stmt *st, int i)
{
	return pg_value(st, i);
}

/* Integers come as text; a boolean as t / f (SQLite gives 1 / 0 for a
 * comparison); a NUMERIC (what SUM of BIGINT is) may show a fraction,
 * which goes, as SQLite truncates a REAL. */
static int64_t
pg_col_int64(struct vouch__stmt *st, int i)
{
	const char *v = pg_value(st, i);

	if (v == NULL)
		return 0;
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

static const void *
pg_col_blob(struct vouch__stmt *st, int i, size_t *len)
{
	const char *v = pg_value(st, i);
	struct pg_blob *b;

	*len = 0;
	if (v == NULL)
		return NULL;
	if (st->blobs == NULL &&
	    (st->blobs = vouch__calloc((size_t)st->nfields,
	    sizeof(*st->blobs))) == NULL)
		return NULL;
	b = &st->blobs[i];
	if (b->p == NULL &&
	    (b->p = PQunescapeBytea((const unsigned char *)v, &b->len)) ==
	    NULL)
		return NULL;
	*len = b->len;
	return b->p;
}

static void
pg_finish(struct vouch__stmt *st)
{
	int i;

	if (st == NULL)
		return;
	pg_reset(st);
	*st->prevp = st->next;
	if (st->next != NULL)
		st->next->prevp = st->prevp;
	for (i = 0; i < st->prep->nparams; i++)
		vouch__free(st->values[i]);
	if (st->prep->name[0] == '\0')
		pg_prepared_free(st->prep);
	vouch__free(st->values);
	vouch__free(st->lengths);
	vouch__free(st->formats);
	vouch__free(st);
}

static void
pg_close(struct vouch__db *vdb)
{
	struct pg_db *db = (struct pg_db *)vdb;
	struct pg_prepared *pp = NULL;

	if (db == NULL)
		return;
	while (db->stmts != NULL)
		pg_finish(db->stmts);
	while ((pp = db->cache) != NULL) {
		db->cache = pp->next;
		pg_prepared_free(pp);
	}
	PQfinish(db->conn);
	vouch__free(db);
}

/* ---- transactions ------------------------------------------------------ */

static int
pg_exec(struct vouch__db *vdb, const char *sql, struct vouch_error *err)
{
	struct pg_db *db = (struct pg_db *)vdb;

	pg_revive(db);
	return pg_run_simple(db, sql, err);
}

static int
pg_begin(struct vouch__db *vdb, struct vouch_error *err)
{
	struct pg_db *db = (struct pg_db *)vdb;
	int rc;

	pg_revive(db);
	if ((rc = pg_run_simple(db, "BEGIN", err)) == 0)
		db->intx = 1;
	return rc;
}

static int
pg_commit(struct vouch__db *vdb, struct vouch_error *err)
{
	struct pg_db *db = (struct pg_db *)vdb;
	PGresult *res = PQexec(db->conn, "COMMIT");
	int ok;

	/* Whatever the answer, the transaction is over. */
	db->intx = 0;
	if (res == NULL || !pg_res_ok(res))
		return pg_fail_res(db, res, err);
	/* An aborted transaction "commits" as ROLLBACK. */
	ok = strcmp(PQcmdStatus(res), "COMMIT") == 0;
	PQclear(res);
	if (!ok)
		return pg_fail(err, "the transaction had failed and was "
		    "rolled back");
	return 0;
}

/* Whatever happened (a failed statement, a failed COMMIT, a lost
 * connection), the connection is idle afterwards. */
static void
pg_rollback(struct vouch__db *vdb)
{
	struct pg_db *db = (struct pg_db *)vdb;

	db->intx = 0;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	pg_revive(db);
}

static int
pg_schema_lock(struct vouch__db *vdb, struct vouch_error *err)
{
	return pg_run_simple((struct pg_db *)vdb, PG_SCHEMA_LOCK, err);
}

static const struct vouch__db_ops pg_ops = {
	.name = "postgresql",
	.blob_type = "BYTEA",
	.serial_pk = "BIGSERIAL PRIMARY KEY",
	.keyed = "",
	/* A round trip per statement: import sends 32 rows in one INSERT
	 * (records: 32 x 24 parameters, under PG_MAX_PARAMS). */
	.batch_rows = 32,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.col_is_null = pg_col_is_null,
	.col_text = pg_col_text,
	.col_int64 = pg_col_int64,
	.col_blob = pg_col_blob,
	.finish = pg_finish,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.schema_lock = pg_schema_lock,
};
