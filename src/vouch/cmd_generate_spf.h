/*
 * cmd_generate_spf.h - vouch generate spf, shared by cmd_generate_spf.c
 * (flags, the record, printing it) and cmd_generate_spf_fix.c (the
 * refusal over 10 DNS lookups and its three ways out: drop a service,
 * move one to a subdomain, or a flattened record).
 */
#ifndef VOUCH_CMD_GENERATE_SPF_H
#define VOUCH_CMD_GENERATE_SPF_H

#include <vouch/senders.h>

#include "cmd_generate.h"

#define SPF_GEN_TERMS_MAX 64	/* ip4, ip6 and include terms */
#define SPF_GEN_LIMIT 10	/* RFC 7208 4.6.4 */

struct spf_args {
	char domain[256];
	/* term[0 .. nips-1]: ip4:/ip6:, then include:, as given */
	char term[SPF_GEN_TERMS_MAX][300];
	const char *service[SPF_GEN_TERMS_MAX];	/* the --service id of
						   an include, or NULL */
	size_t nterms, nips;
	int a, mx;
	const char *services[SPF_GEN_TERMS_MAX];	/* --service */
	size_t nservices;
	const char *senders;		/* --senders FILE */
	struct vouch_senders *known;	/* loaded when services are asked */
	const char *all;		/* "-all" or "~all" */
	int json;
	struct cli_dns_opts dns;
};

/*
 * The record: the ip4/ip6 terms, then extra (flattened addresses), a,
 * mx, the includes except those with flat[i] set (flat NULL: all), and
 * "all".  Returns 0, or -1 when it does not fit in len.
 */
int spf_gen_record(const struct spf_args *a, const char *const *extra,
    size_t nextra, const int *flat, char *out, size_t len);

/* Print the refusal of record (checked in g) with its ways out; returns
 * the exit status (1, or 1 after a runtime error). */
int spf_gen_refuse(const struct spf_args *a, const char *record,
    const struct gen_check *g);

#endif
