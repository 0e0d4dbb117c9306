/*
 * progress.c - a progress bar on standard error (progress.h).
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_NS 100000000L	/* ten times a second at most */
#define BAR_WIDTH 20
#define LINE_MAX_COLS 512

static void
now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static double
seconds_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static size_t
columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col < LINE_MAX_COLS ? ws.ws_col : LINE_MAX_COLS;
	return 80;
}

/* "[####....] done/total rate/s", or "done rate/s". */
static size_t
counts(const struct progress *p, double rate, char *out, size_t len)
{
	char bar[BAR_WIDTH + 1];
	uint64_t total = p->total > p->done ? p->total : p->done;
	size_t i, fill;
	int n;

	if (p->total == 0)
		n = snprintf(out, len, " %llu %.1f/s",
		    (unsigned long long)p->done, rate);
	else {
		fill = total ? (size_t)(p->done * BAR_WIDTH / total) : 0;
		for (i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		n = snprintf(out, len, " [%s] %llu/%llu %.1f/s", bar,
		    (unsigned long long)p->done, (unsigned long long)total,
		    rate);
	}
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

static void
draw(struct progress *p, const struct timespec *t)
{
	char right[128], line[LINE_MAX_COLS + 1];
	double el = seconds_since(&p->start, t);
	size_t cols = columns() - 1, rn, ln = strlen(p->label), room;

	rn = counts(p, el > 0.001 ? (double)p->done / el : 0.0, right,
	    sizeof(right));
	room = cols > rn ? cols - rn : 0;
	if (ln <= room)
		snprintf(line, sizeof(line), "%s%s", p->label, right);
	else if (room > 3)	/* the end of a path says the most */
		snprintf(line, sizeof(line), "...%s%s",
		    p->label + ln - (room - 3), right);
	else
		snprintf(line, sizeof(line), "%s", right);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->shown = 1;
	p->drawn = *t;
}

void
progress_init(struct progress *p, int wanted)
{
	memset(p, 0, sizeof(*p));
	p->on = wanted && isatty(STDERR_FILENO);
}

void
progress_start(struct progress *p, const char *label, uint64_t total)
{
	size_t i;

	if (!p->on)
		return;
	for (i = 0; label[i] != '\0' && i + 1 < sizeof(p->label); i++) {
		unsigned char c = (unsigned char)label[i];

		p->label[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	p->label[i] = '\0';
	p->done = 0;
	p->total = total;
	now(&p->start);
	draw(p, &p->start);
}

void
progress_step(struct progress *p)
{
	struct timespec t;

	if (!p->on)
		return;
	p->done++;
	now(&t);
	if (!p->shown || seconds_since(&p->drawn, &t) * 1e9 >= REDRAW_NS)
		draw(p, &t);
}

void
progress_clear(struct progress *p)
{
	if (!p->on || !p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = 0;
}

void
progress_end(struct progress *p)
{
	progress_clear(p);
}
