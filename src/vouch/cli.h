/*
 * cli.h - what the vouch subcommands share: the DNS options every command
 * that queries DNS takes, JSON output, and safe printing of text that came
 * from strangers (DNS records, mail).
 */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <stdio.h>

#include <jansson.h>

#include <vouch/dns.h>

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1

struct cli_dns_opts {
	const char *zone;	/* --dns-zone FILE */
	const char *overlay;	/* --dns-overlay FILE */
	const char *server;	/* --dns-server ADDR[@PORT] */
	unsigned timeout_ms;	/* --dns-timeout MS */
};

/*
 * Take one DNS option (name without "--") and its argument.  Returns 1 if
 * it was one, 0 if not, -1 on a usage error (message printed).
 */
int cli_dns_option(struct cli_dns_opts *o, const char *cmd, const char *name,
    const char *arg);
/* Open the handle the options ask for.  Returns 0, or an exit status
 * after printing why. */
int cli_dns_open(const struct cli_dns_opts *o, const char *cmd,
    struct vouch_dns **out);

/* Print a JSON value on stdout followed by a newline; steals it. */
int cli_json_print(json_t *v);
/* A JSON string from C text (NULL → null); invalid UTF-8 is escaped. */
json_t *cli_json_str(const char *s);

/* Print s so that no byte of it can move the terminal: control bytes and
 * DEL as \xNN. */
void cli_put_safe(FILE *f, const char *s);

#endif
