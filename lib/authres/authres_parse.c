/*
 * authres_parse.c - one Authentication-Results field value read with the
 * RFC 8601 section 2.2 grammar:
 *
 *   [CFWS] authserv-id [CFWS authres-version] (";" "none" / 1*resinfo)
 *   resinfo = ";" method[/version] "=" result [reason=value] *propspec
 *   propspec = ptype "." property "=" pvalue
 *
 * with CFWS wherever the grammar puts it (authres_lex.c).  Names (method,
 * result, ptype, property) are RFC 5321 Keywords and come back lower
 * case; values keep their case, with quotes and quoted-pairs removed.
 * A result's comment is the first comment in the CFWS right after the
 * result word (RFC 8601 B.5 "dkim=pass (good signature)"); comments
 * elsewhere (B.7) belong to other tokens and are skipped.
 *
 * A pvalue is a quoted-string, a quoted local-part "@" domain (returned
 * with its quotes, as an addr-spec), or a bare run of atext, "." and "@"
 * (the union of RFC 2045 token, dot-atom local-part and domain-name, as
 * real fields write DKIM header.b= with "/" and "+").  A bare run with an
 * "@" must be [dot-atom] "@" dot-atom, with one "@" only.
 *
 * A value that breaks the grammar anywhere is VOUCH_ESYNTAX as a whole,
 * with no result returned.  RFC 8601 2.6 lets a reader stop at what it
 * does not understand and 7.8 asks for robustness against malformed
 * fields; skipping a broken resinfo and keeping the rest would let two
 * readers see different results in one field (one sees a quoted ";",
 * the other a new result), so a broken field is never half-believed.
 * Results past VOUCH_AUTHRES_RESULTS_MAX set truncated and are not kept,
 * but are still checked: a syntax error anywhere fails the whole field.
 * Properties past VOUCH_AUTHRES_PROPS_MAX in one result are checked and
 * skipped.  An authres-version other than 1 is returned as read: RFC 8601
 * 5 tells callers to ignore (and remove) versions they do not support.
 */
#include <limits.h>
#include <string.h>

#include "authres/authres_int.h"

struct ar_parse {
	struct ar_cur c;
	struct vouch_authres *ar;
	struct vouch_authres_result *res;	/* ar->results, growing */
	size_t rcap;
	struct vouch_authres_prop *props;	/* the current result's */
	size_t pcap;
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* "@" and "." besides atext: see the header comment. */
#define PCHAR (VOUCH__C_ATEXT | VOUCH__C_HIGH | VOUCH__C_DOT | VOUCH__C_AT)
#define DOMCHAR (VOUCH__C_ATEXT | VOUCH__C_HIGH | VOUCH__C_DOT)

/* 1*DIGIT, saturating at INT_MAX (an unknown version either way). */
static int
digits(struct ar_cur *c, const char *what, int *v)
{
	size_t n = vouch__ar_span(c, VOUCH__C_DIGIT), i;

	if (n == 0)
		return vouch__ar_fail(c, what);
	*v = 0;
	for (i = 0; i < n; i++) {
		int d = c->s[c->pos + i] - '0';

		*v = *v > (INT_MAX - d) / 10 ? INT_MAX : *v * 10 + d;
	}
	c->pos += n;
	return vouch__ar_cfws(c, NULL);
}

static int
expect(struct ar_cur *c, int ch, const char *what)
{
	if (vouch__ar_peek(c) != ch)
		return vouch__ar_fail(c, what);
	c->pos++;
	return vouch__ar_cfws(c, NULL);
}

/* [CFWS] authserv-id [CFWS authres-version], up to the first ";". */
static int
parse_head(struct ar_parse *p)
{
	struct ar_cur *c = &p->c;
	size_t at;
	int rc;

	if ((rc = vouch__ar_cfws(c, NULL)) != 0)
		return rc;
	at = c->pos;
	if ((rc = vouch__ar_value(c, "an authserv-id", &p->ar->authserv_id)) !=
	    0)
		return rc;
	if (p->ar->authserv_id[0] == '\0')
		return vouch__error(c->err, VOUCH_ESYNTAX, 0,
		    "Authentication-Results: empty authserv-id at offset %zu",
		    at);
	if ((rc = vouch__ar_cfws(c, NULL)) != 0)
		return rc;
	p->ar->version = 1;
	if (is_digit(vouch__ar_peek(c)) &&
	    (rc = digits(c, "an authres-version", &p->ar->version)) != 0)
		return rc;
	return vouch__ar_peek(c) == ';' ? 0 :
	    vouch__ar_fail(c, "';' after the authserv-id");
}

/* After a quoted local-part, at "@": the addr-spec "local"@domain. */
static int
quoted_addr(struct ar_cur *c, const char *local, const char **out)
{
	size_t n, ll = strlen(local), i;
	const char *dom;
	char *v, *w;

	c->pos++;
	n = vouch__ar_span(c, DOMCHAR);
	dom = c->s + c->pos;
	if (!vouch__ar_dot_atom(dom, n))
		return vouch__ar_fail(c, "a domain after '@'");
	if ((v = vouch__arena_alloc(c->arena, 2 * ll + n + 4)) == NULL)
		return VOUCH_ENOMEM;
	w = v;
	*w++ = '"';
	for (i = 0; i < ll; i++) {
		if (local[i] == '"' || local[i] == '\\')
			*w++ = '\\';
		*w++ = local[i];
	}
	*w++ = '"';
	*w++ = '@';
	memcpy(w, dom, n);
	w[n] = '\0';
	c->pos += n;
	*out = v;
	return 0;
}

/* A bare pvalue: a token, or [dot-atom] "@" dot-atom. */
static int
bare_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t ll;

	if (at == NULL)
		return 1;
	ll = (size_t)(at - s);
	if (memchr(at + 1, '@', n - ll - 1) != NULL)
		return 0;
	return (ll == 0 || vouch__ar_dot_atom(s, ll)) &&
	    vouch__ar_dot_atom(at + 1, n - ll - 1);
}

/* pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS] */
static int
parse_pvalue(struct ar_cur *c, const char **out)
{
	size_t n;
	int rc;

	if ((rc = vouch__ar_cfws(c, NULL)) != 0)
		return rc;
	if (vouch__ar_peek(c) == '"') {
		if ((rc = vouch__ar_qstring(c, out)) == 0 &&
		    vouch__ar_peek(c) == '@')
			rc = quoted_addr(c, *out, out);
	} else {
		if ((n = vouch__ar_span(c, PCHAR)) == 0)
			return vouch__ar_fail(c, "a property value");
		if (!bare_ok(c->s + c->pos, n))
			return vouch__error(c->err, VOUCH_ESYNTAX, 0,
			    "Authentication-Results: property value at offset "
			    "%zu is neither a token nor [local-part]@domain",
			    c->pos);
		if ((*out = vouch__arena_strndup(c->arena, c->s + c->pos,
		    n)) == NULL)
			return VOUCH_ENOMEM;
		c->pos += n;
	}
	return rc ? rc : vouch__ar_cfws(c, NULL);
}

/* After ptype [CFWS]: "." [CFWS] property [CFWS] "=" pvalue. */
static int
parse_prop(struct ar_parse *p, struct vouch_authres_result *r,
    const char *ptype)
{
	struct ar_cur *c = &p->c;
	struct vouch_authres_prop pr;
	int rc;

	pr.ptype = ptype;
	if ((rc = expect(c, '.', "'.' after the property type")) != 0 ||
	    (rc = vouch__ar_keyword(c, "a property name", &pr.property)) !=
	    0 || (rc = vouch__ar_cfws(c, NULL)) != 0 ||
	    (rc = expect(c, '=', "'=' after the property name")) != 0 ||
	    (rc = parse_pvalue(c, &pr.value)) != 0)
		return rc;
	if (r->nprops >= VOUCH_AUTHRES_PROPS_MAX)
		return 0;	/* checked, not kept */
	if ((p->props = vouch__ar_grow(c->arena, p->props, r->nprops,
	    &p->pcap, sizeof(*p->props))) == NULL)
		return VOUCH_ENOMEM;
	p->props[r->nprops++] = pr;
	r->props = p->props;
	return 0;
}

/* [CFWS reasonspec] [CFWS 1*propspec], up to ";" or the end. */
static int
parse_tail(struct ar_parse *p, struct vouch_authres_result *r)
{
	struct ar_cur *c = &p->c;
	const char *word;
	size_t at;
	int rc, ch;

	p->props = NULL;
	p->pcap = 0;
	while ((ch = vouch__ar_peek(c)) >= 0 && ch != ';') {
		at = c->pos;
		if ((rc = vouch__ar_keyword(c, "reason= or a property type",
		    &word)) != 0 || (rc = vouch__ar_cfws(c, NULL)) != 0)
			return rc;
		if (strcmp(word, "reason") != 0 || vouch__ar_peek(c) != '=') {
			rc = parse_prop(p, r, word);
		} else if (r->reason != NULL || r->nprops > 0) {
			return vouch__error(c->err, VOUCH_ESYNTAX, 0,
			    "Authentication-Results: reason= at offset %zu "
			    "after a reason or a property", at);
		} else if ((rc = expect(c, '=', "'='")) == 0 &&
		    (rc = vouch__ar_value(c, "a reason value", &r->reason)) ==
		    0) {
			rc = vouch__ar_cfws(c, NULL);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* After the method and CFWS: ["/" version] "=" result [comment]. */
static int
parse_methodspec(struct ar_cur *c, struct vouch_authres_result *r)
{
	int rc;

	if (vouch__ar_peek(c) == '/') {
		c->pos++;
		if ((rc = vouch__ar_cfws(c, NULL)) != 0 ||
		    (rc = digits(c, "a method version", &r->method_version)) !=
		    0)
			return rc;
	}
	if ((rc = expect(c, '=', "'=' after the method")) != 0 ||
	    (rc = vouch__ar_keyword(c, "a result", &r->result)) != 0)
		return rc;
	return vouch__ar_cfws(c, &r->comment);
}

/* Where the next result goes: the array, or scratch past the cap. */
static int
next_result(struct ar_parse *p, struct vouch_authres_result *scratch,
    struct vouch_authres_result **r)
{
	if (p->ar->nresults >= VOUCH_AUTHRES_RESULTS_MAX) {
		p->ar->truncated = 1;
		*r = scratch;
	} else {
		if ((p->res = vouch__ar_grow(p->c.arena, p->res,
		    p->ar->nresults, &p->rcap, sizeof(*p->res))) == NULL)
			return VOUCH_ENOMEM;
		*r = &p->res[p->ar->nresults];
	}
	memset(*r, 0, sizeof(**r));
	return 0;
}

/* After ";" [CFWS]: "none" (only when alone) or one resinfo. */
static int
parse_resinfo(struct ar_parse *p, int first)
{
	struct vouch_authres_result scratch, *r;
	struct ar_cur *c = &p->c;
	const char *method;
	size_t at = c->pos;
	int rc;

	if ((rc = vouch__ar_keyword(c, "a method", &method)) != 0 ||
	    (rc = vouch__ar_cfws(c, NULL)) != 0)
		return rc;
	if (strcmp(method, "none") == 0 && vouch__ar_peek(c) != '=' &&
	    vouch__ar_peek(c) != '/') {
		if (!first || vouch__ar_peek(c) >= 0)
			return vouch__error(c->err, VOUCH_ESYNTAX, 0,
			    "Authentication-Results: \"none\" at offset %zu "
			    "is not the only result", at);
		p->ar->none = 1;
		return 0;
	}
	if ((rc = next_result(p, &scratch, &r)) != 0)
		return rc;
	r->method = method;
	if ((rc = parse_methodspec(c, r)) != 0 ||
	    (rc = parse_tail(p, r)) != 0)
		return rc;
	if (r != &scratch)
		p->ar->nresults++;
	return 0;
}

static int
parse_results(struct ar_parse *p)
{
	struct ar_cur *c = &p->c;
	int rc, first = 1;

	while (vouch__ar_peek(c) == ';') {
		c->pos++;
		if ((rc = vouch__ar_cfws(c, NULL)) != 0 ||
		    (rc = parse_resinfo(p, first)) != 0)
			return rc;
		first = 0;
	}
	if (vouch__ar_peek(c) >= 0)
		return vouch__ar_fail(c, "';' or the end of the field");
	p->ar->results = p->res;
	return 0;
}

/* Common checks; *len loses one final line end (the grammar's CRLF). */
static int
check_input(const char *value, size_t *len, struct vouch_error *err)
{
	if (*len > VOUCH_MSG_FIELD_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "Authentication-"
		    "Results: value of %zu octets is over the %u limit", *len,
		    VOUCH_MSG_FIELD_MAX);
	if (*len > 0 && value[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && value[*len - 1] == '\r')
		(*len)--;
	if (*len > 0 && (value[*len - 1] == '\n' || value[*len - 1] == '\r'))
		return vouch__error(err, VOUCH_ESYNTAX, 0, "Authentication-"
		    "Results: line end not followed by white space at offset "
		    "%zu", *len - 1);
	return vouch__check_field_bytes(value, *len, err);
}

int
vouch_authres_parse(const char *value, size_t len, struct vouch_authres **out,
    struct vouch_error *err)
{
	struct vouch__arena arena;
	struct ar_parse p;
	struct ar_doc *doc;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (value == NULL || out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0,
		    "vouch_authres_parse: NULL argument");
	if ((rc = check_input(value, &len, err)) != 0)
		return rc;
	vouch__arena_init(&arena, 0);
	if ((doc = vouch__arena_alloc(&arena, sizeof(*doc))) == NULL)
		return VOUCH_ENOMEM;
	memset(doc, 0, sizeof(*doc));
	memset(&p, 0, sizeof(p));
	p.c.s = value;
	p.c.len = len;
	p.c.arena = &arena;
	p.c.err = err;
	p.ar = &doc->pub;
	if ((rc = parse_head(&p)) != 0 || (rc = parse_results(&p)) != 0) {
		vouch__arena_free(&arena);
		return rc;
	}
	doc->arena = arena;
	*out = &doc->pub;
	return 0;
}

void
vouch_authres_free(struct vouch_authres *ar)
{
	struct vouch__arena arena;

	if (ar == NULL)
		return;
	arena = ((struct ar_doc *)ar)->arena;
	vouch__arena_free(&arena);
}

int
vouch__ar_check_resinfo(const char *frag, size_t len, struct vouch__arena *a,
    struct vouch_error *err)
{
	struct vouch_authres ar;
	struct ar_parse p;
	int rc;

	if ((rc = check_input(frag, &len, err)) != 0)
		return rc;
	memset(&ar, 0, sizeof(ar));
	memset(&p, 0, sizeof(p));
	p.c.s = frag;
	p.c.len = len;
	p.c.arena = a;
	p.c.err = err;
	p.ar = &ar;
	if ((rc = vouch__ar_cfws(&p.c, NULL)) == 0 &&
	    (rc = parse_resinfo(&p, 0)) == 0 && vouch__ar_peek(&p.c) >= 0)
		rc = vouch__ar_fail(&p.c, "the end of the result");
	return rc;
}
