/*
 * report_xml.c - aggregate-report XML through expat (SECURITY.md: XML never
 * expands entities or loads external resources).
 *
 * Refused before anything is handed over: a DOCTYPE (so no DTD, internal
 * or external, and no entity declaration can ever be read), external
 * entity references, parameter entities; nesting deeper than xml_depth;
 * leaf text longer than field_bytes.  expat itself refuses what is not
 * well-formed XML, bytes that are not valid in the declared encoding and
 * NUL characters, so every string handed over is valid UTF-8 without NUL.
 * All of expat's memory comes from vouch__malloc() (allocation-failure
 * tests reach it).  Encodings: expat's own (UTF-8, UTF-16, ISO-8859-1,
 * US-ASCII) plus windows-1252, which real reporters declare.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report_xml.h"

#define NS_DMARC2 "urn:ietf:params:xml:ns:dmarc-2.0"
#define NS_DMARC01 "http://dmarc.org/dmarc-xml/0.1"
/* expat joins "namespace-URI" NS_SEP "local-name"; a local name never
 * holds a space, so the last space splits them. */
#define NS_SEP ' '
/* What one XML_Parse() call gets: RX_PIECE_MAX bytes at most, or up to
 * VOUCH__RX_WHOLE_MAX bytes when they are the end of the document. */
#define RX_PIECE_MAX 65536u

struct rx_node {
	unsigned char id, parent, leaf, len;
	const char *name;
};

#define NODE(id, parent, leaf, name) \
	{id, parent, leaf, sizeof(name) - 1, name}

/* RFC 7489 appendix C and RFC 9990 section 3 (the union of both). */
static const struct rx_node nodes[] = {
	NODE(EL_FEEDBACK, EL_NONE, 0, "feedback"),
	NODE(EL_VERSION, EL_FEEDBACK, 1, "version"),
	NODE(EL_META, EL_FEEDBACK, 0, "report_metadata"),
	NODE(EL_ORG_NAME, EL_META, 1, "org_name"),
	NODE(EL_EMAIL, EL_META, 1, "email"),
	NODE(EL_EXTRA, EL_META, 1, "extra_contact_info"),
	NODE(EL_REPORT_ID, EL_META, 1, "report_id"),
	NODE(EL_ERROR, EL_META, 1, "error"),
	NODE(EL_GENERATOR, EL_META, 1, "generator"),
	NODE(EL_DATE_RANGE, EL_META, 0, "date_range"),
	NODE(EL_BEGIN, EL_DATE_RANGE, 1, "begin"),
	NODE(EL_END, EL_DATE_RANGE, 1, "end"),
	NODE(EL_POLICY, EL_FEEDBACK, 0, "policy_published"),
	NODE(EL_DOMAIN, EL_POLICY, 1, "domain"),
	NODE(EL_ADKIM, EL_POLICY, 1, "adkim"),
	NODE(EL_ASPF, EL_POLICY, 1, "aspf"),
	NODE(EL_P, EL_POLICY, 1, "p"),
	NODE(EL_SP, EL_POLICY, 1, "sp"),
	NODE(EL_NP, EL_POLICY, 1, "np"),
	NODE(EL_PCT, EL_POLICY, 1, "pct"),
	NODE(EL_FO, EL_POLICY, 1, "fo"),
	NODE(EL_TESTING, EL_POLICY, 1, "testing"),
	NODE(EL_DISCOVERY, EL_POLICY, 1, "discovery_method"),
	NODE(EL_RECORD, EL_FEEDBACK, 0, "record"),
	NODE(EL_ROW, EL_RECORD, 0, "row"),
	NODE(EL_SOURCE_IP, EL_ROW, 1, "source_ip"),
	NODE(EL_COUNT, EL_ROW, 1, "count"),
	NODE(EL_EVAL, EL_ROW, 0, "policy_evaluated"),
	NODE(EL_DISPOSITION, EL_EVAL, 1, "disposition"),
	NODE(EL_EVAL_DKIM, EL_EVAL, 1, "dkim"),
	NODE(EL_EVAL_SPF, EL_EVAL, 1, "spf"),
	NODE(EL_REASON, EL_EVAL, 0, "reason"),
	NODE(EL_REASON_TYPE, EL_REASON, 1, "type"),
	NODE(EL_REASON_COMMENT, EL_REASON, 1, "comment"),
	NODE(EL_IDENT, EL_RECORD, 0, "identifiers"),
	NODE(EL_ENV_TO, EL_IDENT, 1, "envelope_to"),
	NODE(EL_ENV_FROM, EL_IDENT, 1, "envelope_from"),
	NODE(EL_HEADER_FROM, EL_IDENT, 1, "header_from"),
	NODE(EL_AUTH, EL_RECORD, 0, "auth_results"),
	NODE(EL_DKIM, EL_AUTH, 0, "dkim"),
	NODE(EL_DKIM_DOMAIN, EL_DKIM, 1, "domain"),
	NODE(EL_DKIM_SELECTOR, EL_DKIM, 1, "selector"),
	NODE(EL_DKIM_RESULT, EL_DKIM, 1, "result"),
	NODE(EL_DKIM_HUMAN, EL_DKIM, 1, "human_result"),
	NODE(EL_SPF, EL_AUTH, 0, "spf"),
	NODE(EL_SPF_DOMAIN, EL_SPF, 1, "domain"),
	NODE(EL_SPF_SCOPE, EL_SPF, 1, "scope"),
	NODE(EL_SPF_RESULT, EL_SPF, 1, "result"),
	NODE(EL_SPF_HUMAN, EL_SPF, 1, "human_result"),
};

_Static_assert(EL__COUNT <= 64, "leaf bits must fit in uint64_t");
_Static_assert(sizeof(nodes) / sizeof(nodes[0]) == EL__COUNT - 1,
    "one table row per element");

const char *
vouch__rx_name(unsigned id)
{
	return id >= 1 && id < EL__COUNT ? nodes[id - 1].name : "?";
}

static int
is_leaf(unsigned id)
{
	return id >= 1 && id < EL__COUNT && nodes[id - 1].leaf;
}

/* The table as lists of children, for lookup(): first[parent] and
 * next[child] (EL_NONE ends a list). */
static void
link_nodes(struct vouch__rx *x)
{
	size_t i = sizeof(nodes) / sizeof(nodes[0]);

	memset(x->first, 0, sizeof(x->first));
	while (i-- > 0) {
		x->next[nodes[i].id] = x->first[nodes[i].parent];
		x->first[nodes[i].parent] = nodes[i].id;
	}
}

static unsigned
lookup(const struct vouch__rx *x, unsigned parent, const char *local,
    size_t len)
{
	unsigned id;

	for (id = x->first[parent]; id != EL_NONE; id = x->next[id])
		if (nodes[id - 1].len == len &&
		    memcmp(nodes[id - 1].name, local, len) == 0)
			return id;
	return EL_NONE;
}

int
vouch__rx_fail(struct vouch__rx *x, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[VOUCH_ERROR_MSG_MAX];
	unsigned line = (unsigned)XML_GetCurrentLineNumber(x->p);

	if (x->rc != 0)
		return x->rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Inside a record, say which one (0-based, document order). */
	if (x->in_record)
		vouch__error(x->c->err, code, line, "record %zu: %s",
		    x->nrecords, msg);
	else
		vouch__error(x->c->err, code, line, "%s", msg);
	x->rc = code;
	XML_StopParser(x->p, XML_FALSE);
	return code;
}

/* Split an expat name into namespace (may be "") and local part; 1 when
 * the namespace is one of ours. */
static int
split_name(const char *name, const char **local, int *dmarc2)
{
	const char *sep = strrchr(name, NS_SEP);
	size_t nl;

	*dmarc2 = 0;
	if (sep == NULL) {
		*local = name;
		return 1;
	}
	*local = sep + 1;
	nl = (size_t)(sep - name);
	if (nl == strlen(NS_DMARC2) && memcmp(name, NS_DMARC2, nl) == 0) {
		*dmarc2 = 1;
		return 1;
	}
	return nl == strlen(NS_DMARC01) && memcmp(name, NS_DMARC01, nl) == 0;
}

/*
 * split_name() for every element below the root, where which of our
 * namespaces does not matter: the two URIs are compared whole at the
 * front of the name first.  A local name never holds a space, so a
 * longer URI that merely starts like ours leaves a "local" name with a
 * space, which no element has: skipped as foreign, as split_name() would.
 */
static int
local_name(const char *name, const char **local)
{
	static const char ns2[] = NS_DMARC2 " ", ns01[] = NS_DMARC01 " ";
	int dmarc2;

	if (name[0] == 'u' && strncmp(name, ns2, sizeof(ns2) - 1) == 0) {
		*local = name + sizeof(ns2) - 1;
		return 1;
	}
	if (name[0] == 'h' && strncmp(name, ns01, sizeof(ns01) - 1) == 0) {
		*local = name + sizeof(ns01) - 1;
		return 1;
	}
	return split_name(name, local, &dmarc2);
}

static void
on_root(struct vouch__rx *x, const char *name)
{
	const char *local;
	char q[80];
	int dmarc2, ours = split_name(name, &local, &dmarc2);

	x->root_seen = 1;
	if (!ours || strcmp(local, "feedback") != 0) {
		vouch__rx_fail(x, VOUCH_EUNSUPPORTED, "root element <%s>%s is "
		    "not a DMARC <feedback>", vouch__report_quote(local,
		    strlen(local), q, sizeof(q)), ours ? "" :
		    " in a foreign namespace");
		return;
	}
	/* RFC 9990 is told by its namespace alone: <version> is often
	 * wrong in both directions (see docs/reports.md). */
	x->meta.schema = dmarc2 ? VOUCH_REPORT_RFC9990 : VOUCH_REPORT_RFC7489;
	x->stack[x->nstack++] = EL_FEEDBACK;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct vouch__rx *x = ud;
	const char *local;
	unsigned id;

	(void)atts;
	if (x->rc != 0)
		return;
	if (++x->depth > x->c->lim.xml_depth) {
		vouch__rx_fail(x, VOUCH_ELIMIT, "XML nested deeper than %u "
		    "elements", x->c->lim.xml_depth);
		return;
	}
	if (!x->root_seen) {
		on_root(x, name);
		return;
	}
	if (x->skip > 0 || !local_name(name, &local) ||
	    x->nstack == RX_KNOWN_MAX || (id = lookup(x, x->stack[x->nstack -
	    1], local, strlen(local))) == EL_NONE) {
		x->skip++;
		return;
	}
	x->stack[x->nstack++] = (unsigned char)id;
	if (is_leaf(id))
		vouch__buf_reset(&x->text);
	else
		vouch__rx_open(x, id);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct vouch__rx *x = ud;
	char empty[1] = "";
	unsigned id;

	(void)name;
	if (x->rc != 0)
		return;
	x->depth--;
	if (x->skip > 0) {
		x->skip--;
		return;
	}
	id = x->stack[--x->nstack];
	if (is_leaf(id))
		vouch__rx_leaf(x, id, x->text.data != NULL ? x->text.data :
		    empty, x->text.len);
	else if (id != EL_FEEDBACK)
		vouch__rx_close(x, id);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct vouch__rx *x = ud;
	unsigned id;
	int rc;

	if (x->rc != 0 || x->skip > 0 || x->nstack == 0)
		return;
	id = x->stack[x->nstack - 1];
	if (!is_leaf(id))
		return;
	rc = vouch__buf_append(&x->text, s, (size_t)len);
	if (rc == VOUCH_ELIMIT)
		vouch__rx_fail(x, rc, "<%s> text longer than %zu bytes",
		    vouch__rx_name(id), x->c->lim.field_bytes);
	else if (rc != 0)
		vouch__rx_fail(x, rc, "out of memory");
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct vouch__rx *x = ud;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	vouch__rx_fail(x, VOUCH_ESYNTAX, "a DOCTYPE is refused: no DTD, "
	    "entity or external resource is ever read from a report");
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int value_length, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	struct vouch__rx *x = ud;

	(void)name;
	(void)is_param;
	(void)value;
	(void)value_length;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	vouch__rx_fail(x, VOUCH_ESYNTAX, "an entity declaration is refused");
}

static int XMLCALL
on_extref(XML_Parser p, const XML_Char *context, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid)
{
	(void)p;
	(void)context;
	(void)base;
	(void)sysid;
	(void)pubid;
	return XML_STATUS_ERROR;
}

/* windows-1252 0x80..0x9F (the rest is ISO-8859-1); -1: undefined. */
static const int cp1252_hi[32] = {
	0x20AC, -1, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, -1, 0x017D, -1,
	-1, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, -1, 0x017E, 0x0178
};

static int XMLCALL
on_encoding(void *ud, const XML_Char *name, XML_Encoding *info)
{
	int i;

	(void)ud;
	if (!vouch__strcaseeq(name, "windows-1252") &&
	    !vouch__strcaseeq(name, "cp1252"))
		return XML_STATUS_ERROR;
	for (i = 0; i < 256; i++)
		info->map[i] = i >= 0x80 && i < 0xa0 ? cp1252_hi[i - 0x80] : i;
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return XML_STATUS_OK;
}

static void *
xml_malloc(size_t n)
{
	return vouch__malloc(n);
}

static void *
xml_realloc(void *p, size_t n)
{
	return vouch__realloc(p, n);
}

static void
xml_free(void *p)
{
	vouch__free(p);
}

int
vouch__rx_new(struct vouch__rctx *c, struct vouch__rx **out)
{
	static const XML_Memory_Handling_Suite mem = {
		xml_malloc, xml_realloc, xml_free
	};
	static const XML_Char sep[] = {NS_SEP, '\0'};
	struct vouch__rx *x;

	*out = NULL;
	x = vouch__calloc(1, sizeof(*x));
	if (x == NULL)
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	x->c = c;
	x->p = XML_ParserCreate_MM(NULL, &mem, sep);
	if (x->p == NULL) {
		vouch__free(x);
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	}
	vouch__buf_init(&x->text, c->lim.field_bytes);
	vouch__arena_init(&x->ma, 0);
	vouch__arena_init(&x->ra, 0);
	vouch__rx_reset(x);
	link_nodes(x);
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	XML_SetExternalEntityRefHandler(x->p, on_extref);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetUnknownEncodingHandler(x->p, on_encoding, NULL);
	*out = x;
	return 0;
}

void
vouch__rx_free(struct vouch__rx *x)
{
	if (x == NULL)
		return;
	XML_ParserFree(x->p);
	vouch__buf_free(&x->text);
	vouch__arena_free(&x->ma);
	vouch__arena_free(&x->ra);
	vouch__rx_vec_free(&x->errors);
	vouch__rx_vec_free(&x->dkim);
	vouch__rx_vec_free(&x->spf);
	vouch__rx_vec_free(&x->reasons);
	vouch__free(x);
}

static int
parse_error(struct vouch__rx *x)
{
	enum XML_Error e = XML_GetErrorCode(x->p);

	if (x->rc != 0)
		return x->rc;
	if (e == XML_ERROR_NO_MEMORY)
		return vouch__report_fail(x->c, VOUCH_ENOMEM, "out of memory");
	if (e == XML_ERROR_EXTERNAL_ENTITY_HANDLING)
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "an external entity "
		    "is refused");
	x->rc = vouch__error(x->c->err, VOUCH_ESYNTAX,
	    (unsigned)XML_GetCurrentLineNumber(x->p), "XML not well-formed: "
	    "%s at line %lu, column %lu", XML_ErrorString(e),
	    (unsigned long)XML_GetCurrentLineNumber(x->p),
	    (unsigned long)XML_GetCurrentColumnNumber(x->p));
	return x->rc;
}

int
vouch__rx_feed(struct vouch__rx *x, const unsigned char *p, size_t n,
    int final)
{
	size_t k;
	int last = 0;

	if (x->rc != 0)
		return x->rc;
	/*
	 * XML_Parse() takes an int length, and copies what it is given into
	 * a buffer of its own: pieces of RX_PIECE_MAX, but the last
	 * VOUCH__RX_WHOLE_MAX bytes of a final call in one piece, which
	 * spares expat its line and column count (report_int.h).
	 */
	for (; n > 0 && !last; p += k, n -= k) {
		k = n > (final ? VOUCH__RX_WHOLE_MAX : RX_PIECE_MAX) ?
		    RX_PIECE_MAX : n;
		last = final && k == n;
		if (XML_Parse(x->p, (const char *)p, (int)k, last) !=
		    XML_STATUS_OK)
			return parse_error(x);
	}
	if (final && !last && XML_Parse(x->p, "", 0, 1) != XML_STATUS_OK)
		return parse_error(x);
	if (final)
		return vouch__rx_finish(x);
	return 0;
}
