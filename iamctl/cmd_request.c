/* elevate (and elevate --done), and request
 * list|show|approve|deny|revoke|cancel|extend. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "output.h"
#include "secmem.h"

#define PATH_LEN 512
#define MAX_DURATION (30LL * 86400)
#define REASON_MAX 512
#define TICKET_MAX 128

/* The deadline that matters now: the grant's end, or the pending
 * request's own. */
static void request_until(struct json_object *obj, char *out, size_t outsz)
{
	const char *state = out_get_str(obj, "state");

	if (state && (strcmp(state, "active") == 0 || strcmp(state, "approved") == 0))
		out_when(out_get_int(obj, "not_after"), out, outsz);
	else if (state && strcmp(state, "pending") == 0)
		out_when(out_get_int(obj, "expires_at"), out, outsz);
	else
		snprintf(out, outsz, "-");
}

static const struct out_field request_fields[] = {
	{ "ID", "id", OUT_INT, NULL },
	{ "Role", "role", OUT_STR, NULL },
	{ "Requester", "requester", OUT_STR, NULL },
	{ "State", "state", OUT_STR, NULL },
	{ "Reason", "reason", OUT_STR, NULL },
	{ "Ticket", "ticket", OUT_STR, NULL },
	{ "Duration", "duration", OUT_DURATION, NULL },
	{ "MFA", "mfa", OUT_BOOL, NULL },
	{ "Created", "created_at", OUT_TIME, NULL },
	{ "Expires", "expires_at", OUT_WHEN, NULL },
	{ "Decided by", "decided_by", OUT_STR, NULL },
	{ "Decided at", "decided_at", OUT_TIME, NULL },
	{ "Decision reason", "decision_reason", OUT_STR, NULL },
	{ "Not before", "not_before", OUT_TIME, NULL },
	{ "Not after", "not_after", OUT_WHEN, NULL },
	{ "Ended by", "ended_by", OUT_STR, NULL },
	{ "Ended at", "ended_at", OUT_TIME, NULL },
	{ "End reason", "end_reason", OUT_STR, NULL },
	{ "Host", "host", OUT_STR, NULL },
	{ "Extends", "extends", OUT_INT, NULL },
	{ "Created by", "created_by", OUT_STR, NULL },
};

static const struct out_field request_columns[] = {
	{ "ID", "id", OUT_INT, NULL },
	{ "ROLE", "role", OUT_STR, NULL },
	{ "REQUESTER", "requester", OUT_STR, NULL },
	{ "STATE", "state", OUT_STR, NULL },
	{ "HOST", "host", OUT_STR, NULL },
	{ "EXTENDS", "extends", OUT_INT, NULL },
	{ "DURATION", "duration", OUT_DURATION, NULL },
	{ "CREATED", "created_at", OUT_TIME, NULL },
	{ "UNTIL", NULL, OUT_FN, request_until },
	{ "REASON", "reason", OUT_STR, NULL },
};

static int print_request(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_show(request_fields, CLI_NELEM(request_fields), obj);
	return 0;
}

static int print_requests(struct cli_ctx *c, const struct cli_args *a,
			  struct json_object *obj)
{
	return out_table(c, request_columns, CLI_NELEM(request_columns),
			 out_get(obj, "requests"));
}

/* An extension that applied: what matters is the grant's new end. */
static int extension_outcome(struct cli_ctx *c, struct json_object *obj, const char *role,
			     const char *until)
{
	out_note(c, "Grant %lld for %s now ends at %s (extension %lld).",
		 out_get_int(obj, "extends"), role, until, out_get_int(obj, "id"));
	return 0;
}

/* One sentence about where a request stands. */
static int print_outcome(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	char state[32], role[64], user[64], until[80];
	long long id = out_get_int(obj, "id");
	int is_extension = out_get_int(obj, "extends") > 0;

	out_safe(out_get_str(obj, "state"), state, sizeof(state));
	out_safe(out_get_str(obj, "role"), role, sizeof(role));
	out_safe(out_get_str(obj, "requester"), user, sizeof(user));
	request_until(obj, until, sizeof(until));
	if (is_extension && (strcmp(state, "approved") == 0 || strcmp(state, "active") == 0))
		return extension_outcome(c, obj, role, until);
	if (strcmp(state, "active") == 0)
		out_note(c, "Request %lld: %s holds %s until %s.", id, user, role, until);
	else if (strcmp(state, "pending") == 0 && is_extension)
		out_note(c, "Request %lld to extend grant %lld for %s is waiting for approval "
			 "until %s.", id, out_get_int(obj, "extends"), role, until);
	else if (strcmp(state, "pending") == 0)
		out_note(c, "Request %lld for %s is waiting for approval until %s.", id, role, until);
	else
		out_note(c, "Request %lld for %s is now %s.", id, role, state);
	return 0;
}

static int elevate_body(struct cli_ctx *c, const struct cli_args *a, struct cli_body *b)
{
	const char *dur = cli_opt(a, "for"), *ticket = cli_opt(a, "ticket");
	const char *host = cli_opt(a, "host");
	long long seconds = 0;
	int r;

	r = cli_check_name(c, "role name", a->pos[0]);
	if (r == 0 && !dur)
		r = cli_usage(c, "elevate: --for DUR is required");
	if (r == 0)
		r = cli_check_duration(c, "--for", dur, 1, MAX_DURATION, &seconds);
	if (r == 0)
		r = cli_check_opt_text(c, a, "reason", REASON_MAX, 1);
	if (r == 0 && ticket)
		r = cli_check_text(c, "--ticket", ticket, TICKET_MAX);
	if (r == 0 && host)
		r = cli_check_host(c, "--host", host);
	if (r == 0)
		r = cli_take_login_options(c, a);
	if (r != 0)
		return r;
	cli_body_init(b);
	cli_body_str(b, "role", a->pos[0]);
	cli_body_int(b, "duration", seconds);
	cli_body_str(b, "reason", cli_opt(a, "reason"));
	if (ticket && *ticket)
		cli_body_str(b, "ticket", ticket);
	cli_body_str(b, "host", host);
	return 0;
}

/* Posts the body, prints the outcome, frees the body. */
static int post_and_print(struct cli_ctx *c, const struct cli_args *a, const char *path,
			  struct cli_body *body)
{
	struct json_object *obj = NULL;
	int r = cli_post_with_code(c, path, body, &obj);

	cli_body_free(body);
	if (r == 0)
		r = c->json ? out_json(c, obj) : print_outcome(c, a, obj);
	json_object_put(obj);
	return r;
}

/* The caller's own active grant (not an extension) for the role: its id,
 * or 0 when there is none. */
static long long own_active_grant(struct json_object *list, const char *user)
{
	struct json_object *reqs = out_get(list, "requests"), *q;
	size_t i, n = json_object_is_type(reqs, json_type_array) ? json_object_array_length(reqs)
								 : 0;

	for (i = 0; i < n; i++) {
		q = json_object_array_get_idx(reqs, i);
		if (out_get_int(q, "extends") == 0 && out_get_str(q, "requester") &&
		    strcmp(out_get_str(q, "requester"), user) == 0)
			return out_get_int(q, "id");
	}
	return 0;
}

/* elevate --done ROLE: the holder ends their grant early; "done" is the
 * reason unless one is given (ending one's own grant needs no excuse). */
static int run_done(struct cli_ctx *c, const struct cli_args *a)
{
	const char *reason = cli_opt(a, "reason");
	struct json_object *list = NULL;
	char path[PATH_LEN], id[24];
	struct cli_body body;
	long long grant;
	int r = cli_check_name(c, "role name", a->pos[0]);

	if (r == 0 && (cli_opt(a, "for") || cli_opt(a, "ticket") || cli_opt(a, "host")))
		r = cli_usage(c, "elevate --done: takes only ROLE and --reason");
	if (r == 0)
		r = cli_check_opt_text(c, a, "reason", REASON_MAX, 0);
	if (r == 0)
		r = cli_take_login_options(c, a);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/requests?state=active&role=%s", a->pos[0]);
	if (r == 0)
		r = cli_call(c, "GET", path, NULL, &list);
	grant = r == 0 ? own_active_grant(list, c->user) : 0;
	json_object_put(list);
	if (r != 0)
		return r;
	if (!grant)
		return cli_fail(c, CLI_EXIT_NOT_FOUND, "No active grant for role %s.", a->pos[0]);
	snprintf(id, sizeof(id), "%lld", grant);
	r = cli_path(c, path, sizeof(path), "/v1/requests/%s/revoke", id);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "reason", reason && *reason ? reason : "done");
	return cli_run(c, a, "POST", path, &body, print_outcome);
}

static int run_elevate(struct cli_ctx *c, const struct cli_args *a)
{
	struct cli_body body;
	int r;

	if (cli_flag(a, "done"))
		return run_done(c, a);
	r = elevate_body(c, a, &body);
	return r ? r : post_and_print(c, a, "/v1/requests", &body);
}

static const char *const request_states[] = {
	"pending", "approved", "active", "expired", "denied", "canceled", "revoked",
};

static int check_state(struct cli_ctx *c, const char *state)
{
	size_t i;

	for (i = 0; i < CLI_NELEM(request_states); i++)
		if (strcmp(state, request_states[i]) == 0)
			return 0;
	return cli_usage(c, "invalid --state '%s': expected pending, approved, active, "
			 "expired, denied, canceled or revoked", state);
}

static int run_list(struct cli_ctx *c, const struct cli_args *a)
{
	const char *state = cli_opt(a, "state"), *role = cli_opt(a, "role");
	char path[PATH_LEN];
	int r = 0;

	if (state)
		r = check_state(c, state);
	if (r == 0 && role)
		r = cli_check_name(c, "--role", role);
	if (r == 0 && state && role)
		r = cli_path(c, path, sizeof(path), "/v1/requests?state=%s&role=%s", state, role);
	else if (r == 0 && state)
		r = cli_path(c, path, sizeof(path), "/v1/requests?state=%s", state);
	else if (r == 0 && role)
		r = cli_path(c, path, sizeof(path), "/v1/requests?role=%s", role);
	else if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/requests");
	return r ? r : cli_run(c, a, "GET", path, NULL, print_requests);
}

static int request_path(struct cli_ctx *c, const struct cli_args *a, const char *suffix,
			char *path)
{
	char fmt[64];
	long long id;
	int r;

	r = cli_check_number(c, "request id", a->pos[0], 1, INT64_MAX - 1, &id);
	snprintf(fmt, sizeof(fmt), "/v1/requests/%%s%s", suffix);
	return r ? r : cli_path(c, path, PATH_LEN, fmt, a->pos[0]);
}

static int run_show(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r = request_path(c, a, "", path);

	return r ? r : cli_run(c, a, "GET", path, NULL, print_request);
}

/* approve, deny, revoke, cancel: each must say why, for the audit log. */
static int run_decide(struct cli_ctx *c, const struct cli_args *a)
{
	char suffix[32], path[PATH_LEN];
	struct cli_body body;
	int r;

	snprintf(suffix, sizeof(suffix), "/%s", cli_verb(a));
	r = request_path(c, a, suffix, path);
	if (r == 0)
		r = cli_check_opt_text(c, a, "reason", REASON_MAX, 1);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "reason", cli_opt(a, "reason"));
	return cli_run(c, a, "POST", path, &body, print_outcome);
}

/* request extend ID --for DUR --reason TEXT: the holder asks for more time. */
static int run_extend(struct cli_ctx *c, const struct cli_args *a)
{
	const char *dur = cli_opt(a, "for");
	char path[PATH_LEN];
	struct cli_body body;
	long long seconds = 0;
	int r = request_path(c, a, "/extend", path);

	if (r == 0 && !dur)
		r = cli_usage(c, "request extend: --for DUR is required");
	if (r == 0)
		r = cli_check_duration(c, "--for", dur, 1, MAX_DURATION, &seconds);
	if (r == 0)
		r = cli_check_opt_text(c, a, "reason", REASON_MAX, 1);
	if (r == 0)
		r = cli_take_login_options(c, a);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_int(&body, "duration", seconds);
	cli_body_str(&body, "reason", cli_opt(a, "reason"));
	return post_and_print(c, a, path, &body);
}

static const struct cli_opt_spec elevate_opts[] = {
	{ "for", 0, required_argument },
	{ "reason", 0, required_argument },
	{ "ticket", 0, required_argument },
	{ "host", 0, required_argument },
	{ "done", 0, no_argument },
	CLI_LOGIN_OPTS,
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec list_opts[] = {
	{ "state", 0, required_argument },
	{ "role", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec reason_opts[] = {
	{ "reason", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec extend_opts[] = {
	{ "for", 0, required_argument },
	{ "reason", 0, required_argument },
	CLI_LOGIN_OPTS,
	{ NULL, 0, 0 },
};

static const struct cli_command commands[] = {
	{ "elevate", "ROLE --for DUR --reason TEXT [--ticket ID] [--host HOST] | --done ROLE "
	  "[--reason TEXT]",
	  "Ask for a role for a while (active at once unless the role needs approval), "
	  "or end your grant early.",
	  "      --for DUR         how long, at most the role's maximum (e.g. 1h)\n"
	  "      --reason TEXT     why (required, for the approver and the audit log;\n"
	  "                        with --done it defaults to \"done\")\n"
	  "      --ticket ID       a ticket or incident reference\n"
	  "      --host HOST       the grant is valid on this enrolled host only\n"
	  "      --done            end your active grant for ROLE now\n"
	  CLI_LOGIN_HELP,
	  elevate_opts, 1, 1, CLI_ACT_USER, run_elevate },
	{ "request list", "[--state S] [--role R]",
	  "List elevation requests: all (admin), or your own and those you may approve.",
	  "      --state S  pending, approved, active, expired, denied, canceled or revoked\n"
	  "      --role R   only requests for this role\n",
	  list_opts, 0, 0, CLI_ACT_EITHER, run_list },
	{ "request show", "ID", "Show one elevation request.",
	  NULL, NULL, 1, 1, CLI_ACT_EITHER, run_show },
	{ "request approve", "ID --reason TEXT", "Approve a pending request or extension.",
	  "      --reason TEXT  why (required)\n",
	  reason_opts, 1, 1, CLI_ACT_EITHER, run_decide },
	{ "request deny", "ID --reason TEXT", "Deny a pending request or extension.",
	  "      --reason TEXT  why (required)\n",
	  reason_opts, 1, 1, CLI_ACT_EITHER, run_decide },
	{ "request revoke", "ID --reason TEXT",
	  "End an active grant early (with its extensions), or withdraw a pending extension.",
	  "      --reason TEXT  why (required)\n",
	  reason_opts, 1, 1, CLI_ACT_EITHER, run_decide },
	{ "request cancel", "ID --reason TEXT", "Withdraw your own pending request or extension.",
	  "      --reason TEXT  why (required)\n",
	  reason_opts, 1, 1, CLI_ACT_EITHER, run_decide },
	{ "request extend", "ID --for DUR --reason TEXT",
	  "Ask for more time on your active grant; applied at once unless the role needs "
	  "approval.",
	  "      --for DUR         how much longer (the grant never ends more than the\n"
	  "                        role's maximum from now)\n"
	  "      --reason TEXT     why (required)\n"
	  CLI_LOGIN_HELP,
	  extend_opts, 1, 1, CLI_ACT_USER, run_extend },
};

const struct cli_command_table cli_request_commands = { commands, CLI_NELEM(commands) };
