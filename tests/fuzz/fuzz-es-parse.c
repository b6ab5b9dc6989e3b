/*
 * libFuzzer harness: every es_parse_* parser. The first byte chooses the
 * parser, the rest is the answer's body as Elasticsearch would send it.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "parse-any.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*root;
	json_error_t	 err;

	if (size < 1)
		return (0);
	root = json_loadb((const char *)data + 1, size - 1, 0, &err);
	if (root == NULL)
		return (0);
	parse_any(data[0], root);
	json_decref(root);
	return (0);
}
