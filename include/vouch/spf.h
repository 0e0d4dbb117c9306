/*
 * vouch/spf.h - Sender Policy Framework, RFC 7208.
 *
 * vouch_spf_check() runs check_host() (RFC 7208 section 4) for one
 * identity: the MAIL FROM (section 2.4; a null reverse-path becomes
 * postmaster@<HELO>) or the HELO name (section 2.3).  Every mechanism,
 * modifier, qualifier and macro is implemented, with the processing limits
 * of section 4.6.4 counted exactly: 10 terms that cause DNS queries, 2 void
 * lookups, 10 MX names and 10 PTR names per term, plus a wall-time budget.
 *
 * DNS goes through the struct vouch_dns handle the caller passes; nothing
 * else is touched.  The clock (for %{t}) comes from the request.
 *
 * The outcome is a struct vouch_spf_eval the caller owns and releases with
 * vouch_spf_eval_free(); every string in it lives as long as it does.  It
 * carries the result, the matching term, an explanation in words (the
 * domain's exp= text for a fail when it has one), the reason for a
 * permerror or temperror naming the record and term, the lookup counts,
 * a Received-SPF field value (section 9.1), an Authentication-Results
 * fragment (RFC 8601), and, when asked, a step-by-step trace.
 *
 * Errors: the call returns 0 whenever an evaluation ran, whatever its
 * result; VOUCH_EINVAL for a request that cannot be evaluated (no IP, no
 * identity), VOUCH_ENOMEM.
 *
 * Thread safety: no shared state; one evaluation per call.  Several
 * threads may evaluate at once with a shared DNS handle.
 */
#ifndef VOUCH_SPF_H
#define VOUCH_SPF_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dns.h>
#include <vouch/err.h>

enum vouch_spf_result {
	VOUCH_SPF_NONE = 0,
	VOUCH_SPF_NEUTRAL,
	VOUCH_SPF_PASS,
	VOUCH_SPF_FAIL,
	VOUCH_SPF_SOFTFAIL,
	VOUCH_SPF_TEMPERROR,
	VOUCH_SPF_PERMERROR
};

enum vouch_spf_identity {
	VOUCH_SPF_MAILFROM = 0,
	VOUCH_SPF_HELO
};

/* Section 4.6.4 limits; a zero field means the default in brackets. */
struct vouch_spf_limits {
	unsigned dns_terms;	/* [10] include a mx ptr exists redirect */
	unsigned void_lookups;	/* [2] NXDOMAIN or no answer */
	unsigned mx_names;	/* [10] per mx term */
	unsigned ptr_names;	/* [10] per ptr term or %{p} */
	unsigned time_ms;	/* [20000] whole evaluation */
};

struct vouch_spf_request {
	struct vouch_ip ip;		/* the SMTP client */
	const char *mail_from;		/* address without <>; NULL or "" is
					   the null reverse-path */
	const char *helo;		/* HELO/EHLO argument, may be NULL */
	enum vouch_spf_identity identity;	/* which one to check */
	const char *receiver;		/* %{r} and Received-SPF receiver=;
					   NULL: "unknown" */
	int64_t now;			/* %{t}, seconds since the epoch */
};

struct vouch_spf_options {
	struct vouch_spf_limits limits;
	/* Explanation for a fail when the domain gives none (or its exp=
	   fails); NULL for the built-in text. */
	const char *default_explanation;
	int trace;			/* nonzero: record the steps */
	/* nonzero: leave received_spf NULL (a receiver that adds no
	   Received-SPF field saves writing it); authres is always set */
	int no_received_spf;
};

struct vouch_spf_step {
	unsigned depth;		/* 0 top record, 1 inside include, ... */
	const char *domain;	/* the record's domain */
	const char *term;	/* the term as written, or "record" */
	const char *detail;	/* what happened, in words */
};

struct vouch_spf_eval {
	enum vouch_spf_result result;
	enum vouch_spf_identity identity;
	const char *domain;	/* the <domain> checked, or "" */
	const char *sender;	/* the <sender> (postmaster@... for null) */
	const char *record;	/* the top-level SPF record, or NULL */
	const char *mechanism;	/* the matching term, NULL if none matched */
	const char *explanation; /* always set: words for any result */
	const char *error;	/* why, for permerror/temperror; else NULL */
	unsigned dns_lookups;	/* DNS terms counted (section 4.6.4) */
	unsigned void_lookups;
	const char *received_spf; /* Received-SPF field value, no name */
	const char *authres;	/* "spf=pass smtp.mailfrom=..." */
	size_t nsteps;
	const struct vouch_spf_step *steps;
};

/* opts may be NULL for the defaults. */
VOUCH_API int vouch_spf_check(struct vouch_dns *dns,
    const struct vouch_spf_request *req,
    const struct vouch_spf_options *opts, struct vouch_spf_eval **out);
VOUCH_API void vouch_spf_eval_free(struct vouch_spf_eval *ev);

/* "none", "neutral", "pass", "fail", "softfail", "temperror",
 * "permerror". */
VOUCH_API const char *vouch_spf_result_name(enum vouch_spf_result r);
/* "mailfrom" or "helo". */
VOUCH_API const char *vouch_spf_identity_name(enum vouch_spf_identity id);

#endif /* VOUCH_SPF_H */
