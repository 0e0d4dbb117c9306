/*
 * dns_zone_load.c - read RFC 1035 section 5 master-file text into a zone.
 *
 * We cut the text into entries ourselves (section 5.1: comments after
 * ';', parentheses joining lines, quoted strings), so that each error can
 * name the line an entry starts on and so that our directives never reach
 * ldns.  $ORIGIN, $TTL (RFC 2308 section 4), $TIMEOUT and $SERVFAIL are
 * handled here; every other entry is one resource record for
 * ldns_rr_new_frm_str(), whose rdata we decode into struct zone_rec.
 *
 * TTL of an entry that gives none: $TTL if one was seen, else the last
 * TTL written explicitly (RFC 1035 section 5.1), else 3600.
 * Records of classes other than IN are skipped; types we do not decode
 * are kept with their type and TTL only.
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
#define DEFAULT_TTL 3600

struct loader {
	struct vouch__zone *z;
	const char *file;
	const char *text;
	size_t len, pos;
	unsigned line;		/* the line being read */
	unsigned start;		/* the line the current entry started on */
	struct vouch__buf entry;
	ldns_rdf *origin;	/* NULL until known */
	ldns_rdf *prev;		/* the last owner, for entries without one */
	uint32_t ttl;		/* $TTL, or the last explicit TTL */
	int ttl_set;		/* 0 none, 1 explicit TTL seen, 2 $TTL */
	struct vouch_error *err;
};

static int
lerr(struct loader *ld, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
lerr(struct loader *ld, int code, const char *fmt, ...)
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
append(struct loader *ld, char c)
{
	int rc = vouch__buf_putc(&ld->entry, c);

	if (rc == VOUCH_ELIMIT)
		return lerr(ld, rc, "entry longer than %d bytes", ENTRY_MAX);
	if (rc != 0)
		return lerr(ld, rc, "out of memory");
	return 0;
}

/* Inside "...": copy up to the closing quote; a string ends on its line. */
static int
read_quoted(struct loader *ld)
{
	char c;
	int rc;

	while (ld->pos < ld->len) {
		c = ld->text[ld->pos++];
		if (c == '\n')
			return lerr(ld, VOUCH_ESYNTAX, "newline inside a "
			    "quoted string");
		if ((rc = append(ld, c)) != 0)
			return rc;
		if (c == '"')
			return 0;
		if (c == '\\' && ld->pos < ld->len && ld->text[ld->pos] != '\n'
		    && (rc = append(ld, ld->text[ld->pos++])) != 0)
			return rc;
	}
	return lerr(ld, VOUCH_ESYNTAX, "unterminated quoted string");
}

/*
 * One entry into ld->entry: comments dropped, parentheses and the line
 * ends inside them turned into spaces.  Returns 1, 0 at the end of the
 * text, or an error.
 */
static int
read_entry(struct loader *ld)
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
			return lerr(ld, VOUCH_ESYNTAX, "NUL byte");
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
				return lerr(ld, VOUCH_ESYNTAX, "')' without "
				    "'('");
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
		return lerr(ld, VOUCH_ESYNTAX, "'(' without ')'");
	return 1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Split s in place at blanks; returns how many tokens (up to max). */
static size_t
split(char *s, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (is_space(*s))
			*s++ = '\0';
		if (*s == '\0' || n == max)
			return *s == '\0' ? n : max + 1;
		tok[n++] = s;
		while (*s != '\0' && !is_space(*s))
			s++;
	}
}

/* A name as an owner is written: "@", absolute, or under the origin. */
static int
parse_name(struct loader *ld, const char *s, ldns_rdf **out)
{
	ldns_rdf *r;

	*out = NULL;
	if (strcmp(s, "@") == 0 || !ldns_dname_str_absolute(s)) {
		if (ld->origin == NULL)
			return lerr(ld, VOUCH_ESYNTAX, "relative name \"%s\" "
			    "without $ORIGIN", s);
		if (strcmp(s, "@") == 0) {
			*out = ldns_rdf_clone(ld->origin);
			return *out == NULL ? lerr(ld, VOUCH_ENOMEM,
			    "out of memory") : 0;
		}
	}
	r = ldns_dname_new_frm_str(s);
	if (r == NULL)
		return lerr(ld, VOUCH_ESYNTAX, "bad domain name \"%s\"", s);
	if (!ldns_dname_str_absolute(s) &&
	    ldns_dname_cat(r, ld->origin) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(r);
		return lerr(ld, VOUCH_ESYNTAX, "domain name \"%s\" too long",
		    s);
	}
	*out = r;
	return 0;
}

/* Canonical text of a dname rdf, copied into the zone arena. */
static const char *
rdf_name(struct loader *ld, const ldns_rdf *r, int *rc)
{
	char buf[DNS_TEXT_MAX];
	const char *p;

	if (r == NULL || ldns_rdf_get_type(r) != LDNS_RDF_TYPE_DNAME ||
	    vouch__dns_name_from_wire(ldns_rdf_data(r), ldns_rdf_size(r), buf,
	    sizeof(buf)) != 0) {
		*rc = lerr(ld, VOUCH_ESYNTAX, "bad domain name");
		return NULL;
	}
	if ((p = vouch__arena_strdup(&ld->z->arena, buf)) == NULL)
		*rc = lerr(ld, VOUCH_ENOMEM, "out of memory");
	return p;
}

/* $TIMEOUT NAME [TYPE] and $SERVFAIL NAME [TYPE] */
static int
directive_fail(struct loader *ld, char **tok, size_t n, int servfail)
{
	struct zone_fail f;
	ldns_rdf *r;
	const char *name;
	int rc = 0;

	if (n < 2 || n > 3)
		return lerr(ld, VOUCH_ESYNTAX, "%s needs NAME [TYPE]", tok[0]);
	memset(&f, 0, sizeof(f));
	f.servfail = (unsigned char)servfail;
	if (n == 3 && (f.type = ldns_get_rr_type_by_name(tok[2])) == 0)
		return lerr(ld, VOUCH_ESYNTAX, "%s: unknown type \"%s\"",
		    tok[0], tok[2]);
	if ((rc = parse_name(ld, tok[1], &r)) != 0)
		return rc;
	name = rdf_name(ld, r, &rc);
	ldns_rdf_deep_free(r);
	if (name == NULL)
		return rc;
	if ((rc = vouch__zone_node(ld->z, name, &f.node)) == 0)
		rc = vouch__zone_add_fail(ld->z, &f);
	return rc != 0 ? lerr(ld, rc, "%s", vouch_strerror(rc)) : 0;
}

static int
directive(struct loader *ld)
{
	const char *end = NULL;
	char *tok[4];
	ldns_rdf *r;
	size_t n;
	int rc;

	n = split(ld->entry.data, tok, 3);
	if (n > 3)
		return lerr(ld, VOUCH_ESYNTAX, "too many words after %s",
		    tok[0]);
	if (vouch__strcaseeq(tok[0], "$TIMEOUT"))
		return directive_fail(ld, tok, n, 0);
	if (vouch__strcaseeq(tok[0], "$SERVFAIL"))
		return directive_fail(ld, tok, n, 1);
	if (vouch__strcaseeq(tok[0], "$INCLUDE"))
		return lerr(ld, VOUCH_ESYNTAX, "$INCLUDE is not supported");
	if (!vouch__strcaseeq(tok[0], "$ORIGIN") &&
	    !vouch__strcaseeq(tok[0], "$TTL"))
		return lerr(ld, VOUCH_ESYNTAX, "unknown directive %s", tok[0]);
	if (n != 2)
		return lerr(ld, VOUCH_ESYNTAX, "%s needs one value", tok[0]);
	if (vouch__strcaseeq(tok[0], "$TTL")) {
		ld->ttl = ldns_str2period(tok[1], &end);
		if (end == tok[1] || *end != '\0')
			return lerr(ld, VOUCH_ESYNTAX, "bad $TTL \"%s\"",
			    tok[1]);
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
is_class(const char *s, size_t n)
{
	return (n == 2 && (vouch__strncaseeq(s, "IN", 2) ||
	    vouch__strncaseeq(s, "CH", 2) || vouch__strncaseeq(s, "HS", 2) ||
	    vouch__strncaseeq(s, "CS", 2))) ||
	    (n > 5 && vouch__strncaseeq(s, "CLASS", 5));
}

/* Start and length of the token at or after s[*i]; *i moves past it. */
static size_t
token(const char *s, size_t *i, size_t *start)
{
	size_t n;

	while (is_space(s[*i]))
		(*i)++;
	*start = *i;
	for (n = 0; s[*i] != '\0' && !is_space(s[*i]); n++)
		(*i)++;
	return n;
}

/*
 * RFC 1035 5.1 allows "[<class>] [<TTL>]" as well as "[<TTL>] [<class>]";
 * ldns reads only the second order, so "IN 300" becomes "300 IN" here
 * (in place: the two tokens and one blank fit where they were).
 */
static void
ttl_first(char *s)
{
	size_t i = 0, a, b, na, nb, o;
	char tmp[64];

	if (!is_space(s[0]))
		(void)token(s, &i, &a);
	na = token(s, &i, &a);
	nb = token(s, &i, &b);
	if (!is_class(s + a, na) || nb == 0 || s[b] < '0' || s[b] > '9' ||
	    na + nb + 1 > sizeof(tmp))
		return;
	memcpy(tmp, s + b, nb);
	tmp[nb] = ' ';
	memcpy(tmp + nb + 1, s + a, na);
	o = nb + 1 + na;
	memcpy(s + a, tmp, o);
	memset(s + a + o, ' ', b + nb - a - o);
}

/* Does the record entry write its TTL?  After the owner come the TTL and
 * the class in either order (RFC 1035 5.1); a TTL starts with a digit, as
 * no class or type does. */
static int
explicit_ttl(const char *s)
{
	size_t i = 0, k, n, start;

	if (!is_space(s[0]))
		(void)token(s, &i, &start);
	for (k = 0; k < 2; k++) {
		n = token(s, &i, &start);
		if (n > 0 && s[start] >= '0' && s[start] <= '9')
			return 1;
		if (!is_class(s + start, n))
			return 0;
	}
	return 0;
}

static int
decode_txt(struct loader *ld, const ldns_rr *rr, struct zone_rec *r)
{
	size_t i, n = ldns_rr_rd_count(rr), total = 0;
	unsigned char *data;
	uint16_t *lens;
	const ldns_rdf *f;

	for (i = 0; i < n; i++) {
		f = ldns_rr_rdf(rr, i);
		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR ||
		    ldns_rdf_size(f) < 1 ||
		    ldns_rdf_data(f)[0] != ldns_rdf_size(f) - 1)
			return lerr(ld, VOUCH_ESYNTAX, "bad TXT rdata");
		total += ldns_rdf_size(f) - 1;
	}
	data = vouch__arena_alloc(&ld->z->arena, total + 1);
	lens = vouch__arena_alloc(&ld->z->arena, (n ? n : 1) * sizeof(*lens));
	if (data == NULL || lens == NULL)
		return lerr(ld, VOUCH_ENOMEM, "out of memory");
	for (i = 0, total = 0; i < n; i++) {
		f = ldns_rr_rdf(rr, i);
		lens[i] = (uint16_t)(ldns_rdf_size(f) - 1);
		memcpy(data + total, ldns_rdf_data(f) + 1, lens[i]);
		total += lens[i];
	}
	data[total] = '\0';
	r->u.txt.data = data;
	r->u.txt.lengths = lens;
	r->u.txt.n = (uint32_t)n;
	return 0;
}

static int
decode_addr(struct loader *ld, const ldns_rr *rr, struct zone_rec *r,
    size_t len)
{
	const ldns_rdf *f = ldns_rr_rdf(rr, 0);

	if (ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(f) != len)
		return lerr(ld, VOUCH_ESYNTAX, "bad address");
	r->u.ip.family = len == 4 ? 4 : 6;
	memcpy(r->u.ip.addr, ldns_rdf_data(f), len);
	return 0;
}

/* The rdata of the types callers ask for, into r. */
static int
decode(struct loader *ld, const ldns_rr *rr, struct zone_rec *r)
{
	const ldns_rdf *f;
	int rc = 0;

	switch (r->type) {
	case VOUCH_DNS_A:
		return decode_addr(ld, rr, r, 4);
	case VOUCH_DNS_AAAA:
		return decode_addr(ld, rr, r, 16);
	case VOUCH_DNS_MX:
		f = ldns_rr_rdf(rr, 0);
		if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(f) != 2)
			return lerr(ld, VOUCH_ESYNTAX, "bad MX rdata");
		r->u.nm.pref = ldns_rdf2native_int16(f);
		r->u.nm.name = rdf_name(ld, ldns_rr_rdf(rr, 1), &rc);
		return rc;
	case VOUCH_DNS_CNAME:
	case VOUCH_DNS_PTR:
		if (ldns_rr_rd_count(rr) != 1)
			return lerr(ld, VOUCH_ESYNTAX, "bad %s rdata",
			    vouch_dns_type_name(r->type));
		r->u.nm.name = rdf_name(ld, ldns_rr_rdf(rr, 0), &rc);
		return rc;
	case VOUCH_DNS_TXT:
	case VOUCH_DNS_SPF:
		return decode_txt(ld, rr, r);
	default:
		return 0;
	}
}

static int
add_record(struct loader *ld, ldns_rr *rr)
{
	struct zone_rec r;
	const char *owner;
	size_t i, wire = 0;
	int rc = 0;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return 0;
	memset(&r, 0, sizeof(r));
	r.type = (uint16_t)ldns_rr_get_type(rr);
	r.ttl = ldns_rr_ttl(rr);
	r.line = ld->start;
	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		wire += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (wire > DNS_RRSET_MAX)
		return lerr(ld, VOUCH_ELIMIT, "rdata over %u octets",
		    (unsigned)DNS_RRSET_MAX);
	r.wire = (uint16_t)wire;
	if ((owner = rdf_name(ld, ldns_rr_owner(rr), &rc)) == NULL)
		return rc;
	if ((rc = decode(ld, rr, &r)) != 0)
		return rc;
	if ((rc = vouch__zone_node(ld->z, owner, &r.node)) == 0)
		rc = vouch__zone_add_rec(ld->z, &r);
	return rc != 0 ? lerr(ld, rc, "%s", vouch_strerror(rc)) : 0;
}

static int
record(struct loader *ld)
{
	char *s = ld->entry.data, owner[DNS_TEXT_MAX];
	ldns_rr *rr = NULL;
	ldns_status st;
	size_t n;
	int rc, explicit;

	ttl_first(s);
	explicit = explicit_ttl(s);
	if (is_space(s[0]) && ld->prev == NULL)
		return lerr(ld, VOUCH_ESYNTAX, "no owner name, and none "
		    "before");
	if (!is_space(s[0])) {
		for (n = 0; s[n] != '\0' && !is_space(s[n]); n++)
			;
		if (n >= sizeof(owner))
			return lerr(ld, VOUCH_ESYNTAX, "owner name too long");
		memcpy(owner, s, n);
		owner[n] = '\0';
		if (ld->origin == NULL && (strcmp(owner, "@") == 0 ||
		    !ldns_dname_str_absolute(owner)))
			return lerr(ld, VOUCH_ESYNTAX, "relative name \"%s\" "
			    "without $ORIGIN", owner);
	}
	st = ldns_rr_new_frm_str(&rr, s, ld->ttl_set ? ld->ttl : DEFAULT_TTL,
	    ld->origin, &ld->prev);
	if (st == LDNS_STATUS_MEM_ERR)
		return lerr(ld, VOUCH_ENOMEM, "out of memory");
	if (st != LDNS_STATUS_OK)
		return lerr(ld, VOUCH_ESYNTAX, "%s",
		    ldns_get_errorstr_by_id(st));
	if (!explicit)
		ldns_rr_set_ttl(rr, ld->ttl_set ? ld->ttl : DEFAULT_TTL);
	else if (ld->ttl_set < 2) {
		ld->ttl = ldns_rr_ttl(rr);
		ld->ttl_set = 1;
	}
	rc = add_record(ld, rr);
	ldns_rr_free(rr);
	return rc;
}

static int
is_blank(const char *s)
{
	while (is_space(*s))
		s++;
	return *s == '\0';
}

static int
load(const char *text, size_t len, const char *file, ldns_rdf *origin,
    struct vouch_dns **out, struct vouch_error *err)
{
	struct loader ld;
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
		rc = lerr(&ld, rc, "out of memory");
	while (rc == 0 && (rc = read_entry(&ld)) == 1) {
		rc = 0;
		if (ld.entry.data == NULL || is_blank(ld.entry.data))
			continue;
		rc = ld.entry.data[0] == '$' ? directive(&ld) : record(&ld);
	}
	if (rc == 0 && (rc = vouch__zone_finish(ld.z, &ld.start, why,
	    sizeof(why))) != 0)
		lerr(&ld, rc, "%s", why);
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
