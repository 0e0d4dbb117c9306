/*
 * lib/audit/audit_int.h - internals of the domain audit (vouch/audit.h),
 * shared by its files, one per area:
 *
 *   audit.c           vouch_audit_domain(): the order of the areas, the
 *                     result's ownership, the grades, the finding order
 *   audit_finding.c   the table of finding codes (area, severity) and
 *                     adding a finding; TXT lookups the areas share
 *   audit_tags.c      "name=value; ..." records (BIMI, MTA-STS, TLS-RPT)
 *   audit_spf.c       the SPF tree (lib/spf/spf_tree.h) and its findings;
 *   audit_spf_fix.c   the records the SPF fixes propose
 *   audit_dmarc.c     the policy (vouch_dmarc_discover(), both methods),
 *                     the record's findings, external report
 *                     destinations; audit_dmarc_diff.c the RFC 7489 /
 *                     RFC 9989 comparison
 *   audit_dkim.c      key records at the given and probed selectors
 *   audit_mx.c        MX (RFC 7505 null MX), BIMI, TLS-RPT (RFC 8460)
 *   audit_sts.c       MTA-STS (RFC 8461): the record, the policy file
 *                     through the caller's fetch callback, the MX match;
 *                     audit_sts_policy.c parses the policy file
 *
 * Every string of a result lives in the audit's arena; the SPF tree keeps
 * its own arena, freed with the audit.  Out of memory anywhere sets
 * ctx->nomem and the audit fails with VOUCH_ENOMEM.  DNS goes through
 * ctx->dns, a budget handle without limits over the caller's handle,
 * which counts the audit's own queries.
 */
#ifndef VOUCH_AUDIT_INT_H
#define VOUCH_AUDIT_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "vouch/audit.h"
#include "util/util.h"

#define AUDIT_ARENA_MAX (32u * 1024u * 1024u)
#define AUDIT_FINDINGS_MAX 500		/* findings kept per domain */
#define AUDIT_SELECTORS_MAX 64		/* DKIM selectors asked, in all */
#define AUDIT_MX_MAX 64			/* MX records kept */
#define AUDIT_MX_HOSTS_MAX 10		/* MX hosts whose address is asked */
#define AUDIT_TXT_MAX 16		/* records of one kind kept at a name */
#define AUDIT_EXTERNAL_MAX 8		/* rua/ruf hosts checked */
#define AUDIT_STS_POLICY_MAX (64u * 1024u)	/* policy file bytes */
#define AUDIT_STS_MX_MAX 64		/* mx: lines kept */
#define AUDIT_UDP_MAX 512		/* RFC 1035 4.2.1 without EDNS */
#define AUDIT_MSG_MAX 1024		/* one message or fix, formatted */

/* Thresholds (docs/domain.md): ranges broader than these prefixes. */
#define AUDIT_IP4_WARN 16
#define AUDIT_IP4_ERROR 8
#define AUDIT_IP6_WARN 48
#define AUDIT_IP6_ERROR 16
/* RFC 8301 3.2 and 4.1; SECURITY.md's ceiling. */
#define AUDIT_RSA_MIN 1024
#define AUDIT_RSA_GOOD 2048
#define AUDIT_RSA_LARGE 4096
#define AUDIT_STS_MAX_AGE_MAX 31557600	/* RFC 8461 3.2 */
#define AUDIT_STS_MAX_AGE_LOW 604800	/* a week: "weeks or greater" */

/* One code of the table (docs/domain.md lists them all). */
struct audit_code {
	const char *code;
	enum vouch_audit_area area;
	enum vouch_audit_severity severity;
};

/* TXT records at a name whose text starts with a prefix. */
struct audit_txt {
	enum vouch_dns_status status;
	const char *reason;		/* RETRY: why */
	size_t n;			/* matching records (all counted) */
	const char *rec[AUDIT_TXT_MAX];	/* the first ones, NUL-ended */
	size_t len[AUDIT_TXT_MAX];
};

/* One "name=value" of a tag-list record. */
struct audit_tag {
	const char *name;
	const char *value;		/* WSP-trimmed, may be "" */
};

#define AUDIT_TAGS_MAX 32

struct audit_tags {
	size_t n;
	struct audit_tag tag[AUDIT_TAGS_MAX];
};

struct spf_tree;

struct audit_ctx {
	struct vouch_audit *a;
	struct vouch__arena *ar;
	struct vouch_dns *dns;
	const struct vouch_audit_options *opts;
	const char *domain;		/* A-label, lower case, no dot */
	struct vouch_audit_finding *f;
	size_t nf, capf;
	int nomem;
	int internal;			/* a code missing from the table */
	struct spf_tree *spf;		/* kept for the result */
	/* What one area learns that another needs. */
	int mx_status;			/* enum vouch_dns_status of MX */
	int null_mx;			/* a "0 ." record is published */
	enum vouch_dmarc_policy dmarc_applied;	/* p/sp/np for domain */
	int dmarc_partial;		/* pct < 100 or t=y */
	struct vouch_audit_dmarc_diff *diffs;
	size_t ndiffs, capdiffs;
};

/* ---- audit_finding.c ---------------------------------------------------- */

/* The table, for the tests that check every code has a fixture and a
 * line in docs/domain.md. */
const struct audit_code *vouch__audit_codes(size_t *n);

/*
 * Add a finding with code (from the table: it gives area and severity;
 * sev_override >= 0 replaces the severity), evidence and fix (copied,
 * may be NULL) and a message from fmt.  Past AUDIT_FINDINGS_MAX findings
 * are dropped.  Failures set ctx->nomem / ctx->internal.
 */
void vouch__audit_add(struct audit_ctx *c, const char *code,
    int sev_override, const char *evidence, const char *fix,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* printf into the arena; NULL (and ctx->nomem) when out of memory. */
char *vouch__audit_fmt(struct audit_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *vouch__audit_strdup(struct audit_ctx *c, const char *s);

/*
 * TXT records at name whose text starts with prefix (exactly, case
 * matters; NULL: every record), joined.  Returns 0 or VOUCH_ENOMEM; a
 * name too long to exist is NXDOMAIN.
 */
int vouch__audit_txt(struct audit_ctx *c, const char *name,
    const char *prefix, struct audit_txt *out);

/*
 * The one record at name starting with prefix, or NULL after adding
 * AREA-dns-error, AREA-none or AREA-several-records (what names the
 * kind of record, rfc the section that says one is needed).
 */
const char *vouch__audit_one(struct audit_ctx *c, const char *name,
    const char *prefix, const char *area, const char *what,
    const char *rfc);

/* Is name domain itself or under it? */
int vouch__audit_own(const struct audit_ctx *c, const char *name);

/* ---- audit_tags.c ------------------------------------------------------- */

/*
 * Split "name=value; name=value;" (RFC 8461 3.1, RFC 8460 3, BIMI 4.2:
 * WSP around ";" and "=" allowed, one final ";" allowed) into out; the
 * strings in the arena.  Returns 0, VOUCH_ESYNTAX with why (an empty
 * part, a part without "=", an empty name, a name given twice, more than
 * AUDIT_TAGS_MAX), or VOUCH_ENOMEM.
 */
int vouch__audit_tags(struct vouch__arena *a, const char *s,
    struct audit_tags *out, char *why, size_t whylen);
/* A tag-list record kind: _LABEL.DOMAIN, "v=" VERSION first. */
struct audit_kind {
	const char *label;		/* "default._bimi" */
	const char *version;		/* "BIMI1" */
	const char *area;		/* finding code prefix */
	const char *what;		/* "BIMI", in messages */
	const char *rfc;		/* where one record is required */
};

/*
 * The one record of kind k at LABEL.DOMAIN (*name, see
 * vouch__audit_one()), split into t.  Returns the record, or NULL when
 * there is none to check (findings added; ctx->nomem when out of
 * memory).  why is left empty when the record splits and its first tag
 * is v=VERSION, else it says what is wrong.
 */
const char *vouch__audit_tagged(struct audit_ctx *c,
    const struct audit_kind *k, const char **name, struct audit_tags *t,
    char *why, size_t whylen);
/* The value of name, or NULL. */
const char *vouch__audit_tag(const struct audit_tags *t, const char *name);
/* Does s start with scheme ("https:"), ignoring case? */
int vouch__audit_scheme(const char *s, const char *scheme);

/* ---- the areas ---------------------------------------------------------- */

int vouch__audit_spf(struct audit_ctx *c);
int vouch__audit_dmarc(struct audit_ctx *c);
/* Where an RFC 7489 receiver and an RFC 9989 one differ, from the two
 * discoveries of the domain (sub == 0) or of a name under it (sub). */
int vouch__audit_dmarc_diffs(struct audit_ctx *c,
    const struct vouch_dmarc_discovery *d9,
    const struct vouch_dmarc_discovery *d7, int sub);
int vouch__audit_dkim(struct audit_ctx *c);
int vouch__audit_mx(struct audit_ctx *c);
int vouch__audit_bimi(struct audit_ctx *c);
int vouch__audit_tls_rpt(struct audit_ctx *c);
int vouch__audit_mta_sts(struct audit_ctx *c);

/* ---- audit_spf_fix.c ---------------------------------------------------- */

/* The record text with the term (as written) removed, or with it
 * replaced by repl (NULL: removed). */
char *vouch__audit_spf_edit(struct audit_ctx *c, const char *record,
    const char *term, const char *repl);
/* The record without every term the parser refuses (at most 32). */
char *vouch__audit_spf_repair(struct audit_ctx *c, const char *record);
/* One record from several: their terms in order without repeats, one
 * "all" at the end (the strictest given, else "~all"). */
char *vouch__audit_spf_merge(struct audit_ctx *c, const char *const *recs,
    size_t n);
/* The record as quoted strings of at most 255 octets, for a zone file. */
char *vouch__audit_spf_split(struct audit_ctx *c, const char *record);

/* ---- audit_sts_policy.c ------------------------------------------------- */

enum sts_mode {
	STS_MODE_UNSET = 0,
	STS_MODE_ENFORCE,
	STS_MODE_TESTING,
	STS_MODE_NONE
};

struct sts_policy {
	int version_ok;			/* version: STSv1 */
	enum sts_mode mode;
	long long max_age;		/* -1: absent */
	size_t nmx;
	const char *mx[AUDIT_STS_MX_MAX];
	size_t mx_dropped;		/* mx lines past the cap */
};

/*
 * Parse an MTA-STS policy file (RFC 8461 3.2): key ": " value lines
 * ended by LF or CRLF.  Unknown keys are ignored; of repeated keys other
 * than mx the first counts.  Returns 0, VOUCH_ESYNTAX with why (a line
 * without ":", a bad key, control bytes, invalid UTF-8, version not
 * STSv1, a bad mode or max_age or mx value, a required field missing),
 * VOUCH_ELIMIT (over AUDIT_STS_POLICY_MAX), VOUCH_ENOMEM.
 */
int vouch__audit_sts_parse(struct vouch__arena *a, const char *body,
    size_t len, struct sts_policy *out, char *why, size_t whylen);
/* Does host match the mx pattern (RFC 8461 4.1: "*." one left label)? */
int vouch__audit_sts_match(const char *pattern, const char *host);

#endif /* VOUCH_AUDIT_INT_H */
