/*
 * cmd_generate_dmarc.c - vouch generate dmarc: a DMARC record (RFC 9989)
 * from flags, written by the DMARC module's own formatter (tags in the
 * canonical order, no pct, rf or ri: RFC 9989 removed them), checked by
 * the audit with the record at _dmarc.D, then printed with:
 *
 *   - for each rua/ruf destination outside D's organizational domain
 *     that has not authorized D yet, the record its owner must publish
 *     (RFC 9990 4): the audit's dmarc-external-unauthorized finding;
 *   - the staged rollout p=none, quarantine, reject, each step with its
 *     record and what to watch in vouch report before taking it.  The
 *     steps' records differ from the checked one only in p, and each is
 *     parsed back by the DMARC module: an error finding refuses them all.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vouch/msg.h>

#include "cmd.h"
#include "cmd_generate.h"

#define URIS_MAX 8		/* rua and ruf destinations, each */
#define URI_MAX 320
#define WATCH_MAX 1024

struct dmarc_args {
	char domain[256];
	struct vouch_dmarc_record r;	/* the tags given */
	char rua[URIS_MAX][URI_MAX], ruf[URIS_MAX][URI_MAX];
	char rua_host[URIS_MAX][256], ruf_host[URIS_MAX][256];
	const char *rua_p[URIS_MAX], *ruf_p[URIS_MAX];
	int json;
	struct cli_dns_opts dns;
};

static const struct step {
	enum vouch_dmarc_policy p;
	const char *watch;
} steps[] = {
	{VOUCH_DMARC_POLICY_NONE, "publish it and import the aggregate "
	    "reports (vouch report import) for at least two weeks, a month "
	    "to see monthly senders; vouch report summary --domain DOMAIN shows "
	    "the DMARC pass rate, vouch report sources --domain DOMAIN every "
	    "sender: fix each authorized-failing source (its fix is listed) "
	    "until only forwarders and spoofers fail"},
	{VOUCH_DMARC_POLICY_QUARANTINE, "take it when vouch report "
	    "readiness --domain DOMAIN --policy quarantine says safe; then watch "
	    "the quarantine count of vouch report summary and any new "
	    "authorized-failing source in vouch report sources for two "
	    "weeks"},
	{VOUCH_DMARC_POLICY_REJECT, "take it when vouch report readiness "
	    "--domain DOMAIN --policy reject says safe; keep importing reports: "
	    "a new service that sends as DOMAIN shows up in vouch report sources "
	    "as authorized-failing, and its mail is now rejected"},
};

static void
dmarc_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch generate dmarc --domain DOMAIN --policy"
	    " none|quarantine|reject [--sp P]\n"
	    "                            [--np P] [--rua mailto:...]..."
	    " [--ruf mailto:...]...\n"
	    "                            [--adkim r|s] [--aspf r|s]"
	    " [--testing] [--fo 0|1|d|s[:...]]\n"
	    "                            [--dns-zone FILE | --dns-overlay FILE"
	    " |\n"
	    "                            --dns-server ADDR[@PORT]] [--json]\n"
	    "\n"
	    "Writes the DMARC record of D (RFC 9989), the authorization record"
	    " each\n"
	    "external report destination must publish, and the staged rollout"
	    " to reject.\n"
	    "Exit status: 0 printed, 1 refused or a runtime error, 2 a usage"
	    " error.\n");
}

static int
policy_word(const char *opt, const char *arg, enum vouch_dmarc_policy *out)
{
	enum vouch_dmarc_policy p;

	for (p = VOUCH_DMARC_POLICY_NONE; p <= VOUCH_DMARC_POLICY_REJECT; p++)
		if (strcmp(arg, vouch_dmarc_policy_name(p)) == 0) {
			*out = p;
			return 0;
		}
	fprintf(stderr, "vouch generate dmarc: --%s: none, quarantine or "
	    "reject\n", opt);
	return -1;
}

/* --fo: 0, 1, d, s joined by ':' (RFC 9989 4.8 dmarc-fo). */
static int
fo_option(const char *arg, unsigned *out)
{
	static const char opts[] = "01ds";
	const char *p = arg, *o;

	*out = 0;
	for (;;) {
		if (*p == '\0' || (o = strchr(opts, *p)) == NULL ||
		    (p[1] != '\0' && p[1] != ':'))
			break;
		*out |= 1u << (o - opts);
		if (p[1] == '\0')
			return 0;
		p += 2;
	}
	fprintf(stderr, "vouch generate dmarc: --fo: options 0, 1, d, s "
	    "joined by ':'\n");
	return -1;
}

/* mailto:LOCAL@DOMAIN, its domain as A-labels, nothing a DMARC URI list
 * would read differently (",", ";", "!", space). */
static int
uri_option(const char *opt, const char *arg,
    char (*list)[URI_MAX], char (*hosts)[256], size_t *n)
{
	int mailto = strncasecmp(arg, "mailto:", 7) == 0;
	const char *at = strrchr(arg, '@'), *local = arg + (mailto ? 7 : 0);
	char *host = hosts[*n < URIS_MAX ? *n : 0];

	if (*n == URIS_MAX) {
		fprintf(stderr, "vouch generate dmarc: --%s: at most %d\n",
		    opt, URIS_MAX);
		return -1;
	}
	if (mailto && at != NULL && at > local &&
	    strcspn(local, ",;! \t\r\n") == strlen(local) &&
	    (size_t)(at - local) < 64 && vouch_domain_to_alabel(at + 1,
	    strlen(at + 1), host, 256) == 0 && strchr(host, '.') != NULL &&
	    strcspn(host, "\"\\") == strlen(host)) {
		snprintf(list[*n], URI_MAX, "mailto:%.*s@%s", (int)(at - local),
		    local, host);
		(*n)++;
		return 0;
	}
	fprintf(stderr, "vouch generate dmarc: --%s: '", opt);
	cli_put_safe(stderr, arg);
	fprintf(stderr, "' is not a mailto:LOCAL@DOMAIN address (RFC 9989 "
	    "4.7: receivers send reports by mail)\n");
	return -1;
}

static int
dmarc_option(struct dmarc_args *a, int c, const char *name, const char *arg)
{
	switch (c) {
	case 'd':
		return gen_domain("dmarc", name, arg, a->domain);
	case 'p':
		return policy_word(name, arg, &a->r.p);
	case 's':
		return policy_word(name, arg, &a->r.sp);
	case 'n':
		return policy_word(name, arg, &a->r.np);
	case 'r':
		return uri_option(name, arg, a->rua, a->rua_host,
		    &a->r.nrua);
	case 'f':
		return uri_option(name, arg, a->ruf, a->ruf_host,
		    &a->r.nruf);
	case 'k':
	case 'a':
		if (strcmp(arg, "r") != 0 && strcmp(arg, "s") != 0) {
			fprintf(stderr, "vouch generate dmarc: --%s: r (relaxed) "
			    "or s (strict)\n", name);
			return -1;
		}
		*(c == 'k' ? &a->r.adkim_strict : &a->r.aspf_strict) =
		    arg[0] == 's';
		return 0;
	case 't':
		a->r.testing = 1;
		return 0;
	case 'o':
		return fo_option(arg, &a->r.fo);
	case 'j':
		a->json = 1;
		return 0;
	case 'D':
		return cli_dns_option(&a->dns, "generate dmarc", name, arg) < 0 ?
		    -1 : 0;
	default:
		return 1;
	}
}

static int
parse_args(int argc, char **argv, struct dmarc_args *a)
{
	static const struct option opts[] = {
		{"domain", required_argument, NULL, 'd'},
		{"policy", required_argument, NULL, 'p'},
		{"sp", required_argument, NULL, 's'},
		{"np", required_argument, NULL, 'n'},
		{"rua", required_argument, NULL, 'r'},
		{"ruf", required_argument, NULL, 'f'},
		{"adkim", required_argument, NULL, 'k'},
		{"aspf", required_argument, NULL, 'a'},
		{"testing", no_argument, NULL, 't'},
		{"fo", required_argument, NULL, 'o'},
		CLI_COMMON_LONGOPTS
	};
	int c, idx = 0, rc;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c == 'h') {
			dmarc_usage(stdout);
			exit(0);
		}
		rc = dmarc_option(a, c, opts[idx].name, optarg);
		if (rc > 0)
			return cli_bad_option("generate dmarc", argv[optind - 1]);
		if (rc < 0)
			return -1;
	}
	if (optind < argc)
		return cli_bad_option("generate dmarc", argv[optind]);
	if (a->domain[0] == '\0' || a->r.p == VOUCH_DMARC_POLICY_UNSET) {
		fprintf(stderr, "vouch generate dmarc: --domain and --policy "
		    "are required\n");
		return -1;
	}
	for (i = 0; i < URIS_MAX; i++) {
		a->rua_p[i] = a->rua[i];
		a->ruf_p[i] = a->ruf[i];
	}
	a->r.rua = a->rua_p;
	a->r.ruf = a->ruf_p;
	return 0;
}

/* The record with policy p; NULL (message printed) when it cannot be
 * written or the DMARC module finds an error in it. */
static char *
record_with(const struct dmarc_args *a, enum vouch_dmarc_policy p)
{
	struct vouch_dmarc_record r = a->r, *back = NULL;
	char *text = NULL;
	size_t i;
	int bad = 0;

	r.p = p;
	if (vouch_dmarc_record_format(&r, &text) != 0 ||
	    vouch_dmarc_record_parse(text, strlen(text), &back) != 0) {
		fprintf(stderr, "vouch generate dmarc: out of memory\n");
		free(text);
		return NULL;
	}
	for (i = 0; i < back->nfindings; i++) {
		if (back->findings[i].severity != VOUCH_DMARC_ERROR)
			continue;
		fprintf(stderr, "vouch generate dmarc: refused: %s: ",
		    back->findings[i].code);
		cli_put_safe(stderr, back->findings[i].message);
		fputc('\n', stderr);
		bad = 1;
	}
	vouch_dmarc_record_free(back);
	if (bad) {
		free(text);
		return NULL;
	}
	return text;
}

/* The host of the URI the finding names (the hosts of rua, then ruf). */
static const char *
finding_host(const struct dmarc_args *a, const char *uri)
{
	size_t i;

	for (i = 0; uri != NULL && i < a->r.nrua; i++)
		if (strcmp(uri, a->rua[i]) == 0)
			return a->rua_host[i];
	for (i = 0; uri != NULL && i < a->r.nruf; i++)
		if (strcmp(uri, a->ruf[i]) == 0)
			return a->ruf_host[i];
	return NULL;
}

/* ---- output ------------------------------------------------------------- */

/* The watch text of step i with DOMAIN replaced by the domain. */
static void
watch_text(const struct dmarc_args *a, size_t i, char *buf, size_t len)
{
	const char *p = steps[i].watch, *d;
	size_t n = 0;
	int w;

	buf[0] = '\0';
	while ((d = strstr(p, "DOMAIN")) != NULL && n < len) {
		w = snprintf(buf + n, len - n, "%.*s%s", (int)(d - p), p,
		    a->domain);
		n += w > 0 ? (size_t)w : 0;
		p = d + 6;
	}
	if (n < len)
		snprintf(buf + n, len - n, "%s", p);
}

static json_t *
auth_json(const struct dmarc_args *a, const struct vouch_audit *au)
{
	const struct vouch_audit_finding *f;
	json_t *arr = json_array();
	const char *host;
	char name[600];
	size_t i;

	for (i = 0; arr != NULL && i < au->nfindings; i++) {
		f = &au->findings[i];
		if (strcmp(f->code, "dmarc-external-unauthorized") != 0 ||
		    (host = finding_host(a, f->evidence)) == NULL)
			continue;
		snprintf(name, sizeof(name), "%s._report._dmarc.%s", a->domain,
		    host);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}",
		    "uri", f->evidence, "host", host, "name", name, "record",
		    "v=DMARC1"));
	}
	return arr;
}

static json_t *
rollout_json(const struct dmarc_args *a, char *const *rec)
{
	json_t *arr = json_array();
	char watch[WATCH_MAX];
	size_t i;

	for (i = 0; arr != NULL && i < 3; i++) {
		watch_text(a, i, watch, sizeof(watch));
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:b, "
		    "s:s}", "step", (json_int_t)(i + 1), "policy",
		    vouch_dmarc_policy_name(steps[i].p), "record", rec[i],
		    "this", steps[i].p == a->r.p, "watch", watch));
	}
	return arr;
}

static int
print_json(const struct dmarc_args *a, const char *name,
    const struct gen_check *g, char *const *rec)
{
	return cli_json_print(json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
	    "domain", a->domain, "name", name, "record", rec[a->r.p - 1],
	    "strings", cli_json_str(g->strings), "findings",
	    gen_findings_json(g->audit, VOUCH_AUDIT_DMARC), "authorizations",
	    auth_json(a, g->audit), "rollout", rollout_json(a, rec)));
}

static void
print_text(const struct dmarc_args *a, const char *name,
    const struct gen_check *g, char *const *rec)
{
	const struct vouch_audit_finding *f;
	char watch[WATCH_MAX];
	const char *host;
	size_t i;

	printf("record:     %s\nzone line:  ", rec[a->r.p - 1]);
	gen_zone_line(stdout, name, g->strings);
	for (i = 0; i < g->audit->nfindings; i++) {
		f = &g->audit->findings[i];
		if (f->area != VOUCH_AUDIT_DMARC)
			continue;
		if ((host = finding_host(a, f->evidence)) != NULL &&
		    strcmp(f->code, "dmarc-external-unauthorized") == 0) {
			printf("\n%s is outside the organizational domain of "
			    "%s: its owner must publish this, or receivers send "
			    "no reports there (RFC 9990 4):\n  %s._report._dmarc.%s. %d IN TXT "
			    "\"v=DMARC1\"\n", f->evidence, a->domain, a->domain,
			    host, GEN_TTL);
			continue;
		}
		printf("\n%s %s: ", vouch_audit_severity_name(f->severity),
		    f->code);
		cli_put_safe(stdout, f->message);
		fputc('\n', stdout);
	}
	printf("\nstaged rollout:\n");
	for (i = 0; i < 3; i++) {
		watch_text(a, i, watch, sizeof(watch));
		printf("  %zu. %s%s\n     %s\n", i + 1, rec[i],
		    steps[i].p == a->r.p ? "  (this record)" : steps[i].p <
		    a->r.p ? "  (skipped: you start stricter)" : "", watch);
	}
}

static int
run(struct dmarc_args *a)
{
	char name[300], *rec[3] = {NULL, NULL, NULL};
	struct gen_check g;
	size_t i;
	int rc = EXIT_RUNTIME;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 3; i++)
		if ((rec[i] = record_with(a, steps[i].p)) == NULL)
			goto out;
	snprintf(name, sizeof(name), "_dmarc.%s", a->domain);
	if ((rc = gen_check("dmarc", &a->dns, a->domain, name,
	    rec[a->r.p - 1], &g)) != 0)
		goto out;
	if (gen_errors("dmarc", g.audit, VOUCH_AUDIT_DMARC, NULL) > 0)
		rc = EXIT_RUNTIME;
	else if (a->json)
		rc = print_json(a, name, &g, rec);
	else
		print_text(a, name, &g, rec);
out:
	gen_check_free(&g);
	for (i = 0; i < 3; i++)
		free(rec[i]);
	return rc;
}

int
cmd_generate_dmarc(int argc, char **argv)
{
	struct dmarc_args *a = calloc(1, sizeof(*a));
	int rc;

	if (a == NULL) {
		fprintf(stderr, "vouch generate dmarc: out of memory\n");
		return EXIT_RUNTIME;
	}
	rc = parse_args(argc, argv, a) != 0 ? EXIT_USAGE : run(a);
	free(a);
	return rc;
}
