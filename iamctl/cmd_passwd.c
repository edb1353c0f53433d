/* passwd: a directory user changes their own password. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "output.h"
#include "secmem.h"

static int read_passwords(struct cli_ctx *c, char **old_pw, char **new_pw)
{
	char prompt[96];
	int r;

	*new_pw = NULL;
	snprintf(prompt, sizeof(prompt), "Current password for %s: ", c->user);
	r = cli_read_secret(c, c->password_stdin, prompt, "--password-stdin", old_pw);
	if (r == 0)
		r = cli_read_new_password(c, c->password_stdin, c->user, new_pw);
	return r;
}

static int send_change(struct cli_ctx *c, const char *old_pw, const char *new_pw,
		       const char *code)
{
	struct iam_err err = { "" };
	int r;

	r = iam_api_change_password(c->api, c->user, old_pw, new_pw, code, "iamctl", NULL, NULL,
				    &c->aerr, &err);
	return r == 0 ? 0 : cli_api_failure(c, r, &err);
}

/* The endpoint asks for a code only after the current password proved
 * right, so one is read only then (a --code goes with the first request,
 * and is ignored for users without TOTP). */
static int change(struct cli_ctx *c, const char *old_pw, const char *new_pw)
{
	char *code = NULL;
	int r = 0;

	if (c->code)
		r = cli_get_code(c, &code);
	if (r == 0)
		r = send_change(c, old_pw, new_pw, code);
	if (r == CLI_EXIT_AUTH && !code && strcmp(c->aerr.code, "mfa_required") == 0) {
		r = cli_get_code(c, &code);
		if (r == 0)
			r = send_change(c, old_pw, new_pw, code);
	}
	iam_free_secret(code);
	return r;
}

static int print_changed(struct cli_ctx *c)
{
	struct json_object *obj;
	int r;

	if (!c->json) {
		out_note(c, "Changed the password of %s.", c->user);
		return 0;
	}
	obj = json_object_new_object();
	if (!obj)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	json_object_object_add(obj, "result", json_object_new_string("ok"));
	json_object_object_add(obj, "user", json_object_new_string(c->user));
	r = out_json(c, obj);
	json_object_put(obj);
	return r;
}

/* Whose password: the argument, else the usual user of iamctl. */
static int pick_user(struct cli_ctx *c, const struct cli_args *a)
{
	int r;

	if (a->npos == 0)
		return cli_resolve_user(c);
	r = cli_check_name(c, "user name", a->pos[0]);
	if (r == 0)
		snprintf(c->user, sizeof(c->user), "%s", a->pos[0]);
	return r;
}

static int run_passwd(struct cli_ctx *c, const struct cli_args *a)
{
	char *old_pw = NULL, *new_pw = NULL;
	int r;

	r = pick_user(c, a);
	if (r == 0)
		r = cli_take_login_options(c, a);
	if (r == 0)
		r = cli_api(c); /* no endpoint: say so before asking for anything */
	if (r == 0)
		r = read_passwords(c, &old_pw, &new_pw);
	if (r == 0)
		r = change(c, old_pw, new_pw);
	iam_free_secret(old_pw);
	iam_free_secret(new_pw);
	return r == 0 ? print_changed(c) : r;
}

static const struct cli_opt_spec passwd_opts[] = { CLI_LOGIN_OPTS, { NULL, 0, 0 } };

static const struct cli_command commands[] = {
	{ "passwd", "[USER] [--password-stdin] [--code CODE | --code-stdin]",
	  "Change your own password (the current one, then the new one twice).",
	  "      --password-stdin  read the current password, then the new one, from the\n"
	  "                        first two lines of standard input\n"
	  "      --code CODE       the verification code (TOTP), if the user has one\n"
	  "      --code-stdin      read the verification code from the next line of stdin\n",
	  passwd_opts, 0, 1, CLI_ACT_SELF, run_passwd },
};

const struct cli_command_table cli_passwd_commands = { commands, CLI_NELEM(commands) };
