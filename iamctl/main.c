/*
 * iamctl: the command line over the iam-policyd API (doc/api.md).
 * main() parses the global options, finds the command in the tables of the
 * cmd_*.c files, runs it, and prints the one error it reports.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "ctx.h"
#include "secmem.h"

enum {
	OPT_ENDPOINT = 0x100, OPT_CA_FILE, OPT_PIN, OPT_ADMIN_TOKEN_FILE, OPT_USER,
	OPT_CONFIG, OPT_TIMEOUT, OPT_JSON, OPT_PASSWORD_STDIN, OPT_CODE, OPT_CODE_STDIN,
};

static const struct option global_options[] = {
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "admin-token-file", required_argument, NULL, OPT_ADMIN_TOKEN_FILE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "code", required_argument, NULL, OPT_CODE },
	{ "code-stdin", no_argument, NULL, OPT_CODE_STDIN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The parse stopped at the command, or at --help/--version (done). */
enum { GLOBALS_RUN, GLOBALS_DONE };

/* A code given on the command line is copied and the original overwritten,
 * so it shows in ps(1) for as short a time as possible. */
static int take_code(struct cli_ctx *c, struct cli_options *o, char *arg)
{
	iam_free_secret(o->code);
	o->code = strdup(arg);
	iam_wipe(arg, strlen(arg));
	return o->code ? 0 : cli_fail(c, CLI_EXIT_FAILED, "out of memory");
}

static int set_string_option(struct cli_options *o, int ch, const char *arg)
{
	const struct {
		int id;
		const char **slot;
	} slots[] = {
		{ OPT_ENDPOINT, &o->endpoint },
		{ OPT_CA_FILE, &o->ca_file },
		{ OPT_PIN, &o->pinned_pubkey },
		{ OPT_ADMIN_TOKEN_FILE, &o->admin_token_file },
		{ OPT_USER, &o->user },
		{ OPT_CONFIG, &o->config },
		{ OPT_TIMEOUT, &o->timeout },
	};
	size_t i;

	for (i = 0; i < CLI_NELEM(slots); i++) {
		if (slots[i].id == ch) {
			*slots[i].slot = arg;
			return 1;
		}
	}
	return 0;
}

static int bad_global(struct cli_ctx *c, int ch, char **argv)
{
	if (ch == ':')
		return cli_usage(c, "option '%s' needs a value", argv[optind - 1]);
	if (optopt > 0 && optopt < 0x100)
		return cli_usage(c, "unknown option '-%c'", optopt);
	return cli_usage(c, "unknown option '%s'", argv[optind - 1]);
}

static int parse_globals(struct cli_ctx *c, int argc, char **argv, struct cli_options *o,
			 int *state)
{
	int ch;

	*state = GLOBALS_RUN;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:qhV", global_options, NULL)) != -1) {
		if (set_string_option(o, ch, optarg))
			continue;
		switch (ch) {
		case OPT_JSON: o->json = 1; break;
		case 'q': o->quiet = 1; break;
		case OPT_PASSWORD_STDIN: o->password_stdin = 1; break;
		case OPT_CODE_STDIN: o->code_stdin = 1; break;
		case OPT_CODE:
			if (take_code(c, o, optarg) != 0)
				return CLI_EXIT_FAILED;
			break;
		case 'h':
			help_overview(stdout);
			*state = GLOBALS_DONE;
			return 0;
		case 'V':
			printf("iamctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			*state = GLOBALS_DONE;
			return 0;
		default:
			return bad_global(c, ch, argv);
		}
	}
	return 0;
}

/* "iamctl help [WORDS...]" */
static int run_help(struct cli_ctx *c, int argc, char **argv)
{
	const struct cli_command *cmd;
	int words;

	if (argc == 0) {
		help_overview(stdout);
		return 0;
	}
	cmd = cli_find_command(argc, argv, &words);
	if (cmd && words == argc) {
		help_command(stdout, cmd);
		return 0;
	}
	if (cli_count_group(argc, argv) > 0) {
		help_group(stdout, argc, argv);
		return 0;
	}
	return cli_usage(c, "no command '%s'", argv[0]);
}

/* The words name no command: a group ("iamctl user") lists its commands on
 * --help, and is pointed at after an error. */
static int unknown_command(struct cli_ctx *c, int argc, char **argv)
{
	int n = 0, i, len = 0;

	while (n < argc && argv[n][0] != '-' && cli_count_group(n + 1, argv) > 0)
		n++;
	if (n == 0)
		return cli_usage(c, "unknown command '%s'", argv[0]);
	if (n < argc && strcmp(argv[n], "--help") == 0) {
		help_group(stdout, n, argv);
		return 0;
	}
	for (i = 0; i < n && len < (int)sizeof(c->help_topic); i++)
		len += snprintf(c->help_topic + len, sizeof(c->help_topic) - (size_t)len, "%s%s",
				i ? " " : "", argv[i]);
	if (n < argc)
		return cli_usage(c, "unknown command '%s %s'", c->help_topic, argv[n]);
	return cli_usage(c, "'%s' needs a subcommand", c->help_topic);
}

static int run_command(struct cli_ctx *c, struct cli_options *o, int argc, char **argv,
		       const struct cli_command **cmd)
{
	struct cli_args a;
	int words, r;

	if (argc == 0)
		return cli_usage(c, "missing command");
	if (strcmp(argv[0], "help") == 0)
		return run_help(c, argc - 1, argv + 1);
	*cmd = cli_find_command(argc, argv, &words);
	if (!*cmd)
		return unknown_command(c, argc, argv);
	r = cli_args_parse(c, *cmd, argc - words + 1, argv + words - 1, &a);
	if (r == 0 && a.help) {
		help_command(stdout, *cmd);
		return 0;
	}
	if (r == 0)
		r = cli_config_resolve(c, o);
	if (r == 0)
		r = cli_identity_resolve(c, (*cmd)->acting);
	return r == 0 ? (*cmd)->run(c, &a) : r;
}

static void report(const struct cli_ctx *c, int r, const struct cli_command *cmd)
{
	if (r == 0 || !c->msg[0])
		return;
	fprintf(stderr, "iamctl: %s\n", c->msg);
	if (r == CLI_EXIT_USAGE && c->usage_hint) {
		if (cmd)
			fprintf(stderr, "Try 'iamctl help %s'.\n", cmd->name);
		else if (c->help_topic[0])
			fprintf(stderr, "Try 'iamctl help %s'.\n", c->help_topic);
		else
			fprintf(stderr, "Try 'iamctl --help'.\n");
	}
}

/* Output that did not reach its destination is a failure, or a script
 * would take a truncated list for a complete one. */
static int flush_stdout(int r)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "iamctl: cannot write the output: %s\n", strerror(errno));
		return r ? r : CLI_EXIT_FAILED;
	}
	return r;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd = NULL;
	struct cli_options o;
	struct cli_ctx c;
	int r, state;

	memset(&o, 0, sizeof(o));
	cli_ctx_init(&c);
	r = parse_globals(&c, argc, argv, &o, &state);
	if (r == 0 && state == GLOBALS_RUN)
		r = run_command(&c, &o, argc - optind, argv + optind, &cmd);
	report(&c, r, cmd);
	cli_ctx_free(&c);
	iam_free_secret(o.code);
	return flush_stdout(r);
}
