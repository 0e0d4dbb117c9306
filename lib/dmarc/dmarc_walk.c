/*
 * dmarc_walk.c - DMARC record lookup, organizational domains and policy
 * discovery: RFC 9989 4.10 (DNS tree walk) and RFC 7489 3.2 / 6.6.3
 * (Public Suffix List).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc_int.h"

/* ---- small helpers ------------------------------------------------------ */

size_t
vouch__dmarc_labels(const char *domain)
{
	size_t n = 1;

	if (*domain == '\0')
		return 0;
	for (; *domain != '\0'; domain++)
		n += *domain == '.';
	return n;
}

const char *
vouch__dmarc_suffix(const char *domain, size_t n)
{
	size_t have = vouch__dmarc_labels(domain);

	while (have > n && (domain = strchr(domain, '.')) != NULL) {
		domain++;
		have--;
	}
	return domain;
}

char *
vouch__dmarc_fmt(struct vouch__arena *a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return vouch__arena_strdup(a, buf);
}

/* Grow *arr (of size elt) to hold one more than *n; 0 or VOUCH_ENOMEM. */
static int
grow(void *arrp, size_t *n, size_t *cap, size_t elt)
{
	void **arr = arrp;
	size_t nc;
	void *p;

	if (*n < *cap)
		return 0;
	nc = *cap == 0 ? 8 : *cap * 2;
	if ((p = vouch__realloc(*arr, nc * elt)) == NULL)
		return VOUCH_ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

/* ---- the cache ---------------------------------------------------------- */

void
vouch__dmarc_cache_init(struct dmarc_cache *c, struct vouch_dns *dns,
    const struct vouch_dmarc_options *opts, struct vouch__arena *arena)
{
	memset(c, 0, sizeof(*c));
	c->dns = dns;
	c->opts = opts;
	c->arena = arena;
}

void
vouch__dmarc_cache_free(struct dmarc_cache *c)
{
	size_t i;

	for (i = 0; i < c->nrecs; i++)
		vouch_dmarc_record_free(c->recs[i]);
	vouch__free(c->recs);
	vouch__free(c->ent);
	vouch__free(c->ex);
	memset(c, 0, sizeof(*c));
}

/* Keep the DMARC records of a TXT answer (RFC 9989 4.10 step 2): the
 * strings that start with v=DMARC1; one exactly, or none counts. */
static int
take_records(struct dmarc_cache *c, const struct vouch_dns_answer *ans,
    struct vouch_dmarc_query *q)
{
	struct vouch_dmarc_record *r;
	size_t i;
	int rc;

	for (i = 0; i < ans->count; i++) {
		if (ans->rr[i].type != VOUCH_DNS_TXT)
			continue;
		rc = vouch_dmarc_record_parse(ans->rr[i].u.txt.data,
		    ans->rr[i].u.txt.len, &r);
		if (rc == VOUCH_ENOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		if (grow(&c->recs, &c->nrecs, &c->caprecs,
		    sizeof(*c->recs)) != 0) {
			vouch_dmarc_record_free(r);
			return VOUCH_ENOMEM;
		}
		c->recs[c->nrecs++] = r;
		q->ndmarc++;
		q->record = q->ndmarc == 1 ? r : NULL;
	}
	return 0;
}

static int
ask(struct dmarc_cache *c, const char *domain, struct vouch_dmarc_query *q)
{
	struct vouch_dns_answer *ans = NULL;
	size_t n = strlen(domain);
	char *name;
	int rc;

	/* "_dmarc." domain without a format to parse; vouch__dmarc_fmt()
	 * for names it would cut short. */
	if (n > 1000)
		q->name = vouch__dmarc_fmt(c->arena, "_dmarc.%s", domain);
	else if ((name = vouch__arena_alloc(c->arena, n + 8)) != NULL) {
		memcpy(name, "_dmarc.", 7);
		memcpy(name + 7, domain, n + 1);
		q->name = name;
	}
	if (q->name == NULL)
		return VOUCH_ENOMEM;
	rc = vouch_dns_query(c->dns, q->name, VOUCH_DNS_TXT, &ans);
	if (rc == VOUCH_EINVAL) {
		/* "_dmarc." made the name too long: it cannot exist. */
		q->status = VOUCH_DNS_NXDOMAIN;
		return 0;
	}
	if (rc != 0)
		return rc;
	q->status = ans->status;
	if (ans->status == VOUCH_DNS_RETRY) {
		q->reason = vouch__arena_strdup(c->arena, ans->reason ?
		    ans->reason : "no answer");
		rc = q->reason == NULL ? VOUCH_ENOMEM : 0;
	} else if (ans->status == VOUCH_DNS_FOUND)
		rc = take_records(c, ans, q);
	vouch_dns_answer_free(ans);
	return rc;
}

int
vouch__dmarc_query(struct dmarc_cache *c, const char *domain,
    const struct vouch_dmarc_query **out)
{
	struct dmarc_cent *e;
	size_t i;
	int rc;

	for (i = 0; i < c->nent; i++)
		if (strcmp(c->ent[i]->domain, domain) == 0) {
			*out = &c->ent[i]->q;
			return 0;
		}
	if (grow(&c->ent, &c->nent, &c->capent, sizeof(*c->ent)) != 0 ||
	    (e = vouch__arena_alloc(c->arena, sizeof(*e))) == NULL)
		return VOUCH_ENOMEM;
	memset(e, 0, sizeof(*e));
	if ((e->domain = vouch__arena_strdup(c->arena, domain)) == NULL)
		return VOUCH_ENOMEM;
	if ((rc = ask(c, domain, &e->q)) != 0)
		return rc;
	c->ent[c->nent++] = e;
	*out = &e->q;
	return 0;
}

int
vouch__dmarc_exists(struct dmarc_cache *c, const char *domain,
    enum dmarc_exists *out, const char **reason)
{
	struct vouch_dns_answer *ans = NULL;
	struct dmarc_exist_ent *e;
	size_t i;
	int rc;

	for (i = 0; i < c->nex; i++)
		if (strcmp(c->ex[i].domain, domain) == 0) {
			*out = c->ex[i].exists;
			*reason = c->ex[i].reason;
			return 0;
		}
	if (grow(&c->ex, &c->nex, &c->capex, sizeof(*c->ex)) != 0)
		return VOUCH_ENOMEM;
	e = &c->ex[c->nex];
	memset(e, 0, sizeof(*e));
	if ((e->domain = vouch__arena_strdup(c->arena, domain)) == NULL)
		return VOUCH_ENOMEM;
	/* Any type will do: NXDOMAIN is about the name (RFC 8020). */
	if ((rc = vouch_dns_query(c->dns, domain, VOUCH_DNS_A, &ans)) != 0)
		return rc;
	e->exists = ans->status == VOUCH_DNS_NXDOMAIN ? DMARC_EXISTS_NO :
	    ans->status == VOUCH_DNS_RETRY ? DMARC_EXISTS_UNKNOWN :
	    DMARC_EXISTS_YES;
	if (e->exists == DMARC_EXISTS_UNKNOWN)
		e->reason = vouch__dmarc_fmt(c->arena, "%s A: %s", domain,
		    ans->reason ? ans->reason : "no answer");
	vouch_dns_answer_free(ans);
	if (e->exists == DMARC_EXISTS_UNKNOWN && e->reason == NULL)
		return VOUCH_ENOMEM;
	c->nex++;
	*out = e->exists;
	*reason = e->reason;
	return 0;
}

/* ---- RFC 9989 4.10: the tree walk -------------------------------------- */

struct walk {
	const char *dom[VOUCH_DMARC_WALK_MAX];	/* longest first */
	const struct vouch_dmarc_record *rec[VOUCH_DMARC_WALK_MAX];
	size_t n;
	const struct vouch_dmarc_query *asked[VOUCH_DMARC_WALK_MAX];
	size_t nasked;
	int temperror;
	const char *reason;
};

static unsigned
walk_max(const struct dmarc_cache *c)
{
	unsigned m = c->opts != NULL ? c->opts->walk_max : 0;

	return m == 0 || m > VOUCH_DMARC_WALK_MAX ? VOUCH_DMARC_WALK_MAX : m;
}

/*
 * Query domain and then its ancestors (4.10 steps 1-7): from x labels to
 * x - 1, or to 7 when x >= 8, then one label at a time; stop after a
 * single record with psd=y or psd=n, or at the top-level domain.
 */
static int
walk(struct dmarc_cache *c, const char *domain, struct walk *w)
{
	const struct vouch_dmarc_query *q;
	const char *target = domain;
	unsigned asked = 0, max = walk_max(c);
	size_t x;
	int rc;

	memset(w, 0, sizeof(*w));
	while (target != NULL && *target != '\0' && asked < max) {
		if ((rc = vouch__dmarc_query(c, target, &q)) != 0)
			return rc;
		w->asked[w->nasked++] = q;
		asked++;
		if (q->status == VOUCH_DNS_RETRY) {
			w->temperror = 1;
			w->reason = vouch__dmarc_fmt(c->arena, "%s TXT: %s",
			    q->name, q->reason);
			return w->reason == NULL ? VOUCH_ENOMEM : 0;
		}
		if (q->record != NULL) {
			w->dom[w->n] = target;
			w->rec[w->n++] = q->record;
			if (q->record->psd == VOUCH_DMARC_PSD_Y ||
			    q->record->psd == VOUCH_DMARC_PSD_N)
				break;
		}
		if ((x = vouch__dmarc_labels(target)) <= 1)
			break;
		target = vouch__dmarc_suffix(target, x >= 8 ? 7 : x - 1);
	}
	return 0;
}

/* 4.10.2: the organizational domain from the walk that started at
 * start. */
static const char *
walk_org(const struct walk *w, const char *start)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (w->rec[i]->psd == VOUCH_DMARC_PSD_N)
			return w->dom[i];
		if (w->rec[i]->psd == VOUCH_DMARC_PSD_Y && w->dom[i] != start)
			return vouch__dmarc_suffix(start,
			    vouch__dmarc_labels(w->dom[i]) + 1);
	}
	return w->n > 0 ? w->dom[w->n - 1] : start;
}

int
vouch__dmarc_org_domain(struct dmarc_cache *c,
    enum vouch_dmarc_method method, const char *domain, const char **org,
    int *temperror, const char **reason)
{
	char buf[256];
	struct walk w;
	int rc;

	*org = NULL;
	*temperror = 0;
	*reason = NULL;
	if (method == VOUCH_DMARC_RFC7489) {
		rc = vouch_psl_org_domain(c->opts ? c->opts->psl : NULL,
		    domain, buf, sizeof(buf));
		if (rc != 0)
			return rc == VOUCH_ENOMEM ? rc : VOUCH_EINVAL;
		*org = vouch__arena_strdup(c->arena, buf);
		return *org == NULL ? VOUCH_ENOMEM : 0;
	}
	if ((rc = walk(c, domain, &w)) != 0)
		return rc;
	if (w.temperror) {
		*temperror = 1;
		*reason = w.reason;
		return 0;
	}
	*org = walk_org(&w, domain);
	return 0;
}

/* ---- policy discovery --------------------------------------------------- */

/* RFC 9989 4.10.1: the author domain's record, else its organizational
 * domain's, else its PSD's. */
/* Copy the queries a discovery asked (or found in the cache) into it. */
static int
keep_queries(struct dmarc_cache *c, struct vouch_dmarc_discovery *d,
    const struct vouch_dmarc_query *const *asked, size_t n)
{
	struct vouch_dmarc_query *qs;
	size_t i;

	if ((qs = vouch__arena_alloc(c->arena, (n + 1) * sizeof(*qs))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < n; i++)
		qs[i] = *asked[i];
	d->queries = qs;
	d->nqueries = n;
	return 0;
}

static int
discover_9989(struct dmarc_cache *c, struct vouch_dmarc_discovery *d)
{
	struct walk w;
	size_t i;
	int rc;

	if ((rc = walk(c, d->domain, &w)) != 0 ||
	    (rc = keep_queries(c, d, w.asked, w.nasked)) != 0)
		return rc;
	if (w.temperror && w.n > 0 && w.dom[0] == d->domain) {
		/* The author's own record decides the policy; only the
		 * organizational domain, needed for relaxed alignment with
		 * another domain, stays unknown (RFC 9989 4.10.2, 5.3.6). */
		d->policy_domain = d->domain;
		d->record = w.rec[0];
		d->org_unknown = w.reason;
		return 0;
	}
	if (w.temperror) {
		d->temperror = 1;
		d->reason = w.reason;
		return 0;
	}
	d->org_domain = walk_org(&w, d->domain);
	if (w.n > 0 && w.dom[0] == d->domain) {
		d->policy_domain = d->domain;
		d->record = w.rec[0];
		return 0;
	}
	for (i = 0; i < w.n; i++)
		if (strcmp(w.dom[i], d->org_domain) == 0) {
			d->policy_domain = w.dom[i];
			d->record = w.rec[i];
			return 0;
		}
	for (i = 0; i < w.n; i++)
		if (w.rec[i]->psd == VOUCH_DMARC_PSD_Y) {
			d->policy_domain = w.dom[i];
			d->record = w.rec[i];
			return 0;
		}
	return 0;
}

/* RFC 7489 6.6.3: the author domain's record, else its organizational
 * domain's. */
static int
discover_7489(struct dmarc_cache *c, struct vouch_dmarc_discovery *d)
{
	const struct vouch_dmarc_query *q, *asked[2];
	const char *names[2];
	int tmp, rc;
	size_t i;

	rc = vouch__dmarc_org_domain(c, VOUCH_DMARC_RFC7489, d->domain,
	    &d->org_domain, &tmp, &d->reason);
	if (rc != 0)
		return rc;
	names[0] = d->domain;
	names[1] = d->org_domain;
	for (i = 0; i < 2; i++) {
		if (i == 1 && strcmp(names[1], names[0]) == 0)
			break;
		if ((rc = vouch__dmarc_query(c, names[i], &q)) != 0)
			return rc;
		asked[i] = q;
		if ((rc = keep_queries(c, d, asked, i + 1)) != 0)
			return rc;
		if (q->status == VOUCH_DNS_RETRY) {
			d->temperror = 1;
			d->reason = vouch__dmarc_fmt(c->arena, "%s TXT: %s",
			    q->name, q->reason);
			return d->reason == NULL ? VOUCH_ENOMEM : 0;
		}
		if (q->record != NULL) {
			d->policy_domain = names[i];
			d->record = q->record;
			return 0;
		}
		/* 6.6.3 step 5: several records end discovery there. */
		if (q->ndmarc > 1)
			return 0;
	}
	return 0;
}

/* sp or np for a subdomain (RFC 9989 4.10.1; RFC 7489 6.6.3: sp). */
static int
subdomain_policy(struct dmarc_cache *c, struct vouch_dmarc_discovery *d)
{
	const struct vouch_dmarc_record *r = d->record;
	enum dmarc_exists ex = DMARC_EXISTS_YES;
	const char *why = NULL;
	int rc;

	if (d->method == VOUCH_DMARC_RFC9989 &&
	    r->np != VOUCH_DMARC_POLICY_UNSET) {
		if ((rc = vouch__dmarc_exists(c, d->domain, &ex, &why)) != 0)
			return rc;
		d->exists = ex;
		if (ex == DMARC_EXISTS_UNKNOWN) {
			d->temperror = 1;
			d->reason = why;
			return 0;
		}
		if (ex == DMARC_EXISTS_NO) {
			d->requested = r->np;
			d->policy_tag = "np";
			return 0;
		}
	}
	if (r->sp != VOUCH_DMARC_POLICY_UNSET) {
		d->requested = r->sp;
		d->policy_tag = "sp";
	} else {
		d->requested = r->p;
		d->policy_tag = "p";
	}
	return 0;
}

static int
has_invalid(const struct vouch_dmarc_record *r, const char *tag)
{
	size_t i;

	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].tag != NULL &&
		    strcmp(r->findings[i].code, "invalid-value") == 0 &&
		    vouch__strcaseeq(r->findings[i].tag, tag))
			return 1;
	return 0;
}

/*
 * The record's state is RFC 9989's (4.10.1: p, sp and np).  RFC 7489
 * 6.6.3 step 6 looks at p and sp only: np is an unknown tag there, and
 * unknown tags are ignored (6.3).  Not APPLY by 7489 implies not APPLY
 * by 9989, so the rua half of the rule is the record's own.
 */
static enum vouch_dmarc_policy_state
policy_state(enum vouch_dmarc_method m, const struct vouch_dmarc_record *r)
{
	if (m == VOUCH_DMARC_RFC9989 || r->state == VOUCH_DMARC_APPLY)
		return r->state;
	if (r->p != VOUCH_DMARC_POLICY_UNSET && !has_invalid(r, "sp"))
		return VOUCH_DMARC_APPLY;
	return r->state;
}

static int
select_policy(struct dmarc_cache *c, struct vouch_dmarc_discovery *d)
{
	const struct vouch_dmarc_record *r = d->record;
	const char *sect = d->method == VOUCH_DMARC_RFC7489 ?
	    "RFC 7489 6.6.3" : "RFC 9989 4.10.1";
	enum vouch_dmarc_policy_state st;
	int rc;

	if (d->temperror) {
		d->reason = vouch__dmarc_fmt(c->arena, "DMARC policy discovery "
		    "for %s failed: %s", d->domain, d->reason);
		return d->reason == NULL ? VOUCH_ENOMEM : 0;
	}
	if (r == NULL)
		d->reason = vouch__dmarc_fmt(c->arena, "no DMARC record at "
		    "_dmarc.%s nor at its organizational domain %s",
		    d->domain, d->org_domain ? d->org_domain : d->domain);
	else if ((st = policy_state(d->method, r)) == VOUCH_DMARC_IGNORE)
		d->reason = vouch__dmarc_fmt(c->arena, "the DMARC record at "
		    "_dmarc.%s has no valid p= (or an invalid sp=/np=) and no "
		    "valid rua=: DMARC does not apply (%s)",
		    d->policy_domain, sect);
	else if (st == VOUCH_DMARC_AS_NONE) {
		d->requested = VOUCH_DMARC_POLICY_NONE;
		d->policy_tag = "p";
		d->reason = vouch__dmarc_fmt(c->arena, "the DMARC record at "
		    "_dmarc.%s has no valid p= (or an invalid sp=/np=) but a "
		    "valid rua=: read as p=none (%s)", d->policy_domain, sect);
	} else {
		if (strcmp(d->policy_domain, d->domain) == 0) {
			d->requested = r->p;
			d->policy_tag = "p";
		} else if ((rc = subdomain_policy(c, d)) != 0)
			return rc;
		if (d->temperror)
			return select_policy(c, d);
		d->reason = vouch__dmarc_fmt(c->arena, "%s=%s from the DMARC "
		    "record at _dmarc.%s", d->policy_tag,
		    vouch_dmarc_policy_name(d->requested), d->policy_domain);
	}
	return d->reason == NULL ? VOUCH_ENOMEM : 0;
}

int
vouch__dmarc_discover(struct dmarc_cache *c, enum vouch_dmarc_method method,
    const char *domain, struct vouch_dmarc_discovery **out)
{
	struct vouch_dmarc_discovery *d;
	int rc;

	*out = NULL;
	if ((d = vouch__arena_alloc(c->arena, sizeof(*d))) == NULL)
		return VOUCH_ENOMEM;
	memset(d, 0, sizeof(*d));
	d->method = method;
	d->exists = DMARC_EXISTS_UNKNOWN;
	if ((d->domain = vouch__arena_strdup(c->arena, domain)) == NULL)
		return VOUCH_ENOMEM;
	rc = method == VOUCH_DMARC_RFC7489 ? discover_7489(c, d) :
	    discover_9989(c, d);
	if (rc == 0)
		rc = select_policy(c, d);
	if (rc != 0)
		return rc;
	*out = d;
	return 0;
}
