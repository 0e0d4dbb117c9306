/*
 * report.c - vouch_report_parse(): the limits, and the container told by
 * content (never by a name):
 *
 *   1f 8b                  gzip       (input <= compressed_bytes)
 *   "PK\3\4", "PK\5\6"     zip        (input <= compressed_bytes)
 *   '<', white space, BOM  XML        (input <= xml_bytes)
 *   a header field line    e-mail     (input <= email_bytes; top level only;
 *   or an mbox "From " line             the line is skipped)
 *
 * Inside an e-mail the same sniffing finds the parts that carry a report;
 * an HTML part (which also starts with '<') is not one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report_int.h"

#define MIB (1024u * 1024u)

static void
fill_limits(struct vouch_report_limits *l,
    const struct vouch_report_limits *in)
{
	if (in != NULL)
		*l = *in;
	else
		memset(l, 0, sizeof(*l));
	if (l->email_bytes == 0)
		l->email_bytes = 20 * MIB;
	if (l->compressed_bytes == 0)
		l->compressed_bytes = 10 * MIB;
	if (l->xml_bytes == 0)
		l->xml_bytes = 50 * MIB;
	if (l->archive_members == 0)
		l->archive_members = 4;
	if (l->mime_depth == 0)
		l->mime_depth = 16;
	if (l->attachments == 0)
		l->attachments = 32;
	if (l->xml_depth == 0)
		l->xml_depth = 32;
	if (l->records == 0)
		l->records = 200000;
	if (l->field_bytes == 0)
		l->field_bytes = 1024;
}

int
vouch__report_fail(struct vouch__rctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vouch__verror(c->err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

const char *
vouch__report_quote(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, k = 0, max = n > 64 ? 64 : n;

	for (i = 0; i < max && k + 4 < outlen; i++) {
		unsigned char b = (unsigned char)s[i];

		out[k++] = b < 0x20 || b == 0x7f || b == '\'' ? '?' : (char)b;
	}
	if (i < n && k + 4 < outlen) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

static int
is_xml_text(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n >= 2 && ((p[0] == 0xfe && p[1] == 0xff) ||
	    (p[0] == 0xff && p[1] == 0xfe)))
		return 1;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i < n && p[i] == '<';
}

/* An HTML document (a mail's text/html part) is not a report. */
static int
is_html(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	p += i;
	n -= i;
	return (n >= 9 && vouch__strncaseeq((const char *)p, "<!doctype", 9)) ||
	    (n >= 5 && vouch__strncaseeq((const char *)p, "<html", 5));
}

/* RFC 5322 2.2: field-name = 1*(%d33-57 / %d59-126) ":" */
static int
is_header_line(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] >= 33 && p[i] <= 126 && p[i] != ':'; i++)
		;
	return i > 0 && i < n && p[i] == ':';
}

static int
stream_all(struct vouch__rctx *c, const unsigned char *p, size_t n)
{
	struct vouch__sink *s;
	int rc;

	if ((rc = vouch__sink_new(c, 2, &s)) == 0)
		rc = vouch__sink_whole(s, p, n);
	vouch__sink_free(s);
	return rc;
}

static int
too_big(struct vouch__rctx *c, const char *what, size_t n, size_t max)
{
	return vouch__report_fail(c, VOUCH_ELIMIT, "%s of %zu bytes is over "
	    "the limit of %zu bytes", what, n, max);
}

int
vouch__report_payload(struct vouch__rctx *c, const unsigned char *p,
    size_t n, enum vouch__where where)
{
	const struct vouch_report_limits *l = &c->lim;

	if (n == 0)
		return vouch__report_fail(c, where == VOUCH__TOP ?
		    VOUCH_ESYNTAX : VOUCH_EUNSUPPORTED, "empty input");
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return n > l->compressed_bytes ? too_big(c, "gzip input", n,
		    l->compressed_bytes) : stream_all(c, p, n);
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' && ((p[2] == 3 &&
	    p[3] == 4) || (p[2] == 5 && p[3] == 6)))
		return n > l->compressed_bytes ? too_big(c, "zip input", n,
		    l->compressed_bytes) : vouch__report_zip(c, p, n);
	if (is_xml_text(p, n)) {
		if (where != VOUCH__TOP && is_html(p, n))
			return vouch__report_fail(c, VOUCH_EUNSUPPORTED,
			    "an HTML part is not a report");
		return n > l->xml_bytes ? too_big(c, "XML input", n,
		    l->xml_bytes) : stream_all(c, p, n);
	}
	if (where == VOUCH__TOP && (is_header_line(p, n) || (n >= 5 &&
	    memcmp(p, "From ", 5) == 0)))
		return n > l->email_bytes ? too_big(c, "e-mail", n,
		    l->email_bytes) : vouch__report_mail(c, p, n);
	return vouch__report_fail(c, VOUCH_EUNSUPPORTED, "not a DMARC report: "
	    "neither XML, gzip, zip nor an e-mail");
}

int
vouch_report_parse(const void *data, size_t len,
    const struct vouch_report_limits *lim,
    const struct vouch_report_handler *h, void *arg,
    struct vouch_error *err)
{
	static const struct vouch_report_handler none;
	struct vouch__rctx c;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (data == NULL && len > 0)
		return vouch__error(err, VOUCH_EINVAL, 0, "no data");
	memset(&c, 0, sizeof(c));
	fill_limits(&c.lim, lim);
	c.h = h != NULL ? h : &none;
	c.arg = arg;
	c.err = err;
	return vouch__report_payload(&c, data, len, VOUCH__TOP);
}
