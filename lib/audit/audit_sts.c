/*
 * audit_sts.c - the MTA-STS part of the audit (RFC 8461): the _mta-sts
 * TXT record (3.1), the policy file from https://mta-sts.DOMAIN/
 * .well-known/mta-sts.txt (3.2, 3.3) fetched through the caller's
 * callback (libvouch opens no connection itself), its mode and max_age,
 * and whether every MX host matches one of its mx patterns (4.1): in
 * enforce mode a sender refuses to deliver to one that does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

/* 3.1: sts-id = 1*32(ALPHA / DIGIT). */
static int
valid_id(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

/* 3.1: the record's id; the rest was checked by vouch__audit_tagged(). */
static int
record(struct audit_ctx *c, const char *name, const char *rec,
    const struct audit_tags *t, char *why, size_t whylen)
{
	const char *id = vouch__audit_tag(t, "id");

	if (why[0] == '\0' && id == NULL)
		snprintf(why, whylen, "id= is required");
	else if (why[0] == '\0' && !valid_id(id))
		snprintf(why, whylen, "id= must be 1 to 32 letters and digits");
	if (why[0] == '\0')
		return 0;
	vouch__audit_add(c, "mta-sts-syntax", -1, rec, "publish \"v=STSv1; "
	    "id=YYYYMMDDhhmmss\" and change id= whenever the policy file "
	    "changes", "the MTA-STS record at %s is invalid: %s; senders act "
	    "as if the domain had no policy (RFC 8461 3.1)", name, why);
	return VOUCH_ESYNTAX;
}

/* 4.1: every MX host must match a pattern. */
static void
mx_match(struct audit_ctx *c, const struct sts_policy *p)
{
	const struct vouch_audit *a = c->a;
	size_t i, j;

	for (i = 0; i < a->nmx; i++) {
		if (strcmp(a->mx[i].host, ".") == 0)
			continue;
		for (j = 0; j < p->nmx; j++)
			if (vouch__audit_sts_match(p->mx[j], a->mx[i].host))
				break;
		if (j < p->nmx)
			continue;
		vouch__audit_add(c, "mta-sts-mx-mismatch", p->mode ==
		    STS_MODE_ENFORCE ? -1 : VOUCH_AUDIT_WARNING, a->mx[i].host,
		    vouch__audit_fmt(c, "add \"mx: %s\" to the policy file and "
		    "change id= in the _mta-sts record", a->mx[i].host), "the "
		    "MX host %s matches no mx: line of the MTA-STS policy: "
		    "senders %s (RFC 8461 4.1, 5)", a->mx[i].host, p->mode ==
		    STS_MODE_ENFORCE ? "refuse to deliver to it" : "report it "
		    "as a failure");
	}
}

static void
policy_checks(struct audit_ctx *c, const struct sts_policy *p)
{
	if (p->mode == STS_MODE_TESTING)
		vouch__audit_add(c, "mta-sts-testing", -1, "mode: testing",
		    "switch to mode: enforce once the TLS reports are clean",
		    "the MTA-STS policy is in testing mode: senders report "
		    "failures but still deliver (RFC 8461 5)");
	else if (p->mode == STS_MODE_NONE)
		vouch__audit_add(c, "mta-sts-mode-none", -1, "mode: none", NULL,
		    "the MTA-STS policy has mode none: senders treat the "
		    "domain as having no policy (RFC 8461 5, 8.3)");
	if (p->max_age < AUDIT_STS_MAX_AGE_LOW && p->mode != STS_MODE_NONE)
		vouch__audit_add(c, "mta-sts-max-age-short", -1, vouch__audit_fmt(
		    c, "max_age: %lld", p->max_age), "use max_age: 604800 (a "
		    "week) or more", "max_age is %lld seconds: RFC 8461 3.2 "
		    "expects weeks or more, so that an attacker has few chances "
		    "at a refresh", p->max_age);
	if (p->mode != STS_MODE_NONE)
		mx_match(c, p);
}

static int
policy(struct audit_ctx *c)
{
	struct vouch_error err = {0, 0, ""};
	struct sts_policy p;
	char *body = NULL, *url, why[160] = "";
	size_t len = 0;
	int rc;

	if (c->opts->fetch == NULL) {
		vouch__audit_add(c, "mta-sts-not-fetched", -1, NULL, NULL, "the "
		    "MTA-STS policy file was not fetched (no network access "
		    "for this audit): its mode and mx patterns are not "
		    "checked");
		return 0;
	}
	if ((url = vouch__audit_fmt(c, "https://mta-sts.%s/.well-known/"
	    "mta-sts.txt", c->domain)) == NULL)
		return VOUCH_ENOMEM;
	rc = c->opts->fetch(c->opts->fetch_arg, url, &body, &len, &err);
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc == 0)
		rc = vouch__audit_sts_parse(c->ar, body, len, &p, why,
		    sizeof(why));
	else
		vouch__audit_add(c, "mta-sts-fetch-failed", -1, url, "serve the "
		    "policy over HTTPS with a valid certificate for mta-sts."
		    "DOMAIN", "fetching %s failed: %s; senders act as if the "
		    "domain had no policy (RFC 8461 3.3)", url, err.msg[0] ?
		    err.msg : vouch_strerror(rc));
	if (body != NULL)
		free(body);
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc == VOUCH_ESYNTAX || rc == VOUCH_ELIMIT)
		vouch__audit_add(c, "mta-sts-policy-syntax", -1, url, "serve "
		    "\"version: STSv1\", \"mode: enforce\", one \"mx:\" line per "
		    "MX host and \"max_age: 604800\", one per line", "the "
		    "MTA-STS policy at %s is invalid: %s; senders ignore it "
		    "(RFC 8461 3.2)", url, why);
	else if (rc == 0)
		policy_checks(c, &p);
	return 0;
}

int
vouch__audit_mta_sts(struct audit_ctx *c)
{
	static const struct audit_kind kind = { "_mta-sts", "STSv1",
	    "mta-sts", "MTA-STS", "RFC 8461 3.1" };
	const char *name, *rec;
	struct audit_tags t;
	char why[128];

	if ((rec = vouch__audit_tagged(c, &kind, &name, &t, why,
	    sizeof(why))) == NULL)
		return c->nomem ? VOUCH_ENOMEM : 0;
	c->a->mta_sts = rec;
	/* An invalid record means no policy: senders would not fetch the
	 * file, so neither does the audit. */
	if (record(c, name, rec, &t, why, sizeof(why)) != 0)
		return c->nomem ? VOUCH_ENOMEM : 0;
	return policy(c);
}
