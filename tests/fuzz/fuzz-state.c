/*
 * libFuzzer harness: state.json as the daemon loads it at start (the file
 * read, its fields, the fsm) and the action and promotion records in it as
 * the engine takes them back (action_record_from_json). A record that loads
 * must write out to JSON that loads again.
 */
#include "autoconf.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "action.h"
#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	path[64];

static void
record(const json_t *j)
{
	struct action_record	*rec, *again;
	json_t			*out;
	char			*cause = NULL;

	if (j == NULL)
		return;
	if ((rec = action_record_from_json(j, &cause)) == NULL) {
		free(cause);
		return;
	}
	out = action_record_to_json(rec);
	if ((again = action_record_from_json(out, &cause)) == NULL) {
		fprintf(stderr, "a loaded record does not load again: %s\n",
		    cause);
		abort();
	}
	action_record_free(again);
	json_decref(out);
	action_record_free(rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state	 st;
	char		*cause = NULL;
	int		 fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof path, "/tmp/fuzz-state.%ld.json",
		    (long)getpid());
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	state_init(&st, path);
	if (state_load(&st, path, &cause) == STATE_LOADED) {
		record(st.action);
		record(st.promotion);
	}
	free(cause);
	state_clear(&st);
	unlink(path);
	return (0);
}
