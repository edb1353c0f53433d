#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "attempt.h"
#include "encode.h"
#include "names.h"
#include "secmem.h"
#include "token.h"

#define CHALLENGE_MAX_ATTEMPTS 3

struct login_body {
	char *user, *password, *service, *origin, *tty;
};

#define LB(name, member, flags, max) \
	{ name, IAM_J_STRING, offsetof(struct login_body, member), flags, max, 0, 0 }

static const struct iam_json_field login_fields[] = {
	LB("user", user, IAM_JF_REQUIRED, 256),
	LB("password", password, IAM_JF_REQUIRED, 1024),
	LB("service", service, 0, 64),
	LB("origin", origin, 0, 64),
	LB("tty", tty, 0, 64),
};

static void reply_unrecorded(struct reply *out)
{
	reply_error(out, 503, "unavailable", "The login could not be recorded; retry.");
}

/* For a host: a stamp that changes whenever the password is set (it hashes
 * the salted verifier, and reveals nothing about the password), so pam_iam
 * can keep its offline verifier instead of paying for a new scrypt at every
 * login while the password stays the same. */
static void add_password_stamp(struct json_object *body, const struct login_facts *f)
{
	char hex[IAM_SHA256_HEX_LEN + 1], in[sizeof(f->verifier) + 32];
	int n = snprintf(in, sizeof(in), "iam-password-stamp:%s", f->verifier);

	if (n > 0 && (size_t)n < sizeof(in) && iam_sha256_hex(in, (size_t)n, hex) == 0) {
		hex[32] = '\0';
		iam_json_add_str(body, "password_stamp", hex);
	}
	iam_wipe(in, sizeof(in));
}

/* The credentials are right: refuse a disabled account, else answer ok
 * (with a session token for direct logins). */
static void succeed(struct attempt *a, const struct login_facts *f, int mfa, const char *type,
		    struct reply *out)
{
	struct req *r = a->r;
	struct json_object *body;
	char token[80];
	time_t expires = r->now + (time_t)r->srv->cfg->user_token_ttl;

	if (strcmp(f->state, "active") != 0) {
		attempt_audit(a, type, "disabled", "account_disabled");
		reply_error(out, 403, "account_disabled",
			    "Your account is disabled; contact your administrator.");
		return;
	}
	if (attempt_audit(a, type, "ok", mfa ? "password_and_totp" : "password") != ST_OK) {
		reply_unrecorded(out);
		return;
	}
	attempt_reset(a);
	body = json_object_new_object();
	iam_json_add_str(body, "result", "ok");
	iam_json_add_str(body, "user", a->user);
	iam_json_add_bool(body, "mfa", mfa);
	if (r->who.kind == P_HOST)
		add_password_stamp(body, f);
	if (r->who.kind != P_HOST) {
		if (store_session_create(r->st, f->user_id, mfa, r->now, expires, token) != ST_OK) {
			json_object_put(body);
			reply_store_error(out, ST_ERROR, "session", "-");
			return;
		}
		iam_json_add_str(body, "token", token);
		iam_json_add_int(body, "expires_at", (int64_t)expires);
		iam_wipe(token, sizeof(token));
	}
	reply_json(out, 200, body);
}

static void ask_for_code(struct attempt *a, const struct login_facts *f, struct reply *out)
{
	struct req *r = a->r;
	time_t expires = r->now + (time_t)r->srv->cfg->mfa_challenge_ttl;
	struct json_object *body;
	char token[80];

	if (attempt_audit(a, "login", "mfa_required", "password") != ST_OK) {
		reply_unrecorded(out);
		return;
	}
	if (store_challenge_create(r->st, f->user_id, r->source, a->service, a->origin, a->tty,
				   expires, token) != ST_OK) {
		reply_store_error(out, ST_ERROR, "challenge", "-");
		return;
	}
	body = json_object_new_object();
	iam_json_add_str(body, "result", "mfa_required");
	iam_json_add_str(body, "challenge", token);
	iam_json_add_int(body, "expires_at", (int64_t)expires);
	iam_wipe(token, sizeof(token));
	reply_json(out, 200, body);
}

void h_login(struct req *r, struct reply *out)
{
	struct login_body b = { 0 };
	struct login_facts f;
	struct attempt a;
	const char *reason;
	int rc;

	if (body_map(r, out, login_fields, sizeof(login_fields) / sizeof(login_fields[0]), &b) < 0)
		return;
	attempt_init(&a, r, "login", b.user, b.service, b.origin, b.tty);
	memset(&f, 0, sizeof(f));
	if (attempt_locked(&a, out))
		goto done;
	if (iam_name_valid(b.user) && store_login_facts(r->st, b.user, &f) != ST_OK) {
		reply_store_error(out, ST_ERROR, "user", b.user);
		goto done;
	}
	rc = attempt_password(r, &f, b.password, &reason);
	if (rc == -EBUSY)
		reply_error(out, 503, "unavailable", "Too many logins at once; retry.");
	else if (rc == 0)
		attempt_fail(&a, "login", reason, out);
	else if (f.totp_len)
		ask_for_code(&a, &f, out);
	else
		succeed(&a, &f, 0, "login", out);
done:
	iam_wipe(&f, sizeof(f));
	iam_free_secret(b.password);
	b.password = NULL;
	iam_json_map_free(login_fields, sizeof(login_fields) / sizeof(login_fields[0]), &b);
}

struct mfa_body {
	char *challenge, *code;
};

static const struct iam_json_field mfa_fields[] = {
	{ "challenge", IAM_J_STRING, offsetof(struct mfa_body, challenge), IAM_JF_REQUIRED, 128, 0, 0 },
	{ "code", IAM_J_STRING, offsetof(struct mfa_body, code), IAM_JF_REQUIRED, 16, 0, 0 },
};

/* A challenge is good when its secret matches, it was started by this same
 * caller, has not expired and has attempts left. */
static int challenge_usable(struct req *r, const char *text, struct challenge_row *c)
{
	char hash[IAM_SHA256_HEX_LEN + 1];
	struct iam_token t;
	int ok;

	if (iam_token_parse(text, &t) < 0 || t.kind != IAM_TOKEN_CHALLENGE ||
	    store_challenge_get(r->st, t.id, c) != ST_OK) {
		iam_wipe(&t, sizeof(t));
		return 0;
	}
	iam_token_hash(&t, hash);
	iam_wipe(&t, sizeof(t));
	ok = iam_ct_streq(hash, c->hash) && strcmp(c->caller, r->source) == 0 &&
	     c->expires_at > r->now && c->attempts < CHALLENGE_MAX_ATTEMPTS;
	if (!ok && (c->expires_at <= r->now || c->attempts >= CHALLENGE_MAX_ATTEMPTS))
		store_challenge_delete(r->st, c->id);
	return ok;
}

static void check_code(struct attempt *a, struct challenge_row *c, const char *code,
		       struct reply *out)
{
	struct req *r = a->r;
	struct login_facts f;
	const char *reason;

	if (store_login_facts(r->st, c->user, &f) != ST_OK || !f.found || !f.totp_len) {
		attempt_fail(a, "login.mfa", "no_totp", out);
	} else if (!attempt_code(r, &f, code, &reason)) {
		store_challenge_fail(r->st, c->id);
		attempt_fail(a, "login.mfa", reason, out);
	} else {
		store_challenge_delete(r->st, c->id);
		succeed(a, &f, 1, "login.mfa", out);
	}
	iam_wipe(&f, sizeof(f));
}

void h_login_mfa(struct req *r, struct reply *out)
{
	struct mfa_body b = { 0 };
	struct challenge_row c;
	struct attempt a;

	if (body_map(r, out, mfa_fields, sizeof(mfa_fields) / sizeof(mfa_fields[0]), &b) < 0)
		return;
	if (!challenge_usable(r, b.challenge, &c)) {
		attempt_init(&a, r, "login", "-", NULL, NULL, NULL);
		attempt_audit(&a, "login.mfa", "failed", "bad_challenge");
		reply_error(out, 401, "auth_failed", "Authentication failed.");
	} else {
		attempt_init(&a, r, "login", c.user, c.service, c.origin, c.tty);
		if (!attempt_locked(&a, out))
			check_code(&a, &c, b.code, out);
	}
	iam_json_map_free(mfa_fields, sizeof(mfa_fields) / sizeof(mfa_fields[0]), &b);
}

void h_logout(struct req *r, struct reply *out)
{
	int rc = store_session_delete(r->st, r->who.session_id);

	if (rc != ST_OK)
		reply_store_error(out, rc, "session", "-");
	else
		reply_ok(out);
}
