/*
 * JSON text written directly into a growing buffer (see jsonw.h). The
 * layout matches jansson's: compact is {"a":1,"b":[1,2]}; pretty puts each
 * member and element on its own line, indented by two spaces a level, with
 * ": " after keys, and writes empty containers as {} and [].
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"
#include "xmalloc.h"

/* Room for n more bytes and a NUL. */
static void
jsonw_reserve(struct jsonw *w, size_t n)
{
	size_t	want;

	if (w->len + n + 1 <= w->cap)
		return;
	want = w->cap == 0 ? 1024 : w->cap;
	while (want < w->len + n + 1)
		want *= 2;
	w->buf = xreallocarray(w->buf, 1, want);
	w->cap = want;
}

/*
 * Room for a document of about n bytes, taken at once: growing by doubling
 * would hold up to twice the document.
 */
void
jsonw_expect(struct jsonw *w, size_t n)
{
	if (n + 1 <= w->cap)
		return;
	w->buf = xreallocarray(w->buf, 1, n + 1);
	w->cap = n + 1;
}

/* Append n bytes. */
static void
jsonw_put(struct jsonw *w, const char *s, size_t n)
{
	jsonw_reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* A new line indented to the current depth (pretty only). */
static void
jsonw_newline(struct jsonw *w)
{
	int	i;

	if (!w->pretty)
		return;
	jsonw_reserve(w, 1 + 2 * (size_t)w->depth);
	w->buf[w->len++] = '\n';
	for (i = 0; i < w->depth; i++) {
		w->buf[w->len++] = ' ';
		w->buf[w->len++] = ' ';
	}
	w->buf[w->len] = '\0';
}

/* Separate a new member or element from the one before it. */
static void
jsonw_next(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->empty[w->depth])
		jsonw_put(w, ",", 1);
	w->empty[w->depth] = false;
	jsonw_newline(w);
}

/* Start a document; pretty selects jansson's JSON_INDENT(2) layout. */
void
jsonw_init(struct jsonw *w, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->pretty = pretty;
	jsonw_reserve(w, 0);
	w->buf[0] = '\0';
}

/*
 * Start the text of one value that a pretty document at depth holds: the
 * document writes it with jsonw_raw after its key, as it would have.
 */
void
jsonw_init_value(struct jsonw *w, int depth)
{
	jsonw_init(w, true);
	if (depth < 0 || depth + 1 >= JSONW_DEPTH_MAX)
		fatalx("%s: depth %d", __func__, depth);
	w->depth = w->base = depth;
	w->after_key = true;
}

/* The text, which the caller frees; the writer is spent. */
char *
jsonw_finish(struct jsonw *w)
{
	char	*s = w->buf;

	if (w->depth != w->base)
		fatalx("%s: %d containers left open", __func__, w->depth);
	w->buf = NULL;
	return (s);
}

/* Open a container. */
static void
jsonw_open(struct jsonw *w, char c)
{
	jsonw_next(w);
	if (w->depth + 1 >= JSONW_DEPTH_MAX)
		fatalx("%s: nested too deep", __func__);
	jsonw_put(w, &c, 1);
	w->empty[++w->depth] = true;
}

void
jsonw_object(struct jsonw *w)
{
	jsonw_open(w, '{');
}

void
jsonw_array(struct jsonw *w)
{
	jsonw_open(w, '[');
}

/* Close the innermost container: c is '}' or ']'. */
void
jsonw_end(struct jsonw *w, char c)
{
	bool	empty = w->empty[w->depth];

	w->depth--;
	if (!empty)
		jsonw_newline(w);
	jsonw_put(w, &c, 1);
}

/* A string, escaped as jansson escapes it. */
static void
jsonw_quoted(struct jsonw *w, const char *s)
{
	const char	*p, *run;
	char		 esc[8];

	jsonw_put(w, "\"", 1);
	for (p = run = s; *p != '\0'; p++) {
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			continue;
		jsonw_put(w, run, (size_t)(p - run));
		switch (*p) {
		case '"':
			jsonw_put(w, "\\\"", 2);
			break;
		case '\\':
			jsonw_put(w, "\\\\", 2);
			break;
		case '\b':
			jsonw_put(w, "\\b", 2);
			break;
		case '\f':
			jsonw_put(w, "\\f", 2);
			break;
		case '\n':
			jsonw_put(w, "\\n", 2);
			break;
		case '\r':
			jsonw_put(w, "\\r", 2);
			break;
		case '\t':
			jsonw_put(w, "\\t", 2);
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X",
			    (unsigned int)(unsigned char)*p);
			jsonw_put(w, esc, 6);
			break;
		}
		run = p + 1;
	}
	jsonw_put(w, run, (size_t)(p - run));
	jsonw_put(w, "\"", 1);
}

/* A member's key; its value comes next. */
void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_next(w);
	jsonw_quoted(w, key);
	if (w->pretty)
		jsonw_put(w, ": ", 2);
	else
		jsonw_put(w, ":", 1);
	w->after_key = true;
}

/* A string value; NULL writes null. */
void
jsonw_string(struct jsonw *w, const char *s)
{
	if (s == NULL) {
		jsonw_null(w);
		return;
	}
	jsonw_next(w);
	jsonw_quoted(w, s);
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	char	num[24];
	int	n;

	jsonw_next(w);
	n = snprintf(num, sizeof num, "%" PRId64, v);
	jsonw_put(w, num, (size_t)n);
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_next(w);
	if (v)
		jsonw_put(w, "true", 4);
	else
		jsonw_put(w, "false", 5);
}

void
jsonw_null(struct jsonw *w)
{
	jsonw_next(w);
	jsonw_put(w, "null", 4);
}

/*
 * A value already in JSON text, written as it is: compact, or from
 * jsonw_init_value at this depth.
 */
void
jsonw_raw(struct jsonw *w, const char *text)
{
	jsonw_next(w);
	jsonw_put(w, text, strlen(text));
}
