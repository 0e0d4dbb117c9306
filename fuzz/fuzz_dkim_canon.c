/*
 * fuzz_dkim_canon.c - the DKIM body canonicalizer's chunking property
 * (RFC 6376 section 3.4.3/3.4.4, SECURITY.md "a chunked-input property
 * test for every streaming hash").
 *
 * The first byte picks the canonicalization (low bit), an l= limit (next
 * bits, 0 meaning none) and, with the second byte, the split position.
 * The rest is the body: fed whole, in two chunks cut there, and byte by
 * byte, the canonical bytes and totals must be identical; otherwise
 * abort().  The whole-body result must also equal that of a naive
 * reference written straight from the RFC's wording (split into lines,
 * fix each line, drop the trailing empty ones), which shares no code
 * with the streaming state machine.  Each field-sized prefix also goes
 * through the header canonicalizer, which must succeed or refuse
 * cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_canon.h"

#define OUT_MAX 4096

struct out {
	unsigned char h[OUT_MAX];	/* first bytes, compared exactly */
	size_t len;
	uint64_t sum;			/* checksum of all the bytes */
};

static void
sink(void *arg, const void *data, size_t len)
{
	struct out *o = arg;
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++, o->len++) {
		if (o->len < OUT_MAX)
			o->h[o->len] = p[i];
		o->sum = o->sum * 1099511628211u + p[i] + o->len;
	}
}

static uint64_t
canon(enum dkim_canon c, int64_t limit, const uint8_t *d, size_t n,
    size_t split, size_t step, struct out *o)
{
	struct dkim_body b;
	size_t i;

	memset(o, 0, sizeof(*o));
	vouch__dkim_body_init(&b, c, limit, sink, o);
	if (step > 0) {
		for (i = 0; i < n; i++)
			vouch__dkim_body_update(&b, d + i, 1);
	} else {
		vouch__dkim_body_update(&b, d, split);
		vouch__dkim_body_update(&b, d + split, n - split);
	}
	vouch__dkim_body_final(&b);
	if (b.emitted != o->len || b.total < b.emitted)
		abort();
	if (limit >= 0 && b.emitted > (uint64_t)limit)
		abort();
	return b.total;
}

static void
same(const struct out *a, const struct out *b)
{
	size_t n = a->len < OUT_MAX ? a->len : OUT_MAX;

	if (a->len != b->len || a->sum != b->sum ||
	    memcmp(a->h, b->h, n) != 0)
		abort();
}

/*
 * The reference, over the whole body at once.  A line ends at CRLF or a
 * bare LF; a bare CR is an ordinary octet; a last line without a line
 * end counts as a line.  Relaxed (3.4.4): WSP runs become one SP, WSP at
 * a line end goes.  Both: empty lines at the end go (3.4.3, 3.4.4);
 * simple turns an empty result into CRLF.  Then l= cuts.
 */
static void
reference(enum dkim_canon c, int64_t limit, const uint8_t *d, size_t n,
    struct out *o)
{
	unsigned char *buf = malloc(2 * n + 2);
	size_t i, len = 0, keep = 0, start, end;
	int wsp;

	if (buf == NULL)
		abort();
	for (i = 0; i < n; i = end) {
		/* the line is d[i..e), its end marker d[e..end) */
		size_t e = i;

		while (e < n && d[e] != '\n')
			e++;
		end = e < n ? e + 1 : n;
		if (e < n && e > i && d[e - 1] == '\r')
			e--;
		start = len;
		wsp = 0;
		for (; i < e; i++) {
			if (c == DKIM_CANON_RELAXED &&
			    (d[i] == ' ' || d[i] == '\t')) {
				wsp = 1;
				continue;
			}
			if (wsp)
				buf[len++] = ' ';
			wsp = 0;
			buf[len++] = d[i];
		}
		buf[len++] = '\r';
		buf[len++] = '\n';
		if (len - start > 2)
			keep = len;
	}
	len = keep;
	if (c == DKIM_CANON_SIMPLE && len == 0) {
		buf[0] = '\r';
		buf[1] = '\n';
		len = 2;
	}
	if (limit >= 0 && (uint64_t)len > (uint64_t)limit)
		len = (size_t)limit;
	memset(o, 0, sizeof(*o));
	if (len > 0)
		sink(o, buf, len);
	free(buf);
}

static void
header(enum dkim_canon c, const uint8_t *d, size_t n)
{
	struct vouch__buf buf;
	int rc;

	vouch__buf_init(&buf, 2 * n + 3);
	rc = vouch__dkim_canon_header(c, (const char *)d, n, &buf);
	if (rc != 0 && rc != VOUCH_ESYNTAX && rc != VOUCH_ENOMEM)
		abort();
	if (rc == 0 && (buf.len < 3 || buf.data[buf.len - 2] != '\r' ||
	    buf.data[buf.len - 1] != '\n'))
		abort();
	vouch__buf_free(&buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct out whole, two, bytes, ref;
	enum dkim_canon c;
	int64_t limit;
	size_t split;
	uint64_t t1, t2, t3;

	if (size < 2)
		return 0;
	c = (data[0] & 1) ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	limit = (data[0] >> 1) == 0 ? -1 : (int64_t)(data[0] >> 1) - 1;
	split = ((size_t)data[0] << 8 | data[1]);
	data += 2;
	size -= 2;
	split = size > 0 ? split % (size + 1) : 0;
	t1 = canon(c, limit, data, size, size, 0, &whole);
	t2 = canon(c, limit, data, size, split, 0, &two);
	t3 = canon(c, limit, data, size, 0, 1, &bytes);
	if (t1 != t2 || t1 != t3)
		abort();
	same(&whole, &two);
	same(&whole, &bytes);
	reference(c, limit, data, size, &ref);
	same(&whole, &ref);
	header(c, data, size);
	return 0;
}
