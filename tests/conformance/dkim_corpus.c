/*
 * dkim_corpus.c - the DNS side of the DKIM corpora, and the index.tsv
 * cross-check.
 *
 * Every corpus gives its key records in one of the text forms of
 * shared/corpora/README.md ("Other DNS text formats used here"):
 *   dns.txt (dkimpy, ocaml-dkim)   "<owner> <TXT value>", first space
 *   Stalwart dkim/NNN.txt          the same, up to the first empty line,
 *                                  then the message
 *   FAKE_DNS.dat (Mail::DKIM)      owner, whitespace, value; values
 *                                  NXDOMAIN, ~~Query timed out~~,
 *                                  ~~SERVFAIL~~ and "" are special
 *   dns.json (mailauth)            see dkim_json.c
 * The records go into a struct dzone and from there into master-file
 * text through zone_text.c, so TXT values over 255 octets are split into
 * several character-strings and '"' and '\' are escaped there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "dkim_suite.h"

#define DZONE_MAX 10000		/* records in one corpus; none comes near */

void
dzone_free(struct dzone *z)
{
	size_t i, j;

	for (i = 0; i < z->n; i++) {
		for (j = 0; j < z->v[i].nstr; j++)
			free(z->v[i].str[j]);
		free(z->v[i].str);
		free(z->v[i].len);
		free(z->v[i].owner);
	}
	free(z->v);
	memset(z, 0, sizeof(*z));
}

static struct drec *
dzone_new(struct dzone *z, const char *owner, size_t olen,
    enum drec_kind k)
{
	struct drec *r;

	if (z->n == DZONE_MAX) {
		fprintf(stderr, "dkim_suite: over %d DNS records\n",
		    DZONE_MAX);
		exit(2);
	}
	if (z->n == z->cap) {
		z->cap = z->cap ? z->cap * 2 : 16;
		z->v = xrealloc(z->v, z->cap * sizeof(*z->v));
	}
	r = &z->v[z->n++];
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->owner = xstrndup(owner, olen);
	return r;
}

void
dzone_add_str(struct dzone *z, const char *s, size_t len)
{
	struct drec *r = &z->v[z->n - 1];

	r->str = xrealloc(r->str, (r->nstr + 1) * sizeof(*r->str));
	r->len = xrealloc(r->len, (r->nstr + 1) * sizeof(*r->len));
	r->str[r->nstr] = xstrndup(s, len);
	r->len[r->nstr] = len;
	r->nstr++;
}

void
dzone_add_txt(struct dzone *z, const char *owner, const char *value,
    size_t len)
{
	dzone_new(z, owner, strlen(owner), DREC_TXT);
	if (value != NULL)
		dzone_add_str(z, value, len);
}

void
dzone_add_kind(struct dzone *z, const char *owner, enum drec_kind k)
{
	dzone_new(z, owner, strlen(owner), k);
}

void
dzone_text(const struct dzone *z, const char *over_owner,
    const char *over_value, struct strbuf *out)
{
	const char *ov[1];
	size_t ol[1], i;

	for (i = 0; i < z->n; i++) {
		const struct drec *r = &z->v[i];

		if (over_owner != NULL && str_caseeq(r->owner, over_owner))
			continue;
		switch (r->kind) {
		case DREC_TXT:
			zt_txt(out, r->owner, (const char *const *)r->str,
			    r->len, r->nstr);
			break;
		case DREC_TIMEOUT:
			zt_fail(out, "$TIMEOUT", r->owner, NULL);
			break;
		case DREC_SERVFAIL:
			zt_fail(out, "$SERVFAIL", r->owner, NULL);
			break;
		case DREC_NXDOMAIN:
			/* A name with no record does not exist. */
			break;
		}
	}
	if (over_owner != NULL) {
		ov[0] = over_value;
		ol[0] = strlen(over_value);
		zt_txt(out, over_owner, ov, ol, 1);
	}
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

/* One "<owner> <value>" line (no line end); special: FAKE_DNS.dat. */
static void
load_line(struct dzone *z, const char *p, size_t n, int special)
{
	size_t o = 0, v;

	while (o < n && !is_space(p[o]))
		o++;
	v = o;
	/* dns.txt: the first space separates; FAKE_DNS.dat: any run. */
	if (special) {
		while (v < n && is_space(p[v]))
			v++;
	} else if (v < n) {
		v++;
	}
	while (n > v && is_space(p[n - 1]))
		n--;
	if (o == 0)
		return;
	dzone_new(z, p, o, DREC_TXT);
	if (!special) {
		dzone_add_str(z, p + v, n - v);
		return;
	}
	if (n - v == 8 && memcmp(p + v, "NXDOMAIN", 8) == 0)
		z->v[z->n - 1].kind = DREC_NXDOMAIN;
	else if (n - v == 19 && memcmp(p + v, "~~Query timed out~~", 19) == 0)
		z->v[z->n - 1].kind = DREC_TIMEOUT;
	else if (n - v > 4 && memcmp(p + v, "~~", 2) == 0 &&
	    memcmp(p + n - 2, "~~", 2) == 0)
		z->v[z->n - 1].kind = DREC_SERVFAIL;
	else if (n - v == 2 && memcmp(p + v, "\"\"", 2) == 0)
		dzone_add_str(z, "", 0);
	else
		dzone_add_str(z, p + v, n - v);
}

size_t
dzone_load_lines(struct dzone *z, const char *buf, size_t len, int special,
    int stop_at_blank)
{
	size_t off = 0, end, n;

	while (off < len) {
		end = off;
		while (end < len && buf[end] != '\n')
			end++;
		n = end - off;
		if (n > 0 && buf[off + n - 1] == '\r')
			n--;
		if (n == 0 && stop_at_blank)
			return end < len ? end + 1 : len;
		if (n > 0 && buf[off] != '#' && buf[off] != ';')
			load_line(z, buf + off, n, special);
		off = end < len ? end + 1 : len;
	}
	return len;
}

static char *
read_corpus(const char *dir, const char *file, size_t *len, char *err,
    size_t errlen)
{
	char rel[1024];
	char *buf;

	snprintf(rel, sizeof(rel), "%s/%s", dir, file);
	buf = tu_read_file(tu_corpus_path(rel), len);
	if (buf == NULL)
		snprintf(err, errlen, "cannot read %.200s", rel);
	return buf;
}

int
dcorpus_zone(enum dformat f, const char *dir, const char *file,
    const char *buf, size_t len, struct dzone *z, size_t *body_off,
    char *err, size_t errlen)
{
	const char *name;
	char *text;
	size_t tlen;
	int rc = 0;

	*body_off = 0;
	switch (f) {
	case DF_STALWART:
		(void)file;
		*body_off = dzone_load_lines(z, buf, len, 0, 1);
		return 0;
	case DF_MAILAUTH:
		name = "rfc8463-example/dns.json";
		break;
	case DF_MDKIM:
		name = "FAKE_DNS.dat";
		break;
	default:
		name = "dns.txt";
		break;
	}
	text = read_corpus(dir, name, &tlen, err, errlen);
	if (text == NULL)
		return -1;
	if (f == DF_MAILAUTH)
		rc = dzone_load_json(z, text, tlen, err, errlen);
	else
		dzone_load_lines(z, text, tlen, f == DF_MDKIM, 0);
	free(text);
	return rc;
}

/* Field col (0-based) of a TAB-separated line, copied into out. */
static int
tsv_field(const char *line, size_t n, unsigned col, char *out, size_t outlen)
{
	size_t i = 0, start;
	unsigned c = 0;

	while (c < col && i < n) {
		if (line[i++] == '\t')
			c++;
	}
	if (c < col)
		return -1;
	start = i;
	while (i < n && line[i] != '\t')
		i++;
	if (i - start >= outlen)
		return -1;
	memcpy(out, line + start, i - start);
	out[i - start] = '\0';
	return 0;
}

/* The index row whose first field is file: expectation column col. */
static int
index_lookup(const char *idx, size_t len, const char *file, unsigned col,
    char *out, size_t outlen)
{
	size_t off = 0, end;
	char first[512];

	while (off < len) {
		end = off;
		while (end < len && idx[end] != '\n')
			end++;
		if (tsv_field(idx + off, end - off, 0, first,
		    sizeof(first)) == 0 && strcmp(first, file) == 0)
			return tsv_field(idx + off, end - off, col, out,
			    outlen);
		off = end + 1;
	}
	return -1;
}

static int
table_has(const struct dtable *t, const char *file)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].file, file) == 0)
			return 1;
	return 0;
}

/* Every index row under prefix has a table entry: none forgotten. */
static unsigned
index_rows_covered(const char *idx, size_t len, const struct dtable *t,
    const char *prefix)
{
	size_t off = 0, end;
	char first[512];
	unsigned bad = 0;

	while (off < len) {
		end = off;
		while (end < len && idx[end] != '\n')
			end++;
		if (tsv_field(idx + off, end - off, 0, first,
		    sizeof(first)) == 0 &&
		    strncmp(first, prefix, strlen(prefix)) == 0 &&
		    !table_has(t, first)) {
			printf("FAIL %s/%s | in index.tsv but not in the "
			    "expectation table\n", t->dir, first);
			bad++;
		}
		off = end + 1;
	}
	return bad;
}

unsigned
dcorpus_check_index(enum dformat f, const struct dtable *t)
{
	char err[256], word[256];
	unsigned col = 0, bad = 0;
	size_t len, i;
	char *idx;

	/* Mail::DKIM: expected_result; ocaml-dkim: the valid count. */
	if (f == DF_MDKIM)
		col = 1;
	else if (f == DF_OCAML)
		col = 2;
	idx = read_corpus(t->dir, "index.tsv", &len, err, sizeof(err));
	if (idx == NULL) {
		printf("FAIL %s | %s\n", t->name, err);
		return 1;
	}
	for (i = 0; i < t->n; i++) {
		const struct dexpect *e = &t->v[i];

		if (index_lookup(idx, len, e->file, col, word,
		    sizeof(word)) != 0) {
			printf("FAIL %s/%s | not listed in index.tsv\n",
			    t->dir, e->file);
			bad++;
		} else if (col != 0 && strcmp(word, e->upstream) != 0) {
			printf("FAIL %s/%s | table says upstream '%s', "
			    "index.tsv says '%s'\n", t->dir, e->file,
			    e->upstream, word);
			bad++;
		}
	}
	if (f == DF_MDKIM || f == DF_OCAML)
		bad += index_rows_covered(idx, len, t,
		    f == DF_MDKIM ? "corpus/" : "raw/");
	free(idx);
	return bad;
}
