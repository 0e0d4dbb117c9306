/*
 * spf_tree.c - the include/redirect tree of a domain for the audit (see
 * spf_tree.h): check_host() (RFC 7208 4 to 6) for a client no sender
 * uses, built from the evaluator's record selection, parser, counting and
 * mechanism lookups, recording each record it reaches and what it cost.
 */
#include <stdio.h>
#include <string.h>

#include "spf/spf_tree.h"

struct walk {
	struct spf_ctx ctx;
	struct vouch_spf_request req;
	struct spf_tree *t;
	int nomem;
};

int
vouch__spf_record_check(const char *txt, size_t len, struct vouch__arena *a,
    struct spf_record *out, const char **bad_term, char *why, size_t whylen)
{
	int rc = vouch__spf_record_parse(txt, len, a, out, why, whylen);

	*bad_term = NULL;
	/* The parser sets a term's text before it checks it, so the term
	 * after the last accepted one is the one it refused. */
	if (rc == VOUCH_ESYNTAX && out->terms != NULL)
		*bad_term = out->terms[out->nterms].text;
	return rc;
}

static struct spf_tnode *
node_new(struct walk *w, struct spf_tnode *parent, const char *domain,
    const struct spf_term *via)
{
	struct spf_tnode *n = vouch__arena_alloc(&w->ctx.arena, sizeof(*n));

	if (n == NULL || (domain = vouch__arena_strdup(&w->ctx.arena,
	    domain)) == NULL) {
		w->nomem = 1;
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->domain = domain;
	n->via = via;
	n->parent = parent;
	n->status = "none";
	n->txt_status = VOUCH_DNS_NODATA;
	if (parent != NULL) {
		n->depth = parent->depth + 1;
		if (parent->last != NULL)
			parent->last->next = n;
		else
			parent->child = n;
		parent->last = n;
		parent->nchildren++;
	}
	w->t->nnodes++;
	return n;
}

/* The answer's size in a DNS message without EDNS (RFC 1035 4.1): the
 * header, the question, and each TXT RR with its owner compressed to a
 * pointer to the question (2 + 10 octets of fixed fields + rdata). */
static size_t
txt_wire(const struct vouch_dns_answer *ans)
{
	size_t i, j, n = 12 + strlen(ans->qname) + 2 + 4;

	for (i = 0; i < ans->count; i++) {
		n += 12;
		for (j = 0; j < ans->rr[i].u.txt.nstrings; j++)
			n += 1 + (size_t)ans->rr[i].u.txt.lengths[j];
	}
	return n;
}

/* Keep the selected record's character-strings for the audit. */
static void
keep_strings(struct walk *w, struct spf_tnode *n,
    const struct vouch_dns_txt *txt)
{
	size_t i;

	n->text = vouch__arena_strndup(&w->ctx.arena, txt->data, txt->len);
	n->lengths = vouch__arena_memdup(&w->ctx.arena, txt->lengths,
	    txt->nstrings * sizeof(*txt->lengths));
	if (n->text == NULL || n->lengths == NULL) {
		w->nomem = 1;
		return;
	}
	n->nstrings = txt->nstrings;
	for (i = 0; i < txt->nstrings; i++)
		n->long_strings += txt->lengths[i] > SPF_TXT_STRING_MAX;
}

/* The node's status from its TXT answer and the parse of its record. */
static void
classify(struct walk *w, struct spf_tnode *n,
    const struct vouch_dns_answer *ans, int rc, const char *why,
    struct spf_record *rec)
{
	struct vouch__arena *a = &w->ctx.arena;

	if (ans->status == VOUCH_DNS_RETRY) {
		n->status = "temperror";
		n->error = vouch__arena_strdup(a, ans->reason ? ans->reason :
		    "temporary DNS error");
	} else if (n->nrecords == 0)
		n->error = ans->status == VOUCH_DNS_NXDOMAIN ? "the domain "
		    "does not exist" : "no SPF record";
	else if (n->nrecords > 1) {
		n->status = "several";
		n->error = "several SPF records (RFC 7208 4.5)";
	} else if (rc != 0) {
		n->status = "syntax-error";
		n->error = vouch__arena_strdup(a, why);
	} else {
		n->status = "ok";
		n->error = "";
		rec->domain = n->domain;
		n->rec = rec;
	}
	if (n->error == NULL)
		w->nomem = 1;
}

/* 4.4 and 4.5 for one node: the TXT RRset, the one SPF record in it,
 * parsed.  Returns PASS when the node's record is ready to evaluate. */
static enum vouch_spf_result
fetch(struct walk *w, struct spf_tnode *n)
{
	struct spf_ctx *ctx = &w->ctx;
	const struct vouch_dns_txt *first = NULL;
	struct vouch_dns_answer *ans;
	struct spf_record *rec;
	char why[512] = "";
	size_t i;
	int rc = VOUCH_ESYNTAX;

	if (vouch__spf_query(ctx, n->domain, VOUCH_DNS_TXT, &ans) != 0) {
		w->nomem = 1;
		return VOUCH_SPF_PERMERROR;
	}
	n->txt_status = ans->status;
	n->txt_wire = ans->status == VOUCH_DNS_FOUND ? txt_wire(ans) : 0;
	for (i = 0; i < ans->count; i++)
		if (ans->rr[i].type == VOUCH_DNS_TXT &&
		    vouch__spf_is_record(ans->rr[i].u.txt.data,
		    ans->rr[i].u.txt.len) && n->nrecords++ == 0)
			first = &ans->rr[i].u.txt;
	if (first != NULL)
		keep_strings(w, n, first);
	if ((rec = vouch__arena_alloc(&ctx->arena, sizeof(*rec))) == NULL)
		w->nomem = 1;
	else if (ans->status != VOUCH_DNS_RETRY && n->nrecords == 1)
		rc = vouch__spf_record_check(first->data, first->len,
		    &ctx->arena, rec, &n->bad_term, why, sizeof(why));
	if (rc == VOUCH_ENOMEM)
		w->nomem = 1;
	classify(w, n, ans, rc, why, rec);
	vouch_dns_answer_free(ans);
	if (n->rec != NULL)
		return VOUCH_SPF_PASS;
	if (n->nrecords == 0 && n->txt_status != VOUCH_DNS_RETRY)
		return VOUCH_SPF_NONE;
	return vouch__spf_fail(ctx, n->txt_status == VOUCH_DNS_RETRY ?
	    VOUCH_SPF_TEMPERROR : VOUCH_SPF_PERMERROR, "the SPF record of "
	    "%s: %s", n->domain, n->error ? n->error : "out of memory");
}

static enum vouch_spf_result walk_host(struct walk *w, struct spf_tnode *n);

/* What a finished mechanism gives check_host(). */
static enum vouch_spf_result
mres_result(struct walk *w, enum spf_mres m)
{
	if (m == M_NOMEM)
		w->nomem = 1;
	return m == M_TEMPERROR ? VOUCH_SPF_TEMPERROR : VOUCH_SPF_PERMERROR;
}

/*
 * An include (5.2) or redirect (6.1) into child node: the target's
 * result.  A target without a record is a permerror either way.
 */
static enum vouch_spf_result
descend(struct walk *w, struct spf_tnode *n, const struct spf_term *t,
    const char *target)
{
	struct spf_tnode *c;
	enum vouch_spf_result r;

	if (target == NULL)
		return vouch__spf_fail(&w->ctx, VOUCH_SPF_PERMERROR, "%s (in "
		    "%s) is no valid domain name", t->text, n->domain);
	if ((c = node_new(w, n, target, t)) == NULL)
		return VOUCH_SPF_PERMERROR;
	w->ctx.depth++;
	r = walk_host(w, c);
	w->ctx.depth--;
	if (r == VOUCH_SPF_NONE)
		r = vouch__spf_fail(&w->ctx, VOUCH_SPF_PERMERROR, "%s (in %s): "
		    "%s has no SPF record", t->text, n->domain, target);
	return r;
}

/* The first term that goes past one of the RFC's limits, for the audit
 * to say where a receiver stops. */
static void
note_limits(struct walk *w, struct spf_tnode *n, const struct spf_term *t,
    unsigned voids_before)
{
	struct spf_tree *tr = w->t;

	if (!tr->capped && (w->ctx.dns_terms > SPF_TREE_TERMS_MAX ||
	    w->ctx.void_lookups > SPF_TREE_VOIDS_MAX)) {
		tr->capped = 1;
		n->status = "limit";
	}

	if (tr->over_term == NULL && w->ctx.dns_terms > SPF_RFC_TERMS) {
		tr->over_term = t;
		tr->over_domain = n->domain;
	}
	if (tr->void_term == NULL && voids_before <= SPF_RFC_VOIDS &&
	    w->ctx.void_lookups > SPF_RFC_VOIDS) {
		tr->void_term = t;
		tr->void_domain = n->domain;
	}
}

/* One mechanism (5), as the evaluator takes it. */
static enum spf_mres
walk_term(struct walk *w, struct spf_tnode *n, const struct spf_term *t)
{
	struct spf_ctx *ctx = &w->ctx;
	unsigned voids = ctx->void_lookups;
	const char *target = NULL;
	enum vouch_spf_result r;
	enum spf_mres m;

	switch (t->kind) {
	case SPF_ALL:
		return M_MATCH;
	case SPF_IP4:
	case SPF_IP6:
		/* 5.6: no lookup, so nothing to count */
		return vouch__spf_ip_match(&t->net, &ctx->ip, t->kind ==
		    SPF_IP4 ? t->cidr4 : t->cidr6) ? M_MATCH : M_NOMATCH;
	default:
		break;
	}
	m = vouch__spf_count_term(ctx, n->rec, t);
	note_limits(w, n, t, voids);
	if (m == M_NOMATCH)
		m = vouch__spf_target_name(ctx, n->rec, t, &target);
	if (m != M_NOMATCH)
		return m;
	if (t->kind == SPF_INCLUDE) {
		r = descend(w, n, t, target);
		if (r == VOUCH_SPF_PASS)
			return M_MATCH;
		if (r == VOUCH_SPF_PERMERROR || r == VOUCH_SPF_TEMPERROR)
			return r == VOUCH_SPF_PERMERROR ? M_PERMERROR :
			    M_TEMPERROR;
		return M_NOMATCH;
	}
	if (target == NULL)
		return M_NOMATCH;
	if (t->kind == SPF_A)
		m = vouch__spf_addr_match(ctx, n->rec, t, target, 1);
	else if (t->kind == SPF_MX)
		m = vouch__spf_mech_mx(ctx, n->rec, t, target);
	else if (t->kind == SPF_PTR)
		m = vouch__spf_mech_ptr(ctx, n->rec, t, target);
	else
		m = vouch__spf_mech_exists(ctx, n->rec, t, target);
	note_limits(w, n, t, voids);
	return m;
}

/* 4.6.2 and 6.1: the terms in order, then redirect= unless "all". */
static enum vouch_spf_result
walk_record(struct walk *w, struct spf_tnode *n)
{
	static const char quals[] = "+?-~";
	static const enum vouch_spf_result qres[] = { VOUCH_SPF_PASS,
	    VOUCH_SPF_NEUTRAL, VOUCH_SPF_FAIL, VOUCH_SPF_SOFTFAIL };
	const struct spf_record *rec = n->rec;
	const char *target = NULL;
	const char *q;
	enum spf_mres m;
	size_t i;

	for (i = 0; i < rec->nterms; i++) {
		if (rec->terms[i].kind >= SPF_REDIRECT)
			continue;
		m = walk_term(w, n, &rec->terms[i]);
		if (m == M_MATCH) {
			q = strchr(quals, rec->terms[i].qualifier);
			return qres[q != NULL ? q - quals : 0];
		}
		if (m != M_NOMATCH)
			return mres_result(w, m);
	}
	if (rec->redirect == NULL || rec->has_all)
		return VOUCH_SPF_NEUTRAL;
	m = vouch__spf_count_term(&w->ctx, rec, rec->redirect);
	note_limits(w, n, rec->redirect, w->ctx.void_lookups);
	if (m == M_NOMATCH)
		m = vouch__spf_target_name(&w->ctx, rec, rec->redirect,
		    &target);
	if (m != M_NOMATCH)
		return mres_result(w, m);
	return descend(w, n, rec->redirect, target);
}

static int
on_path(const struct spf_tnode *n)
{
	const struct spf_tnode *p;

	for (p = n->parent; p != NULL; p = p->parent)
		if (vouch__strcaseeq(p->domain, n->domain))
			return 1;
	return 0;
}

/* The child totals and this record's own share of them. */
static void
tally(struct spf_tnode *n, unsigned terms0, unsigned voids0,
    const struct spf_ctx *ctx)
{
	const struct spf_tnode *c;
	unsigned ct = 0, cv = 0;

	n->total_lookups = ctx->dns_terms - terms0;
	n->total_voids = ctx->void_lookups - voids0;
	for (c = n->child; c != NULL; c = c->next) {
		ct += c->total_lookups;
		cv += c->total_voids;
	}
	n->dns_lookups = n->total_lookups - ct;
	n->void_lookups = n->total_voids - cv;
}

/* check_host() (4) at node n. */
static enum vouch_spf_result
walk_host(struct walk *w, struct spf_tnode *n)
{
	unsigned terms0 = w->ctx.dns_terms, voids0 = w->ctx.void_lookups;
	enum vouch_spf_result r;

	if (!vouch__spf_domain_ok(n->domain)) {
		n->error = "not a valid domain name";
		return VOUCH_SPF_NONE;
	}
	if (on_path(n)) {
		n->status = "loop";
		n->error = "already on the path from the top record";
		return vouch__spf_fail(&w->ctx, VOUCH_SPF_PERMERROR, "%s "
		    "includes itself (a loop)", n->domain);
	}
	r = fetch(w, n);
	if (r == VOUCH_SPF_PASS && !w->nomem)
		r = walk_record(w, n);
	tally(n, terms0, voids0, &w->ctx);
	return r;
}

static int
setup(struct walk *w, const char *domain, int64_t now)
{
	struct spf_ctx *ctx = &w->ctx;
	size_t len = strlen(domain);
	char *sender;

	w->req.now = now;
	ctx->req = &w->req;
	ctx->lim.dns_terms = SPF_TREE_TERMS_MAX;
	ctx->lim.void_lookups = SPF_TREE_VOIDS_MAX;
	ctx->lim.mx_names = 10;
	ctx->lim.ptr_names = 10;
	ctx->lim.time_ms = 20000;
	ctx->deadline_ms = vouch__spf_now_ms() + ctx->lim.time_ms;
	if (vouch_ip_parse(SPF_TREE_CLIENT, &ctx->ip) != 0)
		return VOUCH_EINTERNAL;
	/* For IPv4, %{c} and %{i} are both the dotted quad (7.3). */
	vouch_ip_format(&ctx->ip, ctx->ip_c, sizeof(ctx->ip_c));
	vouch_ip_format(&ctx->ip, ctx->ip_i, sizeof(ctx->ip_i));
	if ((sender = vouch__arena_alloc(&ctx->arena, len + 12)) == NULL)
		return VOUCH_ENOMEM;
	snprintf(sender, len + 12, "postmaster@%s", domain);
	ctx->sender = sender;
	ctx->local = "postmaster";
	ctx->sender_domain = ctx->helo = ctx->top_domain = sender + 11;
	ctx->receiver = "unknown";
	return 0;
}

void
vouch__spf_tree_free(struct spf_tree *t)
{
	if (t == NULL)
		return;
	vouch__arena_free(&t->arena);
	vouch__free(t);
}

int
vouch__spf_tree_walk(struct vouch_dns *dns, const char *domain, int64_t now,
    struct spf_tree **out)
{
	struct walk w;
	struct spf_tree *t;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (dns == NULL || domain == NULL || out == NULL)
		return VOUCH_EINVAL;
	if ((t = vouch__calloc(1, sizeof(*t))) == NULL)
		return VOUCH_ENOMEM;
	memset(&w, 0, sizeof(w));
	vouch__arena_init(&w.ctx.arena, SPF_TREE_ARENA_MAX);
	w.ctx.dns = dns;
	w.t = t;
	rc = setup(&w, domain, now);
	if (rc == 0 && (t->root = node_new(&w, NULL, domain, NULL)) != NULL)
		t->result = walk_host(&w, t->root);
	t->arena = w.ctx.arena;
	if (rc == 0 && w.nomem)
		rc = VOUCH_ENOMEM;
	if (rc != 0) {
		vouch__spf_tree_free(t);
		return rc;
	}
	t->error = w.ctx.error;
	t->dns_lookups = w.ctx.dns_terms;
	t->void_lookups = w.ctx.void_lookups;
	*out = t;
	return 0;
}
