/*
 * cmd_report_query.h - what the analysis side of vouch report shares:
 *
 *   cmd_report_query.c    the options every query takes (--db, --domain,
 *                         --since, --until, --json), dates, and summary
 *   cmd_report_gather.c   the sources of a domain: reverse DNS (cached in
 *                         the store), the sending service (vouch/senders.h)
 *                         and the classification (vouch/report.h)
 *   cmd_report_sources.c  vouch report sources
 *   cmd_report_export.c   export as CSV or JSON
 *   cmd_report_ready.c    readiness: the stored records replayed against
 *                         a stricter policy
 *
 * Everything read from the store is untrusted report text: it is printed
 * through cli_put_safe() on a terminal, cli_json_str() in JSON, and
 * neutralized in CSV (SECURITY.md).
 */
#ifndef VOUCH_CMD_REPORT_QUERY_H
#define VOUCH_CMD_REPORT_QUERY_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include <vouch/report.h>
#include <vouch/senders.h>
#include <vouch/store.h>

#include "cli.h"

/* The long options every query takes; codes 'b' 'd' 's' 'u'. */
#define RQ_LONGOPTS \
	{"db", required_argument, NULL, 'b'}, \
	{"domain", required_argument, NULL, 'd'}, \
	{"since", required_argument, NULL, 's'}, \
	{"until", required_argument, NULL, 'u'}

/* sources and readiness: reverse DNS and sender knowledge. */
#define RQ_SOURCE_LONGOPTS \
	{"offline", no_argument, NULL, 'o'}, \
	{"senders", required_argument, NULL, 'S'}

struct rq_args {
	const char *cmd;		/* "summary", ... for messages */
	char prog[32];			/* "report summary", ... */
	const char *db;
	const char *domain;
	struct vouch_store_filter filter;
	int json;
	/* sources, readiness */
	int offline;
	const char *senders;
	struct cli_dns_opts dns;
};

/*
 * Take one option of RQ_LONGOPTS, RQ_SOURCE_LONGOPTS or
 * CLI_COMMON_LONGOPTS ('j', 'D').  Returns 1 if it was one, 0 if not, -1
 * on a usage error (message printed).
 */
int rq_option(struct rq_args *a, int c, const char *name, const char *arg);

/*
 * The getopt_long() loop: each option goes to rq_option(), then to
 * extra (may be NULL; same return convention) with the command's own.
 * --help prints usage on stdout.  Returns 0, 1 when help was printed
 * (exit 0), or EXIT_USAGE after printing why.  No operands are taken.
 */
int rq_parse(int argc, char **argv, const struct option *opts,
    struct rq_args *a, int (*extra)(void *ctx, int c, const char *arg),
    void *ctx, void (*usage)(FILE *f));

/* YYYY-MM-DD (midnight UTC; with end, the midnight after) or seconds
 * since the epoch.  Returns 0 or -1. */
int rq_date(const char *arg, int end, int64_t *out);

/* "2024-03-31T00:00:00Z" (or the number when out of range) into buf. */
void rq_time(int64_t t, char *buf, size_t len);
json_t *rq_time_json(int64_t t);

/* Ratio x/m as a JSON number, null when m is 0. */
json_t *rq_rate_json(uint64_t x, uint64_t m);
/* "97.5 %" or "-" into buf. */
void rq_rate(uint64_t x, uint64_t m, char *buf, size_t len);

/*
 * The next name of a header From domain list: reporters write a From
 * with several domains as "a.example.com, example.com" (opendmarc's
 * 126.com sample).  Copies it into buf ("" when none is left or it does
 * not fit) and returns where to go on, or NULL at the end.
 */
const char *rq_next_name(const char *p, char *buf, size_t len);

/* Open the store of a->db; prints why and returns an exit status. */
int rq_store_open(const struct rq_args *a, struct vouch_store **out);
/* Print "vouch report CMD: what: why" for a failed store call; returns
 * EXIT_RUNTIME. */
int rq_store_error(const struct rq_args *a, int rc,
    const struct vouch_error *err);
/* Flush stdout; EXIT_RUNTIME with a message when the output failed. */
int rq_flush(const struct rq_args *a, int rc);

/* ---- sources (cmd_report_gather.c, output in cmd_report_sources.c) ---- */

/* One sending IP, copied out of the store (all strings owned). */
struct rq_source {
	char *ip;
	char *ptr;			/* reverse DNS name, or NULL */
	int ptr_state;			/* RQ_PTR_* */
	const struct vouch_sender_service *service;
	struct vouch_report_source s;	/* domain, counts, spf, dkim */
	uint64_t disp_quarantine, disp_reject;
	enum vouch_report_class cls;
	/* readiness: messages the candidate policy would act on */
	uint64_t would_reject, would_quarantine;
};

enum {
	RQ_PTR_UNKNOWN = 0,	/* not looked up (offline, not cached) */
	RQ_PTR_KNOWN,		/* ptr is the name, or NULL: none */
	RQ_PTR_FAILED		/* the lookup failed (timeout, SERVFAIL) */
};

struct rq_sources {
	struct rq_source *v;
	size_t n, cap;
	struct rq_source **byip;	/* the same, ordered by address */
	struct vouch_senders *senders;	/* NULL: no sender knowledge */
};

/*
 * Read the sources the filter selects, then: reverse DNS (from the
 * store's cache, else through DNS unless dns is NULL, caching what was
 * found), the service, alignment of their domains, the class.  Returns
 * 0 or an exit status after printing why.
 */
int rq_sources_load(const struct rq_args *a, struct vouch_store *st,
    struct vouch_dns *dns, struct rq_sources *out);
void rq_sources_free(struct rq_sources *ss);
/* The source of ip (sources are ordered by volume: a linear scan would
 * be quadratic), or NULL. */
struct rq_source *rq_sources_find(struct rq_sources *ss, const char *ip);
/* The classification of one source, with its reasons and fixes. */
void rq_source_classify(const struct rq_source *src,
    struct vouch_report_classification *c);
/* Service name and fixes joined by "; " as JSON (null when none). */
json_t *rq_fix_json(const struct vouch_report_classification *c);
void rq_fix_text(FILE *f, const struct vouch_report_classification *c);
/* "mail.example.net" / "(no name)" / "-" on the terminal, escaped. */
void rq_ptr_text(FILE *f, const struct rq_source *src, int width);

/* Load --senders (or the default file): prints a warning and goes on
 * without when the default is missing; an explicit file that cannot be
 * read is EXIT_RUNTIME. */
int rq_senders_load(const struct rq_args *a, struct vouch_senders **out);
/* Open DNS for sources (NULL with --offline). */
int rq_dns_open(const struct rq_args *a, struct vouch_dns **out);

#endif
