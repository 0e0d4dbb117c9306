/*
 * fuzz_vouchd_session.c - the bytes as a script of milter events driven
 * into vouchd's sessions (src/vouchd/milter.h) the way libmilter calls
 * them, in any order: connect, HELO, MAIL FROM, header fields, end of
 * header, body pieces, end of message, abort, close.  Whatever an MTA
 * (or anything that reaches the socket) sends, the session must not
 * crash, leak or ask the MTA for something malformed.  Invariants,
 * abort() when broken:
 *   - a header value vouchd inserts holds no NUL, no CR and no LF that
 *     is not followed by a space or tab (the MTA stores the folding as
 *     LF, so a bare LF would start a new field);
 *   - at most one Authentication-Results of ours per message;
 *   - a reply's code is 4xx or 5xx and its enhanced code has the same
 *     class (RFC 3463);
 *   - a field to delete is named and its index is 1 or more.
 *
 * The daemon is set up once: a configuration with an internal network,
 * trusted authserv-ids, an RSA signing key and a zone in memory (so
 * messages from 10.0.0.0/8 are signed, others verified).
 *
 * Script: each event is a kind byte (modulo 10), a connection byte
 * (modulo 3 the connection; at connect, the rest picks the client) and
 * its operands.  A string is a length byte and that many bytes, cut at
 * a NUL as a C string from libmilter would be; a header field's name is
 * a byte first: odd picks a known name, even reads the name as a
 * string, 128 or more asks for the space after the colon back.
 *
 * Seeds: fuzz/corpus/vouchd_session/ (made by
 * fuzz/make-vouchd-session-seeds.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "milter.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CONNS 3

static const char zone_text[] =
    "pass.test. TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.pass.test. TXT \"v=DMARC1; p=reject\"\n"
    "quar.test. TXT \"v=spf1 ip4:192.0.2.10 ~all\"\n"
    "_dmarc.quar.test. TXT \"v=DMARC1; p=quarantine; sp=none\"\n"
    "$SERVFAIL _dmarc.broken.test.\n"
    "sign.test. TXT \"v=spf1 ip4:10.0.0.0/8 -all\"\n"
    "_dmarc.sign.test. TXT \"v=DMARC1; p=reject; adkim=s\"\n";

static const char *const field_names[] = {
	"From", "To", "Subject", "DKIM-Signature", "Authentication-Results",
	"Date", "Message-ID", "Sender", "Reply-To", "Received",
	"ARC-Seal", "Content-Type", "X-Test", "from", "FROM ",
};

static struct vouchd_state st;
static int ready;

/* ---- a fake MTA that checks what it is asked ----------------------------- */

/* FUZZ_VOUCHD_TRACE set: print what the MTA is asked (seed work). */
static int trace;

/* Our Authentication-Results inserted in each connection's message. */
static unsigned ar_inserts[MAX_CONNS];

static void
check_value(const char *v)
{
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p == '\r')
			abort();
		if (*p == '\n' && p[1] != ' ' && p[1] != '\t')
			abort();
	}
}

static int
m_insert(void *arg, unsigned index, const char *name, const char *value)
{
	unsigned *n = arg;

	if (name == NULL || value == NULL || name[0] == '\0' ||
	    strpbrk(name, ": \t\r\n") != NULL)
		abort();
	check_value(value);
	if (trace)
		fprintf(stderr, "insert %u %s:%s\n", index, name, value);
	if (strcmp(name, VOUCHD_AR_NAME) == 0 && ++*n > 1)
		abort();
	return 0;
}

static int
m_delete(void *arg, const char *name, unsigned idx)
{
	(void)arg;
	if (name == NULL || name[0] == '\0' || idx < 1)
		abort();
	if (trace)
		fprintf(stderr, "delete %s %u\n", name, idx);
	return 0;
}

static int
m_reply(void *arg, const char *code, const char *xcode, const char *text)
{
	(void)arg;
	if (code == NULL || xcode == NULL || text == NULL ||
	    strlen(code) != 3 || (code[0] != '4' && code[0] != '5') ||
	    xcode[0] != code[0] || xcode[1] != '.')
		abort();
	check_value(text);
	if (strpbrk(text, "\n") != NULL)
		abort();
	if (trace)
		fprintf(stderr, "reply %s %s %s\n", code, xcode, text);
	return 0;
}

static int
m_quarantine(void *arg, const char *reason)
{
	(void)arg;
	if (reason == NULL)
		abort();
	check_value(reason);
	if (trace)
		fprintf(stderr, "quarantine %s\n", reason);
	return 0;
}


/* ---- set-up, once ------------------------------------------------------- */

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void
remove_file(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
}

static void
setup(void)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_dkim_key *k = NULL;
	struct vouchd_conf *conf = NULL;
	struct vouchd_snap *snap = NULL;
	struct vouchd_metrics *metrics = NULL;
	struct vouch_dns *dns = NULL;
	char dir[] = "/tmp/fuzz-vouchd.XXXXXX", path[256], text[1024];
	FILE *devnull;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/rsa.pem", dir);
	if (vouch_dkim_key_generate(VOUCH_DKIM_KEY_RSA, 1024, &k, NULL) != 0 ||
	    vouch_dkim_key_write(k, path, NULL) != 0)
		abort();
	vouch_dkim_key_free(k);
	snprintf(text, sizeof(text), "rsa sign.test:s1:%s/rsa.pem\n", dir);
	if (write_file(dir, "keys", text) != 0 ||
	    write_file(dir, "signing", "sign.test rsa\n") != 0)
		abort();
	snprintf(text, sizeof(text), "Syslog no\nAuthservID mx.test\n"
	    "TrustedAuthservIDs relay.test\nInternalHosts 10.0.0.0/8\n"
	    "KeyTable %s/keys\nSigningTable %s/signing\n"
	    "MaxHeaderBytes 8192\n", dir, dir);
	if (write_file(dir, "vouchd.conf", text) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/vouchd.conf", dir);
	if (vouchd_conf_load(path, &conf, &err) != 0 ||
	    vouchd_snap_new(conf, &snap, &err) != 0) {
		fprintf(stderr, "fuzz_vouchd_session: %s\n", err.msg);
		abort();
	}
	/* The tables and the key are read at load: the folder can go. */
	remove_file(dir, "rsa.pem");
	remove_file(dir, "keys");
	remove_file(dir, "signing");
	remove_file(dir, "vouchd.conf");
	(void)rmdir(dir);
	if (vouch_dns_zone_new_text(zone_text, strlen(zone_text), NULL, &dns,
	    NULL) != 0 || vouchd_metrics_new(&metrics) != 0 ||
	    vouchd_state_init(&st, snap, dns, metrics) != 0)
		abort();
	if ((devnull = fopen("/dev/null", "w")) == NULL ||
	    vouchd_log_open(0, "mail", devnull) != 0)
		abort();
	trace = getenv("FUZZ_VOUCHD_TRACE") != NULL;
	ready = 1;
}

/* ---- the script --------------------------------------------------------- */

struct script {
	const uint8_t *p, *end;
};

static int
byte(struct script *s)
{
	return s->p < s->end ? *s->p++ : 0;
}

/* A string of the script, as libmilter hands it: up to its first NUL. */
static void
string(struct script *s, char *out, size_t cap)
{
	size_t n = (size_t)byte(s), avail = (size_t)(s->end - s->p);

	if (n > avail)
		n = avail;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s->p, n);
	out[n] = '\0';
	s->p += n;
}

static struct vouchd_conn *
open_conn(int which)
{
	static const char *const ips[] = {"192.0.2.10", "10.1.2.3",
	    "2001:db8::25", "::ffff:192.0.2.10", NULL};
	struct vouchd_conn_info ci;
	struct vouch_ip ip;
	const char *a = ips[which % 5];

	memset(&ci, 0, sizeof(ci));
	if (a != NULL) {
		if (vouch_ip_parse(a, &ip) != 0)
			abort();
		ci.ip = &ip;
	}
	ci.host = which & 8 ? NULL : "client.example";
	ci.receiver = which & 16 ? NULL : "mx.test";
	return vouchd_conn_new(&st, &ci);
}

static void
event(struct script *s, struct vouchd_conn **conns)
{
	static char a[256], b[256];
	int kind = byte(s) % 10, which = byte(s), i = which % MAX_CONNS, pick;
	struct vouchd_conn **c = &conns[i];
	struct vouchd_mta mta = {&ar_inserts[i], m_insert, m_delete,
	    m_reply, m_quarantine};

	if (kind == 0) {
		if (*c == NULL)
			*c = open_conn(which / MAX_CONNS);
		ar_inserts[i] = 0;
		return;
	}
	if (*c == NULL)
		return;
	switch (kind) {
	case 1:
		string(s, a, sizeof(a));
		vouchd_conn_helo(*c, a);
		break;
	case 2:
		string(s, a, sizeof(a));
		string(s, b, sizeof(b));
		(void)vouchd_conn_mail(*c, a, b[0] != '\0' ? b : NULL);
		ar_inserts[i] = 0;
		break;
	case 3:
		/* a known name (odd pick) or one from the script */
		pick = byte(s);
		if (pick & 1)
			snprintf(a, sizeof(a), "%s", field_names[(pick >> 1) %
			    (sizeof(field_names) / sizeof(field_names[0]))]);
		else
			string(s, a, sizeof(a));
		string(s, b, sizeof(b));
		vouchd_conn_header(*c, a, b, pick >= 128);
		break;
	case 4:
		(void)vouchd_conn_eoh(*c, &mta, which & 1 ? "QID1" : NULL);
		break;
	case 5:
		string(s, a, sizeof(a));
		vouchd_conn_body(*c, a, strlen(a));
		break;
	case 6:
		(void)vouchd_conn_eom(*c, &mta, "QID1");
		ar_inserts[i] = 0;
		break;
	case 7:
		vouchd_conn_abort(*c);
		ar_inserts[i] = 0;
		break;
	case 8:
		vouchd_conn_free(*c);
		*c = NULL;
		break;
	default:
		/* many header packets of the same field, cheaply */
		string(s, b, sizeof(b));
		for (which = 0; which < 64; which++)
			vouchd_conn_header(*c, "Received", b, 0);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouchd_conn *conns[MAX_CONNS] = {NULL, NULL, NULL};
	struct script s = {data, data + size};
	size_t i;

	if (!ready)
		setup();
	if (size > 65536)
		return 0;
	memset(ar_inserts, 0, sizeof(ar_inserts));
	while (s.p < s.end)
		event(&s, conns);
	for (i = 0; i < MAX_CONNS; i++)
		vouchd_conn_free(conns[i]);
	return 0;
}
