/*
 * fuzz_spf_macro.c - the SPF macro checker and expander (RFC 7208 7).
 * The first byte selects exp/domain mode; the rest is the macro-string.
 * Whatever the checker accepts is expanded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vouch_spf_request req;
	struct spf_ctx ctx;
	struct vouch__buf b;
	char why[256], *s;
	int exp, domain;

	if (size < 1 || size > 4096)
		return 0;
	exp = data[0] & 1;
	domain = (data[0] >> 1) & 1;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (vouch__spf_macro_check(s, strlen(s), exp, domain, why,
	    sizeof(why)) == 0 && strchr(s, 'p') == NULL &&
	    strchr(s, 'P') == NULL) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.req = &req;
		ctx.sender = "a.b-c+d@x.example.com";
		ctx.local = "a.b-c+d";
		ctx.sender_domain = "x.example.com";
		ctx.helo = "h.example.org";
		ctx.receiver = "r.example.net";
		vouch_ip_parse("192.0.2.1", &ctx.ip);
		memcpy(ctx.ip_c, "192.0.2.1", 10);
		memcpy(ctx.ip_i, "192.0.2.1", 10);
		vouch__arena_init(&ctx.arena, 0);
		vouch__buf_init(&b, SPF_EXPAND_MAX);
		if (vouch__spf_macro_expand(&ctx, "d.example.com", s, exp,
		    &b) == 0)
			(void)vouch__spf_domain_trim(&b);
		vouch__buf_free(&b);
		vouch__arena_free(&ctx.arena);
	}
	free(s);
	return 0;
}
