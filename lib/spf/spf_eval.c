/*
 * spf_eval.c - check_host() (RFC 7208 sections 4 to 6): record lookup and
 * selection, term evaluation in order, include and redirect recursion,
 * and setting up one evaluation.
 */
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

static enum vouch_spf_result check_host(struct spf_ctx *ctx,
    const char *domain, const struct spf_record **exp_rec, int *nomem);

static enum spf_mres
mech_include(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t, const char *target)
{
	const struct spf_record *unused;
	enum vouch_spf_result r;
	int nomem = 0;

	if (target == NULL) {
		vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in the SPF "
		    "record of %s names no valid domain", t->text,
		    rec->domain);
		return M_PERMERROR;
	}
	ctx->depth++;
	r = check_host(ctx, target, &unused, &nomem);
	ctx->depth--;
	if (nomem)
		return M_NOMEM;
	/* 5.2: the mapping of the included result. */
	switch (r) {
	case VOUCH_SPF_PASS:
		return M_MATCH;
	case VOUCH_SPF_TEMPERROR:
		return M_TEMPERROR;
	case VOUCH_SPF_PERMERROR:
		return M_PERMERROR;
	case VOUCH_SPF_NONE:
		vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in the SPF "
		    "record of %s: %s has no SPF record", t->text,
		    rec->domain, target);
		return M_PERMERROR;
	default:
		return M_NOMATCH;
	}
}

static enum spf_mres
eval_term(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_term *t)
{
	const char *target = NULL;
	enum spf_mres m;

	if (t->kind == SPF_ALL)
		return M_MATCH;
	if (t->kind == SPF_IP4 || t->kind == SPF_IP6)
		return vouch__spf_ip_match(&t->net, &ctx->ip, t->kind ==
		    SPF_IP4 ? t->cidr4 : t->cidr6) ? M_MATCH : M_NOMATCH;
	if ((m = vouch__spf_count_term(ctx, rec, t)) != M_NOMATCH)
		return m;
	if ((m = vouch__spf_target_name(ctx, rec, t, &target)) != M_NOMATCH)
		return m;
	if (t->kind == SPF_INCLUDE)
		return mech_include(ctx, rec, t, target);
	if (target == NULL)
		return M_NOMATCH;	/* an invalid name does not exist */
	switch (t->kind) {
	case SPF_A:
		return vouch__spf_addr_match(ctx, rec, t, target, 1);
	case SPF_MX:
		return vouch__spf_mech_mx(ctx, rec, t, target);
	case SPF_PTR:
		return vouch__spf_mech_ptr(ctx, rec, t, target);
	default:
		return vouch__spf_mech_exists(ctx, rec, t, target);
	}
}

static enum vouch_spf_result
qualifier_result(char q)
{
	switch (q) {
	case '-':
		return VOUCH_SPF_FAIL;
	case '~':
		return VOUCH_SPF_SOFTFAIL;
	case '?':
		return VOUCH_SPF_NEUTRAL;
	default:
		return VOUCH_SPF_PASS;
	}
}

static enum vouch_spf_result
mres_result(enum spf_mres m, int *nomem)
{
	if (m == M_NOMEM)
		*nomem = 1;
	return m == M_TEMPERROR ? VOUCH_SPF_TEMPERROR : VOUCH_SPF_PERMERROR;
}

/* Section 6.1: redirect= when no mechanism matched. */
static enum vouch_spf_result
do_redirect(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_record **exp_rec, int *nomem)
{
	const struct spf_term *t = rec->redirect;
	const char *target;
	enum vouch_spf_result r;
	enum spf_mres m;

	if ((m = vouch__spf_count_term(ctx, rec, t)) != M_NOMATCH ||
	    (m = vouch__spf_target_name(ctx, rec, t, &target)) != M_NOMATCH)
		return mres_result(m, nomem);
	if (target == NULL)
		return vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in "
		    "the SPF record of %s names no valid domain", t->text,
		    rec->domain);
	r = check_host(ctx, target, exp_rec, nomem);
	if (r == VOUCH_SPF_NONE)
		return vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "'%s' in "
		    "the SPF record of %s: %s has no SPF record", t->text,
		    rec->domain, target);
	return r;
}

static enum vouch_spf_result
eval_record(struct spf_ctx *ctx, const struct spf_record *rec,
    const struct spf_record **exp_rec, int *nomem)
{
	const struct spf_term *saved = ctx->match;
	const char *saved_domain = ctx->match_domain;
	enum vouch_spf_result r;
	size_t i;
	enum spf_mres m;

	*exp_rec = rec;
	for (i = 0; i < rec->nterms; i++) {
		const struct spf_term *t = &rec->terms[i];

		if (t->kind >= SPF_REDIRECT)
			continue;
		m = eval_term(ctx, rec, t);
		vouch__spf_step(ctx, rec->domain, t->text, "%s",
		    m == M_MATCH ? "match" : m == M_NOMATCH ? "no match" :
		    m == M_TEMPERROR ? "temperror" : "permerror");
		if (m == M_MATCH) {
			ctx->match = t;
			ctx->match_domain = rec->domain;
			return qualifier_result(t->qualifier);
		}
		if (m != M_NOMATCH)
			return mres_result(m, nomem);
	}
	/* A match inside an include that did not pass is not ours. */
	ctx->match = saved;
	ctx->match_domain = saved_domain;
	/* 6.1: redirect is ignored when the record has an "all". */
	if (rec->redirect != NULL && !rec->has_all) {
		/* 6.2: the target's exp= applies, never ours. */
		r = do_redirect(ctx, rec, exp_rec, nomem);
		return r;
	}
	return VOUCH_SPF_NEUTRAL;	/* 4.7 */
}

/* 4.4 and 4.5: fetch the TXT RRset and select the one SPF record. */
static enum vouch_spf_result
fetch_record(struct spf_ctx *ctx, const char *domain, struct spf_record *rec,
    int *nomem)
{
	struct vouch_dns_answer *ans;
	const struct vouch_dns_txt *found = NULL;
	enum vouch_spf_result r = VOUCH_SPF_PASS;
	char why[512];
	size_t i, n = 0;
	int rc;

	if (vouch__spf_query(ctx, domain, VOUCH_DNS_TXT, &ans) != 0) {
		*nomem = 1;
		return VOUCH_SPF_PERMERROR;
	}
	if (ans->status == VOUCH_DNS_RETRY)
		r = vouch__spf_fail(ctx, VOUCH_SPF_TEMPERROR, "DNS lookup of "
		    "the SPF record of %s failed: %s", domain, ans->reason ?
		    ans->reason : "temporary error");
	for (i = 0; r == VOUCH_SPF_PASS && i < ans->count; i++)
		if (ans->rr[i].type == VOUCH_DNS_TXT &&
		    vouch__spf_is_record(ans->rr[i].u.txt.data,
		    ans->rr[i].u.txt.len) && n++ == 0)
			found = &ans->rr[i].u.txt;
	if (r == VOUCH_SPF_PASS && n == 0)
		r = VOUCH_SPF_NONE;
	else if (r == VOUCH_SPF_PASS && n > 1)
		r = vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "%s publishes "
		    "%zu SPF records; RFC 7208 4.5 allows one", domain, n);
	if (r == VOUCH_SPF_PASS && ctx->depth == 0 && ctx->ev->record == NULL) {
		ctx->ev->record = vouch__arena_strndup(&ctx->arena, found->data,
		    found->len);
		if (ctx->ev->record == NULL)
			*nomem = 1;
	}
	if (r == VOUCH_SPF_PASS) {
		rc = vouch__spf_record_parse(found->data, found->len,
		    &ctx->arena, rec, why, sizeof(why));
		if (rc == VOUCH_ENOMEM)
			*nomem = 1;
		if (rc != 0)
			r = vouch__spf_fail(ctx, VOUCH_SPF_PERMERROR, "the SPF "
			    "record of %s is invalid: %s", domain, why);
		rec->domain = vouch__arena_strdup(&ctx->arena, domain);
		if (rec->domain == NULL)
			*nomem = 1;
	}
	vouch_dns_answer_free(ans);
	return r;
}

static enum vouch_spf_result
check_host(struct spf_ctx *ctx, const char *domain,
    const struct spf_record **exp_rec, int *nomem)
{
	struct spf_record *rec;
	enum vouch_spf_result r;

	*exp_rec = NULL;
	/* 4.3: a malformed domain or NXDOMAIN gives "none". */
	if (!vouch__spf_domain_ok(domain)) {
		vouch__spf_step(ctx, domain, NULL, "not a valid domain name");
		return VOUCH_SPF_NONE;
	}
	rec = vouch__arena_alloc(&ctx->arena, sizeof(*rec));
	if (rec == NULL) {
		*nomem = 1;
		return VOUCH_SPF_PERMERROR;
	}
	r = fetch_record(ctx, domain, rec, nomem);
	if (r != VOUCH_SPF_PASS || *nomem)
		return r;
	vouch__spf_step(ctx, domain, NULL, "record \"%s\"", rec->text);
	return eval_record(ctx, rec, exp_rec, nomem);
}

/* %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 (7.3). */
static void
format_ip_i(struct spf_ctx *ctx)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	int i;

	if (ctx->ip.family == 4) {
		vouch_ip_format(&ctx->ip, ctx->ip_i, sizeof(ctx->ip_i));
		return;
	}
	for (i = 0; i < 16; i++) {
		ctx->ip_i[n++] = hex[ctx->ip.addr[i] >> 4];
		ctx->ip_i[n++] = '.';
		ctx->ip_i[n++] = hex[ctx->ip.addr[i] & 15];
		ctx->ip_i[n++] = i < 15 ? '.' : '\0';
	}
}

/* 4.3 and 2.4: <sender>, its local part and domain. */
static int
setup_identity(struct spf_ctx *ctx, const struct vouch_spf_request *req)
{
	const char *mf = req->mail_from, *at;
	struct vouch__arena *a = &ctx->arena;

	ctx->helo = req->helo ? req->helo : "";
	if (req->identity == VOUCH_SPF_HELO || mf == NULL || *mf == '\0') {
		ctx->ev->identity = VOUCH_SPF_HELO;
		ctx->local = "postmaster";
		ctx->sender_domain = ctx->helo;
	} else {
		at = strrchr(mf, '@');
		ctx->ev->identity = VOUCH_SPF_MAILFROM;
		ctx->sender_domain = at ? at + 1 : mf;
		ctx->local = (at == NULL || at == mf) ? "postmaster" :
		    vouch__arena_strndup(a, mf, (size_t)(at - mf));
	}
	ctx->top_domain = ctx->sender_domain;
	ctx->sender = NULL;
	if (ctx->local != NULL) {
		size_t ll = strlen(ctx->local), dl = strlen(ctx->sender_domain);
		char *s = vouch__arena_alloc(a, ll + dl + 2);

		if (s != NULL) {
			memcpy(s, ctx->local, ll);
			s[ll] = '@';
			memcpy(s + ll + 1, ctx->sender_domain, dl + 1);
		}
		ctx->sender = s;
	}
	ctx->ev->domain = ctx->top_domain;
	ctx->ev->sender = ctx->sender;
	return ctx->sender == NULL ? VOUCH_ENOMEM : 0;
}

static void
setup_limits(struct spf_ctx *ctx, const struct vouch_spf_options *opts)
{
	struct vouch_spf_limits l = {0, 0, 0, 0, 0};

	if (opts != NULL)
		l = opts->limits;
	ctx->lim.dns_terms = l.dns_terms ? l.dns_terms : 10;
	ctx->lim.void_lookups = l.void_lookups ? l.void_lookups : 2;
	ctx->lim.mx_names = l.mx_names ? l.mx_names : 10;
	ctx->lim.ptr_names = l.ptr_names ? l.ptr_names : 10;
	ctx->lim.time_ms = l.time_ms ? l.time_ms : 20000;
	ctx->default_exp = opts ? opts->default_explanation : NULL;
	ctx->trace = opts ? opts->trace : 0;
	ctx->no_received_spf = opts ? opts->no_received_spf : 0;
	ctx->deadline_ms = vouch__spf_now_ms() + ctx->lim.time_ms;
}

/* An evaluation and the arena that holds everything it points to. */
struct spf_eval_box {
	struct vouch_spf_eval ev;	/* first: the box is freed through it */
	struct vouch__arena arena;
};

void
vouch_spf_eval_free(struct vouch_spf_eval *ev)
{
	struct spf_eval_box *box = (struct spf_eval_box *)ev;

	if (box == NULL)
		return;
	vouch__arena_free(&box->arena);
	vouch__free(box);
}

int
vouch_spf_check(struct vouch_dns *dns, const struct vouch_spf_request *req,
    const struct vouch_spf_options *opts, struct vouch_spf_eval **out)
{
	struct spf_ctx ctx;
	struct spf_eval_box *box;
	const struct spf_record *exp_rec = NULL;
	int nomem = 0, rc;

	*out = NULL;
	if (dns == NULL || req == NULL ||
	    (req->ip.family != 4 && req->ip.family != 6))
		return VOUCH_EINVAL;
	box = vouch__calloc(1, sizeof(*box));
	if (box == NULL)
		return VOUCH_ENOMEM;
	memset(&ctx, 0, sizeof(ctx));
	vouch__arena_init(&ctx.arena, 0);
	ctx.dns = dns;
	ctx.req = req;
	ctx.ev = &box->ev;
	setup_limits(&ctx, opts);
	ctx.ip = req->ip;
	vouch_ip_unmap(&ctx.ip);
	vouch_ip_format(&ctx.ip, ctx.ip_c, sizeof(ctx.ip_c));
	format_ip_i(&ctx);
	ctx.receiver = req->receiver ? req->receiver : "unknown";
	rc = setup_identity(&ctx, req);
	if (rc == 0) {
		ctx.ev->result = check_host(&ctx, ctx.top_domain, &exp_rec,
		    &nomem);
		rc = nomem ? VOUCH_ENOMEM : vouch__spf_finish_output(&ctx,
		    exp_rec);
	}
	box->arena = ctx.arena;
	if (rc != 0) {
		vouch_spf_eval_free(&box->ev);
		return rc;
	}
	*out = &box->ev;
	return 0;
}
