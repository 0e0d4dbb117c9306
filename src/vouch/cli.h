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

/* The last getopt_long() entries of a command that queries DNS: --json
 * ('j'), --help ('h'), the DNS options (all 'D': hand them to
 * cli_dns_option() with the entry's name), and the terminator. */
#define CLI_COMMON_LONGOPTS \
	{"json", no_argument, NULL, 'j'}, \
	{"help", no_argument, NULL, 'h'}, \
	{"dns-zone", required_argument, NULL, 'D'}, \
	{"dns-overlay", required_argument, NULL, 'D'}, \
	{"dns-server", required_argument, NULL, 'D'}, \
	{"dns-timeout", required_argument, NULL, 'D'}, \
	{NULL, 0, NULL, 0}

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

#define CLI_ERR_MAX 1024	/* one error message, escaped */

/*
 * A message being read: the header section (at most VOUCH_MSG_HEADER_MAX
 * bytes, plus the body bytes that came with it in the first read) is in
 * buf and parsed into msg; the rest of the body is still in f.  The
 * buffers may serve message after message (cli_msg_load() ...
 * cli_msg_done(), again and again, then cli_msg_close()); start from a
 * zeroed struct.
 */
struct cli_msg_in {
	FILE *f;		/* stdin or the opened file */
	const char *name;	/* the path, or "standard input" */
	char *buf;		/* the first bytes of the message */
	size_t len;		/* bytes in buf */
	size_t body_off;	/* the first body byte in buf */
	int bare_lf;		/* header lines end in LF, not CRLF */
	struct vouch_msg *msg;	/* the parsed header section */
	char *chunk;		/* body reads */
	char err[CLI_ERR_MAX];	/* why the last call failed, printable */
};

/* Takes the next body bytes; returns 0 or a negative VOUCH_E* code. */
typedef int cli_body_fn(void *ctx, const void *data, size_t len);

/*
 * Open path ("-" or NULL: standard input), read and parse the header
 * section.  Returns 0, or -1 with in->err saying why (cannot open or
 * read, malformed or oversized header section; control bytes escaped);
 * what was opened is then released, the buffers are kept.
 */
int cli_msg_load(struct cli_msg_in *in, const char *path);
/* Hand the body to fn: the bytes already in buf, then the rest of the
 * file in chunks of 64 KiB.  Returns 0, or -1 with in->err set. */
int cli_msg_stream(struct cli_msg_in *in, cli_body_fn *fn, void *ctx);
/* Whether the header section ended with an empty line (a message may
 * lack a body, but not the line that separates it). */
int cli_msg_has_separator(const struct cli_msg_in *in);
/* Close the file and free the header section; keep the buffers. */
void cli_msg_done(struct cli_msg_in *in);
/* Release everything (closing the file unless stdin). */
void cli_msg_close(struct cli_msg_in *in);

/* cli_msg_load() and cli_msg_stream() that print "vouch CMD: why" and
 * return EXIT_USAGE on failure (and release in on a failed read). */
int cli_msg_read(const char *path, const char *cmd, struct cli_msg_in *in);
int cli_msg_body(struct cli_msg_in *in, const char *cmd, cli_body_fn *fn,
    void *ctx);

/*
 * Check a MAIL FROM (local@domain, or with bare_domain a HELO name)
 * without spaces or control bytes, its domain turned into A-labels
 * (RFC 7208 4.3) into out.  Returns 0, or -1 with why set (printable).
 */
int cli_address(const char *in, int bare_domain, char *out, size_t outlen,
    char *why, size_t whylen);

/* A number from min to max for --opt, or -1 after printing "vouch CMD:
 * --opt: 'arg' is not a number from min to max". */
int cli_number(const char *cmd, const char *opt, const char *arg,
    long long min, long long max, long long *out);

/* s into buf (always NUL-terminated), control bytes and DEL as \xNN. */
void cli_safe_copy(char *buf, size_t len, const char *s);

/* Print "vouch CMD: unknown or incomplete option 'arg'"; returns -1. */
int cli_bad_option(const char *cmd, const char *arg);

/* One row of a text report: "  name         value" ("-" for NULL). */
void cli_row(const char *name, const char *value);

/* Print s so that no byte of it can move the terminal: control bytes and
 * DEL as \xNN. */
void cli_put_safe(FILE *f, const char *s);

#endif
