/*
 * vouch/err.h - error codes and the error detail struct.
 *
 * Every fallible libvouch call returns int: 0 on success or a negative
 * VOUCH_E* code.  vouch_strerror() names a code.  Calls that can fail on
 * input also take a struct vouch_error *, which may be NULL; when given, it
 * is filled with a sentence a user can act on (which term, which line).
 *
 * A verdict (SPF pass, DKIM fail, ...) is never an error: it comes back
 * through an out-parameter.  Thread safety: none needed; no state.
 */
#ifndef VOUCH_ERR_H
#define VOUCH_ERR_H

#include <stddef.h>

#include <vouch/defs.h>

enum {
	VOUCH_OK = 0,
	VOUCH_ENOMEM = -1,	/* allocation failed */
	VOUCH_EINVAL = -2,	/* bad argument from the caller */
	VOUCH_ESYNTAX = -3,	/* input does not follow its grammar */
	VOUCH_ELIMIT = -4,	/* input exceeds a configured limit */
	VOUCH_EIO = -5,		/* reading or writing a file failed */
	VOUCH_EDNS = -6,	/* the DNS resolver could not be set up */
	VOUCH_ENOTFOUND = -7,	/* the thing asked for does not exist */
	VOUCH_EUNSUPPORTED = -8, /* feature or version not supported */
	VOUCH_EINTERNAL = -9	/* a bug: should never happen */
};

#define VOUCH_ERROR_MSG_MAX 512

struct vouch_error {
	int code;			/* the VOUCH_E* code, 0 if none */
	unsigned line;			/* input line, when it applies */
	char msg[VOUCH_ERROR_MSG_MAX];	/* NUL-terminated, may be empty */
};

/* A static string naming code; never NULL. */
VOUCH_API const char *vouch_strerror(int code);

#endif /* VOUCH_ERR_H */
