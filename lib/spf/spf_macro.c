/*
 * spf_macro.c - SPF macros (RFC 7208 section 7): checking a macro-string
 * or domain-spec against the ABNF of 7.1, and expanding it (7.2, 7.3).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

#define MACRO_PARTS_MAX 128	/* 7.3: at least 127 must be supported */

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
macro_letter(int c, int exp)
{
	c = vouch__tolower(c);
	if (strchr("slodipvh", c) != NULL)
		return 1;
	return exp && strchr("crt", c) != NULL;
}

static int
is_delim(int c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/*
 * toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 */
static int
is_toplabel(const char *s, size_t len)
{
	size_t i;
	int alpha = 0, hyphen = 0;

	if (len == 0 || !is_alnum((unsigned char)s[0]) ||
	    !is_alnum((unsigned char)s[len - 1]))
		return 0;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '-')
			hyphen = 1;
		else if (!is_alnum(c))
			return 0;
		else if (c > '9')
			alpha = 1;
	}
	return alpha || hyphen;
}

/* domain-end = ( "." toplabel [ "." ] ) / macro-expand, for the literal
 * tail s[0..len) that follows the last macro-expand. */
static int
domain_end_ok(const char *s, size_t len)
{
	size_t end = len, dot;

	if (end > 0 && s[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return 0;
	return is_toplabel(s + dot, end - dot);
}

/* Check one "%..." at s[*i]; advance *i past it. */
static int
check_expand(const char *s, size_t len, size_t *i, int exp, char *why,
    size_t whylen)
{
	size_t j = *i + 1, digits = 0;

	if (j >= len) {
		snprintf(why, whylen, "'%%' at the end of '%.*s'", (int)len,
		    s);
		return VOUCH_ESYNTAX;
	}
	if (s[j] == '%' || s[j] == '_' || s[j] == '-') {
		*i = j + 1;
		return 0;
	}
	if (s[j] != '{' || j + 1 >= len ||
	    !macro_letter((unsigned char)s[j + 1], exp)) {
		snprintf(why, whylen, "invalid macro in '%.*s'", (int)len, s);
		return VOUCH_ESYNTAX;
	}
	j += 2;
	while (j < len && s[j] >= '0' && s[j] <= '9') {
		/* 7.3: a DIGIT transformer must be nonzero. */
		if (digits == 0 && s[j] == '0')
			break;
		j++;
		digits++;
	}
	if (j < len && (s[j] == 'r' || s[j] == 'R'))
		j++;
	while (j < len && is_delim((unsigned char)s[j]))
		j++;
	if (j >= len || s[j] != '}') {
		snprintf(why, whylen, "invalid macro in '%.*s'", (int)len, s);
		return VOUCH_ESYNTAX;
	}
	*i = j + 1;
	return 0;
}

int
vouch__spf_macro_check(const char *s, size_t len, int exp, int domain,
    char *why, size_t whylen)
{
	size_t i = 0, tail = 0;
	int rc;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			rc = check_expand(s, len, &i, exp, why, whylen);
			if (rc != 0)
				return rc;
			tail = i;
			continue;
		}
		if ((c < 0x21 || c > 0x7e) && !(exp && c == ' ')) {
			snprintf(why, whylen, "'%.*s' holds the byte 0x%02x",
			    (int)len, s, c);
			return VOUCH_ESYNTAX;
		}
		i++;
	}
	if (domain && (len == 0 || (tail < len && !domain_end_ok(s + tail,
	    len - tail)) || (tail == 0 && !domain_end_ok(s, len)))) {
		snprintf(why, whylen, "'%.*s' is not a valid domain-spec",
		    (int)len, s);
		return VOUCH_ESYNTAX;
	}
	return 0;
}

/* The plain value of a macro letter (7.2). */
static int
letter_value(struct spf_ctx *ctx, const char *domain, int c,
    const char **out, char *tmp, size_t tmplen)
{
	switch (vouch__tolower(c)) {
	case 's':
		*out = ctx->sender;
		return 0;
	case 'l':
		*out = ctx->local;
		return 0;
	case 'o':
		*out = ctx->sender_domain;
		return 0;
	case 'd':
		*out = domain;
		return 0;
	case 'i':
		*out = ctx->ip_i;
		return 0;
	case 'v':
		*out = ctx->ip.family == 4 ? "in-addr" : "ip6";
		return 0;
	case 'h':
		*out = ctx->helo;
		return 0;
	case 'c':
		*out = ctx->ip_c;
		return 0;
	case 'r':
		*out = ctx->receiver;
		return 0;
	case 't':
		snprintf(tmp, tmplen, "%" PRId64, ctx->req->now);
		*out = tmp;
		return 0;
	default:	/* 'p' */
		return vouch__spf_validated_name(ctx, domain, out);
	}
}

static int
put_escaped(struct vouch__buf *out, const char *s, size_t n, int url)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	int rc = 0;

	if (!url)
		return vouch__buf_append(out, s, n);
	/* 7.3: URL-escape all but RFC 3986 unreserved characters. */
	for (i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_alnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			rc = vouch__buf_putc(out, c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			rc = vouch__buf_append(out, e, 3);
		}
	}
	return rc;
}

/* Split value on the delimiters, reverse, keep the right-most parts,
 * rejoin with "." (7.3). */
static int
transform(const char *v, unsigned keep, int rev, const char *delims,
    size_t ndelims, int url, struct vouch__buf *out)
{
	const char *part[MACRO_PARTS_MAX];
	size_t plen[MACRO_PARTS_MAX], n = 0, i, first;
	const char *p = v, *q;
	int rc = 0;

	for (;;) {
		if (n == MACRO_PARTS_MAX - 1) {
			/* More parts than a domain can hold: the last one
			 * takes the rest (never reached by real names). */
			part[n] = p;
			plen[n++] = strlen(p);
			break;
		}
		for (q = p; *q != '\0' && memchr(delims, *q, ndelims) == NULL;
		    q++)
			;
		part[n] = p;
		plen[n++] = (size_t)(q - p);
		if (*q == '\0')
			break;
		p = q + 1;
	}
	if (rev)
		for (i = 0; i < n / 2; i++) {
			const char *tp = part[i];
			size_t tl = plen[i];

			part[i] = part[n - 1 - i];
			plen[i] = plen[n - 1 - i];
			part[n - 1 - i] = tp;
			plen[n - 1 - i] = tl;
		}
	first = (keep > 0 && keep < n) ? n - keep : 0;
	for (i = first; i < n && rc == 0; i++) {
		if (i > first)
			rc = vouch__buf_putc(out, '.');
		if (rc == 0)
			rc = put_escaped(out, part[i], plen[i], url);
	}
	return rc;
}

/* Expand the "%{...}" at *sp; advance *sp past it. */
static int
expand_one(struct spf_ctx *ctx, const char *domain, const char **sp,
    struct vouch__buf *out)
{
	const char *s = *sp + 2, *v = NULL, *delims;
	char tmp[32];
	unsigned keep = 0;
	int letter = (unsigned char)*s++, rev = 0, rc;
	size_t nd;

	while (*s >= '0' && *s <= '9') {
		if (keep < 100000)
			keep = keep * 10 + (unsigned)(*s - '0');
		s++;
	}
	if (*s == 'r' || *s == 'R') {
		rev = 1;
		s++;
	}
	delims = s;
	while (*s != '}')
		s++;
	nd = (size_t)(s - delims);
	*sp = s + 1;
	rc = letter_value(ctx, domain, letter, &v, tmp, sizeof(tmp));
	if (rc != 0)
		return rc;
	if (v == NULL)
		v = "";
	return transform(v, keep, rev, nd ? delims : ".", nd ? nd : 1,
	    letter >= 'A' && letter <= 'Z', out);
}

int
vouch__spf_macro_expand(struct spf_ctx *ctx, const char *domain,
    const char *s, int exp, struct vouch__buf *out)
{
	int rc = 0;

	(void)exp;
	vouch__buf_reset(out);
	out->max = SPF_EXPAND_MAX;
	while (*s != '\0' && rc == 0) {
		if (*s != '%') {
			const char *q = strchr(s, '%');
			size_t n = q ? (size_t)(q - s) : strlen(s);

			rc = vouch__buf_append(out, s, n);
			s += n;
			continue;
		}
		switch (s[1]) {
		case '%':
			rc = vouch__buf_putc(out, '%');
			s += 2;
			break;
		case '_':
			rc = vouch__buf_putc(out, ' ');
			s += 2;
			break;
		case '-':
			rc = vouch__buf_puts(out, "%20");
			s += 2;
			break;
		default:
			rc = expand_one(ctx, domain, &s, out);
			break;
		}
	}
	if (rc == 0 && out->data == NULL)
		rc = vouch__buf_append(out, "", 0);
	return rc;
}

const char *
vouch__spf_domain_trim(struct vouch__buf *buf)
{
	char *s = buf->data;
	size_t len = buf->len;

	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	/* 7.3: drop whole labels from the left until 253 octets fit. */
	while (len > SPF_DOMAIN_MAX) {
		char *dot = memchr(s, '.', len);

		if (dot == NULL)
			return s + len;	/* one huge label: nothing fits */
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	return s;
}
