/*
 * report_src_walk.c - the files of a folder source (report_src.h), listed
 * before any is read, so that the count is known and the order fixed:
 * names sorted bytewise at each level, depth first.
 *
 * A folder with cur/ and new/ folders is a Maildir: the regular files of
 * cur/ then new/ are its messages, and nothing else in it is read (tmp/
 * holds deliveries in progress; ".Sub" folders are other mailboxes).
 * Other folders give every regular file under them.
 *
 * Symbolic links: one to a regular file inside the folder (after
 * resolving every link) is read, through its resolved path; one that
 * leads out of the folder, or nowhere, is listed as not read, with why;
 * one to a folder is not followed (the folder is walked where it is, and
 * links cannot make a loop).  Other kinds of files (FIFOs, sockets,
 * devices) and folders that cannot be opened are listed as not read.
 */
#define _XOPEN_SOURCE 700	/* realpath() */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "report_src.h"

#define WALK_DEPTH 32
#define WALK_FILES 1000000u

struct walk {
	struct src_list *l;
	char *root;		/* the folder, every link resolved */
	size_t rootlen;
	char *err;
	size_t errlen;
};

struct names {
	char **v;
	size_t n, cap;
};

static char *
join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	int slash = a > 0 && dir[a - 1] != '/';
	char *p;

	if ((p = malloc(a + (size_t)slash + b + 1)) == NULL)
		return NULL;
	memcpy(p, dir, a);
	if (slash)
		p[a] = '/';
	memcpy(p + a + (size_t)slash, name, b + 1);
	return p;
}

static int
walk_fail(struct walk *w, const char *what)
{
	snprintf(w->err, w->errlen, "%s", what);
	return -1;
}

/* Add an entry (taking path and real). */
static int
add(struct walk *w, char *path, char *real, enum src_kind kind,
    const char *why)
{
	struct src_list *l = w->l;
	struct src_entry *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if (l->n >= WALK_FILES) {
			free(path);
			free(real);
			snprintf(w->err, w->errlen, "more than %u files",
			    WALK_FILES);
			return -1;
		}
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL) {
			free(path);
			free(real);
			return walk_fail(w, "out of memory");
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].path = path;
	l->v[l->n].real = real;
	l->v[l->n].kind = kind;
	l->v[l->n].why = why;
	l->n++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
names_free(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

/* The names in dir but . and .., sorted.  0, or -1 with errno. */
static int
names_read(const char *dir, struct names *nm)
{
	struct dirent *de;
	char **v;
	DIR *d;

	memset(nm, 0, sizeof(*nm));
	if ((d = opendir(dir)) == NULL)
		return -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (nm->n == nm->cap) {
			if (nm->n >= WALK_FILES || (v = realloc(nm->v,
			    (nm->cap * 2 + 64) * sizeof(*v))) == NULL)
				goto fail;
			nm->v = v;
			nm->cap = nm->cap * 2 + 64;
		}
		if ((nm->v[nm->n] = strdup(de->d_name)) == NULL)
			goto fail;
		nm->n++;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	if (nm->n > 1)
		qsort(nm->v, nm->n, sizeof(*nm->v), cmp_names);
	return 0;
fail:
	if (errno == 0)
		errno = ENOMEM;
	closedir(d);
	names_free(nm);
	return -1;
}

/* A link: read through its target when that is a regular file inside
 * the folder; a link to a folder is not followed. */
static int
add_link(struct walk *w, char *path, enum src_kind kind)
{
	struct stat st;
	char *real;

	if (stat(path, &st) != 0 || (real = realpath(path, NULL)) == NULL)
		return add(w, path, NULL, SRC_BAD, "symbolic link to nothing");
	if (S_ISDIR(st.st_mode)) {
		free(real);
		free(path);
		return 0;
	}
	if (strncmp(real, w->root, w->rootlen) != 0 ||
	    (real[w->rootlen] != '/' && w->root[w->rootlen - 1] != '/')) {
		free(real);
		return add(w, path, NULL, SRC_BAD, "symbolic link out of the "
		    "folder: not followed");
	}
	if (!S_ISREG(st.st_mode)) {
		free(real);
		return add(w, path, NULL, SRC_BAD, "not a regular file");
	}
	return add(w, path, real, kind, NULL);
}

static int walk_dir(struct walk *w, const char *dir, int depth);

static int
is_dir(const char *dir, const char *name)
{
	struct stat st;
	char *p = join(dir, name);
	int rc;

	rc = p != NULL && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return rc;
}

/* One name of dir: kind says what a regular file is. */
static int
walk_one(struct walk *w, const char *dir, const char *name,
    enum src_kind kind, int depth)
{
	struct stat st;
	char *path;
	int rc;

	if ((path = join(dir, name)) == NULL)
		return walk_fail(w, "out of memory");
	if (lstat(path, &st) != 0)
		return add(w, path, NULL, SRC_BAD, "vanished while listed");
	if (S_ISLNK(st.st_mode))
		return add_link(w, path, kind);
	if (S_ISREG(st.st_mode))
		return add(w, path, NULL, kind, NULL);
	if (!S_ISDIR(st.st_mode))
		return add(w, path, NULL, SRC_BAD, "not a regular file");
	if (kind == SRC_MESSAGE) {	/* a folder inside cur/ or new/ */
		free(path);
		return 0;
	}
	rc = walk_dir(w, path, depth + 1);
	free(path);
	return rc;
}

/* The files of one folder: all of them, or a Maildir's messages. */
static int
walk_names(struct walk *w, const char *dir, enum src_kind kind, int depth)
{
	struct names nm;
	size_t i;
	int rc = 0;

	if (names_read(dir, &nm) != 0) {
		int e = errno;
		char *p = strdup(dir);

		if (p == NULL || e == ENOMEM) {
			free(p);
			return walk_fail(w, "out of memory");
		}
		return add(w, p, NULL, SRC_BAD, e == EACCES ?
		    "cannot list this folder: permission denied" :
		    "cannot list this folder");
	}
	for (i = 0; i < nm.n && rc == 0; i++)
		rc = walk_one(w, dir, nm.v[i], kind, depth);
	names_free(&nm);
	return rc;
}

static int
walk_dir(struct walk *w, const char *dir, int depth)
{
	char *sub;
	int rc;

	if (depth > WALK_DEPTH) {
		snprintf(w->err, w->errlen, "folders nested more than %d deep",
		    WALK_DEPTH);
		return -1;
	}
	if (!is_dir(dir, "cur") || !is_dir(dir, "new"))
		return walk_names(w, dir, SRC_FILE, depth);
	if ((sub = join(dir, "cur")) == NULL)
		return walk_fail(w, "out of memory");
	rc = walk_names(w, sub, SRC_MESSAGE, depth);
	free(sub);
	if (rc != 0)
		return rc;
	if ((sub = join(dir, "new")) == NULL)
		return walk_fail(w, "out of memory");
	rc = walk_names(w, sub, SRC_MESSAGE, depth);
	free(sub);
	return rc;
}

int
src_walk(const char *root, struct src_list *l, char *err, size_t len)
{
	struct walk w;
	int rc;

	memset(l, 0, sizeof(*l));
	memset(&w, 0, sizeof(w));
	w.l = l;
	w.err = err;
	w.errlen = len;
	if ((w.root = realpath(root, NULL)) == NULL) {
		snprintf(err, len, "cannot open: %s", strerror(errno));
		return -1;
	}
	w.rootlen = strlen(w.root);
	rc = walk_dir(&w, root, 0);
	free(w.root);
	if (rc != 0)
		src_list_free(l);
	return rc;
}

void
src_list_free(struct src_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].real);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
