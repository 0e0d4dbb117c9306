/*
 * store_batch.c - rows of one table gathered for multi-row INSERTs.
 *
 * A backend that pays a round trip per statement (PostgreSQL) gets up to
 * batch_rows rows of a table in one INSERT ... VALUES (...), (...); the
 * values are copied when a row is added, since the parser's strings die
 * with its callback.  A flush sends what is pending as statements of
 * 2^j rows, largest first, each prepared once per handle, so a report's
 * last few rows cost a handful of statements, not one each.  A backend
 * that runs statements in the process (SQLite) has batch_rows 1: a row is
 * bound where it lies and run at once, without a copy; a multi-row
 * statement saves SQLite less than the copies cost.
 */
#include <string.h>

#include "store_int.h"

#define SQL_MAX (64u * 1024u)

void
vouch__batch_init(struct vouch__batch *b, enum vouch__bt kind,
    const char *head, int ncols)
{
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->head = head;
	b->ncols = ncols;
	vouch__arena_init(&b->a, 0);
}

void
vouch__batch_clear(struct vouch__batch *b)
{
	b->n = 0;
	vouch__arena_free(&b->a);
}

void
vouch__batch_free(struct vouch__batch *b)
{
	vouch__batch_clear(b);
	vouch__free(b->v);
	b->v = NULL;
}

/* "head (?, ?), (?, ?)": rows rows of ncols placeholders. */
static int
batch_sql(const struct vouch__batch *b, size_t rows, struct vouch__buf *sql)
{
	size_t r;
	int c, rc = vouch__buf_puts(sql, b->head);

	for (r = 0; r < rows && rc == 0; r++) {
		rc = vouch__buf_puts(sql, r > 0 ? ", (" : "(");
		for (c = 0; c < b->ncols && rc == 0; c++)
			rc = vouch__buf_puts(sql, c > 0 ? ", ?" : "?");
		if (rc == 0)
			rc = vouch__buf_putc(sql, ')');
	}
	return rc;
}

/* The handle's statement for 2^j rows, prepared on first use. */
static int
batch_stmt(struct vouch_store *s, const struct vouch__batch *b, unsigned j,
    struct vouch__stmt **out, struct vouch_error *err)
{
	struct vouch__stmt **st = &s->bst[b->kind][j];
	struct vouch__buf sql;
	int rc;

	if (*st != NULL) {
		*out = *st;
		return 0;
	}
	vouch__buf_init(&sql, SQL_MAX);
	if ((rc = batch_sql(b, (size_t)1 << j, &sql)) != 0)
		rc = vouch__error(err, rc, 0, "out of memory");
	else if ((rc = s->ops->prepare(s->db, sql.data, st, err)) != 0)
		*st = NULL;
	vouch__buf_free(&sql);
	*out = *st;
	return rc;
}

static void
bind_row(struct vouch__bind *bd, const struct vouch__val *v, int ncols)
{
	int c;

	for (c = 0; c < ncols; c++)
		if (v[c].is_int)
			vouch__bind_int(bd, v[c].i);
		else
			vouch__bind_text(bd, v[c].s);
}

/* Rows [from, from + 2^j) of vals in one statement. */
static int
run_rows(struct vouch_store *s, const struct vouch__batch *b,
    const struct vouch__val *vals, unsigned j, struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind bd;
	size_t r;
	int rc;

	if ((rc = batch_stmt(s, b, j, &st, err)) != 0)
		return rc;
	vouch__bind_start(&bd, s, st);
	for (r = 0; r < (size_t)1 << j; r++)
		bind_row(&bd, vals + r * (size_t)b->ncols, b->ncols);
	if ((rc = vouch__bind_done(&bd, err)) != 0)
		return rc;
	return vouch__store_run(s, st, err);
}

int
vouch__batch_flush(struct vouch_store *s, struct vouch__batch *b,
    struct vouch_error *err)
{
	size_t done = 0, left;
	unsigned j;
	int rc = 0;

	while (rc == 0 && done < b->n) {
		left = b->n - done;
		for (j = VOUCH__BATCH_LOG; ((size_t)1 << j) > left; j--)
			;
		rc = run_rows(s, b, b->v + done * (size_t)b->ncols, j, err);
		done += (size_t)1 << j;
	}
	vouch__batch_clear(b);
	return rc;
}

/* A copy of text v in the batch's arena (NULL stays NULL). */
static int
keep_text(struct vouch__batch *b, struct vouch__val *dst,
    const struct vouch__val *v)
{
	*dst = *v;
	if (v->is_int || v->s == NULL)
		return 0;
	dst->s = vouch__arena_strdup(&b->a, v->s);
	return dst->s != NULL ? 0 : VOUCH_ENOMEM;
}

int
vouch__batch_add(struct vouch_store *s, struct vouch__batch *b,
    const struct vouch__val *row, int *full, struct vouch_error *err)
{
	size_t max = s->ops->batch_rows, i;
	struct vouch__val *dst;
	int rc;

	*full = 0;
	if (max <= 1)			/* bound where it lies, run now */
		return run_rows(s, b, row, 0, err);
	if (max > (size_t)1 << VOUCH__BATCH_LOG)
		max = (size_t)1 << VOUCH__BATCH_LOG;
	if (b->v == NULL && (b->v = vouch__calloc(max * (size_t)b->ncols,
	    sizeof(*b->v))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	dst = b->v + b->n * (size_t)b->ncols;
	for (i = 0; i < (size_t)b->ncols; i++)
		if ((rc = keep_text(b, &dst[i], &row[i])) != 0)
			return vouch__error(err, rc, 0, "out of memory");
	b->n++;
	*full = b->n == max;
	return 0;
}
