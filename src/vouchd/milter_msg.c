/*
 * milter_msg.c - the end of a message (see milter.h): the refusal, the
 * internal-error fail-safe, the signatures, or the verdict's action with
 * its Authentication-Results field; then one log line and the counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dmarc.h>
#include <vouch/spf.h>

#include "log.h"
#include "milter_int.h"

struct outcome {
	enum vouch_verdict_action action;
	const char *would;	/* monitor mode: the action not taken */
	char reply[640];	/* the SMTP reply given, or "" */
	const struct vouch_verdict *v;
	int dmarc;		/* enum vouch_dmarc_result, or -1 */
	int bad_from;		/* not exactly one usable From */
};

int
vouchd__msg_decided(const struct vouchd_conn *c)
{
	const struct vmsg *m = &c->m;

	if (m->refused != REFUSE_NONE)
		return 1;
	if (m->failed)
		return c->snap->conf->on_internal_error;
	return m->sign && m->signer == NULL && m->nours == 0;
}

/* Remove the Authentication-Results fields that claim our authserv-id,
 * the last first so that the numbers of the others do not move. */
static int
delete_ours(struct vouchd_conn *c, const struct vouchd_mta *mta)
{
	struct vmsg *m = &c->m;

	/* nours counts down: a later retry never removes one twice. */
	for (; m->nours > 0; m->nours--)
		if (mta->delete_header(mta->arg, VOUCHD_AR_NAME,
		    (unsigned)m->ours[m->nours - 1]) != 0) {
			vouchd__msg_fail(c, "MTA refused to remove "
			    "Authentication-Results", NULL, VOUCH_EIO);
			return -1;
		}
	return 0;
}

/* The SMTP reply for a reject or tempfail; a reply the MTA refuses
 * leaves it its own text for the same status. */
static void
give(struct outcome *o, const struct vouchd_mta *mta, const char *code,
    const char *xcode, const char *text)
{
	(void)snprintf(o->reply, sizeof(o->reply), "%s %s %.600s", code,
	    xcode, text);
	(void)mta->reply(mta->arg, code, xcode, text);
}

static enum vouchd_status
refuse(struct vouchd_conn *c, const struct vouchd_mta *mta,
    struct outcome *o)
{
	vouchd_metrics_count(c->st->metrics, VOUCHD_COUNT_HEADER_REFUSED);
	o->action = VOUCH_VERDICT_REJECT;
	if (c->m.refused == REFUSE_TOO_BIG)
		give(o, mta, VOUCHD_REPLY_TOO_BIG_CODE,
		    VOUCHD_REPLY_TOO_BIG_XCODE, VOUCHD_REPLY_TOO_BIG_TEXT);
	else
		give(o, mta, VOUCHD_REPLY_MALFORMED_CODE,
		    VOUCHD_REPLY_MALFORMED_XCODE, VOUCHD_REPLY_MALFORMED_TEXT);
	return VOUCHD_REJECT;
}

/* OnInternalError: tempfail (the default) or accept unchanged, still
 * without forged Authentication-Results when they are known. */
static enum vouchd_status
internal(struct vouchd_conn *c, const struct vouchd_mta *mta,
    struct outcome *o)
{
	vouchd_metrics_count(c->st->metrics, VOUCHD_COUNT_ERRORS);
	if (c->snap->conf->on_internal_error) {
		o->action = VOUCH_VERDICT_TEMPFAIL;
		give(o, mta, VOUCHD_REPLY_INTERNAL_CODE,
		    VOUCHD_REPLY_INTERNAL_XCODE, VOUCHD_REPLY_INTERNAL_TEXT);
		return VOUCHD_TEMPFAIL;
	}
	o->action = VOUCH_VERDICT_ACCEPT;
	(void)delete_ours(c, mta);
	return VOUCHD_ACCEPT;
}

static int
quarantine(struct vouchd_conn *c, const struct vouchd_mta *mta,
    const struct vouch_verdict *v)
{
	const struct vouchd_conf *conf = c->snap->conf;
	char text[512];
	int rc = 0;

	/* The domain passed DMARC's domain-name checks: no line ends. */
	(void)snprintf(text, sizeof(text), " DMARC policy quarantine "
	    "(header.from=%s)", v->dmarc->from_domain ?
	    v->dmarc->from_domain : "unknown");
	if (conf->quarantine == VOUCHD_QUARANTINE_HOLD)
		rc = mta->quarantine(mta->arg, text + 1);
	else if (conf->quarantine == VOUCHD_QUARANTINE_HEADER)
		rc = mta->insert_header(mta->arg, 0, conf->quarantine_header,
		    text);
	if (rc != 0)
		vouchd__msg_fail(c, "MTA refused the quarantine", NULL,
		    VOUCH_EIO);
	return rc;
}

/* The verdict's action, made stricter for an unusable From, softened
 * in monitor mode. */
static void
decide(const struct vouchd_conn *c, struct outcome *o,
    const struct vouch_verdict *v)
{
	o->v = v;
	o->dmarc = (int)v->dmarc->result;
	o->action = v->action;
	/* No author domain, or several From fields: never a pass
	 * (SECURITY.md), and not a message RFC 5322 allows. */
	o->bad_from = c->m.nfrom != 1 || v->dmarc->from_domain == NULL;
	if (o->bad_from)
		o->action = VOUCH_VERDICT_REJECT;
	if (!c->snap->conf->reject_enabled && o->action !=
	    VOUCH_VERDICT_ACCEPT) {
		o->would = vouch_verdict_action_name(o->action);
		o->action = VOUCH_VERDICT_ACCEPT;
	}
}

static enum vouchd_status
verify(struct vouchd_conn *c, const struct vouchd_mta *mta,
    struct outcome *o)
{
	struct vouch_error err = {0, 0, ""};
	const struct vouch_verdict *v;
	char *ar;
	int rc;

	if ((rc = vouch_verdict_finish(c->m.verdict, &v, &err)) != 0) {
		vouchd__msg_fail(c, "verdict", &err, rc);
		return VOUCHD_TEMPFAIL;
	}
	decide(c, o, v);
	if (o->action == VOUCH_VERDICT_REJECT && o->bad_from) {
		give(o, mta, VOUCHD_REPLY_FROM_CODE, VOUCHD_REPLY_FROM_XCODE,
		    VOUCHD_REPLY_FROM_TEXT);
		return VOUCHD_REJECT;
	}
	if (o->action == VOUCH_VERDICT_REJECT ||
	    o->action == VOUCH_VERDICT_TEMPFAIL) {
		give(o, mta, v->smtp_code, v->smtp_xcode, v->smtp_text);
		return o->action == VOUCH_VERDICT_REJECT ? VOUCHD_REJECT :
		    VOUCHD_TEMPFAIL;
	}
	if (delete_ours(c, mta) != 0 || (o->action ==
	    VOUCH_VERDICT_QUARANTINE && quarantine(c, mta, v) != 0))
		return VOUCHD_TEMPFAIL;
	/* Ours goes on top (RFC 8601 5: above every field it covers). */
	if ((ar = vouchd__hdr_value(v->authres, strlen(v->authres))) == NULL) {
		vouchd__msg_fail(c, "Authentication-Results", NULL,
		    VOUCH_ENOMEM);
		return VOUCHD_TEMPFAIL;
	}
	rc = mta->insert_header(mta->arg, 0, VOUCHD_AR_NAME, ar);
	free(ar);
	if (rc != 0) {
		vouchd__msg_fail(c, "MTA refused Authentication-Results", NULL,
		    VOUCH_EIO);
		return VOUCHD_TEMPFAIL;
	}
	return VOUCHD_ACCEPT;
}

static enum vouchd_status
sign(struct vouchd_conn *c, const struct vouchd_mta *mta, struct outcome *o)
{
	o->action = VOUCH_VERDICT_ACCEPT;
	if (vouchd__sign_finish(c, mta) != 0 || delete_ours(c, mta) != 0)
		return VOUCHD_TEMPFAIL;
	return VOUCHD_ACCEPT;
}

/* ---- the log line ---------------------------------------------------------- */

static void
log_verdict(struct vouchd_line *l, const struct vouchd_conn *c,
    const struct vouch_verdict *v, int why)
{
	unsigned ms;
	int spent;

	const struct vouch_dkim_sig *g;
	char tmp[600];
	size_t i, n = vouch_dkim_verify_count(v->dkim);

	vouchd_line_put(l, "spf", vouch_spf_result_name(v->spf->result));
	if (v->spf_helo != NULL)
		vouchd_line_put(l, "spf_helo",
		    vouch_spf_result_name(v->spf_helo->result));
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(v->dkim, i);
		(void)snprintf(tmp, sizeof(tmp), "%s:%s:%s",
		    vouch_dkim_result_name(g->result), g->domain ? g->domain :
		    "-", g->selector ? g->selector : "-");
		vouchd_line_put(l, "dkim", tmp);
		if (why)
			vouchd_line_quote(l, "dkim_why", g->reason);
	}
	if (n == 0)
		vouchd_line_put(l, "dkim", "none");
	vouchd_line_put(l, "dmarc", vouch_dmarc_result_name(
	    v->dmarc->result));
	vouchd_line_put(l, "policy", vouch_dmarc_policy_name(
	    v->dmarc->requested));
	if (why) {
		vouchd_line_quote(l, "spf_why", v->spf->explanation);
		vouchd_line_quote(l, "reason", v->reason);
	}
	ms = vouchd__dns_ms(c->m.qtime, &spent);
	vouchd_line_add(l, " dns=%u/%ums%s", v->dns_queries, ms,
	    v->dns_budget_spent || spent ? "/budget-spent" : "");
}

static void
log_message(struct vouchd_conn *c, const char *qid, const struct outcome *o)
{
	const struct vmsg *m = &c->m;
	const struct vouch_verdict *v = o->v;
	int why = c->snap->conf->log_why;
	struct vouchd_line l;

	vouchd_line_init(&l);
	vouchd_line_put(&l, "qid", qid != NULL && *qid ? qid : NULL);
	vouchd_line_put(&l, "client", c->host[0] ? c->host : NULL);
	vouchd_line_put(&l, "ip", c->ip_text);
	if (c->daemon[0] != '\0')
		vouchd_line_put(&l, "daemon", c->daemon);
	vouchd_line_put(&l, "mode", m->sign ? "sign" : "verify");
	if (m->auth)
		vouchd_line_put(&l, "auth", "yes");
	vouchd_line_put(&l, "mail_from", m->mail_from && *m->mail_from ?
	    m->mail_from : "<>");
	vouchd_line_put(&l, "from", v != NULL ? v->dmarc->from_domain :
	    m->from_domain[0] ? m->from_domain : NULL);
	if (v != NULL)
		log_verdict(&l, c, v, why);
	if (m->sign && !m->failed && m->refused == REFUSE_NONE)
		vouchd_line_put(&l, "signed", m->signer ? m->signed_with :
		    "none");
	if (m->sign && m->signer == NULL && why && m->signed_with[0])
		vouchd_line_quote(&l, "sign_why", m->signed_with);
	vouchd_line_put(&l, "action", vouch_verdict_action_name(o->action));
	if (o->would != NULL)
		vouchd_line_put(&l, "monitor", o->would);
	if (o->reply[0] != '\0')
		vouchd_line_quote(&l, "reply", o->reply);
	if (m->refused != REFUSE_NONE)
		vouchd_line_quote(&l, "refused", m->why);
	else if (m->failed)
		vouchd_line_quote(&l, "error", m->why);
	vouchd_line_add(&l, " ms=%ld", vouchd_ms_since(&m->start));
	vouchd_log(m->failed ? LOG_WARNING : LOG_INFO, "%s", l.buf + 1);
}

enum vouchd_status
vouchd__msg_finish(struct vouchd_conn *c, const struct vouchd_mta *mta,
    const char *qid)
{
	struct vouchd_metrics_msg mm;
	struct outcome o;
	enum vouchd_status st = VOUCHD_TEMPFAIL;
	int spent;

	memset(&o, 0, sizeof(o));
	o.dmarc = -1;
	if (c->m.refused != REFUSE_NONE)
		st = refuse(c, mta, &o);
	else if (!c->m.failed)
		st = c->m.sign ? sign(c, mta, &o) : verify(c, mta, &o);
	if (c->m.refused == REFUSE_NONE && c->m.failed) {
		o.v = NULL;
		o.would = NULL;
		o.reply[0] = '\0';
		st = internal(c, mta, &o);
	}
	log_message(c, qid, &o);
	memset(&mm, 0, sizeof(mm));
	mm.action = (int)o.action;
	mm.dmarc = o.v != NULL ? o.dmarc : -1;
	mm.signed_msg = c->m.signer != NULL && o.action ==
	    VOUCH_VERDICT_ACCEPT && !c->m.failed;
	if (o.v != NULL) {
		mm.dns_queries = o.v->dns_queries;
		mm.dns_ms = vouchd__dns_ms(c->m.qtime, &spent);
	}
	vouchd_metrics_message(c->st->metrics, &mm);
	vouchd__msg_reset(c);
	return st;
}
