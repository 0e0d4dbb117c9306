/*
 * trio_bench.c - bench/verdict's corpus through the C libraries a
 * receiver combines when it does not use vouch: Debian's libspf2 (SPF),
 * libopendkim (DKIM) and libopendmarc (DMARC, RFC 7489 with the Public
 * Suffix List), one message at a time, for comparison with
 * vouch_verdict_bench.
 *
 * usage: trio_bench -c CORPUS -m mem|dns [-s PORT] [-P PSL] [-t SECONDS]
 *            [-k CHUNK] [-r RESULTS] [-l LABEL]
 *
 *   mem  every record from memory, in each library's own way: libspf2's
 *        zone layer (SPF_dns_zone_new(), filled from CORPUS/trio.rr),
 *        libopendkim's key lookup callback over CORPUS/opendkim.keys
 *        (bench/dkim/odkim.h), libopendmarc's table of fake records
 *        (opendmarc_dns_fake_record(), which it consults instead of DNS)
 *   dns  every record from the DNS server on 127.0.0.1 at PORT, through
 *        each library's own resolver and cache: libspf2
 *        SPF_server_new(SPF_DNS_CACHE) (its cache as shipped),
 *        libopendkim with its query cache (DKIM_LIBFLAGS_CACHE, the
 *        milter's QueryCache), libopendmarc's res_nquery() (it has no
 *        cache).  All three call res_ninit(), which
 *        bench/peerdns/peer_resolv.c points at PORT.
 *
 * Each message, in the order an MTA learns things:
 *   SPF    an SPF_request for the MAIL FROM identity (an empty MAIL FROM
 *          makes libspf2 check postmaster@HELO, RFC 7208 2.4) and one
 *          for the HELO identity (no MAIL FROM set), results mapped as
 *          bench/spf does;
 *   DKIM   odkim_verify(): the raw message in CHUNK byte pieces [65536]
 *          through dkim_chunk(), dkim_eom(), every signature's result;
 *   DMARC  opendmarc_policy_connect_init() with the client address,
 *          store_from_domain() with the From domain libopendkim parsed
 *          (dkim_getdomain()), query_dmarc(), store_spf() with the MAIL
 *          FROM domain (the HELO name for the null reverse-path, as
 *          Exim and other libopendmarc users do), store_dkim() for every
 *          signature, get_policy_to_enforce(): PASS -> dmarc pass,
 *          REJECT / QUARANTINE / NONE -> dmarc fail with that action,
 *          ABSENT -> dmarc none.
 * One line of figures on stdout (bench/dkim/corpus.h); the exit status
 * is 1 when a result differs from the one gen_envelopes.py designed.
 */
#define _DEFAULT_SOURCE		/* u_char: the three libraries' headers */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libspf2_util.h"
#include "odkim.h"

#include <opendmarc/dmarc.h>
#include <spf2/spf_dns_zone.h>

#include "corpus.h"
#include "spfq.h"
#include "vcase.h"

static const char usage[] =
    "usage: trio_bench -c CORPUS -m mem|dns [-s PORT] [-P PSL] [-t SECONDS]\n"
    "           [-k CHUNK] [-r RESULTS] [-l LABEL]\n";

struct bench {
	SPF_server_t *spf;
	DKIM_LIB *dkim;
	OPENDMARC_LIB_T dmarc;
	const struct vcase_corpus *vc;
	size_t chunk;
	const char *mode;
	unsigned short port;
};

/* ---- SPF ---------------------------------------------------------------- */

/* One check_host(); mail_from NULL: the HELO identity. */
static int
spf_check(SPF_server_t *s, const struct vcase *e, const char *mail_from)
{
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	SPF_errcode_t err;
	int r = -1;

	if ((req = SPF_request_new(s)) == NULL)
		return -1;
	err = e->ipv6 ? SPF_request_set_ipv6_str(req, e->ip) :
	    SPF_request_set_ipv4_str(req, e->ip);
	if (err == SPF_E_SUCCESS)
		err = SPF_request_set_helo_dom(req, e->helo);
	if (err == SPF_E_SUCCESS && mail_from != NULL)
		err = SPF_request_set_env_from(req, mail_from);
	if (err != SPF_E_SUCCESS) {
		fprintf(stderr, "trio_bench: %s %s: %s\n", e->ip, e->helo,
		    SPF_strerror(err));
		SPF_request_free(req);
		return -1;
	}
	(void)SPF_request_query_mailfrom(req, &resp);
	if (resp != NULL) {
		r = libspf2_result(resp);
		SPF_response_free(resp);
	}
	SPF_request_free(req);
	return r;
}

/* DMARC_POLICY_SPF_OUTCOME_* for an SPFQ_* result: only pass aligns. */
static int
spf_outcome(int r)
{
	switch (r) {
	case SPFQ_PASS:
		return DMARC_POLICY_SPF_OUTCOME_PASS;
	case SPFQ_FAIL:
	case SPFQ_SOFTFAIL:
	case SPFQ_PERMERROR:
		return DMARC_POLICY_SPF_OUTCOME_FAIL;
	case SPFQ_TEMPERROR:
		return DMARC_POLICY_SPF_OUTCOME_TMPFAIL;
	default:
		return DMARC_POLICY_SPF_OUTCOME_NONE;
	}
}

/* ---- DMARC -------------------------------------------------------------- */

static void
store_dkim(DMARC_POLICY_T *p, DKIM *d)
{
	DKIM_SIGINFO **sigs;
	int n = 0, i, r;

	if (dkim_getsiglist(d, &sigs, &n) != DKIM_STAT_OK)
		return;
	for (i = 0; i < n; i++) {
		r = strcmp(odkim_sig_result(sigs[i]), "pass") == 0 ?
		    DMARC_POLICY_DKIM_OUTCOME_PASS :
		    DMARC_POLICY_DKIM_OUTCOME_FAIL;
		(void)opendmarc_policy_store_dkim(p,
		    dkim_sig_getdomain(sigs[i]), dkim_sig_getselector(sigs[i]),
		    r, NULL);
	}
}

/* The DMARC result and action words for one message. */
static void
dmarc_check(const struct vcase *e, int spf, DKIM *d, const char **dmarc,
    const char **action)
{
	DMARC_POLICY_T *p;
	u_char *from = dkim_getdomain(d);
	int st;

	*dmarc = "permerror";
	*action = "accept";
	if ((p = opendmarc_policy_connect_init((u_char *)(uintptr_t)e->ip,
	    e->ipv6)) == NULL)
		return;
	if (from == NULL || opendmarc_policy_store_from_domain(p, from) !=
	    DMARC_PARSE_OKAY)
		goto out;
	st = opendmarc_policy_query_dmarc(p, NULL);
	if (st == DMARC_DNS_ERROR_TMPERR) {
		*dmarc = "temperror";
		*action = "tempfail";
		goto out;
	}
	(void)opendmarc_policy_store_spf(p, (u_char *)(uintptr_t)
	    e->spf_domain, spf_outcome(spf), e->mail_from[0] != '\0' ?
	    DMARC_POLICY_SPF_ORIGIN_MAILFROM : DMARC_POLICY_SPF_ORIGIN_HELO,
	    NULL);
	store_dkim(p, d);
	switch (opendmarc_get_policy_to_enforce(p)) {
	case DMARC_POLICY_ABSENT:
		*dmarc = "none";
		break;
	case DMARC_POLICY_PASS:
		*dmarc = "pass";
		break;
	case DMARC_POLICY_REJECT:
		*dmarc = "fail";
		*action = "reject";
		break;
	case DMARC_POLICY_QUARANTINE:
		*dmarc = "fail";
		*action = "quarantine";
		break;
	case DMARC_POLICY_NONE:
		*dmarc = "fail";
		break;
	default:
		break;
	}
out:
	opendmarc_policy_connect_shutdown(p);
}

/* ---- one message -------------------------------------------------------- */

static int
verdict_one(void *arg, const struct corpus_msg *m, char *res, size_t reslen)
{
	struct bench *b = arg;
	const struct vcase *e = vcase_get(b->vc, m);
	char dkim[CORPUS_RES_MAX];
	const char *dmarc, *action;
	int spf, helo;
	DKIM *d;

	if ((spf = spf_check(b->spf, e, e->mail_from)) < 0 ||
	    (helo = spf_check(b->spf, e, NULL)) < 0)
		return -1;
	if ((d = odkim_verify(b->dkim, m->data, m->len, b->chunk)) == NULL)
		return -1;
	dkim[0] = '\0';
	odkim_results(d, dkim, sizeof(dkim));
	dmarc_check(e, spf, d, &dmarc, &action);
	dkim_free(d);
	vcase_result(res, reslen, spfq_result_name(spf),
	    spfq_result_name(helo), dkim, dmarc, action);
	return 0;
}

/* ---- setup -------------------------------------------------------------- */

/* CORPUS/trio.rr into libspf2's zone layer and libopendmarc's table. */
static int
load_rr(SPF_dns_server_t *zone, const char *dir)
{
	char path[4096], *text, *line, *nl, *type, *data;
	size_t len;
	ns_type t;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/trio.rr", dir);
	if ((text = corpus_read_file(path, &len)) == NULL)
		return -1;
	for (line = text; rc == 0 && *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		if ((type = strchr(line, '\t')) == NULL ||
		    (data = strchr(type + 1, '\t')) == NULL) {
			rc = -1;
			break;
		}
		*type++ = '\0';
		*data++ = '\0';
		t = strcmp(type, "TXT") == 0 ? ns_t_txt : strcmp(type, "A") ==
		    0 ? ns_t_a : strcmp(type, "AAAA") == 0 ? ns_t_aaaa :
		    strcmp(type, "MX") == 0 ? ns_t_mx : ns_t_invalid;
		if (strncmp(line, "_dmarc.", 7) == 0 && t == ns_t_txt)
			opendmarc_dns_fake_record(line, data);
		else if (t == ns_t_invalid || SPF_dns_zone_add_str(zone, line,
		    t, NETDB_SUCCESS, data) != SPF_E_SUCCESS)
			rc = -1;
	}
	if (rc != 0)
		fprintf(stderr, "trio_bench: %s: cannot use '%s'\n", path,
		    line);
	free(text);
	return rc;
}

static int
setup_mem(struct bench *b, const char *dir)
{
	SPF_dns_server_t *zone;
	char path[4096];

	if ((zone = SPF_dns_zone_new(NULL, "bench", 0)) == NULL)
		return -1;
	if (load_rr(zone, dir) != 0 ||
	    (b->spf = SPF_server_new_dns(zone, 0)) == NULL) {
		SPF_dns_free(zone);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/opendkim.keys", dir);
	return (b->dkim = odkim_open(path, 0)) != NULL ? 0 : -1;
}

static int
setup(struct bench *b, const char *dir, const char *psl)
{
	const char *mode = b->mode;
	int rc;

	memset(&b->dmarc, 0, sizeof(b->dmarc));
	b->dmarc.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
	snprintf((char *)b->dmarc.tld_source_file,
	    sizeof(b->dmarc.tld_source_file), "%s", psl);
	if ((rc = opendmarc_policy_library_init(&b->dmarc)) != 0) {
		fprintf(stderr, "trio_bench: opendmarc_policy_library_init: "
		    "%s: %s\n", psl, opendmarc_policy_status_to_str(rc));
		return -1;
	}
	if (strcmp(mode, "mem") == 0)
		rc = setup_mem(b, dir);
	else if (strcmp(mode, "dns") == 0 && b->port != 0) {
		peer_resolv_use_port(b->port);
		b->spf = SPF_server_new(SPF_DNS_CACHE, 0);
		b->dkim = odkim_open(NULL, DKIM_LIBFLAGS_CACHE);
		rc = b->spf != NULL && b->dkim != NULL ? 0 : -1;
	} else {
		fprintf(stderr, "%s", usage);
		return -1;
	}
	if (rc == 0)
		SPF_server_set_rec_dom(b->spf, "bench.example");
	else
		fprintf(stderr, "trio_bench: cannot set up mode %s\n", mode);
	return rc;
}

static void
opt_cb(int opt, const char *arg, void *cbarg)
{
	struct bench *b = cbarg;
	unsigned long port;

	if (opt == 'm')
		b->mode = arg;
	else if (opt == 's' && (port = strtoul(arg, NULL, 10)) <= 65535)
		b->port = (unsigned short)port;
}

int
main(int argc, char **argv)
{
	struct vcase_opts o;
	struct vcase_corpus vc;
	struct bench b;
	char label[64];
	int rc = 1;

	memset(&b, 0, sizeof(b));
	memset(&vc, 0, sizeof(vc));
	vcase_getopt(argc, argv, &o, "m:s:", opt_cb, &b, usage);
	if (b.mode == NULL) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	b.chunk = o.chunk;
	snprintf(label, sizeof(label), "trio_%s", b.mode);
	if (o.run.label == NULL)
		o.run.label = label;
	if (setup(&b, o.dir, o.psl) != 0 || vcase_load(o.dir, &vc) != 0)
		goto out;
	b.vc = &vc;
	rc = corpus_run(&vc.c, &o.run, verdict_one, &b);
out:
	vcase_free(&vc);
	if (b.spf != NULL)
		SPF_server_free(b.spf);
	odkim_close(b.dkim);
	opendmarc_policy_library_shutdown(&b.dmarc);
	return rc == 0 ? 0 : 1;
}
