/*
 * lib/senders/senders_int.h - internals shared by the files of the sender
 * knowledge module: senders_parse.c (the data file's grammar),
 * senders_value.c (names, patterns, lists and URLs in it) and senders.c
 * (loading, the lookup tables, lookups, freeing).
 *
 * Lookup tables: every name a service is known by (ids, domains, SPF
 * includes, exact host names, the suffixes of "*." host patterns) and
 * every free-mail domain goes into a table of (name, index) pairs sorted
 * by name.  A lookup of "a.b.example.com" for "equal or subdomain" tries
 * the name itself, then each suffix that starts after a dot
 * ("b.example.com", "example.com", "com"), each by binary search; the
 * first hit is the most specific.  That is O(labels x log n) string
 * comparisons, and a lookalike ("evilsendgrid.net") never matches,
 * because only whole labels are cut off.
 *
 * Ownership: everything lives in the set; strings and the services'
 * lists in its arena, the growable arrays on the heap.  Thread safety:
 * a finished set is read-only.
 */
#ifndef VOUCH_SENDERS_INT_H
#define VOUCH_SENDERS_INT_H

#include <stddef.h>

#include <vouch/senders.h>

#include "util/util.h"

#define SENDERS_FILE_MAX (1024 * 1024)	/* bytes of data file */
#define SENDERS_LINE_MAX 4096		/* bytes of one line */
#define SENDERS_LIST_MAX 64		/* items in one list value */
#define SENDERS_NAME_MAX 253		/* RFC 1035 2.3.4 */
#define SENDERS_LABEL_MAX 63		/* RFC 1035 2.3.4 */
#define SENDERS_ID_MAX 63		/* bytes of a service id */

/* A name one table maps to a service or free-mail entry. */
struct senders_key {
	const char *name;
	size_t idx;		/* into svc[] or fm[] */
	unsigned line;		/* where the file gave it */
};

/* A growable array of keys, sorted once the file is read. */
struct senders_table {
	struct senders_key *v;
	size_t n;
	size_t cap;
};

enum senders_tab {
	TAB_ID,
	TAB_DOMAIN,
	TAB_INCLUDE,
	TAB_HOST,	/* exact host names */
	TAB_WILD,	/* suffixes of "*." patterns, without the "*." */
	TAB_FREEMAIL,
	TAB_COUNT
};

/* A service and the line of its section header, for messages. */
struct senders_svc {
	struct vouch_sender_service pub;
	unsigned line;
};

struct vouch_senders {
	struct vouch__arena arena;
	struct senders_svc *svc;		/* in file order */
	size_t nsvc, svc_cap;
	struct vouch_sender_freemail *fm;	/* in file order */
	size_t nfm, fm_cap;
	struct senders_table tab[TAB_COUNT];
};

/* A new empty set, or NULL when out of memory. */
struct vouch_senders *vouch__senders_new(void);
/*
 * Room for element n of a growable array of size-byte elements whose
 * capacity is *cap: the array (perhaps moved), or NULL when out of
 * memory (v is then left as it was).
 */
void *vouch__senders_grow(void *v, size_t *cap, size_t n, size_t size);
/* Add name (arena-owned) for idx to a table: 0 or VOUCH_ENOMEM. */
int vouch__senders_add(struct vouch_senders *s, enum senders_tab t,
    const char *name, size_t idx, unsigned line);
/*
 * Sort the tables and refuse a name given twice, or a name that is one
 * service's domain and another's SPF include: 0 or VOUCH_ESYNTAX, the
 * message naming file:line of the later one.
 */
int vouch__senders_index(struct vouch_senders *s, const char *file,
    struct vouch_error *err);

/* Parse text into s (see senders_parse.c): 0 or VOUCH_E*. */
int vouch__senders_read(struct vouch_senders *s, const char *text,
    size_t len, const char *file, struct vouch_error *err);

/* ---- values (senders_value.c) -------------------------------------- */

/* Kinds of name, for vouch__senders_name(). */
enum senders_name_kind {
	NAME_DOMAIN,	/* two labels or more, not a public suffix */
	NAME_HOST,	/* two labels or more */
	NAME_SELECTOR	/* one label or more, no '_' (RFC 6376 3.1) */
};

/*
 * Copy s (len bytes) into the arena in lower case when it is a name of
 * the kind; *why says what is wrong otherwise (a static string) and the
 * result is NULL with *why set, or NULL with *why NULL when out of
 * memory.
 */
const char *vouch__senders_name(struct vouch__arena *a, const char *s,
    size_t len, enum senders_name_kind kind, const char **why);
/* Nonzero when s (len bytes) is an https URL with a host. */
int vouch__senders_url_ok(const char *s, size_t len);
/* Nonzero when s (len bytes) is a service id: [a-z0-9-], 1..63 bytes,
 * starting with a letter or digit (upper case is accepted and folded). */
int vouch__senders_id_ok(const char *s, size_t len);
/*
 * Write into out (SENDERS_NAME_MAX + 1 bytes) the lower-case form of a
 * name being looked up, one trailing dot removed: its length, or 0 when
 * it is empty, too long or has a byte outside 0x21..0x7e.
 */
size_t vouch__senders_fold(const char *name, char *out);

#endif /* VOUCH_SENDERS_INT_H */
