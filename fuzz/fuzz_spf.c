/*
 * fuzz_spf.c - SPF evaluation over hostile records.
 *
 * The input is split at newlines into up to 16 TXT records served by a
 * small in-process DNS backend: a TXT query for a name gets the record
 * chosen by a hash of the name (so include/redirect chains and loops
 * arise), A/AAAA/MX/PTR queries get answers or errors chosen the same
 * way.  The first byte picks the client address family.  Everything runs
 * through vouch_spf_check(), output building included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/spf.h>

#define MAX_REC 16

struct fz {
	const unsigned char *rec[MAX_REC];
	size_t len[MAX_REC];
	size_t n;
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
fz_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct fz *f = impl;
	unsigned h = hash(name);
	enum vouch_dns_status st = (h >> 8) % 7 == 0 ? VOUCH_DNS_NXDOMAIN :
	    (h >> 8) % 11 == 0 ? VOUCH_DNS_RETRY : VOUCH_DNS_FOUND;
	struct vouch_ip ip;
	int rc;

	rc = vouch_dns_answer_new(name, type, st, out);
	if (rc != 0 || st != VOUCH_DNS_FOUND)
		return rc;
	switch (type) {
	case VOUCH_DNS_TXT:
		if (f->n > 0) {
			size_t i = h % f->n;
			const unsigned char *s = f->rec[i];

			rc = vouch_dns_answer_add_txt(*out, type, 60, &s,
			    &f->len[i], 1);
		}
		break;
	case VOUCH_DNS_A:
		vouch_ip_parse(h & 1 ? "192.0.2.1" : "198.51.100.7", &ip);
		rc = vouch_dns_answer_add_ip(*out, 60, &ip);
		break;
	case VOUCH_DNS_AAAA:
		vouch_ip_parse("2001:db8::1", &ip);
		rc = vouch_dns_answer_add_ip(*out, 60, &ip);
		break;
	case VOUCH_DNS_MX:
		for (unsigned k = 0; k < (h % 13) && rc == 0; k++)
			rc = vouch_dns_answer_add_mx(*out, 60, (uint16_t)k,
			    k & 1 ? "mx.example.com" : "a.example.org");
		break;
	case VOUCH_DNS_PTR:
		rc = vouch_dns_answer_add_name(*out, type, 60,
		    h & 2 ? "mail.example.com" : "host.example.org");
		break;
	default:
		break;
	}
	return rc;
}

static void
fz_destroy(void *impl)
{
	(void)impl;
}

static const struct vouch_dns_methods fz_methods = {
	VOUCH_DNS_METHODS_VERSION, "fuzz", fz_query, fz_destroy
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	struct vouch_dns *dns = NULL;
	struct vouch_spf_request req;
	struct vouch_spf_options opts;
	struct vouch_spf_eval *ev = NULL;
	size_t i, start = 1;

	if (size < 1)
		return 0;
	memset(&f, 0, sizeof(f));
	for (i = 1; i <= size && f.n < MAX_REC; i++)
		if (i == size || data[i] == '\n') {
			f.rec[f.n] = data + start;
			f.len[f.n++] = i - start;
			start = i + 1;
		}
	if (vouch_dns_new(&fz_methods, &f, &dns) != 0)
		return 0;
	memset(&req, 0, sizeof(req));
	memset(&opts, 0, sizeof(opts));
	vouch_ip_parse(data[0] & 1 ? "2001:db8::1" : "192.0.2.1", &req.ip);
	req.mail_from = data[0] & 2 ? "" : "us.er@example.com";
	req.helo = "mail.example.org";
	req.identity = data[0] & 4 ? VOUCH_SPF_HELO : VOUCH_SPF_MAILFROM;
	req.now = 1700000000;
	opts.trace = data[0] & 8;
	if (vouch_spf_check(dns, &req, &opts, &ev) == 0)
		vouch_spf_eval_free(ev);
	vouch_dns_free(dns);
	return 0;
}
