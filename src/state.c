/*
 * The persistent record (see state.h), saved as a whole with atomicfile
 * (temporary file, fsync, rename, fsync of the directory) so the file on
 * disk is always one complete version.
 *
 * Loading trusts nothing. A missing file is a first start; an empty, torn,
 * malformed or newer-format file is reported with the reason and leaves the
 * caller's record untouched, because guessing at an action's progress could
 * repeat or skip a step on a live cluster. The loader parses into a fresh
 * record and swaps it in only when all of it is valid. The action records
 * inside are the engine's own format: here they are only kept, as compact
 * JSON text, and checked to be objects; action_record_from_json() judges
 * their contents. Kept as text, the engine's record (a member per index,
 * saved before every batch of mutating requests) is written into the file
 * as it is, without a jansson tree.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "isotime.h"
#include "state.h"
#include "xmalloc.h"

/* A state file this large is not one this daemon wrote. */
#define STATE_MAX_SIZE	(64 * 1024 * 1024)

/* An empty record that will be saved to path (which is copied). */
void
state_init(struct state *st, const char *path)
{
	memset(st, 0, sizeof *st);
	st->path = xstrdup(path);
	st->fsm.state = FSM_STATE_REPLICATING;
	st->fsm.pending_from = FSM_STATE_REPLICATING;
}

/* Replace *dst with a copy of src (NULL allowed). */
static void
state_set_string(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/* A string, or null for NULL. */
static json_t *
state_string_json(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/* Free everything st owns; st may be initialized again afterwards. */
void
state_clear(struct state *st)
{
	free(st->path);
	free(st->leader);
	free(st->follower);
	free(st->action);
	free(st->promotion);
	json_decref(st->identity);
	free(st->failed);
	free(st->fenced);
	json_decref(st->index_uuids);
	memset(st, 0, sizeof *st);
}

/* Record the current roles (after a promotion or failback). */
void
state_set_roles(struct state *st, const char *leader, const char *follower)
{
	state_set_string(&st->leader, leader);
	state_set_string(&st->follower, follower);
}

/* Keep the action in flight as JSON text (taken over; NULL: none). */
void
state_set_action(struct state *st, char *action)
{
	free(st->action);
	st->action = action;
}

/* Keep the last promotion's record as JSON text (taken over; NULL: none). */
void
state_set_promotion(struct state *st, char *promotion)
{
	free(st->promotion);
	st->promotion = promotion;
}

/* The uuid pinned for index on cluster, or NULL. */
const char *
state_index_uuid(const struct state *st, const char *cluster,
    const char *index)
{
	return (json_string_value(json_object_get(json_object_get(
	    st->index_uuids, cluster), index)));
}

/* Pin uuid for index on cluster. */
void
state_set_index_uuid(struct state *st, const char *cluster,
    const char *index, const char *uuid)
{
	json_t	*c;

	if (st->index_uuids == NULL)
		st->index_uuids = json_object();
	if ((c = json_object_get(st->index_uuids, cluster)) == NULL) {
		c = json_object();
		json_object_set_new(st->index_uuids, cluster, c);
	}
	json_object_set_new(c, index, json_string(uuid));
}

/* Forget the uuid pinned for index on cluster: that index is gone. */
void
state_forget_index_uuid(struct state *st, const char *cluster,
    const char *index)
{
	json_object_del(json_object_get(st->index_uuids, cluster), index);
}

/* Forget every index uuid pinned on cluster: its indices were replaced. */
void
state_forget_index_uuids(struct state *st, const char *cluster)
{
	if (st->index_uuids != NULL)
		json_object_del(st->index_uuids, cluster);
}

/* The old leader whose indices are write-blocked (NULL: none). */
void
state_set_fenced(struct state *st, const char *cluster)
{
	state_set_string(&st->fenced, cluster);
}

/* Keep the failed action's record as JSON text (taken over; NULL: none). */
void
state_set_failed(struct state *st, char *failed)
{
	free(st->failed);
	st->failed = failed;
}

/* The cluster_uuid pinned for cluster name, or NULL. */
const char *
state_identity(const struct state *st, const char *name)
{
	return (json_string_value(json_object_get(st->identity, name)));
}

/* Pin uuid for cluster name; NULL forgets the pin. */
void
state_set_identity(struct state *st, const char *name, const char *uuid)
{
	if (st->identity == NULL)
		st->identity = json_object();
	if (uuid == NULL)
		json_object_del(st->identity, name);
	else
		json_object_set_new(st->identity, name, json_string(uuid));
}

/* Kept text parsed again: a new reference, or NULL for none or garbage. */
static json_t *
state_parse(const char *text)
{
	json_error_t	err;

	return (text != NULL ? json_loads(text, 0, &err) : NULL);
}

/* The action in flight as JSON (a new reference), or NULL. */
json_t *
state_action(const struct state *st)
{
	return (state_parse(st->action));
}

/* The last promotion's record as JSON (a new reference), or NULL. */
json_t *
state_promotion(const struct state *st)
{
	return (state_parse(st->promotion));
}

/* The failed action's record as JSON (a new reference), or NULL. */
json_t *
state_failed(const struct state *st)
{
	return (state_parse(st->failed));
}

/* An action name, or null for none. */
static json_t *
state_action_name_json(enum fsm_action a)
{
	return (a != FSM_ACTION_NONE ? json_string(fsm_action_name(a)) :
	    json_null());
}

/*
 * Keep the machine's durable part; its anti-flap block, a duration on the
 * monotonic clock, is stored as the wall-clock instant it ends.
 */
void
state_set_fsm(struct state *st, const struct fsm_saved *saved)
{
	struct timespec	now;

	st->fsm = *saved;
	memset(&st->block_until, 0, sizeof st->block_until);
	if (saved->block_left_ms != 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		st->block_until.tv_sec = now.tv_sec +
		    (time_t)(saved->block_left_ms / 1000);
		st->block_until.tv_nsec = now.tv_nsec;
	}
}

/* The machine's durable part as loaded, with what is left of the block. */
void
state_fsm(const struct state *st, struct fsm_saved *saved)
{
	struct timespec	now;

	*saved = st->fsm;
	saved->block_left_ms = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (st->block_until.tv_sec > now.tv_sec)
		saved->block_left_ms =
		    (uint64_t)(st->block_until.tv_sec - now.tv_sec) * 1000;
}

/* The record but its action records, as a JSON document; NULL: bad text. */
static json_t *
state_base_json(const struct state *st)
{
	const struct fsm_saved	*f = &st->fsm;

	return (json_pack("{s:i s:o s:o s:{s:s s:o s:s s:b s:o s:b s:b s:b s:s}"
	    " s:o s:o s:o s:o}",
	    "version", STATE_FORMAT_VERSION,
	    "leader", state_string_json(st->leader),
	    "follower", state_string_json(st->follower),
	    "fsm",
	    "state", fsm_state_name(f->state),
	    "pending", state_action_name_json(f->pending),
	    "pending_from", fsm_state_name(f->pending_from),
	    "pending_engine", f->pending_engine,
	    "action", state_action_name_json(f->action),
	    "forced", f->forced,
	    "held", f->held,
	    "dismissed", f->dismissed,
	    "reason", f->reason,
	    "failover_block_until", isotime_json(&st->block_until),
	    "identity", st->identity != NULL ? json_incref(st->identity) :
	    json_object(),
	    "fenced", state_string_json(st->fenced),
	    "index_uuids", st->index_uuids != NULL ?
	    json_incref(st->index_uuids) : json_object()));
}

/* The whole record as a JSON document; NULL if it holds invalid text. */
json_t *
state_to_json(const struct state *st)
{
	json_t	*doc, *action, *promotion, *failed;

	if ((doc = state_base_json(st)) == NULL)
		return (NULL);
	action = state_action(st);
	promotion = state_promotion(st);
	failed = state_failed(st);
	if ((st->action != NULL && action == NULL) ||
	    (st->promotion != NULL && promotion == NULL) ||
	    (st->failed != NULL && failed == NULL)) {
		json_decref(action);
		json_decref(promotion);
		json_decref(failed);
		json_decref(doc);
		return (NULL);
	}
	json_object_set_new(doc, "action", action != NULL ? action :
	    json_null());
	json_object_set_new(doc, "promotion", promotion != NULL ? promotion :
	    json_null());
	json_object_set_new(doc, "failed_action", failed != NULL ? failed :
	    json_null());
	return (doc);
}

/*
 * Save the whole record to its path, atomically and durably, mode 0600.
 * The action records go in as the text they are kept as, after the rest.
 */
int
state_save(const struct state *st, char **cause)
{
	json_t	*doc;
	char	*dump, *text;
	size_t	 len;
	int	 ret;

	if ((doc = state_base_json(st)) == NULL) {
		xasprintf(cause, "state record holds invalid text");
		return (-1);
	}
	dump = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (dump == NULL) {
		xasprintf(cause, "cannot serialize the state record");
		return (-1);
	}
	/* Reopen the object after its last member. */
	len = strlen(dump);
	while (len > 0 && dump[len - 1] != '}')
		len--;
	if (len == 0) {
		free(dump);
		xasprintf(cause, "cannot serialize the state record");
		return (-1);
	}
	len--;
	while (len > 0 && (dump[len - 1] == '\n' || dump[len - 1] == ' '))
		len--;
	dump[len] = '\0';
	xasprintf(&text, "%s,\n  \"action\": %s,\n  \"promotion\": %s,\n"
	    "  \"failed_action\": %s\n}\n",
	    dump, st->action != NULL ? st->action : "null",
	    st->promotion != NULL ? st->promotion : "null",
	    st->failed != NULL ? st->failed : "null");
	free(dump);
	ret = atomicfile_write(st->path, text, strlen(text), 0600, cause);
	free(text);
	return (ret);
}

/*
 * Field readers for the loader: each fails with a message naming the field
 * (never its value, which may be garbage of any size).
 */
static int
state_get_string(json_t *obj, const char *where, const char *key,
    int required, char **ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	*ret = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return (0);
		xasprintf(cause, "%s%s is missing", where, key);
		return (-1);
	}
	if (!json_is_string(v)) {
		xasprintf(cause, "%s%s is not a string", where, key);
		return (-1);
	}
	*ret = xstrdup(json_string_value(v));
	return (0);
}

/* Read a required boolean. */
static int
state_get_bool(json_t *obj, const char *where, const char *key, bool *ret,
    char **cause)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_boolean(v)) {
		xasprintf(cause, "%s%s is not true or false", where, key);
		return (-1);
	}
	*ret = json_is_true(v);
	return (0);
}

/* Read a required integer within [min, max]. */
static int
state_get_int(json_t *obj, const char *where, const char *key,
    int64_t min, int64_t max, int64_t *ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		xasprintf(cause, "%s%s is not an integer from %" PRId64
		    " to %" PRId64, where, key, min, max);
		return (-1);
	}
	*ret = json_integer_value(v);
	return (0);
}

/* Read an optional time; absent or null is zero. */
static int
state_get_time(json_t *obj, const char *where, const char *key,
    struct timespec *ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	memset(ret, 0, sizeof *ret);
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) ||
	    isotime_parse(json_string_value(v), ret) == -1) {
		xasprintf(cause, "%s%s is not an ISO 8601 UTC time", where,
		    key);
		return (-1);
	}
	return (0);
}

/* Read a required state name. */
static int
state_get_state(json_t *obj, const char *key, enum fsm_state *ret,
    char **cause)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_string(v) ||
	    fsm_state_from_name(json_string_value(v), ret) == -1) {
		xasprintf(cause, "fsm.%s is not a state name", key);
		return (-1);
	}
	return (0);
}

/* Read an optional action name; absent or null is none. */
static int
state_get_action(json_t *obj, const char *key, enum fsm_action *ret,
    char **cause)
{
	json_t	*v = json_object_get(obj, key);

	*ret = FSM_ACTION_NONE;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) ||
	    fsm_action_from_name(json_string_value(v), ret) == -1) {
		xasprintf(cause, "fsm.%s is not an action name", key);
		return (-1);
	}
	return (0);
}

/* Read an optional object, kept by reference; absent or null is NULL. */
static int
state_get_tree(json_t *obj, const char *key, json_t **ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_object(v)) {
		xasprintf(cause, "%s is not an object", key);
		return (-1);
	}
	*ret = json_incref(v);
	return (0);
}

/* Read an optional object, kept as its text; absent or null is NULL. */
static int
state_get_object(json_t *obj, const char *key, char **ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_object(v)) {
		xasprintf(cause, "%s is not an object", key);
		return (-1);
	}
	if ((*ret = json_dumps(v, JSON_COMPACT)) == NULL) {
		xasprintf(cause, "%s cannot be kept", key);
		return (-1);
	}
	return (0);
}

/* Read the state machine's durable part. */
static int
state_load_fsm(json_t *j, struct fsm_saved *f, char **cause)
{
	char	*reason;

	if (!json_is_object(j)) {
		xasprintf(cause, "fsm is not an object");
		return (-1);
	}
	if (state_get_state(j, "state", &f->state, cause) == -1 ||
	    state_get_action(j, "pending", &f->pending, cause) == -1 ||
	    state_get_state(j, "pending_from", &f->pending_from, cause) == -1 ||
	    state_get_bool(j, "fsm.", "pending_engine", &f->pending_engine,
	    cause) == -1 ||
	    state_get_action(j, "action", &f->action, cause) == -1 ||
	    state_get_bool(j, "fsm.", "forced", &f->forced, cause) == -1 ||
	    state_get_bool(j, "fsm.", "held", &f->held, cause) == -1 ||
	    state_get_bool(j, "fsm.", "dismissed", &f->dismissed, cause) == -1 ||
	    state_get_string(j, "fsm.", "reason", 1, &reason, cause) == -1)
		return (-1);
	snprintf(f->reason, sizeof f->reason, "%s", reason);
	free(reason);
	return (0);
}

/* Fill st from a parsed document; st is cleared by the caller on failure. */
static int
state_from_json(json_t *doc, struct state *st, char **cause)
{
	int64_t		 version;
	const char	*key;
	json_t		*v;

	if (!json_is_object(doc)) {
		xasprintf(cause, "not a JSON object");
		return (-1);
	}
	if (state_get_int(doc, "", "version", 1, INT32_MAX, &version,
	    cause) == -1)
		return (-1);
	if (version > STATE_FORMAT_VERSION) {
		xasprintf(cause, "format version %" PRId64 " is newer than "
		    "this daemon's (%d)", version, STATE_FORMAT_VERSION);
		return (-1);
	}
	if (state_get_string(doc, "", "leader", 1, &st->leader, cause) == -1 ||
	    state_get_string(doc, "", "follower", 1, &st->follower,
	    cause) == -1 ||
	    state_load_fsm(json_object_get(doc, "fsm"), &st->fsm, cause) == -1 ||
	    state_get_time(doc, "", "failover_block_until", &st->block_until,
	    cause) == -1 ||
	    state_get_object(doc, "action", &st->action, cause) == -1 ||
	    state_get_object(doc, "promotion", &st->promotion, cause) == -1 ||
	    state_get_tree(doc, "identity", &st->identity, cause) == -1 ||
	    state_get_object(doc, "failed_action", &st->failed, cause) == -1 ||
	    state_get_string(doc, "", "fenced", 0, &st->fenced, cause) == -1 ||
	    state_get_tree(doc, "index_uuids", &st->index_uuids,
	    cause) == -1)
		return (-1);
	json_object_foreach(st->identity, key, v) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			xasprintf(cause, "identity.%.64s is not a cluster_uuid",
			    key);
			return (-1);
		}
	}
	json_object_foreach(st->index_uuids, key, v) {
		const char	*ik;
		json_t		*iv;

		if (!json_is_object(v)) {
			xasprintf(cause, "index_uuids.%.64s is not an object",
			    key);
			return (-1);
		}
		json_object_foreach(v, ik, iv) {
			if (!json_is_string(iv)) {
				xasprintf(cause, "index_uuids.%.64s.%.64s is "
				    "not a uuid", key, ik);
				return (-1);
			}
		}
	}
	return (0);
}

/*
 * Replace st's record with the document doc (another member's copy of it),
 * keeping st's path; on failure st is untouched and *cause set.
 */
int
state_load_json(struct state *st, json_t *doc, char **cause)
{
	struct state	 fresh;

	state_init(&fresh, st->path);
	if (state_from_json(doc, &fresh, cause) == -1) {
		state_clear(&fresh);
		return (-1);
	}
	state_clear(st);
	*st = fresh;
	return (0);
}

/* Read all of fd, refusing files larger than any this daemon writes. */
static int
state_read(int fd, char **ret, size_t *len, char **cause)
{
	struct stat	 st;
	char		*buf;
	size_t		 size, got = 0;
	ssize_t		 n;

	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "stat: %s", strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "not a regular file");
		return (-1);
	}
	if (st.st_size > STATE_MAX_SIZE) {
		xasprintf(cause, "larger than %d bytes", STATE_MAX_SIZE);
		return (-1);
	}
	size = (size_t)st.st_size;
	buf = xmalloc(size + 1);
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "read: %s", strerror(errno));
			free(buf);
			return (-1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret = buf;
	*len = got;
	return (0);
}

/*
 * Load the record at path into st, which must hold a record (state_init),
 * replacing it and remembering path for saving. STATE_MISSING leaves st an empty record for path;
 * STATE_INVALID leaves st untouched and sets *cause.
 */
enum state_load_result
state_load(struct state *st, const char *path, char **cause)
{
	struct state	 fresh;
	json_error_t	 jerr;
	json_t		*doc;
	char		*buf, *why;
	size_t		 len;
	int		 fd;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			state_clear(st);
			state_init(st, path);
			return (STATE_MISSING);
		}
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (STATE_INVALID);
	}
	if (state_read(fd, &buf, &len, &why) == -1) {
		close(fd);
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return (STATE_INVALID);
	}
	close(fd);
	if (len == 0) {
		free(buf);
		xasprintf(cause, "%s: empty file", path);
		return (STATE_INVALID);
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (doc == NULL) {
		xasprintf(cause, "%s:%d:%d: not valid JSON (torn or damaged): "
		    "%s", path, jerr.line, jerr.column, jerr.text);
		return (STATE_INVALID);
	}
	state_init(&fresh, path);
	if (state_from_json(doc, &fresh, &why) == -1) {
		json_decref(doc);
		state_clear(&fresh);
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return (STATE_INVALID);
	}
	json_decref(doc);
	state_clear(st);
	*st = fresh;
	return (STATE_LOADED);
}
