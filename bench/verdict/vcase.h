/*
 * bench/verdict/vcase.h - the envelopes of bench/verdict's corpus and the
 * result word its drivers print (vouch_verdict_bench.c, trio_bench.c).
 *
 * The corpus is the folder gen_envelopes.py writes, loaded with
 * corpus_load() and timed with corpus_run() (bench/dkim/corpus.h); the
 * columns after EXPECTED on each manifest line are CLIENT_IP HELO
 * MAIL_FROM CASE.  vcase_load() parses them once, in manifest order, so
 * the timed loop does not.  vcase_getopt() reads the options both
 * drivers take.
 *
 * The result word of one message (gen_envelopes.py writes the expected
 * one):
 *
 *   spf:R,helo:R,dkim:R[+R...],dmarc:R,action:A
 *
 * Ownership: vcase_load() gives the caller a corpus to release with
 * vcase_free().  Programs only: these helpers print to stderr.
 */
#ifndef BENCH_VERDICT_VCASE_H
#define BENCH_VERDICT_VCASE_H

#include <stddef.h>

#include "corpus.h"

#define VCASE_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

struct vcase {
	char ip[64];		/* the SMTP client, text */
	int ipv6;
	char helo[256];
	char mail_from[320];	/* "" for the null reverse-path "<>" */
	/* The domain SPF checks for the MAIL FROM identity: the MAIL FROM
	   domain, or the HELO name for "<>" (RFC 7208 2.4). */
	const char *spf_domain;
};

/* The corpus and one envelope per message, in the corpus's order. */
struct vcase_corpus {
	struct corpus c;
	struct vcase *env;
};

/* Options every driver takes. */
struct vcase_opts {
	struct corpus_opts run;	/* -l LABEL, -r RESULTS, -t SECONDS [5] */
	const char *dir;	/* -c CORPUS */
	const char *psl;	/* -P PSL: the Public Suffix List [VCASE_PSL] */
	size_t chunk;		/* -k CHUNK: body piece size [65536] */
};

/*
 * Parse the common options out of argv.  Options the driver handles
 * itself are listed in extra (getopt syntax) and handed to cb one by one.
 * Exits with the usage message on error or when -c is missing.
 */
void vcase_getopt(int argc, char **argv, struct vcase_opts *o,
    const char *extra, void (*cb)(int opt, const char *arg, void *cbarg),
    void *cbarg, const char *usage);

/* corpus_load() and the envelopes.  Returns 0, or -1 when a manifest line
 * lacks the envelope columns (message on stderr). */
int vcase_load(const char *dir, struct vcase_corpus *out);
void vcase_free(struct vcase_corpus *vc);
/* The envelope of m, a message of vc. */
const struct vcase *vcase_get(const struct vcase_corpus *vc,
    const struct corpus_msg *m);

/*
 * The result word into res.  dkim is the comma-separated list of the
 * message's DKIM results in header order ("none" when unsigned), written
 * with "+" between them.
 */
void vcase_result(char *res, size_t reslen, const char *spf,
    const char *helo, const char *dkim, const char *dmarc,
    const char *action);

#endif /* BENCH_VERDICT_VCASE_H */
