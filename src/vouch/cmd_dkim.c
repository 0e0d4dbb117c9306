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

#define SIGNERS_MAX 8		/* what vouch_dkim_sign_new() takes */
#define TXT_STRING_MAX 255	/* one DNS character-string */
#define RECORD_TTL 3600

struct verify_args {
	const char *path;
	long long now;
	int allow_sha1;
	int json;
	struct cli_dns_opts dns;
};

struct sign_args {
	const char *path;
	const char *keyfile[SIGNERS_MAX];
	const char *domain[SIGNERS_MAX];
	const char *selector[SIGNERS_MAX];
	size_t n;
	enum vouch_dkim_canon hcanon, bcanon;
	const char *headers;
	int oversign;
	long long expire;
	int body_length;
	const char *auid;
	long long now;
};

struct keygen_args {
	enum vouch_dkim_keytype type;
	long long bits;
	const char *selector;
	const char *domain;
	const char *out;
	char alabel[256];
};

struct spool {
	struct vouch_dkim_sign *s;
	FILE *f;
};

static void
dkim_usage(FILE *f)
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
static int
take_path(const char *cmd, int argc, char **argv, const char **path)
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
		case 'h': dkim_usage(stdout); exit(0);
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
	return take_path("verify", argc, argv, &a->path);
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

/* ---- sign -------------------------------------------------------------- */

/* "relaxed", "simple", or "H/B" of those; "H" alone is H/simple as in the
 * c= tag (RFC 6376 section 3.5). */
static int
parse_canon(const char *arg, struct sign_args *a)
{
	const char *slash = strchr(arg, '/');
	size_t hl = slash ? (size_t)(slash - arg) : strlen(arg);
	const char *b = slash ? slash + 1 : "simple";
	enum vouch_dkim_canon *slot[2] = {&a->hcanon, &a->bcanon};
	const char *word[2] = {arg, b};
	size_t len[2] = {hl, strlen(b)};
	int i;

	for (i = 0; i < 2; i++) {
		if (len[i] == 6 && strncmp(word[i], "simple", 6) == 0)
			*slot[i] = VOUCH_DKIM_SIMPLE;
		else if (len[i] == 7 && strncmp(word[i], "relaxed", 7) == 0)
			*slot[i] = VOUCH_DKIM_RELAXED;
		else {
			fprintf(stderr, "vouch dkim sign: --canon: '");
			cli_put_safe(stderr, arg);
			fprintf(stderr, "' is not simple or relaxed, or "
			    "HEADER/BODY of those\n");
			return -1;
		}
	}
	return 0;
}

/* --domain and --selector belong to the signer of the latest --key (the
 * first signer before any --key). */
static int
set_signer_value(struct sign_args *a, const char **arr, const char *opt,
    const char *arg)
{
	size_t i = a->n > 0 ? a->n - 1 : 0;

	if (arr[i] != NULL) {
		fprintf(stderr, "vouch dkim sign: --%s given twice for signer "
		    "%zu (each --key starts a new signer)\n", opt, i + 1);
		return -1;
	}
	arr[i] = arg;
	return 0;
}

static int
sign_option(int c, struct sign_args *a)
{
	long long v;

	switch (c) {
	case 'k':
		if (a->n == SIGNERS_MAX) {
			fprintf(stderr, "vouch dkim sign: at most %d --key "
			    "(signers)\n", SIGNERS_MAX);
			return -1;
		}
		a->keyfile[a->n++] = optarg;
		return 0;
	case 'd': return set_signer_value(a, a->domain, "domain", optarg);
	case 's': return set_signer_value(a, a->selector, "selector", optarg);
	case 'c': return parse_canon(optarg, a);
	case 'H': a->headers = optarg; return 0;
	case 'o': a->oversign = 1; return 0;
	case 'l': a->body_length = 1; return 0;
	case 'i': a->auid = optarg; return 0;
	case 'x':
		if (cli_number("dkim sign", "expire", optarg, 1, INT32_MAX, &v) != 0)
			return -1;
		a->expire = v;
		return 0;
	case 'n':
		return cli_number("dkim sign", "now", optarg, 1, LLONG_MAX, &a->now);
	case 'h': dkim_usage(stdout); exit(0);
	default: return 1;
	}
}

static int
sign_parse(int argc, char **argv, struct sign_args *a)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"domain", required_argument, NULL, 'd'},
		{"selector", required_argument, NULL, 's'},
		{"canon", required_argument, NULL, 'c'},
		{"headers", required_argument, NULL, 'H'},
		{"oversign", no_argument, NULL, 'o'},
		{"expire", required_argument, NULL, 'x'},
		{"body-length", no_argument, NULL, 'l'},
		{"auid", required_argument, NULL, 'i'},
		{"now", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	size_t i;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = sign_option(c, a)) != 0)
			return rc < 0 ? -1 : cli_bad_option("dkim sign",
			    argv[optind - 1]);
	if (a->n == 0) {
		fprintf(stderr, "vouch dkim sign: --key is required\n");
		return -1;
	}
	for (i = 0; i < a->n; i++)
		if (a->domain[i] == NULL || a->selector[i] == NULL) {
			fprintf(stderr, "vouch dkim sign: signer %zu (--key "
			    "%s) has no --%s\n", i + 1, a->keyfile[i],
			    a->domain[i] ? "selector" : "domain");
			return -1;
		}
	return take_path("sign", argc, argv, &a->path);
}

static void
sign_error(const char *what, const struct vouch_error *err, int rc)
{
	fprintf(stderr, "vouch dkim sign: ");
	cli_put_safe(stderr, what);
	fprintf(stderr, ": ");
	cli_put_safe(stderr, err->msg[0] != '\0' ? err->msg :
	    vouch_strerror(rc));
	fputc('\n', stderr);
}

static int
sign_feed(void *ctx, const void *data, size_t len)
{
	struct spool *sp = ctx;
	int rc;

	if ((rc = vouch_dkim_sign_body(sp->s, data, len)) != 0)
		return rc;
	return fwrite(data, 1, len, sp->f) == len ? 0 : VOUCH_EIO;
}

/* A field as made (CRLF), or with bare LF to match the message. */
static void
put_field(const char *f, int bare_lf)
{
	for (; *f != '\0'; f++)
		if (!bare_lf || f[0] != '\r' || f[1] != '\n')
			putchar(*f);
}

static int
sign_output(const struct vouch_dkim_sign *s, const struct cli_msg_in *in,
    FILE *spool)
{
	char buf[8192];
	size_t i, n;

	for (i = 0; i < vouch_dkim_sign_count(s); i++)
		put_field(vouch_dkim_sign_field(s, i), in->bare_lf);
	fwrite(in->buf, 1, in->body_off, stdout);
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0) {
		fprintf(stderr, "vouch dkim sign: temporary file: %s\n",
		    strerror(errno));
		return EXIT_USAGE;
	}
	while ((n = fread(buf, 1, sizeof(buf), spool)) > 0)
		fwrite(buf, 1, n, stdout);
	if (ferror(spool) || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vouch dkim sign: cannot write the signed "
		    "message: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

static int
sign_message(const struct sign_args *a, struct vouch_dkim_sign *s)
{
	struct vouch_error err = {0, 0, ""};
	struct spool sp = {s, NULL};
	struct cli_msg_in in;
	int rc, status = EXIT_USAGE;

	if (cli_msg_read(a->path, "dkim sign", &in) != 0)
		return EXIT_USAGE;
	if ((rc = vouch_dkim_sign_header(s, in.msg, &err)) != 0) {
		sign_error(in.name, &err, rc);
		goto out;
	}
	if ((sp.f = tmpfile()) == NULL) {
		fprintf(stderr, "vouch dkim sign: cannot create a temporary "
		    "file: %s\n", strerror(errno));
		goto out;
	}
	if (cli_msg_body(&in, "dkim sign", sign_feed, &sp) != 0)
		goto out;
	if ((rc = vouch_dkim_sign_finish(s, &err)) != 0) {
		sign_error(in.name, &err, rc);
		goto out;
	}
	status = sign_output(s, &in, sp.f);
out:
	if (sp.f != NULL)
		fclose(sp.f);
	cli_msg_close(&in);
	return status;
}

static int
sign_run(const struct sign_args *a, struct vouch_dkim_key **keys)
{
	struct vouch_dkim_signer specs[SIGNERS_MAX];
	struct vouch_error err = {0, 0, ""};
	struct vouch_dkim_sign *s = NULL;
	size_t i;
	int rc;

	memset(specs, 0, sizeof(specs));
	for (i = 0; i < a->n; i++) {
		specs[i].key = keys[i];
		specs[i].domain = a->domain[i];
		specs[i].selector = a->selector[i];
		specs[i].auid = a->auid;
		specs[i].header_canon = a->hcanon;
		specs[i].body_canon = a->bcanon;
		specs[i].headers = a->headers;
		specs[i].oversign = a->oversign;
		specs[i].expire_after = a->expire;
		specs[i].body_length = a->body_length;
	}
	if ((rc = vouch_dkim_sign_new(specs, a->n, a->now, &s, &err)) != 0) {
		sign_error("signer", &err, rc);
		return EXIT_USAGE;
	}
	rc = sign_message(a, s);
	vouch_dkim_sign_free(s);
	return rc;
}

static int
dkim_sign(int argc, char **argv)
{
	struct sign_args a;
	struct vouch_dkim_key *keys[SIGNERS_MAX];
	struct vouch_error err;
	size_t i;
	int rc = EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	memset(keys, 0, sizeof(keys));
	if (sign_parse(argc, argv, &a) != 0) {
		fprintf(stderr, "Try 'vouch dkim --help'.\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < a.n; i++) {
		memset(&err, 0, sizeof(err));
		if ((rc = vouch_dkim_key_load(a.keyfile[i], &keys[i],
		    &err)) != 0) {
			sign_error(a.keyfile[i], &err, rc);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	rc = sign_run(&a, keys);
out:
	for (i = 0; i < a.n; i++)
		vouch_dkim_key_free(keys[i]);
	return rc;
}

/* ---- keygen ------------------------------------------------------------ */

/* A selector is one or more labels of letters, digits and inner hyphens
 * (RFC 6376 section 3.1: sub-domain *( "." sub-domain )). */
static int
check_selector(const char *s)
{
	size_t i, label = 0;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > 63)
				return -1;
		} else
			return -1;
	}
	return i == 0 || i > 200 || label == 0 || s[i - 1] == '-' ? -1 : 0;
}

static int
keygen_option(int c, struct keygen_args *a)
{
	switch (c) {
	case 't':
		if (strcmp(optarg, "rsa") == 0)
			a->type = VOUCH_DKIM_KEY_RSA;
		else if (strcmp(optarg, "ed25519") == 0)
			a->type = VOUCH_DKIM_KEY_ED25519;
		else {
			fprintf(stderr, "vouch dkim keygen: --type: '");
			cli_put_safe(stderr, optarg);
			fprintf(stderr, "' is not rsa or ed25519\n");
			return -1;
		}
		return 0;
	case 'b':
		return cli_number("dkim keygen", "bits", optarg,
		    VOUCH_DKIM_RSA_MIN_BITS, VOUCH_DKIM_RSA_MAX_BITS, &a->bits);
	case 's': a->selector = optarg; return 0;
	case 'd': a->domain = optarg; return 0;
	case 'o': a->out = optarg; return 0;
	case 'h': dkim_usage(stdout); exit(0);
	default: return 1;
	}
}

static int
keygen_check(struct keygen_args *a)
{
	const char *miss = !a->selector ? "--selector" : !a->domain ?
	    "--domain" : !a->out ? "--out" : NULL;
	size_t n;

	if (miss != NULL) {
		fprintf(stderr, "vouch dkim keygen: %s is required\n", miss);
		return -1;
	}
	if (a->bits != 0 && a->type != VOUCH_DKIM_KEY_RSA) {
		fprintf(stderr, "vouch dkim keygen: --bits is for rsa keys "
		    "only\n");
		return -1;
	}
	if (check_selector(a->selector) != 0) {
		fprintf(stderr, "vouch dkim keygen: --selector: '");
		cli_put_safe(stderr, a->selector);
		fprintf(stderr, "' is not a selector (labels of letters, "
		    "digits and hyphens)\n");
		return -1;
	}
	if (vouch_domain_to_alabel(a->domain, strlen(a->domain), a->alabel,
	    sizeof(a->alabel)) != 0 || a->alabel[0] == '\0') {
		fprintf(stderr, "vouch dkim keygen: --domain: '");
		cli_put_safe(stderr, a->domain);
		fprintf(stderr, "' is not a domain name\n");
		return -1;
	}
	n = strlen(a->alabel);
	if (a->alabel[n - 1] == '.')
		a->alabel[n - 1] = '\0';
	return 0;
}

static int
keygen_parse(int argc, char **argv, struct keygen_args *a)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"bits", required_argument, NULL, 'b'},
		{"selector", required_argument, NULL, 's'},
		{"domain", required_argument, NULL, 'd'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = keygen_option(c, a)) != 0)
			return rc < 0 ? -1 : cli_bad_option("dkim keygen",
			    argv[optind - 1]);
	if (optind < argc) {
		fprintf(stderr, "vouch dkim keygen: unexpected argument '");
		cli_put_safe(stderr, argv[optind]);
		fprintf(stderr, "'\n");
		return -1;
	}
	return keygen_check(a);
}

/* Character-strings of at most 255 bytes, quoted for a zone file
 * (RFC 1035 section 5.1). */
static void
put_strings(const char *s, size_t len, int *first)
{
	size_t i, n;

	while (len > 0) {
		n = len > TXT_STRING_MAX ? TXT_STRING_MAX : len;
		fputs(*first ? "\"" : "\n\t\"", stdout);
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c < 0x20 || c >= 0x7f)
				printf("\\%03u", c);
			else if (c == '"' || c == '\\')
				printf("\\%c", c);
			else
				putchar(c);
		}
		putchar('"');
		*first = 0;
		s += n;
		len -= n;
	}
}

/* The tags before p= in one string, p= and its value in as many as it
 * takes. */
static int
put_record(const struct keygen_args *a, const char *rec)
{
	const char *p = rec;
	int first = 1;

	while ((p = strstr(p, "p=")) != NULL && p != rec && p[-1] != ' ' &&
	    p[-1] != ';')
		p++;
	if (p == NULL)
		p = rec + strlen(rec);
	printf("%s._domainkey.%s. %d IN TXT ( ", a->selector, a->alabel,
	    RECORD_TTL);
	put_strings(rec, (size_t)(p - rec), &first);
	put_strings(p, strlen(p), &first);
	printf(" )\n");
	return fflush(stdout) != 0 || ferror(stdout) ? -1 : 0;
}

static int
keygen_run(const struct keygen_args *a)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_dkim_key *key = NULL;
	char *rec = NULL;
	int rc, status = EXIT_USAGE;

	if ((rc = vouch_dkim_key_generate(a->type, (unsigned)a->bits, &key,
	    &err)) != 0) {
		fprintf(stderr, "vouch dkim keygen: cannot make the key: %s\n",
		    err.msg[0] ? err.msg : vouch_strerror(rc));
		goto out;
	}
	if ((rc = vouch_dkim_key_write(key, a->out, &err)) != 0) {
		fprintf(stderr, "vouch dkim keygen: %s: ", a->out);
		cli_put_safe(stderr, err.msg[0] ? err.msg : vouch_strerror(rc));
		fputc('\n', stderr);
		goto out;
	}
	if ((rc = vouch_dkim_key_record(key, &rec)) != 0) {
		fprintf(stderr, "vouch dkim keygen: the key is in %s but its "
		    "record could not be made: %s\n", a->out,
		    vouch_strerror(rc));
		goto out;
	}
	if (put_record(a, rec) != 0) {
		fprintf(stderr, "vouch dkim keygen: cannot write the record "
		    "(the key is in %s)\n", a->out);
		goto out;
	}
	status = 0;
out:
	free(rec);
	vouch_dkim_key_free(key);
	return status;
}

static int
dkim_keygen(int argc, char **argv)
{
	struct keygen_args a;
	struct stat st;

	memset(&a, 0, sizeof(a));
	a.type = VOUCH_DKIM_KEY_RSA;
	if (keygen_parse(argc, argv, &a) != 0) {
		fprintf(stderr, "Try 'vouch dkim --help'.\n");
		return EXIT_USAGE;
	}
	/* vouch_dkim_key_write() refuses too (O_EXCL); asking first spares
	 * making a key for nothing. */
	if (lstat(a.out, &st) == 0) {
		fprintf(stderr, "vouch dkim keygen: %s: the file exists; it is "
		    "never overwritten\n", a.out);
		return EXIT_USAGE;
	}
	return keygen_run(&a);
}

/* ---- dispatch ---------------------------------------------------------- */

int
cmd_dkim(int argc, char **argv)
{
	if (argc < 2) {
		dkim_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		dkim_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return dkim_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return dkim_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "keygen") == 0)
		return dkim_keygen(argc - 1, argv + 1);
	fprintf(stderr, "vouch dkim: unknown subcommand '");
	cli_put_safe(stderr, argv[1]);
	fprintf(stderr, "' (verify, sign or keygen)\n");
	dkim_usage(stderr);
	return EXIT_USAGE;
}
