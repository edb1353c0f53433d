/*
 * The decision: for each role= in turn, ask the endpoint whether the user
 * holds an active grant now; the first allow lets the call through. A
 * denial is never cached. When the endpoint cannot be reached, elevation is
 * denied, unless offline=grant-until-expiry and a grant the endpoint signed
 * earlier is still inside its window (DESIGN.md rule 3).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "pj.h"

struct outcome {
	int allowed;
	int unreachable;           /* some role could not be asked */
	struct pj_grant grant;     /* when allowed */
	char reason[48];           /* the first role's denial, for activate */
	char message[1024];        /* every denial, a line each, for the user */
};

static void free_grant(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The grant goes to the session phase of the same handle (sudo opens its
 * session with the handle its account phase used). */
static int keep_grant(struct pi *pi, const struct pj_grant *g)
{
	struct pj_grant *copy = malloc(sizeof(*copy));

	if (!copy)
		return PAM_BUF_ERR;
	*copy = *g;
	if (pam_set_data(pi->pamh, PJ_GRANT_DATA, copy, free_grant) != PAM_SUCCESS) {
		free(copy);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static void add_message(struct outcome *o, const char *text)
{
	size_t n = strlen(o->message);

	snprintf(o->message + n, sizeof(o->message) - n, "%s%s", n ? "\n" : "", text);
}

static void log_decision(struct pi *pi, const char *role, const char *origin,
			 const char *decision, const char *reason, int64_t grant)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)grant);
	pi_log(pi, strcmp(decision, "allow") == 0 ? LOG_INFO : LOG_NOTICE, "jit_decision",
	       "role", role, "origin", origin[0] ? origin : "unknown", "decision", decision,
	       "reason", reason, "grant", grant ? id : "-", NULL);
}

/* One role, online. */
static void ask(struct pi *pi, struct iam_api *api, const char *role, const char *origin,
		struct outcome *o)
{
	struct iam_decision d = { 0 };
	struct iam_api_error aerr = { 0 };
	struct iam_err err = { "" };
	int r = api ? iam_api_decide_grant(api, pi->user, role, origin[0] ? origin : NULL, &d,
					   &aerr, &err)
		    : -EHOSTUNREACH;

	if (r < 0) {
		if (api)
			pi_log(pi, LOG_ERR, "jit_endpoint", "role", role, "error", err.msg, NULL);
		if (!api || pi_unreachable(r, &aerr)) {
			o->unreachable = 1;
			return;
		}
		/* refused, or an answer that breaks the API: denied for this
		 * role, no offline fallback */
		log_decision(pi, role, origin, "deny",
			     r == IAM_API_REFUSED ? "refused" : "bad_answer", 0);
		add_message(o, "Your role grant cannot be checked: the identity service rejected "
			    "this host's request. Contact your administrator (the reason is in "
			    "this host's system log).");
		return;
	}
	log_decision(pi, role, origin, d.allow ? "allow" : "deny", d.reason, d.grant_id);
	if (d.allow) {
		o->allowed = 1;
		snprintf(o->grant.role, sizeof(o->grant.role), "%s", role);
		o->grant.id = d.grant_id;
		o->grant.not_after = d.not_after;
		pj_grant_group(&d, role, o->grant.group, sizeof(o->grant.group));
		snprintf(o->grant.origin, sizeof(o->grant.origin), "%s", origin);
		pj_offline_keep(pi, role, &d);
	} else {
		if (!o->reason[0])
			snprintf(o->reason, sizeof(o->reason), "%s", d.reason);
		add_message(o, d.message);
	}
	iam_decision_free(&d);
}

static void ask_offline(struct pi *pi, const char *origin, struct outcome *o)
{
	const struct pj_args *a = pi->args;
	int i;

	for (i = 0; i < a->nroles && !o->allowed; i++) {
		if (pj_offline_grant(pi, a->roles[i], origin, time(NULL), &o->grant)) {
			o->allowed = 1;
			log_decision(pi, a->roles[i], origin, "allow", "offline_signed_grant",
				     o->grant.id);
		}
	}
}

static void decide_all(struct pi *pi, const char *origin, struct outcome *o)
{
	const struct pj_args *a = pi->args;
	struct iam_api *api = pi_api(pi);
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < a->nroles && !o->allowed; i++)
		ask(pi, api, a->roles[i], origin, o);
	if (o->allowed || !o->unreachable)
		return;
	if (a->offline == PJ_OFFLINE_GRANT)
		ask_offline(pi, origin, o);
	if (!o->allowed) {
		log_decision(pi, a->roles[0], origin, "deny", "endpoint_unreachable", 0);
		add_message(o, "sudo through a role is not possible right now: the identity "
			    "service cannot be reached to check your grant. Try again later.");
	}
}

/* Reasons a fresh request could cure. */
static int activation_helps(const char *reason)
{
	return strcmp(reason, "no_grant") == 0 || strcmp(reason, "expired") == 0 ||
	       strcmp(reason, "revoked") == 0 || strcmp(reason, "mfa_missing") == 0;
}

int pj_decide(struct pi *pi, int deny_code)
{
	const struct pj_args *a = pi->args;
	struct outcome o;
	char origin[64];
	int r = pi_get_user(pi);

	if (r != PAM_SUCCESS)
		return r; /* PAM_IGNORE: the host's own users are sudoers' alone */
	pj_origin(pi, origin, sizeof(origin));
	decide_all(pi, origin, &o);
	if (!o.allowed && a->mode == PJ_ACTIVATE && !o.unreachable && activation_helps(o.reason)) {
		r = pj_activate(pi);
		if (r == PAM_SUCCESS)
			decide_all(pi, origin, &o);
		else if (r != PAM_PERM_DENIED)
			return r;
		else
			return deny_code; /* pj_activate told the user */
	}
	if (o.allowed) {
		snprintf(o.grant.user, sizeof(o.grant.user), "%s", pi->user);
		return keep_grant(pi, &o.grant);
	}
	pi_tell(pi, 1, o.message);
	return deny_code;
}
