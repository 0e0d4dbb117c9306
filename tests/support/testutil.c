/*
 * testutil.c - file, text and message helpers for tests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vouch/msg.h>

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

int
tu_append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
	return w < 0 || (size_t)w >= cap - n ? -1 : 0;
}

struct vouch_msg *
tu_parse_msg(const char *text, size_t *body_off)
{
	struct vouch_msg *m = NULL;

	if (vouch_msg_new(NULL, &m) != 0 || vouch_msg_parse_header(m, text,
	    strlen(text), body_off, NULL) != 0)
		abort();
	return m;
}

char *
tu_replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n;
	char *out;

	if (at == NULL)
		abort();
	n = strlen(text) - strlen(from) + strlen(to);
	if ((out = malloc(n + 1)) == NULL)
		abort();
	snprintf(out, n + 1, "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	return out;
}

char *
tu_report_mail(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1024;
	char *m = malloc(n);

	if (m == NULL)
		abort();
	snprintf(m, n, "From: reports@example.net\r\nTo: dmarc@example.com\r\n"
	    "Subject: Report Domain: example.com\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"
	    "--b0\r\nContent-Type: application/xml\r\n\r\n%s\r\n"
	    "--b0\r\nContent-Type: application/xml\r\n\r\n%s\r\n--b0--\r\n",
	    a, b);
	return m;
}

void
tu_remove_dir(const char *dir)
{
	char p[4096];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			chmod(p, 0700);
			if (unlink(p) != 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(dir);
}
