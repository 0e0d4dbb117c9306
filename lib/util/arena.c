/*
 * arena.c - bump allocation in chunks, freed all at once.  Used for what
 * one parse produces (a message's fields, an SPF evaluation's strings).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define ARENA_CHUNK 4096
#define ARENA_ALIGN (sizeof(max_align_t))

struct vouch__arena_chunk {
	struct vouch__arena_chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

void
vouch__arena_init(struct vouch__arena *a, size_t max)
{
	a->head = NULL;
	a->total = 0;
	a->max = max;
}

void
vouch__arena_free(struct vouch__arena *a)
{
	struct vouch__arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		vouch__free(c);
	}
	vouch__arena_init(a, a->max);
}

void *
vouch__arena_alloc(struct vouch__arena *a, size_t n)
{
	struct vouch__arena_chunk *c = a->head;
	size_t size;
	void *p;

	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	if (a->max != 0 && (n > a->max || a->total > a->max - n))
		return NULL;
	if (c == NULL || c->size - c->used < n) {
		size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if (size > SIZE_MAX - sizeof(*c))
			return NULL;
		c = vouch__malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		/* A big one-off block goes behind the current chunk so the
		 * current chunk's free space stays usable. */
		if (a->head != NULL && n > ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

void *
vouch__arena_memdup(struct vouch__arena *a, const void *p, size_t n)
{
	char *q = vouch__arena_alloc(a, n + 1);

	if (q == NULL)
		return NULL;
	if (n > 0)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

char *
vouch__arena_strndup(struct vouch__arena *a, const char *s, size_t n)
{
	return vouch__arena_memdup(a, s, n);
}

char *
vouch__arena_strdup(struct vouch__arena *a, const char *s)
{
	return vouch__arena_memdup(a, s, strlen(s));
}

char *
vouch__arena_vfmt(struct vouch__arena *a, size_t max, int *nomem,
    const char *fmt, va_list ap)
{
	char buf[VOUCH__ARENA_FMT_MAX], *s;

	if (max == 0 || max > sizeof(buf))
		max = sizeof(buf);
	(void)vsnprintf(buf, max, fmt, ap);
	if ((s = vouch__arena_strdup(a, buf)) == NULL)
		*nomem = 1;
	return s;
}
