/* Unit tests for atomicfile.c: replacement, modes, and failures that must
 * leave the old file as it was and no temporary file behind. */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "testutil.h"
#include "xmalloc.h"

static char	*tmpdir;
static char	*target;

/* Make a private directory for each test. */
static void
setup(void)
{
	tmpdir = tu_tmpdir("check_atomicfile");
	xasprintf(&target, "%s/file", tmpdir);
}

static void
teardown(void)
{
	tu_rmtree(tmpdir);
	free(tmpdir);
	free(target);
}

START_TEST(writes_and_replaces)
{
	char	*cause = NULL;

	ck_assert_int_eq(atomicfile_write(target, "one\n", 4, 0600, &cause), 0);
	tu_assert_file(target, "one\n");
	ck_assert_int_eq(atomicfile_write(target, "two\n", 4, 0600, &cause), 0);
	tu_assert_file(target, "two\n");
	ck_assert_int_eq(atomicfile_write(target, "", 0, 0600, &cause), 0);
	tu_assert_file(target, "");
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);
	ck_assert_ptr_null(cause);
}
END_TEST

/* The unsynced form replaces the same way for readers. */
START_TEST(replace_without_sync)
{
	struct stat	 st;
	char		*cause = NULL;

	ck_assert_int_eq(atomicfile_replace(target, "one\n", 4, 0644,
	    &cause), 0);
	tu_assert_file(target, "one\n");
	ck_assert_int_eq(atomicfile_replace(target, "two\n", 4, 0644,
	    &cause), 0);
	tu_assert_file(target, "two\n");
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(mode_is_exact)
{
	struct stat	 st;
	char		*cause = NULL;
	mode_t		 old;

	old = umask(077);
	ck_assert_int_eq(atomicfile_write(target, "x", 1, 0644, &cause), 0);
	umask(old);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(atomicfile_write(target, "y", 1, 0600, &cause), 0);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(failed_write_keeps_old_file)
{
	struct rlimit	 saved, small;
	char		*big, *cause = NULL;
	size_t		 len = 256 * 1024;

	ck_assert_int_eq(atomicfile_write(target, "old\n", 4, 0600, &cause), 0);

	/* A file size limit makes the write itself fail halfway. */
	big = xmalloc(len);
	memset(big, 'x', len);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	small = saved;
	small.rlim_cur = 4096;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	ck_assert_int_eq(atomicfile_write(target, big, len, 0600, &cause), -1);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, SIG_DFL);
	free(big);

	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "write"));
	free(cause);
	tu_assert_file(target, "old\n");
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);
}
END_TEST

START_TEST(failed_rename_cleans_up)
{
	char	*cause = NULL;

	/* A directory in the way: everything succeeds but the rename. */
	ck_assert_int_eq(mkdir(target, 0700), 0);
	ck_assert_int_eq(atomicfile_write(target, "new", 3, 0600, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "rename"));
	free(cause);
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);
	ck_assert_int_eq(rmdir(target), 0);
}
END_TEST

START_TEST(missing_directory_fails)
{
	char	*path, *cause = NULL;

	xasprintf(&path, "%s/no/such/file", tmpdir);
	ck_assert_int_eq(atomicfile_write(path, "x", 1, 0600, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, path));
	free(cause);
	free(path);
	ck_assert_int_eq(tu_count_entries(tmpdir), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("atomicfile");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, writes_and_replaces);
	tcase_add_test(tc, mode_is_exact);
	tcase_add_test(tc, replace_without_sync);
	tcase_add_test(tc, failed_write_keeps_old_file);
	tcase_add_test(tc, failed_rename_cleans_up);
	tcase_add_test(tc, missing_directory_fails);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
