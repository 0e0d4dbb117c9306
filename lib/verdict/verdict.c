/*
 * verdict.c - SPF, DKIM and DMARC for one message, one
 * Authentication-Results value and the action (see vouch/verdict.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouch/authres.h"
#include "vouch/verdict.h"
#include "util/util.h"

#define REPLY_MAX 512

enum stage { STAGE_NEW = 0, STAGE_HEADER, STAGE_DONE };

struct vouch_verdict_ctx {
	struct vouch_verdict pub;
	enum stage stage;
	struct vouch_dns *dns;		/* the budget in front of the caller's */
	struct vouch_verdict_options opts;	/* strings copied below */
	char *authserv_id;
	char reject[REPLY_MAX], tempfail[REPLY_MAX];
	char code[4], xcode[16], reason[512];
	const char *text;
	char *mail_from;		/* normalized domain, or NULL */
	struct vouch_spf_eval *spf, *spf_helo;
	struct vouch_dkim_verify *dkim;
	struct vouch_msg *from;		/* the From fields, copied */
	struct vouch_dmarc_eval *dmarc;
	struct vouch_dmarc_dkim *dkres;
	char *authres;
};

/* "CODE X.Y.Z text": a cls-xx code, the same class in the enhanced code
 * (RFC 3463 2), printable text without line ends. */
static int
reply_ok(const char *r, char cls)
{
	size_t i, dots = 0, digits = 1;	/* r[4], the class, is one */

	if (strlen(r) < 11 || r[0] != cls || r[1] < '0' || r[1] > '9' ||
	    r[2] < '0' || r[2] > '9' || r[3] != ' ' || r[4] != cls)
		return 0;
	for (i = 5; r[i] != ' '; i++) {
		if (r[i] == '.') {
			if (digits == 0 || digits > 3)
				return 0;
			dots++;
			digits = 0;
		} else if (r[i] >= '0' && r[i] <= '9')
			digits++;
		else
			return 0;
	}
	if (dots != 2 || digits == 0 || digits > 3 || r[i + 1] == '\0')
		return 0;
	for (i++; r[i] != '\0'; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			return 0;
	return 1;
}

static int
check_options(struct vouch_verdict_ctx *c, const struct vouch_verdict_options
    *o, struct vouch_error *err)
{
	const char *rej = o->reject_reply ? o->reject_reply :
	    VOUCH_VERDICT_REJECT_REPLY;
	const char *tmp = o->tempfail_reply ? o->tempfail_reply :
	    VOUCH_VERDICT_TEMPFAIL_REPLY;

	if (o->authserv_id == NULL || *o->authserv_id == '\0')
		return vouch__error(err, VOUCH_EINVAL, 0, "no authserv-id for "
		    "Authentication-Results");
	if (!reply_ok(rej, '5') || strlen(rej) >= REPLY_MAX)
		return vouch__error(err, VOUCH_EINVAL, 0, "reject reply \"%.80s"
		    "\" is not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)",
		    rej);
	if (!reply_ok(tmp, '4') || strlen(tmp) >= REPLY_MAX)
		return vouch__error(err, VOUCH_EINVAL, 0, "tempfail reply "
		    "\"%.80s\" is not \"4xx 4.x.x text\" (RFC 5321 4.2, RFC "
		    "3463)", tmp);
	memcpy(c->reject, rej, strlen(rej) + 1);
	memcpy(c->tempfail, tmp, strlen(tmp) + 1);
	c->opts = *o;
	if ((c->authserv_id = vouch__strdup(o->authserv_id)) == NULL)
		return VOUCH_ENOMEM;
	c->opts.authserv_id = c->authserv_id;
	c->opts.reject_reply = c->reject;
	c->opts.tempfail_reply = c->tempfail;
	return 0;
}

static int
run_spf(struct vouch_verdict_ctx *c, const struct vouch_verdict_envelope
    *env)
{
	struct vouch_spf_request rq;
	const char *at;
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.ip = env->ip;
	rq.mail_from = env->mail_from;
	rq.helo = env->helo;
	rq.receiver = env->receiver;
	rq.now = c->opts.dkim.now != 0 ? c->opts.dkim.now :
	    (int64_t)time(NULL);
	rq.identity = VOUCH_SPF_MAILFROM;
	if ((rc = vouch_spf_check(c->dns, &rq, &c->opts.spf, &c->spf)) != 0)
		return rc;
	if (env->helo != NULL && *env->helo != '\0') {
		rq.identity = VOUCH_SPF_HELO;
		if ((rc = vouch_spf_check(c->dns, &rq, &c->opts.spf,
		    &c->spf_helo)) != 0)
			return rc;
	}
	/* DMARC aligns the MAIL FROM identity, never the HELO check; for
	 * the null reverse-path that identity is postmaster@HELO (RFC 7208
	 * 2.4, RFC 9989 3.2.4). */
	if (env->mail_from != NULL && *env->mail_from != '\0') {
		if ((at = strrchr(env->mail_from, '@')) != NULL &&
		    at[1] != '\0' &&
		    (c->mail_from = vouch__strdup(at + 1)) == NULL)
			return VOUCH_ENOMEM;
	} else if (env->helo != NULL && *env->helo != '\0' &&
	    (c->mail_from = vouch__strdup(env->helo)) == NULL)
		return VOUCH_ENOMEM;
	return 0;
}

int
vouch_verdict_new(struct vouch_dns *dns,
    const struct vouch_verdict_options *opts,
    const struct vouch_verdict_envelope *env,
    struct vouch_verdict_ctx **out, struct vouch_error *err)
{
	struct vouch_verdict_ctx *c;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (dns == NULL || opts == NULL || env == NULL || out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "vouch_verdict_new: "
		    "missing argument");
	if ((c = vouch__calloc(1, sizeof(*c))) == NULL)
		return VOUCH_ENOMEM;
	if ((rc = check_options(c, opts, err)) != 0)
		goto fail;
	rc = vouch_dns_budget_new(dns, opts->dns_queries ? opts->dns_queries :
	    VOUCH_VERDICT_DNS_QUERIES, opts->dns_ms ? opts->dns_ms :
	    VOUCH_VERDICT_DNS_MS, &c->dns);
	if (rc == 0)
		rc = vouch_msg_new(NULL, &c->from);
	if (rc == 0)
		rc = vouch_dkim_verify_new(c->dns, &c->opts.dkim, &c->dkim);
	if (rc == 0)
		rc = run_spf(c, env);
	if (rc != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	vouch_verdict_free(c);
	if (rc == VOUCH_ENOMEM || (err != NULL && err->code != 0))
		return rc;
	return vouch__error(err, rc, 0, "verdict: %s", vouch_strerror(rc));
}

int
vouch_verdict_header(struct vouch_verdict_ctx *c, const struct vouch_msg *msg,
    struct vouch_error *err)
{
	const struct vouch_msg_field *f;
	size_t i, n;
	int rc;

	if (c == NULL || msg == NULL || c->stage != STAGE_NEW)
		return vouch__error(err, VOUCH_EINVAL, 0, "vouch_verdict_header"
		    ": called out of order");
	c->stage = STAGE_HEADER;
	n = vouch_msg_count(msg);
	for (i = 0; i < n; i++) {
		f = vouch_msg_field(msg, i);
		if (f->name_len != 4 || !vouch__memcaseeq(f->name, 4, "from"))
			continue;
		rc = vouch_msg_add_field(c->from, f->name, f->name_len,
		    f->value, f->value_len, err);
		if (rc != 0)
			return rc;
	}
	return vouch_dkim_verify_header(c->dkim, msg);
}

int
vouch_verdict_body(struct vouch_verdict_ctx *c, const void *data, size_t len)
{
	if (c == NULL || c->stage != STAGE_HEADER)
		return VOUCH_EINVAL;
	return vouch_dkim_verify_body(c->dkim, data, len);
}

static int
run_dmarc(struct vouch_verdict_ctx *c, struct vouch_error *err)
{
	struct vouch_dmarc_request rq;
	size_t i, n = vouch_dkim_verify_count(c->dkim);
	const struct vouch_dkim_sig *g;

	if ((c->dkres = vouch__calloc(n + 1, sizeof(*c->dkres))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(c->dkim, i);
		c->dkres[i].domain = g->domain;
		c->dkres[i].selector = g->selector;
		c->dkres[i].result = g->result;
	}
	memset(&rq, 0, sizeof(rq));
	rq.msg = c->from;
	rq.spf = c->spf->result;
	rq.spf_domain = c->mail_from;
	rq.dkim = c->dkres;
	rq.ndkim = n;
	return vouch_dmarc_check(c->dns, &rq, &c->opts.dmarc, &c->dmarc, err);
}

static int
build_authres(struct vouch_verdict_ctx *c)
{
	struct vouch_authres_builder *b = NULL;
	const struct vouch_dmarc_eval *d = c->dmarc;
	size_t i, n = vouch_dkim_verify_count(c->dkim);
	int rc;

	if ((rc = vouch_authres_builder_new(c->authserv_id, &b)) != 0)
		return rc;
	rc = vouch_authres_builder_add(b, c->spf->authres);
	/* With the null reverse-path both checks are of the HELO name. */
	if (rc == 0 && c->spf_helo != NULL &&
	    strcmp(c->spf_helo->authres, c->spf->authres) != 0)
		rc = vouch_authres_builder_add(b, c->spf_helo->authres);
	for (i = 0; i < n && rc == 0; i++)
		rc = vouch_authres_builder_add(b,
		    vouch_dkim_verify_get(c->dkim, i)->authres);
	if (rc == 0 && n == 0)
		rc = vouch_authres_builder_add(b, "dkim=none");
	/* One dmarc= per author domain, but never a "dmarc=pass" for one
	 * of several that disagree: that would be a pass from a subset
	 * (SECURITY.md).  The deciding author is always among those
	 * written. */
	for (i = 0; i < d->nauthors && rc == 0; i++)
		if (d->result == VOUCH_DMARC_PASS ||
		    d->authors[i].result != VOUCH_DMARC_PASS)
			rc = vouch_authres_builder_add(b,
			    d->authors[i].authres);
	if (rc == 0 && d->nauthors == 0)
		rc = vouch_authres_builder_add(b, d->authres);
	if (rc == 0)
		rc = vouch_authres_builder_finish(b, &c->authres);
	vouch_authres_builder_free(b);
	return rc;
}

/* Split "CODE X.Y.Z text" (checked at new) into the verdict. */
static void
set_reply(struct vouch_verdict_ctx *c, const char *r)
{
	const char *sp = strchr(r + 4, ' ');

	memcpy(c->code, r, 3);
	c->code[3] = '\0';
	(void)snprintf(c->xcode, sizeof(c->xcode), "%.*s",
	    (int)(sp - (r + 4)), r + 4);
	c->pub.smtp_reply = r;
	c->pub.smtp_code = c->code;
	c->pub.smtp_xcode = c->xcode;
	c->pub.smtp_text = sp + 1;
}

static void
decide(struct vouch_verdict_ctx *c)
{
	const struct vouch_dmarc_eval *d = c->dmarc;
	const char *from = d->from_domain ? d->from_domain : "(none)";

	c->pub.action = VOUCH_VERDICT_ACCEPT;
	if (d->result == VOUCH_DMARC_FAIL &&
	    d->disposition == VOUCH_DMARC_POLICY_REJECT) {
		c->pub.action = VOUCH_VERDICT_REJECT;
		set_reply(c, c->reject);
	} else if (d->result == VOUCH_DMARC_FAIL &&
	    d->disposition == VOUCH_DMARC_POLICY_QUARANTINE)
		c->pub.action = VOUCH_VERDICT_QUARANTINE;
	else if (d->result == VOUCH_DMARC_TEMPERROR && !c->opts.no_tempfail) {
		c->pub.action = VOUCH_VERDICT_TEMPFAIL;
		set_reply(c, c->tempfail);
	}
	/* "ACTION: dmarc=RESULT for FROM (REASON)", cut to the buffer */
	(void)vouch__strlcpy(c->reason, vouch_verdict_action_name(
	    c->pub.action), sizeof(c->reason));
	(void)vouch__strlcat(c->reason, ": dmarc=", sizeof(c->reason));
	(void)vouch__strlcat(c->reason, vouch_dmarc_result_name(d->result),
	    sizeof(c->reason));
	(void)vouch__strlcat(c->reason, " for ", sizeof(c->reason));
	(void)vouch__strlcat(c->reason, from, sizeof(c->reason));
	(void)vouch__strlcat(c->reason, " (", sizeof(c->reason));
	(void)vouch__strlcat(c->reason, d->reason, sizeof(c->reason));
	(void)vouch__strlcat(c->reason, ")", sizeof(c->reason));
	c->pub.reason = c->reason;
}

int
vouch_verdict_finish(struct vouch_verdict_ctx *c,
    const struct vouch_verdict **out, struct vouch_error *err)
{
	int rc;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL || c->stage != STAGE_HEADER)
		return vouch__error(err, VOUCH_EINVAL, 0, "vouch_verdict_finish"
		    ": called out of order");
	c->stage = STAGE_DONE;
	if ((rc = vouch_dkim_verify_finish(c->dkim)) != 0 ||
	    (rc = run_dmarc(c, err)) != 0 || (rc = build_authres(c)) != 0)
		return rc;
	decide(c);
	c->pub.spf = c->spf;
	c->pub.spf_helo = c->spf_helo;
	c->pub.dkim = c->dkim;
	c->pub.dmarc = c->dmarc;
	c->pub.authres = c->authres;
	vouch_dns_budget_stats(c->dns, &c->pub.dns_queries, &c->pub.dns_ms,
	    &c->pub.dns_budget_spent);
	*out = &c->pub;
	return 0;
}

void
vouch_verdict_free(struct vouch_verdict_ctx *c)
{
	if (c == NULL)
		return;
	vouch_dmarc_eval_free(c->dmarc);
	vouch__free(c->dkres);
	vouch_dkim_verify_free(c->dkim);
	vouch_spf_eval_free(c->spf);
	vouch_spf_eval_free(c->spf_helo);
	vouch_msg_free(c->from);
	vouch_dns_free(c->dns);
	vouch__free(c->mail_from);
	vouch__free(c->authserv_id);
	free(c->authres);
	vouch__free(c);
}

const char *
vouch_verdict_action_name(enum vouch_verdict_action a)
{
	switch (a) {
	case VOUCH_VERDICT_ACCEPT:
		return "accept";
	case VOUCH_VERDICT_QUARANTINE:
		return "quarantine";
	case VOUCH_VERDICT_REJECT:
		return "reject";
	case VOUCH_VERDICT_TEMPFAIL:
		return "tempfail";
	}
	return "accept";
}
