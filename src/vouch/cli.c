/*
 * cli.c - helpers shared by the subcommands (see cli.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The first read: a whole header section at its cap, with room for the
 * empty line that ends it and the start of the body. */
#define CLI_HEAD_READ (VOUCH_MSG_HEADER_MAX + 4096)
#define CLI_BODY_CHUNK (64u * 1024u)

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

static int
msg_fill(struct cli_msg_in *in, const char *cmd)
{
	size_t n;

	in->buf = malloc(CLI_HEAD_READ);
	if (in->buf == NULL) {
		fprintf(stderr, "vouch %s: out of memory\n", cmd);
		return -1;
	}
	while (in->len < CLI_HEAD_READ) {
		n = fread(in->buf + in->len, 1, CLI_HEAD_READ - in->len, in->f);
		in->len += n;
		if (n == 0)
			break;
	}
	if (ferror(in->f)) {
		fprintf(stderr, "vouch %s: %s: cannot read: %s\n", cmd,
		    in->name, strerror(errno));
		return -1;
	}
	return 0;
}

static int
msg_parse(struct cli_msg_in *in, const char *cmd)
{
	struct vouch_error err = {0, 0, ""};
	const char *nl;
	int rc;

	if ((rc = vouch_msg_new(NULL, &in->msg)) != 0) {
		fprintf(stderr, "vouch %s: %s\n", cmd, vouch_strerror(rc));
		return -1;
	}
	rc = vouch_msg_parse_header(in->msg, in->buf, in->len, &in->body_off,
	    &err);
	if (rc == 0 && in->body_off == in->len && in->len == CLI_HEAD_READ)
		rc = VOUCH_ELIMIT;	/* no end in sight: over the cap */
	if (rc != 0) {
		fprintf(stderr, "vouch %s: %s: malformed header section: ", cmd,
		    in->name);
		if (err.msg[0] != '\0')
			cli_put_safe(stderr, err.msg);
		else if (rc == VOUCH_ELIMIT)
			fprintf(stderr, "longer than %u bytes",
			    VOUCH_MSG_HEADER_MAX);
		else
			fputs(vouch_strerror(rc), stderr);
		fputc('\n', stderr);
		return -1;
	}
	nl = memchr(in->buf, '\n', in->body_off);
	in->bare_lf = nl != NULL && (nl == in->buf || nl[-1] != '\r');
	return 0;
}

int
cli_msg_read(const char *path, const char *cmd, struct cli_msg_in *in)
{
	memset(in, 0, sizeof(*in));
	if (path == NULL || strcmp(path, "-") == 0) {
		in->f = stdin;
		in->name = "standard input";
	} else {
		in->name = path;
		if ((in->f = fopen(path, "rb")) == NULL) {
			fprintf(stderr, "vouch %s: %s: cannot open: %s\n", cmd,
			    path, strerror(errno));
			return EXIT_USAGE;
		}
	}
	if (msg_fill(in, cmd) != 0 || msg_parse(in, cmd) != 0) {
		cli_msg_close(in);
		return EXIT_USAGE;
	}
	return 0;
}

int
cli_msg_body(struct cli_msg_in *in, const char *cmd, cli_body_fn *fn,
    void *ctx)
{
	char *chunk;
	size_t n;
	int rc = 0;

	if (in->len > in->body_off)
		rc = fn(ctx, in->buf + in->body_off, in->len - in->body_off);
	if (rc == 0 && (chunk = malloc(CLI_BODY_CHUNK)) != NULL) {
		while (rc == 0 && !feof(in->f) && !ferror(in->f) &&
		    (n = fread(chunk, 1, CLI_BODY_CHUNK, in->f)) > 0)
			rc = fn(ctx, chunk, n);
		free(chunk);
	} else if (rc == 0)
		rc = VOUCH_ENOMEM;
	if (rc != 0) {
		fprintf(stderr, "vouch %s: %s: %s\n", cmd, in->name,
		    vouch_strerror(rc));
		return EXIT_USAGE;
	}
	if (ferror(in->f)) {
		fprintf(stderr, "vouch %s: %s: cannot read: %s\n", cmd,
		    in->name, strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

void
cli_msg_close(struct cli_msg_in *in)
{
	if (in->f != NULL && in->f != stdin)
		fclose(in->f);
	vouch_msg_free(in->msg);
	free(in->buf);
	memset(in, 0, sizeof(*in));
}
