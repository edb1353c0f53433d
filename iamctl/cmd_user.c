/* user add|passwd|disable|enable|deprovision|unlock|show|list. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "names.h"
#include "output.h"
#include "secmem.h"

#define PATH_LEN 512
#define ID_MAX 2147483646LL

static const struct out_field user_fields[] = {
	{ "Name", "name", OUT_STR, NULL },
	{ "UID", "uid", OUT_INT, NULL },
	{ "GID", "gid", OUT_INT, NULL },
	{ "GECOS", "gecos", OUT_STR, NULL },
	{ "Home", "home", OUT_STR, NULL },
	{ "Shell", "shell", OUT_STR, NULL },
	{ "State", "state", OUT_STR, NULL },
	{ "MFA", "mfa", OUT_BOOL, NULL },
	{ "Password", "password", OUT_BOOL, NULL },
	{ "Locked until", "locked_until", OUT_WHEN, NULL },
	{ "Groups", "groups", OUT_LIST, NULL },
	{ "Created", "created_at", OUT_TIME, NULL },
	{ "Updated", "updated_at", OUT_TIME, NULL },
};

static const struct out_field user_columns[] = {
	{ "NAME", "name", OUT_STR, NULL },
	{ "UID", "uid", OUT_INT, NULL },
	{ "STATE", "state", OUT_STR, NULL },
	{ "MFA", "mfa", OUT_BOOL, NULL },
	{ "GROUPS", "groups", OUT_LIST, NULL },
	{ "GECOS", "gecos", OUT_STR, NULL },
};

static int print_user(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_show(user_fields, CLI_NELEM(user_fields), obj);
	return 0;
}

static int print_users(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	return out_table(c, user_columns, CLI_NELEM(user_columns), out_get(obj, "users"));
}

static int print_created(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_note(c, "Created user %s (uid %lld).", a->pos[0], out_get_int(obj, "uid"));
	return 0;
}

/* "Disabled user alice.", from the command's verb. */
static int print_done(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	static const struct {
		const char *verb, *done;
	} words[] = {
		{ "disable", "Disabled user" }, { "enable", "Enabled user" },
		{ "deprovision", "Deprovisioned user" }, { "unlock", "Unlocked user" },
		{ "passwd", "Set the password of" },
	};
	const char *verb = cli_verb(a);
	size_t i;

	for (i = 0; i < CLI_NELEM(words); i++)
		if (strcmp(words[i].verb, verb) == 0)
			out_note(c, "%s %s.", words[i].done, a->pos[0]);
	return 0;
}

static int user_path(struct cli_ctx *c, const char *name, const char *fmt, char *path)
{
	int r = cli_check_name(c, "user name", name);

	return r ? r : cli_path(c, path, PATH_LEN, fmt, name);
}

static int new_password(struct cli_ctx *c, const struct cli_args *a, int ask, char **out)
{
	/* The global --password-stdin means the same here: an admin command
	 * never reads a login password. */
	int from_stdin = cli_flag(a, "password-stdin") || c->password_stdin;

	*out = NULL;
	if (!from_stdin && !ask)
		return 0;
	return cli_read_new_password(c, from_stdin, a->pos[0], out);
}

static int check_add_options(struct cli_ctx *c, const struct cli_args *a, long long *uid)
{
	const char *v;
	int r = cli_check_name(c, "user name", a->pos[0]);

	if (r == 0 && (v = cli_opt(a, "uid")))
		r = cli_check_number(c, "--uid", v, 1, ID_MAX, uid);
	if (r == 0 && (v = cli_opt(a, "gecos")) && !iam_gecos_valid(v))
		r = cli_usage(c, "invalid --gecos: expected at most 255 bytes of UTF-8 without ':' "
			      "or control characters");
	if (r == 0 && (v = cli_opt(a, "shell")) && !iam_path_field_valid(v))
		r = cli_usage(c, "invalid --shell '%s': expected an absolute path without spaces "
			      "or ':'", v);
	if (r == 0 && (v = cli_opt(a, "home")) && !iam_path_field_valid(v))
		r = cli_usage(c, "invalid --home '%s': expected an absolute path without spaces "
			      "or ':'", v);
	return r;
}

static int run_add(struct cli_ctx *c, const struct cli_args *a)
{
	struct cli_body body;
	long long uid = 0;
	char *password = NULL;
	int r;

	r = check_add_options(c, a, &uid);
	if (r == 0)
		r = new_password(c, a, 0, &password);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "name", a->pos[0]);
	if (cli_opt(a, "uid"))
		cli_body_int(&body, "uid", uid);
	cli_body_str(&body, "gecos", cli_opt(a, "gecos"));
	cli_body_str(&body, "home", cli_opt(a, "home"));
	cli_body_str(&body, "shell", cli_opt(a, "shell"));
	if (password)
		cli_body_secret(&body, "password", password);
	iam_free_secret(password);
	return cli_run(c, a, "POST", "/v1/users", &body, print_created);
}

static int run_passwd(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN], *password = NULL;
	struct cli_body body;
	int r;

	r = user_path(c, a->pos[0], "/v1/users/%s/password", path);
	if (r == 0)
		r = new_password(c, a, 1, &password);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_secret(&body, "password", password);
	iam_free_secret(password);
	return cli_run(c, a, "POST", path, &body, print_done);
}

/* disable, enable, deprovision (with an optional reason) and unlock. */
static int run_state(struct cli_ctx *c, const struct cli_args *a)
{
	char fmt[64], path[PATH_LEN];
	struct cli_body body;
	int r;

	snprintf(fmt, sizeof(fmt), "/v1/users/%%s/%s", cli_verb(a));
	r = user_path(c, a->pos[0], fmt, path);
	if (r == 0)
		r = cli_check_opt_text(c, a, "reason", 512, 0);
	if (r != 0)
		return r;
	if (strcmp(cli_verb(a), "unlock") == 0) /* takes no body */
		return cli_run(c, a, "POST", path, NULL, print_done);
	cli_body_init(&body);
	cli_body_str(&body, "reason", cli_opt(a, "reason"));
	return cli_run(c, a, "POST", path, &body, print_done);
}

static int run_show(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r = user_path(c, a->pos[0], "/v1/users/%s", path);

	return r ? r : cli_run(c, a, "GET", path, NULL, print_user);
}

static int run_list(struct cli_ctx *c, const struct cli_args *a)
{
	return cli_run(c, a, "GET", "/v1/users", NULL, print_users);
}

static const struct cli_opt_spec add_opts[] = {
	{ "uid", 0, required_argument },
	{ "gecos", 0, required_argument },
	{ "shell", 0, required_argument },
	{ "home", 0, required_argument },
	{ "password-stdin", 0, no_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec passwd_opts[] = {
	{ "password-stdin", 0, no_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec reason_opts[] = {
	{ "reason", 0, required_argument },
	{ NULL, 0, 0 },
};

#define REASON_HELP "      --reason TEXT  why, for the audit log\n"

static const struct cli_command commands[] = {
	{ "user add", "NAME [--uid N] [--gecos TEXT] [--shell PATH] [--home PATH] [--password-stdin]",
	  "Create a directory user (and its private group).",
	  "      --uid N           the uid (and gid); default: the next free one\n"
	  "      --gecos TEXT      the full name or comment\n"
	  "      --shell PATH      the login shell; default: the endpoint's default_shell\n"
	  "      --home PATH       the home directory; default: home_base/NAME\n"
	  "      --password-stdin  set the password to the first line of standard input\n",
	  add_opts, 1, 1, CLI_ACT_ADMIN, run_add },
	{ "user passwd", "NAME [--password-stdin]",
	  "Set a user's password (asked twice on the terminal unless --password-stdin).",
	  "      --password-stdin  read the password from the first line of standard input\n",
	  passwd_opts, 1, 1, CLI_ACT_ADMIN, run_passwd },
	{ "user disable", "NAME [--reason TEXT]",
	  "Disable a user: no logins, but the uid, groups and keys stay.",
	  REASON_HELP, reason_opts, 1, 1, CLI_ACT_ADMIN, run_state },
	{ "user enable", "NAME [--reason TEXT]", "Enable a disabled user again.",
	  REASON_HELP, reason_opts, 1, 1, CLI_ACT_ADMIN, run_state },
	{ "user deprovision", "NAME [--reason TEXT]",
	  "Remove a user for good: credentials, keys, memberships and grants go; the name "
	  "and uid stay reserved.",
	  REASON_HELP, reason_opts, 1, 1, CLI_ACT_ADMIN, run_state },
	{ "user unlock", "NAME", "Clear a user's failed-login count.",
	  NULL, NULL, 1, 1, CLI_ACT_ADMIN, run_state },
	{ "user show", "NAME", "Show a user.", NULL, NULL, 1, 1, CLI_ACT_ADMIN, run_show },
	{ "user list", "", "List all users, deprovisioned ones included.",
	  NULL, NULL, 0, 0, CLI_ACT_ADMIN, run_list },
};

const struct cli_command_table cli_user_commands = { commands, CLI_NELEM(commands) };
