/*
 * vouch/explain.h - why a message was rejected, and what to publish or
 * change so that it is not again (`vouch explain`).
 *
 * Input: what vouch_bounce_parse() recovered from a bounce or a message
 * (vouch/bounce.h).  The diagnosis re-evaluates what can be re-evaluated
 * with today's DNS through the handle given (SPF for the recovered client
 * IP and MAIL FROM, the DKIM signatures of the original, the DMARC policy
 * of the From domain), audits the From domain's records (vouch/audit.h),
 * and combines that with what the receiver said: its reply and, for a
 * delivered copy, its Authentication-Results and Received-SPF.
 *
 * The output is a list of causes, most important first, each with a
 * stable code (docs/explain.md lists them and how each is recognized),
 * a severity, the evidence and the fix as text to publish or a setting
 * to change:
 *
 *   unauthorized-server   the client IP is not authorized by the SPF of
 *                         the MAIL FROM domain (an error when no aligned
 *                         DKIM signature passes either, else a warning)
 *   free-mail-from        a free-mail address (gmail.com, ...) in From
 *                         (error) or Sender / Reply-To (warning) of mail
 *                         sent through someone else's server
 *   spf-missing-sender    the sending host belongs to a known service
 *                         (data/senders.conf) whose SPF include the
 *                         domain's record lacks
 *   spf-not-aligned       the MAIL FROM domain does not align with From:
 *                         SPF passes there (a service's bounce domain) or
 *                         fails for a domain that could not count anyway
 *                         (a web server's own name)
 *   spf-record-error      the SPF record is broken (syntax, too many
 *                         lookups, void lookups, several records)
 *   dkim-missing          the message carries no DKIM signature
 *   dkim-broken           a signature of the From domain fails (no key,
 *                         revoked key, bad key record, changed header or
 *                         body)
 *   dkim-not-aligned      DKIM passes only for a domain that does not
 *                         align with From (a service's default d=)
 *   dmarc-record-error    the DMARC record is broken (invalid value such
 *                         as aspf=rvk, syntax, several records)
 *   dmarc-missing         no DMARC record (an error when the receiver's
 *                         reply is about DMARC or authentication)
 *   reverse-dns           the receiver wants a PTR name that resolves
 *                         back to the client IP (5.7.25), and it has none
 *   forwarded             the message passed through a forwarder or a
 *                         mailing list that broke SPF (and maybe DKIM)
 *   dns-temporary         a lookup failed for a while (temperror, 4.x.x)
 *   receiver-policy       the sender's records are fine: the receiver's
 *                         own policy or filtering rejected the message
 *   undetermined          the evidence does not decide; the cause says
 *                         what would (the client IP, the original; see
 *                         vouch_bounce_attach_original())
 *
 * Ownership: everything reachable from a struct vouch_explain lives until
 * vouch_explain_free(); the bounce given is borrowed for as long.  Thread
 * safety: one diagnosis per call, no shared state; the DNS handle and the
 * sender knowledge may be shared when they allow it (the shipped ones
 * do).
 */
#ifndef VOUCH_EXPLAIN_H
#define VOUCH_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/audit.h>
#include <vouch/bounce.h>
#include <vouch/defs.h>
#include <vouch/dkim.h>
#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/err.h>
#include <vouch/senders.h>
#include <vouch/spf.h>

enum vouch_explain_severity {
	VOUCH_EXPLAIN_INFO = 0,	/* context, or what would decide */
	VOUCH_EXPLAIN_WARNING,	/* wrong, but not what rejected this one */
	VOUCH_EXPLAIN_ERROR	/* a reason the message was rejected */
};

struct vouch_explain_cause {
	const char *code;	/* stable: "spf-missing-sender", ... */
	enum vouch_explain_severity severity;
	const char *summary;	/* one sentence */
	const char *evidence;	/* the IP, record, term, header that show
				   it; raw text from DNS and mail inside:
				   escape when printing */
	const char *fix;	/* what to publish or change, concrete; may
				   span lines; NULL when there is nothing
				   for the sender to do */
};

struct vouch_explain_options {
	const struct vouch_senders *senders;	/* NULL: no service
						   knowledge */
	const struct vouch_psl *psl;	/* for the audit's RFC 7489 view;
					   NULL: the default list */
	struct vouch_dmarc_options dmarc;
	/* What the input does not say, given by the user; these win over
	   what was recovered.  NULL / has_ip 0: not given. */
	int has_ip;
	struct vouch_ip ip;
	const char *mail_from;		/* address without <>; "" null */
	const char *helo;
	int64_t now;		/* the clock for DKIM and SPF; 0: the
				   system clock, and a signature that
				   expired (x=) since the original's Date
				   is checked again at that time */
	unsigned dns_queries;	/* budget for the whole diagnosis
				   [VOUCH_EXPLAIN_DNS_QUERIES] */
	unsigned dns_ms;	/* [VOUCH_EXPLAIN_DNS_MS] */
};

#define VOUCH_EXPLAIN_DNS_QUERIES 400
#define VOUCH_EXPLAIN_DNS_MS 60000

/* What the receiver recorded about the message (a delivered copy's
 * topmost Authentication-Results / Received-SPF), NULL when it did not. */
struct vouch_explain_recorded {
	const char *authserv_id;
	const char *spf;		/* "fail", ... */
	const char *dkim;		/* the best dkim= result */
	const char *dmarc;
	const char *field;		/* the A-R / Received-SPF value */
};

struct vouch_explain {
	const struct vouch_bounce *bounce;	/* the input, borrowed */
	const char *summary;		/* one sentence: what happened */

	/* What was recovered, and from where (in words). */
	const char *reply;		/* the receiver's reply, or NULL */
	const char *receiver;		/* the rejecting server, or NULL */
	const char *from_domain;	/* A-label form, or NULL */
	const char *from_source;	/* "From field", "MAIL FROM", ... */
	const char *mail_from;		/* NULL when unknown */
	const char *mail_from_source;
	int has_ip;
	struct vouch_ip client_ip;
	const char *client_ip_source;	/* "Received: from ... by ...",
					   "the receiver's reply", "--ip" */
	const char *client_rdns;	/* its PTR name, or NULL */
	const char *helo;
	const struct vouch_sender_service *service;	/* the sending
					   service recognized, or NULL */
	const char *service_source;	/* how it was recognized */
	struct vouch_explain_recorded recorded;

	/* The re-evaluation with today's DNS (NULL: not possible, a cause
	   "undetermined" says why). */
	const struct vouch_spf_eval *spf;
	const struct vouch_dkim_verify *dkim;
	const struct vouch_dmarc_eval *dmarc;
	const struct vouch_audit *audit;	/* of the From domain */

	size_t ncauses;
	const struct vouch_explain_cause *causes;	/* errors first */
	unsigned dns_queries;
};

/*
 * Diagnose b.  dns is used for the whole diagnosis (under the budget of
 * opts); opts may be NULL.  Returns 0 with *out (caller owns,
 * vouch_explain_free()) whatever the diagnosis, VOUCH_EINVAL for bad
 * arguments, VOUCH_ENOMEM.  DNS failures are not errors: they become the
 * cause dns-temporary.
 */
VOUCH_API int vouch_explain(struct vouch_dns *dns,
    const struct vouch_bounce *b, const struct vouch_explain_options *opts,
    struct vouch_explain **out, struct vouch_error *err);
VOUCH_API void vouch_explain_free(struct vouch_explain *e);

/* "info", "warning", "error". */
VOUCH_API const char *vouch_explain_severity_name(
    enum vouch_explain_severity s);

#endif /* VOUCH_EXPLAIN_H */
