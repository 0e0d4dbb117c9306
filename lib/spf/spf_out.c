/*
 * spf_out.c - what an evaluation says: result names, the explanation
 * (RFC 7208 6.2 exp= and our own words), the Received-SPF field value
 * (section 9.1) and the Authentication-Results fragment (RFC 8601 2.7.2).
 * Every value written into a header is a dot-atom or a quoted-string and
 * every comment is escaped, so no input can add a field or a property.
 */
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

#define OUT_MAX 8192

static const char *const result_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror"
};

const char *
vouch_spf_result_name(enum vouch_spf_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "permerror";
	return result_names[r];
}

const char *
vouch_spf_identity_name(enum vouch_spf_identity id)
{
	return id == VOUCH_SPF_HELO ? "helo" : "mailfrom";
}

/* Comment text from up to five pieces (NULL: fewer), each escaped
 * where it goes: the same octets as escaping them joined. */
static int
comment_of(struct vouch__buf *b, const char *p1, const char *p2,
    const char *p3, const char *p4, const char *p5)
{
	const char *p[] = { p1, p2, p3, p4, p5 };
	size_t i;
	int rc = 0;

	for (i = 0; i < 5 && p[i] != NULL && rc == 0; i++)
		rc = vouch__hdr_comment(b, p[i]);
	return rc;
}

/* The comment's words (as in the section 9.1 examples). */
static int
comment_words(struct spf_ctx *ctx, struct vouch__buf *b)
{
	const struct vouch_spf_eval *ev = ctx->ev;
	const char *s = ctx->sender, *ip = ctx->ip_c;
	const char *err = ev->error ? ev->error : "";

	switch (ev->result) {
	case VOUCH_SPF_PASS:
		return comment_of(b, "domain of ", s, " designates ", ip,
		    " as permitted sender");
	case VOUCH_SPF_FAIL:
		return comment_of(b, "domain of ", s, " does not designate ",
		    ip, " as permitted sender");
	case VOUCH_SPF_SOFTFAIL:
		return comment_of(b, "domain of transitioning ", s,
		    " does not designate ", ip, " as permitted sender");
	case VOUCH_SPF_NEUTRAL:
		return comment_of(b, ip, " is neither permitted nor denied by "
		    "domain of ", s, NULL, NULL);
	case VOUCH_SPF_NONE:
		return comment_of(b, "domain of ", s, " does not designate "
		    "permitted sender hosts", NULL, NULL);
	case VOUCH_SPF_TEMPERROR:
		return comment_of(b, "error in processing during lookup of ",
		    s, ": ", err, NULL);
	default:
		return comment_of(b, "permanent error in processing domain "
		    "of ", s, ": ", err, NULL);
	}
}

static int
build_received_spf(struct spf_ctx *ctx)
{
	const struct vouch_spf_eval *ev = ctx->ev;
	const char *mf = ctx->req->mail_from ? ctx->req->mail_from : "";
	struct vouch__buf b;
	int rc;

	vouch__buf_init(&b, OUT_MAX);
	if ((rc = vouch__buf_puts(&b, vouch_spf_result_name(ev->result))) ==
	    0 && (rc = vouch__buf_puts(&b, " (")) == 0 &&
	    (rc = vouch__hdr_comment(&b, ctx->receiver)) == 0 &&
	    (rc = vouch__buf_puts(&b, ": ")) == 0 &&
	    (rc = comment_words(ctx, &b)) == 0)
		rc = vouch__buf_puts(&b, ") client-ip=");
	if (rc == 0 && (rc = vouch__hdr_value(&b, ctx->ip_c)) == 0 &&
	    (rc = vouch__buf_puts(&b, "; envelope-from=")) == 0 &&
	    (rc = vouch__hdr_value(&b, mf)) == 0 &&
	    (ctx->helo[0] == '\0' ||
	    ((rc = vouch__buf_puts(&b, "; helo=")) == 0 &&
	    (rc = vouch__hdr_value(&b, ctx->helo)) == 0)) &&
	    (rc = vouch__buf_puts(&b, "; receiver=")) == 0 &&
	    (rc = vouch__hdr_value(&b, ctx->receiver)) == 0 &&
	    (rc = vouch__buf_puts(&b, "; identity=")) == 0)
		rc = vouch__buf_puts(&b, vouch_spf_identity_name(
		    ev->identity));
	if (rc == 0 && ev->mechanism != NULL &&
	    (rc = vouch__buf_puts(&b, "; mechanism=")) == 0)
		rc = vouch__hdr_value(&b, ev->mechanism);
	if (rc == 0 && ev->error != NULL &&
	    (rc = vouch__buf_puts(&b, "; problem=")) == 0)
		rc = vouch__hdr_value(&b, ev->error);
	if (rc == 0 && (rc = vouch__buf_putc(&b, ';')) == 0)
		ctx->ev->received_spf = vouch__arena_memdup(&ctx->arena,
		    b.data, b.len);
	vouch__buf_free(&b);
	if (rc == VOUCH_ELIMIT)
		rc = 0;		/* absurdly long inputs: leave it out */
	return rc == 0 && ev->received_spf == NULL ? VOUCH_ENOMEM : rc;
}

static int
build_authres(struct spf_ctx *ctx)
{
	struct vouch__buf b;
	int helo = ctx->ev->identity == VOUCH_SPF_HELO, rc;

	vouch__buf_init(&b, OUT_MAX);
	if ((rc = vouch__buf_puts(&b, "spf=")) == 0 &&
	    (rc = vouch__buf_puts(&b, vouch_spf_result_name(
	    ctx->ev->result))) == 0)
		rc = vouch__buf_puts(&b, helo ? " smtp.helo=" :
		    " smtp.mailfrom=");
	if (rc == 0)
		rc = vouch__hdr_pvalue(&b, helo ? ctx->helo : ctx->sender);
	if (rc == 0)
		ctx->ev->authres = vouch__arena_memdup(&ctx->arena, b.data,
		    b.len);
	vouch__buf_free(&b);
	if (rc == VOUCH_ELIMIT)
		rc = 0;
	return rc == 0 && ctx->ev->authres == NULL ? VOUCH_ENOMEM : rc;
}

/* Expand an explain-string; non-zero when it is not one. */
static int
expand_text(struct spf_ctx *ctx, const char *domain, const char *text,
    size_t len, const char **out)
{
	struct vouch__buf b;
	char why[256];
	size_t i;
	int rc;

	if (vouch__spf_macro_check(text, len, 1, 0, why, sizeof(why)) ||
	    memchr(text, '\0', len) != NULL)
		return VOUCH_ESYNTAX;
	vouch__buf_init(&b, SPF_EXPAND_MAX);
	rc = vouch__spf_macro_expand(ctx, domain, text, 1, &b);
	if (rc == 0) {
		for (i = 0; i < b.len; i++)
			if ((unsigned char)b.data[i] < 0x20)
				b.data[i] = '?';
		*out = vouch__arena_strdup(&ctx->arena, b.data);
		if (*out == NULL)
			rc = VOUCH_ENOMEM;
	}
	vouch__buf_free(&b);
	return rc;
}

/* 6.2: the exp= text of the deciding record, if it has a usable one. */
static int
domain_explanation(struct spf_ctx *ctx, const struct spf_record *rec,
    const char **out)
{
	struct vouch_dns_answer *ans = NULL;
	struct vouch__buf b;
	const char *name;
	int rc;

	*out = NULL;
	if (rec == NULL || rec->exp == NULL)
		return 0;
	vouch__buf_init(&b, SPF_EXPAND_MAX);
	rc = vouch__spf_macro_expand(ctx, rec->domain, rec->exp->arg, 0, &b);
	name = rc == 0 ? vouch__spf_domain_trim(&b) : "";
	if (rc == 0 && vouch__spf_domain_ok(name))
		rc = vouch__spf_query(ctx, name, VOUCH_DNS_TXT, &ans);
	vouch__buf_free(&b);
	/* Any DNS error, no record or several: as if no exp= was given. */
	if (rc == 0 && ans != NULL && ans->status == VOUCH_DNS_FOUND &&
	    ans->count == 1 && ans->rr[0].type == VOUCH_DNS_TXT) {
		rc = expand_text(ctx, rec->domain, ans->rr[0].u.txt.data,
		    ans->rr[0].u.txt.len, out);
		if (rc == VOUCH_ESYNTAX)
			rc = 0;
	}
	vouch_dns_answer_free(ans);
	return rc == VOUCH_ENOMEM ? rc : 0;
}

static int
fail_explanation(struct spf_ctx *ctx, const struct spf_record *exp_rec)
{
	const char *def = ctx->default_exp ? ctx->default_exp :
	    "%{i} is not one of %{d}'s designated mail servers";
	const char *dom = exp_rec ? exp_rec->domain : ctx->top_domain;
	int rc;

	rc = domain_explanation(ctx, exp_rec, &ctx->ev->explanation);
	if (rc != 0 || ctx->ev->explanation != NULL)
		return rc;
	rc = expand_text(ctx, dom, def, strlen(def), &ctx->ev->explanation);
	if (rc == VOUCH_ESYNTAX) {
		ctx->ev->explanation = def;
		rc = 0;
	}
	return rc;
}

/* The parts, joined, in the arena (a pass is most checks: no printf). */
static char *
join(struct vouch__arena *a, const char *const *part, size_t n)
{
	size_t i, len = 0, k;
	char *o;

	for (i = 0; i < n; i++)
		len += strlen(part[i]);
	if ((o = vouch__arena_alloc(a, len + 1)) == NULL)
		return NULL;
	for (i = 0, len = 0; i < n; i++) {
		k = strlen(part[i]);
		memcpy(o + len, part[i], k);
		len += k;
	}
	o[len] = '\0';
	return o;
}

static int
words(struct spf_ctx *ctx)
{
	const struct vouch_spf_eval *ev = ctx->ev;
	const char *m = ev->mechanism, *md = ctx->match_domain;
	char buf[1024];

	switch (ev->result) {
	case VOUCH_SPF_PASS: {
		const char *part[] = { ctx->ip_c, " is authorized to send "
		    "mail for ", ctx->top_domain, " by '", m ? m : "?",
		    "' in the SPF record of ", md ? md : ctx->top_domain };

		ctx->ev->explanation = join(&ctx->arena, part,
		    sizeof(part) / sizeof(part[0]));
		return ctx->ev->explanation == NULL ? VOUCH_ENOMEM : 0;
	}
	case VOUCH_SPF_SOFTFAIL:
	case VOUCH_SPF_NEUTRAL:
		if (m != NULL)
			snprintf(buf, sizeof(buf), "%s is not authorized to "
			    "send mail for %s, but '%s' in the SPF record of "
			    "%s asks for %s, not fail", ctx->ip_c,
			    ctx->top_domain, m, md ? md : ctx->top_domain,
			    vouch_spf_result_name(ev->result));
		else
			snprintf(buf, sizeof(buf), "no mechanism of the SPF "
			    "record of %s matched %s: neutral (RFC 7208 4.7)",
			    ctx->top_domain, ctx->ip_c);
		break;
	case VOUCH_SPF_NONE:
		snprintf(buf, sizeof(buf), vouch__spf_domain_ok(
		    ctx->top_domain) ? "%s publishes no SPF record" :
		    "'%s' is not a domain that can have an SPF record",
		    ctx->top_domain);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s", ev->error ? ev->error :
		    "SPF evaluation failed");
		break;
	}
	ctx->ev->explanation = vouch__arena_strdup(&ctx->arena, buf);
	return ctx->ev->explanation == NULL ? VOUCH_ENOMEM : 0;
}

int
vouch__spf_finish_output(struct spf_ctx *ctx,
    const struct spf_record *exp_rec)
{
	struct vouch_spf_eval *ev = ctx->ev;
	int rc;

	ev->dns_lookups = ctx->dns_terms;
	ev->void_lookups = ctx->void_lookups;
	ev->mechanism = ctx->match ? ctx->match->text : NULL;
	if (ev->result == VOUCH_SPF_TEMPERROR ||
	    ev->result == VOUCH_SPF_PERMERROR) {
		ev->error = ctx->error ? ctx->error : "SPF evaluation failed";
		ev->mechanism = NULL;
	}
	if (ev->result == VOUCH_SPF_NONE)
		ev->mechanism = NULL;
	rc = ev->result == VOUCH_SPF_FAIL ? fail_explanation(ctx, exp_rec) :
	    words(ctx);
	if (rc == 0 && !ctx->no_received_spf)
		rc = build_received_spf(ctx);
	if (rc == 0)
		rc = build_authres(ctx);
	ev->steps = ctx->steps;
	ev->nsteps = ctx->nsteps;
	return rc;
}
