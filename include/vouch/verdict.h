/*
 * vouch/verdict.h - the receiver's decision for one message: SPF (MAIL
 * FROM and HELO), DKIM, DMARC, one Authentication-Results value and the
 * action (accept, quarantine, reject with an SMTP reply, tempfail).
 *
 * Streaming, in the order an MTA learns things:
 *
 *   vouch_verdict_new()      the envelope: client IP, HELO, MAIL FROM;
 *                            SPF runs here for both identities
 *   vouch_verdict_header()   the header section: DKIM keys are fetched
 *                            and header signatures checked
 *   vouch_verdict_body()     body chunks of any size (DKIM body hashes)
 *   vouch_verdict_finish()   DMARC, Authentication-Results, the action
 *
 * All DNS queries of one message go through one budget (a count and a
 * wall-clock time, shared by SPF, DKIM and the DMARC walks): once it is
 * spent every further query answers RETRY ("budget exhausted"), so a
 * hostile message costs at most that much and ends in temperror, never
 * in a pass (vouch_dns_budget_new(), vouch/dns.h).
 *
 * The action (SECURITY.md, RFC 9989 5.3.6 / 7.2):
 *   dmarc=fail, disposition reject      -> reject (reply below)
 *   dmarc=fail, disposition quarantine  -> quarantine
 *   dmarc=temperror                     -> tempfail when
 *                                          tempfail_on_dns_error (default),
 *                                          else accept
 *   anything else                       -> accept
 *
 * Ownership: the verdict and everything it points to belong to the
 * context (borrowed until vouch_verdict_free()).  Thread safety: one
 * context per message, not shared; the DNS handle must be safe for the
 * thread that uses the context.
 */
#ifndef VOUCH_VERDICT_H
#define VOUCH_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dkim.h>
#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/err.h>
#include <vouch/msg.h>
#include <vouch/spf.h>

#define VOUCH_VERDICT_REJECT_REPLY \
	"550 5.7.1 DMARC unauthenticated mail is prohibited"
#define VOUCH_VERDICT_TEMPFAIL_REPLY \
	"451 4.7.5 DMARC policy could not be evaluated, try again later"
#define VOUCH_VERDICT_DNS_QUERIES 100	/* per message */
#define VOUCH_VERDICT_DNS_MS 30000	/* per message, wall clock */

enum vouch_verdict_action {
	VOUCH_VERDICT_ACCEPT = 0,
	VOUCH_VERDICT_QUARANTINE,
	VOUCH_VERDICT_REJECT,
	VOUCH_VERDICT_TEMPFAIL
};

struct vouch_verdict_envelope {
	struct vouch_ip ip;		/* the SMTP client */
	const char *helo;		/* HELO/EHLO argument, or NULL */
	const char *mail_from;		/* without <>; NULL or "" is <> */
	const char *receiver;		/* our host name for SPF %{r} and
					   Received-SPF; NULL: "unknown" */
};

struct vouch_verdict_options {
	const char *authserv_id;	/* required: A-R authserv-id */
	struct vouch_spf_options spf;
	struct vouch_dkim_verify_options dkim;	/* .now (0: the clock) is also
					   SPF's %{t} */
	struct vouch_dmarc_options dmarc;
	/* The whole SMTP reply "CODE X.Y.Z text" for a reject and a
	   tempfail; NULL for the defaults above.  The code must be 5xx and
	   4xx respectively, the enhanced code 5.x.x / 4.x.x (RFC 3463). */
	const char *reject_reply;
	const char *tempfail_reply;
	int no_tempfail;		/* nonzero: temperror -> accept */
	unsigned dns_queries;		/* [VOUCH_VERDICT_DNS_QUERIES] */
	unsigned dns_ms;		/* [VOUCH_VERDICT_DNS_MS] */
};

struct vouch_verdict {
	enum vouch_verdict_action action;
	const char *smtp_reply;		/* "550 5.7.1 ..."; NULL on accept
					   and quarantine */
	const char *smtp_code;		/* "550" */
	const char *smtp_xcode;		/* "5.7.1" */
	const char *smtp_text;		/* "DMARC unauthenticated ..." */
	const char *reason;		/* why this action, in words */
	const struct vouch_spf_eval *spf;	/* MAIL FROM identity */
	const struct vouch_spf_eval *spf_helo;	/* NULL without HELO */
	const struct vouch_dkim_verify *dkim;	/* vouch_dkim_verify_get() */
	const struct vouch_dmarc_eval *dmarc;
	/* The Authentication-Results field value (no name, no final CRLF),
	   starting with a space, folded. */
	const char *authres;
	unsigned dns_queries;		/* spent from the budget */
	unsigned dns_ms;
	int dns_budget_spent;		/* a query was refused by the budget */
};

struct vouch_verdict_ctx;

/*
 * Start a message: checks the options (VOUCH_EINVAL with err naming the
 * bad one: no authserv-id, a reply that is not "5xx 5.x.x text"), then
 * runs SPF for MAIL FROM and HELO.  dns is borrowed until
 * vouch_verdict_free().
 */
VOUCH_API int vouch_verdict_new(struct vouch_dns *dns,
    const struct vouch_verdict_options *opts,
    const struct vouch_verdict_envelope *env,
    struct vouch_verdict_ctx **out, struct vouch_error *err);
/* The header section (read during the call only).  Once. */
VOUCH_API int vouch_verdict_header(struct vouch_verdict_ctx *c,
    const struct vouch_msg *msg, struct vouch_error *err);
VOUCH_API int vouch_verdict_body(struct vouch_verdict_ctx *c,
    const void *data, size_t len);
/* *out is borrowed until vouch_verdict_free(). */
VOUCH_API int vouch_verdict_finish(struct vouch_verdict_ctx *c,
    const struct vouch_verdict **out, struct vouch_error *err);
VOUCH_API void vouch_verdict_free(struct vouch_verdict_ctx *c);

/* "accept", "quarantine", "reject", "tempfail". */
VOUCH_API const char *vouch_verdict_action_name(enum vouch_verdict_action a);

#endif /* VOUCH_VERDICT_H */
