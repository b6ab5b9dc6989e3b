/*
 * Unit tests for sender.c against a fake cluster (an evhttp server that
 * counts what reaches it): without a barrier a flush sends what is queued;
 * with one, requests wait for the barrier's release, leave in ticket order
 * and only while may_send holds.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "action.h"
#include "config.h"
#include "es.h"
#include "http.h"
#include "sender.h"

static struct event_base	*base;
static struct evhttp		*evh;
static struct http		*http;
static struct es_cluster	*clients[2];
static struct sender		*sender;
static int			 received;	/* requests the fake got */
static int			 answered;	/* answers the sender handed on */
static uint64_t			 tickets[8];	/* barrier calls */
static int			 nbarriers;
static bool			 allowed;	/* may_send's answer */

static void
fake_handle(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*b = evbuffer_new();

	(void)arg;
	received++;
	evbuffer_add_printf(b, "{\"acknowledged\":true}");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
persist(void *arg)
{
	(void)arg;
}

static void
barrier(uint64_t ticket, void *arg)
{
	(void)arg;
	ck_assert_int_lt(nbarriers, 8);
	tickets[nbarriers++] = ticket;
}

static bool
may_send(void *arg)
{
	(void)arg;
	return (allowed);
}

static void
done(const struct es_result *r, void *arg)
{
	(void)r;
	(void)arg;
	answered++;
}

/* Run the loop for ms milliseconds. */
static void
spin(int ms)
{
	struct timeval	tv = { 0, ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/*
 * Run the loop until *n reaches want (at most 10 s): what must arrive is
 * waited for, not timed, so a slow machine or valgrind does not fail it.
 */
static void
spin_until(const int *n, int want)
{
	int	i;

	for (i = 0; i < 500 && *n < want; i++)
		spin(20);
}

/* Queue one POST through the engine's transport. */
static void
queue(void)
{
	struct action_transport	t;
	struct es_call		c = { HTTP_POST, (char *)"/x/_close", NULL };

	sender_transport(sender, &t);
	ck_assert_ptr_nonnull(t.send(t.ctx, 1, &c, done, NULL));
}

static void
setup(void)
{
	struct evhttp_bound_socket	*bound;
	struct ccr_cluster_config	 cc;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	char				 url[64], *urls[1] = { url }, *cause;
	int				 i;

	base = event_base_new();
	evh = evhttp_new(base);
	evhttp_set_gencb(evh, fake_handle, NULL);
	bound = evhttp_bind_socket_with_handle(evh, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bound);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &len), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sin.sin_port));
	http = http_create(base, 8, &cause);
	ck_assert_ptr_nonnull(http);
	for (i = 0; i < 2; i++) {
		memset(&cc, 0, sizeof cc);
		cc.name = (char *)(i == 0 ? "clusterA" : "clusterB");
		cc.urls = urls;
		cc.nurls = 1;
		clients[i] = es_cluster_create(http, &cc, NULL, NULL, 4, &cause);
		ck_assert_ptr_nonnull(clients[i]);
	}
	sender = sender_create(base, clients, 2000, persist, NULL);
	received = answered = nbarriers = 0;
	allowed = true;
}

static void
teardown(void)
{
	sender_free(sender);
	es_cluster_free(clients[0]);
	es_cluster_free(clients[1]);
	http_free(http);
	evhttp_free(evh);
	event_base_free(base);
}

START_TEST(without_barrier_a_flush_sends)
{
	queue();
	spin_until(&answered, 1);
	ck_assert_int_eq(received, 1);
	ck_assert_int_eq(answered, 1);
}
END_TEST

START_TEST(barrier_holds_until_release)
{
	sender_set_barrier(sender, barrier, may_send);
	queue();
	queue();
	spin(200);
	ck_assert_int_eq(nbarriers, 1);
	ck_assert_uint_eq(tickets[0], 1);
	ck_assert_int_eq(received, 0);
	sender_release(sender, tickets[0]);
	spin_until(&answered, 2);
	ck_assert_int_eq(received, 2);
	ck_assert_int_eq(answered, 2);
}
END_TEST

START_TEST(release_sends_only_its_ticket)
{
	sender_set_barrier(sender, barrier, may_send);
	queue();
	spin(100);
	queue();
	spin(100);
	ck_assert_int_eq(nbarriers, 2);
	ck_assert_uint_eq(tickets[1], 2);
	sender_release(sender, 1);
	spin_until(&received, 1);
	spin(100);
	ck_assert_int_eq(received, 1);
	sender_release(sender, 2);
	spin_until(&received, 2);
	ck_assert_int_eq(received, 2);
}
END_TEST

START_TEST(nothing_leaves_without_may_send)
{
	sender_set_barrier(sender, barrier, may_send);
	queue();
	spin(100);
	allowed = false;
	sender_release(sender, tickets[0]);
	spin(200);
	ck_assert_int_eq(received, 0);
	allowed = true;
	sender_release(sender, tickets[0]);
	spin_until(&received, 1);
	ck_assert_int_eq(received, 1);
}
END_TEST

static Suite *
sender_suite(void)
{
	Suite	*s = suite_create("sender");
	TCase	*tc = tcase_create("sender");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, without_barrier_a_flush_sends);
	tcase_add_test(tc, barrier_holds_until_release);
	tcase_add_test(tc, release_sends_only_its_ticket);
	tcase_add_test(tc, nothing_leaves_without_may_send);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(sender_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
