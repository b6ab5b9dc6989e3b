/* Unit tests for status.c: a snapshot written to a directory of our own and
 * read back with jansson, field by field. */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "isotime.h"
#include "status.h"
#include "testutil.h"
#include "xmalloc.h"

static char	*tmpdir;
static char	*path;

/* Make a private directory for each test. */
static void
setup(void)
{
	tmpdir = tu_tmpdir("check_status");
	xasprintf(&path, "%s/%s", tmpdir, STATUS_FILE);
}

static void
teardown(void)
{
	tu_rmtree(tmpdir);
	free(tmpdir);
	free(path);
}

static const struct status_index test_indices[] = {
	{ "logs", "logs2", 12, OBS_FOLLOW_ACTIVE, NULL, NULL },
	{ "metrics", "metrics2", -1, OBS_FOLLOW_PAUSED, "close",
	    "index_closed_exception: closed" },
};

/* A snapshot in the middle of a promotion, every field set. */
static const struct readiness_check test_checks[] = {
	{ "connect:clusterA", true, "http://a answers" },
	{ "privileges:clusterB", false, "cluster privilege manage missing" }
};

static void
fill(struct status_snapshot *snap)
{
	memset(snap, 0, sizeof *snap);
	snap->state = "PROMOTING";
	snap->held = true;
	snap->pending = "failback";
	snap->leader = "clusterB";
	snap->follower = "clusterA";
	snap->clusters[0].name = "clusterA";
	snap->clusters[0].reachable = false;
	snap->clusters[0].health = OBS_HEALTH_UNKNOWN;
	snap->clusters[0].consecutive_failures = 4;
	snap->clusters[0].last_error = "connection refused";
	snap->clusters[1].name = "clusterB";
	snap->clusters[1].reachable = true;
	snap->clusters[1].health = OBS_HEALTH_YELLOW;
	snap->indices = test_indices;
	snap->nindices = 2;
	snap->last_poll.tv_sec = 1764107695;
	snap->last_poll.tv_nsec = 250000000;
	snap->poll_interval_ms = 1000;
	snap->tilt = true;
	snap->reason = "leader lost: 4 failed polls, follower agrees";
	snap->since.tv_sec = 1764107690;
	snap->action.kind = "promote";
	snap->action.started.tv_sec = 1764107691;
	snap->action.total = 2;
	snap->action.done = 1;
	snap->action.failed = 1;
	snap->divergence.fired = true;
	snap->divergence.indices = 1;
	snap->divergence.operations = 17;
	snap->last_command.id = "123-1764107690.000000001-0";
	snap->last_command.command = FSM_COMMAND_CONFIRM;
	snap->last_command.outcome = CONTROL_OUTCOME_ACCEPTED;
	snap->last_command.message = "promotion confirmed";
	snap->ready = false;
	snap->readiness = test_checks;
	snap->nreadiness = 2;
}

/* Write snap and read it back. */
static json_t *
write_and_load(const struct status_snapshot *snap)
{
	json_error_t	 jerr;
	json_t		*doc;
	char		*cause = NULL;

	if (status_write(snap, tmpdir, &cause) != 0)
		ck_abort_msg("status_write: %s", cause);
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		ck_abort_msg("%s: %s", path, jerr.text);
	return (doc);
}

/* A member that must be a string. */
static const char *
str(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return (json_string_value(v));
}

/* A member that must be an integer. */
static json_int_t
num(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return (json_integer_value(v));
}

/* Assert a member is JSON null. */
static void
is_null(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	ck_assert_msg(json_is_null(v), "%s is not null", key);
}

START_TEST(full_snapshot)
{
	struct status_snapshot	 snap;
	struct timespec		 ts;
	json_t			*doc, *c, *x;

	fill(&snap);
	doc = write_and_load(&snap);

	ck_assert_str_eq(str(doc, "state"), "PROMOTING");
	ck_assert(json_is_true(json_object_get(doc, "held")));
	ck_assert_str_eq(str(doc, "pending"), "failback");
	ck_assert_str_eq(str(doc, "leader"), "clusterB");
	ck_assert_str_eq(str(doc, "follower"), "clusterA");
	ck_assert(json_is_true(json_object_get(doc, "tilt")));
	ck_assert_str_eq(str(doc, "reason"),
	    "leader lost: 4 failed polls, follower agrees");
	ck_assert_int_eq(num(doc, "poll_interval_ms"), 1000);
	ck_assert_int_eq(num(doc, "pid"), getpid());
	ck_assert_str_eq(str(doc, "version"), PACKAGE_VERSION);

	ck_assert_str_eq(str(doc, "last_poll"), "2025-11-25T21:54:55.250Z");
	ck_assert_int_eq(isotime_parse(str(doc, "last_poll"), &ts), 0);
	ck_assert_int_eq(ts.tv_sec, 1764107695);
	ck_assert_int_eq(ts.tv_nsec, 250000000);
	ck_assert_str_eq(str(doc, "since"), "2025-11-25T21:54:50.000Z");

	c = json_object_get(json_object_get(doc, "clusters"), "clusterA");
	ck_assert(json_is_false(json_object_get(c, "reachable")));
	ck_assert_str_eq(str(c, "status"), "unknown");
	ck_assert_int_eq(num(c, "consecutive_failures"), 4);
	ck_assert_str_eq(str(c, "last_error"), "connection refused");
	c = json_object_get(json_object_get(doc, "clusters"), "clusterB");
	ck_assert(json_is_true(json_object_get(c, "reachable")));
	ck_assert_str_eq(str(c, "status"), "yellow");
	ck_assert_int_eq(num(c, "consecutive_failures"), 0);
	is_null(c, "last_error");

	ck_assert_uint_eq(json_array_size(json_object_get(doc, "indices")), 2);
	x = json_array_get(json_object_get(doc, "indices"), 0);
	ck_assert_str_eq(str(x, "leader"), "logs");
	ck_assert_str_eq(str(x, "follower"), "logs2");
	ck_assert_int_eq(num(x, "lag_ops"), 12);
	ck_assert_str_eq(str(x, "follow_status"), "active");
	is_null(x, "action_step");
	is_null(x, "error");
	x = json_array_get(json_object_get(doc, "indices"), 1);
	is_null(x, "lag_ops");
	ck_assert_str_eq(str(x, "follow_status"), "paused");
	ck_assert_str_eq(str(x, "action_step"), "close");
	ck_assert_str_eq(str(x, "error"), "index_closed_exception: closed");

	x = json_object_get(doc, "action");
	ck_assert_str_eq(str(x, "kind"), "promote");
	ck_assert_str_eq(str(x, "started"), "2025-11-25T21:54:51.000Z");
	ck_assert_int_eq(num(x, "total"), 2);
	ck_assert_int_eq(num(x, "done"), 1);
	ck_assert_int_eq(num(x, "failed"), 1);
	x = json_object_get(doc, "divergence");
	ck_assert_int_eq(num(x, "indices"), 1);
	ck_assert_int_eq(num(x, "operations"), 17);
	x = json_object_get(doc, "last_command");
	ck_assert_str_eq(str(x, "id"), "123-1764107690.000000001-0");
	ck_assert_str_eq(str(x, "command"), "confirm");
	ck_assert_str_eq(str(x, "outcome"), "accepted");
	ck_assert_str_eq(str(x, "message"), "promotion confirmed");
	/* A lone daemon: no "by", no coordination object. */
	ck_assert_ptr_null(json_object_get(x, "by"));
	ck_assert_ptr_null(json_object_get(doc, "coordination"));
	json_decref(doc);
}
END_TEST

/* The text is laid out as before: jansson's sorted, indented dump. */
static void
assert_jansson_layout(void)
{
	json_error_t	 jerr;
	json_t		*doc;
	char		*text, *want;
	size_t		 n;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_ptr_nonnull(doc);
	want = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	text = tu_read(path, &n);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(text[n - 1], '\n');
	text[n - 1] = '\0';
	ck_assert_str_eq(text, want);
	free(text);
	free(want);
	json_decref(doc);
}

START_TEST(layout_is_unchanged)
{
	static const struct status_member members[] = {
		{ "dr-site-1", false, "PROMOTING", 120 },
		{ "witness", true, "LEADER_SUSPECT", 3400 },
	};
	struct status_snapshot	 snap;
	char			*cause = NULL;

	fill(&snap);
	snap.clusters[0].name = "zeta";
	ck_assert_int_eq(status_write(&snap, tmpdir, &cause), 0);
	assert_jansson_layout();
	snap.last_command.by = "dr-site-1";
	snap.coordination.enabled = true;
	snap.coordination.member = "witness";
	snap.coordination.etcd_reachable = true;
	snap.coordination.members = members;
	snap.coordination.nmembers = 2;
	ck_assert_int_eq(status_write(&snap, tmpdir, &cause), 0);
	assert_jansson_layout();
	memset(&snap, 0, sizeof snap);
	snap.state = "REPLICATING";
	ck_assert_int_eq(status_write(&snap, tmpdir, &cause), 0);
	assert_jansson_layout();
}
END_TEST

/*
 * The readiness member rendered once (status_readiness_text) and written
 * as text makes the same file, byte for byte, as rendering it each time.
 */
START_TEST(readiness_text_is_the_member)
{
	struct status_snapshot	 snap;
	char			*cause = NULL, *rendered, *spliced, *text;
	size_t			 n, m, k;

	fill(&snap);
	for (k = 0; k < 2; k++) {
		snap.nreadiness = k == 0 ? 2 : 0;
		snap.readiness_text = NULL;
		ck_assert_int_eq(status_write(&snap, tmpdir, &cause), 0);
		rendered = tu_read(path, &n);
		text = status_readiness_text(snap.readiness, snap.nreadiness);
		snap.readiness_text = text;
		ck_assert_int_eq(status_write(&snap, tmpdir, &cause), 0);
		assert_jansson_layout();
		spliced = tu_read(path, &m);
		ck_assert_uint_eq(n, m);
		ck_assert_str_eq(spliced, rendered);
		free(rendered);
		free(spliced);
		free(text);
	}
}
END_TEST

START_TEST(quiet_snapshot)
{
	struct status_snapshot	 snap;
	json_t			*doc;

	memset(&snap, 0, sizeof snap);
	snap.state = "REPLICATING";
	snap.leader = "clusterA";
	snap.follower = "clusterB";
	doc = write_and_load(&snap);
	ck_assert(json_is_false(json_object_get(doc, "held")));
	is_null(doc, "pending");
	is_null(doc, "last_poll");
	is_null(doc, "reason");
	is_null(doc, "action");
	is_null(doc, "divergence");
	is_null(doc, "last_command");
	ck_assert_uint_eq(json_object_size(json_object_get(doc, "clusters")),
	    0);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "indices")), 0);
	json_decref(doc);
}
END_TEST

/* Several watchers: the coordination object, and who ran the command. */
START_TEST(coordination_snapshot)
{
	static const struct status_member members[] = {
		{ "dr-site-1", false, "PROMOTING", 120 },
		{ "witness", true, "LEADER_SUSPECT", 3400 },
	};
	struct status_snapshot	 snap;
	json_t			*doc, *co, *m;

	fill(&snap);
	snap.last_command.by = "dr-site-1";
	snap.coordination.enabled = true;
	snap.coordination.member = "witness";
	snap.coordination.actor = "dr-site-1";
	snap.coordination.acting = false;
	snap.coordination.etcd_reachable = true;
	snap.coordination.members = members;
	snap.coordination.nmembers = 2;
	doc = write_and_load(&snap);
	ck_assert_str_eq(str(json_object_get(doc, "last_command"), "by"),
	    "dr-site-1");
	co = json_object_get(doc, "coordination");
	ck_assert_uint_eq(json_object_size(co), 5);
	ck_assert_str_eq(str(co, "member"), "witness");
	ck_assert_str_eq(str(co, "actor"), "dr-site-1");
	ck_assert(json_is_false(json_object_get(co, "acting")));
	ck_assert(json_is_true(json_object_get(co, "etcd_reachable")));
	ck_assert_uint_eq(json_array_size(json_object_get(co, "members")), 2);
	m = json_array_get(json_object_get(co, "members"), 0);
	ck_assert_uint_eq(json_object_size(m), 4);
	ck_assert_str_eq(str(m, "name"), "dr-site-1");
	ck_assert(json_is_false(json_object_get(m, "leader_reachable")));
	ck_assert_str_eq(str(m, "state"), "PROMOTING");
	ck_assert_int_eq(num(m, "age_ms"), 120);
	json_decref(doc);

	/* No actor known: null. */
	snap.coordination.actor = NULL;
	snap.coordination.nmembers = 0;
	doc = write_and_load(&snap);
	is_null(json_object_get(doc, "coordination"), "actor");
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(doc,
	    "coordination"), "members")), 0);
	json_decref(doc);
}
END_TEST

/*
 * The top-level fields are a contract: a new one must be added here on
 * purpose, which is also where a secret would have to slip in.
 */
START_TEST(readiness_listed)
{
	struct status_snapshot	 snap;
	json_t			*doc, *list, *c;

	fill(&snap);
	doc = write_and_load(&snap);
	ck_assert(json_is_false(json_object_get(doc, "ready")));
	list = json_object_get(doc, "readiness");
	ck_assert_uint_eq(json_array_size(list), 2);
	c = json_array_get(list, 1);
	ck_assert_str_eq(str(c, "check"), "privileges:clusterB");
	ck_assert(json_is_false(json_object_get(c, "ok")));
	ck_assert_str_eq(str(c, "detail"), "cluster privilege manage missing");
	json_decref(doc);
	snap.ready = true;
	snap.nreadiness = 0;
	doc = write_and_load(&snap);
	ck_assert(json_is_true(json_object_get(doc, "ready")));
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "readiness")),
	    0);
	json_decref(doc);
}
END_TEST

START_TEST(fields_are_fixed)
{
	static const char *const keys[] = {
		"action", "clusters", "divergence", "follower", "held",
		"indices", "last_command", "last_poll", "leader", "pending",
		"fenced", "pid", "poll_interval_ms", "readiness", "ready",
		"reason",
		"since", "state", "tilt", "version"
	};
	struct status_snapshot	 snap;
	json_t			*doc;
	size_t			 i;

	fill(&snap);
	doc = write_and_load(&snap);
	ck_assert_uint_eq(json_object_size(doc), sizeof keys / sizeof keys[0]);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(json_object_get(doc, keys[i]) != NULL,
		    "%s missing", keys[i]);
	json_decref(doc);
}
END_TEST

START_TEST(mode_and_replacement)
{
	struct status_snapshot	 snap;
	struct stat		 st;
	json_t			*doc;
	mode_t			 old;

	fill(&snap);
	old = umask(077);
	doc = write_and_load(&snap);
	umask(old);
	json_decref(doc);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);

	snap.state = "PROMOTED";
	doc = write_and_load(&snap);
	ck_assert_str_eq(str(doc, "state"), "PROMOTED");
	json_decref(doc);
}
END_TEST

START_TEST(invalid_utf8_is_replaced)
{
	struct status_snapshot	 snap;
	json_t			*doc, *c;

	fill(&snap);
	snap.clusters[0].last_error = "bad \xff\xfe bytes";
	doc = write_and_load(&snap);
	c = json_object_get(json_object_get(doc, "clusters"), "clusterA");
	ck_assert_str_eq(str(c, "last_error"), "bad ?? bytes");
	json_decref(doc);
}
END_TEST

START_TEST(missing_directory_fails)
{
	struct status_snapshot	 snap;
	char			*cause = NULL;

	fill(&snap);
	ck_assert_int_eq(status_write(&snap, "/nonexistent/ccr-failoverd",
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/ccr-failoverd"));
	free(cause);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("status");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, full_snapshot);
	tcase_add_test(tc, quiet_snapshot);
	tcase_add_test(tc, layout_is_unchanged);
	tcase_add_test(tc, readiness_text_is_the_member);
	tcase_add_test(tc, coordination_snapshot);
	tcase_add_test(tc, fields_are_fixed);
	tcase_add_test(tc, readiness_listed);
	tcase_add_test(tc, mode_and_replacement);
	tcase_add_test(tc, invalid_utf8_is_replaced);
	tcase_add_test(tc, missing_directory_fails);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
