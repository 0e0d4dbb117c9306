/*
 * test_dkim_tags.c - DKIM tag lists (RFC 6376 3.2), DKIM-Signature values
 * (3.5, RFC 8463) and key records (3.6.1).  Valid inputs come from the
 * RFCs' examples and from real signatures in shared/corpora; every error
 * rule has a hostile input of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "dkim/dkim_canon.h"
#include "dkim/dkim_tags.h"
#include "failalloc.h"
#include "testutil.h"

/* RFC 6376 A.2 (the folding as printed, lines joined with CRLF). */
static const char rfc6376_a2[] =
    "v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "     c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "     h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "     bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "     b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "     4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "     KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "     4bmp/YzhwvcubU4=;";

/* RFC 8463 A.3, first signature (bare LF folding). */
static const char rfc8463_ed[] =
    "v=1; a=ed25519-sha256; c=relaxed/relaxed;\n"
    " d=football.example.com; i=@football.example.com;\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\n"
    " subject : date : message-id : from : subject : date;\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

#define GOOD_TAIL "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA"
#define BASE "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; "

static int
sig(const char *v, struct vouch__arena *a, struct dkim_sig *s, char *why)
{
	vouch__arena_init(a, 0);
	why[0] = '\0';
	return vouch__dkim_sig_parse(v, strlen(v), a, s, why, 256);
}

/* needle NULL: v must parse; else it must fail, the reason saying needle */
static void
sig_check(const char *v, const char *needle)
{
	struct vouch__arena a;
	struct dkim_sig s;
	char why[256];
	int rc = sig(v, &a, &s, why);

	if (needle == NULL && rc != 0)
		fail_msg("'%s' should parse: %s", v, why);
	if (needle != NULL && (rc != VOUCH_ESYNTAX ||
	    strstr(why, needle) == NULL))
		fail_msg("'%s': want '%s', got %d '%s'", v, needle, rc, why);
	vouch__arena_free(&a);
}

static int
key(const char *v, struct vouch__arena *a, struct dkim_key *k, char *why)
{
	vouch__arena_init(a, 0);
	why[0] = '\0';
	return vouch__dkim_key_parse(v, strlen(v), a, k, why, 256);
}

static void
key_bad(const char *v, const char *needle)
{
	struct vouch__arena a;
	struct dkim_key k;
	char why[256];

	if (key(v, &a, &k, why) != VOUCH_ESYNTAX)
		fail_msg("key '%s' should be rejected", v);
	if (strstr(why, needle) == NULL)
		fail_msg("key '%s': reason '%s' lacks '%s'", v, why, needle);
	vouch__arena_free(&a);
}

static int
tags(const char *v, struct vouch__arena *a, struct dkim_taglist *t)
{
	char why[256];

	vouch__arena_init(a, 0);
	return vouch__dkim_tags_parse(v, strlen(v), a, t, why, sizeof(why));
}

static int
tags_rc(const char *v)
{
	struct vouch__arena a;
	struct dkim_taglist t;
	int rc = tags(v, &a, &t);

	vouch__arena_free(&a);
	return rc;
}

static void
test_taglist(void **state)
{
	struct vouch__arena a;
	struct dkim_taglist t;

	(void)state;
	assert_int_equal(tags(" a = x y \r\n\tz ; B_9=;c=1;", &a, &t), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(vouch__dkim_tag(&t, "a")->value, "x y \r\n\tz");
	assert_string_equal(vouch__dkim_tag(&t, "B_9")->value, "");
	assert_null(vouch__dkim_tag(&t, "b_9"));	/* case-sensitive */
	vouch__arena_free(&a);
	/* LF + WSP folding, and FWS around "=" */
	assert_int_equal(tags("a\n =\n\t1\n ;\n b=2", &a, &t), 0);
	assert_string_equal(vouch__dkim_tag(&t, "a")->value, "1");
	vouch__arena_free(&a);
	assert_int_equal(tags_rc("a=1; A=2"), 0);	/* distinct names */
	assert_int_equal(tags_rc("a=1; a=2"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("a=1;;b=2"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("a=1;;"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc(";a=1"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc(""), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("1a=1"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("a-b=1"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("t; p=x"), VOUCH_ESYNTAX);
	/* CRLF not followed by WSP, bare CR, control and 8-bit bytes */
	assert_int_equal(tags_rc("a=1\r\nb=2"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("a=1\r 2"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("a=1\x01"), VOUCH_ESYNTAX);
	assert_int_equal(tags_rc("a=\xc3\xa9"), VOUCH_ESYNTAX);
}

static void
test_taglist_bounds(void **state)
{
	struct vouch__arena a;
	struct dkim_taglist t;
	char buf[DKIM_TAGS_MAX * 8 + 16], why[256];
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < DKIM_TAGS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "t%d=1;", i);
	assert_int_equal(tags(buf, &a, &t), 0);
	assert_int_equal(t.n, DKIM_TAGS_MAX);
	vouch__arena_free(&a);
	snprintf(buf + n, sizeof(buf) - n, "z=1");
	assert_int_equal(tags(buf, &a, &t), VOUCH_ELIMIT);
	vouch__arena_free(&a);
	/* the length bounds the read: no NUL needed, none read past */
	vouch__arena_init(&a, 0);
	assert_int_equal(vouch__dkim_tags_parse("a=12345", 3, &a, &t, why,
	    sizeof(why)), 0);
	assert_string_equal(t.tag[0].value, "1");
	vouch__arena_free(&a);
}

static int
b64(const char *in, const char *want)
{
	struct vouch__arena a;
	unsigned char *p;
	size_t n;
	int rc;

	vouch__arena_init(&a, 0);
	rc = vouch__dkim_b64_decode(in, strlen(in), &a, &p, &n);
	if (rc == 0 && (n != strlen(want) || memcmp(p, want, n) != 0))
		fail_msg("'%s' decoded wrongly", in);
	vouch__arena_free(&a);
	return rc;
}

static void
test_base64(void **state)
{
	/* RFC 4648 10 vectors, FWS anywhere (RFC 6376 2.4); padding only
	 * completing the last quantum; unused bits zero (RFC 4648 3.5) */
	static const struct {
		const char *in, *want;
		int rc;
	} cases[] = {
		{ "Zm9v\r\n YmE=", "fooba", 0 },
		{ "Zg==", "f", 0 },
		{ "", "", 0 },
		{ "Zg=", "", VOUCH_ESYNTAX },
		{ "Zg", "", VOUCH_ESYNTAX },
		{ "Zh==", "", VOUCH_ESYNTAX },
		{ "Zg==Zg==", "", VOUCH_ESYNTAX },
		{ "Z===", "", VOUCH_ESYNTAX },
		{ "Zm9v!", "", VOUCH_ESYNTAX },
		{ "Zm9vYmFy", "foobar", 0 },
		{ "Zm9vYg==", "foob", 0 },
		{ "Z m9vY\tmFy", "foobar", 0 },
		{ "Zm9\r\n vYmFy", "foobar", 0 },
		{ "Zm9vYm E =", "fooba", 0 },
		{ "Zm9vYm=y", "", VOUCH_ESYNTAX },
		{ "Zm9v=Ymy", "", VOUCH_ESYNTAX },
		{ "Zm9vYm\x80y", "", VOUCH_ESYNTAX },
		{ "Zm9-YmFy", "", VOUCH_ESYNTAX },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (b64(cases[i].in, cases[i].want) != cases[i].rc)
			fail_msg("base64 \"%s\"", cases[i].in);
}

static void
test_sig_rfc(void **state)
{
	struct vouch__arena a;
	struct dkim_sig s;
	char why[256];

	(void)state;
	assert_int_equal(sig(rfc6376_a2, &a, &s, why), 0);
	assert_int_equal(s.alg, DKIM_ALG_RSA_SHA256);
	assert_int_equal(s.header_canon, DKIM_CANON_SIMPLE);
	assert_int_equal(s.body_canon, DKIM_CANON_SIMPLE);
	assert_string_equal(s.domain, "example.com");
	assert_string_equal(s.selector, "brisbane");
	assert_string_equal(s.auid, "joe@football.example.com");
	assert_int_equal(s.nheaders, 6);
	assert_string_equal(s.headers[0], "Received");
	assert_string_equal(s.headers[5], "Message-ID");
	assert_int_equal(s.bhlen, 32);
	assert_int_equal(s.blen, 128);
	assert_string_equal(s.b_text, "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3de"
	    "TVFOk4yAUoqOB4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut"
	    "KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV4bmp/YzhwvcubU"
	    "4=");
	assert_true(s.length == -1 && s.timestamp == -1 && s.expire == -1);
	vouch__arena_free(&a);

	assert_int_equal(sig(rfc8463_ed, &a, &s, why), 0);
	assert_int_equal(s.alg, DKIM_ALG_ED25519_SHA256);
	assert_int_equal(s.header_canon, DKIM_CANON_RELAXED);
	assert_int_equal(s.body_canon, DKIM_CANON_RELAXED);
	assert_string_equal(s.auid, "@football.example.com");
	assert_int_equal(s.nheaders, 8);
	assert_int_equal(s.blen, 64);	/* RFC 8463 3: 64-byte signature */
	assert_true(s.timestamp == 1528637909);
	vouch__arena_free(&a);
}

/* The value of the nth DKIM-Signature field in a corpus message. */
static char *
corpus_sig(const char *rel, int nth, size_t *len)
{
	size_t flen, i, e;
	char *f = tu_read_file(tu_corpus_path(rel), &flen), *v;

	if (f == NULL)
		fail_msg("cannot read %s", rel);
	for (i = 0; i + 15 <= flen; i++) {
		if ((i > 0 && f[i - 1] != '\n') ||
		    strncasecmp(f + i, "DKIM-Signature:", 15) != 0 || nth-- > 0)
			continue;
		for (e = i += 15; e < flen; e++)
			if (f[e] == '\n' && (e + 1 >= flen ||
			    (f[e + 1] != ' ' && f[e + 1] != '\t')))
				break;
		if (e > i && f[e - 1] == '\r')
			e--;
		v = strndup(f + i, e - i);
		*len = e - i;
		free(f);
		return v;
	}
	fail_msg("%s has no signature %d", rel, nth);
	return NULL;
}

static void
corpus_check(const char *rel, int nth, const char *d, int alg,
    const char *needle)
{
	struct vouch__arena a;
	struct dkim_sig s;
	char why[256] = "";
	size_t len = 0;
	char *v = corpus_sig(rel, nth, &len);
	int rc;

	vouch__arena_init(&a, 0);
	rc = vouch__dkim_sig_parse(v, len, &a, &s, why, sizeof(why));
	if (needle == NULL && rc != 0)
		fail_msg("%s #%d should parse: %s", rel, nth, why);
	if (needle == NULL) {
		assert_string_equal(s.domain, d);
		assert_int_equal(s.alg, alg);
	} else if (rc != VOUCH_ESYNTAX || strstr(why, needle) == NULL)
		fail_msg("%s #%d: want '%s', got %d '%s'", rel, nth, needle,
		    rc, why);
	vouch__arena_free(&a);
	free(v);
}

#define PERL "mail-dkim-perl/corpus/"
#define RS256 DKIM_ALG_RSA_SHA256
#define RS1 DKIM_ALG_RSA_SHA1
#define ED DKIM_ALG_ED25519_SHA256

static void
test_sig_corpora(void **state)
{
	static const struct {
		const char *rel;
		int nth;
		const char *d;
		int alg;
		const char *needle;
	} c[] = {
		{ "dkimpy/data/test2.message", 0, "gmail.com", RS256, NULL },
		{ "dkimpy/data/rfc6376.signed.msg", 0, "football.example.com",
		    ED, NULL },
		{ "dkimpy/data/rfc6376.signed.msg", 1, "football.example.com",
		    RS256, NULL },
		{ "mailauth/rfc8463-example/signed.eml", 0,
		    "football.example.com", ED, NULL },
		{ "ocaml-dkim/raw/001.mail", 0, "github.com", RS1, NULL },
		{ "ocaml-dkim/raw/001.mail", 1, "sendgrid.info", RS1, NULL },
		{ "ocaml-dkim/raw/003.mail", 0, "janestreet.com", RS256, NULL },
		{ "ocaml-dkim/raw/005.mail", 1, "arm.com", RS256, NULL },
		{ PERL "good_rfc4871_3.txt", 0, "messiah.edu", RS1, NULL },
		{ PERL "good_rfc4871_4.txt", 0, "messiah.edu", RS1, NULL },
		{ PERL "good_qp_1.txt", 0, "messiah.edu", RS1, NULL },
		{ PERL "good_83176.txt", 0, "messiah.edu", RS1, NULL },
		{ PERL "goodkey_ed25519.txt", 0, "wander.science", ED, NULL },
		/* The corpus marks these signature headers unusable. */
		{ PERL "ignore_1.txt", 0, NULL, 0, "v=5" },
		{ PERL "ignore_2.txt", 0, NULL, 0, "v=0.5" },
		{ PERL "ignore_5.txt", 0, NULL, 0, "q=http" },
		{ PERL "ignore_6.txt", 0, NULL, 0, "q=dns/special" },
		{ PERL "ignore_8.txt", 0, NULL, 0, "i= domain is not d=" },
		/* Pre-RFC drafts had no v=; RFC 6376 3.5 requires it. */
		{ PERL "multiple_1.txt", 0, NULL, 0, "v= is missing" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		corpus_check(c[i].rel, c[i].nth, c[i].d, c[i].alg,
		    c[i].needle);
}

#define VA "v=1; a=rsa-sha256; "
#define DS "d=e.com; s=s; "

/* One hostile input per rule of 3.5, with what the reason must say. */
static const struct {
	const char *in;
	const char *why;
} sig_bad_cases[] = {
	{ "a=rsa-sha256; " DS "h=from; " GOOD_TAIL, "v= is missing" },
	{ "v=1; " DS "h=from; " GOOD_TAIL, "a= is missing" },
	{ BASE "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
	    "b= is missing" },
	{ BASE "b=AAAA", "bh= is missing" },
	{ VA "s=sel; h=from; " GOOD_TAIL, "d= is missing" },
	{ VA DS GOOD_TAIL, "h= is missing" },
	{ VA "d=e.com; h=from; " GOOD_TAIL, "s= is missing" },
	{ "v=2; a=rsa-sha256; " DS "h=from; " GOOD_TAIL, "v=2 is not" },
	{ "v=1.0; a=rsa-sha256; " DS "h=from; " GOOD_TAIL, "v=1.0 is not" },
	{ "v=1; a=rsa-md5; " DS "h=from; " GOOD_TAIL, "a=rsa-md5 is not" },
	{ BASE "c=future; " GOOD_TAIL, "c=future is not" },
	{ BASE "c=relaxed/; " GOOD_TAIL, "c=relaxed/ is not" },
	{ BASE "c=relaxed/simple/x; " GOOD_TAIL, "c=relaxed/simple/x" },
	{ VA "d=exa mple.com; s=s; h=from; " GOOD_TAIL, "d=exa mple.com is" },
	{ VA "d=example..com; s=s; h=from; " GOOD_TAIL, "d=example..com is" },
	{ VA "d=example.com.; s=s; h=from; " GOOD_TAIL, "d=example.com. is" },
	{ VA "d=a.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxx; s=s; h=from; " GOOD_TAIL, "not a valid domain" },
	{ VA "d=e.com; s=.s; h=from; " GOOD_TAIL, "s=.s is not a valid" },
	{ VA DS "h=to:subject; " GOOD_TAIL,
	    "h= does not include From (RFC 6376 5.4)" },
	{ VA DS "h=from::to; " GOOD_TAIL, "h= has an empty" },
	{ VA DS "h=fr\"om; " GOOD_TAIL, "h= does not include From" },
	{ BASE "i=joe@example.org; " GOOD_TAIL, "i= domain is not d=" },
	{ BASE "i=joe@badexample.com; " GOOD_TAIL, "i= domain is not d=" },
	{ BASE "i=joe.example.com; " GOOD_TAIL, "i= has no" },
	{ BASE "i=joe@; " GOOD_TAIL, "i= domain is not a valid" },
	{ BASE "i=joe=4@example.com; " GOOD_TAIL, "not valid dkim-quoted" },
	{ BASE "i=joe@example.co=6; " GOOD_TAIL, "not valid dkim-quoted" },
	{ BASE "i=jo=ZZe@example.com; " GOOD_TAIL, "not valid dkim-quoted" },
	{ BASE "i=jo=00e@example.com; " GOOD_TAIL, "decodes to a NUL" },
	{ BASE "i=joe=40example.org; " GOOD_TAIL, "i= domain is not d=" },
	{ BASE "l=-1; " GOOD_TAIL, "l= is not" },
	{ BASE "l=12345678901234567890123456789012345678901234567890123456789"
	    "012345678901234567; " GOOD_TAIL, "l= is not 1 to 76" },
	{ BASE "t=1234567890123; " GOOD_TAIL, "t= is not 1 to 12" },
	{ BASE "x=12a; " GOOD_TAIL, "x= is not 1 to 12" },
	{ BASE "t=100; x=99; " GOOD_TAIL, "x= is not greater than t=" },
	{ BASE "t=100; x=100; " GOOD_TAIL, "x= is not greater than t=" },
	{ BASE "q=http; " GOOD_TAIL, "q=http does not include dns/txt" },
	{ BASE "bh=; b=AAAA", "bh= is empty" },
	{ BASE "bh=AAAA; b=", "b= is empty" },
	{ BASE "bh=AAA; b=AAAA", "bh= is not valid base64" },
	{ BASE "bh=AAAA; b=AA!A", "b= is not valid base64" },
	{ BASE "v=1; " GOOD_TAIL, "v= appears twice" },
	{ BASE ";; " GOOD_TAIL, "empty tag-spec" },
};

static void
test_sig_rules(void **state)
{
	size_t i;

	(void)state;
	sig_check(BASE GOOD_TAIL, NULL);
	sig_check(BASE "c=relaxed; i=user@Sub.Example.COM; l=0; t=1; x=2; "
	    "q=dns/txt; z=a|b; " GOOD_TAIL, NULL);
	for (i = 0; i < sizeof(sig_bad_cases) / sizeof(sig_bad_cases[0]); i++)
		sig_check(sig_bad_cases[i].in, sig_bad_cases[i].why);
}

static void
test_sig_values(void **state)
{
	struct vouch__arena a;
	struct dkim_sig s;
	char why[256];

	(void)state;
	/* the reason quotes c= without its folding */
	assert_int_equal(sig(BASE "c=relaxed\r\n /x; " GOOD_TAIL, &a, &s,
	    why), VOUCH_ESYNTAX);
	assert_non_null(strstr(why, "c=relaxed?? /x is not"));
	vouch__arena_free(&a);
	/* 76 digits of l= saturate rather than overflow */
	assert_int_equal(sig("v=1; a=RSA-SHA1; d=EXAMPLE.Com; s=sel; "
	    "h= From\r\n : To ; l=999999999999999999999999999999999999999999"
	    "9999999999999999999999999999999999; c=relaxed; " GOOD_TAIL, &a,
	    &s, why), 0);
	assert_int_equal(s.alg, DKIM_ALG_RSA_SHA1);
	assert_string_equal(s.domain, "example.com");
	assert_string_equal(s.auid, "@example.com");
	assert_int_equal(s.header_canon, DKIM_CANON_RELAXED);
	assert_int_equal(s.body_canon, DKIM_CANON_SIMPLE);
	assert_string_equal(s.headers[0], "From");
	assert_string_equal(s.headers[1], "To");
	assert_true(s.length == INT64_MAX);
	vouch__arena_free(&a);
	/* i= is dkim-quoted-printable (RFC 6376 2.11, 3.5): "=40" is "@",
	 * "=2E" is ".", "=3B" is ";", FWS is dropped */
	assert_int_equal(sig(BASE "i=a=3Bb\r\n =40Sub=2eexample.com; "
	    GOOD_TAIL, &a, &s, why), 0);
	assert_string_equal(s.auid, "a;b@Sub.example.com");
	vouch__arena_free(&a);
}

static void
test_key(void **state)
{
	struct vouch__arena a;
	struct dkim_key k;
	char why[256];

	(void)state;
	/* RFC 8463 A.2 */
	assert_int_equal(key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hc"
	    "vPapiMlrwIaaPcHURo=", &a, &k, why), 0);
	assert_int_equal(k.type, DKIM_KEY_ED25519);
	assert_int_equal(k.plen, 32);
	assert_true(k.hash_sha256 && k.hash_sha1 && k.service_email);
	assert_false(k.revoked || k.testing || k.strict);
	vouch__arena_free(&a);
	/* RFC 6376 C (the 3.6.1 format), strings joined */
	assert_int_equal(key("v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQ"
	    "KBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4j"
	    "YfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH"
	    "4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB", &a, &k, why),
	    0);
	assert_int_equal(k.type, DKIM_KEY_RSA);
	assert_int_equal(k.plen, 162);
	vouch__arena_free(&a);
	/* mail-dkim-perl FAKE_DNS.dat test2: extra tags, FWS, unknowns */
	assert_int_equal(key("v=DKIM1; s=email:web:fine; x1 = extra ; "
	    "t = y:n:extra; h=md5:sha1; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALg"
	    "SoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2leFxfS/AVJ+dYfY+hXqMsT7l+MZ"
	    "vvh/R1WzN4MO/kI/7XsCAwEAAQ== ; ", &a, &k, why), 0);
	assert_true(k.testing && !k.strict && k.service_email);
	assert_true(k.hash_sha1 && !k.hash_sha256);
	vouch__arena_free(&a);
	assert_int_equal(key("k=rsa; t=s:y; s=chat; h=sha512; p=", &a, &k,
	    why), 0);
	assert_true(k.revoked && k.p == NULL && k.strict && k.testing);
	assert_true(!k.service_email && !k.hash_sha1 && !k.hash_sha256);
	vouch__arena_free(&a);
	assert_int_equal(key("p=YWJj\r\n\tZGVm; s=*; h=sha256", &a, &k, why),
	    0);
	assert_int_equal(k.plen, 6);
	assert_true(k.service_email && k.hash_sha256 && !k.hash_sha1);
	vouch__arena_free(&a);
}

static void
test_key_bad(void **state)
{
	(void)state;
	key_bad("v=DKIM1; k=dsa; p=AAAA", "k=dsa is not a known key type");
	key_bad("v=DKIM1; k=ed25519-sha256; p=AAAA", "k=ed25519-sha256");
	key_bad("v=DKIM3; p=AAAA", "v=DKIM3");
	key_bad("k=rsa; v=DKIM1; p=AAAA", "first tag");
	/* dkimpy badversion.txt */
	key_bad("v=DKIM1: p=AAAA", "must be \"DKIM1\"");
	key_bad("v=DKIM1; k=rsa", "p= is missing");
	key_bad("v=DKIM1; p=AAA", "p= is not valid base64");
	key_bad("k=rsa; t; p=AAAA", "key record: tag t has no");
	key_bad("p=AAAA; p=AAAA", "twice");
}

static void
test_failalloc(void **state)
{
	struct vouch__arena a;
	struct dkim_sig s;
	struct dkim_key k;
	char why[256];
	unsigned long n;
	int rc = VOUCH_ENOMEM, rk = VOUCH_ENOMEM;

	(void)state;
	for (n = 1; n < 1000 && (rc == VOUCH_ENOMEM || rk == VOUCH_ENOMEM);
	    n++) {
		vouch__arena_init(&a, 0);
		failalloc_set(n);
		rc = vouch__dkim_sig_parse(rfc6376_a2, strlen(rfc6376_a2), &a,
		    &s, why, sizeof(why));
		vouch__arena_free(&a);
		failalloc_set(n);
		rk = vouch__dkim_key_parse("v=DKIM1; h=sha256; p=AAAA", 25, &a,
		    &k, why, sizeof(why));
		failalloc_set(0);
		vouch__arena_free(&a);
		assert_true(rc == 0 || rc == VOUCH_ENOMEM);
		assert_true(rk == 0 || rk == VOUCH_ENOMEM);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(rk, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taglist),
		cmocka_unit_test(test_taglist_bounds),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_sig_rfc),
		cmocka_unit_test(test_sig_corpora),
		cmocka_unit_test(test_sig_rules),
		cmocka_unit_test(test_sig_values),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_key_bad),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
