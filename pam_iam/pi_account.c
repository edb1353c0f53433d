/*
 * pam_sm_acct_mgmt: may this user use this host now? Asked of the endpoint
 * on every login, key-based ones included (sshd then runs only this phase);
 * when it cannot be reached, the cache must show the user active and the
 * endpoint must have allowed them here within offline_max_age.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "pi_auth.h"
#include "pi_offline.h"

static const struct {
	const char *reason;
	int code;
	const char *fallback_message;
} deny_codes[] = {
	{ "disabled", PAM_ACCT_EXPIRED, "Your account is disabled; contact your administrator." },
	{ "deprovisioned", PAM_USER_UNKNOWN,
	  "Your account has been removed; contact your administrator." },
	{ "unknown_user", PAM_USER_UNKNOWN, "Unknown user." },
	/* offline: deprovisioned, or created after the last sync */
	{ "not_in_cache", PAM_USER_UNKNOWN,
	  "The identity service cannot be reached, and this host's copy of the directory does "
	  "not list your account (it may be new). Try again later, or contact your "
	  "administrator." },
	{ "host_not_allowed", PAM_PERM_DENIED,
	  "You are not allowed to log in to this host; ask your administrator for access." },
};

static int denied(struct pi *pi, const char *reason, const char *message, int offline)
{
	const char *msg = message && message[0] ? message : NULL;
	int code = PAM_PERM_DENIED;
	size_t i;

	for (i = 0; i < sizeof(deny_codes) / sizeof(deny_codes[0]); i++)
		if (reason && strcmp(reason, deny_codes[i].reason) == 0) {
			code = deny_codes[i].code;
			if (!msg)
				msg = deny_codes[i].fallback_message;
		}
	pi_log(pi, LOG_NOTICE, "account", "result", "deny", "reason", reason, "source",
	       offline ? "cache" : "endpoint", NULL);
	pi_tell(pi, 1, msg ? msg : "Access denied; contact your administrator.");
	return code;
}

static int offline_account(struct pi *pi)
{
	enum pi_cache_state s = pi_cache_user_state(pi);

	switch (s) {
	case PI_CACHE_ACTIVE:
		if (pi_offline_account(pi) == PAM_SUCCESS) {
			pi_log(pi, LOG_WARNING, "account", "result", "allow", "source", "cache",
			       "reason", "endpoint unreachable; allowed here within offline_max_age",
			       NULL);
			return PAM_SUCCESS;
		}
		return denied(pi, "not_recently_allowed",
			      "The identity service cannot be reached and you have not logged in "
			      "to this host recently; try again later.", 1);
	case PI_CACHE_DISABLED:
		return denied(pi, "disabled", NULL, 1);
	case PI_CACHE_ABSENT:
		return denied(pi, "not_in_cache", NULL, 1);
	default:
		return denied(pi, "cache_unreadable",
			      "The identity service cannot be reached; try again later.", 1);
	}
}

int pi_account(struct pi *pi)
{
	struct iam_api *api = pi_api(pi);
	struct iam_api_error aerr;
	struct iam_decision d;
	struct iam_err err = { "" };
	int r;

	if (!api)
		return offline_account(pi);
	r = iam_api_decide_account(api, pi->user, pi->service, pi->rhost, pi->tty, &d, &aerr,
				   &err);
	if (r < 0 && pi_unreachable(r, &aerr)) {
		pi_log(pi, LOG_WARNING, "endpoint_unreachable", "error", err.msg, NULL);
		return offline_account(pi);
	}
	if (r < 0) {
		pi_log(pi, LOG_ERR, "account", "result", "error", "error", err.msg, "fix",
		       r == IAM_API_REFUSED ? pi_refusal_fix(&aerr)
					    : "iamctl doctor checks this host's set-up", NULL);
		pi_tell(pi, 1, "Login is not possible right now: this host cannot use the identity "
			"service. Contact your administrator.");
		return PAM_PERM_DENIED;
	}
	pi_offline_remember_account(pi, d.allow);
	if (d.allow) {
		pi_log(pi, LOG_INFO, "account", "result", "allow", "source", "endpoint", NULL);
		r = PAM_SUCCESS;
	} else {
		r = denied(pi, d.reason, d.message, 0);
	}
	iam_decision_free(&d);
	return r;
}
