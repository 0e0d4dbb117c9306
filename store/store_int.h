/*
 * store_int.h - what the files of libvouch-store (include/vouch/store.h)
 * share above the backend interface (store_db.h):
 *
 *   store.c          open and close, the cache of prepared statements, a
 *                    parameter binder, running a statement, errors
 *   store_schema.c   the versioned migrations applied on open
 *   store_import.c   vouch_store_import(): one transaction per report
 *   store_record.c   one aggregate record and its side rows
 *   store_batch.c    rows gathered for multi-row INSERTs
 *   store_raw.c      the raw input (SHA-256, gzip) and failure reports
 *   store_prep.c     an input parsed ahead of storing, replayed later
 *   store_pipe.c     vouch_store_pipe: inputs parsed by worker threads
 *   store_query.c    the query filter, summary, raw download, PTR cache
 *   store_rows.c     every record for export; the failure reports
 *   store_sources.c  the per-IP sources query
 *
 * docs/store.md explains the schema and the transaction rules.  All SQL
 * here is portable (store_db.h) and every value is bound, never written
 * into the SQL text.  Errors: negative VOUCH_E* codes with err filled by
 * the backend (VOUCH_EIO) or here.  One thread per store handle.
 */
#ifndef VOUCH_STORE_INT_H
#define VOUCH_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/store.h>

#include "store_db.h"
#include "util/util.h"

/* The statements import runs over and over, prepared once per handle on
 * first use and kept until vouch_store_close(). */
enum vouch__st {
	VOUCH__ST_REPORT = 0,	/* insert a report, RETURNING its id */
	VOUCH__ST_REPORT_ERROR,	/* one <error> of a report */
	VOUCH__ST_REPORT_RAW,	/* link a report to its raw input */
	VOUCH__ST_RAW,		/* insert a raw input if new */
	VOUCH__ST_RAW_ID,	/* a raw input's id by SHA-256 */
	VOUCH__ST_FAILURE,	/* insert a failure report, RETURNING id */
	VOUCH__ST_FAILURE_RAW,	/* link a failure report to its raw input */
	VOUCH__ST__COUNT
};

/* The tables import writes in batches (store_batch.c). */
enum vouch__bt {
	VOUCH__BT_RECORD = 0,	/* records */
	VOUCH__BT_EXTRA,	/* record_extra */
	VOUCH__BT__COUNT
};

/* At most 2^VOUCH__BATCH_LOG rows per statement. */
#define VOUCH__BATCH_LOG 5

struct vouch_store {
	struct vouch__db *db;
	const struct vouch__db_ops *ops;
	int version;			/* schema version after open */
	struct vouch__stmt *st[VOUCH__ST__COUNT];
	/* INSERTs of 2^j rows, prepared on first use */
	struct vouch__stmt *bst[VOUCH__BT__COUNT][VOUCH__BATCH_LOG + 1];
};

/* A message count above this in one record refuses the report: sums
 * over any realistic store then stay far inside a signed 64-bit total
 * (SQLite's SUM() fails on overflow). */
#define VOUCH__STORE_COUNT_MAX ((uint64_t)1 << 32)

/*
 * A record's id is its report's id * 2^20 + its index in the report, so
 * the records of a report are one range of the primary key: found without
 * a second index (which would cost a third of a record's insert), kept
 * together on disk, in document order.  VOUCH__RC_OF_RP joins records rc
 * to reports rp that way.
 */
#define VOUCH__RECORD_BITS 20
#define VOUCH__RC_OF_RP "rc.id >= rp.id * 1048576 AND " \
	"rc.id < rp.id * 1048576 + 1048576"

/* ---- store.c ----------------------------------------------------------- */

/* The cached statement id, prepared from sql on first use (each id is
 * always given the same sql). */
int vouch__store_stmt(struct vouch_store *s, enum vouch__st id,
    const char *sql, struct vouch__stmt **out, struct vouch_error *err);

/* Binds parameters 1, 2, ... in order; the first failure sticks. */
struct vouch__bind {
	const struct vouch__db_ops *ops;
	struct vouch__stmt *st;
	int i;
	int rc;
};

void vouch__bind_start(struct vouch__bind *b, const struct vouch_store *s,
    struct vouch__stmt *st);
/* v NULL binds SQL NULL. */
void vouch__bind_text(struct vouch__bind *b, const char *v);
/*
 * v itself when it is UTF-8 (RFC 3629), else a copy in a where each byte
 * that starts no well-formed sequence is U+FFFD; NULL when v is NULL or
 * memory ran out.  For text from outside the XML parser (file names,
 * failure-report fields from mail in any charset), so that both backends
 * store the same (PostgreSQL refuses a whole row for one such byte).
 */
const char *vouch__store_utf8(struct vouch__arena *a, const char *v);
void vouch__bind_int(struct vouch__bind *b, int64_t v);
void vouch__bind_blob(struct vouch__bind *b, const void *p, size_t n);
/* 0, or the first binding's failure with err filled. */
int vouch__bind_done(struct vouch__bind *b, struct vouch_error *err);

/* Step st to its end (rows are ignored) and reset it. */
int vouch__store_run(struct vouch_store *s, struct vouch__stmt *st,
    struct vouch_error *err);
/* Step st, which returns at most one row: 1 with *id from its first
 * column, 0 without a row, or an error; st is reset in every case. */
int vouch__store_id(struct vouch_store *s, struct vouch__stmt *st,
    int64_t *id, struct vouch_error *err);
/* A NUL-terminated copy of n bytes (vouch__free()).  It calls
 * vouch__malloc() itself, where the tests' failing allocator reaches it
 * (vouch__memdup()'s call to it is inside mem.c and cannot be wrapped). */
char *vouch__store_dup(const void *p, size_t n);
/* The canonical text of ip in buf (len >= 46), or NULL for family 0. */
const char *vouch__store_ip(const struct vouch_ip *ip, char *buf,
    size_t len);
/* Put "what: " before the message already in err; returns code. */
int vouch__store_context(struct vouch_error *err, int code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- store_schema.c ---------------------------------------------------- */

/* Bring the store to the newest schema; s->version is set. */
int vouch__store_migrate(struct vouch_store *s, struct vouch_error *err);

/* ---- store_raw.c ------------------------------------------------------- */

/* The input of one vouch_store_import() call, kept as a raw_inputs row
 * at most once: hashed and compressed on first need only. */
struct vouch__raw {
	const unsigned char *data;
	size_t len;
	int64_t now;
	char sha256[65];	/* hex; "" until computed */
	unsigned char *gz;	/* NULL until compressed */
	size_t gzlen;
	int64_t id;		/* committed row, or -1 */
};

void vouch__raw_init(struct vouch__raw *r, const void *data, size_t len,
    int64_t now);
void vouch__raw_free(struct vouch__raw *r);
/* Hash and compress r now (vouch__raw_row() does it on first need). */
int vouch__raw_ready(struct vouch__raw *r, struct vouch_error *err);
/* Inside the caller's transaction: the raw input's row id, inserting it
 * when the store does not have it yet. */
int vouch__raw_row(struct vouch_store *s, struct vouch__raw *r,
    int64_t *id, struct vouch_error *err);
/* Hex SHA-256 of n bytes. */
int vouch__sha256_hex(const void *p, size_t n, char hex[65]);
/* The text fields of a failure report, as offsets, in column order. */
#define VOUCH__FAILURE_NTEXT 15
extern const size_t vouch__failure_text[VOUCH__FAILURE_NTEXT];
/* Store one failure report in its own transaction.  Returns 1 when
 * stored, 0 when it was already there, or an error. */
int vouch__failure_store(struct vouch_store *s, struct vouch__raw *raw,
    const char *source, const struct vouch_report_failure *f,
    struct vouch_error *err);

/* ---- store_batch.c ---------------------------------------------------- */

/* One column value of a row: an integer, or text (NULL: SQL NULL). */
struct vouch__val {
	const char *s;
	int64_t i;
	int is_int;
};

/* The rows of one table waiting for their INSERT. */
struct vouch__batch {
	enum vouch__bt kind;
	const char *head;	/* "INSERT INTO t (a, b) VALUES " */
	int ncols;
	size_t n;		/* rows pending */
	struct vouch__val *v;	/* batch_rows rows of ncols values */
	struct vouch__arena a;	/* their texts */
};

void vouch__batch_init(struct vouch__batch *b, enum vouch__bt kind,
    const char *head, int ncols);
/* Forget the pending rows (the report is rolled back). */
void vouch__batch_clear(struct vouch__batch *b);
void vouch__batch_free(struct vouch__batch *b);
/*
 * Add a row of ncols values (borrowed for the call).  With batch_rows 1
 * it is inserted at once; otherwise it is copied, and *full says that
 * the batch must be flushed before the next row.
 */
int vouch__batch_add(struct vouch_store *s, struct vouch__batch *b,
    const struct vouch__val *row, int *full, struct vouch_error *err);
/* Insert the pending rows; the batch is empty afterwards in any case. */
int vouch__batch_flush(struct vouch_store *s, struct vouch__batch *b,
    struct vouch_error *err);

/* ---- store_import.c, store_record.c ---------------------------------- */

/* One vouch_store_import() call. */
struct vouch__imp {
	struct vouch_store *s;
	const char *source;
	struct vouch__raw raw;
	struct vouch_store_import_result res;
	struct vouch_error err;	/* why a callback failed */
	int failed;
	int in_tx;		/* a report's transaction is open */
	int skip;		/* the current report is a duplicate */
	size_t nth;		/* aggregate reports met, the current one */
	int64_t report;		/* its row */
	int64_t raw_id;		/* its raw input's row */
	int64_t day;		/* its date_begin in days */
	uint64_t records, messages;	/* its totals, counted on commit */
	struct vouch__buf reasons;	/* a record's reason types */
	struct vouch__batch rec, extra;	/* rows not inserted yet */
};

/* A callback's failure: the report rolled back, the error kept in im->err
 * for the end (the parser replaces its own err with "stopped by the
 * callback").  Returns rc. */
int vouch__imp_fail(struct vouch__imp *im, int rc);
/* The parser's record callback (arg is the vouch__imp). */
int vouch__imp_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r);
/* The batches of im set up, emptied, freed (store_record.c); flushed:
 * records first, as record_extra rows refer to them. */
void vouch__imp_rows_init(struct vouch__imp *im);
void vouch__imp_rows_clear(struct vouch__imp *im);
void vouch__imp_rows_free(struct vouch__imp *im);
int vouch__imp_rows_flush(struct vouch__imp *im);

/* ---- store_prep.c: an input parsed ahead of storing ----------------- */

/* What one input may take as a copy; a larger one is imported directly. */
#define VOUCH__PREP_MAX (16u * 1024u * 1024u)

struct vouch__prep;

/* Parse data, keeping what the parser's callbacks say; NULL when that
 * would take more than VOUCH__PREP_MAX bytes or memory ran out (the
 * input must then be imported directly).  No store: any thread. */
struct vouch__prep *vouch__prep_parse(const void *data, size_t len,
    const struct vouch_report_limits *lim);
/* The bytes the copy takes. */
size_t vouch__prep_size(const struct vouch__prep *p);
/* The parser found nothing to store (an error before any report). */
int vouch__prep_empty(const struct vouch__prep *p);
void vouch__prep_free(struct vouch__prep *p);
/* Say it all again to h, in order: returns what vouch_report_parse()
 * returned (err its error), or the first non-zero callback value. */
int vouch__prep_replay(const struct vouch__prep *p,
    const struct vouch_report_handler *h, void *arg,
    struct vouch_error *err);
/* vouch_store_import() of an input already parsed (p) whose bytes are
 * raw: the same transactions, results and errors. */
int vouch__store_import_prep(struct vouch_store *s,
    const struct vouch__prep *p, struct vouch__raw *raw, const char *source,
    struct vouch_store_import_result *res, struct vouch_error *err);

/* ---- store_query.c: the filtered query every reader runs -------------- */

/* A statement selected and bound by a vouch_store_filter. */
struct vouch__query {
	struct vouch__stmt *st;
	char *domain;		/* the filter's, lower-cased; NULL: any */
};

/*
 * Clear err, prepare sql[0] (no domain filter) or sql[1], and bind since
 * and until (unset: the widest range), then the domain when set, in that
 * order.  q is ready for vouch__query_close() whatever happens.
 */
int vouch__query_open(struct vouch_store *s,
    const struct vouch_store_filter *f, const char *const sql[2],
    struct vouch__query *q, struct vouch_error *err);
void vouch__query_close(struct vouch_store *s, struct vouch__query *q);

/* The WHERE terms of a report filter, for report alias rp: the date
 * range [begin, end) overlaps [since, until), and the policy domain. */
#define VOUCH__RP_DATES "rp.date_end > ? AND rp.date_begin < ?"
#define VOUCH__RP_DOMAIN " AND rp.domain = ?"

#endif /* VOUCH_STORE_INT_H */
