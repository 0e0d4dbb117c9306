/*
 * dns_ip.c - IP addresses as text: parsing with inet_pton() (which takes
 * IPv4 only as four decimal parts without leading zeros, and IPv6 as RFC
 * 4291 section 2.2 writes it), and the canonical output of RFC 5952.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns_int.h"

/* Longer than any address text ("ffff:...:255.255.255.255" is 45). */
#define IP_TEXT_MAX 64

int
vouch_ip_parse(const char *text, struct vouch_ip *out)
{
	struct vouch_ip ip;
	size_t n;

	if (text == NULL || out == NULL)
		return VOUCH_ESYNTAX;
	n = strnlen(text, IP_TEXT_MAX);
	if (n == 0 || n >= IP_TEXT_MAX)
		return VOUCH_ESYNTAX;
	memset(&ip, 0, sizeof(ip));
	if (memchr(text, ':', n) != NULL) {
		if (inet_pton(AF_INET6, text, ip.addr) != 1)
			return VOUCH_ESYNTAX;
		ip.family = 6;
	} else {
		if (inet_pton(AF_INET, text, ip.addr) != 1)
			return VOUCH_ESYNTAX;
		ip.family = 4;
	}
	*out = ip;
	return 0;
}

/* ::ffff:0:0/96, RFC 4291 section 2.5.5.2 */
static int
is_mapped(const struct vouch_ip *ip)
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return ip->family == 6 && memcmp(ip->addr, prefix, 12) == 0;
}

int
vouch_ip_unmap(struct vouch_ip *ip)
{
	unsigned char v4[4];

	if (ip == NULL || !is_mapped(ip))
		return 0;
	memcpy(v4, ip->addr + 12, 4);
	memset(ip->addr, 0, sizeof(ip->addr));
	memcpy(ip->addr, v4, 4);
	ip->family = 4;
	return 1;
}

/* Text of v in base 10 or 16 at out[*o], if it fits before len - 1;
 * the caller's buffer is sized for any address, the check is a belt. */
static void
put_num(char *out, size_t len, size_t *o, unsigned v, unsigned base)
{
	static const char digit[] = "0123456789abcdef";
	char tmp[8];
	size_t n = 0;

	do {
		tmp[n++] = digit[v % base];
		v /= base;
	} while (v > 0 && n < sizeof(tmp));
	while (n > 0 && *o + 1 < len)
		out[(*o)++] = tmp[--n];
	out[*o] = '\0';
}

static void
put_str(char *out, size_t len, size_t *o, const char *s)
{
	for (; *s != '\0' && *o + 1 < len; s++)
		out[(*o)++] = *s;
	out[*o] = '\0';
}

/* a.b.c.d from four octets. */
static void
format4(const unsigned char *a, char *out, size_t len, size_t *o)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			put_str(out, len, o, ".");
		put_num(out, len, o, a[i], 10);
	}
}

/*
 * RFC 5952 section 4: hex digits in lower case without leading zeros
 * (4.1, 4.3); "::" replaces the longest run of two or more zero groups,
 * the first one when two runs tie (4.2); section 5: an IPv4-mapped
 * address ends in dotted decimal.
 */
static void
format6(const unsigned char *a, char *out, size_t len)
{
	unsigned g[8];
	int i, best = -1, bestlen = 0, run, ngroups;
	size_t o = 0;

	out[0] = '\0';
	for (i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	ngroups = memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 ? 6 : 8;
	for (i = 0; i < ngroups; i += run > 0 ? run : 1) {
		for (run = 0; i + run < ngroups && g[i + run] == 0; run++)
			;
		if (run >= 2 && run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < ngroups; i++) {
		if (i == best) {
			put_str(out, len, &o, "::");
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			put_str(out, len, &o, ":");
		put_num(out, len, &o, g[i], 16);
	}
	if (ngroups == 6) {
		if (best + bestlen != 6)
			put_str(out, len, &o, ":");
		format4(a + 12, out, len, &o);
	}
}

int
vouch_ip_format(const struct vouch_ip *ip, char *buf, size_t len)
{
	char tmp[IP_TEXT_MAX];
	size_t n = 0;

	if (ip == NULL || buf == NULL)
		return VOUCH_EINVAL;
	if (ip->family == 4)
		format4(ip->addr, tmp, sizeof(tmp), &n);
	else if (ip->family == 6)
		format6(ip->addr, tmp, sizeof(tmp));
	else
		return VOUCH_EINVAL;
	n = strlen(tmp);
	if (n >= len)
		return VOUCH_ELIMIT;
	memcpy(buf, tmp, n + 1);
	return 0;
}

int
vouch_ip_reverse_name(const struct vouch_ip *ip, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[80];
	const unsigned char *a;
	size_t n = 0;
	int i;

	if (ip == NULL || buf == NULL || (ip->family != 4 && ip->family != 6))
		return VOUCH_EINVAL;
	a = ip->addr;
	if (ip->family == 4)
		(void)snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
	else {
		for (i = 15; i >= 0; i--) {
			tmp[n++] = hex[a[i] & 15];
			tmp[n++] = '.';
			tmp[n++] = hex[a[i] >> 4];
			tmp[n++] = '.';
		}
		(void)snprintf(tmp + n, sizeof(tmp) - n, "ip6.arpa");
	}
	n = strlen(tmp);
	if (n >= len)
		return VOUCH_ELIMIT;
	memcpy(buf, tmp, n + 1);
	return 0;
}
