/*
 * audit_sts_policy.c - the MTA-STS policy file (RFC 8461 3.2): lines of
 * "key: value" ended by CRLF or LF; version, mode and max_age once (the
 * first counts when repeated), mx once or more (not needed with mode
 * none); unknown keys ignored.  And the MX pattern match of 4.1.  The
 * body comes from a web server we do not control: it is capped, control
 * bytes and invalid UTF-8 are refused, nothing is copied unbounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

#define STS_NAME_MAX 32		/* sts-policy-ext-name: 1 + 31 */

static int
alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
fail(char *why, size_t whylen, unsigned line, const char *what)
{
	snprintf(why, whylen, "line %u: %s", line, what);
	return VOUCH_ESYNTAX;
}

/* sts-policy-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" "-" "."). */
static int
valid_key(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > STS_NAME_MAX || !alnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!alnum((unsigned char)s[i]) && strchr("_-.", s[i]) == NULL)
			return 0;
	return 1;
}

/* Value bytes: VCHAR, SP inside, UTF-8 (sts-policy-ext-value). */
static int
valid_value(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80) {
			if ((k = vouch__utf8_len((const unsigned char *)s + i,
			    n - i)) == 0)
				return 0;
			i += k;
		} else if (c < 0x20 || c == 0x7f)
			return 0;
		else
			i++;
	}
	return 1;
}

/* ["*."] Domain (RFC 5321 4.1.2): LDH labels, at most 253 octets. */
static int
valid_mx(const char *s)
{
	size_t i, label = 0, n = strlen(s);

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (alnum((unsigned char)s[i]) ||
		    (s[i] == '-' && label > 0))
			label++;
		else
			return 0;
	}
	return 1;
}

static int
field(struct vouch__arena *a, struct sts_policy *p, const char *key,
    size_t kl, const char *v, unsigned line, char *why, size_t whylen)
{
	/* Keys are case-sensitive (%s"..." in the ABNF). */
	if (kl == 7 && memcmp(key, "version", 7) == 0) {
		if (p->version_ok == 0)
			p->version_ok = strcmp(v, "STSv1") == 0 ? 1 : -1;
	} else if (kl == 4 && memcmp(key, "mode", 4) == 0) {
		if (p->mode != STS_MODE_UNSET)
			return 0;
		p->mode = strcmp(v, "enforce") == 0 ? STS_MODE_ENFORCE :
		    strcmp(v, "testing") == 0 ? STS_MODE_TESTING :
		    strcmp(v, "none") == 0 ? STS_MODE_NONE : STS_MODE_UNSET;
		if (p->mode == STS_MODE_UNSET)
			return fail(why, whylen, line, "mode is not enforce, "
			    "testing or none");
	} else if (kl == 7 && memcmp(key, "max_age", 7) == 0) {
		if (p->max_age >= 0)
			return 0;
		if (*v == '\0' || strlen(v) > 10 ||
		    strspn(v, "0123456789") != strlen(v))
			return fail(why, whylen, line, "max_age is not 1 to "
			    "10 digits");
		p->max_age = strtoll(v, NULL, 10);
	} else if (kl == 2 && memcmp(key, "mx", 2) == 0) {
		if (!valid_mx(v))
			return fail(why, whylen, line, "mx is not a host name "
			    "or *.domain");
		if (p->nmx == AUDIT_STS_MX_MAX) {
			p->mx_dropped++;
			return 0;
		}
		if ((p->mx[p->nmx] = vouch__arena_strdup(a, v)) == NULL)
			return VOUCH_ENOMEM;
		p->nmx++;
	}
	return 0;
}

/* One line without its end: "key" ":" *WSP value *WSP. */
static int
line_parse(struct vouch__arena *a, struct sts_policy *p, const char *s,
    size_t n, unsigned line, char *why, size_t whylen)
{
	const char *colon = memchr(s, ':', n), *v;
	char value[1024];
	size_t kl, vl;

	if (colon == NULL)
		return fail(why, whylen, line, "no \":\"");
	kl = (size_t)(colon - s);
	if (!valid_key(s, kl))
		return fail(why, whylen, line, "not a valid key");
	v = colon + 1;
	vl = n - kl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (!valid_value(v, vl))
		return fail(why, whylen, line, "control bytes or invalid "
		    "UTF-8 in the value");
	if (vl >= sizeof(value))
		return fail(why, whylen, line, "value too long");
	memcpy(value, v, vl);
	value[vl] = '\0';
	return field(a, p, s, kl, value, line, why, whylen);
}

static int
required(const struct sts_policy *p, char *why, size_t whylen)
{
	const char *miss = p->version_ok == 0 ? "version" :
	    p->mode == STS_MODE_UNSET ? "mode" : p->max_age < 0 ? "max_age" :
	    p->nmx == 0 && p->mode != STS_MODE_NONE ? "mx" : NULL;

	if (p->version_ok < 0) {
		snprintf(why, whylen, "version is not STSv1");
		return VOUCH_ESYNTAX;
	}
	if (miss != NULL) {
		snprintf(why, whylen, "no %s field", miss);
		return VOUCH_ESYNTAX;
	}
	if (p->max_age > AUDIT_STS_MAX_AGE_MAX) {
		snprintf(why, whylen, "max_age %lld is over %d", p->max_age,
		    AUDIT_STS_MAX_AGE_MAX);
		return VOUCH_ESYNTAX;
	}
	return 0;
}

int
vouch__audit_sts_parse(struct vouch__arena *a, const char *body, size_t len,
    struct sts_policy *out, char *why, size_t whylen)
{
	const char *nl, *start;
	size_t pos = 0, n;
	unsigned line = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->max_age = -1;
	if (len > AUDIT_STS_POLICY_MAX) {
		snprintf(why, whylen, "the policy is over %u bytes",
		    AUDIT_STS_POLICY_MAX);
		return VOUCH_ELIMIT;
	}
	while (pos < len) {
		line++;
		start = body + pos;
		nl = memchr(start, '\n', len - pos);
		n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		/* sts-policy-term is LF or CRLF; an empty line is passed
		 * over rather than refused, as senders do */
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n > 0 && (rc = line_parse(a, out, start, n, line, why,
		    whylen)) != 0)
			return rc;
	}
	return required(out, why, whylen);
}

int
vouch__audit_sts_match(const char *pattern, const char *host)
{
	const char *dot;

	if (pattern[0] == '*' && pattern[1] == '.') {
		/* the wildcard stands for exactly the left-most label */
		if ((dot = strchr(host, '.')) == NULL || dot == host)
			return 0;
		return vouch__strcaseeq(dot + 1, pattern + 2);
	}
	return vouch__strcaseeq(pattern, host);
}
