/*
 * spfq.c - query list, warm-up pass, timed passes and the output line for
 * the SPF benchmark drivers (see spfq.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spfq.h"

#define SPFQ_FILE_MAX (256u * 1024 * 1024)	/* a query list, at most */
#define SPFQ_OPTSTR_MAX 64

static const char *const result_names[SPFQ_NRESULTS] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror"
};

const char *
spfq_result_name(int r)
{
	if (r < 0 || r >= SPFQ_NRESULTS)
		return "invalid";
	return result_names[r];
}

static void
die_usage(const char *usage)
{
	fprintf(stderr, "%s", usage);
	exit(2);
}

void
spfq_getopt(int argc, char **argv, struct spfq_opts *o, const char *extra,
    void (*cb)(int opt, const char *arg, void *cbarg), void *cbarg,
    const char *usage)
{
	char optstr[SPFQ_OPTSTR_MAX];
	char *end;
	int c;

	if ((size_t)snprintf(optstr, sizeof(optstr), "q:r:p:n:l:%s",
	    extra ? extra : "") >= sizeof(optstr))
		die_usage(usage);
	o->passes = 5;
	o->limit = 0;
	o->results = NULL;
	o->queries = NULL;
	while ((c = getopt(argc, argv, optstr)) != -1) {
		switch (c) {
		case 'q':
			o->queries = optarg;
			break;
		case 'r':
			o->results = optarg;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'p':
			o->passes = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->passes == 0)
				die_usage(usage);
			break;
		case 'n':
			o->limit = strtoul(optarg, &end, 10);
			if (*end != '\0')
				die_usage(usage);
			break;
		case '?':
			die_usage(usage);
			break;
		default:
			cb(c, optarg, cbarg);
			break;
		}
	}
	if (o->queries == NULL || optind != argc)
		die_usage(usage);
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			char *nb;

			if (cap >= SPFQ_FILE_MAX)
				goto fail;
			cap = cap ? cap * 2 : 1024 * 1024;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Cut one line into its four tab-separated fields, in place. */
static int
parse_line(char *line, struct spfq *q)
{
	char *f[4];
	size_t i;

	f[0] = line;
	for (i = 1; i < 4; i++) {
		char *tab = strchr(f[i - 1], '\t');

		if (tab == NULL)
			return -1;
		*tab = '\0';
		f[i] = tab + 1;
	}
	if (strchr(f[3], '\t') != NULL)
		return -1;
	q->ip = f[0];
	q->mail_from = strcmp(f[1], "<>") == 0 ? "" : f[1];
	q->helo = f[2];
	q->expect = f[3];
	return 0;
}

int
spfq_load(const char *path, size_t limit, struct spfq_list *out)
{
	size_t len, cap = 0, lineno = 0;
	char *p, *nl;

	memset(out, 0, sizeof(*out));
	if ((out->text = read_file(path, &len)) == NULL) {
		fprintf(stderr, "spfq: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (p = out->text; *p != '\0'; p = nl + 1) {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		else
			*nl = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		if (limit != 0 && out->n == limit)
			break;
		if (out->n == cap) {
			struct spfq *nq;

			cap = cap ? cap * 2 : 4096;
			if ((nq = realloc(out->q, cap * sizeof(*nq))) == NULL)
				goto fail;
			out->q = nq;
		}
		if (parse_line(p, &out->q[out->n]) != 0) {
			fprintf(stderr, "spfq: %s:%zu: want 4 tab-separated"
			    " fields\n", path, lineno);
			goto fail;
		}
		out->n++;
	}
	if (out->n == 0) {
		fprintf(stderr, "spfq: %s: no queries\n", path);
		goto fail;
	}
	return 0;
fail:
	spfq_free(out);
	return -1;
}

void
spfq_free(struct spfq_list *l)
{
	free(l->q);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_results(const char *path, const unsigned char *res, size_t n)
{
	FILE *f;
	size_t i;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "spfq: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", result_names[res[i]]);
	if (fclose(f) != 0) {
		fprintf(stderr, "spfq: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
print_line(const struct spfq_opts *o, size_t evals, double secs,
    size_t unstable, const size_t *hist)
{
	int i, first = 1;

	printf("%s evals=%zu secs=%.3f rate=%.0f unstable=%zu hist=",
	    o->label, evals, secs, secs > 0 ? (double)evals / secs : 0.0,
	    unstable);
	for (i = 0; i < SPFQ_NRESULTS; i++) {
		if (hist[i] == 0)
			continue;
		printf("%s%s:%zu", first ? "" : ",", result_names[i], hist[i]);
		first = 0;
	}
	printf("\n");
	fflush(stdout);
}

int
spfq_run(const struct spfq_list *l, const struct spfq_opts *o,
    spfq_eval_fn *eval, void *arg)
{
	size_t hist[SPFQ_NRESULTS] = { 0 };
	size_t i, unstable = 0, evals = 0;
	unsigned char *res;
	unsigned pass;
	double t0, secs;
	int r, rc = -1;

	if ((res = malloc(l->n)) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		if ((r = eval(arg, &l->q[i])) < 0 || r >= SPFQ_NRESULTS)
			goto out;
		res[i] = (unsigned char)r;
		hist[r]++;
	}
	if (o->results != NULL && write_results(o->results, res, l->n) != 0)
		goto out;
	t0 = now_s();
	for (pass = 0; pass < o->passes; pass++) {
		for (i = 0; i < l->n; i++) {
			if ((r = eval(arg, &l->q[i])) < 0)
				goto out;
			if (r != res[i])
				unstable++;
		}
		evals += l->n;
	}
	secs = now_s() - t0;
	print_line(o, evals, secs, unstable, hist);
	rc = 0;
out:
	free(res);
	return rc;
}
