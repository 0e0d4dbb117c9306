/*
 * fuzz_dkim_key.c - the bytes as a DKIM key record (RFC 6376 3.6.1, RFC
 * 8463 4).  On success: a revoked key has no bytes, a live one has a
 * decoded p= no longer than base64 allows, flags are 0 or 1.  The
 * cached parse (dkim_keycache.c), asked twice, answers exactly as the
 * fresh one: code, flags, key octets and reason.
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

/* The cached parse must give what the fresh one gave. */
static void
cached_agrees(const uint8_t *data, size_t size, int rc,
    const struct dkim_key *k, const char *why)
{
	struct vouch__arena a;
	struct dkim_key c;
	char cwhy[256];
	int round, crc;

	for (round = 0; round < 2; round++) {
		vouch__arena_init(&a, 0);
		cwhy[0] = '\0';
		crc = vouch__dkim_key_parse_cached((const char *)data, size,
		    &a, &c, cwhy, sizeof(cwhy));
		if (crc != rc)
			abort();
		if (rc == 0 && (c.type != k->type || c.plen != k->plen ||
		    c.revoked != k->revoked || c.testing != k->testing ||
		    c.strict != k->strict || c.hash_sha1 != k->hash_sha1 ||
		    c.hash_sha256 != k->hash_sha256 ||
		    c.service_email != k->service_email ||
		    (c.p == NULL) != (k->p == NULL) ||
		    (c.p != NULL && memcmp(c.p, k->p, c.plen) != 0)))
			abort();
		if (rc != 0 && strcmp(cwhy, why) != 0)
			abort();
		vouch__arena_free(&a);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch__arena a;
	struct dkim_key k;
	char why[256];
	int rc;

	vouch__arena_init(&a, 0);
	why[0] = '\0';
	rc = vouch__dkim_key_parse((const char *)data, size, &a, &k, why,
	    sizeof(why));
	cached_agrees(data, size, rc, &k, why);
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
