/*
 * store.c - opening a store (the backend chosen by the location's
 * spelling, then the migrations), the per-handle cache of the statements
 * import repeats, and the small helpers every query uses: a binder that
 * keeps the first failure, running a statement to its end, and error
 * context.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static int
is_pg(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0;
}

int
vouch_store_open(const char *where, struct vouch_store **out,
    struct vouch_error *err)
{
	struct vouch_store *s;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no handle pointer");
	*out = NULL;
	if (where == NULL || where[0] == '\0')
		return vouch__error(err, VOUCH_EINVAL, 0, "no store location: "
		    "a file path or a postgresql:// URI");
	if ((s = vouch__calloc(1, sizeof(*s))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	if (is_pg(where))
		rc = vouch__db_pg_open(where, &s->db, err);
	else
		rc = vouch__db_sqlite_open(where, &s->db, err);
	if (rc != 0)
		goto fail;
	s->ops = s->db->ops;
	if ((rc = vouch__store_migrate(s, err)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	vouch_store_close(s);
	return rc;
}

void
vouch_store_close(struct vouch_store *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < VOUCH__ST__COUNT; i++)
		if (s->st[i] != NULL)
			s->ops->finish(s->st[i]);
	for (i = 0; i < VOUCH__BT__COUNT; i++)
		for (j = 0; j <= VOUCH__BATCH_LOG; j++)
			if (s->bst[i][j] != NULL)
				s->ops->finish(s->bst[i][j]);
	if (s->db != NULL)
		s->db->ops->close(s->db);
	vouch__free(s);
}

const char *
vouch_store_backend(const struct vouch_store *s)
{
	return s->ops->name;
}

int
vouch_store_schema_version(const struct vouch_store *s)
{
	return s->version;
}

int
vouch__store_stmt(struct vouch_store *s, enum vouch__st id, const char *sql,
    struct vouch__stmt **out, struct vouch_error *err)
{
	int rc;

	if (s->st[id] == NULL &&
	    (rc = s->ops->prepare(s->db, sql, &s->st[id], err)) != 0) {
		s->st[id] = NULL;
		return rc;
	}
	*out = s->st[id];
	return 0;
}

void
vouch__bind_start(struct vouch__bind *b, const struct vouch_store *s,
    struct vouch__stmt *st)
{
	b->ops = s->ops;
	b->st = st;
	b->i = 0;
	b->rc = 0;
}

const char *
vouch__store_utf8(struct vouch__arena *a, const char *v)
{
	const unsigned char *u = (const unsigned char *)v;
	size_t len, i, n, o = 0;
	char *c;

	if (v == NULL)
		return NULL;
	len = strlen(v);
	for (i = 0; i < len; i += n)
		if ((n = u[i] < 0x80 ? 1 : vouch__utf8_len(u + i, len - i)) ==
		    0)
			break;
	if (i >= len)
		return v;
	if (len > ((size_t)-1 - 1) / 3 ||
	    (c = vouch__arena_alloc(a, 3 * len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i += n) {
		n = u[i] < 0x80 ? 1 : vouch__utf8_len(u + i, len - i);
		if (n > 0) {
			memcpy(c + o, u + i, n);
			o += n;
		} else {
			memcpy(c + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		}
	}
	c[o] = '\0';
	return c;
}

void
vouch__bind_text(struct vouch__bind *b, const char *v)
{
	b->i++;
	if (b->rc == 0)
		b->rc = v != NULL ? b->ops->bind_text(b->st, b->i, v) :
		    b->ops->bind_null(b->st, b->i);
}

void
vouch__bind_int(struct vouch__bind *b, int64_t v)
{
	b->i++;
	if (b->rc == 0)
		b->rc = b->ops->bind_int64(b->st, b->i, v);
}

void
vouch__bind_blob(struct vouch__bind *b, const void *p, size_t n)
{
	b->i++;
	if (b->rc == 0)
		b->rc = b->ops->bind_blob(b->st, b->i, p, n);
}

int
vouch__bind_done(struct vouch__bind *b, struct vouch_error *err)
{
	if (b->rc == 0)
		return 0;
	b->ops->reset(b->st);
	return vouch__error(err, b->rc, 0, "%s: cannot bind a statement "
	    "parameter", b->ops->name);
}

int
vouch__store_run(struct vouch_store *s, struct vouch__stmt *st,
    struct vouch_error *err)
{
	int rc;

	while ((rc = s->ops->step(st, err)) == 1)
		;
	s->ops->reset(st);
	return rc;
}

int
vouch__store_id(struct vouch_store *s, struct vouch__stmt *st, int64_t *id,
    struct vouch_error *err)
{
	int rc = s->ops->step(st, err);

	if (rc == 1) {
		*id = s->ops->col_int64(st, 0);
		/* Finish the statement: an INSERT ... RETURNING is complete
		 * only once stepped to its end. */
		while ((rc = s->ops->step(st, err)) == 1)
			;
		if (rc == 0)
			rc = 1;
	}
	s->ops->reset(st);
	return rc;
}

int
vouch__store_context(struct vouch_error *err, int code, const char *fmt,
    ...)
{
	char what[200], msg[VOUCH_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	vouch__strlcpy(msg, err->msg, sizeof(msg));
	return vouch__error(err, code, err->line, "%s: %s", what, msg);
}

const char *
vouch__store_ip(const struct vouch_ip *ip, char *buf, size_t len)
{
	if (ip->family == 0 || vouch_ip_format(ip, buf, len) != 0)
		return NULL;
	return buf;
}

char *
vouch__store_dup(const void *p, size_t n)
{
	char *c = vouch__malloc(n + 1);

	if (c != NULL) {
		if (n > 0)
			memcpy(c, p, n);
		c[n] = '\0';
	}
	return c;
}
