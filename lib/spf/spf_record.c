/*
 * spf_record.c - parse an SPF record into terms (RFC 7208 sections 4.5,
 * 4.6.1, 5, 6 and the ABNF of section 12).  The whole record is checked
 * before any term is evaluated: section 4.6 says a syntax error anywhere
 * makes check_host() return permerror without evaluating anything.
 */
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

struct mech_name {
	const char *name;
	enum spf_kind kind;
};

static const struct mech_name mechs[] = {
	{"all", SPF_ALL}, {"include", SPF_INCLUDE}, {"a", SPF_A},
	{"mx", SPF_MX}, {"ptr", SPF_PTR}, {"ip4", SPF_IP4},
	{"ip6", SPF_IP6}, {"exists", SPF_EXISTS},
};

int
vouch__spf_is_record(const char *txt, size_t len)
{
	if (len < 6 || !vouch__strncaseeq(txt, "v=spf1", 6))
		return 0;
	return len == 6 || txt[6] == ' ';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
static size_t
name_len(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' &&
		    c != '.')
			break;
	}
	return i;
}

/*
 * A prefix length without leading zeros, 0..max.  Returns -1 when the
 * text is not one.
 */
static int
parse_cidr(const char *s, size_t len, int max)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* The length of the run of digits that ends at s[len-1]. */
static size_t
trailing_digits(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_digit((unsigned char)s[len - 1 - n]))
		n++;
	return n;
}

/*
 * Strip a dual-cidr-length ("/n", "//m", "/n//m") from the end of *len.
 * Returns 0, or -1 when a suffix is present but its value is invalid.
 */
static int
strip_dual_cidr(const char *s, size_t *len, struct spf_term *t, int v4,
    int v6)
{
	size_t n = *len, d = trailing_digits(s, n);

	if (v6 && d > 0 && d + 2 <= n && s[n - d - 1] == '/' &&
	    s[n - d - 2] == '/') {
		t->cidr6 = parse_cidr(s + n - d, d, 128);
		if (t->cidr6 < 0)
			return -1;
		n -= d + 2;
		d = trailing_digits(s, n);
	}
	if (v4 && d > 0 && d + 1 <= n && s[n - d - 1] == '/') {
		/* "//m" was taken above; a lone "/n" here is IPv4. */
		if (d + 2 <= n && s[n - d - 2] == '/')
			return -1;
		t->cidr4 = parse_cidr(s + n - d, d, 32);
		if (t->cidr4 < 0)
			return -1;
		n -= d + 1;
	}
	*len = n;
	return 0;
}

/* Say what is wrong with a term: "'term' <what>". */
static int
bad(char *why, size_t whylen, const char *what, const char *term)
{
	snprintf(why, whylen, "'%s' %s", term, what);
	return VOUCH_ESYNTAX;
}

/* ip4:network[/n] and ip6:network[/m] (section 5.6). */
static int
parse_ip(struct spf_term *t, const char *rest, size_t len, char *why,
    size_t whylen)
{
	int v4 = t->kind == SPF_IP4;
	char addr[64];
	size_t n = len, d;

	if (len < 2 || rest[0] != ':')
		return bad(why, whylen, "needs an address", t->text);
	d = trailing_digits(rest, n);
	if (d > 0 && d + 1 < n && rest[n - d - 1] == '/') {
		int c = parse_cidr(rest + n - d, d, v4 ? 32 : 128);

		if (c < 0)
			return bad(why, whylen,
			    "has an invalid prefix length", t->text);
		if (v4)
			t->cidr4 = c;
		else
			t->cidr6 = c;
		n -= d + 1;
	}
	if (n - 1 >= sizeof(addr))
		return bad(why, whylen, "has an invalid address", t->text);
	memcpy(addr, rest + 1, n - 1);
	addr[n - 1] = '\0';
	if (vouch_ip_parse(addr, &t->net) != 0 ||
	    t->net.family != (v4 ? 4 : 6))
		return bad(why, whylen, "has an invalid address", t->text);
	return 0;
}

/* [":" domain-spec] after the mechanism name; required for some. */
static int
parse_domain_arg(struct spf_term *t, const char *rest, size_t len,
    int required, struct vouch__arena *a, char *why, size_t whylen)
{
	if (len == 0) {
		if (required)
			return bad(why, whylen, "needs a domain",
			    t->text);
		return 0;
	}
	if (rest[0] != ':' || len == 1)
		return bad(why, whylen, "is not a valid mechanism",
		    t->text);
	if (vouch__spf_macro_check(rest + 1, len - 1, 0, 1, why, whylen))
		return VOUCH_ESYNTAX;
	t->arg = vouch__arena_strndup(a, rest + 1, len - 1);
	return t->arg == NULL ? VOUCH_ENOMEM : 0;
}

static int
parse_mechanism(struct spf_term *t, const char *s, size_t len,
    struct vouch__arena *a, char *why, size_t whylen)
{
	size_t i, nl;

	t->qualifier = '+';
	if (len > 0 && strchr("+-~?", s[0]) != NULL) {
		t->qualifier = s[0];
		s++;
		len--;
	}
	nl = name_len(s, len);
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (vouch__memcaseeq(s, nl, mechs[i].name))
			break;
	if (nl == 0 || i == sizeof(mechs) / sizeof(mechs[0]) ||
	    (nl < len && s[nl] != ':' && s[nl] != '/'))
		return bad(why, whylen, "is not a known mechanism", t->text);
	t->kind = mechs[i].kind;
	s += nl;
	len -= nl;
	switch (t->kind) {
	case SPF_ALL:
		if (len != 0)
			return bad(why, whylen, "takes no argument",
			    t->text);
		return 0;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		return parse_domain_arg(t, s, len, 1, a, why, whylen);
	case SPF_PTR:
		return parse_domain_arg(t, s, len, 0, a, why, whylen);
	case SPF_A:
	case SPF_MX:
		if (strip_dual_cidr(s, &len, t, 1, 1) != 0)
			return bad(why, whylen,
			    "has an invalid prefix length", t->text);
		return parse_domain_arg(t, s, len, 0, a, why, whylen);
	default:
		return parse_ip(t, s, len, why, whylen);
	}
}

static int
parse_modifier(struct spf_record *rec, struct spf_term *t, const char *s,
    size_t nl, size_t len, struct vouch__arena *a, char *why, size_t whylen)
{
	const char *val = s + nl + 1;
	size_t vlen = len - nl - 1;
	int known = 1;

	if (vouch__memcaseeq(s, nl, "redirect"))
		t->kind = SPF_REDIRECT;
	else if (vouch__memcaseeq(s, nl, "exp"))
		t->kind = SPF_EXP;
	else {
		t->kind = SPF_UNKNOWN_MOD;
		known = 0;
	}
	/* Section 6: redirect and exp may each appear at most once. */
	if ((t->kind == SPF_REDIRECT && rec->redirect != NULL) ||
	    (t->kind == SPF_EXP && rec->exp != NULL))
		return bad(why, whylen, "appears more than once",
		    t->kind == SPF_EXP ? "exp=" : "redirect=");
	if (known && vlen == 0)
		return bad(why, whylen, "needs a domain", t->text);
	if (vouch__spf_macro_check(val, vlen, 0, known, why, whylen))
		return VOUCH_ESYNTAX;
	t->arg = vouch__arena_strndup(a, val, vlen);
	if (t->arg == NULL)
		return VOUCH_ENOMEM;
	if (t->kind == SPF_REDIRECT)
		rec->redirect = t;
	else if (t->kind == SPF_EXP)
		rec->exp = t;
	return 0;
}

static int
parse_term(struct spf_record *rec, struct spf_term *t, const char *s,
    size_t len, struct vouch__arena *a, char *why, size_t whylen)
{
	size_t i, nl;

	t->text = vouch__arena_strndup(a, s, len);
	if (t->text == NULL)
		return VOUCH_ENOMEM;
	t->cidr4 = t->cidr6 = -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e) {
			snprintf(why, whylen, "term '%.*s' contains the byte "
			    "0x%02x, which SPF records may not hold", (int)i,
			    s, c);
			return VOUCH_ESYNTAX;
		}
	}
	nl = name_len(s, len);
	if (nl > 0 && nl < len && s[nl] == '=')
		return parse_modifier(rec, t, s, nl, len, a, why, whylen);
	return parse_mechanism(t, s, len, a, why, whylen);
}

int
vouch__spf_record_parse(const char *txt, size_t len, struct vouch__arena *a,
    struct spf_record *out, char *why, size_t whylen)
{
	size_t i = 6, start, cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!vouch__spf_is_record(txt, len)) {
		snprintf(why, whylen, "not an SPF record");
		return VOUCH_ESYNTAX;
	}
	out->text = vouch__arena_strndup(a, txt, len);
	if (out->text == NULL)
		return VOUCH_ENOMEM;
	for (;;) {
		while (i < len && txt[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		if (out->nterms == cap) {
			struct spf_term *nt;

			cap = cap ? cap * 2 : 16;
			nt = vouch__arena_alloc(a, cap * sizeof(*nt));
			if (nt == NULL)
				return VOUCH_ENOMEM;
			if (out->nterms > 0)
				memcpy(nt, out->terms,
				    out->nterms * sizeof(*nt));
			/* Re-point redirect/exp into the new array. */
			if (out->redirect != NULL)
				out->redirect = nt + (out->redirect -
				    out->terms);
			if (out->exp != NULL)
				out->exp = nt + (out->exp - out->terms);
			out->terms = nt;
		}
		memset(&out->terms[out->nterms], 0, sizeof(struct spf_term));
		rc = parse_term(out, &out->terms[out->nterms], txt + start,
		    i - start, a, why, whylen);
		if (rc != 0)
			return rc;
		if (out->terms[out->nterms].kind == SPF_ALL)
			out->has_all = 1;
		out->nterms++;
	}
	return 0;
}
