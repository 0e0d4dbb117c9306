/*
 * cmd_explain.c - vouch explain: read a bounce or a rejected message,
 * say in one sentence what happened, then each cause with its evidence
 * and the fix (vouch/explain.h does the work; vouch/bounce.h reads the
 * input).  --json gives the same as one object, with the re-evaluated
 * results in the form vouch check prints them.
 *
 * Exit status: 0 a diagnosis was printed (whatever it says), 1 the input
 * is neither a bounce nor a message, or a runtime error, 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/bounce.h>
#include <vouch/explain.h>
#include <vouch/senders.h>

#include "cli.h"
#include "cmd.h"

#define READ_CHUNK 65536
#define EXPLAIN_LINE_MAX 2048	/* one printed line of a fix */

struct explain_args {
	const char *path;
	const char *ip, *mail_from, *helo, *senders, *psl, *original;
	long long now;
	enum vouch_dmarc_mode mode;
	int json;
	struct cli_dns_opts dns;
};

static void
explain_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch explain FILE|- [--original FILE] [--ip IP]"
	    " [--mail-from ADDR]\n"
	    "       [--helo HOST] [--senders FILE] [--now UNIXTIME]\n"
	    "       [--dmarc-mode rfc9989|rfc7489|shadow] [--psl FILE]\n"
	    "       [--dns-zone FILE | --dns-overlay FILE |"
	    " --dns-server ADDR[@PORT]]\n"
	    "       [--dns-timeout MS] [--json]\n"
	    "\n"
	    "Reads a bounce (an RFC 3464 delivery status notification, or"
	    " the plain-text\n"
	    "bounces of Exim, qmail, Yahoo, Sendmail) or a message as the"
	    " receiver saw it,\n"
	    "checks SPF, DKIM and DMARC again with today's DNS, and says why"
	    " the message\n"
	    "was rejected and what to publish or change.  --original (the"
	    " message as sent,\n"
	    "e.g. from the Sent folder), --ip, --mail-from and --helo give"
	    " what the input\n"
	    "does not say.  Exit status: 0 a diagnosis was"
	    " printed, 1 the\n"
	    "input is neither a bounce nor a message (or a runtime error),"
	    " 2 a usage error.\n");
}

static int
explain_option(int c, const char *name, struct explain_args *a)
{
	switch (c) {
	case 'i': a->ip = optarg; return 0;
	case 'm': a->mail_from = optarg; return 0;
	case 'H': a->helo = optarg; return 0;
	case 'S': a->senders = optarg; return 0;
	case 'p': a->psl = optarg; return 0;
	case 'o': a->original = optarg; return 0;
	case 'j': a->json = 1; return 0;
	case 'M': return dmarc_mode_option("explain", optarg, &a->mode);
	case 'n':
		return cli_number("explain", "now", optarg, 1, LLONG_MAX,
		    &a->now);
	case 'D': return cli_dns_option(&a->dns, "explain", name, optarg) <
	    0 ? -1 : 0;
	case 'h': explain_usage(stdout); exit(0);
	default: return 1;
	}
}

static int
parse_args(int argc, char **argv, struct explain_args *a)
{
	static const struct option opts[] = {
		{"ip", required_argument, NULL, 'i'},
		{"mail-from", required_argument, NULL, 'm'},
		{"helo", required_argument, NULL, 'H'},
		{"senders", required_argument, NULL, 'S'},
		{"psl", required_argument, NULL, 'p'},
		{"original", required_argument, NULL, 'o'},
		{"dmarc-mode", required_argument, NULL, 'M'},
		{"now", required_argument, NULL, 'n'},
		CLI_COMMON_LONGOPTS
	};
	int c, rc, idx = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if ((rc = explain_option(c, opts[idx].name, a)) < 0)
			return -1;
		if (rc > 0)
			return cli_bad_option("explain", argv[optind - 1]);
		idx = 0;
	}
	if (optind >= argc) {
		fprintf(stderr, "vouch explain: give the bounce or message to "
		    "read (a file, or - for standard input)\n");
		return -1;
	}
	a->path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "vouch explain: unexpected argument '");
		cli_put_safe(stderr, argv[optind]);
		fprintf(stderr, "' (one input at a time)\n");
		return -1;
	}
	return 0;
}

/* The whole input, at most VOUCH_BOUNCE_MAX bytes (one more is read to
 * tell a larger file).  Returns 0 or EXIT_RUNTIME after saying why. */
static int
read_all(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	const char *name = f == stdin ? "standard input" : path;
	size_t cap = READ_CHUNK, n = 0, got;
	char *buf = NULL, *nb;

	if (f == NULL) {
		fprintf(stderr, "vouch explain: cannot open '");
		cli_put_safe(stderr, path);
		fprintf(stderr, "': %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	for (;;) {
		if (buf == NULL || n == cap) {
			if (buf != NULL)
				cap *= 2;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				break;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0 || n > VOUCH_BOUNCE_MAX)
			break;
	}
	if (buf == NULL || ferror(f) || n > VOUCH_BOUNCE_MAX ||
	    (n < cap && !feof(f))) {
		fprintf(stderr, "vouch explain: ");
		cli_put_safe(stderr, name);
		fprintf(stderr, ": %s\n", buf == NULL || (!ferror(f) &&
		    n <= VOUCH_BOUNCE_MAX) ? "out of memory" : ferror(f) ?
		    "read error" : "larger than 20 MiB: not a bounce");
		free(buf);
		if (f != stdin)
			fclose(f);
		return EXIT_RUNTIME;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* ---- output ------------------------------------------------------------- */

static json_t *
causes_json(const struct vouch_explain *e)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < e->ncauses && arr != NULL; i++) {
		const struct vouch_explain_cause *k = &e->causes[i];

		o = json_object();
		json_object_set_new(o, "code", json_string(k->code));
		json_object_set_new(o, "severity",
		    json_string(vouch_explain_severity_name(k->severity)));
		json_object_set_new(o, "summary", cli_json_str(k->summary));
		json_object_set_new(o, "evidence", cli_json_str(k->evidence));
		json_object_set_new(o, "fix", cli_json_str(k->fix));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
ip_json(const struct vouch_explain *e)
{
	char buf[64];

	if (!e->has_ip || vouch_ip_format(&e->client_ip, buf,
	    sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

static json_t *
recorded_json(const struct vouch_explain_recorded *r)
{
	json_t *o;

	if (r->spf == NULL && r->dkim == NULL && r->dmarc == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "authserv_id", cli_json_str(r->authserv_id));
	json_object_set_new(o, "spf", cli_json_str(r->spf));
	json_object_set_new(o, "dkim", cli_json_str(r->dkim));
	json_object_set_new(o, "dmarc", cli_json_str(r->dmarc));
	json_object_set_new(o, "field", cli_json_str(r->field));
	return o;
}

static json_t *
explain_json(const struct vouch_explain *e)
{
	const struct vouch_bounce *b = e->bounce;
	json_t *o = json_object(), *in = json_object(), *r = json_object();

	json_object_set_new(in, "kind",
	    json_string(vouch_bounce_kind_name(b->kind)));
	json_object_set_new(in, "format", cli_json_str(b->format));
	json_object_set_new(in, "original",
	    json_string(vouch_bounce_original_name(b->original)));
	json_object_set_new(o, "input", in);
	json_object_set_new(o, "summary", cli_json_str(e->summary));
	json_object_set_new(o, "reply", cli_json_str(e->reply));
	json_object_set_new(o, "receiver", cli_json_str(e->receiver));
	json_object_set_new(o, "from_domain", cli_json_str(e->from_domain));
	json_object_set_new(o, "from_source", cli_json_str(e->from_source));
	json_object_set_new(o, "mail_from", cli_json_str(e->mail_from));
	json_object_set_new(o, "mail_from_source",
	    cli_json_str(e->mail_from_source));
	json_object_set_new(o, "client_ip", ip_json(e));
	json_object_set_new(o, "client_ip_source",
	    cli_json_str(e->client_ip_source));
	json_object_set_new(o, "client_rdns", cli_json_str(e->client_rdns));
	json_object_set_new(o, "helo", cli_json_str(e->helo));
	json_object_set_new(o, "recorded", recorded_json(&e->recorded));
	json_object_set_new(o, "service", e->service != NULL ?
	    json_string(e->service->id) : json_null());
	json_object_set_new(o, "service_source",
	    cli_json_str(e->service_source));
	json_object_set_new(o, "causes", causes_json(e));
	json_object_set_new(r, "spf", e->spf != NULL ? spf_eval_json(e->spf) :
	    json_null());
	json_object_set_new(r, "dkim", e->dkim != NULL ?
	    dkim_sigs_json(e->dkim) : json_array());
	json_object_set_new(r, "dmarc", e->dmarc != NULL ?
	    dmarc_eval_json(e->dmarc) : json_null());
	json_object_set_new(o, "results", r);
	json_object_set_new(o, "dns_queries", json_integer(e->dns_queries));
	return o;
}

/* Text that may span lines, each line indented and made safe. */
static void
put_lines(const char *label, const char *s)
{
	const char *nl;

	printf("   %s", label);
	for (; s != NULL; s = nl != NULL ? nl + 1 : NULL) {
		char line[EXPLAIN_LINE_MAX];
		size_t n;

		nl = strchr(s, '\n');
		n = nl != NULL ? (size_t)(nl - s) : strlen(s);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, s, n);
		line[n] = '\0';
		cli_put_safe(stdout, line);
		putchar('\n');
		if (nl != NULL)
			printf("   %*s", (int)strlen(label), "");
	}
}

static void
explain_text(const struct vouch_explain *e)
{
	char ip[64], buf[512];
	size_t i;

	cli_put_safe(stdout, e->summary);
	printf("\n\n");
	cli_row("reply", e->reply);
	cli_row("receiver", e->receiver);
	cli_row("From domain", e->from_domain);
	cli_row("MAIL FROM", e->mail_from);
	if (e->helo != NULL)
		cli_row("HELO", e->helo);
	if (e->has_ip && vouch_ip_format(&e->client_ip, ip, sizeof(ip)) == 0) {
		snprintf(buf, sizeof(buf), "%s (%s), from %s", ip,
		    e->client_rdns != NULL ? e->client_rdns : "no PTR",
		    e->client_ip_source);
		cli_row("client IP", buf);
	} else
		cli_row("client IP", "unknown");
	if (e->service != NULL) {
		snprintf(buf, sizeof(buf), "%s (%s)", e->service->name,
		    e->service_source);
		cli_row("service", buf);
	}
	snprintf(buf, sizeof(buf), "spf=%s dkim=%zu signature(s) dmarc=%s",
	    e->spf != NULL ? vouch_spf_result_name(e->spf->result) :
	    "not checked", e->dkim != NULL ? vouch_dkim_verify_count(e->dkim) :
	    (size_t)0, e->dmarc != NULL ?
	    vouch_dmarc_result_name(e->dmarc->result) : "not checked");
	cli_row("today", buf);
	if (e->recorded.spf != NULL || e->recorded.dkim != NULL ||
	    e->recorded.dmarc != NULL) {
		snprintf(buf, sizeof(buf), "spf=%s dkim=%s dmarc=%s (%s)",
		    e->recorded.spf != NULL ? e->recorded.spf : "-",
		    e->recorded.dkim != NULL ? e->recorded.dkim : "-",
		    e->recorded.dmarc != NULL ? e->recorded.dmarc : "-",
		    e->recorded.authserv_id != NULL ? e->recorded.authserv_id :
		    "Received-SPF");
		cli_row("recorded", buf);
	}
	if (e->ncauses == 0) {
		printf("\nNo cause found.\n");
		return;
	}
	printf("\nCauses:\n");
	for (i = 0; i < e->ncauses; i++) {
		const struct vouch_explain_cause *k = &e->causes[i];

		printf("%zu. [%s] %s: ", i + 1,
		    vouch_explain_severity_name(k->severity), k->code);
		cli_put_safe(stdout, k->summary);
		putchar('\n');
		if (k->evidence != NULL)
			put_lines("evidence: ", k->evidence);
		if (k->fix != NULL)
			put_lines("fix:      ", k->fix);
	}
}

/* ---- running it --------------------------------------------------------- */

static int
setup(const struct explain_args *a, struct vouch_explain_options *o,
    struct vouch_senders **senders, struct vouch_psl **psl)
{
	static char mf[1024];
	struct vouch_error err;
	int rc;

	memset(o, 0, sizeof(*o));
	if (a->ip != NULL) {
		if (vouch_ip_parse(a->ip, &o->ip) != 0) {
			fprintf(stderr, "vouch explain: --ip: '");
			cli_put_safe(stderr, a->ip);
			fprintf(stderr, "' is not an IPv4 or IPv6 address\n");
			return EXIT_USAGE;
		}
		vouch_ip_unmap(&o->ip);
		o->has_ip = 1;
	}
	o->mail_from = a->mail_from;
	if (o->mail_from != NULL && o->mail_from[0] == '<') {
		size_t n = strlen(o->mail_from);

		if (n < 2 || o->mail_from[n - 1] != '>' ||
		    n - 2 >= sizeof(mf)) {
			fprintf(stderr, "vouch explain: --mail-from: '");
			cli_put_safe(stderr, o->mail_from);
			fprintf(stderr, "' has an unbalanced '<'\n");
			return EXIT_USAGE;
		}
		memcpy(mf, o->mail_from + 1, n - 2);
		mf[n - 2] = '\0';
		o->mail_from = mf;
	}
	o->helo = a->helo;
	o->now = a->now;
	o->dmarc.mode = a->mode;
	if ((rc = dmarc_psl_open("explain", a->psl, psl)) != 0)
		return rc;
	o->dmarc.psl = *psl;
	o->psl = *psl;
	if (vouch_senders_load(a->senders, senders, &err) != 0) {
		fprintf(stderr, "vouch explain: %s\n", err.msg);
		return a->senders != NULL ? EXIT_RUNTIME : 0;
	}
	o->senders = *senders;
	return 0;
}

/* --original: the message as sent, in place of what the bounce carried.
 * Returns 0, or an exit status after saying why. */
static int
attach(const struct explain_args *a, struct vouch_bounce *b)
{
	struct vouch_error err;
	size_t len;
	char *data;
	int rc;

	if (a->original == NULL)
		return 0;
	if (strcmp(a->original, "-") == 0) {
		fprintf(stderr, "vouch explain: --original must be a file\n");
		return EXIT_USAGE;
	}
	if ((rc = read_all(a->original, &data, &len)) != 0)
		return rc;
	rc = vouch_bounce_attach_original(b, data, len, &err);
	free(data);
	if (rc == 0)
		return 0;
	fprintf(stderr, "vouch explain: ");
	cli_put_safe(stderr, a->original);
	fprintf(stderr, ": ");
	cli_put_safe(stderr, err.msg);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

static int
run(const struct explain_args *a, struct vouch_dns *dns,
    const struct vouch_explain_options *o)
{
	struct vouch_bounce *b = NULL;
	struct vouch_explain *e = NULL;
	struct vouch_error err;
	size_t len;
	char *data;
	int rc;

	if ((rc = read_all(a->path, &data, &len)) != 0)
		return rc;
	memset(&err, 0, sizeof(err));
	if (vouch_bounce_parse(data, len, &b, &err) == 0 &&
	    (rc = attach(a, b)) != 0) {
		vouch_bounce_free(b);
		free(data);
		return rc;
	}
	if (b == NULL || vouch_explain(dns, b, o, &e, &err) != 0) {
		fprintf(stderr, "vouch explain: ");
		cli_put_safe(stderr, strcmp(a->path, "-") == 0 ?
		    "standard input" : a->path);
		fprintf(stderr, ": ");
		cli_put_safe(stderr, err.msg);
		fputc('\n', stderr);
		rc = EXIT_RUNTIME;
	} else if (a->json)
		rc = cli_json_print(explain_json(e)) == 0 ? 0 : EXIT_RUNTIME;
	else
		explain_text(e);
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "vouch explain: cannot write the output\n");
		rc = EXIT_RUNTIME;
	}
	vouch_explain_free(e);
	vouch_bounce_free(b);
	free(data);
	return rc;
}

int
cmd_explain(int argc, char **argv)
{
	struct explain_args a;
	struct vouch_explain_options o;
	struct vouch_senders *senders = NULL;
	struct vouch_psl *psl = NULL;
	struct vouch_dns *dns = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	if (parse_args(argc, argv, &a) != 0) {
		fprintf(stderr, "Try 'vouch explain --help'.\n");
		return EXIT_USAGE;
	}
	rc = setup(&a, &o, &senders, &psl);
	if (rc == 0)
		rc = cli_dns_open(&a.dns, "explain", &dns);
	if (rc == 0)
		rc = run(&a, dns, &o);
	vouch_dns_free(dns);
	vouch_senders_free(senders);
	vouch_psl_free(psl);
	return rc;
}
