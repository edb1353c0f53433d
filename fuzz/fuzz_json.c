/*
 * iam_json_parse, then iam_json_map with a table of every kind, both
 * leniently and with IAM_JMAP_REJECT_UNKNOWN, on the document, on a nested
 * object and on the elements of an array. What parses must survive json-c's
 * own serialisation and parse again to an equal value; what maps must obey
 * the table; what fails to map must leave nothing behind.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ELEMENTS 16

struct rec {
	char *name;
	char *note;
	int64_t count;
	int64_t any;
	int flag;
	struct json_object *obj;
	struct json_object *list;
};

#define F(n, k, field, flags, maxlen, lo, hi) \
	{ n, k, offsetof(struct rec, field), flags, maxlen, lo, hi }

static const struct iam_json_field fields[] = {
	F("name", IAM_J_STRING, name, IAM_JF_REQUIRED, 32, 0, 0),
	F("note", IAM_J_STRING, note, IAM_JF_NULLABLE, 0, 0, 0),
	F("count", IAM_J_INT64, count, 0, 0, -5, 1000),
	F("any", IAM_J_INT64, any, IAM_JF_NULLABLE, 0, 0, 0),
	F("flag", IAM_J_BOOL, flag, 0, 0, 0, 0),
	F("obj", IAM_J_OBJECT, obj, 0, 0, 0, 0),
	F("list", IAM_J_ARRAY, list, IAM_JF_NULLABLE, 0, 0, 0),
};

static void check_mapped(const struct rec *r)
{
	FUZZ_CHECK(r->name && strlen(r->name) <= 32);
	FUZZ_CHECK(!r->note || strlen(r->note) <= 4096);
	FUZZ_CHECK(r->count >= -5 && r->count <= 1000);
	FUZZ_CHECK(r->any != INT64_MIN && r->any != INT64_MAX);
	FUZZ_CHECK(r->flag == 0 || r->flag == 1);
	FUZZ_CHECK(!r->obj || json_object_is_type(r->obj, json_type_object));
	FUZZ_CHECK(!r->list || json_object_is_type(r->list, json_type_array));
}

static void check_cleared(const struct rec *r)
{
	FUZZ_CHECK(!r->name && !r->note && !r->obj && !r->list);
}

static void map_one(struct json_object *obj, unsigned flags, int nest)
{
	struct iam_err err = { "" };
	const char *bad = NULL;
	struct rec r;

	memset(&r, 0, sizeof(r));
	if (iam_json_map_ex(obj, fields, N(fields), flags, &r, &bad, &err) < 0) {
		check_cleared(&r);
		FUZZ_CHECK(err.msg[0] != '\0');
		if (bad)
			FUZZ_CHECK(strlen(bad) < 1u << 20);
		return;
	}
	FUZZ_CHECK(bad == NULL);
	check_mapped(&r);
	if (nest && r.obj)
		map_one(r.obj, flags, 0);
	iam_json_map_free(fields, N(fields), &r);
	check_cleared(&r);
}

static void map_all(struct json_object *obj)
{
	size_t i, n;

	map_one(obj, 0, 1);
	map_one(obj, IAM_JMAP_REJECT_UNKNOWN, 1);
	if (!json_object_is_type(obj, json_type_array))
		return;
	n = json_object_array_length(obj);
	for (i = 0; i < n && i < MAX_ELEMENTS; i++)
		map_one(json_object_array_get_idx(obj, i), 0, 0);
}

/* json-c writes what we accept in a form we accept again. */
static void check_reparse(struct json_object *obj)
{
	struct iam_err err = { "" };
	struct json_object *again = NULL;
	size_t len = 0;
	const char *text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);

	FUZZ_CHECK(text != NULL);
	if (iam_json_parse(text, len, &again, &err) != 0) {
		fprintf(stderr, "re-parse of %.200s failed: %s\n", text, err.msg);
		abort();
	}
	FUZZ_CHECK(json_object_equal(obj, again));
	json_object_put(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_err err = { "" };
	struct json_object *obj = NULL;

	if (iam_json_parse((const char *)data, size, &obj, &err) != 0) {
		FUZZ_CHECK(obj == NULL);
		FUZZ_CHECK(strncmp(err.msg, "invalid JSON", 12) == 0);
		return 0;
	}
	FUZZ_CHECK(obj != NULL);
	map_all(obj);
	check_reparse(obj);
	json_object_put(obj);
	return 0;
}
