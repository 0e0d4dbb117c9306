/*
 * store_dump.c - the canonical text of a store as the query API shows it
 * (summary, sources, rows, failures, under a few filters): one line per
 * item, every string escaped (bytes outside printable ASCII, '\' and
 * '|' as \xHH; NULL as "~"), so that two stores compare as text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "store_compare.h"

#define DUMP_MAX (512u * 1024u * 1024u)

static void
put_str(struct vouch__buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	vouch__buf_putc(b, '|');
	if (s == NULL) {
		vouch__buf_putc(b, '~');
		return;
	}
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\' || *p == '|' ||
		    *p == '~')
			vouch__buf_printf(b, "\\x%02x", *p);
		else
			vouch__buf_putc(b, *p);
}

static void
put_bytes(struct vouch__buf *b, const char *p, size_t n)
{
	size_t i;

	vouch__buf_printf(b, "|%zu:", n);
	for (i = 0; p != NULL && i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f ||
		    p[i] == '\\' || p[i] == '|')
			vouch__buf_printf(b, "\\x%02x", (unsigned char)p[i]);
		else
			vouch__buf_putc(b, p[i]);
}

static void
put_u(struct vouch__buf *b, uint64_t v)
{
	vouch__buf_printf(b, "|%" PRIu64, v);
}

static void
put_i(struct vouch__buf *b, int64_t v)
{
	vouch__buf_printf(b, "|%" PRId64, v);
}

static int
dump_summary(void *arg, const struct vouch_store_summary *m)
{
	struct vouch__buf *b = arg;
	size_t i;

	vouch__buf_puts(b, "summary");
	put_str(b, m->domain);
	put_i(b, m->first);
	put_i(b, m->last);
	put_u(b, m->reports);
	put_u(b, m->messages);
	put_u(b, m->dmarc_pass);
	put_u(b, m->spf_aligned);
	put_u(b, m->dkim_aligned);
	put_u(b, m->disp_none);
	put_u(b, m->disp_quarantine);
	put_u(b, m->disp_reject);
	put_u(b, m->disp_pass);
	for (i = 0; i < m->nreporters; i++) {
		vouch__buf_puts(b, " reporter");
		put_str(b, m->reporters[i].org_name);
		put_u(b, m->reporters[i].reports);
		put_u(b, m->reporters[i].messages);
	}
	return vouch__buf_putc(b, '\n');
}

static void
put_authdoms(struct vouch__buf *b, const char *what,
    const struct vouch_store_authdom *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		vouch__buf_printf(b, " %s", what);
		put_str(b, d[i].domain);
		put_u(b, d[i].messages);
		put_u(b, d[i].pass);
	}
}

static int
dump_source(void *arg, const struct vouch_store_source *s)
{
	struct vouch__buf *b = arg;

	vouch__buf_puts(b, "source");
	put_str(b, s->ip);
	put_u(b, s->messages);
	put_u(b, s->dmarc_pass);
	put_u(b, s->spf_aligned);
	put_u(b, s->dkim_aligned);
	put_u(b, s->spf_pass);
	put_u(b, s->dkim_pass);
	put_u(b, s->forwarded);
	put_u(b, s->disp_quarantine);
	put_u(b, s->disp_reject);
	put_authdoms(b, "from", s->header_from, s->nheader_from);
	put_authdoms(b, "spf", s->spf_domains, s->nspf_domains);
	put_authdoms(b, "dkim", s->dkim_domains, s->ndkim_domains);
	return vouch__buf_putc(b, '\n');
}

static int
dump_row(void *arg, const struct vouch_store_row *r)
{
	struct vouch__buf *b = arg;
	size_t i;

	vouch__buf_puts(b, "row");
	put_str(b, r->org_name);
	put_str(b, r->report_id);
	put_i(b, r->begin);
	put_i(b, r->end);
	put_str(b, r->domain);
	vouch__buf_printf(b, "|%d|%d|%d|%d|%d", (int)r->p, (int)r->sp,
	    (int)r->np, r->adkim_strict, r->aspf_strict);
	put_str(b, r->ip);
	put_u(b, r->count);
	put_str(b, r->disposition);
	put_str(b, r->dkim);
	put_str(b, r->spf);
	put_str(b, r->reasons);
	put_str(b, r->header_from);
	put_str(b, r->envelope_from);
	put_str(b, r->envelope_to);
	for (i = 0; i < r->ndkim; i++) {
		vouch__buf_puts(b, " dkim");
		put_str(b, r->dkim_results[i].domain);
		put_str(b, r->dkim_results[i].selector);
		put_str(b, r->dkim_results[i].result);
		put_str(b, r->dkim_results[i].human_result);
	}
	for (i = 0; i < r->nspf; i++) {
		vouch__buf_puts(b, " spf");
		put_str(b, r->spf_results[i].domain);
		put_str(b, r->spf_results[i].scope);
		put_str(b, r->spf_results[i].result);
		put_str(b, r->spf_results[i].human_result);
	}
	return vouch__buf_putc(b, '\n');
}

static int
dump_failure(void *arg, const struct vouch_store_failure *fr)
{
	struct vouch__buf *b = arg;
	const struct vouch_report_failure *f = fr->f;
	char ip[64] = "";

	if (f->source_ip.family != 0)
		vouch_ip_format(&f->source_ip, ip, sizeof(ip));
	vouch__buf_puts(b, "failure");
	put_i(b, fr->imported);
	put_str(b, fr->source);
	put_str(b, f->feedback_type);
	put_str(b, f->user_agent);
	put_str(b, f->version);
	put_str(b, f->auth_failure);
	put_str(b, f->original_envelope_id);
	put_str(b, f->original_mail_from);
	put_str(b, f->original_rcpt_to);
	put_str(b, f->reported_domain);
	put_str(b, f->identity_alignment);
	put_str(b, f->delivery_result);
	put_i(b, f->arrival_date);
	put_str(b, ip);
	put_str(b, f->dkim_domain);
	put_str(b, f->dkim_identity);
	put_str(b, f->dkim_selector);
	put_str(b, f->spf_dns);
	put_str(b, f->authentication_results);
	vouch__buf_printf(b, "|%d", f->headers_truncated);
	put_bytes(b, f->headers, f->headers_len);
	return vouch__buf_putc(b, '\n');
}

/* Filters that cut the corpus in different places, one with a domain in
 * upper case ("any case", store.h). */
static const struct vouch_store_filter filters[] = {
	{ NULL, 0, 0 },
	{ "example.com", 0, 0 },
	{ "EXAMPLE.com", 1530000000, 1540000000 },
	{ NULL, 1337000000, 1537000000 },
	{ "no-such-domain.example", 0, 0 },
};

#define NFILTERS (sizeof(filters) / sizeof(filters[0]))

int
sc_dump(struct vouch_store *s, char **out)
{
	struct vouch__buf b;
	struct vouch_error err;
	size_t i;
	int rc = 0;

	*out = NULL;
	vouch__buf_init(&b, DUMP_MAX);
	for (i = 0; i < NFILTERS && rc == 0; i++) {
		const struct vouch_store_filter *f = i ? &filters[i] : NULL;

		vouch__buf_printf(&b, "filter %zu\n", i);
		if ((rc = vouch_store_summary(s, f, dump_summary, &b,
		    &err)) != 0 ||
		    (rc = vouch_store_sources(s, f, dump_source, &b,
		    &err)) != 0 ||
		    (rc = vouch_store_rows(s, f, dump_row, &b, &err)) != 0 ||
		    (rc = vouch_store_failures(s, f, dump_failure, &b,
		    &err)) != 0)
			printf("dump of %s, filter %zu: %s\n",
			    vouch_store_backend(s), i, err.msg);
	}
	if (rc == 0 && (*out = vouch__buf_take(&b)) == NULL)
		rc = VOUCH_ENOMEM;
	vouch__buf_free(&b);
	return rc;
}

static int
count_row(void *arg, const struct vouch_store_row *r)
{
	uint64_t *n = arg;

	n[0]++;
	n[1] += r->count;
	return 0;
}

int
sc_count_rows(struct vouch_store *s, uint64_t *rows, uint64_t *sum)
{
	struct vouch_error err;
	uint64_t n[2] = { 0, 0 };
	int rc = vouch_store_rows(s, NULL, count_row, n, &err);

	if (rc != 0)
		printf("rows of %s: %s\n", vouch_store_backend(s), err.msg);
	*rows = n[0];
	*sum = n[1];
	return rc;
}

/* The lines of text (cut in place). */
static char **
lines_of(char *text, size_t *n)
{
	char **v = NULL, *p, *nl;
	size_t cap = 0;

	*n = 0;
	for (p = text; *p != '\0'; p = nl + 1) {
		if (*n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 1024;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				abort();
			v = nv;
		}
		v[(*n)++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	return v;
}

static int
by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
sc_same_dump(const char *what, const char *a, const char *b, int sorted)
{
	char *ca = strdup(a), *cb = strdup(b), **la, **lb;
	size_t na, nb, i;

	if (ca == NULL || cb == NULL)
		abort();
	la = lines_of(ca, &na);
	lb = lines_of(cb, &nb);
	if (sorted) {
		qsort(la, na, sizeof(*la), by_line);
		qsort(lb, nb, sizeof(*lb), by_line);
	}
	for (i = 0; i < na && i < nb; i++)
		if (strcmp(la[i], lb[i]) != 0)
			break;
	if (sc_check(i == na && i == nb, "%s: the dumps differ at line %zu "
	    "(of %zu, %zu):\n  %.400s\n  %.400s", what, i + 1, na, nb,
	    i < na ? la[i] : "(end)", i < nb ? lb[i] : "(end)"))
		printf("%s: %zu identical lines\n", what, na);
	free(la);
	free(lb);
	free(ca);
	free(cb);
}

unsigned char *
sc_gunzip(const void *gz, size_t len, size_t *outlen)
{
	z_stream z;
	unsigned char *out = NULL, *p;
	size_t cap = 0;
	int zr = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return NULL;
	z.next_in = (Bytef *)(uintptr_t)gz;
	z.avail_in = (uInt)len;
	while (zr == Z_OK) {
		if (z.total_out + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > DUMP_MAX || (p = realloc(out, cap)) == NULL)
				break;
			out = p;
		}
		z.next_out = out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out - 1);
		zr = inflate(&z, Z_NO_FLUSH);
	}
	*outlen = z.total_out;
	inflateEnd(&z);
	if (zr != Z_STREAM_END || z.avail_in != 0) {
		free(out);
		return NULL;
	}
	return out;
}
