/*
 * bench/milter/null_milter.c - a milter that does nothing, for
 * bench/milter: every callback vouchd registers, each answering
 * "continue" at once, with the flags and macro lists vouchd negotiates
 * on a UNIX socket.  Its CPU time per message is the floor that libmilter and
 * the kernel put under any milter on this machine (a thread per MTA
 * connection, a read and a poll per packet), so the benchmark can tell
 * that part from the daemon's own work.
 *
 * Usage: null_milter SOCKET
 *   SOCKET in libmilter's syntax (unix:/path, inet:PORT@HOST); a UNIX
 *   socket is made mode 0666.  Runs in the foreground until SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

#include "milter_macros.h"

#define NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | \
	SMFIP_NR_BODY)
#define SKIP_STEPS (SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA)

/* The protocol flags agreed with the MTA (every connection from one MTA
 * agrees the same): a step it will not wait for must be answered with
 * SMFIS_NOREPLY, or libmilter logs an error and replies anyway. */
static unsigned long agreed;

static sfsistat
go_on(unsigned long nr)
{
	return (__atomic_load_n(&agreed, __ATOMIC_RELAXED) & nr) != 0 ?
	    SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static char *
unconst(const char *s)
{
	char *p;

	memcpy(&p, &s, sizeof(p));
	return p;
}

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
	*pf1 = f1 & (NR_STEPS | SKIP_STEPS | SMFIP_HDR_LEADSPC);
	*pf2 = 0;
	*pf3 = 0;
	__atomic_store_n(&agreed, *pf1, __ATOMIC_RELAXED);
	/* The macros vouchd asks for, so the MTA sends the same. */
	if ((*pf0 & SMFIF_SETSYMLIST) != 0)
		vouchd_request_macros(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return go_on(SMFIP_NR_CONN);
}

static sfsistat
nm_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return go_on(SMFIP_NR_HELO);
}

static sfsistat
nm_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return go_on(SMFIP_NR_HDR);
}

static sfsistat
nm_ctx(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return go_on(SMFIP_NR_BODY);
}

int
main(int argc, char **argv)
{
	struct smfiDesc d;

	if (argc != 2) {
		fprintf(stderr, "usage: null_milter SOCKET\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	d.xxfi_name = unconst("null_milter");
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	d.xxfi_connect = nm_connect;
	d.xxfi_helo = nm_helo;
	d.xxfi_envfrom = nm_envfrom;
	d.xxfi_header = nm_header;
	d.xxfi_eoh = nm_ctx;
	d.xxfi_body = nm_body;
	d.xxfi_eom = nm_ctx;
	d.xxfi_abort = nm_ctx;
	d.xxfi_close = nm_ctx;
	d.xxfi_negotiate = nm_negotiate;
	umask(0);
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(d) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "null_milter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
