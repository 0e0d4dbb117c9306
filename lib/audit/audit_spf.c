/*
 * audit_spf.c - the SPF part of the audit (RFC 7208): the include and
 * redirect tree walked by the evaluator's own code (lib/spf/spf_tree.h),
 * turned into the public tree, and the findings on it: the limits of
 * 4.6.4, record selection (4.5), syntax (4.6, 12), "all" (5.1, 6.1),
 * ptr (5.5), includes without a record (5.2), the obsolete SPF RR type
 * (3.1, 14.1), record size (3.3, 3.4) and ranges that authorize too many
 * addresses.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit_int.h"
#include "spf/spf_tree.h"

/* What the walk over the nodes has said so far. */
struct spf_seen {
	int stop;		/* a finding that explains a permerror */
	int dns;		/* spf-dns-error given */
};

/* ---- the public tree ---------------------------------------------------- */

static int
convert(struct audit_ctx *c, const struct spf_tnode *n,
    struct vouch_audit_spf_node *out)
{
	struct vouch_audit_spf_node *kids = NULL;
	const struct spf_tnode *k;
	size_t i = 0;
	int rc = 0;

	out->domain = n->domain;
	out->via = n->via ? n->via->text : NULL;
	out->record = n->text;
	out->status = n->status;
	out->dns_lookups = n->dns_lookups;
	out->void_lookups = n->void_lookups;
	out->total_lookups = n->total_lookups;
	if (n->nchildren > 0 && (kids = vouch__arena_alloc(c->ar,
	    n->nchildren * sizeof(*kids))) == NULL)
		return VOUCH_ENOMEM;
	for (k = n->child; k != NULL && rc == 0; k = k->next)
		rc = convert(c, k, &kids[i++]);
	out->children = kids;
	out->nchildren = i;
	return rc;
}

/* ---- helpers ------------------------------------------------------------ */

/* Is n the top record or reached from it by redirect= only? */
static int
top_chain(const struct spf_tnode *n)
{
	for (; n->parent != NULL; n = n->parent)
		if (n->via == NULL || n->via->kind != SPF_REDIRECT)
			return 0;
	return 1;
}

/* "the record of D" with a fix: the edited record when the domain is
 * ours, else what to change in our own record. */
static char *
edit_fix(struct audit_ctx *c, const struct spf_tnode *n, const char *term,
    const char *repl)
{
	const struct spf_tnode *top = n;
	char *rec;

	if (vouch__audit_own(c, n->domain) && n->text != NULL) {
		rec = vouch__audit_spf_edit(c, n->text, term, repl);
		return rec == NULL ? NULL : vouch__audit_fmt(c, "publish at "
		    "%s: \"%s\"", n->domain, rec);
	}
	while (top->parent != NULL && top->parent->parent != NULL)
		top = top->parent;
	return vouch__audit_fmt(c, "the record of %s is not yours: ask its "
	    "owner to change it, or remove '%s' from your record if you do "
	    "not need that service", n->domain, top->via ? top->via->text :
	    n->domain);
}

/* "include:a=4, mx=1, ...": the branches of the top record by cost. */
static char *
branches(struct audit_ctx *c, const struct spf_tnode *root)
{
	char buf[AUDIT_MSG_MAX] = "";
	const struct spf_tnode *k;
	size_t n = 0;

	for (k = root->child; k != NULL && n < sizeof(buf) - 80; k = k->next)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s=%u",
		    n ? ", " : "", k->via ? k->via->text : k->domain,
		    k->total_lookups + 1);
	if (n < sizeof(buf) - 80)
		snprintf(buf + n, sizeof(buf) - n, "%sthe top record's own "
		    "terms=%u", n ? ", " : "", root->dns_lookups -
		    (unsigned)root->nchildren);
	return vouch__audit_strdup(c, buf);
}

/* ---- findings on one record --------------------------------------------- */

static void
range_check(struct audit_ctx *c, const struct spf_tnode *n,
    const struct spf_term *t)
{
	int v4 = t->kind == SPF_IP4;
	int p = v4 ? t->cidr4 : t->cidr6;
	int warn = v4 ? AUDIT_IP4_WARN : AUDIT_IP6_WARN;
	int err = v4 ? AUDIT_IP4_ERROR : AUDIT_IP6_ERROR;

	if (p < 0 || p >= warn || t->qualifier != '+')
		return;
	vouch__audit_add(c, "spf-range-too-broad", p < err ?
	    VOUCH_AUDIT_ERROR : -1, t->text, edit_fix(c, n, t->text, NULL),
	    "'%s' in the SPF record of %s authorizes every address in a /%d "
	    "(%s); list the hosts that really send instead", t->text,
	    n->domain, p, v4 ? "more than a /16 of IPv4" :
	    "more than a /48 of IPv6");
}

static void
all_check(struct audit_ctx *c, const struct spf_tnode *n,
    const struct spf_term *t, size_t i)
{
	const struct spf_record *r = n->rec;
	size_t j;

	if (t->qualifier == '+')
		vouch__audit_add(c, "spf-plus-all", -1, t->text,
		    edit_fix(c, n, t->text, "~all"), "'%s' in the SPF record "
		    "of %s authorizes every host on the Internet to send as "
		    "%s (RFC 7208 5.1)", t->text, n->domain, n->domain);
	else if (t->qualifier == '?' && top_chain(n))
		vouch__audit_add(c, "spf-neutral-all", -1, t->text,
		    edit_fix(c, n, t->text, "~all"), "'%s' in the SPF record "
		    "of %s makes mail from unlisted hosts neutral: it neither "
		    "passes nor fails (RFC 7208 2.6.2)", t->text, n->domain);
	for (j = i + 1; j < r->nterms; j++)
		if (r->terms[j].kind < SPF_REDIRECT) {
			if (vouch__audit_own(c, n->domain))
				vouch__audit_add(c, "spf-terms-after-all", -1,
				    r->terms[j].text, edit_fix(c, n,
				    r->terms[j].text, NULL), "'%s' in the SPF "
				    "record of %s comes after '%s': it is never "
				    "evaluated (RFC 7208 5.1)",
				    r->terms[j].text, n->domain, t->text);
			return;
		}
}

static void
record_checks(struct audit_ctx *c, const struct spf_tnode *n)
{
	const struct spf_record *r = n->rec;
	const struct spf_term *t;
	size_t i;

	for (i = 0; i < r->nterms; i++) {
		t = &r->terms[i];
		if (t->kind == SPF_ALL)
			all_check(c, n, t, i);
		else if (t->kind == SPF_PTR)
			vouch__audit_add(c, "spf-ptr", -1, t->text,
			    edit_fix(c, n, t->text, NULL), "'%s' in the SPF "
			    "record of %s: ptr is slow and unreliable and "
			    "SHOULD NOT be used (RFC 7208 5.5); list the "
			    "senders' addresses instead", t->text, n->domain);
		else if ((t->kind == SPF_IP4 || t->kind == SPF_IP6) &&
		    vouch__audit_own(c, n->domain))
			range_check(c, n, t);
	}
	if (top_chain(n) && !r->has_all && r->redirect == NULL)
		vouch__audit_add(c, "spf-no-all", -1, n->text,
		    edit_fix(c, n, "", "~all"), "the SPF record of %s ends "
		    "without \"all\" or redirect=: mail from unlisted hosts "
		    "is neutral (RFC 7208 4.7)", n->domain);
	if (r->has_all && r->redirect != NULL && vouch__audit_own(c,
	    n->domain))
		vouch__audit_add(c, "spf-redirect-ignored", -1,
		    r->redirect->text, edit_fix(c, n, r->redirect->text, NULL),
		    "'%s' in the SPF record of %s is ignored because the "
		    "record has \"all\" (RFC 7208 6.1)", r->redirect->text,
		    n->domain);
}

/* Sizes: character-strings over 255 octets (RFC 7208 3.3, RFC 1035
 * 3.3.14) and answers over 512 octets without EDNS (RFC 7208 3.4). */
static void
size_checks(struct audit_ctx *c, const struct spf_tnode *n)
{
	if (!vouch__audit_own(c, n->domain))
		return;
	if (n->long_strings > 0 && n->text != NULL)
		vouch__audit_add(c, "spf-string-too-long", -1, n->text,
		    vouch__audit_fmt(c, "publish at %s as several strings: %s",
		    n->domain, vouch__audit_spf_split(c, n->text)), "the SPF "
		    "record of %s has %zu character-string(s) over 255 "
		    "octets: DNS cannot carry them (RFC 7208 3.3, RFC 1035 "
		    "3.3.14)", n->domain, n->long_strings);
	if (n->txt_wire > AUDIT_UDP_MAX)
		vouch__audit_add(c, "spf-udp-too-big", -1, n->domain,
		    vouch__audit_fmt(c, "remove TXT records at %s that are no "
		    "longer needed (old verification tokens) or shorten the "
		    "SPF record", n->domain), "the TXT answer for %s is %zu "
		    "octets, over the 512 a DNS answer without EDNS holds: "
		    "some receivers must retry over TCP (RFC 7208 3.4)",
		    n->domain, n->txt_wire);
}

/* An include or redirect= whose target has no usable record. */
static void
target_checks(struct audit_ctx *c, const struct spf_tnode *n,
    struct spf_seen *s)
{
	const char *via = n->via->text, *pdom = n->parent->domain;

	if (strcmp(n->status, "none") == 0) {
		s->stop = 1;
		if (n->txt_status == VOUCH_DNS_NXDOMAIN || n->error == NULL ||
		    strcmp(n->error, "not a valid domain name") == 0)
			vouch__audit_add(c, "spf-include-nxdomain", -1, via,
			    edit_fix(c, n->parent, via, NULL), "'%s' in the "
			    "SPF record of %s names %s, which does not exist: "
			    "receivers return permerror (RFC 7208 5.2, 6.1)",
			    via, pdom, n->domain);
		else
			vouch__audit_add(c, "spf-include-no-record", -1, via,
			    edit_fix(c, n->parent, via, NULL), "'%s' in the "
			    "SPF record of %s names %s, which has no SPF "
			    "record: receivers return permerror (RFC 7208 "
			    "5.2, 6.1)", via, pdom, n->domain);
	} else if (strcmp(n->status, "loop") == 0) {
		s->stop = 1;
		vouch__audit_add(c, "spf-include-loop", -1, via,
		    edit_fix(c, n->parent, via, NULL), "'%s' in the SPF "
		    "record of %s leads back to %s: a receiver goes round "
		    "until the limit of 10 lookups and returns permerror",
		    via, pdom, n->domain);
	}
}

static char *
merged(struct audit_ctx *c, const struct spf_tnode *n)
{
	const char *recs[AUDIT_TXT_MAX];
	struct audit_txt tx;
	size_t i, k = 0;

	if (!vouch__audit_own(c, n->domain) ||
	    vouch__audit_txt(c, n->domain, NULL, &tx) != 0)
		return edit_fix(c, n, "", NULL);
	for (i = 0; i < tx.n && i < AUDIT_TXT_MAX; i++)
		if (vouch__spf_is_record(tx.rec[i], tx.len[i]))
			recs[k++] = tx.rec[i];
	return vouch__audit_fmt(c, "publish one record at %s: \"%s\"",
	    n->domain, vouch__audit_spf_merge(c, recs, k));
}

static void
status_checks(struct audit_ctx *c, const struct spf_tnode *n,
    struct spf_seen *s)
{
	char *fix;

	if (strcmp(n->status, "several") == 0) {
		s->stop = 1;
		vouch__audit_add(c, "spf-several-records", -1, n->text,
		    merged(c, n), "%s publishes %zu SPF records; RFC 7208 4.5 "
		    "allows one, so receivers return permerror", n->domain,
		    n->nrecords);
	} else if (strcmp(n->status, "syntax-error") == 0) {
		s->stop = 1;
		fix = NULL;
		if (vouch__audit_own(c, n->domain))
			fix = vouch__audit_fmt(c, "publish at %s: \"%s\"",
			    n->domain, vouch__audit_spf_repair(c, n->text));
		vouch__audit_add(c, "spf-syntax", -1, n->bad_term ?
		    n->bad_term : n->text, fix ? fix : edit_fix(c, n,
		    n->bad_term ? n->bad_term : "", NULL), "the SPF record of "
		    "%s is invalid: %s; receivers return permerror (RFC 7208 "
		    "4.6)", n->domain, n->error ? n->error : "syntax error");
	} else if (strcmp(n->status, "temperror") == 0) {
		s->dns = 1;
		vouch__audit_add(c, "spf-dns-error", -1, n->domain, NULL,
		    "the TXT lookup of %s failed (%s): receivers return "
		    "temperror and may defer mail", n->domain, n->error ?
		    n->error : "temporary DNS error");
	}
}

static void
node_findings(struct audit_ctx *c, const struct spf_tnode *n,
    struct spf_seen *s)
{
	const struct spf_tnode *k;

	if (n->parent != NULL)
		target_checks(c, n, s);
	status_checks(c, n, s);
	if (n->rec != NULL)
		record_checks(c, n);
	size_checks(c, n);
	for (k = n->child; k != NULL; k = k->next)
		node_findings(c, k, s);
}

/* ---- the counts and the whole record ------------------------------------ */

static void
limit_checks(struct audit_ctx *c, const struct spf_tree *t,
    struct spf_seen *s)
{
	if (t->dns_lookups > SPF_RFC_TERMS && t->over_term != NULL) {
		s->stop |= t->capped;
		vouch__audit_add(c, "spf-too-many-lookups", -1,
		    branches(c, t->root), "remove includes of services you no "
		    "longer use, replace a and mx with ip4/ip6 where the "
		    "addresses are stable, or move some senders to a "
		    "subdomain with its own SPF record", "evaluating the SPF "
		    "record of %s takes %s%u DNS-querying terms; RFC 7208 "
		    "4.6.4 allows 10, so receivers return permerror at '%s' "
		    "in the record of %s", c->domain, t->capped ? "at least " :
		    "", t->dns_lookups, t->over_term->text, t->over_domain);
	}
	if (t->void_lookups > SPF_RFC_VOIDS && t->void_term != NULL)
		vouch__audit_add(c, "spf-too-many-void-lookups", -1,
		    t->void_term->text, "remove the terms that name hosts or "
		    "domains that no longer exist", "evaluating the SPF record "
		    "of %s makes %u void lookups (names without records); "
		    "RFC 7208 4.6.4 allows 2, so receivers return permerror "
		    "at '%s' in the record of %s", c->domain, t->void_lookups,
		    t->void_term->text, t->void_domain);
	if (t->result == VOUCH_SPF_PERMERROR && !s->stop)
		vouch__audit_add(c, "spf-permerror", -1, t->error, NULL,
		    "receivers return permerror for the SPF record of %s: %s",
		    c->domain, t->error ? t->error : "invalid record");
	if (t->result == VOUCH_SPF_TEMPERROR && !s->dns)
		vouch__audit_add(c, "spf-dns-error", -1, t->error, NULL,
		    "a DNS lookup for the SPF record of %s failed: %s",
		    c->domain, t->error ? t->error : "temporary DNS error");
}

static const char *
none_fix(const struct audit_ctx *c)
{
	if (c->mx_status == VOUCH_DNS_FOUND && !c->null_mx)
		return "publish \"v=spf1 mx ~all\", add the services that send "
		    "as the domain, then move to -all";
	return "the domain sends no mail: publish \"v=spf1 -all\"";
}

static int
type99(struct audit_ctx *c)
{
	struct vouch_dns_answer *ans;
	int rc;

	rc = vouch_dns_query(c->dns, c->domain, VOUCH_DNS_SPF, &ans);
	if (rc != 0)
		return rc == VOUCH_EINVAL ? 0 : rc;
	if (ans->status == VOUCH_DNS_FOUND && ans->count > 0)
		vouch__audit_add(c, "spf-type99", -1, ans->rr[0].u.txt.data,
		    "delete the SPF-type (99) record and keep the TXT record",
		    "%s publishes a record of the obsolete DNS type SPF (99); "
		    "SPF records are TXT only (RFC 7208 3.1, 14.1)", c->domain);
	vouch_dns_answer_free(ans);
	return 0;
}

int
vouch__audit_spf(struct audit_ctx *c)
{
	struct vouch_audit_spf *out = &c->a->spf;
	struct vouch_audit_spf_node *root;
	struct spf_seen seen = {0, 0};
	const struct spf_tree *t;
	int rc;

	rc = vouch__spf_tree_walk(c->dns, c->domain, c->opts->now, &c->spf);
	if (rc != 0)
		return rc;
	t = c->spf;
	out->record = t->root->text;
	out->dns_lookups = t->dns_lookups;
	out->void_lookups = t->void_lookups;
	if (t->root->text != NULL || t->root->txt_status == VOUCH_DNS_RETRY) {
		if ((root = vouch__arena_alloc(c->ar, sizeof(*root))) == NULL)
			return VOUCH_ENOMEM;
		if ((rc = convert(c, t->root, root)) != 0)
			return rc;
		out->tree = root;
	}
	if (t->root->text == NULL && t->root->txt_status != VOUCH_DNS_RETRY)
		vouch__audit_add(c, "spf-none", -1, NULL, none_fix(c), "%s has "
		    "no SPF record: receivers cannot tell which hosts may send "
		    "as it (RFC 7208 4.5: result none)", c->domain);
	node_findings(c, t->root, &seen);
	limit_checks(c, t, &seen);
	return type99(c);
}
