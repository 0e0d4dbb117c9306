/*
 * bounce_orig.c - the original message copied inline into the prose of a
 * plain-text bounce, after a marker line:
 *
 *   Exim      "------ This is a copy of the message, including all the
 *             headers. ------" (or "...of the message's headers."), maybe
 *             with "------ The body of the message is N characters long;
 *             only the first ..." lines before the copy;
 *   qmail     "--- Below this line is a copy of the message." (Yahoo and
 *             AOL too);
 *   Sendmail  "----- Original message follows -----" or "----- Message
 *             header follows -----";
 *   Gmail     "----- Original message -----" (the plain-text reports);
 *   Microsoft "Original message headers:" and the header section.
 *
 * The copy runs to the end of the prose; an indented copy (some relays
 * indent the whole of it) loses its common indentation.
 */
#include <string.h>

#include "bounce_int.h"

/* ---- the original inline ------------------------------------------------ */

static const struct {
	const char *marker;
	enum vouch_bounce_original kind;
} copy_marks[] = {
	{ "This is a copy of the message, including all the headers",
	    VOUCH_BOUNCE_ORIG_FULL },
	{ "This is a copy of the message's headers",
	    VOUCH_BOUNCE_ORIG_HEADERS },
	{ "Below this line is a copy of the message", VOUCH_BOUNCE_ORIG_FULL },
	{ "----- Original message follows -----", VOUCH_BOUNCE_ORIG_FULL },
	{ "----- Message header follows -----", VOUCH_BOUNCE_ORIG_HEADERS },
	{ "Original message headers:", VOUCH_BOUNCE_ORIG_HEADERS },
	{ "----- Original message -----", VOUCH_BOUNCE_ORIG_FULL },
};

enum vouch_bounce_original
vouch__bounce_copy_mark(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(copy_marks) / sizeof(copy_marks[0]); i++)
		if (vouch__bl_has(s, n, copy_marks[i].marker) != NULL)
			return copy_marks[i].kind;
	return VOUCH_BOUNCE_ORIG_NONE;
}

/* Exim's "------ The body of the message is N characters long; only the
 * first" "------ M or so are included here." as one sentence. */
static void
exim_note(struct bctx *c, struct blines *l, const char *s, size_t n)
{
	struct vouch__buf b;
	size_t save;

	vouch__buf_init(&b, 1024);
	do {
		while (n > 0 && (*s == '-' || *s == ' ')) {
			s++;
			n--;
		}
		if (vouch__buf_append(&b, s, n) != 0 ||
		    vouch__buf_putc(&b, ' ') != 0)
			break;
		save = l->pos;
		if (!vouch__bl_next(l, &s, &n) ||
		    !vouch__bl_starts(s, n, "------ ")) {
			l->pos = save;
			break;
		}
	} while (1);
	if (b.len > 0)
		c->b->truncated_note = vouch__bounce_str(c, b.data, b.len);
	vouch__buf_free(&b);
}

/* The common leading white space of every non-empty line, removed; the
 * text as it is when one line has none. */
static struct bspan
dedent(struct bctx *c, struct bspan t)
{
	struct blines l = { t.p, t.n, 0 };
	struct vouch__buf b;
	const char *s;
	size_t n, k, min = (size_t)-1;

	while (vouch__bl_next(&l, &s, &n)) {
		for (k = 0; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (k < n && k < min)
			min = k;
	}
	if (min == 0 || min == (size_t)-1)
		return t;
	vouch__buf_init(&b, t.n + 1);
	for (l.pos = 0; l.pos < t.n;) {
		s = t.p + l.pos;
		vouch__bl_next(&l, &s, &n);
		k = n < min ? n : min;
		/* The line and its own line end, less the indentation. */
		if (vouch__buf_append(&b, s + k, (size_t)(t.p + l.pos - s) -
		    k) != 0) {
			c->oom = 1;
			break;
		}
	}
	t.p = vouch__arena_memdup(c->a, b.data != NULL ? b.data : "", b.len);
	t.n = t.p != NULL ? b.len : 0;
	c->oom |= t.p == NULL;
	vouch__buf_free(&b);
	return t;
}

void
vouch__bounce_text_original(struct bctx *c)
{
	struct blines l = { c->prose.p, c->prose.n, 0 };
	enum vouch_bounce_original kind = VOUCH_BOUNCE_ORIG_NONE;
	const char *s;
	size_t n, start;

	while (kind == VOUCH_BOUNCE_ORIG_NONE && vouch__bl_next(&l, &s, &n))
		kind = vouch__bounce_copy_mark(s, n);
	if (kind == VOUCH_BOUNCE_ORIG_NONE)
		return;
	/* Empty lines and Exim's note come before the copy. */
	for (start = l.pos; vouch__bl_next(&l, &s, &n); start = l.pos) {
		if (vouch__bl_starts(s, n, "------ The body of the message is"))
			exim_note(c, &l, s, n);
		else if (n > 0 && !vouch__bl_starts(s, n, "------ "))
			break;
	}
	if (c->okind != VOUCH_BOUNCE_ORIG_NONE || start >= c->prose.n)
		return;		/* attached: only the note was wanted */
	c->orig.p = c->prose.p + start;
	c->orig.n = c->prose.n - start;
	c->orig = dedent(c, c->orig);
	c->okind = kind;
}
