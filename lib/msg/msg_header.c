/*
 * msg_header.c - the header section of a message (RFC 5322 sections 2.2,
 * 2.2.3 and 4.5; RFC 6532 section 3.3 for 8-bit field bodies).
 *
 * One pass over the bytes: each line is found with memchr, checked for NUL
 * and bare CR, and either starts a field or extends the current one
 * (folding, section 2.2.3).  Fields first point into the caller's buffer;
 * when the whole section has been read it is copied once into the
 * message's arena and the pointers are moved there, so the cost is linear
 * in the size of the header whatever the number or length of the fields.
 */
#include <stdint.h>
#include <string.h>

#include "msg_int.h"

struct vouch_msg {
	struct vouch_msg_limits lim;
	struct vouch_msg_field *fields;
	size_t count;
	size_t cap;
	size_t header_bytes;	/* raw bytes of all fields held */
	int parsed;
	struct vouch__arena arena;
};

/* Where the line scanner is; offsets are into the caller's buffer. */
struct scan {
	const char *buf;
	size_t len;
	size_t scan_end;	/* never look past this for a line end */
	size_t pos;		/* start of the current line */
	size_t cend;		/* end of its content (before CR LF / LF) */
	size_t next;		/* start of the following line */
	unsigned line;		/* 1-based number of the current line */
	int in_field;		/* a field is open and may be continued */
};

int
vouch_msg_new(const struct vouch_msg_limits *limits, struct vouch_msg **out)
{
	struct vouch_msg *msg;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	msg = vouch__calloc(1, sizeof(*msg));
	if (msg == NULL)
		return VOUCH_ENOMEM;
	msg->lim.header_max = VOUCH_MSG_HEADER_MAX;
	msg->lim.field_max = VOUCH_MSG_FIELD_MAX;
	if (limits != NULL && limits->header_max != 0)
		msg->lim.header_max = limits->header_max;
	if (limits != NULL && limits->field_max != 0)
		msg->lim.field_max = limits->field_max;
	vouch__arena_init(&msg->arena, 0);
	*out = msg;
	return 0;
}

void
vouch_msg_free(struct vouch_msg *msg)
{
	if (msg == NULL)
		return;
	vouch__arena_free(&msg->arena);
	vouch__free(msg->fields);
	vouch__free(msg);
}

static struct vouch_msg_field *
field_append(struct vouch_msg *msg)
{
	struct vouch_msg_field *f;
	size_t ncap;

	if (msg->count == msg->cap) {
		ncap = msg->cap ? msg->cap * 2 : 32;
		if (ncap > SIZE_MAX / sizeof(*f))
			return NULL;
		f = vouch__realloc(msg->fields, ncap * sizeof(*f));
		if (f == NULL)
			return NULL;
		msg->fields = f;
		msg->cap = ncap;
	}
	f = &msg->fields[msg->count++];
	memset(f, 0, sizeof(*f));
	return f;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* ftext = %d33-57 / %d59-126 (RFC 5322 section 3.6.8) */
static int
name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 33 || c > 126 || c == ':')
			return 0;
	}
	return 1;
}

/*
 * Find the end of the line at sc->pos.  A line that runs past the header
 * cap is reported here, before reading on through a large body.
 */
static int
scan_line(struct scan *sc, size_t hmax, struct vouch_error *err)
{
	const char *p = sc->buf + sc->pos;
	const char *lf = memchr(p, '\n', sc->scan_end - sc->pos);

	if (lf == NULL) {
		if (sc->scan_end < sc->len)
			return vouch__error(err, VOUCH_ELIMIT, sc->line,
			    "line %u: header section exceeds %zu bytes",
			    sc->line, hmax);
		sc->next = sc->cend = sc->len;
	} else {
		sc->next = (size_t)(lf - sc->buf) + 1;
		sc->cend = sc->next - 1;
		if (sc->cend > sc->pos && sc->buf[sc->cend - 1] == '\r')
			sc->cend--;
	}
	if (memchr(p, '\0', sc->next - sc->pos) != NULL)
		return vouch__error(err, VOUCH_ESYNTAX, sc->line,
		    "line %u: NUL byte in the header", sc->line);
	/* RFC 5322 2.2: CR and LF only occur together as CRLF. */
	if (memchr(p, '\r', sc->cend - sc->pos) != NULL)
		return vouch__error(err, VOUCH_ESYNTAX, sc->line,
		    "line %u: CR not followed by LF in the header", sc->line);
	return 0;
}

static int
bad_name(const struct scan *sc, const char *why, struct vouch_error *err)
{
	/* An mbox separator is not a field (RFC 4155); say so plainly. */
	if (sc->line == 1 && sc->cend - sc->pos >= 5 &&
	    memcmp(sc->buf, "From ", 5) == 0)
		return vouch__error(err, VOUCH_ESYNTAX, 1,
		    "line 1: an mbox \"From \" line is not a header field");
	return vouch__error(err, VOUCH_ESYNTAX, sc->line, "line %u: %s",
	    sc->line, why);
}

/* A line that does not start with WSP opens a new field. */
static int
start_field(struct vouch_msg *msg, struct scan *sc, struct vouch_error *err)
{
	const char *p = sc->buf + sc->pos;
	const char *colon = memchr(p, ':', sc->cend - sc->pos);
	struct vouch_msg_field *f;
	size_t nlen;

	if (colon == NULL)
		return bad_name(sc, "no colon in a header line", err);
	/* RFC 5322 4.5.1 (obs-optional): WSP may precede the colon. */
	nlen = (size_t)(colon - p);
	while (nlen > 0 && is_wsp((unsigned char)p[nlen - 1]))
		nlen--;
	if (nlen == 0)
		return bad_name(sc, "empty field name", err);
	if (!name_ok(p, nlen))
		return bad_name(sc,
		    "field name has a byte outside 33..126", err);
	if (sc->cend - sc->pos > msg->lim.field_max)
		return vouch__error(err, VOUCH_ELIMIT, sc->line,
		    "line %u: header field exceeds %zu bytes", sc->line,
		    msg->lim.field_max);
	f = field_append(msg);
	if (f == NULL)
		return vouch__error(err, VOUCH_ENOMEM, sc->line,
		    "out of memory");
	f->name = p;
	f->name_len = nlen;
	f->value = colon + 1;
	f->value_len = (size_t)(sc->buf + sc->cend - f->value);
	f->raw = p;
	f->raw_len = sc->next - sc->pos;
	sc->in_field = 1;
	return 0;
}

/* A line starting with WSP continues the open field (section 2.2.3). */
static int
continue_field(struct vouch_msg *msg, struct scan *sc,
    struct vouch_error *err)
{
	struct vouch_msg_field *f;
	size_t start;

	if (!sc->in_field)
		return vouch__error(err, VOUCH_ESYNTAX, sc->line,
		    "line %u: continuation line before the first field",
		    sc->line);
	f = &msg->fields[msg->count - 1];
	start = (size_t)(f->raw - sc->buf);
	if (sc->cend - start > msg->lim.field_max)
		return vouch__error(err, VOUCH_ELIMIT, sc->line,
		    "line %u: header field exceeds %zu bytes", sc->line,
		    msg->lim.field_max);
	f->value_len = (size_t)(sc->buf + sc->cend - f->value);
	f->raw_len = sc->next - start;
	return 0;
}

/* Read lines until the empty line; *hdr_end is where the fields end. */
static int
scan_fields(struct vouch_msg *msg, struct scan *sc, size_t *hdr_end,
    size_t *body_off, struct vouch_error *err)
{
	size_t hmax = msg->lim.header_max;
	int rc;

	for (; sc->pos < sc->len; sc->pos = sc->next, sc->line++) {
		if ((rc = scan_line(sc, hmax, err)) != 0)
			return rc;
		if (sc->cend == sc->pos) {
			*hdr_end = sc->pos;
			*body_off = sc->next;
			return 0;
		}
		if (sc->next > hmax)
			return vouch__error(err, VOUCH_ELIMIT, sc->line,
			    "line %u: header section exceeds %zu bytes",
			    sc->line, hmax);
		if (is_wsp((unsigned char)sc->buf[sc->pos]))
			rc = continue_field(msg, sc, err);
		else
			rc = start_field(msg, sc, err);
		if (rc != 0)
			return rc;
	}
	*hdr_end = *body_off = sc->len;
	return 0;
}

/* Copy the section into the arena and move the field pointers there. */
static int
keep_copy(struct vouch_msg *msg, size_t first, const char *buf,
    size_t hdr_end)
{
	const char *copy;
	size_t i;

	if (hdr_end == 0)
		return 0;
	copy = vouch__arena_memdup(&msg->arena, buf, hdr_end);
	if (copy == NULL)
		return VOUCH_ENOMEM;
	for (i = first; i < msg->count; i++) {
		struct vouch_msg_field *f = &msg->fields[i];

		f->name = copy + (f->name - buf);
		f->value = copy + (f->value - buf);
		f->raw = copy + (f->raw - buf);
	}
	return 0;
}

int
vouch_msg_parse_header(struct vouch_msg *msg, const char *buf, size_t len,
    size_t *body_off, struct vouch_error *err)
{
	struct scan sc;
	size_t first, hdr_end = 0, body = 0;
	int rc;

	if (msg == NULL || (buf == NULL && len > 0) || body_off == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "invalid argument");
	if (msg->parsed || msg->count > 0)
		return vouch__error(err, VOUCH_EINVAL, 0,
		    "the message already has header fields");
	memset(&sc, 0, sizeof(sc));
	sc.buf = buf;
	sc.len = len;
	sc.line = 1;
	sc.scan_end = msg->lim.header_max > SIZE_MAX - 2 ? len :
	    msg->lim.header_max + 2;
	if (sc.scan_end > len)
		sc.scan_end = len;
	first = msg->count;
	rc = scan_fields(msg, &sc, &hdr_end, &body, err);
	if (rc == 0 && keep_copy(msg, first, buf, hdr_end) != 0)
		rc = vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	if (rc != 0) {
		msg->count = first;
		return rc;
	}
	msg->parsed = 1;
	msg->header_bytes += hdr_end;
	*body_off = body;
	return 0;
}

/*
 * A milter value may fold with LF or CRLF; every line end must be
 * followed by WSP, or the value would smuggle in a new field or end the
 * header (RFC 5322 2.2.3).  Returns how many bare LFs it has, or -1.
 */
static long
value_check(const char *v, size_t len)
{
	long bare = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (v[i] == '\0')
			return -1;
		if (v[i] == '\r' && (i + 1 >= len || v[i + 1] != '\n'))
			return -1;
		if (v[i] != '\n')
			continue;
		if (i + 1 >= len || !is_wsp((unsigned char)v[i + 1]))
			return -1;
		if (i == 0 || v[i - 1] != '\r')
			bare++;
	}
	return bare;
}

/* name ":" value CRLF, with each bare LF of the value made CRLF. */
static char *
build_raw(struct vouch_msg *msg, const char *name, size_t name_len,
    const char *value, size_t value_len, size_t raw_len)
{
	char *raw = vouch__arena_alloc(&msg->arena, raw_len);
	size_t i, o = 0;

	if (raw == NULL)
		return NULL;
	memcpy(raw, name, name_len);
	o = name_len;
	raw[o++] = ':';
	for (i = 0; i < value_len; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			raw[o++] = '\r';
		raw[o++] = value[i];
	}
	raw[o++] = '\r';
	raw[o++] = '\n';
	return raw;
}

int
vouch_msg_add_field(struct vouch_msg *msg, const char *name,
    size_t name_len, const char *value, size_t value_len,
    struct vouch_error *err)
{
	struct vouch_msg_field *f;
	long bare;
	size_t raw_len;
	char *raw;

	if (msg == NULL || name == NULL || (value == NULL && value_len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "invalid argument");
	if (!name_ok(name, name_len))
		return vouch__error(err, VOUCH_ESYNTAX, 0,
		    "field name is empty or has a byte outside 33..126");
	if ((bare = value_check(value, value_len)) < 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0,
		    "value of %.*s has a NUL, a bare CR or a line end not "
		    "followed by white space", (int)(name_len > 64 ? 64 :
		    name_len), name);
	if (value_len > msg->lim.field_max ||
	    name_len + 1 + value_len + (size_t)bare > msg->lim.field_max)
		return vouch__error(err, VOUCH_ELIMIT, 0,
		    "header field exceeds %zu bytes", msg->lim.field_max);
	raw_len = name_len + 1 + value_len + (size_t)bare + 2;
	if (msg->header_bytes > msg->lim.header_max ||
	    raw_len > msg->lim.header_max - msg->header_bytes)
		return vouch__error(err, VOUCH_ELIMIT, 0,
		    "header section exceeds %zu bytes", msg->lim.header_max);
	raw = build_raw(msg, name, name_len, value, value_len, raw_len);
	if (raw == NULL || (f = field_append(msg)) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	f->name = raw;
	f->name_len = name_len;
	f->value = raw + name_len + 1;
	f->value_len = raw_len - name_len - 3;
	f->raw = raw;
	f->raw_len = raw_len;
	msg->header_bytes += raw_len;
	return 0;
}

size_t
vouch_msg_count(const struct vouch_msg *msg)
{
	return msg == NULL ? 0 : msg->count;
}

const struct vouch_msg_field *
vouch_msg_field(const struct vouch_msg *msg, size_t i)
{
	if (msg == NULL || i >= msg->count)
		return NULL;
	return &msg->fields[i];
}

size_t
vouch_msg_find(const struct vouch_msg *msg, const char *name, size_t start)
{
	size_t i;

	if (msg == NULL || name == NULL)
		return (size_t)-1;
	for (i = start; i < msg->count; i++)
		if (vouch__memcaseeq(msg->fields[i].name,
		    msg->fields[i].name_len, name))
			return i;
	return (size_t)-1;
}

size_t
vouch_msg_count_named(const struct vouch_msg *msg, const char *name)
{
	size_t i, n = 0;

	if (msg == NULL || name == NULL)
		return 0;
	for (i = 0; i < msg->count; i++)
		if (vouch__memcaseeq(msg->fields[i].name,
		    msg->fields[i].name_len, name))
			n++;
	return n;
}
