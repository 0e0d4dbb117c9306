/*
 * fuzz_zone.c - the zone backend over hostile master-file text.
 *
 * The input is the zone text, loaded with origin "example.com" (so
 * relative names, "@" and $ORIGIN all get exercised).  If it loads, a
 * fixed set of questions is asked, plus one built from the first line of
 * the input, so CNAME chains, wildcards, directives and the answer
 * builders run too; every answer is read back in full.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vouch/dns.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"example.com", "www.example.com", "a.b.c.example.com",
	"x.example.com", "*.example.com", "mail.example.com",
	"nosuch.example.com", "com", "a\\032b.example.com", "example.org",
};

static const uint16_t types[] = {
	VOUCH_DNS_A, VOUCH_DNS_AAAA, VOUCH_DNS_MX, VOUCH_DNS_TXT,
	VOUCH_DNS_SPF, VOUCH_DNS_PTR, VOUCH_DNS_CNAME, 2, 257,
};

/* Touch every byte an answer points to, so ASan sees bad pointers. */
static size_t
walk(const struct vouch_dns_answer *a)
{
	size_t i, k, sum = strlen(a->qname) + strlen(a->canonical);
	char buf[64];

	if (a->reason != NULL)
		sum += strlen(a->reason);
	for (i = 0; i < a->count; i++) {
		const struct vouch_dns_rr *rr = &a->rr[i];

		switch (rr->type) {
		case VOUCH_DNS_A:
		case VOUCH_DNS_AAAA:
			if (vouch_ip_format(&rr->u.ip, buf, sizeof(buf)) == 0)
				sum += strlen(buf);
			break;
		case VOUCH_DNS_MX:
			sum += strlen(rr->u.mx.exchange);
			break;
		case VOUCH_DNS_PTR:
		case VOUCH_DNS_CNAME:
			sum += strlen(rr->u.name);
			break;
		case VOUCH_DNS_TXT:
		case VOUCH_DNS_SPF:
			for (k = 0; k < rr->u.txt.nstrings; k++)
				sum += rr->u.txt.lengths[k];
			for (k = 0; k <= rr->u.txt.len; k++)
				sum += (unsigned char)rr->u.txt.data[k];
			break;
		default:
			break;
		}
	}
	return sum;
}

static void
ask(struct vouch_dns *d, const char *name, uint16_t type)
{
	struct vouch_dns_answer *a;

	if (vouch_dns_query(d, name, type, &a) != 0)
		return;
	(void)walk(a);
	vouch_dns_answer_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_error err;
	struct vouch_dns *d = NULL;
	char first[300];
	size_t i, j, n;

	if (vouch_dns_zone_new_text((const char *)data, size, "example.com",
	    &d, &err) != 0)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			ask(d, names[i], types[j]);
	/* The first word of the input as a name, relative to the origin. */
	for (n = 0; n < size && n < 200 && data[n] > ' ' && data[n] != ';';
	    n++)
		;
	snprintf(first, sizeof(first), "%.*s.example.com", (int)n,
	    (const char *)data);
	for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
		ask(d, first, types[j]);
	vouch_dns_free(d);
	return 0;
}
