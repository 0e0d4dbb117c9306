/*
 * test_vouchd_milter.c - vouchd's sessions (src/vouchd/milter.h) driven
 * directly, as libmilter would, against an in-memory zone and a fake MTA
 * that records what it is asked: the Authentication-Results field on
 * top, forged ones removed (in decreasing order, before the insert), the
 * reject/quarantine/tempfail actions and replies, monitor mode, the
 * fail-closed refusals, signing, events out of order, aborts, hostile
 * log values and allocation failures.
 *
 * Expected values: verdict.h's action table (RFC 9989 5.3.6 / 7.2) and
 * its default replies, RFC 8601 5 (our authserv-id compared without case;
 * one field of ours on top), RFC 5322 3.6 (exactly one From), RFC 3463
 * codes, SECURITY.md's limits (64 KiB header section, 32 KiB field) and
 * its fail-closed rules, and the replies vouchd(8) documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>

#include "failalloc.h"
#include "log.h"
#include "milter.h"
#include "state.h"
#include "testutil.h"

#define AUTHSERV "mx.test"
#define CLIENT "192.0.2.10"
#define CALLS_MAX 64

/* ---- a fake MTA ----------------------------------------------------------- */

struct call {
	char kind;		/* 'i' insert, 'd' delete, 'r' reply, 'q' */
	unsigned index;
	char name[64];
	char value[4096];
};

struct fake {
	struct call c[CALLS_MAX];
	size_t n;
	int refuse_insert;	/* the MTA refuses smfi_insheader */
};

static struct call *
record(struct fake *f, char kind)
{
	struct call *c;

	assert_true(f->n < CALLS_MAX);
	c = &f->c[f->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

static int
f_insert(void *arg, unsigned index, const char *name, const char *value)
{
	struct fake *f = arg;
	struct call *c;

	if (f->refuse_insert)
		return -1;
	c = record(f, 'i');
	c->index = index;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->value, sizeof(c->value), "%s", value);
	return 0;
}

static int
f_delete(void *arg, const char *name, unsigned idx)
{
	struct call *c = record(arg, 'd');

	c->index = idx;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return 0;
}

static int
f_reply(void *arg, const char *code, const char *xcode, const char *text)
{
	struct call *c = record(arg, 'r');

	snprintf(c->value, sizeof(c->value), "%s %s %s", code, xcode, text);
	return 0;
}

static int
f_quarantine(void *arg, const char *reason)
{
	struct call *c = record(arg, 'q');

	snprintf(c->value, sizeof(c->value), "%s", reason);
	return 0;
}

static struct fake fk;
static const struct vouchd_mta mta = {&fk, f_insert, f_delete, f_reply,
    f_quarantine};

static size_t
count_kind(char kind)
{
	size_t i, n = 0;

	for (i = 0; i < fk.n; i++)
		n += fk.c[i].kind == kind;
	return n;
}

static const struct call *
find_kind(char kind, size_t nth)
{
	size_t i;

	for (i = 0; i < fk.n; i++)
		if (fk.c[i].kind == kind && nth-- == 0)
			return &fk.c[i];
	return NULL;
}

/* ---- the daemon's pieces ------------------------------------------------- */

static struct {
	char dir[64];
	char rsa_rec[1024], ed_rec[256];
	FILE *log;
} g;

static struct vouchd_state st;
static struct vouchd_metrics *metrics;

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g.dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
make_key(enum vouch_dkim_keytype t, const char *name, char *rec, size_t len)
{
	struct vouch_dkim_key *k = NULL;
	char path[128], *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", g.dir, name);
	assert_int_equal(vouch_dkim_key_generate(t, t == VOUCH_DKIM_KEY_RSA ?
	    1024 : 0, &k, NULL), 0);
	assert_int_equal(vouch_dkim_key_write(k, path, NULL), 0);
	assert_int_equal(vouch_dkim_key_record(k, &r), 0);
	assert_true(strlen(r) < len);
	snprintf(rec, len, "%s", r);
	free(r);
	vouch_dkim_key_free(k);
}

static int
group_setup(void **state)
{
	char kt[512];

	(void)state;
	snprintf(g.dir, sizeof(g.dir), "/tmp/vouchd-ut.XXXXXX");
	assert_non_null(mkdtemp(g.dir));
	make_key(VOUCH_DKIM_KEY_RSA, "rsa.pem", g.rsa_rec, sizeof(g.rsa_rec));
	make_key(VOUCH_DKIM_KEY_ED25519, "ed.pem", g.ed_rec,
	    sizeof(g.ed_rec));
	snprintf(kt, sizeof(kt), "rsa sign.test:s1:%s/rsa.pem\n"
	    "ed sign.test:e1:%s/ed.pem\n", g.dir, g.dir);
	write_file("keys", kt);
	write_file("signing", "sign.test rsa,ed\n");
	assert_non_null(g.log = tmpfile());
	assert_int_equal(vouchd_log_open(0, "mail", g.log), 0);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	vouchd_log_close();
	fclose(g.log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char zone_text[] =
    "pass.test. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.pass.test. TXT \"v=DMARC1; p=reject\"\n"
    "quar.test. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.quar.test. TXT \"v=DMARC1; p=quarantine\"\n"
    "none.test. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.none.test. TXT \"v=DMARC1; p=none\"\n"
    "broken.test. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "$SERVFAIL _dmarc.broken.test.\n"
    "sign.test. TXT \"v=spf1 -all\"\n"
    "_dmarc.sign.test. TXT \"v=DMARC1; p=reject\"\n";

/* A resolver that takes slow_ms per answer (the zone's). */
static unsigned slow_ms;

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static int
slow_query(void *impl, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	sleep_ms(slow_ms);
	return vouch_dns_query(impl, name, type, out);
}

static void
slow_free(void *impl)
{
	vouch_dns_free(impl);
}

static const struct vouch_dns_methods slow_methods = {
	VOUCH_DNS_METHODS_VERSION, "slow", slow_query, slow_free
};

/* A daemon state from the base configuration plus extra lines. */
static void
start(const char *extra)
{
	struct vouch_error err = {0, 0, ""};
	struct vouchd_conf *conf = NULL;
	struct vouchd_snap *snap = NULL;
	struct vouch_dns *dns = NULL;
	char text[2048], path[128];

	snprintf(text, sizeof(text), "Syslog no\nAuthservID " AUTHSERV "\n"
	    "TrustedAuthservIDs relay.test\nInternalHosts 10.0.0.0/8\n"
	    "KeyTable %s/keys\nSigningTable %s/signing\n%s", g.dir, g.dir,
	    extra);
	write_file("vouchd.conf", text);
	snprintf(path, sizeof(path), "%s/vouchd.conf", g.dir);
	if (vouchd_conf_load(path, &conf, &err) != 0)
		fail_msg("conf: %s", err.msg);
	if (vouchd_snap_new(conf, &snap, &err) != 0)
		fail_msg("snap: %s", err.msg);
	assert_int_equal(vouch_dns_zone_new_text(zone_text, strlen(zone_text),
	    NULL, &dns, NULL), 0);
	if (slow_ms > 0) {
		struct vouch_dns *zone = dns;

		assert_int_equal(vouch_dns_new(&slow_methods, zone, &dns), 0);
	}
	assert_int_equal(vouchd_metrics_new(&metrics), 0);
	assert_int_equal(vouchd_state_init(&st, snap, dns, metrics), 0);
	memset(&fk, 0, sizeof(fk));
}

static void
stop(void)
{
	vouchd_state_destroy(&st);
	vouchd_metrics_free(metrics);
}

static struct vouchd_conn *
conn(const char *ip)
{
	struct vouchd_conn_info ci;
	struct vouch_ip addr;
	struct vouchd_conn *c;

	memset(&ci, 0, sizeof(ci));
	if (ip != NULL) {
		assert_int_equal(vouch_ip_parse(ip, &addr), 0);
		ci.ip = &addr;
	}
	ci.host = "client.example";
	assert_non_null(c = vouchd_conn_new(&st, &ci));
	vouchd_conn_helo(c, "client.example");
	return c;
}

/* A daemon from conf, a connection from ip, and MAIL FROM alice. */
static struct vouchd_conn *
begin(const char *conf, const char *ip)
{
	struct vouchd_conn *c;

	start(conf);
	c = conn(ip);
	memset(&fk, 0, sizeof(fk));
	assert_int_equal(vouchd_conn_mail(c, "<alice@pass.test>", NULL),
	    VOUCHD_CONTINUE);
	return c;
}

/* One message: hdrs is name, value, ... NULL (values as after the
 * colon, as with SMFIP_HDR_LEADSPC). */
static enum vouchd_status
message(struct vouchd_conn *c, const char *mail_from, const char *auth,
    const char *const *hdrs, const char *body)
{
	enum vouchd_status s;
	size_t i;

	memset(&fk, 0, sizeof(fk));
	assert_int_equal(vouchd_conn_mail(c, mail_from, auth),
	    VOUCHD_CONTINUE);
	for (i = 0; hdrs[i] != NULL; i += 2)
		vouchd_conn_header(c, hdrs[i], hdrs[i + 1], 0);
	if ((s = vouchd_conn_eoh(c, &mta, "Q1")) != VOUCHD_CONTINUE)
		return s;
	vouchd_conn_body(c, body, strlen(body));
	return vouchd_conn_eom(c, &mta, "Q1");
}

/* A daemon from conf, one message from ip with From: from (the address
 * also MAIL FROM): its status; the fake MTA keeps what it was asked
 * until the caller's stop(). */
static enum vouchd_status
once(const char *conf, const char *ip, const char *from)
{
	const char *hdrs[] = {"From", NULL, NULL};
	char mail[128], value[128];
	struct vouchd_conn *c;
	enum vouchd_status s;

	snprintf(mail, sizeof(mail), "<%s>", from);
	snprintf(value, sizeof(value), " %s", from);
	hdrs[1] = value;
	start(conf);
	c = conn(ip);
	s = message(c, mail, NULL, hdrs, "x\r\n");
	vouchd_conn_free(c);
	return s;
}

static const char *const pass_hdrs[] = {
	"From", " Alice <alice@pass.test>", "To", " bob@example.org",
	"Subject", " hello", NULL
};

/* The only A-R inserted, at the top. */
static const char *
our_ar(void)
{
	const struct call *c = find_kind('i', 0);

	assert_int_equal(count_kind('i'), 1);
	assert_string_equal(c->name, VOUCHD_AR_NAME);
	assert_int_equal(c->index, 0);
	return c->value;
}

/* ---- verification -------------------------------------------------------- */

static void
test_pass(void **state)
{
	const char *ar;
	struct vouchd_conn *c;

	(void)state;
	start("");
	c = conn(CLIENT);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, pass_hdrs,
	    "hi\r\n"), VOUCHD_ACCEPT);
	ar = our_ar();
	/* RFC 8601 2.2: the value starts with the authserv-id; the MTA gets
	 * LF folding, no CR. */
	assert_true(strncmp(ar, " " AUTHSERV ";", strlen(AUTHSERV) + 2) == 0);
	assert_non_null(strstr(ar, "spf=pass"));
	assert_non_null(strstr(ar, "dmarc=pass"));
	assert_non_null(strstr(ar, "header.from=pass.test"));
	assert_null(strchr(ar, '\r'));
	assert_int_equal(count_kind('r'), 0);
	assert_int_equal(count_kind('d'), 0);
	vouchd_conn_free(c);
	stop();
}

static void
test_forged_ar_removed(void **state)
{
	static const char *const hdrs[] = {
		"Authentication-Results", " relay.test; spf=pass",
		"From", " alice@pass.test",
		"Authentication-Results", " mx.test; dmarc=pass",
		"Authentication-Results", " MX.TEST; dkim=pass",
		"Authentication-Results", " elsewhere.test; dmarc=pass",
		NULL
	};
	struct vouchd_conn *c;

	(void)state;
	start("");
	c = conn(CLIENT);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, hdrs, ""),
	    VOUCHD_ACCEPT);
	/* Fields 2 and 3 of that name claim our id (case-insensitive, RFC
	 * 8601 5): the later first, both before ours goes on top. */
	assert_int_equal(count_kind('d'), 2);
	assert_int_equal(fk.c[0].kind, 'd');
	assert_int_equal(fk.c[0].index, 3);
	assert_int_equal(fk.c[1].kind, 'd');
	assert_int_equal(fk.c[1].index, 2);
	assert_string_equal(fk.c[1].name, "Authentication-Results");
	assert_int_equal(fk.c[2].kind, 'i');
	(void)our_ar();
	vouchd_conn_free(c);
	stop();
}

static void
test_reject(void **state)
{
	static const char *const hdrs[] = {"From", " ceo@pass.test", NULL};
	struct vouchd_conn *c;

	(void)state;
	start("");
	c = conn("198.51.100.7");
	assert_int_equal(message(c, "<ceo@pass.test>", NULL, hdrs, "x\r\n"),
	    VOUCHD_REJECT);
	assert_int_equal(fk.n, 1);
	assert_string_equal(find_kind('r', 0)->value, VOUCH_VERDICT_REJECT_REPLY);
	/* The same connection serves the next message. */
	vouchd_conn_free(c);
	c = conn(CLIENT);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, pass_hdrs,
	    ""), VOUCHD_ACCEPT);
	vouchd_conn_free(c);
	stop();
}

static void
test_reject_text_and_monitor(void **state)
{
	(void)state;
	assert_int_equal(once("RejectText 554 5.7.9 go away\n",
	    "198.51.100.7", "ceo@pass.test"), VOUCHD_REJECT);
	assert_string_equal(find_kind('r', 0)->value, "554 5.7.9 go away");
	stop();
	/* Monitor mode: only the A-R says it. */
	assert_int_equal(once("RejectFailures no\n", "198.51.100.7",
	    "ceo@pass.test"), VOUCHD_ACCEPT);
	assert_non_null(strstr(our_ar(), "dmarc=fail"));
	assert_int_equal(count_kind('r'), 0);
	stop();
}

static void
test_quarantine(void **state)
{
	(void)state;
	assert_int_equal(once("", "198.51.100.7", "bob@quar.test"),
	    VOUCHD_ACCEPT);
	assert_int_equal(count_kind('q'), 1);
	assert_non_null(strstr(find_kind('q', 0)->value, "quar.test"));
	assert_non_null(strstr(our_ar(), "dmarc=fail"));
	stop();
	/* QuarantineAction header: that field, then ours above it. */
	assert_int_equal(once("QuarantineAction header\nQuarantineHeader "
	    "X-Held\n", "198.51.100.7", "bob@quar.test"), VOUCHD_ACCEPT);
	assert_int_equal(count_kind('q'), 0);
	assert_int_equal(count_kind('i'), 2);
	assert_string_equal(find_kind('i', 0)->name, "X-Held");
	assert_int_equal(find_kind('i', 0)->value[0], ' ');
	assert_string_equal(find_kind('i', 1)->name, VOUCHD_AR_NAME);
	assert_int_equal(find_kind('i', 1)->index, 0);
	stop();
	/* QuarantineAction accept: the A-R only. */
	assert_int_equal(once("QuarantineAction accept\n", "198.51.100.7",
	    "bob@quar.test"), VOUCHD_ACCEPT);
	assert_int_equal(count_kind('q'), 0);
	(void)our_ar();
	stop();
}

static void
test_temperror(void **state)
{
	(void)state;
	assert_int_equal(once("", CLIENT, "x@broken.test"), VOUCHD_TEMPFAIL);
	assert_string_equal(find_kind('r', 0)->value,
	    VOUCH_VERDICT_TEMPFAIL_REPLY);
	stop();
	assert_int_equal(once("TempFailOnDNSError no\n", CLIENT,
	    "x@broken.test"), VOUCHD_ACCEPT);
	assert_non_null(strstr(our_ar(), "dmarc=temperror"));
	stop();
}

/* ---- fail closed ---------------------------------------------------------- */

static void
expect_reply(enum vouchd_status got, enum vouchd_status want,
    const char *reply)
{
	assert_int_equal(got, want);
	assert_int_equal(count_kind('r'), 1);
	assert_string_equal(find_kind('r', 0)->value, reply);
	assert_int_equal(count_kind('i') + count_kind('d'), 0);
}

#define TOO_BIG VOUCHD_REPLY_TOO_BIG_CODE " " VOUCHD_REPLY_TOO_BIG_XCODE " " \
	VOUCHD_REPLY_TOO_BIG_TEXT
#define MALFORMED VOUCHD_REPLY_MALFORMED_CODE " " \
	VOUCHD_REPLY_MALFORMED_XCODE " " VOUCHD_REPLY_MALFORMED_TEXT
#define BAD_FROM VOUCHD_REPLY_FROM_CODE " " VOUCHD_REPLY_FROM_XCODE " " \
	VOUCHD_REPLY_FROM_TEXT
#define INTERNAL VOUCHD_REPLY_INTERNAL_CODE " " VOUCHD_REPLY_INTERNAL_XCODE \
	" " VOUCHD_REPLY_INTERNAL_TEXT

/* Each header section, from an SPF-authorized client, refused with
 * reply; the connection serves the next one. */
static void
refused_all(const char *const *const *cases, const char *reply)
{
	struct vouchd_conn *c;
	size_t i;

	start("");
	c = conn(CLIENT);
	for (i = 0; cases[i] != NULL; i++)
		expect_reply(message(c, "<alice@pass.test>", NULL, cases[i],
		    ""), VOUCHD_REJECT, reply);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, pass_hdrs,
	    ""), VOUCHD_ACCEPT);
	vouchd_conn_free(c);
	stop();
}

static void
test_header_limits(void **state)
{
	struct vouchd_conn *c;
	char *big;
	size_t i;

	(void)state;
	start("");
	c = conn(CLIENT);
	/* Thousands of small fields past 64 KiB: refused at EOH, and
	 * whatever the MTA still sends is ignored. */
	memset(&fk, 0, sizeof(fk));
	vouchd_conn_mail(c, "<alice@pass.test>", NULL);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	for (i = 0; i < 20000; i++)
		vouchd_conn_header(c, "X-Filler", " 0123456789", 0);
	expect_reply(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_REJECT, TOO_BIG);
	vouchd_conn_body(c, "x\r\n", 3);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_REJECT);
	assert_int_equal(fk.n, 1);

	/* One field of 32 KiB + 1. */
	assert_non_null(big = malloc(32 * 1024 + 2));
	big[0] = ' ';
	memset(big + 1, 'a', 32 * 1024);
	big[32 * 1024 + 1] = '\0';
	{
		const char *const hdrs[] = {"From", " alice@pass.test",
		    "Subject", big, NULL};

		expect_reply(message(c, "<alice@pass.test>", NULL, hdrs, ""),
		    VOUCHD_REJECT, TOO_BIG);
	}
	free(big);
	/* Still serving. */
	assert_int_equal(message(c, "<alice@pass.test>", NULL, pass_hdrs,
	    ""), VOUCHD_ACCEPT);
	vouchd_conn_free(c);
	stop();
}

static void
test_max_header_bytes(void **state)
{
	struct vouchd_conn *c;
	size_t i;

	(void)state;
	c = begin("MaxHeaderBytes 4096\n", CLIENT);
	for (i = 0; i < 300; i++)
		vouchd_conn_header(c, "X-Filler", " 0123456789", 0);
	expect_reply(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_REJECT, TOO_BIG);
	vouchd_conn_free(c);
	stop();
}

static void
test_malformed_field(void **state)
{
	static const char *const bad_end[] = {"From", " alice@pass.test",
	    "Subject", " a\nb", NULL};
	static const char *const bad_name[] = {"From", " alice@pass.test",
	    "Sub ject", " a", NULL};
	static const char *const bare_cr[] = {"From", " alice@pass.test",
	    "Subject", " a\rb", NULL};
	static const char *const *const cases[] = {bad_end, bad_name, bare_cr,
	    NULL};

	(void)state;
	refused_all(cases, MALFORMED);
}

static void
test_from_count(void **state)
{
	static const char *const none[] = {"Subject", " no From", NULL};
	static const char *const two[] = {"From", " alice@pass.test",
	    "From", " bob@none.test", NULL};
	static const char *const empty[] = {"From", " undisclosed:;", NULL};
	static const char *const two_pass[] = {"From", " alice@pass.test",
	    "From", " carol@pass.test", NULL};
	static const char *const *const cases[] = {none, two, empty, NULL};
	struct vouchd_conn *c;

	(void)state;
	refused_all(cases, BAD_FROM);

	/* Monitor mode: delivered, never with dmarc=pass, even when each
	 * From field alone would pass. */
	start("RejectFailures no\n");
	c = conn(CLIENT);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, two_pass, ""),
	    VOUCHD_ACCEPT);
	assert_null(strstr(our_ar(), "dmarc=pass"));
	assert_non_null(strstr(our_ar(), "dmarc=permerror"));
	vouchd_conn_free(c);
	stop();
}

/* ---- events out of order -------------------------------------------------- */

static void
test_body_before_eoh(void **state)
{
	struct vouchd_conn *c;

	(void)state;
	c = begin("", CLIENT);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	/* No EOH: the body ends the header section. */
	vouchd_conn_body(c, "a\0b\r\n", 5);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_ACCEPT);
	assert_non_null(strstr(our_ar(), "dmarc=pass"));
	/* A header after that is an internal error of the message. */
	memset(&fk, 0, sizeof(fk));
	vouchd_conn_mail(c, "<alice@pass.test>", NULL);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	vouchd_conn_body(c, "x", 1);
	vouchd_conn_header(c, "Subject", " late", 0);
	expect_reply(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_TEMPFAIL,
	    INTERNAL);
	vouchd_conn_free(c);
	stop();
}

static void
test_data_without_mail(void **state)
{
	struct vouchd_conn *c;

	(void)state;
	start("");
	c = conn(CLIENT);
	memset(&fk, 0, sizeof(fk));
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	vouchd_conn_body(c, "x", 1);
	expect_reply(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_TEMPFAIL,
	    INTERNAL);
	/* An EOM alone, too. */
	memset(&fk, 0, sizeof(fk));
	expect_reply(vouchd_conn_eom(c, &mta, NULL), VOUCHD_TEMPFAIL,
	    INTERNAL);
	vouchd_conn_free(c);
	stop();

	/* OnInternalError accept: accepted, unchanged. */
	start("OnInternalError accept\n");
	c = conn(CLIENT);
	memset(&fk, 0, sizeof(fk));
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	assert_int_equal(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_CONTINUE);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_ACCEPT);
	assert_int_equal(fk.n, 0);
	vouchd_conn_free(c);
	stop();
}

static void
test_abort_and_close_midway(void **state)
{
	struct vouchd_conn *c;

	(void)state;
	start("");
	c = conn(CLIENT);
	vouchd_conn_mail(c, "<alice@pass.test>", NULL);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	assert_int_equal(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_CONTINUE);
	vouchd_conn_body(c, "half a bo", 9);
	vouchd_conn_abort(c);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, pass_hdrs,
	    ""), VOUCHD_ACCEPT);
	/* Closed at every stage (ASan: nothing leaks). */
	vouchd_conn_free(c);
	c = conn(CLIENT);
	vouchd_conn_mail(c, "<alice@pass.test>", NULL);
	vouchd_conn_free(c);
	c = conn(CLIENT);
	vouchd_conn_mail(c, "<alice@pass.test>", NULL);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	vouchd_conn_free(c);
	c = conn(CLIENT);
	vouchd_conn_mail(c, "<alice@pass.test>", NULL);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	(void)vouchd_conn_eoh(c, &mta, "Q");
	vouchd_conn_body(c, "x", 1);
	vouchd_conn_free(c);
	assert_int_equal(vouchd_metrics_inflight(metrics), 0);
	assert_int_equal(vouchd_state_drain(&st, 0), 0);
	stop();
}

static void
test_leading_space_restored(void **state)
{
	struct vouchd_conn *c;

	(void)state;
	c = begin("", CLIENT);
	/* Without SMFIP_HDR_LEADSPC the MTA took the space away. */
	vouchd_conn_header(c, "From", "alice@pass.test", 1);
	vouchd_conn_header(c, "Authentication-Results", "mx.test; spf=pass",
	    1);
	assert_int_equal(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_CONTINUE);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_ACCEPT);
	assert_int_equal(count_kind('d'), 1);
	assert_non_null(strstr(our_ar(), "dmarc=pass"));
	vouchd_conn_free(c);
	stop();
}

/* MaxDNSTime counts time spent waiting for DNS: not the client's time
 * between MAIL FROM and the end of the message. */
static void
test_dns_time_budget(void **state)
{
	struct vouchd_conn *c;
	char line[2048];
	long at;

	(void)state;
	c = begin("MaxDNSTime 100\n", CLIENT);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	assert_int_equal(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_CONTINUE);
	sleep_ms(150);		/* a slow client */
	vouchd_conn_body(c, "x\r\n", 3);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_ACCEPT);
	assert_non_null(strstr(our_ar(), "dmarc=pass"));
	vouchd_conn_free(c);
	stop();

	/* A resolver slow enough to spend it: later lookups are refused,
	 * DMARC cannot be told, so temperror -> tempfail, never a pass. */
	slow_ms = 60;		/* read at each query: SPF at MAIL FROM pays */
	c = begin("MaxDNSTime 100\n", CLIENT);
	slow_ms = 0;
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	assert_int_equal(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_CONTINUE);
	at = ftell(g.log);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_TEMPFAIL);
	assert_string_equal(find_kind('r', 0)->value,
	    VOUCH_VERDICT_TEMPFAIL_REPLY);
	fflush(g.log);
	assert_int_equal(fseek(g.log, at, SEEK_SET), 0);
	assert_non_null(fgets(line, sizeof(line), g.log));
	assert_non_null(strstr(line, "/budget-spent "));
	assert_int_equal(fseek(g.log, 0, SEEK_END), 0);
	vouchd_conn_free(c);
	stop();
}

/* ---- signing ---------------------------------------------------------------- */

static void
check_signed(void)
{
	const struct call *rsa, *ed;

	/* One per key, each inserted at the top, the first key last so
	 * that it ends on top. */
	assert_int_equal(count_kind('i'), 2);
	ed = find_kind('i', 0);
	rsa = find_kind('i', 1);
	assert_string_equal(ed->name, VOUCHD_SIG_NAME);
	assert_string_equal(rsa->name, VOUCHD_SIG_NAME);
	assert_int_equal(ed->index, 0);
	assert_int_equal(rsa->index, 0);
	assert_true(strncmp(rsa->value, " v=1; a=rsa-sha256;", 19) == 0);
	assert_true(strncmp(ed->value, " v=1; a=ed25519-sha256;", 23) == 0);
	assert_non_null(strstr(rsa->value, "d=sign.test;"));
	assert_non_null(strstr(rsa->value, "s=s1;"));
	assert_non_null(strstr(ed->value, "s=e1;"));
	assert_null(strchr(rsa->value, '\r'));
	assert_int_equal(count_kind('r'), 0);
}

static void
test_sign(void **state)
{
	static const char *const hdrs[] = {"From", " Ops <ops@sign.test>",
	    "Subject", " out", NULL};
	static const char *const forged[] = {"From", " ops@sign.test",
	    "Authentication-Results", " mx.test; dmarc=pass", NULL};
	static const char *const other[] = {"From", " x@elsewhere.test",
	    NULL};
	struct vouchd_conn *c;

	(void)state;
	start("");
	/* InternalHosts; the domain's SPF is -all and p=reject, which
	 * does not matter: signed, not verified. */
	c = conn("10.1.2.3");
	assert_int_equal(message(c, "<ops@sign.test>", NULL, hdrs, "body\r\n"),
	    VOUCHD_ACCEPT);
	check_signed();
	/* A forged A-R of ours goes from signed mail too. */
	assert_int_equal(message(c, "<ops@sign.test>", NULL, forged, ""),
	    VOUCHD_ACCEPT);
	assert_int_equal(count_kind('d'), 1);
	/* No SigningTable entry: decided at EOH, nothing changed. */
	assert_int_equal(message(c, "<x@elsewhere.test>", NULL, other, ""),
	    VOUCHD_ACCEPT);
	assert_int_equal(fk.n, 0);
	assert_int_equal(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_ACCEPT);
	vouchd_conn_free(c);

	/* An authenticated client from anywhere. */
	c = conn("198.51.100.7");
	assert_int_equal(message(c, "<ops@sign.test>", "ops", hdrs, "b\r\n"),
	    VOUCHD_ACCEPT);
	check_signed();
	vouchd_conn_free(c);
	/* No address from the MTA: a local submission. */
	c = conn(NULL);
	assert_int_equal(message(c, "<ops@sign.test>", NULL, hdrs, ""),
	    VOUCHD_ACCEPT);
	check_signed();
	vouchd_conn_free(c);
	stop();

	/* SignAuthenticated no: verified like anyone (and refused). */
	start("SignAuthenticated no\n");
	c = conn("198.51.100.7");
	assert_int_equal(message(c, "<ops@sign.test>", "ops", hdrs, ""),
	    VOUCHD_REJECT);
	vouchd_conn_free(c);
	stop();
}

static void
test_sign_refused_by_mta(void **state)
{
	static const char *const hdrs[] = {"From", " ops@sign.test", NULL};
	struct vouchd_conn *c;

	(void)state;
	start("");
	c = conn("10.1.2.3");
	memset(&fk, 0, sizeof(fk));
	vouchd_conn_mail(c, "<ops@sign.test>", NULL);
	vouchd_conn_header(c, hdrs[0], hdrs[1], 0);
	assert_int_equal(vouchd_conn_eoh(c, &mta, "Q"), VOUCHD_CONTINUE);
	fk.refuse_insert = 1;
	expect_reply(vouchd_conn_eom(c, &mta, "Q"), VOUCHD_TEMPFAIL,
	    INTERNAL);
	vouchd_conn_free(c);
	stop();
}

/* ---- the log and the counters ------------------------------------------------ */

static void
test_log_line(void **state)
{
	struct vouchd_conn *c;
	char line[8192];
	long at;

	(void)state;
	start("");
	c = conn(CLIENT);
	at = ftell(g.log);
	memset(&fk, 0, sizeof(fk));
	vouchd_conn_mail(c, "<a b@pass.test>", NULL);
	vouchd_conn_header(c, "From", " alice@pass.test", 0);
	(void)vouchd_conn_eoh(c, &mta, "Q");
	/* A hostile queue id cannot add a field or a line. */
	(void)vouchd_conn_eom(c, &mta, "Q 1\nqid=x\"");
	fflush(g.log);
	assert_int_equal(fseek(g.log, at, SEEK_SET), 0);
	assert_non_null(fgets(line, sizeof(line), g.log));
	assert_non_null(strstr(line, " qid=Q\\x201\\x0aqid=x\\x22 "));
	assert_non_null(strstr(line, " mail_from=a\\x20b@pass.test "));
	assert_non_null(strstr(line, " ip=192.0.2.10 "));
	assert_non_null(strstr(line, " dmarc=pass "));
	assert_non_null(strstr(line, " action=accept "));
	assert_non_null(strstr(line, " ms="));
	assert_null(fgets(line, sizeof(line), g.log));
	assert_int_equal(fseek(g.log, 0, SEEK_END), 0);
	vouchd_conn_free(c);
	stop();
}

static void
test_metrics_counts(void **state)
{
	static const char *const spoof[] = {"From", " ceo@pass.test", NULL};
	static const char *const sign_hdrs[] = {"From", " ops@sign.test",
	    NULL};
	static const char *const want[] = {
		"\nvouchd_messages_total{action=\"accept\"} 2\n",
		"\nvouchd_messages_total{action=\"reject\"} 1\n",
		"\nvouchd_dmarc_total{result=\"pass\"} 1\n",
		"\nvouchd_dmarc_total{result=\"fail\"} 1\n",
		"\nvouchd_signed_total 1\n",
		"\nvouchd_dns_seconds_count 2\n",
		"\nvouchd_connections 0\n",
		"\nvouchd_messages_in_flight 0\n",
	};
	struct vouchd_conn *c;
	char out[VOUCHD_METRICS_OUT_MAX];
	size_t i;

	(void)state;
	start("");
	c = conn(CLIENT);
	assert_int_equal(message(c, "<alice@pass.test>", NULL, pass_hdrs,
	    ""), VOUCHD_ACCEPT);
	vouchd_conn_free(c);
	c = conn("198.51.100.7");
	assert_int_equal(message(c, "<ceo@pass.test>", NULL, spoof, ""),
	    VOUCHD_REJECT);
	vouchd_conn_free(c);
	c = conn("10.0.0.1");
	assert_int_equal(message(c, "<ops@sign.test>", NULL, sign_hdrs, ""),
	    VOUCHD_ACCEPT);
	vouchd_conn_free(c);
	vouchd_metrics_render(metrics, out, sizeof(out));
	/* Two accepted (one verified, one signed), one refused. */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(out, want[i]) == NULL)
			fail_msg("no '%s' in:\n%s", want[i], out);
	stop();
}

/* ---- allocation failures -------------------------------------------------- */

static void
test_failalloc(void **state)
{
	static const char *const spoof[] = {"From", " ceo@pass.test", NULL};
	enum vouchd_status s;
	struct vouchd_conn *c;
	unsigned long n, total;

	(void)state;
	start("");
	for (n = 1;; n++) {
		c = conn("198.51.100.7");
		failalloc_set(n);
		s = message(c, "<ceo@pass.test>", NULL, spoof, "x\r\n");
		total = failalloc_count();
		failalloc_set(0);
		vouchd_conn_free(c);
		if (n > total)
			break;
		/* Out of memory never lets the spoof in: refused, or
		 * tempfail (internal error, or a lookup that failed). */
		if (s != VOUCHD_REJECT && s != VOUCHD_TEMPFAIL)
			fail_msg("allocation %lu of %lu failing: status %d", n,
			    total, (int)s);
	}
	assert_int_equal(s, VOUCHD_REJECT);
	stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_forged_ar_removed),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_reject_text_and_monitor),
		cmocka_unit_test(test_quarantine),
		cmocka_unit_test(test_temperror),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_max_header_bytes),
		cmocka_unit_test(test_malformed_field),
		cmocka_unit_test(test_from_count),
		cmocka_unit_test(test_body_before_eoh),
		cmocka_unit_test(test_data_without_mail),
		cmocka_unit_test(test_abort_and_close_midway),
		cmocka_unit_test(test_leading_space_restored),
		cmocka_unit_test(test_dns_time_budget),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_sign_refused_by_mta),
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_metrics_counts),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
