/*
 * explain_sides.c - the causes on each side of DMARC: SPF (the client
 * is not authorized, a known service's include is missing, the MAIL
 * FROM does not align), DKIM (no signature, a signature of the From
 * domain that fails and why, signatures only for other domains), and
 * the reverse DNS some receivers require.  The severity rule is the one
 * of explain_causes.c: an error when the message failed and the other
 * side did not align either, else a warning.
 */
#include <stdio.h>
#include <string.h>

#include "explain/explain_int.h"

/* ---- the SPF side ------------------------------------------------------ */

static const char *
spf_evidence(struct explain_ctx *c)
{
	int unknown;
	const char *rec = vouch__explain_spf_record(c,
	    vouch__explain_spf_audit(c), &unknown);

	return vouch__explain_fmt(c, "client %s (%s), from %s; MAIL FROM "
	    "<%s> (%s); SPF %s for %s; record: %s", vouch__x_ip(c),
	    vouch__x_rdns(c),
	    c->pub.client_ip_source, c->pub.mail_from, c->pub.mail_from_source,
	    vouch_spf_result_name(c->spf->result), c->spf->domain,
	    rec != NULL ? rec : unknown ? "could not be read" : "none");
}

/* "ip4:ADDR" or "ip6:ADDR" for the client: the SPF term that
 * authorizes it alone. */
static void
client_term(struct explain_ctx *c, char *term, size_t len)
{
	(void)snprintf(term, len, "%s:%s", c->pub.client_ip.family == 4 ?
	    "ip4" : "ip6", vouch__x_ip(c));
}

static void
unauthorized(struct explain_ctx *c, int error)
{
	const char *dom = c->spf->domain, *ip = vouch__x_ip(c), *fix;
	char term[80];
	const struct vouch_audit *a = vouch__explain_spf_audit(c);
	int unknown, none = vouch__explain_spf_record(c, a, &unknown) ==
	    NULL && !unknown;

	if (c->freemail != NULL && strcmp(c->freemail_field, "From") == 0)
		fix = vouch__explain_fmt(c, "%s is not your domain: see "
		    "free-mail-from", c->freemail_domain);
	else {
		client_term(c, term, sizeof(term));
		fix = vouch__explain_fmt(c, "if %s is a server you run for "
		    "%s, authorize it and sign its mail with DKIM for %s: %s\n"
		    "Otherwise send through a server the record already "
		    "authorizes (your provider's submission server)", ip, dom,
		    c->pub.from_domain != NULL ? c->pub.from_domain : dom,
		    vouch__explain_spf_add(c, a, dom, term, NULL));
	}
	if (none)
		vouch__explain_add(c, "unauthorized-server",
		    vouch__x_sev(error),
		    spf_evidence(c), fix, "%s publishes no SPF record, so it "
		    "authorizes no server, and %s (%s) sent the message", dom,
		    ip, vouch__x_rdns(c));
	else
		vouch__explain_add(c, "unauthorized-server",
		    vouch__x_sev(error),
		    spf_evidence(c), fix, "the message was sent from %s (%s), "
		    "which the SPF record of %s does not authorize", ip,
		    vouch__x_rdns(c), dom);
}

static void
missing_sender(struct explain_ctx *c, int error)
{
	const struct vouch_sender_service *s = c->pub.service;
	const struct vouch_audit *a = vouch__explain_spf_audit(c);
	const char *dom = c->spf != NULL ? c->spf->domain :
	    c->pub.from_domain, *rec;
	char term[300];
	int unknown;

	if (dom == NULL)
		return;
	rec = vouch__explain_spf_record(c, a, &unknown);
	if (s->spf_include == NULL) {
		vouch__explain_add(c, "spf-missing-sender", vouch__x_sev(error),
		    c->spf != NULL ? spf_evidence(c) : c->pub.service_source,
		    s->hint, "the message was sent through %s (%s), which the "
		    "SPF record of %s does not authorize", s->name,
		    c->pub.service_source, dom);
		return;
	}
	(void)snprintf(term, sizeof(term), "include:%s", s->spf_include);
	vouch__explain_add(c, "spf-missing-sender", vouch__x_sev(error),
	    c->spf != NULL ? spf_evidence(c) : vouch__explain_fmt(c, "%s; "
	    "SPF record of %s: %s", c->pub.service_source, dom,
	    rec != NULL ? rec : unknown ? "could not be read" : "none"),
	    vouch__explain_fmt(c, "%s\n%s: %s", vouch__explain_spf_add(c, a,
	    dom, term, s->spf_include), s->name, s->hint != NULL ? s->hint :
	    "see the provider's setup guide"), "the message was sent "
	    "through %s (%s), but the SPF record of %s lacks %s", s->name,
	    c->pub.service_source, dom, term);
}

/* SPF fails for an envelope domain that does not align anyway (a web
 * server's own name, "www-data@host"): the fix is the envelope sender,
 * and then the From domain's SPF. */
static void
unaligned_envelope(struct explain_ctx *c, int error)
{
	const struct vouch_sender_service *s = c->pub.service;
	const char *fd = c->pub.from_domain, *ip = vouch__x_ip(c), *fix;
	char term[80];

	if (fd == NULL)
		return;
	if (s != NULL && s->hint != NULL)
		fix = vouch__explain_fmt(c, "set a MAIL FROM (return-path) "
		    "domain under %s in %s: %s", fd, s->name, s->hint);
	else {
		client_term(c, term, sizeof(term));
		fix = vouch__explain_fmt(c, "send with an envelope sender "
		    "(return path) at %s or a subdomain of it (for sendmail "
		    "and PHP's mail(), the -f option), and authorize %s in "
		    "the SPF of %s: %s", fd, ip, fd, vouch__explain_spf_add(c,
		    c->audit, fd, term, NULL));
	}
	vouch__explain_add(c, "spf-not-aligned", vouch__x_sev(error),
	    spf_evidence(c), fix, "the envelope sender's domain %s does not "
	    "align with the From domain %s, so SPF (%s there) cannot count "
	    "for DMARC", c->spf->domain, fd,
	    vouch_spf_result_name(c->spf->result));
}

void
vouch__explain_spf_side(struct explain_ctx *c)
{
	const struct vouch_sender_service *s = c->pub.service;
	const struct vouch_audit *a = vouch__explain_spf_audit(c);
	int error = (vouch__x_failed(c) && (c->dmarc == NULL ||
	    c->dmarc->dkim_aligned == NULL)) || c->require_all;
	enum vouch_spf_result r;

	if (c->dmarc != NULL && c->dmarc->spf_aligned)
		return;
	if (c->spf == NULL) {
		if (s != NULL && c->freemail == NULL && s->spf_include != NULL
		    && a != NULL && !vouch__explain_spf_has(a, s->spf_include))
			missing_sender(c, error);
		return;
	}
	r = c->spf->result;
	/* a forwarder's own envelope: see forwarded */
	if (r == VOUCH_SPF_PASS && c->forwarded)
		return;
	if (r == VOUCH_SPF_PASS) {
		if (vouch__explain_aligned(c, c->spf->domain,
		    c->pub.from_domain, 0))
			return;
		vouch__explain_add(c, "spf-not-aligned", vouch__x_sev(error),
		    spf_evidence(c), s != NULL && s->hint != NULL ?
		    vouch__explain_fmt(c, "set a MAIL FROM (return-path) "
		    "domain under %s in %s: %s", c->pub.from_domain, s->name,
		    s->hint) : vouch__explain_fmt(c, "send with an envelope "
		    "sender at %s or a subdomain of it, or sign with DKIM for "
		    "%s", c->pub.from_domain, c->pub.from_domain), "SPF passes "
		    "for %s, the envelope sender's domain, which does not "
		    "align with the From domain %s", c->spf->domain,
		    c->pub.from_domain);
		return;
	}
	if (r == VOUCH_SPF_TEMPERROR || r == VOUCH_SPF_PERMERROR ||
	    c->forwarded)
		return;
	if (!vouch__explain_aligned(c, c->spf->domain, c->pub.from_domain,
	    0)) {
		/* free-mail-from covers a From that is not the sender's */
		if (c->freemail == NULL || strcmp(c->freemail_field,
		    "From") != 0)
			unaligned_envelope(c, error);
		return;
	}
	if (s != NULL && c->freemail == NULL && (s->spf_include == NULL ||
	    !vouch__explain_spf_has(a, s->spf_include)))
		missing_sender(c, error);
	else
		unauthorized(c, error);
}

/* ---- the DKIM side ----------------------------------------------------- */

static const struct vouch_audit_finding *
key_finding(const struct explain_ctx *c, const struct vouch_dkim_sig *g)
{
	const struct vouch_audit *a = c->audit;
	char name[512];
	size_t i;

	if (a == NULL || g->selector == NULL || g->domain == NULL)
		return NULL;
	(void)snprintf(name, sizeof(name), "%s._domainkey.%s", g->selector,
	    g->domain);
	for (i = 0; i < a->nfindings; i++)
		if (a->findings[i].area == VOUCH_AUDIT_DKIM &&
		    a->findings[i].severity == VOUCH_AUDIT_ERROR &&
		    a->findings[i].evidence != NULL &&
		    vouch__strcaseeq(a->findings[i].evidence, name))
			return &a->findings[i];
	return NULL;
}

static const char *
sig_text(struct explain_ctx *c, const struct vouch_dkim_sig *g)
{
	return vouch__explain_fmt(c, "DKIM-Signature d=%s s=%s a=%s: %s (%s)",
	    g->domain != NULL ? g->domain : "?", g->selector != NULL ?
	    g->selector : "?", g->algorithm != NULL ? g->algorithm : "?",
	    vouch_dkim_result_name(g->result), g->reason);
}

static void
broken(struct explain_ctx *c, const struct vouch_dkim_sig *g, int error)
{
	const struct vouch_audit_finding *f = key_finding(c, g);
	const char *fix, *what;

	if (f != NULL) {
		vouch__explain_add(c, "dkim-broken", vouch__x_sev(error),
		    sig_text(c, g),
		    f->fix != NULL ? f->fix : vouch__explain_fmt(c, "publish "
		    "the public key of the key the signer uses at "
		    "%s._domainkey.%s", g->selector, g->domain), "the DKIM "
		    "signature of %s fails: %s", g->domain, f->message);
		return;
	}
	if (g->result == VOUCH_DKIM_POLICY) {
		what = g->reason;
		fix = "sign with rsa-sha256 (RSA keys of 2048 bits) or "
		    "ed25519-sha256, without l=, from a server whose clock is "
		    "right: receivers do not accept a signature that only "
		    "verifies";
	} else if (c->forwarded && g->key_bits > 0) {
		what = g->header_verified ? "the forwarder or list changed "
		    "the body on the way" : "the forwarder or list changed "
		    "signed header fields (and perhaps the body) on the way";
		fix = "nothing is wrong at the signer: see forwarded";
	} else if (g->header_verified) {
		what = "the body was changed after it was signed";
		fix = "sign last, after every disclaimer, footer or content "
		    "filter, and keep relays from re-encoding the body or "
		    "rewrapping its lines";
	} else if (g->key_bits > 0) {
		what = strncmp(g->reason, "body hash", 9) == 0 ? "neither the "
		    "body nor the header fields match the signature: both "
		    "were changed after signing, or the published key is not "
		    "the signer's" : "the signature does not match the header "
		    "fields: they were changed after signing, or the published "
		    "key is not the signer's";
		fix = vouch__explain_fmt(c, "compare the p= of the record at "
		    "%s._domainkey.%s with the public half of the signer's key "
		    "(`openssl pkey -pubout -in KEY`); if they differ, publish "
		    "the signer's; if they match, find what rewrites the "
		    "signed fields (h=) after signing", g->selector,
		    g->domain);
	} else {
		what = g->reason;
		fix = vouch__explain_fmt(c, "publish the key record the "
		    "signing software gives for selector %s at "
		    "%s._domainkey.%s, or sign with a selector that is "
		    "published (`vouch dkim keygen --domain %s --selector %s` "
		    "makes a new pair and prints its record)", g->selector,
		    g->selector, g->domain, g->domain, g->selector);
	}
	vouch__explain_add(c, "dkim-broken", vouch__x_sev(error),
	    sig_text(c, g), fix,
	    "the DKIM signature of %s fails: %s", g->domain, what);
}

static void
dkim_missing(struct explain_ctx *c, int error)
{
	const struct vouch_sender_service *s = c->pub.service;
	const char *d = c->pub.from_domain;

	vouch__explain_add(c, "dkim-missing", error ? VOUCH_EXPLAIN_ERROR :
	    VOUCH_EXPLAIN_WARNING, "no DKIM-Signature field in the original's "
	    "header section", s != NULL && s->hint != NULL ?
	    vouch__explain_fmt(c, "turn on DKIM signing for %s in %s: %s", d,
	    s->name, s->hint) : vouch__explain_fmt(c, "sign outgoing mail "
	    "with a key for %s: `vouch dkim keygen --domain %s --selector "
	    "mail --out mail.pem` makes the key and prints the TXT record to "
	    "publish at mail._domainkey.%s; then have the sending server "
	    "sign (vouchd, or OpenDKIM)", d, d, d), "the message carries no "
	    "DKIM signature, so DMARC rests on SPF alone, which no forwarded "
	    "message can pass");
}

static size_t
n_sigs(const struct explain_ctx *c)
{
	return c->dkim != NULL ? vouch_dkim_verify_count(c->dkim) : 0;
}

void
vouch__explain_dkim_side(struct explain_ctx *c)
{
	const struct vouch_dkim_sig *g, *other = NULL;
	const char *fd = c->pub.from_domain;
	size_t i, n, aligned = 0;
	int error = (vouch__x_failed(c) && (c->dmarc == NULL ||
	    !c->dmarc->spf_aligned)) || c->require_all;

	if (c->dkim == NULL || fd == NULL ||
	    (c->dmarc != NULL && c->dmarc->dkim_aligned != NULL))
		return;
	if (c->freemail != NULL && strcmp(c->freemail_field, "From") == 0) {
		/* not the sender's domain to sign for: free-mail-from */
		if (n_sigs(c) == 0)
			vouch__explain_add(c, "dkim-missing",
			    vouch__x_sev(error),
			    "no DKIM-Signature field in the original's header "
			    "section", vouch__explain_fmt(c, "%s is not your "
			    "domain to sign for: see free-mail-from", fd),
			    "the message carries no DKIM signature of %s", fd);
		return;
	}
	n = vouch_dkim_verify_count(c->dkim);
	if (n == 0 && c->b->original_given) {
		/* a kept copy is saved before the server signs */
		vouch__explain_add(c, "undetermined", VOUCH_EXPLAIN_INFO,
		    "no DKIM-Signature field in the copy given as the original",
		    "the copy the bounce returned, or one the recipient "
		    "received, shows whether the server signs", "whether the "
		    "sending server signs cannot be told from a copy saved "
		    "before it sent the message (a Sent folder's)");
		return;
	}
	if (n == 0) {
		dkim_missing(c, error);
		return;
	}
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		if (g->domain == NULL || g->result == VOUCH_DKIM_TEMPERROR)
			continue;
		/* a pass that DMARC did not count: strict adkim */
		if (!vouch__explain_aligned(c, g->domain, fd, 1) ||
		    g->result == VOUCH_DKIM_PASS) {
			if (other == NULL || g->result == VOUCH_DKIM_PASS)
				other = g;
			continue;
		}
		aligned++;
		/* the header verifies and the body is not at hand */
		if (!c->body_known && g->header_verified)
			vouch__explain_add(c, "undetermined",
			    VOUCH_EXPLAIN_INFO,
			    vouch__explain_fmt(c, "DKIM-Signature d=%s s=%s: "
			    "the signature over the header fields verifies; "
			    "the body is not in the input", g->domain,
			    g->selector != NULL ? g->selector : "?"),
			    "give the message as it was sent "
			    "(from the Sent folder) to check the body hash",
			    "the DKIM signature of %s verifies over the header "
			    "fields; whether the body was changed on the way "
			    "cannot be told without the whole body", g->domain);
		else if (aligned == 1)
			broken(c, g, error);
	}
	if (aligned == 0 && other != NULL) {
		const struct vouch_sender_service *s = c->senders != NULL ?
		    vouch_senders_by_domain(c->senders, other->domain) : NULL;

		vouch__explain_add(c, "dkim-not-aligned", vouch__x_sev(error),
		    sig_text(c, other), s != NULL && s->hint != NULL ?
		    vouch__explain_fmt(c, "set up DKIM for %s itself in %s "
		    "(its \"custom domain\" or \"domain authentication\"): %s",
		    fd, s->name, s->hint) : vouch__explain_fmt(c, "sign with "
		    "d=%s (or a subdomain of it)", fd), "the only DKIM "
		    "signature%s for %s, not for the From domain %s",
		    other->result
		    == VOUCH_DKIM_PASS ? " that passes is" : "s are",
		    other->domain, fd);
	}
}

/* ---- reverse DNS ------------------------------------------------------- */

/* Whether name has an address record holding the client's address. */
static int
forward_confirmed(struct explain_ctx *c, const char *name)
{
	struct vouch_dns_answer *ans;
	uint16_t type = c->pub.client_ip.family == 4 ? VOUCH_DNS_A :
	    VOUCH_DNS_AAAA;
	size_t i;
	int ok = 0;

	if (vouch_dns_query(c->dns, name, type, &ans) != 0)
		return 0;
	for (i = 0; ans->status == VOUCH_DNS_FOUND && i < ans->count; i++)
		if (memcmp(ans->rr[i].u.ip.addr, c->pub.client_ip.addr,
		    c->pub.client_ip.family == 4 ? 4 : 16) == 0)
			ok = 1;
	vouch_dns_answer_free(ans);
	return ok;
}

/* The receiver wants a PTR name that resolves back (RFC 7372's 5.7.25;
 * Gmail's requirement for all senders). */
void
vouch__explain_reverse_dns(struct explain_ctx *c)
{
	const char *ip = vouch__x_ip(c), *name = c->pub.client_rdns, *host;
	const char *fix;
	const char *d = c->pub.from_domain != NULL ? c->pub.from_domain :
	    "example.com";

	if (c->reply != REPLY_PTR || !c->pub.has_ip ||
	    (name != NULL && forward_confirmed(c, name)))
		return;
	host = c->b->reporting_mta;
	if (host != NULL && forward_confirmed(c, host))
		fix = vouch__explain_fmt(c, "ask whoever runs %s (the hosting "
		    "provider or ISP) to set its PTR record to %s, the "
		    "server's name, which already resolves to it", ip, host);
	else
		fix = vouch__explain_fmt(c, "ask whoever runs %s (the hosting "
		    "provider or ISP) to set its PTR record to the server's "
		    "name, e.g. mail.%s, and publish that name's A/AAAA record "
		    "with %s", ip, d, ip);
	vouch__explain_add(c, "reverse-dns", VOUCH_EXPLAIN_ERROR,
	    name == NULL ? vouch__explain_fmt(c, "%s has no PTR record", ip) :
	    vouch__explain_fmt(c, "%s has the PTR name %s, which has no "
	    "address record holding %s", ip, name, ip), fix, "the receiver "
	    "requires the sending address to have a reverse DNS name that "
	    "resolves back to it, and %s does not", ip);
}
