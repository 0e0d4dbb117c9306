/*
 * suite_libspf2.c - libspf2's parser list (libspf2/index.tsv: record,
 * verdict, message, re-printed record) as a robustness check.
 *
 * Each record is served as the only TXT record of the checked domain and
 * evaluated; the evaluation must run (and, under the sanitizers, not
 * crash).  The other names the records use (under the TLDs below, and
 * macro names under the checked domain) answer through wildcards with a
 * neutral record, an address and an MX, so include:, redirect=, a, mx
 * and exists targets resolve and a valid record cannot end in permerror
 * for lack of DNS data.  Expected, by libspf2's verdict:
 *   invalid, "Could not find a valid SPF record"  none (RFC 7208 4.5: not
 *                                                 an SPF record at all)
 *   invalid, anything else                        permerror (4.6)
 *   valid, valid-with-warning                     anything but permerror
 *                                                 and temperror
 * Where RFC 7208 disagrees with libspf2 (2005-era opinions), the entry is
 * in the skip list with the section; such records still run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "spf_suite.h"

#define L2_DOMAIN "libspf2.test"
#define L2_CLIENT "192.0.2.1"

/* Wildcard parents: the TLDs of the targets in the list, and the checked
 * domain for macro-built names. */
static const char *const l2_wild[] = { "a", "c", "com", "net", "org",
	L2_DOMAIN };

static void
put_wildcards(struct strbuf *zone)
{
	size_t i;

	for (i = 0; i < sizeof(l2_wild) / sizeof(l2_wild[0]); i++) {
		sb_printf(zone, "*.%s. 300 IN TXT \"v=spf1 ?all\"\n"
		    "*.%s. 300 IN A 198.51.100.7\n"
		    "*.%s. 300 IN AAAA 2001:db8::7\n"
		    "*.%s. 300 IN MX 10 mx." L2_DOMAIN ".\n", l2_wild[i],
		    l2_wild[i], l2_wild[i], l2_wild[i]);
	}
}

static void
run_record(struct suite *S, const char *record, const char *verdict,
    const char *message, unsigned long lineno)
{
	struct vouch_dns *dns = NULL;
	struct strbuf zone;
	struct spf_case c;
	size_t len = strlen(record);
	char sc[32];

	memset(&c, 0, sizeof(c));
	snprintf(sc, sizeof(sc), "line %lu", lineno);
	c.scenario = "*";
	c.id = record;
	c.spec = sc;
	c.host = L2_CLIENT;
	c.helo = "mail." L2_DOMAIN;
	c.mailfrom = "user@" L2_DOMAIN;
	c.mode = CASE_LIBSPF2;
	if (strcmp(verdict, "invalid") != 0) {
		static const char *const ok[] = { "pass", "fail", "softfail",
			"neutral", "none" };

		memcpy(c.results, ok, sizeof(ok));
		c.nresults = sizeof(ok) / sizeof(ok[0]);
	} else {
		c.results[0] = strstr(message, "Could not find a valid SPF") ?
		    "none" : "permerror";
		c.nresults = 1;
	}
	if (!suite_selected(S, &c))
		return;
	sb_init(&zone);
	zt_txt(&zone, L2_DOMAIN, &record, &len, 1);
	put_wildcards(&zone);
	if (suite_dump_only(S))
		suite_dump_zone(S, record, &zone);
	else
		suite_run(S, zone.p, zone.len, &dns, &c);
	suite_zone_done(S, &dns);
	sb_free(&zone);
}

int
libspf2_run(struct suite *S, const char *path)
{
	char *buf, *line, *next, *f[3], *tab;
	unsigned long lineno = 0;
	size_t k;

	buf = tu_read_file(path, NULL);
	if (buf == NULL) {
		suite_file_error(S, "cannot read %s", path);
		return -1;
	}
	for (line = buf; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (++lineno == 1 || line[0] == '\0')
			continue;	/* the header, blank lines */
		f[1] = f[2] = NULL;
		for (k = 0; k < 3; k++) {
			f[k] = line;
			tab = strchr(line, '\t');
			if (tab == NULL)
				break;
			*tab = '\0';
			line = tab + 1;
		}
		if (f[1] == NULL || f[2] == NULL) {
			suite_file_error(S, "line %lu: too few fields", lineno);
			continue;
		}
		run_record(S, f[0], f[1], f[2], lineno);
	}
	free(buf);
	return 0;
}
