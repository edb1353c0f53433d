#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "host_config.h"
#include "names.h"
#include "safe_file.h"

#define KEY(name, type, field, def, min, max) \
	{ name, type, offsetof(struct iam_host_config, field), def, min, max, NULL }

static const char *const offline_mfa_choices[] = { "deny", "password", NULL };

const struct iam_cfg_key iam_host_config_schema[] = {
	KEY("endpoint", IAM_CFG_URL, endpoint, NULL, 0, 0),
	KEY("ca_file", IAM_CFG_PATH, ca_file, NULL, 0, 0),
	KEY("pinned_pubkey", IAM_CFG_STR, pinned_pubkey, NULL, 0, 0),
	KEY("host_credential_file", IAM_CFG_PATH, host_credential_file,
	    IAM_SYSCONFDIR "/iam/host.credential", 0, 0),
	KEY("connect_timeout", IAM_CFG_MSEC, connect_timeout_ms, "2000ms", 50, 60000),
	KEY("timeout", IAM_CFG_MSEC, timeout_ms, "5000ms", 100, 120000),
	KEY("max_response", IAM_CFG_SIZE, max_response, "1M", 4096, 1LL << 30),
	KEY("max_snapshot", IAM_CFG_SIZE, max_snapshot, "256M", 65536, 1LL << 30),
	KEY("proxy", IAM_CFG_STR, proxy, NULL, 0, 0),
	KEY("snapshot_pubkey", IAM_CFG_STR, snapshot_pubkey, NULL, 0, 0),
	KEY("cache_path", IAM_CFG_PATH, cache_path, IAM_LOCALSTATEDIR "/lib/iam/nss.cache", 0, 0),
	KEY("id_min", IAM_CFG_INT, id_min, "200000", 1000, 2147483646),
	KEY("id_max", IAM_CFG_INT, id_max, "499999", 1000, 2147483646),
	KEY("spool_dir", IAM_CFG_PATH, spool_dir, IAM_LOCALSTATEDIR "/lib/iam/spool", 0, 0),
	KEY("spool_max", IAM_CFG_INT, spool_max, "100000", 100, 10000000),
	KEY("offline_dir", IAM_CFG_PATH, offline_dir, IAM_LOCALSTATEDIR "/lib/iam/offline", 0, 0),
	KEY("offline_max_age", IAM_CFG_SECONDS, offline_max_age, "3d", 0, 90LL * 86400),
	{ "offline_mfa", IAM_CFG_ENUM, offsetof(struct iam_host_config, offline_mfa), "deny",
	  0, 0, offline_mfa_choices },
	KEY("offline_kdf_log2n", IAM_CFG_INT, offline_kdf_log2n, "15", 14, 20),
	KEY("offline_max_failures", IAM_CFG_INT, offline_max_failures, "5", 1, 1000),
	KEY("breakglass_file", IAM_CFG_PATH, breakglass_file, NULL, 0, 0),
	KEY("session_dir", IAM_CFG_PATH, session_dir, "/run/iam/sessions", 0, 0),
	KEY("grant_dir", IAM_CFG_PATH, grant_dir, IAM_LOCALSTATEDIR "/lib/iam/grants", 0, 0),
	KEY("jit_session_dir", IAM_CFG_PATH, jit_session_dir, "/run/iam/jit", 0, 0),
	KEY("jit_end_sessions", IAM_CFG_BOOL, jit_end_sessions, "no", 0, 0),
	KEY("jit_end_grace", IAM_CFG_SECONDS, jit_end_grace, "10s", 0, 3600),
	KEY("vault_pubkey", IAM_CFG_STR, vault_pubkey, NULL, 0, 0),
	KEY("vault_accounts", IAM_CFG_STR, vault_accounts, NULL, 0, 0),
	KEY("vault_dir", IAM_CFG_PATH, vault_dir, IAM_LOCALSTATEDIR "/lib/iam/vault", 0, 0),
	KEY("vault_rotate_interval", IAM_CFG_SECONDS, vault_rotate_interval, "30d", 0,
	    365LL * 86400),
	KEY("debug", IAM_CFG_BOOL, debug, "no", 0, 0),
};
const size_t iam_host_config_schema_len =
	sizeof(iam_host_config_schema) / sizeof(iam_host_config_schema[0]);

int iam_pin_valid(const char *pin)
{
	const char *p = pin;

	for (;;) {
		size_t i;

		if (strncmp(p, "sha256//", 8) != 0)
			return 0;
		p += 8;
		for (i = 0; i < 44; i++) {
			char c = p[i];

			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
			      (c == '=' && i == 43)))
				return 0;
		}
		p += 44;
		if (*p == '\0')
			return 1;
		if (*p++ != ';')
			return 0;
	}
}

int iam_vault_accounts_each(const char *list, int (*fn)(const char *name, const void *ctx),
			    const void *ctx)
{
	char name[IAM_NAME_MAX + 2];
	const char *p = list;
	int r = 0;

	while (p && *p && r == 0) {
		size_t n = strcspn(p, ",");

		if (n >= sizeof(name))
			n = sizeof(name) - 1; /* too long: invalid below */
		memcpy(name, p, n);
		name[n] = '\0';
		r = fn(name, ctx);
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return r;
}

static int name_bad(const char *name, const void *ctx)
{
	(void)ctx;
	return !iam_name_valid(name);
}

static int name_is(const char *name, const void *ctx)
{
	return strcmp(name, (const char *)ctx) == 0;
}

int iam_vault_account_listed(const struct iam_host_config *cfg, const char *account)
{
	return cfg->vault_accounts &&
	       iam_vault_accounts_each(cfg->vault_accounts, name_is, account) == 1;
}

static int check_vault(const struct iam_host_config *cfg, struct iam_err *err)
{
	if (cfg->vault_pubkey && strlen(cfg->vault_pubkey) != 44) {
		iam_err_set(err, "vault_pubkey must be the 44 base64 characters of the "
			    "endpoint's vault.pub");
		return -EINVAL;
	}
	if (!cfg->vault_accounts)
		return 0;
	if (!cfg->vault_accounts[0] || iam_vault_accounts_each(cfg->vault_accounts, name_bad, NULL)) {
		iam_err_set(err, "vault_accounts must be local account names joined by ',' "
			    "(root,breakglass)");
		return -EINVAL;
	}
	if (!cfg->vault_pubkey) {
		iam_err_set(err, "vault_accounts needs vault_pubkey (the endpoint's vault.pub)");
		return -EINVAL;
	}
	return 0;
}

int iam_host_config_check(const struct iam_host_config *cfg, struct iam_err *err)
{
	if (cfg->id_min >= cfg->id_max) {
		iam_err_set(err, "id_min (%lld) must be below id_max (%lld)", cfg->id_min,
			    cfg->id_max);
		return -EINVAL;
	}
	if (cfg->pinned_pubkey && !iam_pin_valid(cfg->pinned_pubkey)) {
		iam_err_set(err, "pinned_pubkey must be sha256//<base64 of the key's "
			    "SHA-256>, several joined by ';'");
		return -EINVAL;
	}
	if (cfg->connect_timeout_ms > cfg->timeout_ms) {
		iam_err_set(err, "connect_timeout (%lldms) must not exceed timeout (%lldms)",
			    cfg->connect_timeout_ms, cfg->timeout_ms);
		return -EINVAL;
	}
	return check_vault(cfg, err);
}

int iam_host_config_load(const char *path, struct iam_host_config *cfg,
			 iam_cfg_warn_fn warn, void *ctx, struct iam_err *err)
{
	int r;

	memset(cfg, 0, sizeof(*cfg));
	r = iam_cfg_defaults(iam_host_config_schema, iam_host_config_schema_len, cfg, err);
	if (r < 0)
		return r;
	r = iam_cfg_load(path, 0, iam_host_config_schema, iam_host_config_schema_len,
			 cfg, warn, ctx, err);
	if (r < 0)
		return r;
	r = iam_host_config_check(cfg, err);
	if (r < 0)
		iam_err_prefix(err, "%s", path);
	return r;
}

void iam_host_config_free(struct iam_host_config *cfg)
{
	iam_cfg_free(iam_host_config_schema, iam_host_config_schema_len, cfg);
}

void iam_host_http_config(const struct iam_host_config *cfg, struct iam_http_config *out)
{
	memset(out, 0, sizeof(*out));
	out->base_url = cfg->endpoint;
	out->ca_file = cfg->ca_file;
	out->pinned_pubkey = cfg->pinned_pubkey;
	out->connect_timeout_ms = (long)cfg->connect_timeout_ms;
	out->timeout_ms = (long)cfg->timeout_ms;
	out->max_response = (size_t)cfg->max_response;
	out->proxy = cfg->proxy;
}
