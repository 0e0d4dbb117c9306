/*
 * test_spf_eval.c - check_host() end to end over the zone backend: the
 * rules of RFC 7208 sections 4 to 6 and 9.1 that the OpenSPF suites do not
 * pin down (configured limits, the output fields, header quoting, the
 * query log, allocation failure).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <vouch/spf.h>

#include "failalloc.h"

static const char zone[] =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@        TXT \"v=spf1 ip4:192.0.2.0/24 include:inc.example.com -all exp=why.example.com\"\n"
    "inc      TXT \"v=spf1 ip6:2001:db8:1::/48 ~all\"\n"
    "why      TXT \"%{c} may not send for %{d} (%{S})\"\n"
    "mx       MX  10 mail\n"
    "mx       TXT \"v=spf1 mx/24 -all\"\n"
    "mail     A   198.51.100.10\n"
    "mail     TXT \"v=spf1 a -all\"\n"
    "two      TXT \"v=spf1 -all\"\n"
    "two      TXT \"v=spf1 +all\"\n"
    "loop     TXT \"v=spf1 include:loop.example.com\"\n"
    "red      TXT \"v=spf1 redirect=nospf.example.com\"\n"
    "nospf    A   192.0.2.1\n"
    "voids    TXT \"v=spf1 a:n1.example.com a:n2.example.com "
    "a:n3.example.com +all\"\n"
    "tmo      TXT \"v=spf1 a:slow.example.com -all\"\n"
    "$TIMEOUT slow\n"
    "bomb     TXT \"v=spf1 exists:%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.%{s}.x.example.com -all\"\n"
    "evil     TXT \"v=spf1 -all exp=evilexp.example.com\"\n"
    "evilexp  TXT \"line\\013\\010X-Injected: yes\"\n";

static struct vouch_dns *
load(void)
{
	struct vouch_dns *dns = NULL;
	struct vouch_error err;

	if (vouch_dns_zone_new_text(zone, sizeof(zone) - 1, NULL, &dns,
	    &err) != 0)
		fail_msg("zone: %s", err.msg);
	return dns;
}

static struct vouch_spf_eval *
check(struct vouch_dns *dns, const char *ip, const char *mf,
    const struct vouch_spf_options *opts)
{
	struct vouch_spf_request req;
	struct vouch_spf_eval *ev = NULL;

	memset(&req, 0, sizeof(req));
	assert_int_equal(vouch_ip_parse(ip, &req.ip), 0);
	req.mail_from = mf;
	req.helo = "helo.example.org";
	req.receiver = "rx.example.net";
	req.now = 1700000000;
	assert_int_equal(vouch_spf_check(dns, &req, opts, &ev), 0);
	assert_non_null(ev);
	return ev;
}

static void
test_pass_and_fields(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_eval *ev = check(dns, "192.0.2.7", "a@example.com",
	    NULL);

	(void)state;
	assert_int_equal(ev->result, VOUCH_SPF_PASS);
	assert_int_equal(ev->identity, VOUCH_SPF_MAILFROM);
	assert_string_equal(ev->domain, "example.com");
	assert_string_equal(ev->sender, "a@example.com");
	assert_string_equal(ev->mechanism, "ip4:192.0.2.0/24");
	assert_null(ev->error);
	assert_int_equal(ev->dns_lookups, 0);
	/* 9.1: result, comment, then key=value pairs. */
	assert_non_null(strstr(ev->received_spf, "pass (rx.example.net: "));
	assert_non_null(strstr(ev->received_spf, "client-ip=192.0.2.7;"));
	assert_non_null(strstr(ev->received_spf,
	    "envelope-from=\"a@example.com\";"));
	assert_non_null(strstr(ev->received_spf, "identity=mailfrom;"));
	assert_non_null(strstr(ev->received_spf,
	    "mechanism=\"ip4:192.0.2.0/24\";"));
	assert_string_equal(ev->authres, "spf=pass smtp.mailfrom=a@example.com");
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

/* no_received_spf: the same result and A-R fragment, no Received-SPF. */
static void
test_no_received_spf(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_options o;
	struct vouch_spf_eval *ev;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.no_received_spf = 1;
	ev = check(dns, "192.0.2.7", "a@example.com", &o);
	assert_int_equal(ev->result, VOUCH_SPF_PASS);
	assert_null(ev->received_spf);
	assert_string_equal(ev->authres, "spf=pass smtp.mailfrom=a@example.com");
	assert_non_null(ev->explanation);
	vouch_spf_eval_free(ev);
	ev = check(dns, "198.51.100.1", "a@example.com", &o);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	assert_null(ev->received_spf);
	assert_string_equal(ev->authres, "spf=fail smtp.mailfrom=a@example.com");
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

static void
test_include_softfail_and_exp(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_eval *ev;

	(void)state;
	/* The include matches with ~all: not a pass, so no match (5.2). */
	ev = check(dns, "2001:db8::1", "a@example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	assert_string_equal(ev->mechanism, "-all");
	assert_int_equal(ev->dns_lookups, 1);
	/* 6.2: the exp= text, macro-expanded; %{S} URL-escaped. */
	assert_string_equal(ev->explanation, "2001:db8::1 may not send for "
	    "example.com (a%40example.com)");
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

static void
test_errors(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_eval *ev;

	(void)state;
	ev = check(dns, "192.0.2.7", "a@two.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);	/* 4.5 */
	assert_non_null(strstr(ev->error, "two.example.com"));
	assert_non_null(strstr(ev->received_spf, "problem="));
	vouch_spf_eval_free(ev);
	ev = check(dns, "192.0.2.7", "a@loop.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);	/* 4.6.4 */
	assert_int_equal(ev->dns_lookups, 11);
	vouch_spf_eval_free(ev);
	ev = check(dns, "192.0.2.7", "a@red.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);	/* 6.1 */
	assert_non_null(strstr(ev->error, "nospf.example.com"));
	vouch_spf_eval_free(ev);
	ev = check(dns, "192.0.2.7", "a@voids.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);	/* 4.6.4 */
	assert_int_equal(ev->void_lookups, 3);
	vouch_spf_eval_free(ev);
	ev = check(dns, "192.0.2.7", "a@tmo.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_TEMPERROR);	/* 5 */
	assert_non_null(strstr(ev->error, "slow.example.com"));
	vouch_spf_eval_free(ev);
	ev = check(dns, "192.0.2.7", "a@nothing.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_NONE);		/* 4.3 */
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

static void
test_configured_limits(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_options opts;
	struct vouch_spf_eval *ev;

	(void)state;
	memset(&opts, 0, sizeof(opts));
	opts.limits.void_lookups = 3;
	ev = check(dns, "192.0.2.7", "a@voids.example.com", &opts);
	assert_int_equal(ev->result, VOUCH_SPF_PASS);
	vouch_spf_eval_free(ev);
	opts.limits.void_lookups = 0;
	opts.limits.dns_terms = 1;
	/* One DNS-querying term allowed: mx is that one. */
	ev = check(dns, "198.51.100.99", "a@mx.example.com", &opts);
	assert_int_equal(ev->result, VOUCH_SPF_PASS);
	assert_int_equal(ev->dns_lookups, 1);
	vouch_spf_eval_free(ev);
	ev = check(dns, "203.0.113.5", "a@mx.example.com", &opts);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	vouch_spf_eval_free(ev);
	ev = check(dns, "198.51.100.10", "a@voids.example.com", &opts);
	assert_int_equal(ev->result, VOUCH_SPF_PERMERROR);
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

static void
test_mx_cidr_helo(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_request req;
	struct vouch_spf_eval *ev;

	(void)state;
	ev = check(dns, "198.51.100.200", "a@mx.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_PASS);	/* mx/24 */
	vouch_spf_eval_free(ev);
	/* 2.3: the HELO identity with postmaster@HELO as the sender. */
	memset(&req, 0, sizeof(req));
	vouch_ip_parse("198.51.100.10", &req.ip);
	req.helo = "mail.example.com";
	req.identity = VOUCH_SPF_HELO;
	assert_int_equal(vouch_spf_check(dns, &req, NULL, &ev), 0);
	assert_int_equal(ev->result, VOUCH_SPF_PASS);
	assert_int_equal(ev->identity, VOUCH_SPF_HELO);
	assert_string_equal(ev->sender, "postmaster@mail.example.com");
	assert_string_equal(ev->authres,
	    "spf=pass smtp.helo=mail.example.com");
	vouch_spf_eval_free(ev);
	/* An IPv4-mapped client is IPv4 (section 5). */
	ev = check(dns, "::ffff:192.0.2.9", "a@example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_PASS);
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

/* No value from DNS or the envelope can break out of the header. */
static void
test_header_injection(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_eval *ev;

	(void)state;
	ev = check(dns, "192.0.2.7", "a\"b;c=d\\e@evil.example.com", NULL);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	assert_null(strpbrk(ev->received_spf, "\r\n"));
	assert_null(strpbrk(ev->explanation, "\r\n\v"));
	assert_non_null(strstr(ev->received_spf,
	    "envelope-from=\"a\\\"b;c=d\\\\e@evil.example.com\";"));
	assert_non_null(strstr(ev->authres,
	    "smtp.mailfrom=\"a\\\"b;c=d\\\\e@evil.example.com\""));
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

/* 7.3: a huge expansion is cut to 253 octets from the left, then looked
 * up; it matches nothing here, so -all decides. */
static void
test_macro_bomb(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_eval *ev;
	char from[300];
	size_t i;

	(void)state;
	/* A 200-octet label survives the cut: that name cannot exist, so
	 * nothing is asked (the suites' reading of 4.3 and 5). */
	memset(from, 'x', 200);
	memcpy(from + 200, "@bomb.example.com", 18);
	ev = check(dns, "192.0.2.7", from, NULL);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	assert_string_equal(ev->mechanism, "-all");
	assert_int_equal(ev->void_lookups, 0);
	vouch_spf_eval_free(ev);
	/* Short labels: the cut name is asked for, and does not exist. */
	for (i = 0; i < 200; i += 2)
		memcpy(from + i, "x.", 2);
	from[199] = 'x';
	ev = check(dns, "192.0.2.7", from, NULL);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	assert_int_equal(ev->void_lookups, 1);
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

static void
test_trace(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_options opts;
	struct vouch_spf_eval *ev;
	size_t i;
	int saw_include = 0;

	(void)state;
	memset(&opts, 0, sizeof(opts));
	opts.trace = 1;
	ev = check(dns, "2001:db8::1", "a@example.com", &opts);
	assert_true(ev->nsteps > 3);
	for (i = 0; i < ev->nsteps; i++)
		if (ev->steps[i].depth == 1 &&
		    strcmp(ev->steps[i].domain, "inc.example.com") == 0)
			saw_include = 1;
	assert_true(saw_include);
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

/* A backend that answers from the zone, 20 ms late. */
static int
slow_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	nanosleep(&ts, NULL);
	return vouch_dns_query(impl, name, type, out);
}

static void
slow_destroy(void *impl)
{
	vouch_dns_free(impl);
}

static const struct vouch_dns_methods slow_methods = {
	VOUCH_DNS_METHODS_VERSION, "slow", slow_query, slow_destroy
};

/* 4.6.4: past the wall-time budget the result is temperror. */
static void
test_time_budget(void **state)
{
	struct vouch_dns *dns = NULL;
	struct vouch_spf_options opts;
	struct vouch_spf_eval *ev;

	(void)state;
	assert_int_equal(vouch_dns_new(&slow_methods, load(), &dns), 0);
	memset(&opts, 0, sizeof(opts));
	opts.limits.time_ms = 10;
	/* example.com: TXT, then inc.example.com's TXT: the second query
	 * starts after the budget. */
	ev = check(dns, "2001:db8::1", "a@example.com", &opts);
	assert_int_equal(ev->result, VOUCH_SPF_TEMPERROR);
	assert_non_null(strstr(ev->error, "time budget"));
	vouch_spf_eval_free(ev);
	opts.limits.time_ms = 0;	/* the default, 20 s */
	ev = check(dns, "2001:db8::1", "a@example.com", &opts);
	assert_int_equal(ev->result, VOUCH_SPF_FAIL);
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
}

static void
test_nomem(void **state)
{
	struct vouch_dns *dns = load();
	struct vouch_spf_request req;
	struct vouch_spf_options opts;
	struct vouch_spf_eval *ev;
	unsigned long n;
	int rc;

	(void)state;
	memset(&req, 0, sizeof(req));
	memset(&opts, 0, sizeof(opts));
	opts.trace = 1;
	vouch_ip_parse("2001:db8::1", &req.ip);
	req.mail_from = "a@example.com";
	for (n = 1; n < 10000; n++) {
		ev = NULL;
		failalloc_set(n);
		rc = vouch_spf_check(dns, &req, &opts, &ev);
		failalloc_set(0);
		if (rc == 0) {
			assert_int_equal(ev->result, VOUCH_SPF_FAIL);
			vouch_spf_eval_free(ev);
			vouch_dns_free(dns);
			return;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(ev);
	}
	fail_msg("never succeeded");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_and_fields),
		cmocka_unit_test(test_no_received_spf),
		cmocka_unit_test(test_include_softfail_and_exp),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_configured_limits),
		cmocka_unit_test(test_mx_cidr_helo),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_macro_bomb),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_time_budget),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
