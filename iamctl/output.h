/*
 * Human output: "key: value" blocks for one object, aligned tables for
 * lists, UTC times with a relative hint, and the --json switch. Text from
 * the endpoint is printed with control characters replaced, so an answer
 * can never drive the terminal.
 */
#ifndef IAMCTL_OUTPUT_H
#define IAMCTL_OUTPUT_H

#include <stddef.h>
#include <json-c/json.h>

#include "ctx.h"

enum out_kind {
	OUT_STR,      /* string; null or absent: "-" */
	OUT_INT,
	OUT_BOOL,     /* "yes" / "no" */
	OUT_TIME,     /* "2026-11-29 14:05:00Z"; 0 or null: "-" */
	OUT_WHEN,     /* the same plus "(in 55m)" or "(3h ago)" */
	OUT_DURATION, /* "1h30m" */
	OUT_LIST,     /* array of strings: "a, b"; empty: "-" */
	OUT_FN,       /* fn formats from the whole object */
};

struct out_field {
	const char *label;   /* "UID" in a show block, or a column header */
	const char *key;     /* member of the object */
	enum out_kind kind;
	void (*fn)(struct json_object *obj, char *out, size_t outsz);
};

/* A show block: one "Label: value" line per field, values aligned. */
void out_show(const struct out_field *fields, size_t n, struct json_object *obj);
/* A table of the objects in array (NULL: none), with a header. */
int out_table(struct cli_ctx *c, const struct out_field *cols, size_t n,
	      struct json_object *array);

/* Pretty JSON of an answer, for --json. Returns an exit status. */
int out_json(struct cli_ctx *c, struct json_object *obj);

/* A confirmation on stdout, unless --quiet or --json. */
void out_note(const struct cli_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void out_time(long long t, char *out, size_t outsz);
void out_when(long long t, char *out, size_t outsz);
/* The strings of an array joined by ", "; "-" when empty. */
void out_list(struct json_object *arr, char *out, size_t outsz);
/* "in 55m", "3h ago", "now". */
void out_relative(long long t, char *out, size_t outsz);

/* A copy of text from the endpoint fit for the terminal; NULL: "-". */
const char *out_safe(const char *s, char *out, size_t outsz);

/* Member accessors that accept absent and null members. */
const char *out_get_str(struct json_object *obj, const char *key);
long long out_get_int(struct json_object *obj, const char *key);
struct json_object *out_get(struct json_object *obj, const char *key);

#endif
