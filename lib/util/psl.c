/*
 * psl.c - is a name a public suffix?  Backed by libpsl with the newest of
 * its built-in list and Debian's publicsuffix package data, loaded once
 * per process.  Only ICANN rules count and the implicit "*" rule does
 * not: an unlisted TLD (".test", ".example") is not a public suffix, so
 * test domains stay usable.
 *
 * Also the per-thread name memo (util.h) that this lookup and RFC 7489's
 * organizational domain (lib/dmarc/dmarc_psl.c) keep their answers in.
 */
#include <pthread.h>
#include <string.h>

#include <libpsl.h>

#include "util/util.h"

static psl_ctx_t *psl_loaded;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

/* The slot for name, whose length goes to *len. */
static size_t
memo_slot(const char *name, size_t *len)
{
	*len = strlen(name);
	return vouch__hash_bytes(name, *len) % VOUCH__MEMO_SLOTS;
}

int
vouch__memo_get(const struct vouch__memo *m, unsigned long gen,
    const char *name, int *val)
{
	size_t len, i = memo_slot(name, &len);

	if (m->slot[i].gen != gen || len >= sizeof(m->slot[i].name) ||
	    memcmp(m->slot[i].name, name, len + 1) != 0)
		return 0;
	*val = m->slot[i].val;
	return 1;
}

void
vouch__memo_put(struct vouch__memo *m, unsigned long gen, const char *name,
    int val)
{
	size_t len, i = memo_slot(name, &len);

	if (len >= sizeof(m->slot[i].name))
		return;
	memcpy(m->slot[i].name, name, len + 1);
	m->slot[i].val = val;
	m->slot[i].gen = gen;
}

static void
psl_load(void)
{
	psl_loaded = psl_latest(NULL);
}

int
vouch__is_public_suffix(const char *domain)
{
	/* The same few names (the signers' d=) come again and again. */
	static _Thread_local struct vouch__memo memo;
	const psl_ctx_t *psl;
	int r;

	pthread_once(&psl_once, psl_load);
	psl = psl_loaded != NULL ? psl_loaded : psl_builtin();
	if (psl == NULL || domain == NULL)
		return 0;
	if (vouch__memo_get(&memo, 1, domain, &r))
		return r;
	r = psl_is_public_suffix2(psl, domain,
	    PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
	vouch__memo_put(&memo, 1, domain, r);
	return r;
}
