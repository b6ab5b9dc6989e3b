/* Unit tests for notify.c: the datagrams systemd would receive, read from
 * a socket of our own named by NOTIFY_SOCKET. */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "notify.h"
#include "testutil.h"

static char	*tmpdir;
static char	 sockpath[108];
static int	sock = -1;

/* Bind our own datagram socket and point NOTIFY_SOCKET at it. */
static void
setup(void)
{
	struct sockaddr_un	sun;

	tmpdir = tu_tmpdir("check_notify");
	snprintf(sockpath, sizeof sockpath, "%s/notify", tmpdir);
	sock = socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0);
	ck_assert_int_ne(sock, -1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sockpath);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sun, sizeof sun), 0);
	setenv("NOTIFY_SOCKET", sockpath, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* Remove the socket and its directory. */
static void
teardown(void)
{
	close(sock);
	tu_rmtree(tmpdir);
	free(tmpdir);
}

/*
 * The next datagram, or NULL when none is queued. A local datagram is
 * queued before sendmsg returns, so no waiting is needed.
 */
static char *
next_datagram(void)
{
	static char	buf[4096];
	ssize_t		n;

	n = recv(sock, buf, sizeof buf - 1, MSG_DONTWAIT);
	if (n == -1) {
		ck_assert_int_eq(errno, EAGAIN);
		return (NULL);
	}
	buf[n] = '\0';
	return (buf);
}

START_TEST(ready_stopping_status)
{
	notify_init();
	notify_ready();
	ck_assert_str_eq(next_datagram(), "READY=1");
	notify_status("REPLICATING: clusterA -> clusterB, 3 indices");
	ck_assert_str_eq(next_datagram(),
	    "STATUS=REPLICATING: clusterA -> clusterB, 3 indices");
	notify_stopping();
	ck_assert_str_eq(next_datagram(), "STOPPING=1");
	ck_assert_ptr_null(next_datagram());
}
END_TEST

START_TEST(status_only_when_changed)
{
	notify_init();
	notify_status("REPLICATING");
	notify_status("REPLICATING");
	ck_assert_str_eq(next_datagram(), "STATUS=REPLICATING");
	ck_assert_ptr_null(next_datagram());
	notify_status("LEADER_SUSPECT");
	ck_assert_str_eq(next_datagram(), "STATUS=LEADER_SUSPECT");
	notify_status("REPLICATING");
	ck_assert_str_eq(next_datagram(), "STATUS=REPLICATING");
	/* Only the first line is sent: a newline would start a new field. */
	notify_status("DEGRADED\nREADY=1");
	ck_assert_str_eq(next_datagram(), "STATUS=DEGRADED");
	ck_assert_ptr_null(next_datagram());
}
END_TEST

START_TEST(reloading_carries_monotonic_usec)
{
	const char	*prefix = "RELOADING=1\nMONOTONIC_USEC=";
	char		*msg, *end;

	notify_init();
	notify_reloading();
	msg = next_datagram();
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(strncmp(msg, prefix, strlen(prefix)), 0);
	ck_assert_uint_gt(strtoull(msg + strlen(prefix), &end, 10), 0);
	ck_assert_str_eq(end, "");
	notify_ready();
	ck_assert_str_eq(next_datagram(), "READY=1");
}
END_TEST

START_TEST(watchdog_half_period)
{
	struct event_base	*base;
	struct event		*ev;
	char			 pid[32];

	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	notify_init();
	ck_assert_uint_eq(notify_watchdog_interval_ms(), 2000);
	notify_watchdog();
	ck_assert_str_eq(next_datagram(), "WATCHDOG=1");
	base = event_base_new();
	ev = notify_watchdog_start(base);
	ck_assert_ptr_nonnull(ev);
	ck_assert(event_pending(ev, EV_TIMEOUT, NULL));
	event_free(ev);
	event_base_free(base);
}
END_TEST

START_TEST(watchdog_off_sends_nothing)
{
	notify_init();
	ck_assert_uint_eq(notify_watchdog_interval_ms(), 0);
	ck_assert_ptr_null(notify_watchdog_start(NULL));
	notify_watchdog();
	ck_assert_ptr_null(next_datagram());
}
END_TEST

START_TEST(watchdog_for_another_pid_is_off)
{
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	notify_init();
	ck_assert_uint_eq(notify_watchdog_interval_ms(), 0);
}
END_TEST

START_TEST(no_socket_no_datagrams)
{
	char	pid[32];

	unsetenv("NOTIFY_SOCKET");
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	notify_init();
	ck_assert_uint_eq(notify_watchdog_interval_ms(), 0);
	notify_ready();
	notify_status("REPLICATING");
	notify_watchdog();
	notify_reloading();
	notify_stopping();
	ck_assert_ptr_null(next_datagram());
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_stopping_status);
	tcase_add_test(tc, status_only_when_changed);
	tcase_add_test(tc, reloading_carries_monotonic_usec);
	tcase_add_test(tc, watchdog_half_period);
	tcase_add_test(tc, watchdog_off_sends_nothing);
	tcase_add_test(tc, watchdog_for_another_pid_is_off);
	tcase_add_test(tc, no_socket_no_datagrams);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
