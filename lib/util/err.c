/*
 * err.c - names of the VOUCH_E* codes.
 */
#include <vouch/err.h>

const char *
vouch_strerror(int code)
{
	switch (code) {
	case VOUCH_OK:
		return "success";
	case VOUCH_ENOMEM:
		return "out of memory";
	case VOUCH_EINVAL:
		return "invalid argument";
	case VOUCH_ESYNTAX:
		return "syntax error";
	case VOUCH_ELIMIT:
		return "limit exceeded";
	case VOUCH_EIO:
		return "input/output error";
	case VOUCH_EDNS:
		return "DNS resolver error";
	case VOUCH_ENOTFOUND:
		return "not found";
	case VOUCH_EUNSUPPORTED:
		return "not supported";
	case VOUCH_EINTERNAL:
		return "internal error";
	default:
		return "unknown error";
	}
}
