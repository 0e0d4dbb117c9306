/*
 * cmd_generate.h - vouch generate, shared by its files: cmd_generate.c
 * (the dispatch, and the check every generated record passes before it
 * is printed), cmd_generate_spf.c (vouch generate spf) and
 * cmd_generate_dmarc.c (vouch generate dmarc).
 *
 * The check: the record is put in an in-memory zone laid over the DNS the
 * options ask for (--dns-zone, --dns-overlay, --dns-server, else the
 * resolver), and the domain is audited through it (vouch/audit.h), as if
 * the record were published.  The audit's own findings decide whether the
 * record is printed, and its SPF counts are the ones shown: the same code
 * that audits published records and evaluates mail.
 *
 * Exit statuses as in cmd.h: 0 printed, 1 refused or a runtime error, 2 a
 * usage error.
 */
#ifndef VOUCH_CMD_GENERATE_H
#define VOUCH_CMD_GENERATE_H

#include <vouch/audit.h>

#include "cli.h"

#define GEN_TTL 3600		/* the TTL written in zone-file lines */
#define GEN_RECORD_MAX 4096	/* bytes of one generated record */

/* A generated record, checked. */
struct gen_check {
	struct vouch_dns *dns;		/* the overlay (record + options) */
	struct vouch_audit *audit;	/* the domain audited through it */
	char *strings;			/* the record as zone-file strings of
					   at most 255 octets (malloc) */
};

/*
 * The --domain argument into A-labels (no trailing dot) in out, which
 * holds 256 bytes.  Returns 0, or -1 after printing "vouch generate CMD:
 * 'arg' is not a domain name".
 */
int gen_domain(const char *cmd, const char *opt, const char *arg,
    char *out);

/*
 * Put record at name (TXT) over the DNS of o and audit domain through it.
 * Returns 0 with out filled (gen_check_free()), or an exit status after
 * printing why.
 */
int gen_check(const char *cmd, const struct cli_dns_opts *o,
    const char *domain, const char *name, const char *record,
    struct gen_check *out);
void gen_check_free(struct gen_check *g);

/*
 * Print "vouch generate CMD: refused: ..." on stderr for every error
 * finding of area whose code is not skip (NULL: none skipped); returns
 * how many.
 */
size_t gen_errors(const char *cmd, const struct vouch_audit *a,
    enum vouch_audit_area area, const char *skip);

/* The findings of area as a JSON array (NULL when out of memory). */
json_t *gen_findings_json(const struct vouch_audit *a,
    enum vouch_audit_area area);

/* "NAME. 3600 IN TXT \"...\" ..." into f, with a newline. */
void gen_zone_line(FILE *f, const char *name, const char *strings);

int cmd_generate_spf(int argc, char **argv);
int cmd_generate_dmarc(int argc, char **argv);

#endif
