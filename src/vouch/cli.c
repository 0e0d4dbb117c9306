/*
 * cli.c - helpers shared by the subcommands (see cli.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cli_dns_option(struct cli_dns_opts *o, const char *cmd, const char *name,
    const char *arg)
{
	const char **slot = NULL;

	if (strcmp(name, "dns-zone") == 0)
		slot = &o->zone;
	else if (strcmp(name, "dns-overlay") == 0)
		slot = &o->overlay;
	else if (strcmp(name, "dns-server") == 0)
		slot = &o->server;
	else if (strcmp(name, "dns-timeout") == 0) {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*arg == '\0' || *end != '\0' || v == 0 || v > 600000) {
			fprintf(stderr, "vouch %s: --dns-timeout: '%s' is not "
			    "a number of milliseconds (1 to 600000)\n", cmd,
			    arg);
			return -1;
		}
		o->timeout_ms = (unsigned)v;
		return 1;
	} else
		return 0;
	if ((o->zone || o->overlay || o->server) && *slot == NULL) {
		fprintf(stderr, "vouch %s: --dns-zone, --dns-overlay and "
		    "--dns-server exclude each other\n", cmd);
		return -1;
	}
	*slot = arg;
	return 1;
}

int
cli_dns_open(const struct cli_dns_opts *o, const char *cmd,
    struct vouch_dns **out)
{
	struct vouch_dns_unbound_opts uo;
	struct vouch_error err = {0, 0, ""};
	struct vouch_dns *zone = NULL, *real = NULL;
	int rc;

	*out = NULL;
	memset(&uo, 0, sizeof(uo));
	uo.timeout_ms = o->timeout_ms;
	if (o->zone || o->overlay) {
		rc = vouch_dns_zone_new_file(o->zone ? o->zone : o->overlay,
		    &zone, &err);
		if (rc != 0) {
			fprintf(stderr, "vouch %s: %s\n", cmd, err.msg[0] ?
			    err.msg : vouch_strerror(rc));
			return EXIT_RUNTIME;
		}
		if (o->zone) {
			*out = zone;
			return 0;
		}
	}
	uo.forwarder = o->server;
	rc = vouch_dns_unbound_new(&uo, &real, &err);
	if (rc != 0) {
		vouch_dns_free(zone);
		fprintf(stderr, "vouch %s: DNS resolver: %s\n", cmd,
		    err.msg[0] ? err.msg : vouch_strerror(rc));
		return rc == VOUCH_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (zone == NULL) {
		*out = real;
		return 0;
	}
	if (vouch_dns_overlay_new(zone, real, out) != 0) {
		fprintf(stderr, "vouch %s: out of memory\n", cmd);
		return EXIT_RUNTIME;
	}
	return 0;
}

int
cli_json_print(json_t *v)
{
	int rc;

	if (v == NULL) {
		fprintf(stderr, "vouch: out of memory\n");
		return EXIT_RUNTIME;
	}
	rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(v);
	fputc('\n', stdout);
	return rc == 0 ? 0 : EXIT_RUNTIME;
}

json_t *
cli_json_str(const char *s)
{
	json_t *v;
	char *esc;
	size_t i, n;

	if (s == NULL)
		return json_null();
	v = json_string(s);
	if (v != NULL)
		return v;
	/* Not UTF-8: show each byte >= 0x80 as \xNN, keep the rest. */
	n = strlen(s);
	esc = malloc(n * 4 + 1);
	if (esc == NULL)
		return NULL;
	for (i = 0, n = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			n += (size_t)snprintf(esc + n, 5, "\\x%02x", c);
		else
			esc[n++] = (char)c;
	}
	esc[n] = '\0';
	v = json_string(esc);
	free(esc);
	return v;
}

void
cli_put_safe(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}
