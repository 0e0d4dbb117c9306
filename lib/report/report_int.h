/*
 * report_int.h - the pieces of vouch_report_parse() (include/vouch/report.h)
 * and how they hand bytes to each other:
 *
 *   report.c       the entry point: limits, sniffing the outer container
 *                  (XML, gzip, zip, e-mail) by content, error helpers
 *   report_gz.c    a "sink": a decompressed byte stream told apart by its
 *                  first bytes (XML, or gzip one more level down), and the
 *                  zlib inflater feeding it; every byte produced is counted
 *   report_zip.c   zip archives from memory (libzip): the first
 *                  archive_members entries, each streamed into a sink
 *   report_mail.c  e-mails (GMime 3): the MIME walk under mime_depth and
 *                  attachments; parts found by content
 *   report_arf.c   failure reports: an RFC 6591 message/feedback-report part
 *                  and the returned header section
 *   report_xml.c   expat: DTD/entity refusal, depth, element table, text
 *   report_xrec.c  metadata and record checks, the callbacks, in order
 *   report_xval.c  what each element's text means: normalization
 *
 * Everything one call parses lives in the structures below and dies with
 * the call; nothing is shared between calls (thread safety as report.h).
 * Errors are negative VOUCH_E* codes with c->err filled; a non-zero value
 * from a caller's callback is passed through unchanged and stops the
 * parse.  VOUCH_EUNSUPPORTED from a part means "not a DMARC report" and is
 * raised before any callback has seen that part, so a container may skip
 * the part and go on.
 */
#ifndef VOUCH_REPORT_INT_H
#define VOUCH_REPORT_INT_H

#include <stddef.h>

#include <vouch/report.h>

#include "util/util.h"

/* Structural caps that are not in struct vouch_report_limits: how many
 * DKIM results, SPF results and reasons one record may carry, and how
 * many <error> elements one report may carry. */
#define VOUCH_REPORT_RESULTS_MAX 64
/* Returned header section of a failure report (report.h). */
#define VOUCH_REPORT_HEADERS_MAX (64u * 1024u)

/* One vouch_report_parse() call. */
struct vouch__rctx {
	struct vouch_report_limits lim;	/* defaults filled in */
	const struct vouch_report_handler *h;
	void *arg;
	struct vouch_error *err;
	size_t nreports;		/* aggregate reports completed */
	size_t nfailures;		/* failure reports handed over */
	int stopped;			/* a callback returned non-zero */
};

/* ---- report.c ---------------------------------------------------------- */

/* Fill c->err and return code.  Quote untrusted text with
 * vouch__report_quote() first. */
int vouch__report_fail(struct vouch__rctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copy at most 64 bytes of s (n bytes) into out (>= 80 bytes) for an error
 * message: control bytes and '\'' become '?', "..." marks a cut. */
const char *vouch__report_quote(const char *s, size_t n, char *out,
    size_t outlen);

/* Where a payload was found: decides what may be inside it. */
enum vouch__where {
	VOUCH__TOP = 0,		/* the caller's input: anything, e-mail too */
	VOUCH__PART		/* a MIME part: XML, gzip or zip */
};
/* Parse one in-memory payload (sniffed by content). */
int vouch__report_payload(struct vouch__rctx *c, const unsigned char *p,
    size_t n, enum vouch__where where);

/* ---- report_gz.c: sinks ------------------------------------------------ */

struct vouch__sink;

/* gzip_levels: how many gzip layers may still be unwrapped (2 at the top:
 * a gzip and, inside it, one more). */
int vouch__sink_new(struct vouch__rctx *c, unsigned gzip_levels,
    struct vouch__sink **out);
int vouch__sink_write(struct vouch__sink *s, const unsigned char *p,
    size_t n);
/* End of the stream: finishes the report (or fails if it is incomplete). */
int vouch__sink_end(struct vouch__sink *s);
/* The whole stream at once: write, then end. */
int vouch__sink_whole(struct vouch__sink *s, const unsigned char *p,
    size_t n);
void vouch__sink_free(struct vouch__sink *s);

/* ---- report_zip.c ------------------------------------------------------ */

int vouch__report_zip(struct vouch__rctx *c, const unsigned char *p,
    size_t n);

/* ---- report_mail.c, report_arf.c --------------------------------------- */

int vouch__report_mail(struct vouch__rctx *c, const unsigned char *p,
    size_t n);

/* A message/feedback-report part (fields, fn bytes) and the returned
 * message or header section (hdr, hn bytes; NULL when there is none). */
int vouch__report_arf(struct vouch__rctx *c, const char *fields, size_t fn,
    const char *hdr, size_t hn);
/* Unix time of an RFC 5322 date, or -1. */
long long vouch__report_date(const char *s);

/* ---- report_xml.c (report_xml.h for the rest) -------------------------- */

struct vouch__rx;

/* XML up to this size is parsed in one final XML_Parse() call (expat
 * then skips its line and column bookkeeping, a tenth of its time): a
 * sink gathers that much before parsing, vouch__rx_feed() parses the last
 * that much of a final piece at once.  A larger document is parsed as it
 * comes, so no more than this is ever held for it. */
#define VOUCH__RX_WHOLE_MAX (4u << 20)

int vouch__rx_new(struct vouch__rctx *c, struct vouch__rx **out);
/* Feed XML; final = 1 on the last call.  Completes the report (meta if
 * not yet handed over, end callback) when final. */
int vouch__rx_feed(struct vouch__rx *x, const unsigned char *p, size_t n,
    int final);
void vouch__rx_free(struct vouch__rx *x);

#endif /* VOUCH_REPORT_INT_H */
