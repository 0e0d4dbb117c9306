/*
 * report_collect.c - run vouch_report_parse() and keep what the callbacks
 * saw as plain copies and canonical lines (report_suite.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_suite.h"

#define S(x) ((x) != NULL ? (x) : "")

const char *
policy_word(enum vouch_dmarc_policy p)
{
	switch (p) {
	case VOUCH_DMARC_POLICY_NONE:
		return "none";
	case VOUCH_DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case VOUCH_DMARC_POLICY_REJECT:
		return "reject";
	default:
		return "";
	}
}

size_t
tsv_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *tab;

	f[n++] = line;
	while (n < max && (tab = strchr(f[n - 1], '\t')) != NULL) {
		*tab = '\0';
		f[n++] = tab + 1;
	}
	return n;
}

char *
ws_collapse(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, k = 0;
	int space = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			space = k > 0;
			continue;
		}
		if (space)
			out[k++] = ' ';
		space = 0;
		out[k++] = s[i];
	}
	out[k] = '\0';
	return out;
}

static const char *
flag(int v, const char *letters)
{
	static const char *const words[] = {"r", "s", "n", "y"};

	if (v < 0)
		return "";
	return words[(letters[0] == 'n' ? 2 : 0) + (v ? 1 : 0)];
}

static int
on_meta(void *arg, const struct vouch_report_meta *m)
{
	struct got *g = arg;
	struct got_report *r;

	if (g->nreports >= GOT_MAX)
		return 0;
	r = &g->r[g->nreports];
	memset(r, 0, sizeof(*r));
	r->schema = m->schema;
	r->version = m->version != NULL ? xstrdup(m->version) : NULL;
	r->org_name = m->org_name != NULL ? xstrdup(m->org_name) : NULL;
	r->report_id = xstrdup(m->report_id);
	r->domain = xstrdup(m->domain);
	r->begin = m->begin;
	r->end = m->end;
	r->p = m->p;
	r->sp = m->sp;
	r->pct = m->pct;
	sb_init(&r->meta);
	sb_init(&r->records);
	sb_init(&r->spf_results);
	sb_printf(&r->meta, "%s|%s|%s|%s|%lld|%lld|%s|%zu|%s|%s|%s|%s|%s|%s|"
	    "%s|%s|%s", S(m->org_name), S(m->email), S(m->extra_contact_info),
	    m->report_id, (long long)m->begin, (long long)m->end,
	    S(m->generator), m->nerrors, m->domain, flag(m->adkim_strict, "rs"),
	    flag(m->aspf_strict, "rs"), policy_word(m->p), policy_word(m->sp),
	    policy_word(m->np), m->testing == 1 ? "y" : "",
	    S(m->discovery_method), S(m->fo));
	return 0;
}

static void
record_line(struct strbuf *sb, const struct vouch_report_record *r)
{
	char ip[64];
	size_t i;

	if (vouch_ip_format(&r->source_ip, ip, sizeof(ip)) != 0)
		ip[0] = '\0';
	sb_printf(sb, "%s|%llu|%s|%s|%s|", ip, (unsigned long long)r->count,
	    S(r->disposition), S(r->dkim), S(r->spf));
	for (i = 0; i < r->nreasons; i++)
		sb_printf(sb, "%s:%s;", S(r->reasons[i].type),
		    S(r->reasons[i].comment));
	sb_printf(sb, "|%s|%s|%s|", S(r->envelope_to), S(r->envelope_from),
	    S(r->header_from));
	for (i = 0; i < r->ndkim; i++)
		sb_printf(sb, "%s/%s/%s/%s;", S(r->dkim_results[i].domain),
		    S(r->dkim_results[i].selector),
		    S(r->dkim_results[i].result),
		    S(r->dkim_results[i].human_result));
	sb_adds(sb, "|");
	for (i = 0; i < r->nspf; i++)
		sb_printf(sb, "%s/%s/%s/%s;", S(r->spf_results[i].domain),
		    S(r->spf_results[i].scope), S(r->spf_results[i].result),
		    S(r->spf_results[i].human_result));
	sb_adds(sb, "\n");
}

static int
on_record(void *arg, const struct vouch_report_meta *m,
    const struct vouch_report_record *r)
{
	struct got *g = arg;
	struct got_report *gr;
	size_t i;

	(void)m;
	if (g->nreports >= GOT_MAX)
		return 0;
	gr = &g->r[g->nreports];
	gr->nrecords++;
	gr->sum += r->count;
	record_line(&gr->records, r);
	for (i = 0; i < r->nspf; i++)
		sb_printf(&gr->spf_results, "%s ", S(r->spf_results[i].result));
	return 0;
}

static int
on_end(void *arg, const struct vouch_report_meta *m, size_t n)
{
	struct got *g = arg;

	(void)m;
	if (g->nreports < GOT_MAX) {
		if (n != g->r[g->nreports].nrecords)
			fprintf(stderr, "end callback: %zu records, %zu seen\n",
			    n, g->r[g->nreports].nrecords);
		g->r[g->nreports].ended = n == g->r[g->nreports].nrecords;
	}
	g->nreports++;
	return 0;
}

static int
on_failure(void *arg, const struct vouch_report_failure *f)
{
	struct got *g = arg;
	struct got_failure *gf;
	char ip[64], *ar;

	if (g->nfailures >= GOT_MAX) {
		g->nfailures++;
		return 0;
	}
	gf = &g->f[g->nfailures++];
	if (f->source_ip.family == 0 ||
	    vouch_ip_format(&f->source_ip, ip, sizeof(ip)) != 0)
		ip[0] = '\0';
	ar = ws_collapse(S(f->authentication_results),
	    strlen(S(f->authentication_results)));
	sb_init(&gf->line);
	sb_printf(&gf->line, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%s|%s|%s|%s|"
	    "%s|%s", f->feedback_type, S(f->user_agent), S(f->auth_failure),
	    S(f->original_envelope_id), S(f->original_mail_from),
	    S(f->original_rcpt_to), S(f->reported_domain),
	    S(f->identity_alignment), S(f->delivery_result),
	    (long long)f->arrival_date, ip, S(f->dkim_domain),
	    S(f->dkim_identity), S(f->dkim_selector), S(f->spf_dns), ar);
	free(ar);
	gf->headers = f->headers != NULL ? ws_collapse(f->headers,
	    f->headers_len) : NULL;
	gf->version = f->version != NULL ? xstrdup(f->version) : NULL;
	return 0;
}

void
got_parse(struct got *g, const void *p, size_t n)
{
	static const struct vouch_report_handler h = {
		on_meta, on_record, on_end, on_failure
	};

	memset(g, 0, sizeof(*g));
	g->rc = vouch_report_parse(p, n, NULL, &h, g, &g->err);
}

void
got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < GOT_MAX; i++) {
		struct got_report *r = &g->r[i];

		if (i < g->nreports || (i == g->nreports && r->domain)) {
			free(r->version);
			free(r->org_name);
			free(r->report_id);
			free(r->domain);
			sb_free(&r->meta);
			sb_free(&r->records);
			sb_free(&r->spf_results);
		}
		if (i < g->nfailures) {
			sb_free(&g->f[i].line);
			free(g->f[i].headers);
			free(g->f[i].version);
		}
	}
	memset(g, 0, sizeof(*g));
}
