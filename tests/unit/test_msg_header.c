/*
 * test_msg_header.c - the header section parser (lib/msg/msg_header.c):
 * RFC 5322 Appendix A messages, line ends, folding, obsolete syntax, the
 * caps of SECURITY.md, hostile input and every allocation failure.
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

struct parsed {
	struct vouch_msg *msg;
	struct vouch_error err;
	size_t body;
	int rc;
};

static void
parse_lim(struct parsed *p, const char *buf, size_t len,
    const struct vouch_msg_limits *lim)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(vouch_msg_new(lim, &p->msg), 0);
	p->body = (size_t)-2;
	p->rc = vouch_msg_parse_header(p->msg, buf, len, &p->body, &p->err);
}

static void
parse(struct parsed *p, const char *buf)
{
	parse_lim(p, buf, strlen(buf), NULL);
}

static void
done(struct parsed *p)
{
	vouch_msg_free(p->msg);
}

static void
assert_field(const struct vouch_msg *msg, size_t i, const char *name,
    const char *value, const char *raw)
{
	const struct vouch_msg_field *f = vouch_msg_field(msg, i);

	assert_non_null(f);
	assert_int_equal(f->name_len, strlen(name));
	assert_memory_equal(f->name, name, f->name_len);
	assert_int_equal(f->value_len, strlen(value));
	assert_memory_equal(f->value, value, f->value_len);
	if (raw != NULL) {
		assert_int_equal(f->raw_len, strlen(raw));
		assert_memory_equal(f->raw, raw, f->raw_len);
	}
}

/* Expect code, and a message that contains what. */
static void
assert_error(const char *buf, size_t len, int code, const char *what)
{
	struct parsed p;

	parse_lim(&p, buf, len, NULL);
	assert_int_equal(p.rc, code);
	assert_int_equal(p.err.code, code);
	if (strstr(p.err.msg, what) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", p.err.msg, what);
	assert_int_equal(vouch_msg_count(p.msg), 0);
	assert_int_equal(p.body, (size_t)-2);
	done(&p);
}

/* RFC 5322 Appendix A.1.1, with CRLF line ends as on the wire. */
static void
test_a11_crlf(void **state)
{
	static const char m[] =
	    "From: John Doe <jdoe@machine.example>\r\n"
	    "Sender: Michael Jones <mjones@machine.example>\r\n"
	    "To: Mary Smith <mary@example.net>\r\n"
	    "Subject: Saying Hello\r\n"
	    "Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n"
	    "Message-ID: <1234@local.machine.example>\r\n"
	    "\r\n"
	    "This is a message just to say hello.\r\n"
	    "So, \"Hello\".\r\n";
	struct parsed p;

	(void)state;
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count(p.msg), 6);
	assert_field(p.msg, 0, "From", " John Doe <jdoe@machine.example>",
	    "From: John Doe <jdoe@machine.example>\r\n");
	assert_field(p.msg, 3, "Subject", " Saying Hello",
	    "Subject: Saying Hello\r\n");
	assert_field(p.msg, 5, "Message-ID", " <1234@local.machine.example>",
	    NULL);
	assert_string_equal(m + p.body, "This is a message just to say "
	    "hello.\r\nSo, \"Hello\".\r\n");
	assert_int_equal(vouch_msg_find(p.msg, "sender", 0), 1);
	assert_int_equal(vouch_msg_find(p.msg, "FROM", 1), (size_t)-1);
	assert_null(vouch_msg_field(p.msg, 6));
	done(&p);
}

/* Bare LF, and LF and CRLF mixed; raw keeps what was received. */
static void
test_lf_and_mixed(void **state)
{
	static const char lf[] = "From: a@b.example\nTo: c@d.example\n\nbody\n";
	static const char mix[] = "From: a@b.example\r\nTo: c\n d\r\n\nbody";
	struct parsed p;

	(void)state;
	parse(&p, lf);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count(p.msg), 2);
	assert_field(p.msg, 1, "To", " c@d.example", "To: c@d.example\n");
	assert_string_equal(lf + p.body, "body\n");
	done(&p);

	parse(&p, mix);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count(p.msg), 2);
	assert_field(p.msg, 1, "To", " c\n d", "To: c\n d\r\n");
	assert_string_equal(mix + p.body, "body");
	done(&p);
}

/* Folding (RFC 5322 2.2.3) and A.6.3: obsolete WSP before the colon and
 * a continuation line made only of white space. */
static void
test_folding_and_a63(void **state)
{
	static const char m[] =
	    "From  : John Doe <jdoe@machine(comment).  example>\r\n"
	    "To    : Mary Smith\r\n"
	    "  \r\n"
	    "          <mary@example.net>\r\n"
	    "Subject     : Saying Hello\r\n"
	    "Date  : Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\r\n"
	    "Message-ID  : <1234   @   local(blah)  .machine .example>\r\n"
	    "\r\n"
	    "This is a message just to say hello.\r\n";
	struct parsed p;

	(void)state;
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count(p.msg), 5);
	assert_field(p.msg, 0, "From",
	    " John Doe <jdoe@machine(comment).  example>", NULL);
	assert_field(p.msg, 1, "To",
	    " Mary Smith\r\n  \r\n          <mary@example.net>",
	    "To    : Mary Smith\r\n  \r\n          <mary@example.net>\r\n");
	assert_field(p.msg, 2, "Subject", " Saying Hello", NULL);
	assert_field(p.msg, 4, "Message-ID",
	    " <1234   @   local(blah)  .machine .example>", NULL);
	assert_int_equal(vouch_msg_count_named(p.msg, "subject"), 1);
	done(&p);
}

static void
test_duplicates_in_order(void **state)
{
	static const char m[] = "Received: one\r\nFrom: a@x\r\n"
	    "received: two\r\nRECEIVED: three\r\nFrom: b@y\r\n\r\n";
	struct parsed p;

	(void)state;
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count_named(p.msg, "Received"), 3);
	assert_int_equal(vouch_msg_count_named(p.msg, "from"), 2);
	assert_int_equal(vouch_msg_find(p.msg, "received", 0), 0);
	assert_int_equal(vouch_msg_find(p.msg, "received", 1), 2);
	assert_int_equal(vouch_msg_find(p.msg, "received", 3), 3);
	assert_int_equal(vouch_msg_find(p.msg, "received", 4), (size_t)-1);
	assert_field(p.msg, 4, "From", " b@y", "From: b@y\r\n");
	assert_int_equal(vouch_msg_count_named(p.msg, "Bcc"), 0);
	done(&p);
}

/* No blank line, nothing after the blank line, empty value, no body. */
static void
test_body_offsets(void **state)
{
	struct parsed p;
	const char *m;

	(void)state;
	m = "From: a@b\r\nSubject: x";
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.body, strlen(m));
	assert_field(p.msg, 1, "Subject", " x", "Subject: x");
	done(&p);

	m = "From: a@b\r\n\r\n";
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.body, strlen(m));
	done(&p);

	m = "X-Empty:\r\nFrom: a@b\n\n";
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_field(p.msg, 0, "X-Empty", "", "X-Empty:\r\n");
	assert_int_equal(p.body, strlen(m));
	done(&p);

	m = "\r\nbody";
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count(p.msg), 0);
	assert_int_equal(p.body, 2);
	done(&p);

	parse_lim(&p, "", 0, NULL);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.body, 0);
	done(&p);

	/* The body may hold anything, NUL included: it is not read. */
	parse_lim(&p, "A: b\n\nx\0y\r", 10, NULL);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.body, 6);
	done(&p);
}

static void
test_syntax_errors(void **state)
{
	struct parsed p;

	(void)state;
	assert_error("From: a\r\nTo: b\0c\r\n\r\n", 20, VOUCH_ESYNTAX,
	    "line 2: NUL");
	assert_error("From: a\r\nnocolon here\r\n\r\n", 25, VOUCH_ESYNTAX,
	    "line 2: no colon");
	assert_error(" folded: x\r\nFrom: a\r\n\r\n", 23, VOUCH_ESYNTAX,
	    "line 1: continuation line before the first field");
	assert_error("From: a\rTo: b\r\n\r\n", 17, VOUCH_ESYNTAX,
	    "line 1: CR not followed by LF");
	assert_error("From: a\r\n\r\r\n", 12, VOUCH_ESYNTAX,
	    "line 2: CR not followed by LF");
	assert_error("From: a\r\n: empty\r\n\r\n", 20, VOUCH_ESYNTAX,
	    "line 2: empty field name");
	assert_error("Sub ject: x\r\n\r\n", 15, VOUCH_ESYNTAX,
	    "line 1: field name has a byte outside 33..126");
	assert_error("X-\x01: x\r\n\r\n", 10, VOUCH_ESYNTAX, "outside 33..126");
	assert_error("X-\xc3\xa9: x\r\n\r\n", 11, VOUCH_ESYNTAX,
	    "outside 33..126");
	assert_error("From sender@example.com Mon Jan  1 00:00:00 2024\n"
	    "From: a@b\n\n", 60, VOUCH_ESYNTAX, "mbox \"From \" line");
	assert_error("From sender@example.com\nFrom: a@b\n\n", 35,
	    VOUCH_ESYNTAX, "mbox");

	/* The line number is in the error struct too. */
	parse(&p, "A: 1\nB: 2\nC: 3\nbad\n\n");
	assert_int_equal(p.rc, VOUCH_ESYNTAX);
	assert_int_equal(p.err.line, 4);
	assert_non_null(strstr(p.err.msg, "line 4"));
	done(&p);
}

/* 8-bit field bodies (RFC 6532 3.3) and obsolete control bytes in a
 * value are kept: judging them is the job of the field's own parser. */
static void
test_8bit_values(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "Subject: \xc3\xa9t\xc3\xa9 \x01\r\n\r\n");
	assert_int_equal(p.rc, 0);
	assert_field(p.msg, 0, "Subject", " \xc3\xa9t\xc3\xa9 \x01", NULL);
	done(&p);
}

static char *
repeat(const char *head, char fill, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	memset(s + hl, fill, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

/* One field at exactly the cap (name to end of value) and one over. */
static void
test_field_cap(void **state)
{
	struct parsed p;
	char *m;

	(void)state;
	/* "Subject: " is 9 bytes. */
	m = repeat("Subject: ", 'x', VOUCH_MSG_FIELD_MAX - 9, "\r\n\r\n");
	parse(&p, m);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_field(p.msg, 0)->raw_len,
	    VOUCH_MSG_FIELD_MAX + 2);
	done(&p);
	free(m);

	m = repeat("Subject: ", 'x', VOUCH_MSG_FIELD_MAX - 8, "\r\n\r\n");
	parse(&p, m);
	assert_int_equal(p.rc, VOUCH_ELIMIT);
	assert_non_null(strstr(p.err.msg, "header field exceeds 32768"));
	done(&p);
	free(m);

	/* The same through folding: the cap counts continuation lines. */
	m = repeat("Subject: x\r\n", ' ', VOUCH_MSG_FIELD_MAX - 10, "y\r\n\r\n");
	parse(&p, m);
	assert_int_equal(p.rc, VOUCH_ELIMIT);
	assert_int_equal(p.err.line, 2);
	done(&p);
	free(m);
}

/* The header section at exactly the cap (line ends counted, the empty
 * line not) and one byte over; a configured smaller cap. */
static void
test_header_cap(void **state)
{
	struct vouch_msg_limits lim = {100, 60};
	struct parsed p;
	char m[256];
	size_t n;

	(void)state;
	/* 2 fields of 50 bytes each = 100 bytes. */
	n = (size_t)snprintf(m, sizeof(m), "A: %045d\r\nB: %045d\r\n\r\nbody",
	    1, 2);
	parse_lim(&p, m, n, &lim);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.body, 102);
	done(&p);

	n = (size_t)snprintf(m, sizeof(m), "A: %045d\r\nB: %046d\r\n\r\nbody",
	    1, 2);
	parse_lim(&p, m, n, &lim);
	assert_int_equal(p.rc, VOUCH_ELIMIT);
	assert_non_null(strstr(p.err.msg, "header section exceeds 100"));
	done(&p);

	/* Without a final line end, the header ends with the buffer. */
	n = (size_t)snprintf(m, sizeof(m), "A: %045d\r\nB: %047d", 1, 2);
	parse_lim(&p, m, n, &lim);
	assert_int_equal(p.rc, 0);
	done(&p);
	n = (size_t)snprintf(m, sizeof(m), "A: %045d\r\nB: %048d", 1, 2);
	parse_lim(&p, m, n, &lim);
	assert_int_equal(p.rc, VOUCH_ELIMIT);
	done(&p);
}

/* A huge message with no line end: the cap stops the scan early. */
static void
test_huge_line(void **state)
{
	size_t n = 8u << 20;
	char *m = repeat("Subject: ", 'x', n, "");
	struct parsed p;

	(void)state;
	parse(&p, m);
	assert_int_equal(p.rc, VOUCH_ELIMIT);
	assert_non_null(strstr(p.err.msg, "header section exceeds 65536"));
	done(&p);
	free(m);
}

/* Thousands of fields and a long folded field, under a raised cap. */
static void
test_many_fields(void **state)
{
	struct vouch_msg_limits lim = {16u << 20, 8u << 20};
	size_t i, n = 50000, o = 0, cap = n * 24 + 300000;
	char *m = malloc(cap);
	struct parsed p;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(m + o, cap - o, "X-F%zu: %zu\r\n", i, i);
	o += (size_t)snprintf(m + o, cap - o, "Long: a");
	for (i = 0; i < 40000; i++)
		o += (size_t)snprintf(m + o, cap - o, "\r\n b");
	o += (size_t)snprintf(m + o, cap - o, "\r\n\r\n");
	parse_lim(&p, m, o, &lim);
	assert_int_equal(p.rc, 0);
	assert_int_equal(vouch_msg_count(p.msg), n + 1);
	assert_field(p.msg, 12345, "X-F12345", " 12345", "X-F12345: 12345\r\n");
	assert_int_equal(vouch_msg_field(p.msg, n)->value_len,
	    2 + 40000 * 4);
	assert_int_equal(vouch_msg_find(p.msg, "long", 0), n);
	assert_int_equal(p.body, o);
	done(&p);
	free(m);
}

static void
test_add_field(void **state)
{
	struct vouch_msg *msg;
	struct vouch_error err;

	(void)state;
	assert_int_equal(vouch_msg_new(NULL, &msg), 0);
	assert_int_equal(vouch_msg_add_field(msg, "From", 4,
	    " a@b.example", 12, &err), 0);
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7,
	    " one\n\ttwo\r\n three", 17, &err), 0);
	assert_field(msg, 0, "From", " a@b.example",
	    "From: a@b.example\r\n");
	assert_field(msg, 1, "Subject", " one\r\n\ttwo\r\n three",
	    "Subject: one\r\n\ttwo\r\n three\r\n");
	/* A line end that is not folding would add a field. */
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7,
	    " x\nBcc: victim@example", 21, &err), VOUCH_ESYNTAX);
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7, " x\n", 3,
	    &err), VOUCH_ESYNTAX);
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7, " x\ry", 4,
	    &err), VOUCH_ESYNTAX);
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7, " x\0y", 4,
	    &err), VOUCH_ESYNTAX);
	assert_int_equal(vouch_msg_add_field(msg, "Sub ject", 8, " x", 2,
	    &err), VOUCH_ESYNTAX);
	assert_int_equal(vouch_msg_add_field(msg, "", 0, " x", 2, &err),
	    VOUCH_ESYNTAX);
	assert_int_equal(vouch_msg_count(msg), 2);
	/* After fields were added, raw bytes cannot be parsed any more. */
	{
		size_t body;

		assert_int_equal(vouch_msg_parse_header(msg, "A: b\r\n", 6,
		    &body, &err), VOUCH_EINVAL);
	}
	vouch_msg_free(msg);
}

static void
test_add_field_caps(void **state)
{
	struct vouch_msg_limits lim = {64, 20};
	struct vouch_msg *msg;
	struct vouch_error err;

	(void)state;
	assert_int_equal(vouch_msg_new(&lim, &msg), 0);
	/* name ":" value = 20 bytes: at the field cap. */
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7,
	    " 123456789012", 12, &err), 0);
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7,
	    " 1234567890123", 13, &err), VOUCH_ELIMIT);
	/* a bare LF becomes CRLF and counts. */
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7,
	    " 1234567890\n 2", 14, &err), VOUCH_ELIMIT);
	assert_int_equal(vouch_msg_add_field(msg, "Subject", 7,
	    " 123456789012", 12, &err), 0);
	/* 44 bytes held; 6 more make 50, 14 more exactly 64. */
	assert_int_equal(vouch_msg_add_field(msg, "A", 1, " b", 2, &err), 0);
	assert_int_equal(vouch_msg_add_field(msg, "A", 1, " 12345678a", 10,
	    &err), 0);
	assert_int_equal(vouch_msg_count(msg), 4);
	assert_int_equal(vouch_msg_add_field(msg, "A", 1, "", 0, &err),
	    VOUCH_ELIMIT);
	assert_non_null(strstr(err.msg, "header section exceeds 64"));
	vouch_msg_free(msg);
}

static void
test_bad_calls(void **state)
{
	struct vouch_msg *msg;
	size_t body;

	(void)state;
	assert_int_equal(vouch_msg_new(NULL, NULL), VOUCH_EINVAL);
	assert_int_equal(vouch_msg_new(NULL, &msg), 0);
	assert_int_equal(vouch_msg_parse_header(msg, NULL, 5, &body, NULL),
	    VOUCH_EINVAL);
	assert_int_equal(vouch_msg_parse_header(msg, "A: b\n\n", 6, &body,
	    NULL), 0);
	assert_int_equal(vouch_msg_parse_header(msg, "A: b\n\n", 6, &body,
	    NULL), VOUCH_EINVAL);
	vouch_msg_free(msg);
	vouch_msg_free(NULL);
	assert_int_equal(vouch_msg_count(NULL), 0);
	assert_int_equal(vouch_msg_find(NULL, "a", 0), (size_t)-1);
}

/* Every allocation failure: a clean VOUCH_ENOMEM, nothing leaked. */
static void
test_alloc_failures(void **state)
{
	size_t i, o = 0;
	unsigned long n;
	char m[8192];

	(void)state;
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o, "X-%zu: v\r\n", i);
	o += (size_t)snprintf(m + o, sizeof(m) - o, "\r\nbody");
	for (n = 1;; n++) {
		struct vouch_msg *msg = NULL;
		struct vouch_error err;
		size_t body;
		int rc;

		failalloc_set(n);
		rc = vouch_msg_new(NULL, &msg);
		if (rc == 0)
			rc = vouch_msg_parse_header(msg, m, o, &body, &err);
		if (rc == 0)
			rc = vouch_msg_add_field(msg, "A", 1, " b", 2, &err);
		failalloc_set(0);
		vouch_msg_free(msg);
		if (rc == 0)
			break;
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_true(n < 1000);
	}
	assert_true(n > 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a11_crlf),
		cmocka_unit_test(test_lf_and_mixed),
		cmocka_unit_test(test_folding_and_a63),
		cmocka_unit_test(test_duplicates_in_order),
		cmocka_unit_test(test_body_offsets),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_8bit_values),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_header_cap),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_many_fields),
		cmocka_unit_test(test_add_field),
		cmocka_unit_test(test_add_field_caps),
		cmocka_unit_test(test_bad_calls),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
