/*
 * cmd_dkim.h - what the files of vouch dkim share: cmd_dkim.c (usage,
 * verify, dispatch), cmd_dkim_sign.c and cmd_dkim_keygen.c.
 */
#ifndef VOUCH_CMD_DKIM_H
#define VOUCH_CMD_DKIM_H

#include <stdio.h>

#define SIGNERS_MAX 8		/* what vouch_dkim_sign_new() takes */
#define TXT_STRING_MAX 255	/* one DNS character-string */
#define RECORD_TTL 3600

void cmd_dkim_usage(FILE *f);
/* At most one FILE operand (none: standard input); -1 after printing
 * the error when there are more. */
int cmd_dkim_take_path(const char *cmd, int argc, char **argv,
    const char **path);
int cmd_dkim_sign(int argc, char **argv);
int cmd_dkim_keygen(int argc, char **argv);

#endif /* VOUCH_CMD_DKIM_H */
