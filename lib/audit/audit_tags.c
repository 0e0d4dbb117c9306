/*
 * audit_tags.c - "name=value; name=value" records: the MTA-STS TXT record
 * (RFC 8461 3.1), the TLS-RPT record (RFC 8460 3) and the BIMI assertion
 * record (draft-brand-indicators-for-message-identification 4.2).  All
 * three allow WSP around ";" and "=" and one final ";"; they are checked
 * here only as far as their common shape goes, each area checks its own
 * tags.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit_int.h"

static int
wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) with WSP cut from both ends, copied into the arena. */
static const char *
trimmed(struct vouch__arena *a, const char *s, size_t n)
{
	while (n > 0 && wsp((unsigned char)s[0])) {
		s++;
		n--;
	}
	while (n > 0 && wsp((unsigned char)s[n - 1]))
		n--;
	return vouch__arena_strndup(a, s, n);
}

static int
bad(char *why, size_t whylen, const char *what, const char *s, size_t n)
{
	snprintf(why, whylen, "%s: \"%.*s\"", what, (int)(n > 60 ? 60 : n),
	    s);
	return VOUCH_ESYNTAX;
}

static int
one_tag(struct vouch__arena *a, const char *s, size_t n,
    struct audit_tags *out, char *why, size_t whylen)
{
	const char *eq = memchr(s, '=', n), *name;
	struct audit_tag *t;
	size_t i;

	if (eq == NULL)
		return bad(why, whylen, "a part without \"=\"", s, n);
	if (out->n == AUDIT_TAGS_MAX)
		return bad(why, whylen, "too many tags at", s, n);
	t = &out->tag[out->n];
	name = trimmed(a, s, (size_t)(eq - s));
	t->value = trimmed(a, eq + 1, n - (size_t)(eq - s) - 1);
	if (name == NULL || t->value == NULL)
		return VOUCH_ENOMEM;
	if (*name == '\0')
		return bad(why, whylen, "a tag without a name", s, n);
	for (i = 0; name[i] != '\0'; i++)
		if (wsp((unsigned char)name[i]))
			return bad(why, whylen, "a space inside a tag name", s,
			    n);
	if (vouch__audit_tag(out, name) != NULL)
		return bad(why, whylen, "a tag given twice", s, n);
	t->name = name;
	out->n++;
	return 0;
}

int
vouch__audit_tags(struct vouch__arena *a, const char *s,
    struct audit_tags *out, char *why, size_t whylen)
{
	const char *semi;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		semi = strchr(s, ';');
		n = semi ? (size_t)(semi - s) : strlen(s);
		/* only the last part (after a final ";") may be empty */
		if (strspn(s, " \t") >= n) {
			if (semi == NULL && out->n > 0)
				return 0;
			return bad(why, whylen, "an empty part", s, n);
		}
		if ((rc = one_tag(a, s, n, out, why, whylen)) != 0)
			return rc;
		if (semi == NULL)
			return 0;
		s = semi + 1;
	}
}

const char *
vouch__audit_tag(const struct audit_tags *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->tag[i].name, name) == 0)
			return t->tag[i].value;
	return NULL;
}

int
vouch__audit_scheme(const char *s, const char *scheme)
{
	return vouch__strncaseeq(s, scheme, strlen(scheme));
}

const char *
vouch__audit_tagged(struct audit_ctx *c, const struct audit_kind *k,
    const char **name, struct audit_tags *t, char *why, size_t whylen)
{
	const char *rec;
	char prefix[32];
	int rc;

	snprintf(prefix, sizeof(prefix), "v=%s", k->version);
	if ((*name = vouch__audit_fmt(c, "%s.%s", k->label, c->domain)) ==
	    NULL || (rec = vouch__audit_one(c, *name, prefix, k->area, k->what,
	    k->rfc)) == NULL)
		return NULL;
	why[0] = '\0';
	rc = vouch__audit_tags(c->ar, rec, t, why, whylen);
	if (rc == VOUCH_ENOMEM) {
		c->nomem = 1;
		return NULL;
	}
	if (rc == 0 && (strcmp(t->tag[0].name, "v") != 0 ||
	    strcmp(t->tag[0].value, k->version) != 0))
		snprintf(why, whylen, "%s must come first, exactly", prefix);
	return rec;
}
