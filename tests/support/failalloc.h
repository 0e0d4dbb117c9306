/*
 * failalloc.h - make libvouch's Nth allocation fail.
 *
 * Test programs are linked with -Wl,--wrap=vouch__malloc (and calloc,
 * realloc), so every allocation libvouch makes passes through here.
 * failalloc_set(n): the nth allocation from now fails (1 = the next one);
 * failalloc_set(0) disables failing.  failalloc_count() tells how many
 * allocations were made since the last set, so a test can loop n from 1
 * to the count of a successful run and demand a clean error each time.
 */
#ifndef VOUCH_FAILALLOC_H
#define VOUCH_FAILALLOC_H

#include <stddef.h>

void failalloc_set(unsigned long n);
unsigned long failalloc_count(void);

#endif
