/*
 * test_spf_record.c - parsing SPF records (RFC 7208 4.5, 4.6.1, 5, 6 and
 * the ABNF of section 12).  Each expectation follows from the grammar.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "spf/spf_int.h"
#include "failalloc.h"

static int
parse(const char *txt, struct spf_record *rec, struct vouch__arena *a,
    char *why, size_t whylen)
{
	vouch__arena_init(a, 0);
	return vouch__spf_record_parse(txt, strlen(txt), a, rec, why, whylen);
}

static void
good(const char *txt, size_t nterms)
{
	struct vouch__arena a;
	struct spf_record rec;
	char why[256] = "";
	int rc = parse(txt, &rec, &a, why, sizeof(why));

	if (rc != 0)
		fail_msg("'%s' should parse: %s", txt, why);
	assert_int_equal(rec.nterms, nterms);
	vouch__arena_free(&a);
}

static void
bad(const char *txt, const char *needle)
{
	struct vouch__arena a;
	struct spf_record rec;
	char why[256] = "";
	int rc = parse(txt, &rec, &a, why, sizeof(why));

	if (rc != VOUCH_ESYNTAX)
		fail_msg("'%s' should be a syntax error", txt);
	if (needle != NULL && strstr(why, needle) == NULL)
		fail_msg("'%s': reason '%s' does not name '%s'", txt, why,
		    needle);
	vouch__arena_free(&a);
}

static void
test_selection(void **state)
{
	(void)state;
	/* 4.5: "v=spf1" then SP or the end; case-insensitive. */
	assert_true(vouch__spf_is_record("v=spf1", 6));
	assert_true(vouch__spf_is_record("V=SPF1 -all", 11));
	assert_true(vouch__spf_is_record("v=spf1 ", 7));
	assert_false(vouch__spf_is_record("v=spf10", 7));
	assert_false(vouch__spf_is_record("v=spf1-all", 10));
	assert_false(vouch__spf_is_record("spf2.0/pra", 10));
	assert_false(vouch__spf_is_record(" v=spf1", 7));
}

static void
test_valid(void **state)
{
	(void)state;
	good("v=spf1", 0);
	good("v=spf1   -all  ", 1);
	good("v=spf1 +all", 1);
	good("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all", 3);
	good("v=spf1 a mx ptr -all", 4);
	good("v=spf1 a:mail.example.com/24//64 mx/26 mx//48 -all", 4);
	good("v=spf1 include:_spf.example.com ?all", 2);
	good("v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", 2);
	good("v=spf1 redirect=_spf.example.com", 1);
	good("v=spf1 -all exp=explain._spf.%{d}", 2);
	good("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", 3);
	good("v=spf1 IP4:192.0.2.1 MX A:Example.COM -ALL", 4);
	good("v=spf1 ip6:::ffff:192.0.2.1 -all", 2);
	good("v=spf1 ip4:0.0.0.0/0 -all", 2);
	good("v=spf1 foo= -all", 2);	/* unknown modifier, empty value */
}

static void
test_terms(void **state)
{
	struct vouch__arena a;
	struct spf_record rec;
	char why[256];

	(void)state;
	assert_int_equal(parse("v=spf1 -a:example.com/24//64 ip6:2001:db8::1 "
	    "redirect=x.example.com exp=e.example.com", &rec, &a, why,
	    sizeof(why)), 0);
	assert_int_equal(rec.terms[0].kind, SPF_A);
	assert_int_equal(rec.terms[0].qualifier, '-');
	assert_string_equal(rec.terms[0].arg, "example.com");
	assert_int_equal(rec.terms[0].cidr4, 24);
	assert_int_equal(rec.terms[0].cidr6, 64);
	assert_int_equal(rec.terms[1].kind, SPF_IP6);
	assert_int_equal(rec.terms[1].cidr6, -1);
	assert_ptr_equal(rec.redirect, &rec.terms[2]);
	assert_ptr_equal(rec.exp, &rec.terms[3]);
	assert_string_equal(rec.exp->arg, "e.example.com");
	assert_false(rec.has_all);
	vouch__arena_free(&a);
}

static void
test_invalid(void **state)
{
	(void)state;
	bad("v=spf1 foo", "foo");			/* unknown mechanism */
	bad("v=spf1 -redirect=x.example.com", "redirect");
	bad("v=spf1 all:foo", "all:foo");
	bad("v=spf1 include", "include");		/* domain required */
	bad("v=spf1 include:", "include:");
	bad("v=spf1 exists", "exists");
	bad("v=spf1 ip4", "ip4");
	bad("v=spf1 ip4:192.0.2", "ip4:192.0.2");
	bad("v=spf1 ip4:192.0.2.1/33", "ip4:192.0.2.1/33");
	bad("v=spf1 ip4:192.0.2.1/024", NULL);		/* leading zero */
	bad("v=spf1 ip4:2001:db8::1", NULL);
	bad("v=spf1 ip6:192.0.2.1", NULL);
	bad("v=spf1 ip6:2001:db8::/129", NULL);
	bad("v=spf1 a/33", "a/33");
	bad("v=spf1 mx//129", NULL);
	bad("v=spf1 a:museum", "museum");		/* toplabel */
	bad("v=spf1 a:foo.123", NULL);
	bad("v=spf1 redirect=", "redirect");
	bad("v=spf1 exp=", "exp");
	bad("v=spf1 redirect=a.example.com redirect=b.example.com",
	    "more than once");
	bad("v=spf1 exp=a.example.com exp=b.example.com", "more than once");
	bad("v=spf1 exists:%(ir).sbl.example.org", NULL);
	bad("v=spf1 ip4:192.0.2.1\t-all", "0x09");	/* only SP separates */
	bad("v=spf1 a:caf\xc3\xa9.example", "0xc3");
	bad("v=spf1 =foo", NULL);
	bad("v=spf1 1abc=foo", NULL);
	bad("v=spf1 +", NULL);
	bad("v=spf1 -all/24", NULL);
}

static void
test_nomem(void **state)
{
	const char *txt = "v=spf1 a mx include:a.example.com ip4:192.0.2.1 "
	    "ip6:2001:db8::/32 exists:%{i}.x.example.com ptr ?all "
	    "exp=e.example.com a b c d e f g h i j k l m n o p q";
	struct vouch__arena a;
	struct spf_record rec;
	char why[256];
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1; n < 1000; n++) {
		vouch__arena_init(&a, 0);
		failalloc_set(n);
		rc = vouch__spf_record_parse(txt, strlen(txt), &a, &rec, why,
		    sizeof(why));
		failalloc_set(0);
		vouch__arena_free(&a);
		if (rc != VOUCH_ENOMEM) {
			/* "a".."q" are unknown mechanisms: a syntax error
			 * is the clean answer once memory suffices. */
			assert_int_equal(rc, VOUCH_ESYNTAX);
			return;
		}
	}
	fail_msg("parse never finished");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
