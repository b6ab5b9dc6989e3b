/*
 * What several unit tests need around them: a private temporary directory
 * per test, whole-file reads and writes, and what a call wrote to stderr. Every helper asserts, so a
 * test never goes on after its scaffolding failed.
 */
#ifndef CCR_TESTUTIL_H
#define CCR_TESTUTIL_H

#include <sys/types.h>

#include <stddef.h>

char	*tu_tmpdir(const char *);
void	 tu_rmtree(const char *);
int	 tu_count_entries(const char *);
char	*tu_read(const char *, size_t *);
void	 tu_assert_file(const char *, const char *);
void	 tu_write(const char *, const void *, size_t, mode_t);
char	*tu_stderr_of(void (*)(void *), void *);

#endif
