/*
 * explain_eval.c - the re-evaluation with today's DNS: DKIM over the
 * original as the input carries it, SPF for the recovered client IP and
 * envelope sender, DMARC for the From domain with those results, the
 * audit of the From domain (and of the MAIL FROM domain when it is
 * another one), and the sending service.
 *
 * DKIM runs at the original's time (its Date field) unless told
 * otherwise: a signature that has expired since is not why the message
 * was rejected.  When the input has no whole body, the signatures are
 * still checked over the header fields (vouch_dkim_sig.header_verified);
 * their body hashes are not known, and the causes say so.
 *
 * SPF needs the client IP; without it DMARC is evaluated with the SPF
 * result the receiver recorded, if any, else none, and a cause
 * "undetermined" names what is missing.
 */
#include <string.h>
#include <time.h>

#include "explain/explain_int.h"

#define SELECTORS_MAX 10

static int
dkim_run(struct explain_ctx *c, int64_t now)
{
	struct vouch_dkim_verify_options o = { 0 };
	int rc;

	vouch_dkim_verify_free(c->dkim);
	c->dkim = NULL;
	o.now = now;
	o.header_first = 1;	/* header_verified tells the sides apart */
	rc = vouch_dkim_verify_new(c->dns, &o, &c->dkim);
	if (rc == 0)
		rc = vouch_dkim_verify_header(c->dkim, c->msg);
	if (rc == 0 && c->body_known)
		rc = vouch_dkim_verify_body(c->dkim, c->body, c->body_len);
	if (rc == 0)
		rc = vouch_dkim_verify_finish(c->dkim);
	return rc;
}

/* The moment to check the signatures at, when one has expired (x=) by
 * now but had not when the message was written: the latest of its Date
 * and the signatures' t=; 0 when the clock will do. */
static int64_t
sent_time(const struct explain_ctx *c, int64_t now)
{
	const struct vouch_dkim_sig *g;
	int64_t t = c->b->orig_date;
	size_t i, n = vouch_dkim_verify_count(c->dkim);
	int expired = 0;

	if (t == 0)
		return 0;
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		if (g->expire >= 0 && g->expire + VOUCH_DKIM_CLOCK_SKEW < now &&
		    g->expire >= c->b->orig_date)
			expired = 1;
		if (g->timestamp > t)
			t = g->timestamp;
	}
	return expired ? t : 0;
}

/* Checked by the clock (or --now); a signature that expired since the
 * message was sent is checked again at the time it was sent. */
static int
dkim(struct explain_ctx *c, int64_t now)
{
	int64_t then;
	int rc;

	if (c->msg == NULL || c->msg_made_up) {
		vouch__explain_unchecked(c, "DKIM (the original's header "
		    "section is not in the input)");
		return 0;
	}
	rc = dkim_run(c, now);
	if (rc == 0 && c->opts.now == 0 && (then = sent_time(c, now)) != 0)
		rc = dkim_run(c, then);
	if (rc == 0 && !c->body_known &&
	    vouch_dkim_verify_count(c->dkim) > 0)
		vouch__explain_unchecked(c, c->b->original ==
		    VOUCH_BOUNCE_ORIG_TRUNCATED ? "the DKIM body hashes (the "
		    "bounce cut the body)" : "the DKIM body hashes (the input "
		    "has the header section only)");
	return rc;
}

static int
spf(struct explain_ctx *c, int64_t now)
{
	struct vouch_explain *e = &c->pub;
	struct vouch_spf_request q = { 0 };
	const char *mf = e->mail_from;

	if (!e->has_ip) {
		vouch__explain_unchecked(c, "SPF (the input does not say "
		    "which IP address sent the message; give it with --ip)");
		return 0;
	}
	if (mf == NULL) {
		vouch__explain_unchecked(c, "SPF (the envelope sender is "
		    "unknown; give it with --mail-from)");
		return 0;
	}
	if (mf[0] == '\0' && e->helo == NULL) {
		vouch__explain_unchecked(c, "SPF (the null reverse-path, and "
		    "no HELO name; give it with --helo)");
		return 0;
	}
	c->spf_domain = mf[0] != '\0' ? vouch__explain_addr_domain(c, mf) :
	    vouch__explain_alabel(c, e->helo);
	if (c->spf_domain == NULL) {
		vouch__explain_unchecked(c, "SPF (the envelope sender has no "
		    "usable domain)");
		return 0;
	}
	q.ip = e->client_ip;
	q.mail_from = mf;
	q.helo = e->helo;
	q.identity = VOUCH_SPF_MAILFROM;
	q.now = now;
	return vouch_spf_check(c->dns, &q, NULL, &c->spf);
}

static enum vouch_spf_result
spf_result_named(const char *s)
{
	static const char *const names[] = { "none", "neutral", "pass",
	    "fail", "softfail", "temperror", "permerror" };
	size_t i;

	for (i = 0; s != NULL && i < 7; i++)
		if (vouch__strcaseeq(s, names[i]))
			return (enum vouch_spf_result)i;
	return VOUCH_SPF_NONE;
}

static int
dmarc(struct explain_ctx *c)
{
	struct vouch_dmarc_dkim dk[VOUCH_DKIM_MAX_SIGNATURES];
	struct vouch_dmarc_request q = { 0 };
	const struct vouch_dkim_sig *g;
	size_t i, n = c->dkim != NULL ? vouch_dkim_verify_count(c->dkim) : 0;

	if (c->msg == NULL) {
		vouch__explain_unchecked(c, "DMARC (no From domain: neither "
		    "the original nor the reply names it)");
		return 0;
	}
	for (i = 0; i < n && q.ndkim < VOUCH_DKIM_MAX_SIGNATURES; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		if (g->domain == NULL)
			continue;
		dk[q.ndkim].domain = g->domain;
		dk[q.ndkim].selector = g->selector;
		/* no body to hash: neither a pass nor a proven fail */
		dk[q.ndkim++].result = !c->body_known && g->header_verified &&
		    g->result == VOUCH_DKIM_FAIL ? VOUCH_DKIM_NEUTRAL :
		    g->result;
	}
	q.msg = c->msg;
	q.dkim = dk;
	if (c->spf != NULL) {
		q.spf = c->spf->result;
		q.spf_domain = c->spf_domain;
	} else if (c->pub.recorded.spf != NULL && c->pub.mail_from != NULL) {
		q.spf = spf_result_named(c->pub.recorded.spf);
		q.spf_domain = c->spf_domain = vouch__explain_addr_domain(c,
		    c->pub.mail_from);
	}
	return vouch_dmarc_check(c->dns, &q, &c->opts.dmarc, &c->dmarc, NULL);
}

static int
audit(struct explain_ctx *c, int64_t now)
{
	const char *sel[SELECTORS_MAX];
	struct vouch_audit_options o = { 0 };
	const struct vouch_dkim_sig *g;
	const char *fd = c->pub.from_domain;
	size_t i, n = c->dkim != NULL ? vouch_dkim_verify_count(c->dkim) : 0;
	int rc;

	if (fd == NULL)
		return 0;
	for (i = 0; i < n && o.nselectors < SELECTORS_MAX; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		if (g->domain != NULL && g->selector != NULL &&
		    vouch__strcaseeq(g->domain, fd))
			sel[o.nselectors++] = g->selector;
	}
	o.selectors = sel;
	o.psl = c->opts.psl;
	o.now = now;
	rc = vouch_audit_domain(c->dns, fd, &o, &c->audit, NULL);
	if (rc != 0 && rc != VOUCH_ENOMEM) {
		/* not a domain name: the causes go without the audit */
		vouch__explain_unchecked(c, "the From domain's records (it "
		    "is not a domain name)");
		rc = 0;
	}
	if (rc != 0 || c->spf_domain == NULL ||
	    vouch__strcaseeq(c->spf_domain, fd) || (c->senders != NULL &&
	    vouch_senders_by_domain(c->senders, c->spf_domain) != NULL))
		return rc;
	o.nselectors = 0;
	rc = vouch_audit_domain(c->dns, c->spf_domain, &o, &c->audit_mf,
	    NULL);
	return rc == VOUCH_ENOMEM ? rc : 0;
}

const struct vouch_audit *
vouch__explain_spf_audit(const struct explain_ctx *c)
{
	return c->audit_mf != NULL ? c->audit_mf : c->audit;
}

static void
by_host(struct explain_ctx *c, const char *host, const char *how)
{
	const struct vouch_sender_service *s;

	if (c->pub.service != NULL || host == NULL)
		return;
	if ((s = vouch_senders_by_host(c->senders, host)) != NULL ||
	    (s = vouch_senders_by_domain(c->senders, host)) != NULL) {
		c->pub.service = s;
		c->pub.service_source = vouch__explain_fmt(c, "%s%s%s", how,
		    how[strlen(how) - 1] == '=' ? "" : " ", host);
	}
}

static void
ptr(struct explain_ctx *c)
{
	struct vouch_dns_answer *ans;
	char name[80];

	if (!c->pub.has_ip || vouch_ip_reverse_name(&c->pub.client_ip, name,
	    sizeof(name)) != 0 ||
	    vouch_dns_query(c->dns, name, VOUCH_DNS_PTR, &ans) != 0)
		return;
	if (ans->status == VOUCH_DNS_FOUND && ans->count > 0)
		c->pub.client_rdns = vouch__explain_strdup(c,
		    ans->rr[0].u.name);
	vouch_dns_answer_free(ans);
}

/* Which service sent it: the bounce's own maker, the client's reverse
 * name, the reporting server, the envelope domain, a DKIM d=. */
static void
service(struct explain_ctx *c)
{
	const char *fmt = c->b->format, *id = NULL;
	const struct vouch_dkim_sig *g;
	size_t i, n;

	if (c->senders == NULL)
		return;
	if (strcmp(fmt, "gmail") == 0)
		id = "google-workspace";
	else if (strcmp(fmt, "microsoft") == 0)
		id = "microsoft-365";
	if (id != NULL &&
	    (c->pub.service = vouch_senders_by_id(c->senders, id)) != NULL) {
		c->pub.service_source = vouch__explain_fmt(c, "the bounce "
		    "is a %s one", id[0] == 'g' ? "Gmail / Google Workspace" :
		    "Microsoft 365 / Outlook");
		return;
	}
	by_host(c, c->pub.client_rdns, "the client's reverse DNS name");
	by_host(c, c->b->reporting_mta, "the bounce's Reporting-MTA");
	by_host(c, c->spf_domain, "the envelope sender's domain");
	n = c->dkim != NULL ? vouch_dkim_verify_count(c->dkim) : 0;
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		by_host(c, g->domain, "a DKIM signature with d=");
	}
}

int
vouch__explain_eval(struct explain_ctx *c)
{
	int64_t now = c->opts.now != 0 ? c->opts.now : (int64_t)time(NULL);
	int rc;

	rc = dkim(c, now);
	if (rc == 0)
		rc = spf(c, now);
	if (rc == 0)
		rc = dmarc(c);
	if (rc == 0)
		rc = audit(c, now);
	if (rc == 0) {
		ptr(c);
		service(c);
	}
	return rc;
}
