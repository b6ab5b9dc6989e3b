/*
 * Hooks: operator programs run as child processes on events, without
 * blocking the loop, under a timeout, from a bounded queue.
 */
#ifndef CCR_HOOK_H
#define CCR_HOOK_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hook_runner;

enum hook_outcome {
	HOOK_OUTCOME_EXITED,	/* exit_status is its exit code */
	HOOK_OUTCOME_SIGNALED,	/* signo killed it */
	HOOK_OUTCOME_TIMED_OUT,	/* ran past timeout_ms and was killed */
	HOOK_OUTCOME_FAILED,	/* never ran: error says why */
	HOOK_OUTCOME_MAX
};

/* One more environment variable; name is upper case, e.g. CCR_REASON. */
struct hook_var {
	const char	*name;
	const char	*value;
};

/*
 * What to run and what it is told. NULL strings are left out of the
 * environment. Everything is copied by hook_run.
 */
struct hook_request {
	const char		*name;		/* e.g. "on_promote", CCR_HOOK */
	const char		*path;		/* absolute */
	uint64_t		 timeout_ms;
	const char		*event;		/* CCR_EVENT */
	const char		*old_leader;	/* CCR_OLD_LEADER */
	const char		*new_leader;	/* CCR_NEW_LEADER */
	const char		*leader;	/* CCR_LEADER */
	const char		*follower;	/* CCR_FOLLOWER */
	const char		*state;		/* CCR_STATE */
	const char		*old_state;	/* CCR_OLD_STATE */
	const char *const	*indices;	/* CCR_INDICES, comma-joined */
	size_t			 nindices;
	bool			 has_lost_operations;
	uint64_t		 lost_operations; /* CCR_LOST_OPERATIONS */
	const struct hook_var	*vars;
	size_t			 nvars;
};

/* How a hook ended; borrowed for the duration of the callback. */
struct hook_result {
	const char		*name;
	const char		*path;
	pid_t			 pid;		/* -1 when it never ran */
	enum hook_outcome	 outcome;
	int			 exit_status;	/* when it exited */
	int			 signo;		/* when a signal ended it */
	uint64_t		 duration_ms;
	const char		*output;	/* stdout and stderr, printable */
	size_t			 output_len;
	bool			 output_truncated;
	const char		*error;		/* HOOK_OUTCOME_FAILED */
};

struct hook_runner	*hook_runner_create(struct event_base *, unsigned int,
			     unsigned int);
void			 hook_runner_free(struct hook_runner *);
void			 hook_runner_counts(struct hook_runner *,
			     unsigned int *, unsigned int *);
void			 hook_forget(struct hook_runner *, void *,
			     void (*)(const struct hook_result *, void *));
int			 hook_run(struct hook_runner *,
			     const struct hook_request *,
			     void (*)(const struct hook_result *, void *),
			     void *, char **);
bool			 hook_result_succeeded(const struct hook_result *);
const char		*hook_outcome_name(enum hook_outcome);

#endif
