/*
 * Knobs: switches that make essim show one of Elasticsearch's hard cases,
 * per cluster or per index, set at start by a flag or at run time over
 * /_essim/knobs. They are kept as JSON so a test reads back exactly what it
 * set; each knob is checked against a table of names and types, and an
 * unknown name or a wrong type is a 400 (a typo must not pass silently).
 *
 *   PUT    /_essim/knobs           cluster knobs (a JSON object; null
 *                                  resets one knob to its start value)
 *   PUT    /_essim/knobs/<index>   knobs of one index name (also before
 *                                  the index exists)
 *   GET    /_essim/knobs           {"cluster": {...}, "indices": {...}}
 *   DELETE /_essim/knobs[/<index>] back to the start values
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "essim.h"
#include "xmalloc.h"

enum knob_type {
	KNOB_BOOL,
	KNOB_MS,		/* integer >= 0 */
	KNOB_STRING,		/* one of a list of words */
	KNOB_RANGE		/* {"shard", "from_seq_no", "to_seq_no"} */
};

struct knob_def {
	const char	*name;
	enum knob_type	 type;
	const char	*words;		/* KNOB_STRING: space-separated */
};

static const struct knob_def knob_cluster_defs[] = {
	{ "remote_cluster_client", KNOB_BOOL, NULL },
	{ "reject_peer_credentials", KNOB_BOOL, NULL },
	{ "remote_removed", KNOB_STRING, "retry fatal" },
	{ "restore_ms", KNOB_MS, NULL },
	{ "restore_bytes_per_sec", KNOB_MS, NULL },
};

static const struct knob_def knob_index_defs[] = {
	{ "hold_back", KNOB_RANGE, NULL },
	{ "restore_ms", KNOB_MS, NULL },
	{ "restore_bytes_per_sec", KNOB_MS, NULL },
};

#define KNOB_N(t)	(sizeof (t) / sizeof (t)[0])

/* The cluster knobs as given on the command line (the start values). */
void
knob_init(struct essim *es)
{
	es->knobs = json_object();
	es->index_knobs = json_object();
	es->knobs_start = json_object();
}

/* Record a start value given by a command-line flag. */
void
knob_set_start(struct essim *es, const char *name, json_t *v)
{
	json_object_set(es->knobs_start, name, v);
	json_object_set_new(es->knobs, name, v);
}

/* Free the knobs. */
void
knob_free(struct essim *es)
{
	json_decref(es->knobs);
	json_decref(es->index_knobs);
	json_decref(es->knobs_start);
}

/* Whether a value fits a knob's type; -1 with a 400 in *out if not. */
static int
knob_check(const struct knob_def *d, json_t *v, json_t **out)
{
	const char	*s, *w;
	size_t		 len;
	json_t		*f, *t, *sh;

	switch (d->type) {
	case KNOB_BOOL:
		if (json_is_boolean(v))
			return (0);
		break;
	case KNOB_MS:
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			return (0);
		break;
	case KNOB_STRING:
		if ((s = json_string_value(v)) == NULL)
			break;
		len = strlen(s);
		for (w = d->words; w != NULL; w = strchr(w, ' ')) {
			if (*w == ' ')
				w++;
			if (strncmp(w, s, len) == 0 &&
			    (w[len] == ' ' || w[len] == '\0'))
				return (0);
		}
		break;
	case KNOB_RANGE:
		sh = json_object_get(v, "shard");
		f = json_object_get(v, "from_seq_no");
		t = json_object_get(v, "to_seq_no");
		if (json_is_object(v) && (sh == NULL || (json_is_integer(sh) &&
		    json_integer_value(sh) >= 0)) && json_is_integer(f) &&
		    json_is_integer(t) && json_integer_value(f) >= 0 &&
		    json_integer_value(t) >= json_integer_value(f))
			return (0);
		break;
	}
	sim_error(out, 400, "illegal_argument_exception", "bad value for knob "
	    "[%s]%s%s", d->name, d->words != NULL ? ": one of " : "",
	    d->words != NULL ? d->words : "");
	return (-1);
}

/* Merge a body of knobs into target after checking every member. */
static int
knob_merge(const struct knob_def *defs, size_t ndefs, json_t *target,
    json_t *start, json_t *body, json_t **out)
{
	const char	*name;
	json_t		*v;
	size_t		 i;

	if (!json_is_object(body))
		return (sim_error(out, 400, "illegal_argument_exception",
		    "knobs are a JSON object"));
	json_object_foreach(body, name, v) {
		for (i = 0; i < ndefs; i++) {
			if (strcmp(defs[i].name, name) == 0)
				break;
		}
		if (i == ndefs)
			return (sim_error(out, 400, "illegal_argument_exception",
			    "unknown knob [%s]", name));
		if (!json_is_null(v) && knob_check(&defs[i], v, out) == -1)
			return (400);
	}
	json_object_foreach(body, name, v) {
		if (!json_is_null(v))
			json_object_set(target, name, v);
		else if (start != NULL && json_object_get(start, name) != NULL)
			json_object_set(target, name, json_object_get(start,
			    name));
		else
			json_object_del(target, name);
	}
	return (0);
}

/* PUT /_essim/knobs[/<index>]. */
int
knob_put(struct essim *es, const char *index, json_t *body, json_t **out)
{
	json_t	*ik;
	int	 status;

	if (index == NULL) {
		if ((status = knob_merge(knob_cluster_defs,
		    KNOB_N(knob_cluster_defs), es->knobs, es->knobs_start, body,
		    out)) != 0)
			return (status);
	} else {
		if ((ik = json_object_get(es->index_knobs, index)) == NULL) {
			ik = json_object();
			json_object_set_new(es->index_knobs, index, ik);
		}
		if ((status = knob_merge(knob_index_defs,
		    KNOB_N(knob_index_defs), ik, NULL, body, out)) != 0)
			return (status);
		if (json_object_size(ik) == 0)
			json_object_del(es->index_knobs, index);
	}
	*out = knob_get(es);
	return (200);
}

/* GET /_essim/knobs. */
json_t *
knob_get(struct essim *es)
{
	return (json_pack("{s:O, s:O}", "cluster", es->knobs, "indices",
	    es->index_knobs));
}

/* DELETE /_essim/knobs[/<index>]. */
void
knob_reset(struct essim *es, const char *index)
{
	if (index != NULL) {
		json_object_del(es->index_knobs, index);
		return;
	}
	json_object_clear(es->index_knobs);
	json_decref(es->knobs);
	es->knobs = json_deep_copy(es->knobs_start);
}

/* A knob of an index, else of the cluster, or NULL. */
json_t *
knob_value(struct essim *es, const char *index, const char *name)
{
	json_t	*v;

	if (index != NULL && (v = json_object_get(json_object_get(
	    es->index_knobs, index), name)) != NULL)
		return (v);
	return (json_object_get(es->knobs, name));
}

/* A boolean knob of the cluster. */
int
knob_bool(struct essim *es, const char *name, int def)
{
	json_t	*v = json_object_get(es->knobs, name);

	return (json_is_boolean(v) ? json_is_true(v) : def);
}

/* An integer knob of an index (falling back to the cluster's), or def. */
json_int_t
knob_int(struct essim *es, const char *index, const char *name,
    json_int_t def)
{
	json_t	*v = knob_value(es, index, name);

	return (json_is_integer(v) ? json_integer_value(v) : def);
}

/* Whether a string knob of the cluster has that value. */
int
knob_is(struct essim *es, const char *name, const char *value)
{
	const char	*s = json_string_value(json_object_get(es->knobs,
	    name));

	return (s != NULL && strcmp(s, value) == 0);
}
