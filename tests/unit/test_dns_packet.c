/*
 * test_dns_packet.c - responses in wire form into answers
 * (lib/dns/dns_packet.c, used by the unbound backend).  Packets are built
 * with ldns from records written in this file; expected answers follow
 * RFC 1034 section 4.3.2 (CNAME chains in the answer section) and RFC
 * 1035 section 4.1.1 (rcodes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns/dns_int.h"
#include "failalloc.h"

/* A response with the given rcode and answer records (one per string). */
static uint8_t *
packet(int rcode, const char *const *rrs, size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	uint8_t *wire = NULL;
	ldns_rr *rr;
	size_t i;

	assert_non_null(p);
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	for (i = 0; rrs != NULL && rrs[i] != NULL; i++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL,
		    NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

static struct vouch_dns_answer *
answer(int rcode, const char *const *rrs, const char *name, uint16_t type,
    enum vouch_dns_status want, size_t count)
{
	struct vouch_dns_answer *a = NULL;
	size_t len;
	uint8_t *w = packet(rcode, rrs, &len);

	assert_int_equal(vouch__dns_from_packet(name, type, rcode, w, len, &a),
	    0);
	free(w);
	if (a->status != want || a->count != count)
		fail_msg("%s: %s with %zu, want %s with %zu", name,
		    vouch_dns_status_name(a->status), a->count,
		    vouch_dns_status_name(want), count);
	return a;
}

static void
test_found_and_chain(void **state)
{
	static const char *const rrs[] = {
		"a.example. 300 IN CNAME B.example.",
		"b.example. 200 IN CNAME c.example.",
		"c.example. 100 IN TXT \"v=spf1 \" \"-all\"",
		"c.example. 50 IN TXT \"second\"",
		"other.example. 10 IN TXT \"not ours\"",
		NULL
	};
	struct vouch_dns_answer *a;

	(void)state;
	a = answer(0, rrs, "a.example", VOUCH_DNS_TXT, VOUCH_DNS_FOUND, 2);
	assert_string_equal(a->canonical, "c.example");
	assert_int_equal(a->ttl, 50);
	assert_int_equal(a->rr[0].u.txt.nstrings, 2);
	assert_int_equal(a->rr[0].u.txt.lengths[0], 7);
	assert_string_equal(a->rr[0].u.txt.data, "v=spf1 -all");
	assert_string_equal(a->rr[1].u.txt.data, "second");
	vouch_dns_answer_free(a);
	a = answer(0, rrs, "a.example", VOUCH_DNS_CNAME, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.name, "b.example");
	vouch_dns_answer_free(a);
	a = answer(0, rrs, "a.example", VOUCH_DNS_A, VOUCH_DNS_NODATA, 0);
	assert_string_equal(a->canonical, "c.example");
	vouch_dns_answer_free(a);
}

static void
test_types(void **state)
{
	static const char *const rrs[] = {
		"x.example. 60 IN A 192.0.2.1",
		"x.example. 60 IN AAAA 2001:db8::1",
		"x.example. 60 IN MX 0 .",
		"x.example. 60 IN MX 10 Mail.Example.",
		"x.example. 60 IN PTR host.example.",
		"x.example. 60 IN SPF \"v=spf1\"",
		"x.example. 60 IN CAA 0 issue \"ca.example\"",
		NULL
	};
	struct vouch_dns_answer *a;

	(void)state;
	a = answer(0, rrs, "x.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.ip.family, 4);
	assert_int_equal(a->rr[0].u.ip.addr[0], 192);
	vouch_dns_answer_free(a);
	a = answer(0, rrs, "x.example", VOUCH_DNS_AAAA, VOUCH_DNS_FOUND, 1);
	assert_int_equal(a->rr[0].u.ip.family, 6);
	vouch_dns_answer_free(a);
	a = answer(0, rrs, "x.example", VOUCH_DNS_MX, VOUCH_DNS_FOUND, 2);
	assert_string_equal(a->rr[0].u.mx.exchange, "");
	assert_string_equal(a->rr[1].u.mx.exchange, "mail.example");
	assert_int_equal(a->rr[1].u.mx.preference, 10);
	vouch_dns_answer_free(a);
	a = answer(0, rrs, "x.example", VOUCH_DNS_PTR, VOUCH_DNS_FOUND, 1);
	assert_string_equal(a->rr[0].u.name, "host.example");
	vouch_dns_answer_free(a);
	vouch_dns_answer_free(answer(0, rrs, "x.example", VOUCH_DNS_SPF,
	    VOUCH_DNS_FOUND, 1));
	vouch_dns_answer_free(answer(0, rrs, "x.example", 257,
	    VOUCH_DNS_FOUND, 1));
}

static void
test_rcodes_and_loops(void **state)
{
	static const char *const loop[] = {
		"l1.example. 60 IN CNAME l2.example.",
		"l2.example. 60 IN CNAME l1.example.",
		NULL
	};
	static const char *const nx[] = {
		"a.example. 60 IN CNAME gone.example.", NULL
	};
	struct vouch_dns_answer *a;
	uint8_t junk[5] = { 1, 2, 3, 4, 5 };

	(void)state;
	a = answer(0, loop, "l1.example", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "CNAME loop");
	vouch_dns_answer_free(a);
	a = answer(3, nx, "a.example", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, 0);
	assert_string_equal(a->canonical, "gone.example");
	vouch_dns_answer_free(a);
	vouch_dns_answer_free(answer(0, NULL, "a.example", VOUCH_DNS_A,
	    VOUCH_DNS_NODATA, 0));
	a = answer(2, NULL, "a.example", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "SERVFAIL");
	vouch_dns_answer_free(a);
	a = answer(5, NULL, "a.example", VOUCH_DNS_A, VOUCH_DNS_RETRY, 0);
	assert_string_equal(a->reason, "REFUSED");
	vouch_dns_answer_free(a);
	assert_int_equal(vouch__dns_from_packet("a.example", 1, 0, junk,
	    sizeof(junk), &a), 0);
	assert_int_equal(a->status, VOUCH_DNS_RETRY);
	assert_string_equal(a->reason, "malformed answer");
	vouch_dns_answer_free(a);
}

static void
test_alloc_failures(void **state)
{
	static const char *const rrs[] = {
		"a.example. 300 IN CNAME b.example.",
		"b.example. 100 IN TXT \"x\" \"y\"",
		NULL
	};
	struct vouch_dns_answer *a;
	unsigned long n;
	size_t len;
	uint8_t *w = packet(0, rrs, &len);
	int rc;

	(void)state;
	for (n = 1;; n++) {
		a = NULL;
		failalloc_set(n);
		rc = vouch__dns_from_packet("a.example", VOUCH_DNS_TXT, 0, w,
		    len, &a);
		failalloc_set(0);
		if (rc == 0) {
			assert_int_equal(a->count, 1);
			vouch_dns_answer_free(a);
			break;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(a);
	}
	free(w);
	assert_true(n > 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_and_chain),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_rcodes_and_loops),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
