/*
 * cmd_check_batch.c - vouch check --batch MANIFEST [--jobs N]: many
 * messages in one process, for re-verifying archives and for the
 * benchmark.
 *
 * MANIFEST is tab-separated; its first line names the columns, of which
 * file, client_ip, helo and mail_from are read (any order, others
 * ignored).  A relative file is relative to the manifest's folder.  Each
 * message gives one JSON line on standard output, {"file": ...} and the
 * vouch check --json object, or {"file": ..., "error": ...} when the row
 * or the message cannot be checked; the lines come in manifest order
 * whatever the number of jobs.  The last line on standard error is
 * "messages=N seconds=S msgs_per_s=R".
 *
 * Threads: jobs workers take rows in order; each has its own message
 * buffers (reused from message to message) and makes one verdict context
 * per message; they share the DNS handle and the PSL (cmd_check.h).  The
 * main thread prints each row's line once it and all before it are done;
 * workers stay at most WINDOW rows ahead of it, so memory stays bounded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_check.h"

#define WINDOW 1024		/* rows done but not yet printed, at most */
#define LINE_MAX_BYTES 65536	/* one manifest line */
#define ROWS_MAX 100000000u

enum col { COL_FILE, COL_IP, COL_HELO, COL_MAIL_FROM, NCOLS };

static const char *const col_names[NCOLS] = {
	"file", "client_ip", "helo", "mail_from"
};

struct row {
	char *text;			/* the line; fields point into it */
	const char *field[NCOLS];
	char *path;			/* file, relative to the manifest */
	const char *bad;		/* why the row cannot be checked */
	unsigned long line;
};

struct manifest {
	struct row *rows;
	size_t n, cap;
	size_t col[NCOLS];		/* column index of each field */
	char *dir;			/* the manifest's folder, "/" ended */
};

struct batch {
	const struct check_conf *conf;
	struct manifest *m;
	char **out;			/* out[i]: row i's line, once done */
	size_t next;			/* the next row to take */
	size_t printed;			/* rows printed so far */
	pthread_mutex_t mu;
	pthread_cond_t done, room;
};

/* A line for when memory runs out; never freed. */
static char oom_line[] = "{\"error\": \"out of memory\"}";

/* ---- the manifest ------------------------------------------------------- */

/* Split a tab-separated line in place: its first max fields into field;
 * returns how many fields it has. */
static size_t
split(char *line, char **field, size_t max)
{
	size_t n = 0;
	char *tab;

	for (;;) {
		if (n < max)
			field[n] = line;
		n++;
		if ((tab = strchr(line, '\t')) == NULL)
			return n;
		*tab = '\0';
		line = tab + 1;
	}
}

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int
header_line(struct manifest *m, char *line, const char *name)
{
	char *field[256];
	size_t i, j, n = split(line, field, 256);
	int seen[NCOLS] = {0};

	for (i = 0; i < n && i < 256; i++)
		for (j = 0; j < NCOLS; j++)
			if (strcmp(field[i], col_names[j]) == 0 && !seen[j]) {
				m->col[j] = i;
				seen[j] = 1;
			}
	for (j = 0; j < NCOLS; j++)
		if (!seen[j]) {
			fprintf(stderr, "vouch check: %s: line 1 names no "
			    "column '%s' (the header line must name file, "
			    "client_ip, helo and mail_from)\n", name,
			    col_names[j]);
			return -1;
		}
	return 0;
}

static char *
join_path(const char *dir, const char *file)
{
	size_t a = strlen(dir), b = strlen(file);
	char *p;

	if (file[0] == '/' || dir[0] == '\0')
		a = 0;
	if ((p = malloc(a + b + 1)) == NULL)
		return NULL;
	memcpy(p, dir, a);
	memcpy(p + a, file, b + 1);
	return p;
}

/* Takes text (a line of the manifest) unless it fails; bad: why the row
 * cannot be checked, or NULL. */
static int
add_row(struct manifest *m, char *text, unsigned long lineno,
    const char *bad)
{
	struct row *r, *nr;
	char *field[256];
	size_t j, n;

	if (m->n == m->cap) {
		if (m->cap >= ROWS_MAX ||
		    (nr = realloc(m->rows, (m->cap * 2 + 64) *
		    sizeof(*nr))) == NULL)
			return -1;
		m->rows = nr;
		m->cap = m->cap * 2 + 64;
	}
	r = &m->rows[m->n++];
	memset(r, 0, sizeof(*r));
	r->text = text;
	r->line = lineno;
	n = split(text, field, 256);
	for (j = 0; j < NCOLS; j++) {
		if (m->col[j] >= n || m->col[j] >= 256) {
			r->bad = "the row has fewer columns than the header "
			    "line";
			r->field[j] = "";
		} else
			r->field[j] = field[m->col[j]];
	}
	if (bad != NULL)
		r->bad = bad;
	if (r->bad == NULL && r->field[COL_FILE][0] == '\0')
		r->bad = "the file column is empty";
	if (r->bad == NULL &&
	    (r->path = join_path(m->dir, r->field[COL_FILE])) == NULL)
		r->bad = "out of memory";
	return 0;
}

static int
read_lines(struct manifest *m, FILE *f, const char *name)
{
	unsigned long lineno = 1;
	size_t cap = 0;
	ssize_t len;
	char *line = NULL;

	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		chomp(line);
		if (line[0] == '\0')
			continue;
		if (len > LINE_MAX_BYTES)
			line[0] = '\0';	/* a row, but not one to read */
		if (add_row(m, line, lineno, len > LINE_MAX_BYTES ?
		    "the line is longer than 65536 bytes" : NULL) != 0) {
			fprintf(stderr, "vouch check: %s: too many rows or out "
			    "of memory at line %lu\n", name, lineno);
			break;
		}
		line = NULL;
		cap = 0;
	}
	free(line);
	if (ferror(f)) {
		fprintf(stderr, "vouch check: %s: cannot read: %s\n", name,
		    strerror(errno));
		return -1;
	}
	return len >= 0 ? -1 : 0;
}

static void
manifest_free(struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->rows[i].text);
		free(m->rows[i].path);
	}
	free(m->rows);
	free(m->dir);
	memset(m, 0, sizeof(*m));
}

static int
manifest_load(struct manifest *m, const char *name)
{
	const char *slash = strrchr(name, '/');
	size_t cap = 0, dl = slash ? (size_t)(slash - name) + 1 : 0;
	char *line = NULL;
	FILE *f;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if ((f = fopen(name, "r")) == NULL) {
		fprintf(stderr, "vouch check: %s: cannot open: %s\n", name,
		    strerror(errno));
		return -1;
	}
	if ((m->dir = malloc(dl + 1)) == NULL)
		goto out;
	memcpy(m->dir, name, dl);
	m->dir[dl] = '\0';
	if (getline(&line, &cap, f) < 0) {
		fprintf(stderr, "vouch check: %s: %s\n", name, ferror(f) ?
		    strerror(errno) : "empty: no header line");
		goto out;
	}
	chomp(line);
	if (header_line(m, line, name) == 0)
		rc = read_lines(m, f, name);
out:
	free(line);
	fclose(f);
	if (rc != 0)
		manifest_free(m);
	return rc;
}

/* ---- one row ------------------------------------------------------------ */

static char *
dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(o);
	return s ? s : oom_line;
}

static char *
error_line(const struct row *r, const char *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", cli_json_str(r->field[COL_FILE]));
	json_object_set_new(o, "line", json_integer((json_int_t)r->line));
	json_object_set_new(o, "error", cli_json_str(why));
	return dump(o);
}

static char *
row_run(const struct check_conf *c, struct cli_msg_in *in,
    const struct row *r)
{
	static const char *const names[3] = {"client_ip", "mail_from",
	    "helo"};
	const struct vouch_verdict *v = NULL;
	struct vouch_verdict_ctx *ctx = NULL;
	struct check_env e;
	char why[CLI_ERR_MAX], *line;
	json_t *o, *res;

	if (r->bad != NULL)
		return error_line(r, r->bad);
	if (check_envelope(r->field[COL_IP], r->field[COL_MAIL_FROM],
	    r->field[COL_HELO], names, &e, why, sizeof(why)) != 0)
		return error_line(r, why);
	if (check_message(c, in, r->path, &e, &ctx, &v) != 0)
		line = error_line(r, in->err);
	else {
		o = json_object();
		res = check_json(v);
		json_object_set_new(o, "file",
		    cli_json_str(r->field[COL_FILE]));
		if (json_object_update(o, res) != 0) {
			json_decref(o);
			o = NULL;
		}
		json_decref(res);
		line = dump(o);
	}
	vouch_verdict_free(ctx);
	cli_msg_done(in);
	return line;
}

/* ---- the run ------------------------------------------------------------ */

static void *
worker(void *arg)
{
	struct batch *b = arg;
	struct cli_msg_in in;
	size_t i;
	char *line;

	memset(&in, 0, sizeof(in));
	for (;;) {
		pthread_mutex_lock(&b->mu);
		while (b->next < b->m->n && b->next >= b->printed + WINDOW)
			pthread_cond_wait(&b->room, &b->mu);
		i = b->next < b->m->n ? b->next++ : b->m->n;
		pthread_mutex_unlock(&b->mu);
		if (i == b->m->n)
			break;
		line = row_run(b->conf, &in, &b->m->rows[i]);
		pthread_mutex_lock(&b->mu);
		b->out[i] = line;
		pthread_cond_broadcast(&b->done);
		pthread_mutex_unlock(&b->mu);
	}
	cli_msg_close(&in);
	return NULL;
}

static void
print_line(char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	if (line != oom_line)
		free(line);
}

/* The rows in order, as the workers finish them. */
static void
collect(struct batch *b)
{
	size_t i;
	char *line;

	for (i = 0; i < b->m->n; i++) {
		pthread_mutex_lock(&b->mu);
		while (b->out[i] == NULL)
			pthread_cond_wait(&b->done, &b->mu);
		line = b->out[i];
		b->out[i] = NULL;
		b->printed = i + 1;
		pthread_cond_broadcast(&b->room);
		pthread_mutex_unlock(&b->mu);
		print_line(line);
	}
}

static int
run_threads(struct batch *b, unsigned jobs)
{
	pthread_t tid[256];
	unsigned i, started = 0;

	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->done, NULL);
	pthread_cond_init(&b->room, NULL);
	for (i = 0; i < jobs && i < 256; i++)
		if (pthread_create(&tid[started], NULL, worker, b) == 0)
			started++;
	if (started == 0) {
		fprintf(stderr, "vouch check: cannot start a thread\n");
		return -1;
	}
	collect(b);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_cond_destroy(&b->room);
	pthread_cond_destroy(&b->done);
	pthread_mutex_destroy(&b->mu);
	return 0;
}

static double
seconds(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
run_rows(struct batch *b, unsigned jobs)
{
	struct cli_msg_in in;
	size_t i;

	if (jobs > 1)
		return run_threads(b, jobs);
	memset(&in, 0, sizeof(in));
	for (i = 0; i < b->m->n; i++)
		print_line(row_run(b->conf, &in, &b->m->rows[i]));
	cli_msg_close(&in);
	return 0;
}

int
check_batch(const struct check_conf *c, const char *manifest, unsigned jobs)
{
	struct timespec t0;
	struct manifest m;
	struct batch b;
	double s;
	int rc = EXIT_RUNTIME;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (manifest_load(&m, manifest) != 0)
		return EXIT_RUNTIME;
	memset(&b, 0, sizeof(b));
	b.conf = c;
	b.m = &m;
	if ((b.out = calloc(m.n + 1, sizeof(*b.out))) == NULL)
		fprintf(stderr, "vouch check: out of memory\n");
	else if (run_rows(&b, jobs) == 0)
		rc = 0;
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "vouch check: cannot write the output\n");
		rc = EXIT_RUNTIME;
	}
	s = seconds(&t0);
	fprintf(stderr, "messages=%zu seconds=%.3f msgs_per_s=%.1f\n", m.n, s,
	    s > 0 ? (double)m.n / s : 0.0);
	free(b.out);
	manifest_free(&m);
	return rc;
}
