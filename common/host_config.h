/* The host side's configuration, /etc/iam/iam.conf, shared by the PAM and
 * NSS modules and iamd. Module arguments go through the same schema. */
#ifndef IAM_HOST_CONFIG_H
#define IAM_HOST_CONFIG_H

#include "conf.h"
#include "http.h"

#define IAM_HOST_CONFIG_PATH IAM_SYSCONFDIR "/iam/iam.conf"

struct iam_host_config {
	char *endpoint;             /* https://iam.example.com:8443 */
	char *ca_file;
	char *pinned_pubkey;
	char *host_credential_file;
	long long connect_timeout_ms;
	long long timeout_ms;
	long long max_response;
	long long max_snapshot;
	char *proxy;
	char *snapshot_pubkey;
	char *cache_path;
	long long id_min;
	long long id_max;
	char *spool_dir;            /* audit events waiting for delivery */
	long long spool_max;        /* events the spool holds at most */
	char *offline_dir;          /* pam_iam's offline password verifiers */
	long long offline_max_age;  /* seconds after the last online login */
	int offline_mfa;            /* enum iam_offline_mfa */
	long long offline_kdf_log2n;
	long long offline_max_failures; /* wrong offline passwords before a lock */
	char *breakglass_file;      /* liboath usersfile; NULL: no break-glass */
	char *session_dir;          /* pam_iam: origin of each login session */
	char *grant_dir;            /* pam_jit: signed grants for offline use */
	char *jit_session_dir;      /* pam_jit: sudo sessions opened under a grant */
	int jit_end_sessions;       /* iamd ends those sessions when the grant ends */
	long long jit_end_grace;    /* seconds between SIGTERM and SIGKILL */
	char *vault_pubkey;         /* the vault's X25519 key, base64 */
	char *vault_accounts;       /* local accounts iamd rotates: "root,breakglass" */
	char *vault_dir;            /* iamd: a rotation under way, per account */
	long long vault_rotate_interval; /* seconds between rotations; 0: none */
	int debug;
};

enum iam_offline_mfa {
	IAM_OFFLINE_MFA_DENY,     /* a user who must use MFA cannot log in offline */
	IAM_OFFLINE_MFA_PASSWORD, /* ... can, with the password alone */
};

extern const struct iam_cfg_key iam_host_config_schema[];
extern const size_t iam_host_config_schema_len;

/* Defaults, then the file (root-owned, see iam_cfg_load), then the checks
 * that span keys. A missing file leaves the defaults and returns -ENOENT. */
int iam_host_config_load(const char *path, struct iam_host_config *cfg,
			 iam_cfg_warn_fn warn, void *ctx, struct iam_err *err);
int iam_host_config_check(const struct iam_host_config *cfg, struct iam_err *err);
void iam_host_config_free(struct iam_host_config *cfg);

/* The HTTP client settings these keys describe; strings are borrowed. */
void iam_host_http_config(const struct iam_host_config *cfg, struct iam_http_config *out);

/* Reads the host credential: root-owned, mode 0600 or stricter, one token.
 * A file others can read is refused with a message saying so. *token is
 * wiped and freed by the caller with iam_free_secret(). */
int iam_credential_read(const char *path, uid_t owner, char **token, struct iam_err *err);

/* Calls fn for each name of a vault_accounts list; stops at the first
 * non-zero result and returns it. */
int iam_vault_accounts_each(const char *list, int (*fn)(const char *name, const void *ctx),
			    const void *ctx);
/* Whether account is in vault_accounts. */
int iam_vault_account_listed(const struct iam_host_config *cfg, const char *account);

/* "sha256//<44 base64 chars>" joined by ';' as curl expects. */
int iam_pin_valid(const char *pin);

#endif
