/*
 * audit.c - vouch_audit_domain(): the domain checked and converted to an
 * A-label before any query, the areas run in an order that lets later
 * ones use what earlier ones learned (MX before SPF, whose fix depends on
 * whether the domain receives mail; DMARC before BIMI, which needs
 * enforcement; MX before MTA-STS, whose patterns must cover the MX
 * hosts), then the findings ordered and each area graded.
 */
#include <string.h>
#include <time.h>

#include "audit/audit_int.h"
#include "dkim/dkim_tags.h"
#include "spf/spf_tree.h"

/* The result and everything it points to. */
struct audit_box {
	struct vouch_audit a;		/* first: freed through it */
	struct vouch__arena arena;
	struct spf_tree *spf;
};

const char *
vouch_audit_area_name(enum vouch_audit_area a)
{
	static const char *const names[VOUCH_AUDIT_NAREAS] = { "spf",
	    "dmarc", "dkim", "mx", "bimi", "mta-sts", "tls-rpt" };

	return (unsigned)a < VOUCH_AUDIT_NAREAS ? names[a] : "unknown";
}

const char *
vouch_audit_severity_name(enum vouch_audit_severity s)
{
	return s == VOUCH_AUDIT_ERROR ? "error" : s == VOUCH_AUDIT_WARNING ?
	    "warning" : "info";
}

void
vouch_audit_free(struct vouch_audit *a)
{
	struct audit_box *box = (struct audit_box *)a;

	if (a == NULL)
		return;
	vouch__spf_tree_free(box->spf);
	vouch__arena_free(&box->arena);
	vouch__free(box);
}

/* Does a go before b: by area, then the most severe first? */
static int
before(const struct vouch_audit_finding *a,
    const struct vouch_audit_finding *b)
{
	if (a->area != b->area)
		return a->area < b->area;
	return a->severity > b->severity;
}

/* A stable insertion sort: equal findings stay in the order found (at
 * most AUDIT_FINDINGS_MAX of them). */
static void
sort_findings(struct vouch_audit_finding *f, size_t n)
{
	struct vouch_audit_finding t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = f[i];
		for (j = i; j > 0 && before(&t, &f[j - 1]); j--)
			f[j] = f[j - 1];
		f[j] = t;
	}
}

static void
order_and_grade(struct audit_ctx *c)
{
	static const char *const words[] = { "info", "warning", "error" };
	struct vouch_audit *a = c->a;
	int worst[VOUCH_AUDIT_NAREAS];
	size_t i;

	sort_findings(c->f, c->nf);
	for (i = 0; i < VOUCH_AUDIT_NAREAS; i++)
		worst[i] = -1;
	for (i = 0; i < c->nf; i++)
		if ((int)c->f[i].severity > worst[c->f[i].area])
			worst[c->f[i].area] = (int)c->f[i].severity;
	for (i = 0; i < VOUCH_AUDIT_NAREAS; i++)
		a->grade[i] = worst[i] < 0 ? "ok" : words[worst[i]];
	a->findings = c->f;
	a->nfindings = c->nf;
	a->dmarc.diffs = c->diffs;
	a->dmarc.ndiffs = c->ndiffs;
}

static int
run_areas(struct audit_ctx *c)
{
	static int (*const areas[])(struct audit_ctx *) = {
		vouch__audit_mx, vouch__audit_spf, vouch__audit_dmarc,
		vouch__audit_dkim, vouch__audit_bimi, vouch__audit_mta_sts,
		vouch__audit_tls_rpt
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(areas) / sizeof(areas[0]) && rc == 0; i++) {
		rc = areas[i](c);
		if (rc == 0 && c->nomem)
			rc = VOUCH_ENOMEM;
		if (rc == 0 && c->internal)
			rc = VOUCH_EINTERNAL;
	}
	return rc;
}

/* The arguments, checked before any query. */
static int
check_args(const char *domain, const struct vouch_audit_options *o,
    char *buf, size_t len, struct vouch_error *err)
{
	const char *last;
	size_t i, n;

	if (domain == NULL || vouch_domain_to_alabel(domain, strlen(domain),
	    buf, len) != 0)
		return vouch__error(err, VOUCH_EINVAL, 0, "\"%.80s\" is not a "
		    "domain name", domain ? domain : "(null)");
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	last = strrchr(buf, '.');
	last = last ? last + 1 : buf;
	/* RFC 3696 2: no top-level domain is all digits, so "192.0.2.1"
	 * is an address, not a domain */
	if (n == 0 || strspn(last, "0123456789") == strlen(last))
		return vouch__error(err, VOUCH_EINVAL, 0, "\"%.80s\" is not a "
		    "domain name", domain);
	for (i = 0; i < o->nselectors; i++)
		if (o->selectors[i] == NULL || !vouch__dkim_valid_name(
		    o->selectors[i], strlen(o->selectors[i])))
			return vouch__error(err, VOUCH_EINVAL, 0, "\"%.80s\" is "
			    "not a DKIM selector", o->selectors[i] ?
			    o->selectors[i] : "(null)");
	return 0;
}

static int
audit_run(struct vouch_dns *dns, struct audit_box *box, const char *domain,
    const struct vouch_audit_options *opts)
{
	struct vouch_audit_options o = *opts;
	struct audit_ctx c;
	unsigned q = 0, ms;
	int spent, rc;

	memset(&c, 0, sizeof(c));
	if (o.now == 0)
		o.now = (int64_t)time(NULL);
	c.a = &box->a;
	c.ar = &box->arena;
	c.opts = &o;
	/* A budget without limits only counts the queries. */
	if ((rc = vouch_dns_budget_new(dns, 0, 0, &c.dns)) != 0)
		return rc;
	if ((c.domain = vouch__audit_strdup(&c, domain)) == NULL)
		rc = VOUCH_ENOMEM;
	box->a.domain = c.domain;
	if (rc == 0)
		rc = run_areas(&c);
	box->spf = c.spf;
	if (rc == 0)
		order_and_grade(&c);
	vouch_dns_budget_stats(c.dns, &q, &ms, &spent);
	box->a.dns_queries = q;
	vouch_dns_free(c.dns);
	return rc;
}

int
vouch_audit_domain(struct vouch_dns *dns, const char *domain,
    const struct vouch_audit_options *opts, struct vouch_audit **out,
    struct vouch_error *err)
{
	static const struct vouch_audit_options defaults;
	struct audit_box *box;
	char name[256];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (dns == NULL || out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "vouch_audit_domain: "
		    "missing argument");
	if (opts == NULL)
		opts = &defaults;
	if ((rc = check_args(domain, opts, name, sizeof(name), err)) != 0)
		return rc;
	if ((box = vouch__calloc(1, sizeof(*box))) == NULL)
		return VOUCH_ENOMEM;
	vouch__arena_init(&box->arena, AUDIT_ARENA_MAX);
	rc = audit_run(dns, box, name, opts);
	if (rc != 0) {
		vouch_audit_free(&box->a);
		return rc == VOUCH_ENOMEM ? rc : vouch__error(err, rc, 0,
		    "the audit of %s failed: %s", name, vouch_strerror(rc));
	}
	*out = &box->a;
	return 0;
}
