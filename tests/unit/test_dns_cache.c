/*
 * test_dns_cache.c - the answer cache (vouch_dns_cache_new()): hits do not
 * reach the inner handle, TTLs expire, negative answers are kept, RETRY
 * and TTL 0 never, the oldest entry goes first when full, copies are
 * independent, and allocation failure is clean.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <vouch/dns.h>

#include "failalloc.h"

static const char zone[] =
    "$ORIGIN example.com.\n"
    "a      300 A   192.0.2.1\n"
    "a      300 TXT \"one\" \"two\"\n"
    "short  1   A   192.0.2.2\n"
    "zero   0   A   192.0.2.3\n"
    "mx     300 MX  10 mail.example.com.\n"
    "ptr    300 PTR host.example.com.\n"
    "$TIMEOUT slow\n";

struct counter {
	struct vouch_dns *zone;
	unsigned queries;
};

static int
count_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct counter *c = impl;

	c->queries++;
	return vouch_dns_query(c->zone, name, type, out);
}

static void
count_destroy(void *impl)
{
	struct counter *c = impl;

	vouch_dns_free(c->zone);
}

static const struct vouch_dns_methods count_methods = {
	VOUCH_DNS_METHODS_VERSION, "count", count_query, count_destroy
};

static struct vouch_dns *
open_cache(struct counter *c, size_t max)
{
	struct vouch_dns *inner = NULL, *d = NULL;
	struct vouch_error err;

	memset(c, 0, sizeof(*c));
	assert_int_equal(vouch_dns_zone_new_text(zone, sizeof(zone) - 1, NULL,
	    &c->zone, &err), 0);
	assert_int_equal(vouch_dns_new(&count_methods, c, &inner), 0);
	assert_int_equal(vouch_dns_cache_new(inner, max, &d), 0);
	assert_string_equal(vouch_dns_backend(d), "cache");
	return d;
}

static enum vouch_dns_status
ask(struct vouch_dns *d, const char *name, uint16_t type)
{
	struct vouch_dns_answer *a = NULL;
	enum vouch_dns_status st;

	assert_int_equal(vouch_dns_query(d, name, type, &a), 0);
	st = a->status;
	vouch_dns_answer_free(a);
	return st;
}

static void
test_hits(void **state)
{
	struct counter c;
	struct vouch_dns *d = open_cache(&c, 0);
	struct vouch_dns_answer *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(vouch_dns_query(d, "A.Example.COM.", VOUCH_DNS_TXT,
	    &a), 0);
	assert_int_equal(vouch_dns_query(d, "a.example.com", VOUCH_DNS_TXT,
	    &b), 0);
	assert_int_equal(c.queries, 1);
	/* The copy is whole and independent of the first. */
	assert_int_equal(b->status, VOUCH_DNS_FOUND);
	assert_int_equal(b->count, 1);
	assert_int_equal(b->rr[0].u.txt.len, 6);
	assert_memory_equal(b->rr[0].u.txt.data, "onetwo", 6);
	assert_int_equal(b->rr[0].u.txt.nstrings, 2);
	assert_int_equal(b->rr[0].u.txt.lengths[1], 3);
	assert_int_equal(b->ttl, 300);
	vouch_dns_answer_free(a);
	assert_int_equal(b->rr[0].u.txt.lengths[0], 3);
	vouch_dns_answer_free(b);
	/* Another type at the same name is another key. */
	assert_int_equal(ask(d, "a.example.com", VOUCH_DNS_A), VOUCH_DNS_FOUND);
	assert_int_equal(ask(d, "mx.example.com", VOUCH_DNS_MX),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ask(d, "mx.example.com", VOUCH_DNS_MX),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ask(d, "ptr.example.com", VOUCH_DNS_PTR),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ask(d, "ptr.example.com", VOUCH_DNS_PTR),
	    VOUCH_DNS_FOUND);
	assert_int_equal(c.queries, 4);
	vouch_dns_free(d);
}

static void
test_negative_retry_zero(void **state)
{
	struct counter c;
	struct vouch_dns *d = open_cache(&c, 0);

	(void)state;
	assert_int_equal(ask(d, "none.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_NXDOMAIN);
	assert_int_equal(ask(d, "none.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_NXDOMAIN);
	assert_int_equal(ask(d, "a.example.com", VOUCH_DNS_MX),
	    VOUCH_DNS_NODATA);
	assert_int_equal(ask(d, "a.example.com", VOUCH_DNS_MX),
	    VOUCH_DNS_NODATA);
	assert_int_equal(c.queries, 2);
	/* A failure is asked again every time, and so is TTL 0. */
	assert_int_equal(ask(d, "slow.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_RETRY);
	assert_int_equal(ask(d, "slow.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_RETRY);
	assert_int_equal(ask(d, "zero.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ask(d, "zero.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_FOUND);
	assert_int_equal(c.queries, 6);
	vouch_dns_free(d);
}

static void
test_expiry(void **state)
{
	struct counter c;
	struct vouch_dns *d = open_cache(&c, 0);
	struct timespec ts = {1, 150 * 1000 * 1000};

	(void)state;
	assert_int_equal(ask(d, "short.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ask(d, "short.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_FOUND);
	assert_int_equal(c.queries, 1);
	nanosleep(&ts, NULL);	/* past the 1 s TTL */
	assert_int_equal(ask(d, "short.example.com", VOUCH_DNS_A),
	    VOUCH_DNS_FOUND);
	assert_int_equal(c.queries, 2);
	vouch_dns_free(d);
}

static void
test_eviction(void **state)
{
	struct counter c;
	struct vouch_dns *d = open_cache(&c, 2);

	(void)state;
	ask(d, "a.example.com", VOUCH_DNS_A);		/* 1 */
	ask(d, "mx.example.com", VOUCH_DNS_MX);		/* 2 */
	ask(d, "ptr.example.com", VOUCH_DNS_PTR);	/* 3: a goes */
	assert_int_equal(c.queries, 3);
	ask(d, "ptr.example.com", VOUCH_DNS_PTR);
	ask(d, "mx.example.com", VOUCH_DNS_MX);
	assert_int_equal(c.queries, 3);
	ask(d, "a.example.com", VOUCH_DNS_A);		/* asked again */
	assert_int_equal(c.queries, 4);
	vouch_dns_free(d);
}

static void
test_nomem(void **state)
{
	struct counter c;
	struct vouch_dns *d = open_cache(&c, 0);
	struct vouch_dns_answer *a;
	unsigned long n;
	int rc, done = 0;

	(void)state;
	/* Fail each allocation of a miss, then of a hit. */
	for (n = 1; n < 200 && done < 2; n++) {
		a = NULL;
		failalloc_set(n);
		rc = vouch_dns_query(d, "a.example.com", VOUCH_DNS_TXT, &a);
		failalloc_set(0);
		if (rc == 0) {
			assert_int_equal(a->status, VOUCH_DNS_FOUND);
			vouch_dns_answer_free(a);
			done++;
			n = 0;
			continue;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(a);
	}
	assert_int_equal(done, 2);
	vouch_dns_free(d);
	assert_int_equal(vouch_dns_cache_new(NULL, 0, &d), VOUCH_EINVAL);
	/* A failed _new frees the inner handle (no leak under ASan). */
	for (n = 1; n < 10; n++) {
		struct vouch_dns *inner = NULL;
		struct vouch_error err;

		assert_int_equal(vouch_dns_zone_new_text(zone, sizeof(zone) - 1,
		    NULL, &inner, &err), 0);
		failalloc_set(n);
		rc = vouch_dns_cache_new(inner, 0, &d);
		failalloc_set(0);
		if (rc == 0) {
			vouch_dns_free(d);
			break;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
	}
	assert_true(n > 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits),
		cmocka_unit_test(test_negative_retry_zero),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
