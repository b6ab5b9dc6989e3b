/*
 * Atomic, durable file replacement. The new contents go to a temporary file
 * in the same directory (rename is only atomic within one file system), which
 * is written in full and fsync'd before it is renamed over the target; the
 * directory is then fsync'd so the rename itself survives a crash. Any
 * failure before the rename removes the temporary file and leaves the old
 * file as it was.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "xmalloc.h"

/* Write all of buf, resuming after short writes and signals. */
static int
atomicfile_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Flush a directory's entries, making a rename inside it durable. */
static int
atomicfile_sync_dir(const char *dir)
{
	int	fd, saved;

	if ((fd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC)) == -1)
		return (-1);
	if (fsync(fd) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	close(fd);
	return (0);
}

/*
 * Replace path with len bytes of buf, readable as mode (umask does not
 * apply); with durable, synced to disk before and after the rename. On
 * failure return -1 and set *cause; path is then untouched unless only the
 * final directory sync failed, which the message says.
 */
static int
atomicfile_put(const char *path, const void *buf, size_t len, mode_t mode,
    int durable, char **cause)
{
	char	*copy1, *copy2, *dir, *tmp = NULL;
	int	 fd = -1, ret = -1;

	copy1 = xstrdup(path);
	copy2 = xstrdup(path);
	dir = dirname(copy1);
	xasprintf(&tmp, "%s/.%s.XXXXXX", dir, basename(copy2));

	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "create temporary file for %s: %s", path,
		    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) == -1) {
		xasprintf(cause, "chmod %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (atomicfile_write_all(fd, buf, len) == -1) {
		xasprintf(cause, "write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (durable && fsync(fd) == -1) {
		xasprintf(cause, "fsync %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		xasprintf(cause, "close %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (durable && atomicfile_sync_dir(dir) == -1) {
		xasprintf(cause, "%s replaced, but fsync of directory %s "
		    "failed: %s", path, dir, strerror(errno));
		goto out;
	}
	ret = 0;

out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(copy1);
	free(copy2);
	return (ret);
}

/* Replace path atomically and durably: a crash leaves old or new. */
int
atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode,
    char **cause)
{
	return (atomicfile_put(path, buf, len, mode, 1, cause));
}

/*
 * Replace path atomically for its readers, without syncing: for snapshots
 * rewritten often, which a crash may lose.
 */
int
atomicfile_replace(const char *path, const void *buf, size_t len,
    mode_t mode, char **cause)
{
	return (atomicfile_put(path, buf, len, mode, 0, cause));
}
