/*
 * dmarc_psl.c - the Public Suffix List for RFC 7489 organizational
 * domains (section 3.2), through libpsl.
 */
#include <pthread.h>
#include <string.h>

#include <libpsl.h>

#include "vouch/dmarc.h"
#include "util/util.h"

struct vouch_psl {
	const psl_ctx_t *ctx;
	psl_ctx_t *owned;	/* ctx when loaded here; NULL: libpsl's */
	unsigned long gen;	/* this list's number for the memo */
};

static struct vouch_psl psl_default;
static pthread_once_t psl_default_once = PTHREAD_ONCE_INIT;
/* Every list loaded gets a new number, so a memo never answers from a
 * freed list whose memory a new one reuses. */
static unsigned long psl_gen;

static void
default_load(void)
{
	/* Loaded once and kept for the life of the process. */
	psl_default.gen = __atomic_add_fetch(&psl_gen, 1, __ATOMIC_RELAXED);
	psl_default.ctx = psl_latest(NULL);
	if (psl_default.ctx == NULL)
		psl_default.ctx = psl_builtin();
}

int
vouch_psl_load(const char *path, struct vouch_psl **out,
    struct vouch_error *err)
{
	struct vouch_psl *p;

	*out = NULL;
	if ((p = vouch__calloc(1, sizeof(*p))) == NULL)
		return VOUCH_ENOMEM;
	p->owned = path != NULL ? psl_load_file(path) : psl_latest(NULL);
	p->ctx = p->owned;
	p->gen = __atomic_add_fetch(&psl_gen, 1, __ATOMIC_RELAXED);
	if (p->ctx == NULL) {
		vouch__free(p);
		return vouch__error(err, VOUCH_EIO, 0, "%s: cannot read it as "
		    "a Public Suffix List", path != NULL ? path :
		    "the system Public Suffix List");
	}
	*out = p;
	return 0;
}

void
vouch_psl_free(struct vouch_psl *psl)
{
	if (psl == NULL)
		return;
	psl_free(psl->owned);
	vouch__free(psl);
}

int
vouch_psl_org_domain(const struct vouch_psl *psl, const char *domain,
    char *buf, size_t buflen)
{
	/* The same few names (From, MAIL FROM and d= domains) come again
	 * and again: the memo keeps where the registrable part starts. */
	static _Thread_local struct vouch__memo memo;
	const char *reg;
	int at;

	if (domain == NULL || *domain == '\0' || buf == NULL ||
	    *domain == '.' || strstr(domain, "..") != NULL)
		return VOUCH_ESYNTAX;
	if (psl == NULL) {
		pthread_once(&psl_default_once, default_load);
		psl = &psl_default;
	}
	if (psl->ctx == NULL)
		return VOUCH_EINTERNAL;
	/* Public suffix plus one label; a name that is itself a public
	 * suffix has none, and is its own organizational domain. */
	if (vouch__memo_get(&memo, psl->gen, domain, &at)) {
		reg = domain + at;
	} else {
		reg = psl_registrable_domain(psl->ctx, domain);
		if (reg == NULL)
			reg = domain;
		vouch__memo_put(&memo, psl->gen, domain, (int)(reg - domain));
	}
	if (strlen(reg) >= buflen)
		return VOUCH_ELIMIT;
	memcpy(buf, reg, strlen(reg) + 1);
	return 0;
}
