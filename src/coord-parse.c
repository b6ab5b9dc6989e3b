/*
 * etcd's JSON gateway in and out; see coord-parse.h. Request bodies are
 * built with jansson and dumped compact. The answer reader accepts every
 * gateway answer the watcher uses, so one function maps them all: each
 * field is read when present and checked for its type, absent fields keep
 * their zero value (proto3 leaves out false, zero and empty).
 */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "coord-parse.h"
#include "log.h"
#include "xmalloc.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding, as the gateway reads and writes bytes. */
char *
coord_b64_encode(const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *o;
	size_t			 i;
	uint32_t		 v;

	out = o = xmalloc((len + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (out);
}

/* The value of one base64 digit, -1 for anything else. */
static int
b64_digit(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64_alphabet, c)) == NULL)
		return (-1);
	return ((int)(p - b64_alphabet));
}

/* Decode padded base64 into a NUL-terminated buffer *ret owns. */
int
coord_b64_decode(const char *in, char **ret, size_t *lenp)
{
	size_t	 len = strlen(in), i, n = 0;
	char	*out;
	int	 d[4], j, pad = 0;

	if (len % 4 != 0)
		return (-1);
	out = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		for (j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || in[i + 3] == '=')) {
				d[j] = 0;
				pad++;
			} else if ((d[j] = b64_digit(in[i + j])) == -1) {
				free(out);
				return (-1);
			}
		}
		out[n++] = (char)(d[0] << 2 | d[1] >> 4);
		if (pad < 2)
			out[n++] = (char)((d[1] & 15) << 4 | d[2] >> 2);
		if (pad < 1)
			out[n++] = (char)((d[2] & 3) << 6 | d[3]);
	}
	out[n] = '\0';
	*ret = out;
	*lenp = n;
	return (0);
}

/* Dump a document compact and drop it; jansson fails only out of memory. */
static char *
body_dump(json_t *doc)
{
	char	*s;

	if (doc == NULL || (s = json_dumps(doc, JSON_COMPACT)) == NULL)
		fatalx("coord: cannot build an etcd request");
	json_decref(doc);
	return (s);
}

/* A base64 JSON string of a C string. */
static json_t *
b64_json(const char *s)
{
	char	*e = coord_b64_encode(s, strlen(s));
	json_t	*j = json_string(e);

	free(e);
	return (j);
}

/* A 64-bit number the way the gateway writes it: a decimal string. */
static json_t *
int64_json(int64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	return (json_string(buf));
}

/* /v3/lease/grant: a lease of ttl seconds. */
char *
coord_body_grant(uint64_t ttl_s)
{
	return (body_dump(json_pack("{s:o}", "TTL", int64_json(
	    (int64_t)ttl_s))));
}

/* /v3/lease/keepalive and /v3/lease/revoke: the lease by id. */
char *
coord_body_lease(int64_t id)
{
	return (body_dump(json_pack("{s:o}", "ID", int64_json(id))));
}

/* /v3/auth/authenticate. */
char *
coord_body_auth(const char *name, const char *password)
{
	return (body_dump(json_pack("{s:s s:s}", "name", name, "password",
	    password)));
}

/* /v3/kv/range over [key, end) (end NULL: the key alone). */
char *
coord_body_range(const char *key, const char *end, int64_t min_mod_revision)
{
	json_t	*doc = json_pack("{s:o}", "key", b64_json(key));

	if (doc != NULL && end != NULL)
		json_object_set_new(doc, "range_end", b64_json(end));
	if (doc != NULL && min_mod_revision > 0)
		json_object_set_new(doc, "min_mod_revision",
		    int64_json(min_mod_revision));
	return (body_dump(doc));
}

/* The put request inside a transaction or /v3/kv/put (lease 0: none). */
static json_t *
put_json(const char *key, const char *value, int64_t lease)
{
	json_t	*put;

	put = json_pack("{s:o s:o}", "key", b64_json(key), "value",
	    b64_json(value));

	if (put != NULL && lease != 0)
		json_object_set_new(put, "lease", int64_json(lease));
	return (put);
}

/* /v3/kv/put. */
char *
coord_body_put(const char *key, const char *value, int64_t lease)
{
	return (body_dump(put_json(key, value, lease)));
}

/* /v3/kv/deleterange of one key. */
char *
coord_body_delete(const char *key)
{
	return (body_dump(json_pack("{s:o}", "key", b64_json(key))));
}

/*
 * /v3/kv/txn: create the actor key for member on its lease only if no key
 * exists; otherwise read who holds it.
 */
char *
coord_body_claim(const char *actor_key, const char *member, int64_t lease)
{
	return (body_dump(json_pack("{s:[{s:s s:o s:o}] s:[{s:o}] "
	    "s:[{s:{s:o}}]}",
	    "compare", "target", "CREATE", "key", b64_json(actor_key),
	    "create_revision", int64_json(0),
	    "success", "request_put", put_json(actor_key, member, lease),
	    "failure", "request_range", "key", b64_json(actor_key))));
}

/*
 * /v3/kv/txn: write the record only if it is still at revision rev (0: it
 * does not exist yet) and the actor key is still member's, on its lease. A
 * member that lost the role, or never held it, cannot overwrite the record.
 * On failure, read the actor key and the record to learn why.
 */
char *
coord_body_record(const char *record_key, int64_t rev, const char *actor_key,
    const char *member, int64_t lease, const char *value)
{
	return (body_dump(json_pack("{s:[{s:s s:o s:o} {s:s s:o s:o} "
	    "{s:s s:o s:o}] s:[{s:o}] s:[{s:{s:o}} {s:{s:o}}]}",
	    "compare",
	    "target", "MOD", "key", b64_json(record_key),
	    "mod_revision", int64_json(rev),
	    "target", "VALUE", "key", b64_json(actor_key),
	    "value", b64_json(member),
	    "target", "LEASE", "key", b64_json(actor_key),
	    "lease", int64_json(lease),
	    "success", "request_put", put_json(record_key, value, 0),
	    "failure", "request_range", "key", b64_json(actor_key),
	    "request_range", "key", b64_json(record_key))));
}

/*
 * /v3/kv/txn: replace a forwarded command with its answer, keeping the
 * requester's lease, only if it is still the version that was carried out.
 */
char *
coord_body_answer(const char *key, int64_t rev, const char *value)
{
	json_t	*put = put_json(key, value, 0);

	if (put != NULL)
		json_object_set_new(put, "ignore_lease", json_true());
	return (body_dump(json_pack("{s:[{s:s s:o s:o}] s:[{s:o}]}",
	    "compare", "target", "MOD", "key", b64_json(key), "mod_revision",
	    int64_json(rev), "success", "request_put", put)));
}

/* The first key after every key starting with prefix: etcd's range_end. */
char *
coord_prefix_end(const char *prefix)
{
	char	*end = xstrdup(prefix);
	size_t	 len = strlen(end);

	/* Prefixes are printable ASCII (config.c), so no byte is 0xff. */
	if (len > 0)
		end[len - 1]++;
	return (end);
}

/* Read an int64 member written as a string or a number; absent: 0. */
static int
get_int64(json_t *obj, const char *name, int64_t *ret, char **cause)
{
	json_t		*j = json_object_get(obj, name);
	const char	*s;
	char		*end;
	long long	 v;

	*ret = 0;
	if (j == NULL)
		return (0);
	if (json_is_integer(j)) {
		*ret = (int64_t)json_integer_value(j);
		return (0);
	}
	if (!json_is_string(j))
		goto bad;
	s = json_string_value(j);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		goto bad;
	*ret = (int64_t)v;
	return (0);
bad:
	xasprintf(cause, "%s is not a 64-bit integer", name);
	return (-1);
}

/* Decode a base64 string member into a copy; absent: an empty string. */
static int
get_b64(json_t *obj, const char *name, char **ret, size_t *len, char **cause)
{
	json_t	*j = json_object_get(obj, name);
	size_t	 n;

	if (j == NULL) {
		*ret = xstrdup("");
		if (len != NULL)
			*len = 0;
		return (0);
	}
	if (!json_is_string(j) ||
	    coord_b64_decode(json_string_value(j), ret, &n) == -1) {
		xasprintf(cause, "%s is not base64", name);
		return (-1);
	}
	if (len != NULL)
		*len = n;
	return (0);
}

/* Append the key-values of one range answer's kvs array. */
static int
parse_kvs(json_t *kvs, struct coord_answer *a, char **cause)
{
	struct coord_kv	*kv;
	json_t		*e;
	size_t		 i;

	if (kvs == NULL)
		return (0);
	if (!json_is_array(kvs)) {
		xasprintf(cause, "kvs is not an array");
		return (-1);
	}
	a->kvs = xreallocarray(a->kvs, a->nkvs + json_array_size(kvs),
	    sizeof *a->kvs);
	json_array_foreach(kvs, i, e) {
		kv = &a->kvs[a->nkvs];
		memset(kv, 0, sizeof *kv);
		if (!json_is_object(e)) {
			xasprintf(cause, "a kvs entry is not an object");
			return (-1);
		}
		a->nkvs++;
		if (get_b64(e, "key", &kv->key, NULL, cause) == -1 ||
		    get_b64(e, "value", &kv->value, &kv->value_len,
		    cause) == -1 ||
		    get_int64(e, "create_revision", &kv->create_revision,
		    cause) == -1 ||
		    get_int64(e, "mod_revision", &kv->mod_revision,
		    cause) == -1 ||
		    get_int64(e, "lease", &kv->lease, cause) == -1)
			return (-1);
	}
	return (0);
}

/* Read the fields of one answer object (the top level or "result"). */
static int
parse_fields(json_t *doc, struct coord_answer *a, char **cause)
{
	json_t	*j, *r;
	size_t	 i;

	if ((j = json_object_get(doc, "header")) != NULL) {
		if (!json_is_object(j)) {
			xasprintf(cause, "header is not an object");
			return (-1);
		}
		if (get_int64(j, "revision", &a->revision, cause) == -1)
			return (-1);
	}
	if ((j = json_object_get(doc, "succeeded")) != NULL) {
		if (!json_is_boolean(j)) {
			xasprintf(cause, "succeeded is not a boolean");
			return (-1);
		}
		a->succeeded = json_is_true(j);
	}
	if (parse_kvs(json_object_get(doc, "kvs"), a, cause) == -1)
		return (-1);
	if ((j = json_object_get(doc, "responses")) != NULL) {
		if (!json_is_array(j)) {
			xasprintf(cause, "responses is not an array");
			return (-1);
		}
		json_array_foreach(j, i, r) {
			if (!json_is_object(r)) {
				xasprintf(cause, "a response is not an object");
				return (-1);
			}
			r = json_object_get(r, "response_range");
			if (r != NULL && (!json_is_object(r) ||
			    parse_kvs(json_object_get(r, "kvs"), a,
			    cause) == -1)) {
				if (*cause == NULL)
					xasprintf(cause, "response_range is "
					    "not an object");
				return (-1);
			}
		}
	}
	if (get_int64(doc, "ID", &a->lease_id, cause) == -1 ||
	    get_int64(doc, "TTL", &a->ttl, cause) == -1)
		return (-1);
	if ((j = json_object_get(doc, "token")) != NULL) {
		if (!json_is_string(j)) {
			xasprintf(cause, "token is not a string");
			return (-1);
		}
		a->token = xstrdup(json_string_value(j));
	}
	return (0);
}

/*
 * Map any gateway answer; a gateway error ({"error", "message", "code"})
 * is an answer too, with error set. A keepalive's stream wraps its answer in
 * "result".
 */
int
coord_parse_answer(const char *body, size_t len, struct coord_answer *a,
    char **cause)
{
	json_error_t	 jerr;
	json_t		*doc, *obj, *j;
	char		*why = NULL;
	int		 ret = -1;

	memset(a, 0, sizeof *a);
	if ((doc = json_loadb(body, len, 0, &jerr)) == NULL) {
		xasprintf(cause, "not JSON: %s", jerr.text);
		return (-1);
	}
	if (!json_is_object(doc)) {
		xasprintf(cause, "not a JSON object");
		goto out;
	}
	if ((j = json_object_get(doc, "error")) != NULL) {
		if (json_is_object(j)) {
			/* A stream's error: {"error": {"grpc_code", ...}}. */
			a->code = (int)json_integer_value(json_object_get(j,
			    "grpc_code"));
			j = json_object_get(j, "message");
		} else
			a->code = (int)json_integer_value(json_object_get(doc,
			    "code"));
		a->error = xstrdup(json_is_string(j) ? json_string_value(j) :
		    "unknown error");
		ret = 0;
		goto out;
	}
	obj = doc;
	if ((j = json_object_get(doc, "result")) != NULL) {
		if (!json_is_object(j)) {
			xasprintf(cause, "result is not an object");
			goto out;
		}
		obj = j;
	}
	if (parse_fields(obj, a, &why) == -1) {
		*cause = why;
		coord_answer_clear(a);
		goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	return (ret);
}

/* Free what an answer holds and zero it. */
void
coord_answer_clear(struct coord_answer *a)
{
	size_t	i;

	for (i = 0; i < a->nkvs; i++) {
		free(a->kvs[i].key);
		free(a->kvs[i].value);
	}
	free(a->kvs);
	free(a->token);
	free(a->error);
	memset(a, 0, sizeof *a);
}

/* Copy a string member into a fixed buffer; absent or too long is an error. */
static int
get_fixed(json_t *doc, const char *name, char *buf, size_t len, bool required,
    char **cause)
{
	json_t	*j = json_object_get(doc, name);

	if (j == NULL && !required) {
		buf[0] = '\0';
		return (0);
	}
	if (!json_is_string(j) || strlen(json_string_value(j)) >= len) {
		xasprintf(cause, "%s is missing, not a string or too long",
		    name);
		return (-1);
	}
	snprintf(buf, len, "%s", json_string_value(j));
	return (0);
}

/* Read a boolean member; absent or not a boolean is an error. */
static int
get_bool(json_t *doc, const char *name, bool *ret, char **cause)
{
	json_t	*j = json_object_get(doc, name);

	if (!json_is_boolean(j)) {
		xasprintf(cause, "%s is missing or not a boolean", name);
		return (-1);
	}
	*ret = json_is_true(j);
	return (0);
}

/* Parse a small JSON object document. */
static json_t *
load_object(const char *text, size_t len, char **cause)
{
	json_error_t	 jerr;
	json_t		*doc;

	if ((doc = json_loadb(text, len, 0, &jerr)) == NULL) {
		xasprintf(cause, "not JSON: %s", jerr.text);
		return (NULL);
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		xasprintf(cause, "not a JSON object");
		return (NULL);
	}
	return (doc);
}

/* A member's summary as the JSON text stored in etcd. */
char *
coord_summary_encode(const struct coord_summary *s)
{
	return (body_dump(json_pack("{s:s s:b s:b s:s s:s s:I}",
	    "member", s->member, "leader_reachable", s->leader_reachable,
	    "follower_agrees", s->follower_agrees, "state", s->state,
	    "time", s->time, "round", (json_int_t)s->round)));
}

/* Read a summary another member published. */
int
coord_summary_decode(const char *text, size_t len, struct coord_summary *s,
    char **cause)
{
	json_t	*doc, *j;
	int	 ret = -1;

	memset(s, 0, sizeof *s);
	if ((doc = load_object(text, len, cause)) == NULL)
		return (-1);
	if (get_fixed(doc, "member", s->member, sizeof s->member, true,
	    cause) == -1 ||
	    get_bool(doc, "leader_reachable", &s->leader_reachable,
	    cause) == -1 ||
	    get_bool(doc, "follower_agrees", &s->follower_agrees,
	    cause) == -1 ||
	    get_fixed(doc, "state", s->state, sizeof s->state, true,
	    cause) == -1 ||
	    get_fixed(doc, "time", s->time, sizeof s->time, false,
	    cause) == -1)
		goto out;
	j = json_object_get(doc, "round");
	if (!json_is_integer(j) || json_integer_value(j) < 0) {
		xasprintf(cause, "round is missing or not a count");
		goto out;
	}
	s->round = (uint64_t)json_integer_value(j);
	ret = 0;
out:
	json_decref(doc);
	return (ret);
}

/* A forwarded command, and its answer once it has one. */
char *
coord_command_encode(const struct coord_command *c)
{
	json_t	*doc;

	doc = json_pack("{s:s s:s s:s}", "id", c->id, "command", c->command,
	    "from", c->from);
	if (doc != NULL && c->answered) {
		json_object_set_new(doc, "outcome", json_string(c->accepted ?
		    "accepted" : "rejected"));
		json_object_set_new(doc, "message", json_string(c->message));
		json_object_set_new(doc, "by", json_string(c->by));
	}
	return (body_dump(doc));
}

/* Read a forwarded command; answered says whether "outcome" is there. */
int
coord_command_decode(const char *text, size_t len, struct coord_command *c,
    char **cause)
{
	json_t		*doc;
	const char	*outcome;
	int		 ret = -1;

	memset(c, 0, sizeof *c);
	if ((doc = load_object(text, len, cause)) == NULL)
		return (-1);
	if (get_fixed(doc, "id", c->id, sizeof c->id, true, cause) == -1 ||
	    get_fixed(doc, "command", c->command, sizeof c->command, true,
	    cause) == -1 ||
	    get_fixed(doc, "from", c->from, sizeof c->from, true, cause) == -1)
		goto out;
	if (json_object_get(doc, "outcome") != NULL) {
		outcome = json_string_value(json_object_get(doc, "outcome"));
		if (outcome == NULL || (strcmp(outcome, "accepted") != 0 &&
		    strcmp(outcome, "rejected") != 0)) {
			xasprintf(cause, "outcome is not accepted or rejected");
			goto out;
		}
		c->answered = true;
		c->accepted = strcmp(outcome, "accepted") == 0;
		if (get_fixed(doc, "message", c->message, sizeof c->message,
		    false, cause) == -1 ||
		    get_fixed(doc, "by", c->by, sizeof c->by, true,
		    cause) == -1)
			goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	return (ret);
}
