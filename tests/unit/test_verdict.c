/*
 * test_verdict.c - the receiver's decision end to end
 * (include/vouch/verdict.h): SPF, DKIM and DMARC over an in-memory zone,
 * the action and SMTP reply, the Authentication-Results value and the
 * per-message DNS budget.
 *
 * Expectations come from verdict.h's documented action table (RFC 9989
 * 5.3.6 / 7.2), RFC 5321 4.2 and RFC 3463 for replies, RFC 8601 for the
 * header, RFC 9989 3.2.4 / 4.4.2 for which SPF identity DMARC uses and
 * SECURITY.md ("a hostile message ... ends in temperror, never in a
 * pass").  DKIM signatures are made here with the library's signer and a
 * freshly generated Ed25519 key whose record is published in the zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vouch/authres.h>
#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/msg.h>
#include <vouch/verdict.h>

#include "failalloc.h"
#include "testutil.h"

#define CLIENT "192.0.2.10"
#define AUTHSERV "mx.example.net"
#define NOW 1700000000

/* SPF for example.com, other.example (unaligned pass), the HELO name and
 * an include chain of nine names; DMARC records; a slow _dmarc name. */
static const char zone_base[] =
    "example.com. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n"
    "other.example. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "fail.example. TXT \"v=spf1 -all\"\n"
    "helo.example.com. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.quar.example. TXT \"v=DMARC1; p=quarantine\"\n"
    "$TIMEOUT _dmarc.slow.example.\n"
    "slow.example. A 192.0.2.20\n"
    "chain.example. TXT \"v=spf1 include:c1.chain.example -all\"\n"
    "c1.chain.example. TXT \"v=spf1 include:c2.chain.example -all\"\n"
    "c2.chain.example. TXT \"v=spf1 include:c3.chain.example -all\"\n"
    "c3.chain.example. TXT \"v=spf1 include:c4.chain.example -all\"\n"
    "c4.chain.example. TXT \"v=spf1 include:c5.chain.example -all\"\n"
    "c5.chain.example. TXT \"v=spf1 include:c6.chain.example -all\"\n"
    "c6.chain.example. TXT \"v=spf1 include:c7.chain.example -all\"\n"
    "c7.chain.example. TXT \"v=spf1 include:c8.chain.example -all\"\n"
    "c8.chain.example. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.chain.example. TXT \"v=DMARC1; p=reject\"\n";

#define MSG_REST \
    "To: ann@example.org\r\n" \
    "Subject: quarterly figures\r\n" \
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n" \
    "Message-ID: <1@example.com>\r\n" \
    "\r\n" \
    "Hello Ann,\r\n" \
    "\r\n" \
    "the figures are attached.  Lines of some length follow, so\r\n" \
    "that odd chunk sizes cut them in many places.\r\n" \
    "\r\n" \
    "Joe\r\n"

static const char msg_example[] = "From: Joe <joe@example.com>\r\n" MSG_REST;

static struct {
	struct vouch_dkim_key *k1, *k2;
	char *zone;		/* zone_base and both key records */
	char *signed1;		/* msg_example signed by k1 */
	char *signed2;		/* signed by k1 and k2 */
} g;

struct vrun {
	struct vouch_dns *dns;
	struct vouch_msg *msg;
	struct vouch_verdict_ctx *c;
	const struct vouch_verdict *v;
};

/* ---- set-up -------------------------------------------------------------- */

static char *
cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 1);

	assert_non_null(p);
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

static char *
add_key(char *zone, const char *sel, const struct vouch_dkim_key *k)
{
	char *rec, line[1024], *z;

	assert_int_equal(vouch_dkim_key_record(k, &rec), 0);
	(void)snprintf(line, sizeof(line),
	    "%s._domainkey.example.com. TXT \"%s\"\n", sel, rec);
	free(rec);
	z = cat(zone, line);
	free(zone);
	return z;
}

/* text with the DKIM-Signature fields of specs put on top. */
static char *
sign(const char *text, const struct vouch_dkim_signer *specs, size_t n)
{
	struct vouch_dkim_sign *s = NULL;
	struct vouch_error err;
	struct vouch_msg *m;
	char *out = cat("", text), *t;
	size_t off, i;

	m = tu_parse_msg(text, &off);
	if (vouch_dkim_sign_new(specs, n, NOW, &s, &err) != 0 ||
	    vouch_dkim_sign_header(s, m, &err) != 0 ||
	    vouch_dkim_sign_body(s, text + off, strlen(text) - off) != 0 ||
	    vouch_dkim_sign_finish(s, &err) != 0)
		fail_msg("signing: %s", err.msg);
	for (i = n; i-- > 0;) {
		t = cat(vouch_dkim_sign_field(s, i), out);
		free(out);
		out = t;
	}
	vouch_dkim_sign_free(s);
	vouch_msg_free(m);
	return out;
}

static int
setup(void **state)
{
	struct vouch_error err;
	struct vouch_dkim_signer sp[2] = {
		{ .domain = "example.com", .selector = "sel1" },
		{ .domain = "example.com", .selector = "sel2" } };

	(void)state;
	if (vouch_dkim_key_generate(VOUCH_DKIM_KEY_ED25519, 0, &g.k1,
	    &err) != 0 || vouch_dkim_key_generate(VOUCH_DKIM_KEY_ED25519, 0,
	    &g.k2, &err) != 0)
		return -1;
	g.zone = add_key(add_key(cat("", zone_base), "sel1", g.k1), "sel2",
	    g.k2);
	sp[0].key = g.k1;
	sp[1].key = g.k2;
	g.signed1 = sign(msg_example, sp, 1);
	g.signed2 = sign(msg_example, sp, 2);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	vouch_dkim_key_free(g.k1);
	vouch_dkim_key_free(g.k2);
	free(g.zone);
	free(g.signed1);
	free(g.signed2);
	memset(&g, 0, sizeof(g));
	return 0;
}

/* ---- running ------------------------------------------------------------- */

static void
opts_init(struct vouch_verdict_options *o)
{
	memset(o, 0, sizeof(*o));
	o->authserv_id = AUTHSERV;
	o->dkim.now = NOW;
}

static struct vouch_verdict_envelope
envelope(const char *mail_from, const char *helo)
{
	struct vouch_verdict_envelope e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(vouch_ip_parse(CLIENT, &e.ip), 0);
	e.mail_from = mail_from;
	e.helo = helo;
	e.receiver = AUTHSERV;
	return e;
}

static struct vouch_dns *
zone(void)
{
	struct vouch_dns *dns = NULL;
	struct vouch_error err;

	if (vouch_dns_zone_new_text(g.zone, strlen(g.zone), NULL, &dns,
	    &err) != 0)
		fail_msg("zone: %s", err.msg);
	return dns;
}

static void
done(struct vrun *r)
{
	vouch_verdict_free(r->c);
	vouch_msg_free(r->msg);
	vouch_dns_free(r->dns);
	memset(r, 0, sizeof(*r));
}

/*
 * The whole message through one context; the body in chunks whose sizes
 * cycle through chunks (0-ended), or whole when chunks is NULL.
 */
static const struct vouch_verdict *
run(struct vrun *r, const struct vouch_verdict_options *o,
    const struct vouch_verdict_envelope *e, const char *text,
    const size_t *chunks)
{
	struct vouch_error err;
	size_t off, len = strlen(text), i = 0, n;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&err, 0, sizeof(err));
	r->dns = zone();
	r->msg = tu_parse_msg(text, &off);
	if ((rc = vouch_verdict_new(r->dns, o, e, &r->c, &err)) != 0 ||
	    (rc = vouch_verdict_header(r->c, r->msg, &err)) != 0) {
		done(r);
		fail_msg("verdict: %s (%s)", vouch_strerror(rc), err.msg);
	}
	while (off < len) {
		n = chunks == NULL ? len - off : chunks[i];
		if (n > len - off)
			n = len - off;
		assert_int_equal(vouch_verdict_body(r->c, text + off, n), 0);
		off += n;
		if (chunks != NULL && chunks[++i] == 0)
			i = 0;
	}
	if ((rc = vouch_verdict_finish(r->c, &r->v, &err)) != 0) {
		done(r);
		fail_msg("finish: %s (%s)", vouch_strerror(rc), err.msg);
	}
	assert_non_null(r->v);
	assert_non_null(r->v->reason);
	assert_non_null(r->v->authres);
	return r->v;
}


/* r's action and DMARC result; r is released before a failure. */
static void
action_is(struct vrun *r, enum vouch_verdict_action a,
    enum vouch_dmarc_result d)
{
	const struct vouch_verdict *v = r->v;
	char why[2048];

	if (v->action == a && v->dmarc->result == d)
		return;
	(void)snprintf(why, sizeof(why), "action %s dmarc=%s, want %s "
	    "dmarc=%s -- %s", vouch_verdict_action_name(v->action),
	    vouch_dmarc_result_name(v->dmarc->result),
	    vouch_verdict_action_name(a), vouch_dmarc_result_name(d),
	    v->reason);
	done(r);
	fail_msg("%s", why);
}

/* How many results of method the A-R value holds, and the result word of
 * the last one. */
static size_t
ar_count(const char *value, const char *method, const char **last)
{
	struct vouch_authres *ar = NULL;
	struct vouch_error err;
	size_t i, n = 0;

	if (vouch_authres_parse(value, strlen(value), &ar, &err) != 0)
		fail_msg("A-R \"%s\" does not parse: %s", value, err.msg);
	assert_string_equal(ar->authserv_id, AUTHSERV);
	for (i = 0; i < ar->nresults; i++) {
		if (strcmp(ar->results[i].method, method) != 0)
			continue;
		n++;
		if (last != NULL) {
			static char word[32];

			(void)snprintf(word, sizeof(word), "%s",
			    ar->results[i].result);
			*last = word;
		}
	}
	vouch_authres_free(ar);
	return n;
}

/* ---- actions (verdict.h) ------------------------------------------------- */

#define FROM(domain) "From: joe@" domain "\r\n" MSG_REST

/* The message text from MAIL FROM mail_from (and HELO helo) with options
 * o (NULL: the defaults); demands the action and the DMARC result. */
static const struct vouch_verdict *
verdict_is(struct vrun *r, const struct vouch_verdict_options *o,
    const char *mail_from, const char *helo, const char *text,
    enum vouch_verdict_action a, enum vouch_dmarc_result d)
{
	struct vouch_verdict_envelope e = envelope(mail_from, helo);
	struct vouch_verdict_options def;

	if (o == NULL) {
		opts_init(&def);
		o = &def;
	}
	(void)run(r, o, &e, text, NULL);
	action_is(r, a, d);
	return r->v;
}

static void
reply_is(const struct vouch_verdict *v, const char *code, const char *xcode,
    const char *text)
{
	char whole[512];

	(void)snprintf(whole, sizeof(whole), "%s %s %s", code, xcode, text);
	assert_non_null(v->smtp_reply);
	assert_string_equal(v->smtp_reply, whole);
	assert_string_equal(v->smtp_code, code);
	assert_string_equal(v->smtp_xcode, xcode);
	assert_string_equal(v->smtp_text, text);
}

static void
test_accept_spf_aligned(void **state)
{
	const struct vouch_verdict *v;
	struct vrun r;

	(void)state;
	v = verdict_is(&r, NULL, "joe@example.com", NULL, msg_example,
	    VOUCH_VERDICT_ACCEPT, VOUCH_DMARC_PASS);
	assert_int_equal(v->spf->result, VOUCH_SPF_PASS);
	assert_true(v->dmarc->spf_aligned);
	assert_null(v->smtp_reply);
	assert_null(v->spf_helo);
	assert_false(v->dns_budget_spent);
	assert_true(v->dns_queries > 0);
	done(&r);
}

/* "dmarc=fail, disposition reject -> reject" with the default reply. */
static void
test_reject_default_reply(void **state)
{
	struct vouch_verdict_options o;
	const struct vouch_verdict *v;
	struct vrun r;

	(void)state;
	v = verdict_is(&r, NULL, "bounce@other.example", NULL, msg_example,
	    VOUCH_VERDICT_REJECT, VOUCH_DMARC_FAIL);
	assert_int_equal(v->spf->result, VOUCH_SPF_PASS);
	assert_false(v->dmarc->spf_aligned);
	reply_is(v, "550", "5.7.1", "DMARC unauthenticated mail is prohibited");
	done(&r);
	/* A custom reply is split the same way. */
	opts_init(&o);
	o.reject_reply = "554 5.7.9 Go away";
	v = verdict_is(&r, &o, "bounce@other.example", NULL, msg_example,
	    VOUCH_VERDICT_REJECT, VOUCH_DMARC_FAIL);
	reply_is(v, "554", "5.7.9", "Go away");
	done(&r);
}

/* verdict.h: "The code must be 5xx and 4xx respectively, the enhanced
 * code 5.x.x / 4.x.x (RFC 3463)"; RFC 5321 4.2 reply lines hold no
 * CR or LF. */
static void
bad_reply(const char *rej, const char *tmp)
{
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope e = envelope("joe@example.com", NULL);
	struct vouch_verdict_ctx *c = NULL;
	struct vouch_dns *dns = zone();
	struct vouch_error err;
	int rc;

	opts_init(&o);
	o.reject_reply = rej;
	o.tempfail_reply = tmp;
	memset(&err, 0, sizeof(err));
	rc = vouch_verdict_new(dns, &o, &e, &c, &err);
	vouch_verdict_free(c);
	vouch_dns_free(dns);
	if (rc != VOUCH_EINVAL || c != NULL || err.msg[0] == '\0')
		fail_msg("reply \"%s\" / \"%s\" accepted", rej ? rej : "",
		    tmp ? tmp : "");
}

static void
test_bad_replies(void **state)
{
	(void)state;
	bad_reply("550 text", NULL);
	bad_reply("450 4.7.1 x", NULL);
	bad_reply("550 5.7.1", NULL);
	bad_reply("550 5.7.1 a\r\nb", NULL);
	bad_reply("550 4.7.1 class differs", NULL);
	bad_reply(NULL, "550 5.7.1 not a 4xx");
	bad_reply(NULL, "451 5.7.1 class differs");
	bad_reply(NULL, "451 4.7.1 a\nb");
}

static void
test_quarantine(void **state)
{
	const struct vouch_verdict *v;
	struct vrun r;

	(void)state;
	v = verdict_is(&r, NULL, "bounce@other.example", NULL,
	    FROM("quar.example"), VOUCH_VERDICT_QUARANTINE, VOUCH_DMARC_FAIL);
	assert_null(v->smtp_reply);
	done(&r);
	/* No DMARC record: accept. */
	(void)verdict_is(&r, NULL, "bounce@other.example", NULL,
	    FROM("nodmarc.example"), VOUCH_VERDICT_ACCEPT, VOUCH_DMARC_NONE);
	done(&r);
}

/* "dmarc=temperror -> tempfail when tempfail_on_dns_error (default),
 * else accept"; RFC 9989 4.10.1: "temporarily rejected (i.e., an SMTP
 * 4yx reply)". */
static void
test_temperror(void **state)
{
	struct vouch_verdict_options o;
	const struct vouch_verdict *v;
	struct vrun r;

	(void)state;
	v = verdict_is(&r, NULL, "bounce@other.example", NULL,
	    FROM("slow.example"), VOUCH_VERDICT_TEMPFAIL,
	    VOUCH_DMARC_TEMPERROR);
	assert_non_null(v->smtp_reply);
	assert_string_equal(v->smtp_reply, VOUCH_VERDICT_TEMPFAIL_REPLY);
	assert_int_equal(v->smtp_code[0], '4');
	assert_int_equal(strncmp(v->smtp_xcode, "4.", 2), 0);
	done(&r);
	opts_init(&o);
	o.no_tempfail = 1;
	v = verdict_is(&r, &o, "bounce@other.example", NULL,
	    FROM("slow.example"), VOUCH_VERDICT_ACCEPT, VOUCH_DMARC_TEMPERROR);
	assert_null(v->smtp_reply);
	done(&r);
}

/* ---- the calling contract ------------------------------------------------ */

static void
test_missing_authserv_id(void **state)
{
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope e = envelope("joe@example.com", NULL);
	struct vouch_verdict_ctx *c = NULL;
	struct vouch_dns *dns = zone();
	struct vouch_error err;

	(void)state;
	opts_init(&o);
	o.authserv_id = NULL;
	memset(&err, 0, sizeof(err));
	assert_int_equal(vouch_verdict_new(dns, &o, &e, &c, &err),
	    VOUCH_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.msg, "authserv"));
	o.authserv_id = "";
	assert_int_equal(vouch_verdict_new(dns, &o, &e, &c, &err),
	    VOUCH_EINVAL);
	assert_null(c);
	vouch_dns_free(dns);
}

static void
test_out_of_order(void **state)
{
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope e = envelope("joe@example.com", NULL);
	struct vouch_verdict_ctx *c = NULL;
	const struct vouch_verdict *v = NULL;
	struct vouch_dns *dns = zone();
	struct vouch_msg *m;
	struct vouch_error err;
	size_t off;

	(void)state;
	opts_init(&o);
	m = tu_parse_msg(msg_example, &off);
	if (vouch_verdict_new(dns, &o, &e, &c, &err) != 0) {
		vouch_msg_free(m);
		vouch_dns_free(dns);
		fail_msg("verdict: %s", err.msg);
	}
	/* Body and finish before the header. */
	assert_int_equal(vouch_verdict_body(c, "x", 1), VOUCH_EINVAL);
	assert_int_equal(vouch_verdict_finish(c, &v, &err), VOUCH_EINVAL);
	assert_null(v);
	assert_int_equal(vouch_verdict_header(c, m, &err), 0);
	/* The header once only. */
	assert_int_equal(vouch_verdict_header(c, m, &err), VOUCH_EINVAL);
	assert_int_equal(vouch_verdict_body(c, msg_example + off,
	    strlen(msg_example) - off), 0);
	assert_int_equal(vouch_verdict_finish(c, &v, &err), 0);
	assert_non_null(v);
	/* Nothing after finish. */
	assert_int_equal(vouch_verdict_body(c, "x", 1), VOUCH_EINVAL);
	assert_int_equal(vouch_verdict_finish(c, &v, &err), VOUCH_EINVAL);
	vouch_verdict_free(c);
	vouch_msg_free(m);
	vouch_dns_free(dns);
}

/* ---- Authentication-Results (RFC 8601) ----------------------------------- */

/* verdict.h: "The Authentication-Results field value ... starting with a
 * space"; RFC 8601 2.2: authserv-id, then the resinfos; one dkim result
 * per signature, dkim=none without one (2.7.1). */
static void
test_authres_value(void **state)
{
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope e = envelope("joe@example.com",
	    "helo.example.com");
	const struct vouch_verdict *v;
	const char *w = NULL;
	struct vrun r;

	(void)state;
	opts_init(&o);
	v = run(&r, &o, &e, msg_example, NULL);
	assert_int_equal(strncmp(v->authres, " " AUTHSERV ";",
	    strlen(" " AUTHSERV ";")), 0);
	assert_true(ar_count(v->authres, "spf", NULL) >= 1);
	assert_int_equal(ar_count(v->authres, "dkim", &w), 1);
	assert_string_equal(w, "none");
	assert_int_equal(ar_count(v->authres, "dmarc", &w), 1);
	assert_string_equal(w, "pass");
	done(&r);
	v = run(&r, &o, &e, g.signed2, NULL);
	assert_int_equal(ar_count(v->authres, "dkim", &w), 2);
	assert_string_equal(w, "pass");
	assert_int_equal(ar_count(v->authres, "dmarc", &w), 1);
	assert_string_equal(w, "pass");
	done(&r);
}

/* SECURITY.md: several author domains that disagree never yield a
 * dmarc=pass, not even one of several results in the A-R.  example.com
 * passes (aligned SPF), quar.example fails: one dmarc=fail, no pass. */
static void
test_authres_authors_disagree(void **state)
{
	static const char two[] = "From: joe@example.com, eve@quar.example"
	    "\r\n" MSG_REST;
	const struct vouch_verdict *v;
	const char *w = NULL;
	struct vrun r;

	(void)state;
	v = verdict_is(&r, NULL, "joe@example.com", NULL, two,
	    VOUCH_VERDICT_QUARANTINE, VOUCH_DMARC_FAIL);
	assert_int_equal(v->dmarc->nauthors, 2);
	assert_int_equal(ar_count(v->authres, "dmarc", &w), 1);
	assert_string_equal(w, "fail");
	assert_null(strstr(v->authres, "dmarc=pass"));
	done(&r);
}

/* ---- which SPF identity DMARC uses --------------------------------------- */

/* RFC 9989 4.4.2: "DMARC relies solely on SPF validation of the MAIL
 * FROM identity": a passing HELO identity in the author's organization
 * aligns nothing when MAIL FROM is another domain. */
static void
test_helo_never_aligns(void **state)
{
	const struct vouch_verdict *v;
	struct vrun r;

	(void)state;
	v = verdict_is(&r, NULL, "bounce@fail.example", "helo.example.com",
	    msg_example, VOUCH_VERDICT_REJECT, VOUCH_DMARC_FAIL);
	assert_non_null(v->spf_helo);
	assert_int_equal(v->spf_helo->result, VOUCH_SPF_PASS);
	assert_int_equal(v->spf->result, VOUCH_SPF_FAIL);
	done(&r);
}

/* RFC 9989 3.2.4: for "a null path, i.e., the mailbox composed of the
 * local-part postmaster and the HELO identity" is the MAIL FROM
 * identity, and "SPF Domain ... refers to an SPF-validated MAIL FROM
 * identity" (likewise RFC 7489 3.1.2: HELO is used "when required to
 * fake an otherwise null reverse-path").  So MAIL FROM <> with HELO
 * example.com passing SPF has the SPF Domain example.com. */
static void
test_null_path_spf_domain(void **state)
{
	struct vrun r;

	(void)state;
	(void)verdict_is(&r, NULL, "", "example.com", msg_example,
	    VOUCH_VERDICT_ACCEPT, VOUCH_DMARC_PASS);
	done(&r);
}

/* ---- the DNS budget (verdict.h, SECURITY.md) ----------------------------- */

/* "once it is spent every further query answers RETRY ... so a hostile
 * message costs at most that much and ends in temperror, never in a
 * pass". */
static void
test_dns_budget(void **state)
{
	struct vouch_verdict_options o;
	const struct vouch_verdict *v;
	struct vrun r;

	(void)state;
	/* With the default budget the chain passes SPF, aligned. */
	v = verdict_is(&r, NULL, "bounce@chain.example", NULL,
	    FROM("chain.example"), VOUCH_VERDICT_ACCEPT, VOUCH_DMARC_PASS);
	assert_false(v->dns_budget_spent);
	done(&r);
	opts_init(&o);
	o.dns_queries = 4;
	v = verdict_is(&r, &o, "bounce@chain.example", NULL,
	    FROM("chain.example"), VOUCH_VERDICT_TEMPFAIL,
	    VOUCH_DMARC_TEMPERROR);
	assert_true(v->dns_budget_spent);
	assert_int_equal(v->dns_queries, 4);
	assert_int_equal(v->spf->result, VOUCH_SPF_TEMPERROR);
	done(&r);
}

/* ---- streaming (SECURITY.md: "any chunking gives the same result") ------- */

static void
same_in_chunks(const char *text, enum vouch_verdict_action want)
{
	static const size_t pat1[] = { 1, 0 }, pat2[] = { 3, 7, 1, 13, 0 },
	    pat3[] = { 64, 2, 0 };
	static const size_t *const pats[] = { pat1, pat2, pat3 };
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope e = envelope("bounce@other.example",
	    NULL);
	const struct vouch_verdict *v;
	struct vrun whole, r;
	size_t i;

	opts_init(&o);
	v = run(&whole, &o, &e, text, NULL);
	assert_int_equal(v->action, want);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		v = run(&r, &o, &e, text, pats[i]);
		assert_int_equal(v->action, whole.v->action);
		assert_int_equal(v->dmarc->result, whole.v->dmarc->result);
		assert_string_equal(v->authres, whole.v->authres);
		done(&r);
	}
	done(&whole);
}

static void
test_body_chunks(void **state)
{
	static char bad[4096];
	char *p;

	(void)state;
	/* DKIM d=example.com aligns; MAIL FROM does not. */
	same_in_chunks(g.signed1, VOUCH_VERDICT_ACCEPT);
	/* One body byte changed: the signature fails, p=reject. */
	assert_true(strlen(g.signed1) < sizeof(bad));
	memcpy(bad, g.signed1, strlen(g.signed1) + 1);
	p = strstr(bad, "figures are");
	assert_non_null(p);
	*p = 'F';
	same_in_chunks(bad, VOUCH_VERDICT_REJECT);
}

/* ---- allocation failure -------------------------------------------------- */

static void
test_failalloc(void **state)
{
	struct vouch_verdict_options o;
	struct vouch_verdict_envelope e = envelope("bounce@other.example",
	    "helo.example.com");
	struct vouch_verdict_ctx *c;
	const struct vouch_verdict *v;
	struct vouch_dns *dns = zone();
	struct vouch_msg *m;
	unsigned long n, total;
	size_t off;
	int rc;

	(void)state;
	opts_init(&o);
	m = tu_parse_msg(g.signed1, &off);
	for (n = 1;; n++) {
		c = NULL;
		failalloc_set(n);
		rc = vouch_verdict_new(dns, &o, &e, &c, NULL);
		if (rc == 0)
			rc = vouch_verdict_header(c, m, NULL);
		if (rc == 0)
			rc = vouch_verdict_body(c, g.signed1 + off,
			    strlen(g.signed1) - off);
		if (rc == 0)
			rc = vouch_verdict_finish(c, &v, NULL);
		total = failalloc_count();
		failalloc_set(0);
		vouch_verdict_free(c);
		if (rc != VOUCH_ENOMEM)
			break;
	}
	vouch_msg_free(m);
	vouch_dns_free(dns);
	/* Done when the run no longer reaches allocation n. */
	if (rc != 0 || n <= total)
		fail_msg("allocation %lu of %lu failing: %s", n, total,
		    vouch_strerror(rc));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_spf_aligned),
		cmocka_unit_test(test_reject_default_reply),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_quarantine),
		cmocka_unit_test(test_temperror),
		cmocka_unit_test(test_missing_authserv_id),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_authres_value),
		cmocka_unit_test(test_authres_authors_disagree),
		cmocka_unit_test(test_helo_never_aligns),
		cmocka_unit_test(test_null_path_spf_domain),
		cmocka_unit_test(test_dns_budget),
		cmocka_unit_test(test_body_chunks),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
