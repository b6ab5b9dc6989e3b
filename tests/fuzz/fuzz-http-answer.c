/*
 * libFuzzer harness: an answer as a whole, from the socket to the parsed
 * observation. A server thread on 127.0.0.1 reads each request and writes
 * the input, byte for byte, as the answer (status line, headers, body),
 * then closes; the client is the daemon's own: libcurl's multi interface on
 * libevent (http.c), the Elasticsearch client's error envelope and JSON
 * handling (es.c), and the first byte's choice of es_parse_* parser on the
 * body, as the poller and the action engine use them.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "es.h"
#include "http.h"
#include "parse-any.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t		*answer;	/* a copy: the input is gone */
static size_t		 answer_len;	/* once the client is done */
static int		 listener;

static struct event_base *base;
static struct http	*http;
static struct es_cluster *cluster;

struct outcome {
	int		done;
	unsigned int	kind;
};

static void
serve_one(int fd)
{
	char		 buf[4096];
	size_t		 got = 0, off = 0;
	ssize_t		 n;
	uint8_t		*a;
	size_t		 len;

	/* The request: its headers end in an empty line; GET has no body. */
	while (got < sizeof buf - 1) {
		n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	pthread_mutex_lock(&lock);
	len = answer_len;
	if ((a = malloc(len + 1)) == NULL)
		abort();
	memcpy(a, answer, len);
	pthread_mutex_unlock(&lock);
	while (off < len) {
		n = send(fd, a + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(a);
	shutdown(fd, SHUT_WR);
}

static void *
server(void *arg)
{
	int	fd;

	(void)arg;
	for (;;) {
		if ((fd = accept(listener, NULL, NULL)) == -1)
			continue;
		serve_one(fd);
		close(fd);
	}
	return (NULL);
}

static void
setup(void)
{
	struct ccr_cluster_config	 cc;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof sin;
	pthread_t			 t;
	char				 url[64], *urls[1], *cause = NULL;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((listener = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(listener, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(listener, 16) == -1 ||
	    getsockname(listener, (struct sockaddr *)&sin, &slen) == -1)
		abort();
	if (pthread_create(&t, NULL, server, NULL) != 0)
		abort();
	snprintf(url, sizeof url, "http://127.0.0.1:%u", ntohs(sin.sin_port));
	urls[0] = url;
	memset(&cc, 0, sizeof cc);
	cc.name = "fuzz";
	cc.urls = urls;
	cc.nurls = 1;
	if ((base = event_base_new()) == NULL ||
	    (http = http_create(base, 4, &cause)) == NULL ||
	    (cluster = es_cluster_create(http, &cc, NULL, NULL, 1,
	    &cause)) == NULL) {
		fprintf(stderr, "setup: %s\n", cause != NULL ? cause : "");
		abort();
	}
}

static void
done(const struct es_result *r, void *arg)
{
	struct outcome	*o = arg;

	/* What the engine and the poller read of every result. */
	if (r->error_type == NULL || r->reason == NULL || r->node == NULL)
		abort();
	(void)strlen(r->error_type);
	(void)strlen(r->reason);
	if (r->root != NULL)
		parse_any(o->kind, r->root);
	o->done = 1;
	event_base_loopbreak(base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome	o = { 0, 0 };

	if (size < 1)
		return (0);
	if (base == NULL)
		setup();
	o.kind = data[0];
	pthread_mutex_lock(&lock);
	free(answer);
	if ((answer = malloc(size)) == NULL)
		abort();
	memcpy(answer, data + 1, size - 1);
	answer_len = size - 1;
	pthread_mutex_unlock(&lock);
	es_request(cluster, HTTP_GET, "/_ccr/stats", NULL, 2000, done, &o);
	while (!o.done)
		event_base_loop(base, EVLOOP_ONCE);
	return (0);
}
