/*
 * POST /v1/auth/password: users change their own password (through PAM on
 * a host, or a CLI), proving who they are with the current one and, when
 * they have TOTP, a code, exactly as at a login: same lockout, same cost
 * for unknown names, same answers.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "attempt.h"
#include "decide.h"
#include "names.h"
#include "secmem.h"

#define EVENT "user.password"

struct password_body {
	char *user, *old_password, *new_password, *code, *service, *origin, *tty;
};

#define PB(name, member, flags, max) \
	{ name, IAM_J_STRING, offsetof(struct password_body, member), flags, max, 0, 0 }

static const struct iam_json_field password_fields[] = {
	PB("user", user, IAM_JF_REQUIRED, 256),
	PB("old_password", old_password, IAM_JF_REQUIRED, PASSWORD_MAX_BYTES),
	/* Unbounded here (max_body bounds it) so that the policy can name a
	 * password that is too long as rule too_long. */
	PB("new_password", new_password, IAM_JF_REQUIRED, SIZE_MAX),
	PB("code", code, 0, 16),
	PB("service", service, 0, 64),
	PB("origin", origin, 0, 64),
	PB("tty", tty, 0, 64),
};
#define NFIELDS (sizeof(password_fields) / sizeof(password_fields[0]))

/* The policy comes first, on the request alone: a weak password then costs
 * no KDF run, no TOTP code and no failed attempt, and the answer tells
 * nothing, since every input is the caller's own. 0, or -1 with a 400. */
static int check_policy(struct req *r, const struct password_body *b, struct reply *out)
{
	const struct pconfig *cfg = r->srv->cfg;
	struct password_policy p = { cfg->password_min_length, cfg->password_min_classes };
	const char *rule;
	char msg[256];

	rule = decide_password(&p, b->user, b->old_password, b->new_password, msg, sizeof(msg));
	if (!rule)
		return 0;
	reply_error(out, 400, "weak_password", "%s", msg);
	reply_error_field(out, "rule", json_object_new_string(rule));
	return -1;
}

/* The password was right and a code is needed too. Like a login's
 * mfa_required, it confirms the password, so it is answered only once
 * recorded. */
static void ask_for_code(struct attempt *a, struct reply *out)
{
	if (attempt_audit(a, EVENT, "mfa_required", "password") != ST_OK)
		reply_error(out, 503, "unavailable", "The attempt could not be recorded; retry.");
	else
		reply_error(out, 401, "mfa_required", "A verification code (TOTP) is needed too.");
}

static void reply_changed(struct attempt *a, struct reply *out)
{
	struct json_object *body = json_object_new_object();

	iam_json_add_str(body, "result", "ok");
	iam_json_add_str(body, "user", a->user);
	reply_json(out, 200, body);
}

/* Stores the new verifier with its audit record (one transaction). */
static void store_change(struct attempt *a, const struct login_facts *f,
			 const char *verifier, const char *how, struct reply *out)
{
	struct password_change pc = { a->user, f->verifier, verifier, a->r->source, NULL };
	int rc;

	pc.data = attempt_data(a, "ok", how);
	rc = store_user_change_password(a->r->st, &pc, a->r->now);
	json_object_put(pc.data);
	if (rc == ST_OK) {
		attempt_log(a, EVENT, "ok", how, ST_OK);
		reply_changed(a, out);
	} else if (rc == ST_STATE) {
		attempt_audit(a, EVENT, "failed", "account_changed");
		reply_error(out, 409, "invalid_state", "The account changed while its password "
			    "was being changed; nothing was changed.");
	} else {
		reply_store_error(out, rc, "user", a->user);
	}
}

/* The credentials are right: refuse a disabled account, else hash and
 * store the new password. */
static void change(struct attempt *a, const struct login_facts *f, const char *password,
		   int mfa, struct reply *out)
{
	char verifier[IAM_KDF_MAX];
	int rc;

	if (strcmp(f->state, "active") != 0) {
		attempt_audit(a, EVENT, "disabled", "account_disabled");
		reply_error(out, 403, "account_disabled",
			    "Your account is disabled; contact your administrator.");
		return;
	}
	rc = kdf_hash(a->r->srv, password, verifier);
	if (rc == -EBUSY)
		reply_error(out, 503, "unavailable", "Too many password computations at once; retry.");
	else if (rc < 0)
		reply_error(out, 500, "internal", "Could not hash the password.");
	else
		store_change(a, f, verifier, mfa ? "password_and_totp" : "password", out);
	iam_wipe(verifier, sizeof(verifier));
}

/* The same steps as a login: lock, password (one KDF run whoever the name
 * is), code, state. */
static void authenticate_and_change(struct attempt *a, const struct password_body *b,
				    struct reply *out)
{
	struct req *r = a->r;
	int has_code = b->code && b->code[0];
	struct login_facts f;
	const char *reason;
	int rc;

	memset(&f, 0, sizeof(f));
	if (attempt_locked(a, out))
		return;
	if (iam_name_valid(b->user) && store_login_facts(r->st, b->user, &f) != ST_OK) {
		reply_store_error(out, ST_ERROR, "user", b->user);
		return;
	}
	rc = attempt_password(r, &f, b->old_password, &reason);
	/* a wrong or used code fails like a wrong password */
	if (rc == 1 && f.totp_len && has_code && !attempt_code(r, &f, b->code, &reason))
		rc = 0;
	if (rc == -EBUSY)
		reply_error(out, 503, "unavailable", "Too many password computations at once; retry.");
	else if (rc == 0)
		attempt_fail(a, EVENT, reason, out);
	else if (f.totp_len && !has_code)
		ask_for_code(a, out);
	else
		change(a, &f, b->new_password, f.totp_len != 0, out);
	iam_wipe(&f, sizeof(f));
}

void h_password_change(struct req *r, struct reply *out)
{
	struct password_body b = { 0 };
	struct attempt a;

	if (body_map(r, out, password_fields, NFIELDS, &b) < 0)
		return;
	if (check_policy(r, &b, out) == 0) {
		attempt_init(&a, r, EVENT, b.user, b.service, b.origin, b.tty);
		a.by = "self";
		authenticate_and_change(&a, &b, out);
	}
	iam_free_secret(b.old_password);
	iam_free_secret(b.new_password);
	iam_free_secret(b.code);
	b.old_password = b.new_password = b.code = NULL;
	iam_json_map_free(password_fields, NFIELDS, &b);
}
