/*
 * lib/spf/spf_tree.h - a domain's SPF include/redirect tree, walked with
 * the evaluator's own parts: record selection (RFC 7208 4.5) and parsing
 * (4.6, 12), the counting of DNS-querying terms and void lookups (4.6.4),
 * target names and macros (7), and the lookups of a, mx, ptr and exists
 * (5).  The domain audit (lib/audit/) shows the tree with the counts of
 * each branch, so that they are the evaluator's counts, not a second
 * opinion.
 *
 * The walk is check_host() for the domain and the MAIL FROM
 * postmaster@<domain>, for a client that no sender uses (the limited
 * broadcast address 255.255.255.255, SPF_TREE_CLIENT), so that it goes
 * where mail from an unauthorized host takes a receiver: through every
 * term up to the first "all", into every include, then redirect=.  It
 * stops where check_host() stops (a match, a permerror, a temperror),
 * except that the limits of 4.6.4 on terms and void lookups are raised
 * to SPF_TREE_TERMS_MAX and SPF_TREE_VOIDS_MAX: the tree reports the
 * whole count (say 23) and where a receiver would have given up (the
 * 11th term).  An include or redirect back to a domain already on the
 * path is a loop: the walk stops there (a receiver goes round until the
 * limit, a permerror either way).
 *
 * vouch_spf_check() with the same client, the same raised limits and
 * the same domain counts the same dns_lookups and void_lookups, loops
 * aside; tests/unit/test_audit.c checks it on every fixture.
 *
 * Ownership: the tree and every string in it live in tree->arena until
 * vouch__spf_tree_free().  Thread safety: one walk per tree; the DNS
 * handle may be shared.
 */
#ifndef VOUCH_SPF_TREE_H
#define VOUCH_SPF_TREE_H

#include "spf/spf_int.h"

#define SPF_TREE_CLIENT "255.255.255.255"
#define SPF_TREE_TERMS_MAX 100	/* raised 4.6.4 limits for the walk */
#define SPF_TREE_VOIDS_MAX 100
#define SPF_RFC_TERMS 10	/* the 4.6.4 limits a receiver applies */
#define SPF_RFC_VOIDS 2
#define SPF_TREE_ARENA_MAX (8u * 1024u * 1024u)
#define SPF_TXT_STRING_MAX 255	/* RFC 1035 3.3: one character-string */

/* One record of the tree (or the place where one was looked for). */
struct spf_tnode {
	const char *domain;
	const struct spf_term *via;	/* the parent's term; NULL at root */
	struct spf_tnode *parent;
	struct spf_tnode *child, *last, *next;	/* children in order */
	size_t nchildren;
	unsigned depth;

	/* "ok", "none", "several", "syntax-error", "temperror", "loop",
	 * "limit" (the raised limits ran out inside this record). */
	const char *status;
	const char *error;		/* why, when status is not "ok" */
	enum vouch_dns_status txt_status;	/* the TXT query */
	size_t nrecords;		/* v=spf1 records at the name */
	const char *text;		/* the (first) SPF record, or NULL */
	const struct spf_record *rec;	/* parsed; NULL unless "ok" (or
					   "limit") */
	const char *bad_term;		/* syntax-error: the refused term */
	size_t txt_wire;		/* the TXT answer's size in a DNS
					   message without EDNS */
	size_t nstrings;		/* the record's character-strings */
	const uint16_t *lengths;
	size_t long_strings;		/* of them, over 255 octets */

	unsigned dns_lookups;		/* terms counted in this record */
	unsigned void_lookups;		/* void lookups of its own terms */
	unsigned total_lookups;		/* with everything below */
	unsigned total_voids;
};

struct spf_tree {
	struct vouch__arena arena;
	struct spf_tnode *root;
	enum vouch_spf_result result;	/* check_host() for the client */
	const char *error;		/* its reason (permerror/temperror) */
	unsigned dns_lookups;		/* the whole walk */
	unsigned void_lookups;
	/* Where a receiver with the RFC limits stops: the term that is DNS
	 * term number 11, the term that makes void lookup number 3. */
	const struct spf_term *over_term;
	const char *over_domain;
	const struct spf_term *void_term;
	const char *void_domain;
	int capped;			/* the raised limits ran out */
	size_t nnodes;
};

/*
 * Walk the tree of domain (lower-case A-labels) into *out (the caller's,
 * vouch__spf_tree_free()).  DNS failures are in the tree, not errors.
 * Returns 0, VOUCH_EINVAL (NULL arguments) or VOUCH_ENOMEM.
 */
int vouch__spf_tree_walk(struct vouch_dns *dns, const char *domain,
    int64_t now, struct spf_tree **out);
void vouch__spf_tree_free(struct spf_tree *t);

/*
 * Parse txt as an SPF record and, on a syntax error, name the term the
 * parser refused (*bad_term in a, or NULL when the error is not one
 * term's).  Returns what vouch__spf_record_parse() returns.
 */
int vouch__spf_record_check(const char *txt, size_t len,
    struct vouch__arena *a, struct spf_record *out, const char **bad_term,
    char *why, size_t whylen);

#endif /* VOUCH_SPF_TREE_H */
