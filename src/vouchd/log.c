/*
 * log.c - syslog or a stream, and escaped key=value lines (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Set once by vouchd_log_open() before threads start. */
static int log_syslog;
static FILE *log_stream;

int
vouchd_log_facility(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} fac[] = {
		{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
		{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
		{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
		{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	size_t i;

	if (name == NULL)
		return LOG_MAIL;
	for (i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
		if (strcasecmp(name, fac[i].name) == 0)
			return fac[i].code;
	return -1;
}

int
vouchd_log_open(int use_syslog, const char *facility, FILE *stream)
{
	int fac = vouchd_log_facility(facility);

	if (fac < 0)
		return -1;
	log_syslog = use_syslog;
	log_stream = stream != NULL ? stream : stderr;
	if (use_syslog)
		openlog("vouchd", LOG_PID | LOG_NDELAY, fac);
	return 0;
}

void
vouchd_log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

static const char *
prio_word(int prio)
{
	if (prio <= LOG_ERR)
		return "error: ";
	if (prio == LOG_WARNING)
		return "warning: ";
	return "";
}

void
vouchd_log(int prio, const char *fmt, ...)
{
	char msg[VOUCHD_LINE_MAX], stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(prio, "%s%s", prio_word(prio), msg);
		return;
	}
	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	(void)fprintf(log_stream != NULL ? log_stream : stderr,
	    "%s vouchd[%ld]: %s%s\n", stamp, (long)getpid(), prio_word(prio),
	    msg);
	(void)fflush(log_stream != NULL ? log_stream : stderr);
}

/* ---- escaping -------------------------------------------------------------- */

static size_t
escape(char *dst, size_t len, const char *src, int spaces)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	if (len == 0)
		return 0;
	for (; *s != '\0'; s++) {
		if ((*s > 0x20 && *s < 0x7f && *s != '"' && *s != '\\') ||
		    (spaces && *s == ' ')) {
			if (n + 1 >= len)
				break;
			dst[n++] = (char)*s;
			continue;
		}
		if (n + 4 >= len)
			break;
		dst[n++] = '\\';
		dst[n++] = 'x';
		dst[n++] = hex[*s >> 4];
		dst[n++] = hex[*s & 15];
	}
	dst[n] = '\0';
	return n;
}

size_t
vouchd_log_safe(char *dst, size_t len, const char *src)
{
	return escape(dst, len, src != NULL && *src != '\0' ? src : "-", 0);
}

void
vouchd_line_init(struct vouchd_line *l)
{
	l->buf[0] = '\0';
	l->len = 0;
	l->cut = 0;
}

/* Append s (already safe); on overflow end the line with "...". */
static void
append(struct vouchd_line *l, const char *s, size_t n)
{
	if (l->cut)
		return;
	if (n >= sizeof(l->buf) - 4 - l->len) {
		memcpy(l->buf + l->len, "...", 4);
		l->len += 3;
		l->cut = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/* " key=" then value escaped; quoted: " key=\"text\"" with spaces kept. */
static void
put_pair(struct vouchd_line *l, const char *key, const char *value,
    int quoted)
{
	char tmp[1024];
	size_t n;

	append(l, " ", 1);
	append(l, key, strlen(key));
	append(l, quoted ? "=\"" : "=", quoted ? 2 : 1);
	n = quoted ? escape(tmp, sizeof(tmp), value != NULL ? value : "", 1) :
	    vouchd_log_safe(tmp, sizeof(tmp), value);
	append(l, tmp, n);
	if (quoted)
		append(l, "\"", 1);
}

void
vouchd_line_put(struct vouchd_line *l, const char *key, const char *value)
{
	put_pair(l, key, value, 0);
}

void
vouchd_line_quote(struct vouchd_line *l, const char *key, const char *text)
{
	put_pair(l, key, text, 1);
}

void
vouchd_line_add(struct vouchd_line *l, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (w > 0)
		append(l, tmp, (size_t)w < sizeof(tmp) ? (size_t)w :
		    sizeof(tmp) - 1);
}
