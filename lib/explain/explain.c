/*
 * explain.c - vouch_explain(): recover the facts, re-evaluate, apply the
 * rules, order the causes and write the one sentence of what happened
 * (see vouch/explain.h and explain_int.h for the parts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/explain_int.h"

char *
vouch__explain_strdup(struct explain_ctx *c, const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = vouch__arena_strdup(&c->arena, s);
	if (p == NULL)
		c->nomem = 1;
	return p;
}

int
vouch__explain_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	return vouch__strcaseeq(name, domain) || (n > d &&
	    name[n - d - 1] == '.' && vouch__strcaseeq(name + n - d, domain));
}

const char *
vouch__explain_alabel(struct explain_ctx *c, const char *name)
{
	char buf[256];

	if (name == NULL || vouch_domain_to_alabel(name, strlen(name), buf,
	    sizeof(buf)) != 0)
		return NULL;
	return vouch__explain_strdup(c, buf);
}

const char *
vouch__explain_addr_domain(struct explain_ctx *c, const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL ? vouch__explain_alabel(c, at + 1) : NULL;
}

char *
vouch__explain_fmt(struct explain_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vouch__arena_vfmt(&c->arena, EXPLAIN_TEXT_MAX, &c->nomem, fmt,
	    ap);
	va_end(ap);
	return s;
}

void
vouch__explain_add(struct explain_ctx *c, const char *code,
    enum vouch_explain_severity sev, const char *evidence, const char *fix,
    const char *fmt, ...)
{
	struct vouch_explain_cause *k;
	va_list ap;

	if (c->ncauses == EXPLAIN_CAUSES_MAX)
		return;
	k = &c->causes[c->ncauses++];
	k->code = code;
	k->severity = sev;
	k->evidence = evidence;
	k->fix = fix;
	va_start(ap, fmt);
	k->summary = vouch__arena_vfmt(&c->arena, EXPLAIN_TEXT_MAX,
	    &c->nomem, fmt, ap);
	va_end(ap);
}

int
vouch__explain_has(const struct explain_ctx *c, const char *code)
{
	size_t i;

	for (i = 0; i < c->ncauses; i++)
		if (strcmp(c->causes[i].code, code) == 0)
			return 1;
	return 0;
}

void
vouch__explain_unchecked(struct explain_ctx *c, const char *what)
{
	if (c->nunchecked < sizeof(c->unchecked) / sizeof(c->unchecked[0]))
		c->unchecked[c->nunchecked++] = what;
}

/* Errors first, then warnings, then information; stable within each
 * (an insertion sort: a few dozen causes at most). */
static void
order(struct explain_ctx *c)
{
	struct vouch_explain_cause k;
	size_t i, j;

	for (i = 1; i < c->ncauses; i++) {
		k = c->causes[i];
		for (j = i; j > 0 && c->causes[j - 1].severity < k.severity;
		    j--)
			c->causes[j] = c->causes[j - 1];
		c->causes[j] = k;
	}
}

/* A full stop last (the sentence may start with a host name: no capital
 * forced on it). */
static const char *
sentence(struct explain_ctx *c, char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n > 0 && strchr(".!?", s[n - 1]) == NULL)
		return vouch__explain_fmt(c, "%s.", s);
	return s;
}

/* One sentence: who refused what, and the first cause. */
static void
summarize(struct explain_ctx *c)
{
	struct vouch_explain *e = &c->pub;
	const char *who = e->receiver != NULL ? e->receiver : "The receiver";
	const char *dom = e->from_domain != NULL ? e->from_domain :
	    "an unknown domain";
	const char *why = c->ncauses > 0 ? c->causes[0].summary :
	    "nothing wrong was found with the sender's records";
	const char *dmarc = c->dmarc != NULL ?
	    vouch_dmarc_result_name(c->dmarc->result) : NULL;
	char *sum;

	if (e->reply != NULL)
		sum = vouch__explain_fmt(c, "%s %s mail from %s (%s%s%s):"
		    " %s", who, e->reply[0] == '4' ? "deferred" : "rejected",
		    dom, c->b->reply_code != NULL ? c->b->reply_code : "reply",
		    c->b->reply_status != NULL ? " " : "",
		    c->b->reply_status != NULL ? c->b->reply_status : "", why);
	else if (e->recorded.dmarc != NULL)
		sum = vouch__explain_fmt(c, "%s recorded dmarc=%s for "
		    "this message from %s: %s", e->recorded.authserv_id !=
		    NULL ? e->recorded.authserv_id : who, e->recorded.dmarc,
		    dom, why);
	else
		sum = vouch__explain_fmt(c, "This message from %s "
		    "gets dmarc=%s today: %s", dom, dmarc != NULL ? dmarc :
		    "none", why);
	e->summary = sentence(c, sum);
}

int
vouch_explain(struct vouch_dns *dns, const struct vouch_bounce *b,
    const struct vouch_explain_options *opts, struct vouch_explain **out,
    struct vouch_error *err)
{
	struct explain_ctx *c;
	int rc;

	if (dns == NULL || b == NULL || out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0,
		    "vouch_explain: a DNS handle, a bounce and a result "
		    "pointer are required");
	*out = NULL;
	c = vouch__calloc(1, sizeof(*c));
	if (c == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	vouch__arena_init(&c->arena, EXPLAIN_ARENA_MAX);
	c->b = b;
	c->pub.bounce = b;
	if (opts != NULL)
		c->opts = *opts;
	c->senders = c->opts.senders;
	rc = vouch_dns_budget_new(dns, c->opts.dns_queries != 0 ?
	    c->opts.dns_queries : VOUCH_EXPLAIN_DNS_QUERIES,
	    c->opts.dns_ms != 0 ? c->opts.dns_ms : VOUCH_EXPLAIN_DNS_MS,
	    &c->dns);
	if (rc == 0)
		rc = vouch__explain_facts(c);
	if (rc == 0)
		rc = vouch__explain_eval(c);
	if (rc == 0) {
		vouch__explain_causes(c);
		order(c);
		summarize(c);
		vouch_dns_budget_stats(c->dns, &c->pub.dns_queries, NULL,
		    NULL);
	}
	if (rc == 0 && c->nomem)
		rc = VOUCH_ENOMEM;
	if (rc != 0) {
		vouch_explain_free(&c->pub);
		return vouch__error(err, rc, 0, "%s", rc == VOUCH_ENOMEM ?
		    "out of memory" : "the diagnosis failed");
	}
	c->pub.causes = c->causes;
	c->pub.ncauses = c->ncauses;
	c->pub.spf = c->spf;
	c->pub.dkim = c->dkim;
	c->pub.dmarc = c->dmarc;
	c->pub.audit = c->audit;
	*out = &c->pub;
	return 0;
}

void
vouch_explain_free(struct vouch_explain *e)
{
	struct explain_ctx *c = (struct explain_ctx *)e;

	if (c == NULL)
		return;
	vouch_spf_eval_free(c->spf);
	vouch_dkim_verify_free(c->dkim);
	vouch_dmarc_eval_free(c->dmarc);
	vouch_audit_free(c->audit);
	vouch_audit_free(c->audit_mf);
	vouch_msg_free(c->msg);
	vouch_dns_free(c->dns);
	vouch__arena_free(&c->arena);
	vouch__free(c);
}

const char *
vouch_explain_severity_name(enum vouch_explain_severity s)
{
	switch (s) {
	case VOUCH_EXPLAIN_ERROR:
		return "error";
	case VOUCH_EXPLAIN_WARNING:
		return "warning";
	default:
		return "info";
	}
}
