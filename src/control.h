/*
 * Operator control on the daemon's side: the control file in the runtime
 * directory and the signals an operator or systemd sends.
 */
#ifndef CCR_CONTROL_H
#define CCR_CONTROL_H

#include <stdint.h>

struct event_base;
struct control;
struct control_request;

/* Where a command came from. */
enum control_source {
	CONTROL_SOURCE_FILE,
	CONTROL_SOURCE_SIGNAL,
	CONTROL_SOURCE_MAX
};

/*
 * What the daemon is told; the request is borrowed for the call. Its id is
 * never empty: one is made up when the writer gave none, and for signals.
 * stop receives the signal number (SIGTERM or SIGINT).
 */
struct control_callbacks {
	void	(*command)(const struct control_request *req,
		    enum control_source source, void *arg);
	void	(*reload)(void *arg);
	void	(*stop)(int signo, void *arg);
	void	*arg;
};

struct control	*control_create(struct event_base *, const char *, uint64_t,
		     const struct control_callbacks *, char **);
void		 control_free(struct control *);
void		 control_set_interval(struct control *, uint64_t);
void		 control_check(struct control *);
const char	*control_file_path(struct control *);
const char	*control_source_name(enum control_source);

#endif
