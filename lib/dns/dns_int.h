/*
 * lib/dns/dns_int.h - internals shared by the files of the DNS layer:
 * dns.c (the handle, vouch_dns_query(), the query log), dns_answer.c
 * (answers and their builders), dns_name.c (domain names in canonical
 * text form), dns_packet.c (wire-form responses), dns_ip.c, and the
 * backends dns_zone*.c, dns_unbound.c, dns_overlay.c and dns_cache.c.
 *
 * Canonical text form of a name, used for every name the layer stores,
 * compares or hands out: the labels joined by '.', without the final dot,
 * ASCII letters in lower case, and every octet outside 0x21..0x7e, '.'
 * and '\' written as \DDD (RFC 1035 section 5.1).  It is presentation
 * form, so libunbound and ldns read it back unchanged, and two spellings
 * of one name ("A\032b", "a b") get one key.  The root is "".
 *
 * Thread safety: nothing here has shared state.
 */
#ifndef VOUCH_DNS_INT_H
#define VOUCH_DNS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/dns.h>

#include "util/util.h"

#define DNS_LABEL_MAX 63	/* RFC 1035 2.3.4 */
#define DNS_NAME_MAX 253	/* RFC 1035 2.3.4: 255 octets of wire form */
#define DNS_TEXT_MAX 1024	/* canonical text: 253 octets, \DDD each */
#define DNS_CNAME_MAX 8		/* CNAME hops followed before giving up */
#define DNS_RRSET_MAX 65535	/* SECURITY.md: one RRset, 64 KiB */
#define DNS_ANSWER_MAX (1024 * 1024)	/* bytes one answer may hold */

/*
 * Turn presentation text (escapes allowed, final dot optional) into
 * canonical text in out (outlen >= DNS_TEXT_MAX).  Returns 0, or
 * VOUCH_EINVAL for an empty label, a label over 63 octets, a name over
 * 253, a bad escape or an empty name.
 */
int vouch__dns_name_canon(const char *in, char *out, size_t outlen);

/*
 * Uncompressed wire form (as in an ldns dname rdf) to canonical text.
 * Returns 0 or VOUCH_EINVAL when the wire form is malformed.
 */
int vouch__dns_name_from_wire(const uint8_t *wire, size_t len, char *out,
    size_t outlen);

/*
 * vouch_dns_query() for a name already in canonical text, as a wrapping
 * handle (budget, cache) hands it on: the same but for the name check,
 * which canonical text passes unchanged.
 */
int vouch__dns_query_canon(struct vouch_dns *dns, const char *canon,
    uint16_t type, struct vouch_dns_answer **out);

/* The methods and backend state of a handle, for the overlay. */
const struct vouch_dns_methods *vouch__dns_methods(const struct vouch_dns *d);
void *vouch__dns_impl(const struct vouch_dns *d);

/*
 * Answer builders the public set lacks: a TXT whose strings are already
 * joined (lengths gives each one), and a record of a type the rr union
 * cannot describe (only type and TTL are set).
 */
int vouch__dns_answer_add_txt_joined(struct vouch_dns_answer *ans,
    uint16_t type, uint32_t ttl, const unsigned char *data,
    const uint16_t *lengths, size_t nstrings);
int vouch__dns_answer_add_other(struct vouch_dns_answer *ans, uint16_t type,
    uint32_t ttl);
/* A deep copy of an answer (dns_cache.c hands out copies). */
int vouch__dns_answer_clone(const struct vouch_dns_answer *src,
    struct vouch_dns_answer **out);
/* A new RETRY answer with its reason. */
int vouch__dns_answer_retry(const char *name, uint16_t type,
    const char *reason, struct vouch_dns_answer **out);

/*
 * A response (wire, len bytes) with its rcode into an answer for
 * (name, type); see dns_packet.c.  Returns 0 or VOUCH_ENOMEM.
 */
int vouch__dns_from_packet(const char *name, uint16_t type, int rcode,
    const void *wire, size_t len, struct vouch_dns_answer **out);

/* ---- the zone backend: dns_zone.c (store, query), dns_zone_load.c ----- */

#define ZONE_TEXT_MAX (256UL * 1024 * 1024)	/* zone text accepted */
#define ZONE_RECORDS_MAX 20000000UL		/* records in one zone */

/* One resource record, its owner a node index, rdata already decoded. */
struct zone_rec {
	uint32_t node;
	uint32_t line;		/* where it was written, for messages */
	uint32_t ttl;
	uint16_t type;
	uint16_t wire;		/* octets of wire form, for the RRset cap */
	union {
		struct vouch_ip ip;			/* A, AAAA */
		struct {
			uint16_t pref;			/* MX */
			const char *name;		/* MX, CNAME, PTR */
		} nm;
		struct {
			const unsigned char *data;	/* strings joined */
			const uint16_t *lengths;
			uint32_t n;
		} txt;					/* TXT, SPF */
	} u;
};

/* A $TIMEOUT or $SERVFAIL directive; type 0 stands for every type. */
struct zone_fail {
	uint32_t node;
	uint16_t type;
	unsigned char servfail;
};

struct zone_node {
	const char *name;	/* canonical text */
	uint32_t hash;
	uint32_t first, nrec;	/* its records: recs[first .. first+nrec) */
	uint32_t ffirst, nfail;	/* its directives, the same way */
	unsigned char exists;	/* has records or descendants (RFC 4592) */
	unsigned char cname;	/* has a CNAME */
};

/* Written by the loader only; read-only, hence thread-safe, after
 * vouch__zone_finish(). */
struct vouch__zone {
	struct vouch__arena arena;	/* names and rdata */
	struct zone_node *nodes;
	size_t nnodes, capnodes;
	uint32_t *table;		/* open addressing: node index + 1 */
	size_t tsize;			/* a power of two */
	struct zone_rec *recs;
	size_t nrecs, caprecs;
	struct zone_fail *fails;
	size_t nfails, capfails;
};

/* An empty zone; on failure nothing is left to free. */
int vouch__zone_new(struct vouch__zone **out);
void vouch__zone_free(struct vouch__zone *z);
/* Find the node for a canonical name, creating it; *idx its index. */
int vouch__zone_node(struct vouch__zone *z, const char *name, uint32_t *idx);
/* Append a record (r->node set); its owner and ancestors now exist. */
int vouch__zone_add_rec(struct vouch__zone *z, const struct zone_rec *r);
int vouch__zone_add_fail(struct vouch__zone *z, const struct zone_fail *f);
/*
 * Group records by owner keeping file order, then check what needs the
 * whole zone: CNAME beside other data, RRsets over 64 KiB.  Returns 0, or
 * an error code with *line and why (whylen bytes) set.
 */
int vouch__zone_finish(struct vouch__zone *z, unsigned *line, char *why,
    size_t whylen);
/* Wrap a finished zone in a handle that owns it (freed on failure). */
int vouch__zone_handle(struct vouch__zone *z, struct vouch_dns **out);

/* Loading (dns_zone_load.c reads entries, dns_zone_rr.c the records). */
struct ldns_struct_rdf;

struct zone_loader {
	struct vouch__zone *z;
	const char *file;	/* for messages: a path or "<text>" */
	const char *text;
	size_t len, pos;
	unsigned line;		/* the line being read */
	unsigned start;		/* the line the current entry started on */
	struct vouch__buf entry;
	struct ldns_struct_rdf *origin;	/* NULL until known */
	struct ldns_struct_rdf *prev;	/* the last owner */
	uint32_t ttl;		/* $TTL, or the last explicit TTL */
	int ttl_set;		/* 0 none, 1 explicit TTL seen, 2 $TTL */
	struct vouch_error *err;
};

/* Fill ld->err with "FILE:LINE: message" and return code. */
int vouch__zone_lerr(struct zone_loader *ld, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Canonical text of a dname rdf, copied into the zone arena. */
const char *vouch__zone_rdf_name(struct zone_loader *ld,
    const struct ldns_struct_rdf *r, int *rc);
/* The record in ld->entry into the zone. */
int vouch__zone_record(struct zone_loader *ld);

static inline int
vouch__zone_blank(char c)
{
	return c == ' ' || c == '\t';
}

#endif /* VOUCH_DNS_INT_H */
