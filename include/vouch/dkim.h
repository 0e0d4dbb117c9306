/*
 * vouch/dkim.h - DomainKeys Identified Mail: verify and sign (RFC 6376,
 * RFC 8301 algorithm and key-size rules, RFC 8463 ed25519-sha256).
 *
 * Verification is streaming.  The caller creates a verifier, hands over
 * the header section as a struct vouch_msg (vouch_msg_parse_header() or
 * vouch_msg_add_field() as a milter receives it), then the body in chunks
 * of any size split anywhere, then finishes.  Memory is bounded whatever
 * the body size: each body hash is computed on the fly.  Every
 * DKIM-Signature field (up to max_signatures) is evaluated on its own,
 * with its own canonicalization and l=; signatures sharing the same body
 * canonicalization, hash and l= share one body hash.
 *
 * Key records are fetched through the struct vouch_dns handle when the
 * header section is handed over, and the header signature is checked
 * then; the body hash is compared at vouch_dkim_verify_finish().
 *
 * Each signature gets the result word of SECURITY.md:
 *   pass       verified
 *   fail       body hash or signature mismatch; x= in the past (beyond
 *              the clock skew); key revoked (empty p=)
 *   policy     verifies but is refused: rsa-sha1 (unless allow_sha1), an
 *              RSA key under 1024 bits, l= shorter than the body, t= in
 *              the future (beyond the clock skew), d= a public suffix,
 *              beyond max_signatures (not verified at all)
 *   neutral    the DKIM-Signature field is unusable (syntax, missing or
 *              duplicate tag, v not 1, unknown a= or c=, i= not under d=,
 *              h= without From, bad base64)
 *   permerror  key record missing, malformed or unsuitable (k=, h=, s=,
 *              t=s, a key that does not parse, RSA over 8192 bits)
 *   temperror  the key lookup timed out or failed (SERVFAIL)
 *   none       (the message result when there is no signature)
 * and a reason a person understands.
 *
 * Signing is streaming in the same way and makes one DKIM-Signature per
 * signer spec in one pass over the body (RSA + ed25519 dual signing).
 *
 * Ownership: verifier, signer and key objects belong to the caller and
 * are released with their _free() function; every string in a result
 * lives as long as the object it came from.
 * Thread safety: one object per thread; different objects may be used
 * concurrently, sharing a DNS handle and keys (keys are read-only once
 * loaded).
 */
#ifndef VOUCH_DKIM_H
#define VOUCH_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/dns.h>
#include <vouch/err.h>
#include <vouch/msg.h>

enum vouch_dkim_result {
	VOUCH_DKIM_NONE = 0,
	VOUCH_DKIM_PASS,
	VOUCH_DKIM_FAIL,
	VOUCH_DKIM_POLICY,
	VOUCH_DKIM_NEUTRAL,
	VOUCH_DKIM_TEMPERROR,
	VOUCH_DKIM_PERMERROR
};

#define VOUCH_DKIM_MAX_SIGNATURES 10	/* SECURITY.md */
#define VOUCH_DKIM_RSA_MIN_BITS 1024	/* RFC 8301 section 3.2 */
#define VOUCH_DKIM_RSA_MAX_BITS 8192
#define VOUCH_DKIM_CLOCK_SKEW 300	/* seconds, for t= and x= */

/* Zero fields mean the default in brackets. */
struct vouch_dkim_verify_options {
	int64_t now;		/* seconds since the epoch; [time(NULL)] */
	unsigned max_signatures;	/* [10] */
	unsigned clock_skew;	/* [300] seconds; t= may be this far in the
				   future and x= this far in the past */
	int no_clock_skew;	/* nonzero: skew 0 (clock_skew ignored) */
	int allow_sha1;		/* nonzero: a verified rsa-sha1 is pass, not
				   policy (legacy corpora only) */
	int allow_public_suffix;	/* nonzero: no d= public-suffix check */
	int allow_short_keys;	/* nonzero: RSA < 1024 bits is pass */
	int header_first;	/* nonzero: check every header signature
				   at the header stage, even one whose
				   body hash will fail; by default the
				   body hash comes first and a signature
				   whose body hash fails is not checked
				   (RFC 6376 6.1.3 step 3) */
};

struct vouch_dkim_sig {
	enum vouch_dkim_result result;
	const char *reason;	/* always set: what decided the result */
	size_t field_index;	/* index of the DKIM-Signature in the msg */
	/* From the signature; NULL when the field did not say (or could not
	   be parsed that far). */
	const char *domain;	/* d= */
	const char *selector;	/* s= */
	const char *auid;	/* i=, or "@" d= when absent */
	const char *algorithm;	/* "rsa-sha256", "ed25519-sha256", ... */
	const char *canonicalization;	/* "relaxed/simple" */
	const char *signed_headers;	/* h= as written, FWS removed */
	int64_t body_length_limit;	/* l=, or -1 */
	uint64_t body_length;	/* canonical length of the whole body */
	int64_t timestamp;	/* t=, or -1 */
	int64_t expire;		/* x=, or -1 */
	unsigned key_bits;	/* 0 when no key was read */
	int key_testing;	/* the key record has t=y */
	int header_verified;	/* the signature over the header fields
				   verified; with header_first known
				   before the body (a copy without its
				   body can still tell a wrong key from a
				   changed body), else 0 when the body
				   hash failed */
	const char *header_b;	/* the b= prefix for header.b (RFC 6008) */
	/* "dkim=pass (reason) header.d=... header.i=... header.s=...
	   header.a=... header.b=..." (RFC 8601), values quoted as needed */
	const char *authres;
};

struct vouch_dkim_verify;

/* opts may be NULL for the defaults.  dns is borrowed. */
VOUCH_API int vouch_dkim_verify_new(struct vouch_dns *dns,
    const struct vouch_dkim_verify_options *opts,
    struct vouch_dkim_verify **out);
/*
 * The header section.  Finds the DKIM-Signature fields, parses them,
 * fetches the keys and hashes the signed header fields (checking the
 * signatures too with header_first).  Once per verifier.
 * The message is read here only; it need not outlive the call.
 * Returns 0 or VOUCH_ENOMEM, VOUCH_EINVAL (called twice).
 */
VOUCH_API int vouch_dkim_verify_header(struct vouch_dkim_verify *v,
    const struct vouch_msg *msg);
/* Body bytes, any chunking; CRLF or bare LF line ends. */
VOUCH_API int vouch_dkim_verify_body(struct vouch_dkim_verify *v,
    const void *data, size_t len);
/* End of the body: compares the body hashes, checks the header
 * signatures whose body hash matched, and settles the results. */
VOUCH_API int vouch_dkim_verify_finish(struct vouch_dkim_verify *v);
/* Results, in header order (after finish). */
VOUCH_API size_t vouch_dkim_verify_count(const struct vouch_dkim_verify *v);
VOUCH_API const struct vouch_dkim_sig *vouch_dkim_verify_get(
    const struct vouch_dkim_verify *v, size_t i);
VOUCH_API void vouch_dkim_verify_free(struct vouch_dkim_verify *v);

/* "none" "pass" "fail" "policy" "neutral" "temperror" "permerror" */
VOUCH_API const char *vouch_dkim_result_name(enum vouch_dkim_result r);

/* ---- keys -------------------------------------------------------------- */

enum vouch_dkim_keytype {
	VOUCH_DKIM_KEY_RSA = 0,
	VOUCH_DKIM_KEY_ED25519
};

struct vouch_dkim_key;

/*
 * Load a private key (PEM: PKCS#8, or traditional RSA).  Refused with a
 * reason in err: a file readable or writable by group or others
 * (VOUCH_EINVAL), a key that is not RSA or Ed25519 (VOUCH_EUNSUPPORTED),
 * RSA under 1024 or over 8192 bits (VOUCH_EINVAL), an unreadable file
 * (VOUCH_EIO), bad PEM (VOUCH_ESYNTAX).
 */
VOUCH_API int vouch_dkim_key_load(const char *path,
    struct vouch_dkim_key **out, struct vouch_error *err);
/* The same from memory (no permission check). */
VOUCH_API int vouch_dkim_key_from_pem(const char *pem, size_t len,
    struct vouch_dkim_key **out, struct vouch_error *err);
/* A new key: RSA of bits (0: 2048; 1024..8192) or Ed25519 (bits 0). */
VOUCH_API int vouch_dkim_key_generate(enum vouch_dkim_keytype type,
    unsigned bits, struct vouch_dkim_key **out, struct vouch_error *err);
VOUCH_API enum vouch_dkim_keytype vouch_dkim_key_type(
    const struct vouch_dkim_key *key);
VOUCH_API unsigned vouch_dkim_key_bits(const struct vouch_dkim_key *key);
/* The private key as PKCS#8 PEM; *out is the caller's (free()). */
VOUCH_API int vouch_dkim_key_pem(const struct vouch_dkim_key *key,
    char **out);
/*
 * Write the PEM to path, created with mode 0600 and O_EXCL (an existing
 * file is VOUCH_EINVAL: never overwritten).
 */
VOUCH_API int vouch_dkim_key_write(const struct vouch_dkim_key *key,
    const char *path, struct vouch_error *err);
/* The key record "v=DKIM1; k=rsa; p=..." (one string); caller frees. */
VOUCH_API int vouch_dkim_key_record(const struct vouch_dkim_key *key,
    char **out);
VOUCH_API void vouch_dkim_key_free(struct vouch_dkim_key *key);

/* ---- signing ----------------------------------------------------------- */

enum vouch_dkim_canon {
	VOUCH_DKIM_CANON_DEFAULT = 0,	/* relaxed */
	VOUCH_DKIM_SIMPLE,
	VOUCH_DKIM_RELAXED
};

/*
 * The default h=: each of these that is present is signed once per
 * instance plus once more (over-signing, section 5.4.2 / 8.15), each
 * absent one once (so it cannot be added later).
 */
#define VOUCH_DKIM_DEFAULT_HEADERS \
	"From:To:Cc:Subject:Date:Reply-To:Content-Type:MIME-Version:" \
	"Message-ID:In-Reply-To:References:Content-Transfer-Encoding"

struct vouch_dkim_signer {
	const struct vouch_dkim_key *key;	/* borrowed */
	const char *domain;	/* d= */
	const char *selector;	/* s= */
	const char *auid;	/* i=, NULL for none */
	enum vouch_dkim_canon header_canon;	/* [relaxed] */
	enum vouch_dkim_canon body_canon;	/* [relaxed] */
	const char *headers;	/* colon-separated h= names to sign: each
				   present instance once, plus once more
				   when oversign; NULL: the default list */
	int oversign;		/* with headers != NULL: add the extra
				   instance too (the default list always
				   does) */
	int64_t expire_after;	/* x= = t= + this; 0: no x= */
	int body_length;	/* nonzero: add l= (the whole body) */
};

struct vouch_dkim_sign;

/*
 * One signer per spec (1 to 8).  now is t= (0: time(NULL)).  Specs are
 * checked here: no key, bad domain or selector, rsa key under 1024 bits.
 */
VOUCH_API int vouch_dkim_sign_new(const struct vouch_dkim_signer *specs,
    size_t n, int64_t now, struct vouch_dkim_sign **out,
    struct vouch_error *err);
/*
 * The header section.  Refuses (VOUCH_EINVAL, err says why) a message
 * without exactly one From field.
 */
VOUCH_API int vouch_dkim_sign_header(struct vouch_dkim_sign *s,
    const struct vouch_msg *msg, struct vouch_error *err);
VOUCH_API int vouch_dkim_sign_body(struct vouch_dkim_sign *s,
    const void *data, size_t len);
VOUCH_API int vouch_dkim_sign_finish(struct vouch_dkim_sign *s,
    struct vouch_error *err);
/*
 * The DKIM-Signature fields made (one per spec, in spec order), each a
 * whole field "DKIM-Signature: v=1; ...\r\n" folded at 78 columns, to be
 * put at the top of the header section.  After finish.
 */
VOUCH_API size_t vouch_dkim_sign_count(const struct vouch_dkim_sign *s);
VOUCH_API const char *vouch_dkim_sign_field(const struct vouch_dkim_sign *s,
    size_t i);
VOUCH_API void vouch_dkim_sign_free(struct vouch_dkim_sign *s);

#endif /* VOUCH_DKIM_H */
