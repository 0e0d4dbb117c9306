/*
 * vouch/audit.h - audit one domain's mail-authentication records: SPF
 * (the whole include/redirect tree, counted by the SPF engine's own
 * rules), DMARC (the RFC 9989 walk, the record's findings, and how an
 * RFC 7489 receiver and an RFC 9989 receiver each act on it), DKIM keys
 * (given selectors, and a probe of common ones), MX (RFC 7505 null MX),
 * BIMI, MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).
 *
 * Every problem is a finding with a stable code (docs/domain.md lists
 * them with their RFC reference), a severity, the evidence (the record,
 * the term, the name) and the fix as text a domain owner can act on.
 * Text in findings that came from DNS is raw: escape it when shown.
 *
 * DNS goes through the handle given; HTTPS (the MTA-STS policy file) only
 * through the caller's fetch callback, so that libvouch itself never
 * opens a connection (DESIGN.md).  Without the callback the policy file
 * is not checked and a finding says so.
 *
 * Ownership: everything in a struct vouch_audit lives until
 * vouch_audit_free().  Thread safety: one audit per call, no shared
 * state; several threads may audit different domains with one DNS handle
 * when the handle allows it (the shipped ones do).
 */
#ifndef VOUCH_AUDIT_H
#define VOUCH_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/err.h>
#include <vouch/senders.h>

enum vouch_audit_area {
	VOUCH_AUDIT_SPF = 0,
	VOUCH_AUDIT_DMARC,
	VOUCH_AUDIT_DKIM,
	VOUCH_AUDIT_MX,
	VOUCH_AUDIT_BIMI,
	VOUCH_AUDIT_MTA_STS,
	VOUCH_AUDIT_TLS_RPT,
	VOUCH_AUDIT_NAREAS
};

enum vouch_audit_severity {
	VOUCH_AUDIT_INFO = 0,
	VOUCH_AUDIT_WARNING,
	VOUCH_AUDIT_ERROR
};

struct vouch_audit_finding {
	enum vouch_audit_area area;
	enum vouch_audit_severity severity;
	const char *code;	/* stable, e.g. "spf-too-many-lookups" */
	const char *message;	/* one sentence */
	const char *evidence;	/* the record / term / name, or NULL */
	const char *fix;	/* what to publish or change, or NULL */
};

/* One SPF record in the include/redirect tree. */
struct vouch_audit_spf_node {
	const char *domain;
	const char *via;		/* "include:x", "redirect=x", NULL at
					   the root */
	const char *record;		/* NULL: none found (see status) */
	const char *status;		/* "ok", "none", "several",
					   "syntax-error", "temperror",
					   "loop", "limit" */
	unsigned dns_lookups;		/* DNS-querying terms in this record
					   alone (RFC 7208 4.6.4) */
	unsigned void_lookups;		/* void lookups made evaluating it */
	unsigned total_lookups;		/* this record and everything below */
	size_t nchildren;
	const struct vouch_audit_spf_node *children;
};

struct vouch_audit_spf {
	const char *record;		/* the domain's own, or NULL */
	unsigned dns_lookups;		/* as check_host() counts them */
	unsigned void_lookups;
	const struct vouch_audit_spf_node *tree;	/* NULL: no record */
};

/* One aspect on which an RFC 7489 and an RFC 9989 receiver differ. */
struct vouch_audit_dmarc_diff {
	const char *aspect;	/* "pct", "p-missing", "t", "psd",
				   "policy-domain", "org-domain", ... */
	const char *rfc7489;	/* what an RFC 7489 receiver does */
	const char *rfc9989;	/* what an RFC 9989 receiver does */
};

struct vouch_audit_dmarc {
	const char *record;		/* the record that applies, or NULL */
	const char *policy_domain;	/* where it was found */
	enum vouch_dmarc_policy policy;		/* p for the domain */
	enum vouch_dmarc_policy subdomain_policy;	/* sp, else p */
	enum vouch_dmarc_policy nonexistent_policy;	/* np, else sp, p */
	size_t ndiffs;
	const struct vouch_audit_dmarc_diff *diffs;
};

struct vouch_audit_dkim {
	const char *selector;
	int probed;		/* 1: from the probe list, not asked for */
	const char *record;	/* NULL: no key record at the selector */
	const char *key_type;	/* "rsa", "ed25519", or NULL */
	unsigned key_bits;	/* 0 when unknown */
	int testing;		/* t=y */
	int revoked;		/* p= empty */
};

struct vouch_audit_mx {
	const char *host;	/* "." for a null MX (RFC 7505) */
	unsigned preference;
};

/* An area's grade: the worst severity among its findings, as a word:
 * "ok" (none), "info", "warning", "error". */
struct vouch_audit {
	const char *domain;		/* A-label form */
	size_t nfindings;
	const struct vouch_audit_finding *findings;	/* by area, then
							   severity desc */
	const char *grade[VOUCH_AUDIT_NAREAS];
	struct vouch_audit_spf spf;
	struct vouch_audit_dmarc dmarc;
	size_t ndkim;
	const struct vouch_audit_dkim *dkim;
	size_t nmx;
	const struct vouch_audit_mx *mx;
	const char *bimi;		/* default._bimi record, or NULL */
	const char *mta_sts;		/* _mta-sts record, or NULL */
	const char *tls_rpt;		/* _smtp._tls record, or NULL */
	unsigned dns_queries;		/* the audit's own cost */
};

/* Fetch url (https only); *body malloc'd, the caller frees it.  Return
 * 0, or a negative VOUCH_E* code with err saying why. */
typedef int (*vouch_audit_fetch_fn)(void *arg, const char *url,
    char **body, size_t *len, struct vouch_error *err);

struct vouch_audit_options {
	const char *const *selectors;	/* DKIM selectors to check */
	size_t nselectors;
	/* Probe the selectors of the services in this knowledge set
	 * (vouch/senders.h); NULL: no probe. */
	const struct vouch_senders *probe;
	const struct vouch_psl *psl;	/* for the RFC 7489 view; NULL:
					   vouch_psl_load(NULL) */
	vouch_audit_fetch_fn fetch;	/* NULL: MTA-STS policy not fetched */
	void *fetch_arg;
	int64_t now;			/* 0: the clock */
};

/*
 * Audit domain (U-labels are converted to A-labels; anything that is not
 * a domain name is VOUCH_EINVAL before any query).  DNS failures are not
 * errors: they become findings (temperror) in the result.
 */
VOUCH_API int vouch_audit_domain(struct vouch_dns *dns, const char *domain,
    const struct vouch_audit_options *opts, struct vouch_audit **out,
    struct vouch_error *err);
VOUCH_API void vouch_audit_free(struct vouch_audit *a);

/*
 * A TXT record's text as zone-file character-strings: quoted, '"' and
 * '\\' escaped, cut every 255 octets (RFC 1035 3.3, RFC 7208 3.3).
 * Returns a string the caller frees with free(), or NULL when memory ran
 * out.
 */
VOUCH_API char *vouch_audit_txt_strings(const char *record);

/* "spf", "dmarc", "dkim", "mx", "bimi", "mta-sts", "tls-rpt". */
VOUCH_API const char *vouch_audit_area_name(enum vouch_audit_area a);
/* "info", "warning", "error". */
VOUCH_API const char *vouch_audit_severity_name(
    enum vouch_audit_severity s);

#endif /* VOUCH_AUDIT_H */
