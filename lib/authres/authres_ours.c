/*
 * authres_ours.c - which Authentication-Results fields claim our
 * authserv-id (RFC 8601 5: they must be removed on the way in, and only
 * fields from trusted ids are ever believed, SECURITY.md), and property
 * lookup in a parsed result.
 *
 * A field is ours when its authserv-id equals ours ignoring ASCII case,
 * or when both read as the same domain name in A-label form (RFC 8601 5:
 * EAI fields are compared after converting labels; a final dot does not
 * make another name).  Whether or not the value parses, it is also ours
 * when what a lenient reader could take for its authserv-id is: after
 * white space and balanced comments, the quoted-string (or, if it is not
 * closed, its start), the RFC 2045 token, or the run up to white space,
 * ";", "(" or a quote; or the first word before any comment is skipped.
 * A sender must not keep a forged field by breaking its syntax, and
 * removing a field that no reader attributes to us costs nothing.
 */
#include <string.h>

#include "authres/authres_int.h"

#define NAME "Authentication-Results"

static int
same_id(const char *a, size_t alen, const char *id)
{
	char x[256], y[256];

	if (vouch__memcaseeq(a, alen, id))
		return 1;
	return alen > 0 && vouch_domain_to_alabel(a, alen, x, sizeof(x)) ==
	    0 && vouch_domain_to_alabel(id, strlen(id), y, sizeof(y)) == 0 &&
	    strcmp(x, y) == 0;
}

/* The quoted-string content at s (after '"') equals id, ignoring case;
 * an unclosed quote runs to the end. */
static int
quoted_is(const char *s, size_t len, const char *id)
{
	size_t i, j = 0;

	for (i = 0; i < len && s[i] != '"'; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '\\' && i + 1 < len)
			i++;
		if (id[j] == '\0' || vouch__tolower((unsigned char)s[i]) !=
		    vouch__tolower((unsigned char)id[j]))
			return 0;
		j++;
	}
	return id[j] == '\0';
}

/* Past white space and balanced comments (an unclosed one is left). */
static size_t
skip_cfws(const char *s, size_t len)
{
	size_t i = 0, j, depth;

	while (i < len) {
		if (strchr(" \t\r\n", s[i]) != NULL && s[i] != '\0') {
			i++;
			continue;
		}
		if (s[i] != '(')
			break;
		for (j = i, depth = 0; j < len; j++) {
			if (s[j] == '\\')
				j++;
			else if (s[j] == '(')
				depth++;
			else if (s[j] == ')' && --depth == 0)
				break;
		}
		if (j >= len)
			break;
		i = j + 1;
	}
	return i;
}

static size_t
run(const char *s, size_t len, int token)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (token ? !vouch__ar_is_token(c) : c <= 0x20 || c == ';' ||
		    c == '(' || c == '"' || c == 0x7f)
			break;
	}
	return i;
}

/* What a lenient reader might take for the authserv-id of s. */
static int
lenient_claims(const char *s, size_t len, const char *id)
{
	size_t i = skip_cfws(s, len), w = 0;

	while (w < len && (s[w] == ' ' || s[w] == '\t'))
		w++;
	if (same_id(s + w, run(s + w, len - w, 0), id))
		return 1;
	if (i < len && s[i] == '"')
		return quoted_is(s + i + 1, len - i - 1, id) ||
		    same_id(s + i + 1, run(s + i + 1, len - i - 1, 0), id);
	return same_id(s + i, run(s + i, len - i, 1), id) ||
	    same_id(s + i, run(s + i, len - i, 0), id);
}

/* 1 when the field value claims id, 0 when not, or VOUCH_ENOMEM. */
static int
claims(const char *value, size_t len, const char *id)
{
	struct vouch_authres *ar = NULL;
	int rc = vouch_authres_parse(value, len, &ar, NULL);

	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc == 0) {
		rc = same_id(ar->authserv_id, strlen(ar->authserv_id), id);
		vouch_authres_free(ar);
		if (rc)
			return 1;
	}
	return lenient_claims(value, len, id);
}

int
vouch_authres_ours(const struct vouch_msg *msg, const char *authserv_id,
    size_t **idx, size_t *n)
{
	const struct vouch_msg_field *f;
	size_t i, occ = 0, cap = 0, *v = NULL, *nv;
	int rc = 0;

	if (idx == NULL || n == NULL)
		return VOUCH_EINVAL;
	*idx = NULL;
	*n = 0;
	if (authserv_id == NULL || authserv_id[0] == '\0')
		return VOUCH_EINVAL;
	for (i = 0; (f = vouch_msg_field(msg, i)) != NULL; i++) {
		if (!vouch__memcaseeq(f->name, f->name_len, NAME))
			continue;
		occ++;
		if ((rc = claims(f->value, f->value_len, authserv_id)) < 0)
			goto fail;
		if (rc == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			nv = vouch__realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = VOUCH_ENOMEM;
				goto fail;
			}
			v = nv;
		}
		v[(*n)++] = occ;
	}
	*idx = v;
	return 0;
fail:
	vouch__free(v);
	*n = 0;
	return rc;
}

const char *
vouch_authres_prop(const struct vouch_authres_result *r, const char *ptype,
    const char *property)
{
	size_t i;

	if (r == NULL || ptype == NULL || property == NULL)
		return NULL;
	for (i = 0; i < r->nprops; i++)
		if (vouch__strcaseeq(r->props[i].ptype, ptype) &&
		    vouch__strcaseeq(r->props[i].property, property))
			return r->props[i].value;
	return NULL;
}
