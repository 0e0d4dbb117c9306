/*
 * store_compare.h - what the files of the store_compare program share:
 * the check counter, the list of corpus inputs, the canonical dump of a
 * store, gzip helpers, and the hostile-input and connection checks.
 *
 * store_compare imports the corpus into SQLite and PostgreSQL, demands
 * identical dumps of both, races four importers against PostgreSQL, and
 * feeds both backends hostile inputs (see pg_store.sh).
 */
#ifndef STORE_COMPARE_H
#define STORE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/store.h>

#include "util/util.h"

/* The clock every import is given, so both stores read alike. */
#define SC_NOW ((int64_t)1700000000)

extern unsigned sc_failed, sc_passed;

/* Count one check; print what failed.  Returns cond. */
int sc_check(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One input: a path under the corpora, and what the summary TSV
 * expects of it (has_tsv 0 for the inputs it does not list). */
struct sc_input {
	char *path;		/* relative to the corpora */
	int has_tsv;
	int well_formed;	/* the TSV's well_formed is "yes" */
	char *org_name, *report_id;
	uint64_t records, sum;
	unsigned char *data;
	size_t len;
	int accepted;		/* vouch_report_parse() took it */
	int first;		/* the first accepted TSV input with its
				   org_name and report_id */
};

struct sc_corpus {
	struct sc_input *in;
	size_t n;
};

/* Load the TSV rows, the aggregate e-mails and the failure reports, with
 * their bytes.  Exits on a missing file: the corpora are read-only. */
void sc_corpus_load(struct sc_corpus *c);
void sc_corpus_free(struct sc_corpus *c);

/* The totals of importing a corpus once. */
struct sc_totals {
	uint64_t reports, duplicates, failures, records, messages;
};

/* Import every input into s in order (the checks against the TSV when
 * check is set); totals add up what the imports said. */
void sc_import_all(struct vouch_store *s, const struct sc_corpus *c,
    int check, struct sc_totals *t);

/* The canonical text of everything the query API shows of s, under a
 * few filters.  Caller frees *out.  0, or a store error (printed). */
int sc_dump(struct vouch_store *s, char **out);
/* Stored aggregate records, and the sum of their counts. */
int sc_count_rows(struct vouch_store *s, uint64_t *rows, uint64_t *sum);
/* Compare two dumps: a check, with the first differing line shown.
 * sorted: as multisets of lines (insertion order may differ). */
void sc_same_dump(const char *what, const char *a, const char *b,
    int sorted);

/* gzip (RFC 1952) helpers on zlib.  Caller frees. */
unsigned char *sc_gunzip(const void *gz, size_t len, size_t *outlen);

/* store_checks.c: hostile inputs (nothing stored), the raw download of
 * every first TSV input, the PTR cache, PostgreSQL connection failures
 * and a lost connection.  uri's database is altered and restored. */
void sc_hostile(struct vouch_store *s);
void sc_raw_roundtrip(struct vouch_store *s, const struct sc_corpus *c);
void sc_ptr_cache(struct vouch_store *s);
void sc_pg_connection(const char *uri);
/* A URI for another database beside uri's (caller frees), or NULL. */
char *sc_uri_with_db(const char *uri, const char *db);

/* pg_backend.c: the PostgreSQL backend (store_db.h) on its own. */
void sc_pg_backend(const char *uri);

#endif
