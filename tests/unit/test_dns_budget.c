/*
 * test_dns_budget.c - the per-message DNS budget (vouch_dns_budget_new(),
 * vouch_dns_budget_stats() in include/vouch/dns.h).
 *
 * The contract tested is the header's: "at most max_queries queries and
 * max_ms milliseconds of wall-clock time from the first query; after
 * that every query answers RETRY with reason "DNS budget for this message
 * exhausted"", the inner handle "borrowed: it must outlive this one", the
 * stats "all 0 for a handle that is not a budget", "0 for a limit means
 * none".  SECURITY.md: limits on work per message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <vouch/dns.h>

#include "failalloc.h"

#define SPENT "DNS budget for this message exhausted"

static const char zone_text[] =
    "a.example. A 192.0.2.1\n"
    "t.example. TXT \"hello\"\n"
    "$TIMEOUT slow.example.\n";

static struct vouch_dns *
zone(void)
{
	struct vouch_dns *dns = NULL;
	struct vouch_error err;

	if (vouch_dns_zone_new_text(zone_text, strlen(zone_text), NULL, &dns,
	    &err) != 0)
		fail_msg("zone: %s", err.msg);
	return dns;
}

/* Ask and demand a status (and, for RETRY, a reason). */
static void
ask_at(int line, struct vouch_dns *dns, const char *name, uint16_t type,
    enum vouch_dns_status want, const char *reason)
{
	struct vouch_dns_answer *a = NULL;

	assert_int_equal(vouch_dns_query(dns, name, type, &a), 0);
	assert_non_null(a);
	if (a->status != want)
		fail_msg("line %d: %s: %s, want %s", line, name,
		    vouch_dns_status_name(a->status),
		    vouch_dns_status_name(want));
	if (reason != NULL) {
		assert_non_null(a->reason);
		assert_string_equal(a->reason, reason);
	}
	vouch_dns_answer_free(a);
}
#define ASK(d, n, t, w, r) ask_at(__LINE__, d, n, t, w, r)

static void
stats_are(const struct vouch_dns *dns, unsigned queries, int spent)
{
	unsigned q = 99, ms = 99;
	int s = 99;

	vouch_dns_budget_stats(dns, &q, &ms, &s);
	assert_int_equal(q, queries);
	assert_int_equal(s, spent);
}

/* max_queries answers come from inner, whatever they are (a RETRY from
 * inner counts as a query and keeps its own reason); the next ones are
 * refused and never reach inner. */
static void
test_counts(void **state)
{
	struct vouch_dns *inner = zone(), *b = NULL;

	(void)state;
	assert_int_equal(vouch_dns_log_enable(inner, 1), 0);
	assert_int_equal(vouch_dns_budget_new(inner, 3, 0, &b), 0);
	assert_non_null(b);
	stats_are(b, 0, 0);
	ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	stats_are(b, 1, 0);
	ASK(b, "nx.example", VOUCH_DNS_A, VOUCH_DNS_NXDOMAIN, NULL);
	ASK(b, "slow.example", VOUCH_DNS_A, VOUCH_DNS_RETRY, "timeout");
	stats_are(b, 3, 0);
	ASK(b, "t.example", VOUCH_DNS_TXT, VOUCH_DNS_RETRY, SPENT);
	ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_RETRY, SPENT);
	stats_are(b, 3, 1);
	assert_int_equal(vouch_dns_log_count(inner), 3);
	vouch_dns_free(b);
	vouch_dns_free(inner);
}

/* "0 for a limit means none". */
static void
test_unlimited(void **state)
{
	struct vouch_dns *inner = zone(), *b = NULL;
	unsigned i;

	(void)state;
	assert_int_equal(vouch_dns_budget_new(inner, 0, 0, &b), 0);
	for (i = 0; i < 1000; i++)
		ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	stats_are(b, 1000, 0);
	vouch_dns_free(b);
	vouch_dns_free(inner);
}

/* The time limit: from the first query on. */
static void
test_time_limit(void **state)
{
	struct timespec pause = { 0, 60 * 1000 * 1000 };
	struct vouch_dns *inner = zone(), *b = NULL;
	unsigned q = 0, ms = 0;
	int spent = 0;

	(void)state;
	assert_int_equal(vouch_dns_budget_new(inner, 0, 20, &b), 0);
	/* Time before the first query does not count. */
	(void)nanosleep(&pause, NULL);
	ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	(void)nanosleep(&pause, NULL);
	ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_RETRY, SPENT);
	vouch_dns_budget_stats(b, &q, &ms, &spent);
	assert_int_equal(q, 1);
	assert_true(spent);
	assert_true(ms >= 20);
	vouch_dns_free(b);
	vouch_dns_free(inner);
}

/* The inner handle is borrowed: freeing the budget leaves it usable
 * (ASan reports a use after free or a double free). */
static void
test_inner_not_freed(void **state)
{
	struct vouch_dns *inner = zone(), *b = NULL;

	(void)state;
	assert_int_equal(vouch_dns_budget_new(inner, 1, 0, &b), 0);
	ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	vouch_dns_free(b);
	ASK(inner, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	/* Two budgets in turn over one inner handle, as two messages. */
	assert_int_equal(vouch_dns_budget_new(inner, 1, 0, &b), 0);
	ASK(b, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	vouch_dns_free(b);
	vouch_dns_free(inner);
}

/* "all 0 for a handle that is not a budget". */
static void
test_stats_not_budget(void **state)
{
	struct vouch_dns *inner = zone();

	(void)state;
	ASK(inner, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	stats_are(inner, 0, 0);
	vouch_dns_free(inner);
}

static void
test_bad_arguments(void **state)
{
	struct vouch_dns *inner = zone(), *b = inner;

	(void)state;
	assert_int_equal(vouch_dns_budget_new(NULL, 1, 0, &b), VOUCH_EINVAL);
	assert_null(b);
	assert_int_equal(vouch_dns_budget_new(inner, 1, 0, NULL),
	    VOUCH_EINVAL);
	vouch_dns_free(inner);
}

/* STYLE.md: "a failed _new leaves nothing to free", and the inner handle
 * is still the caller's. */
static void
test_failalloc(void **state)
{
	struct vouch_dns *inner = zone(), *b;
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		b = NULL;
		failalloc_set(n);
		rc = vouch_dns_budget_new(inner, 2, 0, &b);
		failalloc_set(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(b);
	}
	assert_true(n > 1);
	vouch_dns_free(b);
	ASK(inner, "a.example", VOUCH_DNS_A, VOUCH_DNS_FOUND, NULL);
	vouch_dns_free(inner);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_inner_not_freed),
		cmocka_unit_test(test_stats_not_budget),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
