/*
 * conf_tables.c - KeyTable and SigningTable, in OpenDKIM's flat-file
 * formats (opendkim.conf(5)), and the signing lookup.
 *
 *   KeyTable      NAME  DOMAIN:SELECTOR:KEYFILE
 *   SigningTable  PATTERN  KEYNAME[,KEYNAME...]
 *
 * KEYFILE is a path (relative ones start at the table's directory); the
 * key is loaded with vouch_dkim_key_load(), which refuses a file group
 * or others can read.  A plain SigningTable matches the From address
 * exactly, then its domain; a refile: table matches "*" wildcards, in
 * file order.  Several keys on one line, or several lines with the same
 * pattern, sign with each of them; the first pattern that matches
 * decides (OpenDKIM without MultipleSignatures).  Errors name
 * TABLE:LINE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/msg.h>

#include "conf_int.h"

struct entry {
	char *pattern;
	char *names;
	unsigned line;
	size_t leader;		/* the first line with this pattern */
	size_t rule;		/* its rule, when it is a leader */
};

struct table {
	struct vouchd__lines l;
	char *dir;
	unsigned *lines;	/* KeyTable: the line of each key */
	size_t nlines, lcap;
	const struct vouchd_key **byname;	/* keys sorted by name */
	size_t nkeys;
	struct entry *e;	/* SigningTable lines */
	size_t ne, ecap;
	struct entry **order;	/* by pattern, then line */
};

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->ne; i++) {
		vouch__free(t->e[i].pattern);
		vouch__free(t->e[i].names);
	}
	vouch__free(t->e);
	vouch__free(t->order);
	vouch__free(t->byname);
	vouch__free(t->lines);
	vouch__free(t->dir);
	vouchd__lines_free(&t->l);
}

static int
table_open(struct table *t, const char *path, struct vouch_error *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = vouchd__lines_open(&t->l, path, VOUCHD__TABLE_MAX, err)) != 0)
		return rc;
	if ((rc = vouchd__dirname(path, &t->dir)) != 0)
		return vouch__error(err, rc, 0, "%s: cannot resolve its "
		    "directory", path);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	const struct vouchd_key *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* DOMAIN:SELECTOR:KEYFILE into k. */
static int
key_fields(struct table *t, char *v, struct vouchd_key *k,
    struct vouch_error *err)
{
	char buf[256], *c1 = strchr(v, ':'), *c2;

	if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL || c2[1] == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not "
		    "DOMAIN:SELECTOR:KEYFILE", v);
	*c1 = *c2 = '\0';
	if (strchr(v, '%') != NULL)
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "'%%' (the "
		    "sender's domain) is not supported: one line per domain");
	if (vouch_domain_to_alabel(v, strlen(v), buf, sizeof(buf)) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not a "
		    "domain", v);
	if ((k->domain = vouch__strdup(buf)) == NULL)
		return VOUCH_ENOMEM;
	if (vouch_domain_to_alabel(c1 + 1, strlen(c1 + 1), buf,
	    sizeof(buf)) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not a "
		    "selector (RFC 6376 3.1)", c1 + 1);
	if ((k->selector = vouch__strdup(buf)) == NULL)
		return VOUCH_ENOMEM;
	if (!vouchd__is_path(c2 + 1))
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "'%.80s': "
		    "KEYFILE must be a path (/, ./ or ../); vouchd takes no "
		    "key inline", c2 + 1);
	return vouchd__path(t->dir, c2 + 1, &k->keyfile);
}

static int
key_line(struct table *t, struct vouchd_conf *c, char *s, size_t *cap,
    struct vouch_error *err)
{
	struct vouchd_key *k;
	unsigned *ln;
	char *name = vouchd__word(&s);
	int rc;

	if (*s == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' has no "
		    "DOMAIN:SELECTOR:KEYFILE", name);
	k = vouchd__grow(c->keys, cap, c->nkeys, sizeof(*k),
	    VOUCHD__ENTRIES_MAX, &rc);
	if (k == NULL)
		return vouch__error(err, rc, 0, "more than %d keys",
		    VOUCHD__ENTRIES_MAX);
	c->keys = k;
	ln = vouchd__grow(t->lines, &t->lcap, t->nlines, sizeof(*ln),
	    VOUCHD__ENTRIES_MAX, &rc);
	if (ln == NULL)
		return rc;
	t->lines = ln;
	t->lines[t->nlines++] = t->l.line;
	k = &c->keys[c->nkeys++];
	memset(k, 0, sizeof(*k));
	if ((k->name = vouch__strdup(name)) == NULL)
		return VOUCH_ENOMEM;
	return key_fields(t, s, k, err);
}

static int
sort_keys(struct table *t, const struct vouchd_conf *c)
{
	size_t i;

	if ((t->byname = vouch__calloc(c->nkeys, sizeof(*t->byname))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < c->nkeys; i++)
		t->byname[i] = &c->keys[i];
	t->nkeys = c->nkeys;
	qsort(t->byname, c->nkeys, sizeof(*t->byname), by_name);
	return 0;
}

/* A name given twice is an error at its second line. */
static int
index_keys(struct table *t, const struct vouchd_conf *c,
    struct vouch_error *err)
{
	size_t i, a, b;
	int rc;

	if ((rc = sort_keys(t, c)) != 0)
		return rc;
	for (i = 1; i < c->nkeys; i++) {
		if (strcmp(t->byname[i - 1]->name, t->byname[i]->name) != 0)
			continue;
		a = (size_t)(t->byname[i - 1] - c->keys);
		b = (size_t)(t->byname[i] - c->keys);
		return vouchd__ferr(err, VOUCH_ESYNTAX, t->l.path,
		    t->lines[a > b ? a : b], "key '%.80s' is already at line "
		    "%u", t->byname[i]->name, t->lines[a < b ? a : b]);
	}
	return 0;
}

static int
load_keys(struct table *t, struct vouchd_conf *c, struct vouch_error *err)
{
	struct vouch_error kerr = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < c->nkeys; i++) {
		rc = vouch_dkim_key_load(c->keys[i].keyfile, &c->keys[i].key,
		    &kerr);
		if (rc != 0) {
			if (err != NULL)
				*err = kerr;
			return vouchd__locate(err, rc, t->l.path, t->lines[i],
			    c->keys[i].name);
		}
	}
	return 0;
}

int
vouchd__keytable_load(struct vouchd_conf *c, struct vouch_error *err)
{
	struct table t;
	size_t cap = 0;
	char *s;
	int rc;

	if ((rc = table_open(&t, c->key_table, err)) != 0)
		goto out;
	while ((rc = vouchd__lines_next(&t.l, &s, err)) == 1)
		if ((rc = key_line(&t, c, s, &cap, err)) != 0) {
			rc = vouchd__locate(err, rc, t.l.path, t.l.line, NULL);
			goto out;
		}
	if (rc == 0 && (rc = index_keys(&t, c, err)) == 0)
		rc = load_keys(&t, c, err);
out:
	table_free(&t);
	return rc;
}

/* The pattern as stored: lower case; a plain table wants an address or
 * a domain (IDNs as A-labels, as From domains are compared). */
static int
pattern(char *p, int regex, char **out, struct vouch_error *err)
{
	char buf[256], *at, *domain;
	struct vouch__buf b;
	int rc;

	vouch__lower(p);
	if (regex) {
		*out = vouch__strdup(p);
		return *out != NULL ? 0 : VOUCH_ENOMEM;
	}
	*out = NULL;
	if (strpbrk(p, "*%") != NULL)
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "'%.80s': "
		    "wildcards need SigningTable refile:PATH, and '%%' is not "
		    "supported", p);
	at = strrchr(p, '@');
	domain = at != NULL ? at + 1 : p;
	if (at == p || vouch_domain_to_alabel(domain, strlen(domain), buf,
	    sizeof(buf)) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not an "
		    "address or a domain", p);
	vouch__buf_init(&b, VOUCHD__LINE_MAX);
	if ((rc = vouch__buf_append(&b, p, (size_t)(domain - p))) != 0 ||
	    (rc = vouch__buf_puts(&b, buf)) != 0) {
		vouch__buf_free(&b);
		return rc;
	}
	*out = vouch__buf_take(&b);
	return 0;
}

static int
sign_line(struct table *t, int regex, char *s, struct vouch_error *err)
{
	struct entry *e;
	char *pat = vouchd__word(&s);
	int rc;

	if (*s == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' names no "
		    "key", pat);
	e = vouchd__grow(t->e, &t->ecap, t->ne, sizeof(*e),
	    VOUCHD__ENTRIES_MAX, &rc);
	if (e == NULL)
		return vouch__error(err, rc, 0, "more than %d lines",
		    VOUCHD__ENTRIES_MAX);
	t->e = e;
	e = &t->e[t->ne++];
	memset(e, 0, sizeof(*e));
	e->line = t->l.line;
	if ((rc = pattern(pat, regex, &e->pattern, err)) != 0)
		return rc;
	return (e->names = vouch__strdup(s)) != NULL ? 0 : VOUCH_ENOMEM;
}

static int
by_pattern(const void *a, const void *b)
{
	const struct entry *const *x = a, *const *y = b;
	int d = strcmp((*x)->pattern, (*y)->pattern);

	return d != 0 ? d : (*x)->line < (*y)->line ? -1 : 1;
}

/* Every entry learns the first entry with its pattern. */
static int
group(struct table *t)
{
	size_t i, lead = 0;

	if ((t->order = vouch__calloc(t->ne, sizeof(*t->order))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < t->ne; i++)
		t->order[i] = &t->e[i];
	qsort(t->order, t->ne, sizeof(*t->order), by_pattern);
	for (i = 0; i < t->ne; i++) {
		if (i == 0 || strcmp(t->order[i - 1]->pattern,
		    t->order[i]->pattern) != 0)
			lead = (size_t)(t->order[i] - t->e);
		t->order[i]->leader = lead;
	}
	return 0;
}

static int
add_key(struct table *t, struct vouchd_sign_rule *r, const char *name,
    struct vouch_error *err)
{
	struct vouchd_key probe = { .name = (char *)(uintptr_t)name };
	const struct vouchd_key *pp = &probe, **hit, **keys;
	size_t i;

	if (*name == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "an empty key name "
		    "for '%.80s'", r->pattern);
	if (strchr(name, ':') != NULL)
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "'%.80s' is "
		    "not a key name (the KEYNAME:SIGNER form is not "
		    "supported)", name);
	hit = bsearch(&pp, t->byname, t->nkeys, sizeof(*t->byname), by_name);
	if (hit == NULL)
		return vouch__error(err, VOUCH_ENOTFOUND, 0, "no key '%.80s' "
		    "in the KeyTable", name);
	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i] == *hit)
			return vouch__error(err, VOUCH_ESYNTAX, 0, "key "
			    "'%.80s' twice for '%.80s'", name, r->pattern);
	if (r->nkeys >= VOUCHD__SIGN_KEYS_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "more than %d keys "
		    "for '%.80s'", VOUCHD__SIGN_KEYS_MAX, r->pattern);
	if ((keys = vouch__realloc(r->keys, (r->nkeys + 1) *
	    sizeof(*keys))) == NULL)
		return VOUCH_ENOMEM;
	r->keys = keys;
	r->keys[r->nkeys++] = *hit;
	return 0;
}

/* "a, b,c": each name, blanks around it removed. */
static int
add_names(struct table *t, struct vouchd_sign_rule *r, char *names,
    struct vouch_error *err)
{
	char *s = names, *e, *end;
	int rc, last;

	do {
		e = s + strcspn(s, ",");
		last = *e == '\0';
		*e = '\0';
		s += strspn(s, " \t");
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if ((rc = add_key(t, r, s, err)) != 0)
			return rc;
		s = e + 1;
	} while (!last);
	return 0;
}

/* Rules in the order their patterns first appear; every line adds its
 * keys to the rule of its pattern. */
static int
build_rules(struct table *t, struct vouchd_conf *c, struct vouch_error *err)
{
	struct vouchd_sign_rule *r;
	struct entry *e;
	size_t i, cap = 0;
	int rc;

	for (i = 0; i < t->ne; i++) {
		e = &t->e[i];
		if (e->leader == i) {
			r = vouchd__grow(c->rules, &cap, c->nrules, sizeof(*r),
			    VOUCHD__ENTRIES_MAX, &rc);
			if (r == NULL)
				return rc;
			c->rules = r;
			e->rule = c->nrules;
			r = &c->rules[c->nrules++];
			memset(r, 0, sizeof(*r));
			r->pattern = e->pattern;
			e->pattern = NULL;
		}
		r = &c->rules[t->e[e->leader].rule];
		if ((rc = add_names(t, r, e->names, err)) != 0)
			return vouchd__locate(err, rc, t->l.path, e->line,
			    NULL);
	}
	return 0;
}

int
vouchd__signtable_load(struct vouchd_conf *c, struct vouch_error *err)
{
	struct table t;
	char *s;
	int rc;

	if ((rc = table_open(&t, c->signing_table, err)) != 0)
		goto out;
	while ((rc = vouchd__lines_next(&t.l, &s, err)) == 1)
		if ((rc = sign_line(&t, c->sign_regex, s, err)) != 0) {
			rc = vouchd__locate(err, rc, t.l.path, t.l.line, NULL);
			goto out;
		}
	if (rc == 0 && (rc = sort_keys(&t, c)) == 0 && (rc = group(&t)) == 0)
		rc = build_rules(&t, c, err);
out:
	table_free(&t);
	return rc;
}

/* "*" matches any run of characters; the rest matches itself, ignoring
 * ASCII case. */
static int
glob(const char *p, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			back = s;
		} else if (*p != '\0' && vouch__tolower((unsigned char)*p) ==
		    vouch__tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++back;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

const struct vouchd_sign_rule *
vouchd_conf_signing(const struct vouchd_conf *c, const char *address)
{
	static const struct vouchd_sign_rule none = { "", 0, NULL };
	const char *at;
	size_t i;

	if (c == NULL || address == NULL)
		return &none;
	if (c->sign_regex) {
		for (i = 0; i < c->nrules; i++)
			if (glob(c->rules[i].pattern, address))
				return &c->rules[i];
		return &none;
	}
	for (i = 0; i < c->nrules; i++)
		if (vouch__strcaseeq(c->rules[i].pattern, address))
			return &c->rules[i];
	if ((at = strrchr(address, '@')) == NULL)
		return &none;
	for (i = 0; i < c->nrules; i++)
		if (vouch__strcaseeq(c->rules[i].pattern, at + 1))
			return &c->rules[i];
	return &none;
}
