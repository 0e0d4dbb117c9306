/*
 * buf.c - capped growable byte buffers.  The data is always
 * NUL-terminated so it can be used as a C string; len excludes the NUL.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"

void
vouch__buf_init(struct vouch__buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
vouch__buf_free(struct vouch__buf *b)
{
	vouch__free(b->data);
	vouch__buf_init(b, b->max);
}

void
vouch__buf_reset(struct vouch__buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int
buf_reserve(struct vouch__buf *b, size_t more)
{
	size_t need, ncap;
	char *p;

	if (more > b->max || b->len > b->max - more)
		return VOUCH_ELIMIT;
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	/* Most buffers end up holding a few hundred octets. */
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > (size_t)-1 / 2 ? need : ncap * 2;
	p = vouch__realloc(b->data, ncap);
	if (p == NULL)
		return VOUCH_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
vouch__buf_append(struct vouch__buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc != 0)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
vouch__buf_puts(struct vouch__buf *b, const char *s)
{
	return vouch__buf_append(b, s, strlen(s));
}

int
vouch__buf_putc(struct vouch__buf *b, int c)
{
	char ch = (char)c;

	return vouch__buf_append(b, &ch, 1);
}

int
vouch__buf_printf(struct vouch__buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return VOUCH_EINVAL;
	rc = buf_reserve(b, (size_t)n);
	if (rc != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
vouch__buf_take(struct vouch__buf *b)
{
	char *p;

	if (b->data == NULL && buf_reserve(b, 0) != 0)
		return NULL;
	p = b->data;
	vouch__buf_init(b, b->max);
	return p;
}
