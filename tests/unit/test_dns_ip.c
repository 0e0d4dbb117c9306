/*
 * test_dns_ip.c - vouch_ip_parse/unmap/format (lib/dns/dns_ip.c).
 * Expected text forms come from RFC 5952 (sections 4 and 5, with the
 * examples of section 4.2), what is rejected from RFC 4291 section 2.2
 * and RFC 3986 section 3.2.2 (dotted-quad: four decimal octets, no
 * leading zeros).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/dns.h>

static void
fmt_is(const char *in, const char *want)
{
	struct vouch_ip ip;
	char buf[64];

	if (vouch_ip_parse(in, &ip) != 0)
		fail_msg("\"%s\" rejected", in);
	assert_int_equal(vouch_ip_format(&ip, buf, sizeof(buf)), 0);
	if (strcmp(buf, want) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", in, buf, want);
}

static void
test_parse_v4(void **state)
{
	struct vouch_ip ip;
	static const unsigned char want[4] = { 192, 0, 2, 1 };

	(void)state;
	assert_int_equal(vouch_ip_parse("192.0.2.1", &ip), 0);
	assert_int_equal(ip.family, 4);
	assert_memory_equal(ip.addr, want, 4);
	fmt_is("0.0.0.0", "0.0.0.0");
	fmt_is("255.255.255.255", "255.255.255.255");
	fmt_is("198.51.100.7", "198.51.100.7");
}

static void
test_parse_v6(void **state)
{
	struct vouch_ip ip;
	static const unsigned char want[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};

	(void)state;
	assert_int_equal(vouch_ip_parse("2001:db8::1", &ip), 0);
	assert_int_equal(ip.family, 6);
	assert_memory_equal(ip.addr, want, 16);
	assert_int_equal(vouch_ip_parse("2001:DB8:0:0:0:0:0:1", &ip), 0);
	assert_memory_equal(ip.addr, want, 16);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
		" 1.2.3.4", "1.2.3.4 ", "1.2.3.4x", "1.2.3.4/24", "0x1.2.3.4",
		"1..2.3", "[::1]", "fe80::1%eth0", "1::2::3", "12345::",
		":::", "::ffff:1.2.3", "2001:db8::/32", "g::1", "1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9", "example.com", "-1.2.3.4",
		"0000000000000000000000000000000000000000000000000000000001::",
	};
	struct vouch_ip ip;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vouch_ip_parse(bad[i], &ip) != VOUCH_ESYNTAX)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(vouch_ip_parse(NULL, &ip), VOUCH_ESYNTAX);
}

/* RFC 5952 section 4 */
static void
test_format_rfc5952(void **state)
{
	(void)state;
	/* 4.1: no leading zeros */
	fmt_is("2001:0db8::0001", "2001:db8::1");
	/* 4.2.1: "::" shortens as much as possible */
	fmt_is("2001:db8:0:0:0:0:2:1", "2001:db8::2:1");
	/* 4.2.2: not for one 16-bit 0 field */
	fmt_is("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	/* 4.2.3: the longest run, the first of equal runs */
	fmt_is("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	fmt_is("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	/* 4.3: lower case */
	fmt_is("2001:DB8:AC10:FE01::", "2001:db8:ac10:fe01::");
	fmt_is("0:0:0:0:0:0:0:0", "::");
	fmt_is("::1", "::1");
	fmt_is("1::", "1::");
	fmt_is("1:0:0:0:0:0:0:8", "1::8");
	fmt_is("0:0:1:0:0:0:0:0", "0:0:1::");
	fmt_is("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
	/* 5: IPv4-mapped addresses end in dotted decimal */
	fmt_is("::ffff:192.0.2.1", "::ffff:192.0.2.1");
	fmt_is("::FFFF:c000:0201", "::ffff:192.0.2.1");
	/* 5 recommends mixed notation only for prefixes known as IPv4
	 * carriers; the deprecated IPv4-compatible ::/96 (RFC 4291
	 * 2.5.5.1) is written as plain hex. */
	fmt_is("::192.0.2.1", "::c000:201");
}

static void
test_unmap(void **state)
{
	struct vouch_ip ip;
	char buf[64];

	(void)state;
	assert_int_equal(vouch_ip_parse("::ffff:192.0.2.1", &ip), 0);
	assert_int_equal(ip.family, 6);
	assert_int_equal(vouch_ip_unmap(&ip), 1);
	assert_int_equal(ip.family, 4);
	assert_int_equal(vouch_ip_format(&ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(vouch_ip_unmap(&ip), 0);	/* already IPv4 */
	assert_int_equal(vouch_ip_parse("2001:db8::1", &ip), 0);
	assert_int_equal(vouch_ip_unmap(&ip), 0);
	assert_int_equal(ip.family, 6);
	assert_int_equal(vouch_ip_parse("::192.0.2.1", &ip), 0);
	assert_int_equal(vouch_ip_unmap(&ip), 0);
	assert_int_equal(vouch_ip_unmap(NULL), 0);
}

static void
test_format_limits(void **state)
{
	struct vouch_ip ip;
	char buf[64];

	(void)state;
	assert_int_equal(vouch_ip_parse("192.0.2.1", &ip), 0);
	assert_int_equal(vouch_ip_format(&ip, buf, 9), VOUCH_ELIMIT);
	assert_int_equal(vouch_ip_format(&ip, buf, 10), 0);
	assert_string_equal(buf, "192.0.2.1");
	/* The longest form fits in 46 bytes, as dns.h promises. */
	assert_int_equal(vouch_ip_parse(
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &ip), 0);
	assert_int_equal(vouch_ip_format(&ip, buf, 46), 0);
	assert_int_equal(vouch_ip_parse("::ffff:255.255.255.255", &ip), 0);
	assert_int_equal(vouch_ip_format(&ip, buf, 46), 0);
	ip.family = 5;
	assert_int_equal(vouch_ip_format(&ip, buf, sizeof(buf)),
	    VOUCH_EINVAL);
}

/* RFC 1035 3.5 and the example of RFC 3596 2.5. */
static void
test_reverse_name(void **state)
{
	struct vouch_ip ip;
	char buf[80];

	(void)state;
	assert_int_equal(vouch_ip_parse("192.0.2.1", &ip), 0);
	assert_int_equal(vouch_ip_reverse_name(&ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1.2.0.192.in-addr.arpa");
	assert_int_equal(vouch_ip_parse("4321:0:1:2:3:4:567:89ab", &ip), 0);
	assert_int_equal(vouch_ip_reverse_name(&ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0."
	    "1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
	assert_int_equal(vouch_ip_reverse_name(&ip, buf, 72),
	    VOUCH_ELIMIT);
	assert_int_equal(vouch_ip_reverse_name(&ip, buf, 73), 0);
	ip.family = 0;
	assert_int_equal(vouch_ip_reverse_name(&ip, buf, sizeof(buf)),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_ip_reverse_name(NULL, buf, sizeof(buf)),
	    VOUCH_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_format_rfc5952),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_format_limits),
		cmocka_unit_test(test_reverse_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
