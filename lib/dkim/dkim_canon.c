/*
 * dkim_canon.c - DKIM canonicalization (RFC 6376 section 3.4).
 *
 * Line ends: CRLF and a bare LF both end a line (a bare LF is read as
 * CRLF, RFC 6376 section 5.3 "network normal" form).  A bare CR, one not
 * followed by LF, is kept as an ordinary octet of the line; at the very
 * end of a body it is still an octet, so "a\r" becomes "a\r\r\n".
 *
 * The body canonicalizer is a byte-level state machine: whether a CR is
 * part of a CRLF, whether WSP ends a line, whether an empty line is at
 * the end of the body, are all decided by later input, so they are held
 * back as flags and a count, never as buffered bytes.  Runs of ordinary
 * octets are passed to the sink straight from the caller's chunk.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "dkim/dkim_canon.h"

/* 32 CRLFs, so held-back empty lines go out in few sink calls. */
static const char crlfs[] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* ---- header fields (3.4.1, 3.4.2) -------------------------------------- */

/* 3.4.1: the bytes unchanged, except that a bare LF becomes CRLF; a
 * field without a final line end gets CRLF. */
static size_t
header_simple(const char *raw, size_t len, char *o)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			o[n++] = '\r';
		o[n++] = raw[i];
	}
	if (n == 0 || o[n - 1] != '\n') {
		o[n++] = '\r';
		o[n++] = '\n';
	}
	return n;
}

/* Is raw[i] part of a line end (CR of CRLF, or LF)?  3.4.2 unfolding:
 * inside one field every line end is a fold, so it is removed. */
static int
is_eol(const char *raw, size_t len, size_t i)
{
	if (raw[i] == '\n')
		return 1;
	return raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n';
}

/* 3.4.2: lower-case name, unfold, WSP runs to one SP, no WSP at the end
 * of the value nor around the colon. */
static size_t
header_relaxed(const char *raw, size_t len, size_t colon, char *o)
{
	size_t i, n = 0, value;
	int wsp = 0;

	for (i = 0; i < colon; i++) {
		if (!is_eol(raw, len, i) && !is_wsp((unsigned char)raw[i]))
			o[n++] = (char)vouch__tolower((unsigned char)raw[i]);
	}
	o[n++] = ':';
	value = n;
	for (i = colon + 1; i < len; i++) {
		if (is_eol(raw, len, i))
			continue;
		if (is_wsp((unsigned char)raw[i])) {
			/* WSP before the first value octet is dropped. */
			wsp = n > value;
			continue;
		}
		if (wsp)
			o[n++] = ' ';
		wsp = 0;
		o[n++] = raw[i];
	}
	o[n++] = '\r';
	o[n++] = '\n';
	return n;
}

int
vouch__dkim_canon_header(enum dkim_canon c, const char *raw, size_t len,
    struct vouch__buf *out)
{
	const char *colon;
	char small[2048], *tmp = small;
	size_t n;
	int rc;

	if (raw == NULL || out == NULL ||
	    (c != DKIM_CANON_SIMPLE && c != DKIM_CANON_RELAXED))
		return VOUCH_EINVAL;
	colon = memchr(raw, ':', len);
	if (colon == NULL)
		return VOUCH_ESYNTAX;
	/* Simple may double every LF, plus a final CRLF.  Most fields fit
	 * the stack buffer. */
	if (len > ((size_t)-1 - 3) / 2)
		return VOUCH_ELIMIT;
	if (2 * len + 3 > sizeof(small) &&
	    (tmp = vouch__malloc(2 * len + 3)) == NULL)
		return VOUCH_ENOMEM;
	if (c == DKIM_CANON_SIMPLE)
		n = header_simple(raw, len, tmp);
	else
		n = header_relaxed(raw, len, (size_t)(colon - raw), tmp);
	rc = vouch__buf_append(out, tmp, n);
	if (tmp != small)
		vouch__free(tmp);
	return rc;
}

/* ---- body (3.4.3, 3.4.4) ----------------------------------------------- */

/* Hand the staged canonical octets to the sink. */
static void
flush(struct dkim_body *b)
{
	if (b->staged > 0 && b->sink != NULL)
		b->sink(b->arg, b->stage, b->staged);
	b->staged = 0;
}

/* Count n canonical octets; pass those within l= (3.5) to the sink.
 * Small pieces (a word, a CRLF) are gathered in the stage first, so the
 * digest sees few large updates; a large run goes straight through.  A
 * NULL sink only counts (total, emitted). */
static void
emit(struct dkim_body *b, const void *p, size_t n)
{
	uint64_t room;

	b->total += n;
	if (b->limit >= 0) {
		room = (uint64_t)b->limit > b->emitted ?
		    (uint64_t)b->limit - b->emitted : 0;
		if (n > room)
			n = (size_t)room;
	}
	if (n == 0)
		return;
	b->emitted += n;
	if (b->staged + n > sizeof(b->stage))
		flush(b);
	if (n >= sizeof(b->stage) / 2) {
		/* Staged octets come first in the hash. */
		flush(b);
		if (b->sink != NULL)
			b->sink(b->arg, p, n);
		return;
	}
	memcpy(b->stage + b->staged, p, n);
	b->staged += n;
}

/* Text follows: the held-back empty lines were not at the end after
 * all, and held-back WSP inside a line becomes one SP (3.4.4 a). */
static void
text_begins(struct dkim_body *b)
{
	size_t k;

	while (b->empty_lines > 0) {
		k = b->empty_lines > 32 ? 32 : (size_t)b->empty_lines;
		emit(b, crlfs, 2 * k);
		b->empty_lines -= k;
	}
	if (b->wsp) {
		emit(b, " ", 1);
		b->wsp = 0;
	}
	b->line_has_text = 1;
}

/* A line ends: a line with text gets its CRLF now, an empty one is held
 * back as it may be at the end (3.4.3).  WSP at the end is dropped
 * (3.4.4 a). */
static void
line_end(struct dkim_body *b)
{
	b->wsp = 0;
	if (b->line_has_text)
		emit(b, crlfs, 2);
	else
		b->empty_lines++;
	b->line_has_text = 0;
}

/* The held-back CR was not followed by LF: it is an ordinary octet. */
static void
bare_cr(struct dkim_body *b)
{
	b->cr = 0;
	text_begins(b);
	emit(b, "\r", 1);
}

void
vouch__dkim_body_init(struct dkim_body *b, enum dkim_canon c,
    int64_t limit, dkim_sink_fn *sink, void *arg)
{
	/* Every field but the stage, whose octets count only up to staged:
	 * zeroing 4 KiB per signature and message is measurable. */
	b->canon = c;
	b->sink = sink;
	b->arg = arg;
	b->limit = limit < 0 ? -1 : limit;
	b->emitted = 0;
	b->total = 0;
	b->empty_lines = 0;
	b->wsp = 0;
	b->cr = 0;
	b->line_has_text = 0;
	b->staged = 0;
}

/* Octet classes: 0 ordinary, 1 WSP, 2 CR or LF. */
static const unsigned char octet_class[256] = {
	['\t'] = 1, [' '] = 1, ['\r'] = 2, ['\n'] = 2
};

/*
 * Simple: the run goes on through CR LF when an ordinary octet follows
 * (the next line has text, so no empty line is held back), and through
 * a CR not followed by LF (an ordinary octet in simple).  It stops
 * before a bare LF (it becomes CR LF), before a CR LF that ends the
 * data or starts an empty line, and before a CR at the end of the data.
 */
static size_t
simple_run(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p, *lf;

	for (;;) {
		lf = memchr(q, '\n', (size_t)(end - q));
		if (lf == NULL) {
			q = end;
			if (q > p && q[-1] == '\r')
				q--;
			break;
		}
		if (lf == p || lf[-1] != '\r' || lf - 1 == p ||
		    lf + 1 >= end || octet_class[lf[1]] == 2) {
			q = lf > p && lf[-1] == '\r' ? lf - 1 : lf;
			break;
		}
		q = lf + 1;
	}
	return (size_t)(q - p);
}

/*
 * Skip what is already relaxed-canonical: octets above 0x20, a single SP
 * followed by one (an SP inside the run always follows an ordinary
 * octet), and a CR LF followed by one (the line ended has text, the next
 * starts with text, so nothing is held back).  Stops at the first other
 * octet at or below 0x20 (HTAB, an SP run, WSP at a line end, an empty
 * line, a bare CR or LF, a control) for the caller to decide, or at end.
 * It never stops between the CR and the LF of a CR LF it took.
 *
 * Vectors of 16 octets (SSE2, which every x86-64 has) or 32 (AVX2, when
 * the CPU has it), reduced to bit masks by plain_stops(); a vector is
 * taken only while two more octets follow it, which the masks look at.
 * One octet at a time elsewhere.
 */
static const unsigned char *
skip_plain_tail(const unsigned char *q, const unsigned char *end)
{
	while (q < end && (*q > 0x20 ||
	    (*q == ' ' && q + 1 < end && q[1] > 0x20)))
		q += *q == ' ' ? 2 : 1;
	return q;
}

/*
 * The octets of a w-octet vector (w <= 32) where the skip must stop.
 * Bit i stands for octet i.  low: octets at or below 0x20, with bits w
 * and w + 1 for the two octets after the vector; lf: LF, with bit w; sp
 * and cr: SP and CR.  *carry is 1 when the octet before the vector is a
 * CR that was taken (so octet 0 is its LF); it gets the same for the
 * next vector.
 */
static inline uint64_t
plain_stops(uint64_t low, uint64_t sp, uint64_t cr, uint64_t lf, unsigned w,
    unsigned *carry)
{
	uint64_t crlf = cr & (lf >> 1) & ~(low >> 2);
	uint64_t ok = (sp & ~(low >> 1)) | crlf | (crlf << 1) | *carry;

	*carry = (unsigned)(crlf >> (w - 1)) & 1;
	return low & ~ok & ((UINT64_C(1) << w) - 1);
}

/* Lookahead bits for the two octets after a w-octet vector at q. */
static inline uint64_t
low_after(const unsigned char *q, unsigned w)
{
	return (uint64_t)(q[w] <= 0x20) << w |
	    (uint64_t)(q[w + 1] <= 0x20) << (w + 1);
}

#if defined(__SSE2__)
static const unsigned char *
skip_plain_sse2(const unsigned char *q, const unsigned char *end)
{
	const __m128i sp = _mm_set1_epi8(0x20), cr = _mm_set1_epi8('\r'),
	    lf = _mm_set1_epi8('\n');
	uint64_t low, stop;
	unsigned carry = 0;
	__m128i v;

	while (end - q > 17) {
		v = _mm_loadu_si128((const void *)q);
		/* max(x, 0x20) == 0x20 exactly when x <= 0x20 (unsigned) */
		low = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_max_epu8(v, sp), sp)) |
		    low_after(q, 16);
		stop = plain_stops(low,
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, sp)),
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr)),
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) |
		    (uint64_t)(q[16] == '\n') << 16, 16, &carry);
		if (stop != 0)
			return q + __builtin_ctzll(stop);
		q += 16;
	}
	return skip_plain_tail(q + carry, end);
}
#endif

#if defined(__x86_64__) && defined(__GNUC__) && \
    defined(__has_attribute)
#if __has_attribute(target)
#define VOUCH_AVX2 1
#endif
#endif

#ifdef VOUCH_AVX2
__attribute__((target("avx2"))) static const unsigned char *
skip_plain_avx2(const unsigned char *q, const unsigned char *end)
{
	const __m256i sp = _mm256_set1_epi8(0x20),
	    cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	uint64_t low, stop;
	unsigned carry = 0;
	__m256i v;

	while (end - q > 33) {
		v = _mm256_loadu_si256((const void *)q);
		low = (uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(_mm256_max_epu8(v, sp), sp)) |
		    low_after(q, 32);
		stop = plain_stops(low,
		    (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, sp)),
		    (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, cr)),
		    (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)) |
		    (uint64_t)(q[32] == '\n') << 32, 32, &carry);
		if (stop != 0)
			return q + __builtin_ctzll(stop);
		q += 32;
	}
	/* A CR taken at the vector's end: its LF is not for the next scan
	 * to judge (the octet after it is above 0x20). */
	return skip_plain_sse2(q + carry, end);
}
#endif

static const unsigned char *
skip_plain(const unsigned char *q, const unsigned char *end)
{
#ifdef VOUCH_AVX2
	if (__builtin_cpu_supports("avx2"))
		return skip_plain_avx2(q, end);
#endif
#if defined(__SSE2__)
	return skip_plain_sse2(q, end);
#else
	return skip_plain_tail(q, end);
#endif
}

/*
 * Relaxed: ordinary octets, a single SP between ordinary octets, and CR
 * LF between ordinary octets stay as they are.  Anything else (HTAB, a
 * WSP run, WSP at a line end, an empty line, a bare CR or LF, the end of
 * the data) stops the run for the slow path.
 */
static size_t
relaxed_run(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

	while (q < end) {
		q = skip_plain(q, end);
		if (q == end)
			break;
		if (octet_class[*q] == 0)
			q++;
		else if (*q == ' ' && q + 1 < end && octet_class[q[1]] == 0)
			q += 2;
		else if (*q == '\r' && q + 2 < end && q[1] == '\n' &&
		    octet_class[q[2]] == 0)
			q += 3;
		else
			break;
	}
	return (size_t)(q - p);
}

/* The run at p that is already canonical; *p is ordinary. */
static size_t
plain_run(const struct dkim_body *b, const unsigned char *p,
    const unsigned char *end)
{
	if (b->canon == DKIM_CANON_RELAXED)
		return relaxed_run(p, end);
	return simple_run(p, end);
}

void
vouch__dkim_body_update(struct dkim_body *b, const void *data, size_t len)
{
	const unsigned char *p = data, *end;
	size_t n;

	if (len == 0)
		return;
	end = p + len;
	while (p < end) {
		if (b->cr) {
			if (*p == '\n') {
				b->cr = 0;
				line_end(b);
				p++;
				continue;
			}
			bare_cr(b);
		}
		if (*p == '\r') {
			b->cr = 1;
			p++;
		} else if (*p == '\n') {
			line_end(b);
			p++;
		} else if (b->canon == DKIM_CANON_RELAXED && is_wsp(*p)) {
			b->wsp = 1;
			p++;
		} else {
			n = plain_run(b, p, end);
			text_begins(b);
			emit(b, p, n);
			p += n;
		}
	}
}

/*
 * The end of the body: a CR still held back is an octet; an unfinished
 * line with text gets its CRLF; WSP at its end is dropped (relaxed);
 * held-back empty lines are dropped.  Simple turns a body with no
 * canonical octets into one CRLF (3.4.3); relaxed leaves it empty
 * (3.4.4 b).  A last line without a line end is treated as if it had
 * one, so "a  " and "a  \r\n" canonicalize alike, and a relaxed body of
 * only WSP is empty.  Calling this twice changes nothing.
 */
void
vouch__dkim_body_final(struct dkim_body *b)
{
	if (b->cr)
		bare_cr(b);
	b->wsp = 0;
	if (b->line_has_text) {
		emit(b, crlfs, 2);
		b->line_has_text = 0;
	}
	b->empty_lines = 0;
	if (b->canon == DKIM_CANON_SIMPLE && b->total == 0)
		emit(b, crlfs, 2);
	flush(b);
}
