/*
 * "iamd flush-spool": one delivery round of the audit spool now, as the
 * daemon makes them (deliver.c), for an administrator who does not want
 * to wait or wants to see what is stuck. Prints what happened on standard
 * output; logs like the daemon (each quarantined event, then the outcome).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"
#include "deliver.h"
#include "log.h"
#include "secmem.h"

static void log_result(const struct deliver_result *res, const struct iam_err *err)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", err ? "spool_failed" : "spool_flushed");
	if (err) {
		iam_kv_add(&line, "reason", res->reason ? res->reason : "error");
		iam_kv_add(&line, "error", err->msg);
	}
	iam_kv_addll(&line, "sent", (long long)res->sent);
	iam_kv_addll(&line, "quarantined", (long long)res->quarantined + (long long)res->junk);
	iam_kv_addll(&line, "waiting", res->waiting);
	iam_log(err ? LOG_ERR : LOG_INFO, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

static void print_result(const char *dir, const struct deliver_result *res)
{
	printf("spool: %s\nsent: %zu\nquarantined: %zu\n", dir, res->sent,
	       res->quarantined + res->junk);
	if (res->waiting >= 0)
		printf("waiting: %lld\n", res->waiting);
	else
		printf("waiting: unknown\n");
}

static int flush(const char *config, struct iam_err *err)
{
	struct iam_host_config cfg;
	struct deliver_result res;
	struct iam_api *api = NULL;
	int r = cli_load_config(config, &cfg, err);

	memset(&res, 0, sizeof(res));
	res.waiting = -1;
	if (r == 0 && !(api = cli_connect_endpoint(&cfg, err)))
		r = -EINVAL;
	if (r == 0) {
		r = deliver_round(api, &cfg, &res, err);
		print_result(cfg.spool_dir, &res);
		log_result(&res, r < 0 ? err : NULL);
		if (r < 0)
			iam_err_prefix(err, "the audit spool %s", cfg.spool_dir);
	}
	iam_api_free(api);
	iam_host_config_free(&cfg);
	return r;
}

static int run_flush(const struct iamd_command *cmd, int argc, char **argv)
{
	struct cli_conf_options o = { NULL, 0 };
	struct iam_err err = { "" };
	int r;

	r = cli_parse_conf_options(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	cli_log_init(&o);
	if (flush(o.config, &err) < 0)
		return cli_fail("%s", err.msg);
	return IAMD_EXIT_OK;
}

const struct iamd_command iamd_cmd_flush_spool = {
	"flush-spool",
	"[--config FILE] [--stderr]",
	"deliver the waiting audit events now",
	"Deliver the audit events waiting in the spool (spool_dir in iam.conf) to the\n"
	"endpoint now, as the daemon does on its own, and print how many were sent,\n"
	"how many the endpoint refused as malformed (moved to SPOOL/bad and logged),\n"
	"and how many still wait. Exits 0 when delivery went through, 1 when it\n"
	"failed (the events stay in the spool for the next try).",
	"Options:\n"
	"      --config FILE  read FILE instead of " IAM_HOST_CONFIG_PATH "\n"
	"      --stderr       log to standard error instead of syslog (authpriv)\n"
	"  -h, --help         this text\n",
	run_flush,
};
