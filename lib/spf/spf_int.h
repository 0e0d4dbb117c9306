/*
 * lib/spf/spf_int.h - internals of the SPF engine (RFC 7208) shared by
 * spf_record.c (parsing, section 4.6.1 and 12), spf_macro.c (section 7),
 * spf_eval.c (check_host(), sections 4 to 6) and spf_out.c (section 9.1
 * and RFC 8601 output).
 *
 * Ownership: everything an evaluation allocates lives in ctx->arena and
 * is released with the struct vouch_spf_eval that holds it.
 */
#ifndef VOUCH_SPF_INT_H
#define VOUCH_SPF_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/spf.h>

#include "util/util.h"

#define SPF_DOMAIN_MAX 253	/* RFC 7208 7.3: expanded names truncated */
#define SPF_EXPAND_MAX (256 * 1024) /* cap on one macro expansion; past
					   it a target counts as invalid */
#define SPF_TRACE_MAX 1000	/* trace steps kept */
#define SPF_PTR_NAMES_MAX 10

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT,
	SPF_EXP,
	SPF_UNKNOWN_MOD
};

struct spf_term {
	enum spf_kind kind;
	char qualifier;		/* '+', '-', '~', '?' (mechanisms) */
	const char *text;	/* the term as written (NUL-terminated) */
	const char *arg;	/* domain-spec / macro-string, or NULL */
	struct vouch_ip net;	/* ip4 / ip6 */
	int cidr4;		/* -1: none given */
	int cidr6;
};

struct spf_record {
	const char *domain;	/* the domain it was published at */
	const char *text;	/* the record as published */
	size_t nterms;
	struct spf_term *terms;
	const struct spf_term *redirect;
	const struct spf_term *exp;
	int has_all;
};

/*
 * Is txt (len bytes) an SPF version 1 record (section 4.5)?  "v=spf1",
 * any case, followed by a space or the end.
 */
int vouch__spf_is_record(const char *txt, size_t len);

/*
 * Parse the record into out, all strings in the arena.  On a syntax error
 * returns VOUCH_ESYNTAX with a sentence in why naming the term.
 */
int vouch__spf_record_parse(const char *txt, size_t len,
    struct vouch__arena *a, struct spf_record *out, char *why, size_t whylen);

/*
 * Check a macro-string (section 7.1).  exp != 0 allows the letters c r t
 * and spaces (explain-string); domain != 0 demands a domain-end.
 * Returns 0 or VOUCH_ESYNTAX with why filled.
 */
int vouch__spf_macro_check(const char *s, size_t len, int exp, int domain,
    char *why, size_t whylen);

struct spf_ctx;

/*
 * Expand a checked macro-string for the given <domain> into out.
 * Returns 0, VOUCH_ELIMIT when it grows past SPF_EXPAND_MAX, or
 * VOUCH_ENOMEM.  %{p} may query DNS through ctx.
 */
int vouch__spf_macro_expand(struct spf_ctx *ctx, const char *domain,
    const char *s, int exp, struct vouch__buf *out);

/*
 * Apply section 7.3's 253-octet truncation to an expanded domain and drop
 * one final dot.  Returns the start of the name inside buf.
 */
const char *vouch__spf_domain_trim(struct vouch__buf *buf);

/* The validated domain name of the client for %{p} (section 5.5). */
int vouch__spf_validated_name(struct spf_ctx *ctx, const char *domain,
    const char **out);

/* Address match with optional prefix length (section 5). */
int vouch__spf_ip_match(const struct vouch_ip *a, const struct vouch_ip *b,
    int prefix);

/* The evaluation context (spf_eval.c). */
struct spf_ctx {
	struct vouch_dns *dns;
	const struct vouch_spf_request *req;
	struct vouch_spf_limits lim;
	const char *default_exp;
	int no_received_spf;	/* vouch_spf_options.no_received_spf */
	int trace;

	struct vouch_ip ip;		/* the client, IPv4-mapped unmapped */
	char ip_c[64];			/* %{c} */
	char ip_i[80];			/* %{i} */
	const char *sender;		/* %{s} */
	const char *local;		/* %{l} */
	const char *sender_domain;	/* %{o} */
	const char *helo;		/* %{h} */
	const char *receiver;		/* %{r} */
	const char *top_domain;

	unsigned dns_terms;
	unsigned void_lookups;
	int64_t deadline_ms;		/* monotonic */
	unsigned depth;

	struct vouch__arena arena;
	struct vouch_spf_eval *ev;
	size_t nsteps, capsteps;
	struct vouch_spf_step *steps;
	const char *error;		/* first permerror/temperror reason */
	const struct spf_term *match;	/* the term that decided */
	const char *match_domain;	/* the record it is in */
};

/*
 * One DNS query on behalf of an evaluation: checks the time budget,
 * records a trace step.  On RETRY or timeout the answer is still returned
 * (status RETRY); negative codes only for ENOMEM.
 */
int vouch__spf_query(struct spf_ctx *ctx, const char *name, uint16_t type,
    struct vouch_dns_answer **out);

/* Append a trace step (when tracing); strings are copied. */
void vouch__spf_step(struct spf_ctx *ctx, const char *domain,
    const char *term, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record the first error reason; returns the result r. */
enum vouch_spf_result vouch__spf_fail(struct spf_ctx *ctx,
    enum vouch_spf_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Build received_spf, authres and the explanation of a finished eval;
 * exp_rec is the record whose exp= applies to a fail (section 6.2). */
int vouch__spf_finish_output(struct spf_ctx *ctx,
    const struct spf_record *exp_rec);

/* Is name a syntactically valid, multi-label domain (section 4.3)? */
int vouch__spf_domain_ok(const char *name);

/* What evaluating one mechanism gives. */
enum spf_mres {
	M_NOMATCH = 0,
	M_MATCH,
	M_TEMPERROR,
	M_PERMERROR,
	M_NOMEM
};

int64_t vouch__spf_now_ms(void);

/* spf_mech.c: count a DNS-querying term / a void lookup (4.6.4);
 * M_PERMERROR past the limit, with the reason recorded. */
enum spf_mres vouch__spf_count_term(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t);
enum spf_mres vouch__spf_count_void(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t);
/* The <target-name> of a term (its domain-spec expanded, or the record's
 * domain); *target NULL when the expansion is no valid domain name. */
enum spf_mres vouch__spf_target_name(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t,
    const char **target);
/* Does name have an A/AAAA record matching the client?  primary: the
 * term's own lookup, which counts as void when empty. */
enum spf_mres vouch__spf_addr_match(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t,
    const char *name, int primary);
enum spf_mres vouch__spf_mech_mx(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t,
    const char *target);
enum spf_mres vouch__spf_mech_ptr(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t,
    const char *target);
enum spf_mres vouch__spf_mech_exists(struct spf_ctx *ctx,
    const struct spf_record *rec, const struct spf_term *t,
    const char *target);

#endif /* VOUCH_SPF_INT_H */
