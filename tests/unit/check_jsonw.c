/*
 * Unit tests for jsonw.c: the writer's text must be exactly what jansson
 * dumps for the same document, compact and indented, escapes included,
 * since readers of status.json and state.json saw jansson's text before.
 */
#include "autoconf.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

static const char *const strings[] = {
	"plain", "", "quote \" and backslash \\", "tab\tnewline\nreturn\r",
	"\b\f\x01\x1f end", "caf\xc3\xa9 \xe2\x82\xac", "slash / stays"
};

/* The same document through jsonw and through jansson. */
static void
build(struct jsonw *w, json_t **doc)
{
	json_t	*arr, *obj, *inner;
	size_t	 i;

	*doc = json_object();
	jsonw_object(w);
	jsonw_key(w, "version");
	jsonw_int(w, 1);
	json_object_set_new(*doc, "version", json_integer(1));
	jsonw_key(w, "negative");
	jsonw_int(w, INT64_MIN);
	json_object_set_new(*doc, "negative", json_integer(INT64_MIN));
	jsonw_key(w, "flags");
	jsonw_array(w);
	jsonw_bool(w, true);
	jsonw_bool(w, false);
	jsonw_null(w);
	jsonw_string(w, NULL);
	jsonw_end(w, ']');
	json_object_set_new(*doc, "flags", json_pack("[b,b,n,n]", 1, 0));
	jsonw_key(w, "empty_array");
	jsonw_array(w);
	jsonw_end(w, ']');
	json_object_set_new(*doc, "empty_array", json_array());
	jsonw_key(w, "empty_object");
	jsonw_object(w);
	jsonw_end(w, '}');
	json_object_set_new(*doc, "empty_object", json_object());
	jsonw_key(w, "strings");
	jsonw_array(w);
	arr = json_array();
	for (i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		jsonw_string(w, strings[i]);
		json_array_append_new(arr, json_string(strings[i]));
	}
	jsonw_end(w, ']');
	json_object_set_new(*doc, "strings", arr);
	jsonw_key(w, "nested \"key\"");
	jsonw_array(w);
	arr = json_array();
	for (i = 0; i < 2; i++) {
		jsonw_object(w);
		jsonw_key(w, "i");
		jsonw_int(w, (int64_t)i);
		jsonw_key(w, "inner");
		jsonw_object(w);
		jsonw_key(w, "k");
		jsonw_raw(w, "{\"raw\":[1,2]}");
		jsonw_end(w, '}');
		jsonw_end(w, '}');
		inner = json_pack("{s:{s:[i,i]}}", "k", "raw", 1, 2);
		obj = json_pack("{s:I, s:o}", "i", (json_int_t)i, "inner",
		    inner);
		json_array_append_new(arr, obj);
	}
	jsonw_end(w, ']');
	json_object_set_new(*doc, "nested \"key\"", arr);
	jsonw_end(w, '}');
}

START_TEST(compact_matches_jansson)
{
	struct jsonw	 w;
	json_t		*doc;
	char		*mine, *theirs;

	jsonw_init(&w, false);
	build(&w, &doc);
	mine = jsonw_finish(&w);
	theirs = json_dumps(doc, JSON_COMPACT);
	ck_assert_str_eq(mine, theirs);
	free(mine);
	free(theirs);
	json_decref(doc);
}
END_TEST

/* Indented, except that raw text stays as it came. */
START_TEST(indented_matches_jansson)
{
	struct jsonw	 w;
	json_t		*doc, *back;
	json_error_t	 err;
	char		*mine, *theirs;

	jsonw_init(&w, true);
	build(&w, &doc);
	mine = jsonw_finish(&w);
	back = json_loads(mine, 0, &err);
	ck_assert_msg(back != NULL, "%s", err.text);
	ck_assert(json_equal(back, doc));
	theirs = json_dumps(doc, JSON_INDENT(2));
	ck_assert_ptr_nonnull(strstr(theirs, "\"version\": 1,\n  \"negative\""));
	ck_assert_ptr_nonnull(strstr(mine, "\"version\": 1,\n  \"negative\""));
	ck_assert_ptr_nonnull(strstr(mine, "\"empty_array\": [],\n"));
	ck_assert_ptr_nonnull(strstr(mine, "\"empty_object\": {},\n"));
	ck_assert_ptr_nonnull(strstr(mine,
	    "\"flags\": [\n    true,\n    false,\n    null,\n    null\n  ],"));
	/* The escapes, up to the member with raw text, byte for byte. */
	ck_assert_int_eq(strncmp(strstr(mine, "\"strings\""),
	    strstr(theirs, "\"strings\""), (size_t)(strstr(theirs,
	    "\"nested") - strstr(theirs, "\"strings\""))), 0);
	free(mine);
	free(theirs);
	json_decref(back);
	json_decref(doc);
}
END_TEST

/* Everything but raw text is laid out exactly as jansson does. */
START_TEST(indented_is_jansson_text)
{
	struct jsonw	 w;
	json_t		*doc;
	char		*mine, *theirs;
	size_t		 i;

	jsonw_init(&w, true);
	doc = json_object();
	jsonw_object(&w);
	jsonw_key(&w, "list");
	jsonw_array(&w);
	for (i = 0; i < 3; i++) {
		jsonw_object(&w);
		jsonw_key(&w, "name");
		jsonw_string(&w, strings[i]);
		jsonw_key(&w, "n");
		jsonw_int(&w, (int64_t)i - 1);
		jsonw_key(&w, "none");
		jsonw_null(&w);
		jsonw_end(&w, '}');
	}
	jsonw_end(&w, ']');
	jsonw_key(&w, "last");
	jsonw_bool(&w, true);
	jsonw_end(&w, '}');
	json_object_set_new(doc, "list", json_array());
	for (i = 0; i < 3; i++)
		json_array_append_new(json_object_get(doc, "list"),
		    json_pack("{s:s, s:I, s:n}", "name", strings[i], "n",
		    (json_int_t)i - 1, "none"));
	json_object_set_new(doc, "last", json_true());
	mine = jsonw_finish(&w);
	theirs = json_dumps(doc, JSON_INDENT(2));
	ck_assert_str_eq(mine, theirs);
	free(mine);
	free(theirs);
	json_decref(doc);
}
END_TEST

static Suite *
jsonw_suite(void)
{
	Suite	*s = suite_create("jsonw");
	TCase	*tc = tcase_create("jsonw");

	tcase_add_test(tc, compact_matches_jansson);
	tcase_add_test(tc, indented_matches_jansson);
	tcase_add_test(tc, indented_is_jansson_text);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(jsonw_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
