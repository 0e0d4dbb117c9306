/*
 * cmd_dmarc.c - vouch dmarc: the DMARC policy that applies to a domain as
 * an author domain, and how it was found (RFC 9989 4.10 tree walk, or
 * RFC 7489 3.2 / 6.6.3 with the Public Suffix List, or both side by side
 * in shadow mode).  Also the "dmarc" object of vouch check --json, so the
 * two commands describe a discovery with the same fields.
 *
 * Exit status: 0 the discovery ran (whatever it found, a DNS failure
 * included), 1 a runtime error (zone file, PSL file, resolver), 2 a usage
 * error (options, a DOMAIN that is not a domain name).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

struct dmarc_args {
	const char *domain;
	const char *psl;
	enum vouch_dmarc_mode mode;
	int json;
	struct cli_dns_opts dns;
};

/* Both methods' discoveries of one domain (shadow), or one. */
struct found {
	struct vouch_dmarc_discovery *d[2];	/* [0] decides; [1] shadow */
	size_t n;
};

static void
dmarc_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch dmarc DOMAIN [--dmarc-mode rfc9989|rfc7489|shadow]"
	    " [--psl FILE]\n"
	    "                   [--dns-zone FILE | --dns-overlay FILE |"
	    " --dns-server ADDR[@PORT]]\n"
	    "                   [--dns-timeout MS] [--json]\n"
	    "\n"
	    "Finds the DMARC policy that applies to mail from DOMAIN: every"
	    " _dmarc query of\n"
	    "the walk, the policy and organizational domains, the record and"
	    " its findings,\n"
	    "and the policy requested for DOMAIN (p, sp or np).  Exit status:"
	    " 0 the\n"
	    "discovery ran, 1 a runtime error, 2 a usage error.\n");
}

/* ---- shared with vouch check ------------------------------------------ */

int
dmarc_mode_option(const char *cmd, const char *arg,
    enum vouch_dmarc_mode *out)
{
	if (strcmp(arg, "rfc9989") == 0)
		*out = VOUCH_DMARC_MODE_RFC9989;
	else if (strcmp(arg, "rfc7489") == 0)
		*out = VOUCH_DMARC_MODE_RFC7489;
	else if (strcmp(arg, "shadow") == 0)
		*out = VOUCH_DMARC_MODE_SHADOW;
	else {
		fprintf(stderr, "vouch %s: --dmarc-mode: '", cmd);
		cli_put_safe(stderr, arg);
		fprintf(stderr, "' is not rfc9989, rfc7489 or shadow\n");
		return -1;
	}
	return 0;
}

int
dmarc_psl_open(const char *cmd, const char *path, struct vouch_psl **out)
{
	struct vouch_error err = {0, 0, ""};

	*out = NULL;
	if (path == NULL)
		return 0;	/* the library's default list */
	if (vouch_psl_load(path, out, &err) != 0) {
		fprintf(stderr, "vouch %s: --psl: ", cmd);
		cli_put_safe(stderr, err.msg[0] ? err.msg : path);
		fputc('\n', stderr);
		return EXIT_RUNTIME;
	}
	return 0;
}

const char *
dmarc_policy_or_null(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_POLICY_UNSET ? NULL :
	    vouch_dmarc_policy_name(p);
}

static json_t *
policy_json(enum vouch_dmarc_policy p)
{
	return cli_json_str(dmarc_policy_or_null(p));
}

static json_t *
exists_json(int exists)
{
	return exists < 0 ? json_null() : json_boolean(exists);
}

static json_t *
queries_json(const struct vouch_dmarc_discovery *d)
{
	json_t *arr = json_array(), *q;
	size_t i;

	for (i = 0; d != NULL && i < d->nqueries; i++) {
		q = json_object();
		json_object_set_new(q, "name", cli_json_str(d->queries[i].name));
		json_object_set_new(q, "status", json_string(
		    vouch_dns_status_name(d->queries[i].status)));
		json_object_set_new(q, "records",
		    json_integer((json_int_t)d->queries[i].ndmarc));
		json_object_set_new(q, "reason",
		    cli_json_str(d->queries[i].reason));
		json_array_append_new(arr, q);
	}
	return arr;
}

/* The fields a discovery gives, in o (d may be NULL: a From without a
 * usable domain was never looked up). */
static void
discovery_fields(json_t *o, const struct vouch_dmarc_discovery *d)
{
	json_object_set_new(o, "policy_domain",
	    cli_json_str(d ? d->policy_domain : NULL));
	json_object_set_new(o, "organizational_domain",
	    cli_json_str(d ? d->org_domain : NULL));
	json_object_set_new(o, "exists", exists_json(d ? d->exists : -1));
	json_object_set_new(o, "record", cli_json_str(d && d->record ?
	    d->record->text : NULL));
	json_object_set_new(o, "policy_tag",
	    cli_json_str(d ? d->policy_tag : NULL));
}

static json_t *
alignment_json(int spf, const char *dkim)
{
	json_t *o = json_object();

	json_object_set_new(o, "spf", json_boolean(spf));
	json_object_set_new(o, "dkim", cli_json_str(dkim));
	return o;
}

static json_t *
author_json(const struct vouch_dmarc_author *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", cli_json_str(a->domain));
	json_object_set_new(o, "result",
	    json_string(vouch_dmarc_result_name(a->result)));
	discovery_fields(o, a->discovery);
	json_object_set_new(o, "requested_policy", policy_json(a->requested));
	json_object_set_new(o, "disposition", policy_json(a->disposition));
	json_object_set_new(o, "alignment",
	    alignment_json(a->spf_aligned, a->dkim_aligned));
	json_object_set_new(o, "sampled_out", json_boolean(a->sampled_out));
	json_object_set_new(o, "reason", cli_json_str(a->reason));
	json_object_set_new(o, "queries", queries_json(a->discovery));
	return o;
}

static json_t *
diff_json(const char *domain, const char *what, const char *a,
    const char *b)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", cli_json_str(domain));
	json_object_set_new(o, "what", cli_json_str(what));
	json_object_set_new(o, "rfc9989", cli_json_str(a));
	json_object_set_new(o, "rfc7489", cli_json_str(b));
	return o;
}

static json_t *
diffs_json(const struct vouch_dmarc_diff *df, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, diff_json(df[i].domain, df[i].what,
		    df[i].rfc9989, df[i].rfc7489));
	return arr;
}

static json_t *
eval_json(const struct vouch_dmarc_eval *ev, int with_shadow)
{
	json_t *o = json_object(), *arr = json_array(), *sh;
	size_t i;

	json_object_set_new(o, "result",
	    json_string(vouch_dmarc_result_name(ev->result)));
	json_object_set_new(o, "from_domain", cli_json_str(ev->from_domain));
	json_object_set_new(o, "policy_domain",
	    cli_json_str(ev->policy_domain));
	json_object_set_new(o, "organizational_domain",
	    cli_json_str(ev->org_domain));
	json_object_set_new(o, "requested_policy", policy_json(ev->requested));
	json_object_set_new(o, "disposition", policy_json(ev->disposition));
	json_object_set_new(o, "alignment",
	    alignment_json(ev->spf_aligned, ev->dkim_aligned));
	json_object_set_new(o, "discovery_method",
	    json_string(vouch_dmarc_method_name(ev->method)));
	json_object_set_new(o, "testing", json_boolean(ev->testing));
	json_object_set_new(o, "reason", cli_json_str(ev->reason));
	json_object_set_new(o, "authres", cli_json_str(ev->authres));
	for (i = 0; i < ev->nauthors; i++)
		json_array_append_new(arr, author_json(&ev->authors[i]));
	json_object_set_new(o, "authors", arr);
	if (with_shadow && ev->shadow != NULL) {
		sh = json_object();
		json_object_set_new(sh, "rfc7489", eval_json(ev->shadow, 0));
		json_object_set_new(sh, "differences",
		    diffs_json(ev->diffs, ev->ndiffs));
		json_object_set_new(o, "shadow", sh);
	}
	return o;
}

json_t *
dmarc_eval_json(const struct vouch_dmarc_eval *ev)
{
	return eval_json(ev, 1);
}

/* ---- the record --------------------------------------------------------- */

static const char *
severity_name(enum vouch_dmarc_severity s)
{
	return s == VOUCH_DMARC_ERROR ? "error" : s == VOUCH_DMARC_WARNING ?
	    "warning" : "info";
}

static json_t *
strings_json(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, cli_json_str(v[i]));
	return arr;
}

static json_t *
fo_json(unsigned fo)
{
	char buf[16];
	size_t n = 0;

	buf[0] = '\0';
	if (fo & VOUCH_DMARC_FO_0)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ":0");
	if (fo & VOUCH_DMARC_FO_1)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ":1");
	if (fo & VOUCH_DMARC_FO_D)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ":d");
	if (fo & VOUCH_DMARC_FO_S)
		(void)snprintf(buf + n, sizeof(buf) - n, ":s");
	return json_string(buf[0] ? buf + 1 : "");
}

/* The record's values as the receiver reads them (defaults filled). */
static json_t *
tags_json(const struct vouch_dmarc_record *r)
{
	static const char *const psd[] = { "u", "y", "n", "u" };
	static const char *const state[] = { "apply", "as-none", "ignore" };
	json_t *o = json_object();

	json_object_set_new(o, "p", policy_json(r->p));
	json_object_set_new(o, "sp", policy_json(r->sp));
	json_object_set_new(o, "np", policy_json(r->np));
	json_object_set_new(o, "adkim", json_string(r->adkim_strict ? "s" :
	    "r"));
	json_object_set_new(o, "aspf", json_string(r->aspf_strict ? "s" :
	    "r"));
	json_object_set_new(o, "t", json_string(r->testing ? "y" : "n"));
	json_object_set_new(o, "psd", json_string(psd[(unsigned)r->psd % 4]));
	json_object_set_new(o, "fo", fo_json(r->fo));
	json_object_set_new(o, "pct", r->has_pct ? json_integer(r->pct) :
	    json_null());
	json_object_set_new(o, "rua", strings_json(r->rua, r->nrua));
	json_object_set_new(o, "ruf", strings_json(r->ruf, r->nruf));
	json_object_set_new(o, "state", json_string(state[r->state % 3]));
	return o;
}

static json_t *
findings_json(const struct vouch_dmarc_record *r)
{
	const struct vouch_dmarc_finding *f;
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; r != NULL && i < r->nfindings; i++) {
		f = &r->findings[i];
		o = json_object();
		json_object_set_new(o, "code", cli_json_str(f->code));
		json_object_set_new(o, "severity",
		    json_string(severity_name(f->severity)));
		json_object_set_new(o, "tag", cli_json_str(f->tag));
		json_object_set_new(o, "text", cli_json_str(f->text));
		json_object_set_new(o, "message", cli_json_str(f->message));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ---- vouch dmarc DOMAIN ------------------------------------------------ */

static json_t *
discovery_json(const struct vouch_dmarc_discovery *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", cli_json_str(d->domain));
	json_object_set_new(o, "discovery_method",
	    json_string(vouch_dmarc_method_name(d->method)));
	discovery_fields(o, d);
	json_object_set_new(o, "requested_policy", policy_json(d->requested));
	json_object_set_new(o, "testing", json_boolean(d->record != NULL &&
	    d->record->testing));
	json_object_set_new(o, "temperror", json_boolean(d->temperror));
	json_object_set_new(o, "reason", cli_json_str(d->reason));
	json_object_set_new(o, "tags", d->record ? tags_json(d->record) :
	    json_null());
	json_object_set_new(o, "findings", findings_json(d->record));
	json_object_set_new(o, "queries", queries_json(d));
	return o;
}

/* Where the two methods disagree on one domain (shadow), as
 * vouch_dmarc_eval's diffs name them; "(none)" for no value. */
struct ddiff {
	const char *what, *a, *b;
};

static size_t
discovery_diffs(const struct found *fd, struct ddiff *out)
{
	const struct vouch_dmarc_discovery *a = fd->d[0], *b = fd->d[1];
	struct ddiff all[3];
	size_t i, n = 0;

	all[0] = (struct ddiff){ "organizational_domain", a->org_domain,
	    b->org_domain };
	all[1] = (struct ddiff){ "policy_domain", a->policy_domain,
	    b->policy_domain };
	all[2] = (struct ddiff){ "requested_policy",
	    dmarc_policy_or_null(a->requested),
	    dmarc_policy_or_null(b->requested) };
	for (i = 0; i < 3; i++) {
		if (all[i].a == all[i].b || (all[i].a != NULL &&
		    all[i].b != NULL && strcmp(all[i].a, all[i].b) == 0))
			continue;
		out[n].what = all[i].what;
		out[n].a = all[i].a ? all[i].a : "(none)";
		out[n++].b = all[i].b ? all[i].b : "(none)";
	}
	return n;
}

static int
found_json(const struct found *fd)
{
	struct ddiff df[3];
	json_t *o = discovery_json(fd->d[0]), *sh, *arr;
	size_t i, n;

	if (fd->n == 2) {
		sh = json_object();
		arr = json_array();
		n = discovery_diffs(fd, df);
		for (i = 0; i < n; i++)
			json_array_append_new(arr, diff_json(fd->d[0]->domain,
			    df[i].what, df[i].a, df[i].b));
		json_object_set_new(sh, "rfc7489", discovery_json(fd->d[1]));
		json_object_set_new(sh, "differences", arr);
		json_object_set_new(o, "shadow", sh);
	}
	return cli_json_print(o);
}

static void
discovery_text(const struct vouch_dmarc_discovery *d)
{
	const struct vouch_dmarc_finding *f;
	size_t i;

	printf("%s: ", vouch_dmarc_method_name(d->method));
	cli_put_safe(stdout, d->domain);
	putchar('\n');
	for (i = 0; i < d->nqueries; i++) {
		printf("  %-12s ", "query");
		cli_put_safe(stdout, d->queries[i].name);
		printf(": %s", vouch_dns_status_name(d->queries[i].status));
		if (d->queries[i].reason != NULL) {
			printf(" (");
			cli_put_safe(stdout, d->queries[i].reason);
			putchar(')');
		}
		if (d->queries[i].ndmarc > 0)
			printf(", %zu DMARC record%s", d->queries[i].ndmarc,
			    d->queries[i].ndmarc == 1 ? "" : "s (none counts)");
		putchar('\n');
	}
	cli_row("policy", d->policy_domain);
	cli_row("record", d->record ? d->record->text : NULL);
	for (i = 0; d->record != NULL && i < d->record->nfindings; i++) {
		f = &d->record->findings[i];
		printf("  %-12s %s %s: ", "finding", severity_name(f->severity),
		    f->code);
		cli_put_safe(stdout, f->message);
		putchar('\n');
	}
	cli_row("org", d->org_domain);
	printf("  %-12s %s", "requests", d->requested ?
	    vouch_dmarc_policy_name(d->requested) : "-");
	if (d->policy_tag != NULL)
		printf(" (%s=)", d->policy_tag);
	putchar('\n');
	cli_row("reason", d->reason);
}

static void
found_text(const struct found *fd)
{
	struct ddiff df[3];
	size_t i, n;

	discovery_text(fd->d[0]);
	if (fd->n < 2)
		return;
	discovery_text(fd->d[1]);
	n = discovery_diffs(fd, df);
	printf("shadow: %s\n", n == 0 ? "both methods agree" :
	    "the methods disagree");
	for (i = 0; i < n; i++) {
		printf("  %s: rfc9989 ", df[i].what);
		cli_put_safe(stdout, df[i].a);
		printf(", rfc7489 ");
		cli_put_safe(stdout, df[i].b);
		putchar('\n');
	}
}

static int
dmarc_option(int c, const char *name, struct dmarc_args *a)
{
	switch (c) {
	case 'm': return dmarc_mode_option("dmarc", optarg, &a->mode);
	case 'p': a->psl = optarg; return 0;
	case 'j': a->json = 1; return 0;
	case 'D': return cli_dns_option(&a->dns, "dmarc", name, optarg) < 0 ?
	    -1 : 0;
	case 'h': dmarc_usage(stdout); exit(0);
	default: return 1;
	}
}

static int
parse_args(int argc, char **argv, struct dmarc_args *a)
{
	static const struct option opts[] = {
		{"dmarc-mode", required_argument, NULL, 'm'},
		{"psl", required_argument, NULL, 'p'},
		CLI_COMMON_LONGOPTS
	};
	int c, rc, idx = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if ((rc = dmarc_option(c, opts[idx].name, a)) != 0)
			return rc < 0 ? -1 : cli_bad_option("dmarc",
			    argv[optind - 1]);
		idx = 0;
	}
	if (optind == argc) {
		fprintf(stderr, "vouch dmarc: DOMAIN is required\n");
		return -1;
	}
	a->domain = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "vouch dmarc: unexpected argument '");
		cli_put_safe(stderr, argv[optind]);
		fprintf(stderr, "' (one domain at a time)\n");
		return -1;
	}
	return 0;
}

static int
discover_all(const struct dmarc_args *a, struct vouch_dns *dns,
    const struct vouch_dmarc_options *o, struct found *fd)
{
	struct vouch_error err = {0, 0, ""};
	enum vouch_dmarc_method m[2] = { VOUCH_DMARC_RFC9989,
	    VOUCH_DMARC_RFC7489 };
	size_t i;
	int rc;

	if (a->mode == VOUCH_DMARC_MODE_RFC7489)
		m[0] = VOUCH_DMARC_RFC7489;
	fd->n = a->mode == VOUCH_DMARC_MODE_SHADOW ? 2 : 1;
	for (i = 0; i < fd->n; i++) {
		rc = vouch_dmarc_discover(dns, a->domain, m[i], o, &fd->d[i],
		    &err);
		if (rc != 0) {
			fprintf(stderr, "vouch dmarc: ");
			cli_put_safe(stderr, err.msg[0] ? err.msg :
			    vouch_strerror(rc));
			fputc('\n', stderr);
			return rc == VOUCH_ESYNTAX ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	return 0;
}

int
cmd_dmarc(int argc, char **argv)
{
	struct dmarc_args a;
	struct vouch_dmarc_options o;
	struct vouch_psl *psl = NULL;
	struct vouch_dns *dns = NULL;
	struct found fd;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&o, 0, sizeof(o));
	memset(&fd, 0, sizeof(fd));
	if (parse_args(argc, argv, &a) != 0) {
		fprintf(stderr, "Try 'vouch dmarc --help'.\n");
		return EXIT_USAGE;
	}
	if ((rc = dmarc_psl_open("dmarc", a.psl, &psl)) != 0 ||
	    (rc = cli_dns_open(&a.dns, "dmarc", &dns)) != 0)
		goto out;
	o.mode = a.mode;
	o.psl = psl;
	if ((rc = discover_all(&a, dns, &o, &fd)) != 0)
		goto out;
	if (a.json)
		rc = found_json(&fd);
	else
		found_text(&fd);
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "vouch dmarc: cannot write the output\n");
		rc = EXIT_RUNTIME;
	}
out:
	vouch_dmarc_discovery_free(fd.d[0]);
	vouch_dmarc_discovery_free(fd.d[1]);
	vouch_dns_free(dns);
	vouch_psl_free(psl);
	return rc;
}
