/*
 * mode=activate: a user who is eligible but holds no grant may ask for one
 * inside sudo. The conversation asks for a reason, a duration (default and
 * cap from the role) and, when the role wants MFA, a TOTP code; the request
 * is made by this host on the user's behalf and is valid on this host only
 * (doc/api.md). A role without approval is active at once; otherwise the
 * user learns the request id and who may approve, and is denied for now.
 */
#include "config.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "names.h"
#include "parse.h"
#include "pj.h"
#include "secmem.h"

#define DEFAULT_DURATION 3600
#define REASON_MAX 512

static void format_duration(long long s, char *out, size_t outsz)
{
	if (s % 3600 == 0)
		snprintf(out, outsz, "%lldh", s / 3600);
	else if (s % 60 == 0)
		snprintf(out, outsz, "%lldm", s / 60);
	else
		snprintf(out, outsz, "%llds", s);
}

static int ask_reason(struct pi *pi, const char *role, char **reason)
{
	char prompt[128];
	int r;

	snprintf(prompt, sizeof(prompt), "Reason for using role %s: ", role);
	r = pi_prompt(pi, 1, prompt, reason);
	if (r != PAM_SUCCESS)
		return r;
	if (!(*reason)[0] || !iam_text_valid(*reason, REASON_MAX)) {
		pi_tell(pi, 1, "A reason is required: one line of printable text, at most 512 "
			"bytes. Nothing was requested.");
		return PAM_PERM_DENIED;
	}
	return PAM_SUCCESS;
}

static int ask_duration(struct pi *pi, long long max, long long *duration)
{
	long long def = max < DEFAULT_DURATION ? max : DEFAULT_DURATION;
	char prompt[128], d[24], m[24], msg[160], *answer = NULL;
	int r;

	format_duration(def, d, sizeof(d));
	format_duration(max, m, sizeof(m));
	snprintf(prompt, sizeof(prompt), "Duration [%s, at most %s]: ", d, m);
	r = pi_prompt(pi, 1, prompt, &answer);
	if (r != PAM_SUCCESS)
		return r;
	*duration = def;
	if (answer[0] && (iam_parse_seconds(answer, duration) < 0 || *duration < 1 ||
			  *duration > max)) {
		snprintf(msg, sizeof(msg), "The duration must be between 1s and %s, like 30m or "
			 "1h. Nothing was requested.", m);
		pi_tell(pi, 1, msg);
		r = PAM_PERM_DENIED;
	}
	free(answer);
	return r;
}

static void tell_refusal(struct pi *pi, const char *role, const struct iam_api_error *aerr)
{
	char msg[512];

	if (strcmp(aerr->code, "not_eligible") == 0)
		snprintf(msg, sizeof(msg), "You are not eligible for role %s; ask your "
			 "administrator.", role);
	else if (strcmp(aerr->code, "auth_failed") == 0)
		snprintf(msg, sizeof(msg), "Wrong verification code; nothing was requested.");
	else
		snprintf(msg, sizeof(msg), "The request for role %s was refused: %s", role,
			 aerr->message);
	pi_tell(pi, 1, msg);
}

static int submit(struct pi *pi, const struct iam_request_new *rq,
		  const struct iam_role_info *info)
{
	struct iam_request_result res = { 0 };
	struct iam_api_error aerr = { 0 };
	struct iam_err err = { "" };
	char msg[512], id[24];
	int r = iam_api_request_create(pi_api(pi), rq, &res, &aerr, &err);

	if (r < 0) {
		pi_log(pi, LOG_NOTICE, "jit_request", "role", rq->role, "error", err.msg, NULL);
		if (r == IAM_API_REFUSED && aerr.status < 500)
			tell_refusal(pi, rq->role, &aerr);
		else
			pi_tell(pi, 1, "The identity service cannot be reached; nothing was "
				"requested.");
		return PAM_PERM_DENIED;
	}
	snprintf(id, sizeof(id), "%lld", (long long)res.id);
	pi_log(pi, LOG_NOTICE, "jit_request", "role", rq->role, "request", id, "state",
	       res.state, NULL);
	r = strcmp(res.state, "active") == 0 ? PAM_SUCCESS : PAM_PERM_DENIED;
	if (r != PAM_SUCCESS) {
		snprintf(msg, sizeof(msg), "Request %s for role %s is waiting for approval by a "
			 "member of %s. Once approved, run sudo again. (iamctl request show %s)",
			 id, rq->role, info->approvers ? info->approvers : "the approvers", id);
		pi_tell(pi, 0, msg);
	}
	iam_request_result_free(&res);
	return r;
}

static int role_info(struct pi *pi, const char *role, struct iam_role_info *info)
{
	struct iam_api_error aerr = { 0 };
	struct iam_err err = { "" };
	struct iam_api *api = pi_api(pi);

	if (api && iam_api_role_get(api, role, info, &aerr, &err) == 0)
		return PAM_SUCCESS;
	pi_log(pi, LOG_ERR, "jit_role", "role", role, "error", api ? err.msg : "no endpoint",
	       NULL);
	pi_tell(pi, 1, "The role's policy cannot be read from the identity service; nothing "
		"was requested.");
	return PAM_PERM_DENIED;
}

static int listed(char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

/* Eligible directly, or through a static group as NSS shows it (the
 * endpoint decides again when the request is made). */
static int eligible(struct pi *pi, const struct iam_role_info *info)
{
	char *const *g;

	if (listed(info->eligible_users, pi->user))
		return 1;
	for (g = info->eligible_groups; g && *g; g++) {
		struct group gr, *res = NULL;
		char buf[16384];

		if (getgrnam_r(*g, &gr, buf, sizeof(buf), &res) == 0 && res &&
		    listed(res->gr_mem, pi->user))
			return 1;
	}
	return 0;
}

/* The first role= the user may request, with its policy. */
static int pick_role(struct pi *pi, const char **role, struct iam_role_info *info)
{
	const struct pj_args *a = pi->args;
	char msg[256];
	int i;

	for (i = 0; i < a->nroles; i++) {
		if (role_info(pi, a->roles[i], info) != PAM_SUCCESS)
			return PAM_PERM_DENIED;
		if (eligible(pi, info)) {
			*role = a->roles[i];
			return PAM_SUCCESS;
		}
		iam_role_info_free(info);
	}
	snprintf(msg, sizeof(msg), "You are not eligible for role %s%s; ask your administrator.",
		 a->roles[0], a->nroles > 1 ? " or the others this host allows" : "");
	pi_tell(pi, 1, msg);
	return PAM_PERM_DENIED;
}

int pj_activate(struct pi *pi)
{
	struct iam_role_info info = { 0 };
	struct iam_request_new rq = { pi->user, NULL, 0, NULL, NULL };
	const char *role = NULL;
	char *reason = NULL, *code = NULL, intro[160];
	long long duration = 0;
	int r = pick_role(pi, &role, &info);

	rq.role = role;
	if (r == PAM_SUCCESS) {
		snprintf(intro, sizeof(intro), "You hold no active grant for role %s; you may "
			 "request one now.", role);
		pi_tell(pi, 0, intro);
		r = ask_reason(pi, role, &reason);
	}
	if (r == PAM_SUCCESS)
		r = ask_duration(pi, info.max_duration, &duration);
	if (r == PAM_SUCCESS && info.mfa)
		r = pi_prompt(pi, 0, "Verification code: ", &code);
	if (r == PAM_SUCCESS) {
		rq.duration = duration;
		rq.reason = reason;
		rq.code = code;
		r = submit(pi, &rq, &info);
	}
	free(reason);
	iam_free_secret(code);
	iam_role_info_free(&info);
	return r;
}
