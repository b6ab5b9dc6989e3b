/*
 * Building and writing status.json. The file is the daemon's public face:
 * field names are a contract with ccr-failoverctl and operators' monitoring,
 * so they only ever grow. Unknown values are JSON null, never a made-up 0.
 * The file is replaced atomically (0644: anyone on the host may read it),
 * so a reader never sees half of it.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "isotime.h"
#include "status.h"
#include "xmalloc.h"

static const char *const status_health_names[] = {
	"unknown", "green", "yellow", "red"
};

static const char *const status_follow_names[] = {
	"unknown", "active", "paused", "not_follower", "missing"
};

/* The status.json name of a cluster health. */
const char *
status_health_name(enum obs_health health)
{
	if ((size_t)health >= sizeof status_health_names /
	    sizeof status_health_names[0])
		return ("unknown");
	return (status_health_names[health]);
}

/* The status.json name of a follower index's status. */
const char *
status_follow_name(enum obs_follow_status follow)
{
	if ((size_t)follow >= sizeof status_follow_names /
	    sizeof status_follow_names[0])
		return ("unknown");
	return (status_follow_names[follow]);
}

/*
 * A string, or null for NULL. Text from elsewhere (Elasticsearch error
 * reasons) may not be UTF-8; its other bytes become '?' rather than costing
 * the whole file.
 */
static json_t *
status_string(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if (s == NULL)
		return (json_null());
	if ((j = json_string(s)) != NULL)
		return (j);
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	j = json_string(copy);
	free(copy);
	return (j);
}

/* The clusters object, keyed by cluster name. */
static json_t *
status_clusters(const struct status_snapshot *snap)
{
	const struct status_cluster	*c;
	json_t				*obj;
	size_t				 i;

	obj = json_object();
	for (i = 0; i < CCR_CLUSTERS; i++) {
		c = &snap->clusters[i];
		if (c->name == NULL)
			continue;
		json_object_set_new(obj, c->name, json_pack("{s:b s:s s:i s:o}",
		    "reachable", c->reachable,
		    "status", status_health_name(c->health),
		    "consecutive_failures", c->consecutive_failures,
		    "last_error", status_string(c->last_error)));
	}
	return (obj);
}

/* The indices array, in configuration order. */
static json_t *
status_indices(const struct status_snapshot *snap)
{
	const struct status_index	*x;
	json_t				*arr;
	size_t				 i;

	arr = json_array();
	for (i = 0; i < snap->nindices; i++) {
		x = &snap->indices[i];
		json_array_append_new(arr,
		    json_pack("{s:o s:o s:o s:s s:o s:o}",
		    "leader", status_string(x->leader),
		    "follower", status_string(x->follower),
		    "lag_ops", x->lag_ops >= 0 ?
		    json_integer(x->lag_ops) : json_null(),
		    "follow_status", status_follow_name(x->follow),
		    "action_step", status_string(x->action_step),
		    "error", status_string(x->error)));
	}
	return (arr);
}

/* The action in flight with its progress, or null. */
static json_t *
status_action(const struct status_action *a)
{
	if (a->kind == NULL)
		return (json_null());
	return (json_pack("{s:s s:o s:I s:I s:I}",
	    "kind", a->kind,
	    "started", isotime_json(&a->started),
	    "total", (json_int_t)a->total,
	    "done", (json_int_t)a->done,
	    "failed", (json_int_t)a->failed));
}

/* What the divergence guard found, or null. */
static json_t *
status_divergence(const struct status_divergence *d)
{
	if (!d->fired)
		return (json_null());
	return (json_pack("{s:I s:I}",
	    "indices", (json_int_t)d->indices,
	    "operations", (json_int_t)d->operations));
}

/* The last control command consumed, or null. */
static json_t *
status_last_command(const struct status_command *c)
{
	if (c->id == NULL)
		return (json_null());
	return (json_pack("{s:s s:s s:s s:o}",
	    "id", c->id,
	    "command", fsm_command_name(c->command),
	    "outcome", control_outcome_name(c->outcome),
	    "message", status_string(c->message)));
}

/* The readiness checks of the last pass. */
static json_t *
status_readiness(const struct status_snapshot *snap)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < snap->nreadiness; i++)
		json_array_append_new(a, json_pack("{s:s s:b s:s}",
		    "check", snap->readiness[i].check,
		    "ok", snap->readiness[i].ok,
		    "detail", snap->readiness[i].detail));
	return (a);
}

/* The whole document; a new reference. */
static json_t *
status_to_json(const struct status_snapshot *snap)
{
	return (json_pack("{s:s s:I s:o s:b s:o s:o s:o s:o s:o s:o s:o s:I"
	    " s:b s:o s:o s:o s:o s:b s:o}",
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "state", status_string(snap->state),
	    "held", snap->held,
	    "pending", status_string(snap->pending),
	    "leader", status_string(snap->leader),
	    "follower", status_string(snap->follower),
	    "clusters", status_clusters(snap),
	    "indices", status_indices(snap),
	    "last_poll", isotime_json(&snap->last_poll),
	    "since", isotime_json(&snap->since),
	    "poll_interval_ms", (json_int_t)snap->poll_interval_ms,
	    "tilt", snap->tilt,
	    "reason", status_string(snap->reason),
	    "action", status_action(&snap->action),
	    "divergence", status_divergence(&snap->divergence),
	    "last_command", status_last_command(&snap->last_command),
	    "ready", snap->ready,
	    "readiness", status_readiness(snap)));
}

/* Replace <dir>/status.json with snap; -1 with *cause on failure. */
int
status_write(const struct status_snapshot *snap, const char *dir,
    char **cause)
{
	json_t	*doc;
	char	*dump, *text, *path;
	int	 ret;

	if ((doc = status_to_json(snap)) == NULL) {
		xasprintf(cause, "status snapshot holds invalid text");
		return (-1);
	}
	dump = json_dumps(doc, JSON_INDENT(2)|JSON_SORT_KEYS);
	json_decref(doc);
	if (dump == NULL) {
		xasprintf(cause, "cannot serialize the status");
		return (-1);
	}
	xasprintf(&text, "%s\n", dump);
	free(dump);
	xasprintf(&path, "%s/%s", dir, STATUS_FILE);
	ret = atomicfile_write(path, text, strlen(text), 0644, cause);
	free(path);
	free(text);
	return (ret);
}
