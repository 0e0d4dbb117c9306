/*
 * testutil.c - file helpers for tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

char *
tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *p = realloc(buf, cap ? cap * 2 : 8192);

			if (p == NULL) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
			cap = cap ? cap * 2 : 8192;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

const char *
tu_src_path(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", VOUCH_SOURCE_DIR, rel);
	return path;
}

const char *
tu_corpus_path(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", VOUCH_CORPORA, rel);
	return path;
}
