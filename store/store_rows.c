/*
 * store_rows.c - every stored record with its report, for export and
 * replay (vouch_store_rows), and the stored failure reports
 * (vouch_store_failures).
 *
 * A record's extra DKIM and SPF results come in the same ordered result
 * as the record (a LEFT JOIN on record_extra: one line per extra result,
 * a single line for the usual record without any), so one statement is
 * stepped and the lines of one record are gathered before its callback.
 */
#include <string.h>

#include "store_int.h"

#define ROWS_HEAD "SELECT rp.org_name, rp.report_id, rp.date_begin, " \
	"rp.date_end, rp.domain, rp.p, rp.sp, rp.np, rp.adkim, rp.aspf, " \
	"rc.id, rc.ip, rc.msg_count, rc.disposition, rc.eval_dkim, " \
	"rc.eval_spf, rc.reasons, rc.header_from, rc.envelope_from, " \
	"rc.envelope_to, rc.ndkim, rc.dkim_domain, rc.dkim_selector, " \
	"rc.dkim_result, rc.dkim_human, rc.nspf, rc.spf_domain, " \
	"rc.spf_scope, rc.spf_result, rc.spf_human, x.kind, x.n, x.domain, " \
	"x.scope, x.result, x.comment " \
	"FROM reports rp JOIN records rc ON " VOUCH__RC_OF_RP " " \
	"LEFT JOIN record_extra x ON x.record = rc.id AND x.kind <> 'reason' " \
	"WHERE " VOUCH__RP_DATES
#define ROWS_TAIL " ORDER BY rp.date_begin, rp.id, rc.id, x.kind, x.n"

static const char *const rows_sql[2] = {
	ROWS_HEAD ROWS_TAIL,
	ROWS_HEAD VOUCH__RP_DOMAIN ROWS_TAIL,
};

/* Columns of rows_sql. */
enum {
	C_ORG = 0, C_RID, C_BEGIN, C_END, C_DOMAIN, C_P, C_SP, C_NP, C_ADKIM,
	C_ASPF, C_ID, C_IP, C_COUNT, C_DISP, C_EDKIM, C_ESPF, C_REASONS,
	C_HFROM, C_EFROM, C_ETO, C_NDKIM, C_DKIM, C_NSPF = C_DKIM + 4,
	C_SPF, C_XKIND = C_SPF + 4, C_XN, C_X
};

/* Results kept per record: the parser's cap, with room to spare. */
#define RESULTS_MAX 256

struct row_acc {
	struct vouch_store_row row;
	int64_t id;			/* record row id, -1 before the first */
	struct vouch__arena a;
	struct vouch_report_dkim *dkim;
	struct vouch_report_spf *spf;
	int nomem;
};

static const char *
text(struct vouch_store *s, struct vouch__stmt *st, int i, struct row_acc *r)
{
	const char *v;
	char *c;

	if (s->ops->col_is_null(st, i))
		return NULL;
	v = s->ops->col_text(st, i);
	if (v == NULL || (c = vouch__arena_strdup(&r->a, v)) == NULL) {
		r->nomem = 1;
		return NULL;
	}
	return c;
}

static enum vouch_dmarc_policy
policy(struct vouch_store *s, struct vouch__stmt *st, int i)
{
	const char *v = s->ops->col_is_null(st, i) ? NULL :
	    s->ops->col_text(st, i);
	enum vouch_dmarc_policy p;

	for (p = VOUCH_DMARC_POLICY_NONE; v != NULL &&
	    p <= VOUCH_DMARC_POLICY_REJECT; p++)
		if (strcmp(v, vouch_dmarc_policy_name(p)) == 0)
			return p;
	return VOUCH_DMARC_POLICY_UNSET;
}

static int
strict(struct vouch_store *s, struct vouch__stmt *st, int i)
{
	const char *v = s->ops->col_is_null(st, i) ? NULL :
	    s->ops->col_text(st, i);

	return v == NULL ? -1 : strcmp(v, "s") == 0;
}

static size_t
count_col(struct vouch_store *s, struct vouch__stmt *st, int i)
{
	int64_t v = s->ops->col_int64(st, i);

	return v < 0 ? 0 : v > RESULTS_MAX ? RESULTS_MAX : (size_t)v;
}

/* Four text columns from col on into the fields f points to. */
static void
set4(struct vouch_store *s, struct vouch__stmt *st, int col,
    struct row_acc *r, const char **const f[4])
{
	int i;

	for (i = 0; i < 4; i++)
		*f[i] = text(s, st, col + i, r);
}

/* DKIM result n of the record from the four columns at col. */
static void
set_dkim(struct vouch_store *s, struct vouch__stmt *st, int col,
    struct row_acc *r, size_t n)
{
	struct vouch_report_dkim *d = &r->dkim[n];
	const char **const f[4] = {&d->domain, &d->selector, &d->result,
	    &d->human_result};

	set4(s, st, col, r, f);
}

static void
set_spf(struct vouch_store *s, struct vouch__stmt *st, int col,
    struct row_acc *r, size_t n)
{
	struct vouch_report_spf *p = &r->spf[n];
	const char **const f[4] = {&p->domain, &p->scope, &p->result,
	    &p->human_result};

	set4(s, st, col, r, f);
}

/* A new record: its report's and its own columns. */
static void
row_start(struct vouch_store *s, struct vouch__stmt *st, struct row_acc *r)
{
	struct vouch_store_row *w = &r->row;

	vouch__arena_free(&r->a);
	memset(w, 0, sizeof(*w));
	r->id = s->ops->col_int64(st, C_ID);
	w->org_name = text(s, st, C_ORG, r);
	w->report_id = text(s, st, C_RID, r);
	w->begin = s->ops->col_int64(st, C_BEGIN);
	w->end = s->ops->col_int64(st, C_END);
	w->domain = text(s, st, C_DOMAIN, r);
	w->p = policy(s, st, C_P);
	w->sp = policy(s, st, C_SP);
	w->np = policy(s, st, C_NP);
	w->adkim_strict = strict(s, st, C_ADKIM);
	w->aspf_strict = strict(s, st, C_ASPF);
	w->ip = text(s, st, C_IP, r);
	w->count = (uint64_t)s->ops->col_int64(st, C_COUNT);
	w->disposition = text(s, st, C_DISP, r);
	w->dkim = text(s, st, C_EDKIM, r);
	w->spf = text(s, st, C_ESPF, r);
	w->reasons = text(s, st, C_REASONS, r);
	w->header_from = text(s, st, C_HFROM, r);
	w->envelope_from = text(s, st, C_EFROM, r);
	w->envelope_to = text(s, st, C_ETO, r);
	w->ndkim = count_col(s, st, C_NDKIM);
	w->nspf = count_col(s, st, C_NSPF);
	r->dkim = vouch__arena_alloc(&r->a, (w->ndkim + 1) * sizeof(*r->dkim));
	r->spf = vouch__arena_alloc(&r->a, (w->nspf + 1) * sizeof(*r->spf));
	if (r->dkim == NULL || r->spf == NULL) {
		r->nomem = 1;
		w->ndkim = w->nspf = 0;
		return;
	}
	memset(r->dkim, 0, (w->ndkim + 1) * sizeof(*r->dkim));
	memset(r->spf, 0, (w->nspf + 1) * sizeof(*r->spf));
	if (w->ndkim > 0)
		set_dkim(s, st, C_DKIM, r, 0);
	if (w->nspf > 0)
		set_spf(s, st, C_SPF, r, 0);
	w->dkim_results = r->dkim;
	w->spf_results = r->spf;
}

/* An extra result line of the current record. */
static void
row_extra(struct vouch_store *s, struct vouch__stmt *st, struct row_acc *r)
{
	const char *kind;
	int64_t n;

	if (s->ops->col_is_null(st, C_XKIND))
		return;
	kind = s->ops->col_text(st, C_XKIND);
	n = s->ops->col_int64(st, C_XN);
	if (kind == NULL || n < 1)
		return;
	if (strcmp(kind, "dkim") == 0 && (size_t)n < r->row.ndkim)
		set_dkim(s, st, C_X, r, (size_t)n);
	else if (strcmp(kind, "spf") == 0 && (size_t)n < r->row.nspf)
		set_spf(s, st, C_X, r, (size_t)n);
}

int
vouch_store_rows(struct vouch_store *s, const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_row *row), void *arg,
    struct vouch_error *err)
{
	struct vouch__query q;
	struct vouch__stmt *st;
	struct row_acc r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.id = -1;
	vouch__arena_init(&r.a, 0);
	if ((rc = vouch__query_open(s, f, rows_sql, &q, err)) != 0)
		goto out;
	st = q.st;
	while ((rc = s->ops->step(st, err)) == 1) {
		if (s->ops->col_int64(st, C_ID) != r.id) {
			if (r.id >= 0 && (rc = cb(arg, &r.row)) != 0)
				goto out;
			row_start(s, st, &r);
		}
		row_extra(s, st, &r);
		if (r.nomem) {
			rc = vouch__error(err, VOUCH_ENOMEM, 0, "out of "
			    "memory");
			goto out;
		}
	}
	if (rc == 0 && r.id >= 0)
		rc = cb(arg, &r.row);
out:
	vouch__query_close(s, &q);
	vouch__arena_free(&r.a);
	return rc;
}

/* ---- failure reports ----------------------------------------------------- */

#define FAIL_HEAD "SELECT imported, source, feedback_type, user_agent, " \
	"version, auth_failure, original_envelope_id, original_mail_from, " \
	"original_rcpt_to, reported_domain, identity_alignment, " \
	"delivery_result, dkim_domain, dkim_identity, dkim_selector, " \
	"spf_dns, authentication_results, arrival_date, source_ip, headers, " \
	"headers_truncated FROM failures " \
	"WHERE event_time >= ? AND event_time < ?"
#define FAIL_TAIL " ORDER BY event_time, id"

static const char *const failures_sql[2] = {
	FAIL_HEAD FAIL_TAIL,
	FAIL_HEAD " AND reported_domain = ?" FAIL_TAIL,
};

/* The failure report at st, its strings borrowed from the statement but
 * for the headers, copied to hdr to end them with a NUL. */
static int
failure_at(struct vouch_store *s, struct vouch__stmt *st,
    struct vouch_report_failure *f, struct vouch__buf *hdr)
{
	const char **txt[] = {&f->feedback_type, &f->user_agent, &f->version,
	    &f->auth_failure, &f->original_envelope_id,
	    &f->original_mail_from, &f->original_rcpt_to,
	    &f->reported_domain, &f->identity_alignment,
	    &f->delivery_result, &f->dkim_domain, &f->dkim_identity,
	    &f->dkim_selector, &f->spf_dns, &f->authentication_results};
	const void *p;
	size_t i, n;
	int rc;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < sizeof(txt) / sizeof(txt[0]); i++)
		*txt[i] = s->ops->col_is_null(st, (int)i + 2) ? NULL :
		    s->ops->col_text(st, (int)i + 2);
	f->arrival_date = s->ops->col_is_null(st, 17) ? -1 :
	    s->ops->col_int64(st, 17);
	if (!s->ops->col_is_null(st, 18) &&
	    vouch_ip_parse(s->ops->col_text(st, 18), &f->source_ip) != 0)
		memset(&f->source_ip, 0, sizeof(f->source_ip));
	f->headers_truncated = (int)s->ops->col_int64(st, 20);
	if (s->ops->col_is_null(st, 19))
		return 0;
	p = s->ops->col_blob(st, 19, &n);
	vouch__buf_reset(hdr);
	/* The buffer keeps a NUL after its bytes. */
	if ((rc = vouch__buf_append(hdr, p != NULL ? p : "", n)) != 0)
		return rc;
	f->headers = hdr->data;
	f->headers_len = n;
	return 0;
}

int
vouch_store_failures(struct vouch_store *s, const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_failure *fr), void *arg,
    struct vouch_error *err)
{
	struct vouch__query q;
	struct vouch__stmt *st;
	struct vouch_report_failure rf;
	struct vouch_store_failure fr;
	struct vouch__buf hdr;
	int rc;

	vouch__buf_init(&hdr, (size_t)-1 / 2);
	if ((rc = vouch__query_open(s, f, failures_sql, &q, err)) != 0)
		goto out;
	st = q.st;
	while ((rc = s->ops->step(st, err)) == 1) {
		if ((rc = failure_at(s, st, &rf, &hdr)) != 0) {
			rc = vouch__error(err, rc, 0, "out of memory");
			goto out;
		}
		fr.imported = s->ops->col_int64(st, 0);
		fr.source = s->ops->col_is_null(st, 1) ? NULL :
		    s->ops->col_text(st, 1);
		fr.f = &rf;
		if ((rc = cb(arg, &fr)) != 0)
			goto out;
	}
out:
	vouch__query_close(s, &q);
	vouch__buf_free(&hdr);
	return rc;
}
