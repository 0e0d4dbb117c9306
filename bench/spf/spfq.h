/*
 * bench/spf/spfq.h - the query list and the timing loop shared by the SPF
 * benchmark drivers (vouch_spf_bench.c, libspf2_bench.c).
 *
 * A query list is the queries.txt that gen_workload.py writes: one query
 * a line, IP TAB MAIL-FROM TAB HELO TAB EXPECTED, MAIL-FROM "<>" for the
 * null reverse-path.  spfq_run() evaluates every query once to warm the
 * caches, recording each result, then times whole passes over the list
 * and prints one line:
 *
 *   LABEL evals=N secs=S rate=R unstable=U hist=pass:N,fail:N,...
 *
 * where rate is evaluations per second over the timed passes, hist the
 * results of the warm-up pass and unstable the number of evaluations in
 * the timed passes whose result differed from the warm-up's (a timeout,
 * a cache that answers differently).  With -r FILE the warm-up results
 * are written one a line, in query order, for compare.py.
 *
 * Ownership: spfq_load() gives the caller a list to release with
 * spfq_free().  Programs only: these helpers print and exit on bad input.
 */
#ifndef BENCH_SPFQ_H
#define BENCH_SPFQ_H

#include <stddef.h>

/* Results, in the order of enum vouch_spf_result. */
enum spfq_result {
	SPFQ_NONE = 0,
	SPFQ_NEUTRAL,
	SPFQ_PASS,
	SPFQ_FAIL,
	SPFQ_SOFTFAIL,
	SPFQ_TEMPERROR,
	SPFQ_PERMERROR,
	SPFQ_NRESULTS
};

struct spfq {
	const char *ip;		/* client address, text */
	const char *mail_from;	/* "" for the null reverse-path */
	const char *helo;
	const char *expect;	/* what the generator meant */
};

struct spfq_list {
	struct spfq *q;
	size_t n;
	char *text;		/* the file, cut into the strings above */
};

/* Options every driver takes on its command line. */
struct spfq_opts {
	const char *label;	/* first word of the output line */
	const char *queries;	/* -q FILE */
	const char *results;	/* -r FILE, or NULL */
	unsigned passes;	/* -p N timed passes [5] */
	size_t limit;		/* -n N: only the first N queries [all] */
};

/* Evaluate one query; return its result, or -1 to stop the run. */
typedef int spfq_eval_fn(void *arg, const struct spfq *q);

/*
 * Parse the common options out of argv: -q -r -p -n -l.  Options the
 * driver handles itself are listed in extra (getopt syntax) and handed
 * to cb one by one.  Exits with a usage message on error.
 */
void spfq_getopt(int argc, char **argv, struct spfq_opts *o,
    const char *extra, void (*cb)(int opt, const char *arg, void *cbarg),
    void *cbarg, const char *usage);

int spfq_load(const char *path, size_t limit, struct spfq_list *out);
void spfq_free(struct spfq_list *l);

/* The warm-up pass, the timed passes, the output line.  Returns 0, or -1
 * when eval stopped the run or the results file could not be written. */
int spfq_run(const struct spfq_list *l, const struct spfq_opts *o,
    spfq_eval_fn *eval, void *arg);

const char *spfq_result_name(int r);

#endif /* BENCH_SPFQ_H */
