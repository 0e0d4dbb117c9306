/*
 * cmd_domain.h - vouch domain, shared by its files: cmd_domain.c
 * (options, the worker pool, the order of the output), cmd_domain_out.c
 * (one audit as text, one JSON line or one CSV row) and
 * cmd_domain_fetch.c (the MTA-STS policy file over HTTPS with libcurl).
 *
 * Each renderer writes one domain's whole output into a FILE (a memory
 * stream in the workers), so that the main thread can print the domains
 * in argument order.  Everything from DNS is escaped on the way out: a
 * hostile TXT record cannot move the terminal or break a CSV row.
 */
#ifndef VOUCH_CMD_DOMAIN_H
#define VOUCH_CMD_DOMAIN_H

#include <stdio.h>

#include <vouch/audit.h>

enum domain_format {
	DOMAIN_TEXT = 0,
	DOMAIN_JSON,
	DOMAIN_CSV
};

/* cmd_domain_out.c */
void domain_text(FILE *f, const struct vouch_audit *a, size_t nprobed);
/* One line, no newline at its end; returns 0, or -1 out of memory. */
int domain_json(FILE *f, const struct vouch_audit *a, size_t nprobed);
void domain_csv_header(FILE *f);
void domain_csv(FILE *f, const struct vouch_audit *a);

/* cmd_domain_fetch.c: a vouch_audit_fetch_fn.  arg is the audit's DNS
 * handle: the policy host's address is looked up through it, so that
 * --dns-overlay drafts apply to the fetch too. */
int domain_fetch_init(void);
void domain_fetch_done(void);
int domain_fetch(void *arg, const char *url, char **body, size_t *len,
    struct vouch_error *err);

#endif
