/*
 * dkim_keycache.c - key records already parsed, by their text.  The same
 * few records (a domain's selectors) sign most mail; parsing one means a
 * tag list and a base64 p= of some 400 octets.  A record that parsed is
 * kept with its decoded key, up to KEYCACHE_SIZE of them, replaced in
 * turn; a record that did not is parsed again each time, so its reason
 * is always written afresh.  The answer is the parse's, always: the
 * cache is keyed by the record's exact octets.
 *
 * Ownership: entries are the module's; a hit copies the key's octets
 * into the caller's arena under the lock, so an entry replaced at once
 * by another thread leaves the caller's copy whole.
 */
#include <pthread.h>
#include <string.h>

#include "dkim/dkim_tags.h"

#define KEYCACHE_SIZE 64
#define KEYCACHE_TXT_MAX 2048	/* longer records are not kept */

struct keycache_ent {
	char *txt;		/* the record; NULL: empty slot */
	size_t len;
	size_t hash;
	struct dkim_key key;	/* key.p points into p */
	unsigned char *p;
};

static struct keycache_ent ents[KEYCACHE_SIZE];
static size_t ent_next;
static pthread_mutex_t ents_mu = PTHREAD_MUTEX_INITIALIZER;

/* 1: found, *out filled (p copied into a); 0: not there; ENOMEM. */
static int
lookup(const char *txt, size_t len, size_t h, struct vouch__arena *a,
    struct dkim_key *out)
{
	const struct keycache_ent *e;
	int rc = 0;
	size_t i;

	pthread_mutex_lock(&ents_mu);
	for (i = 0; i < KEYCACHE_SIZE; i++) {
		e = &ents[i];
		if (e->txt == NULL || e->hash != h || e->len != len ||
		    memcmp(e->txt, txt, len) != 0)
			continue;
		*out = e->key;
		rc = 1;
		if (e->p != NULL && (out->p = vouch__arena_memdup(a, e->p,
		    e->key.plen)) == NULL)
			rc = VOUCH_ENOMEM;
		break;
	}
	pthread_mutex_unlock(&ents_mu);
	return rc;
}

/* Keep a parsed record; on any shortage simply keep nothing. */
static void
keep(const char *txt, size_t len, size_t h, const struct dkim_key *k)
{
	struct keycache_ent n, old;

	memset(&n, 0, sizeof(n));
	n.len = len;
	n.hash = h;
	n.key = *k;
	if ((n.txt = vouch__memdup(txt, len)) == NULL)
		return;
	if (k->p != NULL && (n.p = vouch__memdup(k->p, k->plen)) == NULL) {
		vouch__free(n.txt);
		return;
	}
	n.key.p = n.p;
	pthread_mutex_lock(&ents_mu);
	old = ents[ent_next];
	ents[ent_next] = n;
	ent_next = (ent_next + 1) % KEYCACHE_SIZE;
	pthread_mutex_unlock(&ents_mu);
	vouch__free(old.txt);
	vouch__free(old.p);
}

int
vouch__dkim_key_parse_cached(const char *txt, size_t len,
    struct vouch__arena *a, struct dkim_key *out, char *why, size_t whylen)
{
	size_t h;
	int rc;

	if (txt == NULL || a == NULL || len > KEYCACHE_TXT_MAX)
		return vouch__dkim_key_parse(txt, len, a, out, why, whylen);
	h = vouch__hash_bytes(txt, len);
	if ((rc = lookup(txt, len, h, a, out)) != 0)
		return rc == 1 ? 0 : rc;
	rc = vouch__dkim_key_parse(txt, len, a, out, why, whylen);
	if (rc == 0)
		keep(txt, len, h, out);
	return rc;
}
