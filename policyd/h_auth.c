#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "api.h"
#include "cidr.h"
#include "log.h"
#include "names.h"
#include "secmem.h"
#include "token.h"
#include "totp.h"

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

/* Everything about one login attempt the log and the audit record need. */
struct attempt {
	struct req *r;
	const char *user;
	const char *service, *origin, *tty;
	char user_key[64];   /* lockout per name */
	char rate_key[96];   /* rate limit per client or origin; "" when none */
};

static void attempt_init(struct attempt *a, struct req *r, const char *user,
			 const char *service, const char *origin, const char *tty)
{
	struct iam_addr addr;

	memset(a, 0, sizeof(*a));
	a->r = r;
	a->user = user;
	/* "" and absent mean the same: unknown */
	a->service = service && *service ? service : NULL;
	a->origin = origin && *origin ? origin : NULL;
	a->tty = tty && *tty ? tty : NULL;
	if (iam_name_valid(user))
		snprintf(a->user_key, sizeof(a->user_key), "user:%s", user);
	/* A host speaks for many users: limit by the users' origin there, by
	 * the client address for direct (CLI) logins. */
	if (r->who.kind != P_HOST)
		snprintf(a->rate_key, sizeof(a->rate_key), "ip:%s", r->client_ip);
	else if (a->origin && iam_addr_parse(a->origin, &addr) == 0)
		snprintf(a->rate_key, sizeof(a->rate_key), "origin:%s", a->origin);
}

/* Logs the attempt and writes its audit record; returns the store's result
 * so that a success is never answered without its record. */
static int audit_attempt(const struct attempt *a, const char *type, const char *result,
			 const char *reason)
{
	struct json_object *data = json_object_new_object();
	struct iam_buf line;
	int rc;

	iam_json_add_str(data, "user", a->user);
	iam_json_add_str(data, "result", result);
	iam_json_add_str(data, "reason", reason);
	iam_json_add_str(data, "service", a->service);
	iam_json_add_str(data, "origin", a->origin);
	iam_json_add_str(data, "tty", a->tty);
	iam_json_add_str(data, "client", a->r->client_ip);
	rc = store_audit(a->r->st, a->r->now, a->r->source, type,
			 iam_name_valid(a->user) ? a->user : "-", data);
	json_object_put(data);
	iam_buf_init(&line, 1024);
	iam_kv_add(&line, "event", type);
	iam_kv_add(&line, "result", result);
	iam_kv_add(&line, "reason", reason);
	iam_kv_add(&line, "user", a->user);
	iam_kv_add(&line, "caller", a->r->source);
	iam_kv_add(&line, "service", a->service);
	iam_kv_add(&line, "origin", a->origin);
	iam_log(strcmp(result, "ok") == 0 || strcmp(result, "mfa_required") == 0 ? LOG_INFO
										   : LOG_NOTICE,
		"%s", iam_buf_str(&line));
	iam_buf_free(&line);
	if (rc != ST_OK)
		iam_log(LOG_ERR, "event=audit_failed type=%s user=\"%.64s\" result=%s", type,
			a->user, result);
	return rc;
}

static void reply_unrecorded(struct reply *out)
{
	reply_error(out, 503, "unavailable", "The login could not be recorded; retry.");
}

/* 1 when a key is locked (the reply is then 429). */
static int check_locked(struct attempt *a, struct reply *out)
{
	const char *keys[] = { a->user_key, a->rate_key };
	int64_t until = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!keys[i][0] || store_lock_until(a->r->st, keys[i], a->r->now, &until) != ST_OK ||
		    !until)
			continue;
		reply_error(out, 429, "locked_out", "Too many failed logins; try again later.");
		reply_error_field(out, "retry_after", json_object_new_int64(until - a->r->now));
		audit_attempt(a, "login", "locked", i == 0 ? "user_locked" : "rate_limited");
		return 1;
	}
	return 0;
}

static void count_failure(struct attempt *a)
{
	const struct pconfig *cfg = a->r->srv->cfg;
	struct failure_policy user = { cfg->lockout_threshold, cfg->lockout_window,
				       cfg->lockout_duration };
	struct failure_policy rate = { cfg->rate_limit_threshold, cfg->lockout_window,
				       cfg->lockout_duration };
	int64_t until;

	if (a->user_key[0])
		store_failure_add(a->r->st, a->user_key, &user, a->r->now, &until);
	if (a->rate_key[0])
		store_failure_add(a->r->st, a->rate_key, &rate, a->r->now, &until);
}

static void fail(struct attempt *a, const char *type, const char *reason, struct reply *out)
{
	count_failure(a);
	audit_attempt(a, type, "failed", reason);
	reply_error(out, 401, "auth_failed", "Authentication failed.");
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
		audit_attempt(a, type, "disabled", "account_disabled");
		reply_error(out, 403, "account_disabled",
			    "Your account is disabled; contact your administrator.");
		return;
	}
	if (audit_attempt(a, type, "ok", mfa ? "password_and_totp" : "password") != ST_OK) {
		reply_unrecorded(out);
		return;
	}
	store_failure_reset(r->st, a->user_key, r->now);
	body = json_object_new_object();
	iam_json_add_str(body, "result", "ok");
	iam_json_add_str(body, "user", a->user);
	iam_json_add_bool(body, "mfa", mfa);
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

	if (audit_attempt(a, "login", "mfa_required", "password") != ST_OK) {
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

/* An unknown user, a deprovisioned one and one without a password all cost
 * one KDF run against a dummy verifier, so timing tells nothing. 1 for a
 * match, 0 for none, -EBUSY when no KDF slot came free in time. */
static int password_matches(struct req *r, const struct login_facts *f, const char *password,
			    const char **reason)
{
	int usable = f->found && f->verifier[0] && strcmp(f->state, "deprovisioned") != 0;
	int match = kdf_verify(r->srv, password, usable ? f->verifier : r->srv->dummy_verifier);

	if (match == -EBUSY)
		return -EBUSY;
	match = match == 1;
	if (!f->found)
		*reason = "unknown_user";
	else if (!usable)
		*reason = "no_password";
	else
		*reason = "bad_password";
	return usable && match && password[0] != '\0';
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
	attempt_init(&a, r, b.user, b.service, b.origin, b.tty);
	memset(&f, 0, sizeof(f));
	if (check_locked(&a, out))
		goto done;
	if (iam_name_valid(b.user) && store_login_facts(r->st, b.user, &f) != ST_OK) {
		reply_store_error(out, ST_ERROR, "user", b.user);
		goto done;
	}
	rc = password_matches(r, &f, b.password, &reason);
	if (rc == -EBUSY)
		reply_error(out, 503, "unavailable", "Too many logins at once; retry.");
	else if (rc == 0)
		fail(&a, "login", reason, out);
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
	int64_t step = 0;
	int ok;

	if (store_login_facts(r->st, c->user, &f) != ST_OK || !f.found || !f.totp_len) {
		fail(a, "login.mfa", "no_totp", out);
		return;
	}
	ok = totp_check(f.totp_secret, f.totp_len, code, r->now, (int)r->srv->cfg->totp_window,
			&step) == 1;
	if (!ok || store_totp_step_use(r->st, f.user_id, step) != ST_OK) {
		store_challenge_fail(r->st, c->id);
		fail(a, "login.mfa", ok ? "replayed_code" : "bad_code", out);
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
		attempt_init(&a, r, "-", NULL, NULL, NULL);
		audit_attempt(&a, "login.mfa", "failed", "bad_challenge");
		reply_error(out, 401, "auth_failed", "Authentication failed.");
	} else {
		attempt_init(&a, r, c.user, c.service, c.origin, c.tty);
		if (!check_locked(&a, out))
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
