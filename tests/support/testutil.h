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
/* Append to the NUL-terminated buf (cap bytes) like snprintf; returns 0,
 * or -1 when the text did not fit (what fits is kept). */
int tu_append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* text with the first occurrence of from replaced by to; caller frees.
 * abort() when from is not in text or memory runs out. */
char *tu_replace(const char *text, const char *from, const char *to);
/* An e-mail carrying the two XML reports a and b as application/xml
 * parts of a multipart/mixed (RFC 7489 7.2.1.1); caller frees; abort()
 * when memory runs out. */
char *tu_report_mail(const char *a, const char *b);

/* Remove dir and what is in it, one level deep (files, or empty folders;
 * each made writable first).  Errors are ignored: a test's leftovers. */
void tu_remove_dir(const char *dir);

struct vouch_msg;
/* Parse the header section of text into a new message (abort() on any
 * failure: test data is ours); *body_off is the body's offset. */
struct vouch_msg *tu_parse_msg(const char *text, size_t *body_off);

#endif
