/*
 * lib/dkim/dkim_vint.h - the verifier's internals, shared by
 * dkim_verify.c (stages, body, policies), dkim_vsig.c (one signature at
 * the header stage: parse, clock, key, header signature) and
 * dkim_vout.c (Authentication-Results fragments).
 */
#ifndef VOUCH_DKIM_VINT_H
#define VOUCH_DKIM_VINT_H

#include <stdarg.h>

#include <vouch/dkim.h>

#include "dkim/dkim_hash.h"
#include "dkim/dkim_tags.h"
#include "util/util.h"

struct dkim_vsig {
	struct vouch_dkim_sig pub;
	struct dkim_sig sig;	/* parsed (valid unless settled early) */
	int settled;		/* result decided; no body check */
	int header_ok;		/* the header signature verified */
	int key_short;		/* RSA key under the minimum */
	int public_suffix;	/* d= is a public suffix */
	size_t bh;		/* index into v->bh */
	/* The header signature, until it is checked (after the body hash
	   unless header_first): the key and the header hash. */
	struct vouch__pkey *pk;
	unsigned char hh[VOUCH_HASH_MAX];
	size_t hhlen;
};

struct vouch_dkim_verify {
	struct vouch_dns *dns;
	struct vouch_dkim_verify_options opts;	/* defaults filled in */
	struct vouch__arena arena;	/* every result string */
	int stage;		/* 0 new, 1 header seen, 2 finished */
	size_t nsig;
	struct dkim_vsig *sig;
	size_t nbh;
	struct dkim_bodyhash *bh;
};

int vouch__dkim_settle(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    enum vouch_dkim_result r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Parse one DKIM-Signature, check it, fetch the key, check the header
 * signature; settles it when any of that decides the result. */
int vouch__dkim_vsig_header(struct vouch_dkim_verify *v,
    const struct vouch_msg *msg, const struct vouch_msg_field *f,
    struct dkim_vsig *s);
/* Check the header signature with s->pk and the stored header hash,
 * then free the key.  Sets header_ok; 0 or VOUCH_ENOMEM. */
int vouch__dkim_check_header_sig(struct dkim_vsig *s);
/* A signature beyond max_signatures: policy, never verified. */
int vouch__dkim_over_cap(struct vouch_dkim_verify *v, struct dkim_vsig *s);
/* header.b prefixes and the A-R fragment of every signature. */
int vouch__dkim_authres(struct vouch_dkim_verify *v);

#endif /* VOUCH_DKIM_VINT_H */
