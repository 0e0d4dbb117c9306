/*
 * fuzz_authres.c - the bytes as an Authentication-Results field value
 * (RFC 8601 2.2).  Parsing must not crash, and a refusal must say what
 * was expected without a line end in the message.  When parsing
 * succeeds, each result is written back as a fragment (the small
 * serializer below quotes every value that is not a plain RFC 2045
 * token and escapes comments), the builder must take every fragment, and
 * its field value must parse to the same methods, versions, results,
 * reasons, comments and properties.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/authres.h>

#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
plain(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return 0;
	return 1;
}

static int
put_escaped(struct vouch__buf *b, const char *s, const char *esc)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		if (strchr(esc, *s) != NULL)
			rc = vouch__buf_putc(b, '\\');
		if (rc == 0)
			rc = vouch__buf_putc(b, *s);
	}
	return rc;
}

static int
put_value(struct vouch__buf *b, const char *s)
{
	int rc;

	if (plain(s))
		return vouch__buf_puts(b, s);
	if ((rc = vouch__buf_putc(b, '"')) == 0 &&
	    (rc = put_escaped(b, s, "\"\\")) == 0)
		rc = vouch__buf_putc(b, '"');
	return rc;
}

/* One resinfo as a fragment; non-zero only when the buffer is full. */
static int
serialize(struct vouch__buf *b, const struct vouch_authres_result *r)
{
	size_t k;
	int rc;

	vouch__buf_reset(b);
	rc = vouch__buf_printf(b, "%s", r->method);
	if (rc == 0 && r->method_version > 0)
		rc = vouch__buf_printf(b, "/%d", r->method_version);
	if (rc == 0)
		rc = vouch__buf_printf(b, "=%s", r->result);
	if (rc == 0 && r->comment != NULL && (rc = vouch__buf_puts(b,
	    " (")) == 0 && (rc = put_escaped(b, r->comment, "()\\")) == 0)
		rc = vouch__buf_putc(b, ')');
	if (rc == 0 && r->reason != NULL &&
	    (rc = vouch__buf_puts(b, " reason=")) == 0)
		rc = put_value(b, r->reason);
	for (k = 0; rc == 0 && k < r->nprops; k++)
		if ((rc = vouch__buf_printf(b, " %s.%s=", r->props[k].ptype,
		    r->props[k].property)) == 0)
			rc = put_value(b, r->props[k].value);
	return rc;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static void
compare(const struct vouch_authres *a, const struct vouch_authres *b)
{
	const struct vouch_authres_result *x, *y;
	size_t i, k;

	if (a->nresults != b->nresults || a->none != b->none ||
	    b->truncated || b->version != 1)
		abort();
	for (i = 0; i < a->nresults; i++) {
		x = &a->results[i];
		y = &b->results[i];
		if (!same_str(x->method, y->method) ||
		    x->method_version != y->method_version ||
		    !same_str(x->result, y->result) ||
		    !same_str(x->reason, y->reason) ||
		    !same_str(x->comment, y->comment) || x->nprops != y->nprops)
			abort();
		for (k = 0; k < x->nprops; k++)
			if (!same_str(x->props[k].ptype, y->props[k].ptype) ||
			    !same_str(x->props[k].property,
			    y->props[k].property) ||
			    !same_str(x->props[k].value, y->props[k].value))
				abort();
	}
}

/* Rebuild ar with the builder and read the result back. */
static void
rebuild(const struct vouch_authres *ar)
{
	struct vouch_authres_builder *bld = NULL;
	struct vouch_authres *again = NULL;
	struct vouch__buf b;
	char *out = NULL;
	size_t i;
	int rc, own = vouch_authres_builder_new(ar->authserv_id, &bld) == 0;

	if (!own && vouch_authres_builder_new("fuzz.example", &bld) != 0)
		abort();
	vouch__buf_init(&b, 2 * VOUCH_MSG_FIELD_MAX);
	for (i = 0, rc = 0; rc == 0 && i < ar->nresults; i++) {
		if (serialize(&b, &ar->results[i]) != 0)
			abort();
		rc = vouch_authres_builder_add(bld, b.data);
	}
	if (rc == 0)
		rc = vouch_authres_builder_finish(bld, &out);
	if (rc != 0 && rc != VOUCH_ELIMIT)
		abort();	/* a fragment we wrote was refused */
	if (rc == 0) {
		if (vouch_authres_parse(out, strlen(out), &again, NULL) != 0)
			abort();
		compare(ar, again);
		if (own && strcmp(ar->authserv_id, again->authserv_id) != 0)
			abort();
	}
	vouch_authres_free(again);
	free(out);
	vouch__buf_free(&b);
	vouch_authres_builder_free(bld);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_authres *ar = NULL;
	struct vouch_error err;
	int rc, lrc, no_id;

	memset(&err, 0, sizeof(err));
	rc = vouch_authres_parse((const char *)data, size, &ar, &err);
	if (rc == 0) {
		if (ar->nresults > VOUCH_AUTHRES_RESULTS_MAX ||
		    (ar->none && ar->nresults > 0) ||
		    ar->authserv_id[0] == '\0')
			abort();
		rebuild(ar);
	} else if (ar != NULL || (rc != VOUCH_ESYNTAX &&
	    rc != VOUCH_ELIMIT) || (rc == VOUCH_ELIMIT &&
	    size <= VOUCH_MSG_FIELD_MAX) || err.msg[0] == '\0' ||
	    strpbrk(err.msg, "\r\n") != NULL) {
		abort();
	}
	vouch_authres_free(ar);
	/* the lenient reading: what the strict one reads, it reads alike
	   (no placeholder id); the rest it reads or refuses, never both */
	ar = NULL;
	lrc = vouch_authres_parse_lenient((const char *)data, size, &ar,
	    &no_id, NULL);
	if ((lrc == 0) != (ar != NULL) || (rc == 0 && (lrc != 0 || no_id)) ||
	    (lrc != 0 && no_id))
		abort();
	vouch_authres_free(ar);
	return 0;
}
