/*
 * opendkim_bench.c - the bench/dkim corpus through Debian's libopendkim,
 * for comparison with vouch_dkim_bench.
 *
 * usage: opendkim_bench -c CORPUS [-m file|mem] [-t SECONDS] [-k CHUNK]
 *            [-r RESULTS] [-l LABEL]
 *        opendkim_bench -c CORPUS -v FILE [-m file|mem] [-k CHUNK]
 *
 * Keys never come from DNS:
 *   file  DKIM_QUERY_FILE over CORPUS/opendkim.keys, the "SEL._domainkey.
 *         DOMAIN RECORD" lines libopendkim reads for each signature (its
 *         documented test method; it opens and scans the file per query)
 *   mem   the same records held in memory, handed over by a
 *         dkim_set_key_lookup() callback: the cost of a cached lookup,
 *         closest to vouch's in-memory zone backend [default]
 *
 * Each message: dkim_verify(), the raw message in CHUNK byte pieces
 * [65536] through dkim_chunk() (libopendkim splits header and body
 * itself), dkim_eom(), then every signature of dkim_getsiglist() in
 * header order: pass when DKIM_SIG_CHECK() holds, permerror when the key
 * could not be had or used, fail otherwise; dkim_free().  One line of
 * figures (corpus.h).
 *
 * -v verifies one large message from a file in CHUNK reads and prints
 *   opendkim_big bytes=N secs=S mbps=M results=...
 * (a check that vouch's signature of the 100 MB message verifies
 * elsewhere too).
 */
#define _DEFAULT_SOURCE		/* u_char, u_int: <opendkim/dkim.h> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "odkim.h"

static const char usage[] =
    "usage: opendkim_bench -c CORPUS [-m file|mem] [-t SECONDS] [-k CHUNK]\n"
    "           [-r RESULTS] [-l LABEL]\n"
    "       opendkim_bench -c CORPUS -v FILE [-m file|mem] [-k CHUNK]\n";

struct bench {
	DKIM_LIB *lib;
	size_t chunk;
};

static int
verify_one(void *arg, const struct corpus_msg *m, char *res, size_t reslen)
{
	struct bench *b = arg;
	DKIM *d;

	if ((d = odkim_verify(b->lib, m->data, m->len, b->chunk)) == NULL)
		return -1;
	odkim_results(d, res, reslen);
	dkim_free(d);
	return 0;
}

static int
verify_file(struct bench *b, const char *file)
{
	char res[CORPUS_RES_MAX];
	u_char *buf;
	DKIM_STAT st;
	DKIM *d;
	FILE *f;
	size_t n;
	unsigned long long total = 0;
	double t0, secs;

	if ((f = fopen(file, "rb")) == NULL || (buf = malloc(b->chunk)) ==
	    NULL) {
		perror(file);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	t0 = corpus_clock();
	if ((d = dkim_verify(b->lib, (const u_char *)"big", NULL, &st)) ==
	    NULL) {
		fclose(f);
		free(buf);
		return -1;
	}
	while ((n = fread(buf, 1, b->chunk, f)) > 0) {
		total += n;
		if (dkim_chunk(d, buf, n) != DKIM_STAT_OK)
			break;
	}
	dkim_chunk(d, NULL, 0);
	(void)dkim_eom(d, NULL);
	res[0] = '\0';
	odkim_results(d, res, sizeof(res));
	dkim_free(d);
	secs = corpus_clock() - t0;
	printf("opendkim_big bytes=%llu secs=%.3f mbps=%.1f results=%s\n",
	    total, secs, (double)total / secs / 1e6, res);
	fclose(f);
	free(buf);
	return strcmp(res, "pass,pass") == 0 ? 0 : 1;
}

static int
setup(struct bench *b, const char *dir, const char *mode)
{
	char path[4096];
	int qm = DKIM_QUERY_FILE;

	snprintf(path, sizeof(path), "%s/opendkim.keys", dir);
	if (strcmp(mode, "mem") == 0)
		return (b->lib = odkim_open(path, 0)) != NULL ? 0 : -1;
	if (strcmp(mode, "file") != 0) {
		fprintf(stderr, "%s", usage);
		return -1;
	}
	if ((b->lib = odkim_open(NULL, 0)) == NULL)
		return -1;
	if (dkim_options(b->lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm,
	    sizeof(qm)) != DKIM_STAT_OK || dkim_options(b->lib,
	    DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, path, strlen(path)) !=
	    DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_bench: dkim_options failed\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct corpus_opts o = { NULL, NULL, 5.0 };
	struct bench b = { NULL, 65536 };
	struct corpus c;
	const char *dir = NULL, *mode = "mem", *big = NULL;
	char label[64];
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "c:k:l:m:r:t:v:")) != -1) {
		switch (opt) {
		case 'c': dir = optarg; break;
		case 'k': b.chunk = strtoul(optarg, NULL, 10); break;
		case 'l': o.label = optarg; break;
		case 'm': mode = optarg; break;
		case 'r': o.results = optarg; break;
		case 't': o.seconds = strtod(optarg, NULL); break;
		case 'v': big = optarg; break;
		default: fprintf(stderr, "%s", usage); return 2;
		}
	}
	if (dir == NULL || b.chunk == 0) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	if (setup(&b, dir, mode) != 0)
		goto out;
	if (big != NULL) {
		rc = verify_file(&b, big);
		goto out;
	}
	if (corpus_load(dir, &c) != 0)
		goto out;
	snprintf(label, sizeof(label), "opendkim_%s", mode);
	if (o.label == NULL)
		o.label = label;
	rc = corpus_run(&c, &o, verify_one, &b);
	corpus_free(&c);
out:
	odkim_close(b.lib);
	return rc == 0 ? 0 : 1;
}
