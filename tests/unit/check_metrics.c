/*
 * Unit tests for metrics.c: the exposition built from a hand-made view and
 * counters (names, label escaping, histogram buckets, what is left out
 * while unknown), the interim readiness, and the counting points in hook.c
 * and http.c. metrics_listen's checks are config fixtures.
 * Check runs each test in its own process, so the counters start at zero.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "fsm.h"
#include "hook.h"
#include "http.h"
#include "metrics.h"
#include "observation.h"
#include "status.h"

static struct event_base	*base;
static struct metrics		*m;
static struct ccr_config	 cfg;
static struct ccr_index_pair	 pairs[2];
static struct fsm		 f;
static struct obs_cluster	 seen[CCR_CLUSTERS];
static struct obs_index		 idx[2];
static char			*text;
static int			 callbacks, expected;	/* of hooks, requests */

static void
setup(void)
{
	char	*cause = NULL;

	metrics_counters_clear();
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	memset(&cfg, 0, sizeof cfg);
	cfg.metrics_listen = "127.0.0.1:0";
	cfg.metrics_host = "127.0.0.1";
	ck_assert_msg(metrics_create(base, &cfg, &m, &cause) == 0, "%s", cause);
	ck_assert_ptr_nonnull(m);

	cfg.clusters[0].name = "prod";
	cfg.clusters[1].name = "dr";
	pairs[0].leader_index = "orders";
	pairs[0].follower_index = "orders-copy";
	pairs[1].leader_index = "logs";
	pairs[1].follower_index = "logs-copy";
	cfg.indices = pairs;
	cfg.nindices = 2;

	fsm_init(&f, 1000);
	memset(seen, 0, sizeof seen);
	seen[0].reachable = seen[1].reachable = true;
	memset(idx, 0, sizeof idx);
	idx[0].lag_ops = 12;
	idx[0].since_last_read_ms = 1500;
	idx[1].lag_ops = -1;
	idx[1].since_last_read_ms = UINT64_MAX;
	text = NULL;
	callbacks = 0;
}

static void
teardown(void)
{
	free(text);
	metrics_free(m);
	event_base_free(base);
}

/* Copy the view in: leader, the last round's indices (NULL: none yet). */
static void
update(int leader, const struct obs_index *indices, uint64_t now_ms)
{
	struct status_view	v;

	memset(&v, 0, sizeof v);
	v.config = &cfg;
	v.fsm = &f;
	v.leader = leader;
	v.polled = indices != NULL;
	v.seen = seen;
	v.seen_indices = indices;
	metrics_update(m, &v, now_ms);
}

/* Format the exposition into text. */
static const char *
format(void)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;

	metrics_format(m, b);
	len = evbuffer_get_length(b);
	free(text);
	text = malloc(len + 1);
	evbuffer_remove(b, text, len);
	text[len] = '\0';
	evbuffer_free(b);
	return (text);
}

/* The exposition has line (a whole line). */
static int
has_line(const char *line)
{
	const char	*p = text;
	size_t		 len = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return (1);
		p += len;
	}
	return (0);
}

#define ck_line(line) \
	ck_assert_msg(has_line(line), "missing line: %s\n%s", line, text)
#define ck_no(s) \
	ck_assert_msg(strstr(text, s) == NULL, "unexpected: %s\n%s", s, text)

START_TEST(view_names_and_values)
{
	f.state = FSM_STATE_AWAITING_CONFIRMATION;
	f.pending = FSM_ACTION_PROMOTE;
	f.leader_failures = 4;
	seen[0].reachable = false;
	update(0, idx, 1000);
	format();
	ck_line("# TYPE ccr_failoverd_state gauge");
	ck_line("ccr_failoverd_state{state=\"AWAITING_CONFIRMATION\"} 1");
	ck_line("ccr_failoverd_state{state=\"REPLICATING\"} 0");
	ck_line("ccr_failoverd_state{state=\"FAILED\"} 0");
	ck_line("ccr_failoverd_held 0");
	ck_line("ccr_failoverd_pending_action{action=\"promote\"} 1");
	ck_line("ccr_failoverd_pending_action{action=\"failback\"} 0");
	ck_line("ccr_failoverd_cluster_reachable{cluster=\"prod\","
	    "role=\"leader\"} 0");
	ck_line("ccr_failoverd_cluster_reachable{cluster=\"dr\","
	    "role=\"follower\"} 1");
	ck_line("ccr_failoverd_cluster_consecutive_failures{cluster=\"prod\"} 4");
	ck_line("ccr_failoverd_cluster_consecutive_failures{cluster=\"dr\"} 0");
	ck_line("ccr_failoverd_follower_lag_operations{leader_index=\"orders\","
	    "follower_index=\"orders-copy\"} 12");
	ck_line("ccr_failoverd_follower_time_since_last_read_seconds"
	    "{follower_index=\"orders-copy\"} 1.500");
	/* Unknown lag and read times are left out, not shown as 0. */
	ck_no("follower_index=\"logs-copy\"");
	ck_line("ccr_failoverd_build_info{version=\"" PACKAGE_VERSION "\"} 1");
}
END_TEST

START_TEST(roles_swap_names)
{
	f.state = FSM_STATE_PROMOTED;
	f.leader_failures = 2;
	update(1, idx, 1000);
	format();
	ck_line("ccr_failoverd_cluster_reachable{cluster=\"dr\","
	    "role=\"leader\"} 1");
	ck_line("ccr_failoverd_cluster_reachable{cluster=\"prod\","
	    "role=\"follower\"} 1");
	ck_line("ccr_failoverd_cluster_consecutive_failures{cluster=\"dr\"} 2");
	ck_line("ccr_failoverd_follower_lag_operations"
	    "{leader_index=\"orders-copy\",follower_index=\"orders\"} 12");
	ck_line("ccr_failoverd_follower_time_since_last_read_seconds"
	    "{follower_index=\"orders\"} 1.500");
}
END_TEST

START_TEST(before_first_poll)
{
	update(0, NULL, 1000);
	format();
	ck_line("ccr_failoverd_state{state=\"REPLICATING\"} 1");
	ck_line("ccr_failoverd_ready 0");
	ck_line("# TYPE ccr_failoverd_cluster_reachable gauge");
	ck_no("ccr_failoverd_cluster_reachable{");
	ck_no("ccr_failoverd_follower_lag_operations{");
}
END_TEST

START_TEST(ready_interim)
{
	update(0, idx, 1000);
	format();
	ck_line("ccr_failoverd_ready 1");

	f.held = true;
	update(0, idx, 1000);
	format();
	ck_line("ccr_failoverd_held 1");
	ck_line("ccr_failoverd_ready 0");
	f.held = false;

	f.tilt = true;
	update(0, idx, 1000);
	format();
	ck_line("ccr_failoverd_ready 0");
	f.tilt = false;

	f.block_until_ms = 5000;
	update(0, idx, 1000);
	format();
	ck_line("ccr_failoverd_ready 0");
	update(0, idx, 6000);
	format();
	ck_line("ccr_failoverd_ready 1");

	f.state = FSM_STATE_DEGRADED;
	update(0, idx, 6000);
	format();
	ck_line("ccr_failoverd_ready 0");
	f.state = FSM_STATE_FAILED;
	update(0, idx, 6000);
	format();
	ck_line("ccr_failoverd_ready 0");
	f.state = FSM_STATE_REPLICATING;

	seen[1].reachable = false;
	update(0, idx, 6000);
	format();
	ck_line("ccr_failoverd_ready 0");
}
END_TEST

START_TEST(label_escaping)
{
	cfg.clusters[0].name = "a\"b\\c\nd";
	update(0, idx, 1000);
	metrics_count_request("q\"uote", 200, NULL);
	format();
	ck_line("ccr_failoverd_cluster_consecutive_failures"
	    "{cluster=\"a\\\"b\\\\c\\nd\"} 0");
	ck_line("ccr_failoverd_requests_total{cluster=\"q\\\"uote\","
	    "code=\"200\"} 1");
}
END_TEST

START_TEST(histogram_buckets)
{
	metrics_poll_round(3);
	metrics_poll_round(5);
	metrics_poll_round(7);
	metrics_poll_round(30);
	metrics_poll_round(20000);
	format();
	ck_line("# TYPE ccr_failoverd_poll_duration_seconds histogram");
	/* Buckets are cumulative and include their upper bound. */
	ck_line("ccr_failoverd_poll_duration_seconds_bucket{le=\"0.005\"} 2");
	ck_line("ccr_failoverd_poll_duration_seconds_bucket{le=\"0.01\"} 3");
	ck_line("ccr_failoverd_poll_duration_seconds_bucket{le=\"0.025\"} 3");
	ck_line("ccr_failoverd_poll_duration_seconds_bucket{le=\"0.05\"} 4");
	ck_line("ccr_failoverd_poll_duration_seconds_bucket{le=\"10\"} 4");
	ck_line("ccr_failoverd_poll_duration_seconds_bucket{le=\"+Inf\"} 5");
	ck_line("ccr_failoverd_poll_duration_seconds_sum 20.045");
	ck_line("ccr_failoverd_poll_duration_seconds_count 5");
	/* le="+Inf" comes last among the buckets. */
	ck_assert(strstr(text, "le=\"10\"") < strstr(text, "le=\"+Inf\""));
}
END_TEST

START_TEST(counters)
{
	metrics_count_request("prod", 200, NULL);
	metrics_count_request("prod", 200, NULL);
	metrics_count_request("prod", 503, NULL);
	metrics_count_request("dr", 0, "timeout");
	metrics_count_request("dr", 0, "refused");
	metrics_count_request(NULL, 200, NULL);
	metrics_count_hook("on_promote", HOOK_OUTCOME_EXITED, 0);
	metrics_count_hook("on_promote", HOOK_OUTCOME_EXITED, 3);
	metrics_count_hook("on_promote", HOOK_OUTCOME_SIGNALED, 0);
	metrics_count_hook("pre_promote", HOOK_OUTCOME_TIMED_OUT, 0);
	metrics_count_hook("pre_promote", HOOK_OUTCOME_FAILED, 0);
	format();
	ck_line("# TYPE ccr_failoverd_requests_total counter");
	ck_line("ccr_failoverd_requests_total{cluster=\"prod\",code=\"200\"} 2");
	ck_line("ccr_failoverd_requests_total{cluster=\"prod\",code=\"503\"} 1");
	ck_line("ccr_failoverd_requests_total{cluster=\"dr\",code=\"timeout\"} 1");
	ck_line("ccr_failoverd_requests_total{cluster=\"dr\",code=\"refused\"} 1");
	ck_line("# TYPE ccr_failoverd_hook_runs_total counter");
	ck_line("ccr_failoverd_hook_runs_total{hook=\"on_promote\","
	    "result=\"success\"} 1");
	ck_line("ccr_failoverd_hook_runs_total{hook=\"on_promote\","
	    "result=\"failure\"} 2");
	ck_line("ccr_failoverd_hook_runs_total{hook=\"pre_promote\","
	    "result=\"timeout\"} 1");
	ck_line("ccr_failoverd_hook_runs_total{hook=\"pre_promote\","
	    "result=\"error\"} 1");
}
END_TEST

START_TEST(actions)
{
	format();
	/* Every action and result is there from the start, at 0. */
	ck_line("ccr_failoverd_actions_total{action=\"promote\","
	    "result=\"success\"} 0");
	ck_line("ccr_failoverd_actions_total{action=\"switchover\","
	    "result=\"failure\"} 0");
	ck_no("ccr_failoverd_action_duration_seconds{");
	ck_no("\nccr_failoverd_last_promotion_timestamp_seconds ");

	metrics_action_started(FSM_ACTION_FAILBACK);
	metrics_action_finished(FSM_ACTION_FAILBACK, 0, false, -1);
	metrics_action_started(FSM_ACTION_PROMOTE);
	metrics_action_finished(FSM_ACTION_PROMOTE, 3, true, 42);
	format();
	ck_line("ccr_failoverd_actions_total{action=\"failback\","
	    "result=\"failure\"} 1");
	ck_line("ccr_failoverd_actions_total{action=\"promote\","
	    "result=\"success\"} 1");
	ck_assert_ptr_nonnull(strstr(text,
	    "\nccr_failoverd_action_duration_seconds{action=\"promote\"} 0."));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nccr_failoverd_last_promotion_timestamp_seconds "));
	ck_line("ccr_failoverd_last_promotion_lost_operations 42");

	/* A promotion whose loss is unknown leaves the count out. */
	metrics_action_started(FSM_ACTION_PROMOTE);
	metrics_action_finished(FSM_ACTION_PROMOTE, 1, false, -1);
	format();
	ck_line("ccr_failoverd_actions_total{action=\"promote\","
	    "result=\"failure\"} 1");
	ck_no("ccr_failoverd_last_promotion_lost_operations 42");
}
END_TEST

START_TEST(every_family_typed)
{
	static const char *const families[] = {
		"state gauge", "held gauge", "ready gauge",
		"pending_action gauge", "cluster_reachable gauge",
		"cluster_consecutive_failures gauge",
		"follower_lag_operations gauge",
		"follower_time_since_last_read_seconds gauge",
		"poll_duration_seconds histogram", "requests_total counter",
		"actions_total counter", "action_duration_seconds gauge",
		"last_promotion_timestamp_seconds gauge",
		"last_promotion_lost_operations gauge",
		"hook_runs_total counter", "build_info gauge", NULL
	};
	const char *const	*fam;
	char			 line[128];

	update(0, idx, 1000);
	format();
	for (fam = families; *fam != NULL; fam++) {
		snprintf(line, sizeof line, "# TYPE ccr_failoverd_%s", *fam);
		ck_line(line);
	}
}
END_TEST

/* Count callbacks; leave the loop after the last one expected. */
static void
hook_cb(const struct hook_result *r, void *arg)
{
	(void)r;
	if (++callbacks == expected)
		event_base_loopbreak(arg);
}

static void
http_cb(const struct http_response *r, void *arg)
{
	(void)r;
	if (++callbacks == expected)
		event_base_loopbreak(arg);
}

/* Run base until the expected callbacks came, for at most 10 s. */
static void
run_until_done(int want)
{
	struct timeval	tv = { 10, 0 };

	expected = want;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ck_assert_int_eq(callbacks, want);
}

/* hook.c counts every hook as it ends, and one its queue turns away. */
START_TEST(hooks_counted_where_they_end)
{
	struct hook_runner	*hr = hook_runner_create(base, 2, 0);
	struct hook_request	 req;
	char			*cause = NULL;

	memset(&req, 0, sizeof req);
	req.timeout_ms = 5000;
	req.name = "on_promote";
	req.path = "/bin/true";
	ck_assert_int_eq(hook_run(hr, &req, hook_cb, base, &cause), 0);
	req.path = "/bin/false";
	ck_assert_int_eq(hook_run(hr, &req, hook_cb, base, &cause), 0);
	req.name = "pre_promote";
	ck_assert_int_eq(hook_run(hr, &req, hook_cb, base, &cause), -1);
	free(cause);
	run_until_done(2);
	hook_runner_free(hr);
	format();
	ck_line("ccr_failoverd_hook_runs_total{hook=\"on_promote\","
	    "result=\"success\"} 1");
	ck_line("ccr_failoverd_hook_runs_total{hook=\"on_promote\","
	    "result=\"failure\"} 1");
	ck_line("ccr_failoverd_hook_runs_total{hook=\"pre_promote\","
	    "result=\"error\"} 1");
}
END_TEST

/* http.c counts a labelled request as it completes, an unlabelled not. */
START_TEST(requests_counted_where_they_end)
{
	struct http			*h;
	struct http_request_spec	 spec;
	char				*cause = NULL;

	h = http_create(base, 4, &cause);
	ck_assert_msg(h != NULL, "%s", cause);
	memset(&spec, 0, sizeof spec);
	spec.method = HTTP_GET;
	spec.url = "http://127.0.0.1:1/";
	spec.timeout_ms = 5000;
	spec.label = "prod";
	ck_assert_ptr_nonnull(http_submit(h, &spec, http_cb, base));
	spec.label = NULL;
	ck_assert_ptr_nonnull(http_submit(h, &spec, http_cb, base));
	run_until_done(2);
	http_free(h);
	format();
	ck_line("ccr_failoverd_requests_total{cluster=\"prod\","
	    "code=\"refused\"} 1");
	ck_assert_ptr_null(strstr(text, "\nccr_failoverd_requests_total{cluster=\"\""));
}
END_TEST

/* Without metrics_listen nothing is served. */
START_TEST(not_configured)
{
	struct metrics	*none;
	char		*cause = NULL;

	cfg.metrics_listen = NULL;
	ck_assert_int_eq(metrics_create(base, &cfg, &none, &cause), 0);
	ck_assert_ptr_null(none);
	metrics_free(none);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("metrics");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, view_names_and_values);
	tcase_add_test(tc, roles_swap_names);
	tcase_add_test(tc, before_first_poll);
	tcase_add_test(tc, ready_interim);
	tcase_add_test(tc, label_escaping);
	tcase_add_test(tc, histogram_buckets);
	tcase_add_test(tc, counters);
	tcase_add_test(tc, actions);
	tcase_add_test(tc, every_family_typed);
	tcase_add_test(tc, not_configured);
	tcase_add_test(tc, hooks_counted_where_they_end);
	tcase_add_test(tc, requests_counted_where_they_end);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
