/*
 * testutil.h - small helpers shared by the test programs.
 */
#ifndef VOUCH_TESTUTIL_H
#define VOUCH_TESTUTIL_H

#include <stddef.h>

/* Read a whole file; caller frees.  NULL on error (errno set). */
char *tu_read_file(const char *path, size_t *len);
/* Path under the source tree / the corpora; returns a static buffer
 * overwritten by the next call. */
const char *tu_src_path(const char *rel);
const char *tu_corpus_path(const char *rel);

#endif
