/*
 * store_checks.c - what a store must survive and refuse, on either
 * backend: hostile reports (an entity bomb, a gzip bomb, a bad record
 * after good ones, SQL metacharacters) leave nothing behind, the raw
 * input comes back byte for byte, the PTR cache ages.  For PostgreSQL
 * alone: connection failures name the server without its password, a
 * lost connection and a statement failing inside a transaction are
 * recovered from.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <zlib.h>

#include "store_compare.h"
#include "testutil.h"

#define HOSTILE_DOMAIN "hostile.example"
#define BOMB_SPACES (64u * 1024u * 1024u)	/* past the 50 MiB limit */

/* SQL metacharacters, as the XML writes them and as they read. */
#define META_ORG_XML "O&apos;Brien&quot;; DROP TABLE reports; -- ?"
#define META_ORG "O'Brien\"; DROP TABLE reports; -- ?"
#define META_ID_XML "1&apos; OR &apos;1&apos;=&apos;1 $1 ?; /* \\ */"
#define META_ID "1' OR '1'='1 $1 ?; /* \\ */"

/* An aggregate report of n records (counts 1, 2, ...); the record at
 * index bad has no source_ip.  Caller frees b. */
static void
report_xml(struct vouch__buf *b, const char *org, const char *id, int n,
    int bad)
{
	int i;

	vouch__buf_init(b, 1u << 20);
	vouch__buf_printf(b, "<?xml version=\"1.0\"?>\n<feedback>"
	    "<report_metadata><org_name>%s</org_name>"
	    "<email>dmarc@reporter.example</email><report_id>%s</report_id>"
	    "<date_range><begin>1700000000</begin><end>1700086399</end>"
	    "</date_range></report_metadata><policy_published>"
	    "<domain>" HOSTILE_DOMAIN "</domain><adkim>r</adkim>"
	    "<aspf>s</aspf><p>reject</p><sp>none</sp><pct>100</pct>"
	    "</policy_published>\n", org, id);
	for (i = 0; i < n; i++) {
		vouch__buf_puts(b, "<record><row>");
		if (i != bad)
			vouch__buf_printf(b, "<source_ip>192.0.2.%d"
			    "</source_ip>", i + 1);
		vouch__buf_printf(b, "<count>%d</count><policy_evaluated>"
		    "<disposition>reject</disposition><dkim>fail</dkim>"
		    "<spf>fail</spf></policy_evaluated></row><identifiers>"
		    "<header_from>" HOSTILE_DOMAIN "</header_from>"
		    "</identifiers><auth_results><spf><domain>"
		    "attacker.example</domain><result>pass</result></spf>"
		    "</auth_results></record>\n", i + 1);
	}
	vouch__buf_puts(b, "</feedback>\n");
}

/* The entity expansion of "billion laughs": the parser must refuse the
 * DTD before anything expands. */
static const char entity_bomb[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE feedback [\n"
    " <!ENTITY a \"lollollollollollollollollollol\">\n"
    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
    "]>\n"
    "<feedback><report_metadata><org_name>entity.example</org_name>"
    "<email>x@entity.example</email><report_id>entity-1</report_id>"
    "<extra_contact_info>&f;</extra_contact_info>"
    "<date_range><begin>1700000000</begin><end>1700086399</end>"
    "</date_range></report_metadata><policy_published>"
    "<domain>" HOSTILE_DOMAIN "</domain><p>none</p></policy_published>"
    "<record><row><source_ip>192.0.2.1</source_ip><count>1</count>"
    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>"
    "<spf>pass</spf></policy_evaluated></row><identifiers><header_from>"
    HOSTILE_DOMAIN "</header_from></identifiers><auth_results/>"
    "</record></feedback>\n";

/* A gzip member (zlib) of a report with one good record followed by
 * BOMB_SPACES of white space: about 64 KiB that inflate to 64 MiB. */
static unsigned char *
gzip_bomb(size_t *len)
{
	static unsigned char spaces[1u << 20];
	struct vouch__buf head;
	unsigned char *out = NULL;
	size_t cap = 1u << 20, i;
	z_stream z;
	int zr = Z_OK;

	memset(spaces, ' ', sizeof(spaces));
	report_xml(&head, "bomb.example", "gzip-bomb", 1, -1);
	/* Cut the closing tag: the spaces come before it. */
	head.len -= strlen("</feedback>\n");
	memset(&z, 0, sizeof(z));
	if ((out = malloc(cap)) == NULL ||
	    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		abort();
	z.next_out = out;
	z.avail_out = (uInt)cap;
	z.next_in = (Bytef *)head.data;
	z.avail_in = (uInt)head.len;
	for (i = 0; i <= BOMB_SPACES / sizeof(spaces) && zr == Z_OK; i++) {
		zr = deflate(&z, Z_NO_FLUSH);
		if (z.avail_in == 0 && i < BOMB_SPACES / sizeof(spaces)) {
			z.next_in = spaces;
			z.avail_in = sizeof(spaces);
		}
	}
	z.next_in = (Bytef *)"</feedback>\n";
	z.avail_in = 12;
	zr = deflate(&z, Z_FINISH);
	if (zr != Z_STREAM_END)
		abort();
	*len = z.total_out;
	deflateEnd(&z);
	vouch__buf_free(&head);
	return out;
}

/* Import data, expecting code (0: stored) and, for a refusal, no stored
 * record more and no raw input under org_name / report_id. */
static void
hostile_one(struct vouch_store *s, const char *what, const void *data,
    size_t len, int code, const char *needle, const char *org,
    const char *id)
{
	struct vouch_store_import_result r = { 0 };
	struct vouch_error err = { 0 };
	uint64_t rows0, sum0, rows1, sum1;
	const char *be = vouch_store_backend(s);
	void *raw = NULL;
	size_t rawlen = 0;
	int rc;

	sc_count_rows(s, &rows0, &sum0);
	rc = vouch_store_import(s, data, len, what, NULL, SC_NOW, &r, &err);
	sc_count_rows(s, &rows1, &sum1);
	if (!sc_check(rc == code, "%s: %s: rc %d (%s), expected %d", be, what,
	    rc, err.msg, code) || code == 0)
		return;
	printf("%s: %s refused: %s\n", be, what, err.msg);
	sc_check(needle == NULL || strstr(err.msg, needle) != NULL, "%s: %s: "
	    "the error \"%s\" does not say \"%s\"", be, what, err.msg, needle);
	sc_check(r.reports == 0 && r.records == 0 && rows1 == rows0 &&
	    sum1 == sum0, "%s: %s: stored something (%zu reports, %" PRIu64
	    " rows before, %" PRIu64 " after)", be, what, r.reports, rows0,
	    rows1);
	rc = vouch_store_raw(s, org, id, &raw, &rawlen, &err);
	sc_check(rc == VOUCH_ENOTFOUND, "%s: %s: its raw input is there (%d)",
	    be, what, rc);
	free(raw);
}

/* The report with SQL metacharacters in its names is stored as it reads,
 * and found again by those names. */
static int
meta_row(void *arg, const struct vouch_store_row *row)
{
	int *n = arg;

	if (strcmp(row->org_name, META_ORG) == 0 &&
	    strcmp(row->report_id, META_ID) == 0)
		(*n)++;
	return 0;
}

static void
hostile_meta(struct vouch_store *s)
{
	const char *be = vouch_store_backend(s);
	struct vouch_store_filter f = { HOSTILE_DOMAIN, 0, 0 };
	struct vouch_store_import_result r = { 0 };
	struct vouch_error err = { 0 };
	struct vouch__buf xml;
	unsigned char *plain;
	void *raw = NULL;
	size_t rawlen = 0, plen = 0;
	int rc, n = 0;

	report_xml(&xml, META_ORG_XML, META_ID_XML, 3, -1);
	rc = vouch_store_import(s, xml.data, xml.len, "meta'\";--", NULL,
	    SC_NOW, &r, &err);
	sc_check(rc == 0 && r.reports == 1 && r.records == 3 &&
	    r.messages == 6, "%s: metacharacters: rc %d (%s), %zu reports, %"
	    PRIu64 " records", be, rc, err.msg, r.reports, r.records);
	rc = vouch_store_rows(s, &f, meta_row, &n, &err);
	sc_check(rc == 0 && n == 3, "%s: metacharacters: %d rows read back "
	    "by their names (rc %d)", be, n, rc);
	rc = vouch_store_raw(s, META_ORG, META_ID, &raw, &rawlen, &err);
	plain = rc == 0 ? sc_gunzip(raw, rawlen, &plen) : NULL;
	sc_check(plain != NULL && plen == xml.len &&
	    memcmp(plain, xml.data, plen) == 0, "%s: metacharacters: the raw "
	    "input does not come back (rc %d)", be, rc);
	free(plain);
	free(raw);
	/* Once more: a duplicate, nothing added. */
	memset(&r, 0, sizeof(r));
	rc = vouch_store_import(s, xml.data, xml.len, "again", NULL, SC_NOW,
	    &r, &err);
	sc_check(rc == 0 && r.reports == 0 && r.duplicates == 1, "%s: "
	    "metacharacters again: rc %d, %zu reports, %zu duplicates", be, rc,
	    r.reports, r.duplicates);
	vouch__buf_free(&xml);
}

/* A failure report whose Original-Rcpt-To is in Latin-1, not UTF-8. */
#define LATIN1_RCPT "r\xe9" "cipient@linkedin.com"
#define LATIN1_FIXED "r\xef\xbf\xbd" "cipient@linkedin.com"

static int
latin1_failure(void *arg, const struct vouch_store_failure *fr)
{
	const char *to = fr->f->original_rcpt_to;
	int *n = arg;

	if (to == NULL || (strcmp(to, LATIN1_RCPT) != 0 &&
	    strcmp(to, LATIN1_FIXED) != 0))
		return 0;
	/* SQLite may keep the byte, PostgreSQL text cannot. */
	n[0]++;
	n[1] += strcmp(to, LATIN1_FIXED) == 0 &&
	    strstr(fr->source, "r\xef\xbf\xbd" "port") != NULL;
	return 0;
}

static void
hostile_latin1(struct vouch_store *s)
{
	const char *be = vouch_store_backend(s);
	struct vouch_store_import_result r = { 0 };
	struct vouch_error err = { 0 };
	char *eml, *at;
	size_t len;
	int rc, n[2] = { 0, 0 };

	eml = tu_read_file(tu_corpus_path("parsedmarc/failure/"
	    "dmarc_ruf_report_linkedin.eml"), &len);
	at = eml != NULL ? strstr(eml, "Original-Rcpt-To: recipient@") : NULL;
	if (!sc_check(at != NULL, "no Original-Rcpt-To in the sample")) {
		free(eml);
		return;
	}
	at[strlen("Original-Rcpt-To: r")] = '\xe9';
	rc = vouch_store_import(s, eml, len, "failure-r\xe9" "port.eml", NULL,
	    SC_NOW, &r, &err);
	sc_check(rc == 0 && r.failures == 1, "%s: Latin-1 failure report: rc "
	    "%d (%s), %zu stored", be, rc, err.msg, r.failures);
	rc = vouch_store_failures(s, NULL, latin1_failure, n, &err);
	sc_check(rc == 0 && n[0] == 1, "%s: Latin-1 failure report read back "
	    "%d times (rc %d)", be, n[0], rc);
	if (strcmp(be, "postgresql") == 0)
		sc_check(n[1] == 1, "%s: Latin-1 not read back as U+FFFD", be);
	free(eml);
}

void
sc_hostile(struct vouch_store *s)
{
	struct vouch__buf xml;
	unsigned char *bomb;
	size_t len;

	hostile_meta(s);
	hostile_latin1(s);
	hostile_one(s, "entity bomb", entity_bomb, sizeof(entity_bomb) - 1,
	    VOUCH_ESYNTAX, NULL, "entity.example", "entity-1");
	report_xml(&xml, "hostile.example", "third-invalid", 5, 2);
	hostile_one(s, "third record invalid", xml.data, xml.len,
	    VOUCH_ESYNTAX, "record 2", "hostile.example", "third-invalid");
	vouch__buf_free(&xml);
	report_xml(&xml, META_ORG_XML, "meta-third-invalid", 4, 2);
	hostile_one(s, "metacharacters, third record invalid", xml.data,
	    xml.len, VOUCH_ESYNTAX, "record 2", META_ORG,
	    "meta-third-invalid");
	vouch__buf_free(&xml);
	bomb = gzip_bomb(&len);
	sc_check(len < 1024 * 1024, "the gzip bomb is %zu bytes", len);
	hostile_one(s, "gzip bomb", bomb, len, VOUCH_ELIMIT, NULL,
	    "bomb.example", "gzip-bomb");
	free(bomb);
}

/* ---- the raw download ---------------------------------------------------- */

void
sc_raw_roundtrip(struct vouch_store *s, const struct sc_corpus *c)
{
	const char *be = vouch_store_backend(s);
	struct vouch_error err;
	unsigned char *plain;
	size_t i, len, plen, n = 0;
	void *raw;
	int rc, ok;

	for (i = 0; i < c->n; i++) {
		const struct sc_input *in = &c->in[i];

		if (!in->first)
			continue;
		raw = NULL;
		rc = vouch_store_raw(s, in->org_name, in->report_id, &raw,
		    &len, &err);
		if (!sc_check(rc == 0, "%s: raw of %s: %s", be, in->path,
		    err.msg))
			continue;
		/* A gzip input is kept as it came; anything else is
		 * gzipped (store_raw.c). */
		if (in->len >= 2 && in->data[0] == 0x1f && in->data[1] == 0x8b)
			ok = len == in->len && memcmp(raw, in->data, len) == 0;
		else {
			plain = sc_gunzip(raw, len, &plen);
			ok = plain != NULL && plen == in->len &&
			    memcmp(plain, in->data, plen) == 0;
			free(plain);
		}
		n += sc_check(ok, "%s: raw of %s differs from the file", be,
		    in->path);
		free(raw);
	}
	raw = NULL;
	rc = vouch_store_raw(s, "no such reporter", "x", &raw, &len, &err);
	sc_check(rc == VOUCH_ENOTFOUND && raw == NULL, "%s: raw of an "
	    "unknown report: %d", be, rc);
	printf("%s: %zu raw inputs downloaded intact\n", be, n);
}

/* ---- the PTR cache ------------------------------------------------------- */

static void
ptr_expect(struct vouch_store *s, const char *ip, int64_t now, int code,
    const char *want)
{
	struct vouch_error err;
	char *ptr = NULL;
	int rc = vouch_store_ptr_get(s, ip, now, 3600, &ptr, &err);

	sc_check(rc == code && (rc != 0 || (want == NULL ? ptr == NULL :
	    ptr != NULL && strcmp(ptr, want) == 0)), "%s: ptr of %s at %"
	    PRId64 ": rc %d, %s", vouch_store_backend(s), ip, now, rc,
	    ptr != NULL ? ptr : "(none)");
	free(ptr);
}

void
sc_ptr_cache(struct vouch_store *s)
{
	struct vouch_error err;

	sc_check(vouch_store_ptr_put(s, "192.0.2.10", "mail.example.net",
	    1000, &err) == 0, "ptr put: %s", err.msg);
	sc_check(vouch_store_ptr_put(s, "2001:db8::1", NULL, 1000, &err) ==
	    0, "ptr put NULL: %s", err.msg);
	ptr_expect(s, "192.0.2.10", 1500, 0, "mail.example.net");
	ptr_expect(s, "2001:db8::1", 1500, 0, NULL);
	ptr_expect(s, "192.0.2.10", 1000 + 3601, VOUCH_ENOTFOUND, NULL);
	ptr_expect(s, "198.51.100.1", 1500, VOUCH_ENOTFOUND, NULL);
	sc_check(vouch_store_ptr_put(s, "192.0.2.10", "o'ther.example.net",
	    5000, &err) == 0, "ptr put again: %s", err.msg);
	ptr_expect(s, "192.0.2.10", 5100, 0, "o'ther.example.net");
}

/* ---- PostgreSQL connections ---------------------------------------------- */

static void
refused(const char *uri, const char *secret, const char *want)
{
	struct vouch_store *s = NULL;
	struct vouch_error err = { 0 };
	int rc = vouch_store_open(uri, &s, &err);

	sc_check(rc == VOUCH_EIO && s == NULL, "open %s: rc %d", uri, rc);
	sc_check(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL,
	    "open: no message, or more than one line: %s", err.msg);
	sc_check(secret == NULL || (strstr(err.msg, secret) == NULL &&
	    strstr(err.msg, "***") != NULL), "open: the password shows: %s",
	    err.msg);
	sc_check(strstr(err.msg, want) != NULL, "open: \"%s\" does not say "
	    "\"%s\"", err.msg, want);
	printf("refused as expected: %s\n", err.msg);
}

/* Run sql on a connection of our own; 1 when it did. */
static int
admin(const char *uri, const char *sql)
{
	PGconn *conn = PQconnectdb(uri);
	PGresult *res = PQexec(conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;

	sc_check(ok, "%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return ok;
}

static int
import_small(struct vouch_store *s, const char *id, int nrec, int code)
{
	struct vouch_store_import_result r = { 0 };
	struct vouch_error err = { 0 };
	struct vouch__buf xml;
	int rc;

	report_xml(&xml, "connection.example", id, nrec, -1);
	rc = vouch_store_import(s, xml.data, xml.len, id, NULL, SC_NOW, &r,
	    &err);
	vouch__buf_free(&xml);
	sc_check(code == 0 ? rc == 0 && r.reports == 1 : rc == code &&
	    r.reports == 0, "import %s: rc %d (%s), expected %d", id, rc,
	    err.msg, code);
	if (rc != 0)
		printf("failed as expected: %s\n", err.msg);
	return rc;
}

/*
 * The backend's connection killed by the server, then a statement that
 * fails inside the import transaction (a constraint added behind the
 * store's back): each import fails cleanly, and the next one works.
 */
static void
recovery(const char *uri)
{
	struct vouch_store *s = NULL;
	struct vouch_error err;
	uint64_t rows0, sum0, rows1, sum1;

	if (vouch_store_open(uri, &s, &err) != 0) {
		sc_check(0, "open %s: %s", uri, err.msg);
		return;
	}
	import_small(s, "before-kill", 2, 0);
	/* The timeout: wait until the backend is gone. */
	admin(uri, "SELECT pg_terminate_backend(pid, 10000) FROM "
	    "pg_stat_activity WHERE application_name = 'vouch' AND "
	    "pid <> pg_backend_pid()");
	import_small(s, "after-kill", 2, VOUCH_EIO);
	import_small(s, "after-kill", 2, 0);
	admin(uri, "ALTER TABLE records ADD CONSTRAINT vouch_test_small "
	    "CHECK (msg_count < 3) NOT VALID");
	sc_count_rows(s, &rows0, &sum0);
	import_small(s, "constraint", 4, VOUCH_EIO);
	sc_count_rows(s, &rows1, &sum1);
	sc_check(rows0 == rows1 && sum0 == sum1, "a failed transaction "
	    "stored %" PRIu64 " rows", rows1 - rows0);
	import_small(s, "small-enough", 2, 0);
	admin(uri, "ALTER TABLE records DROP CONSTRAINT vouch_test_small");
	import_small(s, "constraint", 4, 0);
	vouch_store_close(s);
}

void
sc_pg_connection(const char *uri)
{
	char *nodb = sc_uri_with_db(uri, "no_such_database");

	refused("postgresql://vouch:Sup3rSecretPw@127.0.0.1:1/vouch",
	    "Sup3rSecretPw", "127.0.0.1:1");
	refused("postgres://vouch@127.0.0.1:1/vouch?connect_timeout=5&"
	    "password=Sup3rSecretPw", "Sup3rSecretPw", "refused");
	refused("postgresql://vouch:Sup3r%zzSecret@127.0.0.1:1/vouch",
	    "zzSecret", "percent-encoded");
	if (sc_check(nodb != NULL, "no URI for another database"))
		refused(nodb, NULL, "\"no_such_database\" does not exist");
	free(nodb);
	recovery(uri);
}
