/*
 * Unit tests for readiness.c: which privileges the actions need and how a
 * missing one is named, from _has_privileges answers; and how often the
 * passes come, on a real loop against clusters that refuse connections.
 */
#include "autoconf.h"

#include <check.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "es-parse.h"
#include "es.h"
#include "http.h"
#include "readiness.h"
#include "testutil.h"

/* Parse a _has_privileges answer. */
static void
parse(const char *text, struct es_privileges *pv)
{
	json_t		*root;
	json_error_t	 err;
	char		*cause = NULL;

	root = json_loads(text, 0, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(es_parse_has_privileges(root, pv, &cause), 0);
	json_decref(root);
}

START_TEST(all_granted)
{
	static const char *const names[] = { "logs1", "logs2" };
	struct es_privileges	 pv;
	struct readiness_check	 c = { "", false, NULL };

	parse("{\"has_all_requested\":true,\"cluster\":{\"monitor\":true,"
	    "\"manage_ccr\":true,\"manage\":true},\"index\":{"
	    "\"logs1\":{\"monitor\":true,\"manage\":true,"
	    "\"manage_follow_index\":true,\"write\":true,\"read\":true},"
	    "\"logs2\":{\"monitor\":true,\"manage\":true,"
	    "\"manage_follow_index\":true,\"write\":true,\"read\":true}}}",
	    &pv);
	readiness_privileges(&pv, names, 2, &c);
	ck_assert(c.ok);
	es_privileges_clear(&pv);
	free(c.detail);
}
END_TEST

START_TEST(missing_named_with_their_steps)
{
	static const char *const names[] = { "logs1-dr" };
	struct es_privileges	 pv;
	struct readiness_check	 c = { "", false, NULL };

	parse("{\"has_all_requested\":false,\"cluster\":{\"monitor\":true,"
	    "\"manage_ccr\":false,\"manage\":true},\"index\":{"
	    "\"logs1-dr\":{\"monitor\":true,\"manage\":true,"
	    "\"manage_follow_index\":false,\"write\":true,\"read\":true}}}",
	    &pv);
	readiness_privileges(&pv, names, 1, &c);
	ck_assert(!c.ok);
	ck_assert_msg(strstr(c.detail, "cluster privilege manage_ccr missing "
	    "(pause_follow") != NULL, "%s", c.detail);
	ck_assert_msg(strstr(c.detail, "index privilege manage_follow_index "
	    "on logs1-dr missing (unfollow") != NULL, "%s", c.detail);
	ck_assert(strstr(c.detail, "privilege monitor") == NULL);
	es_privileges_clear(&pv);

	/* An index the answer does not mention is not granted. */
	parse("{\"has_all_requested\":false,\"cluster\":{\"monitor\":true,"
	    "\"manage_ccr\":true,\"manage\":true}}", &pv);
	readiness_privileges(&pv, names, 1, &c);
	ck_assert(!c.ok);
	ck_assert(strstr(c.detail, "index privilege monitor on logs1-dr") !=
	    NULL);
	es_privileges_clear(&pv);
	free(c.detail);
}
END_TEST

/* Passes of a readiness checker on a loop of its own. */
struct passes {
	char			*dir;
	struct ccr_config	*cfg;
	struct event_base	*base;
	struct http		*http;
	struct es_cluster	*es[CCR_CLUSTERS];
	struct readiness	*r;
	int			 n;		/* passes reported */
	int			 stop_at;	/* break the loop then; 0 never */
	uint64_t		 last_ms;	/* when the last one was */
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* A pass finished: count it and stamp it. */
static void
passes_done(struct readiness_check *checks, size_t n, bool ready,
    void *arg)
{
	struct passes	*p = arg;

	ck_assert_uint_gt(n, 0);
	ck_assert_str_eq(checks[0].check, "connect:a");
	ck_assert(!ready);
	readiness_checks_free(checks, n);
	p->last_ms = now_ms();
	if (++p->n == p->stop_at)
		event_base_loopbreak(p->base);
}

/*
 * A checker over two clusters on loopback ports 1 and 2, where nothing
 * listens:
 * every request of a pass fails at once, and the pass ends.
 */
static void
passes_setup(struct passes *p)
{
	static const char	 text[] =
	    "request_timeout_ms = 1000;\n"
	    "clusters = {\n"
	    "\ta = { urls = [ \"http://127.0.0.1:1\" ];\n"
	    "\t    remote = { mode = \"proxy\"; "
	    "proxy_address = \"127.0.0.1:1\"; }; };\n"
	    "\tb = { urls = [ \"http://127.0.0.1:2\" ];\n"
	    "\t    remote = { mode = \"proxy\"; "
	    "proxy_address = \"127.0.0.1:2\"; }; };\n"
	    "};\n"
	    "leader = \"a\";\nfollower = \"b\";\n"
	    "indices = ( { leader_index = \"logs\"; "
	    "follower_index = \"logs-dr\"; } );\n";
	char			 path[4096], *cause = NULL;
	int			 i;

	memset(p, 0, sizeof *p);
	p->dir = tu_tmpdir("check_readiness");
	snprintf(path, sizeof path, "%s/ccr-failoverd.conf", p->dir);
	tu_write(path, text, sizeof text - 1, 0600);
	if (config_load(path, &p->cfg, &cause) == -1)
		ck_abort_msg("%s", cause);
	ck_assert_ptr_nonnull(p->base = event_base_new());
	if ((p->http = http_create(p->base, 8, &cause)) == NULL)
		ck_abort_msg("%s", cause);
	for (i = 0; i < CCR_CLUSTERS; i++) {
		p->es[i] = es_cluster_create(p->http, &p->cfg->clusters[i],
		    NULL, NULL, 4, &cause);
		if (p->es[i] == NULL)
			ck_abort_msg("%s", cause);
	}
	p->r = readiness_create(p->base, p->cfg, p->es[0], p->es[1],
	    passes_done, p);
}

static void
passes_teardown(struct passes *p)
{
	int	i;

	readiness_free(p->r);
	for (i = 0; i < CCR_CLUSTERS; i++)
		es_cluster_free(p->es[i]);
	http_free(p->http);
	event_base_free(p->base);
	config_free(p->cfg);
	tu_rmtree(p->dir);
	free(p->dir);
}

/*
 * A pass at start, the next ones an interval apart: the third cannot come
 * before two intervals have passed (timers never fire early; 10 ms for a
 * coarse clock), and does come (the test's timeout would end it).
 */
START_TEST(interval_honoured)
{
	struct passes	p;
	uint64_t	t0;

	passes_setup(&p);
	p.stop_at = 3;
	t0 = now_ms();
	readiness_start(p.r, 200);
	event_base_dispatch(p.base);
	ck_assert_int_eq(p.n, 3);
	ck_assert_msg(p.last_ms - t0 >= 2 * 200 - 10, "third pass after "
	    "%llu ms", (unsigned long long)(p.last_ms - t0));
	passes_teardown(&p);
}
END_TEST

/*
 * Interval 0: one pass at start and nothing after it, so the loop runs
 * out of events and returns by itself (a timer re-armed at any interval
 * would keep it running until the test's timeout).
 */
START_TEST(interval_zero_once)
{
	struct passes	p;

	passes_setup(&p);
	readiness_start(p.r, 0);
	ck_assert_int_eq(event_base_dispatch(p.base), 1);
	ck_assert_int_eq(p.n, 1);
	/* A pass asked for (the roles swapped) still runs. */
	readiness_run(p.r);
	ck_assert_int_eq(event_base_dispatch(p.base), 1);
	ck_assert_int_eq(p.n, 2);
	passes_teardown(&p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("readiness");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, all_granted);
	tcase_add_test(tc, missing_named_with_their_steps);
	tcase_add_test(tc, interval_honoured);
	tcase_add_test(tc, interval_zero_once);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
