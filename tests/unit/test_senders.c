/*
 * test_senders.c - sender knowledge (vouch/senders.h, data/senders.conf).
 *
 * The shipped file must load and carry the services and free-mail
 * domains the commands rely on; the facts checked here are the ones the
 * providers' own pages state (each named in the file): Google's default
 * selector "google", Microsoft's selector1/selector2, SendGrid's s1/s2
 * and its per-account includes under wl.sendgrid.net, SES's default
 * MAIL FROM under amazonses.com, the sending-host names of Microsoft's,
 * Amazon's, Mailgun's and SparkPost's pages, and so on.  The parser's
 * rules come from docs/senders.md: every rule has a case with its
 * file:line message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include <vouch/senders.h>

#include "failalloc.h"
#include "testutil.h"

#define SVC(id, more) "[service " id "]\nname = N\nsource = " \
	"https://example.org/\n" more

static struct vouch_senders *
parse(const char *text)
{
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };
	int rc = vouch_senders_parse(text, strlen(text), "t.conf", &s, &err);

	if (rc != 0 || s == NULL)
		fail_msg("should parse: %d %s", rc, err.msg);
	return s;
}

static const char *
id_of(const struct vouch_sender_service *svc)
{
	return svc != NULL ? svc->id : "(none)";
}

static int
has(const char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

static struct vouch_senders *
shipped(void)
{
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };

	if (vouch_senders_load(tu_src_path("data/senders.conf"), &s,
	    &err) != 0)
		fail_msg("data/senders.conf: %s", err.msg);
	return s;
}

/* Every service says what it is and where its facts come from. */
static void
test_shipped_valid(void **state)
{
	static const char *const ids[] = { "google-workspace",
	    "microsoft-365", "amazon-ses", "sendgrid", "mailchimp", "mailgun",
	    "postmark", "sparkpost", "brevo", "zoho-mail", "ovh",
	    "salesforce", "hubspot", "zendesk", "fastmail", "proton-mail" };
	static const char *const fm[] = { "gmail.com", "googlemail.com",
	    "yahoo.com", "ymail.com", "aol.com", "outlook.com", "hotmail.com",
	    "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
	    "gmx.net", "gmx.de", "gmx.com", "web.de", "mail.com", "yandex.ru",
	    "yandex.com", "proton.me", "protonmail.com", "zoho.com" };
	struct vouch_senders *s = shipped();
	const struct vouch_sender_service *svc;
	const struct vouch_sender_freemail *f;
	size_t i;

	(void)state;
	assert_true(vouch_senders_count(s) >= sizeof(ids) / sizeof(ids[0]));
	for (i = 0; i < vouch_senders_count(s); i++) {
		svc = vouch_senders_at(s, i);
		assert_non_null(svc);
		assert_non_null(svc->name);
		assert_non_null(svc->source);
		assert_int_equal(strncmp(svc->source, "https://", 8), 0);
		assert_ptr_equal(vouch_senders_by_id(s, svc->id), svc);
	}
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (vouch_senders_by_id(s, ids[i]) == NULL)
			fail_msg("no service %s", ids[i]);
	for (i = 0; i < sizeof(fm) / sizeof(fm[0]); i++) {
		f = vouch_senders_freemail(s, fm[i]);
		if (f == NULL)
			fail_msg("no free-mail domain %s", fm[i]);
		assert_string_equal(f->domain, fm[i]);
		assert_int_equal(strncmp(f->source, "https://", 8), 0);
	}
	for (i = 0; i < vouch_senders_freemail_count(s); i++) {
		f = vouch_senders_freemail_at(s, i);
		assert_ptr_equal(vouch_senders_freemail(s, f->domain), f);
		assert_true(f->provider[0] != '\0');
	}
	assert_null(vouch_senders_at(s, vouch_senders_count(s)));
	assert_null(vouch_senders_freemail_at(s,
	    vouch_senders_freemail_count(s)));
	vouch_senders_free(s);
}

/* The facts of the providers' pages, as lookups see them. */
static void
test_shipped_facts(void **state)
{
	/*
	 * Sending hosts, with the names the providers' pages give:
	 * Microsoft's PTR and HELO examples, SES's reportingMTA, the rdns
	 * and hostname of Mailgun's and SparkPost's sending-IP APIs.
	 */
	static const char *const hosts[] = {
	    "mail-bn1on0065.outbound.protection.outlook.com", "microsoft-365",
	    "na01-bn1-obe.outbound.protection.outlook.com", "microsoft-365",
	    "a8-70.smtp-out.amazonses.com", "amazon-ses",
	    "o19315237198.static.reverse.sendgrid.net", "sendgrid",
	    "luna.mailgun.net", "mailgun",
	    "mta472a.sparkpostmail.com", "sparkpost" };
	struct vouch_senders *s = shipped();
	const struct vouch_sender_service *g, *m;
	size_t i;

	(void)state;
	g = vouch_senders_by_id(s, "google-workspace");
	assert_string_equal(g->spf_include, "_spf.google.com");
	assert_true(has(g->selectors, g->nselectors, "google"));
	assert_ptr_equal(vouch_senders_by_include(s, "_spf.google.com"), g);
	/* Google's default DKIM domain: d=*.gappssmtp.com. */
	assert_ptr_equal(vouch_senders_by_domain(s, "example-com.20230601."
	    "gappssmtp.com"), g);
	m = vouch_senders_by_id(s, "microsoft-365");
	assert_true(has(m->selectors, m->nselectors, "selector1"));
	assert_true(has(m->selectors, m->nselectors, "selector2"));
	assert_ptr_equal(vouch_senders_by_include(s,
	    "spf.protection.outlook.com"), m);
	assert_ptr_equal(vouch_senders_by_domain(s,
	    "contoso.onmicrosoft.com"), m);
	/* Names that start with a dot or hold empty labels (from a hostile
	   HELO) end the suffix walk: a fuzzed explain once looped here. */
	assert_ptr_equal(vouch_senders_by_domain(s, ".onmicrosoft.com"), m);
	assert_null(vouch_senders_by_domain(s, "."));
	assert_null(vouch_senders_by_domain(s, "..."));
	assert_ptr_equal(vouch_senders_by_include(s,
	    "..spf.protection.outlook.com"), m);
	assert_null(vouch_senders_by_host(s, ".x..example."));
	assert_string_equal(id_of(vouch_senders_by_domain(s,
	    "us-west-2.amazonses.com")), "amazon-ses");
	assert_string_equal(id_of(vouch_senders_by_include(s,
	    "amazonses.com")), "amazon-ses");
	/* SendGrid: s1/s2, per-account u123456.wl.sendgrid.net includes. */
	assert_string_equal(id_of(vouch_senders_by_include(s,
	    "u123456.wl.sendgrid.net")), "sendgrid");
	assert_string_equal(id_of(vouch_senders_by_domain(s,
	    "o1.email.sendgrid.net")), "sendgrid");
	assert_null(vouch_senders_by_domain(s, "evilsendgrid.net"));
	assert_string_equal(id_of(vouch_senders_by_domain(s,
	    "mandrillapp.com")), "mailchimp");
	assert_string_equal(id_of(vouch_senders_by_include(s, "mailgun.org")),
	    "mailgun");
	assert_string_equal(id_of(vouch_senders_by_domain(s, "pm.mtasv.net")),
	    "postmark");
	assert_string_equal(id_of(vouch_senders_by_include(s, "mx.ovh.com")),
	    "ovh");
	assert_string_equal(id_of(vouch_senders_by_include(s,
	    "mail.zendesk.com")), "zendesk");
	assert_string_equal(id_of(vouch_senders_by_include(s,
	    "_spf.protonmail.ch")), "proton-mail");
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i += 2)
		assert_string_equal(id_of(vouch_senders_by_host(s,
		    hosts[i])), hosts[i + 1]);
	assert_null(vouch_senders_by_host(s,
	    "outbound.protection.outlook.com"));
	assert_string_equal(vouch_senders_freemail(s, "GMail.Com.")->provider,
	    "Google");
	assert_null(vouch_senders_freemail(s, "mail.gmail.com"));
	assert_null(vouch_senders_freemail(s, "example.com"));
	vouch_senders_free(s);
}

/* NULL: the installed copy, else the source tree's. */
static void
test_load_default(void **state)
{
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };

	(void)state;
	assert_int_equal(vouch_senders_load(NULL, &s, &err), 0);
	assert_non_null(vouch_senders_by_id(s, "google-workspace"));
	vouch_senders_free(s);
}

static const char lookups_conf[] =
	SVC("sg", "spf-include = sendgrid.net\ndomains = sendgrid.net\n"
	    "hosts = *.sendgrid.net, mta.example.net\n"
	    "dkim-selectors = s1, S2\n")
	SVC("inner", "domains = Email.SendGrid.NET\n")
	"[freemail]\nExample-Mail.com = Example | https://example.org/fm\n";

static void
test_lookups(void **state)
{
	struct vouch_senders *s = parse(lookups_conf);
	const struct vouch_sender_service *sg, *inner;
	char longname[300];

	(void)state;
	sg = vouch_senders_by_id(s, "SG");
	inner = vouch_senders_by_id(s, "inner");
	assert_non_null(sg);
	assert_non_null(inner);
	assert_null(vouch_senders_by_id(s, "s"));
	assert_string_equal(inner->domains[0], "email.sendgrid.net");
	assert_string_equal(sg->selectors[1], "s2");
	assert_string_equal(sg->hosts[0], "*.sendgrid.net");
	/* by domain: equal or subdomain, the most specific first. */
	assert_ptr_equal(vouch_senders_by_domain(s, "sendgrid.net"), sg);
	assert_ptr_equal(vouch_senders_by_domain(s, "x.sendgrid.net"), sg);
	assert_ptr_equal(vouch_senders_by_domain(s, "SendGrid.NET."), sg);
	assert_ptr_equal(vouch_senders_by_domain(s, "email.sendgrid.net"),
	    inner);
	assert_ptr_equal(vouch_senders_by_domain(s, "o1.email.sendgrid.net"),
	    inner);
	assert_null(vouch_senders_by_domain(s, "evilsendgrid.net"));
	assert_null(vouch_senders_by_domain(s, "sendgrid.net.evil.com"));
	assert_null(vouch_senders_by_domain(s, "net"));
	assert_null(vouch_senders_by_domain(s, ""));
	assert_null(vouch_senders_by_domain(s, "."));
	assert_null(vouch_senders_by_domain(s, "a b.sendgrid.net"));
	assert_null(vouch_senders_by_domain(s, NULL));
	assert_null(vouch_senders_by_domain(NULL, "sendgrid.net"));
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + sizeof(longname) - 14, ".sendgrid.net", 14);
	assert_null(vouch_senders_by_domain(s, longname));
	/* by include: the include or a subdomain of it. */
	assert_ptr_equal(vouch_senders_by_include(s, "u1.wl.sendgrid.net"),
	    sg);
	assert_null(vouch_senders_by_include(s, "example.net"));
	/* by host: "*." needs at least one label in front. */
	assert_ptr_equal(vouch_senders_by_host(s, "o1.ptr.sendgrid.net"), sg);
	assert_null(vouch_senders_by_host(s, "sendgrid.net"));
	assert_null(vouch_senders_by_host(s, "evilsendgrid.net"));
	assert_ptr_equal(vouch_senders_by_host(s, "MTA.example.net."), sg);
	assert_null(vouch_senders_by_host(s, "x.mta.example.net"));
	/* free-mail: exact, case-insensitive, trailing dot tolerated. */
	assert_string_equal(vouch_senders_freemail(s,
	    "EXAMPLE-mail.com.")->provider, "Example");
	assert_null(vouch_senders_freemail(s, "x.example-mail.com"));
	assert_int_equal(vouch_senders_count(s), 2);
	assert_int_equal(vouch_senders_freemail_count(s), 1);
	assert_int_equal(vouch_senders_count(NULL), 0);
	vouch_senders_free(s);
	vouch_senders_free(NULL);
}

/* Many lookups: the tables answer without allocating. */
static void
test_many_lookups(void **state)
{
	struct vouch_senders *s = shipped();
	unsigned long i, hits = 0;

	(void)state;
	failalloc_set(1);
	for (i = 0; i < 300000; i++)
		hits += vouch_senders_by_domain(s, i % 2 ?
		    "bounces.u1.wl.sendgrid.net" : "mail.example.org") != NULL;
	failalloc_set(0);
	assert_int_equal(hits, 150000);
	vouch_senders_free(s);
}

struct bad {
	const char *text;
	int code;
	const char *msg;
};

static const struct bad bad[] = {
	{ "[service x]\nname = X\n", VOUCH_ESYNTAX,
	    "t.conf:1: [service x] has no source" },
	{ "# c\n[service x]\nsource = https://e.org/\n[freemail]\n",
	    VOUCH_ESYNTAX, "t.conf:2: [service x] has no name" },
	{ SVC("x", "colour = red\n"), VOUCH_ESYNTAX,
	    "t.conf:4: unknown key 'colour' in [service x]" },
	{ SVC("x", "Name = again\n"), VOUCH_ESYNTAX,
	    "t.conf:4: key 'name' given twice in [service x]" },
	{ SVC("a", "") SVC("A", ""), VOUCH_ESYNTAX,
	    "t.conf:4: service id a already given at line 1" },
	{ SVC("a", "domains = x.com\n") SVC("b", "domains = X.com\n"),
	    VOUCH_ESYNTAX, "t.conf:8: domain x.com already given at line 4" },
	{ SVC("a", "domains = x.com\n") SVC("b", "spf-include = x.com\n"),
	    VOUCH_ESYNTAX, "t.conf:8: SPF include x.com is a domain of "
	    "[service a] (line 4)" },
	{ SVC("a", "spf-include = x.com\n") SVC("b", "spf-include = x.com\n"),
	    VOUCH_ESYNTAX, "t.conf:8: SPF include x.com already given at "
	    "line 4" },
	{ SVC("a", "hosts = *.x.com\n") SVC("b", "hosts = *.x.com\n"),
	    VOUCH_ESYNTAX, "t.conf:8: host pattern *.x.com already given at "
	    "line 4" },
	{ SVC("a", "hosts = m.x.com\n") SVC("b", "hosts = m.x.com\n"),
	    VOUCH_ESYNTAX, "t.conf:8: host m.x.com already given at line 4" },
	{ SVC("x", "domains = foo..com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'foo..com': empty label" },
	{ SVC("x", "domains = example.com.\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'example.com.': empty label" },
	{ SVC("x", "domains = localhost\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'localhost': needs two labels or more" },
	{ SVC("x", "domains = co.uk\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'co.uk': a public suffix" },
	{ SVC("x", "domains = -a.example.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain '-a.example.com': label starts or ends "
	    "with '-'" },
	{ SVC("x", "domains = a!.example.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'a!.example.com': character not allowed "
	    "in a DNS name" },
	{ SVC("x", "domains = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaa.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa.com': label longer than 63 bytes" },
	{ SVC("x", "spf-include = x.com, y.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad domain 'x.com, y.com': character not allowed in a "
	    "DNS name" },
	{ SVC("x", "hosts = mail-*.google.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad host pattern 'mail-*.google.com': only a leading "
	    "\"*.\" is allowed" },
	{ SVC("x", "hosts = *.co.uk\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad host pattern '*.co.uk': a public suffix" },
	{ SVC("x", "hosts = *.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad host pattern '*.com': needs two labels or more" },
	{ SVC("x", "hosts = *\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad host pattern '*': only a leading \"*.\" is "
	    "allowed" },
	{ SVC("x", "dkim-selectors = s_1\n"), VOUCH_ESYNTAX,
	    "t.conf:4: bad DKIM selector 's_1': character not allowed in a "
	    "DNS name" },
	{ SVC("x", "domains = a.com, , b.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: empty item in a list" },
	{ SVC("x", "domains = a.com, A.com\n"), VOUCH_ESYNTAX,
	    "t.conf:4: 'a.com' listed twice" },
	{ "[service x]\nname = X\nsource = http://e.org/\n", VOUCH_ESYNTAX,
	    "t.conf:3: source 'http://e.org/' is not an https URL" },
	/* Found by fuzz_senders: the scheme must be "https" as written,
	 * since users of the set tell a link by its first bytes. */
	{ "[service x]\nname = X\nsource = httpS://e.org/\n", VOUCH_ESYNTAX,
	    "t.conf:3: source 'httpS://e.org/' is not an https URL" },
	{ "[service x]\nname = X\nsource = https:///path\n", VOUCH_ESYNTAX,
	    "t.conf:3: source 'https:///path' is not an https URL" },
	{ "[service x]\nname = X\nsource = https://a b/\n", VOUCH_ESYNTAX,
	    "t.conf:3: source 'https://a b/' is not an https URL" },
	{ "name = x\n", VOUCH_ESYNTAX, "t.conf:1: 'name' outside a section" },
	{ "[service]\n", VOUCH_ESYNTAX, "t.conf:1: [service] without an id" },
	{ "[service Bad_Id]\n", VOUCH_ESYNTAX, "t.conf:1: bad service id "
	    "'Bad_Id' (letters, digits and '-', 63 at most)" },
	{ "[frobnicate]\n", VOUCH_ESYNTAX,
	    "t.conf:1: unknown section '[frobnicate]'" },
	{ "[service x\n", VOUCH_ESYNTAX,
	    "t.conf:1: unterminated section header" },
	{ "[service x]\njust words\n", VOUCH_ESYNTAX,
	    "t.conf:2: expected 'key = value'" },
	{ "[service x]\n = y\n", VOUCH_ESYNTAX, "t.conf:2: empty key" },
	{ "[service x]\nname =\n", VOUCH_ESYNTAX,
	    "t.conf:2: empty value for 'name'" },
	{ "[service x]\r\nname = a\x01z\r\n", VOUCH_ESYNTAX,
	    "t.conf:2: control byte 0x01" },
	{ "[service x]\nname = caf\xc3(\n", VOUCH_ESYNTAX,
	    "t.conf:2: invalid UTF-8" },
	{ "[freemail]\ngmail.com = Google\n", VOUCH_ESYNTAX,
	    "t.conf:2: expected 'domain = provider | source'" },
	{ "[freemail]\ngmail.com = G | https://a.org/ | x\n", VOUCH_ESYNTAX,
	    "t.conf:2: expected 'domain = provider | source'" },
	{ "[freemail]\ngmail.com = | https://a.org/\n", VOUCH_ESYNTAX,
	    "t.conf:2: empty provider" },
	{ "[freemail]\ngmail.com = G | ftp://a.org/\n", VOUCH_ESYNTAX,
	    "t.conf:2: source 'ftp://a.org/' is not an https URL" },
	{ "[freemail]\ngmail = G | https://a.org/\n", VOUCH_ESYNTAX,
	    "t.conf:2: bad domain 'gmail': needs two labels or more" },
	{ "[freemail]\na.com = A | https://a.org/\n[freemail]\n"
	    "A.COM = B | https://b.org/\n", VOUCH_ESYNTAX,
	    "t.conf:4: free-mail domain a.com already given at line 2" },
};

static void
test_errors(void **state)
{
	struct vouch_senders *s;
	struct vouch_error err;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = (struct vouch_senders *)&err;
		memset(&err, 0, sizeof(err));
		rc = vouch_senders_parse(bad[i].text, strlen(bad[i].text),
		    "t.conf", &s, &err);
		if (rc != bad[i].code || strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, rc,
			    err.msg, bad[i].code, bad[i].msg);
		assert_null(s);
		assert_int_equal(err.code, bad[i].code);
	}
}

/* A NUL byte is a control byte like any other. */
static void
test_nul_byte(void **state)
{
	static const char text[] = "[service x]\nname = a\0b\n";
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };

	(void)state;
	assert_int_equal(vouch_senders_parse(text, sizeof(text) - 1, "t.conf",
	    &s, &err), VOUCH_ESYNTAX);
	assert_string_equal(err.msg, "t.conf:2: control byte 0x00");
	assert_null(s);
}

static void
expect(const char *text, size_t len, int code, const char *msg)
{
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };

	assert_int_equal(vouch_senders_parse(text, len, "t.conf", &s, &err),
	    code);
	assert_string_equal(err.msg, msg);
	assert_null(s);
}

/* 4 KiB a line, 64 items a list, 1 MiB a file. */
static void
test_limits(void **state)
{
	static char line[4098];
	char list[1024] = SVC("x", "dkim-selectors = s0");
	struct vouch_senders *s = NULL;
	char *big;
	size_t i;

	(void)state;
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[4096] = '\n';
	assert_int_equal(vouch_senders_parse(line, 4097, "t.conf", &s, NULL),
	    0);
	vouch_senders_free(s);
	line[4096] = 'x';
	line[4097] = '\n';
	expect(line, sizeof(line), VOUCH_ELIMIT,
	    "t.conf:1: line longer than 4096 bytes");
	big = malloc(1024 * 1024 + 1);
	assert_non_null(big);
	memset(big, '\n', 1024 * 1024 + 1);
	expect(big, 1024 * 1024 + 1, VOUCH_ELIMIT,
	    "t.conf: larger than 1048576 bytes");
	free(big);
	for (i = 1; i < 64; i++)
		(void)tu_append(list, sizeof(list), ",s%zu", i);
	(void)tu_append(list, sizeof(list), "\n");
	vouch_senders_free(parse(list));
	list[strlen(list) - 1] = '\0';
	(void)tu_append(list, sizeof(list), ",s64\n");
	expect(list, strlen(list), VOUCH_ELIMIT,
	    "t.conf:4: list of more than 64 items");
}

static void
test_bad_arguments(void **state)
{
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };

	(void)state;
	assert_int_equal(vouch_senders_parse("", 0, NULL, NULL, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_senders_parse(NULL, 3, NULL, &s, &err),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_senders_load("x", NULL, &err), VOUCH_EINVAL);
	/* An empty file is an empty set. */
	assert_int_equal(vouch_senders_parse(NULL, 0, NULL, &s, &err), 0);
	assert_int_equal(vouch_senders_count(s), 0);
	assert_null(vouch_senders_by_domain(s, "example.com"));
	vouch_senders_free(s);
	/* Errors name "<text>" when no name is given. */
	assert_int_equal(vouch_senders_parse("x\n", 2, NULL, &s, &err),
	    VOUCH_ESYNTAX);
	assert_string_equal(err.msg, "<text>:1: expected 'key = value'");
}

static void
test_load_errors(void **state)
{
	char path[] = "/tmp/test_senders_XXXXXX", want[128];
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(vouch_senders_load("/nonexistent/senders.conf", &s,
	    &err), VOUCH_EIO);
	assert_string_equal(err.msg, "/nonexistent/senders.conf: No such file "
	    "or directory");
	assert_int_equal(vouch_senders_load("/", &s, &err), VOUCH_EIO);
	assert_string_equal(err.msg, "/: Is a directory");
	assert_null(s);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fseek(f, 1024 * 1024, SEEK_SET) == 0);
	assert_int_equal(fputc('\n', f), '\n');
	assert_int_equal(fclose(f), 0);
	assert_int_equal(vouch_senders_load(path, &s, &err), VOUCH_ELIMIT);
	(void)snprintf(want, sizeof(want), "%s: larger than 1048576 bytes",
	    path);
	assert_string_equal(err.msg, want);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs("[service x]\nname = X\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(vouch_senders_load(path, &s, &err), VOUCH_ESYNTAX);
	(void)snprintf(want, sizeof(want), "%s:1: [service x] has no source",
	    path);
	assert_string_equal(err.msg, want);
	assert_int_equal(unlink(path), 0);
}

/* Every allocation failing in turn: VOUCH_ENOMEM, nothing returned,
 * nothing leaked (ASan's leak check in the sanitizer build). */
static void
failalloc_text(const char *text, size_t len)
{
	struct vouch_senders *s;
	struct vouch_error err;
	unsigned long n;
	int rc = VOUCH_ENOMEM;

	for (n = 1; n < 100000 && rc == VOUCH_ENOMEM; n++) {
		s = NULL;
		failalloc_set(n);
		rc = vouch_senders_parse(text, len, "t.conf", &s, &err);
		failalloc_set(0);
		assert_true(rc == 0 || rc == VOUCH_ENOMEM);
		if (rc == 0)
			vouch_senders_free(s);
		else
			assert_null(s);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 3);
}

static void
test_failalloc(void **state)
{
	size_t len;
	char *text = tu_read_file(tu_src_path("data/senders.conf"), &len);

	(void)state;
	assert_non_null(text);
	failalloc_text(lookups_conf, strlen(lookups_conf));
	failalloc_text(text, len);
	free(text);
}

/* The fuzz seeds: each one parses, or fails with a message naming it. */
static void
test_fuzz_seeds(void **state)
{
	const char *dir = tu_src_path("fuzz/corpus/senders");
	char path[1024], *text;
	struct vouch_senders *s;
	struct vouch_error err;
	struct dirent *e;
	size_t len, n = 0, ok = 0;
	DIR *d;
	int rc;

	(void)state;
	assert_int_equal(snprintf(path, sizeof(path), "%s", dir) <
	    (int)sizeof(path), 1);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s",
		    tu_src_path("fuzz/corpus/senders"), e->d_name);
		text = tu_read_file(path, &len);
		assert_non_null(text);
		s = NULL;
		memset(&err, 0, sizeof(err));
		rc = vouch_senders_parse(text, len, e->d_name, &s, &err);
		if (rc == 0) {
			ok++;
			vouch_senders_free(s);
		} else {
			assert_true(rc == VOUCH_ESYNTAX || rc == VOUCH_ELIMIT);
			assert_int_equal(strncmp(err.msg, e->d_name,
			    strlen(e->d_name)), 0);
		}
		free(text);
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
	assert_true(ok >= 1 && ok < n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_valid),
		cmocka_unit_test(test_shipped_facts),
		cmocka_unit_test(test_load_default),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_many_lookups),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_failalloc),
		cmocka_unit_test(test_fuzz_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
