/*
 * psl_suite.c - the Public Suffix List project's own test vectors
 * (shared/corpora/publicsuffix/tests: tests.txt "<input> <expected>" and
 * test_psl.txt "checkPublicSuffix('<input>', '<expected>');") through
 * vouch_psl_org_domain(), with the list of the same snapshot loaded by
 * vouch_psl_load().
 *
 * What a vector means for RFC 7489 3.2: the expected value is the
 * registrable domain, "the name that matched from the public suffix list"
 * plus "the x+1th label from the subject domain", which is exactly the
 * Organizational Domain.  The vectors write "null" when there is none,
 * and that happens for two different reasons, mapped here explicitly:
 *
 *   - the input is not a domain name at all (the JavaScript null, or a
 *     leading dot, i.e. an empty label): vouch_psl_org_domain() must
 *     refuse it with VOUCH_ESYNTAX (its header: "Returns 0, VOUCH_ELIMIT
 *     (buf too small) or VOUCH_ESYNTAX"); there is no DNS domain name to
 *     break into labels (3.2 step 2);
 *   - the input is a domain name that is itself a public suffix ("com",
 *     "c.mm" under "*.mm", an unlisted TLD under the implicit "*" rule):
 *     dmarc.h promises "the public suffix plus one label, or the name
 *     itself when it is a public suffix", so the answer must be the input
 *     itself (RFC 7489 3.1.1 then makes such a d= or MAIL FROM align with
 *     nothing but itself).
 *
 * The function takes "lower-case A-labels": each input that is a domain
 * name is first put in that form with vouch_domain_to_alabel() (the
 * vectors' mixed case and U-labels), and so is each expected value, so
 * the comparison is between A-label forms.
 *
 * Usage: psl_suite --list FILE [--skips TSV] VECTORS...
 * The skip list (TAB-separated: vectors file name, input, reason) names
 * vectors RFC 7489 disagrees with; an entry that matches nothing fails
 * the run.  Exit 0 when every vector agrees or is skipped.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dmarc.h>
#include <vouch/msg.h>

#include "testutil.h"

#define SKIPS_MAX 256

struct skip {
	char *file, *input, *reason;
	int used;
};

struct suite {
	const struct vouch_psl *psl;
	struct skip skip[SKIPS_MAX];
	size_t nskip;
	unsigned run, passed, failed, skipped;
};

struct vector {
	const char *file;		/* base name */
	unsigned line;
	const char *input;		/* NULL: the null input */
	const char *expected;		/* NULL: "null" */
};

/* ---- reading the files --------------------------------------------------- */

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* Split line at TABs into at most n fields; how many there were. */
static size_t
split(char *line, char sep, char **f, size_t n)
{
	size_t k = 0;
	char *p = line, *q;

	while (k < n) {
		f[k++] = p;
		if ((q = strchr(p, sep)) == NULL)
			break;
		*q = '\0';
		p = q + 1;
		while (sep == ' ' && *p == ' ')
			p++;
	}
	return k;
}

/* Call fn for each line of path (line end and CR removed) until it
 * returns nonzero; that value, 0 at the end, -1 when unreadable. */
static int
each_line(const char *path, int (*fn)(void *, char *, unsigned), void *arg)
{
	char *buf = tu_read_file(path, NULL), *line, *next;
	unsigned lineno = 0;
	int rc = 0;

	if (buf == NULL) {
		fprintf(stderr, "psl_suite: cannot read %s\n", path);
		return -1;
	}
	for (line = buf; line != NULL && rc == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		rc = fn(arg, line, ++lineno);
	}
	free(buf);
	return rc;
}

static int
skip_line(void *arg, char *line, unsigned lineno)
{
	struct suite *su = arg;
	struct skip *s;
	char *f[3];

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	if (split(line, '\t', f, 3) != 3 || f[2][0] == '\0' ||
	    su->nskip == SKIPS_MAX) {
		fprintf(stderr, "psl_suite: skip list line %u: need file, "
		    "input, reason (TAB-separated)\n", lineno);
		return -1;
	}
	s = &su->skip[su->nskip++];
	s->file = strdup(f[0]);
	s->input = strdup(f[1]);
	s->reason = strdup(f[2]);
	s->used = 0;
	return s->file == NULL || s->input == NULL || s->reason == NULL ?
	    -1 : 0;
}

static const struct skip *
find_skip(struct suite *su, const struct vector *v)
{
	size_t i;

	for (i = 0; i < su->nskip; i++)
		if (strcmp(su->skip[i].file, v->file) == 0 &&
		    strcmp(su->skip[i].input, v->input ? v->input : "null") ==
		    0) {
			su->skip[i].used = 1;
			return &su->skip[i];
		}
	return NULL;
}

/* One argument of checkPublicSuffix(): 'text' or null.  *p moves past
 * it; NULL in *out for null.  Returns -1 when it is neither. */
static int
js_arg(char **p, char **out)
{
	char *s = *p + strspn(*p, " "), *e;

	if (strncmp(s, "null", 4) == 0) {
		*out = NULL;
		*p = s + 4;
		return 0;
	}
	if (*s != '\'' || (e = strchr(s + 1, '\'')) == NULL)
		return -1;
	*e = '\0';
	*out = s + 1;
	*p = e + 1;
	return 0;
}

/* Parse one line of either format into v; 1 for a vector, 0 for a line
 * to pass over, -1 for a line neither format allows. */
static int
parse_line(char *line, struct vector *v)
{
	char *in, *ex, *f[2], *p;

	if (line[0] == '\0' || strncmp(line, "//", 2) == 0)
		return 0;
	if (strncmp(line, "checkPublicSuffix(", 18) == 0) {
		p = line + 18;
		if (js_arg(&p, &in) != 0 || *p++ != ',' ||
		    js_arg(&p, &ex) != 0 || strncmp(p, ");", 2) != 0)
			return -1;
		v->input = in;
		v->expected = ex;
		return 1;
	}
	if (split(line, ' ', f, 2) != 2)
		return -1;
	v->input = strcmp(f[0], "null") == 0 ? NULL : f[0];
	v->expected = strcmp(f[1], "null") == 0 ? NULL : f[1];
	return 1;
}

/* ---- one vector ---------------------------------------------------------- */

/* "ok" or why not, into why. */
static int
judge(const struct suite *su, const struct vector *v, char *why,
    size_t whylen)
{
	char in[256], want[256], got[256], raw[256];
	size_t i;
	int rc;

	if (v->input == NULL) {
		rc = vouch_psl_org_domain(su->psl, NULL, got, sizeof(got));
		if (rc == VOUCH_ESYNTAX)
			return 0;
		(void)snprintf(why, whylen, "null input: %s, want ESYNTAX",
		    rc == 0 ? got : vouch_strerror(rc));
		return -1;
	}
	if (vouch_domain_to_alabel(v->input, strlen(v->input), in,
	    sizeof(in)) != 0) {
		/* Not a domain name: only "null" can be expected, and the
		 * function is handed the input lower-cased as it is. */
		for (i = 0; v->input[i] != '\0' && i + 1 < sizeof(raw); i++)
			raw[i] = (char)tolower((unsigned char)v->input[i]);
		raw[i] = '\0';
		rc = vouch_psl_org_domain(su->psl, raw, got, sizeof(got));
		if (v->expected == NULL && rc == VOUCH_ESYNTAX)
			return 0;
		(void)snprintf(why, whylen, "\"%s\" is no domain name: got %s,"
		    " want %s", raw, rc == 0 ? got : vouch_strerror(rc),
		    v->expected ? v->expected : "ESYNTAX");
		return -1;
	}
	/* null for a domain name: it is a public suffix, its own org. */
	if (v->expected == NULL)
		memcpy(want, in, strlen(in) + 1);
	else if (vouch_domain_to_alabel(v->expected, strlen(v->expected),
	    want, sizeof(want)) != 0) {
		(void)snprintf(why, whylen, "expected \"%s\" is no domain name",
		    v->expected);
		return -1;
	}
	rc = vouch_psl_org_domain(su->psl, in, got, sizeof(got));
	if (rc == 0 && strcmp(got, want) == 0)
		return 0;
	(void)snprintf(why, whylen, "%s: got %s, want %s%s", in,
	    rc == 0 ? got : vouch_strerror(rc), want, v->expected == NULL ?
	    " (itself: a public suffix)" : "");
	return -1;
}

static void
one(struct suite *su, const struct vector *v)
{
	const struct skip *s;
	char why[1024];

	su->run++;
	if ((s = find_skip(su, v)) != NULL) {
		su->skipped++;
		printf("skip %s:%u %s # %s\n", v->file, v->line,
		    v->input ? v->input : "null", s->reason);
		return;
	}
	if (judge(su, v, why, sizeof(why)) == 0) {
		su->passed++;
		return;
	}
	su->failed++;
	printf("FAIL %s:%u %s -> %s: %s\n", v->file, v->line,
	    v->input ? v->input : "null", v->expected ? v->expected : "null",
	    why);
}

struct file_run {
	struct suite *su;
	const char *path;
};

static int
vector_line(void *arg, char *line, unsigned lineno)
{
	struct file_run *fr = arg;
	struct vector v;
	int rc;

	memset(&v, 0, sizeof(v));
	v.file = base_name(fr->path);
	v.line = lineno;
	if ((rc = parse_line(line, &v)) < 0) {
		fprintf(stderr, "psl_suite: %s:%u: not a test vector\n",
		    fr->path, lineno);
		return -1;
	}
	if (rc == 1)
		one(fr->su, &v);
	return 0;
}

static int
run_file(struct suite *su, const char *path)
{
	struct file_run fr = { su, path };
	unsigned before = su->run;

	if (each_line(path, vector_line, &fr) != 0)
		return -1;
	printf("%s: %u vectors\n", base_name(path), su->run - before);
	return su->run == before ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static struct suite su;
	const char *list = NULL;
	struct vouch_psl *psl = NULL;
	struct vouch_error err;
	int i, status = 0;
	size_t k;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--list") == 0 && i + 1 < argc)
			list = argv[++i];
		else if (strcmp(argv[i], "--skips") == 0 && i + 1 < argc) {
			if (each_line(argv[++i], skip_line, &su) != 0)
				return 2;
		} else {
			fprintf(stderr, "usage: psl_suite --list FILE "
			    "[--skips TSV] VECTORS...\n");
			return 2;
		}
	}
	if (list == NULL || i == argc) {
		fprintf(stderr, "usage: psl_suite --list FILE [--skips TSV] "
		    "VECTORS...\n");
		return 2;
	}
	memset(&err, 0, sizeof(err));
	if (vouch_psl_load(list, &psl, &err) != 0) {
		fprintf(stderr, "psl_suite: %s\n", err.msg);
		return 2;
	}
	su.psl = psl;
	for (; i < argc; i++)
		if (run_file(&su, argv[i]) != 0)
			status = 2;
	for (k = 0; k < su.nskip; k++) {
		if (!su.skip[k].used) {
			printf("FAIL skip entry %s %s matches no vector\n",
			    su.skip[k].file, su.skip[k].input);
			su.failed++;
		}
		free(su.skip[k].file);
		free(su.skip[k].input);
		free(su.skip[k].reason);
	}
	vouch_psl_free(psl);
	printf("psl: %u vectors, %u agree, %u skipped, %u fail\n", su.run,
	    su.passed, su.skipped, su.failed);
	if (su.failed > 0 && status == 0)
		status = 1;
	return status;
}
