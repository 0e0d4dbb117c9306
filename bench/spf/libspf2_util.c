/*
 * libspf2_util.c - the result mapping shared by the libspf2 drivers (see
 * libspf2_util.h).
 */
#define _DEFAULT_SOURCE		/* <arpa/nameser.h> */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "libspf2_util.h"
#include "spfq.h"

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
