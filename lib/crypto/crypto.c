/*
 * crypto.c - hashing and keys over OpenSSL 3 (see crypto.h).  Ed25519
 * signatures are verified with libsodium instead: OpenSSL 3.0's
 * Ed25519 verification takes about twice as long (138 against 68 us on
 * the benchmark VM), and a fifth of the signatures of real mail are
 * Ed25519 ones.  libsodium checks what RFC 8032 5.1.7 asks (S below L,
 * A and R decoded) and also refuses small-order A and R, which no
 * honest key or signature has.
 */
#include <limits.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "util/util.h"

struct vouch__hash_ctx {
	EVP_MD_CTX *md;
};

struct vouch__pkey {
	EVP_PKEY *pk;
	enum vouch__pktype type;
	unsigned bits;
	unsigned char ed_raw[32];	/* Ed25519: the public key, raw */
	int has_raw;
	int slot;		/* the decoded-key cache entry, or -1 */
};

/* Explicitly fetched digests: an implicit fetch on every init costs a
 * lock and a lookup (OpenSSL 3 "performance" notes). */
static EVP_MD *md_sha256, *md_sha1;
static int sodium_ok;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void
md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	/* libsodium picks its implementations; when it cannot start,
	   OpenSSL verifies Ed25519 too */
	sodium_ok = sodium_init() >= 0;
}

static const EVP_MD *
md_get(enum vouch__hash h)
{
	pthread_once(&md_once, md_fetch);
	if (h == VOUCH_HASH_SHA1)
		return md_sha1 != NULL ? md_sha1 : EVP_sha1();
	return md_sha256 != NULL ? md_sha256 : EVP_sha256();
}

size_t
vouch__hash_size(enum vouch__hash h)
{
	return h == VOUCH_HASH_SHA1 ? 20 : 32;
}

int
vouch__hash_new(enum vouch__hash h, struct vouch__hash_ctx **out)
{
	struct vouch__hash_ctx *c;

	*out = NULL;
	if ((c = vouch__calloc(1, sizeof(*c))) == NULL)
		return VOUCH_ENOMEM;
	if ((c->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c->md, md_get(h), NULL) != 1) {
		vouch__hash_free(c);
		return VOUCH_ENOMEM;
	}
	*out = c;
	return 0;
}

void
vouch__hash_update(struct vouch__hash_ctx *c, const void *p, size_t n)
{
	if (n > 0)
		(void)EVP_DigestUpdate(c->md, p, n);
}

int
vouch__hash_final(struct vouch__hash_ctx *c, unsigned char *md)
{
	unsigned n = 0;

	if (EVP_DigestFinal_ex(c->md, md, &n) != 1)
		return VOUCH_EINTERNAL;
	return (int)n;
}

void
vouch__hash_free(struct vouch__hash_ctx *c)
{
	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->md);
	vouch__free(c);
}

int
vouch__hash(enum vouch__hash h, const void *p, size_t n, unsigned char *md)
{
	unsigned len = 0;

	if (EVP_Digest(p, n, md, &len, md_get(h), NULL) != 1)
		return VOUCH_ENOMEM;
	return (int)len;
}

/* ---- keys --------------------------------------------------------------- */

/* Wrap pk; raw, when given, is an Ed25519 key's 32 octets (as decoded
 * from a key record), which spares asking OpenSSL for them. */
static int
pkey_wrap(EVP_PKEY *pk, const unsigned char *raw, struct vouch__pkey **out)
{
	struct vouch__pkey *k;
	int id = EVP_PKEY_get_base_id(pk);

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pk);
		return VOUCH_EUNSUPPORTED;
	}
	if ((k = vouch__calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		return VOUCH_ENOMEM;
	}
	k->pk = pk;
	k->slot = -1;
	k->type = id == EVP_PKEY_RSA ? VOUCH_PK_RSA : VOUCH_PK_ED25519;
	k->bits = (unsigned)EVP_PKEY_get_bits(pk);
	if (k->type == VOUCH_PK_ED25519 && raw != NULL) {
		memcpy(k->ed_raw, raw, sizeof(k->ed_raw));
		k->has_raw = 1;
	} else if (k->type == VOUCH_PK_ED25519) {
		size_t rl = sizeof(k->ed_raw);

		k->has_raw = EVP_PKEY_get_raw_public_key(pk, k->ed_raw,
		    &rl) == 1 && rl == sizeof(k->ed_raw);
	}
	*out = k;
	return 0;
}

static EVP_PKEY *
rsa_from_der(const unsigned char *p, size_t len)
{
	const unsigned char *q = p;
	EVP_PKEY *pk;

	if (len > LONG_MAX)
		return NULL;
	/* SubjectPublicKeyInfo is what RFC 6376 3.6.1 publishes; the bare
	 * PKCS#1 RSAPublicKey is seen in the wild and unambiguous. */
	pk = d2i_PUBKEY(NULL, &q, (long)len);
	if (pk != NULL && (size_t)(q - p) == len &&
	    EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		return pk;
	EVP_PKEY_free(pk);
	q = p;
	pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)len);
	if (pk != NULL && (size_t)(q - p) == len)
		return pk;
	EVP_PKEY_free(pk);
	return NULL;
}

/*
 * Decoded public keys, shared across verifications: OpenSSL 3 decodes a
 * DER key through its generic decoder framework, which costs more than
 * an RSA-2048 verification, and the same few keys sign most mail.  An
 * EVP_PKEY is reference-counted and safe to use from several threads
 * once made.  Entries are replaced round-robin.
 *
 * Each entry also keeps one spare RSA-SHA256 verification context: the
 * EVP_PKEY_CTX set-up (padding, digest) costs a third of a verification,
 * and a context can verify again and again with the same parameters
 * (EVP_PKEY_verify(3)).  A verification takes the spare and gives it
 * back when done, so a key held across a message's body holds no
 * context; two threads verifying with one key at once simply make two.
 */
#define PKCACHE_SIZE 128

struct pkc_ent {
	unsigned char *der;	/* the p= bytes; NULL: empty slot */
	size_t len;
	enum vouch__pktype type;
	size_t hash;
	EVP_PKEY *pk;
	EVP_PKEY_CTX *vctx;	/* spare, or NULL */
};

static struct pkc_ent pkc[PKCACHE_SIZE];
static size_t pkc_next;
static pthread_mutex_t pkc_mu = PTHREAD_MUTEX_INITIALIZER;

/* The cached key for p, up-referenced, with the entry's index in *slot. */
static EVP_PKEY *
pkc_get(enum vouch__pktype t, const unsigned char *p, size_t len, size_t h,
    int *slot)
{
	EVP_PKEY *pk = NULL;
	size_t i;

	pthread_mutex_lock(&pkc_mu);
	for (i = 0; i < PKCACHE_SIZE; i++) {
		if (pkc[i].der != NULL && pkc[i].hash == h &&
		    pkc[i].type == t && pkc[i].len == len &&
		    memcmp(pkc[i].der, p, len) == 0) {
			if (EVP_PKEY_up_ref(pkc[i].pk) == 1) {
				pk = pkc[i].pk;
				*slot = (int)i;
			}
			break;
		}
	}
	pthread_mutex_unlock(&pkc_mu);
	return pk;
}

/* The spare context of entry slot if it still holds pk, taken out of
 * it; NULL when there is none. */
static EVP_PKEY_CTX *
pkc_take(int slot, EVP_PKEY *pk)
{
	EVP_PKEY_CTX *vctx = NULL;

	if (slot < 0)
		return NULL;
	pthread_mutex_lock(&pkc_mu);
	if (pkc[slot].pk == pk) {
		vctx = pkc[slot].vctx;
		pkc[slot].vctx = NULL;
	}
	pthread_mutex_unlock(&pkc_mu);
	return vctx;
}

/* Give a context back to its entry if the entry still holds the same key
 * and has no spare; otherwise free it. */
static void
pkc_give_back(int slot, EVP_PKEY *pk, EVP_PKEY_CTX *vctx)
{
	if (slot >= 0) {
		pthread_mutex_lock(&pkc_mu);
		if (pkc[slot].pk == pk && pkc[slot].vctx == NULL) {
			pkc[slot].vctx = vctx;
			vctx = NULL;
		}
		pthread_mutex_unlock(&pkc_mu);
	}
	EVP_PKEY_CTX_free(vctx);
}

/* Cache pk for p; returns the entry's index, or -1. */
static int
pkc_put(enum vouch__pktype t, const unsigned char *p, size_t len, size_t h,
    EVP_PKEY *pk)
{
	struct pkc_ent *e;
	EVP_PKEY_CTX *old_ctx;
	EVP_PKEY *old_pk;
	unsigned char *der, *old_der;
	int slot;

	if (len > 4096 || (der = vouch__memdup(p, len)) == NULL)
		return -1;
	if (EVP_PKEY_up_ref(pk) != 1) {
		vouch__free(der);
		return -1;
	}
	pthread_mutex_lock(&pkc_mu);
	slot = (int)pkc_next;
	e = &pkc[pkc_next];
	pkc_next = (pkc_next + 1) % PKCACHE_SIZE;
	old_der = e->der;
	old_pk = e->pk;
	old_ctx = e->vctx;
	e->vctx = NULL;
	e->der = der;
	e->len = len;
	e->type = t;
	e->hash = h;
	e->pk = pk;
	pthread_mutex_unlock(&pkc_mu);
	vouch__free(old_der);
	EVP_PKEY_CTX_free(old_ctx);
	EVP_PKEY_free(old_pk);
	return slot;
}

int
vouch__pkey_public(enum vouch__pktype t, const unsigned char *p,
    size_t len, struct vouch__pkey **out)
{
	size_t h = vouch__hash_bytes(p, len);
	const unsigned char *raw;
	EVP_PKEY *pk;
	int slot = -1, rc;

	*out = NULL;
	raw = t == VOUCH_PK_ED25519 && len == 32 ? p : NULL;
	if ((pk = pkc_get(t, p, len, h, &slot)) != NULL) {
		if ((rc = pkey_wrap(pk, raw, out)) != 0)
			return rc;
		(*out)->slot = slot;
		return 0;
	}
	if (t == VOUCH_PK_ED25519) {
		if (len != 32)
			return VOUCH_ESYNTAX;
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, p,
		    len);
	} else
		pk = rsa_from_der(p, len);
	if (pk == NULL)
		return VOUCH_ESYNTAX;
	slot = pkc_put(t, p, len, h, pk);
	if ((rc = pkey_wrap(pk, raw, out)) != 0)
		return rc;
	(*out)->slot = slot;
	return 0;
}

int
vouch__pkey_private_pem(const char *pem, size_t len,
    struct vouch__pkey **out)
{
	BIO *bio;
	EVP_PKEY *pk;

	*out = NULL;
	if (len > INT_MAX)
		return VOUCH_ESYNTAX;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return VOUCH_ENOMEM;
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pk == NULL)
		return VOUCH_ESYNTAX;
	return pkey_wrap(pk, NULL, out);
}

int
vouch__pkey_generate(enum vouch__pktype t, unsigned bits,
    struct vouch__pkey **out)
{
	EVP_PKEY *pk;

	*out = NULL;
	if (t == VOUCH_PK_ED25519)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (pk == NULL)
		return VOUCH_ENOMEM;
	return pkey_wrap(pk, NULL, out);
}

enum vouch__pktype
vouch__pkey_type(const struct vouch__pkey *k)
{
	return k->type;
}

unsigned
vouch__pkey_bits(const struct vouch__pkey *k)
{
	return k->bits;
}

static int
bio_take(BIO *bio, char **out)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n < 0 || (*out = malloc((size_t)n + 1)) == NULL)
		return VOUCH_ENOMEM;
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	return 0;
}

int
vouch__pkey_private_to_pem(const struct vouch__pkey *k, char **out)
{
	BIO *bio;
	int rc = VOUCH_ENOMEM;

	*out = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return VOUCH_ENOMEM;
	if (PEM_write_bio_PKCS8PrivateKey(bio, k->pk, NULL, NULL, 0, NULL,
	    NULL) == 1)
		rc = bio_take(bio, out);
	BIO_free(bio);
	return rc;
}

int
vouch__pkey_public_raw(const struct vouch__pkey *k, unsigned char **out,
    size_t *outlen)
{
	unsigned char *der = NULL;
	size_t n = 32;
	int len;

	*out = NULL;
	*outlen = 0;
	if (k->type == VOUCH_PK_ED25519) {
		if ((*out = vouch__malloc(32)) == NULL)
			return VOUCH_ENOMEM;
		if (EVP_PKEY_get_raw_public_key(k->pk, *out, &n) != 1 ||
		    n != 32) {
			vouch__free(*out);
			*out = NULL;
			return VOUCH_EINTERNAL;
		}
		*outlen = n;
		return 0;
	}
	if ((len = i2d_PUBKEY(k->pk, &der)) <= 0)
		return VOUCH_ENOMEM;
	*out = vouch__memdup(der, (size_t)len);
	OPENSSL_free(der);
	if (*out == NULL)
		return VOUCH_ENOMEM;
	*outlen = (size_t)len;
	return 0;
}

void
vouch__pkey_free(struct vouch__pkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	vouch__free(k);
}

/* A context for RSA PKCS#1 v1.5 over a digest made with h. */
static EVP_PKEY_CTX *
rsa_ctx(const struct vouch__pkey *k, enum vouch__hash h, int sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL);

	if (ctx == NULL)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md_get(h)) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
vouch__pkey_verify(struct vouch__pkey *k, enum vouch__hash h,
    const unsigned char *md, size_t mdlen, const unsigned char *sig,
    size_t siglen)
{
	EVP_PKEY_CTX *ctx;
	EVP_MD_CTX *mctx;
	int ok;

	if (k->type == VOUCH_PK_ED25519) {
		if (siglen != crypto_sign_ed25519_BYTES)
			return 0;
		pthread_once(&md_once, md_fetch);
		if (k->has_raw && sodium_ok)
			return crypto_sign_ed25519_verify_detached(sig, md,
			    (unsigned long long)mdlen, k->ed_raw) == 0;
		if ((mctx = EVP_MD_CTX_new()) == NULL)
			return VOUCH_ENOMEM;
		ok = EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL,
		    k->pk, NULL) == 1 &&
		    EVP_DigestVerify(mctx, sig, siglen, md, mdlen) == 1;
		EVP_MD_CTX_free(mctx);
		return ok;
	}
	if (h == VOUCH_HASH_SHA256) {
		if ((ctx = pkc_take(k->slot, k->pk)) == NULL &&
		    (ctx = rsa_ctx(k, h, 0)) == NULL)
			return VOUCH_ENOMEM;
		ok = EVP_PKEY_verify(ctx, sig, siglen, md, mdlen) == 1;
		pkc_give_back(k->slot, k->pk, ctx);
		return ok;
	}
	if ((ctx = rsa_ctx(k, h, 0)) == NULL)
		return VOUCH_ENOMEM;
	ok = EVP_PKEY_verify(ctx, sig, siglen, md, mdlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int
vouch__pkey_sign(const struct vouch__pkey *k, enum vouch__hash h,
    const unsigned char *md, size_t mdlen, unsigned char **sig,
    size_t *siglen)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	size_t n = 0;
	int ok;

	*sig = NULL;
	*siglen = 0;
	if (k->type == VOUCH_PK_ED25519) {
		if ((mctx = EVP_MD_CTX_new()) == NULL)
			return VOUCH_ENOMEM;
		ok = EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL,
		    k->pk, NULL) == 1 &&
		    EVP_DigestSign(mctx, NULL, &n, md, mdlen) == 1 &&
		    (*sig = vouch__malloc(n)) != NULL &&
		    EVP_DigestSign(mctx, *sig, &n, md, mdlen) == 1;
	} else {
		if ((ctx = rsa_ctx(k, h, 1)) == NULL)
			return VOUCH_ENOMEM;
		ok = EVP_PKEY_sign(ctx, NULL, &n, md, mdlen) == 1 &&
		    (*sig = vouch__malloc(n)) != NULL &&
		    EVP_PKEY_sign(ctx, *sig, &n, md, mdlen) == 1;
	}
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		vouch__free(*sig);
		*sig = NULL;
		return VOUCH_ENOMEM;
	}
	*siglen = n;
	return 0;
}

char *
vouch__b64_encode(const unsigned char *p, size_t len)
{
	size_t n = 4 * ((len + 2) / 3) + 1;
	char *s;

	if (len > INT_MAX / 2 || (s = vouch__malloc(n)) == NULL)
		return NULL;
	(void)EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	return s;
}

void
vouch__cleanse(void *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
}
