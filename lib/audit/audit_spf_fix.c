/*
 * audit_spf_fix.c - the SPF records the audit proposes: one term removed
 * or replaced, the terms the parser refuses removed, several records
 * merged into one, and a long record cut into character-strings of at
 * most 255 octets (RFC 7208 3.3).  Terms are the space-separated words of
 * the record (RFC 7208 4.6.1); a proposal is built from the published
 * text, so nothing is reordered.
 */
#include <string.h>

#include "audit/audit_int.h"
#include "spf/spf_tree.h"

#define FIX_TERMS_MAX 256	/* words of one record looked at */
#define FIX_REPAIRS_MAX 32	/* refused terms removed, at most */
#define FIX_RECORD_MAX 8192	/* bytes of a proposed record */

/* The words of s (pointers into a copy in the arena). */
static size_t
words(struct audit_ctx *c, const char *s, const char **w, size_t max)
{
	char *copy = vouch__audit_strdup(c, s), *p;
	size_t n = 0;

	for (p = copy; p != NULL && *p != '\0' && n < max;) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		w[n++] = p;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static char *
join(struct audit_ctx *c, const char *const *w, size_t n)
{
	struct vouch__buf b;
	char *out = NULL;
	size_t i;
	int rc = 0;

	vouch__buf_init(&b, FIX_RECORD_MAX);
	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = vouch__buf_putc(&b, ' ');
		if (rc == 0)
			rc = vouch__buf_puts(&b, w[i]);
	}
	if (rc == 0 && b.data != NULL)
		out = vouch__audit_strdup(c, b.data);
	else if (rc == VOUCH_ENOMEM)
		c->nomem = 1;
	vouch__buf_free(&b);
	return out;
}

char *
vouch__audit_spf_edit(struct audit_ctx *c, const char *record,
    const char *term, const char *repl)
{
	const char *w[FIX_TERMS_MAX + 1];
	size_t i, n = words(c, record, w, FIX_TERMS_MAX), k = 0;
	int done = 0;

	for (i = 0; i < n; i++) {
		if (!done && *term != '\0' && vouch__strcaseeq(w[i], term)) {
			done = 1;
			if (repl != NULL)
				w[k++] = repl;
			continue;
		}
		w[k++] = w[i];
	}
	/* An empty term with a replacement appends it. */
	if (*term == '\0' && repl != NULL)
		w[k++] = repl;
	return join(c, w, k);
}

char *
vouch__audit_spf_repair(struct audit_ctx *c, const char *record)
{
	struct vouch__arena tmp;
	struct spf_record rec;
	const char *bad;
	char *cur = vouch__audit_strdup(c, record), why[256];
	int i, rc = VOUCH_ESYNTAX;

	for (i = 0; cur != NULL && i < FIX_REPAIRS_MAX; i++) {
		vouch__arena_init(&tmp, 0);
		rc = vouch__spf_record_check(cur, strlen(cur), &tmp, &rec,
		    &bad, why, sizeof(why));
		if (rc == VOUCH_ESYNTAX && bad != NULL)
			cur = vouch__audit_spf_edit(c, cur, bad, NULL);
		vouch__arena_free(&tmp);
		if (rc != VOUCH_ESYNTAX || bad == NULL)
			break;
	}
	if (rc == VOUCH_ENOMEM)
		c->nomem = 1;
	return rc == 0 ? cur : NULL;
}

/* "all" with the strictest qualifier: - over ~ over the rest. */
static int
all_rank(const char *w)
{
	const char *t = w + (strchr("+-~?", w[0]) != NULL && w[0] != '\0');

	if (!vouch__strcaseeq(t, "all"))
		return -1;
	return w[0] == '-' ? 2 : w[0] == '~' ? 1 : 0;
}

char *
vouch__audit_spf_merge(struct audit_ctx *c, const char *const *recs,
    size_t n)
{
	static const char *const alls[] = { "~all", "~all", "-all" };
	const char *w[FIX_TERMS_MAX + 2], *rw[FIX_TERMS_MAX];
	size_t i, j, k, m, out = 1;
	int best = 0, r;

	w[0] = "v=spf1";
	for (i = 0; i < n; i++) {
		m = words(c, recs[i], rw, FIX_TERMS_MAX);
		for (j = 1; j < m && out < FIX_TERMS_MAX; j++) {
			if ((r = all_rank(rw[j])) >= 0) {
				best = r > best ? r : best;
				continue;
			}
			for (k = 1; k < out && !vouch__strcaseeq(w[k], rw[j]);
			    k++)
				;
			if (k == out)
				w[out++] = rw[j];
		}
	}
	w[out++] = alls[best];
	return join(c, w, out);
}

char *
vouch__audit_spf_split(struct audit_ctx *c, const char *record)
{
	struct vouch__buf b;
	size_t i, n = strlen(record), in = 0;
	char *out = NULL;
	int rc;

	vouch__buf_init(&b, FIX_RECORD_MAX);
	rc = vouch__buf_putc(&b, '"');
	for (i = 0; i < n && rc == 0; i++) {
		if (in == SPF_TXT_STRING_MAX) {
			rc = vouch__buf_puts(&b, "\" \"");
			in = 0;
		}
		/* zone-file text: " and \ are escaped */
		if (rc == 0 && (record[i] == '"' || record[i] == '\\'))
			rc = vouch__buf_putc(&b, '\\');
		if (rc == 0)
			rc = vouch__buf_putc(&b, record[i]);
		in++;
	}
	if (rc == 0)
		rc = vouch__buf_putc(&b, '"');
	if (rc == 0)
		out = vouch__audit_strdup(c, b.data);
	else if (rc == VOUCH_ENOMEM)
		c->nomem = 1;
	vouch__buf_free(&b);
	return out;
}

char *
vouch_audit_txt_strings(const char *record)
{
	struct vouch__arena ar;
	struct audit_ctx c;
	char *s, *out = NULL;

	if (record == NULL)
		return NULL;
	memset(&c, 0, sizeof(c));
	vouch__arena_init(&ar, 0);
	c.ar = &ar;
	if ((s = vouch__audit_spf_split(&c, record)) != NULL)
		out = vouch__memdup(s, strlen(s) + 1);
	vouch__arena_free(&ar);
	return out;
}
