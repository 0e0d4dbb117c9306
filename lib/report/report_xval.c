/*
 * report_xval.c - what the text of each aggregate-report element means
 * (RFC 7489 appendix C, RFC 9990 section 3).
 *
 * Every leaf's text is trimmed of surrounding ASCII white space.  Result
 * words, dispositions, reason types, scopes, discovery methods and the
 * domains used for matching (policy domain, header_from) are lower-cased;
 * an empty word is absent (NULL).  Free text (org_name, report_id, ...)
 * is kept as given, "" when the element is empty.  Numbers and enumerated
 * policy values that cannot be read refuse the report: a report an
 * importer cannot read is never half-stored.  A leaf that may occur once
 * and occurs twice is refused (two report_ids or two source_ips are
 * ambiguous).  docs/reports.md lists every accepted deviation.
 */
#include <stddef.h>
#include <string.h>

#include "report/report_xml.h"

#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

static char *
trim(char *s, size_t *n)
{
	size_t len = *n;

	while (len > 0 && IS_SPACE(*s)) {
		s++;
		len--;
	}
	while (len > 0 && IS_SPACE(s[len - 1]))
		len--;
	s[len] = '\0';
	*n = len;
	return s;
}

static int
bad_value(struct vouch__rx *x, unsigned id, const char *v, size_t n,
    const char *want)
{
	char q[80];

	return vouch__rx_fail(x, VOUCH_ESYNTAX, "<%s> '%s' is not %s",
	    vouch__rx_name(id), vouch__report_quote(v, n, q, sizeof(q)), want);
}

/* Decimal digits, at most 19 of them so the value fits an uint64_t
 * below 10^19; end gets the first byte after them. */
static int
read_digits(const char *v, uint64_t *out, const char **end)
{
	uint64_t r = 0;
	size_t k;

	for (k = 0; IS_DIGIT(v[k]); k++) {
		if (k == 19)
			return -1;
		r = r * 10 + (uint64_t)(v[k] - '0');
	}
	*end = v + k;
	*out = r;
	return k > 0 ? 0 : -1;
}

/* date_range: seconds since 1970, with a ".0" fraction accepted. */
static int
read_time(struct vouch__rx *x, unsigned id, const char *v, size_t n,
    int64_t *out)
{
	const char *e;
	uint64_t t;

	if (read_digits(v, &t, &e) != 0 || t > (uint64_t)INT64_MAX / 2)
		return bad_value(x, id, v, n, "a time in seconds");
	if (*e == '.')
		for (e++; *e == '0'; e++)
			;
	if (*e != '\0')
		return bad_value(x, id, v, n, "a time in whole seconds");
	*out = (int64_t)t;
	return 0;
}

static int
read_policy(struct vouch__rx *x, unsigned id, char *v, size_t n,
    enum vouch_dmarc_policy *out)
{
	vouch__lower(v);
	if (n == 0)
		*out = VOUCH_DMARC_POLICY_UNSET;
	else if (strcmp(v, "none") == 0)
		*out = VOUCH_DMARC_POLICY_NONE;
	else if (strcmp(v, "quarantine") == 0)
		*out = VOUCH_DMARC_POLICY_QUARANTINE;
	else if (strcmp(v, "reject") == 0)
		*out = VOUCH_DMARC_POLICY_REJECT;
	else
		return bad_value(x, id, v, n, "none, quarantine or reject");
	return 0;
}

/* One of two letters (adkim/aspf r|s, testing n|y) -> 0 / 1, -1 empty. */
static int
read_flag(struct vouch__rx *x, unsigned id, char *v, size_t n,
    const char *letters, int *out)
{
	vouch__lower(v);
	if (n == 0)
		*out = -1;
	else if (n == 1 && v[0] == letters[0])
		*out = 0;
	else if (n == 1 && v[0] == letters[1])
		*out = 1;
	else
		return bad_value(x, id, v, n, letters[0] == 'r' ? "r or s" :
		    "n or y");
	return 0;
}

static int
read_pct(struct vouch__rx *x, char *v, size_t n)
{
	const char *e;
	uint64_t t;

	if (n == 0) {
		x->meta.pct = -1;
		return 0;
	}
	if (read_digits(v, &t, &e) != 0 || *e != '\0' || t > 100)
		return bad_value(x, EL_PCT, v, n, "a percentage");
	x->meta.pct = (int)t;
	return 0;
}

/* Keep v (n bytes) in arena a; lower-cased when lower; NULL word when
 * empty and empty_null. */
static int
keep(struct vouch__rx *x, const char **dst, char *v, size_t n, int lower,
    int empty_null)
{
	struct vouch__arena *a = x->in_record ? &x->ra : &x->ma;

	if (lower)
		vouch__lower(v);
	if (n == 0 && empty_null) {
		*dst = NULL;
		return 0;
	}
	*dst = vouch__arena_strndup(a, v, n);
	return *dst != NULL ? 0 : vouch__rx_fail(x, VOUCH_ENOMEM,
	    "out of memory");
}

/* Elements kept as text: where the field is, lower-cased or not, an
 * empty one absent (a word) or "" (free text). */
enum { IN_META, IN_RECORD, IN_DKIM, IN_SPF, IN_REASON };

#define META_AT(f) IN_META, offsetof(struct vouch_report_meta, f)
#define REC_AT(f) IN_RECORD, offsetof(struct vouch_report_record, f)
#define DKIM_AT(f) IN_DKIM, offsetof(struct vouch_report_dkim, f)
#define SPF_AT(f) IN_SPF, offsetof(struct vouch_report_spf, f)
#define REASON_AT(f) IN_REASON, offsetof(struct vouch_report_reason, f)

/* Indexed by element id; "text" 0: not one of these. */
static const struct {
	unsigned char text, in;
	size_t off;
	unsigned char lower, word;
} texts[EL__COUNT] = {
	[EL_VERSION] = {1, META_AT(version), 0, 0},
	[EL_ORG_NAME] = {1, META_AT(org_name), 0, 0},
	[EL_EMAIL] = {1, META_AT(email), 0, 0},
	[EL_EXTRA] = {1, META_AT(extra_contact_info), 0, 0},
	[EL_REPORT_ID] = {1, META_AT(report_id), 0, 0},
	[EL_GENERATOR] = {1, META_AT(generator), 0, 0},
	[EL_DOMAIN] = {1, META_AT(domain), 1, 0},
	[EL_FO] = {1, META_AT(fo), 0, 0},
	[EL_DISCOVERY] = {1, META_AT(discovery_method), 1, 1},
	[EL_DISPOSITION] = {1, REC_AT(disposition), 1, 1},
	[EL_EVAL_DKIM] = {1, REC_AT(dkim), 1, 1},
	[EL_EVAL_SPF] = {1, REC_AT(spf), 1, 1},
	[EL_REASON_TYPE] = {1, REASON_AT(type), 1, 1},
	[EL_REASON_COMMENT] = {1, REASON_AT(comment), 0, 0},
	[EL_ENV_TO] = {1, REC_AT(envelope_to), 0, 0},
	[EL_ENV_FROM] = {1, REC_AT(envelope_from), 0, 0},
	[EL_HEADER_FROM] = {1, REC_AT(header_from), 1, 0},
	[EL_DKIM_DOMAIN] = {1, DKIM_AT(domain), 0, 0},
	[EL_DKIM_SELECTOR] = {1, DKIM_AT(selector), 0, 0},
	[EL_DKIM_RESULT] = {1, DKIM_AT(result), 1, 1},
	[EL_DKIM_HUMAN] = {1, DKIM_AT(human_result), 0, 0},
	[EL_SPF_DOMAIN] = {1, SPF_AT(domain), 0, 0},
	[EL_SPF_SCOPE] = {1, SPF_AT(scope), 1, 1},
	[EL_SPF_RESULT] = {1, SPF_AT(result), 1, 1},
	[EL_SPF_HUMAN] = {1, SPF_AT(human_result), 0, 0},
};

/* The last element of a (its parent element is open, so there is one). */
static void *
last(const struct rx_vec *a, size_t sz)
{
	return (char *)a->v + (a->n - 1) * sz;
}

static const char **
text_slot(struct vouch__rx *x, unsigned i)
{
	char *base;

	switch (texts[i].in) {
	case IN_META:
		base = (char *)&x->meta;
		break;
	case IN_RECORD:
		base = (char *)&x->rec;
		break;
	case IN_DKIM:
		base = last(&x->dkim, sizeof(struct vouch_report_dkim));
		break;
	case IN_SPF:
		base = last(&x->spf, sizeof(struct vouch_report_spf));
		break;
	default:
		base = last(&x->reasons, sizeof(struct vouch_report_reason));
		break;
	}
	return (const char **)(void *)(base + texts[i].off);
}

static int
number_leaf(struct vouch__rx *x, unsigned id, char *v, size_t n)
{
	struct vouch_report_meta *m = &x->meta;
	struct vouch_report_record *r = &x->rec;
	const char *e;

	switch (id) {
	case EL_BEGIN:
	case EL_END:
		return read_time(x, id, v, n, id == EL_BEGIN ? &m->begin :
		    &m->end);
	case EL_ADKIM:
	case EL_ASPF:
		return read_flag(x, id, v, n, "rs", id == EL_ADKIM ?
		    &m->adkim_strict : &m->aspf_strict);
	case EL_P:
	case EL_SP:
	case EL_NP:
		return read_policy(x, id, v, n, id == EL_P ? &m->p :
		    id == EL_SP ? &m->sp : &m->np);
	case EL_PCT:
		return read_pct(x, v, n);
	case EL_TESTING:
		return read_flag(x, id, v, n, "ny", &m->testing);
	case EL_SOURCE_IP:
		if (vouch_ip_parse(v, &r->source_ip) != 0)
			return bad_value(x, id, v, n, "an IP address");
		vouch_ip_unmap(&r->source_ip);
		return 0;
	case EL_COUNT:
		if (read_digits(v, &r->count, &e) != 0 || *e != '\0')
			return bad_value(x, id, v, n, "a message count");
		return 0;
	default:
		return 0;
	}
}

int
vouch__rx_leaf(struct vouch__rx *x, unsigned id, char *s, size_t n)
{
	const char **slot;
	char *v;

	if (id != EL_ERROR) {
		if (x->seen & RX_BIT(id))
			return vouch__rx_fail(x, VOUCH_ESYNTAX, "<%s> appears "
			    "twice", vouch__rx_name(id));
		x->seen |= RX_BIT(id);
	}
	v = trim(s, &n);
	if (id == EL_VERSION && x->meta_sent)
		return vouch__rx_fail(x, VOUCH_ESYNTAX, "<version> after the "
		    "first <record>");
	if (id == EL_ERROR) {
		slot = vouch__rx_vec_push(x, &x->errors, sizeof(char *),
		    VOUCH_REPORT_RESULTS_MAX, "error");
		return slot != NULL ? keep(x, slot, v, n, 0, 0) : x->rc;
	}
	/* "hardfail" (RFC 4408 prose) is RFC 7208's fail. */
	if (id == EL_SPF_RESULT && vouch__strcaseeq(v, "hardfail")) {
		memcpy(v, "fail", 5);
		n = 4;
	}
	if (id < EL__COUNT && texts[id].text)
		return keep(x, text_slot(x, id), v, n, texts[id].lower,
		    texts[id].word);
	return number_leaf(x, id, v, n);
}
