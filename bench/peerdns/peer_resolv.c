/*
 * bench/peerdns/peer_resolv.c - the resolver redirection for the peers
 * the benchmarks compare vouch with (see peer_resolv.h).
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <dlfcn.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "peer_resolv.h"

typedef int res_ninit_fn(res_state);

int __res_ninit(res_state statp);

/* 0: not chosen yet; the environment (or 53) decides at first use. */
static unsigned short ns_port;

void
peer_resolv_use_port(unsigned short port)
{
	ns_port = port;
}

static unsigned short
env_port(void)
{
	const char *s = getenv("VOUCH_BENCH_DNS_PORT");
	char *end;
	long v;

	if (s == NULL)
		return 53;
	v = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' || v < 1 || v > 65535 ? 53 :
	    (unsigned short)v;
}

int
__res_ninit(res_state statp)
{
	static res_ninit_fn *libc_ninit;
	int rc;

	if (libc_ninit == NULL) {
		void *sym = dlsym(RTLD_NEXT, "__res_ninit");

		if (sym == NULL)
			return -1;
		memcpy(&libc_ninit, &sym, sizeof(libc_ninit));
	}
	if ((rc = libc_ninit(statp)) != 0)
		return rc;
	if (ns_port == 0)
		ns_port = env_port();
	memset(&statp->nsaddr_list[0], 0, sizeof(statp->nsaddr_list[0]));
	statp->nsaddr_list[0].sin_family = AF_INET;
	statp->nsaddr_list[0].sin_port = htons(ns_port);
	statp->nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	statp->nscount = 1;
	/* The benchmarks' names are absolute: no search list. */
	statp->options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
	return 0;
}
