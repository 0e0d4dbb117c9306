/*
 * lib/dkim/dkim_canon.h - DKIM canonicalization (RFC 6376 section 3.4).
 *
 * Header fields: one raw field as received (name, colon, value with its
 * folding, final line end) becomes its canonical form, CRLF-terminated,
 * appended to a capped buffer.  "simple" (3.4.1) keeps the bytes, only
 * turning a bare LF line end into CRLF; "relaxed" (3.4.2) lower-cases the
 * name, unfolds, collapses WSP runs to one SP, drops WSP at the end of the
 * value and around the colon.
 *
 * Body: a streaming canonicalizer.  The caller feeds chunks of any size
 * (split anywhere: inside CRLF, inside a WSP run) and the canonical bytes
 * come out through a sink callback, identical whatever the chunking.
 * "simple" (3.4.3) drops empty lines at the end and makes an empty body
 * one CRLF; "relaxed" (3.4.4) drops WSP at line ends, collapses WSP runs,
 * drops empty lines at the end, and leaves an empty body empty.  Bare LF
 * in the input is read as CRLF.  An l= limit (3.5) stops the output after
 * that many canonical bytes while the total canonical length is still
 * counted, so the caller can tell l= covered less than the body.
 *
 * Memory: the body state holds counters (pending empty lines and
 * pending whitespace) and a 4 KiB staging buffer that gathers small
 * pieces for the sink, so it is bounded whatever the body size.  The
 * sink may therefore see the octets only at vouch__dkim_body_final().
 * Thread safety: one state per signature, no shared data.
 */
#ifndef VOUCH_DKIM_CANON_H
#define VOUCH_DKIM_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED = 1
};

/* Append the canonical form of one raw header field (with CRLF). */
int vouch__dkim_canon_header(enum dkim_canon c, const char *raw, size_t len,
    struct vouch__buf *out);

typedef void dkim_sink_fn(void *arg, const void *data, size_t len);

struct dkim_body {
	enum dkim_canon canon;
	dkim_sink_fn *sink;
	void *arg;
	int64_t limit;		/* l= in octets, or -1 for none */
	uint64_t emitted;	/* canonical octets passed to the sink */
	uint64_t total;		/* canonical octets of the whole body */
	/* streaming state (private to dkim_canon.c) */
	uint64_t empty_lines;	/* CRLFs held back: maybe trailing */
	unsigned char wsp;	/* a WSP run held back (relaxed) */
	unsigned char cr;	/* the last byte was CR */
	unsigned char line_has_text;	/* the current line has octets */
	size_t staged;		/* octets in stage not yet given to sink */
	unsigned char stage[4096];
};

void vouch__dkim_body_init(struct dkim_body *b, enum dkim_canon c,
    int64_t limit, dkim_sink_fn *sink, void *arg);
void vouch__dkim_body_update(struct dkim_body *b, const void *data,
    size_t len);
/* Flush what the end of the body decides (3.4.3/3.4.4 trailing rules). */
void vouch__dkim_body_final(struct dkim_body *b);

#endif /* VOUCH_DKIM_CANON_H */
