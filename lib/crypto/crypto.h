/*
 * lib/crypto/crypto.h - the only door to OpenSSL.  Hashing (SHA-1,
 * SHA-256), public keys as DKIM publishes them (RSA SubjectPublicKeyInfo
 * or PKCS#1 DER, raw 32-byte Ed25519 per RFC 8463), signature
 * verification and creation over a precomputed digest, and private keys
 * (PEM in and out, generation).
 *
 * RSA signatures are PKCS#1 v1.5 over the digest (RFC 6376 3.3.1);
 * Ed25519 signs the 32-byte SHA-256 digest itself as the message (RFC
 * 8463 3: PureEdDSA over the hash).
 *
 * Ownership: every object is the caller's and freed by its _free().
 * Thread safety: objects are used by one thread at a time, except keys,
 * which are read-only after creation and may be shared.  The message
 * digest implementations are fetched once per process.
 */
#ifndef VOUCH_CRYPTO_H
#define VOUCH_CRYPTO_H

#include <stddef.h>

#define VOUCH_HASH_MAX 32	/* bytes of the largest digest (SHA-256) */

enum vouch__hash {
	VOUCH_HASH_SHA256 = 0,
	VOUCH_HASH_SHA1
};

enum vouch__pktype {
	VOUCH_PK_RSA = 0,
	VOUCH_PK_ED25519
};

struct vouch__hash_ctx;
struct vouch__pkey;

/* ---- hashing ------------------------------------------------------------ */
int vouch__hash_new(enum vouch__hash h, struct vouch__hash_ctx **out);
void vouch__hash_update(struct vouch__hash_ctx *c, const void *p, size_t n);
/* Writes the digest to md (VOUCH_HASH_MAX bytes room); returns its
 * length, or a negative VOUCH_E* code.  The context can then be freed
 * only. */
int vouch__hash_final(struct vouch__hash_ctx *c, unsigned char *md);
void vouch__hash_free(struct vouch__hash_ctx *c);
size_t vouch__hash_size(enum vouch__hash h);
/* One-shot digest; returns its length or a negative code. */
int vouch__hash(enum vouch__hash h, const void *p, size_t n,
    unsigned char *md);

/* ---- keys --------------------------------------------------------------- */
/*
 * A public key from a DKIM p= value: RSA as SubjectPublicKeyInfo or
 * PKCS#1 RSAPublicKey DER (trailing bytes refused), Ed25519 as the raw 32
 * bytes.  VOUCH_ESYNTAX when the bytes are not such a key.
 */
int vouch__pkey_public(enum vouch__pktype t, const unsigned char *p,
    size_t len, struct vouch__pkey **out);
/* A private key from PEM (PKCS#8 or traditional).  VOUCH_ESYNTAX for
 * bad PEM, VOUCH_EUNSUPPORTED for a type other than RSA and Ed25519. */
int vouch__pkey_private_pem(const char *pem, size_t len,
    struct vouch__pkey **out);
/* A new private key: RSA of bits, or Ed25519 (bits ignored). */
int vouch__pkey_generate(enum vouch__pktype t, unsigned bits,
    struct vouch__pkey **out);
enum vouch__pktype vouch__pkey_type(const struct vouch__pkey *k);
unsigned vouch__pkey_bits(const struct vouch__pkey *k);
/* PKCS#8 PEM of a private key, NUL-terminated, the caller's (free()). */
int vouch__pkey_private_to_pem(const struct vouch__pkey *k, char **out);
/* The DKIM p= bytes: RSA SubjectPublicKeyInfo DER, Ed25519 raw 32
 * bytes; *out is the caller's (vouch__free()). */
int vouch__pkey_public_raw(const struct vouch__pkey *k, unsigned char **out,
    size_t *outlen);
void vouch__pkey_free(struct vouch__pkey *k);

/*
 * Verify sig over the digest md (made with h).  Returns 1 when it
 * verifies, 0 when it does not, a negative code when it cannot be tried
 * (no memory).  k keeps the context it made for the next call (one
 * thread at a time per k).
 */
int vouch__pkey_verify(struct vouch__pkey *k, enum vouch__hash h,
    const unsigned char *md, size_t mdlen, const unsigned char *sig,
    size_t siglen);
/* Sign the digest; *sig is the caller's (vouch__free()). */
int vouch__pkey_sign(const struct vouch__pkey *k, enum vouch__hash h,
    const unsigned char *md, size_t mdlen, unsigned char **sig,
    size_t *siglen);

/* Wipe secret bytes (not optimized away). */
void vouch__cleanse(void *p, size_t n);

/* Base64 (no line breaks) of len bytes, NUL-terminated; vouch__free(). */
char *vouch__b64_encode(const unsigned char *p, size_t len);

#endif /* VOUCH_CRYPTO_H */
