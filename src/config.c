/*
 * The configuration: libconfig syntax read into a fresh struct ccr_config
 * and validated completely before anyone uses it, so that a reload can
 * reject a bad file and keep running on the old one. The first problem
 * found is reported as "FILE:LINE: key: message", the key spelled as its
 * full path. The file names secret files but never holds a secret; those
 * are read on demand by config_read_secret, and no message ever quotes a
 * secret's contents or a value that could carry one.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <poll.h>
#include <search.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "es-name.h"
#include "log.h"
#include "xmalloc.h"

/* Secrets are short; anything longer is the wrong file. */
#define CONFIG_SECRET_MAX	4096

/* Elasticsearch's limit on an index name, in bytes. */

struct parse {
	const char	*path;		/* the file named by the caller */
	const char	*dir;		/* its directory, where includes are */
	char		*cause;		/* the first problem found */
};

static const char *const root_keys[] = {
	"poll_interval_ms", "request_timeout_ms", "failure_threshold",
	"recovery_threshold", "require_follower_agreement", "confirm_promote",
	"confirm_failback", "auto_failback", "fence_old_leader", "dry_run",
	"failover_block_s",
	"switchover_timeout_ms", "readiness_interval_s",
	"max_requests_per_cluster", "log_level",
	"state_dir", "runtime_dir", "clusters", "leader", "follower",
	"indices", "hooks", "coordination", "metrics_listen",
	"metrics_allow_remote", NULL
};
static const char *const cluster_keys[] = {
	"urls", "remote", "username", "password_file", "api_key_file",
	"ca_file", "insecure", NULL
};
static const char *const remote_keys[] = {
	"mode", "proxy_address", "server_name", "proxy_socket_connections",
	"seeds", "node_connections", "skip_unavailable", NULL
};
static const char *const index_keys[] = {
	"leader_index", "follower_index", NULL
};
static const char *const hook_keys[] = {
	"on_promote", "on_failback", "on_state_change", "pre_promote",
	"timeout_ms", NULL
};

static const char *const coordination_keys[] = {
	"etcd", "member", "quorum", NULL
};
static const char *const etcd_keys[] = {
	"endpoints", "prefix", "lease_ttl_s", "ca_file", "cert_file",
	"key_file", "username", "password_file", NULL
};

static const struct {
	const char	*env;
	const char	*fallback;
} config_dirs[CONFIG_DIR_MAX] = {
	{ "STATE_DIRECTORY", CONFIG_STATE_DIR },
	{ "RUNTIME_DIRECTORY", CONFIG_RUNTIME_DIR }
};

/* Append a setting's path from the root, e.g. indices[2].leader_index. */
static void
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t	*parent = config_setting_parent(s);
	size_t			 used;

	if (parent == NULL)
		return;
	setting_path(parent, buf, len);
	used = strlen(buf);
	if (config_setting_name(s) == NULL)
		snprintf(buf + used, len - used, "[%d]",
		    config_setting_index(s));
	else
		snprintf(buf + used, len - used, "%s%s",
		    used == 0 ? "" : ".", config_setting_name(s));
}

/*
 * The name of the file a setting or error comes from. libconfig names an
 * included file as the @include directive spelled it, though it opened it
 * in the include directory; name it as opened.
 */
static void
source_name(const struct parse *p, const char *file, char *buf, size_t len)
{
	if (file == NULL || strcmp(file, p->path) == 0)
		snprintf(buf, len, "%s", p->path);
	else if (file[0] == '/' || strcmp(p->dir, ".") == 0)
		snprintf(buf, len, "%s", file);
	else
		snprintf(buf, len, "%s/%s", p->dir, file);
}

/*
 * Record a problem at a setting as FILE:LINE: PATH: message (FILE: message
 * for the root, which has no line) and return -1.
 */
static int __attribute__((format(printf, 3, 4)))
perr(struct parse *p, const config_setting_t *s, const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[512], where[256] = "", file[4096];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	free(p->cause);
	if (config_setting_is_root(s)) {
		xasprintf(&p->cause, "%s: %s", p->path, msg);
		return (-1);
	}
	setting_path(s, where, sizeof where);
	source_name(p, config_setting_source_file(s), file, sizeof file);
	xasprintf(&p->cause, "%s:%u: %s: %s", file,
	    config_setting_source_line(s), where, msg);
	return (-1);
}

/* Name a setting's type the way the messages speak of it. */
static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return ("a group");
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return ("an integer");
	case CONFIG_TYPE_FLOAT:
		return ("a float");
	case CONFIG_TYPE_STRING:
		return ("a string");
	case CONFIG_TYPE_BOOL:
		return ("a boolean");
	case CONFIG_TYPE_ARRAY:
		return ("an array");
	case CONFIG_TYPE_LIST:
		return ("a list");
	}
	return ("an unknown type");
}

/* Reject any member of a group that is not in keys. */
static int
check_keys(struct parse *p, const config_setting_t *g,
    const char *const *keys)
{
	const config_setting_t	*s;
	const char *const	*k;
	int			 i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, i);
		for (k = keys; *k != NULL; k++) {
			if (strcmp(*k, config_setting_name(s)) == 0)
				break;
		}
		if (*k == NULL)
			return (perr(p, s, "unknown key"));
	}
	return (0);
}

/* Read an optional integer member within [min, max]; absent leaves *ret. */
static int
get_int64(struct parse *p, const config_setting_t *g, const char *name,
    long long min, long long max, long long *ret)
{
	const config_setting_t	*s;
	long long		 v;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return (perr(p, s, "expected an integer, found %s",
		    type_name(s)));
	/*
	 * libconfig's value only: the file's text is never scanned again,
	 * because only libconfig knows which "name =" on a line is a setting
	 * and which sits in a comment or a string. libconfig 1.5 keeps a
	 * literal without the L suffix in 32 bits, so one beyond that range
	 * arrives wrapped; the manual page tells to write the suffix.
	 */
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return (perr(p, s, "%lld is out of range (%lld..%lld)", v, min,
		    max));
	*ret = v;
	return (0);
}

/* An integer member stored as uint64_t. */
static int
get_u64(struct parse *p, const config_setting_t *g, const char *name,
    long long min, long long max, uint64_t *ret)
{
	long long	v = (long long)*ret;

	if (get_int64(p, g, name, min, max, &v) == -1)
		return (-1);
	*ret = (uint64_t)v;
	return (0);
}

/* An integer member stored as int. */
static int
get_int(struct parse *p, const config_setting_t *g, const char *name,
    int min, int max, int *ret)
{
	long long	v = *ret;

	if (get_int64(p, g, name, min, max, &v) == -1)
		return (-1);
	*ret = (int)v;
	return (0);
}

/* Read an optional boolean member: true or false, nothing else. */
static int
get_bool(struct parse *p, const config_setting_t *g, const char *name,
    bool *ret)
{
	const config_setting_t	*s;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (0);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return (perr(p, s, "expected a boolean (true or false), "
		    "found %s", type_name(s)));
	*ret = config_setting_get_bool(s) != 0;
	return (0);
}

/*
 * Check that a setting is a non-empty string without control characters,
 * which no name, path or address here may hold.
 */
static int
check_string(struct parse *p, const config_setting_t *s)
{
	const char	*c;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return (perr(p, s, "expected a string, found %s",
		    type_name(s)));
	if (*config_setting_get_string(s) == '\0')
		return (perr(p, s, "must not be empty"));
	for (c = config_setting_get_string(s); *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return (perr(p, s, "must not contain control "
			    "characters"));
	}
	return (0);
}

/*
 * Read an optional non-empty string member into a copy *ret owns; *at, when
 * given, is set to the setting so later checks can point at its line.
 */
static int
get_string(struct parse *p, const config_setting_t *g, const char *name,
    char **ret, const config_setting_t **at)
{
	const config_setting_t	*s;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (0);
	if (check_string(p, s) == -1)
		return (-1);
	free(*ret);
	*ret = xstrdup(config_setting_get_string(s));
	if (at != NULL)
		*at = s;
	return (0);
}

/* Read an optional absolute path member. */
static int
get_abs_path(struct parse *p, const config_setting_t *g, const char *name,
    char **ret)
{
	const config_setting_t	*s = NULL;

	if (get_string(p, g, name, ret, &s) == -1)
		return (-1);
	if (s != NULL && **ret != '/')
		return (perr(p, s, "must be an absolute path"));
	return (0);
}

/* Find a member that must be a group, if present. */
static int
get_group(struct parse *p, const config_setting_t *g, const char *name,
    const config_setting_t **ret)
{
	const config_setting_t	*s;

	*ret = NULL;
	if ((s = config_setting_get_member(g, name)) == NULL)
		return (0);
	if (!config_setting_is_group(s))
		return (perr(p, s, "expected a group { ... }, found %s",
		    type_name(s)));
	*ret = s;
	return (0);
}

/* Check a host name or [IPv6] literal of length len. */
static int
valid_host(const char *host, size_t len)
{
	size_t	i;

	if (len == 0)
		return (0);
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return (0);
		for (i = 1; i < len - 1; i++) {
			if (strchr("0123456789abcdefABCDEF:.", host[i]) == NULL)
				return (0);
		}
		return (1);
	}
	for (i = 0; i < len; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", host[i]) == NULL)
			return (0);
	}
	return (1);
}

/* Check HOST:PORT with a port in 1..65535. */
static int
valid_host_port(const char *s)
{
	const char	*colon = strrchr(s, ':');
	char		*end;
	unsigned long	 port;

	if (colon == NULL || !valid_host(s, colon - s))
		return (0);
	if (colon[1] < '0' || colon[1] > '9')
		return (0);
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	return (errno == 0 && *end == '\0' && port >= 1 && port <= 65535);
}

/* Check an Elasticsearch node URL: http:// or https://, HOST:PORT, no path. */
static int
valid_url(const char *url)
{
	if (strncmp(url, "http://", 7) == 0)
		return (valid_host_port(url + 7));
	if (strncmp(url, "https://", 8) == 0)
		return (valid_host_port(url + 8));
	return (0);
}

/*
 * Read a required array of strings, each checked by valid (HOST:PORT or a
 * URL), into a list *ret owns. A value that fails is not quoted: a URL
 * may carry a token in a place this check does not know about.
 */
static int
get_string_array(struct parse *p, const config_setting_t *g,
    const char *name, int (*valid)(const char *), const char *form,
    char ***ret, size_t *nret)
{
	const config_setting_t	*s, *e;
	const char		*v;
	int			 i, n;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (perr(p, g, "%s is required", name));
	if (!config_setting_is_array(s))
		return (perr(p, s, "expected an array [ \"...\", ... ], "
		    "found %s", type_name(s)));
	if ((n = config_setting_length(s)) == 0)
		return (perr(p, s, "must not be empty"));
	*ret = xcalloc(n, sizeof **ret);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (check_string(p, e) == -1)
			return (-1);
		v = config_setting_get_string(e);
		if (strchr(v, '@') != NULL)
			return (perr(p, e, "credentials do not belong here; "
			    "use username and password_file"));
		if (!valid(v))
			return (perr(p, e, "expected %s", form));
		(*ret)[(*nret)++] = xstrdup(v);
	}
	return (0);
}

/* Read a cluster's remote group: how the other cluster connects to it. */
static int
parse_remote(struct parse *p, const config_setting_t *c,
    struct ccr_remote_config *r)
{
	static const char *const proxy_only[] = { "proxy_address",
		"server_name", "proxy_socket_connections", NULL };
	static const char *const sniff_only[] = { "seeds", "node_connections",
		NULL };
	const config_setting_t	*g, *s, *mode = NULL;
	const char *const	*other, *const *k;

	if (get_group(p, c, "remote", &g) == -1)
		return (-1);
	if (g == NULL)
		return (perr(p, c, "remote is required (how the other "
		    "cluster reaches this one)"));
	if (check_keys(p, g, remote_keys) == -1 ||
	    get_string(p, g, "mode", &r->mode, &mode) == -1 ||
	    get_bool(p, g, "skip_unavailable", &r->skip_unavailable) == -1)
		return (-1);
	if (r->mode == NULL)
		return (perr(p, g, "mode is required (\"proxy\" or "
		    "\"sniff\")"));
	if (strcmp(r->mode, "proxy") == 0) {
		other = sniff_only;
		if (get_string(p, g, "proxy_address", &r->proxy_address,
		    &s) == -1)
			return (-1);
		if (r->proxy_address == NULL)
			return (perr(p, g, "proxy_address is required in "
			    "proxy mode"));
		if (!valid_host_port(r->proxy_address))
			return (perr(p, s, "'%s' is not HOST:PORT",
			    r->proxy_address));
		s = NULL;
		if (get_string(p, g, "server_name", &r->server_name, &s) == -1)
			return (-1);
		if (s != NULL && !valid_host(r->server_name,
		    strlen(r->server_name)))
			return (perr(p, s, "'%s' is not a host name",
			    r->server_name));
		if (get_int(p, g, "proxy_socket_connections", 1, 1024,
		    &r->proxy_socket_connections) == -1)
			return (-1);
	} else if (strcmp(r->mode, "sniff") == 0) {
		other = proxy_only;
		if (get_string_array(p, g, "seeds", valid_host_port,
		    "HOST:PORT", &r->seeds, &r->nseeds) == -1 ||
		    get_int(p, g, "node_connections", 1, 1024,
		    &r->node_connections) == -1)
			return (-1);
	} else
		return (perr(p, mode, "expected \"proxy\" or \"sniff\", "
		    "found '%s'", r->mode));
	for (k = other; *k != NULL; k++) {
		if ((s = config_setting_get_member(g, *k)) != NULL)
			return (perr(p, s, "not valid in %s mode", r->mode));
	}
	return (0);
}

/* Read one cluster's group. */
static int
parse_cluster(struct parse *p, const config_setting_t *g,
    struct ccr_cluster_config *c)
{
	c->name = xstrdup(config_setting_name(g));
	c->line = (int)config_setting_source_line(g);
	if (!config_setting_is_group(g))
		return (perr(p, g, "expected a group { ... }, found %s",
		    type_name(g)));
	if (strchr(c->name, '*') != NULL)
		return (perr(p, g, "a cluster name must not contain '*'"));
	if (check_keys(p, g, cluster_keys) == -1 ||
	    get_string_array(p, g, "urls", valid_url,
	    "http://HOST:PORT or https://HOST:PORT", &c->urls,
	    &c->nurls) == -1 ||
	    parse_remote(p, g, &c->remote) == -1 ||
	    get_string(p, g, "username", &c->username, NULL) == -1 ||
	    get_string(p, g, "password_file", &c->password_file, NULL) == -1 ||
	    get_string(p, g, "api_key_file", &c->api_key_file, NULL) == -1 ||
	    get_string(p, g, "ca_file", &c->ca_file, NULL) == -1 ||
	    get_bool(p, g, "insecure", &c->insecure) == -1)
		return (-1);
	if (c->username != NULL && c->password_file == NULL)
		return (perr(p, config_setting_get_member(g, "username"),
		    "password_file is required with username"));
	if (c->password_file != NULL && c->username == NULL)
		return (perr(p, config_setting_get_member(g, "password_file"),
		    "username is required with password_file"));
	if (c->api_key_file != NULL && c->username != NULL)
		return (perr(p, config_setting_get_member(g, "api_key_file"),
		    "use either username and password_file or api_key_file, "
		    "not both"));
	if (c->insecure && c->ca_file != NULL)
		return (perr(p, config_setting_get_member(g, "insecure"),
		    "insecure = true ignores ca_file; use one of them"));
	return (0);
}

/* The cluster listing clusters[i].urls[j] before it does, or NULL. */
static const struct ccr_cluster_config *
url_seen(const struct ccr_config *cfg, size_t i, size_t j)
{
	size_t	k, l, n;

	for (k = 0; k <= i; k++) {
		n = k == i ? j : cfg->clusters[k].nurls;
		for (l = 0; l < n; l++) {
			if (strcmp(cfg->clusters[k].urls[l],
			    cfg->clusters[i].urls[j]) == 0)
				return (&cfg->clusters[k]);
		}
	}
	return (NULL);
}

/* Read the clusters group: exactly two, ordered leader first. */
static int
parse_clusters(struct parse *p, const config_setting_t *root,
    struct ccr_config *cfg)
{
	const config_setting_t			*g, *s, *urls, *ls, *fs;
	const struct ccr_cluster_config		*seen;
	struct ccr_cluster_config		 tmp;
	size_t					 i, j;
	int					 n;

	if (get_group(p, root, "clusters", &g) == -1)
		return (-1);
	if (g == NULL)
		return (perr(p, root, "clusters is required"));
	if ((n = config_setting_length(g)) != CCR_CLUSTERS)
		return (perr(p, g, "exactly two clusters are required, found "
		    "%d", n));
	for (i = 0; i < CCR_CLUSTERS; i++) {
		s = config_setting_get_elem(g, i);
		if (parse_cluster(p, s, &cfg->clusters[i]) == -1)
			return (-1);
	}

	/* The same node in both clusters would make one cluster two. */
	for (i = 0; i < CCR_CLUSTERS; i++) {
		urls = config_setting_get_member(config_setting_get_elem(g, i),
		    "urls");
		for (j = 0; j < cfg->clusters[i].nurls; j++) {
			if ((seen = url_seen(cfg, i, j)) == NULL)
				continue;
			return (perr(p, config_setting_get_elem(urls, j),
			    "'%s' is already listed in clusters.%s",
			    cfg->clusters[i].urls[j], seen->name));
		}
	}

	ls = config_setting_get_member(root, "leader");
	fs = config_setting_get_member(root, "follower");
	if (ls == NULL)
		return (perr(p, root, "leader is required"));
	if (fs == NULL)
		return (perr(p, root, "follower is required"));
	if (get_string(p, root, "leader", &cfg->leader, NULL) == -1 ||
	    get_string(p, root, "follower", &cfg->follower, NULL) == -1)
		return (-1);
	for (i = 0; i < CCR_CLUSTERS; i++) {
		if (strcmp(cfg->leader, cfg->clusters[i].name) == 0)
			break;
	}
	if (i == CCR_CLUSTERS)
		return (perr(p, ls, "'%s' is not a configured cluster (%s or "
		    "%s)", cfg->leader, cfg->clusters[0].name,
		    cfg->clusters[1].name));
	if (strcmp(cfg->follower, cfg->leader) == 0)
		return (perr(p, fs, "must differ from leader"));
	if (strcmp(cfg->follower, cfg->clusters[1 - i].name) != 0)
		return (perr(p, fs, "'%s' is not a configured cluster (%s or "
		    "%s)", cfg->follower, cfg->clusters[0].name,
		    cfg->clusters[1].name));
	if (i != 0) {
		tmp = cfg->clusters[0];
		cfg->clusters[0] = cfg->clusters[1];
		cfg->clusters[1] = tmp;
	}
	return (0);
}

/*
 * Read one index name of an indices entry, rejecting names listed before:
 * seen maps each name read so far to its setting (a hash table, so that
 * thousands of pairs load in linear time).
 */
static int
parse_index_name(struct parse *p, struct hsearch_data *seen,
    const config_setting_t *e, const char *name, char **ret)
{
	const config_setting_t	*s, *prev;
	const char		*why;
	char			 buf[64];
	ENTRY			 item, *found;

	if ((s = config_setting_get_member(e, name)) == NULL)
		return (perr(p, e, "%s is required", name));
	if (get_string(p, e, name, ret, NULL) == -1)
		return (-1);
	if ((why = es_name_error(*ret, buf, sizeof buf)) != NULL)
		return (perr(p, s, "'%s' %s", *ret, why));
	item.key = *ret;
	item.data = (void *)s;
	if (hsearch_r(item, ENTER, &found, seen) == 0)
		fatal("hsearch_r");
	if (found->data != item.data) {
		prev = found->data;
		return (perr(p, s, "'%s' is already listed at line %u",
		    *ret, config_setting_source_line(prev)));
	}
	return (0);
}

/* Read the indices list: one group per replicated index. */
static int
parse_indices(struct parse *p, const config_setting_t *root,
    struct ccr_config *cfg)
{
	const config_setting_t	*list, *e;
	struct ccr_index_pair	*ip;
	struct hsearch_data	 leaders, followers;
	int			 i, n, rv = 0;

	if ((list = config_setting_get_member(root, "indices")) == NULL)
		return (perr(p, root, "indices is required"));
	if (!config_setting_is_list(list))
		return (perr(p, list, "expected a list ( { ... }, ... ), "
		    "found %s", type_name(list)));
	if ((n = config_setting_length(list)) == 0)
		return (perr(p, list, "must name at least one index pair"));
	memset(&leaders, 0, sizeof leaders);
	memset(&followers, 0, sizeof followers);
	if (hcreate_r((size_t)n * 2, &leaders) == 0 ||
	    hcreate_r((size_t)n * 2, &followers) == 0)
		fatal("hcreate_r");
	cfg->indices = xcalloc(n, sizeof *cfg->indices);
	for (i = 0; i < n && rv == 0; i++) {
		e = config_setting_get_elem(list, i);
		ip = &cfg->indices[cfg->nindices++];
		if (!config_setting_is_group(e))
			rv = perr(p, e, "expected a group { leader_index = "
			    "...; follower_index = ...; }, found %s",
			    type_name(e));
		else if (check_keys(p, e, index_keys) == -1 ||
		    parse_index_name(p, &leaders, e, "leader_index",
		    &ip->leader_index) == -1 ||
		    parse_index_name(p, &followers, e, "follower_index",
		    &ip->follower_index) == -1)
			rv = -1;
	}
	/* The tables hold the names' pointers only: cfg keeps the names. */
	hdestroy_r(&leaders);
	hdestroy_r(&followers);
	return (rv);
}

/* Read the hooks group: programs run on events, by absolute path. */
static int
parse_hooks(struct parse *p, const config_setting_t *root,
    struct ccr_hooks_config *h)
{
	const config_setting_t	*g, *s;
	const char *const	*k;
	const char		*path;
	struct stat		 st;

	if (get_group(p, root, "hooks", &g) == -1)
		return (-1);
	if (g == NULL)
		return (0);
	if (check_keys(p, g, hook_keys) == -1 ||
	    get_abs_path(p, g, "on_promote", &h->on_promote) == -1 ||
	    get_abs_path(p, g, "on_failback", &h->on_failback) == -1 ||
	    get_abs_path(p, g, "on_state_change", &h->on_state_change) == -1 ||
	    get_abs_path(p, g, "pre_promote", &h->pre_promote) == -1 ||
	    get_u64(p, g, "timeout_ms", 100, 3600000, &h->timeout_ms) == -1)
		return (-1);

	/*
	 * A hook that cannot run would fail only when it matters most, and
	 * one that others may replace would run their code as the daemon.
	 */
	for (k = hook_keys; *k != NULL; k++) {
		s = config_setting_get_member(g, *k);
		if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
			continue;
		path = config_setting_get_string(s);
		if (access(path, X_OK) == -1 || stat(path, &st) == -1)
			return (perr(p, s, "%s: %s", path, strerror(errno)));
		if (!S_ISREG(st.st_mode))
			return (perr(p, s, "%s: not a regular file", path));
		if (st.st_mode & S_IWOTH)
			return (perr(p, s, "%s: others may write it (chmod "
			    "o-w)", path));
	}
	return (0);
}

/* Whether s is a member name: letters, digits, '.', '_', '-'. */
static int
valid_member(const char *s)
{
	size_t	len = strlen(s);

	return (len <= CONFIG_MEMBER_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == len);
}

/* Whether s is a key prefix: absolute, no empty component, no trailing /. */
static int
valid_prefix(const char *s)
{
	size_t	len = strlen(s);

	return (s[0] == '/' && len > 1 && len <= 256 && s[len - 1] != '/' &&
	    strstr(s, "//") == NULL && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-/") == len);
}

/*
 * Read the coordination group: etcd's endpoints and credentials, this
 * watcher's name and the quorum. Absent, the daemon runs alone.
 */
static int
parse_coordination(struct parse *p, const config_setting_t *root,
    struct ccr_coordination_config *c)
{
	const config_setting_t	*g, *e, *s = NULL;

	if (get_group(p, root, "coordination", &g) == -1)
		return (-1);
	if (g == NULL)
		return (0);
	c->enabled = true;
	c->line = (int)config_setting_source_line(g);
	if (check_keys(p, g, coordination_keys) == -1 ||
	    get_group(p, g, "etcd", &e) == -1)
		return (-1);
	if (e == NULL)
		return (perr(p, g, "etcd is required"));
	if (check_keys(p, e, etcd_keys) == -1 ||
	    get_string_array(p, e, "endpoints", valid_url,
	    "http://HOST:PORT or https://HOST:PORT", &c->endpoints,
	    &c->nendpoints) == -1 ||
	    get_string(p, e, "prefix", &c->prefix, &s) == -1 ||
	    get_u64(p, e, "lease_ttl_s", 2, 3600, &c->lease_ttl_s) == -1 ||
	    get_string(p, e, "ca_file", &c->ca_file, NULL) == -1 ||
	    get_string(p, e, "cert_file", &c->cert_file, NULL) == -1 ||
	    get_string(p, e, "key_file", &c->key_file, NULL) == -1 ||
	    get_string(p, e, "username", &c->username, NULL) == -1 ||
	    get_string(p, e, "password_file", &c->password_file, NULL) == -1)
		return (-1);
	if (s == NULL)
		return (perr(p, e, "prefix is required"));
	if (!valid_prefix(c->prefix))
		return (perr(p, s, "expected an absolute key prefix such as "
		    "\"/ccr-failoverd/pair1\" (letters, digits, '.', '_', "
		    "'-', '/'; no trailing '/')"));
	if (c->username != NULL && c->password_file == NULL)
		return (perr(p, config_setting_get_member(e, "username"),
		    "password_file is required with username"));
	if (c->password_file != NULL && c->username == NULL)
		return (perr(p, config_setting_get_member(e, "password_file"),
		    "username is required with password_file"));
	if ((c->cert_file == NULL) != (c->key_file == NULL))
		return (perr(p, config_setting_get_member(e,
		    c->cert_file != NULL ? "cert_file" : "key_file"),
		    "cert_file and key_file go together"));
	s = NULL;
	if (get_string(p, g, "member", &c->member, &s) == -1 ||
	    get_int(p, g, "quorum", 1, 64, &c->quorum) == -1)
		return (-1);
	if (s == NULL)
		return (perr(p, g, "member is required (a name unique to this "
		    "watcher)"));
	if (!valid_member(c->member))
		return (perr(p, s, "expected at most %d letters, digits, '.', "
		    "'_' or '-'", CONFIG_MEMBER_MAX));
	return (0);
}

/*
 * readiness_interval_s: 0 (a pass at start and after the roles swap only)
 * or 10 seconds to a day; each pass asks both clusters a few questions,
 * so shorter would only load them.
 */
static int
get_readiness_interval(struct parse *p, const config_setting_t *root,
    uint64_t *ret)
{
	long long	v = (long long)*ret;

	if (get_int64(p, root, "readiness_interval_s", LLONG_MIN, LLONG_MAX,
	    &v) == -1)
		return (-1);
	if (v != 0 && (v < 10 || v > 86400))
		return (perr(p, config_setting_get_member(root,
		    "readiness_interval_s"), "%lld is out of range (0, or "
		    "10..86400)", v));
	*ret = (uint64_t)v;
	return (0);
}

/* Read the top-level scalars over the defaults. */
static int
parse_globals(struct parse *p, const config_setting_t *root,
    struct ccr_config *cfg)
{
	const config_setting_t	*s = NULL;
	enum log_level		 level;

	if (get_u64(p, root, "poll_interval_ms", 100, 600000,
	    &cfg->poll_interval_ms) == -1 ||
	    get_u64(p, root, "request_timeout_ms", 100, 600000,
	    &cfg->request_timeout_ms) == -1 ||
	    get_int(p, root, "failure_threshold", 1, 100,
	    &cfg->failure_threshold) == -1 ||
	    get_int(p, root, "recovery_threshold", 1, 100,
	    &cfg->recovery_threshold) == -1 ||
	    get_bool(p, root, "require_follower_agreement",
	    &cfg->require_follower_agreement) == -1 ||
	    get_bool(p, root, "confirm_promote", &cfg->confirm_promote) == -1 ||
	    get_bool(p, root, "confirm_failback",
	    &cfg->confirm_failback) == -1 ||
	    get_bool(p, root, "auto_failback", &cfg->auto_failback) == -1 ||
	    get_bool(p, root, "fence_old_leader",
	    &cfg->fence_old_leader) == -1 ||
	    get_bool(p, root, "dry_run", &cfg->dry_run) == -1 ||
	    get_u64(p, root, "failover_block_s", 0, 604800,
	    &cfg->failover_block_s) == -1 ||
	    get_u64(p, root, "switchover_timeout_ms", 1000, 3600000,
	    &cfg->switchover_timeout_ms) == -1 ||
	    get_readiness_interval(p, root, &cfg->readiness_interval_s) == -1 ||
	    get_int(p, root, "max_requests_per_cluster", 1, 1024,
	    &cfg->max_requests_per_cluster) == -1 ||
	    get_abs_path(p, root, "state_dir", &cfg->state_dir) == -1 ||
	    get_abs_path(p, root, "runtime_dir", &cfg->runtime_dir) == -1 ||
	    get_string(p, root, "log_level", &cfg->log_level, &s) == -1)
		return (-1);
	if (s != NULL) {
		if (log_level_from_name(cfg->log_level, &level) == -1)
			return (perr(p, s, "'%s' is not error, warning, "
			    "notice, info or debug", cfg->log_level));
		free(cfg->log_level);
		cfg->log_level = xstrdup(log_level_name(level));
	}
	return (0);
}

/*
 * Split "HOST:PORT" into host (without an IPv6 literal's brackets) and
 * port, and say whether the host is a loopback address. HOST is a numeric
 * IPv4 address or a bracketed IPv6 one: a name could resolve anywhere.
 * Port 0 asks for any free port.
 */
static int
parse_listen(const char *s, char *host, size_t hostlen,
    unsigned int *port, bool *loopback, char **cause)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0xff, 0xff };
	const char	*colon = strrchr(s, ':'), *h = s;
	struct in_addr	 a4;
	struct in6_addr	 a6;
	unsigned long	 p;
	size_t		 len;
	char		*end;

	if (colon == NULL) {
		xasprintf(cause, "'%s' is not HOST:PORT", s);
		return (-1);
	}
	len = (size_t)(colon - s);
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len == 0 || len >= hostlen) {
		xasprintf(cause, "'%s' is not HOST:PORT", s);
		return (-1);
	}
	memcpy(host, h, len);
	host[len] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    p > 65535) {
		xasprintf(cause, "'%s' has no port in 0..65535", s);
		return (-1);
	}
	*port = (unsigned int)p;
	if (h == s && inet_pton(AF_INET, host, &a4) == 1)
		*loopback = (ntohl(a4.s_addr) >> 24) == 127;
	else if (h != s && inet_pton(AF_INET6, host, &a6) == 1)
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (memcmp(a6.s6_addr, v4mapped, sizeof v4mapped) == 0 &&
		    a6.s6_addr[12] == 127);
	else {
		xasprintf(cause, "'%s' is not a numeric IPv4 address or a "
		    "bracketed IPv6 address", host);
		return (-1);
	}
	return (0);
}

/*
 * Read metrics_listen and metrics_allow_remote. Metrics show the clusters'
 * names, the indices and the state to whoever can connect: only loopback
 * unless the operator says otherwise.
 */
static int
parse_metrics(struct parse *p, const config_setting_t *root,
    struct ccr_config *cfg)
{
	const config_setting_t	*s = NULL;
	char			 host[64], *why;
	unsigned int		 port;
	bool			 loopback;

	if (get_string(p, root, "metrics_listen", &cfg->metrics_listen,
	    &s) == -1 ||
	    get_bool(p, root, "metrics_allow_remote",
	    &cfg->metrics_allow_remote) == -1)
		return (-1);
	if (s == NULL)
		return (0);
	if (parse_listen(cfg->metrics_listen, host, sizeof host, &port,
	    &loopback, &why) == -1) {
		perr(p, s, "%s", why);
		free(why);
		return (-1);
	}
	if (!loopback && !cfg->metrics_allow_remote)
		return (perr(p, s, "'%s' is not a loopback address; set "
		    "metrics_allow_remote = true to serve metrics to other "
		    "hosts", host));
	cfg->metrics_host = xstrdup(host);
	cfg->metrics_port = port;
	return (0);
}

/* A configuration holding only the defaults. */
static struct ccr_config *
config_defaults(const char *path)
{
	struct ccr_config	*cfg = xcalloc(1, sizeof *cfg);

	cfg->path = xstrdup(path);
	cfg->poll_interval_ms = 1000;
	cfg->request_timeout_ms = 2000;
	cfg->failure_threshold = 3;
	cfg->recovery_threshold = 3;
	cfg->require_follower_agreement = true;
	cfg->confirm_promote = false;
	cfg->confirm_failback = true;
	cfg->auto_failback = true;
	cfg->fence_old_leader = true;
	cfg->dry_run = false;
	cfg->failover_block_s = 3600;
	cfg->switchover_timeout_ms = 60000;
	cfg->readiness_interval_s = 300;
	cfg->max_requests_per_cluster = 16;
	cfg->log_level = xstrdup(log_level_name(LOG_LEVEL_INFO));
	cfg->hooks.timeout_ms = 30000;
	cfg->coordination.lease_ttl_s = CONFIG_LEASE_TTL_S;
	cfg->coordination.quorum = CONFIG_QUORUM;
	return (cfg);
}

/* The directory holding path, for resolving names relative to the file. */
static char *
config_file_dir(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (xstrdup("."));
	if (slash == path)
		return (xstrdup("/"));
	return (xstrndup(path, slash - path));
}

/*
 * Read and validate the file at path into a fresh configuration. On failure
 * return -1 with *cause set to "FILE:LINE: message" and *ret untouched.
 */
int
config_load(const char *path, struct ccr_config **ret, char **cause)
{
	struct parse		 p = { path, NULL, NULL };
	struct ccr_config	*cfg = NULL;
	config_t		 lc;
	const config_setting_t	*root;
	struct stat		 st;
	char			*dir, file[4096];
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		return (-1);
	}

	/* It names programs the daemon runs: only its owner may change it. */
	if (st.st_mode & S_IWOTH) {
		xasprintf(cause, "%s: others may write it (chmod o-w)", path);
		return (-1);
	}

	config_init(&lc);
	p.dir = dir = config_file_dir(path);
	config_set_include_dir(&lc, dir);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			xasprintf(cause, "%s: cannot read", path);
		else {
			source_name(&p, config_error_file(&lc), file,
			    sizeof file);
			xasprintf(cause, "%s:%d: %s", file,
			    config_error_line(&lc), config_error_text(&lc));
		}
		goto fail;
	}
	root = config_root_setting(&lc);
	cfg = config_defaults(path);
	if (check_keys(&p, root, root_keys) == -1 ||
	    parse_globals(&p, root, cfg) == -1 ||
	    parse_clusters(&p, root, cfg) == -1 ||
	    parse_indices(&p, root, cfg) == -1 ||
	    parse_hooks(&p, root, &cfg->hooks) == -1 ||
	    parse_coordination(&p, root, &cfg->coordination) == -1 ||
	    parse_metrics(&p, root, cfg) == -1) {
		*cause = p.cause;
		goto fail;
	}
	config_destroy(&lc);
	free(dir);
	*ret = cfg;
	return (0);

fail:
	config_free(cfg);
	config_destroy(&lc);
	free(dir);
	return (-1);
}

/*
 * Load the configuration in a child process first; only when the child
 * loaded it is it loaded here. libconfig 1.5's scanner calls exit(2) when an
 * @include names a directory ("." or ""), and neither a reload nor the
 * start must end that way: as keepalived checks a new configuration in a
 * child, the child's exit status decides. A file swapped between the two
 * reads is the operator's own race; the check is against mistakes.
 */
int
config_load_checked(const char *path, struct ccr_config **ret, char **cause)
{
	return (config_load_checked_ms(path, ret, cause,
	    CONFIG_CHECK_TIMEOUT_MS));
}

/*
 * The same with its own bound on the child's reading (which an @include of
 * a FIFO would block for ever): past timeout_ms the child is killed and the
 * file refused.
 */
int
config_load_checked_ms(const char *path, struct ccr_config **ret,
    char **cause, int timeout_ms)
{
	struct ccr_config	*cfg;
	struct pollfd		 pfd;
	char			 why[1024], *child_cause = NULL;
	size_t			 len = 0, off = 0;
	ssize_t			 n;
	pid_t			 pid;
	int			 fd[2], devnull, status, left_ms;
	int			 timed_out = 0;

	if (pipe2(fd, O_CLOEXEC) == -1) {
		xasprintf(cause, "%s: pipe: %s", path, strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		xasprintf(cause, "%s: fork: %s", path, strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return (-1);
	}
	if (pid == 0) {
		close(fd[0]);
		/* The scanner's own last words would only repeat ours. */
		if ((devnull = open("/dev/null", O_WRONLY)) != -1)
			dup2(devnull, STDERR_FILENO);
		if (config_load(path, &cfg, &child_cause) == 0) {
			config_free(cfg);
			_exit(0);
		}
		len = strlen(child_cause);
		while (len > 0 && (n = write(fd[1], child_cause + off,
		    len)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			off += (size_t)n;
			len -= (size_t)n;
		}
		free(child_cause);
		_exit(1);
	}
	close(fd[1]);
	pfd.fd = fd[0];
	pfd.events = POLLIN;
	for (left_ms = timeout_ms; len < sizeof why - 1;) {
		n = poll(&pfd, 1, 100);
		if (n == -1 && errno != EINTR)
			break;
		if (n == 0 && (left_ms -= 100) <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (n <= 0)
			continue;
		n = read(fd[0], why + len, sizeof why - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	why[len] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			xasprintf(cause, "%s: waitpid: %s", path,
			    strerror(errno));
			return (-1);
		}
	}
	if (timed_out) {
		xasprintf(cause, "%s: reading it took more than %d ms", path,
		    timeout_ms);
		return (-1);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (config_load(path, ret, cause));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && len > 0)
		*cause = xstrdup(why);
	else if (WIFEXITED(status))
		xasprintf(cause, "%s: reading it ended the process with exit "
		    "status %d (does an @include name a directory?)", path,
		    WEXITSTATUS(status));
	else
		xasprintf(cause, "%s: reading it ended the process by signal "
		    "%d", path, WTERMSIG(status));
	return (-1);
}

/* Free a string list of n entries. */
static void
free_list(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Free a configuration and everything it owns; NULL is fine. */
void
config_free(struct ccr_config *cfg)
{
	struct ccr_cluster_config	*c;
	size_t				 i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	for (i = 0; i < CCR_CLUSTERS; i++) {
		c = &cfg->clusters[i];
		free(c->name);
		free_list(c->urls, c->nurls);
		free(c->remote.mode);
		free(c->remote.proxy_address);
		free(c->remote.server_name);
		free_list(c->remote.seeds, c->remote.nseeds);
		free(c->username);
		free(c->password_file);
		free(c->api_key_file);
		free(c->ca_file);
	}
	free(cfg->leader);
	free(cfg->follower);
	for (i = 0; i < cfg->nindices; i++) {
		free(cfg->indices[i].leader_index);
		free(cfg->indices[i].follower_index);
	}
	free(cfg->indices);
	free(cfg->hooks.on_promote);
	free(cfg->hooks.on_failback);
	free(cfg->hooks.on_state_change);
	free(cfg->hooks.pre_promote);
	free_list(cfg->coordination.endpoints, cfg->coordination.nendpoints);
	free(cfg->coordination.prefix);
	free(cfg->coordination.ca_file);
	free(cfg->coordination.cert_file);
	free(cfg->coordination.key_file);
	free(cfg->coordination.username);
	free(cfg->coordination.password_file);
	free(cfg->coordination.member);
	free(cfg->state_dir);
	free(cfg->runtime_dir);
	free(cfg->log_level);
	free(cfg->metrics_listen);
	free(cfg->metrics_host);
	free(cfg);
}

/*
 * Where a file named in the configuration (password_file, api_key_file,
 * ca_file) is: an absolute path as it is; a relative one in systemd's
 * $CREDENTIALS_DIRECTORY (LoadCredential=) when set, else beside the
 * configuration file. The caller frees the result.
 */
char *
config_credential_path(const struct ccr_config *cfg, const char *path)
{
	const char	*creds = getenv("CREDENTIALS_DIRECTORY");
	char		*dir, *full;

	if (path[0] == '/')
		return (xstrdup(path));
	if (creds != NULL && *creds != '\0') {
		xasprintf(&full, "%s/%s", creds, path);
		return (full);
	}
	dir = config_file_dir(cfg->path);
	xasprintf(&full, "%s/%s", dir, path);
	free(dir);
	return (full);
}

/*
 * Read a password or API key file (see config_credential_path) into *ret,
 * which the caller releases with config_secret_free. The file must be a
 * regular file that others can neither read nor write, holding one line;
 * one trailing newline is dropped. A newline, carriage return or NUL
 * inside would let the secret forge HTTP headers, so it is refused. No
 * message quotes the contents.
 */
int
config_read_secret(const struct ccr_config *cfg, const char *path,
    char **ret, char **cause)
{
	struct stat	 st;
	const char	*why;
	char		*full, *buf = NULL;
	size_t		 len = 0;
	ssize_t		 n = 0;
	int		 fd;

	full = config_credential_path(cfg, path);
	if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1) {
		why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
		goto fail;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		why = "others may read or write it (chmod o-rw)";
		goto fail;
	}
	buf = xmalloc(CONFIG_SECRET_MAX + 1);
	while (len <= CONFIG_SECRET_MAX) {
		n = read(fd, buf + len, CONFIG_SECRET_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	if (n == -1) {
		why = strerror(errno);
		goto fail;
	}
	if (len > CONFIG_SECRET_MAX) {
		why = "longer than 4096 bytes";
		goto fail;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0) {
		why = "is empty";
		goto fail;
	}
	if (memchr(buf, '\n', len) != NULL || memchr(buf, '\r', len) != NULL ||
	    memchr(buf, '\0', len) != NULL) {
		why = "must be one line without carriage return or NUL";
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	free(full);
	*ret = buf;
	return (0);

fail:
	xasprintf(cause, "%s: %s", full, why);
	if (buf != NULL) {
		explicit_bzero(buf, CONFIG_SECRET_MAX + 1);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	free(full);
	return (-1);
}

/* Wipe and free a secret from config_read_secret; NULL is fine. */
void
config_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

/*
 * Choose the state or runtime directory: the flag's value, else the first
 * entry of systemd's $STATE_DIRECTORY or $RUNTIME_DIRECTORY (a colon
 * separated list), else the configuration's, else the fixed default.
 * get is getenv or a stand-in; cfg may be NULL. The caller frees.
 */
char *
config_dir(const struct ccr_config *cfg, enum config_dir which,
    const char *flag, char *(*get)(const char *))
{
	const char	*env, *configured = NULL;
	size_t		 len;

	if (flag != NULL && *flag != '\0')
		return (xstrdup(flag));
	env = get(config_dirs[which].env);
	if (env != NULL && (len = strcspn(env, ":")) != 0)
		return (xstrndup(env, len));
	if (cfg != NULL) {
		configured = which == CONFIG_DIR_STATE ? cfg->state_dir :
		    cfg->runtime_dir;
	}
	if (configured != NULL)
		return (xstrdup(configured));
	return (xstrdup(config_dirs[which].fallback));
}

/* Config index of a cluster name, -1 when the config has no such cluster. */
int
config_cluster_index(const struct ccr_config *cfg, const char *name)
{
	int	i;

	for (i = 0; i < CCR_CLUSTERS; i++) {
		if (name != NULL && strcmp(cfg->clusters[i].name, name) == 0)
			return (i);
	}
	return (-1);
}
