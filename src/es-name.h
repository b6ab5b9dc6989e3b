/*
 * Elasticsearch's rules for index names, in one place: the configuration
 * checks names with them at load, the request builders before a name goes
 * into a path.
 */
#ifndef CCR_ES_NAME_H
#define CCR_ES_NAME_H

#include <stddef.h>

#define ES_INDEX_NAME_MAX	255	/* bytes */

const char	*es_name_error(const char *, char *, size_t);
int		 es_name_valid(const char *, char **);

#endif
