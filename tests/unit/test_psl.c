/*
 * test_psl.c - Public Suffix List lookups and the per-thread name memo
 * they keep their answers in (lib/util/psl.c, lib/dmarc/dmarc_psl.c).
 *
 * Expected organizational domains follow the list's own algorithm
 * (publicsuffix.org "Formal algorithm", as RFC 7489 3.2 uses it): the
 * longest matching rule is the public suffix, the organizational domain
 * is one label more, and a name that is a public suffix is its own.  Two
 * small lists written here differ in one rule, so the same name has a
 * different answer under each: a memo that answered from the wrong list
 * (one freed, another loaded where it was) shows.
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

#include <vouch/dmarc.h>

#include "util/util.h"

/* The memo's own rules: hits, the data-set number, long names. */
static void
test_memo(void **state)
{
	static struct vouch__memo m;	/* zeroed: empty */
	char longname[300];
	int v = -7, i;

	(void)state;
	assert_false(vouch__memo_get(&m, 1, "example.com", &v));
	assert_int_equal(v, -7);
	vouch__memo_put(&m, 1, "example.com", 4);
	assert_true(vouch__memo_get(&m, 1, "example.com", &v));
	assert_int_equal(v, 4);
	/* another data set, another name: misses */
	assert_false(vouch__memo_get(&m, 2, "example.com", &v));
	assert_false(vouch__memo_get(&m, 1, "example.org", &v));
	assert_false(vouch__memo_get(&m, 1, "example.co", &v));
	/* a newer answer replaces the older */
	vouch__memo_put(&m, 2, "example.com", 0);
	assert_true(vouch__memo_get(&m, 2, "example.com", &v));
	assert_int_equal(v, 0);
	assert_false(vouch__memo_get(&m, 1, "example.com", &v));
	/* names of 256 octets or more are not kept */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	vouch__memo_put(&m, 1, longname, 9);
	assert_false(vouch__memo_get(&m, 1, longname, &v));
	longname[256] = '\0';
	vouch__memo_put(&m, 1, longname, 9);
	assert_false(vouch__memo_get(&m, 1, longname, &v));
	longname[255] = '\0';
	vouch__memo_put(&m, 1, longname, 9);
	assert_true(vouch__memo_get(&m, 1, longname, &v));
	assert_int_equal(v, 9);
	/* more names than slots: every answer given is the right one */
	for (i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "n%d.example", i);
		vouch__memo_put(&m, 3, name, i);
	}
	for (i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "n%d.example", i);
		if (vouch__memo_get(&m, 3, name, &v))
			assert_int_equal(v, i);
	}
}

static char *
write_list(const char *rules)
{
	char tmpl[] = "/tmp/vouch-test-psl-XXXXXX";
	int fd = mkstemp(tmpl);
	size_t n = strlen(rules);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, rules, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	return strdup(tmpl);
}

static const char *
org(const struct vouch_psl *psl, const char *domain, char *buf, size_t len)
{
	assert_int_equal(vouch_psl_org_domain(psl, domain, buf, len), 0);
	return buf;
}

/* The same name under two lists, alive together and one after the
 * other, asked repeatedly (the memo answers from the second ask on). */
static void
test_two_lists(void **state)
{
	char *fa = write_list("// ===BEGIN ICANN DOMAINS===\n"
	    "test\n// ===END ICANN DOMAINS===\n");
	char *fb = write_list("// ===BEGIN ICANN DOMAINS===\n"
	    "test\nb.test\n// ===END ICANN DOMAINS===\n");
	struct vouch_psl *a = NULL, *b = NULL;
	struct vouch_error err;
	char buf[256];
	int round;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(vouch_psl_load(fa, &a, &err), 0);
	assert_int_equal(vouch_psl_load(fb, &b, &err), 0);
	for (round = 0; round < 3; round++) {
		assert_string_equal(org(a, "x.a.b.test", buf, sizeof(buf)),
		    "b.test");
		assert_string_equal(org(b, "x.a.b.test", buf, sizeof(buf)),
		    "a.b.test");
		/* a public suffix is its own organizational domain */
		assert_string_equal(org(b, "b.test", buf, sizeof(buf)),
		    "b.test");
		assert_string_equal(org(a, "b.test", buf, sizeof(buf)),
		    "b.test");
	}
	/* free one, load the other in its place: the answers follow */
	vouch_psl_free(a);
	a = NULL;
	assert_int_equal(vouch_psl_load(fb, &a, &err), 0);
	for (round = 0; round < 2; round++)
		assert_string_equal(org(a, "x.a.b.test", buf, sizeof(buf)),
		    "a.b.test");
	vouch_psl_free(a);
	assert_int_equal(vouch_psl_load(fa, &a, &err), 0);
	for (round = 0; round < 2; round++)
		assert_string_equal(org(a, "x.a.b.test", buf, sizeof(buf)),
		    "b.test");
	/* a short buffer is refused every time, memo or not */
	for (round = 0; round < 2; round++)
		assert_int_equal(vouch_psl_org_domain(a, "x.a.b.test", buf, 6),
		    VOUCH_ELIMIT);
	vouch_psl_free(a);
	vouch_psl_free(b);
	unlink(fa);
	unlink(fb);
	free(fa);
	free(fb);
}

/* The built-in check for d=: ICANN suffixes only, asked twice each. */
static void
test_is_public_suffix(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		assert_true(vouch__is_public_suffix("com"));
		assert_true(vouch__is_public_suffix("co.uk"));
		assert_false(vouch__is_public_suffix("example.com"));
		assert_false(vouch__is_public_suffix("example.co.uk"));
		/* unlisted TLDs are not suffixes: test domains stay usable */
		assert_false(vouch__is_public_suffix("example"));
		assert_false(vouch__is_public_suffix("test"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_two_lists),
		cmocka_unit_test(test_is_public_suffix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
