#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kdf.h"
#include "log.h"
#include "pconfig.h"

static const char *const log_targets[] = { "syslog", "stderr", NULL };

#define KEY(name, type, field, def, min, max) \
	{ name, type, offsetof(struct pconfig, field), def, min, max, NULL }

const struct iam_cfg_key pconfig_schema[] = {
	KEY("listen", IAM_CFG_STR, listen, "127.0.0.1:8443", 0, 0),
	KEY("tls_cert", IAM_CFG_PATH, tls_cert, NULL, 0, 0),
	KEY("tls_key", IAM_CFG_PATH, tls_key, NULL, 0, 0),
	KEY("signing_key", IAM_CFG_PATH, signing_key, NULL, 0, 0),
	KEY("database", IAM_CFG_PATH, database, NULL, 0, 0),
	KEY("vault_key", IAM_CFG_PATH, vault_key, NULL, 0, 0),
	KEY("id_min", IAM_CFG_INT, id_min, "200000", 1000, 2147483646),
	KEY("id_max", IAM_CFG_INT, id_max, "499999", 1000, 2147483646),
	KEY("home_base", IAM_CFG_PATH, home_base, "/home", 0, 0),
	KEY("default_shell", IAM_CFG_PATH, default_shell, "/bin/bash", 0, 0),
	KEY("kdf_log2_n", IAM_CFG_INT, kdf_log2_n, "15", 10, 22),
	KEY("kdf_r", IAM_CFG_INT, kdf_r, "8", 1, 32),
	KEY("kdf_p", IAM_CFG_INT, kdf_p, "1", 1, 16),
	KEY("kdf_concurrency", IAM_CFG_INT, kdf_concurrency, "0", 0, 1024),
	KEY("lockout_threshold", IAM_CFG_INT, lockout_threshold, "5", 1, 1000),
	KEY("lockout_window", IAM_CFG_SECONDS, lockout_window, "15m", 1, 86400LL * 7),
	KEY("lockout_duration", IAM_CFG_SECONDS, lockout_duration, "15m", 1, 86400LL * 7),
	KEY("rate_limit_threshold", IAM_CFG_INT, rate_limit_threshold, "50", 1, 100000),
	KEY("mfa_challenge_ttl", IAM_CFG_SECONDS, mfa_challenge_ttl, "5m", 30, 3600),
	KEY("user_token_ttl", IAM_CFG_SECONDS, user_token_ttl, "15m", 60, 86400),
	KEY("request_ttl", IAM_CFG_SECONDS, request_ttl, "24h", 60, 86400LL * 30),
	KEY("max_body", IAM_CFG_SIZE, max_body, "64K", 1024, 16LL << 20),
	KEY("max_connections", IAM_CFG_INT, max_connections, "256", 4, 65536),
	KEY("connection_timeout", IAM_CFG_SECONDS, connection_timeout, "60s", 5, 3600),
	KEY("long_poll_max", IAM_CFG_SECONDS, long_poll_max, "30s", 0, 300),
	KEY("totp_window", IAM_CFG_INT, totp_window, "1", 0, 10),
	KEY("password_min_length", IAM_CFG_INT, password_min_length, "12", 8, 256),
	KEY("password_min_classes", IAM_CFG_INT, password_min_classes, "2", 1, 4),
	KEY("zoneinfo_dir", IAM_CFG_PATH, zoneinfo_dir, IAM_DEFAULT_ZONEINFO, 0, 0),
	{ "log", IAM_CFG_ENUM, offsetof(struct pconfig, log), "syslog", 0, 0, log_targets },
	KEY("debug", IAM_CFG_BOOL, debug, "no", 0, 0),
};
const size_t pconfig_schema_len = sizeof(pconfig_schema) / sizeof(pconfig_schema[0]);

static void warn_to_log(void *ctx, const char *msg)
{
	(void)ctx;
	iam_log(LOG_WARNING, "event=config_warning message=\"%s\"", msg);
}

int pconfig_check(const struct pconfig *cfg, struct iam_err *err)
{
	static const struct { const char *name; size_t offset; } required[] = {
		{ "tls_cert", offsetof(struct pconfig, tls_cert) },
		{ "tls_key", offsetof(struct pconfig, tls_key) },
		{ "signing_key", offsetof(struct pconfig, signing_key) },
		{ "database", offsetof(struct pconfig, database) },
	};
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!*(char *const *)(const void *)((const char *)cfg + required[i].offset)) {
			iam_err_set(err, "%s is not set", required[i].name);
			return -EINVAL;
		}
	}
	if (cfg->id_min >= cfg->id_max) {
		iam_err_set(err, "id_min (%lld) must be below id_max (%lld)", cfg->id_min, cfg->id_max);
		return -EINVAL;
	}
	return 0;
}

int pconfig_load(const char *path, struct pconfig *cfg, struct iam_err *err)
{
	int r;

	memset(cfg, 0, sizeof(*cfg));
	r = iam_cfg_defaults(pconfig_schema, pconfig_schema_len, cfg, err);
	if (r == 0)
		r = iam_cfg_load(path, geteuid(), pconfig_schema, pconfig_schema_len, cfg,
				 warn_to_log, NULL, err);
	if (r == 0 && (r = pconfig_check(cfg, err)) < 0)
		iam_err_prefix(err, "%s", path);
	return r;
}

void pconfig_free(struct pconfig *cfg)
{
	iam_cfg_free(pconfig_schema, pconfig_schema_len, cfg);
}
