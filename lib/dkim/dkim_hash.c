/*
 * dkim_hash.c - body hash and header hash (RFC 6376 3.7, 5.4.2).
 */
#include <string.h>

#include "dkim/dkim_hash.h"
#include "util/util.h"

/* One canonical field: a field is at most 32 KiB (SECURITY.md), and
 * simple canonicalization at most doubles it. */
#define DKIM_FIELD_BUF (256u * 1024u)
/* The header section is at most 64 KiB, but h= may name a field many
 * times; each selection takes a distinct field, so twice the section
 * (simple canonicalization) bounds it. */
#define DKIM_HEADERS_BUF (2u * 1024u * 1024u)

/* ---- body hash ---------------------------------------------------------- */

static void
bh_sink(void *arg, const void *data, size_t len)
{
	vouch__hash_update(arg, data, len);
}

int
vouch__dkim_bh_init(struct dkim_bodyhash *bh, enum dkim_canon c,
    enum vouch__hash h, int64_t limit)
{
	int rc;

	/* Not a memset: the body state's stage need not be zeroed. */
	bh->canon = c;
	bh->hash = h;
	bh->limit = limit;
	bh->ctx = NULL;
	bh->mdlen = 0;
	if ((rc = vouch__hash_new(h, &bh->ctx)) != 0)
		return rc;
	vouch__dkim_body_init(&bh->body, c, limit, bh_sink, bh->ctx);
	return 0;
}

void
vouch__dkim_bh_update(struct dkim_bodyhash *bh, const void *p, size_t n)
{
	vouch__dkim_body_update(&bh->body, p, n);
}

int
vouch__dkim_bh_final(struct dkim_bodyhash *bh)
{
	int n;

	vouch__dkim_body_final(&bh->body);
	if ((n = vouch__hash_final(bh->ctx, bh->md)) < 0)
		return n;
	bh->mdlen = (size_t)n;
	return 0;
}

void
vouch__dkim_bh_free(struct dkim_bodyhash *bh)
{
	vouch__hash_free(bh->ctx);
	bh->ctx = NULL;
}

/* ---- header hash -------------------------------------------------------- */

static int
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The length of the final line end of a raw field (0, 1 or 2). */
static size_t
eol_len(const char *raw, size_t len)
{
	if (len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n')
		return 2;
	return len >= 1 && raw[len - 1] == '\n' ? 1 : 0;
}

int
vouch__dkim_strip_b(const char *raw, size_t len, struct vouch__buf *out)
{
	const char *colon = memchr(raw, ':', len);
	size_t end = len - eol_len(raw, len), i, seg, eq, n0, n1;
	int rc;

	if (colon == NULL)
		return VOUCH_ESYNTAX;
	i = (size_t)(colon - raw) + 1;
	if ((rc = vouch__buf_append(out, raw, i)) != 0)
		return rc;
	while (i < end) {
		seg = i;
		while (i < end && raw[i] != ';')
			i++;
		/* raw[seg..i) is one tag-spec: is its name "b"? */
		for (eq = seg; eq < i && raw[eq] != '='; eq++)
			;
		for (n0 = seg; n0 < eq && is_fws(raw[n0]); n0++)
			;
		for (n1 = eq; n1 > n0 && is_fws(raw[n1 - 1]); n1--)
			;
		if (eq < i && n1 - n0 == 1 && raw[n0] == 'b')
			rc = vouch__buf_append(out, raw + seg, eq + 1 - seg);
		else
			rc = vouch__buf_append(out, raw + seg, i - seg);
		if (rc == 0 && i < end)
			rc = vouch__buf_putc(out, ';');
		if (rc != 0)
			return rc;
		if (i < end)
			i++;
	}
	return vouch__buf_append(out, raw + end, len - end);
}

/*
 * Selection state per distinct h= name: where the bottom-up search for
 * that name goes on.  An open-addressing table keyed by the lower-cased
 * name keeps the whole selection linear in the number of names plus
 * fields, whatever a hostile h= repeats.
 */
struct pick {
	const char *name;	/* NULL: free slot */
	size_t len;		/* strlen(name) */
	size_t next;		/* search below this field index */
};

static size_t
name_hash(const char *s)
{
	size_t h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 + (size_t)vouch__tolower((unsigned char)*s);
	return h;
}

static struct pick *
pick_slot(struct pick *tab, size_t mask, const char *name, size_t nfields)
{
	size_t i = name_hash(name) & mask;

	while (tab[i].name != NULL && !vouch__strcaseeq(tab[i].name, name))
		i = (i + 1) & mask;
	if (tab[i].name == NULL) {
		tab[i].name = name;
		tab[i].len = strlen(name);
		tab[i].next = nfields;
	}
	return &tab[i];
}

/* The next field named p->name going up from p->next, or (size_t)-1. */
static size_t
pick_next(const struct vouch_msg *msg, struct pick *p)
{
	const struct vouch_msg_field *f;

	while (p->next > 0) {
		f = vouch_msg_field(msg, --p->next);
		if (f->name_len == p->len &&
		    vouch__strncaseeq(f->name, p->name, p->len))
			return p->next;
	}
	return (size_t)-1;
}

static int
canon_field(struct vouch__buf *out, enum dkim_canon c, const char *raw,
    size_t len)
{
	return vouch__dkim_canon_header(c, raw, len, out);
}

int
vouch__dkim_headers_canon(const struct vouch_msg *msg,
    const char *const *names, size_t nnames, enum dkim_canon c,
    struct vouch__buf *out)
{
	const struct vouch_msg_field *f;
	struct pick *tab;
	size_t i, size = 16, idx, nf = vouch_msg_count(msg);
	int rc = 0;

	while (size < 2 * nnames)
		size *= 2;
	if ((tab = vouch__calloc(size, sizeof(*tab))) == NULL)
		return VOUCH_ENOMEM;
	/* The n-th time a name appears in h= takes the n-th field of that
	 * name from the bottom; once they run out, nothing (5.4.2). */
	for (i = 0; i < nnames && rc == 0; i++) {
		idx = pick_next(msg, pick_slot(tab, size - 1, names[i], nf));
		if (idx == (size_t)-1)
			continue;
		f = vouch_msg_field(msg, idx);
		rc = canon_field(out, c, f->raw, f->raw_len);
	}
	vouch__free(tab);
	return rc;
}

int
vouch__dkim_sigfield_canon(enum dkim_canon c, const char *raw, size_t len,
    struct vouch__buf *out)
{
	struct vouch__buf sig;
	int rc;

	vouch__buf_init(&sig, DKIM_FIELD_BUF);
	rc = vouch__dkim_strip_b(raw, len, &sig);
	if (rc == 0)
		rc = canon_field(out, c, sig.data, sig.len);
	/* The signature field itself goes in without its CRLF (3.7). */
	if (rc == 0 && out->len >= 2)
		out->len -= 2;
	vouch__buf_free(&sig);
	return rc;
}

int
vouch__dkim_header_hash(const struct vouch_msg *msg,
    const char *const *names, size_t nnames, enum dkim_canon c,
    const char *sigraw, size_t sigrawlen, enum vouch__hash h,
    unsigned char *md)
{
	struct vouch__buf buf;
	int rc;

	vouch__buf_init(&buf, DKIM_HEADERS_BUF);
	rc = vouch__dkim_headers_canon(msg, names, nnames, c, &buf);
	if (rc == 0)
		rc = vouch__dkim_sigfield_canon(c, sigraw, sigrawlen, &buf);
	if (rc == 0)
		rc = vouch__hash(h, buf.data, buf.len, md);
	vouch__buf_free(&buf);
	return rc;
}
