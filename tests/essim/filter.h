/* filter_path: trim a JSON response to the requested dotted paths. */
#ifndef ESSIM_FILTER_H
#define ESSIM_FILTER_H

#include <jansson.h>

json_t	*filter_path(json_t *, const char *);

#endif
