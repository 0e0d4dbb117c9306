/*
 * lib/dkim/dkim_tags.h - DKIM tag lists (RFC 6376 3.2), the
 * DKIM-Signature header field (3.5) and the key record (3.6.1), parsed
 * into plain structs.  No DNS, no crypto: pure parsing, every rule of the
 * ABNF checked, and each failure mapped to the result word SECURITY.md
 * gives it (a broken signature header is "neutral", a broken key record
 * "permerror") with a reason a person understands.
 *
 * Ownership: every string and decoded byte array lives in the arena the
 * caller passes; the structs point into it.
 * Thread safety: no shared state.
 */
#ifndef VOUCH_DKIM_TAGS_H
#define VOUCH_DKIM_TAGS_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define DKIM_TAGS_MAX 64	/* tags in one list */

struct dkim_tag {
	const char *name;	/* NUL-terminated */
	size_t name_len;
	const char *value;	/* FWS-trimmed at both ends, NUL-terminated */
	size_t value_len;
};

struct dkim_taglist {
	size_t n;
	struct dkim_tag tag[DKIM_TAGS_MAX];
};

/*
 * 3.2: tag-list = tag-spec *( ";" tag-spec ) [ ";" ]; tag names per ABNF,
 * values tval/FWS; a duplicate tag name is an error (case-sensitive
 * names).  Returns 0, VOUCH_ESYNTAX (why filled), VOUCH_ELIMIT, or
 * VOUCH_ENOMEM.
 */
int vouch__dkim_tags_parse(const char *s, size_t len, struct vouch__arena *a,
    struct dkim_taglist *out, char *why, size_t whylen);
const struct dkim_tag *vouch__dkim_tag(const struct dkim_taglist *t,
    const char *name);

/* Base64 with FWS allowed between characters (3.5 b=, bh=; 3.6.1 p=).
 * Returns 0, VOUCH_ESYNTAX, or VOUCH_ENOMEM (the arena). */
int vouch__dkim_b64_decode(const char *s, size_t len, struct vouch__arena *a,
    unsigned char **out, size_t *outlen);

/*
 * Colon-separated lists inside one tag value (3.5 h= q=, 3.6.1 h= s= t=).
 * Start with *pos = 0; each call yields the next item with the FWS
 * around it trimmed (it may be empty) and returns 1, or 0 when the list
 * is exhausted.  An empty value yields one empty item.
 */
int vouch__dkim_list_next(const char *v, size_t len, size_t *pos,
    const char **item, size_t *ilen);

/* A copy of s without its FWS (SP, HTAB, CR, LF), in the arena. */
char *vouch__dkim_nofws(struct vouch__arena *a, const char *s, size_t len);

/* d= and s= (3.5, RFC 5321 sub-domain): dot-separated labels of 1 to 63
 * letters, digits, "-" and "_", 253 octets at most. */
int vouch__dkim_valid_name(const char *s, size_t len);

/* Fill why (may be NULL) like snprintf, bytes outside printable ASCII
 * replaced by "?", and return VOUCH_ESYNTAX. */
int vouch__dkim_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

enum dkim_alg {
	DKIM_ALG_RSA_SHA256 = 0,
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_ED25519_SHA256
};

struct dkim_sig {
	enum dkim_alg alg;
	int header_canon;		/* enum dkim_canon */
	int body_canon;
	const char *domain;		/* d=, lower case */
	const char *selector;		/* s= */
	const char *auid;		/* i=, or "@" d= when absent */
	const char **headers;		/* h=, names as written */
	size_t nheaders;
	const unsigned char *b;		/* b= decoded */
	size_t blen;
	const char *b_text;		/* b= as written, for header.b */
	const char *h_text;		/* h= as written, without FWS */
	const unsigned char *bh;	/* bh= decoded */
	size_t bhlen;
	int64_t length;			/* l=, or -1 */
	int64_t timestamp;		/* t=, or -1 */
	int64_t expire;			/* x=, or -1 */
};

/*
 * Parse a DKIM-Signature field value (3.5).  Any violation is
 * VOUCH_ESYNTAX with why saying which tag and rule (SECURITY.md: the
 * signature's result is then "neutral"): missing required tag (v a b bh
 * d h s), v not "1", unknown a= or c=, bad base64, h= without From, i=
 * not under d=, bad d=, l= or t= or x= not a number, x= before t=,
 * q= not dns/txt.
 */
int vouch__dkim_sig_parse(const char *value, size_t len,
    struct vouch__arena *a, struct dkim_sig *out, char *why, size_t whylen);

enum dkim_key_type {
	DKIM_KEY_RSA = 0,
	DKIM_KEY_ED25519
};

struct dkim_key {
	enum dkim_key_type type;	/* k=, rsa by default */
	const unsigned char *p;		/* p= decoded; NULL if revoked */
	size_t plen;
	int revoked;			/* p= empty (3.6.1) */
	int testing;			/* t=y */
	int strict;			/* t=s: i= must equal d= domain */
	int hash_sha256;		/* h= allows (or omits) sha256 */
	int hash_sha1;
	int service_email;		/* s= is * or includes email */
};

/*
 * Parse a key record (3.6.1).  VOUCH_ESYNTAX with why for a malformed
 * record (SECURITY.md: permerror): v not "DKIM1" when present or not
 * first, unknown k=, bad base64 in p=, missing p=.  Unknown tags and
 * flags are ignored as 3.6.1 says.
 */
int vouch__dkim_key_parse(const char *txt, size_t len,
    struct vouch__arena *a, struct dkim_key *out, char *why, size_t whylen);
/* The same, answered from the records already parsed when txt is one of
 * them (dkim_keycache.c); thread-safe. */
int vouch__dkim_key_parse_cached(const char *txt, size_t len,
    struct vouch__arena *a, struct dkim_key *out, char *why, size_t whylen);

#endif /* VOUCH_DKIM_TAGS_H */
