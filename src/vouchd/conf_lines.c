/*
 * conf_lines.c - configuration files read line by line, with caps: the
 * whole file is read once (a regular file of a bounded size, opened
 * without blocking so a FIFO cannot hang a reload), then walked.  A NUL
 * or control byte (other than HTAB and a CR before LF) or a line over
 * VOUCHD__LINE_MAX is an error naming the file and line: text that
 * could smuggle a second line into a value is not half-read.
 */
#define _XOPEN_SOURCE 700	/* realpath() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_int.h"

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
read_all(int fd, const char *path, size_t max, struct vouchd__lines *l,
    struct vouch_error *err)
{
	struct vouch__buf b;
	char chunk[8192];
	ssize_t r;
	int rc;

	vouch__buf_init(&b, max);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = vouch__error(err, VOUCH_EIO, 0, "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if ((rc = vouch__buf_append(&b, chunk, (size_t)r)) != 0) {
			if (rc == VOUCH_ELIMIT)
				(void)vouch__error(err, rc, 0, "%s: larger "
				    "than %zu bytes", path, max);
			goto fail;
		}
	}
	if (b.data == NULL && (rc = vouch__buf_append(&b, "", 0)) != 0)
		goto fail;
	l->len = b.len;
	l->data = vouch__buf_take(&b);
	return 0;
fail:
	vouch__buf_free(&b);
	return rc;
}

int
vouchd__open_file(const char *path, int *fd, struct vouch_error *err)
{
	struct stat st;

	/* O_NONBLOCK: a FIFO named here cannot hang a reload. */
	if ((*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return vouch__error(err, VOUCH_EIO, 0, "%s: %s", path,
		    strerror(errno));
	if (fstat(*fd, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	close(*fd);
	*fd = -1;
	return vouch__error(err, VOUCH_EIO, 0, "%s: not a regular file",
	    path);
}

int
vouchd__lines_open(struct vouchd__lines *l, const char *path, size_t max,
    struct vouch_error *err)
{
	int fd, rc;

	memset(l, 0, sizeof(*l));
	if ((rc = vouchd__open_file(path, &fd, err)) != 0)
		return rc;
	if ((l->path = vouch__strdup(path)) == NULL) {
		close(fd);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	rc = read_all(fd, path, max, l, err);
	close(fd);
	if (rc != 0)
		vouchd__lines_free(l);
	if (rc == VOUCH_ENOMEM)
		(void)vouch__error(err, rc, 0, "out of memory");
	return rc;
}

int
vouchd__lines_mem(struct vouchd__lines *l, const char *name,
    const char *text, size_t len, struct vouch_error *err)
{
	memset(l, 0, sizeof(*l));
	if ((l->path = vouch__strdup(name)) == NULL ||
	    (l->data = vouch__memdup(text, len)) == NULL) {
		vouchd__lines_free(l);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	l->len = len;
	return 0;
}

void
vouchd__lines_free(struct vouchd__lines *l)
{
	vouch__free(l->path);
	vouch__free(l->data);
	memset(l, 0, sizeof(*l));
}

/* Cut s (n bytes, a CR before the end removed) at its comment and trim
 * it; returns the start. */
static char *
clean(char *s, size_t n, enum vouchd__hash hash)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '#' && (hash == VOUCHD__HASH_ANY || i == 0 ||
		    is_blank(s[i - 1]))) {
			n = i;
			break;
		}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	s[n] = '\0';
	while (is_blank(*s))
		s++;
	return s;
}

int
vouchd__lines_next(struct vouchd__lines *l, char **s,
    struct vouch_error *err)
{
	char *p, *end;
	size_t n, i;

	while (l->off < l->len) {
		p = l->data + l->off;
		end = memchr(p, '\n', l->len - l->off);
		n = end != NULL ? (size_t)(end - p) : l->len - l->off;
		l->off += n + (end != NULL);
		l->line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > VOUCHD__LINE_MAX)
			return vouchd__ferr(err, VOUCH_ELIMIT, l->path, l->line,
			    "line longer than %d bytes", VOUCHD__LINE_MAX);
		for (i = 0; i < n; i++)
			if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
			    p[i] == 0x7f)
				return vouchd__ferr(err, VOUCH_ESYNTAX, l->path,
				    l->line, "control byte 0x%02x in column "
				    "%zu", (unsigned)(unsigned char)p[i],
				    i + 1);
		*s = clean(p, n, l->hash);
		if (**s != '\0')
			return 1;
	}
	return 0;
}

char *
vouchd__word(char **s)
{
	char *w = *s, *p = *s;

	while (*p != '\0' && !is_blank(*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (is_blank(*p))
		p++;
	*s = p;
	return w;
}

char *
vouchd__item(char **s)
{
	char *p = *s + strspn(*s, ", \t"), *e;

	if (*p == '\0') {
		*s = p;
		return NULL;
	}
	e = p + strcspn(p, ", \t");
	if (*e != '\0')
		*e++ = '\0';
	*s = e;
	return p;
}

int
vouchd__ferr(struct vouch_error *err, int code, const char *file,
    unsigned line, const char *fmt, ...)
{
	char msg[VOUCH_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vouch__error(err, code, line, "%s:%u: %s", file, line, msg);
}

int
vouchd__locate(struct vouch_error *err, int code, const char *file,
    unsigned line, const char *what)
{
	char msg[VOUCH_ERROR_MSG_MAX];

	if (err == NULL)
		return code;
	(void)vouch__strlcpy(msg, err->msg, sizeof(msg));
	if (code == VOUCH_ENOMEM)
		(void)vouch__strlcpy(msg, "out of memory", sizeof(msg));
	if (what == NULL)
		return vouchd__ferr(err, code, file, line, "%s", msg);
	return vouchd__ferr(err, code, file, line, "%s: %s", what, msg);
}

int
vouchd__dirname(const char *file, char **out)
{
	char real[PATH_MAX], *dir, *slash;

	*out = NULL;
	if ((dir = vouch__strdup(file)) == NULL)
		return VOUCH_ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		(void)vouch__strlcpy(dir, ".", 2);
	/* Absolute, so that vouchd_conf_write's paths mean the same thing
	 * wherever the written file is read from. */
	if (realpath(dir, real) == NULL) {
		vouch__free(dir);
		return VOUCH_EIO;
	}
	vouch__free(dir);
	*out = vouch__strdup(real);
	return *out != NULL ? 0 : VOUCH_ENOMEM;
}

int
vouchd__path(const char *dir, const char *path, char **out)
{
	struct vouch__buf b;
	int rc;

	*out = NULL;
	if (path[0] == '/') {
		*out = vouch__strdup(path);
		return *out != NULL ? 0 : VOUCH_ENOMEM;
	}
	vouch__buf_init(&b, PATH_MAX);
	if ((rc = vouch__buf_puts(&b, dir)) != 0 ||
	    (strcmp(dir, "/") != 0 && (rc = vouch__buf_putc(&b, '/')) != 0) ||
	    (rc = vouch__buf_puts(&b, path)) != 0) {
		vouch__buf_free(&b);
		return rc;
	}
	*out = vouch__buf_take(&b);
	return 0;
}

int
vouchd__is_path(const char *s)
{
	return s[0] == '/' || strncmp(s, "./", 2) == 0 ||
	    strncmp(s, "../", 3) == 0;
}

void *
vouchd__grow(void *arr, size_t *cap, size_t n, size_t size, size_t max,
    int *rc)
{
	size_t ncap;
	void *q;

	*rc = 0;
	if (n >= max) {
		*rc = VOUCH_ELIMIT;
		return NULL;
	}
	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > max)
		ncap = max;
	if ((q = vouch__realloc(arr, ncap * size)) == NULL) {
		*rc = VOUCH_ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return q;
}
