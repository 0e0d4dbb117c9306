/*
 * test_authres.c - Authentication-Results (lib/authres/): the examples of
 * RFC 8601 appendix B and RFC 8617 appendix B, the section 2.2 ABNF rule
 * by rule with a hostile input for each, comments in every CFWS position,
 * the caps, injection attempts through the builder, folding lengths,
 * vouch_authres_ours() on a message with forged fields, and every
 * allocation failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/authres.h>
#include <vouch/msg.h>

#include "failalloc.h"

static struct vouch_authres *
ok(const char *v)
{
	struct vouch_error e;
	struct vouch_authres *ar = NULL;

	memset(&e, 0, sizeof(e));
	if (vouch_authres_parse(v, strlen(v), &ar, &e) != 0)
		fail_msg("'%s' should parse: %s", v, e.msg);
	return ar;
}

/* v must fail with code, the error message containing needle. */
static void
bad(const char *v, size_t len, int code, const char *needle)
{
	struct vouch_error e;
	struct vouch_authres *ar = (struct vouch_authres *)&e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = vouch_authres_parse(v, len, &ar, &e);
	if (rc != code || ar != NULL || e.code != code ||
	    strstr(e.msg, needle) == NULL)
		fail_msg("'%s': want %d '%s', got %d '%s'", v, code, needle, rc,
		    e.msg);
}

static void
str_eq(const char *got, const char *want)
{
	if (want == NULL && got != NULL)
		fail_msg("want NULL, got '%s'", got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("want '%s', got '%s'", want, got ? got : "(null)");
}

/*
 * r must be method/version=result with reason, comment and the props
 * "ptype.property=value" separated by "|" (NULL: none), in order.
 */
static void
res_eq(const struct vouch_authres_result *r, const char *method, int ver,
    const char *result, const char *reason, const char *comment,
    const char *props)
{
	char want[1024];
	size_t i;

	str_eq(r->method, method);
	assert_int_equal(r->method_version, ver);
	str_eq(r->result, result);
	str_eq(r->reason, reason);
	str_eq(r->comment, comment);
	want[0] = '\0';
	for (i = 0; i < r->nprops; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
		    "%s%s.%s=%s", i ? "|" : "", r->props[i].ptype,
		    r->props[i].property, r->props[i].value);
	str_eq(want, props ? props : "");
}

struct want_res {
	const char *method;
	int version;
	const char *result, *reason, *comment, *props;
};

/* RFC 8601 appendix B.2-B.7 (every field) and the Authentication-Results
 * field of RFC 8617 appendix B example 1, folding as printed. */
static const struct {
	const char *what, *value, *id;
	int version, none;
	size_t n;
	struct want_res r[4];
} examples[] = {
	{ "B.2", "example.org 1; none", "example.org", 1, 1, 0, { { 0 } } },
	{ "B.3", " example.com;\r\n          spf=pass "
	    "smtp.mailfrom=example.net", "example.com", 1, 0, 1, {
	    { "spf", 0, "pass", NULL, NULL, "smtp.mailfrom=example.net" } } },
	{ "B.4 first", " example.com;\r\n          auth=pass (cram-md5) "
	    "smtp.auth=sender@example.net;\r\n          spf=pass "
	    "smtp.mailfrom=example.net", "example.com", 1, 0, 2, {
	    { "auth", 0, "pass", NULL, "cram-md5",
	    "smtp.auth=sender@example.net" },
	    { "spf", 0, "pass", NULL, NULL, "smtp.mailfrom=example.net" } } },
	{ "B.4 second", " example.com; iprev=pass\r\n          "
	    "policy.iprev=192.0.2.200", "example.com", 1, 0, 1, {
	    { "iprev", 0, "pass", NULL, NULL, "policy.iprev=192.0.2.200" } } },
	{ "B.5 first", " example.com;\r\n          dkim=pass (good signature) "
	    "header.d=example.com", "example.com", 1, 0, 1, {
	    { "dkim", 0, "pass", NULL, "good signature",
	    "header.d=example.com" } } },
	{ "B.5 second", " example.com;\r\n          auth=pass (cram-md5) "
	    "smtp.auth=sender@example.com;\r\n          spf=fail "
	    "smtp.mailfrom=example.com", "example.com", 1, 0, 2, {
	    { "auth", 0, "pass", NULL, "cram-md5",
	    "smtp.auth=sender@example.com" },
	    { "spf", 0, "fail", NULL, NULL, "smtp.mailfrom=example.com" } } },
	{ "B.6 first", " example.com;\r\n      dkim=pass reason=\"good "
	    "signature\"\r\n        header.i=@mail-router.example.net;\r\n"
	    "      dkim=fail reason=\"bad signature\"\r\n        "
	    "header.i=@newyork.example.com", "example.com", 1, 0, 2, {
	    { "dkim", 0, "pass", "good signature", NULL,
	    "header.i=@mail-router.example.net" },
	    { "dkim", 0, "fail", "bad signature", NULL,
	    "header.i=@newyork.example.com" } } },
	{ "B.6 second", " example.net;\r\n      dkim=pass (good signature) "
	    "header.i=@newyork.example.com", "example.net", 1, 0, 1, {
	    { "dkim", 0, "pass", NULL, "good signature",
	    "header.i=@newyork.example.com" } } },
	/* the comment after "fail" is none; the others belong to the
	 * method, version, "=" and the property */
	{ "B.7", " foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I "
	    "like it) / 1 (One yay) = (wait for it) fail\r\n      policy (A "
	    "dot can go here) . (like that) expired\r\n      (this surprised "
	    "me) = (as I wasn't expecting it) 1362471462", "foo.example.net",
	    1, 0, 1, {
	    { "dkim", 1, "fail", NULL, NULL, "policy.expired=1362471462" } } },
	{ "RFC 8617 B", " clochette.example.org; spf=fail\r\n    smtp.from="
	    "jqd@d1.example; dkim=fail (512-bit key)\r\n    header.i=@d1."
	    "example; dmarc=fail; arc=pass (as.2.gmail.example=pass,\r\n    "
	    "ams.2.gmail.example=pass, as.1.lists.example.org=pass,\r\n    "
	    "ams.1.lists.example.org=fail (message has been altered))",
	    "clochette.example.org", 1, 0, 4, {
	    { "spf", 0, "fail", NULL, NULL, "smtp.from=jqd@d1.example" },
	    { "dkim", 0, "fail", NULL, "512-bit key", "header.i=@d1.example" },
	    { "dmarc", 0, "fail", NULL, NULL, NULL },
	    { "arc", 0, "pass", NULL, "as.2.gmail.example=pass,    ams.2."
	    "gmail.example=pass, as.1.lists.example.org=pass,    ams.1.lists."
	    "example.org=fail (message has been altered)", NULL } } },
};

static void
test_examples(void **state)
{
	struct vouch_authres *ar;
	const struct want_res *w;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		ar = ok(examples[i].value);
		str_eq(ar->authserv_id, examples[i].id);
		if (ar->version != examples[i].version ||
		    ar->none != examples[i].none || ar->truncated ||
		    ar->nresults != examples[i].n)
			fail_msg("%s: version, none or count",
			    examples[i].what);
		for (k = 0; k < ar->nresults; k++) {
			w = &examples[i].r[k];
			res_eq(&ar->results[k], w->method, w->version,
			    w->result, w->reason, w->comment, w->props);
		}
		vouch_authres_free(ar);
	}
}

/* Names lower case, values as written; quoted id, versions, folding. */
static void
test_values(void **state)
{
	struct vouch_authres *ar;

	(void)state;
	ar = ok("EXAMPLE.com; SPF=PASS SMTP.MailFrom=Example.NET "
	    "Policy.X-Y=\"A \\\"q\\\" \\\\ \tb\"");
	str_eq(ar->authserv_id, "EXAMPLE.com");
	res_eq(&ar->results[0], "spf", 0, "pass", NULL, NULL,
	    "smtp.mailfrom=Example.NET|policy.x-y=A \"q\" \\ \tb");
	vouch_authres_free(ar);
	ar = ok("\"my \\\"id\\\"\" 2 ; dkim/2=pass header.b=AbC/+9=z "
	    "header.i=\"john doe\"@Example.com smtp.mailfrom=\"a\\\"b\"@x.y "
	    "smtp.helo=\"\"");
	str_eq(ar->authserv_id, "my \"id\"");
	assert_int_equal(ar->version, 2);
	res_eq(&ar->results[0], "dkim", 2, "pass", NULL, NULL,
	    "header.b=AbC/+9=z|header.i=\"john doe\"@Example.com|"
	    "smtp.mailfrom=\"a\\\"b\"@x.y|smtp.helo=");
	vouch_authres_free(ar);
	/* bare LF folding, a final line end, UTF-8 (RFC 6532) */
	ar = ok("x.example;\n\tspf=pass reason=\"caf\xc3\xa9\"\n smtp.mailfrom="
	    "j\xc3\xb6@\xc3\xa9.example\r\n");
	res_eq(&ar->results[0], "spf", 0, "pass", "caf\xc3\xa9", NULL,
	    "smtp.mailfrom=j\xc3\xb6@\xc3\xa9.example");
	vouch_authres_free(ar);
	/* versions saturate; "none" with a comment; "none" as a method */
	ar = ok("x 99999999999999999999; dkim/99999999999=pass");
	assert_int_equal(ar->version, 2147483647);
	assert_int_equal(ar->results[0].method_version, 2147483647);
	vouch_authres_free(ar);
	ar = ok("x;none(nothing done)\r\n ");
	assert_true(ar->none && ar->nresults == 0);
	vouch_authres_free(ar);
	ar = ok("x; none=pass");
	assert_true(!ar->none && ar->nresults == 1);
	res_eq(&ar->results[0], "none", 0, "pass", NULL, NULL, NULL);
	vouch_authres_free(ar);
	/* the length bounds the read */
	ar = NULL;
	assert_int_equal(vouch_authres_parse("x; none garbage", 7, &ar, NULL),
	    0);
	assert_true(ar->none);
	vouch_authres_free(ar);
}

/* A comment (and folding) in every place RFC 8601 2.2 allows CFWS. */
static void
test_comments_everywhere(void **state)
{
	struct vouch_authres *ar;

	(void)state;
	ar = ok("(a)\r\n x.example(b)\r\n\t1(c);(d)dkim(e)/(f)1(g)=(h)pass"
	    "(i \\(\\) (nested (twice)) \\\\)\r\n (second)reason(j)=(k)"
	    "\"why\"(l)header(m).(n)d(o)=(p)example.com(q)header(r).(s)i(t)="
	    "(u)@example.com(v);(w)spf(x)=(y)fail(z)");
	str_eq(ar->authserv_id, "x.example");
	assert_int_equal(ar->version, 1);
	assert_int_equal(ar->nresults, 2);
	res_eq(&ar->results[0], "dkim", 1, "pass", "why",
	    "i () (nested (twice)) \\",
	    "header.d=example.com|header.i=@example.com");
	res_eq(&ar->results[1], "spf", 0, "fail", NULL, "z", NULL);
	vouch_authres_free(ar);
	ar = ok("x(c); (c) none (c)");
	assert_true(ar->none);
	vouch_authres_free(ar);
}

static const struct {
	const char *in;
	const char *why;
} syntax_cases[] = {
	{ "", "expected an authserv-id at offset 0, found the end" },
	{ "  (c) ", "an authserv-id" },
	{ "; spf=pass", "an authserv-id at offset 0, found ';'" },
	{ "example.com", "';' after the authserv-id at offset 11" },
	{ "example.com x; spf=pass", "';' after the authserv-id at offset 12" },
	{ "example.com 1 2; none", "';' after the authserv-id" },
	{ "a@b; none", "';' after the authserv-id at offset 1, found '@'" },
	{ "\"\"; spf=pass", "empty authserv-id at offset 0" },
	{ "\"x; spf=pass", "quoted-string opened at offset 0" },
	{ "x (c; none", "comment opened at offset 2" },
	{ "x;", "a method at offset 2, found the end" },
	{ "x; spf=pass;", "a method at offset 12" },
	{ "x; spf=pass;; dkim=pass", "a method at offset 12, found ';'" },
	{ "x; spf", "'=' after the method at offset 6" },
	{ "x; spf pass", "'=' after the method" },
	{ "x; sp_f=pass", "'=' after the method at offset 5, found '_'" },
	{ "x; spf-=pass", "letter or digit ending a keyword at offset 6" },
	{ "x; spf=", "a result at offset 7" },
	{ "x; spf=\"pass\"", "a result" },
	{ "x; dkim/=pass", "a method version at offset 8" },
	{ "x; dkim/a=pass", "a method version" },
	{ "x; spf=pass foo", "'.' after the property type at offset 15" },
	{ "x; spf=pass smtp.mailfrom", "'=' after the property name" },
	{ "x; spf=pass smtp.=a", "a property name at offset 17" },
	{ "x; spf=pass smtp.mailfrom=", "a property value at offset 26" },
	{ "x; spf=pass smtp.mailfrom=;", "a property value" },
	{ "x; spf=pass smtp.mailfrom=a@b@c", "neither a token nor" },
	{ "x; spf=pass smtp.mailfrom=a@", "neither a token nor" },
	{ "x; spf=pass smtp.mailfrom=@", "neither a token nor" },
	{ "x; spf=pass smtp.mailfrom=a..b@c", "neither a token nor" },
	{ "x; spf=pass smtp.mailfrom=a@b..c", "neither a token nor" },
	{ "x; spf=pass smtp.mailfrom=\"a\"@", "a domain after '@'" },
	{ "x; spf=pass smtp.mailfrom=a,b", "property type at offset 27" },
	{ "x; spf=pass smtp.mailfrom=[1.2.3.4]", "a property value" },
	{ "x; spf=pass reason=\"open", "quoted-string opened at offset 19" },
	{ "x; spf=pass reason=", "a reason value" },
	{ "x; spf=pass reason=a/b", "reason= or a property type" },
	{ "x; spf=pass reason=a reason=b", "reason= at offset 21 after" },
	{ "x; spf=pass smtp.helo=a reason=b", "reason= at offset 24 after" },
	{ "x; spf=pass (a (b) c", "comment opened at offset 12" },
	{ "x; spf=pass a)", "'.' after the property type" },
	{ "x; spf=pass smtp.helo=a b.c", "'=' after the property name" },
	{ "x; none; spf=pass", "\"none\" at offset 3 is not the only" },
	{ "x; spf=pass; none", "\"none\" at offset 13" },
	{ "x; none x", "\"none\" at offset 3" },
	{ "x; spf=pass \"q\"", "reason= or a property type" },
	/* obs-qp quoting a line end, a line end not folding, controls */
	{ "x; spf=pass reason=\"a\\\r\n b\"", "quoted-string opened" },
	{ "x; spf=pass (a\\\n b)", "comment opened" },
	{ "x; spf=pass\r\nX-Evil: 1", "line end not followed by white" },
	{ "x; spf=pass\nX: 1", "line end not followed by white space" },
	{ "x; spf=pass\rx", "CR not followed by LF at offset 11" },
	{ "x; spf=pass\x01", "control byte 0x01 at offset 11" },
	{ "x; spf=pass (\x7f)", "control byte 0x7f" },
	{ "x; spf=pass reason=\"\xff\"", "invalid UTF-8 at offset 20" },
	{ "x; spf=pass\r\n\r\n", "line end not followed" },
	/* a broken comment in each place CFWS is read */
	{ "(open x; none", "comment opened at offset 0" },
	{ "x 1 (open; none", "comment opened at offset 4" },
	{ "x; spf (open", "comment opened at offset 7" },
	{ "x; spf=pass smtp.helo=(open", "comment opened at offset 22" },
	{ "x; \xc3\xa9=pass", "a method at offset 3, found octet 0xc3" },
};

static void
test_syntax_errors(void **state)
{
	struct vouch_authres *ar = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(syntax_cases) / sizeof(syntax_cases[0]); i++)
		bad(syntax_cases[i].in, strlen(syntax_cases[i].in),
		    VOUCH_ESYNTAX, syntax_cases[i].why);
	bad("x; spf=pass\0 smtp.helo=a", 24, VOUCH_ESYNTAX,
	    "control byte 0x00 at offset 11");
	assert_int_equal(vouch_authres_parse(NULL, 0, &ar, NULL),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_authres_parse("x; none", 7, NULL, NULL),
	    VOUCH_EINVAL);
	vouch_authres_free(NULL);
}

/* n results "m<i>=pass", then tail; the caller frees. */
static char *
many_results(int n, const char *tail)
{
	size_t cap = (size_t)n * 16 + strlen(tail) + 16, len;
	char *v = malloc(cap);
	int i;

	assert_non_null(v);
	len = (size_t)snprintf(v, cap, "x.example");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(v + len, cap - len, "; m%d=pass", i);
	snprintf(v + len, cap - len, "%s", tail);
	return v;
}

static void
test_caps(void **state)
{
	struct vouch_authres *ar;
	char *v, props[2048], big[VOUCH_MSG_FIELD_MAX + 2];
	size_t len = 0;
	int i;

	(void)state;
	v = many_results(VOUCH_AUTHRES_RESULTS_MAX, "");
	ar = ok(v);
	assert_true(ar->nresults == VOUCH_AUTHRES_RESULTS_MAX &&
	    !ar->truncated);
	vouch_authres_free(ar);
	free(v);
	v = many_results(VOUCH_AUTHRES_RESULTS_MAX + 1, "");
	ar = ok(v);
	assert_true(ar->nresults == VOUCH_AUTHRES_RESULTS_MAX &&
	    ar->truncated);
	str_eq(ar->results[31].method, "m31");
	vouch_authres_free(ar);
	free(v);
	/* what is past the cap is still read: a broken tail fails it all */
	v = many_results(40, "; spf=pass reason=\"open");
	bad(v, strlen(v), VOUCH_ESYNTAX, "quoted-string opened");
	free(v);
	/* properties past the cap are read and skipped */
	len = (size_t)snprintf(props, sizeof(props), "x; dkim=pass");
	for (i = 0; i < VOUCH_AUTHRES_PROPS_MAX + 4; i++)
		len += (size_t)snprintf(props + len, sizeof(props) - len,
		    " header.p%d=v%d", i, i);
	ar = ok(props);
	assert_int_equal(ar->results[0].nprops, VOUCH_AUTHRES_PROPS_MAX);
	str_eq(vouch_authres_prop(&ar->results[0], "HEADER", "P15"), "v15");
	assert_null(vouch_authres_prop(&ar->results[0], "header", "p16"));
	assert_null(vouch_authres_prop(&ar->results[0], "smtp", "p1"));
	assert_null(vouch_authres_prop(NULL, "header", "p1"));
	vouch_authres_free(ar);
	/* VOUCH_MSG_FIELD_MAX octets are read, one more is refused */
	memset(big, 'a', sizeof(big));
	memcpy(big, "x; spf=pass reason=", 19);
	big[VOUCH_MSG_FIELD_MAX] = '\0';
	ar = ok(big);
	assert_int_equal(strlen(ar->results[0].reason),
	    VOUCH_MSG_FIELD_MAX - 19);
	vouch_authres_free(ar);
	bad(big, VOUCH_MSG_FIELD_MAX + 1, VOUCH_ELIMIT, "over the 32768");
}

/* ---- the builder -------------------------------------------------------- */

static char *
build(const char *id, const char *const *frags, size_t n)
{
	struct vouch_authres_builder *b = NULL;
	char *out = NULL;
	size_t i;

	assert_int_equal(vouch_authres_builder_new(id, &b), 0);
	for (i = 0; i < n; i++)
		if (vouch_authres_builder_add(b, frags[i]) != 0)
			fail_msg("fragment '%s' refused", frags[i]);
	assert_int_equal(vouch_authres_builder_finish(b, &out), 0);
	vouch_authres_builder_free(b);
	return out;
}

static void
test_builder_refuses(void **state)
{
	static const char *const bad_ids[] = {
		"", "a b", "a;b", "\"a\"", "a\r\nb", "a\nb", "ex\xc3\xa9.com",
		".a", "a.", "a..b", "a(b)", "a\x01", "a\tb", "a@b", "a,b",
		/* atext, but not an RFC 2045 token: found by fuzz_authres */
		"example.c/m", "a=b", "a?b",
	};
	static const char *const bad_frags[] = {
		"spf=pass\r\nX-Evil: 1", "spf=pass\n", "spf=pass\r",
		"spf=pass\x01", "dkim=pass\x7f", "spf=pass; dkim=pass",
		"spf=pass;", "; spf=pass", "spf=pass reason=\"x",
		"spf=pass reason=\"x;\" ; dmarc=pass", "spf=pass (x",
		"spf=pass x)", "spf=pass (a;b))", "", "  ", "none", "none (c)",
		"spf", "spf=pass smtp.mailfrom=a@b@c", "x.example; spf=pass",
		"spf=pass reason=\"\xc3\"", "spf=pass (\\",
	};
	struct vouch_authres_builder *b = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		if (vouch_authres_builder_new(bad_ids[i], &b) != VOUCH_EINVAL)
			fail_msg("authserv-id '%s' accepted", bad_ids[i]);
		assert_null(b);
	}
	assert_int_equal(vouch_authres_builder_new(NULL, &b), VOUCH_EINVAL);
	assert_int_equal(vouch_authres_builder_new("x", NULL), VOUCH_EINVAL);
	assert_int_equal(vouch_authres_builder_new("a.b_c-d!#", &b), 0);
	for (i = 0; i < sizeof(bad_frags) / sizeof(bad_frags[0]); i++)
		if (vouch_authres_builder_add(b, bad_frags[i]) != VOUCH_EINVAL)
			fail_msg("fragment '%s' accepted", bad_frags[i]);
	assert_int_equal(vouch_authres_builder_add(b, NULL), VOUCH_EINVAL);
	assert_int_equal(vouch_authres_builder_add(NULL, "spf=pass"),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_authres_builder_finish(NULL, NULL),
	    VOUCH_EINVAL);
	vouch_authres_builder_free(b);
	vouch_authres_builder_free(NULL);
}

static void
test_builder_output(void **state)
{
	static const char *const two[] = {
		"spf=pass smtp.mailfrom=example.net",
		"dkim=pass\t(good; \"signature\") header.d=example.com",
	};
	static const char *const odd[] = {
		"  spf=pass   reason=\"a;  b\"  ",
		"x-y/2=pass (a (b) \\) c)",
	};
	char *out;

	(void)state;
	out = build("example.com", NULL, 0);
	str_eq(out, " example.com; none");
	free(out);
	out = build("example.com", two, 2);
	str_eq(out, " example.com; spf=pass smtp.mailfrom=example.net;\r\n"
	    "\tdkim=pass (good; \"signature\") header.d=example.com");
	free(out);
	/* white space outside quotes and comments becomes one space */
	out = build("e", odd, 2);
	str_eq(out, " e; spf=pass reason=\"a;  b\";\r\n"
	    "\tx-y/2=pass (a (b) \\) c)");
	free(out);
}

/* A space outside quoted-strings in line[1..n) (comments not needed). */
static int
bare_space(const char *line, size_t n)
{
	size_t i;
	int q = 0;

	for (i = 1; i < n; i++) {
		if (line[i] == '\\' && q)
			i++;
		else if (line[i] == '"')
			q = !q;
		else if (line[i] == ' ' && !q)
			return 1;
	}
	return 0;
}

/* Every line of a built value within 78 octets, the first counting the
 * field name, unless it holds one token only; continuation lines start
 * with a TAB. */
static void
check_lines(const char *out)
{
	const char *line = out, *end;
	size_t n, first = 1;

	for (;;) {
		end = strstr(line, "\r\n");
		n = end ? (size_t)(end - line) : strlen(line);
		if (n + (first ? 23 : 0) > 78 && bare_space(line, n))
			fail_msg("line too long (%zu): %.*s", n, (int)n, line);
		if (!first && line[0] != '\t')
			fail_msg("continuation without TAB: %.*s", (int)n,
			    line);
		if (end == NULL)
			break;
		line = end + 2;
		first = 0;
	}
}

/* The built value reads as the fragments joined with "; ". */
static void
same_as_joined(const char *id, const char *out, const char *const *frags,
    size_t n)
{
	struct vouch_authres *a, *b;
	char joined[8192];
	size_t i, k;

	snprintf(joined, sizeof(joined), "%s", id);
	for (i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) -
		    strlen(joined), "; %s", frags[i]);
	a = ok(out);
	b = ok(joined);
	str_eq(a->authserv_id, id);
	assert_int_equal(a->nresults, b->nresults);
	for (i = 0; i < a->nresults; i++) {
		str_eq(a->results[i].method, b->results[i].method);
		str_eq(a->results[i].result, b->results[i].result);
		str_eq(a->results[i].reason, b->results[i].reason);
		str_eq(a->results[i].comment, b->results[i].comment);
		assert_int_equal(a->results[i].nprops, b->results[i].nprops);
		for (k = 0; k < a->results[i].nprops; k++)
			str_eq(a->results[i].props[k].value,
			    b->results[i].props[k].value);
	}
	vouch_authres_free(a);
	vouch_authres_free(b);
}

static void
test_folding(void **state)
{
	static const char *const f[] = {
		"spf=pass (domain of sender@example.net designates 192.0.2.1 "
		"as permitted sender) smtp.mailfrom=sender@example.net",
		"dkim=pass (good signature) header.d=example.net "
		"header.i=@mail.example.net header.s=selector2024 "
		"header.a=rsa-sha256 header.b=AbCdEfGh",
		"dmarc=pass header.from=example.net policy.dmarc=reject",
		"dkim=fail reason=\"a very long reason that is one "
		"quoted-string token and cannot be folded anywhere at all\" "
		"header.d=x.example",
		"arc=pass",
	};
	static const char bs[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	char fit[128], mid[128], *out;
	const char *frag[3];

	(void)state;
	out = build("mx.example.org", f, 5);
	check_lines(out);
	same_as_joined("mx.example.org", out, f, 5);
	assert_non_null(strstr(out, "mx.example.org;\r\n\tspf=pass\r\n\t"
	    "(domain of"));
	assert_non_null(strstr(out, "header.b=AbCdEfGh;\r\n\tdmarc=pass"));
	assert_non_null(strstr(out, "\r\n\treason=\"a very long reason"));
	free(out);
	/* 78 octets exactly stay on one line; one more folds */
	snprintf(fit, sizeof(fit), "spf=pass smtp.mailfrom=%.28s", bs);
	frag[0] = fit;
	out = build("e", frag, 1);
	assert_int_equal(strlen(out) + 23, 78);
	assert_null(strchr(out, '\r'));
	free(out);
	snprintf(fit, sizeof(fit), "spf=pass smtp.mailfrom=%.29s", bs);
	out = build("e", frag, 1);
	assert_int_equal(strncmp(out, " e;\r\n\tspf=pass smtp.mailfrom=", 29),
	    0);
	free(out);
	/* inside a resinfo: the last token and its ";" end at octet 78 */
	frag[0] = "arc=none";
	frag[1] = mid;
	frag[2] = "spf=none";
	snprintf(mid, sizeof(mid), "dkim=pass header.d=%.57s", bs);
	out = build("e", frag, 3);
	assert_non_null(strstr(out, ";\r\n\tdkim=pass header.d=bbbbb"));
	assert_non_null(strstr(out, "bbbb;\r\n\tspf=none"));
	assert_int_equal(strstr(out, "bbbb;\r\n") + 5 - strstr(out,
	    "\tdkim"), 78);
	free(out);
	snprintf(mid, sizeof(mid), "dkim=pass header.d=%.58s", bs);
	out = build("e", frag, 3);
	assert_non_null(strstr(out, ";\r\n\tdkim=pass\r\n\theader.d=bbbbb"));
	check_lines(out);
	free(out);
	/* an authserv-id too long for the first line is left whole */
	frag[0] = "spf=pass";
	out = build("a-very-long-authserv-id-that-fills-the-first-line."
	    "example.org", frag, 1);
	assert_non_null(strstr(out, ".example.org;\r\n\tspf=pass"));
	free(out);
}

/* ---- vouch_authres_ours() ------------------------------------------- */

static const char forged[] =
    "Received: from a.example by mx.example.org; 1 Jan 2024 00:00 +0000\r\n"
    "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=a.ex\r\n"
    "Authentication-Results: other.example; dkim=pass header.d=a.example\r\n"
    "authentication-results: MX.Example.ORG;\r\n\tdkim=pass\r\n"
    "Authentication-Results: mx.example.org; dkim=pass reason=\"open\r\n"
    "Authentication-Results: (c) \"mx.example.org\" (c); dmarc=pass\r\n"
    "Authentication-Results: mx.example.org.evil.example; spf=pass\r\n"
    "X-Other: mx.example.org; spf=pass\r\n"
    "Authentication-Results: (a\\)) mx.example.org/x; dmarc=pass\r\n"
    "Authentication-Results: mx.example.org.; spf=pass\r\n"
    "Authentication-Results: (open mx.example.org; spf=pass\r\n"
    "Authentication-Results: \"mx.example.org; dkim=pass\r\n"
    "Authentication-Results: other.example; dkim=pass (mx.example.org\r\n"
    "AUTHENTICATION-RESULTS:mx.example.org;none\r\n"
    "Authentication-Results: \"mx.example.org x\"; none\r\n"
    "Authentication-Results: \"mx.\\example.org\" (open; none\r\n"
    /* unfolding keeps the white space (RFC 5322 2.2.3): not ours */
    "Authentication-Results: \"mx.example\r\n .org\" (open; none\r\n"
    "From: a@a.example\r\n"
    "\r\n"
    "body\r\n";

static struct vouch_msg *
message(const char *text)
{
	struct vouch_msg *msg = NULL;
	struct vouch_error e;
	size_t body;

	memset(&e, 0, sizeof(e));
	assert_int_equal(vouch_msg_new(NULL, &msg), 0);
	if (vouch_msg_parse_header(msg, text, strlen(text), &body, &e) != 0)
		fail_msg("message: %s", e.msg);
	return msg;
}

static void
test_ours(void **state)
{
	static const size_t want[] = { 1, 3, 4, 5, 7, 8, 10, 12, 13, 14 };
	struct vouch_msg *msg = message(forged);
	size_t *idx = (size_t *)&msg, n = 99, i;

	(void)state;
	assert_int_equal(vouch_authres_ours(msg, "mx.example.org", &idx, &n),
	    0);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++)
		assert_int_equal(idx[i], want[i]);
	free(idx);
	assert_int_equal(vouch_authres_ours(msg, "third.example", &idx, &n),
	    0);
	assert_true(n == 0 && idx == NULL);
	assert_int_equal(vouch_authres_ours(msg, "other.example", &idx, &n),
	    0);
	assert_true(n == 2 && idx[0] == 2 && idx[1] == 11);
	free(idx);
	assert_int_equal(vouch_authres_ours(msg, "", &idx, &n), VOUCH_EINVAL);
	assert_int_equal(vouch_authres_ours(msg, NULL, &idx, &n),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_authres_ours(msg, "x", NULL, &n),
	    VOUCH_EINVAL);
	vouch_msg_free(msg);
	/* RFC 8601 5: EAI fields compare with labels converted */
	msg = message("Authentication-Results: B\xc3\xbc" "cher.example; "
	    "none\r\n"
	    "Authentication-Results: \"b\xc3\xbc" "cher.example\" (x; none\r\n"
	    "Authentication-Results: buecher.example; none\r\n\r\n");
	assert_int_equal(vouch_authres_ours(msg, "xn--bcher-kva.example",
	    &idx, &n), 0);
	assert_true(n == 2 && idx[0] == 1 && idx[1] == 2);
	free(idx);
	vouch_msg_free(msg);
}

/* ---- allocation failures ------------------------------------------------ */

static int
alloc_round(const char *value, struct vouch_msg *msg)
{
	static const char *const frags[] = {
		"spf=pass smtp.mailfrom=example.net",
		"dkim=pass (good signature) header.d=example.com header.s=s "
		"header.i=@example.com header.b=AbCdEfGh header.a=rsa-sha256",
	};
	struct vouch_authres_builder *b = NULL;
	struct vouch_authres *ar = NULL;
	size_t *idx = NULL, n, i;
	char *out = NULL;
	int rc;

	rc = vouch_authres_parse(value, strlen(value), &ar, NULL);
	vouch_authres_free(ar);
	if (rc != 0)
		return rc;
	if ((rc = vouch_authres_builder_new("example.com", &b)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < 2; i++)
		rc = vouch_authres_builder_add(b, frags[i]);
	if (rc == 0)
		rc = vouch_authres_builder_finish(b, &out);
	vouch_authres_builder_free(b);
	free(out);
	if (rc != 0)
		return rc;
	rc = vouch_authres_ours(msg, "mx.example.org", &idx, &n);
	free(idx);
	return rc;
}

/*
 * The arena takes memory a chunk at a time: fields of growing length put
 * the chunk boundaries, and so the failures, at every kind of string.
 */
static void
failalloc_parse_lengths(void)
{
	static const char ri[] = "; dkim=pass (c) reason=\"r\" header.i="
	    "\"a b\"@x.example header.d=y header.s=z";
	struct vouch_authres *ar;
	char v[sizeof(ri) * 48 + 16];
	unsigned long n;
	size_t k, len;
	int rc;

	for (k = 1; k < 48; k++) {
		len = (size_t)snprintf(v, sizeof(v), "x.example");
		while (len + sizeof(ri) < sizeof(v) && len < k * sizeof(ri))
			len += (size_t)snprintf(v + len, sizeof(v) - len, "%s",
			    ri);
		for (n = 1, rc = VOUCH_ENOMEM; rc == VOUCH_ENOMEM; n++) {
			ar = NULL;
			failalloc_set(n);
			rc = vouch_authres_parse(v, len, &ar, NULL);
			failalloc_set(0);
			assert_true(rc == 0 || (rc == VOUCH_ENOMEM && !ar));
			vouch_authres_free(ar);
		}
	}
}

static void
test_failalloc(void **state)
{
	static const char v[] = " example.com;\r\n dkim=pass (c (n)) "
	    "reason=\"good\" header.i=@mail-router.example.net header.d=a "
	    "header.s=b header.u=\"q r\"@x.example header.v=\"v\" "
	    "header.a=c header.b=d header.x=e;\r\n dkim/1=fail header.i="
	    "\"x y\"@newyork.example.com; spf=pass; dmarc=pass; arc=pass; "
	    "auth=pass; iprev=pass; x=y";
	struct vouch_msg *msg = message(forged);
	unsigned long n;
	int rc = VOUCH_ENOMEM;

	(void)state;
	for (n = 1; n < 10000 && rc == VOUCH_ENOMEM; n++) {
		failalloc_set(n);
		rc = alloc_round(v, msg);
		failalloc_set(0);
		if (rc != 0 && rc != VOUCH_ENOMEM)
			fail_msg("allocation %lu: %d", n, rc);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 10);
	vouch_msg_free(msg);
	failalloc_parse_lengths();
}

/* Microsoft's own values (no authserv-id, "action=" without a ptype)
 * are read by the lenient parser only; what RFC 8601 allows is read the
 * same by both; what is not a result list stays refused. */
static void
test_lenient(void **state)
{
	static const char ms[] = " spf=pass (sender IP is 198.51.100.80)\r\n"
	    " smtp.mailfrom=esp.example.net; dkim=none (message not signed)"
	    "\r\n header.d=none;dmarc=fail action=quarantine\r\n"
	    " header.from=example.com;compauth=fail reason=000";
	static const char ok[] = " mx.example.net; spf=pass "
	    "smtp.mailfrom=example.com";
	struct vouch_authres *ar = NULL;
	int no_id = -1;

	(void)state;
	assert_int_equal(vouch_authres_parse(ms, sizeof(ms) - 1, &ar, NULL),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_authres_parse_lenient(ms, sizeof(ms) - 1, &ar,
	    &no_id, NULL), 0);
	assert_int_equal(no_id, 1);
	assert_int_equal(ar->nresults, 4);
	assert_string_equal(ar->results[0].method, "spf");
	assert_string_equal(ar->results[0].result, "pass");
	assert_string_equal(vouch_authres_prop(&ar->results[0], "smtp",
	    "mailfrom"), "esp.example.net");
	assert_string_equal(ar->results[2].method, "dmarc");
	assert_string_equal(ar->results[2].result, "fail");
	assert_string_equal(vouch_authres_prop(&ar->results[2], "header",
	    "from"), "example.com");
	assert_string_equal(ar->results[3].reason, "000");
	vouch_authres_free(ar);
	assert_int_equal(vouch_authres_parse_lenient(ok, sizeof(ok) - 1, &ar,
	    &no_id, NULL), 0);
	assert_int_equal(no_id, 0);
	assert_string_equal(ar->authserv_id, "mx.example.net");
	vouch_authres_free(ar);
	assert_int_equal(vouch_authres_parse_lenient("hello there", 11, &ar,
	    &no_id, NULL), VOUCH_ESYNTAX);
	/* a NUL byte is part of the word it is in (a fuzzed input once
	   looped here): "a\0b=c" is a property without a ptype, dropped;
	   alone it is refused, as the strict parser refuses it */
	assert_int_equal(vouch_authres_parse_lenient("spf=pass a\0b=c", 14,
	    &ar, &no_id, NULL), 0);
	assert_int_equal(no_id, 1);
	assert_int_equal(ar->nresults, 1);
	assert_string_equal(ar->results[0].result, "pass");
	vouch_authres_free(ar);
	assert_int_equal(vouch_authres_parse_lenient("spf=pa\0ss", 10, &ar,
	    &no_id, NULL), VOUCH_ESYNTAX);
	assert_null(ar);
	assert_int_equal(no_id, 0);
	assert_int_equal(vouch_authres_parse_lenient(ok, sizeof(ok) - 1, &ar,
	    NULL, NULL), VOUCH_EINVAL);
	assert_int_equal(vouch_authres_parse_lenient(ok, sizeof(ok) - 1, NULL,
	    &no_id, NULL), VOUCH_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_comments_everywhere),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_builder_refuses),
		cmocka_unit_test(test_builder_output),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_ours),
		cmocka_unit_test(test_failalloc),
		cmocka_unit_test(test_lenient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
