/* mfa enroll|remove: a user's TOTP secret. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "call.h"
#include "output.h"
#include "qr.h"
#include "secmem.h"

#define PATH_LEN 512

static int mfa_path(struct cli_ctx *c, const struct cli_args *a, char *path)
{
	int r = cli_check_name(c, "user name", a->pos[0]);

	return r ? r : cli_path(c, path, PATH_LEN, "/v1/users/%s/mfa", a->pos[0]);
}

/* The secret, the URI and the QR code of the URI: the only time the
 * endpoint lets the secret out. */
static int print_enrolment(struct cli_ctx *c, const struct cli_args *a,
			   const char *secret, const char *uri)
{
	struct iam_err err = { "" };
	char safe[1024];
	int r;

	if (cli_flag(a, "print-secret")) {
		printf("%s\n", out_safe(secret, safe, sizeof(safe)));
		iam_wipe(safe, sizeof(safe));
		return 0;
	}
	out_note(c, "TOTP enrolled for %s. Scan the QR code with an authenticator app,\n"
		 "or enter the secret by hand.\n", a->pos[0]);
	printf("Secret: %s\n", out_safe(secret, safe, sizeof(safe)));
	printf("URI:    %s\n\n", out_safe(uri, safe, sizeof(safe)));
	fflush(stdout);
	r = qr_print(stdout, uri, isatty(STDOUT_FILENO), &err);
	iam_wipe(safe, sizeof(safe));
	return r < 0 ? cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg) : 0;
}

static int run_enroll(struct cli_ctx *c, const struct cli_args *a)
{
	struct json_object *obj = NULL;
	const char *secret, *uri;
	char path[PATH_LEN];
	int r;

	r = mfa_path(c, a, path);
	if (r == 0)
		r = cli_call(c, "POST", path, NULL, &obj);
	if (r != 0)
		return r;
	secret = out_get_str(obj, "secret");
	uri = out_get_str(obj, "uri");
	if (c->json && !cli_flag(a, "print-secret"))
		r = out_json(c, obj);
	else if (!secret || !uri)
		r = cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's answer lacks the secret");
	else
		r = print_enrolment(c, a, secret, uri);
	cli_json_wipe(obj, "secret");
	cli_json_wipe(obj, "uri");
	json_object_put(obj);
	return r;
}

static int print_removed(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_note(c, "Removed the TOTP secret of %s.", a->pos[0]);
	return 0;
}

static int run_remove(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r = mfa_path(c, a, path);

	return r ? r : cli_run(c, a, "DELETE", path, NULL, print_removed);
}

static const struct cli_opt_spec enroll_opts[] = {
	{ "print-secret", 0, no_argument },
	{ NULL, 0, 0 },
};

static const struct cli_command commands[] = {
	{ "mfa enroll", "NAME [--print-secret]",
	  "Give a user a new TOTP secret and show it as an otpauth:// URI and a QR code.",
	  "      --print-secret  print only the base32 secret and a newline (for scripts)\n",
	  enroll_opts, 1, 1, CLI_ACT_ADMIN, run_enroll },
	{ "mfa remove", "NAME", "Remove a user's TOTP secret.",
	  NULL, NULL, 1, 1, CLI_ACT_ADMIN, run_remove },
};

const struct cli_command_table cli_mfa_commands = { commands, CLI_NELEM(commands) };
