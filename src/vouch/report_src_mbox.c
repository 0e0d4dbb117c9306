/*
 * report_src_mbox.c - splitting an mbox into its messages (report_src.h).
 *
 * RFC 4155: each message is preceded by a "From " line and followed by an
 * empty line.  A line starting "From " is taken as the next separator
 * only after an empty line (or as the file's first line), so a body line
 * that a careless writer left unquoted elsewhere does not cut a message
 * in two; the empty line before a separator belongs to the mbox and is
 * dropped.  mboxrd quotes every body line matching ">*From " with one
 * more ">", and mboxo quotes "From " lines as ">From ": one ">" is
 * removed from each line matching ">+From ", which undoes both (an
 * mboxo body line that was ">From " to begin with loses its ">", which
 * mboxo cannot tell apart).  Line ends are kept as they are.
 *
 * Memory: one 64 KiB read buffer and the current message, at most max
 * bytes; a longer message is skipped to its end and reported as such.
 * A line longer than the buffer is handled in pieces.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_src.h"

#define MBOX_BUF (64u * 1024u)

struct src_mbox {
	FILE *f;
	size_t max;
	unsigned char *buf;
	size_t pos, len;	/* unread bytes: buf[pos .. len) */
	int eof;		/* f has no more */
	int bol;		/* the next piece starts a line */
	int first;		/* no line read yet */
	int prev_empty;		/* the last whole line was empty */
	int in_from;		/* inside a long "From " line: drop it */
	int pending;		/* a message has begun */
	int over;		/* it passed max */
	struct src_buf msg;
	char why[128];
};

int
src_mbox_new(FILE *f, const void *head, size_t headlen, size_t max,
    struct src_mbox **out)
{
	struct src_mbox *m;

	*out = NULL;
	if (headlen > MBOX_BUF || (m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	if ((m->buf = malloc(MBOX_BUF)) == NULL) {
		free(m);
		return -1;
	}
	memcpy(m->buf, head, headlen);
	m->len = headlen;
	m->f = f;
	m->max = max;
	m->bol = m->first = 1;
	*out = m;
	return 0;
}

void
src_mbox_free(struct src_mbox *m)
{
	if (m == NULL)
		return;
	src_buf_free(&m->msg);
	free(m->buf);
	free(m);
}

static int
fill(struct src_mbox *m)
{
	size_t n;

	memmove(m->buf, m->buf + m->pos, m->len - m->pos);
	m->len -= m->pos;
	m->pos = 0;
	n = fread(m->buf + m->len, 1, MBOX_BUF - m->len, m->f);
	m->len += n;
	if (n == 0 && ferror(m->f))
		return -1;
	if (n == 0)
		m->eof = 1;
	return 0;
}

/* The next piece: a whole line, or as much of one as the buffer holds.
 * 1, 0 at the end, -1 on a read error. */
static int
piece(struct src_mbox *m, const unsigned char **p, size_t *n)
{
	const unsigned char *nl;

	for (;;) {
		nl = memchr(m->buf + m->pos, '\n', m->len - m->pos);
		if (nl != NULL || m->eof || (m->pos == 0 && m->len == MBOX_BUF))
			break;
		if (fill(m) != 0)
			return -1;
	}
	*p = m->buf + m->pos;
	*n = nl != NULL ? (size_t)(nl - *p) + 1 : m->len - m->pos;
	m->pos += *n;
	return *n > 0;
}

static int
is_from(const unsigned char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* ">+From ": a quoted "From " line, or a quoted quoted one. */
static int
is_quoted(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '>')
		i++;
	return i > 0 && is_from(p + i, n - i);
}

static int
is_empty_line(const unsigned char *p, size_t n)
{
	return (n == 1 && p[0] == '\n') ||
	    (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* The message read so far, without the mbox's empty line at its end. */
static int
finish(struct src_mbox *m, const void **data, size_t *len, const char **why)
{
	const unsigned char *p = m->msg.p;
	size_t n = m->msg.len;

	if (m->over) {
		snprintf(m->why, sizeof(m->why), "larger than %zu MiB (the "
		    "limit for one message)", m->max >> 20);
		*why = m->why;
		return 1;
	}
	if (n >= 4 && memcmp(p + n - 4, "\r\n\r\n", 4) == 0)
		n -= 2;
	else if (n >= 2 && p[n - 1] == '\n' && p[n - 2] == '\n')
		n -= 1;
	*data = p;
	*len = n;
	return 1;
}

/* Take one piece of a message's text; 1 when it was a separator. */
static int
take(struct src_mbox *m, const unsigned char *p, size_t n)
{
	int bol = m->bol, rc;

	m->bol = p[n - 1] == '\n';
	if (m->in_from) {
		m->in_from = !m->bol;
		return 0;
	}
	if (bol && is_from(p, n) && (m->first || m->prev_empty)) {
		m->first = m->prev_empty = 0;
		m->in_from = !m->bol;
		return 1;
	}
	m->first = 0;
	m->prev_empty = bol && m->bol && is_empty_line(p, n);
	if (bol && is_quoted(p, n)) {
		p++;
		n--;
	}
	if (m->over)
		return 0;
	rc = src_buf_add(&m->msg, p, n, m->max);
	if (rc < 0)
		return -1;
	m->over = rc > 0;
	return 0;
}

int
src_mbox_next(struct src_mbox *m, const void **data, size_t *len,
    const char **why)
{
	const unsigned char *p;
	size_t n;
	int rc;

	*data = NULL;
	*len = 0;
	*why = NULL;
	m->msg.len = 0;
	m->over = 0;
	for (;;) {
		if ((rc = piece(m, &p, &n)) < 0) {
			snprintf(m->why, sizeof(m->why), "cannot read: %s",
			    strerror(errno));
			*why = m->why;
			return -1;
		}
		if (rc == 0) {
			if (!m->pending)
				return 0;
			m->pending = 0;
			return finish(m, data, len, why);
		}
		if ((rc = take(m, p, n)) < 0) {
			*why = "out of memory";
			return -1;
		}
		if (rc == 0)
			continue;
		if (m->pending)
			return finish(m, data, len, why);
		m->pending = 1;
	}
}
