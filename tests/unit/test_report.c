/*
 * test_report.c - DMARC report parsing (lib/report/, vouch/report.h) under
 * hostile input: every refusal of report.h and every limit of SECURITY.md
 * ("report e-mail / compressed / decompressed", "archive members / MIME
 * depth / attachments", "XML depth / records per report / bytes per
 * field") with an input built here, one over and one at each limit; the
 * deviations docs/reports.md accepts; callbacks stopping the parse; and
 * every allocation failing in turn.  Values come from RFC 7489 appendix C
 * and RFC 9990 section 3, not from running the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <zip.h>
#include <zlib.h>

#include <vouch/report.h>

#include "failalloc.h"
#include "testutil.h"

#define MIB (1024u * 1024u)

#define META "<report_metadata><org_name>Org</org_name>" \
	"<email>a@example.net</email><report_id>r1</report_id>" \
	"<date_range><begin>1700000000</begin><end>1700086399</end>" \
	"</date_range></report_metadata><policy_published>" \
	"<domain>Example.COM</domain><p>reject</p></policy_published>"
#define REC "<record><row><source_ip>192.0.2.1</source_ip><count>3</count>" \
	"<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>" \
	"<spf>fail</spf></policy_evaluated></row><identifiers>" \
	"<header_from>Example.com</header_from></identifiers></record>"
#define XML(body) "<?xml version=\"1.0\"?><feedback>" META body "</feedback>"

static const char report1[] = XML(REC);

/* ---- collecting callbacks ---------------------------------------------- */

struct col {
	size_t nmeta, nrec, nend, nfail;
	char seq[64];		/* M, R, E, F in the order they came */
	int stop_meta, stop_end, stop_fail;
	size_t stop_rec_at;	/* 1-based record that returns stop_rec */
	int stop_rec;
	char org[64], domain[64], header_from[64], disp[16], spf0[16];
	enum vouch_report_schema schema;
	enum vouch_dmarc_policy p, np;
	int64_t begin;
	int testing;
	struct vouch_ip ip;
	uint64_t sum;
	char ftype[32];
	int64_t fdate;
	struct vouch_ip fip;
	size_t headers_len;
	int headers_truncated;
};

static void
seq(struct col *c, char ch)
{
	size_t n = strlen(c->seq);

	if (n + 1 < sizeof(c->seq)) {
		c->seq[n] = ch;
		c->seq[n + 1] = '\0';
	}
}

static void
copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s != NULL ? s : "(null)");
}

static int
on_meta(void *arg, const struct vouch_report_meta *m)
{
	struct col *c = arg;

	c->nmeta++;
	seq(c, 'M');
	copy(c->org, sizeof(c->org), m->org_name);
	copy(c->domain, sizeof(c->domain), m->domain);
	c->schema = m->schema;
	c->p = m->p;
	c->np = m->np;
	c->begin = m->begin;
	c->testing = m->testing;
	return c->stop_meta;
}

static int
on_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r)
{
	struct col *c = arg;

	(void)m;
	c->nrec++;
	if (c->nrec < 8)
		seq(c, 'R');
	c->sum += r->count;
	c->ip = r->source_ip;
	copy(c->header_from, sizeof(c->header_from), r->header_from);
	copy(c->disp, sizeof(c->disp), r->disposition);
	copy(c->spf0, sizeof(c->spf0), r->nspf > 0 ? r->spf_results[0].result :
	    NULL);
	return c->nrec == c->stop_rec_at ? c->stop_rec : 0;
}

static int
on_end(void *arg, const struct vouch_report_meta *m, size_t n)
{
	struct col *c = arg;

	(void)m;
	(void)n;
	c->nend++;
	seq(c, 'E');
	return c->stop_end;
}

static int
on_failure(void *arg, const struct vouch_report_failure *f)
{
	struct col *c = arg;

	c->nfail++;
	seq(c, 'F');
	copy(c->ftype, sizeof(c->ftype), f->feedback_type);
	c->fdate = f->arrival_date;
	c->fip = f->source_ip;
	c->headers_len = f->headers_len;
	c->headers_truncated = f->headers_truncated;
	return c->stop_fail;
}

static const struct vouch_report_handler handler = {
	on_meta, on_record, on_end, on_failure
};

static int
parse_lim(const void *p, size_t n, const struct vouch_report_limits *lim,
    struct col *c, struct vouch_error *e)
{
	memset(c, 0, sizeof(*c));
	return vouch_report_parse(p, n, lim, &handler, c, e);
}

static int
parse(const void *p, size_t n, struct col *c, struct vouch_error *e)
{
	return parse_lim(p, n, NULL, c, e);
}

/* p must be refused with rc and an error message containing needle, no
 * report completed. */
static void
refused(const void *p, size_t n, const struct vouch_report_limits *lim,
    int rc, const char *needle)
{
	struct vouch_error e;
	struct col c;
	int got = parse_lim(p, n, lim, &c, &e);

	if (got != rc || strstr(e.msg, needle) == NULL || c.nend != 0)
		fail_msg("want %s '%s', got %d '%s' (%zu reports)",
		    vouch_strerror(rc), needle, got, e.msg, c.nend);
}

static void
refused_s(const char *s, int rc, const char *needle)
{
	refused(s, strlen(s), NULL, rc, needle);
}

/* ---- building inputs --------------------------------------------------- */

struct gz {
	z_stream z;
	unsigned char *out;
	size_t len, cap;
};

static void
gz_run(struct gz *g, const void *p, size_t n, int flush)
{
	g->z.next_in = (Bytef *)(uintptr_t)p;
	g->z.avail_in = (uInt)n;
	do {
		if (g->cap - g->len < 65536) {
			g->cap = g->cap * 2 + 65536;
			g->out = realloc(g->out, g->cap);
			assert_non_null(g->out);
		}
		g->z.next_out = g->out + g->len;
		g->z.avail_out = (uInt)(g->cap - g->len);
		deflate(&g->z, flush);
		g->len = g->cap - g->z.avail_out;
	} while (g->z.avail_in > 0 || g->z.avail_out == 0);
}

static void
gz_begin(struct gz *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(deflateInit2(&g->z, 9, Z_DEFLATED, 15 + 16, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
}

static void
gz_add(struct gz *g, const void *p, size_t n)
{
	gz_run(g, p, n, Z_NO_FLUSH);
}

static unsigned char *
gz_end(struct gz *g, size_t *len)
{
	gz_run(g, "", 0, Z_FINISH);
	deflateEnd(&g->z);
	*len = g->len;
	return g->out;
}

static unsigned char *
gzip(const void *p, size_t n, size_t *len)
{
	struct gz g;

	gz_begin(&g);
	gz_add(&g, p, n);
	return gz_end(&g, len);
}

/* n entries (names[i], data[i] of lens[i] bytes) as a zip in memory. */
static unsigned char *
zip_make(const char *const *names, const void *const *data,
    const size_t *lens, size_t n, size_t *len)
{
	zip_source_t *src, *s;
	zip_error_t ze;
	zip_t *z;
	unsigned char *out;
	size_t i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	zip_source_keep(src);
	z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(z);
	for (i = 0; i < n; i++) {
		s = zip_source_buffer(z, data[i], lens[i], 0);
		assert_non_null(s);
		assert_true(zip_file_add(z, names[i], s,
		    ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(z), 0);
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_seek(src, 0, SEEK_END), 0);
	*len = (size_t)zip_source_tell(src);
	assert_int_equal(zip_source_seek(src, 0, SEEK_SET), 0);
	out = malloc(*len);
	assert_non_null(out);
	assert_int_equal(zip_source_read(src, out, *len), (zip_int64_t)*len);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

static char *
xstr(size_t cap)
{
	char *s = calloc(1, cap);

	assert_non_null(s);
	return s;
}

/* Append to dst like snprintf; the text must fit. */
#define cat(dst, cap, ...) \
	assert_int_equal(tu_append((dst), (cap), __VA_ARGS__), 0)

#define MAIL_HEAD "From: r@example.net\r\nTo: d@example.com\r\n" \
	"Subject: Report\r\nMIME-Version: 1.0\r\n"


/* ---- XML safety -------------------------------------------------------- */

static void
test_dtd(void **state)
{
	static const char laughs[] = "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE feedback [<!ENTITY a \"lol\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
	    "<feedback>" META "<record><row><source_ip>192.0.2.1</source_ip>"
	    "<count>1</count></row><identifiers><header_from>&d;"
	    "</header_from></identifiers></record></feedback>";
	static const char external[] = "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<feedback>" META "<record><row><source_ip>192.0.2.1</source_ip>"
	    "<count>1</count></row><identifiers><header_from>&x;"
	    "</header_from></identifiers></record></feedback>";
	static const char external_dtd[] = "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE feedback SYSTEM \"file:///etc/passwd\">" XML(REC);
	static const char alone[] = "<!DOCTYPE feedback>" XML(REC);
	static const char undeclared[] = XML("<record><row><source_ip>"
	    "192.0.2.1</source_ip><count>1</count></row><identifiers>"
	    "<header_from>&x;</header_from></identifiers></record>");

	(void)state;
	refused_s(laughs, VOUCH_ESYNTAX, "DOCTYPE is refused");
	refused_s(external, VOUCH_ESYNTAX, "DOCTYPE is refused");
	refused_s(external_dtd + 0, VOUCH_ESYNTAX, "DOCTYPE is refused");
	refused_s(alone, VOUCH_ESYNTAX, "DOCTYPE is refused");
	/* An entity that was never declared is not well-formed. */
	refused_s(undeclared, VOUCH_ESYNTAX, "undefined entity");
}

static char *
nested(unsigned levels)
{
	char *s = xstr(4096);
	unsigned i;

	/* feedback (1) + levels unknown elements, after the metadata */
	cat(s, 4096, "<feedback>" META);
	for (i = 0; i < levels; i++)
		cat(s, 4096, "<x>");
	for (i = 0; i < levels; i++)
		cat(s, 4096, "</x>");
	cat(s, 4096, "</feedback>");
	return s;
}

static void
test_depth(void **state)
{
	struct vouch_error e;
	struct col c;
	char *s;

	(void)state;
	s = nested(31);				/* depth 32: allowed */
	assert_int_equal(parse(s, strlen(s), &c, &e), 0);
	assert_int_equal(c.nend, 1);
	free(s);
	s = nested(32);				/* depth 33 */
	refused_s(s, VOUCH_ELIMIT, "nested deeper than 32");
	free(s);
}

static void
test_field_size(void **state)
{
	char *s = xstr(4096), name[1100];
	struct vouch_error e;
	struct col c;

	(void)state;
	memset(name, 'a', 1024);
	name[1024] = '\0';
	snprintf(s, 4096, "<feedback><report_metadata><org_name>%s"
	    "</org_name>", name);
	cat(s, 4096, "%s", strstr(XML(REC), "<email>"));
	assert_int_equal(parse(s, strlen(s), &c, &e), 0);
	assert_int_equal(strlen(c.org), 63);	/* col keeps a prefix */
	name[1024] = 'a';
	name[1025] = '\0';
	snprintf(s, 4096, "<feedback><report_metadata><org_name>%s"
	    "</org_name>", name);
	cat(s, 4096, "%s", strstr(XML(REC), "<email>"));
	refused_s(s, VOUCH_ELIMIT, "<org_name> text longer than 1024 bytes");
	free(s);
}

static void
test_records(void **state)
{
	static const char rec[] = REC;
	static const char head[] = "<feedback>" META;
	struct vouch_report_limits lim;
	struct vouch_error e;
	struct col c;
	struct gz g;
	unsigned char *z;
	size_t i, n;

	(void)state;
	gz_begin(&g);
	gz_add(&g, head, strlen(head));
	for (i = 0; i < 200001; i++)
		gz_add(&g, rec, strlen(rec));
	gz_add(&g, "</feedback>", 11);
	z = gz_end(&g, &n);
	assert_int_equal(parse(z, n, &c, &e), VOUCH_ELIMIT);
	assert_non_null(strstr(e.msg, "more than 200000 records"));
	assert_int_equal(c.nrec, 200000);
	assert_int_equal(c.nend, 0);
	free(z);
	memset(&lim, 0, sizeof(lim));
	lim.records = 2;
	assert_int_equal(parse_lim(XML(REC REC), strlen(XML(REC REC)), &lim,
	    &c, &e), 0);
	refused(XML(REC REC REC), strlen(XML(REC REC REC)), &lim, VOUCH_ELIMIT,
	    "more than 2 records");
}

static void
test_bytes(void **state)
{
	static const char xml[] = "<feedback>" META "<record>";
	char *s = xstr(1100);
	struct vouch_report_limits lim;

	(void)state;
	memset(&lim, 0, sizeof(lim));
	lim.xml_bytes = 1024;
	cat(s, 1100, "%s", xml);
	memset(s + strlen(s), ' ', 1025 - strlen(s));
	refused(s, strlen(s), &lim, VOUCH_ELIMIT, "XML input of 1025 bytes");
	lim.email_bytes = 50;
	refused(MAIL_HEAD "\r\n", strlen(MAIL_HEAD "\r\n"), &lim, VOUCH_ELIMIT,
	    "e-mail of");
	free(s);
}

/* ---- compression ------------------------------------------------------- */

/* prefix then total bytes of fill, gzipped without ever holding it all. */
static unsigned char *
gz_bomb(const char *prefix, int fill, size_t total, size_t *len)
{
	static unsigned char chunk[MIB];
	struct gz g;
	size_t i;

	memset(chunk, fill, sizeof(chunk));
	gz_begin(&g);
	gz_add(&g, prefix, strlen(prefix));
	for (i = 0; i < total / MIB; i++)
		gz_add(&g, chunk, sizeof(chunk));
	return gz_end(&g, len);
}

static void
test_gzip_bomb(void **state)
{
	unsigned char *z, *zz;
	size_t n, nn;

	(void)state;
	/* 60 MiB of zeros: not XML, refused at the first bytes produced. */
	z = gz_bomb("", 0, 60 * MIB, &n);
	assert_true(n < 100 * 1024);
	refused(z, n, NULL, VOUCH_EUNSUPPORTED, "not XML");
	free(z);
	/* 60 MiB of XML white space: stops at 50 MiB produced. */
	z = gz_bomb("<feedback>", ' ', 60 * MIB, &n);
	refused(z, n, NULL, VOUCH_ELIMIT, "decompressed XML larger than "
	    "52428800 bytes");
	/* The same inside a second gzip: still counted as produced. */
	zz = gzip(z, n, &nn);
	refused(zz, nn, NULL, VOUCH_ELIMIT, "decompressed XML larger than "
	    "52428800 bytes");
	free(z);
	/* A third layer is not unwrapped. */
	z = gzip(zz, nn, &n);
	refused(z, n, NULL, VOUCH_EUNSUPPORTED, "only one nested gzip");
	free(z);
	free(zz);
}

/* Past the 4 MiB gathered for one expat call, XML streams in pieces:
 * the same records whole, plain and gzipped. */
static void
test_large(void **state)
{
	static const char rec[] = REC;
	static const char head[] = "<feedback>" META;
	struct vouch_error e;
	struct col c;
	struct gz g;
	unsigned char *z;
	char *x;
	size_t i, n, len = 0, want = 30000;

	(void)state;
	x = malloc(strlen(head) + want * strlen(rec) + 16);
	assert_non_null(x);
	memcpy(x, head, strlen(head));
	len = strlen(head);
	for (i = 0; i < want; i++) {
		memcpy(x + len, rec, strlen(rec));
		len += strlen(rec);
	}
	memcpy(x + len, "</feedback>", 11);
	len += 11;
	assert_true(len > (size_t)5 << 20);
	assert_int_equal(parse(x, len, &c, &e), 0);
	assert_int_equal(c.nrec, want);
	assert_int_equal(c.nend, 1);
	gz_begin(&g);
	gz_add(&g, x, len);
	z = gz_end(&g, &n);
	assert_int_equal(parse(z, n, &c, &e), 0);
	assert_int_equal(c.nrec, want);
	assert_int_equal(c.nend, 1);
	/* Cut short past the first 4 MiB: refused, no report completed. */
	assert_true(parse(x, len - 20, &c, &e) < 0);
	assert_int_equal(c.nend, 0);
	free(z);
	free(x);
}

static void
test_gzip(void **state)
{
	struct vouch_error e;
	struct col c;
	unsigned char *z, *two;
	size_t n, i;

	(void)state;
	z = gzip(report1, strlen(report1), &n);
	assert_int_equal(parse(z, n, &c, &e), 0);
	assert_string_equal(c.seq, "MRE");
	/* Truncated anywhere: refused, never a partial report. */
	for (i = 1; i < n; i += 7)
		if (parse(z, i, &c, &e) == 0 || c.nend != 0)
			fail_msg("gzip cut at %zu of %zu parsed", i, n);
	refused(z, n - 4, NULL, VOUCH_ESYNTAX, "gzip: truncated");
	/* Two members are one stream (RFC 1952 2.2); junk after is not. */
	two = malloc(4 * n + 64);
	assert_non_null(two);
	{
		struct gz g;
		size_t half = strlen(report1) / 2, n1, n2;
		unsigned char *a, *b;

		gz_begin(&g);
		gz_add(&g, report1, half);
		a = gz_end(&g, &n1);
		b = gzip(report1 + half, strlen(report1) - half, &n2);
		memcpy(two, a, n1);
		memcpy(two + n1, b, n2);
		assert_int_equal(parse(two, n1 + n2, &c, &e), 0);
		assert_int_equal(c.nend, 1);
		memcpy(two + n1 + n2, "\r\n", 2);	/* tolerated */
		assert_int_equal(parse(two, n1 + n2 + 2, &c, &e), 0);
		/* ... also between members */
		memmove(two + n1 + 2, two + n1, n2);
		memcpy(two + n1, "\r\n", 2);
		assert_int_equal(parse(two, n1 + n2 + 2, &c, &e), 0);
		assert_int_equal(c.nend, 1);
		memmove(two + n1, two + n1 + 2, n2);
		memcpy(two + n1 + n2, "PK", 2);
		refused(two, n1 + n2 + 2, NULL, VOUCH_ESYNTAX, "after the end");
		free(a);
		free(b);
	}
	free(two);
	/* Corrupt deflate data. */
	z[n / 2] ^= 0x55;
	assert_true(parse(z, n, &c, &e) < 0);
	assert_int_equal(c.nend, 0);
	free(z);
}

static void
test_zip(void **state)
{
	static const char junk[] = "not a report";
	const char *names[5] = {"a.txt", "b.txt", "c.txt", "d.txt", "e.xml"};
	const void *data[5] = {junk, junk, junk, junk, report1};
	size_t lens[5] = {12, 12, 12, 12, sizeof(report1) - 1};
	const char *evil[1] = {"../../etc/x"};
	const void *one[1] = {report1};
	struct vouch_error e;
	struct stat st;
	struct col c;
	unsigned char *z;
	size_t n, i;

	(void)state;
	/* Only the first four entries are looked at. */
	z = zip_make(names, data, lens, 5, &n);
	refused(z, n, NULL, VOUCH_EUNSUPPORTED, "no DMARC report in the first "
	    "4 entries");
	free(z);
	data[0] = report1;
	lens[0] = lens[4];
	z = zip_make(names, data, lens, 5, &n);
	assert_int_equal(parse(z, n, &c, &e), 0);
	assert_int_equal(c.nend, 1);
	free(z);
	/* An entry name is never a path: parsed, nothing written. */
	z = zip_make(evil, one, lens, 1, &n);
	assert_int_equal(parse(z, n, &c, &e), 0);
	assert_int_equal(c.nend, 1);
	assert_int_not_equal(stat("../../etc/x", &st), 0);
	/* Truncated: no central directory, refused. */
	for (i = 1; i < n; i += 11)
		if (parse(z, i, &c, &e) == 0 || c.nend != 0)
			fail_msg("zip cut at %zu of %zu parsed", i, n);
	refused(z, n - 10, NULL, VOUCH_ESYNTAX, "zip:");
	free(z);
}

static void
test_zip_bomb(void **state)
{
	const char *names[1] = {"bomb.xml"};
	const void *data[1];
	size_t lens[1] = {60 * MIB};
	char *big = malloc(60 * MIB);
	unsigned char *z;
	size_t n;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', 60 * MIB);
	memcpy(big, "<feedback>", 10);
	data[0] = big;
	z = zip_make(names, data, lens, 1, &n);
	free(big);
	assert_true(n < 1 * MIB);
	refused(z, n, NULL, VOUCH_ELIMIT, "decompressed XML larger than "
	    "52428800 bytes");
	free(z);
}

/* ---- e-mail ------------------------------------------------------------ */

/* levels nested multiparts, the report as the innermost part. */
static char *
mime_nested(unsigned levels)
{
	size_t cap = 64 * 1024;
	char *s = xstr(cap);
	unsigned i;

	cat(s, cap, MAIL_HEAD);
	for (i = 1; i <= levels; i++)
		cat(s, cap, "Content-Type: multipart/mixed; boundary=\"b%u\""
		    "\r\n\r\n--b%u\r\n", i, i);
	cat(s, cap, "Content-Type: application/xml\r\n\r\n%s\r\n", report1);
	for (i = levels; i >= 1; i--)
		cat(s, cap, "--b%u--\r\n", i);
	return s;
}

/* One multipart with parts parts, the report last. */
static char *
mime_parts(unsigned parts)
{
	size_t cap = 64 * 1024;
	char *s = xstr(cap);
	unsigned i;

	cat(s, cap, MAIL_HEAD "Content-Type: multipart/mixed; boundary=\"b\""
	    "\r\n\r\n");
	for (i = 1; i < parts; i++)
		cat(s, cap, "--b\r\nContent-Type: text/plain\r\n\r\n"
		    "part %u\r\n", i);
	cat(s, cap, "--b\r\nContent-Type: application/xml\r\n\r\n%s\r\n--b--"
	    "\r\n", report1);
	return s;
}

static void
test_mime_limits(void **state)
{
	struct vouch_error e;
	struct col c;
	char *s;

	(void)state;
	s = mime_nested(16);
	assert_int_equal(parse(s, strlen(s), &c, &e), 0);
	assert_int_equal(c.nend, 1);
	free(s);
	s = mime_nested(17);
	refused_s(s, VOUCH_ELIMIT, "nested more than 16 levels");
	free(s);
	s = mime_parts(32);
	assert_int_equal(parse(s, strlen(s), &c, &e), 0);
	assert_int_equal(c.nend, 1);
	free(s);
	s = mime_parts(33);
	refused_s(s, VOUCH_ELIMIT, "more than 32 MIME parts");
	free(s);
	/* Thousands of boundaries are refused before GMime builds a tree. */
	s = mime_nested(60);
	refused_s(s, VOUCH_ELIMIT, "multipart boundaries");
	free(s);
}

static void
test_mail(void **state)
{
	unsigned char *z;
	char *b64, *s;
	size_t n, cap = 64 * 1024;
	struct vouch_error e;
	struct col c;

	(void)state;
	/* Two gzip attachments, base64, found by content whatever the name
	 * or type says; each report complete before the next. */
	z = gzip(report1, strlen(report1), &n);
	b64 = xstr(2 * n + 8);
	{
		static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/";
		size_t i, k = 0;

		for (i = 0; i < n; i += 3) {
			unsigned v = (unsigned)z[i] << 16 | (i + 1 < n ?
			    (unsigned)z[i + 1] << 8 : 0) | (i + 2 < n ?
			    z[i + 2] : 0);

			b64[k++] = t[v >> 18 & 63];
			b64[k++] = t[v >> 12 & 63];
			b64[k++] = i + 1 < n ? t[v >> 6 & 63] : '=';
			b64[k++] = i + 2 < n ? t[v & 63] : '=';
		}
	}
	s = xstr(cap);
	cat(s, cap, MAIL_HEAD "Content-Type: multipart/mixed; boundary=\"b\""
	    "\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<!DOCTYPE html>"
	    "<html></html>\r\n--b\r\nContent-Type: application/octet-stream;"
	    " name=\"../../x.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "%s\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-"
	    "Encoding: base64\r\n\r\n%s\r\n--b--\r\n", b64, b64);
	assert_int_equal(parse(s, strlen(s), &c, &e), 0);
	assert_string_equal(c.seq, "MREMRE");
	/* A mail without a report. */
	refused_s(MAIL_HEAD "\r\nhello\r\n", VOUCH_EUNSUPPORTED,
	    "no DMARC report in the e-mail");
	free(s);
	free(b64);
	free(z);
}

static void
test_arf(void **state)
{
	size_t cap = 200 * 1024, i;
	char *s = xstr(cap);
	struct vouch_error e;
	struct col c;

	(void)state;
	cat(s, cap, MAIL_HEAD "Content-Type: multipart/report; report-type="
	    "feedback-report; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: "
	    "text/plain\r\n\r\nA report.\r\n--b\r\nContent-Type: message/"
	    "feedback-report\r\n\r\nFeedback-Type: Auth-Failure\r\n"
	    "User-Agent: t/1\r\nVersion: 1\r\nAuth-Failure: DMARC\r\n"
	    "Source-IP: ::ffff:192.0.2.9 (host.example)\r\nArrival-Date: "
	    "Thu, 8 Mar 2005 14:00:00 -0400\r\nReported-Domain: Example.COM"
	    "\r\n\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n");
	/* A returned header section of more than 64 KiB. */
	for (i = 0; i < 1200; i++)
		cat(s, cap, "X-Filler-%04zu: %s\r\n", i, "01234567890123456"
		    "789012345678901234567890123456789");
	cat(s, cap, "\r\n--b--\r\n");
	assert_int_equal(parse(s, strlen(s), &c, &e), 0);
	assert_int_equal(c.nfail, 1);
	assert_string_equal(c.ftype, "auth-failure");
	assert_int_equal(c.fip.family, 4);
	assert_int_equal(c.fdate, 1110304800);	/* 2005-03-08 18:00:00 UTC */
	assert_int_equal(c.headers_len, 65536);
	assert_true(c.headers_truncated);
	/* No Feedback-Type: refused. */
	refused_s(MAIL_HEAD "Content-Type: message/feedback-report\r\n\r\n"
	    "User-Agent: x\r\n", VOUCH_ESYNTAX, "without Feedback-Type");
	free(s);
}

/* ---- bytes, values, refusals ------------------------------------------- */

static void
test_bytes_in_xml(void **state)
{
	static const char latin[] = "<?xml version=\"1.0\" encoding="
	    "\"windows-1252\"?><feedback><report_metadata><org_name>\x80uro"
	    "</org_name>" "<email>a@example.net</email><report_id>r1"
	    "</report_id><date_range><begin>1</begin><end>2</end>"
	    "</date_range></report_metadata><policy_published><domain>"
	    "example.com</domain></policy_published></feedback>";
	char bad[sizeof(report1)];
	struct vouch_error e;
	struct col c;
	char *p;

	(void)state;
	/* Not UTF-8 where UTF-8 is declared (or implied). */
	memcpy(bad, report1, sizeof(report1));
	p = strstr(bad, "Org");
	p[1] = (char)0xff;
	refused(bad, sizeof(bad) - 1, NULL, VOUCH_ESYNTAX, "not well-formed");
	/* NUL: raw, and as a character reference. */
	p[1] = '\0';
	refused(bad, sizeof(bad) - 1, NULL, VOUCH_ESYNTAX, "not well-formed");
	refused_s(XML("<record><row><source_ip>192.0.2.1&#0;</source_ip>"
	    "<count>1</count></row></record>"), VOUCH_ESYNTAX,
	    "reference to invalid character");
	/* windows-1252, which expat does not know, is converted. */
	assert_int_equal(parse(latin, strlen(latin), &c, &e), 0);
	assert_string_equal(c.org, "\xe2\x82\xacuro");
	/* An encoding nobody knows. */
	refused_s("<?xml version=\"1.0\" encoding=\"x-klingon\"?>" XML(REC),
	    VOUCH_ESYNTAX, "encoding");
	/* Not a report at all. */
	refused_s("\x01\x02garbage", VOUCH_EUNSUPPORTED, "not a DMARC report");
	refused("", 0, NULL, VOUCH_ESYNTAX, "empty input");
	refused_s("<html><body>x</body></html>", VOUCH_EUNSUPPORTED,
	    "is not a DMARC <feedback>");
	refused_s("<x:feedback xmlns:x=\"urn:other\"/>", VOUCH_EUNSUPPORTED,
	    "foreign namespace");
	refused_s(XML(REC) "<more/>", VOUCH_ESYNTAX, "not well-formed");
}

static void
test_values(void **state)
{
	static const char odd[] = "<feedback xmlns:ns1=\"http://dmarc.org/"
	    "dmarc-xml/0.1\"><report_metadata><org_name> Org </org_name>"
	    "<report_id>r</report_id><date_range><begin> 1337270400.0 "
	    "</begin><end>1337356799 </end><x>ignored</x></date_range>"
	    "</report_metadata><policy_published><domain>EXAMPLE.com</domain>"
	    "<p>Reject</p><np>NONE</np><testing>Y</testing>"
	    "</policy_published><record><row><source_ip> ::ffff:192.0.2.7 "
	    "</source_ip><count> 12 </count><policy_evaluated><disposition>"
	    "Quarantine</disposition></policy_evaluated></row><identifiers>"
	    "<header_from>Mail.EXAMPLE.com</header_from></identifiers>"
	    "<auth_results><spf><domain>x</domain><result>HardFail</result>"
	    "</spf></auth_results><extensions><e><f/></e></extensions>"
	    "</record></feedback>";
	static const char rfc9990[] = "<feedback xmlns=\"urn:ietf:params:xml:"
	    "ns:dmarc-2.0\">" META REC "</feedback>";
	struct vouch_error e;
	struct col c;

	(void)state;
	assert_int_equal(parse(odd, strlen(odd), &c, &e), 0);
	assert_string_equal(c.org, "Org");
	assert_string_equal(c.domain, "example.com");
	assert_int_equal(c.begin, 1337270400);
	assert_int_equal(c.p, VOUCH_DMARC_POLICY_REJECT);
	assert_int_equal(c.np, VOUCH_DMARC_POLICY_NONE);
	assert_int_equal(c.testing, 1);
	assert_int_equal(c.schema, VOUCH_REPORT_RFC7489);
	assert_int_equal(c.ip.family, 4);
	assert_int_equal(c.sum, 12);
	assert_string_equal(c.disp, "quarantine");
	assert_string_equal(c.header_from, "mail.example.com");
	assert_string_equal(c.spf0, "fail");
	assert_int_equal(parse(rfc9990, strlen(rfc9990), &c, &e), 0);
	assert_int_equal(c.schema, VOUCH_REPORT_RFC9990);
	assert_int_equal(c.testing, -1);
}

static void
test_refusals(void **state)
{
	(void)state;
	refused_s("<feedback><report_metadata><org_name>o</org_name>"
	    "<date_range><begin>1</begin><end>2</end></date_range>"
	    "</report_metadata><policy_published><domain>d</domain>"
	    "</policy_published></feedback>", VOUCH_ESYNTAX,
	    "without <report_metadata><report_id>");
	refused_s("<feedback><report_metadata><report_id>r</report_id>"
	    "<date_range><begin>1</begin><end>2</end></date_range>"
	    "</report_metadata><policy_published><domain>d</domain>"
	    "</policy_published>" REC "</feedback>", VOUCH_ESYNTAX,
	    "without <report_metadata><org_name>");
	refused_s("<feedback><report_metadata><org_name>o</org_name>"
	    "<report_id>r</report_id></report_metadata><policy_published>"
	    "<domain>d</domain></policy_published></feedback>", VOUCH_ESYNTAX,
	    "without <date_range>");
	refused_s("<feedback><report_metadata><org_name>o</org_name>"
	    "<report_id>r</report_id><date_range><begin>1</begin><end>2</end>"
	    "</date_range></report_metadata></feedback>", VOUCH_ESYNTAX,
	    "without <policy_published><domain>");
	refused_s(XML(REC "<record><row><count>1</count></row></record>"),
	    VOUCH_ESYNTAX, "record 1: no <row><source_ip>");
	refused_s(XML("<record><row><source_ip>192.0.2.1</source_ip></row>"
	    "</record>"), VOUCH_ESYNTAX, "record 0: no <row><count>");
	refused_s(XML("<record><row><source_ip>192.0.2.1</source_ip><count>"
	    "-1</count></row></record>"), VOUCH_ESYNTAX, "record 0: <count> "
	    "'-1' is not a message count");
	refused_s(XML("<record><row><source_ip>192.0.2.1</source_ip><count>"
	    "99999999999999999999</count></row></record>"), VOUCH_ESYNTAX,
	    "is not a message count");
	refused_s(XML("<record><row><source_ip>192.0.2.1</source_ip>"
	    "<source_ip>192.0.2.2</source_ip><count>1</count></row></record>"),
	    VOUCH_ESYNTAX, "record 0: <source_ip> appears twice");
	refused_s("<feedback><report_metadata><report_id>a</report_id>"
	    "<report_id>b</report_id></report_metadata></feedback>",
	    VOUCH_ESYNTAX, "<report_id> appears twice");
	refused_s("<feedback><report_metadata><org_name>o</org_name>"
	    "<report_id>r</report_id><date_range><begin>1.5</begin><end>2"
	    "</end></date_range></report_metadata></feedback>", VOUCH_ESYNTAX,
	    "<begin> '1.5' is not a time in whole seconds");
	refused_s(XML(REC "<policy_published><p>none</p></policy_published>"),
	    VOUCH_ESYNTAX, "<policy_published> after the first <record>");
	refused_s("<feedback>" META "<policy_published><sp>always</sp>"
	    "</policy_published></feedback>", VOUCH_ESYNTAX,
	    "<sp> 'always' is not none, quarantine or reject");
	refused_s("<feedback>" META "<policy_published><pct>101</pct>"
	    "</policy_published></feedback>", VOUCH_ESYNTAX,
	    "<pct> '101' is not a percentage");
}

/* ---- callbacks and allocation failures --------------------------------- */

static void
test_callbacks(void **state)
{
	static const char three[] = XML(REC REC REC);
	const char *names[2] = {"1.xml", "2.xml"};
	const void *data[2] = {report1, report1};
	size_t lens[2] = {sizeof(report1) - 1, sizeof(report1) - 1}, n;
	struct vouch_error e;
	struct col c;
	unsigned char *z;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.stop_meta = 7;
	assert_int_equal(vouch_report_parse(three, strlen(three), NULL,
	    &handler, &c, &e), 7);
	assert_string_equal(c.seq, "M");
	memset(&c, 0, sizeof(c));
	c.stop_rec_at = 2;
	c.stop_rec = -42;
	assert_int_equal(vouch_report_parse(three, strlen(three), NULL,
	    &handler, &c, &e), -42);
	assert_string_equal(c.seq, "MRR");
	/* A callback returning VOUCH_EUNSUPPORTED in a zip is not "skip
	 * this entry": the parse stops with it. */
	z = zip_make(names, data, lens, 2, &n);
	memset(&c, 0, sizeof(c));
	c.stop_end = VOUCH_EUNSUPPORTED;
	assert_int_equal(vouch_report_parse(z, n, NULL, &handler, &c, &e),
	    VOUCH_EUNSUPPORTED);
	assert_string_equal(c.seq, "MRE");
	memset(&c, 0, sizeof(c));
	assert_int_equal(vouch_report_parse(z, n, NULL, &handler, &c, &e), 0);
	assert_string_equal(c.seq, "MREMRE");
	free(z);
	/* No handler at all. */
	assert_int_equal(vouch_report_parse(three, strlen(three), NULL, NULL,
	    NULL, NULL), 0);
	assert_int_equal(vouch_report_parse(NULL, 5, NULL, NULL, NULL, &e),
	    VOUCH_EINVAL);
}

/* Every allocation failing in turn: VOUCH_ENOMEM each time (never a crash
 * or a leak, which ASan's leak checker sees), then success. */
static void
alloc_loop(const void *p, size_t n)
{
	struct vouch_error e;
	struct col c;
	unsigned long i;
	int rc = VOUCH_ENOMEM;

	for (i = 1; rc == VOUCH_ENOMEM && i < 5000; i++) {
		memset(&c, 0, sizeof(c));
		failalloc_set(i);
		rc = vouch_report_parse(p, n, NULL, &handler, &c, &e);
		failalloc_set(0);
		if (rc != 0 && rc != VOUCH_ENOMEM)
			fail_msg("allocation %lu failing gave %d '%s'", i, rc,
			    e.msg);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(c.nend + c.nfail, 1);
}

static void
test_failalloc(void **state)
{
	const char *names[1] = {"r.xml"};
	const void *data[1] = {report1};
	size_t lens[1] = {sizeof(report1) - 1}, n;
	unsigned char *z;
	char *s;

	(void)state;
	alloc_loop(report1, strlen(report1));
	z = gzip(report1, strlen(report1), &n);
	alloc_loop(z, n);
	free(z);
	z = zip_make(names, data, lens, 1, &n);
	alloc_loop(z, n);
	free(z);
	s = mime_nested(2);
	alloc_loop(s, strlen(s));
	free(s);
	alloc_loop(MAIL_HEAD "Content-Type: message/feedback-report\r\n\r\n"
	    "Feedback-Type: auth-failure\r\nSource-IP: 192.0.2.1\r\n",
	    strlen(MAIL_HEAD "Content-Type: message/feedback-report\r\n\r\n"
	    "Feedback-Type: auth-failure\r\nSource-IP: 192.0.2.1\r\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtd),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_field_size),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_mime_limits),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_arf),
		cmocka_unit_test(test_bytes_in_xml),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_failalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
