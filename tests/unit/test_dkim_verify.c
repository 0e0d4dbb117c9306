/*
 * test_dkim_verify.c - the verifier's API edge cases (include/vouch/dkim.h).
 *
 * Ground truth: the RFC 8463 Appendix A.3 message as mailauth ships it
 * (shared/corpora/mailauth/rfc8463-example: both signatures pass at
 * t=1528637909 with the A.2 records), Stalwart's dkim/005.txt (x= one
 * day after t=, passes at t=) and Mail::DKIM's badkey_10.txt (a t=s key
 * with i= in a subdomain).  Each case changes only the DNS record, the
 * clock or the message, and expects the word RFC 6376 / RFC 8301 /
 * SECURITY.md give for that change.  l= and a public-suffix d= need a
 * signature of our own: it is made with the library's signer from the
 * corpus's RSA key, and a separate assertion first demands that it
 * passes against the RFC's published public key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

#include "failalloc.h"
#include "testutil.h"

#define T_EXAMPLE 1528637909	/* the A.3 signatures' t= */
#define KEY_RSA "test._domainkey.football.example.com."
#define KEY_ED "brisbane._domainkey.football.example.com."

/* RFC 8463 A.2 (mailauth dns.json, strings joined). */
#define P_RSA "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" \
	"iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC" \
	"DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3" \
	"Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
#define P_ED "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define REC_RSA "v=DKIM1; k=rsa; p=" P_RSA
#define REC_ED "v=DKIM1; k=ed25519; p=" P_ED

struct buf {
	char *p;
	size_t len;
};

struct vrun {
	struct vouch_dns *dns;
	struct vouch_dkim_verify *v;
};

/* ---- building messages and zones ----------------------------------------- */

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A corpus file with every bare LF made CRLF (the corpora's LF copies). */
static struct buf
corpus_crlf(const char *rel, size_t skip)
{
	struct buf b = { NULL, 0 };
	size_t len, i;
	char *raw = tu_read_file(tu_corpus_path(rel), &len);

	assert_non_null(raw);
	assert_true(skip <= len);
	buf_add(&b, "", 0);
	for (i = skip; i < len; i++) {
		if (raw[i] == '\n' && (i == skip || raw[i - 1] != '\r'))
			buf_add(&b, "\r", 1);
		buf_add(&b, raw + i, 1);
	}
	free(raw);
	return b;
}

static struct buf
example_msg(void)
{
	return corpus_crlf("mailauth/rfc8463-example/signed.eml", 0);
}

/* Where the n-th field starting with prefix begins ((size_t)-1: none). */
static size_t
field_at(const struct buf *m, const char *prefix, unsigned n)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i + pl <= m->len; i++) {
		if ((i == 0 || m->p[i - 1] == '\n') &&
		    strncmp(m->p + i, prefix, pl) == 0 && n-- == 0)
			return i;
	}
	return (size_t)-1;
}

/* One TXT RR, the value cut into 200-octet character-strings. */
static void
zone_txt(struct buf *z, const char *owner, const char *value)
{
	size_t len = strlen(value), off = 0, n;

	buf_adds(z, owner);
	buf_adds(z, " 300 IN TXT");
	do {
		n = len - off > 200 ? 200 : len - off;
		buf_adds(z, " \"");
		buf_add(z, value + off, n);
		buf_adds(z, "\"");
		off += n;
	} while (off < len);
	buf_adds(z, "\n");
}

/* The A.2 zone with the RSA record replaced (NULL: absent; a string
 * starting with '$': that directive line instead). */
static struct buf
example_zone(const char *rsa)
{
	struct buf z = { NULL, 0 };

	buf_add(&z, "", 0);
	zone_txt(&z, KEY_ED, REC_ED);
	if (rsa != NULL && rsa[0] == '$') {
		buf_adds(&z, rsa);
		buf_adds(&z, "\n");
	} else if (rsa != NULL) {
		zone_txt(&z, KEY_RSA, rsa);
	}
	return z;
}

/* ---- running the verifier ---------------------------------------------------- */

/* Every step; the first failing call's code.  r->v is NULL on error. */
static int
run(struct vouch_dns *dns, const struct buf *m,
    const struct vouch_dkim_verify_options *opts, struct vrun *r)
{
	struct vouch_msg *msg = NULL;
	size_t off;
	int rc;

	r->dns = dns;
	r->v = NULL;
	if ((rc = vouch_msg_new(NULL, &msg)) != 0)
		return rc;
	if ((rc = vouch_msg_parse_header(msg, m->p, m->len, &off,
	    NULL)) != 0)
		goto out;
	if ((rc = vouch_dkim_verify_new(dns, opts, &r->v)) != 0)
		goto out;
	if ((rc = vouch_dkim_verify_header(r->v, msg)) != 0 ||
	    (rc = vouch_dkim_verify_body(r->v, m->p + off, m->len - off)) != 0 ||
	    (rc = vouch_dkim_verify_finish(r->v)) != 0) {
		vouch_dkim_verify_free(r->v);
		r->v = NULL;
	}
out:
	vouch_msg_free(msg);
	return rc;
}

static struct vouch_dns *
zone_dns(const struct buf *z)
{
	struct vouch_dns *dns = NULL;
	struct vouch_error err;

	assert_int_equal(vouch_dns_zone_new_text(z->p, z->len, NULL, &dns,
	    &err), 0);
	return dns;
}

/* Verify m against zone text z at now; asserts every call succeeds. */
static struct vrun
verify_at(const struct buf *z, const struct buf *m, int64_t now,
    const struct vouch_dkim_verify_options *base)
{
	struct vouch_dkim_verify_options o;
	struct vrun r;

	memset(&o, 0, sizeof(o));
	if (base != NULL)
		o = *base;
	o.now = now;
	assert_int_equal(run(zone_dns(z), m, &o, &r), 0);
	return r;
}

static void
vrun_free(struct vrun *r)
{
	vouch_dkim_verify_free(r->v);
	vouch_dns_free(r->dns);
}

static const struct vouch_dkim_sig *
sig(const struct vrun *r, size_t i)
{
	const struct vouch_dkim_sig *s = vouch_dkim_verify_get(r->v, i);

	assert_non_null(s);
	assert_non_null(s->reason);
	assert_true(s->reason[0] != '\0');
	return s;
}

static void
expect(const struct vrun *r, size_t i, enum vouch_dkim_result want)
{
	const struct vouch_dkim_sig *s = sig(r, i);

	if (s->result != want)
		fail_msg("sig%zu: expected %s, got %s (%s)", i,
		    vouch_dkim_result_name(want),
		    vouch_dkim_result_name(s->result), s->reason);
}

/* The A.3 message against the A.2 zone with the RSA record rsa. */
static void
example_rsa_is(const char *rsa, enum vouch_dkim_result want,
    const char *reason_part)
{
	struct buf m = example_msg(), z = example_zone(rsa);
	struct vrun r = verify_at(&z, &m, T_EXAMPLE, NULL);

	assert_int_equal(vouch_dkim_verify_count(r.v), 2);
	expect(&r, 0, VOUCH_DKIM_PASS);	/* the ed25519 one is untouched */
	expect(&r, 1, want);
	if (reason_part != NULL && strstr(sig(&r, 1)->reason,
	    reason_part) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", sig(&r, 1)->reason,
		    reason_part);
	vrun_free(&r);
	free(m.p);
	free(z.p);
}

/* ---- the cases ------------------------------------------------------------------ */

/* mailauth index.tsv: both A.3 signatures pass. */
static void
test_example_passes(void **state)
{
	(void)state;
	example_rsa_is(REC_RSA, VOUCH_DKIM_PASS, NULL);
}

/* No DKIM-Signature: nothing to report (the message result is none). */
static void
test_no_signature(void **state)
{
	struct buf m = example_msg(), z = example_zone(REC_RSA), bare = { 0 };
	size_t from = field_at(&m, "From:", 0);
	struct vrun r;

	(void)state;
	buf_add(&bare, m.p + from, m.len - from);
	r = verify_at(&z, &bare, T_EXAMPLE, NULL);
	assert_int_equal(vouch_dkim_verify_count(r.v), 0);
	assert_null(vouch_dkim_verify_get(r.v, 0));
	assert_string_equal(vouch_dkim_result_name(VOUCH_DKIM_NONE), "none");
	vrun_free(&r);
	free(bare.p);
	free(m.p);
	free(z.p);
}

/* RFC 6376 6.1.1: an unusable DKIM-Signature is PERMFAIL (signature
 * syntax), neutral in RFC 8601 terms; the others are still verified. */
static void
test_broken_signature(void **state)
{
	static const char *const broken[] = {
		/* bh= empty, no b= */
		"DKIM-Signature: v=1; a=rsa-sha256; d=football.example.com;"
		" s=test; h=from; bh=\r\n",
		/* a tag twice (RFC 6376 3.2) */
		"DKIM-Signature: v=1; v=1; a=rsa-sha256; "
		"d=football.example.com; s=test; h=from; bh=AAAA; b=AAAA\r\n",
		/* not a tag-list at all */
		"DKIM-Signature: this is not a tag list\r\n",
		/* h= without From (RFC 6376 5.4) */
		"DKIM-Signature: v=1; a=rsa-sha256; d=football.example.com; "
		"s=test; h=to:subject; bh=AAAA; b=AAAA\r\n",
	};
	struct buf m = example_msg(), z = example_zone(REC_RSA);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		struct buf bad = { NULL, 0 };
		struct vrun r;

		buf_adds(&bad, broken[i]);
		buf_add(&bad, m.p, m.len);
		r = verify_at(&z, &bad, T_EXAMPLE, NULL);
		assert_int_equal(vouch_dkim_verify_count(r.v), 3);
		expect(&r, 0, VOUCH_DKIM_NEUTRAL);
		expect(&r, 1, VOUCH_DKIM_PASS);
		expect(&r, 2, VOUCH_DKIM_PASS);
		assert_int_equal(sig(&r, 0)->field_index, 0);
		vrun_free(&r);
		free(bad.p);
	}
	free(m.p);
	free(z.p);
}

/* RFC 6376 6.1.2: no key record -> PERMFAIL (no key for signature). */
static void
test_key_nxdomain(void **state)
{
	(void)state;
	example_rsa_is(NULL, VOUCH_DKIM_PERMERROR, NULL);
}

/* RFC 6376 6.1.2: the query fails to respond -> TEMPFAIL. */
static void
test_key_timeout(void **state)
{
	(void)state;
	example_rsa_is("$TIMEOUT " KEY_RSA, VOUCH_DKIM_TEMPERROR, NULL);
	example_rsa_is("$SERVFAIL " KEY_RSA, VOUCH_DKIM_TEMPERROR, NULL);
}

/* RFC 6376 3.6.1 p=: an empty value means the key has been revoked;
 * SECURITY.md: fail. */
static void
test_key_revoked(void **state)
{
	(void)state;
	example_rsa_is("v=DKIM1; k=rsa; p=", VOUCH_DKIM_FAIL, "revoked");
}

/* Keys that do not suit the signature: RFC 6376 3.6.1 k=, h=, s=;
 * RFC 8463 4 for ed25519 keys. */
static void
test_key_unsuitable(void **state)
{
	(void)state;
	/* an ed25519 key for a=rsa-sha256 */
	example_rsa_is(REC_ED, VOUCH_DKIM_PERMERROR, NULL);
	/* h= allows sha1 only */
	example_rsa_is("v=DKIM1; k=rsa; h=sha1; p=" P_RSA,
	    VOUCH_DKIM_PERMERROR, NULL);
	/* s= names another service */
	example_rsa_is("v=DKIM1; k=rsa; s=foo; p=" P_RSA,
	    VOUCH_DKIM_PERMERROR, NULL);
	/* the listed ones do suit it */
	example_rsa_is("v=DKIM1; k=rsa; h=sha1:sha256; s=foo:email; p="
	    P_RSA, VOUCH_DKIM_PASS, NULL);
	/* t=s with i= equal to d=: allowed */
	example_rsa_is("v=DKIM1; k=rsa; t=s; p=" P_RSA, VOUCH_DKIM_PASS,
	    NULL);
}

/* RFC 6376 3.6.1 t=s: "the i= domain MUST NOT be a subdomain of d=".
 * Mail::DKIM badkey_10 (rsa-sha1, 512 bits: legacy options, so the only
 * objection left is t=s); the record without t=s verifies. */
static void
test_key_t_s_subdomain(void **state)
{
	static const char owner[] = "test5._domainkey.messiah.edu";
	struct vouch_dkim_verify_options legacy = { 0 };
	struct buf m = corpus_crlf("mail-dkim-perl/corpus/badkey_10.txt", 0);
	struct buf z = { NULL, 0 }, z2 = { NULL, 0 };
	char *dat, *line, *ts;
	struct vrun r;

	(void)state;
	legacy.allow_sha1 = 1;
	legacy.allow_short_keys = 1;
	/* the FAKE_DNS.dat record: "<owner>  v=DKIM1; t=s; p=..." */
	dat = tu_read_file(tu_corpus_path("mail-dkim-perl/FAKE_DNS.dat"),
	    NULL);
	assert_non_null(dat);
	line = strstr(dat, owner);
	assert_non_null(line);
	line += strlen(owner);
	line[strcspn(line, "\r\n")] = '\0';
	line += strspn(line, " \t");
	buf_add(&z, "", 0);
	zone_txt(&z, "test5._domainkey.messiah.edu.", line);
	r = verify_at(&z, &m, 1718755200, &legacy);
	expect(&r, 0, VOUCH_DKIM_PERMERROR);
	vrun_free(&r);
	/* the same record without "t=s; " */
	ts = strstr(line, "t=s; ");
	assert_non_null(ts);
	memmove(ts, ts + 5, strlen(ts + 5) + 1);
	buf_add(&z2, "", 0);
	zone_txt(&z2, "test5._domainkey.messiah.edu.", line);
	r = verify_at(&z2, &m, 1718755200, &legacy);
	expect(&r, 0, VOUCH_DKIM_PASS);
	vrun_free(&r);
	free(dat);
	free(z.p);
	free(z2.p);
	free(m.p);
}

/* SECURITY.md: at most 10 signatures are verified; the 11th and later
 * are policy without being verified.  Eleven copies of the ed25519
 * field, then the RSA one. */
static void
test_signature_cap(void **state)
{
	struct buf m = example_msg(), z = example_zone(REC_RSA), many = { 0 };
	size_t rsa = field_at(&m, "DKIM-Signature:", 1), i;
	struct vrun r;

	(void)state;
	for (i = 0; i < 10; i++)
		buf_add(&many, m.p, rsa);
	buf_add(&many, m.p, m.len);
	r = verify_at(&z, &many, T_EXAMPLE, NULL);
	assert_int_equal(vouch_dkim_verify_count(r.v), 12);
	for (i = 0; i < VOUCH_DKIM_MAX_SIGNATURES; i++)
		expect(&r, i, VOUCH_DKIM_PASS);
	expect(&r, 10, VOUCH_DKIM_POLICY);
	expect(&r, 11, VOUCH_DKIM_POLICY);
	assert_int_equal(sig(&r, 11)->key_bits, 0);	/* never fetched */
	vrun_free(&r);
	free(many.p);
	free(m.p);
	free(z.p);
}

/* RFC 6376 3.5 t=: verifiers MAY ignore signatures with a timestamp in
 * the future; vouch: policy beyond the 300 s skew (SECURITY.md). */
static void
test_t_in_future(void **state)
{
	struct buf m = example_msg(), z = example_zone(REC_RSA);
	struct vouch_dkim_verify_options noskew = { 0 };
	struct vrun r;

	(void)state;
	r = verify_at(&z, &m, T_EXAMPLE - 86400, NULL);
	expect(&r, 0, VOUCH_DKIM_POLICY);
	expect(&r, 1, VOUCH_DKIM_POLICY);
	vrun_free(&r);
	r = verify_at(&z, &m, T_EXAMPLE - VOUCH_DKIM_CLOCK_SKEW - 1, NULL);
	expect(&r, 0, VOUCH_DKIM_POLICY);
	vrun_free(&r);
	r = verify_at(&z, &m, T_EXAMPLE - VOUCH_DKIM_CLOCK_SKEW, NULL);
	expect(&r, 0, VOUCH_DKIM_PASS);
	expect(&r, 1, VOUCH_DKIM_PASS);
	vrun_free(&r);
	noskew.no_clock_skew = 1;
	r = verify_at(&z, &m, T_EXAMPLE - 1, &noskew);
	expect(&r, 0, VOUCH_DKIM_POLICY);
	vrun_free(&r);
	free(m.p);
	free(z.p);
}

/* RFC 6376 3.5 x=: after it the signature is invalid; SECURITY.md:
 * fail.  Stalwart dkim/005.txt: t=1667843664, x=1667930064, pass. */
static void
test_x_in_past(void **state)
{
	const int64_t x = 1667930064;
	struct buf f = corpus_crlf("stalwart-mail-auth/dkim/005.txt", 0);
	struct buf z = { NULL, 0 }, m = { NULL, 0 };
	char *sp, *eol, *blank;
	struct vrun r;

	(void)state;
	/* "<owner> <value>" up to the first empty line, then the message */
	blank = strstr(f.p, "\r\n\r\n");
	sp = strchr(f.p, ' ');
	assert_non_null(blank);
	assert_true(sp != NULL && sp < blank);
	eol = strstr(f.p, "\r\n");
	assert_true(eol == blank);
	*sp = '\0';
	*eol = '\0';
	buf_add(&z, "", 0);
	buf_adds(&z, f.p);
	buf_adds(&z, ". 300 IN TXT");
	for (sp++; *sp != '\0'; sp += strlen(sp) > 200 ? 200 : strlen(sp)) {
		buf_adds(&z, " \"");
		buf_add(&z, sp, strlen(sp) > 200 ? 200 : strlen(sp));
		buf_adds(&z, "\"");
	}
	buf_adds(&z, "\n");
	buf_add(&m, blank + 4, f.len - (size_t)(blank + 4 - f.p));
	r = verify_at(&z, &m, 1667843664, NULL);
	expect(&r, 0, VOUCH_DKIM_PASS);
	assert_int_equal(sig(&r, 0)->expire, x);
	vrun_free(&r);
	r = verify_at(&z, &m, x + VOUCH_DKIM_CLOCK_SKEW, NULL);
	expect(&r, 0, VOUCH_DKIM_PASS);
	vrun_free(&r);
	r = verify_at(&z, &m, x + VOUCH_DKIM_CLOCK_SKEW + 1, NULL);
	expect(&r, 0, VOUCH_DKIM_FAIL);
	vrun_free(&r);
	r = verify_at(&z, &m, x + 86400 * 365, NULL);
	expect(&r, 0, VOUCH_DKIM_FAIL);
	vrun_free(&r);
	free(f.p);
	free(z.p);
	free(m.p);
}

/* Sign the bare A.3 message (no DKIM-Signature) with the RFC 8463 A.1
 * RSA key as d=domain, s=test; returns field + message. */
static struct buf
sign_example(const char *domain, int body_length)
{
	struct buf m = example_msg(), out = { NULL, 0 };
	struct vouch_dkim_signer spec;
	struct vouch_dkim_key *key = NULL;
	struct vouch_dkim_sign *s = NULL;
	struct vouch_msg *msg = NULL;
	struct vouch_error err;
	size_t from = field_at(&m, "From:", 0), off, klen;
	char *pem;

	pem = tu_read_file(tu_corpus_path(
	    "mailauth/rfc8463-example/private-rsa.key"), &klen);
	assert_non_null(pem);
	assert_int_equal(vouch_dkim_key_from_pem(pem, klen, &key, &err), 0);
	memset(&spec, 0, sizeof(spec));
	spec.key = key;
	spec.domain = domain;
	spec.selector = "test";
	spec.body_length = body_length;
	assert_int_equal(vouch_dkim_sign_new(&spec, 1, T_EXAMPLE, &s, &err),
	    0);
	assert_int_equal(vouch_msg_new(NULL, &msg), 0);
	assert_int_equal(vouch_msg_parse_header(msg, m.p + from,
	    m.len - from, &off, NULL), 0);
	assert_int_equal(vouch_dkim_sign_header(s, msg, &err), 0);
	assert_int_equal(vouch_dkim_sign_body(s, m.p + from + off,
	    m.len - from - off), 0);
	assert_int_equal(vouch_dkim_sign_finish(s, &err), 0);
	assert_int_equal(vouch_dkim_sign_count(s), 1);
	buf_adds(&out, vouch_dkim_sign_field(s, 0));
	buf_add(&out, m.p + from, m.len - from);
	vouch_msg_free(msg);
	vouch_dkim_sign_free(s);
	vouch_dkim_key_free(key);
	free(pem);
	free(m.p);
	return out;
}

/* RFC 6376 3.5 l= and 8.2: content beyond l= is unsigned; SECURITY.md:
 * policy when l= is shorter than the body. */
static void
test_l_shorter_than_body(void **state)
{
	struct buf m = sign_example("football.example.com", 1);
	struct buf z = example_zone(REC_RSA);
	struct vrun r;

	(void)state;
	assert_non_null(strstr(m.p, "l="));
	/* ground truth: the signature passes with the RFC's public key */
	r = verify_at(&z, &m, T_EXAMPLE, NULL);
	expect(&r, 0, VOUCH_DKIM_PASS);
	assert_true(sig(&r, 0)->body_length_limit >= 0);
	assert_int_equal((uint64_t)sig(&r, 0)->body_length_limit,
	    sig(&r, 0)->body_length);
	vrun_free(&r);
	buf_adds(&m, "Appended by a mailing list.\r\n");
	r = verify_at(&z, &m, T_EXAMPLE, NULL);
	expect(&r, 0, VOUCH_DKIM_POLICY);
	assert_true(sig(&r, 0)->body_length >
	    (uint64_t)sig(&r, 0)->body_length_limit);
	vrun_free(&r);
	free(m.p);
	free(z.p);
}

/* SECURITY.md: d= a public suffix is policy (allow_public_suffix lifts
 * it; the signature itself verifies, asserted first). */
static void
test_d_public_suffix(void **state)
{
	struct buf m = sign_example("co.uk", 0), z = { NULL, 0 };
	struct vouch_dkim_verify_options allow = { 0 };
	struct vrun r;

	(void)state;
	buf_add(&z, "", 0);
	zone_txt(&z, "test._domainkey.co.uk.", REC_RSA);
	allow.allow_public_suffix = 1;
	r = verify_at(&z, &m, T_EXAMPLE, &allow);
	expect(&r, 0, VOUCH_DKIM_PASS);
	vrun_free(&r);
	r = verify_at(&z, &m, T_EXAMPLE, NULL);
	expect(&r, 0, VOUCH_DKIM_POLICY);
	assert_string_equal(sig(&r, 0)->domain, "co.uk");
	vrun_free(&r);
	free(m.p);
	free(z.p);
}

/* The header stage runs once per verifier (dkim.h). */
static void
test_header_twice(void **state)
{
	struct buf m = example_msg(), z = example_zone(REC_RSA);
	struct vouch_dns *dns = zone_dns(&z);
	struct vouch_dkim_verify *v = NULL;
	struct vouch_msg *msg = NULL;
	size_t off;

	(void)state;
	assert_int_equal(vouch_msg_new(NULL, &msg), 0);
	assert_int_equal(vouch_msg_parse_header(msg, m.p, m.len, &off, NULL),
	    0);
	assert_int_equal(vouch_dkim_verify_new(dns, NULL, &v), 0);
	assert_int_equal(vouch_dkim_verify_header(v, msg), 0);
	assert_int_equal(vouch_dkim_verify_header(v, msg), VOUCH_EINVAL);
	vouch_dkim_verify_free(v);
	vouch_dkim_verify_free(NULL);
	vouch_msg_free(msg);
	vouch_dns_free(dns);
	free(m.p);
	free(z.p);
}

/*
 * RFC 6376 6.1.3 steps 3 and 4: the body hash is compared first, and a
 * signature whose body hash fails is not checked further, so nothing
 * says whether its header signature held.  With header_first every
 * header signature is checked at the header stage: a changed body then
 * leaves header_verified set.  A changed signed header field fails the
 * signature either way, after its body hash matched.
 */
static void
test_body_hash_first(void **state)
{
	struct buf m = example_msg(), z = example_zone(REC_RSA);
	struct buf body = { NULL, 0 }, subj = { NULL, 0 };
	struct vouch_dkim_verify_options o = { 0 };
	size_t at = field_at(&m, "Subject:", 0), i;
	struct vrun r;
	int first;

	(void)state;
	assert_true(at != (size_t)-1);
	/* the body: "hungry" -> "HUNGRY" */
	buf_add(&body, m.p, m.len);
	assert_non_null(strstr(body.p, "hungry"));
	memcpy(strstr(body.p, "hungry"), "HUNGRY", 6);
	/* a signed header field: the Subject's first letter */
	buf_add(&subj, m.p, m.len);
	subj.p[at + strlen("Subject: ")] = 'X';
	for (first = 0; first <= 1; first++) {
		o.header_first = first;
		r = verify_at(&z, &body, T_EXAMPLE, &o);
		assert_int_equal(vouch_dkim_verify_count(r.v), 2);
		for (i = 0; i < 2; i++) {
			expect(&r, i, VOUCH_DKIM_FAIL);
			assert_non_null(strstr(sig(&r, i)->reason,
			    "body hash"));
			assert_int_equal(sig(&r, i)->header_verified, first);
		}
		vrun_free(&r);
		r = verify_at(&z, &subj, T_EXAMPLE, &o);
		for (i = 0; i < 2; i++) {
			expect(&r, i, VOUCH_DKIM_FAIL);
			assert_non_null(strstr(sig(&r, i)->reason,
			    "signature mismatch"));
			assert_int_equal(sig(&r, i)->header_verified, 0);
		}
		vrun_free(&r);
		r = verify_at(&z, &m, T_EXAMPLE, &o);
		for (i = 0; i < 2; i++) {
			expect(&r, i, VOUCH_DKIM_PASS);
			assert_int_equal(sig(&r, i)->header_verified, 1);
		}
		vrun_free(&r);
	}
	free(body.p);
	free(subj.p);
	free(m.p);
	free(z.p);
}

/* STYLE.md: the Nth allocation fails, for every N a clean run makes;
 * each time some call returns VOUCH_ENOMEM and nothing leaks (ASan). */
static void
test_alloc_failure(void **state)
{
	struct buf m = example_msg(), z = example_zone(REC_RSA);
	struct vouch_dns *dns = zone_dns(&z);
	struct vouch_dkim_verify_options o = { 0 };
	unsigned long n, count;
	struct vrun r;
	int rc;

	(void)state;
	o.now = T_EXAMPLE;
	failalloc_set(0);
	(void)failalloc_count();
	assert_int_equal(run(dns, &m, &o, &r), 0);
	count = failalloc_count();
	expect(&r, 0, VOUCH_DKIM_PASS);
	expect(&r, 1, VOUCH_DKIM_PASS);
	vouch_dkim_verify_free(r.v);
	assert_true(count > 0);
	for (n = 1; n <= count; n++) {
		failalloc_set(n);
		rc = run(dns, &m, &o, &r);
		failalloc_set(0);
		if (rc != VOUCH_ENOMEM)
			fail_msg("allocation %lu of %lu failed: got %d (%s)",
			    n, count, rc, vouch_strerror(rc));
		assert_null(r.v);
	}
	vouch_dns_free(dns);
	free(m.p);
	free(z.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_passes),
		cmocka_unit_test(test_no_signature),
		cmocka_unit_test(test_broken_signature),
		cmocka_unit_test(test_key_nxdomain),
		cmocka_unit_test(test_key_timeout),
		cmocka_unit_test(test_key_revoked),
		cmocka_unit_test(test_key_unsuitable),
		cmocka_unit_test(test_key_t_s_subdomain),
		cmocka_unit_test(test_signature_cap),
		cmocka_unit_test(test_t_in_future),
		cmocka_unit_test(test_x_in_past),
		cmocka_unit_test(test_l_shorter_than_body),
		cmocka_unit_test(test_d_public_suffix),
		cmocka_unit_test(test_header_twice),
		cmocka_unit_test(test_body_hash_first),
		cmocka_unit_test(test_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
