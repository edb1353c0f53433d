#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iamctl.h"
#include "output.h"
#include "parse.h"

#define OUT_MAX_COLS 12
#define OUT_CELL_MAX 1024
#define OUT_VALUE_MAX 16384

struct json_object *out_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

const char *out_get_str(struct json_object *obj, const char *key)
{
	struct json_object *v = out_get(obj, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

long long out_get_int(struct json_object *obj, const char *key)
{
	struct json_object *v = out_get(obj, key);

	return json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v) : 0;
}

void out_time(long long t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(out, outsz, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
		snprintf(out, outsz, "-");
}

/* Relative times are rounded so that they read at a glance: seconds under
 * a minute, minutes under a day, hours beyond. */
void out_relative(long long t, char *out, size_t outsz)
{
	long long d = t - (long long)time(NULL);
	long long mag = d < 0 ? -d : d;
	char text[32];

	if (mag >= 86400)
		mag = (mag + 1800) / 3600 * 3600;
	else if (mag >= 60)
		mag = (mag + 30) / 60 * 60;
	iam_format_duration(mag, text, sizeof(text));
	if (d == 0)
		snprintf(out, outsz, "now");
	else
		snprintf(out, outsz, d > 0 ? "in %s" : "%s ago", text);
}

void out_when(long long t, char *out, size_t outsz)
{
	char abs[32], rel[48];

	if (t <= 0) {
		snprintf(out, outsz, "-");
		return;
	}
	out_time(t, abs, sizeof(abs));
	out_relative(t, rel, sizeof(rel));
	snprintf(out, outsz, "%s (%s)", abs, rel);
}

void out_list(struct json_object *arr, char *out, size_t outsz)
{
	size_t i, n, len = 0;

	out[0] = '\0';
	n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	for (i = 0; i < n && len < outsz; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));

		len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", s ? s : "");
	}
	if (n == 0)
		snprintf(out, outsz, "-");
}

static void format_scalar(const struct out_field *f, struct json_object *v, char *out,
			  size_t outsz)
{
	long long i = (long long)json_object_get_int64(v);

	switch (f->kind) {
	case OUT_BOOL:
		snprintf(out, outsz, "%s", json_object_get_boolean(v) ? "yes" : "no");
		break;
	case OUT_TIME:
		out_time(i, out, outsz);
		break;
	case OUT_WHEN:
		out_when(i, out, outsz);
		break;
	case OUT_DURATION:
		iam_format_duration(i, out, outsz);
		break;
	case OUT_LIST:
		out_list(v, out, outsz);
		break;
	default:
		snprintf(out, outsz, "%s", json_object_get_string(v));
		break;
	}
}

/* Replaces C0, DEL and the UTF-8 encodings of C1 controls with '?'. */
static void sanitise(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
	}
}

const char *out_safe(const char *s, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s", s ? s : "-");
	sanitise(out);
	return out;
}

static void format_field(const struct out_field *f, struct json_object *obj, char *out,
			 size_t outsz)
{
	struct json_object *v = f->key ? out_get(obj, f->key) : NULL;

	if (f->kind == OUT_FN)
		f->fn(obj, out, outsz);
	else if (!v)
		snprintf(out, outsz, "-");
	else
		format_scalar(f, v, out, outsz);
	if (!out[0])
		snprintf(out, outsz, "-");
	sanitise(out);
}

void out_show(const struct out_field *fields, size_t n, struct json_object *obj)
{
	static char value[OUT_VALUE_MAX];
	size_t i, width = 0;

	for (i = 0; i < n; i++)
		if (strlen(fields[i].label) > width)
			width = strlen(fields[i].label);
	for (i = 0; i < n; i++) {
		format_field(&fields[i], obj, value, sizeof(value));
		printf("%s:%*s %s\n", fields[i].label,
		       (int)(width - strlen(fields[i].label)), "", value);
	}
}

/* Terminal columns of UTF-8 text, counting each code point as one. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void print_row(char **cells, size_t n, const size_t *width)
{
	size_t j;

	for (j = 0; j < n; j++) {
		if (j + 1 < n)
			printf("%s%*s  ", cells[j], (int)(width[j] - text_width(cells[j])), "");
		else
			printf("%s\n", cells[j]);
	}
}

static void free_cells(char **cells, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(cells[i]);
	free(cells);
}

/* Row 0 is the header. NULL on allocation failure. */
static char **build_cells(const struct out_field *cols, size_t n, struct json_object *array,
			  size_t rows)
{
	char **cells = calloc((rows + 1) * n, sizeof(*cells));
	char cell[OUT_CELL_MAX];
	size_t i, j;

	for (i = 0; cells && i <= rows; i++) {
		for (j = 0; j < n; j++) {
			if (i == 0)
				snprintf(cell, sizeof(cell), "%s", cols[j].label);
			else
				format_field(&cols[j], json_object_array_get_idx(array, i - 1),
					     cell, sizeof(cell));
			cells[i * n + j] = strdup(cell);
			if (!cells[i * n + j]) {
				free_cells(cells, (rows + 1) * n);
				return NULL;
			}
		}
	}
	return cells;
}

int out_table(struct cli_ctx *c, const struct out_field *cols, size_t n,
	      struct json_object *array)
{
	size_t width[OUT_MAX_COLS] = { 0 };
	size_t rows = json_object_is_type(array, json_type_array) ?
		      json_object_array_length(array) : 0;
	char **cells;
	size_t i, j;

	if (n == 0 || n > OUT_MAX_COLS)
		return cli_fail(c, CLI_EXIT_FAILED, "a table of %zu columns", n);
	cells = build_cells(cols, n, array, rows);
	if (!cells)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	for (i = 0; i <= rows; i++)
		for (j = 0; j < n; j++)
			if (text_width(cells[i * n + j]) > width[j])
				width[j] = text_width(cells[i * n + j]);
	for (i = 0; i <= rows; i++)
		print_row(cells + i * n, n, width);
	free_cells(cells, (rows + 1) * n);
	return CLI_EXIT_OK;
}

int out_json(struct cli_ctx *c, struct json_object *obj)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text = json_object_to_json_string_ext(obj, flags);

	if (!text)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	printf("%s\n", text);
	return CLI_EXIT_OK;
}

void out_note(const struct cli_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet || c->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}
