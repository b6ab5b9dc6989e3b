/*
 * SIGHUP: the configuration is read again and checked whole, then swapped
 * in with fresh cluster clients, poller, readiness checks and engine, or
 * rejected with the running one kept; never while an action runs. What
 * cannot change on a running daemon (cluster names, the number of indices,
 * coordination other than its quorum, the metrics listener) asks for a
 * restart instead.
 */
#include "autoconf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-int.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "poller.h"
#include "xmalloc.h"

/*
 * Whether a reload may keep the running coordination: only the quorum may
 * change without a restart.
 */
static bool
daemon_coord_same(const struct ccr_coordination_config *a,
    const struct ccr_coordination_config *b)
{
	size_t	i;

#define SAME_STR(x, y) (((x) == NULL && (y) == NULL) || \
	((x) != NULL && (y) != NULL && strcmp((x), (y)) == 0))
	if (a->enabled != b->enabled)
		return (false);
	if (!a->enabled)
		return (true);
	if (a->nendpoints != b->nendpoints || a->lease_ttl_s != b->lease_ttl_s)
		return (false);
	for (i = 0; i < a->nendpoints; i++) {
		if (strcmp(a->endpoints[i], b->endpoints[i]) != 0)
			return (false);
	}
	return (SAME_STR(a->prefix, b->prefix) &&
	    SAME_STR(a->member, b->member) &&
	    SAME_STR(a->ca_file, b->ca_file) &&
	    SAME_STR(a->cert_file, b->cert_file) &&
	    SAME_STR(a->key_file, b->key_file) &&
	    SAME_STR(a->username, b->username) &&
	    SAME_STR(a->password_file, b->password_file));
#undef SAME_STR
}

/* SIGHUP: validate the new configuration, swap it in only when it is good. */
void
daemon_reload(void *arg)
{
	struct daemon		*d = arg;
	struct ccr_config	*cfg;
	struct es_cluster	*es[CCR_CLUSTERS];
	struct poller		*poller;
	struct log_field	 field;
	char			*cause;
	int			 leader, i;

	notify_reloading();
	field.name = "CCR_CONFIG";
	field.value = d->opts->config_path;
	if (action_running(d->engine)) {
		xasprintf(&cause, "a %s is running; reload again when it is "
		    "done", fsm_action_name(action_record(d->engine)->kind));
		goto rejected;
	}
	if (config_load_checked(d->opts->config_path, &cfg, &cause) == -1)
		goto rejected;
	leader = config_cluster_index(cfg, daemon_cluster_name(d, d->leader));
	if (leader == -1 || config_cluster_index(cfg,
	    daemon_cluster_name(d, 1 - d->leader)) == -1) {
		cause = xstrdup("the clusters were renamed; restart the daemon "
		    "to change them");
		config_free(cfg);
		goto rejected;
	}
	if (!daemon_coord_same(&cfg->coordination, &d->config->coordination)) {
		cause = xstrdup("the coordination section changed (other than "
		    "quorum); restart the daemon to change it");
		config_free(cfg);
		goto rejected;
	}
	if (metrics_reload_check(d->config, cfg, &cause) == -1) {
		config_free(cfg);
		goto rejected;
	}
	if (cfg->nindices != d->config->nindices) {
		cause = xstrdup("the number of indices changed; restart the "
		    "daemon to change them");
		config_free(cfg);
		goto rejected;
	}
	if (d->opts->dry_run)
		cfg->dry_run = true;
	if (daemon_open_clusters(d, cfg, es, &poller, &cause) == -1) {
		config_free(cfg);
		goto rejected;
	}

	action_free(d->engine);
	daemon_close_clusters(d);
	config_free(d->config);
	d->config = cfg;
	d->events.config = &cfg->hooks;
	d->engine = daemon_engine_create(d);
	for (i = 0; i < CCR_CLUSTERS; i++)
		d->es[i] = es[i];
	d->poller = poller;
	d->leader = leader;
	poller_set_leader(d->poller, d->leader);
	daemon_readiness_start(d);
	fsm_params_from_config(cfg, &d->params);
	control_set_interval(d->control, cfg->poll_interval_ms);
	if (!d->opts->level_given) {
		enum log_level	level;

		if (cfg->log_level != NULL &&
		    log_level_from_name(cfg->log_level, &level) == 0)
			log_set_level(level);
	}
	poller_start(d->poller);
	events_emit(&d->events, CCR_EVENT_CONFIG_RELOADED, LOG_LEVEL_NOTICE,
	    &field, 1, NULL,
	    "configuration reloaded from %s", d->opts->config_path);
	notify_ready();
	return;

rejected:
	events_emit(&d->events, CCR_EVENT_CONFIG_RELOADED, LOG_LEVEL_WARNING,
	    &field, 1, NULL,
	    "reload rejected, keeping the running configuration: %s", cause);
	free(cause);
	notify_ready();
}
