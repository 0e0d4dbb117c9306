/*
 * vouch/dmarc.h - Domain-based Message Authentication, Reporting and
 * Conformance: the policy record, policy discovery and the evaluation of
 * one message (RFC 9989, which obsoletes RFC 7489; RFC 7489's Public
 * Suffix List method kept as a mode, and a shadow mode running both).
 *
 * Three layers, each usable on its own:
 *
 *   vouch_dmarc_record_parse()   one TXT string -> a record with findings
 *                                (invalid values, removed or unknown tags,
 *                                ...) that the domain audit reuses;
 *   vouch_dmarc_discover()       the policy and organizational domain of a
 *                                domain, through DNS: RFC 9989 4.10 tree
 *                                walk, or RFC 7489 3.2 with the PSL;
 *   vouch_dmarc_check()          a message's result: author domain(s) from
 *                                From, alignment of the SPF MAIL FROM
 *                                identity and of each passing DKIM
 *                                signature, p/sp/np, t=y, pct (7489),
 *                                disposition, Authentication-Results.
 *
 * Fail closed (SECURITY.md): a missing, repeated or malformed From, or
 * several author domains, never gives pass from a subset: every author
 * domain (up to max_authors) is evaluated and the strictest outcome
 * applies; a From that cannot be read is permerror.  A DNS failure during
 * discovery is temperror, never none.
 *
 * Ownership: every struct returned is owned by its parent object and
 * borrowed until that object is freed.  Thread safety: none of these
 * objects is shared; one evaluation per thread.
 */
#ifndef VOUCH_DMARC_H
#define VOUCH_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/err.h>
#include <vouch/msg.h>
#include <vouch/spf.h>

/* ---- the record (RFC 9989 4.7, 4.8) ------------------------------------ */

enum vouch_dmarc_policy {
	VOUCH_DMARC_POLICY_UNSET = 0,	/* tag absent, or not a valid value */
	VOUCH_DMARC_POLICY_NONE,
	VOUCH_DMARC_POLICY_QUARANTINE,
	VOUCH_DMARC_POLICY_REJECT
};

enum vouch_dmarc_psd {
	VOUCH_DMARC_PSD_UNSET = 0,	/* absent or invalid: as "u" */
	VOUCH_DMARC_PSD_Y,
	VOUCH_DMARC_PSD_N,
	VOUCH_DMARC_PSD_U
};

/*
 * What a receiver does with the record's policy tags (RFC 9989 4.10.1,
 * RFC 7489 6.6.3): APPLY when p is valid and sp/np (if present) are
 * valid; AS_NONE when they are not but rua holds at least one valid URI
 * (act as if p=none); IGNORE otherwise (no DMARC processing).
 */
enum vouch_dmarc_policy_state {
	VOUCH_DMARC_APPLY = 0,
	VOUCH_DMARC_AS_NONE,
	VOUCH_DMARC_IGNORE
};

enum vouch_dmarc_severity {
	VOUCH_DMARC_INFO = 0,
	VOUCH_DMARC_WARNING,
	VOUCH_DMARC_ERROR
};

/* fo= (RFC 9989 4.7 / RFC 9991): one bit per option present. */
#define VOUCH_DMARC_FO_0 0x1u	/* all mechanisms failed to align */
#define VOUCH_DMARC_FO_1 0x2u	/* any mechanism failed to align */
#define VOUCH_DMARC_FO_D 0x4u	/* DKIM failed, whatever alignment */
#define VOUCH_DMARC_FO_S 0x8u	/* SPF failed, whatever alignment */

/*
 * One thing wrong or worth saying about a record.  code is stable (the
 * domain audit and --json print it):
 *   "syntax"          a tag-spec that is not tag=value
 *   "duplicate-tag"   a tag given twice (the first one counts)
 *   "invalid-value"   a value outside its ABNF (RFC 9989 4.8 table 2)
 *   "missing-p"       no p= (RFC 9989: allowed, p=none assumed when rua
 *                     is valid; a warning)
 *   "removed-tag"     pct, rf or ri (RFC 9989 appendix C; still read for
 *                     the RFC 7489 mode: pct)
 *   "unknown-tag"     a tag no RFC defines (ignored, RFC 9989 4.7)
 *   "invalid-uri"     a rua/ruf entry that is not a URI (dropped)
 *   "obsolete-size"   a URI with the "!size" suffix (accepted, ignored)
 *   "not-mailto"      a rua/ruf URI that is not mailto: (no receiver
 *                     sends to it)
 * severity says how bad; tag is the tag concerned (or NULL); text is the
 * offending text as written; message says it in words with the RFC
 * section.
 */
struct vouch_dmarc_finding {
	const char *code;
	enum vouch_dmarc_severity severity;
	const char *tag;
	const char *text;
	const char *message;
};

struct vouch_dmarc_record {
	const char *text;		/* the record as given */
	enum vouch_dmarc_policy p, sp, np;	/* UNSET: absent or invalid */
	enum vouch_dmarc_policy_state state;
	int adkim_strict;		/* adkim=s */
	int aspf_strict;		/* aspf=s */
	int testing;			/* t=y */
	enum vouch_dmarc_psd psd;
	unsigned fo;			/* VOUCH_DMARC_FO_* bits; absent: FO_0 */
	int pct;			/* RFC 7489 pct= 0..100; 100 absent */
	int has_pct;			/* pct= was given and valid */
	size_t nrua;			/* valid rua URIs, "!size" removed */
	const char *const *rua;
	size_t nruf;
	const char *const *ruf;
	size_t nfindings;
	const struct vouch_dmarc_finding *findings;
};

/*
 * Parse one DMARC record (the TXT strings already joined).  Returns 0
 * with *out (caller owns, vouch_dmarc_record_free()) when txt is a DMARC
 * record, that is when it starts with v=DMARC1 (RFC 9989 4.7: "v" first,
 * "DMARC1" case-sensitive); every other problem is a finding, never a
 * failure.  Returns VOUCH_ENOTFOUND when txt is not a DMARC record (it is
 * then discarded, RFC 9989 4.10 step 2), VOUCH_ENOMEM.
 */
VOUCH_API int vouch_dmarc_record_parse(const char *txt, size_t len,
    struct vouch_dmarc_record **out);
VOUCH_API void vouch_dmarc_record_free(struct vouch_dmarc_record *r);

/*
 * The record written canonically: "v=DMARC1", then the valid tags in the
 * order p, sp, np, adkim, aspf, t, psd, fo, pct, rua, ruf, each only when
 * given, separated by "; ".  Parsing the result gives the same values.
 * *out is the caller's (free()).  Returns 0 or VOUCH_ENOMEM.
 */
VOUCH_API int vouch_dmarc_record_format(const struct vouch_dmarc_record *r,
    char **out);

/* "none", "quarantine", "reject", or "" for UNSET. */
VOUCH_API const char *vouch_dmarc_policy_name(enum vouch_dmarc_policy p);

/* ---- discovery (RFC 9989 4.10, RFC 7489 3.2 and 6.6.3) ----------------- */

enum vouch_dmarc_method {
	VOUCH_DMARC_RFC9989 = 0,	/* DNS tree walk (the default) */
	VOUCH_DMARC_RFC7489		/* Public Suffix List */
};

/* What the evaluation runs: one method, or both (shadow: RFC 9989
 * decides, RFC 7489 is computed beside it and the differences reported). */
enum vouch_dmarc_mode {
	VOUCH_DMARC_MODE_RFC9989 = 0,
	VOUCH_DMARC_MODE_RFC7489,
	VOUCH_DMARC_MODE_SHADOW
};

/* One _dmarc TXT query. */
struct vouch_dmarc_query {
	const char *name;		/* "_dmarc.example.com" */
	enum vouch_dns_status status;
	size_t ndmarc;			/* TXT strings that are DMARC records */
	const struct vouch_dmarc_record *record; /* when ndmarc == 1 */
	const char *reason;		/* RETRY: "timeout", "SERVFAIL", ... */
};

#define VOUCH_DMARC_WALK_MAX 8		/* RFC 9989 4.10 */
#define VOUCH_DMARC_AUTHORS_MAX 8	/* SECURITY.md */

/*
 * A Public Suffix List for the RFC 7489 method (section 3.2): the
 * organizational domain is the public suffix plus one label, or the
 * name itself when it is a public suffix; all rules (ICANN and private)
 * and the implicit "*" rule apply, as the list's own algorithm says.
 * Load once, share between threads (read-only once loaded).
 */
struct vouch_psl;

/* path: a list in publicsuffix.org text format (or libpsl's DAFSA);
 * NULL: the newest of libpsl's built-in list and Debian's publicsuffix
 * data.  VOUCH_EIO with err naming the file when it cannot be read. */
VOUCH_API int vouch_psl_load(const char *path, struct vouch_psl **out,
    struct vouch_error *err);
VOUCH_API void vouch_psl_free(struct vouch_psl *psl);
/* The organizational domain of domain (lower-case A-labels) into buf.
 * Returns 0, VOUCH_ELIMIT (buf too small) or VOUCH_ESYNTAX. */
VOUCH_API int vouch_psl_org_domain(const struct vouch_psl *psl,
    const char *domain, char *buf, size_t buflen);

struct vouch_dmarc_options {
	enum vouch_dmarc_mode mode;
	/* RFC 7489 mode: the list; NULL: vouch_psl_load(NULL), loaded
	   once per process. */
	const struct vouch_psl *psl;
	/* RFC 7489 pct= sampling: a number 0..99, uniform; NULL: a
	   generator seeded from the clock.  Returning a value < pct
	   applies the policy. */
	unsigned (*random_fn)(void *arg);
	void *random_arg;
	unsigned walk_max;		/* [8] queries per tree walk */
	unsigned max_authors;		/* [8] author domains evaluated */
};

/*
 * The policy that applies to a domain as an author domain.  record is
 * NULL when none applies (DMARC does not apply to the domain).
 */
struct vouch_dmarc_discovery {
	enum vouch_dmarc_method method;
	const char *domain;		/* as asked, lower-case A-labels */
	const char *policy_domain;	/* where the record was found, or
					   NULL */
	const struct vouch_dmarc_record *record;
	const char *org_domain;		/* organizational domain of domain;
					   NULL when a query failed */
	const char *org_unknown;	/* then: why (the policy may still
					   be known from the domain's own
					   record) */
	int exists;			/* 0: domain is NXDOMAIN (RFC 8020),
					   so np applies; -1 unknown */
	enum vouch_dmarc_policy requested; /* p, sp or np as selected;
					   NONE for AS_NONE; UNSET when
					   record is NULL or IGNORE */
	const char *policy_tag;		/* "p", "sp", "np" or NULL */
	int temperror;			/* a query that mattered failed */
	const char *reason;		/* in words, always set */
	size_t nqueries;
	const struct vouch_dmarc_query *queries;
};

/*
 * Discover the policy for domain (opts may be NULL: RFC 9989).  The
 * domain is validated and converted to A-labels (VOUCH_ESYNTAX with err
 * set when it is not a domain name).  A DNS failure is not an error: it
 * sets temperror.  On success *out is the caller's
 * (vouch_dmarc_discovery_free()).
 */
VOUCH_API int vouch_dmarc_discover(struct vouch_dns *dns, const char *domain,
    enum vouch_dmarc_method method, const struct vouch_dmarc_options *opts,
    struct vouch_dmarc_discovery **out, struct vouch_error *err);
VOUCH_API void vouch_dmarc_discovery_free(struct vouch_dmarc_discovery *d);

/* ---- evaluation (RFC 9989 4.4, 5.3) ------------------------------------ */

enum vouch_dmarc_result {
	VOUCH_DMARC_NONE = 0,
	VOUCH_DMARC_PASS,
	VOUCH_DMARC_FAIL,
	VOUCH_DMARC_TEMPERROR,
	VOUCH_DMARC_PERMERROR
};

/* One DKIM signature's outcome, as the DKIM verifier gave it. */
struct vouch_dmarc_dkim {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	enum vouch_dkim_result result;
};

struct vouch_dmarc_request {
	const struct vouch_msg *msg;	/* the header section (From) */
	enum vouch_spf_result spf;	/* the MAIL FROM identity's result */
	const char *spf_domain;		/* the MAIL FROM identity's domain:
					   for the null reverse-path the
					   HELO name (RFC 7208 2.4, RFC
					   9989 3.2.4); NULL or "": none.
					   A separate HELO check never
					   counts. */
	const struct vouch_dmarc_dkim *dkim;
	size_t ndkim;
};

/* Per author domain. */
struct vouch_dmarc_author {
	const char *domain;
	enum vouch_dmarc_result result;
	const struct vouch_dmarc_discovery *discovery;
	int spf_aligned;		/* MAIL FROM passed and aligns */
	const char *dkim_aligned;	/* d= of the first passing aligned
					   signature, or NULL */
	enum vouch_dmarc_policy requested;	/* p/sp/np selected */
	enum vouch_dmarc_policy disposition;	/* after t=y and pct */
	int sampled_out;		/* RFC 7489 pct left it out */
	const char *reason;
	const char *authres;		/* its "dmarc=..." resinfo */
};

/* A place where RFC 9989 and RFC 7489 disagree (shadow mode). */
struct vouch_dmarc_diff {
	const char *domain;		/* the author domain */
	const char *what;		/* "organizational_domain",
					   "policy_domain", "alignment.spf",
					   "alignment.dkim", "requested_policy",
					   "disposition", "result" */
	const char *rfc9989;		/* the value each gives, as text */
	const char *rfc7489;
};

struct vouch_dmarc_eval {
	enum vouch_dmarc_method method;
	enum vouch_dmarc_result result;
	/* The author domain that decided: the first whose outcome is the
	   strictest (all fields below are its own). */
	const char *from_domain;	/* NULL when From could not be read */
	const char *policy_domain;
	const char *org_domain;
	enum vouch_dmarc_policy requested;
	enum vouch_dmarc_policy disposition;
	int spf_aligned;
	const char *dkim_aligned;
	int testing;			/* t=y */
	const char *reason;		/* in words, always set */
	size_t nauthors;
	const struct vouch_dmarc_author *authors;
	/* "dmarc=pass (reason) header.from=example.com
	   policy.dmarc=reject" (RFC 8601 2.7.7 / RFC 9989 9.2), escaped */
	const char *authres;
	/* Shadow mode: the RFC 7489 evaluation and every difference. */
	const struct vouch_dmarc_eval *shadow;
	size_t ndiffs;
	const struct vouch_dmarc_diff *diffs;
};

/*
 * Evaluate one message.  opts may be NULL.  Returns 0 with *out (caller
 * owns, vouch_dmarc_eval_free()) whatever the verdict; VOUCH_EINVAL or
 * VOUCH_ENOMEM otherwise.
 */
VOUCH_API int vouch_dmarc_check(struct vouch_dns *dns,
    const struct vouch_dmarc_request *req,
    const struct vouch_dmarc_options *opts, struct vouch_dmarc_eval **out,
    struct vouch_error *err);
VOUCH_API void vouch_dmarc_eval_free(struct vouch_dmarc_eval *ev);

/* "none", "pass", "fail", "temperror", "permerror". */
VOUCH_API const char *vouch_dmarc_result_name(enum vouch_dmarc_result r);
/* "rfc9989", "rfc7489". */
VOUCH_API const char *vouch_dmarc_method_name(enum vouch_dmarc_method m);

#endif /* VOUCH_DMARC_H */
