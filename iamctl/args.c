#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "names.h"
#include "parse.h"

/* getopt_long reports long options by this value plus their index. */
#define OPT_BASE 0x100
#define OPT_HELP (OPT_BASE + CLI_MAX_OPTS)

/* What a flag without a value is set to: given, and empty. */
static char flag_given[] = "";

static size_t count_opts(const struct cli_command *cmd)
{
	size_t n = 0;

	while (cmd->opts && cmd->opts[n].name)
		n++;
	return n;
}

/* Builds getopt's tables from the command's option table. */
static void build_getopt(const struct cli_command *cmd, size_t n, struct option *longs,
			 char *shorts, size_t shortsz)
{
	size_t i, s = 0;

	shorts[s++] = ':'; /* report a missing value as ':' */
	for (i = 0; i < n; i++) {
		const struct cli_opt_spec *o = &cmd->opts[i];

		longs[i] = (struct option){ o->name, o->has_arg, NULL, (int)(OPT_BASE + i) };
		if (o->short_name && s + 3 < shortsz) {
			shorts[s++] = (char)o->short_name;
			if (o->has_arg == required_argument)
				shorts[s++] = ':';
		}
	}
	longs[n] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longs[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	shorts[s] = '\0';
}

static int short_index(const struct cli_command *cmd, size_t n, int ch)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cmd->opts[i].short_name == ch)
			return (int)i;
	return -1;
}

static int bad_option(struct cli_ctx *c, const struct cli_command *cmd, int ch,
		      char **argv)
{
	const char *word = argv[optind - 1];

	if (ch == ':')
		return cli_usage(c, "%s: option '%s' needs a value", cmd->name, word);
	if (optopt >= OPT_BASE && optopt < OPT_HELP)
		return cli_usage(c, "%s: option '--%s' takes no value", cmd->name,
				 cmd->opts[optopt - OPT_BASE].name);
	if (optopt > 0 && optopt < OPT_BASE)
		return cli_usage(c, "%s: unknown option '-%c'", cmd->name, optopt);
	return cli_usage(c, "%s: unknown option '%s'", cmd->name, word);
}

static int take_positionals(struct cli_ctx *c, const struct cli_command *cmd, int argc,
			    char **argv, struct cli_args *a)
{
	int n = argc - optind;

	if (n < cmd->min_pos)
		return cli_usage(c, "%s: missing argument; usage: iamctl %s %s", cmd->name,
				 cmd->name, cmd->synopsis);
	if (n > cmd->max_pos || n > CLI_MAX_POS)
		return cli_usage(c, "%s: unexpected argument '%s'", cmd->name,
				 argv[optind + cmd->max_pos]);
	for (a->npos = 0; a->npos < n; a->npos++)
		a->pos[a->npos] = argv[optind + a->npos];
	return 0;
}

int cli_args_parse(struct cli_ctx *c, const struct cli_command *cmd, int argc,
		   char **argv, struct cli_args *a)
{
	struct option longs[CLI_MAX_OPTS + 2];
	char shorts[2 * CLI_MAX_OPTS + 2];
	size_t n = count_opts(cmd);
	int ch;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	if (n > CLI_MAX_OPTS)
		return cli_fail(c, CLI_EXIT_FAILED, "%s: too many options in the table", cmd->name);
	build_getopt(cmd, n, longs, shorts, sizeof(shorts));
	optind = 0; /* GNU getopt: start over, global options were parsed before */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (ch == OPT_HELP) {
			a->help = 1;
			return 0;
		}
		int i = ch >= OPT_BASE ? ch - OPT_BASE : short_index(cmd, n, ch);

		if (ch == '?' || ch == ':' || i < 0)
			return bad_option(c, cmd, ch, argv);
		a->val[i] = cmd->opts[i].has_arg == required_argument ? optarg : flag_given;
	}
	return take_positionals(c, cmd, argc, argv, a);
}

char *cli_opt_secret(const struct cli_args *a, const char *name)
{
	size_t i;

	for (i = 0; a->cmd->opts && a->cmd->opts[i].name; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return a->val[i];
	return NULL;
}

const char *cli_opt(const struct cli_args *a, const char *name)
{
	return cli_opt_secret(a, name);
}

int cli_flag(const struct cli_args *a, const char *name)
{
	return cli_opt(a, name) != NULL;
}

const char *cli_verb(const struct cli_args *a)
{
	const char *space = strrchr(a->cmd->name, ' ');

	return space ? space + 1 : a->cmd->name;
}

int cli_check_name(struct cli_ctx *c, const char *what, const char *s)
{
	if (iam_name_valid(s))
		return 0;
	return cli_usage(c, "invalid %s '%s': expected a lower-case letter or '_', then "
			 "up to 31 lower-case letters, digits, '_' or '-'", what, s);
}

int cli_check_host(struct cli_ctx *c, const char *what, const char *s)
{
	if (iam_hostname_valid(s))
		return 0;
	return cli_usage(c, "invalid %s '%s': expected a host name such as web1 or "
			 "web1.example.com", what, s);
}

int cli_check_text(struct cli_ctx *c, const char *what, const char *s, size_t max)
{
	if (iam_text_valid(s, max))
		return 0;
	return cli_usage(c, "invalid %s: expected at most %zu bytes of UTF-8 text without "
			 "control characters", what, max);
}

int cli_check_number(struct cli_ctx *c, const char *what, const char *s,
		     long long min, long long max, long long *out)
{
	if (iam_parse_ll(s, min, max, out) == 0)
		return 0;
	return cli_usage(c, "invalid %s '%s': expected a number from %lld to %lld",
			 what, s, min, max);
}

int cli_check_duration(struct cli_ctx *c, const char *what, const char *s,
		       long long min, long long max, long long *out)
{
	char lo[32], hi[32];

	if (iam_parse_seconds(s, out) == 0 && *out >= min && *out <= max)
		return 0;
	iam_format_duration(min, lo, sizeof(lo));
	iam_format_duration(max, hi, sizeof(hi));
	return cli_usage(c, "invalid %s '%s': expected a duration from %s to %s, "
			 "such as 90s, 15m, 1h30m or 2d", what, s, lo, hi);
}

int cli_check_opt_text(struct cli_ctx *c, const struct cli_args *a, const char *name,
		       size_t max, int required)
{
	const char *v = cli_opt(a, name);
	char what[48];

	snprintf(what, sizeof(what), "--%s", name);
	if (!v || !*v)
		return required ? cli_usage(c, "%s: %s TEXT is required", a->cmd->name, what) : 0;
	return cli_check_text(c, what, v, max);
}
