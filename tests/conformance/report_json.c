/*
 * report_json.c - Stalwart's expected parses (shared/corpora/
 * stalwart-mail-auth: dmarc-feedback/NNN.json is its Report struct,
 * arf/NNN.json its Feedback struct, both serde JSON) as the canonical
 * lines of report_suite.h.
 *
 * Stalwart writes enumerations as Rust variant names: "Pass", "TempError",
 * "TrustedForwarder", "AuthFailure", "MailFrom", "Relaxed", and
 * "Unspecified" for absent.  They map to the report's own tokens: lower
 * case (results, policies, auth-failure types), snake_case for reason
 * types (RFC 7489 appendix C: trusted_forwarder), kebab-case for feedback
 * types (RFC 5965: auth-failure), mfrom for MailFrom, r/s for alignment.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report_suite.h"

enum word_style {
	W_TEXT,		/* as given (integers in decimal) */
	W_LOWER,	/* enumeration, lower case */
	W_SNAKE,	/* enumeration, snake_case */
	W_KEBAB,	/* enumeration, kebab-case */
	W_ALIGN,	/* Relaxed / Strict -> r / s */
	W_COUNT,	/* length of a list */
	W_YES,		/* true -> y */
	W_FIRST,	/* first string of a list, lower case */
	W_SPACES	/* first string of a list, white space collapsed */
};

/* A field of a canonical line: which object (index into the caller's
 * list), which key, how it is written. */
struct jf {
	int obj;
	const char *key;
	enum word_style st;
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

static void
enum_word(struct strbuf *sb, const char *s, enum word_style st)
{
	size_t i;

	if (strcmp(s, "Unspecified") == 0)
		return;
	if (strcmp(s, "MailFrom") == 0)
		s = "mfrom";
	for (i = 0; s[i] != '\0'; i++) {
		if (i > 0 && isupper((unsigned char)s[i]) && st != W_LOWER)
			sb_addc(sb, st == W_SNAKE ? '_' : '-');
		sb_addc(sb, ascii_lower((unsigned char)s[i]));
	}
}

/* o[key] as the report's token ("" for null, absent or Unspecified). */
static void
word(struct strbuf *sb, json_t *o, const char *key, enum word_style st)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	char *c;

	if (st == W_COUNT || st == W_YES) {
		if (st == W_COUNT)
			sb_printf(sb, "%zu", json_array_size(v));
		else if (json_is_true(v))
			sb_adds(sb, "y");
		return;
	}
	if (st == W_FIRST || st == W_SPACES)
		v = json_array_get(v, 0);
	if (json_is_integer(v))
		sb_printf(sb, "%lld", (long long)json_integer_value(v));
	if (!json_is_string(v))
		return;
	s = json_string_value(v);
	if (st == W_TEXT) {
		sb_adds(sb, s);
	} else if (st == W_SPACES) {
		c = ws_collapse(s, json_string_length(v));
		sb_adds(sb, c);
		free(c);
	} else if (st == W_ALIGN) {
		if (s[0] == 'R' || s[0] == 'S')
			sb_addc(sb, ascii_lower((unsigned char)s[0]));
	} else if (st == W_FIRST) {
		for (; *s != '\0'; s++)
			sb_addc(sb, ascii_lower((unsigned char)*s));
	} else {
		enum_word(sb, s, st);
	}
}

static void
line(struct strbuf *sb, json_t *const *objs, const struct jf *f, size_t n,
    const char *sep, const char *end)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_adds(sb, sep);
		word(sb, objs[f[i].obj], f[i].key, f[i].st);
	}
	sb_adds(sb, end);
}

/* Each element of list as a line of f, ';' after each, then "|". */
static void
each(struct strbuf *sb, json_t *list, const struct jf *f, size_t n,
    const char *sep)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
		line(sb, &e, f, n, sep, ";");
	sb_adds(sb, "|");
}

/* report_collect.c's metadata line. */
static void
meta_line(struct strbuf *sb, json_t *root)
{
	static const struct jf f[] = {
		{0, "org_name", W_TEXT}, {0, "email", W_TEXT},
		{0, "extra_contact_info", W_TEXT}, {0, "report_id", W_TEXT},
		{1, "begin", W_TEXT}, {1, "end", W_TEXT},
		{0, "generator", W_TEXT}, {0, "error", W_COUNT},
		{2, "domain", W_LOWER}, {2, "adkim", W_ALIGN},
		{2, "aspf", W_ALIGN}, {2, "p", W_LOWER}, {2, "sp", W_LOWER},
		{2, "np", W_LOWER}, {2, "testing", W_YES},
		{2, "discovery_method", W_LOWER}, {2, "fo", W_TEXT},
	};
	json_t *md = json_object_get(root, "report_metadata");
	json_t *objs[3] = {md, json_object_get(md, "date_range"),
	    json_object_get(root, "policy_published")};

	line(sb, objs, f, NF(f), "|", "");
}

/* report_collect.c's record line. */
static void
record_line(struct strbuf *sb, json_t *rec)
{
	static const struct jf row[] = {
		{0, "source_ip", W_TEXT}, {0, "count", W_TEXT},
		{1, "disposition", W_LOWER}, {1, "dkim", W_LOWER},
		{1, "spf", W_LOWER},
	};
	static const struct jf reason[] = {
		{0, "type_", W_SNAKE}, {0, "comment", W_TEXT},
	};
	static const struct jf ids[] = {
		{0, "envelope_to", W_TEXT}, {0, "envelope_from", W_TEXT},
		{0, "header_from", W_LOWER},
	};
	static const struct jf dkim[] = {
		{0, "domain", W_TEXT}, {0, "selector", W_TEXT},
		{0, "result", W_LOWER}, {0, "human_result", W_TEXT},
	};
	static const struct jf spf[] = {
		{0, "domain", W_TEXT}, {0, "scope", W_LOWER},
		{0, "result", W_LOWER}, {0, "human_result", W_TEXT},
	};
	json_t *r = json_object_get(rec, "row");
	json_t *objs[2] = {r, json_object_get(r, "policy_evaluated")};
	json_t *id = json_object_get(rec, "identifiers");
	json_t *ar = json_object_get(rec, "auth_results");

	line(sb, objs, row, NF(row), "|", "|");
	each(sb, json_object_get(objs[1], "reason"), reason, NF(reason), ":");
	line(sb, &id, ids, NF(ids), "|", "|");
	each(sb, json_object_get(ar, "dkim"), dkim, NF(dkim), "/");
	each(sb, json_object_get(ar, "spf"), spf, NF(spf), "/");
	sb->p[sb->len - 1] = '\n';	/* the last "|" ends the line */
}

static json_t *
json_open(const char *path, char *why, size_t whylen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);

	if (root == NULL)
		snprintf(why, whylen, "%s: line %d: %s", path, je.line,
		    je.text);
	return root;
}

int
json_aggregate(const char *path, struct strbuf *meta, struct strbuf *records,
    char *why, size_t whylen)
{
	json_t *root = json_open(path, why, whylen), *rec;
	size_t i;

	if (root == NULL)
		return -1;
	meta_line(meta, root);
	json_array_foreach(json_object_get(root, "record"), i, rec)
		record_line(records, rec);
	json_decref(root);
	return 0;
}

int
json_failure(const char *path, struct strbuf *sb, char **headers,
    long *version, char *why, size_t whylen)
{
	static const struct jf f[] = {
		{0, "feedback_type", W_KEBAB}, {0, "user_agent", W_TEXT},
		{0, "auth_failure", W_LOWER},
		{0, "original_envelope_id", W_TEXT},
		{0, "original_mail_from", W_TEXT},
		{0, "original_rcpt_to", W_TEXT},
		/* Reported-Domain is kept once (the first), lower case. */
		{0, "reported_domain", W_FIRST},
		{0, "identity_alignment", W_LOWER},
		{0, "delivery_result", W_LOWER}, {0, "arrival_date", W_TEXT},
		{0, "source_ip", W_TEXT}, {0, "dkim_domain", W_TEXT},
		{0, "dkim_identity", W_TEXT}, {0, "dkim_selector", W_TEXT},
		{0, "spf_dns", W_TEXT},
		{0, "authentication_results", W_SPACES},
	};
	json_t *root = json_open(path, why, whylen), *v;

	if (root == NULL)
		return -1;
	/* An absent arrival date is -1 on our side. */
	if (!json_is_integer(json_object_get(root, "arrival_date")))
		json_object_set_new(root, "arrival_date", json_integer(-1));
	line(sb, &root, f, NF(f), "|", "");
	v = json_object_get(root, "headers");
	*headers = json_is_string(v) ? ws_collapse(json_string_value(v),
	    json_string_length(v)) : NULL;
	*version = (long)json_integer_value(json_object_get(root, "version"));
	json_decref(root);
	return 0;
}
