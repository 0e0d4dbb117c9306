/*
 * dns_overlay.c - a zone in front of another backend ("what if I publish
 * this record?").  The zone answers when it has records of the asked type
 * at the name (after its own CNAMEs) or a $TIMEOUT/$SERVFAIL for it, that
 * is, when its status is FOUND or RETRY; for NXDOMAIN and NODATA the
 * fallback is asked the same question.  Both backends are called directly,
 * so their own query logs stay untouched; the overlay's handle logs.
 */
#include "dns_int.h"

struct overlay {
	struct vouch_dns *zone;
	struct vouch_dns *fallback;
};

static int
ask(struct vouch_dns *d, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	return vouch__dns_methods(d)->query(vouch__dns_impl(d), name, type,
	    out);
}

static int
overlay_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct overlay *o = impl;
	int rc;

	*out = NULL;
	if ((rc = ask(o->zone, name, type, out)) != 0)
		return rc;
	if ((*out)->status == VOUCH_DNS_FOUND ||
	    (*out)->status == VOUCH_DNS_RETRY)
		return 0;
	vouch_dns_answer_free(*out);
	*out = NULL;
	return ask(o->fallback, name, type, out);
}

static void
overlay_destroy(void *impl)
{
	struct overlay *o = impl;

	vouch_dns_free(o->zone);
	vouch_dns_free(o->fallback);
	vouch__free(o);
}

static const struct vouch_dns_methods overlay_methods = {
	VOUCH_DNS_METHODS_VERSION, "overlay", overlay_query, overlay_destroy
};

int
vouch_dns_overlay_new(struct vouch_dns *zone, struct vouch_dns *fallback,
    struct vouch_dns **out)
{
	struct overlay *o = NULL;
	int rc = VOUCH_EINVAL;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || zone == NULL || fallback == NULL)
		goto fail;
	rc = VOUCH_ENOMEM;
	if ((o = vouch__calloc(1, sizeof(*o))) == NULL)
		goto fail;
	o->zone = zone;
	o->fallback = fallback;
	if ((rc = vouch_dns_new(&overlay_methods, o, out)) != 0)
		goto fail;
	return 0;
fail:
	vouch__free(o);
	vouch_dns_free(zone);
	vouch_dns_free(fallback);
	return rc;
}
