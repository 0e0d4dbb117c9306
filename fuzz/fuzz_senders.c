/*
 * fuzz_senders.c - the bytes as a sender data file (data/senders.conf,
 * docs/senders.md).  A file is either refused with a syntax or limit
 * error whose message names it, or loaded; then every name the file gave
 * finds its own service or free-mail entry again, since a name belongs
 * to one service and the most specific match for a name is itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/senders.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_service(const struct vouch_senders *s,
    const struct vouch_sender_service *svc)
{
	size_t i;

	if (svc->id == NULL || svc->name == NULL || svc->source == NULL ||
	    strncmp(svc->source, "https://", 8) != 0 ||
	    vouch_senders_by_id(s, svc->id) != svc)
		abort();
	if (svc->spf_include != NULL &&
	    vouch_senders_by_include(s, svc->spf_include) != svc)
		abort();
	for (i = 0; i < svc->ndomains; i++)
		if (vouch_senders_by_domain(s, svc->domains[i]) != svc)
			abort();
	for (i = 0; i < svc->nhosts; i++)
		if (svc->hosts[i][0] != '*' &&
		    vouch_senders_by_host(s, svc->hosts[i]) != svc)
			abort();
	for (i = 0; i < svc->nselectors; i++)
		if (svc->selectors[i][0] == '\0')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vouch_sender_freemail *fm;
	struct vouch_senders *s = NULL;
	struct vouch_error err = { 0 };
	size_t i;
	int rc;

	rc = vouch_senders_parse((const char *)data, size, "f", &s, &err);
	if (rc != 0) {
		if ((rc != VOUCH_ESYNTAX && rc != VOUCH_ELIMIT) || s != NULL ||
		    strncmp(err.msg, "f:", 2) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < vouch_senders_count(s); i++)
		check_service(s, vouch_senders_at(s, i));
	for (i = 0; i < vouch_senders_freemail_count(s); i++) {
		fm = vouch_senders_freemail_at(s, i);
		if (fm->provider[0] == '\0' ||
		    vouch_senders_freemail(s, fm->domain) != fm)
			abort();
	}
	vouch_senders_free(s);
	return 0;
}
