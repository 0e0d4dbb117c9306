/*
 * store_query.c - the filter every query shares, the per-domain summary,
 * the raw download and the reverse-DNS cache.
 *
 * Aggregation happens in SQL (GROUP BY); C only regroups consecutive rows
 * of one ordered result and copies what a callback is handed, since a
 * column's text dies at the next step.  Only one statement of a query is
 * being stepped at a time.
 */
#include <string.h>

#include "store_int.h"

int
vouch__query_open(struct vouch_store *s, const struct vouch_store_filter *f,
    const char *const sql[2], struct vouch__query *q,
    struct vouch_error *err)
{
	struct vouch__bind b;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	q->st = NULL;
	q->domain = NULL;
	if (f != NULL && f->domain != NULL && f->domain[0] != '\0') {
		/* Domains are stored lower-cased: compare in that form. */
		if ((q->domain = vouch__store_dup(f->domain,
		    strlen(f->domain))) == NULL)
			return vouch__error(err, VOUCH_ENOMEM, 0, "out of "
			    "memory");
		vouch__lower(q->domain);
	}
	if ((rc = s->ops->prepare(s->db, sql[q->domain != NULL], &q->st,
	    err)) != 0) {
		q->st = NULL;
		return rc;
	}
	vouch__bind_start(&b, s, q->st);
	vouch__bind_int(&b, f != NULL && f->since != 0 ? f->since : INT64_MIN);
	vouch__bind_int(&b, f != NULL && f->until != 0 ? f->until : INT64_MAX);
	if (q->domain != NULL)
		vouch__bind_text(&b, q->domain);
	return vouch__bind_done(&b, err);
}

void
vouch__query_close(struct vouch_store *s, struct vouch__query *q)
{
	if (q->st != NULL)
		s->ops->finish(q->st);
	vouch__free(q->domain);
	q->st = NULL;
	q->domain = NULL;
}

/* ---- summary ------------------------------------------------------------ */

/* The messages of the joined records for which cond holds. */
#define CSUM(cond) "COALESCE(SUM(CASE WHEN " cond " THEN rc.msg_count " \
	"ELSE 0 END), 0)"

#define SUMMARY_HEAD "SELECT rp.domain, rp.org_name, " \
	"COUNT(DISTINCT rp.id), MIN(rp.date_begin), MAX(rp.date_end), " \
	"COALESCE(SUM(rc.msg_count), 0) AS messages, " \
	CSUM("rc.eval_dkim = 'pass' OR rc.eval_spf = 'pass'") ", " \
	CSUM("rc.eval_spf = 'pass'") ", " CSUM("rc.eval_dkim = 'pass'") ", " \
	CSUM("rc.disposition = 'none'") ", " \
	CSUM("rc.disposition = 'quarantine'") ", " \
	CSUM("rc.disposition = 'reject'") ", " \
	CSUM("rc.disposition = 'pass'") " " \
	"FROM reports rp LEFT JOIN records rc ON " VOUCH__RC_OF_RP " " \
	"WHERE " VOUCH__RP_DATES
#define SUMMARY_TAIL " GROUP BY rp.domain, rp.org_name " \
	"ORDER BY rp.domain, messages DESC, rp.org_name"

static const char *const summary_sql[2] = {
	SUMMARY_HEAD SUMMARY_TAIL,
	SUMMARY_HEAD VOUCH__RP_DOMAIN SUMMARY_TAIL,
};

/* One domain being gathered from its per-reporter rows. */
struct sum_acc {
	struct vouch_store_summary sum;
	struct vouch__arena a;		/* its strings */
	struct vouch_store_reporter *rep;
	size_t cap;
};

static uint64_t
col_u64(struct vouch_store *s, struct vouch__stmt *st, int i)
{
	int64_t v = s->ops->col_int64(st, i);

	return v > 0 ? (uint64_t)v : 0;
}

static const char *
col_copy(struct vouch_store *s, struct vouch__stmt *st, int i,
    struct vouch__arena *a, int *nomem)
{
	const char *v = s->ops->col_is_null(st, i) ? NULL :
	    s->ops->col_text(st, i);
	char *c;

	if (v == NULL)
		return NULL;
	if ((c = vouch__arena_strdup(a, v)) == NULL)
		*nomem = 1;
	return c;
}

/* Add the reporter row at st to acc (a new domain when acc is empty). */
static int
sum_add(struct vouch_store *s, struct vouch__stmt *st, struct sum_acc *acc,
    struct vouch_error *err)
{
	struct vouch_store_summary *m = &acc->sum;
	struct vouch_store_reporter *r;
	int nomem = 0;

	if (m->domain == NULL) {
		m->domain = col_copy(s, st, 0, &acc->a, &nomem);
		m->first = INT64_MAX;
		m->last = INT64_MIN;
	}
	if (m->nreporters == acc->cap) {
		size_t ncap = acc->cap ? acc->cap * 2 : 8;

		r = vouch__realloc(acc->rep, ncap * sizeof(*r));
		if (r == NULL)
			return vouch__error(err, VOUCH_ENOMEM, 0, "out of "
			    "memory");
		acc->rep = r;
		acc->cap = ncap;
	}
	r = &acc->rep[m->nreporters++];
	r->org_name = col_copy(s, st, 1, &acc->a, &nomem);
	r->reports = col_u64(s, st, 2);
	r->messages = col_u64(s, st, 5);
	m->reporters = acc->rep;
	m->reports += r->reports;
	if (s->ops->col_int64(st, 3) < m->first)
		m->first = s->ops->col_int64(st, 3);
	if (s->ops->col_int64(st, 4) > m->last)
		m->last = s->ops->col_int64(st, 4);
	m->messages += r->messages;
	m->dmarc_pass += col_u64(s, st, 6);
	m->spf_aligned += col_u64(s, st, 7);
	m->dkim_aligned += col_u64(s, st, 8);
	m->disp_none += col_u64(s, st, 9);
	m->disp_quarantine += col_u64(s, st, 10);
	m->disp_reject += col_u64(s, st, 11);
	m->disp_pass += col_u64(s, st, 12);
	if (nomem || m->domain == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	return 0;
}

static void
sum_reset(struct sum_acc *acc)
{
	vouch__arena_free(&acc->a);
	memset(&acc->sum, 0, sizeof(acc->sum));
}

int
vouch_store_summary(struct vouch_store *s, const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_summary *sum), void *arg,
    struct vouch_error *err)
{
	struct vouch__query q;
	struct vouch__stmt *st;
	struct sum_acc acc;
	int rc;

	memset(&acc, 0, sizeof(acc));
	vouch__arena_init(&acc.a, 0);
	if ((rc = vouch__query_open(s, f, summary_sql, &q, err)) != 0)
		goto out;
	st = q.st;
	while ((rc = s->ops->step(st, err)) == 1) {
		const char *d = s->ops->col_text(st, 0);

		if (acc.sum.domain != NULL && d != NULL &&
		    strcmp(d, acc.sum.domain) != 0) {
			if ((rc = cb(arg, &acc.sum)) != 0)
				goto out;
			sum_reset(&acc);
		}
		if ((rc = sum_add(s, st, &acc, err)) != 0)
			goto out;
	}
	if (rc == 0 && acc.sum.domain != NULL)
		rc = cb(arg, &acc.sum);
out:
	vouch__query_close(s, &q);
	vouch__arena_free(&acc.a);
	vouch__free(acc.rep);
	return rc;
}

/* ---- raw download ------------------------------------------------------ */

int
vouch_store_raw(struct vouch_store *s, const char *org_name,
    const char *report_id, void **data, size_t *len, struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind b;
	const void *p;
	size_t n;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	*data = NULL;
	*len = 0;
	if (org_name == NULL || report_id == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no reporter or "
		    "report id");
	rc = s->ops->prepare(s->db, "SELECT r.gz FROM reports rp JOIN "
	    "raw_inputs r ON r.id = rp.raw_id WHERE rp.org_name = ? AND "
	    "rp.report_id = ?", &st, err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_text(&b, org_name);
	vouch__bind_text(&b, report_id);
	if ((rc = vouch__bind_done(&b, err)) != 0 ||
	    (rc = s->ops->step(st, err)) < 0)
		goto out;
	if (rc == 0) {
		rc = vouch__error(err, VOUCH_ENOTFOUND, 0, "no stored report "
		    "with that reporter and report id");
		goto out;
	}
	p = s->ops->col_blob(st, 0, &n);
	if ((*data = vouch__store_dup(p != NULL ? p : "", n)) == NULL) {
		rc = vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
		goto out;
	}
	*len = n;
	rc = 0;
out:
	s->ops->finish(st);
	return rc;
}

/* ---- reverse-DNS cache ------------------------------------------------- */

/* The canonical text of an address given as text. */
static int
canon_ip(const char *ip, char *buf, size_t len, struct vouch_error *err)
{
	struct vouch_ip a;

	if (ip == NULL || vouch_ip_parse(ip, &a) != 0 ||
	    vouch__store_ip(&a, buf, len) == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "not an IP address");
	return 0;
}

/* A PTR cache statement with the canonical address (in key, which must
 * outlive the statement's run) bound first. */
static int
ptr_stmt(struct vouch_store *s, const char *ip, char key[64],
    const char *sql, struct vouch__stmt **st, struct vouch__bind *b,
    struct vouch_error *err)
{
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if ((rc = canon_ip(ip, key, 64, err)) != 0 ||
	    (rc = s->ops->prepare(s->db, sql, st, err)) != 0)
		return rc;
	vouch__bind_start(b, s, *st);
	vouch__bind_text(b, key);
	return 0;
}

int
vouch_store_ptr_get(struct vouch_store *s, const char *ip, int64_t now,
    int64_t max_age, char **ptr, struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind b;
	const char *v;
	char key[64];
	int rc;

	*ptr = NULL;
	if ((rc = ptr_stmt(s, ip, key, "SELECT ptr FROM ptr_cache WHERE "
	    "ip = ? AND fetched > ?", &st, &b, err)) != 0)
		return rc;
	/* Younger than max_age: fetched after now - max_age. */
	vouch__bind_int(&b, max_age > 0 && now > INT64_MIN + max_age ?
	    now - max_age : now);
	if ((rc = vouch__bind_done(&b, err)) != 0 ||
	    (rc = s->ops->step(st, err)) < 0)
		goto out;
	if (rc == 0) {
		rc = vouch__error(err, VOUCH_ENOTFOUND, 0, "no PTR cache "
		    "entry younger than %lld seconds", (long long)max_age);
		goto out;
	}
	rc = 0;
	v = s->ops->col_is_null(st, 0) ? NULL : s->ops->col_text(st, 0);
	if (v != NULL && (*ptr = vouch__store_dup(v, strlen(v))) == NULL)
		rc = vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
out:
	s->ops->finish(st);
	return rc;
}

int
vouch_store_ptr_put(struct vouch_store *s, const char *ip, const char *ptr,
    int64_t now, struct vouch_error *err)
{
	struct vouch__stmt *st;
	struct vouch__bind b;
	char key[64];
	int rc;

	if ((rc = ptr_stmt(s, ip, key, "INSERT INTO ptr_cache (ip, ptr, "
	    "fetched) VALUES (?, ?, ?) ON CONFLICT (ip) DO UPDATE SET "
	    "ptr = excluded.ptr, fetched = excluded.fetched", &st, &b,
	    err)) != 0)
		return rc;
	vouch__bind_text(&b, ptr);
	vouch__bind_int(&b, now);
	if ((rc = vouch__bind_done(&b, err)) == 0)
		rc = vouch__store_run(s, st, err);
	s->ops->finish(st);
	return rc;
}
