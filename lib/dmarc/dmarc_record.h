/*
 * lib/dmarc/dmarc_record.h - the DMARC policy record parser (RFC 9989
 * 4.7, 4.8): dmarc_record.c reads the tag list and the single-valued
 * tags, dmarc_uri.c the rua/ruf URI lists (RFC 3986 URIs, the obsolete
 * "!size" suffix).  What one parse produces (the record, its strings,
 * URI arrays and findings) lives in one arena; nothing here does I/O.
 *
 * Problems in a record are findings, never failures: the only errors are
 * VOUCH_ENOMEM and, for vouch_dmarc_record_parse(), VOUCH_ENOTFOUND (not
 * a DMARC record) and VOUCH_EINVAL (NULL arguments).
 * Thread safety: no shared state.
 */
#ifndef VOUCH_DMARC_RECORD_H
#define VOUCH_DMARC_RECORD_H

#include <stddef.h>

#include "vouch/dmarc.h"
#include "util/util.h"

/* Hard caps (SECURITY.md: every count from input is capped).  Past one of
 * them the rest is not read and a "syntax" finding says which limit. */
#define DMARC_RECORD_MAX_BYTES 65536	/* tag-specs ending past it */
#define DMARC_RECORD_MAX_TAGS 64	/* tag-specs, "v" included */
#define DMARC_RECORD_MAX_URIS 32	/* entries of one rua/ruf list */
#define DMARC_QUOTE_MAX 64		/* input bytes quoted in a message */
#define DMARC_LIMIT_TEXT_MAX 256	/* text kept for a limit finding */

struct dmarc_fnode;

/* One parse in progress. */
struct dmarc_rp {
	struct vouch__arena *a;
	struct vouch_dmarc_record *r;
	struct dmarc_fnode *head;	/* findings, in order */
	struct dmarc_fnode **tail;
	size_t nfindings;
	int p_given;			/* a p tag was read */
	int sub_invalid;		/* sp or np given, not valid */
};

/*
 * Append a finding: text (tlen bytes, kept as given) and a message made
 * from fmt, in which bytes outside printable ASCII become "?".  tag is
 * borrowed for the record's life (a static name or an arena string).
 * Returns 0 or VOUCH_ENOMEM.
 */
int vouch__dmarc_finding(struct dmarc_rp *p, const char *code,
    enum vouch_dmarc_severity sev, const char *tag, const char *text,
    size_t tlen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Up to DMARC_QUOTE_MAX bytes of s into buf (room for DMARC_QUOTE_MAX +
 * 4), "..." added when cut, NUL and control bytes shown as "?". */
/* The fo= options in bit order: VOUCH_DMARC_FO_0 is bit 0. */
extern const char vouch__dmarc_fo_opts[];

#define DMARC_QUOTE_BUF (DMARC_QUOTE_MAX + 4)
const char *vouch__dmarc_quote(char *buf, const char *s, size_t n);

/* Nonzero when s (n bytes) is an RFC 3986 3 URI in which "," "!" ";" and
 * whitespace do not occur (RFC 9989 4.8 dmarc-uri). */
int vouch__dmarc_uri_valid(const char *s, size_t n);

/*
 * A dmarc-urilist (RFC 9989 4.8) for tag ("rua" or "ruf"): the valid
 * URIs, "!size" removed, into an arena array (*out, *nout); findings for
 * invalid entries (dropped), "!size" suffixes, non-mailto URIs and the
 * URI cap.  v is the trimmed, non-empty value.  Returns 0 or
 * VOUCH_ENOMEM.
 */
int vouch__dmarc_urilist(struct dmarc_rp *p, const char *tag, const char *v,
    size_t n, const char *const **out, size_t *nout);

#endif /* VOUCH_DMARC_RECORD_H */
