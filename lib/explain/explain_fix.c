/*
 * explain_fix.c - the SPF record a fix proposes: the published record
 * with one term added (include:service, or ip4:/ip6: of the sender's own
 * server) before its "all" or redirect=, and what the new record costs
 * in DNS lookups (RFC 7208 4.6.4), counted by the SPF engine's own tree
 * walk (lib/spf/spf_tree.h) for the include's branch.  Over 10 the fix
 * says so and what to do instead (vouch generate spf shows the ways
 * out), because a record that fails with permerror is worse than the
 * one it replaces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/explain_int.h"
#include "spf/spf_tree.h"

#define RECORD_MAX 2048

static int
tree_has(const struct vouch_audit_spf_node *n, const char *domain,
    unsigned depth)
{
	size_t i;

	if (n == NULL || depth > 20)
		return 0;
	if (n->via != NULL && n->domain != NULL &&
	    vouch__explain_under(n->domain, domain))
		return 1;
	for (i = 0; i < n->nchildren; i++)
		if (tree_has(&n->children[i], domain, depth + 1))
			return 1;
	return 0;
}

int
vouch__explain_spf_has(const struct vouch_audit *a, const char *domain)
{
	return a != NULL && domain != NULL && tree_has(a->spf.tree, domain,
	    0);
}

/* Whether word w is an "all" mechanism (with or without a qualifier) or
 * a redirect= modifier: where a new term goes in front of. */
static int
is_end(const char *w, size_t n)
{
	if (n > 0 && strchr("+-~?", w[0]) != NULL) {
		w++;
		n--;
	}
	return (n == 3 && vouch__strncaseeq(w, "all", 3)) ||
	    (n > 9 && vouch__strncaseeq(w, "redirect=", 9));
}

/* record with term before its end; NULL when it does not fit. */
static char *
insert(struct explain_ctx *c, const char *record, const char *term)
{
	char out[RECORD_MAX];
	const char *p = record, *w;
	size_t o = 0, n;
	int done = 0;

	out[0] = '\0';
	while (*p != '\0') {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		w = p;
		n = strcspn(p, " ");
		p += n;
		if (!done && is_end(w, n)) {
			if (o + strlen(term) + 2 >= sizeof(out))
				return NULL;
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
			    o > 0 ? " " : "", term);
			done = 1;
		}
		if (o + n + 2 >= sizeof(out))
			return NULL;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s",
		    o > 0 ? " " : "", (int)n, w);
	}
	if (!done) {
		if (o + strlen(term) + 2 >= sizeof(out))
			return NULL;
		(void)snprintf(out + o, sizeof(out) - o, " %s", term);
	}
	return vouch__explain_strdup(c, out);
}

/* What an include costs: itself and everything below it. */
static unsigned
include_cost(struct explain_ctx *c, const char *domain)
{
	struct spf_tree *t = NULL;
	unsigned n = 1;

	if (vouch__spf_tree_walk(c->dns, domain, 0, &t) == 0 && t != NULL &&
	    t->root != NULL)
		n += t->root->total_lookups;
	vouch__spf_tree_free(t);
	return n;
}

const char *
vouch__explain_spf_record(const struct explain_ctx *c,
    const struct vouch_audit *a, int *unknown)
{
	int evaluated = a == vouch__explain_spf_audit(c) && c->spf != NULL;

	*unknown = 0;
	if (a != NULL && a->spf.record != NULL)
		return a->spf.record;
	if (evaluated && c->spf->record != NULL)
		return c->spf->record;
	/* a lookup that failed is no proof that there is no record (RFC
	   7208 4.4) */
	*unknown = a == NULL || a->spf.tree != NULL || (evaluated &&
	    c->spf->result == VOUCH_SPF_TEMPERROR);
	return NULL;
}

char *
vouch__explain_spf_add(struct explain_ctx *c, const struct vouch_audit *a,
    const char *domain, const char *term, const char *include_domain)
{
	char *proposed, *strings, *out;
	unsigned before = a != NULL ? a->spf.dns_lookups : 0, after;
	int unknown;
	const char *rec = vouch__explain_spf_record(c, a, &unknown);

	if (rec == NULL && unknown)
		return vouch__explain_fmt(c, "add %s to the SPF record of %s "
		    "(the record could not be read just now; `vouch domain %s` "
		    "shows it)", term, domain, domain);
	if (rec == NULL) {
		proposed = vouch__explain_fmt(c, "v=spf1 %s ~all", term);
		before = 0;
	} else
		proposed = insert(c, rec, term);
	if (proposed == NULL)
		return vouch__explain_fmt(c, "add %s to the SPF record of %s",
		    term, domain);
	after = before + (include_domain != NULL ?
	    include_cost(c, include_domain) : 0);
	strings = vouch_audit_txt_strings(proposed);
	out = vouch__explain_fmt(c, "publish at %s:\n  %s. TXT %s\n"
	    "(DNS lookups: %u of the 10 allowed%s)", domain, domain,
	    strings != NULL ? strings : proposed, after, after >
	    EXPLAIN_SPF_LIMIT ? "; that is too many: receivers would return "
	    "permerror and fail all the domain's mail. Remove a service "
	    "you no longer use, move one to a subdomain used as its MAIL "
	    "FROM, or replace includes with their addresses: `vouch "
	    "generate spf` shows each way with its count" : "");
	free(strings);
	return out;
}
