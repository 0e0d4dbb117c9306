/*
 * cmd_domain_fetch.c - the MTA-STS policy file for vouch domain (RFC 8461
 * 3.3): HTTPS only, the certificate verified, no redirects followed, no
 * HTTP cache, status 200 and text/plain required, 10 seconds, at most
 * 64 KiB.  The policy host's address comes from the audit's own DNS
 * handle (pinned with CURLOPT_RESOLVE), so a --dns-overlay draft that
 * moves mta-sts.DOMAIN is honoured and the fetch asks no other resolver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include <vouch/defs.h>
#include <vouch/dns.h>

#include "cmd_domain.h"

#define FETCH_MAX (64u * 1024u)
#define FETCH_TIMEOUT_S 10L

struct body {
	char *p;
	size_t n;
	int over;
};

static int
fail(struct vouch_error *err, int code, const char *what)
{
	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s", what);
	return code;
}

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (n > FETCH_MAX - b->n) {
		b->over = 1;
		return 0;	/* stop the transfer */
	}
	if ((p = realloc(b->p, b->n + n + 1)) == NULL)
		return 0;
	memcpy(p + b->n, data, n);
	b->n += n;
	p[b->n] = '\0';
	b->p = p;
	return n;
}

/* "HOST:443:ADDR" for the first A (then AAAA) record of host. */
static int
pin(struct vouch_dns *dns, const char *host, char *buf, size_t len)
{
	static const uint16_t types[] = { VOUCH_DNS_A, VOUCH_DNS_AAAA };
	struct vouch_dns_answer *ans;
	char addr[64];
	size_t i;
	int ok = 0;

	for (i = 0; i < 2 && !ok; i++) {
		if (vouch_dns_query(dns, host, types[i], &ans) != 0)
			continue;
		if (ans->status == VOUCH_DNS_FOUND && ans->count > 0 &&
		    vouch_ip_format(&ans->rr[0].u.ip, addr, sizeof(addr)) == 0)
			ok = snprintf(buf, len, types[i] == VOUCH_DNS_A ?
			    "%s:443:%s" : "%s:443:[%s]", host, addr) <
			    (int)len;
		vouch_dns_answer_free(ans);
	}
	return ok;
}

static int
perform(CURL *h, struct body *b, struct vouch_error *err)
{
	char *ctype = NULL;
	long status = 0;
	CURLcode rc;

	rc = curl_easy_perform(h);
	if (b->over)
		return fail(err, VOUCH_ELIMIT, "the policy file is over 64 KiB");
	if (rc != CURLE_OK)
		return fail(err, VOUCH_EIO, curl_easy_strerror(rc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
	if (status != 200) {
		snprintf(err->msg, sizeof(err->msg), "HTTP status %ld, not 200 "
		    "(redirects are not followed, RFC 8461 3.3)", status);
		err->code = VOUCH_EIO;
		return VOUCH_EIO;
	}
	if (ctype == NULL || strncasecmp(ctype, "text/plain", 10) != 0)
		return fail(err, VOUCH_EIO, "the media type is not text/plain "
		    "(RFC 8461 3.2)");
	return 0;
}

int
domain_fetch(void *arg, const char *url, char **body, size_t *len,
    struct vouch_error *err)
{
	struct curl_slist *resolve = NULL;
	struct body b = {NULL, 0, 0};
	char host[300], entry[400];
	size_t hl;
	CURL *h;
	int rc;

	*body = NULL;
	*len = 0;
	if (strncmp(url, "https://", 8) != 0 ||
	    (hl = strcspn(url + 8, "/:")) >= sizeof(host))
		return fail(err, VOUCH_EINVAL, "not an https URL");
	memcpy(host, url + 8, hl);
	host[hl] = '\0';
	if (!pin(arg, host, entry, sizeof(entry)))
		return fail(err, VOUCH_EIO, "the policy host has no address");
	if ((resolve = curl_slist_append(NULL, entry)) == NULL ||
	    (h = curl_easy_init()) == NULL) {
		curl_slist_free_all(resolve);
		return fail(err, VOUCH_ENOMEM, "out of memory");
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, FETCH_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "vouch/" VOUCH_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	rc = perform(h, &b, err);
	curl_easy_cleanup(h);
	curl_slist_free_all(resolve);
	if (rc != 0) {
		free(b.p);
		return rc;
	}
	*body = b.p ? b.p : calloc(1, 1);
	*len = b.n;
	return *body == NULL ? fail(err, VOUCH_ENOMEM, "out of memory") : 0;
}

int
domain_fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
domain_fetch_done(void)
{
	curl_global_cleanup();
}
