/*
 * fuzz_mta_sts.c - the bytes as an MTA-STS policy file (RFC 8461 3.2)
 * and as a "name=value;" record (the _mta-sts, _smtp._tls and BIMI TXT
 * records the audit reads).  On success the policy has every required
 * field within its range and each mx pattern matches a host made from
 * it; a record has at least one tag, each with a name.  On failure there
 * is a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
policy(const char *s, size_t n)
{
	struct vouch__arena a;
	struct sts_policy p;
	char why[160] = "", host[300];
	size_t i;
	int rc;

	vouch__arena_init(&a, 0);
	rc = vouch__audit_sts_parse(&a, s, n, &p, why, sizeof(why));
	if (rc == 0) {
		if (p.version_ok != 1 || p.mode == STS_MODE_UNSET ||
		    p.max_age < 0 || p.max_age > AUDIT_STS_MAX_AGE_MAX ||
		    p.nmx > AUDIT_STS_MX_MAX ||
		    (p.nmx == 0 && p.mode != STS_MODE_NONE))
			abort();
		for (i = 0; i < p.nmx; i++) {
			snprintf(host, sizeof(host), "%s%s", p.mx[i][0] == '*' ?
			    "x" : "", p.mx[i] + (p.mx[i][0] == '*'));
			if (!vouch__audit_sts_match(p.mx[i], host))
				abort();
		}
	} else if ((rc != VOUCH_ESYNTAX && rc != VOUCH_ELIMIT) ||
	    why[0] == '\0')
		abort();
	vouch__arena_free(&a);
}

static void
tags(const char *s)
{
	struct vouch__arena a;
	struct audit_tags t;
	char why[128] = "";
	size_t i;
	int rc;

	vouch__arena_init(&a, 0);
	rc = vouch__audit_tags(&a, s, &t, why, sizeof(why));
	if (rc == 0) {
		if (t.n == 0 || t.n > AUDIT_TAGS_MAX)
			abort();
		for (i = 0; i < t.n; i++)
			if (t.tag[i].name[0] == '\0' || t.tag[i].value == NULL ||
			    vouch__audit_tag(&t, t.tag[i].name) != t.tag[i].value)
				abort();
	} else if (rc != VOUCH_ESYNTAX || why[0] == '\0')
		abort();
	vouch__arena_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	policy(s, size);
	tags(s);	/* TXT text up to its first NUL */
	free(s);
	return 0;
}
