/*
 * cmd_generate_spf.c - vouch generate spf: an SPF record (RFC 7208) from
 * flags and from named services of the sender knowledge file.
 *
 * Terms go in the order a receiver can match most cheaply: ip4, ip6, a,
 * mx, then the includes, then "all".  The default "all" is "~all": with a
 * DMARC policy the softfail changes nothing for spoofed mail, while a
 * receiver that rejects on an SPF "fail" before DMARC would lose
 * forwarded mail that DKIM still authenticates (RFC 7489 10.1).
 *
 * The DNS-lookup count is the audit's, over the record put in a zone
 * laid over the real DNS: the includes are resolved as receivers resolve
 * them.  Over 10 (RFC 7208 4.6.4) the record is refused, with the three
 * ways out (cmd_generate_spf_fix.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/senders.h>

#include "cmd.h"
#include "cmd_generate.h"
#include "cmd_generate_spf.h"

static void
spf_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch generate spf --domain D [--ip4 CIDR]... [--ip6 CIDR]..."
	    " [--mx] [--a]\n"
	    "                          [--include DOMAIN]... [--service ID]..."
	    " [--senders FILE]\n"
	    "                          [--all fail|softfail] [--dns-zone FILE |"
	    " --dns-overlay FILE |\n"
	    "                          --dns-server ADDR[@PORT]] [--json]\n"
	    "\n"
	    "Writes the SPF record of D, counts its DNS lookups as receivers"
	    " will (the\n"
	    "includes resolved through DNS), and prints it with its zone-file"
	    " line.  Over\n"
	    "10 lookups the record is refused, with the ways to bring it"
	    " under the limit.\n"
	    "Exit status: 0 printed, 1 refused or a runtime error, 2 a usage"
	    " error.\n");
}

/* "ADDR" or "ADDR/LEN" of the family into out as "ip4:..." or "ip6:...". */
static int
cidr_term(const char *arg, int family, char *out, size_t len)
{
	char addr[64], canon[64];
	struct vouch_ip ip;
	const char *slash = strchr(arg, '/');
	size_t alen = slash ? (size_t)(slash - arg) : strlen(arg);
	long long bits = -1;
	char *end;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, arg, alen);
	addr[alen] = '\0';
	if (vouch_ip_parse(addr, &ip) != 0 || ip.family != family ||
	    vouch_ip_format(&ip, canon, sizeof(canon)) != 0)
		return -1;
	if (slash != NULL) {
		if (strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
		    slash[1] == '\0' || strlen(slash + 1) > 3)
			return -1;
		bits = strtoll(slash + 1, &end, 10);
		if (bits > (family == 4 ? 32 : 128))
			return -1;
	}
	/* RFC 7208 5.6: a length equal to the address's is the default */
	if (bits == (family == 4 ? 32 : 128))
		bits = -1;
	if (bits < 0)
		snprintf(out, len, "ip%d:%s", family, canon);
	else
		snprintf(out, len, "ip%d:%s/%lld", family, canon, bits);
	return 0;
}

static int
add_term(struct spf_args *a, const char *term, const char *service)
{
	size_t i;

	for (i = 0; i < a->nterms; i++)
		if (strcmp(a->term[i], term) == 0)
			return 0;
	if (a->nterms == SPF_GEN_TERMS_MAX) {
		fprintf(stderr, "vouch generate spf: more than %d terms\n",
		    SPF_GEN_TERMS_MAX);
		return -1;
	}
	snprintf(a->term[a->nterms], sizeof(a->term[0]), "%s", term);
	a->service[a->nterms++] = service;
	return 0;
}

static int
spf_option(struct spf_args *a, int c, const char *name, const char *arg)
{
	char term[300], dom[256];

	switch (c) {
	case 'd':
		return gen_domain("spf", name, arg, a->domain);
	case '4':
	case '6':
		if (cidr_term(arg, c - '0', term, sizeof(term)) != 0) {
			fprintf(stderr, "vouch generate spf: --%s: '", name);
			cli_put_safe(stderr, arg);
			fprintf(stderr, "' is not an IPv%c address or range\n", c);
			return -1;
		}
		return add_term(a, term, NULL);
	case 'm':
		a->mx = 1;
		return 0;
	case 'a':
		a->a = 1;
		return 0;
	case 'i':
		if (gen_domain("spf", name, arg, dom) != 0)
			return -1;
		snprintf(term, sizeof(term), "include:%s", dom);
		return add_term(a, term, NULL);
	case 's':
		if (a->nservices == SPF_GEN_TERMS_MAX) {
			fprintf(stderr, "vouch generate spf: too many "
			    "services\n");
			return -1;
		}
		a->services[a->nservices++] = arg;
		return 0;
	case 'S':
		a->senders = arg;
		return 0;
	case 'A':
		if (strcmp(arg, "fail") != 0 && strcmp(arg, "softfail") != 0) {
			fprintf(stderr, "vouch generate spf: --all: 'fail' or "
			    "'softfail'\n");
			return -1;
		}
		a->all = arg[0] == 'f' ? "-all" : "~all";
		return 0;
	case 'j':
		a->json = 1;
		return 0;
	case 'D':
		return cli_dns_option(&a->dns, "generate spf", name, arg) < 0 ?
		    -1 : 0;
	default:
		return 1;
	}
}

static void
known_services(const struct vouch_senders *s)
{
	const struct vouch_sender_service *v;
	size_t i;

	fprintf(stderr, "known services (with an SPF include):");
	for (i = 0; i < vouch_senders_count(s); i++) {
		v = vouch_senders_at(s, i);
		if (v->spf_include != NULL)
			fprintf(stderr, " %s", v->id);
	}
	fputc('\n', stderr);
}

/* Each --service as the include its provider documents. */
static int
services(struct spf_args *a)
{
	struct vouch_error err = {0, 0, ""};
	const struct vouch_sender_service *v;
	char term[300];
	size_t i;

	if (a->nservices == 0)
		return 0;
	if (vouch_senders_load(a->senders, &a->known, &err) != 0) {
		fprintf(stderr, "vouch generate spf: ");
		cli_put_safe(stderr, err.msg[0] ? err.msg : "cannot load the "
		    "sender knowledge file");
		fputc('\n', stderr);
		return -1;
	}
	for (i = 0; i < a->nservices; i++) {
		v = vouch_senders_by_id(a->known, a->services[i]);
		if (v == NULL) {
			fprintf(stderr, "vouch generate spf: --service: '");
			cli_put_safe(stderr, a->services[i]);
			fprintf(stderr, "' is not a known service; ");
			known_services(a->known);
			return -1;
		}
		if (v->spf_include == NULL) {
			fprintf(stderr, "vouch generate spf: --service %s: the "
			    "sender knowledge file has no SPF include for %s; "
			    "use --include with the domain %s's documentation "
			    "names, or --ip4/--ip6 with its addresses", v->id,
			    v->name, v->name);
			if (v->hint != NULL) {
				fprintf(stderr, " (");
				cli_put_safe(stderr, v->hint);
				fputc(')', stderr);
			}
			fputc('\n', stderr);
			return -1;
		}
		snprintf(term, sizeof(term), "include:%s", v->spf_include);
		if (add_term(a, term, v->id) != 0)
			return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct spf_args *a)
{
	static const struct option opts[] = {
		{"domain", required_argument, NULL, 'd'},
		{"ip4", required_argument, NULL, '4'},
		{"ip6", required_argument, NULL, '6'},
		{"mx", no_argument, NULL, 'm'},
		{"a", no_argument, NULL, 'a'},
		{"include", required_argument, NULL, 'i'},
		{"service", required_argument, NULL, 's'},
		{"senders", required_argument, NULL, 'S'},
		{"all", required_argument, NULL, 'A'},
		CLI_COMMON_LONGOPTS
	};
	int c, idx = 0, rc;

	a->all = "~all";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c == 'h') {
			spf_usage(stdout);
			exit(0);
		}
		rc = spf_option(a, c, opts[idx].name, optarg);
		if (rc > 0)
			return cli_bad_option("generate spf", argv[optind - 1]);
		if (rc < 0)
			return -1;
	}
	if (optind < argc)
		return cli_bad_option("generate spf", argv[optind]);
	if (a->domain[0] == '\0') {
		fprintf(stderr, "vouch generate spf: --domain is required\n");
		return -1;
	}
	return services(a);
}

/* " term" appended at *n; -1 when it does not fit. */
static int
put(char *out, size_t len, size_t *n, const char *term)
{
	int w = snprintf(out + *n, len - *n, " %s", term);

	if (w < 0 || (size_t)w >= len - *n)
		return -1;
	*n += (size_t)w;
	return 0;
}

int
spf_gen_record(const struct spf_args *a, const char *const *extra,
    size_t nextra, const int *flat, char *out, size_t len)
{
	size_t i, n = 0;
	int rc;

	rc = snprintf(out, len, "v=spf1") < 0 ? -1 : 0;
	n = strlen(out);
	for (i = 0; i < a->nips && rc == 0; i++)
		rc = put(out, len, &n, a->term[i]);
	for (i = 0; i < nextra && rc == 0; i++)
		rc = put(out, len, &n, extra[i]);
	if (rc == 0 && a->a)
		rc = put(out, len, &n, "a");
	if (rc == 0 && a->mx)
		rc = put(out, len, &n, "mx");
	for (i = a->nips; i < a->nterms && rc == 0; i++)
		if (flat == NULL || !flat[i])
			rc = put(out, len, &n, a->term[i]);
	return rc == 0 ? put(out, len, &n, a->all) : -1;
}

/* ip4/ip6 terms first: a stable sort of the terms by kind. */
static void
order_terms(struct spf_args *a)
{
	char t[300];
	const char *s;
	size_t i, j;

	for (i = 0; i < a->nterms; i++) {
		if (strncmp(a->term[i], "ip", 2) != 0)
			continue;
		memcpy(t, a->term[i], sizeof(t));
		s = a->service[i];
		for (j = i; j > a->nips; j--) {
			memcpy(a->term[j], a->term[j - 1], sizeof(t));
			a->service[j] = a->service[j - 1];
		}
		memcpy(a->term[a->nips], t, sizeof(t));
		a->service[a->nips++] = s;
	}
}

static int
print_ok(const struct spf_args *a, const char *record,
    const struct gen_check *g)
{
	const struct vouch_audit_spf *s = &g->audit->spf;

	if (a->json)
		return cli_json_print(json_pack("{s:s, s:s, s:o, s:I, s:I, "
		    "s:i, s:b, s:o}", "domain", a->domain, "record", record,
		    "strings", cli_json_str(g->strings), "dns_lookups",
		    (json_int_t)s->dns_lookups, "void_lookups",
		    (json_int_t)s->void_lookups, "limit", SPF_GEN_LIMIT,
		    "refused", 0, "findings", gen_findings_json(g->audit,
		    VOUCH_AUDIT_SPF)));
	printf("record:       %s\n", record);
	printf("DNS lookups:  %u of %d (RFC 7208 4.6.4), void lookups: %u "
	    "of 2\n", s->dns_lookups, SPF_GEN_LIMIT, s->void_lookups);
	printf("zone line:    ");
	gen_zone_line(stdout, a->domain, g->strings);
	if (s->dns_lookups >= SPF_GEN_LIMIT - 1)
		fprintf(stderr, "vouch generate spf: warning: %u of %d DNS "
		    "lookups: a provider that adds one include to its record "
		    "puts you over the limit; keep an eye on it with vouch "
		    "domain %s\n", s->dns_lookups, SPF_GEN_LIMIT, a->domain);
	return 0;
}

static int
run(struct spf_args *a)
{
	char record[GEN_RECORD_MAX];
	struct gen_check g;
	int rc;

	order_terms(a);
	if (spf_gen_record(a, NULL, 0, NULL, record, sizeof(record)) != 0) {
		fprintf(stderr, "vouch generate spf: the record would be over "
		    "%d bytes\n", GEN_RECORD_MAX);
		return EXIT_USAGE;
	}
	if ((rc = gen_check("spf", &a->dns, a->domain, a->domain, record,
	    &g)) != 0)
		return rc;
	if (gen_errors("spf", g.audit, VOUCH_AUDIT_SPF,
	    "spf-too-many-lookups") > 0)
		rc = EXIT_RUNTIME;
	else if (g.audit->spf.dns_lookups > SPF_GEN_LIMIT)
		rc = spf_gen_refuse(a, record, &g);
	else
		rc = print_ok(a, record, &g);
	gen_check_free(&g);
	return rc;
}

int
cmd_generate_spf(int argc, char **argv)
{
	struct spf_args *a = calloc(1, sizeof(*a));
	int rc;

	if (a == NULL) {
		fprintf(stderr, "vouch generate spf: out of memory\n");
		return EXIT_RUNTIME;
	}
	rc = parse_args(argc, argv, a) != 0 ? EXIT_USAGE : run(a);
	vouch_senders_free(a->known);
	free(a);
	return rc;
}
