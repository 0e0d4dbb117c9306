/*
 * cmd_report.h - the subcommands of vouch report, one file each family:
 *
 *   import     cmd_report_import.c   sources: files, folders, mbox,
 *                                    Maildir, IMAP (report_src.h)
 *   summary    cmd_report_query.c    per domain and period
 *   sources    cmd_report_query.c    per sending IP, classified
 *   export     cmd_report_query.c    CSV or JSON rows
 *   readiness  cmd_report_ready.c    replay against a candidate policy
 *
 * Each gets argv with argv[0] = its own name and returns an exit status
 * as cmd.h says.  --db PATH|URI names the store everywhere; without it
 * the store is $VOUCH_DB, else ./vouch-reports.db.
 */
#ifndef VOUCH_CMD_REPORT_H
#define VOUCH_CMD_REPORT_H

#include <vouch/store.h>

int report_import(int argc, char **argv);
int report_summary(int argc, char **argv);
int report_sources(int argc, char **argv);
int report_export(int argc, char **argv);
int report_readiness(int argc, char **argv);

/* The store --db (or its default) names; prints why and returns an exit
 * status when it cannot be opened. */
const char *report_db_default(const char *opt);
int report_store_open(const char *cmd, const char *db,
    struct vouch_store **out);

#endif
