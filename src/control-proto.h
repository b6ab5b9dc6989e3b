/*
 * The control file protocol shared by ccr-failoverctl and the daemon.
 *
 * A command is one line, "<id> <command>\n" (a bare "<command>" written by
 * hand is accepted too, with an empty id), in <runtime_dir>/control. The
 * writer creates the line in a temporary file (mode 0644) and hard-links it
 * to "control", which fails while an earlier command is still there, so a
 * command is never overwritten. Who may submit is decided by who may create
 * files in the runtime directory. The daemon reads the file and removes it:
 * each command is consumed exactly once. It then reports the outcome as
 * last_command {id, command, outcome, message} in status.json, which is how
 * the writer learns that its command was seen.
 */
#ifndef CCR_CONTROL_PROTO_H
#define CCR_CONTROL_PROTO_H

#include <stddef.h>

#include "fsm.h"

#define CONTROL_PROTO_FILE	"control"
#define CONTROL_PROTO_ID_MAX	64	/* id buffer size, NUL included */
#define CONTROL_PROTO_ARG_MAX	128	/* argument buffer, NUL included */
#define CONTROL_PROTO_LINE_MAX	256	/* longest line, newline included */

/* What the daemon did with a command, as last_command.outcome says. */
enum control_outcome {
	CONTROL_OUTCOME_ACCEPTED,
	CONTROL_OUTCOME_REJECTED,
	CONTROL_OUTCOME_MAX
};

struct control_request {
	char			id[CONTROL_PROTO_ID_MAX];	/* "" if none */
	enum fsm_command		command;
	char			arg[CONTROL_PROTO_ARG_MAX];	/* reset-identity's
							   cluster, else "" */
};

const char	*control_outcome_name(enum control_outcome);
int		 control_outcome_from_name(const char *,
		     enum control_outcome *);

void	control_proto_make_id(char *, size_t);
int	control_proto_parse(const char *, size_t, struct control_request *,
	    char **);
int	control_proto_format(const struct control_request *, char *, size_t);

int	control_proto_submit(const char *, const struct control_request *,
	    char **);
int	control_proto_withdraw(const char *, const char *, char **);

#endif
