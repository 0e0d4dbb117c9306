/*
 * dkim_vsig.c - one DKIM-Signature at the header stage (RFC 6376 6.1.1
 * to 6.1.3 up to the body hash): parse and validate the field, check
 * x=, fetch and check the key record (3.6.1, RFC 8301, RFC 8463), hash
 * the signed header fields, and check the header signature (here with
 * header_first, else after the body hash).  Anything that decides the
 * result here settles the signature with its reason.
 */
#include <string.h>

#include "dkim/dkim_vint.h"

#define WHY_MAX 400

static const char *const alg_names[] = { "rsa-sha256", "rsa-sha1",
    "ed25519-sha256" };

/* What an unusable field still tells (d= s= a= c= h=), for the report. */
static int
describe_partial(struct vouch_dkim_verify *v, const struct vouch_msg_field *f,
    struct dkim_vsig *s)
{
	static const char *const tags[] = { "d", "s", "a", "c", "h", "i" };
	const char **dst[] = { &s->pub.domain, &s->pub.selector,
	    &s->pub.algorithm, &s->pub.canonicalization,
	    &s->pub.signed_headers, &s->pub.auid };
	struct dkim_taglist tl;
	const struct dkim_tag *t;
	size_t i;

	if (vouch__dkim_tags_parse(f->value, f->value_len, &v->arena, &tl,
	    NULL, 0) != 0)
		return 0;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if ((t = vouch__dkim_tag(&tl, tags[i])) == NULL)
			continue;
		if ((*dst[i] = vouch__dkim_nofws(&v->arena, t->value,
		    t->value_len)) == NULL)
			return VOUCH_ENOMEM;
	}
	return 0;
}

static int
describe(struct dkim_vsig *s)
{
	static const char *const canon[2][2] = {
		{ "simple/simple", "simple/relaxed" },
		{ "relaxed/simple", "relaxed/relaxed" }
	};
	const struct dkim_sig *g = &s->sig;

	s->pub.domain = g->domain;
	s->pub.selector = g->selector;
	s->pub.auid = g->auid;
	s->pub.algorithm = alg_names[g->alg];
	s->pub.body_length_limit = g->length;
	s->pub.timestamp = g->timestamp;
	s->pub.expire = g->expire;
	s->pub.canonicalization = canon[g->header_canon ==
	    DKIM_CANON_RELAXED][g->body_canon == DKIM_CANON_RELAXED];
	/* h= as written (the parsed list may be normalized). */
	s->pub.signed_headers = g->h_text;
	return 0;
}

/* ---- the key record ----------------------------------------------------- */

/* 3.6.1 and RFC 8301/8463: may this key verify this signature? */
static int
check_key(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    const struct dkim_key *k, const char *name)
{
	const struct dkim_sig *g = &s->sig;
	const char *at = strrchr(g->auid, '@');
	int want_ed = g->alg == DKIM_ALG_ED25519_SHA256;

	if (k->revoked)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_FAIL, "key revoked: "
		    "the key record at %s has an empty p= (RFC 6376 3.6.1)",
		    name);
	if (want_ed != (k->type == DKIM_KEY_ED25519))
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the key "
		    "at %s is k=%s but the signature is a=%s", name,
		    k->type == DKIM_KEY_ED25519 ? "ed25519" : "rsa",
		    alg_names[g->alg]);
	if (g->alg == DKIM_ALG_RSA_SHA1 ? !k->hash_sha1 : !k->hash_sha256)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the key "
		    "at %s does not allow the signature's hash (its h= tag, "
		    "RFC 6376 3.6.1)", name);
	if (!k->service_email)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the key "
		    "at %s is not for e-mail (its s= tag, RFC 6376 3.6.1)",
		    name);
	if (k->strict && (at == NULL || !vouch__strcaseeq(at + 1,
	    g->domain)))
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the key "
		    "at %s has t=s, so i= must be in d=%s itself, not a "
		    "subdomain (RFC 6376 3.6.1)", name, g->domain);
	s->pub.key_testing = k->testing;
	return 0;
}

/* Parse the DER (or raw Ed25519) key and check its size. */
static int
load_pkey(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    const struct dkim_key *k, const char *name, struct vouch__pkey **pk)
{
	enum vouch__pktype t = k->type == DKIM_KEY_ED25519 ?
	    VOUCH_PK_ED25519 : VOUCH_PK_RSA;
	unsigned bits;
	int rc;

	rc = vouch__pkey_public(t, k->p, k->plen, pk);
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc != 0)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the key "
		    "record at %s has a p= that is not %s", name,
		    t == VOUCH_PK_ED25519 ? "a 32-byte Ed25519 public key "
		    "(RFC 8463 4)" : "an RSA public key (RFC 6376 3.6.1)");
	bits = vouch__pkey_bits(*pk);
	s->pub.key_bits = bits;
	if (t == VOUCH_PK_RSA && bits > VOUCH_DKIM_RSA_MAX_BITS)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the RSA "
		    "key at %s has %u bits, above the %u we verify", name,
		    bits, VOUCH_DKIM_RSA_MAX_BITS);
	s->key_short = t == VOUCH_PK_RSA && bits < VOUCH_DKIM_RSA_MIN_BITS;
	return 0;
}

/* The first TXT record at name that parses as a key (3.6.2.2). */
static int
pick_key(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    const struct vouch_dns_answer *ans, const char *name,
    struct dkim_key *k)
{
	char why[WHY_MAX] = "", first[WHY_MAX] = "";
	size_t i;
	int rc, seen = 0;

	for (i = 0; i < ans->count; i++) {
		if (ans->rr[i].type != VOUCH_DNS_TXT)
			continue;
		rc = vouch__dkim_key_parse_cached(ans->rr[i].u.txt.data,
		    ans->rr[i].u.txt.len, &v->arena, k, why, sizeof(why));
		if (rc == 0)
			return 1;
		if (rc == VOUCH_ENOMEM)
			return rc;
		if (!seen++)
			(void)vouch__strlcpy(first, why, sizeof(first));
	}
	if (!seen)
		rc = vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "no key "
		    "record at %s (no TXT record)", name);
	else
		rc = vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "the key "
		    "record at %s is malformed: %s", name, first);
	return rc;
}

static int
fetch_key(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    struct vouch__pkey **pk)
{
	struct vouch_dns_answer *ans = NULL;
	struct dkim_key k;
	char name[600];
	int rc;

	/* selector._domainkey.domain: both are at most 253 octets. */
	(void)vouch__strlcpy(name, s->sig.selector, sizeof(name));
	(void)vouch__strlcat(name, "._domainkey.", sizeof(name));
	(void)vouch__strlcat(name, s->sig.domain, sizeof(name));
	rc = vouch_dns_query(v->dns, name, VOUCH_DNS_TXT, &ans);
	if (rc == VOUCH_EINVAL)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "%s is "
		    "not a valid DNS name for a key", name);
	if (rc != 0)
		return rc;
	switch (ans->status) {
	case VOUCH_DNS_RETRY:
		rc = vouch__dkim_settle(v, s, VOUCH_DKIM_TEMPERROR, "key "
		    "lookup for %s failed (%s); try again later", name,
		    ans->reason != NULL ? ans->reason : "DNS error");
		break;
	case VOUCH_DNS_NXDOMAIN:
	case VOUCH_DNS_NODATA:
		rc = vouch__dkim_settle(v, s, VOUCH_DKIM_PERMERROR, "no key "
		    "record at %s (%s)", name, ans->status ==
		    VOUCH_DNS_NXDOMAIN ? "the name does not exist" :
		    "no TXT record");
		break;
	default:
		rc = pick_key(v, s, ans, name, &k);
		if (rc == 1 && (rc = check_key(v, s, &k, name)) == 0 &&
		    !s->settled)
			rc = load_pkey(v, s, &k, name, pk);
		break;
	}
	vouch_dns_answer_free(ans);
	return rc;
}

/* ---- the header signature ----------------------------------------------- */

static enum vouch__hash
sig_hash(const struct dkim_sig *g)
{
	return g->alg == DKIM_ALG_RSA_SHA1 ? VOUCH_HASH_SHA1 :
	    VOUCH_HASH_SHA256;
}

/* The header hash is taken now, while the message is at hand; the
 * signature over it is checked now or after the body hash. */
static int
header_sig(struct vouch_dkim_verify *v, const struct vouch_msg *msg,
    const struct vouch_msg_field *f, struct dkim_vsig *s)
{
	const struct dkim_sig *g = &s->sig;
	int rc;

	rc = vouch__dkim_header_hash(msg, g->headers, g->nheaders,
	    (enum dkim_canon)g->header_canon, f->raw, f->raw_len, sig_hash(g),
	    s->hh);
	if (rc < 0)
		return rc;
	s->hhlen = (size_t)rc;
	return v->opts.header_first ? vouch__dkim_check_header_sig(s) : 0;
}

int
vouch__dkim_check_header_sig(struct dkim_vsig *s)
{
	const struct dkim_sig *g = &s->sig;
	int rc;

	rc = vouch__pkey_verify(s->pk, sig_hash(g), s->hh, s->hhlen, g->b,
	    g->blen);
	vouch__pkey_free(s->pk);
	s->pk = NULL;
	if (rc < 0)
		return rc;
	s->header_ok = rc;
	s->pub.header_verified = rc;
	return 0;
}

int
vouch__dkim_over_cap(struct vouch_dkim_verify *v, struct dkim_vsig *s)
{
	return vouch__dkim_settle(v, s, VOUCH_DKIM_POLICY, "not verified: "
	    "the message has more than %u DKIM-Signature fields",
	    v->opts.max_signatures);
}

int
vouch__dkim_vsig_header(struct vouch_dkim_verify *v,
    const struct vouch_msg *msg, const struct vouch_msg_field *f,
    struct dkim_vsig *s)
{
	struct vouch__pkey *pk = NULL;
	char why[WHY_MAX] = "";
	int rc;

	rc = vouch__dkim_sig_parse(f->value, f->value_len, &v->arena,
	    &s->sig, why, sizeof(why));
	if (rc == VOUCH_ESYNTAX || rc == VOUCH_ELIMIT) {
		if ((rc = describe_partial(v, f, s)) != 0)
			return rc;
		return vouch__dkim_settle(v, s, VOUCH_DKIM_NEUTRAL, "%s", why);
	}
	if (rc != 0 || (rc = describe(s)) != 0)
		return rc;
	if (s->sig.expire >= 0 &&
	    s->sig.expire + (int64_t)v->opts.clock_skew < v->opts.now)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_FAIL, "signature "
		    "expired: x=%lld is %lld s in the past",
		    (long long)s->sig.expire,
		    (long long)(v->opts.now - s->sig.expire));
	s->public_suffix = vouch__is_public_suffix(s->sig.domain);
	if ((rc = fetch_key(v, s, &pk)) == 0 && !s->settled) {
		s->pk = pk;	/* freed once checked, or with v */
		pk = NULL;
		rc = header_sig(v, msg, f, s);
	}
	vouch__pkey_free(pk);
	return rc;
}
