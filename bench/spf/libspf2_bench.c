/*
 * libspf2_bench.c - the bench/spf query list through Debian's libspf2, in
 * one process, for comparison with vouch_spf_bench.
 *
 * usage: libspf2_bench -s PORT -m cache|cache16|nocache -q QUERIES
 *            [-r RESULTS] [-p PASSES] [-n LIMIT] [-l LABEL]
 *
 *   cache     SPF_server_new(SPF_DNS_CACHE): libspf2's caching layer as
 *             it ships (2^8 direct-mapped slots) over its resolv layer
 *   cache16   the same layer built with 2^16 slots, the most it allows
 *   nocache   SPF_server_new(SPF_DNS_RESOLV): every lookup goes to DNS
 *
 * libspf2's resolv layer calls res_ninit() on a private, thread-local
 * resolver state the first time a thread looks something up, so there is
 * no call to point it at a server, and resolv.conf cannot name a port.
 * This program therefore links bench/peerdns (peer_resolv.h), which
 * defines res_ninit() itself: it runs the C library's own and then, as
 * resolver(3) allows, replaces the name server list with 127.0.0.1 at
 * PORT.  Nothing else in libspf2 is touched.
 *
 * One line of figures on stdout (see spfq.h); SPF results are mapped to
 * the names RFC 7208 uses.
 */
#define _DEFAULT_SOURCE		/* <arpa/nameser.h> for <spf2/spf.h> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libspf2_util.h"

#include <spf2/spf_dns_cache.h>
#include <spf2/spf_dns_resolv.h>

#include "spfq.h"

static const char usage[] =
    "usage: libspf2_bench -s PORT -m cache|cache16|nocache -q QUERIES\n"
    "           [-r RESULTS] [-p PASSES] [-n LIMIT] [-l LABEL]\n";

struct args {
	const char *mode;
	unsigned short port;
};

static int
eval_one(void *arg, const struct spfq *q)
{
	SPF_server_t *server = arg;
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	SPF_errcode_t err;
	int r;

	if ((req = SPF_request_new(server)) == NULL)
		return -1;
	if (strchr(q->ip, ':') != NULL)
		err = SPF_request_set_ipv6_str(req, q->ip);
	else
		err = SPF_request_set_ipv4_str(req, q->ip);
	if (err == SPF_E_SUCCESS)
		err = SPF_request_set_helo_dom(req, q->helo);
	if (err == SPF_E_SUCCESS)
		err = SPF_request_set_env_from(req, q->mail_from);
	if (err != SPF_E_SUCCESS) {
		fprintf(stderr, "libspf2_bench: %s %s: %s\n", q->ip,
		    q->mail_from, SPF_strerror(err));
		SPF_request_free(req);
		return -1;
	}
	(void)SPF_request_query_mailfrom(req, &resp);
	r = resp != NULL ? libspf2_result(resp) : -1;
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
	return r;
}

static void
opt_cb(int opt, const char *arg, void *cbarg)
{
	struct args *a = cbarg;
	char *end;
	unsigned long port;

	switch (opt) {
	case 's':
		port = strtoul(arg, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535) {
			fprintf(stderr, "%s", usage);
			exit(2);
		}
		a->port = (unsigned short)port;
		break;
	case 'm':
		a->mode = arg;
		break;
	default:
		break;
	}
}

static SPF_server_t *
server_new(const char *mode)
{
	SPF_dns_server_t *resolv, *cache;

	if (strcmp(mode, "cache") == 0)
		return SPF_server_new(SPF_DNS_CACHE, 0);
	if (strcmp(mode, "nocache") == 0)
		return SPF_server_new(SPF_DNS_RESOLV, 0);
	if (strcmp(mode, "cache16") != 0)
		return NULL;
	if ((resolv = SPF_dns_resolv_new(NULL, NULL, 0)) == NULL)
		return NULL;
	if ((cache = SPF_dns_cache_new(resolv, NULL, 0, 16)) == NULL) {
		SPF_dns_free(resolv);
		return NULL;
	}
	return SPF_server_new_dns(cache, 0);
}

int
main(int argc, char **argv)
{
	struct args a = { NULL, 0 };
	struct spfq_opts o = { "libspf2", NULL, NULL, 5, 0 };
	struct spfq_list l;
	SPF_server_t *server;
	int rc;

	spfq_getopt(argc, argv, &o, "s:m:", opt_cb, &a, usage);
	if (a.port == 0 || a.mode == NULL) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	peer_resolv_use_port(a.port);
	if ((server = server_new(a.mode)) == NULL) {
		fprintf(stderr, "libspf2_bench: cannot set up mode %s\n",
		    a.mode);
		return 1;
	}
	SPF_server_set_rec_dom(server, "bench.example");
	if (spfq_load(o.queries, o.limit, &l) != 0) {
		SPF_server_free(server);
		return 1;
	}
	rc = spfq_run(&l, &o, eval_one, server);
	spfq_free(&l);
	SPF_server_free(server);
	return rc == 0 ? 0 : 1;
}
