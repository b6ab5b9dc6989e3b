/*
 * The daemon's configuration, parsed from libconfig syntax by config.c into
 * one struct that owns every string in it. A reload parses into a fresh
 * struct and swaps it in only when it is valid.
 */
#ifndef CCR_CONFIG_H
#define CCR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CCR_CLUSTERS	2

/* How the peer cluster registers this one under cluster.remote.<name>. */
struct ccr_remote_config {
	char	 *mode;			/* "proxy" or "sniff" */
	char	 *proxy_address;	/* proxy mode: host:port */
	char	 *server_name;		/* proxy mode, optional */
	int	  proxy_socket_connections; /* proxy mode, 0 = unset */
	char	**seeds;		/* sniff mode: host:port list */
	size_t	  nseeds;
	int	  node_connections;	/* sniff mode, 0 = unset */
	bool	  skip_unavailable;
};

struct ccr_cluster_config {
	char			*name;		/* also its remote alias */
	char			**urls;		/* nodes tried in order */
	size_t			 nurls;
	struct ccr_remote_config remote;
	char			*username;
	char			*password_file;	/* relative: $CREDENTIALS_DIRECTORY */
	char			*api_key_file;
	char			*ca_file;
	bool			 insecure;
	int			 line;		/* where it was defined */
};

/* One replicated index: its name on clusters[0] and on clusters[1]. */
struct ccr_index_pair {
	char	*leader_index;		/* name on the initial leader */
	char	*follower_index;	/* name on the initial follower */
};

struct ccr_hooks_config {
	char		*on_promote;
	char		*on_failback;
	char		*on_state_change;
	char		*pre_promote;
	uint64_t	 timeout_ms;
};

/*
 * Several watchers agreeing through etcd; enabled false when the
 * configuration has no coordination section (one daemon, as before).
 */
struct ccr_coordination_config {
	bool		 enabled;
	char		**endpoints;	/* etcd client URLs, tried in order */
	size_t		 nendpoints;
	char		*prefix;	/* every key lives under it */
	uint64_t	 lease_ttl_s;
	char		*ca_file;
	char		*cert_file;	/* TLS client certificate */
	char		*key_file;
	char		*username;	/* etcd authentication */
	char		*password_file;	/* relative: $CREDENTIALS_DIRECTORY */
	char		*member;	/* this watcher's unique name */
	int		 quorum;	/* watchers that must see the leader down */
	int		 line;		/* where the section starts */
};

struct ccr_config {
	char			*path;
	uint64_t		 poll_interval_ms;
	uint64_t		 request_timeout_ms;
	int			 failure_threshold;
	int			 recovery_threshold;
	bool			 require_follower_agreement;
	bool			 confirm_promote;
	bool			 confirm_failback;
	bool			 auto_failback;
	bool			 fence_old_leader;
	bool			 dry_run;
	uint64_t		 failover_block_s;
	uint64_t		 switchover_timeout_ms;
	uint64_t		 readiness_interval_s;	/* 0: only at start */
	int			 max_requests_per_cluster;

	/* clusters[0] is the configured leader, clusters[1] the follower. */
	struct ccr_cluster_config clusters[CCR_CLUSTERS];
	char			*leader;
	char			*follower;

	struct ccr_index_pair	*indices;
	size_t			 nindices;
	struct ccr_hooks_config	 hooks;
	struct ccr_coordination_config coordination;

	char			*state_dir;	/* NULL: not configured */
	char			*runtime_dir;
	char			*log_level;

	char			*metrics_listen;	/* HOST:PORT, NULL: off */
	bool			 metrics_allow_remote;
	char			*metrics_host;		/* numeric, from it */
	unsigned int		 metrics_port;		/* 0: any free one */
};

/*
 * Where state and runtime files go when neither a flag, systemd nor the
 * configuration names a directory: where systemd's StateDirectory= and
 * RuntimeDirectory= would put them.
 */
#define CONFIG_STATE_DIR	"/var/lib/ccr-failoverd"
#define CONFIG_RUNTIME_DIR	"/run/ccr-failoverd"

#define CONFIG_LEASE_TTL_S	10	/* coordination.etcd.lease_ttl_s */
#define CONFIG_QUORUM		2	/* coordination.quorum */
#define CONFIG_MEMBER_MAX	64	/* longest member name */

/* How long config_load_checked lets its child read the file. */
#define CONFIG_CHECK_TIMEOUT_MS	10000

enum config_dir {
	CONFIG_DIR_STATE,
	CONFIG_DIR_RUNTIME,
	CONFIG_DIR_MAX
};

/* config.c */
int	 config_load(const char *, struct ccr_config **, char **);
int	 config_load_checked(const char *, struct ccr_config **, char **);
int	 config_load_checked_ms(const char *, struct ccr_config **, char **,
	     int);
void	 config_free(struct ccr_config *);
int	 config_cluster_index(const struct ccr_config *, const char *);
char	*config_credential_path(const struct ccr_config *, const char *);
int	 config_read_secret(const struct ccr_config *, const char *, char **,
	     char **);
void	 config_secret_free(char *);
char	*config_dir(const struct ccr_config *, enum config_dir, const char *,
	     char *(*)(const char *));

/* config-print.c */
void	 config_print(FILE *, const struct ccr_config *);

#endif
