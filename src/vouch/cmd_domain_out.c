/*
 * cmd_domain_out.c - one audit (vouch/audit.h) as readable text, as one
 * JSON object on one line, or as one CSV row (the grades and counts of a
 * domain, for spreadsheets).  Text from DNS goes out escaped: control
 * bytes as \xNN in text and CSV, \u escapes in JSON; CSV cells that a
 * spreadsheet would read as a formula are neutralized (SECURITY.md).
 */
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_domain.h"

#define INDENT "                    "	/* under the value column */

static const char *
pol(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_POLICY_UNSET ? "-" :
	    vouch_dmarc_policy_name(p);
}

/* ---- text --------------------------------------------------------------- */

static void
quoted(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("-", f);
		return;
	}
	fputc('"', f);
	cli_put_safe(f, s);
	fputc('"', f);
}

static void
head(FILE *f, const struct vouch_audit *a, enum vouch_audit_area area)
{
	fprintf(f, "  %-8s %-8s  ", vouch_audit_area_name(area),
	    a->grade[area]);
}

static void
tree_text(FILE *f, const struct vouch_audit_spf_node *n, unsigned depth)
{
	size_t i;

	fprintf(f, INDENT "%*s", (int)(2 * depth), "");
	if (n->via != NULL) {
		cli_put_safe(f, n->via);
		fputs(" -> ", f);
	}
	cli_put_safe(f, n->domain);
	fprintf(f, "  %s, %u lookup%s here, %u with what it includes",
	    n->status, n->dns_lookups, n->dns_lookups == 1 ? "" : "s",
	    n->total_lookups);
	if (n->void_lookups > 0)
		fprintf(f, ", %u void", n->void_lookups);
	fputc('\n', f);
	for (i = 0; i < n->nchildren && depth < 32; i++)
		tree_text(f, &n->children[i], depth + 1);
}

static void
spf_text(FILE *f, const struct vouch_audit *a)
{
	head(f, a, VOUCH_AUDIT_SPF);
	quoted(f, a->spf.record);
	fprintf(f, "\n" INDENT "%u DNS-querying terms (limit 10), %u void "
	    "lookups (limit 2)\n", a->spf.dns_lookups, a->spf.void_lookups);
	if (a->spf.tree != NULL)
		tree_text(f, a->spf.tree, 0);
}

static void
dmarc_text(FILE *f, const struct vouch_audit *a)
{
	const struct vouch_audit_dmarc *d = &a->dmarc;
	size_t i;

	head(f, a, VOUCH_AUDIT_DMARC);
	quoted(f, d->record);
	if (d->policy_domain != NULL) {
		fputs(" at _dmarc.", f);
		cli_put_safe(f, d->policy_domain);
	}
	fprintf(f, "\n" INDENT "policy %s, subdomains %s, non-existent "
	    "subdomains %s\n", pol(d->policy), pol(d->subdomain_policy),
	    pol(d->nonexistent_policy));
	if (d->ndiffs > 0)
		fputs(INDENT "where RFC 7489 and RFC 9989 receivers differ:\n",
		    f);
	for (i = 0; i < d->ndiffs; i++) {
		fprintf(f, INDENT "  %s:\n" INDENT "    RFC 7489: ",
		    d->diffs[i].aspect);
		cli_put_safe(f, d->diffs[i].rfc7489);
		fputs("\n" INDENT "    RFC 9989: ", f);
		cli_put_safe(f, d->diffs[i].rfc9989);
		fputc('\n', f);
	}
}

static void
dkim_text(FILE *f, const struct vouch_audit *a, size_t nprobed)
{
	size_t i;

	head(f, a, VOUCH_AUDIT_DKIM);
	if (a->ndkim == 0)
		fputs("no key found", f);
	for (i = 0; i < a->ndkim; i++) {
		if (i > 0)
			fputs(INDENT, f);
		cli_put_safe(f, a->dkim[i].selector);
		if (a->dkim[i].record == NULL)
			fputs(": no key record", f);
		else if (a->dkim[i].revoked)
			fputs(": revoked", f);
		else
			fprintf(f, ": %s %u bits", a->dkim[i].key_type ?
			    a->dkim[i].key_type : "unreadable key",
			    a->dkim[i].key_bits);
		fprintf(f, "%s%s\n", a->dkim[i].testing ? ", t=y" : "",
		    a->dkim[i].probed ? " (probed)" : "");
	}
	if (a->ndkim == 0)
		fputc('\n', f);
	if (nprobed > 0)
		fprintf(f, INDENT "also probed %zu selectors that known "
		    "senders use: a probe is not proof of absence\n", nprobed);
}

static void
mx_text(FILE *f, const struct vouch_audit *a)
{
	size_t i;

	head(f, a, VOUCH_AUDIT_MX);
	if (a->nmx == 0)
		fputs("no MX records\n", f);
	for (i = 0; i < a->nmx; i++) {
		fprintf(f, "%s%u ", i ? INDENT : "", a->mx[i].preference);
		cli_put_safe(f, a->mx[i].host);
		fputc('\n', f);
	}
}

static void
record_text(FILE *f, const struct vouch_audit *a, enum vouch_audit_area ar,
    const char *rec)
{
	head(f, a, ar);
	quoted(f, rec);
	fputc('\n', f);
}

static void
findings_text(FILE *f, const struct vouch_audit *a)
{
	const struct vouch_audit_finding *x;
	size_t i;

	fprintf(f, "  findings (%zu):\n", a->nfindings);
	for (i = 0; i < a->nfindings; i++) {
		x = &a->findings[i];
		fprintf(f, "    %-8s %s\n      ", vouch_audit_severity_name(
		    x->severity), x->code);
		cli_put_safe(f, x->message);
		if (x->evidence != NULL) {
			fputs("\n      evidence: ", f);
			cli_put_safe(f, x->evidence);
		}
		if (x->fix != NULL) {
			fputs("\n      fix: ", f);
			cli_put_safe(f, x->fix);
		}
		fputc('\n', f);
	}
}

void
domain_text(FILE *f, const struct vouch_audit *a, size_t nprobed)
{
	cli_put_safe(f, a->domain);
	fprintf(f, "  (%u DNS queries)\n", a->dns_queries);
	spf_text(f, a);
	dmarc_text(f, a);
	dkim_text(f, a, nprobed);
	mx_text(f, a);
	record_text(f, a, VOUCH_AUDIT_BIMI, a->bimi);
	record_text(f, a, VOUCH_AUDIT_MTA_STS, a->mta_sts);
	record_text(f, a, VOUCH_AUDIT_TLS_RPT, a->tls_rpt);
	findings_text(f, a);
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *
tree_json(const struct vouch_audit_spf_node *n, unsigned depth)
{
	json_t *o = json_object(), *kids = json_array();
	size_t i;

	json_object_set_new(o, "domain", cli_json_str(n->domain));
	json_object_set_new(o, "via", cli_json_str(n->via));
	json_object_set_new(o, "record", cli_json_str(n->record));
	json_object_set_new(o, "status", cli_json_str(n->status));
	json_object_set_new(o, "dns_lookups", json_integer(n->dns_lookups));
	json_object_set_new(o, "void_lookups", json_integer(n->void_lookups));
	json_object_set_new(o, "total_lookups",
	    json_integer(n->total_lookups));
	for (i = 0; i < n->nchildren && depth < 32; i++)
		json_array_append_new(kids, tree_json(&n->children[i],
		    depth + 1));
	json_object_set_new(o, "children", kids);
	return o;
}

static json_t *
spf_json(const struct vouch_audit_spf *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "record", cli_json_str(s->record));
	json_object_set_new(o, "dns_lookups", json_integer(s->dns_lookups));
	json_object_set_new(o, "void_lookups", json_integer(s->void_lookups));
	json_object_set_new(o, "tree", s->tree ? tree_json(s->tree, 0) :
	    json_null());
	return o;
}

static json_t *
dmarc_json(const struct vouch_audit_dmarc *d)
{
	json_t *o = json_object(), *arr = json_array(), *x;
	size_t i;

	json_object_set_new(o, "record", cli_json_str(d->record));
	json_object_set_new(o, "policy_domain", cli_json_str(d->policy_domain));
	json_object_set_new(o, "policy", cli_json_str(dmarc_policy_or_null(
	    d->policy)));
	json_object_set_new(o, "subdomain_policy", cli_json_str(
	    dmarc_policy_or_null(d->subdomain_policy)));
	json_object_set_new(o, "nonexistent_policy", cli_json_str(
	    dmarc_policy_or_null(d->nonexistent_policy)));
	for (i = 0; i < d->ndiffs; i++) {
		x = json_object();
		json_object_set_new(x, "aspect", cli_json_str(d->diffs[i].aspect));
		json_object_set_new(x, "rfc7489",
		    cli_json_str(d->diffs[i].rfc7489));
		json_object_set_new(x, "rfc9989",
		    cli_json_str(d->diffs[i].rfc9989));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "rfc7489_vs_rfc9989", arr);
	return o;
}

static json_t *
dkim_json(const struct vouch_audit *a)
{
	json_t *arr = json_array(), *x;
	size_t i;

	for (i = 0; i < a->ndkim; i++) {
		x = json_object();
		json_object_set_new(x, "selector", cli_json_str(a->dkim[i].selector));
		json_object_set_new(x, "probed", json_boolean(a->dkim[i].probed));
		json_object_set_new(x, "record", cli_json_str(a->dkim[i].record));
		json_object_set_new(x, "key_type",
		    cli_json_str(a->dkim[i].key_type));
		json_object_set_new(x, "key_bits", a->dkim[i].key_bits ?
		    json_integer(a->dkim[i].key_bits) : json_null());
		json_object_set_new(x, "testing", json_boolean(a->dkim[i].testing));
		json_object_set_new(x, "revoked", json_boolean(a->dkim[i].revoked));
		json_array_append_new(arr, x);
	}
	return arr;
}

static json_t *
findings_json(const struct vouch_audit *a)
{
	const struct vouch_audit_finding *x;
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < a->nfindings; i++) {
		x = &a->findings[i];
		o = json_object();
		json_object_set_new(o, "area",
		    json_string(vouch_audit_area_name(x->area)));
		json_object_set_new(o, "code", cli_json_str(x->code));
		json_object_set_new(o, "severity",
		    json_string(vouch_audit_severity_name(x->severity)));
		json_object_set_new(o, "message", cli_json_str(x->message));
		json_object_set_new(o, "evidence", cli_json_str(x->evidence));
		json_object_set_new(o, "fix", cli_json_str(x->fix));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
mx_json(const struct vouch_audit *a)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; i < a->nmx; i++) {
		o = json_object();
		json_object_set_new(o, "host", cli_json_str(a->mx[i].host));
		json_object_set_new(o, "preference",
		    json_integer(a->mx[i].preference));
		json_array_append_new(arr, o);
	}
	return arr;
}

int
domain_json(FILE *f, const struct vouch_audit *a, size_t nprobed)
{
	json_t *o = json_object(), *g = json_object();
	size_t i;
	int rc;

	for (i = 0; i < VOUCH_AUDIT_NAREAS; i++)
		json_object_set_new(g, vouch_audit_area_name(i),
		    json_string(a->grade[i]));
	json_object_set_new(o, "domain", cli_json_str(a->domain));
	json_object_set_new(o, "grades", g);
	json_object_set_new(o, "findings", findings_json(a));
	json_object_set_new(o, "spf", spf_json(&a->spf));
	json_object_set_new(o, "dmarc", dmarc_json(&a->dmarc));
	json_object_set_new(o, "dkim", dkim_json(a));
	json_object_set_new(o, "dkim_probed_selectors", json_integer(
	    (json_int_t)nprobed));
	json_object_set_new(o, "mx", mx_json(a));
	json_object_set_new(o, "bimi", cli_json_str(a->bimi));
	json_object_set_new(o, "mta_sts", cli_json_str(a->mta_sts));
	json_object_set_new(o, "tls_rpt", cli_json_str(a->tls_rpt));
	json_object_set_new(o, "dns_queries", json_integer(a->dns_queries));
	rc = json_dumpf(o, f, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return rc == 0 ? 0 : -1;
}

/* ---- CSV ---------------------------------------------------------------- */

/* One cell: quoted when it holds , " CR or LF; a leading = + - @ TAB or
 * CR gets a ' so that no spreadsheet runs it; control bytes as \xNN. */
static void
cell(FILE *f, const char *s, int last)
{
	int q = s[strcspn(s, ",\"\r\n")] != '\0';

	if (q)
		fputc('"', f);
	if (*s != '\0' && strchr("=+-@\t\r", *s) != NULL)
		fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		if (((unsigned char)*s < 0x20 && !strchr("\t\r\n", *s)) ||
		    *s == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	if (q)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
}

void
domain_csv_header(FILE *f)
{
	fputs("domain,spf,dmarc,dkim,mx,bimi,mta_sts,tls_rpt,errors,warnings,"
	    "spf_lookups,dmarc_policy\r\n", f);
}

void
domain_csv(FILE *f, const struct vouch_audit *a)
{
	size_t i, nerr = 0, nwarn = 0;
	char num[3][24];

	for (i = 0; i < a->nfindings; i++) {
		nerr += a->findings[i].severity == VOUCH_AUDIT_ERROR;
		nwarn += a->findings[i].severity == VOUCH_AUDIT_WARNING;
	}
	snprintf(num[0], sizeof(num[0]), "%zu", nerr);
	snprintf(num[1], sizeof(num[1]), "%zu", nwarn);
	snprintf(num[2], sizeof(num[2]), "%u", a->spf.dns_lookups);
	cell(f, a->domain, 0);
	for (i = 0; i < VOUCH_AUDIT_NAREAS; i++)
		cell(f, a->grade[i], 0);
	for (i = 0; i < 3; i++)
		cell(f, num[i], 0);
	cell(f, a->dmarc.record ? pol(a->dmarc.policy) : "", 1);
}
