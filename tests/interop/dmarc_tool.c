/*
 * dmarc_tool - vouch's side of tests/interop/dmarc_interop.py: runs
 * vouch_dmarc_check() in RFC 7489 mode over the cases dmarc_gen.py wrote,
 * with the SPF and DKIM results given as inputs (the same inputs
 * Mail::DMARC gets), so that only DMARC itself is compared.
 *
 *   dmarc_tool (--dns-zone FILE | --dns-server ADDR@PORT) [--psl FILE]
 *       CASES.tsv
 *
 * CASES.tsv: id, from, spf, spf_domain ("-": none), dkim ("-" or
 * "d=domain:result" items joined with ","), draw; further columns and
 * lines starting with "#" are ignored.  The From field is
 * "From: user@<from>"; draw is what the pct random source returns.
 * --psl loads that list (vouch_psl_load()); without it, libpsl's newest.
 *
 * Prints one line per case, tab separated:
 *   id result requested disposition policy_domain org_domain spf_aligned
 *   dkim_aligned reason
 * "-" for an empty field.  Exit 0 when every case ran, 1 on a library
 * error, 2 on a usage or input error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dmarc.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

#define NCOLS 6
#define NSIGS 16		/* DKIM signatures per case, at most */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct tcase {
	char *col[NCOLS];	/* id from spf spf_domain dkim draw */
	struct vouch_dmarc_dkim sig[NSIGS];
	size_t nsig;
	unsigned draw;
};

static const char *const spf_names[] = {
	[VOUCH_SPF_NONE] = "none", [VOUCH_SPF_NEUTRAL] = "neutral",
	[VOUCH_SPF_PASS] = "pass", [VOUCH_SPF_FAIL] = "fail",
	[VOUCH_SPF_SOFTFAIL] = "softfail", [VOUCH_SPF_TEMPERROR] = "temperror",
	[VOUCH_SPF_PERMERROR] = "permerror"
};

static const char *const dkim_names[] = {
	[VOUCH_DKIM_NONE] = "none", [VOUCH_DKIM_PASS] = "pass",
	[VOUCH_DKIM_FAIL] = "fail", [VOUCH_DKIM_POLICY] = "policy",
	[VOUCH_DKIM_NEUTRAL] = "neutral", [VOUCH_DKIM_TEMPERROR] = "temperror",
	[VOUCH_DKIM_PERMERROR] = "permerror"
};

static int
lookup(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static unsigned
draw_fn(void *arg)
{
	return *(const unsigned *)arg;
}

/* Split line in place into the case's columns and DKIM signatures. */
static int
parse_case(char *line, struct tcase *c)
{
	char *p = line, *item, *colon;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	line[strcspn(line, "\r\n")] = '\0';
	for (i = 0; i < NCOLS; i++) {
		if (p == NULL)
			return -1;
		c->col[i] = p;
		if ((p = strchr(p, '\t')) != NULL)
			*p++ = '\0';
	}
	c->draw = (unsigned)strtoul(c->col[5], NULL, 10);
	for (item = c->col[4]; strcmp(c->col[4], "-") != 0 && item != NULL;
	    item = p) {
		if ((p = strchr(item, ',')) != NULL)
			*p++ = '\0';
		if (c->nsig == NSIGS || (colon = strchr(item, ':')) == NULL)
			return -1;
		*colon = '\0';
		if ((r = lookup(dkim_names, NELEM(dkim_names), colon + 1)) < 0)
			return -1;
		c->sig[c->nsig].domain = item;
		c->sig[c->nsig].selector = "s";
		c->sig[c->nsig++].result = (enum vouch_dkim_result)r;
	}
	return 0;
}

static void
field(const char *s)
{
	putchar('\t');
	if (s == NULL || *s == '\0') {
		putchar('-');
		return;
	}
	for (; *s != '\0'; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void
print_eval(const char *id, const struct vouch_dmarc_eval *ev)
{
	fputs(id, stdout);
	field(vouch_dmarc_result_name(ev->result));
	field(vouch_dmarc_policy_name(ev->requested));
	field(vouch_dmarc_policy_name(ev->disposition));
	field(ev->policy_domain);
	field(ev->org_domain);
	field(ev->spf_aligned ? "1" : "0");
	field(ev->dkim_aligned != NULL ? "1" : "0");
	field(ev->reason);
	putchar('\n');
}

static int
run_case(struct vouch_dns *dns, const struct vouch_psl *psl, struct tcase *c)
{
	struct vouch_dmarc_request req;
	struct vouch_dmarc_options o;
	struct vouch_dmarc_eval *ev = NULL;
	struct vouch_error err = {0, 0, ""};
	struct vouch_msg *msg = NULL;
	char from[300];
	int spf, rc;

	if ((spf = lookup(spf_names, NELEM(spf_names), c->col[2])) < 0)
		return VOUCH_EINVAL;
	(void)snprintf(from, sizeof(from), " user@%s", c->col[1]);
	if ((rc = vouch_msg_new(NULL, &msg)) != 0 ||
	    (rc = vouch_msg_add_field(msg, "From", 4, from, strlen(from),
	    &err)) != 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.msg = msg;
	req.spf = (enum vouch_spf_result)spf;
	req.spf_domain = strcmp(c->col[3], "-") == 0 ? NULL : c->col[3];
	req.dkim = c->sig;
	req.ndkim = c->nsig;
	memset(&o, 0, sizeof(o));
	o.mode = VOUCH_DMARC_MODE_RFC7489;
	o.psl = psl;
	o.random_fn = draw_fn;
	o.random_arg = &c->draw;
	if ((rc = vouch_dmarc_check(dns, &req, &o, &ev, &err)) == 0)
		print_eval(c->col[0], ev);
out:
	if (rc != 0)
		fprintf(stderr, "dmarc_tool: %s: %s\n", c->col[0],
		    err.msg[0] ? err.msg : vouch_strerror(rc));
	vouch_dmarc_eval_free(ev);
	vouch_msg_free(msg);
	return rc;
}

static int
run_file(struct vouch_dns *dns, const struct vouch_psl *psl, FILE *f)
{
	struct tcase c;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (parse_case(line, &c) != 0) {
			fprintf(stderr, "dmarc_tool: bad case line\n");
			rc = 2;
		} else if (run_case(dns, psl, &c) != 0)
			rc = 1;
	}
	free(line);
	return rc;
}

static int
open_dns(const char *zone, const char *server, struct vouch_dns **dns)
{
	struct vouch_dns_unbound_opts uo;
	struct vouch_error err = {0, 0, ""};
	int rc;

	memset(&uo, 0, sizeof(uo));
	uo.forwarder = server;
	uo.timeout_ms = 5000;
	rc = zone != NULL ? vouch_dns_zone_new_file(zone, dns, &err) :
	    vouch_dns_unbound_new(&uo, dns, &err);
	if (rc != 0)
		fprintf(stderr, "dmarc_tool: DNS: %s\n", err.msg[0] ? err.msg :
		    vouch_strerror(rc));
	return rc;
}

int
main(int argc, char **argv)
{
	const char *zone = NULL, *server = NULL, *pslpath = NULL;
	struct vouch_error err = {0, 0, ""};
	struct vouch_dns *dns = NULL;
	struct vouch_psl *psl = NULL;
	FILE *f = NULL;
	int i, rc = 2;

	for (i = 1; i + 2 < argc; i += 2) {
		if (strcmp(argv[i], "--dns-zone") == 0)
			zone = argv[i + 1];
		else if (strcmp(argv[i], "--dns-server") == 0)
			server = argv[i + 1];
		else if (strcmp(argv[i], "--psl") == 0)
			pslpath = argv[i + 1];
		else
			break;
	}
	if (i + 1 != argc || (zone == NULL) == (server == NULL)) {
		fprintf(stderr, "usage: dmarc_tool (--dns-zone FILE | "
		    "--dns-server ADDR@PORT) [--psl FILE] CASES.tsv\n");
		return 2;
	}
	if ((f = fopen(argv[i], "r")) == NULL) {
		perror(argv[i]);
		return 2;
	}
	if (open_dns(zone, server, &dns) != 0)
		goto out;
	if (pslpath != NULL && vouch_psl_load(pslpath, &psl, &err) != 0) {
		fprintf(stderr, "dmarc_tool: %s\n", err.msg);
		goto out;
	}
	rc = run_file(dns, psl, f);
out:
	vouch_psl_free(psl);
	vouch_dns_free(dns);
	fclose(f);
	return rc;
}
