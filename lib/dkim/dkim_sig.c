/*
 * dkim_sig.c - the DKIM-Signature header field value (RFC 6376 3.5;
 * RFC 8463 3 for ed25519-sha256).  Any violation is VOUCH_ESYNTAX with a
 * reason naming the tag and the rule; SECURITY.md makes such a signature
 * "neutral".  Policy (rsa-sha1 refused, l= shorter than the body, clock
 * checks) is the verifier's business, not this parser's.
 */
#include <stdio.h>
#include <string.h>

#include "dkim/dkim_canon.h"
#include "dkim/dkim_tags.h"

#define SIG "DKIM-Signature: "

#define IS_ALNUM(c) (((c) >= 'A' && (c) <= 'Z') || \
	((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && (c) <= '9'))

/*
 * Domain names and selectors (3.5 d= s=, RFC 5321 4.1.2 sub-domain):
 * dot-separated labels of 1 to 63 letters, digits, "-" and "_" ("_" is
 * seen in real selectors and d= names), no empty label, 253 at most.
 */
int
vouch__dkim_valid_name(const char *s, size_t len)
{
	size_t i, lab = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (IS_ALNUM(s[i]) || s[i] == '-' || s[i] == '_') {
			if (++lab > 63)
				return 0;
		} else
			return 0;
	}
	return lab > 0;
}

/* 1*maxd DIGIT; larger values than int64 saturate (only l= can). */
static int
parse_num(const char *v, size_t len, size_t maxd, int64_t *out)
{
	int64_t n = 0;
	size_t i;

	if (len == 0 || len > maxd)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (n > (INT64_MAX - 9) / 10)
			n = INT64_MAX;
		else
			n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

static int
parse_alg(const struct dkim_tag *t, struct dkim_sig *out, char *why,
    size_t whylen)
{
	/* 3.5 a=; RFC 8463 3 adds ed25519-sha256.  ABNF literals are
	 * case-insensitive (RFC 5234 2.3). */
	if (vouch__strcaseeq(t->value, "rsa-sha256"))
		out->alg = DKIM_ALG_RSA_SHA256;
	else if (vouch__strcaseeq(t->value, "rsa-sha1"))
		out->alg = DKIM_ALG_RSA_SHA1;
	else if (vouch__strcaseeq(t->value, "ed25519-sha256"))
		out->alg = DKIM_ALG_ED25519_SHA256;
	else
		return vouch__dkim_why(why, whylen, SIG "a=%.40s is not a "
		    "known algorithm (RFC 6376 3.5, RFC 8463 3)", t->value);
	return 0;
}

static int
canon_word(const char *s, size_t len, int *out)
{
	if (vouch__memcaseeq(s, len, "simple"))
		*out = DKIM_CANON_SIMPLE;
	else if (vouch__memcaseeq(s, len, "relaxed"))
		*out = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

static int
parse_canon(const struct dkim_tag *t, struct dkim_sig *out, char *why,
    size_t whylen)
{
	const char *slash;
	size_t hl;

	/* 3.5 c=: header["/"body], default simple/simple; a lone word
	 * names the header algorithm and the body one stays simple. */
	out->header_canon = DKIM_CANON_SIMPLE;
	out->body_canon = DKIM_CANON_SIMPLE;
	if (t == NULL)
		return 0;
	slash = memchr(t->value, '/', t->value_len);
	hl = slash != NULL ? (size_t)(slash - t->value) : t->value_len;
	if (canon_word(t->value, hl, &out->header_canon) != 0 ||
	    (slash != NULL && canon_word(slash + 1, t->value_len - hl - 1,
	    &out->body_canon) != 0))
		return vouch__dkim_why(why, whylen, SIG "c=%.40s is not a "
		    "known canonicalization (RFC 6376 3.5, 3.4)", t->value);
	return 0;
}

/* 3.5 h=: colon-separated field names (RFC 5322 ftext), From among them
 * (3.5 and 5.4: "The From header field MUST be signed"). */
static int
parse_h(const struct dkim_tag *t, struct vouch__arena *a,
    struct dkim_sig *out, char *why, size_t whylen)
{
	const char *it;
	size_t pos = 0, n = 0, il, i, k;
	int from = 0;

	for (i = 0; i < t->value_len; i++)
		n += t->value[i] == ':';
	out->headers = vouch__arena_alloc(a, (n + 1) * sizeof(char *));
	if (out->headers == NULL)
		return VOUCH_ENOMEM;
	while (vouch__dkim_list_next(t->value, t->value_len, &pos, &it,
	    &il)) {
		for (k = 0; k < il; k++)
			if (it[k] < 33 || it[k] > 126)
				break;
		if (il == 0 || k < il)
			return vouch__dkim_why(why, whylen, SIG "h= has an "
			    "empty or malformed header name (RFC 6376 3.5, "
			    "RFC 5322 3.6.8)");
		if (vouch__memcaseeq(it, il, "from"))
			from = 1;
		out->headers[out->nheaders] = vouch__arena_strndup(a, it, il);
		if (out->headers[out->nheaders++] == NULL)
			return VOUCH_ENOMEM;
	}
	if (!from)
		return vouch__dkim_why(why, whylen, SIG "h= does not include "
		    "From (RFC 6376 5.4)");
	return 0;
}

static int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)vouch__tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode dkim-quoted-printable (RFC 6376 2.11): "=XX" is the octet XX,
 * FWS is ignored.  Lower-case hex digits are accepted as well (RFC 2045
 * asks decoders to be lenient there).  Returns NULL on a malformed "=",
 * setting *bad.
 */
static char *
qp_decode(const char *v, size_t len, struct vouch__arena *a, size_t *outlen,
    int *bad)
{
	char *o;
	size_t i, n = 0;
	int hi, lo;

	*bad = 0;
	if ((o = vouch__arena_alloc(a, len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c != '=') {
			o[n++] = (char)c;
			continue;
		}
		if (len - i < 3) {
			*bad = 1;
			return NULL;
		}
		hi = hex_digit((unsigned char)v[i + 1]);
		lo = hex_digit((unsigned char)v[i + 2]);
		if (hi < 0 || lo < 0) {
			*bad = 1;
			return NULL;
		}
		o[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	o[n] = '\0';
	*outlen = n;
	return o;
}

/* i= (3.5): dkim-quoted-printable, decoded first; "@" then a domain that
 * is d= or a subdomain of it.  The decoded AUID is kept. */
static int
parse_i(const struct dkim_tag *t, struct vouch__arena *a,
    struct dkim_sig *out, char *why, size_t whylen)
{
	const char *at = NULL, *dom;
	char *v;
	size_t i, vl = 0, dl, nl = strlen(out->domain);
	int bad;

	if ((v = qp_decode(t->value, t->value_len, a, &vl, &bad)) == NULL) {
		if (!bad)
			return VOUCH_ENOMEM;
		return vouch__dkim_why(why, whylen, SIG "i= is not valid "
		    "dkim-quoted-printable (RFC 6376 2.11)");
	}
	for (i = 0; i < vl; i++)
		if (v[i] == '@')
			at = v + i;
	if (at == NULL)
		return vouch__dkim_why(why, whylen, SIG "i= has no \"@\" "
		    "(RFC 6376 3.5)");
	dom = at + 1;
	dl = vl - (size_t)(dom - v);
	if (!vouch__dkim_valid_name(dom, dl))
		return vouch__dkim_why(why, whylen, SIG "i= domain is not a "
		    "valid domain name (RFC 6376 3.5)");
	if (!(dl == nl || (dl > nl && dom[dl - nl - 1] == '.')) ||
	    !vouch__memcaseeq(dom + dl - nl, nl, out->domain))
		return vouch__dkim_why(why, whylen, SIG "i= domain is not d= "
		    "or a subdomain of it (RFC 6376 3.5)");
	if (memchr(v, '\0', vl) != NULL)
		return vouch__dkim_why(why, whylen, SIG "i= decodes to a NUL "
		    "octet (RFC 6376 2.11)");
	out->auid = v;
	return 0;
}

static int
parse_b64(const struct dkim_tag *t, struct vouch__arena *a,
    const unsigned char **out, size_t *outlen, char *why, size_t whylen)
{
	unsigned char *p;
	int rc;

	rc = vouch__dkim_b64_decode(t->value, t->value_len, a, &p, outlen);
	if (rc == VOUCH_ESYNTAX)
		return vouch__dkim_why(why, whylen, SIG "%s= is not valid "
		    "base64 (RFC 6376 3.5, 2.4)", t->name);
	if (rc != 0)
		return rc;
	if (*outlen == 0)
		return vouch__dkim_why(why, whylen, SIG "%s= is empty "
		    "(RFC 6376 3.5)", t->name);
	*out = p;
	return 0;
}

/* b= as written, FWS removed (for header.b, RFC 6008 2). */
static int
b_text(const struct dkim_tag *t, struct vouch__arena *a,
    struct dkim_sig *out)
{
	out->b_text = vouch__dkim_nofws(a, t->value, t->value_len);
	return out->b_text == NULL ? VOUCH_ENOMEM : 0;
}

static int
parse_times(const struct dkim_taglist *tl, struct dkim_sig *out, char *why,
    size_t whylen)
{
	const struct dkim_tag *t;

	out->length = out->timestamp = out->expire = -1;
	/* 3.5: l= 1*76DIGIT, t= and x= 1*12DIGIT. */
	if ((t = vouch__dkim_tag(tl, "l")) != NULL &&
	    parse_num(t->value, t->value_len, 76, &out->length) != 0)
		return vouch__dkim_why(why, whylen, SIG "l= is not 1 to 76 "
		    "digits (RFC 6376 3.5)");
	if ((t = vouch__dkim_tag(tl, "t")) != NULL &&
	    parse_num(t->value, t->value_len, 12, &out->timestamp) != 0)
		return vouch__dkim_why(why, whylen, SIG "t= is not 1 to 12 "
		    "digits (RFC 6376 3.5)");
	if ((t = vouch__dkim_tag(tl, "x")) != NULL &&
	    parse_num(t->value, t->value_len, 12, &out->expire) != 0)
		return vouch__dkim_why(why, whylen, SIG "x= is not 1 to 12 "
		    "digits (RFC 6376 3.5)");
	/* 3.5 x=: "The value of the "x=" tag MUST be greater than the
	 * value of the "t=" tag if both are present" - strictly. */
	if (out->timestamp >= 0 && out->expire >= 0 &&
	    out->expire <= out->timestamp)
		return vouch__dkim_why(why, whylen, SIG "x= is not greater "
		    "than t= (RFC 6376 3.5)");
	return 0;
}

/* 3.5 q=: colon list of query methods; only dns/txt is defined. */
static int
check_q(const struct dkim_taglist *tl, char *why, size_t whylen)
{
	const struct dkim_tag *t = vouch__dkim_tag(tl, "q");
	const char *it;
	size_t pos = 0, il;

	if (t == NULL)
		return 0;
	while (vouch__dkim_list_next(t->value, t->value_len, &pos, &it, &il))
		if (vouch__memcaseeq(it, il, "dns/txt"))
			return 0;
	return vouch__dkim_why(why, whylen, SIG "q=%.40s does not include "
	    "dns/txt (RFC 6376 3.5)", t->value);
}

static int
check_required(const struct dkim_taglist *tl, char *why, size_t whylen)
{
	static const char *const req[] = { "v", "a", "b", "bh", "d", "h",
	    "s" };
	const struct dkim_tag *v;
	size_t i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (vouch__dkim_tag(tl, req[i]) == NULL)
			return vouch__dkim_why(why, whylen, SIG "required tag "
			    "%s= is missing (RFC 6376 3.5)", req[i]);
	v = vouch__dkim_tag(tl, "v");
	if (strcmp(v->value, "1") != 0)
		return vouch__dkim_why(why, whylen, SIG "v=%.20s is not \"1\" "
		    "(RFC 6376 3.5)", v->value);
	return 0;
}

static int
parse_ds(const struct dkim_taglist *tl, struct vouch__arena *a,
    struct dkim_sig *out, char *why, size_t whylen)
{
	const struct dkim_tag *d = vouch__dkim_tag(tl, "d");
	const struct dkim_tag *s = vouch__dkim_tag(tl, "s");
	char *dom, *auid;

	if (!vouch__dkim_valid_name(d->value, d->value_len))
		return vouch__dkim_why(why, whylen, SIG "d=%.64s is not a "
		    "valid domain name (RFC 6376 3.5)", d->value);
	if (!vouch__dkim_valid_name(s->value, s->value_len))
		return vouch__dkim_why(why, whylen, SIG "s=%.64s is not a "
		    "valid selector (RFC 6376 3.5, 3.1)", s->value);
	dom = vouch__arena_strndup(a, d->value, d->value_len);
	auid = vouch__arena_alloc(a, d->value_len + 2);
	if (dom == NULL || auid == NULL)
		return VOUCH_ENOMEM;
	vouch__lower(dom);
	auid[0] = '@';
	memcpy(auid + 1, dom, d->value_len + 1);
	out->domain = dom;
	out->auid = auid;
	out->selector = s->value;
	return 0;
}

static int
sig_fields(const struct dkim_taglist *tl, struct vouch__arena *a,
    struct dkim_sig *out, char *why, size_t whylen)
{
	const struct dkim_tag *t;
	int rc;

	if ((rc = check_required(tl, why, whylen)) != 0 ||
	    (rc = parse_alg(vouch__dkim_tag(tl, "a"), out, why, whylen)) != 0 ||
	    (rc = parse_canon(vouch__dkim_tag(tl, "c"), out, why,
	    whylen)) != 0 ||
	    (rc = parse_ds(tl, a, out, why, whylen)) != 0 ||
	    (rc = parse_h(vouch__dkim_tag(tl, "h"), a, out, why,
	    whylen)) != 0)
		return rc;
	if ((t = vouch__dkim_tag(tl, "i")) != NULL &&
	    (rc = parse_i(t, a, out, why, whylen)) != 0)
		return rc;
	if ((rc = parse_times(tl, out, why, whylen)) != 0 ||
	    (rc = check_q(tl, why, whylen)) != 0)
		return rc;
	t = vouch__dkim_tag(tl, "h");
	if ((out->h_text = vouch__dkim_nofws(a, t->value,
	    t->value_len)) == NULL)
		return VOUCH_ENOMEM;
	t = vouch__dkim_tag(tl, "b");
	if ((rc = parse_b64(t, a, &out->b, &out->blen, why, whylen)) != 0 ||
	    (rc = b_text(t, a, out)) != 0)
		return rc;
	return parse_b64(vouch__dkim_tag(tl, "bh"), a, &out->bh,
	    &out->bhlen, why, whylen);
}

int
vouch__dkim_sig_parse(const char *value, size_t len,
    struct vouch__arena *a, struct dkim_sig *out, char *why, size_t whylen)
{
	struct dkim_taglist tl;
	char msg[256] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	if (value == NULL || a == NULL)
		return VOUCH_EINVAL;
	rc = vouch__dkim_tags_parse(value, len, a, &tl, msg, sizeof(msg));
	if (rc == VOUCH_ESYNTAX || rc == VOUCH_ELIMIT) {
		vouch__dkim_why(why, whylen, SIG "%s", msg);
		return rc;
	}
	if (rc != 0)
		return rc;
	rc = sig_fields(&tl, a, out, why, whylen);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
