#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "parse.h"
#include "safe_file.h"

#define FIELD(dst, key, type) ((type *)(void *)((char *)(dst) + (key)->offset))

static const struct iam_cfg_key *find_key(const struct iam_cfg_key *schema,
					  size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(schema[i].name, name) == 0)
			return &schema[i];
	return NULL;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 1;
	return 0;
}

static int valid_url(const char *s)
{
	const char *host = s + strlen("https://");

	if (strncmp(s, "https://", 8) != 0 || *host == '\0' || *host == '/')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ')
			return 0;
	return 1;
}

static int set_string(const struct iam_cfg_key *key, void *dst, const char *value,
		      struct iam_err *err)
{
	char **slot = FIELD(dst, key, char *);
	char *copy;

	if (has_control(value)) {
		iam_err_set(err, "%s: control characters are not allowed", key->name);
		return -EINVAL;
	}
	if (key->type == IAM_CFG_PATH && value[0] != '/') {
		iam_err_set(err, "%s: expected an absolute path, got '%s'", key->name, value);
		return -EINVAL;
	}
	if (key->type == IAM_CFG_URL && !valid_url(value)) {
		iam_err_set(err, "%s: expected an https:// URL, got '%s'", key->name, value);
		return -EINVAL;
	}
	copy = strdup(value);
	if (!copy) {
		iam_err_set(err, "%s: out of memory", key->name);
		return -ENOMEM;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

static int set_enum(const struct iam_cfg_key *key, void *dst, const char *value,
		    struct iam_err *err)
{
	char expected[256] = "";
	size_t used = 0;
	int i;

	for (i = 0; key->choices[i]; i++) {
		if (strcmp(key->choices[i], value) == 0) {
			*FIELD(dst, key, int) = i;
			return 0;
		}
		used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s%s",
					 i ? ", " : "", key->choices[i]);
		if (used >= sizeof(expected))
			break;
	}
	iam_err_set(err, "%s: expected one of %s, got '%s'", key->name, expected, value);
	return -EINVAL;
}

static const char *unit_hint(enum iam_cfg_type type)
{
	switch (type) {
	case IAM_CFG_MSEC: return "a duration such as 500ms or 2s";
	case IAM_CFG_SECONDS: return "a duration such as 30s, 15m, 12h or 7d";
	case IAM_CFG_SIZE: return "a size such as 4096, 64K or 10M";
	default: return "an integer";
	}
}

static int set_number(const struct iam_cfg_key *key, void *dst, const char *value,
		      struct iam_err *err)
{
	long long v = 0;
	int r;

	switch (key->type) {
	case IAM_CFG_MSEC: r = iam_parse_msec(value, &v); break;
	case IAM_CFG_SECONDS: r = iam_parse_seconds(value, &v); break;
	case IAM_CFG_SIZE: r = iam_parse_size(value, &v); break;
	default: r = iam_parse_ll(value, key->min, key->max, &v); break;
	}
	if (r < 0 || v < key->min || v > key->max) {
		iam_err_set(err, "%s: expected %s between %lld and %lld, got '%s'",
			    key->name, unit_hint(key->type), key->min, key->max, value);
		return -EINVAL;
	}
	*FIELD(dst, key, long long) = v;
	return 0;
}

static int set_value(const struct iam_cfg_key *key, void *dst, const char *value,
		     struct iam_err *err)
{
	int b;

	switch (key->type) {
	case IAM_CFG_STR:
	case IAM_CFG_PATH:
	case IAM_CFG_URL:
		return set_string(key, dst, value, err);
	case IAM_CFG_BOOL:
		if (iam_parse_bool(value, &b) < 0) {
			iam_err_set(err, "%s: expected yes or no, got '%s'", key->name, value);
			return -EINVAL;
		}
		*FIELD(dst, key, int) = b;
		return 0;
	case IAM_CFG_ENUM:
		return set_enum(key, dst, value, err);
	default:
		return set_number(key, dst, value, err);
	}
}

int iam_cfg_set(const struct iam_cfg_key *schema, size_t n, void *dst,
		const char *key, const char *value, struct iam_err *err)
{
	const struct iam_cfg_key *k = find_key(schema, n, key);

	if (!k) {
		iam_err_set(err, "unknown key '%s'", key);
		return -ENOENT;
	}
	return set_value(k, dst, value, err);
}

int iam_cfg_defaults(const struct iam_cfg_key *schema, size_t n, void *dst,
		     struct iam_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		const struct iam_cfg_key *k = &schema[i];

		if (k->defval) {
			r = set_value(k, dst, k->defval, err);
			if (r < 0)
				return r;
		} else if (k->type == IAM_CFG_STR || k->type == IAM_CFG_PATH ||
			   k->type == IAM_CFG_URL) {
			char **slot = FIELD(dst, k, char *);

			free(*slot);
			*slot = NULL;
		}
	}
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* A value may be written in double quotes to keep surrounding spaces. */
static char *unquote(char *v)
{
	size_t len = strlen(v);

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v[len - 1] = '\0';
		return v + 1;
	}
	return v;
}

struct parse_state {
	const char *origin;
	const struct iam_cfg_key *schema;
	size_t n;
	void *dst;
	iam_cfg_warn_fn warn;
	void *ctx;
	unsigned char *seen; /* one flag per schema key */
};

static void warnf(const struct parse_state *ps, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warnf(const struct parse_state *ps, unsigned line, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	if (!ps->warn)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%u: ", ps->origin, line);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	ps->warn(ps->ctx, msg);
}

static int parse_line(struct parse_state *ps, char *line, unsigned lineno,
		      struct iam_err *err)
{
	const struct iam_cfg_key *k;
	char *eq, *key, *value;
	int r;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq) {
		iam_err_set(err, "%s:%u: expected 'key = value'", ps->origin, lineno);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	value = unquote(trim(eq + 1));
	if (*key == '\0') {
		iam_err_set(err, "%s:%u: a value without a key", ps->origin, lineno);
		return -EINVAL;
	}
	k = find_key(ps->schema, ps->n, key);
	if (!k) {
		warnf(ps, lineno, "unknown key '%s' ignored", key);
		return 0;
	}
	if (ps->seen[k - ps->schema])
		warnf(ps, lineno, "'%s' is set again; the later value wins", key);
	ps->seen[k - ps->schema] = 1;
	r = set_value(k, ps->dst, value, err);
	if (r < 0)
		iam_err_prefix(err, "%s:%u", ps->origin, lineno);
	return r;
}

static int parse_lines(struct parse_state *ps, const char *text, size_t len,
		       struct iam_err *err)
{
	char line[IAM_CFG_MAX_LINE + 1];
	size_t pos = 0;
	unsigned lineno = 0;
	int r = 0;

	while (r == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (l > IAM_CFG_MAX_LINE) {
			iam_err_set(err, "%s:%u: line longer than %d bytes", ps->origin,
				    lineno, IAM_CFG_MAX_LINE);
			return -EINVAL;
		}
		memcpy(line, text + pos, l);
		line[l] = '\0';
		if (strlen(line) != l) {
			iam_err_set(err, "%s:%u: NUL byte in line", ps->origin, lineno);
			return -EINVAL;
		}
		r = parse_line(ps, line, lineno, err);
		pos += l + 1;
	}
	return r;
}

int iam_cfg_parse(const char *origin, const char *text, size_t len,
		  const struct iam_cfg_key *schema, size_t n, void *dst,
		  iam_cfg_warn_fn warn, void *ctx, struct iam_err *err)
{
	struct parse_state ps = { origin, schema, n, dst, warn, ctx, NULL };
	int r;

	if (len > IAM_CFG_MAX_FILE) {
		iam_err_set(err, "%s: larger than %d bytes", origin, IAM_CFG_MAX_FILE);
		return -EFBIG;
	}
	ps.seen = calloc(n ? n : 1, 1);
	if (!ps.seen) {
		iam_err_set(err, "%s: out of memory", origin);
		return -ENOMEM;
	}
	r = parse_lines(&ps, text, len, err);
	free(ps.seen);
	return r;
}

int iam_cfg_load(const char *path, uid_t owner, const struct iam_cfg_key *schema,
		 size_t n, void *dst, iam_cfg_warn_fn warn, void *ctx,
		 struct iam_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = iam_file_read(path, owner, IAM_CFG_MAX_FILE, 0, &text, &len, err);
	if (r < 0)
		return r;
	r = iam_cfg_parse(path, text, len, schema, n, dst, warn, ctx, err);
	free(text);
	return r;
}

int iam_cfg_set_arg(const struct iam_cfg_key *schema, size_t n, void *dst,
		    const char *arg, struct iam_err *err)
{
	const char *eq = strchr(arg, '=');
	char key[64];
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct iam_cfg_key *k;

	if (klen == 0 || klen >= sizeof(key)) {
		iam_err_set(err, "argument '%s' is not key=value", arg);
		return -EINVAL;
	}
	memcpy(key, arg, klen);
	key[klen] = '\0';
	k = find_key(schema, n, key);
	if (!k) {
		iam_err_set(err, "unknown argument '%s'", key);
		return -ENOENT;
	}
	if (!eq && k->type != IAM_CFG_BOOL) {
		iam_err_set(err, "argument '%s' needs a value (%s=...)", key, key);
		return -EINVAL;
	}
	return set_value(k, dst, eq ? eq + 1 : "yes", err);
}

void iam_cfg_free(const struct iam_cfg_key *schema, size_t n, void *dst)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct iam_cfg_key *k = &schema[i];

		if (k->type == IAM_CFG_STR || k->type == IAM_CFG_PATH ||
		    k->type == IAM_CFG_URL) {
			char **slot = FIELD(dst, k, char *);

			free(*slot);
			*slot = NULL;
		}
	}
}
