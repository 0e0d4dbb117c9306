/*
 * dkim_sign.c - the streaming signer (RFC 6376 5, RFC 8463).  The header
 * stage picks h= (every present instance of each name, plus one more to
 * over-sign, 5.4.2 and 8.15) and keeps the canonical header bytes; the
 * body feeds the body hashes (shared between signers with the same
 * canonicalization); finish writes each DKIM-Signature field, hashes it
 * with b= empty and signs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vouch/dkim.h>

#include "dkim/dkim_hash.h"
#include "dkim/dkim_keys.h"
#include "dkim/dkim_tags.h"
#include "util/util.h"

#define SIGNERS_MAX 8
#define FOLD_COL 78
#define FIELD_MAX (64u * 1024u)

struct ssig {
	const struct vouch_dkim_key *key;
	const char *domain, *selector, *auid;	/* in the arena */
	enum dkim_canon hc, bc;
	const char *hspec;	/* the names asked for, colon-separated */
	int oversign;
	int64_t expire_after;
	int body_length;
	size_t bh;		/* index into s->bh */
	const char **names;	/* h= chosen at the header stage */
	size_t nnames;
	struct vouch__buf hcanon;	/* canonical selected fields */
	char *field;		/* the DKIM-Signature made */
};

struct vouch_dkim_sign {
	int64_t now;
	int stage;		/* 0 new, 1 header seen, 2 finished */
	size_t n;
	struct ssig sig[SIGNERS_MAX];
	size_t nbh;
	struct dkim_bodyhash bh[SIGNERS_MAX];
	struct vouch__arena arena;
};

/* ---- specs -------------------------------------------------------------- */

static enum dkim_canon
canon_of(enum vouch_dkim_canon c)
{
	return c == VOUCH_DKIM_SIMPLE ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;
}

/* i= must be [local-part] "@" d= or a subdomain of it (3.5); the local
 * part at most 64 octets (RFC 5321 4.5.3.1.1). */
static int
auid_ok(const char *auid, const char *domain)
{
	const char *at = auid != NULL ? strrchr(auid, '@') : NULL;
	size_t dl = strlen(domain), al;

	if (at == NULL || at - auid > 64 ||
	    !vouch__dkim_valid_name(at + 1, strlen(at + 1)))
		return 0;
	al = strlen(at + 1);
	if (al == dl)
		return vouch__strcaseeq(at + 1, domain);
	return al > dl && at[1 + al - dl - 1] == '.' &&
	    vouch__strcaseeq(at + 1 + al - dl, domain);
}

/* dkim-quoted-printable (2.11): octets other than dkim-safe-char, that
 * is controls, SP, ";", "=" and non-ASCII, are written "=XX". */
static char *
qp_encode(struct vouch__arena *a, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0, len = strlen(v);
	char *o;

	if ((o = vouch__arena_alloc(a, 3 * len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c > 0x20 && c < 0x7f && c != ';' && c != '=') {
			o[n++] = (char)c;
			continue;
		}
		o[n++] = '=';
		o[n++] = hex[c >> 4];
		o[n++] = hex[c & 15];
	}
	o[n] = '\0';
	return o;
}

static int
check_spec(const struct vouch_dkim_signer *sp, size_t i,
    struct vouch_error *err)
{
	if (sp->key == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "signer %zu has no "
		    "key", i + 1);
	if (sp->domain == NULL ||
	    !vouch__dkim_valid_name(sp->domain, strlen(sp->domain)))
		return vouch__error(err, VOUCH_EINVAL, 0, "signer %zu: "
		    "domain \"%.64s\" is not a valid domain name", i + 1,
		    sp->domain ? sp->domain : "");
	if (sp->selector == NULL ||
	    !vouch__dkim_valid_name(sp->selector, strlen(sp->selector)))
		return vouch__error(err, VOUCH_EINVAL, 0, "signer %zu: "
		    "selector \"%.64s\" is not valid", i + 1,
		    sp->selector ? sp->selector : "");
	if (sp->auid != NULL && !auid_ok(sp->auid, sp->domain))
		return vouch__error(err, VOUCH_EINVAL, 0, "signer %zu: i=%.64s "
		    "is not an address in %s or a subdomain (RFC 6376 3.5)",
		    i + 1, sp->auid, sp->domain);
	if (vouch__pkey_type(sp->key->pk) == VOUCH_PK_RSA &&
	    vouch__pkey_bits(sp->key->pk) < VOUCH_DKIM_RSA_MIN_BITS)
		return vouch__error(err, VOUCH_EINVAL, 0, "signer %zu: RSA key "
		    "under %u bits (RFC 8301 3.2)", i + 1,
		    VOUCH_DKIM_RSA_MIN_BITS);
	if (sp->expire_after < 0)
		return vouch__error(err, VOUCH_EINVAL, 0, "signer %zu: "
		    "negative expiry", i + 1);
	return 0;
}

static int
copy_spec(struct vouch_dkim_sign *s, const struct vouch_dkim_signer *sp,
    struct ssig *g)
{
	char *d;

	g->key = sp->key;
	g->hc = canon_of(sp->header_canon);
	g->bc = canon_of(sp->body_canon);
	g->oversign = sp->headers == NULL || sp->oversign;
	g->expire_after = sp->expire_after;
	g->body_length = sp->body_length;
	vouch__buf_init(&g->hcanon, 2u * 1024u * 1024u);
	if ((d = vouch__arena_strdup(&s->arena, sp->domain)) == NULL)
		return VOUCH_ENOMEM;
	vouch__lower(d);
	g->domain = d;
	g->selector = vouch__arena_strdup(&s->arena, sp->selector);
	g->auid = sp->auid ? qp_encode(&s->arena, sp->auid) : NULL;
	g->hspec = vouch__arena_strdup(&s->arena, sp->headers ? sp->headers :
	    VOUCH_DKIM_DEFAULT_HEADERS);
	if (g->selector == NULL || (sp->auid && g->auid == NULL) ||
	    g->hspec == NULL)
		return VOUCH_ENOMEM;
	return 0;
}

static int
attach_bodyhash(struct vouch_dkim_sign *s, struct ssig *g)
{
	size_t i;
	int rc;

	for (i = 0; i < s->nbh; i++) {
		if (s->bh[i].canon == g->bc) {
			g->bh = i;
			return 0;
		}
	}
	if ((rc = vouch__dkim_bh_init(&s->bh[s->nbh], g->bc,
	    VOUCH_HASH_SHA256, -1)) != 0)
		return rc;
	g->bh = s->nbh++;
	return 0;
}

int
vouch_dkim_sign_new(const struct vouch_dkim_signer *specs, size_t n,
    int64_t now, struct vouch_dkim_sign **out, struct vouch_error *err)
{
	struct vouch_dkim_sign *s;
	size_t i;
	int rc = 0;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (specs == NULL || n == 0 || n > SIGNERS_MAX)
		return vouch__error(err, VOUCH_EINVAL, 0, "give 1 to %d "
		    "signers", SIGNERS_MAX);
	for (i = 0; i < n; i++)
		if ((rc = check_spec(&specs[i], i, err)) != 0)
			return rc;
	if ((s = vouch__calloc(1, sizeof(*s))) == NULL)
		return VOUCH_ENOMEM;
	vouch__arena_init(&s->arena, 0);
	s->now = now != 0 ? now : (int64_t)time(NULL);
	for (i = 0; i < n && rc == 0; i++) {
		s->n = i + 1;
		if ((rc = copy_spec(s, &specs[i], &s->sig[i])) == 0)
			rc = attach_bodyhash(s, &s->sig[i]);
	}
	if (rc != 0) {
		vouch_dkim_sign_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
vouch_dkim_sign_free(struct vouch_dkim_sign *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		vouch__buf_free(&s->sig[i].hcanon);
		vouch__free(s->sig[i].field);
	}
	for (i = 0; i < s->nbh; i++)
		vouch__dkim_bh_free(&s->bh[i]);
	vouch__arena_free(&s->arena);
	vouch__free(s);
}

/* ---- header stage ------------------------------------------------------- */

static int
seen_before(const char *spec, size_t upto, const char *name, size_t nl)
{
	size_t pos = 0, il;
	const char *it;

	while (pos < upto && vouch__dkim_list_next(spec, upto, &pos, &it,
	    &il))
		if (il == nl && vouch__strncaseeq(it, name, nl))
			return 1;
	return 0;
}

/* Add name times times to g->names. */
static int
add_name(struct vouch_dkim_sign *s, struct ssig *g, const char *name,
    size_t nl, size_t times, size_t cap)
{
	char *copy;

	if (times == 0)
		return 0;
	if ((copy = vouch__arena_strndup(&s->arena, name, nl)) == NULL)
		return VOUCH_ENOMEM;
	while (times-- > 0 && g->nnames < cap)
		g->names[g->nnames++] = copy;
	return 0;
}

static int
choose_headers(struct vouch_dkim_sign *s, struct ssig *g,
    const struct vouch_msg *msg)
{
	size_t len = strlen(g->hspec), pos = 0, il, c, cap;
	const char *it;
	char name[256];
	int rc = 0;

	cap = vouch_msg_count(msg) + len + 2;
	if ((g->names = vouch__arena_alloc(&s->arena,
	    cap * sizeof(*g->names))) == NULL)
		return VOUCH_ENOMEM;
	g->nnames = 0;
	/* From is always signed (RFC 6376 5.4), first. */
	if (!seen_before(g->hspec, len, "From", 4))
		rc = add_name(s, g, "From", 4, 1 + (size_t)g->oversign, cap);
	while (rc == 0 && vouch__dkim_list_next(g->hspec, len, &pos, &it,
	    &il)) {
		if (il == 0 || il >= sizeof(name) || memchr(it, ' ', il) ||
		    seen_before(g->hspec, (size_t)(it - g->hspec), it, il))
			continue;
		memcpy(name, it, il);
		name[il] = '\0';
		c = vouch_msg_count_named(msg, name);
		if (vouch__strcaseeq(name, "From"))
			c = 1;
		rc = add_name(s, g, it, il, c + (size_t)g->oversign, cap);
	}
	if (rc != 0)
		return rc;
	return vouch__dkim_headers_canon(msg, g->names, g->nnames, g->hc,
	    &g->hcanon);
}

int
vouch_dkim_sign_header(struct vouch_dkim_sign *s,
    const struct vouch_msg *msg, struct vouch_error *err)
{
	size_t i, from;
	int rc;

	if (s == NULL || msg == NULL || s->stage != 0)
		return VOUCH_EINVAL;
	from = vouch_msg_count_named(msg, "From");
	if (from != 1)
		return vouch__error(err, VOUCH_EINVAL, 0, "the message has %zu "
		    "From fields; DKIM signs a message with exactly one "
		    "(RFC 5322 3.6, RFC 6376 5.4)", from);
	s->stage = 1;
	for (i = 0; i < s->n; i++)
		if ((rc = choose_headers(s, &s->sig[i], msg)) != 0)
			return vouch__error(err, rc, 0, "the header section "
			    "is too large to sign");
	return 0;
}

int
vouch_dkim_sign_body(struct vouch_dkim_sign *s, const void *data,
    size_t len)
{
	size_t i;

	if (s == NULL || s->stage != 1 || (data == NULL && len > 0))
		return VOUCH_EINVAL;
	for (i = 0; i < s->nbh; i++)
		vouch__dkim_bh_update(&s->bh[i], data, len);
	return 0;
}

/* ---- the field ---------------------------------------------------------- */

struct fold {
	struct vouch__buf *b;
	size_t col;
};

/* Append tok: after a space on the current line when it fits, else on a
 * new folded line; glued tokens continue a value (no space). */
static int
fold_put(struct fold *f, const char *tok, size_t n, int glue)
{
	int rc = 0;

	if (f->col + (glue ? 0 : 1) + n > FOLD_COL && f->col > 1) {
		rc = vouch__buf_puts(f->b, "\r\n\t");
		f->col = 8;
	} else if (!glue) {
		rc = vouch__buf_putc(f->b, ' ');
		f->col++;
	}
	if (rc == 0)
		rc = vouch__buf_append(f->b, tok, n);
	f->col += n;
	return rc;
}

static int
fold_tag(struct fold *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fold_tag(struct fold *f, const char *fmt, ...)
{
	char tok[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tok, sizeof(tok), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tok))
		return VOUCH_ELIMIT;
	return fold_put(f, tok, (size_t)n, 0);
}

/* h=: names glued with ":" so folds fall between names. */
static int
fold_h(struct fold *f, const struct ssig *g)
{
	char tok[300];
	size_t i;
	int rc = 0, n;

	for (i = 0; i < g->nnames && rc == 0; i++) {
		n = snprintf(tok, sizeof(tok), "%s%s%s", i == 0 ? "h=" : "",
		    g->names[i], i + 1 == g->nnames ? ";" : ":");
		if (n < 0 || (size_t)n >= sizeof(tok))
			return VOUCH_ELIMIT;
		rc = fold_put(f, tok, (size_t)n, i > 0);
	}
	return rc;
}

/* A base64 value in pieces that fill the lines. */
static int
fold_b64(struct fold *f, const char *v)
{
	size_t len = strlen(v), room, n;
	int rc = 0;

	while (len > 0 && rc == 0) {
		room = f->col < FOLD_COL ? FOLD_COL - f->col : 0;
		if (room < 8)
			room = FOLD_COL - 8;
		n = len < room ? len : room;
		rc = fold_put(f, v, n, 1);
		v += n;
		len -= n;
	}
	return rc;
}

static int
write_tags(struct vouch_dkim_sign *s, const struct ssig *g,
    const char *bh64, struct fold *f)
{
	int ed = vouch__pkey_type(g->key->pk) == VOUCH_PK_ED25519, rc;

	rc = fold_tag(f, "v=1;");
	if (rc == 0)
		rc = fold_tag(f, "a=%s;", ed ? "ed25519-sha256" : "rsa-sha256");
	if (rc == 0)
		rc = fold_tag(f, "c=%s/%s;", g->hc == DKIM_CANON_RELAXED ?
		    "relaxed" : "simple", g->bc == DKIM_CANON_RELAXED ?
		    "relaxed" : "simple");
	if (rc == 0)
		rc = fold_tag(f, "d=%s;", g->domain);
	if (rc == 0)
		rc = fold_tag(f, "s=%s;", g->selector);
	if (rc == 0 && g->auid != NULL)
		rc = fold_tag(f, "i=%s;", g->auid);
	if (rc == 0)
		rc = fold_tag(f, "t=%lld;", (long long)s->now);
	if (rc == 0 && g->expire_after > 0)
		rc = fold_tag(f, "x=%lld;",
		    (long long)(s->now + g->expire_after));
	if (rc == 0 && g->body_length)
		rc = fold_tag(f, "l=%llu;",
		    (unsigned long long)s->bh[g->bh].body.total);
	if (rc == 0)
		rc = fold_h(f, g);
	if (rc == 0)
		rc = fold_tag(f, "bh=%s;", bh64);
	if (rc == 0)
		rc = fold_tag(f, "b=");
	return rc;
}

static int
sign_one(struct vouch_dkim_sign *s, struct ssig *g)
{
	const struct dkim_bodyhash *bh = &s->bh[g->bh];
	struct vouch__buf field, data;
	struct fold f;
	unsigned char md[VOUCH_HASH_MAX], *sig = NULL;
	size_t siglen;
	char *bh64, *b64 = NULL;
	int rc;

	if ((bh64 = vouch__b64_encode(bh->md, bh->mdlen)) == NULL)
		return VOUCH_ENOMEM;
	vouch__buf_init(&field, FIELD_MAX);
	vouch__buf_init(&data, 4u * 1024u * 1024u);
	f.b = &field;
	f.col = 15;
	rc = vouch__buf_puts(&field, "DKIM-Signature:");
	if (rc == 0)
		rc = write_tags(s, g, bh64, &f);
	if (rc == 0)
		rc = vouch__buf_append(&data, g->hcanon.data, g->hcanon.len);
	if (rc == 0)
		rc = vouch__dkim_sigfield_canon(g->hc, field.data, field.len,
		    &data);
	if (rc == 0 && (rc = vouch__hash(VOUCH_HASH_SHA256, data.data,
	    data.len, md)) > 0)
		rc = vouch__pkey_sign(g->key->pk, VOUCH_HASH_SHA256, md,
		    (size_t)rc, &sig, &siglen);
	if (rc == 0 && (b64 = vouch__b64_encode(sig, siglen)) == NULL)
		rc = VOUCH_ENOMEM;
	if (rc == 0 && (rc = fold_b64(&f, b64)) == 0 &&
	    (rc = vouch__buf_puts(&field, "\r\n")) == 0)
		g->field = vouch__buf_take(&field);
	vouch__free(b64);
	vouch__free(sig);
	vouch__free(bh64);
	vouch__buf_free(&data);
	vouch__buf_free(&field);
	return rc;
}

int
vouch_dkim_sign_finish(struct vouch_dkim_sign *s, struct vouch_error *err)
{
	size_t i;
	int rc;

	if (s == NULL || s->stage != 1)
		return VOUCH_EINVAL;
	s->stage = 2;
	for (i = 0; i < s->nbh; i++)
		if ((rc = vouch__dkim_bh_final(&s->bh[i])) != 0)
			return vouch__error(err, rc, 0, "hashing failed");
	for (i = 0; i < s->n; i++)
		if ((rc = sign_one(s, &s->sig[i])) != 0)
			return vouch__error(err, rc, 0, "signing for d=%s s=%s "
			    "failed", s->sig[i].domain, s->sig[i].selector);
	return 0;
}

size_t
vouch_dkim_sign_count(const struct vouch_dkim_sign *s)
{
	return s != NULL && s->stage == 2 ? s->n : 0;
}

const char *
vouch_dkim_sign_field(const struct vouch_dkim_sign *s, size_t i)
{
	if (s == NULL || s->stage != 2 || i >= s->n)
		return NULL;
	return s->sig[i].field;
}
