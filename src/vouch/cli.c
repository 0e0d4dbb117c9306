/*
 * cli.c - helpers shared by the subcommands (see cli.h).
 */
#include <errno.h>
#include <stdarg.h>
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

int
cli_bad_option(const char *cmd, const char *arg)
{
	fprintf(stderr, "vouch %s: unknown or incomplete option '", cmd);
	cli_put_safe(stderr, arg);
	fprintf(stderr, "'\n");
	return -1;
}

void
cli_row(const char *name, const char *value)
{
	printf("  %-12s ", name);
	cli_put_safe(stdout, value ? value : "-");
	putchar('\n');
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

void
cli_safe_copy(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (len == 0)
		return;
	for (; s != NULL && *s != '\0' && n + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
}

/* in->err = the name, ": ", then fmt (its arguments already safe). */
static int
msg_error(struct cli_msg_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
msg_error(struct cli_msg_in *in, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	cli_safe_copy(in->err, sizeof(in->err) / 2, in->name);
	n = strlen(in->err);
	n += (size_t)snprintf(in->err + n, sizeof(in->err) - n, ": ");
	va_start(ap, fmt);
	(void)vsnprintf(in->err + n, sizeof(in->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
msg_fill(struct cli_msg_in *in)
{
	size_t n;

	if (in->buf == NULL && (in->buf = malloc(CLI_HEAD_READ)) == NULL)
		return msg_error(in, "out of memory");
	while (in->len < CLI_HEAD_READ) {
		n = fread(in->buf + in->len, 1, CLI_HEAD_READ - in->len, in->f);
		in->len += n;
		if (n == 0)
			break;
	}
	if (ferror(in->f))
		return msg_error(in, "cannot read: %s", strerror(errno));
	return 0;
}

static int
msg_parse(struct cli_msg_in *in)
{
	struct vouch_error err = {0, 0, ""};
	char safe[VOUCH_ERROR_MSG_MAX];
	const char *nl;
	int rc;

	if ((rc = vouch_msg_new(NULL, &in->msg)) != 0)
		return msg_error(in, "%s", vouch_strerror(rc));
	rc = vouch_msg_parse_header(in->msg, in->buf, in->len, &in->body_off,
	    &err);
	if (rc == 0 && in->body_off == in->len && in->len == CLI_HEAD_READ)
		rc = VOUCH_ELIMIT;	/* no end in sight: over the cap */
	if (rc != 0 && err.msg[0] != '\0') {
		cli_safe_copy(safe, sizeof(safe), err.msg);
		return msg_error(in, "malformed header section: %s", safe);
	}
	if (rc == VOUCH_ELIMIT)
		return msg_error(in, "malformed header section: longer than "
		    "%u bytes", VOUCH_MSG_HEADER_MAX);
	if (rc != 0)
		return msg_error(in, "malformed header section: %s",
		    vouch_strerror(rc));
	nl = memchr(in->buf, '\n', in->body_off);
	in->bare_lf = nl != NULL && (nl == in->buf || nl[-1] != '\r');
	return 0;
}

int
cli_msg_load(struct cli_msg_in *in, const char *path)
{
	cli_msg_done(in);
	in->err[0] = '\0';
	if (path == NULL || strcmp(path, "-") == 0) {
		in->f = stdin;
		in->name = "standard input";
	} else {
		in->name = path;
		if ((in->f = fopen(path, "rb")) == NULL)
			return msg_error(in, "cannot open: %s",
			    strerror(errno));
	}
	if (msg_fill(in) != 0 || msg_parse(in) != 0) {
		cli_msg_done(in);
		return -1;
	}
	return 0;
}

int
cli_msg_stream(struct cli_msg_in *in, cli_body_fn *fn, void *ctx)
{
	size_t n;
	int rc = 0;

	if (in->len > in->body_off)
		rc = fn(ctx, in->buf + in->body_off, in->len - in->body_off);
	if (rc == 0 && in->chunk == NULL &&
	    (in->chunk = malloc(CLI_BODY_CHUNK)) == NULL)
		rc = VOUCH_ENOMEM;
	while (rc == 0 && !feof(in->f) && !ferror(in->f) &&
	    (n = fread(in->chunk, 1, CLI_BODY_CHUNK, in->f)) > 0)
		rc = fn(ctx, in->chunk, n);
	if (rc != 0)
		return msg_error(in, "%s", vouch_strerror(rc));
	if (ferror(in->f))
		return msg_error(in, "cannot read: %s", strerror(errno));
	return 0;
}

int
cli_msg_has_separator(const struct cli_msg_in *in)
{
	const char *b = in->buf;
	size_t n = in->body_off;

	if (n < in->len || (n >= 1 && b[0] == '\n') ||
	    (n >= 2 && b[0] == '\r' && b[1] == '\n'))
		return 1;
	return n >= 2 && b[n - 1] == '\n' && (b[n - 2] == '\n' ||
	    (n >= 3 && b[n - 2] == '\r' && b[n - 3] == '\n'));
}

void
cli_msg_done(struct cli_msg_in *in)
{
	if (in->f != NULL && in->f != stdin)
		fclose(in->f);
	in->f = NULL;
	vouch_msg_free(in->msg);
	in->msg = NULL;
	in->len = in->body_off = 0;
	in->bare_lf = 0;
}

void
cli_msg_close(struct cli_msg_in *in)
{
	cli_msg_done(in);
	free(in->buf);
	free(in->chunk);
	memset(in, 0, sizeof(*in));
}

int
cli_msg_read(const char *path, const char *cmd, struct cli_msg_in *in)
{
	memset(in, 0, sizeof(*in));
	if (cli_msg_load(in, path) != 0) {
		fprintf(stderr, "vouch %s: %s\n", cmd, in->err);
		cli_msg_close(in);
		return EXIT_USAGE;
	}
	return 0;
}

int
cli_msg_body(struct cli_msg_in *in, const char *cmd, cli_body_fn *fn,
    void *ctx)
{
	if (cli_msg_stream(in, fn, ctx) != 0) {
		fprintf(stderr, "vouch %s: %s\n", cmd, in->err);
		return EXIT_USAGE;
	}
	return 0;
}

/* The domain of a MAIL FROM or HELO in A-labels; a name that is not a
 * host name is kept as given, since SPF has a rule for it (RFC 7208 4.3:
 * "none"), and so is an address literal. */
static int
address_domain(const char *dom, char *out, size_t outlen)
{
	size_t n = strlen(dom);
	int rc;

	rc = vouch_domain_to_alabel(dom, n, out, outlen);
	if (rc == VOUCH_ESYNTAX && dom[0] != '\0') {
		if (n >= outlen)
			return VOUCH_ELIMIT;
		memcpy(out, dom, n + 1);
		rc = 0;
	}
	return rc;
}

int
cli_address(const char *in, int bare_domain, char *out, size_t outlen,
    char *why, size_t whylen)
{
	const char *at = bare_domain ? NULL : strrchr(in, '@');
	const char *dom = at ? at + 1 : in;
	size_t i, ll = at ? (size_t)(at - in) : 0;
	char safe[512];

	cli_safe_copy(safe, sizeof(safe), in);
	for (i = 0; in[i] != '\0'; i++)
		if ((unsigned char)in[i] <= 0x20 || in[i] == 0x7f) {
			snprintf(why, whylen, "'%s' contains a space or "
			    "control byte", safe);
			return -1;
		}
	if (ll + 1 >= outlen) {
		snprintf(why, whylen, "the address is too long");
		return -1;
	}
	memcpy(out, in, ll);
	if (at)
		out[ll++] = '@';
	if (dom[0] == '\0' || address_domain(dom, out + ll, outlen - ll) != 0) {
		snprintf(why, whylen, "'%s' has no usable domain", safe);
		return -1;
	}
	return 0;
}

int
cli_number(const char *cmd, const char *opt, const char *arg, long long min,
    long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(stderr, "vouch %s: --%s: '", cmd, opt);
		cli_put_safe(stderr, arg);
		fprintf(stderr, "' is not a number from %lld to %lld\n", min,
		    max);
		return -1;
	}
	*out = v;
	return 0;
}
