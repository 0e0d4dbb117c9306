/*
 * report_bench - bench/report's driver: one pass over the generated
 * corpus (gen_reports.py) in one of two modes, one core, one line out.
 *
 *   report_bench expat DIR
 *       The ceiling: every file read, unpacked (gzip by zlib, zip by
 *       libzip, as the importer must) and parsed by expat with empty
 *       handlers; the same pass with the XML already unpacked in memory
 *       is timed too ("pure").
 *   report_bench parse DIR
 *       Every file read and parsed by vouch_report_parse() with empty
 *       callbacks: the parser's share of an import.
 *   report_bench import DIR WHERE [JOBS]
 *       Every file read and stored into WHERE (an SQLite path or a
 *       postgresql:// URI) through a vouch_store_pipe with JOBS parsing
 *       threads (default 0: vouch_store_import() of each file in turn).
 *
 * Prints on stdout: mode reports records xml_bytes seconds rss_kb_10
 * rss_kb_end [pure_seconds] — rss at 10 % of the files and at the end
 * show whether memory stays flat.  Exit 1 on any error or when an import
 * does not store every report and record of MANIFEST.
 */
#define _GNU_SOURCE	/* RUSAGE_THREAD */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <expat.h>
#include <zip.h>
#include <zlib.h>

#include <vouch/store.h>

#define FILE_MAX (64u << 20)

struct entry {
	char name[64];
	unsigned long records, messages;
};

static struct entry *entries;
static size_t nentries;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* CPU seconds so far of the calling thread (the store's), or of the
 * whole process. */
static double
cpu_of(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "report_bench: %s\n", what);
	exit(1);
}

static void
read_manifest(const char *dir)
{
	char path[4096], line[256];
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/MANIFEST", dir);
	if ((f = fopen(path, "r")) == NULL)
		die("no MANIFEST");
	while (fgets(line, sizeof(line), f) != NULL) {
		struct entry *e;

		if (nentries == cap) {
			cap = cap ? cap * 2 : 1024;
			entries = realloc(entries, cap * sizeof(*entries));
			if (entries == NULL)
				die("out of memory");
		}
		e = &entries[nentries];
		if (sscanf(line, "%63s %lu %lu", e->name, &e->records,
		    &e->messages) != 3)
			die("bad MANIFEST line");
		nentries++;
	}
	fclose(f);
}

/* Read DIR/name into buf (grown as needed); returns the length. */
static size_t
slurp(const char *dir, const char *name, unsigned char **buf, size_t *cap)
{
	char path[4096];
	size_t len = 0, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		die(strerror(errno));
	for (;;) {
		if (len == *cap) {
			*cap = *cap ? *cap * 2 : 1u << 20;
			if (*cap > FILE_MAX || (*buf = realloc(*buf, *cap)) ==
			    NULL)
				die("file too big");
		}
		n = fread(*buf + len, 1, *cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	return len;
}

struct xcount {
	unsigned long records;
};

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xcount *c = arg;

	(void)atts;
	if (strcmp(name, "record") == 0 ||
	    strcmp(name, "urn:ietf:params:xml:ns:dmarc-2.0|record") == 0)
		c->records++;
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	(void)arg;
	(void)name;
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	(void)arg;
	(void)s;
	(void)len;
}

/* Unpack data into out (grown as needed); returns the XML length. */
static size_t
unpack(const unsigned char *data, size_t len, unsigned char **out,
    size_t *cap)
{
	size_t olen = 0;

	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		z_stream z;
		int rc;

		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, 31) != Z_OK)
			die("inflateInit2");
		z.next_in = (unsigned char *)(uintptr_t)data;
		z.avail_in = (uInt)len;
		do {
			if (olen == *cap) {
				*cap = *cap ? *cap * 2 : 1u << 20;
				if ((*out = realloc(*out, *cap)) == NULL)
					die("out of memory");
			}
			z.next_out = *out + olen;
			z.avail_out = (uInt)(*cap - olen);
			rc = inflate(&z, Z_NO_FLUSH);
			olen = *cap - z.avail_out;
		} while (rc == Z_OK);
		inflateEnd(&z);
		if (rc != Z_STREAM_END)
			die("bad gzip");
		return olen;
	}
	if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
		zip_error_t ze;
		zip_source_t *src;
		zip_t *za = NULL;
		zip_file_t *zf;
		zip_int64_t n;

		zip_error_init(&ze);
		src = zip_source_buffer_create(data, len, 0, &ze);
		if (src == NULL || (za = zip_open_from_source(src,
		    ZIP_RDONLY, &ze)) == NULL)
			die("bad zip");
		if ((zf = zip_fopen_index(za, 0, 0)) == NULL)
			die("bad zip member");
		for (;;) {
			if (olen == *cap) {
				*cap = *cap ? *cap * 2 : 1u << 20;
				if ((*out = realloc(*out, *cap)) == NULL)
					die("out of memory");
			}
			n = zip_fread(zf, *out + olen, *cap - olen);
			if (n < 0)
				die("zip read");
			if (n == 0)
				break;
			olen += (size_t)n;
		}
		zip_fclose(zf);
		zip_discard(za);
		return olen;
	}
	if (len > *cap) {
		*cap = len;
		if ((*out = realloc(*out, *cap)) == NULL)
			die("out of memory");
	}
	memcpy(*out, data, len);
	return len;
}

static unsigned long
expat_parse(const unsigned char *xml, size_t len)
{
	struct xcount c = {0};
	XML_Parser p;

	if ((p = XML_ParserCreateNS(NULL, '|')) == NULL)
		die("XML_ParserCreateNS");
	XML_SetUserData(p, &c);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (XML_Parse(p, (const char *)xml, (int)len, 1) != XML_STATUS_OK)
		die("XML not well-formed");
	XML_ParserFree(p);
	return c.records;
}

static void
print_line(const char *mode, unsigned long long records,
    unsigned long long xml, double secs, long rss10)
{
	printf("%s reports=%zu records=%llu xml_bytes=%llu seconds=%.3f "
	    "rss_kb_10=%ld rss_kb_end=%ld", mode, nentries, records, xml,
	    secs, rss10, rss_kb());
}

static int
run_expat(const char *dir)
{
	unsigned char *buf = NULL, *xml = NULL;
	size_t cap = 0, xcap = 0, i, len, xlen;
	unsigned long long records = 0, xbytes = 0;
	double t0, secs, pure = 0, p0;
	long rss10 = 0;

	t0 = now();
	for (i = 0; i < nentries; i++) {
		len = slurp(dir, entries[i].name, &buf, &cap);
		xlen = unpack(buf, len, &xml, &xcap);
		xbytes += xlen;
		p0 = now();
		records += expat_parse(xml, xlen);
		pure += now() - p0;
		if (i + 1 == nentries / 10)
			rss10 = rss_kb();
	}
	secs = now() - t0;
	print_line("expat", records, xbytes, secs, rss10);
	printf(" pure_seconds=%.3f\n", pure);
	free(buf);
	free(xml);
	return 0;
}

static int
on_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r)
{
	(void)m;
	(void)r;
	(*(unsigned long long *)arg)++;
	return 0;
}

static int
run_parse(const char *dir)
{
	static const struct vouch_report_handler h = {.record = on_record};
	struct vouch_error err = {0};
	unsigned char *buf = NULL;
	unsigned long long records = 0;
	size_t cap = 0, i, len;
	double t0, secs;
	long rss10 = 0;

	t0 = now();
	for (i = 0; i < nentries; i++) {
		len = slurp(dir, entries[i].name, &buf, &cap);
		if (vouch_report_parse(buf, len, NULL, &h, &records,
		    &err) != 0) {
			fprintf(stderr, "report_bench: %s: %s\n",
			    entries[i].name, err.msg);
			return 1;
		}
		if (i + 1 == nentries / 10)
			rss10 = rss_kb();
	}
	secs = now() - t0;
	free(buf);
	print_line("parse", records, 0, secs, rss10);
	printf("\n");
	return 0;
}

struct tally {
	size_t reports;
	unsigned long long records;
	int failed;
};

static int
stored(void *arg, void *tag, int rc,
    const struct vouch_store_import_result *res,
    const struct vouch_error *err)
{
	struct tally *t = arg;

	if (res == NULL)		/* dropped after a failure */
		return 0;
	if (rc != 0) {
		fprintf(stderr, "report_bench: %s: %s\n", (const char *)tag,
		    err->msg);
		t->failed = 1;
		return 1;
	}
	t->reports += res->reports;
	t->records += res->records;
	return 0;
}

static int
run_import(const char *dir, const char *where, unsigned jobs)
{
	struct vouch_store_pipe *p = NULL;
	struct vouch_store *s = NULL;
	struct vouch_error err = {0};
	struct tally t = {0, 0, 0};
	unsigned char *buf = NULL;
	size_t cap = 0, i, len;
	unsigned long long want = 0;
	double t0, secs, main_cpu, all_cpu;
	long rss10 = 0;
	int rc;

	if ((rc = vouch_store_open(where, &s, &err)) != 0) {
		fprintf(stderr, "report_bench: %s: %s\n", where, err.msg);
		return 1;
	}
	if (vouch_store_pipe_new(s, jobs, NULL, stored, &t, &p) != 0)
		die("vouch_store_pipe_new failed");
	t0 = now();
	for (i = 0; i < nentries && !t.failed; i++) {
		len = slurp(dir, entries[i].name, &buf, &cap);
		(void)vouch_store_pipe_put(p, buf, len, entries[i].name,
		    (int64_t)time(NULL), entries[i].name);
		want += entries[i].records;
		if (i + 1 == nentries / 10)
			rss10 = rss_kb();
	}
	(void)vouch_store_pipe_flush(p);
	secs = now() - t0;
	main_cpu = cpu_of(RUSAGE_THREAD);
	all_cpu = cpu_of(RUSAGE_SELF);
	vouch_store_pipe_free(p);
	vouch_store_close(s);
	free(buf);
	if (t.failed)
		return 1;
	if (t.reports != nentries || t.records != want) {
		fprintf(stderr, "report_bench: stored %zu reports, %llu "
		    "records; MANIFEST has %zu, %llu (not a fresh store?)\n",
		    t.reports, t.records, nentries, want);
		return 1;
	}
	print_line("import", t.records, 0, secs, rss10);
	printf(" jobs=%u main_cpu=%.3f cpu=%.3f\n", jobs, main_cpu, all_cpu);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: report_bench expat DIR | "
		    "report_bench parse DIR | report_bench import DIR WHERE "
		    "[JOBS]\n");
		return 2;
	}
	read_manifest(argv[2]);
	if (strcmp(argv[1], "expat") == 0 && argc == 3)
		return run_expat(argv[2]);
	if (strcmp(argv[1], "parse") == 0 && argc == 3)
		return run_parse(argv[2]);
	if (strcmp(argv[1], "import") == 0 && (argc == 4 || argc == 5))
		return run_import(argv[2], argv[3], argc == 5 ?
		    (unsigned)strtoul(argv[4], NULL, 10) : 0);
	fprintf(stderr, "report_bench: bad arguments\n");
	return 2;
}
