/*
 * report_src_imapc.c - an IMAP4rev1 connection (RFC 3501) for the IMAP
 * source (report_src.h): libcurl connects, negotiates TLS (imaps://, or
 * STARTTLS when asked), verifies the certificate and logs in
 * (CURLOPT_CONNECT_ONLY); the commands after that are ours, sent and
 * read through curl_easy_send()/curl_easy_recv(), so that each one is
 * exactly what the source needs (BODY.PEEK[], UID MOVE, ...).
 *
 * Replies (RFC 3501 7, 9): lines ending in CRLF, where a line ending in
 * a literal "{N}" goes on after N bytes of data.  The data of a literal
 * that follows "BODY[]" is kept (up to body_max bytes; a longer one is
 * read through and dropped), any other literal is dropped; one over
 * 1 GiB ends the connection.  A reply line is at most 16 MiB (a SEARCH
 * of about two million UIDs).
 *
 * Every wait for the server is bounded by timeout_s.  Errors: c->err
 * holds why, with the server's own words where it gave some (raw text).
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "report_src.h"

#define LINE_CAP (16u * 1024u * 1024u)
#define LITERAL_MAX (1024LL * 1024 * 1024)	/* read through, at most */
#define CMD_MAX 2048

struct imapc {
	CURL *curl;
	curl_socket_t sock;
	unsigned tag;
	int timeout_ms;
	unsigned char rbuf[16384];
	size_t rpos, rlen;		/* unread: rbuf[rpos .. rlen) */
	struct src_buf line;		/* the reply line being read */
	struct src_buf body;		/* the last BODY[] literal */
	size_t body_max;
	int body_seen, body_over;
	int dead;			/* a send or read failed: no more */
	char err[SRC_ERR_MAX];
	char curl_err[CURL_ERROR_SIZE];
};

static int
fail(struct imapc *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct imapc *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Wait until the socket is ready for events. */
static int
wait_sock(struct imapc *c, short events)
{
	struct pollfd p;
	int rc;

	p.fd = c->sock;
	p.events = events;
	p.revents = 0;
	do
		rc = poll(&p, 1, c->timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return fail(c, "no answer from the server in %d s",
		    c->timeout_ms / 1000);
	if (rc < 0)
		return fail(c, "poll: %s", strerror(errno));
	return 0;
}

static int
send_all(struct imapc *c, const char *s, size_t n)
{
	size_t done;
	CURLcode rc;

	while (n > 0) {
		rc = curl_easy_send(c->curl, s, n, &done);
		if (rc == CURLE_AGAIN) {
			if (wait_sock(c, POLLOUT) != 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return fail(c, "cannot send: %s",
			    curl_easy_strerror(rc));
		s += done;
		n -= done;
	}
	return 0;
}

/* More bytes into rbuf (which must be empty). */
static int
refill(struct imapc *c)
{
	size_t n;
	CURLcode rc;

	c->rpos = c->rlen = 0;
	for (;;) {
		/* Try before polling: TLS may hold decrypted bytes. */
		rc = curl_easy_recv(c->curl, c->rbuf, sizeof(c->rbuf), &n);
		if (rc == CURLE_AGAIN) {
			if (wait_sock(c, POLLIN) != 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return fail(c, "cannot receive: %s",
			    curl_easy_strerror(rc));
		if (n == 0)
			return fail(c, "the server closed the connection");
		c->rlen = n;
		return 0;
	}
}

/* Read a literal of n bytes: kept in c->body when keep, else dropped. */
static int
read_literal(struct imapc *c, uint64_t n, int keep)
{
	size_t k;

	if (keep) {
		c->body.len = 0;
		c->body_seen = 1;
		c->body_over = 0;
	}
	while (n > 0) {
		if (c->rpos == c->rlen && refill(c) != 0)
			return -1;
		k = c->rlen - c->rpos;
		if (k > n)
			k = (size_t)n;
		if (keep && !c->body_over) {
			int rc = src_buf_add(&c->body, c->rbuf + c->rpos, k,
			    c->body_max);

			if (rc < 0)
				return fail(c, "out of memory");
			c->body_over = rc > 0;
		}
		c->rpos += k;
		n -= k;
	}
	return 0;
}

/* The size of a literal the line ends with ("{N}"), or -1 if none. */
static int64_t
literal_size(const unsigned char *p, size_t n)
{
	size_t i;
	int64_t v = 0;

	if (n < 3 || p[n - 1] != '}')
		return -1;
	for (i = n - 1; i > 0 && isdigit(p[i - 1]); i--)
		;
	if (i == 0 || p[i - 1] != '{' || i == n - 1 || n - 1 - i > 12)
		return -1;
	for (; i < n - 1; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* Whether the text before a literal names the message (BODY[]). */
static int
is_body(const unsigned char *p, size_t n)
{
	while (n > 0 && p[n - 1] != ' ')
		n--;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	return n >= 6 && strncasecmp((const char *)p + n - 6, "BODY[]", 6) ==
	    0;
}

/* One physical line into c->line (CRLF removed); 1 when it ended. */
static int
read_part(struct imapc *c)
{
	unsigned char *nl;
	size_t k;
	int rc;

	for (;;) {
		if (c->rpos == c->rlen && refill(c) != 0)
			return -1;
		nl = memchr(c->rbuf + c->rpos, '\n', c->rlen - c->rpos);
		k = (nl ? (size_t)(nl - c->rbuf) + 1 : c->rlen) - c->rpos;
		rc = src_buf_add(&c->line, c->rbuf + c->rpos, k, LINE_CAP);
		if (rc != 0)
			return fail(c, rc < 0 ? "out of memory" : "a reply line "
			    "from the server is longer than 16 MiB");
		c->rpos += k;
		if (nl != NULL)
			break;
	}
	c->line.len--;
	if (c->line.len > 0 && c->line.p[c->line.len - 1] == '\r')
		c->line.len--;
	return 0;
}

/* A whole reply line, its literals read; NUL-ended in c->line. */
static int
read_line(struct imapc *c)
{
	int64_t lit;

	c->line.len = 0;
	for (;;) {
		if (read_part(c) != 0)
			return -1;
		if ((lit = literal_size(c->line.p, c->line.len)) < 0)
			break;
		if (lit > LITERAL_MAX)
			return fail(c, "the server announced %lld bytes in "
			    "one piece", (long long)lit);
		if (read_literal(c, (uint64_t)lit, is_body(c->line.p,
		    c->line.len)) != 0)
			return -1;
	}
	if (src_buf_add(&c->line, "", 1, LINE_CAP + 1) != 0)
		return fail(c, "out of memory");
	c->line.len--;
	return 0;
}

/* Read replies up to the one tagged tag (tl bytes, with its space). */
static int
read_replies(struct imapc *c, const char *tag, size_t tl, imapc_line_fn *fn,
    void *arg)
{
	for (;;) {
		if (read_line(c) != 0)
			return -1;
		if (c->line.len >= tl && memcmp(c->line.p, tag, tl) == 0)
			return 0;
		if (c->line.len >= 6 &&
		    strncasecmp((char *)c->line.p, "* BYE ", 6) == 0)
			return fail(c, "the server closed the connection: %s",
			    (char *)c->line.p + 6);
		if (c->line.len >= 2 && memcmp(c->line.p, "* ", 2) == 0 &&
		    fn != NULL)
			fn(arg, (char *)c->line.p + 2, c->line.len - 2);
	}
}

int
imapc_cmd(struct imapc *c, imapc_line_fn *fn, void *arg, const char *fmt,
    ...)
{
	char cmd[CMD_MAX], tag[16];
	size_t tl, n;
	va_list ap;
	int w;

	if (c->dead)
		return -1;
	tl = (size_t)snprintf(tag, sizeof(tag), "v%u ", ++c->tag);
	memcpy(cmd, tag, tl);
	va_start(ap, fmt);
	w = vsnprintf(cmd + tl, sizeof(cmd) - tl - 2, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(cmd) - tl - 2)
		return fail(c, "command too long");
	n = tl + (size_t)w;
	memcpy(cmd + n, "\r\n", 2);
	c->body_seen = 0;
	if (send_all(c, cmd, n + 2) != 0 ||
	    read_replies(c, tag, tl, fn, arg) != 0) {
		c->dead = 1;
		return -1;
	}
	if (strncasecmp((char *)c->line.p + tl, "OK", 2) == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s", (char *)c->line.p + tl);
	return 1;
}

int
imapc_body(const struct imapc *c, const void **data, size_t *len)
{
	*data = c->body.p;
	*len = c->body.len;
	if (!c->body_seen)
		return 0;
	return c->body_over ? 2 : 1;
}

const char *
imapc_error(const struct imapc *c)
{
	return c->err;
}

static int
login(struct imapc *c, const struct imapc_conf *cf)
{
	CURLcode rc;

	curl_easy_setopt(c->curl, CURLOPT_URL, cf->url);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, cf->user);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, cf->password);
	curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_USE_SSL, cf->starttls ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)cf->timeout_s);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err);
	if (cf->ca != NULL)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, cf->ca);
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_LOGIN_DENIED)
		return fail(c, "login refused for this user and password");
	if (rc == CURLE_USE_SSL_FAILED)
		return fail(c, "the server offers no STARTTLS (use imaps://, "
		    "or a loopback address)");
	if (rc != CURLE_OK)
		return fail(c, "%s", c->curl_err[0] ? c->curl_err :
		    curl_easy_strerror(rc));
	rc = curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &c->sock);
	if (rc != CURLE_OK || c->sock == CURL_SOCKET_BAD)
		return fail(c, "no connection after login");
	return 0;
}

int
imapc_open(const struct imapc_conf *cf, struct imapc **out, char *err,
    size_t len)
{
	struct imapc *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->curl = curl_easy_init()) == NULL) {
		free(c);
		snprintf(err, len, "out of memory");
		return -1;
	}
	c->timeout_ms = (int)cf->timeout_s * 1000;
	c->body_max = cf->body_max;
	if (login(c, cf) != 0) {
		snprintf(err, len, "%s", c->err);
		imapc_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

void
imapc_close(struct imapc *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	src_buf_free(&c->line);
	src_buf_free(&c->body);
	free(c);
}

int
imapc_quote(char *out, size_t len, const char *s)
{
	size_t n = 0;

	if (len < 3)
		return -1;
	out[n++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f)
			return -1;
		if (n + 4 > len)
			return -1;
		if (ch == '"' || ch == '\\')
			out[n++] = '\\';
		out[n++] = (char)ch;
	}
	out[n++] = '"';
	out[n] = '\0';
	return 0;
}
