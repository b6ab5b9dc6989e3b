/*
 * libFuzzer harness: the control-command parser, with what the daemon does
 * to an accepted command (format it again, name its outcome).
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control-proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request	 req, again;
	char			 line[CONTROL_PROTO_LINE_MAX], *cause = NULL;
	char			*cause2 = NULL;

	memset(&req, 0, sizeof req);
	if (control_proto_parse((const char *)data, size, &req, &cause) == 0) {
		/* What was accepted formats to a line that parses the same. */
		if (control_proto_format(&req, line, sizeof line) != 0)
			abort();
		memset(&again, 0, sizeof again);
		if (control_proto_parse(line, strlen(line), &again,
		    &cause2) != 0 || again.command != req.command ||
		    strcmp(again.id, req.id) != 0)
			abort();
	}
	free(cause);
	free(cause2);
	return (0);
}
