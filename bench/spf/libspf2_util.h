/*
 * bench/spf/libspf2_util.h - what the drivers built on Debian's libspf2
 * share (bench/spf/libspf2_bench.c, bench/verdict/trio_bench.c).
 *
 * Their resolver is pointed at the test server by bench/peerdns
 * (peer_resolv.h, linked in with this library): call
 * peer_resolv_use_port() before the first lookup.
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

#include "peer_resolv.h"

/*
 * The SPFQ_* result of resp.  libspf2 leaves the result unset
 * (SPF_RESULT_INVALID) when no TXT record is SPF (none), when the one
 * SPF record does not compile (RFC 7208 4.6: permerror) and when DNS
 * fails (temperror); its messages say which.
 */
int libspf2_result(SPF_response_t *resp);

#endif /* BENCH_SPF_LIBSPF2_UTIL_H */
