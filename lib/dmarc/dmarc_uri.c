/*
 * dmarc_uri.c - the rua/ruf lists of a DMARC record (RFC 9989 4.6, 4.8
 * dmarc-urilist): URIs checked against RFC 3986 3, the obsolete "!size"
 * suffix removed, entries that are not URIs dropped.  Every read is
 * bounded by the length given; the input need not be NUL-terminated.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dmarc/dmarc_record.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')
#define IS_ALPHA(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'A' && (c) <= 'F') || \
    ((c) >= 'a' && (c) <= 'f'))
#define BAD ((size_t)-1)

/*
 * RFC 3986 2.3 unreserved and 2.2 sub-delims, less "!" and "," (RFC 9989
 * 4.8: they MUST be percent-encoded, "!" starts the obsolete size and ","
 * separates URIs) and ";" (it ends the tag value).
 */
static int
is_plain(int c)
{
	return c != '\0' && (IS_ALPHA(c) || IS_DIGIT(c) ||
	    strchr("-._~$&'()*+=", c) != NULL);
}

/* From i, the end of a run of plain bytes, pct-encoded triplets (RFC 3986
 * 2.1) and bytes of extra; BAD on a "%" not followed by two HEXDIG. */
static size_t
scan(const char *s, size_t n, size_t i, const char *extra)
{
	unsigned char c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3 || !IS_HEX(s[i + 1]) || !IS_HEX(s[i + 2]))
				return BAD;
			i += 3;
		} else if (is_plain(c) || (c != '\0' && strchr(extra, c) != NULL))
			i++;
		else
			break;
	}
	return i;
}

/* 3.2.2 IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
static int
ipvfuture_valid(const char *s, size_t n)
{
	size_t i = 1;

	while (i < n && IS_HEX(s[i]))
		i++;
	if (i == 1 || i >= n || s[i] != '.' || i + 1 >= n)
		return 0;
	for (i++; i < n; i++)
		if (!is_plain((unsigned char)s[i]) && s[i] != ':')
			return 0;
	return 1;
}

/* 3.2.2 IP-literal, without its brackets: IPv6address or IPvFuture. */
static int
ip_literal_valid(const char *s, size_t n)
{
	struct in6_addr a6;
	char buf[64];
	size_t i;

	if (n > 0 && (s[0] == 'v' || s[0] == 'V'))
		return ipvfuture_valid(s, n);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	/* inet_pton() reads a C string: only its own alphabet goes in. */
	for (i = 0; i < n; i++)
		if (!IS_HEX(s[i]) && s[i] != ':' && s[i] != '.')
			return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &a6) == 1;
}

/* 3.2 authority = [ userinfo "@" ] host [ ":" port ]; the host is an
 * IP-literal or a reg-name (an IPv4address is also a reg-name). */
static int
authority_valid(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n), *rb;
	size_t i = 0;

	if (at != NULL) {
		i = (size_t)(at - s);
		if (scan(s, i, 0, ":") != i)
			return 0;
		i++;
	}
	if (i < n && s[i] == '[') {
		rb = memchr(s + i, ']', n - i);
		if (rb == NULL || !ip_literal_valid(s + i + 1,
		    (size_t)(rb - s) - i - 1))
			return 0;
		i = (size_t)(rb - s) + 1;
	} else
		i = scan(s, n, i, "");
	if (i < n && s[i] == ':')
		for (i++; i < n && IS_DIGIT(s[i]); i++)
			;
	return i == n;
}

int
vouch__dmarc_uri_valid(const char *s, size_t n)
{
	size_t i, e;

	/* 3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (n == 0 || !IS_ALPHA(s[0]))
		return 0;
	for (i = 1; i < n && (IS_ALPHA(s[i]) || IS_DIGIT(s[i]) ||
	    s[i] == '+' || s[i] == '-' || s[i] == '.'); i++)
		;
	if (i >= n || s[i] != ':')
		return 0;
	i++;
	/* 3 hier-part: "//" authority path-abempty, or a path alone */
	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		for (e = i + 2; e < n && s[e] != '/' && s[e] != '?' &&
		    s[e] != '#'; e++)
			;
		if (!authority_valid(s + i + 2, e - i - 2))
			return 0;
		i = e;
	}
	/* 3.3 path: pchar and "/"; 3.4 query, 3.5 fragment: also "?" */
	i = scan(s, n, i, ":@/");
	if (i < n && s[i] == '?')
		i = scan(s, n, i + 1, ":@/?");
	if (i < n && s[i] == '#')
		i = scan(s, n, i + 1, ":@/?");
	return i == n;
}

/* obs-dmarc-report-size = "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] (ABNF
 * strings: either case), s[0] being the "!". */
static int
size_valid(const char *s, size_t n)
{
	size_t i = 1;

	while (i < n && IS_DIGIT(s[i]))
		i++;
	if (i == 1)
		return 0;
	if (i < n && s[i] != '\0' && strchr("kmgtKMGT", s[i]) != NULL)
		i++;
	return i == n;
}

/* One list entry (s, n: between commas, WSP not yet trimmed). */
static int
one_uri(struct dmarc_rp *p, const char *tag, const char *s, size_t n,
    const char **arr, size_t *k)
{
	char q[DMARC_QUOTE_BUF];
	const char *bang;
	size_t ulen;
	int rc;

	while (n > 0 && IS_WSP(s[0]))
		s++, n--;
	while (n > 0 && IS_WSP(s[n - 1]))
		n--;
	bang = memchr(s, '!', n);
	ulen = bang != NULL ? (size_t)(bang - s) : n;
	if ((bang != NULL && !size_valid(bang, n - ulen)) ||
	    !vouch__dmarc_uri_valid(s, ulen))
		return vouch__dmarc_finding(p, "invalid-uri", VOUCH_DMARC_WARNING,
		    tag, s, n, "%s: \"%s\" is not a URI and is dropped "
		    "(RFC 9989 4.8 dmarc-uri, RFC 3986 3; \",\" and \"!\" "
		    "must be %%-encoded)", tag, vouch__dmarc_quote(q, s, n));
	arr[*k] = vouch__arena_strndup(p->a, s, ulen);
	if (arr[*k] == NULL)
		return VOUCH_ENOMEM;
	(*k)++;
	if (bang != NULL && (rc = vouch__dmarc_finding(p, "obsolete-size",
	    VOUCH_DMARC_INFO, tag, s, n, "%s: \"%s\": the size limit is "
	    "obsolete and ignored (RFC 9989 4.8 obs-dmarc-report-size)", tag,
	    vouch__dmarc_quote(q, s, n))) != 0)
		return rc;
	if (ulen < 7 || !vouch__strncaseeq(s, "mailto:", 7))
		return vouch__dmarc_finding(p, "not-mailto", VOUCH_DMARC_WARNING,
		    tag, s, ulen, "%s: \"%s\" is not a mailto: URI; receivers "
		    "need only support mailto: (RFC 9989 4.7)", tag,
		    vouch__dmarc_quote(q, s, ulen));
	return 0;
}

int
vouch__dmarc_urilist(struct dmarc_rp *p, const char *tag, const char *v,
    size_t n, const char *const **out, size_t *nout)
{
	char q[DMARC_QUOTE_BUF];
	const char **arr;
	const char *comma;
	size_t cap = 1, i, e, k = 0, nent;
	int rc;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n && cap < DMARC_RECORD_MAX_URIS; i++)
		cap += v[i] == ',';
	arr = vouch__arena_alloc(p->a, cap * sizeof(*arr));
	if (arr == NULL)
		return VOUCH_ENOMEM;
	for (i = 0, nent = 0;; i = e + 1, nent++) {
		if (nent == DMARC_RECORD_MAX_URIS) {
			rc = vouch__dmarc_finding(p, "syntax", VOUCH_DMARC_ERROR,
			    tag, v + i, n - i < DMARC_LIMIT_TEXT_MAX ? n - i :
			    DMARC_LIMIT_TEXT_MAX, "%s: more than %d URIs; from "
			    "\"%s\" on the list is not read (vouch limit)", tag,
			    DMARC_RECORD_MAX_URIS,
			    vouch__dmarc_quote(q, v + i, n - i));
			if (rc != 0)
				return rc;
			break;
		}
		comma = memchr(v + i, ',', n - i);
		e = comma != NULL ? (size_t)(comma - v) : n;
		rc = one_uri(p, tag, v + i, e - i, arr, &k);
		if (rc != 0)
			return rc;
		if (e >= n)
			break;
	}
	*out = k > 0 ? arr : NULL;
	*nout = k;
	return 0;
}
