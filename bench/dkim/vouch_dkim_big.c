/*
 * vouch_dkim_big.c - one very large message, signed and verified
 * streaming: how much memory does verification add?
 *
 * usage: vouch_dkim_big -c CORPUS -g FILE [-m MB]
 *        vouch_dkim_big -c CORPUS -v FILE [-k CHUNK]
 *
 * -g writes FILE: a multipart message whose base64 attachment makes the
 * body MB megabytes (10^6) [100], signed by acme.example with both its
 * RSA-2048 and its Ed25519 key (CORPUS/keys) in one streaming pass of
 * vouch's signer.  The body comes from a fixed pseudo-random generator,
 * produced twice (once to sign, once to write), so it is never held in
 * memory.
 *
 * -v verifies FILE the way a milter would: the header section from the
 * first read, then the body in CHUNK byte reads [65536] from the file,
 * never the whole message in memory.  Before the timed verification one
 * warm-up verification of the same header with a one-line body loads
 * what a long-running process has loaded anyway (OpenSSL algorithm
 * fetches, the zone).  Then the peak-RSS mark is reset (Linux
 * /proc/self/clear_refs, "5") and the verification runs; extra_kb is
 * VmHWM after it minus VmRSS before it.  One line:
 *
 *   vouch_big bytes=N secs=S mbps=M rss_before_kb=A rss_peak_kb=B
 *             extra_kb=C results=pass,pass
 *
 * Exit status 1 when a signature does not pass.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vouch/dkim.h>
#include <vouch/dns.h>
#include <vouch/msg.h>

#include "corpus.h"

#define BIG_DOMAIN "acme.example"
#define LINE_LEN 76		/* base64 text, RFC 2045 6.8 */

static const char usage[] =
    "usage: vouch_dkim_big -c CORPUS -g FILE [-m MB]\n"
    "       vouch_dkim_big -c CORPUS -v FILE [-k CHUNK]\n";

static const char header[] =
    "From: Archive Robot <archive@acme.example>\r\n"
    "To: storage@globex.example\r\n"
    "Subject: nightly archive (large attachment)\r\n"
    "Date: Tue, 24 Nov 2026 03:00:00 +0000\r\n"
    "Message-ID: <nightly-archive-20261124@acme.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"=_big\"\r\n";
static const char body_head[] =
    "--=_big\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Tonight's archive is attached.\r\n\r\n"
    "--=_big\r\n"
    "Content-Type: application/octet-stream; name=\"archive.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n";
static const char body_tail[] = "--=_big--\r\n";

/* The body, produced in pieces: head, lines of base64, tail. */
struct bodygen {
	uint64_t state;
	uint64_t lines;		/* base64 lines still to produce */
	int phase;		/* 0 head, 1 lines, 2 tail, 3 done */
};

static void
bodygen_init(struct bodygen *g, uint64_t bytes)
{
	g->state = 0x9e3779b97f4a7c15ULL;
	g->lines = bytes / (LINE_LEN + 2);
	g->phase = 0;
}

/* Fill up to cap bytes (cap >= 128); returns how many, 0 at the end. */
static size_t
bodygen_fill(struct bodygen *g, char *buf, size_t cap)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0, i;

	if (g->phase == 0) {
		memcpy(buf, body_head, sizeof(body_head) - 1);
		n = sizeof(body_head) - 1;
		g->phase = 1;
	}
	while (g->phase == 1 && g->lines > 0 && cap - n >= LINE_LEN + 2) {
		for (i = 0; i < LINE_LEN; i++) {
			/* xorshift64 */
			g->state ^= g->state << 13;
			g->state ^= g->state >> 7;
			g->state ^= g->state << 17;
			buf[n++] = b64[g->state & 63];
		}
		buf[n++] = '\r';
		buf[n++] = '\n';
		g->lines--;
	}
	if (g->phase == 1 && g->lines == 0 && cap - n >= sizeof(body_tail)) {
		memcpy(buf + n, body_tail, sizeof(body_tail) - 1);
		n += sizeof(body_tail) - 1;
		g->phase = 3;
	}
	return n;
}

static int
load_key(const char *dir, const char *type, struct vouch_dkim_key **key,
    char *sel, size_t sellen)
{
	struct vouch_error err;
	char path[4096];
	int rc;

	memset(&err, 0, sizeof(err));
	if (corpus_find_key(dir, type, BIG_DOMAIN, path, sizeof(path), sel,
	    sellen) != 0)
		return -1;
	if ((rc = vouch_dkim_key_load(path, key, &err)) != 0) {
		fprintf(stderr, "vouch_dkim_big: %s: %s\n", path,
		    err.msg[0] ? err.msg : vouch_strerror(rc));
		return -1;
	}
	return 0;
}

/* Sign the generated body and write the signed message to out. */
static int
sign_big(struct vouch_dkim_key *const key[2], char sel[2][64],
    uint64_t bytes, FILE *out)
{
	struct vouch_dkim_signer spec[2];
	struct vouch_dkim_sign *s = NULL;
	struct vouch_msg *msg = NULL;
	struct vouch_error err;
	struct bodygen g;
	static char buf[65536];
	size_t off, n, i;
	int rc;

	memset(&err, 0, sizeof(err));
	memset(spec, 0, sizeof(spec));
	for (i = 0; i < 2; i++) {
		spec[i].key = key[i];
		spec[i].domain = BIG_DOMAIN;
		spec[i].selector = sel[i];
	}
	if ((rc = vouch_msg_new(NULL, &msg)) != 0 ||
	    (rc = vouch_msg_parse_header(msg, header, sizeof(header) - 1, &off,
	    &err)) != 0 ||
	    (rc = vouch_dkim_sign_new(spec, 2, 0, &s, &err)) != 0 ||
	    (rc = vouch_dkim_sign_header(s, msg, &err)) != 0)
		goto out;
	bodygen_init(&g, bytes);
	while ((n = bodygen_fill(&g, buf, sizeof(buf))) != 0)
		if ((rc = vouch_dkim_sign_body(s, buf, n)) != 0)
			goto out;
	if ((rc = vouch_dkim_sign_finish(s, &err)) != 0)
		goto out;
	for (i = 0; i < vouch_dkim_sign_count(s); i++)
		fputs(vouch_dkim_sign_field(s, i), out);
	fputs(header, out);
	fputs("\r\n", out);
	bodygen_init(&g, bytes);
	while ((n = bodygen_fill(&g, buf, sizeof(buf))) != 0)
		if (fwrite(buf, 1, n, out) != n) {
			rc = VOUCH_EIO;
			goto out;
		}
out:
	if (rc != 0)
		fprintf(stderr, "vouch_dkim_big: sign: %s%s%s\n",
		    vouch_strerror(rc), err.msg[0] ? ": " : "", err.msg);
	vouch_dkim_sign_free(s);
	vouch_msg_free(msg);
	return rc == 0 ? 0 : -1;
}

static int
generate(const char *dir, const char *file, uint64_t bytes)
{
	struct vouch_dkim_key *key[2] = { NULL, NULL };
	char sel[2][64], tmp[4096];
	FILE *out = NULL;
	int rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if (load_key(dir, "rsa", &key[0], sel[0], sizeof(sel[0])) != 0 ||
	    load_key(dir, "ed25519", &key[1], sel[1], sizeof(sel[1])) != 0)
		goto out;
	if ((out = fopen(tmp, "wb")) == NULL) {
		perror(tmp);
		goto out;
	}
	if (sign_big(key, sel, bytes, out) != 0)
		goto out;
	if (fclose(out) != 0 || rename(tmp, file) != 0) {
		out = NULL;
		perror(file);
		goto out;
	}
	out = NULL;
	rc = 0;
out:
	if (out != NULL) {
		fclose(out);
		remove(tmp);
	}
	vouch_dkim_key_free(key[1]);
	vouch_dkim_key_free(key[0]);
	return rc;
}

/* A "Vm...:" line of /proc/self/status in kB, or -1. */
static long
status_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Reset VmHWM to the current RSS (proc(5), clear_refs "5"). */
static int
reset_peak(void)
{
	FILE *f;
	int ok;

	if ((f = fopen("/proc/self/clear_refs", "w")) == NULL)
		return -1;
	ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

struct big {
	struct vouch_dns *dns;
	struct vouch_dkim_verify_options vopts;
	char *buf;		/* chunk bytes, or the header read */
	size_t cap;
	char res[CORPUS_RES_MAX];
};

/*
 * Verify the message in f, whose first len bytes are in b->buf (the
 * whole header section among them).  With f NULL, only those bytes.
 */
static int
verify_stream(struct big *b, FILE *f, size_t len, uint64_t *total)
{
	struct vouch_msg *msg = NULL;
	struct vouch_dkim_verify *v = NULL;
	struct vouch_error err;
	size_t off, i;
	int rc;

	memset(&err, 0, sizeof(err));
	b->res[0] = '\0';
	*total = len;
	if ((rc = vouch_msg_new(NULL, &msg)) != 0 ||
	    (rc = vouch_msg_parse_header(msg, b->buf, len, &off, &err)) != 0 ||
	    (rc = vouch_dkim_verify_new(b->dns, &b->vopts, &v)) != 0 ||
	    (rc = vouch_dkim_verify_header(v, msg)) != 0 ||
	    (rc = vouch_dkim_verify_body(v, b->buf + off, len - off)) != 0)
		goto out;
	vouch_msg_free(msg);	/* not needed after the header */
	msg = NULL;
	while (f != NULL && (len = fread(b->buf, 1, b->cap, f)) > 0) {
		*total += len;
		if ((rc = vouch_dkim_verify_body(v, b->buf, len)) != 0)
			goto out;
	}
	if ((rc = vouch_dkim_verify_finish(v)) != 0)
		goto out;
	for (i = 0; i < vouch_dkim_verify_count(v); i++)
		corpus_res_add(b->res, sizeof(b->res), vouch_dkim_result_name(
		    vouch_dkim_verify_get(v, i)->result));
out:
	if (rc != 0)
		fprintf(stderr, "vouch_dkim_big: verify: %s%s%s\n",
		    vouch_strerror(rc), err.msg[0] ? ": " : "", err.msg);
	vouch_dkim_verify_free(v);
	vouch_msg_free(msg);
	return rc == 0 ? 0 : -1;
}

/* The first read: enough for the whole header section (64 KiB cap). */
static int
first_read(struct big *b, FILE *f, size_t *len)
{
	*len = fread(b->buf, 1, b->cap, f);
	return *len > 0 ? 0 : -1;
}

/* Bytes up to and including the empty line ending the header, or 0. */
static size_t
header_len(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

/* The measured verification, the peak mark reset just before it. */
static int
measure(struct big *b, FILE *f, size_t len)
{
	long before, peak, maxrss0 = corpus_maxrss_kb();
	uint64_t total;
	double t0, secs;

	if (reset_peak() != 0)
		fprintf(stderr, "vouch_dkim_big: no clear_refs: extra_kb "
		    "from ru_maxrss\n");
	before = status_kb("VmRSS");
	t0 = corpus_clock();
	if (verify_stream(b, f, len, &total) != 0)
		return -1;
	secs = corpus_clock() - t0;
	peak = status_kb("VmHWM");
	if (peak < 0 || before < 0) {
		before = maxrss0;
		peak = corpus_maxrss_kb();
	}
	printf("vouch_big bytes=%llu secs=%.3f mbps=%.1f rss_before_kb=%ld "
	    "rss_peak_kb=%ld extra_kb=%ld results=%s\n",
	    (unsigned long long)total, secs, (double)total / secs / 1e6,
	    before, peak, peak - before, b->res);
	return strcmp(b->res, "pass,pass") == 0 ? 0 : -1;
}

static int
verify_file(const char *dir, const char *file, size_t chunk)
{
	struct big b;
	struct vouch_error err;
	char zone[4096];
	FILE *f = NULL;
	size_t len, hlen;
	uint64_t total;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&err, 0, sizeof(err));
	b.vopts.now = (int64_t)time(NULL);
	b.cap = chunk > VOUCH_MSG_HEADER_MAX ? chunk : VOUCH_MSG_HEADER_MAX;
	snprintf(zone, sizeof(zone), "%s/vouch.zone", dir);
	if (vouch_dns_zone_new_file(zone, &b.dns, &err) != 0) {
		fprintf(stderr, "vouch_dkim_big: %s: %s\n", zone, err.msg);
		goto out;
	}
	if ((b.buf = malloc(b.cap)) == NULL || (f = fopen(file, "rb")) ==
	    NULL || first_read(&b, f, &len) != 0) {
		perror(file);
		goto out;
	}
	/* Warm-up: the same header, a one-line body (both fail). */
	if ((hlen = header_len(b.buf, len)) == 0 || hlen + 9 > b.cap) {
		fprintf(stderr, "vouch_dkim_big: %s: no header end in the "
		    "first %zu bytes\n", file, len);
		goto out;
	}
	memcpy(b.buf + hlen, "warm-up\r\n", 9);
	if (verify_stream(&b, NULL, hlen + 9, &total) != 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || first_read(&b, f, &len) != 0)
		goto out;
	rc = measure(&b, f, len) == 0 ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "vouch_dkim_big: %s: expected pass,pass\n",
		    file);
out:
	if (f != NULL)
		fclose(f);
	free(b.buf);
	vouch_dns_free(b.dns);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *gen = NULL, *ver = NULL;
	double mb = 100;
	size_t chunk = 65536;
	int opt;

	while ((opt = getopt(argc, argv, "c:g:k:m:v:")) != -1) {
		switch (opt) {
		case 'c': dir = optarg; break;
		case 'g': gen = optarg; break;
		case 'k': chunk = strtoul(optarg, NULL, 10); break;
		case 'm': mb = strtod(optarg, NULL); break;
		case 'v': ver = optarg; break;
		default: fprintf(stderr, "%s", usage); return 2;
		}
	}
	if (dir == NULL || (gen == NULL) == (ver == NULL) || mb <= 0 ||
	    chunk < 128 || chunk > 16u * 1024 * 1024) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	if (gen != NULL)
		return generate(dir, gen, (uint64_t)(mb * 1e6)) == 0 ? 0 : 1;
	return verify_file(dir, ver, chunk) == 0 ? 0 : 1;
}
