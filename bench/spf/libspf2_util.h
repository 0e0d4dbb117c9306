/*
 * bench/spf/libspf2_util.h - what the drivers built on Debian's libspf2
 * share (bench/spf/libspf2_bench.c, bench/verdict/trio_bench.c).
 *
 * libspf2's resolv layer (and libopendkim's and libopendmarc's resolvers)
 * call res_ninit() on a private resolver state, so there is no call to
 * point them at a server, and resolv.conf cannot name a port.  This file
 * therefore defines res_ninit() itself (<resolv.h> maps the name to
 * __res_ninit, the symbol those libraries bind to): it runs the C
 * library's own and then, as resolver(3) allows, replaces the name server
 * list with 127.0.0.1 at the port given to libspf2_use_port().  Nothing
 * else in the libraries is touched.  A program that links this file
 * resolves nothing elsewhere: before libspf2_use_port() the override
 * points at port 53 of 127.0.0.1.
 *
 * libspf2_result() maps a response to the names RFC 7208 uses (enum
 * spfq_result).  Programs only; define _DEFAULT_SOURCE (or _GNU_SOURCE)
 * before including this header, as <arpa/nameser.h> wants.
 */
#ifndef BENCH_SPF_LIBSPF2_UTIL_H
#define BENCH_SPF_LIBSPF2_UTIL_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/nameser.h>	/* ns_type: <spf2/spf.h> does not include it */

#include <spf2/spf.h>

/* Send every query of this process to 127.0.0.1 at port. */
void libspf2_use_port(unsigned short port);

/*
 * The SPFQ_* result of resp.  libspf2 leaves the result unset
 * (SPF_RESULT_INVALID) when no TXT record is SPF (none), when the one
 * SPF record does not compile (RFC 7208 4.6: permerror) and when DNS
 * fails (temperror); its messages say which.
 */
int libspf2_result(SPF_response_t *resp);

#endif /* BENCH_SPF_LIBSPF2_UTIL_H */
