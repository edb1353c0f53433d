/*
 * "iamd rotate ACCOUNT": one rotation now (rotate.c), for an administrator
 * or a timer. Prints the new version on standard output; the password
 * itself is never shown: it is read from the vault by a check-out.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "vault.h"

static int rotate(const char *config, const char *account, struct iam_err *err)
{
	struct iam_host_config cfg;
	struct iam_api *api = NULL;
	long long version = 0;
	int r = cli_load_config(config, &cfg, err);

	if (r == 0 && !(api = cli_connect_endpoint(&cfg, err)))
		r = -EINVAL;
	if (r == 0)
		r = vault_rotate(&cfg, api, account, 0, &version, err);
	if (r == 0)
		printf("%s: rotated, version %lld is current\n", account, version);
	iam_api_free(api);
	iam_host_config_free(&cfg);
	return r;
}

static int run_rotate(const struct iamd_command *cmd, int argc, char **argv)
{
	struct cli_conf_options o = { NULL, 0 };
	struct iam_err err = { "" };
	int r;

	r = cli_parse_conf_options(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (optind == argc)
		return cli_usage(cmd, "which account? (one of vault_accounts in iam.conf)");
	if (optind + 1 < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
	cli_log_init(&o);
	if (rotate(o.config, argv[optind], &err) < 0)
		return cli_fail("%s", err.msg);
	return IAMD_EXIT_OK;
}

const struct iamd_command iamd_cmd_rotate = {
	"rotate",
	"ACCOUNT [--config FILE] [--stderr]",
	"give a local account a new password, escrowed to the vault first",
	"Give ACCOUNT (listed in vault_accounts in iam.conf) a new random password:\n"
	"sealed to the vault key (vault_pubkey) and escrowed at the endpoint first,\n"
	"then set with chpasswd, then confirmed. A rotation an earlier run left\n"
	"half done is finished first. The password is never printed. Exits 0 when\n"
	"the new password is set and current at the endpoint, 1 otherwise (the old\n"
	"one then still works and is still escrowed, or the next run finishes it).",
	"Options:\n"
	"      --config FILE  read FILE instead of " IAM_HOST_CONFIG_PATH "\n"
	"      --stderr       log to standard error instead of syslog (authpriv)\n"
	"  -h, --help         this text\n",
	run_rotate,
};
