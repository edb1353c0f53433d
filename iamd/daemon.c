/* "iamd [--once]": the command line of the daemon, and what it sets up
 * before the loop in agent.c starts. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "agent.h"
#include "cli.h"
#include "encode.h"
#include "log.h"
#include "secmem.h"
#include "sign.h"

static int require(const char *value, const char *key, const char *path, const char *why,
		   struct iam_err *err)
{
	if (value && *value)
		return 0;
	iam_err_set(err, "%s is not set in %s%s", key, path, why);
	return -EINVAL;
}

/* The first 16 hex digits of SHA-256 of the raw key, as the endpoint's
 * key_id. */
static void key_id_of(EVP_PKEY *key, char out[17])
{
	unsigned char raw[32];
	char hex[IAM_SHA256_HEX_LEN + 1];
	size_t len = sizeof(raw);

	snprintf(out, 17, "-");
	if (EVP_PKEY_get_raw_public_key(key, raw, &len) == 1 && iam_sha256_hex(raw, len, hex) == 0)
		snprintf(out, 17, "%.16s", hex);
}

static int make_clients(struct agent *a, const char *token, struct iam_err *err)
{
	struct iam_http_config hc;

	/* Snapshots may be far larger than other answers: they have their own
	 * cap, and the long-poll its own time. */
	iam_host_http_config(&a->cfg, &hc);
	/* the delivery thread's own client (deliver.c): ordinary answers */
	a->events = iam_api_new(&hc, token, err);
	hc.max_response = (size_t)a->cfg.max_snapshot;
	if (a->events)
		a->api = iam_api_new(&hc, token, err);
	hc.timeout_ms += (long)a->wait * 1000;
	if (a->api)
		a->poll = iam_api_new(&hc, token, err);
	return a->api && a->poll ? 0 : -EINVAL;
}

/* The delivery thread waits for the sync worker's call with a timeout
 * that the wall clock must not move. */
static void init_kick(struct agent *a)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&a->kick_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&a->kick, &attr);
	pthread_condattr_destroy(&attr);
}

int agent_setup(struct agent *a, const char *config_path, unsigned wait,
		struct iam_err *err)
{
	const char *path = config_path ? config_path : IAM_HOST_CONFIG_PATH;
	char *token = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->busy, NULL);
	init_kick(a);
	a->wait = wait;
	r = cli_load_config(path, &a->cfg, err);
	if (r == 0)
		r = require(a->cfg.endpoint, "endpoint", path,
			    ": add 'endpoint = https://HOST:PORT'", err);
	if (r == 0)
		r = require(a->cfg.snapshot_pubkey, "snapshot_pubkey", path,
			    " (iamd accepts only signed snapshots): set it to the key "
			    "'iam-policyd --init' printed, the endpoint's signing.pub", err);
	if (r == 0 && (r = iam_sign_pubkey_from_b64(a->cfg.snapshot_pubkey, &a->pub, err)) < 0)
		iam_err_prefix(err, "snapshot_pubkey");
	if (r == 0) {
		key_id_of(a->pub, a->key_id);
		r = iam_credential_read(a->cfg.host_credential_file, 0, &token, err);
		if (r == -ENOENT)
			iam_err_append(err, "; enrol this host (as an admin: iamctl host enroll "
				       "HOST --output FILE), then install -m 0600 FILE there");
	}
	if (r == 0)
		r = make_clients(a, token, err);
	iam_free_secret(token);
	return r;
}

int agent_reload_credential(struct agent *a, struct iam_err *err)
{
	char *token = NULL;
	int r = iam_credential_read(a->cfg.host_credential_file, 0, &token, err);

	if (r == 0 && (iam_api_set_token(a->api, token) < 0 ||
		       iam_api_set_token(a->poll, token) < 0)) {
		iam_err_set(err, "out of memory");
		r = -ENOMEM;
	}
	iam_free_secret(token);
	return r;
}

void agent_free(struct agent *a)
{
	iam_api_free(a->api);
	iam_api_free(a->poll);
	iam_api_free(a->events);
	EVP_PKEY_free(a->pub);
	free(a->host);
	iam_host_config_free(&a->cfg);
	pthread_mutex_destroy(&a->busy);
	pthread_cond_destroy(&a->kick);
	pthread_mutex_destroy(&a->kick_lock);
}

struct daemon_options {
	const char *config;
	int log_stderr, debug, once;
};

static int parse_options(const struct iamd_command *cmd, int argc, char **argv,
			 struct daemon_options *o, int *done)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "debug", no_argument, NULL, 'd' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*done = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'e': o->log_stderr = 1; break;
		case 'd': o->debug = 1; break;
		case '1': o->once = 1; break;
		case 'h': cli_help(cmd); *done = 1; return IAMD_EXIT_OK;
		case 'V': printf("iamd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); *done = 1;
			return IAMD_EXIT_OK;
		default: return cli_bad_option(cmd, ch, argv);
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return IAMD_EXIT_OK;
}

static int run_daemon(const struct iamd_command *cmd, int argc, char **argv)
{
	struct daemon_options o = { NULL, 0, 0, 0 };
	struct iam_err err = { "" };
	struct agent a;
	int r, done;

	r = parse_options(cmd, argc, argv, &o, &done);
	if (r != IAMD_EXIT_OK || done)
		return r;
	umask(022); /* the cache and its directory are for every process to read */
	signal(SIGPIPE, SIG_IGN);
	/* an admin running --once by hand looks at the terminal, not syslog */
	if (o.once && isatty(STDERR_FILENO))
		o.log_stderr = 1;
	iam_log_init("iamd", o.log_stderr ? IAM_LOG_STDERR : IAM_LOG_SYSLOG, o.debug);
	if (agent_setup(&a, o.config, o.once ? 0 : IAMD_POLL_WAIT, &err) < 0) {
		struct iam_buf line;

		iam_buf_init(&line, 0);
		iam_kv_add(&line, "event", "fatal");
		iam_kv_add(&line, "error", err.msg);
		iam_log(LOG_ERR, "%s", iam_buf_str(&line));
		iam_buf_free(&line);
		r = IAMD_EXIT_FAILED;
	} else {
		if (a.cfg.debug)
			iam_log_init("iamd", o.log_stderr ? IAM_LOG_STDERR : IAM_LOG_SYSLOG, 1);
		r = o.once ? agent_once(&a) : agent_run(&a);
	}
	agent_free(&a);
	return r;
}

const struct iamd_command iamd_cmd_daemon = {
	"",
	"[--once] [--config FILE] [--stderr] [--debug]",
	"keep the NSS cache in step with the endpoint",
	"The iam host agent: keeps the NSS cache (cache_path in iam.conf) in step with\n"
	"the endpoint's signed directory snapshots, and delivers the audit events\n"
	"waiting in the spool (spool_dir). Runs in the foreground until SIGTERM;\n"
	"with --once, syncs the cache once and exits.",
	"Options:\n"
	"      --once         one sync without waiting for changes; exit 0 when the\n"
	"                     cache is current, 1 on any error\n"
	"      --config FILE  read FILE instead of " IAM_HOST_CONFIG_PATH "\n"
	"      --stderr       log to standard error instead of syslog (authpriv)\n"
	"      --debug        also log debug lines (as debug = yes)\n"
	"  -h, --help         this text;  -V, --version  the version\n",
	run_daemon,
};
