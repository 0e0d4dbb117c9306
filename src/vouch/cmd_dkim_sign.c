/*
 * cmd_dkim_sign.c - vouch dkim sign: one pass, several keys; the body is
 * spooled to a temporary file while it streams through the signers, and
 * written after the new DKIM-Signature fields.
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

struct spool {
	struct vouch_dkim_sign *s;
	FILE *f;
};

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
	case 'h': cmd_dkim_usage(stdout); exit(0);
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
	return cmd_dkim_take_path("sign", argc, argv, &a->path);
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

int
cmd_dkim_sign(int argc, char **argv)
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
