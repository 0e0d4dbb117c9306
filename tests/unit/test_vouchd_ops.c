/*
 * test_vouchd_ops.c - vouchd's operations around the sessions: the
 * metrics endpoint (Prometheus text format 0.0.4 over HTTP/1.0, loopback
 * only), log escaping, the pid file, users, the milter socket's mode and
 * TCP_NODELAY, and configuration snapshots swapped under live
 * connections.
 *
 * Expected values: RFC 9112 3 (request line), the Prometheus exposition
 * format (HELP/TYPE lines, cumulative histogram buckets ending in +Inf
 * equal to _count), SECURITY.md (untrusted text escaped; the dashboard
 * and metrics on loopback), and POSIX/Linux socket behaviour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <vouch/verdict.h>

#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "milter.h"
#include "state.h"

/* ---- metrics -------------------------------------------------------------- */

static int
respond(struct vouchd_metrics *m, const char *req, char *out, size_t len)
{
	int status;

	(void)vouchd_metrics_respond(m, req, strlen(req), out, len, &status);
	return status;
}

static void
test_metrics_http(void **state)
{
	struct vouchd_metrics *m;
	char out[VOUCHD_METRICS_OUT_MAX];

	(void)state;
	assert_int_equal(vouchd_metrics_new(&m), 0);
	assert_int_equal(respond(m, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
	    out, sizeof(out)), 200);
	assert_true(strncmp(out, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(out, "\r\nContent-Type: text/plain; "
	    "version=0.0.4"));
	assert_non_null(strstr(out, "\r\n\r\n# HELP vouchd_messages_total "));
	assert_int_equal(respond(m, "GET /metrics?x=1 HTTP/1.0\n\n", out,
	    sizeof(out)), 200);
	assert_int_equal(respond(m, "POST /metrics HTTP/1.1\r\n\r\n", out,
	    sizeof(out)), 405);
	assert_non_null(strstr(out, "\r\nAllow: GET\r\n"));
	assert_int_equal(respond(m, "GET / HTTP/1.1\r\n\r\n", out,
	    sizeof(out)), 404);
	assert_int_equal(respond(m, "GET /metricsx HTTP/1.1\r\n\r\n", out,
	    sizeof(out)), 404);
	assert_int_equal(respond(m, "\x16\x03\x01\x02\x00\x01", out,
	    sizeof(out)), 400);
	assert_int_equal(respond(m, "GET /metrics\r\n\r\n", out, sizeof(out)),
	    400);
	assert_int_equal(respond(m, "GET /metrics HTTP/2.0\r\n\r\n", out,
	    sizeof(out)), 400);
	vouchd_metrics_free(m);
}

/* Each of want is a whole line of text. */
static void
has_lines(const char *text, const char *const *want)
{
	char line[256];

	for (; *want != NULL; want++) {
		snprintf(line, sizeof(line), "\n%s\n", *want);
		if (strstr(text, line) == NULL)
			fail_msg("no line '%s' in:\n%s", *want, text);
	}
}

static void
test_metrics_histogram(void **state)
{
	struct vouchd_metrics_msg mm = {0, 1, 0, 3, 7};
	struct vouchd_metrics *m;
	char out[VOUCHD_METRICS_OUT_MAX];

	(void)state;
	assert_int_equal(vouchd_metrics_new(&m), 0);
	vouchd_metrics_message(m, &mm);
	mm.dns_ms = 20000;	/* beyond the last finite bucket */
	mm.action = VOUCH_VERDICT_TEMPFAIL;
	mm.dmarc = 3;
	vouchd_metrics_message(m, &mm);
	mm.dmarc = -1;		/* signed: no DNS counted */
	mm.signed_msg = 1;
	mm.action = VOUCH_VERDICT_ACCEPT;
	vouchd_metrics_message(m, &mm);
	vouchd_metrics_count(m, VOUCHD_COUNT_ERRORS);
	vouchd_metrics_gauge(m, VOUCHD_GAUGE_INFLIGHT, 2);
	vouchd_metrics_gauge(m, VOUCHD_GAUGE_INFLIGHT, -1);
	vouchd_metrics_render(m, out, sizeof(out));
	/* Cumulative buckets; +Inf equals _count (Prometheus format). */
	has_lines(out, (const char *const[]){
	    "# TYPE vouchd_dns_seconds histogram",
	    "vouchd_dns_seconds_bucket{le=\"0.005\"} 0",
	    "vouchd_dns_seconds_bucket{le=\"0.010\"} 1",
	    "vouchd_dns_seconds_bucket{le=\"10.000\"} 1",
	    "vouchd_dns_seconds_bucket{le=\"+Inf\"} 2",
	    "vouchd_dns_seconds_count 2",
	    "vouchd_dns_seconds_sum 20.007",
	    "vouchd_dns_queries_total 6",
	    "vouchd_dmarc_total{result=\"temperror\"} 1",
	    "vouchd_messages_total{action=\"tempfail\"} 1",
	    "vouchd_signed_total 1",
	    "vouchd_internal_errors_total 1",
	    "vouchd_messages_in_flight 1", NULL});
	assert_int_equal(vouchd_metrics_inflight(m), 1);
	vouchd_metrics_free(m);
	/* NULL is a no-op everywhere. */
	vouchd_metrics_message(NULL, &mm);
	vouchd_metrics_count(NULL, VOUCHD_COUNT_ERRORS);
	vouchd_metrics_free(NULL);
}

static void
test_metrics_addr(void **state)
{
	static const char *const good[] = {"inet:9100@127.0.0.1",
	    "inet:1@localhost", "inet:65535@127.1.2.3", "inet6:9100@::1",
	    "inet6:9100@[::1]"};
	static const char *const bad[] = {"inet:9100@0.0.0.0",
	    "inet:9100@192.0.2.1", "inet:9100", "inet:0@127.0.0.1",
	    "inet:65536@127.0.0.1", "inet:x@127.0.0.1", "inet6:9100@::",
	    "inet6:9100@2001:db8::1", "unix:/tmp/m.sock", "inet:9100@",
	    "inet6:9100@::ffff:127.0.0.1"};
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (vouchd_metrics_addr(good[i], &ss, &sl, why,
		    sizeof(why)) != 0)
			fail_msg("%s refused: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (vouchd_metrics_addr(bad[i], &ss, &sl, why,
		    sizeof(why)) == 0)
			fail_msg("%s accepted", bad[i]);
		assert_non_null(strstr(why, "MetricsSocket"));
	}
}

/* The endpoint for real: a GET on loopback answered by the thread. */
static void
test_metrics_endpoint(void **state)
{
	struct sockaddr_in sin;
	struct vouchd_metrics *m;
	char spec[64], why[256], buf[VOUCHD_METRICS_OUT_MAX];
	const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	unsigned port = 0;
	size_t n = 0;
	ssize_t r;
	int i, fd;

	(void)state;
	assert_int_equal(vouchd_metrics_new(&m), 0);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (i = 0; i < 20; i++) {
		port = 20000 + (unsigned)rand() % 40000;
		snprintf(spec, sizeof(spec), "inet:%u@127.0.0.1", port);
		if (vouchd_metrics_listen(m, spec, why, sizeof(why)) == 0)
			break;
	}
	assert_true(i < 20);
	assert_int_equal(vouchd_metrics_start(m), 0);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, req, sizeof(req) - 1),
	    (ssize_t)(sizeof(req) - 1));
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n,
	    sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	assert_true(strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(buf, "vouchd_connections 0\n"));
	vouchd_metrics_free(m);
}

/* ---- the log --------------------------------------------------------------- */

static void
test_log_escape(void **state)
{
	struct vouchd_line l;
	char buf[64];

	(void)state;
	assert_int_equal(vouchd_log_safe(buf, sizeof(buf), "a b\"c\\\x01\xff"),
	    strlen("a\\x20b\\x22c\\x5c\\x01\\xff"));
	assert_string_equal(buf, "a\\x20b\\x22c\\x5c\\x01\\xff");
	/* Cut on a whole escape, always terminated. */
	assert_int_equal(vouchd_log_safe(buf, 6, "ab\ncd"), 2);
	assert_string_equal(buf, "ab");
	vouchd_log_safe(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "-");
	vouchd_line_init(&l);
	vouchd_line_put(&l, "from", "x.test\n fake=1");
	vouchd_line_quote(&l, "why", "two words \"quoted\"\r\n");
	vouchd_line_add(&l, " n=%d", 5);
	assert_string_equal(l.buf, " from=x.test\\x0a\\x20fake=1 why=\"two "
	    "words \\x22quoted\\x22\\x0d\\x0a\" n=5");
	/* A line never grows past its buffer. */
	vouchd_line_init(&l);
	while (!l.cut)
		vouchd_line_put(&l, "k", "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
	assert_true(l.len < sizeof(l.buf));
	assert_int_equal(l.buf[l.len], '\0');
	assert_string_equal(l.buf + l.len - 3, "...");
	assert_int_equal(vouchd_log_facility("LOCAL3"), LOG_LOCAL3);
	assert_int_equal(vouchd_log_facility("mail"), LOG_MAIL);
	assert_int_equal(vouchd_log_facility("kern"), -1);
}

/* ---- daemon helpers --------------------------------------------------------- */

static void
test_pidfile_and_users(void **state)
{
	char dir[] = "/tmp/vouchd-ops.XXXXXX", path[64], why[256], buf[32];
	FILE *f;
	uid_t uid;
	gid_t gid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vouchd.pid", dir);
	assert_int_equal(vouchd_pidfile_write(path, why, sizeof(why)), 0);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(atol(buf), (long)getpid());
	vouchd_pidfile_remove(path);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/none/vouchd.pid", dir);
	assert_int_equal(vouchd_pidfile_write(path, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "PidFile"));
	assert_int_equal(vouchd_pidfile_write(NULL, why, sizeof(why)), 0);
	rmdir(dir);

	assert_int_equal(vouchd_user_lookup("root", &uid, &gid, why,
	    sizeof(why)), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(vouchd_user_lookup("0:0", &uid, &gid, why,
	    sizeof(why)), 0);
	assert_int_equal(gid, 0);
	assert_int_equal(vouchd_user_lookup("no-such-user-vouchd", &uid, &gid,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no user"));
	assert_int_equal(vouchd_user_lookup("root:no-such-group-vouchd", &uid,
	    &gid, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no group"));
	assert_int_equal(vouchd_user_lookup(":x", &uid, &gid, why,
	    sizeof(why)), -1);
	assert_int_equal(vouchd_drop_privileges(NULL, why, sizeof(why)), 0);
}

static void
test_unix_socket_mode(void **state)
{
	char dir[] = "/tmp/vouchd-ops.XXXXXX", spec[128], why[256];
	struct sockaddr_un sun;
	struct stat sb;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/m.sock", dir);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	snprintf(spec, sizeof(spec), "unix:%s", sun.sun_path);
	assert_int_equal(vouchd_socket_prepare(spec, 0666, NULL, why,
	    sizeof(why)), 0);
	assert_int_equal(stat(sun.sun_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0666);
	snprintf(spec, sizeof(spec), "local:%s", sun.sun_path);
	assert_int_equal(vouchd_socket_prepare(spec, 0640, NULL, why,
	    sizeof(why)), 0);
	assert_int_equal(stat(sun.sun_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_false(vouchd_socket_is_inet(spec));
	vouchd_socket_remove(spec);
	assert_int_not_equal(access(sun.sun_path, F_OK), 0);
	close(fd);
	assert_int_equal(vouchd_socket_prepare("bogus:x", 0660, NULL, why,
	    sizeof(why)), -1);
	assert_int_equal(vouchd_socket_prepare("unix:/nonexistent/x.sock",
	    0660, NULL, why, sizeof(why)), -1);
	rmdir(dir);
}

/* TCP_NODELAY set on the listener reaches each accepted connection. */
static void
test_inet_nodelay(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char why[256];
	int l, c, a, on = 0;

	(void)state;
	assert_true(vouchd_socket_is_inet("inet:8891@127.0.0.1"));
	assert_true(vouchd_socket_is_inet("INET6:8891@::1"));
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(vouchd_socket_prepare("inet:1@127.0.0.1", 0, NULL,
	    why, sizeof(why)), 0);
	assert_true((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_true((a = accept(l, NULL, NULL)) >= 0);
	len = sizeof(on);
	assert_int_equal(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &on, &len),
	    0);
	assert_true(on != 0);
	close(a);
	close(c);
	close(l);
	/* No TCP listener at all: said so. */
	assert_int_equal(vouchd_socket_prepare("inet:1@127.0.0.1", 0, NULL,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "TCP_NODELAY"));
}

/* ---- snapshots --------------------------------------------------------------- */

static void
test_snapshot_swap(void **state)
{
	struct vouch_error err = {0, 0, ""};
	struct vouchd_conf *c1 = NULL, *c2 = NULL;
	struct vouchd_snap *s1 = NULL, *s2 = NULL, *held;
	struct vouchd_conn_info ci;
	struct vouchd_metrics *m;
	struct vouchd_state st;
	struct vouchd_conn *conn;
	struct vouch_dns *dns = NULL;
	char keys[256];

	(void)state;
	assert_int_equal(vouchd_conf_default(&c1, &err), 0);
	assert_int_equal(vouchd_conf_default(&c2, &err), 0);
	assert_int_equal(vouchd_snap_new(c1, &s1, &err), 0);
	assert_int_equal(vouchd_snap_new(c2, &s2, &err), 0);
	vouchd_snap_restart_keys(s1->conf, s2->conf, keys, sizeof(keys));
	assert_string_equal(keys, "");
	assert_int_equal(vouch_dns_zone_new_text("", 0, NULL, &dns, NULL), 0);
	assert_int_equal(vouchd_metrics_new(&m), 0);
	assert_int_equal(vouchd_state_init(&st, s1, dns, m), 0);
	memset(&ci, 0, sizeof(ci));
	/* A connection opened before the reload keeps its snapshot. */
	assert_non_null(conn = vouchd_conn_new(&st, &ci));
	assert_int_equal(atomic_load(&s1->refs), 2);
	vouchd_state_swap(&st, s2);
	assert_int_equal(atomic_load(&s1->refs), 1);
	held = vouchd_state_snap(&st);
	assert_ptr_equal(held, s2);
	vouchd_snap_unref(held);
	assert_int_equal(vouchd_state_drain(&st, 10), 1);
	vouchd_conn_free(conn);	/* frees s1 (ASan would see a leak) */
	assert_int_equal(vouchd_state_drain(&st, 0), 0);
	vouchd_state_destroy(&st);
	vouchd_metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_http),
		cmocka_unit_test(test_metrics_histogram),
		cmocka_unit_test(test_metrics_addr),
		cmocka_unit_test(test_metrics_endpoint),
		cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_pidfile_and_users),
		cmocka_unit_test(test_unix_socket_mode),
		cmocka_unit_test(test_inet_nodelay),
		cmocka_unit_test(test_snapshot_swap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
