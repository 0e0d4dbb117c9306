/*
 * test_audit.c - the domain audit (include/vouch/audit.h).
 *
 * The fixtures are tests/data/domain/CODE.zone, one per finding code:
 * its header says which domain to audit and which codes the RFC cited
 * there makes the audit report ("; expect:"), which it must not report
 * ("; absent:"), the grades ("; grades:"), the DKIM selectors, whether
 * to probe, and the MTA-STS policy file to hand back (";| " lines) or a
 * failing fetch.  On every fixture the audit's SPF lookup counts must be
 * those of vouch_spf_check() for the same client and limits (spf_tree.h),
 * and with the RFC limits a count over them must be a permerror.  Every
 * code of the table has a fixture and a line in docs/domain.md.
 *
 * Other expectations (the fixes, the tree, key sizes) come from the RFC
 * text and from openssl, which made the keys ("openssl genpkey" with the
 * bits named in each fixture); none from running vouch.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/audit.h>
#include <vouch/spf.h>

#include "audit/audit_int.h"
#include "failalloc.h"
#include "testutil.h"

#define FIXTURES "tests/data/domain"
#define PSL_FILE "publicsuffix/public_suffix_list.dat"
#define HDR_MAX 4096

static struct vouch_psl *psl;
static struct vouch_senders *probe;

/* One fixture's header and policy. */
struct fixture {
	char path[1024];
	char domain[256];
	char expect[HDR_MAX], absent[HDR_MAX], grades[HDR_MAX];
	char selectors[HDR_MAX], fetch[64], join[256], probe[8];
	char policy[HDR_MAX];
	char selbuf[16][64];
	const char *sel[16];
	size_t nsel;
};

/* The next word of *s split at any of seps (into buf), or NULL. */
static const char *
word(const char **s, const char *seps, char *buf, size_t len)
{
	size_t n;

	*s += strspn(*s, seps);
	if (**s == '\0')
		return NULL;
	n = strcspn(*s, seps);
	snprintf(buf, len, "%.*s", (int)n, *s);
	*s += n;
	return buf;
}

static void
header_value(const char *text, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\n; %s:", key);
	out[0] = '\0';
	if ((p = strstr(text, pat)) == NULL)
		return;
	p += strlen(pat);
	p += strspn(p, " ");
	e = strchr(p, '\n');
	snprintf(out, len, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
}

static void
load_fixture(struct fixture *fx, const char *name)
{
	char *text, *p, *line;
	const char *w;
	size_t len;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->path, sizeof(fx->path), "%s", tu_src_path(name));
	text = tu_read_file(fx->path, &len);
	assert_non_null(text);
	/* a leading newline lets the first line match "\n; key:" */
	p = malloc(len + 2);
	assert_non_null(p);
	p[0] = '\n';
	memcpy(p + 1, text, len + 1);
	header_value(p, "domain", fx->domain, sizeof(fx->domain));
	header_value(p, "expect", fx->expect, sizeof(fx->expect));
	header_value(p, "absent", fx->absent, sizeof(fx->absent));
	header_value(p, "grades", fx->grades, sizeof(fx->grades));
	header_value(p, "selectors", fx->selectors, sizeof(fx->selectors));
	header_value(p, "fetch", fx->fetch, sizeof(fx->fetch));
	header_value(p, "join-strings", fx->join, sizeof(fx->join));
	header_value(p, "probe", fx->probe, sizeof(fx->probe));
	for (line = strstr(p, "\n;| "); line != NULL;
	    line = strstr(line + 1, "\n;| ")) {
		tu_append(fx->policy, sizeof(fx->policy), "%.*s\r\n",
		    (int)strcspn(line + 4, "\n"), line + 4);
	}
	for (w = fx->selectors; fx->nsel < 16 && word(&w, ",", fx->selbuf[
	    fx->nsel], sizeof(fx->selbuf[0])) != NULL; fx->nsel++)
		fx->sel[fx->nsel] = fx->selbuf[fx->nsel];
	free(p);
	free(text);
	assert_true(fx->domain[0] != '\0');
}

/* ---- a backend that joins the strings of one name's TXT records ------- */

struct joiner {
	struct vouch_dns *inner;
	const char *name;
};

static int
join_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct joiner *j = impl;
	struct vouch_dns_answer *ans, *n;
	const unsigned char *s;
	size_t i, l;
	int rc;

	rc = vouch_dns_query(j->inner, name, type, &ans);
	if (rc != 0 || type != VOUCH_DNS_TXT || strcmp(name, j->name) != 0 ||
	    ans->status != VOUCH_DNS_FOUND) {
		*out = ans;
		return rc;
	}
	/* one character-string per record: what a backend that does not
	 * keep RFC 1035's 255-octet strings would hand over */
	rc = vouch_dns_answer_new(name, type, VOUCH_DNS_FOUND, &n);
	for (i = 0; rc == 0 && i < ans->count; i++) {
		s = (const unsigned char *)ans->rr[i].u.txt.data;
		l = ans->rr[i].u.txt.len;
		rc = vouch_dns_answer_add_txt(n, VOUCH_DNS_TXT, 300, &s, &l, 1);
	}
	vouch_dns_answer_free(ans);
	*out = n;
	return rc;
}

static void
join_destroy(void *impl)
{
	struct joiner *j = impl;

	vouch_dns_free(j->inner);
	free(j);
}

static const struct vouch_dns_methods join_methods = {
	VOUCH_DNS_METHODS_VERSION, "joiner", join_query, join_destroy
};

static struct vouch_dns *
fixture_dns(const struct fixture *fx)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_dns *dns, *w;
	struct joiner *j;

	if (vouch_dns_zone_new_file(fx->path, &dns, &err) != 0)
		fail_msg("%s: %s", fx->path, err.msg);
	if (fx->join[0] == '\0')
		return dns;
	j = calloc(1, sizeof(*j));
	assert_non_null(j);
	j->inner = dns;
	j->name = fx->join;
	assert_int_equal(vouch_dns_new(&join_methods, j, &w), 0);
	return w;
}

/* ---- the MTA-STS fetch callback ----------------------------------------- */

static int
fetch_cb(void *arg, const char *url, char **body, size_t *len,
    struct vouch_error *err)
{
	const struct fixture *fx = arg;
	char want[400];

	snprintf(want, sizeof(want), "https://mta-sts.%s/.well-known/"
	    "mta-sts.txt", fx->domain);
	assert_string_equal(url, want);
	if (strcmp(fx->fetch, "fail") == 0) {
		snprintf(err->msg, sizeof(err->msg), "connection refused");
		return VOUCH_EIO;
	}
	*body = strdup(fx->policy);
	*len = strlen(fx->policy);
	return *body ? 0 : VOUCH_ENOMEM;
}

static void
fixture_opts(const struct fixture *fx, struct vouch_audit_options *o)
{
	memset(o, 0, sizeof(*o));
	o->selectors = fx->sel;
	o->nselectors = fx->nsel;
	o->probe = fx->probe[0] ? probe : NULL;
	o->psl = psl;
	o->now = 1700000000;
	if (fx->fetch[0] != '\0') {
		o->fetch = fetch_cb;
		o->fetch_arg = (void *)fx;
	}
}

/* ---- checks ------------------------------------------------------------- */

static const struct vouch_audit_finding *
finding(const struct vouch_audit *a, const char *code)
{
	size_t i;

	for (i = 0; i < a->nfindings; i++)
		if (strcmp(a->findings[i].code, code) == 0)
			return &a->findings[i];
	return NULL;
}

/* audit.h: findings by area, then the most severe first. */
static void
check_order(const struct fixture *fx, const struct vouch_audit *a)
{
	const struct vouch_audit_finding *f = a->findings;
	size_t i;

	for (i = 1; i < a->nfindings; i++)
		if (f[i].area < f[i - 1].area || (f[i].area == f[i - 1].area &&
		    f[i].severity > f[i - 1].severity))
			fail_msg("%s: %s after %s", fx->path, f[i].code,
			    f[i - 1].code);
}

static void
check_codes(const struct fixture *fx, const struct vouch_audit *a)
{
	char buf[128];
	const char *c, *s;

	for (s = fx->expect; (c = word(&s, " ", buf, sizeof(buf))) != NULL;)
		if (finding(a, c) == NULL)
			fail_msg("%s: no finding %s", fx->path, c);
	for (s = fx->absent; (c = word(&s, " ", buf, sizeof(buf))) != NULL;)
		if (finding(a, c) != NULL)
			fail_msg("%s: unexpected finding %s: %s", fx->path, c,
			    finding(a, c)->message);
	check_order(fx, a);
	for (s = fx->grades; (c = word(&s, " ", buf, sizeof(buf))) != NULL;) {
		size_t i, n = strcspn(c, "=");

		for (i = 0; i < VOUCH_AUDIT_NAREAS; i++)
			if (strncmp(vouch_audit_area_name(i), c, n) == 0 &&
			    vouch_audit_area_name(i)[n] == '\0')
				break;
		assert_true(i < VOUCH_AUDIT_NAREAS);
		if (strcmp(a->grade[i], c + n + 1) != 0)
			fail_msg("%s: grade %s is %s", fx->path, c, a->grade[i]);
	}
}

/*
 * spf_tree.h: the walk is check_host() for 255.255.255.255 and
 * postmaster@DOMAIN with the term and void limits raised to 100.  The
 * evaluator run that way counts the same; run with the RFC's limits it
 * agrees whenever the counts are within them, and gives permerror when
 * they are not.  A loop is where the two part by design (the walk stops
 * at the repeat, a receiver goes round until the limit).
 */
static void
check_spf_counts(struct vouch_dns *dns, const struct fixture *fx,
    const struct vouch_audit *a)
{
	struct vouch_spf_options o;
	struct vouch_spf_request req;
	struct vouch_spf_eval *ev;
	char mf[300];
	int loop = finding(a, "spf-include-loop") != NULL;

	memset(&req, 0, sizeof(req));
	memset(&o, 0, sizeof(o));
	assert_int_equal(vouch_ip_parse("255.255.255.255", &req.ip), 0);
	snprintf(mf, sizeof(mf), "postmaster@%s", a->domain);
	req.mail_from = mf;
	req.helo = a->domain;
	req.now = 1700000000;
	o.limits.dns_terms = 100;
	o.limits.void_lookups = 100;
	assert_int_equal(vouch_spf_check(dns, &req, &o, &ev), 0);
	if (!loop && (ev->dns_lookups != a->spf.dns_lookups ||
	    ev->void_lookups != a->spf.void_lookups))
		fail_msg("%s: audit %u/%u, vouch_spf_check %u/%u", fx->path,
		    a->spf.dns_lookups, a->spf.void_lookups, ev->dns_lookups,
		    ev->void_lookups);
	vouch_spf_eval_free(ev);
	assert_int_equal(vouch_spf_check(dns, &req, NULL, &ev), 0);
	if (!loop && a->spf.dns_lookups <= 10 && a->spf.void_lookups <= 2) {
		assert_int_equal(ev->dns_lookups, a->spf.dns_lookups);
		assert_int_equal(ev->void_lookups, a->spf.void_lookups);
	} else
		assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);
	vouch_spf_eval_free(ev);
}

static struct vouch_audit *
audit_fixture(const char *name, struct fixture *fx, struct vouch_dns **dnsp)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_audit_options o;
	struct vouch_audit *a = NULL;
	char rel[512];

	snprintf(rel, sizeof(rel), FIXTURES "/%s", name);
	load_fixture(fx, rel);
	*dnsp = fixture_dns(fx);
	fixture_opts(fx, &o);
	if (vouch_audit_domain(*dnsp, fx->domain, &o, &a, &err) != 0)
		fail_msg("%s: %s", fx->path, err.msg);
	return a;
}

static void
test_fixtures(void **state)
{
	DIR *d = opendir(tu_src_path(FIXTURES));
	struct vouch_dns *dns;
	struct vouch_audit *a;
	struct fixture fx;
	struct dirent *e;
	size_t n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".zone") != 0)
			continue;
		a = audit_fixture(e->d_name, &fx, &dns);
		check_codes(&fx, a);
		check_spf_counts(dns, &fx, a);
		assert_true(a->dns_queries > 0);
		vouch_audit_free(a);
		vouch_dns_free(dns);
		n++;
	}
	closedir(d);
	assert_true(n > 90);
}

/* Every code has its own fixture that expects it, and a line in the
 * docs. */
static void
test_codes_covered(void **state)
{
	const struct audit_code *codes;
	struct fixture fx;
	size_t i, n, len;
	char rel[512], *docs, pat[128];

	(void)state;
	codes = vouch__audit_codes(&n);
	docs = tu_read_file(tu_src_path("docs/domain.md"), &len);
	assert_non_null(docs);
	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), FIXTURES "/%s.zone", codes[i].code);
		load_fixture(&fx, rel);
		if (strstr(fx.expect, codes[i].code) == NULL)
			fail_msg("%s does not expect %s", rel, codes[i].code);
		snprintf(pat, sizeof(pat), "`%s`", codes[i].code);
		if (strstr(docs, pat) == NULL)
			fail_msg("docs/domain.md does not explain %s",
			    codes[i].code);
	}
	free(docs);
}

/* ---- single cases ------------------------------------------------------- */

static struct vouch_audit *
fx_audit(const char *zone, struct fixture *fx, struct vouch_dns **dns)
{
	char name[256];

	snprintf(name, sizeof(name), "%s.zone", zone);
	return audit_fixture(name, fx, dns);
}

static void
fx_done(struct vouch_audit *a, struct vouch_dns *dns)
{
	vouch_audit_free(a);
	vouch_dns_free(dns);
}

/* An audit of domain over zone text, with the test's PSL. */
static struct vouch_audit *
text_audit(const char *zone, const char *domain, struct vouch_dns **dns,
    const struct vouch_audit_options *opts)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_audit_options o;
	struct vouch_audit *a = NULL;

	if (vouch_dns_zone_new_text(zone, strlen(zone), NULL, dns, &err) != 0)
		fail_msg("zone: %s", err.msg);
	if (opts != NULL)
		o = *opts;
	else
		memset(&o, 0, sizeof(o));
	o.psl = psl;
	if (vouch_audit_domain(*dns, domain, &o, &a, &err) != 0)
		fail_msg("%s: %s", domain, err.msg);
	return a;
}

static void
fix_is(const struct vouch_audit *a, const char *code, const char *fix)
{
	const struct vouch_audit_finding *f = finding(a, code);

	assert_non_null(f);
	assert_non_null(f->fix);
	assert_string_equal(f->fix, fix);
}

/* audit.h: a name that is not a domain is VOUCH_EINVAL before any
 * query; so is a selector that is not one. */
static void
test_invalid_arguments(void **state)
{
	static const char *const bad[] = { "", "a..example", "192.0.2.1",
	    "exa mple.test", "-bad.test", "bad\x1b[2J.test", "a/b.test" };
	static const char *const badsel[] = { "bad sel" };
	struct vouch_error err = {0, 0, ""};
	struct vouch_audit_options o;
	struct vouch_audit *a = (struct vouch_audit *)1;
	struct vouch_dns *dns;
	size_t i;

	(void)state;
	assert_int_equal(vouch_dns_zone_new_text("", 0, "test.", &dns, &err),
	    0);
	assert_int_equal(vouch_dns_log_enable(dns, 1), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vouch_audit_domain(dns, bad[i], NULL, &a,
		    &err), VOUCH_EINVAL);
		assert_null(a);
		assert_true(err.msg[0] != '\0');
	}
	memset(&o, 0, sizeof(o));
	o.selectors = badsel;
	o.nselectors = 1;
	assert_int_equal(vouch_audit_domain(dns, "ok.test", &o, &a, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_audit_domain(NULL, "ok.test", NULL, &a, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_dns_log_count(dns), 0);
	vouch_dns_free(dns);
}

/* U-labels become A-labels (RFC 5891; "bücher" is "xn--bcher-kva" in
 * RFC 3492's punycode, the usual example). */
static void
test_idn(void **state)
{
	struct vouch_dns *dns;
	struct vouch_audit *a;

	(void)state;
	a = text_audit("$ORIGIN xn--bcher-kva.test.\n@ 300 MX 0 .\n"
	    "@ 300 TXT \"v=spf1 -all\"\n", "B\xc3\x9c" "CHER.test.", &dns, NULL);
	assert_string_equal(a->domain, "xn--bcher-kva.test");
	assert_string_equal(a->spf.record, "v=spf1 -all");
	assert_int_equal(a->nmx, 1);
	assert_string_equal(a->mx[0].host, ".");
	fx_done(a, dns);
}

/* The proposed records: the published text with only the term
 * concerned changed (RFC 7208 4.6.1 terms are space-separated). */
static void
test_spf_fixes(void **state)
{
	struct vouch_dns *dns;
	struct vouch_audit *a;
	struct fixture fx;
	const struct vouch_audit_finding *f;
	const char *p, *q;

	static const struct {
		const char *code;
		const char *fix;
	} fixes[] = {
		{ "spf-syntax", "publish at spf-syntax.test: \"v=spf1 mx -all\"" },
		{ "spf-several-records", "publish one record at "
		    "spf-several-records.test: \"v=spf1 mx ip4:192.0.2.0/24 "
		    "-all\"" },
		{ "spf-plus-all", "publish at spf-plus-all.test: \"v=spf1 mx "
		    "~all\"" },
		{ "spf-no-all", "publish at spf-no-all.test: \"v=spf1 mx "
		    "~all\"" },
		{ "spf-ptr", "publish at spf-ptr.test: \"v=spf1 -all\"" },
	};
	size_t i;

	(void)state;
	/* each fixture is named after its code */
	for (i = 0; i < sizeof(fixes) / sizeof(fixes[0]); i++) {
		a = fx_audit(fixes[i].code, &fx, &dns);
		fix_is(a, fixes[i].code, fixes[i].fix);
		fx_done(a, dns);
	}
	a = fx_audit("spf-syntax", &fx, &dns);
	assert_string_equal(finding(a, "spf-syntax")->evidence,
	    "ip4:192.0.2.300");
	fx_done(a, dns);
	/* RFC 7208 3.3: strings of at most 255 octets, joined without
	 * spaces, give the record back */
	a = fx_audit("spf-string-too-long", &fx, &dns);
	f = finding(a, "spf-string-too-long");
	assert_non_null(f);
	assert_non_null(p = strstr(f->fix, ": \""));
	for (p += 2; *p == '"'; p = q + 2) {
		q = strchr(p + 1, '"');
		assert_non_null(q);
		assert_true(q - p - 1 <= 255);
		if (q[1] != ' ')
			break;
	}
	fx_done(a, dns);
}

/* RFC 7208 4.6.4 counting order: include a (1), its a and mx (2, 3),
 * include b (4) ... include d (10), d's "a" is term 11. */
static void
test_spf_tree(void **state)
{
	const struct vouch_audit_spf_node *t;
	struct vouch_dns *dns;
	struct vouch_audit *a;
	struct fixture fx;
	size_t i;

	(void)state;
	a = fx_audit("spf-too-many-lookups", &fx, &dns);
	assert_int_equal(a->spf.dns_lookups, 12);
	assert_int_equal(a->spf.void_lookups, 0);
	t = a->spf.tree;
	assert_non_null(t);
	assert_null(t->via);
	assert_int_equal(t->dns_lookups, 4);
	assert_int_equal(t->total_lookups, 12);
	assert_int_equal(t->nchildren, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(t->children[i].status, "ok");
		assert_int_equal(t->children[i].dns_lookups, 2);
		assert_int_equal(t->children[i].total_lookups, 2);
		assert_int_equal(t->children[i].via[8], "abcd"[i]);
	}
	assert_non_null(strstr(finding(a, "spf-too-many-lookups")->message,
	    "'a' in the record of d.spf.spf-too-many-lookups.test"));
	fx_done(a, dns);
	a = fx_audit("spf-include-loop", &fx, &dns);
	t = a->spf.tree;
	assert_int_equal(t->nchildren, 1);
	assert_int_equal(t->children[0].nchildren, 1);
	assert_int_equal(t->children[0].children[0].nchildren, 1);
	assert_string_equal(t->children[0].children[0].children[0].status,
	    "loop");
	fx_done(a, dns);
	a = fx_audit("spf-too-many-void-lookups", &fx, &dns);
	assert_int_equal(a->spf.void_lookups, 3);
	assert_int_equal(a->spf.tree->void_lookups, 3);
	assert_string_equal(finding(a, "spf-too-many-void-lookups")->evidence,
	    "a:gone3.spf-too-many-void-lookups.test");
	fx_done(a, dns);
	a = fx_audit("spf-none", &fx, &dns);
	assert_null(a->spf.tree);
	assert_null(a->spf.record);
	fx_done(a, dns);
}

/*
 * Ten includes of eleven "a" terms each: 10 + 10 x 11 = 120 terms, past
 * the walk's raised limit of 100 (spf_tree.h).  Counted in order, each
 * include and its eleven make 12: the first eight make 96, the ninth
 * include is term 97 and its fourth "a" term 101, where the walk stops,
 * as vouch_spf_check() with the same limit does.
 */
static void
test_spf_cap(void **state)
{
	struct vouch_spf_options so;
	struct vouch_spf_request req;
	struct vouch_spf_eval *ev;
	char zone[8192] = "$ORIGIN cap.test.\n@ 300 MX 0 .\n@ 300 TXT "
	    "\"v=spf1";
	const struct vouch_audit_spf_node *t;
	struct vouch_dns *dns;
	struct vouch_audit *a;
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		tu_append(zone, sizeof(zone), " include:i%d.cap.test", i);
	tu_append(zone, sizeof(zone), " -all\"\nh 300 A 192.0.2.1\n");
	for (i = 0; i < 10; i++)
		tu_append(zone, sizeof(zone), "i%d 300 TXT \"v=spf1 a:h.cap.test"
		    " a:h.cap.test a:h.cap.test a:h.cap.test a:h.cap.test "
		    "a:h.cap.test a:h.cap.test a:h.cap.test a:h.cap.test "
		    "a:h.cap.test a:h.cap.test -all\"\n", i);
	a = text_audit(zone, "cap.test", &dns, NULL);
	assert_int_equal(a->spf.dns_lookups, 101);
	assert_non_null(strstr(finding(a, "spf-too-many-lookups")->message,
	    "at least 101"));
	t = a->spf.tree;
	assert_int_equal(t->nchildren, 9);
	assert_string_equal(t->children[8].status, "limit");
	memset(&req, 0, sizeof(req));
	memset(&so, 0, sizeof(so));
	assert_int_equal(vouch_ip_parse("255.255.255.255", &req.ip), 0);
	req.mail_from = "postmaster@cap.test";
	so.limits.dns_terms = 100;
	so.limits.void_lookups = 100;
	assert_int_equal(vouch_spf_check(dns, &req, &so, &ev), 0);
	assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);
	assert_int_equal(ev->dns_lookups, 101);
	vouch_spf_eval_free(ev);
	fx_done(a, dns);
}

/* The ranges: broader than /8 (IPv4) is an error, /16 a warning. */
static void
test_spf_ranges(void **state)
{
	struct vouch_dns *dns;
	struct vouch_audit *a;
	size_t i, n = 0;

	(void)state;
	a = text_audit("$ORIGIN r.test.\n@ 300 MX 0 .\n@ 300 TXT \"v=spf1 "
	    "ip4:0.0.0.0/4 ip4:192.0.2.0/16 -ip4:10.0.0.0/8 ip6:2001:db8::/48 "
	    "-all\"\n", "r.test", &dns, NULL);
	assert_int_equal(finding(a, "spf-range-too-broad")->severity,
	    VOUCH_AUDIT_ERROR);
	assert_string_equal(finding(a, "spf-range-too-broad")->evidence,
	    "ip4:0.0.0.0/4");
	/* /16 and /48 are at the thresholds; -ip4 authorizes nothing */
	for (i = 0; i < a->nfindings; i++)
		n += strcmp(a->findings[i].code, "spf-range-too-broad") == 0;
	assert_int_equal(n, 1);
	fx_done(a, dns);
}

static void
test_dmarc(void **state)
{
	const struct vouch_audit_dmarc *d;
	struct vouch_dns *dns;
	struct vouch_audit *a;
	struct fixture fx;

	(void)state;
	a = fx_audit("good", &fx, &dns);
	d = &a->dmarc;
	assert_string_equal(d->policy_domain, "good.test");
	assert_int_equal(d->policy, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(d->subdomain_policy, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(d->nonexistent_policy, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(d->ndiffs, 0);
	fx_done(a, dns);
	a = fx_audit("dmarc-invalid-value", &fx, &dns);
	fix_is(a, "dmarc-invalid-value", "publish at "
	    "_dmarc.dmarc-invalid-value.test: \"v=DMARC1; p=reject; "
	    "rua=mailto:d@dmarc-invalid-value.test\"");
	fx_done(a, dns);
	a = fx_audit("dmarc-sp-weaker", &fx, &dns);
	assert_int_equal(a->dmarc.subdomain_policy, VOUCH_DMARC_POLICY_NONE);
	assert_int_equal(a->dmarc.nonexistent_policy,
	    VOUCH_DMARC_POLICY_NONE);
	fx_done(a, dns);
	a = fx_audit("dmarc-inherited", &fx, &dns);
	assert_string_equal(a->dmarc.policy_domain, "dmarc-inherited.test");
	assert_int_equal(a->dmarc.policy, VOUCH_DMARC_POLICY_REJECT);
	fx_done(a, dns);
	a = fx_audit("dmarc-external-unauthorized", &fx, &dns);
	assert_non_null(strstr(finding(a, "dmarc-external-unauthorized")->fix,
	    "dmarc-external-unauthorized.test._report._dmarc.reports.example "
	    "TXT \"v=DMARC1\""));
	fx_done(a, dns);
	a = fx_audit("dmarc-rfc7489-differs", &fx, &dns);
	assert_int_equal(a->dmarc.ndiffs, 1);
	assert_string_equal(a->dmarc.diffs[0].aspect, "pct");
	assert_non_null(strstr(a->dmarc.diffs[0].rfc7489, "50%"));
	fx_done(a, dns);
}

/*
 * RFC 9989 4.10.2: psd=n at team.psdn.test ends the walk there, so it is
 * the organizational domain and its record covers its subdomains; RFC
 * 7489 3.2 takes psdn.test from the PSL ("test" is not listed: the "*"
 * rule), whose record says p=none.
 */
static void
test_dmarc_walk_stop(void **state)
{
	const struct vouch_audit_dmarc *d;
	struct vouch_dns *dns;
	struct vouch_audit *a;
	size_t i;
	int org = 0, psd = 0, sub = 0, np = 0;

	(void)state;
	a = text_audit("$ORIGIN psdn.test.\n_dmarc 300 TXT \"v=DMARC1; p=none; "
	    "rua=mailto:d@psdn.test\"\nteam 300 MX 0 .\n_dmarc.team 300 TXT "
	    "\"v=DMARC1; p=reject; psd=n; rua=mailto:d@psdn.test\"\n",
	    "team.psdn.test", &dns, NULL);
	d = &a->dmarc;
	assert_string_equal(d->policy_domain, "team.psdn.test");
	assert_int_equal(d->subdomain_policy, VOUCH_DMARC_POLICY_REJECT);
	for (i = 0; i < d->ndiffs; i++) {
		org |= strcmp(d->diffs[i].aspect, "org-domain") == 0;
		psd |= strcmp(d->diffs[i].aspect, "psd") == 0;
		sub |= strcmp(d->diffs[i].aspect,
		    "subdomain-policy-domain") == 0;
		np |= strcmp(d->diffs[i].aspect,
		    "nonexistent-subdomain-policy") == 0;
	}
	assert_true(org && psd && sub && np);
	fx_done(a, dns);
}

/* Key sizes as openssl made them; Ed25519 keys are 32 bytes (RFC 8032). */
static void
test_dkim_keys(void **state)
{
	static const struct {
		const char *zone;
		unsigned bits;
	} k[] = { {"dkim-key-too-short", 512}, {"dkim-key-short", 1024},
	    {"dkim-key-too-large", 5120} };
	struct vouch_dns *dns;
	struct vouch_audit *a;
	struct fixture fx;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		a = fx_audit(k[i].zone, &fx, &dns);
		assert_int_equal(a->ndkim, 1);
		assert_string_equal(a->dkim[0].key_type, "rsa");
		assert_int_equal(a->dkim[0].key_bits, k[i].bits);
		fx_done(a, dns);
	}
	a = fx_audit("good", &fx, &dns);
	assert_int_equal(a->ndkim, 2);
	assert_int_equal(a->dkim[0].key_bits, 2048);
	assert_string_equal(a->dkim[1].key_type, "ed25519");
	assert_int_equal(a->dkim[1].key_bits, 256);
	fx_done(a, dns);
	a = fx_audit("dkim-revoked", &fx, &dns);
	assert_true(a->dkim[0].revoked);
	fx_done(a, dns);
	a = fx_audit("dkim-testing", &fx, &dns);
	assert_true(a->dkim[0].testing);
	fx_done(a, dns);
}

/* A probed selector with a key is listed as probed; one without is not
 * listed at all. */
static void
test_dkim_probe(void **state)
{
	struct vouch_audit_options o;
	struct vouch_dns *dns;
	struct vouch_audit *a;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.probe = probe;
	a = text_audit("$ORIGIN p.test.\n@ 300 MX 0 .\nprobe2._domainkey 300 "
	    "TXT \"v=DKIM1; p=\"\n", "p.test", &dns, &o);
	assert_int_equal(a->ndkim, 1);
	assert_string_equal(a->dkim[0].selector, "probe2");
	assert_true(a->dkim[0].probed);
	assert_null(finding(a, "dkim-none-found"));
	fx_done(a, dns);
}

/* RFC 8461 3.2 policies, and 4.1's matching examples. */
static void
test_sts_policy(void **state)
{
	static const struct {
		const char *body;
		int rc;
	} c[] = {
		{ "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
		    "mx: *.example.net\r\nmax_age: 604800\r\n", 0 },
		{ "version: STSv1\nmode: none\nmax_age: 0", 0 },
		{ "version: STSv1\nmode: testing\nmx: a.example\nmax_age: 1\n"
		    "foo.bar-baz: anything at all\nmode: enforce\n", 0 },
		{ "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1",
		    VOUCH_ESYNTAX },
		{ "version: STSv1\nmode: enforce\nmax_age: 1", VOUCH_ESYNTAX },
		{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: "
		    "31557601", VOUCH_ESYNTAX },
		{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: "
		    "12345678901", VOUCH_ESYNTAX },
		{ "version: STSv1\nMode: enforce\nmx: a.example\nmax_age: 1",
		    VOUCH_ESYNTAX },
		{ "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1",
		    VOUCH_ESYNTAX },
		{ "version STSv1\n", VOUCH_ESYNTAX },
		{ "version: STSv1\nmode: enforce\x01\n", VOUCH_ESYNTAX },
	};
	struct vouch__arena ar;
	struct sts_policy p;
	char why[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		vouch__arena_init(&ar, 0);
		if (vouch__audit_sts_parse(&ar, c[i].body, strlen(c[i].body),
		    &p, why, sizeof(why)) != c[i].rc)
			fail_msg("case %zu: %s", i, why);
		vouch__arena_free(&ar);
	}
	vouch__arena_init(&ar, 0);
	assert_int_equal(vouch__audit_sts_parse(&ar, c[2].body,
	    strlen(c[2].body), &p, why, sizeof(why)), 0);
	assert_int_equal(p.mode, STS_MODE_TESTING);	/* the first counts */
	assert_int_equal(p.nmx, 1);
	vouch__arena_free(&ar);
	assert_true(vouch__audit_sts_match("*.example.com",
	    "mail.example.com"));
	assert_false(vouch__audit_sts_match("*.example.com", "example.com"));
	assert_false(vouch__audit_sts_match("*.example.com",
	    "foo.bar.example.com"));
	assert_true(vouch__audit_sts_match("mail.example.com",
	    "MAIL.example.com"));
}

static void
test_tags(void **state)
{
	static const struct {
		const char *s;
		int rc;
		size_t n;
	} c[] = {
		{ "v=STSv1; id=1;", 0, 2 },
		{ "v=TLSRPTv1;rua=mailto:a@b.example", 0, 2 },
		{ "v=BIMI1; l=; a=;", 0, 3 },
		{ " v = BIMI1 ; l = x ", 0, 2 },
		{ "v=STSv1;; id=1", VOUCH_ESYNTAX, 0 },
		{ "v=STSv1; id", VOUCH_ESYNTAX, 0 },
		{ "v=STSv1; =1", VOUCH_ESYNTAX, 0 },
		{ "v=STSv1; id=1; id=2", VOUCH_ESYNTAX, 0 },
		{ "v=STSv1; i d=1", VOUCH_ESYNTAX, 0 },
		{ "", VOUCH_ESYNTAX, 0 },
	};
	struct vouch__arena ar;
	struct audit_tags t;
	char why[128];
	size_t i;

	(void)state;
	/* one arena for every case: what a parse leaves in it stays valid */
	vouch__arena_init(&ar, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (vouch__audit_tags(&ar, c[i].s, &t, why, sizeof(why)) !=
		    c[i].rc || (c[i].rc == 0 && t.n != c[i].n))
			fail_msg("case %zu: \"%s\"", i, c[i].s);
	assert_int_equal(vouch__audit_tags(&ar, " v = BIMI1 ; l = x ", &t,
	    why, sizeof(why)), 0);
	assert_string_equal(vouch__audit_tag(&t, "l"), "x");
	assert_null(vouch__audit_tag(&t, "a"));
	vouch__arena_free(&ar);
}

/* The library keeps DNS text as it came (audit.h: escape when shown). */
static void
test_raw_text(void **state)
{
	struct vouch_dns *dns;
	struct vouch_audit *a;

	(void)state;
	a = text_audit("$ORIGIN h.test.\n@ 300 MX 0 .\n@ 300 TXT \"v=spf1 "
	    "-all \\027[2J\"\n", "h.test", &dns, NULL);
	assert_non_null(a->spf.record);
	assert_non_null(strchr(a->spf.record, 0x1b));
	assert_non_null(finding(a, "spf-syntax"));
	fx_done(a, dns);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(vouch_audit_area_name(VOUCH_AUDIT_MTA_STS),
	    "mta-sts");
	assert_string_equal(vouch_audit_area_name(VOUCH_AUDIT_TLS_RPT),
	    "tls-rpt");
	assert_string_equal(vouch_audit_area_name(VOUCH_AUDIT_NAREAS),
	    "unknown");
	assert_string_equal(vouch_audit_severity_name(VOUCH_AUDIT_WARNING),
	    "warning");
	vouch_audit_free(NULL);
}

/* STYLE.md: every allocation failing in turn gives a clean VOUCH_ENOMEM
 * (ASan reports any leak); over fixtures that reach every area and the
 * proposals (merged, repaired and corrected records). */
static void
failalloc_loop(const char *zone)
{
	struct vouch_audit_options o;
	struct vouch_audit *a;
	struct vouch_dns *dns;
	struct fixture fx;
	unsigned long n, total;
	int rc;

	a = fx_audit(zone, &fx, &dns);
	vouch_audit_free(a);
	fixture_opts(&fx, &o);
	failalloc_set(0);
	assert_int_equal(vouch_audit_domain(dns, fx.domain, &o, &a, NULL), 0);
	total = failalloc_count();
	vouch_audit_free(a);
	assert_true(total > 0);
	for (n = 1; n <= total; n++) {
		a = NULL;
		failalloc_set(n);
		rc = vouch_audit_domain(dns, fx.domain, &o, &a, NULL);
		failalloc_set(0);
		if (rc != VOUCH_ENOMEM)
			fail_msg("%s: allocation %lu of %lu failing: %s", zone, n,
			    total, vouch_strerror(rc));
		assert_null(a);
	}
	vouch_dns_free(dns);
}

static void
test_failalloc(void **state)
{
	static const char *const zones[] = { "good", "spf-syntax",
	    "spf-several-records", "spf-too-many-lookups", "spf-include-loop",
	    "dmarc-invalid-value", "dmarc-external-unauthorized",
	    "dkim-key-short", "mta-sts-mx-mismatch", "tls-rpt-bad-uri",
	    "bimi-logo-not-svg", "mx-host-no-address", "spf-string-too-long" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		failalloc_loop(zones[i]);
}

#define AUDIT_CASES \
	cmocka_unit_test(test_invalid_arguments), \
	cmocka_unit_test(test_idn), \
	cmocka_unit_test(test_spf_fixes), \
	cmocka_unit_test(test_spf_tree), \
	cmocka_unit_test(test_spf_cap), \
	cmocka_unit_test(test_spf_ranges), \
	cmocka_unit_test(test_dmarc), \
	cmocka_unit_test(test_dmarc_walk_stop), \
	cmocka_unit_test(test_dkim_keys), \
	cmocka_unit_test(test_dkim_probe), \
	cmocka_unit_test(test_sts_policy), \
	cmocka_unit_test(test_tags), \
	cmocka_unit_test(test_raw_text), \
	cmocka_unit_test(test_names), \
	cmocka_unit_test(test_failalloc)

static int
setup(void **state)
{
	struct vouch_error err = {0, 0, ""};
	static const char senders[] = "[service probe-test]\nname = Probe\n"
	    "source = https://example.com/\ndkim-selectors = probe1, probe2\n";

	(void)state;
	if (vouch_psl_load(tu_corpus_path(PSL_FILE), &psl, &err) != 0 ||
	    vouch_senders_parse(senders, strlen(senders), "probe.conf",
	    &probe, &err) != 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	vouch_psl_free(psl);
	vouch_senders_free(probe);
	return 0;
}

/* RFC 1035 3.3: character-strings of at most 255 octets, quoted. */
static void
test_txt_strings(void **state)
{
	char rec[301], *z;

	(void)state;
	memset(rec, 'a', 300);
	rec[300] = '\0';
	rec[10] = '"';
	z = vouch_audit_txt_strings(rec);
	assert_non_null(z);
	/* '"' + 255 octets (one escaped) + '" "' + 45 + '"' */
	assert_int_equal(strlen(z), 1 + 256 + 3 + 45 + 1);
	assert_int_equal(z[11], '\\');
	assert_int_equal(strncmp(z + 257, "\" \"", 3), 0);
	free(z);
	z = vouch_audit_txt_strings("v=spf1 -all");
	assert_string_equal(z, "\"v=spf1 -all\"");
	free(z);
	assert_null(vouch_audit_txt_strings(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_strings),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_codes_covered),
		AUDIT_CASES
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
