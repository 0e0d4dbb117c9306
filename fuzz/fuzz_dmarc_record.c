/*
 * fuzz_dmarc_record.c - the bytes as one DMARC record (RFC 9989 4.7,
 * 4.8).  Parsing never fails but for "not a DMARC record"; findings have
 * printable messages; kept URIs are URIs.  And the format property:
 * parse(format(r)) has r's values.  The one difference allowed is the
 * state when sp or np was invalid: format leaves invalid tags out, so the
 * copy applies (RFC 9989 4.10.1 bases the state on invalid tags).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_list(const char *const *a, size_t n, const char *const *b, size_t nb)
{
	size_t i;

	if (n != nb || n > DMARC_RECORD_MAX_URIS)
		abort();
	for (i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0 ||
		    !vouch__dmarc_uri_valid(a[i], strlen(a[i])))
			abort();
}

static void
check_findings(const struct vouch_dmarc_record *r)
{
	const unsigned char *m;
	size_t i;

	for (i = 0; i < r->nfindings; i++) {
		if (r->findings[i].code == NULL ||
		    r->findings[i].text == NULL ||
		    r->findings[i].message == NULL ||
		    r->findings[i].severity > VOUCH_DMARC_ERROR)
			abort();
		for (m = (const unsigned char *)r->findings[i].message;
		    *m != '\0'; m++)
			if (*m < 0x20 || *m > 0x7e)
				abort();
	}
}

static void
compare(const struct vouch_dmarc_record *a,
    const struct vouch_dmarc_record *b)
{
	enum vouch_dmarc_policy_state want = a->state;

	if (a->p != VOUCH_DMARC_POLICY_UNSET)
		want = VOUCH_DMARC_APPLY;
	if (a->p != b->p || a->sp != b->sp || a->np != b->np ||
	    want != b->state || a->adkim_strict != b->adkim_strict ||
	    a->aspf_strict != b->aspf_strict || a->testing != b->testing ||
	    a->psd != b->psd || a->fo != b->fo || a->pct != b->pct ||
	    a->has_pct != b->has_pct)
		abort();
	check_list(a->rua, a->nrua, b->rua, b->nrua);
	check_list(a->ruf, a->nruf, b->ruf, b->nruf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_dmarc_record *r = NULL, *r2 = NULL;
	char *txt = NULL;
	int rc;

	rc = vouch_dmarc_record_parse((const char *)data, size, &r);
	if (rc == VOUCH_ENOTFOUND && r == NULL)
		return 0;
	if (rc != 0 || r == NULL)
		abort();
	check_findings(r);
	if (vouch_dmarc_record_format(r, &txt) != 0 ||
	    vouch_dmarc_record_parse(txt, strlen(txt), &r2) != 0)
		abort();
	check_findings(r2);
	/* Near the 64 KiB cap the canonical text ("; " between tags) may
	 * be a few bytes longer than the input and lose its last tag. */
	if (size + 64 < DMARC_RECORD_MAX_BYTES)
		compare(r, r2);
	free(txt);
	vouch_dmarc_record_free(r);
	vouch_dmarc_record_free(r2);
	return 0;
}
