/*
 * cmd_report_export.c - vouch report export: the stored aggregate records
 * (or, with --failures, the failure reports) as CSV or JSON, streamed as
 * the store hands them over, so memory stays flat.
 *
 * CSV follows RFC 4180 (a header row, CRLF line ends, a field quoted when
 * it holds a comma, a double quote, CR or LF, quotes doubled).  Every
 * field is report text from strangers, so (SECURITY.md) a field starting
 * with = + - @ TAB or CR gets a single quote in front, which keeps a
 * spreadsheet from reading it as a formula, and control bytes other than
 * TAB, CR and LF become \xNN, which keeps a terminal from acting on them.
 * JSON is one array holding one record object per line (so it also reads
 * line by line once the brackets and commas are dropped).
 */
#include <string.h>

#include "cmd.h"
#include "cmd_report.h"
#include "cmd_report_query.h"

#define LIST_MAX 4096	/* one joined list of results in a CSV field */

struct export_ctx {
	int json;
	size_t n;	/* rows written */
};

/* ---- CSV ---------------------------------------------------------------- */

static void
csv_field(const char *s, int first)
{
	const char *p;
	int quote = 0;

	if (!first)
		fputc(',', stdout);
	if (s == NULL)
		return;
	for (p = s; *p != '\0'; p++)
		if (*p == ',' || *p == '"' || *p == '\r' || *p == '\n')
			quote = 1;
	if (quote)
		fputc('"', stdout);
	if (*s != '\0' && strchr("=+-@\t\r", *s) != NULL)
		fputc('\'', stdout);
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			fputs("\"\"", stdout);
		else if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			printf("\\x%02x", c);
		else
			fputc(c, stdout);
	}
	if (quote)
		fputc('"', stdout);
}

static void
csv_row(const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		csv_field(v[i], i == 0);
	fputs("\r\n", stdout);
}

static const char *const row_cols[] = {
	"org_name", "report_id", "begin", "end", "domain", "p", "sp", "np",
	"adkim", "aspf", "source_ip", "count", "disposition", "dkim", "spf",
	"reasons", "header_from", "envelope_from", "envelope_to",
	"dkim_results", "spf_results"
};
#define ROW_COLS (sizeof(row_cols) / sizeof(row_cols[0]))

static const char *
mode(int strict)
{
	return strict < 0 ? NULL : strict ? "s" : "r";
}

static const char *
policy(enum vouch_dmarc_policy p)
{
	return dmarc_policy_or_null(p);
}

/* "d=example.com s=sel pass; ..." and "example.com mfrom pass; ...". */
static void
results_text(const struct vouch_store_row *r, char *dk, char *sp,
    size_t len)
{
	size_t i, n = 0;

	dk[0] = sp[0] = '\0';
	for (i = 0; i < r->ndkim && n < len; i++)
		n += (size_t)snprintf(dk + n, len - n, "%sd=%s s=%s %s",
		    i ? "; " : "", r->dkim_results[i].domain ?
		    r->dkim_results[i].domain : "",
		    r->dkim_results[i].selector ?
		    r->dkim_results[i].selector : "",
		    r->dkim_results[i].result ? r->dkim_results[i].result : "");
	for (i = 0, n = 0; i < r->nspf && n < len; i++)
		n += (size_t)snprintf(sp + n, len - n, "%s%s %s %s",
		    i ? "; " : "", r->spf_results[i].domain ?
		    r->spf_results[i].domain : "",
		    r->spf_results[i].scope ? r->spf_results[i].scope : "",
		    r->spf_results[i].result ? r->spf_results[i].result : "");
}

static void
row_csv(const struct vouch_store_row *r)
{
	char begin[32], end[32], count[24], dk[LIST_MAX], sp[LIST_MAX];
	/* The buffers are filled below; the pointers are what counts. */
	const char *v[ROW_COLS] = { r->org_name, r->report_id, begin, end,
	    r->domain, policy(r->p), policy(r->sp), policy(r->np),
	    mode(r->adkim_strict), mode(r->aspf_strict), r->ip, count,
	    r->disposition, r->dkim, r->spf, r->reasons, r->header_from,
	    r->envelope_from, r->envelope_to, dk, sp };

	rq_time(r->begin, begin, sizeof(begin));
	rq_time(r->end, end, sizeof(end));
	(void)snprintf(count, sizeof(count), "%llu",
	    (unsigned long long)r->count);
	results_text(r, dk, sp, sizeof(dk));
	csv_row(v, ROW_COLS);
}

static const char *const failure_cols[] = {
	"imported", "source", "feedback_type", "user_agent", "version",
	"auth_failure", "reported_domain", "original_mail_from",
	"original_rcpt_to", "original_envelope_id", "arrival_date",
	"source_ip", "delivery_result", "identity_alignment", "dkim_domain",
	"dkim_identity", "dkim_selector", "spf_dns",
	"authentication_results", "headers_truncated", "headers"
};
#define FAILURE_COLS (sizeof(failure_cols) / sizeof(failure_cols[0]))

static void
failure_csv(const struct vouch_store_failure *fr)
{
	const struct vouch_report_failure *f = fr->f;
	char imported[32], arrival[32], ip[64];
	/* The buffers are filled below; the pointers are what counts. */
	const char *v[FAILURE_COLS] = { imported, fr->source,
	    f->feedback_type, f->user_agent, f->version, f->auth_failure,
	    f->reported_domain, f->original_mail_from, f->original_rcpt_to,
	    f->original_envelope_id, arrival, ip, f->delivery_result,
	    f->identity_alignment, f->dkim_domain, f->dkim_identity,
	    f->dkim_selector, f->spf_dns, f->authentication_results,
	    f->headers_truncated ? "yes" : "no", f->headers };

	rq_time(fr->imported, imported, sizeof(imported));
	arrival[0] = ip[0] = '\0';
	if (f->arrival_date >= 0)
		rq_time(f->arrival_date, arrival, sizeof(arrival));
	if (f->source_ip.family != 0)
		(void)vouch_ip_format(&f->source_ip, ip, sizeof(ip));
	csv_row(v, FAILURE_COLS);
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *
reasons_json(const char *s)
{
	json_t *arr = json_array();
	const char *p = s;
	char word[256];

	while ((p = rq_next_name(p, word, sizeof(word))) != NULL)
		if (word[0] != '\0')
			json_array_append_new(arr, cli_json_str(word));
	return arr;
}

#define PUT(o, k, v) json_object_set_new(o, k, v)

static json_t *
auth_json(const char *domain, const char *k2, const char *v2,
    const char *result, const char *human)
{
	json_t *o = json_object();

	PUT(o, "domain", cli_json_str(domain));
	PUT(o, k2, cli_json_str(v2));
	PUT(o, "result", cli_json_str(result));
	PUT(o, "human_result", cli_json_str(human));
	return o;
}

static json_t *
row_json(const struct vouch_store_row *r)
{
	json_t *o = json_object(), *dk = json_array(), *sp = json_array();
	size_t i;

	PUT(o, "org_name", cli_json_str(r->org_name));
	PUT(o, "report_id", cli_json_str(r->report_id));
	PUT(o, "begin", rq_time_json(r->begin));
	PUT(o, "end", rq_time_json(r->end));
	PUT(o, "domain", cli_json_str(r->domain));
	PUT(o, "p", cli_json_str(policy(r->p)));
	PUT(o, "sp", cli_json_str(policy(r->sp)));
	PUT(o, "np", cli_json_str(policy(r->np)));
	PUT(o, "adkim", cli_json_str(mode(r->adkim_strict)));
	PUT(o, "aspf", cli_json_str(mode(r->aspf_strict)));
	PUT(o, "source_ip", cli_json_str(r->ip));
	PUT(o, "count", json_integer((json_int_t)r->count));
	PUT(o, "disposition", cli_json_str(r->disposition));
	PUT(o, "dkim", cli_json_str(r->dkim));
	PUT(o, "spf", cli_json_str(r->spf));
	PUT(o, "reasons", reasons_json(r->reasons));
	PUT(o, "header_from", cli_json_str(r->header_from));
	PUT(o, "envelope_from", cli_json_str(r->envelope_from));
	PUT(o, "envelope_to", cli_json_str(r->envelope_to));
	for (i = 0; i < r->ndkim; i++)
		json_array_append_new(dk, auth_json(r->dkim_results[i].domain,
		    "selector", r->dkim_results[i].selector,
		    r->dkim_results[i].result,
		    r->dkim_results[i].human_result));
	for (i = 0; i < r->nspf; i++)
		json_array_append_new(sp, auth_json(r->spf_results[i].domain,
		    "scope", r->spf_results[i].scope,
		    r->spf_results[i].result, r->spf_results[i].human_result));
	PUT(o, "dkim_results", dk);
	PUT(o, "spf_results", sp);
	return o;
}

static json_t *
failure_json(const struct vouch_store_failure *fr)
{
	const struct vouch_report_failure *f = fr->f;
	json_t *o = json_object();
	char ip[64];

	PUT(o, "imported", rq_time_json(fr->imported));
	PUT(o, "source", cli_json_str(fr->source));
	PUT(o, "feedback_type", cli_json_str(f->feedback_type));
	PUT(o, "user_agent", cli_json_str(f->user_agent));
	PUT(o, "version", cli_json_str(f->version));
	PUT(o, "auth_failure", cli_json_str(f->auth_failure));
	PUT(o, "reported_domain", cli_json_str(f->reported_domain));
	PUT(o, "original_mail_from", cli_json_str(f->original_mail_from));
	PUT(o, "original_rcpt_to", cli_json_str(f->original_rcpt_to));
	PUT(o, "original_envelope_id", cli_json_str(f->original_envelope_id));
	PUT(o, "arrival_date", f->arrival_date >= 0 ?
	    rq_time_json(f->arrival_date) : json_null());
	PUT(o, "source_ip", f->source_ip.family != 0 &&
	    vouch_ip_format(&f->source_ip, ip, sizeof(ip)) == 0 ?
	    json_string(ip) : json_null());
	PUT(o, "delivery_result", cli_json_str(f->delivery_result));
	PUT(o, "identity_alignment", cli_json_str(f->identity_alignment));
	PUT(o, "dkim_domain", cli_json_str(f->dkim_domain));
	PUT(o, "dkim_identity", cli_json_str(f->dkim_identity));
	PUT(o, "dkim_selector", cli_json_str(f->dkim_selector));
	PUT(o, "spf_dns", cli_json_str(f->spf_dns));
	PUT(o, "authentication_results",
	    cli_json_str(f->authentication_results));
	PUT(o, "headers_truncated", json_boolean(f->headers_truncated));
	PUT(o, "headers", cli_json_str(f->headers));
	return o;
}

/* One element of the array, on its own line. */
static int
json_line(struct export_ctx *ctx, json_t *o)
{
	int rc;

	if (o == NULL)
		return VOUCH_ENOMEM;
	fputs(ctx->n > 0 ? ",\n" : "[\n", stdout);
	rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return rc == 0 ? 0 : VOUCH_EIO;
}

/* One item written (its CSV line already, or its JSON object o). */
static int
emitted(struct export_ctx *ctx, json_t *o)
{
	int rc = ctx->json ? json_line(ctx, o) : 0;

	ctx->n++;
	return rc != 0 || ferror(stdout) ? VOUCH_EIO : 0;
}

static int
row_cb(void *arg, const struct vouch_store_row *r)
{
	struct export_ctx *ctx = arg;

	if (!ctx->json)
		row_csv(r);
	return emitted(ctx, ctx->json ? row_json(r) : NULL);
}

static int
failure_cb(void *arg, const struct vouch_store_failure *fr)
{
	struct export_ctx *ctx = arg;

	if (!ctx->json)
		failure_csv(fr);
	return emitted(ctx, ctx->json ? failure_json(fr) : NULL);
}

/* ---- the command ------------------------------------------------------- */

struct export_opts {
	const char *format;
	int failures;
};

static int
export_option(void *arg, int c, const char *optarg_)
{
	struct export_opts *o = arg;

	switch (c) {
	case 'f': o->format = optarg_; return 1;
	case 'F': o->failures = 1; return 1;
	default: return 0;
	}
}

static void
export_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch report export [--format csv|json] [--failures]"
	    " [--db PATH|URI]\n"
	    "                           [--domain D] [--since DATE]"
	    " [--until DATE]\n"
	    "\n"
	    "Writes the stored aggregate records (with --failures: the"
	    " failure reports)\n"
	    "on standard output: CSV (RFC 4180, the default; cells that a"
	    " spreadsheet\n"
	    "would read as a formula are neutralized) or a JSON array with"
	    " one object\n"
	    "per line.  --json is --format json.\n");
}

int
report_export(int argc, char **argv)
{
	static const struct option opts[] = {
		RQ_LONGOPTS,
		{"format", required_argument, NULL, 'f'},
		{"failures", no_argument, NULL, 'F'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct rq_args a = { .cmd = "export" };
	struct export_opts eo = { NULL, 0 };
	struct export_ctx ctx = { 0, 0 };
	struct vouch_error err = {0, 0, ""};
	struct vouch_store *st = NULL;
	int rc;

	if ((rc = rq_parse(argc, argv, opts, &a, export_option, &eo,
	    export_usage)) != 0)
		return rc == 1 ? 0 : rc;
	if (eo.format != NULL && strcmp(eo.format, "csv") != 0 &&
	    strcmp(eo.format, "json") != 0) {
		fprintf(stderr, "vouch report export: --format: '");
		cli_put_safe(stderr, eo.format);
		fprintf(stderr, "' is not csv or json\n");
		return EXIT_USAGE;
	}
	ctx.json = a.json || (eo.format != NULL && eo.format[0] == 'j');
	if (a.json && eo.format != NULL && eo.format[0] == 'c') {
		fprintf(stderr, "vouch report export: --json and --format csv "
		    "exclude each other\n");
		return EXIT_USAGE;
	}
	if ((rc = rq_store_open(&a, &st)) != 0)
		return rc;
	if (!ctx.json)
		csv_row(eo.failures ? failure_cols : row_cols, eo.failures ?
		    FAILURE_COLS : ROW_COLS);
	if (eo.failures)
		rc = vouch_store_failures(st, &a.filter, failure_cb, &ctx,
		    &err);
	else
		rc = vouch_store_rows(st, &a.filter, row_cb, &ctx, &err);
	if (rc != 0)
		rc = rq_store_error(&a, rc, &err);
	else if (ctx.json)
		fputs(ctx.n > 0 ? "\n]\n" : "[\n]\n", stdout);
	vouch_store_close(st);
	return rq_flush(&a, rc);
}
