/*
 * test_dmarc_record.c - the DMARC policy record (RFC 9989 4.7, 4.8,
 * 4.10.1).  Expected values come from the RFC: the appendix B.2 records,
 * the ABNF and table 2, appendix C.5.2 (removed tags), 4.10.1 (what an
 * invalid p/sp/np means); the records published in
 * shared/corpora/authentication-milter/zonefile; and a hostile input for
 * every rule and limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc/dmarc_record.h"
#include "failalloc.h"
#include "testutil.h"

#define V "v=DMARC1; "

static struct vouch_dmarc_record *
parse_n(const char *s, size_t n)
{
	struct vouch_dmarc_record *r = NULL;
	int rc = vouch_dmarc_record_parse(s, n, &r);

	if (rc != 0 || r == NULL)
		fail_msg("'%.60s' should parse: %d", s, rc);
	return r;
}

static struct vouch_dmarc_record *
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/*
 * The record's values in words, only those that differ from the
 * defaults, then the state, then "|" and the finding codes:
 * "p=reject rua=1 apply|removed-tag".  with_codes 0 leaves out "|...".
 */
static void
summary(const struct vouch_dmarc_record *r, char *buf, size_t len,
    int with_codes)
{
	static const char *const state[] = { "apply", "as-none", "ignore" };
	static const char *const psd[] = { "", "y", "n", "u" };
	size_t i;

	buf[0] = '\0';
	if (r->p != VOUCH_DMARC_POLICY_UNSET)
		(void)tu_append(buf, len, "p=%s ", vouch_dmarc_policy_name(r->p));
	if (r->sp != VOUCH_DMARC_POLICY_UNSET)
		(void)tu_append(buf, len, "sp=%s ", vouch_dmarc_policy_name(r->sp));
	if (r->np != VOUCH_DMARC_POLICY_UNSET)
		(void)tu_append(buf, len, "np=%s ", vouch_dmarc_policy_name(r->np));
	(void)tu_append(buf, len, "%s%s%s", r->adkim_strict ? "adkim=s " : "",
	    r->aspf_strict ? "aspf=s " : "", r->testing ? "t=y " : "");
	if (r->psd != VOUCH_DMARC_PSD_UNSET)
		(void)tu_append(buf, len, "psd=%s ", psd[r->psd]);
	if (r->fo != VOUCH_DMARC_FO_0) {
		(void)tu_append(buf, len, "fo=");
		for (i = 0; i < 4; i++)
			if (r->fo & (1u << i))
				(void)tu_append(buf, len, "%c", "01ds"[i]);
		(void)tu_append(buf, len, " ");
	}
	if (r->has_pct || r->pct != 100)
		(void)tu_append(buf, len, "pct=%d%s ", r->pct, r->has_pct ? "" : "!");
	if (r->nrua > 0)
		(void)tu_append(buf, len, "rua=%zu ", r->nrua);
	if (r->nruf > 0)
		(void)tu_append(buf, len, "ruf=%zu ", r->nruf);
	(void)tu_append(buf, len, "%s", state[r->state]);
	if (!with_codes)
		return;
	(void)tu_append(buf, len, "|");
	for (i = 0; i < r->nfindings; i++)
		(void)tu_append(buf, len, "%s%s", i > 0 ? "," : "", r->findings[i].code);
}

static void roundtrip(const char *in);

static void
expect(const char *in, const char *want)
{
	struct vouch_dmarc_record *r = parse(in);
	char got[1024];

	summary(r, got, sizeof(got), 1);
	if (strcmp(got, want) != 0)
		fail_msg("'%s':\n  want '%s'\n  got  '%s'", in, want, got);
	vouch_dmarc_record_free(r);
	roundtrip(in);
}

/* The nth finding with code (0: the first), or NULL. */
static const struct vouch_dmarc_finding *
finding(const struct vouch_dmarc_record *r, const char *code, int nth)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (strcmp(r->findings[i].code, code) == 0 && nth-- == 0)
			return &r->findings[i];
	return NULL;
}

static void
check_finding(const struct vouch_dmarc_record *r, const char *code,
    enum vouch_dmarc_severity sev, const char *tag, const char *text)
{
	const struct vouch_dmarc_finding *f = finding(r, code, 0);

	if (f == NULL)
		fail_msg("'%s': no %s finding", r->text, code);
	assert_int_equal(f->severity, sev);
	if (tag == NULL)
		assert_null(f->tag);
	else
		assert_string_equal(f->tag, tag);
	assert_string_equal(f->text, text);
}

/* RFC 9989 B.2.1 - B.2.5, the TXT strings joined (4.5). */
static void
test_rfc_examples(void **state)
{
	struct vouch_dmarc_record *r;

	(void)state;
	/* B.2.1 */
	r = parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
	assert_int_equal(r->p, VOUCH_DMARC_POLICY_NONE);
	assert_int_equal(r->nrua, 1);
	assert_string_equal(r->rua[0], "mailto:dmarc-feedback@example.com");
	assert_int_equal(r->state, VOUCH_DMARC_APPLY);
	assert_false(r->testing || r->adkim_strict || r->aspf_strict);
	assert_int_equal(r->nfindings, 0);
	vouch_dmarc_record_free(r);
	/* B.2.2, B.2.3 */
	expect("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
	    "ruf=mailto:auth-reports@example.com", "p=none rua=1 ruf=1 apply|");
	r = parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
	    "ruf=mailto:auth-reports@thirdparty.example.net");
	assert_int_equal(r->nruf, 1);
	assert_string_equal(r->ruf[0],
	    "mailto:auth-reports@thirdparty.example.net");
	vouch_dmarc_record_free(r);
	/* B.2.3's authorization record: no p and no rua (4.10.1: ignored
	 * as a policy) */
	expect("v=DMARC1;", "ignore|missing-p");
	/* B.2.4: no p, a valid rua: act as p=none (4.10.1) */
	expect("v=DMARC1; rua=mailto:aggregate-reports@thirdparty.example.net; "
	    "ruf=mailto:failure-reports@thirdparty.example.net",
	    "rua=1 ruf=1 as-none|missing-p");
	/* B.2.5, both records */
	r = parse("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example."
	    "com,mailto:tld-test@thirdparty.example.net; t=y");
	assert_int_equal(r->p, VOUCH_DMARC_POLICY_QUARANTINE);
	assert_true(r->testing);
	assert_int_equal(r->nrua, 2);
	assert_string_equal(r->rua[1], "mailto:tld-test@thirdparty.example.net");
	assert_int_equal(r->state, VOUCH_DMARC_APPLY);
	vouch_dmarc_record_free(r);
	expect("v=DMARC1; p=reject; rua=mailto:dmarc-feedback@example.com,"
	    "mailto:tld-test@thirdparty.example.net", "p=reject rua=2 apply|");
}

static void
test_not_dmarc(void **state)
{
	/* 4.7 v: first, value exactly "DMARC1"; 4.8 no leading WSP */
	static const char *const bad[] = {
		"", "v", "v=", "v=DMARC", "v=DMARC2", "v=dmarc1", "v=DMARC1x",
		" v=DMARC1", "\tv=DMARC1; p=none", "p=none; v=DMARC1",
		"v=DMARC1 p=none", "v:DMARC1", "v=DMARC1,p=none", "vv=DMARC1",
		"v=spf1 -all", "v=DKIM1; p=", "=DMARC1", "v==DMARC1",
		"v=\"DMARC1\"",
	};
	struct vouch_dmarc_record *r = (void *)1;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vouch_dmarc_record_parse(bad[i], strlen(bad[i]), &r) !=
		    VOUCH_ENOTFOUND)
			fail_msg("'%s' is not a DMARC record", bad[i]);
		assert_null(r);
	}
	/* a NUL right after DMARC1 is not a dmarc-sep */
	assert_int_equal(vouch_dmarc_record_parse("v=DMARC1\0;p=none", 16, &r),
	    VOUCH_ENOTFOUND);
	assert_int_equal(vouch_dmarc_record_parse(NULL, 0, &r), VOUCH_EINVAL);
	assert_int_equal(vouch_dmarc_record_parse("v=DMARC1", 8, NULL),
	    VOUCH_EINVAL);
	/* "v" is an ABNF string (either case); equals = *WSP "=" *WSP */
	expect("V=DMARC1", "ignore|missing-p");
	expect("v = DMARC1 ;p=none", "p=none apply|");
	expect("v\t=\tDMARC1\t;\tp=reject\t;\t", "p=reject apply|");
	expect("v=DMARC1", "ignore|missing-p");
	expect("v=DMARC1 ", "ignore|missing-p");
	/* the length bounds the read */
	r = parse_n("v=DMARC1; p=reject", 8);
	assert_int_equal(r->p, VOUCH_DMARC_POLICY_UNSET);
	assert_string_equal(r->text, "v=DMARC1");
	vouch_dmarc_record_free(r);
}

/* One row: the tags after "v=DMARC1; ", and the summary wanted. */
struct row {
	const char *in;
	const char *want;
};

static void
run_rows(const struct row *rows, size_t n)
{
	char buf[1024];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), V "%s", rows[i].in);
		expect(buf, rows[i].want);
	}
}

#define RUN(rows) run_rows(rows, sizeof(rows) / sizeof(rows[0]))
#define RUA "rua=mailto:a@example.com"

static void
test_tags(void **state)
{
	static const struct row rows[] = {
		{ "p=none", "p=none apply|" },
		{ "p=quarantine; sp=reject; np=none",
		    "p=quarantine sp=reject np=none apply|" },
		/* 4.8 values are ABNF strings: case-insensitive */
		{ "p=REJECT; SP=Quarantine; Np=NONE",
		    "p=reject sp=quarantine np=none apply|" },
		{ "P=reject; ADKIM=S; Aspf=s; T=Y; PSD=N; FO=D:S",
		    "p=reject adkim=s aspf=s t=y psd=n fo=ds apply|" },
		{ "p=reject; adkim=r; aspf=r; t=n; psd=u; fo=0",
		    "p=reject psd=u apply|" },
		{ "p=reject; psd=y", "p=reject psd=y apply|" },
		{ "p = reject\t;\tsp =none ;", "p=reject sp=none apply|" },
		{ "p=none; ", "p=none apply|" },
		{ "p=reject; ruf=mailto:f@example.com", "p=reject ruf=1 apply|" },
		{ "p=none; " RUA ", mailto:b@example.com",
		    "p=none rua=2 apply|" },
		/* table 2 rules; an empty value breaks 1*dmarc-value */
		{ "p=rejected", "ignore|invalid-value" },
		{ "p=", "ignore|invalid-value" },
		{ "p=re ject", "ignore|invalid-value" },
		{ "p=\"reject\"", "ignore|invalid-value" },
		{ "p=none; adkim=x; aspf=rs; t=yes; psd=true",
		    "p=none apply|invalid-value,invalid-value,invalid-value,"
		    "invalid-value" },
		{ "p=none; adkim=; t=", "p=none apply|invalid-value,"
		    "invalid-value" },
		{ "rua=", "ignore|invalid-value,missing-p" },
		/* appendix C.5.2: removed; pct still read (RFC 7489 6.3) */
		{ "p=none; pct=50; rf=afrf; ri=3600",
		    "p=none pct=50 apply|removed-tag,removed-tag,removed-tag" },
		{ "p=none; rf=; ri=x", "p=none apply|removed-tag,removed-tag" },
		/* 4.7: unknown tags ignored */
		{ "p=none; foo=bar; x=; adkims=s",
		    "p=none apply|unknown-tag,unknown-tag,unknown-tag" },
		/* not tag=value */
		{ "p=none; garbage; =x; p reject; 1p=x; p1=x; -=x",
		    "p=none apply|syntax,syntax,syntax,syntax,syntax,syntax" },
		{ "p=none;; ;sp=reject", "p=none sp=reject apply|syntax,syntax" },
		{ "p=none;;", "p=none apply|syntax" },
		{ "p==reject", "ignore|invalid-value" },
		/* a repeat: the first counts, valid or not */
		{ "p=reject; p=none", "p=reject apply|duplicate-tag" },
		{ "p=bogus; p=reject", "ignore|invalid-value,duplicate-tag" },
		{ "p=none; P=reject", "p=none apply|duplicate-tag" },
		{ "p=none; v=DMARC1", "p=none apply|duplicate-tag" },
		{ "p=none; x=1; X=2", "p=none apply|unknown-tag,duplicate-tag" },
		{ "p=none; pct=5; PCT=10",
		    "p=none pct=5 apply|removed-tag,duplicate-tag" },
		{ "p=none; " RUA "; rua=mailto:b@example.com",
		    "p=none rua=1 apply|duplicate-tag" },
	};

	(void)state;
	RUN(rows);
}

/* 4.10.1: a valid p and sp/np absent or valid apply; otherwise p=none
 * when rua holds a syntactically valid URI; otherwise nothing. */
static void
test_states(void **state)
{
	static const struct row rows[] = {
		{ "p=reject", "p=reject apply|" },
		{ "p=reject; rua=bad", "p=reject apply|invalid-uri" },
		{ "p=reject; sp=bogus", "p=reject ignore|invalid-value" },
		{ "p=reject; np=", "p=reject ignore|invalid-value" },
		{ "p=reject; sp=bogus; " RUA,
		    "p=reject rua=1 as-none|invalid-value" },
		{ "p=reject; np=x; " RUA, "p=reject rua=1 as-none|invalid-value" },
		{ "p=reject; sp=bogus; sp=none; " RUA,
		    "p=reject rua=1 as-none|invalid-value,duplicate-tag" },
		{ "p=bogus; " RUA, "rua=1 as-none|invalid-value" },
		{ RUA, "rua=1 as-none|missing-p" },
		{ "sp=reject", "sp=reject ignore|missing-p" },
		{ "sp=reject; np=reject; " RUA,
		    "sp=reject np=reject rua=1 as-none|missing-p" },
		/* any valid URI counts, mailto: or not */
		{ "p=reject; rua=https://r.example.com/d",
		    "p=reject rua=1 apply|not-mailto" },
		{ "p=bogus; rua=https://r.example.com/d",
		    "rua=1 as-none|invalid-value,not-mailto" },
		{ "p=bogus; rua=bogus", "ignore|invalid-value,invalid-uri" },
		{ "rua=mailto:a b@example.com", "ignore|invalid-uri,missing-p" },
		/* ruf does not count */
		{ "p=bogus; ruf=mailto:f@example.com",
		    "ruf=1 ignore|invalid-value" },
	};

	(void)state;
	RUN(rows);
}

/* 4.8 dmarc-fo: 0 or 1 (not both), d, s, each once, any order. */
static void
test_fo(void **state)
{
	static const struct row rows[] = {
		{ "p=none; fo=0", "p=none apply|" },
		{ "p=none; fo=1", "p=none fo=1 apply|" },
		{ "p=none; fo=d", "p=none fo=d apply|" },
		{ "p=none; fo=s", "p=none fo=s apply|" },
		{ "p=none; fo=0:d", "p=none fo=0d apply|" },
		{ "p=none; fo=d:0", "p=none fo=0d apply|" },
		{ "p=none; fo=d:0:s", "p=none fo=0ds apply|" },
		{ "p=none; fo=d:s", "p=none fo=ds apply|" },
		{ "p=none; fo=s:d:1", "p=none fo=1ds apply|" },
		{ "p=none; fo=1:s:d", "p=none fo=1ds apply|" },
		{ "p=none; fo=0 : d", "p=none fo=0d apply|" },
		{ "p=none; fo=D:S", "p=none fo=ds apply|" },
		{ "p=none; fo=0:1", "p=none apply|invalid-value" },
		{ "p=none; fo=d:d", "p=none apply|invalid-value" },
		{ "p=none; fo=x", "p=none apply|invalid-value" },
		{ "p=none; fo=0:", "p=none apply|invalid-value" },
		{ "p=none; fo=:0", "p=none apply|invalid-value" },
		{ "p=none; fo=0::d", "p=none apply|invalid-value" },
		{ "p=none; fo=2", "p=none apply|invalid-value" },
		{ "p=none; fo=0:d:s:1", "p=none apply|invalid-value" },
		{ "p=none; fo=0,d", "p=none apply|invalid-value" },
		{ "p=none; fo=0d", "p=none apply|invalid-value" },
		{ "p=none; fo=", "p=none apply|invalid-value" },
	};

	(void)state;
	RUN(rows);
}

/* RFC 7489 6.3/6.4: pct = 1*3DIGIT, 0 to 100; default 100. */
static void
test_pct(void **state)
{
	static const struct row rows[] = {
		{ "p=none; pct=0", "p=none pct=0 apply|removed-tag" },
		{ "p=none; pct=100", "p=none pct=100 apply|removed-tag" },
		{ "p=none; pct=050", "p=none pct=50 apply|removed-tag" },
		{ "p=none; pct=7", "p=none pct=7 apply|removed-tag" },
		{ "p=none; pct=101", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=1000", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=0100", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=-1", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=+5", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=5%", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=1 0", "p=none apply|removed-tag,invalid-value" },
		{ "p=none; pct=0x1", "p=none apply|removed-tag,invalid-value" },
	};
	struct vouch_dmarc_record *r = parse(V "p=none");

	(void)state;
	assert_int_equal(r->pct, 100);
	assert_false(r->has_pct);
	vouch_dmarc_record_free(r);
	RUN(rows);
}

/* RFC 3986 3 (with 4.8's "," and "!" encoded). */
static void
test_uri_syntax(void **state)
{
	static const char *const good[] = {
		"mailto:dmarc-feedback@example.com",
		"mailto:a%2Cb@example.com", "mailto:a%21b@example.com",
		"mailto:a@example.com?subject=DMARC%20report",
		"https://reports.example.com/dmarc?x=1#frag",
		"http://u:p@host.example:8080/p/a?q/?#f/?",
		"http://[::1]/x", "http://[2001:db8::192.0.2.1]:25/",
		"http://[v1.fe80::a+en1]/", "http://192.0.2.1/",
		"file:///tmp/x", "urn:example:a:b", "a+b-c.d:x", "http://h:/",
		"mailto:", "mailto:~a$&'()*+=@x", "x:/a//b",
	};
	static const char *const bad[] = {
		"", ":x", "1http://x", "mailto", "mail to:a@b",
		"mailto:a b@x", "mailto:a@b!", "mailto:a,b@x", "mailto:a;b@x",
		"mailto:%zz@x", "mailto:%2", "mailto:a@b#x#y", "http://[::1/x",
		"http://[::g]/", "http://[1:2]/", "http://h:80x/",
		"http://a@b@c/", "http://[v1.]/", "http://[v.x]/",
		"mailto:\x80@x", "mailto:a@b\"", "mailto:<a@b>", "mailto:a\\b",
		"http://h/^", "mailto:a@b{}", "http://[::1%25eth0]/",
		"mailto:a@b\t", "http://h%/",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!vouch__dmarc_uri_valid(good[i], strlen(good[i])))
			fail_msg("'%s' is a URI", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vouch__dmarc_uri_valid(bad[i], strlen(bad[i])))
			fail_msg("'%s' is not a URI", bad[i]);
	/* a NUL inside is never part of a URI */
	assert_false(vouch__dmarc_uri_valid("http://[::1\0]/", 14));
	assert_false(vouch__dmarc_uri_valid("mailto:a\0b", 10));
}

/* 4.8 dmarc-urilist and obs-dmarc-report-size. */
static void
test_uri_lists(void **state)
{
	static const struct row rows[] = {
		{ "p=none; rua=mailto:a@example.com!10m",
		    "p=none rua=1 apply|obsolete-size" },
		{ "p=none; rua=mailto:a@example.com!10",
		    "p=none rua=1 apply|obsolete-size" },
		{ "p=none; rua=mailto:a@example.com!10K",
		    "p=none rua=1 apply|obsolete-size" },
		{ "p=none; rua=mailto:a@example.com!", "p=none apply|invalid-uri" },
		{ "p=none; rua=mailto:a@example.com!k", "p=none apply|invalid-uri" },
		{ "p=none; rua=mailto:a@example.com!10x",
		    "p=none apply|invalid-uri" },
		{ "p=none; rua=mailto:a@example.com!10mm",
		    "p=none apply|invalid-uri" },
		{ "p=none; rua=mailto:a@example.com!1!2",
		    "p=none apply|invalid-uri" },
		{ "p=none; rua=mailto:a@x.example,,mailto:b@y.example",
		    "p=none rua=2 apply|invalid-uri" },
		{ "p=none; rua=mailto:a@x.example ,\tmailto:b@y.example",
		    "p=none rua=2 apply|" },
		{ "p=none; rua= mailto:a@x.example,", "p=none rua=1 apply|"
		    "invalid-uri" },
		{ "p=none; rua=mailto:a@x.example mailto:b@y.example",
		    "p=none apply|invalid-uri" },
		{ "p=none; ruf=https://x.example/!5m,ftp://y.example/",
		    "p=none ruf=2 apply|obsolete-size,not-mailto,not-mailto" },
		{ "p=none; rua=MAILTO:A@EXAMPLE.COM", "p=none rua=1 apply|" },
	};
	struct vouch_dmarc_record *r;

	(void)state;
	RUN(rows);
	r = parse(V "p=none; rua=mailto:a@example.com!10m, bad uri ,"
	    "https://r.example/x; ruf=mailto:f@example.com");
	assert_int_equal(r->nrua, 2);
	assert_string_equal(r->rua[0], "mailto:a@example.com");
	assert_string_equal(r->rua[1], "https://r.example/x");
	check_finding(r, "obsolete-size", VOUCH_DMARC_INFO, "rua",
	    "mailto:a@example.com!10m");
	check_finding(r, "invalid-uri", VOUCH_DMARC_WARNING, "rua", "bad uri");
	check_finding(r, "not-mailto", VOUCH_DMARC_WARNING, "rua",
	    "https://r.example/x");
	assert_string_equal(r->ruf[0], "mailto:f@example.com");
	vouch_dmarc_record_free(r);
}

/* Every code: severity, tag, the text as written, a message that names
 * the RFC section. */
static void
test_findings(void **state)
{
	struct vouch_dmarc_record *r;
	const struct vouch_dmarc_finding *f;
	size_t i;

	(void)state;
	r = parse(V "p=none; aspf=rvk; garbage ; p=reject; pct=50; FOO=bar; "
	    "rua=x y, https://h.example/!1g");
	check_finding(r, "invalid-value", VOUCH_DMARC_ERROR, "aspf", "rvk");
	f = finding(r, "invalid-value", 0);
	if (strncmp(f->message, "aspf=rvk: \"rvk\" is not a valid value for "
	    "aspf (r or s, RFC 9989 4.7)", 67) != 0)
		fail_msg("message: %s", f->message);
	check_finding(r, "syntax", VOUCH_DMARC_ERROR, NULL, "garbage");
	check_finding(r, "duplicate-tag", VOUCH_DMARC_WARNING, "p", "p=reject");
	check_finding(r, "removed-tag", VOUCH_DMARC_WARNING, "pct", "pct=50");
	check_finding(r, "unknown-tag", VOUCH_DMARC_INFO, "FOO", "FOO=bar");
	check_finding(r, "invalid-uri", VOUCH_DMARC_WARNING, "rua", "x y");
	check_finding(r, "obsolete-size", VOUCH_DMARC_INFO, "rua",
	    "https://h.example/!1g");
	check_finding(r, "not-mailto", VOUCH_DMARC_WARNING, "rua",
	    "https://h.example/");
	assert_int_equal(r->nfindings, 8);
	for (i = 0; i < r->nfindings; i++)
		if (strstr(r->findings[i].message, "RFC ") == NULL)
			fail_msg("no RFC in '%s'", r->findings[i].message);
	vouch_dmarc_record_free(r);
	r = parse(V "sp=none");
	check_finding(r, "missing-p", VOUCH_DMARC_WARNING, NULL, "");
	assert_non_null(strstr(r->findings[0].message, "4.10.1)"));
	vouch_dmarc_record_free(r);
	r = parse(V "p=none; rf=afrf; ri=86400");
	check_finding(r, "removed-tag", VOUCH_DMARC_WARNING, "rf", "rf=afrf");
	assert_string_equal(finding(r, "removed-tag", 1)->tag, "ri");
	assert_non_null(strstr(r->findings[1].message, "appendix C.5.2"));
	vouch_dmarc_record_free(r);
	/* the text is the trimmed tag-spec; an empty one is "" */
	r = parse(V "p=none;  p reject\t;;");
	check_finding(r, "syntax", VOUCH_DMARC_ERROR, NULL, "p reject");
	assert_string_equal(finding(r, "syntax", 1)->text, "");
	vouch_dmarc_record_free(r);
}

/* NUL, control and 8-bit bytes: survive, texts keep the bytes, messages
 * are printable ASCII. */
static void
test_hostile_bytes(void **state)
{
	static const char rec[] = V "p=re\0ject; sp=\xff\xfe; \x7f=1; "
	    "rua=mailto:\xc3\xa9@x; np=\x01\x1b[2J";
	struct vouch_dmarc_record *r = parse_n(rec, sizeof(rec) - 1);
	const unsigned char *m;
	size_t i;

	(void)state;
	assert_int_equal(r->p, VOUCH_DMARC_POLICY_UNSET);
	assert_int_equal(r->sp, VOUCH_DMARC_POLICY_UNSET);
	assert_int_equal(r->state, VOUCH_DMARC_IGNORE);
	assert_int_equal(r->nfindings, 5);
	assert_string_equal(r->findings[0].text, "re");	/* C string */
	assert_non_null(strstr(r->findings[0].message, "\"re?ject\""));
	assert_string_equal(r->findings[1].text, "\xff\xfe");
	assert_string_equal(r->findings[2].code, "syntax");
	assert_string_equal(r->findings[3].text, "mailto:\xc3\xa9@x");
	assert_string_equal(r->findings[4].text, "\x01\x1b[2J");
	for (i = 0; i < r->nfindings; i++)
		for (m = (const unsigned char *)r->findings[i].message; *m;
		    m++)
			if (*m < 0x20 || *m > 0x7e)
				fail_msg("byte 0x%02x in a message", *m);
	assert_int_equal(memcmp(r->text, rec, sizeof(rec)), 0);
	vouch_dmarc_record_free(r);
}

/* A record of n copies of spec after v=DMARC1 (each followed by sep). */
static char *
repeat(const char *spec, const char *sep, size_t n)
{
	size_t ls = strlen(spec), lp = strlen(sep), i, k = 8;
	char *s = malloc(8 + n * (ls + lp) + 1);

	assert_non_null(s);
	memcpy(s, "v=DMARC1", 8);
	for (i = 0; i < n; i++) {
		memcpy(s + k, sep, lp);
		memcpy(s + k + lp, spec, ls);
		k += ls + lp;
	}
	s[k] = '\0';
	return s;
}

/* The last "syntax" finding is the limit what. */
static void
last_is_limit(const struct vouch_dmarc_record *r, const char *what)
{
	const struct vouch_dmarc_finding *f = NULL;
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (strcmp(r->findings[i].code, "syntax") == 0)
			f = &r->findings[i];
	if (f == NULL)
		fail_msg("no limit finding in %.40s", r->text);
	assert_int_equal(f->severity, VOUCH_DMARC_ERROR);
	if (strstr(f->message, what) == NULL ||
	    strstr(f->message, "limit") == NULL)
		fail_msg("want '%s': %s", what, f->message);
}

static void
test_limits(void **state)
{
	const struct vouch_dmarc_finding *f;
	struct vouch_dmarc_record *r;
	char *s;
	size_t i, k;

	(void)state;
	/* 64 KiB of ";": 63 empty tag-specs, then the tag cap */
	s = repeat("", ";", 65536);
	r = parse(s);
	assert_int_equal(r->nfindings, DMARC_RECORD_MAX_TAGS + 1);
	last_is_limit(r, "more than 64 tags");
	assert_string_equal(r->findings[64].code, "missing-p");
	vouch_dmarc_record_free(r);
	free(s);
	/* 10,000 tags */
	s = repeat("p=none", "; ", 10000);
	r = parse(s);
	assert_int_equal(r->p, VOUCH_DMARC_POLICY_NONE);
	assert_int_equal(r->nfindings, DMARC_RECORD_MAX_TAGS - 1);
	assert_string_equal(r->findings[61].code, "duplicate-tag");
	last_is_limit(r, "more than 64 tags");
	vouch_dmarc_record_free(r);
	free(s);
	/* exactly 64 tags, "v" included: all read */
	s = repeat("x=1", ";", DMARC_RECORD_MAX_TAGS - 1);
	r = parse(s);
	for (i = 0; i < r->nfindings; i++)
		assert_string_not_equal(r->findings[i].code, "syntax");
	vouch_dmarc_record_free(r);
	free(s);
	/* a tag-spec ending past 64 KiB: it and the rest are not read */
	s = malloc(70100);
	assert_non_null(s);
	i = (size_t)snprintf(s, 100, V "p=reject; " RUA "; x=");
	memset(s + i, 'a', 70000);
	memcpy(s + i + 70000, "; sp=none", 10);
	r = parse(s);
	assert_int_equal(r->p, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(r->sp, VOUCH_DMARC_POLICY_UNSET);
	assert_int_equal(r->nfindings, 1);
	last_is_limit(r, "longer than 65536 bytes");
	assert_int_equal(strlen(r->findings[0].text), DMARC_LIMIT_TEXT_MAX);
	assert_int_equal(strlen(r->text), strlen(s));
	vouch_dmarc_record_free(r);
	free(s);
	/* 40 URIs: 32 read, the rest named in the finding */
	s = malloc(64 + 40 * 24);
	assert_non_null(s);
	i = (size_t)snprintf(s, 64, V "p=none; rua=");
	for (k = 0; k < 40; k++)
		i += (size_t)snprintf(s + i, 32, "%smailto:u%02zu@example.com",
		    k > 0 ? "," : "", k);
	r = parse(s);
	assert_int_equal(r->nrua, DMARC_RECORD_MAX_URIS);
	assert_string_equal(r->rua[31], "mailto:u31@example.com");
	last_is_limit(r, "more than 32 URIs");
	f = finding(r, "syntax", 0);
	assert_string_equal(f->tag, "rua");
	assert_int_equal(strlen(f->text), 8 * 22 + 7);
	assert_int_equal(strncmp(f->text, "mailto:u32@example.com,", 23), 0);
	vouch_dmarc_record_free(r);
	free(s);
}

static void
check_format(const char *in, const char *want)
{
	struct vouch_dmarc_record *r = parse(in);
	char *txt = NULL;

	assert_int_equal(vouch_dmarc_record_format(r, &txt), 0);
	if (strcmp(txt, want) != 0)
		fail_msg("format '%s':\n  want '%s'\n  got  '%s'", in, want,
		    txt);
	free(txt);
	vouch_dmarc_record_free(r);
}

/* Canonical order (dmarc.h): p sp np adkim aspf t psd fo pct rua ruf. */
static void
test_format(void **state)
{
	char *txt = (char *)1;

	(void)state;
	check_format("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@"
	    "example.com,mailto:tld-test@thirdparty.example.net; t=y",
	    "v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc-feedback@example."
	    "com,mailto:tld-test@thirdparty.example.net");
	check_format(V "ruf=mailto:f@example.com; rua=mailto:a@example.com!5m"
	    " , mailto:b@example.com; pct=050; fo=s:d:0; psd=N; t=y; aspf=s; "
	    "adkim=s; np=none; sp=quarantine; p=reject",
	    "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=s; "
	    "t=y; psd=n; fo=0:d:s; pct=50; rua=mailto:a@example.com,mailto:b@"
	    "example.com; ruf=mailto:f@example.com");
	/* only valid tags that differ from the default */
	check_format(V "p=bogus; sp=reject; adkim=r; t=n; fo=0; foo=bar; "
	    "rua=bad; pct=500", "v=DMARC1; sp=reject");
	check_format("v=DMARC1", "v=DMARC1");
	check_format("V = DMARC1 ; P = REJECT ; RUF = MAILTO:X@Y.EXAMPLE!2K",
	    "v=DMARC1; p=reject; ruf=MAILTO:X@Y.EXAMPLE");
	check_format(V "p=none; fo=1; psd=u", "v=DMARC1; p=none; psd=u; fo=1");
	assert_int_equal(vouch_dmarc_record_format(NULL, &txt), VOUCH_EINVAL);
	assert_null(txt);
	assert_string_equal(vouch_dmarc_policy_name(VOUCH_DMARC_POLICY_UNSET),
	    "");
	assert_string_equal(vouch_dmarc_policy_name(
	    VOUCH_DMARC_POLICY_QUARANTINE), "quarantine");
	assert_string_equal(vouch_dmarc_policy_name(
	    (enum vouch_dmarc_policy)42), "");
}

/*
 * parse(format(r)) has r's values.  The one difference allowed: an
 * invalid sp or np (state not APPLY although p is valid) is dropped by
 * format, so the copy applies.
 */
static void
roundtrip(const char *in)
{
	struct vouch_dmarc_record *r = parse(in), *r2, c;
	char *txt = NULL, a[1024], b[1024];

	assert_int_equal(vouch_dmarc_record_format(r, &txt), 0);
	r2 = parse(txt);
	c = *r;
	if (c.p != VOUCH_DMARC_POLICY_UNSET)
		c.state = VOUCH_DMARC_APPLY;
	summary(&c, a, sizeof(a), 0);
	summary(r2, b, sizeof(b), 0);
	if (strcmp(a, b) != 0)
		fail_msg("'%s' -> '%s': '%s' != '%s'", in, txt, a, b);
	free(txt);
	vouch_dmarc_record_free(r);
	vouch_dmarc_record_free(r2);
}

static void
test_roundtrip(void **state)
{
	static const char *const recs[] = {
		"v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com",
		V "p=reject; sp=bogus; " RUA,
		V "p=reject; np=x",
		V "p=bogus; sp=none; " RUA,
		V "P=Quarantine; fo=d:1; pct=0; psd=y; adkim=s; aspf=s; t=y; "
		    "rua=mailto:a@x.example!9t, https://h.example/a?b#c; "
		    "ruf=mailto:%2c@x.example",
		V "ruf=mailto:a@example.com; rua=bad, mailto:b@example.com",
		"v=DMARC1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		roundtrip(recs[i]);
}

/* The rdata of a zone-file TXT line: its character-strings joined. */
static void
txt_rdata(const char *p, char *out, size_t len)
{
	size_t k = 0;

	while (*p == ' ' || *p == '\t' || *p == '(')
		p++;
	while (*p != '\0' && *p != '\n' && *p != ')' && k + 1 < len) {
		if (*p == ' ' || *p == '\t') {
			p++;
		} else if (*p == '"') {
			for (p++; *p != '\0' && *p != '"' && k + 1 < len; p++)
				out[k++] = *p == '\\' && p[1] != '\0' ? *++p :
				    *p;
			if (*p == '"')
				p++;
		} else
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\n' && *p != ')' && k + 1 < len)
				out[k++] = *p++;
	}
	out[k] = '\0';
}

/* shared/corpora/authentication-milter/zonefile: every _dmarc TXT. */
static void
test_corpus_zonefile(void **state)
{
	static const struct {
		const char *owner, *want;
	} exp[] = {
		{ "_dmarc.goestheweasel.com.",
		    "p=reject pct=100 rua=1 apply|removed-tag,removed-tag" },
		{ "_dmarc.marcbradshaw.net.",
		    "p=none pct=100 rua=1 apply|removed-tag,removed-tag" },
		{ "_dmarc.spfuvictim.com.", "p=reject apply|" },
		{ "_dmarc.foobar.spfuvictim.com.", "p=reject apply|" },
		/* RFC 9990 3 authorization records: no policy */
		{ "goestheweasel.com._report._dmarc.ops.twofiftyeight.ltd.uk.",
		    "ignore|missing-p" },
		{ "marcbradshaw.net._report._dmarc.ops.twofiftyeight.ltd.uk.",
		    "ignore|missing-p" },
	};
	char *zone = tu_read_file(tu_corpus_path(
	    "authentication-milter/zonefile"), NULL), *line, *t;
	char rdata[1024], owner[256];
	size_t i, found = 0, ol;

	(void)state;
	if (zone == NULL)
		fail_msg("cannot read the authentication-milter zonefile");
	for (line = zone; line != NULL && *line != '\0'; line = t) {
		t = strchr(line, '\n');
		t = t != NULL ? t + 1 : NULL;
		ol = strcspn(line, " \t\n");
		snprintf(owner, sizeof(owner), "%.*s", (int)ol, line);
		if (line[0] == ';' || strstr(owner, "_dmarc") == NULL)
			continue;
		for (i = 0; i < sizeof(exp) / sizeof(exp[0]); i++)
			if (strcmp(owner, exp[i].owner) == 0)
				break;
		if (i == sizeof(exp) / sizeof(exp[0]))
			fail_msg("unexpected %s", owner);
		txt_rdata(strstr(line, "TXT") + 3, rdata, sizeof(rdata));
		expect(rdata, exp[i].want);
		roundtrip(rdata);
		found++;
	}
	assert_int_equal(found, sizeof(exp) / sizeof(exp[0]));
	free(zone);
}

/* What the failing-allocation loop calls: parse rec or format r. */
struct fa_call {
	const char *rec;
	size_t len;
	const struct vouch_dmarc_record *r;
	int (*fn)(const struct fa_call *c, void **out);
	void (*release)(void *out);
};

static int
fa_parse(const struct fa_call *c, void **out)
{
	struct vouch_dmarc_record *r = (struct vouch_dmarc_record *)1;
	int rc = vouch_dmarc_record_parse(c->rec, c->len, &r);

	*out = r;
	return rc;
}

static void
fa_free_record(void *p)
{
	vouch_dmarc_record_free(p);
}

static int
fa_format(const struct fa_call *c, void **out)
{
	char *txt = (char *)1;
	int rc = vouch_dmarc_record_format(c->r, &txt);

	*out = txt;
	return rc;
}

/* Every allocation failing in turn: VOUCH_ENOMEM, *out NULL, nothing
 * leaked (ASan's leak check in the sanitizer build). */
static void
failalloc_loop(const struct fa_call *c)
{
	unsigned long n;
	void *out;
	int rc = VOUCH_ENOMEM;

	for (n = 1; n < 10000 && rc == VOUCH_ENOMEM; n++) {
		failalloc_set(n);
		rc = c->fn(c, &out);
		failalloc_set(0);
		assert_true(rc == 0 || rc == VOUCH_ENOMEM);
		if (rc == 0)
			c->release(out);
		else
			assert_null(out);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 2);
}

static void
failalloc_both(const char *rec, size_t len)
{
	struct fa_call c = { rec, len, NULL, fa_parse, fa_free_record };
	struct vouch_dmarc_record *r = parse_n(rec, len);

	failalloc_loop(&c);
	c.r = r;
	c.fn = fa_format;
	c.release = free;
	failalloc_loop(&c);
	vouch_dmarc_record_free(r);
}

static void
test_failalloc(void **state)
{
	static const char rec[] = V "p=reject; sp=bogus; foo=1; pct=50; "
	    "garbage; rua=mailto:a@example.com!10m,https://x.example/,bad uri; "
	    "ruf=mailto:f@example.com; fo=1:d";
	char big[8192], local[160];
	size_t i, k;

	(void)state;
	failalloc_both(rec, sizeof(rec) - 1);
	/* past one arena chunk: many strings and findings */
	memset(local, 'a', sizeof(local) - 1);
	local[sizeof(local) - 1] = '\0';
	k = (size_t)snprintf(big, sizeof(big), V "x=1; rua=");
	for (i = 0; i < 30; i++)
		k += (size_t)snprintf(big + k, sizeof(big) - k,
		    "%smailto:%s@example.com!1k", i > 0 ? "," : "", local);
	assert_true(k < sizeof(big) - 1);
	failalloc_both(big, k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples),
		cmocka_unit_test(test_not_dmarc),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_fo),
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_uri_syntax),
		cmocka_unit_test(test_uri_lists),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_corpus_zonefile),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
