/*
 * dns_zone.c - the zone backend's store and its query.
 *
 * Names are nodes in an open-addressing hash table keyed by canonical
 * text.  Every owner and every ancestor of an owner is a node that
 * "exists" (RFC 4592 section 2.2: an empty non-terminal exists); a node
 * made only for a $TIMEOUT/$SERVFAIL does not.  Records are grouped by
 * node in file order once loading ends; from then on the zone is never
 * written, so any number of threads may query it.
 *
 * A query (RFC 1034 section 4.3.2, reduced to one zone without
 * delegations): a failure directive at the name wins; then the node of
 * the name, or failing that the wildcard at its closest encloser (RFC
 * 4592 section 3.3.1); records of the type answer; a CNAME is followed
 * (at most DNS_CNAME_MAX hops); else NODATA, or NXDOMAIN without a node.
 */
#include <stdio.h>
#include <string.h>

#include "dns_int.h"

#define NONE UINT32_MAX

static uint32_t
hash_name(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
vouch__zone_new(struct vouch__zone **out)
{
	struct vouch__zone *z;

	if ((z = vouch__calloc(1, sizeof(*z))) == NULL)
		return VOUCH_ENOMEM;
	vouch__arena_init(&z->arena, 0);
	z->tsize = 64;
	if ((z->table = vouch__calloc(z->tsize, sizeof(*z->table))) == NULL) {
		vouch__free(z);
		return VOUCH_ENOMEM;
	}
	*out = z;
	return 0;
}

void
vouch__zone_free(struct vouch__zone *z)
{
	if (z == NULL)
		return;
	vouch__arena_free(&z->arena);
	vouch__free(z->nodes);
	vouch__free(z->table);
	vouch__free(z->recs);
	vouch__free(z->fails);
	vouch__free(z);
}

static uint32_t
find_hashed(const struct vouch__zone *z, const char *name, uint32_t h)
{
	size_t mask = z->tsize - 1, i;
	uint32_t v;

	for (i = h & mask; (v = z->table[i]) != 0; i = (i + 1) & mask)
		if (z->nodes[v - 1].hash == h &&
		    strcmp(z->nodes[v - 1].name, name) == 0)
			return v - 1;
	return NONE;
}

static uint32_t
find(const struct vouch__zone *z, const char *name)
{
	return find_hashed(z, name, hash_name(name));
}

static int
rehash(struct vouch__zone *z)
{
	size_t nsize = z->tsize * 2, mask = nsize - 1, i, k;
	uint32_t *nt;

	if ((nt = vouch__calloc(nsize, sizeof(*nt))) == NULL)
		return VOUCH_ENOMEM;
	for (k = 0; k < z->nnodes; k++) {
		i = z->nodes[k].hash & mask;
		while (nt[i] != 0)
			i = (i + 1) & mask;
		nt[i] = (uint32_t)k + 1;
	}
	vouch__free(z->table);
	z->table = nt;
	z->tsize = nsize;
	return 0;
}

/*
 * Room for element n in p (elements of sz bytes, *cap of them): returns
 * the array, moved perhaps, or NULL with *rc set.
 */
static void *
grow(void *p, size_t *cap, size_t n, size_t sz, size_t max, int *rc)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return p;
	if (n >= max) {
		*rc = VOUCH_ELIMIT;
		return NULL;
	}
	ncap = *cap == 0 ? 64 : *cap * 2;
	if ((np = vouch__realloc(p, ncap * sz)) == NULL) {
		*rc = VOUCH_ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return np;
}

int
vouch__zone_node(struct vouch__zone *z, const char *name, uint32_t *idx)
{
	uint32_t h = hash_name(name), k;
	struct zone_node *n;
	size_t i, mask;
	int rc = 0;

	if ((k = find_hashed(z, name, h)) != NONE) {
		*idx = k;
		return 0;
	}
	if ((z->nnodes + 1) * 2 > z->tsize && (rc = rehash(z)) != 0)
		return rc;
	n = grow(z->nodes, &z->capnodes, z->nnodes, sizeof(*z->nodes),
	    ZONE_RECORDS_MAX * 2, &rc);
	if (n == NULL)
		return rc;
	z->nodes = n;
	n = &z->nodes[z->nnodes];
	memset(n, 0, sizeof(*n));
	if ((n->name = vouch__arena_strdup(&z->arena, name)) == NULL)
		return VOUCH_ENOMEM;
	n->hash = h;
	mask = z->tsize - 1;
	for (i = h & mask; z->table[i] != 0; i = (i + 1) & mask)
		;
	z->table[i] = (uint32_t)z->nnodes + 1;
	*idx = (uint32_t)z->nnodes++;
	return 0;
}

int
vouch__zone_add_rec(struct vouch__zone *z, const struct zone_rec *r)
{
	struct zone_rec *nr;
	const char *p;
	uint32_t k;
	int rc = 0;

	nr = grow(z->recs, &z->caprecs, z->nrecs, sizeof(*z->recs),
	    ZONE_RECORDS_MAX, &rc);
	if (nr == NULL)
		return rc;
	z->recs = nr;
	z->recs[z->nrecs++] = *r;
	if (r->type == VOUCH_DNS_CNAME)
		z->nodes[r->node].cname = 1;
	/* The owner and all its ancestors exist (RFC 4592 2.2.2). */
	for (k = r->node; !z->nodes[k].exists; ) {
		z->nodes[k].exists = 1;
		p = strchr(z->nodes[k].name, '.');
		if (p == NULL)
			break;
		if ((rc = vouch__zone_node(z, p + 1, &k)) != 0)
			return rc;
	}
	return 0;
}

int
vouch__zone_add_fail(struct vouch__zone *z, const struct zone_fail *f)
{
	struct zone_fail *nf;
	int rc = 0;

	nf = grow(z->fails, &z->capfails, z->nfails, sizeof(*z->fails),
	    ZONE_RECORDS_MAX, &rc);
	if (nf == NULL)
		return rc;
	z->fails = nf;
	z->fails[z->nfails++] = *f;
	return 0;
}

/* Stable counting sort of records and directives by node. */
static int
group_by_node(struct vouch__zone *z)
{
	struct zone_rec *rs;
	struct zone_fail *fs;
	size_t i, r = 0, f = 0;

	rs = vouch__malloc((z->nrecs ? z->nrecs : 1) * sizeof(*rs));
	fs = vouch__malloc((z->nfails ? z->nfails : 1) * sizeof(*fs));
	if (rs == NULL || fs == NULL) {
		vouch__free(rs);
		vouch__free(fs);
		return VOUCH_ENOMEM;
	}
	for (i = 0; i < z->nrecs; i++)
		z->nodes[z->recs[i].node].nrec++;
	for (i = 0; i < z->nfails; i++)
		z->nodes[z->fails[i].node].nfail++;
	for (i = 0; i < z->nnodes; i++) {
		z->nodes[i].first = (uint32_t)r;
		z->nodes[i].ffirst = (uint32_t)f;
		r += z->nodes[i].nrec;
		f += z->nodes[i].nfail;
		z->nodes[i].nrec = 0;
		z->nodes[i].nfail = 0;
	}
	for (i = 0; i < z->nrecs; i++) {
		struct zone_node *n = &z->nodes[z->recs[i].node];

		rs[n->first + n->nrec++] = z->recs[i];
	}
	for (i = 0; i < z->nfails; i++) {
		struct zone_node *n = &z->nodes[z->fails[i].node];

		fs[n->ffirst + n->nfail++] = z->fails[i];
	}
	vouch__free(z->recs);
	vouch__free(z->fails);
	z->recs = rs;
	z->fails = fs;
	return 0;
}

/* RRSIG and NSEC may sit beside a CNAME (RFC 4035 section 2.5). */
static int
cname_ok_beside(uint16_t type)
{
	return type == VOUCH_DNS_CNAME || type == 46 || type == 47;
}

/* RFC 1034 3.6.2, RFC 2181 10.1: a CNAME is alone at its name. */
static int
check_cname(const struct vouch__zone *z, const struct zone_node *n,
    unsigned *line, char *why, size_t whylen)
{
	const struct zone_rec *r = z->recs + n->first, *c = NULL;
	uint32_t i;

	for (i = 0; i < n->nrec; i++) {
		if (r[i].type == VOUCH_DNS_CNAME && c == NULL) {
			c = &r[i];
			continue;
		}
		if (r[i].type == VOUCH_DNS_CNAME) {
			*line = r[i].line;
			snprintf(why, whylen, "%s has more than one CNAME "
			    "(RFC 2181 10.1)", n->name);
			return VOUCH_ESYNTAX;
		}
	}
	for (i = 0; i < n->nrec; i++)
		if (!cname_ok_beside(r[i].type)) {
			*line = r[i].line > c->line ? r[i].line : c->line;
			snprintf(why, whylen, "%s has a CNAME and other data "
			    "(RFC 1034 3.6.2)", n->name);
			return VOUCH_ESYNTAX;
		}
	return 0;
}

/* No RRset may exceed what one DNS message can carry. */
static int
check_rrsets(const struct vouch__zone *z, const struct zone_node *n,
    unsigned *line, char *why, size_t whylen)
{
	const struct zone_rec *r = z->recs + n->first;
	size_t total = 0, sum;
	uint32_t i, j;

	for (i = 0; i < n->nrec; i++)
		total += r[i].wire;
	if (total <= DNS_RRSET_MAX)
		return 0;
	/* Rare: only here is the quadratic walk paid for. */
	for (i = 0; i < n->nrec; i++) {
		for (sum = 0, j = 0; j <= i; j++)
			if (r[j].type == r[i].type)
				sum += r[j].wire;
		if (sum > DNS_RRSET_MAX) {
			*line = r[i].line;
			snprintf(why, whylen, "the %s RRset of %s exceeds %u "
			    "octets", vouch_dns_type_name(r[i].type), n->name,
			    (unsigned)DNS_RRSET_MAX);
			return VOUCH_ELIMIT;
		}
	}
	return 0;
}

int
vouch__zone_finish(struct vouch__zone *z, unsigned *line, char *why,
    size_t whylen)
{
	size_t i;
	int rc;

	if ((rc = group_by_node(z)) != 0) {
		*line = 0;
		snprintf(why, whylen, "out of memory");
		return rc;
	}
	for (i = 0; i < z->nnodes; i++) {
		if (z->nodes[i].cname &&
		    (rc = check_cname(z, &z->nodes[i], line, why, whylen)) != 0)
			return rc;
		rc = check_rrsets(z, &z->nodes[i], line, why, whylen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* RFC 4592 3.3.1: the wildcard at the closest encloser of name, if any. */
static uint32_t
wildcard(const struct vouch__zone *z, const char *name)
{
	char buf[DNS_TEXT_MAX + 3];
	const char *p = name;
	uint32_t k;

	while ((p = strchr(p, '.')) != NULL) {
		p++;
		k = find(z, p);
		if (k == NONE || !z->nodes[k].exists)
			continue;
		snprintf(buf, sizeof(buf), "*.%s", p);
		k = find(z, buf);
		return k != NONE && z->nodes[k].exists ? k : NONE;
	}
	return NONE;
}

static const struct zone_fail *
fail_of(const struct vouch__zone *z, uint32_t k, uint16_t type)
{
	const struct zone_node *n = &z->nodes[k];
	uint32_t i;

	for (i = 0; i < n->nfail; i++)
		if (z->fails[n->ffirst + i].type == 0 ||
		    z->fails[n->ffirst + i].type == type)
			return &z->fails[n->ffirst + i];
	return NULL;
}

static const struct zone_rec *
first_of(const struct vouch__zone *z, uint32_t k, uint16_t type)
{
	const struct zone_node *n = &z->nodes[k];
	uint32_t i;

	for (i = 0; i < n->nrec; i++)
		if (z->recs[n->first + i].type == type)
			return &z->recs[n->first + i];
	return NULL;
}

static int
add_rec(struct vouch_dns_answer *a, const struct zone_rec *r)
{
	switch (r->type) {
	case VOUCH_DNS_A:
	case VOUCH_DNS_AAAA:
		return vouch_dns_answer_add_ip(a, r->ttl, &r->u.ip);
	case VOUCH_DNS_MX:
		return vouch_dns_answer_add_mx(a, r->ttl, r->u.nm.pref,
		    r->u.nm.name);
	case VOUCH_DNS_CNAME:
	case VOUCH_DNS_PTR:
		return vouch_dns_answer_add_name(a, r->type, r->ttl,
		    r->u.nm.name);
	case VOUCH_DNS_TXT:
	case VOUCH_DNS_SPF:
		return vouch__dns_answer_add_txt_joined(a, r->type, r->ttl,
		    r->u.txt.data, r->u.txt.lengths, r->u.txt.n);
	default:
		return vouch__dns_answer_add_other(a, r->type, r->ttl);
	}
}

/* Build the answer; for FOUND, the records of type at node k. */
static int
reply(const struct vouch__zone *z, const char *qname, uint16_t type,
    const char *cur, enum vouch_dns_status st, uint32_t k,
    const char *reason, struct vouch_dns_answer **out)
{
	const struct zone_node *n;
	uint32_t i;
	int rc;

	if ((rc = vouch_dns_answer_new(qname, type, st, out)) != 0)
		return rc;
	if (cur != qname)
		rc = vouch_dns_answer_set_canonical(*out, cur);
	if (rc == 0 && reason != NULL)
		rc = vouch_dns_answer_set_reason(*out, reason);
	n = k != NONE ? &z->nodes[k] : NULL;
	for (i = 0; rc == 0 && st == VOUCH_DNS_FOUND && i < n->nrec; i++)
		if (z->recs[n->first + i].type == type)
			rc = add_rec(*out, &z->recs[n->first + i]);
	if (rc != 0) {
		vouch_dns_answer_free(*out);
		*out = NULL;
	}
	return rc;
}

static int
zone_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	const struct vouch__zone *z = impl;
	const struct zone_fail *f;
	const struct zone_rec *c;
	const char *cur = name;
	unsigned hops;
	uint32_t k;

	for (hops = 0;; hops++) {
		k = find(z, cur);
		/* $TIMEOUT / $SERVFAIL take precedence over records. */
		if (k != NONE && (f = fail_of(z, k, type)) != NULL)
			return reply(z, name, type, cur, VOUCH_DNS_RETRY, NONE,
			    f->servfail ? "SERVFAIL" : "timeout", out);
		if (k == NONE || !z->nodes[k].exists)
			k = wildcard(z, cur);
		if (k == NONE)
			return reply(z, name, type, cur, VOUCH_DNS_NXDOMAIN,
			    NONE, NULL, out);
		if (first_of(z, k, type) != NULL)
			return reply(z, name, type, cur, VOUCH_DNS_FOUND, k,
			    NULL, out);
		/* RFC 1034 4.3.2 step 3a: restart at the CNAME's target. */
		c = type != VOUCH_DNS_CNAME && z->nodes[k].cname ?
		    first_of(z, k, VOUCH_DNS_CNAME) : NULL;
		if (c == NULL)
			return reply(z, name, type, cur, VOUCH_DNS_NODATA,
			    NONE, NULL, out);
		if (hops == DNS_CNAME_MAX)
			return reply(z, name, type, cur, VOUCH_DNS_RETRY, NONE,
			    "CNAME loop", out);
		cur = c->u.nm.name;
	}
}

static void
zone_destroy(void *impl)
{
	vouch__zone_free(impl);
}

static const struct vouch_dns_methods zone_methods = {
	VOUCH_DNS_METHODS_VERSION, "zone", zone_query, zone_destroy
};

int
vouch__zone_handle(struct vouch__zone *z, struct vouch_dns **out)
{
	int rc = vouch_dns_new(&zone_methods, z, out);

	if (rc != 0)
		vouch__zone_free(z);
	return rc;
}
