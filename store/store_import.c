/*
 * store_import.c - vouch_store_import(): the parser's callbacks
 * (vouch/report.h) turned into one transaction per report.
 *
 *   meta    begin; INSERT the report ON CONFLICT (org_name, report_id)
 *           DO NOTHING RETURNING id.  No row: another import has it, so
 *           roll back, count a duplicate and let its records pass by.
 *           Otherwise find or insert the raw input and link it.
 *   record  INSERT the record (store_record.c: the first DKIM and SPF
 *           results are columns of its row; further ones and commented
 *           reasons go to record_extra), at once or, for a backend with
 *           a round trip per statement, gathered into multi-row INSERTs
 *           (store_batch.c).
 *   end     insert what is still gathered, commit.
 *
 * A parse error, a limit or a database failure rolls back the report
 * being stored; those committed before it stay.  Failure reports are
 * stored each in its own transaction (store_raw.c).  The statements are
 * the handle's cached ones: import speed is bound by the XML parser, not
 * by preparing SQL.
 */
#include <string.h>

#include "store_int.h"

#define REASONS_MAX (64u * 1024u)

/* The policy word, NULL when the report gave none. */
static const char *
policy_word(enum vouch_dmarc_policy p)
{
	const char *w = vouch_dmarc_policy_name(p);

	return w[0] != '\0' ? w : NULL;
}

static const char *
align_word(int strict)
{
	return strict < 0 ? NULL : strict ? "s" : "r";
}

int
vouch__imp_fail(struct vouch__imp *im, int rc)
{
	vouch__imp_rows_clear(im);
	if (im->in_tx)
		im->s->ops->rollback(im->s->db);
	im->in_tx = 0;
	im->failed = 1;
	return rc;
}

static void
bind_int_or_null(struct vouch__bind *b, int v)
{
	if (v < 0)
		vouch__bind_text(b, NULL);
	else
		vouch__bind_int(b, v);
}

/* Returns 1 with im->report set, 0 for a duplicate, or an error. */
static int
insert_report(struct vouch__imp *im, const struct vouch_report_meta *m,
    const char *domain)
{
	struct vouch_store *s = im->s;
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc;

	rc = vouch__store_stmt(s, VOUCH__ST_REPORT, "INSERT INTO reports "
	    "(org_name, report_id, domain, date_begin, date_end, xml_schema, "
	    "version, email, extra_contact_info, generator, adkim, aspf, p, "
	    "sp, np, pct, fo, testing, discovery_method, source, imported, "
	    "raw_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?) ON CONFLICT (org_name, report_id) DO NOTHING "
	    "RETURNING id", &st, &im->err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_text(&b, m->org_name);
	vouch__bind_text(&b, m->report_id);
	vouch__bind_text(&b, domain);
	vouch__bind_int(&b, m->begin);
	vouch__bind_int(&b, m->end);
	vouch__bind_int(&b, (int64_t)m->schema);
	vouch__bind_text(&b, m->version);
	vouch__bind_text(&b, m->email);
	vouch__bind_text(&b, m->extra_contact_info);
	vouch__bind_text(&b, m->generator);
	vouch__bind_text(&b, align_word(m->adkim_strict));
	vouch__bind_text(&b, align_word(m->aspf_strict));
	vouch__bind_text(&b, policy_word(m->p));
	vouch__bind_text(&b, policy_word(m->sp));
	vouch__bind_text(&b, policy_word(m->np));
	bind_int_or_null(&b, m->pct);
	vouch__bind_text(&b, m->fo);
	bind_int_or_null(&b, m->testing);
	vouch__bind_text(&b, m->discovery_method);
	vouch__bind_text(&b, im->source);
	vouch__bind_int(&b, im->raw.now);
	if (im->raw.id >= 0)
		vouch__bind_int(&b, im->raw.id);
	else
		vouch__bind_text(&b, NULL);
	if ((rc = vouch__bind_done(&b, &im->err)) != 0)
		return rc;
	return vouch__store_id(s, st, &im->report, &im->err);
}

static int
link_raw(struct vouch__imp *im)
{
	struct vouch_store *s = im->s;
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc;

	if (im->raw.id >= 0) {
		im->raw_id = im->raw.id;	/* inserted with the report */
		return 0;
	}
	if ((rc = vouch__raw_row(s, &im->raw, &im->raw_id, &im->err)) != 0 ||
	    (rc = vouch__store_stmt(s, VOUCH__ST_REPORT_RAW, "UPDATE reports "
	    "SET raw_id = ? WHERE id = ?", &st, &im->err)) != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_int(&b, im->raw_id);
	vouch__bind_int(&b, im->report);
	if ((rc = vouch__bind_done(&b, &im->err)) != 0)
		return rc;
	return vouch__store_run(s, st, &im->err);
}

static int
insert_errors(struct vouch__imp *im, const struct vouch_report_meta *m)
{
	struct vouch_store *s = im->s;
	struct vouch__stmt *st;
	struct vouch__bind b;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nerrors && rc == 0; i++) {
		rc = vouch__store_stmt(s, VOUCH__ST_REPORT_ERROR, "INSERT INTO "
		    "report_errors (report, n, message) VALUES (?, ?, ?)", &st,
		    &im->err);
		if (rc != 0)
			break;
		vouch__bind_start(&b, s, st);
		vouch__bind_int(&b, im->report);
		vouch__bind_int(&b, (int64_t)i);
		vouch__bind_text(&b, m->errors[i] != NULL ? m->errors[i] : "");
		if ((rc = vouch__bind_done(&b, &im->err)) == 0)
			rc = vouch__store_run(s, st, &im->err);
	}
	return rc;
}

static int
on_meta(void *arg, const struct vouch_report_meta *m)
{
	struct vouch__imp *im = arg;
	struct vouch_store *s = im->s;
	char *domain;
	int rc;

	if (im->in_tx)		/* the parser ended the last one early */
		s->ops->rollback(s->db);
	vouch__imp_rows_clear(im);
	im->in_tx = im->skip = 0;
	im->nth++;
	im->records = im->messages = 0;
	im->day = m->begin / 86400;
	if ((domain = vouch__store_dup(m->domain, strlen(m->domain))) == NULL)
		return vouch__imp_fail(im, vouch__error(&im->err,
		    VOUCH_ENOMEM, 0, "report %zu of the input: out of memory",
		    im->nth));
	vouch__lower(domain);
	if ((rc = s->ops->begin(s->db, &im->err)) == 0) {
		im->in_tx = 1;
		rc = insert_report(im, m, domain);
	}
	vouch__free(domain);
	if (rc == 0) {
		/* Stored already, by an earlier import or a racing one. */
		s->ops->rollback(s->db);
		im->in_tx = 0;
		im->skip = 1;
		return 0;
	}
	if (rc == 1 && (rc = link_raw(im)) == 0 &&
	    (rc = insert_errors(im, m)) == 0)
		return 0;
	return vouch__imp_fail(im, vouch__store_context(&im->err, rc,
	    "storing report %zu of the input", im->nth));
}

static int
on_end(void *arg, const struct vouch_report_meta *m, size_t n)
{
	struct vouch__imp *im = arg;
	int rc;

	(void)m;
	(void)n;
	/* A duplicate counts once the parser has seen the whole report: one
	 * refused part-way (sharing an id with a stored one) is an error,
	 * not a duplicate. */
	if (im->skip || !im->in_tx) {
		if (im->skip)
			im->res.duplicates++;
		im->skip = 0;
		return 0;
	}
	if ((rc = vouch__imp_rows_flush(im)) != 0 ||
	    (rc = im->s->ops->commit(im->s->db, &im->err)) != 0)
		return vouch__imp_fail(im, vouch__store_context(&im->err, rc,
		    "storing report %zu of the input", im->nth));
	im->in_tx = 0;
	im->raw.id = im->raw_id;
	im->res.reports++;
	im->res.records += im->records;
	im->res.messages += im->messages;
	return 0;
}

static int
on_failure(void *arg, const struct vouch_report_failure *f)
{
	struct vouch__imp *im = arg;
	int rc;

	rc = vouch__failure_store(im->s, &im->raw, im->source, f, &im->err);
	if (rc < 0)
		return vouch__imp_fail(im, vouch__store_context(&im->err, rc,
		    "storing a failure report"));
	if (rc == 1)
		im->res.failures++;
	else
		im->res.duplicates++;
	return 0;
}

/* What feeds the import's callbacks: the parser, or a replay. */
typedef int feed_fn(const void *what, const struct vouch_report_handler *h,
    void *arg, struct vouch_error *err);

struct parse_feed {
	const void *data;
	size_t len;
	const struct vouch_report_limits *lim;
};

static int
feed_parse(const void *what, const struct vouch_report_handler *h,
    void *arg, struct vouch_error *err)
{
	const struct parse_feed *f = what;

	return vouch_report_parse(f->data, f->len, f->lim, h, arg, err);
}

static int
feed_replay(const void *what, const struct vouch_report_handler *h,
    void *arg, struct vouch_error *err)
{
	return vouch__prep_replay(what, h, arg, err);
}

/* The reports feed hands over, from raw, stored; raw is updated (its
 * row id once stored) but stays the caller's. */
static int
import_with(struct vouch_store *s, struct vouch__raw *raw,
    const char *source, feed_fn *feed, const void *what,
    struct vouch_store_import_result *res, struct vouch_error *err)
{
	static const struct vouch_report_handler h = {
		.meta = on_meta,
		.record = vouch__imp_record,
		.end = on_end,
		.failure = on_failure,
	};
	struct vouch__arena tmp;
	struct vouch__imp im;
	int rc;

	memset(&im, 0, sizeof(im));
	im.s = s;
	im.raw = *raw;
	vouch__arena_init(&tmp, 0);
	if ((im.source = vouch__store_utf8(&tmp, source)) == NULL &&
	    source != NULL) {
		vouch__arena_free(&tmp);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	vouch__buf_init(&im.reasons, REASONS_MAX);
	vouch__imp_rows_init(&im);
	rc = feed(what, &h, &im, err);
	if (im.in_tx)		/* a parse error in the middle of a report */
		s->ops->rollback(s->db);
	if (rc != 0 && im.failed && err != NULL)
		*err = im.err;
	vouch__buf_free(&im.reasons);
	vouch__imp_rows_free(&im);
	*raw = im.raw;
	vouch__arena_free(&tmp);
	if (res != NULL)
		*res = im.res;
	return rc;
}

static int
check_args(struct vouch_store *s, const void *data, size_t len,
    struct vouch_store_import_result *res, struct vouch_error *err)
{
	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (s == NULL || (data == NULL && len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "no store or no "
		    "data");
	return 0;
}

int
vouch_store_import(struct vouch_store *s, const void *data, size_t len,
    const char *source, const struct vouch_report_limits *lim, int64_t now,
    struct vouch_store_import_result *res, struct vouch_error *err)
{
	struct parse_feed f = {data, len, lim};
	struct vouch__raw raw;
	int rc;

	if ((rc = check_args(s, data, len, res, err)) != 0)
		return rc;
	vouch__raw_init(&raw, data, len, now);
	rc = import_with(s, &raw, source, feed_parse, &f, res, err);
	vouch__raw_free(&raw);
	return rc;
}

int
vouch__store_import_prep(struct vouch_store *s, const struct vouch__prep *p,
    struct vouch__raw *raw, const char *source,
    struct vouch_store_import_result *res, struct vouch_error *err)
{
	int rc;

	if ((rc = check_args(s, raw->data, raw->len, res, err)) != 0)
		return rc;
	return import_with(s, raw, source, feed_replay, p, res, err);
}
