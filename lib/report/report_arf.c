/*
 * report_arf.c - failure reports: the machine-readable part of an Abuse
 * Reporting Format report (RFC 5965 3.1, RFC 6591 3.1 for authentication
 * failures, RFC 9991 for DMARC) and the header section of the returned
 * message.
 *
 * The message/feedback-report part is a header section (RFC 5965 3.1) and
 * is read with vouch_msg_parse_header() (its caps: 64 KiB, 32 KiB per
 * field); one that does not parse, or that has no Feedback-Type, refuses
 * the report.  Of a field that may repeat (Original-Rcpt-To,
 * Reported-Domain, Authentication-Results) the first occurrence is kept.
 * Values are unfolded and trimmed; the tokens feedback type, auth-failure,
 * delivery result, identity alignment and the reported domain are
 * lower-cased.  Source-IP is the address before any comment
 * ("192.0.2.1 (host.example)"); one that is not an address is left out
 * (family 0), as is an Arrival-Date that cannot be read (-1).  The
 * returned header section is kept as raw text up to 64 KiB and is never
 * parsed as anything.
 */
#include <stddef.h>
#include <string.h>

#include <gmime/gmime.h>
#include <vouch/msg.h>

#include "report/report_int.h"

struct arf_field {
	const char *name;
	size_t off;		/* of a const char * in the failure struct */
	int lower;
};

#define F(m) offsetof(struct vouch_report_failure, m)

static const struct arf_field fields[] = {
	{"Feedback-Type", F(feedback_type), 1},
	{"User-Agent", F(user_agent), 0},
	{"Version", F(version), 0},
	{"Auth-Failure", F(auth_failure), 1},
	{"Original-Envelope-Id", F(original_envelope_id), 0},
	{"Original-Mail-From", F(original_mail_from), 0},
	{"Original-Rcpt-To", F(original_rcpt_to), 0},
	{"Reported-Domain", F(reported_domain), 1},
	{"Identity-Alignment", F(identity_alignment), 1},
	{"Delivery-Result", F(delivery_result), 1},
	{"DKIM-Domain", F(dkim_domain), 0},
	{"DKIM-Identity", F(dkim_identity), 0},
	{"DKIM-Selector", F(dkim_selector), 0},
	{"SPF-DNS", F(spf_dns), 0},
	{"Authentication-Results", F(authentication_results), 0},
};

#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

/* The first field called name, unfolded (RFC 5322 2.2.3) and trimmed, in
 * arena a; NULL when absent or out of memory (*nomem set). */
static char *
field_value(const struct vouch_msg *msg, const char *name,
    struct vouch__arena *a, int *nomem)
{
	const struct vouch_msg_field *f;
	size_t i, k = 0, at = vouch_msg_find(msg, name, 0);
	char *v;

	if (at == (size_t)-1)
		return NULL;
	f = vouch_msg_field(msg, at);
	v = vouch__arena_alloc(a, f->value_len + 1);
	if (v == NULL) {
		*nomem = 1;
		return NULL;
	}
	for (i = 0; i < f->value_len; i++)
		if (f->value[i] != '\r' && f->value[i] != '\n')
			v[k++] = f->value[i];
	while (k > 0 && IS_SPACE(v[k - 1]))
		k--;
	v[k] = '\0';
	for (i = 0; IS_SPACE(v[i]); i++)
		;
	return v + i;
}

long long
vouch__report_date(const char *s)
{
	GDateTime *d = g_mime_utils_header_decode_date(s);
	long long t;

	if (d == NULL)
		return -1;
	t = (long long)g_date_time_to_unix(d);
	g_date_time_unref(d);
	return t;
}

static void
source_ip(const char *v, struct vouch_ip *ip)
{
	char buf[64];
	size_t n = 0;

	while (v[n] != '\0' && v[n] != ' ' && v[n] != '\t' && v[n] != '(' &&
	    n < sizeof(buf) - 1) {
		buf[n] = v[n];
		n++;
	}
	buf[n] = '\0';
	/* "[192.0.2.1]" as some reporters write it. */
	if (n >= 2 && buf[0] == '[' && buf[n - 1] == ']') {
		buf[n - 1] = '\0';
		memmove(buf, buf + 1, n - 1);
	}
	if (vouch_ip_parse(buf, ip) != 0)
		memset(ip, 0, sizeof(*ip));
	else
		vouch_ip_unmap(ip);
}

/* Length of the header section at the start of h: up to the empty line. */
static size_t
header_section(const char *h, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (h[i] == '\n' || (h[i] == '\r' && i + 1 < n &&
		    h[i + 1] == '\n'))
			return i;
		while (i < n && h[i] != '\n')
			i++;
		i++;
	}
	return n;
}

static int
fill(struct vouch__rctx *c, const struct vouch_msg *msg,
    struct vouch__arena *a, struct vouch_report_failure *f)
{
	const char *v;
	char *s;
	size_t i;
	int nomem = 0;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		s = field_value(msg, fields[i].name, a, &nomem);
		if (s != NULL && fields[i].lower)
			vouch__lower(s);
		memcpy((char *)f + fields[i].off, &s, sizeof(s));
	}
	if (nomem)
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	if (f->feedback_type == NULL || f->feedback_type[0] == '\0')
		return vouch__report_fail(c, VOUCH_ESYNTAX, "failure report "
		    "without Feedback-Type (RFC 5965 3.1)");
	f->arrival_date = -1;
	v = field_value(msg, "Arrival-Date", a, &nomem);
	if (v == NULL)
		v = field_value(msg, "Received-Date", a, &nomem);
	if (v != NULL)
		f->arrival_date = vouch__report_date(v);
	v = field_value(msg, "Source-IP", a, &nomem);
	if (v != NULL)
		source_ip(v, &f->source_ip);
	if (nomem)
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	return 0;
}

int
vouch__report_arf(struct vouch__rctx *c, const char *fp, size_t fn,
    const char *hdr, size_t hn)
{
	struct vouch_report_failure f;
	struct vouch_error e;
	struct vouch_msg *msg = NULL;
	struct vouch__arena a;
	size_t off;
	int rc;

	memset(&f, 0, sizeof(f));
	vouch__arena_init(&a, 0);
	if ((rc = vouch_msg_new(NULL, &msg)) != 0) {
		rc = vouch__report_fail(c, rc, "out of memory");
		goto out;
	}
	if ((rc = vouch_msg_parse_header(msg, fp, fn, &off, &e)) != 0) {
		rc = vouch__report_fail(c, rc, "message/feedback-report part: "
		    "%s", e.msg);
		goto out;
	}
	if ((rc = fill(c, msg, &a, &f)) != 0)
		goto out;
	if (hdr != NULL) {
		f.headers_len = header_section(hdr, hn);
		if (f.headers_len > VOUCH_REPORT_HEADERS_MAX) {
			f.headers_len = VOUCH_REPORT_HEADERS_MAX;
			f.headers_truncated = 1;
		}
		/* NUL-terminated too, for callers that want a string. */
		f.headers = vouch__arena_memdup(&a, hdr, f.headers_len);
		if (f.headers == NULL) {
			rc = vouch__report_fail(c, VOUCH_ENOMEM, "out of "
			    "memory");
			goto out;
		}
	}
	c->nfailures++;
	if (c->h->failure != NULL &&
	    (rc = c->h->failure(c->arg, &f)) != 0) {
		c->stopped = 1;
		vouch__report_fail(c, rc, "stopped by the failure callback");
	}
out:
	vouch_msg_free(msg);
	vouch__arena_free(&a);
	return rc;
}
