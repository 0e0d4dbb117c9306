/*
 * explain_causes.c - the rules that turn what was recovered and
 * re-evaluated into causes (docs/explain.md lists them).  A cause is an
 * error when it is a reason this message failed: DMARC did not pass (or
 * the receiver's reply is about authentication and DMARC does not pass
 * today) and nothing else on the same side (SPF or DKIM) aligned.  The
 * same fault on a message that passed anyway is a warning: it will
 * bite the next one that is forwarded.
 *
 * Order of the rules: temporary failures and broken records first
 * (they decide what every other check means), then forwarding (which
 * excuses SPF), free-mail, the SPF and DKIM sides and reverse DNS
 * (explain_sides.c), the receiver's own policy, and last what could not
 * be checked.
 */
#include <stdio.h>
#include <string.h>

#include "explain/explain_int.h"

#define AUDIT_CAUSES_MAX 3	/* causes from one audit area */
#define HOPS_MAX 5		/* earlier Received hops checked with SPF */

const char *
vouch__x_rdns(const struct explain_ctx *c)
{
	return c->pub.client_rdns != NULL ? c->pub.client_rdns :
	    "no reverse DNS name";
}

const char *
vouch__x_ip(struct explain_ctx *c)
{
	char buf[64];

	if (!c->pub.has_ip ||
	    vouch_ip_format(&c->pub.client_ip, buf, sizeof(buf)) != 0)
		return "an unknown address";
	return vouch__explain_strdup(c, buf);
}

int
vouch__x_dmarc_is(const struct explain_ctx *c, enum vouch_dmarc_result r)
{
	return c->dmarc != NULL && c->dmarc->result == r;
}

/* The receiver's reply is about authentication. */
int
vouch__x_auth(const struct explain_ctx *c)
{
	return c->reply == REPLY_DMARC || c->reply == REPLY_SPF ||
	    c->reply == REPLY_DKIM || c->reply == REPLY_AUTH;
}

/* The message failed: DMARC fails today, or the receiver's reply is
 * about authentication and DMARC does not pass today. */
int
vouch__x_failed(const struct explain_ctx *c)
{
	if (vouch__x_dmarc_is(c, VOUCH_DMARC_FAIL))
		return 1;
	if (c->pub.recorded.dmarc != NULL &&
	    strcmp(c->pub.recorded.dmarc, "fail") == 0)
		return 1;
	return !vouch__x_dmarc_is(c, VOUCH_DMARC_PASS) && vouch__x_auth(c);
}

enum vouch_explain_severity
vouch__x_sev(int error)
{
	return error ? VOUCH_EXPLAIN_ERROR : VOUCH_EXPLAIN_WARNING;
}

/* ---- temporary failures ------------------------------------------------ */

static const char *
temp_evidence(struct explain_ctx *c)
{
	const struct vouch_dkim_sig *g;
	size_t i, n = c->dkim != NULL ? vouch_dkim_verify_count(c->dkim) : 0;

	if (c->spf != NULL && c->spf->result == VOUCH_SPF_TEMPERROR)
		return vouch__explain_fmt(c, "SPF for %s: temperror (%s)",
		    c->spf->domain, c->spf->error != NULL ? c->spf->error :
		    "DNS error");
	if (vouch__x_dmarc_is(c, VOUCH_DMARC_TEMPERROR))
		return vouch__explain_fmt(c, "DMARC for %s: temperror (%s)",
		    c->dmarc->from_domain != NULL ? c->dmarc->from_domain :
		    "?", c->dmarc->reason);
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		if (g->result == VOUCH_DKIM_TEMPERROR)
			return vouch__explain_fmt(c, "DKIM d=%s s=%s: "
			    "temperror (%s)", g->domain != NULL ? g->domain :
			    "?", g->selector != NULL ? g->selector : "?",
			    g->reason);
	}
	return NULL;
}

static void
temporary(struct explain_ctx *c)
{
	const char *now = temp_evidence(c), *d = c->pub.from_domain;
	static const char *const dns_words[] = { "dns", "dmarc", "spf",
	    "dkim", "temporar", "lookup", "try again", NULL };
	int temp_reply = c->reply == REPLY_TEMP &&
	    vouch__explain_says_any(c->pub.reply, dns_words);

	if (now == NULL && !temp_reply)
		return;
	if (d == NULL)
		d = "the domain";
	vouch__explain_add(c, "dns-temporary", VOUCH_EXPLAIN_ERROR,
	    now != NULL ? now : c->pub.reply, now != NULL ?
	    vouch__explain_fmt(c, "make every name server of %s answer, "
	    "over UDP and TCP, for %s, _dmarc.%s and the DKIM selectors "
	    "(`vouch domain %s` shows what fails); the receiver retries a "
	    "deferred message by itself", d, d, d, d) :
	    vouch__explain_fmt(c, "nothing to publish: the lookups of %s "
	    "answer now, and the sending server retries a deferred message "
	    "by itself; if it happens again, check that all the name "
	    "servers of %s answer the same", d, d),
	    now != NULL && c->reply == REPLY_TEMP ? "a DNS lookup needed to "
	    "check the message fails: the receiver could not evaluate it and "
	    "deferred it" : now != NULL ? "a DNS lookup needed to check the "
	    "message fails now: a receiver gets temperror and defers such "
	    "mail, or delivers it unchecked" :
	    "the receiver could not finish its DNS lookups at the time and "
	    "deferred the message; they work now");
}

/* ---- broken records ---------------------------------------------------- */

static int
dmarc_record_code(const char *code)
{
	static const char *const codes[] = { "dmarc-syntax",
	    "dmarc-invalid-value", "dmarc-several-records",
	    "dmarc-duplicate-tag", "dmarc-ignored", "dmarc-invalid-uri",
	    "dmarc-missing-p", "dmarc-read-as-none", NULL };
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static void
audit_causes(struct explain_ctx *c, const struct vouch_audit *a,
    enum vouch_audit_area area, const char *code, int error)
{
	const struct vouch_audit_finding *f;
	size_t i, n = 0;

	for (i = 0; a != NULL && i < a->nfindings && n < AUDIT_CAUSES_MAX;
	    i++) {
		f = &a->findings[i];
		if (f->area != area)
			continue;
		if (area == VOUCH_AUDIT_SPF ? f->severity !=
		    VOUCH_AUDIT_ERROR || strcmp(f->code, "spf-dns-error") == 0 :
		    !dmarc_record_code(f->code))
			continue;
		n++;
		vouch__explain_add(c, code, vouch__x_sev(error &&
		    f->severity == VOUCH_AUDIT_ERROR), vouch__explain_fmt(c,
		    "%s (%s)%s%s", area == VOUCH_AUDIT_SPF ? a->spf.record !=
		    NULL ? a->spf.record : a->domain : a->dmarc.record != NULL ?
		    a->dmarc.record : a->domain, f->code, f->evidence != NULL ?
		    ": " : "", f->evidence != NULL ? f->evidence : ""), f->fix,
		    "the %s record of %s is broken: %s", area ==
		    VOUCH_AUDIT_SPF ? "SPF" : "DMARC", a->domain, f->message);
	}
}

static void
records(struct explain_ctx *c)
{
	int permerror = c->spf != NULL &&
	    c->spf->result == VOUCH_SPF_PERMERROR;
	const struct vouch_audit *d = c->audit;

	audit_causes(c, c->audit_mf, VOUCH_AUDIT_SPF, "spf-record-error",
	    permerror);
	audit_causes(c, c->audit, VOUCH_AUDIT_SPF, "spf-record-error",
	    permerror && c->audit_mf == NULL);
	if (permerror && !vouch__explain_has(c, "spf-record-error"))
		vouch__explain_add(c, "spf-record-error", VOUCH_EXPLAIN_ERROR,
		    c->spf->record, "correct the SPF record so that it parses "
		    "(RFC 7208); `vouch domain` shows the term at fault",
		    "SPF for %s ends in permerror: %s", c->spf->domain,
		    c->spf->error != NULL ? c->spf->error : "?");
	audit_causes(c, c->audit, VOUCH_AUDIT_DMARC, "dmarc-record-error",
	    vouch__x_failed(c) || c->require_all ||
	    vouch__x_dmarc_is(c, VOUCH_DMARC_PERMERROR));
	if (d != NULL && d->dmarc.record == NULL && c->dmarc != NULL &&
	    c->dmarc->result == VOUCH_DMARC_NONE) {
		const struct vouch_audit_finding *f = NULL;
		size_t i;

		for (i = 0; i < d->nfindings; i++)
			if (strcmp(d->findings[i].code, "dmarc-none") == 0)
				f = &d->findings[i];
		vouch__explain_add(c, "dmarc-missing", vouch__x_auth(c) ||
		    c->require_all ?
		    VOUCH_EXPLAIN_ERROR :
		    VOUCH_EXPLAIN_WARNING, vouch__explain_fmt(c, "no DMARC "
		    "record at _dmarc.%s nor above it", d->domain), f != NULL ?
		    f->fix : vouch__explain_fmt(c, "publish at _dmarc.%s: TXT "
		    "\"v=DMARC1; p=none; rua=mailto:dmarc-reports@%s\"",
		    d->domain, d->domain), "%s publishes no DMARC record: the "
		    "large receivers (Gmail, Yahoo, Microsoft) require one of "
		    "senders of bulk mail, and no receiver can tell "
		    "legitimate mail from forgeries", d->domain);
	}
}

/* ---- forwarders and lists ---------------------------------------------- */

/* A public address further down the Received chain from which SPF of
 * the envelope sender passes: where the message left the sender. */
static const char *
earlier_hop(struct explain_ctx *c)
{
	const struct vouch_msg_field *f;
	struct vouch_spf_request q = { 0 };
	struct vouch_spf_eval *ev;
	struct vouch_received *r;
	const char *found = NULL;
	size_t i = 0, n, hops = 0;
	char ip[64];

	if (c->b->kind != VOUCH_BOUNCE_MESSAGE || c->spf == NULL ||
	    c->spf->result == VOUCH_SPF_PASS || c->msg == NULL)
		return NULL;
	for (n = 0; n < EXPLAIN_RECEIVED_MAX && found == NULL &&
	    hops < HOPS_MAX; n++, i++) {
		i = vouch_msg_find(c->msg, "Received", i);
		if ((f = vouch_msg_field(c->msg, i)) == NULL)
			break;
		if (vouch_received_parse(f->value, f->value_len, &r, NULL) != 0)
			continue;
		if (r->has_ip && memcmp(&r->ip, &c->pub.client_ip,
		    sizeof(r->ip)) != 0 && !vouch__explain_private(&r->ip) &&
		    vouch_ip_format(&r->ip, ip, sizeof(ip)) == 0) {
			hops++;
			q.ip = r->ip;
			q.mail_from = c->pub.mail_from;
			q.helo = r->from_name;
			if (vouch_spf_check(c->dns, &q, NULL, &ev) == 0) {
				if (ev->result == VOUCH_SPF_PASS)
					found = vouch__explain_fmt(c, "the "
					    "message left %s from %s (SPF "
					    "pass there), then reached the "
					    "receiver from %s (%s)",
					    c->spf->domain, ip, vouch__x_ip(c),
					    vouch__x_rdns(c));
				vouch_spf_eval_free(ev);
			}
		}
		vouch_received_free(r);
	}
	return found;
}

static void
forwarded(struct explain_ctx *c)
{
	const char *hop = earlier_hop(c), *d = c->pub.from_domain, *fix;

	if (hop != NULL) {
		c->forwarded = 1;
		c->forward_evidence = hop;
	}
	if (!c->forwarded)
		return;
	if (d == NULL)
		d = "the From domain";
	fix = vouch__explain_fmt(c, "sign every message with DKIM for %s "
	    "(d=%s) and let nothing change it after signing: that signature "
	    "is what survives forwarding. A mailing list that edits "
	    "messages (subject tags, footers) should rewrite From to its own "
	    "address; a forwarder should rewrite the envelope sender (SRS) "
	    "and add ARC seals, which receivers that trust it honour. No SPF "
	    "record can authorize a forwarder's servers", d, d);
	vouch__explain_add(c, "forwarded", vouch__x_failed(c) ?
	    VOUCH_EXPLAIN_ERROR : VOUCH_EXPLAIN_INFO, c->forward_evidence,
	    fix, "the message reached the receiver through a forwarder or a "
	    "mailing list: SPF cannot pass from there, so DMARC rests on a "
	    "DKIM signature of %s that survived the trip", d);
}

/* ---- free-mail --------------------------------------------------------- */

static void
freemail(struct explain_ctx *c)
{
	const struct vouch_sender_freemail *fm = c->freemail;
	const char *d = c->freemail_domain, *ev, *fix;
	const char *fd = c->pub.from_domain != NULL ? c->pub.from_domain :
	    "the From domain";
	int pol;

	if (fm == NULL || vouch__x_dmarc_is(c, VOUCH_DMARC_PASS))
		return;
	if (strcmp(c->freemail_field, "From") != 0) {
		ev = vouch__explain_fmt(c, "%s: an address at %s (%s)",
		    c->freemail_field, d, fm->provider);
		fix = vouch__explain_fmt(c, "use an address at %s in %s", fd,
		    c->freemail_field);
		vouch__explain_add(c, "free-mail-from", VOUCH_EXPLAIN_WARNING,
		    ev, fix, "%s is a free-mail address at %s on mail sent "
		    "through other servers: receivers take that for a sign of "
		    "forgery", c->freemail_field, d);
		return;
	}
	pol = c->dmarc != NULL && c->dmarc->requested !=
	    VOUCH_DMARC_POLICY_UNSET;
	ev = vouch__explain_fmt(c, "From: an address at %s (%s); sent from "
	    "%s (%s)%s%s", d, fm->provider, vouch__x_ip(c), vouch__x_rdns(c),
	    pol ? "; the domain's DMARC policy: p=" : "", pol ?
	    vouch_dmarc_policy_name(c->dmarc->requested) : "");
	fix = vouch__explain_fmt(c, "no one but %s can authorize a server for "
	    "%s. Either send as %s only through %s's own servers (its SMTP "
	    "submission server, logged in with the account), or put an "
	    "address at a domain you control in From (with SPF, DKIM and "
	    "DMARC for it) and keep the %s address in Reply-To if replies "
	    "must reach it", fm->provider, d, d, fm->provider, d);
	vouch__explain_add(c, "free-mail-from", VOUCH_EXPLAIN_ERROR, ev, fix,
	    "From is a free-mail address at %s, but the message was sent "
	    "through a server %s does not authorize for it", d, fm->provider);
}

/* ---- the receiver's own policy ----------------------------------------- */

static int
errors(const struct explain_ctx *c)
{
	size_t i;

	for (i = 0; i < c->ncauses; i++)
		if (c->causes[i].severity == VOUCH_EXPLAIN_ERROR)
			return 1;
	return 0;
}

/* A policy refusal that does not say what it refused (5.7.x, no
 * authentication word): Yahoo's 5.7.9, "rejected due to local policy". */
static int
vague(const struct explain_ctx *c)
{
	const char *st = c->b->reply_status;

	return st != NULL && strncmp(st, "5.7.", 4) == 0;
}

static void
receiver(struct explain_ctx *c)
{
	const char *what, *fix;
	int err = errors(c);
	enum vouch_explain_severity sev = (enum vouch_explain_severity)-1;

	if (c->reply == REPLY_FILTER) {
		what = "the receiver refused the message for its own "
		    "filtering (a blocklist, reputation or spam verdict), not "
		    "for SPF, DKIM or DMARC";
		fix = vouch__explain_fmt(c, "nothing to publish: look up %s "
		    "on the list the reply names and follow its delisting "
		    "procedure; if the server was abused, stop that first",
		    vouch__x_ip(c));
	} else if (c->reply == REPLY_OTHER && err && vague(c)) {
		/* "554 5.7.9 Message not accepted for policy reasons" with a
		   DMARC failure found: the failure is the likely reason */
		what = "the reply does not name its reason; the errors above "
		    "are reason enough for a receiver that enforces DMARC";
		fix = NULL;
		sev = VOUCH_EXPLAIN_INFO;
	} else if ((c->reply == REPLY_OTHER && !vague(c)) ||
	    (c->reply == REPLY_PTR && !vouch__explain_has(c, "reverse-dns"))) {
		what = "the reply is not about authentication";
		fix = "nothing to publish in DNS: act on what the reply says, "
		    "or ask the receiver's postmaster";
	} else if (c->reply == REPLY_TEMP && !vouch__explain_has(c,
	    "dns-temporary")) {
		what = "the receiver deferred the message (greylisting or a "
		    "rate limit); the sending server retries by itself";
		fix = NULL;
	} else if (!err && vouch__x_dmarc_is(c, VOUCH_DMARC_PASS)) {
		what = vouch__explain_fmt(c, "the message authenticates today "
		    "(%s), so the receiver refused it for a reason of its own "
		    "or saw different DNS at the time", c->dmarc->reason);
		fix = "nothing to publish: send the receiver's postmaster the "
		    "reply and the message's header fields";
		if (c->pub.reply == NULL && c->pub.recorded.dmarc == NULL)
			return;
	} else if (c->reply == REPLY_OTHER) {
		what = "the reply does not name its reason, and nothing found "
		    "in the sender's records explains it";
		fix = "ask the receiver's postmaster, with the reply and the "
		    "message's header fields";
	} else
		return;
	if ((int)sev < 0)
		sev = c->reply == REPLY_FILTER || c->reply == REPLY_OTHER ||
		    c->reply == REPLY_PTR || !err ? VOUCH_EXPLAIN_ERROR :
		    VOUCH_EXPLAIN_WARNING;
	vouch__explain_add(c, "receiver-policy", sev, c->pub.reply != NULL ?
	    c->pub.reply : c->pub.recorded.field, fix, "%s", what);
}

/* ---- what could not be checked ----------------------------------------- */

static void
undetermined(struct explain_ctx *c)
{
	char list[EXPLAIN_TEXT_MAX];
	size_t i, o = 0;

	if (c->nunchecked == 0)
		return;
	list[0] = '\0';
	for (i = 0; i < c->nunchecked && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    i > 0 ? "; " : "", c->unchecked[i]);
	vouch__explain_add(c, "undetermined", VOUCH_EXPLAIN_INFO,
	    vouch__explain_strdup(c, list), "what would decide: the IP "
	    "address of the server that handed the message to the receiver "
	    "(--ip; its log or the Received field it wrote has it), the "
	    "envelope sender (--mail-from), and the message as it was sent "
	    "(from the Sent folder) instead of the bounce", "%zu thing%s could "
	    "not be checked", c->nunchecked, c->nunchecked > 1 ? "s" : "");
}

void
vouch__explain_causes(struct explain_ctx *c)
{
	temporary(c);
	records(c);
	forwarded(c);
	freemail(c);
	vouch__explain_spf_side(c);
	vouch__explain_dkim_side(c);
	vouch__explain_reverse_dns(c);
	receiver(c);
	undetermined(c);
}
