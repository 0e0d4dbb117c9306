/*
 * report_src_imap.c - the IMAP source (report_src.h): the UNSEEN messages
 * of one mailbox, imap://[user@]host[:port]/MAILBOX or imaps://...
 *
 * After login: CAPABILITY (is there MOVE, UIDPLUS?), CREATE of the
 * --move-to folder (a NO because it exists is fine), SELECT, then UID
 * SEARCH UNSEEN (RFC 3501 6.4.4, 6.4.8).  Each message is fetched with
 * UID FETCH n (BODY.PEEK[]), which leaves it unseen; once processed it
 * gets UID STORE +FLAGS.SILENT (\Seen) and, with a folder, UID MOVE (RFC
 * 6851) or, without MOVE, UID COPY + \Deleted + UID EXPUNGE (RFC 4315)
 * or, without UIDPLUS either, EXPUNGE (which also removes any other
 * message already flagged \Deleted in the mailbox).  A message the
 * server would not hand over (a NO to the FETCH) is rejected but left
 * unseen, to be tried again by the next run.
 *
 * Security: a password in the URL is refused (it would show in ps and
 * shell history).  imaps:// is TLS from the start; imap:// to anything
 * but a loopback address must upgrade with STARTTLS, so that the
 * password never crosses a network in clear.  Certificates are verified
 * (against --imap-ca, else the system's CAs).
 *
 * Mailbox names: printable ASCII, as the URL carries them (%-escapes
 * decoded); a name with other characters must be given in modified
 * UTF-7 (RFC 3501 5.1.3).  At most IMAP_UIDS messages are taken per run;
 * the others stay unseen for the next.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "report_src.h"

#define IMAP_UIDS 1000000u
#define MAILBOX_MAX 512

struct imap {
	struct src h;
	struct imapc *c;
	char mailbox[2 * MAILBOX_MAX + 3];	/* quoted */
	char move[2 * MAILBOX_MAX + 3];		/* quoted, or "" */
	char *base;			/* the spec, for item names */
	char *name;
	size_t namecap;
	int has_move, has_uidplus, oom;
	int unread;			/* the last FETCH failed */
	uint64_t *uids;
	size_t n, cap, next;
	char why[SRC_ERR_MAX];
};

/* What the URL says. */
struct imap_url {
	char *curl_url;		/* scheme://host:port/ */
	char *user;
	char *mailbox;
	int starttls;
};

/* ---- the URL ------------------------------------------------------------ */

static int
is_loopback(const char *host)
{
	unsigned char a[16];
	char h[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (n >= 2 && n < sizeof(h) + 2 && host[0] == '[' &&
	    host[n - 1] == ']') {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		return inet_pton(AF_INET6, h, a) == 1 &&
		    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	}
	return inet_pton(AF_INET, host, a) == 1 && a[0] == 127;
}

static void
url_free(struct imap_url *iu)
{
	curl_free(iu->curl_url);
	curl_free(iu->user);
	curl_free(iu->mailbox);
	memset(iu, 0, sizeof(*iu));
}

/* The parts of url that must be there, and those that must not. */
static const char *
url_check(CURLU *u, struct imap_url *iu)
{
	char *s = NULL, *host = NULL;
	const char *why = NULL;

	if (curl_url_get(u, CURLUPART_PASSWORD, &s, 0) == CURLUE_OK)
		why = "a password in the URL is refused: use "
		    "--imap-password-file or $VOUCH_IMAP_PASSWORD";
	else if (curl_url_get(u, CURLUPART_QUERY, &s, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &s, 0) == CURLUE_OK)
		why = "a URL with ?... or #... is not a mailbox";
	else if (curl_url_get(u, CURLUPART_PATH, &iu->mailbox,
	    CURLU_URLDECODE) != CURLUE_OK)
		why = "the mailbox name is not valid";
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		why = "no host";
	else
		iu->starttls = !is_loopback(host);
	curl_free(s);
	curl_free(host);
	(void)curl_url_get(u, CURLUPART_USER, &iu->user, CURLU_URLDECODE);
	return why;
}

static int
url_parse(const char *url, struct imap_url *iu, char *err, size_t len)
{
	const char *why = "not a valid IMAP URL";
	CURLU *u;
	size_t n;

	memset(iu, 0, sizeof(*iu));
	if ((u = curl_url()) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto fail;
	if ((why = url_check(u, iu)) != NULL)
		goto fail;
	why = "not a valid IMAP URL";
	if (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, "/", 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &iu->curl_url, 0) != CURLUE_OK)
		goto fail;
	n = strlen(iu->mailbox);
	while (n > 0 && iu->mailbox[n - 1] == '/')
		iu->mailbox[--n] = '\0';
	why = "no mailbox: imap://host/MAILBOX";
	if (n <= 1)
		goto fail;
	curl_url_cleanup(u);
	return 0;
fail:
	snprintf(err, len, "%s", why);
	curl_url_cleanup(u);
	url_free(iu);
	return -1;
}

/* ---- replies ------------------------------------------------------------ */

static int
word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static void
on_capability(void *arg, const char *line, size_t len)
{
	struct imap *im = arg;
	const char *p = line, *end = line + len, *sp;

	if (len < 11 || strncasecmp(line, "CAPABILITY", 10) != 0)
		return;
	while (p < end) {
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			sp = end;
		if (word_is(p, (size_t)(sp - p), "MOVE"))
			im->has_move = 1;
		if (word_is(p, (size_t)(sp - p), "UIDPLUS"))
			im->has_uidplus = 1;
		p = sp + 1;
	}
}

static void
on_search(void *arg, const char *line, size_t len)
{
	struct imap *im = arg;
	const char *p = line + 6;
	unsigned long long v;
	uint64_t *nu;
	char *end;

	if (len < 6 || strncasecmp(line, "SEARCH", 6) != 0)
		return;
	while (*p == ' ' && im->n < IMAP_UIDS) {
		v = strtoull(p + 1, &end, 10);
		if (end == p + 1 || v == 0)
			break;
		p = end;
		if (im->n == im->cap) {
			if ((nu = realloc(im->uids, (im->cap * 2 + 256) *
			    sizeof(*nu))) == NULL) {
				im->oom = 1;
				return;
			}
			im->uids = nu;
			im->cap = im->cap * 2 + 256;
		}
		im->uids[im->n++] = v;
	}
}

static int
cmp_uid(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A failed command: the connection's error, or the server's NO. */
static int
cmd_fail(struct imap *im, int rc, const char *what)
{
	if (rc < 0)
		return src_fail(&im->h, "%s", imapc_error(im->c));
	return src_fail(&im->h, "%s: %s", what, imapc_error(im->c));
}

/* CAPABILITY, CREATE, SELECT and SEARCH. */
static int
imap_start(struct imap *im, const char *mailbox)
{
	int rc;

	if ((rc = imapc_cmd(im->c, on_capability, im, "CAPABILITY")) != 0)
		return cmd_fail(im, rc, "CAPABILITY");
	if (im->move[0] != '\0' &&
	    imapc_cmd(im->c, NULL, NULL, "CREATE %s", im->move) < 0)
		return cmd_fail(im, -1, "");
	if ((rc = imapc_cmd(im->c, NULL, NULL, "SELECT %s", im->mailbox)) != 0)
		return src_fail(&im->h, "cannot open mailbox %s: %s", mailbox,
		    imapc_error(im->c));
	if ((rc = imapc_cmd(im->c, on_search, im, "UID SEARCH UNSEEN")) != 0)
		return cmd_fail(im, rc, "UID SEARCH UNSEEN");
	if (im->oom)
		return src_fail(&im->h, "out of memory");
	if (im->n > 1)
		qsort(im->uids, im->n, sizeof(*im->uids), cmp_uid);
	im->h.total = im->n;
	return 0;
}

/* ---- the source --------------------------------------------------------- */

static int
item_error(struct imap *im, struct src_item *it, const char *what)
{
	snprintf(im->why, sizeof(im->why), "%s", what);
	it->error = im->why;
	return 1;
}

static int
imap_next(struct src *s, struct src_item *it)
{
	struct imap *im = (struct imap *)s;
	const void *d;
	size_t len;
	uint64_t uid;
	int rc;

	while (im->next < im->n) {
		uid = im->uids[im->next++];
		snprintf(im->name, im->namecap, "%s/;UID=%llu", im->base,
		    (unsigned long long)uid);
		it->name = im->name;
		it->uid = uid;
		rc = imapc_cmd(im->c, NULL, NULL, "UID FETCH %llu (BODY.PEEK[])",
		    (unsigned long long)uid);
		if (rc < 0)
			return cmd_fail(im, rc, "");
		/* Not read, so not processed: it stays for the next run. */
		im->unread = rc > 0;
		if (im->unread)
			return item_error(im, it, imapc_error(im->c));
		rc = imapc_body(im->c, &d, &len);
		if (rc == 0)	/* expunged meanwhile by someone else */
			continue;
		if (rc == 2) {
			snprintf(im->why, sizeof(im->why), "larger than %zu "
			    "MiB (the limit for one message)",
			    s->o.email_max >> 20);
			it->error = im->why;
			return 1;
		}
		it->data = d;
		it->len = len;
		return 1;
	}
	return 0;
}

static int
imap_done(struct src *s, const struct src_item *it, enum src_outcome oc)
{
	struct imap *im = (struct imap *)s;
	unsigned long long uid = it->uid;
	int rc;

	if (oc == SRC_KEEP || uid == 0 || im->unread)
		return 0;
	rc = imapc_cmd(im->c, NULL, NULL, "UID STORE %llu +FLAGS.SILENT "
	    "(\\Seen)", uid);
	if (rc != 0)
		return cmd_fail(im, rc, "cannot mark a message seen");
	if (im->move[0] == '\0')
		return 0;
	if (im->has_move)
		rc = imapc_cmd(im->c, NULL, NULL, "UID MOVE %llu %s", uid,
		    im->move);
	else if ((rc = imapc_cmd(im->c, NULL, NULL, "UID COPY %llu %s", uid,
	    im->move)) == 0 && (rc = imapc_cmd(im->c, NULL, NULL, "UID STORE "
	    "%llu +FLAGS.SILENT (\\Deleted)", uid)) == 0)
		rc = im->has_uidplus ? imapc_cmd(im->c, NULL, NULL, "UID "
		    "EXPUNGE %llu", uid) : imapc_cmd(im->c, NULL, NULL,
		    "EXPUNGE");
	if (rc != 0)
		return cmd_fail(im, rc, "cannot move a message");
	return 0;
}

static void
imap_close(struct src *s)
{
	struct imap *im = (struct imap *)s;

	if (im->c != NULL)
		(void)imapc_cmd(im->c, NULL, NULL, "LOGOUT");
	imapc_close(im->c);
	free(im->uids);
	free(im->base);
	free(im->name);
	free(im);
}

static const struct src_ops imap_ops = {imap_next, imap_done, imap_close};

static int
imap_names(struct imap *im, const char *spec, const struct imap_url *iu,
    char *err, size_t len)
{
	size_t n = strlen(spec);

	if (imapc_quote(im->mailbox, sizeof(im->mailbox), iu->mailbox + 1) !=
	    0 || (im->h.o.move_to != NULL && imapc_quote(im->move,
	    sizeof(im->move), im->h.o.move_to) != 0)) {
		snprintf(err, len, "a mailbox name must be printable ASCII, "
		    "at most %d bytes (modified UTF-7 for others, RFC 3501 "
		    "5.1.3)", MAILBOX_MAX);
		return -1;
	}
	while (n > 0 && spec[n - 1] == '/')
		n--;
	im->namecap = n + 32;
	if ((im->base = strndup(spec, n)) == NULL ||
	    (im->name = malloc(im->namecap)) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

static int
imap_login(struct imap *im, const struct imap_url *iu, char *err,
    size_t len)
{
	struct imapc_conf cf;
	const struct src_opts *o = &im->h.o;

	memset(&cf, 0, sizeof(cf));
	cf.url = iu->curl_url;
	cf.user = o->imap_user != NULL ? o->imap_user : iu->user;
	cf.password = o->imap_password;
	cf.ca = o->imap_ca;
	cf.starttls = iu->starttls;
	cf.timeout_s = o->timeout_s;
	cf.body_max = o->email_max;
	if (cf.user == NULL || cf.user[0] == '\0') {
		snprintf(err, len, "no user: imap://USER@host/MAILBOX or "
		    "--imap-user");
		return -1;
	}
	if (cf.password == NULL) {
		snprintf(err, len, "no password: --imap-password-file or "
		    "$VOUCH_IMAP_PASSWORD");
		return -1;
	}
	return imapc_open(&cf, &im->c, err, len);
}

int
src_imap_open(const char *url, const struct src_opts *o, struct src **out,
    char *err, size_t len)
{
	struct imap_url iu;
	struct imap *im;

	*out = NULL;
	if (url_parse(url, &iu, err, len) != 0)
		return -1;
	if ((im = calloc(1, sizeof(*im))) == NULL) {
		url_free(&iu);
		snprintf(err, len, "out of memory");
		return -1;
	}
	im->h.ops = &imap_ops;
	im->h.o = *o;
	if (imap_names(im, url, &iu, err, len) != 0 ||
	    imap_login(im, &iu, err, len) != 0)
		goto fail;
	if (imap_start(im, iu.mailbox + 1) != 0) {
		snprintf(err, len, "%s", im->h.err);
		goto fail;
	}
	url_free(&iu);
	*out = &im->h;
	return 0;
fail:
	url_free(&iu);
	imap_close(&im->h);
	return -1;
}
