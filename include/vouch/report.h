/*
 * vouch/report.h - DMARC reports as receivers send them: aggregate
 * reports (RFC 7489 appendix C, and RFC 9990's namespaced XML
 * "urn:ietf:params:xml:ns:dmarc-2.0") and failure reports (RFC 6591 ARF
 * with the RFC 9991 DMARC fields), in the containers they arrive in:
 * bare XML, gzip, zip, and e-mail messages carrying any of these (or an
 * ARF multipart/report).  The container is told by content, never by a
 * name.
 *
 * Parsing is streaming: up to 4 MiB of XML is gathered and given to expat
 * in one call (much faster than feeding it in pieces), larger documents
 * go to expat piece by piece as they are decompressed, and each <record>
 * is handed to the caller's callback as soon as it is complete, so memory
 * stays bounded whatever the number of records.  The metadata
 * (report_metadata and policy_published) is handed over once, before the
 * first record (or at the end for a report without records).
 *
 * Real reporters deviate from the schemas; what is accepted (missing
 * version, upper-case values, dates with fractions or spaces, extra
 * elements, namespaces on the old schema, ...) is listed in
 * docs/reports.md.  What is refused, always with an error naming the rule
 * and, for a record, its index: a DTD or any entity declaration (no
 * expansion ever, no external resource), XML that is not well-formed,
 * depth, record count, field size and byte limits (SECURITY.md), a
 * record without source_ip or count, a report without report_id,
 * org_name, date_range or policy_published domain.  A refused report
 * must be stored by no one: the callbacks may have seen part of it, so a
 * caller stores in a transaction it rolls back on error.
 *
 * Strings handed to callbacks are borrowed for the duration of the call
 * and are raw untrusted text (valid UTF-8 guaranteed by expat; everything
 * else as sent): escape them wherever they are shown.  Thread safety:
 * no shared state; one parse per thread.
 */
#ifndef VOUCH_REPORT_H
#define VOUCH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/err.h>

/* SECURITY.md limits; a zero field means the default in brackets. */
struct vouch_report_limits {
	size_t email_bytes;		/* [20 MiB] one e-mail */
	size_t compressed_bytes;	/* [10 MiB] one gzip/zip input */
	size_t xml_bytes;		/* [50 MiB] decompressed, counted as
					   produced, never as declared */
	unsigned archive_members;	/* [4] zip entries looked at */
	unsigned mime_depth;		/* [16] */
	unsigned attachments;		/* [32] MIME parts looked at */
	unsigned xml_depth;		/* [32] */
	size_t records;			/* [200000] per report */
	size_t field_bytes;		/* [1024] one element's text */
};

enum vouch_report_schema {
	VOUCH_REPORT_RFC7489 = 1,	/* appendix C, or no namespace */
	VOUCH_REPORT_RFC9990 = 2	/* urn:ietf:params:xml:ns:dmarc-2.0 */
};

/* report_metadata + policy_published.  NULL / -1 when absent. */
struct vouch_report_meta {
	enum vouch_report_schema schema;
	const char *version;		/* <version> as given */
	const char *org_name;
	const char *email;
	const char *extra_contact_info;
	const char *report_id;
	const char *generator;		/* RFC 9990 */
	int64_t begin, end;		/* date_range, seconds since epoch */
	size_t nerrors;
	const char *const *errors;	/* <error> elements */
	/* policy_published */
	const char *domain;		/* lower-cased */
	int adkim_strict, aspf_strict;	/* -1 absent */
	enum vouch_dmarc_policy p, sp, np;
	int pct;			/* -1 absent (RFC 7489 only) */
	const char *fo;
	int testing;			/* RFC 9990 t: -1 absent, 0, 1 */
	const char *discovery_method;	/* RFC 9990: "psl", "treewalk" */
};

struct vouch_report_dkim {
	const char *domain;
	const char *selector;		/* required by RFC 9990 */
	const char *result;		/* lower-cased: none pass fail policy
					   neutral temperror permerror */
	const char *human_result;
};

struct vouch_report_spf {
	const char *domain;
	const char *scope;		/* "mfrom", "helo", or NULL */
	const char *result;		/* lower-cased */
	const char *human_result;
};

struct vouch_report_reason {
	const char *type;		/* lower-cased: forwarded,
					   sampled_out, trusted_forwarder,
					   mailing_list, local_policy,
					   other, ... */
	const char *comment;
};

struct vouch_report_record {
	size_t index;			/* 0-based, in document order */
	struct vouch_ip source_ip;
	uint64_t count;
	const char *disposition;	/* lower-cased: none quarantine
					   reject pass (RFC 9990) */
	const char *dkim;		/* policy_evaluated: pass / fail */
	const char *spf;
	size_t nreasons;
	const struct vouch_report_reason *reasons;
	const char *envelope_to;
	const char *envelope_from;
	const char *header_from;	/* lower-cased */
	size_t ndkim;
	const struct vouch_report_dkim *dkim_results;
	size_t nspf;
	const struct vouch_report_spf *spf_results;
};

/* A failure report (RFC 6591 / RFC 9991): the feedback-report fields
 * and the returned header section, truncated to 64 KiB. */
struct vouch_report_failure {
	const char *feedback_type;	/* "auth-failure", ... */
	const char *user_agent;
	const char *version;
	const char *auth_failure;	/* "dmarc", "dkim", "spf", ... */
	const char *original_envelope_id;
	const char *original_mail_from;
	const char *original_rcpt_to;
	const char *reported_domain;
	const char *identity_alignment;
	const char *delivery_result;
	int64_t arrival_date;		/* -1 when absent or unreadable */
	struct vouch_ip source_ip;	/* family 0 when absent */
	const char *dkim_domain, *dkim_identity, *dkim_selector;
	const char *spf_dns;
	const char *authentication_results;
	const char *headers;		/* the original headers, as text */
	size_t headers_len;
	int headers_truncated;
};

/*
 * Callbacks; any may be NULL.  Returning non-zero stops the parse, and
 * vouch_report_parse() returns that value.
 */
struct vouch_report_handler {
	int (*meta)(void *arg, const struct vouch_report_meta *m);
	int (*record)(void *arg, const struct vouch_report_meta *m,
	    const struct vouch_report_record *r);
	/* After the last record of a report that parsed completely. */
	int (*end)(void *arg, const struct vouch_report_meta *m,
	    size_t nrecords);
	int (*failure)(void *arg, const struct vouch_report_failure *f);
};

/*
 * Parse data (len bytes: XML, gzip, zip or an e-mail) and hand every
 * report in it to h.  An e-mail or zip may carry several reports; each is
 * complete (meta, records, end) before the next begins.  Returns 0,
 * VOUCH_ESYNTAX or VOUCH_ELIMIT with err naming the rule (and the record
 * index), VOUCH_EUNSUPPORTED for a container or schema that is not a
 * DMARC report, VOUCH_ENOMEM, or a callback's value.  lim may be NULL.
 */
VOUCH_API int vouch_report_parse(const void *data, size_t len,
    const struct vouch_report_limits *lim,
    const struct vouch_report_handler *h, void *arg,
    struct vouch_error *err);

/* ==== Analysis: who sends as a domain (report_classify.c) ==============
 *
 * Pure logic over what the reports say about one sending IP (a "source"):
 * no DNS, no store.  vouch report sources and readiness classify each
 * source with vouch_report_classify(); docs/reports.md ("Analysis and
 * classification") gives the rules and their thresholds in words.
 *
 * Counts are messages (sums of record counts).  The caller decides, for
 * each domain seen in the source's SPF and DKIM results, whether it is
 * aligned with the source's header From domain (vouch_report_aligned())
 * and whether it belongs to the sending service it matched (sender
 * knowledge, vouch/senders.h).  Text in the result is built from the
 * domains given, which are untrusted: escape it wherever it is shown.
 */

enum vouch_report_class {
	VOUCH_REPORT_AUTHORIZED = 0,	/* passes DMARC for its volume */
	VOUCH_REPORT_AUTHORIZED_FAILING, /* belongs to the domain, fails */
	VOUCH_REPORT_FORWARDED,		/* relays the domain's mail */
	VOUCH_REPORT_UNAUTHORIZED	/* none of the above */
};

/* A domain in a source's SPF or DKIM results. */
struct vouch_report_authdom {
	const char *domain;
	uint64_t messages;		/* messages with a result for it */
	uint64_t pass;			/* of those, result pass */
	int aligned;			/* aligned with the header From */
	int service;			/* one of the matched service's
					   domains */
};

struct vouch_report_source {
	const char *domain;		/* the header From domain of most of
					   its mail (fix text); may be NULL */
	uint64_t messages;
	uint64_t dmarc_pass;		/* policy_evaluated spf/dkim pass */
	uint64_t spf_aligned;		/* policy_evaluated spf pass */
	uint64_t dkim_aligned;		/* policy_evaluated dkim pass */
	uint64_t spf_pass;		/* raw SPF pass, aligned or not */
	uint64_t dkim_pass;		/* raw DKIM pass, aligned or not */
	uint64_t forwarded;		/* reason forwarded, mailing_list,
					   trusted_forwarder, or arc=pass */
	size_t nspf;
	const struct vouch_report_authdom *spf;
	size_t ndkim;
	const struct vouch_report_authdom *dkim;
	const char *service;		/* name of the service matched (by
					   reverse DNS or a domain), or NULL */
	const char *spf_include;	/* that service's SPF include */
};

#define VOUCH_REPORT_REASONS_MAX 6
#define VOUCH_REPORT_FIXES_MAX 4
#define VOUCH_REPORT_TEXT_MAX 384	/* one reason or fix, truncated */

/*
 * The class, the observations that led to it (reasons) and, for a
 * source with failing mail that the domain owner can repair, what to
 * change (fixes: most useful first).  Filled by value; nothing to free.
 */
struct vouch_report_classification {
	enum vouch_report_class cls;
	size_t nreasons;
	char reasons[VOUCH_REPORT_REASONS_MAX][VOUCH_REPORT_TEXT_MAX];
	size_t nfixes;
	char fixes[VOUCH_REPORT_FIXES_MAX][VOUCH_REPORT_TEXT_MAX];
};

/* Classify src into *out.  Never fails. */
VOUCH_API void vouch_report_classify(const struct vouch_report_source *src,
    struct vouch_report_classification *out);

/* "authorized", "authorized-failing", "forwarded", "unauthorized". */
VOUCH_API const char *vouch_report_class_name(enum vouch_report_class c);

/* Whether a source of this class sends the domain's own mail (all but
 * unauthorized): its failing volume is what a stricter policy loses. */
VOUCH_API int vouch_report_class_legitimate(enum vouch_report_class c);

/*
 * Identifier alignment (RFC 9989 3.2.10, RFC 7489 3.1): strict, the two
 * names are equal (ASCII case ignored, a final dot ignored); relaxed,
 * they have the same organizational domain by the Public Suffix List
 * (psl NULL: the default list, vouch_psl_load()).  A name the list
 * cannot read aligns only with an equal name.
 */
VOUCH_API int vouch_report_aligned(const struct vouch_psl *psl,
    const char *a, const char *b, int strict);

/*
 * Recompute a record's DMARC alignment from its auth_results under other
 * alignment modes: SPF aligns when an SPF result with scope mfrom (or no
 * scope) is pass for a domain aligned with header_from, or, when the
 * record has no such result, a helo-scope pass does (RFC 9989 3.2.4:
 * HELO stands in for the null reverse-path); DKIM aligns when a DKIM
 * result is pass for an aligned domain.
 */
VOUCH_API void vouch_report_realign(const struct vouch_psl *psl,
    const char *header_from, const struct vouch_report_dkim *dkim,
    size_t ndkim, const struct vouch_report_spf *spf, size_t nspf,
    int adkim_strict, int aspf_strict, int *spf_aligned, int *dkim_aligned);

#endif /* VOUCH_REPORT_H */
