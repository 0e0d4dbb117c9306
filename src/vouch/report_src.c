/*
 * report_src.c - the sources of vouch report import (report_src.h):
 * opening a spec, and the file source that reads a list of files (one
 * named file, standard input, or a folder's files from src_walk()), each
 * as one item or, when it is an mbox, as its messages.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "report_src.h"

#define MBOX_MAGIC "From "
#define MBOX_MAGIC_LEN 5
#define READ_CHUNK (64u * 1024u)

struct files {
	struct src h;
	struct src_list l;
	size_t next;			/* the next entry */
	int named;			/* one file named by the user */
	FILE *f;			/* the mbox being split */
	struct src_mbox *mbox;
	const char *mbox_name;
	unsigned long msgno;		/* its last message, from 1 */
	struct src_buf data;		/* the item's bytes */
	struct src_buf name;		/* the item's name, NUL-ended */
	char why[SRC_ERR_MAX];		/* the item's error */
};

static const char stdin_name[] = "standard input";

int
src_fail(struct src *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return -1;
}

int
src_buf_add(struct src_buf *b, const void *d, size_t n, size_t max)
{
	unsigned char *p;
	size_t cap;

	if (n > max || b->len > max - n)
		return 1;
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : READ_CHUNK;
		while (cap < b->len + n)
			cap = cap > max / 2 ? max : cap * 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

void
src_buf_free(struct src_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- one file ----------------------------------------------------------- */

static int
item_error(struct files *fs, struct src_item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
item_error(struct files *fs, struct src_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(fs->why, sizeof(fs->why), fmt, ap);
	va_end(ap);
	it->error = fs->why;
	it->data = NULL;
	it->len = 0;
	return 1;
}

static void
mbox_end(struct files *fs)
{
	src_mbox_free(fs->mbox);
	fs->mbox = NULL;
	if (fs->f != NULL && fs->f != stdin)
		fclose(fs->f);
	fs->f = NULL;
}

/* Open an entry: a named file follows links, a folder's never does (its
 * links were resolved by src_walk() into e->real). */
static FILE *
entry_open(const struct src_entry *e, int named, const char **why)
{
	struct stat st;
	FILE *f;
	int fd;

	if (strcmp(e->path, "-") == 0 && named)
		return stdin;
	fd = open(e->real ? e->real : e->path, O_RDONLY | O_CLOEXEC |
	    (named ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		*why = strerror(errno);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || (!named && !S_ISREG(st.st_mode)) ||
	    S_ISDIR(st.st_mode)) {
		*why = "not a regular file";
		close(fd);
		return NULL;
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		*why = strerror(errno);
		close(fd);
	}
	return f;
}

/* The rest of f after the head already in fs->data, up to max bytes:
 * 0, 1 when larger, -1 on a read or memory error (errno). */
static int
read_rest(struct files *fs, FILE *f, size_t max)
{
	unsigned char chunk[READ_CHUNK];
	size_t n;
	int rc;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = src_buf_add(&fs->data, chunk, n, max)) != 0) {
			if (rc < 0)
				errno = ENOMEM;
			return rc;
		}
	return ferror(f) ? -1 : 0;
}

static int
set_name(struct files *fs, const char *path, unsigned long msgno)
{
	char num[32];
	size_t n = 0;

	if (msgno > 0)
		n = (size_t)snprintf(num, sizeof(num), "#%lu", msgno);
	fs->name.len = 0;
	if (src_buf_add(&fs->name, path, strlen(path), SIZE_MAX / 2) != 0 ||
	    src_buf_add(&fs->name, num, n, SIZE_MAX / 2) != 0 ||
	    src_buf_add(&fs->name, "", 1, SIZE_MAX / 2) != 0)
		return -1;
	return 0;
}

static int
mbox_item(struct files *fs, struct src_item *it)
{
	const char *why = NULL;
	const void *d;
	size_t n;
	int rc;

	rc = src_mbox_next(fs->mbox, &d, &n, &why);
	if (rc == 0) {
		mbox_end(fs);
		return 0;
	}
	fs->msgno++;
	if (set_name(fs, fs->mbox_name, fs->msgno) != 0)
		return src_fail(&fs->h, "out of memory");
	it->name = (const char *)fs->name.p;
	if (why != NULL)
		item_error(fs, it, "%s", why);	/* copied: why dies next */
	else {
		it->data = d;
		it->len = n;
	}
	if (rc < 0)
		mbox_end(fs);
	return 1;
}

/* The rest of f, after the n bytes of head, as one item; closes f. */
static int
whole_item(struct files *fs, FILE *f, const unsigned char *head, size_t n,
    enum src_kind kind, struct src_item *it)
{
	size_t max = kind == SRC_MESSAGE ? fs->h.o.email_max :
	    fs->h.o.file_max;
	int rc, err;

	fs->data.len = 0;
	rc = src_buf_add(&fs->data, head, n, max);
	if (rc == 0)
		rc = read_rest(fs, f, max);
	err = rc < 0 ? errno : 0;
	if (f != stdin)
		fclose(f);
	if (rc > 0)
		return item_error(fs, it, "larger than %zu MiB (the limit "
		    "for %s)", max >> 20, kind == SRC_MESSAGE ?
		    "one message" : "one file");
	if (rc < 0)
		return item_error(fs, it, "cannot read: %s", strerror(err));
	if (fs->data.len == 0)
		return item_error(fs, it, "empty");
	it->data = fs->data.p;
	it->len = fs->data.len;
	return 1;
}

/* Start on entry e: an item, or an mbox (0: its messages come next). */
static int
entry_item(struct files *fs, const struct src_entry *e, struct src_item *it)
{
	const char *path = strcmp(e->path, "-") == 0 && fs->named ?
	    stdin_name : e->path, *why = NULL;
	unsigned char head[MBOX_MAGIC_LEN];
	size_t n;
	FILE *f;

	if (set_name(fs, path, 0) != 0)
		return src_fail(&fs->h, "out of memory");
	it->name = (const char *)fs->name.p;
	if (e->kind == SRC_BAD)
		return item_error(fs, it, "%s", e->why);
	if ((f = entry_open(e, fs->named, &why)) == NULL)
		return item_error(fs, it, "cannot open: %s", why);
	n = fread(head, 1, sizeof(head), f);
	if (e->kind != SRC_FILE || n != MBOX_MAGIC_LEN ||
	    memcmp(head, MBOX_MAGIC, MBOX_MAGIC_LEN) != 0)
		return whole_item(fs, f, head, n, e->kind, it);
	if (src_mbox_new(f, head, n, fs->h.o.email_max, &fs->mbox) != 0) {
		if (f != stdin)
			fclose(f);
		return src_fail(&fs->h, "out of memory");
	}
	fs->f = f;
	fs->mbox_name = path;
	fs->msgno = 0;
	return 0;
}

static int
files_next(struct src *s, struct src_item *it)
{
	struct files *fs = (struct files *)s;
	int rc;

	for (;;) {
		if (fs->mbox != NULL) {
			if ((rc = mbox_item(fs, it)) != 0)
				return rc;
			continue;
		}
		if (fs->next == fs->l.n)
			return 0;
		rc = entry_item(fs, &fs->l.v[fs->next++], it);
		if (rc != 0)
			return rc;
	}
}

static int
files_done(struct src *s, const struct src_item *it, enum src_outcome oc)
{
	(void)s;
	(void)it;
	(void)oc;
	return 0;
}

static void
files_close(struct src *s)
{
	struct files *fs = (struct files *)s;

	mbox_end(fs);
	src_list_free(&fs->l);
	src_buf_free(&fs->data);
	src_buf_free(&fs->name);
	free(fs);
}

static const struct src_ops files_ops = {
	files_next, files_done, files_close
};

/* ---- opening ------------------------------------------------------------ */

static int
one_entry(struct src_list *l, const char *path)
{
	if ((l->v = calloc(1, sizeof(*l->v))) == NULL ||
	    (l->v[0].path = strdup(path)) == NULL)
		return -1;
	l->n = l->cap = 1;
	l->v[0].kind = SRC_FILE;
	return 0;
}

static int
files_open(const char *spec, struct files *fs, char *err, size_t len)
{
	struct stat st;

	if (strcmp(spec, "-") != 0 && stat(spec, &st) != 0) {
		snprintf(err, len, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (strcmp(spec, "-") != 0 && S_ISDIR(st.st_mode)) {
		if (src_walk(spec, &fs->l, err, len) != 0)
			return -1;
		fs->h.total = fs->l.n;
		return 0;
	}
	if (one_entry(&fs->l, spec) != 0) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	fs->h.total = 1;
	fs->named = 1;
	return 0;
}

int
src_open(const char *spec, const struct src_opts *o, struct src **out,
    char *err, size_t len)
{
	struct src_opts opts = *o;
	struct files *fs;

	*out = NULL;
	if (opts.file_max == 0)
		opts.file_max = SRC_FILE_MAX;
	if (opts.email_max == 0)
		opts.email_max = SRC_EMAIL_MAX;
	if (opts.timeout_s == 0)
		opts.timeout_s = 120;
	if (strncasecmp(spec, "imap://", 7) == 0 ||
	    strncasecmp(spec, "imaps://", 8) == 0)
		return src_imap_open(spec, &opts, out, err, len);
	if ((fs = calloc(1, sizeof(*fs))) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	fs->h.ops = &files_ops;
	fs->h.o = opts;
	if (files_open(spec, fs, err, len) != 0) {
		files_close(&fs->h);
		return -1;
	}
	*out = &fs->h;
	return 0;
}

int
src_next(struct src *s, struct src_item *it)
{
	memset(it, 0, sizeof(*it));
	if (s->err[0] != '\0')
		return -1;
	return s->ops->next(s, it);
}

int
src_done(struct src *s, const struct src_item *it, enum src_outcome oc)
{
	if (s->err[0] != '\0')
		return -1;
	return s->ops->done(s, it, oc);
}

uint64_t
src_total(const struct src *s)
{
	return s->total;
}

const char *
src_error(const struct src *s)
{
	return s->err;
}

void
src_close(struct src *s)
{
	if (s != NULL)
		s->ops->close(s);
}
