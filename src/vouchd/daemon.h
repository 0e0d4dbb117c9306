/*
 * daemon.h - the process around the milter: detaching from the
 * terminal, the pid file, the listening socket's permissions and
 * options, dropping privileges, and signals.
 *
 * Order at start (main.c): the socket is opened as root, prepared
 * (vouchd_socket_prepare()), the process detaches (vouchd_daemonize()),
 * writes its pid file, drops privileges, and only then creates threads
 * (libunbound's, the metrics endpoint, libmilter's), so no thread ever
 * crosses a fork().
 *
 * Signals: SIGHUP asks for a reload, SIGTERM and SIGINT for a graceful
 * stop.  libmilter runs its own thread that sigwait()s for the same
 * three signals and would stop the milter on SIGHUP; vouchd keeps them
 * unblocked, with handlers, in the main thread only, so that Linux
 * delivers a signal sent to the process to that thread (the group
 * leader is the first choice when it does not block the signal).  The
 * handlers only set flags and write to a pipe that the main thread
 * polls.
 *
 * Errors: functions return 0 or -1 and write a sentence into why.
 * Thread safety: main thread only, except vouchd_signals_wake().
 */
#ifndef VOUCHD_DAEMON_H
#define VOUCHD_DAEMON_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#define VOUCHD_SIG_RELOAD 1	/* SIGHUP */
#define VOUCHD_SIG_STOP 2	/* SIGTERM, SIGINT */
#define VOUCHD_SIG_WAKE 4	/* vouchd_signals_wake() */

/*
 * Fork into the background (fork, setsid, fork).  The first process
 * waits until the last one calls vouchd_daemon_ready() and exits 0, or
 * exits 1 if it dies or reports failure first; so "vouchd" returns only
 * once the milter is ready, with startup errors still on its standard
 * error.  Returns 0 in the daemon.
 */
int vouchd_daemonize(char *why, size_t whylen);
/* The daemon is ready (ok != 0) or failed: tell the waiting parent, and
 * point standard input, output and (unless keep_stderr) error at
 * /dev/null.  A no-op in the foreground. */
void vouchd_daemon_ready(int ok, int keep_stderr);

int vouchd_pidfile_write(const char *path, char *why, size_t whylen);
void vouchd_pidfile_remove(const char *path);

/* "user[:group]" (or numeric ids) to ids; group defaults to the user's
 * primary group. */
int vouchd_user_lookup(const char *spec, uid_t *uid, gid_t *gid,
    char *why, size_t whylen);
/* Become spec (NULL: stay).  Refuses to run on as root when spec names
 * another user but the switch fails. */
int vouchd_drop_privileges(const char *spec, char *why, size_t whylen);

/*
 * After smfi_opensocket(): for a unix socket set its mode (SocketMode)
 * and, when user is set and we are root, its owner, so that the MTA's
 * user can connect; for an inet socket set TCP_NODELAY on the listening
 * socket, which Linux copies to every accepted connection (libmilter
 * keeps the descriptor to itself, so it is found among ours).
 */
int vouchd_socket_prepare(const char *spec, unsigned mode, const char *user,
    char *why, size_t whylen);
/* At exit: remove a unix socket's file (libmilter leaves it when it
 * started as root). */
void vouchd_socket_remove(const char *spec);
/* Is spec an inet/inet6 socket (else a unix one)? */
int vouchd_socket_is_inet(const char *spec);

/* Install the handlers (main thread). */
int vouchd_signals_init(void);
/* Wait for a signal or a wake; returns VOUCHD_SIG_* bits. */
int vouchd_signals_wait(void);
/* Wake vouchd_signals_wait() (any thread, async-signal-safe). */
void vouchd_signals_wake(void);
/* Interrupt what thread thr is blocked in (poll(), accept()) with
 * SIGUSR2, whose handler does nothing: libmilter's listener, told to
 * stop, would otherwise notice only when its 5-second poll times out. */
int vouchd_signals_poke(pthread_t thr);
void vouchd_signals_close(void);

#endif /* VOUCHD_DAEMON_H */
