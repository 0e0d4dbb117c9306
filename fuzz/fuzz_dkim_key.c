/*
 * fuzz_dkim_key.c - the bytes as a DKIM key record (RFC 6376 3.6.1, RFC
 * 8463 4).  On success: a revoked key has no bytes, a live one has a
 * decoded p= no longer than base64 allows, flags are 0 or 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
flag(int f)
{
	return f == 0 || f == 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch__arena a;
	struct dkim_key k;
	char why[256];
	int rc;

	vouch__arena_init(&a, 0);
	rc = vouch__dkim_key_parse((const char *)data, size, &a, &k, why,
	    sizeof(why));
	if (rc == 0) {
		if (k.revoked ? k.p != NULL || k.plen != 0 :
		    k.p == NULL || k.plen > size / 4 * 3)
			abort();
		if (!flag(k.revoked) || !flag(k.testing) || !flag(k.strict) ||
		    !flag(k.hash_sha1) || !flag(k.hash_sha256) ||
		    !flag(k.service_email) || k.type > DKIM_KEY_ED25519)
			abort();
	} else if (rc != VOUCH_ESYNTAX && rc != VOUCH_ELIMIT)
		abort();
	else if (why[0] == '\0' || strpbrk(why, "\r\n") != NULL)
		abort();
	vouch__arena_free(&a);
	return 0;
}
