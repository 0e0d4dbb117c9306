/*
 * dkim_verify.c - the streaming verifier (RFC 6376 6, RFC 8301, RFC
 * 8463).  The header stage parses each DKIM-Signature, fetches its key
 * and hashes the signed header fields (dkim_vsig.c); the body stage
 * feeds the shared body hashes; finish compares them, checks the header
 * signatures whose body hash matched (6.1.3 order; header_first checks
 * them all at the header stage) and applies the policies of SECURITY.md
 * in a fixed order, so every signature ends with exactly one result and
 * one reason.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dkim/dkim_vint.h"

const char *
vouch_dkim_result_name(enum vouch_dkim_result r)
{
	static const char *const names[] = { "none", "pass", "fail",
	    "policy", "neutral", "temperror", "permerror" };

	if ((unsigned)r >= sizeof(names) / sizeof(names[0]))
		return "none";
	return names[r];
}

int
vouch_dkim_verify_new(struct vouch_dns *dns,
    const struct vouch_dkim_verify_options *opts,
    struct vouch_dkim_verify **out)
{
	struct vouch_dkim_verify *v;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (dns == NULL)
		return VOUCH_EINVAL;
	if ((v = vouch__calloc(1, sizeof(*v))) == NULL)
		return VOUCH_ENOMEM;
	v->dns = dns;
	if (opts != NULL)
		v->opts = *opts;
	if (v->opts.now == 0)
		v->opts.now = (int64_t)time(NULL);
	if (v->opts.max_signatures == 0)
		v->opts.max_signatures = VOUCH_DKIM_MAX_SIGNATURES;
	if (v->opts.no_clock_skew)
		v->opts.clock_skew = 0;
	else if (v->opts.clock_skew == 0)
		v->opts.clock_skew = VOUCH_DKIM_CLOCK_SKEW;
	vouch__arena_init(&v->arena, 0);
	*out = v;
	return 0;
}

void
vouch_dkim_verify_free(struct vouch_dkim_verify *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nbh; i++)
		vouch__dkim_bh_free(&v->bh[i]);
	for (i = 0; i < v->nsig; i++)
		vouch__pkey_free(v->sig[i].pk);
	vouch__free(v->bh);
	vouch__free(v->sig);
	vouch__arena_free(&v->arena);
	vouch__free(v);
}

/* Decide a signature's result now (it takes no further part). */
int
vouch__dkim_settle(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    enum vouch_dkim_result r, const char *fmt, ...)
{
	char msg[512];
	const char *text = fmt;
	va_list ap;

	/* Most reasons ("verified") have nothing to format. */
	if (strchr(fmt, '%') != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		text = msg;
	}
	s->pub.result = r;
	s->settled = 1;
	if ((s->pub.reason = vouch__arena_strdup(&v->arena, text)) == NULL)
		return VOUCH_ENOMEM;
	return 0;
}

/* The shared body hash for this canonicalization, hash and l=. */
static int
attach_bodyhash(struct vouch_dkim_verify *v, struct dkim_vsig *s)
{
	enum vouch__hash h = s->sig.alg == DKIM_ALG_RSA_SHA1 ?
	    VOUCH_HASH_SHA1 : VOUCH_HASH_SHA256;
	enum dkim_canon c = (enum dkim_canon)s->sig.body_canon;
	size_t i;
	int rc;

	for (i = 0; i < v->nbh; i++) {
		if (v->bh[i].canon == c && v->bh[i].hash == h &&
		    v->bh[i].limit == s->sig.length) {
			s->bh = i;
			return 0;
		}
	}
	if ((rc = vouch__dkim_bh_init(&v->bh[v->nbh], c, h,
	    s->sig.length)) != 0)
		return rc;
	s->bh = v->nbh++;
	return 0;
}

static int
count_signatures(const struct vouch_msg *msg)
{
	return (int)vouch_msg_count_named(msg, "DKIM-Signature");
}

int
vouch_dkim_verify_header(struct vouch_dkim_verify *v,
    const struct vouch_msg *msg)
{
	const struct vouch_msg_field *f;
	size_t i, n = 0, total, nbh;
	int rc;

	if (v == NULL || msg == NULL || v->stage != 0)
		return VOUCH_EINVAL;
	v->stage = 1;
	total = (size_t)count_signatures(msg);
	if (total == 0)
		return 0;
	/* Only signatures within the cap get a body hash.  Body hashes are
	 * set up as they are taken (attach_bodyhash), so not zeroed: each
	 * holds a 4 KiB stage.  total is bounded by the header section. */
	nbh = total < v->opts.max_signatures ? total : v->opts.max_signatures;
	if ((v->sig = vouch__calloc(total, sizeof(*v->sig))) == NULL ||
	    (v->bh = vouch__malloc(nbh * sizeof(*v->bh))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < vouch_msg_count(msg); i++) {
		f = vouch_msg_field(msg, i);
		if (!vouch__memcaseeq(f->name, f->name_len, "DKIM-Signature"))
			continue;
		v->sig[n].pub.field_index = i;
		v->sig[n].pub.body_length_limit = -1;
		v->sig[n].pub.timestamp = -1;
		v->sig[n].pub.expire = -1;
		v->nsig = ++n;
		if (n > v->opts.max_signatures)
			rc = vouch__dkim_over_cap(v, &v->sig[n - 1]);
		else
			rc = vouch__dkim_vsig_header(v, msg, f,
			    &v->sig[n - 1]);
		if (rc == 0 && !v->sig[n - 1].settled)
			rc = attach_bodyhash(v, &v->sig[n - 1]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
vouch_dkim_verify_body(struct vouch_dkim_verify *v, const void *data,
    size_t len)
{
	size_t i;

	if (v == NULL || v->stage != 1 || (data == NULL && len > 0))
		return VOUCH_EINVAL;
	for (i = 0; i < v->nbh; i++)
		vouch__dkim_bh_update(&v->bh[i], data, len);
	return 0;
}

/* The policies of SECURITY.md for a signature that verified. */
static int
apply_policy(struct vouch_dkim_verify *v, struct dkim_vsig *s,
    uint64_t total)
{
	const struct dkim_sig *g = &s->sig;

	if (g->alg == DKIM_ALG_RSA_SHA1 && !v->opts.allow_sha1)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_POLICY, "verifies, "
		    "but rsa-sha1 is not accepted (RFC 8301 3.1)");
	if (s->key_short && !v->opts.allow_short_keys)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_POLICY, "verifies, "
		    "but the RSA key of %u bits is below %u (RFC 8301 3.2)",
		    s->pub.key_bits, VOUCH_DKIM_RSA_MIN_BITS);
	if (g->length >= 0 && (uint64_t)g->length < total)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_POLICY, "verifies, "
		    "but l=%lld signs only %lld of the %llu body bytes; the "
		    "rest could be anything (RFC 6376 8.2)",
		    (long long)g->length, (long long)g->length,
		    (unsigned long long)total);
	if (g->timestamp > v->opts.now + (int64_t)v->opts.clock_skew)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_POLICY, "verifies, "
		    "but t=%lld is %lld s in the future (more than the %u s "
		    "clock skew allowed)", (long long)g->timestamp,
		    (long long)(g->timestamp - v->opts.now),
		    v->opts.clock_skew);
	if (s->public_suffix && !v->opts.allow_public_suffix)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_POLICY, "verifies, "
		    "but d=%s is a public suffix, not a signing domain "
		    "(RFC 6376 6.1.1)", g->domain);
	if (s->pub.key_testing)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_PASS, "verified "
		    "(the key says t=y: the domain is testing DKIM)");
	return vouch__dkim_settle(v, s, VOUCH_DKIM_PASS, "verified");
}

static int
settle_body(struct vouch_dkim_verify *v, struct dkim_vsig *s)
{
	const struct dkim_bodyhash *bh = &v->bh[s->bh];
	uint64_t total = bh->body.total;
	int rc;

	s->pub.body_length = total;
	if (s->sig.length >= 0 && (uint64_t)s->sig.length > total)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_FAIL, "l=%lld is "
		    "longer than the %llu-byte body: the body was cut "
		    "(RFC 6376 3.5)", (long long)s->sig.length,
		    (unsigned long long)total);
	if (s->sig.bhlen != bh->mdlen ||
	    memcmp(s->sig.bh, bh->md, bh->mdlen) != 0)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_FAIL, "body hash "
		    "mismatch: the body was changed after signing");
	if (s->pk != NULL && (rc = vouch__dkim_check_header_sig(s)) != 0)
		return rc;
	if (!s->header_ok)
		return vouch__dkim_settle(v, s, VOUCH_DKIM_FAIL, "signature "
		    "mismatch: signed header fields were changed after "
		    "signing");
	return apply_policy(v, s, total);
}

int
vouch_dkim_verify_finish(struct vouch_dkim_verify *v)
{
	size_t i;
	int rc;

	if (v == NULL || v->stage != 1)
		return VOUCH_EINVAL;
	v->stage = 2;
	for (i = 0; i < v->nbh; i++)
		if ((rc = vouch__dkim_bh_final(&v->bh[i])) != 0)
			return rc;
	for (i = 0; i < v->nsig; i++) {
		if (!v->sig[i].settled &&
		    (rc = settle_body(v, &v->sig[i])) != 0)
			return rc;
	}
	return vouch__dkim_authres(v);
}

size_t
vouch_dkim_verify_count(const struct vouch_dkim_verify *v)
{
	return v != NULL && v->stage == 2 ? v->nsig : 0;
}

const struct vouch_dkim_sig *
vouch_dkim_verify_get(const struct vouch_dkim_verify *v, size_t i)
{
	if (v == NULL || v->stage != 2 || i >= v->nsig)
		return NULL;
	return &v->sig[i].pub;
}
