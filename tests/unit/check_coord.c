/*
 * Unit tests for coord-parse.c and coord-quorum.c: base64, the request
 * bodies and answers of etcd 3.4's JSON gateway (answers as etcd 3.4.23
 * wrote them), the summary and command documents, the quorum count over
 * scripted members and times, and the lease check.
 */
#include "autoconf.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "coord-parse.h"
#include "coord-quorum.h"

/* Decode a base64 JSON string member into a static buffer. */
static const char *
b64_member(json_t *obj, const char *name)
{
	static char	 buf[4][256];
	static int	 k;
	char		*out;
	size_t		 len;

	ck_assert_ptr_nonnull(json_object_get(obj, name));
	ck_assert_int_eq(coord_b64_decode(json_string_value(json_object_get(obj,
	    name)), &out, &len), 0);
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s", out);
	free(out);
	return (buf[k]);
}

static json_t *
load(const char *text)
{
	json_t	*doc = json_loads(text, 0, NULL);

	ck_assert_ptr_nonnull(doc);
	return (doc);
}

START_TEST(b64_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
	    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char	*s;
	size_t	 i, len;

	for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		s = coord_b64_encode(plain[i], strlen(plain[i]));
		ck_assert_str_eq(s, coded[i]);
		free(s);
		ck_assert_int_eq(coord_b64_decode(coded[i], &s, &len), 0);
		ck_assert_str_eq(s, plain[i]);
		ck_assert_uint_eq(len, strlen(plain[i]));
		free(s);
	}
}
END_TEST

START_TEST(b64_binary_and_garbage)
{
	char	 bin[256], *e, *d;
	size_t	 i, len;

	for (i = 0; i < sizeof bin; i++)
		bin[i] = (char)i;
	e = coord_b64_encode(bin, sizeof bin);
	ck_assert_int_eq(coord_b64_decode(e, &d, &len), 0);
	ck_assert_uint_eq(len, sizeof bin);
	ck_assert_int_eq(memcmp(d, bin, sizeof bin), 0);
	free(e);
	free(d);
	ck_assert_int_eq(coord_b64_decode("Zm9", &d, &len), -1);
	ck_assert_int_eq(coord_b64_decode("Zm9*", &d, &len), -1);
	ck_assert_int_eq(coord_b64_decode("Z===", &d, &len), -1);
	ck_assert_int_eq(coord_b64_decode("Zg==Zm9v", &d, &len), -1);
	ck_assert_int_eq(coord_b64_decode("Zm=v", &d, &len), -1);
}
END_TEST

START_TEST(body_claim)
{
	char	*b = coord_body_claim("/p/actor", "dr-site-1",
	    4111120435066658311LL);
	json_t	*doc = load(b), *cmp, *put;

	cmp = json_array_get(json_object_get(doc, "compare"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(cmp, "target")),
	    "CREATE");
	ck_assert_str_eq(b64_member(cmp, "key"), "/p/actor");
	ck_assert_str_eq(json_string_value(json_object_get(cmp,
	    "create_revision")), "0");
	put = json_object_get(json_array_get(json_object_get(doc, "success"),
	    0), "request_put");
	ck_assert_str_eq(b64_member(put, "key"), "/p/actor");
	ck_assert_str_eq(b64_member(put, "value"), "dr-site-1");
	/* Lease ids exceed 2^53: they travel as strings, never doubles. */
	ck_assert_str_eq(json_string_value(json_object_get(put, "lease")),
	    "4111120435066658311");
	ck_assert_ptr_nonnull(json_object_get(json_array_get(
	    json_object_get(doc, "failure"), 0), "request_range"));
	json_decref(doc);
	free(b);
}
END_TEST

START_TEST(body_record_is_fenced)
{
	char	*b = coord_body_record("/p/record", 42, "/p/actor", "m1", 7,
	    "{}");
	json_t	*doc = load(b), *cmp, *put;

	cmp = json_object_get(doc, "compare");
	ck_assert_uint_eq(json_array_size(cmp), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cmp,
	    0), "target")), "MOD");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cmp,
	    0), "mod_revision")), "42");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cmp,
	    1), "target")), "VALUE");
	ck_assert_str_eq(b64_member(json_array_get(cmp, 1), "value"), "m1");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cmp,
	    2), "target")), "LEASE");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cmp,
	    2), "lease")), "7");
	put = json_object_get(json_array_get(json_object_get(doc, "success"),
	    0), "request_put");
	ck_assert_str_eq(b64_member(put, "value"), "{}");
	/* The record outlives the actor: it carries no lease. */
	ck_assert_ptr_null(json_object_get(put, "lease"));
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "failure")), 2);
	json_decref(doc);
	free(b);
}
END_TEST

START_TEST(body_answer_keeps_lease)
{
	char	*b = coord_body_answer("/p/commands/m2/x", 9, "{\"a\":1}");
	json_t	*doc = load(b), *put;

	put = json_object_get(json_array_get(json_object_get(doc, "success"),
	    0), "request_put");
	ck_assert(json_is_true(json_object_get(put, "ignore_lease")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "compare"), 0), "mod_revision")), "9");
	json_decref(doc);
	free(b);
}
END_TEST

START_TEST(body_range_and_prefix_end)
{
	char	*end = coord_prefix_end("/p/");
	char	*b = coord_body_range("/p/", end, 5);
	json_t	*doc = load(b);

	ck_assert_str_eq(end, "/p0");
	ck_assert_str_eq(b64_member(doc, "range_end"), "/p0");
	ck_assert_str_eq(json_string_value(json_object_get(doc,
	    "min_mod_revision")), "5");
	json_decref(doc);
	free(b);
	b = coord_body_range("/p/record", NULL, 0);
	doc = load(b);
	ck_assert_ptr_null(json_object_get(doc, "range_end"));
	ck_assert_ptr_null(json_object_get(doc, "min_mod_revision"));
	json_decref(doc);
	free(b);
	free(end);
}
END_TEST

START_TEST(answer_grant_keepalive)
{
	struct coord_answer	a;
	char			*cause = NULL;
	const char		*grant = "{\"header\":{\"cluster_id\":"
	    "\"15118495548433857066\",\"member_id\":\"13668033151171901709\","
	    "\"revision\":\"1\",\"raft_term\":\"2\"},\"ID\":"
	    "\"4111120435066658309\",\"TTL\":\"10\"}";
	const char		*alive = "{\"result\":{\"header\":{\"revision\":"
	    "\"1\"},\"ID\":\"4111120435066658311\",\"TTL\":\"10\"}}";
	const char		*gone = "{\"result\":{\"header\":{\"revision\":"
	    "\"3\"},\"ID\":\"1234\"}}";

	ck_assert_int_eq(coord_parse_answer(grant, strlen(grant), &a, &cause),
	    0);
	ck_assert(a.lease_id == 4111120435066658309LL);
	ck_assert_int_eq(a.ttl, 10);
	ck_assert_ptr_null(a.error);
	coord_answer_clear(&a);
	ck_assert_int_eq(coord_parse_answer(alive, strlen(alive), &a, &cause),
	    0);
	ck_assert(a.lease_id == 4111120435066658311LL);
	ck_assert_int_eq(a.ttl, 10);
	coord_answer_clear(&a);
	/* An expired lease: the keepalive answers without a TTL. */
	ck_assert_int_eq(coord_parse_answer(gone, strlen(gone), &a, &cause), 0);
	ck_assert_int_eq(a.lease_id, 1234);
	ck_assert_int_eq(a.ttl, 0);
	coord_answer_clear(&a);
}
END_TEST

START_TEST(answer_txn)
{
	struct coord_answer	a;
	char			*cause = NULL;
	const char		*won = "{\"header\":{\"revision\":\"2\"},"
	    "\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":"
	    "{\"revision\":\"2\"}}}]}";
	const char		*lost = "{\"header\":{\"revision\":\"2\"},"
	    "\"responses\":[{\"response_range\":{\"header\":{\"revision\":"
	    "\"2\"},\"kvs\":[{\"key\":\"L3AvYWN0b3I=\",\"create_revision\":"
	    "\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"bTE=\","
	    "\"lease\":\"4111120435066658311\"}],\"count\":\"1\"}}]}";

	ck_assert_int_eq(coord_parse_answer(won, strlen(won), &a, &cause), 0);
	ck_assert(a.succeeded);
	ck_assert_int_eq(a.revision, 2);
	ck_assert_uint_eq(a.nkvs, 0);
	coord_answer_clear(&a);
	/* proto3 leaves "succeeded": false out. */
	ck_assert_int_eq(coord_parse_answer(lost, strlen(lost), &a, &cause), 0);
	ck_assert(!a.succeeded);
	ck_assert_uint_eq(a.nkvs, 1);
	ck_assert_str_eq(a.kvs[0].key, "/p/actor");
	ck_assert_str_eq(a.kvs[0].value, "m1");
	ck_assert_int_eq(a.kvs[0].create_revision, 2);
	ck_assert(a.kvs[0].lease == 4111120435066658311LL);
	coord_answer_clear(&a);
}
END_TEST

START_TEST(answer_range_and_errors)
{
	struct coord_answer	a;
	char			*cause = NULL;
	const char		*empty = "{\"header\":{\"revision\":\"4\"}}";
	const char		*err = "{\"error\":\"etcdserver: requested lease "
	    "not found\",\"message\":\"etcdserver: requested lease not found\","
	    "\"code\":5}";
	const char		*stream = "{\"error\":{\"grpc_code\":16,"
	    "\"http_code\":401,\"message\":\"etcdserver: invalid auth token\"}}";
	static const char *const bad[] = { "", "[]", "{\"kvs\":{}}",
	    "{\"kvs\":[{\"key\":\"***\"}]}", "{\"header\":{\"revision\":\"x\"}}",
	    "{\"succeeded\":\"yes\"}", "{\"result\":3}", "{\"TTL\":[]}",
	    "{\"responses\":[{\"response_range\":7}]}", "{\"token\":1}" };
	size_t			 i;

	ck_assert_int_eq(coord_parse_answer(empty, strlen(empty), &a, &cause),
	    0);
	ck_assert_uint_eq(a.nkvs, 0);
	ck_assert_int_eq(a.revision, 4);
	coord_answer_clear(&a);
	ck_assert_int_eq(coord_parse_answer(err, strlen(err), &a, &cause), 0);
	ck_assert_str_eq(a.error, "etcdserver: requested lease not found");
	ck_assert_int_eq(a.code, 5);
	coord_answer_clear(&a);
	ck_assert_int_eq(coord_parse_answer(stream, strlen(stream), &a, &cause),
	    0);
	ck_assert_str_eq(a.error, "etcdserver: invalid auth token");
	ck_assert_int_eq(a.code, 16);
	coord_answer_clear(&a);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_msg(coord_parse_answer(bad[i], strlen(bad[i]), &a,
		    &cause) == -1, "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
}
END_TEST

START_TEST(summary_round_trip)
{
	struct coord_summary	s, t;
	char			*text, *cause = NULL;

	memset(&s, 0, sizeof s);
	snprintf(s.member, sizeof s.member, "dr-site-1");
	s.leader_reachable = false;
	s.follower_agrees = true;
	snprintf(s.state, sizeof s.state, "LEADER_SUSPECT");
	snprintf(s.time, sizeof s.time, "2026-12-04T12:00:00.000Z");
	s.round = 17;
	text = coord_summary_encode(&s);
	ck_assert_int_eq(coord_summary_decode(text, strlen(text), &t, &cause),
	    0);
	ck_assert_str_eq(t.member, "dr-site-1");
	ck_assert(!t.leader_reachable);
	ck_assert(t.follower_agrees);
	ck_assert_str_eq(t.state, "LEADER_SUSPECT");
	ck_assert_uint_eq(t.round, 17);
	free(text);
	text = "{\"member\":\"m\",\"leader_reachable\":1,\"follower_agrees\":"
	    "true,\"state\":\"X\",\"round\":1}";
	ck_assert_int_eq(coord_summary_decode(text, strlen(text), &t, &cause),
	    -1);
	free(cause);
	cause = NULL;
	text = "{\"member\":\"m\",\"leader_reachable\":true,\"follower_agrees\":"
	    "true,\"state\":\"X\",\"round\":-1}";
	ck_assert_int_eq(coord_summary_decode(text, strlen(text), &t, &cause),
	    -1);
	free(cause);
}
END_TEST

START_TEST(command_round_trip)
{
	struct coord_command	c, d;
	char			*text, *cause = NULL;

	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "ctl-1-2");
	snprintf(c.command, sizeof c.command, "hold");
	snprintf(c.from, sizeof c.from, "witness");
	text = coord_command_encode(&c);
	ck_assert_int_eq(coord_command_decode(text, strlen(text), &d, &cause),
	    0);
	ck_assert(!d.answered);
	ck_assert_str_eq(d.command, "hold");
	free(text);
	c.answered = true;
	c.accepted = true;
	snprintf(c.message, sizeof c.message, "held");
	snprintf(c.by, sizeof c.by, "dr-site-1");
	text = coord_command_encode(&c);
	ck_assert_int_eq(coord_command_decode(text, strlen(text), &d, &cause),
	    0);
	ck_assert(d.answered && d.accepted);
	ck_assert_str_eq(d.by, "dr-site-1");
	ck_assert_str_eq(d.from, "witness");
	free(text);
	text = "{\"id\":\"x\",\"command\":\"hold\",\"from\":\"m\","
	    "\"outcome\":\"maybe\",\"by\":\"a\"}";
	ck_assert_int_eq(coord_command_decode(text, strlen(text), &d, &cause),
	    -1);
	free(cause);
}
END_TEST

/* A summary of member name seeing the leader reachable or not. */
static struct coord_summary
summary(const char *name, bool reachable)
{
	struct coord_summary	s;

	memset(&s, 0, sizeof s);
	snprintf(s.member, sizeof s.member, "%s", name);
	s.leader_reachable = reachable;
	snprintf(s.state, sizeof s.state, "REPLICATING");
	return (s);
}

START_TEST(quorum_counts_fresh_members)
{
	struct coord_view	v = { NULL, 0 };
	struct coord_quorum	q;
	struct coord_summary	s;

	/* Alone: this member's own view is one vote. */
	coord_quorum_count(&v, "a", true, 1000, 2500, &q);
	ck_assert_uint_eq(q.fresh, 1);
	ck_assert_uint_eq(q.down, 1);

	coord_view_begin(&v);
	s = summary("a", true);	/* its own old summary never counts */
	coord_view_see(&v, &s, 10, 1000);
	s = summary("b", false);
	coord_view_see(&v, &s, 11, 1000);
	s = summary("c", true);
	coord_view_see(&v, &s, 12, 1000);
	coord_view_end(&v);
	coord_quorum_count(&v, "a", true, 1500, 2500, &q);
	ck_assert_uint_eq(q.fresh, 3);
	ck_assert_uint_eq(q.down, 2);
	coord_quorum_count(&v, "a", false, 1500, 2500, &q);
	ck_assert_uint_eq(q.down, 1);

	/* b keeps publishing, c stops: c's summary ages out. */
	coord_view_begin(&v);
	s = summary("b", false);
	coord_view_see(&v, &s, 20, 3000);
	s = summary("c", false);
	coord_view_see(&v, &s, 12, 3000);
	coord_view_end(&v);
	coord_quorum_count(&v, "a", true, 3600, 2500, &q);
	ck_assert_uint_eq(q.fresh, 2);
	ck_assert_uint_eq(q.down, 2);
	ck_assert_uint_eq(coord_view_age(&v.members[2], 3600), 2600);

	/* c's key vanished (its lease expired): it is gone from the view. */
	coord_view_begin(&v);
	s = summary("b", false);
	coord_view_see(&v, &s, 21, 4000);
	coord_view_end(&v);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_str_eq(v.members[0].summary.member, "b");
	coord_view_clear(&v);
}
END_TEST

START_TEST(quorum_partition_alone)
{
	struct coord_view	v = { NULL, 0 };
	struct coord_quorum	q;
	struct coord_summary	s;

	/* This member sees the leader down, both others reach it. */
	coord_view_begin(&v);
	s = summary("b", true);
	coord_view_see(&v, &s, 1, 100);
	s = summary("c", true);
	coord_view_see(&v, &s, 2, 100);
	coord_view_end(&v);
	coord_quorum_count(&v, "a", true, 200, 2500, &q);
	ck_assert_uint_eq(q.fresh, 3);
	ck_assert_uint_lt(q.down, 2);
	coord_view_clear(&v);
}
END_TEST

START_TEST(lease_last_third)
{
	ck_assert(!coord_lease_confirmed(0, 9000, 100));
	ck_assert(coord_lease_confirmed(1000, 9000, 1000));
	ck_assert(coord_lease_confirmed(1000, 9000, 3999));
	ck_assert(!coord_lease_confirmed(1000, 9000, 4000));
	ck_assert(!coord_lease_confirmed(5000, 9000, 4000));
	ck_assert_uint_eq(coord_fresh_ms(500, 1000), 2000);
}
END_TEST

static Suite *
coord_suite(void)
{
	Suite	*s = suite_create("coord");
	TCase	*tc = tcase_create("coord");

	tcase_add_test(tc, b64_vectors);
	tcase_add_test(tc, b64_binary_and_garbage);
	tcase_add_test(tc, body_claim);
	tcase_add_test(tc, body_record_is_fenced);
	tcase_add_test(tc, body_answer_keeps_lease);
	tcase_add_test(tc, body_range_and_prefix_end);
	tcase_add_test(tc, answer_grant_keepalive);
	tcase_add_test(tc, answer_txn);
	tcase_add_test(tc, answer_range_and_errors);
	tcase_add_test(tc, summary_round_trip);
	tcase_add_test(tc, command_round_trip);
	tcase_add_test(tc, quorum_counts_fresh_members);
	tcase_add_test(tc, quorum_partition_alone);
	tcase_add_test(tc, lease_last_third);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(coord_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
