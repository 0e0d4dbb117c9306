/*
 * store_sources.c - vouch_store_sources(): one line per sending IP, with
 * the domains seen for it (header From, SPF, DKIM), all in one SQL
 * statement:
 *
 *   rec     the records the filter selects
 *   src     per IP: the message sums of vouch_store_source
 *   auth    every SPF and DKIM result (the first from the record row, the
 *           rest from record_extra), and per_rec counts a record once
 *           per domain even when two results name it (SPF mfrom and
 *           helo), passing when either passed
 *   dom     per IP and kind (0 header From, 1 SPF, 2 DKIM) and domain:
 *           messages and passes
 *   top     the eight most frequent of each kind per IP (ROW_NUMBER)
 *
 * The result is src's lines (kind -1) and top's lines together, ordered
 * as the callbacks are made (messages descending, then IP) with each IP's
 * domains after its own line, so C only gathers one IP at a time: memory
 * does not grow with the number of sources.  Every line carries its IP's
 * total (ipm, a window sum in rec) so that the order needs no join: a
 * join of src with top made SQLite loop over one for each line of the
 * other.
 */
#include <string.h>

#include "store_int.h"

#define TOP 8

/* Messages of the records in rec for which cond holds. */
#define CSUM(cond) "SUM(CASE WHEN " cond " THEN c ELSE 0 END)"

#define SOURCES_HEAD "WITH rec AS (SELECT rc.id, rc.ip, rc.msg_count AS c, " \
	"SUM(rc.msg_count) OVER (PARTITION BY rc.ip) AS ipm, " \
	"rc.eval_dkim, rc.eval_spf, rc.disposition, rc.header_from, " \
	"rc.ndkim, rc.dkim_domain, rc.dkim_result, rc.nspf, rc.spf_domain, " \
	"rc.spf_result, rc.dkim_pass, rc.forwarded " \
	"FROM reports rp JOIN records rc ON " VOUCH__RC_OF_RP " " \
	"WHERE " VOUCH__RP_DATES
#define SOURCES_TAIL "), " \
	"src AS (SELECT ip, SUM(c) AS messages, " \
	CSUM("eval_dkim = 'pass' OR eval_spf = 'pass'") " AS dmarc_pass, " \
	CSUM("eval_spf = 'pass'") " AS spf_aligned, " \
	CSUM("eval_dkim = 'pass'") " AS dkim_aligned, " \
	CSUM("spf_result = 'pass'") " AS spf_pass, " \
	CSUM("dkim_pass = 1") " AS dkim_pass, " \
	CSUM("forwarded = 1") " AS forwarded, " \
	CSUM("disposition = 'quarantine'") " AS quarantine, " \
	CSUM("disposition = 'reject'") " AS reject " \
	"FROM rec GROUP BY ip), " \
	"auth AS (SELECT id, ip, ipm, c, 1 AS kind, spf_domain AS domain, " \
	"spf_result AS result FROM rec WHERE nspf > 0 " \
	"UNION ALL SELECT rec.id, rec.ip, rec.ipm, rec.c, 1, x.domain, " \
	"x.result FROM rec JOIN record_extra x ON x.record = rec.id " \
	"AND x.kind = 'spf' " \
	"UNION ALL SELECT id, ip, ipm, c, 2, dkim_domain, dkim_result " \
	"FROM rec WHERE ndkim > 0 " \
	"UNION ALL SELECT rec.id, rec.ip, rec.ipm, rec.c, 2, x.domain, " \
	"x.result FROM rec JOIN record_extra x ON x.record = rec.id " \
	"AND x.kind = 'dkim'), " \
	"per_rec AS (SELECT ip, ipm, kind, domain, c, " \
	"MAX(CASE WHEN result = 'pass' THEN 1 ELSE 0 END) AS ok FROM auth " \
	"WHERE domain <> '' GROUP BY id, ip, ipm, c, kind, domain), " \
	"dom AS (SELECT ip, ipm, 0 AS kind, header_from AS domain, " \
	"SUM(c) AS messages, 0 AS pass FROM rec WHERE header_from <> '' " \
	"GROUP BY ip, ipm, header_from " \
	"UNION ALL SELECT ip, ipm, kind, domain, SUM(c), SUM(c * ok) " \
	"FROM per_rec GROUP BY ip, ipm, kind, domain), " \
	"top AS (SELECT ip, ipm, kind, domain, messages, pass, ROW_NUMBER() " \
	"OVER (PARTITION BY ip, kind ORDER BY messages DESC, domain) AS rn " \
	"FROM dom) " \
	"SELECT ip, messages, dmarc_pass, spf_aligned, dkim_aligned, " \
	"spf_pass, dkim_pass, forwarded, quarantine, reject, -1 AS kind, " \
	"NULL AS domain, 0 AS dm, 0 AS dp FROM src " \
	"UNION ALL SELECT ip, ipm, 0, 0, 0, 0, 0, 0, 0, 0, kind, domain, " \
	"messages, pass FROM top WHERE rn <= 8 " \
	"ORDER BY 2 DESC, 1, 11, 13 DESC, 12"

static const char *const sources_sql[2] = {
	SOURCES_HEAD SOURCES_TAIL,
	SOURCES_HEAD VOUCH__RP_DOMAIN SOURCES_TAIL,
};

/* One IP being gathered. */
struct src_acc {
	struct vouch_store_source src;
	struct vouch__arena a;
	struct vouch_store_authdom dom[3][TOP];
	size_t n[3];
};

static uint64_t
u64(struct vouch_store *s, struct vouch__stmt *st, int i)
{
	int64_t v = s->ops->col_int64(st, i);

	return v > 0 ? (uint64_t)v : 0;
}

static int
src_start(struct vouch_store *s, struct vouch__stmt *st, struct src_acc *a,
    const char *ip)
{
	struct vouch_store_source *w = &a->src;
	uint64_t *sums[] = {&w->messages, &w->dmarc_pass, &w->spf_aligned,
	    &w->dkim_aligned, &w->spf_pass, &w->dkim_pass, &w->forwarded,
	    &w->disp_quarantine, &w->disp_reject};
	size_t i;

	vouch__arena_free(&a->a);
	memset(w, 0, sizeof(*w));
	memset(a->n, 0, sizeof(a->n));
	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
		*sums[i] = u64(s, st, (int)i + 1);
	w->header_from = a->dom[0];
	w->spf_domains = a->dom[1];
	w->dkim_domains = a->dom[2];
	w->ip = vouch__arena_strdup(&a->a, ip);
	return w->ip != NULL ? 0 : VOUCH_ENOMEM;
}

/* The domain line at st, if any, into its list. */
static int
src_domain(struct vouch_store *s, struct vouch__stmt *st, struct src_acc *a)
{
	struct vouch_store_authdom *d;
	const char *name;
	int64_t kind;

	if (s->ops->col_is_null(st, 10) || s->ops->col_is_null(st, 11))
		return 0;
	kind = s->ops->col_int64(st, 10);
	name = s->ops->col_text(st, 11);
	if (kind < 0 || kind > 2 || name == NULL || a->n[kind] == TOP)
		return 0;
	d = &a->dom[kind][a->n[kind]];
	if ((d->domain = vouch__arena_strdup(&a->a, name)) == NULL)
		return VOUCH_ENOMEM;
	d->messages = u64(s, st, 12);
	d->pass = u64(s, st, 13);
	a->n[kind]++;
	a->src.nheader_from = a->n[0];
	a->src.nspf_domains = a->n[1];
	a->src.ndkim_domains = a->n[2];
	return 0;
}

int
vouch_store_sources(struct vouch_store *s, const struct vouch_store_filter *f,
    int (*cb)(void *arg, const struct vouch_store_source *src), void *arg,
    struct vouch_error *err)
{
	struct vouch__query q;
	struct vouch__stmt *st;
	struct src_acc *a;
	int rc;

	if ((a = vouch__calloc(1, sizeof(*a))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	vouch__arena_init(&a->a, 0);
	if ((rc = vouch__query_open(s, f, sources_sql, &q, err)) != 0)
		goto out;
	st = q.st;
	while ((rc = s->ops->step(st, err)) == 1) {
		const char *ip = s->ops->col_text(st, 0);

		if (ip == NULL)
			ip = "";
		if (a->src.ip == NULL || strcmp(ip, a->src.ip) != 0) {
			if (a->src.ip != NULL && (rc = cb(arg, &a->src)) != 0)
				goto out;
			if ((rc = src_start(s, st, a, ip)) != 0)
				break;
		}
		if ((rc = src_domain(s, st, a)) != 0)
			break;
	}
	if (rc == VOUCH_ENOMEM)
		rc = vouch__error(err, rc, 0, "out of memory");
	else if (rc == 0 && a->src.ip != NULL)
		rc = cb(arg, &a->src);
out:
	vouch__query_close(s, &q);
	vouch__arena_free(&a->a);
	vouch__free(a);
	return rc;
}
