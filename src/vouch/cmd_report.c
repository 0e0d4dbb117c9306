/*
 * cmd_report.c - vouch report: dispatch to import, summary, sources,
 * export and readiness (cmd_report.h), and the store they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_report.h"

static const struct sub {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} subs[] = {
	{"import", report_import, "store reports from files, folders, "
	    "mbox, Maildir or IMAP"},
	{"summary", report_summary, "messages and pass rates per domain"},
	{"sources", report_sources, "who sends as the domain, classified"},
	{"readiness", report_readiness, "what a stricter policy would "
	    "reject"},
	{"export", report_export, "stored records as CSV or JSON"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vouch report COMMAND [OPTIONS] "
	    "[--db PATH|postgresql://...]\n\ncommands:\n");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		fprintf(f, "  %-10s %s\n", subs[i].name, subs[i].help);
	fprintf(f, "\n'vouch report COMMAND --help' describes a command; "
	    "see vouch(1).\n");
}

const char *
report_db_default(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return opt;
	env = getenv("VOUCH_DB");
	if (env != NULL && *env != '\0')
		return env;
	return "vouch-reports.db";
}

int
report_store_open(const char *cmd, const char *db, struct vouch_store **out)
{
	struct vouch_error err = {0};
	int rc;

	rc = vouch_store_open(db, out, &err);
	if (rc == 0)
		return 0;
	fprintf(stderr, "vouch report %s: %s: %s\n", cmd, db,
	    err.msg[0] != '\0' ? err.msg : vouch_strerror(rc));
	return EXIT_RUNTIME;
}

int
cmd_report(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vouch report: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
