/*
 * audit_dmarc_diff.c - how an RFC 7489 receiver and an RFC 9989 receiver
 * each act on the domain's DMARC record, wherever they differ: the
 * organizational and policy domains (Public Suffix List against the DNS
 * tree walk), the policy for the domain and for a non-existent subdomain
 * (np), and the tags only one of them knows (pct, t, psd, a missing p).
 * Receivers of both kinds will be around for years (DESIGN.md).
 */
#include <string.h>

#include "audit/audit_int.h"

/* Two names, either possibly NULL (no record), are not the same. */
static int
differ(const char *a, const char *b)
{
	return !(a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static void
diff(struct audit_ctx *c, const char *aspect, const char *r7,
    const char *r9)
{
	struct vouch_audit_dmarc_diff *nd;
	size_t cap;

	if (r7 == NULL || r9 == NULL)
		return;
	if (c->ndiffs == c->capdiffs) {
		cap = c->capdiffs ? c->capdiffs * 2 : 8;
		if ((nd = vouch__arena_alloc(c->ar, cap * sizeof(*nd))) ==
		    NULL) {
			c->nomem = 1;
			return;
		}
		if (c->ndiffs > 0)
			memcpy(nd, c->diffs, c->ndiffs * sizeof(*nd));
		c->diffs = nd;
		c->capdiffs = cap;
	}
	nd = &c->diffs[c->ndiffs++];
	nd->aspect = aspect;
	nd->rfc7489 = r7;
	nd->rfc9989 = r9;
	vouch__audit_add(c, "dmarc-rfc7489-differs", -1, aspect, NULL,
	    "%s: an RFC 7489 receiver %s; an RFC 9989 receiver %s", aspect,
	    r7, r9);
}

static const char *
pol(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_POLICY_UNSET ? "no policy" :
	    vouch_dmarc_policy_name(p);
}

/* One level lower (RFC 9989 4.7 t=y; RFC 7489 6.6.4 for the messages
 * pct leaves out). */
static enum vouch_dmarc_policy
lower(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_POLICY_REJECT ? VOUCH_DMARC_POLICY_QUARANTINE :
	    p == VOUCH_DMARC_POLICY_QUARANTINE ? VOUCH_DMARC_POLICY_NONE : p;
}

static const char *
found(struct audit_ctx *c, const struct vouch_dmarc_discovery *d)
{
	if (d->policy_domain == NULL)
		return "finds no DMARC record";
	return vouch__audit_fmt(c, "uses the record at _dmarc.%s",
	    d->policy_domain);
}

static int
has_finding(const struct vouch_dmarc_record *r, const char *code)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (strcmp(r->findings[i].code, code) == 0)
			return 1;
	return 0;
}

static void
tag_diffs(struct audit_ctx *c, const struct vouch_dmarc_record *r,
    enum vouch_dmarc_policy p)
{
	/* pct and t change nothing for p=none (RFC 9989 4.7 t) */
	if (r->has_pct && r->pct < 100 && lower(p) != p)
		diff(c, "pct", vouch__audit_fmt(c, "applies %s to %d%% of the "
		    "failing mail and %s to the rest (RFC 7489 6.6.4)", pol(p),
		    r->pct, pol(lower(p))), vouch__audit_fmt(c, "ignores pct, "
		    "which RFC 9989 removed (appendix A.6), and applies %s to "
		    "all failing mail", pol(r->testing ? lower(p) : p)));
	if (r->testing && lower(p) != p)
		diff(c, "t", vouch__audit_fmt(c, "does not know t= and ignores "
		    "it (RFC 7489 6.3): applies %s", pol(p)),
		    vouch__audit_fmt(c, "applies the policy one level lower: %s "
		    "(RFC 9989 4.7)", pol(lower(p))));
	if (r->psd == VOUCH_DMARC_PSD_Y || r->psd == VOUCH_DMARC_PSD_N)
		diff(c, "psd", "does not know psd= and ignores it: the "
		    "organizational domain comes from the Public Suffix List",
		    r->psd == VOUCH_DMARC_PSD_Y ? "treats the record as a "
		    "public suffix domain's (RFC 9989 4.10.2)" : "stops the tree "
		    "walk here: the domain is an organizational domain for "
		    "itself and its subdomains (RFC 9989 4.7)");
	if (has_finding(r, "missing-p"))
		diff(c, "p-missing", "needs p= (RFC 7489 6.3): without it the "
		    "record is invalid; with a valid rua= it SHOULD act as "
		    "p=none, without one it applies no DMARC (6.6.3)",
		    "treats a record without p= as p=none when rua= holds a "
		    "valid URI, and applies no DMARC otherwise (RFC 9989 4.7, "
		    "4.10.1)");
}

int
vouch__audit_dmarc_diffs(struct audit_ctx *c,
    const struct vouch_dmarc_discovery *d9,
    const struct vouch_dmarc_discovery *d7, int sub)
{
	if (d9 == NULL || d7 == NULL || d9->temperror || d7->temperror)
		return 0;
	if (differ(d9->policy_domain, d7->policy_domain))
		diff(c, sub ? "subdomain-policy-domain" : "policy-domain",
		    found(c, d7), found(c, d9));
	if (!sub && differ(d9->org_domain, d7->org_domain))
		diff(c, "org-domain", vouch__audit_fmt(c, "takes %s as the "
		    "organizational domain (Public Suffix List, RFC 7489 3.2)",
		    d7->org_domain ? d7->org_domain : "none"),
		    vouch__audit_fmt(c, "takes %s (DNS tree walk, RFC 9989 "
		    "4.10.2)", d9->org_domain ? d9->org_domain : "none"));
	if (d9->requested != d7->requested)
		diff(c, sub ? "nonexistent-subdomain-policy" : "policy",
		    vouch__audit_fmt(c, "applies %s (%s)", pol(d7->requested),
		    d7->policy_tag ? d7->policy_tag : "no record"),
		    vouch__audit_fmt(c, "applies %s (%s)", pol(d9->requested),
		    d9->policy_tag ? d9->policy_tag : "no record"));
	if (!sub && d9->record != NULL)
		tag_diffs(c, d9->record, d9->requested);
	return c->nomem ? VOUCH_ENOMEM : 0;
}
