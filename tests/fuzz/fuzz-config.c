/*
 * libFuzzer harness: the configuration loader (libconfig and every check
 * behind it) on a file, with two include files beside it, a good one and a
 * broken one. What loads must print (config_print, as -t -p does) to a file
 * that loads again and prints the same.
 *
 * libconfig 1.5's scanner exits the process on an @include of a directory
 * or of something that is not a regular file; the daemon survives that by
 * reading the file in a child first (config_load_checked, tested in
 * check_config). Here inputs whose includes could reach beyond the two
 * regular files are skipped, so the fuzzer explores the parser instead.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	dir[64], conf[128], printed[128];

static void
spew(const char *path, const void *data, size_t size)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void
setup(void)
{
	char	path[256];

	snprintf(dir, sizeof dir, "/tmp/fuzz-config.%ld", (long)getpid());
	if (mkdir(dir, 0755) == -1)
		abort();
	snprintf(conf, sizeof conf, "%s/c.conf", dir);
	snprintf(printed, sizeof printed, "%s/printed.conf", dir);
	snprintf(path, sizeof path, "%s/a.inc", dir);
	spew(path, "poll_interval_ms = 500;\n", 24);
	snprintf(path, sizeof path, "%s/b.inc", dir);
	spew(path, "failure_threshold = \n", 21);
}

/*
 * Whether every @include names a plain relative path: no escapes, no "..",
 * no '/' (so nothing but files in dir), not empty. Anything else may name a
 * directory or a device, on which libconfig 1.5 exits.
 */
static int
includes_are_plain(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *q;
	size_t		 n;

	while ((p = memmem(p, (size_t)(end - p), "@include", 8)) != NULL) {
		p += 8;
		while (p < end && *p != '"' && *p != '\n')
			p++;
		if (p >= end || *p != '"')
			continue;
		q = ++p;
		while (q < end && *q != '"')
			q++;
		n = (size_t)(q - p);
		if (q >= end || n == 0 || memchr(p, '\\', n) != NULL ||
		    memchr(p, '/', n) != NULL || memchr(p, '\0', n) != NULL ||
		    (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return (0);
	}
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccr_config	*cfg, *again;
	char			*cause = NULL, *one = NULL, *two = NULL;
	size_t			 len1, len2;
	FILE			*f;

	if (dir[0] == '\0')
		setup();
	if (!includes_are_plain(data, size))
		return (0);
	spew(conf, data, size);
	if (config_load(conf, &cfg, &cause) == -1) {
		free(cause);
		return (0);
	}
	if ((f = open_memstream(&one, &len1)) == NULL)
		abort();
	config_print(f, cfg);
	fclose(f);
	spew(printed, one, len1);
	if (config_load(printed, &again, &cause) == -1) {
		fprintf(stderr, "the print does not load: %s\n%s", cause, one);
		abort();
	}
	if ((f = open_memstream(&two, &len2)) == NULL)
		abort();
	config_print(f, again);
	fclose(f);
	if (len1 != len2 || memcmp(one, two, len1) != 0) {
		fprintf(stderr, "printed twice, differs:\n%s---\n%s", one, two);
		abort();
	}
	free(one);
	free(two);
	config_free(again);
	config_free(cfg);
	return (0);
}
