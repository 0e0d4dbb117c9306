/*
 * audit_mx.c - the MX records (RFC 5321 5.1, RFC 7505 null MX), the BIMI
 * assertion record at default._bimi (draft-brand-indicators-for-message-
 * identification 4) and the TLS-RPT record at _smtp._tls (RFC 8460 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

/* ---- MX ----------------------------------------------------------------- */

static int
mx_cmp(const void *x, const void *y)
{
	const struct vouch_audit_mx *a = x, *b = y;

	if (a->preference != b->preference)
		return a->preference < b->preference ? -1 : 1;
	return strcmp(a->host, b->host);
}

/* Does name end in an all-digit label, as an address written as a name
 * does (RFC 3696 2: no top-level domain is all digits)? */
static int
looks_like_ip(const char *name)
{
	const char *last = strrchr(name, '.');

	last = last ? last + 1 : name;
	return *last != '\0' && strspn(last, "0123456789") == strlen(last);
}

/* Status of the A and AAAA lookups of name: FOUND if either has one. */
static int
address(struct audit_ctx *c, const char *name, enum vouch_dns_status *st)
{
	static const uint16_t types[] = { VOUCH_DNS_A, VOUCH_DNS_AAAA };
	struct vouch_dns_answer *ans;
	size_t i;
	int rc;

	*st = VOUCH_DNS_NXDOMAIN;
	for (i = 0; i < 2 && *st != VOUCH_DNS_FOUND; i++) {
		rc = vouch_dns_query(c->dns, name, types[i], &ans);
		if (rc == VOUCH_EINVAL)
			return 0;
		if (rc != 0)
			return rc;
		if (ans->status == VOUCH_DNS_FOUND ||
		    ans->status == VOUCH_DNS_RETRY || *st == VOUCH_DNS_NXDOMAIN)
			*st = ans->status;
		vouch_dns_answer_free(ans);
	}
	return 0;
}

static int
mx_hosts(struct audit_ctx *c)
{
	const struct vouch_audit *a = c->a;
	enum vouch_dns_status st;
	size_t i, asked = 0;
	int rc;

	for (i = 0; i < a->nmx && asked < AUDIT_MX_HOSTS_MAX; i++) {
		if (strcmp(a->mx[i].host, ".") == 0)
			continue;
		if (looks_like_ip(a->mx[i].host)) {
			vouch__audit_add(c, "mx-host-ip", -1, a->mx[i].host,
			    "name a host that has an A or AAAA record", "the MX "
			    "of %s is %s, an address: MX records name hosts "
			    "(RFC 5321 5.1, RFC 7505 3)", c->domain,
			    a->mx[i].host);
			continue;
		}
		asked++;
		if ((rc = address(c, a->mx[i].host, &st)) != 0)
			return rc;
		if (st == VOUCH_DNS_RETRY)
			vouch__audit_add(c, "mx-dns-error", -1, a->mx[i].host,
			    NULL, "the address lookup of the MX host %s "
			    "failed", a->mx[i].host);
		else if (st != VOUCH_DNS_FOUND)
			vouch__audit_add(c, "mx-host-no-address", -1,
			    a->mx[i].host, "give the host an A or AAAA record, "
			    "or remove the MX record", "the MX host %s of %s "
			    "has no A or AAAA record: mail to it cannot be "
			    "delivered (RFC 5321 5.1)", a->mx[i].host,
			    c->domain);
	}
	return 0;
}

static void
null_checks(struct audit_ctx *c)
{
	const struct vouch_audit *a = c->a;
	size_t i;

	for (i = 0; i < a->nmx; i++)
		if (strcmp(a->mx[i].host, ".") == 0) {
			c->null_mx = 1;
			if (a->mx[i].preference != 0)
				vouch__audit_add(c, "mx-null-preference", -1,
				    ".", "publish \"MX 0 .\"", "the null MX of "
				    "%s has preference %u; RFC 7505 3 writes it "
				    "with 0", c->domain, a->mx[i].preference);
		}
	if (!c->null_mx)
		return;
	if (a->nmx > 1)
		vouch__audit_add(c, "mx-null-with-others", -1, ".", "remove the "
		    "null MX if the domain receives mail, else the other MX "
		    "records", "%s publishes a null MX (\"0 .\") and %zu other "
		    "MX records; a domain with a null MX MUST NOT publish any "
		    "other (RFC 7505 3)", c->domain, a->nmx - 1);
	else
		vouch__audit_add(c, "mx-null", -1, ".", "also publish \"v=spf1 "
		    "-all\" and a DMARC record with p=reject if the domain sends "
		    "no mail either", "%s has a null MX: it receives no mail "
		    "(RFC 7505)", c->domain);
}

static int
mx_records(struct audit_ctx *c, const struct vouch_dns_answer *ans)
{
	struct vouch_audit_mx *mx;
	size_t i, n = 0;

	mx = vouch__arena_alloc(c->ar, (ans->count ? ans->count : 1) *
	    sizeof(*mx));
	if (mx == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < ans->count && n < AUDIT_MX_MAX; i++) {
		if (ans->rr[i].type != VOUCH_DNS_MX)
			continue;
		mx[n].preference = ans->rr[i].u.mx.preference;
		mx[n].host = vouch__audit_strdup(c,
		    ans->rr[i].u.mx.exchange[0] ? ans->rr[i].u.mx.exchange : ".");
		n++;
	}
	qsort(mx, n, sizeof(*mx), mx_cmp);
	c->a->mx = mx;
	c->a->nmx = n;
	return c->nomem ? VOUCH_ENOMEM : 0;
}

static int
no_mx(struct audit_ctx *c)
{
	enum vouch_dns_status st;
	int rc;

	if ((rc = address(c, c->domain, &st)) != 0)
		return rc;
	if (st == VOUCH_DNS_FOUND)
		vouch__audit_add(c, "mx-implicit", -1, c->domain, "publish an "
		    "MX record for the host that receives the mail, or a null "
		    "MX (\"0 .\") if none does", "%s has no MX record: mail goes "
		    "to its A/AAAA address (RFC 5321 5.1), whether or not a "
		    "mail server listens there", c->domain);
	else
		vouch__audit_add(c, "mx-none", -1, c->domain, "publish a null MX "
		    "(\"MX 0 .\") to say so (RFC 7505)", "%s has no MX and no "
		    "address: it receives no mail", c->domain);
	return 0;
}

int
vouch__audit_mx(struct audit_ctx *c)
{
	struct vouch_dns_answer *ans;
	int rc;

	if ((rc = vouch_dns_query(c->dns, c->domain, VOUCH_DNS_MX, &ans)) != 0)
		return rc;
	c->mx_status = ans->status;
	if (ans->status == VOUCH_DNS_RETRY)
		vouch__audit_add(c, "mx-dns-error", -1, c->domain, NULL, "the "
		    "MX lookup of %s failed (%s)", c->domain, ans->reason ?
		    ans->reason : "temporary DNS error");
	else if (ans->status == VOUCH_DNS_NXDOMAIN)
		vouch__audit_add(c, "mx-nxdomain", -1, c->domain, NULL, "%s does "
		    "not exist (NXDOMAIN): no mail can be sent to it, and "
		    "receivers may reject mail from it", c->domain);
	else if (ans->status == VOUCH_DNS_FOUND)
		rc = mx_records(c, ans);
	vouch_dns_answer_free(ans);
	if (rc != 0)
		return rc;
	if (c->mx_status == VOUCH_DNS_NODATA)
		return no_mx(c);
	if (c->mx_status != VOUCH_DNS_FOUND)
		return 0;
	null_checks(c);
	return mx_hosts(c);
}

/* ---- BIMI --------------------------------------------------------------- */

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strcspn(s, "?#"), sl = strlen(suffix);

	return n >= sl && vouch__strncaseeq(s + n - sl, suffix, sl);
}

static void
bimi_uris(struct audit_ctx *c, const char *rec, const char *l,
    const char *au)
{
	if (!vouch__audit_scheme(l, "https://"))
		vouch__audit_add(c, "bimi-logo-not-https", -1, l, "serve the logo "
		    "over HTTPS and give its https:// URL in l=", "l= is \"%s\": "
		    "the logo must be fetched over HTTPS (BIMI 4.2)", l);
	else if (!ends_with(l, ".svg"))
		vouch__audit_add(c, "bimi-logo-not-svg", -1, l, "publish the logo "
		    "as SVG Tiny PS with a .svg URL", "l= is \"%s\": BIMI logos "
		    "are SVG files (BIMI 4.3.2)", l);
	if (*au != '\0' && !vouch__audit_scheme(au, "https://"))
		vouch__audit_add(c, "bimi-authority-not-https", -1, au, "give the "
		    "https:// URL of the evidence document (VMC) in a=", "a= is "
		    "\"%s\": the evidence document must be fetched over HTTPS "
		    "(BIMI 4.2)", au);
	else if (*au == '\0')
		vouch__audit_add(c, "bimi-no-authority", -1, rec, NULL, "the BIMI "
		    "record has no a= (authority evidence): the large mailbox "
		    "providers show a logo only with a mark certificate");
	if ((c->dmarc_applied != VOUCH_DMARC_POLICY_QUARANTINE &&
	    c->dmarc_applied != VOUCH_DMARC_POLICY_REJECT) || c->dmarc_partial)
		vouch__audit_add(c, "bimi-dmarc-not-enforced", -1, rec, "move "
		    "the DMARC policy to p=quarantine or p=reject, without pct= "
		    "or t=y", "BIMI needs DMARC at enforcement (quarantine or "
		    "reject, applied to all mail) for %s; receivers show no logo "
		    "now (BIMI 4.1)", c->domain);
}

int
vouch__audit_bimi(struct audit_ctx *c)
{
	static const struct audit_kind kind = { "default._bimi", "BIMI1",
	    "bimi", "BIMI", "BIMI 4.2" };
	const char *name, *rec, *l, *au;
	struct audit_tags t;
	char why[128];

	if ((rec = vouch__audit_tagged(c, &kind, &name, &t, why,
	    sizeof(why))) == NULL)
		return c->nomem ? VOUCH_ENOMEM : 0;
	c->a->bimi = rec;
	l = vouch__audit_tag(&t, "l");
	au = vouch__audit_tag(&t, "a");
	if (why[0] == '\0' && l == NULL)
		snprintf(why, sizeof(why), "l= is required");
	else if (why[0] == '\0' && *l == '\0' && au != NULL && *au != '\0')
		snprintf(why, sizeof(why), "l= is empty but a= is not");
	if (why[0] != '\0')
		vouch__audit_add(c, "bimi-syntax", -1, rec, "publish \"v=BIMI1; "
		    "l=https://.../logo.svg; a=https://.../vmc.pem\"", "the BIMI "
		    "record at %s is invalid: %s; receivers ignore it (BIMI "
		    "4.2)", name, why);
	else if (*l == '\0')
		vouch__audit_add(c, "bimi-declined", -1, rec, NULL, "the BIMI "
		    "record declines to publish a logo (l= and a= empty, BIMI "
		    "4.3.1)");
	else
		bimi_uris(c, rec, l, au ? au : "");
	return c->nomem ? VOUCH_ENOMEM : 0;
}

/* ---- TLS-RPT ------------------------------------------------------------ */

static void
tlsrpt_uris(struct audit_ctx *c, const char *rua)
{
	char uri[512];
	size_t n;

	while (*rua != '\0') {
		rua += strspn(rua, " \t");
		n = strcspn(rua, ",");
		snprintf(uri, sizeof(uri), "%.*s", (int)n, rua);
		while (n > 0 && strchr(" \t", uri[n - 1]) != NULL)
			uri[--n] = '\0';
		if (!(vouch__audit_scheme(uri, "mailto:") && strchr(uri, '@')) &&
		    !vouch__audit_scheme(uri, "https://"))
			vouch__audit_add(c, "tls-rpt-bad-uri", -1, uri, "give "
			    "mailto:ADDRESS or an https:// URL", "rua= of the "
			    "TLS-RPT record names \"%s\", neither a mailto: "
			    "address nor an https: URL (RFC 8460 3)", uri);
		rua += strcspn(rua, ",");
		rua += *rua == ',';
	}
}

int
vouch__audit_tls_rpt(struct audit_ctx *c)
{
	static const struct audit_kind kind = { "_smtp._tls", "TLSRPTv1",
	    "tls-rpt", "TLS-RPT", "RFC 8460 3" };
	const char *name, *rec, *rua;
	struct audit_tags t;
	char why[128];

	if ((rec = vouch__audit_tagged(c, &kind, &name, &t, why,
	    sizeof(why))) == NULL)
		return c->nomem ? VOUCH_ENOMEM : 0;
	c->a->tls_rpt = rec;
	rua = vouch__audit_tag(&t, "rua");
	if (why[0] == '\0' && (rua == NULL || *rua == '\0'))
		snprintf(why, sizeof(why), "rua= is required");
	if (why[0] == '\0')
		tlsrpt_uris(c, rua);
	else
		vouch__audit_add(c, "tls-rpt-syntax", -1, rec,
		    vouch__audit_fmt(c, "publish \"v=TLSRPTv1; rua=mailto:"
		    "tls-reports@%s\"", c->domain), "the TLS-RPT record at %s "
		    "is invalid: %s; senders ignore it (RFC 8460 3)", name, why);
	return c->nomem ? VOUCH_ENOMEM : 0;
}
