/*
 * fuzz_report.c - vouch_report_parse() over hostile bytes: XML, gzip, zip
 * and e-mail containers, sniffed by content as in production, with small
 * limits so that every limit is reachable in a fuzzing run.  Every string
 * a callback receives is read to its end (a dangling or unterminated one
 * shows up under ASan), and record/header lengths are checked against the
 * limits.
 *
 * Seeds (fuzz/corpus/report/) are copies of shared/corpora samples:
 * parsedmarc rfc9990-sample.xml, dmarc-report-viewer aol.xml and
 * invalid_casing.xml, Stalwart dmarc-feedback/001.xml and 100.eml, arf/004
 * .eml, parsedmarc's fastmail .xml.gz, infonacot .xml.zip and Netease
 * failure report, dmarc-report-converter's test.xml.gz.gz.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/report.h>

#include "fuzz_report_limits.h"


static size_t sink;

static void
touch(const char *s)
{
	if (s != NULL)
		sink += strlen(s);
}

static int
on_meta(void *arg, const struct vouch_report_meta *m)
{
	size_t i;

	(void)arg;
	touch(m->version);
	touch(m->org_name);
	touch(m->email);
	touch(m->extra_contact_info);
	touch(m->report_id);
	touch(m->generator);
	touch(m->domain);
	touch(m->fo);
	touch(m->discovery_method);
	for (i = 0; i < m->nerrors; i++)
		touch(m->errors[i]);
	if (m->report_id == NULL || m->domain == NULL || m->org_name == NULL)
		abort();
	return 0;
}

static int
on_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r)
{
	size_t i;

	(void)arg;
	(void)m;
	if (r->index >= lim.records)
		abort();
	touch(r->disposition);
	touch(r->dkim);
	touch(r->spf);
	touch(r->envelope_to);
	touch(r->envelope_from);
	touch(r->header_from);
	for (i = 0; i < r->nreasons; i++) {
		touch(r->reasons[i].type);
		touch(r->reasons[i].comment);
	}
	for (i = 0; i < r->ndkim; i++) {
		touch(r->dkim_results[i].domain);
		touch(r->dkim_results[i].selector);
		touch(r->dkim_results[i].result);
		touch(r->dkim_results[i].human_result);
	}
	for (i = 0; i < r->nspf; i++) {
		touch(r->spf_results[i].domain);
		touch(r->spf_results[i].scope);
		touch(r->spf_results[i].result);
		if (r->spf_results[i].domain != NULL &&
		    strlen(r->spf_results[i].domain) > lim.field_bytes)
			abort();
	}
	/* Stop some parses from the callback, by content. */
	return r->count == 4242 ? 1 : 0;
}

static int
on_end(void *arg, const struct vouch_report_meta *m, size_t n)
{
	(void)arg;
	(void)m;
	if (n > lim.records)
		abort();
	return 0;
}

static int
on_failure(void *arg, const struct vouch_report_failure *f)
{
	(void)arg;
	touch(f->feedback_type);
	touch(f->user_agent);
	touch(f->version);
	touch(f->auth_failure);
	touch(f->original_envelope_id);
	touch(f->original_mail_from);
	touch(f->original_rcpt_to);
	touch(f->reported_domain);
	touch(f->identity_alignment);
	touch(f->delivery_result);
	touch(f->dkim_domain);
	touch(f->dkim_identity);
	touch(f->dkim_selector);
	touch(f->spf_dns);
	touch(f->authentication_results);
	if (f->headers != NULL && (f->headers_len > 64 * 1024 ||
	    f->headers[f->headers_len] != '\0'))
		abort();
	return 0;
}

static const struct vouch_report_handler handler = {
	on_meta, on_record, on_end, on_failure
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_error err;
	int rc = vouch_report_parse(data, size, &lim, &handler, NULL, &err);

	/* Every failure names its rule. */
	if (rc < 0 && err.msg[0] == '\0')
		abort();
	return 0;
}
