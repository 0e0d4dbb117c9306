/*
 * fuzz_verdict.c - the whole receiver path on hostile messages: the
 * first byte picks an envelope and the DMARC mode, the rest is the
 * message, run through vouch_verdict_* against a fixed zone (SPF, DKIM
 * keys, DMARC records with sp/np/psd/t, a timing-out _dmarc name).
 * Invariants, abort() when broken:
 *   - a DMARC pass has an aligned identifier and one From field;
 *   - every author domain evaluated has a result and a reason;
 *   - the Authentication-Results value has no line end other than the
 *     CRLF + TAB of a fold, no NUL, no other control octet;
 *   - reject and tempfail carry a reply, accept does not.
 *
 * Seeds: fuzz/corpus/verdict/ (small messages with From variants).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/dns.h>
#include <vouch/msg.h>
#include <vouch/verdict.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_NOW 1528637909

static const char zone_text[] =
    "football.example.com. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "football.example.com. 300 IN A 192.0.2.1\n"
    "_dmarc.football.example.com. 300 IN TXT "
    "\"v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s\"\n"
    "brisbane._domainkey.football.example.com. 300 IN TXT "
    "\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "example.com. 300 IN TXT \"v=spf1 include:football.example.com ~all\"\n"
    "_dmarc.example.com. 300 IN TXT \"v=DMARC1; p=quarantine; t=y\"\n"
    "_dmarc.bank.example. 300 IN TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "giant.bank.example. 300 IN A 192.0.2.9\n"
    "_dmarc.giant.bank.example. 300 IN TXT \"v=DMARC1; p=none\"\n"
    "$TIMEOUT _dmarc.slow.example.\n";

static struct vouch_dns *
fuzz_dns(void)
{
	static struct vouch_dns *dns;

	if (dns == NULL && vouch_dns_zone_new_text(zone_text,
	    sizeof(zone_text) - 1, NULL, &dns, NULL) != 0)
		abort();
	return dns;
}

static const char *const senders[] = {
	"joe@football.example.com", "", "x@mail.example.com",
	"a@giant.bank.example", "b@slow.example", "c@nx.football.example.com"
};

static void
check_authres(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' && v[i + 1] == '\n' && v[i + 2] == '\t')
			i += 2;
		else if (c < 0x20 && c != '\t')
			abort();
		else if (c == 0x7f)
			abort();
	}
}

static void
check(const struct vouch_verdict *vd, const struct vouch_msg *msg)
{
	const struct vouch_dmarc_eval *d = vd->dmarc;
	size_t i;

	if (d->result == VOUCH_DMARC_PASS && ((!d->spf_aligned &&
	    d->dkim_aligned == NULL) || vouch_msg_count_named(msg,
	    "From") != 1))
		abort();
	for (i = 0; i < d->nauthors; i++)
		if (d->authors[i].reason == NULL ||
		    d->authors[i].authres == NULL)
			abort();
	if (d->reason == NULL || d->authres == NULL || vd->authres == NULL)
		abort();
	check_authres(vd->authres);
	if ((vd->action == VOUCH_VERDICT_REJECT ||
	    vd->action == VOUCH_VERDICT_TEMPFAIL) != (vd->smtp_reply != NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope env;
	struct vouch_verdict_ctx *c = NULL;
	const struct vouch_verdict *vd;
	struct vouch_msg *msg = NULL;
	size_t off;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	memset(&env, 0, sizeof(env));
	o.authserv_id = "mx.example.net";
	o.dkim.now = FZ_NOW;
	o.dmarc.mode = (enum vouch_dmarc_mode)(data[0] % 3);
	env.ip.family = 4;
	env.ip.addr[0] = 192;
	env.ip.addr[2] = 2;
	env.ip.addr[3] = (data[0] & 0x80) ? 1 : 200;
	env.helo = "mail.football.example.com";
	env.mail_from = senders[(data[0] >> 2) % 6];
	data++;
	size--;
	if (vouch_msg_new(NULL, &msg) != 0)
		abort();
	if (vouch_msg_parse_header(msg, (const char *)data, size, &off,
	    NULL) != 0)
		goto out;
	if (vouch_verdict_new(fuzz_dns(), &o, &env, &c, NULL) != 0)
		abort();
	/* A parsed header section always goes through. */
	if (vouch_verdict_header(c, msg, NULL) != 0 ||
	    vouch_verdict_body(c, data + off, size - off) != 0 ||
	    vouch_verdict_finish(c, &vd, NULL) != 0)
		abort();
	check(vd, msg);
out:
	vouch_verdict_free(c);
	vouch_msg_free(msg);
	return 0;
}
