/*
 * cmd_report_sources.c - vouch report sources: per sending IP, its
 * reverse DNS name, the sending service it belongs to, volume, results,
 * and its class with the reasons and fixes (gathered by
 * cmd_report_gather.c; the rules are in docs/reports.md); and the pieces
 * of that output readiness shares.
 */
#include <string.h>

#include "cmd_report.h"
#include "cmd_report_query.h"

/* ---- output ------------------------------------------------------------- */

json_t *
rq_fix_json(const struct vouch_report_classification *c)
{
	char buf[VOUCH_REPORT_FIXES_MAX * (VOUCH_REPORT_TEXT_MAX + 2)];
	size_t i, n = 0;

	if (c->nfixes == 0)
		return json_null();
	for (i = 0; i < c->nfixes; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "; " : "", c->fixes[i]);
	return cli_json_str(buf);
}

void
rq_fix_text(FILE *f, const struct vouch_report_classification *c)
{
	size_t i;

	for (i = 0; i < c->nfixes; i++) {
		fprintf(f, "%s", i ? "; " : "");
		cli_put_safe(f, c->fixes[i]);
	}
}

void
rq_ptr_text(FILE *f, const struct rq_source *src, int width)
{
	char buf[300];

	if (src->ptr_state == RQ_PTR_FAILED)
		(void)snprintf(buf, sizeof(buf), "(lookup failed)");
	else if (src->ptr_state == RQ_PTR_UNKNOWN)
		(void)snprintf(buf, sizeof(buf), "-");
	else if (src->ptr == NULL)
		(void)snprintf(buf, sizeof(buf), "(no name)");
	else
		cli_safe_copy(buf, sizeof(buf), src->ptr);
	fprintf(f, "%-*s", width, buf);
	if (src->service != NULL) {
		fprintf(f, " (");
		cli_put_safe(f, src->service->name);
		fputc(')', f);
	}
}

static const char *
ptr_status(const struct rq_source *src)
{
	static const char *const names[] = { "unknown", "known", "failed" };

	return src->ptr_state == RQ_PTR_KNOWN && src->ptr == NULL ? "none" :
	    names[src->ptr_state % 3];
}

static json_t *
domains_json(const struct vouch_report_authdom *v, size_t n)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "domain", cli_json_str(v[i].domain));
		json_object_set_new(o, "messages",
		    json_integer((json_int_t)v[i].messages));
		json_object_set_new(o, "pass",
		    json_integer((json_int_t)v[i].pass));
		json_object_set_new(o, "aligned", json_boolean(v[i].aligned));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
texts_json(const char (*v)[VOUCH_REPORT_TEXT_MAX], size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, cli_json_str(v[i]));
	return arr;
}

#define SET_COUNT(o, k, v) \
	json_object_set_new(o, k, json_integer((json_int_t)(v)))

static json_t *
source_json(const struct rq_source *d)
{
	struct vouch_report_classification c;
	const struct vouch_report_source *s = &d->s;
	json_t *o = json_object();

	rq_source_classify(d, &c);
	json_object_set_new(o, "ip", cli_json_str(d->ip));
	json_object_set_new(o, "ptr", cli_json_str(d->ptr));
	json_object_set_new(o, "ptr_status", json_string(ptr_status(d)));
	json_object_set_new(o, "service", cli_json_str(s->service));
	json_object_set_new(o, "service_id",
	    cli_json_str(d->service ? d->service->id : NULL));
	json_object_set_new(o, "header_from", cli_json_str(s->domain));
	SET_COUNT(o, "messages", s->messages);
	SET_COUNT(o, "dmarc_pass", s->dmarc_pass);
	SET_COUNT(o, "spf_aligned", s->spf_aligned);
	SET_COUNT(o, "dkim_aligned", s->dkim_aligned);
	SET_COUNT(o, "spf_pass", s->spf_pass);
	SET_COUNT(o, "dkim_pass", s->dkim_pass);
	SET_COUNT(o, "forwarded", s->forwarded);
	SET_COUNT(o, "quarantined", d->disp_quarantine);
	SET_COUNT(o, "rejected", d->disp_reject);
	json_object_set_new(o, "spf_domains", domains_json(s->spf, s->nspf));
	json_object_set_new(o, "dkim_domains",
	    domains_json(s->dkim, s->ndkim));
	json_object_set_new(o, "classification",
	    json_string(vouch_report_class_name(c.cls)));
	json_object_set_new(o, "reasons", texts_json(
	    (const char (*)[VOUCH_REPORT_TEXT_MAX])c.reasons, c.nreasons));
	json_object_set_new(o, "fix", rq_fix_json(&c));
	json_object_set_new(o, "fixes", texts_json(
	    (const char (*)[VOUCH_REPORT_TEXT_MAX])c.fixes, c.nfixes));
	return o;
}

/* The summary line: the classes that need attention first. */
static void
sources_summary(const struct rq_sources *ss)
{
	static const enum vouch_report_class order[] = {
		VOUCH_REPORT_UNAUTHORIZED, VOUCH_REPORT_AUTHORIZED_FAILING,
		VOUCH_REPORT_FORWARDED, VOUCH_REPORT_AUTHORIZED
	};
	uint64_t msgs[4] = {0}, total = 0;
	size_t count[4] = {0}, i, k;

	for (i = 0; i < ss->n; i++) {
		count[ss->v[i].cls & 3]++;
		msgs[ss->v[i].cls & 3] += ss->v[i].s.messages;
		total += ss->v[i].s.messages;
	}
	printf("%zu source%s, %llu messages:", ss->n, ss->n == 1 ? "" : "s",
	    (unsigned long long)total);
	for (k = 0; k < 4; k++)
		printf("%s %zu %s (%llu message%s)", k ? "," : "",
		    count[order[k]], vouch_report_class_name(order[k]),
		    (unsigned long long)msgs[order[k]],
		    msgs[order[k]] == 1 ? "" : "s");
	putchar('\n');
}

static void
sources_text(const struct rq_sources *ss)
{
	struct vouch_report_classification c;
	const struct rq_source *d;
	char rate[16];
	size_t i;

	sources_summary(ss);
	if (ss->n == 0)
		return;
	printf("\n%9s  %-7s  %-18s  %-15s  %s\n", "MESSAGES", "DMARC",
	    "CLASS", "IP", "NAME (SERVICE)");
	for (i = 0; i < ss->n; i++) {
		d = &ss->v[i];
		rq_source_classify(d, &c);
		rq_rate(d->s.dmarc_pass, d->s.messages, rate, sizeof(rate));
		printf("%9llu  %-7s  %-18s  %-15s  ",
		    (unsigned long long)d->s.messages, rate,
		    vouch_report_class_name(c.cls), d->ip);
		rq_ptr_text(stdout, d, 0);
		putchar('\n');
		if (c.nfixes > 0) {
			printf("%40s fix: ", "");
			rq_fix_text(stdout, &c);
			putchar('\n');
		}
	}
}

static void
sources_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch report sources [--db PATH|URI] [--domain D]"
	    " [--since DATE]\n"
	    "                            [--until DATE] [--offline]"
	    " [--senders FILE]\n"
	    "                            [DNS options] [--json]\n"
	    "\n"
	    "Who sends as the domain: per sending IP, its reverse DNS name"
	    " (cached in the\n"
	    "store for 7 days; --offline looks nothing up), the service it"
	    " belongs to,\n"
	    "volume, results, and a class: authorized, authorized-failing"
	    " (with the fix),\n"
	    "forwarded or unauthorized.  See vouch(1) and docs/reports.md.\n");
}

int
report_sources(int argc, char **argv)
{
	static const struct option opts[] = {
		RQ_LONGOPTS,
		RQ_SOURCE_LONGOPTS,
		CLI_COMMON_LONGOPTS
	};
	struct rq_args a = { .cmd = "sources" };
	struct rq_sources ss = { 0 };
	struct vouch_store *st = NULL;
	struct vouch_dns *dns = NULL;
	json_t *arr;
	size_t i;
	int rc;

	if ((rc = rq_parse(argc, argv, opts, &a, NULL, NULL,
	    sources_usage)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = rq_senders_load(&a, &ss.senders)) != 0 ||
	    (rc = rq_store_open(&a, &st)) != 0 ||
	    (rc = rq_dns_open(&a, &dns)) != 0 ||
	    (rc = rq_sources_load(&a, st, dns, &ss)) != 0)
		goto out;
	if (a.json) {
		arr = json_array();
		for (i = 0; i < ss.n; i++)
			json_array_append_new(arr, source_json(&ss.v[i]));
		rc = cli_json_print(arr);
	} else
		sources_text(&ss);
out:
	rq_sources_free(&ss);
	vouch_dns_free(dns);
	vouch_store_close(st);
	return rq_flush(&a, rc);
}
