/*
 * vouch/authres.h - the Authentication-Results header field (RFC 8601):
 * write ours, read others', and find the ones that claim our
 * authserv-id so they can be removed on the way in.
 *
 * Writing: a builder takes the authserv-id and result fragments
 * ("spf=pass smtp.mailfrom=example.com", as the SPF, DKIM and DMARC
 * modules produce them, already escaped) and joins them into one field
 * value, folded at 78 columns between tokens.  Every value the builder
 * writes itself (the authserv-id) is checked or quoted so that no input
 * can add a result, a property or a line (SECURITY.md); a fragment that
 * holds a line end or a control octet is refused (VOUCH_EINVAL).
 *
 * Reading: vouch_authres_parse() reads one field value with the RFC 8601
 * section 2.2 grammar: authserv-id (a value, token or quoted-string),
 * optional authres-version, "none" or resinfo list; each result's method
 * (and method version), result, reason= and properties (ptype.property =
 * value, the value a token, quoted-string or [local-part]@domain), CFWS
 * and comments anywhere CFWS may appear.  Names are lower-cased; values
 * keep their case, quotes removed.  A field without an authserv-id is
 * VOUCH_ESYNTAX.  At most VOUCH_AUTHRES_RESULTS_MAX results are read;
 * more set truncated.
 *
 * Ownership: a parsed struct vouch_authres owns all its strings.
 * Thread safety: objects are not shared.
 */
#ifndef VOUCH_AUTHRES_H
#define VOUCH_AUTHRES_H

#include <stddef.h>

#include <vouch/defs.h>
#include <vouch/err.h>
#include <vouch/msg.h>

#define VOUCH_AUTHRES_RESULTS_MAX 32	/* SECURITY.md */
#define VOUCH_AUTHRES_PROPS_MAX 16	/* properties read per result */

/* ---- writing ------------------------------------------------------------ */

struct vouch_authres_builder;

/*
 * authserv_id: a domain name or other value (RFC 8601 2.5); written bare
 * when it is a dot-atom that is also an RFC 2045 token, else refused
 * (VOUCH_EINVAL): an authserv-id is configuration, and one that needs
 * quoting is a mistake.
 */
VOUCH_API int vouch_authres_builder_new(const char *authserv_id,
    struct vouch_authres_builder **out);
VOUCH_API void vouch_authres_builder_free(struct vouch_authres_builder *b);
/* Append one resinfo ("method=result ..." as the modules write it). */
VOUCH_API int vouch_authres_builder_add(struct vouch_authres_builder *b,
    const char *fragment);
/*
 * The field value, starting with a space and without the final line
 * end, folded with CRLF + TAB between tokens so no line exceeds 78
 * octets where a token allows ("Authentication-Results:" counted on the
 * first line); "; none" when nothing was added.  *out is the caller's
 * (free()).
 */
VOUCH_API int vouch_authres_builder_finish(struct vouch_authres_builder *b,
    char **out);

/* ---- reading ------------------------------------------------------------ */

struct vouch_authres_prop {
	const char *ptype;		/* "smtp", "header", "body", "policy" */
	const char *property;		/* "mailfrom", "d", ... */
	const char *value;
};

struct vouch_authres_result {
	const char *method;		/* "spf", "dkim", "dmarc", ... */
	int method_version;		/* 0 when not given */
	const char *result;		/* "pass", ... */
	const char *reason;		/* reason= value, or NULL */
	const char *comment;		/* the first comment after the
					   result, or NULL */
	size_t nprops;
	const struct vouch_authres_prop *props;
};

struct vouch_authres {
	const char *authserv_id;
	int version;			/* authres-version, 1 when absent */
	int none;			/* "; none" */
	int truncated;			/* results beyond the cap were left */
	size_t nresults;
	const struct vouch_authres_result *results;
};

VOUCH_API int vouch_authres_parse(const char *value, size_t len,
    struct vouch_authres **out, struct vouch_error *err);
/*
 * For reading what another receiver recorded, never for deciding: as
 * vouch_authres_parse(), but a value the strict parser refuses is read
 * again as Microsoft writes its own, without the authserv-id RFC 8601
 * requires ("spf=pass (sender IP is ...) ...") and with properties that
 * have no ptype ("dmarc=fail action=quarantine", dropped).  *no_id is
 * set when the authserv-id was missing (ar->authserv_id is then a
 * placeholder to ignore).
 */
VOUCH_API int vouch_authres_parse_lenient(const char *value, size_t len,
    struct vouch_authres **out, int *no_id, struct vouch_error *err);
VOUCH_API void vouch_authres_free(struct vouch_authres *ar);

/* The value of property ptype.property of r, or NULL. */
VOUCH_API const char *vouch_authres_prop(const struct vouch_authres_result *r,
    const char *ptype, const char *property);

/*
 * The Authentication-Results fields of msg that claim authserv_id
 * (compared case-insensitively, RFC 8601 5), as 1-based occurrence
 * numbers among the fields of that name (what smfi_chgheader() wants),
 * in increasing order.  A field whose value does not parse but starts
 * with that authserv-id counts as claiming it.  *idx is the caller's
 * (free()); *n may be 0 (then *idx is NULL).
 */
VOUCH_API int vouch_authres_ours(const struct vouch_msg *msg,
    const char *authserv_id, size_t **idx, size_t *n);

#endif /* VOUCH_AUTHRES_H */
