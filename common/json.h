/*
 * JSON on json-c with strict types. Text from outside is parsed strictly
 * (RFC 8259, valid UTF-8, no trailing bytes, bounded depth), and objects are
 * mapped into C structs by a table of fields: a missing required field or a
 * field of the wrong type is an error naming the field, never a crash and
 * never a default that opens a door.
 */
#ifndef IAM_JSON_H
#define IAM_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "iam_error.h"

#define IAM_JSON_MAX_DEPTH 16

/* *out is a new reference the caller puts. -EINVAL on any syntax error. */
int iam_json_parse(const char *text, size_t len, struct json_object **out,
		   struct iam_err *err);

enum iam_json_kind {
	IAM_J_STRING, /* char *, strdup'd; embedded NUL rejected */
	IAM_J_INT64,  /* int64_t; only JSON integers, never strings or floats */
	IAM_J_BOOL,   /* int; only true/false */
	IAM_J_OBJECT, /* struct json_object *, borrowed from the parent */
	IAM_J_ARRAY,  /* struct json_object *, borrowed from the parent */
};

#define IAM_JF_REQUIRED 0x1u /* absent is an error */
#define IAM_JF_NULLABLE 0x2u /* null is accepted and leaves the default */

struct iam_json_field {
	const char *name;
	enum iam_json_kind kind;
	size_t offset;
	unsigned flags;
	size_t maxlen;          /* IAM_J_STRING: max bytes; 0 = 4096 */
	long long min, max;     /* IAM_J_INT64: inclusive bounds; both 0 = any */
};

/* Mapping flags. */
#define IAM_JMAP_REJECT_UNKNOWN 0x1u /* request bodies: a typo is an error */

/* On error, strings already mapped are freed and dst's pointers are NULL. */
int iam_json_map(struct json_object *obj, const struct iam_json_field *fields,
		 size_t n, unsigned flags, void *dst, struct iam_err *err);
/* As iam_json_map, and on error *bad_field (if not NULL) points at the name
 * of the field at fault (a static string or the unknown key's text, valid
 * while obj lives); NULL when the problem is not one field. */
int iam_json_map_ex(struct json_object *obj, const struct iam_json_field *fields,
		    size_t n, unsigned flags, void *dst, const char **bad_field,
		    struct iam_err *err);
/* Frees the strings a mapping allocated. */
void iam_json_map_free(const struct iam_json_field *fields, size_t n, void *dst);

/* Overwrites every string inside o with zeros, for objects that held
 * passwords, codes or tokens, before they are put: json-c frees strings
 * without clearing them. */
void iam_json_wipe(struct json_object *o);

/* Convenience for building bodies: adds only when value != NULL. */
int iam_json_add_str(struct json_object *obj, const char *key, const char *value);
int iam_json_add_int(struct json_object *obj, const char *key, int64_t value);
int iam_json_add_bool(struct json_object *obj, const char *key, int value);

#endif
