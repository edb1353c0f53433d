/*
 * Acting as someone: the admin token from its file, or a user session from
 * the session file or a new login (password, then a verification code when
 * the endpoint asks for one).
 */
#ifndef IAMCTL_AUTH_H
#define IAMCTL_AUTH_H

#include "args.h"
#include "ctx.h"

/* Options a command may repeat after its name: --password-stdin, --code
 * and --code-stdin, the same as the global ones. */
#define CLI_LOGIN_OPTS \
	{ "password-stdin", 0, no_argument }, \
	{ "code", 0, required_argument }, \
	{ "code-stdin", 0, no_argument }

#define CLI_LOGIN_HELP \
	"      --password-stdin  read the login password from the first line of stdin\n" \
	"      --code CODE       the verification code (TOTP), if one is asked for\n" \
	"      --code-stdin      read verification codes from the next lines of stdin\n"

/* Takes those options into c. */
int cli_take_login_options(struct cli_ctx *c, const struct cli_args *a);

/* Makes c->api carry the token of whom the command acts as. */
int cli_authenticate(struct cli_ctx *c);

/* Logs c->user in afresh and stores the session. */
int cli_login(struct cli_ctx *c);

/* The reused session was refused: forget it and log in again. */
int cli_relogin(struct cli_ctx *c);

/* A secret from the next stdin line, or else asked on the terminal; `how`
 * names the option to use when there is no terminal. */
int cli_read_secret(struct cli_ctx *c, int from_stdin, const char *prompt,
		    const char *how, char **out);

/* A new password of 1 to 1024 bytes: the next stdin line when from_stdin,
 * else asked twice on the terminal (both must match, so that a typo does
 * not lock anyone out). Free it with iam_free_secret(). */
int cli_read_new_password(struct cli_ctx *c, int from_stdin, const char *user, char **out);

/* A verification code from --code (used once), --code-stdin or a prompt;
 * free it with iam_free_secret(). */
int cli_get_code(struct cli_ctx *c, char **code);

#endif
