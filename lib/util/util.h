/*
 * lib/util/util.h - internal helpers shared by every libvouch module:
 * allocation (one place that tests can make fail), capped growable
 * buffers, an arena for what one parse produces, small string helpers and
 * the error-struct filler.  Nothing here is exported from the library.
 *
 * Ownership: vouch__buf and vouch__arena own their memory and release it
 * in their _free(); vouch__buf_take() hands the bytes to the caller.
 * Thread safety: none of these have shared state.
 */
#ifndef VOUCH_UTIL_H
#define VOUCH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <vouch/err.h>

/* ---- allocation: all of libvouch allocates through these ------------- */
void *vouch__malloc(size_t n);
void *vouch__calloc(size_t n, size_t size);
void *vouch__realloc(void *p, size_t n);
void vouch__free(void *p);
char *vouch__strdup(const char *s);
char *vouch__strndup(const char *s, size_t n);
void *vouch__memdup(const void *p, size_t n);

/* ---- capped growable byte buffer (always NUL-terminated) -------------- */
struct vouch__buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;	/* hard cap on len; appending past it is ELIMIT */
};

void vouch__buf_init(struct vouch__buf *b, size_t max);
void vouch__buf_free(struct vouch__buf *b);
void vouch__buf_reset(struct vouch__buf *b);
int vouch__buf_append(struct vouch__buf *b, const void *p, size_t n);
int vouch__buf_puts(struct vouch__buf *b, const char *s);
int vouch__buf_putc(struct vouch__buf *b, int c);
int vouch__buf_printf(struct vouch__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the bytes to the caller (never NULL after success); b is reset. */
char *vouch__buf_take(struct vouch__buf *b);

/* ---- arena: many small allocations freed at once ---------------------- */
struct vouch__arena_chunk;
struct vouch__arena {
	struct vouch__arena_chunk *head;
	size_t total;	/* bytes handed out */
	size_t max;	/* cap on total; 0 = no cap */
};

void vouch__arena_init(struct vouch__arena *a, size_t max);
void vouch__arena_free(struct vouch__arena *a);
void *vouch__arena_alloc(struct vouch__arena *a, size_t n);
char *vouch__arena_strndup(struct vouch__arena *a, const char *s, size_t n);
char *vouch__arena_strdup(struct vouch__arena *a, const char *s);
/* printf into the arena, the text cut at max - 1 bytes (max at most
 * VOUCH__ARENA_FMT_MAX); NULL, with *nomem set, when out of memory (the
 * flag the callers' contexts carry). */
#define VOUCH__ARENA_FMT_MAX 4096
char *vouch__arena_vfmt(struct vouch__arena *a, size_t max, int *nomem,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
void *vouch__arena_memdup(struct vouch__arena *a, const void *p, size_t n);

/* ---- strings ----------------------------------------------------------- */
int vouch__strcaseeq(const char *a, const char *b);
int vouch__strncaseeq(const char *a, const char *b, size_t n);
/* a (alen bytes) equals the NUL-terminated b, ignoring ASCII case.
 * Inline, so that the length of a literal b is known at compile time:
 * field names are compared this way for every field of a message. */
static inline int
vouch__memcaseeq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && vouch__strncaseeq(a, b, alen);
}
/* ASCII only, whatever the locale.  Inline: called for every octet of
 * names compared and hashed. */
static inline int
vouch__tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}
/* A hash of len octets for in-memory tables (FNV-1a over 64-bit words):
 * fast, not for anything an attacker must not collide. */
size_t vouch__hash_bytes(const void *p, size_t len);
void vouch__lower(char *s);
/* Bounded copy like strlcpy: returns strlen(src). */
size_t vouch__strlcpy(char *dst, const char *src, size_t size);
/* Append like strlcat, so a few of them write what snprintf with "%s"
 * only would, cut at the same octet; returns the length it wanted. */
size_t vouch__strlcat(char *dst, const char *src, size_t size);

/* ---- character classes of header text (cclass.c) ---------------------- */
#define VOUCH__C_ATEXT 0x01	/* RFC 5322 3.2.3 atext (ASCII) */
#define VOUCH__C_TOKEN 0x02	/* RFC 2045 5.1 token octet (ASCII) */
#define VOUCH__C_KEY 0x04	/* RFC 5321 Keyword: ALPHA / DIGIT / "-" */
#define VOUCH__C_DIGIT 0x08
#define VOUCH__C_DOT 0x10	/* "." */
#define VOUCH__C_AT 0x20	/* "@" */
#define VOUCH__C_HIGH 0x40	/* 0x80 and above (UTF-8, RFC 6532) */
/* SP, HTAB, backslash, DQUOTE and parentheses: where a word of a
 * structured value may end or a quoted part begin. */
#define VOUCH__C_WORDSTOP 0x80
extern const unsigned char vouch__ctab[256];
/* The classes of octet c: the table, and VOUCH__C_HIGH from 0x80. */
#define vouch__cclass(c) ((unsigned)vouch__ctab[(unsigned char)(c)] | \
	((unsigned char)(c) >= 0x80 ? VOUCH__C_HIGH : 0u))

/* ---- header values (hdrval.c) ----------------------------------------- */
/* s as a dot-atom when it is one, else a quoted-string. */
/* The length of the well-formed UTF-8 sequence at s (at most avail
 * bytes), or 0 when it is not one (RFC 3629 4).  A NUL-terminated string
 * may pass (size_t)-1: the NUL ends any sequence. */
size_t vouch__utf8_len(const unsigned char *s, size_t avail);
/*
 * Check the bytes of a header field body: control bytes other than HTAB
 * and folding line ends, and invalid UTF-8, are VOUCH_ESYNTAX naming the
 * offset.
 */
int vouch__check_field_bytes(const char *s, size_t len,
    struct vouch_error *err);

int vouch__hdr_value(struct vouch__buf *b, const char *s);
/* RFC 8601 pvalue: [local-part] "@" domain bare when both are dot-atoms. */
int vouch__hdr_pvalue(struct vouch__buf *b, const char *s);
/* Comment text (without the parentheses), ( ) \ escaped. */
int vouch__hdr_comment(struct vouch__buf *b, const char *s);

/* ---- names ------------------------------------------------------------- */
/* Nonzero when domain (lower case A-labels) is an ICANN public suffix
 * ("com", "co.uk"); unlisted TLDs are not.  Thread-safe. */
int vouch__is_public_suffix(const char *domain);
/*
 * A per-thread memo of a few name -> int answers, for lookups (the
 * Public Suffix List) whose answer depends only on the name and on the
 * data set, numbered gen (never 0).  Names of 256 octets or more are
 * not kept.  A caller declares one as static _Thread_local.
 */
#define VOUCH__MEMO_SLOTS 16
struct vouch__memo {
	struct {
		unsigned long gen;	/* 0: empty */
		int val;
		char name[256];
	} slot[VOUCH__MEMO_SLOTS];
};
/* Nonzero, with *val, when the memo holds name under gen. */
int vouch__memo_get(const struct vouch__memo *m, unsigned long gen,
    const char *name, int *val);
void vouch__memo_put(struct vouch__memo *m, unsigned long gen,
    const char *name, int val);

/* ---- errors ------------------------------------------------------------ */
/* Fill err (if not NULL) and return code, so callers can
 * `return vouch__error(err, VOUCH_ESYNTAX, 0, "...")`. */
int vouch__error(struct vouch_error *err, int code, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int vouch__verror(struct vouch_error *err, int code, unsigned line,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#endif /* VOUCH_UTIL_H */
