/*
 * test_dkim_keycache.c - key records answered from the cache of parsed
 * ones (lib/dkim/dkim_keycache.c) must get exactly the answer a fresh
 * parse gives (lib/dkim/dkim_key.c): the same flags, the same key
 * octets, the same refusal and reason, on the first ask and on later
 * ones, after the cache has been cycled through, when allocations fail,
 * and from several threads at once.  The records are RFC 6376 3.6.1 and
 * RFC 8463 forms plus variations in one tag each.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkim/dkim_tags.h"
#include "failalloc.h"

/* The start of RFC 8463 A.2's RSA key: 48 base64 octets, 36 decoded. */
#define P_RSA "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTz"

static const char *const records[] = {
	"v=DKIM1; k=rsa; p=" P_RSA,
	"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	"v=DKIM1; p=",				/* revoked */
	"v=DKIM1; t=y:s; p=" P_RSA,
	"v=DKIM1; h=sha1; p=" P_RSA,
	"v=DKIM1; s=tlsrpt; p=" P_RSA,
	"k=rsa; p=AAAA",
	"p = AAAA ; t = y",
	/* refused: a reason each time */
	"v=DKIM1; k=dsa; p=AAAA",
	"v=DKIM1; p=A",
	"k=rsa; v=DKIM1; p=AAAA",
	"v=DKIM1; k=rsa",
};
#define NREC (sizeof(records) / sizeof(records[0]))

struct answer {
	int rc;
	struct dkim_key k;
	unsigned char p[512];
	char why[256];
};

static void
ask(const char *rec, int cached, struct answer *an)
{
	struct vouch__arena a;

	memset(an, 0, sizeof(*an));
	vouch__arena_init(&a, 0);
	an->rc = (cached ? vouch__dkim_key_parse_cached :
	    vouch__dkim_key_parse)(rec, strlen(rec), &a, &an->k, an->why,
	    sizeof(an->why));
	if (an->rc == 0 && an->k.p != NULL) {
		assert_true(an->k.plen <= sizeof(an->p));
		memcpy(an->p, an->k.p, an->k.plen);
	}
	an->k.p = NULL;		/* the arena's: compared through an->p */
	vouch__arena_free(&a);
}

static int
same_key(const struct dkim_key *a, const struct dkim_key *b)
{
	return a->type == b->type && a->plen == b->plen &&
	    a->revoked == b->revoked && a->testing == b->testing &&
	    a->strict == b->strict && a->hash_sha256 == b->hash_sha256 &&
	    a->hash_sha1 == b->hash_sha1 &&
	    a->service_email == b->service_email;
}

static void
same(const struct answer *x, const struct answer *y, const char *rec)
{
	if (x->rc != y->rc || !same_key(&x->k, &y->k) ||
	    memcmp(x->p, y->p, sizeof(x->p)) != 0 ||
	    strcmp(x->why, y->why) != 0)
		fail_msg("'%s': cached %d '%s', parsed %d '%s'", rec, x->rc,
		    x->why, y->rc, y->why);
}

/* Every record: fresh parse, then the cached parse three times. */
static void
check_all(void)
{
	struct answer fresh, c;
	size_t i;
	int k;

	for (i = 0; i < NREC; i++) {
		ask(records[i], 0, &fresh);
		for (k = 0; k < 3; k++) {
			ask(records[i], 1, &c);
			same(&c, &fresh, records[i]);
		}
	}
}

static void
test_same_answers(void **state)
{
	struct answer an;

	(void)state;
	check_all();
	/* the ones meant to parse do, the others do not */
	ask(records[0], 1, &an);
	assert_int_equal(an.rc, 0);
	assert_int_equal(an.k.plen, 36);
	ask(records[2], 1, &an);
	assert_int_equal(an.rc, 0);
	assert_true(an.k.revoked);
	assert_int_equal(an.k.plen, 0);
	ask(records[NREC - 1], 1, &an);
	assert_int_equal(an.rc, VOUCH_ESYNTAX);
	assert_non_null(strstr(an.why, "p= is missing"));
}

/* More records than the cache holds, then the first ones again. */
static void
test_cycled(void **state)
{
	char rec[128];
	struct answer fresh, c;
	int i;

	(void)state;
	check_all();
	for (i = 0; i < 300; i++) {
		snprintf(rec, sizeof(rec), "v=DKIM1; n=%d; p=AAAA", i);
		ask(rec, 1, &c);
		ask(rec, 0, &fresh);
		same(&c, &fresh, rec);
	}
	check_all();
}

/* STYLE.md: any allocation may fail; the answer is then ENOMEM or the
 * right one, never a wrong key. */
static void
test_failalloc(void **state)
{
	struct answer fresh, c;
	unsigned long n;
	size_t i;

	(void)state;
	for (i = 0; i < NREC; i++) {
		ask(records[i], 0, &fresh);
		for (n = 1; n < 12; n++) {
			failalloc_set(n);
			ask(records[i], 1, &c);
			failalloc_set(0);
			if (c.rc != VOUCH_ENOMEM)
				same(&c, &fresh, records[i]);
		}
	}
	/* Records not cached yet: a failure while keeping one keeps
	 * nothing, and the next ask still gets the right key. */
	for (n = 1; n < 12; n++) {
		char rec[128];

		snprintf(rec, sizeof(rec), "v=DKIM1; f=%lu; p=" P_RSA, n);
		ask(rec, 0, &fresh);
		failalloc_set(n);
		ask(rec, 1, &c);
		failalloc_set(0);
		if (c.rc != VOUCH_ENOMEM)
			same(&c, &fresh, rec);
		ask(rec, 1, &c);
		same(&c, &fresh, rec);
		ask(rec, 1, &c);
		same(&c, &fresh, rec);
	}
}

static void *
hammer(void *arg)
{
	struct answer fresh[NREC], c;
	size_t i, round;

	(void)arg;
	for (i = 0; i < NREC; i++)
		ask(records[i], 0, &fresh[i]);
	for (round = 0; round < 2000; round++) {
		char rec[64];

		i = round % NREC;
		ask(records[i], 1, &c);
		if (c.rc != fresh[i].rc || memcmp(c.p, fresh[i].p,
		    sizeof(c.p)) != 0)
			return (void *)1;
		/* keep the cache turning over under the others */
		snprintf(rec, sizeof(rec), "v=DKIM1; r=%zu; p=AAAA", round);
		ask(rec, 1, &c);
		if (c.rc != 0 || c.k.plen != 3)
			return (void *)1;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t t[4];
	void *res;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_answers),
		cmocka_unit_test(test_cycled),
		cmocka_unit_test(test_failalloc),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
