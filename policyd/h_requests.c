#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "decide.h"
#include "names.h"
#include "parse.h"
#include "secmem.h"
#include "totp.h"

#define MAX_LIST 500

struct request_body {
	char *role, *reason, *ticket, *code, *user, *host;
	int64_t duration;
};

#define QB(name, kind, member, flags, max) \
	{ name, kind, offsetof(struct request_body, member), flags, max, 0, 0 }

static const struct iam_json_field request_fields[] = {
	QB("role", IAM_J_STRING, role, IAM_JF_REQUIRED, 64),
	{ "duration", IAM_J_INT64, offsetof(struct request_body, duration), IAM_JF_REQUIRED, 0, 1,
	  30LL * 86400 },
	QB("reason", IAM_J_STRING, reason, IAM_JF_REQUIRED, 512),
	QB("ticket", IAM_J_STRING, ticket, 0, 64),
	QB("code", IAM_J_STRING, code, 0, 16),
	QB("user", IAM_J_STRING, user, 0, 64),
	QB("host", IAM_J_STRING, host, 0, 253),
};
#define NREQ (sizeof(request_fields) / sizeof(request_fields[0]))

/* MFA at activation: a fresh code of the requester, single use, counted
 * toward the requester's lockout like a login, whoever sends it (the user,
 * or a host on the user's behalf). 0 when satisfied, -1 with the reply set. */
static int check_activation_code(struct req *r, const char *user, const char *code,
				 struct reply *out)
{
	const struct pconfig *cfg = r->srv->cfg;
	struct failure_policy p = { cfg->lockout_threshold, cfg->lockout_window,
				    cfg->lockout_duration };
	struct login_facts f;
	char key[64];
	int64_t step = 0, until = 0;
	int ok;

	snprintf(key, sizeof(key), "user:%.32s", user);
	if (store_login_facts(r->st, user, &f) != ST_OK || !f.totp_len) {
		reply_error(out, 403, "mfa_not_enrolled", "This role needs MFA and %.32s has no "
			    "TOTP enrolled; ask your administrator.", user);
		return -1;
	}
	if (!code) {
		reply_error(out, 401, "mfa_required", "This role needs a verification code.");
		return -1;
	}
	if (store_lock_until(r->st, key, r->now, &until) == ST_OK && until) {
		reply_error(out, 429, "locked_out", "Too many failed attempts; try again later.");
		reply_error_field(out, "retry_after", json_object_new_int64(until - r->now));
		return -1;
	}
	ok = totp_check(f.totp_secret, f.totp_len, code, r->now, (int)cfg->totp_window, &step) == 1 &&
	     store_totp_step_use(r->st, f.user_id, step) == ST_OK;
	iam_wipe(&f, sizeof(f));
	if (!ok) {
		store_failure_add(r->st, key, &p, r->now, &until);
		reply_error(out, 401, "auth_failed", "The verification code is wrong or was already used.");
		return -1;
	}
	return 0;
}

static int reason_valid(const char *reason, struct reply *out)
{
	if (reason && reason[0] && iam_text_valid(reason, 512))
		return 1;
	reply_invalid(out, "reason", "Give a reason: 1 to 512 bytes of printable text.");
	return 0;
}

static int validate_request(const struct request_body *b, const struct role_row *role,
			    struct reply *out)
{
	if (!reason_valid(b->reason, out))
		return -1;
	if (b->ticket && !iam_text_valid(b->ticket, 64))
		reply_invalid(out, "ticket", "The ticket must be printable text.");
	else if (b->duration > role->max_duration)
		reply_invalid(out, "duration", "Role %s allows at most %lld seconds.", role->name,
			      (long long)role->max_duration);
	else
		return 0;
	return -1;
}

/* The grant an extension belongs to, or the request itself. */
static long long grant_of(const struct request_row *q)
{
	return (long long)(q->extends ? q->extends : q->id);
}

static void reply_invalid_state(struct reply *out, const struct request_row *q, time_t now)
{
	const char *state = request_state(q, now);

	if (!q->id)
		reply_error(out, 409, "invalid_state", "You already have a pending or active "
			    "request for this role.");
	else if (q->extends && strcmp(state, "pending") != 0)
		reply_error(out, 409, "invalid_state", "Request %lld extends grant %lld and is %s; "
			    "revoke or extend the grant itself.", (long long)q->id,
			    (long long)q->extends, state);
	else
		reply_error(out, 409, "invalid_state", "Request %lld is %s.", (long long)q->id,
			    state);
	if (q->id)
		reply_error_field(out, "state", json_object_new_string(state));
}

static void reply_denied(struct reply *out, const char *why, const struct request_row *q,
			 time_t now)
{
	if (strcmp(why, "not_eligible") == 0)
		reply_error(out, 403, why, "You are not eligible for this role.");
	else if (strcmp(why, "self_approval") == 0)
		reply_error(out, 403, why, "You cannot decide on your own request.");
	else if (strcmp(why, "not_approver") == 0)
		reply_error(out, 403, why, "Only members of the role's approvers group may decide.");
	else if (strcmp(why, "forbidden") == 0)
		reply_error(out, 403, why, "You may not do this to request %lld.", (long long)q->id);
	else if (strcmp(why, "request_expired") == 0)
		reply_error(out, 409, why, "Request %lld expired while pending.", (long long)q->id);
	else if (strcmp(why, "user_inactive") == 0)
		reply_error(out, 403, "account_disabled", "The user's account is disabled.");
	else if (strcmp(why, "unknown_user") == 0)
		reply_not_found(out, "user", q->requester[0] ? q->requester : "-");
	else if (strcmp(why, "grant_ended") == 0)
		reply_error(out, 409, "invalid_state", "The grant has ended; request a new one.");
	else if (strcmp(why, "max_duration") == 0)
		reply_error(out, 409, "invalid_state", "Grant %lld already lasts the role's maximum "
			    "duration from now; there is nothing to add.", grant_of(q));
	else
		reply_invalid_state(out, q, now);
}

/*
 * Whom the request is for and where it counts. A host asks for the user it
 * names, and the grant is valid on that host only; a user asks for
 * themself, for every host or (with "host") for one enrolled host.
 * 0 with *user and *host_id set, or -1 with the reply set.
 */
static int requester_and_scope(struct req *r, const struct request_body *b,
			       struct reply *out, const char **user, int64_t *host_id)
{
	struct host_row h;
	int rc;

	if (r->who.kind == P_HOST) {
		if (!b->user || !iam_name_valid(b->user))
			reply_invalid(out, "user", "A host names the user it asks for.");
		else if (b->host && strcmp(b->host, r->who.name) != 0)
			reply_invalid(out, "host", "A host's requests are for itself only.");
		else {
			*user = b->user;
			*host_id = r->who.id;
			return 0;
		}
		return -1;
	}
	if (b->user) {
		reply_invalid(out, "user", "Only hosts name the user; you ask for yourself.");
		return -1;
	}
	*user = r->who.name;
	*host_id = 0;
	if (!b->host)
		return 0;
	rc = iam_hostname_valid(b->host) ? store_host_get(r->st, b->host, &h) : ST_NOTFOUND;
	if (rc != ST_OK) {
		reply_store_error(out, rc, "host", b->host);
		return -1;
	}
	*host_id = h.id;
	return 0;
}

/* A host may name anyone: the user must exist and be active, and that is
 * told before any code is checked. */
static int check_named_user(struct req *r, const char *user, struct reply *out)
{
	struct user_row u;
	int rc = store_user_get(r->st, user, &u);

	if (rc == ST_NOTFOUND || (rc == ST_OK && strcmp(u.state, "deprovisioned") == 0))
		reply_not_found(out, "user", user);
	else if (rc != ST_OK)
		reply_store_error(out, rc, "user", user);
	else if (strcmp(u.state, "active") != 0)
		reply_error(out, 403, "account_disabled", "The user's account is disabled.");
	else
		return 0;
	return -1;
}

static void create(struct req *r, struct reply *out, const struct request_body *b)
{
	struct request_new in = { NULL, b->role, b->duration, b->reason, b->ticket, 0, 0 };
	struct request_row q = { 0 };
	struct role_row role;
	const char *why = NULL;
	int rc;

	if (requester_and_scope(r, b, out, &in.user, &in.host_id) < 0 ||
	    (r->who.kind == P_HOST && check_named_user(r, in.user, out) < 0))
		return;
	if (store_role_get(r->st, b->role, &role) != ST_OK) {
		reply_not_found(out, "role", b->role);
		return;
	}
	if (validate_request(b, &role, out) < 0)
		return;
	if (role.mfa) {
		if (check_activation_code(r, in.user, b->code, out) < 0)
			return;
		in.mfa = 1;
	}
	rc = store_request_create(r->st, &r->who, &in, r->now, &q, &why);
	if (!q.id)
		snprintf(q.requester, sizeof(q.requester), "%s", in.user); /* for the messages */
	if (rc == ST_OK)
		reply_json(out, 201, request_json(&q, r->now));
	else if (rc == ST_DENIED)
		reply_denied(out, why, &q, r->now);
	else
		reply_store_error(out, rc, "role", b->role);
}

void h_request_create(struct req *r, struct reply *out)
{
	struct request_body b = { 0 };

	if (body_map(r, out, request_fields, NREQ, &b) < 0)
		return;
	create(r, out, &b);
	if (b.code)
		iam_wipe(b.code, strlen(b.code));
	iam_json_map_free(request_fields, NREQ, &b);
}

static int add_request(void *ctx, const struct request_row *q)
{
	struct req *r = ((void **)ctx)[1];

	json_object_array_add(((void **)ctx)[0], request_json(q, r->now));
	return ST_OK;
}

static int valid_state(const char *s)
{
	static const char *const states[] = { "pending", "approved", "active", "expired",
					      "denied", "canceled", "revoked", NULL };
	int i;

	for (i = 0; states[i]; i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

void h_request_list(struct req *r, struct reply *out)
{
	struct request_filter f = { query_arg(r, "state"), query_arg(r, "role"), &r->who, MAX_LIST };
	struct json_object *arr, *body;
	void *ctx[2];
	int rc;

	if (f.state && !valid_state(f.state)) {
		reply_invalid(out, "state", "Unknown state.");
		return;
	}
	arr = json_object_new_array();
	ctx[0] = arr;
	ctx[1] = r;
	rc = store_request_list(r->st, &f, r->now, add_request, ctx);
	if (rc != ST_OK) {
		json_object_put(arr);
		reply_store_error(out, rc, "request", "-");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "requests", arr);
	reply_json(out, 200, body);
}

/* 0 with the request loaded, or -1 with a 404 reply. */
static int load(struct req *r, struct reply *out, struct request_row *q)
{
	long long id;

	if (iam_parse_ll(r->params[0], 1, INT64_MAX - 1, &id) < 0 ||
	    store_request_get(r->st, id, q) != ST_OK) {
		reply_not_found(out, "request", r->params[0]);
		return -1;
	}
	return 0;
}

void h_request_get(struct req *r, struct reply *out)
{
	struct request_row q;
	struct role_row role;
	int visible;

	if (load(r, out, &q) < 0)
		return;
	visible = is_admin(r) || (r->who.kind == P_USER && r->who.id == q.user_id) ||
		  (store_role_get(r->st, q.role, &role) == ST_OK && role.approvers_group_id &&
		   store_is_member(r->st, role.approvers_group_id, r->who.id));
	if (visible)
		reply_json(out, 200, request_json(&q, r->now));
	else
		reply_not_found(out, "request", r->params[0]);
}

struct decision_body {
	char *reason;
};

static const struct iam_json_field decision_fields[] = {
	{ "reason", IAM_J_STRING, offsetof(struct decision_body, reason), 0, 512, 0, 0 },
};

/* Every change says why: the reason goes to the request and the audit log. */
static void transition(struct req *r, struct reply *out, enum request_action action)
{
	struct decision_body b = { 0 };
	struct request_row q = { 0 };
	const char *why = NULL;
	int rc;

	if (body_map(r, out, decision_fields, 1, &b) < 0 || load(r, out, &q) < 0 ||
	    !reason_valid(b.reason, out))
		goto done;
	rc = store_request_transition(r->st, q.id, action, &r->who, b.reason, r->now, &q, &why);
	if (rc == ST_OK)
		reply_json(out, 200, request_json(&q, r->now));
	else if (rc == ST_DENIED)
		reply_denied(out, why, &q, r->now);
	else
		reply_store_error(out, rc, "request", r->params[0]);
done:
	iam_json_map_free(decision_fields, 1, &b);
}

void h_request_approve(struct req *r, struct reply *out)
{
	transition(r, out, RQ_APPROVE);
}

void h_request_deny(struct req *r, struct reply *out)
{
	transition(r, out, RQ_DENY);
}

void h_request_revoke(struct req *r, struct reply *out)
{
	transition(r, out, RQ_REVOKE);
}

void h_request_cancel(struct req *r, struct reply *out)
{
	transition(r, out, RQ_CANCEL);
}

struct extend_body {
	char *reason, *code;
	int64_t duration;
};

static const struct iam_json_field extend_fields[] = {
	{ "duration", IAM_J_INT64, offsetof(struct extend_body, duration), IAM_JF_REQUIRED, 0, 1,
	  30LL * 86400 },
	{ "reason", IAM_J_STRING, offsetof(struct extend_body, reason), IAM_JF_REQUIRED, 512, 0, 0 },
	{ "code", IAM_J_STRING, offsetof(struct extend_body, code), 0, 16, 0, 0 },
};
#define NEXT (sizeof(extend_fields) / sizeof(extend_fields[0]))

/* Who may extend, and the role's bounds, before a TOTP code is used up:
 * 0 with role set, or -1 with the reply set. */
static int extend_allowed(struct req *r, const struct request_row *g,
			  const struct extend_body *b, struct role_row *role, struct reply *out)
{
	struct actor_facts a = { 0, r->who.kind == P_USER && r->who.id == g->user_id, 0 };
	const char *why = decide_transition(RQ_EXTEND, g, &a, r->now);

	if (why) {
		reply_denied(out, why, g, r->now);
		return -1;
	}
	if (!reason_valid(b->reason, out))
		return -1;
	if (store_role_get(r->st, g->role, role) != ST_OK) {
		reply_not_found(out, "role", g->role);
		return -1;
	}
	if (b->duration > role->max_duration) {
		reply_invalid(out, "duration", "Role %s allows at most %lld seconds.", role->name,
			      (long long)role->max_duration);
		return -1;
	}
	return 0;
}

static void extend(struct req *r, struct reply *out, const struct extend_body *b)
{
	struct extension_new x = { 0, b->duration, b->reason, 0 };
	struct request_row q = { 0 };
	struct role_row role;
	const char *why = NULL;
	int rc;

	if (load(r, out, &q) < 0 || extend_allowed(r, &q, b, &role, out) < 0)
		return;
	if (role.mfa) {
		if (check_activation_code(r, q.requester, b->code, out) < 0)
			return;
		x.mfa = 1;
	}
	x.grant = q.id;
	rc = store_request_extend(r->st, &r->who, &x, r->now, &q, &why);
	if (rc == ST_OK)
		reply_json(out, 201, request_json(&q, r->now));
	else if (rc == ST_DENIED)
		reply_denied(out, why, &q, r->now);
	else
		reply_store_error(out, rc, "request", r->params[0]);
}

void h_request_extend(struct req *r, struct reply *out)
{
	struct extend_body b = { 0 };

	if (body_map(r, out, extend_fields, NEXT, &b) < 0)
		return;
	extend(r, out, &b);
	if (b.code)
		iam_wipe(b.code, strlen(b.code));
	iam_json_map_free(extend_fields, NEXT, &b);
}
