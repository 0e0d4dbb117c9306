/*
 * conf_keys.c - the keys of vouchd.conf(5): one table gives each key its
 * name, its kind (how the value is read and written back) and its
 * limits, so that parsing, vouchd_conf_write and vouchd migrate's checks
 * cannot disagree.  The defaults are set in conf.c (vouchd_conf_default)
 * and documented in docs/vouchd.conf.5.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "conf_int.h"

enum kind {
	K_BOOL,		/* int: yes/no */
	K_UINT,		/* unsigned, min..max */
	K_SIZE,		/* size_t, min..max */
	K_MS,		/* unsigned milliseconds: N, Nms or Ns */
	K_OCTAL,	/* unsigned, octal digits */
	K_WORD,		/* an int (or enum) chosen by a word */
	K_STR,		/* char *, checked by check() */
	K_PATH,		/* char *, a path relative to vouchd.conf */
	K_LIST		/* set() does it all */
};

struct word {
	const char *word;
	int value;
};

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	unsigned long min, max;
	const struct word *words;
	int (*check)(const char *value, struct vouch_error *err);
	int (*set)(struct vouchd__parse *p, const char *value,
	    struct vouch_error *err);
};

/* Enums are written through an int: they must be one. */
_Static_assert(sizeof(enum vouch_dmarc_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum vouchd_quarantine) == sizeof(int), "enum size");

static const struct word dmarc_modes[] = {
	{ "rfc9989", VOUCH_DMARC_MODE_RFC9989 },
	{ "rfc7489", VOUCH_DMARC_MODE_RFC7489 },
	{ "shadow", VOUCH_DMARC_MODE_SHADOW },
	{ NULL, 0 }
};

static const struct word quarantines[] = {
	{ "hold", VOUCHD_QUARANTINE_HOLD },
	{ "header", VOUCHD_QUARANTINE_HEADER },
	{ "accept", VOUCHD_QUARANTINE_ACCEPT },
	{ NULL, 0 }
};

static const struct word internal_errors[] = {
	{ "tempfail", 1 },
	{ "accept", 0 },
	{ NULL, 0 }
};

static int
check_socket(const char *v, struct vouch_error *err)
{
	return vouchd__check_socket(v, 0, err);
}

static int
check_metrics(const char *v, struct vouch_error *err)
{
	return vouchd__check_socket(v, 1, err);
}

static int
check_reject(const char *v, struct vouch_error *err)
{
	return vouchd__check_reply(v, '5', err);
}

static int
check_tempfail(const char *v, struct vouch_error *err)
{
	return vouchd__check_reply(v, '4', err);
}

/* KeyTable: PATH or file:PATH; only read when the whole file is. */
static int
set_keytable(struct vouchd__parse *p, const char *v, struct vouch_error *err)
{
	char *path;
	int rc;

	if (strncmp(v, "file:", 5) == 0)
		v += 5;
	else if (!vouchd__is_path(v))
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "'%.80s' is "
		    "not a file (PATH or file:PATH; vouchd reads no "
		    "databases)", v);
	if ((rc = vouchd__path(p->dir, v, &path)) != 0)
		return vouch__error(err, rc, 0, "path too long");
	vouch__free(p->c->key_table);
	p->c->key_table = path;
	return 0;
}

/* SigningTable: PATH or file:PATH (exact), refile:PATH (wildcards). */
static int
set_signtable(struct vouchd__parse *p, const char *v, struct vouch_error *err)
{
	int regex = 0, rc;
	char *path;

	if (strncmp(v, "refile:", 7) == 0) {
		v += 7;
		regex = 1;
	} else if (strncmp(v, "file:", 5) == 0)
		v += 5;
	else if (!vouchd__is_path(v))
		return vouch__error(err, VOUCH_EUNSUPPORTED, 0, "'%.80s' is "
		    "not a file (PATH, file:PATH or refile:PATH; vouchd reads "
		    "no databases)", v);
	if (*v == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "no path");
	if ((rc = vouchd__path(p->dir, v, &path)) != 0)
		return vouch__error(err, rc, 0, "path too long");
	vouch__free(p->c->signing_table);
	p->c->signing_table = path;
	p->c->sign_regex = regex;
	return 0;
}

#define OFF(f) offsetof(struct vouchd_conf, f)

static const struct key keys[VOUCHD__NKEYS] = {
	[VOUCHD__K_SOCKET] = { "Socket", K_STR, OFF(socket), 0, 0, NULL,
	    check_socket, NULL },
	[VOUCHD__K_SOCKET_MODE] = { "SocketMode", K_OCTAL, OFF(socket_mode),
	    0, 0777, NULL, NULL, NULL },
	[VOUCHD__K_USER] = { "UserID", K_STR, OFF(user), 0, 0, NULL,
	    vouchd__check_user, NULL },
	[VOUCHD__K_PID_FILE] = { "PidFile", K_PATH, OFF(pid_file), 0, 0, NULL,
	    NULL, NULL },
	[VOUCHD__K_SYSLOG] = { "Syslog", K_BOOL, OFF(syslog), 0, 0, NULL,
	    NULL, NULL },
	[VOUCHD__K_FACILITY] = { "SyslogFacility", K_STR,
	    OFF(syslog_facility), 0, 0, NULL, vouchd__check_facility, NULL },
	[VOUCHD__K_LOG_WHY] = { "LogWhy", K_BOOL, OFF(log_why), 0, 0, NULL,
	    NULL, NULL },
	[VOUCHD__K_METRICS] = { "MetricsSocket", K_STR, OFF(metrics), 0, 0,
	    NULL, check_metrics, NULL },
	[VOUCHD__K_AUTHSERV] = { "AuthservID", K_STR, OFF(authserv_id), 0, 0,
	    NULL, vouchd__check_authserv, NULL },
	[VOUCHD__K_TRUSTED] = { "TrustedAuthservIDs", K_LIST, 0, 0, 0, NULL,
	    NULL, vouchd__set_trusted },
	[VOUCHD__K_INTERNAL] = { "InternalHosts", K_LIST, 0, 0, 0, NULL, NULL,
	    vouchd__set_internal },
	[VOUCHD__K_SIGN_AUTH] = { "SignAuthenticated", K_BOOL,
	    OFF(sign_authenticated), 0, 0, NULL, NULL, NULL },
	[VOUCHD__K_KEY_TABLE] = { "KeyTable", K_LIST, 0, 0, 0, NULL, NULL,
	    set_keytable },
	[VOUCHD__K_SIGNING_TABLE] = { "SigningTable", K_LIST, 0, 0, 0, NULL,
	    NULL, set_signtable },
	[VOUCHD__K_DMARC_MODE] = { "DMARCMode", K_WORD, OFF(dmarc_mode), 0, 0,
	    dmarc_modes, NULL, NULL },
	/* min 1: the file must exist now (PidFile is made later). */
	[VOUCHD__K_PSL] = { "PublicSuffixList", K_PATH, OFF(psl_file), 1, 0,
	    NULL, NULL, NULL },
	[VOUCHD__K_REJECT] = { "RejectFailures", K_BOOL, OFF(reject_enabled),
	    0, 0, NULL, NULL, NULL },
	[VOUCHD__K_REJECT_TEXT] = { "RejectText", K_STR, OFF(reject_text), 0,
	    0, NULL, check_reject, NULL },
	[VOUCHD__K_TEMPFAIL_DNS] = { "TempFailOnDNSError", K_BOOL,
	    OFF(tempfail_on_dns), 0, 0, NULL, NULL, NULL },
	[VOUCHD__K_TEMPFAIL_TEXT] = { "TempFailText", K_STR,
	    OFF(tempfail_text), 0, 0, NULL, check_tempfail, NULL },
	[VOUCHD__K_QUARANTINE] = { "QuarantineAction", K_WORD,
	    OFF(quarantine), 0, 0, quarantines, NULL, NULL },
	[VOUCHD__K_QUARANTINE_HEADER] = { "QuarantineHeader", K_STR,
	    OFF(quarantine_header), 0, 0, NULL, vouchd__check_field, NULL },
	[VOUCHD__K_DNS_SERVER] = { "DNSServer", K_STR, OFF(dns_server), 0, 0,
	    NULL, vouchd__check_dns_server, NULL },
	[VOUCHD__K_DNS_TIMEOUT] = { "DNSTimeout", K_MS, OFF(dns_timeout_ms),
	    100, 60000, NULL, NULL, NULL },
	[VOUCHD__K_DNS_QUERIES] = { "MaxDNSQueries", K_UINT, OFF(dns_queries),
	    1, 1000, NULL, NULL, NULL },
	[VOUCHD__K_DNS_TIME] = { "MaxDNSTime", K_MS, OFF(dns_ms), 100, 300000,
	    NULL, NULL, NULL },
	[VOUCHD__K_MAX_HEADER] = { "MaxHeaderBytes", K_SIZE,
	    OFF(max_header_bytes), 4096, 1048576, NULL, NULL, NULL },
	[VOUCHD__K_MAX_SIGS] = { "MaxSignatures", K_UINT, OFF(max_signatures),
	    1, 50, NULL, NULL, NULL },
	[VOUCHD__K_INTERNAL_ERROR] = { "OnInternalError", K_WORD,
	    OFF(on_internal_error), 0, 0, internal_errors, NULL, NULL },
};

const char *
vouchd__key_name(enum vouchd__key_id id)
{
	return keys[id].name;
}

int
vouchd__key_find(const char *name)
{
	int i;

	for (i = 0; i < VOUCHD__NKEYS; i++)
		if (vouch__strcaseeq(name, keys[i].name))
			return i;
	return -1;
}

static void *
field(const struct vouchd_conf *c, const struct key *k)
{
	/* The table's offsets point into c; the snapshot is only written
	 * while it is being built. */
	return (char *)(uintptr_t)c + k->off;
}

/* N, Nms or Ns, in milliseconds. */
static int
set_ms(const struct key *k, const char *v, unsigned *out,
    struct vouch_error *err)
{
	char buf[32];
	size_t n = strlen(v);
	unsigned long mult = 1, x;

	if (n >= 2 && strcmp(v + n - 2, "ms") == 0)
		n -= 2;
	else if (n >= 1 && v[n - 1] == 's') {
		n--;
		mult = 1000;
	}
	if (n >= sizeof(buf))
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is not "
		    "N, Nms or Ns", v);
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (vouchd__number(buf, k->max, &x, NULL) != 0 || x * mult < k->min ||
	    x * mult > k->max)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is not %lu "
		    "to %lu milliseconds (a bare number is milliseconds; "
		    "write 5s for seconds)", v, k->min, k->max);
	*out = (unsigned)(x * mult);
	return 0;
}

static int
set_number(const struct key *k, void *f, const char *v,
    struct vouch_error *err)
{
	unsigned long x = 0;
	size_t i;

	if (k->kind == K_OCTAL) {
		for (i = 0; v[i] >= '0' && v[i] <= '7' && i < 5; i++)
			x = x * 8 + (unsigned long)(v[i] - '0');
		if (i == 0 || v[i] != '\0' || x > k->max)
			return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is "
			    "not an octal mode 0 to %04lo", v, k->max);
	} else if (vouchd__number(v, k->max, &x, NULL) != 0 || x < k->min)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is not %lu "
		    "to %lu", v, k->min, k->max);
	if (k->kind == K_SIZE)
		*(size_t *)f = x;
	else
		*(unsigned *)f = (unsigned)x;
	return 0;
}

static int
set_word(const struct key *k, int *f, const char *v, struct vouch_error *err)
{
	char list[128] = "";
	const struct word *w;

	for (w = k->words; w->word != NULL; w++)
		if (vouch__strcaseeq(v, w->word)) {
			*f = w->value;
			return 0;
		}
	for (w = k->words; w->word != NULL; w++) {
		if (w != k->words)
			(void)vouch__strlcat(list, w[1].word != NULL ? ", " :
			    " or ", sizeof(list));
		(void)vouch__strlcat(list, w->word, sizeof(list));
	}
	return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is not %s", v,
	    list);
}

static int
set_string(struct vouchd__parse *p, const struct key *k, char **f,
    const char *v, struct vouch_error *err)
{
	char *s;
	int rc, fd;

	if (k->kind == K_STR) {
		if ((rc = k->check(v, err)) != 0)
			return rc;
		if ((s = vouch__strdup(v)) == NULL)
			return vouch__error(err, VOUCH_ENOMEM, 0, "out of "
			    "memory");
	} else if ((rc = vouchd__path(p->dir, v, &s)) != 0)
		return vouch__error(err, rc, 0, "path too long");
	/* PublicSuffixList (min 1) must be there now; PidFile is made. */
	if (k->kind == K_PATH && k->min == 1) {
		if ((rc = vouchd__open_file(s, &fd, err)) != 0) {
			vouch__free(s);
			return rc;
		}
		close(fd);
	}
	vouch__free(*f);
	*f = s;
	return 0;
}

int
vouchd__key_set(struct vouchd__parse *p, enum vouchd__key_id id,
    const char *value, struct vouch_error *err)
{
	const struct key *k = &keys[id];
	void *f = field(p->c, k);

	if (*value == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "no value");
	switch (k->kind) {
	case K_BOOL:
		return vouchd__bool(value, f, err);
	case K_MS:
		return set_ms(k, value, f, err);
	case K_UINT:
	case K_SIZE:
	case K_OCTAL:
		return set_number(k, f, value, err);
	case K_WORD:
		return set_word(k, f, value, err);
	case K_STR:
	case K_PATH:
		return set_string(p, k, f, value, err);
	case K_LIST:
		break;
	}
	return k->set(p, value, err);
}

/* Whether s reads back as itself: no control byte, no comment, no blank
 * at either end. */
static int
writable(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || s[0] == '#' || s[0] == ' ' || s[0] == '\t' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t')
		return 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f || (s[i] == '#' && (s[i - 1] == ' ' ||
		    s[i - 1] == '\t')))
			return 0;
	return 1;
}

static int
format_str(struct vouch__buf *b, const char *name, const char *prefix,
    const char *s)
{
	if (s == NULL)
		return vouch__buf_printf(b, "# %s (not set)\n", name);
	if (!writable(s))
		return VOUCH_EINVAL;
	return vouch__buf_printf(b, "%s %s%s\n", name, prefix, s);
}

static int
format_items(const struct vouchd_conf *c, enum vouchd__key_id id, size_t n,
    const char *sep, struct vouch__buf *b)
{
	size_t i;
	int rc;

	if ((rc = vouch__buf_printf(b, "%s ", keys[id].name)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (i > 0 && (rc = vouch__buf_puts(b, sep)) != 0)
			return rc;
		if (id == VOUCHD__K_INTERNAL)
			rc = vouchd__net_format(&c->internal[i], b);
		else if (!writable(c->trusted[i]) ||
		    strpbrk(c->trusted[i], ", \t") != NULL)
			rc = VOUCH_EINVAL;
		else
			rc = vouch__buf_puts(b, c->trusted[i]);
		if (rc != 0)
			return rc;
	}
	return vouch__buf_putc(b, '\n');
}

static int
format_list(const struct vouchd_conf *c, enum vouchd__key_id id,
    struct vouch__buf *b)
{
	size_t start = b->len, n = id == VOUCHD__K_TRUSTED ? c->ntrusted :
	    c->ninternal;
	const char *file = id == VOUCHD__K_TRUSTED ? c->trusted_file :
	    c->internal_file;
	int rc;

	if (file != NULL)
		return format_str(b, keys[id].name, "file:", file);
	if (n == 0)
		return id == VOUCHD__K_TRUSTED ? format_str(b, keys[id].name,
		    "", NULL) : format_str(b, keys[id].name, "", "none");
	/* Canonical items are never longer than what was read, so a list
	 * read from one line fits on one line with one-byte separators. */
	rc = format_items(c, id, n, ", ", b);
	if (rc == 0 && b->len - start > VOUCHD__LINE_MAX + 1) {
		b->len = start;
		b->data[start] = '\0';
		rc = format_items(c, id, n, ",", b);
	}
	return rc;
}

int
vouchd__key_format(const struct vouchd_conf *c, enum vouchd__key_id id,
    struct vouch__buf *b)
{
	const struct key *k = &keys[id];
	const void *f = field(c, k);
	const struct word *w;

	switch (k->kind) {
	case K_BOOL:
		return vouch__buf_printf(b, "%s %s\n", k->name,
		    *(const int *)f ? "yes" : "no");
	case K_UINT:
	case K_MS:
		return vouch__buf_printf(b, "%s %u\n", k->name,
		    *(const unsigned *)f);
	case K_SIZE:
		return vouch__buf_printf(b, "%s %zu\n", k->name,
		    *(const size_t *)f);
	case K_OCTAL:
		return vouch__buf_printf(b, "%s %04o\n", k->name,
		    *(const unsigned *)f);
	case K_WORD:
		for (w = k->words; w->word != NULL; w++)
			if (w->value == *(const int *)f)
				return vouch__buf_printf(b, "%s %s\n", k->name,
				    w->word);
		return VOUCH_EINVAL;
	case K_STR:
	case K_PATH:
		return format_str(b, k->name, "", *(char *const *)f);
	case K_LIST:
		break;
	}
	if (id == VOUCHD__K_KEY_TABLE)
		return format_str(b, k->name, "file:", c->key_table);
	if (id == VOUCHD__K_SIGNING_TABLE)
		return format_str(b, k->name, c->sign_regex ? "refile:" :
		    "file:", c->signing_table);
	return format_list(c, id, b);
}
