/*
 * authmilter_suite.h - the authentication-milter end-to-end cases as a
 * conformance suite for vouch_verdict_* (SPF + DKIM + DMARC ->
 * Authentication-Results).
 *
 * The corpus (shared/corpora/authentication-milter, see its PROVENANCE.md)
 * is read in place under VOUCH_CORPORA: index.tsv gives each case's
 * envelope, source message, milter configuration and the milter's output;
 * one BIND-style zonefile serves every case.  Pieces:
 *
 *   authmilter_zone.c    the zonefile -> master-file text for the zone
 *                        backend (;ERROR lines -> $SERVFAIL / $TIMEOUT)
 *   authmilter_conf.c    the few settings of a milter configuration that
 *                        decide what its output means
 *   authmilter_expect.c  the milter's output: the Authentication-Results
 *                        fields it added (read with vouch_authres_parse()),
 *                        or the rejection it gave; SMTP transcripts
 *   authmilter_check.c   our verdict against that output, one check per
 *                        method (spf, dkim, dmarc) plus the action
 *   authmilter_suite.c   main(): the index, running vouch_verdict_*, the
 *                        skip list (authmilter-skips.tsv), counting
 *
 * Shares the string buffer, the master-file writer and the skip list with
 * the SPF runner (suite_util.c, zone_text.c, suite_skip.c; spf_suite.h).
 * Everything here is test code: allocation failure exits the program.
 */
#ifndef AUTHMILTER_SUITE_H
#define AUTHMILTER_SUITE_H

#include <stddef.h>

#include <vouch/authres.h>
#include <vouch/verdict.h>

#include "spf_suite.h"

#define AM_DIR "authentication-milter"	/* under VOUCH_CORPORA */

/* ---- the zonefile (authmilter_zone.c) ---------------------------------- */

/*
 * Append master-file text for the zone backend built from the BIND-style
 * zonefile in buf.  Returns 0, or -1 with err naming the line.
 */
int am_zone_text(const char *buf, size_t len, struct strbuf *out,
    char *err, size_t errlen);

/* ---- a milter configuration (authmilter_conf.c) ------------------------ */

#define AM_IPMAP_MAX 16

/* ip_map: a client inside net is evaluated as ip with HELO helo. */
struct am_ipmap {
	struct vouch_ip net;
	unsigned bits;
	char ip[64];
	char helo[256];
};

struct am_conf {
	char name[64];			/* "normal", "hide_none.smtp", ... */
	char authserv_id[256];		/* the id its A-R fields carry */
	int smtp;			/* "protocol": "smtp" */
	int no_strict;			/* DKIM "no_strict": RFC 8301 off */
	/* hide_none per handler: a "none" result is left out */
	int hide_none_spf, hide_none_dkim, hide_none_dmarc;
	struct am_ipmap map[AM_IPMAP_MAX];
	size_t nmap;
};

/* dir is the running_config column ("config/normal").  Returns 0, or -1
 * with err filled. */
int am_conf_load(const char *dir, struct am_conf *c, char *err,
    size_t errlen);
/* Apply ip_map to an envelope: *ip and *helo may be replaced (helo then
 * points into c). */
void am_conf_map(const struct am_conf *c, struct vouch_ip *ip,
    const char **helo);

/* ---- the milter's output (authmilter_expect.c) ------------------------- */

struct am_expect {
	int rejected;			/* the milter refused the message */
	char reply[256];		/* its SMTP reply when rejected */
	size_t nar;			/* A-R fields claiming authserv-id */
	struct vouch_authres **ar;
};

/*
 * Read the milter's output for message nth (1-based; SMTP transcripts
 * hold one DATA section per message of the session).  buf NULL: the
 * output file does not exist, and notes (the index column) must say the
 * message was rejected.  Returns 0, or -1 with err filled.
 */
int am_expect_load(const char *buf, size_t len, const char *notes,
    const struct am_conf *c, unsigned nth, struct am_expect *e,
    char *err, size_t errlen);
void am_expect_free(struct am_expect *e);

/* ---- comparing (authmilter_check.c) ------------------------------------ */

enum am_check { AM_SPF, AM_DKIM, AM_DMARC, AM_ACTION, AM_NCHECKS };

enum am_outcome {
	AM_AGREE = 0,
	AM_DIFFER,
	AM_NOTHING		/* the milter's output says nothing to
				   compare (no disposition applied) */
};

/* "spf", "dkim", "dmarc", "action": the skip list's id column. */
const char *am_check_name(enum am_check k);

/*
 * Compare one check.  ours is our Authentication-Results value parsed
 * back; v the verdict; env the envelope it was given (after ip_map).
 * why gets "expected ..., got ..." on AM_DIFFER, got a short summary of
 * our side in every case.
 */
enum am_outcome am_compare(enum am_check k, const struct am_expect *e,
    const struct am_conf *c, const struct vouch_authres *ours,
    const struct vouch_verdict *v,
    const struct vouch_verdict_envelope *env, struct strbuf *why,
    struct strbuf *got);

#endif /* AUTHMILTER_SUITE_H */
