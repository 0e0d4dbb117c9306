/*
 * dns_cache.c - an answer cache in front of another handle (dns.h,
 * vouch_dns_cache_new()).
 *
 * Why: libunbound keeps its own cache, but reaching it costs a round trip
 * to its worker thread (tens of microseconds), several times per SPF
 * evaluation.  Here a cached answer is a hash lookup and a copy.
 *
 * How: a chained hash table keyed by (canonical name, type), and a FIFO
 * list of the entries for eviction when full.  Expiry uses the monotonic
 * clock.  One mutex guards table and list; the inner query runs outside
 * it, so a slow lookup never blocks cached ones.  Two threads missing on
 * one key both ask the inner handle; the second insert replaces the first.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "dns_int.h"

#define CACHE_DEFAULT_ENTRIES 65536

struct centry {
	struct centry *chain;	/* next in the bucket */
	struct centry *newer;	/* FIFO: towards the newest */
	struct centry *older;
	uint32_t hash;
	uint16_t type;
	int64_t expires_ms;
	struct vouch_dns_answer *ans;
	char name[];
};

struct cache {
	struct vouch_dns *inner;
	pthread_mutex_t mtx;
	struct centry **table;
	size_t mask;		/* table size - 1, a power of two minus 1 */
	size_t count, max;
	struct centry *oldest, *newest;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
key_hash(const char *name, uint16_t type)
{
	uint32_t h = 2166136261u ^ type;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static struct centry **
find_slot(struct cache *c, const char *name, uint16_t type, uint32_t h)
{
	struct centry **pp = &c->table[h & c->mask];

	for (; *pp != NULL; pp = &(*pp)->chain)
		if ((*pp)->hash == h && (*pp)->type == type &&
		    strcmp((*pp)->name, name) == 0)
			break;
	return pp;
}

/* Unlink e (found at *pp in its bucket) and free it.  Lock held. */
static void
drop(struct cache *c, struct centry **pp)
{
	struct centry *e = *pp;

	*pp = e->chain;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->count--;
	vouch_dns_answer_free(e->ans);
	vouch__free(e);
}

/* A copy of the cached answer, or *out NULL on a miss.  */
static int
lookup(struct cache *c, const char *name, uint16_t type, uint32_t h,
    struct vouch_dns_answer **out)
{
	struct centry **pp;
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&c->mtx);
	pp = find_slot(c, name, type, h);
	if (*pp != NULL && (*pp)->expires_ms <= mono_ms())
		drop(c, pp);
	else if (*pp != NULL)
		rc = vouch__dns_answer_clone((*pp)->ans, out);
	pthread_mutex_unlock(&c->mtx);
	return rc;
}

/* How long an answer may be kept, in seconds; 0: not at all. */
static uint32_t
keep_for(const struct vouch_dns_answer *ans)
{
	if (ans->status == VOUCH_DNS_RETRY)
		return 0;
	if (ans->status != VOUCH_DNS_FOUND)
		return ans->ttl ? ans->ttl : VOUCH_DNS_CACHE_NEG_TTL;
	return ans->ttl < VOUCH_DNS_CACHE_TTL_MAX ? ans->ttl :
	    VOUCH_DNS_CACHE_TTL_MAX;
}

static void
store(struct cache *c, const char *name, uint16_t type, uint32_t h,
    const struct vouch_dns_answer *ans)
{
	size_t n = strlen(name);
	uint32_t ttl = keep_for(ans);
	struct centry *e, **pp;

	if (ttl == 0 || (e = vouch__malloc(sizeof(*e) + n + 1)) == NULL)
		return;
	if (vouch__dns_answer_clone(ans, &e->ans) != 0) {
		vouch__free(e);
		return;		/* not cached: the caller has its answer */
	}
	memcpy(e->name, name, n + 1);
	e->hash = h;
	e->type = type;
	e->expires_ms = mono_ms() + (int64_t)ttl * 1000;
	pthread_mutex_lock(&c->mtx);
	pp = find_slot(c, name, type, h);
	if (*pp != NULL)
		drop(c, pp);
	while (c->count >= c->max && c->oldest != NULL)
		drop(c, find_slot(c, c->oldest->name, c->oldest->type,
		    c->oldest->hash));
	e->chain = c->table[h & c->mask];
	c->table[h & c->mask] = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
	pthread_mutex_unlock(&c->mtx);
}

static int
cache_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct cache *c = impl;
	uint32_t h = key_hash(name, type);
	int rc;

	if ((rc = lookup(c, name, type, h, out)) != 0 || *out != NULL)
		return rc;
	if ((rc = vouch__dns_query_canon(c->inner, name, type, out)) != 0)
		return rc;
	store(c, name, type, h, *out);
	return 0;
}

static void
cache_destroy(void *impl)
{
	struct cache *c = impl;

	if (c == NULL)
		return;
	while (c->oldest != NULL)
		drop(c, find_slot(c, c->oldest->name, c->oldest->type,
		    c->oldest->hash));
	vouch__free(c->table);
	pthread_mutex_destroy(&c->mtx);
	vouch_dns_free(c->inner);
	vouch__free(c);
}

static const struct vouch_dns_methods cache_methods = {
	VOUCH_DNS_METHODS_VERSION, "cache", cache_query, cache_destroy
};

int
vouch_dns_cache_new(struct vouch_dns *inner, size_t max_entries,
    struct vouch_dns **out)
{
	struct cache *c;
	size_t size = 16;
	int rc;

	if (out == NULL || inner == NULL) {
		vouch_dns_free(inner);
		return VOUCH_EINVAL;
	}
	*out = NULL;
	if (max_entries == 0)
		max_entries = CACHE_DEFAULT_ENTRIES;
	while (size < max_entries && size < ((size_t)1 << 30))
		size *= 2;
	if ((c = vouch__calloc(1, sizeof(*c))) == NULL ||
	    (c->table = vouch__calloc(size, sizeof(*c->table))) == NULL ||
	    pthread_mutex_init(&c->mtx, NULL) != 0) {
		if (c != NULL)
			vouch__free(c->table);
		vouch__free(c);
		vouch_dns_free(inner);
		return VOUCH_ENOMEM;
	}
	c->inner = inner;
	c->mask = size - 1;
	c->max = max_entries;
	if ((rc = vouch_dns_new(&cache_methods, c, out)) != 0)
		cache_destroy(c);
	return rc;
}
