/*
 * pam_jit.so's entry points: account (what sudo runs on every call, also
 * when its timestamp lets it skip auth), auth (for stacks that want the
 * check there), session (audit, and the record iamd needs to end the
 * session with the grant). See pam_jit(8).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pj.h"

#define EXPORT __attribute__((visibility("default")))

static const char *const mode_names[] = { "check", "activate", NULL };
static const char *const offline_names[] = { "deny", "grant-until-expiry", NULL };

static const struct iam_cfg_key pj_args_schema[] = {
	{ "mode", IAM_CFG_ENUM, offsetof(struct pj_args, mode), NULL, 0, 0, mode_names },
	{ "offline", IAM_CFG_ENUM, offsetof(struct pj_args, offline), NULL, 0, 0,
	  offline_names },
	{ "quiet", IAM_CFG_BOOL, offsetof(struct pj_args, quiet), NULL, 0, 0, NULL },
};

/* role=NAME may be given several times: the schema holds one value per key. */
static int role_arg(struct pi *pi, const char *arg)
{
	struct pj_args *a = pi->args;
	const char *name;

	if (strncmp(arg, "role=", 5) != 0)
		return 0;
	name = arg + 5;
	if (!iam_name_valid(name)) {
		pam_syslog(pi->pamh, LOG_ERR, "event=config argument=\"%s\" error=\"not a role "
			   "name\"", arg);
		return -EINVAL;
	}
	if (a->nroles >= PJ_MAX_ROLES) {
		pam_syslog(pi->pamh, LOG_ERR, "event=config argument=\"%s\" error=\"at most %d "
			   "roles\"", arg, PJ_MAX_ROLES);
		return -E2BIG;
	}
	snprintf(a->roles[a->nroles++], sizeof(a->roles[0]), "%s", name);
	return 1;
}

const struct pi_module pj_module = { "pam_jit", pj_args_schema, 3, role_arg };

enum phase { AUTH, ACCOUNT, SESSION_OPEN, SESSION_CLOSE };

static const char *const phase_names[] = { "auth", "account", "session_open",
					    "session_close" };

static int run(pam_handle_t *pamh, int flags, int argc, const char **argv, enum phase phase)
{
	struct pj_args args;
	struct pi pi;
	int r;

	memset(&args, 0, sizeof(args));
	r = pi_open(&pi, &pj_module, &args, pamh, flags, argc, argv, phase_names[phase]);
	/* sudo passes PAM_SILENT to its account phase whatever happens, and a
	 * denial that does not say why leaves the user stuck: pam_jit speaks
	 * unless told to be quiet */
	if (!args.quiet)
		pi.flags &= ~PAM_SILENT;
	if (r == PAM_SUCCESS && args.nroles == 0) {
		pi_log(&pi, LOG_ERR, "config", "error", "pam_jit needs at least one role=NAME",
		       NULL);
		r = PAM_SERVICE_ERR;
	}
	if (r == PAM_SUCCESS) {
		switch (phase) {
		case AUTH:
			r = pj_decide(&pi, PAM_AUTH_ERR);
			break;
		case ACCOUNT:
			r = pj_decide(&pi, PAM_PERM_DENIED);
			break;
		case SESSION_OPEN:
		case SESSION_CLOSE:
			r = pj_session(&pi, phase == SESSION_OPEN);
			break;
		}
	} else if (phase == SESSION_OPEN || phase == SESSION_CLOSE) {
		r = PAM_IGNORE; /* the decision was made before; never fail here */
	}
	pi_close(&pi);
	return r;
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, AUTH);
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
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
