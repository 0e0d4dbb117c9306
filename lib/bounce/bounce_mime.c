/*
 * bounce_mime.c - header sections and the MIME structure of a bounce,
 * read over the raw input (RFC 5322 2.2, RFC 2045 5 and 6, RFC 2046
 * 5.1.1).
 *
 * The walk is ours rather than GMime's tree because the original message
 * must come back as the exact bytes the input carries (DKIM verifies
 * them): a part is a range of the input between two boundary lines, and
 * only a part with a base64 or quoted-printable transfer encoding is
 * decoded (by GMime's decoders) into the arena.  GMime also reads the
 * Date field.  Neither needs g_mime_init(): they use no shared state.
 *
 * Limits (SECURITY.md): every part of a multipart counts against
 * BOUNCE_MIME_PARTS and every level against BOUNCE_MIME_DEPTH, checked
 * before the part is looked at, so that the recursion is bounded.
 */
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>

#include "bounce_int.h"

enum cte { CTE_IDENTITY, CTE_BASE64, CTE_QP };

struct mpart {
	char type[32];		/* lower case */
	char sub[64];
	char boundary[BOUNCE_BOUNDARY_MAX + 1];
	char name[128];		/* filename= or name=, as written */
	char rtype[64];		/* report-type= */
	int attachment;
	enum cte cte;
	struct bspan body;
};

/* The end of the line starting at p[i] (the index of its LF, or n), and
 * in *next the start of the following one. */
static size_t
line_end(const char *p, size_t n, size_t i, size_t *next)
{
	const char *lf = memchr(p + i, '\n', n - i);
	size_t e = lf != NULL ? (size_t)(lf - p) : n;

	*next = lf != NULL ? e + 1 : n;
	if (e > i && p[e - 1] == '\r')
		e--;
	return e;
}

/* A field line: a name of printable octets but ':', optional WSP, ':'. */
static int
is_field_line(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && p[i] > 32 && p[i] < 127 && p[i] != ':'; i++)
		;
	if (i == 0)
		return 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < len && p[i] == ':';
}

size_t
vouch__bh_scan(const char *p, size_t n, size_t *hlen)
{
	size_t i = 0, e, next;
	int any = 0;

	while (i < n) {
		e = line_end(p, n, i, &next);
		if (e == i) {		/* the empty line */
			*hlen = i;
			return next;
		}
		if (!((any && (p[i] == ' ' || p[i] == '\t')) ||
		    is_field_line(p + i, e - i))) {
			*hlen = i;
			return i;
		}
		any = 1;
		i = next;
	}
	*hlen = n;
	return n;
}

int
vouch__bh_next(const char *p, size_t hlen, size_t *pos, struct bfield *f)
{
	size_t i = *pos, e, next, colon;

	if (i >= hlen)
		return 0;
	e = line_end(p, hlen, i, &next);
	for (colon = i; colon < e && p[colon] != ':'; colon++)
		;
	f->name = p + i;
	for (f->nlen = 0; i + f->nlen < colon && p[i + f->nlen] != ' ' &&
	    p[i + f->nlen] != '\t'; f->nlen++)
		;
	f->val = p + (colon < e ? colon + 1 : e);
	while (next < hlen && (p[next] == ' ' || p[next] == '\t'))
		e = line_end(p, hlen, next, &next);
	f->vlen = (size_t)(p + e - f->val);
	*pos = next;
	return 1;
}

int
vouch__bh_find(const char *p, size_t hlen, const char *name,
    struct bfield *f)
{
	size_t pos = 0;

	while (vouch__bh_next(p, hlen, &pos, f))
		if (vouch__memcaseeq(f->name, f->nlen, name))
			return 1;
	return 0;
}

static size_t
skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	return i;
}

/* A token or a quoted string at s[i..n) into out (cut to outlen - 1). */
static size_t
param_value(const char *s, size_t n, size_t i, char *out, size_t outlen)
{
	size_t o = 0;
	int q = i < n && s[i] == '"';

	for (i += q; i < n; i++) {
		if (q && s[i] == '\\' && i + 1 < n)
			i++;
		else if (q ? s[i] == '"' : (s[i] == ';' || s[i] == ' ' ||
		    s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			break;
		if (o + 1 < outlen && s[i] != '\0')
			out[o++] = s[i];
	}
	out[o] = '\0';
	return i + (q && i < n);
}

/* The parameter name of a Content-Type or Content-Disposition value
 * (RFC 2045 5.1), into out; 0 when it is not there. */
static int
param(const char *s, size_t n, const char *name, char *out, size_t outlen)
{
	size_t i = 0, k, len = strlen(name);
	int q = 0;

	for (;;) {
		for (; i < n && (q || s[i] != ';'); i++) {
			if (s[i] == '\\' && q)
				i++;
			else if (s[i] == '"')
				q = !q;
		}
		if (i >= n)
			return 0;
		k = skip_ws(s, n, i + 1);
		if (k + len < n && vouch__strncaseeq(s + k, name, len)) {
			k = skip_ws(s, n, k + len);
			if (k < n && s[k] == '=') {
				param_value(s, n, skip_ws(s, n, k + 1), out,
				    outlen);
				return 1;
			}
		}
		i++;
	}
}

static void
lower_word(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 1 < outlen; i++)
		out[o++] = (char)vouch__tolower((unsigned char)s[i]);
	out[o] = '\0';
}

/* Content-Type "type/subtype; params" (RFC 2045 5.1); text/plain when
 * missing (5.2). */
static void
content_type(struct mpart *m, const char *h, size_t hlen)
{
	struct bfield f;
	size_t i, j;

	memcpy(m->type, "text", 5);
	memcpy(m->sub, "plain", 6);
	if (!vouch__bh_find(h, hlen, "Content-Type", &f))
		return;
	i = skip_ws(f.val, f.vlen, 0);
	for (j = i; j < f.vlen && f.val[j] != '/' && f.val[j] != ';'; j++)
		;
	if (j >= f.vlen || f.val[j] != '/')
		return;
	lower_word(f.val + i, j - i, m->type, sizeof(m->type));
	for (i = ++j; j < f.vlen && f.val[j] != ';' && f.val[j] != ' ' &&
	    f.val[j] != '\t' && f.val[j] != '\r' && f.val[j] != '\n'; j++)
		;
	lower_word(f.val + i, j - i, m->sub, sizeof(m->sub));
	param(f.val, f.vlen, "boundary", m->boundary, sizeof(m->boundary));
	param(f.val, f.vlen, "report-type", m->rtype, sizeof(m->rtype));
	param(f.val, f.vlen, "name", m->name, sizeof(m->name));
}

static void
read_part_header(struct mpart *m, const char *p, size_t n)
{
	struct bfield f;
	size_t hlen, body = vouch__bh_scan(p, n, &hlen), i;

	memset(m, 0, sizeof(*m));
	content_type(m, p, hlen);
	if (vouch__bh_find(p, hlen, "Content-Transfer-Encoding", &f)) {
		i = skip_ws(f.val, f.vlen, 0);
		if (f.vlen - i >= 6 && vouch__strncaseeq(f.val + i, "base64",
		    6))
			m->cte = CTE_BASE64;
		else if (f.vlen - i >= 16 && vouch__strncaseeq(f.val + i,
		    "quoted-printable", 16))
			m->cte = CTE_QP;
	}
	if (vouch__bh_find(p, hlen, "Content-Disposition", &f)) {
		i = skip_ws(f.val, f.vlen, 0);
		m->attachment = f.vlen - i >= 10 &&
		    vouch__strncaseeq(f.val + i, "attachment", 10);
		param(f.val, f.vlen, "filename", m->name, sizeof(m->name));
	}
	m->body.p = p + body;
	m->body.n = n - body;
}

/* The body of a part with its transfer encoding undone: the input's own
 * bytes when it has none. */
static struct bspan
decode(struct bctx *c, const struct mpart *m)
{
	GMimeEncoding st;
	struct bspan d = m->body;
	char *out;
	size_t len;

	if (m->cte == CTE_IDENTITY)
		return d;
	g_mime_encoding_init_decode(&st, m->cte == CTE_BASE64 ?
	    GMIME_CONTENT_ENCODING_BASE64 :
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	out = vouch__arena_alloc(c->a, g_mime_encoding_outlen(&st, d.n) + 8);
	if (out == NULL) {
		c->oom = 1;
		d.n = 0;
		return d;
	}
	len = g_mime_encoding_step(&st, d.p, d.n, out);
	len += g_mime_encoding_flush(&st, "", 0, out + len);
	d.p = out;
	d.n = len;
	return d;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && vouch__strcaseeq(s + n - k, suffix);
}

static int
is(const struct mpart *m, const char *type, const char *sub)
{
	return strcmp(m->type, type) == 0 && strcmp(m->sub, sub) == 0;
}

/* A part that is not a multipart: keep what a bounce is made of. */
static void
leaf(struct bctx *c, const struct mpart *m)
{
	enum vouch_bounce_original k = VOUCH_BOUNCE_ORIG_NONE;

	if (is(m, "message", "delivery-status") ||
	    is(m, "message", "global-delivery-status")) {
		if (c->dsn.p == NULL)
			c->dsn = decode(c, m);
		return;
	}
	if (is(m, "message", "rfc822") || is(m, "message", "global") ||
	    ends_with(m->name, ".eml"))
		k = VOUCH_BOUNCE_ORIG_FULL;
	else if (is(m, "text", "rfc822-headers") ||
	    is(m, "message", "rfc822-headers") ||
	    is(m, "message", "global-headers"))
		k = VOUCH_BOUNCE_ORIG_HEADERS;
	if (k != VOUCH_BOUNCE_ORIG_NONE) {
		/* The whole message over a header section alone. */
		if (c->okind == VOUCH_BOUNCE_ORIG_NONE ||
		    (c->okind == VOUCH_BOUNCE_ORIG_HEADERS &&
		    k == VOUCH_BOUNCE_ORIG_FULL)) {
			c->orig = decode(c, m);
			c->okind = k;
		}
		return;
	}
	if (is(m, "text", "plain") && !m->attachment && c->prose.p == NULL)
		c->prose = decode(c, m);
}

/* The boundary line "--" boundary ["--"] [WSP] at p[i..e): 1 for a
 * delimiter, 2 for the close delimiter, 0 for neither (RFC 2046 5.1.1). */
static int
delimiter(const char *p, size_t i, size_t e, const char *bd, size_t blen)
{
	int kind = 1;

	if (e - i < blen + 2 || p[i] != '-' || p[i + 1] != '-' ||
	    memcmp(p + i + 2, bd, blen) != 0)
		return 0;
	i += blen + 2;
	if (e - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	while (i < e && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i == e ? kind : 0;
}

static int walk(struct bctx *c, const char *p, size_t n, unsigned depth);

/* Each body part between the delimiters; the line end before a delimiter
 * belongs to it. */
static int
multipart(struct bctx *c, const struct mpart *m, unsigned depth)
{
	const char *p = m->body.p;
	size_t n = m->body.n, i = 0, e, next, start = 0, blen;
	int open = 0, kind, rc;

	blen = strlen(m->boundary);
	for (; i < n; i = next) {
		e = line_end(p, n, i, &next);
		if ((kind = delimiter(p, i, e, m->boundary, blen)) == 0)
			continue;
		if (open) {
			if (++c->parts > BOUNCE_MIME_PARTS)
				return vouch__error(c->err, VOUCH_ELIMIT, 0,
				    "message with more than %u MIME parts",
				    BOUNCE_MIME_PARTS);
			e = i;
			if (e > start && p[e - 1] == '\n')
				e--;
			if (e > start && p[e - 1] == '\r')
				e--;
			if ((rc = walk(c, p + start, e - start,
			    depth + 1)) != 0)
				return rc;
		}
		if (kind == 2)
			return 0;
		open = 1;
		start = next;
	}
	/* No close delimiter: the last part runs to the end. */
	if (open && start < n) {
		if (++c->parts > BOUNCE_MIME_PARTS)
			return vouch__error(c->err, VOUCH_ELIMIT, 0, "message "
			    "with more than %u MIME parts", BOUNCE_MIME_PARTS);
		return walk(c, p + start, n - start, depth + 1);
	}
	return 0;
}

static int
walk(struct bctx *c, const char *p, size_t n, unsigned depth)
{
	struct mpart m;

	if (depth > BOUNCE_MIME_DEPTH)
		return vouch__error(c->err, VOUCH_ELIMIT, 0, "MIME parts "
		    "nested more than %u levels deep", BOUNCE_MIME_DEPTH);
	read_part_header(&m, p, n);
	if (strcmp(m.type, "multipart") == 0 && m.boundary[0] != '\0') {
		if (strcmp(m.sub, "report") == 0 &&
		    (vouch__strcaseeq(m.rtype, "delivery-status") ||
		    vouch__strcaseeq(m.rtype, "global-delivery-status")))
			c->report = 1;
		return multipart(c, &m, depth);
	}
	leaf(c, &m);
	return 0;
}

int
vouch__bounce_walk(struct bctx *c)
{
	return walk(c, c->in.p, c->in.n, 0);
}

int64_t
vouch__bounce_date(struct bctx *c, const char *p, size_t hlen)
{
	struct bfield f;
	const char *s;
	GDateTime *t;
	int64_t when;

	if (!vouch__bh_find(p, hlen, "Date", &f) ||
	    (s = vouch__bounce_str(c, f.val, f.vlen)) == NULL)
		return 0;
	t = g_mime_utils_header_decode_date(s);
	if (t == NULL)
		return 0;
	when = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return when;
}
