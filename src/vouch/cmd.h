/*
 * cmd.h - the subcommands of vouch and what they share.
 *
 * Each cmd_X() gets argv with argv[0] = "X" and returns the exit status:
 * 0 the work ran (whatever the verdict), 1 a runtime error, 2 a usage
 * error.  Exception: vouch dkim verify returns 1 when no signature
 * passes, so it reports a runtime error as 2 (see cmd_dkim.c).
 */
#ifndef VOUCH_CMD_H
#define VOUCH_CMD_H

int cmd_dkim(int argc, char **argv);
int cmd_spf(int argc, char **argv);

#endif
