/*
 * suite_stalwart.c - Stalwart mail-auth's SPF scenarios (resources/spf),
 * a line-oriented format that is not valid YAML.
 *
 * Read as Stalwart's own test driver reads it (shared/corpora/README.md,
 * "Stalwart mail-auth formats"): the file splits at "---\n"; every line is
 * trimmed and loses one leading '-'.  Record lines add DNS data that
 * stays for the rest of the FILE, a later line for the same name and type
 * replacing the earlier one (the driver fills one cache per file; spf:
 * and exp: share the TXT slot):
 *   spf: OWNER RECORD      exp: OWNER TEXT         (TXT)
 *   a: OWNER IP, IP...     aaaa: OWNER IP6, ...
 *   ptr: IP NAME, NAME...  (PTR at IP's reverse name)
 *   mx: OWNER IP, IP...    (MX pos+1 -> mx.<ip>.<pos>, which gets the IP)
 * domain: (HELO), sender: (MAIL FROM, may be empty) and ip: (default
 * 127.0.0.1) set the next check's inputs for the rest of the scenario;
 * expect: RESULT [EXPLANATION] runs it.  The driver verifies both
 * identities: HELO first, MAIL FROM only when HELO passes.  Names that
 * contain "_dns_error." fail with SERVFAIL; other unknown names are
 * NXDOMAIN.  Checks are numbered from 1 in each scenario, as index.tsv
 * numbers them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "spf_suite.h"

#define ST_MAX_RECS 100000
#define ST_MAX_DNS_ERRORS 100

enum st_type { ST_TXT, ST_A, ST_AAAA, ST_MX, ST_PTR };

static const char *const st_type_name[] = { "TXT", "A", "AAAA", "MX",
	"PTR" };

struct st_rec {
	char *owner;		/* lower case */
	enum st_type type;
	char **vals;
	size_t n;
};

struct st_state {
	struct st_rec *recs;
	size_t n;
	size_t cap;
	struct strbuf servfail;	/* $SERVFAIL lines for _dns_error. names */
	struct strbuf zone;
	struct vouch_dns *dns;
	int dirty;		/* records changed since the zone was built */
	/* the current scenario */
	char *name;
	char *helo;
	char *sender;
	char *ip;
	unsigned num;
};

static void
free_vals(struct st_rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->vals[i]);
	free(r->vals);
	r->vals = NULL;
	r->n = 0;
}

/* Set (owner, type) to vals (taken over), replacing what was there. */
static void
st_set(struct st_state *st, const char *owner, size_t olen,
    enum st_type type, char **vals, size_t n)
{
	struct st_rec *r = NULL;
	size_t i;
	char *o = xstrndup(owner, olen);

	for (i = 0; i < olen; i++)
		o[i] = (char)ascii_lower((unsigned char)o[i]);
	for (i = 0; i < st->n; i++)
		if (st->recs[i].type == type &&
		    strcmp(st->recs[i].owner, o) == 0)
			r = &st->recs[i];
	if (r != NULL) {
		free(o);
		free_vals(r);
	} else {
		if (st->n == ST_MAX_RECS) {
			fprintf(stderr, "spf_suite: over %d records\n",
			    ST_MAX_RECS);
			exit(2);
		}
		if (st->n == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 64;
			st->recs = xrealloc(st->recs,
			    st->cap * sizeof(*st->recs));
		}
		r = &st->recs[st->n++];
		r->owner = o;
		r->type = type;
	}
	r->vals = vals;
	r->n = n;
	st->dirty = 1;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static const char *
trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	return end;
}

/* "x, y,z" -> trimmed items; returns how many. */
static size_t
split_list(const char *p, const char *end, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *comma, *a, *b;

	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		b = comma ? comma : end;
		a = skip_ws(p, b);
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrndup(a, (size_t)(trim_end(a, b) - a));
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*out = v;
	return n;
}

/* The PTR owner for an address: RFC 1035 3.5 / RFC 3596 2.5. */
static int
reverse_name(const char *ip, struct strbuf *sb)
{
	unsigned char a[16];
	int i;

	sb_reset(sb);
	if (inet_pton(AF_INET, ip, a) == 1) {
		sb_printf(sb, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1],
		    a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	for (i = 15; i >= 0; i--)
		sb_printf(sb, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	sb_adds(sb, "ip6.arpa");
	return 0;
}

/* mx: OWNER IP, IP... */
static int
add_mx(struct st_state *st, const char *owner, size_t olen,
    const char *p, const char *end)
{
	char **ips, **hosts, text[INET6_ADDRSTRLEN], name[128];
	unsigned char a[16];
	size_t n, i, k = 0;
	int rc = 0;

	n = split_list(p, end, &ips);
	hosts = xmalloc(n * sizeof(*hosts));
	for (i = 0; i < n; i++) {
		int af = strchr(ips[i], ':') != NULL ? AF_INET6 : AF_INET;
		char **one;

		if (inet_pton(af, ips[i], a) != 1 ||
		    inet_ntop(af, a, text, sizeof(text)) == NULL) {
			rc = -1;
			continue;
		}
		snprintf(name, sizeof(name), "mx.%s.%zu", text, i);
		hosts[k++] = xstrdup(name);
		one = xmalloc(sizeof(*one));
		one[0] = xstrdup(text);
		st_set(st, name, strlen(name), af == AF_INET6 ? ST_AAAA : ST_A,
		    one, 1);
	}
	for (i = 0; i < n; i++)
		free(ips[i]);
	free(ips);
	st_set(st, owner, olen, ST_MX, hosts, k);
	return rc;
}

/* A record line after its key: "OWNER REST". */
static int
add_record(struct st_state *st, const char *key, const char *p,
    const char *end)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	struct strbuf rev;
	char **v;
	size_t n;
	int rc = 0;

	if (sp == NULL)
		return -1;
	if (strcmp(key, "spf") == 0 || strcmp(key, "exp") == 0) {
		v = xmalloc(sizeof(*v));
		v[0] = xstrndup(sp + 1, (size_t)(end - sp - 1));
		st_set(st, p, (size_t)(sp - p), ST_TXT, v, 1);
	} else if (strcmp(key, "a") == 0 || strcmp(key, "aaaa") == 0) {
		n = split_list(sp + 1, end, &v);
		st_set(st, p, (size_t)(sp - p), key[1] ? ST_AAAA : ST_A, v, n);
	} else if (strcmp(key, "mx") == 0) {
		rc = add_mx(st, p, (size_t)(sp - p), sp + 1, end);
	} else {
		char *ip = xstrndup(p, (size_t)(sp - p));

		sb_init(&rev);
		rc = reverse_name(ip, &rev);
		if (rc == 0) {
			n = split_list(sp + 1, end, &v);
			st_set(st, rev.p, rev.len, ST_PTR, v, n);
		}
		sb_free(&rev);
		free(ip);
	}
	return rc;
}

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* Every name in the file that contains "_dns_error.": SERVFAIL. */
static void
find_dns_errors(struct st_state *st, const char *buf, size_t len)
{
	static const char mark[] = "_dns_error.";
	const char *end = buf + len, *p = buf, *a, *b;
	char *seen[ST_MAX_DNS_ERRORS], *name;
	size_t n = 0, i;

	while (n < ST_MAX_DNS_ERRORS && (p = strstr(p, mark)) != NULL) {
		for (a = p; a > buf && name_char((unsigned char)a[-1]); a--)
			;
		for (b = p + sizeof(mark) - 1; b < end &&
		    name_char((unsigned char)*b); b++)
			;
		name = xstrndup(a, (size_t)(b - a));
		for (i = 0; i < n && !str_caseeq(seen[i], name); i++)
			;
		if (i == n) {
			zt_fail(&st->servfail, "$SERVFAIL", name, NULL);
			seen[n++] = name;
		} else {
			free(name);
		}
		p = b;
	}
	for (i = 0; i < n; i++)
		free(seen[i]);
}

static void
build_zone(struct st_state *st)
{
	const struct st_rec *r;
	size_t i, k, len;
	char pref[24];

	sb_reset(&st->zone);
	for (i = 0; i < st->n; i++) {
		r = &st->recs[i];
		if (!zt_name_valid(r->owner)) {
			sb_printf(&st->zone, "; not a DNS name, left out: "
			    "%s %s\n", r->owner, st_type_name[r->type]);
			continue;
		}
		for (k = 0; k < r->n; k++) {
			switch (r->type) {
			case ST_TXT:
				len = strlen(r->vals[k]);
				zt_txt(&st->zone, r->owner,
				    (const char *const *)&r->vals[k], &len, 1);
				break;
			case ST_A:
			case ST_AAAA:
				zt_addr(&st->zone, r->owner,
				    st_type_name[r->type], r->vals[k]);
				break;
			case ST_MX:
				snprintf(pref, sizeof(pref), "%zu", k + 1);
				zt_mx(&st->zone, r->owner, pref, r->vals[k]);
				break;
			case ST_PTR:
				zt_target(&st->zone, r->owner, "PTR",
				    r->vals[k]);
				break;
			}
		}
	}
	if (st->servfail.len > 0)
		sb_add(&st->zone, st->servfail.p, st->servfail.len);
}

static void
set_str(char **dst, const char *p, const char *end)
{
	free(*dst);
	*dst = xstrndup(p, (size_t)(end - p));
}

static void
expect(struct suite *S, struct st_state *st, const char *p, const char *end)
{
	struct spf_case c;
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	char *result, *exp = NULL, id[24];

	result = xstrndup(p, (size_t)((sp ? sp : end) - p));
	if (sp != NULL && skip_ws(sp, end) < end)
		exp = xstrndup(skip_ws(sp, end), (size_t)(end - skip_ws(sp,
		    end)));
	snprintf(id, sizeof(id), "%u", st->num++);
	memset(&c, 0, sizeof(c));
	c.scenario = st->name ? st->name : "";
	c.id = id;
	c.helo = st->helo ? st->helo : "";
	c.host = st->ip ? st->ip : "127.0.0.1";
	c.mailfrom = st->sender ? st->sender : "";
	c.results[0] = result;
	c.nresults = 1;
	c.explanation = exp;
	c.mode = CASE_HELO_THEN_MAILFROM;
	if (st->dirty) {
		suite_zone_done(S, &st->dns);
		build_zone(st);
		st->dirty = 0;
		if (suite_dump_only(S))
			suite_dump_zone(S, c.scenario, &st->zone);
	}
	if (!suite_dump_only(S) && suite_selected(S, &c))
		suite_run(S, st->zone.p, st->zone.len, &st->dns, &c);
	free(result);
	free(exp);
}

static const char *const st_keys[] = { "name", "spf", "exp", "a", "aaaa",
	"ptr", "mx", "domain", "sender", "ip", "expect" };

/* The key of "key: value" among st_keys, value trimmed; NULL if none. */
static const char *
line_key(const char *p, const char *end, const char **val)
{
	size_t i, k;

	for (i = 0; i < sizeof(st_keys) / sizeof(st_keys[0]); i++) {
		k = strlen(st_keys[i]);
		if ((size_t)(end - p) > k && memcmp(p, st_keys[i], k) == 0 &&
		    p[k] == ':') {
			*val = skip_ws(p + k + 1, end);
			return st_keys[i];
		}
	}
	return NULL;
}

static void
on_line(struct suite *S, struct st_state *st, const char *p,
    const char *end, unsigned long lineno)
{
	const char *key, *v;

	p = skip_ws(p, end);
	end = trim_end(p, end);
	if (p < end && *p == '-')
		p = skip_ws(p + 1, end);
	key = line_key(p, end, &v);
	if (key == NULL)
		return;
	if (strcmp(key, "name") == 0)
		set_str(&st->name, v, end);
	else if (strcmp(key, "domain") == 0)
		set_str(&st->helo, v, end);
	else if (strcmp(key, "sender") == 0)
		set_str(&st->sender, v, end);
	else if (strcmp(key, "ip") == 0)
		set_str(&st->ip, v, end);
	else if (strcmp(key, "expect") == 0)
		expect(S, st, v, end);
	else if (add_record(st, key, v, end) != 0)
		suite_file_error(S, "line %lu: bad %s: line", lineno, key);
}

static void
reset_scenario(struct st_state *st)
{
	free(st->name);
	free(st->helo);
	free(st->sender);
	free(st->ip);
	st->name = st->helo = st->sender = st->ip = NULL;
	st->num = 1;
}

static void
st_free(struct suite *S, struct st_state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free_vals(&st->recs[i]);
		free(st->recs[i].owner);
	}
	free(st->recs);
	reset_scenario(st);
	suite_zone_done(S, &st->dns);
	sb_free(&st->zone);
	sb_free(&st->servfail);
}

int
stalwart_run(struct suite *S, const char *path)
{
	struct st_state st;
	const char *p, *nl, *end;
	unsigned long lineno = 0;
	size_t len;
	char *buf = tu_read_file(path, &len);

	if (buf == NULL) {
		suite_file_error(S, "cannot read %s", path);
		return -1;
	}
	memset(&st, 0, sizeof(st));
	reset_scenario(&st);
	find_dns_errors(&st, buf, len);
	end = buf + len;
	for (p = buf; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		lineno++;
		/* The driver splits scenarios at "---\n". */
		if (nl - p == 3 && memcmp(p, "---", 3) == 0 && nl < end)
			reset_scenario(&st);
		else
			on_line(S, &st, p, nl, lineno);
	}
	st_free(S, &st);
	free(buf);
	return 0;
}
