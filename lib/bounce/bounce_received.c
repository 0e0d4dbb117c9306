/*
 * bounce_received.c - one Received field (RFC 5321 4.4 Stamp, with the
 * clauses in any order and the comments real MTAs write):
 *
 *   Postfix   from helo (rdns [ip]) by host (Postfix) with ESMTPS id X
 *             for <rcpt>; date
 *   Sendmail  from helo (user@rdns [ip] (may be forged)) by ...
 *   Exim      from [ip] (helo=x) by ... / from rdns ([ip] helo=x) by ...
 *   qmail     from unknown (HELO x) (ip) by ...
 *   Microsoft from host (2603:10a6:208:ac::12) by host (2603:...) with
 *             Microsoft SMTP Server (version=...) id 15.20.1.2; date
 *   Gmail     from host (host. [ip]) by mx.google.com with ESMTPS id X;
 *             and "by 2002:a05:6a10:... with SMTP id X; date"
 *
 * The connecting address is the first address in the comments of the
 * from clause ("[ip]", "[IPv6:ip]", or a bare address), else the from
 * name itself when it is an address literal (Exim without reverse DNS):
 * the name after "from" is what the client said in HELO for Postfix and
 * Sendmail, so an address there is only believed when the comment has
 * none.  When the comment names the HELO explicitly (Exim helo=, qmail
 * HELO), the name after "from" is the receiver's reverse-DNS name.
 * Comments nest without recursion (a depth counter); an unbalanced one
 * runs to the end of the field.
 */
#include <string.h>

#include <vouch/msg.h>

#include "bounce_int.h"

enum clause { CL_NONE, CL_FROM, CL_BY, CL_VIA, CL_WITH, CL_ID, CL_FOR };

struct vouch__received {
	struct vouch_received pub;
	struct vouch__arena arena;
};

struct rparse {
	struct bctx c;		/* only its arena and oom flag */
	struct vouch_received *r;
	enum clause cl;
	int want;		/* the clause's value comes next */
	int from_literal;	/* the from name is an address (literal) */
	struct vouch_ip from_ip;
};

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The end of the comment opening at s[i] (past its ")"), or n. */
static size_t
comment_end(const char *s, size_t n, size_t i)
{
	unsigned long depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return n;
}

/* The end of the word at s[i]: an address literal or angle address to
 * its closing bracket, anything else to white space, "(" or ";". */
static size_t
word_end(const char *s, size_t n, size_t i)
{
	const char *close;

	if (s[i] == '[' || s[i] == '<') {
		close = memchr(s + i, s[i] == '[' ? ']' : '>', n - i);
		if (close != NULL)
			return (size_t)(close - s) + 1;
	}
	while (i < n && !is_space(s[i]) && s[i] != '(' && s[i] != ';')
		i++;
	return i;
}

/* The address in t ("[ip]", "[IPv6:ip]", "[ip]:port" or a bare one). */
static int
address(const char *t, size_t n, struct vouch_ip *ip)
{
	char buf[64];
	const char *close;

	if (n > 0 && t[0] == '[') {
		if ((close = memchr(t, ']', n)) == NULL)
			return 0;
		n = (size_t)(close - t) - 1;
		t++;
		if (n > 5 && vouch__strncaseeq(t, "IPv6:", 5)) {
			t += 5;
			n -= 5;
		}
	}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (vouch_ip_parse(buf, ip) != 0)
		return 0;
	vouch_ip_unmap(ip);
	return 1;
}

static const char *
text(struct rparse *rp, const char *s, size_t n)
{
	return vouch__bounce_str(&rp->c, s, n);
}

/* One word of a from comment; first: the comment's first word. */
static void
comment_word(struct rparse *rp, const char *t, size_t n, int first,
    int has_literal, int *helo_next)
{
	struct vouch_received *r = rp->r;
	const char *at;

	if (*helo_next) {
		*helo_next = 0;
		if (r->helo == NULL)
			r->helo = text(rp, t, n);
	} else if (n == 4 && vouch__strncaseeq(t, "HELO", 4)) {
		*helo_next = 1;
	} else if (n > 5 && vouch__strncaseeq(t, "helo=", 5)) {
		if (r->helo == NULL)
			r->helo = text(rp, t + 5, n - 5);
	} else if (!r->has_ip && address(t, n, &r->ip)) {
		r->has_ip = 1;
	} else if (first && has_literal && t[0] != '[' &&
	    !(n == 7 && vouch__strncaseeq(t, "unknown", 7))) {
		/* Sendmail's "user@rdns" keeps the ident user before '@'. */
		if ((at = memchr(t, '@', n)) != NULL) {
			n -= (size_t)(at + 1 - t);
			t = at + 1;
		}
		if (n > 1 && t[n - 1] == '.')
			n--;
		if (r->from_rdns == NULL && n > 0)
			r->from_rdns = text(rp, t, n);
	}
}

/* A comment of the from clause, nested comments flattened. */
static void
from_comment(struct rparse *rp, const char *s, size_t n)
{
	size_t i = 0, e;
	int first = 1, helo_next = 0, has_literal;

	has_literal = memchr(s, '[', n) != NULL;
	while (i < n) {
		while (i < n && (is_space(s[i]) || s[i] == '(' ||
		    s[i] == ')'))
			i++;
		for (e = i; e < n && !is_space(s[e]) && s[e] != '(' &&
		    s[e] != ')'; e++)
			;
		if (e > i)
			comment_word(rp, s + i, e - i, first, has_literal,
			    &helo_next);
		first = 0;
		i = e;
	}
}

static enum clause
keyword(const char *t, size_t n)
{
	static const struct {
		const char *word;
		enum clause cl;
	} kw[] = {
		{ "from", CL_FROM }, { "by", CL_BY }, { "via", CL_VIA },
		{ "with", CL_WITH }, { "id", CL_ID }, { "for", CL_FOR },
	};
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (vouch__memcaseeq(t, n, kw[i].word))
			return kw[i].cl;
	return CL_NONE;
}

static void
value(struct rparse *rp, const char *t, size_t n)
{
	struct vouch_received *r = rp->r;

	switch (rp->cl) {
	case CL_FROM:
		r->from_name = text(rp, t, n);
		rp->from_literal = address(t, n, &rp->from_ip);
		break;
	case CL_BY:
		r->by = text(rp, t, n);
		break;
	case CL_WITH:
		r->with = text(rp, t, n);
		break;
	case CL_ID:
		r->id = text(rp, t, n);
		break;
	case CL_FOR:
		if (n >= 2 && t[0] == '<' && t[n - 1] == '>') {
			t++;
			n -= 2;
		}
		r->for_addr = text(rp, t, n);
		break;
	default:
		break;
	}
}

static void
clauses(struct rparse *rp, const char *s, size_t n)
{
	size_t i = 0, e;
	enum clause k;

	while (i < n) {
		if (is_space(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '(') {
			e = comment_end(s, n, i);
			if (rp->cl == CL_FROM)
				from_comment(rp, s + i + 1, e - i - 1);
			i = e;
			continue;
		}
		e = word_end(s, n, i);
		if (e == i)
			e++;	/* a stray ';' */
		k = keyword(s + i, e - i);
		if (k != CL_NONE && !(rp->want && rp->cl == CL_FOR)) {
			rp->cl = k;
			rp->want = 1;
		} else if (rp->want) {
			value(rp, s + i, e - i);
			rp->want = 0;
		}
		i = e;
	}
}

/* The ';' that starts the date: the last one outside comments. */
static size_t
date_semicolon(const char *s, size_t n)
{
	size_t i = 0, semi = n;

	while (i < n) {
		if (s[i] == '(') {
			i = comment_end(s, n, i);
			continue;
		}
		if (s[i] == ';')
			semi = i;
		i++;
	}
	return semi;
}

static void
finish(struct rparse *rp)
{
	struct vouch_received *r = rp->r;

	if (!r->has_ip && rp->from_literal) {
		r->ip = rp->from_ip;
		r->has_ip = 1;
	}
	/* Exim and qmail: with the HELO in the comment, the from name is
	 * the reverse-DNS name (or "unknown"). */
	if (r->helo != NULL && r->from_rdns == NULL && r->from_name != NULL &&
	    !rp->from_literal && strcmp(r->from_name, "unknown") != 0)
		r->from_rdns = r->from_name;
}

int
vouch_received_parse(const char *value, size_t len,
    struct vouch_received **out, struct vouch_error *err)
{
	struct vouch__received *rx;
	struct vouch_received *r;
	struct rparse rp;
	size_t semi;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (out == NULL || (value == NULL && len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "no input");
	*out = NULL;
	if (len > VOUCH_MSG_FIELD_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "Received field of "
		    "%zu bytes is over the limit of %u bytes", len,
		    VOUCH_MSG_FIELD_MAX);
	if ((rx = vouch__calloc(1, sizeof(*rx))) == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	vouch__arena_init(&rx->arena, 0);
	memset(&rp, 0, sizeof(rp));
	rp.c.a = &rx->arena;
	rp.r = r = &rx->pub;
	semi = len > 0 ? date_semicolon(value, len) : 0;
	clauses(&rp, value, semi);
	if (semi < len) {
		r->date = text(&rp, value + semi + 1, len - semi - 1);
		if (r->date != NULL && r->date[0] == '\0')
			r->date = NULL;
	}
	finish(&rp);
	if (rp.c.oom) {
		vouch_received_free(r);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	if (r->from_name == NULL && r->by == NULL && r->with == NULL &&
	    r->id == NULL && r->for_addr == NULL && r->date == NULL) {
		vouch_received_free(r);
		return vouch__error(err, VOUCH_ESYNTAX, 0, "not a Received "
		    "field: no from, by, with, id or for clause and no date");
	}
	*out = r;
	return 0;
}

void
vouch_received_free(struct vouch_received *r)
{
	struct vouch__received *rx = (struct vouch__received *)r;

	if (rx == NULL)
		return;
	vouch__arena_free(&rx->arena);
	vouch__free(rx);
}
