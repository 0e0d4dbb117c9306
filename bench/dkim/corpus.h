/*
 * bench/dkim/corpus.h - the message corpus and the timing loop shared by
 * the DKIM benchmark drivers (vouch_dkim_bench.c, opendkim_bench.c) and
 * bench/verdict's.
 *
 * A corpus is the folder gen_corpus.py writes (or one laid out the same
 * way: bench/verdict/gen_envelopes.py's adds columns to the manifest and
 * links to gen_corpus.py's messages).  corpus_load() reads
 * manifest.txt and every message it lists into memory, so the timed loop
 * does no I/O.  corpus_run() verifies every message once, compares each
 * result with what the generator intended and records it, then times
 * whole passes over the corpus until a number of seconds has gone by and
 * prints one line:
 *
 *   LABEL msgs=N bytes=B secs=S rate=R mbps=M unexpected=U
 *         peak_rss_kb=K corpus_kb=C hist=pass:N,fail:N,...
 *
 * rate is messages per second over the timed passes and mbps megabytes
 * (10^6) of raw message per second; unexpected counts the messages of the
 * first pass whose results differ from the manifest's EXPECTED column (or
 * that later passes changed); peak_rss_kb is getrusage()'s ru_maxrss at
 * the end, corpus_kb the messages held in memory.  With a results path
 * the first pass's results are written one message a line, in manifest
 * order, for compare.py.  hist counts the comma-separated words of the
 * first pass's results (at most 32 distinct words).
 *
 * Ownership: corpus_load() gives the caller a corpus to release with
 * corpus_free().  Programs only: these helpers print to stderr.
 */
#ifndef BENCH_DKIM_CORPUS_H
#define BENCH_DKIM_CORPUS_H

#include <stddef.h>

#define CORPUS_RES_MAX 256	/* one message's result text */

struct corpus_msg {
	const char *name;	/* "msg/00042.eml" */
	const char *expect;	/* "pass,fail": one word per signature */
	const char *extra;	/* the manifest columns after EXPECTED, still
				   TAB-separated; "" when there are none */
	char *data;		/* the raw message, CRLF line ends */
	size_t len;
};

struct corpus {
	struct corpus_msg *m;
	size_t n;
	size_t bytes;		/* sum of len */
	char *manifest;		/* the manifest text, cut into the strings */
};

/*
 * Verify one message; write its results into res in the form of the
 * manifest's EXPECTED column (for the DKIM corpus: one result word per
 * signature, in header order, comma-separated, "none" when there is
 * none).  Return 0, or -1 to stop the run.
 */
typedef int corpus_verify_fn(void *arg, const struct corpus_msg *m,
    char *res, size_t reslen);

struct corpus_opts {
	const char *label;	/* first word of the output line */
	const char *results;	/* first-pass results file, or NULL */
	double seconds;		/* timed passes go on this long (>= 1 pass) */
};

int corpus_load(const char *dir, struct corpus *out);
void corpus_free(struct corpus *c);

/* Returns 0 when every result was the expected one, 1 when some were
 * not, -1 when verify stopped the run or the results file failed. */
int corpus_run(const struct corpus *c, const struct corpus_opts *o,
    corpus_verify_fn *verify, void *arg);

/* Helpers for the drivers. */
double corpus_clock(void);		/* monotonic seconds */
long corpus_maxrss_kb(void);		/* ru_maxrss */
/* Append word to the comma-separated list in res (truncates safely). */
void corpus_res_add(char *res, size_t reslen, const char *word);
/* The whole file at path, NUL added; *len without the NUL.  NULL on
 * error (message on stderr).  Caller frees. */
char *corpus_read_file(const char *path, size_t *len);

/*
 * The key of type ("rsa", "ed25519") for domain from the corpus's
 * keys.txt: its PEM path into path, its selector into sel.  Returns 0,
 * or -1 when there is none (message on stderr).
 */
int corpus_find_key(const char *dir, const char *type, const char *domain,
    char *path, size_t pathlen, char *sel, size_t sellen);

#endif /* BENCH_DKIM_CORPUS_H */
