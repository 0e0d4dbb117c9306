/*
 * fuzz_store_import.c - vouch_store_import() of hostile bytes into a
 * fresh in-memory SQLite store (store/, docs/store.md): the parser's
 * containers and limits as fuzz_report.c, then the store's transactions.
 * Invariants, abort() when broken:
 *   - what the store holds afterwards is exactly what the call says it
 *     stored: the aggregate records and their message counts read back
 *     equal res.records and res.messages, the reports res.reports, the
 *     failure reports res.failures.  A report that failed half-way left
 *     nothing behind (SECURITY.md: nothing half-written);
 *   - the same bytes imported again store nothing new: every report is
 *     a duplicate or fails as before;
 *   - parsed ahead and replayed (store_prep.c, what vouch_store_pipe's
 *     workers do) into a second store, they give the same result, the
 *     same error and the same rows.
 *
 * FUZZ_STORE_TRACE set: print what each input stored (seed work).
 *
 * Seeds: fuzz/corpus/store_import/: copies of fuzz/corpus/report/'s
 * seeds (from shared/corpora), and partial_arf.eml, which this fuzzer
 * made from them: two failure reports, the first stored, the second
 * refused ("no colon in a header line").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/report.h>

#include "fuzz_report_limits.h"
#include <vouch/store.h>

#include "../store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


struct held {
	uint64_t records, messages, reports, failures;
};

static int
on_row(void *arg, const struct vouch_store_row *row)
{
	struct held *h = arg;

	h->records++;
	h->messages += row->count;
	return 0;
}

static int
on_summary(void *arg, const struct vouch_store_summary *sum)
{
	struct held *h = arg;

	h->reports += sum->reports;
	return 0;
}

static int
on_failure(void *arg, const struct vouch_store_failure *fr)
{
	struct held *h = arg;

	(void)fr;
	h->failures++;
	return 0;
}

static void
read_back(struct vouch_store *s, struct held *h)
{
	struct vouch_error err;

	memset(h, 0, sizeof(*h));
	memset(&err, 0, sizeof(err));
	if (vouch_store_rows(s, NULL, on_row, h, &err) != 0 ||
	    vouch_store_summary(s, NULL, on_summary, h, &err) != 0 ||
	    vouch_store_failures(s, NULL, on_failure, h, &err) != 0)
		abort();
}

/* The same bytes parsed ahead, then replayed into a fresh store: the
 * result, the error and the rows of the direct import (want*). */
static void
replayed(const uint8_t *data, size_t size, int want_rc,
    const struct vouch_store_import_result *want,
    const struct vouch_error *want_err, const struct held *want_h)
{
	struct vouch_store_import_result res;
	struct vouch_store *s = NULL;
	struct vouch__prep *p;
	struct vouch__raw raw;
	struct vouch_error err;
	struct held h;
	int rc;

	memset(&err, 0, sizeof(err));
	if (vouch_store_open(":memory:", &s, &err) != 0)
		abort();
	if ((p = vouch__prep_parse(data, size, &lim)) == NULL) {
		vouch_store_close(s);	/* too large to keep: imported as is */
		return;
	}
	vouch__raw_init(&raw, data, size, 1700000000);
	if (!vouch__prep_empty(p))
		(void)vouch__raw_ready(&raw, NULL);
	memset(&res, 0, sizeof(res));
	rc = vouch__store_import_prep(s, p, &raw, "fuzz", &res, &err);
	read_back(s, &h);
	if (rc != want_rc || err.code != want_err->code ||
	    memcmp(&res, want, sizeof(res)) != 0 ||
	    strcmp(err.msg, want_err->msg) != 0 ||
	    memcmp(&h, want_h, sizeof(h)) != 0)
		abort();
	vouch__raw_free(&raw);
	vouch__prep_free(p);
	vouch_store_close(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_store_import_result res, again;
	struct vouch_store *s = NULL;
	struct vouch_error err, first;
	struct held h, h2;
	int rc;

	memset(&err, 0, sizeof(err));
	if (vouch_store_open(":memory:", &s, &err) != 0)
		abort();
	memset(&res, 0, sizeof(res));
	rc = vouch_store_import(s, data, size, "fuzz", &lim, 1700000000,
	    &res, &err);
	first = err;
	read_back(s, &h);
	if (getenv("FUZZ_STORE_TRACE") != NULL)
		fprintf(stderr, "reports %zu records %llu failures %zu: %s\n",
		    res.reports, (unsigned long long)res.records, res.failures,
		    err.code != 0 ? err.msg : "ok");
	if (h.records != res.records || h.messages != res.messages ||
	    h.reports != res.reports || h.failures != res.failures)
		abort();
	memset(&again, 0, sizeof(again));
	(void)vouch_store_import(s, data, size, "fuzz again", &lim,
	    1700000001, &again, &err);
	read_back(s, &h2);
	if (again.reports != 0 || again.records != 0 || again.failures != 0 ||
	    memcmp(&h, &h2, sizeof(h)) != 0)
		abort();
	vouch_store_close(s);
	replayed(data, size, rc, &res, &first, &h);
	return 0;
}
