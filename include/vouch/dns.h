/*
 * vouch/dns.h - the DNS layer: one interface, several backends.
 *
 * libvouch reaches DNS only through a struct vouch_dns handle, a small
 * versioned table of function pointers in the manner of SQLite's VFS.
 * A query answers (name, type) with a four-way status:
 *
 *   VOUCH_DNS_FOUND     records of that type exist (after CNAMEs)
 *   VOUCH_DNS_NXDOMAIN  the name does not exist
 *   VOUCH_DNS_NODATA    the name exists, but has no records of that type
 *   VOUCH_DNS_RETRY     timeout or SERVFAIL: callers map it to temperror
 *
 * Backends shipped:
 *   unbound  libunbound, caching, optional forwarder ADDR[@PORT], timeout
 *   zone     RFC 1035 master-file text held in memory (tests, what-if);
 *            extra directives $TIMEOUT NAME [TYPE] and $SERVFAIL NAME [TYPE]
 *   overlay  a zone first, another backend for what the zone lacks
 * Anyone may add a backend with vouch_dns_new() and the answer builders.
 *
 * Ownership: vouch_dns_query() gives the caller an answer to release with
 * vouch_dns_answer_free(); every string in it lives as long as the answer.
 * Names in answers are in presentation form, lower case, without the
 * trailing dot.
 *
 * Errors: functions return 0 or a negative VOUCH_E* code.  A DNS failure is
 * not an error: it is status VOUCH_DNS_RETRY in a successful query.
 *
 * Thread safety: a handle may be queried from several threads at once when
 * its backend allows it (all shipped backends do); the query log is locked.
 */
#ifndef VOUCH_DNS_H
#define VOUCH_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <vouch/defs.h>
#include <vouch/err.h>

enum vouch_dns_type {
	VOUCH_DNS_A = 1,
	VOUCH_DNS_CNAME = 5,
	VOUCH_DNS_PTR = 12,
	VOUCH_DNS_MX = 15,
	VOUCH_DNS_TXT = 16,
	VOUCH_DNS_AAAA = 28,
	VOUCH_DNS_SPF = 99
};

enum vouch_dns_status {
	VOUCH_DNS_FOUND = 0,
	VOUCH_DNS_NXDOMAIN = 1,
	VOUCH_DNS_NODATA = 2,
	VOUCH_DNS_RETRY = 3
};

/* An IPv4 or IPv6 address.  family is 4 or 6; IPv4 uses addr[0..3]. */
struct vouch_ip {
	int family;
	unsigned char addr[16];
};

/*
 * Parse IPv4 dotted-quad or IPv6 text (no brackets, no zone id, no
 * prefix).  An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is returned as
 * family 6; vouch_ip_unmap() turns it into family 4.
 * Returns 0 or VOUCH_ESYNTAX.
 */
VOUCH_API int vouch_ip_parse(const char *text, struct vouch_ip *out);
/* If ip is IPv4-mapped IPv6, rewrite it as IPv4.  Returns 1 if it did. */
VOUCH_API int vouch_ip_unmap(struct vouch_ip *ip);
/* Write the canonical text form (RFC 5952 for IPv6).  len >= 46 always
 * suffices.  Returns 0, or VOUCH_ELIMIT if buf is too small. */
VOUCH_API int vouch_ip_format(const struct vouch_ip *ip, char *buf,
    size_t len);
/* The reverse-lookup name of ip: "4.3.2.1.in-addr.arpa" (RFC 1035 3.5)
 * or the 72-byte ip6.arpa name (RFC 3596 2.5), no final dot.  len >= 74
 * always suffices.  Returns 0, VOUCH_EINVAL, or VOUCH_ELIMIT. */
VOUCH_API int vouch_ip_reverse_name(const struct vouch_ip *ip, char *buf,
    size_t len);

struct vouch_dns_txt {
	const char *data;	/* the character-strings joined, NUL added */
	size_t len;		/* bytes in data; data may hold NUL bytes */
	size_t nstrings;	/* how many character-strings the RR had */
	const uint16_t *lengths; /* the length of each one */
};

struct vouch_dns_rr {
	uint16_t type;		/* enum vouch_dns_type */
	uint32_t ttl;
	union {
		struct vouch_ip ip;		/* A, AAAA */
		struct {
			uint16_t preference;
			const char *exchange;	/* "" for a null MX "." */
		} mx;
		const char *name;		/* PTR, CNAME */
		struct vouch_dns_txt txt;	/* TXT, SPF */
	} u;
};

struct vouch_dns_answer {
	enum vouch_dns_status status;
	uint16_t type;			/* the type asked for */
	const char *qname;		/* the name asked for */
	const char *canonical;		/* owner after CNAMEs, or qname */
	uint32_t ttl;			/* smallest TTL of the records */
	size_t count;			/* records in rr (0 unless FOUND) */
	const struct vouch_dns_rr *rr;
	const char *reason;		/* RETRY: "timeout", "SERVFAIL", ... */
};

struct vouch_dns;

/* ---- using a handle ---------------------------------------------------- */

/*
 * Ask for (name, type).  name may end with a dot; case is ignored.
 * On success *out is an answer the caller owns.  Returns 0, VOUCH_EINVAL
 * for a name that is not a valid domain name (empty label, label over 63
 * octets, name over 253), or VOUCH_ENOMEM.
 */
VOUCH_API int vouch_dns_query(struct vouch_dns *dns, const char *name,
    uint16_t type, struct vouch_dns_answer **out);
VOUCH_API void vouch_dns_answer_free(struct vouch_dns_answer *ans);
/* Release the handle and its backend.  NULL is a no-op. */
VOUCH_API void vouch_dns_free(struct vouch_dns *dns);

/* "found", "nxdomain", "nodata", "retry". */
VOUCH_API const char *vouch_dns_status_name(enum vouch_dns_status st);
/* "A", "TXT", ... or "TYPE<n>" written into a static table entry. */
VOUCH_API const char *vouch_dns_type_name(uint16_t type);

/* ---- the query log ----------------------------------------------------- */

struct vouch_dns_logent {
	const char *name;		/* as asked, lower case, no final dot */
	uint16_t type;
	enum vouch_dns_status status;
	size_t count;			/* records answered */
};

/* Start (on != 0) or stop recording queries.  Returns 0 or VOUCH_ENOMEM. */
VOUCH_API int vouch_dns_log_enable(struct vouch_dns *dns, int on);
VOUCH_API size_t vouch_dns_log_count(const struct vouch_dns *dns);
/* Borrowed until the next vouch_dns_log_clear() or vouch_dns_free(). */
VOUCH_API const struct vouch_dns_logent *vouch_dns_log_get(
    const struct vouch_dns *dns, size_t i);
VOUCH_API void vouch_dns_log_clear(struct vouch_dns *dns);

/* ---- backends ---------------------------------------------------------- */

struct vouch_dns_unbound_opts {
	const char *forwarder;	/* "ADDR[@PORT]", or NULL: /etc/resolv.conf */
	unsigned timeout_ms;	/* per query; 0 means 5000 */
	int tcp;		/* nonzero: queries over TCP only */
	unsigned cache_entries;	/* answers kept in process; 0: 65536 */
	int no_cache;		/* nonzero: no answer cache (see below) */
};

/*
 * A caching resolver through libunbound.  opts may be NULL.  Unless
 * no_cache is set, the handle is wrapped in vouch_dns_cache_new(): a
 * cached answer then costs no round trip to libunbound's thread.
 */
VOUCH_API int vouch_dns_unbound_new(const struct vouch_dns_unbound_opts *opts,
    struct vouch_dns **out, struct vouch_error *err);

/*
 * An in-memory zone from RFC 1035 master-file text: $ORIGIN, $TTL,
 * relative names, @, parentheses, TXT with several strings and escapes,
 * wildcards (RFC 4592).  No SOA needed.  Two more directives:
 *   $TIMEOUT NAME [TYPE]    queries time out (status RETRY)
 *   $SERVFAIL NAME [TYPE]   queries get SERVFAIL (status RETRY)
 * Without TYPE every type at NAME fails.  Errors name file:line.
 * origin may be NULL (then names must be absolute or $ORIGIN given).
 */
VOUCH_API int vouch_dns_zone_new_file(const char *path,
    struct vouch_dns **out, struct vouch_error *err);
VOUCH_API int vouch_dns_zone_new_text(const char *text, size_t len,
    const char *origin, struct vouch_dns **out, struct vouch_error *err);

/*
 * A cache in front of another handle.  Found, NXDOMAIN and NODATA answers
 * are kept until their TTL runs out, at most VOUCH_DNS_CACHE_TTL_MAX
 * seconds (negative answers, which carry no TTL here, for
 * VOUCH_DNS_CACHE_NEG_TTL); RETRY answers and TTL 0 never.  At most
 * max_entries answers (0: 65536); when full the oldest goes first.  The
 * caller gets a copy with the TTLs as first received.  Takes ownership of
 * inner, even on failure.  Thread-safe (one lock around the table).
 */
#define VOUCH_DNS_CACHE_TTL_MAX 86400
#define VOUCH_DNS_CACHE_NEG_TTL 60
VOUCH_API int vouch_dns_cache_new(struct vouch_dns *inner, size_t max_entries,
    struct vouch_dns **out);

/*
 * Answers from zone when it holds records of the asked type at the name
 * (or a $TIMEOUT/$SERVFAIL for it); from fallback otherwise.  Takes
 * ownership of both handles, even on failure.
 */
VOUCH_API int vouch_dns_overlay_new(struct vouch_dns *zone,
    struct vouch_dns *fallback, struct vouch_dns **out);

/*
 * A handle that forwards to inner (borrowed: it must outlive this one)
 * while a budget lasts: at most max_queries queries and max_ms
 * milliseconds of wall-clock time from the first query; after that
 * every query answers RETRY with reason "DNS budget for this message
 * exhausted".  One per message, one thread.  0 for a limit means none.
 */
VOUCH_API int vouch_dns_budget_new(struct vouch_dns *inner,
    unsigned max_queries, unsigned max_ms, struct vouch_dns **out);
/* Queries passed to inner, milliseconds spent, and whether the budget
 * refused one; all 0 for a handle that is not a budget. */
VOUCH_API void vouch_dns_budget_stats(const struct vouch_dns *dns,
    unsigned *queries, unsigned *ms, int *spent);

/* ---- writing a backend ------------------------------------------------- */

#define VOUCH_DNS_METHODS_VERSION 1

struct vouch_dns_methods {
	int version;		/* VOUCH_DNS_METHODS_VERSION */
	const char *name;	/* "zone", "unbound", ... */
	/* name is validated, lower case, without the final dot. */
	int (*query)(void *impl, const char *name, uint16_t type,
	    struct vouch_dns_answer **out);
	void (*destroy)(void *impl);
};

/* Wrap a backend.  On success the handle owns impl; on failure the caller
 * still does. */
VOUCH_API int vouch_dns_new(const struct vouch_dns_methods *methods,
    void *impl, struct vouch_dns **out);
/* The methods' name of a handle ("zone", "overlay", ...). */
VOUCH_API const char *vouch_dns_backend(const struct vouch_dns *dns);

/* Answer builders for backends: the answer owns everything added. */
VOUCH_API int vouch_dns_answer_new(const char *qname, uint16_t type,
    enum vouch_dns_status status, struct vouch_dns_answer **out);
VOUCH_API int vouch_dns_answer_set_canonical(struct vouch_dns_answer *ans,
    const char *name);
VOUCH_API int vouch_dns_answer_set_reason(struct vouch_dns_answer *ans,
    const char *reason);
VOUCH_API int vouch_dns_answer_add_ip(struct vouch_dns_answer *ans,
    uint32_t ttl, const struct vouch_ip *ip);
VOUCH_API int vouch_dns_answer_add_mx(struct vouch_dns_answer *ans,
    uint32_t ttl, uint16_t preference, const char *exchange);
VOUCH_API int vouch_dns_answer_add_name(struct vouch_dns_answer *ans,
    uint16_t type, uint32_t ttl, const char *name);
/* strings: nstrings character-strings of lengths[i] bytes each. */
VOUCH_API int vouch_dns_answer_add_txt(struct vouch_dns_answer *ans,
    uint16_t type, uint32_t ttl, const unsigned char *const *strings,
    const size_t *lengths, size_t nstrings);

#endif /* VOUCH_DNS_H */
