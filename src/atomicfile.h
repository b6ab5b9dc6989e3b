/*
 * Replacing a file so that a reader, or the file system after a crash, sees
 * either the old contents or the new, never a mixture.
 */
#ifndef CCR_ATOMICFILE_H
#define CCR_ATOMICFILE_H

#include <sys/types.h>

#include <stddef.h>

int	atomicfile_write(const char *, const void *, size_t, mode_t, char **);
int	atomicfile_replace(const char *, const void *, size_t, mode_t,
	    char **);

#endif
