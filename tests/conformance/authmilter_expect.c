/*
 * authmilter_expect.c - what authentication-milter produced for a case.
 *
 * The expected output is one of:
 *   - the message as the milter passed it on (milter runs): its own
 *     Authentication-Results field is on top, with the source's fields
 *     below it (minus those the Sanitize handler removed);
 *   - an SMTP transcript (SMTP runs): EHLO, XFORWARD, MAIL, RCPT, DATA,
 *     the message, ".", and RSET before the next message of a pipelined
 *     session.  Lines the upstream harness does not compare (the date and
 *     queue id of the milter's Received field) are replaced by lines of
 *     '#' characters; they are dropped here, and dot-stuffing (RFC 5321
 *     4.5.2) is undone;
 *   - "Message rejected with code : 550 5.7.0 ..." (a milter run that
 *     rejected), or no file at all with the index's notes saying the SMTP
 *     transaction was rejected.
 * The milter's fields are those claiming its authserv-id: found with
 * vouch_authres_ours() and read with vouch_authres_parse(), so both are
 * tested on real fields too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/authres.h>
#include <vouch/msg.h>

#include "authmilter_suite.h"

#define REJECTED "Message rejected with code : "

/* The next line of buf from *off (without its line end). */
static int
next_line(const char *buf, size_t len, size_t *off, const char **line,
    size_t *n)
{
	size_t end = *off;

	if (*off >= len)
		return 0;
	while (end < len && buf[end] != '\n')
		end++;
	*line = buf + *off;
	*n = end - *off;
	if (*n > 0 && buf[end - 1] == '\r')
		(*n)--;
	*off = end < len ? end + 1 : len;
	return 1;
}

static int
only_hashes(const char *p, size_t n)
{
	return n > 0 && strspn(p, "#") >= n;
}

/* Message nth of an SMTP transcript, CRLF line ends, into msg. */
static int
smtp_message(const char *buf, size_t len, unsigned nth, struct strbuf *msg,
    char *err, size_t errlen)
{
	const char *l;
	size_t off = 0, n;
	unsigned seen = 0;
	int in = 0;

	while (next_line(buf, len, &off, &l, &n)) {
		if (!in) {
			in = n == 4 && memcmp(l, "DATA", 4) == 0 &&
			    ++seen == nth;
			continue;
		}
		if (n == 1 && l[0] == '.')
			return 0;
		if (only_hashes(l, n))
			continue;
		if (n > 0 && l[0] == '.') {
			l++;
			n--;
		}
		sb_add(msg, l, n);
		sb_adds(msg, "\r\n");
	}
	if (in)
		snprintf(err, errlen, "message %u of the transcript has no "
		    "final \".\"", nth);
	else
		snprintf(err, errlen, "the transcript holds %u message(s), "
		    "not %u", seen, nth);
	return -1;
}

static int
rejection(const char *buf, const char *notes, struct am_expect *e,
    char *err, size_t errlen)
{
	const char *p;

	if (buf != NULL) {
		p = buf + strlen(REJECTED);
		snprintf(e->reply, sizeof(e->reply), "%.*s",
		    (int)strcspn(p, "\r\n"), p);
		e->rejected = 1;
		return 0;
	}
	if (notes != NULL && (p = strstr(notes, "rejected with ")) != NULL) {
		p += strlen("rejected with ");
		snprintf(e->reply, sizeof(e->reply), "%.*s",
		    (int)strcspn(p, " "), p);
		e->rejected = 1;
		return 0;
	}
	snprintf(err, errlen, "no expected output file, and the notes do not "
	    "say the message was rejected");
	return -1;
}

/* The A-R field occurrence k (1-based) of msg. */
static const struct vouch_msg_field *
nth_authres(const struct vouch_msg *msg, size_t k)
{
	size_t i = (size_t)-1;

	while (k-- > 0) {
		i = vouch_msg_find(msg, "Authentication-Results", i + 1);
		if (i == (size_t)-1)
			return NULL;
	}
	return vouch_msg_field(msg, i);
}

static int
read_fields(const struct vouch_msg *msg, const struct am_conf *c,
    struct am_expect *e, char *err, size_t errlen)
{
	const struct vouch_msg_field *f;
	struct vouch_error verr;
	size_t *idx = NULL, n = 0, i;
	int rc;

	memset(&verr, 0, sizeof(verr));
	if ((rc = vouch_authres_ours(msg, c->authserv_id, &idx, &n)) != 0) {
		snprintf(err, errlen, "vouch_authres_ours: %s",
		    vouch_strerror(rc));
		return -1;
	}
	e->ar = xmalloc((n ? n : 1) * sizeof(*e->ar));
	for (i = 0; i < n && rc == 0; i++) {
		if ((f = nth_authres(msg, idx[i])) == NULL) {
			snprintf(err, errlen, "vouch_authres_ours: field %zu "
			    "does not exist", idx[i]);
			rc = -1;
		} else if (vouch_authres_parse(f->value, f->value_len,
		    &e->ar[i], &verr) != 0) {
			snprintf(err, errlen, "vouch_authres_parse refused "
			    "the milter's field %zu: %s", idx[i], verr.msg);
			rc = -1;
		} else {
			e->nar++;
		}
	}
	free(idx);
	return rc;
}

int
am_expect_load(const char *buf, size_t len, const char *notes,
    const struct am_conf *c, unsigned nth, struct am_expect *e, char *err,
    size_t errlen)
{
	struct vouch_error verr;
	struct vouch_msg *msg = NULL;
	struct strbuf sm;
	size_t body;
	int rc = -1;

	memset(e, 0, sizeof(*e));
	memset(&verr, 0, sizeof(verr));
	if (buf == NULL || (len >= strlen(REJECTED) &&
	    memcmp(buf, REJECTED, strlen(REJECTED)) == 0))
		return rejection(buf, notes, e, err, errlen);
	sb_init(&sm);
	if (c->smtp) {
		if (smtp_message(buf, len, nth, &sm, err, errlen) != 0)
			goto out;
		buf = sm.p ? sm.p : "";
		len = sm.len;
	}
	if (vouch_msg_new(NULL, &msg) != 0 ||
	    vouch_msg_parse_header(msg, buf, len, &body, &verr) != 0) {
		snprintf(err, errlen, "the expected output's header does not "
		    "parse: %s", verr.msg);
		goto out;
	}
	rc = read_fields(msg, c, e, err, errlen);
out:
	vouch_msg_free(msg);
	sb_free(&sm);
	return rc;
}

void
am_expect_free(struct am_expect *e)
{
	size_t i;

	for (i = 0; i < e->nar; i++)
		vouch_authres_free(e->ar[i]);
	free(e->ar);
	memset(e, 0, sizeof(*e));
}
