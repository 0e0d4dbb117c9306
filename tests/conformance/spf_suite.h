/*
 * spf_suite.h - the SPF conformance runner (tests/conformance/spf_suite*).
 *
 * The runner reads public SPF test suites in place under VOUCH_CORPORA
 * (see shared/corpora/README.md, "OpenSPF YAML suites" and "Stalwart
 * mail-auth formats"), turns each scenario's DNS data into RFC 1035
 * master-file text for the zone backend, and runs every test through
 * vouch_spf_check().  Pieces:
 *
 *   suite_util.c      dying allocators and a capped string buffer
 *   suite_yaml.c      libyaml events -> a small tree (keeps repeated keys)
 *   zone_text.c       master-file writer: escaped names, TXT strings
 *   yaml_zone.c       OpenSPF `zonedata` -> master-file text
 *   suite_openspf.c   OpenSPF YAML suites (pyspf, mailauth, blitiri)
 *   suite_stalwart.c  Stalwart's line-oriented spf/<name>.yml
 *   suite_libspf2.c   libspf2's parser list as a robustness check
 *   suite_skip.c      the skip list, spf-skips.tsv
 *   spf_suite.c       main(): options, running and counting
 *
 * Everything here is test code: allocation failure exits the program.
 */
#ifndef SPF_SUITE_H
#define SPF_SUITE_H

#include <stddef.h>

#include <vouch/spf.h>

/* ---- allocation and strings (suite_util.c) ---------------------------- */

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Growable byte string, always NUL-terminated; capped at SB_MAX bytes
 * (exceeding it is a fatal error: no suite file comes near). */
#define SB_MAX (64u * 1024 * 1024)

struct strbuf {
	char *p;
	size_t len;
	size_t cap;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_add(struct strbuf *sb, const void *p, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, int c);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int ascii_lower(int c);
int str_caseeq(const char *a, const char *b);
/* buf with every bare LF made CRLF; caller frees. */
char *crlf_normalize(const char *buf, size_t len, size_t *outlen);

/* ---- YAML tree (suite_yaml.c) ----------------------------------------- */

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

/*
 * A mapping keeps its pairs in order as kids[0]=key0, kids[1]=value0, ...
 * so repeated keys survive.  A scalar's s holds len bytes plus a NUL.
 */
struct ynode {
	enum ynode_kind kind;
	int plain;		/* scalar written without quotes */
	char *s;
	size_t len;
	struct ynode **kids;
	size_t n;
	size_t cap;
	unsigned long line;	/* 1-based line of the node's start */
};

/* Parse every document of buf; returns 0, or -1 with err filled. */
int yaml_load(const char *buf, size_t len, struct ynode ***docs,
    size_t *ndocs, char *err, size_t errlen);
void yaml_free_docs(struct ynode **docs, size_t ndocs);
/* Value of the first pair whose key is the scalar key; NULL if none. */
const struct ynode *ymap_get(const struct ynode *map, const char *key);
/* A plain empty, "~" or "null" scalar, or a NULL node. */
int ynode_is_null(const struct ynode *n);
/* The scalar's text, or NULL when n is not a non-null scalar. */
const char *ynode_str(const struct ynode *n);

/* ---- master-file text (zone_text.c) ----------------------------------- */

/* A domain name, absolute and escaped (\DDD outside [A-Za-z0-9_-]); "" is
 * the root.  lower != 0 folds ASCII case. */
void zt_name(struct strbuf *sb, const char *name, size_t len, int lower);
/* 1 if name fits DNS: labels of 1 to 63 octets, at most 255 octets in
 * wire form (RFC 1035 2.3.4). */
int zt_name_valid(const char *name);
/* "owner TTL IN TYPE " for a new RR. */
void zt_owner(struct strbuf *sb, const char *owner, const char *type);
/* A TXT RR from n strings, each split into <= 255-octet
 * character-strings; n == 0 gives one empty string. */
void zt_txt(struct strbuf *sb, const char *owner,
    const char *const *strs, const size_t *lens, size_t n);
void zt_addr(struct strbuf *sb, const char *owner, const char *type,
    const char *text);
void zt_target(struct strbuf *sb, const char *owner, const char *type,
    const char *target);
void zt_mx(struct strbuf *sb, const char *owner, const char *pref,
    const char *exchange);
/* "$TIMEOUT owner [type]" or "$SERVFAIL ..."; type may be NULL. */
void zt_fail(struct strbuf *sb, const char *directive, const char *owner,
    const char *type);

/* ---- OpenSPF zonedata (yaml_zone.c) ----------------------------------- */

/* Append the master-file text for a scenario's zonedata map (may be
 * NULL).  Returns 0, or -1 with err filled. */
int openspf_zone(const struct ynode *zonedata, struct strbuf *out,
    char *err, size_t errlen);

/* ---- the skip list (suite_skip.c) ------------------------------------- */

/*
 * spf-skips.tsv: one case per line, TAB-separated: suite file (relative
 * to VOUCH_CORPORA), scenario or "*", test id, reason.  '#' starts a
 * comment line.  A line without a reason is an error.
 */
struct skip {
	char *file;
	char *scenario;
	char *id;
	char *reason;
	unsigned line;
	int used;
};

struct skiplist {
	struct skip *v;
	size_t n;
	size_t cap;
};

int skips_load(struct skiplist *sl, const char *path, char *err,
    size_t errlen);
void skips_free(struct skiplist *sl);
/* The entry for (file, scenario, id), marked used; NULL if none. */
const struct skip *skips_find(struct skiplist *sl, const char *file,
    const char *scenario, const char *id);

/* ---- running (spf_suite.c) -------------------------------------------- */

#define CASE_MAX_RESULTS 8

enum case_mode {
	CASE_MAILFROM,		/* OpenSPF: check_host on MAIL FROM */
	CASE_HELO_THEN_MAILFROM, /* Stalwart: HELO, then MAIL FROM if pass */
	CASE_LIBSPF2		/* robustness: also run when skipped */
};

struct spf_case {
	const char *scenario;
	const char *id;
	const char *spec;	/* may be NULL */
	const char *helo;	/* NULL when absent */
	const char *host;
	const char *mailfrom;	/* "" is the null reverse-path */
	const char *results[CASE_MAX_RESULTS];
	size_t nresults;
	const char *explanation; /* NULL: not compared */
	enum case_mode mode;
};

struct suite;

/* The file being run: key is its path relative to VOUCH_CORPORA (used by
 * the skip list), shown in every report line. */
void suite_begin_file(struct suite *S, const char *key);
/* Whether --dump-zone was given; then print zone text, do not run. */
int suite_dump_only(const struct suite *S);
void suite_dump_zone(struct suite *S, const char *scenario,
    const struct strbuf *zone);
/* Whether c would run (after --only); skipped cases count here too. */
int suite_selected(const struct suite *S, const struct spf_case *c);
/*
 * Run c against zone text (zone == NULL: zerr tells why there is none)
 * and count it.  dns caches the loaded zone: pass the same pointer for
 * every case of a scenario and suite_zone_done() after the last one.
 */
void suite_run(struct suite *S, const char *zone, size_t zlen,
    struct vouch_dns **dns, const struct spf_case *c);
void suite_zone_done(struct suite *S, struct vouch_dns **dns);
/* A file-level problem: counted as a failure and printed. */
void suite_file_error(struct suite *S, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the formats ------------------------------------------------------ */

int openspf_run(struct suite *S, const char *path);
int stalwart_run(struct suite *S, const char *path);
int libspf2_run(struct suite *S, const char *path);

#endif /* SPF_SUITE_H */
