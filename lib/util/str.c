/*
 * str.c - ASCII string helpers (locale-independent on purpose: mail and
 * DNS are ASCII protocols) and the error-struct filler.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void
vouch__lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)vouch__tolower((unsigned char)*s);
}

int
vouch__strncaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vouch__tolower((unsigned char)a[i]) !=
		    vouch__tolower((unsigned char)b[i]))
			return 0;
		if (a[i] == '\0')
			return 1;
	}
	return 1;
}

size_t
vouch__hash_bytes(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037u, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 1099511628211u;
	}
	for (; i < len; i++)
		h = (h ^ s[i]) * 1099511628211u;
	return (size_t)(h ^ h >> 29);
}

int
vouch__strcaseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (vouch__tolower((unsigned char)*a) !=
		    vouch__tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

size_t
vouch__strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t k = n < size - 1 ? n : size - 1;

		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

size_t
vouch__strlcat(char *dst, const char *src, size_t size)
{
	size_t d = strnlen(dst, size);

	if (d == size)
		return size + strlen(src);
	return d + vouch__strlcpy(dst + d, src, size - d);
}

int
vouch__verror(struct vouch_error *err, int code, unsigned line,
    const char *fmt, va_list ap)
{
	if (err != NULL) {
		err->code = code;
		err->line = line;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int
vouch__error(struct vouch_error *err, int code, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vouch__verror(err, code, line, fmt, ap);
	va_end(ap);
	return code;
}
