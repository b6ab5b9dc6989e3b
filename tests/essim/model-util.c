/*
 * Small pure helpers of the essim model: the Elasticsearch error envelope,
 * random ids, document routing (Murmur3 over UTF-16 code units, scaled by the
 * routing shard count as Elasticsearch 8.x does), glob matching and index
 * name validation.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model.h"
#include "xmalloc.h"

/* Build an error object {type, reason} from a printf format. */
json_t *
sim_cause(const char *type, const char *fmt, ...)
{
	va_list	 ap;
	char	*reason;
	json_t	*cause;

	cause = json_object();
	json_object_set_new(cause, "type", json_string(type));
	if (fmt == NULL)
		json_object_set_new(cause, "reason", json_null());
	else {
		va_start(ap, fmt);
		if (vasprintf(&reason, fmt, ap) == -1)
			abort();
		va_end(ap);
		json_object_set_new(cause, "reason", json_string(reason));
		free(reason);
	}
	return (cause);
}

/* The innermost cause of a chain, copied without its own caused_by. */
static json_t *
sim_root_cause(json_t *cause)
{
	json_t	*next, *root;

	while ((next = json_object_get(cause, "caused_by")) != NULL &&
	    json_is_object(next) && json_object_get(cause, "root_is_inner"))
		cause = next;
	root = json_deep_copy(cause);
	json_object_del(root, "caused_by");
	json_object_del(root, "suppressed");
	json_object_del(root, "root_is_inner");
	return (root);
}

/*
 * Wrap a cause (stolen) in the envelope {"error": ..., "status": N}. A
 * cause carrying "root_is_inner" reports its innermost cause as root cause,
 * as wrapper exceptions do.
 */
int
sim_error_cause(json_t **out, int status, json_t *cause)
{
	json_t		*env, *roots, *err, *v;
	const char	*key;

	roots = json_array();
	json_array_append_new(roots, sim_root_cause(cause));
	json_object_del(cause, "root_is_inner");
	err = json_object();
	json_object_set_new(err, "root_cause", roots);
	json_object_foreach(cause, key, v)
		json_object_set(err, key, v);
	json_decref(cause);
	env = json_object();
	json_object_set_new(env, "error", err);
	json_object_set_new(env, "status", json_integer(status));
	*out = env;
	return (status);
}

/* Build a whole error envelope; returns the status. */
int
sim_error(json_t **out, int status, const char *type, const char *fmt, ...)
{
	va_list	 ap;
	char	*reason;
	json_t	*cause;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) == -1)
		abort();
	va_end(ap);
	cause = sim_cause(type, "%s", reason);
	free(reason);
	return (sim_error_cause(out, status, cause));
}

/* 404 index_not_found_exception with its metadata fields. */
int
sim_index_not_found(json_t **out, const char *name)
{
	json_t	*cause;

	cause = sim_cause("index_not_found_exception", "no such index [%s]",
	    name);
	json_object_set_new(cause, "resource.type",
	    json_string("index_or_alias"));
	json_object_set_new(cause, "resource.id", json_string(name));
	json_object_set_new(cause, "index_uuid", json_string("_na_"));
	json_object_set_new(cause, "index", json_string(name));
	return (sim_error_cause(out, 404, cause));
}

/* 400 index_closed_exception for a closed index. */
int
sim_index_closed(json_t **out, struct sim_index *ix)
{
	json_t	*cause;

	cause = sim_cause("index_closed_exception", "closed");
	json_object_set_new(cause, "index_uuid", json_string(ix->uuid));
	json_object_set_new(cause, "index", json_string(ix->name));
	return (sim_error_cause(out, 400, cause));
}

/* Fill buf with len-1 random URL-safe base64 characters. */
void
sim_random_id(char *buf, size_t len)
{
	static const char	 alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i;

	for (i = 0; i + 1 < len; i++)
		buf[i] = alphabet[arc4random_uniform(64)];
	buf[len - 1] = '\0';
}

/* Murmur3 x86 32-bit, the hash Elasticsearch routes documents with. */
uint32_t
sim_murmur3(const void *data, size_t len, uint32_t seed)
{
	const uint8_t	*p = data;
	const uint32_t	 c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t	 h = seed, k;
	size_t		 i, nblocks = len / 4;

	for (i = 0; i < nblocks; i++) {
		k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		k *= c1;
		k = (k << 15) | (k >> 17);
		k *= c2;
		h ^= k;
		h = (h << 13) | (h >> 19);
		h = h * 5 + 0xe6546b64;
	}
	k = 0;
	switch (len & 3) {
	case 3:
		k ^= (uint32_t)p[4 * nblocks + 2] << 16;
		/* FALLTHROUGH */
	case 2:
		k ^= (uint32_t)p[4 * nblocks + 1] << 8;
		/* FALLTHROUGH */
	case 1:
		k ^= p[4 * nblocks];
		k *= c1;
		k = (k << 15) | (k >> 17);
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return (h);
}

/* Append one UTF-16 code unit, little endian, as Java's String hashing does. */
static void
sim_put_unit(uint8_t *buf, size_t *n, uint32_t unit)
{
	buf[(*n)++] = unit & 0xff;
	buf[(*n)++] = (unit >> 8) & 0xff;
}

/*
 * The shard a document id routes to: Murmur3 over the id's UTF-16 code
 * units, floor-modulo the routing shard count (the largest numShards * 2^k
 * not above 1024, at least one split), divided by the routing factor.
 */
int
sim_shard_for_id(const char *id, int nshards)
{
	const uint8_t	*s = (const uint8_t *)id;
	uint8_t		*buf;
	size_t		 n = 0, len = strlen(id);
	uint32_t	 cp;
	int32_t		 hash;
	int		 log2n, splits, routing, mod;

	buf = xmalloc(len * 4 + 4);
	while (*s != '\0') {
		if (*s < 0x80)
			cp = *s++;
		else if ((*s & 0xe0) == 0xc0 && s[1] != '\0') {
			cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
			s += 2;
		} else if ((*s & 0xf0) == 0xe0 && s[1] != '\0' &&
		    s[2] != '\0') {
			cp = (uint32_t)(s[0] & 0x0f) << 12 |
			    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
			s += 3;
		} else if ((*s & 0xf8) == 0xf0 && s[1] != '\0' &&
		    s[2] != '\0' && s[3] != '\0') {
			cp = (uint32_t)(s[0] & 0x07) << 18 |
			    (uint32_t)(s[1] & 0x3f) << 12 |
			    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
			s += 4;
		} else
			cp = 0xfffd, s++;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			sim_put_unit(buf, &n, 0xd800 + (cp >> 10));
			sim_put_unit(buf, &n, 0xdc00 + (cp & 0x3ff));
		} else
			sim_put_unit(buf, &n, cp);
	}
	hash = (int32_t)sim_murmur3(buf, n, 0);
	free(buf);

	for (log2n = 0; (1 << log2n) < nshards; log2n++)
		;
	splits = 10 - log2n;
	if (splits < 1)
		splits = 1;
	routing = nshards << splits;
	mod = hash % routing;
	if (mod < 0)
		mod += routing;
	return (mod / (routing / nshards));
}

/* Match a name against a pattern where '*' matches any run of characters. */
int
sim_glob(const char *pattern, const char *name)
{
	const char	*star = NULL, *back = NULL;

	while (*name != '\0') {
		if (*pattern == '*') {
			star = ++pattern;
			back = name;
		} else if (*pattern == *name) {
			pattern++;
			name++;
		} else if (star != NULL) {
			pattern = star;
			name = ++back;
		} else
			return (0);
	}
	while (*pattern == '*')
		pattern++;
	return (*pattern == '\0');
}

/* Check an index name as MetadataCreateIndexService does. */
int
sim_valid_index_name(const char *name, json_t **out)
{
	const char	*p;
	json_t		*cause;
	const char	*why = NULL;

	if (*name == '\0')
		why = "must not be empty";
	else if (strpbrk(name, "\\/*?\"<>| ,#:") != NULL)
		why = "must not contain the following characters "
		    "['\\','/','*','?','\"','<','>','|',' ',',','#',':']";
	else if (*name == '_' || *name == '-' || *name == '+')
		why = "must not start with '_', '-', or '+'";
	else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		why = "must not be '.' or '..'";
	else if (strlen(name) > 255)
		why = "index name is too long, (256 > 255)";
	else {
		for (p = name; *p != '\0'; p++) {
			if (isupper((unsigned char)*p)) {
				why = "must be lowercase";
				break;
			}
		}
	}
	if (why == NULL)
		return (0);
	cause = sim_cause("invalid_index_name_exception",
	    "Invalid index name [%s], %s", name, why);
	json_object_set_new(cause, "index_uuid", json_string("_na_"));
	json_object_set_new(cause, "index", json_string(name));
	return (sim_error_cause(out, 400, cause));
}
