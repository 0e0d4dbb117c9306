/*
 * report_mail.c - report e-mails (RFC 5322 + MIME, RFC 2045/2046) parsed
 * with GMime 3 from memory.
 *
 * The MIME tree is walked depth first.  Every leaf part counts against
 * attachments and every level against mime_depth; going over either
 * refuses the message (VOUCH_ELIMIT): a report mail has a handful of
 * parts, so more is a bomb, not a report.  GMime builds the whole tree
 * before the walk, so the input is first checked for more multipart
 * boundaries than the limits allow (which bounds GMime's own recursion and
 * boundary scanning too).  A leaf is sniffed by its decoded content
 * (report.c): a zip, a gzip or an XML document is parsed as an aggregate
 * report; anything else is skipped.  A multipart holding a
 * message/feedback-report part (multipart/report per RFC 6591, and the
 * multipart/mixed some reporters send) is a failure report: the feedback
 * fields and the returned message or header section go to report_arf.c,
 * and the returned message is never searched for reports.  A message/rfc822
 * part elsewhere (a forwarded report) is walked one level down.  A message
 * that yields no report at all is VOUCH_EUNSUPPORTED.
 *
 * GMime's one-time initialisation runs under pthread_once(); after it,
 * parsing shares no state.  GMime allocates through GLib, which aborts
 * when memory runs out: the input is capped at email_bytes first.
 */
#include <pthread.h>
#include <string.h>

#include <gmime/gmime.h>

#include "report/report_int.h"

struct mail {
	struct vouch__rctx *c;
	unsigned parts;		/* leaf parts looked at */
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

/* Occurrences of "boundary" "=" (any case, spaces allowed before '='),
 * counted up to cap + 1. */
static unsigned
count_boundaries(const unsigned char *p, size_t n, unsigned cap)
{
	unsigned count = 0;
	size_t i, j;

	for (i = 0; i + 8 < n && count <= cap; i++) {
		if ((p[i] | 0x20) != 'b' ||
		    !vouch__strncaseeq((const char *)p + i, "boundary", 8))
			continue;
		for (j = i + 8; j < n && (p[j] == ' ' || p[j] == '\t'); j++)
			;
		if (j < n && p[j] == '=')
			count++;
	}
	return count;
}

static int
is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

/* A leaf's content with its transfer encoding undone; the caller unrefs
 * the stream, which owns the bytes. */
static GMimeStream *
decoded(GMimePart *part, const unsigned char **p, size_t *n)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *a;

	if (w != NULL)
		g_mime_data_wrapper_write_to_stream(w, s);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	*p = a->data;
	*n = a->len;
	return s;
}

/* A whole embedded message, serialized again (its header section is what
 * a failure report keeps). */
static GMimeStream *
serialized(GMimeObject *o, const unsigned char **p, size_t *n)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *a;

	g_mime_object_write_to_stream(o, NULL, s);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	*p = a->data;
	*n = a->len;
	return s;
}

static int
count_part(struct mail *m)
{
	if (++m->parts > m->c->lim.attachments)
		return vouch__report_fail(m->c, VOUCH_ELIMIT, "e-mail with "
		    "more than %u MIME parts", m->c->lim.attachments);
	return 0;
}

static int
is_returned(GMimeObject *o)
{
	return GMIME_IS_MESSAGE_PART(o) || is_type(o, "text",
	    "rfc822-headers") || is_type(o, "message", "rfc822-headers");
}

/* The returned message or header section of an ARF multipart. */
static GMimeStream *
returned_headers(GMimeMultipart *mp, const unsigned char **p, size_t *n)
{
	GMimeObject *o;
	GMimeMessage *msg;
	int i, count = g_mime_multipart_get_count(mp);

	for (i = 0; i < count; i++) {
		o = g_mime_multipart_get_part(mp, i);
		if (!is_returned(o))
			continue;
		if (GMIME_IS_PART(o))
			return decoded(GMIME_PART(o), p, n);
		msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (msg != NULL)
			return serialized(GMIME_OBJECT(msg), p, n);
	}
	*p = NULL;
	*n = 0;
	return NULL;
}

static int
feedback(struct mail *m, GMimeObject *o, GMimeMultipart *parent)
{
	const unsigned char *fp, *hp = NULL;
	size_t fn, hn = 0;
	GMimeStream *fs, *hs = NULL;
	int rc;

	fs = decoded(GMIME_PART(o), &fp, &fn);
	if (parent != NULL)
		hs = returned_headers(parent, &hp, &hn);
	rc = vouch__report_arf(m->c, (const char *)fp, fn, (const char *)hp,
	    hn);
	if (hs != NULL)
		g_object_unref(hs);
	g_object_unref(fs);
	return rc;
}

/* RFC 6591 3: a multipart with a message/feedback-report part. */
static int
arf_multipart(struct mail *m, GMimeMultipart *mp)
{
	GMimeObject *o;
	int i, rc, count = g_mime_multipart_get_count(mp);

	for (i = 0; i < count; i++) {
		o = g_mime_multipart_get_part(mp, i);
		if ((rc = count_part(m)) != 0)
			return rc;
		if (GMIME_IS_PART(o) && is_type(o, "message",
		    "feedback-report") && (rc = feedback(m, o, mp)) != 0)
			return rc;
	}
	return 0;
}

static int
has_feedback(GMimeMultipart *mp)
{
	int i, count = g_mime_multipart_get_count(mp);

	for (i = 0; i < count; i++)
		if (is_type(g_mime_multipart_get_part(mp, i), "message",
		    "feedback-report"))
			return 1;
	return 0;
}

static int
leaf(struct mail *m, GMimePart *part)
{
	const unsigned char *p;
	size_t n;
	GMimeStream *s;
	int rc;

	if ((rc = count_part(m)) != 0)
		return rc;
	if (is_type(GMIME_OBJECT(part), "message", "feedback-report"))
		return feedback(m, GMIME_OBJECT(part), NULL);
	s = decoded(part, &p, &n);
	rc = vouch__report_payload(m->c, p, n, VOUCH__PART);
	g_object_unref(s);
	if (rc == VOUCH_EUNSUPPORTED && !m->c->stopped)
		rc = 0;		/* not a report: the next part */
	return rc;
}

static int
too_deep(struct mail *m, unsigned depth)
{
	if (depth > m->c->lim.mime_depth)
		return vouch__report_fail(m->c, VOUCH_ELIMIT, "MIME parts "
		    "nested more than %u levels deep", m->c->lim.mime_depth);
	return 0;
}

static int
walk(struct mail *m, GMimeObject *o, unsigned depth)
{
	GMimeMultipart *mp;
	GMimeMessage *msg;
	int i, rc, count;

	if ((rc = too_deep(m, depth)) != 0)
		return rc;
	if (GMIME_IS_MULTIPART(o)) {
		mp = GMIME_MULTIPART(o);
		if (has_feedback(mp))
			return (rc = too_deep(m, depth + 1)) != 0 ? rc :
			    arf_multipart(m, mp);
		count = g_mime_multipart_get_count(mp);
		for (i = 0; i < count; i++)
			if ((rc = walk(m, g_mime_multipart_get_part(mp, i),
			    depth + 1)) != 0)
				return rc;
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		return msg != NULL ? walk(m, g_mime_message_get_mime_part(msg),
		    depth + 1) : 0;
	}
	if (GMIME_IS_PART(o))
		return leaf(m, GMIME_PART(o));
	return 0;
}

int
vouch__report_mail(struct vouch__rctx *c, const unsigned char *p, size_t n)
{
	struct mail m;
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeObject *body;
	size_t before = c->nreports + c->nfailures;
	unsigned cap = c->lim.mime_depth + c->lim.attachments;
	int rc;

	/* A message saved from an mbox starts with its "From " line. */
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		const unsigned char *nl = memchr(p, '\n', n);

		n = nl != NULL ? n - (size_t)(nl + 1 - p) : 0;
		p = nl != NULL ? nl + 1 : p;
	}
	if (count_boundaries(p, n, cap) > cap)
		return vouch__report_fail(c, VOUCH_ELIMIT, "e-mail with more "
		    "than %u multipart boundaries (MIME depth and parts "
		    "limits)", cap);
	pthread_once(&gmime_once, gmime_start);
	s = g_mime_stream_mem_new_with_buffer((const char *)p, n);
	parser = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(s);
	if (msg == NULL)
		return vouch__report_fail(c, VOUCH_ESYNTAX, "not an e-mail "
		    "message");
	memset(&m, 0, sizeof(m));
	m.c = c;
	body = g_mime_message_get_mime_part(msg);
	rc = body != NULL ? walk(&m, body, 0) : 0;
	g_object_unref(msg);
	if (rc == 0 && c->nreports + c->nfailures == before)
		rc = vouch__report_fail(c, VOUCH_EUNSUPPORTED, "no DMARC "
		    "report in the e-mail");
	return rc;
}
