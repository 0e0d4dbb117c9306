/*
 * lib/dkim/dkim_hash.h - the two hashes of RFC 6376 3.7, shared by the
 * verifier and the signer.
 *
 * Body hash: a canonicalizer (dkim_canon.h) feeding a digest, for one
 * (canonicalization, hash, l=) combination; several signatures with the
 * same combination share one.
 *
 * Header hash: the header fields h= names, picked bottom-up (5.4.2: the
 * n-th occurrence of a name in h= takes the n-th field of that name
 * counted from the bottom; names with no field left contribute nothing),
 * each canonicalized, then the DKIM-Signature field itself with its b=
 * value removed and no final CRLF.
 *
 * Ownership: the body hash owns its digest context (free with
 * vouch__dkim_bh_free()).  Thread safety: none shared.
 */
#ifndef VOUCH_DKIM_HASH_H
#define VOUCH_DKIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/msg.h>

#include "crypto/crypto.h"
#include "dkim/dkim_canon.h"

struct dkim_bodyhash {
	enum dkim_canon canon;
	enum vouch__hash hash;
	int64_t limit;			/* l=, or -1 */
	struct dkim_body body;
	struct vouch__hash_ctx *ctx;
	unsigned char md[VOUCH_HASH_MAX];
	size_t mdlen;			/* set by final */
};

int vouch__dkim_bh_init(struct dkim_bodyhash *bh, enum dkim_canon c,
    enum vouch__hash h, int64_t limit);
void vouch__dkim_bh_update(struct dkim_bodyhash *bh, const void *p,
    size_t n);
int vouch__dkim_bh_final(struct dkim_bodyhash *bh);
void vouch__dkim_bh_free(struct dkim_bodyhash *bh);

/*
 * The header hash into md (VOUCH_HASH_MAX room); returns the digest
 * length or a negative code.  sigraw is the whole DKIM-Signature field as
 * in the message (name, colon, value, final line end); its b= value is
 * removed here.  names are the h= entries.
 */
int vouch__dkim_header_hash(const struct vouch_msg *msg,
    const char *const *names, size_t nnames, enum dkim_canon c,
    const char *sigraw, size_t sigrawlen, enum vouch__hash h,
    unsigned char *md);

/* Append the canonical form of the fields names selects (5.4.2). */
int vouch__dkim_headers_canon(const struct vouch_msg *msg,
    const char *const *names, size_t nnames, enum dkim_canon c,
    struct vouch__buf *out);
/* Append the canonical DKIM-Signature field with b= emptied and no
 * final CRLF (3.7). */
int vouch__dkim_sigfield_canon(enum dkim_canon c, const char *raw,
    size_t len, struct vouch__buf *out);

/* Copy the raw field with the value of its b= tag (and the whitespace
 * around it) removed (3.7).  Appends to out. */
int vouch__dkim_strip_b(const char *raw, size_t len, struct vouch__buf *out);

#endif /* VOUCH_DKIM_HASH_H */
