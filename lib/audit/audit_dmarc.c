/*
 * audit_dmarc.c - the DMARC part of the audit: the record that applies to
 * the domain, to its subdomains and to its non-existent subdomains (RFC
 * 9989 4.10 tree walk, through vouch_dmarc_discover()), the record's own
 * findings from the DMARC module, what the record leaves undone (no rua,
 * p=none), and external report destinations that have not authorized the
 * domain (RFC 9990 4).  audit_dmarc_diff.c compares with RFC 7489.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

/* A name under the domain that no one publishes: its discovery shows
 * what subdomains (and non-existent ones) get. */
#define AUDIT_PROBE_LABEL "vouch-audit-nonexistent-probe"

struct dmarc_run {
	struct vouch_dmarc_discovery *d9, *d7;		/* the domain */
	struct vouch_dmarc_discovery *s9, *s7;		/* a subdomain */
	const struct vouch_dmarc_record *r;		/* d9's record */
	const char *fix;	/* the corrected record, as a fix */
};

static enum vouch_dmarc_policy
state_policy(const struct vouch_dmarc_record *r, enum vouch_dmarc_policy p)
{
	if (r == NULL || r->state == VOUCH_DMARC_IGNORE)
		return VOUCH_DMARC_POLICY_UNSET;
	return r->state == VOUCH_DMARC_AS_NONE ? VOUCH_DMARC_POLICY_NONE : p;
}

static void
fill(struct audit_ctx *c, const struct dmarc_run *run)
{
	struct vouch_audit_dmarc *o = &c->a->dmarc;
	const struct vouch_dmarc_record *s = run->s9 ? run->s9->record : NULL;
	enum vouch_dmarc_policy sp;

	if (run->r != NULL)
		o->record = vouch__audit_strdup(c, run->r->text);
	o->policy_domain = vouch__audit_strdup(c, run->d9->policy_domain);
	o->policy = run->d9->requested;
	if (s != NULL) {
		sp = s->sp ? s->sp : s->p;
		o->subdomain_policy = state_policy(s, sp);
		o->nonexistent_policy = state_policy(s, s->np ? s->np : sp);
	}
	c->dmarc_applied = o->policy;
	c->dmarc_partial = run->r != NULL && (run->r->testing ||
	    (run->r->has_pct && run->r->pct < 100));
}

/* The record with what RFC 9989 removed taken out, p= when missing and
 * a rua= when none is given: "publish at _dmarc.D: ..."  D is where the
 * record was found, the domain itself or the parent whose record
 * applies to it. */
static const char *
corrected(struct audit_ctx *c, const struct dmarc_run *run)
{
	struct vouch_dmarc_record r = *run->r;
	const char *rua[1];
	char *text = NULL;
	const char *fix;

	r.has_pct = 0;
	if (r.p == VOUCH_DMARC_POLICY_UNSET)
		r.p = VOUCH_DMARC_POLICY_NONE;
	if (r.nrua == 0) {
		rua[0] = vouch__audit_fmt(c, "mailto:dmarc-reports@%s",
		    c->domain);
		r.rua = rua;
		r.nrua = rua[0] != NULL;
	}
	if (vouch_dmarc_record_format(&r, &text) != 0) {
		c->nomem = 1;
		return NULL;
	}
	fix = vouch__audit_fmt(c, "publish at _dmarc.%s: \"%s\"%s",
	    run->d9->policy_domain, text, run->r->nrua == 0 ? " (a mailbox "
	    "you read, or your report service's address)" : "");
	free(text);
	return fix;
}

static void
record_findings(struct audit_ctx *c, const struct dmarc_run *run)
{
	const struct vouch_dmarc_record *r = run->r;
	char code[64];
	size_t i;

	for (i = 0; i < r->nfindings; i++) {
		snprintf(code, sizeof(code), "dmarc-%s", r->findings[i].code);
		vouch__audit_add(c, code, -1, r->findings[i].text, run->fix,
		    "%s", r->findings[i].message);
	}
	if (r->state == VOUCH_DMARC_IGNORE)
		vouch__audit_add(c, "dmarc-ignored", -1, r->text, run->fix,
		    "the DMARC record at _dmarc.%s has no valid p= (or an "
		    "invalid sp= or np=) and no valid rua=: receivers apply no "
		    "DMARC at all (RFC 9989 4.10.1)", run->d9->policy_domain);
	else if (r->state == VOUCH_DMARC_AS_NONE)
		vouch__audit_add(c, "dmarc-read-as-none", -1, r->text,
		    run->fix, "the DMARC record at _dmarc.%s has no valid p= "
		    "(or an invalid sp= or np=): receivers read it as p=none "
		    "(RFC 9989 4.10.1)", run->d9->policy_domain);
	if (r->nrua == 0)
		vouch__audit_add(c, "dmarc-no-rua", -1, r->text, run->fix,
		    "the DMARC record at _dmarc.%s asks for no aggregate "
		    "reports: you will not see who sends as %s (RFC 9989 4.7 "
		    "rua)", run->d9->policy_domain, c->domain);
	if (r->testing)
		vouch__audit_add(c, "dmarc-testing", -1, "t=y", NULL, "t=y: "
		    "RFC 9989 receivers apply the policy one level lower "
		    "(reject as quarantine, quarantine as none) (RFC 9989 4.7)");
}

static void
policy_findings(struct audit_ctx *c, const struct dmarc_run *run)
{
	const struct vouch_audit_dmarc *o = &c->a->dmarc;
	int strict = o->policy == VOUCH_DMARC_POLICY_QUARANTINE ||
	    o->policy == VOUCH_DMARC_POLICY_REJECT;
	const char *next = NULL;

	if (o->policy == VOUCH_DMARC_POLICY_NONE && run->r->state ==
	    VOUCH_DMARC_APPLY)
		next = vouch__audit_fmt(c, "once the aggregate reports show "
		    "that your own mail passes, publish p=quarantine at "
		    "_dmarc.%s, then p=reject", run->d9->policy_domain);
	if (o->policy == VOUCH_DMARC_POLICY_NONE)
		vouch__audit_add(c, "dmarc-p-none", -1, run->r->text, next,
		    "the policy for %s is none: DMARC only monitors, spoofed "
		    "mail is delivered (RFC 9989 3.2.12)", c->domain);
	if (strict && (o->subdomain_policy == VOUCH_DMARC_POLICY_NONE ||
	    o->nonexistent_policy == VOUCH_DMARC_POLICY_NONE))
		vouch__audit_add(c, "dmarc-sp-weaker", -1, run->r->text,
		    "drop sp=none and np=none, or set them to the policy of p",
		    "%s has p=%s but its %ssubdomains get none: spoofers use "
		    "a subdomain", c->domain, vouch_dmarc_policy_name(o->policy),
		    o->subdomain_policy == VOUCH_DMARC_POLICY_NONE ? "" :
		    "non-existent ");
}

/* ---- external report destinations (RFC 9990 4) -------------------------- */

/* The host of a mailto: or https: URI into buf (A-label); 0 if none. */
static int
uri_host(const char *uri, char *buf, size_t len)
{
	const char *s, *e;

	if (vouch__audit_scheme(uri, "mailto:")) {
		if ((s = strrchr(uri, '@')) == NULL)
			return 0;
		s++;
		e = s + strcspn(s, "?,");
	} else if (vouch__audit_scheme(uri, "https://")) {
		s = uri + 8;
		e = s + strcspn(s, "/:?#");
	} else
		return 0;
	return vouch_domain_to_alabel(s, (size_t)(e - s), buf, len) == 0;
}

static int
authorized(struct audit_ctx *c, const struct dmarc_run *run,
    const char *host, const char *uri)
{
	const char *pd = run->d9->policy_domain, *org = run->d9->org_domain;
	struct vouch_dmarc_discovery *dd = NULL;
	struct vouch_dmarc_options o;
	struct audit_txt tx;
	char name[600];
	int rc;

	memset(&o, 0, sizeof(o));
	o.psl = c->opts->psl;
	rc = vouch_dmarc_discover(c->dns, host, VOUCH_DMARC_RFC9989, &o, &dd,
	    NULL);
	if (rc != 0 || dd->org_domain == NULL || org == NULL ||
	    strcmp(dd->org_domain, org) == 0) {
		vouch_dmarc_discovery_free(dd);
		return rc == VOUCH_ENOMEM ? rc : 0;
	}
	vouch_dmarc_discovery_free(dd);
	snprintf(name, sizeof(name), "%s._report._dmarc.%s", pd, host);
	if ((rc = vouch__audit_txt(c, name, "v=DMARC1", &tx)) != 0)
		return rc;
	if (tx.status == VOUCH_DNS_RETRY)
		vouch__audit_add(c, "dmarc-dns-error", -1, name, NULL, "the "
		    "lookup of %s TXT failed (%s): receivers may not send "
		    "reports to %s", name, tx.reason ? tx.reason : "DNS error",
		    uri);
	else if (tx.n == 0)
		vouch__audit_add(c, "dmarc-external-unauthorized", -1, uri,
		    vouch__audit_fmt(c, "the owner of %s publishes %s TXT "
		    "\"v=DMARC1\" (or *._report._dmarc.%s for every domain)",
		    host, name, host), "%s is outside %s, and %s has not "
		    "authorized it (no DMARC record at %s): receivers send no "
		    "reports there (RFC 9990 4)", uri, org, host, name);
	return 0;
}

static int
external(struct audit_ctx *c, const struct dmarc_run *run)
{
	const struct vouch_dmarc_record *r = run->r;
	char hosts[AUDIT_EXTERNAL_MAX][256];
	size_t i, j, nh = 0, n = r->nrua + r->nruf;
	const char *uri;
	int rc = 0;

	for (i = 0; i < n && nh < AUDIT_EXTERNAL_MAX && rc == 0; i++) {
		uri = i < r->nrua ? r->rua[i] : r->ruf[i - r->nrua];
		if (!uri_host(uri, hosts[nh], sizeof(hosts[nh])))
			continue;
		for (j = 0; j < nh && strcmp(hosts[j], hosts[nh]) != 0; j++)
			;
		if (j < nh)
			continue;
		rc = authorized(c, run, hosts[nh++], uri);
	}
	return rc;
}

/* ---- the whole ---------------------------------------------------------- */

static int
discover(struct audit_ctx *c, const char *domain,
    enum vouch_dmarc_method m, struct vouch_dmarc_discovery **out)
{
	struct vouch_dmarc_options o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.mode = m == VOUCH_DMARC_RFC7489 ? VOUCH_DMARC_MODE_RFC7489 :
	    VOUCH_DMARC_MODE_RFC9989;
	o.psl = c->opts->psl;
	rc = vouch_dmarc_discover(c->dns, domain, m, &o, out, NULL);
	/* A name the method cannot handle leaves that view out. */
	return rc == VOUCH_ENOMEM ? rc : 0;
}

static void
absent(struct audit_ctx *c, const struct dmarc_run *run)
{
	const struct vouch_dmarc_query *q = run->d9->nqueries > 0 ?
	    &run->d9->queries[0] : NULL;

	if (q != NULL && q->ndmarc > 1)
		vouch__audit_add(c, "dmarc-several-records", -1, q->name,
		    "keep exactly one DMARC record", "%s has %zu DMARC records; "
		    "receivers use none of them (RFC 9989 4.10 step 2)",
		    q->name, q->ndmarc);
	if (run->d9->temperror)
		vouch__audit_add(c, "dmarc-dns-error", -1, NULL, NULL, "%s",
		    run->d9->reason);
	else if (run->r == NULL)
		vouch__audit_add(c, "dmarc-none", -1, NULL, vouch__audit_fmt(c,
		    "publish at _dmarc.%s: \"v=DMARC1; p=none; rua=mailto:"
		    "dmarc-reports@%s\", read the reports, then move to "
		    "p=quarantine and p=reject", c->domain, c->domain), "no "
		    "DMARC record applies to %s: receivers apply no DMARC to "
		    "mail from it (RFC 9989 4.10.1)", c->domain);
}

static int
run_all(struct audit_ctx *c, struct dmarc_run *run)
{
	const char *sub;
	int rc;

	if ((sub = vouch__audit_fmt(c, AUDIT_PROBE_LABEL ".%s",
	    c->domain)) == NULL)
		return VOUCH_ENOMEM;
	if ((rc = discover(c, c->domain, VOUCH_DMARC_RFC9989, &run->d9)) ||
	    (rc = discover(c, c->domain, VOUCH_DMARC_RFC7489, &run->d7)) ||
	    (rc = discover(c, sub, VOUCH_DMARC_RFC9989, &run->s9)) ||
	    (rc = discover(c, sub, VOUCH_DMARC_RFC7489, &run->s7)))
		return rc;
	if (run->d9 == NULL)
		return 0;
	run->r = run->d9->temperror ? NULL : run->d9->record;
	fill(c, run);
	absent(c, run);
	if (run->r == NULL)
		return vouch__audit_dmarc_diffs(c, run->d9, run->d7, 0);
	if (strcmp(run->d9->policy_domain, c->domain) != 0)
		vouch__audit_add(c, "dmarc-inherited", -1,
		    run->d9->policy_domain, NULL, "%s has no DMARC record of "
		    "its own: the record at _dmarc.%s applies (%s=%s)",
		    c->domain, run->d9->policy_domain, run->d9->policy_tag ?
		    run->d9->policy_tag : "p",
		    vouch_dmarc_policy_name(run->d9->requested));
	run->fix = corrected(c, run);
	record_findings(c, run);
	policy_findings(c, run);
	if ((rc = external(c, run)) != 0)
		return rc;
	if ((rc = vouch__audit_dmarc_diffs(c, run->d9, run->d7, 0)) != 0)
		return rc;
	return vouch__audit_dmarc_diffs(c, run->s9, run->s7, 1);
}

int
vouch__audit_dmarc(struct audit_ctx *c)
{
	struct dmarc_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	rc = run_all(c, &run);
	vouch_dmarc_discovery_free(run.d9);
	vouch_dmarc_discovery_free(run.d7);
	vouch_dmarc_discovery_free(run.s9);
	vouch_dmarc_discovery_free(run.s7);
	return rc;
}
