/*
 * bench/dkim/odkim.h - what the drivers built on Debian's libopendkim
 * share (bench/dkim/opendkim_bench.c, bench/verdict/trio_bench.c).
 *
 *   odkim_open()     a library handle that takes its keys from memory: the
 *                    "SEL._domainkey.DOMAIN RECORD" lines of a corpus's
 *                    opendkim.keys, read once and handed over by a
 *                    dkim_set_key_lookup() callback (the cost of a cached
 *                    lookup), or from libopendkim's own DNS resolver
 *   odkim_verify()   one message from memory: dkim_verify(), the raw bytes
 *                    in pieces through dkim_chunk() (libopendkim splits
 *                    header and body itself), dkim_eom()
 *   odkim_results()  every signature of dkim_getsiglist() in header order:
 *                    pass when DKIM_SIG_CHECK() holds, permerror when the
 *                    key could not be had or used, fail otherwise
 *
 * Ownership: odkim_verify() gives the caller a handle to dkim_free();
 * odkim_close() releases the library and the key records.  The records
 * are process-wide (the lookup callback has no argument of its own):
 * one library with keys from memory per process.  Programs only: these
 * helpers print to stderr.
 */
#ifndef BENCH_DKIM_ODKIM_H
#define BENCH_DKIM_ODKIM_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE		/* u_char, u_int: <opendkim/dkim.h> */
#endif
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include <opendkim/dkim.h>

/*
 * keys: an opendkim.keys file whose records the key lookup serves; NULL
 * for libopendkim's default, DNS.  flags are added to the library's
 * DKIM_OPTS_FLAGS (DKIM_LIBFLAGS_CACHE: its query cache).  NULL on
 * failure.
 */
DKIM_LIB *odkim_open(const char *keys, u_int flags);
void odkim_close(DKIM_LIB *lib);

/* NULL on failure (message on stderr). */
DKIM *odkim_verify(DKIM_LIB *lib, char *data, size_t len, size_t chunk);

/* "pass", "fail" or "permerror" for one signature after dkim_eom(). */
const char *odkim_sig_result(DKIM_SIGINFO *sig);
/* Every signature's word, comma-separated, into res ("none" without). */
void odkim_results(DKIM *d, char *res, size_t reslen);

#endif /* BENCH_DKIM_ODKIM_H */
