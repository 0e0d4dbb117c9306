/*
 * report_zip.c - zip archives (PKWARE APPNOTE) read from memory with
 * libzip.  Only the first archive_members entries are looked at, the rest
 * are ignored unread; each entry is streamed out of libzip into a sink
 * (report_gz.c), so its size is counted as produced, never as the archive
 * declares it, and a bomb stops at xml_bytes.  An entry may hold XML or a
 * gzip of XML.  Entry names are never used at all: not as paths, not to
 * choose how to read an entry.  An entry that is not a report (a
 * directory, a text file, an encrypted entry) is skipped; an archive with
 * no report in its first entries is VOUCH_EUNSUPPORTED; a corrupt entry
 * (bad CRC, truncated data) refuses the whole archive.
 */
#include <zip.h>

#include "report/report_int.h"

#define READ_CHUNK 65536

static int
zip_code(struct vouch__rctx *c, int ze, const char *what)
{
	zip_error_t e;
	int rc;

	if (ze == ZIP_ER_MEMORY)
		return vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
	zip_error_init_with_code(&e, ze);
	rc = vouch__report_fail(c, VOUCH_ESYNTAX, "zip: %s: %s", what,
	    zip_error_strerror(&e));
	zip_error_fini(&e);
	return rc;
}

/* Stream entry i into a sink of its own. */
static int
read_entry(struct vouch__rctx *c, zip_t *z, zip_uint64_t i,
    unsigned char *buf)
{
	struct vouch__sink *s = NULL;
	zip_file_t *f;
	zip_int64_t got;
	int rc, ze;

	f = zip_fopen_index(z, i, 0);
	if (f == NULL) {
		ze = zip_error_code_zip(zip_get_error(z));
		if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_ENCRNOTSUPP ||
		    ze == ZIP_ER_COMPNOTSUPP)
			return vouch__report_fail(c, VOUCH_EUNSUPPORTED, "zip "
			    "entry %llu: encrypted or unknown compression",
			    (unsigned long long)i);
		return zip_code(c, ze, "cannot open an entry");
	}
	if ((rc = vouch__sink_new(c, 1, &s)) != 0)
		goto out;
	while ((got = zip_fread(f, buf, READ_CHUNK)) > 0)
		if ((rc = vouch__sink_write(s, buf, (size_t)got)) != 0)
			goto out;
	if (got < 0) {
		rc = zip_code(c, zip_error_code_zip(zip_file_get_error(f)),
		    "reading an entry");
		goto out;
	}
	rc = vouch__sink_end(s);
out:
	vouch__sink_free(s);
	zip_fclose(f);
	return rc;
}

int
vouch__report_zip(struct vouch__rctx *c, const unsigned char *p, size_t n)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z = NULL;
	zip_int64_t count;
	zip_uint64_t i;
	size_t before = c->nreports;
	unsigned char *buf = NULL;
	int rc;

	zip_error_init(&ze);
	src = zip_source_buffer_create(p, n, 0, &ze);
	if (src == NULL || (z = zip_open_from_source(src, ZIP_RDONLY,
	    &ze)) == NULL) {
		rc = zip_code(c, zip_error_code_zip(&ze), "not a readable "
		    "archive");
		zip_source_free(src);
		goto out;
	}
	buf = vouch__malloc(READ_CHUNK);
	if (buf == NULL) {
		rc = vouch__report_fail(c, VOUCH_ENOMEM, "out of memory");
		goto out;
	}
	count = zip_get_num_entries(z, 0);
	rc = 0;
	for (i = 0; count > 0 && i < (zip_uint64_t)count &&
	    i < c->lim.archive_members; i++) {
		rc = read_entry(c, z, i, buf);
		if (rc == VOUCH_EUNSUPPORTED && !c->stopped)
			rc = 0;		/* not a report: the next entry */
		if (rc != 0)
			goto out;
	}
	if (c->nreports == before)
		rc = vouch__report_fail(c, VOUCH_EUNSUPPORTED, "no DMARC "
		    "report in the first %u entries of the zip",
		    c->lim.archive_members);
out:
	vouch__free(buf);
	if (z != NULL)
		zip_discard(z);
	zip_error_fini(&ze);
	return rc;
}
