/*
 * test_explain.c - the diagnosis of `vouch explain` (include/vouch/
 * explain.h): bounces and delivered copies built here as text, read by
 * vouch_bounce_parse() and diagnosed by vouch_explain() over an in-memory
 * zone written for each scenario.
 *
 * Every expectation comes from the scenario and the RFCs, never from the
 * program's output: the zone says which servers a record authorizes, so
 * the client it does not list is unauthorized (RFC 7208 2.6.4, 4.6.4 for
 * what a term costs in lookups: include, a, mx, ptr, exists and redirect
 * count, ip4/ip6/all do not); a record with a service's include missing
 * must get exactly that include, in front of "all" or redirect= (RFC 7208
 * 5.1 / 6.1: nothing after them is read); DMARC passes when an aligned
 * identifier passes (RFC 7489 3.1, 4.2); an empty p= is a revoked key
 * (RFC 6376 3.6.1); a changed body fails the body hash (RFC 6376 3.7);
 * 4xx replies are transient (RFC 5321 4.2.1, RFC 3463 3.1).  DKIM
 * signatures are made with the library's signer and an Ed25519 key
 * generated in setup() whose record the zone publishes.
 *
 * EXPLAIN_DUMP=1 prints every diagnosis.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <vouch/bounce.h>
#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/explain.h>
#include <vouch/msg.h>
#include <vouch/senders.h>

#include "failalloc.h"
#include "testutil.h"

#define NOW 1700000000		/* Tue, 14 Nov 2023 22:13:20 +0000 */
#define TEXT_MAX 65536

/* Records every scenario may use: the sender's own server, a service
 * (mailsvc.example: an include two lookups deep, a PTR name under its
 * host pattern), and the includes of Google and Microsoft. */
static const char zone_base[] =
    "example.com. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "mail.example.com. A 192.0.2.10\n"
    "10.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
    "_spf.mailsvc.example. TXT \"v=spf1 ip4:198.51.100.0/24 "
    "include:_v6.mailsvc.example -all\"\n"
    "_v6.mailsvc.example. TXT \"v=spf1 ip6:2001:db8:5::/48 -all\"\n"
    "25.100.51.198.in-addr.arpa. PTR o1.out.mailsvc.example.\n"
    "o1.out.mailsvc.example. A 198.51.100.25\n"
    "_spf.google.com. TXT \"v=spf1 ip4:209.85.128.0/17 -all\"\n"
    "spf.protection.outlook.com. TXT \"v=spf1 ip4:40.92.0.0/15 -all\"\n"
    "esp.example.net. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
    "gmail.com. TXT \"v=spf1 ip4:209.85.128.0/17 ~all\"\n"
    "_dmarc.gmail.com. TXT \"v=DMARC1; p=quarantine\"\n";

static const char senders_text[] =
    "[service mailsvc]\n"
    "name = Mailsvc\n"
    "spf-include = _spf.mailsvc.example\n"
    "domains = mailsvc.example\n"
    "hosts = *.out.mailsvc.example\n"
    "hint = add include:_spf.mailsvc.example; turn on DKIM in its "
    "console\n"
    "source = https://mailsvc.example/docs\n"
    "\n"
    "[service google-workspace]\n"
    "name = Google Workspace\n"
    "spf-include = _spf.google.com\n"
    "domains = gappssmtp.com\n"
    "hint = add include:_spf.google.com to SPF\n"
    "source = https://support.google.com/a/answer/10684623\n"
    "\n"
    "[service microsoft-365]\n"
    "name = Microsoft 365\n"
    "spf-include = spf.protection.outlook.com\n"
    "domains = onmicrosoft.com\n"
    "hosts = *.outbound.protection.outlook.com\n"
    "hint = add include:spf.protection.outlook.com to SPF\n"
    "source = https://learn.microsoft.com/defender-office-365/"
    "email-authentication-spf-configure\n"
    "\n"
    "[freemail]\n"
    "gmail.com = Google | https://support.google.com/mail/answer/10313\n";

/* The rest of an original after its From field. */
#define ORIG_REST \
    "To: Bob <bob@example.net>\n" \
    "Subject: quarterly figures\n" \
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n" \
    "Message-ID: <1@example.com>\n" \
    "\n" \
    "Hello Bob,\n" \
    "\n" \
    "the figures are attached.\n" \
    "\n" \
    "Joe\n"

static const char orig_joe[] = "From: Joe <joe@example.com>\n" ORIG_REST;

static struct {
	struct vouch_dkim_key *key;
	struct vouch_senders *senders;
	char *zone;		/* zone_base and the key records */
} g;

/* ---- text helpers ------------------------------------------------------- */

static char *
cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 1);

	assert_non_null(p);
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

static void
contains(const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, hay != NULL ? hay :
		    "(null)");
}

/* The same, ASCII case ignored (a sentence may start with a capital). */
static void
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return;
	fail_msg("\"%s\" not in the text (case ignored)", needle);
}

static void
lacks(const char *hay, const char *needle)
{
	if (hay != NULL && strstr(hay, needle) != NULL)
		fail_msg("\"%s\" unexpected in \"%s\"", needle, hay);
}

/* The fix states the record's cost as n DNS lookups (wording aside:
 * "N DNS lookups" or "DNS lookups: N"). */
static void
lookups_is(const char *fix, unsigned n)
{
	char a[64], b[64];

	(void)snprintf(a, sizeof(a), "%u DNS lookup", n);
	(void)snprintf(b, sizeof(b), "DNS lookups: %u ", n);
	if (fix == NULL || (strstr(fix, a) == NULL && strstr(fix, b) == NULL))
		fail_msg("fix does not count %u lookups: %s", n,
		    fix != NULL ? fix : "(null)");
}

/* text signed for d=domain s=selector with the generated key: the
 * DKIM-Signature field put on top. */
static char *
sign(const char *text, const char *domain, const char *selector)
{
	struct vouch_dkim_signer sp = { .key = NULL };
	struct vouch_dkim_sign *s = NULL;
	struct vouch_error err;
	struct vouch_msg *m;
	size_t off;
	char *out;

	sp.key = g.key;
	sp.domain = domain;
	sp.selector = selector;
	m = tu_parse_msg(text, &off);
	if (vouch_dkim_sign_new(&sp, 1, NOW, &s, &err) != 0 ||
	    vouch_dkim_sign_header(s, m, &err) != 0 ||
	    vouch_dkim_sign_body(s, text + off, strlen(text) - off) != 0 ||
	    vouch_dkim_sign_finish(s, &err) != 0)
		fail_msg("signing: %s", err.msg);
	out = cat(vouch_dkim_sign_field(s, 0), text);
	vouch_dkim_sign_free(s);
	vouch_msg_free(m);
	return out;
}

/* ---- bounces ------------------------------------------------------------ */

/* A multipart/report DSN (RFC 3464). */
struct dsn {
	const char *from;	/* the bounce's From */
	const char *to;		/* its To, or NULL */
	const char *prose;	/* the human-readable part */
	const char *reporting;	/* Reporting-MTA */
	const char *permsg;	/* more per-message fields ("X: y\n"...) */
	const char *action;	/* "failed" when NULL */
	const char *status;
	const char *remote;	/* Remote-MTA, or NULL */
	const char *diag;	/* Diagnostic-Code after "smtp; ", or NULL */
	const char *otype;	/* "message/rfc822", "text/rfc822-headers",
				   NULL: no original */
	const char *orig;
};

static char *
dsn_text(const struct dsn *d)
{
	char *t = malloc(TEXT_MAX);
	int rc = 0;

	assert_non_null(t);
	t[0] = '\0';
	rc |= tu_append(t, TEXT_MAX, "From: %s\n%s%s%s"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Date: Tue, 14 Nov 2023 22:20:00 +0000\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"B0UND\"\n\n"
	    "--B0UND\nContent-Type: text/plain; charset=us-ascii\n\n%s\n\n"
	    "--B0UND\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; %s\n%s\n"
	    "Final-Recipient: rfc822; bob@example.net\n"
	    "Action: %s\nStatus: %s\n", d->from, d->to != NULL ? "To: " : "",
	    d->to != NULL ? d->to : "", d->to != NULL ? "\n" : "", d->prose,
	    d->reporting, d->permsg != NULL ? d->permsg : "",
	    d->action != NULL ? d->action : "failed", d->status);
	if (d->remote != NULL)
		rc |= tu_append(t, TEXT_MAX, "Remote-MTA: dns; %s\n",
		    d->remote);
	if (d->diag != NULL)
		rc |= tu_append(t, TEXT_MAX, "Diagnostic-Code: smtp; %s\n",
		    d->diag);
	if (d->otype != NULL)
		rc |= tu_append(t, TEXT_MAX, "\n--B0UND\nContent-Type: "
		    "%s\n\n%s", d->otype, d->orig);
	rc |= tu_append(t, TEXT_MAX, "\n--B0UND--\n");
	assert_int_equal(rc, 0);
	return t;
}

/* Postfix: the sender's own server wrote it (mail.example.com). */
static struct dsn
postfix(const char *diag, const char *orig)
{
	struct dsn d = {
		.from = "MAILER-DAEMON@mail.example.com (Mail Delivery "
		    "System)",
		.to = "joe@example.com",
		.prose = "This is the mail system at host mail.example.com.\n\n"
		    "I'm sorry to have to inform you that your message could "
		    "not\nbe delivered to one or more recipients.",
		.reporting = "mail.example.com",
		.permsg = "X-Postfix-Queue-ID: 4SVb1x0Qz5z9\n"
		    "X-Postfix-Sender: rfc822; joe@example.com\n",
		.status = "5.7.1",
		.remote = "mx.example.net",
		.diag = diag,
		.otype = orig != NULL ? "message/rfc822" : NULL,
		.orig = orig,
	};

	return d;
}

/* Gmail (Google Workspace) relaying the receiver's refusal. */
static struct dsn
gmail(const char *diag, const char *otype, const char *orig)
{
	struct dsn d = {
		.from = "Mail Delivery Subsystem "
		    "<mailer-daemon@googlemail.com>",
		.to = "joe@example.com",
		.prose = "** Address not found **\n\nYour message wasn't "
		    "delivered to bob@example.net.\n\nThe response from the "
		    "remote server was:",
		.reporting = "mx.google.com",
		.status = "5.7.26",
		.remote = "mx.example.net",
		.diag = diag,
		.otype = otype,
		.orig = orig,
	};

	return d;
}

/* Microsoft 365, no original. */
static struct dsn
microsoft(const char *diag)
{
	struct dsn d = {
		.from = "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615"
		    "bbc36ab6ce41109e@example.com>",
		.to = "joe@example.com",
		.prose = "Your message to bob@example.net couldn't be "
		    "delivered.\n\nDiagnostic information for administrators:"
		    "\n\nGenerating server: AM0PR01MB1234.eurprd01.prod."
		    "exchangelabs.com",
		.reporting = "AM0PR01MB1234.eurprd01.prod.exchangelabs.com",
		.status = "5.7.509",
		.remote = "mx.example.net",
		.diag = diag,
	};

	return d;
}

/* ---- running ------------------------------------------------------------ */

struct run {
	struct vouch_dns *dns;
	struct vouch_bounce *b;
	struct vouch_explain *e;
};

static void
opts_init(struct vouch_explain_options *o)
{
	memset(o, 0, sizeof(*o));
	o->senders = g.senders;
	o->now = NOW;
}

static void
set_ip(struct vouch_explain_options *o, const char *ip)
{
	o->has_ip = 1;
	assert_int_equal(vouch_ip_parse(ip, &o->ip), 0);
}

static struct vouch_dns *
zone(const char *extra)
{
	struct vouch_error err;
	struct vouch_dns *dns = NULL;
	char *z = cat(g.zone, extra != NULL ? extra : "");

	if (vouch_dns_zone_new_text(z, strlen(z), NULL, &dns, &err) != 0)
		fail_msg("zone: %s", err.msg);
	free(z);
	return dns;
}

/* Causes must come errors first, then warnings, then information. */
static void
check_order(const struct vouch_explain *e)
{
	size_t i;

	for (i = 1; i < e->ncauses; i++)
		if (e->causes[i].severity > e->causes[i - 1].severity)
			fail_msg("cause %zu (%s) is more severe than %zu (%s)",
			    i, e->causes[i].code, i - 1, e->causes[i - 1].code);
	for (i = 0; i < e->ncauses; i++) {
		assert_non_null(e->causes[i].code);
		assert_non_null(e->causes[i].summary);
	}
	assert_non_null(e->summary);
}

static void dump(const struct vouch_explain *e);

/* Parse input, diagnose it over the base zone plus extra. */
static const struct vouch_explain *
run(struct run *r, const char *extra, const char *input,
    const struct vouch_explain_options *o)
{
	struct vouch_explain_options def;
	struct vouch_error err;

	memset(r, 0, sizeof(*r));
	if (o == NULL) {
		opts_init(&def);
		o = &def;
	}
	if (vouch_bounce_parse(input, strlen(input), &r->b, &err) != 0)
		fail_msg("bounce: %s", err.msg);
	r->dns = zone(extra);
	if (vouch_explain(r->dns, r->b, o, &r->e, &err) != 0)
		fail_msg("explain: %s", err.msg);
	check_order(r->e);
	/* EXPLAIN_DUMP=1 prints every diagnosis, to read it */
	if (getenv("EXPLAIN_DUMP") != NULL)
		dump(r->e);
	return r->e;
}

static const struct vouch_explain *
run_dsn(struct run *r, const char *extra, const struct dsn *d,
    const struct vouch_explain_options *o)
{
	char *t = dsn_text(d);
	const struct vouch_explain *e = run(r, extra, t, o);

	free(t);
	return e;
}

/* Joe's message at domain (From and envelope sender) in a Postfix
 * bounce: refused with reply (NULL: Gmail's DMARC refusal), sent from ip
 * (--ip; NULL: not given), more fields in the original, a DNS budget. */
struct scene {
	const char *domain;
	const char *reply;
	const char *ip;
	const char *fields;
	unsigned dns_queries;
};

static const struct vouch_explain *
run_scene(struct run *r, const char *extra, const struct scene *s)
{
	struct vouch_explain_options o;
	char reply[512], orig[2048], sender[300];
	struct dsn d;

	(void)snprintf(reply, sizeof(reply), "550-5.7.26 Unauthenticated "
	    "email from %s is not accepted due to domain's DMARC policy. "
	    "Please contact the administrator of %s domain if this was a "
	    "legitimate mail. - gsmtp", s->domain, s->domain);
	(void)snprintf(orig, sizeof(orig), "%sFrom: Joe <joe@%s>\n%s",
	    s->fields != NULL ? s->fields : "", s->domain, ORIG_REST);
	(void)snprintf(sender, sizeof(sender), "X-Postfix-Sender: rfc822; "
	    "joe@%s\n", s->domain);
	d = postfix(s->reply != NULL ? s->reply : reply, orig);
	d.permsg = sender;
	opts_init(&o);
	if (s->ip != NULL)
		set_ip(&o, s->ip);
	o.dns_queries = s->dns_queries;
	return run_dsn(r, extra, &d, &o);
}

static void
run_free(struct run *r)
{
	vouch_explain_free(r->e);
	vouch_bounce_free(r->b);
	vouch_dns_free(r->dns);
	memset(r, 0, sizeof(*r));
}

/* The first cause with code, or NULL. */
static const struct vouch_explain_cause *
find(const struct vouch_explain *e, const char *code)
{
	size_t i;

	for (i = 0; i < e->ncauses; i++)
		if (strcmp(e->causes[i].code, code) == 0)
			return &e->causes[i];
	return NULL;
}

static void
dump(const struct vouch_explain *e)
{
	size_t i;

	/* printf: cmocka's print_message() cuts long lines */
	printf("summary: %s\n", e->summary);
	for (i = 0; i < e->ncauses; i++)
		printf("  %s [%s] %s\n    evidence: %s\n    fix: %s\n",
		    e->causes[i].code,
		    vouch_explain_severity_name(e->causes[i].severity),
		    e->causes[i].summary, e->causes[i].evidence != NULL ?
		    e->causes[i].evidence : "-", e->causes[i].fix != NULL ?
		    e->causes[i].fix : "-");
}

/* The cause code, of severity sev; dumps the diagnosis when missing. */
static const struct vouch_explain_cause *
need(const struct vouch_explain *e, const char *code,
    enum vouch_explain_severity sev)
{
	const struct vouch_explain_cause *k = find(e, code);

	if (k == NULL || k->severity != sev) {
		dump(e);
		fail_msg("no %s cause of severity %s", code,
		    vouch_explain_severity_name(sev));
	}
	return k;
}

static void
none(const struct vouch_explain *e, const char *code)
{
	if (find(e, code) != NULL) {
		dump(e);
		fail_msg("unexpected cause %s", code);
	}
}

static void
ip_is(const struct vouch_explain *e, const char *ip, const char *source)
{
	char buf[64];

	if (!e->has_ip)
		fail_msg("no client IP; expected %s", ip);
	assert_int_equal(vouch_ip_format(&e->client_ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, ip);
	contains(e->client_ip_source, source);
}

/* ---- set-up ------------------------------------------------------------- */

static int
setup(void **state)
{
	static const char *const at[] = { "k1._domainkey.example.com",
	    "k1._domainkey.mailsvc.example", "k1._domainkey.other.example" };
	struct vouch_error err;
	char *rec, line[1024], *z;
	size_t i;

	(void)state;
	if (vouch_dkim_key_generate(VOUCH_DKIM_KEY_ED25519, 0, &g.key,
	    &err) != 0 || vouch_senders_parse(senders_text,
	    strlen(senders_text), "senders", &g.senders, &err) != 0) {
		print_error("setup: %s\n", err.msg);
		return -1;
	}
	if (vouch_dkim_key_record(g.key, &rec) != 0)
		return -1;
	g.zone = cat(zone_base, "");
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		(void)snprintf(line, sizeof(line), "%s. TXT \"%s\"\n", at[i],
		    rec);
		z = cat(g.zone, line);
		free(g.zone);
		g.zone = z;
	}
	free(rec);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	vouch_dkim_key_free(g.key);
	vouch_senders_free(g.senders);
	free(g.zone);
	memset(&g, 0, sizeof(g));
	return 0;
}

/* ---- the client IP, from each source in order --------------------------- */

/* --ip wins over an address in the reply. */
static void
test_ip_option(void **state)
{
	struct vouch_explain_options o;
	struct dsn d = postfix("550 5.7.1 Service unavailable; Client host "
	    "[203.0.113.7] blocked using zen.spamhaus.org", orig_joe);
	struct run r;

	(void)state;
	opts_init(&o);
	set_ip(&o, "198.51.100.40");
	ip_is(run_dsn(&r, NULL, &d, &o), "198.51.100.40", "--ip");
	run_free(&r);
}

/* An address in brackets in the reply wins over the Reporting-MTA's;
 * Gmail writes "[ADDRESS NUMBER]". */
static void
test_ip_reply(void **state)
{
	struct dsn d = postfix("550 5.7.1 Service unavailable; Client host "
	    "[203.0.113.7] blocked using zen.spamhaus.org", orig_joe);
	struct dsn d6 = postfix("550-5.7.1 [2001:db8::7 15] Our system has "
	    "detected that this message is likely unsolicited mail.", NULL);
	struct run r;

	(void)state;
	ip_is(run_dsn(&r, NULL, &d, NULL), "203.0.113.7", "reply");
	run_free(&r);
	ip_is(run_dsn(&r, NULL, &d6, NULL), "2001:db8::7", "reply");
	run_free(&r);
}

#define RCVD_TOP \
    "Received: from bad.example (bad.example [203.0.113.30])\n" \
    "\tby mx.example.net (Postfix) with ESMTP id 4SVb2;\n" \
    "\tTue, 14 Nov 2023 22:13:25 +0000\n"
#define RSPF \
    "Received-SPF: fail (mx.example.net: domain of joe@example.com does " \
    "not\n\tdesignate 203.0.113.9 as permitted sender) " \
    "client-ip=203.0.113.9;\n\tenvelope-from=joe@example.com; " \
    "helo=bad.example;\n"
#define AR_IPREV \
    "Authentication-Results: mx.example.net; iprev=pass\n" \
    "\tpolicy.iprev=203.0.113.20 (bad.example)\n"

/* A delivered copy: the topmost Received-SPF's client-ip= first. */
static void
test_ip_received_spf(void **state)
{
	static const char msg[] = RSPF RCVD_TOP
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run(&r, NULL, msg, NULL);
	ip_is(e, "203.0.113.9", "Received-SPF");
	assert_non_null(e->mail_from);
	assert_string_equal(e->mail_from, "joe@example.com");
	run_free(&r);
}

/*
 * Regression (fixed): with both a Received-SPF and an
 * Authentication-Results iprev, the order asked for is Received-SPF
 * first, but explain_facts.c reads the A-R (and its policy.iprev) before
 * the Received-SPF field, so 203.0.113.20 wins over 203.0.113.9.
 */
static void
test_ip_received_spf_over_iprev(void **state)
{
	static const char msg[] = AR_IPREV RSPF RCVD_TOP
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;

	(void)state;
	ip_is(run(&r, NULL, msg, NULL), "203.0.113.9", "Received-SPF");
	run_free(&r);
}

/* Then the A-R's policy.iprev (RFC 8601 2.7.3), over the Received chain. */
static void
test_ip_iprev(void **state)
{
	static const char msg[] = AR_IPREV RCVD_TOP
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;

	(void)state;
	ip_is(run(&r, NULL, msg, NULL), "203.0.113.20", "policy.iprev");
	run_free(&r);
}

/* Then the first public address from the top of the Received chain:
 * loopback (RFC 1122), RFC 1918 hops are inside the receiver or the
 * sender. */
static void
test_ip_received_chain(void **state)
{
	static const char msg[] =
	    "Received: from localhost (localhost [IPv6:::1])\n"
	    "\tby mx.example.net (Postfix) with ESMTP id A0;\n"
	    "\tTue, 14 Nov 2023 22:13:28 +0000\n"
	    "Received: from localhost (localhost [127.0.0.1])\n"
	    "\tby mx.example.net (Postfix) with ESMTP id A1;\n"
	    "\tTue, 14 Nov 2023 22:13:27 +0000\n"
	    "Received: from filter.example.net (filter [10.1.2.3])\n"
	    "\tby in.example.net (Postfix) with ESMTP id A2;\n"
	    "\tTue, 14 Nov 2023 22:13:26 +0000\n"
	    "Received: from mail.example.com (mail.example.com "
	    "[192.0.2.10])\n"
	    "\tby filter.example.net (Postfix) with ESMTPS id A3;\n"
	    "\tTue, 14 Nov 2023 22:13:25 +0000\n"
	    "Received: from [192.168.1.5] (desk [192.168.1.5])\n"
	    "\tby mail.example.com (Postfix) with ESMTPSA id A4;\n"
	    "\tTue, 14 Nov 2023 22:13:21 +0000\n"
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run(&r, NULL, msg, NULL);
	ip_is(e, "192.0.2.10", "Received");
	assert_non_null(e->receiver);
	assert_string_equal(e->receiver, "mx.example.net");
	assert_non_null(e->client_rdns);
	assert_string_equal(e->client_rdns, "mail.example.com");
	run_free(&r);
}

/* A bounce written by the sender's own server: the Reporting-MTA's
 * address when the name has exactly one; none when it has two. */
static void
test_ip_reporting_mta(void **state)
{
	static const char two[] =
	    "pool.example.com. A 192.0.2.11\n"
	    "pool.example.com. A 192.0.2.12\n"
	    "dual.example.com. A 192.0.2.13\n"
	    "dual.example.com. AAAA 2001:db8::13\n"
	    "six.example.com. AAAA 2001:db8::25\n";
	struct dsn d = postfix("550 5.7.1 <bob@example.net>: Recipient "
	    "address rejected: Access denied", NULL);
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_dsn(&r, two, &d, NULL);
	ip_is(e, "192.0.2.10", "mail.example.com");
	run_free(&r);
	d.reporting = "six.example.com";
	ip_is(run_dsn(&r, two, &d, NULL), "2001:db8::25", "six.example.com");
	run_free(&r);
	d.reporting = "pool.example.com";
	assert_false(run_dsn(&r, two, &d, NULL)->has_ip);
	run_free(&r);
	d.reporting = "dual.example.com";
	assert_false(run_dsn(&r, two, &d, NULL)->has_ip);
	run_free(&r);
}

/* The big providers send from pools: their Reporting-MTA says nothing
 * about the client, even with one address. */
static void
test_ip_provider_bounce(void **state)
{
	static const char one[] = "mx.google.com. A 142.250.102.27\n"
	    "am0pr01mb1234.eurprd01.prod.exchangelabs.com. A 40.93.1.1\n";
	struct dsn gm = gmail("550 5.7.26 Unauthenticated email from "
	    "example.com is not accepted due to domain's DMARC policy.",
	    "message/rfc822", orig_joe);
	struct dsn ms = microsoft("550 5.7.509 Access denied, sending domain "
	    "[EXAMPLE.COM] does not pass DMARC verification and has a DMARC "
	    "policy of reject.");
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_dsn(&r, one, &gm, NULL);
	assert_string_equal(r.b->format, "gmail");
	assert_false(e->has_ip);
	run_free(&r);
	e = run_dsn(&r, one, &ms, NULL);
	assert_string_equal(r.b->format, "microsoft");
	assert_false(e->has_ip);
	run_free(&r);
}

/* ---- the From domain ---------------------------------------------------- */

static void
domain_is(const struct vouch_explain *e, const char *domain,
    const char *source)
{
	if (e->from_domain == NULL)
		fail_msg("no From domain; expected %s", domain);
	/* domain names compare without case (RFC 1035 2.3.3) */
	if (strcasecmp(e->from_domain, domain) != 0)
		fail_msg("From domain %s, expected %s", e->from_domain, domain);
	contains(e->from_source, source);
}

static void
test_from_field(void **state)
{
	struct dsn d = postfix("550 5.7.1 Message rejected", orig_joe);
	struct run r;

	(void)state;
	domain_is(run_dsn(&r, NULL, &d, NULL), "example.com", "From field");
	run_free(&r);
}

/* No original: the domain the reply names (Microsoft, Gmail), even when
 * the envelope sender is another. */
static void
test_from_reply(void **state)
{
	static const char zn[] = "_dmarc.example.org. TXT \"v=DMARC1; "
	    "p=reject\"\n";
	struct dsn ms = microsoft("550 5.7.509 Access denied, sending domain "
	    "[EXAMPLE.COM] does not pass DMARC verification and has a DMARC "
	    "policy of reject.");
	struct dsn pf = postfix("550-5.7.26 Unauthenticated email from "
	    "example.org is not accepted due to domain's DMARC policy. "
	    "Please contact the administrator of example.org domain if this "
	    "was a legitimate mail.", NULL);
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_dsn(&r, zn, &ms, NULL);
	domain_is(e, "example.com", "reply");
	assert_non_null(e->dmarc);
	run_free(&r);
	e = run_dsn(&r, zn, &pf, NULL);
	domain_is(e, "example.org", "reply");
	assert_non_null(e->dmarc);
	assert_string_equal(e->mail_from, "joe@example.com");
	run_free(&r);
}

/* No original, no domain in the reply: the envelope sender's. */
static void
test_from_mail_from(void **state)
{
	struct dsn d = postfix("550 5.7.1 Message rejected by policy", NULL);
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_dsn(&r, NULL, &d, NULL);
	domain_is(e, "example.com", "envelope sender");
	contains(e->mail_from_source, "X-Postfix-Sender");
	run_free(&r);
}

/* Nothing names a domain: DMARC cannot be evaluated, and a cause says
 * so. */
static void
test_from_none(void **state)
{
	struct dsn d = {
		.from = "postmaster@relay.example.org",
		.prose = "Delivery to the following recipient failed.",
		.reporting = "relay.example.org",
		.status = "5.7.1",
		.remote = "mx.example.net",
		.diag = "550 5.7.1 Message rejected by policy",
	};
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_dsn(&r, NULL, &d, NULL);
	assert_null(e->from_domain);
	assert_null(e->dmarc);
	assert_false(e->has_ip);
	k = need(e, "undetermined", VOUCH_EXPLAIN_INFO);
	contains(k->evidence, "DMARC");
	contains_ci(e->summary, "mx.example.net");
	run_free(&r);
}

/* ---- unauthorized-server ------------------------------------------------ */

/* Gmail's refusal of a message that fails DMARC. */
static const char gmail_dmarc[] = "550-5.7.26 Unauthenticated email from "
    "example.com is not accepted due to domain's DMARC policy. Please "
    "contact the administrator of example.com domain if this was a "
    "legitimate mail. - gsmtp";

/* The sender's other server, not in the record: the fix adds its ip4:
 * in front of -all, which costs no lookup (RFC 7208 4.6.4). */
static void
test_unauthorized(void **state)
{
	const struct scene sc = { "example.com", NULL, "203.0.113.50", NULL,
	    0 };
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_scene(&r, NULL, &sc);
	assert_non_null(e->spf);
	assert_int_equal(e->spf->result, VOUCH_SPF_FAIL);
	assert_non_null(e->dmarc);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_FAIL);
	k = need(e, "unauthorized-server", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "203.0.113.50");
	contains(k->evidence, "v=spf1 ip4:192.0.2.10 -all");
	contains(k->evidence, "joe@example.com");
	contains(k->fix, "v=spf1 ip4:192.0.2.10 ip4:203.0.113.50 -all");
	lookups_is(k->fix, 0);
	/* no signature and SPF fails: the missing DKIM is a reason too */
	need(e, "dkim-missing", VOUCH_EXPLAIN_ERROR);
	none(e, "spf-missing-sender");
	none(e, "receiver-policy");
	/* the summary: receiver, From domain, reply */
	assert_string_equal(e->receiver, "mx.example.net");
	contains_ci(e->summary, "mx.example.net");
	contains(e->summary, "example.com");
	contains(e->summary, "5.7.26");
	run_free(&r);
}

/* No SPF record at all: the fix is a new record, ~all while testing. */
static void
test_unauthorized_no_spf(void **state)
{
	static const char zn[] = "_dmarc.bare.example. TXT \"v=DMARC1; "
	    "p=reject\"\n";
	const struct scene sc = { "bare.example", NULL, "203.0.113.50", NULL,
	    0 };
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_scene(&r, zn, &sc);
	assert_int_equal(e->spf->result, VOUCH_SPF_NONE);
	k = need(e, "unauthorized-server", VOUCH_EXPLAIN_ERROR);
	contains(k->summary, "no SPF record");
	contains(k->fix, "v=spf1 ip4:203.0.113.50 ~all");
	run_free(&r);
}

/* ---- free-mail-from ----------------------------------------------------- */

static void
test_freemail_from(void **state)
{
	const struct scene sc = { "gmail.com", NULL, "203.0.113.50", NULL,
	    0 };
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_scene(&r, NULL, &sc);
	k = need(e, "free-mail-from", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "gmail.com");
	contains(k->evidence, "Google");
	contains(k->fix, "Reply-To");
	/* the fix of the server is not an SPF record for someone else's
	   domain */
	k = find(e, "unauthorized-server");
	if (k != NULL) {
		contains(k->fix, "free-mail-from");
		lacks(k->fix, "v=spf1");
	}
	none(e, "spf-missing-sender");
	run_free(&r);
}

/* A free-mail Reply-To on mail that fails: a warning. */
static void
test_freemail_reply_to(void **state)
{
	const struct scene sc = { "example.com", NULL, "203.0.113.50",
	    "Reply-To: <joe.example@gmail.com>\n", 0 };
	struct run r;
	const struct vouch_explain_cause *k;

	(void)state;
	k = need(run_scene(&r, NULL, &sc), "free-mail-from",
	    VOUCH_EXPLAIN_WARNING);
	contains(k->evidence, "Reply-To");
	contains(k->evidence, "gmail.com");
	run_free(&r);
}

/* With a free-mail From, no fix may tell the user to publish in the
 * provider's DNS: neither an SPF record nor a DKIM key for gmail.com. */
static void
test_freemail_no_dns_fix(void **state)
{
	const struct scene sc = { "gmail.com", NULL, "203.0.113.50", NULL,
	    0 };
	struct run r;
	const struct vouch_explain *e;
	size_t i;

	(void)state;
	e = run_scene(&r, NULL, &sc);
	for (i = 0; i < e->ncauses; i++) {
		lacks(e->causes[i].fix, "_domainkey.gmail.com");
		lacks(e->causes[i].fix, "gmail.com. TXT");
	}
	run_free(&r);
}

/* ---- spf-missing-sender ------------------------------------------------- */

#define AR_DMARC_FAIL \
    "Authentication-Results: mx.example.net; spf=fail " \
    "smtp.mailfrom=example.com;\n\tdkim=none; dmarc=fail " \
    "header.from=example.com\n"

/* The client's PTR name matches the service's host pattern; the include
 * goes in front of -all and costs 2 lookups (itself and the include
 * inside it). */
static void
test_missing_sender_ptr(void **state)
{
	static const char msg[] = AR_DMARC_FAIL
	    "Received: from o1.out.mailsvc.example (o1.out.mailsvc.example\n"
	    "\t[198.51.100.25]) by mx.example.net (Postfix) with ESMTPS id "
	    "B1;\n\tTue, 14 Nov 2023 22:13:25 +0000\n"
	    "Return-Path: <joe@example.com>\n"
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run(&r, NULL, msg, NULL);
	ip_is(e, "198.51.100.25", "Received");
	assert_string_equal(e->client_rdns, "o1.out.mailsvc.example");
	assert_non_null(e->service);
	assert_string_equal(e->service->id, "mailsvc");
	contains(e->service_source, "o1.out.mailsvc.example");
	assert_string_equal(e->recorded.dmarc, "fail");
	contains(e->summary, "dmarc=fail");
	k = need(e, "spf-missing-sender", VOUCH_EXPLAIN_ERROR);
	contains(k->summary, "include:_spf.mailsvc.example");
	contains(k->fix, "\"v=spf1 ip4:192.0.2.10 include:_spf.mailsvc.example "
	    "-all\"");
	lookups_is(k->fix, 2);
	lacks(k->fix, "too many");
	none(e, "unauthorized-server");
	run_free(&r);
}

/* A Microsoft 365 bounce: Microsoft sent it.  The include goes in front
 * of redirect= (RFC 7208 6.1: with an "all" or not, redirect= is read
 * last), and the count has redirect's lookup too. */
static void
test_missing_sender_microsoft(void **state)
{
	static const char zn[] =
	    "redir.example. TXT \"v=spf1 ip4:192.0.2.10 "
	    "redirect=_spf.example.net\"\n"
	    "_spf.example.net. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	    "_dmarc.redir.example. TXT \"v=DMARC1; p=reject\"\n";
	struct dsn d = microsoft("550 5.7.509 Access denied, sending domain "
	    "[REDIR.EXAMPLE] does not pass DMARC verification and has a DMARC "
	    "policy of reject.");
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	d.to = "joe@redir.example";
	e = run_dsn(&r, zn, &d, NULL);
	assert_non_null(e->service);
	assert_string_equal(e->service->id, "microsoft-365");
	contains(e->service_source, "Microsoft 365");
	k = need(e, "spf-missing-sender", VOUCH_EXPLAIN_ERROR);
	contains(k->fix, "\"v=spf1 ip4:192.0.2.10 "
	    "include:spf.protection.outlook.com redirect=_spf.example.net\"");
	lookups_is(k->fix, 2);
	run_free(&r);
}

/* The service recognized by its DKIM d= (which does not align: a cause
 * of its own); the include goes in front of ~all: a: 1 + include 2. */
static void
test_missing_sender_dkim_d(void **state)
{
	static const char zn[] =
	    "tilde.example. TXT \"v=spf1 a:mail.example.com ~all\"\n"
	    "_dmarc.tilde.example. TXT \"v=DMARC1; p=reject\"\n";
	static const char orig[] =
	    "Received: from out.example.org (out.example.org "
	    "[203.0.113.61])\n"
	    "\tby mx.example.net (Postfix) with ESMTPS id C1;\n"
	    "\tTue, 14 Nov 2023 22:13:25 +0000\n"
	    "Return-Path: <joe@tilde.example>\n"
	    "From: Joe <joe@tilde.example>\n" ORIG_REST;
	char *msg = sign(orig, "mailsvc.example", "k1");
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run(&r, zn, msg, NULL);
	assert_non_null(e->service);
	assert_string_equal(e->service->id, "mailsvc");
	contains(e->service_source, "d=mailsvc.example");
	k = need(e, "spf-missing-sender", VOUCH_EXPLAIN_ERROR);
	contains(k->fix, "\"v=spf1 a:mail.example.com "
	    "include:_spf.mailsvc.example ~all\"");
	lookups_is(k->fix, 3);
	k = need(e, "dkim-not-aligned", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "d=mailsvc.example");
	contains(k->evidence, "pass");
	contains(k->fix, "tilde.example");
	contains(k->fix, "Mailsvc");
	run_free(&r);
	free(msg);
}

/* Nine includes already: the service's two make 11, over the limit of
 * RFC 7208 4.6.4, and the fix must say so rather than hand out a record
 * that ends in permerror. */
#define BIG_INCLUDES \
    "i1.big.example. TXT \"v=spf1 ip4:192.0.2.101 -all\"\n" \
    "i2.big.example. TXT \"v=spf1 ip4:192.0.2.102 -all\"\n" \
    "i3.big.example. TXT \"v=spf1 ip4:192.0.2.103 -all\"\n" \
    "i4.big.example. TXT \"v=spf1 ip4:192.0.2.104 -all\"\n" \
    "i5.big.example. TXT \"v=spf1 ip4:192.0.2.105 -all\"\n" \
    "i6.big.example. TXT \"v=spf1 ip4:192.0.2.106 -all\"\n" \
    "i7.big.example. TXT \"v=spf1 ip4:192.0.2.107 -all\"\n" \
    "i8.big.example. TXT \"v=spf1 ip4:192.0.2.108 -all\"\n" \
    "i9.big.example. TXT \"v=spf1 ip4:192.0.2.109 -all\"\n" \
    "i10.big.example. TXT \"v=spf1 ip4:192.0.2.110 -all\"\n" \
    "i11.big.example. TXT \"v=spf1 ip4:192.0.2.111 -all\"\n"

static void
test_missing_sender_too_many(void **state)
{
	static const char zn[] = BIG_INCLUDES
	    "big.example. TXT \"v=spf1 include:i1.big.example "
	    "include:i2.big.example include:i3.big.example "
	    "include:i4.big.example include:i5.big.example "
	    "include:i6.big.example include:i7.big.example "
	    "include:i8.big.example include:i9.big.example -all\"\n"
	    "_dmarc.big.example. TXT \"v=DMARC1; p=reject\"\n";
	const struct scene sc = { "big.example", NULL, "198.51.100.25", NULL,
	    0 };
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_scene(&r, zn, &sc);
	assert_int_equal(e->spf->result, VOUCH_SPF_FAIL);
	k = need(e, "spf-missing-sender", VOUCH_EXPLAIN_ERROR);
	contains(k->fix, "include:i9.big.example include:_spf.mailsvc.example "
	    "-all\"");
	lookups_is(k->fix, 11);
	contains(k->fix, "too many");
	/* the whole advice, and the service's hint after it */
	contains(k->fix, "vouch generate spf");
	contains(k->fix, "Mailsvc: add include");
	run_free(&r);
}

/* ---- spf-not-aligned, spf-record-error ---------------------------------- */

/* A delivered copy received from rcvd_ip, with the fields before it. */
static char *
delivered(const char *fields, const char *rcvd_ip, const char *rest)
{
	char *t = malloc(TEXT_MAX);

	assert_non_null(t);
	t[0] = '\0';
	assert_int_equal(tu_append(t, TEXT_MAX, "%sReceived: from "
	    "out.example.org (out.example.org [%s])\n\tby mx.example.net "
	    "(Postfix) with ESMTPS id D1;\n\tTue, 14 Nov 2023 22:13:25 "
	    "+0000\n%s", fields, rcvd_ip, rest), 0);
	return t;
}

static const struct vouch_explain *
run_delivered(struct run *r, const char *extra, const char *fields,
    const char *rcvd_ip, const char *rest)
{
	char *t = delivered(fields, rcvd_ip, rest);
	const struct vouch_explain *e = run(r, extra, t, NULL);

	free(t);
	return e;
}

/* SPF passes for an envelope domain that does not align (RFC 7489
 * 3.1.2): DMARC fails without DKIM. */
static void
test_spf_not_aligned(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_delivered(&r, NULL, "Return-Path: <bounces@esp.example.net>\n",
	    "198.51.100.80", orig_joe);
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_FAIL);
	k = need(e, "spf-not-aligned", VOUCH_EXPLAIN_ERROR);
	contains(k->summary, "esp.example.net");
	contains(k->evidence, "SPF pass for esp.example.net");
	contains(k->fix, "example.com");
	need(e, "dkim-missing", VOUCH_EXPLAIN_ERROR);
	none(e, "unauthorized-server");
	run_free(&r);
}

/* SPF fails for an envelope domain that could not align anyway (a web
 * server's own name): the cause is the envelope sender, and the fix
 * authorizes the client in the From domain's SPF (example.com lists
 * only 192.0.2.10), not in the web host's. */
static void
test_spf_unaligned_fail(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_delivered(&r, "web7.host.example. TXT \"v=spf1 -all\"\n",
	    "Return-Path: <www-data@web7.host.example>\n", "203.0.113.70",
	    orig_joe);
	assert_int_equal(e->spf->result, VOUCH_SPF_FAIL);
	k = need(e, "spf-not-aligned", VOUCH_EXPLAIN_ERROR);
	contains(k->summary, "web7.host.example");
	contains(k->fix, "ip4:203.0.113.70");
	contains(k->fix, "v=spf1 ip4:192.0.2.10 ip4:203.0.113.70 -all");
	none(e, "unauthorized-server");
	run_free(&r);
}

/* Microsoft's Authentication-Results has no authserv-id and writes
 * "action=" without a property type; what it recorded is still read
 * (RFC 8601 2.2 says what a result is; the receiver is not named). */
static void
test_recorded_microsoft(void **state)
{
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_delivered(&r, NULL, "Authentication-Results: spf=pass "
	    "(sender IP is 198.51.100.80)\n smtp.mailfrom=esp.example.net; "
	    "dkim=none (message not signed)\n header.d=none;dmarc=fail "
	    "action=quarantine\n header.from=example.com;compauth=fail "
	    "reason=000\nReturn-Path: <bounces@esp.example.net>\n",
	    "198.51.100.80", orig_joe);
	assert_null(e->recorded.authserv_id);
	assert_non_null(e->recorded.spf);
	assert_string_equal(e->recorded.spf, "pass");
	assert_non_null(e->recorded.dmarc);
	assert_string_equal(e->recorded.dmarc, "fail");
	contains(e->summary, "recorded dmarc=fail");
	run_free(&r);
}

/* A policy refusal that names no reason (Yahoo's 554 5.7.9) on mail
 * that fails DMARC: the failure explains it, so receiver-policy is only
 * information. */
static void
test_receiver_vague(void **state)
{
	struct dsn d = postfix("554 5.7.9 Message not accepted for policy "
	    "reasons.  See https://postmaster.yahooinc.com/error-codes",
	    orig_joe);
	struct vouch_explain_options o;
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.senders = g.senders;
	o.now = NOW;
	o.has_ip = 1;
	assert_int_equal(vouch_ip_parse("203.0.113.71", &o.ip), 0);
	e = run_dsn(&r, NULL, &d, &o);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_FAIL);
	need(e, "unauthorized-server", VOUCH_EXPLAIN_ERROR);
	need(e, "receiver-policy", VOUCH_EXPLAIN_INFO);
	run_free(&r);
}

/* A broken record: the SPF result is permerror, the cause names the
 * record and its fault, and no server is called unauthorized. */
static void
test_spf_record_error(void **state)
{
	static const struct {
		const char *domain, *zone, *ip, *evidence;
	} cases[] = {
		/* a syntax error anywhere makes the whole record permerror,
		   even for a client its first term lists (RFC 7208 4.6) */
		{ "typo.example",
		  "typo.example. TXT \"v=spf1 ip4:192.0.2.10 "
		  "ipv4:192.0.2.11 -all\"\n"
		  "_dmarc.typo.example. TXT \"v=DMARC1; p=reject\"\n",
		  "192.0.2.10", "ipv4:192.0.2.11" },
		/* the 11th lookup is a permerror (RFC 7208 4.6.4) */
		{ "many.example", BIG_INCLUDES
		  "many.example. TXT \"v=spf1 include:i1.big.example "
		  "include:i2.big.example include:i3.big.example "
		  "include:i4.big.example include:i5.big.example "
		  "include:i6.big.example include:i7.big.example "
		  "include:i8.big.example include:i9.big.example \" \""
		  "include:i10.big.example include:i11.big.example -all\"\n"
		  "_dmarc.many.example. TXT \"v=DMARC1; p=reject\"\n",
		  "203.0.113.50", "include:i11.big.example" },
	};
	char rp[128], from[128];
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(rp, sizeof(rp), "Return-Path: <joe@%s>\n",
		    cases[i].domain);
		(void)snprintf(from, sizeof(from), "From: <joe@%s>\n%s",
		    cases[i].domain, "Subject: x\n\nx\n");
		e = run_delivered(&r, cases[i].zone, rp, cases[i].ip, from);
		assert_int_equal(e->spf->result, VOUCH_SPF_PERMERROR);
		k = need(e, "spf-record-error", VOUCH_EXPLAIN_ERROR);
		contains(k->evidence, cases[i].evidence);
		contains(k->summary, cases[i].domain);
		none(e, "unauthorized-server");
		run_free(&r);
	}
}

/* ---- DKIM --------------------------------------------------------------- */

/* The same fault, two severities: with aligned SPF passing, DMARC
 * passes (RFC 7489 4.2) and the missing signature is only a warning. */
static void
test_dkim_missing_warning(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	size_t i;

	(void)state;
	e = run_delivered(&r, NULL, "Return-Path: <joe@example.com>\n",
	    "192.0.2.10", orig_joe);
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_PASS);
	need(e, "dkim-missing", VOUCH_EXPLAIN_WARNING);
	for (i = 0; i < e->ncauses; i++)
		assert_int_not_equal(e->causes[i].severity,
		    VOUCH_EXPLAIN_ERROR);
	contains(e->summary, "dmarc=pass");
	run_free(&r);
}

/* A failing-DMARC copy from 203.0.113.50 signed d=example.com s=sel. */
static const struct vouch_explain *
run_signed(struct run *r, const char *extra, const char *selector,
    const char *footer)
{
	char *m = sign(orig_joe, "example.com", selector);
	char *t = cat(m, footer);
	const struct vouch_explain *e;

	e = run_delivered(r, extra, "Return-Path: <joe@example.com>\n",
	    "203.0.113.50", t);
	free(t);
	free(m);
	return e;
}

/* No key at the selector (RFC 6376 6.1.2: PERMFAIL). */
static void
test_dkim_broken_no_key(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_signed(&r, NULL, "gone", "");
	k = need(e, "dkim-broken", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "d=example.com");
	contains(k->evidence, "s=gone");
	contains(k->fix, "gone._domainkey.example.com");
	none(e, "dkim-missing");
	run_free(&r);
}

/* An empty p= is a revoked key (RFC 6376 3.6.1). */
static void
test_dkim_broken_revoked(void **state)
{
	static const char zn[] = "rev._domainkey.example.com. TXT "
	    "\"v=DKIM1; k=ed25519; p=\"\n";
	struct run r;
	const struct vouch_explain_cause *k;

	(void)state;
	k = need(run_signed(&r, zn, "rev", ""), "dkim-broken",
	    VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "s=rev");
	contains(k->summary, "revoked");
	run_free(&r);
}

/* A footer added after signing: the body hash fails (RFC 6376 3.7), the
 * header signature itself verifies. */
static void
test_dkim_broken_body(void **state)
{
	struct run r;
	const struct vouch_explain_cause *k;

	(void)state;
	k = need(run_signed(&r, NULL, "k1", "-- \nSent from the office\n"),
	    "dkim-broken", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "s=k1");
	contains(k->summary, "body");
	run_free(&r);
}

/* The control: the same message unchanged passes, and nothing is said
 * about DKIM. */
static void
test_dkim_intact(void **state)
{
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_signed(&r, NULL, "k1", "");
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_PASS);
	assert_non_null(e->dmarc->dkim_aligned);
	none(e, "dkim-broken");
	none(e, "dkim-missing");
	none(e, "dkim-not-aligned");
	run_free(&r);
}

/* A Gmail bounce returning the header section of orig_joe signed with
 * the published key, without the body (text/rfc822-headers). */
static const struct vouch_explain *
run_header_only(struct run *r)
{
	char *m = sign(orig_joe, "example.com", "k1");
	char *end = strstr(m, "\n\n");
	struct dsn d;
	const struct vouch_explain *e;

	assert_non_null(end);
	end[1] = '\0';
	d = gmail(gmail_dmarc, "text/rfc822-headers", m);
	e = run_dsn(r, NULL, &d, NULL);
	free(m);
	assert_int_equal(r->b->original, VOUCH_BOUNCE_ORIG_HEADERS);
	return e;
}

/* The header section only, with a valid header signature: whether the
 * body changed cannot be told; that is said, not claimed broken. */
static void
test_dkim_header_only(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;
	size_t i;

	(void)state;
	e = run_header_only(&r);
	none(e, "dkim-broken");
	none(e, "dkim-missing");
	for (i = 0, k = NULL; i < e->ncauses; i++)
		if (strcmp(e->causes[i].code, "undetermined") == 0 &&
		    strstr(e->causes[i].evidence, "d=example.com") != NULL)
			k = &e->causes[i];
	if (k == NULL) {
		dump(e);
		fail_msg("no undetermined cause for the body hash");
	}
	assert_int_equal(k->severity, VOUCH_EXPLAIN_INFO);
	contains(k->summary, "body");
	run_free(&r);
}

/* Signed only for another domain (RFC 7489 3.1.1: no alignment). */
static void
test_dkim_not_aligned(void **state)
{
	char *m = sign(orig_joe, "other.example", "k1");
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_delivered(&r, NULL, "Return-Path: <joe@example.com>\n",
	    "203.0.113.50", m);
	k = need(e, "dkim-not-aligned", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "d=other.example");
	contains(k->fix, "d=example.com");
	none(e, "dkim-missing");
	none(e, "dkim-broken");
	run_free(&r);
	free(m);
}

/* ---- DMARC records ------------------------------------------------------ */

/* aspf takes "r" or "s" only (RFC 7489 6.3): the evidence names the
 * bad tag and the fix is the record without it. */
static void
test_dmarc_record_error(void **state)
{
	static const char zn[] =
	    "badtag.example. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
	    "_dmarc.badtag.example. TXT \"v=DMARC1; p=reject; aspf=rvk\"\n";
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_delivered(&r, zn, "Return-Path: <joe@badtag.example>\n",
	    "203.0.113.50", "From: Joe <joe@badtag.example>\n" ORIG_REST);
	k = find(e, "dmarc-record-error");
	if (k == NULL) {
		dump(e);
		fail_msg("no dmarc-record-error");
	}
	contains(k->evidence, "aspf=rvk");
	contains(k->fix, "v=DMARC1; p=reject");
	lacks(k->fix, "rvk");
	run_free(&r);
}

#define PLAIN_ZONE "plain.example. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"

/* No DMARC record, and the receiver's reply is about authentication:
 * an error. */
static void
test_dmarc_missing_error(void **state)
{
	const struct scene sc = { "plain.example", "550 5.7.26 This mail "
	    "has been blocked because the sender is unauthenticated.",
	    "203.0.113.50", NULL, 0 };
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_scene(&r, PLAIN_ZONE, &sc);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_NONE);
	k = need(e, "dmarc-missing", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "_dmarc.plain.example");
	contains(k->fix, "v=DMARC1");
	contains(k->fix, "_dmarc.plain.example");
	run_free(&r);
}

/*
 * Regression (fixed): Gmail's reply to unauthenticated
 * mail names SPF and DKIM ("Gmail requires all senders to authenticate
 * with either SPF or DKIM"); explain_reply.c classes it as a DKIM reply,
 * and records() makes dmarc-missing an error only for a DMARC or a
 * generic authentication reply, so it comes out a warning although the
 * reply is about authentication (5.7.26, RFC 7372 3.6: "multiple
 * authentication checks").
 */
static void
test_dmarc_missing_gmail(void **state)
{
	const struct scene sc = { "plain.example", "550-5.7.26 This mail "
	    "has been blocked because the sender is unauthenticated. Gmail "
	    "requires all senders to authenticate with either SPF or DKIM. "
	    "Authentication results: DKIM = did not pass SPF [plain.example] "
	    "with ip: [203.0.113.50] = did not pass - gsmtp", NULL, NULL, 0 };
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_scene(&r, PLAIN_ZONE, &sc);
	ip_is(e, "203.0.113.50", "reply");
	need(e, "dmarc-missing", VOUCH_EXPLAIN_ERROR);
	run_free(&r);
}

/* No DMARC record on mail that was delivered, or refused for another
 * reason: a warning. */
static void
test_dmarc_missing_warning(void **state)
{
	const struct scene sc = { "plain.example", "550 5.1.1 "
	    "<bob@example.net>: Recipient address rejected: User unknown in "
	    "virtual mailbox table", NULL, NULL, 0 };
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_delivered(&r, PLAIN_ZONE,
	    "Return-Path: <joe@plain.example>\n", "192.0.2.10",
	    "From: Joe <joe@plain.example>\n" ORIG_REST);
	need(e, "dmarc-missing", VOUCH_EXPLAIN_WARNING);
	run_free(&r);
	need(run_scene(&r, PLAIN_ZONE, &sc), "dmarc-missing",
	    VOUCH_EXPLAIN_WARNING);
	run_free(&r);
}

/* ---- forwarded ---------------------------------------------------------- */

/* A mailing list on the way: SPF cannot pass from its servers, which is
 * not the sender's fault to fix in SPF. */
static void
test_forwarded_list(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_delivered(&r, NULL, "List-Id: Team <team.lists.example.org>\n",
	    "203.0.113.90", "Return-Path: <joe@example.com>\n" "From: Joe "
	    "<joe@example.com>\n" ORIG_REST);
	k = need(e, "forwarded", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "List-Id");
	contains(k->fix, "d=example.com");
	none(e, "unauthorized-server");
	run_free(&r);
}

/* An ARC set (RFC 8617): an intermediary sealed it on the way. */
static void
test_forwarded_arc(void **state)
{
	struct run r;
	const struct vouch_explain_cause *k;

	(void)state;
	k = need(run_delivered(&r, NULL, "ARC-Seal: i=1; a=rsa-sha256; "
	    "cv=none; d=fwd.example.org; s=arc;\n\tt=1700000005; b=AAAA\n",
	    "203.0.113.90", "Return-Path: <joe@example.com>\n" "From: Joe "
	    "<joe@example.com>\n" ORIG_REST), "forwarded",
	    VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "ARC-Seal");
	run_free(&r);
}

/* No list fields, but the chain shows the sender's own server (where SPF
 * passes) one hop before the forwarder the receiver saw. */
static void
test_forwarded_hop(void **state)
{
	static const char msg[] =
	    "Return-Path: <joe@example.com>\n"
	    "Received: from fwd.example.org (fwd.example.org "
	    "[203.0.113.77])\n"
	    "\tby mx.example.net (Postfix) with ESMTPS id E1;\n"
	    "\tTue, 14 Nov 2023 22:13:30 +0000\n"
	    "Received: from mail.example.com (mail.example.com "
	    "[192.0.2.10])\n"
	    "\tby fwd.example.org (Postfix) with ESMTPS id E2;\n"
	    "\tTue, 14 Nov 2023 22:13:25 +0000\n"
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run(&r, NULL, msg, NULL);
	ip_is(e, "203.0.113.77", "Received");
	assert_int_equal(e->spf->result, VOUCH_SPF_FAIL);
	k = need(e, "forwarded", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "192.0.2.10");
	contains(k->evidence, "203.0.113.77");
	none(e, "unauthorized-server");
	run_free(&r);
}

/* ---- dns-temporary ------------------------------------------------------ */

/* A 4xx reply naming DMARC (RFC 3463 3.1: 4.X.X is transient); today's
 * lookups work, so there is nothing to publish. */
static void
test_temporary_reply(void **state)
{
	struct dsn d = postfix("451 4.7.0 Temporary DMARC error, try again "
	    "later", orig_joe);
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	d.action = "delayed";
	d.status = "4.7.0";
	e = run_dsn(&r, NULL, &d, NULL);
	ip_is(e, "192.0.2.10", "mail.example.com");
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_PASS);
	k = need(e, "dns-temporary", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "451 4.7.0");
	assert_non_null(k->fix);
	contains(e->summary, "deferred");
	none(e, "unauthorized-server");
	run_free(&r);
}

/* A name server that fails now: the DMARC lookup is a temperror
 * (RFC 7489 6.6.3 / RFC 9989), and the fix points at the servers. */
static void
test_temporary_servfail(void **state)
{
	static const char zn[] =
	    "sf.example. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
	    "$SERVFAIL _dmarc.sf.example.\n";
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_delivered(&r, zn, "Return-Path: <joe@sf.example>\n",
	    "192.0.2.10", "From: Joe <joe@sf.example>\n" ORIG_REST);
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_TEMPERROR);
	k = need(e, "dns-temporary", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "temperror");
	contains(k->evidence, "sf.example");
	contains(k->fix, "sf.example");
	run_free(&r);
}

/* ---- receiver-policy ---------------------------------------------------- */

/* Everything passes (the client in the reply is authorized, the
 * signature verifies): the blocklist is the receiver's own policy. */
static void
test_receiver_blocklist(void **state)
{
	char *m = sign(orig_joe, "example.com", "k1");
	struct dsn d = postfix("554 5.7.1 Service unavailable; Client host "
	    "[192.0.2.10] blocked using zen.spamhaus.org", m);
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;
	size_t i;

	(void)state;
	e = run_dsn(&r, NULL, &d, NULL);
	ip_is(e, "192.0.2.10", "reply");
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_PASS);
	k = need(e, "receiver-policy", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "zen.spamhaus.org");
	contains(k->fix, "192.0.2.10");
	for (i = 0; i < e->ncauses; i++)
		if (e->causes[i].severity == VOUCH_EXPLAIN_ERROR &&
		    &e->causes[i] != k)
			fail_msg("a second error: %s", e->causes[i].code);
	run_free(&r);
	free(m);
}

/* A reply about something else entirely (RFC 3463 3.2: X.1.1 is a bad
 * destination mailbox). */
static void
test_receiver_other(void **state)
{
	char *m = sign(orig_joe, "example.com", "k1");
	struct dsn d = postfix("550 5.1.1 <bob@example.net>: Recipient "
	    "address rejected: User unknown in virtual mailbox table", m);
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	e = run_dsn(&r, NULL, &d, NULL);
	k = need(e, "receiver-policy", VOUCH_EXPLAIN_ERROR);
	contains(k->evidence, "5.1.1");
	assert_ptr_equal(k, &e->causes[0]);
	none(e, "unauthorized-server");
	none(e, "dkim-missing");
	run_free(&r);
	free(m);
}

/* ---- undetermined ------------------------------------------------------- */

/* No client IP and no original: what would decide is named. */
static void
test_undetermined(void **state)
{
	struct dsn d = postfix(gmail_dmarc, NULL);
	struct run r;
	const struct vouch_explain *e;
	const struct vouch_explain_cause *k;

	(void)state;
	d.reporting = "gone.example.com";
	e = run_dsn(&r, NULL, &d, NULL);
	assert_false(e->has_ip);
	assert_null(e->spf);
	assert_null(e->dkim);
	k = need(e, "undetermined", VOUCH_EXPLAIN_INFO);
	contains(k->evidence, "SPF");
	contains(k->evidence, "original");
	contains(k->fix, "--ip");
	run_free(&r);
}

/* ---- error paths and limits --------------------------------------------- */

static void
test_einval(void **state)
{
	struct vouch_explain *e = (struct vouch_explain *)1;
	struct vouch_bounce *b = NULL;
	struct vouch_dns *dns = zone(NULL);
	struct vouch_error err;

	(void)state;
	assert_int_equal(vouch_bounce_parse(orig_joe, strlen(orig_joe), &b,
	    &err), 0);
	assert_int_equal(vouch_explain(NULL, b, NULL, &e, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_explain(dns, NULL, NULL, &e, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_explain(dns, b, NULL, NULL, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_explain(dns, b, NULL, NULL, NULL),
	    VOUCH_EINVAL);
	/* NULL options are the defaults */
	e = NULL;
	assert_int_equal(vouch_explain(dns, b, NULL, &e, &err), 0);
	assert_non_null(e);
	check_order(e);
	vouch_explain_free(e);
	vouch_explain_free(NULL);
	vouch_bounce_free(b);
	vouch_dns_free(dns);
}

static void
test_severity_names(void **state)
{
	(void)state;
	assert_string_equal(vouch_explain_severity_name(VOUCH_EXPLAIN_INFO),
	    "info");
	assert_string_equal(vouch_explain_severity_name(
	    VOUCH_EXPLAIN_WARNING), "warning");
	assert_string_equal(vouch_explain_severity_name(VOUCH_EXPLAIN_ERROR),
	    "error");
}

/* A budget of one query: the rest answer RETRY, which must read as a
 * temporary failure, never as a verdict on the records. */
static void
test_budget(void **state)
{
	const struct scene sc = { "example.com", NULL, "203.0.113.50", NULL,
	    1 };
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_scene(&r, NULL, &sc);
	assert_true(e->dns_queries <= 1);
	need(e, "dns-temporary", VOUCH_EXPLAIN_ERROR);
	none(e, "dmarc-missing");
	none(e, "spf-record-error");
	run_free(&r);
}

/*
 * Regression (fixed): with the budget spent after the
 * SPF check (which read the real record and failed 203.0.113.50), the
 * audit's lookup of the same record answers RETRY, and unauthorized-
 * server then says "example.com publishes no SPF record" and proposes
 * "v=spf1 ip4:203.0.113.50 ~all": publishing that would drop
 * ip4:192.0.2.10, the server that does send for the domain.  A lookup
 * that failed is not a missing record (RFC 7208 4.4: temperror).
 */
static void
test_budget_no_false_record(void **state)
{
	const struct scene sc = { "example.com", NULL, "203.0.113.50", NULL,
	    1 };
	struct run r;
	const struct vouch_explain *e;
	size_t i;

	(void)state;
	e = run_scene(&r, NULL, &sc);
	for (i = 0; i < e->ncauses; i++) {
		lacks(e->causes[i].summary, "no SPF record");
		lacks(e->causes[i].fix, "v=spf1 ip4:203.0.113.50 ~all");
	}
	run_free(&r);
}

static int
retry_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	(void)impl;
	return vouch_dns_answer_new(name, type, VOUCH_DNS_RETRY, out);
}

static void
retry_destroy(void *impl)
{
	(void)impl;
}

/* Every lookup fails (a resolver that cannot reach anything). */
static void
test_retry_everything(void **state)
{
	static const struct vouch_dns_methods m = {
		.version = VOUCH_DNS_METHODS_VERSION,
		.name = "retry",
		.query = retry_query,
		.destroy = retry_destroy,
	};
	static int impl;
	struct vouch_explain_options o;
	struct vouch_bounce *b = NULL;
	struct vouch_explain *e = NULL;
	struct vouch_dns *dns = NULL;
	struct vouch_error err;
	char *t;
	struct dsn d = postfix(gmail_dmarc, orig_joe);

	(void)state;
	t = dsn_text(&d);
	assert_int_equal(vouch_dns_new(&m, &impl, &dns), 0);
	assert_int_equal(vouch_bounce_parse(t, strlen(t), &b, &err), 0);
	opts_init(&o);
	set_ip(&o, "203.0.113.50");
	assert_int_equal(vouch_explain(dns, b, &o, &e, &err), 0);
	check_order(e);
	assert_int_equal(e->spf->result, VOUCH_SPF_TEMPERROR);
	need(e, "dns-temporary", VOUCH_EXPLAIN_ERROR);
	none(e, "unauthorized-server");
	none(e, "dmarc-missing");
	none(e, "spf-record-error");
	vouch_explain_free(e);
	vouch_bounce_free(b);
	vouch_dns_free(dns);
	free(t);
}

/* Every allocation of the diagnosis may fail: a clean VOUCH_ENOMEM, no
 * leak (ASan), nothing returned. */
static void
test_failalloc(void **state)
{
	struct vouch_explain_options o;
	struct vouch_bounce *b = NULL;
	struct vouch_explain *e;
	struct vouch_dns *dns = zone(NULL);
	struct vouch_error err;
	struct dsn d = postfix(gmail_dmarc, orig_joe);
	char *t = dsn_text(&d);
	unsigned long n, total;
	int rc;

	(void)state;
	assert_int_equal(vouch_bounce_parse(t, strlen(t), &b, &err), 0);
	opts_init(&o);
	set_ip(&o, "198.51.100.25");
	failalloc_set(0);
	e = NULL;
	assert_int_equal(vouch_explain(dns, b, &o, &e, &err), 0);
	vouch_explain_free(e);
	total = failalloc_count();
	for (n = 1; n <= total; n++) {
		e = NULL;
		failalloc_set(n);
		rc = vouch_explain(dns, b, &o, &e, &err);
		failalloc_set(0);
		if (rc == 0) {
			check_order(e);
			vouch_explain_free(e);
			continue;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(e);
	}
	vouch_bounce_free(b);
	vouch_dns_free(dns);
	free(t);
}

/* ---- Exim ---------------------------------------------------------------- */

/* A classic Exim bounce from the sender's own server: no Reporting-MTA,
 * so the server is the "by" host of the original's topmost Received
 * (mail.example.com, one address).  The bracketed address after "host"
 * is the receiver's own (mx.example.net), never the client. */
static void
test_ip_exim(void **state)
{
	static const char bounce[] =
	    "From: Mail Delivery System <Mailer-Daemon@mail.example.com>\n"
	    "To: joe@example.com\n"
	    "Subject: Mail delivery failed: returning message to sender\n"
	    "X-Failed-Recipients: bob@example.net\n"
	    "Date: Tue, 14 Nov 2023 22:13:40 +0000\n"
	    "\n"
	    "This message was created automatically by mail delivery "
	    "software.\n\n"
	    "A message that you sent could not be delivered to one or more "
	    "of its\nrecipients. This is a permanent error. The following "
	    "address(es) failed:\n\n"
	    "  bob@example.net\n"
	    "    host mx.example.net [203.0.113.25]\n"
	    "    SMTP error from remote mail server after end of data:\n"
	    "    550 5.7.1 Message rejected by policy\n\n"
	    "------ This is a copy of the message, including all the "
	    "headers. ------\n\n"
	    "Return-path: <joe@example.com>\n"
	    "Received: from joe by mail.example.com with local (Exim 4.96)\n"
	    "\t(envelope-from <joe@example.com>)\n"
	    "\tid 1r3abc-000123-AB\n"
	    "\tfor bob@example.net; Tue, 14 Nov 2023 22:13:20 +0000\n"
	    "From: Joe <joe@example.com>\n" ORIG_REST;
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run(&r, NULL, bounce, NULL);
	assert_string_equal(r.b->format, "exim");
	ip_is(e, "192.0.2.10", "mail.example.com");
	assert_string_equal(e->mail_from, "joe@example.com");
	domain_is(e, "example.com", "From field");
	run_free(&r);
}

/* ---- controls and options ------------------------------------------------ */

/* Relaxed alignment (RFC 7489 3.1.2): a MAIL FROM under the From
 * domain aligns, so DMARC passes on SPF and nothing is said of it. */
static void
test_spf_relaxed_aligned(void **state)
{
	static const char zn[] = "bounces.example.com. TXT \"v=spf1 "
	    "ip4:198.51.100.0/24 -all\"\n";
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_delivered(&r, zn, "Return-Path: <b-1@bounces.example.com>\n",
	    "198.51.100.80", orig_joe);
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_PASS);
	none(e, "spf-not-aligned");
	none(e, "unauthorized-server");
	run_free(&r);
}

/* The service is known but the record has its include already: not
 * spf-missing-sender. */
static void
test_service_include_present(void **state)
{
	static const char zn[] =
	    "hasms.example. TXT \"v=spf1 include:spf.protection.outlook.com "
	    "-all\"\n"
	    "_dmarc.hasms.example. TXT \"v=DMARC1; p=reject\"\n";
	struct dsn d = microsoft("550 5.7.509 Access denied, sending domain "
	    "[HASMS.EXAMPLE] does not pass DMARC verification and has a DMARC "
	    "policy of reject.");
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	d.to = "joe@hasms.example";
	e = run_dsn(&r, zn, &d, NULL);
	assert_string_equal(e->service->id, "microsoft-365");
	none(e, "spf-missing-sender");
	run_free(&r);
}

/* A subdomain without a record of its own falls back to the
 * organizational domain's (RFC 7489 6.6.3): no dmarc-missing. */
static void
test_dmarc_org_fallback(void **state)
{
	static const char zn[] = "news.example.com. TXT \"v=spf1 "
	    "ip4:192.0.2.10 -all\"\n";
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	e = run_delivered(&r, zn, "Return-Path: <joe@news.example.com>\n",
	    "192.0.2.10", "From: Joe <joe@news.example.com>\n" ORIG_REST);
	assert_int_equal(e->dmarc->result, VOUCH_DMARC_PASS);
	none(e, "dmarc-missing");
	run_free(&r);
}

/* --mail-from wins over what the bounce says; the null reverse-path is
 * checked with the HELO name (RFC 7208 2.3 / 2.4), and without one SPF
 * stays unchecked. */
static void
test_mail_from_option(void **state)
{
	static const char zn[] = "mail.example.com. TXT \"v=spf1 a -all\"\n";
	struct vouch_explain_options o;
	struct dsn d = postfix(gmail_dmarc, orig_joe);
	struct run r;
	const struct vouch_explain *e;

	(void)state;
	opts_init(&o);
	set_ip(&o, "192.0.2.10");
	o.mail_from = "bounce+1@example.com";
	e = run_dsn(&r, zn, &d, &o);
	assert_string_equal(e->mail_from, "bounce+1@example.com");
	contains(e->mail_from_source, "--mail-from");
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	run_free(&r);
	o.mail_from = "";
	o.helo = "mail.example.com";
	e = run_dsn(&r, zn, &d, &o);
	assert_non_null(e->spf);
	assert_string_equal(e->spf->domain, "mail.example.com");
	assert_int_equal(e->spf->result, VOUCH_SPF_PASS);
	run_free(&r);
	o.helo = NULL;
	e = run_dsn(&r, zn, &d, &o);
	assert_null(e->spf);
	contains(need(e, "undetermined", VOUCH_EXPLAIN_INFO)->evidence,
	    "null reverse-path");
	run_free(&r);
}

/*
 * Regression (fixed): with the header section only,
 * the verifier is finished without a body, so the signature's result is
 * "fail (body hash mismatch: the body was changed after signing)", and
 * that text is the evidence of the "undetermined" cause (and the fail
 * goes into DMARC) although nothing says the body changed: only that it
 * is not at hand.
 */
static void
test_dkim_header_only_no_claim(void **state)
{
	struct run r;
	const struct vouch_explain *e;
	size_t i;

	(void)state;
	e = run_header_only(&r);
	for (i = 0; i < e->ncauses; i++) {
		lacks(e->causes[i].evidence, "was changed");
		lacks(e->causes[i].evidence, "mismatch");
	}
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_option),
		cmocka_unit_test(test_ip_reply),
		cmocka_unit_test(test_ip_received_spf),
		cmocka_unit_test(test_ip_iprev),
		cmocka_unit_test(test_ip_received_chain),
		cmocka_unit_test(test_ip_reporting_mta),
		cmocka_unit_test(test_ip_provider_bounce),
		cmocka_unit_test(test_ip_exim),
		cmocka_unit_test(test_from_field),
		cmocka_unit_test(test_from_reply),
		cmocka_unit_test(test_from_mail_from),
		cmocka_unit_test(test_from_none),
		cmocka_unit_test(test_unauthorized),
		cmocka_unit_test(test_unauthorized_no_spf),
		cmocka_unit_test(test_freemail_from),
		cmocka_unit_test(test_freemail_reply_to),
		cmocka_unit_test(test_freemail_no_dns_fix),
		cmocka_unit_test(test_missing_sender_ptr),
		cmocka_unit_test(test_missing_sender_microsoft),
		cmocka_unit_test(test_missing_sender_dkim_d),
		cmocka_unit_test(test_missing_sender_too_many),
		cmocka_unit_test(test_spf_not_aligned),
		cmocka_unit_test(test_spf_unaligned_fail),
		cmocka_unit_test(test_receiver_vague),
		cmocka_unit_test(test_recorded_microsoft),
		cmocka_unit_test(test_spf_record_error),
		cmocka_unit_test(test_dkim_missing_warning),
		cmocka_unit_test(test_dkim_broken_no_key),
		cmocka_unit_test(test_dkim_broken_revoked),
		cmocka_unit_test(test_dkim_broken_body),
		cmocka_unit_test(test_dkim_intact),
		cmocka_unit_test(test_dkim_header_only),
		cmocka_unit_test(test_dkim_not_aligned),
		cmocka_unit_test(test_dmarc_record_error),
		cmocka_unit_test(test_dmarc_missing_error),
		cmocka_unit_test(test_dmarc_missing_warning),
		cmocka_unit_test(test_forwarded_list),
		cmocka_unit_test(test_forwarded_arc),
		cmocka_unit_test(test_forwarded_hop),
		cmocka_unit_test(test_temporary_reply),
		cmocka_unit_test(test_temporary_servfail),
		cmocka_unit_test(test_receiver_blocklist),
		cmocka_unit_test(test_receiver_other),
		cmocka_unit_test(test_undetermined),
		cmocka_unit_test(test_einval),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_retry_everything),
		cmocka_unit_test(test_failalloc),
		cmocka_unit_test(test_spf_relaxed_aligned),
		cmocka_unit_test(test_service_include_present),
		cmocka_unit_test(test_dmarc_org_fallback),
		cmocka_unit_test(test_mail_from_option),
		cmocka_unit_test(test_ip_received_spf_over_iprev),
		cmocka_unit_test(test_dmarc_missing_gmail),
		cmocka_unit_test(test_budget_no_false_record),
		cmocka_unit_test(test_dkim_header_only_no_claim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
