/*
 * fuzz_dkim_verify.c - the bytes as a whole message: header section
 * parsed, every DKIM-Signature verified against a fixed in-memory zone
 * (the RFC 8463 A.2 keys of football.example.com, plus a revoked key, a
 * timing-out and a SERVFAIL selector), the body fed in one piece.  Then
 * the same input again with the body cut into chunks of 1 to 64 bytes
 * whose sizes come from a PRNG seeded by the input: any chunking must
 * give the same signatures, results, reasons and body lengths
 * (SECURITY.md "Habits": the chunked-input property); abort() if not.
 *
 * Seeds (fuzz/corpus/dkim_verify/), copied from shared/corpora:
 *   rfc8463_crlf, rfc8463_lf   mailauth/rfc8463-example/signed.eml (CRLF
 *                              made from the LF original; and as is)
 *   rfc6376_signed_crlf        dkimpy/data/rfc6376.signed.msg, CRLF
 *                              (simple/simple, the same two keys)
 *   mdkim_multiple_2           mail-dkim-perl/corpus/multiple_2.txt
 *   mdkim_badkey3_ed25519      mail-dkim-perl/corpus/badkey3_ed25519.txt
 *   mdkim_no_body_1            mail-dkim-perl/corpus/no_body_1.txt
 *   mdkim_good_qp_1            mail-dkim-perl/corpus/good_qp_1.txt
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_NOW 1528637909	/* the A.3 signatures' t= */

static const char zone_text[] =
    "brisbane._domainkey.football.example.com. 300 IN TXT "
    "\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "test._domainkey.football.example.com. 300 IN TXT "
    "\"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR\" "
    "\"iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC\" "
    "\"DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3\" "
    "\"Ip3G+2kryOTIKT+l/K4w3QIDAQAB\"\n"
    "revoked._domainkey.football.example.com. 300 IN TXT "
    "\"v=DKIM1; k=rsa; p=\"\n"
    "$TIMEOUT slow._domainkey.football.example.com.\n"
    "$SERVFAIL broken._domainkey.football.example.com.\n";

static struct vouch_dns *
fuzz_dns(void)
{
	static struct vouch_dns *dns;

	if (dns == NULL && vouch_dns_zone_new_text(zone_text,
	    sizeof(zone_text) - 1, NULL, &dns, NULL) != 0)
		abort();
	return dns;
}

/* xorshift64*, seeded by FNV-1a over the input. */
static uint64_t
seed_of(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ? h : 1;
}

static size_t
next_chunk(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (size_t)((*s * 2685821657736338717ULL) >> 58) + 1;
}

/* One verification; NULL when a call fails (only VOUCH_ENOMEM may). */
static struct vouch_dkim_verify *
verify(const struct vouch_msg *msg, const uint8_t *body, size_t len,
    uint64_t seed)
{
	struct vouch_dkim_verify_options o;
	struct vouch_dkim_verify *v = NULL;
	size_t off = 0, n;
	int rc;

	memset(&o, 0, sizeof(o));
	o.now = FZ_NOW;
	if (vouch_dkim_verify_new(fuzz_dns(), &o, &v) != 0)
		abort();
	rc = vouch_dkim_verify_header(v, msg);
	while (rc == 0 && off < len) {
		n = seed ? next_chunk(&seed) : len;
		if (n > len - off)
			n = len - off;
		rc = vouch_dkim_verify_body(v, body + off, n);
		off += n;
	}
	if (rc == 0)
		rc = vouch_dkim_verify_finish(v);
	if (rc != 0)
		abort();	/* no allocation fails here: any error is a bug */
	return v;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
compare(const struct vouch_dkim_verify *a, const struct vouch_dkim_verify *b)
{
	size_t i, n = vouch_dkim_verify_count(a);

	if (n != vouch_dkim_verify_count(b))
		abort();
	for (i = 0; i < n; i++) {
		const struct vouch_dkim_sig *x = vouch_dkim_verify_get(a, i);
		const struct vouch_dkim_sig *y = vouch_dkim_verify_get(b, i);

		if (x == NULL || y == NULL || x->result != y->result ||
		    x->reason == NULL || !str_eq(x->reason, y->reason) ||
		    x->body_length != y->body_length ||
		    x->key_bits != y->key_bits ||
		    x->field_index != y->field_index ||
		    !str_eq(x->authres, y->authres))
			abort();
		if (x->result == VOUCH_DKIM_NONE ||
		    x->result > VOUCH_DKIM_PERMERROR)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_dkim_verify *whole, *chunked;
	struct vouch_msg *msg = NULL;
	size_t off = 0;

	if (vouch_msg_new(NULL, &msg) != 0)
		abort();
	if (vouch_msg_parse_header(msg, (const char *)data, size, &off,
	    NULL) == 0) {
		whole = verify(msg, data + off, size - off, 0);
		chunked = verify(msg, data + off, size - off,
		    seed_of(data, size));
		compare(whole, chunked);
		vouch_dkim_verify_free(chunked);
		vouch_dkim_verify_free(whole);
	}
	vouch_msg_free(msg);
	return 0;
}
