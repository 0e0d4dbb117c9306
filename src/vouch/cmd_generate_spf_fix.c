/*
 * cmd_generate_spf_fix.c - what vouch generate spf says when the record
 * needs more than 10 DNS lookups (RFC 7208 4.6.4: receivers return
 * permerror, and SPF then fails for all the domain's mail).  Three ways
 * out, each with its figures from the audit's tree:
 *
 *   drop a service      each include with what it costs and what the
 *                       record costs without it;
 *   use a subdomain     the costliest include moved to a subdomain used
 *                       as the service's MAIL FROM, with the record to
 *                       publish there (relaxed DMARC alignment still
 *                       passes: the subdomain is under the domain);
 *   flatten             the includes replaced by the ip4/ip6 ranges they
 *                       hold right now, checked by the audit too.  An
 *                       include whose tree uses a, mx, ptr, exists or a
 *                       non-pass qualifier is kept: its addresses cannot
 *                       be read off the records.  The cost: the provider
 *                       changes its ranges without telling you.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "cmd_generate_spf.h"

#define FLAT_MAX 256		/* addresses in a flattened record */
#define FLAT_TERM_MAX 64	/* "ip6:" + an address + "/128" */
#define WORD_MAX 512

struct flat {
	char term[FLAT_MAX][FLAT_TERM_MAX];
	size_t n;
	int full;
};

/* The child of n reached by term (as written, case ignored), or NULL. */
static const struct vouch_audit_spf_node *
child(const struct vouch_audit_spf_node *n, const char *term)
{
	size_t i;

	for (i = 0; n != NULL && i < n->nchildren; i++)
		if (n->children[i].via != NULL &&
		    strcasecmp(n->children[i].via, term) == 0)
			return &n->children[i];
	return NULL;
}

static void
flat_add(struct flat *fl, const char *term)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (strcmp(fl->term[i], term) == 0)
			return;
	if (fl->n == FLAT_MAX || strlen(term) >= FLAT_TERM_MAX) {
		fl->full = 1;
		return;
	}
	snprintf(fl->term[fl->n++], FLAT_TERM_MAX, "%s", term);
}

/* The pass ranges of n and everything below it into fl; 0 when a term
 * cannot be turned into addresses. */
static int
flatten(const struct vouch_audit_spf_node *n, struct flat *fl)
{
	char w[WORD_MAX], low[WORD_MAX];
	const char *p, *body;
	size_t len, i;
	int first = 1;

	if (n == NULL || n->record == NULL || strcmp(n->status, "ok") != 0)
		return 0;
	for (p = n->record; *p != '\0'; p += len) {
		p += strspn(p, " ");
		if ((len = strcspn(p, " ")) == 0)
			break;
		if (len >= sizeof(w))
			return 0;
		memcpy(w, p, len);
		w[len] = '\0';
		for (i = 0; i <= len; i++)
			low[i] = (char)tolower((unsigned char)w[i]);
		if (first) {		/* v=spf1 */
			first = 0;
			continue;
		}
		body = strchr("+-~?", low[0]) != NULL ? low + 1 : low;
		if (strcmp(body, "all") == 0)
			break;
		if (strncmp(body, "ip4:", 4) == 0 ||
		    strncmp(body, "ip6:", 4) == 0) {
			if (body != low && low[0] != '+')
				return 0;
			flat_add(fl, body);
		} else if (strncmp(low, "include:", 8) == 0 ||
		    strncmp(low, "redirect=", 9) == 0) {
			if (!flatten(child(n, w), fl))
				return 0;
		} else if (strncmp(low, "exp=", 4) != 0)
			return 0;
	}
	return !fl->full;
}

struct ways {
	unsigned total;
	unsigned cost[SPF_GEN_TERMS_MAX];	/* per include term */
	size_t worst;				/* the costliest include */
	int flat[SPF_GEN_TERMS_MAX];
	struct flat fl;
	char record[GEN_RECORD_MAX];		/* flattened */
	int have_flat;
	struct gen_check g;			/* its check */
};

static void
costs(const struct spf_args *a, const struct gen_check *g, struct ways *w)
{
	const struct vouch_audit_spf_node *c;
	size_t i;

	w->total = g->audit->spf.dns_lookups;
	w->worst = a->nips;
	for (i = a->nips; i < a->nterms; i++) {
		c = child(g->audit->spf.tree, a->term[i]);
		w->cost[i] = 1 + (c != NULL ? c->total_lookups : 0);
		if (w->cost[i] > w->cost[w->worst])
			w->worst = i;
	}
}

/* The flattened record and its check; 0, or an exit status. */
static int
flattened(const struct spf_args *a, const struct gen_check *g,
    struct ways *w)
{
	const char *extra[FLAT_MAX];
	struct flat one;
	size_t i, j;

	for (i = a->nips; i < a->nterms; i++) {
		memset(&one, 0, sizeof(one));
		if (!flatten(child(g->audit->spf.tree, a->term[i]), &one))
			continue;
		w->flat[i] = 1;
		for (j = 0; j < one.n; j++)
			flat_add(&w->fl, one.term[j]);
	}
	for (i = 0; i < w->fl.n; i++)
		extra[i] = w->fl.term[i];
	if (w->fl.full || spf_gen_record(a, extra, w->fl.n, w->flat,
	    w->record, sizeof(w->record)) != 0)
		return 0;
	w->have_flat = 1;
	return gen_check("spf", &a->dns, a->domain, a->domain, w->record,
	    &w->g);
}

static const char *
service_of(const struct spf_args *a, size_t i)
{
	return a->service[i] != NULL ? a->service[i] : "";
}

static void
refuse_text(const struct spf_args *a, const char *record,
    const struct ways *w)
{
	size_t i, k = w->worst;

	fprintf(stderr, "vouch generate spf: refused: the record needs %u "
	    "DNS lookups; RFC 7208 4.6.4 allows %d, over that receivers "
	    "return permerror and SPF fails for all mail from %s:\n  %s\n"
	    "Three ways to bring it under the limit:\n", w->total,
	    SPF_GEN_LIMIT, a->domain, record);
	fprintf(stderr, "1. drop a service you no longer use:\n");
	for (i = a->nips; i < a->nterms; i++)
		fprintf(stderr, "     %-40s %s%s%u lookups; without it %u%s\n",
		    a->term[i], service_of(a, i), a->service[i] ? ": " : "",
		    w->cost[i], w->total - w->cost[i], w->total - w->cost[i] <=
		    SPF_GEN_LIMIT ? " (enough)" : "");
	fprintf(stderr, "2. move a service to a subdomain: send its mail with "
	    "a MAIL FROM (return path) under a subdomain, if the provider "
	    "lets you set one, and publish there its own record; e.g. for "
	    "%s:\n     bounce.%s. %d IN TXT \"v=spf1 %s %s\"\n   which "
	    "leaves %s at %u lookups (DMARC relaxed alignment still passes: "
	    "bounce.%s is under %s)\n", a->term[k], a->domain, GEN_TTL,
	    a->term[k], a->all, a->domain, w->total - w->cost[k], a->domain,
	    a->domain);
	if (!w->have_flat || w->g.audit == NULL) {
		fprintf(stderr, "3. flatten: not possible here (the ranges "
		    "do not fit in one record)\n");
		return;
	}
	fprintf(stderr, "3. flatten: replace the includes with the ranges "
	    "they hold today (%u lookups):\n     ",
	    w->g.audit->spf.dns_lookups);
	gen_zone_line(stderr, a->domain, w->g.strings);
	for (i = a->nips; i < a->nterms; i++)
		if (!w->flat[i])
			fprintf(stderr, "   %s kept: its record names hosts "
			    "(a, mx, exists), not ranges\n", a->term[i]);
	fprintf(stderr, "   the cost: providers change their ranges without "
	    "notice, and mail from a new range then fails SPF.  Rerun vouch "
	    "generate spf and republish whenever vouch domain %s shows a "
	    "change (daily, by a cron job), or take option 1 or 2.\n",
	    a->domain);
}

static json_t *
refuse_json(const struct spf_args *a, const char *record,
    const struct ways *w, const struct gen_check *g)
{
	json_t *drop = json_array(), *flat = json_null();
	char sub[GEN_RECORD_MAX], name[300];
	size_t i;

	for (i = a->nips; drop != NULL && i < a->nterms; i++)
		json_array_append_new(drop, json_pack("{s:s, s:o, s:I, s:I}",
		    "term", a->term[i], "service", a->service[i] ?
		    json_string(a->service[i]) : json_null(), "lookups",
		    (json_int_t)w->cost[i], "without",
		    (json_int_t)(w->total - w->cost[i])));
	if (w->have_flat && w->g.audit != NULL)
		flat = json_pack("{s:s, s:o, s:I}", "record", w->record,
		    "strings", cli_json_str(w->g.strings), "dns_lookups",
		    (json_int_t)w->g.audit->spf.dns_lookups);
	snprintf(sub, sizeof(sub), "v=spf1 %s %s", a->term[w->worst], a->all);
	snprintf(name, sizeof(name), "bounce.%s", a->domain);
	return json_pack("{s:s, s:s, s:o, s:I, s:I, s:i, s:b, s:o, s:{s:o, "
	    "s:{s:s, s:s, s:I}, s:o}}", "domain", a->domain, "record", record,
	    "strings", cli_json_str(g->strings), "dns_lookups",
	    (json_int_t)w->total, "void_lookups",
	    (json_int_t)g->audit->spf.void_lookups, "limit", SPF_GEN_LIMIT,
	    "refused", 1, "findings", gen_findings_json(g->audit,
	    VOUCH_AUDIT_SPF), "options", "drop", drop, "subdomain", "name",
	    name, "record", sub, "leaves",
	    (json_int_t)(w->total - w->cost[w->worst]), "flattened", flat);
}

int
spf_gen_refuse(const struct spf_args *a, const char *record,
    const struct gen_check *g)
{
	struct ways *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		fprintf(stderr, "vouch generate spf: out of memory\n");
		return EXIT_RUNTIME;
	}
	costs(a, g, w);
	if ((rc = flattened(a, g, w)) == 0) {
		if (a->json)
			cli_json_print(refuse_json(a, record, w, g));
		else
			refuse_text(a, record, w);
		rc = EXIT_RUNTIME;
	}
	gen_check_free(&w->g);
	free(w);
	return rc;
}
