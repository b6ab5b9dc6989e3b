/*
 * Unit tests for control.c: the control file is consumed exactly once,
 * garbage is dropped, unsafe files and directories are refused without
 * being read, and signals reach the right callbacks.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "control-proto.h"
#include "control.h"
#include "log.h"
#include "testutil.h"

#define GIVE_UP_MS	3000

struct seen {
	struct event_base	*base;
	int			 commands;
	char			 id[128];
	char			 word[32];
	enum control_source	 source;
	int			 reloads;
	int			 stops;
	int			 stop_signo;
};

static char	*tmpdir;
static char	rundir[512];
static char	ctlpath[768];

static void
on_command(const struct control_request *req, enum control_source source,
    void *arg)
{
	struct seen	*s = arg;

	s->commands++;
	snprintf(s->id, sizeof s->id, "%s", req->id);
	snprintf(s->word, sizeof s->word, "%s", fsm_command_name(req->command));
	s->source = source;
	if (s->base != NULL)
		event_base_loopbreak(s->base);
}

static void
on_reload(void *arg)
{
	struct seen	*s = arg;

	s->reloads++;
	if (s->base != NULL)
		event_base_loopbreak(s->base);
}

static void
on_stop(int signo, void *arg)
{
	struct seen	*s = arg;

	s->stops++;
	s->stop_signo = signo;
	if (s->base != NULL)
		event_base_loopbreak(s->base);
}

static const struct control_callbacks callbacks = {
	on_command, on_reload, on_stop, NULL
};

static void
setup(void)
{
	umask(022);
	log_init("check_control", LOG_LEVEL_DEBUG);
	tmpdir = tu_tmpdir("check_control");
	snprintf(rundir, sizeof rundir, "%s/run", tmpdir);
	snprintf(ctlpath, sizeof ctlpath, "%s/control", rundir);
}

static void
teardown(void)
{
	chmod(rundir, 0700);
	tu_rmtree(tmpdir);
	free(tmpdir);
}

/* Write a control file the way ccr-failoverctl does: temp, then rename. */
static void
write_control(const void *buf, size_t len, mode_t mode)
{
	char	tmp[PATH_MAX];

	snprintf(tmp, sizeof tmp, "%s/control.tmp", rundir);
	tu_write(tmp, buf, len, mode);
	ck_assert_int_eq(rename(tmp, ctlpath), 0);
}

static void
write_line(const char *line)
{
	write_control(line, strlen(line), 0600);
}

static int
exists(const char *path)
{
	struct stat	st;

	return (lstat(path, &st) == 0);
}

/* A control on a fresh base; a long interval so only control_check reads. */
static struct control *
make_control(struct event_base **base, struct seen *s, uint64_t interval_ms)
{
	struct control_callbacks	 cb = callbacks;
	struct control			*c;
	char				*cause = NULL;

	memset(s, 0, sizeof *s);
	*base = event_base_new();
	ck_assert_ptr_nonnull(*base);
	s->base = *base;
	cb.arg = s;
	c = control_create(*base, rundir, interval_ms, &cb, &cause);
	if (c == NULL)
		ck_abort_msg("control_create: %s", cause);
	return (c);
}

static void
give_up_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	event_base_loopbreak(arg);
}

/* Run the loop until a callback breaks it, or give up. */
static void
run_loop(struct event_base *base)
{
	struct event	*give_up;
	struct timeval	 tv = { GIVE_UP_MS / 1000, 0 };

	give_up = evtimer_new(base, give_up_cb, base);
	evtimer_add(give_up, &tv);
	event_base_dispatch(base);
	event_free(give_up);
}

START_TEST(creates_runtime_dir)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	struct stat		 st;

	ck_assert(!exists(rundir));
	c = make_control(&base, &s, 60000);
	ck_assert_int_eq(lstat(rundir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0750);
	ck_assert_str_eq(control_file_path(c), ctlpath);
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(command_consumed_once)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	char			 claimed[PATH_MAX];

	c = make_control(&base, &s, 60000);
	write_line("42-abc confirm\n");
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.id, "42-abc");
	ck_assert_str_eq(s.word, "confirm");
	ck_assert_int_eq(s.source, CONTROL_SOURCE_FILE);
	ck_assert(!exists(ctlpath));
	snprintf(claimed, sizeof claimed, "%s.reading", ctlpath);
	ck_assert(!exists(claimed));
	control_check(c);
	control_check(c);
	ck_assert_int_eq(s.commands, 1);

	write_line("43-abc hold\n");
	control_check(c);
	ck_assert_int_eq(s.commands, 2);
	ck_assert_str_eq(s.word, "hold");
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(every_command_word)
{
	static const char *const words[] = {
		"confirm", "abort", "hold", "resume", "promote", "failback",
		"switchover"
	};
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	char			 line[64];
	size_t			 i;

	c = make_control(&base, &s, 60000);
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		snprintf(line, sizeof line, "id%zu %s\n", i, words[i]);
		write_line(line);
		control_check(c);
		ck_assert_int_eq(s.commands, (int)i + 1);
		ck_assert_str_eq(s.word, words[i]);
	}
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(bare_word_gets_an_id)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	char			 first[128];

	c = make_control(&base, &s, 60000);
	write_line("confirm\n");
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.word, "confirm");
	ck_assert_int_gt(strlen(s.id), 0);
	snprintf(first, sizeof first, "%s", s.id);

	/* printf abort > control: no newline at all. */
	write_line("abort");
	control_check(c);
	ck_assert_int_eq(s.commands, 2);
	ck_assert_str_eq(s.word, "abort");
	ck_assert_str_ne(s.id, first);
	control_free(c);
	event_base_free(base);
}
END_TEST

/* A string literal and its length, NULs included. */
#define G(s) { s, sizeof s - 1 }

START_TEST(garbage_ignored)
{
	static const struct {
		const char	*buf;
		size_t		 len;
	} garbage[] = {
		G("frobnicate\n"),
		G("7 frobnicate\n"),
		G("\n"),
		G("confirm\nabort\n"),
		G("1 confirm\n2 abort\n"),
		G("1 confirm extra\n"),
		G("1 \n"),
		G("CONFIRM\n"),
		G("con\0firm\n"),
		G("\x7f\x45LF\x02\x01\x01\0\0\0"),
		G("\xc3\xa9 confirm\n"),
	};
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	char			 big[1000];
	size_t			 i;

	c = make_control(&base, &s, 60000);
	for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		write_control(garbage[i].buf, garbage[i].len, 0600);
		control_check(c);
		ck_assert_msg(!exists(ctlpath), "garbage %zu not consumed", i);
		ck_assert_msg(s.commands == 0, "garbage %zu accepted", i);
	}

	memset(big, 'a', sizeof big);
	memcpy(big + sizeof big - 8, " abort\n", 7);
	write_control(big, sizeof big, 0600);
	control_check(c);
	ck_assert(!exists(ctlpath));
	ck_assert_int_eq(s.commands, 0);

	/* An id longer than any the ctl makes. */
	memset(big, 'x', 100);
	memcpy(big + 100, " abort\n", 7);
	write_control(big, 107, 0600);
	control_check(c);
	ck_assert_int_eq(s.commands, 0);

	/* And the reader still works afterwards. */
	write_line("9 resume\n");
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.word, "resume");
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(empty_file_given_a_second_look)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	int			 fd;

	c = make_control(&base, &s, 60000);
	fd = open(ctlpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	control_check(c);
	ck_assert(exists(ctlpath));

	/* The shell's write lands: the command is read. */
	ck_assert_int_eq(write(fd, "confirm\n", 8), 8);
	close(fd);
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	ck_assert(!exists(ctlpath));

	/* Still empty on the second look: dropped as garbage. */
	write_control("", 0, 0600);
	control_check(c);
	ck_assert(exists(ctlpath));
	control_check(c);
	ck_assert(!exists(ctlpath));
	ck_assert_int_eq(s.commands, 1);
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(stale_file_discarded_at_start)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;

	ck_assert_int_eq(mkdir(rundir, 0750), 0);
	write_line("1 promote\n");
	c = make_control(&base, &s, 60000);
	ck_assert(!exists(ctlpath));
	control_check(c);
	ck_assert_int_eq(s.commands, 0);
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(writable_file_refused)
{
	static const mode_t	 modes[] = { 0602, 0620, 0666 };
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	size_t			 i;

	c = make_control(&base, &s, 60000);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_control("1 promote\n", 10, modes[i]);
		control_check(c);
		control_check(c);
		ck_assert_int_eq(s.commands, 0);
		ck_assert(exists(ctlpath));
	}
	ck_assert_int_eq(chmod(ctlpath, 0644), 0);
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	ck_assert(!exists(ctlpath));
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(writable_dir_refused)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	char			*cause = NULL;

	c = make_control(&base, &s, 60000);
	ck_assert_int_eq(chmod(rundir, 0757), 0);
	write_line("1 promote\n");
	control_check(c);
	control_check(c);
	ck_assert_int_eq(s.commands, 0);
	ck_assert(exists(ctlpath));

	ck_assert_int_eq(chmod(rundir, 0770), 0);
	control_check(c);
	ck_assert_int_eq(s.commands, 0);
	ck_assert(exists(ctlpath));

	ck_assert_int_eq(chmod(rundir, 0750), 0);
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	control_free(c);

	/* An unsafe directory at start is an error. */
	ck_assert_int_eq(chmod(rundir, 0777), 0);
	ck_assert_ptr_null(control_create(base, rundir, 1000, &callbacks,
	    &cause));
	ck_assert_ptr_nonnull(strstr(cause, "writable"));
	free(cause);
	event_base_free(base);
}
END_TEST

START_TEST(symlink_refused)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	char			 target[PATH_MAX], link[PATH_MAX];
	char			*cause = NULL, *text;

	c = make_control(&base, &s, 60000);
	snprintf(target, sizeof target, "%s/target", tmpdir);
	tu_write(target, "1 promote\n", 10, 0600);
	ck_assert_int_eq(symlink(target, ctlpath), 0);
	control_check(c);
	control_check(c);
	ck_assert_int_eq(s.commands, 0);
	ck_assert(exists(ctlpath));
	text = tu_read(target, NULL);
	ck_assert_str_eq(text, "1 promote\n");
	free(text);
	control_free(c);

	/* A runtime directory that is a symlink is refused too. */
	snprintf(link, sizeof link, "%s/runlink", tmpdir);
	ck_assert_int_eq(symlink(rundir, link), 0);
	ck_assert_ptr_null(control_create(base, link, 1000, &callbacks,
	    &cause));
	ck_assert_ptr_nonnull(strstr(cause, "symbolic link"));
	free(cause);
	event_base_free(base);
}
END_TEST

static void
check_once(void *c)
{
	control_check(c);
}

/* Run control_check with stderr captured; count lines holding needle. */
static int
check_counting(struct control *c, const char *needle)
{
	char	*text, *p;
	int	 n = 0;

	text = tu_stderr_of(check_once, c);
	for (p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(text);
	return (n);
}

START_TEST(refusal_logged_once)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;

	c = make_control(&base, &s, 60000);
	write_control("1 promote\n", 10, 0666);
	ck_assert_int_eq(check_counting(c, "refusing"), 1);
	ck_assert_int_eq(check_counting(c, "refusing"), 0);
	ck_assert_int_eq(check_counting(c, "refusing"), 0);

	/* A different problem is news. */
	ck_assert_int_eq(chmod(ctlpath, 0622), 0);
	ck_assert_int_eq(check_counting(c, "refusing"), 1);
	ck_assert_int_eq(check_counting(c, "refusing"), 0);

	/* Gone and back: logged again. */
	ck_assert_int_eq(unlink(ctlpath), 0);
	ck_assert_int_eq(check_counting(c, "refusing"), 0);
	write_control("1 promote\n", 10, 0622);
	ck_assert_int_eq(check_counting(c, "refusing"), 1);
	ck_assert_int_eq(s.commands, 0);

	/* The directory vanishing is refused, not a crash, and recovers. */
	ck_assert_int_eq(unlink(ctlpath), 0);
	ck_assert_int_eq(rmdir(rundir), 0);
	ck_assert_int_eq(check_counting(c, "No such file"), 1);
	ck_assert_int_eq(mkdir(rundir, 0700), 0);
	write_line("2 abort\n");
	control_check(c);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.word, "abort");
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(fifo_refused)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;

	c = make_control(&base, &s, 60000);
	ck_assert_int_eq(mkfifo(ctlpath, 0600), 0);
	control_check(c);
	ck_assert_int_eq(s.commands, 0);
	ck_assert(exists(ctlpath));
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(timer_reads_file)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;

	c = make_control(&base, &s, 20);
	write_line("7 switchover\n");
	run_loop(base);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.word, "switchover");
	control_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(interval_can_change)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;

	c = make_control(&base, &s, 600000);
	control_set_interval(c, 20);
	write_line("8 failback\n");
	run_loop(base);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.word, "failback");
	control_free(c);
	event_base_free(base);
}
END_TEST

static void
raise_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	raise(*(int *)arg);
}

/* Raise signo from inside the loop and run until a callback fires. */
static void
raise_in_loop(struct event_base *base, int signo)
{
	struct timeval	 tv = { 0, 0 };
	struct event	*ev;

	ev = evtimer_new(base, raise_cb, &signo);
	evtimer_add(ev, &tv);
	run_loop(base);
	event_free(ev);
}

START_TEST(signals_reach_callbacks)
{
	struct event_base	*base;
	struct control		*c;
	struct seen		 s;
	struct sigaction	 sa;

	c = make_control(&base, &s, 60000);

	raise_in_loop(base, SIGUSR1);
	ck_assert_int_eq(s.commands, 1);
	ck_assert_str_eq(s.word, "confirm");
	ck_assert_int_eq(s.source, CONTROL_SOURCE_SIGNAL);
	ck_assert_int_gt(strlen(s.id), 0);

	raise_in_loop(base, SIGUSR2);
	ck_assert_int_eq(s.commands, 2);
	ck_assert_str_eq(s.word, "hold");
	ck_assert_int_eq(s.source, CONTROL_SOURCE_SIGNAL);

	raise_in_loop(base, SIGHUP);
	ck_assert_int_eq(s.reloads, 1);
	ck_assert_int_eq(s.commands, 2);

	raise_in_loop(base, SIGTERM);
	ck_assert_int_eq(s.stops, 1);
	ck_assert_int_eq(s.stop_signo, SIGTERM);

	raise_in_loop(base, SIGINT);
	ck_assert_int_eq(s.stops, 2);
	ck_assert_int_eq(s.stop_signo, SIGINT);
	ck_assert_int_eq(s.reloads, 1);
	ck_assert_int_eq(s.commands, 2);

	/* SIGPIPE is ignored while control runs, and given back after. */
	ck_assert_int_eq(raise(SIGPIPE), 0);
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert_ptr_eq(sa.sa_handler, SIG_IGN);
	control_free(c);
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert_ptr_eq(sa.sa_handler, SIG_DFL);
	event_base_free(base);
}
END_TEST

START_TEST(source_names)
{
	ck_assert_str_eq(control_source_name(CONTROL_SOURCE_FILE), "file");
	ck_assert_str_eq(control_source_name(CONTROL_SOURCE_SIGNAL), "signal");
	ck_assert_str_eq(control_source_name(CONTROL_SOURCE_MAX), "unknown");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, creates_runtime_dir);
	tcase_add_test(tc, command_consumed_once);
	tcase_add_test(tc, every_command_word);
	tcase_add_test(tc, bare_word_gets_an_id);
	tcase_add_test(tc, garbage_ignored);
	tcase_add_test(tc, empty_file_given_a_second_look);
	tcase_add_test(tc, stale_file_discarded_at_start);
	tcase_add_test(tc, writable_file_refused);
	tcase_add_test(tc, writable_dir_refused);
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, refusal_logged_once);
	tcase_add_test(tc, fifo_refused);
	tcase_add_test(tc, timer_reads_file);
	tcase_add_test(tc, interval_can_change);
	tcase_add_test(tc, signals_reach_callbacks);
	tcase_add_test(tc, source_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
