/*
 * yaml_zone.c - an OpenSPF scenario's `zonedata` as master-file text.
 *
 * The rules are pyspf's test driver's, as shared/corpora/README.md
 * ("OpenSPF YAML suites") spells them out:
 *
 *  - SPF-to-TXT: type-99 SPF entries are also served as TXT for the name
 *    unless the name lists at least one TXT entry (TXT: NONE included);
 *    the generated TXT records come after every listed record.  Type 99
 *    itself is never written: RFC 7208 (section 3.1) queries TXT only.
 *  - A YAML list value is one RR of several character-strings; SPF: [ ]
 *    is an RR with none, served as "".
 *  - TIMEOUT in a name's list: a type with a record before the TIMEOUT is
 *    answered; every other type times out.  Records after it are never
 *    reached.  Nothing before it at all: the whole name times out.
 *  - blitiri's `TIMEOUT: true` / `SERVFAIL: true`: the whole name fails.
 * Names are matched case-insensitively, so owners are written lower case.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_suite.h"

#define ZREC_MAX 4096

enum zkind { ZK_TXT, ZK_SPF, ZK_A, ZK_AAAA, ZK_MX, ZK_PTR, ZK_CNAME,
	ZK_TIMEOUT, ZK_NKINDS };

static const char *const zkind_name[ZK_NKINDS] = {
	"TXT", "SPF", "A", "AAAA", "MX", "PTR", "CNAME", "TIMEOUT"
};

struct zrec {
	enum zkind kind;
	const struct ynode *val;
};

struct zowner {
	const char *name;
	struct zrec *recs;	/* growable, at most ZREC_MAX */
	size_t n;
	size_t cap;
	int has_txt;
	const char *whole;	/* blitiri: "$TIMEOUT" or "$SERVFAIL" */
	char *err;
	size_t errlen;
};

static int
is_true(const struct ynode *v)
{
	const char *s = ynode_str(v);

	return s != NULL && (str_caseeq(s, "true") || str_caseeq(s, "yes") ||
	    str_caseeq(s, "on"));
}

static int
push(struct zowner *o, enum zkind kind, const struct ynode *val)
{
	if (o->n == ZREC_MAX) {
		snprintf(o->err, o->errlen, "%s: over %d records", o->name,
		    ZREC_MAX);
		return -1;
	}
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->recs = xrealloc(o->recs, o->cap * sizeof(*o->recs));
	}
	o->recs[o->n].kind = kind;
	o->recs[o->n].val = val;
	o->n++;
	return 0;
}

/* One `TYPE: value` pair of a record map. */
static int
add_pair(struct zowner *o, const struct ynode *k, const struct ynode *v)
{
	const char *type = ynode_str(k);
	int kind;

	if (type == NULL)
		goto bad;
	if (str_caseeq(type, "TIMEOUT") || str_caseeq(type, "SERVFAIL")) {
		if (is_true(v))
			o->whole = str_caseeq(type, "TIMEOUT") ? "$TIMEOUT" :
			    "$SERVFAIL";
		return 0;
	}
	for (kind = 0; kind < ZK_TIMEOUT; kind++)
		if (str_caseeq(type, zkind_name[kind]))
			break;
	if (kind == ZK_TIMEOUT)
		goto bad;
	if (kind == ZK_TXT) {
		o->has_txt = 1;
		/* TXT: NONE only switches the SPF-to-TXT rule off. */
		if (v->kind == YN_SCALAR && v->plain && strcmp(v->s,
		    "NONE") == 0)
			return 0;
	}
	return push(o, (enum zkind)kind, v);
bad:
	snprintf(o->err, o->errlen, "line %lu: %s: unknown record type",
	    k->line, o->name);
	return -1;
}

static int
collect(struct zowner *o, const struct ynode *list)
{
	size_t i, j;

	if (ynode_is_null(list))
		return 0;
	if (list->kind != YN_SEQ)
		goto bad;
	for (i = 0; i < list->n; i++) {
		const struct ynode *r = list->kids[i];

		if (r->kind == YN_SCALAR && strcmp(r->s, "TIMEOUT") == 0) {
			if (push(o, ZK_TIMEOUT, r) != 0)
				return -1;
			continue;
		}
		if (r->kind != YN_MAP)
			goto bad;
		for (j = 0; j + 1 < r->n; j += 2)
			if (add_pair(o, r->kids[j], r->kids[j + 1]) != 0)
				return -1;
	}
	return 0;
bad:
	snprintf(o->err, o->errlen, "line %lu: %s: records must be a list "
	    "of TYPE: value maps", list->line, o->name);
	return -1;
}

/* The SPF-to-TXT rule: generated TXT records go last, as pyspf adds them. */
static int
generate_txt(struct zowner *o)
{
	size_t i, n = o->n;

	if (o->has_txt)
		return 0;
	for (i = 0; i < n; i++)
		if (o->recs[i].kind == ZK_SPF &&
		    push(o, ZK_TXT, o->recs[i].val) != 0)
			return -1;
	return 0;
}

static int
put_txt(struct strbuf *out, struct zowner *o, const struct ynode *v)
{
	const char **strs;
	size_t *lens, n = 0, i;

	if (v->kind == YN_SCALAR) {
		zt_txt(out, o->name, (const char *const *)&v->s, &v->len, 1);
		return 0;
	}
	if (v->kind != YN_SEQ)
		goto bad;
	strs = xmalloc((v->n + 1) * sizeof(*strs));
	lens = xmalloc((v->n + 1) * sizeof(*lens));
	for (i = 0; i < v->n && v->kids[i]->kind == YN_SCALAR; i++) {
		strs[n] = v->kids[i]->s;
		lens[n++] = v->kids[i]->len;
	}
	if (i == v->n)
		zt_txt(out, o->name, strs, lens, n);
	free(strs);
	free(lens);
	if (i == v->n)
		return 0;
bad:
	snprintf(o->err, o->errlen, "line %lu: %s: TXT/SPF value must be a "
	    "string or a list of strings", v->line, o->name);
	return -1;
}

static int
put_addr(struct strbuf *out, struct zowner *o, enum zkind kind,
    const struct ynode *v)
{
	unsigned char buf[16];
	const char *s = ynode_str(v);

	if (s == NULL || inet_pton(kind == ZK_A ? AF_INET : AF_INET6, s,
	    buf) != 1) {
		snprintf(o->err, o->errlen, "line %lu: %s: bad %s address",
		    v->line, o->name, zkind_name[kind]);
		return -1;
	}
	zt_addr(out, o->name, zkind_name[kind], s);
	return 0;
}

static int
put_mx(struct strbuf *out, struct zowner *o, const struct ynode *v)
{
	if (v->kind != YN_SEQ || v->n != 2 || v->kids[0]->kind != YN_SCALAR ||
	    v->kids[1]->kind != YN_SCALAR || v->kids[0]->len == 0) {
		snprintf(o->err, o->errlen, "line %lu: %s: MX must be "
		    "[preference, exchange]", v->line, o->name);
		return -1;
	}
	zt_mx(out, o->name, v->kids[0]->s, v->kids[1]->s);
	return 0;
}

static int
put_rec(struct strbuf *out, struct zowner *o, const struct zrec *r)
{
	switch (r->kind) {
	case ZK_TXT:
		return put_txt(out, o, r->val);
	case ZK_A:
	case ZK_AAAA:
		return put_addr(out, o, r->kind, r->val);
	case ZK_MX:
		return put_mx(out, o, r->val);
	case ZK_PTR:
	case ZK_CNAME:
		if (r->val->kind != YN_SCALAR) {
			snprintf(o->err, o->errlen, "line %lu: %s: %s target "
			    "must be a string", r->val->line, o->name,
			    zkind_name[r->kind]);
			return -1;
		}
		zt_target(out, o->name, zkind_name[r->kind], r->val->s);
		return 0;
	default:
		return 0;	/* type 99 SPF: not served (see above) */
	}
}

/* The TIMEOUT rule for the records before index t. */
static void
put_timeouts(struct strbuf *out, const struct zowner *o, size_t t)
{
	static const enum zkind asked[] = { ZK_TXT, ZK_A, ZK_AAAA, ZK_MX,
		ZK_PTR };
	int seen[ZK_NKINDS] = { 0 };
	size_t i;

	if (t == 0) {
		zt_fail(out, "$TIMEOUT", o->name, NULL);
		return;
	}
	for (i = 0; i < t; i++)
		seen[o->recs[i].kind] = 1;
	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++)
		if (!seen[asked[i]])
			zt_fail(out, "$TIMEOUT", o->name,
			    zkind_name[asked[i]]);
}

static void
put_comment(struct strbuf *out, const char *s)
{
	for (; *s != '\0'; s++)
		sb_addc(out, (unsigned char)*s < 0x20 ? '?' : *s);
	sb_addc(out, '\n');
}

static int
put_owner(struct strbuf *out, struct zowner *o, const struct ynode *list)
{
	size_t t, i;

	if (collect(o, list) != 0 || generate_txt(o) != 0)
		return -1;
	if (!zt_name_valid(o->name)) {
		/* It cannot exist in DNS, so it is NXDOMAIN. */
		sb_adds(out, "; not a DNS name, left out: ");
		put_comment(out, o->name);
		return 0;
	}
	for (t = 0; t < o->n; t++)
		if (o->recs[t].kind == ZK_TIMEOUT)
			break;
	for (i = 0; i < t; i++)
		if (put_rec(out, o, &o->recs[i]) != 0)
			return -1;
	if (t < o->n)
		put_timeouts(out, o, t);
	if (o->whole != NULL)
		zt_fail(out, o->whole, o->name, NULL);
	return 0;
}

int
openspf_zone(const struct ynode *zonedata, struct strbuf *out, char *err,
    size_t errlen)
{
	struct zowner *o;
	size_t i;
	int rc = 0;

	if (ynode_is_null(zonedata))
		return 0;
	if (zonedata->kind != YN_MAP) {
		snprintf(err, errlen, "line %lu: zonedata is not a map",
		    zonedata->line);
		return -1;
	}
	o = xmalloc(sizeof(*o));
	memset(o, 0, sizeof(*o));
	for (i = 0; rc == 0 && i + 1 < zonedata->n; i += 2) {
		const char *name = ynode_str(zonedata->kids[i]);

		o->n = 0;
		o->has_txt = 0;
		o->whole = NULL;
		o->err = err;
		o->errlen = errlen;
		if (name == NULL) {
			snprintf(err, errlen, "line %lu: owner name is not a "
			    "string", zonedata->kids[i]->line);
			rc = -1;
			break;
		}
		o->name = name;
		rc = put_owner(out, o, zonedata->kids[i + 1]);
	}
	free(o->recs);
	free(o);
	return rc;
}
