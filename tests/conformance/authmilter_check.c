/*
 * authmilter_check.c - our verdict against authentication-milter's.
 *
 * Compared, with the words of RFC 8601 (values case-insensitive where
 * they are domains or result words):
 *
 *   spf     the MAIL FROM result and smtp.mailfrom: domains equal,
 *           local parts equal when both have one.  Our MAIL FROM resinfo
 *           is the one carrying smtp.mailfrom, or for the null
 *           reverse-path the first spf resinfo (the verdict writes MAIL
 *           FROM first; RFC 7208 2.4 checks postmaster@<HELO> then, and we
 *           name it smtp.helo); its word must be vouch_verdict's
 *           spf->result too.  The milter writes smtp.mailfrom="" for the
 *           null reverse-path: "", postmaster@<HELO> or smtp.helo=<HELO>
 *           agree with it.  smtp.helo: one of our spf resinfos carries the
 *           same HELO (we write the HELO check as its own resinfo, the
 *           milter as a property of its one).
 *   dkim    per signature, matched by header.d + header.s (or header.b
 *           when the milter gives no selector): the result word; no
 *           signature on either side that the other lacks.  "dkim=none"
 *           alone means no signature.  x-google-dkim is not DKIM.
 *   dmarc   per author domain, matched by header.from: the result word,
 *           policy.dmarc when the milter gives it, and for pass/fail the
 *           milter's policy.published-domain-policy against the policy
 *           we selected (p/sp/np), for fail its
 *           policy.evaluated-disposition against our disposition.
 *   action  the milter's strongest policy.applied-disposition (none ->
 *           accept) or its rejection, against vouch_verdict's action.
 *
 * A method missing from the milter's field is "none" when the config
 * hides none results (hide_none), and otherwise a difference: the cases
 * where the milter did not evaluate a method at all are listed in
 * authmilter-skips.tsv with the setting that made it so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authmilter_suite.h"

#define RLIST_MAX 256

struct rlist {
	const struct vouch_authres_result **v;
	size_t n;
	size_t cap;
};

static void
rl_add(struct rlist *l, const struct vouch_authres_result *r)
{
	if (l->n == RLIST_MAX)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = r;
}

static void
rl_from(struct rlist *l, const struct vouch_authres *ar, const char *method)
{
	size_t i;

	for (i = 0; ar != NULL && i < ar->nresults; i++)
		if (str_caseeq(ar->results[i].method, method))
			rl_add(l, &ar->results[i]);
}

/* The milter's results for method, over all its fields. */
static void
rl_expected(struct rlist *l, const struct am_expect *e, const char *method)
{
	size_t i;

	for (i = 0; i < e->nar; i++)
		rl_from(l, e->ar[i], method);
}

static const char *
prop(const struct vouch_authres_result *r, const char *ptype,
    const char *property)
{
	return r == NULL ? NULL : vouch_authres_prop(r, ptype, property);
}

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && str_caseeq(a, b);
}

/* A result that is "none" and names nothing. */
static int
bare_none(const struct vouch_authres_result *r)
{
	return str_caseeq(r->result, "none") && r->nprops == 0;
}

/* ---- spf ---------------------------------------------------------------- */

static int
mailfrom_agrees(const char *exp, const struct vouch_authres_result *mf,
    const char *helo)
{
	const char *ea, *oa, *our = prop(mf, "smtp", "mailfrom");
	char pm[300];

	if (exp != NULL && exp[0] == '\0') {
		snprintf(pm, sizeof(pm), "postmaster@%s", helo ? helo : "");
		if (our == NULL)
			return same(prop(mf, "smtp", "helo"), helo);
		return our[0] == '\0' || str_caseeq(our, pm);
	}
	if (exp == NULL || our == NULL)
		return exp == our;
	ea = strrchr(exp, '@');
	oa = strrchr(our, '@');
	if (!str_caseeq(ea ? ea + 1 : exp, oa ? oa + 1 : our))
		return 0;
	return ea == NULL || oa == NULL || ((size_t)(ea - exp) ==
	    (size_t)(oa - our) && memcmp(exp, our, (size_t)(ea - exp)) == 0);
}

/* Our MAIL FROM resinfo (see the top), or NULL. */
static const struct vouch_authres_result *
our_mailfrom(const struct rlist *ou, const struct vouch_verdict_envelope
    *env)
{
	size_t i;

	for (i = 0; i < ou->n; i++)
		if (prop(ou->v[i], "smtp", "mailfrom") != NULL)
			return ou->v[i];
	if ((env->mail_from == NULL || env->mail_from[0] == '\0') && ou->n > 0)
		return ou->v[0];
	return NULL;
}

static void
spf_got(const struct vouch_authres_result *mf, struct strbuf *got)
{
	const char *who;

	if (mf == NULL) {
		sb_adds(got, "spf=(no MAIL FROM result)");
		return;
	}
	if ((who = prop(mf, "smtp", "mailfrom")) == NULL)
		who = prop(mf, "smtp", "helo");
	sb_printf(got, "spf=%s(%s)", mf->result, who);
}

static enum am_outcome
check_spf(const struct rlist *ex, const struct rlist *ou,
    const struct am_conf *c, const struct vouch_verdict *v,
    const struct vouch_verdict_envelope *env, struct strbuf *why,
    struct strbuf *got)
{
	const struct vouch_authres_result *x, *mf = our_mailfrom(ou, env);
	const char *eh;
	size_t i;
	int helo_ok = 0;

	spf_got(mf, got);
	if (mf != NULL && !str_caseeq(mf->result,
	    vouch_spf_result_name(v->spf->result))) {
		sb_printf(why, "spf: our field says %s, vouch_verdict %s",
		    mf->result, vouch_spf_result_name(v->spf->result));
		return AM_DIFFER;
	}
	if (ex->n == 0) {
		if (c->hide_none_spf && mf != NULL &&
		    str_caseeq(mf->result, "none"))
			return AM_AGREE;
		sb_printf(why, "the milter's field has no spf result%s",
		    c->hide_none_spf ? " (hide_none: none expected)" : "");
		return AM_DIFFER;
	}
	x = ex->v[0];
	if (mf == NULL || !str_caseeq(x->result, mf->result)) {
		sb_printf(why, "spf: expected %s, got %s", x->result,
		    mf ? mf->result : "no MAIL FROM result");
		return AM_DIFFER;
	}
	if (!mailfrom_agrees(prop(x, "smtp", "mailfrom"), mf, env->helo)) {
		sb_printf(why, "spf: expected smtp.mailfrom=%s, got %s",
		    prop(x, "smtp", "mailfrom"), prop(mf, "smtp", "mailfrom"));
		return AM_DIFFER;
	}
	if ((eh = prop(x, "smtp", "helo")) == NULL)
		return AM_AGREE;
	for (i = 0; i < ou->n; i++)
		helo_ok |= same(eh, prop(ou->v[i], "smtp", "helo"));
	if (!helo_ok) {
		sb_printf(why, "spf: expected smtp.helo=%s in our field", eh);
		return AM_DIFFER;
	}
	return AM_AGREE;
}

/* ---- dkim --------------------------------------------------------------- */

static int
sig_matches(const struct vouch_authres_result *x,
    const struct vouch_authres_result *o)
{
	const char *xb = prop(x, "header", "b"), *ob = prop(o, "header", "b");

	if (!same(prop(x, "header", "d"), prop(o, "header", "d")))
		return 0;
	if (prop(x, "header", "s") != NULL)
		return same(prop(x, "header", "s"), prop(o, "header", "s"));
	return xb != NULL && ob != NULL && (strncmp(xb, ob, strlen(xb)) == 0 ||
	    strncmp(xb, ob, strlen(ob)) == 0);
}

static void
dkim_got(const struct rlist *ou, struct strbuf *got)
{
	size_t i;

	for (i = 0; i < ou->n; i++)
		sb_printf(got, "%sdkim=%s", i ? " " : "", ou->v[i]->result);
	for (i = 0; i < ou->n; i++)
		if (prop(ou->v[i], "header", "d") != NULL)
			sb_printf(got, "%s%s/%s", i ? "," : "(",
			    prop(ou->v[i], "header", "d"),
			    prop(ou->v[i], "header", "s"));
	if (ou->n > 0 && prop(ou->v[0], "header", "d") != NULL)
		sb_addc(got, ')');
}

static enum am_outcome
check_dkim(const struct rlist *ex, const struct rlist *ou,
    const struct am_conf *c, struct strbuf *why)
{
	const struct vouch_authres_result *x;
	unsigned char used[RLIST_MAX] = { 0 };
	size_t i, j;
	int none_ok = ou->n == 1 && bare_none(ou->v[0]);

	if (ex->n == 0 || (ex->n == 1 && bare_none(ex->v[0]))) {
		if ((ex->n == 1 || c->hide_none_dkim) && none_ok)
			return AM_AGREE;
		sb_printf(why, ex->n == 0 ? "the milter's field has no dkim "
		    "result%s" : "dkim: expected none (no signature)%s",
		    ex->n == 0 && c->hide_none_dkim ? " (hide_none: none "
		    "expected)" : "");
		return AM_DIFFER;
	}
	for (i = 0; i < ex->n; i++) {
		x = ex->v[i];
		for (j = 0; j < ou->n && (used[j] || !sig_matches(x,
		    ou->v[j])); j++)
			;
		if (j == ou->n) {
			sb_printf(why, "dkim: no result for the signature "
			    "d=%s s=%s (milter: %s)", prop(x, "header", "d"),
			    prop(x, "header", "s"), x->result);
			return AM_DIFFER;
		}
		used[j] = 1;
		if (!str_caseeq(x->result, ou->v[j]->result)) {
			sb_printf(why, "dkim d=%s s=%s: expected %s, got %s",
			    prop(x, "header", "d"), prop(x, "header", "s"),
			    x->result, ou->v[j]->result);
			return AM_DIFFER;
		}
	}
	for (j = 0; j < ou->n; j++) {
		if (!used[j]) {
			sb_printf(why, "dkim: we report %s for d=%s s=%s, the "
			    "milter no such signature", ou->v[j]->result,
			    prop(ou->v[j], "header", "d"),
			    prop(ou->v[j], "header", "s"));
			return AM_DIFFER;
		}
	}
	return AM_AGREE;
}

/* ---- dmarc -------------------------------------------------------------- */

static const struct vouch_dmarc_author *
author(const struct vouch_verdict *v, const char *domain)
{
	size_t i;

	for (i = 0; domain != NULL && i < v->dmarc->nauthors; i++)
		if (same(v->dmarc->authors[i].domain, domain))
			return &v->dmarc->authors[i];
	return NULL;
}

/* The milter's policy.* words against ours, for an author domain. */
static enum am_outcome
dmarc_policy(const struct vouch_authres_result *x,
    const struct vouch_authres_result *o, const struct vouch_dmarc_author *a,
    const char *from, struct strbuf *why)
{
	const char *pd = prop(x, "policy", "dmarc");
	const char *pub = prop(x, "policy", "published-domain-policy");
	const char *ev = prop(x, "policy", "evaluated-disposition");
	int applied = str_caseeq(x->result, "pass") ||
	    str_caseeq(x->result, "fail");

	if (pd != NULL && !same(pd, prop(o, "policy", "dmarc"))) {
		sb_printf(why, "dmarc %s: expected policy.dmarc=%s, got %s",
		    from, pd, prop(o, "policy", "dmarc"));
		return AM_DIFFER;
	}
	if (applied && pub != NULL && (a == NULL || !str_caseeq(pub,
	    vouch_dmarc_policy_name(a->requested)))) {
		sb_printf(why, "dmarc %s: published policy %s, we selected "
		    "%s", from, pub, a ? vouch_dmarc_policy_name(a->requested) :
		    "(no author)");
		return AM_DIFFER;
	}
	if (str_caseeq(x->result, "fail") && ev != NULL && (a == NULL ||
	    !str_caseeq(ev, vouch_dmarc_policy_name(a->disposition)))) {
		sb_printf(why, "dmarc %s: evaluated disposition %s, ours %s",
		    from, ev, a ? vouch_dmarc_policy_name(a->disposition) :
		    "(no author)");
		return AM_DIFFER;
	}
	return AM_AGREE;
}

static void
dmarc_got(const struct rlist *ou, struct strbuf *got)
{
	size_t i;

	for (i = 0; i < ou->n; i++)
		sb_printf(got, "%sdmarc=%s(%s)", i ? " " : "", ou->v[i]->result,
		    prop(ou->v[i], "header", "from"));
}

/* Our unused result for the author domain from (NULL: the milter named
 * none, as for a From it could not read); ou->n when there is none. */
static size_t
dmarc_match(const struct rlist *ou, const unsigned char *used,
    const char *from)
{
	const char *of;
	size_t j;

	for (j = 0; j < ou->n; j++) {
		of = prop(ou->v[j], "header", "from");
		if (!used[j] && (from ? same(from, of) : of == NULL ||
		    of[0] == '\0' || ou->n == 1))
			break;
	}
	return j;
}

static enum am_outcome
check_dmarc(const struct rlist *ex, const struct rlist *ou,
    const struct am_conf *c, const struct vouch_verdict *v,
    struct strbuf *why)
{
	const struct vouch_authres_result *x, *o;
	unsigned char used[RLIST_MAX] = { 0 };
	const char *from;
	size_t i, j;

	if (ex->n == 0) {
		for (j = 0; j < ou->n && str_caseeq(ou->v[j]->result, "none");
		    j++)
			;
		if (c->hide_none_dmarc && j == ou->n)
			return AM_AGREE;
		sb_printf(why, "the milter's field has no dmarc result%s",
		    c->hide_none_dmarc ? " (hide_none: none expected)" : "");
		return AM_DIFFER;
	}
	for (i = 0; i < ex->n; i++) {
		x = ex->v[i];
		from = prop(x, "header", "from");
		if ((j = dmarc_match(ou, used, from)) == ou->n) {
			sb_printf(why, "dmarc: no result for header.from=%s "
			    "(milter: %s)", from, x->result);
			return AM_DIFFER;
		}
		used[j] = 1;
		o = ou->v[j];
		if (!str_caseeq(x->result, o->result)) {
			sb_printf(why, "dmarc %s: expected %s, got %s", from,
			    x->result, o->result);
			return AM_DIFFER;
		}
		if (dmarc_policy(x, o, author(v, from), from, why) != AM_AGREE)
			return AM_DIFFER;
	}
	for (j = 0; j < ou->n; j++) {
		if (!used[j]) {
			sb_printf(why, "dmarc: we report %s for header.from=%s,"
			    " the milter nothing", ou->v[j]->result,
			    prop(ou->v[j], "header", "from"));
			return AM_DIFFER;
		}
	}
	return AM_AGREE;
}

/* ---- action ------------------------------------------------------------- */

static enum am_outcome
check_action(const struct rlist *ex, const struct am_expect *e,
    const struct vouch_verdict *v, struct strbuf *why, struct strbuf *got)
{
	static const char *const words[] = { "none", "quarantine", "reject" };
	static const char *const actions[] = { "accept", "quarantine",
	    "reject" };
	const char *want = NULL, *have = vouch_verdict_action_name(v->action);
	const char *d;
	size_t i, k, best = 0;
	int any = 0;

	sb_printf(got, "action=%s%s%s", have, v->smtp_reply ? " " : "",
	    v->smtp_reply ? v->smtp_reply : "");
	for (i = 0; i < ex->n; i++) {
		if ((d = prop(ex->v[i], "policy", "applied-disposition")) ==
		    NULL)
			continue;
		for (k = 0; k < 3 && !str_caseeq(d, words[k]); k++)
			;
		any = 1;
		if (k < 3 && k > best)
			best = k;
	}
	if (e->rejected)
		want = "reject";
	else if (any)
		want = actions[best];
	else
		return AM_NOTHING;
	if (strcmp(want, have) != 0 || (e->rejected && (v->smtp_code == NULL ||
	    strncmp(e->reply, v->smtp_code, 3) != 0))) {
		sb_printf(why, "action: expected %s%s%s, got %s", want,
		    e->rejected ? " " : "", e->rejected ? e->reply : "", have);
		return AM_DIFFER;
	}
	return AM_AGREE;
}

/* ---- entry -------------------------------------------------------------- */

const char *
am_check_name(enum am_check k)
{
	static const char *const names[AM_NCHECKS] = {
		[AM_SPF] = "spf", [AM_DKIM] = "dkim", [AM_DMARC] = "dmarc",
		[AM_ACTION] = "action"
	};

	return names[k];
}

enum am_outcome
am_compare(enum am_check k, const struct am_expect *e,
    const struct am_conf *c, const struct vouch_authres *ours,
    const struct vouch_verdict *v,
    const struct vouch_verdict_envelope *env, struct strbuf *why,
    struct strbuf *got)
{
	struct rlist ex = { 0 }, ou = { 0 };
	const char *method = k == AM_ACTION ? "dmarc" : am_check_name(k);
	enum am_outcome out = AM_NOTHING;

	rl_expected(&ex, e, method);
	rl_from(&ou, ours, method);
	if (k == AM_DKIM)
		dkim_got(&ou, got);
	else if (k == AM_DMARC)
		dmarc_got(&ou, got);
	if (k == AM_ACTION)
		out = check_action(&ex, e, v, why, got);
	else if (e->rejected && e->nar == 0 && k != AM_SPF)
		out = AM_NOTHING;
	else if (e->rejected && e->nar == 0)
		sb_printf(got, "spf=%s", vouch_spf_result_name(v->spf->result));
	else if (k == AM_SPF)
		out = check_spf(&ex, &ou, c, v, env, why, got);
	else if (k == AM_DKIM)
		out = check_dkim(&ex, &ou, c, why);
	else
		out = check_dmarc(&ex, &ou, c, v, why);
	free(ex.v);
	free(ou.v);
	return out;
}
