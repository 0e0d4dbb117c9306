/*
 * senders.c - the sender knowledge set: loading data/senders.conf, the
 * sorted lookup tables (see senders_int.h for how a lookup walks the
 * suffixes of a name) and the lookups of vouch/senders.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "senders/senders_int.h"

/* CMake defines both for lib/; a build without it (a static analyser)
 * still needs the names. */
#ifndef VOUCH_SENDERS_INSTALLED
#define VOUCH_SENDERS_INSTALLED "/usr/local/share/vouch/senders.conf"
#endif
#ifndef VOUCH_SENDERS_TREE
#define VOUCH_SENDERS_TREE "data/senders.conf"
#endif

#define READ_CHUNK 65536

void *
vouch__senders_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap != 0 ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return NULL;
	if ((v = vouch__realloc(v, ncap * size)) != NULL)
		*cap = ncap;
	return v;
}

struct vouch_senders *
vouch__senders_new(void)
{
	struct vouch_senders *s = vouch__calloc(1, sizeof(*s));

	if (s != NULL)
		vouch__arena_init(&s->arena, 0);
	return s;
}

int
vouch__senders_add(struct vouch_senders *s, enum senders_tab t,
    const char *name, size_t idx, unsigned line)
{
	struct senders_table *tab = &s->tab[t];
	struct senders_key *v;

	v = vouch__senders_grow(tab->v, &tab->cap, tab->n, sizeof(*v));
	if (v == NULL)
		return VOUCH_ENOMEM;
	tab->v = v;
	v[tab->n].name = name;
	v[tab->n].idx = idx;
	v[tab->n].line = line;
	tab->n++;
	return 0;
}

/* By name, then by line, so that of two equal names the later follows. */
static int
key_cmp(const void *a, const void *b)
{
	const struct senders_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static const struct senders_key *
find(const struct senders_table *tab, const char *name)
{
	size_t lo = 0, hi = tab->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, tab->v[mid].name);
		if (c == 0)
			return &tab->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * A name given twice in one table (or an include that is another
 * service's domain): the later of the earliest such pair, so that the
 * message does not depend on the sort.
 */
static int
check_tables(const struct vouch_senders *s, const char *file,
    struct vouch_error *err)
{
	static const char *const what[TAB_COUNT] = { "service id ",
	    "domain ", "SPF include ", "host ", "host pattern *.",
	    "free-mail domain " };
	const struct senders_key *k, *dup = NULL, *d;
	size_t t, i, dup_t = 0;

	for (t = 0; t < TAB_COUNT; t++)
		for (i = 1; i < s->tab[t].n; i++) {
			k = &s->tab[t].v[i];
			if (strcmp(k[-1].name, k->name) == 0 &&
			    (dup == NULL || k->line < dup->line)) {
				dup = k;
				dup_t = t;
			}
		}
	if (dup != NULL)
		return vouch__error(err, VOUCH_ESYNTAX, dup->line, "%s:%u: "
		    "%s%s already given at line %u", file, dup->line,
		    what[dup_t], dup->name, dup[-1].line);
	for (i = 0; i < s->tab[TAB_INCLUDE].n; i++) {
		k = &s->tab[TAB_INCLUDE].v[i];
		d = find(&s->tab[TAB_DOMAIN], k->name);
		if (d != NULL && d->idx != k->idx)
			return vouch__error(err, VOUCH_ESYNTAX, k->line,
			    "%s:%u: SPF include %s is a domain of [service "
			    "%s] (line %u)", file, k->line, k->name,
			    s->svc[d->idx].pub.id, d->line);
	}
	return 0;
}

int
vouch__senders_index(struct vouch_senders *s, const char *file,
    struct vouch_error *err)
{
	size_t t;

	for (t = 0; t < TAB_COUNT; t++)
		if (s->tab[t].n > 1)
			qsort(s->tab[t].v, s->tab[t].n, sizeof(s->tab[t].v[0]),
			    key_cmp);
	return check_tables(s, file, err);
}

void
vouch_senders_free(struct vouch_senders *s)
{
	size_t t;

	if (s == NULL)
		return;
	for (t = 0; t < TAB_COUNT; t++)
		vouch__free(s->tab[t].v);
	vouch__free(s->svc);
	vouch__free(s->fm);
	vouch__arena_free(&s->arena);
	vouch__free(s);
}

int
vouch_senders_parse(const char *text, size_t len, const char *name,
    struct vouch_senders **out, struct vouch_error *err)
{
	struct vouch_senders *s;
	int rc;

	if (out == NULL || (text == NULL && len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "no text");
	*out = NULL;
	if (name == NULL)
		name = "<text>";
	if ((s = vouch__senders_new()) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	rc = vouch__senders_read(s, text != NULL ? text : "", len, name, err);
	if (rc == 0)
		rc = vouch__senders_index(s, name, err);
	if (rc != 0) {
		vouch_senders_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* The whole file into b, or an error naming the path. */
static int
read_path(const char *path, struct vouch__buf *b, struct vouch_error *err)
{
	char chunk[READ_CHUNK], why[128];
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if ((rc = vouch__buf_append(b, chunk, (size_t)n)) != 0)
			break;
	}
	close(fd);
	if (rc == VOUCH_ELIMIT)
		return vouch__error(err, rc, 0, "%s: larger than %d bytes",
		    path, SENDERS_FILE_MAX);
	if (rc != 0)
		return vouch__error(err, rc, 0, "out of memory");
	return 0;
fail:
	if (strerror_r(errno, why, sizeof(why)) != 0)
		why[0] = '\0';
	if (fd >= 0)
		close(fd);
	return vouch__error(err, VOUCH_EIO, 0, "%s: %s", path, why);
}

int
vouch_senders_load(const char *path, struct vouch_senders **out,
    struct vouch_error *err)
{
	struct vouch__buf b;
	int rc;

	if (out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no result pointer");
	*out = NULL;
	vouch__buf_init(&b, SENDERS_FILE_MAX);
	if (path == NULL) {
		/* The installed copy first; a source tree's copy lets the
		 * programs and tests run before `make install`. */
		path = VOUCH_SENDERS_INSTALLED;
		if (access(path, R_OK) != 0)
			path = VOUCH_SENDERS_TREE;
	}
	rc = read_path(path, &b, err);
	if (rc == 0)
		rc = vouch_senders_parse(b.data != NULL ? b.data : "", b.len,
		    path, out, err);
	vouch__buf_free(&b);
	return rc;
}

size_t
vouch_senders_count(const struct vouch_senders *s)
{
	return s != NULL ? s->nsvc : 0;
}

const struct vouch_sender_service *
vouch_senders_at(const struct vouch_senders *s, size_t i)
{
	return s != NULL && i < s->nsvc ? &s->svc[i].pub : NULL;
}

size_t
vouch_senders_freemail_count(const struct vouch_senders *s)
{
	return s != NULL ? s->nfm : 0;
}

const struct vouch_sender_freemail *
vouch_senders_freemail_at(const struct vouch_senders *s, size_t i)
{
	return s != NULL && i < s->nfm ? &s->fm[i] : NULL;
}

/*
 * The most specific entry of tab (and then of tab2, when not TAB_COUNT)
 * for name or, when sub, for one of its parents; from is 0 to try the
 * name itself, 1 to start at its parent (a "*." pattern needs a label
 * in front).
 */
static const struct senders_key *
walk(const struct vouch_senders *s, const char *name, enum senders_tab tab,
    enum senders_tab tab2, int sub, int from)
{
	char buf[SENDERS_NAME_MAX + 1];
	const struct senders_key *k;
	const char *p;

	if (s == NULL || name == NULL || vouch__senders_fold(name, buf) == 0)
		return NULL;
	/* p moves past one dot each turn, so a name that starts with a dot
	   (".example.com") ends too */
	for (p = buf;; p++) {
		if (from-- <= 0) {
			if ((k = find(&s->tab[tab], p)) != NULL)
				return k;
			if (tab2 != TAB_COUNT &&
			    (k = find(&s->tab[tab2], p)) != NULL)
				return k;
		}
		if (!sub || (p = strchr(p, '.')) == NULL)
			return NULL;
	}
}

static const struct vouch_sender_service *
service(const struct vouch_senders *s, const struct senders_key *k)
{
	return k != NULL ? &s->svc[k->idx].pub : NULL;
}

const struct vouch_sender_service *
vouch_senders_by_id(const struct vouch_senders *s, const char *id)
{
	return service(s, walk(s, id, TAB_ID, TAB_COUNT, 0, 0));
}

const struct vouch_sender_service *
vouch_senders_by_domain(const struct vouch_senders *s, const char *domain)
{
	return service(s, walk(s, domain, TAB_DOMAIN, TAB_INCLUDE, 1, 0));
}

const struct vouch_sender_service *
vouch_senders_by_include(const struct vouch_senders *s,
    const char *include_domain)
{
	return service(s, walk(s, include_domain, TAB_INCLUDE, TAB_COUNT, 1,
	    0));
}

const struct vouch_sender_service *
vouch_senders_by_host(const struct vouch_senders *s, const char *host)
{
	const struct senders_key *k = walk(s, host, TAB_HOST, TAB_COUNT, 0, 0);

	if (k == NULL)
		k = walk(s, host, TAB_WILD, TAB_COUNT, 1, 1);
	return service(s, k);
}

const struct vouch_sender_freemail *
vouch_senders_freemail(const struct vouch_senders *s, const char *domain)
{
	const struct senders_key *k = walk(s, domain, TAB_FREEMAIL, TAB_COUNT,
	    0, 0);

	return k != NULL ? &s->fm[k->idx] : NULL;
}
