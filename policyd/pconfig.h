/* iam-policyd's own configuration file (policyd.conf). */
#ifndef IAM_POLICYD_PCONFIG_H
#define IAM_POLICYD_PCONFIG_H

#include "conf.h"

struct pconfig {
	char *listen;
	char *tls_cert;
	char *tls_key;
	char *signing_key;
	char *database;
	char *vault_key;      /* NULL: no vault (escrow refused) */
	long long id_min, id_max;
	char *home_base;
	char *default_shell;
	long long kdf_log2_n, kdf_r, kdf_p;
	long long kdf_concurrency;
	long long lockout_threshold;
	long long lockout_window;
	long long lockout_duration;
	long long rate_limit_threshold;
	long long mfa_challenge_ttl;
	long long user_token_ttl;
	long long request_ttl;
	long long max_body;
	long long max_connections;
	long long connection_timeout;
	long long long_poll_max;
	long long totp_window;
	long long password_min_length;   /* users' own new passwords */
	long long password_min_classes;
	char *zoneinfo_dir;
	int log;            /* 0 syslog, 1 stderr */
	int debug;
};

extern const struct iam_cfg_key pconfig_schema[];
extern const size_t pconfig_schema_len;

/* Defaults, then the file, then cross-key checks; warnings go to the log. */
int pconfig_load(const char *path, struct pconfig *cfg, struct iam_err *err);
int pconfig_check(const struct pconfig *cfg, struct iam_err *err);
void pconfig_free(struct pconfig *cfg);

#endif
