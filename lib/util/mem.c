/*
 * mem.c - the one place libvouch allocates.  Tests link with
 * -Wl,--wrap=vouch__malloc (and friends) to fail the Nth allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"

void *
vouch__malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *
vouch__calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *
vouch__realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

void
vouch__free(void *p)
{
	free(p);
}

void *
vouch__memdup(const void *p, size_t n)
{
	char *q = vouch__malloc(n + 1);

	if (q == NULL)
		return NULL;
	if (n > 0)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

char *
vouch__strndup(const char *s, size_t n)
{
	return vouch__memdup(s, n);
}

char *
vouch__strdup(const char *s)
{
	return vouch__memdup(s, strlen(s));
}
