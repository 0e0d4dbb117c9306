/*
 * vcase.c - bench/verdict's envelopes and result word (see vcase.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vcase.h"

/* Copy the next TAB-separated column of *p into buf; -1 if missing or
 * too long. */
static int
column(const char **p, char *buf, size_t len)
{
	size_t n = strcspn(*p, "\t");

	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	if (**p == '\t')
		(*p)++;
	return 0;
}

static int
parse(const char *extra, struct vcase *v)
{
	const char *p = extra, *at;

	if (column(&p, v->ip, sizeof(v->ip)) != 0 ||
	    column(&p, v->helo, sizeof(v->helo)) != 0 ||
	    column(&p, v->mail_from, sizeof(v->mail_from)) != 0)
		return -1;
	v->ipv6 = strchr(v->ip, ':') != NULL;
	if (strcmp(v->mail_from, "<>") == 0)
		v->mail_from[0] = '\0';
	at = strrchr(v->mail_from, '@');
	v->spf_domain = at != NULL ? at + 1 : v->helo;
	return 0;
}

int
vcase_load(const char *dir, struct vcase_corpus *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (corpus_load(dir, &out->c) != 0)
		return -1;
	if ((out->env = calloc(out->c.n, sizeof(*out->env))) == NULL) {
		fprintf(stderr, "vcase: out of memory\n");
		goto fail;
	}
	for (i = 0; i < out->c.n; i++)
		if (parse(out->c.m[i].extra, &out->env[i]) != 0) {
			fprintf(stderr, "vcase: %s: no CLIENT_IP HELO "
			    "MAIL_FROM columns\n", out->c.m[i].name);
			goto fail;
		}
	return 0;
fail:
	vcase_free(out);
	return -1;
}

void
vcase_free(struct vcase_corpus *vc)
{
	free(vc->env);
	vc->env = NULL;
	corpus_free(&vc->c);
}

const struct vcase *
vcase_get(const struct vcase_corpus *vc, const struct corpus_msg *m)
{
	return &vc->env[m - vc->c.m];
}

void
vcase_getopt(int argc, char **argv, struct vcase_opts *o, const char *extra,
    void (*cb)(int opt, const char *arg, void *cbarg), void *cbarg,
    const char *usage)
{
	char spec[64];
	int opt;

	memset(o, 0, sizeof(*o));
	o->run.seconds = 5.0;
	o->psl = VCASE_PSL;
	o->chunk = 65536;
	snprintf(spec, sizeof(spec), "P:c:k:l:r:t:%s", extra);
	while ((opt = getopt(argc, argv, spec)) != -1) {
		switch (opt) {
		case 'P': o->psl = optarg; break;
		case 'c': o->dir = optarg; break;
		case 'k': o->chunk = strtoul(optarg, NULL, 10); break;
		case 'l': o->run.label = optarg; break;
		case 'r': o->run.results = optarg; break;
		case 't': o->run.seconds = strtod(optarg, NULL); break;
		case '?': fprintf(stderr, "%s", usage); exit(2);
		default: cb(opt, optarg, cbarg); break;
		}
	}
	if (o->dir == NULL || o->chunk == 0 || optind != argc) {
		fprintf(stderr, "%s", usage);
		exit(2);
	}
}

void
vcase_result(char *res, size_t reslen, const char *spf, const char *helo,
    const char *dkim, const char *dmarc, const char *action)
{
	int n;
	char *p;

	n = snprintf(res, reslen, "spf:%s,helo:%s,dkim:", spf, helo);
	if (n < 0 || (size_t)n >= reslen)
		return;
	p = res + n;
	(void)snprintf(p, reslen - (size_t)n, "%s", dkim);
	for (; *p != '\0'; p++)
		if (*p == ',')
			*p = '+';
	(void)snprintf(p, reslen - (size_t)(p - res), ",dmarc:%s,action:%s",
	    dmarc, action);
}
