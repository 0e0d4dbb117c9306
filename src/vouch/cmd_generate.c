/*
 * cmd_generate.c - vouch generate spf|dmarc: write a correct record from
 * flags.  This file dispatches and holds what both generators share: the
 * --domain check, and the check of a generated record by the domain audit
 * on a zone that holds it (cmd_generate.h).
 */
#include <stdlib.h>
#include <string.h>

#include <vouch/msg.h>

#include "cmd.h"
#include "cmd_generate.h"

static void
generate_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch generate spf --domain D [--ip4 CIDR]... [--ip6 CIDR]..."
	    " [--mx] [--a]\n"
	    "                          [--include DOMAIN]... [--service ID]..."
	    " [--all fail|softfail]\n"
	    "       vouch generate dmarc --domain D --policy"
	    " none|quarantine|reject [--sp P]\n"
	    "                            [--np P] [--rua mailto:...]..."
	    " [--ruf mailto:...]...\n"
	    "                            [--adkim r|s] [--aspf r|s]"
	    " [--testing] [--fo OPTS]\n"
	    "  both: [--dns-zone FILE | --dns-overlay FILE |"
	    " --dns-server ADDR[@PORT]] [--json]\n"
	    "\n"
	    "Writes a record from the flags, audits the domain as if it were"
	    " published\n"
	    "(vouch domain's checks), and prints it with its zone-file line"
	    " unless the\n"
	    "audit finds an error.  Exit status: 0 printed, 1 refused or a"
	    " runtime error,\n"
	    "2 a usage error.\n");
}

int
cmd_generate(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "spf") == 0)
		return cmd_generate_spf(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "dmarc") == 0)
		return cmd_generate_dmarc(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		generate_usage(stdout);
		return 0;
	}
	if (argc >= 2) {
		fprintf(stderr, "vouch generate: unknown record kind '");
		cli_put_safe(stderr, argv[1]);
		fprintf(stderr, "' (spf or dmarc)\n");
	}
	generate_usage(stderr);
	return EXIT_USAGE;
}

int
gen_domain(const char *cmd, const char *opt, const char *arg, char *out)
{
	size_t len;
	const char *last;

	if (vouch_domain_to_alabel(arg, strlen(arg), out, 256) == 0) {
		len = strlen(out);
		if (len > 0 && out[len - 1] == '.')
			out[--len] = '\0';
		last = strrchr(out, '.');
		last = last ? last + 1 : out;
		/* a name a zone line can hold as it is, and not an address
		 * (RFC 3696 2: a TLD is not all digits) */
		if (len > 0 && strspn(out, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789-_.") == len && strspn(last, "0123456789") <
		    strlen(last))
			return 0;
	}
	fprintf(stderr, "vouch generate %s: --%s: '", cmd, opt);
	cli_put_safe(stderr, arg);
	fprintf(stderr, "' is not a domain name\n");
	return -1;
}

static int
overlay(const char *cmd, const struct cli_dns_opts *o, const char *name,
    const char *strings, struct vouch_dns **out)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_dns *zone = NULL, *base = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if ((f = open_memstream(&text, &len)) == NULL)
		goto nomem;
	gen_zone_line(f, name, strings);
	if (fclose(f) != 0)
		goto nomem;
	rc = vouch_dns_zone_new_text(text, len, NULL, &zone, &err);
	free(text);
	text = NULL;
	if (rc != 0) {
		fprintf(stderr, "vouch generate %s: the record does not make a "
		    "zone: %s\n", cmd, err.msg[0] ? err.msg : vouch_strerror(rc));
		return EXIT_RUNTIME;
	}
	if ((rc = cli_dns_open(o, cmd, &base)) != 0) {
		vouch_dns_free(zone);
		return rc;
	}
	if (vouch_dns_overlay_new(zone, base, out) != 0)
		goto nomem;
	return 0;
nomem:
	free(text);
	fprintf(stderr, "vouch generate %s: out of memory\n", cmd);
	return EXIT_RUNTIME;
}

int
gen_check(const char *cmd, const struct cli_dns_opts *o, const char *domain,
    const char *name, const char *record, struct gen_check *out)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_audit_options ao;
	char msg[CLI_ERR_MAX];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&ao, 0, sizeof(ao));
	if ((out->strings = vouch_audit_txt_strings(record)) == NULL) {
		fprintf(stderr, "vouch generate %s: out of memory\n", cmd);
		return EXIT_RUNTIME;
	}
	if ((rc = overlay(cmd, o, name, out->strings, &out->dns)) != 0)
		goto fail;
	if (vouch_audit_domain(out->dns, domain, &ao, &out->audit,
	    &err) != 0) {
		cli_safe_copy(msg, sizeof(msg), err.msg[0] ? err.msg :
		    "out of memory");
		fprintf(stderr, "vouch generate %s: audit: %s\n", cmd, msg);
		rc = EXIT_RUNTIME;
		goto fail;
	}
	return 0;
fail:
	gen_check_free(out);
	return rc;
}

void
gen_check_free(struct gen_check *g)
{
	vouch_audit_free(g->audit);
	vouch_dns_free(g->dns);
	free(g->strings);
	memset(g, 0, sizeof(*g));
}

size_t
gen_errors(const char *cmd, const struct vouch_audit *a,
    enum vouch_audit_area area, const char *skip)
{
	const struct vouch_audit_finding *f;
	size_t i, n = 0;

	for (i = 0; i < a->nfindings; i++) {
		f = &a->findings[i];
		if (f->area != area || f->severity != VOUCH_AUDIT_ERROR ||
		    (skip != NULL && strcmp(f->code, skip) == 0))
			continue;
		fprintf(stderr, "vouch generate %s: refused: %s: ", cmd,
		    f->code);
		cli_put_safe(stderr, f->message);
		fputc('\n', stderr);
		n++;
	}
	return n;
}

json_t *
gen_findings_json(const struct vouch_audit *a, enum vouch_audit_area area)
{
	const struct vouch_audit_finding *f;
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < a->nfindings; i++) {
		f = &a->findings[i];
		if (f->area != area)
			continue;
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o}",
		    "code", f->code, "severity",
		    vouch_audit_severity_name(f->severity), "message",
		    cli_json_str(f->message), "fix", cli_json_str(f->fix))) !=
		    0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

void
gen_zone_line(FILE *f, const char *name, const char *strings)
{
	fprintf(f, "%s. %d IN TXT %s\n", name, GEN_TTL, strings);
}
