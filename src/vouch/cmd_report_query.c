/*
 * cmd_report_query.c - the options the vouch report queries share
 * (cmd_report_query.h), and vouch report summary: per policy domain,
 * messages, the DMARC, aligned SPF and aligned DKIM pass rates, the
 * dispositions the receivers applied, and who reported.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_report.h"
#include "cmd_report_query.h"

#define DAY 86400
#define SECONDS_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */

/* ---- options ------------------------------------------------------------ */

static int
bad_value(const struct rq_args *a, const char *opt, const char *arg,
    const char *want)
{
	fprintf(stderr, "vouch report %s: %s: '", a->cmd, opt);
	cli_put_safe(stderr, arg);
	fprintf(stderr, "' is not %s\n", want);
	return -1;
}

/* A domain as the store's filter takes it: a name of at most 253 bytes
 * without spaces or control bytes (any case). */
static int
domain_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
rq_option(struct rq_args *a, int c, const char *name, const char *arg)
{
	int64_t *slot;

	switch (c) {
	case 'b': a->db = arg; return 1;
	case 'j': a->json = 1; return 1;
	case 'o': a->offline = 1; return 1;
	case 'S': a->senders = arg; return 1;
	case 'D': return cli_dns_option(&a->dns, a->prog, name, arg) < 0 ?
	    -1 : 1;
	case 'd':
		if (!domain_ok(arg))
			return bad_value(a, "--domain", arg, "a domain name");
		a->domain = a->filter.domain = arg;
		return 1;
	case 's':
	case 'u':
		slot = c == 's' ? &a->filter.since : &a->filter.until;
		if (rq_date(arg, c == 'u', slot) != 0)
			return bad_value(a, c == 's' ? "--since" : "--until",
			    arg, "a date (YYYY-MM-DD) or seconds since 1970");
		return 1;
	default:
		return 0;
	}
}

int
rq_parse(int argc, char **argv, const struct option *opts,
    struct rq_args *a, int (*extra)(void *ctx, int c, const char *arg),
    void *ctx, void (*usage)(FILE *f))
{
	int c, rc, idx = 0;

	(void)snprintf(a->prog, sizeof(a->prog), "report %s", a->cmd);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		rc = c == '?' ? 0 : rq_option(a, c, opts[idx].name, optarg);
		if (rc == 0 && extra != NULL && c != '?')
			rc = extra(ctx, c, optarg);
		if (rc == 0)
			rc = cli_bad_option(a->prog, argv[optind - 1]);
		if (rc < 0)
			goto usage;
		idx = 0;
	}
	if (optind < argc) {
		fprintf(stderr, "vouch report %s: unexpected argument '",
		    a->cmd);
		cli_put_safe(stderr, argv[optind]);
		fprintf(stderr, "'\n");
		goto usage;
	}
	if (a->offline && (a->dns.zone || a->dns.overlay || a->dns.server)) {
		fprintf(stderr, "vouch report %s: --offline looks nothing up: "
		    "no DNS options with it\n", a->cmd);
		goto usage;
	}
	if (a->filter.since != 0 && a->filter.until != 0 &&
	    a->filter.since >= a->filter.until) {
		fprintf(stderr, "vouch report %s: --since must come before "
		    "--until\n", a->cmd);
		goto usage;
	}
	return 0;
usage:
	fprintf(stderr, "Try 'vouch report %s --help'.\n", a->cmd);
	return EXIT_USAGE;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static int64_t
days_since_epoch(int y, int m, int d)
{
	static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212,
	    243, 273, 304, 334 };
	int64_t p = y - 1;
	int64_t leaps = p / 4 - p / 100 + p / 400 - (1969 / 4 - 1969 / 100 +
	    1969 / 400);
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (int64_t)(y - 1970) * 365 + leaps + before[m - 1] +
	    (leap && m > 2) + d - 1;
}

static int
date_ymd(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, i, leap;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	if (s[10] != '\0')
		return -1;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return -1;
	*out = days_since_epoch(y, m, d) * DAY;
	return 0;
}

int
rq_date(const char *arg, int end, int64_t *out)
{
	long long v = 0;
	size_t i;

	if (date_ymd(arg, out) == 0) {
		if (end)
			*out += DAY;	/* --until DAY takes in that day */
		return 0;
	}
	for (i = 0; arg[i] != '\0'; i++) {
		if (arg[i] < '0' || arg[i] > '9' || i >= 12)
			return -1;
		v = v * 10 + (arg[i] - '0');
	}
	if (i == 0 || v > SECONDS_MAX)
		return -1;
	*out = v;
	return 0;
}

void
rq_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || t > SECONDS_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, len, "%lld", (long long)t);
}

json_t *
rq_time_json(int64_t t)
{
	char buf[32];

	rq_time(t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
rq_rate_json(uint64_t x, uint64_t m)
{
	return m == 0 ? json_null() : json_real((double)x / (double)m);
}

void
rq_rate(uint64_t x, uint64_t m, char *buf, size_t len)
{
	if (m == 0)
		(void)snprintf(buf, len, "-");
	else
		(void)snprintf(buf, len, "%.1f %%", (double)x * 100.0 /
		    (double)m);
}

const char *
rq_next_name(const char *p, char *buf, size_t len)
{
	const char *e;

	buf[0] = '\0';
	while (p != NULL && (*p == ',' || *p == ' '))
		p++;
	if (p == NULL || *p == '\0')
		return NULL;
	for (e = p; *e != '\0' && *e != ',' && *e != ' '; e++)
		;
	if ((size_t)(e - p) < len) {
		memcpy(buf, p, (size_t)(e - p));
		buf[e - p] = '\0';
	}
	return e;
}

int
rq_store_open(const struct rq_args *a, struct vouch_store **out)
{
	return report_store_open(a->cmd, report_db_default(a->db), out);
}

int
rq_store_error(const struct rq_args *a, int rc, const struct vouch_error *err)
{
	fprintf(stderr, "vouch report %s: ", a->cmd);
	cli_put_safe(stderr, err->msg[0] != '\0' ? err->msg :
	    vouch_strerror(rc));
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

int
rq_flush(const struct rq_args *a, int rc)
{
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "vouch report %s: cannot write the output\n",
		    a->cmd);
		rc = EXIT_RUNTIME;
	}
	return rc;
}

/* ---- vouch report summary ---------------------------------------------- */

static void
summary_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch report summary [--db PATH|URI] [--domain D]\n"
	    "                            [--since DATE] [--until DATE]"
	    " [--json]\n"
	    "\n"
	    "Per domain: messages, the DMARC, aligned SPF and aligned DKIM"
	    " pass rates,\n"
	    "the dispositions receivers applied and who reported.  DATE is"
	    " YYYY-MM-DD\n"
	    "(UTC; --until takes in that day) or seconds since 1970.\n");
}

static json_t *
reporters_json(const struct vouch_store_summary *s)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < s->nreporters; i++) {
		o = json_object();
		json_object_set_new(o, "org_name",
		    cli_json_str(s->reporters[i].org_name));
		json_object_set_new(o, "reports",
		    json_integer((json_int_t)s->reporters[i].reports));
		json_object_set_new(o, "messages",
		    json_integer((json_int_t)s->reporters[i].messages));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
summary_json(const struct vouch_store_summary *s)
{
	json_t *o = json_object(), *d = json_object();
	uint64_t m = s->messages;

	json_object_set_new(o, "domain", cli_json_str(s->domain));
	json_object_set_new(o, "first", rq_time_json(s->first));
	json_object_set_new(o, "last", rq_time_json(s->last));
	json_object_set_new(o, "reports", json_integer((json_int_t)s->reports));
	json_object_set_new(o, "messages", json_integer((json_int_t)m));
	json_object_set_new(o, "dmarc_pass_rate",
	    rq_rate_json(s->dmarc_pass, m));
	json_object_set_new(o, "spf_aligned_rate",
	    rq_rate_json(s->spf_aligned, m));
	json_object_set_new(o, "dkim_aligned_rate",
	    rq_rate_json(s->dkim_aligned, m));
	json_object_set_new(d, "none", json_integer((json_int_t)s->disp_none));
	json_object_set_new(d, "quarantine",
	    json_integer((json_int_t)s->disp_quarantine));
	json_object_set_new(d, "reject",
	    json_integer((json_int_t)s->disp_reject));
	json_object_set_new(d, "pass", json_integer((json_int_t)s->disp_pass));
	json_object_set_new(o, "dispositions", d);
	json_object_set_new(o, "reporters", reporters_json(s));
	return o;
}

#define REPORTERS_SHOWN 5

static void
summary_head(void)
{
	printf("%-24s %-10s  %-10s  %9s  %7s  %7s  %7s  %9s  %9s\n", "DOMAIN",
	    "FIRST", "LAST", "MESSAGES", "DMARC", "SPF", "DKIM", "QUARANT.",
	    "REJECTED");
}

/* One line of the table, and who reported under it. */
static void
summary_text(const struct vouch_store_summary *s)
{
	char first[32], last[32], r[3][16], dom[300];
	size_t i;

	rq_time(s->first, first, sizeof(first));
	rq_time(s->last, last, sizeof(last));
	first[10] = last[10] = '\0';	/* the day is enough here */
	rq_rate(s->dmarc_pass, s->messages, r[0], sizeof(r[0]));
	rq_rate(s->spf_aligned, s->messages, r[1], sizeof(r[1]));
	rq_rate(s->dkim_aligned, s->messages, r[2], sizeof(r[2]));
	cli_safe_copy(dom, sizeof(dom), s->domain);
	printf("%-24s %-10s  %-10s  %9llu  %7s  %7s  %7s  %9llu  %9llu\n", dom,
	    first, last, (unsigned long long)s->messages, r[0], r[1], r[2],
	    (unsigned long long)s->disp_quarantine,
	    (unsigned long long)s->disp_reject);
	printf("  %llu report%s from", (unsigned long long)s->reports,
	    s->reports == 1 ? "" : "s");
	for (i = 0; i < s->nreporters && i < REPORTERS_SHOWN; i++) {
		printf("%s ", i ? "," : "");
		cli_put_safe(stdout, s->reporters[i].org_name);
		printf(" (%llu)", (unsigned long long)s->reporters[i].messages);
	}
	if (s->nreporters > REPORTERS_SHOWN)
		printf(" and %zu more", s->nreporters - REPORTERS_SHOWN);
	putchar('\n');
}

struct summary_ctx {
	json_t *domains;	/* --json; NULL for text */
	size_t n;
};

static int
summary_cb(void *arg, const struct vouch_store_summary *s)
{
	struct summary_ctx *ctx = arg;

	if (ctx->domains != NULL)
		json_array_append_new(ctx->domains, summary_json(s));
	else {
		if (ctx->n == 0)
			summary_head();
		summary_text(s);
	}
	ctx->n++;
	return 0;
}

int
report_summary(int argc, char **argv)
{
	static const struct option opts[] = {
		RQ_LONGOPTS,
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct rq_args a = { .cmd = "summary" };
	struct vouch_error err = {0, 0, ""};
	struct vouch_store *st = NULL;
	struct summary_ctx ctx = { NULL, 0 };
	json_t *root = NULL;
	int rc;

	if ((rc = rq_parse(argc, argv, opts, &a, NULL, NULL,
	    summary_usage)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = rq_store_open(&a, &st)) != 0)
		return rc;
	if (a.json) {
		root = json_object();
		ctx.domains = json_array();
		json_object_set_new(root, "domains", ctx.domains);
	}
	rc = vouch_store_summary(st, &a.filter, summary_cb, &ctx, &err);
	if (rc != 0) {
		rc = rq_store_error(&a, rc, &err);
		json_decref(root);
	} else if (a.json)
		rc = cli_json_print(root);
	else if (ctx.n == 0)
		printf("no reports stored%s\n", a.domain || a.filter.since ||
		    a.filter.until ? " that match" : "");
	vouch_store_close(st);
	return rq_flush(&a, rc);
}
