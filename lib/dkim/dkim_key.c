/*
 * dkim_key.c - the DKIM key record (RFC 6376 3.6.1; RFC 8463 4 for
 * k=ed25519).  A malformed record is VOUCH_ESYNTAX with a reason;
 * SECURITY.md makes it "permerror".  Whether the key suits a signature
 * (h=, s=, t=s, key size) is decided by the verifier from the flags set
 * here.  Multi-string TXT records arrive already joined.
 */
#include <string.h>

#include "dkim/dkim_tags.h"

#define KEY "key record: "

/* 3.6.1 h=: hash algorithms allowed; unknown names are ignored. */
static void
key_h(const struct dkim_tag *t, struct dkim_key *out)
{
	const char *it;
	size_t pos = 0, il;

	out->hash_sha1 = out->hash_sha256 = t == NULL;
	if (t == NULL)
		return;
	while (vouch__dkim_list_next(t->value, t->value_len, &pos, &it, &il)) {
		if (vouch__memcaseeq(it, il, "sha1"))
			out->hash_sha1 = 1;
		else if (vouch__memcaseeq(it, il, "sha256"))
			out->hash_sha256 = 1;
	}
}

/* 3.6.1 s=: service types; "*" (the default) or "email" allow mail. */
static void
key_s(const struct dkim_tag *t, struct dkim_key *out)
{
	const char *it;
	size_t pos = 0, il;

	out->service_email = t == NULL;
	if (t == NULL)
		return;
	while (vouch__dkim_list_next(t->value, t->value_len, &pos, &it, &il))
		if (vouch__memcaseeq(it, il, "*") ||
		    vouch__memcaseeq(it, il, "email"))
			out->service_email = 1;
}

/* 3.6.1 t=: flags "y" (testing) and "s" (strict); others ignored. */
static void
key_t(const struct dkim_tag *t, struct dkim_key *out)
{
	const char *it;
	size_t pos = 0, il;

	if (t == NULL)
		return;
	while (vouch__dkim_list_next(t->value, t->value_len, &pos, &it, &il)) {
		if (vouch__memcaseeq(it, il, "y"))
			out->testing = 1;
		else if (vouch__memcaseeq(it, il, "s"))
			out->strict = 1;
	}
}

static int
key_k(const struct dkim_tag *t, struct dkim_key *out, char *why,
    size_t whylen)
{
	/* 3.6.1 k=: rsa is the default; RFC 8463 4 registers ed25519. */
	out->type = DKIM_KEY_RSA;
	if (t == NULL || vouch__strcaseeq(t->value, "rsa"))
		return 0;
	if (vouch__strcaseeq(t->value, "ed25519")) {
		out->type = DKIM_KEY_ED25519;
		return 0;
	}
	return vouch__dkim_why(why, whylen, KEY "k=%.40s is not a known key "
	    "type (RFC 6376 3.6.1, RFC 8463 4)", t->value);
}

static int
key_p(const struct dkim_tag *t, struct vouch__arena *a,
    struct dkim_key *out, char *why, size_t whylen)
{
	unsigned char *p;
	size_t n;
	int rc;

	if (t == NULL)
		return vouch__dkim_why(why, whylen, KEY "required tag p= is "
		    "missing (RFC 6376 3.6.1)");
	/* 3.6.1 p=: "An empty value means that this public key has been
	 * revoked" - a valid record that verifies nothing. */
	if (t->value_len == 0) {
		out->revoked = 1;
		return 0;
	}
	rc = vouch__dkim_b64_decode(t->value, t->value_len, a, &p, &n);
	if (rc == VOUCH_ESYNTAX)
		return vouch__dkim_why(why, whylen, KEY "p= is not valid "
		    "base64 (RFC 6376 3.6.1, 2.4)");
	if (rc != 0)
		return rc;
	out->p = p;
	out->plen = n;
	return 0;
}

int
vouch__dkim_key_parse(const char *txt, size_t len,
    struct vouch__arena *a, struct dkim_key *out, char *why, size_t whylen)
{
	struct dkim_taglist tl;
	const struct dkim_tag *v;
	char msg[256] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	if (txt == NULL || a == NULL)
		return VOUCH_EINVAL;
	rc = vouch__dkim_tags_parse(txt, len, a, &tl, msg, sizeof(msg));
	if (rc == VOUCH_ESYNTAX || rc == VOUCH_ELIMIT) {
		vouch__dkim_why(why, whylen, KEY "%s", msg);
		return rc;
	}
	if (rc != 0)
		return rc;
	/* 3.6.1 v=: "If specified, this tag MUST be set to "DKIM1" ...
	 * This tag MUST be the first tag in the record." */
	v = vouch__dkim_tag(&tl, "v");
	if (v != NULL && (v != &tl.tag[0] || strcmp(v->value, "DKIM1") != 0))
		rc = vouch__dkim_why(why, whylen, KEY "v=%.20s must be "
		    "\"DKIM1\" and the first tag (RFC 6376 3.6.1)", v->value);
	if (rc == 0)
		rc = key_k(vouch__dkim_tag(&tl, "k"), out, why, whylen);
	if (rc == 0)
		rc = key_p(vouch__dkim_tag(&tl, "p"), a, out, why, whylen);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	key_h(vouch__dkim_tag(&tl, "h"), out);
	key_s(vouch__dkim_tag(&tl, "s"), out);
	key_t(vouch__dkim_tag(&tl, "t"), out);
	return 0;
}
