/*
 * dkim_tags.c - the DKIM tag=value list (RFC 6376 3.2), the colon lists
 * inside tag values, and base64 with folding whitespace (3.5 b= bh=,
 * 3.6.1 p=).  Every read is bounded by the length the caller gives; the
 * input need not be NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dkim/dkim_tags.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')
#define IS_ALPHA(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
/* 3.2: VALCHAR = %x21-3A / %x3C-7E (printable ASCII except ";") */
#define IS_VALCHAR(c) ((c) >= 0x21 && (c) <= 0x7e && (c) != ';')

int
vouch__dkim_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
		/* Reasons quote input: keep folding and control bytes out
		 * of a text that may end up in a header or a log line. */
		for (p = why; *p != '\0'; p++)
			if (*p < 0x20 || *p > 0x7e)
				*p = '?';
	}
	return VOUCH_ESYNTAX;
}

/*
 * Length of the line break at s[i] that is part of FWS (RFC 5322 3.2.2,
 * as used by 6376 3.2): CRLF or a bare LF (folded headers as stored on
 * Unix), either followed by WSP.  0 when s[i] starts no such break.
 */
static size_t
fold_len(const char *s, size_t len, size_t i)
{
	if (i + 2 < len && s[i] == '\r' && s[i + 1] == '\n' &&
	    IS_WSP(s[i + 2]))
		return 2;
	if (i + 1 < len && s[i] == '\n' && IS_WSP(s[i + 1]))
		return 1;
	return 0;
}

static size_t
skip_fws(const char *s, size_t len, size_t i)
{
	size_t k;

	while (i < len) {
		if (IS_WSP(s[i]))
			i++;
		else if ((k = fold_len(s, len, i)) > 0)
			i += k;
		else
			break;
	}
	return i;
}

/* The field's own final line end is not part of its value: drop one. */
static size_t
strip_final_eol(const char *s, size_t len)
{
	if (len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n')
		return len - 2;
	if (len >= 1 && s[len - 1] == '\n')
		return len - 1;
	return len;
}

/* 3.2: tag-name = ALPHA *ALNUMPUNC.  Returns the end of the name. */
static size_t
scan_name(const char *s, size_t len, size_t i)
{
	if (i >= len || !IS_ALPHA(s[i]))
		return i;
	for (i++; i < len; i++)
		if (!IS_ALPHA(s[i]) && !IS_DIGIT(s[i]) && s[i] != '_')
			break;
	return i;
}

/*
 * 3.2: tag-value = [ tval *( 1*(WSP / FWS) tval ) ].  Scans from i up to
 * ";" or the end; *vend gets the end of the last tval (trailing FWS is
 * not part of the value).  Returns the stop position, or (size_t)-1 on a
 * byte no rule allows.
 */
static size_t
scan_value(const char *s, size_t len, size_t i, size_t *vend)
{
	size_t k, end = i;

	while (i < len && s[i] != ';') {
		if (IS_VALCHAR((unsigned char)s[i])) {
			/* A local end: a store through vend could alias s. */
			while (++i < len && IS_VALCHAR((unsigned char)s[i]))
				;
			end = i;
		} else if (IS_WSP(s[i])) {
			i++;
		} else if ((k = fold_len(s, len, i)) > 0) {
			i += k;
		} else
			return (size_t)-1;
	}
	*vend = end;
	return i;
}

static int
add_tag(const char *s, size_t n0, size_t n1, size_t v0, size_t v1,
    struct vouch__arena *a, struct dkim_taglist *out, char *why,
    size_t whylen)
{
	struct dkim_tag *t;
	size_t i, nl = n1 - n0;

	for (i = 0; i < out->n; i++)
		if (out->tag[i].name_len == nl &&
		    memcmp(out->tag[i].name, s + n0, nl) == 0)
			return vouch__dkim_why(why, whylen, "tag %.*s= appears "
			    "twice (RFC 6376 3.2: duplicate names MUST NOT "
			    "occur)", (int)nl, s + n0);
	if (out->n >= DKIM_TAGS_MAX) {
		vouch__dkim_why(why, whylen, "more than %d tags",
		    DKIM_TAGS_MAX);
		return VOUCH_ELIMIT;
	}
	t = &out->tag[out->n];
	t->name = vouch__arena_strndup(a, s + n0, nl);
	t->value = vouch__arena_strndup(a, s + v0, v1 - v0);
	if (t->name == NULL || t->value == NULL)
		return VOUCH_ENOMEM;
	t->name_len = nl;
	t->value_len = v1 - v0;
	out->n++;
	return 0;
}

/* One tag-spec starting at *pos (FWS already skipped, not at the end). */
static int
parse_spec(const char *s, size_t len, size_t *pos, struct vouch__arena *a,
    struct dkim_taglist *out, char *why, size_t whylen)
{
	size_t i = *pos, n0 = i, n1, v0, v1;

	if (s[i] == ';')
		return vouch__dkim_why(why, whylen, "empty tag-spec between "
		    "semicolons (RFC 6376 3.2)");
	n1 = scan_name(s, len, i);
	if (n1 == n0)
		return vouch__dkim_why(why, whylen, "tag name must start "
		    "with a letter, got byte 0x%02x (RFC 6376 3.2)",
		    (unsigned char)s[i]);
	i = skip_fws(s, len, n1);
	if (i >= len || s[i] != '=')
		return vouch__dkim_why(why, whylen, "tag %.*s has no \"=\" "
		    "(RFC 6376 3.2)", (int)(n1 - n0), s + n0);
	v0 = skip_fws(s, len, i + 1);
	i = scan_value(s, len, v0, &v1);
	if (i == (size_t)-1)
		return vouch__dkim_why(why, whylen, "tag %.*s= has a byte "
		    "not allowed in a tag value (RFC 6376 3.2 VALCHAR)",
		    (int)(n1 - n0), s + n0);
	*pos = i;
	return add_tag(s, n0, n1, v0, v1, a, out, why, whylen);
}

int
vouch__dkim_tags_parse(const char *s, size_t len, struct vouch__arena *a,
    struct dkim_taglist *out, char *why, size_t whylen)
{
	size_t i = 0;
	int rc;

	out->n = 0;
	if (s == NULL || a == NULL)
		return VOUCH_EINVAL;
	len = strip_final_eol(s, len);
	i = skip_fws(s, len, i);
	if (i >= len)
		return vouch__dkim_why(why, whylen, "empty tag list "
		    "(RFC 6376 3.2: at least one tag-spec)");
	for (;;) {
		rc = parse_spec(s, len, &i, a, out, why, whylen);
		if (rc != 0)
			return rc;
		if (i >= len)
			return 0;
		/* s[i] is ";" here; it may be the optional final one. */
		i = skip_fws(s, len, i + 1);
		if (i >= len)
			return 0;
	}
}

const struct dkim_tag *
vouch__dkim_tag(const struct dkim_taglist *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->tag[i].name[0] == name[0] &&
		    strcmp(t->tag[i].name, name) == 0)
			return &t->tag[i];
	return NULL;
}

static int
is_fws_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
vouch__dkim_list_next(const char *v, size_t len, size_t *pos,
    const char **item, size_t *ilen)
{
	size_t i = *pos, e;

	if (i > len)
		return 0;
	for (e = i; e < len && v[e] != ':'; e++)
		;
	*pos = e + 1;
	while (i < e && is_fws_byte(v[i]))
		i++;
	while (e > i && is_fws_byte(v[e - 1]))
		e--;
	*item = v + i;
	*ilen = e - i;
	return 1;
}

/* Base64 octet classes: 1 + the 6-bit value of an alphabet octet,
 * B64_FWS, B64_PAD, or 0 for anything else. */
enum { B64_FWS = 65, B64_PAD = 66 };
static const unsigned char b64_tab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['/'] = 64,
	[' '] = B64_FWS, ['\t'] = B64_FWS, ['\r'] = B64_FWS, ['\n'] = B64_FWS,
	['='] = B64_PAD
};

/*
 * Decode into o (room for 3/4 of len).  Strict (RFC 4648 3.1, 3.3, 3.5 as
 * 6376 2.4 uses it): only alphabet bytes, "=" padding only at the end and
 * completing a quantum, unused bits zero.  FWS bytes are skipped.  Whole
 * quanta of four alphabet octets take a short path.
 */
static int
b64_run(const char *s, size_t len, unsigned char *o, size_t *olen)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long acc = 0, q;
	size_t i = 0, nbits = 0, nch = 0, npad = 0, n = 0;
	unsigned c0, c1, c2, c3;

	while (i < len) {
		if (nbits == 0 && len - i >= 4) {
			c0 = b64_tab[u[i]] - 1u;
			c1 = b64_tab[u[i + 1]] - 1u;
			c2 = b64_tab[u[i + 2]] - 1u;
			c3 = b64_tab[u[i + 3]] - 1u;
			if (npad == 0 && (c0 | c1 | c2 | c3) < 64) {
				q = c0 << 18 | c1 << 12 | c2 << 6 | c3;
				o[n++] = (unsigned char)(q >> 16);
				o[n++] = (unsigned char)(q >> 8);
				o[n++] = (unsigned char)q;
				nch += 4;
				i += 4;
				continue;
			}
		}
		c0 = b64_tab[u[i++]];
		if (c0 == B64_FWS)
			continue;
		if (c0 == B64_PAD) {
			npad++;
			continue;
		}
		if (npad > 0 || c0 == 0)
			return VOUCH_ESYNTAX;
		acc = ((acc << 6) | (c0 - 1u)) & 0xffffff;
		nch++;
		if ((nbits += 6) >= 8) {
			nbits -= 8;
			o[n++] = (unsigned char)(acc >> nbits);
		}
	}
	if ((nch + npad) % 4 != 0 || npad > 2 || (npad > 0 &&
	    (nch % 4) + npad != 4))
		return VOUCH_ESYNTAX;
	if ((acc & ((1ul << nbits) - 1)) != 0)
		return VOUCH_ESYNTAX;
	*olen = n;
	return 0;
}

int
vouch__dkim_b64_decode(const char *s, size_t len, struct vouch__arena *a,
    unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	size_t n = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	o = vouch__arena_alloc(a, len / 4 * 3 + 3);
	if (o == NULL)
		return VOUCH_ENOMEM;
	rc = b64_run(s, len, o, &n);
	if (rc != 0)
		return rc;
	*out = o;
	*outlen = n;
	return 0;
}

char *
vouch__dkim_nofws(struct vouch__arena *a, const char *s, size_t len)
{
	char *o = vouch__arena_alloc(a, len + 1);
	size_t i, n = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (!is_fws_byte(s[i]))
			o[n++] = s[i];
	o[n] = '\0';
	return o;
}
