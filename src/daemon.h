/*
 * The running daemon: one event loop carrying the cluster clients, the
 * poller, the state machine, operator control and hooks.
 */
#ifndef CCR_DAEMON_H
#define CCR_DAEMON_H

#include <stdbool.h>

#include "log.h"

struct daemon_options {
	const char	*config_path;
	const char	*state_dir;	/* flag values; NULL when not given */
	const char	*runtime_dir;
	bool		 dry_run;
	bool		 level_given;	/* --log-level beats the config */
	enum log_level	 level;
};

int	daemon_run(const struct daemon_options *);

#endif
