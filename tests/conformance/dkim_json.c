/*
 * dkim_json.c - read mailauth's rfc8463-example/dns.json into a zone:
 *
 *   { "owner": { "TXT": [ ["string", "string", ...], ... ], "MX": ... } }
 *
 * Each inner list is one TXT RR made of several character-strings
 * (shared/corpora/mailauth/index.tsv).  Only that shape is accepted:
 * objects, arrays and strings (RFC 8259 string escapes, \u below 0x80
 * only); types other than TXT are skipped.  Test code: a document of
 * another shape is an error, not a guess.
 */
#include <stdio.h>
#include <string.h>

#include "dkim_suite.h"

struct jcur {
	const char *p;
	const char *end;
	char *err;
	size_t errlen;
};

static void
jws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static int
jfail(struct jcur *c, const char *what)
{
	snprintf(c->err, c->errlen, "dns.json: %s, %ld bytes before the end",
	    what, (long)(c->end - c->p));
	return -1;
}

static int
jexpect(struct jcur *c, char ch)
{
	jws(c);
	if (c->p >= c->end || *c->p != ch)
		return jfail(c, "unexpected character");
	c->p++;
	return 0;
}

/* Is the next non-space character ch?  Consumes it when it is. */
static int
jpeek(struct jcur *c, char ch)
{
	jws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
jescape(struct jcur *c, struct strbuf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	int v = 0, i, h;

	if (c->p >= c->end)
		return jfail(c, "truncated escape");
	k = strchr(from, *c->p);
	if (k != NULL && *c->p != '\0') {
		sb_addc(out, to[k - from]);
		c->p++;
		return 0;
	}
	if (*c->p != 'u' || c->end - c->p < 5)
		return jfail(c, "bad escape");
	for (i = 1; i <= 4; i++) {
		if ((h = hexval((unsigned char)c->p[i])) < 0)
			return jfail(c, "bad \\u escape");
		v = v * 16 + h;
	}
	if (v >= 0x80)
		return jfail(c, "\\u escape beyond ASCII");
	sb_addc(out, v);
	c->p += 5;
	return 0;
}

static int
jstring(struct jcur *c, struct strbuf *out)
{
	sb_reset(out);
	sb_add(out, "", 0);	/* never NULL, even for "" */
	if (jexpect(c, '"') != 0)
		return -1;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\') {
			c->p++;
			if (jescape(c, out) != 0)
				return -1;
			continue;
		}
		sb_addc(out, *c->p++);
	}
	if (c->p >= c->end)
		return jfail(c, "unterminated string");
	c->p++;
	return 0;
}

/* [ ["s", ...], ... ]: one TXT RR per inner list (add != 0: keep). */
static int
jtxt_list(struct jcur *c, struct dzone *z, const char *owner, int add)
{
	struct strbuf s;
	int rc = -1;

	sb_init(&s);
	if (jexpect(c, '[') != 0)
		goto out;
	if (jpeek(c, ']')) {
		rc = 0;
		goto out;
	}
	do {
		if (jexpect(c, '[') != 0)
			goto out;
		if (add)
			dzone_add_txt(z, owner, NULL, 0);
		if (!jpeek(c, ']')) {
			do {
				if (jstring(c, &s) != 0)
					goto out;
				if (add)
					dzone_add_str(z, s.p, s.len);
			} while (jpeek(c, ','));
			if (jexpect(c, ']') != 0)
				goto out;
		}
	} while (jpeek(c, ','));
	rc = jexpect(c, ']');
out:
	sb_free(&s);
	return rc;
}

/* { "TYPE": [...], ... } for one owner. */
static int
jtypes(struct jcur *c, struct dzone *z, const char *owner)
{
	struct strbuf type;
	int rc = -1;

	sb_init(&type);
	if (jexpect(c, '{') != 0)
		goto out;
	if (jpeek(c, '}')) {
		rc = 0;
		goto out;
	}
	do {
		if (jstring(c, &type) != 0 || jexpect(c, ':') != 0)
			goto out;
		if (jtxt_list(c, z, owner, str_caseeq(type.p, "TXT")) != 0)
			goto out;
	} while (jpeek(c, ','));
	rc = jexpect(c, '}');
out:
	sb_free(&type);
	return rc;
}

int
dzone_load_json(struct dzone *z, const char *buf, size_t len, char *err,
    size_t errlen)
{
	struct jcur c = { buf, buf + len, err, errlen };
	struct strbuf owner;
	int rc = -1;

	sb_init(&owner);
	if (jexpect(&c, '{') != 0)
		goto out;
	if (!jpeek(&c, '}')) {
		do {
			if (jstring(&c, &owner) != 0 ||
			    jexpect(&c, ':') != 0 ||
			    jtypes(&c, z, owner.p) != 0)
				goto out;
		} while (jpeek(&c, ','));
		if (jexpect(&c, '}') != 0)
			goto out;
	}
	jws(&c);
	if (c.p != c.end) {
		jfail(&c, "trailing data");
		goto out;
	}
	rc = 0;
out:
	sb_free(&owner);
	return rc;
}
