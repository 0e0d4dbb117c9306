/*
 * corpus.c - the DKIM benchmark corpus and timing loop (see corpus.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "corpus.h"

#define CORPUS_MAX_MSGS 1000000
#define HIST_MAX 32
#define HIST_WORD 32

struct hist {
	char word[HIST_MAX][HIST_WORD];
	size_t count[HIST_MAX];
	size_t n;
};

double
corpus_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long
corpus_maxrss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

void
corpus_res_add(char *res, size_t reslen, const char *word)
{
	size_t used = strlen(res);

	if (used != 0 && used + 1 < reslen)
		res[used++] = ',';
	res[used] = '\0';
	if (used < reslen)
		snprintf(res + used, reslen - used, "%s", word);
}

char *
corpus_read_file(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL;
	long size;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	if ((buf = malloc((size_t)size + 1)) == NULL)
		goto fail;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto fail;
	buf[size] = '\0';
	*len = (size_t)size;
	fclose(f);
	return buf;
fail:
	fprintf(stderr, "%s: read failed\n", path);
	free(buf);
	fclose(f);
	return NULL;
}

/* Cut one manifest line into name and expect; 0, or -1 if malformed. */
static int
parse_line(char *line, struct corpus_msg *m)
{
	char *tab;

	m->name = line;
	if ((tab = strchr(line, '\t')) == NULL)
		return -1;
	*tab = '\0';
	m->expect = tab + 1;
	m->extra = "";
	if ((tab = strchr(tab + 1, '\t')) != NULL) {
		*tab = '\0';
		m->extra = tab + 1;
	}
	return 0;
}

static int
load_messages(const char *dir, struct corpus *c)
{
	char path[4096];
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct corpus_msg *m = &c->m[i];

		snprintf(path, sizeof(path), "%s/%s", dir, m->name);
		if ((m->data = corpus_read_file(path, &m->len)) == NULL)
			return -1;
		c->bytes += m->len;
	}
	return 0;
}

int
corpus_load(const char *dir, struct corpus *out)
{
	char path[4096];
	size_t len, cap = 0;
	char *p, *nl;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/manifest.txt", dir);
	if ((out->manifest = corpus_read_file(path, &len)) == NULL)
		return -1;
	for (p = out->manifest; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (*p == '#' || *p == '\0')
			continue;
		if (out->n == cap) {
			struct corpus_msg *nm;

			cap = cap ? cap * 2 : 1024;
			if (cap > CORPUS_MAX_MSGS ||
			    (nm = realloc(out->m, cap * sizeof(*nm))) == NULL)
				goto fail;
			out->m = nm;
		}
		memset(&out->m[out->n], 0, sizeof(out->m[0]));
		if (parse_line(p, &out->m[out->n]) != 0) {
			fprintf(stderr, "%s: bad line '%s'\n", path, p);
			goto fail;
		}
		out->n++;
	}
	if (out->n == 0) {
		fprintf(stderr, "%s: no messages\n", path);
		goto fail;
	}
	if (load_messages(dir, out) != 0)
		goto fail;
	return 0;
fail:
	corpus_free(out);
	return -1;
}

void
corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->m[i].data);
	free(c->m);
	free(c->manifest);
	memset(c, 0, sizeof(*c));
}

static void
hist_add(struct hist *h, const char *res)
{
	const char *p = res;
	size_t i, n;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (n >= HIST_WORD)
			n = HIST_WORD - 1;
		for (i = 0; i < h->n; i++)
			if (strlen(h->word[i]) == n &&
			    strncmp(h->word[i], p, n) == 0)
				break;
		if (i == h->n && h->n < HIST_MAX) {
			memcpy(h->word[i], p, n);
			h->word[i][n] = '\0';
			h->n++;
		}
		if (i < h->n)
			h->count[i]++;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
}

/* The first pass: results checked, counted and written. */
static int
first_pass(const struct corpus *c, const struct corpus_opts *o,
    corpus_verify_fn *verify, void *arg, struct hist *h, size_t *unexp)
{
	char res[CORPUS_RES_MAX];
	FILE *out = NULL;
	size_t i;
	int rc = -1;

	if (o->results != NULL && (out = fopen(o->results, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", o->results, strerror(errno));
		return -1;
	}
	for (i = 0; i < c->n; i++) {
		res[0] = '\0';
		if (verify(arg, &c->m[i], res, sizeof(res)) != 0)
			goto out;
		hist_add(h, res);
		if (strcmp(res, c->m[i].expect) != 0) {
			(*unexp)++;
			fprintf(stderr, "%s: %s: got %s, expected %s\n",
			    o->label, c->m[i].name, res, c->m[i].expect);
		}
		if (out != NULL)
			fprintf(out, "%s\n", res);
	}
	rc = 0;
out:
	if (out != NULL && fclose(out) != 0) {
		fprintf(stderr, "%s: write failed\n", o->results);
		rc = -1;
	}
	return rc;
}

/* Timed passes; a result that changes from the first pass counts too. */
static int
timed_passes(const struct corpus *c, const struct corpus_opts *o,
    corpus_verify_fn *verify, void *arg, double *secs, size_t *msgs,
    size_t *unexp)
{
	char res[CORPUS_RES_MAX];
	double t0 = corpus_clock();
	size_t i;

	do {
		for (i = 0; i < c->n; i++) {
			res[0] = '\0';
			if (verify(arg, &c->m[i], res, sizeof(res)) != 0)
				return -1;
			if (strcmp(res, c->m[i].expect) != 0)
				(*unexp)++;
		}
		*msgs += c->n;
		*secs = corpus_clock() - t0;
	} while (*secs < o->seconds);
	return 0;
}

int
corpus_run(const struct corpus *c, const struct corpus_opts *o,
    corpus_verify_fn *verify, void *arg)
{
	struct hist h;
	size_t unexp = 0, msgs = 0, i;
	double secs = 0, rate;

	memset(&h, 0, sizeof(h));
	if (first_pass(c, o, verify, arg, &h, &unexp) != 0)
		return -1;
	if (timed_passes(c, o, verify, arg, &secs, &msgs, &unexp) != 0)
		return -1;
	rate = secs > 0 ? (double)msgs / secs : 0;
	printf("%s msgs=%zu bytes=%zu secs=%.3f rate=%.0f mbps=%.1f "
	    "unexpected=%zu peak_rss_kb=%ld corpus_kb=%zu hist=", o->label,
	    msgs, c->bytes, secs, rate,
	    rate * (double)c->bytes / (double)c->n / 1e6, unexp,
	    corpus_maxrss_kb(), c->bytes / 1024);
	for (i = 0; i < h.n; i++)
		printf("%s%s:%zu", i ? "," : "", h.word[i], h.count[i]);
	printf("\n");
	fflush(stdout);
	return unexp == 0 ? 0 : 1;
}

int
corpus_find_key(const char *dir, const char *type, const char *domain,
    char *path, size_t pathlen, char *sel, size_t sellen)
{
	char file[4096], *text, *line, *nl;
	char name[256], t[32], d[256], s[256];
	size_t len;
	int rc = -1;

	snprintf(file, sizeof(file), "%s/keys.txt", dir);
	if ((text = corpus_read_file(file, &len)) == NULL)
		return -1;
	for (line = text; line != NULL; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (sscanf(line, "%255s %31s %255s %255s", name, t, d, s) != 4)
			continue;
		if (strcmp(t, type) == 0 && strcmp(d, domain) == 0) {
			snprintf(path, pathlen, "%s/keys/%s.pem", dir, name);
			snprintf(sel, sellen, "%s", s);
			rc = 0;
			break;
		}
	}
	if (rc != 0)
		fprintf(stderr, "%s: no %s key for %s\n", file, type, domain);
	free(text);
	return rc;
}
