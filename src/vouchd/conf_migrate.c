/*
 * conf_migrate.c - vouchd migrate: an opendkim.conf and/or an
 * opendmarc.conf read with OpenDKIM's rules (any "#" starts a comment)
 * and written out as a vouchd.conf.  Each setting is either carried over
 * (checked by the same code that loads vouchd.conf, and preceded by a
 * comment naming FILE:LINE) or becomes a line
 *
 *   # not carried over: KEY VALUE -- why
 *
 * The conversions are in conf_migmap.c and conf_migsign.c, the reasons
 * in conf_foreign.c.  Where opendkim.conf and opendmarc.conf both set a
 * key, opendkim.conf's (read first) is kept and the other is a note
 * unless the two agree.
 */
#include <stdarg.h>
#include <string.h>

#include "conf_int.h"

#define SHOWN_MAX 200	/* bytes of a value repeated in a note */

int
vouchd__mig_note(struct vouchd__mig *m, const char *value, const char *fmt,
    ...)
{
	char why[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (value == NULL)
		value = "(value not shown)";
	n = strlen(value);
	return vouch__buf_printf(&m->notes, "# not carried over: %.80s%s%.*s%s "
	    "-- %s\n", m->key, *value != '\0' ? " " : "",
	    (int)(n > SHOWN_MAX ? SHOWN_MAX : n), value,
	    n > SHOWN_MAX ? "..." : "", why);
}

int
vouchd__mig_carry(struct vouchd__mig *m, enum vouchd__key_id id,
    const char *value, const char *shown)
{
	struct vouch_error e = { 0 };
	struct vouch__buf src;
	int rc;

	if (m->val[id] != NULL) {
		if (strcmp(m->val[id], value) == 0)
			return 0;
		return vouchd__mig_note(m, shown, "vouchd's %s is already %s "
		    "(from %s)", vouchd__key_name(id), m->val[id], m->src[id]);
	}
	/* The line must read back (VOUCHD__LINE_MAX). */
	if (strlen(vouchd__key_name(id)) + 1 + strlen(value) > VOUCHD__LINE_MAX)
		return vouchd__mig_note(m, shown, "too long for one line of "
		    "vouchd.conf");
	rc = vouchd__key_set(&m->scratch, id, value, &e);
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc != 0)
		return vouchd__mig_note(m, shown, "vouchd's %s refuses it: %s",
		    vouchd__key_name(id), e.msg);
	vouch__buf_init(&src, VOUCHD__LINE_MAX);
	if ((rc = vouch__buf_printf(&src, "%.1000s:%u", m->file, m->line)) != 0)
		return rc;
	if ((m->val[id] = vouch__strdup(value)) == NULL) {
		vouch__buf_free(&src);
		return VOUCH_ENOMEM;
	}
	m->src[id] = vouch__buf_take(&src);
	return 0;
}

int
vouchd__mig_bool(const char *s, int *out)
{
	if (strchr("TtYy1", *s) != NULL && *s != '\0')
		*out = 1;
	else if (strchr("FfNn0", *s) != NULL && *s != '\0')
		*out = 0;
	else
		return -1;
	return 0;
}

static int
migrate_file(struct vouchd__mig *m, struct vouchd__lines *l,
    unsigned origin, struct vouch_error *err)
{
	const struct vouchd__foreign *f;
	const char *what = origin == VOUCHD__OPENDKIM ? "opendkim.conf(5)" :
	    "opendmarc.conf(5)";
	char *s;
	int rc;

	l->hash = VOUCHD__HASH_ANY;
	m->file = l->path;
	while ((rc = vouchd__lines_next(l, &s, err)) == 1) {
		m->line = l->line;
		m->key = vouchd__word(&s);
		f = vouchd__foreign_find(m->key);
		if (f == NULL)
			rc = vouchd__mig_note(m, s, "not in %s", what);
		else if ((f->origin & origin) == 0)
			rc = vouchd__mig_note(m, s, "not in %s", what);
		else if (f->map == NULL)
			rc = vouchd__mig_note(m, f->secret ? NULL : s, "%s",
			    f->why);
		else
			rc = f->map(m, f, s);
		if (rc != 0)
			return vouch__error(err, rc, 0, rc == VOUCH_ENOMEM ?
			    "out of memory" : "%s: the output is too large",
			    l->path);
	}
	return rc;
}

/* What OpenDMARC did when its file did not say: no rejects, and
 * quarantine left to whatever reads Authentication-Results. */
static int
dmarc_defaults(struct vouchd__mig *m)
{
	static const struct {
		enum vouchd__key_id id;
		const char *value, *src;
	} d[] = {
		{ VOUCHD__K_REJECT, "no", "OpenDMARC's default "
		    "(RejectFailures false)" },
		{ VOUCHD__K_QUARANTINE, "accept", "OpenDMARC's default "
		    "(HoldQuarantinedMessages false)" },
	};
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		if (m->val[d[i].id] != NULL)
			continue;
		if ((m->val[d[i].id] = vouch__strdup(d[i].value)) == NULL ||
		    (m->src[d[i].id] = vouch__strdup(d[i].src)) == NULL)
			return VOUCH_ENOMEM;
	}
	return 0;
}

static int
output(struct vouchd__mig *m, const struct vouchd__lines *dkim,
    const struct vouchd__lines *dmarc, struct vouch__buf *b)
{
	int rc, id;

	rc = vouch__buf_puts(b, "# vouchd.conf(5) written by vouchd migrate "
	    "from\n");
	if (rc == 0 && dkim != NULL)
		rc = vouch__buf_printf(b, "#   %.1000s\n", dkim->path);
	if (rc == 0 && dmarc != NULL)
		rc = vouch__buf_printf(b, "#   %.1000s\n", dmarc->path);
	if (rc == 0)
		rc = vouch__buf_puts(b, "# Each setting names the line it "
		    "comes from; the other keys keep vouchd's\n# defaults.  "
		    "Check the file with vouchd -n before using it.\n");
	if (rc == 0 && dmarc == NULL)
		rc = vouch__buf_puts(b, "# There was no opendmarc.conf: "
		    "vouchd's DMARC defaults apply (RejectFailures\n# yes "
		    "rejects mail that fails DMARC under p=reject).\n");
	for (id = 0; id < VOUCHD__NKEYS && rc == 0; id++)
		if (m->val[id] != NULL)
			rc = vouch__buf_printf(b, "\n# from %s\n%s %s\n",
			    m->src[id], vouchd__key_name(id), m->val[id]);
	if (rc == 0)
		rc = vouchd__mig_single_block(m, b);
	if (rc == 0 && m->notes.len > 0)
		rc = vouch__buf_printf(b, "\n# Settings vouchd has no "
		    "equivalent for:\n%s", m->notes.data);
	return rc;
}

static void
mig_free(struct vouchd__mig *m)
{
	size_t i;

	for (i = 0; i < VOUCHD__NKEYS; i++) {
		vouch__free(m->val[i]);
		vouch__free(m->src[i]);
	}
	vouch__buf_free(&m->notes);
	vouch__free(m->domain);
	vouch__free(m->selector);
	vouch__free(m->keyfile);
	vouch__free(m->single_src);
	vouchd_conf_free(m->scratch.c);
}

int
vouchd__migrate_lines(struct vouchd__lines *dkim,
    struct vouchd__lines *dmarc, FILE *f, struct vouch_error *err)
{
	struct vouchd__mig m;
	struct vouch__buf out;
	int rc;

	memset(&m, 0, sizeof(m));
	vouch__buf_init(&m.notes, VOUCHD__CONF_MAX);
	vouch__buf_init(&out, 2 * VOUCHD__CONF_MAX);
	m.scratch.dir = "/";
	if ((rc = vouchd_conf_default(&m.scratch.c, err)) != 0)
		goto out;
	if (dkim != NULL &&
	    (rc = migrate_file(&m, dkim, VOUCHD__OPENDKIM, err)) != 0)
		goto out;
	if (dmarc != NULL &&
	    (rc = migrate_file(&m, dmarc, VOUCHD__OPENDMARC, err)) != 0)
		goto out;
	if (dmarc != NULL && (rc = dmarc_defaults(&m)) != 0)
		goto out;
	if ((rc = output(&m, dkim, dmarc, &out)) != 0)
		(void)vouch__error(err, rc, 0, "%s", rc == VOUCH_ENOMEM ?
		    "out of memory" : "the output is too large");
	else if (fwrite(out.data, 1, out.len, f) != out.len || fflush(f) != 0)
		rc = vouch__error(err, VOUCH_EIO, 0, "cannot write the output");
out:
	vouch__buf_free(&out);
	mig_free(&m);
	return rc;
}

int
vouchd_conf_migrate(const char *opendkim, const char *opendmarc, FILE *f,
    struct vouch_error *err)
{
	struct vouchd__lines dkim, dmarc;
	int rc;

	if (f == NULL || (opendkim == NULL && opendmarc == NULL))
		return vouch__error(err, VOUCH_EINVAL, 0, "give an "
		    "opendkim.conf, an opendmarc.conf or both");
	memset(&dkim, 0, sizeof(dkim));
	memset(&dmarc, 0, sizeof(dmarc));
	if (opendkim != NULL && (rc = vouchd__lines_open(&dkim, opendkim,
	    VOUCHD__CONF_MAX, err)) != 0)
		return rc;
	if (opendmarc != NULL && (rc = vouchd__lines_open(&dmarc, opendmarc,
	    VOUCHD__CONF_MAX, err)) != 0) {
		vouchd__lines_free(&dkim);
		return rc;
	}
	rc = vouchd__migrate_lines(opendkim != NULL ? &dkim : NULL,
	    opendmarc != NULL ? &dmarc : NULL, f, err);
	vouchd__lines_free(&dkim);
	vouchd__lines_free(&dmarc);
	return rc;
}
