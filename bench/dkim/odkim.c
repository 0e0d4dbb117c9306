/*
 * odkim.c - libopendkim helpers shared by the benchmark drivers (see
 * odkim.h).
 */
#define _DEFAULT_SOURCE		/* u_char, u_int: <opendkim/dkim.h> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "corpus.h"
#include "odkim.h"

#define KEYS_MAX 256

struct keyrec {
	const char *name;	/* "sel._domainkey.domain" */
	const char *record;
};

/* The records for the key lookup: read once, read-only afterwards. */
static struct keyrec keys[KEYS_MAX];
static size_t nkeys;
static char *keytext;

static int
keys_load(const char *path)
{
	char *p, *nl, *sp;
	size_t len;

	if ((keytext = corpus_read_file(path, &len)) == NULL)
		return -1;
	for (p = keytext; *p != '\0' && nkeys < KEYS_MAX; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if ((sp = strchr(p, ' ')) == NULL)
			continue;
		*sp = '\0';
		keys[nkeys].name = p;
		keys[nkeys].record = sp + 1;
		nkeys++;
	}
	return 0;
}

static DKIM_CBSTAT
key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const char *dom = (const char *)dkim_sig_getdomain(sig);
	char name[512];
	size_t i;

	(void)dkim;
	if (sel == NULL || dom == NULL)
		return DKIM_CBSTAT_NOTFOUND;
	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, dom);
	for (i = 0; i < nkeys; i++)
		if (strcasecmp(keys[i].name, name) == 0) {
			if (strlen(keys[i].record) >= buflen)
				return DKIM_CBSTAT_ERROR;
			memcpy(buf, keys[i].record, strlen(keys[i].record) + 1);
			return DKIM_CBSTAT_CONTINUE;
		}
	return DKIM_CBSTAT_NOTFOUND;
}

static int
add_flags(DKIM_LIB *lib, u_int flags)
{
	u_int f = 0;

	if (dkim_options(lib, DKIM_OP_GETOPT, DKIM_OPTS_FLAGS, &f,
	    sizeof(f)) != DKIM_STAT_OK)
		return -1;
	f |= flags;
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &f,
	    sizeof(f)) != DKIM_STAT_OK)
		return -1;
	return 0;
}

DKIM_LIB *
odkim_open(const char *keyfile, u_int flags)
{
	DKIM_LIB *lib;

	if ((lib = dkim_init(NULL, NULL)) == NULL) {
		fprintf(stderr, "libopendkim: dkim_init failed\n");
		return NULL;
	}
	if (flags != 0 && add_flags(lib, flags) != 0) {
		fprintf(stderr, "libopendkim: cannot set flags 0x%x\n", flags);
		dkim_close(lib);
		return NULL;
	}
	if (keyfile == NULL)
		return lib;
	if (keys_load(keyfile) != 0) {
		dkim_close(lib);
		return NULL;
	}
	dkim_set_key_lookup(lib, key_lookup);
	return lib;
}

void
odkim_close(DKIM_LIB *lib)
{
	if (lib != NULL)
		dkim_close(lib);
	free(keytext);
	keytext = NULL;
	nkeys = 0;
}

DKIM *
odkim_verify(DKIM_LIB *lib, char *data, size_t len, size_t chunk)
{
	DKIM_STAT st;
	DKIM *d;
	size_t off, n;

	if ((d = dkim_verify(lib, (const u_char *)"bench", NULL, &st)) ==
	    NULL) {
		fprintf(stderr, "libopendkim: dkim_verify: %s\n",
		    dkim_getresultstr(st));
		return NULL;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		if (dkim_chunk(d, (u_char *)data + off, n) != DKIM_STAT_OK)
			break;
	}
	dkim_chunk(d, NULL, 0);
	/* A failed signature is a status here, not an error. */
	(void)dkim_eom(d, NULL);
	return d;
}

const char *
odkim_sig_result(DKIM_SIGINFO *sig)
{
	if (DKIM_SIG_CHECK(sig))
		return "pass";
	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_NOKEY:
	case DKIM_SIGERROR_KEYFAIL:
	case DKIM_SIGERROR_MULTIREPLY:
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYDECODE:
	case DKIM_SIGERROR_KEYTOOSMALL:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYREVOKED:
		return "permerror";
	default:
		return "fail";
	}
}

void
odkim_results(DKIM *d, char *res, size_t reslen)
{
	DKIM_SIGINFO **sigs;
	int nsigs = 0, i;

	if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		corpus_res_add(res, reslen, "none");
		return;
	}
	for (i = 0; i < nsigs; i++)
		corpus_res_add(res, reslen, odkim_sig_result(sigs[i]));
}
