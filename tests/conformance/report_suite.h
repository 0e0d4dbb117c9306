/*
 * report_suite.h - the DMARC report conformance runner
 * (tests/conformance/report_*.c), over samples no one here wrote
 * (shared/corpora/README.md, "Reports: what to expect"):
 *
 *   report_collect.c  vouch_report_parse() into plain copies: per report
 *                     the metadata, the record count, the sum of counts
 *                     and one canonical text line per record; per failure
 *                     report one canonical line
 *   report_json.c     Stalwart's expected parses (dmarc-feedback/ *.json,
 *                     arf/ *.json) turned into the same canonical lines
 *   report_suite.c    main(); rua-xml-summary.tsv column by column and
 *                     the per-sample notes of the indexes
 *   report_modes.c    Stalwart's samples against their JSON; parsedmarc's
 *                     report e-mails and failure reports
 *
 * Canonical lines hold every field both sides have, "" for absent, and
 * '|' between fields; enumerated words are lower case.  Everything here
 * is test code: allocation failure exits (suite_util.c).
 */
#ifndef REPORT_SUITE_H
#define REPORT_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/report.h>

#include "spf_suite.h"

#define GOT_MAX 8	/* reports (or failures) kept per input */

struct got_report {
	enum vouch_report_schema schema;
	char *version, *org_name, *report_id, *domain;
	int64_t begin, end;
	enum vouch_dmarc_policy p, sp;
	int pct;
	struct strbuf meta;	/* canonical metadata line */
	size_t nrecords;
	uint64_t sum;
	struct strbuf records;	/* canonical record lines, '\n' after each */
	struct strbuf spf_results; /* every auth_results/spf result, ' ' */
	int ended;		/* the end callback came */
};

struct got_failure {
	struct strbuf line;	/* canonical failure line */
	char *headers;		/* returned headers, white space collapsed */
	char *version;
};

struct got {
	int rc;
	struct vouch_error err;
	size_t nreports, nfailures;	/* all seen (only GOT_MAX kept) */
	struct got_report r[GOT_MAX];
	struct got_failure f[GOT_MAX];
};

/* report_suite.c: one run's counts and skip list. */
#define MAX_FILES 256

struct run {
	struct skiplist skips;
	unsigned pass, fail, judged;
	/* --summary: canonical text per file, for the container groups */
	char *file[MAX_FILES];
	char *canon[MAX_FILES];
	size_t nfiles;
};

/* Count a failure and print "FAIL file: " and the message. */
void failf(struct run *R, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parse the corpus file rel (relative to VOUCH_CORPORA); -1 unreadable. */
int load(const char *rel, struct got *g);
/* The judged outcome ("refused"/"parsed") of file in group, or NULL. */
const char *judged(struct run *R, const char *file, const char *group);
/* 1 when g is a clean refusal (printed), else counts a failure. */
int refused(struct run *R, const char *file, const struct got *g);

/* report_modes.c */
void run_stalwart(struct run *R);
void run_parsedmarc(struct run *R);

/* report_collect.c */
void got_parse(struct got *g, const void *p, size_t n);
void got_free(struct got *g);
const char *policy_word(enum vouch_dmarc_policy p);
/* Split line at TABs into at most max fields (the last keeps any further
 * TABs); returns how many. */
size_t tsv_split(char *line, char **f, size_t max);
/* Runs of white space become one space; ends trimmed.  Caller frees. */
char *ws_collapse(const char *s, size_t n);

/* report_json.c: 0 and the lines, or -1 with why. */
int json_aggregate(const char *path, struct strbuf *meta,
    struct strbuf *records, char *why, size_t whylen);
int json_failure(const char *path, struct strbuf *line, char **headers,
    long *version, char *why, size_t whylen);

#endif /* REPORT_SUITE_H */
