/*
 * audit_dkim.c - the DKIM part of the audit: the key records at the
 * selectors the caller names and at those the sender knowledge lists for
 * common services (a probe: finding nothing there proves nothing, since
 * selectors can be any name).  Each key is read by the verifier's own
 * parser (RFC 6376 3.6.1, RFC 8463 4) and loaded as the verifier loads
 * it; then its size is judged by RFC 8301 3.2 and its flags by 3.6.1.
 */
#include <string.h>

#include "audit/audit_int.h"
#include "crypto/crypto.h"
#include "dkim/dkim_tags.h"

struct dkim_list {
	const char *sel[AUDIT_SELECTORS_MAX];
	int probed[AUDIT_SELECTORS_MAX];
	size_t n;
};

static void
add_sel(struct dkim_list *l, const char *s, int probed)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (vouch__strcaseeq(l->sel[i], s))
			return;
	if (l->n < AUDIT_SELECTORS_MAX) {
		l->sel[l->n] = s;
		l->probed[l->n++] = probed;
	}
}

/* The loaded key: its type, size, and findings about its size. */
static void
key_checks(struct audit_ctx *c, struct vouch_audit_dkim *o,
    const struct dkim_key *k, const char *name)
{
	enum vouch__pktype t = k->type == DKIM_KEY_ED25519 ? VOUCH_PK_ED25519 :
	    VOUCH_PK_RSA;
	struct vouch__pkey *pk = NULL;
	int rc;

	o->key_type = t == VOUCH_PK_ED25519 ? "ed25519" : "rsa";
	rc = vouch__pkey_public(t, k->p, k->plen, &pk);
	if (rc == VOUCH_ENOMEM) {
		c->nomem = 1;
		return;
	}
	if (rc != 0 && t == VOUCH_PK_ED25519 && k->plen != 32)
		vouch__audit_add(c, "dkim-ed25519-length", -1, name, "publish "
		    "the raw 32-byte Ed25519 public key in p=, base64-encoded "
		    "(44 characters), not a SubjectPublicKeyInfo", "the "
		    "Ed25519 key at %s is %zu bytes; RFC 8463 4 makes it the "
		    "32 bytes of the key itself", name, k->plen);
	else if (rc != 0)
		vouch__audit_add(c, "dkim-bad-key", -1, name, "publish the "
		    "public key again, copied whole from the key pair", "p= at "
		    "%s decodes to no %s public key: receivers return "
		    "permerror (RFC 6376 3.6.1)", name, o->key_type);
	if (rc != 0)
		return;
	o->key_bits = vouch__pkey_bits(pk);
	vouch__pkey_free(pk);
	if (t != VOUCH_PK_RSA)
		return;
	if (o->key_bits < AUDIT_RSA_MIN)
		vouch__audit_add(c, "dkim-key-too-short", -1, name, "make a "
		    "2048-bit key (vouch dkim keygen --bits 2048) and publish "
		    "it at a new selector", "the RSA key at %s has %u bits; "
		    "receivers MUST NOT accept signatures with keys under 1024 "
		    "bits (RFC 8301 3.2)", name, o->key_bits);
	else if (o->key_bits < AUDIT_RSA_GOOD)
		vouch__audit_add(c, "dkim-key-short", -1, name, "make a "
		    "2048-bit key (vouch dkim keygen --bits 2048) and publish "
		    "it at a new selector", "the RSA key at %s has %u bits; "
		    "signers SHOULD use at least 2048 (RFC 8301 3.2)", name,
		    o->key_bits);
	else if (o->key_bits > AUDIT_RSA_LARGE)
		vouch__audit_add(c, "dkim-key-too-large", o->key_bits >
		    VOUCH_DKIM_RSA_MAX_BITS ? VOUCH_AUDIT_ERROR : -1, name,
		    "use a 2048-bit key", "the RSA key at %s has %u bits; "
		    "receivers need only handle up to 4096 (RFC 8301 3.2) and "
		    "some refuse more", name, o->key_bits);
}

static void
flag_checks(struct audit_ctx *c, const struct dkim_key *k, const char *name)
{
	if (k->testing)
		vouch__audit_add(c, "dkim-testing", -1, name, "remove t=y from "
		    "the key record once signing works", "the key at %s has "
		    "t=y: the domain says it is testing DKIM, and receivers "
		    "may treat its signatures as unsigned (RFC 6376 3.6.1)",
		    name);
	if (!k->hash_sha256)
		vouch__audit_add(c, "dkim-sha1-only", -1, name, "remove h= or "
		    "set h=sha256", "the key at %s allows only SHA-1, which "
		    "signers MUST NOT use and receivers refuse (RFC 8301 3.1)",
		    name);
	if (!k->service_email)
		vouch__audit_add(c, "dkim-not-for-email", -1, name, "remove s= "
		    "or set s=email", "the key at %s is not for email (s= "
		    "without \"email\" or \"*\"): receivers ignore it (RFC "
		    "6376 3.6.1)", name);
}

/* One key record at name into o. */
static void
key_record(struct audit_ctx *c, struct vouch_audit_dkim *o,
    const struct audit_txt *tx, const char *name)
{
	struct dkim_key k;
	char why[256] = "";
	int rc;

	o->record = tx->rec[0];
	if (tx->n > 1)
		vouch__audit_add(c, "dkim-several-records", -1, name, "keep one "
		    "TXT record at the selector", "%s has %zu TXT records; "
		    "with more than one the result is undefined (RFC 6376 "
		    "3.6.2.2)", name, tx->n);
	rc = vouch__dkim_key_parse(tx->rec[0], tx->len[0], c->ar, &k, why,
	    sizeof(why));
	if (rc == VOUCH_ENOMEM) {
		c->nomem = 1;
		return;
	}
	if (rc != 0) {
		vouch__audit_add(c, "dkim-malformed", -1, tx->rec[0], "publish "
		    "the record your signing software gives (\"v=DKIM1; "
		    "k=rsa; p=...\"), base64 without quotes or spaces in p=",
		    "the key record at %s is malformed: %s; receivers return "
		    "permerror", name, why);
		return;
	}
	o->testing = k.testing;
	o->revoked = k.revoked;
	flag_checks(c, &k, name);
	if (k.revoked) {
		o->key_type = k.type == DKIM_KEY_ED25519 ? "ed25519" : "rsa";
		vouch__audit_add(c, "dkim-revoked", -1, name, NULL, "the key at "
		    "%s is revoked (empty p=): signatures with selector %s "
		    "fail (RFC 6376 3.6.1)", name, o->selector);
		return;
	}
	key_checks(c, o, &k, name);
}

/* One selector; returns 1 when it was listed in the result. */
static int
selector(struct audit_ctx *c, const char *sel, int probed,
    struct vouch_audit_dkim *o)
{
	struct audit_txt tx;
	const char *name;

	name = vouch__audit_fmt(c, "%s._domainkey.%s", sel, c->domain);
	if (name == NULL)
		return 0;
	if (vouch__audit_txt(c, name, NULL, &tx) != 0) {
		c->nomem = 1;
		return 0;
	}
	memset(o, 0, sizeof(*o));
	o->selector = vouch__audit_strdup(c, sel);
	o->probed = probed;
	if (tx.status == VOUCH_DNS_RETRY) {
		vouch__audit_add(c, "dkim-dns-error", -1, name, NULL, "the "
		    "lookup of %s TXT failed (%s)", name, tx.reason);
		return 1;
	}
	if (tx.n == 0) {
		if (!probed)
			vouch__audit_add(c, "dkim-not-found", -1, name, "publish "
			    "the key record your signing software gives for "
			    "this selector", "no DKIM key record at %s: "
			    "signatures with selector %s fail (permerror)",
			    name, sel);
		return !probed;
	}
	key_record(c, o, &tx, name);
	return 1;
}

static void
probe_list(struct audit_ctx *c, struct dkim_list *l)
{
	const struct vouch_senders *s = c->opts->probe;
	const struct vouch_sender_service *svc;
	size_t i, j;

	for (i = 0; i < c->opts->nselectors; i++)
		add_sel(l, c->opts->selectors[i], 0);
	for (i = 0; s != NULL && i < vouch_senders_count(s); i++) {
		svc = vouch_senders_at(s, i);
		for (j = 0; j < svc->nselectors; j++)
			add_sel(l, svc->selectors[j], 1);
	}
}

int
vouch__audit_dkim(struct audit_ctx *c)
{
	struct vouch_audit_dkim *out;
	struct dkim_list l;
	size_t i, n = 0, found = 0;

	memset(&l, 0, sizeof(l));
	probe_list(c, &l);
	if (l.n == 0)
		return 0;
	if ((out = vouch__arena_alloc(c->ar, l.n * sizeof(*out))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < l.n && !c->nomem; i++)
		if (selector(c, l.sel[i], l.probed[i], &out[n])) {
			found += out[n].record != NULL;
			n++;
		}
	c->a->dkim = out;
	c->a->ndkim = n;
	if (found == 0 && c->opts->nselectors == 0)
		vouch__audit_add(c, "dkim-none-found", -1, NULL, "give the "
		    "selectors your senders use (the s= of a DKIM-Signature) "
		    "with --selectors", "no DKIM key at the %zu selectors "
		    "probed: a probe is not proof of absence, selectors can "
		    "have any name", l.n);
	return c->nomem ? VOUCH_ENOMEM : 0;
}
