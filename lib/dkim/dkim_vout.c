/*
 * dkim_vout.c - how the verifier's results are written for others: the
 * header.b prefix of each signature (RFC 6008: at least 8 characters of
 * b=, more when two signatures would otherwise share it) and the
 * Authentication-Results fragment (RFC 8601 2.7.1).
 */
#include <string.h>

#include "dkim/dkim_vint.h"

#define HEADER_B_MIN 8
#define AR_MAX 4096

/* The shortest prefix of b (at least 8) no other signature shares. */
static size_t
unique_prefix(const struct vouch_dkim_verify *v, size_t self)
{
	const char *b = v->sig[self].sig.b_text, *o;
	size_t i, n = HEADER_B_MIN, common, blen = strlen(b);

	for (i = 0; i < v->nsig; i++) {
		o = v->sig[i].sig.b_text;
		if (i == self || o == NULL)
			continue;
		for (common = 0; b[common] != '\0' && b[common] == o[common];
		    common++)
			;
		if (common + 1 > n)
			n = common + 1;
	}
	return n < blen ? n : blen;
}

static int
put_prop(struct vouch__buf *b, const char *name, const char *value)
{
	int rc;

	if (value == NULL || *value == '\0')
		return 0;
	if ((rc = vouch__buf_putc(b, ' ')) != 0 ||
	    (rc = vouch__buf_puts(b, name)) != 0 ||
	    (rc = vouch__buf_putc(b, '=')) != 0)
		return rc;
	return strcmp(name, "header.i") == 0 ? vouch__hdr_pvalue(b, value) :
	    vouch__hdr_value(b, value);
}

static int
fragment(struct vouch_dkim_verify *v, struct dkim_vsig *s)
{
	struct vouch__buf b;
	int rc;

	vouch__buf_init(&b, AR_MAX);
	if ((rc = vouch__buf_puts(&b, "dkim=")) == 0 &&
	    (rc = vouch__buf_puts(&b, vouch_dkim_result_name(
	    s->pub.result))) == 0 &&
	    (rc = vouch__buf_puts(&b, " (")) == 0 &&
	    (rc = vouch__hdr_comment(&b, s->pub.reason)) == 0 &&
	    (rc = vouch__buf_putc(&b, ')')) == 0 &&
	    (rc = put_prop(&b, "header.d", s->pub.domain)) == 0 &&
	    (rc = put_prop(&b, "header.i", s->pub.auid)) == 0 &&
	    (rc = put_prop(&b, "header.s", s->pub.selector)) == 0 &&
	    (rc = put_prop(&b, "header.a", s->pub.algorithm)) == 0)
		rc = put_prop(&b, "header.b", s->pub.header_b);
	if (rc == VOUCH_ELIMIT) {
		/* Absurd tag values: keep the result, drop the rest. */
		vouch__buf_reset(&b);
		rc = vouch__buf_printf(&b, "dkim=%s",
		    vouch_dkim_result_name(s->pub.result));
	}
	if (rc == 0 && (s->pub.authres = vouch__arena_strdup(&v->arena,
	    b.data)) == NULL)
		rc = VOUCH_ENOMEM;
	vouch__buf_free(&b);
	return rc;
}

int
vouch__dkim_authres(struct vouch_dkim_verify *v)
{
	struct dkim_vsig *s;
	size_t i;
	int rc;

	for (i = 0; i < v->nsig; i++) {
		s = &v->sig[i];
		if (s->sig.b_text != NULL && (s->pub.header_b =
		    vouch__arena_strndup(&v->arena, s->sig.b_text,
		    unique_prefix(v, i))) == NULL)
			return VOUCH_ENOMEM;
		if ((rc = fragment(v, s)) != 0)
			return rc;
	}
	return 0;
}
