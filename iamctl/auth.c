#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "host_config.h"
#include "prompt.h"
#include "secmem.h"
#include "session.h"
#include "token.h"

int cli_read_secret(struct cli_ctx *c, int from_stdin, const char *prompt,
		       const char *how, char **out)
{
	struct iam_err err = { "" };
	int r;

	r = from_stdin ? prompt_stdin_line(out, &err) : prompt_tty_secret(prompt, out, &err);
	if (r == -ENXIO)
		return cli_fail(c, CLI_EXIT_USAGE, "%s; use %s", err.msg, how);
	if (r == -ENODATA || r == -E2BIG)
		return cli_fail(c, CLI_EXIT_USAGE, "%s", err.msg);
	if (r < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	return 0;
}

#define PASSWORD_MAX 1024

static int ask_new_password(struct cli_ctx *c, const char *user, char **out)
{
	char prompt[96], *again = NULL;
	int r;

	snprintf(prompt, sizeof(prompt), "New password for %s: ", user);
	r = cli_read_secret(c, 0, prompt, "--password-stdin", out);
	if (r == 0)
		r = cli_read_secret(c, 0, "Retype the new password: ", "--password-stdin", &again);
	if (r == 0 && !iam_ct_streq(*out, again))
		r = cli_fail(c, CLI_EXIT_USAGE, "the passwords do not match; nothing was changed");
	iam_free_secret(again);
	return r;
}

int cli_read_new_password(struct cli_ctx *c, int from_stdin, const char *user, char **out)
{
	size_t len;
	int r;

	*out = NULL;
	r = from_stdin ? cli_read_secret(c, 1, NULL, NULL, out) : ask_new_password(c, user, out);
	if (r == 0) {
		len = strlen(*out);
		if (len == 0 || len > PASSWORD_MAX)
			r = cli_fail(c, CLI_EXIT_USAGE, "a password has 1 to %d bytes", PASSWORD_MAX);
	}
	if (r != 0) {
		iam_free_secret(*out);
		*out = NULL;
	}
	return r;
}

/* Authenticator apps show "123 456": spaces are dropped. */
static int normalise_code(struct cli_ctx *c, char *code)
{
	size_t i, n = 0;

	for (i = 0; code[i]; i++)
		if (code[i] != ' ')
			code[n++] = code[i];
	code[n] = '\0';
	if (n < 6 || n > 10 || strspn(code, "0123456789") != n)
		return cli_fail(c, CLI_EXIT_USAGE, "a verification code is 6 to 10 digits");
	return 0;
}

int cli_take_login_options(struct cli_ctx *c, const struct cli_args *a)
{
	char *code = cli_opt_secret(a, "code");

	c->password_stdin |= cli_flag(a, "password-stdin");
	c->code_stdin |= cli_flag(a, "code-stdin");
	if (!code)
		return 0;
	iam_free_secret(c->code);
	c->code = strdup(code);
	iam_wipe(code, strlen(code));
	return c->code ? 0 : cli_fail(c, CLI_EXIT_FAILED, "out of memory");
}

int cli_get_code(struct cli_ctx *c, char **code)
{
	int r;

	*code = NULL;
	if (c->code) {
		*code = c->code; /* --code is good for one use only */
		c->code = NULL;
		r = 0;
	} else {
		r = cli_read_secret(c, c->code_stdin, "Verification code: ",
				"--code CODE or --code-stdin", code);
	}
	if (r == 0)
		r = normalise_code(c, *code);
	if (r != 0) {
		iam_free_secret(*code);
		*code = NULL;
	}
	return r;
}

static int use_admin_token(struct cli_ctx *c)
{
	struct iam_err err = { "" };
	struct iam_token parsed;
	char *token = NULL;
	int r;

	if (!c->cfg.admin_token_file)
		return cli_fail(c, CLI_EXIT_USAGE, "this command needs the admin token: use "
				"--admin-token-file FILE, IAM_ADMIN_TOKEN_FILE or admin_token_file "
				"in iamctl.conf");
	r = iam_credential_read(c->cfg.admin_token_file, c->uid, &token, &err);
	if (r == -EACCES || r == -ENOENT)
		return cli_fail(c, CLI_EXIT_AUTH, "%s; run iamctl as the token file's owner, or "
				"copy it to a file of yours with mode 0600 and point "
				"--admin-token-file at it", err.msg);
	if (r < 0)
		return cli_fail(c, CLI_EXIT_AUTH, "%s", err.msg);
	r = iam_token_parse(token, &parsed);
	if (r < 0)
		r = cli_fail(c, CLI_EXIT_AUTH, "%s does not hold a token", c->cfg.admin_token_file);
	else if (parsed.kind != IAM_TOKEN_ADMIN)
		r = cli_fail(c, CLI_EXIT_AUTH, "%s holds a %s, not an admin token",
			     c->cfg.admin_token_file,
			     parsed.kind == IAM_TOKEN_HOST ? "host credential" :
			     parsed.kind == IAM_TOKEN_USER ? "user session token" : "token");
	else if (iam_api_set_token(c->api, token) < 0)
		r = cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	iam_wipe(&parsed, sizeof(parsed));
	iam_free_secret(token);
	c->authenticated = r == 0;
	return r;
}

static int use_session(struct cli_ctx *c)
{
	struct cli_session s;
	struct iam_err err = { "" };
	int r;

	r = session_load(&c->cfg, c->uid, c->user, &s, &err);
	if (r == -ENOENT)
		return cli_login(c);
	if (r < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	r = 0;
	if (iam_api_set_token(c->api, s.token) < 0)
		r = cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	c->authenticated = r == 0;
	c->session_reused = r == 0;
	c->session_expires = s.expires_at;
	session_clear(&s);
	return r;
}

int cli_authenticate(struct cli_ctx *c)
{
	int r;

	if (c->authenticated)
		return 0;
	r = cli_api(c);
	if (r != 0)
		return r;
	switch (c->acting) {
	case CLI_ACT_ADMIN:
		return use_admin_token(c);
	case CLI_ACT_USER:
		return use_session(c);
	default:
		c->authenticated = 1;
		return 0;
	}
}

/* The second step of a login: the code for the challenge. */
static int finish_mfa(struct cli_ctx *c, struct iam_login_result *res)
{
	struct iam_login_result second;
	struct iam_err err = { "" };
	char *code = NULL;
	int r;

	r = cli_get_code(c, &code);
	if (r != 0)
		return r;
	r = iam_api_mfa(c->api, res->challenge, code, &second, &c->aerr, &err);
	iam_free_secret(code);
	if (r < 0)
		return cli_api_failure(c, r, &err);
	iam_login_result_free(res);
	*res = second;
	return 0;
}

/* Keeps the session for later runs; failing to is not fatal for this one. */
static void keep_session(struct cli_ctx *c, const struct iam_login_result *res)
{
	struct cli_session s = { res->token, res->expires_at };
	struct iam_err err = { "" };

	if (session_store(&c->cfg, c->uid, c->user, &s, &err) < 0)
		fprintf(stderr, "iamctl: warning: the session is not kept: %s\n", err.msg);
}

static int start_session(struct cli_ctx *c, const struct iam_login_result *res)
{
	if (!res->token || !res->token[0])
		return cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint did not issue a session token");
	if (iam_api_set_token(c->api, res->token) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	keep_session(c, res);
	c->authenticated = 1;
	c->session_reused = 0;
	c->session_expires = res->expires_at;
	return 0;
}

int cli_login(struct cli_ctx *c)
{
	struct iam_login_result res;
	struct iam_err err = { "" };
	char *password = NULL, prompt[IAM_NAME_MAX + 32];
	int r;

	/* whose password: without --user it is the unix user's name */
	snprintf(prompt, sizeof(prompt), "Password for %s: ", c->user);
	r = cli_api(c);
	if (r == 0)
		r = cli_read_secret(c, c->password_stdin, prompt, "--password-stdin", &password);
	if (r != 0)
		return r;
	iam_api_set_token(c->api, NULL); /* a CLI login: no host token */
	r = iam_api_login(c->api, c->user, password, "iamctl", NULL, NULL, &res, &c->aerr, &err);
	iam_free_secret(password);
	if (r < 0)
		return cli_api_failure(c, r, &err);
	if (strcmp(res.result, "mfa_required") == 0)
		r = finish_mfa(c, &res);
	if (r == 0)
		r = start_session(c, &res);
	iam_login_result_free(&res);
	return r;
}

int cli_relogin(struct cli_ctx *c)
{
	struct iam_err err = { "" };

	c->authenticated = 0;
	c->session_reused = 0;
	if (session_remove(&c->cfg, c->uid, c->user, &err) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	return cli_login(c);
}
