/*
 * milter_macros.h - the MTA macros vouchd asks for at negotiation
 * (smfi_setsymlist, milter protocol 6): the queue id, the client's
 * authentication and our host name, nothing more.  Shared with
 * bench/milter/null_milter.c so that the MTA sends the "do nothing"
 * milter exactly what it sends vouchd.  Call only when the MTA offered
 * SMFIF_SETSYMLIST.
 */
#ifndef VOUCHD_MILTER_MACROS_H
#define VOUCHD_MILTER_MACROS_H

#include <stdint.h>

#include <libmilter/mfapi.h>

static inline void
vouchd_request_macros(SMFICTX *ctx)
{
	/* libmilter takes char *, and never writes through it. */
	(void)smfi_setsymlist(ctx, SMFIM_CONNECT,
	    (char *)(uintptr_t)"j {daemon_name}");
	(void)smfi_setsymlist(ctx, SMFIM_ENVFROM,
	    (char *)(uintptr_t)"i {auth_authen}");
	(void)smfi_setsymlist(ctx, SMFIM_EOH, (char *)(uintptr_t)"i");
	(void)smfi_setsymlist(ctx, SMFIM_EOM, (char *)(uintptr_t)"i");
}

#endif
