/*
 * dns_answer.c - answers and the builders backends fill them with, and
 * the names of statuses and types.
 *
 * An answer is one allocation holding the public struct, an arena for its
 * strings (capped at DNS_ANSWER_MAX) and the rr array, which grows by
 * doubling.  Nothing in an answer outlives vouch_dns_answer_free().
 */
#include <stdio.h>
#include <string.h>

#include "dns_int.h"

#define ANSWER_RR_MAX 65535	/* an RRset this large cannot fit a message */

struct answer {
	struct vouch_dns_answer pub;	/* first: callers see only this */
	struct vouch__arena arena;
	struct vouch_dns_rr *rr;
	size_t cap;
};

static void *
ans_alloc(struct answer *a, size_t n, int *rc)
{
	void *p;

	if (n > DNS_ANSWER_MAX - a->arena.total) {
		*rc = VOUCH_ELIMIT;
		return NULL;
	}
	p = vouch__arena_alloc(&a->arena, n);
	if (p == NULL)
		*rc = VOUCH_ENOMEM;
	return p;
}

static const char *
ans_strdup(struct answer *a, const char *s, int *rc)
{
	size_t n = strlen(s);
	char *p = ans_alloc(a, n + 1, rc);

	if (p != NULL)
		memcpy(p, s, n + 1);
	return p;
}

int
vouch_dns_answer_new(const char *qname, uint16_t type,
    enum vouch_dns_status status, struct vouch_dns_answer **out)
{
	struct answer *a;
	int rc = 0;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (qname == NULL || (unsigned)status > VOUCH_DNS_RETRY)
		return VOUCH_EINVAL;
	a = vouch__calloc(1, sizeof(*a));
	if (a == NULL)
		return VOUCH_ENOMEM;
	vouch__arena_init(&a->arena, DNS_ANSWER_MAX);
	a->pub.status = status;
	a->pub.type = type;
	a->pub.qname = ans_strdup(a, qname, &rc);
	if (a->pub.qname == NULL) {
		vouch_dns_answer_free(&a->pub);
		return rc;
	}
	a->pub.canonical = a->pub.qname;
	*out = &a->pub;
	return 0;
}

void
vouch_dns_answer_free(struct vouch_dns_answer *ans)
{
	struct answer *a = (struct answer *)ans;

	if (a == NULL)
		return;
	vouch__arena_free(&a->arena);
	vouch__free(a->rr);
	vouch__free(a);
}

int
vouch_dns_answer_set_canonical(struct vouch_dns_answer *ans,
    const char *name)
{
	struct answer *a = (struct answer *)ans;
	const char *p;
	int rc = 0;

	if (a == NULL || name == NULL)
		return VOUCH_EINVAL;
	if ((p = ans_strdup(a, name, &rc)) == NULL)
		return rc;
	a->pub.canonical = p;
	return 0;
}

int
vouch_dns_answer_set_reason(struct vouch_dns_answer *ans, const char *reason)
{
	struct answer *a = (struct answer *)ans;
	const char *p;
	int rc = 0;

	if (a == NULL || reason == NULL)
		return VOUCH_EINVAL;
	if ((p = ans_strdup(a, reason, &rc)) == NULL)
		return rc;
	a->pub.reason = p;
	return 0;
}

/* A new zeroed record at the end of the array; the answer TTL is the
 * smallest record TTL. */
static struct vouch_dns_rr *
add_rr(struct answer *a, uint16_t type, uint32_t ttl, int *rc)
{
	struct vouch_dns_rr *rr;
	size_t ncap;

	if (a->pub.count >= ANSWER_RR_MAX) {
		*rc = VOUCH_ELIMIT;
		return NULL;
	}
	if (a->pub.count == a->cap) {
		ncap = a->cap == 0 ? 4 : a->cap * 2;
		rr = vouch__realloc(a->rr, ncap * sizeof(*rr));
		if (rr == NULL) {
			*rc = VOUCH_ENOMEM;
			return NULL;
		}
		a->rr = rr;
		a->cap = ncap;
		a->pub.rr = rr;
	}
	rr = &a->rr[a->pub.count];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	rr->ttl = ttl;
	return rr;
}

/* Count the record added by add_rr() once its contents are in place. */
static void
commit_rr(struct answer *a, uint32_t ttl)
{
	if (a->pub.count == 0 || ttl < a->pub.ttl)
		a->pub.ttl = ttl;
	a->pub.count++;
}

int
vouch_dns_answer_add_ip(struct vouch_dns_answer *ans, uint32_t ttl,
    const struct vouch_ip *ip)
{
	struct answer *a = (struct answer *)ans;
	struct vouch_dns_rr *rr;
	int rc = 0;

	if (a == NULL || ip == NULL || (ip->family != 4 && ip->family != 6))
		return VOUCH_EINVAL;
	rr = add_rr(a, ip->family == 4 ? VOUCH_DNS_A : VOUCH_DNS_AAAA, ttl,
	    &rc);
	if (rr == NULL)
		return rc;
	rr->u.ip = *ip;
	commit_rr(a, ttl);
	return 0;
}

int
vouch_dns_answer_add_mx(struct vouch_dns_answer *ans, uint32_t ttl,
    uint16_t preference, const char *exchange)
{
	struct answer *a = (struct answer *)ans;
	struct vouch_dns_rr *rr;
	const char *x;
	int rc = 0;

	if (a == NULL || exchange == NULL)
		return VOUCH_EINVAL;
	if ((x = ans_strdup(a, exchange, &rc)) == NULL)
		return rc;
	if ((rr = add_rr(a, VOUCH_DNS_MX, ttl, &rc)) == NULL)
		return rc;
	rr->u.mx.preference = preference;
	rr->u.mx.exchange = x;
	commit_rr(a, ttl);
	return 0;
}

int
vouch_dns_answer_add_name(struct vouch_dns_answer *ans, uint16_t type,
    uint32_t ttl, const char *name)
{
	struct answer *a = (struct answer *)ans;
	struct vouch_dns_rr *rr;
	const char *x;
	int rc = 0;

	if (a == NULL || name == NULL)
		return VOUCH_EINVAL;
	if ((x = ans_strdup(a, name, &rc)) == NULL)
		return rc;
	if ((rr = add_rr(a, type, ttl, &rc)) == NULL)
		return rc;
	rr->u.name = x;
	commit_rr(a, ttl);
	return 0;
}

/* The common part of the two TXT builders: room for the joined data and
 * the lengths, both in the arena. */
static struct vouch_dns_rr *
add_txt_rr(struct answer *a, uint16_t type, uint32_t ttl, size_t total,
    size_t nstrings, unsigned char **data, uint16_t **lens, int *rc)
{
	if (nstrings > DNS_RRSET_MAX || total > DNS_RRSET_MAX) {
		*rc = VOUCH_ELIMIT;
		return NULL;
	}
	*data = ans_alloc(a, total + 1, rc);
	if (*data == NULL)
		return NULL;
	*lens = ans_alloc(a, (nstrings ? nstrings : 1) * sizeof(**lens), rc);
	if (*lens == NULL)
		return NULL;
	return add_rr(a, type, ttl, rc);
}

int
vouch_dns_answer_add_txt(struct vouch_dns_answer *ans, uint16_t type,
    uint32_t ttl, const unsigned char *const *strings,
    const size_t *lengths, size_t nstrings)
{
	struct answer *a = (struct answer *)ans;
	struct vouch_dns_rr *rr;
	unsigned char *data;
	uint16_t *lens;
	size_t i, total = 0;
	int rc = 0;

	if (a == NULL || (nstrings > 0 && (strings == NULL || lengths == NULL)))
		return VOUCH_EINVAL;
	for (i = 0; i < nstrings; i++) {
		if (lengths[i] > UINT16_MAX || (lengths[i] > 0 &&
		    strings[i] == NULL))
			return VOUCH_EINVAL;
		total += lengths[i];
		if (total > DNS_RRSET_MAX)
			return VOUCH_ELIMIT;
	}
	rr = add_txt_rr(a, type, ttl, total, nstrings, &data, &lens, &rc);
	if (rr == NULL)
		return rc;
	for (i = 0, total = 0; i < nstrings; i++) {
		if (lengths[i] > 0)
			memcpy(data + total, strings[i], lengths[i]);
		total += lengths[i];
		lens[i] = (uint16_t)lengths[i];
	}
	data[total] = '\0';
	rr->u.txt.data = (const char *)data;
	rr->u.txt.len = total;
	rr->u.txt.nstrings = nstrings;
	rr->u.txt.lengths = lens;
	commit_rr(a, ttl);
	return 0;
}

int
vouch__dns_answer_add_txt_joined(struct vouch_dns_answer *ans,
    uint16_t type, uint32_t ttl, const unsigned char *src,
    const uint16_t *lengths, size_t nstrings)
{
	struct answer *a = (struct answer *)ans;
	struct vouch_dns_rr *rr;
	unsigned char *data;
	uint16_t *lens;
	size_t i, total = 0;
	int rc = 0;

	for (i = 0; i < nstrings; i++)
		total += lengths[i];
	rr = add_txt_rr(a, type, ttl, total, nstrings, &data, &lens, &rc);
	if (rr == NULL)
		return rc;
	if (total > 0)
		memcpy(data, src, total);
	data[total] = '\0';
	if (nstrings > 0)
		memcpy(lens, lengths, nstrings * sizeof(*lens));
	rr->u.txt.data = (const char *)data;
	rr->u.txt.len = total;
	rr->u.txt.nstrings = nstrings;
	rr->u.txt.lengths = lens;
	commit_rr(a, ttl);
	return 0;
}

int
vouch__dns_answer_add_other(struct vouch_dns_answer *ans, uint16_t type,
    uint32_t ttl)
{
	struct answer *a = (struct answer *)ans;
	int rc = 0;

	if (add_rr(a, type, ttl, &rc) == NULL)
		return rc;
	commit_rr(a, ttl);
	return 0;
}

int
vouch__dns_answer_retry(const char *name, uint16_t type, const char *reason,
    struct vouch_dns_answer **out)
{
	int rc = vouch_dns_answer_new(name, type, VOUCH_DNS_RETRY, out);

	if (rc == 0 && (rc = vouch_dns_answer_set_reason(*out, reason)) != 0) {
		vouch_dns_answer_free(*out);
		*out = NULL;
	}
	return rc;
}

const char *
vouch_dns_status_name(enum vouch_dns_status st)
{
	switch (st) {
	case VOUCH_DNS_FOUND:
		return "found";
	case VOUCH_DNS_NXDOMAIN:
		return "nxdomain";
	case VOUCH_DNS_NODATA:
		return "nodata";
	case VOUCH_DNS_RETRY:
		return "retry";
	}
	return "unknown";
}

struct type_name {
	uint16_t type;
	const char *name;
};

/* The IANA "Resource Record (RR) TYPEs" registry, the types one meets. */
static const struct type_name type_names[] = {
	{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"},
	{13, "HINFO"}, {15, "MX"}, {16, "TXT"}, {17, "RP"}, {28, "AAAA"},
	{29, "LOC"}, {33, "SRV"}, {35, "NAPTR"}, {39, "DNAME"}, {43, "DS"},
	{44, "SSHFP"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"},
	{50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"}, {53, "SMIMEA"},
	{59, "CDS"}, {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {64, "SVCB"},
	{65, "HTTPS"}, {99, "SPF"}, {255, "ANY"}, {256, "URI"}, {257, "CAA"},
};

const char *
vouch_dns_type_name(uint16_t type)
{
	/*
	 * Unregistered types are named "TYPE<n>" (RFC 3597 section 5) in a
	 * small ring of per-thread buffers: no state is shared between
	 * threads, and a few names can appear in one printf().  A name stays
	 * valid until the same thread has asked for four more.
	 */
	static _Thread_local char ring[4][sizeof("TYPE65535")];
	static _Thread_local unsigned next;
	char *p;
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	p = ring[next++ % 4];
	snprintf(p, sizeof(ring[0]), "TYPE%u", (unsigned)type);
	return p;
}

static int
clone_rr(struct vouch_dns_answer *dst, const struct vouch_dns_rr *r)
{
	switch (r->type) {
	case VOUCH_DNS_A:
	case VOUCH_DNS_AAAA:
		return vouch_dns_answer_add_ip(dst, r->ttl, &r->u.ip);
	case VOUCH_DNS_MX:
		return vouch_dns_answer_add_mx(dst, r->ttl, r->u.mx.preference,
		    r->u.mx.exchange);
	case VOUCH_DNS_PTR:
	case VOUCH_DNS_CNAME:
		return vouch_dns_answer_add_name(dst, r->type, r->ttl,
		    r->u.name);
	case VOUCH_DNS_TXT:
	case VOUCH_DNS_SPF:
		return vouch__dns_answer_add_txt_joined(dst, r->type, r->ttl,
		    (const unsigned char *)r->u.txt.data, r->u.txt.lengths,
		    r->u.txt.nstrings);
	default:
		return vouch__dns_answer_add_other(dst, r->type, r->ttl);
	}
}

int
vouch__dns_answer_clone(const struct vouch_dns_answer *src,
    struct vouch_dns_answer **out)
{
	struct vouch_dns_answer *a;
	size_t i;
	int rc;

	*out = NULL;
	rc = vouch_dns_answer_new(src->qname, src->type, src->status, &a);
	if (rc != 0)
		return rc;
	if (src->canonical != NULL && strcmp(src->canonical, src->qname) != 0)
		rc = vouch_dns_answer_set_canonical(a, src->canonical);
	if (rc == 0 && src->reason != NULL)
		rc = vouch_dns_answer_set_reason(a, src->reason);
	for (i = 0; rc == 0 && i < src->count; i++)
		rc = clone_rr(a, &src->rr[i]);
	if (rc != 0) {
		vouch_dns_answer_free(a);
		return rc;
	}
	a->ttl = src->ttl;
	*out = a;
	return 0;
}
