/*
 * test_hdrval.c - what goes into a header field (lib/util/hdrval.c) and
 * the byte checks of lib/util/utf8.c: RFC 5322 dot-atoms bare, anything
 * else a quoted-string with quoted-pairs (3.2.4), comments with their
 * parentheses and backslashes quoted (3.2.2), control bytes and octets
 * that are not well-formed UTF-8 (RFC 3629 4) replaced by '?'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"

enum kind { VALUE, PVALUE, COMMENT };

static void
expect(enum kind k, const char *in, const char *want)
{
	struct vouch__buf b;
	int rc;

	vouch__buf_init(&b, 4096);
	rc = k == VALUE ? vouch__hdr_value(&b, in) : k == PVALUE ?
	    vouch__hdr_pvalue(&b, in) : vouch__hdr_comment(&b, in);
	assert_int_equal(rc, 0);
	if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
		fail_msg("\"%s\": got \"%.*s\", want \"%s\"", in, (int)b.len,
		    (const char *)b.data, want);
	vouch__buf_free(&b);
}

static void
test_values(void **state)
{
	(void)state;
	expect(VALUE, "example.com", "example.com");
	expect(VALUE, "a b", "\"a b\"");
	expect(VALUE, "a;b", "\"a;b\"");
	expect(VALUE, "q\"x\\y", "\"q\\\"x\\\\y\"");
	expect(VALUE, "a\r\nX-Injected: 1", "\"a??X-Injected: 1\"");
	expect(VALUE, ".lead", "\".lead\"");
	expect(VALUE, "a..b", "\"a..b\"");
	expect(PVALUE, "joe@example.com", "joe@example.com");
	expect(PVALUE, "@example.com", "@example.com");
	expect(PVALUE, "a b@example.com", "\"a b@example.com\"");
}

static void
test_utf8(void **state)
{
	(void)state;
	/* well-formed: kept (RFC 8616 allows UTF-8 in header values) */
	expect(VALUE, "b\xc3\xbc" "cher", "\"b\xc3\xbc" "cher\"");
	expect(COMMENT, "\xe2\x82\xac 5 \xf0\x9f\x98\x80",
	    "\xe2\x82\xac 5 \xf0\x9f\x98\x80");
	/* a lone continuation, a truncated sequence, an overlong form, a
	 * surrogate, and a code point over U+10FFFF: one '?' per octet */
	expect(COMMENT, "a\x80z", "a?z");
	expect(COMMENT, "a\xc3", "a?");
	expect(COMMENT, "\xc0\x80", "??");
	expect(COMMENT, "\xed\xa0\x80", "???");
	expect(COMMENT, "\xf4\x90\x80\x80", "????");
	expect(COMMENT, "\xe2\x82(x)", "??\\(x\\)");
}

static void
test_comments(void **state)
{
	(void)state;
	expect(COMMENT, "p=reject (x) \\ y", "p=reject \\(x\\) \\\\ y");
	expect(COMMENT, "tab\there\x7f", "tab?here?");
}

static void
test_field_bytes(void **state)
{
	struct vouch_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(vouch__check_field_bytes("a\r\n b\xc3\xbc", 7,
	    &err), 0);
	assert_int_equal(vouch__check_field_bytes("a\r\nb", 4, &err),
	    VOUCH_ESYNTAX);
	assert_non_null(strstr(err.msg, "offset 2"));
	assert_int_equal(vouch__check_field_bytes("a\rb", 3, &err),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch__check_field_bytes("a\0b", 3, &err),
	    VOUCH_ESYNTAX);
	assert_non_null(strstr(err.msg, "0x00"));
	assert_int_equal(vouch__check_field_bytes("\xed\xa0\x80", 3, &err),
	    VOUCH_ESYNTAX);
	assert_non_null(strstr(err.msg, "UTF-8"));
	assert_int_equal(vouch__utf8_len((const unsigned char *)"\xc3\xbc",
	    2), 2);
	assert_int_equal(vouch__utf8_len((const unsigned char *)"\xc3\xbc",
	    1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_field_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
