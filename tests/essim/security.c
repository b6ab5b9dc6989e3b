/*
 * Security: users (--auth-basic USER:PASSWORD) and API keys (--auth-api-key
 * ID:KEY, owned by the first user or "elastic"), each either unrestricted
 * or limited to named privileges (--role NAME:priv,priv where NAME is a
 * user or an API key id, or --security-file FILE). A request whose action
 * needs a privilege the caller lacks is refused as Elasticsearch's
 * authorization refuses it: 403 security_exception "action [<action>] is
 * unauthorized for user [...]", naming the privileges that grant it.
 * Action names and the privileges that grant them follow Elasticsearch's
 * REST handlers and privilege definitions (ClusterPrivilegeResolver,
 * IndexPrivilege); a privilege implies the narrower ones it contains.
 *
 * A principal is a JSON object {"type": "user"|"api_key", "name",
 * "secret" (base64 of name:password or id:key), "user" (an API key's
 * owner), "role", "privileges" (absent: everything)}.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "essim.h"
#include "log.h"
#include "xmalloc.h"

/* What a request needs: its action and the privileges that grant it. */
struct sec_action {
	const char	*method;	/* NULL: any */
	const char	*api;		/* segs[1] ("" none), or a global path */
	int		 nsegs;		/* 0: any */
	const char	*action;
	int		 index_level;
	const char	*granted_by;	/* comma list, as the message shows */
};

/*
 * Index-scoped routes (/<index>/<api>...), by the path segment after the
 * index; then global routes by their first segments.
 */
static const struct sec_action sec_index_actions[] = {
	{ "PUT", "", 1, "indices:admin/create", 1,
	    "create_index,manage,all" },
	{ "DELETE", "", 1, "indices:admin/delete", 1,
	    "delete_index,manage,all" },
	{ NULL, "", 1, "indices:admin/get", 1,
	    "view_index_metadata,manage,all" },
	{ "POST", "_close", 2, "indices:admin/close", 1, "manage,all" },
	{ "POST", "_open", 2, "indices:admin/open", 1, "manage,all" },
	{ "PUT", "_settings", 2, "indices:admin/settings/update", 1,
	    "manage,all" },
	{ NULL, "_settings", 0, "indices:monitor/settings/get", 1,
	    "view_index_metadata,monitor,manage,all" },
	{ NULL, "_stats", 0, "indices:monitor/stats", 1,
	    "monitor,manage,all" },
	{ NULL, "_recovery", 0, "indices:monitor/recovery", 1,
	    "monitor,manage,all" },
	{ NULL, "_refresh", 0, "indices:admin/refresh", 1,
	    "maintenance,manage,all" },
	{ NULL, "_search", 0, "indices:data/read/search", 1, "read,all" },
	{ NULL, "_count", 0, "indices:data/read/search", 1, "read,all" },
	{ "GET", "_doc", 3, "indices:data/read/get", 1, "read,all" },
	{ "DELETE", "_doc", 3, "indices:data/write/delete", 1,
	    "delete,write,all" },
	{ NULL, "_doc", 0, "indices:data/write/index", 1,
	    "create_doc,index,write,all" },
	{ NULL, "_block", 0, "indices:admin/block/add", 1, "manage,all" },
	{ NULL, "_clone", 0, "indices:admin/resize", 1, "manage,all" },
};

/* /<index>/_ccr/<action>, by the third segment. */
static const struct sec_action sec_ccr_actions[] = {
	{ NULL, "follow", 3, "indices:admin/xpack/ccr/put_follow", 1,
	    "manage_follow_index,manage,all" },
	{ NULL, "unfollow", 3, "indices:admin/xpack/ccr/unfollow", 1,
	    "manage_follow_index,manage,all" },
	{ NULL, "forget_follower", 3,
	    "indices:admin/xpack/ccr/forget_follower", 1,
	    "manage_leader_index,manage,all" },
	{ NULL, "pause_follow", 3, "cluster:admin/xpack/ccr/pause_follow", 0,
	    "manage_ccr,manage,all" },
	{ NULL, "resume_follow", 3, "cluster:admin/xpack/ccr/resume_follow",
	    0, "manage_ccr,manage,all" },
	{ NULL, "stats", 3, "cluster:monitor/ccr/follow_stats", 0,
	    "monitor,manage,all" },
	{ NULL, "info", 3, "cluster:monitor/ccr/follow_info", 0,
	    "monitor,manage,all" },
};

/* GET /. */
static const struct sec_action sec_main_action = { NULL, "", 0,
    "cluster:monitor/main", 0, "monitor,manage,all" };

/* Global routes by their first two segments. */
static const struct sec_action sec_global_actions[] = {
	{ "GET", "_cluster/health", 0, "cluster:monitor/health", 0,
	    "monitor,manage,all" },
	{ "PUT", "_cluster/settings", 0, "cluster:admin/settings/update", 0,
	    "manage,all" },
	{ NULL, "_cluster/settings", 0, "cluster:monitor/settings", 0,
	    "monitor,manage,all" },
	{ NULL, "_remote/info", 0, "cluster:monitor/remote/info", 0,
	    "monitor,manage,all" },
	{ NULL, "_resolve/cluster", 0, "indices:admin/resolve/cluster", 1,
	    "view_index_metadata,read,manage,all" },
	{ NULL, "_ccr/stats", 0, "cluster:monitor/ccr/stats", 0,
	    "monitor,manage,all" },
	{ "GET", "_ccr/auto_follow", 0,
	    "cluster:admin/xpack/ccr/auto_follow_pattern/get", 0,
	    "manage_ccr,manage,all" },
	{ "PUT", "_ccr/auto_follow", 0,
	    "cluster:admin/xpack/ccr/auto_follow_pattern/put", 0,
	    "manage_ccr,manage,all" },
	{ "DELETE", "_ccr/auto_follow", 0,
	    "cluster:admin/xpack/ccr/auto_follow_pattern/delete", 0,
	    "manage_ccr,manage,all" },
	{ "POST", "_ccr/auto_follow", 0,
	    "cluster:admin/xpack/ccr/auto_follow_pattern/activate", 0,
	    "manage_ccr,manage,all" },
	{ NULL, "_cat/indices", 0, "indices:monitor/stats", 1,
	    "monitor,manage,all" },
};

/* Privileges that contain narrower ones. */
static const struct {
	const char	*priv;
	const char	*implies;	/* space-separated */
} sec_implied[] = {
	{ "manage", "monitor manage_ccr read_ccr view_index_metadata "
	    "manage_follow_index manage_leader_index create_index "
	    "delete_index maintenance" },
	{ "manage_ccr", "read_ccr" },
	{ "write", "index create_doc delete create" },
	{ "index", "create_doc create" },
};

#define SEC_N(t)	(sizeof (t) / sizeof (t)[0])

/* Standard base64 of a string, as Authorization headers carry it. */
static char *
sec_base64(const char *s)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 len = strlen(s), i, o = 0;
	unsigned		 v;
	char			*out;

	out = xmalloc(4 * ((len + 2) / 3) + 1);
	for (i = 0; i < len; i += 3) {
		v = (unsigned char)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)s[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return (out);
}

/* Start with no principals: security is off until one is added. */
void
security_init(struct essim *es)
{
	es->principals = json_array();
}

/* Free the principals. */
void
security_free(struct essim *es)
{
	json_decref(es->principals);
}

/* Whether any credential is required. */
int
security_enabled(struct essim *es)
{
	return (json_array_size(es->principals) > 0);
}

/* The principal of a name (user or API key id), or NULL. */
static json_t *
security_find(struct essim *es, const char *name)
{
	json_t	*p;
	size_t	 i;

	json_array_foreach(es->principals, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    name) == 0)
			return (p);
	}
	return (NULL);
}

/* Add a user from USER:PASSWORD or an API key from ID:KEY; -1 if bad. */
int
security_add(struct essim *es, const char *type, const char *cred)
{
	const char	*colon = strchr(cred, ':');
	json_t		*p, *u;
	char		*name, *b64;
	size_t		 i;

	if (colon == NULL || colon == cred || colon[1] == '\0')
		return (-1);
	name = xstrndup(cred, colon - cred);
	b64 = sec_base64(cred);
	p = json_pack("{s:s, s:s, s:s}", "type", type, "name", name, "secret",
	    b64);
	if (strcmp(type, "api_key") == 0) {
		json_object_set_new(p, "user", json_string("elastic"));
		json_array_foreach(es->principals, i, u) {
			if (strcmp(json_string_value(json_object_get(u,
			    "type")), "user") == 0) {
				json_object_set(p, "user", json_object_get(u,
				    "name"));
				break;
			}
		}
	}
	json_array_append_new(es->principals, p);
	free(name);
	free(b64);
	return (0);
}

/* Set a principal's role and privileges from a JSON array of names. */
static void
security_limit(json_t *p, const char *role, json_t *privs)
{
	json_object_set_new(p, "role", json_string(role));
	json_object_set(p, "privileges", privs);
}

/* --role NAME:priv,priv; -1 with *cause when NAME is unknown or bad. */
int
security_role(struct essim *es, const char *arg, char **cause)
{
	const char	*colon = strchr(arg, ':');
	char		*name, *list, *tok, *save;
	json_t		*p, *privs;

	if (colon == NULL || colon == arg) {
		xasprintf(cause, "--role %s: expected NAME:priv,priv", arg);
		return (-1);
	}
	name = xstrndup(arg, colon - arg);
	if ((p = security_find(es, name)) == NULL) {
		xasprintf(cause, "--role %s: no user or API key %s (give "
		    "--auth-basic or --auth-api-key first)", arg, name);
		free(name);
		return (-1);
	}
	privs = json_array();
	list = xstrdup(colon + 1);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		json_array_append_new(privs, json_string(tok));
	free(list);
	security_limit(p, name, privs);
	json_decref(privs);
	free(name);
	return (0);
}

/*
 * --security-file FILE: {"users": {"<name>": {"password", "role",
 * "privileges": [...]}}, "api_keys": {"<id>": {"key", "user", "role",
 * "privileges": [...]}}}; without "privileges" a principal may do
 * everything.
 */
int
security_load(struct essim *es, const char *path, char **cause)
{
	json_error_t	 jerr;
	json_t		*doc, *v, *p, *privs;
	const char	*name, *secret, *role;
	char		*cred;
	int		 k;

	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		xasprintf(cause, "%s:%d: %s", path, jerr.line, jerr.text);
		return (-1);
	}
	for (k = 0; k < 2; k++) {
		json_object_foreach(json_object_get(doc, k == 0 ? "users" :
		    "api_keys"), name, v) {
			secret = json_string_value(json_object_get(v, k == 0 ?
			    "password" : "key"));
			privs = json_object_get(v, "privileges");
			if (secret == NULL || (privs != NULL &&
			    !json_is_array(privs))) {
				xasprintf(cause, "%s: %s %s needs a \"%s\" and "
				    "\"privileges\" as an array", path, k == 0 ?
				    "user" : "API key", name, k == 0 ?
				    "password" : "key");
				json_decref(doc);
				return (-1);
			}
			xasprintf(&cred, "%s:%s", name, secret);
			security_add(es, k == 0 ? "user" : "api_key", cred);
			free(cred);
			p = json_array_get(es->principals,
			    json_array_size(es->principals) - 1);
			if (k == 1 && json_is_string(json_object_get(v, "user")))
				json_object_set(p, "user", json_object_get(v,
				    "user"));
			role = json_string_value(json_object_get(v, "role"));
			if (privs != NULL)
				security_limit(p, role != NULL ? role : name,
				    privs);
		}
	}
	json_decref(doc);
	return (0);
}

/*
 * The principal an Authorization header names, or NULL. The comparison is
 * of the whole base64 credential, so a wrong password never matches.
 */
json_t *
security_authenticate(struct essim *es, const char *auth)
{
	json_t		*p;
	const char	*type, *cred;
	size_t		 i;

	if (auth == NULL)
		return (NULL);
	if (strncmp(auth, "Basic ", 6) == 0) {
		type = "user";
		cred = auth + 6;
	} else if (strncmp(auth, "ApiKey ", 7) == 0) {
		type = "api_key";
		cred = auth + 7;
	} else
		return (NULL);
	json_array_foreach(es->principals, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "type")),
		    type) == 0 && strcmp(json_string_value(json_object_get(p,
		    "secret")), cred) == 0)
			return (p);
	}
	return (NULL);
}

/* Whether a privilege list names (or implies) one privilege. */
static int
security_has(json_t *privs, const char *want)
{
	json_t		*v;
	const char	*have, *w;
	size_t		 i, j, len = strlen(want);

	if (privs == NULL)
		return (1);
	json_array_foreach(privs, i, v) {
		if ((have = json_string_value(v)) == NULL)
			continue;
		if (strcmp(have, "all") == 0 || strcmp(have, want) == 0)
			return (1);
		for (j = 0; j < SEC_N(sec_implied); j++) {
			if (strcmp(sec_implied[j].priv, have) != 0)
				continue;
			for (w = sec_implied[j].implies; w != NULL;
			    w = strchr(w, ' ')) {
				if (*w == ' ')
					w++;
				if (strncmp(w, want, len) == 0 &&
				    (w[len] == ' ' || w[len] == '\0'))
					return (1);
			}
		}
	}
	return (0);
}

/* Whether a route entry matches a request. */
static int
security_route(const struct sec_action *a, const char *method,
    const char *api, int nsegs)
{
	return ((a->method == NULL || strcmp(a->method, method) == 0) &&
	    strcmp(a->api, api) == 0 && (a->nsegs == 0 || a->nsegs == nsegs));
}

/* The action of a request, or NULL for one that needs none. */
static const struct sec_action *
security_action(const char *method, char **segs, int nsegs)
{
	char	 path[256];
	size_t	 i;

	if (nsegs == 0)
		return (&sec_main_action);
	if (segs[0][0] != '_' || strcmp(segs[0], "_all") == 0) {
		if (nsegs >= 3 && strcmp(segs[1], "_ccr") == 0) {
			for (i = 0; i < SEC_N(sec_ccr_actions); i++) {
				if (security_route(&sec_ccr_actions[i], method,
				    segs[2], nsegs))
					return (&sec_ccr_actions[i]);
			}
			return (NULL);
		}
		for (i = 0; i < SEC_N(sec_index_actions); i++) {
			if (security_route(&sec_index_actions[i], method,
			    nsegs > 1 ? segs[1] : "", nsegs))
				return (&sec_index_actions[i]);
		}
		return (NULL);
	}
	snprintf(path, sizeof path, "%s/%s", segs[0], nsegs > 1 ? segs[1] :
	    "");
	for (i = 0; i < SEC_N(sec_global_actions); i++) {
		if (security_route(&sec_global_actions[i], method, path, 0))
			return (&sec_global_actions[i]);
	}
	return (NULL);
}

/* Whether one of the comma-listed granting privileges is held. */
static int
security_granted(json_t *privs, const char *granted_by)
{
	char	*list, *tok, *save;
	int	 ok = 0;

	list = xstrdup(granted_by);
	for (tok = strtok_r(list, ",", &save); tok != NULL && !ok;
	    tok = strtok_r(NULL, ",", &save))
		ok = security_has(privs, tok);
	free(list);
	return (ok);
}

/*
 * Authorize an authenticated request (segs as routed, "_all" already put
 * first for index-less index APIs). Returns 0, or 403 with *out.
 */
int
security_authorize(struct essim *es, json_t *p, const char *method,
    char **segs, int nsegs, json_t **out)
{
	const struct sec_action	*a;
	const char		*role, *indices;
	char			*who, *on;
	int			 status;

	(void)es;
	if (p == NULL || json_object_get(p, "privileges") == NULL ||
	    (a = security_action(method, segs, nsegs)) == NULL)
		return (0);
	if (security_granted(json_object_get(p, "privileges"), a->granted_by))
		return (0);
	role = json_string_value(json_object_get(p, "role"));
	if (strcmp(json_string_value(json_object_get(p, "type")), "user") == 0)
		xasprintf(&who, "user [%s] with effective roles [%s]",
		    json_string_value(json_object_get(p, "name")),
		    role == NULL ? "" : role);
	else
		xasprintf(&who, "API key id [%s] of user [%s] with effective "
		    "roles [%s]", json_string_value(json_object_get(p, "name")),
		    json_string_value(json_object_get(p, "user")),
		    role == NULL ? "" : role);
	indices = NULL;
	if (a->index_level && nsegs > 2 && strcmp(segs[0], "_resolve") == 0)
		indices = segs[2];
	else if (a->index_level && nsegs > 0 && (segs[0][0] != '_' ||
	    strcmp(segs[0], "_all") == 0))
		indices = segs[0];
	if (indices != NULL)
		xasprintf(&on, " on indices [%s]", indices);
	else
		on = xstrdup("");
	status = sim_error(out, 403, "security_exception", "action [%s] is "
	    "unauthorized for %s%s, this action is granted by the %s "
	    "privileges [%s]", a->action, who, on, a->index_level ? "index" :
	    "cluster", a->granted_by);
	free(who);
	free(on);
	return (status);
}

/*
 * GET|POST /_security/user/_has_privileges: per requested cluster
 * privilege and per index and privilege whether the caller holds it.
 */
int
security_has_privileges(struct essim *es, json_t *p, json_t *body,
    json_t **out)
{
	json_t		*privs, *cluster, *index, *v, *e, *names, *ip, *n, *o;
	const char	*pname;
	size_t		 i, j, k;
	int		 all = 1, has;

	(void)es;
	if (body != NULL && !json_is_object(body))
		return (sim_error(out, 400, "parse_exception",
		    "request body must be an object"));
	privs = p == NULL ? NULL : json_object_get(p, "privileges");
	cluster = json_object();
	json_array_foreach(json_object_get(body, "cluster"), i, v) {
		if ((pname = json_string_value(v)) == NULL)
			continue;
		has = security_has(privs, pname);
		all &= has;
		json_object_set_new(cluster, pname, json_boolean(has));
	}
	index = json_object();
	json_array_foreach(json_object_get(body, "index"), i, e) {
		names = json_object_get(e, "names");
		if (json_is_string(names))
			names = json_pack("[O]", names);
		else
			json_incref(names);
		ip = json_object_get(e, "privileges");
		json_array_foreach(names, j, n) {
			if (!json_is_string(n))
				continue;
			if ((o = json_object_get(index,
			    json_string_value(n))) == NULL) {
				o = json_object();
				json_object_set_new(index,
				    json_string_value(n), o);
			}
			json_array_foreach(ip, k, v) {
				if ((pname = json_string_value(v)) == NULL)
					continue;
				has = security_has(privs, pname);
				all &= has;
				json_object_set_new(o, pname,
				    json_boolean(has));
			}
		}
		json_decref(names);
	}
	*out = json_pack("{s:s, s:b, s:o, s:o, s:{}}", "username",
	    p == NULL ? "_anonymous" : strcmp(json_string_value(
	    json_object_get(p, "type")), "user") == 0 ?
	    json_string_value(json_object_get(p, "name")) :
	    json_string_value(json_object_get(p, "user")),
	    "has_all_requested", all, "cluster", cluster, "index", index,
	    "application");
	return (200);
}
