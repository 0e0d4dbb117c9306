/*
 * test_vouchd_conf.c - vouchd.conf(5) (src/vouchd/conf.h): defaults,
 * every key good and bad with its FILE:LINE message, OpenDKIM's
 * KeyTable/SigningTable formats (opendkim.conf(5)), networks and trusted
 * ids, the write->load round trip, vouchd migrate on opendkim.conf and
 * opendmarc.conf samples, reference counts and failing allocations.
 *
 * Expected values come from the documents: the defaults from conf.h and
 * docs/vouchd.conf.5, the reply rules from RFC 5321 4.2 and RFC 3463,
 * address matching from the prefix arithmetic of RFC 4632 / RFC 4291
 * (::ffff:0:0/96 for IPv4-mapped addresses, RFC 4291 2.5.5.2), and the
 * migrations from what opendkim.conf(5) and opendmarc.conf(5) say each
 * setting means (UMask 007 makes a socket 0770; DNSTimeout is seconds;
 * HoldQuarantinedMessages true holds; "!" entries exclude).
 */
#define _XOPEN_SOURCE 700	/* nftw() */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <limits.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <vouch/dkim.h>
#include <vouch/verdict.h>

#include "conf.h"
#include "failalloc.h"
#include "testutil.h"

static char tmp[256];

/* tmp + "/" + name; four buffers used in turn. */
static const char *
tpath(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	(void)snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static void
put(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(tpath(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(tpath(name), mode), 0);
}

/* text with every "{T}" replaced by the temporary directory. */
static const char *
subst(const char *text)
{
	static char out[8192];
	const char *p;
	size_t n = 0;

	for (p = text; *p != '\0' && n + sizeof(tmp) + 1 < sizeof(out);) {
		if (strncmp(p, "{T}", 3) == 0) {
			if (snprintf(out + n, sizeof(out) - n, "%s", tmp) >=
			    (int)(sizeof(out) - n))
				fail_msg("subst: text too long");
			n += strlen(tmp);
			p += 3;
		} else
			out[n++] = *p++;
	}
	out[n] = '\0';
	return out;
}

static int
load_text(const char *text, struct vouchd_conf **c, struct vouch_error *err)
{
	put("vouchd.conf", subst(text), 0644);
	memset(err, 0, sizeof(*err));
	return vouchd_conf_load(tpath("vouchd.conf"), c, err);
}

static struct vouchd_conf *
load_ok(const char *text)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err;
	int rc = load_text(text, &c, &err);

	if (rc != 0 || c == NULL)
		fail_msg("should load: %d %s\n%s", rc, err.msg, text);
	return c;
}

/* msg: what follows "TMP/vouchd.conf:", starting with the line number;
 * "{T}" stands for the temporary directory. */
static void
expect_err(const char *text, int code, const char *msg)
{
	struct vouchd_conf *c = (struct vouchd_conf *)1;
	struct vouch_error err;
	char want[8192];
	int rc = load_text(text, &c, &err);

	if (snprintf(want, sizeof(want), "%s/vouchd.conf:%s", tmp,
	    subst(msg)) >= (int)sizeof(want))
		fail_msg("expect_err: message too long");
	if (rc != code || c != NULL || strcmp(err.msg, want) != 0)
		fail_msg("for:\n%s\ngot %d (%s), want %d (%s)", text, rc,
		    err.msg, code, want);
	assert_int_equal(err.line, (unsigned)atoi(msg));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
write_key(enum vouch_dkim_keytype type, unsigned bits, const char *name)
{
	struct vouch_dkim_key *k = NULL;
	struct vouch_error err = { 0 };

	assert_int_equal(vouch_dkim_key_generate(type, bits, &k, &err), 0);
	assert_int_equal(vouch_dkim_key_write(k, tpath(name), &err), 0);
	vouch_dkim_key_free(k);
}

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	(void)snprintf(tmp, sizeof(tmp), "%s/vouchd-conf-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmp) == NULL)
		return -1;
	{
		/* vouchd resolves paths; compare with the resolved name. */
		char real[PATH_MAX];

		if (realpath(tmp, real) == NULL || strlen(real) >= sizeof(tmp))
			return -1;
		memcpy(tmp, real, strlen(real) + 1);
	}
	write_key(VOUCH_DKIM_KEY_RSA, 1024, "rsa.pem");
	write_key(VOUCH_DKIM_KEY_ED25519, 0, "ed.pem");
	write_key(VOUCH_DKIM_KEY_ED25519, 0, "open.pem");
	return chmod(tpath("open.pem"), 0644);
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- defaults ------------------------------------------------------- */

static void
check_defaults(const struct vouchd_conf *c)
{
	char host[256] = "";
	char ip[64];

	assert_string_equal(c->socket, "inet:8891@127.0.0.1");
	assert_int_equal(c->socket_mode, 0660);
	assert_null(c->user);
	assert_null(c->pid_file);
	assert_int_equal(c->syslog, 1);
	assert_string_equal(c->syslog_facility, "mail");
	assert_int_equal(c->log_why, 0);
	assert_null(c->metrics);
	/* The host name, when it is a dot-atom of LDH labels (RFC 1123,
	 * as host names are), else localhost. */
	(void)gethostname(host, sizeof(host) - 1);
	if (host[0] == '\0' || strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(host) ||
	    host[0] == '.' || strstr(host, "..") != NULL ||
	    host[strlen(host) - 1] == '.')
		(void)snprintf(host, sizeof(host), "localhost");
	assert_string_equal(c->authserv_id, host);
	assert_int_equal(c->ntrusted, 0);
	assert_int_equal(c->ninternal, 2);
	assert_int_equal(vouch_ip_format(&c->internal[0].ip, ip, sizeof(ip)),
	    0);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(c->internal[0].prefix, 32);
	assert_int_equal(vouch_ip_format(&c->internal[1].ip, ip, sizeof(ip)),
	    0);
	assert_string_equal(ip, "::1");
	assert_int_equal(c->internal[1].prefix, 128);
	assert_int_equal(c->sign_authenticated, 1);
	assert_int_equal(c->nkeys, 0);
	assert_int_equal(c->nrules, 0);
	assert_null(c->key_table);
	assert_null(c->signing_table);
	assert_int_equal(c->dmarc_mode, VOUCH_DMARC_MODE_RFC9989);
	assert_null(c->psl_file);
	/* The issue's reply, and verdict.h's tempfail reply. */
	assert_string_equal(c->reject_text,
	    "550 5.7.1 DMARC unauthenticated mail is prohibited");
	assert_string_equal(c->tempfail_text, VOUCH_VERDICT_TEMPFAIL_REPLY);
	assert_int_equal(c->tempfail_on_dns, 1);
	assert_int_equal(c->reject_enabled, 1);
	assert_int_equal(c->quarantine, VOUCHD_QUARANTINE_HOLD);
	assert_string_equal(c->quarantine_header, "X-Vouch-Quarantine");
	assert_null(c->dns_server);
	assert_int_equal(c->dns_timeout_ms, 5000);
	assert_int_equal(c->dns_queries, 100);
	assert_int_equal(c->dns_ms, 30000);
	assert_int_equal(c->max_header_bytes, 65536);
	assert_int_equal(c->max_signatures, 10);
	assert_int_equal(c->on_internal_error, 1);
	assert_int_equal(c->refs, 1);
}

static void
test_defaults(void **state)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err = { 0 };

	(void)state;
	assert_int_equal(vouchd_conf_default(&c, &err), 0);
	check_defaults(c);
	assert_null(c->path);
	vouchd_conf_free(c);
	/* An empty file, comments and blank lines only: the same. */
	c = load_ok("# nothing\n\n   \t\n# more\n");
	check_defaults(c);
	assert_string_equal(c->path, tpath("vouchd.conf"));
	vouchd_conf_free(c);
	vouchd_conf_free(NULL);
	assert_int_equal(vouchd_conf_default(NULL, &err), VOUCH_EINVAL);
}

/* ---- every key, good ------------------------------------------------ */

static void
test_good_fixture(void **state)
{
	struct vouchd_conf *c;
	char ip[64], want[1024];

	(void)state;
	{
		struct vouch_error err = { 0 };
		char path[1024];

		(void)snprintf(path, sizeof(path), "%s",
		    tu_src_path("tests/data/vouchd/good.conf"));
		assert_int_equal(vouchd_conf_load(path, &c, &err), 0);
	}
	assert_string_equal(c->socket, "unix:/run/vouchd/vouchd.sock");
	assert_int_equal(c->socket_mode, 0600);
	assert_string_equal(c->user, "root:root");
	(void)snprintf(want, sizeof(want), "%s",
	    tu_src_path("tests/data/vouchd/run/vouchd.pid"));
	assert_string_equal(c->pid_file, want);
	assert_int_equal(c->syslog, 0);
	assert_string_equal(c->syslog_facility, "local3");
	assert_int_equal(c->log_why, 1);
	assert_string_equal(c->metrics, "inet:9187@127.0.0.1");
	assert_string_equal(c->authserv_id, "mx.example.com");
	assert_int_equal(c->ntrusted, 2);
	assert_string_equal(c->trusted[1], "Relay.Example.NET");
	assert_non_null(c->trusted_file);
	assert_int_equal(c->ninternal, 5);
	assert_int_equal(vouch_ip_format(&c->internal[4].ip, ip, sizeof(ip)),
	    0);
	assert_string_equal(ip, "2001:db8:1::");
	assert_int_equal(c->internal[4].prefix, 48);
	assert_non_null(c->internal_file);
	assert_int_equal(c->sign_authenticated, 0);
	assert_int_equal(c->dmarc_mode, VOUCH_DMARC_MODE_RFC7489);
	(void)snprintf(want, sizeof(want), "%s",
	    tu_src_path("tests/data/vouchd/psl.dat"));
	assert_string_equal(c->psl_file, want);
	assert_int_equal(c->reject_enabled, 0);
	assert_string_equal(c->reject_text,
	    "554 5.7.1 Mail from your domain must pass DMARC");
	assert_int_equal(c->tempfail_on_dns, 0);
	assert_string_equal(c->tempfail_text, "451 4.4.3 Try again later");
	assert_int_equal(c->quarantine, VOUCHD_QUARANTINE_HEADER);
	assert_string_equal(c->quarantine_header, "X-Spam-Flag");
	assert_string_equal(c->dns_server, "127.0.0.53@5353");
	assert_int_equal(c->dns_timeout_ms, 2000);
	assert_int_equal(c->dns_queries, 50);
	assert_int_equal(c->dns_ms, 10000);
	assert_int_equal(c->max_header_bytes, 131072);
	assert_int_equal(c->max_signatures, 5);
	assert_int_equal(c->on_internal_error, 0);
	vouchd_conf_free(c);
}

struct good {
	const char *text;
	const char *field;	/* what the check reads */
	const char *want;
};

static void
field_text(const struct vouchd_conf *c, const char *field, char *buf,
    size_t len)
{
	if (strcmp(field, "socket") == 0)
		(void)snprintf(buf, len, "%s", c->socket);
	else if (strcmp(field, "mode") == 0)
		(void)snprintf(buf, len, "%o", c->socket_mode);
	else if (strcmp(field, "user") == 0)
		(void)snprintf(buf, len, "%s", c->user);
	else if (strcmp(field, "pid") == 0)
		(void)snprintf(buf, len, "%s", c->pid_file);
	else if (strcmp(field, "syslog") == 0)
		(void)snprintf(buf, len, "%d", c->syslog);
	else if (strcmp(field, "logwhy") == 0)
		(void)snprintf(buf, len, "%d", c->log_why);
	else if (strcmp(field, "metrics") == 0)
		(void)snprintf(buf, len, "%s", c->metrics);
	else if (strcmp(field, "id") == 0)
		(void)snprintf(buf, len, "%s", c->authserv_id);
	else if (strcmp(field, "dmarc") == 0)
		(void)snprintf(buf, len, "%d", (int)c->dmarc_mode);
	else if (strcmp(field, "reject") == 0)
		(void)snprintf(buf, len, "%s", c->reject_text);
	else if (strcmp(field, "quarantine") == 0)
		(void)snprintf(buf, len, "%d", (int)c->quarantine);
	else if (strcmp(field, "dns") == 0)
		(void)snprintf(buf, len, "%s", c->dns_server);
	else if (strcmp(field, "timeout") == 0)
		(void)snprintf(buf, len, "%u", c->dns_timeout_ms);
	else if (strcmp(field, "dnsms") == 0)
		(void)snprintf(buf, len, "%u", c->dns_ms);
	else if (strcmp(field, "queries") == 0)
		(void)snprintf(buf, len, "%u", c->dns_queries);
	else if (strcmp(field, "internalerror") == 0)
		(void)snprintf(buf, len, "%d", c->on_internal_error);
	else
		fail_msg("no field %s", field);
}

static const struct good goods[] = {
	{ "Socket inet:10025@127.0.0.1", "socket", "inet:10025@127.0.0.1" },
	{ "Socket inet:8891", "socket", "inet:8891" },
	{ "Socket inet:8891@localhost", "socket", "inet:8891@localhost" },
	{ "Socket inet:8891@[192.0.2.1]", "socket", "inet:8891@[192.0.2.1]" },
	{ "Socket inet6:8891@[::1]", "socket", "inet6:8891@[::1]" },
	{ "Socket inet6:8891@2001:db8::25", "socket",
	    "inet6:8891@2001:db8::25" },
	{ "Socket local:/run/vouchd.sock", "socket", "local:/run/vouchd.sock" },
	{ "socket\tunix:/run/vouchd.sock   # a comment", "socket",
	    "unix:/run/vouchd.sock" },
	{ "SocketMode 660", "mode", "660" },
	{ "SocketMode 0", "mode", "0" },
	{ "SocketMode 0777", "mode", "777" },
	{ "UserID root", "user", "root" },
	{ "UserID root:root", "user", "root:root" },
	{ "PidFile /run/vouchd/vouchd.pid", "pid", "/run/vouchd/vouchd.pid" },
	{ "PidFile vouchd.pid", "pid", "{T}/vouchd.pid" },
	{ "Syslog no", "syslog", "0" },
	{ "Syslog FALSE", "syslog", "0" },
	{ "Syslog 0", "syslog", "0" },
	{ "Syslog True", "syslog", "1" },
	{ "LogWhy 1", "logwhy", "1" },
	{ "MetricsSocket inet:9100@127.0.0.1", "metrics",
	    "inet:9100@127.0.0.1" },
	{ "MetricsSocket inet:9100@127.1.2.3", "metrics",
	    "inet:9100@127.1.2.3" },
	{ "MetricsSocket inet6:9100@[::1]", "metrics", "inet6:9100@[::1]" },
	{ "MetricsSocket inet:9100@localhost", "metrics",
	    "inet:9100@localhost" },
	{ "AuthservID mx.example.org", "id", "mx.example.org" },
	{ "AuthservID mail-in_1", "id", "mail-in_1" },
	{ "DMARCMode rfc7489", "dmarc", "1" },
	{ "DMARCMode Shadow", "dmarc", "2" },
	{ "DMARCMode RFC9989", "dmarc", "0" },
	{ "RejectText 550 5.7.1 Go away", "reject", "550 5.7.1 Go away" },
	/* "#" starts a comment at the start or after a blank only. */
	{ "RejectText 554 5.7.26 see#dmarc", "reject",
	    "554 5.7.26 see#dmarc" },
	{ "RejectText 554 5.7.26 see\t#dmarc", "reject", "554 5.7.26 see" },
	{ "QuarantineAction accept", "quarantine", "2" },
	{ "QuarantineAction HOLD", "quarantine", "0" },
	{ "DNSServer 127.0.0.53", "dns", "127.0.0.53" },
	{ "DNSServer ::1@5353", "dns", "::1@5353" },
	{ "DNSTimeout 2500", "timeout", "2500" },
	{ "DNSTimeout 3s", "timeout", "3000" },
	{ "DNSTimeout 250ms", "timeout", "250" },
	{ "DNSTimeout 60s", "timeout", "60000" },
	{ "DNSTIMEOUT 100", "timeout", "100" },
	{ "MaxDNSTime 300s", "dnsms", "300000" },
	{ "MaxDNSQueries 1000", "queries", "1000" },
	{ "OnInternalError accept", "internalerror", "0" },
	{ "OnInternalError tempfail", "internalerror", "1" },
};

static void
test_keys_good(void **state)
{
	char text[512], got[1024], want[1024];
	struct vouchd_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		/* A comment first, CRLF: the key is on line 2. */
		(void)snprintf(text, sizeof(text), "# test\r\n%s\r\n",
		    goods[i].text);
		c = load_ok(text);
		field_text(c, goods[i].field, got, sizeof(got));
		if (snprintf(want, sizeof(want), "%s", subst(goods[i].want)) >=
		    (int)sizeof(want))
			fail_msg("%s: want too long", goods[i].text);
		if (strcmp(got, want) != 0)
			fail_msg("%s: got %s, want %s", goods[i].text, got,
			    want);
		vouchd_conf_free(c);
	}
}

/* ---- every key, bad ------------------------------------------------- */

struct bad {
	const char *line;	/* put on line 3 */
	int code;
	const char *msg;	/* after "3: " */
};

static const struct bad bads[] = {
	{ "Socket", VOUCH_ESYNTAX, "Socket: no value" },
	{ "Socket inet:0@127.0.0.1", VOUCH_ESYNTAX,
	    "Socket: port '0' is not 1 to 65535" },
	{ "Socket inet:65536@127.0.0.1", VOUCH_ESYNTAX,
	    "Socket: port '65536' is not 1 to 65535" },
	{ "Socket inet:@127.0.0.1", VOUCH_ESYNTAX,
	    "Socket: port '' is not 1 to 65535" },
	{ "Socket tcp:25", VOUCH_ESYNTAX, "Socket: 'tcp:25' is not "
	    "inet:PORT@HOST, inet6:PORT@HOST, unix:/PATH or local:/PATH" },
	{ "Socket unix:run/x.sock", VOUCH_ESYNTAX,
	    "Socket: 'run/x.sock' is not an absolute path" },
	{ "Socket unix:/1234567890123456789012345678901234567890123456789"
	    "01234567890123456789012345678901234567890123456789012345678",
	    VOUCH_ELIMIT, "Socket: socket path longer than 107 bytes" },
	{ "Socket inet:25@[::1]", VOUCH_ESYNTAX,
	    "Socket: '[::1]' is an IPv6 address: use inet6:" },
	{ "Socket inet6:25@127.0.0.1", VOUCH_ESYNTAX,
	    "Socket: '127.0.0.1' is an IPv4 address: use inet:" },
	{ "Socket inet:25@[192.0.2.1", VOUCH_ESYNTAX,
	    "Socket: '[192.0.2.1' has no closing ']'" },
	{ "Socket inet:25@bad!host", VOUCH_ESYNTAX,
	    "Socket: 'bad!host' is neither an address nor a host name" },
	{ "SocketMode 0888", VOUCH_ESYNTAX,
	    "SocketMode: '0888' is not an octal mode 0 to 0777" },
	{ "SocketMode 01000", VOUCH_ESYNTAX,
	    "SocketMode: '01000' is not an octal mode 0 to 0777" },
	{ "SocketMode rw", VOUCH_ESYNTAX,
	    "SocketMode: 'rw' is not an octal mode 0 to 0777" },
	{ "UserID vouchd-no-such-user-7", VOUCH_ENOTFOUND,
	    "UserID: no such user 'vouchd-no-such-user-7'" },
	{ "UserID root:vouchd-no-such-group-7", VOUCH_ENOTFOUND,
	    "UserID: no such group 'vouchd-no-such-group-7'" },
	{ "UserID :root", VOUCH_ESYNTAX,
	    "UserID: ':root' is not user[:group]" },
	{ "UserID root:", VOUCH_ESYNTAX,
	    "UserID: 'root:' is not user[:group]" },
	{ "Syslog maybe", VOUCH_ESYNTAX,
	    "Syslog: 'maybe' is not yes, no, true, false, 1 or 0" },
	{ "SyslogFacility mail2", VOUCH_ESYNTAX, "SyslogFacility: 'mail2' is "
	    "not a syslog facility (mail, daemon, local0 ... local7, ...)" },
	{ "LogWhy on", VOUCH_ESYNTAX,
	    "LogWhy: 'on' is not yes, no, true, false, 1 or 0" },
	{ "MetricsSocket inet:9100@0.0.0.0", VOUCH_EINVAL, "MetricsSocket: "
	    "'0.0.0.0' is not loopback (127.0.0.1, ::1 or localhost)" },
	{ "MetricsSocket inet:9100@mx.example.com", VOUCH_EINVAL,
	    "MetricsSocket: 'mx.example.com' is not loopback (127.0.0.1, ::1 "
	    "or localhost)" },
	{ "MetricsSocket inet6:9100@[2001:db8::1]", VOUCH_EINVAL,
	    "MetricsSocket: '[2001:db8::1]' is not loopback (127.0.0.1, ::1 "
	    "or localhost)" },
	{ "MetricsSocket inet:9100", VOUCH_EINVAL, "MetricsSocket: no host: "
	    "it would listen on every interface (write @127.0.0.1)" },
	{ "MetricsSocket unix:/run/m.sock", VOUCH_EINVAL,
	    "MetricsSocket: must be inet: or inet6: on loopback" },
	{ "AuthservID mx..example.com", VOUCH_ESYNTAX, "AuthservID: "
	    "'mx..example.com' is not a dot-atom token (RFC 8601 2.5: "
	    "letters, digits, dots, '-', '_' ...)" },
	{ "AuthservID mx example.com", VOUCH_ESYNTAX, "AuthservID: "
	    "'mx example.com' is not a dot-atom token (RFC 8601 2.5: "
	    "letters, digits, dots, '-', '_' ...)" },
	{ "AuthservID a/b", VOUCH_ESYNTAX, "AuthservID: 'a/b' is not a "
	    "dot-atom token (RFC 8601 2.5: letters, digits, dots, '-', '_' "
	    "...)" },
	{ "TrustedAuthservIDs good.example, bad=id", VOUCH_ESYNTAX,
	    "TrustedAuthservIDs: 'bad=id' is not a dot-atom token (RFC 8601 "
	    "2.5: letters, digits, dots, '-', '_' ...)" },
	/* "#" is atext, but "a, #b" would read back as a comment. */
	{ "TrustedAuthservIDs a,#b", VOUCH_ESYNTAX, "TrustedAuthservIDs: "
	    "'#b' starts with '#', which vouchd.conf reads as a comment" },
	{ "InternalHosts 10.0.0.0/33", VOUCH_ESYNTAX,
	    "InternalHosts: prefix '33' is not 0 to 32" },
	{ "InternalHosts ::1/129", VOUCH_ESYNTAX,
	    "InternalHosts: prefix '129' is not 0 to 128" },
	{ "InternalHosts 10.0.0.0/x", VOUCH_ESYNTAX,
	    "InternalHosts: prefix 'x' is not 0 to 32" },
	{ "InternalHosts 127.0.0.1, mail.example.com", VOUCH_ESYNTAX,
	    "InternalHosts: 'mail.example.com' is not ADDRESS or "
	    "ADDRESS/PREFIX (vouchd matches addresses, not host names)" },
	{ "InternalHosts 10.0.0.256", VOUCH_ESYNTAX,
	    "InternalHosts: '10.0.0.256' is not ADDRESS or ADDRESS/PREFIX "
	    "(vouchd matches addresses, not host names)" },
	{ "InternalHosts refile:/etc/hosts", VOUCH_EUNSUPPORTED,
	    "InternalHosts: refile: data sets are not supported: give a list "
	    "or file:PATH" },
	{ "InternalHosts file:no-such-file", VOUCH_EIO,
	    "InternalHosts: {T}/no-such-file: No such file or directory" },
	{ "SignAuthenticated sure", VOUCH_ESYNTAX, "SignAuthenticated: 'sure' "
	    "is not yes, no, true, false, 1 or 0" },
	{ "KeyTable db:/etc/keys.db", VOUCH_EUNSUPPORTED, "KeyTable: "
	    "'db:/etc/keys.db' is not a file (PATH or file:PATH; vouchd reads "
	    "no databases)" },
	{ "SigningTable dsn:mysql://x", VOUCH_EUNSUPPORTED, "SigningTable: "
	    "'dsn:mysql://x' is not a file (PATH, file:PATH or refile:PATH; "
	    "vouchd reads no databases)" },
	{ "DMARCMode strict", VOUCH_ESYNTAX,
	    "DMARCMode: 'strict' is not rfc9989, rfc7489 or shadow" },
	{ "PublicSuffixList /nonexistent/psl.dat", VOUCH_EIO,
	    "PublicSuffixList: /nonexistent/psl.dat: No such file or "
	    "directory" },
	{ "PublicSuffixList /", VOUCH_EIO,
	    "PublicSuffixList: /: not a regular file" },
	{ "RejectFailures si", VOUCH_ESYNTAX,
	    "RejectFailures: 'si' is not yes, no, true, false, 1 or 0" },
	{ "RejectText 450 4.7.1 no", VOUCH_ESYNTAX, "RejectText: '450 4.7.1 "
	    "no' is not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "RejectText 550 4.7.1 no", VOUCH_ESYNTAX, "RejectText: '550 4.7.1 "
	    "no' is not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "RejectText 550 5.7.1", VOUCH_ESYNTAX, "RejectText: '550 5.7.1' is "
	    "not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "RejectText 560 5.7.1 x", VOUCH_ESYNTAX, "RejectText: '560 5.7.1 "
	    "x' is not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "RejectText 550 5.7.1234 x", VOUCH_ESYNTAX, "RejectText: '550 "
	    "5.7.1234 x' is not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "RejectText 550 5.7 x", VOUCH_ESYNTAX, "RejectText: '550 5.7 x' is "
	    "not \"5xx 5.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "RejectText 550 5.7.1 100% sure", VOUCH_ESYNTAX, "RejectText: the "
	    "text may hold printable ASCII except '%' only" },
	{ "RejectText 550 5.7.1 caf\xc3\xa9", VOUCH_ESYNTAX, "RejectText: the "
	    "text may hold printable ASCII except '%' only" },
	{ "TempFailOnDNSError maybe", VOUCH_ESYNTAX, "TempFailOnDNSError: "
	    "'maybe' is not yes, no, true, false, 1 or 0" },
	{ "TempFailText 550 5.7.1 x", VOUCH_ESYNTAX, "TempFailText: '550 "
	    "5.7.1 x' is not \"4xx 4.x.x text\" (RFC 5321 4.2, RFC 3463)" },
	{ "QuarantineAction discard", VOUCH_ESYNTAX,
	    "QuarantineAction: 'discard' is not hold, header or accept" },
	{ "QuarantineHeader Bad:Name", VOUCH_ESYNTAX, "QuarantineHeader: "
	    "'Bad:Name' is not a header field name (RFC 5322 3.6.8, at most "
	    "64 bytes)" },
	{ "DNSServer dns.example", VOUCH_ESYNTAX,
	    "DNSServer: 'dns.example' is not ADDRESS[@PORT]" },
	{ "DNSServer 127.0.0.1@0", VOUCH_ESYNTAX,
	    "DNSServer: port '0' is not 1 to 65535" },
	/* OpenDKIM's DNSTimeout is seconds; vouchd's is milliseconds. */
	{ "DNSTimeout 5", VOUCH_ESYNTAX, "DNSTimeout: '5' is not 100 to 60000 "
	    "milliseconds (a bare number is milliseconds; write 5s for "
	    "seconds)" },
	{ "DNSTimeout 61s", VOUCH_ESYNTAX, "DNSTimeout: '61s' is not 100 to "
	    "60000 milliseconds (a bare number is milliseconds; write 5s for "
	    "seconds)" },
	{ "DNSTimeout -1", VOUCH_ESYNTAX, "DNSTimeout: '-1' is not 100 to "
	    "60000 milliseconds (a bare number is milliseconds; write 5s for "
	    "seconds)" },
	{ "DNSTimeout 5m", VOUCH_ESYNTAX, "DNSTimeout: '5m' is not 100 to "
	    "60000 milliseconds (a bare number is milliseconds; write 5s for "
	    "seconds)" },
	{ "MaxDNSQueries 0", VOUCH_ESYNTAX,
	    "MaxDNSQueries: '0' is not 1 to 1000" },
	{ "MaxDNSQueries 1001", VOUCH_ESYNTAX,
	    "MaxDNSQueries: '1001' is not 1 to 1000" },
	{ "MaxDNSTime 99", VOUCH_ESYNTAX, "MaxDNSTime: '99' is not 100 to "
	    "300000 milliseconds (a bare number is milliseconds; write 5s for "
	    "seconds)" },
	{ "MaxHeaderBytes 1024", VOUCH_ESYNTAX,
	    "MaxHeaderBytes: '1024' is not 4096 to 1048576" },
	{ "MaxHeaderBytes 99999999999999999999999", VOUCH_ESYNTAX,
	    "MaxHeaderBytes: '99999999999999999999999' is not 4096 to "
	    "1048576" },
	{ "MaxSignatures 51", VOUCH_ESYNTAX,
	    "MaxSignatures: '51' is not 1 to 50" },
	{ "OnInternalError reject", VOUCH_ESYNTAX,
	    "OnInternalError: 'reject' is not tempfail or accept" },
	{ "Colour red", VOUCH_ESYNTAX, "unknown key 'Colour'" },
	{ "Mode sv", VOUCH_EUNSUPPORTED, "Mode is an OpenDKIM setting that "
	    "vouchd does not support: vouchd signs mail from InternalHosts "
	    "and authenticated clients and verifies the rest: there is no "
	    "mode (vouchd migrate converts an opendkim.conf or "
	    "opendmarc.conf)" },
	{ "canonicalization relaxed/relaxed", VOUCH_EUNSUPPORTED,
	    "Canonicalization is an OpenDKIM setting that vouchd does not "
	    "support: vouchd signs with relaxed/relaxed (vouchd migrate "
	    "converts an opendkim.conf or opendmarc.conf)" },
	{ "SPFSelfValidate yes", VOUCH_EUNSUPPORTED, "SPFSelfValidate is an "
	    "OpenDMARC setting that vouchd does not support: vouchd always "
	    "checks SPF itself and never reads SPF results from the message "
	    "(vouchd migrate converts an opendkim.conf or opendmarc.conf)" },
	{ "HoldQuarantinedMessages yes", VOUCH_EUNSUPPORTED,
	    "HoldQuarantinedMessages is an OpenDMARC setting: vouchd has "
	    "QuarantineAction instead (vouchd migrate converts an "
	    "opendkim.conf or opendmarc.conf)" },
	{ "UMask 007", VOUCH_EUNSUPPORTED, "UMask is an OpenDKIM and "
	    "OpenDMARC setting: vouchd has SocketMode instead (vouchd migrate "
	    "converts an opendkim.conf or opendmarc.conf)" },
	{ "Socket inet:1@127.0.0.1\x01", VOUCH_ESYNTAX,
	    "control byte 0x01 in column 24" },
};

static void
test_keys_bad(void **state)
{
	char text[1024], msg[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		(void)snprintf(text, sizeof(text), "# bad\n\n%s\n",
		    bads[i].line);
		(void)snprintf(msg, sizeof(msg), "3: %s", bads[i].msg);
		expect_err(text, bads[i].code, msg);
	}
}

static void
test_duplicates(void **state)
{
	(void)state;
	expect_err("Socket inet:1@127.0.0.1\n# again\nsocket inet:2@127.0.0.1"
	    "\n", VOUCH_ESYNTAX, "3: Socket given twice (first at line 1)");
	expect_err("DNSTimeout 100\nMaxDNSTime 1000\nDNSTimeout 100\n",
	    VOUCH_ESYNTAX, "3: DNSTimeout given twice (first at line 1)");
	/* The same value twice is still twice. */
	expect_err("InternalHosts none\nINTERNALHOSTS none\n", VOUCH_ESYNTAX,
	    "2: InternalHosts given twice (first at line 1)");
}

static void
test_files(void **state)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err = { 0 };
	char *big, want[1024];
	size_t n;

	(void)state;
	/* A line over 4 KiB. */
	big = calloc(1, 8192);
	assert_non_null(big);
	memcpy(big, "# x\nRejectText 550 5.7.1 ", 25);
	memset(big + 25, 'a', 4100);
	memcpy(big + 25 + 4100, "\n", 2);
	expect_err(big, VOUCH_ELIMIT, "2: line longer than 4096 bytes");
	/* Exactly 4096 bytes is a line (and too long a reply). */
	memset(big, 0, 8192);
	memcpy(big, "RejectText 550 5.7.1 ", 21);
	memset(big + 21, 'a', 4096 - 21);
	expect_err(big, VOUCH_ELIMIT, "1: RejectText: longer than an SMTP "
	    "reply line (510 bytes, RFC 5321 4.5.3.1.5)");
	free(big);
	/* A NUL byte. */
	put("nul.conf", "Syslog yes\n", 0644);
	{
		FILE *f = fopen(tpath("nul.conf"), "a");

		assert_non_null(f);
		assert_int_equal(fwrite("LogWhy\0yes\n", 1, 11, f), 11);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(vouchd_conf_load(tpath("nul.conf"), &c, &err),
	    VOUCH_ESYNTAX);
	(void)snprintf(want, sizeof(want), "%s:2: control byte 0x00 in "
	    "column 7", tpath("nul.conf"));
	assert_string_equal(err.msg, want);
	/* Over 1 MiB. */
	n = 1024 * 1024 + 1;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	put("big.conf", big, 0644);
	free(big);
	assert_int_equal(vouchd_conf_load(tpath("big.conf"), &c, &err),
	    VOUCH_ELIMIT);
	(void)snprintf(want, sizeof(want), "%s: larger than 1048576 bytes",
	    tpath("big.conf"));
	assert_string_equal(err.msg, want);
	/* Missing, a directory. */
	assert_int_equal(vouchd_conf_load(tpath("none.conf"), &c, &err),
	    VOUCH_EIO);
	(void)snprintf(want, sizeof(want), "%s: No such file or directory",
	    tpath("none.conf"));
	assert_string_equal(err.msg, want);
	assert_int_equal(vouchd_conf_load(tmp, &c, &err), VOUCH_EIO);
	(void)snprintf(want, sizeof(want), "%s: not a regular file", tmp);
	assert_string_equal(err.msg, want);
	assert_null(c);
	assert_int_equal(vouchd_conf_load(NULL, &c, &err), VOUCH_EINVAL);
}

/* ---- KeyTable and SigningTable ---------------------------------------- */

#define KT "KeyTable {T}/KeyTable\n"
#define ST "SigningTable {T}/SigningTable\n"
#define KEYS "rsa._domainkey.example.com example.com:rsa:./rsa.pem\n" \
	"# Ed25519 (RFC 8463) next to it\n" \
	"ed example.com:ed:{T}/ed.pem\n"

static void
put_tables(const char *kt, const char *st)
{
	put("KeyTable", subst(kt), 0644);
	put("SigningTable", subst(st), 0644);
}

static const char *
key_names(const struct vouchd_sign_rule *r)
{
	static char buf[256];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < r->nkeys; i++)
		(void)tu_append(buf, sizeof(buf), "%s%s", i > 0 ? "," : "",
		    r->keys[i]->name);
	return buf;
}

static void
test_tables(void **state)
{
	const struct vouchd_sign_rule *r;
	struct vouchd_conf *c;

	(void)state;
	put_tables(KEYS, "# plain table: exact address, then domain\n"
	    "example.com rsa._domainkey.example.com, ed\n"
	    "User@Example.org ed\n"
	    "example.org rsa._domainkey.example.com\n"
	    "b\xc3\xbc" "cher.example ed\n");
	c = load_ok(KT ST);
	assert_int_equal(c->nkeys, 2);
	assert_string_equal(c->keys[0].name, "rsa._domainkey.example.com");
	assert_string_equal(c->keys[0].domain, "example.com");
	assert_string_equal(c->keys[0].selector, "rsa");
	assert_string_equal(c->keys[0].keyfile, tpath("./rsa.pem"));
	assert_int_equal(vouch_dkim_key_type(c->keys[0].key),
	    VOUCH_DKIM_KEY_RSA);
	assert_int_equal(vouch_dkim_key_type(c->keys[1].key),
	    VOUCH_DKIM_KEY_ED25519);
	assert_string_equal(c->key_table, tpath("KeyTable"));
	assert_int_equal(c->sign_regex, 0);
	assert_int_equal(c->nrules, 4);
	r = vouchd_conf_signing(c, "bob@example.com");
	assert_string_equal(r->pattern, "example.com");
	assert_string_equal(key_names(r), "rsa._domainkey.example.com,ed");
	assert_ptr_equal(vouchd_conf_signing(c, "BOB@EXAMPLE.COM"), r);
	r = vouchd_conf_signing(c, "user@example.org");
	assert_string_equal(r->pattern, "user@example.org");
	assert_string_equal(key_names(r), "ed");
	r = vouchd_conf_signing(c, "other@example.org");
	assert_string_equal(key_names(r), "rsa._domainkey.example.com");
	/* The IDN is stored as its A-label, as From domains arrive. */
	r = vouchd_conf_signing(c, "a@xn--bcher-kva.example");
	assert_string_equal(key_names(r), "ed");
	r = vouchd_conf_signing(c, "x@sub.example.com");
	assert_non_null(r);
	assert_int_equal(r->nkeys, 0);
	assert_int_equal(vouchd_conf_signing(c, "example.net")->nkeys, 0);
	assert_int_equal(vouchd_conf_signing(NULL, "a@example.com")->nkeys, 0);
	assert_int_equal(vouchd_conf_signing(c, NULL)->nkeys, 0);
	vouchd_conf_free(c);
}

static void
test_tables_repeat(void **state)
{
	const struct vouchd_sign_rule *r;
	struct vouchd_conf *c;

	(void)state;
	/* The same pattern on several lines: one rule, every key, in file
	 * order; the rule keeps the place of its first line. */
	put_tables(KEYS, "example.com ed\n"
	    "user@example.com rsa._domainkey.example.com\n"
	    "EXAMPLE.COM rsa._domainkey.example.com\n");
	c = load_ok(KT "SigningTable file:{T}/SigningTable\n");
	assert_int_equal(c->nrules, 2);
	assert_string_equal(c->rules[0].pattern, "example.com");
	assert_string_equal(key_names(&c->rules[0]),
	    "ed,rsa._domainkey.example.com");
	r = vouchd_conf_signing(c, "user@example.com");
	assert_string_equal(key_names(r), "rsa._domainkey.example.com");
	vouchd_conf_free(c);
}

static void
test_tables_refile(void **state)
{
	struct vouchd_conf *c;

	(void)state;
	put_tables(KEYS, "*@example.com ed\n"
	    "*@*.example.com rsa._domainkey.example.com\n"
	    "boss@* ed, rsa._domainkey.example.com\n"
	    "* rsa._domainkey.example.com\n");
	c = load_ok(KT "SigningTable refile:{T}/SigningTable\n");
	assert_int_equal(c->sign_regex, 1);
	assert_string_equal(key_names(vouchd_conf_signing(c, "a@example.com")),
	    "ed");
	assert_string_equal(key_names(vouchd_conf_signing(c,
	    "a@Mail.Example.COM")), "rsa._domainkey.example.com");
	/* In file order: boss@example.com matches line 1 first. */
	assert_string_equal(key_names(vouchd_conf_signing(c,
	    "boss@example.com")), "ed");
	assert_string_equal(key_names(vouchd_conf_signing(c,
	    "boss@example.net")), "ed,rsa._domainkey.example.com");
	assert_string_equal(vouchd_conf_signing(c, "x@y")->pattern, "*");
	/* "*@example.com" does not match a subdomain. */
	assert_string_equal(vouchd_conf_signing(c, "a@xexample.com")->pattern,
	    "*");
	vouchd_conf_free(c);
	put_tables(KEYS, "a*b*c ed\n");
	c = load_ok(KT "SigningTable refile:{T}/SigningTable\n");
	assert_int_equal(vouchd_conf_signing(c, "aXbYc")->nkeys, 1);
	assert_int_equal(vouchd_conf_signing(c, "abc")->nkeys, 1);
	assert_int_equal(vouchd_conf_signing(c, "abcd")->nkeys, 0);
	assert_int_equal(vouchd_conf_signing(c, "acb")->nkeys, 0);
	vouchd_conf_free(c);
}

struct tbad {
	const char *kt, *st;
	int code;
	const char *msg;
};

static const struct tbad tbads[] = {
	{ "name\n", "x ed\n", VOUCH_ESYNTAX, "1: KeyTable: {T}/KeyTable:1: "
	    "'name' has no DOMAIN:SELECTOR:KEYFILE" },
	{ "# c\nn example.com:sel\n", "x ed\n", VOUCH_ESYNTAX, "1: KeyTable: "
	    "{T}/KeyTable:2: 'example.com:sel' is not "
	    "DOMAIN:SELECTOR:KEYFILE" },
	{ "n %:sel:/k.pem\n", "x ed\n", VOUCH_EUNSUPPORTED, "1: KeyTable: "
	    "{T}/KeyTable:1: '%' (the sender's domain) is not supported: one "
	    "line per domain" },
	{ "n bad!dom:sel:/k.pem\n", "x ed\n", VOUCH_ESYNTAX, "1: KeyTable: "
	    "{T}/KeyTable:1: 'bad!dom' is not a domain" },
	{ "n example.com:-sel:/k.pem\n", "x ed\n", VOUCH_ESYNTAX,
	    "1: KeyTable: {T}/KeyTable:1: '-sel' is not a selector (RFC 6376 "
	    "3.1)" },
	{ "n example.com:sel:MIIEv...\n", "x ed\n", VOUCH_EUNSUPPORTED,
	    "1: KeyTable: {T}/KeyTable:1: 'MIIEv...': KEYFILE must be a path "
	    "(/, ./ or ../); vouchd takes no key inline" },
	{ "ed example.com:a:./ed.pem\n\ned example.com:b:./ed.pem\n", "x ed\n",
	    VOUCH_ESYNTAX, "1: KeyTable: {T}/KeyTable:3: key 'ed' is already "
	    "at line 1" },
	{ "ed example.com:a:./missing.pem\n", "x ed\n", VOUCH_EIO,
	    "1: KeyTable: {T}/KeyTable:1: ed: {T}/./missing.pem: No such file "
	    "or directory" },
	/* Like vouch dkim sign: a key others can read is refused. */
	{ "# ok\ned example.com:a:./ed.pem\nopen example.com:b:./open.pem\n",
	    "x ed\n", VOUCH_EINVAL, "1: KeyTable: {T}/KeyTable:3: open: "
	    "{T}/./open.pem: private key permissions 0644 are too open: group "
	    "or others can access it (run chmod 600 {T}/./open.pem)" },
	{ KEYS, "example.com nokey\n", VOUCH_ENOTFOUND, "2: SigningTable: "
	    "{T}/SigningTable:1: no key 'nokey' in the KeyTable" },
	{ KEYS, "# plain\n*@example.com ed\n", VOUCH_EUNSUPPORTED,
	    "2: SigningTable: {T}/SigningTable:2: '*@example.com': wildcards "
	    "need SigningTable refile:PATH, and '%' is not supported" },
	{ KEYS, "example.com\n", VOUCH_ESYNTAX, "2: SigningTable: "
	    "{T}/SigningTable:1: 'example.com' names no key" },
	{ KEYS, "example.com ed, ed\n", VOUCH_ESYNTAX, "2: SigningTable: "
	    "{T}/SigningTable:1: key 'ed' twice for 'example.com'" },
	{ KEYS, "example.com ed\nexample.com ed\n", VOUCH_ESYNTAX,
	    "2: SigningTable: {T}/SigningTable:2: key 'ed' twice for "
	    "'example.com'" },
	{ KEYS, "example.com ed,\n", VOUCH_ESYNTAX, "2: SigningTable: "
	    "{T}/SigningTable:1: an empty key name for 'example.com'" },
	{ KEYS, "example.com ed:user@example.com\n", VOUCH_EUNSUPPORTED,
	    "2: SigningTable: {T}/SigningTable:1: 'ed:user@example.com' is "
	    "not a key name (the KEYNAME:SIGNER form is not supported)" },
	{ KEYS, "@example.com ed\n", VOUCH_ESYNTAX, "2: SigningTable: "
	    "{T}/SigningTable:1: '@example.com' is not an address or a "
	    "domain" },
	{ KEYS, ".example.com ed\n", VOUCH_ESYNTAX, "2: SigningTable: "
	    "{T}/SigningTable:1: '.example.com' is not an address or a "
	    "domain" },
};

static void
test_tables_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tbads) / sizeof(tbads[0]); i++) {
		put_tables(tbads[i].kt, tbads[i].st);
		expect_err(KT ST, tbads[i].code, tbads[i].msg);
	}
	/* More than 8 keys for one pattern (vouch_dkim_sign_new's cap). */
	put_tables("k1 e.com:s1:./ed.pem\nk2 e.com:s2:./ed.pem\n"
	    "k3 e.com:s3:./ed.pem\nk4 e.com:s4:./ed.pem\n"
	    "k5 e.com:s5:./ed.pem\nk6 e.com:s6:./ed.pem\n"
	    "k7 e.com:s7:./ed.pem\nk8 e.com:s8:./ed.pem\n"
	    "k9 e.com:s9:./ed.pem\n", "e.com k1,k2,k3,k4,k5,k6,k7,k8\n"
	    "e.com k9\n");
	expect_err(KT ST, VOUCH_ELIMIT, "2: SigningTable: {T}/SigningTable:2: "
	    "more than 8 keys for 'e.com'");
	/* One table without the other. */
	expect_err("# x\n" KT, VOUCH_ESYNTAX, "2: KeyTable: no SigningTable "
	    "says which mail to sign with it");
	expect_err(ST, VOUCH_ESYNTAX, "1: SigningTable: no KeyTable holds "
	    "its keys");
	expect_err("KeyTable {T}/nope\n" ST, VOUCH_EIO,
	    "1: KeyTable: {T}/nope: No such file or directory");
}

/* ---- networks and trusted ids ---------------------------------------- */

static int
internal(const struct vouchd_conf *c, const char *text)
{
	struct vouch_ip ip;

	if (vouch_ip_parse(text, &ip) != 0)
		fail_msg("bad test address %s", text);
	return vouchd_conf_is_internal(c, &ip);
}

static void
test_networks(void **state)
{
	struct vouchd_conf *c;
	char want[1024];

	(void)state;
	c = load_ok("InternalHosts 10.1.2.3/8, 192.168.1.7 2001:db8::/32,"
	    "[2001:db8:ffff::1], ::ffff:172.16.0.0/108\n");
	assert_int_equal(c->ninternal, 5);
	assert_true(internal(c, "10.255.0.1"));
	assert_false(internal(c, "11.0.0.1"));
	assert_true(internal(c, "192.168.1.7"));
	assert_false(internal(c, "192.168.1.8"));
	assert_true(internal(c, "2001:db8:abcd::25"));
	assert_false(internal(c, "2001:db9::1"));
	/* A client given as IPv4-mapped IPv6 is its IPv4 address. */
	assert_true(internal(c, "::ffff:10.9.9.9"));
	assert_false(internal(c, "::ffff:11.9.9.9"));
	/* ::ffff:172.16.0.0/108 is 172.16.0.0/12 (RFC 4291 2.5.5.2). */
	assert_true(internal(c, "172.31.255.255"));
	assert_false(internal(c, "172.32.0.1"));
	assert_true(internal(c, "::ffff:172.16.0.1"));
	/* The default loopback entries are gone: the list replaced them. */
	assert_false(internal(c, "127.0.0.1"));
	assert_false(vouchd_conf_is_internal(c, NULL));
	assert_false(vouchd_conf_is_internal(NULL, NULL));
	vouchd_conf_free(c);

	c = load_ok("InternalHosts 0.0.0.0/0\n");
	assert_true(internal(c, "203.0.113.9"));
	assert_false(internal(c, "2001:db8::1"));
	vouchd_conf_free(c);
	c = load_ok("InternalHosts none\n");
	assert_int_equal(c->ninternal, 0);
	assert_false(internal(c, "127.0.0.1"));
	vouchd_conf_free(c);
	c = load_ok("InternalHosts ::/0\n");
	assert_true(internal(c, "2001:db8::1"));
	assert_false(internal(c, "192.0.2.1"));
	vouchd_conf_free(c);

	/* Files, with the path relative to vouchd.conf. */
	put("hosts", "# office\n10.0.0.0/8\n\n192.0.2.1 # printer\n", 0644);
	c = load_ok("InternalHosts file:hosts\n");
	assert_int_equal(c->ninternal, 2);
	assert_string_equal(c->internal_file, tpath("hosts"));
	assert_true(internal(c, "192.0.2.1"));
	vouchd_conf_free(c);
	(void)snprintf(want, sizeof(want), "1: InternalHosts: %s:3: "
	    "'mail.example.com' is not ADDRESS or ADDRESS/PREFIX (vouchd "
	    "matches addresses, not host names)",
	    tu_src_path("tests/data/vouchd/internal-bad.hosts"));
	expect_err(subst("InternalHosts " VOUCH_SOURCE_DIR
	    "/tests/data/vouchd/internal-bad.hosts\n"), VOUCH_ESYNTAX, want);
	(void)snprintf(want, sizeof(want), "1: InternalHosts: %s:2: one entry "
	    "per line: '192.0.2.2' follows '192.0.2.1'",
	    tu_src_path("tests/data/vouchd/internal-two.hosts"));
	expect_err("InternalHosts file:" VOUCH_SOURCE_DIR
	    "/tests/data/vouchd/internal-two.hosts\n", VOUCH_ESYNTAX, want);
}

static void
test_trusted(void **state)
{
	struct vouchd_conf *c;

	(void)state;
	c = load_ok("TrustedAuthservIDs mx.example.com, Relay.Example.NET\n");
	assert_int_equal(c->ntrusted, 2);
	assert_true(vouchd_conf_is_trusted(c, "MX.EXAMPLE.COM"));
	assert_true(vouchd_conf_is_trusted(c, "relay.example.net"));
	assert_false(vouchd_conf_is_trusted(c, "example.com"));
	assert_false(vouchd_conf_is_trusted(c, "mx.example.com.evil"));
	assert_false(vouchd_conf_is_trusted(c, NULL));
	assert_false(vouchd_conf_is_trusted(NULL, "mx.example.com"));
	vouchd_conf_free(c);
	c = load_ok("TrustedAuthservIDs " VOUCH_SOURCE_DIR
	    "/tests/data/vouchd/trusted.ids\n");
	assert_int_equal(c->ntrusted, 2);
	assert_true(vouchd_conf_is_trusted(c, "relay.example.net"));
	vouchd_conf_free(c);
	c = load_ok("# none given: nothing is trusted\n");
	assert_false(vouchd_conf_is_trusted(c, c->authserv_id));
	vouchd_conf_free(c);
}

/* ---- write -> load --------------------------------------------------- */

static void
assert_str_or_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
assert_conf_equal(const struct vouchd_conf *a, const struct vouchd_conf *b)
{
	size_t i, j;

	assert_str_or_null(a->socket, b->socket);
	assert_int_equal(a->socket_mode, b->socket_mode);
	assert_str_or_null(a->user, b->user);
	assert_str_or_null(a->pid_file, b->pid_file);
	assert_int_equal(a->syslog, b->syslog);
	assert_str_or_null(a->syslog_facility, b->syslog_facility);
	assert_int_equal(a->log_why, b->log_why);
	assert_str_or_null(a->metrics, b->metrics);
	assert_str_or_null(a->authserv_id, b->authserv_id);
	assert_int_equal(a->ntrusted, b->ntrusted);
	for (i = 0; i < a->ntrusted; i++)
		assert_string_equal(a->trusted[i], b->trusted[i]);
	assert_str_or_null(a->trusted_file, b->trusted_file);
	assert_int_equal(a->ninternal, b->ninternal);
	for (i = 0; i < a->ninternal; i++) {
		assert_int_equal(a->internal[i].ip.family,
		    b->internal[i].ip.family);
		assert_memory_equal(a->internal[i].ip.addr,
		    b->internal[i].ip.addr, 16);
		assert_int_equal(a->internal[i].prefix, b->internal[i].prefix);
	}
	assert_str_or_null(a->internal_file, b->internal_file);
	assert_int_equal(a->sign_authenticated, b->sign_authenticated);
	assert_int_equal(a->nkeys, b->nkeys);
	for (i = 0; i < a->nkeys; i++) {
		assert_string_equal(a->keys[i].name, b->keys[i].name);
		assert_string_equal(a->keys[i].domain, b->keys[i].domain);
		assert_string_equal(a->keys[i].selector, b->keys[i].selector);
		assert_string_equal(a->keys[i].keyfile, b->keys[i].keyfile);
		assert_int_equal(vouch_dkim_key_type(a->keys[i].key),
		    vouch_dkim_key_type(b->keys[i].key));
	}
	assert_int_equal(a->nrules, b->nrules);
	for (i = 0; i < a->nrules; i++) {
		assert_string_equal(a->rules[i].pattern, b->rules[i].pattern);
		assert_int_equal(a->rules[i].nkeys, b->rules[i].nkeys);
		for (j = 0; j < a->rules[i].nkeys; j++)
			assert_string_equal(a->rules[i].keys[j]->name,
			    b->rules[i].keys[j]->name);
	}
	assert_int_equal(a->sign_regex, b->sign_regex);
	assert_str_or_null(a->key_table, b->key_table);
	assert_str_or_null(a->signing_table, b->signing_table);
	assert_int_equal(a->dmarc_mode, b->dmarc_mode);
	assert_str_or_null(a->psl_file, b->psl_file);
	assert_str_or_null(a->reject_text, b->reject_text);
	assert_str_or_null(a->tempfail_text, b->tempfail_text);
	assert_int_equal(a->tempfail_on_dns, b->tempfail_on_dns);
	assert_int_equal(a->reject_enabled, b->reject_enabled);
	assert_int_equal(a->quarantine, b->quarantine);
	assert_str_or_null(a->quarantine_header, b->quarantine_header);
	assert_str_or_null(a->dns_server, b->dns_server);
	assert_int_equal(a->dns_timeout_ms, b->dns_timeout_ms);
	assert_int_equal(a->dns_queries, b->dns_queries);
	assert_int_equal(a->dns_ms, b->dns_ms);
	assert_int_equal(a->max_header_bytes, b->max_header_bytes);
	assert_int_equal(a->max_signatures, b->max_signatures);
	assert_int_equal(a->on_internal_error, b->on_internal_error);
}

/* Write a, load it back from another directory, compare; returns the
 * text written. */
static char *
round_trip(const struct vouchd_conf *a)
{
	struct vouchd_conf *b = NULL;
	struct vouch_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(vouchd_conf_write(a, f), 0);
	assert_int_equal(fclose(f), 0);
	(void)mkdir(tpath("other"), 0700);
	put("other/written.conf", text, 0644);
	if (vouchd_conf_load(tpath("other/written.conf"), &b, &err) != 0)
		fail_msg("written file does not load: %s\n%s", err.msg, text);
	assert_conf_equal(a, b);
	vouchd_conf_free(b);
	return text;
}

static void
test_write(void **state)
{
	struct vouchd_conf *a = NULL;
	struct vouch_error err = { 0 };
	char *text;

	(void)state;
	assert_int_equal(vouchd_conf_default(&a, &err), 0);
	text = round_trip(a);
	assert_non_null(strstr(text, "\nSocket inet:8891@127.0.0.1\n"));
	assert_non_null(strstr(text, "\nSocketMode 0660\n"));
	assert_non_null(strstr(text, "\n# UserID (not set)\n"));
	assert_non_null(strstr(text, "\nInternalHosts 127.0.0.1, ::1\n"));
	assert_non_null(strstr(text, "\nRejectText 550 5.7.1 DMARC "
	    "unauthenticated mail is prohibited\n"));
	assert_non_null(strstr(text, "\nOnInternalError tempfail\n"));
	free(text);
	vouchd_conf_free(a);

	a = load_ok("InternalHosts none\nQuarantineAction accept\n");
	text = round_trip(a);
	assert_non_null(strstr(text, "\nInternalHosts none\n"));
	free(text);
	vouchd_conf_free(a);

	/* Everything: the fixture, then tables and host bits. */
	assert_int_equal(vouchd_conf_load(
	    tu_src_path("tests/data/vouchd/good.conf"), &a, &err), 0);
	text = round_trip(a);
	free(text);
	vouchd_conf_free(a);
	put_tables(KEYS, "*@example.com rsa._domainkey.example.com, ed\n"
	    "* ed\n");
	a = load_ok(KT "SigningTable refile:SigningTable\n"
	    "InternalHosts 10.1.2.3/8, ::ffff:192.0.2.0/120\n"
	    "TrustedAuthservIDs a.example b.example\n"
	    "DMARCMode shadow\nDNSServer ::1\n");
	text = round_trip(a);
	assert_non_null(strstr(text, "\nInternalHosts 10.0.0.0/8, "
	    "192.0.2.0/24\n"));
	assert_non_null(strstr(text, subst("\nSigningTable "
	    "refile:{T}/SigningTable\n")));
	free(text);
	vouchd_conf_free(a);
	assert_int_equal(vouchd_conf_write(NULL, stdout), VOUCH_EINVAL);
}

/* ---- vouchd migrate -------------------------------------------------- */

static char *
migrate(const char *dkim, const char *dmarc, int want_rc)
{
	struct vouch_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	assert_non_null(f);
	rc = vouchd_conf_migrate(dkim, dmarc, f, &err);
	assert_int_equal(fclose(f), 0);
	if (rc != want_rc)
		fail_msg("migrate: %d %s", rc, err.msg);
	return text;
}

static void
has_line(const char *text, const char *line)
{
	char want[2048];

	if (snprintf(want, sizeof(want), "\n%s\n", line) >= (int)sizeof(want))
		fail_msg("has_line: line too long");
	if (strstr(text, want) == NULL)
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

/* Each line of the expected list, as opendkim.conf(5) and
 * opendmarc.conf(5) define the settings of the two samples. */
static const char *const migrated[] = {
	"Socket local:/run/opendkim/opendkim.sock",
	/* UMask 007: the socket is created 0777 & ~007. */
	"SocketMode 0770",
	"UserID daemon",
	"Syslog yes",
	"LogWhy no",
	/* opendkim.conf's AuthservID is HOSTNAME, vouchd's default. */
	"AuthservID mx.example.com",
	"TrustedAuthservIDs mx.example.com, relay.example.net",
	"InternalHosts 127.0.0.1, 10.0.0.0/8",
	"RejectFailures yes",
	/* On-DNSError accept: mail is accepted on DNS errors. */
	"TempFailOnDNSError no",
	"QuarantineAction hold",
	"DNSServer 127.0.0.53",
	/* DNSTimeout 5 is seconds. */
	"DNSTimeout 5000",
	"MaxSignatures 3",
	"OnInternalError tempfail",
	"# KeyTable:      mail._domainkey.example.com "
	    "example.com:mail:/etc/dkimkeys/mail.private",
	"# SigningTable:  example.com mail._domainkey.example.com",
	"# KeyTable:      mail._domainkey.example.org "
	    "example.org:mail:/etc/dkimkeys/mail.private",
	"# SigningTable:  example.org mail._domainkey.example.org",
	"#KeyTable file:/etc/vouchd/KeyTable",
	"# not carried over: SyslogSuccess yes -- vouchd logs one line for "
	    "every message",
	"# not carried over: Canonicalization relaxed/simple -- vouchd signs "
	    "with relaxed/relaxed",
	"# not carried over: OversignHeaders From -- vouchd signs its own "
	    "list of header fields and over-signs each (RFC 6376 5.4.2)",
	"# not carried over: PidFile /run/opendkim/opendkim.pid -- that is "
	    "the old daemon's pid file; vouchd writes its own (PidFile)",
	"# not carried over: Mode sv -- vouchd signs mail from InternalHosts "
	    "and authenticated clients and verifies the rest: there is no "
	    "mode",
	"# not carried over: InternalHosts mail.example.com -- vouchd matches "
	    "addresses, not host names: list the address",
	"# not carried over: InternalHosts !10.0.0.5 -- vouchd has no "
	    "exclusions: leave the address out",
	"# not carried over: On-BadSignature reject -- a DKIM result alone "
	    "decides nothing: vouchd acts on the DMARC verdict "
	    "(RejectFailures, QuarantineAction)",
	"# not carried over: Nameservers 192.0.2.1 -- vouchd asks one DNS "
	    "server",
	"# not carried over: AuthservID HOSTNAME -- the host name is vouchd's "
	    "default AuthservID",
	"# not carried over: LDAPBindPassword (value not shown) -- vouchd "
	    "reads its tables from flat files only",
	"# not carried over: SomethingElse 1 -- not in opendkim.conf(5)",
	"# not carried over: RejectFailures yes -- not in opendkim.conf(5)",
	"# not carried over: TrustedAuthservIDs HOSTNAME -- this host's own "
	    "name: vouchd always removes the fields that claim its "
	    "authserv-id",
	"# not carried over: IgnoreAuthenticatedClients false -- vouchd signs "
	    "mail from authenticated clients instead of checking it "
	    "(SignAuthenticated yes); set SignAuthenticated no to check it",
	"# not carried over: SPFSelfValidate true -- vouchd always checks SPF "
	    "itself and never reads SPF results from the message",
	"# not carried over: PublicSuffixList "
	    "/nonexistent/public_suffix_list.dat -- vouchd's PublicSuffixList "
	    "refuses it: /nonexistent/public_suffix_list.dat: No such file or "
	    "directory",
	"# not carried over: RejectString rejected by DMARC policy for %s -- "
	    "vouchd's RejectText is the whole reply, without %s: write "
	    "RejectText 550 5.7.1 TEXT",
	"# not carried over: HistoryFile /run/opendmarc/opendmarc.dat -- "
	    "vouchd keeps no history file for aggregate reports",
	"# not carried over: FailureReports false -- vouchd sends no failure "
	    "reports (RFC 6591, RFC 6651)",
	"# not carried over: RequiredHeaders true -- vouchd never passes a "
	    "message without exactly one well-formed From (SECURITY.md); "
	    "other RFC 5322 3.6 counts are not checked",
	"# not carried over: PidFile /run/opendmarc/opendmarc.pid -- that is "
	    "the old daemon's pid file; vouchd writes its own (PidFile)",
};

static void
test_migrate(void **state)
{
	char dkim[1024], dmarc[1024], want[2048];
	struct vouchd_conf *c = NULL;
	struct vouch_error err = { 0 };
	char *text;
	size_t i;

	(void)state;
	(void)snprintf(dkim, sizeof(dkim), "%s",
	    tu_src_path("tests/data/vouchd/opendkim.conf"));
	(void)snprintf(dmarc, sizeof(dmarc), "%s",
	    tu_src_path("tests/data/vouchd/opendmarc.conf"));
	text = migrate(dkim, dmarc, 0);
	for (i = 0; i < sizeof(migrated) / sizeof(migrated[0]); i++)
		has_line(text, migrated[i]);
	(void)snprintf(want, sizeof(want), "# from %s:10", dkim);
	has_line(text, want);
	/* Where the two files disagree, opendkim.conf (read first) wins. */
	(void)snprintf(want, sizeof(want), "# not carried over: Socket "
	    "local:/run/opendmarc/opendmarc.sock -- vouchd's Socket is already "
	    "local:/run/opendkim/opendkim.sock (from %s:10)", dkim);
	has_line(text, want);
	(void)snprintf(want, sizeof(want), "# not carried over: UMask 0002 -- "
	    "vouchd's SocketMode is already 0770 (from %s:9)", dkim);
	has_line(text, want);
	(void)snprintf(want, sizeof(want), "# not carried over: IgnoreHosts "
	    "/etc/opendmarc/ignore.hosts -- vouchd's InternalHosts is already "
	    "127.0.0.1, 10.0.0.0/8 (from %s:17)", dkim);
	has_line(text, want);
	(void)snprintf(want, sizeof(want), "# not carried over: DNSTimeout 10 "
	    "-- vouchd's DNSTimeout is already 5000 (from %s:18)", dkim);
	has_line(text, want);
	/* Agreeing values (UserID daemon, Syslog) are no note. */
	assert_null(strstr(text, "not carried over: UserID"));
	assert_null(strstr(text, "not carried over: Syslog "));
	assert_null(strstr(text, "s3cr3t"));
	/* The output loads. */
	put("migrated.conf", text, 0644);
	if (vouchd_conf_load(tpath("migrated.conf"), &c, &err) != 0)
		fail_msg("migrated file: %s\n%s", err.msg, text);
	assert_int_equal(c->socket_mode, 0770);
	assert_int_equal(c->quarantine, VOUCHD_QUARANTINE_HOLD);
	assert_int_equal(c->dns_timeout_ms, 5000);
	assert_int_equal(c->tempfail_on_dns, 0);
	vouchd_conf_free(c);
	free(text);
}

static void
test_migrate_more(void **state)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err = { 0 };
	char *text;

	(void)state;
	/* OpenDMARC's defaults are carried: no rejects, no hold. */
	put("dmarc.conf", "# defaults\nAuthservID mx.example.com\n"
	    "UMask 022\n", 0644);
	text = migrate(NULL, tpath("dmarc.conf"), 0);
	has_line(text, "# from OpenDMARC's default (RejectFailures false)");
	has_line(text, "RejectFailures no");
	has_line(text, "QuarantineAction accept");
	has_line(text, "SocketMode 0755");
	has_line(text, subst("#   {T}/dmarc.conf"));
	assert_null(strstr(text, "There was no opendmarc.conf"));
	free(text);
	/* Only an opendkim.conf: say that the DMARC defaults apply;
	 * tables are referred to, booleans read by their first byte. */
	put("dkim.conf", "KeyTable refile:/etc/opendkim/KeyTable\n"
	    "SigningTable refile:/etc/opendkim/SigningTable\n"
	    "Domain example.com\nSyslog Y\nLogWhy f\nQuarantine yes\n"
	    "DNSTimeout 0\nOn-InternalError reject\nInternalHosts "
	    "file:/nonexistent/hosts\nSyslogFacility LOCAL9\n", 0644);
	text = migrate(tpath("dkim.conf"), NULL, 0);
	has_line(text, "# There was no opendmarc.conf: vouchd's DMARC defaults "
	    "apply (RejectFailures");
	has_line(text, "SigningTable refile:/etc/opendkim/SigningTable");
	has_line(text, "Syslog yes");
	has_line(text, "LogWhy no");
	has_line(text, "# not carried over: KeyTable refile:/etc/opendkim/"
	    "KeyTable -- vouchd's KeyTable refuses it: "
	    "'refile:/etc/opendkim/KeyTable' is not a file (PATH or "
	    "file:PATH; vouchd reads no databases)");
	has_line(text, "# not carried over: Domain example.com -- OpenDKIM "
	    "signs only with Domain, Selector and KeyFile together");
	has_line(text, "# not carried over: Quarantine yes -- vouchd "
	    "quarantines on the DMARC verdict (QuarantineAction), not on "
	    "DKIM");
	has_line(text, "# not carried over: DNSTimeout 0 -- 0 waits forever; "
	    "vouchd always gives up (after 5000 ms by default)");
	has_line(text, "# not carried over: On-InternalError reject -- vouchd "
	    "can only tempfail or accept here (OnInternalError)");
	has_line(text, "# not carried over: InternalHosts file:/nonexistent/"
	    "hosts -- vouchd's InternalHosts refuses it: /nonexistent/hosts: "
	    "No such file or directory");
	has_line(text, "# not carried over: SyslogFacility LOCAL9 -- vouchd's "
	    "SyslogFacility refuses it: 'LOCAL9' is not a syslog facility "
	    "(mail, daemon, local0 ... local7, ...)");
	free(text);
	/* A KeyTable beside Domain/Selector/KeyFile: OpenDKIM ignores them
	 * (opendkim.conf(5), Domain). */
	put("dkim.conf", "KeyTable /etc/opendkim/KeyTable\nDomain example.com\n"
	    "Selector s\nKeyFile k.pem\nSigningTable /etc/opendkim/st\n",
	    0644);
	text = migrate(tpath("dkim.conf"), NULL, 0);
	has_line(text, "KeyTable /etc/opendkim/KeyTable");
	has_line(text, "# not carried over: Selector s -- OpenDKIM ignores it "
	    "too, since KeyTable is set");
	free(text);
	/* Relative KeyFile and a Domain file. */
	put("dkim.conf", "Domain file:/etc/opendkim/domains\nSelector s\n"
	    "KeyFile keys/k.pem\n", 0644);
	text = migrate(tpath("dkim.conf"), NULL, 0);
	has_line(text, "# (one pair of lines for each domain listed in "
	    "file:/etc/opendkim/domains)");
	has_line(text, "# KeyTable:      s._domainkey.DOMAIN "
	    "DOMAIN:s:keys/k.pem");
	has_line(text, "# (KeyFile is a relative path: write it in full in the "
	    "KeyTable)");
	put("migrated.conf", text, 0644);
	assert_int_equal(vouchd_conf_load(tpath("migrated.conf"), &c, &err),
	    0);
	vouchd_conf_free(c);
	free(text);
	/* Errors. */
	text = migrate(NULL, NULL, VOUCH_EINVAL);
	free(text);
	text = migrate(tpath("nope.conf"), NULL, VOUCH_EIO);
	free(text);
	put("ctl.conf", "Socket inet:1@x\x02\n", 0644);
	text = migrate(tpath("ctl.conf"), NULL, VOUCH_ESYNTAX);
	free(text);
	assert_int_equal(vouchd_conf_migrate("a", NULL, NULL, &err),
	    VOUCH_EINVAL);
}

/* ---- reference counts ------------------------------------------------ */

static void *
hammer(void *arg)
{
	struct vouchd_conf *c = arg;
	int i;

	for (i = 0; i < 20000; i++)
		vouchd_conf_unref(vouchd_conf_ref(c));
	return NULL;
}

static void
test_refs(void **state)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err = { 0 };
	pthread_t t[4];
	int i;

	(void)state;
	assert_int_equal(vouchd_conf_default(&c, &err), 0);
	assert_ptr_equal(vouchd_conf_ref(c), c);
	assert_int_equal(c->refs, 2);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, c), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(c->refs, 2);
	vouchd_conf_unref(c);
	assert_int_equal(c->refs, 1);
	/* The last unref frees (ASan would report a leak otherwise). */
	vouchd_conf_unref(c);
	assert_null(vouchd_conf_ref(NULL));
	vouchd_conf_unref(NULL);
}

/* ---- failing allocations -------------------------------------------- */

static void
test_failalloc(void **state)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err;
	unsigned long n, total;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	(void)state;
	put_tables(KEYS, "example.com ed\nexample.com "
	    "rsa._domainkey.example.com\nuser@example.org ed\n");
	put("vouchd.conf", subst(KT ST "InternalHosts 10.0.0.0/8, ::1\n"
	    "TrustedAuthservIDs a.example, b.example\nUserID root\n"
	    "RejectText 550 5.7.1 no\nPidFile x.pid\n"), 0644);
	failalloc_set(0);
	assert_int_equal(vouchd_conf_load(tpath("vouchd.conf"), &c, &err), 0);
	total = failalloc_count();
	vouchd_conf_free(c);
	for (n = 1; n <= total; n++) {
		c = NULL;
		failalloc_set(n);
		rc = vouchd_conf_load(tpath("vouchd.conf"), &c, &err);
		failalloc_set(0);
		if (rc != VOUCH_ENOMEM || c != NULL)
			fail_msg("allocation %lu of %lu: %d %s", n, total, rc,
			    err.msg);
	}
	/* Migrate and write too. */
	for (n = 1;; n++) {
		f = open_memstream(&text, &len);
		assert_non_null(f);
		failalloc_set(n);
		rc = vouchd_conf_migrate(tu_src_path(
		    "tests/data/vouchd/opendkim.conf"), NULL, f, &err);
		total = failalloc_count();
		failalloc_set(0);
		fclose(f);
		free(text);
		if (rc == 0 && n > total)
			break;
		if (rc != VOUCH_ENOMEM)
			fail_msg("migrate, allocation %lu: %d %s", n, rc,
			    err.msg);
	}
	assert_int_equal(vouchd_conf_default(&c, &err), 0);
	for (n = 1;; n++) {
		f = open_memstream(&text, &len);
		assert_non_null(f);
		failalloc_set(n);
		rc = vouchd_conf_write(c, f);
		total = failalloc_count();
		failalloc_set(0);
		fclose(f);
		free(text);
		if (rc == 0 && n > total)
			break;
		assert_int_equal(rc, VOUCH_ENOMEM);
	}
	vouchd_conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_fixture),
		cmocka_unit_test(test_keys_good),
		cmocka_unit_test(test_keys_bad),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_tables_repeat),
		cmocka_unit_test(test_tables_refile),
		cmocka_unit_test(test_tables_bad),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_trusted),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_migrate_more),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
