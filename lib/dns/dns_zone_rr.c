/*
 * dns_zone_rr.c - one resource-record entry of a master file (RFC 1035
 * section 5.1) into the zone: parsed by ldns_rr_new_frm_str(), its rdata
 * decoded into struct zone_rec for the types callers ask for (A, AAAA,
 * MX, CNAME, PTR, TXT, SPF); other types keep their type and TTL only,
 * and records of classes other than IN are skipped.
 *
 * TTL of an entry that gives none: $TTL if one was seen, else the last
 * TTL written explicitly (RFC 1035 section 5.1), else 3600.
 */
#include <string.h>

#include <ldns/ldns.h>

#include "dns_int.h"

#define DEFAULT_TTL 3600

static int
is_class(const char *s, size_t n)
{
	return (n == 2 && (vouch__strncaseeq(s, "IN", 2) ||
	    vouch__strncaseeq(s, "CH", 2) || vouch__strncaseeq(s, "HS", 2) ||
	    vouch__strncaseeq(s, "CS", 2))) ||
	    (n > 5 && vouch__strncaseeq(s, "CLASS", 5));
}

/* Start and length of the token at or after s[*i]; *i moves past it. */
static size_t
token(const char *s, size_t *i, size_t *start)
{
	size_t n;

	while (vouch__zone_blank(s[*i]))
		(*i)++;
	*start = *i;
	for (n = 0; s[*i] != '\0' && !vouch__zone_blank(s[*i]); n++)
		(*i)++;
	return n;
}

/*
 * RFC 1035 5.1 allows "[<class>] [<TTL>]" as well as "[<TTL>] [<class>]";
 * ldns reads only the second order, so "IN 300" becomes "300 IN" here
 * (in place: the two tokens and one blank fit where they were).
 */
static void
ttl_first(char *s)
{
	size_t i = 0, a, b, na, nb, o;
	char tmp[64];

	if (!vouch__zone_blank(s[0]))
		(void)token(s, &i, &a);
	na = token(s, &i, &a);
	nb = token(s, &i, &b);
	if (!is_class(s + a, na) || nb == 0 || s[b] < '0' || s[b] > '9' ||
	    na + nb + 1 > sizeof(tmp))
		return;
	memcpy(tmp, s + b, nb);
	tmp[nb] = ' ';
	memcpy(tmp + nb + 1, s + a, na);
	o = nb + 1 + na;
	memcpy(s + a, tmp, o);
	memset(s + a + o, ' ', b + nb - a - o);
}

/* Does the record entry write its TTL?  After the owner come the TTL and
 * the class in either order (RFC 1035 5.1); a TTL starts with a digit, as
 * no class or type does. */
static int
explicit_ttl(const char *s)
{
	size_t i = 0, k, n, start;

	if (!vouch__zone_blank(s[0]))
		(void)token(s, &i, &start);
	for (k = 0; k < 2; k++) {
		n = token(s, &i, &start);
		if (n > 0 && s[start] >= '0' && s[start] <= '9')
			return 1;
		if (!is_class(s + start, n))
			return 0;
	}
	return 0;
}

static int
decode_txt(struct zone_loader *ld, const ldns_rr *rr, struct zone_rec *r)
{
	size_t i, n = ldns_rr_rd_count(rr), total = 0;
	unsigned char *data;
	uint16_t *lens;
	const ldns_rdf *f;

	for (i = 0; i < n; i++) {
		f = ldns_rr_rdf(rr, i);
		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR ||
		    ldns_rdf_size(f) < 1 ||
		    ldns_rdf_data(f)[0] != ldns_rdf_size(f) - 1)
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "bad TXT rdata");
		total += ldns_rdf_size(f) - 1;
	}
	data = vouch__arena_alloc(&ld->z->arena, total + 1);
	lens = vouch__arena_alloc(&ld->z->arena, (n ? n : 1) * sizeof(*lens));
	if (data == NULL || lens == NULL)
		return vouch__zone_lerr(ld, VOUCH_ENOMEM, "out of memory");
	for (i = 0, total = 0; i < n; i++) {
		f = ldns_rr_rdf(rr, i);
		lens[i] = (uint16_t)(ldns_rdf_size(f) - 1);
		memcpy(data + total, ldns_rdf_data(f) + 1, lens[i]);
		total += lens[i];
	}
	data[total] = '\0';
	r->u.txt.data = data;
	r->u.txt.lengths = lens;
	r->u.txt.n = (uint32_t)n;
	return 0;
}

static int
decode_addr(struct zone_loader *ld, const ldns_rr *rr, struct zone_rec *r,
    size_t len)
{
	const ldns_rdf *f = ldns_rr_rdf(rr, 0);

	if (ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(f) != len)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX, "bad address");
	r->u.ip.family = len == 4 ? 4 : 6;
	memcpy(r->u.ip.addr, ldns_rdf_data(f), len);
	return 0;
}

/* The rdata of the types callers ask for, into r. */
static int
decode(struct zone_loader *ld, const ldns_rr *rr, struct zone_rec *r)
{
	const ldns_rdf *f;
	int rc = 0;

	switch (r->type) {
	case VOUCH_DNS_A:
		return decode_addr(ld, rr, r, 4);
	case VOUCH_DNS_AAAA:
		return decode_addr(ld, rr, r, 16);
	case VOUCH_DNS_MX:
		f = ldns_rr_rdf(rr, 0);
		if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(f) != 2)
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "bad MX rdata");
		r->u.nm.pref = ldns_rdf2native_int16(f);
		r->u.nm.name = vouch__zone_rdf_name(ld, ldns_rr_rdf(rr, 1),
		    &rc);
		return rc;
	case VOUCH_DNS_CNAME:
	case VOUCH_DNS_PTR:
		if (ldns_rr_rd_count(rr) != 1)
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "bad %s rdata", vouch_dns_type_name(r->type));
		r->u.nm.name = vouch__zone_rdf_name(ld, ldns_rr_rdf(rr, 0),
		    &rc);
		return rc;
	case VOUCH_DNS_TXT:
	case VOUCH_DNS_SPF:
		return decode_txt(ld, rr, r);
	default:
		return 0;
	}
}

static int
add_record(struct zone_loader *ld, ldns_rr *rr)
{
	struct zone_rec r;
	const char *owner;
	size_t i, wire = 0;
	int rc = 0;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return 0;
	memset(&r, 0, sizeof(r));
	r.type = (uint16_t)ldns_rr_get_type(rr);
	r.ttl = ldns_rr_ttl(rr);
	r.line = ld->start;
	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		wire += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (wire > DNS_RRSET_MAX)
		return vouch__zone_lerr(ld, VOUCH_ELIMIT,
		    "rdata over %u octets", (unsigned)DNS_RRSET_MAX);
	r.wire = (uint16_t)wire;
	if ((owner = vouch__zone_rdf_name(ld, ldns_rr_owner(rr), &rc)) == NULL)
		return rc;
	if ((rc = decode(ld, rr, &r)) != 0)
		return rc;
	if ((rc = vouch__zone_node(ld->z, owner, &r.node)) == 0)
		rc = vouch__zone_add_rec(ld->z, &r);
	return rc != 0 ? vouch__zone_lerr(ld, rc, "%s", vouch_strerror(rc)) : 0;
}

int
vouch__zone_record(struct zone_loader *ld)
{
	char *s = ld->entry.data, owner[DNS_TEXT_MAX];
	ldns_rr *rr = NULL;
	ldns_status st;
	size_t n;
	int rc, explicit;

	ttl_first(s);
	explicit = explicit_ttl(s);
	if (vouch__zone_blank(s[0]) && ld->prev == NULL)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "no owner name, and none before");
	if (!vouch__zone_blank(s[0])) {
		for (n = 0; s[n] != '\0' && !vouch__zone_blank(s[n]); n++)
			;
		if (n >= sizeof(owner))
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "owner name too long");
		memcpy(owner, s, n);
		owner[n] = '\0';
		if (ld->origin == NULL && (strcmp(owner, "@") == 0 ||
		    !ldns_dname_str_absolute(owner)))
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "relative name \"%s\" without $ORIGIN", owner);
	}
	st = ldns_rr_new_frm_str(&rr, s, ld->ttl_set ? ld->ttl : DEFAULT_TTL,
	    ld->origin, &ld->prev);
	if (st == LDNS_STATUS_MEM_ERR)
		return vouch__zone_lerr(ld, VOUCH_ENOMEM, "out of memory");
	if (st != LDNS_STATUS_OK)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX, "%s",
		    ldns_get_errorstr_by_id(st));
	if (!explicit)
		ldns_rr_set_ttl(rr, ld->ttl_set ? ld->ttl : DEFAULT_TTL);
	else if (ld->ttl_set < 2) {
		ld->ttl = ldns_rr_ttl(rr);
		ld->ttl_set = 1;
	}
	rc = add_record(ld, rr);
	ldns_rr_free(rr);
	return rc;
}
