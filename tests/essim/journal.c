/*
 * Persistence for --data FILE: an append-only journal of JSON lines, one per
 * model mutation, written with write(2) before the request is answered, so
 * an acknowledged write survives kill -9 (the kernel holds the data). At
 * start the journal is replayed, then compacted: the whole state is written
 * to FILE.tmp, fsynced and renamed over FILE, and the directory fsynced. A
 * torn last line (a crash mid-write, never acknowledged) is ignored.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "essim.h"
#include "log.h"
#include "xmalloc.h"

struct journal {
	char	*path;
	int	 fd;
};

/* Write a whole buffer or fail. */
static int
journal_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* The model's journal hook: one line per record, before the answer. */
static void
journal_append(void *arg, json_t *rec)
{
	struct journal	*j = arg;
	char		*line;
	size_t		 len;

	if ((line = json_dumps(rec, JSON_COMPACT)) == NULL)
		fatalx("journal: cannot encode a record");
	len = strlen(line);
	line = xreallocarray(line, len + 2, 1);
	line[len] = '\n';
	if (journal_write_all(j->fd, line, len + 1) == -1)
		fatal("journal: write %s", j->path);
	free(line);
}

/* Replay every complete line of the journal into the cluster. */
static int
journal_replay(const char *path, struct sim_cluster *c, char **cause)
{
	FILE		*f;
	char		*line = NULL, *why = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	json_t		*rec;
	json_error_t	 jerr;
	unsigned long	 lineno = 0;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (0);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (n == 0 || line[n - 1] != '\n')
			break;
		if ((rec = json_loads(line, 0, &jerr)) == NULL) {
			if (getline(&line, &cap, f) == -1)
				break;
			xasprintf(cause, "%s:%lu: %s", path, lineno, jerr.text);
			free(line);
			fclose(f);
			return (-1);
		}
		if (sim_replay(c, rec, &why) == -1) {
			xasprintf(cause, "%s:%lu: %s", path, lineno, why);
			free(why);
			json_decref(rec);
			free(line);
			fclose(f);
			return (-1);
		}
		json_decref(rec);
	}
	free(line);
	fclose(f);
	return (0);
}

/* Write the compacted state to FILE.tmp, fsync, rename, fsync the dir. */
static int
journal_compact(const char *path, struct sim_cluster *c, char **cause)
{
	char	*tmp, *line, *dircopy;
	json_t	*recs, *rec;
	size_t	 i;
	int	 fd, dfd;

	xasprintf(&tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return (-1);
	}
	recs = sim_snapshot(c);
	json_array_foreach(recs, i, rec) {
		line = json_dumps(rec, JSON_COMPACT);
		if (line == NULL || journal_write_all(fd, line, strlen(line)) ==
		    -1 || journal_write_all(fd, "\n", 1) == -1) {
			xasprintf(cause, "%s: %s", tmp, strerror(errno));
			free(line);
			json_decref(recs);
			close(fd);
			free(tmp);
			return (-1);
		}
		free(line);
	}
	json_decref(recs);
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return (-1);
	}
	free(tmp);
	dircopy = xstrdup(path);
	if ((dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	free(dircopy);
	return (0);
}

/* Load the cluster from path (if it exists) and start journaling to it. */
struct journal *
journal_open(const char *path, struct sim_cluster *c, char **cause)
{
	struct journal	*j;

	if (journal_replay(path, c, cause) == -1 ||
	    journal_compact(path, c, cause) == -1)
		return (NULL);
	j = xcalloc(1, sizeof *j);
	j->path = xstrdup(path);
	if ((j->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(j->path);
		free(j);
		return (NULL);
	}
	c->journal = journal_append;
	c->journal_arg = j;
	return (j);
}

/* Close the journal (everything is already written). */
void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}
