/* Index name rules; see es-name.h. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "es-name.h"
#include "xmalloc.h"

/*
 * Why Elasticsearch would refuse an index name, or NULL if it would not:
 * lower case, no path or list separators, no control characters, no
 * leading '-', '_' or '+', not "." or "..", 1 to 255 bytes. buf holds the
 * reason when it names a character.
 */
const char *
es_name_error(const char *name, char *buf, size_t len)
{
	const char	*c;

	if (*name == '\0')
		return ("is empty");
	if (strlen(name) > ES_INDEX_NAME_MAX)
		return ("is longer than 255 bytes");
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ("must not be '.' or '..'");
	if (strchr("-_+", name[0]) != NULL)
		return ("must not start with '-', '_' or '+'");
	for (c = name; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			return ("must be lower case");
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return ("must not contain control characters");
		if (strchr("\\/*?\"<>| ,#:", *c) != NULL) {
			snprintf(buf, len, "must not contain '%c'", *c);
			return (buf);
		}
	}
	return (NULL);
}

/* Whether name is a valid index name; if not, cause says why. */
int
es_name_valid(const char *name, char **cause)
{
	const char	*why;
	char		 buf[64];

	if ((why = es_name_error(name, buf, sizeof buf)) == NULL)
		return (0);
	xasprintf(cause, "index name \"%.255s\" %s", name, why);
	return (-1);
}
