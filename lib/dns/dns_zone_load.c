/*
 * dns_zone_load.c - read RFC 1035 section 5 master-file text into a zone.
 *
 * We cut the text into entries ourselves (section 5.1: comments after
 * ';', parentheses joining lines, quoted strings), so that each error can
 * name the line an entry starts on and so that our directives never reach
 * ldns.  $ORIGIN, $TTL (RFC 2308 section 4), $TIMEOUT and $SERVFAIL are
 * handled here; every other entry is a resource record for
 * dns_zone_rr.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns_int.h"

#define ENTRY_MAX 65536		/* one entry, parentheses joined */

int
vouch__zone_lerr(struct zone_loader *ld, int code, const char *fmt, ...)
{
	char msg[VOUCH_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vouch__error(ld->err, code, ld->start, "%s:%u: %s", ld->file,
	    ld->start, msg);
}

static int
append(struct zone_loader *ld, char c)
{
	int rc = vouch__buf_putc(&ld->entry, c);

	if (rc == VOUCH_ELIMIT)
		return vouch__zone_lerr(ld, rc,
		    "entry longer than %d bytes", ENTRY_MAX);
	if (rc != 0)
		return vouch__zone_lerr(ld, rc, "out of memory");
	return 0;
}

/* Inside "...": copy up to the closing quote; a string ends on its line. */
static int
read_quoted(struct zone_loader *ld)
{
	char c;
	int rc;

	while (ld->pos < ld->len) {
		c = ld->text[ld->pos++];
		if (c == '\n')
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "newline inside a quoted string");
		if ((rc = append(ld, c)) != 0)
			return rc;
		if (c == '"')
			return 0;
		if (c == '\\' && ld->pos < ld->len && ld->text[ld->pos] != '\n'
		    && (rc = append(ld, ld->text[ld->pos++])) != 0)
			return rc;
	}
	return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
	    "unterminated quoted string");
}

/*
 * One entry into ld->entry: comments dropped, parentheses and the line
 * ends inside them turned into spaces.  Returns 1, 0 at the end of the
 * text, or an error.
 */
static int
read_entry(struct zone_loader *ld)
{
	int depth = 0, rc;
	char c;

	vouch__buf_reset(&ld->entry);
	ld->start = ld->line;
	if (ld->pos >= ld->len)
		return 0;
	while (ld->pos < ld->len) {
		c = ld->text[ld->pos++];
		if (c == '\0')
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX, "NUL byte");
		if (c == '\n') {
			ld->line++;
			if (depth == 0)
				return 1;
			c = ' ';
		} else if (c == ';') {
			while (ld->pos < ld->len && ld->text[ld->pos] != '\n')
				ld->pos++;
			continue;
		} else if (c == '"') {
			if ((rc = append(ld, c)) != 0 ||
			    (rc = read_quoted(ld)) != 0)
				return rc;
			continue;
		} else if (c == '(') {
			depth++;
			c = ' ';
		} else if (c == ')') {
			if (depth-- == 0)
				return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
				    "')' without '('");
			c = ' ';
		} else if (c == '\r') {
			c = ' ';
		} else if (c == '\\' && ld->pos < ld->len &&
		    ld->text[ld->pos] != '\n') {
			if ((rc = append(ld, c)) != 0)
				return rc;
			c = ld->text[ld->pos++];
		}
		if ((rc = append(ld, c)) != 0)
			return rc;
	}
	if (depth > 0)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX, "'(' without ')'");
	return 1;
}

/* Split s in place at blanks; returns how many tokens (up to max). */
static size_t
split(char *s, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (vouch__zone_blank(*s))
			*s++ = '\0';
		if (*s == '\0' || n == max)
			return *s == '\0' ? n : max + 1;
		tok[n++] = s;
		while (*s != '\0' && !vouch__zone_blank(*s))
			s++;
	}
}

/* A name as an owner is written: "@", absolute, or under the origin. */
static int
parse_name(struct zone_loader *ld, const char *s, ldns_rdf **out)
{
	ldns_rdf *r;

	*out = NULL;
	if (strcmp(s, "@") == 0 || !ldns_dname_str_absolute(s)) {
		if (ld->origin == NULL)
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "relative name \"%s\" without $ORIGIN", s);
		if (strcmp(s, "@") == 0) {
			*out = ldns_rdf_clone(ld->origin);
			return *out == NULL ? vouch__zone_lerr(ld, VOUCH_ENOMEM,
			    "out of memory") : 0;
		}
	}
	r = ldns_dname_new_frm_str(s);
	if (r == NULL)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "bad domain name \"%s\"", s);
	if (!ldns_dname_str_absolute(s) &&
	    ldns_dname_cat(r, ld->origin) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(r);
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "domain name \"%s\" too long", s);
	}
	*out = r;
	return 0;
}

const char *
vouch__zone_rdf_name(struct zone_loader *ld, const ldns_rdf *r, int *rc)
{
	char buf[DNS_TEXT_MAX];
	const char *p;

	if (r == NULL || ldns_rdf_get_type(r) != LDNS_RDF_TYPE_DNAME ||
	    vouch__dns_name_from_wire(ldns_rdf_data(r), ldns_rdf_size(r), buf,
	    sizeof(buf)) != 0) {
		*rc = vouch__zone_lerr(ld, VOUCH_ESYNTAX, "bad domain name");
		return NULL;
	}
	if ((p = vouch__arena_strdup(&ld->z->arena, buf)) == NULL)
		*rc = vouch__zone_lerr(ld, VOUCH_ENOMEM, "out of memory");
	return p;
}

/* $TIMEOUT NAME [TYPE] and $SERVFAIL NAME [TYPE] */
static int
directive_fail(struct zone_loader *ld, char **tok, size_t n, int servfail)
{
	struct zone_fail f;
	ldns_rdf *r;
	const char *name;
	int rc = 0;

	if (n < 2 || n > 3)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "%s needs NAME [TYPE]", tok[0]);
	memset(&f, 0, sizeof(f));
	f.servfail = (unsigned char)servfail;
	if (n == 3 && (f.type = ldns_get_rr_type_by_name(tok[2])) == 0)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "%s: unknown type \"%s\"", tok[0], tok[2]);
	if ((rc = parse_name(ld, tok[1], &r)) != 0)
		return rc;
	name = vouch__zone_rdf_name(ld, r, &rc);
	ldns_rdf_deep_free(r);
	if (name == NULL)
		return rc;
	if ((rc = vouch__zone_node(ld->z, name, &f.node)) == 0)
		rc = vouch__zone_add_fail(ld->z, &f);
	return rc != 0 ? vouch__zone_lerr(ld, rc, "%s", vouch_strerror(rc)) : 0;
}

static int
directive(struct zone_loader *ld)
{
	const char *end = NULL;
	char *tok[4];
	ldns_rdf *r;
	size_t n;
	int rc;

	n = split(ld->entry.data, tok, 3);
	if (n > 3)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "too many words after %s", tok[0]);
	if (vouch__strcaseeq(tok[0], "$TIMEOUT"))
		return directive_fail(ld, tok, n, 0);
	if (vouch__strcaseeq(tok[0], "$SERVFAIL"))
		return directive_fail(ld, tok, n, 1);
	if (vouch__strcaseeq(tok[0], "$INCLUDE"))
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "$INCLUDE is not supported");
	if (!vouch__strcaseeq(tok[0], "$ORIGIN") &&
	    !vouch__strcaseeq(tok[0], "$TTL"))
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "unknown directive %s", tok[0]);
	if (n != 2)
		return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
		    "%s needs one value", tok[0]);
	if (vouch__strcaseeq(tok[0], "$TTL")) {
		ld->ttl = ldns_str2period(tok[1], &end);
		if (end == tok[1] || *end != '\0')
			return vouch__zone_lerr(ld, VOUCH_ESYNTAX,
			    "bad $TTL \"%s\"", tok[1]);
		ld->ttl_set = 2;
		return 0;
	}
	if ((rc = parse_name(ld, tok[1], &r)) != 0)
		return rc;
	ldns_rdf_deep_free(ld->origin);
	ld->origin = r;
	return 0;
}

static int
is_blank(const char *s)
{
	while (vouch__zone_blank(*s))
		s++;
	return *s == '\0';
}

static int
load(const char *text, size_t len, const char *file, ldns_rdf *origin,
    struct vouch_dns **out, struct vouch_error *err)
{
	struct zone_loader ld;
	char why[VOUCH_ERROR_MSG_MAX];
	int rc;

	memset(&ld, 0, sizeof(ld));
	ld.file = file;
	ld.text = text;
	ld.len = len;
	ld.line = 1;
	ld.origin = origin;
	ld.err = err;
	vouch__buf_init(&ld.entry, ENTRY_MAX);
	if ((rc = vouch__zone_new(&ld.z)) != 0)
		rc = vouch__zone_lerr(&ld, rc, "out of memory");
	while (rc == 0 && (rc = read_entry(&ld)) == 1) {
		rc = 0;
		if (ld.entry.data == NULL || is_blank(ld.entry.data))
			continue;
		rc = ld.entry.data[0] == '$' ? directive(&ld) :
		    vouch__zone_record(&ld);
	}
	if (rc == 0 && (rc = vouch__zone_finish(ld.z, &ld.start, why,
	    sizeof(why))) != 0)
		vouch__zone_lerr(&ld, rc, "%s", why);
	vouch__buf_free(&ld.entry);
	ldns_rdf_deep_free(ld.origin);
	ldns_rdf_deep_free(ld.prev);
	if (rc != 0) {
		vouch__zone_free(ld.z);
		return rc;
	}
	if ((rc = vouch__zone_handle(ld.z, out)) != 0)
		return vouch__error(err, rc, 0, "%s: out of memory", file);
	return 0;
}

int
vouch_dns_zone_new_text(const char *text, size_t len, const char *origin,
    struct vouch_dns **out, struct vouch_error *err)
{
	char buf[DNS_TEXT_MAX + 2];
	ldns_rdf *o = NULL;

	if (out == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no output");
	*out = NULL;
	if (text == NULL && len > 0)
		return vouch__error(err, VOUCH_EINVAL, 0, "no zone text");
	if (len > ZONE_TEXT_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "zone text over %lu "
		    "bytes", ZONE_TEXT_MAX);
	if (origin != NULL) {
		/* The origin is absolute whether or not it ends in a dot. */
		if (vouch__dns_name_canon(origin, buf, sizeof(buf) - 1) != 0 ||
		    (o = ldns_dname_new_frm_str(buf)) == NULL)
			return vouch__error(err, VOUCH_EINVAL, 0, "bad origin "
			    "\"%s\"", origin);
		ldns_rdf_deep_free(o);
		buf[strlen(buf) + 1] = '\0';
		buf[strlen(buf)] = '.';
		if ((o = ldns_dname_new_frm_str(buf)) == NULL)
			return vouch__error(err, VOUCH_ENOMEM, 0, "out of "
			    "memory");
	}
	return load(text == NULL ? "" : text, len, "<text>", o, out, err);
}

/* The whole file, NUL-terminated, or an error naming the path. */
static int
read_file(const char *path, char **text, size_t *len, struct vouch_error *err)
{
	char msg[256];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	*text = NULL;
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		if (strerror_r(errno, msg, sizeof(msg)) != 0)
			msg[0] = '\0';
		if (fd >= 0)
			close(fd);
		return vouch__error(err, VOUCH_EIO, 0, "%s: %s", path, msg);
	}
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > ZONE_TEXT_MAX) {
		close(fd);
		return vouch__error(err, S_ISREG(st.st_mode) ? VOUCH_ELIMIT :
		    VOUCH_EIO, 0, "%s: not a regular file of at most %lu "
		    "bytes", path, ZONE_TEXT_MAX);
	}
	if ((*text = vouch__malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return vouch__error(err, VOUCH_ENOMEM, 0, "out of memory");
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, *text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	(*text)[got] = '\0';
	*len = got;
	return 0;
}

int
vouch_dns_zone_new_file(const char *path, struct vouch_dns **out,
    struct vouch_error *err)
{
	char *text;
	size_t len = 0;
	int rc;

	if (out == NULL || path == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no path");
	*out = NULL;
	if ((rc = read_file(path, &text, &len, err)) != 0)
		return rc;
	rc = load(text, len, path, NULL, out, err);
	vouch__free(text);
	return rc;
}
