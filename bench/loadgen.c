/*
 * loadgen: a small HTTP load generator for the benchmarks. It keeps a fixed
 * number of keep-alive connections to one loopback server busy, each with
 * one request at a time, until a fixed list of requests is done, and prints
 * one line of figures:
 *
 *	requests=N errors=E elapsed_ms=T rps=R connections=C
 *
 * The list is either one GET path repeated (-n COUNT PATH: the server's
 * throughput) or read from a file (-f FILE, one request per line:
 * "METHOD PATH [BODY]"; the benchmark's setup of many indices). A request
 * is an error when it gets no answer or a status of 300 or more; the first
 * few are described on stderr. Exit status 0 only when there was none.
 */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "xmalloc.h"

/* Errors described on stderr, at most; the rest are only counted. */
#define LOADGEN_ERRORS_SHOWN	5

struct loadgen_req {
	enum evhttp_cmd_type	 cmd;
	char			*path;
	char			*body;		/* NULL: none */
};

struct loadgen_conn {
	struct loadgen		*lg;
	struct evhttp_connection *evcon;
	struct loadgen_req	*cur;		/* in flight, or NULL */
};

struct loadgen {
	struct event_base	*base;
	const char		*host;
	int			 port;
	struct loadgen_req	*reqs;
	size_t			 nreqs;
	size_t			 next;
	size_t			 done;
	size_t			 errors;
	struct loadgen_conn	*conns;
	int			 nconns;
};

static uint64_t
loadgen_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: loadgen [-c CONNECTIONS] -n COUNT HOST:PORT "
	    "PATH\n       loadgen [-c CONNECTIONS] -f FILE HOST:PORT\n");
	exit(2);
}

/* Map a method name to libevent's command, -1 when it has none. */
static int
loadgen_method(const char *name, enum evhttp_cmd_type *cmd)
{
	static const struct {
		const char		*name;
		enum evhttp_cmd_type	 cmd;
	} methods[] = {
		{ "GET", EVHTTP_REQ_GET },
		{ "PUT", EVHTTP_REQ_PUT },
		{ "POST", EVHTTP_REQ_POST },
		{ "DELETE", EVHTTP_REQ_DELETE },
		{ "HEAD", EVHTTP_REQ_HEAD },
	};
	size_t	i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (strcmp(methods[i].name, name) == 0) {
			*cmd = methods[i].cmd;
			return (0);
		}
	}
	return (-1);
}

/* Read "METHOD PATH [BODY]" lines; blank lines are skipped. */
static int
loadgen_read(struct loadgen *lg, const char *file, char **cause)
{
	FILE			*f;
	char			*line = NULL, *sp, *path, *body;
	size_t			 cap = 0, alloc = 0, lineno = 0;
	ssize_t			 len;
	struct loadgen_req	*r;

	if ((f = fopen(file, "r")) == NULL) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		return (-1);
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((sp = strchr(line, ' ')) == NULL)
			goto bad;
		*sp = '\0';
		path = sp + 1;
		if ((body = strchr(path, ' ')) != NULL)
			*body++ = '\0';
		if (*path != '/')
			goto bad;
		if (lg->nreqs == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			lg->reqs = xreallocarray(lg->reqs, alloc,
			    sizeof *lg->reqs);
		}
		r = &lg->reqs[lg->nreqs];
		if (loadgen_method(line, &r->cmd) != 0)
			goto bad;
		r->path = xstrdup(path);
		r->body = body != NULL ? xstrdup(body) : NULL;
		lg->nreqs++;
	}
	free(line);
	fclose(f);
	return (0);
bad:
	xasprintf(cause, "%s:%zu: expected METHOD /PATH [BODY]", file, lineno);
	free(line);
	fclose(f);
	return (-1);
}

static void	loadgen_send(struct loadgen_conn *);

/* A request finished: count it and keep the connection busy. */
static void
loadgen_done(struct evhttp_request *req, void *arg)
{
	struct loadgen_conn	*c = arg;
	struct loadgen		*lg = c->lg;
	int			 status;

	status = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (status == 0 || status >= 300) {
		if (lg->errors < LOADGEN_ERRORS_SHOWN)
			fprintf(stderr, "loadgen: %s: %s\n", c->cur->path,
			    status == 0 ? "no answer" : "error status");
		if (status != 0 && lg->errors < LOADGEN_ERRORS_SHOWN) {
			struct evbuffer	*b;

			b = evhttp_request_get_input_buffer(req);
			fprintf(stderr, "loadgen: %d %.*s\n", status,
			    (int)(evbuffer_get_length(b) < 300 ?
			    evbuffer_get_length(b) : 300),
			    (char *)evbuffer_pullup(b, -1));
		}
		lg->errors++;
	}
	c->cur = NULL;
	if (++lg->done == lg->nreqs)
		event_base_loopbreak(lg->base);
	else
		loadgen_send(c);
}

/* Send the next request of the list on a connection, if any is left. */
static void
loadgen_send(struct loadgen_conn *c)
{
	struct loadgen		*lg = c->lg;
	struct loadgen_req	*r;
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	char			 host[64];

	if (lg->next == lg->nreqs)
		return;
	r = &lg->reqs[lg->next++];
	c->cur = r;
	req = evhttp_request_new(loadgen_done, c);
	h = evhttp_request_get_output_headers(req);
	snprintf(host, sizeof host, "%s:%d", lg->host, lg->port);
	evhttp_add_header(h, "Host", host);
	if (r->body != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), r->body,
		    strlen(r->body));
	}
	if (evhttp_make_request(c->evcon, req, r->cmd, r->path) != 0)
		fatalx("cannot send %s", r->path);
}

/* Parse HOST:PORT. */
static int
loadgen_address(struct loadgen *lg, char *arg)
{
	char	*colon, *end;
	long	 port;

	if ((colon = strrchr(arg, ':')) == NULL)
		return (-1);
	*colon = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return (-1);
	lg->host = arg;
	lg->port = (int)port;
	return (0);
}

int
main(int argc, char **argv)
{
	struct loadgen	 lg;
	const char	*file = NULL, *errstr = NULL;
	char		*cause = NULL, *end;
	long		 count = -1, v;
	uint64_t	 start_ms, elapsed_ms;
	int		 ch, i;

	log_init("loadgen", LOG_LEVEL_WARNING);
	memset(&lg, 0, sizeof lg);
	lg.nconns = 1;
	while ((ch = getopt(argc, argv, "c:f:n:")) != -1) {
		switch (ch) {
		case 'c':
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 ||
			    v > (ch == 'c' ? 1024 : INT_MAX))
				errstr = optarg;
			if (ch == 'c')
				lg.nconns = (int)v;
			else
				count = v;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (errstr != NULL)
		fatalx("bad number: %s", errstr);
	if (argc != (file == NULL ? 2 : 1) || (file == NULL) == (count < 0) ||
	    loadgen_address(&lg, argv[0]) != 0)
		usage();

	if (file != NULL) {
		if (loadgen_read(&lg, file, &cause) != 0)
			fatalx("%s", cause);
	} else {
		lg.nreqs = (size_t)count;
		lg.reqs = xcalloc(lg.nreqs, sizeof *lg.reqs);
		for (i = 0; i < count; i++) {
			lg.reqs[i].cmd = EVHTTP_REQ_GET;
			lg.reqs[i].path = argv[1];
		}
	}

	if ((lg.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	lg.conns = xcalloc(lg.nconns, sizeof *lg.conns);
	for (i = 0; i < lg.nconns; i++) {
		lg.conns[i].lg = &lg;
		lg.conns[i].evcon = evhttp_connection_base_new(lg.base, NULL,
		    lg.host, (unsigned short)lg.port);
		if (lg.conns[i].evcon == NULL)
			fatalx("cannot create a connection");
		evhttp_connection_set_timeout(lg.conns[i].evcon, 60);
	}

	start_ms = loadgen_now_ms();
	if (lg.nreqs > 0) {
		for (i = 0; i < lg.nconns; i++)
			loadgen_send(&lg.conns[i]);
		event_base_dispatch(lg.base);
	}
	elapsed_ms = loadgen_now_ms() - start_ms;
	printf("requests=%zu errors=%zu elapsed_ms=%llu rps=%.0f "
	    "connections=%d\n", lg.done, lg.errors,
	    (unsigned long long)elapsed_ms,
	    elapsed_ms > 0 ? lg.done * 1000.0 / elapsed_ms : 0.0, lg.nconns);

	for (i = 0; i < lg.nconns; i++)
		evhttp_connection_free(lg.conns[i].evcon);
	free(lg.conns);
	if (file != NULL) {
		for (i = 0; i < (int)lg.nreqs; i++) {
			free(lg.reqs[i].path);
			free(lg.reqs[i].body);
		}
	}
	free(lg.reqs);
	event_base_free(lg.base);
	return (lg.errors == 0 ? 0 : 1);
}
