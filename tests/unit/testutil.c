/* Temporary directories and whole files for unit tests; see testutil.h. */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* A new private directory /tmp/<name>.XXXXXX; the caller frees the path. */
char *
tu_tmpdir(const char *name)
{
	char	*dir;

	ck_assert_int_ge(asprintf(&dir, "/tmp/%s.XXXXXX", name), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return (dir);
}

/* Remove dir and everything below it; a missing dir is fine. */
void
tu_rmtree(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*p;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		ck_assert_int_ge(asprintf(&p, "%s/%s", dir, de->d_name), 0);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			tu_rmtree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

/* The number of entries in dir, . and .. aside. */
int
tu_count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return (n);
}

/* All of f from its start, NUL-terminated; *len (if not NULL) its size. */
static char *
read_stream(FILE *f, size_t *len)
{
	char	*buf;
	long	 size;

	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	if (len != NULL)
		*len = (size_t)size;
	return (buf);
}

/* The whole file, NUL-terminated; *len (if not NULL) its size. */
char *
tu_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = read_stream(f, len);
	fclose(f);
	return (buf);
}

/* Assert the file at path holds exactly want. */
void
tu_assert_file(const char *path, const char *want)
{
	char	*text;

	text = tu_read(path, NULL);
	ck_assert_str_eq(text, want);
	free(text);
}

/* Replace the file at path with len bytes of data, with the given mode. */
void
tu_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int	fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Run fn(arg) with stderr going to a file; what it wrote, NUL-terminated. */
char *
tu_stderr_of(void (*fn)(void *), void *arg)
{
	FILE	*tmp;
	char	*buf;
	int	 saved;

	tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_ne(dup2(fileno(tmp), STDERR_FILENO), -1);
	fn(arg);
	fflush(stderr);
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	buf = read_stream(tmp, NULL);
	fclose(tmp);
	return (buf);
}
