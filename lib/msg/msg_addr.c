/*
 * msg_addr.c - address lists (RFC 5322 section 3.4 with the obsolete
 * forms of section 4.4: obs-phrase, obs-local-part, obs-domain,
 * obs-angle-addr with a route, obs-addr-list and obs-group-list).
 *
 * Recursive descent over the tokens of msg_lex.c.  The words in front of
 * an address are read once, building its would-be local part as they
 * come; the token that follows them decides what they were: '<' a display
 * name, ':' a group name, '@' a local part.  Anything else is refused:
 * SECURITY.md wants a malformed From to fail closed, never to be guessed
 * at.  An encoded word can only be display-name text: if one stands where
 * a local part or a domain would be, the field is an error.
 */
#include <string.h>

#include "msg_int.h"

struct list_impl {
	struct vouch_addr_list pub;	/* first: what the caller holds */
	struct vouch__arena arena;
	struct vouch_addr *v;
	size_t cap;
};

struct parser {
	struct msg_lexer lx;
	struct list_impl *list;
	struct vouch__buf local;
	struct vouch__buf domain;
	struct vouch__buf text;
	const char *group;	/* name of the group being read, or NULL */
	struct vouch_error *err;
};

/* The words read before we know what they are. */
struct phrase {
	size_t items;		/* words and dots */
	size_t words;
	size_t start, end;	/* span in the field, for display text */
	int first_dot;		/* began with '.' (never a phrase) */
	int adjacent;		/* two words without a dot between */
	int eword;		/* holds an encoded word with specials */
};

static int
fail(struct parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vouch__verror(p->err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

static int
peek(struct parser *p, const struct msg_token **t)
{
	return vouch__msg_lex_peek(&p->lx, t);
}

static int
is_special(const struct msg_token *t, int c)
{
	return t->type == MT_SPECIAL && t->c == c;
}

/* Say what was found where something else had to be. */
static int
unexpected(struct parser *p, const struct msg_token *t, const char *where)
{
	if (t->type == MT_END)
		return fail(p, VOUCH_ESYNTAX, "field ends %s", where);
	if (is_special(t, '>'))
		return fail(p, VOUCH_ESYNTAX, "unbalanced '>' at offset %zu",
		    t->start);
	if (t->type == MT_SPECIAL)
		return fail(p, VOUCH_ESYNTAX, "unexpected '%c' %s at offset "
		    "%zu", t->c, where, t->start);
	return fail(p, VOUCH_ESYNTAX, "unexpected '%.*s' %s at offset %zu",
	    (int)(t->end - t->start > 40 ? 40 : t->end - t->start),
	    p->lx.s + t->start, where, t->start);
}

/* Words and dots (phrase, obs-phrase, obs-local-part), into p->local. */
static int
read_phrase(struct parser *p, struct phrase *ph)
{
	const struct msg_token *t;
	int rc, prev_word = 0;

	memset(ph, 0, sizeof(*ph));
	vouch__buf_reset(&p->local);
	for (;;) {
		if ((rc = peek(p, &t)) != 0)
			return rc;
		if (t->type != MT_ATOM && t->type != MT_QSTR &&
		    !is_special(t, '.'))
			return 0;
		if (ph->items++ == 0) {
			ph->start = t->start;
			ph->first_dot = t->type == MT_SPECIAL;
		}
		ph->end = t->end;
		if (t->type != MT_SPECIAL) {
			ph->adjacent |= prev_word;
			ph->eword |= t->eword;
			ph->words++;
		}
		prev_word = t->type != MT_SPECIAL;
		if ((rc = vouch__msg_tok_text(&p->lx, t, &p->local)) != 0)
			return rc;
		vouch__msg_lex_consume(&p->lx);
	}
}

/* The unfolded text of a phrase, kept in the list's arena. */
static int
phrase_text(struct parser *p, const struct phrase *ph, const char **out)
{
	int rc;

	vouch__buf_reset(&p->text);
	if (ph->items > 0 &&
	    (rc = vouch__msg_unfold(p->lx.s, ph->start, ph->end,
	    &p->text)) != 0)
		return rc;
	*out = vouch__arena_memdup(&p->list->arena,
	    p->text.data ? p->text.data : "", p->text.len);
	return *out == NULL ? VOUCH_ENOMEM : 0;
}

/* local-part: dot-atom / quoted-string / obs-local-part (3.4.1, 4.4) */
static int
check_local(struct parser *p, const struct phrase *ph, size_t at)
{
	if (ph->eword)
		return fail(p, VOUCH_ESYNTAX, "an encoded word cannot be an "
		    "address (local part ending at offset %zu)", at);
	if (ph->words == 0 || p->local.len == 0)
		return fail(p, VOUCH_ESYNTAX, "empty local part before '@' "
		    "at offset %zu", at);
	if (ph->adjacent)
		return fail(p, VOUCH_ESYNTAX, "words not joined by '.' in the "
		    "local part before '@' at offset %zu", at);
	return 0;
}

/* domain = dot-atom / domain-literal / obs-domain, into p->domain. */
static int
read_domain(struct parser *p, int *literal)
{
	const struct msg_token *t;
	size_t at = p->lx.pos;
	int rc;

	vouch__buf_reset(&p->domain);
	*literal = 0;
	if ((rc = peek(p, &t)) != 0)
		return rc;
	if (t->type == MT_DLIT) {
		*literal = 1;
		rc = vouch__msg_tok_text(&p->lx, t, &p->domain);
		vouch__msg_lex_consume(&p->lx);
		return rc;
	}
	for (;;) {
		if (t->type != MT_ATOM || t->eword)
			return fail(p, VOUCH_ESYNTAX, "missing or invalid "
			    "domain after '@' at offset %zu", at);
		if ((rc = vouch__msg_tok_text(&p->lx, t, &p->domain)) != 0)
			return rc;
		vouch__msg_lex_consume(&p->lx);
		if ((rc = peek(p, &t)) != 0)
			return rc;
		if (!is_special(t, '.'))
			return 0;
		if ((rc = vouch__buf_putc(&p->domain, '.')) != 0)
			return rc;
		vouch__msg_lex_consume(&p->lx);
		if ((rc = peek(p, &t)) != 0)
			return rc;
	}
}

/* Read a domain and convert it to lower-case A-labels in place. */
static int
domain_alabel(struct parser *p, int *literal)
{
	char name[MSG_DOMAIN_MAX + 2];
	size_t at = p->lx.pos;
	int rc;

	if ((rc = read_domain(p, literal)) != 0 || *literal)
		return rc;
	rc = vouch_domain_to_alabel(p->domain.data, p->domain.len, name,
	    sizeof(name));
	if (rc == VOUCH_ENOMEM)
		return rc;
	if (rc != 0)
		return fail(p, VOUCH_ESYNTAX, "invalid domain '%.*s' at offset "
		    "%zu", (int)(p->domain.len > 80 ? 80 : p->domain.len),
		    p->domain.data, at);
	vouch__buf_reset(&p->domain);
	return vouch__buf_puts(&p->domain, name);
}

static int
push_addr(struct parser *p, const char *display, int literal)
{
	struct list_impl *l = p->list;
	struct vouch_addr *a;
	size_t ncap;

	if (l->pub.count >= VOUCH_ADDR_MAX)
		return fail(p, VOUCH_ELIMIT, "more than %d addresses",
		    VOUCH_ADDR_MAX);
	if (l->pub.count == l->cap) {
		ncap = l->cap ? l->cap * 2 : 8;
		a = vouch__realloc(l->v, ncap * sizeof(*a));
		if (a == NULL)
			return VOUCH_ENOMEM;
		l->v = a;
		l->cap = ncap;
		l->pub.addr = a;
	}
	a = &l->v[l->pub.count];
	a->display = display;
	a->group = p->group;
	a->literal = literal;
	a->local = vouch__arena_memdup(&l->arena, p->local.data,
	    p->local.len);
	a->domain = vouch__arena_memdup(&l->arena, p->domain.data,
	    p->domain.len);
	if (a->local == NULL || a->domain == NULL)
		return VOUCH_ENOMEM;
	l->pub.count++;
	return 0;
}

/* local-part "@" domain, once the '@' is the current token. */
static int
addr_spec(struct parser *p, const struct phrase *ph, const char *display,
    size_t at)
{
	int rc, literal;

	if ((rc = check_local(p, ph, at)) != 0)
		return rc;
	vouch__msg_lex_consume(&p->lx);
	if ((rc = domain_alabel(p, &literal)) != 0)
		return rc;
	return push_addr(p, display, literal);
}

/* obs-route = obs-domain-list ":" (4.4); the route is read and dropped. */
static int
skip_route(struct parser *p, size_t lt)
{
	const struct msg_token *t;
	int rc, literal, need_at = 1;

	for (;;) {
		if ((rc = peek(p, &t)) != 0)
			return rc;
		if (is_special(t, ':') && !need_at) {
			vouch__msg_lex_consume(&p->lx);
			return 0;
		}
		if (is_special(t, ',')) {
			need_at = 0;
			vouch__msg_lex_consume(&p->lx);
			continue;
		}
		if (!is_special(t, '@'))
			return fail(p, VOUCH_ESYNTAX, "invalid route in the "
			    "'<' at offset %zu", lt);
		vouch__msg_lex_consume(&p->lx);
		if ((rc = domain_alabel(p, &literal)) != 0)
			return rc;
		need_at = 0;
		if ((rc = peek(p, &t)) != 0)
			return rc;
		if (!is_special(t, ',') && !is_special(t, ':'))
			return fail(p, VOUCH_ESYNTAX, "invalid route in the "
			    "'<' at offset %zu", lt);
	}
}

/* angle-addr / obs-angle-addr, with the '<' as the current token. */
static int
angle_addr(struct parser *p, const char *display)
{
	const struct msg_token *t;
	struct phrase ph;
	size_t lt = p->lx.tok.start;
	int rc;

	vouch__msg_lex_consume(&p->lx);
	if ((rc = peek(p, &t)) != 0)
		return rc;
	if ((is_special(t, '@') || is_special(t, ',')) &&
	    (rc = skip_route(p, lt)) != 0)
		return rc;
	if ((rc = read_phrase(p, &ph)) != 0 || (rc = peek(p, &t)) != 0)
		return rc;
	if (t->type == MT_END)
		return fail(p, VOUCH_ESYNTAX, "unbalanced '<' at offset %zu",
		    lt);
	if (is_special(t, '>'))
		return fail(p, VOUCH_ESYNTAX, ph.items == 0 ?
		    "empty address in the '<' at offset %zu" :
		    "address without a domain in the '<' at offset %zu", lt);
	if (!is_special(t, '@'))
		return unexpected(p, t, "inside '<' '>'");
	if ((rc = addr_spec(p, &ph, display, t->start)) != 0 ||
	    (rc = peek(p, &t)) != 0)
		return rc;
	if (t->type == MT_END)
		return fail(p, VOUCH_ESYNTAX, "unbalanced '<' at offset %zu",
		    lt);
	if (!is_special(t, '>'))
		return unexpected(p, t, "after the address in '<' '>'");
	vouch__msg_lex_consume(&p->lx);
	return 0;
}

static int parse_address(struct parser *p);

/* group = display-name ":" [group-list] ";" [CFWS] (3.4, 4.4) */
static int
group(struct parser *p, const struct phrase *ph, size_t colon)
{
	const struct msg_token *t;
	int rc;

	if (p->group != NULL)
		return fail(p, VOUCH_ESYNTAX, "a group inside a group at "
		    "offset %zu", colon);
	if (ph->words == 0 || ph->first_dot)
		return fail(p, VOUCH_ESYNTAX, "group without a name at offset "
		    "%zu", colon);
	if ((rc = phrase_text(p, ph, &p->group)) != 0)
		return rc;
	p->list->pub.groups++;
	vouch__msg_lex_consume(&p->lx);
	for (;;) {
		if ((rc = peek(p, &t)) != 0)
			return rc;
		if (is_special(t, ';'))
			break;
		if (t->type == MT_END)
			return fail(p, VOUCH_ESYNTAX, "group at offset %zu is "
			    "not closed with ';'", colon);
		if (is_special(t, ',')) {
			vouch__msg_lex_consume(&p->lx);
			continue;
		}
		if ((rc = parse_address(p)) != 0 || (rc = peek(p, &t)) != 0)
			return rc;
		if (!is_special(t, ',') && !is_special(t, ';') &&
		    t->type != MT_END)
			return unexpected(p, t, "after an address");
	}
	vouch__msg_lex_consume(&p->lx);
	p->group = NULL;
	return 0;
}

/* address = mailbox / group; mailbox = name-addr / addr-spec (3.4) */
static int
parse_address(struct parser *p)
{
	const struct msg_token *t;
	const char *display;
	struct phrase ph;
	int rc;

	if ((rc = read_phrase(p, &ph)) != 0 || (rc = peek(p, &t)) != 0)
		return rc;
	if (is_special(t, '<')) {
		if (ph.items > 0 && (ph.words == 0 || ph.first_dot))
			return fail(p, VOUCH_ESYNTAX, "invalid display name "
			    "at offset %zu", ph.start);
		if ((rc = phrase_text(p, &ph, &display)) != 0)
			return rc;
		return angle_addr(p, display);
	}
	if (is_special(t, ':'))
		return group(p, &ph, t->start);
	if (is_special(t, '@'))
		return addr_spec(p, &ph, "", t->start);
	if (ph.items == 0)
		return unexpected(p, t, "where an address should be");
	if (t->type == MT_END || is_special(t, ',') || is_special(t, ';'))
		return fail(p, VOUCH_ESYNTAX, "address without a domain at "
		    "offset %zu", ph.start);
	return unexpected(p, t, "after a word");
}

/* address-list / obs-addr-list: empty members between commas allowed. */
static int
parse_list(struct parser *p)
{
	const struct msg_token *t;
	int rc;

	for (;;) {
		if ((rc = peek(p, &t)) != 0)
			return rc;
		if (t->type == MT_END)
			break;
		if (is_special(t, ',')) {
			vouch__msg_lex_consume(&p->lx);
			continue;
		}
		if ((rc = parse_address(p)) != 0 || (rc = peek(p, &t)) != 0)
			return rc;
		if (t->type != MT_END && !is_special(t, ','))
			return unexpected(p, t, "after an address");
	}
	if (p->list->pub.count == 0 && p->list->pub.groups == 0)
		return fail(p, VOUCH_ESYNTAX, "no address in the field");
	return 0;
}

void
vouch_addr_list_free(struct vouch_addr_list *list)
{
	struct list_impl *l = (struct list_impl *)list;

	if (l == NULL)
		return;
	vouch__arena_free(&l->arena);
	vouch__free(l->v);
	vouch__free(l);
}

int
vouch_addr_parse(const char *value, size_t len,
    struct vouch_addr_list **out, struct vouch_error *err)
{
	struct parser p;
	int rc;

	if (out == NULL || (value == NULL && len > 0))
		return vouch__error(err, VOUCH_EINVAL, 0, "invalid argument");
	*out = NULL;
	if ((rc = vouch__check_field_bytes(value, len, err)) != 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.err = err;
	vouch__msg_lex_init(&p.lx, value, len, err);
	p.list = vouch__calloc(1, sizeof(*p.list));
	if (p.list == NULL)
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	vouch__arena_init(&p.list->arena, 0);
	/* Room for what the field holds, plus an A-label's growth. */
	vouch__buf_init(&p.local, len + MSG_DOMAIN_MAX + 2);
	vouch__buf_init(&p.domain, len + MSG_DOMAIN_MAX + 2);
	vouch__buf_init(&p.text, len + MSG_DOMAIN_MAX + 2);
	rc = parse_list(&p);
	if (rc == VOUCH_ENOMEM)
		vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	vouch__buf_free(&p.local);
	vouch__buf_free(&p.domain);
	vouch__buf_free(&p.text);
	if (rc != 0) {
		vouch_addr_list_free(&p.list->pub);
		return rc;
	}
	*out = &p.list->pub;
	return 0;
}
