/*
 * authres_tool.c - vouch's Authentication-Results builder and parser for
 * authres_interop.py.  Reads records from standard input, each ended by a
 * NUL byte, and writes one JSON line per record:
 *
 *   authres_tool build   record: authserv-id LF fragment LF fragment...
 *                        {"rc": 0, "value": " id; frag;\r\n\tfrag"}
 *   authres_tool parse   record: one field value
 *                        {"rc": 0, "authserv_id": ..., "version": 1,
 *                         "none": 0, "truncated": 0, "results": [
 *                         {"method", "method_version", "result", "reason",
 *                          "comment", "props": [[ptype, property, value]]}]}
 *
 * rc is 0 or the negative VOUCH_E* code (with "error" for the parser).
 * Strings are JSON-escaped; UTF-8 passes through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/authres.h>

static void
json_str(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
dump_result(const struct vouch_authres_result *r)
{
	size_t k;

	fputs("{\"method\": ", stdout);
	json_str(r->method);
	printf(", \"method_version\": %d, \"result\": ", r->method_version);
	json_str(r->result);
	fputs(", \"reason\": ", stdout);
	json_str(r->reason);
	fputs(", \"comment\": ", stdout);
	json_str(r->comment);
	fputs(", \"props\": [", stdout);
	for (k = 0; k < r->nprops; k++) {
		fputs(k ? ", [" : "[", stdout);
		json_str(r->props[k].ptype);
		fputs(", ", stdout);
		json_str(r->props[k].property);
		fputs(", ", stdout);
		json_str(r->props[k].value);
		putchar(']');
	}
	fputs("]}", stdout);
}

static void
do_parse(const char *rec, size_t len)
{
	struct vouch_authres *ar = NULL;
	struct vouch_error err;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vouch_authres_parse(rec, len, &ar, &err);
	if (rc != 0) {
		printf("{\"rc\": %d, \"error\": ", rc);
		json_str(err.msg);
		puts("}");
		return;
	}
	fputs("{\"rc\": 0, \"authserv_id\": ", stdout);
	json_str(ar->authserv_id);
	printf(", \"version\": %d, \"none\": %d, \"truncated\": %d, "
	    "\"results\": [", ar->version, ar->none, ar->truncated);
	for (i = 0; i < ar->nresults; i++) {
		if (i > 0)
			fputs(", ", stdout);
		dump_result(&ar->results[i]);
	}
	puts("]}");
	vouch_authres_free(ar);
}

static void
do_build(char *rec)
{
	struct vouch_authres_builder *b = NULL;
	char *line, *next, *out = NULL;
	int rc;

	next = strchr(rec, '\n');
	if (next != NULL)
		*next++ = '\0';
	rc = vouch_authres_builder_new(rec, &b);
	for (line = next; rc == 0 && line != NULL && *line != '\0';
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		rc = vouch_authres_builder_add(b, line);
	}
	if (rc == 0)
		rc = vouch_authres_builder_finish(b, &out);
	printf("{\"rc\": %d, \"value\": ", rc);
	json_str(out);
	puts("}");
	free(out);
	vouch_authres_builder_free(b);
}

int
main(int argc, char **argv)
{
	char *buf = NULL;
	size_t cap = 0, len;
	ssize_t n;
	int build;

	if (argc != 2 || (strcmp(argv[1], "build") != 0 &&
	    strcmp(argv[1], "parse") != 0)) {
		fputs("usage: authres_tool build|parse < records\n", stderr);
		return 2;
	}
	build = strcmp(argv[1], "build") == 0;
	while ((n = getdelim(&buf, &cap, '\0', stdin)) > 0) {
		len = (size_t)n;
		if (buf[len - 1] == '\0')
			len--;
		buf[len] = '\0';
		if (build)
			do_build(buf);
		else
			do_parse(buf, len);
	}
	free(buf);
	return 0;
}
