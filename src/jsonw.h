/*
 * A JSON text writer for the daemon's large, frequently written documents
 * (status.json every poll, the action record before every batch of
 * mutating requests). Building a jansson tree of a thousand indices and
 * dumping it costs far more than the data; this appends text directly, in
 * jansson's compact form or in its JSON_INDENT(2) layout. Keys are written
 * in the order given: callers that want sorted keys write them sorted.
 * Strings must be UTF-8; the writer escapes quotes, backslashes and
 * control characters the way jansson does.
 */
#ifndef CCR_JSONW_H
#define CCR_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_DEPTH_MAX	16

struct jsonw {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	bool	 pretty;		/* jansson's JSON_INDENT(2) */
	int	 depth;
	bool	 empty[JSONW_DEPTH_MAX];	/* nothing yet at that depth */
	bool	 after_key;		/* a value completes a member */
	int	 base;			/* depth of a value's text */
};

void	 jsonw_init(struct jsonw *, bool);
void	 jsonw_init_value(struct jsonw *, int);
void	 jsonw_expect(struct jsonw *, size_t);
char	*jsonw_finish(struct jsonw *);
void	 jsonw_object(struct jsonw *);
void	 jsonw_array(struct jsonw *);
void	 jsonw_end(struct jsonw *, char);
void	 jsonw_key(struct jsonw *, const char *);
void	 jsonw_string(struct jsonw *, const char *);
void	 jsonw_int(struct jsonw *, int64_t);
void	 jsonw_bool(struct jsonw *, bool);
void	 jsonw_null(struct jsonw *);
void	 jsonw_raw(struct jsonw *, const char *);

#endif
