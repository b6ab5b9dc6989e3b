/*
 * Asynchronous HTTP client: libcurl's multi interface driven by the
 * daemon's libevent loop. Every submitted request ends in exactly one call
 * of its callback, always from the loop and never from inside http_submit,
 * unless it is cancelled first. A callback may submit and cancel requests
 * but must not free the client; the request's pointer is dead once its
 * callback runs.
 */
#ifndef CCR_HTTP_H
#define CCR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http;
struct http_request;

#define HTTP_MAX_BODY_DEFAULT	((size_t)64 * 1024 * 1024)

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_METHOD_MAX
};

/* How a request ended; HTTP_DONE means a response arrived, any status. */
enum http_outcome {
	HTTP_DONE,
	HTTP_TIMEOUT,
	HTTP_REFUSED,		/* could not connect or resolve */
	HTTP_TOO_BIG,		/* response body over the limit */
	HTTP_FAILED,		/* any other transport or TLS error */
	HTTP_OUTCOME_MAX
};

struct http_request_spec {
	enum http_method	 method;
	const char		*url;
	const char		*body;		/* NULL: none */
	size_t			 body_len;
	const char *const	*headers;	/* "Name: value" lines */
	size_t			 nheaders;
	uint64_t		 timeout_ms;	/* 0: none */
	const char		*ca_file;	/* NULL: system store */
	const char		*cert_file;	/* TLS client certificate */
	const char		*key_file;	/* ... and its key */
	bool			 insecure;	/* skip TLS verification */
	const char		*username;	/* basic auth with password */
	const char		*password;
	const char		*api_key;	/* sent as "ApiKey <value>" */
	size_t			 max_body;	/* 0: HTTP_MAX_BODY_DEFAULT */
};

struct http_response {
	enum http_outcome	 outcome;
	long			 status;	/* 0 unless HTTP_DONE */
	const char		*error;		/* transport error, or "" */
	const char		*body;		/* NUL-terminated, never NULL */
	size_t			 body_len;
	size_t			 bytes_in;	/* headers and body received */
	size_t			 bytes_out;	/* request bytes sent */
	uint64_t		 elapsed_ms;
	long			 new_connections; /* opened for it */
};

/* The response and its strings are borrowed for the duration of the call. */
typedef void (*http_done_cb)(const struct http_response *, void *);

struct http	*http_create(struct event_base *, size_t, char **);
void		 http_free(struct http *);
struct http_request *http_submit(struct http *,
		    const struct http_request_spec *, http_done_cb, void *);
void		 http_cancel(struct http_request *);
size_t		 http_pending(struct http *);
const char	*http_method_name(enum http_method);
const char	*http_outcome_name(enum http_outcome);

#endif
