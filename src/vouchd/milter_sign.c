/*
 * milter_sign.c - signing mail from inside (see milter.h): the From
 * address picks the SigningTable rule; each of its keys makes one
 * DKIM-Signature (RSA + Ed25519 in one pass over the body), put on top
 * of the header section at the end of the message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter_int.h"

#define SIGNERS_MAX 8		/* what vouch_dkim_sign_new() takes */
#define ADDRESS_MAX 512

char *
vouchd__hdr_value(const char *value, size_t len)
{
	size_t i, n = 0;
	char *out;

	while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == '\r'))
		len--;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (value[i] != '\r')
			out[n++] = value[i];
	out[n] = '\0';
	return out;
}

/* The first address of the one From field, lower case, into addr; its
 * domain into domain.  -1 with why when there is none to sign for. */
static int
from_address(const struct vouch_msg *msg, char *addr, size_t alen,
    char *domain, size_t dlen, char *why, size_t whylen)
{
	struct vouch_error err = {0, 0, ""};
	const struct vouch_msg_field *f;
	struct vouch_addr_list *list = NULL;
	size_t i, n = vouch_msg_count_named(msg, "From");
	int w, rc = -1;

	if (n != 1) {
		(void)snprintf(why, whylen, "%zu From fields", n);
		return -1;
	}
	f = vouch_msg_field(msg, vouch_msg_find(msg, "From", 0));
	if (vouch_addr_parse(f->value, f->value_len, &list, &err) != 0)
		(void)snprintf(why, whylen, "From: %.400s", err.msg);
	else if (list->count == 0 || list->addr[0].literal)
		(void)snprintf(why, whylen, "From has no address with a domain");
	else {
		w = snprintf(addr, alen, "%s@%s", list->addr[0].local,
		    list->addr[0].domain);
		(void)snprintf(domain, dlen, "%s", list->addr[0].domain);
		if (w > 0 && (size_t)w < alen)
			rc = 0;
		else
			(void)snprintf(why, whylen, "From address too long");
	}
	vouch_addr_list_free(list);
	for (i = 0; rc == 0 && addr[i] != '\0'; i++)
		addr[i] = (char)tolower((unsigned char)addr[i]);
	return rc;
}

static void
note_signers(struct vmsg *m, const struct vouch_dkim_signer *specs,
    size_t n)
{
	size_t i, len = 0;
	int w;

	m->signed_with[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(m->signed_with + len, sizeof(m->signed_with) - len,
		    "%s%s/%s", i ? "," : "", specs[i].domain,
		    specs[i].selector);
		if (w < 0 || (size_t)w >= sizeof(m->signed_with) - len)
			return;
		len += (size_t)w;
	}
}

void
vouchd__sign_start(struct vouchd_conn *c)
{
	struct vouchd_snap *snap = c->snap;
	struct vouch_dkim_signer specs[SIGNERS_MAX];
	struct vouch_error err = {0, 0, ""};
	const struct vouchd_sign_rule *rule;
	struct vmsg *m = &c->m;
	char addr[ADDRESS_MAX];
	size_t i, n;
	int rc;

	if (from_address(m->msg, addr, sizeof(addr), m->from_domain,
	    sizeof(m->from_domain), m->signed_with,
	    sizeof(m->signed_with)) != 0)
		return;
	rule = vouchd_conf_signing(snap->conf, addr);
	if (rule == NULL || rule->nkeys == 0) {
		(void)snprintf(m->signed_with, sizeof(m->signed_with),
		    "no SigningTable entry");
		return;
	}
	n = rule->nkeys < SIGNERS_MAX ? rule->nkeys : SIGNERS_MAX;
	memset(specs, 0, sizeof(specs));
	for (i = 0; i < n; i++) {
		specs[i].key = rule->keys[i]->key;
		specs[i].domain = rule->keys[i]->domain;
		specs[i].selector = rule->keys[i]->selector;
	}
	if ((rc = vouch_dkim_sign_new(specs, n, 0, &m->signer, &err)) != 0) {
		vouchd__msg_fail(c, "signing keys", &err, rc);
		return;
	}
	if ((rc = vouch_dkim_sign_header(m->signer, m->msg, &err)) != 0) {
		/* The message is at fault (vouch_dkim_sign_header() says
		 * why): it leaves unsigned. */
		(void)snprintf(m->signed_with, sizeof(m->signed_with),
		    "not signed: %.400s", err.msg);
		vouch_dkim_sign_free(m->signer);
		m->signer = NULL;
		return;
	}
	note_signers(m, specs, n);
}

int
vouchd__sign_finish(struct vouchd_conn *c, const struct vouchd_mta *mta)
{
	struct vouch_error err = {0, 0, ""};
	struct vmsg *m = &c->m;
	const char *field, *colon;
	char *value;
	size_t i;
	int rc;

	if (m->signer == NULL)
		return 0;
	if ((rc = vouch_dkim_sign_finish(m->signer, &err)) != 0) {
		vouchd__msg_fail(c, "signing", &err, rc);
		return -1;
	}
	/* The last first, so that the first ends on top. */
	for (i = vouch_dkim_sign_count(m->signer); i-- > 0;) {
		field = vouch_dkim_sign_field(m->signer, i);
		if (field == NULL || (colon = strchr(field, ':')) == NULL ||
		    (value = vouchd__hdr_value(colon + 1, strlen(colon + 1))) ==
		    NULL) {
			vouchd__msg_fail(c, "signing", NULL, VOUCH_ENOMEM);
			return -1;
		}
		rc = mta->insert_header(mta->arg, 0, VOUCHD_SIG_NAME, value);
		free(value);
		if (rc != 0) {
			vouchd__msg_fail(c, "MTA refused DKIM-Signature", NULL,
			    VOUCH_EIO);
			return -1;
		}
	}
	return 0;
}
