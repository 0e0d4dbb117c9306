/*
 * vouch/store.h - libvouch-store: imported DMARC reports kept in SQLite
 * (the embedded default, one file) or PostgreSQL (many writers, many
 * domains), behind one interface and one schema.
 *
 * Opening a store applies the versioned migrations it lacks (each in its
 * own transaction, recorded in a schema_version table), so any vouch
 * opens any older store.  A store written by a newer vouch is refused.
 *
 * Import is one transaction per report: a report that fails to parse
 * part-way (a bad record, a limit) leaves nothing behind, and the error
 * names the record.  Aggregate reports are unique by (reporter org_name,
 * report_id): a second import, even racing from another process or host,
 * counts as a duplicate and stores nothing.  Failure reports are unique
 * by a SHA-256 of their content.  The raw input a report came from is
 * kept gzip-compressed (once per distinct input) for download.
 *
 * Every statement uses bound parameters; the strings handed to callbacks
 * are raw untrusted report text (escape them wherever they are shown),
 * borrowed for the duration of the call.
 *
 * Errors: 0 or a negative VOUCH_E* code, with err (may be NULL) naming
 * the backend's message.  VOUCH_EIO: the database failed (cannot open,
 * disk full, connection lost).  Thread safety: a handle is used by one
 * thread at a time; open one per thread or process.
 */
#ifndef VOUCH_STORE_H
#define VOUCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/err.h>
#include <vouch/report.h>

struct vouch_store;

/*
 * Open or create a store.  where is "postgresql://..." or "postgres://..."
 * (a libpq connection URI), or else an SQLite file path (created when
 * absent, with its folder required to exist).
 */
VOUCH_API int vouch_store_open(const char *where, struct vouch_store **out,
    struct vouch_error *err);
VOUCH_API void vouch_store_close(struct vouch_store *s);
/* "sqlite" or "postgresql". */
VOUCH_API const char *vouch_store_backend(const struct vouch_store *s);
/* The schema version the store is at after opening. */
VOUCH_API int vouch_store_schema_version(const struct vouch_store *s);

/* What one vouch_store_import() call did with its input. */
struct vouch_store_import_result {
	size_t reports;		/* aggregate reports stored */
	size_t duplicates;	/* aggregate or failure reports already
				   stored, so not stored again */
	size_t failures;	/* failure (ARF) reports stored */
	uint64_t records;	/* aggregate records stored */
	uint64_t messages;	/* sum of their counts */
};

/*
 * Parse data (XML, gzip, zip or an e-mail: vouch_report_parse()) and
 * store every report in it, each in its own transaction.  source names
 * the input for people ("reports/x.xml.gz", "imap:INBOX/UID 42"); it is
 * stored with the report.  On error the report being stored is rolled
 * back, those stored before it stay, res counts what was stored, and err
 * names the problem (the parser's error, or the database's).  lim may be
 * NULL.  The clock for "imported at" is now (seconds since the epoch).
 */
VOUCH_API int vouch_store_import(struct vouch_store *s, const void *data,
    size_t len, const char *source, const struct vouch_report_limits *lim,
    int64_t now, struct vouch_store_import_result *res,
    struct vouch_error *err);

/*
 * A pipeline of imports: many inputs stored as vouch_store_import()
 * would store them one after the other, with the same transactions,
 * results and errors, in the order given, while up to jobs worker
 * threads parse (and hash and compress) the inputs that come next.  The
 * caller's thread does all the SQL, so s stays single-threaded; when the
 * oldest input is not parsed yet, it parses the next one waiting rather
 * than wait.  So jobs is best one less than the cores to be used.
 *
 *	vouch_store_pipe_new(s, jobs, lim, done, arg, &p);
 *	for each input:
 *		vouch_store_pipe_put(p, data, len, source, now, tag);
 *	vouch_store_pipe_flush(p);
 *	vouch_store_pipe_free(p);
 *
 * done(arg, tag, rc, res, err) is called exactly once for every input
 * put, in the order they were put, from within put(), flush() or free()
 * on the caller's thread, right after that input was stored: rc, res and
 * err are what vouch_store_import() would have returned for it.  A
 * non-zero return from done stops the pipe: the inputs still in it, and
 * those put until flush() has returned that value, are dropped, not
 * stored, each told to done with res and err NULL (its return value then
 * ignored).  free() drops what is left the same way.
 *
 * put() copies data and source (the caller may reuse them at once) and
 * waits while 64 inputs (8 per job beyond 8 jobs) or 64 MiB (inputs and
 * what they parsed to) are in the pipe.  With jobs 0, or
 * when a copy or a thread cannot be had, an input is imported at once
 * (no copy, no thread): the pipe never fails for want of memory.  Memory:
 * those 64 MiB, plus what the inputs being parsed when the budget is
 * reached parse to (up to 16 MiB each; a larger one is parsed again when
 * stored), whatever the number of inputs.
 */
struct vouch_store_pipe;

typedef int vouch_store_pipe_fn(void *arg, void *tag, int rc,
    const struct vouch_store_import_result *res,
    const struct vouch_error *err);

/* 0, VOUCH_EINVAL (s or done NULL) or VOUCH_ENOMEM; *out NULL on
 * error. */
VOUCH_API int vouch_store_pipe_new(struct vouch_store *s, unsigned jobs,
    const struct vouch_report_limits *lim, vouch_store_pipe_fn *done,
    void *arg, struct vouch_store_pipe **out);
/* 0, or the non-zero value done returned (the pipe stopped): data may
 * then have been stored or dropped, as done was or will be told. */
VOUCH_API int vouch_store_pipe_put(struct vouch_store_pipe *p,
    const void *data, size_t len, const char *source, int64_t now,
    void *tag);
/* Store (or, stopped, drop) everything in the pipe; then it goes on
 * afresh.  0, or the value that stopped it. */
VOUCH_API int vouch_store_pipe_flush(struct vouch_store_pipe *p);
/* Drops what was not flushed (done told, res NULL); ends the threads.
 * p may be NULL. */
VOUCH_API void vouch_store_pipe_free(struct vouch_store_pipe *p);

/* Which stored data a query looks at.  NULL / 0 means no restriction. */
struct vouch_store_filter {
	const char *domain;	/* policy_published domain, any case */
	int64_t since;		/* report date_range overlaps [since, until) */
	int64_t until;
};

struct vouch_store_reporter {
	const char *org_name;
	uint64_t reports;
	uint64_t messages;
};

/*
 * Per policy domain: messages (sum of record counts); dmarc_pass counts
 * messages whose policy_evaluated dkim or spf is pass; spf_aligned and
 * dkim_aligned count those with that one pass.  Dispositions by the
 * reporter's applied disposition word.
 */
struct vouch_store_summary {
	const char *domain;
	int64_t first, last;		/* earliest begin, latest end */
	uint64_t reports;
	uint64_t messages, dmarc_pass, spf_aligned, dkim_aligned;
	uint64_t disp_none, disp_quarantine, disp_reject, disp_pass;
	size_t nreporters;		/* by messages, descending */
	const struct vouch_store_reporter *reporters;
};

/* Calls cb once per domain, in domain order.  A non-zero cb return
 * stops and is returned. */
VOUCH_API int vouch_store_summary(struct vouch_store *s,
    const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_summary *sum), void *arg,
    struct vouch_error *err);

/* A domain seen in a source's authentication results, with the messages
 * for which it passed and in total. */
struct vouch_store_authdom {
	const char *domain;
	uint64_t messages;	/* records with this domain, by count */
	uint64_t pass;		/* of those, result pass */
};

/*
 * One sending IP (within the filter).  spf_pass / dkim_pass count
 * messages whose raw SPF result / any DKIM result was pass, aligned or
 * not; forwarded counts messages whose records give a reason forwarded,
 * trusted_forwarder or mailing_list, or a reason comment mentioning
 * "arc=pass".  spf_domains and dkim_domains: the most frequent (at most
 * 8 each) by messages.
 */
struct vouch_store_source {
	const char *ip;			/* canonical text */
	uint64_t messages, dmarc_pass, spf_aligned, dkim_aligned;
	uint64_t spf_pass, dkim_pass, forwarded;
	uint64_t disp_quarantine, disp_reject;
	size_t nheader_from;
	const struct vouch_store_authdom *header_from;	/* messages only */
	size_t nspf_domains;
	const struct vouch_store_authdom *spf_domains;
	size_t ndkim_domains;
	const struct vouch_store_authdom *dkim_domains;
};

/* Calls cb once per IP, by messages descending then IP. */
VOUCH_API int vouch_store_sources(struct vouch_store *s,
    const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_source *src), void *arg,
    struct vouch_error *err);

/* One stored aggregate record with its report, for export and replay. */
struct vouch_store_row {
	const char *org_name, *report_id;
	int64_t begin, end;
	const char *domain;			/* policy_published */
	enum vouch_dmarc_policy p, sp, np;	/* 0 when unknown */
	int adkim_strict, aspf_strict;		/* -1 absent */
	const char *ip;
	uint64_t count;
	const char *disposition, *dkim, *spf;	/* policy_evaluated */
	const char *reasons;			/* types, space-separated */
	const char *header_from, *envelope_from, *envelope_to;
	size_t ndkim;
	const struct vouch_report_dkim *dkim_results;
	size_t nspf;
	const struct vouch_report_spf *spf_results;
};

/* Calls cb for each stored record, by report begin, report, record. */
VOUCH_API int vouch_store_rows(struct vouch_store *s,
    const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_row *row), void *arg,
    struct vouch_error *err);

/* A stored failure report (its fields as in struct vouch_report_failure;
 * headers truncated at import). */
struct vouch_store_failure {
	int64_t imported;
	const char *source;
	const struct vouch_report_failure *f;
};

VOUCH_API int vouch_store_failures(struct vouch_store *s,
    const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_failure *fr), void *arg,
    struct vouch_error *err);

/*
 * The raw input a report was imported from, gzip-compressed: *data is
 * malloc'd, the caller frees it.  VOUCH_ENOTFOUND when no such report.
 */
VOUCH_API int vouch_store_raw(struct vouch_store *s, const char *org_name,
    const char *report_id, void **data, size_t *len,
    struct vouch_error *err);

/*
 * Reverse-DNS cache.  vouch_store_ptr_get() sets *ptr (malloc'd, caller
 * frees; NULL when the address had no name) and returns 0 when an entry
 * younger than max_age seconds exists at now, VOUCH_ENOTFOUND otherwise.
 */
VOUCH_API int vouch_store_ptr_get(struct vouch_store *s, const char *ip,
    int64_t now, int64_t max_age, char **ptr, struct vouch_error *err);
VOUCH_API int vouch_store_ptr_put(struct vouch_store *s, const char *ip,
    const char *ptr, int64_t now, struct vouch_error *err);

#endif /* VOUCH_STORE_H */
