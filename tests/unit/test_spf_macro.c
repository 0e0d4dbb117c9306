/*
 * test_spf_macro.c - SPF macro checking and expansion (RFC 7208 section
 * 7).  Expected values are the examples of section 7.4 and the rules of
 * 7.1 and 7.3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "spf/spf_int.h"
#include "failalloc.h"

static struct vouch_spf_request req;

static void
setup_ctx(struct spf_ctx *ctx, int v6)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(&req, 0, sizeof(req));
	req.now = 1400000000;
	ctx->req = &req;
	ctx->sender = "strong-bad@email.example.com";
	ctx->local = "strong-bad";
	ctx->sender_domain = "email.example.com";
	ctx->helo = "mx.example.org";
	ctx->receiver = "receiver.example.net";
	if (v6) {
		vouch_ip_parse("2001:db8::cb01", &ctx->ip);
		snprintf(ctx->ip_c, sizeof(ctx->ip_c), "2001:db8::cb01");
		snprintf(ctx->ip_i, sizeof(ctx->ip_i), "%s",
		    "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0."
		    "0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
	} else {
		vouch_ip_parse("192.0.2.3", &ctx->ip);
		snprintf(ctx->ip_c, sizeof(ctx->ip_c), "192.0.2.3");
		snprintf(ctx->ip_i, sizeof(ctx->ip_i), "192.0.2.3");
	}
	vouch__arena_init(&ctx->arena, 0);
}

static void
expect(const char *macro, const char *want, int v6, int exp)
{
	struct spf_ctx ctx;
	struct vouch__buf b;
	char why[256];

	setup_ctx(&ctx, v6);
	vouch__buf_init(&b, SPF_EXPAND_MAX);
	assert_int_equal(vouch__spf_macro_check(macro, strlen(macro), exp, 0,
	    why, sizeof(why)), 0);
	assert_int_equal(vouch__spf_macro_expand(&ctx, "email.example.com",
	    macro, exp, &b), 0);
	assert_string_equal(b.data, want);
	vouch__buf_free(&b);
	vouch__arena_free(&ctx.arena);
}

/* RFC 7208 7.4, first table. */
static void
test_rfc_letters(void **state)
{
	(void)state;
	expect("%{s}", "strong-bad@email.example.com", 0, 0);
	expect("%{o}", "email.example.com", 0, 0);
	expect("%{d}", "email.example.com", 0, 0);
	expect("%{d4}", "email.example.com", 0, 0);
	expect("%{d3}", "email.example.com", 0, 0);
	expect("%{d2}", "example.com", 0, 0);
	expect("%{d1}", "com", 0, 0);
	expect("%{dr}", "com.example.email", 0, 0);
	expect("%{d2r}", "example.email", 0, 0);
	expect("%{l}", "strong-bad", 0, 0);
	expect("%{l-}", "strong.bad", 0, 0);
	expect("%{lr}", "strong-bad", 0, 0);
	expect("%{lr-}", "bad.strong", 0, 0);
	expect("%{l1r-}", "strong", 0, 0);
}

/* RFC 7208 7.4, second table and the IPv6 example. */
static void
test_rfc_strings(void **state)
{
	(void)state;
	expect("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com",
	    0, 0);
	expect("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", 0, 0);
	expect("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", 0, 0);
	expect("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	    "3.2.0.192.in-addr.strong.lp._spf.example.com", 0, 0);
	expect("%{d2}.trusted-domains.example.net",
	    "example.com.trusted-domains.example.net", 0, 0);
	expect("%{ir}.%{v}._spf.%{d2}",
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com", 1, 0);
}

/* 7.1 special cases, 7.3 upper case URL escaping, exp-only letters. */
static void
test_specials(void **state)
{
	(void)state;
	expect("a%%b%_c%-d", "a%b c%20d", 0, 0);
	expect("%{S}", "strong-bad%40email.example.com", 0, 0);
	expect("%{L}", "strong-bad", 0, 0);
	expect("%{c}", "192.0.2.3", 0, 1);
	expect("%{c}", "2001:db8::cb01", 1, 1);
	expect("%{r}", "receiver.example.net", 0, 1);
	expect("%{t}", "1400000000", 0, 1);
	expect("%{h}", "mx.example.org", 0, 0);
	expect("%{v}", "in-addr", 0, 0);
	expect("%{v}", "ip6", 1, 0);
	/* 7.3: more parts asked than exist means all of them. */
	expect("%{d127}", "email.example.com", 0, 0);
	/* Several delimiters split on each of them. */
	expect("%{l-.}", "strong.bad", 0, 0);
	expect("is %{i} ok?", "is 192.0.2.3 ok?", 0, 1);
}

static void
bad_macro(const char *s, int exp, int domain)
{
	char why[256] = "";

	assert_int_equal(vouch__spf_macro_check(s, strlen(s), exp, domain,
	    why, sizeof(why)), VOUCH_ESYNTAX);
	assert_true(why[0] != '\0');
}

static void
good_macro(const char *s, int exp, int domain)
{
	char why[256];

	assert_int_equal(vouch__spf_macro_check(s, strlen(s), exp, domain,
	    why, sizeof(why)), 0);
}

static void
test_syntax(void **state)
{
	(void)state;
	/* 7.3: '%' not followed by '{', '%', '-' or '_' is an error. */
	bad_macro("%(ir).sbl.example.org", 0, 1);
	bad_macro("foo%", 0, 0);
	bad_macro("%{", 0, 0);
	bad_macro("%{x}", 0, 0);
	bad_macro("%{d0}", 0, 0);	/* a DIGIT must be nonzero */
	bad_macro("%{d2r", 0, 0);
	bad_macro("%{d2;}", 0, 0);	/* ';' is not a delimiter */
	bad_macro("%{c}.example.com", 0, 1);	/* c r t: exp only */
	bad_macro("%{r}", 0, 0);
	bad_macro("%{t}", 0, 0);
	bad_macro("a b", 0, 0);		/* SP only in explain-string */
	bad_macro("caf\xc3\xa9", 1, 0);
	good_macro("%{c} %{r} %{t}", 1, 0);
	good_macro("%{ir}.%{v}._spf.%{d2}", 0, 1);
	good_macro("%{d2}.trusted-domains.example.net", 0, 1);
	good_macro("%{l1r-+,/_=.}", 0, 1);
	/* domain-end = "." toplabel [ "." ] / macro-expand */
	good_macro("example.com", 0, 1);
	good_macro("example.com.", 0, 1);
	good_macro("foo.%{d}", 0, 1);
	good_macro("a-1.2-b", 0, 1);	/* 1*alphanum "-" ... alphanum */
	bad_macro("museum", 0, 1);	/* a bare top label */
	bad_macro("museum.", 0, 1);
	bad_macro("example.123", 0, 1);	/* all-numeric top label */
	bad_macro("example.com-", 0, 1);
	bad_macro("example.-com", 0, 1);
	bad_macro("", 0, 1);
	bad_macro("%{d}com", 0, 1);
}

static void
test_trim(void **state)
{
	struct vouch__buf b;
	char label[64];
	const char *name;
	int i;

	(void)state;
	memset(label, 'a', 60);
	label[60] = '\0';
	vouch__buf_init(&b, SPF_EXPAND_MAX);
	for (i = 0; i < 5; i++) {
		vouch__buf_puts(&b, label);
		vouch__buf_putc(&b, '.');
	}
	vouch__buf_puts(&b, "example.com.");
	name = vouch__spf_domain_trim(&b);
	/* 7.3: whole labels dropped from the left until <= 253. */
	assert_true(strlen(name) <= 253);
	assert_int_equal(strlen(name), 3 * 61 + strlen("example.com"));
	vouch__buf_free(&b);
}

static void
test_nomem(void **state)
{
	struct spf_ctx ctx;
	struct vouch__buf b;
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1; n < 100; n++) {
		setup_ctx(&ctx, 0);
		vouch__buf_init(&b, SPF_EXPAND_MAX);
		failalloc_set(n);
		rc = vouch__spf_macro_expand(&ctx, "email.example.com",
		    "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0, &b);
		failalloc_set(0);
		vouch__buf_free(&b);
		vouch__arena_free(&ctx.arena);
		if (rc == 0)
			return;
		assert_int_equal(rc, VOUCH_ENOMEM);
	}
	fail_msg("expansion never succeeded");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_letters),
		cmocka_unit_test(test_rfc_strings),
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
