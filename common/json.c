#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "secmem.h"

/*
 * json-c's STRICT mode still lets through NaN and Infinity, numbers such as
 * "1.", raw control characters inside strings, and overlong, surrogate or
 * out-of-range UTF-8. This lexical pass refuses all of those before json-c
 * builds anything; json-c then checks the structure. Each lex_* function
 * returns NULL when the token at *pos is fine (and moves *pos past it), or
 * what is wrong with it.
 */

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 when invalid. The
 * allowed range of the second byte rules out overlong forms, UTF-16
 * surrogates and code points beyond U+10FFFF. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static const char *lex_string(const unsigned char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1, n;

	while (i < len && s[i] != '"') {
		if (s[i] < 0x20)
			return "control character inside a string";
		if (s[i] == '\\') {
			/* json-c checks the escapes themselves (and \u's hex). */
			i += 2;
			continue;
		}
		n = utf8_len(s + i, len - i);
		if (n == 0)
			return "invalid UTF-8 in a string";
		i += n;
	}
	/* An unterminated string is left for json-c to call truncated. */
	*pos = i < len ? i + 1 : len;
	return NULL;
}

static size_t skip_digits(const unsigned char *s, size_t len, size_t i)
{
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *lex_number(const unsigned char *s, size_t len, size_t *pos)
{
	size_t i = *pos, start;

	if (s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		i = skip_digits(s, len, i);
	else
		return "malformed number";
	if (i < len && s[i] == '.') {
		start = ++i;
		i = skip_digits(s, len, i);
		if (i == start)
			return "malformed number";
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		start = i;
		i = skip_digits(s, len, i);
		if (i == start)
			return "malformed number";
	}
	*pos = i;
	return NULL;
}

static const char *lex_word(const unsigned char *s, size_t len, size_t *pos)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		if (len - *pos >= n && memcmp(s + *pos, words[i], n) == 0) {
			*pos += n;
			return NULL;
		}
	}
	return "unexpected word (only true, false and null are JSON)";
}

static const char *lex_check(const char *text, size_t len)
{
	static const char structural[] = "{}[]:, \t\r\n";
	const unsigned char *s = (const unsigned char *)text;
	const char *problem = NULL;
	size_t pos = 0;

	while (!problem && pos < len) {
		unsigned char c = s[pos];

		if (c == '"')
			problem = lex_string(s, len, &pos);
		else if (c == '-' || (c >= '0' && c <= '9'))
			problem = lex_number(s, len, &pos);
		else if (c >= 'a' && c <= 'z')
			problem = lex_word(s, len, &pos);
		else if (memchr(structural, c, sizeof(structural) - 1))
			pos++;
		else
			problem = "unexpected character";
	}
	return problem;
}

/* A number or word at the top level ends only where the input ends, and
 * json-c keeps waiting for more until it is handed a NUL. */
static struct json_object *finish_top_level(struct json_tokener *tok,
					    enum json_tokener_error *jerr)
{
	struct json_object *obj = json_tokener_parse_ex(tok, "", 1);

	*jerr = json_tokener_get_error(tok);
	if (*jerr != json_tokener_success) {
		json_object_put(obj);
		*jerr = json_tokener_continue;
		return NULL;
	}
	return obj;
}

/* A number too large for a double becomes infinity, which json-c would
 * write out again as "Infinity": not JSON, so not accepted either. The
 * recursion is bounded by IAM_JSON_MAX_DEPTH. */
static int numbers_finite(struct json_object *obj)
{
	size_t i, n;

	switch (json_object_get_type(obj)) {
	case json_type_double:
		return isfinite(json_object_get_double(obj));
	case json_type_array:
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			if (!numbers_finite(json_object_array_get_idx(obj, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(obj, key, val) {
			(void)key;
			if (!numbers_finite(val))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

static struct json_object *tokenize(struct json_tokener *tok, const char *text,
				    size_t len, struct iam_err *err)
{
	struct json_object *obj;
	enum json_tokener_error jerr;

	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue)
		obj = finish_top_level(tok, &jerr);
	else if (jerr == json_tokener_success &&
		 (size_t)json_tokener_get_parse_end(tok) != len) {
		/* With STRICT and no ALLOW_TRAILING_CHARS json-c should refuse
		 * bytes after the value itself; this is the second lock. */
		json_object_put(obj);
		iam_err_set(err, "invalid JSON: trailing bytes after the value");
		return NULL;
	}
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		iam_err_set(err, "invalid JSON: %s",
			    jerr == json_tokener_continue ? "truncated input"
							  : json_tokener_error_desc(jerr));
		return NULL;
	}
	/* json-c represents null as NULL, which callers would take for "no
	 * object"; a document that is only null carries nothing anyway. */
	if (!obj) {
		iam_err_set(err, "invalid JSON: the document is null");
	} else if (!numbers_finite(obj)) {
		json_object_put(obj);
		obj = NULL;
		iam_err_set(err, "invalid JSON: a number is too large");
	}
	return obj;
}

int iam_json_parse(const char *text, size_t len, struct json_object **out,
		   struct iam_err *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	const char *problem;

	*out = NULL;
	if (len > INT_MAX) {
		iam_err_set(err, "JSON text too large");
		return -EFBIG;
	}
	problem = lex_check(text, len);
	if (problem) {
		iam_err_set(err, "invalid JSON: %s", problem);
		return -EINVAL;
	}
	tok = json_tokener_new_ex(IAM_JSON_MAX_DEPTH);
	if (!tok) {
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = tokenize(tok, text, len, err);
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

void iam_json_wipe(struct json_object *o)
{
	size_t i, n;

	if (json_object_is_type(o, json_type_string)) {
		iam_wipe((void *)(uintptr_t)json_object_get_string(o),
			 (size_t)json_object_get_string_len(o));
	} else if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			iam_json_wipe(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			(void)key;
			iam_json_wipe(val);
		}
	}
}
