/*
 * dmarc_int.h - shared inside lib/dmarc/: the per-evaluation query cache,
 * policy discovery and organizational domains for both methods
 * (dmarc_walk.c), and the evaluation (dmarc_eval.c, dmarc_diff.c).
 *
 * Every _dmarc name asked during one evaluation is asked once: the
 * author's walk, the SPF and DKIM identifiers' walks and, in shadow
 * mode, both methods share one struct dmarc_cache.  Everything it hands
 * out lives until dmarc_cache_free().
 */
#ifndef VOUCH_DMARC_INT_H
#define VOUCH_DMARC_INT_H

#include "vouch/dmarc.h"
#include "util/util.h"

/* Whether a domain exists (RFC 8020 / RFC 9989 3.2.13). */
enum dmarc_exists {
	DMARC_EXISTS_UNKNOWN = -1,
	DMARC_EXISTS_NO = 0,
	DMARC_EXISTS_YES = 1
};

struct dmarc_cent {
	const char *domain;		/* the name under _dmarc */
	struct vouch_dmarc_query q;
};

struct dmarc_cache {
	struct vouch_dns *dns;
	const struct vouch_dmarc_options *opts;
	struct vouch__arena *arena;	/* strings, queries, discoveries */
	struct dmarc_cent **ent;	/* each in the arena: stable */
	size_t nent, capent;
	struct vouch_dmarc_record **recs;	/* to free */
	size_t nrecs, caprecs;
	struct dmarc_exist_ent {
		const char *domain;
		enum dmarc_exists exists;
		const char *reason;
	} *ex;
	size_t nex, capex;
};

void vouch__dmarc_cache_init(struct dmarc_cache *c, struct vouch_dns *dns,
    const struct vouch_dmarc_options *opts, struct vouch__arena *arena);
void vouch__dmarc_cache_free(struct dmarc_cache *c);

/*
 * The _dmarc TXT query for domain, asked at most once.  *out is borrowed
 * from the cache.  Returns 0 or VOUCH_ENOMEM.
 */
int vouch__dmarc_query(struct dmarc_cache *c, const char *domain,
    const struct vouch_dmarc_query **out);

/* Does domain exist (any query at it, NXDOMAIN or not)?  *reason is set
 * for UNKNOWN (a DNS failure).  Returns 0 or VOUCH_ENOMEM. */
int vouch__dmarc_exists(struct dmarc_cache *c, const char *domain,
    enum dmarc_exists *out, const char **reason);

/*
 * The organizational domain of domain by method into the cache's arena
 * (*org).  *temperror is set when a query the answer depends on failed
 * (then *org is NULL and *reason says which).  Returns 0 or
 * VOUCH_ENOMEM.
 */
int vouch__dmarc_org_domain(struct dmarc_cache *c,
    enum vouch_dmarc_method method, const char *domain, const char **org,
    int *temperror, const char **reason);

/* Policy discovery for an author domain (lower-case A-labels) into a
 * discovery allocated in the cache's arena. */
int vouch__dmarc_discover(struct dmarc_cache *c,
    enum vouch_dmarc_method method, const char *domain,
    struct vouch_dmarc_discovery **out);

/* Evaluate req by one method into ev (allocated by the caller; all it
 * points to lives in the cache's arena). */
int vouch__dmarc_eval_method(struct dmarc_cache *c,
    enum vouch_dmarc_method m, const struct vouch_dmarc_request *req,
    struct vouch_dmarc_eval *ev);
/* Shadow mode: the differences between a (RFC 9989) and b (RFC 7489)
 * into a->diffs. */
int vouch__dmarc_diff(struct vouch__arena *ar, struct vouch_dmarc_eval *a,
    const struct vouch_dmarc_eval *b);

/* How many labels domain has. */
size_t vouch__dmarc_labels(const char *domain);
/* The last n labels of domain (a pointer into it). */
const char *vouch__dmarc_suffix(const char *domain, size_t n);
/* printf into the arena; NULL when out of memory. */
char *vouch__dmarc_fmt(struct vouch__arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* VOUCH_DMARC_INT_H */
