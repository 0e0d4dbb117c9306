/*
 * report_gz.c - decompressed byte streams ("sinks") and gzip (RFC 1952).
 *
 * A sink receives bytes as a decompressor produces them and tells what
 * they are from the first two: gzip magic (1f 8b) means one more gzip
 * layer, which is allowed once (a .xml.gz.gz, as some reporters send);
 * '<', white space or a byte-order mark means XML, fed to expat as it
 * arrives; anything else is not a report (VOUCH_EUNSUPPORTED, before any
 * callback).  Every byte written to a sink is counted as produced, never
 * as an archive declares it: a sink that is XML stops at xml_bytes, one
 * that is an inner gzip at compressed_bytes.
 *
 * XML is gathered up to VOUCH__RX_WHOLE_MAX bytes and parsed in one final
 * XML_Parse() call: after every call that is not final, expat walks the
 * bytes it parsed again to keep its line and column count, a tenth of its
 * time.  A larger document is streamed from there on, so a sink holds at
 * most that much XML whatever the size of the report.
 *
 * Gzip: zlib's inflate with a gzip-only header (no raw deflate, no zlib
 * wrapper); several members one after another are one stream (RFC 1952
 * 2.2); white space after the last member is ignored, anything else after
 * it, or a stream that ends early, is refused.  zlib allocates through
 * vouch__malloc().
 */
#include <string.h>

#include <zlib.h>

#include "report/report_int.h"

#define OUT_CHUNK 32768

enum sink_kind { SINK_UNKNOWN = 0, SINK_XML, SINK_GZIP };

struct gz {
	z_stream z;
	int ready;		/* inflateInit2() done */
	int ended;		/* last member complete, no input since */
	unsigned char out[OUT_CHUNK];
};

struct vouch__sink {
	struct vouch__rctx *c;
	enum sink_kind kind;
	unsigned gzip_levels;
	size_t produced;
	unsigned char head[2];
	size_t nhead;
	struct vouch__rx *xml;
	struct vouch__buf whole;	/* XML not parsed yet */
	int streaming;			/* over the cap: parsed as it comes */
	struct gz *gz;
	struct vouch__sink *inner;
};

static voidpf
gz_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return vouch__calloc(items, size);
}

static void
gz_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	vouch__free(p);
}

int
vouch__sink_new(struct vouch__rctx *c, unsigned gzip_levels,
    struct vouch__sink **out)
{
	struct vouch__sink *s = vouch__calloc(1, sizeof(*s));

	*out = s;
	if (s == NULL)
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	s->c = c;
	s->gzip_levels = gzip_levels;
	vouch__buf_init(&s->whole, VOUCH__RX_WHOLE_MAX);
	return 0;
}

void
vouch__sink_free(struct vouch__sink *s)
{
	if (s == NULL)
		return;
	vouch__rx_free(s->xml);
	vouch__buf_free(&s->whole);
	if (s->gz != NULL && s->gz->ready)
		inflateEnd(&s->gz->z);
	vouch__free(s->gz);
	vouch__sink_free(s->inner);
	vouch__free(s);
}

static int
gz_start(struct vouch__sink *s)
{
	struct vouch__rctx *c = s->c;
	struct gz *g;
	int zr;

	if (s->gzip_levels == 0)
		return vouch__report_fail(c, VOUCH_EUNSUPPORTED, "gzip inside "
		    "gzip inside gzip: only one nested gzip is unwrapped");
	g = s->gz = vouch__calloc(1, sizeof(*g));
	if (g == NULL)
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	g->z.zalloc = gz_alloc;
	g->z.zfree = gz_free;
	/* 15 + 16: a gzip header and trailer, the largest window. */
	zr = inflateInit2(&g->z, 15 + 16);
	if (zr != Z_OK)
		return vouch__report_fail(c, zr == Z_MEM_ERROR ? VOUCH_ENOMEM :
		    VOUCH_EINTERNAL, "gzip: cannot start inflating");
	g->ready = 1;
	return vouch__sink_new(c, s->gzip_levels - 1, &s->inner);
}

static int
is_xml_start(unsigned char b)
{
	/* '<', XML white space, or the first byte of a UTF-8 or UTF-16
	 * byte-order mark (expat checks the rest). */
	return b == '<' || b == ' ' || b == '\t' || b == '\r' || b == '\n' ||
	    b == 0xef || b == 0xfe || b == 0xff;
}

/* Decide the kind from the first bytes (head). */
static int
sniff(struct vouch__sink *s)
{
	struct vouch__rctx *c = s->c;

	if (s->head[0] == 0x1f && s->nhead == 2 && s->head[1] == 0x8b) {
		s->kind = SINK_GZIP;
		return gz_start(s);
	}
	if (s->head[0] != 0x1f && is_xml_start(s->head[0])) {
		s->kind = SINK_XML;
		return vouch__rx_new(c, &s->xml);
	}
	if (s->head[0] == 'P' && s->nhead == 2 && s->head[1] == 'K')
		return vouch__report_fail(c, VOUCH_EUNSUPPORTED, "a zip inside "
		    "gzip is not unwrapped");
	return vouch__report_fail(c, VOUCH_EUNSUPPORTED, "decompressed data "
	    "is not XML");
}

static int
gz_write(struct vouch__sink *s, const unsigned char *p, size_t n)
{
	struct gz *g = s->gz;
	int zr, rc;
	size_t made;

	while (n > 0) {
		if (g->ended) {
			/* RFC 1952 2.2: members follow each other.  White
			 * space after the last one is tolerated (Mimecast
			 * puts a CRLF inside its base64). */
			if (p[0] == '\r' || p[0] == '\n' || p[0] == ' ' ||
			    p[0] == '\t') {
				p++;
				n--;
				continue;
			}
			if (p[0] != 0x1f)
				return vouch__report_fail(s->c, VOUCH_ESYNTAX,
				    "gzip: bytes after the end of the stream");
			inflateReset(&g->z);
			g->ended = 0;
		}
		g->z.next_in = (Bytef *)(uintptr_t)p;
		g->z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
		g->z.next_out = g->out;
		g->z.avail_out = OUT_CHUNK;
		zr = inflate(&g->z, Z_NO_FLUSH);
		made = OUT_CHUNK - g->z.avail_out;
		n -= (size_t)(g->z.next_in - p);
		p = g->z.next_in;
		if (zr == Z_MEM_ERROR)
			return vouch__report_fail(s->c, VOUCH_ENOMEM, "out of "
			    "memory");
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return vouch__report_fail(s->c, VOUCH_ESYNTAX, "gzip: "
			    "%s", g->z.msg != NULL ? g->z.msg : "corrupt data");
		if (made > 0 && (rc = vouch__sink_write(s->inner, g->out,
		    made)) != 0)
			return rc;
		if (zr == Z_STREAM_END)
			g->ended = 1;
		else if (made == 0 && zr == Z_BUF_ERROR)
			break;
	}
	return 0;
}

/* n more bytes produced, under the kind's limit. */
static int
count(struct vouch__sink *s, size_t n)
{
	struct vouch__rctx *c = s->c;
	size_t max;

	max = s->kind == SINK_XML ? c->lim.xml_bytes : c->lim.compressed_bytes;
	if (n > max || s->produced > max - n)
		return vouch__report_fail(c, VOUCH_ELIMIT, "%s larger than %zu "
		    "bytes", s->kind == SINK_XML ? "decompressed XML" :
		    "gzip data", max);
	s->produced += n;
	return 0;
}

/* XML gathered while it fits in VOUCH__RX_WHOLE_MAX, streamed past that. */
static int
xml_write(struct vouch__sink *s, const unsigned char *p, size_t n)
{
	int rc;

	if (!s->streaming && n <= VOUCH__RX_WHOLE_MAX - s->whole.len) {
		if (vouch__buf_append(&s->whole, p, n) != 0)
			return vouch__report_fail(s->c, VOUCH_ENOMEM, "out of "
			    "memory");
		return 0;
	}
	if (!s->streaming) {
		s->streaming = 1;
		rc = vouch__rx_feed(s->xml, (const unsigned char *)s->whole.data,
		    s->whole.len, 0);
		vouch__buf_free(&s->whole);
		if (rc != 0)
			return rc;
	}
	return vouch__rx_feed(s->xml, p, n, 0);
}

/* Bytes after the sniff: counted, then parsed or inflated. */
static int
deliver(struct vouch__sink *s, const unsigned char *p, size_t n)
{
	int rc;

	if ((rc = count(s, n)) != 0)
		return rc;
	if (s->kind == SINK_XML)
		return xml_write(s, p, n);
	return gz_write(s, p, n);
}

int
vouch__sink_write(struct vouch__sink *s, const unsigned char *p, size_t n)
{
	int rc;

	if (s->kind == SINK_UNKNOWN) {
		while (n > 0 && s->nhead < sizeof(s->head)) {
			s->head[s->nhead++] = *p++;
			n--;
		}
		if (s->nhead < sizeof(s->head))
			return 0;
		if ((rc = sniff(s)) != 0 ||
		    (rc = deliver(s, s->head, s->nhead)) != 0)
			return rc;
	}
	return n > 0 ? deliver(s, p, n) : 0;
}

int
vouch__sink_end(struct vouch__sink *s)
{
	int rc;

	if (s->kind == SINK_UNKNOWN) {
		if (s->nhead == 0)
			return vouch__report_fail(s->c, VOUCH_EUNSUPPORTED,
			    "no data: not a report");
		if ((rc = sniff(s)) != 0 ||
		    (rc = deliver(s, s->head, s->nhead)) != 0)
			return rc;
	}
	if (s->kind == SINK_XML)
		return vouch__rx_feed(s->xml, (const unsigned char *)
		    s->whole.data, s->whole.len, 1);
	if (!s->gz->ended)
		return vouch__report_fail(s->c, VOUCH_ESYNTAX, "gzip: "
		    "truncated stream");
	return vouch__sink_end(s->inner);
}

int
vouch__sink_whole(struct vouch__sink *s, const unsigned char *p, size_t n)
{
	int rc;

	/* XML given whole is parsed where it lies, without a copy. */
	if (s->kind == SINK_UNKNOWN && s->nhead == 0 && n >= sizeof(s->head) &&
	    p[0] != 0x1f && is_xml_start(p[0])) {
		s->kind = SINK_XML;
		if ((rc = count(s, n)) != 0 ||
		    (rc = vouch__rx_new(s->c, &s->xml)) != 0)
			return rc;
		return vouch__rx_feed(s->xml, p, n, 1);
	}
	if ((rc = vouch__sink_write(s, p, n)) != 0)
		return rc;
	return vouch__sink_end(s);
}
