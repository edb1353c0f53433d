/*
 * "Build a body, call the endpoint, print the answer or fail": the helpers
 * every command handler uses, so that none of them repeats the error
 * handling, the identity logic or the --json switch.
 */
#ifndef IAMCTL_CALL_H
#define IAMCTL_CALL_H

#include <json-c/json.h>

#include "args.h"
#include "ctx.h"

/* A request body under construction. Adding never fails on the spot: an
 * allocation failure is remembered and reported when the body is sent. */
struct cli_body {
	struct json_object *obj;
	int oom;
	const char *secret_key; /* its value is wiped before the body is freed */
};

void cli_body_init(struct cli_body *b);
/* value NULL: the key is left out. */
void cli_body_str(struct cli_body *b, const char *key, const char *value);
void cli_body_int(struct cli_body *b, const char *key, long long value);
void cli_body_bool(struct cli_body *b, const char *key, int value);
/* Takes ownership of value. */
void cli_body_add(struct cli_body *b, const char *key, struct json_object *value);
/* A password or code: wiped when the body is freed. One per body. */
void cli_body_secret(struct cli_body *b, const char *key, const char *value);
void cli_body_free(struct cli_body *b);

/* snprintf for paths that only knows "%s", and percent-encodes every
 * argument, so a name can never add a path segment or a query. */
int cli_path(struct cli_ctx *c, char *out, size_t outsz, const char *fmt, ...);

/*
 * One request as whoever the command acts as: loads the admin token or a
 * session (logging in when there is none) on first use, and logs in once
 * more when a reused session is refused as unauthenticated. body may be
 * NULL and stays the caller's. Returns an exit status; on failure the
 * message is recorded and c->aerr holds the endpoint's refusal, if any.
 */
int cli_call(struct cli_ctx *c, const char *method, const char *path,
	     struct cli_body *body, struct json_object **out);
/* POST path with body; when the endpoint wants a fresh TOTP code (a role
 * with MFA), asks for one and sends the request again, once. */
int cli_post_with_code(struct cli_ctx *c, const char *path, struct cli_body *b,
		       struct json_object **out);

/* Prints an answer in human form; returns an exit status. */
typedef int (*cli_print_fn)(struct cli_ctx *c, const struct cli_args *a,
			    struct json_object *answer);

/* cli_call, then the answer as JSON (--json) or through print. Frees body. */
int cli_run(struct cli_ctx *c, const struct cli_args *a, const char *method,
	    const char *path, struct cli_body *body, cli_print_fn print);

/* The exit status and message for an iam_api_* result r < 0. */
int cli_api_failure(struct cli_ctx *c, int r, const struct iam_err *err);

/* Overwrites a string member of an answer (a secret) in place. */
void cli_json_wipe(struct json_object *obj, const char *key);

#endif
