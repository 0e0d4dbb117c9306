/*
 * libspf2_util.c - the resolver redirection and result mapping shared by
 * the libspf2 drivers (see libspf2_util.h).
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "libspf2_util.h"
#include "spfq.h"

/* Read by res_ninit() below; set once before the first lookup. */
static unsigned short ns_port = 53;

typedef int res_ninit_fn(res_state);

void
libspf2_use_port(unsigned short port)
{
	ns_port = port;
}

int
res_ninit(res_state statp)
{
	static res_ninit_fn *libc_ninit;
	int rc;

	if (libc_ninit == NULL) {
		void *sym = dlsym(RTLD_NEXT, "__res_ninit");

		if (sym == NULL) {
			fprintf(stderr, "libspf2_util: no __res_ninit\n");
			exit(1);
		}
		memcpy(&libc_ninit, &sym, sizeof(libc_ninit));
	}
	if ((rc = libc_ninit(statp)) != 0)
		return rc;
	memset(&statp->nsaddr_list[0], 0, sizeof(statp->nsaddr_list[0]));
	statp->nsaddr_list[0].sin_family = AF_INET;
	statp->nsaddr_list[0].sin_port = htons(ns_port);
	statp->nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	statp->nscount = 1;
	/* No search list: SPF names are absolute. */
	statp->options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
	return 0;
}

int
libspf2_result(SPF_response_t *resp)
{
	SPF_errcode_t code;
	int i, r = SPFQ_NONE;

	switch (SPF_response_result(resp)) {
	case SPF_RESULT_NEUTRAL:
		return SPFQ_NEUTRAL;
	case SPF_RESULT_PASS:
		return SPFQ_PASS;
	case SPF_RESULT_FAIL:
		return SPFQ_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return SPFQ_SOFTFAIL;
	case SPF_RESULT_NONE:
		return SPFQ_NONE;
	case SPF_RESULT_TEMPERROR:
		return SPFQ_TEMPERROR;
	case SPF_RESULT_PERMERROR:
		return SPFQ_PERMERROR;
	default:
		break;
	}
	for (i = 0; i < SPF_response_messages(resp); i++) {
		code = SPF_error_code(SPF_response_message(resp, i));
		if (code == SPF_E_DNS_ERROR)
			return SPFQ_TEMPERROR;
		if (code != SPF_E_NOT_SPF)
			r = SPFQ_PERMERROR;
	}
	return r;
}
