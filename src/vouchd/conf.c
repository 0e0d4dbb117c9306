/*
 * conf.c - vouchd.conf(5) read into a snapshot: defaults, the key loop
 * (unknown, OpenDKIM-only and repeated keys are errors naming FILE:LINE),
 * the tables once the whole file is read, and the snapshot's life
 * (reference counts shared by the daemon's threads).
 */
#include <string.h>
#include <unistd.h>

#include <vouch/msg.h>
#include <vouch/verdict.h>

#include "conf_int.h"

#define STR(x) #x
#define XSTR(x) STR(x)

/* The defaults, spelt as in vouchd.conf(5); AuthservID is the host name
 * and the other keys are not set. */
static const struct {
	enum vouchd__key_id id;
	const char *value;
} defaults[] = {
	{ VOUCHD__K_SOCKET, "inet:8891@127.0.0.1" },
	{ VOUCHD__K_SOCKET_MODE, "0660" },
	{ VOUCHD__K_SYSLOG, "yes" },
	{ VOUCHD__K_FACILITY, "mail" },
	{ VOUCHD__K_LOG_WHY, "no" },
	{ VOUCHD__K_INTERNAL, "127.0.0.1, ::1" },
	{ VOUCHD__K_SIGN_AUTH, "yes" },
	{ VOUCHD__K_DMARC_MODE, "rfc9989" },
	{ VOUCHD__K_REJECT, "yes" },
	{ VOUCHD__K_REJECT_TEXT, VOUCH_VERDICT_REJECT_REPLY },
	{ VOUCHD__K_TEMPFAIL_DNS, "yes" },
	{ VOUCHD__K_TEMPFAIL_TEXT, VOUCH_VERDICT_TEMPFAIL_REPLY },
	{ VOUCHD__K_QUARANTINE, "hold" },
	{ VOUCHD__K_QUARANTINE_HEADER, "X-Vouch-Quarantine" },
	{ VOUCHD__K_DNS_TIMEOUT, "5000" },
	{ VOUCHD__K_DNS_QUERIES, XSTR(VOUCH_VERDICT_DNS_QUERIES) },
	{ VOUCHD__K_DNS_TIME, XSTR(VOUCH_VERDICT_DNS_MS) },
	{ VOUCHD__K_MAX_HEADER, "65536" },
	{ VOUCHD__K_MAX_SIGS, XSTR(VOUCH_DKIM_MAX_SIGNATURES) },
	{ VOUCHD__K_INTERNAL_ERROR, "tempfail" },
};

_Static_assert(VOUCH_MSG_HEADER_MAX == 65536, "MaxHeaderBytes default");

/* AuthservID: the host name when it can be one, else "localhost". */
static int
set_host_id(struct vouchd__parse *p, struct vouch_error *err)
{
	char host[256];
	int rc;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	rc = vouchd__key_set(p, VOUCHD__K_AUTHSERV, host, err);
	if (rc != 0 && rc != VOUCH_ENOMEM)
		rc = vouchd__key_set(p, VOUCHD__K_AUTHSERV, "localhost", err);
	return rc;
}

int
vouchd_conf_default(struct vouchd_conf **out, struct vouch_error *err)
{
	struct vouchd__parse p = { 0 };
	size_t i;
	int rc = 0;

	if (out == NULL)
		return VOUCH_EINVAL;
	if ((*out = p.c = vouch__calloc(1, sizeof(*p.c))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	p.c->refs = 1;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]) && rc == 0;
	    i++)
		rc = vouchd__key_set(&p, defaults[i].id, defaults[i].value,
		    err);
	if (rc == 0)
		rc = set_host_id(&p, err);
	if (rc != 0) {
		vouchd_conf_free(p.c);
		*out = NULL;
	}
	return rc;
}

static int
key_error(const struct vouchd__lines *l, const char *key,
    struct vouch_error *err)
{
	const struct vouchd__foreign *f = vouchd__foreign_find(key);
	const char *who;

	if (f == NULL)
		return vouchd__ferr(err, VOUCH_ESYNTAX, l->path, l->line,
		    "unknown key '%.80s'", key);
	who = f->origin == VOUCHD__OPENDMARC ? "an OpenDMARC" :
	    f->origin == VOUCHD__OPENDKIM ? "an OpenDKIM" :
	    "an OpenDKIM and OpenDMARC";
	if (f->map != NULL)
		return vouchd__ferr(err, VOUCH_EUNSUPPORTED, l->path, l->line,
		    "%s is %s setting: vouchd has %s instead (vouchd migrate "
		    "converts an opendkim.conf or opendmarc.conf)", f->name,
		    who, f->why);
	return vouchd__ferr(err, VOUCH_EUNSUPPORTED, l->path, l->line,
	    "%s is %s setting that vouchd does not support: %s (vouchd "
	    "migrate converts an opendkim.conf or opendmarc.conf)", f->name,
	    who, f->why);
}

/* The tables, once every key is known. */
static int
finish(struct vouchd__parse *p, struct vouch_error *err)
{
	struct vouchd_conf *c = p->c;
	unsigned kl = p->seen[VOUCHD__K_KEY_TABLE];
	unsigned sl = p->seen[VOUCHD__K_SIGNING_TABLE];
	int rc;

	if (c->key_table != NULL && c->signing_table == NULL)
		return vouchd__ferr(err, VOUCH_ESYNTAX, p->file, kl,
		    "KeyTable: no SigningTable says which mail to sign with "
		    "it");
	if (c->key_table == NULL && c->signing_table != NULL)
		return vouchd__ferr(err, VOUCH_ESYNTAX, p->file, sl,
		    "SigningTable: no KeyTable holds its keys");
	if (c->key_table == NULL)
		return 0;
	if ((rc = vouchd__keytable_load(c, err)) != 0)
		return vouchd__locate(err, rc, p->file, kl, "KeyTable");
	if ((rc = vouchd__signtable_load(c, err)) != 0)
		return vouchd__locate(err, rc, p->file, sl, "SigningTable");
	return 0;
}

static int
parse_lines(struct vouchd__parse *p, struct vouchd__lines *l,
    struct vouch_error *err)
{
	char *s, *key;
	int rc, id;

	while ((rc = vouchd__lines_next(l, &s, err)) == 1) {
		key = vouchd__word(&s);
		if ((id = vouchd__key_find(key)) < 0)
			return key_error(l, key, err);
		if (p->seen[id] != 0)
			return vouchd__ferr(err, VOUCH_ESYNTAX, l->path,
			    l->line, "%s given twice (first at line %u)",
			    vouchd__key_name(id), p->seen[id]);
		p->seen[id] = l->line;
		if ((rc = vouchd__key_set(p, id, s, err)) != 0)
			return vouchd__locate(err, rc, l->path, l->line,
			    vouchd__key_name(id));
	}
	return rc;
}

int
vouchd__conf_parse(struct vouchd__lines *l, const char *dir,
    struct vouchd_conf **out, struct vouch_error *err)
{
	struct vouchd__parse p = { 0 };
	int rc;

	*out = NULL;
	if ((rc = vouchd_conf_default(&p.c, err)) != 0)
		return rc;
	p.file = l->path;
	p.dir = dir;
	if ((rc = parse_lines(&p, l, err)) != 0 ||
	    (rc = finish(&p, err)) != 0)
		goto fail;
	if ((p.c->path = vouch__strdup(l->path)) == NULL) {
		rc = vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
		goto fail;
	}
	*out = p.c;
	return 0;
fail:
	vouchd_conf_free(p.c);
	return rc;
}

int
vouchd_conf_load(const char *path, struct vouchd_conf **out,
    struct vouch_error *err)
{
	struct vouchd__lines l;
	char *dir = NULL;
	int rc;

	if (out == NULL || path == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if ((rc = vouchd__lines_open(&l, path, VOUCHD__CONF_MAX, err)) != 0)
		return rc;
	if ((rc = vouchd__dirname(path, &dir)) != 0)
		(void)vouch__error(err, rc, 0, "%s: cannot resolve its "
		    "directory", path);
	else
		rc = vouchd__conf_parse(&l, dir, out, err);
	vouch__free(dir);
	vouchd__lines_free(&l);
	return rc;
}

static void
free_tables(struct vouchd_conf *c)
{
	size_t i;

	for (i = 0; i < c->nkeys; i++) {
		vouch__free(c->keys[i].name);
		vouch__free(c->keys[i].domain);
		vouch__free(c->keys[i].selector);
		vouch__free(c->keys[i].keyfile);
		vouch_dkim_key_free(c->keys[i].key);
	}
	vouch__free(c->keys);
	for (i = 0; i < c->nrules; i++) {
		vouch__free(c->rules[i].pattern);
		vouch__free(c->rules[i].keys);
	}
	vouch__free(c->rules);
	vouch__free(c->key_table);
	vouch__free(c->signing_table);
}

void
vouchd_conf_free(struct vouchd_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free_tables(c);
	for (i = 0; i < c->ntrusted; i++)
		vouch__free(c->trusted[i]);
	vouch__free(c->trusted);
	vouch__free(c->trusted_file);
	vouch__free(c->internal);
	vouch__free(c->internal_file);
	vouch__free(c->path);
	vouch__free(c->socket);
	vouch__free(c->user);
	vouch__free(c->pid_file);
	vouch__free(c->syslog_facility);
	vouch__free(c->metrics);
	vouch__free(c->authserv_id);
	vouch__free(c->psl_file);
	vouch__free(c->reject_text);
	vouch__free(c->tempfail_text);
	vouch__free(c->quarantine_header);
	vouch__free(c->dns_server);
	vouch__free(c);
}

struct vouchd_conf *
vouchd_conf_ref(struct vouchd_conf *c)
{
	if (c != NULL)
		(void)__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void
vouchd_conf_unref(struct vouchd_conf *c)
{
	/* The last thread to let go frees; acquire-release orders its
	 * reads of the snapshot before the free. */
	if (c != NULL && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		vouchd_conf_free(c);
}
