/*
 * cmd_check.h - what cmd_check.c (one message, the output) and
 * cmd_check_batch.c (--batch) share: the settings every message of a run
 * gets, one message's envelope, and checking one message.
 *
 * Thread safety: a struct check_conf is read-only once set up and may be
 * shared by the threads of a batch (its DNS handle is one of the shipped
 * backends, which may be queried from several threads; the PSL is
 * read-only once loaded); everything else is one thread's own.
 */
#ifndef VOUCH_CMD_CHECK_H
#define VOUCH_CMD_CHECK_H

#include <jansson.h>

#include <vouch/verdict.h>

#include "cli.h"

struct check_conf {
	struct vouch_verdict_options vo;	/* points into this struct */
	char authserv[256];
	long long now;			/* --now, or 0: each message's time */
	struct vouch_dns *dns;		/* caller owns */
	struct vouch_psl *psl;		/* --psl, or NULL: the default */
};

/* One message's envelope, checked and normalized (A-labels). */
struct check_env {
	struct vouch_verdict_envelope env;	/* points into this struct */
	char mf_in[1024];		/* MAIL FROM without <> */
	char mf[1024];
	char helo[256];
};

/*
 * Check the client IP, MAIL FROM ("<>", "" or <addr> too) and HELO (NULL
 * or "": none) into e.  names are how the three are called in messages
 * ("--ip", ... or the manifest's columns).  Returns 0, or -1 with why set
 * (printable).
 */
int check_envelope(const char *ip, const char *mail_from, const char *helo,
    const char *const names[3], struct check_env *e, char *why,
    size_t whylen);

/*
 * Read the message at path ("-" or NULL: standard input) through in
 * (whose buffers are reused) and run the verdict on it.  Returns 0 with
 * *v (borrowed until vouch_verdict_free(*ctx)), or -1 with in->err saying
 * why.  *ctx is the caller's to free either way.
 */
int check_message(const struct check_conf *c, struct cli_msg_in *in,
    const char *path, const struct check_env *e,
    struct vouch_verdict_ctx **ctx, const struct vouch_verdict **v);

/* The object vouch check --json prints. */
json_t *check_json(const struct vouch_verdict *v);

/* vouch check --batch MANIFEST: one JSON line per message, in manifest
 * order, jobs threads.  Returns the exit status. */
int check_batch(const struct check_conf *c, const char *manifest,
    unsigned jobs);

#endif
