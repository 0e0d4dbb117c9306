/*
 * dns.c - the DNS handle: a backend's methods and state, the one entry
 * point vouch_dns_query() that checks names before any backend sees them,
 * and the query log.
 *
 * The log lives in its own allocation so that the const accessors can
 * take its mutex.  Entries sit in fixed blocks that never move, so a
 * pointer from vouch_dns_log_get() stays valid while other threads keep
 * querying; only vouch_dns_log_clear() and vouch_dns_free() end it.
 */
#include <pthread.h>
#include <string.h>

#include "dns_int.h"

#define LOG_BLOCK 256		/* entries per block */
#define LOG_MAX (1UL << 20)	/* entries kept; later queries are not */

struct dns_log {
	pthread_mutex_t mtx;
	int on;
	size_t count;
	struct vouch_dns_logent **blocks;
	size_t nblocks;
	struct vouch__arena names;
};

struct vouch_dns {
	const struct vouch_dns_methods *m;
	void *impl;
	struct dns_log *log;
};

int
vouch_dns_new(const struct vouch_dns_methods *methods, void *impl,
    struct vouch_dns **out)
{
	struct vouch_dns *d;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (methods == NULL || methods->query == NULL)
		return VOUCH_EINVAL;
	if (methods->version != VOUCH_DNS_METHODS_VERSION)
		return VOUCH_EUNSUPPORTED;
	if ((d = vouch__calloc(1, sizeof(*d))) == NULL)
		return VOUCH_ENOMEM;
	if ((d->log = vouch__calloc(1, sizeof(*d->log))) == NULL)
		goto fail;
	if (pthread_mutex_init(&d->log->mtx, NULL) != 0)
		goto fail;
	vouch__arena_init(&d->log->names, 0);
	d->m = methods;
	d->impl = impl;
	*out = d;
	return 0;
fail:
	vouch__free(d->log);
	vouch__free(d);
	return VOUCH_ENOMEM;
}

/* Caller holds the mutex. */
static void
log_release(struct dns_log *l)
{
	size_t i;

	for (i = 0; i < l->nblocks; i++)
		vouch__free(l->blocks[i]);
	vouch__free(l->blocks);
	l->blocks = NULL;
	l->nblocks = 0;
	l->count = 0;
	vouch__arena_free(&l->names);
}

void
vouch_dns_free(struct vouch_dns *dns)
{
	if (dns == NULL)
		return;
	if (dns->m->destroy != NULL)
		dns->m->destroy(dns->impl);
	log_release(dns->log);
	pthread_mutex_destroy(&dns->log->mtx);
	vouch__free(dns->log);
	vouch__free(dns);
}

const char *
vouch_dns_backend(const struct vouch_dns *dns)
{
	return dns != NULL && dns->m->name != NULL ? dns->m->name : "";
}

const struct vouch_dns_methods *
vouch__dns_methods(const struct vouch_dns *d)
{
	return d->m;
}

void *
vouch__dns_impl(const struct vouch_dns *d)
{
	return d->impl;
}

/* Make room for entry l->count.  Caller holds the mutex. */
static int
log_grow(struct dns_log *l)
{
	struct vouch_dns_logent **nb;

	if (l->count < l->nblocks * LOG_BLOCK)
		return 0;
	nb = vouch__realloc(l->blocks, (l->nblocks + 1) * sizeof(*nb));
	if (nb == NULL)
		return VOUCH_ENOMEM;
	l->blocks = nb;
	nb[l->nblocks] = vouch__calloc(LOG_BLOCK, sizeof(**nb));
	if (nb[l->nblocks] == NULL)
		return VOUCH_ENOMEM;
	l->nblocks++;
	return 0;
}

static int
log_add(struct dns_log *l, const char *name, uint16_t type,
    const struct vouch_dns_answer *ans)
{
	struct vouch_dns_logent *e;
	const char *n;
	int rc = 0;

	pthread_mutex_lock(&l->mtx);
	if (!l->on || l->count >= LOG_MAX)
		goto out;
	if ((rc = log_grow(l)) != 0)
		goto out;
	if ((n = vouch__arena_strdup(&l->names, name)) == NULL) {
		rc = VOUCH_ENOMEM;
		goto out;
	}
	e = &l->blocks[l->count / LOG_BLOCK][l->count % LOG_BLOCK];
	e->name = n;
	e->type = type;
	e->status = ans->status;
	e->count = ans->count;
	l->count++;
out:
	pthread_mutex_unlock(&l->mtx);
	return rc;
}

int
vouch_dns_query(struct vouch_dns *dns, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	char canon[DNS_TEXT_MAX];

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (dns == NULL || name == NULL)
		return VOUCH_EINVAL;
	/* RFC 1035 2.3.4 limits; an empty name (or the root) is refused. */
	if (vouch__dns_name_canon(name, canon, sizeof(canon)) != 0)
		return VOUCH_EINVAL;
	return vouch__dns_query_canon(dns, canon, type, out);
}

int
vouch__dns_query_canon(struct vouch_dns *dns, const char *canon,
    uint16_t type, struct vouch_dns_answer **out)
{
	int rc;

	*out = NULL;
	rc = dns->m->query(dns->impl, canon, type, out);
	if (rc == 0 && *out == NULL)
		rc = VOUCH_EINTERNAL;
	if (rc == 0)
		rc = log_add(dns->log, canon, type, *out);
	if (rc != 0) {
		vouch_dns_answer_free(*out);
		*out = NULL;
	}
	return rc;
}

int
vouch_dns_log_enable(struct vouch_dns *dns, int on)
{
	int rc = 0;

	if (dns == NULL)
		return VOUCH_EINVAL;
	pthread_mutex_lock(&dns->log->mtx);
	dns->log->on = on != 0;
	/* Take the first block now, so that "on" is a promise we keep. */
	if (on)
		rc = log_grow(dns->log);
	if (rc != 0)
		dns->log->on = 0;
	pthread_mutex_unlock(&dns->log->mtx);
	return rc;
}

size_t
vouch_dns_log_count(const struct vouch_dns *dns)
{
	size_t n;

	if (dns == NULL)
		return 0;
	pthread_mutex_lock(&dns->log->mtx);
	n = dns->log->count;
	pthread_mutex_unlock(&dns->log->mtx);
	return n;
}

const struct vouch_dns_logent *
vouch_dns_log_get(const struct vouch_dns *dns, size_t i)
{
	const struct vouch_dns_logent *e = NULL;
	struct dns_log *l;

	if (dns == NULL)
		return NULL;
	l = dns->log;
	pthread_mutex_lock(&l->mtx);
	if (i < l->count)
		e = &l->blocks[i / LOG_BLOCK][i % LOG_BLOCK];
	pthread_mutex_unlock(&l->mtx);
	return e;
}

void
vouch_dns_log_clear(struct vouch_dns *dns)
{
	if (dns == NULL)
		return;
	pthread_mutex_lock(&dns->log->mtx);
	log_release(dns->log);
	pthread_mutex_unlock(&dns->log->mtx);
}
