/*
 * main.c - the vouch command: dispatch to one file per subcommand.
 */
#include <stdio.h>
#include <string.h>

#include <vouch/defs.h>

#include "cmd.h"

static const struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{"spf", cmd_spf, "evaluate SPF for a client IP and sender (RFC 7208)"},
	{"dkim", cmd_dkim, "verify or sign DKIM signatures, make keys "
	    "(RFC 6376)"},
	{"dmarc", cmd_dmarc, "find the DMARC policy of a domain, with the "
	    "walk (RFC 9989)"},
	{"domain", cmd_domain, "audit a domain's SPF, DMARC, DKIM, MX, "
	    "BIMI, MTA-STS, TLS-RPT"},
	{"generate", cmd_generate, "write SPF or DMARC records, checked by "
	    "the audit"},
	{"check", cmd_check, "the receiver's verdict on a message: SPF, "
	    "DKIM, DMARC, action"},
	{"explain", cmd_explain, "why a message was rejected, from the "
	    "bounce, and the fix"},
	{"report", cmd_report, "import DMARC reports, see who sends as a "
	    "domain"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vouch COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'vouch COMMAND --help' describes a command; "
	    "see vouch(1).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vouch %s\n", VOUCH_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vouch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
