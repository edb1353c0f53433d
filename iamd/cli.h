/*
 * iamd's commands and what they share: the command table, usage and
 * failure messages, loading iam.conf, and flushing standard output.
 */
#ifndef IAMD_CLI_H
#define IAMD_CLI_H

#include "api_client.h"
#include "host_config.h"

enum {
	IAMD_EXIT_OK = 0,
	IAMD_EXIT_FAILED = 1, /* the work failed: see the message or the log */
	IAMD_EXIT_USAGE = 2,  /* bad command line */
};

struct iamd_command {
	const char *name;     /* the first word; "" for the daemon itself */
	const char *synopsis; /* what follows "iamd NAME" */
	const char *summary;  /* one line for "iamd --help" */
	const char *description; /* a paragraph for "iamd NAME --help" */
	const char *options;  /* the option lines of "iamd NAME --help" */
	int (*run)(const struct iamd_command *cmd, int argc, char **argv);
};

extern const struct iamd_command iamd_cmd_daemon;
extern const struct iamd_command iamd_cmd_cache_build;
extern const struct iamd_command iamd_cmd_cache_check;
extern const struct iamd_command iamd_cmd_cache_dump;
extern const struct iamd_command iamd_cmd_authorized_keys;
extern const struct iamd_command iamd_cmd_flush_spool;
extern const struct iamd_command iamd_cmd_rotate;

/* "iamd NAME --help". */
void cli_help(const struct iamd_command *cmd);
/* Prints "iamd: MESSAGE" and a pointer to --help; returns IAMD_EXIT_USAGE. */
int cli_usage(const struct iamd_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* getopt_long returned '?' or ':' (call with opterr = 0 and a leading ':'
 * in the short options). */
int cli_bad_option(const struct iamd_command *cmd, int ch, char **argv);
/* The options of a command that needs only iam.conf: --config FILE,
 * --stderr and --help. Returns -1 to go on (positional arguments start at
 * optind), else the exit code: help was shown, or a usage error. */
struct cli_conf_options {
	const char *config;
	int log_stderr;
};
int cli_parse_conf_options(const struct iamd_command *cmd, int argc, char **argv,
			   struct cli_conf_options *o);

/* Logging for a command an admin runs by hand: standard error with
 * --stderr or when it is a terminal (where the admin looks), else syslog. */
void cli_log_init(const struct cli_conf_options *o);

/* Prints "iamd: MESSAGE"; returns IAMD_EXIT_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads iam.conf from path (NULL: IAM_HOST_CONFIG_PATH) with its checks;
 * unknown keys are logged as warnings. -ENOENT when the file is missing
 * (cfg then holds the defaults). */
int cli_load_config(const char *path, struct iam_host_config *cfg, struct iam_err *err);

/* A client of the endpoint with the host credential, as the daemon's;
 * NULL (err says why) without endpoint or a usable credential. */
struct iam_api *cli_connect_endpoint(const struct iam_host_config *cfg, struct iam_err *err);

/* Output that did not reach its destination is a failure. */
int cli_flush_stdout(int r);

#endif
