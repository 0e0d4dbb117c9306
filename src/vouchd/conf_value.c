/*
 * conf_value.c - the checks on single values of vouchd.conf: numbers,
 * booleans, milter sockets (libmilter's smfi_setconn syntax), the
 * authserv-id (RFC 8601 2.5, as lib/authres writes it), SMTP replies
 * (RFC 5321 4.2, RFC 3463 2) and the user to run as.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <vouch/authres.h>
#include <vouch/msg.h>

#include "conf_int.h"

#define NAME_BUF_MAX (1024u * 1024u)	/* getpwnam_r's buffer, at most */

int
vouchd__number(const char *s, unsigned long max, unsigned long *out,
    struct vouch_error *err)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "a number is "
		    "missing");
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is "
			    "not a number", s);
		if (v > (max - (unsigned long)(*p - '0')) / 10)
			return vouch__error(err, VOUCH_ESYNTAX, 0, "%.64s is "
			    "more than %lu", s, max);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = v;
	return 0;
}

int
vouchd__cut(const char *v, int c, char *buf, size_t size, const char **rest)
{
	const char *sep = strchr(v, c);
	size_t n = sep != NULL ? (size_t)(sep - v) : strlen(v);

	*rest = sep != NULL ? sep + 1 : NULL;
	if (n >= size)
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

int
vouchd__unbracket(char *s)
{
	size_t n = strlen(s);

	if (n < 3 || s[0] != '[' || s[n - 1] != ']')
		return 0;
	s[n - 1] = '\0';
	memmove(s, s + 1, n - 1);
	return 1;
}

static int
check_port(const char *s, struct vouch_error *err)
{
	unsigned long v;

	if (vouchd__number(s, 65535, &v, NULL) != 0 || v == 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "port '%.16s' is "
		    "not 1 to 65535", s);
	return 0;
}

int
vouchd__bool(const char *s, int *out, struct vouch_error *err)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (vouch__strcaseeq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (vouch__strcaseeq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is not yes, no, "
	    "true, false, 1 or 0", s);
}

static int
is_loopback(const struct vouch_ip *ip)
{
	static const unsigned char v6[16] = { [15] = 1 };

	if (ip->family == 4)
		return ip->addr[0] == 127;
	return memcmp(ip->addr, v6, sizeof(v6)) == 0;
}

/* HOST of inet:PORT@HOST: "[address]", an address, or a host name. */
static int
check_host(const char *h, int family, int loopback, struct vouch_error *err)
{
	char buf[256];
	struct vouch_ip ip;
	size_t n = strlen(h);

	if (vouch__strlcpy(buf, h, sizeof(buf)) >= sizeof(buf))
		return vouch__error(err, VOUCH_ESYNTAX, 0, "host name too "
		    "long");
	if (buf[0] == '[') {
		if (!vouchd__unbracket(buf))
			return vouch__error(err, VOUCH_ESYNTAX, 0, "'%s' has "
			    "no closing ']'", h);
		if (vouch_ip_parse(buf, &ip) != 0)
			return vouch__error(err, VOUCH_ESYNTAX, 0, "'%s' is "
			    "not an address", h);
	} else if (vouch_ip_parse(buf, &ip) != 0) {
		if (vouch_domain_to_alabel(h, n, buf, sizeof(buf)) != 0)
			return vouch__error(err, VOUCH_ESYNTAX, 0, "'%s' is "
			    "neither an address nor a host name", h);
		if (loopback && !vouch__strcaseeq(buf, "localhost"))
			return vouch__error(err, VOUCH_EINVAL, 0, "'%s' is "
			    "not loopback (127.0.0.1, ::1 or localhost)", h);
		return 0;
	}
	if (ip.family != family)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%s' is an IPv%d "
		    "address: use inet%s:", h, ip.family, ip.family == 6 ?
		    "6" : "");
	if (loopback && !is_loopback(&ip))
		return vouch__error(err, VOUCH_EINVAL, 0, "'%s' is not "
		    "loopback (127.0.0.1, ::1 or localhost)", h);
	return 0;
}

static int
check_inet(const char *rest, int family, int loopback,
    struct vouch_error *err)
{
	char port[8];
	const char *at;
	size_t n = strcspn(rest, "@");
	int rc;

	if (vouchd__cut(rest, '@', port, sizeof(port), &at) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "port '%.*s' is "
		    "not 1 to 65535", (int)(n > 16 ? 16 : n), rest);
	if ((rc = check_port(port, err)) != 0)
		return rc;
	if (at == NULL) {
		if (loopback)
			return vouch__error(err, VOUCH_EINVAL, 0, "no host: "
			    "it would listen on every interface (write "
			    "@127.0.0.1)");
		return 0;
	}
	return check_host(at, family, loopback, err);
}

int
vouchd__check_socket(const char *v, int loopback, struct vouch_error *err)
{
	const struct sockaddr_un *un = NULL;
	const char *path = NULL;

	if (strncmp(v, "inet:", 5) == 0)
		return check_inet(v + 5, 4, loopback, err);
	if (strncmp(v, "inet6:", 6) == 0)
		return check_inet(v + 6, 6, loopback, err);
	if (strncmp(v, "unix:", 5) == 0)
		path = v + 5;
	else if (strncmp(v, "local:", 6) == 0)
		path = v + 6;
	if (path == NULL)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not "
		    "inet:PORT@HOST, inet6:PORT@HOST, unix:/PATH or "
		    "local:/PATH", v);
	if (loopback)
		return vouch__error(err, VOUCH_EINVAL, 0, "must be inet: or "
		    "inet6: on loopback");
	if (path[0] != '/')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not an "
		    "absolute path", path);
	if (strlen(path) >= sizeof(un->sun_path))
		return vouch__error(err, VOUCH_ELIMIT, 0, "socket path longer "
		    "than %zu bytes", sizeof(un->sun_path) - 1);
	return 0;
}

int
vouchd__check_authserv(const char *v, struct vouch_error *err)
{
	struct vouch_authres_builder *b = NULL;
	int rc;

	if (strlen(v) > VOUCHD__ID_MAX)
		return vouch__error(err, VOUCH_ELIMIT, 0, "authserv-id longer "
		    "than %d bytes", VOUCHD__ID_MAX);
	/* atext allows it, but written back after a blank it would be a
	 * comment (found by fuzz_vouchd_conf). */
	if (v[0] == '#')
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' starts "
		    "with '#', which vouchd.conf reads as a comment", v);
	/* The builder decides what Authentication-Results can carry. */
	rc = vouch_authres_builder_new(v, &b);
	vouch_authres_builder_free(b);
	if (rc == VOUCH_ENOMEM)
		return vouch__error(err, rc, 0, "out of memory");
	if (rc != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not a "
		    "dot-atom token (RFC 8601 2.5: letters, digits, dots, "
		    "'-', '_' ...)", v);
	return 0;
}

/* n digits at s, the number they make, or -1 (1 to 3 digits). */
static int
digits(const char *s, size_t *n)
{
	int v = 0;

	for (*n = 0; *n < 4 && s[*n] >= '0' && s[*n] <= '9'; (*n)++)
		v = v * 10 + (s[*n] - '0');
	return *n >= 1 && *n <= 3 ? v : -1;
}

int
vouchd__check_reply(const char *v, char cls, struct vouch_error *err)
{
	size_t i, n;
	const char *p;

	/* Reply code: cls, then 0-5, then a digit (RFC 5321 4.2.1);
	 * enhanced code: cls "." 1*3digit "." 1*3digit (RFC 3463 2). */
	if (v[0] != cls || v[1] < '0' || v[1] > '5' || v[2] < '0' ||
	    v[2] > '9' || v[3] != ' ' || v[4] != cls || v[5] != '.')
		goto bad;
	p = v + 6;
	if (digits(p, &n) < 0 || p[n] != '.')
		goto bad;
	p += n + 1;
	if (digits(p, &n) < 0 || p[n] != ' ' || p[n + 1] == '\0')
		goto bad;
	for (i = 0, p += n + 1; p[i] != '\0'; i++) {
		/* libmilter drops a reply text with a lone '%'. */
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '%')
			return vouch__error(err, VOUCH_ESYNTAX, 0, "the text "
			    "may hold printable ASCII except '%%' only");
	}
	if (strlen(v) > 510)
		return vouch__error(err, VOUCH_ELIMIT, 0, "longer than an "
		    "SMTP reply line (510 bytes, RFC 5321 4.5.3.1.5)");
	return 0;
bad:
	return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not \"%cxx "
	    "%c.x.x text\" (RFC 5321 4.2, RFC 3463)", v, cls, cls);
}

/* getpwnam_r/getgrnam_r with a buffer that grows while it is short. */
static int
lookup(const char *name, int group, struct vouch_error *err)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	size_t size = 1024;
	char *buf;
	int rc;

	for (;;) {
		if ((buf = vouch__malloc(size)) == NULL)
			return vouch__error(err, VOUCH_ENOMEM, 0, "out of "
			    "memory");
		rc = group ? getgrnam_r(name, &gr, buf, size, &grp) :
		    getpwnam_r(name, &pw, buf, size, &pwp);
		vouch__free(buf);
		if (rc != ERANGE || size >= NAME_BUF_MAX)
			break;
		size *= 2;
	}
	if (rc != 0 || (group ? grp == NULL : pwp == NULL))
		return vouch__error(err, VOUCH_ENOTFOUND, 0, "no such %s '%s'",
		    group ? "group" : "user", name);
	return 0;
}

int
vouchd__check_user(const char *v, struct vouch_error *err)
{
	char name[256];
	const char *group;
	int rc;

	if (vouchd__cut(v, ':', name, sizeof(name), &group) != 0 ||
	    name[0] == '\0' || (group != NULL && (group[0] == '\0' ||
	    strlen(group) >= sizeof(name))))
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not "
		    "user[:group]", v);
	if ((rc = lookup(name, 0, err)) != 0)
		return rc;
	return group != NULL ? lookup(group, 1, err) : 0;
}

/* The facility names of syslog.conf(5). */
int
vouchd__check_facility(const char *v, struct vouch_error *err)
{
	static const char *const names[] = { "auth", "authpriv", "cron",
		"daemon", "ftp", "kern", "lpr", "mail", "news", "syslog",
		"user", "uucp", "local0", "local1", "local2", "local3",
		"local4", "local5", "local6", "local7" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return 0;
	return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.64s' is not a syslog "
	    "facility (mail, daemon, local0 ... local7, ...)", v);
}

/* A field name: 1*ftext (RFC 5322 3.6.8), kept short. */
int
vouchd__check_field(const char *v, struct vouch_error *err)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (v[i] < 33 || v[i] > 126 || v[i] == ':' || i >= 64)
			return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is "
			    "not a header field name (RFC 5322 3.6.8, at most "
			    "64 bytes)", v);
	return 0;
}

/* ADDR[@PORT] */
int
vouchd__check_dns_server(const char *v, struct vouch_error *err)
{
	char buf[64];
	const char *at;
	struct vouch_ip ip;

	if (vouchd__cut(v, '@', buf, sizeof(buf), &at) != 0 ||
	    vouch_ip_parse(buf, &ip) != 0)
		return vouch__error(err, VOUCH_ESYNTAX, 0, "'%.80s' is not "
		    "ADDRESS[@PORT]", v);
	return at != NULL ? check_port(at, err) : 0;
}
