/*
 * authmilter_conf.c - the settings of an authentication-milter
 * configuration (config/<name>/authentication_milter.json) that decide
 * what its output means for us.
 *
 * The file is JSON as Perl's JSON module reads it in relaxed mode: '#'
 * comments and a ',' before '}' or ']' are allowed.  Both are removed
 * here and the rest goes to jansson.  What is read:
 *
 *   authserv_id        the id on the fields it adds.  When absent the
 *                      milter uses its host name, which upstream's harness
 *                      (t/AuthMilterTest.pm, not copied) fixes as
 *                      test.module for milter runs and server.example.com
 *                      for SMTP runs (the transcripts' "EHLO
 *                      server.example.com"); the expected outputs agree.
 *   protocol           "smtp": the output is an SMTP transcript.
 *   ip_map             a client address or CIDR evaluated as another
 *                      address and HELO (before any handler runs).
 *   handlers.{SPF,DKIM,DMARC}.hide_none
 *                      a "none" result is left out of the field.
 *   handlers.DKIM.no_strict
 *                      Mail::DKIM without its Strict mode: rsa-sha1 and
 *                      short keys verify (RFC 8301 switched off).
 * Everything else (hard_reject, whitelisted, LocalIP, TrustedIP, dryrun,
 * ...) changes what the milter does with a result, not the result; the
 * cases it matters for are in authmilter-skips.tsv with the setting
 * named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "authmilter_suite.h"

/* Past white space and '#' comments from i. */
static size_t
skip_space(const char *buf, size_t len, size_t i)
{
	while (i < len) {
		if (buf[i] == '#') {
			while (i < len && buf[i] != '\n')
				i++;
		} else if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		    buf[i] == '\n') {
			i++;
		} else {
			break;
		}
	}
	return i;
}

/* Relaxed JSON -> JSON: comments and trailing commas removed. */
static char *
strict_json(const char *buf, size_t len, size_t *outlen)
{
	char *out = xmalloc(len + 1);
	size_t i = 0, o = 0, j;
	int instr = 0;

	while (i < len) {
		char c = buf[i];

		if (instr) {
			out[o++] = buf[i++];
			if (c == '\\' && i < len)
				out[o++] = buf[i++];
			else if (c == '"')
				instr = 0;
			continue;
		}
		if (c == '#') {
			i = skip_space(buf, len, i);
			continue;
		}
		if (c == ',') {
			j = skip_space(buf, len, i + 1);
			if (j < len && (buf[j] == '}' || buf[j] == ']')) {
				i++;
				continue;
			}
		}
		instr = c == '"';
		out[o++] = buf[i++];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* A Perl truth value: a non-zero number, true, or "1"/"yes". */
static int
flag(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_true(v))
		return 1;
	s = json_string_value(v);
	return s != NULL && (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0);
}

static int
copy_str(char *dst, size_t n, json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL || strlen(s) >= n)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* "a.b.c.d" or "a.b.c.d/nn" (IPv6 likewise). */
static int
parse_net(const char *key, struct am_ipmap *m)
{
	char addr[64];
	const char *slash = strchr(key, '/');
	size_t n = slash ? (size_t)(slash - key) : strlen(key);
	char *end;
	long bits;

	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, key, n);
	addr[n] = '\0';
	if (vouch_ip_parse(addr, &m->net) != 0)
		return -1;
	m->bits = m->net.family == 4 ? 32 : 128;
	if (slash == NULL)
		return 0;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > (long)m->bits)
		return -1;
	m->bits = (unsigned)bits;
	return 0;
}

static int
load_ipmap(json_t *map, struct am_conf *c, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(map, key, v) {
		struct am_ipmap *m = &c->map[c->nmap];

		if (c->nmap == AM_IPMAP_MAX || parse_net(key, m) != 0 ||
		    copy_str(m->ip, sizeof(m->ip), json_object_get(v,
		    "ip")) != 0 || copy_str(m->helo, sizeof(m->helo),
		    json_object_get(v, "helo")) != 0) {
			snprintf(err, errlen, "%s: ip_map entry %s not "
			    "understood", c->name, key);
			return -1;
		}
		c->nmap++;
	}
	return 0;
}

static int
read_conf(json_t *root, struct am_conf *c, char *err, size_t errlen)
{
	json_t *h = json_object_get(root, "handlers");
	json_t *id = json_object_get(root, "authserv_id");
	const char *proto = json_string_value(json_object_get(root,
	    "protocol"));

	c->smtp = proto != NULL && strcmp(proto, "smtp") == 0;
	if (id != NULL && copy_str(c->authserv_id, sizeof(c->authserv_id),
	    id) != 0) {
		snprintf(err, errlen, "%s: authserv_id not a string",
		    c->name);
		return -1;
	}
	if (id == NULL)
		snprintf(c->authserv_id, sizeof(c->authserv_id), "%s",
		    c->smtp ? "server.example.com" : "test.module");
	c->hide_none_spf = flag(json_object_get(h, "SPF"), "hide_none");
	c->hide_none_dkim = flag(json_object_get(h, "DKIM"), "hide_none");
	c->hide_none_dmarc = flag(json_object_get(h, "DMARC"), "hide_none");
	c->no_strict = flag(json_object_get(h, "DKIM"), "no_strict");
	return load_ipmap(json_object_get(root, "ip_map"), c, err, errlen);
}

int
am_conf_load(const char *dir, struct am_conf *c, char *err, size_t errlen)
{
	char rel[512];
	const char *slash = strrchr(dir, '/');
	char *buf, *js;
	size_t len, jlen;
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", slash ? slash + 1 : dir);
	snprintf(rel, sizeof(rel), AM_DIR "/%s/authentication_milter.json",
	    dir);
	if ((buf = tu_read_file(tu_corpus_path(rel), &len)) == NULL) {
		snprintf(err, errlen, "cannot read %s", rel);
		return -1;
	}
	js = strict_json(buf, len, &jlen);
	root = json_loadb(js, jlen, 0, &jerr);
	free(js);
	free(buf);
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: line %d: %s", rel, jerr.line,
		    jerr.text);
		json_decref(root);
		return -1;
	}
	rc = read_conf(root, c, err, errlen);
	json_decref(root);
	return rc;
}

static int
in_net(const struct vouch_ip *ip, const struct am_ipmap *m)
{
	unsigned full = m->bits / 8, rest = m->bits % 8;

	if (ip->family != m->net.family ||
	    memcmp(ip->addr, m->net.addr, full) != 0)
		return 0;
	return rest == 0 || ((ip->addr[full] ^ m->net.addr[full]) &
	    (0xff00u >> rest)) == 0;
}

void
am_conf_map(const struct am_conf *c, struct vouch_ip *ip, const char **helo)
{
	struct vouch_ip to;
	size_t i;

	for (i = 0; i < c->nmap; i++) {
		if (!in_net(ip, &c->map[i]) ||
		    vouch_ip_parse(c->map[i].ip, &to) != 0)
			continue;
		*ip = to;
		*helo = c->map[i].helo;
		return;
	}
}
