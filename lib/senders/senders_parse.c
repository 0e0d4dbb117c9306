/*
 * senders_parse.c - the grammar of data/senders.conf (docs/senders.md):
 *
 *   file     = *(line LF)            ; CRLF accepted, a line <= 4 KiB
 *   line     = blank / comment / header / setting
 *   comment  = "#" text
 *   header   = "[service " id "]" / "[freemail]"
 *   setting  = key "=" value         ; in a service section
 *            / domain "=" provider "|" url   ; in the freemail section
 *
 * Service keys: name, source (required), spf-include, domains, hosts,
 * dkim-selectors, hint.  List values are comma-separated, 64 items at
 * most.  Anything else is an error naming file:line: a data file that
 * says something we do not understand is not half-used.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "senders/senders_int.h"

enum section { SEC_NONE, SEC_SERVICE, SEC_FREEMAIL };

struct parser {
	struct vouch_senders *s;
	const char *file;
	struct vouch_error *err;
	unsigned line;
	enum section sec;
	unsigned seen;		/* keys given in the current service */
};

enum item_kind { ITEM_DOMAIN, ITEM_HOST, ITEM_SELECTOR };

typedef int (*key_fn)(struct parser *, struct vouch_sender_service *,
    const char *, size_t);

static int
perr(struct parser *p, unsigned line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
perr(struct parser *p, unsigned line, int code, const char *fmt, ...)
{
	char msg[VOUCH_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vouch__error(p->err, code, line, "%s:%u: %s", p->file, line,
	    msg);
}

static int
nomem(struct parser *p)
{
	return vouch__error(p->err, VOUCH_ENOMEM, 0, "out of memory");
}

static struct vouch_sender_service *
current(struct parser *p)
{
	return &p->s->svc[p->s->nsvc - 1].pub;
}

/* s..len without leading and trailing blanks. */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* s..len cut at its first c into trimmed halves; 0 when there is no c. */
static int
split(const char *s, size_t len, int c, const char **a, size_t *alen,
    const char **b, size_t *blen)
{
	const char *at = memchr(s, c, len);

	if (at == NULL)
		return 0;
	*a = s;
	*alen = (size_t)(at - s);
	*b = at + 1;
	*blen = len - *alen - 1;
	trim(a, alen);
	trim(b, blen);
	return 1;
}

/* Control bytes and broken UTF-8 are refused anywhere in the file. */
static int
check_bytes(struct parser *p, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n;

	for (i = 0; i < len; i++) {
		if (u[i] == '\t')
			continue;
		if (u[i] < 0x20 || u[i] == 0x7f)
			return perr(p, p->line, VOUCH_ESYNTAX,
			    "control byte 0x%02x", u[i]);
		if (u[i] < 0x80)
			continue;
		if ((n = vouch__utf8_len(u + i, len - i)) == 0)
			return perr(p, p->line, VOUCH_ESYNTAX, "invalid UTF-8");
		i += n - 1;
	}
	return 0;
}

/* One list item or single name into *out (arena). */
static int
item(struct parser *p, const char *s, size_t len, enum item_kind kind,
    const char **out)
{
	static const char *const what[] = { "domain", "host pattern",
	    "DKIM selector" };
	const char *why = NULL, *name;
	char *pat;

	if (kind == ITEM_HOST && len >= 2 && s[0] == '*' && s[1] == '.') {
		name = vouch__senders_name(&p->s->arena, s + 2, len - 2,
		    NAME_DOMAIN, &why);
		if (name != NULL) {
			if ((pat = vouch__arena_alloc(&p->s->arena,
			    strlen(name) + 3)) == NULL)
				return nomem(p);
			pat[0] = '*';
			pat[1] = '.';
			memcpy(pat + 2, name, strlen(name) + 1);
			name = pat;
		}
	} else if (kind == ITEM_HOST && memchr(s, '*', len) != NULL) {
		why = "only a leading \"*.\" is allowed";
		name = NULL;
	} else {
		name = vouch__senders_name(&p->s->arena, s, len,
		    kind == ITEM_DOMAIN ? NAME_DOMAIN : kind == ITEM_HOST ?
		    NAME_HOST : NAME_SELECTOR, &why);
	}
	if (name == NULL && why == NULL)
		return nomem(p);
	if (name == NULL)
		return perr(p, p->line, VOUCH_ESYNTAX, "bad %s '%.*s': %s",
		    what[kind], (int)len, s, why);
	*out = name;
	return 0;
}

/* A comma-separated list into an arena array of *n names. */
static int
list(struct parser *p, const char *v, size_t len, enum item_kind kind,
    const char *const **out, size_t *n)
{
	const char **a, *comma, *s;
	size_t count = 1, i, j, k;
	int rc;

	for (i = 0; i < len; i++)
		count += v[i] == ',';
	if (count > SENDERS_LIST_MAX)
		return perr(p, p->line, VOUCH_ELIMIT,
		    "list of more than %d items", SENDERS_LIST_MAX);
	if ((a = vouch__arena_alloc(&p->s->arena, count * sizeof(*a))) == NULL)
		return nomem(p);
	for (i = 0; i < count; i++) {
		comma = memchr(v, ',', len);
		s = v;
		k = comma != NULL ? (size_t)(comma - v) : len;
		v += k + (comma != NULL);
		len -= k + (comma != NULL);
		trim(&s, &k);
		if (k == 0)
			return perr(p, p->line, VOUCH_ESYNTAX,
			    "empty item in a list");
		if ((rc = item(p, s, k, kind, &a[i])) != 0)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(a[j], a[i]) == 0)
				return perr(p, p->line, VOUCH_ESYNTAX,
				    "'%s' listed twice", a[i]);
	}
	*out = a;
	*n = count;
	return 0;
}

static int
add_all(struct parser *p, enum senders_tab t, const char *const *v,
    size_t n, size_t prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vouch__senders_add(p->s, t, v[i] + prefix,
		    p->s->nsvc - 1, p->line) != 0)
			return nomem(p);
	return 0;
}

static int
text(struct parser *p, const char *v, size_t len, const char **out)
{
	if ((*out = vouch__arena_strndup(&p->s->arena, v, len)) == NULL)
		return nomem(p);
	return 0;
}

static int
key_name(struct parser *p, struct vouch_sender_service *svc, const char *v,
    size_t len)
{
	return text(p, v, len, &svc->name);
}

static int
key_hint(struct parser *p, struct vouch_sender_service *svc, const char *v,
    size_t len)
{
	return text(p, v, len, &svc->hint);
}

static int
key_source(struct parser *p, struct vouch_sender_service *svc,
    const char *v, size_t len)
{
	if (!vouch__senders_url_ok(v, len))
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "source '%.*s' is not an https URL", (int)len, v);
	return text(p, v, len, &svc->source);
}

static int
key_include(struct parser *p, struct vouch_sender_service *svc,
    const char *v, size_t len)
{
	int rc = item(p, v, len, ITEM_DOMAIN, &svc->spf_include);

	if (rc == 0)
		rc = add_all(p, TAB_INCLUDE, &svc->spf_include, 1, 0);
	return rc;
}

static int
key_domains(struct parser *p, struct vouch_sender_service *svc,
    const char *v, size_t len)
{
	int rc = list(p, v, len, ITEM_DOMAIN, &svc->domains, &svc->ndomains);

	if (rc == 0)
		rc = add_all(p, TAB_DOMAIN, svc->domains, svc->ndomains, 0);
	return rc;
}

/* "*.suffix" patterns are found by their suffix, exact names as such. */
static int
key_hosts(struct parser *p, struct vouch_sender_service *svc,
    const char *v, size_t len)
{
	size_t i;
	int rc = list(p, v, len, ITEM_HOST, &svc->hosts, &svc->nhosts);

	for (i = 0; rc == 0 && i < svc->nhosts; i++)
		rc = svc->hosts[i][0] == '*' ?
		    add_all(p, TAB_WILD, &svc->hosts[i], 1, 2) :
		    add_all(p, TAB_HOST, &svc->hosts[i], 1, 0);
	return rc;
}

static int
key_selectors(struct parser *p, struct vouch_sender_service *svc,
    const char *v, size_t len)
{
	return list(p, v, len, ITEM_SELECTOR, &svc->selectors,
	    &svc->nselectors);
}

static const struct {
	const char *key;
	key_fn fn;
} keys[] = {
	{ "name", key_name },
	{ "source", key_source },
	{ "spf-include", key_include },
	{ "domains", key_domains },
	{ "hosts", key_hosts },
	{ "dkim-selectors", key_selectors },
	{ "hint", key_hint },
};

/* A service section must have said who it is and where that is from. */
static int
end_section(struct parser *p)
{
	const struct senders_svc *svc;

	if (p->sec != SEC_SERVICE)
		return 0;
	svc = &p->s->svc[p->s->nsvc - 1];
	if (svc->pub.name == NULL)
		return perr(p, svc->line, VOUCH_ESYNTAX,
		    "[service %s] has no name", svc->pub.id);
	if (svc->pub.source == NULL)
		return perr(p, svc->line, VOUCH_ESYNTAX,
		    "[service %s] has no source", svc->pub.id);
	return 0;
}

static int
new_service(struct parser *p, const char *id, size_t len)
{
	struct vouch_senders *s = p->s;
	struct senders_svc *v;
	char *copy;

	if (!vouch__senders_id_ok(id, len))
		return perr(p, p->line, VOUCH_ESYNTAX, "bad service id '%.*s' "
		    "(letters, digits and '-', 63 at most)", (int)len, id);
	v = vouch__senders_grow(s->svc, &s->svc_cap, s->nsvc, sizeof(*v));
	if (v == NULL)
		return nomem(p);
	s->svc = v;
	if ((copy = vouch__arena_strndup(&s->arena, id, len)) == NULL)
		return nomem(p);
	vouch__lower(copy);
	memset(&v[s->nsvc], 0, sizeof(v[s->nsvc]));
	v[s->nsvc].pub.id = copy;
	v[s->nsvc].line = p->line;
	s->nsvc++;
	if (vouch__senders_add(s, TAB_ID, copy, s->nsvc - 1, p->line) != 0)
		return nomem(p);
	p->sec = SEC_SERVICE;
	p->seen = 0;
	return 0;
}

static int
header(struct parser *p, const char *s, size_t len)
{
	int rc;

	if (s[len - 1] != ']')
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "unterminated section header");
	s++;
	len -= 2;
	trim(&s, &len);
	if ((rc = end_section(p)) != 0)
		return rc;
	if (vouch__memcaseeq(s, len, "freemail")) {
		p->sec = SEC_FREEMAIL;
		return 0;
	}
	if (vouch__memcaseeq(s, len, "service"))
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "[service] without an id");
	if (len >= 8 && vouch__strncaseeq(s, "service", 7) &&
	    (s[7] == ' ' || s[7] == '\t')) {
		s += 8;
		len -= 8;
		trim(&s, &len);
		return new_service(p, s, len);
	}
	return perr(p, p->line, VOUCH_ESYNTAX, "unknown section '[%.*s]'",
	    (int)len, s);
}

static int
service_setting(struct parser *p, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	struct vouch_sender_service *svc = current(p);
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!vouch__memcaseeq(k, klen, keys[i].key))
			continue;
		if (p->seen & (1u << i))
			return perr(p, p->line, VOUCH_ESYNTAX, "key '%s' given "
			    "twice in [service %s]", keys[i].key, svc->id);
		p->seen |= 1u << i;
		return keys[i].fn(p, svc, v, vlen);
	}
	return perr(p, p->line, VOUCH_ESYNTAX, "unknown key '%.*s' in "
	    "[service %s]", (int)klen, k, svc->id);
}

/* domain = provider | url */
static int
freemail_setting(struct parser *p, const char *k, size_t klen,
    const char *v, size_t vlen)
{
	struct vouch_senders *s = p->s;
	struct vouch_sender_freemail *fm, e;
	const char *prov, *url;
	size_t plen, ulen;
	int rc;

	if (!split(v, vlen, '|', &prov, &plen, &url, &ulen) ||
	    memchr(url, '|', ulen) != NULL)
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "expected 'domain = provider | source'");
	if (plen == 0)
		return perr(p, p->line, VOUCH_ESYNTAX, "empty provider");
	if (!vouch__senders_url_ok(url, ulen))
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "source '%.*s' is not an https URL", (int)ulen, url);
	if ((rc = item(p, k, klen, ITEM_DOMAIN, &e.domain)) != 0 ||
	    (rc = text(p, prov, plen, &e.provider)) != 0 ||
	    (rc = text(p, url, ulen, &e.source)) != 0)
		return rc;
	fm = vouch__senders_grow(s->fm, &s->fm_cap, s->nfm, sizeof(*fm));
	if (fm == NULL)
		return nomem(p);
	s->fm = fm;
	fm[s->nfm++] = e;
	if (vouch__senders_add(s, TAB_FREEMAIL, e.domain, s->nfm - 1,
	    p->line) != 0)
		return nomem(p);
	return 0;
}

static int
setting(struct parser *p, const char *line, size_t len)
{
	const char *s, *v;
	size_t klen, vlen;

	if (!split(line, len, '=', &s, &klen, &v, &vlen))
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "expected 'key = value'");
	if (klen == 0)
		return perr(p, p->line, VOUCH_ESYNTAX, "empty key");
	if (p->sec == SEC_NONE)
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "'%.*s' outside a section", (int)klen, s);
	if (vlen == 0)
		return perr(p, p->line, VOUCH_ESYNTAX,
		    "empty value for '%.*s'", (int)klen, s);
	if (p->sec == SEC_FREEMAIL)
		return freemail_setting(p, s, klen, v, vlen);
	return service_setting(p, s, klen, v, vlen);
}

static int
one_line(struct parser *p, const char *s, size_t len)
{
	int rc;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > SENDERS_LINE_MAX)
		return perr(p, p->line, VOUCH_ELIMIT,
		    "line longer than %d bytes", SENDERS_LINE_MAX);
	if ((rc = check_bytes(p, s, len)) != 0)
		return rc;
	trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	if (s[0] == '[')
		return header(p, s, len);
	return setting(p, s, len);
}

int
vouch__senders_read(struct vouch_senders *s, const char *text, size_t len,
    const char *file, struct vouch_error *err)
{
	struct parser p = { s, file, err, 0, SEC_NONE, 0 };
	const char *end = text + len, *nl;
	size_t n;
	int rc;

	if (len > SENDERS_FILE_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "%s: larger than %d "
		    "bytes", file, SENDERS_FILE_MAX);
	while (text < end) {
		p.line++;
		nl = memchr(text, '\n', (size_t)(end - text));
		n = nl != NULL ? (size_t)(nl - text) : (size_t)(end - text);
		if ((rc = one_line(&p, text, n)) != 0)
			return rc;
		text += n + (nl != NULL);
	}
	return end_section(&p);
}
