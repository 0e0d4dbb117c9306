/*
 * dmarc_record.c - the DMARC policy record (RFC 9989 4.7, 4.8): the tag
 * list, the single-valued tags, the policy state (4.10.1).  The rua/ruf
 * lists are read by dmarc_uri.c, the canonical text written by
 * dmarc_record_fmt.c.  Every read is
 * bounded by the length given; the input need not be NUL-terminated.
 *
 * Where the RFC leaves room, this file decides:
 *  - Values are matched without regard to case (p=REJECT is p=reject):
 *    4.8 writes them as ABNF strings, which RFC 5234 2.3 makes
 *    case-insensitive, and marks only "DMARC1" %s (RFC 7405) case
 *    sensitive.  Tag names likewise ("v" included).
 *  - Nothing may precede "v" (4.8: dmarc-record starts with
 *    dmarc-version; 4.10 step 2: records that do not start with "v" are
 *    discarded), so " v=DMARC1" is not a DMARC record.
 *  - A tag given twice: 4.7/4.8 say nothing of it; the repeat is treated
 *    as a syntax error, which 4.8 says to ignore, so the first counts,
 *    valid or not.
 *  - An empty value (p=) breaks 4.8 "1*dmarc-value": it is an
 *    invalid-value, like any other value its tag's rule rejects; an empty
 *    tag-spec between two ";" is a syntax finding.
 *  - fo= also takes WSP around ":" as RFC 7489 6.4 did; 0 and 1 together
 *    or an option twice is invalid (4.8 dmarc-fo).
 *  - pct= is RFC 7489's 1*3DIGIT with a value of 0 to 100 (7489 6.3).
 *  - Limits (none in the RFC): see dmarc_record.h; past one the rest is
 *    not read and one "syntax" finding (severity error) says so.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc_record.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')
#define IS_ALPHA(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

struct dmarc_fnode {
	struct vouch_dmarc_finding f;
	struct dmarc_fnode *next;
};

/* The record and the arena holding it (and itself): the public struct
 * first, so a record pointer is a holder pointer. */
struct dmarc_holder {
	struct vouch_dmarc_record rec;
	struct vouch__arena arena;
};

enum tag_id {
	T_V, T_P, T_SP, T_NP, T_ADKIM, T_ASPF, T_T, T_PSD, T_FO, T_PCT,
	T_RUA, T_RUF, T_RF, T_RI, T_COUNT
};

/* One tag-spec: name "=" value, each WSP-trimmed. */
struct spec {
	const char *s;
	size_t n;
	const char *v;
	size_t vn;
	enum tag_id id;
};

struct seen {
	const char *name;
	size_t n;
};

static int tag_choice(struct dmarc_rp *p, const struct spec *sp);
static int tag_fo(struct dmarc_rp *p, const struct spec *sp);
static int tag_pct(struct dmarc_rp *p, const struct spec *sp);
static int tag_uris(struct dmarc_rp *p, const struct spec *sp);
static int tag_removed(struct dmarc_rp *p, const struct spec *sp);

/* RFC 9989 4.8 dmarc-request, dmarc-rors, dmarc-yorn, dmarc-psd, in the
 * order of enum vouch_dmarc_policy / vouch_dmarc_psd (less UNSET). */
static const char *const w_policy[] = { "none", "quarantine", "reject",
	NULL };
static const char *const w_rors[] = { "r", "s", NULL };
static const char *const w_yorn[] = { "y", "n", NULL };
static const char *const w_psd[] = { "y", "n", "u", NULL };

#define POLICY_HINT "none, quarantine or reject, RFC 9989 4.7"
#define RORS_HINT "r or s, RFC 9989 4.7"
#define URI_HINT "a comma-separated list of URIs, RFC 9989 4.8"

/* RFC 9989 4.8 table 2, and the tags appendix C.5.2 removed. */
static const struct tagdef {
	const char *name;
	int (*fn)(struct dmarc_rp *, const struct spec *);
	const char *const *words;
	const char *hint;		/* the valid values, in words */
} tagdefs[T_COUNT] = {
	[T_V] = { "v", NULL, NULL, "DMARC1" },
	[T_P] = { "p", tag_choice, w_policy, POLICY_HINT },
	[T_SP] = { "sp", tag_choice, w_policy, POLICY_HINT },
	[T_NP] = { "np", tag_choice, w_policy, POLICY_HINT },
	[T_ADKIM] = { "adkim", tag_choice, w_rors, RORS_HINT },
	[T_ASPF] = { "aspf", tag_choice, w_rors, RORS_HINT },
	[T_T] = { "t", tag_choice, w_yorn, "y or n, RFC 9989 4.7" },
	[T_PSD] = { "psd", tag_choice, w_psd, "y, n or u, RFC 9989 4.7" },
	[T_FO] = { "fo", tag_fo, NULL, "0 or 1, d, s joined by \":\", each "
	    "at most once, not both 0 and 1, RFC 9989 4.8 dmarc-fo" },
	[T_PCT] = { "pct", tag_pct, NULL, "an integer from 0 to 100, "
	    "RFC 7489 6.3" },
	[T_RUA] = { "rua", tag_uris, NULL, URI_HINT },
	[T_RUF] = { "ruf", tag_uris, NULL, URI_HINT },
	[T_RF] = { "rf", tag_removed, NULL, NULL },
	[T_RI] = { "ri", tag_removed, NULL, NULL },
};

static size_t
skip_wsp(const char *s, size_t n, size_t i)
{
	while (i < n && IS_WSP(s[i]))
		i++;
	return i;
}

const char *
vouch__dmarc_quote(char *buf, const char *s, size_t n)
{
	size_t i, k = n > DMARC_QUOTE_MAX ? DMARC_QUOTE_MAX : n;

	for (i = 0; i < k; i++)
		buf[i] = (s[i] < 0x20 || s[i] > 0x7e) ? '?' : s[i];
	if (k < n) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

int
vouch__dmarc_finding(struct dmarc_rp *p, const char *code,
    enum vouch_dmarc_severity sev, const char *tag, const char *text,
    size_t tlen, const char *fmt, ...)
{
	struct dmarc_fnode *f;
	char msg[512];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The message is plain words: no byte of the input that could
	 * break a log line or a terminal. */
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] < 0x20 || msg[i] > 0x7e)
			msg[i] = '?';
	f = vouch__arena_alloc(p->a, sizeof(*f));
	if (f == NULL)
		return VOUCH_ENOMEM;
	f->f.code = code;
	f->f.severity = sev;
	f->f.tag = tag;
	f->f.text = vouch__arena_strndup(p->a, text, tlen);
	f->f.message = vouch__arena_strdup(p->a, msg);
	if (f->f.text == NULL || f->f.message == NULL)
		return VOUCH_ENOMEM;
	f->next = NULL;
	*p->tail = f;
	p->tail = &f->next;
	p->nfindings++;
	return 0;
}

static int
invalid(struct dmarc_rp *p, const struct spec *sp)
{
	const struct tagdef *d = &tagdefs[sp->id];
	char q1[DMARC_QUOTE_BUF], q2[DMARC_QUOTE_BUF];

	return vouch__dmarc_finding(p, "invalid-value", VOUCH_DMARC_ERROR,
	    d->name, sp->v, sp->vn, "%s: \"%s\" is not a valid value for %s "
	    "(%s); the tag is ignored", vouch__dmarc_quote(q1, sp->s, sp->n),
	    vouch__dmarc_quote(q2, sp->v, sp->vn), d->name, d->hint);
}

/* Tags whose value is one word of a list (RFC 9989 4.8 table 2). */
static int
tag_choice(struct dmarc_rp *p, const struct spec *sp)
{
	const char *const *w = tagdefs[sp->id].words;
	struct vouch_dmarc_record *r = p->r;
	int k;

	if (sp->id == T_P)
		p->p_given = 1;
	for (k = 0; w[k] != NULL; k++)
		if (vouch__memcaseeq(sp->v, sp->vn, w[k]))
			break;
	if (w[k] == NULL) {
		/* 4.10.1: an invalid sp or np, like an invalid p, keeps the
		 * record from applying. */
		p->sub_invalid |= sp->id == T_SP || sp->id == T_NP;
		return invalid(p, sp);
	}
	switch (sp->id) {
	case T_P:
		r->p = (enum vouch_dmarc_policy)(k + 1);
		break;
	case T_SP:
		r->sp = (enum vouch_dmarc_policy)(k + 1);
		break;
	case T_NP:
		r->np = (enum vouch_dmarc_policy)(k + 1);
		break;
	case T_ADKIM:
		r->adkim_strict = k == 1;
		break;
	case T_ASPF:
		r->aspf_strict = k == 1;
		break;
	case T_T:
		r->testing = k == 0;
		break;
	default:
		r->psd = (enum vouch_dmarc_psd)(k + 1);
		break;
	}
	return 0;
}

/* fo options in the order of their bits: VOUCH_DMARC_FO_0 is 1 << 0 ... */
const char vouch__dmarc_fo_opts[] = "01ds";

/* One fo option: its bit, or 0. */
static unsigned
fo_bit(char c)
{
	const char *o = c != '\0' ? strchr(vouch__dmarc_fo_opts, vouch__tolower(c)) : NULL;

	return o != NULL ? 1u << (o - vouch__dmarc_fo_opts) : 0;
}

/*
 * RFC 9989 4.8 dmarc-fo: its three alternatives together allow 0 or 1 at
 * most once, d and s at most once each, in any order, joined by ":".
 */
static int
tag_fo(struct dmarc_rp *p, const struct spec *sp)
{
	unsigned bits = 0, b;
	size_t i = 0;

	for (;;) {
		i = skip_wsp(sp->v, sp->vn, i);
		b = i < sp->vn ? fo_bit(sp->v[i++]) : 0;
		if (b == 0 || (bits & b) != 0)
			return invalid(p, sp);
		bits |= b;
		i = skip_wsp(sp->v, sp->vn, i);
		if (i >= sp->vn)
			break;
		if (sp->v[i++] != ':')
			return invalid(p, sp);
	}
	if ((bits & VOUCH_DMARC_FO_0) != 0 && (bits & VOUCH_DMARC_FO_1) != 0)
		return invalid(p, sp);
	p->r->fo = bits;
	return 0;
}

static int
tag_removed(struct dmarc_rp *p, const struct spec *sp)
{
	const char *name = tagdefs[sp->id].name;
	char q[DMARC_QUOTE_BUF];

	return vouch__dmarc_finding(p, "removed-tag", VOUCH_DMARC_WARNING,
	    name, sp->s, sp->n, "%s: %s was removed by RFC 9989 (appendix "
	    "C.5.2)%s", vouch__dmarc_quote(q, sp->s, sp->n), name,
	    sp->id == T_PCT ? "; only RFC 7489 receivers read it" :
	    " and is ignored");
}

/* Removed, but still read for the RFC 7489 mode: RFC 7489 6.4
 * dmarc-percent = 1*3DIGIT, 6.3: 0 to 100. */
static int
tag_pct(struct dmarc_rp *p, const struct spec *sp)
{
	int rc = tag_removed(p, sp), v = 0;
	size_t i;

	if (rc != 0)
		return rc;
	if (sp->vn == 0 || sp->vn > 3)
		return invalid(p, sp);
	for (i = 0; i < sp->vn; i++) {
		if (!IS_DIGIT(sp->v[i]))
			return invalid(p, sp);
		v = v * 10 + (sp->v[i] - '0');
	}
	if (v > 100)
		return invalid(p, sp);
	p->r->pct = v;
	p->r->has_pct = 1;
	return 0;
}

static int
tag_uris(struct dmarc_rp *p, const struct spec *sp)
{
	struct vouch_dmarc_record *r = p->r;

	if (sp->vn == 0)
		return invalid(p, sp);
	if (sp->id == T_RUA)
		return vouch__dmarc_urilist(p, "rua", sp->v, sp->vn, &r->rua,
		    &r->nrua);
	return vouch__dmarc_urilist(p, "ruf", sp->v, sp->vn, &r->ruf,
	    &r->nruf);
}

static int
lookup(const char *name, size_t n)
{
	int i;

	for (i = 0; i < T_COUNT; i++)
		if (vouch__memcaseeq(name, n, tagdefs[i].name))
			return i;
	return -1;
}

/*
 * One tag-spec (s, n: WSP-trimmed, between separators).  seen holds the
 * names read so far (room for DMARC_RECORD_MAX_TAGS).
 */
static int
read_spec(struct dmarc_rp *p, const char *s, size_t n, struct seen *seen,
    size_t *nseen)
{
	char q[DMARC_QUOTE_BUF];
	struct spec sp = { s, n, NULL, 0, T_V };
	const char *tag;
	size_t nl = 0, i;
	int id;

	if (n == 0)
		return vouch__dmarc_finding(p, "syntax", VOUCH_DMARC_ERROR,
		    NULL, s, 0, "an empty tag-spec between two \";\" "
		    "(RFC 9989 4.8 dmarc-sep)");
	while (nl < n && IS_ALPHA(s[nl]))
		nl++;
	i = skip_wsp(s, n, nl);
	if (nl == 0 || i >= n || s[i] != '=')
		return vouch__dmarc_finding(p, "syntax", VOUCH_DMARC_ERROR,
		    NULL, s, n, "\"%s\" is not tag=value and is ignored "
		    "(RFC 9989 4.8 dmarc-tag)", vouch__dmarc_quote(q, s, n));
	id = lookup(s, nl);
	tag = id >= 0 ? tagdefs[id].name : vouch__arena_strndup(p->a, s, nl);
	if (tag == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < *nseen; i++)
		if (seen[i].n == nl && vouch__strncaseeq(seen[i].name, s, nl))
			return vouch__dmarc_finding(p, "duplicate-tag",
			    VOUCH_DMARC_WARNING, tag, s, n, "%s: %s is given "
			    "again; the first one counts (RFC 9989 4.8: "
			    "an error is ignored)", vouch__dmarc_quote(q, s, n),
			    tag);
	if (*nseen < DMARC_RECORD_MAX_TAGS) {
		seen[*nseen].name = s;
		seen[(*nseen)++].n = nl;
	}
	if (id < 0)
		return vouch__dmarc_finding(p, "unknown-tag", VOUCH_DMARC_INFO,
		    tag, s, n, "%s: %s is not a DMARC tag and is ignored "
		    "(RFC 9989 4.7)", vouch__dmarc_quote(q, s, n), tag);
	sp.id = (enum tag_id)id;
	sp.v = s + skip_wsp(s, n, skip_wsp(s, n, nl) + 1);
	sp.vn = (size_t)(s + n - sp.v);
	/* "v" has no handler: it is always in seen, so a repeat. */
	return tagdefs[id].fn != NULL ? tagdefs[id].fn(p, &sp) : 0;
}

static int
limit(struct dmarc_rp *p, const char *s, size_t n, const char *what)
{
	char q[DMARC_QUOTE_BUF];

	return vouch__dmarc_finding(p, "syntax", VOUCH_DMARC_ERROR, NULL, s,
	    n < DMARC_LIMIT_TEXT_MAX ? n : DMARC_LIMIT_TEXT_MAX, "%s; from "
	    "\"%s\" on the record is not read (vouch limit)", what,
	    vouch__dmarc_quote(q, s, n));
}

/* The tags after v=DMARC1: s[i] is its ";" (or i == n). */
static int
read_tags(struct dmarc_rp *p, const char *s, size_t n, size_t i)
{
	struct seen seen[DMARC_RECORD_MAX_TAGS];
	size_t nseen = 1, ntags = 1, b, e;
	const char *semi;
	int rc;

	seen[0].name = "v";
	seen[0].n = 1;
	while (i < n) {
		semi = memchr(s + i + 1, ';', n - i - 1);
		b = skip_wsp(s, n, i + 1);
		i = semi != NULL ? (size_t)(semi - s) : n;
		for (e = i; e > b && IS_WSP(s[e - 1]); e--)
			;
		if (b >= e && i == n)
			break;	/* the optional final dmarc-sep */
		if (ntags >= DMARC_RECORD_MAX_TAGS)
			return limit(p, s + b, n - b, "more than 64 tags");
		if (e > DMARC_RECORD_MAX_BYTES)
			return limit(p, s + b, n - b,
			    "the record is longer than 65536 bytes");
		ntags++;
		rc = read_spec(p, s + b, b < e ? e - b : 0, seen, &nseen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * RFC 9989 4.8 dmarc-version = "v" equals %s"DMARC1", at the very start,
 * then a dmarc-sep or the end.  Returns where it ends (at ";" or n), or
 * 0 when s is not a DMARC record.
 */
static size_t
version_end(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] != 'v' && s[0] != 'V'))
		return 0;
	i = skip_wsp(s, n, 1);
	if (i >= n || s[i] != '=')
		return 0;
	i = skip_wsp(s, n, i + 1);
	if (n - i < 6 || memcmp(s + i, "DMARC1", 6) != 0)
		return 0;
	i = skip_wsp(s, n, i + 6);
	return i == n || s[i] == ';' ? i : 0;
}

/* missing-p, the state (RFC 9989 4.10.1), the findings as an array. */
static int
finish(struct dmarc_rp *p)
{
	struct vouch_dmarc_record *r = p->r;
	struct vouch_dmarc_finding *f;
	struct dmarc_fnode *n;
	size_t i;
	int rc;

	if (!p->p_given && (rc = vouch__dmarc_finding(p, "missing-p",
	    VOUCH_DMARC_WARNING, NULL, "", 0, "no p tag: the record acts as "
	    "p=none only when rua holds a valid URI, else it is ignored "
	    "(RFC 9989 4.7, 4.10.1)")) != 0)
		return rc;
	if (r->p != VOUCH_DMARC_POLICY_UNSET && !p->sub_invalid)
		r->state = VOUCH_DMARC_APPLY;
	else if (r->nrua > 0)
		r->state = VOUCH_DMARC_AS_NONE;
	else
		r->state = VOUCH_DMARC_IGNORE;
	f = vouch__arena_alloc(p->a, p->nfindings * sizeof(*f));
	if (f == NULL)
		return VOUCH_ENOMEM;
	for (i = 0, n = p->head; n != NULL; n = n->next)
		f[i++] = n->f;
	r->findings = f;
	r->nfindings = p->nfindings;
	return 0;
}

int
vouch_dmarc_record_parse(const char *txt, size_t len,
    struct vouch_dmarc_record **out)
{
	struct vouch__arena a;
	struct dmarc_holder *h;
	struct dmarc_rp p;
	size_t i;
	int rc = VOUCH_ENOMEM;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (txt == NULL)
		return VOUCH_EINVAL;
	i = version_end(txt, len);
	if (i == 0)
		return VOUCH_ENOTFOUND;
	vouch__arena_init(&a, 0);
	h = vouch__arena_alloc(&a, sizeof(*h));
	if (h == NULL)
		goto fail;
	memset(h, 0, sizeof(*h));
	memset(&p, 0, sizeof(p));
	p.a = &a;
	p.r = &h->rec;
	p.tail = &p.head;
	h->rec.fo = VOUCH_DMARC_FO_0;
	h->rec.pct = 100;
	h->rec.text = vouch__arena_strndup(&a, txt, len);
	if (h->rec.text == NULL)
		goto fail;
	rc = read_tags(&p, txt, len, i);
	if (rc == 0)
		rc = finish(&p);
	if (rc != 0)
		goto fail;
	h->arena = a;	/* the holder now owns the arena it lives in */
	*out = &h->rec;
	return 0;
fail:
	vouch__arena_free(&a);
	return rc;
}

void
vouch_dmarc_record_free(struct vouch_dmarc_record *r)
{
	struct vouch__arena a;

	if (r == NULL)
		return;
	a = ((struct dmarc_holder *)(void *)r)->arena;
	vouch__arena_free(&a);
}
