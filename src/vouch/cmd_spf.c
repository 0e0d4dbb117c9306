/* cmd_spf.c - placeholder until the SPF engine lands. */
#include <stdio.h>

#include "cmd.h"

int
cmd_spf(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vouch spf: not built yet\n");
	return 1;
}
