/*
 * conf_net.c - the two list keys, InternalHosts (networks) and
 * TrustedAuthservIDs (authserv-ids), and the lookups on them.
 *
 * A list is given inline (items separated by commas and blanks) or as a
 * file like an OpenDKIM data set: "file:PATH", or a value that starts
 * with "/", "./" or "../", holding one item per line with "#" comments.
 * A network is ADDRESS or ADDRESS/PREFIX, IPv4 or IPv6 (brackets
 * allowed); host bits under the prefix are cleared, and an IPv4-mapped
 * IPv6 network (::ffff:a.b.c.d/96 and longer) is stored as IPv4, since
 * client addresses are unmapped before they are looked up.
 */
#include <string.h>

#include "conf_int.h"

typedef int (*item_fn)(struct vouchd_conf *c, size_t *cap,
    const char *item, struct vouch_error *err);

int
vouchd__net_parse(const char *s, struct vouchd_net *out,
    struct vouch_error *err)
{
	char buf[64];
	const char *slash;
	unsigned long prefix, max;
	unsigned bits;
	size_t i;

	if (vouchd__cut(s, '/', buf, sizeof(buf), &slash) != 0)
		goto bad;
	(void)vouchd__unbracket(buf);
	if (vouch_ip_parse(buf, &out->ip) != 0)
		goto bad;
	max = prefix = out->ip.family == 4 ? 32 : 128;
	if (slash != NULL && vouchd__number(slash, max, &prefix, NULL) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "prefix '%.16s' is "
		    "not 0 to %lu", slash, max);
	if (out->ip.family == 6 && prefix >= 96 && vouch_ip_unmap(&out->ip))
		prefix -= 96;
	out->prefix = (unsigned)prefix;
	for (i = 0; i < sizeof(out->ip.addr); i++) {
		bits = prefix > 8 * i ? (unsigned)(prefix - 8 * i) : 0;
		if (bits < 8)
			out->ip.addr[i] &= (unsigned char)(0xff00u >> bits);
	}
	return 0;
bad:
	return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not ADDRESS or "
	    "ADDRESS/PREFIX (vouchd matches addresses, not host names)", s);
}

int
vouchd__net_format(const struct vouchd_net *n, struct vouch__buf *b)
{
	char buf[64];
	int rc;

	if ((rc = vouch_ip_format(&n->ip, buf, sizeof(buf))) != 0)
		return rc;
	if (n->prefix == (n->ip.family == 4 ? 32u : 128u))
		return vouch__buf_puts(b, buf);
	return vouch__buf_printf(b, "%s/%u", buf, n->prefix);
}

/* vouchd__grow's refusal as an error. */
static int
full(int rc, struct vouch_error *err)
{
	return vouch__error(err, rc, 0, rc == VOUCH_ELIMIT ? "more than %d "
	    "entries" : "out of memory", VOUCHD__ENTRIES_MAX);
}

static int
add_net(struct vouchd_conf *c, size_t *cap, const char *item,
    struct vouch_error *err)
{
	struct vouchd_net net, *v;
	int rc;

	if ((rc = vouchd__net_parse(item, &net, err)) != 0)
		return rc;
	v = vouchd__grow(c->internal, cap, c->ninternal, sizeof(*v),
	    VOUCHD__ENTRIES_MAX, &rc);
	if (v == NULL)
		return full(rc, err);
	c->internal = v;
	c->internal[c->ninternal++] = net;
	return 0;
}

static int
add_id(struct vouchd_conf *c, size_t *cap, const char *item,
    struct vouch_error *err)
{
	char **v, *s;
	int rc;

	if ((rc = vouchd__check_authserv(item, err)) != 0)
		return rc;
	v = vouchd__grow(c->trusted, cap, c->ntrusted, sizeof(*v),
	    VOUCHD__ENTRIES_MAX, &rc);
	if (v == NULL)
		return full(rc, err);
	c->trusted = v;
	if ((s = vouch__strdup(item)) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	c->trusted[c->ntrusted++] = s;
	return 0;
}

static int
list_file(struct vouchd__parse *p, const char *path, item_fn fn,
    char **file, struct vouch_error *err)
{
	struct vouchd__lines l;
	size_t cap = 0;
	char *s, *item;
	int rc;

	if ((rc = vouchd__path(p->dir, path, file)) != 0)
		return vouch__error(err, rc, 0, "path too long");
	if ((rc = vouchd__lines_open(&l, *file, VOUCHD__TABLE_MAX, err)) != 0)
		return rc;
	while ((rc = vouchd__lines_next(&l, &s, err)) == 1) {
		item = vouchd__word(&s);
		if (*s != '\0') {
			rc = vouchd__ferr(err, VOUCH_ESYNTAX, l.path, l.line,
			    "one entry per line: '%.80s' follows '%.80s'", s,
			    item);
			break;
		}
		if ((rc = fn(p->c, &cap, item, err)) != 0) {
			rc = vouchd__locate(err, rc, l.path, l.line, NULL);
			break;
		}
	}
	vouchd__lines_free(&l);
	return rc;
}

static int
list_inline(struct vouchd__parse *p, const char *v, item_fn fn,
    struct vouch_error *err)
{
	char buf[VOUCHD__LINE_MAX + 1], *s = buf, *item;
	size_t cap = 0;
	int rc;

	if (vouch__strlcpy(buf, v, sizeof(buf)) >= sizeof(buf))
		return vouch__error(err, VOUCH_ELIMIT, 0, "list too long");
	while ((item = vouchd__item(&s)) != NULL)
		if ((rc = fn(p->c, &cap, item, err)) != 0)
			return rc;
	return 0;
}

/* OpenDKIM data sets vouchd does not read (opendkim(8) DATA SETS). */
const char *
vouchd__dataset_type(const char *v)
{
	static const char *const types[] = { "refile:", "db:", "dsn:",
		"ldap:", "ldaps:", "ldapi:", "lua:", "memcache:", "mdb:",
		"erlang:", "repute:", "socket:" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strncmp(v, types[i], strlen(types[i])) == 0)
			return types[i];
	return NULL;
}

static int
set_list(struct vouchd__parse *p, const char *v, item_fn fn, char **file,
    struct vouch_error *err)
{
	const char *type;

	if (strncmp(v, "file:", 5) == 0)
		return list_file(p, v + 5, fn, file, err);
	if (vouchd__is_path(v))
		return list_file(p, v, fn, file, err);
	if ((type = vouchd__dataset_type(v)) != NULL)
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "%s data sets "
		    "are not supported: give a list or file:PATH", type);
	if (strncmp(v, "csl:", 4) == 0)
		v += 4;
	return list_inline(p, v, fn, err);
}

int
vouchd__set_internal(struct vouchd__parse *p, const char *value,
    struct vouch_error *err)
{
	struct vouchd_conf *c = p->c;

	vouch__free(c->internal);
	vouch__free(c->internal_file);
	c->internal = NULL;
	c->internal_file = NULL;
	c->ninternal = 0;
	if (vouch__strcaseeq(value, "none"))
		return 0;
	return set_list(p, value, add_net, &c->internal_file, err);
}

int
vouchd__set_trusted(struct vouchd__parse *p, const char *value,
    struct vouch_error *err)
{
	struct vouchd_conf *c = p->c;
	size_t i;

	for (i = 0; i < c->ntrusted; i++)
		vouch__free(c->trusted[i]);
	vouch__free(c->trusted);
	vouch__free(c->trusted_file);
	c->trusted = NULL;
	c->trusted_file = NULL;
	c->ntrusted = 0;
	return set_list(p, value, add_id, &c->trusted_file, err);
}

static int
in_net(const struct vouchd_net *n, const struct vouch_ip *ip)
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;
	unsigned char mask;

	if (n->ip.family != ip->family ||
	    memcmp(n->ip.addr, ip->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff00u >> rest);
	return (ip->addr[full] & mask) == n->ip.addr[full];
}

int
vouchd_conf_is_internal(const struct vouchd_conf *c,
    const struct vouch_ip *ip)
{
	struct vouch_ip a;
	size_t i;

	if (c == NULL || ip == NULL)
		return 0;
	a = *ip;
	(void)vouch_ip_unmap(&a);
	for (i = 0; i < c->ninternal; i++)
		if (in_net(&c->internal[i], &a))
			return 1;
	return 0;
}

int
vouchd_conf_is_trusted(const struct vouchd_conf *c, const char *id)
{
	size_t i;

	if (c == NULL || id == NULL)
		return 0;
	for (i = 0; i < c->ntrusted; i++)
		if (vouch__strcaseeq(c->trusted[i], id))
			return 1;
	return 0;
}
