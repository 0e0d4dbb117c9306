/*
 * opendkim_tool - a small driver over Debian's libopendkim, the peer
 * implementation for tests/interop/dkim_interop.py.  Not vouch code.
 *
 *   opendkim_tool sign --key PEM --domain D --selector S
 *       [--canon HDR/BODY] [--alg rsa-sha256|ed25519-sha256]
 *       [--oversign NAME:NAME...] [--margin N] < message > signed
 *	Prepends one DKIM-Signature field made by libopendkim (default
 *	simple/simple, rsa-sha256; the library's default h= list, plus
 *	the --oversign names once more).  The field is folded at the
 *	library's margin (75; --margin sets dkim_set_margin(), 0 = no
 *	folding) with the message's own line end.
 *
 *   opendkim_tool verify --keyfile FILE < message
 *	Prints one line per DKIM-Signature, in the library's order:
 *	    pass s=SELECTOR d=DOMAIN
 *	    fail s=SELECTOR d=DOMAIN REASON
 *	and "none" when the message carries no signature.  Keys come from
 *	FILE through DKIM_QUERY_FILE (lines "sel._domainkey.dom record"), so
 *	no network is used.
 *
 * Bare LFs are read as CRLF (what an MTA hands a milter); sign writes
 * the message back as it came, the new field ending like its lines.
 *
 * Exit 0 when the run completed (whatever the verdicts), 1 on a library
 * error, 2 on a usage or input error.
 */
#define _DEFAULT_SOURCE		/* u_char in <opendkim/dkim.h> */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#define MSG_MAX (64u << 20)	/* input cap: 64 MiB */

struct buf {
	unsigned char *p;
	size_t len;
};

struct opts {
	const char *mode;
	const char *key;
	const char *keyfile;
	const char *domain;
	const char *selector;
	const char *canon;
	const char *alg;
	const char *oversign;
	const char *margin;
};

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: opendkim_tool sign --key PEM --domain D "
	    "--selector S [--canon H/B] [--alg A] [--oversign N:N] < msg\n"
	    "       opendkim_tool verify --keyfile FILE < msg\n");
	exit(2);
}

static int
read_all(FILE *f, struct buf *b)
{
	size_t cap = 65536;
	size_t n;

	b->len = 0;
	if ((b->p = malloc(cap + 1)) == NULL)
		return -1;
	while ((n = fread(b->p + b->len, 1, cap - b->len, f)) > 0) {
		b->len += n;
		if (b->len == cap) {
			unsigned char *np;

			if (cap >= MSG_MAX)
				return -1;
			cap *= 2;
			if ((np = realloc(b->p, cap + 1)) == NULL)
				return -1;
			b->p = np;
		}
	}
	if (ferror(f))
		return -1;
	b->p[b->len] = '\0';
	return 0;
}

static int
read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	int r;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	r = read_all(f, b);
	fclose(f);
	return r;
}

/* Length of the line ending at p (CRLF or LF), or 0. */
static size_t
eol_len(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '\n')
		return 1;
	if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

/*
 * Hand the header fields to the library one by one, each without its
 * final line end (folds inside kept), then the end of the header.
 * *body is set to the first body byte (or the end).
 */
static DKIM_STAT
feed_header(DKIM *dkim, const struct buf *m, size_t *body)
{
	const unsigned char *p = m->p, *end = m->p + m->len;
	DKIM_STAT st;

	while (p < end && eol_len(p, end) == 0) {
		const unsigned char *start = p, *fend;
		size_t e;

		for (;;) {
			while (p < end && eol_len(p, end) == 0)
				p++;
			fend = p;
			p += eol_len(p, end);
			if (p >= end || (*p != ' ' && *p != '\t'))
				break;
		}
		st = dkim_header(dkim, (u_char *)(uintptr_t)start,
		    (size_t)(fend - start));
		if (st != DKIM_STAT_OK) {
			fprintf(stderr, "opendkim_tool: dkim_header: %s (%s)\n",
			    dkim_getresultstr(st), dkim_geterror(dkim));
			return st;
		}
		e = eol_len(p, end);
		if (e > 0) {
			p += e;
			break;
		}
	}
	/* no header field at all: the message opens with the empty line */
	if (p == m->p)
		p += eol_len(p, end);
	*body = (size_t)(p - m->p);
	return dkim_eoh(dkim);
}

static DKIM_STAT
feed_body(DKIM *dkim, const struct buf *m, size_t off)
{
	if (off >= m->len)
		return DKIM_STAT_OK;
	return dkim_body(dkim, m->p + off, m->len - off);
}

static int
parse_canon(const char *s, dkim_canon_t *h, dkim_canon_t *b)
{
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	const char *bs = slash ? slash + 1 : "simple";

	if (hl == 6 && strncmp(s, "simple", 6) == 0)
		*h = DKIM_CANON_SIMPLE;
	else if (hl == 7 && strncmp(s, "relaxed", 7) == 0)
		*h = DKIM_CANON_RELAXED;
	else
		return -1;
	if (strcmp(bs, "simple") == 0)
		*b = DKIM_CANON_SIMPLE;
	else if (strcmp(bs, "relaxed") == 0)
		*b = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

static DKIM_LIB *
lib_open(void)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);

	if (lib == NULL)
		fprintf(stderr, "opendkim_tool: dkim_init failed\n");
	return lib;
}

/*
 * The message in network form: every bare LF becomes CRLF, as an MTA
 * does before a milter sees it (the library's DKIM_LIBFLAGS_FIXCRLF
 * covers the body only).
 */
static int
to_crlf(const struct buf *in, struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < in->len; i++)
		if (in->p[i] == '\n' && (i == 0 || in->p[i - 1] != '\r'))
			n++;
	out->len = in->len + n;
	if ((out->p = malloc(out->len + 1)) == NULL)
		return -1;
	for (i = 0, n = 0; i < in->len; i++) {
		if (in->p[i] == '\n' && (i == 0 || in->p[i - 1] != '\r'))
			out->p[n++] = '\r';
		out->p[n++] = in->p[i];
	}
	out->p[n] = '\0';
	return 0;
}

/* Write the field, its bare LFs turned into the message's line end. */
static void
put_field(const unsigned char *f, size_t len, bool crlf)
{
	size_t i;

	fputs("DKIM-Signature: ", stdout);
	for (i = 0; i < len; i++) {
		if (f[i] == '\r')
			continue;
		if (f[i] == '\n' && crlf)
			putchar('\r');
		putchar(f[i]);
	}
	fputs(crlf ? "\r\n" : "\n", stdout);
}

/*
 * DKIM_OPTS_OVERSIGNHDRS from "A:B:C" (at most 15 names).  *keep holds
 * the names and is the caller's to free after the library is closed.
 */
static int
set_oversign(DKIM_LIB *lib, const char *list, char **keep)
{
	const char *names[16];
	char *copy = strdup(list), *s, *colon;
	size_t n = 0;
	DKIM_STAT st;

	if (copy == NULL)
		return -1;
	for (s = copy; s != NULL && n < 15; s = colon) {
		if ((colon = strchr(s, ':')) != NULL)
			*colon++ = '\0';
		if (*s != '\0')
			names[n++] = s;
	}
	names[n] = NULL;
	/* len is the size of the pointer; the names stay until the end */
	st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    names, sizeof(char **));
	*keep = copy;
	return st == DKIM_STAT_OK ? 0 : -1;
}

/* m is the message in network form, orig as it came (written out). */
static int
do_sign(const struct opts *o, const struct buf *m, const struct buf *orig)
{
	struct buf key = { NULL, 0 };
	dkim_canon_t hc, bc;
	dkim_alg_t alg = DKIM_SIGN_RSASHA256;
	DKIM_LIB *lib = NULL;
	DKIM *dkim = NULL;
	DKIM_STAT st = DKIM_STAT_OK;
	u_char *hdr;
	char *names = NULL;
	size_t hlen, body;
	int rc = 1;

	if (o->key == NULL || o->domain == NULL || o->selector == NULL ||
	    parse_canon(o->canon ? o->canon : "simple/simple", &hc, &bc) != 0)
		usage();
	if (o->alg != NULL && strcmp(o->alg, "ed25519-sha256") == 0)
		alg = DKIM_SIGN_ED25519SHA256;
	else if (o->alg != NULL && strcmp(o->alg, "rsa-sha256") != 0)
		usage();
	if (read_file(o->key, &key) != 0)
		return 2;
	if ((lib = lib_open()) == NULL)
		goto out;
	if (o->oversign != NULL && set_oversign(lib, o->oversign, &names) != 0)
		goto out;
	dkim = dkim_sign(lib, (const u_char *)"interop", NULL,
	    (dkim_sigkey_t)key.p, (const u_char *)o->selector,
	    (const u_char *)o->domain, hc, bc, alg, -1, &st);
	if (dkim == NULL) {
		fprintf(stderr, "opendkim_tool: dkim_sign: %s\n",
		    dkim_getresultstr(st));
		goto out;
	}
	if (o->margin != NULL &&
	    dkim_set_margin(dkim, atoi(o->margin)) != DKIM_STAT_OK)
		goto out;
	if ((st = feed_header(dkim, m, &body)) != DKIM_STAT_OK ||
	    (st = feed_body(dkim, m, body)) != DKIM_STAT_OK ||
	    (st = dkim_eom(dkim, NULL)) != DKIM_STAT_OK ||
	    (st = dkim_getsighdr_d(dkim, strlen("DKIM-Signature: "), &hdr,
	    &hlen)) != DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_tool: sign: %s (%s)\n",
		    dkim_getresultstr(st), dkim_geterror(dkim));
		goto out;
	}
	put_field(hdr, hlen, memchr(orig->p, '\r', orig->len) != NULL);
	fwrite(orig->p, 1, orig->len, stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (dkim != NULL)
		dkim_free(dkim);
	if (lib != NULL)
		dkim_close(lib);
	free(names);
	free(key.p);
	return rc;
}

static void
print_sig(DKIM_SIGINFO *sig)
{
	const char *s = (const char *)dkim_sig_getselector(sig);
	const char *d = (const char *)dkim_sig_getdomain(sig);
	const char *why;

	printf("%s s=%s d=%s", DKIM_SIG_CHECK(sig) ? "pass" : "fail",
	    s ? s : "-", d ? d : "-");
	if (!DKIM_SIG_CHECK(sig)) {
		if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH)
			why = "body hash mismatch";
		else if (dkim_sig_geterror(sig) != DKIM_SIGERROR_OK)
			why = dkim_sig_geterrorstr(dkim_sig_geterror(sig));
		else if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED)
		    == 0)
			why = "not processed";
		else
			why = "signature mismatch";
		printf(" %s", why ? why : "unknown error");
	}
	putchar('\n');
}

static int
do_verify(const struct opts *o, const struct buf *m)
{
	dkim_query_t qm = DKIM_QUERY_FILE;
	DKIM_LIB *lib;
	DKIM *dkim = NULL;
	DKIM_SIGINFO **sigs;
	DKIM_STAT st;
	size_t body;
	int nsigs, i, rc = 1;

	if (o->keyfile == NULL)
		usage();
	if ((lib = lib_open()) == NULL)
		return 1;
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm,
	    sizeof qm) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO,
	    (void *)(uintptr_t)o->keyfile, strlen(o->keyfile)) !=
	    DKIM_STAT_OK)
		goto out;
	dkim = dkim_verify(lib, (const u_char *)"interop", NULL, &st);
	if (dkim == NULL) {
		fprintf(stderr, "opendkim_tool: dkim_verify: %s\n",
		    dkim_getresultstr(st));
		goto out;
	}
	st = feed_header(dkim, m, &body);
	if (st == DKIM_STAT_NOSIG) {
		printf("none\n");
		rc = 0;
		goto out;
	}
	/* A bad signature is a verdict, reported per signature below. */
	if (st == DKIM_STAT_OK)
		st = feed_body(dkim, m, body);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_tool: verify: %s (%s)\n",
		    dkim_getresultstr(st), dkim_geterror(dkim));
		goto out;
	}
	for (i = 0; i < nsigs; i++)
		print_sig(sigs[i]);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (dkim != NULL)
		dkim_free(dkim);
	dkim_close(lib);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct buf m, net;
	int i, rc;

	memset(&o, 0, sizeof o);
	if (argc < 2)
		usage();
	o.mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char **slot = NULL;

		if (strcmp(argv[i], "--key") == 0)
			slot = &o.key;
		else if (strcmp(argv[i], "--keyfile") == 0)
			slot = &o.keyfile;
		else if (strcmp(argv[i], "--domain") == 0)
			slot = &o.domain;
		else if (strcmp(argv[i], "--selector") == 0)
			slot = &o.selector;
		else if (strcmp(argv[i], "--canon") == 0)
			slot = &o.canon;
		else if (strcmp(argv[i], "--alg") == 0)
			slot = &o.alg;
		else if (strcmp(argv[i], "--oversign") == 0)
			slot = &o.oversign;
		else if (strcmp(argv[i], "--margin") == 0)
			slot = &o.margin;
		if (slot == NULL || i + 1 >= argc)
			usage();
		*slot = argv[++i];
	}
	if (read_all(stdin, &m) != 0) {
		fprintf(stderr, "opendkim_tool: cannot read the message "
		    "(over %u bytes?)\n", MSG_MAX);
		return 2;
	}
	if (to_crlf(&m, &net) != 0) {
		fprintf(stderr, "opendkim_tool: out of memory\n");
		return 1;
	}
	if (strcmp(o.mode, "sign") == 0)
		rc = do_sign(&o, &net, &m);
	else if (strcmp(o.mode, "verify") == 0)
		rc = do_verify(&o, &net);
	else
		usage();
	free(net.p);
	free(m.p);
	return rc;
}
