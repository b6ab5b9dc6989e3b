/*
 * Unit tests for http.c and es.c against an evhttp server running in the
 * test's own event loop on 127.0.0.1 (port 0, discovered). The server's
 * behaviour is chosen by the path: /hang never answers, /slow answers a
 * little later (so requests overlap), /error is a 503 envelope, /bad is
 * malformed JSON; anything else is 200 with a small JSON object.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "es.h"
#include "http.h"

#define MAX_CONNS 64

struct srv {
	struct event_base		*base;
	struct evhttp			*evh;
	int				 port;
	struct evhttp_connection	*conns[MAX_CONNS];
	int				 connections;	/* ever accepted */
	int				 requests;
	int				 inflight;
	int				 max_inflight;
	char				 auth[256];
	char				 method[16];
	char				 path[512];
	char				 body[512];
};

struct done {
	int				 calls;
	struct http_response		 r;		/* strings not kept */
	char				 body[256];
	char				 error[256];
	bool				 ok;
	long				 status;
	enum http_outcome		 outcome;
	char				 type[128];
	char				 reason[256];
	unsigned int			 attempts;
	bool				 had_root;
};

static struct event_base	*base;
static struct srv		 srv;

/* Forget a connection the server closed. */
static void
srv_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct srv	*s = arg;
	int		 i;

	for (i = 0; i < MAX_CONNS; i++) {
		if (s->conns[i] == evcon)
			s->conns[i] = NULL;
	}
}

/* Count a connection the first time one of its requests arrives. */
static void
srv_track(struct srv *s, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	int				 i, free_slot = -1;

	evcon = evhttp_request_get_connection(req);
	for (i = 0; i < MAX_CONNS; i++) {
		if (s->conns[i] == evcon)
			return;
		if (s->conns[i] == NULL && free_slot == -1)
			free_slot = i;
	}
	ck_assert_int_ne(free_slot, -1);
	s->conns[free_slot] = evcon;
	s->connections++;
	evhttp_connection_set_closecb(evcon, srv_conn_closed, s);
}

/* Send a JSON reply. */
static void
srv_reply(struct evhttp_request *req, int code, const char *json)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add(b, json, strlen(json));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, code, "X", b);
	evbuffer_free(b);
}

/* A /slow request's answer is due. */
static void
srv_slow_cb(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct evhttp_request	*req = arg;

	srv.inflight--;
	srv_reply(req, 200, "{\"slow\":true}");
}

/* The test server's one handler. */
static void
srv_handle(struct evhttp_request *req, void *arg)
{
	struct srv	*s = arg;
	const char	*uri, *auth;
	struct evbuffer	*in;
	size_t		 n;
	struct timeval	 tv = { 0, 20000 };

	srv_track(s, req);
	s->requests++;
	uri = evhttp_request_get_uri(req);
	snprintf(s->path, sizeof s->path, "%s", uri);
	auth = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	snprintf(s->auth, sizeof s->auth, "%s", auth != NULL ? auth : "");
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		snprintf(s->method, sizeof s->method, "GET");
		break;
	case EVHTTP_REQ_POST:
		snprintf(s->method, sizeof s->method, "POST");
		break;
	case EVHTTP_REQ_PUT:
		snprintf(s->method, sizeof s->method, "PUT");
		break;
	case EVHTTP_REQ_DELETE:
		snprintf(s->method, sizeof s->method, "DELETE");
		break;
	case EVHTTP_REQ_HEAD:
		snprintf(s->method, sizeof s->method, "HEAD");
		break;
	default:
		snprintf(s->method, sizeof s->method, "?");
		break;
	}
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	if (n >= sizeof s->body)
		n = sizeof s->body - 1;
	evbuffer_copyout(in, s->body, n);
	s->body[n] = '\0';

	if (strncmp(uri, "/hang", 5) == 0)
		return;
	if (strncmp(uri, "/slow", 5) == 0) {
		if (++s->inflight > s->max_inflight)
			s->max_inflight = s->inflight;
		event_base_once(s->base, -1, EV_TIMEOUT, srv_slow_cb, req, &tv);
		return;
	}
	if (strncmp(uri, "/error", 6) == 0) {
		srv_reply(req, 503, "{\"error\":{\"root_cause\":[{\"type\":"
		    "\"master_not_discovered_exception\",\"reason\":null}],"
		    "\"type\":\"master_not_discovered_exception\","
		    "\"reason\":null},\"status\":503}");
		return;
	}
	if (strncmp(uri, "/missing", 8) == 0) {
		srv_reply(req, 404, "{\"error\":{\"type\":"
		    "\"index_not_found_exception\",\"reason\":"
		    "\"no such index [x]\"},\"status\":404}");
		return;
	}
	if (strncmp(uri, "/bad", 4) == 0) {
		srv_reply(req, 200, "{\"status\": \"green\", ");
		return;
	}
	srv_reply(req, 200, "{\"ok\":true,\"padding\":\"0123456789\"}");
}

/* A port nothing listens on: bind one, note it, close it. */
static int
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* Fresh loop and server for each test. */
static void
setup(void)
{
	struct evhttp_bound_socket	*bound;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	memset(&srv, 0, sizeof srv);
	srv.base = base;
	srv.evh = evhttp_new(base);
	evhttp_set_allowed_methods(srv.evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(srv.evh, srv_handle, &srv);
	bound = evhttp_bind_socket_with_handle(srv.evh, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bound);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &len), 0);
	srv.port = ntohs(sin.sin_port);
}

/* Free the server and the loop. */
static void
teardown(void)
{
	evhttp_free(srv.evh);
	event_base_free(base);
}

/* Run the loop until *flag reaches want. */
static void
run_until(const int *flag, int want)
{
	while (*flag < want)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_ONCE), -1);
}

/* Record an HTTP completion. */
static void
http_done(const struct http_response *r, void *arg)
{
	struct done	*d = arg;

	d->calls++;
	d->r = *r;
	d->outcome = r->outcome;
	d->status = r->status;
	snprintf(d->body, sizeof d->body, "%s", r->body);
	snprintf(d->error, sizeof d->error, "%s", r->error);
	d->r.body = d->r.error = NULL;
}

/* Submit a GET for path on the test server. */
static struct http_request *
get(struct http *h, const char *path, uint64_t timeout_ms, struct done *d)
{
	struct http_request_spec	 spec;
	struct http_request		*req;
	char				*url;

	asprintf(&url, "http://127.0.0.1:%d%s", srv.port, path);
	memset(&spec, 0, sizeof spec);
	spec.method = HTTP_GET;
	spec.url = url;
	spec.timeout_ms = timeout_ms;
	req = http_submit(h, &spec, http_done, d);
	free(url);
	return (req);
}

/* A client with a small connection cache. */
static struct http *
client(void)
{
	struct http	*h;
	char		*cause = NULL;

	h = http_create(base, 8, &cause);
	ck_assert_msg(h != NULL, "%s", cause);
	return (h);
}

START_TEST(http_success)
{
	struct http	*h = client();
	struct done	 d = { 0 };

	get(h, "/ok", 5000, &d);
	ck_assert_int_eq(d.calls, 0);	/* never from inside submit */
	run_until(&d.calls, 1);
	ck_assert_int_eq(d.outcome, HTTP_DONE);
	ck_assert_int_eq(d.status, 200);
	ck_assert_str_eq(d.body, "{\"ok\":true,\"padding\":\"0123456789\"}");
	ck_assert_uint_gt(d.r.bytes_in, strlen(d.body));
	ck_assert_uint_gt(d.r.bytes_out, 0);
	ck_assert_str_eq(srv.method, "GET");
	ck_assert_uint_eq(http_pending(h), 0);
	http_free(h);
}
END_TEST

START_TEST(http_server_error_is_a_response)
{
	struct http	*h = client();
	struct done	 d = { 0 };

	get(h, "/error", 5000, &d);
	run_until(&d.calls, 1);
	ck_assert_int_eq(d.outcome, HTTP_DONE);
	ck_assert_int_eq(d.status, 503);
	ck_assert_ptr_nonnull(strstr(d.body, "master_not_discovered"));
	http_free(h);
}
END_TEST

START_TEST(http_timeout)
{
	struct http	*h = client();
	struct done	 d = { 0 };

	get(h, "/hang", 150, &d);
	run_until(&d.calls, 1);
	ck_assert_int_eq(d.outcome, HTTP_TIMEOUT);
	ck_assert_int_eq(d.status, 0);
	ck_assert_str_eq(d.body, "");
	ck_assert_str_ne(d.error, "");
	http_free(h);
}
END_TEST

START_TEST(http_refused)
{
	struct http			*h = client();
	struct done			 d = { 0 };
	struct http_request_spec	 spec;
	char				 url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
	memset(&spec, 0, sizeof spec);
	spec.url = url;
	spec.timeout_ms = 5000;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 1);
	ck_assert_int_eq(d.outcome, HTTP_REFUSED);
	http_free(h);
}
END_TEST

START_TEST(http_body_limit)
{
	struct http			*h = client();
	struct done			 d = { 0 };
	struct http_request_spec	 spec;
	char				 url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", srv.port);
	memset(&spec, 0, sizeof spec);
	spec.url = url;
	spec.max_body = 10;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 1);
	ck_assert_int_eq(d.outcome, HTTP_TOO_BIG);
	ck_assert_str_eq(d.body, "");
	http_free(h);
}
END_TEST

START_TEST(http_keepalive_reuse)
{
	struct http	*h = client();
	struct done	 d = { 0 };
	int		 i;

	for (i = 0; i < 3; i++) {
		get(h, "/ok", 5000, &d);
		run_until(&d.calls, i + 1);
		ck_assert_int_eq(d.status, 200);
		ck_assert_int_eq(d.r.new_connections, i == 0 ? 1 : 0);
	}
	ck_assert_int_eq(srv.requests, 3);
	ck_assert_int_eq(srv.connections, 1);
	http_free(h);
}
END_TEST

START_TEST(http_methods_and_body)
{
	struct http			*h = client();
	struct done			 d = { 0 };
	struct http_request_spec	 spec;
	const char			*hdr[] = {
		"Content-Type: application/json"
	};
	char				 url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/x/_ccr/follow",
	    srv.port);
	memset(&spec, 0, sizeof spec);
	spec.method = HTTP_PUT;
	spec.url = url;
	spec.body = "{\"a\":1}";
	spec.body_len = 7;
	spec.headers = hdr;
	spec.nheaders = 1;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 1);
	ck_assert_str_eq(srv.method, "PUT");
	ck_assert_str_eq(srv.body, "{\"a\":1}");

	spec.method = HTTP_POST;
	spec.body = NULL;
	spec.body_len = 0;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 2);
	ck_assert_str_eq(srv.method, "POST");
	ck_assert_str_eq(srv.body, "");

	spec.method = HTTP_DELETE;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 3);
	ck_assert_str_eq(srv.method, "DELETE");

	spec.method = HTTP_HEAD;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 4);
	ck_assert_str_eq(srv.method, "HEAD");
	ck_assert_int_eq(d.status, 200);
	ck_assert_str_eq(d.body, "");
	http_free(h);
}
END_TEST

START_TEST(http_auth_headers)
{
	struct http			*h = client();
	struct done			 d = { 0 };
	struct http_request_spec	 spec;
	char				 url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", srv.port);
	memset(&spec, 0, sizeof spec);
	spec.url = url;
	spec.username = "elastic";
	spec.password = "changeme";
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 1);
	ck_assert_str_eq(srv.auth, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");

	spec.username = spec.password = NULL;
	spec.api_key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6"
	    "dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 2);
	ck_assert_str_eq(srv.auth, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6"
	    "dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");

	spec.api_key = NULL;
	http_submit(h, &spec, http_done, &d);
	run_until(&d.calls, 3);
	ck_assert_str_eq(srv.auth, "");
	http_free(h);
}
END_TEST

START_TEST(http_cancel_never_calls_back)
{
	struct http		*h = client();
	struct done		 hung = { 0 }, d = { 0 }, early = { 0 };
	struct http_request	*req;

	req = get(h, "/hang", 5000, &hung);
	run_until(&srv.requests, 1);
	http_cancel(req);
	/* Cancelled before it was even sent. */
	http_cancel(get(h, "/ok", 5000, &early));
	get(h, "/ok", 5000, &d);
	run_until(&d.calls, 1);
	ck_assert_int_eq(hung.calls, 0);
	ck_assert_int_eq(early.calls, 0);
	ck_assert_uint_eq(http_pending(h), 0);
	/* Pending requests at free are dropped without callbacks. */
	get(h, "/hang", 5000, &hung);
	http_free(h);
	ck_assert_int_eq(hung.calls, 0);
}
END_TEST

struct chain {
	struct http		*http;
	struct http_request	*victim;
	struct done		*next;
	int			 calls;
};

/* A callback that cancels one request and submits another. */
static void
chain_done(const struct http_response *r, void *arg)
{
	struct chain	*ch = arg;

	ck_assert_int_eq(r->status, 200);
	ch->calls++;
	http_cancel(ch->victim);
	get(ch->http, "/ok", 5000, ch->next);
}

START_TEST(http_callback_may_cancel_and_submit)
{
	struct http			*h = client();
	struct done			 hung = { 0 }, next = { 0 };
	struct chain			 ch = { 0 };
	struct http_request_spec	 spec;
	char				 url[64];

	ch.http = h;
	ch.next = &next;
	ch.victim = get(h, "/hang", 5000, &hung);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", srv.port);
	memset(&spec, 0, sizeof spec);
	spec.url = url;
	http_submit(h, &spec, chain_done, &ch);
	run_until(&next.calls, 1);
	ck_assert_int_eq(ch.calls, 1);
	ck_assert_int_eq(next.status, 200);
	ck_assert_int_eq(hung.calls, 0);
	ck_assert_uint_eq(http_pending(h), 0);
	http_free(h);
}
END_TEST

/* Record an es completion. */
static void
es_done(const struct es_result *r, void *arg)
{
	struct done	*d = arg;

	d->calls++;
	d->ok = r->ok;
	d->status = r->status;
	d->outcome = r->outcome;
	d->attempts = r->attempts;
	d->had_root = r->root != NULL;
	snprintf(d->type, sizeof d->type, "%s", r->error_type);
	snprintf(d->reason, sizeof d->reason, "%s", r->reason);
}

/* A cluster client over nurls local ports, in order. */
static struct es_cluster *
cluster(struct http *h, int max, const char *user, const char *password,
    const char *api_key, int nurls, ...)
{
	struct ccr_cluster_config	 cc;
	struct es_cluster		*c;
	char				*cause = NULL, *urls[4];
	va_list				 ap;
	int				 i;

	memset(&cc, 0, sizeof cc);
	cc.name = (char *)"clusterA";
	va_start(ap, nurls);
	for (i = 0; i < nurls; i++)
		asprintf(&urls[i], "http://127.0.0.1:%d/", va_arg(ap, int));
	va_end(ap);
	cc.urls = urls;
	cc.nurls = nurls;
	cc.username = (char *)user;
	c = es_cluster_create(h, &cc, password, api_key, max, &cause);
	ck_assert_msg(c != NULL, "%s", cause);
	for (i = 0; i < nurls; i++)
		free(urls[i]);
	return (c);
}

START_TEST(es_parsed_results)
{
	struct http		*h = client();
	struct es_cluster	*c = cluster(h, 4, NULL, NULL, NULL, 1,
				    srv.port);
	struct done		 ok = { 0 }, err = { 0 }, bad = { 0 },
				 nf = { 0 }, head = { 0 }, exists = { 0 };

	es_request(c, HTTP_GET, "/_cluster/health", NULL, 5000, es_done, &ok);
	es_request(c, HTTP_GET, "/error", NULL, 5000, es_done, &err);
	es_request(c, HTTP_GET, "/bad", NULL, 5000, es_done, &bad);
	es_request(c, HTTP_GET, "/missing", NULL, 5000, es_done, &nf);
	es_request(c, HTTP_HEAD, "/missing", NULL, 5000, es_done, &head);
	es_request(c, HTTP_HEAD, "/idx", NULL, 5000, es_done, &exists);
	run_until(&head.calls, 1);
	run_until(&exists.calls, 1);
	run_until(&ok.calls, 1);
	run_until(&err.calls, 1);
	run_until(&bad.calls, 1);
	run_until(&nf.calls, 1);
	/* The trailing slash of the url is not doubled. */
	ck_assert(srv.path[0] == '/' && srv.path[1] != '/');
	ck_assert(ok.ok && ok.had_root && ok.status == 200);
	ck_assert_str_eq(ok.type, "");
	ck_assert(!err.ok && err.had_root && err.status == 503);
	ck_assert_str_eq(err.type, "master_not_discovered_exception");
	ck_assert(!bad.ok && !bad.had_root && bad.status == 200);
	ck_assert_str_eq(bad.type, "parse_error");
	ck_assert(!nf.ok && nf.status == 404);
	ck_assert_str_eq(nf.type, "index_not_found_exception");
	ck_assert_str_eq(nf.reason, "no such index [x]");
	/* HEAD: no body either way; the status says it. */
	ck_assert(!head.ok && !head.had_root && head.status == 404);
	ck_assert_str_eq(head.type, "http_error");
	ck_assert(exists.ok && !exists.had_root && exists.status == 200);
	es_cluster_free(c);
	http_free(h);
}
END_TEST

START_TEST(es_concurrency_bound)
{
	struct http		*h = client();
	struct es_cluster	*c = cluster(h, 2, NULL, NULL, NULL, 1,
				    srv.port);
	struct done		 d = { 0 };
	int			 i;

	for (i = 0; i < 6; i++)
		es_request(c, HTTP_GET, "/slow", NULL, 5000, es_done, &d);
	ck_assert_uint_eq(es_cluster_active(c), 2);
	ck_assert_uint_eq(es_cluster_queued(c), 4);
	run_until(&d.calls, 6);
	ck_assert_int_eq(srv.requests, 6);
	ck_assert_int_eq(srv.max_inflight, 2);
	ck_assert_uint_eq(es_cluster_active(c), 0);
	ck_assert_uint_eq(es_cluster_queued(c), 0);
	es_cluster_free(c);
	http_free(h);
}
END_TEST

START_TEST(es_node_failover)
{
	struct http		*h = client();
	struct es_cluster	*c;
	struct done		 d = { 0 };
	char			 want[64];

	c = cluster(h, 2, NULL, NULL, NULL, 2, closed_port(), srv.port);
	es_request(c, HTTP_GET, "/_cluster/health", NULL, 5000, es_done, &d);
	run_until(&d.calls, 1);
	ck_assert(d.ok);
	ck_assert_uint_eq(d.attempts, 2);
	snprintf(want, sizeof want, "http://127.0.0.1:%d", srv.port);
	ck_assert_str_eq(es_cluster_node(c), want);
	/* The working node is remembered. */
	es_request(c, HTTP_GET, "/_cluster/health", NULL, 5000, es_done, &d);
	run_until(&d.calls, 2);
	ck_assert(d.ok);
	ck_assert_uint_eq(d.attempts, 1);
	ck_assert_int_eq(srv.requests, 2);
	es_cluster_free(c);

	/* All nodes refusing: one attempt each, then refused. */
	c = cluster(h, 2, NULL, NULL, NULL, 2, closed_port(), closed_port());
	es_request(c, HTTP_GET, "/", NULL, 5000, es_done, &d);
	run_until(&d.calls, 3);
	ck_assert(!d.ok);
	ck_assert_int_eq(d.outcome, HTTP_REFUSED);
	ck_assert_str_eq(d.type, "refused");
	ck_assert_uint_eq(d.attempts, 2);
	es_cluster_free(c);
	http_free(h);
}
END_TEST

START_TEST(es_timeout_moves_to_next_node)
{
	struct http		*h = client();
	struct es_cluster	*c;
	struct done		 d = { 0 };
	char			 want[64];
	int			 other = closed_port();

	c = cluster(h, 2, NULL, NULL, NULL, 2, srv.port, other);
	es_request(c, HTTP_GET, "/hang", NULL, 150, es_done, &d);
	run_until(&d.calls, 1);
	ck_assert(!d.ok);
	ck_assert_int_eq(d.outcome, HTTP_TIMEOUT);
	ck_assert_str_eq(d.type, "timeout");
	ck_assert_uint_eq(d.attempts, 1);
	snprintf(want, sizeof want, "http://127.0.0.1:%d", other);
	ck_assert_str_eq(es_cluster_node(c), want);
	es_cluster_free(c);
	http_free(h);
}
END_TEST

START_TEST(es_credentials_sent)
{
	struct http		*h = client();
	struct es_cluster	*c;
	struct done		 d = { 0 };

	c = cluster(h, 2, "elastic", "changeme", NULL, 1, srv.port);
	es_request(c, HTTP_POST, "/i/_ccr/pause_follow", NULL, 5000, es_done,
	    &d);
	run_until(&d.calls, 1);
	ck_assert_str_eq(srv.auth, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
	ck_assert_str_eq(srv.method, "POST");
	es_cluster_free(c);

	c = cluster(h, 2, NULL, NULL, "a2V5OnNlY3JldA==", 1, srv.port);
	es_request(c, HTTP_PUT, "/_cluster/settings", "{\"persistent\":{}}",
	    5000, es_done, &d);
	run_until(&d.calls, 2);
	ck_assert_str_eq(srv.auth, "ApiKey a2V5OnNlY3JldA==");
	ck_assert_str_eq(srv.body, "{\"persistent\":{}}");
	es_cluster_free(c);
	http_free(h);
}
END_TEST

START_TEST(es_cancel_active_and_queued)
{
	struct http		*h = client();
	struct es_cluster	*c = cluster(h, 1, NULL, NULL, NULL, 1,
				    srv.port);
	struct done		 hung = { 0 }, queued = { 0 }, d = { 0 };
	struct es_request	*a, *q;

	a = es_request(c, HTTP_GET, "/hang", NULL, 5000, es_done, &hung);
	q = es_request(c, HTTP_GET, "/ok", NULL, 5000, es_done, &queued);
	es_request(c, HTTP_GET, "/ok", NULL, 5000, es_done, &d);
	ck_assert_uint_eq(es_cluster_queued(c), 2);
	es_cancel(q);
	es_cancel(a);
	ck_assert_uint_eq(es_cluster_active(c), 1);
	run_until(&d.calls, 1);
	ck_assert(d.ok);
	ck_assert_int_eq(hung.calls, 0);
	ck_assert_int_eq(queued.calls, 0);
	/* Freeing with requests in flight drops them silently. */
	es_request(c, HTTP_GET, "/hang", NULL, 5000, es_done, &hung);
	es_request(c, HTTP_GET, "/hang", NULL, 5000, es_done, &hung);
	es_cluster_free(c);
	ck_assert_int_eq(hung.calls, 0);
	http_free(h);
}
END_TEST

/*
 * Writes that hang (unfollows waiting on a lost leader) hold only the write
 * slots: a read still goes out at once, and an abandoned write gives its
 * slot to the next write.
 */
START_TEST(es_reads_never_wait_behind_writes)
{
	struct http		*h = client();
	struct es_cluster	*c = cluster(h, 2, NULL, NULL, NULL, 1,
				    srv.port);
	struct done		 hung = { 0 }, queued = { 0 }, read = { 0 };
	struct es_request	*a;

	a = es_request(c, HTTP_POST, "/hang", NULL, 5000, es_done, &hung);
	es_request(c, HTTP_DELETE, "/hang", NULL, 5000, es_done, &hung);
	es_request(c, HTTP_POST, "/ok", NULL, 5000, es_done, &queued);
	ck_assert_uint_eq(es_cluster_queued(c), 1);
	es_request(c, HTTP_GET, "/ok", NULL, 5000, es_done, &read);
	ck_assert_uint_eq(es_cluster_active(c), 3);
	run_until(&read.calls, 1);
	ck_assert(read.ok);
	ck_assert_int_eq(queued.calls, 0);
	es_cancel(a);
	ck_assert_uint_eq(es_cluster_queued(c), 0);
	run_until(&queued.calls, 1);
	ck_assert(queued.ok);
	ck_assert_int_eq(hung.calls, 0);
	es_cluster_free(c);
	http_free(h);
}
END_TEST

/* Assemble the suite. */
static Suite *
http_suite(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc = tcase_create("http");
	TCase	*te = tcase_create("es");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, http_success);
	tcase_add_test(tc, http_server_error_is_a_response);
	tcase_add_test(tc, http_timeout);
	tcase_add_test(tc, http_refused);
	tcase_add_test(tc, http_body_limit);
	tcase_add_test(tc, http_keepalive_reuse);
	tcase_add_test(tc, http_methods_and_body);
	tcase_add_test(tc, http_auth_headers);
	tcase_add_test(tc, http_cancel_never_calls_back);
	tcase_add_test(tc, http_callback_may_cancel_and_submit);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(te, setup, teardown);
	tcase_add_test(te, es_parsed_results);
	tcase_add_test(te, es_concurrency_bound);
	tcase_add_test(te, es_node_failover);
	tcase_add_test(te, es_timeout_moves_to_next_node);
	tcase_add_test(te, es_credentials_sent);
	tcase_add_test(te, es_cancel_active_and_queued);
	tcase_add_test(te, es_reads_never_wait_behind_writes);
	suite_add_tcase(s, te);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(http_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
