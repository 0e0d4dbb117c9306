/*
 * vouch/senders.h - sender knowledge: the common mail-sending services
 * (Google Workspace, Microsoft 365, Amazon SES, SendGrid, ...) and the
 * free-mail domains, read from a data file (data/senders.conf, installed
 * as $datadir/vouch/senders.conf) rather than compiled in, so that it can
 * be extended without a release.  The file's format is described at its
 * top and in docs/senders.md.
 *
 * Users: `vouch report sources` (which service an IP or a domain in a
 * report belongs to), `vouch explain` (which include is missing, which
 * From is free-mail), `vouch domain` / `vouch generate` (selectors to
 * probe, includes to write).
 *
 * Matching is on lower-case ASCII names without a trailing dot:
 *   by domain   the name equals one of the service's domains or is a
 *               subdomain of one (a DKIM d=, an envelope domain, an SPF
 *               include target);
 *   by host     the name (a reverse-DNS name of a sending host) matches
 *               one of the service's host patterns, where a leading
 *               "*." stands for one or more labels;
 *   by include  the name equals the service's SPF include domain or one
 *               of its subdomains.
 *
 * Ownership: everything returned points into the loaded set and lives
 * until vouch_senders_free().  A loaded set is read-only: several threads
 * may share it.  Errors: 0 or VOUCH_E*; a syntax error names file:line.
 */
#ifndef VOUCH_SENDERS_H
#define VOUCH_SENDERS_H

#include <stddef.h>

#include <vouch/defs.h>
#include <vouch/err.h>

struct vouch_senders;

struct vouch_sender_service {
	const char *id;			/* "google-workspace" */
	const char *name;		/* "Google Workspace" */
	const char *spf_include;	/* "_spf.google.com", or NULL */
	size_t ndomains;		/* envelope / DKIM / include domains */
	const char *const *domains;
	size_t nhosts;			/* reverse-DNS patterns */
	const char *const *hosts;
	size_t nselectors;		/* DKIM selector conventions */
	const char *const *selectors;
	const char *hint;		/* one line: how to set it up */
	const char *source;		/* where the facts come from (URL) */
};

struct vouch_sender_freemail {
	const char *domain;		/* "gmail.com" */
	const char *provider;		/* "Google" */
	const char *source;
};

/* Load from a file (path NULL: the installed default, then the source
 * tree's copy) or from text held in memory (name is used in errors). */
VOUCH_API int vouch_senders_load(const char *path,
    struct vouch_senders **out, struct vouch_error *err);
VOUCH_API int vouch_senders_parse(const char *text, size_t len,
    const char *name, struct vouch_senders **out, struct vouch_error *err);
VOUCH_API void vouch_senders_free(struct vouch_senders *s);

VOUCH_API size_t vouch_senders_count(const struct vouch_senders *s);
VOUCH_API const struct vouch_sender_service *vouch_senders_at(
    const struct vouch_senders *s, size_t i);
/* NULL when nothing matches. */
VOUCH_API const struct vouch_sender_service *vouch_senders_by_id(
    const struct vouch_senders *s, const char *id);
VOUCH_API const struct vouch_sender_service *vouch_senders_by_domain(
    const struct vouch_senders *s, const char *domain);
VOUCH_API const struct vouch_sender_service *vouch_senders_by_host(
    const struct vouch_senders *s, const char *host);
VOUCH_API const struct vouch_sender_service *vouch_senders_by_include(
    const struct vouch_senders *s, const char *include_domain);

VOUCH_API size_t vouch_senders_freemail_count(const struct vouch_senders *s);
VOUCH_API const struct vouch_sender_freemail *vouch_senders_freemail_at(
    const struct vouch_senders *s, size_t i);
/* The entry for domain (exact, case-insensitive), or NULL. */
VOUCH_API const struct vouch_sender_freemail *vouch_senders_freemail(
    const struct vouch_senders *s, const char *domain);

#endif /* VOUCH_SENDERS_H */
