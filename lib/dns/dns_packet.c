/*
 * dns_packet.c - a DNS response in wire form (RFC 1035 section 4) into an
 * answer: rcode NXDOMAIN is NXDOMAIN; NOERROR is FOUND or NODATA after
 * following the CNAME chain inside the answer section (RFC 1034 section
 * 4.3.2, at most DNS_CNAME_MAX hops, else RETRY "CNAME loop"); any other
 * rcode is RETRY with the rcode's name (RFC 6895 section 2.3).  Only
 * records of class IN owned by the end of the chain are taken, in the
 * order of the packet.  Used by the unbound backend; parsing is ldns's.
 */
#include <string.h>

#include <ldns/ldns.h>

#include "dns_int.h"

static int
add_txt(struct vouch_dns_answer *a, const ldns_rr *rr, uint16_t type)
{
	size_t i, n = ldns_rr_rd_count(rr);
	const unsigned char **s;
	size_t *len;
	int rc = 0;

	s = vouch__calloc(n ? n : 1, sizeof(*s));
	len = vouch__calloc(n ? n : 1, sizeof(*len));
	if (s == NULL || len == NULL)
		rc = VOUCH_ENOMEM;
	for (i = 0; rc == 0 && i < n; i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);

		if (ldns_rdf_size(f) < 1 ||
		    ldns_rdf_data(f)[0] != ldns_rdf_size(f) - 1)
			rc = VOUCH_ESYNTAX;
		else {
			s[i] = ldns_rdf_data(f) + 1;
			len[i] = ldns_rdf_size(f) - 1;
		}
	}
	if (rc == 0)
		rc = vouch_dns_answer_add_txt(a, type, ldns_rr_ttl(rr), s, len,
		    n);
	vouch__free(s);
	vouch__free(len);
	return rc;
}

/* Add one record of the answer section to a. */
static int
add_rr(struct vouch_dns_answer *a, const ldns_rr *rr)
{
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	const ldns_rdf *f = ldns_rr_rdf(rr, 0);
	char name[DNS_TEXT_MAX];
	struct vouch_ip ip;

	memset(&ip, 0, sizeof(ip));
	switch (type) {
	case VOUCH_DNS_A:
	case VOUCH_DNS_AAAA:
		ip.family = type == VOUCH_DNS_A ? 4 : 6;
		if (f == NULL ||
		    ldns_rdf_size(f) != (ip.family == 4 ? 4u : 16u))
			return VOUCH_ESYNTAX;
		memcpy(ip.addr, ldns_rdf_data(f), ldns_rdf_size(f));
		return vouch_dns_answer_add_ip(a, ldns_rr_ttl(rr), &ip);
	case VOUCH_DNS_MX:
		if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(f) != 2 ||
		    vouch__dns_name_from_wire(ldns_rdf_data(ldns_rr_rdf(rr, 1)),
		    ldns_rdf_size(ldns_rr_rdf(rr, 1)), name, sizeof(name)) != 0)
			return VOUCH_ESYNTAX;
		return vouch_dns_answer_add_mx(a, ldns_rr_ttl(rr),
		    ldns_rdf2native_int16(f), name);
	case VOUCH_DNS_CNAME:
	case VOUCH_DNS_PTR:
		if (f == NULL || vouch__dns_name_from_wire(ldns_rdf_data(f),
		    ldns_rdf_size(f), name, sizeof(name)) != 0)
			return VOUCH_ESYNTAX;
		return vouch_dns_answer_add_name(a, type, ldns_rr_ttl(rr),
		    name);
	case VOUCH_DNS_TXT:
	case VOUCH_DNS_SPF:
		return add_txt(a, rr, type);
	default:
		return vouch__dns_answer_add_other(a, type, ldns_rr_ttl(rr));
	}
}

/* Is rr of the given type, class IN, and owned by name (canonical)? */
static int
rr_is(const ldns_rr *rr, const char *name, uint16_t type)
{
	char owner[DNS_TEXT_MAX];
	const ldns_rdf *o = ldns_rr_owner(rr);

	return ldns_rr_get_type(rr) == type &&
	    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	    vouch__dns_name_from_wire(ldns_rdf_data(o), ldns_rdf_size(o),
	    owner, sizeof(owner)) == 0 && strcmp(owner, name) == 0;
}

/*
 * Follow the CNAMEs from name inside the answer section; *cur gets the
 * last owner (cur has DNS_TEXT_MAX bytes).  Returns 1 if records of the
 * type are there, 0 if not, -1 for a chain that goes on too long.
 */
static int
chase(const ldns_rr_list *an, const char *name, uint16_t type, char *cur)
{
	const ldns_rr *rr;
	size_t i, n = ldns_rr_list_rr_count(an);
	unsigned hops;
	int next;

	vouch__strlcpy(cur, name, DNS_TEXT_MAX);
	for (hops = 0;; hops++) {
		for (i = 0; i < n; i++)
			if (rr_is(ldns_rr_list_rr(an, i), cur, type))
				return 1;
		for (next = 0, i = 0; !next && type != VOUCH_DNS_CNAME &&
		    i < n; i++) {
			rr = ldns_rr_list_rr(an, i);
			if (!rr_is(rr, cur, VOUCH_DNS_CNAME) ||
			    ldns_rr_rd_count(rr) != 1)
				continue;
			next = 1;
			if (hops == DNS_CNAME_MAX)
				return -1;
			if (vouch__dns_name_from_wire(
			    ldns_rdf_data(ldns_rr_rdf(rr, 0)),
			    ldns_rdf_size(ldns_rr_rdf(rr, 0)), cur,
			    DNS_TEXT_MAX) != 0)
				return 0;
		}
		if (!next)
			return 0;
	}
}

static const char *
rcode_name(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE"
	};

	return rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])) ?
	    names[rcode] : "unknown rcode";
}

int
vouch__dns_from_packet(const char *name, uint16_t type, int rcode,
    const void *wire, size_t len, struct vouch_dns_answer **out)
{
	char cur[DNS_TEXT_MAX];
	enum vouch_dns_status st;
	ldns_pkt *pkt = NULL;
	const ldns_rr_list *an;
	size_t i;
	int found, rc;

	*out = NULL;
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
		return vouch__dns_answer_retry(name, type, rcode_name(rcode),
		    out);
	if (wire == NULL || ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return vouch__dns_answer_retry(name, type,
		    "malformed answer", out);
	an = ldns_pkt_answer(pkt);
	found = chase(an, name, type, cur);
	if (found < 0) {
		ldns_pkt_free(pkt);
		return vouch__dns_answer_retry(name, type, "CNAME loop", out);
	}
	st = rcode == LDNS_RCODE_NXDOMAIN ? VOUCH_DNS_NXDOMAIN :
	    found ? VOUCH_DNS_FOUND : VOUCH_DNS_NODATA;
	rc = vouch_dns_answer_new(name, type, st, out);
	if (rc == 0 && strcmp(cur, name) != 0)
		rc = vouch_dns_answer_set_canonical(*out, cur);
	for (i = 0; rc == 0 && st == VOUCH_DNS_FOUND &&
	    i < ldns_rr_list_rr_count(an); i++)
		if (rr_is(ldns_rr_list_rr(an, i), cur, type))
			rc = add_rr(*out, ldns_rr_list_rr(an, i));
	ldns_pkt_free(pkt);
	if (rc == VOUCH_ESYNTAX || rc == VOUCH_ELIMIT) {
		vouch_dns_answer_free(*out);
		return vouch__dns_answer_retry(name, type, rc == VOUCH_ELIMIT ?
		    "answer too large" : "malformed answer", out);
	}
	if (rc != 0) {
		vouch_dns_answer_free(*out);
		*out = NULL;
	}
	return rc;
}
