/*
 * "key = value" configuration files and PAM module arguments, through one
 * setter. A schema (an array of struct iam_cfg_key) says which keys a program
 * accepts, their types, bounds and defaults, and where in the program's own
 * struct each value goes. Lines starting with '#' are comments.
 * An unknown key is a warning that names file:line; a bad value is an error
 * that names file:line, the key and what was expected.
 */
#ifndef IAM_CONF_H
#define IAM_CONF_H

#include <stddef.h>
#include <sys/types.h>
#include "iam_error.h"

enum iam_cfg_type {
	IAM_CFG_STR,     /* char *: any text without control characters */
	IAM_CFG_PATH,    /* char *: an absolute path */
	IAM_CFG_URL,     /* char *: an https:// URL */
	IAM_CFG_BOOL,    /* int: yes/no, true/false, on/off, 1/0 */
	IAM_CFG_INT,     /* long long within [min, max] */
	IAM_CFG_MSEC,    /* long long milliseconds: "500ms", "2s", "1m"; bare = ms */
	IAM_CFG_SECONDS, /* long long seconds: "30s", "15m", "12h", "7d"; bare = s */
	IAM_CFG_SIZE,    /* long long bytes: "512", "64K", "10M" */
	IAM_CFG_ENUM,    /* int: index into choices */
};

struct iam_cfg_key {
	const char *name;
	enum iam_cfg_type type;
	size_t offset;              /* offsetof(struct your_config, field) */
	const char *defval;         /* parsed with the same setter; NULL: unset */
	long long min, max;         /* numeric types */
	const char *const *choices; /* IAM_CFG_ENUM, NULL-terminated */
};

#define IAM_CFG_MAX_FILE 65536
#define IAM_CFG_MAX_LINE 4096

typedef void (*iam_cfg_warn_fn)(void *ctx, const char *msg);

/* Applies every default; values set before are freed and replaced. */
int iam_cfg_defaults(const struct iam_cfg_key *schema, size_t n, void *dst,
		     struct iam_err *err);

/* The one setter: -ENOENT for an unknown key, -EINVAL for a bad value. The
 * message names the key and what was expected (no file:line; callers add
 * their own context). */
int iam_cfg_set(const struct iam_cfg_key *schema, size_t n, void *dst,
		const char *key, const char *value, struct iam_err *err);

/* Parses text already in memory; `origin` names it in messages. */
int iam_cfg_parse(const char *origin, const char *text, size_t len,
		  const struct iam_cfg_key *schema, size_t n, void *dst,
		  iam_cfg_warn_fn warn, void *ctx, struct iam_err *err);

/* Opens the file safely (see iam_file_read: owned by root or `owner`, not
 * writable by others, at most IAM_CFG_MAX_FILE bytes), then parses it.
 * -ENOENT when the file does not exist, so callers can fall back. */
int iam_cfg_load(const char *path, uid_t owner,
		 const struct iam_cfg_key *schema, size_t n, void *dst,
		 iam_cfg_warn_fn warn, void *ctx, struct iam_err *err);

/* Parses "key=value" (a PAM module argument) with the same setter; a bare
 * word is taken as a boolean key set to yes ("debug", "use_first_pass"). */
int iam_cfg_set_arg(const struct iam_cfg_key *schema, size_t n, void *dst,
		    const char *arg, struct iam_err *err);

/* Frees the strings the schema's keys own in dst. */
void iam_cfg_free(const struct iam_cfg_key *schema, size_t n, void *dst);

#endif
