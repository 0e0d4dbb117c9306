/*
 * audit_finding.c - the finding codes of the domain audit with their area
 * and severity (docs/domain.md explains each with its RFC), adding a
 * finding, and the TXT lookups several areas share.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit_int.h"

#define S VOUCH_AUDIT_SPF
#define D VOUCH_AUDIT_DMARC
#define K VOUCH_AUDIT_DKIM
#define M VOUCH_AUDIT_MX
#define B VOUCH_AUDIT_BIMI
#define T VOUCH_AUDIT_MTA_STS
#define R VOUCH_AUDIT_TLS_RPT
#define I_ VOUCH_AUDIT_INFO
#define W_ VOUCH_AUDIT_WARNING
#define E_ VOUCH_AUDIT_ERROR

static const struct audit_code codes[] = {
	{"spf-none", S, W_},
	{"spf-several-records", S, E_},
	{"spf-syntax", S, E_},
	{"spf-too-many-lookups", S, E_},
	{"spf-too-many-void-lookups", S, E_},
	{"spf-plus-all", S, E_},
	{"spf-neutral-all", S, W_},
	{"spf-no-all", S, W_},
	{"spf-ptr", S, W_},
	{"spf-type99", S, W_},
	{"spf-include-nxdomain", S, E_},
	{"spf-include-no-record", S, E_},
	{"spf-include-loop", S, E_},
	{"spf-range-too-broad", S, W_},
	{"spf-string-too-long", S, E_},
	{"spf-udp-too-big", S, W_},
	{"spf-terms-after-all", S, I_},
	{"spf-redirect-ignored", S, I_},
	{"spf-dns-error", S, W_},
	{"spf-permerror", S, E_},

	{"dmarc-none", D, W_},
	{"dmarc-several-records", D, E_},
	{"dmarc-dns-error", D, W_},
	{"dmarc-inherited", D, I_},
	{"dmarc-syntax", D, E_},
	{"dmarc-duplicate-tag", D, W_},
	{"dmarc-invalid-value", D, E_},
	{"dmarc-missing-p", D, W_},
	{"dmarc-removed-tag", D, W_},
	{"dmarc-unknown-tag", D, I_},
	{"dmarc-invalid-uri", D, W_},
	{"dmarc-obsolete-size", D, I_},
	{"dmarc-not-mailto", D, W_},
	{"dmarc-ignored", D, E_},
	{"dmarc-read-as-none", D, W_},
	{"dmarc-no-rua", D, W_},
	{"dmarc-p-none", D, W_},
	{"dmarc-sp-weaker", D, W_},
	{"dmarc-testing", D, I_},
	{"dmarc-external-unauthorized", D, W_},
	{"dmarc-rfc7489-differs", D, I_},

	{"dkim-none-found", K, I_},
	{"dkim-not-found", K, W_},
	{"dkim-several-records", K, E_},
	{"dkim-malformed", K, E_},
	{"dkim-bad-key", K, E_},
	{"dkim-ed25519-length", K, E_},
	{"dkim-key-too-short", K, E_},
	{"dkim-key-short", K, W_},
	{"dkim-key-too-large", K, W_},
	{"dkim-testing", K, W_},
	{"dkim-revoked", K, I_},
	{"dkim-sha1-only", K, E_},
	{"dkim-not-for-email", K, E_},
	{"dkim-dns-error", K, W_},

	{"mx-nxdomain", M, E_},
	{"mx-dns-error", M, W_},
	{"mx-implicit", M, W_},
	{"mx-none", M, I_},
	{"mx-null", M, I_},
	{"mx-null-with-others", M, E_},
	{"mx-null-preference", M, W_},
	{"mx-host-ip", M, E_},
	{"mx-host-no-address", M, E_},

	{"bimi-none", B, I_},
	{"bimi-several-records", B, E_},
	{"bimi-syntax", B, E_},
	{"bimi-declined", B, I_},
	{"bimi-logo-not-https", B, E_},
	{"bimi-logo-not-svg", B, W_},
	{"bimi-authority-not-https", B, E_},
	{"bimi-no-authority", B, I_},
	{"bimi-dmarc-not-enforced", B, W_},
	{"bimi-dns-error", B, W_},

	{"mta-sts-none", T, I_},
	{"mta-sts-several-records", T, E_},
	{"mta-sts-syntax", T, E_},
	{"mta-sts-not-fetched", T, I_},
	{"mta-sts-fetch-failed", T, E_},
	{"mta-sts-policy-syntax", T, E_},
	{"mta-sts-testing", T, I_},
	{"mta-sts-mode-none", T, I_},
	{"mta-sts-max-age-short", T, I_},
	{"mta-sts-mx-mismatch", T, E_},
	{"mta-sts-dns-error", T, W_},

	{"tls-rpt-none", R, I_},
	{"tls-rpt-several-records", R, E_},
	{"tls-rpt-syntax", R, E_},
	{"tls-rpt-bad-uri", R, E_},
	{"tls-rpt-dns-error", R, W_},
};

const struct audit_code *
vouch__audit_codes(size_t *n)
{
	*n = sizeof(codes) / sizeof(codes[0]);
	return codes;
}

static const struct audit_code *
find_code(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

char *
vouch__audit_strdup(struct audit_ctx *c, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = vouch__arena_strdup(c->ar, s)) == NULL)
		c->nomem = 1;
	return d;
}

char *
vouch__audit_fmt(struct audit_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vouch__arena_vfmt(c->ar, AUDIT_MSG_MAX, &c->nomem, fmt, ap);
	va_end(ap);
	return s;
}

static struct vouch_audit_finding *
slot(struct audit_ctx *c)
{
	struct vouch_audit_finding *nf;
	size_t cap;

	if (c->nf == c->capf) {
		cap = c->capf ? c->capf * 2 : 16;
		nf = vouch__arena_alloc(c->ar, cap * sizeof(*nf));
		if (nf == NULL) {
			c->nomem = 1;
			return NULL;
		}
		if (c->nf > 0)
			memcpy(nf, c->f, c->nf * sizeof(*nf));
		c->f = nf;
		c->capf = cap;
	}
	return &c->f[c->nf];
}

void
vouch__audit_add(struct audit_ctx *c, const char *code, int sev_override,
    const char *evidence, const char *fix, const char *fmt, ...)
{
	const struct audit_code *k = find_code(code);
	struct vouch_audit_finding *f;
	va_list ap;

	if (k == NULL) {
		c->internal = 1;
		return;
	}
	if (c->nf >= AUDIT_FINDINGS_MAX || (f = slot(c)) == NULL)
		return;
	f->area = k->area;
	f->severity = sev_override >= 0 ?
	    (enum vouch_audit_severity)sev_override : k->severity;
	f->code = k->code;
	va_start(ap, fmt);
	f->message = vouch__arena_vfmt(c->ar, AUDIT_MSG_MAX, &c->nomem, fmt,
	    ap);
	va_end(ap);
	f->evidence = vouch__audit_strdup(c, evidence);
	f->fix = vouch__audit_strdup(c, fix);
	c->nf++;
}

int
vouch__audit_own(const struct audit_ctx *c, const char *name)
{
	size_t nl = strlen(name), dl = strlen(c->domain);

	if (nl == dl)
		return vouch__strcaseeq(name, c->domain);
	return nl > dl && name[nl - dl - 1] == '.' &&
	    vouch__strcaseeq(name + nl - dl, c->domain);
}

int
vouch__audit_txt(struct audit_ctx *c, const char *name, const char *prefix,
    struct audit_txt *out)
{
	struct vouch_dns_answer *ans;
	const struct vouch_dns_txt *t;
	size_t i, pl = prefix ? strlen(prefix) : 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = vouch_dns_query(c->dns, name, VOUCH_DNS_TXT, &ans);
	if (rc == VOUCH_EINVAL) {
		out->status = VOUCH_DNS_NXDOMAIN;
		return 0;
	}
	if (rc != 0) {
		c->nomem = 1;
		return rc;
	}
	out->status = ans->status;
	if (ans->status == VOUCH_DNS_RETRY)
		out->reason = vouch__audit_strdup(c, ans->reason ? ans->reason :
		    "temporary DNS error");
	for (i = 0; i < ans->count; i++) {
		t = &ans->rr[i].u.txt;
		if (ans->rr[i].type != VOUCH_DNS_TXT || t->len < pl ||
		    (pl > 0 && memcmp(t->data, prefix, pl) != 0))
			continue;
		if (out->n < AUDIT_TXT_MAX) {
			out->rec[out->n] = vouch__arena_strndup(c->ar, t->data,
			    t->len);
			out->len[out->n] = t->len;
			if (out->rec[out->n] == NULL)
				c->nomem = 1;
		}
		out->n++;
	}
	vouch_dns_answer_free(ans);
	return c->nomem ? VOUCH_ENOMEM : 0;
}

const char *
vouch__audit_one(struct audit_ctx *c, const char *name, const char *prefix,
    const char *area, const char *what, const char *rfc)
{
	struct audit_txt tx;
	char code[64];

	if (vouch__audit_txt(c, name, prefix, &tx) != 0)
		return NULL;
	if (tx.status == VOUCH_DNS_RETRY) {
		snprintf(code, sizeof(code), "%s-dns-error", area);
		vouch__audit_add(c, code, -1, name, NULL, "the lookup of %s TXT "
		    "failed (%s)", name, tx.reason);
	} else if (tx.n == 0) {
		snprintf(code, sizeof(code), "%s-none", area);
		vouch__audit_add(c, code, -1, name, NULL, "no %s record at %s "
		    "(%s)", what, name, rfc);
	} else if (tx.n > 1) {
		snprintf(code, sizeof(code), "%s-several-records", area);
		vouch__audit_add(c, code, -1, name, "keep exactly one record",
		    "%s has %zu %s records: receivers use none of them (%s)",
		    name, tx.n, what, rfc);
	} else
		return tx.rec[0];
	return NULL;
}
