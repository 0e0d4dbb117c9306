/*
 * spf_util.c - the plumbing of an SPF evaluation: the time budget and DNS
 * queries on its behalf (RFC 7208 4.6.4), the trace, error reasons, and
 * the address and domain-name checks of sections 4.3 and 5.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spf_int.h"

int64_t
vouch__spf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
vouch__spf_step(struct spf_ctx *ctx, const char *domain, const char *term,
    const char *fmt, ...)
{
	struct vouch_spf_step *st;
	char detail[512];
	va_list ap;

	if (!ctx->trace || ctx->nsteps >= SPF_TRACE_MAX)
		return;
	if (ctx->nsteps == ctx->capsteps) {
		size_t cap = ctx->capsteps ? ctx->capsteps * 2 : 32;
		struct vouch_spf_step *ns;

		ns = vouch__arena_alloc(&ctx->arena, cap * sizeof(*ns));
		if (ns == NULL)
			return;
		if (ctx->nsteps > 0)
			memcpy(ns, ctx->steps, ctx->nsteps * sizeof(*ns));
		ctx->steps = ns;
		ctx->capsteps = cap;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	st = &ctx->steps[ctx->nsteps];
	st->depth = ctx->depth;
	st->domain = vouch__arena_strdup(&ctx->arena, domain ? domain : "");
	st->term = vouch__arena_strdup(&ctx->arena, term ? term : "record");
	st->detail = vouch__arena_strdup(&ctx->arena, detail);
	if (st->domain != NULL && st->term != NULL && st->detail != NULL)
		ctx->nsteps++;
}

enum vouch_spf_result
vouch__spf_fail(struct spf_ctx *ctx, enum vouch_spf_result r,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx->error == NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		ctx->error = vouch__arena_strdup(&ctx->arena, msg);
	}
	return r;
}

/*
 * Names built by macro expansion are raw octets between dots; the DNS
 * layer reads presentation form (RFC 1035 5.1), where a backslash starts
 * an escape.  A literal backslash is written as "\\" so that a local
 * part like "a\.b" cannot turn into another name.
 */
static int
query_raw(struct vouch_dns *dns, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	char esc[2 * SPF_DOMAIN_MAX + 2];
	size_t i, n = 0;

	if (strchr(name, '\\') == NULL)
		return vouch_dns_query(dns, name, type, out);
	for (i = 0; name[i] != '\0'; i++) {
		if (n + 3 > sizeof(esc))
			return VOUCH_EINVAL;
		if (name[i] == '\\')
			esc[n++] = '\\';
		esc[n++] = name[i];
	}
	esc[n] = '\0';
	return vouch_dns_query(dns, esc, type, out);
}

int
vouch__spf_query(struct spf_ctx *ctx, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	int rc;

	*out = NULL;
	if (vouch__spf_now_ms() > ctx->deadline_ms) {
		/* 4.6.4: past the time budget every query is temperror. */
		if (vouch_dns_answer_new(name, type, VOUCH_DNS_RETRY, out) ||
		    vouch_dns_answer_set_reason(*out,
		    "SPF evaluation time budget exhausted")) {
			vouch_dns_answer_free(*out);
			*out = NULL;
			return VOUCH_ENOMEM;
		}
		return 0;
	}
	rc = query_raw(ctx->dns, name, type, out);
	if (rc == VOUCH_EINVAL)	/* not a valid name: it cannot exist */
		rc = vouch_dns_answer_new(name, type, VOUCH_DNS_NXDOMAIN, out);
	if (rc != 0)
		return VOUCH_ENOMEM;
	vouch__spf_step(ctx, NULL, NULL, "query %s %s: %s (%zu)", name,
	    vouch_dns_type_name(type), vouch_dns_status_name((*out)->status),
	    (*out)->count);
	return 0;
}

int
vouch__spf_domain_ok(const char *name)
{
	size_t len = strlen(name), label = 0, labels = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)name[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63)
				return 0;
			labels++;
			label = 0;
		} else if (c < 0x20 || c == 0x7f || (i == 0 && c == '[')) {
			/* DNS labels may hold any byte, spaces included (the
			 * suite's macro-mania case); control bytes and domain
			 * literals cannot name an SPF record. */
			return 0;
		} else {
			label++;
		}
	}
	return labels >= 2;
}

int
vouch__spf_ip_match(const struct vouch_ip *a, const struct vouch_ip *b,
    int prefix)
{
	int bits = a->family == 4 ? 32 : 128, full, rem;

	if (a->family != b->family)
		return 0;
	if (prefix < 0 || prefix > bits)
		prefix = bits;
	full = prefix / 8;
	rem = prefix % 8;
	if (memcmp(a->addr, b->addr, (size_t)full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	return ((a->addr[full] ^ b->addr[full]) &
	    (unsigned char)(0xff << (8 - rem))) == 0;
}

/* Count a DNS-querying term (4.6.4); M_PERMERROR past the limit. */
