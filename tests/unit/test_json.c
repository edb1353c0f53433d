/*
 * Unit tests for common/json.c: strict parsing of text from outside and
 * mapping of objects into C structs by a field table. Run under valgrind,
 * the error paths also prove that mapped strings are freed.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define assert_contains(s, sub)                                              \
	do {                                                                 \
		if (!strstr((s), (sub)))                                     \
			fail_msg("\"%s\" does not contain \"%s\"", (s), (sub)); \
	} while (0)

/* ---- parsing ---------------------------------------------------------- */

/* Parses exactly len bytes from a heap copy without a NUL after it, so that
 * valgrind and ASan catch any read past the end. */
static int parse_exact(const char *text, size_t len, struct json_object **out,
		       struct iam_err *err)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	err->msg[0] = '\0';
	r = iam_json_parse(copy, len, out, err);
	free(copy);
	return r;
}

#define PARSE(lit, out, err) parse_exact((lit), sizeof(lit) - 1, (out), (err))

static void expect_rejected(const char *text, size_t len)
{
	struct json_object *obj = (struct json_object *)1;
	struct iam_err err;
	int r = parse_exact(text, len, &obj, &err);

	if (r != -EINVAL)
		fail_msg("accepted invalid JSON (len %zu): %.*s", len, (int)len, text);
	assert_null(obj);
	assert_contains(err.msg, "invalid JSON");
}

#define REJECT(lit) expect_rejected((lit), sizeof(lit) - 1)

static void test_parse_valid(void **state)
{
	static const char *const good[] = {
		"{}", "[]", " {} ", "\t\r\n[ ]\n",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"[0,-0,1,-1,1.5,-2.25e-3,1E+2,6.02e23,9223372036854775807,1e-999,1.7e308]",
		"[\"\",\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9\"]",
		"[\"\\ud83d\\ude00\"]",
		"[\"J\xc3\xbcrgen\",\"\xe2\x82\xac\",\"\xf0\x9f\x98\x80\",\"\xef\xbf\xbd\"]",
		"[\"\x7f\"]",
		/* A scalar is a document too. */
		"1", "-12", "2.5", "\"text\"", "true", "false", " 7 ",
	};
	struct json_object *obj;
	struct iam_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(good); i++) {
		if (parse_exact(good[i], strlen(good[i]), &obj, &err) != 0)
			fail_msg("refused %s: %s", good[i], err.msg);
		assert_non_null(obj);
		json_object_put(obj);
	}

	assert_int_equal(PARSE("{\"n\": 42, \"s\": \"x\\u00e9\"}", &obj, &err), 0);
	assert_true(json_object_is_type(obj, json_type_object));
	assert_int_equal(json_object_get_int64(json_object_object_get(obj, "n")), 42);
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "s")),
			    "x\xc3\xa9");
	json_object_put(obj);

	assert_int_equal(PARSE("true", &obj, &err), 0);
	assert_true(json_object_get_boolean(obj));
	json_object_put(obj);
	assert_int_equal(PARSE("-12", &obj, &err), 0);
	assert_int_equal(json_object_get_int64(obj), -12);
	json_object_put(obj);

	/* Only len bytes count. */
	assert_int_equal(iam_json_parse("{}garbage", 2, &obj, &err), 0);
	json_object_put(obj);
}

static void test_parse_depth(void **state)
{
	char text[2 * (IAM_JSON_MAX_DEPTH + 1)];
	struct json_object *obj;
	struct iam_err err;
	size_t d;

	(void)state;
	for (d = 1; d <= IAM_JSON_MAX_DEPTH + 1; d++) {
		memset(text, '[', d);
		memset(text + d, ']', d);
		if (d <= IAM_JSON_MAX_DEPTH) {
			if (parse_exact(text, 2 * d, &obj, &err) != 0)
				fail_msg("depth %zu refused: %s", d, err.msg);
			json_object_put(obj);
		} else {
			assert_int_equal(parse_exact(text, 2 * d, &obj, &err), -EINVAL);
			assert_contains(err.msg, "nesting too deep");
		}
	}
	/* Objects count as well. */
	REJECT("{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":1}]}]}]}]}]}]}]}]}");
}

static void test_parse_rejects(void **state)
{
	(void)state;
	REJECT("");
	REJECT("   ");
	REJECT("{}x");
	REJECT("{} {}");
	REJECT("[1] 2");
	REJECT("{}\0");
	REJECT("{\"a\":1");
	REJECT("[1,2");
	REJECT("\"abc");
	REJECT("[\"abc\\");
	REJECT("{\"a\"}");
	REJECT("[1,]");
	REJECT("{\"a\":1,}");
	REJECT("{a:1}");
	REJECT("['a']");
	REJECT("{'a':1}");
	REJECT("NaN");
	REJECT("[NaN]");
	REJECT("{\"a\":NaN}");
	REJECT("[Infinity]");
	REJECT("[-Infinity]");
	REJECT("[nan]");
	REJECT("[infinity]");
	REJECT("[1]/*c*/");
	REJECT("/*c*/[1]");
	REJECT("[1,//c\n2]");
	REJECT("# c\n[1]");
	REJECT("[True]");
	REJECT("[NULL]");
	REJECT("[nulL]");
	REJECT("[undefined]");
	REJECT("[01]");
	REJECT("[1.]");
	REJECT("[.5]");
	REJECT("[+1]");
	REJECT("[-]");
	REJECT("[1e]");
	REJECT("[1e+]");
	REJECT("[0x10]");
	REJECT("[1e999]");  /* infinity as a double */
	REJECT("{\"a\":[-1e400]}");
	REJECT("null"); /* json-c has no object for it */
	/* Raw control characters inside strings. */
	REJECT("[\"a\tb\"]");
	REJECT("[\"a\nb\"]");
	REJECT("[\"a\rb\"]");
	REJECT("[\"\x01\"]");
	REJECT("[\"\x1f\"]");
	REJECT("[\"a\0b\"]");
	REJECT("{\"k\tey\":1}");
	/* Whitespace JSON does not know. */
	REJECT("[1,\f2]");
	REJECT("[1,\v2]");
	REJECT("\xc2\xa0[]");
	/* Invalid UTF-8. */
	REJECT("[\"\xff\"]");
	REJECT("[\"\xfe\"]");
	REJECT("[\"\x80\"]");
	REJECT("[\"\xc3\"]");
	REJECT("[\"\xc3(\"]");
	REJECT("[\"\xc0\x80\"]");             /* overlong NUL */
	REJECT("[\"\xc0\xae\"]");             /* overlong '.' */
	REJECT("[\"\xe0\x80\xaf\"]");         /* overlong '/' */
	REJECT("[\"\xf0\x80\x80\xaf\"]");     /* overlong '/' */
	REJECT("[\"\xed\xa0\x80\"]");         /* UTF-16 surrogate */
	REJECT("[\"\xf4\x90\x80\x80\"]");     /* beyond U+10FFFF */
	REJECT("[\"\xf5\x80\x80\x80\"]");
	REJECT("[\"\xe2\x82\"]");             /* truncated sequence */
	REJECT("{\"\xff\":1}");
	REJECT("\xef\xbb\xbf[]");             /* a byte order mark */
	/* Bad escapes. */
	REJECT("[\"\\x41\"]");
	REJECT("[\"\\u00g1\"]");
	REJECT("[\"\\a\"]");
}

static void test_parse_large(void **state)
{
	struct json_object *obj = (struct json_object *)1;
	struct iam_err err = { "" };

	(void)state;
	assert_int_equal(iam_json_parse("{}", (size_t)INT32_MAX + 1, &obj, &err), -EFBIG);
	assert_null(obj);
}

/* ---- mapping ---------------------------------------------------------- */

struct rec {
	char *name;
	char *note;
	int64_t count;
	int active;
	struct json_object *meta;
	struct json_object *tags;
	int64_t big;
};

#define F(n, k, field, flags, maxlen, lo, hi) \
	{ n, k, offsetof(struct rec, field), flags, maxlen, lo, hi }

static const struct iam_json_field fields[] = {
	F("name", IAM_J_STRING, name, IAM_JF_REQUIRED, 16, 0, 0),
	F("note", IAM_J_STRING, note, IAM_JF_NULLABLE, 0, 0, 0),
	F("count", IAM_J_INT64, count, IAM_JF_REQUIRED, 0, 0, 1000),
	F("active", IAM_J_BOOL, active, 0, 0, 0, 0),
	F("meta", IAM_J_OBJECT, meta, 0, 0, 0, 0),
	F("tags", IAM_J_ARRAY, tags, 0, 0, 0, 0),
	F("big", IAM_J_INT64, big, IAM_JF_NULLABLE, 0, 0, 0),
};

/* Parses text and maps it into r (zeroed first, big preset to 7). */
static int map_text(const char *text, unsigned flags, struct rec *r,
		    const char **bad_field, struct json_object **obj, struct iam_err *err)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->big = 7;
	err->msg[0] = '\0';
	if (iam_json_parse(text, strlen(text), obj, err) != 0)
		fail_msg("test input is not JSON: %s (%s)", text, err->msg);
	*bad_field = "untouched";
	ret = iam_json_map_ex(*obj, fields, N(fields), flags, r, bad_field, err);
	return ret;
}

static void test_map_every_kind(void **state)
{
	static const char text[] =
		"{\"name\":\"alice\",\"note\":\"on call\",\"count\":42,\"active\":true,"
		"\"meta\":{\"k\":9},\"tags\":[\"a\",\"b\"],\"big\":-9007199254740993,"
		"\"ignored\":\"by default\"}";
	struct json_object *obj;
	struct iam_err err;
	const char *bad;
	struct rec r;

	(void)state;
	assert_int_equal(map_text(text, 0, &r, &bad, &obj, &err), 0);
	assert_null(bad);
	assert_string_equal(r.name, "alice");
	assert_string_equal(r.note, "on call");
	assert_true(r.count == 42);
	assert_int_equal(r.active, 1);
	assert_non_null(r.meta);
	assert_int_equal(json_object_get_int(json_object_object_get(r.meta, "k")), 9);
	assert_non_null(r.tags);
	assert_int_equal(json_object_array_length(r.tags), 2);
	assert_true(r.big == -9007199254740993LL);
	/* Objects and arrays are borrowed from the parent. */
	assert_ptr_equal(r.meta, json_object_object_get(obj, "meta"));

	iam_json_map_free(fields, N(fields), &r);
	assert_null(r.name);
	assert_null(r.note);
	assert_null(r.meta);
	assert_null(r.tags);
	json_object_put(obj);

	/* Optional fields may be absent; they keep what dst held. */
	assert_int_equal(map_text("{\"name\":\"bob\",\"count\":0,\"active\":false}", 0, &r,
				  &bad, &obj, &err), 0);
	assert_string_equal(r.name, "bob");
	assert_null(r.note);
	assert_true(r.count == 0);
	assert_int_equal(r.active, 0);
	assert_null(r.meta);
	assert_true(r.big == 7);
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
}

static void test_map_required(void **state)
{
	struct json_object *obj;
	struct iam_err err;
	const char *bad;
	struct rec r;

	(void)state;
	assert_int_equal(map_text("{\"name\":\"alice\",\"note\":\"x\"}", 0, &r, &bad, &obj,
				  &err), -EINVAL);
	assert_string_equal(bad, "count");
	assert_string_equal(err.msg, "missing field 'count'");
	/* What was mapped before the error is freed again. */
	assert_null(r.name);
	assert_null(r.note);
	json_object_put(obj);

	assert_int_equal(map_text("{\"count\":1}", 0, &r, &bad, &obj, &err), -EINVAL);
	assert_string_equal(bad, "name");
	json_object_put(obj);
}

static void test_map_wrong_types(void **state)
{
	static const struct {
		const char *text, *field, *expect;
	} bad[] = {
		{ "{\"name\":1,\"count\":1}", "name", "must be a string" },
		{ "{\"name\":[\"x\"],\"count\":1}", "name", "must be a string" },
		{ "{\"name\":true,\"count\":1}", "name", "must be a string" },
		{ "{\"name\":\"a\",\"count\":\"42\"}", "count", "must be an integer" },
		{ "{\"name\":\"a\",\"count\":4.0}", "count", "must be an integer" },
		{ "{\"name\":\"a\",\"count\":1e2}", "count", "must be an integer" },
		{ "{\"name\":\"a\",\"count\":true}", "count", "must be an integer" },
		{ "{\"name\":\"a\",\"count\":1,\"active\":\"true\"}", "active",
		  "must be true or false" },
		{ "{\"name\":\"a\",\"count\":1,\"active\":1}", "active", "must be true or false" },
		{ "{\"name\":\"a\",\"count\":1,\"meta\":[]}", "meta", "must be an object" },
		{ "{\"name\":\"a\",\"count\":1,\"meta\":\"{}\"}", "meta", "must be an object" },
		{ "{\"name\":\"a\",\"count\":1,\"tags\":{}}", "tags", "must be an array" },
		{ "{\"name\":\"a\",\"count\":1,\"note\":5}", "note", "must be a string" },
	};
	struct json_object *obj;
	struct iam_err err;
	const char *field;
	struct rec r;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		if (map_text(bad[i].text, 0, &r, &field, &obj, &err) != -EINVAL)
			fail_msg("mapped %s", bad[i].text);
		assert_non_null(field);
		assert_string_equal(field, bad[i].field);
		assert_contains(err.msg, bad[i].field);
		assert_contains(err.msg, bad[i].expect);
		assert_null(r.name);
		assert_null(r.note);
		json_object_put(obj);
	}
}

static void test_map_null(void **state)
{
	struct json_object *obj;
	struct iam_err err;
	const char *bad;
	struct rec r;

	(void)state;
	/* Nullable: null leaves the default. */
	assert_int_equal(map_text("{\"name\":\"a\",\"count\":1,\"note\":null,\"big\":null}", 0,
				  &r, &bad, &obj, &err), 0);
	assert_null(r.note);
	assert_true(r.big == 7);
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
	/* Not nullable: null is an error, also for optional fields. */
	assert_int_equal(map_text("{\"name\":null,\"count\":1}", 0, &r, &bad, &obj, &err),
			 -EINVAL);
	assert_string_equal(bad, "name");
	assert_string_equal(err.msg, "field 'name' must be a string, not null");
	json_object_put(obj);
	assert_int_equal(map_text("{\"name\":\"a\",\"count\":1,\"active\":null}", 0, &r, &bad,
				  &obj, &err), -EINVAL);
	assert_string_equal(bad, "active");
	assert_contains(err.msg, "not null");
	assert_null(r.name);
	json_object_put(obj);
}

static void test_map_strings(void **state)
{
	char text[4200 + 64], note[4098];
	struct json_object *obj;
	struct iam_err err;
	const char *bad;
	struct rec r;

	(void)state;
	/* maxlen 16: 16 bytes fit, 17 do not; bytes, not characters. */
	assert_int_equal(map_text("{\"name\":\"abcdefghijklmnop\",\"count\":1}", 0, &r, &bad,
				  &obj, &err), 0);
	assert_string_equal(r.name, "abcdefghijklmnop");
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
	assert_int_equal(map_text("{\"name\":\"abcdefghijklmnopq\",\"count\":1}", 0, &r, &bad,
				  &obj, &err), -EINVAL);
	assert_string_equal(bad, "name");
	assert_string_equal(err.msg, "field 'name' is longer than 16 bytes");
	json_object_put(obj);
	assert_int_equal(map_text("{\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
				  "\\u00e9\\u00e9\",\"count\":1}", 0, &r, &bad, &obj, &err), -EINVAL);
	json_object_put(obj);

	/* maxlen 0 means 4096. */
	memset(note, 'n', 4096);
	note[4096] = '\0';
	snprintf(text, sizeof(text), "{\"name\":\"a\",\"count\":1,\"note\":\"%s\"}", note);
	assert_int_equal(map_text(text, 0, &r, &bad, &obj, &err), 0);
	assert_int_equal(strlen(r.note), 4096);
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
	note[4096] = 'n';
	note[4097] = '\0';
	snprintf(text, sizeof(text), "{\"name\":\"a\",\"count\":1,\"note\":\"%s\"}", note);
	assert_int_equal(map_text(text, 0, &r, &bad, &obj, &err), -EINVAL);
	assert_string_equal(bad, "note");
	assert_null(r.name);
	json_object_put(obj);

	/* An embedded NUL would cut the C string short. */
	assert_int_equal(map_text("{\"name\":\"adm\\u0000in\",\"count\":1}", 0, &r, &bad, &obj,
				  &err), -EINVAL);
	assert_string_equal(bad, "name");
	assert_contains(err.msg, "NUL");
	json_object_put(obj);
	assert_int_equal(map_text("{\"name\":\"\\u0000\",\"count\":1}", 0, &r, &bad, &obj,
				  &err), -EINVAL);
	json_object_put(obj);
}

static void test_map_int_bounds(void **state)
{
	static const struct {
		const char *count;
		int ok;
	} counts[] = {
		{ "0", 1 }, { "1000", 1 }, { "-0", 1 }, { "-1", 0 }, { "1001", 0 },
		{ "99999999999999999999", 0 }, { "-99999999999999999999", 0 },
		{ "18446744073709551615", 0 }, { "9223372036854775807", 0 },
	};
	static const struct {
		const char *big;
		int ok;
		int64_t value;
	} bigs[] = {
		{ "9223372036854775806", 1, INT64_MAX - 1 },
		{ "-9223372036854775807", 1, INT64_MIN + 1 },
		{ "9223372036854775807", 0, 0 },
		{ "-9223372036854775808", 0, 0 },
		{ "9223372036854775808", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "-99999999999999999999", 0, 0 },
	};
	char text[128];
	struct json_object *obj;
	struct iam_err err;
	const char *bad;
	struct rec r;
	size_t i;

	(void)state;
	for (i = 0; i < N(counts); i++) {
		snprintf(text, sizeof(text), "{\"name\":\"a\",\"count\":%s}", counts[i].count);
		if ((map_text(text, 0, &r, &bad, &obj, &err) == 0) != counts[i].ok)
			fail_msg("count %s: wrong verdict (%s)", counts[i].count, err.msg);
		if (!counts[i].ok) {
			assert_string_equal(bad, "count");
			assert_true(strstr(err.msg, "between 0 and 1000") ||
				    strstr(err.msg, "out of range"));
		}
		iam_json_map_free(fields, N(fields), &r);
		json_object_put(obj);
	}
	for (i = 0; i < N(bigs); i++) {
		snprintf(text, sizeof(text), "{\"name\":\"a\",\"count\":1,\"big\":%s}", bigs[i].big);
		if ((map_text(text, 0, &r, &bad, &obj, &err) == 0) != bigs[i].ok)
			fail_msg("big %s: wrong verdict (%s)", bigs[i].big, err.msg);
		if (bigs[i].ok)
			assert_true(r.big == bigs[i].value);
		else
			assert_string_equal(err.msg, "field 'big' is out of range");
		iam_json_map_free(fields, N(fields), &r);
		json_object_put(obj);
	}
}

static void test_map_reject_unknown(void **state)
{
	static const char text[] = "{\"name\":\"a\",\"count\":1,\"isAdmin\":true}";
	struct json_object *obj;
	struct iam_err err;
	const char *bad;
	struct rec r;

	(void)state;
	assert_int_equal(map_text(text, IAM_JMAP_REJECT_UNKNOWN, &r, &bad, &obj, &err), -EINVAL);
	assert_non_null(bad);
	assert_string_equal(bad, "isAdmin");
	assert_string_equal(err.msg, "unknown field 'isAdmin'");
	assert_null(r.name);
	json_object_put(obj);
	/* Without the flag, unknown fields are ignored. */
	assert_int_equal(map_text(text, 0, &r, &bad, &obj, &err), 0);
	assert_string_equal(r.name, "a");
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
	/* Known fields only: fine with the flag. */
	assert_int_equal(map_text("{\"name\":\"a\",\"count\":1}", IAM_JMAP_REJECT_UNKNOWN, &r,
				  &bad, &obj, &err), 0);
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
}

static void test_map_not_object(void **state)
{
	struct json_object *obj;
	struct iam_err err = { "" };
	const char *bad = "untouched";
	struct rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(iam_json_map_ex(NULL, fields, N(fields), 0, &r, &bad, &err), -EINVAL);
	assert_null(bad);
	assert_string_equal(err.msg, "expected a JSON object");
	assert_int_equal(PARSE("[{\"name\":\"a\",\"count\":1}]", &obj, &err), 0);
	bad = "untouched";
	assert_int_equal(iam_json_map_ex(obj, fields, N(fields), 0, &r, &bad, &err), -EINVAL);
	assert_null(bad);
	/* The plain form behaves the same without bad_field. */
	assert_int_equal(iam_json_map(obj, fields, N(fields), 0, &r, &err), -EINVAL);
	json_object_put(obj);
	assert_int_equal(PARSE("{\"name\":\"z\",\"count\":3}", &obj, &err), 0);
	assert_int_equal(iam_json_map(obj, fields, N(fields), 0, &r, &err), 0);
	assert_string_equal(r.name, "z");
	assert_true(r.count == 3);
	iam_json_map_free(fields, N(fields), &r);
	json_object_put(obj);
}

static void test_add_helpers(void **state)
{
	struct json_object *obj = json_object_new_object();

	(void)state;
	assert_non_null(obj);
	assert_int_equal(iam_json_add_str(obj, "user", "alice"), 0);
	assert_int_equal(iam_json_add_str(obj, "absent", NULL), 0);
	assert_int_equal(iam_json_add_int(obj, "uid", 200001), 0);
	assert_int_equal(iam_json_add_int(obj, "neg", INT64_MIN), 0);
	assert_int_equal(iam_json_add_bool(obj, "mfa", 5), 0);
	assert_string_equal(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN),
			    "{\"user\":\"alice\",\"uid\":200001,"
			    "\"neg\":-9223372036854775808,\"mfa\":true}");
	json_object_put(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_depth),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_large),
		cmocka_unit_test(test_map_every_kind),
		cmocka_unit_test(test_map_required),
		cmocka_unit_test(test_map_wrong_types),
		cmocka_unit_test(test_map_null),
		cmocka_unit_test(test_map_strings),
		cmocka_unit_test(test_map_int_bounds),
		cmocka_unit_test(test_map_reject_unknown),
		cmocka_unit_test(test_map_not_object),
		cmocka_unit_test(test_add_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
