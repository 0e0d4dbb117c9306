/*
 * test_report_classify.c - the classification of sending sources and the
 * alignment replay (vouch/report.h, "Analysis"): each rule R1-R7 and each
 * fix F1-F7 of docs/reports.md ("Analysis and classification"), on both
 * sides of every threshold (90 %, 50 %, 10 % of the messages, with counts
 * that do not divide evenly so that rounding shows), the exact fix texts,
 * and identifier alignment (RFC 9989 3.2.10) with the Public Suffix List
 * from shared/corpora.  The inputs are constructed here; each expected
 * outcome is what the documented rule says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/report.h>

#include "testutil.h"

#define AUTH VOUCH_REPORT_AUTHORIZED
#define FAILING VOUCH_REPORT_AUTHORIZED_FAILING
#define FWD VOUCH_REPORT_FORWARDED
#define UNAUTH VOUCH_REPORT_UNAUTHORIZED

/* A source of m messages with the given DMARC, aligned SPF and aligned
 * DKIM passes; no domains, no service. */
static struct vouch_report_source
src(uint64_t m, uint64_t pass, uint64_t spf_al, uint64_t dkim_al)
{
	struct vouch_report_source s;

	memset(&s, 0, sizeof(s));
	s.domain = "example.com";
	s.messages = m;
	s.dmarc_pass = pass;
	s.spf_aligned = s.spf_pass = spf_al;
	s.dkim_aligned = s.dkim_pass = dkim_al;
	return s;
}

static void
with_domains(struct vouch_report_source *s,
    const struct vouch_report_authdom *spf, size_t nspf,
    const struct vouch_report_authdom *dkim, size_t ndkim)
{
	s->spf = spf;
	s->nspf = nspf;
	s->dkim = dkim;
	s->ndkim = ndkim;
}

static enum vouch_report_class
cls(const struct vouch_report_source *s)
{
	struct vouch_report_classification c;

	vouch_report_classify(s, &c);
	return c.cls;
}

static int
has_reason(const struct vouch_report_classification *c, const char *text)
{
	size_t i;

	for (i = 0; i < c->nreasons; i++)
		if (strcmp(c->reasons[i], text) == 0)
			return 1;
	return 0;
}

/* R1: no messages. */
static void
test_r1_empty(void **state)
{
	struct vouch_report_source s = src(0, 0, 0, 0);
	struct vouch_report_classification c;

	(void)state;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, UNAUTH);
	assert_int_equal(c.nreasons, 1);
	assert_string_equal(c.reasons[0], "no messages reported");
	assert_int_equal(c.nfixes, 0);
}

/* R2: forwarding reported for at least half, SPF aligned for less. */
static void
test_r2_forwarding_reported(void **state)
{
	struct vouch_report_source s = src(10, 0, 0, 0);
	struct vouch_report_classification c;

	(void)state;
	s.forwarded = 5;			/* 50 % */
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FWD);
	assert_true(has_reason(&c, "the receivers report forwarding "
	    "(forwarded, mailing_list, trusted_forwarder or arc=pass) for 5 of "
	    "10 messages"));
	assert_true(has_reason(&c, "10 of 10 messages fail DMARC after "
	    "forwarding"));
	/* F6: no aligned DKIM domain at all. */
	assert_int_equal(c.nfixes, 1);
	assert_string_equal(c.fixes[0], "sign with DKIM for your domain: a "
	    "signature survives forwarding, SPF does not");

	s = src(9, 0, 0, 0);
	s.forwarded = 4;			/* 44.4 %: below half */
	assert_int_equal(cls(&s), UNAUTH);
	s.forwarded = 5;			/* 55.6 % */
	assert_int_equal(cls(&s), FWD);

	/* SPF aligned for half the mail: the domain's own server, whatever
	 * the reasons say (R2 does not apply; 50 % pass gives R6). */
	s = src(10, 5, 5, 0);
	s.forwarded = 10;
	assert_int_equal(cls(&s), FAILING);
	s.spf_aligned = 4;
	assert_int_equal(cls(&s), FWD);
}

/* R2 beats R3: a known service's domain in the results of a source that
 * the receivers say is forwarding. */
static void
test_r2_before_service(void **state)
{
	struct vouch_report_authdom dk[] = {
		{ "example.com", 4, 4, 1, 0 },
		{ "tenant.onmicrosoft.com", 4, 4, 0, 1 },
	};
	struct vouch_report_source s = src(4, 0, 0, 0);
	struct vouch_report_classification c;

	(void)state;
	with_domains(&s, NULL, 0, dk, 2);
	s.service = "Microsoft 365";
	s.forwarded = 4;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FWD);
	/* F7: an aligned DKIM domain exists, the relay broke it. */
	assert_int_equal(c.nfixes, 1);
	assert_string_equal(c.fixes[0], "the relay alters messages and "
	    "breaks DKIM: ask it to forward them unmodified, or to add ARC "
	    "(RFC 8617)");
}

/* R3: a service's domain in the results; 90 % decides. */
static void
test_r3_service(void **state)
{
	struct vouch_report_authdom dk[] = {
		{ "sendgrid.net", 100, 100, 0, 1 },
	};
	struct vouch_report_source s = src(100, 90, 90, 0);
	struct vouch_report_classification c;

	(void)state;
	with_domains(&s, NULL, 0, dk, 1);
	s.service = "SendGrid";
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, AUTH);
	assert_true(has_reason(&c, "known service SendGrid: d=sendgrid.net "
	    "in its DKIM results"));
	assert_true(has_reason(&c, "passes DMARC for 90 of 100 messages "
	    "(90.0 %)"));
	s.dmarc_pass = s.spf_aligned = 89;
	assert_int_equal(cls(&s), FAILING);

	/* 90 % of 11 is 9.9: 10 passes are enough, 9 are not. */
	s = src(11, 10, 10, 0);
	with_domains(&s, NULL, 0, dk, 1);
	s.service = "SendGrid";
	assert_int_equal(cls(&s), AUTH);
	s.dmarc_pass = 9;
	assert_int_equal(cls(&s), FAILING);

	/* Found through an SPF domain: said so, without "d=". */
	{
		struct vouch_report_authdom sp[] = {
			{ "amazonses.com", 8, 8, 0, 1 },
		};
		struct vouch_report_source a = src(8, 8, 0, 8);

		with_domains(&a, sp, 1, NULL, 0);
		a.service = "Amazon SES";
		vouch_report_classify(&a, &c);
		assert_int_equal(c.cls, AUTH);	/* R3 comes before R4 */
		assert_true(has_reason(&c, "known service Amazon SES: "
		    "amazonses.com in its SPF results"));
		assert_int_equal(c.nfixes, 0);
	}
}

/* R3 with the failing part diagnosed: F1 (include known) and F4. */
static void
test_r3_fixes_sendgrid(void **state)
{
	struct vouch_report_authdom sp[] = {
		{ "example.com", 20, 0, 1, 0 },
	};
	struct vouch_report_authdom dk[] = {
		{ "sendgrid.net", 20, 20, 0, 1 },
	};
	struct vouch_report_source s = src(20, 0, 0, 0);
	struct vouch_report_classification c;

	(void)state;
	with_domains(&s, sp, 1, dk, 1);
	s.dkim_pass = 20;
	s.service = "SendGrid";
	s.spf_include = "sendgrid.net";
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FAILING);
	assert_true(has_reason(&c, "SPF fails for example.com on 20 of 20 "
	    "messages"));
	assert_true(has_reason(&c, "DKIM passes for d=sendgrid.net, which "
	    "is not aligned with example.com"));
	assert_int_equal(c.nfixes, 2);
	assert_string_equal(c.fixes[0], "SPF include missing: add "
	    "include:sendgrid.net to the SPF record of example.com");
	assert_string_equal(c.fixes[1], "DKIM not aligned: signs as "
	    "d=sendgrid.net; set up signing with your domain");

	/* F1 without a known include. */
	s.spf_include = NULL;
	vouch_report_classify(&s, &c);
	assert_string_equal(c.fixes[0], "SPF fails: authorize this source "
	    "in the SPF record of example.com");

	/* Half the aligned SPF results pass: not a missing include. */
	sp[0].pass = 10;
	s.dmarc_pass = s.spf_aligned = 10;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FAILING);
	assert_int_equal(c.nfixes, 1);
	assert_string_equal(c.fixes[0], "DKIM not aligned: signs as "
	    "d=sendgrid.net; set up signing with your domain");
	/* 9 of 20 pass: under half, F1 again. */
	sp[0].pass = 9;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.nfixes, 2);
	assert_string_equal(c.fixes[0], "SPF fails: authorize this source "
	    "in the SPF record of example.com");
}

/* R4: SPF does not align for most, aligned DKIM passes for half. */
static void
test_r4_dkim_only(void **state)
{
	struct vouch_report_source s = src(10, 5, 4, 5);
	struct vouch_report_classification c;

	(void)state;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FWD);
	assert_true(has_reason(&c, "SPF does not align for 6 of 10 messages "
	    "while aligned DKIM passes for 5: relayed with the signature "
	    "intact"));
	s.dkim_aligned = 4;			/* under half: R4 off */
	s.dmarc_pass = 4;
	assert_int_equal(cls(&s), FAILING);	/* R6: 40 % */
	s = src(10, 10, 5, 10);		/* SPF aligned for half */
	assert_int_equal(cls(&s), AUTH);	/* R5 */
	/* A spoofer signing with its own domain never reaches R4: its DKIM
	 * passes are not aligned. */
	s = src(10, 0, 0, 0);
	s.dkim_pass = 10;
	assert_int_equal(cls(&s), UNAUTH);
	/* Everything passes through DKIM alone: forwarded, nothing to fix. */
	s = src(3, 3, 0, 3);
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FWD);
	assert_int_equal(c.nfixes, 0);
}

/* R5 and R6: the DMARC pass share, 90 % and 10 %. */
static void
test_r5_r6_shares(void **state)
{
	struct vouch_report_source s;
	struct vouch_report_classification c;

	(void)state;
	s = src(100, 90, 90, 0);
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, AUTH);
	assert_string_equal(c.reasons[0], "passes DMARC for 90 of 100 "
	    "messages (90.0 %)");
	s = src(100, 89, 89, 0);
	assert_int_equal(cls(&s), FAILING);
	s = src(100, 10, 10, 0);
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FAILING);
	assert_string_equal(c.reasons[0], "passes DMARC for 10 of 100 "
	    "messages (10.0 %)");
	s = src(100, 9, 9, 0);
	assert_int_equal(cls(&s), UNAUTH);
	/* 10 % of 11 is 1.1: 2 passes are needed. */
	s = src(11, 2, 2, 0);
	assert_int_equal(cls(&s), FAILING);
	s = src(11, 1, 1, 0);
	assert_int_equal(cls(&s), UNAUTH);
	/* Counts near the top of uint64_t do not overflow. */
	s = src(UINT64_MAX, UINT64_MAX - UINT64_MAX / 10, UINT64_MAX, 0);
	assert_int_equal(cls(&s), AUTH);
	s.dmarc_pass--;
	assert_int_equal(cls(&s), FAILING);
}

/* R7: nothing vouches for the source. */
static void
test_r7_unauthorized(void **state)
{
	struct vouch_report_authdom sp[] = {
		{ "spoofer.example", 7, 7, 0, 0 },
	};
	struct vouch_report_source s = src(7, 0, 0, 0);
	struct vouch_report_classification c;

	(void)state;
	with_domains(&s, sp, 1, NULL, 0);
	s.spf_pass = 7;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, UNAUTH);
	assert_string_equal(c.reasons[0], "passes DMARC for 0 of 7 messages "
	    "(0.0 %)");
	assert_true(has_reason(&c, "no known sending service in its SPF or "
	    "DKIM results"));
	assert_int_equal(c.nfixes, 0);
	/* A service known by reverse DNS only does not vouch. */
	s.service = "Google Workspace";
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, UNAUTH);
	assert_true(has_reason(&c, "reverse DNS names Google Workspace, but "
	    "none of its domains is in the SPF or DKIM results"));
}

/* F2, F3, F5 on an R6 source, and none on a clean one. */
static void
test_fixes_other(void **state)
{
	struct vouch_report_authdom sp[] = {
		{ "bounces.esp.example", 10, 10, 0, 0 },
	};
	struct vouch_report_authdom dk[] = {
		{ "example.com", 10, 4, 1, 0 },
	};
	struct vouch_report_source s = src(10, 4, 0, 4);
	struct vouch_report_classification c;

	(void)state;
	with_domains(&s, sp, 1, dk, 1);
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FAILING);	/* R6: 40 % */
	assert_int_equal(c.nfixes, 2);
	assert_string_equal(c.fixes[0], "SPF not aligned: the return path is "
	    "bounces.esp.example; use a return-path (MAIL FROM) domain under "
	    "example.com");
	assert_string_equal(c.fixes[1], "DKIM fails for d=example.com: check "
	    "the key published for its selector, and that nothing alters "
	    "the message on the way");
	assert_true(has_reason(&c, "DKIM fails for d=example.com on 6 of 10 "
	    "messages"));

	/* No DKIM result at all: F5.  SPF aligned and passing for most
	 * (intermittent failures): no SPF fix. */
	{
		struct vouch_report_authdom own[] = {
			{ "example.com", 10, 9, 1, 0 },
		};

		s = src(10, 9, 9, 0);
		with_domains(&s, own, 1, NULL, 0);
		vouch_report_classify(&s, &c);
		assert_int_equal(c.cls, AUTH);
		assert_int_equal(c.nfixes, 1);
		assert_string_equal(c.fixes[0], "no DKIM signature: set up "
		    "DKIM signing with your domain");
		/* All pass: nothing to fix. */
		s.dmarc_pass = 10;
		vouch_report_classify(&s, &c);
		assert_int_equal(c.nfixes, 0);
	}
	/* No header From domain known: the fix says "your domain". */
	s = src(10, 4, 0, 4);
	with_domains(&s, sp, 1, dk, 1);
	s.domain = NULL;
	vouch_report_classify(&s, &c);
	assert_string_equal(c.fixes[0], "SPF not aligned: the return path is "
	    "bounces.esp.example; use a return-path (MAIL FROM) domain under "
	    "your domain");
}

/* A domain of 1,000 bytes (the parser's field cap) is cut at 253 and
 * the text stays within its buffer. */
static void
test_long_names(void **state)
{
	static char longname[1001];
	struct vouch_report_authdom dk[] = {
		{ longname, 5, 5, 0, 0 },
	};
	struct vouch_report_source s = src(5, 1, 1, 0);
	struct vouch_report_classification c;
	char want[400];

	(void)state;
	memset(longname, 'a', 1000);
	with_domains(&s, NULL, 0, dk, 1);
	s.domain = longname;
	vouch_report_classify(&s, &c);
	assert_int_equal(c.cls, FAILING);	/* R6: 20 % */
	assert_int_equal(c.nfixes, 1);
	want[0] = '\0';
	assert_int_equal(tu_append(want, sizeof(want), "DKIM not aligned: "
	    "signs as d=%.253s; set up signing with your domain", longname), 0);
	assert_string_equal(c.fixes[0], want);
	assert_true(strlen(c.reasons[c.nreasons - 1]) <
	    VOUCH_REPORT_TEXT_MAX);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(vouch_report_class_name(AUTH), "authorized");
	assert_string_equal(vouch_report_class_name(FAILING),
	    "authorized-failing");
	assert_string_equal(vouch_report_class_name(FWD), "forwarded");
	assert_string_equal(vouch_report_class_name(UNAUTH), "unauthorized");
	assert_true(vouch_report_class_legitimate(AUTH));
	assert_true(vouch_report_class_legitimate(FAILING));
	assert_true(vouch_report_class_legitimate(FWD));
	assert_false(vouch_report_class_legitimate(UNAUTH));
}

/* RFC 9989 3.2.10: strict is equality, relaxed the same organizational
 * domain (RFC 7489 3.2 with the corpus's list: co.uk is a suffix). */
static void
test_aligned(void **state)
{
	struct vouch_psl *psl = NULL;
	struct vouch_error err;

	(void)state;
	assert_int_equal(vouch_psl_load(tu_corpus_path(
	    "publicsuffix/public_suffix_list.dat"), &psl, &err), 0);
	assert_true(vouch_report_aligned(psl, "example.com", "example.com",
	    1));
	assert_true(vouch_report_aligned(psl, "Example.COM.", "example.com",
	    1));
	assert_false(vouch_report_aligned(psl, "mail.example.com",
	    "example.com", 1));
	assert_true(vouch_report_aligned(psl, "mail.example.com",
	    "news.example.com", 0));
	assert_true(vouch_report_aligned(psl, "bounce.shop.example.co.uk",
	    "example.co.uk", 0));
	assert_false(vouch_report_aligned(psl, "a.co.uk", "b.co.uk", 0));
	assert_false(vouch_report_aligned(psl, "co.uk", "example.co.uk", 0));
	assert_false(vouch_report_aligned(psl, "sendgrid.net", "example.com",
	    0));
	assert_false(vouch_report_aligned(psl, NULL, "example.com", 0));
	assert_false(vouch_report_aligned(psl, "", "example.com", 0));
	assert_false(vouch_report_aligned(psl, "a..example.com",
	    "example.com", 0));
	/* The default list gives the same answer for ordinary names. */
	assert_true(vouch_report_aligned(NULL, "mail.example.com",
	    "example.com", 0));
	vouch_psl_free(psl);
}

static void
test_realign(void **state)
{
	const struct vouch_report_dkim dk[] = {
		{ "mail.example.com", "s1", "pass", NULL },
		{ "example.com", "s2", "fail", NULL },
	};
	const struct vouch_report_spf mfrom_fail_helo_pass[] = {
		{ "example.com", "mfrom", "fail", NULL },
		{ "mx.example.com", "helo", "pass", NULL },
	};
	const struct vouch_report_spf helo_only[] = {
		{ "mx.example.com", "helo", "pass", NULL },
	};
	const struct vouch_report_spf unscoped[] = {
		{ "bounce.example.com", NULL, "pass", NULL },
	};
	int spf, dkim;

	(void)state;
	/* Relaxed: d=mail.example.com aligns with example.com. */
	vouch_report_realign(NULL, "example.com", dk, 2, unscoped, 1, 0, 0,
	    &spf, &dkim);
	assert_true(spf);
	assert_true(dkim);
	/* Strict: neither subdomain aligns; d=example.com failed. */
	vouch_report_realign(NULL, "example.com", dk, 2, unscoped, 1, 1, 1,
	    &spf, &dkim);
	assert_false(spf);
	assert_false(dkim);
	/* HELO counts only without a MAIL FROM result. */
	vouch_report_realign(NULL, "example.com", NULL, 0,
	    mfrom_fail_helo_pass, 2, 0, 0, &spf, &dkim);
	assert_false(spf);
	vouch_report_realign(NULL, "example.com", NULL, 0, helo_only, 1, 0, 0,
	    &spf, &dkim);
	assert_true(spf);
	assert_false(dkim);
	/* -1 (absent in the report) is relaxed. */
	vouch_report_realign(NULL, "example.com", dk, 1, NULL, 0, -1, -1,
	    &spf, &dkim);
	assert_false(spf);
	assert_true(dkim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r1_empty),
		cmocka_unit_test(test_r2_forwarding_reported),
		cmocka_unit_test(test_r2_before_service),
		cmocka_unit_test(test_r3_service),
		cmocka_unit_test(test_r3_fixes_sendgrid),
		cmocka_unit_test(test_r4_dkim_only),
		cmocka_unit_test(test_r5_r6_shares),
		cmocka_unit_test(test_r7_unauthorized),
		cmocka_unit_test(test_fixes_other),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_realign),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
