/*
 * vouch/defs.h - common definitions for every libvouch header.
 *
 * VOUCH_API marks a symbol exported from the shared library; everything else
 * is built with -fvisibility=hidden.  Nothing here allocates or has state.
 */
#ifndef VOUCH_DEFS_H
#define VOUCH_DEFS_H

#if defined(VOUCH_BUILDING) && defined(__GNUC__)
#define VOUCH_API __attribute__((visibility("default")))
#else
#define VOUCH_API
#endif

#define VOUCH_VERSION_MAJOR 0
#define VOUCH_VERSION_MINOR 1
#define VOUCH_VERSION_PATCH 0
#define VOUCH_VERSION "0.1.0"

#endif /* VOUCH_DEFS_H */
