/*
 * failalloc.c - the allocation hook behind failalloc.h.
 */
#include <stddef.h>

#include "failalloc.h"

void *__real_vouch__malloc(size_t n);
void *__real_vouch__calloc(size_t n, size_t size);
void *__real_vouch__realloc(void *p, size_t n);
void *__wrap_vouch__malloc(size_t n);
void *__wrap_vouch__calloc(size_t n, size_t size);
void *__wrap_vouch__realloc(void *p, size_t n);

static unsigned long fail_at;
static unsigned long made;

void
failalloc_set(unsigned long n)
{
	fail_at = n;
	made = 0;
}

unsigned long
failalloc_count(void)
{
	return made;
}

static int
should_fail(void)
{
	made++;
	return fail_at != 0 && made == fail_at;
}

void *
__wrap_vouch__malloc(size_t n)
{
	return should_fail() ? NULL : __real_vouch__malloc(n);
}

void *
__wrap_vouch__calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_vouch__calloc(n, size);
}

void *
__wrap_vouch__realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_vouch__realloc(p, n);
}
