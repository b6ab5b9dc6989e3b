/*
 * Unit tests for essim's security and knobs: which action each route
 * needs and which privileges grant it, the 403 texts for users and API
 * keys, _has_privileges with implied privileges, the security file, and
 * the checking and resetting of knobs.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "essim.h"

/* The reason of an error envelope, or "". */
static const char *
reason(json_t *out)
{
	const char	*r;

	r = json_string_value(json_object_get(json_object_get(out, "error"),
	    "reason"));
	return (r == NULL ? "" : r);
}

/* Authorize method and path (split on '/') for principal p. */
static int
authorize(struct essim *es, json_t *p, const char *method, const char *path,
    json_t **out)
{
	char	*copy, *segs[8], *tok, *save;
	int	 n = 0, st;

	copy = strdup(path);
	for (tok = strtok_r(copy, "/", &save); tok != NULL && n < 8;
	    tok = strtok_r(NULL, "/", &save))
		segs[n++] = tok;
	*out = NULL;
	st = security_authorize(es, p, method, segs, n, out);
	free(copy);
	return (st);
}

START_TEST(actions_and_privileges)
{
	struct essim	 es;
	json_t		*u, *k, *out;
	char		*cause = NULL;

	memset(&es, 0, sizeof es);
	security_init(&es);
	ck_assert_int_eq(security_enabled(&es), 0);
	ck_assert_int_eq(security_add(&es, "user", "elastic:changeme"), 0);
	ck_assert_int_eq(security_add(&es, "user", "d:pw"), 0);
	ck_assert_int_eq(security_add(&es, "api_key", "k1:s"), 0);
	ck_assert_int_eq(security_add(&es, "user", "nocolon"), -1);
	ck_assert_int_eq(security_role(&es, "d:monitor,manage_ccr", &cause), 0);
	ck_assert_int_eq(security_role(&es, "k1:write", &cause), 0);
	ck_assert_int_eq(security_role(&es, "nobody:read", &cause), -1);
	free(cause);
	u = security_authenticate(&es, "Basic ZDpwdw==");
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_null(security_authenticate(&es, "Basic ZDp3cm9uZw=="));
	k = security_authenticate(&es, "ApiKey azE6cw==");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(json_string_value(json_object_get(k, "user")),
	    "elastic");
	/* unrestricted */
	ck_assert_int_eq(authorize(&es, security_authenticate(&es,
	    "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="), "POST", "/x/_close", &out), 0);
	/* cluster actions */
	ck_assert_int_eq(authorize(&es, u, "GET", "/", &out), 0);
	ck_assert_int_eq(authorize(&es, u, "GET", "/_cluster/health", &out),
	    0);
	ck_assert_int_eq(authorize(&es, u, "POST", "/f/_ccr/pause_follow",
	    &out), 0);
	ck_assert_int_eq(authorize(&es, u, "GET", "/_ccr/auto_follow", &out),
	    0);
	ck_assert_int_eq(authorize(&es, u, "PUT", "/_cluster/settings", &out),
	    403);
	ck_assert_str_eq(reason(out), "action [cluster:admin/settings/update] "
	    "is unauthorized for user [d] with effective roles [d], this "
	    "action is granted by the cluster privileges [manage,all]");
	json_decref(out);
	/* index actions */
	ck_assert_int_eq(authorize(&es, u, "POST", "/f/_ccr/unfollow", &out),
	    403);
	ck_assert_str_eq(reason(out), "action "
	    "[indices:admin/xpack/ccr/unfollow] is unauthorized for user [d] "
	    "with effective roles [d] on indices [f], this action is granted "
	    "by the index privileges [manage_follow_index,manage,all]");
	json_decref(out);
	ck_assert_int_eq(authorize(&es, u, "GET", "/_all/_stats", &out), 0);
	ck_assert_int_eq(authorize(&es, u, "DELETE", "/f", &out), 403);
	json_decref(out);
	/* write implies index: the API key may write and delete, not read */
	ck_assert_int_eq(authorize(&es, k, "PUT", "/f/_doc/1", &out), 0);
	ck_assert_int_eq(authorize(&es, k, "DELETE", "/f/_doc/1", &out), 0);
	ck_assert_int_eq(authorize(&es, k, "GET", "/f/_doc/1", &out), 403);
	ck_assert_str_eq(reason(out), "action [indices:data/read/get] is "
	    "unauthorized for API key id [k1] of user [elastic] with effective "
	    "roles [k1] on indices [f], this action is granted by the index "
	    "privileges [read,all]");
	json_decref(out);
	/* internal and unknown routes need nothing */
	ck_assert_int_eq(authorize(&es, u, "GET", "/_essim/faults", &out), 0);
	security_free(&es);
}
END_TEST

START_TEST(has_privileges_and_file)
{
	struct essim	 es;
	json_t		*p, *body, *out;
	char		 path[] = "/tmp/check_security.XXXXXX", *cause = NULL;
	FILE		*f;
	int		 fd;

	memset(&es, 0, sizeof es);
	security_init(&es);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("{\"users\":{\"m\":{\"password\":\"p\",\"role\":\"ops\","
	    "\"privileges\":[\"manage\"]}},\"api_keys\":{\"id\":{\"key\":"
	    "\"k\",\"user\":\"m\"}}}", f);
	fclose(f);
	ck_assert_int_eq(security_load(&es, path, &cause), 0);
	p = security_authenticate(&es, "Basic bTpw");
	ck_assert_ptr_nonnull(p);
	body = json_pack("{s:[s, s, s], s:[{s:[s], s:[s, s]}]}", "cluster",
	    "monitor", "manage_ccr", "all", "index", "names", "i",
	    "privileges", "view_index_metadata", "read");
	ck_assert_int_eq(security_has_privileges(&es, p, body, &out), 200);
	ck_assert(json_is_true(json_object_get(json_object_get(out,
	    "cluster"), "monitor")));
	ck_assert(json_is_true(json_object_get(json_object_get(out,
	    "cluster"), "manage_ccr")));
	ck_assert(json_is_false(json_object_get(json_object_get(out,
	    "cluster"), "all")));
	ck_assert(json_is_true(json_object_get(json_object_get(json_object_get(
	    out, "index"), "i"), "view_index_metadata")));
	ck_assert(json_is_false(json_object_get(json_object_get(json_object_get(
	    out, "index"), "i"), "read")));
	ck_assert(json_is_false(json_object_get(out, "has_all_requested")));
	ck_assert_str_eq(json_string_value(json_object_get(out, "username")),
	    "m");
	json_decref(out);
	/* an API key without privileges may do everything */
	p = security_authenticate(&es, "ApiKey aWQ6aw==");
	ck_assert_int_eq(security_has_privileges(&es, p, body, &out), 200);
	ck_assert(json_is_true(json_object_get(out, "has_all_requested")));
	ck_assert_str_eq(json_string_value(json_object_get(out, "username")),
	    "m");
	json_decref(out);
	json_decref(body);
	f = fopen(path, "w");
	fputs("{\"users\":{\"m\":{\"privileges\":[\"read\"]}}}", f);
	fclose(f);
	ck_assert_int_eq(security_load(&es, path, &cause), -1);
	free(cause);
	unlink(path);
	security_free(&es);
}
END_TEST

START_TEST(knobs_checked_and_reset)
{
	struct essim	 es;
	json_t		*body, *out;

	memset(&es, 0, sizeof es);
	knob_init(&es);
	knob_set_start(&es, "restore_ms", json_integer(100));
	ck_assert_int_eq(knob_int(&es, "x", "restore_ms", -1), 100);
	body = json_pack("{s:b, s:s}", "remote_cluster_client", 0,
	    "remote_removed", "fatal");
	ck_assert_int_eq(knob_put(&es, NULL, body, &out), 200);
	json_decref(out);
	json_decref(body);
	ck_assert_int_eq(knob_bool(&es, "remote_cluster_client", 1), 0);
	ck_assert(knob_is(&es, "remote_removed", "fatal"));
	body = json_pack("{s:s}", "remote_removed", "sometimes");
	ck_assert_int_eq(knob_put(&es, NULL, body, &out), 400);
	json_decref(out);
	json_decref(body);
	body = json_pack("{s:i}", "bogus", 1);
	ck_assert_int_eq(knob_put(&es, NULL, body, &out), 400);
	json_decref(out);
	json_decref(body);
	body = json_pack("{s:{s:i, s:i}}", "hold_back", "from_seq_no", 5,
	    "to_seq_no", 3);
	ck_assert_int_eq(knob_put(&es, "f", body, &out), 400);
	json_decref(out);
	json_decref(body);
	body = json_pack("{s:{s:i, s:i}, s:i}", "hold_back", "from_seq_no", 3,
	    "to_seq_no", 5, "restore_ms", 7);
	ck_assert_int_eq(knob_put(&es, "f", body, &out), 200);
	json_decref(out);
	json_decref(body);
	ck_assert_int_eq(knob_int(&es, "f", "restore_ms", -1), 7);
	ck_assert_int_eq(knob_int(&es, "g", "restore_ms", -1), 100);
	/* null: back to the start value */
	body = json_pack("{s:n}", "restore_ms");
	ck_assert_int_eq(knob_put(&es, NULL, body, &out), 200);
	json_decref(out);
	json_decref(body);
	ck_assert_int_eq(knob_int(&es, "g", "restore_ms", -1), 100);
	knob_reset(&es, NULL);
	ck_assert_int_eq(knob_bool(&es, "remote_cluster_client", 1), 1);
	ck_assert_ptr_null(knob_value(&es, "f", "hold_back"));
	ck_assert_int_eq(knob_int(&es, "f", "restore_ms", -1), 100);
	knob_free(&es);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("essim security and knobs");
	TCase	*tc = tcase_create("security");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, actions_and_privileges);
	tcase_add_test(tc, has_privileges_and_file);
	tcase_add_test(tc, knobs_checked_and_reset);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
