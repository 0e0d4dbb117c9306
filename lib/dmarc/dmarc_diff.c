/*
 * dmarc_diff.c - shadow mode: where the RFC 9989 evaluation and the
 * RFC 7489 one of the same message disagree, author domain by author
 * domain (both list the same domains in the same order).
 */
#include <string.h>

#include "dmarc/dmarc_int.h"

struct diffs {
	struct vouch__arena *ar;
	struct vouch_dmarc_diff *d;
	size_t n, cap;
};

static int
differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
note(struct diffs *ds, const char *domain, const char *what, const char *a,
    const char *b)
{
	struct vouch_dmarc_diff *nd;

	if (!differ(a, b))
		return 0;
	if (ds->n == ds->cap) {
		nd = vouch__arena_alloc(ds->ar, (ds->cap * 2 + 8) *
		    sizeof(*nd));
		if (nd == NULL)
			return VOUCH_ENOMEM;
		if (ds->n > 0)
			memcpy(nd, ds->d, ds->n * sizeof(*nd));
		ds->d = nd;
		ds->cap = ds->cap * 2 + 8;
	}
	nd = &ds->d[ds->n++];
	nd->domain = domain;
	nd->what = what;
	nd->rfc9989 = a != NULL ? a : "(none)";
	nd->rfc7489 = b != NULL ? b : "(none)";
	return 0;
}

static const char *
yesno(int v)
{
	return v ? "aligned" : "not aligned";
}

static int
author_diff(struct diffs *ds, const struct vouch_dmarc_author *a,
    const struct vouch_dmarc_author *b)
{
	const struct vouch_dmarc_discovery *da = a->discovery,
	    *db = b->discovery;
	int rc;

	if (da != NULL && db != NULL) {
		if ((rc = note(ds, a->domain, "organizational_domain",
		    da->org_domain, db->org_domain)) != 0 ||
		    (rc = note(ds, a->domain, "policy_domain",
		    da->policy_domain, db->policy_domain)) != 0)
			return rc;
	}
	if ((rc = note(ds, a->domain, "alignment.spf", yesno(a->spf_aligned),
	    yesno(b->spf_aligned))) != 0 ||
	    (rc = note(ds, a->domain, "alignment.dkim", a->dkim_aligned ?
	    a->dkim_aligned : "not aligned", b->dkim_aligned ?
	    b->dkim_aligned : "not aligned")) != 0 ||
	    (rc = note(ds, a->domain, "requested_policy",
	    vouch_dmarc_policy_name(a->requested),
	    vouch_dmarc_policy_name(b->requested))) != 0 ||
	    (rc = note(ds, a->domain, "disposition",
	    vouch_dmarc_policy_name(a->disposition),
	    vouch_dmarc_policy_name(b->disposition))) != 0)
		return rc;
	return note(ds, a->domain, "result", vouch_dmarc_result_name(a->result),
	    vouch_dmarc_result_name(b->result));
}

int
vouch__dmarc_diff(struct vouch__arena *ar, struct vouch_dmarc_eval *a,
    const struct vouch_dmarc_eval *b)
{
	struct diffs ds;
	size_t i;
	int rc;

	memset(&ds, 0, sizeof(ds));
	ds.ar = ar;
	for (i = 0; i < a->nauthors && i < b->nauthors; i++)
		if ((rc = author_diff(&ds, &a->authors[i],
		    &b->authors[i])) != 0)
			return rc;
	if (a->nauthors == 0 && (rc = note(&ds, a->from_domain ?
	    a->from_domain : "", "result", vouch_dmarc_result_name(a->result),
	    vouch_dmarc_result_name(b->result))) != 0)
		return rc;
	a->diffs = ds.d;
	a->ndiffs = ds.n;
	return 0;
}
