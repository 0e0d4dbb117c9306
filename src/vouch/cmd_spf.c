/*
 * cmd_spf.c - vouch spf: evaluate SPF (RFC 7208) for a client IP and a
 * MAIL FROM or HELO identity, and say why.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vouch/msg.h>
#include <vouch/spf.h>

#include "cli.h"
#include "cmd.h"

struct spf_args {
	const char *ip;
	const char *mail_from;
	const char *helo;
	const char *receiver;
	long long now;
	int json;
	int trace;
	struct cli_dns_opts dns;
	char mf_buf[1024];
	char helo_buf[256];
};

static void
spf_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch spf --ip IP --mail-from ADDR [--helo HOST]\n"
	    "                 [--dns-zone FILE | --dns-overlay FILE |"
	    " --dns-server ADDR[@PORT]]\n"
	    "                 [--dns-timeout MS] [--receiver NAME]"
	    " [--now UNIXTIME] [--json] [--trace]\n"
	    "\n"
	    "Evaluates SPF (RFC 7208) for the MAIL FROM identity, or, with"
	    " --mail-from ''\n"
	    "and --helo, for the HELO identity.  Exit status: 0 the"
	    " evaluation ran (whatever\n"
	    "its result), 1 a runtime error, 2 a usage error.\n");
}

/* Check and normalize --mail-from or --helo (see cli_address()). */
static int
check_address(const char *what, const char *in, char *out, size_t outlen,
    int bare_domain)
{
	char why[CLI_ERR_MAX];

	if (cli_address(in, bare_domain, out, outlen, why, sizeof(why)) == 0)
		return 0;
	fprintf(stderr, "vouch spf: %s: %s\n", what, why);
	return -1;
}

static int
parse_args(int argc, char **argv, struct spf_args *a)
{
	static const struct option opts[] = {
		{"ip", required_argument, NULL, 'i'},
		{"mail-from", required_argument, NULL, 'm'},
		{"helo", required_argument, NULL, 'H'},
		{"receiver", required_argument, NULL, 'r'},
		{"now", required_argument, NULL, 'n'},
		{"trace", no_argument, NULL, 't'},
		CLI_COMMON_LONGOPTS
	};
	int c, idx = 0;
	char *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case 'i': a->ip = optarg; break;
		case 'm': a->mail_from = optarg; break;
		case 'H': a->helo = optarg; break;
		case 'r': a->receiver = optarg; break;
		case 'j': a->json = 1; break;
		case 't': a->trace = 1; break;
		case 'h': spf_usage(stdout); exit(0);
		case 'n':
			a->now = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0') {
				fprintf(stderr, "vouch spf: --now: '%s' is not "
				    "a number of seconds\n", optarg);
				return -1;
			}
			break;
		case 'D':
			if (cli_dns_option(&a->dns, "spf", opts[idx].name,
			    optarg) < 0)
				return -1;
			break;
		default:
			return cli_bad_option("spf", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vouch spf: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

static int
validate(struct spf_args *a, struct vouch_spf_request *req)
{
	if (a->ip == NULL || vouch_ip_parse(a->ip, &req->ip) != 0) {
		fprintf(stderr, a->ip ? "vouch spf: --ip: '%s' is not an IPv4 "
		    "or IPv6 address\n" : "vouch spf: --ip is required%s\n",
		    a->ip ? a->ip : "");
		return -1;
	}
	if (a->mail_from == NULL) {
		fprintf(stderr, "vouch spf: --mail-from is required (use "
		    "--mail-from '' with --helo for the HELO identity)\n");
		return -1;
	}
	if (a->mail_from[0] == '\0' && (a->helo == NULL || !*a->helo)) {
		fprintf(stderr, "vouch spf: a null --mail-from needs "
		    "--helo\n");
		return -1;
	}
	if (a->mail_from[0] != '\0' && check_address("--mail-from",
	    a->mail_from, a->mf_buf, sizeof(a->mf_buf), 0) != 0)
		return -1;
	if (a->helo != NULL && a->helo[0] != '\0' && check_address("--helo",
	    a->helo, a->helo_buf, sizeof(a->helo_buf), 1) != 0)
		return -1;
	req->mail_from = a->mail_from[0] ? a->mf_buf : "";
	req->helo = a->helo && a->helo[0] ? a->helo_buf : NULL;
	req->identity = a->mail_from[0] ? VOUCH_SPF_MAILFROM : VOUCH_SPF_HELO;
	req->receiver = a->receiver;
	req->now = a->now ? a->now : (long long)time(NULL);
	return 0;
}

json_t *
spf_eval_json(const struct vouch_spf_eval *ev)
{
	json_t *o = json_object(), *tr = json_array();
	size_t i;

	json_object_set_new(o, "result",
	    json_string(vouch_spf_result_name(ev->result)));
	json_object_set_new(o, "identity",
	    json_string(vouch_spf_identity_name(ev->identity)));
	json_object_set_new(o, "domain", cli_json_str(ev->domain));
	json_object_set_new(o, "sender", cli_json_str(ev->sender));
	json_object_set_new(o, "record", cli_json_str(ev->record));
	json_object_set_new(o, "mechanism", cli_json_str(ev->mechanism));
	json_object_set_new(o, "explanation", cli_json_str(ev->explanation));
	json_object_set_new(o, "received_spf",
	    cli_json_str(ev->received_spf));
	json_object_set_new(o, "authentication_results",
	    cli_json_str(ev->authres));
	json_object_set_new(o, "dns_lookups", json_integer(ev->dns_lookups));
	json_object_set_new(o, "void_lookups",
	    json_integer(ev->void_lookups));
	json_object_set_new(o, "error", cli_json_str(ev->error));
	for (i = 0; i < ev->nsteps; i++) {
		json_t *s = json_object();

		json_object_set_new(s, "depth",
		    json_integer(ev->steps[i].depth));
		json_object_set_new(s, "domain",
		    cli_json_str(ev->steps[i].domain));
		json_object_set_new(s, "term", cli_json_str(ev->steps[i].term));
		json_object_set_new(s, "detail",
		    cli_json_str(ev->steps[i].detail));
		json_array_append_new(tr, s);
	}
	if (ev->nsteps > 0)
		json_object_set_new(o, "trace", tr);
	else
		json_decref(tr);
	return o;
}

static void
spf_text(const struct vouch_spf_eval *ev)
{
	size_t i;

	printf("spf: %s\n", vouch_spf_result_name(ev->result));
	cli_row("identity", vouch_spf_identity_name(ev->identity));
	cli_row("domain", ev->domain);
	cli_row("sender", ev->sender);
	cli_row("record", ev->record);
	cli_row("mechanism", ev->mechanism);
	cli_row("explanation", ev->explanation);
	if (ev->error)
		cli_row("error", ev->error);
	printf("  %-12s %u DNS-querying terms, %u void lookups\n", "lookups",
	    ev->dns_lookups, ev->void_lookups);
	printf("Received-SPF: ");
	cli_put_safe(stdout, ev->received_spf);
	printf("\n");
	if (ev->nsteps > 0)
		printf("trace:\n");
	for (i = 0; i < ev->nsteps; i++) {
		printf("  %*s", (int)ev->steps[i].depth * 2, "");
		if (ev->steps[i].domain[0] != '\0') {
			cli_put_safe(stdout, ev->steps[i].domain);
			printf(" ");
		}
		if (strcmp(ev->steps[i].term, "record") != 0) {
			cli_put_safe(stdout, ev->steps[i].term);
			printf(": ");
		}
		cli_put_safe(stdout, ev->steps[i].detail);
		putchar('\n');
	}
}

int
cmd_spf(int argc, char **argv)
{
	struct spf_args a;
	struct vouch_spf_request req;
	struct vouch_spf_options opts;
	struct vouch_spf_eval *ev = NULL;
	struct vouch_dns *dns = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&req, 0, sizeof(req));
	memset(&opts, 0, sizeof(opts));
	if (parse_args(argc, argv, &a) != 0 || validate(&a, &req) != 0) {
		fprintf(stderr, "Try 'vouch spf --help'.\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_dns_open(&a.dns, "spf", &dns)) != 0)
		return rc;
	opts.trace = a.trace;
	rc = vouch_spf_check(dns, &req, &opts, &ev);
	if (rc != 0) {
		fprintf(stderr, "vouch spf: %s\n", vouch_strerror(rc));
		vouch_dns_free(dns);
		return EXIT_RUNTIME;
	}
	if (a.json)
		rc = cli_json_print(spf_eval_json(ev));
	else
		spf_text(ev);
	vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
	return rc;
}
