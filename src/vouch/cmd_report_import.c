/*
 * cmd_report_import.c - vouch report import: store the DMARC reports
 * found in files, folders, mbox files, Maildirs, standard input and IMAP
 * mailboxes (report_src.h), each item on its own, so that one bad item
 * never stops the rest.
 *
 * Counts: "imported" is every report stored (aggregate and failure),
 * "records" and "messages" the aggregate records stored and the sum of
 * their counts, "failures" the failure (ARF) reports among the imported,
 * "duplicates" the complete reports already stored (a report refused
 * part-way is never one).  "rejected" lists each item that could not be
 * read or was refused, and each source that could not be opened or
 * stopped part-way, with why.  Exit status: 0 when the run completed,
 * whatever was rejected; 1 when the store cannot be opened or fails
 * during the run, or when no source could be opened; 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_report.h"
#include "progress.h"
#include "report_src.h"

#define PASSWORD_MAX 1024

struct imp_args {
	const char *db;
	const char *pwfile;
	int json, quiet;
	struct src_opts so;
	char password[PASSWORD_MAX];
};

struct tally {
	uint64_t reports, failures, duplicates, records, messages;
	json_t *rejected;		/* [{"source", "reason"}] */
	int opened;			/* sources opened */
	int store_failed;
};

static void
import_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch report import [--db PATH|URI] [--json] [--quiet]\n"
	    "                           [--move-to FOLDER] [--imap-user USER]"
	    "\n"
	    "                           [--imap-password-file FILE]"
	    " [--imap-ca FILE]\n"
	    "                           SOURCE...\n"
	    "\n"
	    "SOURCE: a file (XML, gzip, zip, an e-mail, or an mbox), a"
	    " folder (every file\n"
	    "under it; a Maildir's messages), - for standard input, or\n"
	    "imap[s]://[USER@]HOST[:PORT]/MAILBOX (its unseen messages; the"
	    " password from\n"
	    "--imap-password-file or $VOUCH_IMAP_PASSWORD).  Exit status: 0"
	    " the run\n"
	    "completed (even with rejected items), 1 a runtime error, 2 a"
	    " usage error.\n");
}

/* The first line of the password file, without its line end. */
static int
read_password(struct imp_args *a)
{
	FILE *f;
	size_t n;

	if ((f = fopen(a->pwfile, "r")) == NULL) {
		fprintf(stderr, "vouch report import: --imap-password-file: "
		    "cannot open '");
		cli_put_safe(stderr, a->pwfile);
		fprintf(stderr, "': %s\n", strerror(errno));
		return -1;
	}
	if (fgets(a->password, sizeof(a->password), f) == NULL)
		a->password[0] = '\0';
	fclose(f);
	n = strcspn(a->password, "\r\n");
	a->password[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "vouch report import: --imap-password-file: "
		    "the first line is empty\n");
		return -1;
	}
	a->so.imap_password = a->password;
	return 0;
}

static int
parse_args(int argc, char **argv, struct imp_args *a)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"move-to", required_argument, NULL, 'm'},
		{"imap-user", required_argument, NULL, 'u'},
		{"imap-password-file", required_argument, NULL, 'p'},
		{"imap-ca", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 'j': a->json = 1; break;
		case 'q': a->quiet = 1; break;
		case 'm': a->so.move_to = optarg; break;
		case 'u': a->so.imap_user = optarg; break;
		case 'p': a->pwfile = optarg; break;
		case 'c': a->so.imap_ca = optarg; break;
		case 'h': import_usage(stdout); exit(0);
		default:
			return cli_bad_option("report import", argv[optind - 1]);
		}
	}
	if (optind == argc) {
		fprintf(stderr, "vouch report import: no SOURCE given\n");
		return -1;
	}
	if (a->pwfile != NULL)
		return read_password(a);
	a->so.imap_password = getenv("VOUCH_IMAP_PASSWORD");
	return 0;
}

/* ---- counting ----------------------------------------------------------- */

static void
reject(struct tally *t, const char *source, const char *reason)
{
	json_t *o = json_object();

	json_object_set_new(o, "source", cli_json_str(source));
	json_object_set_new(o, "reason", cli_json_str(reason));
	json_array_append_new(t->rejected, o);
}

/* Store one item; what became of it. */
static enum src_outcome
import_item(struct vouch_store *st, const struct src_item *it,
    struct tally *t)
{
	struct vouch_store_import_result res;
	struct vouch_error err = {0, 0, ""};
	int rc;

	if (it->error != NULL) {
		reject(t, it->name, it->error);
		return SRC_REJECTED;
	}
	memset(&res, 0, sizeof(res));
	rc = vouch_store_import(st, it->data, it->len, it->name, NULL,
	    (int64_t)time(NULL), &res, &err);
	t->reports += res.reports + res.failures;
	t->failures += res.failures;
	t->records += res.records;
	t->messages += res.messages;
	t->duplicates += res.duplicates;
	if (rc == VOUCH_EIO) {
		reject(t, it->name, err.msg[0] ? err.msg : vouch_strerror(rc));
		t->store_failed = 1;
		return SRC_KEEP;
	}
	if (rc != 0) {
		reject(t, it->name, err.msg[0] ? err.msg : vouch_strerror(rc));
		return SRC_REJECTED;
	}
	if (res.reports + res.failures > 0)
		return SRC_IMPORTED;
	if (res.duplicates > 0)
		return SRC_DUPLICATE;
	reject(t, it->name, "no report in it");
	return SRC_REJECTED;
}

static void
import_source(struct vouch_store *st, const char *spec,
    const struct src_opts *so, struct progress *pg, struct tally *t)
{
	char err[SRC_ERR_MAX];
	struct src_item it;
	enum src_outcome oc;
	struct src *s;

	if (src_open(spec, so, &s, err, sizeof(err)) != 0) {
		reject(t, spec, err);
		return;
	}
	t->opened++;
	progress_start(pg, spec, src_total(s));
	while (!t->store_failed && src_next(s, &it) > 0) {
		oc = import_item(st, &it, t);
		progress_step(pg);
		if (src_done(s, &it, oc) < 0)
			break;
	}
	progress_end(pg);
	if (src_error(s)[0] != '\0')
		reject(t, spec, src_error(s));
	src_close(s);
}

/* ---- output ------------------------------------------------------------- */

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int
print_text(const struct imp_args *a, const struct tally *t)
{
	size_t i, n = json_array_size(t->rejected);
	FILE *f = a->quiet ? stderr : stdout;
	json_t *o;

	if (!a->quiet) {
		printf("imported %llu %s (%llu %s, %llu %s",
		    (unsigned long long)t->reports,
		    plural(t->reports, "report", "reports"),
		    (unsigned long long)t->records,
		    plural(t->records, "record", "records"),
		    (unsigned long long)t->messages,
		    plural(t->messages, "message", "messages"));
		if (t->failures > 0)
			printf(", %llu %s", (unsigned long long)t->failures,
			    plural(t->failures, "failure report",
			    "failure reports"));
		printf("), %llu %s, %zu rejected\n",
		    (unsigned long long)t->duplicates,
		    plural(t->duplicates, "duplicate", "duplicates"), n);
	}
	for (i = 0; i < n; i++) {
		o = json_array_get(t->rejected, i);
		fputs(a->quiet ? "vouch report import: " : "  ", f);
		cli_put_safe(f, json_string_value(json_object_get(o,
		    "source")));
		fputs(": ", f);
		cli_put_safe(f, json_string_value(json_object_get(o,
		    "reason")));
		fputc('\n', f);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vouch report import: cannot write the "
		    "output\n");
		return EXIT_RUNTIME;
	}
	return 0;
}

static int
print_json(const struct tally *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "imported", json_integer((json_int_t)
	    t->reports));
	json_object_set_new(o, "records", json_integer((json_int_t)
	    t->records));
	json_object_set_new(o, "messages", json_integer((json_int_t)
	    t->messages));
	json_object_set_new(o, "failures", json_integer((json_int_t)
	    t->failures));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)
	    t->duplicates));
	json_object_set(o, "rejected", t->rejected);
	return cli_json_print(o);
}

static void
wipe(volatile char *p, size_t n)
{
	while (n-- > 0)
		*p++ = 0;
}

int
report_import(int argc, char **argv)
{
	struct vouch_store *st = NULL;
	struct progress pg;
	struct imp_args a;
	struct tally t;
	int i, rc;

	memset(&a, 0, sizeof(a));
	memset(&t, 0, sizeof(t));
	if (parse_args(argc, argv, &a) != 0)
		return EXIT_USAGE;
	rc = report_store_open("import", report_db_default(a.db), &st);
	if (rc != 0)
		goto out;
	if ((t.rejected = json_array()) == NULL) {
		fprintf(stderr, "vouch report import: out of memory\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	progress_init(&pg, !a.quiet && !a.json);
	for (i = optind; i < argc && !t.store_failed; i++)
		import_source(st, argv[i], &a.so, &pg, &t);
	rc = a.json ? print_json(&t) : print_text(&a, &t);
	if (t.store_failed)
		fprintf(stderr, "vouch report import: the store failed; the "
		    "run stopped\n");
	if (t.store_failed || t.opened == 0)
		rc = EXIT_RUNTIME;
out:
	json_decref(t.rejected);
	vouch_store_close(st);
	wipe(a.password, sizeof(a.password));
	return rc;
}
