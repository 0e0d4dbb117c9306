/*
 * report_classify.c - what the reports say about one sending IP, in
 * words: authorized, authorized-failing, forwarded or unauthorized, the
 * observations behind it and the fixes (vouch/report.h, "Analysis"); and
 * identifier alignment recomputed from stored auth_results, for replaying
 * reports against another policy record.
 *
 * The rules and their thresholds are written out in docs/reports.md
 * ("Analysis and classification"); the comments below name them R1-R7
 * as that page does.  Shares are compared in integers (x >= m * n / d
 * rounded up), so a boundary such as exactly 90 % is never decided by a
 * floating-point rounding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report_int.h"

#define NAME_MAX_SHOWN 253	/* a domain name at most (RFC 1035) */
#define NAME_BUF 256

/* x >= num/den of m, exactly: x >= ceil(m * num / den). */
static int
share_at_least(uint64_t x, uint64_t m, unsigned num, unsigned den)
{
	uint64_t q = m / den, r = m % den;

	return x >= q * num + (r * num + den - 1) / den;
}

static double
percent(uint64_t x, uint64_t m)
{
	return m == 0 ? 0.0 : (double)x * 100.0 / (double)m;
}

static void
add_text(char (*v)[VOUCH_REPORT_TEXT_MAX], size_t *n, size_t max,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add_text(char (*v)[VOUCH_REPORT_TEXT_MAX], size_t *n, size_t max,
    const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(v[*n], VOUCH_REPORT_TEXT_MAX, fmt, ap);
	va_end(ap);
	(*n)++;
}

#define REASON(o, ...) add_text((o)->reasons, &(o)->nreasons, \
	VOUCH_REPORT_REASONS_MAX, __VA_ARGS__)
#define FIX(o, ...) add_text((o)->fixes, &(o)->nfixes, \
	VOUCH_REPORT_FIXES_MAX, __VA_ARGS__)

/* The domain with the most messages among those aligned (or not). */
static const struct vouch_report_authdom *
top_domain(const struct vouch_report_authdom *v, size_t n, int aligned,
    int passing)
{
	const struct vouch_report_authdom *best = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v[i].aligned != 0) != aligned || v[i].domain == NULL ||
		    (passing && v[i].pass == 0))
			continue;
		if (best == NULL || v[i].messages > best->messages)
			best = &v[i];
	}
	return best;
}

static const struct vouch_report_authdom *
service_domain(const struct vouch_report_authdom *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].service && v[i].domain != NULL)
			return &v[i];
	return NULL;
}

static const char *
owner(const struct vouch_report_source *s)
{
	return s->domain != NULL && *s->domain != '\0' ? s->domain :
	    "your domain";
}

/* The aligned domain with the most messages when it passes for less
 * than half of them (F1, F3), said as a reason; else NULL. */
static const struct vouch_report_authdom *
failing_aligned(const struct vouch_report_authdom *v, size_t n,
    const char *kind, const char *prefix,
    struct vouch_report_classification *o)
{
	const struct vouch_report_authdom *al = top_domain(v, n, 1, 0);

	if (al == NULL || share_at_least(al->pass, al->messages, 1, 2))
		return NULL;
	REASON(o, "%s fails for %s%.*s on %llu of %llu messages", kind,
	    prefix, NAME_MAX_SHOWN, al->domain,
	    (unsigned long long)(al->messages - al->pass),
	    (unsigned long long)al->messages);
	return al;
}

/* The passing domain with the most messages among those not aligned
 * (F2, F4), said as a reason; else NULL. */
static const struct vouch_report_authdom *
passing_unaligned(const struct vouch_report_authdom *v, size_t n,
    const char *kind, const char *prefix,
    const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	const struct vouch_report_authdom *other = top_domain(v, n, 0, 1);

	if (other != NULL)
		REASON(o, "%s passes for %s%.*s, which is not aligned with "
		    "%.*s", kind, prefix, NAME_MAX_SHOWN, other->domain,
		    NAME_MAX_SHOWN, owner(s));
	return other;
}

/* Why SPF does not carry the failing mail, and what would make it. */
static void
spf_diagnose(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	const struct vouch_report_authdom *al, *other;

	if ((al = failing_aligned(s->spf, s->nspf, "SPF", "", o)) != NULL) {
		if (s->spf_include != NULL)
			FIX(o, "SPF include missing: add include:%.*s to the "
			    "SPF record of %.*s", NAME_MAX_SHOWN,
			    s->spf_include, NAME_MAX_SHOWN, al->domain);
		else
			FIX(o, "SPF fails: authorize this source in the SPF "
			    "record of %.*s", NAME_MAX_SHOWN, al->domain);
		return;
	}
	al = top_domain(s->spf, s->nspf, 1, 0);
	if (al != NULL && al->pass > 0)
		return;
	if ((other = passing_unaligned(s->spf, s->nspf, "SPF", "", s, o)) !=
	    NULL)
		FIX(o, "SPF not aligned: the return path is %.*s; use a "
		    "return-path (MAIL FROM) domain under %.*s",
		    NAME_MAX_SHOWN, other->domain, NAME_MAX_SHOWN, owner(s));
}

/* Why DKIM does not carry the failing mail, and what would make it. */
static void
dkim_diagnose(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	const struct vouch_report_authdom *al, *other;

	if ((al = failing_aligned(s->dkim, s->ndkim, "DKIM", "d=", o)) !=
	    NULL) {
		FIX(o, "DKIM fails for d=%.*s: check the key published for "
		    "its selector, and that nothing alters the message on the "
		    "way", NAME_MAX_SHOWN, al->domain);
		return;
	}
	if (top_domain(s->dkim, s->ndkim, 1, 0) != NULL)
		return;
	if ((other = passing_unaligned(s->dkim, s->ndkim, "DKIM", "d=", s,
	    o)) != NULL)
		FIX(o, "DKIM not aligned: signs as d=%.*s; set up signing "
		    "with your domain", NAME_MAX_SHOWN, other->domain);
	else if (s->ndkim == 0) {
		REASON(o, "no DKIM signature");
		FIX(o, "no DKIM signature: set up DKIM signing with your "
		    "domain");
	}
}

static void
passes_reason(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	REASON(o, "passes DMARC for %llu of %llu messages (%.1f %%)",
	    (unsigned long long)s->dmarc_pass,
	    (unsigned long long)s->messages,
	    percent(s->dmarc_pass, s->messages));
}

/* A source of the domain's own: the failing part diagnosed. */
static void
own_source(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	o->cls = share_at_least(s->dmarc_pass, s->messages, 9, 10) ?
	    VOUCH_REPORT_AUTHORIZED : VOUCH_REPORT_AUTHORIZED_FAILING;
	if (s->dmarc_pass >= s->messages)
		return;
	spf_diagnose(s, o);
	dkim_diagnose(s, o);
}

static void
forwarded(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	o->cls = VOUCH_REPORT_FORWARDED;
	if (s->dmarc_pass >= s->messages)
		return;
	REASON(o, "%llu of %llu messages fail DMARC after forwarding",
	    (unsigned long long)(s->messages - s->dmarc_pass),
	    (unsigned long long)s->messages);
	if (top_domain(s->dkim, s->ndkim, 1, 0) == NULL)
		FIX(o, "sign with DKIM for your domain: a signature survives "
		    "forwarding, SPF does not");
	else
		FIX(o, "the relay alters messages and breaks DKIM: ask it to "
		    "forward them unmodified, or to add ARC (RFC 8617)");
}

/* R3: a domain of the matched service in the results.  Returns 1 when
 * it applied. */
static int
service_rule(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	const struct vouch_report_authdom *sd;
	const char *kind = "DKIM", *prefix = "d=";

	if ((sd = service_domain(s->dkim, s->ndkim)) == NULL) {
		sd = service_domain(s->spf, s->nspf);
		kind = "SPF";
		prefix = "";
	}
	if (sd == NULL)
		return 0;
	REASON(o, "known service %.*s: %s%.*s in its %s results",
	    NAME_MAX_SHOWN, s->service ? s->service : "?", prefix,
	    NAME_MAX_SHOWN, sd->domain, kind);
	own_source(s, o);
	return 1;
}

void
vouch_report_classify(const struct vouch_report_source *s,
    struct vouch_report_classification *o)
{
	uint64_t m = s->messages;

	memset(o, 0, sizeof(*o));
	o->cls = VOUCH_REPORT_UNAUTHORIZED;
	if (m == 0) {					/* R1 */
		REASON(o, "no messages reported");
		return;
	}
	passes_reason(s, o);
	if (share_at_least(s->forwarded, m, 1, 2) &&	/* R2 */
	    !share_at_least(s->spf_aligned, m, 1, 2)) {
		REASON(o, "the receivers report forwarding (forwarded, "
		    "mailing_list, trusted_forwarder or arc=pass) for %llu of "
		    "%llu messages", (unsigned long long)s->forwarded,
		    (unsigned long long)m);
		forwarded(s, o);
	} else if (service_rule(s, o))			/* R3 */
		return;
	else if (!share_at_least(s->spf_aligned, m, 1, 2) &&	/* R4 */
	    share_at_least(s->dkim_aligned, m, 1, 2)) {
		REASON(o, "SPF does not align for %llu of %llu messages while "
		    "aligned DKIM passes for %llu: relayed with the signature "
		    "intact", (unsigned long long)(m - s->spf_aligned),
		    (unsigned long long)m,
		    (unsigned long long)s->dkim_aligned);
		forwarded(s, o);
	} else if (share_at_least(s->dmarc_pass, m, 1, 10))	/* R5, R6 */
		own_source(s, o);
	else if (s->service != NULL)			/* R7 */
		REASON(o, "reverse DNS names %.*s, but none of its domains is "
		    "in the SPF or DKIM results", NAME_MAX_SHOWN, s->service);
	else
		REASON(o, "no known sending service in its SPF or DKIM "
		    "results");
}

const char *
vouch_report_class_name(enum vouch_report_class c)
{
	switch (c) {
	case VOUCH_REPORT_AUTHORIZED: return "authorized";
	case VOUCH_REPORT_AUTHORIZED_FAILING: return "authorized-failing";
	case VOUCH_REPORT_FORWARDED: return "forwarded";
	default: return "unauthorized";
	}
}

int
vouch_report_class_legitimate(enum vouch_report_class c)
{
	return c == VOUCH_REPORT_AUTHORIZED ||
	    c == VOUCH_REPORT_AUTHORIZED_FAILING ||
	    c == VOUCH_REPORT_FORWARDED;
}

/* name lower-cased without a final dot into buf; 0 when it does not fit
 * or is empty. */
static int
plain_name(const char *name, char *buf, size_t len)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0)
		return 0;
	if (name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	vouch__lower(buf);
	return 1;
}

int
vouch_report_aligned(const struct vouch_psl *psl, const char *a,
    const char *b, int strict)
{
	char na[NAME_BUF], nb[NAME_BUF];
	char oa[NAME_BUF], ob[NAME_BUF];

	if (!plain_name(a, na, sizeof(na)) || !plain_name(b, nb, sizeof(nb)))
		return 0;
	if (strcmp(na, nb) == 0)
		return 1;
	if (strict)
		return 0;
	if (vouch_psl_org_domain(psl, na, oa, sizeof(oa)) != 0 ||
	    vouch_psl_org_domain(psl, nb, ob, sizeof(ob)) != 0)
		return 0;
	return strcmp(oa, ob) == 0;
}

static int
spf_counts(const struct vouch_report_spf *r, int want_helo)
{
	int helo = r->scope != NULL && strcmp(r->scope, "helo") == 0;

	return helo == want_helo;
}

void
vouch_report_realign(const struct vouch_psl *psl, const char *header_from,
    const struct vouch_report_dkim *dkim, size_t ndkim,
    const struct vouch_report_spf *spf, size_t nspf, int adkim_strict,
    int aspf_strict, int *spf_aligned, int *dkim_aligned)
{
	int helo = 1;
	size_t i;

	*spf_aligned = *dkim_aligned = 0;
	for (i = 0; i < nspf; i++)
		if (spf_counts(&spf[i], 0))
			helo = 0;	/* a MAIL FROM result: HELO does not
					   stand in (RFC 9989 3.2.4) */
	for (i = 0; i < nspf && !*spf_aligned; i++)
		*spf_aligned = spf_counts(&spf[i], helo) &&
		    spf[i].result != NULL &&
		    strcmp(spf[i].result, "pass") == 0 &&
		    vouch_report_aligned(psl, spf[i].domain, header_from,
		    aspf_strict > 0);
	for (i = 0; i < ndkim && !*dkim_aligned; i++)
		*dkim_aligned = dkim[i].result != NULL &&
		    strcmp(dkim[i].result, "pass") == 0 &&
		    vouch_report_aligned(psl, dkim[i].domain, header_from,
		    adkim_strict > 0);
}
