/*
 * cmd_report_ready.c - vouch report readiness: would a stricter policy
 * lose the domain's own mail?  The stored records of the domain are
 * replayed against a candidate policy (--policy, or a whole record with
 * --record), the sources classified as vouch report sources does, and the
 * mail of the legitimate ones (authorized, authorized-failing, forwarded)
 * that the candidate would reject or quarantine is counted, per source,
 * with what to fix first and a verdict.
 *
 * Alignment: without --record, a message passes as the reporter said
 * (policy_evaluated); with it, alignment is recomputed from the stored
 * auth_results under the record's adkim and aspf (relaxed: the same
 * organizational domain by the Public Suffix List).  p applies to mail
 * whose header From is the domain itself, sp (else p) to its subdomains;
 * t=y lowers the policy one step (RFC 9989 4.7).  Reverse DNS comes from
 * the store's cache only.
 *
 * The verdict (docs/reports.md): safe when the legitimate sources would
 * lose at most LOSS_PERMILLE per mille of their mail and no
 * authorized-failing source would lose more than FAILING_MAX messages.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "cmd_report.h"
#include "cmd_report_query.h"

#define LOSS_PERMILLE 1		/* 0.1 % */
#define FAILING_MAX 10

struct candidate {
	enum vouch_dmarc_policy p, sp;	/* after t=y */
	int testing;
	int recompute;			/* --record given */
	int adkim_strict, aspf_strict;
	const char *record;
};

struct ready {
	const char *domain;
	struct candidate cand;
	struct rq_sources ss;
	uint64_t messages, passing, rejected, quarantined;
	uint64_t legit, lost, unauth, blocked;
	size_t nlegit, nunauth;
	struct rq_source **losing;	/* sources that lose mail, by loss */
	size_t nlosing;
	/* newly failing: passed as reported, fail under --record */
	uint64_t *newly;		/* per source, in ss.v order */
};

static int
reported_pass(const struct vouch_store_row *row)
{
	return (row->dkim && strcmp(row->dkim, "pass") == 0) ||
	    (row->spf && strcmp(row->spf, "pass") == 0);
}

static uint64_t
lost_of(const struct rq_source *s)
{
	return s->would_reject + s->would_quarantine;
}

/* ---- the replay --------------------------------------------------------- */

/*
 * Whether the record's mail passes, and the policy for its failing mail.
 * A From with several domains (a list, see rq_next_name()) passes only
 * when each passes, and gets the strictest of their policies (fail
 * closed, SECURITY.md).
 */
static int
row_passes(const struct ready *r, const struct vouch_store_row *row,
    const char *hf, enum vouch_dmarc_policy *policy)
{
	const char *p = hf;
	char name[256];
	int spf, dkim, pass = 1;
	size_t n = 0;
	enum vouch_dmarc_policy pol;

	*policy = VOUCH_DMARC_POLICY_UNSET;
	while ((p = rq_next_name(p, name, sizeof(name))) != NULL ||
	    n == 0) {
		if (p == NULL)	/* no name at all: the policy domain */
			(void)snprintf(name, sizeof(name), "%s", r->domain);
		n++;
		pol = strcasecmp(name, r->domain) == 0 ? r->cand.p :
		    r->cand.sp;
		if (pol > *policy)
			*policy = pol;
		if (r->cand.recompute) {
			vouch_report_realign(NULL, name, row->dkim_results,
			    row->ndkim, row->spf_results, row->nspf,
			    r->cand.adkim_strict, r->cand.aspf_strict, &spf,
			    &dkim);
			pass = pass && (spf || dkim);
		}
		if (p == NULL)
			break;
	}
	return r->cand.recompute ? pass : reported_pass(row);
}

static int
replay_cb(void *arg, const struct vouch_store_row *row)
{
	struct ready *r = arg;
	struct rq_source *src = rq_sources_find(&r->ss, row->ip);
	const char *hf = row->header_from && *row->header_from ?
	    row->header_from : r->domain;
	enum vouch_dmarc_policy p;

	r->messages += row->count;
	if (row_passes(r, row, hf, &p)) {
		r->passing += row->count;
		return 0;
	}
	if (p == VOUCH_DMARC_POLICY_REJECT)
		r->rejected += row->count;
	else if (p == VOUCH_DMARC_POLICY_QUARANTINE)
		r->quarantined += row->count;
	else
		return 0;
	if (src == NULL)
		return 0;	/* stored after the sources were read */
	if (p == VOUCH_DMARC_POLICY_REJECT)
		src->would_reject += row->count;
	else
		src->would_quarantine += row->count;
	if (r->cand.recompute && reported_pass(row))
		r->newly[src - r->ss.v] += row->count;
	return 0;
}

static int
by_loss(const void *a, const void *b)
{
	const struct rq_source *const *x = a, *const *y = b;
	uint64_t lx = lost_of(*x), ly = lost_of(*y);

	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp((*x)->ip, (*y)->ip);
}

static int
tally(struct ready *r)
{
	struct rq_source *s;
	size_t i;

	if (r->ss.n > 0 && (r->losing = calloc(r->ss.n,
	    sizeof(*r->losing))) == NULL)
		return VOUCH_ENOMEM;
	for (i = 0; i < r->ss.n; i++) {
		s = &r->ss.v[i];
		if (vouch_report_class_legitimate(s->cls)) {
			r->nlegit++;
			r->legit += s->s.messages;
			r->lost += lost_of(s);
		} else {
			r->nunauth++;
			r->unauth += s->s.messages;
			r->blocked += lost_of(s);
		}
		if (lost_of(s) > 0)
			r->losing[r->nlosing++] = s;
	}
	if (r->nlosing > 0)
		qsort(r->losing, r->nlosing, sizeof(*r->losing), by_loss);
	return 0;
}

/* ---- the verdict -------------------------------------------------------- */

enum status { NO_DATA, NOT_YET, SAFE };

static const struct rq_source *
worst_failing(const struct ready *r)
{
	size_t i;

	for (i = 0; i < r->nlosing; i++)
		if (r->losing[i]->cls == VOUCH_REPORT_AUTHORIZED_FAILING &&
		    lost_of(r->losing[i]) > FAILING_MAX)
			return r->losing[i];
	return NULL;
}

static enum status
verdict(const struct ready *r, char *text, size_t len)
{
	const struct rq_source *w;
	char rate[16];

	rq_rate(r->lost, r->legit, rate, sizeof(rate));
	if (r->messages == 0) {
		(void)snprintf(text, len, "no data: no stored record for this "
		    "domain and period");
		return NO_DATA;
	}
	if (r->legit == 0) {
		(void)snprintf(text, len, "not yet: no source of the domain's "
		    "own mail in the reports (none passes DMARC): an "
		    "unauthenticated server of yours would look like a "
		    "spoofer");
		return NOT_YET;
	}
	if (r->lost > r->legit / 1000 * LOSS_PERMILLE + (r->legit % 1000) *
	    LOSS_PERMILLE / 1000) {
		(void)snprintf(text, len, "not yet: the legitimate sources "
		    "would lose %llu of %llu messages (%s; at most 0.1 %% is "
		    "safe)", (unsigned long long)r->lost,
		    (unsigned long long)r->legit, rate);
		return NOT_YET;
	}
	if ((w = worst_failing(r)) != NULL) {
		(void)snprintf(text, len, "not yet: the authorized-failing "
		    "source %s would lose %llu messages (more than %d)",
		    w->ip, (unsigned long long)lost_of(w), FAILING_MAX);
		return NOT_YET;
	}
	(void)snprintf(text, len, "safe to move to p=%s: the legitimate "
	    "sources would lose %llu of %llu messages (%s, at most 0.1 %%) "
	    "and no authorized-failing source more than %d",
	    vouch_dmarc_policy_name(r->cand.p), (unsigned long long)r->lost,
	    (unsigned long long)r->legit, rate, FAILING_MAX);
	return SAFE;
}

/* ---- output ------------------------------------------------------------- */

#define SET_COUNT(o, k, v) \
	json_object_set_new(o, k, json_integer((json_int_t)(v)))

static void
newly_fix(const struct ready *r, const struct rq_source *s, char *buf,
    size_t len)
{
	uint64_t n = r->cand.recompute ? r->newly[s - r->ss.v] : 0;

	buf[0] = '\0';
	if (n > 0)
		(void)snprintf(buf, len, "%llu message%s passed as reported "
		    "and fail%s only under the record's alignment (adkim/aspf):"
		    " keep relaxed alignment, or sign and send from the exact "
		    "From domain", (unsigned long long)n, n == 1 ? "" : "s",
		    n == 1 ? "s" : "");
}

static json_t *
source_json(const struct ready *r, const struct rq_source *s, int fix)
{
	struct vouch_report_classification c;
	json_t *o = json_object();
	char note[VOUCH_REPORT_TEXT_MAX];

	rq_source_classify(s, &c);
	json_object_set_new(o, "ip", cli_json_str(s->ip));
	json_object_set_new(o, "ptr", cli_json_str(s->ptr));
	json_object_set_new(o, "service", cli_json_str(s->s.service));
	json_object_set_new(o, "classification",
	    json_string(vouch_report_class_name(c.cls)));
	SET_COUNT(o, "messages", s->s.messages);
	SET_COUNT(o, "rejected", s->would_reject);
	SET_COUNT(o, "quarantined", s->would_quarantine);
	if (!fix)
		return o;
	SET_COUNT(o, "lost", lost_of(s));
	newly_fix(r, s, note, sizeof(note));
	json_object_set_new(o, "fix", c.nfixes > 0 ? rq_fix_json(&c) :
	    note[0] ? cli_json_str(note) : json_null());
	json_object_set_new(o, "alignment_note", note[0] ?
	    cli_json_str(note) : json_null());
	return o;
}

static json_t *
candidate_json(const struct candidate *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "p", cli_json_str(dmarc_policy_or_null(c->p)));
	json_object_set_new(o, "sp",
	    cli_json_str(dmarc_policy_or_null(c->sp)));
	json_object_set_new(o, "testing", json_boolean(c->testing));
	json_object_set_new(o, "record", cli_json_str(c->record));
	json_object_set_new(o, "alignment", json_string(c->recompute ?
	    "recomputed" : "reported"));
	json_object_set_new(o, "adkim", !c->recompute ? json_null() :
	    json_string(c->adkim_strict ? "s" : "r"));
	json_object_set_new(o, "aspf", !c->recompute ? json_null() :
	    json_string(c->aspf_strict ? "s" : "r"));
	return o;
}

static json_t *
group_json(uint64_t sources, uint64_t messages, const char *k, uint64_t v,
    uint64_t of)
{
	json_t *o = json_object();

	SET_COUNT(o, "sources", sources);
	SET_COUNT(o, "messages", messages);
	SET_COUNT(o, k, v);
	json_object_set_new(o, "rate", rq_rate_json(v, of));
	return o;
}

static int
ready_json(const struct ready *r, enum status st, const char *text)
{
	static const char *const names[] = { "no-data", "not-yet", "safe" };
	json_t *o = json_object(), *src = json_array(), *fix = json_array();
	json_t *v = json_object();
	size_t i;

	json_object_set_new(o, "domain", cli_json_str(r->domain));
	json_object_set_new(o, "candidate", candidate_json(&r->cand));
	SET_COUNT(o, "messages", r->messages);
	SET_COUNT(o, "passing", r->passing);
	SET_COUNT(o, "failing", r->messages - r->passing);
	SET_COUNT(o, "rejected", r->rejected);
	SET_COUNT(o, "quarantined", r->quarantined);
	json_object_set_new(o, "legitimate", group_json(r->nlegit, r->legit,
	    "lost", r->lost, r->legit));
	json_object_set_new(o, "unauthorized", group_json(r->nunauth,
	    r->unauth, "blocked", r->blocked, r->unauth));
	for (i = 0; i < r->nlosing; i++) {
		json_array_append_new(src, source_json(r, r->losing[i], 0));
		if (vouch_report_class_legitimate(r->losing[i]->cls))
			json_array_append_new(fix, source_json(r,
			    r->losing[i], 1));
	}
	json_object_set_new(o, "sources", src);
	json_object_set_new(o, "fix_first", fix);
	json_object_set_new(v, "status", json_string(names[st]));
	json_object_set_new(v, "safe", json_boolean(st == SAFE));
	json_object_set_new(v, "text", json_string(text));
	json_object_set_new(v, "max_lost_rate",
	    json_real(LOSS_PERMILLE / 1000.0));
	SET_COUNT(v, "max_lost_per_failing_source", FAILING_MAX);
	json_object_set_new(o, "verdict", v);
	return cli_json_print(o);
}

#define LOSING_SHOWN 20

static void
losing_text(const struct ready *r)
{
	const struct rq_source *s;
	size_t i;

	if (r->nlosing == 0)
		return;
	printf("\nrejected or quarantined, by source:\n"
	    "%9s  %9s  %-18s  %-15s  %s\n", "MESSAGES", "FAILING", "CLASS",
	    "IP", "NAME (SERVICE)");
	for (i = 0; i < r->nlosing && i < LOSING_SHOWN; i++) {
		s = r->losing[i];
		printf("%9llu  %9llu  %-18s  %-15s  ",
		    (unsigned long long)s->s.messages,
		    (unsigned long long)lost_of(s),
		    vouch_report_class_name(s->cls), s->ip);
		rq_ptr_text(stdout, s, 0);
		putchar('\n');
	}
	if (r->nlosing > LOSING_SHOWN)
		printf("%9s  and %zu more (--json lists them all)\n", "",
		    r->nlosing - LOSING_SHOWN);
}

static void
fix_first_text(const struct ready *r)
{
	struct vouch_report_classification c;
	const struct rq_source *s;
	char note[VOUCH_REPORT_TEXT_MAX];
	size_t i, k = 0;

	for (i = 0; i < r->nlosing; i++) {
		s = r->losing[i];
		if (!vouch_report_class_legitimate(s->cls))
			continue;
		if (k++ == 0)
			printf("\nfix first:\n");
		rq_source_classify(s, &c);
		printf("  %zu. %s ", k, s->ip);
		rq_ptr_text(stdout, s, 0);
		printf(", %s, %llu lost\n", vouch_report_class_name(c.cls),
		    (unsigned long long)lost_of(s));
		newly_fix(r, s, note, sizeof(note));
		if (c.nfixes > 0) {
			printf("     fix: ");
			rq_fix_text(stdout, &c);
			putchar('\n');
		}
		if (note[0] != '\0')
			printf("     note: %s\n", note);
	}
}

static void
ready_text(const struct ready *r, const char *text)
{
	char rate[16];

	printf("readiness of ");
	cli_put_safe(stdout, r->domain);
	printf(" for p=%s, sp=%s%s (alignment %s)\n",
	    vouch_dmarc_policy_name(r->cand.p),
	    vouch_dmarc_policy_name(r->cand.sp), r->cand.testing ?
	    " with t=y" : "", r->cand.recompute ? "recomputed from the "
	    "record's adkim/aspf" : "as the receivers reported it");
	printf("  %-13s %llu, %llu pass DMARC, %llu would fail: %llu "
	    "rejected, %llu quarantined\n", "messages",
	    (unsigned long long)r->messages, (unsigned long long)r->passing,
	    (unsigned long long)(r->messages - r->passing),
	    (unsigned long long)r->rejected,
	    (unsigned long long)r->quarantined);
	rq_rate(r->lost, r->legit, rate, sizeof(rate));
	printf("  %-13s %llu messages from %zu source%s: %llu would be lost "
	    "(%s)\n", "legitimate", (unsigned long long)r->legit, r->nlegit,
	    r->nlegit == 1 ? "" : "s", (unsigned long long)r->lost, rate);
	printf("  %-13s %llu messages from %zu source%s: %llu would be "
	    "blocked\n", "unauthorized", (unsigned long long)r->unauth,
	    r->nunauth, r->nunauth == 1 ? "" : "s",
	    (unsigned long long)r->blocked);
	losing_text(r);
	fix_first_text(r);
	printf("\nverdict: %s\n", text);
}

/* ---- the command ------------------------------------------------------- */

struct ready_opts {
	const char *policy, *record;
};

static int
ready_option(void *arg, int c, const char *val)
{
	struct ready_opts *o = arg;

	switch (c) {
	case 'p': o->policy = val; return 1;
	case 'r': o->record = val; return 1;
	default: return 0;
	}
}

static void
ready_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch report readiness --domain D [--policy"
	    " reject|quarantine]\n"
	    "                              [--record 'v=DMARC1; ...']"
	    " [--db PATH|URI]\n"
	    "                              [--since DATE] [--until DATE]"
	    " [--senders FILE]\n"
	    "                              [--json]\n"
	    "\n"
	    "Replays the stored records of D against a stricter policy"
	    " (default\n"
	    "p=reject; --record: a whole candidate record, alignment"
	    " recomputed with its\n"
	    "adkim/aspf) and tells how much of the legitimate sources' mail"
	    " would be\n"
	    "lost, what to fix first, and whether it is safe to move.\n");
}

static int
usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "vouch report readiness: %s", msg);
	if (arg != NULL) {
		fputc('\'', stderr);
		cli_put_safe(stderr, arg);
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int
candidate_record(const char *txt, struct candidate *c)
{
	struct vouch_dmarc_record *rec = NULL;

	if (vouch_dmarc_record_parse(txt, strlen(txt), &rec) != 0)
		return usage_error("--record: not a DMARC record (one starts "
		    "with v=DMARC1): ", txt);
	if (rec->p == VOUCH_DMARC_POLICY_UNSET) {
		vouch_dmarc_record_free(rec);
		return usage_error("--record: no valid p= in ", txt);
	}
	c->p = rec->p;
	c->sp = rec->sp != VOUCH_DMARC_POLICY_UNSET ? rec->sp : rec->p;
	c->testing = rec->testing;
	c->adkim_strict = rec->adkim_strict;
	c->aspf_strict = rec->aspf_strict;
	c->recompute = 1;
	c->record = txt;
	vouch_dmarc_record_free(rec);
	return 0;
}

/* t=y: one step down (RFC 9989 4.7). */
static enum vouch_dmarc_policy
lowered(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_POLICY_REJECT ? VOUCH_DMARC_POLICY_QUARANTINE :
	    p == VOUCH_DMARC_POLICY_QUARANTINE ? VOUCH_DMARC_POLICY_NONE : p;
}

static int
candidate(const struct rq_args *a, const struct ready_opts *o,
    struct candidate *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (a->domain == NULL)
		return usage_error("--domain is required", NULL);
	if (o->policy != NULL && o->record != NULL)
		return usage_error("--policy and --record exclude each other "
		    "(the record has its p=)", NULL);
	if (o->record != NULL) {
		if ((rc = candidate_record(o->record, c)) != 0)
			return rc;
	} else if (o->policy == NULL || strcmp(o->policy, "reject") == 0)
		c->p = VOUCH_DMARC_POLICY_REJECT;
	else if (strcmp(o->policy, "quarantine") == 0)
		c->p = VOUCH_DMARC_POLICY_QUARANTINE;
	else
		return usage_error("--policy: not reject or quarantine: ",
		    o->policy);
	if (o->record == NULL)
		c->sp = c->p;
	if (c->testing) {
		c->p = lowered(c->p);
		c->sp = lowered(c->sp);
	}
	return 0;
}

static int
replay(const struct rq_args *a, struct vouch_store *st, struct ready *r)
{
	struct vouch_error err = {0, 0, ""};
	int rc;

	if ((rc = rq_sources_load(a, st, NULL, &r->ss)) != 0)
		return rc;
	if (r->ss.n > 0 && (r->newly = calloc(r->ss.n,
	    sizeof(*r->newly))) == NULL)
		return rq_store_error(a, VOUCH_ENOMEM, &err);
	rc = vouch_store_rows(st, &a->filter, replay_cb, r, &err);
	if (rc == 0)
		rc = tally(r);
	return rc != 0 ? rq_store_error(a, rc, &err) : 0;
}

int
report_readiness(int argc, char **argv)
{
	static const struct option opts[] = {
		RQ_LONGOPTS,
		{"senders", required_argument, NULL, 'S'},
		{"policy", required_argument, NULL, 'p'},
		{"record", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct rq_args a = { .cmd = "readiness" };
	struct ready_opts o = { NULL, NULL };
	struct vouch_store *st = NULL;
	struct ready r;
	char text[512];
	enum status s;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = rq_parse(argc, argv, opts, &a, ready_option, &o,
	    ready_usage)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = candidate(&a, &o, &r.cand)) != 0) {
		fprintf(stderr, "Try 'vouch report readiness --help'.\n");
		return rc;
	}
	r.domain = a.domain;
	if ((rc = rq_senders_load(&a, &r.ss.senders)) != 0 ||
	    (rc = rq_store_open(&a, &st)) != 0 ||
	    (rc = replay(&a, st, &r)) != 0)
		goto out;
	s = verdict(&r, text, sizeof(text));
	if (a.json)
		rc = ready_json(&r, s, text);
	else
		ready_text(&r, text);
out:
	free(r.losing);
	free(r.newly);
	rq_sources_free(&r.ss);
	vouch_store_close(st);
	return rq_flush(&a, rc);
}
