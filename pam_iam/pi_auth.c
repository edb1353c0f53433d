/*
 * pam_sm_authenticate: the password, then a TOTP code when the endpoint
 * asks, checked by the endpoint; when it cannot be reached, the offline
 * record or break-glass, never more.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pi_auth.h"
#include "pi_offline.h"
#include "secmem.h"

/* The endpoint's refusal as a PAM code, logged. */
static int refused(struct pi *pi, const struct iam_api_error *aerr, const char *step)
{
	if (strcmp(aerr->code, "locked_out") == 0) {
		char secs[32];

		char msg[160];

		snprintf(secs, sizeof(secs), "%lld", aerr->retry_after);
		pi_log(pi, LOG_NOTICE, step, "result", "locked", "retry_after", secs, "fix",
		       "iamctl user unlock NAME, if it was not an attack", NULL);
		/* the endpoint says so whatever the password: telling leaks nothing */
		snprintf(msg, sizeof(msg), "Too many failed logins: your account is locked for "
			 "%lld more minute(s). Try again then, or ask your administrator.",
			 aerr->retry_after > 0 ? (aerr->retry_after + 59) / 60 : 1);
		pi_tell(pi, 1, msg);
		return PAM_MAXTRIES;
	}
	if (strcmp(aerr->code, "account_disabled") == 0) {
		pi_log(pi, LOG_NOTICE, step, "result", "denied", "reason", "disabled", NULL);
		pi_tell(pi, 1, "Your account is disabled; contact your administrator.");
		return PAM_AUTH_ERR;
	}
	if (strcmp(aerr->code, "auth_failed") == 0) {
		pi_log(pi, LOG_NOTICE, step, "result", "failed", NULL);
		return PAM_AUTH_ERR;
	}
	/* unauthenticated host, forbidden, invalid_field...: a set-up fault the
	 * endpoint answered, so no fallback, and a line an admin can act on */
	pi_log(pi, LOG_ERR, step, "result", "error", "code", aerr->code, "error", aerr->message,
	       "fix", pi_refusal_fix(aerr), NULL);
	pi_tell(pi, 1, "Login is not possible right now: this host cannot use the identity "
		"service. Contact your administrator.");
	return PAM_AUTHINFO_UNAVAIL;
}

/* The endpoint's password stamp, kept for pi_offline_remember_login. */
static void keep_stamp(const struct iam_login_result *res, char stamp[PI_STAMP_MAX])
{
	size_t n = res->password_stamp ? strlen(res->password_stamp) : 0;

	stamp[0] = '\0';
	if (n > 0 && n < PI_STAMP_MAX && strspn(res->password_stamp, "0123456789abcdef") == n)
		memcpy(stamp, res->password_stamp, n + 1);
}

static int with_code(struct pi *pi, struct iam_api *api, const char *challenge,
		     char stamp[PI_STAMP_MAX])
{
	struct iam_api_error aerr;
	struct iam_login_result res;
	struct iam_err err = { "" };
	char *code = NULL;
	int r;

	r = pi_prompt(pi, 0, "Verification code: ", &code);
	if (r != PAM_SUCCESS)
		return r;
	r = iam_api_mfa(api, challenge, code, &res, &aerr, &err);
	iam_free_secret(code);
	if (r == 0) {
		keep_stamp(&res, stamp);
		iam_login_result_free(&res);
		return PAM_SUCCESS;
	}
	if (pi_unreachable(r, &aerr)) {
		/* the password was right but the second factor cannot be
		 * checked now: no offline shortcut around it */
		pi_log(pi, LOG_ERR, "login_mfa", "result", "unavailable", "error", err.msg, NULL);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (r == IAM_API_REFUSED)
		return refused(pi, &aerr, "login_mfa");
	/* an answer that breaks the API: no fallback, one line to act on */
	pi_log(pi, LOG_ERR, "login_mfa", "result", "error", "error", err.msg, NULL);
	return PAM_AUTHINFO_UNAVAIL;
}

/* PI_OFFLINE when the endpoint could not be reached, else a PAM code. */
static int online(struct pi *pi, const char *password, int *mfa, char stamp[PI_STAMP_MAX])
{
	struct iam_api *api = pi_api(pi);
	struct iam_api_error aerr;
	struct iam_login_result res;
	struct iam_err err = { "" };
	int r;

	*mfa = 0;
	if (!api)
		return PI_OFFLINE;
	r = iam_api_login(api, pi->user, password, pi->service, pi->rhost, pi->tty, &res, &aerr,
			  &err);
	if (r < 0 && pi_unreachable(r, &aerr)) {
		pi_log(pi, LOG_WARNING, "endpoint_unreachable", "error", err.msg, NULL);
		return PI_OFFLINE;
	}
	if (r == IAM_API_REFUSED)
		return refused(pi, &aerr, "login");
	if (r < 0) {
		/* an answer that breaks the API: no fallback, one line to act on */
		pi_log(pi, LOG_ERR, "login", "result", "error", "error", err.msg, NULL);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (strcmp(res.result, "mfa_required") == 0) {
		*mfa = 1;
		r = with_code(pi, api, res.challenge, stamp);
	} else if (strcmp(res.result, "ok") == 0) {
		r = PAM_SUCCESS;
		keep_stamp(&res, stamp);
	} else {
		pi_log(pi, LOG_ERR, "login", "result", "error", "error",
		       "the endpoint's login answer has an unknown result", NULL);
		r = PAM_AUTHINFO_UNAVAIL;
	}
	iam_login_result_free(&res);
	return r;
}

static int offline(struct pi *pi, const char *password)
{
	enum pi_cache_state s;

	if (pi_breakglass_listed(pi))
		return pi_breakglass_authenticate(pi, password);
	s = pi_cache_user_state(pi);
	if (s != PI_CACHE_ACTIVE) {
		pi_log(pi, LOG_NOTICE, "offline_login", "result", "denied", "reason",
		       s == PI_CACHE_DISABLED ? "disabled in the cache"
		       : s == PI_CACHE_ABSENT ? "not in the cache (deprovisioned or unknown)"
					      : "the cache cannot be read",
		       NULL);
		return s == PI_CACHE_ERROR ? PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
	}
	return pi_offline_authenticate(pi, password);
}

int pi_authenticate(struct pi *pi)
{
	const char *password = NULL;
	char stamp[PI_STAMP_MAX] = "";
	int mfa = 0, r;

	r = pi_get_password(pi, &password);
	if (r != PAM_SUCCESS)
		return r;
	if (!password[0]) {
		/* never sent anywhere: no account has an empty password */
		pi_log(pi, LOG_NOTICE, "login", "result", "failed", "reason", "empty password", NULL);
		return PAM_AUTH_ERR;
	}
	r = online(pi, password, &mfa, stamp);
	if (r == PI_OFFLINE)
		return offline(pi, password);
	if (r == PAM_SUCCESS) {
		pi_log(pi, LOG_INFO, "login", "result", "ok", "mfa", mfa ? "yes" : "no", NULL);
		pi_offline_remember_login(pi, password, mfa, stamp);
	}
	return r;
}

/* The password for auth: PAM_AUTHTOK per use_first_pass/try_first_pass,
 * else a "Password: " prompt whose answer becomes PAM_AUTHTOK.
 * *password is borrowed from PAM. */
int pi_get_password(struct pi *pi, const char **password)
{
	const struct pi_iam_args *args = pi->args;
	const void *tok = NULL;
	char *answer = NULL;
	int r;

	*password = NULL;
	if (args->use_first_pass || args->try_first_pass) {
		r = pam_get_item(pi->pamh, PAM_AUTHTOK, &tok);
		if (r == PAM_SUCCESS && tok) {
			*password = tok;
			return PAM_SUCCESS;
		}
		if (args->use_first_pass) {
			pi_log(pi, LOG_NOTICE, "no_password", "reason",
			       "use_first_pass and no earlier module set one", NULL);
			return PAM_AUTHTOK_RECOVERY_ERR;
		}
	}
	r = pi_prompt(pi, 0, "Password: ", &answer);
	if (r != PAM_SUCCESS)
		return r;
	r = pam_set_item(pi->pamh, PAM_AUTHTOK, answer);
	iam_free_secret(answer);
	if (r != PAM_SUCCESS)
		return r;
	r = pam_get_item(pi->pamh, PAM_AUTHTOK, &tok);
	if (r != PAM_SUCCESS || !tok)
		return r != PAM_SUCCESS ? r : PAM_AUTHTOK_RECOVERY_ERR;
	*password = tok;
	return PAM_SUCCESS;
}
