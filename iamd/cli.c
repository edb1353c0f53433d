#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "secmem.h"

void cli_help(const struct iamd_command *cmd)
{
	printf("Usage: iamd%s%s %s\n\n%s\n\n%s", cmd->name[0] ? " " : "", cmd->name,
	       cmd->synopsis, cmd->description, cmd->options);
}

int cli_usage(const struct iamd_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("iamd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'iamd%s%s --help'.\n", cmd->name[0] ? " " : "", cmd->name);
	return IAMD_EXIT_USAGE;
}

int cli_bad_option(const struct iamd_command *cmd, int ch, char **argv)
{
	const char *word = argv[optind - 1];

	if (ch == ':')
		return cli_usage(cmd, "option '%s' needs a value", word);
	if (optopt > 0 && optopt < 0x80 && word[0] == '-' && word[1] != '-')
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option '%s'", word);
}

int cli_parse_conf_options(const struct iamd_command *cmd, int argc, char **argv,
			   struct cli_conf_options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'e': o->log_stderr = 1; break;
		case 'h': cli_help(cmd); return IAMD_EXIT_OK;
		default: return cli_bad_option(cmd, ch, argv);
		}
	}
	return -1;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("iamd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return IAMD_EXIT_FAILED;
}

static void config_warning(void *ctx, const char *msg)
{
	struct iam_buf line;

	(void)ctx;
	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "config_warning");
	iam_kv_add(&line, "message", msg);
	iam_log(LOG_WARNING, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

int cli_load_config(const char *path, struct iam_host_config *cfg, struct iam_err *err)
{
	int r;

	if (!path)
		path = IAM_HOST_CONFIG_PATH;
	r = iam_host_config_load(path, cfg, config_warning, NULL, err);
	if (r == -ENOENT)
		iam_err_set(err, "%s does not exist", path);
	return r;
}

int cli_flush_stdout(int r)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		return r ? r : cli_fail("cannot write the output: %s", strerror(errno));
	return r;
}

struct iam_api *cli_connect_endpoint(const struct iam_host_config *cfg, struct iam_err *err)
{
	struct iam_http_config hc;
	struct iam_api *api = NULL;
	char *token = NULL;

	if (!cfg->endpoint) {
		iam_err_set(err, "endpoint is not set in the configuration: add "
			    "'endpoint = https://HOST:PORT' (iam.conf(5))");
		return NULL;
	}
	if (iam_credential_read(cfg->host_credential_file, 0, &token, err) == 0) {
		iam_host_http_config(cfg, &hc);
		api = iam_api_new(&hc, token, err);
	}
	iam_free_secret(token);
	return api;
}

void cli_log_init(const struct cli_conf_options *o)
{
	int to_stderr = o->log_stderr || isatty(STDERR_FILENO);

	iam_log_init("iamd", to_stderr ? IAM_LOG_STDERR : IAM_LOG_SYSLOG, 0);
}
