/*
 * fuzz_dkim_sig.c - the bytes as a DKIM-Signature field value (RFC 6376
 * 3.5).  When parsing succeeds the result must keep the invariants the
 * verifier relies on: decoded lengths within what base64 can give, d=
 * lower case, the AUID under d=, h= containing From, x= after t=.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct dkim_sig *s, size_t size)
{
	const char *at;
	size_t i, dl, al;
	int from = 0;

	if (s->blen == 0 || s->bhlen == 0 || s->blen > size / 4 * 3 ||
	    s->bhlen > size / 4 * 3 || s->b_text == NULL)
		abort();
	for (i = 0; s->domain[i] != '\0'; i++)
		if (s->domain[i] >= 'A' && s->domain[i] <= 'Z')
			abort();
	at = strrchr(s->auid, '@');
	if (at == NULL)
		abort();
	at++;
	dl = strlen(s->domain);
	al = strlen(at);
	if (al < dl || !vouch__strcaseeq(at + al - dl, s->domain) ||
	    (al > dl && at[al - dl - 1] != '.'))
		abort();
	for (i = 0; i < s->nheaders; i++)
		from |= vouch__strcaseeq(s->headers[i], "from");
	if (!from || s->selector == NULL || s->selector[0] == '\0')
		abort();
	if (s->timestamp >= 0 && s->expire >= 0 && s->expire <= s->timestamp)
		abort();
	if (s->alg > DKIM_ALG_ED25519_SHA256 || s->header_canon > 1 ||
	    s->body_canon > 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch__arena a;
	struct dkim_sig s;
	char why[256];
	int rc;

	vouch__arena_init(&a, 0);
	rc = vouch__dkim_sig_parse((const char *)data, size, &a, &s, why,
	    sizeof(why));
	if (rc == 0)
		check(&s, size);
	else if (rc != VOUCH_ESYNTAX && rc != VOUCH_ELIMIT)
		abort();
	else if (why[0] == '\0' || strpbrk(why, "\r\n") != NULL)
		abort();
	vouch__arena_free(&a);
	return 0;
}
