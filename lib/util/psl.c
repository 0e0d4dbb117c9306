/*
 * psl.c - is a name a public suffix?  Backed by libpsl with the newest of
 * its built-in list and Debian's publicsuffix package data, loaded once
 * per process.  Only ICANN rules count and the implicit "*" rule does
 * not: an unlisted TLD (".test", ".example") is not a public suffix, so
 * test domains stay usable.
 */
#include <pthread.h>

#include <libpsl.h>

#include "util/util.h"

static psl_ctx_t *psl_loaded;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void
psl_load(void)
{
	psl_loaded = psl_latest(NULL);
}

int
vouch__is_public_suffix(const char *domain)
{
	const psl_ctx_t *psl;

	pthread_once(&psl_once, psl_load);
	psl = psl_loaded != NULL ? psl_loaded : psl_builtin();
	if (psl == NULL || domain == NULL)
		return 0;
	return psl_is_public_suffix2(psl, domain,
	    PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}
