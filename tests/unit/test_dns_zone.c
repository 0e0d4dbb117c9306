/*
 * test_dns_zone.c - the zone backend (lib/dns/dns_zone.c,
 * dns_zone_load.c).  Expected answers come from the zone text of each
 * test read by the rules of RFC 1035 section 5 (master files), RFC 2308
 * section 4 ($TTL), RFC 1034 section 4.3.2 (NXDOMAIN, NODATA, CNAME),
 * RFC 4592 (wildcards: the example zone of section 2.2.1 is used as is)
 * and dns.h ($TIMEOUT, $SERVFAIL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <vouch/dns.h>

#include "failalloc.h"

static struct vouch_dns *
load(const char *text, const char *origin)
{
	struct vouch_error err;
	struct vouch_dns *d = NULL;

	memset(&err, 0, sizeof(err));
	if (vouch_dns_zone_new_text(text, strlen(text), origin, &d, &err))
		fail_msg("zone did not load: %s", err.msg);
	assert_string_equal(vouch_dns_backend(d), "zone");
	return d;
}

static struct vouch_dns_answer *
ask(struct vouch_dns *d, const char *name, uint16_t type,
    enum vouch_dns_status want, size_t count)
{
	struct vouch_dns_answer *a = NULL;

	assert_int_equal(vouch_dns_query(d, name, type, &a), 0);
	if (a->status != want || a->count != count)
		fail_msg("%s %s: %s with %zu records, want %s with %zu", name,
		    vouch_dns_type_name(type), vouch_dns_status_name(a->status),
		    a->count, vouch_dns_status_name(want), count);
	return a;
}

static void
is(struct vouch_dns *d, const char *name, uint16_t type,
    enum vouch_dns_status want, size_t count)
{
	vouch_dns_answer_free(ask(d, name, type, want, count));
}

static void
ip_is(const struct vouch_dns_rr *rr, const char *want)
{
	char buf[64];

	assert_int_equal(vouch_ip_format(&rr->u.ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

/* Load must fail with code; the message starts "<text>:LINE: " and
 * contains what. */
static void
bad(const char *text, int code, unsigned line, const char *what)
{
	struct vouch_error err;
	struct vouch_dns *d = NULL;
	char prefix[32];

	memset(&err, 0, sizeof(err));
	assert_int_equal(vouch_dns_zone_new_text(text, strlen(text), NULL, &d,
	    &err), code);
	assert_null(d);
	snprintf(prefix, sizeof(prefix), "<text>:%u: ", line);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
	    strstr(err.msg, what) == NULL)
		fail_msg("got \"%s\", want \"%s...%s\"", err.msg, prefix, what);
	assert_int_equal(err.line, line);
	assert_int_equal(err.code, code);
}

static void
test_types(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("example.com. 300 IN A 192.0.2.1\n"
	    "example.com. 300 IN A 192.0.2.2\n"
	    "example.com. 301 IN AAAA 2001:db8::1\n"
	    "example.com. 302 IN MX 10 mx1.example.com.\n"
	    "example.com. 303 IN MX 20 MX2.Example.NET.\n"
	    "example.com. 304 IN TXT \"v=spf1 -all\"\n"
	    "example.com. 305 IN SPF \"v=spf1 ?all\"\n"
	    "1.2.0.192.in-addr.arpa. 306 IN PTR example.com.\n"
	    "null.example.com. 307 IN MX 0 .\n", NULL);
	a = ask(d, "example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 2);
	ip_is(&a->rr[0], "192.0.2.1");
	ip_is(&a->rr[1], "192.0.2.2");
	assert_int_equal(a->rr[0].type, VOUCH_DNS_A);
	assert_int_equal(a->ttl, 300);
	assert_string_equal(a->canonical, "example.com");
	assert_null(a->reason);
	vouch_dns_answer_free(a);
	a = ask(d, "example.com", VOUCH_DNS_AAAA, VOUCH_DNS_FOUND, 1);
	ip_is(&a->rr[0], "2001:db8::1");
	assert_int_equal(a->rr[0].ttl, 301);
	vouch_dns_answer_free(a);
	a = ask(d, "example.com", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 2);
	assert_int_equal(a->rr[0].u.mx.preference, 10);
	assert_string_equal(a->rr[0].u.mx.exchange, "mx1.example.com");
	assert_int_equal(a->rr[1].u.mx.preference, 20);
	assert_string_equal(a->rr[1].u.mx.exchange, "mx2.example.net");
	assert_int_equal(a->ttl, 302);
	vouch_dns_answer_free(a);
	a = ask(d, "example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.txt.data, "v=spf1 -all");
	vouch_dns_answer_free(a);
	a = ask(d, "example.com", VOUCH_DNS_SPF, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].type, VOUCH_DNS_SPF);
	assert_string_equal(a->rr[0].u.txt.data, "v=spf1 ?all");
	vouch_dns_answer_free(a);
	a = ask(d, "1.2.0.192.in-addr.arpa", VOUCH_DNS_PTR, VOUCH_DNS_FOUND,
	    1);
	assert_string_equal(a->rr[0].u.name, "example.com");
	assert_int_equal(a->ttl, 306);
	vouch_dns_answer_free(a);
	/* RFC 7505: the null MX, exchange "." given as "" */
	a = ask(d, "null.example.com", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.mx.preference, 0);
	assert_string_equal(a->rr[0].u.mx.exchange, "");
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}

/* RFC 1034 4.3.2 and RFC 4592 2.2.2: a name exists when it has records
 * or a descendant has (an empty non-terminal); else NXDOMAIN. */
static void
test_nxdomain_nodata(void **state)
{
	struct vouch_dns *d;

	(void)state;
	d = load("a.b.example.com. A 192.0.2.1\n"
	    "c.example.com. TXT \"t\"\n", NULL);
	is(d, "a.b.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	is(d, "a.b.example.com", VOUCH_DNS_TXT, VOUCH_DNS_NODATA, 0);
	is(d, "b.example.com", VOUCH_DNS_A, VOUCH_DNS_NODATA, 0);
	is(d, "example.com", VOUCH_DNS_A, VOUCH_DNS_NODATA, 0);
	is(d, "com", VOUCH_DNS_MX, VOUCH_DNS_NODATA, 0);
	is(d, "c.example.com", VOUCH_DNS_A, VOUCH_DNS_NODATA, 0);
	is(d, "x.b.example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	is(d, "x.a.b.example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	is(d, "d.example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	is(d, "example.org", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	/* RFC 4343: case does not matter, in the zone or the query */
	is(d, "A.B.Example.COM.", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	vouch_dns_free(d);
}

/* RFC 1035 5.1: $ORIGIN, relative names, "@", blank owner, parentheses,
 * comments; RFC 2308 4: $TTL. */
static void
test_directives_and_names(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("$ORIGIN example.com.\n"
	    "$TTL 300 ; five minutes\n"
	    "@\tIN MX ( 10   ; preference\n"
	    "\t\tmail )\n"
	    "mail\tA 192.0.2.1\n"
	    "\tAAAA 2001:db8::1\n"
	    "www 60 IN A 192.0.2.2\n"
	    "ext CNAME www.example.net.\n"
	    "$ORIGIN sub\n"
	    "x TXT \"in sub\"\n"
	    "$TTL 1h\n"
	    "y A 192.0.2.3\n"
	    "$ORIGIN other.example.\n"
	    "@ TXT \"apex\"\n", NULL);
	a = ask(d, "example.com", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.mx.preference, 10);
	assert_string_equal(a->rr[0].u.mx.exchange, "mail.example.com");
	assert_int_equal(a->ttl, 300);
	vouch_dns_answer_free(a);
	a = ask(d, "mail.example.com", VOUCH_DNS_AAAA, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 300);
	vouch_dns_answer_free(a);
	a = ask(d, "www.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 60);
	vouch_dns_answer_free(a);
	a = ask(d, "ext.example.com", VOUCH_DNS_CNAME, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.name, "www.example.net");
	vouch_dns_answer_free(a);
	/* "$ORIGIN sub" is relative to the origin before it */
	a = ask(d, "x.sub.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.txt.data, "in sub");
	vouch_dns_answer_free(a);
	a = ask(d, "y.sub.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 3600);
	vouch_dns_answer_free(a);
	is(d, "other.example", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	vouch_dns_free(d);
	/* The origin argument makes relative names work from line 1. */
	d = load("www A 192.0.2.9\n@ MX 5 www\n", "example.org");
	is(d, "www.example.org", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	a = ask(d, "example.org", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.mx.exchange, "www.example.org");
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}

/* Without $TTL an entry without TTL takes the last one written (RFC 1035
 * 5.1), and 3600 before any. */
static void
test_ttl_defaults(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("a.example. A 192.0.2.1\n"
	    "b.example. 120 A 192.0.2.2\n"
	    "c.example. IN A 192.0.2.3\n"
	    "d.example. IN 90 A 192.0.2.4\n"
	    "e.example. A 192.0.2.5\n"
	    "$TTL 0\n"
	    "f.example. A 192.0.2.6\n", NULL);
	a = ask(d, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 3600);
	vouch_dns_answer_free(a);
	a = ask(d, "c.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 120);
	vouch_dns_answer_free(a);
	a = ask(d, "d.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 90);
	vouch_dns_answer_free(a);
	a = ask(d, "e.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 90);
	vouch_dns_answer_free(a);
	a = ask(d, "f.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->ttl, 0);
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}

/* RFC 1035 3.3.14 and 5.1: several character-strings, \" and \DDD. */
static void
test_txt_strings(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;
	const struct vouch_dns_txt *t;

	(void)state;
	d = load("$ORIGIN example.com.\n"
	    "t TXT \"v=spf1 \" \"ip4:192.0.2.0/24\" \"a\\\"b\" \"\\065\\066\" "
	    "\"\"\n"
	    "n TXT \"a\\000b\"\n"
	    "p TXT ( \"one\"\n"
	    "        \"two;not a comment\" ) ; a comment\n"
	    "u TXT bare words\n"
	    "t TXT \"second record\"\n", NULL);
	a = ask(d, "t.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 2);
	t = &a->rr[0].u.txt;
	assert_int_equal(t->nstrings, 5);
	assert_int_equal(t->lengths[0], 7);
	assert_int_equal(t->lengths[1], 16);
	assert_int_equal(t->lengths[2], 3);
	assert_int_equal(t->lengths[3], 2);
	assert_int_equal(t->lengths[4], 0);
	assert_int_equal(t->len, 28);
	assert_string_equal(t->data, "v=spf1 ip4:192.0.2.0/24a\"bAB");
	assert_string_equal(a->rr[1].u.txt.data, "second record");
	vouch_dns_answer_free(a);
	a = ask(d, "n.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.txt.len, 3);
	assert_memory_equal(a->rr[0].u.txt.data, "a\0b", 4);
	vouch_dns_answer_free(a);
	a = ask(d, "p.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.txt.nstrings, 2);
	assert_string_equal(a->rr[0].u.txt.data, "onetwo;not a comment");
	vouch_dns_answer_free(a);
	a = ask(d, "u.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.txt.nstrings, 2);
	assert_string_equal(a->rr[0].u.txt.data, "barewords");
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}

/* RFC 1035 5.1: \DDD in owner names; one name however it is spelled. */
static void
test_escaped_owner(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("a\\032b.example.com. TXT \"space\"\n"
	    "x.example.com. CNAME a\\032b.example.com.\n"
	    "dot\\.in.example.com. A 192.0.2.1\n", NULL);
	is(d, "a b.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	is(d, "a\\032b.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	is(d, "A\\032B.EXAMPLE.COM.", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	is(d, "ab.example.com", VOUCH_DNS_TXT, VOUCH_DNS_NXDOMAIN, 0);
	a = ask(d, "x.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->canonical, "a\\032b.example.com");
	vouch_dns_answer_free(a);
	/* a dot inside a label is not a label boundary */
	is(d, "dot\\.in.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	is(d, "in.example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	vouch_dns_free(d);
}

/* RFC 4592 section 2.2.1, its example zone and its example queries
 * (the SOA and NS rdata filled in; the delegation case is left out as
 * this backend models no zone cuts). */
static void
test_wildcards_rfc4592(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("$ORIGIN example.\n"
	    "example.                 3600 IN  SOA   ns.example.com. "
	    "hostmaster.example.com. 1 3600 900 604800 300\n"
	    "example.                 3600     NS    ns.example.com.\n"
	    "example.                 3600     NS    ns.example.net.\n"
	    "*.example.               3600     TXT   \"this is a wildcard\"\n"
	    "*.example.               3600     MX    10 host1.example.\n"
	    "sub.*.example.           3600     TXT   \"this is not a "
	    "wildcard\"\n"
	    "host1.example.           3600     A     192.0.2.1\n"
	    "_ssh._tcp.host1.example. 3600     SRV   0 0 22 host1.example.\n"
	    "_ssh._tcp.host2.example. 3600     SRV   0 0 22 host2.example.\n"
	    "subdel.example.          3600     NS    ns.example.com.\n"
	    "subdel.example.          3600     NS    ns.example.net.\n", NULL);
	/* Synthesized from a wildcard */
	a = ask(d, "host3.example", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.mx.exchange, "host1.example");
	assert_string_equal(a->canonical, "host3.example");
	vouch_dns_answer_free(a);
	is(d, "host3.example", VOUCH_DNS_A, VOUCH_DNS_NODATA, 0);
	a = ask(d, "foo.bar.example", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.txt.data, "this is a wildcard");
	vouch_dns_answer_free(a);
	/* Not synthesized */
	is(d, "host1.example", VOUCH_DNS_MX, VOUCH_DNS_NODATA, 0);
	is(d, "sub.*.example", VOUCH_DNS_MX, VOUCH_DNS_NODATA, 0);
	is(d, "_telnet._tcp.host1.example", 33, VOUCH_DNS_NXDOMAIN, 0);
	is(d, "ghost.*.example", VOUCH_DNS_MX, VOUCH_DNS_NXDOMAIN, 0);
	/* Types the rr union does not describe still answer. */
	a = ask(d, "_ssh._tcp.host1.example", 33, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].type, 33);
	vouch_dns_answer_free(a);
	is(d, "example", 2, VOUCH_DNS_FOUND, 2);
	is(d, "example", 6, VOUCH_DNS_FOUND, 1);
	vouch_dns_free(d);
}

/* RFC 1034 4.3.2 step 3a and 3.6.2: CNAMEs are followed; the answer has
 * the target's records and names the target canonical. */
static void
test_cname(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("$ORIGIN example.com.\n"
	    "a CNAME b\n"
	    "b CNAME c\n"
	    "c 77 A 192.0.2.1\n"
	    "c TXT \"at c\"\n"
	    "loop1 CNAME loop2\n"
	    "loop2 CNAME loop1\n"
	    "self CNAME self\n"
	    "gone CNAME nowhere\n"
	    "out CNAME mail.example.net.\n"
	    "*.w CNAME c\n"
	    "h1 CNAME h2\nh2 CNAME h3\nh3 CNAME h4\nh4 CNAME h5\n"
	    "h5 CNAME h6\nh6 CNAME h7\nh7 CNAME h8\nh8 CNAME h9\n"
	    "h9 CNAME c\n", NULL);
	a = ask(d, "a.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->qname, "a.example.com");
	assert_string_equal(a->canonical, "c.example.com");
	assert_int_equal(a->rr[0].type, VOUCH_DNS_A);
	assert_int_equal(a->ttl, 77);
	vouch_dns_answer_free(a);
	/* Asking for the CNAME itself does not follow it. */
	a = ask(d, "a.example.com", VOUCH_DNS_CNAME, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.name, "b.example.com");
	assert_string_equal(a->canonical, "a.example.com");
	vouch_dns_answer_free(a);
	a = ask(d, "a.example.com", VOUCH_DNS_MX, VOUCH_DNS_NODATA, 0);
	assert_string_equal(a->canonical, "c.example.com");
	vouch_dns_answer_free(a);
	a = ask(d, "loop1.example.com", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "CNAME loop");
	vouch_dns_answer_free(a);
	is(d, "self.example.com", VOUCH_DNS_TXT, VOUCH_DNS_RETRY, 0);
	a = ask(d, "gone.example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	assert_string_equal(a->canonical, "nowhere.example.com");
	vouch_dns_answer_free(a);
	a = ask(d, "out.example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	assert_string_equal(a->canonical, "mail.example.net");
	vouch_dns_answer_free(a);
	/* A wildcard CNAME (RFC 4592 4.4) */
	a = ask(d, "any.w.example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->canonical, "c.example.com");
	vouch_dns_answer_free(a);
	/* Eight CNAMEs (h2 ... h9) are followed, nine are too many. */
	a = ask(d, "h2.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->canonical, "c.example.com");
	vouch_dns_answer_free(a);
	a = ask(d, "h1.example.com", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "CNAME loop");
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}

static void
test_failure_directives(void **state)
{
	struct vouch_dns *d;
	struct vouch_dns_answer *a;

	(void)state;
	d = load("$ORIGIN example.com.\n"
	    "$TIMEOUT slow\n"
	    "$SERVFAIL broken TXT\n"
	    "$timeout only.example.net. MX\n"
	    "$SERVFAIL @ SPF\n"
	    "broken A 192.0.2.1\n"
	    "broken TXT \"hidden\"\n"
	    "slow A 192.0.2.2\n"
	    "@ SPF \"v=spf1 -all\"\n"
	    "@ TXT \"v=spf1 -all\"\n"
	    "via CNAME slow\n", NULL);
	a = ask(d, "slow.example.com", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "timeout");
	vouch_dns_answer_free(a);
	is(d, "slow.example.com", VOUCH_DNS_MX, VOUCH_DNS_RETRY, 0);
	a = ask(d, "broken.example.com", VOUCH_DNS_TXT, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "SERVFAIL");
	vouch_dns_answer_free(a);
	is(d, "broken.example.com", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	is(d, "example.com", VOUCH_DNS_SPF, VOUCH_DNS_RETRY, 0);
	is(d, "example.com", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 1);
	a = ask(d, "only.example.net", VOUCH_DNS_MX, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "timeout");
	vouch_dns_answer_free(a);
	/* A directive alone does not make its name exist. */
	is(d, "only.example.net", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	a = ask(d, "via.example.com", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "timeout");
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}

static void
test_other_types_and_classes(void **state)
{
	struct vouch_dns *d;

	(void)state;
	d = load("x.example. TYPE65000 \\# 2 0102\n"
	    "x.example. CAA 0 issue \"ca.example.net\"\n"
	    "x.example. CH TXT \"chaos\"\n"
	    "x.example. HINFO \"PC\" \"Linux\"\n", NULL);
	is(d, "x.example", 65000, VOUCH_DNS_FOUND, 1);
	is(d, "x.example", 257, VOUCH_DNS_FOUND, 1);
	is(d, "x.example", VOUCH_DNS_TXT, VOUCH_DNS_NODATA, 0);
	vouch_dns_free(d);
	d = load("", NULL);
	is(d, "example.com", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	vouch_dns_free(d);
	d = load("; only a comment\n\n   \n", NULL);
	vouch_dns_free(d);
}

static void
test_errors(void **state)
{
	(void)state;
	bad("a.example. A 192.0.2.1\nb.example. A 300.1.1.1\n",
	    VOUCH_ESYNTAX, 2, "");
	bad("www A 192.0.2.1\n", VOUCH_ESYNTAX, 1, "without $ORIGIN");
	bad("@ A 192.0.2.1\n", VOUCH_ESYNTAX, 1, "without $ORIGIN");
	bad(" A 192.0.2.1\n", VOUCH_ESYNTAX, 1, "no owner name");
	bad("a.example. TXT ( \"x\"\n \"y\" )\n\nb.example. A\n",
	    VOUCH_ESYNTAX, 4, "");
	bad("a.example. A 192.0.2.1\n\nb.example. TXT ( \"x\"\n",
	    VOUCH_ESYNTAX, 3, "'(' without ')'");
	bad("a.example. TXT \"x\" )\n", VOUCH_ESYNTAX, 1, "')' without '('");
	bad("a.example. TXT \"x\n\"\n", VOUCH_ESYNTAX, 1, "quoted string");
	bad("a.example. TXT \"x", VOUCH_ESYNTAX, 1, "unterminated");
	bad("$FOO bar\n", VOUCH_ESYNTAX, 1, "unknown directive $FOO");
	bad("\n$INCLUDE other.zone\n", VOUCH_ESYNTAX, 2, "$INCLUDE");
	bad("$TIMEOUT\n", VOUCH_ESYNTAX, 1, "NAME [TYPE]");
	bad("$SERVFAIL a.example. TXT extra\n", VOUCH_ESYNTAX, 1,
	    "too many");
	bad("$TIMEOUT a.example. NOSUCHTYPE\n", VOUCH_ESYNTAX, 1,
	    "unknown type");
	bad("$TIMEOUT relative\n", VOUCH_ESYNTAX, 1, "without $ORIGIN");
	bad("$TTL soon\n", VOUCH_ESYNTAX, 1, "bad $TTL");
	bad("$ORIGIN\n", VOUCH_ESYNTAX, 1, "one value");
	bad("a.example. BOGUS x\n", VOUCH_ESYNTAX, 1, "");
	bad("a.example. A 192.0.2.1 junk\n", VOUCH_ESYNTAX, 1, "");
	/* RFC 1034 3.6.2: a CNAME stands alone */
	bad("a.example. A 192.0.2.1\nb.example. A 192.0.2.2\n"
	    "a.example. CNAME b.example.\n", VOUCH_ESYNTAX, 3,
	    "CNAME and other data");
	bad("a.example. CNAME b.example.\na.example. CNAME c.example.\n",
	    VOUCH_ESYNTAX, 2, "more than one CNAME");
}

static void
test_error_nul_and_file(void **state)
{
	static const char text[] = "a.example. A 192.0.2.1\nb\0.example.\n";
	char path[] = "/tmp/test_dns_zone_XXXXXX";
	struct vouch_error err;
	struct vouch_dns *d = NULL;
	char want[64];
	FILE *f;
	int fd;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(vouch_dns_zone_new_text(text, sizeof(text) - 1, NULL,
	    &d, &err), VOUCH_ESYNTAX);
	assert_string_equal(err.msg, "<text>:2: NUL byte");
	assert_int_equal(vouch_dns_zone_new_file("/nonexistent/zone", &d,
	    &err), VOUCH_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/zone: "));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("$ORIGIN example.\nok A 192.0.2.1\nbad AAAA 192.0.2.1\n", f);
	fclose(f);
	assert_int_equal(vouch_dns_zone_new_file(path, &d, &err),
	    VOUCH_ESYNTAX);
	snprintf(want, sizeof(want), "%s:3: ", path);
	assert_memory_equal(err.msg, want, strlen(want));
	f = fopen(path, "w");
	fputs("$ORIGIN example.\nok A 192.0.2.1\n", f);
	fclose(f);
	assert_int_equal(vouch_dns_zone_new_file(path, &d, &err), 0);
	is(d, "ok.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	vouch_dns_free(d);
	unlink(path);
}

/* SECURITY.md: one RRset is at most 64 KiB. */
static void
test_rrset_cap(void **state)
{
	char *text, str[256];
	size_t i, o = 0, cap = 400 * 300;
	struct vouch_error err;
	struct vouch_dns *d = NULL;

	(void)state;
	memset(str, 'x', 250);
	str[250] = '\0';
	text = malloc(cap);
	assert_non_null(text);
	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(text + o, cap - o,
		    "big.example. TXT \"%03zu%s\"\n", i, str);
	assert_int_equal(vouch_dns_zone_new_text(text, o, NULL, &d, &err),
	    VOUCH_ELIMIT);
	assert_non_null(strstr(err.msg, "TXT RRset of big.example"));
	free(text);
}

static void
test_alloc_failures(void **state)
{
	static const char text[] = "$ORIGIN example.com.\n$TTL 60\n"
	    "@ MX 10 mail\nmail A 192.0.2.1\n AAAA 2001:db8::1\n"
	    "t TXT \"a\" \"b\"\n*.w TXT \"w\"\nc CNAME t\n$TIMEOUT slow\n"
	    "a.b.c.d.e.f TXT \"deep\"\n";
	struct vouch_dns_answer *a;
	struct vouch_error err;
	struct vouch_dns *d;
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		d = NULL;
		a = NULL;
		failalloc_set(n);
		rc = vouch_dns_zone_new_text(text, sizeof(text) - 1, NULL, &d,
		    &err);
		if (rc == 0)
			rc = vouch_dns_query(d, "c.example.com", VOUCH_DNS_TXT,
			    &a);
		failalloc_set(0);
		if (rc == 0) {
			assert_int_equal(a->count, 1);
			assert_int_equal(a->rr[0].u.txt.nstrings, 2);
			vouch_dns_answer_free(a);
			vouch_dns_free(d);
			break;
		}
		if (rc != VOUCH_ENOMEM)
			fail_msg("allocation %lu: rc %d (%s)", n, rc, err.msg);
		assert_null(a);
		vouch_dns_free(d);
	}
	assert_true(n > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_nxdomain_nodata),
		cmocka_unit_test(test_directives_and_names),
		cmocka_unit_test(test_ttl_defaults),
		cmocka_unit_test(test_txt_strings),
		cmocka_unit_test(test_escaped_owner),
		cmocka_unit_test(test_wildcards_rfc4592),
		cmocka_unit_test(test_cname),
		cmocka_unit_test(test_failure_directives),
		cmocka_unit_test(test_other_types_and_classes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_nul_and_file),
		cmocka_unit_test(test_rrset_cap),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
