/*
 * spf_mech.c - the mechanisms that query DNS (RFC 7208 5.3 a, 5.4 mx,
 * 5.5 ptr, 5.7 exists), the %{p} validated name (7.3), and the counting
 * of DNS-querying terms and void lookups (4.6.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_int.h"

enum spf_mres
vouch__spf_count_term(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t)
{
	if (++ctx->dns_terms > ctx->lim.dns_terms) {
		vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in the SPF "
		    "record of %s is DNS-querying term number %u, over the "
		    "limit of %u (RFC 7208 4.6.4)", t->text, rec->domain,
		    ctx->dns_terms, ctx->lim.dns_terms);
		return M_PERMERROR;
	}
	return M_NOMATCH;
}

/* A void lookup (4.6.4): NXDOMAIN or an empty answer. */
enum spf_mres
vouch__spf_count_void(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t)
{
	if (++ctx->void_lookups > ctx->lim.void_lookups) {
		vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in the SPF "
		    "record of %s is void lookup number %u, over the limit "
		    "of %u (RFC 7208 4.6.4)", t->text, rec->domain,
		    ctx->void_lookups, ctx->lim.void_lookups);
		return M_PERMERROR;
	}
	return M_NOMATCH;
}

static enum spf_mres
dns_temp(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const struct vouch_dns_answer *ans)
{
	vouch__spf_fail(ctx, VOUCH_SPF_TEMPERROR, "DNS lookup of %s %s for "
	    "'%s' in the SPF record of %s failed: %s", ans->qname,
	    vouch_dns_type_name(ans->type), t->text, rec->domain,
	    ans->reason ? ans->reason : "temporary error");
	return M_TEMPERROR;
}

/*
 * The <target-name> of a term: its domain-spec expanded, or the current
 * domain.  *target is NULL when the expansion is not a valid domain name
 * (treated as non-existent, see the suite's notes on 4.3 and 5).
 */
enum spf_mres
vouch__spf_target_name(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char **target)
{
	struct vouch__buf b;
	const char *name;
	int rc;

	*target = rec->domain;
	if (t->arg == NULL)
		return M_NOMATCH;
	vouch__buf_init(&b, SPF_EXPAND_MAX);
	rc = vouch__spf_macro_expand(ctx, rec->domain, t->arg, 0, &b);
	if (rc == VOUCH_ENOMEM) {
		vouch__buf_free(&b);
		return M_NOMEM;
	}
	name = rc == 0 ? vouch__spf_domain_trim(&b) : "";
	if (vouch__spf_domain_ok(name)) {
		*target = vouch__arena_strdup(&ctx->arena, name);
		if (*target == NULL) {
			vouch__buf_free(&b);
			return M_NOMEM;
		}
	} else {
		*target = NULL;
	}
	vouch__buf_free(&b);
	vouch__spf_step(ctx, rec->domain, t->text, "target %s", *target ?
	    *target : "is not a valid domain name");
	return M_NOMATCH;
}

/* Does name have an address record matching the client? */
enum spf_mres
vouch__spf_addr_match(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char *name, int primary)
{
	uint16_t type = ctx->ip.family == 4 ? VOUCH_DNS_A : VOUCH_DNS_AAAA;
	int prefix = ctx->ip.family == 4 ? t->cidr4 : t->cidr6;
	struct vouch_dns_answer *ans;
	enum spf_mres m = M_NOMATCH;
	size_t i;

	if (vouch__spf_query(ctx, name, type, &ans) != 0)
		return M_NOMEM;
	if (ans->status == VOUCH_DNS_RETRY)
		m = dns_temp(ctx, rec, t, ans);
	else if (ans->count == 0 && primary)
		m = vouch__spf_count_void(ctx, rec, t);
	for (i = 0; m == M_NOMATCH && i < ans->count; i++)
		if (ans->rr[i].type == type &&
		    vouch__spf_ip_match(&ans->rr[i].u.ip, &ctx->ip, prefix))
			m = M_MATCH;
	vouch_dns_answer_free(ans);
	return m;
}

struct mx_ref {
	uint16_t pref;
	size_t idx;
};

static int
mx_cmp(const void *a, const void *b)
{
	const struct mx_ref *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * 5.4 and 4.6.4: the MX hosts in preference order; querying the address
 * of an 11th host is a permerror, so a match among the first ten stands
 * whatever follows (the Stalwart and OpenSPF suites agree on this).
 */
static enum spf_mres
mx_hosts(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const struct vouch_dns_answer *ans)
{
	struct mx_ref *order;
	enum spf_mres m = M_NOMATCH;
	size_t i, n = 0, queried = 0;

	order = vouch__arena_alloc(&ctx->arena, ans->count * sizeof(*order));
	if (order == NULL)
		return M_NOMEM;
	for (i = 0; i < ans->count; i++)
		if (ans->rr[i].type == VOUCH_DNS_MX &&
		    ans->rr[i].u.mx.exchange[0] != '\0') {
			/* a null MX (RFC 7505) names no host */
			order[n].pref = ans->rr[i].u.mx.preference;
			order[n++].idx = i;
		}
	qsort(order, n, sizeof(*order), mx_cmp);
	for (i = 0; m == M_NOMATCH && i < n; i++) {
		if (++queried > ctx->lim.mx_names) {
			vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in the "
			    "SPF record of %s: %s has %zu MX hosts and none of "
			    "the first %u matched; RFC 7208 4.6.4 allows no "
			    "more address lookups", t->text, rec->domain,
			    ans->qname, n, ctx->lim.mx_names);
			return M_PERMERROR;
		}
		m = vouch__spf_addr_match(ctx, rec, t,
		    ans->rr[order[i].idx].u.mx.exchange, 0);
	}
	return m;
}

/*
 * The lookup a term makes for its own target (5.4 MX, 5.7 A).  Returns 1
 * with *ans holding records; 0 with *m saying why not: a DNS error is
 * temperror (section 5), an empty answer a void lookup (4.6.4).
 */
static int
term_lookup(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char *name, uint16_t type,
    struct vouch_dns_answer **ans, enum spf_mres *m)
{
	*m = M_NOMATCH;
	if (vouch__spf_query(ctx, name, type, ans) != 0) {
		*m = M_NOMEM;
		return 0;
	}
	if ((*ans)->status == VOUCH_DNS_RETRY)
		*m = dns_temp(ctx, rec, t, *ans);
	else if ((*ans)->count == 0)
		*m = vouch__spf_count_void(ctx, rec, t);
	else
		return 1;
	vouch_dns_answer_free(*ans);
	*ans = NULL;
	return 0;
}

enum spf_mres
vouch__spf_mech_mx(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char *target)
{
	struct vouch_dns_answer *ans;
	enum spf_mres m;

	if (!term_lookup(ctx, rec, t, target, VOUCH_DNS_MX, &ans, &m))
		return m;
	m = mx_hosts(ctx, rec, t, ans);
	vouch_dns_answer_free(ans);
	return m;
}

static int
name_in_domain(const char *name, const char *domain)
{
	size_t nl = strlen(name), dl = strlen(domain);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (dl > 0 && domain[dl - 1] == '.')
		dl--;
	if (nl == dl)
		return vouch__strncaseeq(name, domain, nl);
	return nl > dl && name[nl - dl - 1] == '.' &&
	    vouch__strncaseeq(name + nl - dl, domain, dl);
}

/*
 * Section 5.5: find a validated name of the client.  pick selects which
 * PTR names are worth validating: 0 exactly domain, 1 under domain,
 * 2 any.  Stops at the first validated one.
 */
static enum spf_mres
validate_ptr(struct spf_ctx *ctx, const struct vouch_dns_answer *ptr,
    const char *domain, int pick, const char **out)
{
	static const struct spf_term any = {SPF_PTR, '+', "ptr", NULL,
	    {0, {0}}, -1, -1};
	static const struct spf_record none = {"", "", 0, NULL, NULL, NULL,
	    0};
	size_t i, n = ptr->count < ctx->lim.ptr_names ? ptr->count :
	    ctx->lim.ptr_names;
	enum spf_mres m;

	for (i = 0; i < n; i++) {
		const char *name = ptr->rr[i].u.name;
		size_t nl = strlen(name), dl = strlen(domain);

		if (ptr->rr[i].type != VOUCH_DNS_PTR)
			continue;
		if (pick == 0 && !(nl == dl && vouch__strcaseeq(name, domain)))
			continue;
		if (pick == 1 && !name_in_domain(name, domain))
			continue;
		/* A DNS error while validating skips the name (5.5). */
		m = vouch__spf_addr_match(ctx, &none, &any, name, 0);
		if (m == M_NOMEM)
			return m;
		if (m == M_MATCH) {
			*out = name;
			return M_MATCH;
		}
	}
	return M_NOMATCH;
}

static enum spf_mres
ptr_lookup(struct spf_ctx *ctx, struct vouch_dns_answer **ans)
{
	char rev[96];

	(void)vouch_ip_reverse_name(&ctx->ip, rev, sizeof(rev));
	return vouch__spf_query(ctx, rev, VOUCH_DNS_PTR, ans) ? M_NOMEM :
	    M_NOMATCH;
}

enum spf_mres
vouch__spf_mech_ptr(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char *target)
{
	struct vouch_dns_answer *ans;
	const char *name;
	enum spf_mres m;
	const char *saved = ctx->error;

	if (ptr_lookup(ctx, &ans) != M_NOMATCH)
		return M_NOMEM;
	/* 5.5: a DNS error on the PTR lookup is simply no match. */
	if (ans->status == VOUCH_DNS_RETRY)
		m = M_NOMATCH;
	else if (ans->count == 0)
		m = vouch__spf_count_void(ctx, rec, t);
	else {
		m = validate_ptr(ctx, ans, target, 1, &name);
		ctx->error = saved;	/* skipped names leave no error */
	}
	vouch_dns_answer_free(ans);
	return m;
}

int
vouch__spf_validated_name(struct spf_ctx *ctx, const char *domain,
    const char **out)
{
	struct vouch_dns_answer *ans;
	const char *saved = ctx->error;
	enum spf_mres m = M_NOMATCH;
	int pick;

	*out = "unknown";
	if (ptr_lookup(ctx, &ans) != M_NOMATCH)
		return VOUCH_ENOMEM;
	/* 7.3: prefer <domain>, then a subdomain of it, then any name. */
	for (pick = 0; pick < 3 && m == M_NOMATCH &&
	    ans->status == VOUCH_DNS_FOUND; pick++)
		m = validate_ptr(ctx, ans, domain, pick, out);
	if (m == M_MATCH)
		*out = vouch__arena_strdup(&ctx->arena, *out);
	vouch_dns_answer_free(ans);
	ctx->error = saved;
	if (*out == NULL)
		return VOUCH_ENOMEM;
	return m == M_NOMEM ? VOUCH_ENOMEM : 0;
}

enum spf_mres
vouch__spf_mech_exists(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char *target)
{
	struct vouch_dns_answer *ans;
	enum spf_mres m;

	/* 5.7: always an A query, whatever the client's family. */
	if (!term_lookup(ctx, rec, t, target, VOUCH_DNS_A, &ans, &m))
		return m;
	vouch_dns_answer_free(ans);
	return M_MATCH;
}
