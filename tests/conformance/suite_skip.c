/*
 * suite_skip.c - the skip list: cases of older suites whose expected
 * result RFC 7208 changed, and libspf2 verdicts RFC 7208 disagrees with.
 * Every entry carries its reason; an entry that matches nothing is
 * reported by the runner so the list cannot rot silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "spf_suite.h"

#define SKIP_MAX 10000

/* Split line (NUL-terminated, modified) at TABs into at most n fields. */
static size_t
split_tabs(char *line, char **f, size_t n)
{
	size_t k = 0;
	char *p = line, *tab;

	while (k < n) {
		f[k++] = p;
		tab = strchr(p, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return k;
}

static int
add_entry(struct skiplist *sl, char *line, unsigned lineno, char *err,
    size_t errlen)
{
	char *f[4];
	struct skip *s;

	if (split_tabs(line, f, 4) != 4 || f[0][0] == '\0' ||
	    f[1][0] == '\0' || f[2][0] == '\0' || f[3][0] == '\0') {
		snprintf(err, errlen, "line %u: need 4 TAB-separated fields "
		    "(file, scenario or *, id, reason)", lineno);
		return -1;
	}
	if (sl->n == SKIP_MAX) {
		snprintf(err, errlen, "over %d entries", SKIP_MAX);
		return -1;
	}
	if (sl->n == sl->cap) {
		sl->cap = sl->cap ? sl->cap * 2 : 32;
		sl->v = xrealloc(sl->v, sl->cap * sizeof(*sl->v));
	}
	s = &sl->v[sl->n++];
	s->file = xstrdup(f[0]);
	s->scenario = xstrdup(f[1]);
	s->id = xstrdup(f[2]);
	s->reason = xstrdup(f[3]);
	s->line = lineno;
	s->used = 0;
	return 0;
}

int
skips_load(struct skiplist *sl, const char *path, char *err, size_t errlen)
{
	char *buf, *line, *next;
	unsigned lineno = 0;
	int rc = 0;

	memset(sl, 0, sizeof(*sl));
	buf = tu_read_file(path, NULL);
	if (buf == NULL) {
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	for (line = buf; rc == 0 && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		rc = add_entry(sl, line, lineno, err, errlen);
	}
	free(buf);
	return rc;
}

void
skips_free(struct skiplist *sl)
{
	size_t i;

	for (i = 0; i < sl->n; i++) {
		free(sl->v[i].file);
		free(sl->v[i].scenario);
		free(sl->v[i].id);
		free(sl->v[i].reason);
	}
	free(sl->v);
	memset(sl, 0, sizeof(*sl));
}

const struct skip *
skips_find(struct skiplist *sl, const char *file, const char *scenario,
    const char *id)
{
	size_t i;

	for (i = 0; i < sl->n; i++) {
		struct skip *s = &sl->v[i];

		if (strcmp(s->file, file) != 0 || strcmp(s->id, id) != 0)
			continue;
		if (strcmp(s->scenario, "*") != 0 &&
		    strcmp(s->scenario, scenario) != 0)
			continue;
		s->used = 1;
		return s;
	}
	return NULL;
}
