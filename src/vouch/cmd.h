/*
 * cmd.h - the subcommands of vouch and what they share.
 *
 * Each cmd_X() gets argv with argv[0] = "X" and returns the exit status:
 * 0 the work ran (whatever the verdict), 1 a runtime error, 2 a usage
 * error.  Exception: vouch dkim verify returns 1 when no signature
 * passes, so it reports a runtime error as 2 (see cmd_dkim.c).
 *
 * The JSON and text pieces below are shared so that vouch check prints
 * each result exactly as the command that owns it does.
 */
#ifndef VOUCH_CMD_H
#define VOUCH_CMD_H

#include <stdio.h>

#include <jansson.h>

#include <vouch/dkim.h>
#include <vouch/dmarc.h>
#include <vouch/spf.h>

int cmd_check(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_dmarc(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_spf(int argc, char **argv);

/* cmd_spf.c: the object vouch spf --json prints. */
json_t *spf_eval_json(const struct vouch_spf_eval *ev);

/* cmd_dkim.c: the "signatures" array of vouch dkim verify --json, and
 * "d=... s=... a=...: reason" of one signature on f. */
json_t *dkim_sigs_json(const struct vouch_dkim_verify *v);
void dkim_sig_text(FILE *f, const struct vouch_dkim_sig *g);

/* cmd_dmarc.c: --dmarc-mode, --psl, and the "dmarc" object of vouch
 * check --json (with "shadow" when the evaluation has one). */
int dmarc_mode_option(const char *cmd, const char *arg,
    enum vouch_dmarc_mode *out);
int dmarc_psl_open(const char *cmd, const char *path,
    struct vouch_psl **out);
json_t *dmarc_eval_json(const struct vouch_dmarc_eval *ev);
/* "none", "quarantine", "reject", or NULL for unset. */
const char *dmarc_policy_or_null(enum vouch_dmarc_policy p);

#endif
