/*
 * suite_openspf.c - run an OpenSPF-format suite (pyspf's rfc7208 and
 * rfc4408 suites and test.yml, mailauth's copies, blitiri's extra tests).
 *
 * Each YAML document is a scenario: `description` (or `comment`), `tests`
 * (test id -> test) and `zonedata`.  The zone is built once per scenario
 * and every test of the scenario runs against it.  Test ids are walked as
 * mapping pairs, so ids repeated across or within scenarios all run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "spf_suite.h"

/* The scenario's name for reports: its description, else its comment's
 * first line, else its position. */
static char *
scenario_name(const struct ynode *doc, size_t index)
{
	const char *s = ynode_str(ymap_get(doc, "description"));
	char buf[32];

	if (s == NULL)
		s = ynode_str(ymap_get(doc, "comment"));
	if (s == NULL) {
		snprintf(buf, sizeof(buf), "scenario %zu", index + 1);
		return xstrdup(buf);
	}
	return xstrndup(s, strcspn(s, "\n"));
}

static int
set_results(struct spf_case *c, const struct ynode *r)
{
	size_t i;

	c->nresults = 0;
	if (r == NULL)
		return -1;
	if (r->kind == YN_SCALAR) {
		c->results[c->nresults++] = r->s;
		return 0;
	}
	if (r->kind != YN_SEQ || r->n == 0 || r->n > CASE_MAX_RESULTS)
		return -1;
	for (i = 0; i < r->n; i++) {
		if (r->kids[i]->kind != YN_SCALAR)
			return -1;
		c->results[c->nresults++] = r->kids[i]->s;
	}
	return 0;
}

/* spec is a string or, in a few tests, a list: shown joined by ", ". */
static void
spec_text(const struct ynode *spec, struct strbuf *sb)
{
	size_t i;

	sb_reset(sb);
	if (spec == NULL)
		return;
	if (spec->kind == YN_SCALAR) {
		sb_adds(sb, spec->s);
		return;
	}
	for (i = 0; spec->kind == YN_SEQ && i < spec->n; i++) {
		if (spec->kids[i]->kind != YN_SCALAR)
			continue;
		if (sb->len > 0)
			sb_adds(sb, ", ");
		sb_adds(sb, spec->kids[i]->s);
	}
}

static int
make_case(struct suite *S, struct spf_case *c, const struct ynode *id,
    const struct ynode *t, struct strbuf *spec)
{
	const char *host;

	memset(c, 0, sizeof(*c));
	c->id = ynode_str(id);
	if (c->id == NULL || t->kind != YN_MAP) {
		suite_file_error(S, "line %lu: a test must be `id: map`",
		    id->line);
		return -1;
	}
	host = ynode_str(ymap_get(t, "host"));
	c->helo = ynode_str(ymap_get(t, "helo"));
	c->mailfrom = ynode_str(ymap_get(t, "mailfrom"));
	c->explanation = ynode_str(ymap_get(t, "explanation"));
	spec_text(ymap_get(t, "spec"), spec);
	c->spec = spec->len > 0 ? spec->p : NULL;
	c->host = host;
	c->mode = CASE_MAILFROM;
	if (c->mailfrom == NULL)
		c->mailfrom = "";
	if (host == NULL || set_results(c, ymap_get(t, "result")) != 0) {
		suite_file_error(S, "line %lu: test %s: needs host and result",
		    id->line, c->id);
		return -1;
	}
	return 0;
}

static void
run_tests(struct suite *S, const struct ynode *tests, const char *scenario,
    const struct strbuf *zone)
{
	struct vouch_dns *dns = NULL;
	struct strbuf spec;
	struct spf_case c;
	size_t i;

	sb_init(&spec);
	for (i = 0; i + 1 < tests->n; i += 2) {
		if (make_case(S, &c, tests->kids[i], tests->kids[i + 1],
		    &spec) != 0)
			continue;
		c.scenario = scenario;
		if (suite_selected(S, &c))
			suite_run(S, zone->p, zone->len, &dns, &c);
	}
	suite_zone_done(S, &dns);
	sb_free(&spec);
}

static void
run_scenario(struct suite *S, const struct ynode *doc, size_t index)
{
	const struct ynode *tests = ymap_get(doc, "tests");
	char *name = scenario_name(doc, index);
	struct strbuf zone;
	char err[512];

	sb_init(&zone);
	if (openspf_zone(ymap_get(doc, "zonedata"), &zone, err,
	    sizeof(err)) != 0) {
		suite_file_error(S, "scenario \"%s\": zonedata: %s", name, err);
	} else if (suite_dump_only(S)) {
		suite_dump_zone(S, name, &zone);
	} else if (tests == NULL || tests->kind != YN_MAP) {
		suite_file_error(S, "scenario \"%s\": no tests map", name);
	} else {
		run_tests(S, tests, name, &zone);
	}
	sb_free(&zone);
	free(name);
}

int
openspf_run(struct suite *S, const char *path)
{
	struct ynode **docs = NULL;
	size_t ndocs = 0, i;
	char err[512];
	size_t len;
	char *buf = tu_read_file(path, &len);

	if (buf == NULL) {
		suite_file_error(S, "cannot read %s", path);
		return -1;
	}
	if (yaml_load(buf, len, &docs, &ndocs, err, sizeof(err)) != 0) {
		suite_file_error(S, "%s: %s", path, err);
		free(buf);
		return -1;
	}
	for (i = 0; i < ndocs; i++)
		if (docs[i]->kind == YN_MAP)
			run_scenario(S, docs[i], i);
	yaml_free_docs(docs, ndocs);
	free(buf);
	return 0;
}
