/*
 * milter_conn.c - a connection's events, from connect to close, fed to
 * the verdict or the signer (see milter.h).  Every event tolerates being
 * out of order: data without MAIL FROM is an internal error of the
 * message, a body before the end of the header section ends the header
 * section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/authres.h>

#include "log.h"
#include "milter_int.h"

static void
copy_text(char *dst, size_t len, const char *src)
{
	(void)snprintf(dst, len, "%s", src != NULL ? src : "");
}

struct vouchd_conn *
vouchd_conn_new(struct vouchd_state *st, const struct vouchd_conn_info *ci)
{
	struct vouchd_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->st = st;
	c->snap = vouchd_state_open(st);
	if (ci->ip != NULL) {
		c->has_ip = 1;
		c->ip = *ci->ip;
		(void)vouch_ip_unmap(&c->ip);
		if (vouch_ip_format(&c->ip, c->ip_text, sizeof(c->ip_text)) != 0)
			copy_text(c->ip_text, sizeof(c->ip_text), "?");
		c->internal = vouchd_conf_is_internal(c->snap->conf, &c->ip);
	} else {
		/* The MTA knows no address: a local submission. */
		copy_text(c->ip_text, sizeof(c->ip_text), "local");
		c->internal = 1;
	}
	copy_text(c->host, sizeof(c->host), ci->host);
	copy_text(c->daemon, sizeof(c->daemon), ci->daemon);
	copy_text(c->receiver, sizeof(c->receiver), ci->receiver != NULL &&
	    *ci->receiver != '\0' ? ci->receiver : c->snap->conf->authserv_id);
	return c;
}

void
vouchd_conn_free(struct vouchd_conn *c)
{
	if (c == NULL)
		return;
	vouchd__msg_reset(c);
	vouchd_state_close(c->st, c->snap);
	free(c);
}

void
vouchd_conn_helo(struct vouchd_conn *c, const char *helo)
{
	copy_text(c->helo, sizeof(c->helo), helo);
}

void
vouchd__msg_reset(struct vouchd_conn *c)
{
	struct vmsg *m = &c->m;

	if (m->active)
		vouchd_metrics_gauge(c->st->metrics, VOUCHD_GAUGE_INFLIGHT, -1);
	vouch_verdict_free(m->verdict);
	vouch_dns_free(m->dns);		/* after the verdict, which borrows it */
	vouch_dkim_sign_free(m->signer);
	vouch_msg_free(m->msg);
	free(m->ours);
	free(m->mail_from);
	memset(m, 0, sizeof(*m));
}

void
vouchd__msg_fail(struct vouchd_conn *c, const char *what,
    const struct vouch_error *err, int rc)
{
	struct vmsg *m = &c->m;

	if (m->failed)
		return;
	m->failed = 1;
	(void)snprintf(m->why, sizeof(m->why), "%.100s: %.400s", what,
	    err != NULL && err->msg[0] != '\0' ? err->msg :
	    vouch_strerror(rc));
}

static void
msg_begin(struct vouchd_conn *c)
{
	vouchd__msg_reset(c);
	c->m.active = 1;
	(void)clock_gettime(CLOCK_MONOTONIC, &c->m.start);
	vouchd_metrics_gauge(c->st->metrics, VOUCHD_GAUGE_INFLIGHT, 1);
}

/* Message data with no MAIL FROM before it: only a broken or hostile
 * MTA does that, and nothing can be evaluated. */
static int
msg_expect(struct vouchd_conn *c)
{
	if (c->m.done)
		return 0;
	if (!c->m.active) {
		msg_begin(c);
		vouchd__msg_fail(c, "protocol: message data before MAIL FROM",
		    NULL, VOUCH_EINVAL);
	}
	return 1;
}

static char *
strip_brackets(const char *s)
{
	size_t n = strlen(s);
	char *out;

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

enum vouchd_status
vouchd_conn_mail(struct vouchd_conn *c, const char *mail_from,
    const char *auth_authen)
{
	const struct vouchd_conf *conf = c->snap->conf;
	struct vouch_verdict_envelope env;
	struct vouch_error err = {0, 0, ""};
	struct vmsg *m = &c->m;
	int rc;

	msg_begin(c);
	m->auth = auth_authen != NULL && *auth_authen != '\0';
	m->sign = c->internal || (m->auth && conf->sign_authenticated);
	if ((m->mail_from = strip_brackets(mail_from ? mail_from : "")) ==
	    NULL) {
		vouchd__msg_fail(c, "MAIL FROM", NULL, VOUCH_ENOMEM);
		return VOUCHD_CONTINUE;
	}
	if (m->sign)
		return VOUCHD_CONTINUE;
	memset(&env, 0, sizeof(env));
	env.ip = c->ip;
	env.helo = c->helo[0] != '\0' ? c->helo : NULL;
	env.mail_from = m->mail_from;
	env.receiver = c->receiver;
	/* SPF for both identities runs here (RFC 7208 2.3, 2.4). */
	rc = vouchd__dns_new(c->st->dns, conf->dns_ms, &m->dns, &m->qtime);
	if (rc == 0)
		rc = vouch_verdict_new(m->dns, &c->snap->vopts, &env,
		    &m->verdict, &err);
	if (rc != 0)
		vouchd__msg_fail(c, "verdict", &err, rc);
	return VOUCHD_CONTINUE;
}

void
vouchd_conn_header(struct vouchd_conn *c, const char *name,
    const char *value, int add_space)
{
	struct vouch_msg_limits lim = {c->snap->conf->max_header_bytes, 0};
	struct vouch_error err = {0, 0, ""};
	struct vmsg *m = &c->m;
	size_t vlen = strlen(value);
	char *tmp = NULL;
	int rc;

	if (!msg_expect(c) || m->refused != REFUSE_NONE || m->failed)
		return;
	if (m->eoh) {
		vouchd__msg_fail(c, "protocol: a header field after the end "
		    "of the header section", NULL, VOUCH_EINVAL);
		return;
	}
	if (m->msg == NULL && (rc = vouch_msg_new(&lim, &m->msg)) != 0) {
		vouchd__msg_fail(c, "header", NULL, rc);
		return;
	}
	if (add_space) {
		if ((tmp = malloc(vlen + 2)) == NULL) {
			vouchd__msg_fail(c, "header", NULL, VOUCH_ENOMEM);
			return;
		}
		tmp[0] = ' ';
		memcpy(tmp + 1, value, vlen + 1);
		value = tmp;
		vlen++;
	}
	rc = vouch_msg_add_field(m->msg, name, strlen(name), value, vlen, &err);
	free(tmp);
	if (rc == VOUCH_ELIMIT || rc == VOUCH_ESYNTAX) {
		/* Nothing more of this header section is kept. */
		m->refused = rc == VOUCH_ELIMIT ? REFUSE_TOO_BIG :
		    REFUSE_MALFORMED;
		(void)snprintf(m->why, sizeof(m->why), "%s", err.msg);
		vouch_msg_free(m->msg);
		m->msg = NULL;
	} else if (rc != 0)
		vouchd__msg_fail(c, "header", &err, rc);
}

/* The end of the header section: hand it over, find our forged A-R. */
static void
header_done(struct vouchd_conn *c)
{
	struct vouch_error err = {0, 0, ""};
	struct vmsg *m = &c->m;
	int rc;

	m->eoh = 1;
	if (m->refused != REFUSE_NONE)
		return;
	if (m->msg == NULL && (rc = vouch_msg_new(NULL, &m->msg)) != 0) {
		vouchd__msg_fail(c, "header", NULL, rc);
		return;
	}
	m->nfrom = vouch_msg_count_named(m->msg, "From");
	rc = vouch_authres_ours(m->msg, c->snap->conf->authserv_id, &m->ours,
	    &m->nours);
	if (rc != 0)
		vouchd__msg_fail(c, "Authentication-Results", NULL, rc);
	if (!m->failed && m->sign)
		vouchd__sign_start(c);
	else if (!m->failed &&
	    (rc = vouch_verdict_header(m->verdict, m->msg, &err)) != 0)
		vouchd__msg_fail(c, "verdict", &err, rc);
	/* The verdict and the signer keep what they need. */
	vouch_msg_free(m->msg);
	m->msg = NULL;
}

enum vouchd_status
vouchd_conn_eoh(struct vouchd_conn *c, const struct vouchd_mta *mta,
    const char *qid)
{
	enum vouchd_status st;

	if (!msg_expect(c))
		return c->m.final;
	if (!c->m.eoh)
		header_done(c);
	if (!vouchd__msg_decided(c))
		return VOUCHD_CONTINUE;
	st = vouchd__msg_finish(c, mta, qid);
	/* The MTA may still send the body and EOM: answer them alike. */
	c->m.done = 1;
	c->m.final = st;
	return st;
}

void
vouchd_conn_body(struct vouchd_conn *c, const void *data, size_t len)
{
	struct vmsg *m = &c->m;
	int rc = 0;

	if (!msg_expect(c))
		return;
	if (!m->eoh)
		header_done(c);
	if (m->failed || m->refused != REFUSE_NONE)
		return;
	if (m->verdict != NULL)
		rc = vouch_verdict_body(m->verdict, data, len);
	else if (m->signer != NULL)
		rc = vouch_dkim_sign_body(m->signer, data, len);
	if (rc != 0)
		vouchd__msg_fail(c, "body", NULL, rc);
}

enum vouchd_status
vouchd_conn_eom(struct vouchd_conn *c, const struct vouchd_mta *mta,
    const char *qid)
{
	enum vouchd_status st;

	if (!msg_expect(c)) {
		/* Decided at EOH; the MTA still ends the message. */
		st = c->m.final;
		vouchd__msg_reset(c);
		return st;
	}
	if (!c->m.eoh)
		header_done(c);
	return vouchd__msg_finish(c, mta, qid);
}

void
vouchd_conn_abort(struct vouchd_conn *c)
{
	vouchd__msg_reset(c);
}
