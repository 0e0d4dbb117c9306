/*
 * dmarc_record_fmt.c - a DMARC record written back in canonical form
 * (vouch_dmarc_record_format()), and the policy words.
 */
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc_record.h"

#define DMARC_FORMAT_MAX (4 * DMARC_RECORD_MAX_BYTES)

const char *
vouch_dmarc_policy_name(enum vouch_dmarc_policy p)
{
	static const char *const name[] = { "", "none", "quarantine",
		"reject" };

	return (unsigned)p < 4 ? name[p] : "";
}

/* "; name=v" when given and v is not empty. */
static int
put_tag(struct vouch__buf *b, int given, const char *name, const char *v)
{
	if (!given || v[0] == '\0')
		return 0;
	return vouch__buf_printf(b, "; %s=%s", name, v);
}

static int
put_list(struct vouch__buf *b, const char *name, const char *const *v,
    size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (i == 0)
			rc = vouch__buf_printf(b, "; %s=", name);
		else
			rc = vouch__buf_putc(b, ',');
		if (rc == 0)
			rc = vouch__buf_puts(b, v[i]);
	}
	return rc;
}

/* fo bits as RFC 9989 4.8 dmarc-fo ("0:d:s"); "" for the default. */
static void
fo_text(char *buf, unsigned fo)
{
	size_t i, k = 0;

	for (i = 0; i < 4 && fo != VOUCH_DMARC_FO_0; i++) {
		if ((fo & (1u << i)) == 0)
			continue;
		if (k > 0)
			buf[k++] = ':';
		buf[k++] = vouch__dmarc_fo_opts[i];
	}
	buf[k] = '\0';
}

/* Tags whose value is the default (adkim=r, aspf=r, t=n, fo=0) are not
 * written: the record cannot tell them from absent ones, and they mean
 * the same. */
int
vouch_dmarc_record_format(const struct vouch_dmarc_record *r, char **out)
{
	static const char *const psd[] = { "", "y", "n", "u" };
	struct vouch__buf b;
	char fo[8], pct[16];
	int rc;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (r == NULL)
		return VOUCH_EINVAL;
	fo_text(fo, r->fo);
	snprintf(pct, sizeof(pct), "%d", r->pct);
	vouch__buf_init(&b, DMARC_FORMAT_MAX);
	rc = vouch__buf_puts(&b, "v=DMARC1");
	if (rc == 0)
		rc = put_tag(&b, 1, "p", vouch_dmarc_policy_name(r->p));
	if (rc == 0)
		rc = put_tag(&b, 1, "sp", vouch_dmarc_policy_name(r->sp));
	if (rc == 0)
		rc = put_tag(&b, 1, "np", vouch_dmarc_policy_name(r->np));
	if (rc == 0)
		rc = put_tag(&b, r->adkim_strict, "adkim", "s");
	if (rc == 0)
		rc = put_tag(&b, r->aspf_strict, "aspf", "s");
	if (rc == 0)
		rc = put_tag(&b, r->testing, "t", "y");
	if (rc == 0)
		rc = put_tag(&b, (unsigned)r->psd < 4, "psd",
		    psd[(unsigned)r->psd % 4]);
	if (rc == 0)
		rc = put_tag(&b, 1, "fo", fo);
	if (rc == 0)
		rc = put_tag(&b, r->has_pct, "pct", pct);
	if (rc == 0)
		rc = put_list(&b, "rua", r->rua, r->nrua);
	if (rc == 0)
		rc = put_list(&b, "ruf", r->ruf, r->nruf);
	if (rc == 0 && (*out = vouch__buf_take(&b)) == NULL)
		rc = VOUCH_ENOMEM;
	vouch__buf_free(&b);
	return rc;
}
