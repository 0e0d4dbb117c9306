/*
 * store_raw.c - the raw inputs reports came from, and failure reports.
 *
 * A raw input is kept once, whatever the number of reports in it and the
 * number of times it is imported: its row is found by the SHA-256 of the
 * bytes as given, and inserted (ON CONFLICT DO NOTHING: another importer
 * may have just done it) only when absent.  The bytes are stored
 * gzip-compressed (RFC 1952), as they came when they already were gzip,
 * so a download is always a .gz whose content is the input.  Hashing and
 * compressing wait until a report of the input is actually stored: a
 * re-imported mailbox of duplicates costs neither.
 *
 * A failure report is unique by a SHA-256 over its parsed content (every
 * field, length-prefixed, NULL told from empty, and the returned
 * headers), so the same report received in two e-mails is stored once.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "crypto/crypto.h"
#include "store_int.h"

/* Speed first: level 1 keeps most of what XML gives away (about ten to
 * one), at several times level 6's speed; a zip is compressed already, so
 * it is only wrapped (stored blocks). */
#define GZ_LEVEL Z_BEST_SPEED
#define GZ_CHUNK (1u << 30)

void
vouch__raw_init(struct vouch__raw *r, const void *data, size_t len,
    int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	r->now = now;
	r->id = -1;
}

void
vouch__raw_free(struct vouch__raw *r)
{
	vouch__free(r->gz);
	r->gz = NULL;
}

static void
to_hex(const unsigned char *md, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

int
vouch__sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[VOUCH_HASH_MAX];
	int rc = vouch__hash(VOUCH_HASH_SHA256, p, n, md);

	if (rc < 0)
		return rc;
	to_hex(md, 32, hex);
	return 0;
}

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return vouch__malloc((size_t)items * size);
}

static void
z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	vouch__free(p);
}

/* The input is a gzip already (RFC 1952 2.3.1: ID1 ID2). */
static int
is_gzip(const struct vouch__raw *r)
{
	return r->len >= 2 && r->data[0] == 0x1f && r->data[1] == 0x8b;
}

/* gzip r's bytes into r->gz (zlib's deflateBound() sizes the output, so
 * one Z_FINISH pass completes). */
static int
compress_raw(struct vouch__raw *r, struct vouch_error *err)
{
	z_stream z;
	size_t cap, off = 0;
	int zip = r->len >= 2 && r->data[0] == 'P' && r->data[1] == 'K';
	int zr, rc = 0;

	memset(&z, 0, sizeof(z));
	z.zalloc = z_alloc;
	z.zfree = z_free;
	/* 15 + 16: the largest window, with a gzip header and trailer. */
	if (deflateInit2(&z, zip ? Z_NO_COMPRESSION : GZ_LEVEL, Z_DEFLATED,
	    15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return vouch__error(err, VOUCH_ENOMEM, 0, "gzip: out of "
		    "memory");
	cap = deflateBound(&z, (uLong)r->len);
	if ((r->gz = vouch__malloc(cap)) == NULL) {
		rc = vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
		goto out;
	}
	z.next_out = r->gz;
	z.avail_out = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
	do {
		size_t n = r->len - off > GZ_CHUNK ? GZ_CHUNK : r->len - off;

		z.next_in = (Bytef *)(uintptr_t)(r->data + off);
		z.avail_in = (uInt)n;
		off += n;
		zr = deflate(&z, off == r->len ? Z_FINISH : Z_NO_FLUSH);
	} while (zr == Z_OK && off < r->len);
	if (zr != Z_STREAM_END) {
		rc = vouch__error(err, zr == Z_MEM_ERROR ? VOUCH_ENOMEM :
		    VOUCH_EINTERNAL, 0, "gzip: compressing the raw input "
		    "failed (%d)", zr);
		goto out;
	}
	r->gzlen = (size_t)z.total_out;
out:
	deflateEnd(&z);
	if (rc != 0) {
		vouch__free(r->gz);
		r->gz = NULL;
	}
	return rc;
}

static int
raw_lookup(struct vouch_store *s, const struct vouch__raw *r, int64_t *id,
    struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc;

	rc = vouch__store_stmt(s, VOUCH__ST_RAW_ID,
	    "SELECT id FROM raw_inputs WHERE sha256 = ?", &st, err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_text(&b, r->sha256);
	if ((rc = vouch__bind_done(&b, err)) != 0)
		return rc;
	return vouch__store_id(s, st, id, err);
}

/* 1 with *id when inserted, 0 when the store has it already. */
static int
raw_insert(struct vouch_store *s, const struct vouch__raw *r, int64_t *id,
    struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc;

	rc = vouch__store_stmt(s, VOUCH__ST_RAW, "INSERT INTO raw_inputs "
	    "(sha256, size, gz, imported) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT (sha256) DO NOTHING RETURNING id", &st, err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_text(&b, r->sha256);
	vouch__bind_int(&b, (int64_t)r->len);
	if (is_gzip(r))
		vouch__bind_blob(&b, r->data, r->len);
	else
		vouch__bind_blob(&b, r->gz, r->gzlen);
	vouch__bind_int(&b, r->now);
	if ((rc = vouch__bind_done(&b, err)) != 0)
		return rc;
	return vouch__store_id(s, st, id, err);
}

int
vouch__raw_ready(struct vouch__raw *r, struct vouch_error *err)
{
	int rc;

	if (r->sha256[0] == '\0' &&
	    (rc = vouch__sha256_hex(r->data, r->len, r->sha256)) != 0)
		return vouch__error(err, rc, 0, "hashing the raw input failed");
	if (r->gz == NULL && !is_gzip(r) && (rc = compress_raw(r, err)) != 0)
		return rc;
	return 0;
}

int
vouch__raw_row(struct vouch_store *s, struct vouch__raw *r, int64_t *id,
    struct vouch_error *err)
{
	int rc;

	if (r->id >= 0) {
		*id = r->id;
		return 0;
	}
	if ((rc = vouch__raw_ready(r, err)) != 0)
		return rc;
	/* Inserted first, looked up only when it was there: an input is
	 * nearly always new when one of its reports is. */
	if ((rc = raw_insert(s, r, id, err)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = raw_lookup(s, r, id, err)) < 0)
		return rc;
	return rc == 1 ? 0 : vouch__error(err, VOUCH_EINTERNAL, 0, "the raw "
	    "input row vanished after its insert");
}

/* ---- failure reports ---------------------------------------------------- */

#define F(m) offsetof(struct vouch_report_failure, m)

const size_t vouch__failure_text[VOUCH__FAILURE_NTEXT] = {
	F(feedback_type), F(user_agent), F(version), F(auth_failure),
	F(original_envelope_id), F(original_mail_from), F(original_rcpt_to),
	F(reported_domain), F(identity_alignment), F(delivery_result),
	F(dkim_domain), F(dkim_identity), F(dkim_selector), F(spf_dns),
	F(authentication_results),
};

#define NTEXT VOUCH__FAILURE_NTEXT

static const char *
text_at(const struct vouch_report_failure *f, size_t i)
{
	return *(const char *const *)(const void *)((const char *)f +
	    vouch__failure_text[i]);
}

/* One value into the content hash: its length first, so that no two
 * different field lists hash alike; NULL has its own marker. */
static void
hash_value(struct vouch__hash_ctx *h, const void *p, size_t n, int null)
{
	unsigned char len[9];
	size_t i;

	len[0] = null ? 0 : 1;
	for (i = 0; i < 8; i++)
		len[1 + i] = (unsigned char)((uint64_t)n >> (8 * i));
	vouch__hash_update(h, len, sizeof(len));
	if (!null && n > 0)
		vouch__hash_update(h, p, n);
}

static int
failure_sha(const struct vouch_report_failure *f, char hex[65])
{
	struct vouch__hash_ctx *h;
	unsigned char md[VOUCH_HASH_MAX];
	unsigned char num[9];
	char buf[64];
	const char *ip = vouch__store_ip(&f->source_ip, buf, sizeof(buf));
	size_t i;
	int rc;

	if ((rc = vouch__hash_new(VOUCH_HASH_SHA256, &h)) != 0)
		return rc;
	for (i = 0; i < NTEXT; i++) {
		const char *v = text_at(f, i);

		hash_value(h, v, v != NULL ? strlen(v) : 0, v == NULL);
	}
	for (i = 0; i < 8; i++)
		num[i] = (unsigned char)((uint64_t)f->arrival_date >> (8 * i));
	num[8] = (unsigned char)f->headers_truncated;
	vouch__hash_update(h, num, sizeof(num));
	hash_value(h, ip, ip != NULL ? strlen(ip) : 0, ip == NULL);
	hash_value(h, f->headers, f->headers_len, f->headers == NULL);
	rc = vouch__hash_final(h, md);
	vouch__hash_free(h);
	if (rc < 0)
		return rc;
	to_hex(md, 32, hex);
	return 0;
}

static int
failure_insert(struct vouch_store *s, const char *sha, const char *source,
    int64_t now, const struct vouch_report_failure *f, int64_t *id,
    struct vouch_error *err)
{
	struct vouch__arena tmp;
	struct vouch__stmt *st;
	struct vouch__bind b;
	const char *v;
	char ip[64];
	size_t i;
	int rc;

	rc = vouch__store_stmt(s, VOUCH__ST_FAILURE, "INSERT INTO failures "
	    "(sha256, event_time, imported, source, feedback_type, "
	    "user_agent, version, auth_failure, original_envelope_id, "
	    "original_mail_from, original_rcpt_to, reported_domain, "
	    "identity_alignment, delivery_result, dkim_domain, dkim_identity, "
	    "dkim_selector, spf_dns, authentication_results, arrival_date, "
	    "source_ip, headers, headers_truncated) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (sha256) DO NOTHING RETURNING id", &st, err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_text(&b, sha);
	vouch__bind_int(&b, f->arrival_date >= 0 ? f->arrival_date : now);
	vouch__bind_int(&b, now);
	vouch__bind_text(&b, source);
	/* Fields from mail may be in any charset: bound as UTF-8. */
	vouch__arena_init(&tmp, 0);
	for (i = 0; i < NTEXT; i++) {
		v = vouch__store_utf8(&tmp, text_at(f, i));
		if (v == NULL && text_at(f, i) != NULL && b.rc == 0)
			b.rc = VOUCH_ENOMEM;
		vouch__bind_text(&b, v);
	}
	if (f->arrival_date >= 0)
		vouch__bind_int(&b, f->arrival_date);
	else
		vouch__bind_text(&b, NULL);
	vouch__bind_text(&b, vouch__store_ip(&f->source_ip, ip, sizeof(ip)));
	if (f->headers != NULL)
		vouch__bind_blob(&b, f->headers, f->headers_len);
	else
		vouch__bind_text(&b, NULL);
	vouch__bind_int(&b, f->headers_truncated != 0);
	if ((rc = vouch__bind_done(&b, err)) == 0)
		rc = vouch__store_id(s, st, id, err);
	vouch__arena_free(&tmp);
	return rc;
}

static int
failure_link(struct vouch_store *s, int64_t id, int64_t raw,
    struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc;

	rc = vouch__store_stmt(s, VOUCH__ST_FAILURE_RAW, "UPDATE failures "
	    "SET raw_id = ? WHERE id = ?", &st, err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_int(&b, raw);
	vouch__bind_int(&b, id);
	if ((rc = vouch__bind_done(&b, err)) != 0)
		return rc;
	return vouch__store_run(s, st, err);
}

int
vouch__failure_store(struct vouch_store *s, struct vouch__raw *raw,
    const char *source, const struct vouch_report_failure *f,
    struct vouch_error *err)
{
	char sha[65];
	int64_t id, raw_id = -1;
	int rc;

	if ((rc = failure_sha(f, sha)) != 0)
		return vouch__error(err, rc, 0, "hashing a failure report "
		    "failed");
	if ((rc = s->ops->begin(s->db, err)) != 0)
		return rc;
	if ((rc = failure_insert(s, sha, source, raw->now, f, &id, err)) <= 0)
		goto out;
	if ((rc = vouch__raw_row(s, raw, &raw_id, err)) != 0 ||
	    (rc = failure_link(s, id, raw_id, err)) != 0 ||
	    (rc = s->ops->commit(s->db, err)) != 0)
		goto out;
	raw->id = raw_id;
	return 1;
out:
	s->ops->rollback(s->db);
	return rc;
}
