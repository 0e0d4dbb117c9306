/*
 * bench/peerdns/peer_resolv.h - point the C library's resolver at a test
 * server on 127.0.0.1, for the peer implementations the benchmarks
 * compare vouch with (libspf2, libopendkim, libopendmarc, opendmarc).
 * vouch itself never uses this: its DNS goes through struct vouch_dns.
 *
 * The peers resolve with res_ninit() + res_nquery() on private states,
 * and resolv.conf cannot name a port, so nothing in their APIs or
 * configuration reaches a server at a high port on loopback.
 * peer_resolv.c therefore defines __res_ninit (the symbol <resolv.h>'s
 * res_ninit binds to): it runs the C library's own and then, as
 * resolver(3) allows, replaces the name-server list with 127.0.0.1 at
 * the chosen port, with no search list.  Nothing else is touched.
 *
 * Two ways in, one code:
 *   linked into a driver (target bench_peer_resolv): the driver calls
 *     peer_resolv_use_port() before the first lookup;
 *   LD_PRELOAD of libresolv_shim.so (target resolv_shim) for a daemon
 *     (opendmarc in bench/milter): the port comes from the environment
 *     variable VOUCH_BENCH_DNS_PORT.
 * Without either, queries go to 127.0.0.1:53, never anywhere else.
 */
#ifndef BENCH_PEER_RESOLV_H
#define BENCH_PEER_RESOLV_H

/* Send every later resolver query of this process to 127.0.0.1:port. */
void peer_resolv_use_port(unsigned short port);

#endif
