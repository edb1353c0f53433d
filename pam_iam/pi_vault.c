/*
 * A break-glass account's login: a local account listed in
 * breakglass_file. While the endpoint answers, its password is the one
 * checked out of the vault (iamctl secret checkout), and the endpoint
 * accepts it only while somebody's check-out of it runs, naming the
 * holders, whom the session's audit events then carry. When the endpoint
 * cannot be reached, or refuses this host (a revoked credential), the
 * usersfile's PIN and TOTP code (pi_breakglass.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pi_auth.h"
#include "pi_offline.h"

#define HOLDERS_DATA "pam_iam_vault_holders"
#define HOLDERS_ENV "IAM_VAULT_HOLDERS"

const char *pi_vault_holders(struct pi *pi)
{
	const char *v = pi_data_get(pi, HOLDERS_DATA);

	return v ? v : pam_getenv(pi->pamh, HOLDERS_ENV);
}

/* A PAM code, or PI_OFFLINE where the PIN and code must do. */
static int refused(struct pi *pi, const struct iam_api_error *aerr)
{
	if (strcmp(aerr->code, "auth_failed") == 0) {
		pi_log(pi, LOG_NOTICE, "breakglass", "result", "failed", "reason",
		       "not the password the vault holds", NULL);
		return PAM_AUTH_ERR;
	}
	if (strcmp(aerr->code, "not_checked_out") == 0) {
		/* right password, ended check-out: somebody kept it */
		pi_log(pi, LOG_WARNING, "breakglass", "result", "denied", "reason",
		       "the vault's password, but its check-out has ended", "fix",
		       "iamctl secret checkout HOST ACCOUNT; iamd rotates it at its next poll",
		       NULL);
		pi_tell(pi, 1, "This password's check-out has ended: check it out again.");
		return PAM_AUTH_ERR;
	}
	if (strcmp(aerr->code, "no_secret") == 0 ||
	    strcmp(aerr->code, "vault_not_configured") == 0) {
		/* a healthy endpoint: online, the vault's password or nothing */
		pi_log(pi, LOG_ERR, "breakglass", "result", "error", "code", aerr->code, "error",
		       aerr->message, "fix", aerr->code[0] == 'n'
		       ? "iamd rotate ACCOUNT on this host escrows a password"
		       : "vault_key in the endpoint's policyd.conf", NULL);
		pi_tell(pi, 1, "The vault holds no password of this account; contact your "
			"administrator.");
		return PAM_AUTHINFO_UNAVAIL;
	}
	/* The endpoint refused this host (a revoked or unknown credential...):
	 * the host cannot use it at all, so the emergency account's PIN and
	 * code decide, as when the endpoint is down. */
	pi_log(pi, LOG_ERR, "breakglass", "result", "host_refused", "code", aerr->code, "error",
	       aerr->message, "fix", pi_refusal_fix(aerr), NULL);
	return PI_OFFLINE;
}

/* PI_OFFLINE when the endpoint could not be reached, else a PAM code. */
static int vault_login(struct pi *pi, const char *password)
{
	const struct iam_vault_login in = { pi->user, password, pi->service, pi->rhost, pi->tty };
	struct iam_api *api = pi_api(pi);
	struct iam_api_error aerr;
	struct iam_vault_use use;
	struct iam_err err = { "" };
	char version[24], env[sizeof(HOLDERS_ENV) + sizeof(use.holders)];
	int r;

	if (!api)
		return PI_OFFLINE;
	r = iam_api_vault_use(api, &in, &use, &aerr, &err);
	if (r < 0 && pi_unreachable(r, &aerr)) {
		pi_log(pi, LOG_WARNING, "endpoint_unreachable", "error", err.msg, NULL);
		return PI_OFFLINE;
	}
	if (r == IAM_API_REFUSED)
		return refused(pi, &aerr);
	if (r < 0) {
		pi_log(pi, LOG_ERR, "breakglass", "result", "error", "error", err.msg, NULL);
		return PAM_AUTHINFO_UNAVAIL;
	}
	snprintf(version, sizeof(version), "%lld", (long long)use.version);
	pi_log(pi, LOG_NOTICE, "breakglass", "result", "ok", "reason",
	       "password checked out of the vault", "holders", use.holders, "version", version,
	       NULL);
	/* in the environment too: sshd runs keyboard-interactive
	 * authentication in a process of its own, and carries only the PAM
	 * environment over to the session */
	snprintf(env, sizeof(env), HOLDERS_ENV "=%s", use.holders);
	if (pi_data_set(pi, HOLDERS_DATA, use.holders) != PAM_SUCCESS ||
	    pam_putenv(pi->pamh, env) != PAM_SUCCESS)
		pi_log(pi, LOG_WARNING, "breakglass", "error",
		       "cannot keep the holders for the session's audit events", NULL);
	return PAM_SUCCESS;
}

int pi_breakglass_login(struct pi *pi)
{
	const char *password = NULL;
	int r = pi_get_password(pi, &password);

	if (r != PAM_SUCCESS)
		return r;
	if (!password[0]) {
		pi_log(pi, LOG_NOTICE, "breakglass", "result", "failed", "reason", "empty password",
		       NULL);
		return PAM_AUTH_ERR;
	}
	r = vault_login(pi, password);
	return r == PI_OFFLINE ? pi_breakglass_authenticate(pi, password) : r;
}
