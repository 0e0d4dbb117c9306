/*
 * test_msg_addr.c - RFC 5322 address lists (lib/msg/msg_addr.c,
 * msg_lex.c) and domains to A-labels (msg_idn.c): the Appendix A
 * examples with the addresses the RFC text names, the obsolete forms,
 * hostile input with each specific error, limits and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/msg.h>

#include "failalloc.h"

/*
 * Parse s and compare with want: the addresses as "local@domain" joined
 * by " | " (the separator cannot be confused with address text here).
 */
static struct vouch_addr_list *
expect(const char *s, const char *want)
{
	struct vouch_addr_list *l = NULL;
	struct vouch_error err;
	char got[4096] = "";
	size_t i, o = 0;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vouch_addr_parse(s, strlen(s), &l, &err);
	if (rc != 0)
		fail_msg("\"%s\": %d %s", s, rc, err.msg);
	for (i = 0; i < l->count; i++)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s@%s",
		    i ? " | " : "", l->addr[i].local, l->addr[i].domain);
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", s, got, want);
	return l;
}

static void
ok(const char *s, const char *want)
{
	vouch_addr_list_free(expect(s, want));
}

static void
bad_len(const char *s, size_t len, int code, const char *what)
{
	struct vouch_addr_list *l = (struct vouch_addr_list *)&l;
	struct vouch_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vouch_addr_parse(s, len, &l, &err);
	if (rc != code)
		fail_msg("\"%.*s\": got %d (%s), want %d", (int)len, s, rc,
		    err.msg, code);
	assert_null(l);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, what) == NULL)
		fail_msg("\"%.*s\": error \"%s\" does not say \"%s\"",
		    (int)len, s, err.msg, what);
}

static void
bad(const char *s, const char *what)
{
	bad_len(s, strlen(s), VOUCH_ESYNTAX, what);
}

/* RFC 5322 Appendix A.1.1 and A.1.2 */
static void
test_a11_a12(void **state)
{
	struct vouch_addr_list *l;

	(void)state;
	l = expect(" John Doe <jdoe@machine.example>", "jdoe@machine.example");
	assert_string_equal(l->addr[0].display, "John Doe");
	assert_null(l->addr[0].group);
	assert_int_equal(l->groups, 0);
	vouch_addr_list_free(l);
	ok(" Michael Jones <mjones@machine.example>",
	    "mjones@machine.example");

	l = expect(" \"Joe Q. Public\" <john.q.public@example.com>",
	    "john.q.public@example.com");
	assert_string_equal(l->addr[0].display, "\"Joe Q. Public\"");
	vouch_addr_list_free(l);

	l = expect(" Mary Smith <mary@x.test>, jdoe@example.org, "
	    "Who? <one@y.test>",
	    "mary@x.test | jdoe@example.org | one@y.test");
	assert_string_equal(l->addr[0].display, "Mary Smith");
	assert_string_equal(l->addr[1].display, "");
	assert_string_equal(l->addr[2].display, "Who?");
	vouch_addr_list_free(l);

	l = expect(" <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
	    "<sysservices@example.net>",
	    "boss@nil.test | sysservices@example.net");
	assert_string_equal(l->addr[0].display, "");
	assert_string_equal(l->addr[1].display,
	    "\"Giant; \\\"Big\\\" Box\"");
	vouch_addr_list_free(l);
}

/* A.1.3: a group of three and an empty group. */
static void
test_a13_groups(void **state)
{
	struct vouch_addr_list *l;

	(void)state;
	l = expect(" A Group:Ed Jones <c@a.test>,joe@where.test,John "
	    "<jdoe@one.test>;",
	    "c@a.test | joe@where.test | jdoe@one.test");
	assert_int_equal(l->groups, 1);
	assert_string_equal(l->addr[0].group, "A Group");
	assert_string_equal(l->addr[2].group, "A Group");
	assert_string_equal(l->addr[2].display, "John");
	vouch_addr_list_free(l);

	l = expect(" Undisclosed recipients:;", "");
	assert_int_equal(l->count, 0);
	assert_int_equal(l->groups, 1);
	vouch_addr_list_free(l);

	/* Groups mixed with mailboxes; the group ends at ';'. */
	l = expect("team: a@x.example, b@y.example;, c@z.example, "
	    "empty:;, d@w.example",
	    "a@x.example | b@y.example | c@z.example | d@w.example");
	assert_int_equal(l->groups, 2);
	assert_string_equal(l->addr[1].group, "team");
	assert_null(l->addr[2].group);
	vouch_addr_list_free(l);
	/* obs-group-list: only commas and CFWS. */
	ok("g: , ,(x) ;", "");
}

/* A.5: comments and white space everywhere. */
static void
test_a5_comments(void **state)
{
	struct vouch_addr_list *l;

	(void)state;
	l = expect(" Pete(A nice \\) chap) <pete(his account)@silly.test(his "
	    "host)>", "pete@silly.test");
	assert_string_equal(l->addr[0].display, "Pete");
	vouch_addr_list_free(l);

	l = expect("A Group(Some people)\r\n"
	    "     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	    "         joe@example.org,\r\n"
	    "  John <jdoe@one.test> (my dear friend); (the end of the group)",
	    "c@public.example | joe@example.org | jdoe@one.test");
	assert_string_equal(l->addr[0].group, "A Group");
	assert_string_equal(l->addr[0].display, "Chris Jones");
	vouch_addr_list_free(l);

	l = expect("(Empty list)(start)Hidden recipients  :(nobody(that I "
	    "know))  ;", "");
	assert_int_equal(l->groups, 1);
	vouch_addr_list_free(l);
}

/* A.6.1 and A.6.3: obsolete addressing and white space. */
static void
test_a6_obsolete(void **state)
{
	struct vouch_addr_list *l;

	(void)state;
	l = expect(" Joe Q. Public <john.q.public@example.com>",
	    "john.q.public@example.com");
	assert_string_equal(l->addr[0].display, "Joe Q. Public");
	vouch_addr_list_free(l);

	l = expect(" Mary Smith <@node.test:mary@example.net>, , jdoe@test  "
	    ". example", "mary@example.net | jdoe@test.example");
	assert_string_equal(l->addr[0].display, "Mary Smith");
	vouch_addr_list_free(l);

	ok(" John Doe <jdoe@machine(comment).  example>",
	    "jdoe@machine.example");
	l = expect(" Mary Smith\r\n  \r\n          <mary@example.net>",
	    "mary@example.net");
	assert_string_equal(l->addr[0].display, "Mary Smith");
	vouch_addr_list_free(l);
}

static void
test_forms(void **state)
{
	struct vouch_addr_list *l;

	(void)state;
	ok("a . b@x.example", "a.b@x.example");
	ok("a.\"b c\".d@x.example", "a.b c.d@x.example");
	ok("\"john \\\"j\\\" doe\"@example.com", "john \"j\" doe@example.com");
	ok("\"a@b\"@example.com", "a@b@example.com");
	ok("<@a.example,@b.example:u@c.example>", "u@c.example");
	ok("<,@a.example,,@b.example:u@c.example>", "u@c.example");
	ok(",, a@x.example ,,, b@y.example ,", "a@x.example | b@y.example");
	ok("User@EXAMPLE.Com", "User@example.com");
	ok("a@_dmarc.x.example", "a@_dmarc.x.example");
	ok("a.@docomo.example", "a.@docomo.example");
	ok("a..b@docomo.example", "a..b@docomo.example");

	l = expect("postmaster@[192.0.2.1], x@[ IPv6:2001:db8::1 ]",
	    "postmaster@[192.0.2.1] | x@[IPv6:2001:db8::1]");
	assert_int_equal(l->addr[0].literal, 1);
	vouch_addr_list_free(l);

	/* RFC 6532: UTF-8 in local parts, display names and domains. */
	l = expect("J\xc3\xb6rg <j\xc3\xb6rg@B\xc3\xbc" "cher.example>",
	    "j\xc3\xb6rg@xn--bcher-kva.example");
	assert_string_equal(l->addr[0].display, "J\xc3\xb6rg");
	assert_int_equal(l->addr[0].literal, 0);
	vouch_addr_list_free(l);

	/* Display names keep encoded words and folding is removed. */
	l = expect("=?utf-8?q?J=C3=B6rg?=\r\n =?utf-8?q?_X?= <j@x.example>",
	    "j@x.example");
	assert_string_equal(l->addr[0].display,
	    "=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_X?=");
	vouch_addr_list_free(l);
	ok("a@x.example\n", "a@x.example");
	ok("\ta@x.example\r\n\t, b@y.example", "a@x.example | b@y.example");
}

/* What looks like an address in a display name never becomes one. */
static void
test_no_smuggling(void **state)
{
	struct vouch_addr_list *l;

	(void)state;
	l = expect(" =?utf-8?q?evil@attacker.example?= <user@good.example>",
	    "user@good.example");
	assert_string_equal(l->addr[0].display,
	    "=?utf-8?q?evil@attacker.example?=");
	vouch_addr_list_free(l);
	ok(" \"a@b.example\" <c@d.example>", "c@d.example");
	ok("=?utf-8?b?PGV2aWxAeC5leGFtcGxlPg==?= <u@good.example>",
	    "u@good.example");
	ok("=?utf-8?q?<evil@x.example>?= <u@good.example>", "u@good.example");
	ok("(evil@attacker.example) u@good.example", "u@good.example");

	bad("=?utf-8?q?a@b?= @good.example", "encoded word cannot be an "
	    "address");
	bad("=?utf-8?q?a@b?=@good.example", "invalid domain 'b?='");
	bad("x.=?utf-8?q?a<b?= @good.example", "encoded word cannot be");
	bad("evil@attacker.example <user@good.example>",
	    "unexpected '<' after an address at offset 22");
	bad("user@good.example evil@attacker.example",
	    "unexpected 'evil' after an address at offset 18");
	bad("<a@x.example> <b@y.example>", "unexpected '<' after an address");
	bad("a@x.example@y.example", "unexpected '@' after an address");
	bad("a@=?utf-8?q?x?=", "invalid domain");
}

static void
test_errors(void **state)
{
	(void)state;
	bad("", "no address in the field");
	bad("  (just a comment) ", "no address in the field");
	bad(" , ,", "no address in the field");
	bad("user", "address without a domain at offset 0");
	bad("a@x.example, user", "address without a domain at offset 13");
	bad("Joe <user>", "address without a domain in the '<' at offset 4");
	bad("user@", "missing or invalid domain after '@'");
	bad("user@ , b@x.example", "missing or invalid domain");
	bad("@example.com", "empty local part before '@' at offset 0");
	bad("\"\"@example.com", "empty local part");
	bad("<@example.com>", "invalid route");
	bad("john doe@example.com", "words not joined by '.'");
	bad("<>", "empty address in the '<' at offset 0");
	bad("Joe <user@example.com", "unbalanced '<' at offset 4");
	bad("Joe user@example.com>", "words not joined by '.'");
	bad("user@example.com>", "unbalanced '>' at offset 16");
	bad("\"Joe <a@b.example>", "unbalanced '\"' at offset 0");
	bad("Joe (x <a@b.example>", "unbalanced '(' at offset 4");
	bad("Joe ((x) <a@b.example>", "unbalanced '(' at offset 4");
	bad("Joe x) <a@b.example>", "unbalanced ')' at offset 5");
	bad("a@[192.0.2.1", "unbalanced '[' at offset 2");
	bad("a@192.0.2.1]", "unbalanced ']' at offset 11");
	bad("a@[1[2]", "'[' inside a domain literal at offset 4");
	bad("a\\b@x.example", "unexpected '\\' at offset 1");
	bad("\"a\\", "unbalanced '\"' at offset 0");
	bad("Joe <a@b.example>;", "unexpected ';' after an address");
	bad("g: a@b.example", "group at offset 1 is not closed with ';'");
	bad("g: h: a@b.example;;", "a group inside a group at offset 4");
	bad(": a@b.example;", "group without a name at offset 0");
	bad(". <a@b.example>", "invalid display name at offset 0");
	bad("a@b.example :", "unexpected ':' after an address");
	bad("a@b..example", "missing or invalid domain");
	bad("a@x.example.", "missing or invalid domain");
	bad("a@-b.example", "invalid domain '-b.example' at offset 2");
	bad("a@b_.exa mple", "unexpected 'mple'");
	bad("a@xn--zz.example", "invalid domain");
	bad("a@ex!ample.com", "invalid domain");
	bad("a@\"x\".example", "missing or invalid domain");
	bad("<a@x.example", "unbalanced '<' at offset 0");
	bad("<a@x.example b", "unexpected 'b' after the address in '<' '>'");
	bad("a@x.example\r\nBcc: v@y.example",
	    "line end not followed by white space at offset 12");
	bad("a@x.example\r", "CR not followed by LF at offset 11");
	bad("\"a\\\r\n b\"@x.example", "backslash before a line end");
}

static void
test_control_bytes(void **state)
{
	(void)state;
	bad_len("a@x.ex\0ample", 12, VOUCH_ESYNTAX,
	    "control byte 0x00 at offset 6");
	bad("Joe\x01 <a@x.example>", "control byte 0x01 at offset 3");
	bad("\"a\x1b\"@x.example", "control byte 0x1b at offset 2");
	bad("(\x7f) a@x.example", "control byte 0x7f at offset 1");
	bad("a@x.example\x0b", "control byte 0x0b at offset 11");
	bad("\xff <a@x.example>", "invalid UTF-8 at offset 0");
	bad("J\xc3 <a@x.example>", "invalid UTF-8 at offset 1");
	bad("\xc0\xaf@x.example", "invalid UTF-8 at offset 0");
	bad("\xed\xa0\x80@x.example", "invalid UTF-8 at offset 0");
	bad("\xf4\x90\x80\x80@x.example", "invalid UTF-8 at offset 0");
	bad("a@x.example \xe2\x82", "invalid UTF-8 at offset 12");
	ok("\xf0\x9f\x93\xa7 <a@x.example>", "a@x.example");
}

static char *
nested(unsigned depth, const char *tail)
{
	size_t tl = strlen(tail), o = 0;
	char *s = malloc(depth * 2 + tl + 1);
	unsigned i;

	assert_non_null(s);
	for (i = 0; i < depth; i++)
		s[o++] = '(';
	for (i = 0; i < depth; i++)
		s[o++] = ')';
	memcpy(s + o, tail, tl + 1);
	return s;
}

static void
test_limits(void **state)
{
	size_t i, o = 0, cap = 1100 * 20;
	char *s;

	(void)state;
	s = nested(64, " a@x.example");
	ok(s, "a@x.example");
	free(s);
	s = nested(65, " a@x.example");
	bad_len(s, strlen(s), VOUCH_ELIMIT, "comments nested deeper than 64 "
	    "at offset 64");
	free(s);
	s = nested(100000, " a@x.example");
	bad_len(s, strlen(s), VOUCH_ELIMIT, "nested deeper");
	free(s);

	s = malloc(cap);
	assert_non_null(s);
	for (i = 0; i < VOUCH_ADDR_MAX; i++)
		o += (size_t)snprintf(s + o, cap - o, "u%zu@x.example,", i);
	{
		struct vouch_addr_list *l = NULL;

		assert_int_equal(vouch_addr_parse(s, o, &l, NULL), 0);
		assert_int_equal(l->count, VOUCH_ADDR_MAX);
		assert_string_equal(l->addr[999].local, "u999");
		vouch_addr_list_free(l);
	}
	o += (size_t)snprintf(s + o, cap - o, "one@more.example");
	bad_len(s, o, VOUCH_ELIMIT, "more than 1000 addresses");
	free(s);
}

static void
test_long_inputs(void **state)
{
	size_t n = 200000, i;
	struct vouch_addr_list *l;
	char *s = malloc(n + 64);

	(void)state;
	assert_non_null(s);
	s[0] = '"';
	memset(s + 1, 'x', n);
	memcpy(s + 1 + n, "\" <a@x.example>", 16);
	l = expect(s, "a@x.example");
	assert_int_equal(strlen(l->addr[0].display), n + 2);
	vouch_addr_list_free(l);

	/* A long local part, and a folded run of white space. */
	memset(s, 'y', n);
	memcpy(s + n, "@x.example", 11);
	l = NULL;
	assert_int_equal(vouch_addr_parse(s, n + 10, &l, NULL), 0);
	assert_int_equal(strlen(l->addr[0].local), n);
	vouch_addr_list_free(l);
	for (i = 0; i < n; i += 3)
		memcpy(s + i, "\r\n ", 3);
	memcpy(s + i, "a@x.example", 12);
	ok(s, "a@x.example");
	free(s);
}

static void
test_alabel(void **state)
{
	char buf[256], label[80], name[300];
	size_t i;

	(void)state;
	assert_int_equal(vouch_domain_to_alabel("B\xc3\x9c" "cher.DE.", 10,
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "xn--bcher-kva.de");
	assert_int_equal(vouch_domain_to_alabel("xn--BCHER-kva.de", 16, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "xn--bcher-kva.de");
	assert_int_equal(vouch_domain_to_alabel("_Dmarc.Example.COM", 18, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "_dmarc.example.com");
	assert_int_equal(vouch_domain_to_alabel("a\xe3\x80\x82" "b", 5, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "a.b");
	assert_int_equal(vouch_domain_to_alabel("example.com", 11, buf, 11),
	    VOUCH_ELIMIT);
	assert_int_equal(vouch_domain_to_alabel("example.com", 11, buf, 12),
	    0);
	assert_int_equal(vouch_domain_to_alabel("", 0, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel(".", 1, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel("a..b", 4, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel(".a", 2, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel("a-.b", 4, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel("a b", 3, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel("a\0b", 3, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel("xn--zz", 6, buf, 12),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel("\xe2\x98\x83\xff", 4, buf,
	    12), VOUCH_ESYNTAX);
	assert_int_equal(vouch_domain_to_alabel(NULL, 0, buf, 12),
	    VOUCH_EINVAL);

	/* A label of 63 bytes, then 64; a name of 253 bytes, then 254. */
	memset(label, 'a', 64);
	assert_int_equal(vouch_domain_to_alabel(label, 63, buf, sizeof(buf)),
	    0);
	assert_int_equal(vouch_domain_to_alabel(label, 64, buf, sizeof(buf)),
	    VOUCH_ESYNTAX);
	for (i = 0; i < 253; i++)
		name[i] = (i % 2) ? '.' : 'a';
	assert_int_equal(vouch_domain_to_alabel(name, 253, buf, sizeof(buf)),
	    0);
	name[253] = '.';
	assert_int_equal(vouch_domain_to_alabel(name, 254, buf, sizeof(buf)),
	    0);
	name[253] = 'b';
	name[254] = 'b';
	assert_int_equal(vouch_domain_to_alabel(name, 255, buf, sizeof(buf)),
	    VOUCH_ESYNTAX);
}

/* Every allocation failure: a clean VOUCH_ENOMEM, nothing leaked. */
static void
test_alloc_failures(void **state)
{
	static const char s[] = "A Group(Some people):Chris Jones "
	    "<c@(host)public.example>, joe@example.org, John "
	    "<jdoe@one.test>;, \"x y\" <@r.example:a.b@[192.0.2.1]>, "
	    "c1@x, c2@x, c3@x, c4@x, c5@x, c6@x, c7@x, c8@x, c9@x, "
	    "J\xc3\xb6rg <j@b\xc3\xbc" "cher.example>";
	unsigned long n;

	(void)state;
	for (n = 1;; n++) {
		struct vouch_addr_list *l = NULL;
		struct vouch_error err;
		int rc;

		failalloc_set(n);
		rc = vouch_addr_parse(s, sizeof(s) - 1, &l, &err);
		failalloc_set(0);
		if (rc == 0) {
			assert_int_equal(l->count, 14);
			vouch_addr_list_free(l);
			break;
		}
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_int_equal(err.code, VOUCH_ENOMEM);
		assert_null(l);
		assert_true(n < 1000);
	}
	assert_true(n > 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a11_a12),
		cmocka_unit_test(test_a13_groups),
		cmocka_unit_test(test_a5_comments),
		cmocka_unit_test(test_a6_obsolete),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_no_smuggling),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_long_inputs),
		cmocka_unit_test(test_alabel),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
