/*
 * pam_sm_chauthtok: `passwd` for a directory user changes the password on
 * the endpoint, which checks the old one (and a TOTP code for MFA users)
 * and its password policy. The preliminary pass only collects the old
 * password; the update pass asks for the new one twice and sends both.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "pi_auth.h"
#include "pi_offline.h"
#include "secmem.h"

static int old_password(struct pi *pi, const char **old)
{
	const void *tok = NULL;
	char *answer = NULL;
	int r;

	if (pam_get_item(pi->pamh, PAM_OLDAUTHTOK, &tok) == PAM_SUCCESS && tok) {
		*old = tok;
		return PAM_SUCCESS;
	}
	r = pi_prompt(pi, 0, "Current password: ", &answer);
	if (r != PAM_SUCCESS)
		return r;
	r = pam_set_item(pi->pamh, PAM_OLDAUTHTOK, answer);
	iam_free_secret(answer);
	if (r == PAM_SUCCESS)
		r = pam_get_item(pi->pamh, PAM_OLDAUTHTOK, &tok);
	if (r == PAM_SUCCESS && !tok)
		r = PAM_AUTHTOK_RECOVERY_ERR;
	*old = tok;
	return r;
}

static int refused(struct pi *pi, const struct iam_api_error *aerr)
{
	pi_log(pi, LOG_NOTICE, "password_change", "result", "refused", "code", aerr->code,
	       "message", aerr->message, NULL);
	if (strcmp(aerr->code, "weak_password") == 0) {
		pi_tell(pi, 1, aerr->message);
		return PAM_AUTHTOK_ERR;
	}
	if (strcmp(aerr->code, "auth_failed") == 0) {
		pi_tell(pi, 1, "Authentication failed; the password was not changed.");
		return PAM_AUTHTOK_RECOVERY_ERR;
	}
	if (strcmp(aerr->code, "account_disabled") == 0)
		pi_tell(pi, 1, "Your account is disabled; contact your administrator.");
	else if (strcmp(aerr->code, "locked_out") == 0)
		pi_tell(pi, 1, "Too many failed attempts; try again later.");
	else
		pi_tell(pi, 1, "The password was not changed; contact your administrator.");
	return PAM_PERM_DENIED;
}

static int send_change(struct pi *pi, const char *old, const char *new_pw)
{
	struct iam_api *api = pi_api(pi);
	struct iam_api_error aerr;
	struct iam_err err = { "" };
	char *code = NULL;
	int r;

	if (!api) { /* why is logged */
		pi_tell(pi, 1, "The password cannot be changed now: this host cannot use the "
			"identity service. Contact your administrator.");
		return PAM_TRY_AGAIN;
	}
	r = iam_api_change_password(api, pi->user, old, new_pw, NULL, pi->service, pi->rhost,
				    pi->tty, &aerr, &err);
	if (r == IAM_API_REFUSED && strcmp(aerr.code, "mfa_required") == 0) {
		r = pi_prompt(pi, 0, "Verification code: ", &code);
		if (r != PAM_SUCCESS)
			return r;
		r = iam_api_change_password(api, pi->user, old, new_pw, code, pi->service,
					    pi->rhost, pi->tty, &aerr, &err);
		iam_free_secret(code);
	}
	if (r == 0)
		return PAM_SUCCESS;
	if (pi_unreachable(r, &aerr)) {
		pi_log(pi, LOG_WARNING, "password_change", "result", "unavailable", "error",
		       err.msg, NULL);
		pi_tell(pi, 1, "The identity service cannot be reached; try again later.");
		return PAM_TRY_AGAIN;
	}
	if (r == IAM_API_REFUSED)
		return refused(pi, &aerr);
	pi_log(pi, LOG_ERR, "password_change", "result", "error", "error", err.msg, NULL);
	pi_tell(pi, 1, "The password was not changed; contact your administrator.");
	return PAM_AUTHTOK_ERR;
}

int pi_chauthtok(struct pi *pi)
{
	const char *old = NULL, *new_pw = NULL;
	int r;

	r = old_password(pi, &old);
	if (r != PAM_SUCCESS || (pi->flags & PAM_PRELIM_CHECK))
		return r;
	r = pam_get_authtok(pi->pamh, PAM_AUTHTOK, &new_pw, NULL);
	if (r != PAM_SUCCESS)
		return r;
	if (!new_pw || !new_pw[0]) {
		pi_tell(pi, 1, "No password given; the password was not changed.");
		return PAM_AUTHTOK_ERR;
	}
	r = send_change(pi, old, new_pw);
	if (r == PAM_SUCCESS) {
		pi_log(pi, LOG_NOTICE, "password_change", "result", "ok", NULL);
		/* the old verifier must not let the old password in offline;
		 * the next online login makes a new one */
		pi_offline_forget(pi);
	}
	return r;
}
