/*
 * cmd_check.c - vouch check: the receiver's whole decision for a message
 * (SPF for MAIL FROM and HELO, DKIM, DMARC, the Authentication-Results
 * field and the action with its SMTP reply), through vouch_verdict_*()
 * (vouch/verdict.h).  One message from a file or standard input, or many
 * from a manifest with --batch (cmd_check_batch.c; cmd_check.h).
 *
 * The message is streamed: the header section is read into memory
 * (capped at 64 KiB), the body goes to the verdict in 64 KiB chunks.
 *
 * Exit status: 0 the check ran, whatever the verdict; 1 a runtime error
 * (a message, manifest, zone or PSL file that cannot be read or is not
 * what it should be, a resolver that cannot be set up); 2 a usage error
 * (options and their values).
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_check.h"
#include "cli.h"
#include "cmd.h"

#define JOBS_MAX 256

struct check_args {
	const char *path;
	const char *ip;
	const char *mail_from;
	const char *helo;
	const char *authserv_id;
	const char *psl;
	const char *reject_reply;
	const char *batch;
	enum vouch_dmarc_mode mode;
	long long now;
	long long jobs;
	int json;
	struct cli_dns_opts dns;
};

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch check FILE|- --ip IP --mail-from ADDR [--helo HOST]"
	    "\n"
	    "       vouch check --batch MANIFEST [--jobs N]\n"
	    "   options of both: [--authserv-id ID]"
	    " [--dmarc-mode rfc9989|rfc7489|shadow]\n"
	    "       [--psl FILE] [--reject-reply \"550 5.7.1 text\"]"
	    " [--now UNIXTIME] [--json]\n"
	    "       [--dns-zone FILE | --dns-overlay FILE |"
	    " --dns-server ADDR[@PORT]]\n"
	    "       [--dns-timeout MS]\n"
	    "\n"
	    "Runs SPF, DKIM and DMARC on a message as a receiver would and"
	    " says what to do\n"
	    "with it: accept, quarantine, reject or tempfail, with the"
	    " Authentication-Results\n"
	    "field and the SMTP reply.  --mail-from '<>' (or '') is the null"
	    " sender.\n"
	    "--batch: MANIFEST is a TSV file naming the columns file,"
	    " client_ip, helo and\n"
	    "mail_from in its first line; one JSON line per message.  Exit"
	    " status: 0 the\n"
	    "check ran (whatever the verdict), 1 a runtime error, 2 a usage"
	    " error.\n");
}

/* ---- options ------------------------------------------------------------ */

static int
check_option(int c, const char *name, struct check_args *a)
{
	switch (c) {
	case 'i': a->ip = optarg; return 0;
	case 'm': a->mail_from = optarg; return 0;
	case 'H': a->helo = optarg; return 0;
	case 'a': a->authserv_id = optarg; return 0;
	case 'p': a->psl = optarg; return 0;
	case 'r': a->reject_reply = optarg; return 0;
	case 'b': a->batch = optarg; return 0;
	case 'j': a->json = 1; return 0;
	case 'M': return dmarc_mode_option("check", optarg, &a->mode);
	case 'n':
		return cli_number("check", "now", optarg, 1, LLONG_MAX,
		    &a->now);
	case 'J':
		return cli_number("check", "jobs", optarg, 1, JOBS_MAX,
		    &a->jobs);
	case 'D': return cli_dns_option(&a->dns, "check", name, optarg) < 0 ?
	    -1 : 0;
	case 'h': check_usage(stdout); exit(0);
	default: return 1;
	}
}

static int
operands(int argc, char **argv, struct check_args *a)
{
	if (optind < argc && a->batch == NULL)
		a->path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "vouch check: unexpected argument '");
		cli_put_safe(stderr, argv[optind]);
		fprintf(stderr, "' (%s)\n", a->batch ? "--batch reads the "
		    "messages from MANIFEST" : "one message at a time; "
		    "--batch checks many");
		return -1;
	}
	if (a->batch != NULL && (a->ip || a->mail_from || a->helo)) {
		fprintf(stderr, "vouch check: --ip, --mail-from and --helo are "
		    "for one message; with --batch they come from MANIFEST\n");
		return -1;
	}
	if (a->batch == NULL && a->jobs != 0) {
		fprintf(stderr, "vouch check: --jobs needs --batch\n");
		return -1;
	}
	if (a->batch == NULL && (a->ip == NULL || a->mail_from == NULL)) {
		fprintf(stderr, "vouch check: %s is required (--mail-from '<>' "
		    "for the null sender)\n", a->ip ? "--mail-from" : "--ip");
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct check_args *a)
{
	static const struct option opts[] = {
		{"ip", required_argument, NULL, 'i'},
		{"mail-from", required_argument, NULL, 'm'},
		{"helo", required_argument, NULL, 'H'},
		{"authserv-id", required_argument, NULL, 'a'},
		{"dmarc-mode", required_argument, NULL, 'M'},
		{"psl", required_argument, NULL, 'p'},
		{"reject-reply", required_argument, NULL, 'r'},
		{"now", required_argument, NULL, 'n'},
		{"batch", required_argument, NULL, 'b'},
		{"jobs", required_argument, NULL, 'J'},
		CLI_COMMON_LONGOPTS
	};
	int c, rc, idx = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if ((rc = check_option(c, opts[idx].name, a)) < 0)
			return -1;
		if (rc > 0)
			return cli_bad_option("check", argv[optind - 1]);
		idx = 0;
	}
	return operands(argc, argv, a);
}

/* An authserv-id is written bare into the header, so it must be a
 * dot-atom (RFC 8601 2.5, RFC 5322 3.2.3). */
static int
dot_atom(const char *s)
{
	static const char special[] = "!#$%&'*+-/=?^_`{|}~";
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.' && i > 0 && s[i - 1] != '.' && s[i + 1] != '\0')
			continue;
		if (s[i] == '.' || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f ||
		    ((s[i] < '0' || s[i] > '9') && (s[i] < 'A' || s[i] > 'Z') &&
		    (s[i] < 'a' || s[i] > 'z') && strchr(special, s[i]) == NULL))
			return 0;
	}
	return i > 0 && i < 256;
}

/* The authserv-id: --authserv-id, or this host's name. */
static int
authserv(const char *given, char *buf, size_t len)
{
	if (given == NULL) {
		buf[len - 1] = '\0';
		if (gethostname(buf, len - 1) != 0 || !dot_atom(buf))
			(void)snprintf(buf, len, "localhost");
		return 0;
	}
	if (!dot_atom(given)) {
		fprintf(stderr, "vouch check: --authserv-id: '");
		cli_put_safe(stderr, given);
		fprintf(stderr, "' is not a host name or other dot-atom "
		    "(RFC 8601 2.5)\n");
		return -1;
	}
	(void)snprintf(buf, len, "%s", given);
	return 0;
}

/*
 * The library is the judge of its options (the reply's form): try them
 * once on an empty zone, before any message.  Returns 0 or EXIT_USAGE.
 */
static int
options_ok(const struct vouch_verdict_options *vo)
{
	struct vouch_verdict_envelope env;
	struct vouch_error err = {0, 0, ""};
	struct vouch_verdict_ctx *ctx = NULL;
	struct vouch_dns *zone = NULL;
	int rc;

	memset(&env, 0, sizeof(env));
	env.helo = "invalid";
	if (vouch_ip_parse("192.0.2.1", &env.ip) != 0 ||
	    vouch_dns_zone_new_text("", 0, NULL, &zone, NULL) != 0)
		return 0;	/* nothing to judge with; messages will say */
	rc = vouch_verdict_new(zone, vo, &env, &ctx, &err);
	vouch_verdict_free(ctx);
	vouch_dns_free(zone);
	if (rc != VOUCH_EINVAL)
		return 0;
	fprintf(stderr, "vouch check: ");
	cli_put_safe(stderr, err.msg);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* ---- one message -------------------------------------------------------- */

int
check_envelope(const char *ip, const char *mail_from, const char *helo,
    const char *const names[3], struct check_env *e, char *why,
    size_t whylen)
{
	char safe[256], sub[CLI_ERR_MAX];
	size_t n = strlen(mail_from);

	memset(e, 0, sizeof(*e));
	cli_safe_copy(safe, sizeof(safe), ip);
	if (vouch_ip_parse(ip, &e->env.ip) != 0) {
		snprintf(why, whylen, "%s: '%s' is not an IPv4 or IPv6 "
		    "address", names[0], safe);
		return -1;
	}
	(void)vouch_ip_unmap(&e->env.ip);
	/* <addr> as SMTP writes it; <> and "" are the null sender. */
	if (n >= 2 && mail_from[0] == '<' && mail_from[n - 1] == '>' &&
	    n - 2 < sizeof(e->mf_in)) {
		memcpy(e->mf_in, mail_from + 1, n - 2);
		e->mf_in[n - 2] = '\0';
		mail_from = e->mf_in;
	}
	cli_safe_copy(safe, sizeof(safe), mail_from);
	if (*mail_from != '\0' && strchr(mail_from, '@') == NULL) {
		snprintf(why, whylen, "%s: '%s' is not an address "
		    "(local@domain, or <> for the null sender)", names[1],
		    safe);
		return -1;
	}
	if (*mail_from != '\0' && cli_address(mail_from, 0, e->mf,
	    sizeof(e->mf), sub, sizeof(sub)) != 0) {
		snprintf(why, whylen, "%s: %s", names[1], sub);
		return -1;
	}
	if (helo != NULL && *helo != '\0' && cli_address(helo, 1, e->helo,
	    sizeof(e->helo), sub, sizeof(sub)) != 0) {
		snprintf(why, whylen, "%s: %s", names[2], sub);
		return -1;
	}
	if (*mail_from == '\0' && (helo == NULL || *helo == '\0')) {
		snprintf(why, whylen, "the null sender (%s <>) needs %s: SPF "
		    "then checks postmaster@HELO (RFC 7208 2.4)", names[1],
		    names[2]);
		return -1;
	}
	e->env.mail_from = *mail_from != '\0' ? e->mf : NULL;
	e->env.helo = helo != NULL && *helo != '\0' ? e->helo : NULL;
	return 0;
}

static int
feed(void *ctx, const void *data, size_t len)
{
	return vouch_verdict_body(ctx, data, len);
}

/* err.msg after "what: ", or the code's name, into in->err. */
static int
lib_error(struct cli_msg_in *in, const char *what,
    const struct vouch_error *err, int rc)
{
	char safe[VOUCH_ERROR_MSG_MAX];

	cli_safe_copy(safe, sizeof(safe), err->msg[0] ? err->msg :
	    vouch_strerror(rc));
	snprintf(in->err, sizeof(in->err), "%.64s: %.400s", what, safe);
	return -1;
}

int
check_message(const struct check_conf *c, struct cli_msg_in *in,
    const char *path, const struct check_env *e,
    struct vouch_verdict_ctx **ctx, const struct vouch_verdict **v)
{
	struct vouch_verdict_options vo = c->vo;
	struct vouch_verdict_envelope env = e->env;
	struct vouch_error err = {0, 0, ""};
	char name[512];
	int rc;

	*ctx = NULL;
	if (cli_msg_load(in, path) != 0)
		return -1;
	cli_safe_copy(name, sizeof(name), in->name);
	if (!cli_msg_has_separator(in)) {
		snprintf(in->err, sizeof(in->err), "%s: no empty line after the "
		    "header section, so no message (RFC 5322 2.1)", name);
		return -1;
	}
	/* SPF's %{t} and DKIM's clock: one "now" for the message. */
	vo.dkim.now = c->now ? c->now : (long long)time(NULL);
	env.receiver = c->authserv;
	if ((rc = vouch_verdict_new(c->dns, &vo, &env, ctx, &err)) != 0 ||
	    (rc = vouch_verdict_header(*ctx, in->msg, &err)) != 0)
		return lib_error(in, name, &err, rc);
	if (cli_msg_stream(in, feed, *ctx) != 0)
		return -1;
	if ((rc = vouch_verdict_finish(*ctx, v, &err)) != 0)
		return lib_error(in, name, &err, rc);
	return 0;
}

/* ---- output ------------------------------------------------------------- */

/* "Authentication-Results:" and the value unfolded (RFC 5322 2.2.3: each
 * line end before white space removed, the white space kept). */
static json_t *
authres_json(const char *value)
{
	static const char name[] = "Authentication-Results:";
	size_t i, n = sizeof(name) - 1, len = strlen(value);
	char *s = malloc(n + len + 1);
	json_t *j;

	if (s == NULL)
		return NULL;
	memcpy(s, name, n);
	for (i = 0; i < len; i++) {
		if (value[i] == '\r' && value[i + 1] == '\n')
			i++;
		if (value[i] == '\n' && (value[i + 1] == ' ' ||
		    value[i + 1] == '\t'))
			continue;
		s[n++] = value[i];
	}
	s[n] = '\0';
	j = cli_json_str(s);
	free(s);
	return j;
}

json_t *
check_json(const struct vouch_verdict *v)
{
	json_t *o = json_object(), *dns = json_object();

	json_object_set_new(o, "spf", spf_eval_json(v->spf));
	json_object_set_new(o, "spf_helo", v->spf_helo ?
	    spf_eval_json(v->spf_helo) : json_null());
	json_object_set_new(o, "dkim", dkim_sigs_json(v->dkim));
	json_object_set_new(o, "dmarc", dmarc_eval_json(v->dmarc));
	json_object_set_new(o, "authentication_results",
	    authres_json(v->authres));
	json_object_set_new(o, "action",
	    json_string(vouch_verdict_action_name(v->action)));
	json_object_set_new(o, "smtp_reply", cli_json_str(v->smtp_reply));
	json_object_set_new(o, "reason", cli_json_str(v->reason));
	json_object_set_new(dns, "queries", json_integer(v->dns_queries));
	json_object_set_new(dns, "ms", json_integer(v->dns_ms));
	json_object_set_new(dns, "budget_exhausted",
	    json_boolean(v->dns_budget_spent));
	json_object_set_new(o, "dns", dns);
	return o;
}

static void
cell(const char *what, const char *result)
{
	printf("%-8s %-10s ", what, result);
}

static void
spf_line(const char *what, const struct vouch_spf_eval *ev)
{
	cell(what, vouch_spf_result_name(ev->result));
	cli_put_safe(stdout, ev->sender);
	printf(": ");
	cli_put_safe(stdout, ev->error ? ev->error : ev->explanation);
	putchar('\n');
}

static void
dmarc_line(const char *what, enum vouch_dmarc_result r, const char *domain,
    enum vouch_dmarc_policy disposition, const char *reason)
{
	cell(what, vouch_dmarc_result_name(r));
	cli_put_safe(stdout, domain && *domain ? domain : "(no author domain)");
	if (r == VOUCH_DMARC_FAIL)
		printf(" (disposition %s)", vouch_dmarc_policy_name(disposition));
	printf(": ");
	cli_put_safe(stdout, reason);
	putchar('\n');
}

static void
dmarc_lines(const struct vouch_dmarc_eval *d)
{
	const struct vouch_dmarc_diff *df;
	size_t i;

	for (i = 0; i < d->nauthors; i++)
		dmarc_line("dmarc", d->authors[i].result, d->authors[i].domain,
		    d->authors[i].disposition, d->authors[i].reason);
	if (d->nauthors == 0)
		dmarc_line("dmarc", d->result, d->from_domain, d->disposition,
		    d->reason);
	if (d->shadow == NULL)
		return;
	if (d->ndiffs == 0) {
		cell("shadow", "same");
		printf("RFC 7489 gives the same outcome\n");
	}
	for (i = 0; i < d->ndiffs; i++) {
		df = &d->diffs[i];
		cell("shadow", "differs");
		cli_put_safe(stdout, df->domain);
		printf(" %s: rfc9989 ", df->what);
		cli_put_safe(stdout, df->rfc9989);
		printf(", rfc7489 ");
		cli_put_safe(stdout, df->rfc7489);
		putchar('\n');
	}
}

/* The field as it would be added: its line ends as LF, nothing else that
 * could move the terminal. */
static void
authres_text(const char *value)
{
	char prev = ':';

	printf("Authentication-Results:");
	for (; *value != '\0'; prev = *value++) {
		if (value[0] == '\r' && value[1] == '\n')
			continue;
		if (*value == '\n' || (*value == '\t' && prev == '\n'))
			putchar(*value);
		else
			putchar((unsigned char)*value < 0x20 || *value == 0x7f ?
			    '?' : *value);
	}
	putchar('\n');
}

static void
check_text(const struct vouch_verdict *v)
{
	size_t i, n = vouch_dkim_verify_count(v->dkim);

	spf_line("spf", v->spf);
	if (v->spf_helo != NULL)
		spf_line("spf-helo", v->spf_helo);
	if (n == 0) {
		cell("dkim", "none");
		printf("no signature\n");
	}
	for (i = 0; i < n; i++) {
		cell("dkim", vouch_dkim_result_name(
		    vouch_dkim_verify_get(v->dkim, i)->result));
		dkim_sig_text(stdout, vouch_dkim_verify_get(v->dkim, i));
		putchar('\n');
	}
	dmarc_lines(v->dmarc);
	cell("dns", v->dns_budget_spent ? "exhausted" : "ok");
	printf("%u quer%s, %u ms\n", v->dns_queries, v->dns_queries == 1 ?
	    "y" : "ies", v->dns_ms);
	authres_text(v->authres);
	cell("action", vouch_verdict_action_name(v->action));
	cli_put_safe(stdout, v->smtp_reply ? v->smtp_reply : "-");
	putchar('\n');
}

/* ---- the command -------------------------------------------------------- */

static int
check_one(const struct check_args *a, const struct check_conf *c)
{
	static const char *const names[3] = {"--ip", "--mail-from", "--helo"};
	const struct vouch_verdict *v = NULL;
	struct vouch_verdict_ctx *ctx = NULL;
	struct cli_msg_in in;
	struct check_env e;
	char why[CLI_ERR_MAX];
	int rc = 0;

	if (check_envelope(a->ip, a->mail_from, a->helo, names, &e, why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "vouch check: %s\nTry 'vouch check --help'.\n",
		    why);
		return EXIT_USAGE;
	}
	memset(&in, 0, sizeof(in));
	if (check_message(c, &in, a->path, &e, &ctx, &v) != 0) {
		fprintf(stderr, "vouch check: %s\n", in.err);
		rc = EXIT_RUNTIME;
	} else if (a->json)
		rc = cli_json_print(check_json(v));
	else
		check_text(v);
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "vouch check: cannot write the output\n");
		rc = EXIT_RUNTIME;
	}
	vouch_verdict_free(ctx);
	cli_msg_close(&in);
	return rc;
}

static int
check_setup(const struct check_args *a, struct check_conf *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (authserv(a->authserv_id, c->authserv, sizeof(c->authserv)) != 0)
		return EXIT_USAGE;
	c->vo.authserv_id = c->authserv;
	c->vo.reject_reply = a->reject_reply;
	c->vo.dmarc.mode = a->mode;
	if ((rc = options_ok(&c->vo)) != 0)
		return rc;
	c->now = a->now;
	if ((rc = dmarc_psl_open("check", a->psl, &c->psl)) != 0)
		return rc;
	c->vo.dmarc.psl = c->psl;
	return cli_dns_open(&a->dns, "check", &c->dns);
}

int
cmd_check(int argc, char **argv)
{
	struct check_args a;
	struct check_conf c;
	int rc;

	memset(&a, 0, sizeof(a));
	if (parse_args(argc, argv, &a) != 0) {
		fprintf(stderr, "Try 'vouch check --help'.\n");
		return EXIT_USAGE;
	}
	if ((rc = check_setup(&a, &c)) == 0)
		rc = a.batch ? check_batch(&c, a.batch, a.jobs ?
		    (unsigned)a.jobs : 1) : check_one(&a, &c);
	vouch_dns_free(c.dns);
	vouch_psl_free(c.psl);
	return rc;
}
