/*
 * conf_migsign.c - OpenDKIM's single-key signing (Domain, Selector and
 * KeyFile, opendkim.conf(5)) has no vouchd key: vouchd signs through a
 * KeyTable and a SigningTable only, in OpenDKIM's own formats.  vouchd
 * migrate therefore prints the lines of the two tables that sign each
 * Domain with the one key, as comments with instructions, and leaves
 * the files to the administrator (it writes nothing but its output).
 */
#include <string.h>

#include "conf_int.h"

#define SINGLE_MAX 512	/* bytes of one value, so comment lines fit */

int
vouchd__map_single(struct vouchd__mig *m, const struct vouchd__foreign *f,
    const char *value)
{
	struct vouch__buf src;
	char **slot;
	int rc;

	slot = vouch__strcaseeq(f->name, "Domain") ? &m->domain :
	    vouch__strcaseeq(f->name, "Selector") ? &m->selector : &m->keyfile;
	if (*slot != NULL)
		return vouchd__mig_note(m, value, "%s is already %s", f->name,
		    *slot);
	if (*value == '\0' || strlen(value) > SINGLE_MAX)
		return vouchd__mig_note(m, value, "empty or too long");
	if ((*slot = vouch__strdup(value)) == NULL)
		return VOUCH_ENOMEM;
	if (m->single_src != NULL)
		return 0;
	vouch__buf_init(&src, VOUCHD__LINE_MAX);
	if ((rc = vouch__buf_printf(&src, "%.1000s:%u", m->file, m->line)) != 0)
		return rc;
	m->single_src = vouch__buf_take(&src);
	return 0;
}

/* The three values could not sign: one note each. */
static int
single_notes(struct vouchd__mig *m)
{
	static const char *const names[] = { "Domain", "Selector", "KeyFile" };
	const char *vals[] = { m->domain, m->selector, m->keyfile };
	size_t i;
	int rc = 0;

	for (i = 0; i < 3 && rc == 0; i++) {
		if (vals[i] == NULL)
			continue;
		m->key = names[i];
		rc = vouchd__mig_note(m, vals[i], "%s",
		    m->val[VOUCHD__K_KEY_TABLE] != NULL ? "OpenDKIM ignores it "
		    "too, since KeyTable is set" : "OpenDKIM signs only with "
		    "Domain, Selector and KeyFile together");
	}
	return rc;
}

static int
table_lines(struct vouchd__mig *m, struct vouch__buf *b)
{
	char buf[SINGLE_MAX + 1], *s = buf, *d;
	int rc = 0;

	(void)vouch__strlcpy(buf, m->domain, sizeof(buf));
	if (vouchd__is_path(m->domain) || strncmp(m->domain, "file:", 5) == 0) {
		(void)vouch__strlcpy(buf, "DOMAIN", sizeof(buf));
		rc = vouch__buf_printf(b, "# (one pair of lines for each "
		    "domain listed in %s)\n", m->domain);
	}
	while (rc == 0 && (d = vouchd__item(&s)) != NULL)
		rc = vouch__buf_printf(b, "# KeyTable:      %s._domainkey.%s "
		    "%s:%s:%s\n# SigningTable:  %s %s._domainkey.%s\n",
		    m->selector, d, d, m->selector, m->keyfile, d, m->selector,
		    d);
	return rc;
}

int
vouchd__mig_single_block(struct vouchd__mig *m, struct vouch__buf *b)
{
	int rc;

	if (m->domain == NULL && m->selector == NULL && m->keyfile == NULL)
		return 0;
	if (m->val[VOUCHD__K_KEY_TABLE] != NULL || m->domain == NULL ||
	    m->selector == NULL || m->keyfile == NULL)
		return single_notes(m);
	rc = vouch__buf_printf(b, "\n# from %s: OpenDKIM signed with one key "
	    "(Domain, Selector, KeyFile).\n# vouchd signs through a KeyTable "
	    "and a SigningTable in OpenDKIM's formats:\n# put these lines in "
	    "the two files, then uncomment the two settings.\n"
	    "#KeyTable file:/etc/vouchd/KeyTable\n"
	    "#SigningTable file:/etc/vouchd/SigningTable\n", m->single_src);
	if (rc == 0 && m->keyfile[0] != '/')
		rc = vouch__buf_puts(b, "# (KeyFile is a relative path: write "
		    "it in full in the KeyTable)\n");
	return rc != 0 ? rc : table_lines(m, b);
}
