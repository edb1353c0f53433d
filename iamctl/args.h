/*
 * A subcommand's arguments: getopt_long driven by the command's option
 * table, so no handler writes its own option loop, and validators that
 * turn a bad value into a usage error naming the argument.
 */
#ifndef IAMCTL_ARGS_H
#define IAMCTL_ARGS_H

#include <getopt.h>

#include "ctx.h"
#include "iamctl.h"

#define CLI_MAX_OPTS 16
#define CLI_MAX_POS 4

struct cli_args {
	const struct cli_command *cmd;
	char *val[CLI_MAX_OPTS];       /* by index in cmd->opts; "" for a given flag */
	const char *pos[CLI_MAX_POS];
	int npos;
	int help;                      /* --help was given */
};

/* argv[0] is the last word of the command name; options may come before,
 * between or after the positional arguments. */
int cli_args_parse(struct cli_ctx *c, const struct cli_command *cmd, int argc,
		   char **argv, struct cli_args *a);

/* The value of an option, or NULL when it was not given. */
const char *cli_opt(const struct cli_args *a, const char *name);
/* The same, writable: for secrets that should be wiped from argv. */
char *cli_opt_secret(const struct cli_args *a, const char *name);
int cli_flag(const struct cli_args *a, const char *name);

/* The last word of the command's name: "disable" for "user disable". */
const char *cli_verb(const struct cli_args *a);

/* Each returns 0, or a usage error naming `what` (e.g. "user name",
 * "--uid") and what was expected. */
int cli_check_name(struct cli_ctx *c, const char *what, const char *s);
int cli_check_host(struct cli_ctx *c, const char *what, const char *s);
int cli_check_text(struct cli_ctx *c, const char *what, const char *s, size_t max);
int cli_check_number(struct cli_ctx *c, const char *what, const char *s,
		     long long min, long long max, long long *out);
int cli_check_duration(struct cli_ctx *c, const char *what, const char *s,
		       long long min, long long max, long long *out);

/* An optional free-text option (--reason): NULL when absent. */
int cli_check_opt_text(struct cli_ctx *c, const struct cli_args *a, const char *name,
		       size_t max, int required);

#endif
