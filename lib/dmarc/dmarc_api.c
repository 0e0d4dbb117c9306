/*
 * dmarc_api.c - the public entry points of lib/dmarc/ that own memory:
 * vouch_dmarc_check() (one method, or shadow), vouch_dmarc_discover(),
 * and the names of results and methods.
 */
#include <string.h>

#include "dmarc/dmarc_int.h"

#define ARENA_MAX (4u * 1024u * 1024u)

struct eval_owner {
	struct vouch_dmarc_eval ev;	/* first: the public pointer */
	struct vouch__arena arena;
	struct dmarc_cache cache;
};

struct disc_owner {
	struct vouch_dmarc_discovery d;	/* first: the public pointer */
	struct vouch__arena arena;
	struct dmarc_cache cache;
};

int
vouch_dmarc_check(struct vouch_dns *dns,
    const struct vouch_dmarc_request *req,
    const struct vouch_dmarc_options *opts, struct vouch_dmarc_eval **out,
    struct vouch_error *err)
{
	static const struct vouch_dmarc_options defaults;
	struct eval_owner *o;
	struct vouch_dmarc_eval *sh;
	enum vouch_dmarc_mode mode;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (dns == NULL || req == NULL || out == NULL ||
	    (req->ndkim > 0 && req->dkim == NULL))
		return vouch__error(err, VOUCH_EINVAL, 0, "vouch_dmarc_check: "
		    "missing argument");
	if (opts == NULL)
		opts = &defaults;
	mode = opts->mode;
	if ((o = vouch__calloc(1, sizeof(*o))) == NULL)
		return VOUCH_ENOMEM;
	vouch__arena_init(&o->arena, ARENA_MAX);
	vouch__dmarc_cache_init(&o->cache, dns, opts, &o->arena);
	rc = vouch__dmarc_eval_method(&o->cache, mode == VOUCH_DMARC_MODE_RFC7489
	    ? VOUCH_DMARC_RFC7489 : VOUCH_DMARC_RFC9989, req, &o->ev);
	if (rc == 0 && mode == VOUCH_DMARC_MODE_SHADOW) {
		if ((sh = vouch__arena_alloc(&o->arena, sizeof(*sh))) == NULL)
			rc = VOUCH_ENOMEM;
		else if ((rc = vouch__dmarc_eval_method(&o->cache,
		    VOUCH_DMARC_RFC7489, req, sh)) == 0) {
			o->ev.shadow = sh;
			rc = vouch__dmarc_diff(&o->arena, &o->ev, sh);
		}
	}
	if (rc != 0) {
		vouch_dmarc_eval_free(&o->ev);
		return rc == VOUCH_ENOMEM ? rc : vouch__error(err, rc, 0,
		    "DMARC evaluation failed: %s", vouch_strerror(rc));
	}
	*out = &o->ev;
	return 0;
}

void
vouch_dmarc_eval_free(struct vouch_dmarc_eval *ev)
{
	struct eval_owner *o = (struct eval_owner *)ev;

	if (ev == NULL)
		return;
	vouch__dmarc_cache_free(&o->cache);
	vouch__arena_free(&o->arena);
	vouch__free(o);
}

int
vouch_dmarc_discover(struct vouch_dns *dns, const char *domain,
    enum vouch_dmarc_method method, const struct vouch_dmarc_options *opts,
    struct vouch_dmarc_discovery **out, struct vouch_error *err)
{
	struct vouch_dmarc_discovery *d;
	struct disc_owner *o;
	char buf[256];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (dns == NULL || domain == NULL || out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "vouch_dmarc_discover"
		    ": missing argument");
	if (vouch_domain_to_alabel(domain, strlen(domain), buf,
	    sizeof(buf)) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "\"%.80s\" is not a "
		    "domain name", domain);
	if ((o = vouch__calloc(1, sizeof(*o))) == NULL)
		return VOUCH_ENOMEM;
	vouch__arena_init(&o->arena, ARENA_MAX);
	vouch__dmarc_cache_init(&o->cache, dns, opts, &o->arena);
	rc = vouch__dmarc_discover(&o->cache, method, buf, &d);
	if (rc != 0) {
		vouch_dmarc_discovery_free(&o->d);
		return rc == VOUCH_ENOMEM ? rc : vouch__error(err, rc, 0,
		    "DMARC discovery for %s failed: %s", buf,
		    vouch_strerror(rc));
	}
	o->d = *d;
	*out = &o->d;
	return 0;
}

void
vouch_dmarc_discovery_free(struct vouch_dmarc_discovery *d)
{
	struct disc_owner *o = (struct disc_owner *)d;

	if (d == NULL)
		return;
	vouch__dmarc_cache_free(&o->cache);
	vouch__arena_free(&o->arena);
	vouch__free(o);
}

const char *
vouch_dmarc_result_name(enum vouch_dmarc_result r)
{
	switch (r) {
	case VOUCH_DMARC_NONE:
		return "none";
	case VOUCH_DMARC_PASS:
		return "pass";
	case VOUCH_DMARC_FAIL:
		return "fail";
	case VOUCH_DMARC_TEMPERROR:
		return "temperror";
	case VOUCH_DMARC_PERMERROR:
		return "permerror";
	}
	return "permerror";
}

const char *
vouch_dmarc_method_name(enum vouch_dmarc_method m)
{
	return m == VOUCH_DMARC_RFC7489 ? "rfc7489" : "rfc9989";
}
