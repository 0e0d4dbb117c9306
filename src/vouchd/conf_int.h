/*
 * conf_int.h - what the files of vouchd_conf share: the capped line
 * reader, the table of vouchd.conf keys (one table drives parsing,
 * vouchd_conf_write and the checks vouchd migrate makes), list and table
 * loading, and the table of OpenDKIM/OpenDMARC settings.
 *
 * Errors: every function returns 0 or a negative VOUCH_E* code and fills
 * err.  A value checker's message says what is wrong with the value;
 * its caller adds "FILE:LINE: Key: " (vouchd__key_set, conf.c).
 * Allocation goes through vouch__malloc and friends (lib/util/util.h) so
 * that the failing-allocator tests cover this code too.
 * Thread safety: no state outside the structures passed in.
 */
#ifndef VOUCHD_CONF_INT_H
#define VOUCHD_CONF_INT_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "util/util.h"

/* Caps on what a configuration file may hold (SECURITY.md). */
#define VOUCHD__LINE_MAX 4096		/* one line, without LF */
#define VOUCHD__CONF_MAX (1024u * 1024u)	/* vouchd.conf, opendkim.conf */
#define VOUCHD__TABLE_MAX (16u * 1024u * 1024u)	/* a table or list */
#define VOUCHD__ENTRIES_MAX 100000	/* table lines, list items */
#define VOUCHD__SIGN_KEYS_MAX 8		/* keys for one pattern: what
					   vouch_dkim_sign_new takes */
#define VOUCHD__ID_MAX 255		/* an authserv-id */

/* ---- files, line by line (conf_lines.c) ------------------------------- */

enum vouchd__hash {
	VOUCHD__HASH_WORD,	/* "#" at the start or after a blank (vouchd) */
	VOUCHD__HASH_ANY	/* any "#" (opendkim.conf, opendmarc.conf) */
};

struct vouchd__lines {
	char *path;		/* for messages */
	char *data;		/* the whole file, NUL-terminated */
	size_t len;
	size_t off;		/* where the next line starts */
	unsigned line;		/* the line last returned */
	enum vouchd__hash hash;
};

/* Open a regular file for reading (without blocking on a FIFO). */
int vouchd__open_file(const char *path, int *fd, struct vouch_error *err);
/* Read a regular file of at most max bytes. */
int vouchd__lines_open(struct vouchd__lines *l, const char *path,
    size_t max, struct vouch_error *err);
/* The same from memory (copied); name stands for the path. */
int vouchd__lines_mem(struct vouchd__lines *l, const char *name,
    const char *text, size_t len, struct vouch_error *err);
/* The next line that is not blank or a comment, comment removed and
 * trimmed, in *s (inside l, writable).  Returns 1, 0 at the end, or an
 * error naming PATH:LINE (a NUL or control byte, a line over
 * VOUCHD__LINE_MAX). */
int vouchd__lines_next(struct vouchd__lines *l, char **s,
    struct vouch_error *err);
void vouchd__lines_free(struct vouchd__lines *l);
/* Cut the first word off *s: returns it NUL-terminated, *s is the rest
 * with leading blanks removed ("" when there is none). */
char *vouchd__word(char **s);
/* The next item of a list separated by commas and blanks, cut in place
 * (*s moves past it), or NULL at the end. */
char *vouchd__item(char **s);
/* err = "FILE:LINE: " + fmt.  Returns code. */
int vouchd__ferr(struct vouch_error *err, int code, const char *file,
    unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Put "FILE:LINE: what: " (what may be NULL) in front of err's message;
 * returns code. */
int vouchd__locate(struct vouch_error *err, int code, const char *file,
    unsigned line, const char *what);
/* The absolute directory of file, or path resolved against dir. */
int vouchd__dirname(const char *file, char **out);
int vouchd__path(const char *dir, const char *path, char **out);
/* A path, as OpenDKIM tells one from a list: "/", "./" or "../". */
int vouchd__is_path(const char *s);
/* Room for item n (of size bytes) in arr, which holds *cap: returns arr
 * or its larger copy (*cap updated), or NULL with *rc VOUCH_ENOMEM, or
 * VOUCH_ELIMIT when n reaches max (arr is then untouched). */
void *vouchd__grow(void *arr, size_t *cap, size_t n, size_t size,
    size_t max, int *rc);

/* ---- values (conf_value.c) -------------------------------------------- */

/* Decimal digits only, at most max. */
int vouchd__number(const char *s, unsigned long max, unsigned long *out,
    struct vouch_error *err);
int vouchd__bool(const char *s, int *out, struct vouch_error *err);
/* v up to its first c into buf (size bytes, NUL-terminated); *rest is
 * what follows c, or NULL when there is none.  -1 when it does not fit. */
int vouchd__cut(const char *v, int c, char *buf, size_t size,
    const char **rest);
/* "[x]" becomes "x" in place; returns 1 if it did. */
int vouchd__unbracket(char *s);
/* "inet:PORT[@HOST]", "inet6:PORT[@HOST]", "unix:/path", "local:/path";
 * loopback: inet only, on 127.0.0.0/8, ::1 or localhost. */
int vouchd__check_socket(const char *v, int loopback,
    struct vouch_error *err);
/* RFC 8601 2.5 authserv-id as Authentication-Results will write it. */
int vouchd__check_authserv(const char *v, struct vouch_error *err);
/* "Dxx D.x.x text" with cls '5' or '4' (RFC 5321 4.2, RFC 3463 2). */
int vouchd__check_reply(const char *v, char cls, struct vouch_error *err);
int vouchd__check_user(const char *v, struct vouch_error *err);
/* A syslog.conf(5) facility name, in lower case. */
int vouchd__check_facility(const char *v, struct vouch_error *err);
/* A header field name (RFC 5322 3.6.8), at most 64 bytes. */
int vouchd__check_field(const char *v, struct vouch_error *err);
/* ADDRESS[@PORT] */
int vouchd__check_dns_server(const char *v, struct vouch_error *err);

/* ---- keys of vouchd.conf (conf_keys.c) -------------------------------- */

enum vouchd__key_id {
	VOUCHD__K_SOCKET, VOUCHD__K_SOCKET_MODE, VOUCHD__K_USER,
	VOUCHD__K_PID_FILE, VOUCHD__K_SYSLOG, VOUCHD__K_FACILITY,
	VOUCHD__K_LOG_WHY, VOUCHD__K_METRICS, VOUCHD__K_AUTHSERV,
	VOUCHD__K_TRUSTED, VOUCHD__K_INTERNAL, VOUCHD__K_SIGN_AUTH,
	VOUCHD__K_KEY_TABLE, VOUCHD__K_SIGNING_TABLE, VOUCHD__K_DMARC_MODE,
	VOUCHD__K_PSL, VOUCHD__K_REJECT, VOUCHD__K_REJECT_TEXT,
	VOUCHD__K_TEMPFAIL_DNS, VOUCHD__K_TEMPFAIL_TEXT,
	VOUCHD__K_QUARANTINE, VOUCHD__K_QUARANTINE_HEADER,
	VOUCHD__K_DNS_SERVER, VOUCHD__K_DNS_TIMEOUT, VOUCHD__K_DNS_QUERIES,
	VOUCHD__K_DNS_TIME, VOUCHD__K_MAX_HEADER, VOUCHD__K_MAX_SIGS,
	VOUCHD__K_INTERNAL_ERROR,
	VOUCHD__NKEYS
};

/* One file being read into a snapshot. */
struct vouchd__parse {
	struct vouchd_conf *c;
	const char *file;		/* the vouchd.conf, for messages */
	const char *dir;		/* relative paths start here */
	unsigned seen[VOUCHD__NKEYS];	/* the line of each key, 0: not given */
};

/* The name of key id ("Socket"); its id from a name, or -1. */
const char *vouchd__key_name(enum vouchd__key_id id);
int vouchd__key_find(const char *name);
/* Check value and store it in p->c (replacing the old value).  err says
 * what is wrong, without a location. */
int vouchd__key_set(struct vouchd__parse *p, enum vouchd__key_id id,
    const char *value, struct vouch_error *err);
/* "Key value\n" as vouchd.conf spells it, or "# Key (not set)\n". */
int vouchd__key_format(const struct vouchd_conf *c, enum vouchd__key_id id,
    struct vouch__buf *b);

/* ---- lists (conf_net.c) ----------------------------------------------- */

/* InternalHosts / TrustedAuthservIDs: "none" (hosts only), file:PATH or
 * a path, else items separated by commas and blanks. */
int vouchd__set_internal(struct vouchd__parse *p, const char *value,
    struct vouch_error *err);
int vouchd__set_trusted(struct vouchd__parse *p, const char *value,
    struct vouch_error *err);
/* One ADDR or ADDR/PREFIX (IPv4, IPv6, "[v6]"), host bits cleared; an
 * IPv4-mapped network becomes IPv4. */
int vouchd__net_parse(const char *s, struct vouchd_net *out,
    struct vouch_error *err);
int vouchd__net_format(const struct vouchd_net *n, struct vouch__buf *b);
/* The OpenDKIM data set type vouchd does not read that v starts with
 * ("refile:", "db:", ...), or NULL. */
const char *vouchd__dataset_type(const char *v);

/* ---- KeyTable and SigningTable (conf_tables.c) ------------------------ */

int vouchd__keytable_load(struct vouchd_conf *c, struct vouch_error *err);
int vouchd__signtable_load(struct vouchd_conf *c, struct vouch_error *err);

/* ---- snapshots (conf.c) ----------------------------------------------- */

/* Parse text as a vouchd.conf named name, relative paths from dir. */
int vouchd__conf_parse(struct vouchd__lines *l, const char *dir,
    struct vouchd_conf **out, struct vouch_error *err);

/* ---- OpenDKIM and OpenDMARC (conf_foreign.c, conf_mig*.c) ------------- */

#define VOUCHD__OPENDKIM 1u
#define VOUCHD__OPENDMARC 2u

struct vouchd__mig;
struct vouchd__foreign;
typedef int (*vouchd__map_fn)(struct vouchd__mig *m,
    const struct vouchd__foreign *f, const char *value);

struct vouchd__foreign {
	const char *name;
	unsigned origin;	/* VOUCHD__OPENDKIM | VOUCHD__OPENDMARC */
	vouchd__map_fn map;	/* NULL: never carried over */
	int target;		/* the vouchd key map writes, or -1 */
	const char *why;	/* why not, or which vouchd key does it */
	int secret;		/* the value is never repeated */
};

const struct vouchd__foreign *vouchd__foreign_find(const char *name);

/* The conversions (conf_migmap.c, conf_migsign.c); f->target is the
 * vouchd key where one applies. */
#define VOUCHD__MAP(name) int vouchd__map_##name(struct vouchd__mig *, \
    const struct vouchd__foreign *, const char *)
VOUCHD__MAP(same);
VOUCHD__MAP(bool);
VOUCHD__MAP(seconds);
VOUCHD__MAP(umask);
VOUCHD__MAP(authserv);
VOUCHD__MAP(trusted);
VOUCHD__MAP(hosts);
VOUCHD__MAP(nameservers);
VOUCHD__MAP(action);
VOUCHD__MAP(hold);
VOUCHD__MAP(reject_string);
VOUCHD__MAP(ignore_auth);
VOUCHD__MAP(single);
/* The KeyTable/SigningTable lines that stand for Domain, Selector and
 * KeyFile, as comments (conf_migsign.c). */
int vouchd__mig_single_block(struct vouchd__mig *m, struct vouch__buf *b);

/* The migration in progress (conf_migrate.c). */
struct vouchd__mig {
	struct vouchd__parse scratch;	/* checks what is carried over */
	char *val[VOUCHD__NKEYS];	/* the vouchd.conf value, or NULL */
	char *src[VOUCHD__NKEYS];	/* "FILE:LINE" it came from */
	struct vouch__buf notes;	/* "# not carried over: ..." lines */
	const char *file;		/* the line being read */
	unsigned line;
	const char *key;		/* its key as written */
	char *domain, *selector, *keyfile;	/* single-key signing */
	char *single_src;		/* where the first of them was */
};

/* Carry value over as vouchd's key id; a value vouchd refuses, or a key
 * already set to something else, becomes a note instead.  Returns 0 or
 * VOUCH_ENOMEM / VOUCH_ELIMIT. */
int vouchd__mig_carry(struct vouchd__mig *m, enum vouchd__key_id id,
    const char *value, const char *shown);
/* "# not carried over: KEY VALUE -- why" for the current line. */
int vouchd__mig_note(struct vouchd__mig *m, const char *value,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* OpenDKIM's booleans: the first byte, T t Y y 1 or F f N n 0. */
int vouchd__mig_bool(const char *s, int *out);
/* Migrate from lines already opened (either may be NULL). */
int vouchd__migrate_lines(struct vouchd__lines *dkim,
    struct vouchd__lines *dmarc, FILE *f, struct vouch_error *err);

#endif /* VOUCHD_CONF_INT_H */
