/*
 * secret checkout|checkin|history: the vault's passwords of hosts' local
 * accounts. A check-out is an elevation: without an active grant of a role
 * that lists the account, checkout asks for one (as elevate --host does),
 * and reads the password once the grant is active; the role's policy
 * (approval by someone else, window, networks, MFA) decides as for sudo.
 * The password goes to standard output, alone on its line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "output.h"

#define PATH_LEN 512
#define MAX_DURATION (30LL * 86400)
#define REASON_MAX 512
#define TICKET_MAX 128

static int check_target(struct cli_ctx *c, const struct cli_args *a)
{
	int r = cli_check_host(c, "host", a->pos[0]);

	return r ? r : cli_check_name(c, "account", a->pos[1]);
}

static void target_body(struct cli_body *b, const struct cli_args *a)
{
	cli_body_init(b);
	cli_body_str(b, "host", a->pos[0]);
	cli_body_str(b, "account", a->pos[1]);
}

static int print_secret(struct cli_ctx *c, struct json_object *obj)
{
	struct json_object *pending = out_get(obj, "pending");
	char until[64], role[64];

	if (c->json)
		return out_json(c, obj);
	printf("%s\n", out_get_str(obj, "password") ? out_get_str(obj, "password") : "");
	if (pending)
		printf("%s\n", out_get_str(pending, "password") ? out_get_str(pending, "password") : "");
	out_when(out_get_int(obj, "until"), until, sizeof(until));
	out_safe(out_get_str(obj, "role"), role, sizeof(role));
	if (!c->quiet) {
		if (pending)
			fprintf(stderr, "The host is changing this password: one of the two above "
				"works until it is done.\n");
		fprintf(stderr, "Checked out under %s (grant %lld) until %s; the password is "
			"changed after that, or when you check it in.\n", role,
			out_get_int(obj, "grant"), until);
	}
	return 0;
}

static int read_secret(struct cli_ctx *c, const struct cli_args *a, struct json_object **obj)
{
	struct cli_body b;
	int r;

	target_body(&b, a);
	r = cli_call(c, "POST", "/v1/vault/checkout", &b, obj);
	cli_body_free(&b);
	return r;
}

/* The role to ask for: --role, or the one role whose check-out list names
 * the account. */
static int pick_role(struct cli_ctx *c, const struct cli_args *a, char *out, size_t outsz)
{
	struct json_object *list = NULL, *roles, *secrets;
	size_t i, j, n, found = 0;
	int r;

	if (cli_opt(a, "role")) {
		snprintf(out, outsz, "%s", cli_opt(a, "role"));
		return cli_check_name(c, "--role", out);
	}
	r = cli_call(c, "GET", "/v1/roles", NULL, &list);
	roles = r == 0 ? out_get(list, "roles") : NULL;
	n = json_object_is_type(roles, json_type_array) ? json_object_array_length(roles) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *role = json_object_array_get_idx(roles, i);

		secrets = out_get(role, "secrets");
		for (j = 0; json_object_is_type(secrets, json_type_array) &&
			    j < json_object_array_length(secrets); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(secrets, j)),
				   a->pos[1]) == 0 && found++ == 0)
				snprintf(out, outsz, "%s", out_get_str(role, "name"));
	}
	json_object_put(list);
	if (r != 0)
		return r;
	if (found == 0)
		return cli_fail(c, CLI_EXIT_AUTH, "No role lets you check out %s.", a->pos[1]);
	if (found > 1)
		return cli_usage(c, "several roles open %s: choose one with --role", a->pos[1]);
	return 0;
}

/* Asks for a grant of the role on the host; 1 when it is active at once,
 * 0 when it waits for approval (said on the terminal), or a failure. */
static int ask_grant(struct cli_ctx *c, const struct cli_args *a, const char *role)
{
	const char *dur = cli_opt(a, "for") ? cli_opt(a, "for") : "1h", *ticket = cli_opt(a, "ticket");
	struct json_object *obj = NULL;
	struct cli_body b;
	long long seconds = 0;
	int r;

	r = cli_check_duration(c, "--for", dur, 1, MAX_DURATION, &seconds);
	if (r == 0 && !cli_opt(a, "reason"))
		r = cli_usage(c, "secret checkout: no active grant yet; give --reason TEXT to ask "
			      "for one of role %s", role);
	if (r == 0)
		r = cli_check_opt_text(c, a, "reason", REASON_MAX, 1);
	if (r == 0 && ticket)
		r = cli_check_text(c, "--ticket", ticket, TICKET_MAX);
	if (r != 0)
		return r;
	cli_body_init(&b);
	cli_body_str(&b, "role", role);
	cli_body_int(&b, "duration", seconds);
	cli_body_str(&b, "reason", cli_opt(a, "reason"));
	cli_body_str(&b, "host", a->pos[0]);
	if (ticket && *ticket)
		cli_body_str(&b, "ticket", ticket);
	r = cli_post_with_code(c, "/v1/requests", &b, &obj);
	cli_body_free(&b);
	if (r == 0 && strcmp(out_get_str(obj, "state") ? out_get_str(obj, "state") : "",
			     "active") == 0)
		r = 1;
	else if (r == 0)
		r = cli_fail(c, CLI_EXIT_AUTH, "Request %lld for %s on %s is waiting for approval; "
			     "run this command again once it is approved.",
			     out_get_int(obj, "id"), role, a->pos[0]);
	json_object_put(obj);
	return r;
}

static int run_checkout(struct cli_ctx *c, const struct cli_args *a)
{
	struct json_object *obj = NULL;
	char role[64];
	int r = check_target(c, a);

	if (r == 0)
		r = cli_take_login_options(c, a);
	if (r == 0)
		r = read_secret(c, a, &obj);
	if (r == CLI_EXIT_AUTH && strcmp(c->aerr.code, "no_grant") == 0) {
		r = pick_role(c, a, role, sizeof(role));
		if (r == 0)
			r = ask_grant(c, a, role);
		if (r == 1)
			r = read_secret(c, a, &obj);
	}
	if (r == 0)
		r = print_secret(c, obj);
	json_object_put(obj);
	return r;
}

static int print_checkin(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	(void)obj;
	out_note(c, "Checked in %s on %s: the grant ended, and the host changes the password "
		 "at its next poll.", a->pos[1], a->pos[0]);
	return 0;
}

static int run_checkin(struct cli_ctx *c, const struct cli_args *a)
{
	struct cli_body b;
	int r = check_target(c, a);

	if (r != 0)
		return r;
	target_body(&b, a);
	return cli_run(c, a, "POST", "/v1/vault/checkin", &b, print_checkin);
}

static const struct out_field version_columns[] = {
	{ "ACCOUNT", "account", OUT_STR, NULL },
	{ "VERSION", "version", OUT_INT, NULL },
	{ "STATE", "state", OUT_STR, NULL },
	{ "ESCROWED", "created_at", OUT_TIME, NULL },
	{ "DECIDED", "decided_at", OUT_TIME, NULL },
};

static const struct out_field checkout_columns[] = {
	{ "ACCOUNT", "account", OUT_STR, NULL },
	{ "USER", "user", OUT_STR, NULL },
	{ "VERSION", "version", OUT_INT, NULL },
	{ "AT", "at", OUT_TIME, NULL },
	{ "GRANT", "grant", OUT_INT, NULL },
	{ "UNTIL", "until", OUT_TIME, NULL },
};

static int print_history(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	int r;

	(void)a;
	printf("Versions (the passwords themselves only a check-out reveals):\n");
	r = out_table(c, version_columns, CLI_NELEM(version_columns), out_get(obj, "versions"));
	if (r == 0) {
		printf("\nCheck-outs:\n");
		r = out_table(c, checkout_columns, CLI_NELEM(checkout_columns),
			      out_get(obj, "checkouts"));
	}
	return r;
}

static int run_history(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r = cli_check_host(c, "host", a->pos[0]);

	if (r == 0 && a->npos > 1)
		r = cli_check_name(c, "account", a->pos[1]);
	if (r == 0)
		r = a->npos > 1 ? cli_path(c, path, sizeof(path), "/v1/vault/%s?account=%s",
					  a->pos[0], a->pos[1])
				: cli_path(c, path, sizeof(path), "/v1/vault/%s", a->pos[0]);
	return r ? r : cli_run(c, a, "GET", path, NULL, print_history);
}

static const struct cli_opt_spec checkout_opts[] = {
	{ "reason", 0, required_argument },
	{ "for", 0, required_argument },
	{ "role", 0, required_argument },
	{ "ticket", 0, required_argument },
	{ "code", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_command commands[] = {
	{ "secret checkout", "HOST ACCOUNT [--reason TEXT] [--for DUR] [--role ROLE] [--ticket ID]",
	  "Read a host account's password from the vault, asking for a grant when needed.",
	  "      --reason TEXT  why, when a grant must be asked for (as elevate)\n"
	  "      --for DUR      how long the grant is asked for (default 1h)\n"
	  "      --role ROLE    the role to ask, when several open the account\n"
	  "      --ticket ID    a ticket reference for the request\n"
	  "      --code CODE    verification code, when the role wants MFA\n",
	  checkout_opts, 2, 2, CLI_ACT_USER, run_checkout },
	{ "secret checkin", "HOST ACCOUNT",
	  "End your check-out now: the grant ends and the host changes the password.",
	  NULL, NULL, 2, 2, CLI_ACT_USER, run_checkin },
	{ "secret history", "HOST [ACCOUNT]",
	  "Show a host's escrowed password versions and who checked them out (no secrets).",
	  NULL, NULL, 1, 2, CLI_ACT_ADMIN, run_history },
};

const struct cli_command_table cli_secret_commands = { commands, CLI_NELEM(commands) };
