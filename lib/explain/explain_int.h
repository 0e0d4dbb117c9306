/*
 * lib/explain/explain_int.h - internals of the diagnosis (vouch/explain.h),
 * shared by its files:
 *
 *   explain.c         vouch_explain(): the order of the steps, ownership,
 *                     the summary sentence, adding a cause
 *   explain_facts.c   what the input says: From, MAIL FROM, the client
 *                     IP (reply, Received-SPF, Received chain), what the
 *                     receiver recorded, lists and forwarders, the
 *                     sending service
 *   explain_reply.c   what the receiver's reply is about (DMARC, SPF,
 *                     DKIM, authentication in general, a temporary
 *                     failure, or its own filtering)
 *   explain_eval.c    the re-evaluation: SPF, DKIM, DMARC, the audit
 *   explain_causes.c  the rules that turn the facts into causes: their
 *                     order, severity, temporary failures, broken
 *                     records, forwarding, free-mail, the receiver's
 *                     own policy, what was not checked
 *   explain_sides.c   the SPF side, the DKIM side, reverse DNS
 *   explain_fix.c     the records the fixes propose (an SPF record with
 *                     an include or an address added, under 10 lookups)
 *
 * Every string of a result lives in the context's arena.  Out of memory
 * anywhere sets ctx->nomem, and vouch_explain() fails with VOUCH_ENOMEM.
 */
#ifndef VOUCH_EXPLAIN_INT_H
#define VOUCH_EXPLAIN_INT_H

#include <stdarg.h>

#include "vouch/explain.h"
#include "vouch/msg.h"
#include "util/util.h"

#define EXPLAIN_ARENA_MAX (16u * 1024u * 1024u)
#define EXPLAIN_CAUSES_MAX 32
#define EXPLAIN_TEXT_MAX 4096		/* one formatted sentence or fix */
#define EXPLAIN_RECEIVED_MAX 64		/* Received fields read */
#define EXPLAIN_SPF_LIMIT 10		/* RFC 7208 4.6.4 */

/* What the receiver's reply is about (explain_reply.c). */
enum explain_reply {
	REPLY_NONE = 0,		/* no reply (a delivered copy) */
	REPLY_DMARC,		/* names DMARC */
	REPLY_SPF,		/* names SPF, or 5.7.23 / 5.7.24 */
	REPLY_DKIM,		/* names DKIM, or 5.7.20 - 5.7.22 */
	REPLY_AUTH,		/* "unauthenticated", 5.7.26, 5.7.515 */
	REPLY_PTR,		/* reverse DNS, 5.7.25 */
	REPLY_TEMP,		/* a 4xx reply */
	REPLY_FILTER,		/* a blocklist, spam, reputation */
	REPLY_OTHER		/* anything else (no such user, ...) */
};

struct explain_ctx {
	struct vouch_explain pub;
	struct vouch__arena arena;
	int nomem;
	struct vouch_dns *dns;		/* the budget over the caller's */
	const struct vouch_bounce *b;
	struct vouch_explain_options opts;
	const struct vouch_senders *senders;

	/* The original's header section (or one From field made up from
	   the domain the reply or MAIL FROM names). */
	struct vouch_msg *msg;
	int msg_made_up;
	const char *body;		/* the original's body, when whole */
	size_t body_len;
	int body_known;			/* the whole body is at hand */

	enum explain_reply reply;
	int require_all;		/* the receiver wants SPF, DKIM and a
					   DMARC record all (Microsoft's
					   5.7.515 for high-volume senders) */
	int forwarded;			/* a forwarder or list on the way */
	const char *forward_evidence;
	const char *freemail_field;	/* "From", "Sender", "Reply-To" */
	const char *freemail_domain;
	const struct vouch_sender_freemail *freemail;

	struct vouch_spf_eval *spf;
	struct vouch_dkim_verify *dkim;
	struct vouch_dmarc_eval *dmarc;
	struct vouch_audit *audit;	/* of the From domain */
	struct vouch_audit *audit_mf;	/* of the MAIL FROM domain when it
					   is another one, else NULL */
	const char *spf_domain;		/* the domain SPF was checked for */
	const char *unchecked[4];	/* what could not be re-evaluated */
	size_t nunchecked;

	struct vouch_explain_cause causes[EXPLAIN_CAUSES_MAX];
	size_t ncauses;
};

/* explain.c */
char *vouch__explain_fmt(struct explain_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *vouch__explain_strdup(struct explain_ctx *c, const char *s);
void vouch__explain_add(struct explain_ctx *c, const char *code,
    enum vouch_explain_severity sev, const char *evidence, const char *fix,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int vouch__explain_has(const struct explain_ctx *c, const char *code);
/* Whether name is domain or a subdomain of it (case ignored). */
int vouch__explain_under(const char *name, const char *domain);
/* A name as a domain (lower-case A-labels), or NULL when it is not one;
 * the domain of an address (after its last '@'). */
const char *vouch__explain_alabel(struct explain_ctx *c, const char *name);
const char *vouch__explain_addr_domain(struct explain_ctx *c,
    const char *addr);
void vouch__explain_unchecked(struct explain_ctx *c, const char *what);

/* explain_reply.c */
enum explain_reply vouch__explain_reply(const struct vouch_bounce *b);
/* Whether text holds word (at the start of a word), case ignored; any
 * of the NULL-ended words (text may be NULL). */
int vouch__explain_says(const char *text, const char *word);
int vouch__explain_says_any(const char *text, const char *const *words);

/* explain_facts.c */
int vouch__explain_facts(struct explain_ctx *c);
/* Whether domain a aligns with the From domain b in the mode the
 * policy asks of dkim (nonzero) or spf: equal for strict, the same
 * organizational domain (as the DMARC evaluation found it) for relaxed. */
int vouch__explain_aligned(const struct explain_ctx *c, const char *a,
    const char *b, int dkim);
/* Not reachable from the Internet (RFC 1918, loopback, link-local,
 * CGNAT; ::1, fe80::/10, fc00::/7). */
int vouch__explain_private(const struct vouch_ip *ip);

/* explain_eval.c */
int vouch__explain_eval(struct explain_ctx *c);
/* The audit that holds the SPF record of the domain SPF was checked for
 * (the MAIL FROM domain's, else the From domain's), or NULL. */
const struct vouch_audit *vouch__explain_spf_audit(
    const struct explain_ctx *c);

/* explain_causes.c */
void vouch__explain_causes(struct explain_ctx *c);
/* The client's PTR name, or words saying it has none. */
const char *vouch__x_rdns(const struct explain_ctx *c);
/* The client IP as text, or words saying it is unknown. */
const char *vouch__x_ip(struct explain_ctx *c);
int vouch__x_dmarc_is(const struct explain_ctx *c,
    enum vouch_dmarc_result r);
/* The receiver's reply is about authentication (DMARC, SPF, DKIM). */
int vouch__x_auth(const struct explain_ctx *c);
/* The message failed: DMARC fails today (or the receiver recorded a
 * fail), or the reply is about authentication and DMARC does not pass
 * today. */
int vouch__x_failed(const struct explain_ctx *c);
/* error ? ERROR : WARNING */
enum vouch_explain_severity vouch__x_sev(int error);

/* explain_sides.c */
void vouch__explain_spf_side(struct explain_ctx *c);
void vouch__explain_dkim_side(struct explain_ctx *c);
void vouch__explain_reverse_dns(struct explain_ctx *c);

/* explain_fix.c */
/* Whether the SPF tree of a holds an include of domain (or of a
 * subdomain of it). */
int vouch__explain_spf_has(const struct vouch_audit *a, const char *domain);
/* The SPF record audited in a, as far as known (for the domain SPF was
 * checked for, the evaluation's own when the audit could not read it),
 * or NULL; *unknown is set when none was read but one may exist (a
 * lookup failed). */
const char *vouch__explain_spf_record(const struct explain_ctx *c,
    const struct vouch_audit *a, int *unknown);
/* The SPF fix for domain (audited in a): its record with term inserted
 * before its "all" (or redirect=), and what the result costs in DNS
 * lookups, with advice when it goes over 10.  Returns the fix text, or
 * NULL when out of memory. */
char *vouch__explain_spf_add(struct explain_ctx *c,
    const struct vouch_audit *a, const char *domain, const char *term,
    const char *include_domain);

#endif /* VOUCH_EXPLAIN_INT_H */
