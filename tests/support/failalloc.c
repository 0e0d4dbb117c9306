/*
 * failalloc.c - the allocation hook behind failalloc.h.  The counters are
 * atomic: tests that start threads allocate through the hook too.
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
	__atomic_store_n(&fail_at, n, __ATOMIC_RELAXED);
	__atomic_store_n(&made, 0, __ATOMIC_RELAXED);
}

unsigned long
failalloc_count(void)
{
	return __atomic_load_n(&made, __ATOMIC_RELAXED);
}

static int
should_fail(void)
{
	unsigned long at = __atomic_load_n(&fail_at, __ATOMIC_RELAXED);
	unsigned long n = __atomic_add_fetch(&made, 1, __ATOMIC_RELAXED);

	return at != 0 && n == at;
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
