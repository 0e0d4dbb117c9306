/*
 * log.h - vouchd's log: syslog (Syslog yes, the default) or a stream
 * (standard error with Syslog no, or a file in tests), one line per
 * event, and one line per message built with struct vouchd_line.
 *
 * Everything that came from outside (host names, HELO, addresses,
 * domains, queue ids, reasons quoting message text) goes through
 * vouchd_line_put() or vouchd_log_safe(): bytes outside printable
 * ASCII, spaces, '"' and '\' are written as \xHH, so no value can add a
 * field or a line to the log (SECURITY.md).
 *
 * The destination is chosen once at start (vouchd_log_open()) before
 * any thread runs, and never changes afterwards; writing is thread-safe
 * (one syslog() or one fputs() per line).
 */
#ifndef VOUCHD_LOG_H
#define VOUCHD_LOG_H

#include <stddef.h>
#include <stdio.h>
#include <syslog.h>

#define VOUCHD_LINE_MAX 4096

/*
 * use_syslog: openlog("vouchd", LOG_PID, facility) with facility a name
 * ("mail", "daemon", "local0".."local7", "user"); -1 for an unknown
 * name.  Else lines go to stream with a time stamp.
 */
int vouchd_log_open(int use_syslog, const char *facility, FILE *stream);
void vouchd_log_close(void);
/* The syslog facility code for a name, or -1. */
int vouchd_log_facility(const char *name);

void vouchd_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copy src into dst (always terminated), escaping as said above; NULL
 * or "" is written "-". */
size_t vouchd_log_safe(char *dst, size_t len, const char *src);

/* A line under construction: " key=value" pairs, cut with "..." when
 * it would exceed VOUCHD_LINE_MAX. */
struct vouchd_line {
	char buf[VOUCHD_LINE_MAX];
	size_t len;
	int cut;
};

void vouchd_line_init(struct vouchd_line *l);
/* " key=value" with value escaped (vouchd_log_safe()). */
void vouchd_line_put(struct vouchd_line *l, const char *key,
    const char *value);
/* Trusted text (our own words and numbers), formatted. */
void vouchd_line_add(struct vouchd_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* " key=\"text\"": free text (a reason), escaped except for spaces. */
void vouchd_line_quote(struct vouchd_line *l, const char *key,
    const char *text);

#endif /* VOUCHD_LOG_H */
