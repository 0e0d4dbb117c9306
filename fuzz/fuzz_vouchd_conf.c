/*
 * fuzz_vouchd_conf.c - the bytes as a vouchd.conf(5), then as an
 * opendkim.conf for vouchd migrate (src/vouchd/conf*.c).  Invariants,
 * abort() when broken:
 *   - a refused vouchd.conf names the input ("f:LINE: ...");
 *   - a loaded one is written out (vouchd_conf_write), the text loads
 *     again and writes out the same text: write -> load is exact;
 *   - migrate either refuses the input on its own line, or writes a
 *     vouchd.conf that loads, unless a KeyTable or SigningTable it
 *     names cannot be used (migrate reads no tables).
 * Relative paths start at "/", so names in the input reach only files
 * that exist anyway; FIFOs and devices are refused unread.
 *
 * Seeds: fuzz/corpus/vouchd_conf/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
parse(const char *text, size_t len, struct vouchd_conf **c,
    struct vouch_error *err)
{
	struct vouchd__lines l;
	int rc;

	if ((rc = vouchd__lines_mem(&l, "f", text, len, err)) != 0)
		return rc;
	rc = vouchd__conf_parse(&l, "/", c, err);
	vouchd__lines_free(&l);
	return rc;
}

static char *
write_out(const struct vouchd_conf *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		abort();
	if (vouchd_conf_write(c, f) != 0)
		abort();
	if (fclose(f) != 0)
		abort();
	return text;
}

static void
check_conf(const uint8_t *data, size_t size)
{
	struct vouchd_conf *c = NULL, *d = NULL;
	struct vouch_error err = { 0 };
	char *one, *two;
	size_t n1, n2;

	if (parse((const char *)data, size, &c, &err) != 0) {
		if (c != NULL || strncmp(err.msg, "f:", 2) != 0)
			abort();
		return;
	}
	one = write_out(c, &n1);
	if (parse(one, n1, &d, &err) != 0)
		abort();
	two = write_out(d, &n2);
	if (n1 != n2 || memcmp(one, two, n1) != 0)
		abort();
	free(one);
	free(two);
	vouchd_conf_free(c);
	vouchd_conf_free(d);
}

static void
check_migrate(const uint8_t *data, size_t size)
{
	struct vouchd_conf *c = NULL;
	struct vouch_error err = { 0 };
	struct vouchd__lines l;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (vouchd__lines_mem(&l, "f", (const char *)data, size, &err) != 0)
		abort();
	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	rc = vouchd__migrate_lines(&l, NULL, f, &err);
	vouchd__lines_free(&l);
	if (fclose(f) != 0)
		abort();
	if (rc != 0) {
		if (strncmp(err.msg, "f:", 2) != 0)
			abort();
		free(text);
		return;
	}
	if (parse(text, len, &c, &err) != 0 &&
	    strstr(err.msg, "Table") == NULL)
		abort();
	vouchd_conf_free(c);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_conf(data, size);
	check_migrate(data, size);
	return 0;
}
