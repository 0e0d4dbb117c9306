/*
 * suite_util.c - dying allocators, a capped growable string and LF to
 * CRLF conversion for the conformance runners.  A test program may die
 * on allocation failure (STYLE.md, "Errors and verdicts"); libvouch
 * itself never does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_suite.h"

static void
die_nomem(size_t n)
{
	fprintf(stderr, "spf_suite: out of memory (%zu bytes)\n", n);
	exit(2);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_nomem(n);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die_nomem(n);
	return q;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void
sb_init(struct strbuf *sb)
{
	sb->p = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void
sb_free(struct strbuf *sb)
{
	free(sb->p);
	sb_init(sb);
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->p != NULL)
		sb->p[0] = '\0';
}

static void
sb_reserve(struct strbuf *sb, size_t n)
{
	size_t want;

	if (n > SB_MAX || sb->len > SB_MAX - n) {
		fprintf(stderr, "spf_suite: text over %u bytes\n", SB_MAX);
		exit(2);
	}
	want = sb->len + n + 1;
	if (want <= sb->cap)
		return;
	if (sb->cap == 0)
		sb->cap = 256;
	while (sb->cap < want)
		sb->cap *= 2;
	sb->p = xrealloc(sb->p, sb->cap);
}

void
sb_add(struct strbuf *sb, const void *p, size_t n)
{
	sb_reserve(sb, n);
	if (n > 0)
		memcpy(sb->p + sb->len, p, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

void
sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void
sb_addc(struct strbuf *sb, int c)
{
	char ch = (char)c;

	sb_add(sb, &ch, 1);
}

void
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
str_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

char *
crlf_normalize(const char *buf, size_t len, size_t *outlen)
{
	char *out = xmalloc(2 * len + 1);
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = buf[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}
