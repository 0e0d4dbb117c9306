/*
 * lib/dkim/dkim_keys.h - the private-key object behind struct
 * vouch_dkim_key, shared by dkim_keys.c and the signer.
 */
#ifndef VOUCH_DKIM_KEYS_H
#define VOUCH_DKIM_KEYS_H

#include "crypto/crypto.h"

struct vouch_dkim_key {
	struct vouch__pkey *pk;	/* owned; read-only after creation */
};

#endif /* VOUCH_DKIM_KEYS_H */
