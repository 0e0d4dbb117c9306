/*
 * progress.h - a one-line progress bar on standard error, for commands
 * that work through many items (vouch report import, ...).
 *
 *	struct progress p;
 *
 *	progress_init(&p, !quiet && !json);	(drawn only on a terminal)
 *	progress_start(&p, "reports/", 420);	(0: total unknown)
 *	... progress_step(&p); for each item ...
 *	progress_end(&p);			(erases the line)
 *
 * The line reads "LABEL [#####.....] 12/420 38.5/s", or without a known
 * total "LABEL 12 38.5/s"; it is redrawn at most ten times a second and
 * fits the terminal's width.  The label is untrusted text (a path, a
 * URL): control bytes are shown as '?'.  Nothing is ever written when
 * standard error is not a terminal, so logs and pipes stay clean.
 * Anything else printed to standard error while a bar is shown should
 * follow progress_clear().  Thread safety: one thread.
 */
#ifndef VOUCH_PROGRESS_H
#define VOUCH_PROGRESS_H

#include <stdint.h>
#include <time.h>

#define PROGRESS_LABEL_MAX 256

struct progress {
	int on;				/* drawing at all */
	int shown;			/* a line is on the screen */
	uint64_t done, total;
	struct timespec start, drawn;
	char label[PROGRESS_LABEL_MAX];
};

/* Draw only when wanted and standard error is a terminal. */
void progress_init(struct progress *p, int wanted);
/* A new run of items under label (copied); total 0 when unknown. */
void progress_start(struct progress *p, const char *label, uint64_t total);
/* One more item done. */
void progress_step(struct progress *p);
/* Erase the line (it comes back at the next step). */
void progress_clear(struct progress *p);
/* The run is over: erase the line. */
void progress_end(struct progress *p);

#endif
