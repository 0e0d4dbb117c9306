/*
 * test_dns.c - the DNS handle (lib/dns/dns.c, dns_answer.c, dns_name.c,
 * dns_overlay.c): name checks of RFC 1035 section 2.3.4 before a backend
 * is called, case folding (RFC 4343), the query log, the answer builders,
 * status and type names (RFC 3597 section 5 for "TYPE<n>"), the overlay
 * rule, threads sharing one handle, and allocation failures.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/dns.h>

#include "failalloc.h"

/* A backend that answers FOUND with one A record for every name and
 * remembers the last name it was given. */
struct fake {
	char last[1100];
	unsigned calls;
	enum vouch_dns_status status;
};

static int
fake_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct fake *f = impl;
	struct vouch_ip ip;
	int rc;

	snprintf(f->last, sizeof(f->last), "%s", name);
	f->calls++;
	rc = vouch_dns_answer_new(name, type, f->status, out);
	if (rc != 0 || f->status != VOUCH_DNS_FOUND)
		return rc;
	vouch_ip_parse("192.0.2.7", &ip);
	if ((rc = vouch_dns_answer_add_ip(*out, 42, &ip)) != 0) {
		vouch_dns_answer_free(*out);
		*out = NULL;
	}
	return rc;
}

static void
fake_destroy(void *impl)
{
	(void)impl;
}

static const struct vouch_dns_methods fake_methods = {
	VOUCH_DNS_METHODS_VERSION, "fake", fake_query, fake_destroy
};

static void
fake_free(void *impl)
{
	free(impl);
}

static const struct vouch_dns_methods fake_heap_methods = {
	VOUCH_DNS_METHODS_VERSION, "fallback", fake_query, fake_free
};

static struct vouch_dns *
fake_new(struct fake *f)
{
	struct vouch_dns *d = NULL;

	memset(f, 0, sizeof(*f));
	assert_int_equal(vouch_dns_new(&fake_methods, f, &d), 0);
	return d;
}

static void
test_new(void **state)
{
	struct vouch_dns_methods m = fake_methods;
	struct vouch_dns *d = (struct vouch_dns *)&m;
	struct fake f;

	(void)state;
	m.version = 2;
	assert_int_equal(vouch_dns_new(&m, &f, &d), VOUCH_EUNSUPPORTED);
	assert_null(d);
	assert_int_equal(vouch_dns_new(NULL, &f, &d), VOUCH_EINVAL);
	d = fake_new(&f);
	assert_string_equal(vouch_dns_backend(d), "fake");
	vouch_dns_free(d);
	vouch_dns_free(NULL);
}

static void
query_name(struct vouch_dns *d, const char *name, int want_rc)
{
	struct vouch_dns_answer *a = NULL;
	int rc = vouch_dns_query(d, name, VOUCH_DNS_A, &a);

	if (rc != want_rc)
		fail_msg("\"%s\": rc %d, want %d", name, rc, want_rc);
	if (rc != 0)
		assert_null(a);
	vouch_dns_answer_free(a);
}

/* RFC 1035 2.3.4: labels of 63 octets or less, names of 255 octets or
 * less in wire form, i.e. 253 characters without the final dot. */
static void
test_name_checks(void **state)
{
	char label63[64], label64[65], name[300];
	struct fake f;
	struct vouch_dns *d = fake_new(&f);

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'b', 64);
	label64[64] = '\0';
	query_name(d, "", VOUCH_EINVAL);
	query_name(d, ".", VOUCH_EINVAL);
	query_name(d, "..", VOUCH_EINVAL);
	query_name(d, "a..b", VOUCH_EINVAL);
	query_name(d, ".a", VOUCH_EINVAL);
	query_name(d, "a.b..", VOUCH_EINVAL);
	query_name(d, "a\\", VOUCH_EINVAL);	/* dangling escape */
	query_name(d, "a\\25", VOUCH_EINVAL);	/* \DDD needs three */
	query_name(d, "a\\256", VOUCH_EINVAL);	/* octet over 255 */
	snprintf(name, sizeof(name), "%s.example", label63);
	query_name(d, name, 0);
	snprintf(name, sizeof(name), "%s.example", label64);
	query_name(d, name, VOUCH_EINVAL);
	/* 4 x 63 + 3 dots = 255: too long; trim to exactly 253. */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label63, label63, label63,
	    label63);
	query_name(d, name, VOUCH_EINVAL);
	name[253] = '\0';
	query_name(d, name, 0);
	assert_int_equal(strlen(f.last), 253);
	name[252] = '.';	/* 253 chars ending in the final dot */
	query_name(d, name, 0);
	assert_int_equal(strlen(f.last), 252);
	assert_int_equal(vouch_dns_query(d, NULL, 1, NULL), VOUCH_EINVAL);
	vouch_dns_free(d);
}

/* RFC 4343: ASCII case is ignored; the final dot is dropped; escapes
 * (RFC 1035 5.1) reach the backend in one canonical spelling. */
static void
test_name_canonical(void **state)
{
	struct vouch_dns_answer *a;
	struct fake f;
	struct vouch_dns *d = fake_new(&f);

	(void)state;
	assert_int_equal(vouch_dns_query(d, "WWW.Example.COM.", VOUCH_DNS_A,
	    &a), 0);
	assert_string_equal(f.last, "www.example.com");
	assert_string_equal(a->qname, "www.example.com");
	assert_int_equal(a->status, VOUCH_DNS_FOUND);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->ttl, 42);
	vouch_dns_answer_free(a);
	query_name(d, "a b.example", 0);
	assert_string_equal(f.last, "a\\032b.example");
	query_name(d, "A\\032B.example", 0);
	assert_string_equal(f.last, "a\\032b.example");
	query_name(d, "\\065\\.x.example", 0);
	assert_string_equal(f.last, "a\\046x.example");
	query_name(d, "caf\xc3\xa9.example", 0);
	assert_string_equal(f.last, "caf\\195\\169.example");
	vouch_dns_free(d);
}

static void
test_log(void **state)
{
	const struct vouch_dns_logent *e;
	struct fake f;
	struct vouch_dns *d = fake_new(&f);
	char name[32];
	int i;

	(void)state;
	query_name(d, "before.example", 0);
	assert_int_equal(vouch_dns_log_count(d), 0);
	assert_int_equal(vouch_dns_log_enable(d, 1), 0);
	query_name(d, "One.Example.", 0);
	f.status = VOUCH_DNS_NXDOMAIN;
	query_name(d, "two.example", 0);
	query_name(d, "bad..example", VOUCH_EINVAL);	/* not logged */
	assert_int_equal(vouch_dns_log_count(d), 2);
	e = vouch_dns_log_get(d, 0);
	assert_non_null(e);
	assert_string_equal(e->name, "one.example");
	assert_int_equal(e->type, VOUCH_DNS_A);
	assert_int_equal(e->status, VOUCH_DNS_FOUND);
	assert_int_equal(e->count, 1);
	e = vouch_dns_log_get(d, 1);
	assert_string_equal(e->name, "two.example");
	assert_int_equal(e->status, VOUCH_DNS_NXDOMAIN);
	assert_int_equal(e->count, 0);
	assert_null(vouch_dns_log_get(d, 2));
	/* Entries stay put while the log grows past a block. */
	e = vouch_dns_log_get(d, 0);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		query_name(d, name, 0);
	}
	assert_int_equal(vouch_dns_log_count(d), 1002);
	assert_string_equal(e->name, "one.example");
	assert_string_equal(vouch_dns_log_get(d, 1001)->name, "n999.example");
	vouch_dns_log_clear(d);
	assert_int_equal(vouch_dns_log_count(d), 0);
	query_name(d, "three.example", 0);
	assert_int_equal(vouch_dns_log_count(d), 1);
	assert_int_equal(vouch_dns_log_enable(d, 0), 0);
	query_name(d, "four.example", 0);
	assert_int_equal(vouch_dns_log_count(d), 1);
	vouch_dns_free(d);
}

static void
test_builders(void **state)
{
	static const unsigned char s1[] = "v=spf1 ", s2[] = "-all";
	const unsigned char *strs[3] = { s1, s2, (const unsigned char *)"" };
	size_t lens[3] = { 7, 4, 0 };
	struct vouch_dns_answer *a;
	struct vouch_ip ip;

	(void)state;
	assert_int_equal(vouch_dns_answer_new("q.example", VOUCH_DNS_TXT,
	    VOUCH_DNS_FOUND, &a), 0);
	assert_string_equal(a->canonical, "q.example");
	assert_int_equal(vouch_dns_answer_add_txt(a, VOUCH_DNS_TXT, 300,
	    strs, lens, 3), 0);
	assert_int_equal(vouch_dns_answer_add_mx(a, 200, 10, "mx.example"),
	    0);
	assert_int_equal(vouch_dns_answer_add_name(a, VOUCH_DNS_PTR, 100,
	    "p.example"), 0);
	vouch_ip_parse("2001:db8::5", &ip);
	assert_int_equal(vouch_dns_answer_add_ip(a, 400, &ip), 0);
	assert_int_equal(vouch_dns_answer_set_canonical(a, "c.example"), 0);
	assert_int_equal(vouch_dns_answer_set_reason(a, "why"), 0);
	assert_int_equal(a->count, 4);
	assert_int_equal(a->ttl, 100);
	assert_string_equal(a->canonical, "c.example");
	assert_string_equal(a->reason, "why");
	assert_int_equal(a->rr[0].type, VOUCH_DNS_TXT);
	assert_int_equal(a->rr[0].u.txt.len, 11);
	assert_string_equal(a->rr[0].u.txt.data, "v=spf1 -all");
	assert_int_equal(a->rr[0].u.txt.nstrings, 3);
	assert_int_equal(a->rr[0].u.txt.lengths[0], 7);
	assert_int_equal(a->rr[0].u.txt.lengths[1], 4);
	assert_int_equal(a->rr[0].u.txt.lengths[2], 0);
	assert_int_equal(a->rr[1].u.mx.preference, 10);
	assert_string_equal(a->rr[1].u.mx.exchange, "mx.example");
	assert_string_equal(a->rr[2].u.name, "p.example");
	assert_int_equal(a->rr[3].type, VOUCH_DNS_AAAA);
	assert_int_equal(a->rr[3].u.ip.family, 6);
	/* Bad arguments and limits. */
	lens[0] = 70000;
	assert_int_equal(vouch_dns_answer_add_txt(a, VOUCH_DNS_TXT, 1, strs,
	    lens, 1), VOUCH_EINVAL);
	ip.family = 0;
	assert_int_equal(vouch_dns_answer_add_ip(a, 1, &ip), VOUCH_EINVAL);
	assert_int_equal(vouch_dns_answer_add_mx(a, 1, 1, NULL), VOUCH_EINVAL);
	assert_int_equal(a->count, 4);
	vouch_dns_answer_free(a);
	assert_int_equal(vouch_dns_answer_new(NULL, 1, VOUCH_DNS_FOUND, &a),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_dns_answer_new("x", 1, 7, &a), VOUCH_EINVAL);
	vouch_dns_answer_free(NULL);
}

/* An answer is capped: a backend cannot make one grow without bound. */
static void
test_builder_cap(void **state)
{
	static unsigned char big[60000];
	const unsigned char *s = big;
	size_t len = sizeof(big);
	struct vouch_dns_answer *a;
	int i, rc = 0;

	(void)state;
	assert_int_equal(vouch_dns_answer_new("q.example", VOUCH_DNS_TXT,
	    VOUCH_DNS_FOUND, &a), 0);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = vouch_dns_answer_add_txt(a, VOUCH_DNS_TXT, 1, &s, &len, 1);
	assert_int_equal(rc, VOUCH_ELIMIT);
	assert_true(a->count > 1 && a->count < 100);
	vouch_dns_answer_free(a);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(vouch_dns_status_name(VOUCH_DNS_FOUND), "found");
	assert_string_equal(vouch_dns_status_name(VOUCH_DNS_NXDOMAIN),
	    "nxdomain");
	assert_string_equal(vouch_dns_status_name(VOUCH_DNS_NODATA), "nodata");
	assert_string_equal(vouch_dns_status_name(VOUCH_DNS_RETRY), "retry");
	assert_string_equal(vouch_dns_type_name(1), "A");
	assert_string_equal(vouch_dns_type_name(16), "TXT");
	assert_string_equal(vouch_dns_type_name(28), "AAAA");
	assert_string_equal(vouch_dns_type_name(99), "SPF");
	assert_string_equal(vouch_dns_type_name(15), "MX");
	assert_string_equal(vouch_dns_type_name(12), "PTR");
	assert_string_equal(vouch_dns_type_name(5), "CNAME");
	assert_string_equal(vouch_dns_type_name(65000), "TYPE65000");
	assert_string_equal(vouch_dns_type_name(0), "TYPE0");
}

static struct vouch_dns *
zone(const char *text)
{
	struct vouch_error err;
	struct vouch_dns *d = NULL;

	memset(&err, 0, sizeof(err));
	if (vouch_dns_zone_new_text(text, strlen(text), NULL, &d, &err) != 0)
		fail_msg("zone: %s", err.msg);
	return d;
}

static enum vouch_dns_status
status_of(struct vouch_dns *d, const char *name, uint16_t type,
    uint32_t *ttl)
{
	struct vouch_dns_answer *a;
	enum vouch_dns_status st;

	assert_int_equal(vouch_dns_query(d, name, type, &a), 0);
	st = a->status;
	if (ttl != NULL)
		*ttl = a->ttl;
	vouch_dns_answer_free(a);
	return st;
}

/* dns.h: the zone answers when it has records of the type at the name
 * or a failure directive for it; otherwise the fallback does. */
static void
test_overlay(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct vouch_dns *fb = NULL, *o = NULL;
	uint32_t ttl;

	(void)state;
	assert_non_null(f);
	assert_int_equal(vouch_dns_new(&fake_heap_methods, f, &fb), 0);
	assert_int_equal(vouch_dns_overlay_new(zone(
	    "a.example. 7 TXT \"zone\"\n"
	    "$SERVFAIL broken.example.\n"
	    "$TIMEOUT a.example. MX\n"), fb, &o), 0);
	assert_string_equal(vouch_dns_backend(o), "overlay");
	assert_int_equal(vouch_dns_log_enable(o, 1), 0);
	/* The zone has it. */
	assert_int_equal(status_of(o, "a.example", VOUCH_DNS_TXT, &ttl),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ttl, 7);
	assert_int_equal(f->calls, 0);
	/* NODATA in the zone: the fallback answers (TTL 42). */
	assert_int_equal(status_of(o, "a.example", VOUCH_DNS_A, &ttl),
	    VOUCH_DNS_FOUND);
	assert_int_equal(ttl, 42);
	assert_int_equal(f->calls, 1);
	/* NXDOMAIN in the zone: the fallback too. */
	assert_int_equal(status_of(o, "b.example", VOUCH_DNS_A, &ttl),
	    VOUCH_DNS_FOUND);
	assert_int_equal(f->calls, 2);
	assert_string_equal(f->last, "b.example");
	/* Failure directives are the zone's answer. */
	assert_int_equal(status_of(o, "broken.example", VOUCH_DNS_A, NULL),
	    VOUCH_DNS_RETRY);
	assert_int_equal(status_of(o, "a.example", VOUCH_DNS_MX, NULL),
	    VOUCH_DNS_RETRY);
	assert_int_equal(f->calls, 2);
	assert_int_equal(vouch_dns_log_count(o), 5);
	vouch_dns_free(o);
	/* Ownership of both handles passes even on failure. */
	assert_int_equal(vouch_dns_overlay_new(zone(""), NULL, &o),
	    VOUCH_EINVAL);
	assert_null(o);
}

struct worker {
	struct vouch_dns *d;
	int id;
	int bad;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct vouch_dns_answer *a;
	char name[64];
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "h%d.t%d.example", i % 7, w->id);
		if (vouch_dns_query(w->d, name, VOUCH_DNS_A, &a) != 0) {
			w->bad++;
			continue;
		}
		if (a->status != (i % 7 < 3 ? VOUCH_DNS_FOUND :
		    VOUCH_DNS_NXDOMAIN))
			w->bad++;
		vouch_dns_answer_free(a);
	}
	return NULL;
}

/* dns.h: shipped backends may be queried from several threads at once;
 * the log is locked. */
static void
test_threads(void **state)
{
	struct worker w[4];
	pthread_t t[4];
	struct vouch_dns *d;
	int i;

	(void)state;
	d = zone("$ORIGIN example.\n"
	    "h0.t0 A 192.0.2.1\nh1.t0 A 192.0.2.1\nh2.t0 A 192.0.2.1\n"
	    "h0.t1 A 192.0.2.1\nh1.t1 A 192.0.2.1\nh2.t1 A 192.0.2.1\n"
	    "h0.t2 A 192.0.2.1\nh1.t2 A 192.0.2.1\nh2.t2 A 192.0.2.1\n"
	    "h0.t3 A 192.0.2.1\nh1.t3 A 192.0.2.1\nh2.t3 A 192.0.2.1\n");
	assert_int_equal(vouch_dns_log_enable(d, 1), 0);
	for (i = 0; i < 4; i++) {
		w[i].d = d;
		w[i].id = i;
		w[i].bad = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].bad, 0);
	}
	assert_int_equal(vouch_dns_log_count(d), 8000);
	vouch_dns_free(d);
}

/* Every allocation may fail: the call then says VOUCH_ENOMEM and leaks
 * nothing (ASan checks the second half). */
static void
test_alloc_failures(void **state)
{
	struct vouch_dns_answer *a;
	struct vouch_dns *d;
	struct fake f;
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		d = NULL;
		a = NULL;
		memset(&f, 0, sizeof(f));
		failalloc_set(n);
		rc = vouch_dns_new(&fake_methods, &f, &d);
		if (rc == 0)
			rc = vouch_dns_log_enable(d, 1);
		if (rc == 0)
			rc = vouch_dns_query(d, "x.example", VOUCH_DNS_A, &a);
		failalloc_set(0);
		if (rc == 0) {
			assert_int_equal(a->count, 1);
			vouch_dns_answer_free(a);
			vouch_dns_free(d);
			break;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_null(a);
		vouch_dns_free(d);
	}
	assert_true(n > 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_name_checks),
		cmocka_unit_test(test_name_canonical),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_builder_cap),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
