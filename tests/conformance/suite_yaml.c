/*
 * suite_yaml.c - load YAML documents into a small tree with libyaml's
 * event API.
 *
 * A mapping is kept as its list of pairs, in order, so a key written twice
 * (blitiri's suite repeats test ids across scenarios; the ARC suite repeats
 * them inside one map) is never silently dropped.  Anchors are ignored and
 * aliases rejected: none of the suites uses them.  Nesting is capped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "spf_suite.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_DOCS 4096

struct loader {
	struct ynode *stack[YAML_MAX_DEPTH];
	size_t depth;
	struct ynode **docs;
	size_t ndocs;
	struct ynode *root;
	char *err;
	size_t errlen;
};

static struct ynode *
ynode_new(enum ynode_kind kind, const yaml_event_t *ev)
{
	struct ynode *n = xmalloc(sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = ev->start_mark.line + 1;
	return n;
}

static void
ynode_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->s);
	free(n);
}

void
yaml_free_docs(struct ynode **docs, size_t ndocs)
{
	size_t i;

	for (i = 0; i < ndocs; i++)
		ynode_free(docs[i]);
	free(docs);
}

static void
ynode_append(struct ynode *parent, struct ynode *kid)
{
	if (parent->n == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 8;
		parent->kids = xrealloc(parent->kids,
		    parent->cap * sizeof(*parent->kids));
	}
	parent->kids[parent->n++] = kid;
}

/* Hang n under the open container, or make it the document root. */
static int
attach(struct loader *L, struct ynode *n)
{
	if (L->depth > 0) {
		ynode_append(L->stack[L->depth - 1], n);
	} else if (L->root == NULL) {
		L->root = n;
	} else {
		ynode_free(n);
		snprintf(L->err, L->errlen, "two roots in one document");
		return -1;
	}
	return 0;
}

static int
open_node(struct loader *L, enum ynode_kind kind, const yaml_event_t *ev)
{
	struct ynode *n;

	if (L->depth == YAML_MAX_DEPTH) {
		snprintf(L->err, L->errlen, "line %lu: nesting over %d",
		    (unsigned long)ev->start_mark.line + 1, YAML_MAX_DEPTH);
		return -1;
	}
	n = ynode_new(kind, ev);
	if (attach(L, n) != 0)
		return -1;
	L->stack[L->depth++] = n;
	return 0;
}

static int
scalar(struct loader *L, const yaml_event_t *ev)
{
	struct ynode *n = ynode_new(YN_SCALAR, ev);

	n->len = ev->data.scalar.length;
	n->s = xstrndup((const char *)ev->data.scalar.value, n->len);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return attach(L, n);
}

static int
end_document(struct loader *L)
{
	if (L->root == NULL)
		return 0;
	if (L->ndocs == YAML_MAX_DOCS) {
		snprintf(L->err, L->errlen, "over %d documents",
		    YAML_MAX_DOCS);
		return -1;
	}
	L->docs = xrealloc(L->docs, (L->ndocs + 1) * sizeof(*L->docs));
	L->docs[L->ndocs++] = L->root;
	L->root = NULL;
	return 0;
}

/* One event; returns 1 at the end of the stream, 0 to go on, -1 on error. */
static int
on_event(struct loader *L, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_END_EVENT:
		return end_document(L);
	case YAML_SCALAR_EVENT:
		return scalar(L, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_node(L, YN_SEQ, ev);
	case YAML_MAPPING_START_EVENT:
		return open_node(L, YN_MAP, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		L->depth--;
		return 0;
	case YAML_ALIAS_EVENT:
		snprintf(L->err, L->errlen, "line %lu: aliases not supported",
		    (unsigned long)ev->start_mark.line + 1);
		return -1;
	default:
		return 0;
	}
}

int
yaml_load(const char *buf, size_t len, struct ynode ***docs,
    size_t *ndocs, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct loader L;
	int rc = 0;

	memset(&L, 0, sizeof(L));
	L.err = err;
	L.errlen = errlen;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "yaml_parser_initialize failed");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			snprintf(err, errlen, "line %lu: %s",
			    (unsigned long)parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "parse error");
			rc = -1;
			break;
		}
		rc = on_event(&L, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc < 0) {
		ynode_free(L.root);
		yaml_free_docs(L.docs, L.ndocs);
		return -1;
	}
	*docs = L.docs;
	*ndocs = L.ndocs;
	return 0;
}

int
ynode_is_null(const struct ynode *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != YN_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->s, "~") == 0 ||
	    strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
	    strcmp(n->s, "NULL") == 0;
}

const char *
ynode_str(const struct ynode *n)
{
	if (n == NULL || n->kind != YN_SCALAR || ynode_is_null(n))
		return NULL;
	return n->s;
}

const struct ynode *
ymap_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YN_MAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kids[i];

		if (k->kind == YN_SCALAR && strcmp(k->s, key) == 0)
			return map->kids[i + 1];
	}
	return NULL;
}
