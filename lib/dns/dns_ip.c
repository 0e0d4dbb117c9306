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
			o += (size_t)snprintf(out + o, len - o, "::");
			i += bestlen - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "%s%x",
		    i > 0 && i != best + bestlen ? ":" : "", g[i]);
	}
	if (ngroups == 6)
		snprintf(out + o, len - o, "%s%u.%u.%u.%u",
		    best + bestlen == 6 ? "" : ":", a[12], a[13], a[14], a[15]);
}

int
vouch_ip_format(const struct vouch_ip *ip, char *buf, size_t len)
{
	char tmp[IP_TEXT_MAX];

	if (ip == NULL || buf == NULL)
		return VOUCH_EINVAL;
	if (ip->family == 4)
		snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u", ip->addr[0],
		    ip->addr[1], ip->addr[2], ip->addr[3]);
	else if (ip->family == 6)
		format6(ip->addr, tmp, sizeof(tmp));
	else
		return VOUCH_EINVAL;
	if (strlen(tmp) >= len)
		return VOUCH_ELIMIT;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}
