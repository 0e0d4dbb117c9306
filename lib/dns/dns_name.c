/*
 * dns_name.c - domain names in canonical text form (see dns_int.h):
 * from presentation text as callers write it, and from wire form as
 * ldns hands it over.  Limits from RFC 1035 section 2.3.4; escapes from
 * section 5.1; case folding of ASCII letters only (RFC 4343 section 3).
 */
#include <string.h>

#include "dns_int.h"

struct out {
	char *p;
	size_t len;
	size_t cap;
};

static int
put(struct out *o, char c)
{
	if (o->len + 1 >= o->cap)
		return VOUCH_EINVAL;
	o->p[o->len++] = c;
	o->p[o->len] = '\0';
	return 0;
}

/* One octet of a label, lower-cased, escaped when it must be.  One
 * bounds check for the longest form (\DDD) keeps this on the fast path. */
static int
put_octet(struct out *o, unsigned char b)
{
	char *p;

	if (o->len + 5 > o->cap)
		return VOUCH_EINVAL;
	p = o->p + o->len;
	if (b >= 'A' && b <= 'Z')
		b = (unsigned char)(b - 'A' + 'a');
	if (b > 0x20 && b < 0x7f && b != '.' && b != '\\') {
		p[0] = (char)b;
		p[1] = '\0';
		o->len++;
		return 0;
	}
	p[0] = '\\';
	p[1] = (char)('0' + b / 100);
	p[2] = (char)('0' + b / 10 % 10);
	p[3] = (char)('0' + b % 10);
	p[4] = '\0';
	o->len += 4;
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read one octet at in[*i] (a character, \X or \DDD) into *b. */
static int
read_octet(const char *in, size_t *i, unsigned char *b)
{
	unsigned v;

	if (in[*i] != '\\') {
		*b = (unsigned char)in[(*i)++];
		return 0;
	}
	if (in[*i + 1] == '\0')
		return VOUCH_EINVAL;
	if (!is_digit(in[*i + 1])) {
		*b = (unsigned char)in[*i + 1];
		*i += 2;
		return 0;
	}
	if (!is_digit(in[*i + 2]) || !is_digit(in[*i + 3]))
		return VOUCH_EINVAL;
	v = (unsigned)(in[*i + 1] - '0') * 100 +
	    (unsigned)(in[*i + 2] - '0') * 10 + (unsigned)(in[*i + 3] - '0');
	if (v > 255)
		return VOUCH_EINVAL;
	*b = (unsigned char)v;
	*i += 4;
	return 0;
}

int
vouch__dns_name_canon(const char *in, char *out, size_t outlen)
{
	struct out o = { out, 0, outlen };
	size_t i = 0, label = 0, total = 0;
	unsigned char b;

	if (outlen == 0 || in == NULL || in[0] == '\0')
		return VOUCH_EINVAL;
	out[0] = '\0';
	while (in[i] != '\0') {
		if (in[i] == '.') {
			/* An empty label: a leading dot, "..", or "." */
			if (label == 0)
				return VOUCH_EINVAL;
			if (in[i + 1] == '\0')
				break;	/* the one final dot */
			if (put(&o, '.'))
				return VOUCH_EINVAL;
			total++;
			label = 0;
			i++;
			continue;
		}
		if (read_octet(in, &i, &b))
			return VOUCH_EINVAL;
		if (++label > DNS_LABEL_MAX || ++total > DNS_NAME_MAX)
			return VOUCH_EINVAL;
		if (put_octet(&o, b))
			return VOUCH_EINVAL;
	}
	return 0;
}

int
vouch__dns_name_from_wire(const uint8_t *wire, size_t len, char *out,
    size_t outlen)
{
	struct out o = { out, 0, outlen };
	size_t p = 0, total = 0, k;

	if (outlen == 0)
		return VOUCH_EINVAL;
	out[0] = '\0';
	while (p < len && wire[p] != 0) {
		/* Label types other than 00 (pointers, RFC 1035 4.1.4, and
		 * the extended types of RFC 6891) never appear here. */
		if (wire[p] > DNS_LABEL_MAX || len - p - 1 < wire[p])
			return VOUCH_EINVAL;
		if (p > 0 && put(&o, '.'))
			return VOUCH_EINVAL;
		for (k = 0; k < wire[p]; k++)
			if (put_octet(&o, wire[p + 1 + k]))
				return VOUCH_EINVAL;
		total += (size_t)wire[p] + 1;
		p += (size_t)wire[p] + 1;
	}
	/* 255 octets with the root label (RFC 1035 2.3.4) */
	return total > DNS_NAME_MAX + 1 ? VOUCH_EINVAL : 0;
}
