/*
 * test_dkim_sign.c - DKIM keys and the signer (include/vouch/dkim.h).
 *
 * Keys come from shared/corpora/mailauth/keys (RSA-2048, RSA-512,
 * Ed25519, with their public halves): the records the verifier reads are
 * built from the corpus's public-key files, not from our own key code.
 * What must be refused follows RFC 8301 3.2 (RSA 1024 to 8192 bits),
 * RFC 6376 3.5 (i= under d=), RFC 5322 3.6 (one From) and the key-file
 * rule of the issue (no access for group or others).  Signing
 * interoperability with dkimpy and OpenDKIM is tests/interop's job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <vouch/dkim.h>

#include "failalloc.h"
#include "testutil.h"

static const char msg_text[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/vouch-sign-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct vouch_dkim_key *
corpus_key(const char *name)
{
	struct vouch_dkim_key *k = NULL;
	size_t len;
	char *pem = tu_read_file(tu_corpus_path(name), &len);

	assert_non_null(pem);
	assert_int_equal(vouch_dkim_key_from_pem(pem, len, &k, NULL), 0);
	free(pem);
	return k;
}

/* The base64 body of a PEM file, joined. */
static char *
pem_body(const char *name)
{
	char *pem = tu_read_file(tu_corpus_path(name), NULL), *o, *line;
	size_t n = 0, len;

	assert_non_null(pem);
	o = calloc(1, strlen(pem) + 1);
	assert_non_null(o);
	for (line = pem; *line != '\0'; line += len + (line[len] != '\0')) {
		len = strcspn(line, "\n");
		if (strncmp(line, "-----", 5) == 0)
			continue;
		memcpy(o + n, line, strcspn(line, "\r\n"));
		n += strcspn(line, "\r\n");
	}
	free(pem);
	return o;
}

/* ---- keys --------------------------------------------------------------- */

static void
test_key_from_pem(void **state)
{
	struct vouch_dkim_key *k;
	struct vouch_error err;
	size_t len;
	char *pem;

	(void)state;
	k = corpus_key("mailauth/keys/private-rsa.pem");
	assert_int_equal(vouch_dkim_key_type(k), VOUCH_DKIM_KEY_RSA);
	assert_int_equal(vouch_dkim_key_bits(k), 2048);
	vouch_dkim_key_free(k);
	k = corpus_key("mailauth/keys/private-ed25519.pem");
	assert_int_equal(vouch_dkim_key_type(k), VOUCH_DKIM_KEY_ED25519);
	vouch_dkim_key_free(k);
	/* RFC 8301 3.2: RSA keys under 1024 bits are not to be used. */
	pem = tu_read_file(tu_corpus_path("mailauth/keys/private-small.pem"),
	    &len);
	assert_int_equal(vouch_dkim_key_from_pem(pem, len, &k, &err),
	    VOUCH_EINVAL);
	assert_null(k);
	assert_non_null(strstr(err.msg, "512 bits"));
	free(pem);
	/* A public key is not a private key. */
	pem = tu_read_file(tu_corpus_path("mailauth/keys/public-rsa.pem"),
	    &len);
	assert_int_equal(vouch_dkim_key_from_pem(pem, len, &k, &err),
	    VOUCH_ESYNTAX);
	free(pem);
	assert_int_equal(vouch_dkim_key_from_pem("junk", 4, &k, &err),
	    VOUCH_ESYNTAX);
}

static void
test_key_record_matches_corpus(void **state)
{
	struct vouch_dkim_key *k;
	char *rec, *want, expect[1024];

	(void)state;
	k = corpus_key("mailauth/keys/private-rsa.pem");
	assert_int_equal(vouch_dkim_key_record(k, &rec), 0);
	want = pem_body("mailauth/keys/public-rsa.pem");
	(void)snprintf(expect, sizeof(expect), "v=DKIM1; k=rsa; p=%s", want);
	assert_string_equal(rec, expect);
	free(rec);
	free(want);
	vouch_dkim_key_free(k);
}

static void
test_key_generate(void **state)
{
	struct vouch_dkim_key *k;
	struct vouch_error err;

	(void)state;
	assert_int_equal(vouch_dkim_key_generate(VOUCH_DKIM_KEY_ED25519, 0,
	    &k, &err), 0);
	assert_int_equal(vouch_dkim_key_type(k), VOUCH_DKIM_KEY_ED25519);
	vouch_dkim_key_free(k);
	assert_int_equal(vouch_dkim_key_generate(VOUCH_DKIM_KEY_RSA, 1024,
	    &k, &err), 0);
	assert_int_equal(vouch_dkim_key_bits(k), 1024);
	vouch_dkim_key_free(k);
	assert_int_equal(vouch_dkim_key_generate(VOUCH_DKIM_KEY_RSA, 768,
	    &k, &err), VOUCH_EINVAL);
	assert_non_null(strstr(err.msg, "768"));
	assert_int_equal(vouch_dkim_key_generate(VOUCH_DKIM_KEY_RSA, 16384,
	    &k, &err), VOUCH_EINVAL);
	assert_int_equal(vouch_dkim_key_generate(VOUCH_DKIM_KEY_ED25519, 1024,
	    &k, &err), VOUCH_EINVAL);
}

static void
test_key_write_and_load(void **state)
{
	struct vouch_dkim_key *k, *back;
	struct vouch_error err;
	struct stat st;
	char path[128];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/k.pem", tmpdir);
	k = corpus_key("mailauth/keys/private-ed25519.pem");
	assert_int_equal(vouch_dkim_key_write(k, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never overwritten. */
	assert_int_equal(vouch_dkim_key_write(k, path, &err), VOUCH_EINVAL);
	assert_non_null(strstr(err.msg, "exists"));
	assert_int_equal(vouch_dkim_key_load(path, &back, &err), 0);
	assert_int_equal(vouch_dkim_key_type(back), VOUCH_DKIM_KEY_ED25519);
	vouch_dkim_key_free(back);
	/* Readable by others: refused, and the message says what to do. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(vouch_dkim_key_load(path, &back, &err), VOUCH_EINVAL);
	assert_null(back);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(vouch_dkim_key_load(path, &back, &err), VOUCH_EINVAL);
	unlink(path);
	assert_int_equal(vouch_dkim_key_load(path, &back, &err), VOUCH_EIO);
	/* A directory is not a key file. */
	assert_int_equal(vouch_dkim_key_load(tmpdir, &back, &err), VOUCH_EIO);
	vouch_dkim_key_free(k);
}

/* ---- signer specs ------------------------------------------------------- */

static void
test_sign_refusals(void **state)
{
	struct vouch_dkim_key *k = corpus_key("mailauth/keys/private-rsa.pem");
	struct vouch_dkim_signer sp = { .key = k, .domain = "example.com",
	    .selector = "sel" };
	struct vouch_dkim_sign *s;
	struct vouch_error err;

	(void)state;
	assert_int_equal(vouch_dkim_sign_new(&sp, 0, 1, &s, &err),
	    VOUCH_EINVAL);
	sp.domain = "exa mple.com";
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err),
	    VOUCH_EINVAL);
	assert_non_null(strstr(err.msg, "domain"));
	sp.domain = "example.com";
	sp.selector = "";
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err),
	    VOUCH_EINVAL);
	sp.selector = "sel";
	/* RFC 6376 3.5: i= must be d= or a subdomain of it. */
	sp.auid = "joe@example.org";
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err),
	    VOUCH_EINVAL);
	sp.auid = "joe@badexample.com";
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err),
	    VOUCH_EINVAL);
	sp.auid = "joe@mail.example.com";
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err), 0);
	vouch_dkim_sign_free(s);
	sp.auid = NULL;
	sp.key = NULL;
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err),
	    VOUCH_EINVAL);
	vouch_dkim_key_free(k);
}

static void
check_from_count(const char *text, size_t want)
{
	struct vouch_dkim_key *k = corpus_key("mailauth/keys/private-rsa.pem");
	struct vouch_dkim_signer sp = { .key = k, .domain = "example.com",
	    .selector = "sel" };
	struct vouch_dkim_sign *s;
	struct vouch_error err;
	struct vouch_msg *m;
	size_t off;
	char num[32];

	m = tu_parse_msg(text, &off);
	assert_int_equal(vouch_dkim_sign_new(&sp, 1, 1, &s, &err), 0);
	assert_int_equal(vouch_dkim_sign_header(s, m, &err), VOUCH_EINVAL);
	(void)snprintf(num, sizeof(num), "has %zu From", want);
	assert_non_null(strstr(err.msg, num));
	vouch_dkim_sign_free(s);
	vouch_msg_free(m);
	vouch_dkim_key_free(k);
}

static void
test_sign_needs_one_from(void **state)
{
	(void)state;
	check_from_count("To: a@example.com\r\n\r\nbody\r\n", 0);
	check_from_count("From: a@example.com\r\nFrom: b@example.net\r\n"
	    "\r\nbody\r\n", 2);
}

/* ---- round trip --------------------------------------------------------- */

static struct vouch_dns *
corpus_zone(void)
{
	char *rsa = pem_body("mailauth/keys/public-rsa.pem");
	char *ed = pem_body("mailauth/keys/public-ed25519.pem");
	struct vouch_dns *dns;
	char zone[4096], ed_raw[64];
	size_t i, n;

	/* The Ed25519 SPKI PEM is 44 bytes: a fixed 12-byte prefix, then
	 * the raw 32-byte key (RFC 8410); its base64 ends with the key
	 * from byte 16 of the text on (12 bytes = 16 characters). */
	n = strlen(ed);
	assert_int_equal(n, 60);
	for (i = 16; i < n; i++)
		ed_raw[i - 16] = ed[i];
	ed_raw[n - 16] = '\0';
	(void)snprintf(zone, sizeof(zone),
	    "$ORIGIN example.com.\n"
	    "rsa._domainkey 300 TXT \"v=DKIM1; k=rsa; p=%.200s\" \"%s\"\n"
	    "ed._domainkey 300 TXT \"v=DKIM1; k=ed25519; p=%s\"\n",
	    rsa, strlen(rsa) > 200 ? rsa + 200 : "", ed_raw);
	assert_int_equal(vouch_dns_zone_new_text(zone, strlen(zone), NULL, &dns,
	    NULL), 0);
	free(rsa);
	free(ed);
	return dns;
}

/* Sign msg_text with RSA and Ed25519 in one pass, prepend the fields,
 * and verify the result; returns the signed text. */
static char *
sign_text(const struct vouch_dkim_signer *sp, size_t n, const char *text)
{
	struct vouch_dkim_sign *s;
	struct vouch_error err;
	struct vouch_msg *m;
	size_t off, i, len = 0;
	char *out;

	m = tu_parse_msg(text, &off);
	assert_int_equal(vouch_dkim_sign_new(sp, n, 1700000000, &s, &err), 0);
	assert_int_equal(vouch_dkim_sign_header(s, m, &err), 0);
	/* The body split in two, to stream. */
	assert_int_equal(vouch_dkim_sign_body(s, text + off, 7), 0);
	assert_int_equal(vouch_dkim_sign_body(s, text + off + 7,
	    strlen(text) - off - 7), 0);
	assert_int_equal(vouch_dkim_sign_finish(s, &err), 0);
	assert_int_equal(vouch_dkim_sign_count(s), n);
	for (i = 0; i < n; i++)
		len += strlen(vouch_dkim_sign_field(s, i));
	out = calloc(1, len + strlen(text) + 1);
	assert_non_null(out);
	for (len = 0, i = 0; i < n; i++) {
		memcpy(out + len, vouch_dkim_sign_field(s, i),
		    strlen(vouch_dkim_sign_field(s, i)));
		len += strlen(vouch_dkim_sign_field(s, i));
	}
	memcpy(out + len, text, strlen(text) + 1);
	vouch_dkim_sign_free(s);
	vouch_msg_free(m);
	return out;
}

/* Verify text; every one of its n signatures must get want and, when
 * want_auid is not NULL, carry that AUID. */
static void
verify_text(struct vouch_dns *dns, const char *text, size_t n,
    enum vouch_dkim_result want, const char *want_auid)
{
	struct vouch_dkim_verify_options o = { .now = 1700000100 };
	struct vouch_dkim_verify *v;
	struct vouch_msg *m;
	size_t off, i;

	m = tu_parse_msg(text, &off);
	assert_int_equal(vouch_dkim_verify_new(dns, &o, &v), 0);
	assert_int_equal(vouch_dkim_verify_header(v, m), 0);
	assert_int_equal(vouch_dkim_verify_body(v, text + off,
	    strlen(text) - off), 0);
	assert_int_equal(vouch_dkim_verify_finish(v), 0);
	assert_int_equal(vouch_dkim_verify_count(v), n);
	for (i = 0; i < n; i++) {
		const struct vouch_dkim_sig *g = vouch_dkim_verify_get(v, i);

		if (g->result != want)
			fail_msg("signature %zu: %s (%s)", i,
			    vouch_dkim_result_name(g->result), g->reason);
		if (want_auid != NULL)
			assert_string_equal(g->auid, want_auid);
	}
	vouch_dkim_verify_free(v);
	vouch_msg_free(m);
}

static void
test_sign_roundtrip(void **state)
{
	struct vouch_dkim_key *rsa = corpus_key("mailauth/keys/private-rsa.pem");
	struct vouch_dkim_key *ed = corpus_key(
	    "mailauth/keys/private-ed25519.pem");
	struct vouch_dkim_signer sp[2] = {
		{ .key = rsa, .domain = "example.com", .selector = "rsa",
		  .expire_after = 3600 },
		{ .key = ed, .domain = "Example.COM", .selector = "ed",
		  .header_canon = VOUCH_DKIM_SIMPLE,
		  .body_canon = VOUCH_DKIM_SIMPLE } };
	struct vouch_dns *dns = corpus_zone();
	enum vouch_dkim_canon c[] = { VOUCH_DKIM_SIMPLE, VOUCH_DKIM_RELAXED };
	char *signed_text, *p;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		sp[0].header_canon = c[i / 2];
		sp[0].body_canon = c[i % 2];
		signed_text = sign_text(sp, 2, msg_text);
		verify_text(dns, signed_text, 2, VOUCH_DKIM_PASS, NULL);
		/* The defaults over-sign From (5.4.2), add x=, never l=. */
		assert_non_null(strstr(signed_text, "h=From:From:"));
		assert_non_null(strstr(signed_text, "x=1700003600;"));
		assert_null(strstr(signed_text, "l="));
		assert_non_null(strstr(signed_text, "d=example.com;"));
		/* A changed body byte breaks every signature. */
		p = strstr(signed_text, "hungry");
		*p = 'H';
		verify_text(dns, signed_text, 2, VOUCH_DKIM_FAIL, NULL);
		free(signed_text);
	}
	vouch_dns_free(dns);
	vouch_dkim_key_free(rsa);
	vouch_dkim_key_free(ed);
}

/* A field added after signing, over-signed: the signature breaks. */
static void
test_sign_oversign_protects(void **state)
{
	struct vouch_dkim_key *rsa = corpus_key("mailauth/keys/private-rsa.pem");
	struct vouch_dkim_signer sp = { .key = rsa, .domain = "example.com",
	    .selector = "rsa", .headers = "From:Subject", .oversign = 1 };
	struct vouch_dns *dns = corpus_zone();
	char *signed_text, *forged;
	size_t off;

	(void)state;
	signed_text = sign_text(&sp, 1, msg_text);
	assert_non_null(strstr(signed_text, "h=From:From:Subject:Subject;"));
	verify_text(dns, signed_text, 1, VOUCH_DKIM_PASS, NULL);
	forged = calloc(1, strlen(signed_text) + 64);
	assert_non_null(forged);
	off = (size_t)(strstr(signed_text, "\r\n\r\n") + 2 - signed_text);
	(void)snprintf(forged, strlen(signed_text) + 64, "%.*sSubject: "
	    "forged\r\n%s", (int)off, signed_text, signed_text + off);
	verify_text(dns, forged, 1, VOUCH_DKIM_FAIL, NULL);
	free(forged);
	free(signed_text);
	/* body_length asks for l= of the whole canonical body. */
	sp.body_length = 1;
	signed_text = sign_text(&sp, 1, msg_text);
	assert_non_null(strstr(signed_text, "l="));
	verify_text(dns, signed_text, 1, VOUCH_DKIM_PASS, NULL);
	free(signed_text);
	vouch_dns_free(dns);
	vouch_dkim_key_free(rsa);
}

/* An i= local part with ";" and "=" is written dkim-quoted-printable
 * (RFC 6376 2.11) and verifies back to the same AUID. */
static void
test_sign_auid_encoded(void **state)
{
	struct vouch_dkim_key *rsa = corpus_key("mailauth/keys/private-rsa.pem");
	struct vouch_dkim_signer sp = { .key = rsa, .domain = "example.com",
	    .selector = "rsa", .auid = "a=b;c@mail.example.com" };
	struct vouch_dns *dns = corpus_zone();
	char *signed_text;

	(void)state;
	signed_text = sign_text(&sp, 1, msg_text);
	assert_non_null(strstr(signed_text, "i=a=3Db=3Bc@mail.example.com;"));
	verify_text(dns, signed_text, 1, VOUCH_DKIM_PASS,
	    "a=b;c@mail.example.com");
	free(signed_text);
	vouch_dns_free(dns);
	vouch_dkim_key_free(rsa);
}

/* Every allocation failure in the signer is a clean VOUCH_ENOMEM. */
static void
test_sign_enomem(void **state)
{
	struct vouch_dkim_key *ed = corpus_key(
	    "mailauth/keys/private-ed25519.pem");
	struct vouch_dkim_signer sp = { .key = ed, .domain = "example.com",
	    .selector = "ed" };
	struct vouch_dkim_sign *s = NULL;
	struct vouch_msg *m;
	unsigned long n, total;
	size_t off;
	int rc;

	(void)state;
	m = tu_parse_msg(msg_text, &off);
	failalloc_set(0);
	for (n = 1;; n++) {
		failalloc_set(n);
		rc = vouch_dkim_sign_new(&sp, 1, 1, &s, NULL);
		if (rc == 0)
			rc = vouch_dkim_sign_header(s, m, NULL);
		if (rc == 0)
			rc = vouch_dkim_sign_body(s, msg_text + off,
			    strlen(msg_text) - off);
		if (rc == 0)
			rc = vouch_dkim_sign_finish(s, NULL);
		total = failalloc_count();
		failalloc_set(0);
		vouch_dkim_sign_free(s);
		s = NULL;
		if (rc == 0 && n > total)
			break;
		assert_true(rc == 0 || rc == VOUCH_ENOMEM);
		assert_true(n < 10000);
	}
	vouch_msg_free(m);
	vouch_dkim_key_free(ed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_from_pem),
		cmocka_unit_test(test_key_record_matches_corpus),
		cmocka_unit_test(test_key_generate),
		cmocka_unit_test(test_key_write_and_load),
		cmocka_unit_test(test_sign_refusals),
		cmocka_unit_test(test_sign_needs_one_from),
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(test_sign_oversign_protects),
		cmocka_unit_test(test_sign_auid_encoded),
		cmocka_unit_test(test_sign_enomem),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
