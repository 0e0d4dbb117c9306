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
#include <unistd.h>

#include "cli.h"
#include "cmd_report.h"
#include "progress.h"
#include "report_src.h"

#define PASSWORD_MAX 1024
#define JOBS_MAX 64u
#define JOBS_DEFAULT_MAX 8

struct imp_args {
	const char *db;
	const char *pwfile;
	int json, quiet;
	unsigned jobs;			/* parsing threads beside */
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
	    "usage: vouch report import [--db PATH|URI] [--json] [--quiet]"
	    " [--jobs N]\n"
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
	    " usage error.\n"
	    "--jobs N: threads parsing ahead of the storing one (default:"
	    " one per core\n"
	    "but one, up to 8; 0: none).\n");
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

/* --jobs: 0 to 64 parsing threads. */
static int
parse_jobs(const char *v, unsigned *jobs)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' ||
	    n > JOBS_MAX) {
		fprintf(stderr, "vouch report import: --jobs: '");
		cli_put_safe(stderr, v);
		fprintf(stderr, "' is not a number from 0 to %u\n", JOBS_MAX);
		return -1;
	}
	*jobs = (unsigned)n;
	return 0;
}

/* One parsing thread per core beside the storing thread (which parses
 * too while it has nothing to store), up to JOBS_DEFAULT_MAX. */
static unsigned
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;

	if (n < 1)
		return 0;
	return n > JOBS_DEFAULT_MAX ? JOBS_DEFAULT_MAX : (unsigned)n;
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
		{"jobs", required_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int c;

	a->jobs = default_jobs();
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
		case 'J':
			if (parse_jobs(optarg, &a->jobs) != 0)
				return -1;
			break;
		case 'h': import_usage(stdout); exit(0);
		default:
			return cli_bad_option("report import",
			    argv[optind - 1]);
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

/* What became of an item, from its import's result. */
static enum src_outcome
outcome(struct tally *t, const char *name, int rc,
    const struct vouch_store_import_result *res,
    const struct vouch_error *err)
{
	t->reports += res->reports + res->failures;
	t->failures += res->failures;
	t->records += res->records;
	t->messages += res->messages;
	t->duplicates += res->duplicates;
	if (rc == VOUCH_EIO) {
		reject(t, name, err->msg[0] ? err->msg : vouch_strerror(rc));
		t->store_failed = 1;
		return SRC_KEEP;
	}
	if (rc != 0) {
		reject(t, name, err->msg[0] ? err->msg : vouch_strerror(rc));
		return SRC_REJECTED;
	}
	if (res->reports + res->failures > 0)
		return SRC_IMPORTED;
	if (res->duplicates > 0)
		return SRC_DUPLICATE;
	reject(t, name, "no report in it");
	return SRC_REJECTED;
}

/* One source being imported through the pipe. */
struct run {
	struct tally *t;
	struct src *s;
	struct progress *pg;
};

/* An item in the pipe: what src_done() needs of it. */
struct pending {
	char *name;
	uint64_t uid;
};

/* Tell the source what became of an item; non-zero stops the source. */
static int
finish(struct run *r, const char *name, uint64_t uid, enum src_outcome oc)
{
	struct src_item it;

	memset(&it, 0, sizeof(it));
	it.name = name;
	it.uid = uid;
	progress_step(r->pg);
	if (src_done(r->s, &it, oc) < 0 || r->t->store_failed)
		return 1;
	return 0;
}

/* The pipe's done: an item was stored, in the order the source gave. */
static int
stored(void *arg, void *tag, int rc, const struct vouch_store_import_result
    *res, const struct vouch_error *err)
{
	struct run *r = arg;
	struct pending *pd = tag;
	enum src_outcome oc;
	int stop = 0;

	if (res != NULL) {	/* else dropped: the source is stopping */
		oc = outcome(r->t, pd->name, rc, res, err);
		stop = finish(r, pd->name, pd->uid, oc);
	}
	free(pd->name);
	free(pd);
	return stop;
}

/* Into the pipe; 1 when the source must stop. */
static int
put_item(struct vouch_store_pipe *pp, struct run *r,
    const struct src_item *it)
{
	struct pending *pd;

	if (it->error != NULL) {
		/* Told in its place: everything before it first. */
		if (vouch_store_pipe_flush(pp) != 0)
			return 1;
		reject(r->t, it->name, it->error);
		return finish(r, it->name, it->uid, SRC_REJECTED);
	}
	if ((pd = calloc(1, sizeof(*pd))) == NULL ||
	    (pd->name = strdup(it->name)) == NULL) {
		free(pd);
		if (vouch_store_pipe_flush(pp) != 0)
			return 1;
		reject(r->t, it->name, "out of memory");
		return finish(r, it->name, it->uid, SRC_KEEP);
	}
	pd->uid = it->uid;
	return vouch_store_pipe_put(pp, it->data, it->len, it->name,
	    (int64_t)time(NULL), pd) != 0;
}

static void
import_source(struct vouch_store *st, const char *spec,
    const struct imp_args *a, struct progress *pg, struct tally *t)
{
	char err[SRC_ERR_MAX];
	struct vouch_store_pipe *pp = NULL;
	struct src_item it;
	struct run r;
	struct src *s;

	if (src_open(spec, &a->so, &s, err, sizeof(err)) != 0) {
		reject(t, spec, err);
		return;
	}
	t->opened++;
	r.t = t;
	r.s = s;
	r.pg = pg;
	if (vouch_store_pipe_new(st, a->jobs, NULL, stored, &r, &pp) != 0) {
		reject(t, spec, "out of memory");
		src_close(s);
		return;
	}
	progress_start(pg, spec, src_total(s));
	while (src_next(s, &it) > 0)
		if (put_item(pp, &r, &it) != 0)
			break;
	(void)vouch_store_pipe_flush(pp);
	vouch_store_pipe_free(pp);
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
		import_source(st, argv[i], &a, &pg, &t);
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
