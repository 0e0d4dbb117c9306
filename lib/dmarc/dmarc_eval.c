/*
 * dmarc_eval.c - one message's DMARC result (RFC 9989 4.4, 5.3; RFC 7489
 * 6.6): author domains from From, identifier alignment, the policy to
 * apply, and the outcome across several author domains.
 */
#include <string.h>
#include <time.h>

#include "dmarc/dmarc_int.h"

/* A From that gives no usable author domain, or several fields. */
struct authors {
	const char **dom;		/* distinct, lower-case A-labels */
	size_t n;
	size_t nfields;			/* From fields seen */
	const char *problem;		/* permerror: why; NULL if fine */
};

/* An alignment test's outcome. */
enum align { ALIGN_NO = 0, ALIGN_YES, ALIGN_UNKNOWN };

static int
add_author(struct vouch__arena *a, struct authors *au, const char *d,
    size_t max)
{
	size_t i;

	for (i = 0; i < au->n; i++)
		if (strcmp(au->dom[i], d) == 0)
			return 0;
	if (au->n == max) {
		au->problem = vouch__dmarc_fmt(a, "From names more than %zu "
		    "author domains", max);
		return au->problem == NULL ? VOUCH_ENOMEM : 0;
	}
	au->dom[au->n] = vouch__arena_strdup(a, d);
	if (au->dom[au->n] == NULL)
		return VOUCH_ENOMEM;
	au->n++;
	return 0;
}

/* The addresses of one From field (SECURITY.md: an address without a
 * usable domain makes the whole From unusable). */
static int
field_authors(struct vouch__arena *a, const struct vouch_msg_field *f,
    struct authors *au, size_t max)
{
	struct vouch_addr_list *l = NULL;
	struct vouch_error err;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vouch_addr_parse(f->value, f->value_len, &l, &err);
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc != 0) {
		au->problem = vouch__dmarc_fmt(a, "the From header field "
		    "cannot be read: %s", err.msg[0] ? err.msg :
		    vouch_strerror(rc));
		return au->problem == NULL ? VOUCH_ENOMEM : 0;
	}
	for (i = 0; i < l->count && au->problem == NULL && rc == 0; i++) {
		if (l->addr[i].literal || l->addr[i].domain == NULL ||
		    *l->addr[i].domain == '\0')
			au->problem = vouch__dmarc_fmt(a, "From address %.64s@%.64s"
			    " has no domain name to evaluate", l->addr[i].local,
			    l->addr[i].domain ? l->addr[i].domain : "");
		else
			rc = add_author(a, au, l->addr[i].domain, max);
	}
	vouch_addr_list_free(l);
	return rc;
}

static int
find_authors(struct vouch__arena *a, const struct vouch_msg *msg,
    size_t max, struct authors *au)
{
	size_t i, n;
	int rc;

	memset(au, 0, sizeof(*au));
	if ((au->dom = vouch__arena_alloc(a, (max + 1) * sizeof(char *))) ==
	    NULL)
		return VOUCH_ENOMEM;
	n = msg != NULL ? vouch_msg_count(msg) : 0;
	for (i = 0; i < n && au->problem == NULL; i++) {
		const struct vouch_msg_field *f = vouch_msg_field(msg, i);

		if (f->name_len != 4 || !vouch__memcaseeq(f->name, 4, "from"))
			continue;
		au->nfields++;
		if ((rc = field_authors(a, f, au, max)) != 0)
			return rc;
	}
	if (au->problem == NULL && au->nfields == 0)
		au->problem = "the message has no From header field (RFC 5322 "
		    "3.6 requires one)";
	else if (au->problem == NULL && au->n == 0)
		au->problem = "the From header field holds no address";
	return 0;
}

/* ---- alignment (RFC 9989 4.4, 4.10.2) ----------------------------------- */

/* id lower-cased, without a final dot, in the arena; NULL if empty. */
static const char *
norm_domain(struct vouch__arena *a, const char *id)
{
	char buf[256];

	if (id == NULL || *id == '\0')
		return NULL;
	if (vouch_domain_to_alabel(id, strlen(id), buf, sizeof(buf)) != 0)
		return NULL;
	return vouch__arena_strdup(a, buf);
}

static int
aligned(struct dmarc_cache *c, enum vouch_dmarc_method m, int strict,
    const struct vouch_dmarc_discovery *d, const char *id, enum align *out,
    const char **why)
{
	const char *org;
	int tmp, rc;

	*out = ALIGN_NO;
	if (id == NULL)
		return 0;
	if (strcmp(id, d->domain) == 0) {
		*out = ALIGN_YES;
		return 0;
	}
	if (strict)
		return 0;
	if (d->org_domain == NULL) {
		/* The walk past the author's own record failed. */
		*out = ALIGN_UNKNOWN;
		*why = d->org_unknown != NULL ? d->org_unknown : d->reason;
		return 0;
	}
	if ((rc = vouch__dmarc_org_domain(c, m, id, &org, &tmp, why)) != 0)
		return rc == VOUCH_EINVAL ? 0 : rc;
	if (tmp)
		*out = ALIGN_UNKNOWN;
	else if (strcmp(org, d->org_domain) == 0)
		*out = ALIGN_YES;
	return 0;
}

/* ---- one author domain -------------------------------------------------- */

static enum vouch_dmarc_policy
one_step_down(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_POLICY_REJECT ? VOUCH_DMARC_POLICY_QUARANTINE :
	    VOUCH_DMARC_POLICY_NONE;
}

static unsigned
pct_draw(const struct vouch_dmarc_options *o, const void *salt)
{
	uint64_t x;

	if (o != NULL && o->random_fn != NULL)
		return o->random_fn(o->random_arg) % 100u;
	/* No state kept: the clock and an address, mixed (splitmix64). */
	x = (uint64_t)time(NULL) ^ (uint64_t)clock() << 20 ^
	    (uint64_t)(uintptr_t)salt;
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return (unsigned)((x ^ (x >> 31)) % 100u);
}

/* What a failing message gets: t=y (RFC 9989) or pct (RFC 7489) lower
 * the requested policy one step. */
static void
disposition(const struct dmarc_cache *c, enum vouch_dmarc_method m,
    const struct vouch_dmarc_record *r, struct vouch_dmarc_author *a)
{
	a->disposition = a->requested;
	if (a->requested == VOUCH_DMARC_POLICY_NONE)
		return;
	if (m == VOUCH_DMARC_RFC9989 && r->testing)
		a->disposition = one_step_down(a->requested);
	if (m == VOUCH_DMARC_RFC7489 && r->pct < 100 &&
	    pct_draw(c->opts, a) >= (unsigned)r->pct) {
		a->sampled_out = 1;
		a->disposition = one_step_down(a->requested);
	}
}

struct idents {
	enum vouch_spf_result spf;
	const char *spf_domain;		/* normalized, or NULL */
	const char **dkim;		/* normalized d= of passing sigs */
	size_t ndkim;
	const char **dkim_temp;		/* d= of temperror sigs */
	size_t ndkim_temp;
};

static int
check_alignment(struct dmarc_cache *c, enum vouch_dmarc_method m,
    const struct idents *id, struct vouch_dmarc_author *a,
    const char **unknown)
{
	const struct vouch_dmarc_discovery *d = a->discovery;
	enum align al;
	const char *why = NULL;
	size_t i;
	int rc;

	*unknown = NULL;
	if (id->spf == VOUCH_SPF_PASS || id->spf == VOUCH_SPF_TEMPERROR) {
		rc = aligned(c, m, d->record->aspf_strict, d, id->spf_domain,
		    &al, &why);
		if (rc != 0)
			return rc;
		/* An SPF temperror for an aligned domain leaves the outcome
		 * open (RFC 7489 6.6.2, SECURITY.md: never fail). */
		if (id->spf == VOUCH_SPF_TEMPERROR && al == ALIGN_YES) {
			al = ALIGN_UNKNOWN;
			why = "SPF temperror for the aligned MAIL FROM domain";
		}
		a->spf_aligned = al == ALIGN_YES;
		if (al == ALIGN_UNKNOWN)
			*unknown = why;
	}
	for (i = 0; i < id->ndkim_temp && *unknown == NULL; i++) {
		rc = aligned(c, m, d->record->adkim_strict, d,
		    id->dkim_temp[i], &al, &why);
		if (rc != 0)
			return rc;
		if (al != ALIGN_NO)
			*unknown = al == ALIGN_YES ? "DKIM temperror for an "
			    "aligned signature" : why;
	}
	for (i = 0; i < id->ndkim && a->dkim_aligned == NULL; i++) {
		rc = aligned(c, m, d->record->adkim_strict, d, id->dkim[i],
		    &al, &why);
		if (rc != 0)
			return rc;
		if (al == ALIGN_YES)
			a->dkim_aligned = id->dkim[i];
		else if (al == ALIGN_UNKNOWN)
			*unknown = why;
	}
	return 0;
}

static int
fail_reason(struct dmarc_cache *c, const struct idents *id,
    struct vouch_dmarc_author *a)
{
	const struct vouch_dmarc_record *r = a->discovery->record;

	a->reason = vouch__dmarc_fmt(c->arena, "neither SPF (%s%s%s, %s "
	    "alignment) nor DKIM (%zu passing signature%s, %s alignment) "
	    "authenticates %s; %s%s%s", vouch_spf_result_name(id->spf),
	    id->spf_domain ? " for " : "", id->spf_domain ? id->spf_domain :
	    " null sender", r->aspf_strict ? "strict" : "relaxed", id->ndkim,
	    id->ndkim == 1 ? "" : "s", r->adkim_strict ? "strict" : "relaxed",
	    a->domain, a->discovery->reason, a->sampled_out ? "; pct= "
	    "sampling applies the next weaker policy (RFC 7489 6.6.4)" : "",
	    r->testing && a->disposition != a->requested && !a->sampled_out ?
	    "; t=y applies the next weaker policy (RFC 9989 4.7)" : "");
	return a->reason == NULL ? VOUCH_ENOMEM : 0;
}

static int
eval_author(struct dmarc_cache *c, enum vouch_dmarc_method m,
    const struct idents *id, const char *domain, struct vouch_dmarc_author *a)
{
	struct vouch_dmarc_discovery *d;
	const char *unknown;
	int rc;

	if ((rc = vouch__dmarc_discover(c, m, domain, &d)) != 0)
		return rc;
	a->domain = d->domain;
	a->discovery = d;
	a->reason = d->reason;
	if (d->temperror) {
		a->result = VOUCH_DMARC_TEMPERROR;
		return 0;
	}
	if (d->record == NULL || d->requested == VOUCH_DMARC_POLICY_UNSET) {
		a->result = VOUCH_DMARC_NONE;
		return 0;
	}
	a->requested = d->requested;
	if ((rc = check_alignment(c, m, id, a, &unknown)) != 0)
		return rc;
	if (a->spf_aligned || a->dkim_aligned != NULL) {
		a->result = VOUCH_DMARC_PASS;
		a->disposition = VOUCH_DMARC_POLICY_NONE;
		a->reason = vouch__dmarc_fmt(c->arena, "%s %s aligns with From "
		    "domain %s (%s)", a->dkim_aligned ? "DKIM d=" :
		    "SPF MAIL FROM", a->dkim_aligned ? a->dkim_aligned :
		    id->spf_domain, a->domain, d->reason);
	} else if (unknown != NULL) {
		a->result = VOUCH_DMARC_TEMPERROR;
		a->reason = vouch__dmarc_fmt(c->arena, "alignment with %s "
		    "could not be decided: %s", a->domain, unknown);
	} else {
		a->result = VOUCH_DMARC_FAIL;
		disposition(c, m, d->record, a);
		return fail_reason(c, id, a);
	}
	return a->reason == NULL ? VOUCH_ENOMEM : 0;
}

/* ---- all author domains ------------------------------------------------- */

/* How strongly an author's outcome weighs: the disposition first, then
 * temperror > fail > permerror > none > pass. */
static int
weight(const struct vouch_dmarc_author *a)
{
	static const int rank[] = {
		[VOUCH_DMARC_PASS] = 0, [VOUCH_DMARC_NONE] = 1,
		[VOUCH_DMARC_PERMERROR] = 2, [VOUCH_DMARC_FAIL] = 3,
		[VOUCH_DMARC_TEMPERROR] = 4
	};

	return (int)a->disposition * 8 + rank[a->result];
}

static int
authres_fragment(struct vouch__arena *ar, struct vouch_dmarc_author *a,
    int testing)
{
	struct vouch__buf b;
	int rc, applied = a->result == VOUCH_DMARC_PASS ||
	    a->result == VOUCH_DMARC_FAIL;

	vouch__buf_init(&b, 4096);
	if ((rc = vouch__buf_puts(&b, "dmarc=")) == 0 &&
	    (rc = vouch__buf_puts(&b, vouch_dmarc_result_name(a->result))) == 0)
		rc = vouch__buf_puts(&b, " (");
	if (rc == 0 && applied) {
		if ((rc = vouch__buf_puts(&b, "p=")) == 0 &&
		    (rc = vouch__buf_puts(&b,
		    vouch_dmarc_policy_name(a->requested))) == 0 &&
		    (rc = vouch__buf_puts(&b, " dis=")) == 0)
			rc = vouch__buf_puts(&b,
			    vouch_dmarc_policy_name(a->disposition));
		if (rc == 0 && testing)
			rc = vouch__buf_puts(&b, " t=y");
	} else if (rc == 0)
		rc = vouch__hdr_comment(&b, a->reason);
	if (rc == 0)
		rc = vouch__buf_putc(&b, ')');
	if (rc == 0 && a->domain != NULL && *a->domain != '\0' &&
	    (rc = vouch__buf_puts(&b, " header.from=")) == 0)
		rc = vouch__hdr_pvalue(&b, a->domain);
	if (rc == 0 && applied &&
	    (rc = vouch__buf_puts(&b, " policy.dmarc=")) == 0)
		rc = vouch__buf_puts(&b,
		    vouch_dmarc_policy_name(a->disposition));
	if (rc == 0 && (a->authres = vouch__arena_strndup(ar, (char *)b.data,
	    b.len)) == NULL)
		rc = VOUCH_ENOMEM;
	vouch__buf_free(&b);
	return rc;
}

/* The eval's top-level fields from the deciding author. */
static void
decide(struct vouch_dmarc_eval *ev, const struct authors *au)
{
	const struct vouch_dmarc_author *w = &ev->authors[0];
	size_t i;

	for (i = 1; i < ev->nauthors; i++)
		if (weight(&ev->authors[i]) > weight(w))
			w = &ev->authors[i];
	ev->result = w->result;
	ev->from_domain = w->domain;
	ev->policy_domain = w->discovery->policy_domain;
	ev->org_domain = w->discovery->org_domain;
	ev->requested = w->requested;
	ev->disposition = w->disposition;
	ev->spf_aligned = w->spf_aligned;
	ev->dkim_aligned = w->dkim_aligned;
	ev->testing = w->discovery->record != NULL &&
	    w->discovery->record->testing;
	ev->reason = w->reason;
	ev->authres = w->authres;
	(void)au;
}

static int
idents_make(struct vouch__arena *ar, const struct vouch_dmarc_request *req,
    struct idents *id)
{
	size_t i;

	memset(id, 0, sizeof(*id));
	id->spf = req->spf;
	id->spf_domain = norm_domain(ar, req->spf_domain);
	if ((id->dkim = vouch__arena_alloc(ar, (req->ndkim + 1) *
	    sizeof(char *))) == NULL || (id->dkim_temp = vouch__arena_alloc(ar,
	    (req->ndkim + 1) * sizeof(char *))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < req->ndkim; i++) {
		const char *d = norm_domain(ar, req->dkim[i].domain);

		/* "policy" and every other non-pass result never align; a
		 * temperror may have, so it is kept apart. */
		if (d != NULL && req->dkim[i].result == VOUCH_DKIM_PASS)
			id->dkim[id->ndkim++] = d;
		else if (d != NULL && req->dkim[i].result ==
		    VOUCH_DKIM_TEMPERROR)
			id->dkim_temp[id->ndkim_temp++] = d;
	}
	return 0;
}

static int
unusable_from(struct vouch__arena *ar, const struct authors *au,
    struct vouch_dmarc_eval *ev)
{
	struct vouch_dmarc_author *a;

	if ((a = vouch__arena_alloc(ar, sizeof(*a))) == NULL)
		return VOUCH_ENOMEM;
	memset(a, 0, sizeof(*a));
	a->result = VOUCH_DMARC_PERMERROR;
	a->domain = au->n > 0 ? au->dom[0] : "";
	a->reason = au->problem;
	ev->result = VOUCH_DMARC_PERMERROR;
	ev->from_domain = au->n > 0 ? au->dom[0] : NULL;
	ev->reason = au->problem;
	ev->requested = ev->disposition = VOUCH_DMARC_POLICY_UNSET;
	ev->spf_aligned = 0;
	ev->dkim_aligned = NULL;
	if (authres_fragment(ar, a, 0) != 0)
		return VOUCH_ENOMEM;
	ev->authres = a->authres;
	return 0;
}

int
vouch__dmarc_eval_method(struct dmarc_cache *c, enum vouch_dmarc_method m,
    const struct vouch_dmarc_request *req, struct vouch_dmarc_eval *ev)
{
	struct vouch_dmarc_author *as;
	struct authors au;
	struct idents id;
	size_t i, max = c->opts && c->opts->max_authors ?
	    c->opts->max_authors : VOUCH_DMARC_AUTHORS_MAX;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->method = m;
	if ((rc = find_authors(c->arena, req->msg, max, &au)) != 0 ||
	    (rc = idents_make(c->arena, req, &id)) != 0)
		return rc;
	if (au.problem != NULL)
		return unusable_from(c->arena, &au, ev);
	if ((as = vouch__arena_alloc(c->arena, au.n * sizeof(*as))) == NULL)
		return VOUCH_ENOMEM;
	memset(as, 0, au.n * sizeof(*as));
	for (i = 0; i < au.n; i++) {
		if ((rc = eval_author(c, m, &id, au.dom[i], &as[i])) != 0 ||
		    (rc = authres_fragment(c->arena, &as[i],
		    as[i].discovery->record != NULL &&
		    as[i].discovery->record->testing &&
		    m == VOUCH_DMARC_RFC9989)) != 0)
			return rc;
	}
	ev->authors = as;
	ev->nauthors = au.n;
	decide(ev, &au);
	if (au.nfields > 1 && ev->result == VOUCH_DMARC_PASS) {
		/* SECURITY.md: several From fields never pass; each author
		 * domain says so too, in its own resinfo. */
		au.problem = "the message has several From header fields "
		    "(RFC 5322 3.6 allows one): never a DMARC pass";
		for (i = 0; i < au.n; i++) {
			as[i].result = VOUCH_DMARC_PERMERROR;
			as[i].disposition = VOUCH_DMARC_POLICY_UNSET;
			as[i].reason = au.problem;
			if ((rc = authres_fragment(c->arena, &as[i], 0)) != 0)
				return rc;
		}
		return unusable_from(c->arena, &au, ev);
	}
	return 0;
}
