/*
 * What every part of iamctl shares: exit statuses, the command table entry
 * and the parsed arguments a handler receives.
 *
 * A handler validates its arguments, talks to the endpoint through call.h
 * and returns an exit status. It never prints an error itself: it records
 * one with cli_fail() and main() prints it once.
 */
#ifndef IAMCTL_H
#define IAMCTL_H

#include <stddef.h>

/* Exit statuses, documented in iamctl(1) EXIT STATUS. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,      /* the endpoint refused (other 4xx), or a local failure */
	CLI_EXIT_USAGE = 2,       /* bad arguments or configuration */
	CLI_EXIT_AUTH = 3,        /* 401/403, wrong password or code, locked out */
	CLI_EXIT_NOT_FOUND = 4,   /* 404 */
	CLI_EXIT_CONFLICT = 5,    /* 409 */
	CLI_EXIT_UNAVAILABLE = 6, /* unreachable, TLS, timeout, bad answer, 5xx */
	CLI_EXIT_AUDIT = 7,       /* audit verification failed */
};

/* Whose token a command sends. */
enum cli_acting {
	CLI_ACT_NONE,   /* no token (status) */
	CLI_ACT_ADMIN,  /* the admin token */
	CLI_ACT_USER,   /* a user session */
	CLI_ACT_EITHER, /* a user if one is named, else admin if configured, else
			 * the invoking unix user */
	CLI_ACT_SELF,   /* no token: the user's current password, sent with the
			 * request, proves who they are (passwd) */
};

struct cli_ctx;
struct cli_args;

/* One option of a subcommand. */
struct cli_opt_spec {
	const char *name;  /* long name, without "--" */
	int short_name;    /* e.g. 'n', or 0 */
	int has_arg;       /* no_argument or required_argument (getopt.h) */
};

/* One command: "user add" and everything needed to parse, run and explain
 * it. Tables of these live in the cmd_*.c files. */
struct cli_command {
	const char *name;                  /* words, e.g. "user key add" */
	const char *synopsis;              /* arguments after the name */
	const char *summary;               /* one line for the overview */
	const char *help;                  /* option descriptions, or NULL */
	const struct cli_opt_spec *opts;   /* {NULL}-terminated, or NULL */
	int min_pos, max_pos;              /* positional arguments */
	enum cli_acting acting;
	int (*run)(struct cli_ctx *c, const struct cli_args *a);
};

struct cli_command_table {
	const struct cli_command *cmds;
	size_t n;
};

#define CLI_NELEM(a) (sizeof(a) / sizeof((a)[0]))

extern const struct cli_command_table cli_session_commands;
extern const struct cli_command_table cli_passwd_commands;
extern const struct cli_command_table cli_user_commands;
extern const struct cli_command_table cli_key_commands;
extern const struct cli_command_table cli_mfa_commands;
extern const struct cli_command_table cli_group_commands;
extern const struct cli_command_table cli_host_commands;
extern const struct cli_command_table cli_role_commands;
extern const struct cli_command_table cli_request_commands;
extern const struct cli_command_table cli_audit_commands;
extern const struct cli_command_table cli_doctor_commands;
extern const struct cli_command_table cli_secret_commands;

#endif
