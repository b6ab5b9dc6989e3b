/*
 * Response filtering as Elasticsearch's filter_path does it: a comma list of
 * dotted paths; '*' matches within one name, '**' any number of names;
 * arrays are transparent; a leading '-' excludes, and excludes apply before
 * includes. Objects left empty disappear; if nothing matches the result is
 * {}. Pure: the input is never modified.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "filter.h"
#include "model.h"
#include "xmalloc.h"

#define FILTER_MAX_PATHS	32
#define FILTER_MAX_SEGS		32

struct filter_path {
	char	*segs[FILTER_MAX_SEGS];
	int	 nsegs;
};

struct filter_set {
	struct filter_path	*paths;
	int			 npaths;
	unsigned char		 pos[FILTER_MAX_PATHS][FILTER_MAX_SEGS + 1];
};

/* Add (path, seg) to a position set, expanding '**' to also skip it. */
static void
filter_add(const struct filter_path *paths,
    unsigned char pos[][FILTER_MAX_SEGS + 1], int i, int j)
{
	if (pos[i][j])
		return;
	pos[i][j] = 1;
	if (j < paths[i].nsegs && strcmp(paths[i].segs[j], "**") == 0)
		filter_add(paths, pos, i, j + 1);
}

static json_t *filter_node(json_t *, const struct filter_path *, int,
    unsigned char [][FILTER_MAX_SEGS + 1], int);

/* Filter an object or array child given the positions active for it. */
static json_t *
filter_child(json_t *v, const struct filter_path *paths, int npaths,
    unsigned char pos[][FILTER_MAX_SEGS + 1], int exclude)
{
	json_t	*out, *item, *f;
	size_t	 i;

	if (json_is_object(v))
		return (filter_node(v, paths, npaths, pos, exclude));
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, item) {
			f = filter_child(item, paths, npaths, pos, exclude);
			if (f != NULL && !exclude && json_is_object(f) &&
			    json_object_size(f) == 0) {
				json_decref(f);
				f = NULL;
			}
			if (f != NULL)
				json_array_append_new(out, f);
		}
		if (!exclude && json_array_size(out) == 0) {
			json_decref(out);
			return (NULL);
		}
		return (out);
	}
	return (exclude ? json_incref(v) : NULL);
}

/*
 * One object level: for each key, work out which paths matched fully and
 * which continue below; include (or exclude) accordingly.
 */
static json_t *
filter_node(json_t *obj, const struct filter_path *paths, int npaths,
    unsigned char pos[][FILTER_MAX_SEGS + 1], int exclude)
{
	unsigned char	 (*next)[FILTER_MAX_SEGS + 1];
	const char	*key;
	json_t		*v, *out, *f;
	int		 i, j, full, more;

	out = json_object();
	next = xcalloc(FILTER_MAX_PATHS, sizeof *next);
	json_object_foreach(obj, key, v) {
		memset(next, 0, FILTER_MAX_PATHS * sizeof *next);
		full = more = 0;
		for (i = 0; i < npaths; i++) {
			for (j = 0; j <= paths[i].nsegs; j++) {
				if (!pos[i][j])
					continue;
				if (j == paths[i].nsegs) {
					full = 1;
					continue;
				}
				if (strcmp(paths[i].segs[j], "**") == 0) {
					filter_add(paths, next, i, j);
					more = 1;
				} else if (sim_glob(paths[i].segs[j], key)) {
					if (j + 1 == paths[i].nsegs)
						full = 1;
					else {
						filter_add(paths, next, i,
						    j + 1);
						more = 1;
					}
				}
			}
		}
		if (full) {
			if (!exclude)
				json_object_set(out, key, v);
			continue;
		}
		if (!more) {
			if (exclude)
				json_object_set(out, key, v);
			continue;
		}
		f = filter_child(v, paths, npaths, next, exclude);
		if (f != NULL && !exclude && json_is_object(f) &&
		    json_object_size(f) == 0) {
			json_decref(f);
			f = NULL;
		}
		if (f != NULL)
			json_object_set_new(out, key, f);
	}
	free(next);
	return (out);
}

/* Split the spec into include and exclude path lists. */
static void
filter_parse(char *spec, struct filter_path *incl, int *nincl,
    struct filter_path *excl, int *nexcl)
{
	char			*tok, *save, *seg, *save2;
	struct filter_path	*p;
	int			*n;

	*nincl = *nexcl = 0;
	for (tok = strtok_r(spec, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '-') {
			n = nexcl;
			p = &excl[*n];
			tok++;
		} else {
			n = nincl;
			p = &incl[*n];
		}
		if (*n == FILTER_MAX_PATHS)
			continue;
		p->nsegs = 0;
		for (seg = strtok_r(tok, ".", &save2); seg != NULL &&
		    p->nsegs < FILTER_MAX_SEGS;
		    seg = strtok_r(NULL, ".", &save2))
			p->segs[p->nsegs++] = seg;
		if (p->nsegs > 0)
			(*n)++;
	}
}

/* Apply a filter_path spec to a response; returns a new reference. */
json_t *
filter_path(json_t *in, const char *spec)
{
	struct filter_path	 incl[FILTER_MAX_PATHS], excl[FILTER_MAX_PATHS];
	unsigned char		 (*pos)[FILTER_MAX_SEGS + 1];
	int			 nincl, nexcl, i;
	char			*copy;
	json_t			*cur, *f;

	if (spec == NULL || *spec == '\0' || !(json_is_object(in) ||
	    json_is_array(in)))
		return (json_incref(in));
	copy = xstrdup(spec);
	filter_parse(copy, incl, &nincl, excl, &nexcl);
	pos = xcalloc(FILTER_MAX_PATHS, sizeof *pos);
	cur = json_incref(in);
	if (nexcl > 0) {
		for (i = 0; i < nexcl; i++)
			filter_add(excl, pos, i, 0);
		f = filter_child(cur, excl, nexcl, pos, 1);
		json_decref(cur);
		cur = f;
	}
	if (nincl > 0) {
		memset(pos, 0, FILTER_MAX_PATHS * sizeof *pos);
		for (i = 0; i < nincl; i++)
			filter_add(incl, pos, i, 0);
		f = filter_child(cur, incl, nincl, pos, 0);
		json_decref(cur);
		cur = f != NULL ? f : json_object();
	}
	free(pos);
	free(copy);
	return (cur);
}
