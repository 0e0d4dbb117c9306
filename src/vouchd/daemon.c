/*
 * daemon.c - detaching, the pid file and dropping privileges (see
 * daemon.h); sockets and signals are in daemon_io.c.
 */
/* setgroups() is not POSIX. */
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

#define NAME_MAX_LEN 256

static int ready_fd = -1;	/* to the waiting parent, in the daemon */

/* "what arg: the errno text" into why. */
static int
fail(char *why, size_t whylen, const char *what, const char *arg)
{
	(void)snprintf(why, whylen, "%s%s%.200s: %s", what, arg ? " " : "",
	    arg ? arg : "", strerror(errno));
	return -1;
}

/* The first process: wait for the daemon's word. */
static void
wait_ready(int fd)
{
	char c = 0;
	ssize_t r;

	do
		r = read(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	_exit(r == 1 && c == '1' ? 0 : 1);
}

int
vouchd_daemonize(char *why, size_t whylen)
{
	int p[2];
	pid_t pid;

	if (pipe(p) != 0)
		return fail(why, whylen, "pipe", NULL);
	if ((pid = fork()) < 0)
		return fail(why, whylen, "fork", NULL);
	if (pid > 0) {
		(void)close(p[1]);
		wait_ready(p[0]);
	}
	(void)close(p[0]);
	if (setsid() < 0)
		return fail(why, whylen, "setsid", NULL);
	/* A second fork: the daemon is no session leader, so it can never
	 * get a controlling terminal back.  The middle process exits now;
	 * the first one waits on the pipe the daemon keeps. */
	if ((pid = fork()) < 0)
		return fail(why, whylen, "fork", NULL);
	if (pid > 0)
		_exit(0);
	ready_fd = p[1];
	(void)fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
	(void)umask(022);
	if (chdir("/") != 0)
		return fail(why, whylen, "chdir", "/");
	return 0;
}

void
vouchd_daemon_ready(int ok, int keep_stderr)
{
	ssize_t w;
	int fd;

	if (ready_fd < 0)
		return;
	if (ok && (fd = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		if (!keep_stderr)
			(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
	w = write(ready_fd, ok ? "1" : "0", 1);
	(void)w;
	(void)close(ready_fd);
	ready_fd = -1;
}

int
vouchd_pidfile_write(const char *path, char *why, size_t whylen)
{
	char buf[32];
	int fd, n;

	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return fail(why, whylen, "PidFile", path);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		(void)fail(why, whylen, "PidFile", path);
		(void)close(fd);
		return -1;
	}
	return close(fd) == 0 ? 0 : fail(why, whylen, "PidFile", path);
}

void
vouchd_pidfile_remove(const char *path)
{
	if (path != NULL)
		(void)unlink(path);
}

/* ---- privileges -------------------------------------------------------------- */

/* A user or group given by name or number. */
static int
numeric(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end == '\0' && errno == 0;
}

static int
lookup_group(const char *name, gid_t *gid, char *why, size_t whylen)
{
	const struct group *gr;
	unsigned long n;

	if (numeric(name, &n)) {
		*gid = (gid_t)n;
		return 0;
	}
	errno = 0;
	if ((gr = getgrnam(name)) == NULL) {
		(void)snprintf(why, whylen, "UserID: no group %.200s", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int
vouchd_user_lookup(const char *spec, uid_t *uid, gid_t *gid, char *why,
    size_t whylen)
{
	char user[NAME_MAX_LEN];
	const char *colon = strchr(spec, ':');
	const struct passwd *pw;
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long num;

	if (n == 0 || n >= sizeof(user)) {
		(void)snprintf(why, whylen, "UserID: bad user in '%.200s'",
		    spec);
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	errno = 0;
	pw = numeric(user, &num) ? getpwuid((uid_t)num) : getpwnam(user);
	if (pw == NULL) {
		(void)snprintf(why, whylen, "UserID: no user %.200s", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon != NULL && colon[1] != '\0')
		return lookup_group(colon + 1, gid, why, whylen);
	return 0;
}

int
vouchd_drop_privileges(const char *spec, char *why, size_t whylen)
{
	uid_t uid;
	gid_t gid;

	if (spec == NULL)
		return 0;
	if (vouchd_user_lookup(spec, &uid, &gid, why, whylen) != 0)
		return -1;
	if (geteuid() != 0) {
		if (geteuid() == uid)
			return 0;
		(void)snprintf(why, whylen, "UserID %.200s: only root can "
		    "become another user", spec);
		return -1;
	}
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		return fail(why, whylen, "UserID", spec);
	/* Never go on as root by mistake. */
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		(void)snprintf(why, whylen, "UserID %.200s: root privileges "
		    "could be regained", spec);
		return -1;
	}
	return 0;
}
