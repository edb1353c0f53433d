#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int iam_json_parse(const char *text, size_t len, struct json_object **out,
		   struct iam_err *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;

	*out = NULL;
	if (len > INT_MAX) {
		iam_err_set(err, "JSON text too large");
		return -EFBIG;
	}
	tok = json_tokener_new_ex(IAM_JSON_MAX_DEPTH);
	if (!tok) {
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	/* With STRICT and no ALLOW_TRAILING_CHARS, bytes after the value are an
	 * error; a value cut short reports "continue". */
	if (jerr == json_tokener_success && (size_t)json_tokener_get_parse_end(tok) != len) {
		json_object_put(obj);
		obj = NULL;
		iam_err_set(err, "invalid JSON: trailing bytes after the value");
	} else if (jerr != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
		iam_err_set(err, "invalid JSON: %s",
			    jerr == json_tokener_continue ? "truncated input"
							  : json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);
	if (!obj)
		return -EINVAL;
	*out = obj;
	return 0;
}

#define SLOT(dst, f, type) ((type *)(void *)((char *)(dst) + (f)->offset))

static const char *kind_name(enum iam_json_kind kind)
{
	switch (kind) {
	case IAM_J_STRING: return "a string";
	case IAM_J_INT64: return "an integer";
	case IAM_J_BOOL: return "true or false";
	case IAM_J_OBJECT: return "an object";
	default: return "an array";
	}
}

static int map_string(const struct iam_json_field *f, struct json_object *v,
		      void *dst, struct iam_err *err)
{
	size_t max = f->maxlen ? f->maxlen : 4096;
	int len = json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	char *copy;

	if (len < 0 || strlen(s) != (size_t)len) {
		iam_err_set(err, "field '%s' contains a NUL character", f->name);
		return -EINVAL;
	}
	if ((size_t)len > max) {
		iam_err_set(err, "field '%s' is longer than %zu bytes", f->name, max);
		return -EINVAL;
	}
	copy = strdup(s);
	if (!copy) {
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	*SLOT(dst, f, char *) = copy;
	return 0;
}

static int map_int(const struct iam_json_field *f, struct json_object *v,
		   void *dst, struct iam_err *err)
{
	int64_t i;

	i = json_object_get_int64(v);
	/* json-c clamps integers beyond 64 bits to the extremes; no field
	 * legitimately holds an extreme, so those mean "out of range". */
	if (i == INT64_MAX || i == INT64_MIN) {
		iam_err_set(err, "field '%s' is out of range", f->name);
		return -EINVAL;
	}
	if ((f->min || f->max) && (i < f->min || i > f->max)) {
		iam_err_set(err, "field '%s' must be between %lld and %lld", f->name,
			    f->min, f->max);
		return -EINVAL;
	}
	*SLOT(dst, f, int64_t) = i;
	return 0;
}

static int type_matches(enum iam_json_kind kind, struct json_object *v)
{
	switch (kind) {
	case IAM_J_STRING: return json_object_is_type(v, json_type_string);
	case IAM_J_INT64: return json_object_is_type(v, json_type_int);
	case IAM_J_BOOL: return json_object_is_type(v, json_type_boolean);
	case IAM_J_OBJECT: return json_object_is_type(v, json_type_object);
	default: return json_object_is_type(v, json_type_array);
	}
}

static int map_field(const struct iam_json_field *f, struct json_object *obj,
		     void *dst, struct iam_err *err)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, f->name, &v)) {
		if (f->flags & IAM_JF_REQUIRED) {
			iam_err_set(err, "missing field '%s'", f->name);
			return -EINVAL;
		}
		return 0;
	}
	if (!v) {
		if (f->flags & IAM_JF_NULLABLE)
			return 0;
		iam_err_set(err, "field '%s' must be %s, not null", f->name,
			    kind_name(f->kind));
		return -EINVAL;
	}
	if (!type_matches(f->kind, v)) {
		iam_err_set(err, "field '%s' must be %s", f->name, kind_name(f->kind));
		return -EINVAL;
	}
	switch (f->kind) {
	case IAM_J_STRING: return map_string(f, v, dst, err);
	case IAM_J_INT64: return map_int(f, v, dst, err);
	case IAM_J_BOOL: *SLOT(dst, f, int) = json_object_get_boolean(v) ? 1 : 0; return 0;
	default: *SLOT(dst, f, struct json_object *) = v; return 0;
	}
}

static int check_unknown(struct json_object *obj, const struct iam_json_field *fields,
			 size_t n, const char **bad_field, struct iam_err *err)
{
	json_object_object_foreach(obj, key, val) {
		size_t i;

		(void)val;
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].name, key) == 0)
				break;
		if (i == n) {
			*bad_field = key;
			iam_err_set(err, "unknown field '%.64s'", key);
			return -EINVAL;
		}
	}
	return 0;
}

int iam_json_map_ex(struct json_object *obj, const struct iam_json_field *fields,
		    size_t n, unsigned flags, void *dst, const char **bad_field,
		    struct iam_err *err)
{
	const char *scratch;
	size_t i;
	int r = 0;

	if (!bad_field)
		bad_field = &scratch;
	*bad_field = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		iam_err_set(err, "expected a JSON object");
		return -EINVAL;
	}
	if (flags & IAM_JMAP_REJECT_UNKNOWN)
		r = check_unknown(obj, fields, n, bad_field, err);
	for (i = 0; r == 0 && i < n; i++) {
		r = map_field(&fields[i], obj, dst, err);
		if (r < 0)
			*bad_field = fields[i].name;
	}
	if (r < 0)
		iam_json_map_free(fields, n, dst);
	return r;
}

int iam_json_map(struct json_object *obj, const struct iam_json_field *fields,
		 size_t n, unsigned flags, void *dst, struct iam_err *err)
{
	return iam_json_map_ex(obj, fields, n, flags, dst, NULL, err);
}

void iam_json_map_free(const struct iam_json_field *fields, size_t n, void *dst)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (fields[i].kind == IAM_J_STRING) {
			char **slot = SLOT(dst, &fields[i], char *);

			free(*slot);
			*slot = NULL;
		} else if (fields[i].kind == IAM_J_OBJECT || fields[i].kind == IAM_J_ARRAY) {
			*SLOT(dst, &fields[i], struct json_object *) = NULL;
		}
	}
}

int iam_json_add_str(struct json_object *obj, const char *key, const char *value)
{
	if (!value)
		return 0;
	return json_object_object_add(obj, key, json_object_new_string(value)) ? -ENOMEM : 0;
}

int iam_json_add_int(struct json_object *obj, const char *key, int64_t value)
{
	return json_object_object_add(obj, key, json_object_new_int64(value)) ? -ENOMEM : 0;
}

int iam_json_add_bool(struct json_object *obj, const char *key, int value)
{
	return json_object_object_add(obj, key, json_object_new_boolean(value)) ? -ENOMEM : 0;
}
