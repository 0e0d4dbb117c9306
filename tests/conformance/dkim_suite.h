/*
 * dkim_suite.h - the DKIM conformance runner (tests/conformance/dkim_*).
 *
 * The runner reads public DKIM corpora in place under VOUCH_CORPORA (see
 * shared/corpora/README.md, "DKIM data: what to expect" and "Other DNS
 * text formats used here"), turns each corpus's DNS text into RFC 1035
 * master-file text for the zone backend, and verifies every message with
 * vouch_dkim_verify_*.  Pieces:
 *
 *   dkim_corpus.c   the five corpus layouts: DNS records and messages
 *   dkim_expect.c   per-message expectations, each mapped from the
 *                   corpus's own word to RFC 6376/8301/8601 result words
 *   dkim_json.c     the one JSON shape used (mailauth dns.json)
 *   dkim_suite.c    main(): options, zones, running, the chunking property
 *
 * It shares the string buffer, the master-file writer and the skip list
 * with the SPF runner (suite_util.c, zone_text.c, suite_skip.c; declared
 * in spf_suite.h).  Everything here is test code: allocation failure
 * exits the program.
 */
#ifndef DKIM_SUITE_H
#define DKIM_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "spf_suite.h"

/* ---- DNS records of a corpus ------------------------------------------ */

enum drec_kind {
	DREC_TXT,		/* one TXT RR of nstr character-strings */
	DREC_NXDOMAIN,		/* listed only to say the name does not exist */
	DREC_TIMEOUT,		/* $TIMEOUT */
	DREC_SERVFAIL		/* $SERVFAIL */
};

struct drec {
	enum drec_kind kind;
	char *owner;
	char **str;		/* DREC_TXT: the character-strings (joined
				   value when the source gives one string) */
	size_t *len;
	size_t nstr;
};

struct dzone {
	struct drec *v;
	size_t n;
	size_t cap;
};

void dzone_free(struct dzone *z);
void dzone_add_txt(struct dzone *z, const char *owner, const char *value,
    size_t len);
/* The next TXT character-string of the last record added. */
void dzone_add_str(struct dzone *z, const char *s, size_t len);
void dzone_add_kind(struct dzone *z, const char *owner, enum drec_kind k);
/*
 * Master-file text for z into out.  When over_owner is not NULL, every
 * record at that owner is replaced by one TXT RR holding over_value.
 */
void dzone_text(const struct dzone *z, const char *over_owner,
    const char *over_value, struct strbuf *out);
/* "<owner> <value>" lines ('#' and ';' comments, blank lines skipped);
 * with special != 0 also FAKE_DNS.dat's NXDOMAIN, ~~Query timed out~~,
 * ~~SERVFAIL~~ and "" values.  Stops at the first blank line when
 * stop_at_blank (Stalwart); returns the offset after that line. */
size_t dzone_load_lines(struct dzone *z, const char *buf, size_t len,
    int special, int stop_at_blank);
/* mailauth's dns.json: {owner: {TYPE: [[string, ...], ...]}}.  Only TXT
 * is kept.  Returns 0, or -1 with err filled. */
int dzone_load_json(struct dzone *z, const char *buf, size_t len,
    char *err, size_t errlen);

/* ---- expectations (dkim_expect.c) ------------------------------------- */

/*
 * One message (or one message with one key record replaced).  strict and
 * legacy are comma-separated result words, one per DKIM-Signature in
 * header order; "" means no signature at all (the message result none);
 * "a|b" accepts either (the first is preferred); "?" means no RFC 6376
 * expectation exists and the case must be in dkim-skips.tsv.
 * strict runs with the default options; legacy with allow_sha1 and
 * allow_short_keys (RFC 8301 switched off), where the upstream "pass" of
 * rsa-sha1 and short-key signatures must hold.  legacy NULL: as strict.
 */
struct dexpect {
	const char *file;	/* relative to the corpus directory */
	const char *variant;	/* NULL, or a name for a key override */
	const char *upstream;	/* the corpus's own word for the message */
	const char *strict;
	const char *legacy;
	int64_t now;		/* 0: the corpus default */
	const char *over_owner;	/* replace the TXT records at this name */
	const char *over_file;	/* ... with this file's first line */
	const char *why;	/* how upstream maps to the words above */
};

enum dformat { DF_MAILAUTH, DF_STALWART, DF_DKIMPY, DF_OCAML, DF_MDKIM };

struct dtable {
	const char *name;	/* "mailauth", ... */
	const char *dir;	/* corpus directory under VOUCH_CORPORA */
	int64_t now;		/* default clock, see dkim_expect.c */
	int crlf;		/* convert bare LF to CRLF before verifying */
	const struct dexpect *v;
	size_t n;
	/* Messages verified only by --chunking (no expectation). */
	const char *const *extra;
	size_t nextra;
};

const struct dtable *dtable_get(enum dformat f);

/* ---- corpus layouts (dkim_corpus.c) ----------------------------------- */

/*
 * Load the DNS records a corpus's messages need.  For Stalwart the
 * records come with each message: file is the message file and *body_off
 * is set to where the message starts; other formats ignore file and set
 * *body_off to 0.  Returns 0, or -1 with err filled.
 */
int dcorpus_zone(enum dformat f, const char *dir, const char *file,
    const char *buf, size_t len, struct dzone *z, size_t *body_off,
    char *err, size_t errlen);
/*
 * Cross-check a table against the corpus's index.tsv where the index has
 * a machine-readable expectation (Mail::DKIM expected_result, ocaml-dkim
 * valid-signature count) and that every file the table names is listed.
 * Returns the number of disagreements, printed as FAIL lines.
 */
unsigned dcorpus_check_index(enum dformat f, const struct dtable *t);

#endif /* DKIM_SUITE_H */
