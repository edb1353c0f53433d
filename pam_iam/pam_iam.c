/*
 * pam_iam.so's entry points. Each opens the call's state (configuration,
 * items), finds out whether the user is the directory's, and hands over to
 * the file that does the phase's work. See pam_iam(8).
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <security/pam_modules.h>

#include "names.h"
#include "pi_auth.h"
#include "pi_offline.h"

/* Built with -fvisibility=hidden; the version script lists these too. */
#define EXPORT __attribute__((visibility("default")))

#define ARG(name, field) \
	{ name, IAM_CFG_BOOL, offsetof(struct pi_iam_args, field), NULL, 0, 0, NULL }

static const struct iam_cfg_key iam_args[] = {
	ARG("use_first_pass", use_first_pass),
	ARG("try_first_pass", try_first_pass),
};

const struct pi_module pi_iam_module = { "pam_iam", iam_args, 2, NULL };

enum phase { AUTH, ACCOUNT, SESSION_OPEN, SESSION_CLOSE, PASSWORD };

static const char *const phase_names[] = { "auth", "account", "session_open",
					    "session_close", "password" };

static int work(struct pi *pi, enum phase phase)
{
	switch (phase) {
	case AUTH:
		return pi_authenticate(pi);
	case ACCOUNT:
		return pi_account(pi);
	case SESSION_OPEN:
	case SESSION_CLOSE:
		return pi_session(pi, phase == SESSION_OPEN);
	case PASSWORD:
		return pi_chauthtok(pi);
	}
	return PAM_SERVICE_ERR;
}

static int run(pam_handle_t *pamh, int flags, int argc, const char **argv, enum phase phase)
{
	int session = phase == SESSION_OPEN || phase == SESSION_CLOSE;
	struct pi_iam_args args = { 0, 0 };
	struct pi pi;
	int r = pi_open(&pi, &pi_iam_module, &args, pamh, flags, argc, argv, phase_names[phase]);

	if (r == PAM_SUCCESS)
		r = pi_get_user(&pi);
	/* a local break-glass account is pam_iam's to authenticate (with the
	 * vault's password, or PIN and code offline); its other phases stay
	 * with pam_unix */
	if (phase == AUTH && r == PAM_IGNORE && pi.user && iam_name_valid(pi.user) &&
	    pi_breakglass_listed(&pi)) {
		r = pi_breakglass_login(&pi);
		pi_close(&pi);
		return r;
	}
	/* sessions of the host's own users are audited too */
	if (session && r == PAM_IGNORE && pi.user)
		r = PAM_SUCCESS;
	if (r == PAM_SUCCESS)
		r = work(&pi, phase);
	else if (session && r != PAM_BUF_ERR)
		r = PAM_IGNORE; /* a session is never refused for a name */
	pi_close(&pi);
	return r;
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, AUTH);
}

/* Nothing to hand over: the endpoint issues no host credentials. */
EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, ACCOUNT);
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, SESSION_OPEN);
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, SESSION_CLOSE);
}

EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, PASSWORD);
}
