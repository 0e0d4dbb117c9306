/*
 * test_dmarc_eval.c - DMARC policy discovery and the evaluation of one
 * message (include/vouch/dmarc.h: vouch_dmarc_discover(),
 * vouch_dmarc_check()), over zones held in memory.
 *
 * Every expectation comes from the RFC text cited next to the case:
 * RFC 9989 (4.4 alignment, 4.7 tags, 4.10 tree walk, 4.10.1 policy
 * discovery, 4.10.2 organizational domain, 5.3 receiver actions,
 * appendix B.1 and B.4 examples), RFC 7489 (3.2 organizational domain
 * from the Public Suffix List, 6.6.3 policy discovery, 6.6.4 pct),
 * RFC 8020 (NXDOMAIN), SECURITY.md ("fail closed") and the header
 * comments of dmarc.h.  None comes from running the code.
 *
 * The RFC 7489 cases read the Public Suffix List of
 * shared/corpora/publicsuffix (its README: the snapshot the project's
 * own test vectors are written against).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/authres.h>
#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

#include "failalloc.h"
#include "testutil.h"

#define PSL_FILE "publicsuffix/public_suffix_list.dat"

/* One message to evaluate: the zone, the From field (or a whole header
 * section), and what SPF and DKIM said. */
struct spec {
	const char *zone;
	const char *from;		/* one From field's value */
	const char *header;		/* or the whole header section */
	enum vouch_spf_result spf;
	const char *spf_domain;
	struct vouch_dmarc_dkim dkim[2];
	size_t ndkim;
	const struct vouch_dmarc_options *opts;
};

struct run {
	struct vouch_dns *dns;
	struct vouch_msg *msg;
	struct vouch_dmarc_eval *ev;
};

static struct vouch_psl *psl;
static struct vouch_dmarc_options opts7489 = {
	.mode = VOUCH_DMARC_MODE_RFC7489 };	/* .psl set at start */

/* ---- zones --------------------------------------------------------------- */

/* RFC 9989 B.4.1 / B.4.2: records at example.com and signing.example.com,
 * none at com. */
static const char z_b4[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.signing.example.com. TXT \"v=DMARC1; p=none\"\n";

/* RFC 9989 B.4.3: a PSD record at bank.example, a record without psd at
 * giant.bank.example, nothing at example, mega.bank.example,
 * mail.mega.bank.example. */
static const char z_b43[] =
    "_dmarc.bank.example. TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "_dmarc.giant.bank.example. TXT \"v=DMARC1; p=quarantine\"\n"
    "giant.bank.example. A 192.0.2.1\n"
    "mail.giant.bank.example. A 192.0.2.2\n"
    "mail.mega.bank.example. A 192.0.2.3\n";

/* p, sp and np (RFC 9989 4.7, 4.10.1; RFC 8020). */
static const char z_pol[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; np=none\"\n"
    "example.com. A 192.0.2.1\n"
    "sub.example.com. A 192.0.2.2\n"
    "txtonly.example.com. TXT \"just text\"\n"
    "x.ent.example.com. A 192.0.2.3\n"
    "_dmarc.own.example.com. TXT \"v=DMARC1; p=none; sp=reject\"\n"
    "own.example.com. A 192.0.2.4\n"
    "_dmarc.example.org. TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
    "_dmarc.example.net. TXT \"v=DMARC1; p=quarantine\"\n"
    "sub.example.net. A 192.0.2.5\n"
    "_dmarc.psd.example. TXT "
    "\"v=DMARC1; p=quarantine; sp=reject; np=none; psd=y\"\n"
    "x.y.psd.example. A 192.0.2.6\n";

/* Records without a usable p= (RFC 9989 4.10.1). */
static const char z_rua[] =
    "_dmarc.norp.example. TXT \"v=DMARC1; rua=mailto:d@rua.example\"\n"
    "_dmarc.badp.example. TXT "
    "\"v=DMARC1; p=bogus; rua=mailto:d@rua.example\"\n"
    "_dmarc.badsp.example. TXT "
    "\"v=DMARC1; p=reject; sp=bogus; rua=mailto:d@rua.example\"\n"
    "_dmarc.badnp.example. TXT "
    "\"v=DMARC1; p=reject; np=bogus; rua=mailto:d@rua.example\"\n"
    "_dmarc.badpnorua.example. TXT \"v=DMARC1; p=bogus\"\n"
    "_dmarc.badnpnorua.example. TXT \"v=DMARC1; p=reject; np=bogus\"\n"
    "_dmarc.nopnorua.example. TXT \"v=DMARC1; adkim=s\"\n";

/* Several TXT records at one _dmarc name (RFC 9989 4.10 step 2). */
static const char z_multi[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=quarantine\"\n"
    "_dmarc.multi.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.multi.example.com. TXT \"v=DMARC1; p=none\"\n"
    "multi.example.com. A 192.0.2.1\n"
    "_dmarc.mixed.example.com. TXT \"v=spf1 -all\"\n"
    "_dmarc.mixed.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.only2.example. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.only2.example. TXT \"v=DMARC1; p=reject\"\n";

/* Alignment (RFC 9989 4.4, B.1). */
static const char z_al[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.example.net. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.strict.example. TXT \"v=DMARC1; p=reject; aspf=s; adkim=s\"\n"
    "example.com. A 192.0.2.1\n"
    "a.example.com. A 192.0.2.2\n"
    "child.example.com. A 192.0.2.3\n";

/* t=y (RFC 9989 4.7). */
static const char z_t[] =
    "_dmarc.trej.example. TXT \"v=DMARC1; p=reject; t=y\"\n"
    "_dmarc.tqua.example. TXT \"v=DMARC1; p=quarantine; t=y\"\n"
    "_dmarc.tnone.example. TXT \"v=DMARC1; p=none; t=y\"\n";

/* RFC 7489 mode. */
static const char z_7489[] =
    "_dmarc.example.co.uk. TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
    "_dmarc.b.example.co.uk. TXT \"v=DMARC1; p=none\"\n"
    "a.b.example.co.uk. A 192.0.2.1\n"
    "_dmarc.pct50.example. TXT \"v=DMARC1; p=reject; pct=50\"\n"
    "_dmarc.pct0.example. TXT \"v=DMARC1; p=reject; pct=0\"\n"
    "_dmarc.pct0q.example. TXT \"v=DMARC1; p=quarantine; pct=0\"\n"
    "_dmarc.nopct.example. TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.t.example. TXT \"v=DMARC1; p=reject; t=y\"\n"
    "_dmarc.np.example. TXT \"v=DMARC1; p=reject; sp=quarantine; np=none\"\n"
    "_dmarc.badnp.example. TXT \"v=DMARC1; p=reject; np=bogus\"\n"
    "_dmarc.psdy.example. TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "a.psdy.example. A 192.0.2.2\n";

/* DNS failures (RFC 9989 5.3.6, SECURITY.md). */
static const char z_tmp[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject; np=quarantine\"\n"
    "example.com. A 192.0.2.1\n"
    "$TIMEOUT _dmarc.slow.example.com.\n"
    "slow.example.com. A 192.0.2.2\n"
    "$SERVFAIL _dmarc.broken.example.\n"
    "sub.broken.example. A 192.0.2.3\n"
    "$TIMEOUT nxslow.example.com.\n"
    "$TIMEOUT _dmarc.mail.example.com.\n";

/* A failure at a name nothing depends on. */
static const char z_tld_down[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "example.com. A 192.0.2.1\n"
    "$TIMEOUT _dmarc.com.\n";

/* ---- running ------------------------------------------------------------- */

static struct vouch_dns *
zone(const char *text)
{
	struct vouch_dns *dns = NULL;
	struct vouch_error err;

	memset(&err, 0, sizeof(err));
	if (vouch_dns_zone_new_text(text, strlen(text), NULL, &dns, &err) != 0)
		fail_msg("zone: %s", err.msg);
	return dns;
}

static struct vouch_msg *
header(const char *text)
{
	struct vouch_msg *m = NULL;
	size_t off;

	assert_int_equal(vouch_msg_new(NULL, &m), 0);
	assert_int_equal(vouch_msg_parse_header(m, text, strlen(text), &off,
	    NULL), 0);
	return m;
}

static void
prepare(struct run *r, const struct spec *s, struct vouch_dmarc_request *rq)
{
	char buf[4096];

	memset(r, 0, sizeof(*r));
	r->dns = zone(s->zone);
	if (s->header != NULL) {
		r->msg = header(s->header);
	} else {
		(void)snprintf(buf, sizeof(buf), "From: %s\r\nSubject: t\r\n"
		    "\r\n", s->from);
		r->msg = header(buf);
	}
	memset(rq, 0, sizeof(*rq));
	rq->msg = r->msg;
	rq->spf = s->spf;
	rq->spf_domain = s->spf_domain;
	rq->dkim = s->dkim;
	rq->ndkim = s->ndkim;
}

static const struct vouch_dmarc_eval *
check(struct run *r, const struct spec *s)
{
	struct vouch_dmarc_request rq;
	struct vouch_error err;
	int rc;

	prepare(r, s, &rq);
	memset(&err, 0, sizeof(err));
	rc = vouch_dmarc_check(r->dns, &rq, s->opts, &r->ev, &err);
	if (rc != 0)
		fail_msg("vouch_dmarc_check: %s (%s)", vouch_strerror(rc),
		    err.msg);
	assert_non_null(r->ev);
	assert_non_null(r->ev->reason);
	return r->ev;
}

/* A message against z_al whose MAIL FROM example.com got spf; from is
 * one From field's value, or a whole header section when it ends with
 * an empty line. */
static const struct vouch_dmarc_eval *
check_al(struct run *r, const char *from, enum vouch_spf_result spf)
{
	size_t n = strlen(from);
	int whole = n >= 4 && strcmp(from + n - 4, "\r\n\r\n") == 0;

	return check(r, &(struct spec){ .zone = z_al,
	    .from = whole ? NULL : from, .header = whole ? from : NULL,
	    .spf = spf, .spf_domain = "example.com" });
}

static void
done(struct run *r)
{
	vouch_dmarc_eval_free(r->ev);
	vouch_msg_free(r->msg);
	vouch_dns_free(r->dns);
	memset(r, 0, sizeof(*r));
}

/* Run s; demand the result, the requested policy and the disposition. */
static void
expect_at(int line, const struct spec *s, enum vouch_dmarc_result res,
    enum vouch_dmarc_policy req, enum vouch_dmarc_policy dis)
{
	const struct vouch_dmarc_eval *ev;
	char why[2048] = "";
	struct run r;

	ev = check(&r, s);
	if (ev->result != res || ev->requested != req ||
	    ev->disposition != dis)
		(void)snprintf(why, sizeof(why), "line %d (From %s): got "
		    "dmarc=%s p=\"%s\" dis=\"%s\", want dmarc=%s p=\"%s\" "
		    "dis=\"%s\" -- %s", line, s->from ? s->from : "(header)",
		    vouch_dmarc_result_name(ev->result),
		    vouch_dmarc_policy_name(ev->requested),
		    vouch_dmarc_policy_name(ev->disposition),
		    vouch_dmarc_result_name(res), vouch_dmarc_policy_name(req),
		    vouch_dmarc_policy_name(dis), ev->reason);
	done(&r);
	if (why[0] != '\0')
		fail_msg("%s", why);
}
#define EXPECT(s, res, req, dis) expect_at(__LINE__, s, res, req, dis)

/* Just the result word. */
static void
result_at(int line, const struct spec *s, enum vouch_dmarc_result res)
{
	const struct vouch_dmarc_eval *ev;
	char why[2048] = "";
	struct run r;

	ev = check(&r, s);
	if (ev->result != res)
		(void)snprintf(why, sizeof(why), "line %d (From %s): got "
		    "dmarc=%s, want dmarc=%s -- %s", line, s->from ? s->from :
		    "(header)", vouch_dmarc_result_name(ev->result),
		    vouch_dmarc_result_name(res), ev->reason);
	done(&r);
	if (why[0] != '\0')
		fail_msg("%s", why);
}
#define RESULT(s, res) result_at(__LINE__, s, res)

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* s passes with SPF aligned or not, DKIM aligned by d= dkim (or NULL),
 * and the author's organizational and policy domains. */
static void
pass_at(int line, const struct spec *s, int spf, const char *dkim,
    const char *org, const char *policy_domain)
{
	const struct vouch_dmarc_eval *ev;
	char why[2048] = "";
	struct run r;

	ev = check(&r, s);
	if (ev->result != VOUCH_DMARC_PASS || !ev->spf_aligned != !spf ||
	    !same(ev->dkim_aligned, dkim) || !same(ev->org_domain, org) ||
	    !same(ev->policy_domain, policy_domain))
		(void)snprintf(why, sizeof(why), "line %d: dmarc=%s spf %s "
		    "dkim %s org %s policy at %s; want pass spf %s dkim %s org "
		    "%s policy at %s -- %s", line,
		    vouch_dmarc_result_name(ev->result),
		    ev->spf_aligned ? "aligned" : "not aligned",
		    ev->dkim_aligned ? ev->dkim_aligned : "not aligned",
		    ev->org_domain ? ev->org_domain : "(none)",
		    ev->policy_domain ? ev->policy_domain : "(none)",
		    spf ? "aligned" : "not aligned", dkim ? dkim :
		    "not aligned", org, policy_domain, ev->reason);
	done(&r);
	if (why[0] != '\0')
		fail_msg("%s", why);
}
#define PASS_AT(s, spf, dkim, org, pd) pass_at(__LINE__, s, spf, dkim, org, pd)

static struct vouch_dmarc_discovery *
discover(struct vouch_dns *dns, const char *domain,
    enum vouch_dmarc_method m, const struct vouch_dmarc_options *o)
{
	struct vouch_dmarc_discovery *d = NULL;
	struct vouch_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vouch_dmarc_discover(dns, domain, m, o, &d, &err);
	if (rc != 0)
		fail_msg("discover %s: %s (%s)", domain, vouch_strerror(rc),
		    err.msg);
	assert_non_null(d);
	assert_non_null(d->reason);
	return d;
}

static enum vouch_dmarc_method
method_of(const struct vouch_dmarc_options *o)
{
	return o != NULL && o->mode == VOUCH_DMARC_MODE_RFC7489 ?
	    VOUCH_DMARC_RFC7489 : VOUCH_DMARC_RFC9989;
}

/* The discovery of domain (method as o says) asks exactly the _dmarc
 * names of want (NULL-ended), in order, and finds the organizational
 * domain org. */
static void
walk_is(const char *zonetext, const struct vouch_dmarc_options *o,
    const char *domain, const char *const *want, const char *org)
{
	struct vouch_dns *dns = zone(zonetext);
	struct vouch_dmarc_discovery *d;
	char why[1024] = "";
	size_t i, n = 0;

	d = discover(dns, domain, method_of(o), o);
	assert_int_equal(d->method, method_of(o));
	while (want[n] != NULL)
		n++;
	for (i = 0; i < d->nqueries && i < n; i++)
		if (strcmp(d->queries[i].name, want[i]) != 0)
			break;
	if (i < n || d->nqueries != n)
		(void)snprintf(why, sizeof(why), "%s: query %zu is %s, want "
		    "%s (%zu queries, want %zu)", domain, i, i < d->nqueries ?
		    d->queries[i].name : "(none)", i < n ? want[i] : "(none)",
		    d->nqueries, n);
	else if (d->org_domain == NULL || strcmp(d->org_domain, org) != 0)
		(void)snprintf(why, sizeof(why), "%s: organizational domain "
		    "%s, want %s", domain, d->org_domain ? d->org_domain :
		    "(none)", org);
	vouch_dmarc_discovery_free(d);
	vouch_dns_free(dns);
	if (why[0] != '\0')
		fail_msg("%s", why);
}

/* Discovery of domain: its policy domain, organizational domain, the
 * tag selected and the policy (NULL strings: none expected). */
static void
policy_at(int line, const char *zonetext, const struct vouch_dmarc_options *o,
    const char *domain, const char *policy_domain, const char *org,
    const char *tag, enum vouch_dmarc_policy want)
{
	struct vouch_dns *dns = zone(zonetext);
	struct vouch_dmarc_discovery *d;
	const char *pd, *pt;
	char why[2048] = "";

	d = discover(dns, domain, method_of(o), o);
	pd = d->policy_domain ? d->policy_domain : "(none)";
	pt = d->policy_tag ? d->policy_tag : "(none)";
	if (strcmp(pd, policy_domain ? policy_domain : "(none)") != 0 ||
	    (org != NULL && (d->org_domain == NULL ||
	    strcmp(d->org_domain, org) != 0)) ||
	    strcmp(pt, tag ? tag : "(none)") != 0 || d->requested != want ||
	    d->temperror)
		(void)snprintf(why, sizeof(why), "line %d: %s: policy "
		    "%s=\"%s\" at %s (org %s%s), want %s=\"%s\" at %s (org "
		    "%s) -- %s", line, domain, pt,
		    vouch_dmarc_policy_name(d->requested), pd,
		    d->org_domain ? d->org_domain : "(none)",
		    d->temperror ? ", temperror" : "", tag ? tag : "(none)",
		    vouch_dmarc_policy_name(want), policy_domain ?
		    policy_domain : "(none)", org ? org : "(any)", d->reason);
	vouch_dmarc_discovery_free(d);
	vouch_dns_free(dns);
	if (why[0] != '\0')
		fail_msg("%s", why);
}
#define POLICY_AT(z, d, pd, org, tag, want) \
	policy_at(__LINE__, z, NULL, d, pd, org, tag, want)
#define POLICY7489_AT(z, d, pd, org, tag, want) \
	policy_at(__LINE__, z, &opts7489, d, pd, org, tag, want)

/* A fragment must read back as exactly one dmarc result with the given
 * word and header.from, and policy.dmarc when it passed or failed
 * (RFC 8601 2.7.7 / RFC 9989 9.1, 9.2); nothing else can hide in it.
 * 0, or -1 with why set. */
static int
fragment_problem(const char *frag, enum vouch_dmarc_result res,
    const char *domain, char *why, size_t len)
{
	struct vouch_authres *ar = NULL;
	struct vouch_error err;
	const struct vouch_authres_result *x;
	const char *word = vouch_dmarc_result_name(res), *hf, *pol;
	char buf[4096], want[128];
	int applied = res == VOUCH_DMARC_PASS || res == VOUCH_DMARC_FAIL;

	(void)snprintf(want, sizeof(want), "dmarc=%s", word);
	(void)snprintf(buf, sizeof(buf), " mx.example.net; %s", frag);
	memset(&err, 0, sizeof(err));
	if (strpbrk(frag, "\r\n") != NULL || strncmp(frag, want,
	    strlen(want)) != 0)
		(void)snprintf(why, len, "fragment \"%s\": a line end, or not "
		    "starting with %s", frag, want);
	else if (vouch_authres_parse(buf, strlen(buf), &ar, &err) != 0)
		(void)snprintf(why, len, "fragment \"%s\" does not parse: %s",
		    frag, err.msg);
	else if (ar->nresults != 1)
		(void)snprintf(why, len, "fragment \"%s\" holds %zu results",
		    frag, ar->nresults);
	else {
		x = &ar->results[0];
		hf = vouch_authres_prop(x, "header", "from");
		pol = vouch_authres_prop(x, "policy", "dmarc");
		if (strcmp(x->method, "dmarc") != 0 ||
		    strcmp(x->result, word) != 0 || hf == NULL ||
		    strcmp(hf, domain) != 0 || (pol != NULL) != applied)
			(void)snprintf(why, len, "fragment \"%s\": want %s "
			    "header.from=%s%s", frag, want, domain, applied ?
			    " policy.dmarc=..." : " without policy.dmarc");
		else
			why[0] = '\0';
	}
	vouch_authres_free(ar);
	return why[0] != '\0' ? -1 : 0;
}

/* Check a fragment of r's evaluation; r is released before a failure. */
static void
fragment_is(struct run *r, const char *frag, enum vouch_dmarc_result res,
    const char *domain)
{
	char why[2048];

	assert_non_null(frag);
	if (fragment_problem(frag, res, domain, why, sizeof(why)) != 0) {
		done(r);
		fail_msg("%s", why);
	}
}

static const struct vouch_dmarc_diff *
find_diff(const struct vouch_dmarc_eval *ev, const char *what)
{
	size_t i;

	for (i = 0; i < ev->ndiffs; i++)
		if (strcmp(ev->diffs[i].what, what) == 0)
			return &ev->diffs[i];
	return NULL;
}

/* ---- RFC 9989 appendix B.4: tree walk examples --------------------------- */

/* B.4.1: "To determine the Organizational Domain for the Author Domain,
 * query _dmarc.example.com and _dmarc.com"; for signing.example.com
 * "query _dmarc.signing.example.com, _dmarc.example.com, and
 * _dmarc.com" and "example.com is the Organizational Domain". */
static void
test_b41_simple(void **state)
{
	static const char *const q_author[] = { "_dmarc.example.com",
	    "_dmarc.com", NULL };
	static const char *const q_dkim[] = { "_dmarc.signing.example.com",
	    "_dmarc.example.com", "_dmarc.com", NULL };

	(void)state;
	walk_is(z_b4, NULL, "example.com", q_author, "example.com");
	POLICY_AT(z_b4, "example.com", "example.com", "example.com", "p",
	    VOUCH_DMARC_POLICY_REJECT);
	walk_is(z_b4, NULL, "signing.example.com", q_dkim, "example.com");
	POLICY_AT(z_b4, "signing.example.com", "signing.example.com",
	    "example.com", "p", VOUCH_DMARC_POLICY_NONE);

	/* "SPF is aligned", "DKIM is aligned for relaxed alignment"; "since
	 * the RFC5322.From domain has a DMARC Policy Record, that is the
	 * policy domain". */
	PASS_AT(&((struct spec){ .zone = z_b4, .from = "a@example.com",
	    .spf = VOUCH_SPF_PASS, .spf_domain = "example.com",
	    .dkim = { { "signing.example.com", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1 }), 1, "signing.example.com", "example.com",
	    "example.com");
	/* DKIM alone carries the pass (B.4.1, 5.3.5). */
	PASS_AT(&((struct spec){ .zone = z_b4, .from = "a@example.com",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "example.com",
	    .dkim = { { "signing.example.com", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1 }), 0, "signing.example.com", "example.com",
	    "example.com");
}

/* B.4.2: the author a.b.c.d.e.f.g.h.i.j.k.example.com is walked with
 * exactly these eight queries ("skipping the intermediate names"), and
 * example.com is its organizational and policy domain.  4.10: "Author
 * Domains with more than eight labels do not result in more than eight
 * DNS queries". */
static void
test_b42_deep(void **state)
{
	static const char *const q_b42[] = {
		"_dmarc.a.b.c.d.e.f.g.h.i.j.k.example.com",
		"_dmarc.g.h.i.j.k.example.com", "_dmarc.h.i.j.k.example.com",
		"_dmarc.i.j.k.example.com", "_dmarc.j.k.example.com",
		"_dmarc.k.example.com", "_dmarc.example.com", "_dmarc.com",
		NULL };
	/* The 4.10 illustration, "a full DNS Tree Walk would require the
	 * following eight queries". */
	static const char *const q_410[] = {
		"_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com",
		"_dmarc.g.h.i.j.mail.example.com",
		"_dmarc.h.i.j.mail.example.com", "_dmarc.i.j.mail.example.com",
		"_dmarc.j.mail.example.com", "_dmarc.mail.example.com",
		"_dmarc.example.com", "_dmarc.com", NULL };

	(void)state;
	/* Exactly these eight: never more than VOUCH_DMARC_WALK_MAX. */
	walk_is(z_b4, NULL, "a.b.c.d.e.f.g.h.i.j.k.example.com", q_b42,
	    "example.com");
	POLICY_AT(z_b4, "a.b.c.d.e.f.g.h.i.j.k.example.com", "example.com",
	    "example.com", "p", VOUCH_DMARC_POLICY_REJECT);
	walk_is(z_b4, NULL, "a.b.c.d.e.f.g.h.i.j.mail.example.com", q_410,
	    "example.com");

	/* "SPF is aligned", "DKIM is aligned for relaxed alignment", "the
	 * policy domain is ... example.com". */
	PASS_AT(&((struct spec){ .zone = z_b4,
	    .from = "a@a.b.c.d.e.f.g.h.i.j.k.example.com",
	    .spf = VOUCH_SPF_PASS, .spf_domain = "example.com",
	    .dkim = { { "signing.example.com", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1 }), 1, "signing.example.com", "example.com",
	    "example.com");
}

/* B.4.3: psd=y at bank.example.  Author giant.bank.example: org and
 * policy domain giant.bank.example, the walk "stops because of the
 * psd=y flag"; MAIL FROM mail.giant.bank.example: org
 * giant.bank.example, "SPF is aligned"; DKIM mail.mega.bank.example:
 * org mega.bank.example, "DKIM is not aligned". */
static void
test_b43_psd(void **state)
{
	static const char *const q_author[] = { "_dmarc.giant.bank.example",
	    "_dmarc.bank.example", NULL };
	static const char *const q_spf[] = {
	    "_dmarc.mail.giant.bank.example", "_dmarc.giant.bank.example",
	    "_dmarc.bank.example", NULL };
	static const char *const q_dkim[] = { "_dmarc.mail.mega.bank.example",
	    "_dmarc.mega.bank.example", "_dmarc.bank.example", NULL };

	(void)state;
	walk_is(z_b43, NULL, "giant.bank.example", q_author,
	    "giant.bank.example");
	POLICY_AT(z_b43, "giant.bank.example", "giant.bank.example",
	    "giant.bank.example", "p", VOUCH_DMARC_POLICY_QUARANTINE);
	walk_is(z_b43, NULL, "mail.giant.bank.example", q_spf,
	    "giant.bank.example");
	walk_is(z_b43, NULL, "mail.mega.bank.example", q_dkim,
	    "mega.bank.example");
	/* 4.10.1: no record at the author or its organizational domain:
	 * the PSD's record applies (p: no sp=). */
	POLICY_AT(z_b43, "mail.mega.bank.example", "bank.example",
	    "mega.bank.example", "p", VOUCH_DMARC_POLICY_REJECT);

	PASS_AT(&((struct spec){ .zone = z_b43,
	    .from = "a@giant.bank.example", .spf = VOUCH_SPF_PASS,
	    .spf_domain = "mail.giant.bank.example",
	    .dkim = { { "mail.mega.bank.example", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1 }), 1, NULL, "giant.bank.example",
	    "giant.bank.example");
	/* Without SPF the message fails: "DKIM is not aligned". */
	EXPECT(&((struct spec){ .zone = z_b43, .from = "a@giant.bank.example",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "mail.giant.bank.example",
	    .dkim = { { "mail.mega.bank.example", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1 }), VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_QUARANTINE,
	    VOUCH_DMARC_POLICY_QUARANTINE);
}

/* ---- RFC 9989 4.10.1: which record, which tag ---------------------------- */

/* "from highest preference to lowest: The Author Domain, The
 * Organizational Domain of the Author Domain, The PSD of the Author
 * Domain"; "If the DMARC Policy Record to be applied is that of the
 * Author Domain, then the Domain Owner Assessment Policy is taken from
 * the p tag". */
static void
test_policy_author_org_psd(void **state)
{
	(void)state;
	/* The author's own record: its p=, not its sp=. */
	POLICY_AT(z_pol, "own.example.com", "own.example.com", "example.com",
	    "p", VOUCH_DMARC_POLICY_NONE);
	/* The organizational domain's record for an existing subdomain. */
	POLICY_AT(z_pol, "sub.example.com", "example.com", "example.com",
	    "sp", VOUCH_DMARC_POLICY_QUARANTINE);
	/* The PSD's record (4.10.2 step 2: org is one label below it). */
	POLICY_AT(z_pol, "x.y.psd.example", "psd.example", "y.psd.example",
	    "sp", VOUCH_DMARC_POLICY_REJECT);
	/* 5.3.2: no record anywhere, DMARC does not apply. */
	POLICY_AT(z_pol, "nothing.example", NULL, NULL, NULL,
	    VOUCH_DMARC_POLICY_UNSET);
	RESULT(&((struct spec){ .zone = z_pol, .from = "a@nothing.example",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "nothing.example" }),
	    VOUCH_DMARC_NONE);
}

/* 4.10.1: "the Domain Owner Assessment Policy is taken from the sp tag
 * (if any) if the Author Domain exists or the np tag (if any) if the
 * Author Domain does not exist.  In the absence of applicable sp or np
 * tags, the p tag policy is used"; 4.7 np: "If the np tag is absent,
 * the policy specified by the sp tag (if the sp tag is present) or the
 * policy specified by the p tag ... MUST be applied for non-existent
 * subdomains"; 3.2.13 / RFC 8020: only NXDOMAIN means "does not
 * exist" (a name with only a TXT record, or an empty non-terminal,
 * exists). */
static void
test_p_sp_np(void **state)
{
	struct vouch_dns *dns;
	struct vouch_dmarc_discovery *d;

	(void)state;
	POLICY_AT(z_pol, "example.com", "example.com", "example.com", "p",
	    VOUCH_DMARC_POLICY_REJECT);
	POLICY_AT(z_pol, "sub.example.com", "example.com", "example.com",
	    "sp", VOUCH_DMARC_POLICY_QUARANTINE);
	POLICY_AT(z_pol, "txtonly.example.com", "example.com", "example.com",
	    "sp", VOUCH_DMARC_POLICY_QUARANTINE);
	POLICY_AT(z_pol, "ent.example.com", "example.com", "example.com",
	    "sp", VOUCH_DMARC_POLICY_QUARANTINE);
	POLICY_AT(z_pol, "nx.example.com", "example.com", "example.com",
	    "np", VOUCH_DMARC_POLICY_NONE);
	/* np absent: sp for a non-existent subdomain. */
	POLICY_AT(z_pol, "nx.example.org", "example.org", "example.org",
	    "sp", VOUCH_DMARC_POLICY_QUARANTINE);
	/* sp and np absent: p for every subdomain. */
	POLICY_AT(z_pol, "sub.example.net", "example.net", "example.net",
	    "p", VOUCH_DMARC_POLICY_QUARANTINE);
	POLICY_AT(z_pol, "nx.example.net", "example.net", "example.net",
	    "p", VOUCH_DMARC_POLICY_QUARANTINE);
	/* The PSD's np for a name under it that does not exist. */
	POLICY_AT(z_pol, "nx.psd.example", "psd.example", "nx.psd.example",
	    "np", VOUCH_DMARC_POLICY_NONE);

	dns = zone(z_pol);
	d = discover(dns, "nx.example.com", VOUCH_DMARC_RFC9989, NULL);
	assert_int_equal(d->exists, 0);
	vouch_dmarc_discovery_free(d);
	vouch_dns_free(dns);
	/* And the message's disposition follows: np=none for nx, sp for
	 * the existing name. */
	EXPECT(&((struct spec){ .zone = z_pol, .from = "a@nx.example.com",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example" }),
	    VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_NONE, VOUCH_DMARC_POLICY_NONE);
	EXPECT(&((struct spec){ .zone = z_pol, .from = "a@txtonly.example.com",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example" }),
	    VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_QUARANTINE,
	    VOUCH_DMARC_POLICY_QUARANTINE);
}

/* 4.10.1: "If a retrieved DMARC Policy Record does not contain a valid
 * p tag, or contains an sp or np tag that is not valid, then: If a rua
 * tag is present and contains at least one syntactically valid
 * reporting URI, the Mail Receiver MUST act as if a record containing
 * p=none was retrieved and continue processing.  Otherwise, the Mail
 * Receiver applies no DMARC processing to this message." */
static void
test_rua_fallback(void **state)
{
	static const char *const as_none[] = { "norp.example", "badp.example",
	    "badsp.example", "badnp.example" };
	static const char *const ignored[] = { "badpnorua.example",
	    "badnpnorua.example", "nopnorua.example" };
	struct spec s = { .zone = z_rua, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example" };
	char from[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(as_none) / sizeof(as_none[0]); i++) {
		POLICY_AT(z_rua, as_none[i], as_none[i], NULL, "p",
		    VOUCH_DMARC_POLICY_NONE);
		(void)snprintf(from, sizeof(from), "a@%s", as_none[i]);
		s.from = from;
		EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_NONE,
		    VOUCH_DMARC_POLICY_NONE);
	}
	/* The last one: p= absent, no rua.  4.7 p: "treated as if it
	 * included p=none (see Section 4.10.1)" against 4.10.1's
	 * "Otherwise ... no DMARC processing"; dmarc.h's
	 * VOUCH_DMARC_IGNORE is the contract tested. */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		(void)snprintf(from, sizeof(from), "a@%s", ignored[i]);
		s.from = from;
		RESULT(&s, VOUCH_DMARC_NONE);
	}
}

/* 4.10 step 2: "Records that do not start with a v tag that identifies
 * the current version of DMARC are discarded.  If multiple DMARC Policy
 * Records are returned for a single target, they are all discarded." */
static void
test_several_records(void **state)
{
	struct vouch_dns *dns = zone(z_multi);
	struct vouch_dmarc_discovery *d;

	(void)state;
	d = discover(dns, "multi.example.com", VOUCH_DMARC_RFC9989, NULL);
	assert_true(d->nqueries >= 1);
	assert_string_equal(d->queries[0].name, "_dmarc.multi.example.com");
	assert_int_equal(d->queries[0].ndmarc, 2);
	assert_null(d->queries[0].record);
	vouch_dmarc_discovery_free(d);
	vouch_dns_free(dns);
	/* Discarded at the author: the walk goes on to example.com. */
	POLICY_AT(z_multi, "multi.example.com", "example.com", "example.com",
	    "p", VOUCH_DMARC_POLICY_QUARANTINE);
	/* Discarded and nothing above: no DMARC. */
	POLICY_AT(z_multi, "only2.example", NULL, NULL, NULL,
	    VOUCH_DMARC_POLICY_UNSET);
	RESULT(&((struct spec){ .zone = z_multi, .from = "a@only2.example",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example" }),
	    VOUCH_DMARC_NONE);
	/* An SPF record beside one DMARC record: one DMARC record. */
	POLICY_AT(z_multi, "mixed.example.com", "mixed.example.com",
	    "example.com", "p", VOUCH_DMARC_POLICY_REJECT);
}

/* ---- identifier alignment (RFC 9989 4.4, 3.2.10, B.1) -------------------- */

static void
test_alignment_spf(void **state)
{
	struct spec s = { .zone = z_al, .spf = VOUCH_SPF_PASS };

	(void)state;
	/* B.1.1 example 1: strict (identical). */
	s.from = "sender@example.com";
	s.spf_domain = "example.com";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* B.1.1 example 2: MAIL FROM child.example.com, From example.com:
	 * "relaxed alignment". */
	s.spf_domain = "child.example.com";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* B.1.1 example 3: example.net vs child.example.com: "not in
	 * alignment". */
	s.from = "sender@child.example.com";
	s.spf_domain = "example.net";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
	/* aspf=s: only identical domains align (3.2.10.2) ... */
	s.from = "sender@strict.example";
	s.spf_domain = "mail.strict.example";
	RESULT(&s, VOUCH_DMARC_FAIL);
	/* ... compared case-insensitively (4.4, RFC 4343). */
	s.spf_domain = "STRICT.Example";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* B.1.1: "Alignment cannot exist if SPF does not produce a passing
	 * result." */
	s.from = "sender@example.com";
	s.spf_domain = "example.com";
	s.spf = VOUCH_SPF_SOFTFAIL;
	RESULT(&s, VOUCH_DMARC_FAIL);
	s.spf = VOUCH_SPF_NEUTRAL;
	RESULT(&s, VOUCH_DMARC_FAIL);
	s.spf = VOUCH_SPF_NONE;
	RESULT(&s, VOUCH_DMARC_FAIL);
	s.spf = VOUCH_SPF_FAIL;
	RESULT(&s, VOUCH_DMARC_FAIL);
}

static void
test_alignment_dkim(void **state)
{
	struct spec s = { .zone = z_al, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example", .ndkim = 1 };
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	s.dkim[0] = (struct vouch_dmarc_dkim){ "example.com", "s",
	    VOUCH_DKIM_PASS };
	/* B.1.2 example 1: strict. */
	s.from = "sender@example.com";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* B.1.2 example 2: d=example.com, From child.example.com: relaxed. */
	s.from = "sender@child.example.com";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* B.1.2 example 3: d=example.net: not aligned. */
	s.dkim[0].domain = "example.net";
	RESULT(&s, VOUCH_DMARC_FAIL);
	/* adkim=s. */
	s.from = "sender@strict.example";
	s.dkim[0].domain = "sub.strict.example";
	RESULT(&s, VOUCH_DMARC_FAIL);
	s.dkim[0].domain = "Strict.EXAMPLE";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* 4.4.1: "considered to produce a DMARC pass result if any DKIM-
	 * Authenticated Identifier aligns": the second signature does. */
	s.from = "sender@example.com";
	s.ndkim = 2;
	s.dkim[0] = (struct vouch_dmarc_dkim){ "example.net", "s",
	    VOUCH_DKIM_PASS };
	s.dkim[1] = (struct vouch_dmarc_dkim){ "mail.example.com", "s",
	    VOUCH_DKIM_PASS };
	ev = check(&r, &s);
	assert_int_equal(ev->result, VOUCH_DMARC_PASS);
	assert_string_equal(ev->dkim_aligned, "mail.example.com");
	done(&r);
}

/* 3.2.10.1: the same organizational domain is relaxed alignment, and
 * siblings share example.com (4.4 table 1: foo.example.com and
 * news.example.com "have the same Organizational Domain").  mail-auth
 * issue #37: sibling subdomains were wrongly not aligned. */
static void
test_sibling_subdomains(void **state)
{
	struct spec s = { .zone = z_al, .from = "a@a.example.com",
	    .spf = VOUCH_SPF_PASS, .spf_domain = "b.example.com" };

	(void)state;
	RESULT(&s, VOUCH_DMARC_PASS);
	s.from = "a@news.example.com";
	s.spf_domain = "foo.example.com";
	RESULT(&s, VOUCH_DMARC_PASS);
	s.spf = VOUCH_SPF_FAIL;
	s.ndkim = 1;
	s.dkim[0] = (struct vouch_dmarc_dkim){ "foo.example.com", "s",
	    VOUCH_DKIM_PASS };
	RESULT(&s, VOUCH_DMARC_PASS);
}

/* 3.2.3: the DKIM Signing Domain is the d= "in a validated
 * DKIM-Signature"; B.1.2: "Alignment cannot exist with a DKIM signature
 * that does not validate".  "policy" (l= shorter than the body, rsa-sha1,
 * ...) and "fail" are not validated (SECURITY.md table). */
static void
test_dkim_not_pass_never_aligns(void **state)
{
	static const enum vouch_dkim_result bad[] = { VOUCH_DKIM_POLICY,
	    VOUCH_DKIM_FAIL, VOUCH_DKIM_NEUTRAL, VOUCH_DKIM_NONE };
	struct spec s = { .zone = z_al, .from = "sender@example.com",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example",
	    .ndkim = 1 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.dkim[0] = (struct vouch_dmarc_dkim){ "example.com", "s",
		    bad[i] };
		EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
		    VOUCH_DMARC_POLICY_REJECT);
	}
}

/* dmarc.h: spf_domain "NULL or "" for the null reverse-path (HELO never
 * aligns)"; 4.4.2: "DMARC relies solely on SPF validation of the MAIL
 * FROM identity".  A pass with no MAIL FROM domain aligns nothing. */
static void
test_null_path_never_aligns(void **state)
{
	struct spec s = { .zone = z_al, .from = "sender@example.com",
	    .spf = VOUCH_SPF_PASS, .spf_domain = NULL };

	(void)state;
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
	s.spf_domain = "";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
}

/* 4.7 t=y: "if the policy is quarantine and the value of the t tag is
 * y, a policy of none will be applied to failing messages; if the policy
 * is reject ... a policy of quarantine"; "it has no effect on any policy
 * ... that is none". */
static void
test_testing_flag(void **state)
{
	struct spec s = { .zone = z_t, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example" };
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	s.from = "a@trej.example";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_QUARANTINE);
	s.from = "a@tqua.example";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_QUARANTINE,
	    VOUCH_DMARC_POLICY_NONE);
	s.from = "a@tnone.example";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_NONE,
	    VOUCH_DMARC_POLICY_NONE);
	ev = check(&r, &s);
	assert_true(ev->testing);
	done(&r);
}

/* ---- RFC 7489 mode ------------------------------------------------------- */

static unsigned
fixed_draw(void *arg)
{
	unsigned *v = arg;

	return *v;
}

/* 3.2: org = the PSL match plus one label (co.uk is on the list, so
 * example.co.uk); 6.6.3: the author's record, else the organizational
 * domain's (no names in between), whose sp= applies to subdomains. */
static void
test_rfc7489_discovery(void **state)
{
	static const char *const q[] = { "_dmarc.a.b.example.co.uk",
	    "_dmarc.example.co.uk", NULL };
	struct spec s = { .zone = z_7489, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example", .opts = &opts7489 };

	(void)state;
	walk_is(z_7489, &opts7489, "a.b.example.co.uk", q, "example.co.uk");
	POLICY7489_AT(z_7489, "a.b.example.co.uk", "example.co.uk",
	    "example.co.uk", "sp", VOUCH_DMARC_POLICY_QUARANTINE);
	/* 6.6.3 step 1: the author's own record first. */
	POLICY7489_AT(z_7489, "b.example.co.uk", "b.example.co.uk",
	    "example.co.uk", "p", VOUCH_DMARC_POLICY_NONE);

	s.from = "a@example.co.uk";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
	s.from = "a@a.b.example.co.uk";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_QUARANTINE,
	    VOUCH_DMARC_POLICY_QUARANTINE);
	/* 3.1.2 relaxed: the same organizational domain by the PSL. */
	s.spf = VOUCH_SPF_PASS;
	s.spf_domain = "bounces.example.co.uk";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* co.uk is a public suffix: other.co.uk is another organization. */
	s.spf_domain = "other.co.uk";
	RESULT(&s, VOUCH_DMARC_FAIL);
}

/* 6.6.4: pct "MUST NOT enact the requested policy ... on more than the
 * stated percent"; "If the email is not subject to the reject policy
 * (due to the pct tag), the Mail Receiver SHOULD treat the email as
 * though the quarantine policy applies"; not subject to quarantine:
 * "apply local message classification as normal" (none).  dmarc.h
 * random_fn: "Returning a value < pct applies the policy". */
static void
test_rfc7489_pct(void **state)
{
	unsigned v = 0;
	struct vouch_dmarc_options o = { .mode = VOUCH_DMARC_MODE_RFC7489,
	    .psl = psl, .random_fn = fixed_draw, .random_arg = &v };
	struct spec s = { .zone = z_7489, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example", .opts = &o };
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	s.from = "a@pct50.example";
	v = 49;
	ev = check(&r, &s);
	assert_int_equal(ev->disposition, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(ev->nauthors, 1);
	assert_false(ev->authors[0].sampled_out);
	done(&r);
	v = 50;
	ev = check(&r, &s);
	assert_int_equal(ev->result, VOUCH_DMARC_FAIL);
	assert_int_equal(ev->requested, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(ev->disposition, VOUCH_DMARC_POLICY_QUARANTINE);
	assert_true(ev->authors[0].sampled_out);
	done(&r);
	/* pct=0: never enacted, whatever the draw. */
	s.from = "a@pct0.example";
	v = 0;
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_QUARANTINE);
	s.from = "a@pct0q.example";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_QUARANTINE,
	    VOUCH_DMARC_POLICY_NONE);
	/* pct absent: "default is 100". */
	s.from = "a@nopct.example";
	v = 99;
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
}

/* RFC 7489 has no t=, np= or psd= (6.3: "unknown tags MUST be ignored";
 * 6.6.3 step 6 looks only at p and sp); the mode ignores them. */
static void
test_rfc7489_ignores_new_tags(void **state)
{
	struct vouch_dmarc_options o = { .mode = VOUCH_DMARC_MODE_RFC7489,
	    .psl = psl };
	struct spec s = { .zone = z_7489, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example", .opts = &o };

	(void)state;
	s.from = "a@t.example";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
	/* nx.np.example does not exist: still sp (6.6.3), not np. */
	s.from = "a@nx.np.example";
	EXPECT(&s, VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_QUARANTINE,
	    VOUCH_DMARC_POLICY_QUARANTINE);
	/* psd=y changes nothing: a.psdy.example and b.psdy.example share
	 * psdy.example by the PSL (3.2). */
	s.from = "a@a.psdy.example";
	s.spf = VOUCH_SPF_PASS;
	s.spf_domain = "b.psdy.example";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* ... whereas RFC 9989 4.10.2 step 2 makes a.psdy.example and
	 * b.psdy.example two organizational domains. */
	s.opts = NULL;
	RESULT(&s, VOUCH_DMARC_FAIL);
}

/* 6.6.3 step 6 reads the record as p=none (or ignores it) only for "a
 * valid p tag" missing "or ... an sp tag that is not valid": an invalid
 * np=, a tag RFC 7489 does not know, changes nothing. */
static void
test_rfc7489_invalid_np_ignored(void **state)
{
	struct vouch_dmarc_options o = { .mode = VOUCH_DMARC_MODE_RFC7489,
	    .psl = psl };

	(void)state;
	EXPECT(&((struct spec){ .zone = z_7489, .from = "a@badnp.example",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example",
	    .opts = &o }), VOUCH_DMARC_FAIL, VOUCH_DMARC_POLICY_REJECT,
	    VOUCH_DMARC_POLICY_REJECT);
}

/* ---- shadow mode --------------------------------------------------------- */

/* B.4.3 by both methods.  RFC 9989: org giant.bank.example, DKIM
 * mail.mega.bank.example not aligned.  RFC 7489 with the PSL (example is
 * not listed, the implicit "*" rule makes it the public suffix): org
 * bank.example for all three names, so DKIM aligns too.  Both pass. */
static void
test_shadow_b43(void **state)
{
	struct vouch_dmarc_options o = { .mode = VOUCH_DMARC_MODE_SHADOW,
	    .psl = psl };
	const struct vouch_dmarc_eval *ev;
	const struct vouch_dmarc_diff *df;
	struct run r;

	(void)state;
	ev = check(&r, &(struct spec){ .zone = z_b43,
	    .from = "a@giant.bank.example", .spf = VOUCH_SPF_PASS,
	    .spf_domain = "mail.giant.bank.example",
	    .dkim = { { "mail.mega.bank.example", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1, .opts = &o });
	assert_int_equal(ev->method, VOUCH_DMARC_RFC9989);
	assert_int_equal(ev->result, VOUCH_DMARC_PASS);
	assert_null(ev->dkim_aligned);
	assert_non_null(ev->shadow);
	assert_int_equal(ev->shadow->method, VOUCH_DMARC_RFC7489);
	assert_int_equal(ev->shadow->result, VOUCH_DMARC_PASS);
	assert_string_equal(ev->shadow->org_domain, "bank.example");
	assert_string_equal(ev->shadow->dkim_aligned, "mail.mega.bank.example");
	df = find_diff(ev, "organizational_domain");
	assert_non_null(df);
	assert_string_equal(df->domain, "giant.bank.example");
	assert_string_equal(df->rfc9989, "giant.bank.example");
	assert_string_equal(df->rfc7489, "bank.example");
	df = find_diff(ev, "alignment.dkim");
	assert_non_null(df);
	assert_string_not_equal(df->rfc9989, df->rfc7489);
	assert_non_null(strstr(df->rfc7489, "mail.mega.bank.example"));
	assert_null(strstr(df->rfc9989, "mail.mega.bank.example"));
	/* What agrees is not a difference. */
	assert_null(find_diff(ev, "alignment.spf"));
	assert_null(find_diff(ev, "result"));
	assert_null(find_diff(ev, "policy_domain"));
	done(&r);

	/* psd=y: RFC 9989 fails where RFC 7489 passes. */
	ev = check(&r, &(struct spec){ .zone = z_7489,
	    .from = "a@a.psdy.example", .spf = VOUCH_SPF_PASS,
	    .spf_domain = "b.psdy.example", .opts = &o });
	assert_int_equal(ev->result, VOUCH_DMARC_FAIL);
	assert_int_equal(ev->shadow->result, VOUCH_DMARC_PASS);
	df = find_diff(ev, "result");
	assert_non_null(df);
	assert_string_equal(df->rfc9989, "fail");
	assert_string_equal(df->rfc7489, "pass");
	df = find_diff(ev, "alignment.spf");
	assert_non_null(df);
	assert_string_not_equal(df->rfc9989, df->rfc7489);
	done(&r);
}

/* ---- DNS failures (RFC 9989 5.3.6, SECURITY.md) -------------------------- */

/* 5.3.6: "If one or more DNS queries required to perform DMARC
 * validation on the message do not complete due to temporary or
 * permanent DNS errors, the message cannot be considered to pass or
 * fail"; SECURITY.md: "A DNS failure is temperror, never none and never
 * fail". */
static void
test_temperror_dmarc_names(void **state)
{
	struct spec s = { .zone = z_tmp, .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example" };
	struct vouch_dns *dns = zone(z_tmp);
	struct vouch_dmarc_discovery *d;

	(void)state;
	/* The author's own _dmarc name times out (4.10.1: the first
	 * query decides whether the author's record applies). */
	s.from = "a@slow.example.com";
	RESULT(&s, VOUCH_DMARC_TEMPERROR);
	d = discover(dns, "slow.example.com", VOUCH_DMARC_RFC9989, NULL);
	assert_true(d->temperror);
	assert_null(d->record);
	assert_string_equal(d->queries[0].reason, "timeout");
	vouch_dmarc_discovery_free(d);
	/* SERVFAIL at the organizational domain during the walk. */
	s.from = "a@sub.broken.example";
	RESULT(&s, VOUCH_DMARC_TEMPERROR);
	d = discover(dns, "sub.broken.example", VOUCH_DMARC_RFC9989, NULL);
	assert_true(d->temperror);
	vouch_dmarc_discovery_free(d);
	vouch_dns_free(dns);
	/* The walk for the MAIL FROM domain's organizational domain fails
	 * (4.10.2): relaxed alignment cannot be decided. */
	s.from = "a@example.com";
	s.spf = VOUCH_SPF_PASS;
	s.spf_domain = "mail.example.com";
	RESULT(&s, VOUCH_DMARC_TEMPERROR);
}

/* np applies only when the author does not exist (4.10.1, 3.2.13): if
 * that cannot be learnt, neither np nor sp can be chosen. */
static void
test_temperror_existence(void **state)
{
	(void)state;
	RESULT(&((struct spec){ .zone = z_tmp, .from = "a@nxslow.example.com",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example" }),
	    VOUCH_DMARC_TEMPERROR);
}

/* RFC 7489 6.6.2: "If neither passes and one or both of them fail due
 * to a temporary error, the Receiver evaluating the message is unable to
 * conclude that the DMARC mechanism had a permanent failure"; SECURITY.md:
 * a DNS failure is never fail. */
static void
test_temperror_spf(void **state)
{
	struct spec s = { .zone = z_al, .from = "sender@example.com",
	    .spf = VOUCH_SPF_TEMPERROR, .spf_domain = "example.com" };

	(void)state;
	RESULT(&s, VOUCH_DMARC_TEMPERROR);
	/* A DKIM pass that aligns settles it whatever else failed. */
	s.ndkim = 1;
	s.dkim[0] = (struct vouch_dmarc_dkim){ "example.com", "s",
	    VOUCH_DKIM_PASS };
	RESULT(&s, VOUCH_DMARC_PASS);
}

static void
test_temperror_dkim(void **state)
{
	struct spec s = { .zone = z_al, .from = "sender@example.com",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "example.com", .ndkim = 1,
	    .dkim = { { "example.com", "s", VOUCH_DKIM_TEMPERROR } } };

	(void)state;
	RESULT(&s, VOUCH_DMARC_TEMPERROR);
	/* An SPF pass that aligns settles it. */
	s.spf = VOUCH_SPF_PASS;
	RESULT(&s, VOUCH_DMARC_PASS);
}

/* 4.10.2: no alignment evaluation is needed when "The Author Domain and
 * the Authenticated Identifier(s) are all the same domain, and there is
 * a DMARC Policy Record published for that domain"; 4.10.1: a record at
 * the author "is the DMARC Policy Record to be applied".  So _dmarc.com
 * is not "required to perform DMARC validation" (5.3.6) and its timeout
 * cannot stop the pass. */
static void
test_unneeded_failure_ignored(void **state)
{
	(void)state;
	RESULT(&((struct spec){ .zone = z_tld_down, .from = "a@example.com",
	    .spf = VOUCH_SPF_PASS, .spf_domain = "example.com",
	    .dkim = { { "example.com", "s", VOUCH_DKIM_PASS } },
	    .ndkim = 1 }), VOUCH_DMARC_PASS);
}

/* ---- From (RFC 9989 5.3.1, 4.4; RFC 7489 6.6.1; SECURITY.md) ------------- */

static void
test_from_missing_or_repeated(void **state)
{
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	/* "A message without a single, properly formed RFC5322.From header
	 * field" (4.2); dmarc.h: "a From that cannot be read is
	 * permerror". */
	ev = check_al(&r, "Subject: no author\r\n\r\n", VOUCH_SPF_PASS);
	assert_int_equal(ev->result, VOUCH_DMARC_PERMERROR);
	assert_null(ev->from_domain);
	done(&r);
	/* Two From fields, each of which would pass: "Identifier Alignment
	 * cannot occur with a message that ... [has a] repeated
	 * RFC5322.From header field" (4.4). */
	ev = check_al(&r, "From: a@example.com\r\nFrom: b@example.com\r\n"
	    "\r\n", VOUCH_SPF_PASS);
	assert_int_not_equal(ev->result, VOUCH_DMARC_PASS);
	assert_null(strstr(ev->authres, "dmarc=pass"));
	done(&r);
}

/* RFC 7489 6.6.1: "apply the DMARC check using each of those domains
 * found in the RFC5322.From field as the Author Domain and apply the most
 * strict policy selected among the checks that fail"; dmarc.h: "the
 * strictest outcome applies". */
static void
test_from_several_domains(void **state)
{
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	ev = check_al(&r, "a@example.com, b@example.net", VOUCH_SPF_PASS);
	assert_int_equal(ev->result, VOUCH_DMARC_FAIL);
	assert_int_equal(ev->disposition, VOUCH_DMARC_POLICY_REJECT);
	assert_string_equal(ev->from_domain, "example.net");
	assert_int_equal(ev->nauthors, 2);
	assert_string_equal(ev->authors[0].domain, "example.com");
	assert_int_equal(ev->authors[0].result, VOUCH_DMARC_PASS);
	assert_string_equal(ev->authors[1].domain, "example.net");
	assert_int_equal(ev->authors[1].result, VOUCH_DMARC_FAIL);
	done(&r);
}

/* SECURITY.md: "an address without a domain" never passes; dmarc.h:
 * permerror.  A domain literal names no DNS domain to look up. */
static void
test_from_unusable(void **state)
{
	struct spec s = { .zone = z_al, .spf = VOUCH_SPF_PASS,
	    .spf_domain = "example.com" };
	struct vouch_dmarc_options o = { .max_authors = 2 };

	(void)state;
	s.from = "joe";
	RESULT(&s, VOUCH_DMARC_PERMERROR);
	s.from = "joe@[192.0.2.1]";
	RESULT(&s, VOUCH_DMARC_PERMERROR);
	s.from = "a@example.com, joe@[192.0.2.1]";
	RESULT(&s, VOUCH_DMARC_PERMERROR);
	s.from = "<a@example.com";
	RESULT(&s, VOUCH_DMARC_PERMERROR);
	/* More author domains than max_authors. */
	s.opts = &o;
	s.from = "a@example.com, b@d2.example, c@d3.example";
	RESULT(&s, VOUCH_DMARC_PERMERROR);
	/* The same domain twice is one author domain. */
	s.from = "a@example.com, b@example.com";
	RESULT(&s, VOUCH_DMARC_PASS);
	/* The default cap, VOUCH_DMARC_AUTHORS_MAX (8). */
	s.opts = NULL;
	s.from = "a@example.com, b@d2.example, c@d3.example, d@d4.example, "
	    "e@d5.example, f@d6.example, g@d7.example, h@d8.example, "
	    "i@d9.example";
	RESULT(&s, VOUCH_DMARC_PERMERROR);
}

/* ---- Authentication-Results (RFC 8601 2.7.7, RFC 9989 9.2) --------------- */

static void
test_authres_fragments(void **state)
{
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	ev = check_al(&r, "a@example.com", VOUCH_SPF_FAIL);
	fragment_is(&r, ev->authres, VOUCH_DMARC_FAIL, "example.com");
	assert_non_null(strstr(ev->authres, "policy.dmarc=reject"));
	done(&r);
	ev = check_al(&r, "a@nothing.example", VOUCH_SPF_FAIL);
	fragment_is(&r, ev->authres, VOUCH_DMARC_NONE, "nothing.example");
	done(&r);
	ev = check(&r, &(struct spec){ .zone = z_tmp,
	    .from = "a@slow.example.com", .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "example.com" });
	fragment_is(&r, ev->authres, VOUCH_DMARC_TEMPERROR,
	    "slow.example.com");
	done(&r);
	/* Each author domain has its own (RFC 7489 6.6.1, dmarc.h). */
	ev = check_al(&r, "a@example.com, b@example.net", VOUCH_SPF_PASS);
	assert_int_equal(ev->nauthors, 2);
	fragment_is(&r, ev->authors[1].authres, VOUCH_DMARC_FAIL,
	    "example.net");
	fragment_is(&r, ev->authres, VOUCH_DMARC_FAIL, "example.net");
	fragment_is(&r, ev->authors[0].authres, VOUCH_DMARC_PASS,
	    "example.com");
	done(&r);
	/* 9.1: policy.dmarc "Must be none, quarantine, or reject", also on
	 * a pass. */
	ev = check_al(&r, "a@example.com", VOUCH_SPF_PASS);
	fragment_is(&r, ev->authres, VOUCH_DMARC_PASS, "example.com");
	done(&r);
}

/* SECURITY.md: "Everything we emit into a header is escaped or quoted
 * (RFC 8601 2.2): no value can add a result, a property or a header
 * line."  The display name is never the author domain. */
static void
test_authres_hostile_from(void **state)
{
	static const char hostile[] =
	    "From: \"x; dmarc=pass header.from=bank.example\r\n"
	    " policy.dmarc=none\" <joe@example.net>\r\n\r\n";
	const struct vouch_dmarc_eval *ev;
	struct run r;

	(void)state;
	ev = check(&r, &(struct spec){ .zone = z_al, .header = hostile,
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example" });
	assert_int_equal(ev->result, VOUCH_DMARC_FAIL);
	assert_string_equal(ev->from_domain, "example.net");
	fragment_is(&r, ev->authres, VOUCH_DMARC_FAIL, "example.net");
	done(&r);
	/* Unquoted, the same text is not an address list: permerror, and
	 * the reason (a comment) must not leak a result either. */
	ev = check(&r, &(struct spec){ .zone = z_al,
	    .from = "x; dmarc=pass header.from=bank.example <joe@example.net>",
	    .spf = VOUCH_SPF_PASS, .spf_domain = "example.net" });
	assert_int_equal(ev->result, VOUCH_DMARC_PERMERROR);
	assert_null(strpbrk(ev->authres, "\r\n"));
	assert_int_equal(strncmp(ev->authres, "dmarc=permerror", 15), 0);
	done(&r);
	/* A U-label author domain is written as its A-label (5.3.1). */
	ev = check(&r, &(struct spec){ .zone = z_al,
	    .from = "joe@b\xc3\xbc" "cher.example", .spf = VOUCH_SPF_FAIL,
	    .spf_domain = "attacker.example" });
	fragment_is(&r, ev->authres, VOUCH_DMARC_NONE,
	    "xn--bcher-kva.example");
	done(&r);
}

/* ---- allocation failure -------------------------------------------------- */

static void
failalloc_loop(const struct spec *s)
{
	struct vouch_dmarc_request rq;
	unsigned long n, total;
	struct run r;
	int rc;

	prepare(&r, s, &rq);
	failalloc_set(0);
	assert_int_equal(vouch_dmarc_check(r.dns, &rq, s->opts, &r.ev, NULL),
	    0);
	total = failalloc_count();
	vouch_dmarc_eval_free(r.ev);
	assert_true(total > 0);
	for (n = 1; n <= total; n++) {
		r.ev = NULL;
		failalloc_set(n);
		rc = vouch_dmarc_check(r.dns, &rq, s->opts, &r.ev, NULL);
		failalloc_set(0);
		if (rc != VOUCH_ENOMEM)
			fail_msg("allocation %lu of %lu failing: %s", n, total,
			    vouch_strerror(rc));
		assert_null(r.ev);
	}
	r.ev = NULL;
	done(&r);
}

/* STYLE.md: every allocation failing in turn gives a clean VOUCH_ENOMEM
 * (ASan reports any leak). */
static void
test_failalloc(void **state)
{
	struct vouch_dmarc_options sh = { .mode = VOUCH_DMARC_MODE_SHADOW,
	    .psl = psl };

	(void)state;
	failalloc_loop(&(struct spec){ .zone = z_b43,
	    .from = "a@giant.bank.example", .spf = VOUCH_SPF_PASS,
	    .spf_domain = "mail.giant.bank.example",
	    .dkim = { { "mail.mega.bank.example", "s1", VOUCH_DKIM_PASS } },
	    .ndkim = 1, .opts = &sh });
	failalloc_loop(&(struct spec){ .zone = z_pol,
	    .from = "a@nx.example.com, b@sub.example.com, c@x.y.psd.example",
	    .spf = VOUCH_SPF_FAIL, .spf_domain = "attacker.example" });
	failalloc_loop(&(struct spec){ .zone = z_al, .from = "joe",
	    .spf = VOUCH_SPF_PASS, .spf_domain = "example.com" });
}

static int
load_psl(void **state)
{
	struct vouch_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	if (vouch_psl_load(tu_corpus_path(PSL_FILE), &psl, &err) != 0) {
		print_error("%s\n", err.msg);
		return -1;
	}
	opts7489.psl = psl;
	return 0;
}

static int
free_psl(void **state)
{
	(void)state;
	vouch_psl_free(psl);
	psl = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b41_simple),
		cmocka_unit_test(test_b42_deep),
		cmocka_unit_test(test_b43_psd),
		cmocka_unit_test(test_policy_author_org_psd),
		cmocka_unit_test(test_p_sp_np),
		cmocka_unit_test(test_rua_fallback),
		cmocka_unit_test(test_several_records),
		cmocka_unit_test(test_alignment_spf),
		cmocka_unit_test(test_alignment_dkim),
		cmocka_unit_test(test_sibling_subdomains),
		cmocka_unit_test(test_dkim_not_pass_never_aligns),
		cmocka_unit_test(test_null_path_never_aligns),
		cmocka_unit_test(test_testing_flag),
		cmocka_unit_test(test_rfc7489_discovery),
		cmocka_unit_test(test_rfc7489_pct),
		cmocka_unit_test(test_rfc7489_ignores_new_tags),
		cmocka_unit_test(test_rfc7489_invalid_np_ignored),
		cmocka_unit_test(test_shadow_b43),
		cmocka_unit_test(test_temperror_dmarc_names),
		cmocka_unit_test(test_temperror_existence),
		cmocka_unit_test(test_temperror_spf),
		cmocka_unit_test(test_temperror_dkim),
		cmocka_unit_test(test_unneeded_failure_ignored),
		cmocka_unit_test(test_from_missing_or_repeated),
		cmocka_unit_test(test_from_several_domains),
		cmocka_unit_test(test_from_unusable),
		cmocka_unit_test(test_authres_fragments),
		cmocka_unit_test(test_authres_hostile_from),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, load_psl, free_psl);
}
