/*
 * cmd_domain.c - vouch domain DOMAIN...: audit each domain's SPF, DMARC,
 * DKIM, MX, BIMI, MTA-STS and TLS-RPT records (vouch/audit.h) and print
 * the findings with their fixes, as text, one JSON object per line, or
 * one CSV row per domain.
 *
 * Every DOMAIN is checked (IDN to A-label) before any query; one that is
 * not a domain name is a usage error.  Domains are audited by --jobs
 * workers (default 8) sharing the DNS handle; the output comes in
 * argument order, with a progress bar on a terminal.  The MTA-STS policy
 * file is fetched over HTTPS (cmd_domain_fetch.c) unless --dns-zone
 * makes the run offline.
 *
 * Exit status: 0 every audit ran (whatever it found), 1 a runtime error
 * (zone file, resolver, an audit that failed), 2 a usage error.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/msg.h>
#include <vouch/senders.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_domain.h"
#include "progress.h"

#define JOBS_DEFAULT 8
#define JOBS_MAX 64
#define DOMAINS_MAX 100000
#define SELECTORS_MAX 64
#define SELECTORS_ARG_MAX 4096

struct domain_args {
	char **domain;			/* as given */
	char (*alabel)[256];		/* checked, A-labels */
	size_t n;
	const char *sel[SELECTORS_MAX];
	size_t nsel;
	char selbuf[SELECTORS_ARG_MAX];
	int no_probe;
	const char *senders;
	const char *psl;
	enum domain_format fmt;
	long long jobs;
	struct cli_dns_opts dns;
};

/* One run: what the workers share, and what they hand back. */
struct pool {
	const struct domain_args *a;
	struct vouch_dns *dns;
	struct vouch_audit_options opts;
	size_t nprobed;			/* selectors the probe asks */
	char **out;			/* out[i]: domain i rendered */
	char **err;			/* err[i]: why it failed */
	int *ready;
	size_t next, done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void
domain_usage(FILE *f)
{
	fprintf(f,
	    "usage: vouch domain DOMAIN... [--selectors LIST] [--no-probe]"
	    " [--senders FILE]\n"
	    "                    [--psl FILE] [--dns-zone FILE |"
	    " --dns-overlay FILE |\n"
	    "                    --dns-server ADDR[@PORT]] [--dns-timeout MS]"
	    " [--json | --csv]\n"
	    "                    [--jobs N]\n"
	    "\n"
	    "Audits each DOMAIN's SPF, DMARC, DKIM, MX, BIMI, MTA-STS and"
	    " TLS-RPT records:\n"
	    "findings with a stable code, a severity, the evidence and the"
	    " fix, and a grade\n"
	    "per area.  --dns-overlay draft.zone audits as if the draft"
	    " were published.\n"
	    "Exit status: 0 the audits ran, 1 a runtime error, 2 a usage"
	    " error.\n");
}

/* A selector: dot-separated labels of letters, digits, "-" and "_". */
static int
selector_ok(const char *s)
{
	size_t i, label = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
		    "TUVWXYZ0123456789-_", s[i]) != NULL && ++label <= 63)
			continue;
		else
			return 0;
	}
	return label > 0 && i <= 253;
}

static int
selectors_option(struct domain_args *a, const char *arg)
{
	char *p, *next;

	if (strlen(arg) >= sizeof(a->selbuf)) {
		fprintf(stderr, "vouch domain: --selectors: the list is too "
		    "long\n");
		return -1;
	}
	memcpy(a->selbuf, arg, strlen(arg) + 1);
	for (p = a->selbuf; p != NULL; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		if (*p == '\0')
			continue;
		if (!selector_ok(p) || a->nsel == SELECTORS_MAX) {
			fprintf(stderr, "vouch domain: --selectors: '");
			cli_put_safe(stderr, p);
			fprintf(stderr, a->nsel == SELECTORS_MAX ? "': more than "
			    "64 selectors\n" : "' is not a selector\n");
			return -1;
		}
		a->sel[a->nsel++] = p;
	}
	return 0;
}

static int
domain_option(struct domain_args *a, int c, const char *name,
    const char *arg)
{
	switch (c) {
	case 's':
		return selectors_option(a, arg);
	case 'P':
		a->no_probe = 1;
		return 0;
	case 'S':
		a->senders = arg;
		return 0;
	case 'p':
		a->psl = arg;
		return 0;
	case 'j':
	case 'c':
		if (a->fmt != DOMAIN_TEXT) {
			fprintf(stderr, "vouch domain: --json and --csv exclude "
			    "each other\n");
			return -1;
		}
		a->fmt = c == 'j' ? DOMAIN_JSON : DOMAIN_CSV;
		return 0;
	case 'J':
		return cli_number("domain", "jobs", arg, 1, JOBS_MAX,
		    &a->jobs) < 0 ? -1 : 0;
	case 'D':
		return cli_dns_option(&a->dns, "domain", name, arg) < 0 ? -1 :
		    0;
	default:
		return 1;
	}
}

/* Every DOMAIN into A-labels; garbage is refused before any query. */
static int
check_domains(struct domain_args *a, char **argv, size_t n)
{
	const char *last;
	size_t i, len;

	if (n == 0 || n > DOMAINS_MAX) {
		fprintf(stderr, "vouch domain: %s\n", n ? "too many domains" :
		    "give at least one DOMAIN");
		return -1;
	}
	if ((a->alabel = calloc(n, sizeof(*a->alabel))) == NULL) {
		fprintf(stderr, "vouch domain: out of memory\n");
		return -1;
	}
	a->domain = argv;
	a->n = n;
	for (i = 0; i < n; i++) {
		if (vouch_domain_to_alabel(argv[i], strlen(argv[i]),
		    a->alabel[i], sizeof(a->alabel[i])) == 0) {
			len = strlen(a->alabel[i]);
			if (len > 0 && a->alabel[i][len - 1] == '.')
				a->alabel[i][--len] = '\0';
			last = strrchr(a->alabel[i], '.');
			last = last ? last + 1 : a->alabel[i];
			/* an address is not a domain (RFC 3696 2) */
			if (len > 0 && strspn(last, "0123456789") <
			    strlen(last))
				continue;
		}
		fprintf(stderr, "vouch domain: '");
		cli_put_safe(stderr, argv[i]);
		fprintf(stderr, "' is not a domain name\n");
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct domain_args *a)
{
	static const struct option opts[] = {
		{"selectors", required_argument, NULL, 's'},
		{"no-probe", no_argument, NULL, 'P'},
		{"senders", required_argument, NULL, 'S'},
		{"psl", required_argument, NULL, 'p'},
		{"csv", no_argument, NULL, 'c'},
		{"jobs", required_argument, NULL, 'J'},
		CLI_COMMON_LONGOPTS
	};
	int c, idx = 0, rc;

	a->jobs = JOBS_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c == 'h') {
			domain_usage(stdout);
			exit(0);
		}
		rc = domain_option(a, c, opts[idx].name, optarg);
		if (rc > 0)
			return cli_bad_option("domain", argv[optind - 1]);
		if (rc < 0)
			return -1;
	}
	return check_domains(a, argv + optind, (size_t)(argc - optind));
}

/* ---- the workers -------------------------------------------------------- */

static void
render(struct pool *p, size_t i, const struct vouch_audit *au)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	int rc = 0;

	if (f == NULL) {
		p->err[i] = strdup("out of memory");
		return;
	}
	if (p->a->fmt == DOMAIN_JSON)
		rc = domain_json(f, au, p->nprobed);
	else if (p->a->fmt == DOMAIN_CSV)
		domain_csv(f, au);
	else
		domain_text(f, au, p->nprobed);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		p->err[i] = strdup("out of memory");
		return;
	}
	p->out[i] = buf;
}

static void
audit_one(struct pool *p, size_t i)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_audit *au = NULL;
	char msg[CLI_ERR_MAX];

	if (vouch_audit_domain(p->dns, p->a->alabel[i], &p->opts, &au,
	    &err) != 0) {
		cli_safe_copy(msg, sizeof(msg), err.msg[0] ? err.msg :
		    "out of memory");
		p->err[i] = strdup(msg);
		return;
	}
	render(p, i, au);
	vouch_audit_free(au);
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next < p->a->n ? p->next++ : p->a->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->a->n)
			return NULL;
		audit_one(p, i);
		pthread_mutex_lock(&p->mu);
		p->ready[i] = 1;
		p->done++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Print domain i (or why it failed); returns 1 when it failed. */
static int
emit(struct pool *p, size_t i, struct progress *pg)
{
	progress_clear(pg);
	if (p->err[i] != NULL) {
		fprintf(stderr, "vouch domain: %s: %s\n", p->a->alabel[i],
		    p->err[i]);
		return 1;
	}
	if (p->a->fmt == DOMAIN_TEXT && i > 0)
		fputc('\n', stdout);
	fputs(p->out[i], stdout);
	if (p->a->fmt == DOMAIN_JSON)
		fputc('\n', stdout);
	fflush(stdout);
	return 0;
}

/* Print in argument order as the workers finish; the bar counts every
 * domain done, in whatever order. */
static int
collect(struct pool *p)
{
	struct progress pg;
	size_t printed = 0, seen = 0, upto;
	int failed = 0;

	progress_init(&pg, p->a->n > 1);
	progress_start(&pg, "domains", p->a->n);
	while (printed < p->a->n) {
		pthread_mutex_lock(&p->mu);
		while (!p->ready[printed] && p->done == seen)
			pthread_cond_wait(&p->cv, &p->mu);
		for (; seen < p->done; seen++)
			progress_step(&pg);
		for (upto = printed; upto < p->a->n && p->ready[upto]; upto++)
			;
		pthread_mutex_unlock(&p->mu);
		/* what a worker wrote before it set ready[] under the lock */
		while (printed < upto)
			failed |= emit(p, printed++, &pg);
	}
	progress_end(&pg);
	return failed;
}

static int
run_pool(struct pool *p)
{
	pthread_t tid[JOBS_MAX];
	size_t i, started = 0, jobs = (size_t)p->a->jobs;
	int failed;

	if (jobs > p->a->n)
		jobs = p->a->n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (i = 0; i < jobs; i++)
		if (pthread_create(&tid[started], NULL, worker, p) == 0)
			started++;
	if (started == 0)
		worker(p);
	failed = collect(p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	return failed;
}

/* ---- setting up --------------------------------------------------------- */

/* The probe: the sender knowledge file; without it, no probe. */
static struct vouch_senders *
probe_load(const struct domain_args *a, size_t *nprobed)
{
	struct vouch_error err = {0, 0, ""};
	struct vouch_senders *s = NULL;
	size_t i;

	*nprobed = 0;
	if (a->no_probe)
		return NULL;
	if (vouch_senders_load(a->senders, &s, &err) != 0) {
		fprintf(stderr, "vouch domain: no DKIM selector probe: ");
		cli_put_safe(stderr, err.msg[0] ? err.msg : "cannot load the "
		    "sender knowledge file");
		fputc('\n', stderr);
		return NULL;
	}
	for (i = 0; i < vouch_senders_count(s); i++)
		*nprobed += vouch_senders_at(s, i)->nselectors;
	return s;
}

static int
run(struct domain_args *a)
{
	struct vouch_senders *senders = NULL;
	struct vouch_psl *psl = NULL;
	struct pool p;
	int rc, fetch = a->dns.zone == NULL;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.a = a;
	if ((rc = dmarc_psl_open("domain", a->psl, &psl)) != 0)
		return rc;
	if ((rc = cli_dns_open(&a->dns, "domain", &p.dns)) != 0) {
		vouch_psl_free(psl);
		return rc;
	}
	senders = probe_load(a, &p.nprobed);
	p.opts.selectors = a->sel;
	p.opts.nselectors = a->nsel;
	p.opts.probe = senders;
	p.opts.psl = psl;
	if (fetch && domain_fetch_init() == 0) {
		p.opts.fetch = domain_fetch;
		p.opts.fetch_arg = p.dns;
	}
	p.out = calloc(a->n, sizeof(*p.out));
	p.err = calloc(a->n, sizeof(*p.err));
	p.ready = calloc(a->n, sizeof(*p.ready));
	if (p.out == NULL || p.err == NULL || p.ready == NULL) {
		fprintf(stderr, "vouch domain: out of memory\n");
		rc = EXIT_RUNTIME;
	} else {
		if (a->fmt == DOMAIN_CSV)
			domain_csv_header(stdout);
		rc = run_pool(&p) ? EXIT_RUNTIME : 0;
	}
	for (i = 0; p.out != NULL && p.err != NULL && i < a->n; i++) {
		free(p.out[i]);
		free(p.err[i]);
	}
	free(p.out);
	free(p.err);
	free(p.ready);
	if (p.opts.fetch != NULL)
		domain_fetch_done();
	vouch_senders_free(senders);
	vouch_dns_free(p.dns);
	vouch_psl_free(psl);
	return rc;
}

int
cmd_domain(int argc, char **argv)
{
	struct domain_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (parse_args(argc, argv, &a) != 0) {
		free(a.alabel);
		return EXIT_USAGE;
	}
	rc = run(&a);
	free(a.alabel);
	return rc;
}
