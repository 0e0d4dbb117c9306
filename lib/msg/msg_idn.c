/*
 * msg_idn.c - a domain in lower-case A-label form (RFC 5890 section
 * 2.3.2.1, IDNA2008 via libidn2 with the UTS #46 non-transitional
 * mapping, so upper-case U-labels and full-width dots are accepted the
 * way browsers and mail clients accept them).
 *
 * ASCII labels are checked here rather than by libidn2: letters, digits
 * and hyphens (RFC 1123 section 2.1), no hyphen at either end, and also
 * underscores, which appear in real DNS names (_dmarc, _domainkey, and
 * host names some registrars allow); rejecting them would only turn real
 * mail into errors.  Labels starting with "xn--" go through libidn2 so a
 * broken A-label is refused.  Labels are 1 to 63 bytes, the name at most
 * 253 (RFC 1035 sections 2.3.4 and 3.1, without the final dot).
 *
 * libidn2 allocates its result with its own malloc; that memory is freed
 * before returning and is not seen by the vouch__malloc hook.
 */
#include <string.h>

#include <idn2.h>

#include "msg_int.h"

#define IDN_LABEL_IN_MAX 1024	/* bytes of one U-label given to libidn2 */

static int
ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

/* The final form: lower-case LDH (and '_') labels within the lengths. */
static int
check_name(const char *s, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len > MSG_DOMAIN_MAX)
		return VOUCH_ESYNTAX;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!ldh((unsigned char)s[i]))
				return VOUCH_ESYNTAX;
			continue;
		}
		if (i == start || i - start > MSG_LABEL_MAX ||
		    s[start] == '-' || s[i - 1] == '-')
			return VOUCH_ESYNTAX;
		start = i + 1;
	}
	return 0;
}

static int
needs_idn(const char *s, size_t len)
{
	size_t i;

	if (len >= 4 && vouch__strncaseeq(s, "xn--", 4))
		return 1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static int
append(char *out, size_t *o, const char *s, size_t n)
{
	if (n > MSG_DOMAIN_MAX + 1 - *o)
		return VOUCH_ESYNTAX;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

/* One label through IDNA2008 lookup (RFC 5891 section 5). */
static int
idn_label(const char *s, size_t len, char *out, size_t *o)
{
	char in[IDN_LABEL_IN_MAX];
	uint8_t *res = NULL;
	int rc;

	if (len >= sizeof(in) || memchr(s, '\0', len) != NULL)
		return VOUCH_ESYNTAX;
	memcpy(in, s, len);
	in[len] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)in, &res,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc == IDN2_MALLOC)
		return VOUCH_ENOMEM;
	if (rc != IDN2_OK || res == NULL) {
		idn2_free(res);
		return VOUCH_ESYNTAX;
	}
	rc = append(out, o, (const char *)res, strlen((const char *)res));
	idn2_free(res);
	return rc;
}

int
vouch_domain_to_alabel(const char *domain, size_t len, char *buf,
    size_t buflen)
{
	char out[MSG_DOMAIN_MAX + 2];
	size_t i, start, o = 0;
	int rc;

	if (domain == NULL || buf == NULL)
		return VOUCH_EINVAL;
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0)
		return VOUCH_ESYNTAX;
	for (start = 0; start <= len; start = i + 1) {
		const char *lab = domain + start;
		size_t n;

		for (i = start; i < len && domain[i] != '.'; i++)
			;
		n = i - start;
		if (n == 0)
			return VOUCH_ESYNTAX;
		if (o > 0 && (rc = append(out, &o, ".", 1)) != 0)
			return rc;
		if (needs_idn(lab, n))
			rc = idn_label(lab, n, out, &o);
		else
			rc = append(out, &o, lab, n);
		if (rc != 0)
			return rc;
	}
	out[o] = '\0';
	vouch__lower(out);
	if ((rc = check_name(out, o)) != 0)
		return rc;
	if (o + 1 > buflen)
		return VOUCH_ELIMIT;
	memcpy(buf, out, o + 1);
	return 0;
}
