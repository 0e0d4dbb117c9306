/*
 * test_dkim_canon.c - DKIM canonicalization (lib/dkim/dkim_canon.c):
 * the RFC 6376 section 3.4.5 examples, the trailing-line and empty-body
 * rules of 3.4.3/3.4.4, bare LF and bare CR, the l= limit, allocation
 * failure, and the chunking property (any split gives the same bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkim/dkim_canon.h"
#include "failalloc.h"

/* ---- helpers ------------------------------------------------------------ */

struct out {
	char *data;
	size_t len;
	size_t cap;
	size_t calls;
};

static void
sink(void *arg, const void *data, size_t len)
{
	struct out *o = arg;

	assert_true(len > 0);
	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2;
		o->data = realloc(o->data, o->cap);
		assert_non_null(o->data);
	}
	memcpy(o->data + o->len, data, len);
	o->len += len;
	o->calls++;
}

/* Canonicalize in: whole if step is 0, else in chunks of step bytes;
 * if split > 0 (and step 0), in two chunks cut at split. */
static uint64_t
run(enum dkim_canon c, int64_t limit, const char *in, size_t len,
    size_t step, size_t split, struct out *o)
{
	struct dkim_body b;
	size_t i, n;

	memset(o, 0, sizeof(*o));
	vouch__dkim_body_init(&b, c, limit, sink, o);
	if (step > 0) {
		for (i = 0; i < len; i += n) {
			n = len - i < step ? len - i : step;
			vouch__dkim_body_update(&b, in + i, n);
		}
	} else if (split > 0) {
		vouch__dkim_body_update(&b, in, split);
		vouch__dkim_body_update(&b, in + split, len - split);
	} else {
		vouch__dkim_body_update(&b, in, len);
	}
	vouch__dkim_body_final(&b);
	assert_int_equal(b.emitted, o->len);
	return b.total;
}

static void
assert_out(const struct out *o, const char *want, size_t wlen)
{
	if (o->len != wlen || (wlen > 0 && memcmp(o->data, want, wlen) != 0))
		fail_msg("got %zu bytes \"%.*s\", want %zu bytes \"%s\"",
		    o->len, (int)o->len, o->data ? o->data : "", wlen, want);
}

static void
body_eq(enum dkim_canon c, const char *in, const char *want)
{
	struct out o;
	uint64_t total;

	total = run(c, -1, in, strlen(in), 0, 0, &o);
	assert_out(&o, want, strlen(want));
	assert_int_equal(total, strlen(want));
	free(o.data);
}

static void
header_eq(enum dkim_canon c, const char *raw, const char *want)
{
	struct vouch__buf buf;

	vouch__buf_init(&buf, 1 << 16);
	assert_int_equal(vouch__dkim_canon_header(c, raw, strlen(raw), &buf),
	    0);
	assert_int_equal(buf.len, strlen(want));
	assert_memory_equal(buf.data, want, buf.len);
	vouch__buf_free(&buf);
}

/* The RFC 6376 section 3.4.5 message body. */
static const char rfc_body[] =
    " C \r\nD \t E\r\n\r\n\r\n";

/* ---- headers ------------------------------------------------------------ */

/* RFC 6376 3.4.5 examples 1 and 2, header part. */
static void
test_header_rfc_example(void **state)
{
	(void)state;
	header_eq(DKIM_CANON_RELAXED, "A: X\r\n", "a:X\r\n");
	header_eq(DKIM_CANON_RELAXED, "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n");
	header_eq(DKIM_CANON_SIMPLE, "A: X\r\n", "A: X\r\n");
	header_eq(DKIM_CANON_SIMPLE, "B : Y\t\r\n\tZ  \r\n",
	    "B : Y\t\r\n\tZ  \r\n");
}

static void
test_header_line_ends(void **state)
{
	(void)state;
	/* 3.4.1: a bare LF line end becomes CRLF, a missing one is added. */
	header_eq(DKIM_CANON_SIMPLE, "Subject: hi\n", "Subject: hi\r\n");
	header_eq(DKIM_CANON_SIMPLE, "Subject: hi", "Subject: hi\r\n");
	header_eq(DKIM_CANON_SIMPLE, "Subject: a\n b\n",
	    "Subject: a\r\n b\r\n");
	header_eq(DKIM_CANON_SIMPLE, "X:\r\n", "X:\r\n");
	/* A bare CR is an octet like any other. */
	header_eq(DKIM_CANON_SIMPLE, "X: a\rb\r\n", "X: a\rb\r\n");
	header_eq(DKIM_CANON_RELAXED, "Subject: hi\n", "subject:hi\r\n");
	header_eq(DKIM_CANON_RELAXED, "Subject: hi", "subject:hi\r\n");
	header_eq(DKIM_CANON_RELAXED, "Subject: a\n b\n", "subject:a b\r\n");
	header_eq(DKIM_CANON_RELAXED, "X: a\rb\r\n", "x:a\rb\r\n");
}

static void
test_header_relaxed(void **state)
{
	(void)state;
	header_eq(DKIM_CANON_RELAXED, "SUBJect: AbC\r\n", "subject:AbC\r\n");
	header_eq(DKIM_CANON_RELAXED, "Subject:   \r\n", "subject:\r\n");
	header_eq(DKIM_CANON_RELAXED, "Subject:\r\n \r\n\t\r\n",
	    "subject:\r\n");
	header_eq(DKIM_CANON_RELAXED, "X \t:\t a: \t b :c \t\r\n",
	    "x:a: b :c\r\n");
	header_eq(DKIM_CANON_RELAXED, "To:\r\n  a@b.example,\r\n\tc@d\r\n",
	    "to:a@b.example, c@d\r\n");
	/* Only the name is lower-cased. */
	header_eq(DKIM_CANON_RELAXED, "FROM: JOE <J@X.EXAMPLE>\r\n",
	    "from:JOE <J@X.EXAMPLE>\r\n");
}

static void
test_header_errors(void **state)
{
	struct vouch__buf buf;
	const char *raw = "Subject: hello\r\n";
	unsigned long n, count;
	int rc;

	(void)state;
	vouch__buf_init(&buf, 1 << 16);
	assert_int_equal(vouch__dkim_canon_header(DKIM_CANON_SIMPLE,
	    "no colon\r\n", 10, &buf), VOUCH_ESYNTAX);
	assert_int_equal(vouch__dkim_canon_header(DKIM_CANON_SIMPLE, NULL, 0,
	    &buf), VOUCH_EINVAL);
	assert_int_equal(vouch__dkim_canon_header((enum dkim_canon)7, raw,
	    strlen(raw), &buf), VOUCH_EINVAL);
	assert_int_equal(buf.len, 0);
	vouch__buf_free(&buf);

	/* The cap of the output buffer holds. */
	vouch__buf_init(&buf, 10);
	assert_int_equal(vouch__dkim_canon_header(DKIM_CANON_RELAXED, raw,
	    strlen(raw), &buf), VOUCH_ELIMIT);
	vouch__buf_free(&buf);

	/* Every allocation failure is ENOMEM, nothing appended. */
	vouch__buf_init(&buf, 1 << 16);
	failalloc_set(0);
	(void)failalloc_count();
	assert_int_equal(vouch__dkim_canon_header(DKIM_CANON_RELAXED, raw,
	    strlen(raw), &buf), 0);
	count = failalloc_count();
	assert_true(count >= 1);
	for (n = 1; n <= count; n++) {
		vouch__buf_free(&buf);
		failalloc_set(n);
		rc = vouch__dkim_canon_header(DKIM_CANON_RELAXED, raw,
		    strlen(raw), &buf);
		assert_int_equal(rc, VOUCH_ENOMEM);
		assert_int_equal(buf.len, 0);
	}
	failalloc_set(0);
	vouch__buf_free(&buf);
}

/* Appending several fields builds the header hash input in order. */
static void
test_header_append(void **state)
{
	struct vouch__buf buf;

	(void)state;
	vouch__buf_init(&buf, 1 << 16);
	assert_int_equal(vouch__dkim_canon_header(DKIM_CANON_RELAXED,
	    "A: X\r\n", 6, &buf), 0);
	assert_int_equal(vouch__dkim_canon_header(DKIM_CANON_RELAXED,
	    "B : Y\t\r\n\tZ  \r\n", 14, &buf), 0);
	assert_string_equal(buf.data, "a:X\r\nb:Y Z\r\n");
	vouch__buf_free(&buf);
}

/* ---- bodies ------------------------------------------------------------- */

/* RFC 6376 3.4.5 examples 1 and 2, body part. */
static void
test_body_rfc_example(void **state)
{
	(void)state;
	body_eq(DKIM_CANON_RELAXED, rfc_body, " C\r\nD E\r\n");
	body_eq(DKIM_CANON_SIMPLE, rfc_body, " C \r\nD \t E\r\n");
}

static void
test_body_empty(void **state)
{
	(void)state;
	/* 3.4.3: an empty body is one CRLF; 3.4.4: it stays empty. */
	body_eq(DKIM_CANON_SIMPLE, "", "\r\n");
	body_eq(DKIM_CANON_RELAXED, "", "");
	/* Only CRLFs (or bare LFs). */
	body_eq(DKIM_CANON_SIMPLE, "\r\n", "\r\n");
	body_eq(DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n");
	body_eq(DKIM_CANON_SIMPLE, "\n\n\r\n\n", "\r\n");
	body_eq(DKIM_CANON_RELAXED, "\r\n", "");
	body_eq(DKIM_CANON_RELAXED, "\r\n\r\n\r\n", "");
	body_eq(DKIM_CANON_RELAXED, "\n\n", "");
}

static void
test_body_no_final_crlf(void **state)
{
	(void)state;
	body_eq(DKIM_CANON_SIMPLE, "abc", "abc\r\n");
	body_eq(DKIM_CANON_SIMPLE, "a\r\n\r\nb", "a\r\n\r\nb\r\n");
	body_eq(DKIM_CANON_SIMPLE, "abc  ", "abc  \r\n");
	body_eq(DKIM_CANON_RELAXED, "abc", "abc\r\n");
	body_eq(DKIM_CANON_RELAXED, "a  b \t", "a b\r\n");
	body_eq(DKIM_CANON_RELAXED, "a\r\n\r\nb", "a\r\n\r\nb\r\n");
	/* A last line of only WSP is an empty line: nothing is added. */
	body_eq(DKIM_CANON_RELAXED, "  ", "");
	body_eq(DKIM_CANON_RELAXED, "a\r\n \t", "a\r\n");
	body_eq(DKIM_CANON_SIMPLE, "  ", "  \r\n");
}

static void
test_body_trailing_wsp_lines(void **state)
{
	(void)state;
	/* Relaxed: a line of WSP is empty, and may then be trailing. */
	body_eq(DKIM_CANON_RELAXED, "a\r\n  \r\n\t\r\n", "a\r\n");
	body_eq(DKIM_CANON_RELAXED, "a\r\n  \r\n\t\r\nb\r\n",
	    "a\r\n\r\n\r\nb\r\n");
	body_eq(DKIM_CANON_RELAXED, " \r\n \r\n", "");
	/* Simple: those lines are not empty and stay. */
	body_eq(DKIM_CANON_SIMPLE, "a\r\n  \r\n\t\r\n", "a\r\n  \r\n\t\r\n");
	body_eq(DKIM_CANON_SIMPLE, "a\r\n  \r\n\r\n", "a\r\n  \r\n");
	/* Leading WSP becomes one SP, it is not removed. */
	body_eq(DKIM_CANON_RELAXED, "\t\t x \t y\r\n", " x y\r\n");
}

/* Bare LF is read as CRLF. */
static void
test_body_bare_lf(void **state)
{
	static const char *const pairs[][2] = {
		{ " C \nD \t E\n\n\n", rfc_body },
		{ "a\nb\n", "a\r\nb\r\n" },
		{ "a \n \n\n", "a \r\n \r\n\r\n" },
		{ "\n", "\r\n" },
		{ "x\n\r\n\ny", "x\r\n\r\n\r\ny" },
	};
	struct out a, b;
	size_t i;
	int c;

	(void)state;
	for (c = 0; c < 2; c++) {
		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			run((enum dkim_canon)c, -1, pairs[i][0],
			    strlen(pairs[i][0]), 0, 0, &a);
			run((enum dkim_canon)c, -1, pairs[i][1],
			    strlen(pairs[i][1]), 0, 0, &b);
			assert_out(&a, b.data ? b.data : "", b.len);
			free(a.data);
			free(b.data);
		}
	}
}

/* A CR not followed by LF is an ordinary octet (documented choice). */
static void
test_body_bare_cr(void **state)
{
	(void)state;
	body_eq(DKIM_CANON_SIMPLE, "a\rb\r\n", "a\rb\r\n");
	body_eq(DKIM_CANON_SIMPLE, "a\r", "a\r\r\n");
	body_eq(DKIM_CANON_SIMPLE, "\r\r\n\r\n", "\r\r\n");
	body_eq(DKIM_CANON_RELAXED, "a \r b \r\n", "a \r b\r\n");
	body_eq(DKIM_CANON_RELAXED, "\r", "\r\r\n");
	body_eq(DKIM_CANON_RELAXED, "a\r\r\n", "a\r\r\n");
}

/* l= (3.5): at most limit octets reach the sink, total counts all. */
static void
test_body_limit(void **state)
{
	struct out o;
	uint64_t total;

	(void)state;
	total = run(DKIM_CANON_RELAXED, 5, "hello   world \r\n\r\n", 18, 0, 0,
	    &o);
	assert_out(&o, "hello", 5);
	assert_int_equal(total, 13);
	free(o.data);
	total = run(DKIM_CANON_RELAXED, 0, "hello\r\n", 7, 0, 0, &o);
	assert_int_equal(o.len, 0);
	assert_int_equal(o.calls, 0);
	assert_int_equal(total, 7);
	free(o.data);
	total = run(DKIM_CANON_SIMPLE, 100, "hello\r\n\r\n", 9, 0, 0, &o);
	assert_out(&o, "hello\r\n", 7);
	assert_int_equal(total, 7);
	free(o.data);
	/* The limit falls inside held-back empty lines, byte by byte. */
	total = run(DKIM_CANON_SIMPLE, 4, "a\r\n\r\n\r\nb", 8, 1, 0, &o);
	assert_out(&o, "a\r\n\r", 4);
	assert_int_equal(total, 10);
	free(o.data);
	/* Simple empty body: 2 octets even with l=0. */
	total = run(DKIM_CANON_SIMPLE, 0, "", 0, 0, 0, &o);
	assert_int_equal(o.len, 0);
	assert_int_equal(total, 2);
	free(o.data);
	/* A negative limit is no limit. */
	total = run(DKIM_CANON_SIMPLE, -5, "abc", 3, 0, 0, &o);
	assert_out(&o, "abc\r\n", 5);
	free(o.data);
}

/* Many held-back empty lines go out when text follows. */
static void
test_body_many_empty_lines(void **state)
{
	struct out o;
	char *in;
	size_t i, n = 1000;

	(void)state;
	in = malloc(2 * n + 2);
	assert_non_null(in);
	for (i = 0; i < n; i++)
		memcpy(in + 2 * i, "\r\n", 2);
	in[2 * n] = 'x';
	run(DKIM_CANON_RELAXED, -1, in, 2 * n + 1, 0, 0, &o);
	assert_int_equal(o.len, 2 * n + 3);
	assert_memory_equal(o.data, in, 2 * n + 1);
	assert_memory_equal(o.data + 2 * n + 1, "\r\n", 2);
	free(o.data);
	run(DKIM_CANON_SIMPLE, -1, in, 2 * n, 7, 0, &o);
	assert_out(&o, "\r\n", 2);
	free(o.data);
	free(in);
}

/* Calling final twice adds nothing; a NULL sink only counts. */
static void
test_body_final_twice(void **state)
{
	struct dkim_body b;

	(void)state;
	vouch__dkim_body_init(&b, DKIM_CANON_SIMPLE, -1, NULL, NULL);
	vouch__dkim_body_update(&b, "a \r", 3);
	vouch__dkim_body_final(&b);
	assert_int_equal(b.total, 5);
	vouch__dkim_body_final(&b);
	assert_int_equal(b.total, 5);
	assert_int_equal(b.emitted, 5);
}

/* ---- chunking property --------------------------------------------------- */

static const char *const tricky[] = {
	"",
	"\r\n",
	"\r\n\r\n\r\n",
	"\n\n\r\n",
	" C \r\nD \t E\r\n\r\n\r\n",
	"abc",
	"a  \t  b   \r\n  \r\n\t\t\r\n\r\nc \t",
	"a\r\rb\r\r\n\r\r\n\r",
	"\r",
	"\r\r\r\n\n\r",
	"x \r \n \n\t\n\r\n \r\n",
	"line one\r\nline  two\t\r\n\r\n \r\n\r\nlast\r\n\r\n",
	"   \t\t  ",
	"a\n\n\nb\n\n",
	" \r\n\r\n \r\n",
};

static void
check_chunking(enum dkim_canon c, int64_t limit, const char *in)
{
	struct out ref, o;
	uint64_t total, t;
	size_t len = strlen(in), k;

	total = run(c, limit, in, len, 0, 0, &ref);
	t = run(c, limit, in, len, 1, 0, &o);
	assert_int_equal(t, total);
	assert_out(&o, ref.data ? ref.data : "", ref.len);
	free(o.data);
	for (k = 1; k < len; k++) {
		t = run(c, limit, in, len, 0, k, &o);
		assert_int_equal(t, total);
		assert_out(&o, ref.data ? ref.data : "", ref.len);
		free(o.data);
	}
	free(ref.data);
}

static void
test_body_chunking(void **state)
{
	static const int64_t limits[] = { -1, 0, 1, 3, 7 };
	size_t i, l;
	int c;

	(void)state;
	for (c = 0; c < 2; c++)
		for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++)
			for (l = 0; l < sizeof(limits) / sizeof(limits[0]);
			    l++)
				check_chunking((enum dkim_canon)c, limits[l],
				    tricky[i]);
}

/*
 * Canonical input of every size from 0 to 5 KiB comes out unchanged and
 * in order, whichever way it is cut: small pieces that are gathered and
 * long runs that bypass the gathering must not overtake one another.
 * The expected bytes are the input itself (already canonical under
 * both algorithms: no WSP runs, no WSP at line ends, no trailing empty
 * line).
 */
static void
test_body_order_across_sizes(void **state)
{
	static const char line[] = "ab cd\r\n";
	struct out o;
	char *in;
	size_t k, len, cut;
	int c;

	(void)state;
	in = malloc(2 + 800 * (sizeof(line) - 1) + 1);
	assert_non_null(in);
	for (k = 1; k <= 800; k += 7) {
		memcpy(in, "\r\n", 2);
		for (len = 2; len < 2 + k * (sizeof(line) - 1);
		    len += sizeof(line) - 1)
			memcpy(in + len, line, sizeof(line) - 1);
		in[len] = '\0';
		for (c = 0; c < 2; c++) {
			run((enum dkim_canon)c, -1, in, len, 0, 0, &o);
			assert_out(&o, in, len);
			free(o.data);
			for (cut = 1; cut < len; cut += len / 5 + 1) {
				run((enum dkim_canon)c, -1, in, len, 0, cut,
				    &o);
				assert_out(&o, in, len);
				free(o.data);
			}
		}
	}
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_rfc_example),
		cmocka_unit_test(test_header_line_ends),
		cmocka_unit_test(test_header_relaxed),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_header_append),
		cmocka_unit_test(test_body_rfc_example),
		cmocka_unit_test(test_body_empty),
		cmocka_unit_test(test_body_no_final_crlf),
		cmocka_unit_test(test_body_trailing_wsp_lines),
		cmocka_unit_test(test_body_bare_lf),
		cmocka_unit_test(test_body_bare_cr),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_body_many_empty_lines),
		cmocka_unit_test(test_body_final_twice),
		cmocka_unit_test(test_body_chunking),
		cmocka_unit_test(test_body_order_across_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
