/*
 * store_record.c - one aggregate record into the store: its row in
 * records (the first DKIM and SPF results as columns, the reason types
 * joined by spaces, what the sources query needs precomputed: any DKIM
 * pass, forwarded), and the rare rest in record_extra (further DKIM and
 * SPF results; the reasons, when one has a comment).  Inside the report's
 * transaction (store_import.c); rows go through store_batch.c, which
 * inserts them at once or gathers them into multi-row INSERTs, records
 * always before the record_extra rows that refer to them.
 */
#include <inttypes.h>
#include <string.h>

#include "store_int.h"

static int
word_in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* "arc=pass" anywhere in a comment, in any case. */
static int
says_arc_pass(const char *c)
{
	for (; c != NULL && *c != '\0'; c++)
		if (vouch__strncaseeq(c, "arc=pass", 8))
			return 1;
	return 0;
}

/*
 * The reason types joined by spaces into im->reasons; *forwarded as
 * vouch_store_source defines it; returns 1 when the reasons need
 * record_extra rows: a comment, or a type the joined list cannot carry.
 */
static int
reasons(struct vouch__imp *im, const struct vouch_report_record *r,
    int *forwarded, int *rc)
{
	static const char *const fwd[] = {"forwarded", "trusted_forwarder",
	    "mailing_list", NULL};
	size_t i;
	int side = 0;

	vouch__buf_reset(&im->reasons);
	*forwarded = 0;
	*rc = 0;
	for (i = 0; i < r->nreasons && *rc == 0; i++) {
		const struct vouch_report_reason *x = &r->reasons[i];
		const char *t = x->type != NULL ? x->type : "";

		if (x->comment != NULL || t[0] == '\0' || strchr(t, ' '))
			side = 1;
		if (word_in(t, fwd) || says_arc_pass(x->comment))
			*forwarded = 1;
		if (i > 0)
			*rc = vouch__buf_putc(&im->reasons, ' ');
		if (*rc == 0)
			*rc = vouch__buf_puts(&im->reasons, t);
	}
	return side;
}

/* A DKIM or SPF result as the four text columns both are stored in. */
static void
dkim_values(const struct vouch_report_dkim *d, const char *v[4])
{
	v[0] = d->domain;
	v[1] = d->selector;
	v[2] = d->result;
	v[3] = d->human_result;
}

static void
spf_values(const struct vouch_report_spf *p, const char *v[4])
{
	v[0] = p->domain;
	v[1] = p->scope;
	v[2] = p->result;
	v[3] = p->human_result;
}

static int
any_dkim_pass(const struct vouch_report_record *r)
{
	size_t i;

	for (i = 0; i < r->ndkim; i++)
		if (r->dkim_results[i].result != NULL &&
		    strcmp(r->dkim_results[i].result, "pass") == 0)
			return 1;
	return 0;
}

#define RECORD_HEAD "INSERT INTO records (id, report, day, ip, msg_count, " \
	"disposition, eval_dkim, eval_spf, reasons, header_from, " \
	"envelope_from, envelope_to, ndkim, dkim_domain, dkim_selector, " \
	"dkim_result, dkim_human, nspf, spf_domain, spf_scope, spf_result, " \
	"spf_human, dkim_pass, forwarded) VALUES "
#define RECORD_COLS 24
#define EXTRA_HEAD "INSERT INTO record_extra (record, kind, n, domain, " \
	"scope, result, comment) VALUES "
#define EXTRA_COLS 7

void
vouch__imp_rows_init(struct vouch__imp *im)
{
	vouch__batch_init(&im->rec, VOUCH__BT_RECORD, RECORD_HEAD,
	    RECORD_COLS);
	vouch__batch_init(&im->extra, VOUCH__BT_EXTRA, EXTRA_HEAD, EXTRA_COLS);
}

void
vouch__imp_rows_clear(struct vouch__imp *im)
{
	vouch__batch_clear(&im->rec);
	vouch__batch_clear(&im->extra);
}

void
vouch__imp_rows_free(struct vouch__imp *im)
{
	vouch__batch_free(&im->rec);
	vouch__batch_free(&im->extra);
}

int
vouch__imp_rows_flush(struct vouch__imp *im)
{
	int rc = vouch__batch_flush(im->s, &im->rec, &im->err);

	if (rc != 0) {
		vouch__batch_clear(&im->extra);
		return rc;
	}
	return vouch__batch_flush(im->s, &im->extra, &im->err);
}

/* One row into batch b, and both batches flushed when it is full. */
static int
add_row(struct vouch__imp *im, struct vouch__batch *b,
    const struct vouch__val *row)
{
	int rc, full;

	if ((rc = vouch__batch_add(im->s, b, row, &full, &im->err)) != 0 ||
	    !full)
		return rc;
	return vouch__imp_rows_flush(im);
}

static void
put_int(struct vouch__val *v, int64_t i)
{
	v->is_int = 1;
	v->i = i;
	v->s = NULL;
}

static void
put_text(struct vouch__val *v, const char *s)
{
	v->is_int = 0;
	v->i = 0;
	v->s = s;
}

/* The count of results, then the first one's columns (NULL for none). */
static void
put_first(struct vouch__val *v, size_t n, const char *const t[4])
{
	int i;

	put_int(&v[0], (int64_t)n);
	for (i = 0; i < 4; i++)
		put_text(&v[1 + i], n > 0 ? t[i] : NULL);
}

static int
insert_record(struct vouch__imp *im, const struct vouch_report_record *r,
    int64_t id, const char *ip, int forwarded)
{
	struct vouch__val v[RECORD_COLS];
	const char *dkim[4] = {NULL, NULL, NULL, NULL};
	const char *spf[4] = {NULL, NULL, NULL, NULL};

	if (r->ndkim > 0)
		dkim_values(&r->dkim_results[0], dkim);
	if (r->nspf > 0)
		spf_values(&r->spf_results[0], spf);
	put_int(&v[0], id);
	put_int(&v[1], im->report);
	put_int(&v[2], im->day);
	put_text(&v[3], ip);
	put_int(&v[4], (int64_t)r->count);
	put_text(&v[5], r->disposition);
	put_text(&v[6], r->dkim);
	put_text(&v[7], r->spf);
	put_text(&v[8], r->nreasons > 0 ? im->reasons.data : NULL);
	put_text(&v[9], r->header_from);
	put_text(&v[10], r->envelope_from);
	put_text(&v[11], r->envelope_to);
	put_first(&v[12], r->ndkim, dkim);
	put_first(&v[17], r->nspf, spf);
	put_int(&v[22], any_dkim_pass(r));
	put_int(&v[23], forwarded);
	return add_row(im, &im->rec, v);
}

/* One record_extra row: kind, its position n and four values. */
static int
insert_extra(struct vouch__imp *im, int64_t record, const char *kind, size_t n,
    const char *const t[4])
{
	struct vouch__val v[EXTRA_COLS];
	int i;

	put_int(&v[0], record);
	put_text(&v[1], kind);
	put_int(&v[2], (int64_t)n);
	for (i = 0; i < 4; i++)
		put_text(&v[3 + i], t[i]);
	return add_row(im, &im->extra, v);
}

static int
insert_extras(struct vouch__imp *im, int64_t id,
    const struct vouch_report_record *r, int side_reasons)
{
	const char *v[4];
	size_t i;
	int rc = 0;

	for (i = 1; i < r->ndkim && rc == 0; i++) {
		dkim_values(&r->dkim_results[i], v);
		rc = insert_extra(im, id, "dkim", i, v);
	}
	for (i = 1; i < r->nspf && rc == 0; i++) {
		spf_values(&r->spf_results[i], v);
		rc = insert_extra(im, id, "spf", i, v);
	}
	for (i = 0; side_reasons && i < r->nreasons && rc == 0; i++) {
		v[0] = v[1] = NULL;
		v[2] = r->reasons[i].type;
		v[3] = r->reasons[i].comment;
		rc = insert_extra(im, id, "reason", i, v);
	}
	return rc;
}

/* The record's own limits: a count the sums can carry, an index its id
 * can hold (VOUCH__RC_OF_RP). */
static int
record_fits(struct vouch__imp *im, const struct vouch_report_record *r)
{
	if (r->count > VOUCH__STORE_COUNT_MAX)
		return vouch__error(&im->err, VOUCH_ELIMIT, 0, "report %zu of "
		    "the input, record %zu: a message count of %" PRIu64
		    " is over the store's limit of %" PRIu64, im->nth,
		    r->index, r->count, VOUCH__STORE_COUNT_MAX);
	if (r->index >> VOUCH__RECORD_BITS != 0 ||
	    im->report > INT64_MAX >> VOUCH__RECORD_BITS)
		return vouch__error(&im->err, VOUCH_ELIMIT, 0, "report %zu of "
		    "the input: more than %u records", im->nth,
		    1u << VOUCH__RECORD_BITS);
	return 0;
}

int
vouch__imp_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r)
{
	struct vouch__imp *im = arg;
	char buf[64];
	const char *ip;
	int64_t id;
	int rc, side, forwarded;

	(void)m;
	if (im->skip || !im->in_tx)
		return 0;
	if ((rc = record_fits(im, r)) != 0)
		return vouch__imp_fail(im, rc);
	id = im->report * ((int64_t)1 << VOUCH__RECORD_BITS) +
	    (int64_t)r->index;
	if ((ip = vouch__store_ip(&r->source_ip, buf, sizeof(buf))) == NULL)
		ip = "";
	side = reasons(im, r, &forwarded, &rc);
	if (rc == 0)
		rc = insert_record(im, r, id, ip, forwarded);
	if (rc == 0 && (side || r->ndkim > 1 || r->nspf > 1))
		rc = insert_extras(im, id, r, side);
	if (rc != 0)
		return vouch__imp_fail(im, vouch__store_context(&im->err, rc,
		    "storing report %zu of the input, record %zu", im->nth,
		    r->index));
	im->records++;
	im->messages += r->count;
	return 0;
}

