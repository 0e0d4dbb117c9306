/*
 * cmd_dkim_keygen.c - vouch dkim keygen: a private key (mode 0600, PEM)
 * and its DNS TXT record in zone-file syntax, strings of at most 255
 * octets.
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

struct keygen_args {
	enum vouch_dkim_keytype type;
	long long bits;
	const char *selector;
	const char *domain;
	const char *out;
	char alabel[256];
};

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
	case 'h': cmd_dkim_usage(stdout); exit(0);
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

int
cmd_dkim_keygen(int argc, char **argv)
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
