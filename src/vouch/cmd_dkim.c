/*
 * cmd_dkim.c - vouch dkim: verify the DKIM signatures of a message, sign
 * a message, make a signing key and its DNS record (RFC 6376, RFC 8301,
 * RFC 8463).
 *
 * The message is streamed: the header section is read into memory (it is
 * capped at 64 KiB), the body goes to the library in 64 KiB chunks.  When
 * signing, the body is also spooled to a temporary file, since the
 * DKIM-Signature fields go in front of it and are known only at the end.
 *
 * Exit status: verify 0 when at least one signature passes, 1 otherwise,
 * 2 when the check cannot be made; sign and keygen 0 or 2.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vouch/dkim.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_dkim.h"

struct verify_args {
	const char *path;
	long long now;
	int allow_sha1;
	int json;
	struct cli_dns_opts dns;
};

void
cmd_dkim_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch dkim verify [FILE|-] [--dns-zone FILE |"
	    " --dns-overlay FILE |\n"
	    "                         --dns-server ADDR[@PORT]]"
	    " [--dns-timeout MS]\n"
	    "                         [--now UNIXTIME] [--allow-sha1]"
	    " [--json]\n"
	    "       vouch dkim sign --key FILE --domain D --selector S"
	    " [--key FILE ...]\n"
	    "                       [--canon H/B] [--headers LIST]"
	    " [--oversign]\n"
	    "                       [--expire SECONDS] [--body-length]"
	    " [--auid I]\n"
	    "                       [--now UNIXTIME] [FILE|-]\n"
	    "       vouch dkim keygen [--type rsa|ed25519] [--bits N]"
	    " --selector S\n"
	    "                         --domain D --out FILE\n"
	    "\n"
	    "verify: one line per DKIM-Signature; exit 0 when at least one"
	    " passes, 1 when\n"
	    "none does (or there is none), 2 when the check cannot be made."
	    "\n"
	    "sign: writes the DKIM-Signature fields, then the message"
	    " unchanged; exit 0 or 2.\n"
	    "keygen: writes the private key (mode 0600, never overwrites)"
	    " and prints the\n"
	    "DNS TXT record; exit 0 or 2.  See vouch(1).\n");
}

/* At most one FILE operand; none means standard input. */
int
cmd_dkim_take_path(const char *cmd, int argc, char **argv, const char **path)
{
	if (optind < argc)
		*path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "vouch dkim %s: unexpected argument '", cmd);
		cli_put_safe(stderr, argv[optind]);
		fprintf(stderr, "' (one message at a time)\n");
		return -1;
	}
	return 0;
}

/* ---- verify ------------------------------------------------------------ */

static int
verify_parse(int argc, char **argv, struct verify_args *a)
{
	static const struct option opts[] = {
		{"now", required_argument, NULL, 'n'},
		{"allow-sha1", no_argument, NULL, '1'},
		CLI_COMMON_LONGOPTS
	};
	int c, idx = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case '1': a->allow_sha1 = 1; break;
		case 'j': a->json = 1; break;
		case 'h': cmd_dkim_usage(stdout); exit(0);
		case 'n':
			if (cli_number("dkim verify", "now", optarg, 1, LLONG_MAX,
			    &a->now) != 0)
				return -1;
			break;
		case 'D':
			if (cli_dns_option(&a->dns, "dkim verify",
			    opts[idx].name, optarg) < 0)
				return -1;
			break;
		default:
			return cli_bad_option("dkim verify", argv[optind - 1]);
		}
	}
	return cmd_dkim_take_path("verify", argc, argv, &a->path);
}

static json_t *
opt_int(long long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *
sig_json(const struct vouch_dkim_sig *g)
{
	json_t *o = json_object();

	json_object_set_new(o, "result",
	    json_string(vouch_dkim_result_name(g->result)));
	json_object_set_new(o, "reason", cli_json_str(g->reason));
	json_object_set_new(o, "domain", cli_json_str(g->domain));
	json_object_set_new(o, "selector", cli_json_str(g->selector));
	json_object_set_new(o, "auid", cli_json_str(g->auid));
	json_object_set_new(o, "algorithm", cli_json_str(g->algorithm));
	json_object_set_new(o, "canonicalization",
	    cli_json_str(g->canonicalization));
	json_object_set_new(o, "signed_headers",
	    cli_json_str(g->signed_headers));
	json_object_set_new(o, "body_length_limit",
	    opt_int(g->body_length_limit));
	json_object_set_new(o, "body_length", g->body_length <= LLONG_MAX ?
	    json_integer((json_int_t)g->body_length) : json_null());
	json_object_set_new(o, "timestamp", opt_int(g->timestamp));
	json_object_set_new(o, "expire", opt_int(g->expire));
	json_object_set_new(o, "key_bits", json_integer(g->key_bits));
	json_object_set_new(o, "key_testing", json_boolean(g->key_testing));
	json_object_set_new(o, "header_b", cli_json_str(g->header_b));
	json_object_set_new(o, "authres", cli_json_str(g->authres));
	return o;
}

json_t *
dkim_sigs_json(const struct vouch_dkim_verify *v)
{
	json_t *arr = json_array();
	size_t i, n = vouch_dkim_verify_count(v);

	for (i = 0; i < n && arr != NULL; i++)
		if (json_array_append_new(arr,
		    sig_json(vouch_dkim_verify_get(v, i))) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

static int
verify_json(const struct vouch_dkim_verify *v)
{
	json_t *o = json_object(), *arr = dkim_sigs_json(v);

	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return cli_json_print(NULL);
	}
	json_object_set_new(o, "signatures", arr);
	return cli_json_print(o);
}

void
dkim_sig_text(FILE *f, const struct vouch_dkim_sig *g)
{
	fprintf(f, "d=");
	cli_put_safe(f, g->domain ? g->domain : "-");
	fprintf(f, " s=");
	cli_put_safe(f, g->selector ? g->selector : "-");
	fprintf(f, " a=");
	cli_put_safe(f, g->algorithm ? g->algorithm : "-");
	fprintf(f, ": ");
	cli_put_safe(f, g->reason);
}

static void
verify_text(const struct vouch_dkim_verify *v)
{
	const struct vouch_dkim_sig *g;
	size_t i, n = vouch_dkim_verify_count(v);

	if (n == 0)
		printf("dkim=none (no signature)\n");
	for (i = 0; i < n; i++) {
		g = vouch_dkim_verify_get(v, i);
		printf("dkim=%s ", vouch_dkim_result_name(g->result));
		dkim_sig_text(stdout, g);
		putchar('\n');
	}
}

static int
verify_feed(void *ctx, const void *data, size_t len)
{
	return vouch_dkim_verify_body(ctx, data, len);
}

/* Print the results; the exit status they give (0 any pass, else 1). */
static int
verify_report(const struct verify_args *a, const struct vouch_dkim_verify *v)
{
	size_t i;
	int rc = 0, status = 1;

	if (a->json)
		rc = verify_json(v);
	else
		verify_text(v);
	if (rc != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vouch dkim verify: cannot write the output\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < vouch_dkim_verify_count(v); i++)
		if (vouch_dkim_verify_get(v, i)->result == VOUCH_DKIM_PASS)
			status = 0;
	return status;
}

static int
verify_run(const struct verify_args *a, struct vouch_dns *dns)
{
	struct vouch_dkim_verify_options opts;
	struct vouch_dkim_verify *v = NULL;
	struct cli_msg_in in;
	int rc, status = EXIT_USAGE;

	memset(&opts, 0, sizeof(opts));
	opts.now = a->now;
	opts.allow_sha1 = a->allow_sha1;
	if (cli_msg_read(a->path, "dkim verify", &in) != 0)
		return EXIT_USAGE;
	rc = vouch_dkim_verify_new(dns, &opts, &v);
	if (rc == 0)
		rc = vouch_dkim_verify_header(v, in.msg);
	/* cli_msg_body() prints its own error. */
	if (rc == 0 && cli_msg_body(&in, "dkim verify", verify_feed, v) != 0)
		goto out;
	if (rc == 0)
		rc = vouch_dkim_verify_finish(v);
	if (rc != 0) {
		fprintf(stderr, "vouch dkim verify: %s: %s\n", in.name,
		    vouch_strerror(rc));
		goto out;
	}
	status = verify_report(a, v);
out:
	vouch_dkim_verify_free(v);
	cli_msg_close(&in);
	return status;
}

static int
dkim_verify(int argc, char **argv)
{
	struct verify_args a;
	struct vouch_dns *dns = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	if (verify_parse(argc, argv, &a) != 0) {
		fprintf(stderr, "Try 'vouch dkim --help'.\n");
		return EXIT_USAGE;
	}
	/* 1 means "no signature passes" here, so a DNS setup failure is 2. */
	if (cli_dns_open(&a.dns, "dkim verify", &dns) != 0)
		return EXIT_USAGE;
	rc = verify_run(&a, dns);
	vouch_dns_free(dns);
	return rc;
}

/* ---- dispatch ---------------------------------------------------------- */

int
cmd_dkim(int argc, char **argv)
{
	if (argc < 2) {
		cmd_dkim_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cmd_dkim_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return dkim_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_dkim_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_dkim_keygen(argc - 1, argv + 1);
	fprintf(stderr, "vouch dkim: unknown subcommand '");
	cli_put_safe(stderr, argv[1]);
	fprintf(stderr, "' (verify, sign or keygen)\n");
	cmd_dkim_usage(stderr);
	return EXIT_USAGE;
}
