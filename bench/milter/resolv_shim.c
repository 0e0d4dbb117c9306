/*
 * bench/milter/resolv_shim.c - an LD_PRELOAD library that points the C
 * library's resolver at 127.0.0.1, port $VOUCH_BENCH_DNS_PORT, for
 * Debian's opendmarc in bench/milter.
 *
 * opendmarc (libopendmarc and libspf2 under it) resolves with res_ninit()
 * + res_nquery() on private states, and resolv.conf cannot name a port,
 * so nothing in its configuration reaches a test server on loopback.
 * This library defines __res_ninit (the symbol <resolv.h>'s res_ninit
 * binds to): it runs the C library's own and then, as resolver(3)
 * allows, replaces the name-server list.  The daemons are unchanged.
 * Without the variable (or with a bad one) queries go to 127.0.0.1:53,
 * never anywhere else.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

typedef int res_ninit_fn(res_state);

int __res_ninit(res_state statp);

static unsigned short
dns_port(void)
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
	res_ninit_fn *libc_ninit;
	void *sym = dlsym(RTLD_NEXT, "__res_ninit");
	int rc;

	if (sym == NULL)
		return -1;
	memcpy(&libc_ninit, &sym, sizeof(libc_ninit));
	if ((rc = libc_ninit(statp)) != 0)
		return rc;
	memset(&statp->nsaddr_list[0], 0, sizeof(statp->nsaddr_list[0]));
	statp->nsaddr_list[0].sin_family = AF_INET;
	statp->nsaddr_list[0].sin_port = htons(dns_port());
	statp->nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	statp->nscount = 1;
	/* Names in the benchmark are absolute: no search list. */
	statp->options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
	return 0;
}
