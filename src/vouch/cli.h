/*
 * cli.h - what the vouch subcommands share: the DNS options every command
 * that queries DNS takes, JSON output, safe printing of text that came
 * from strangers (DNS records, mail), and reading a message as a stream:
 * its header section into memory (capped), its body in chunks.
 */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <stdio.h>

#include <jansson.h>

#include <vouch/dns.h>
#include <vouch/msg.h>

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

/*
 * A message being read: the header section (at most VOUCH_MSG_HEADER_MAX
 * bytes, plus the body bytes that came with it in the first read) is in
 * buf and parsed into msg; the rest of the body is still in f.
 */
struct cli_msg_in {
	FILE *f;		/* stdin or the opened file */
	const char *name;	/* the path, or "standard input" */
	char *buf;		/* the first bytes of the message */
	size_t len;		/* bytes in buf */
	size_t body_off;	/* the first body byte in buf */
	int bare_lf;		/* header lines end in LF, not CRLF */
	struct vouch_msg *msg;	/* the parsed header section */
};

/* Takes the next body bytes; returns 0 or a negative VOUCH_E* code. */
typedef int cli_body_fn(void *ctx, const void *data, size_t len);

/*
 * Open path ("-" or NULL: standard input), read and parse the header
 * section.  Returns 0, or EXIT_USAGE after printing why (cannot open or
 * read, malformed or oversized header section); in->... is then released.
 */
int cli_msg_read(const char *path, const char *cmd, struct cli_msg_in *in);
/*
 * Hand the body to fn: the bytes already in buf, then the rest of the
 * file in chunks of 64 KiB.  Returns 0, or EXIT_USAGE after printing why.
 */
int cli_msg_body(struct cli_msg_in *in, const char *cmd, cli_body_fn *fn,
    void *ctx);
/* Release what cli_msg_read() got (closing the file unless stdin). */
void cli_msg_close(struct cli_msg_in *in);

/* Print s so that no byte of it can move the terminal: control bytes and
 * DEL as \xNN. */
void cli_put_safe(FILE *f, const char *s);

#endif
