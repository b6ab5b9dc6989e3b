/*
 * Unit tests for http.c's TLS options against an HTTPS evhttp server in
 * the test's own loop on 127.0.0.1, with a self-signed certificate for
 * that address (tests/fixtures/http-tls-*.pem): trusted through ca_file,
 * accepted with insecure, refused otherwise.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct done {
	int			 calls;
	enum http_outcome	 outcome;
	long			 status;
	char			 error[256];
};

static struct event_base	*base;
static struct evhttp		*evh;
static SSL_CTX			*ctx;
static int			 port;
static char			 cert[1024], key[1024];

/* Wrap each accepted connection in a server-side TLS bufferevent. */
static struct bufferevent *
tls_bev(struct event_base *b, void *arg)
{
	SSL_CTX	*c = arg;

	return (bufferevent_openssl_socket_new(b, -1, SSL_new(c),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}

/* Answer every request with a small JSON object. */
static void
handle(struct evhttp_request *req, __attribute__((unused)) void *arg)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add_printf(b, "{\"tls\":true}");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* Loop, TLS context and server for each test. */
static void
setup(void)
{
	struct evhttp_bound_socket	*bound;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	const char			*top = getenv("abs_top_srcdir");

	if (top == NULL)
		top = ".";
	snprintf(cert, sizeof cert, "%s/tests/fixtures/http-tls-cert.pem",
	    top);
	snprintf(key, sizeof key, "%s/tests/fixtures/http-tls-key.pem", top);
	base = event_base_new();
	ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(SSL_CTX_use_certificate_file(ctx, cert,
	    SSL_FILETYPE_PEM), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, key,
	    SSL_FILETYPE_PEM), 1);
	evh = evhttp_new(base);
	evhttp_set_bevcb(evh, tls_bev, ctx);
	evhttp_set_gencb(evh, handle, NULL);
	bound = evhttp_bind_socket_with_handle(evh, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bound);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
}

/* Free the server, the context and the loop. */
static void
teardown(void)
{
	evhttp_free(evh);
	SSL_CTX_free(ctx);
	event_base_free(base);
}

/* Record a completion. */
static void
done_cb(const struct http_response *r, void *arg)
{
	struct done	*d = arg;

	d->calls++;
	d->outcome = r->outcome;
	d->status = r->status;
	snprintf(d->error, sizeof d->error, "%s", r->error);
}

/* One GET over TLS with the given trust options; waits for the answer. */
static void
fetch(const char *ca_file, bool insecure, struct done *d)
{
	struct http			*h;
	struct http_request_spec	 spec;
	char				 url[64], *cause = NULL;

	h = http_create(base, 4, &cause);
	ck_assert_ptr_nonnull(h);
	snprintf(url, sizeof url, "https://127.0.0.1:%d/", port);
	memset(&spec, 0, sizeof spec);
	spec.url = url;
	spec.timeout_ms = 10000;
	spec.ca_file = ca_file;
	spec.insecure = insecure;
	http_submit(h, &spec, done_cb, d);
	while (d->calls == 0)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_ONCE), -1);
	http_free(h);
}

START_TEST(trusted_through_ca_file)
{
	struct done	d = { 0 };

	fetch(cert, false, &d);
	ck_assert_msg(d.outcome == HTTP_DONE, "%s", d.error);
	ck_assert_int_eq(d.status, 200);
}
END_TEST

START_TEST(untrusted_refused)
{
	struct done	d = { 0 };

	fetch(NULL, false, &d);
	ck_assert_int_eq(d.outcome, HTTP_FAILED);
	ck_assert_int_eq(d.status, 0);
	ck_assert_str_ne(d.error, "");
}
END_TEST

START_TEST(insecure_accepts_anything)
{
	struct done	d = { 0 };

	fetch(NULL, true, &d);
	ck_assert_msg(d.outcome == HTTP_DONE, "%s", d.error);
	ck_assert_int_eq(d.status, 200);
}
END_TEST

START_TEST(missing_ca_file_fails)
{
	struct done	d = { 0 };

	fetch("/nonexistent/ca.pem", false, &d);
	ck_assert_int_eq(d.outcome, HTTP_FAILED);
}
END_TEST

/* Assemble the suite. */
static Suite *
tls_suite(void)
{
	Suite	*s = suite_create("http-tls");
	TCase	*tc = tcase_create("tls");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, trusted_through_ca_file);
	tcase_add_test(tc, untrusted_refused);
	tcase_add_test(tc, insecure_accepts_anything);
	tcase_add_test(tc, missing_ca_file_fails);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(tls_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
