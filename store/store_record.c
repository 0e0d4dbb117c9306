/*
 * store_record.c - one aggregate record into the store: its row in
 * records (the first DKIM and SPF results as columns, the reason types
 * joined by spaces, what the sources query needs precomputed: any DKIM
 * pass, forwarded), and the rare rest in record_extra (further DKIM and
 * SPF results; the reasons, when one has a comment).  Inside the report's
 * transaction (store_import.c).
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

/* The count of results, then the first one's columns (NULL for none). */
static void
bind_first(struct vouch__bind *b, size_t n, const char *const v[4])
{
	int i;

	vouch__bind_int(b, (int64_t)n);
	for (i = 0; i < 4; i++)
		vouch__bind_text(b, n > 0 ? v[i] : NULL);
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

#define RECORD_SQL "INSERT INTO records (id, report, day, ip, msg_count, " \
	"disposition, eval_dkim, eval_spf, reasons, header_from, " \
	"envelope_from, envelope_to, ndkim, dkim_domain, dkim_selector, " \
	"dkim_result, dkim_human, nspf, spf_domain, spf_scope, spf_result, " \
	"spf_human, dkim_pass, forwarded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, " \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

static int
insert_record(struct vouch__imp *im, const struct vouch_report_record *r,
    int64_t id, const char *ip, int forwarded)
{
	struct vouch_store *s = im->s;
	struct vouch__stmt *st;
	struct vouch__bind b;
	const char *dkim[4] = {NULL, NULL, NULL, NULL};
	const char *spf[4] = {NULL, NULL, NULL, NULL};
	int rc;

	rc = vouch__store_stmt(s, VOUCH__ST_RECORD, RECORD_SQL, &st, &im->err);
	if (rc != 0)
		return rc;
	if (r->ndkim > 0)
		dkim_values(&r->dkim_results[0], dkim);
	if (r->nspf > 0)
		spf_values(&r->spf_results[0], spf);
	vouch__bind_start(&b, s, st);
	vouch__bind_int(&b, id);
	vouch__bind_int(&b, im->report);
	vouch__bind_int(&b, im->day);
	vouch__bind_text(&b, ip);
	vouch__bind_int(&b, (int64_t)r->count);
	vouch__bind_text(&b, r->disposition);
	vouch__bind_text(&b, r->dkim);
	vouch__bind_text(&b, r->spf);
	vouch__bind_text(&b, r->nreasons > 0 ? im->reasons.data : NULL);
	vouch__bind_text(&b, r->header_from);
	vouch__bind_text(&b, r->envelope_from);
	vouch__bind_text(&b, r->envelope_to);
	bind_first(&b, r->ndkim, dkim);
	bind_first(&b, r->nspf, spf);
	vouch__bind_int(&b, any_dkim_pass(r));
	vouch__bind_int(&b, forwarded);
	if ((rc = vouch__bind_done(&b, &im->err)) != 0)
		return rc;
	return vouch__store_run(s, st, &im->err);
}

/* One record_extra row: kind, its position n and four values. */
static int
insert_extra(struct vouch__imp *im, int64_t record, const char *kind, size_t n,
    const char *const v[4])
{
	struct vouch_store *s = im->s;
	struct vouch__stmt *st;
	struct vouch__bind b;
	int rc, i;

	rc = vouch__store_stmt(s, VOUCH__ST_EXTRA, "INSERT INTO record_extra "
	    "(record, kind, n, domain, scope, result, comment) VALUES (?, ?, "
	    "?, ?, ?, ?, ?)", &st, &im->err);
	if (rc != 0)
		return rc;
	vouch__bind_start(&b, s, st);
	vouch__bind_int(&b, record);
	vouch__bind_text(&b, kind);
	vouch__bind_int(&b, (int64_t)n);
	for (i = 0; i < 4; i++)
		vouch__bind_text(&b, v[i]);
	if ((rc = vouch__bind_done(&b, &im->err)) != 0)
		return rc;
	return vouch__store_run(s, st, &im->err);
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

