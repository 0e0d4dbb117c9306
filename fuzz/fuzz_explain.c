/*
 * fuzz_explain.c - the whole of vouch explain on hostile input: the
 * bytes are read as a bounce or a message (vouch_bounce_parse()) and,
 * when they read, diagnosed (vouch_explain()) against a fixed zone with
 * SPF, DMARC, a PTR name of a known service and a timing-out name, and
 * a small sender knowledge set.  Invariants, abort() when broken:
 *   - every cause has a code, a summary, and a severity in range;
 *   - errors come before warnings, warnings before information;
 *   - the summary sentence is set;
 *   - no text returned holds a NUL before its end (strlen is its
 *     length by construction) or is NULL where the contract says set.
 *
 * Seeds: fuzz/corpus/explain/ (bounces of each format and messages).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/bounce.h>
#include <vouch/dns.h>
#include <vouch/explain.h>
#include <vouch/senders.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_NOW 1795950000

static const char zone_text[] =
    "example.com. 300 IN TXT \"v=spf1 include:_spf.example.net -all\"\n"
    "_spf.example.net. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n"
    "_dmarc.example.com. 300 IN TXT \"v=DMARC1; p=reject; aspf=rvk\"\n"
    "example.org. 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
    "_dmarc.example.org. 300 IN TXT \"v=DMARC1; p=quarantine\"\n"
    "mail.example.org. 300 IN A 198.51.100.1\n"
    "5.113.0.203.in-addr.arpa. 300 IN PTR o1.out.service.example.\n"
    "$TIMEOUT _dmarc.slow.example.\n";

static const char senders_text[] =
    "[service svc]\nname = Service\nsource = https://service.example/\n"
    "spf-include = _spf.service.example\nhosts = *.out.service.example\n"
    "dkim-selectors = s1\nhint = add the include\n"
    "[freemail]\nfree.example = Free Mail | https://free.example/\n";

static void
fuzz_setup(struct vouch_dns **dns, struct vouch_senders **senders,
    struct vouch_psl **psl)
{
	static struct vouch_dns *d;
	static struct vouch_senders *s;
	static struct vouch_psl *p;

	if (d == NULL && vouch_dns_zone_new_text(zone_text,
	    sizeof(zone_text) - 1, NULL, &d, NULL) != 0)
		abort();
	if (s == NULL && vouch_senders_parse(senders_text,
	    sizeof(senders_text) - 1, "fuzz", &s, NULL) != 0)
		abort();
	if (p == NULL && vouch_psl_load(NULL, &p, NULL) != 0)
		abort();
	*dns = d;
	*senders = s;
	*psl = p;
}

static void
check(const struct vouch_explain *e)
{
	size_t i;
	int last = VOUCH_EXPLAIN_ERROR;

	if (e->summary == NULL)
		abort();
	for (i = 0; i < e->ncauses; i++) {
		const struct vouch_explain_cause *k = &e->causes[i];

		if (k->code == NULL || k->summary == NULL ||
		    (int)k->severity < VOUCH_EXPLAIN_INFO ||
		    (int)k->severity > VOUCH_EXPLAIN_ERROR ||
		    (int)k->severity > last)
			abort();
		last = (int)k->severity;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_explain_options o;
	struct vouch_senders *senders;
	struct vouch_explain *e = NULL;
	struct vouch_bounce *b = NULL;
	struct vouch_psl *psl;
	struct vouch_dns *dns;

	fuzz_setup(&dns, &senders, &psl);
	if (vouch_bounce_parse((const char *)data, size, &b, NULL) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.senders = senders;
	o.psl = psl;
	o.dmarc.psl = psl;
	o.now = FZ_NOW;
	o.dns_queries = 60;
	if (vouch_explain(dns, b, &o, &e, NULL) == 0)
		check(e);
	vouch_explain_free(e);
	vouch_bounce_free(b);
	return 0;
}
