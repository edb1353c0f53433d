#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "names.h"
#include "secmem.h"
#include "totp.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

struct user_body {
	char *name, *gecos, *home, *shell, *password;
	int64_t uid;
};

#define UB(name, kind, member, flags, max) \
	{ name, kind, offsetof(struct user_body, member), flags, max, 0, 0 }

static const struct iam_json_field user_fields[] = {
	UB("name", IAM_J_STRING, name, IAM_JF_REQUIRED, 64),
	UB("uid", IAM_J_INT64, uid, 0, 0),
	UB("gecos", IAM_J_STRING, gecos, 0, 1024),
	UB("home", IAM_J_STRING, home, 0, 1024),
	UB("shell", IAM_J_STRING, shell, 0, 1024),
	UB("password", IAM_J_STRING, password, 0, 1024),
};

static void reply_user(struct req *r, struct reply *out, int status, const struct user_row *u)
{
	reply_json(out, status, user_json(r->st, u));
}

/* A refusal because of the user's state says which state that is. */
static void reply_user_error(struct req *r, struct reply *out, int rc, const char *name)
{
	struct user_row u;

	reply_store_error(out, rc, "user", name);
	if (rc == ST_STATE && store_user_get(r->st, name, &u) == ST_OK)
		reply_error_field(out, "state", json_object_new_string(u.state));
}

/* Hashes a new password; 0, or -1 with the reply set. */
static int make_verifier(struct req *r, struct reply *out, const char *password,
			 char verifier[IAM_KDF_MAX])
{
	if (password[0] == '\0') {
		reply_invalid(out, "password", "The password must not be empty.");
		return -1;
	}
	switch (kdf_hash(r->srv, password, verifier)) {
	case 0:
		break;
	case -EBUSY:
		reply_error(out, 503, "unavailable", "Too many password computations at once; retry.");
		return -1;
	default:
		reply_error(out, 500, "internal", "Could not hash the password.");
		return -1;
	}
	return 0;
}

static int validate_user(const struct user_body *b, struct reply *out)
{
	if (!iam_name_valid(b->name))
		reply_invalid(out, "name", "A user name must match ^[a-z_][a-z0-9_-]{0,31}$.");
	else if (b->gecos && !iam_gecos_valid(b->gecos))
		reply_invalid(out, "gecos", "The GECOS field must be printable, without ':'.");
	else if (b->home && !iam_path_field_valid(b->home))
		reply_invalid(out, "home", "The home must be an absolute path without ':'.");
	else if (b->shell && !iam_path_field_valid(b->shell))
		reply_invalid(out, "shell", "The shell must be an absolute path without ':'.");
	else if (b->uid < 0)
		reply_invalid(out, "uid", "The uid must be positive.");
	else
		return 0;
	return -1;
}

static void create_user(struct req *r, struct reply *out, const struct user_body *b)
{
	const struct pconfig *cfg = r->srv->cfg;
	char verifier[IAM_KDF_MAX] = "", home[300];
	struct user_new u = { b->name, b->uid, b->gecos ? b->gecos : "", b->home, b->shell, NULL };
	struct user_row row;
	int rc;

	if (b->password) {
		if (make_verifier(r, out, b->password, verifier) < 0)
			return;
		u.verifier = verifier;
	}
	if (!u.home) {
		snprintf(home, sizeof(home), "%s/%s", cfg->home_base, b->name);
		u.home = home;
	}
	if (!u.shell)
		u.shell = cfg->default_shell;
	rc = store_user_create(r->st, &u, r->source, r->now, &row);
	if (rc == ST_OK)
		reply_user(r, out, 201, &row);
	else
		reply_store_error(out, rc, "user", b->name);
}

void h_user_create(struct req *r, struct reply *out)
{
	struct user_body b = { 0 };

	if (body_map(r, out, user_fields, NFIELDS(user_fields), &b) < 0)
		return;
	if (validate_user(&b, out) == 0)
		create_user(r, out, &b);
	iam_free_secret(b.password);
	b.password = NULL;
	iam_json_map_free(user_fields, NFIELDS(user_fields), &b);
}

static int add_user(void *ctx, const struct user_row *u)
{
	struct json_object **arr = ctx;

	json_object_array_add(arr[0], user_json((struct store *)(void *)arr[1], u));
	return ST_OK;
}

void h_user_list(struct req *r, struct reply *out)
{
	struct json_object *arr = json_object_new_array(), *body;
	void *ctx[2] = { arr, r->st };
	int rc = store_user_list(r->st, add_user, ctx);

	if (rc != ST_OK) {
		json_object_put(arr);
		reply_store_error(out, rc, "user", "-");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "users", arr);
	reply_json(out, 200, body);
}

void h_user_get(struct req *r, struct reply *out)
{
	const char *name = r->params[0];
	struct user_row u;
	int rc;

	if (!is_admin(r) && !is_self(r, name)) {
		reply_error(out, 403, "forbidden", "You may only look at your own account.");
		return;
	}
	rc = store_user_get(r->st, name, &u);
	if (rc == ST_OK)
		reply_user(r, out, 200, &u);
	else
		reply_store_error(out, rc, "user", name);
}

struct password_body {
	char *password;
};

static const struct iam_json_field password_fields[] = {
	{ "password", IAM_J_STRING, offsetof(struct password_body, password), IAM_JF_REQUIRED,
	  1024, 0, 0 },
};

void h_user_password(struct req *r, struct reply *out)
{
	struct password_body b = { 0 };
	char verifier[IAM_KDF_MAX];
	struct user_row u;
	int rc;

	if (body_map(r, out, password_fields, NFIELDS(password_fields), &b) < 0)
		return;
	if (make_verifier(r, out, b.password, verifier) == 0) {
		rc = store_user_set_password(r->st, r->params[0], verifier, r->source, r->now, &u);
		if (rc == ST_OK)
			reply_user(r, out, 200, &u);
		else
			reply_user_error(r, out, rc, r->params[0]);
	}
	iam_free_secret(b.password);
	b.password = NULL;
}

struct reason_body {
	char *reason;
};

static const struct iam_json_field reason_fields[] = {
	{ "reason", IAM_J_STRING, offsetof(struct reason_body, reason), 0, 512, 0, 0 },
};

/* The optional free-text reason of a state change; 0, or -1 with a reply. */
static int read_reason(struct req *r, struct reply *out, struct reason_body *b)
{
	if (body_map(r, out, reason_fields, NFIELDS(reason_fields), b) < 0)
		return -1;
	if (b->reason && !iam_text_valid(b->reason, 512)) {
		reply_invalid(out, "reason", "The reason must be printable UTF-8 text.");
		iam_json_map_free(reason_fields, NFIELDS(reason_fields), b);
		return -1;
	}
	return 0;
}

enum user_op { OP_DISABLE, OP_ENABLE, OP_DEPROVISION };

static void change_state(struct req *r, struct reply *out, enum user_op op)
{
	struct reason_body b = { 0 };
	struct user_row u;
	int rc;

	if (read_reason(r, out, &b) < 0)
		return;
	if (op == OP_DEPROVISION)
		rc = store_user_deprovision(r->st, r->params[0], b.reason, r->source, r->now, &u);
	else
		rc = store_user_set_state(r->st, r->params[0],
					  op == OP_ENABLE ? "active" : "disabled", b.reason,
					  r->source, r->now, &u);
	if (rc == ST_OK)
		reply_user(r, out, 200, &u);
	else
		reply_user_error(r, out, rc, r->params[0]);
	iam_json_map_free(reason_fields, NFIELDS(reason_fields), &b);
}

void h_user_disable(struct req *r, struct reply *out)
{
	change_state(r, out, OP_DISABLE);
}

void h_user_enable(struct req *r, struct reply *out)
{
	change_state(r, out, OP_ENABLE);
}

void h_user_deprovision(struct req *r, struct reply *out)
{
	change_state(r, out, OP_DEPROVISION);
}

void h_user_unlock(struct req *r, struct reply *out)
{
	struct user_row u;
	int rc = store_user_unlock(r->st, r->params[0], r->source, r->now, &u);

	if (rc == ST_OK)
		reply_user(r, out, 200, &u);
	else
		reply_user_error(r, out, rc, r->params[0]);
}

void h_user_mfa_enroll(struct req *r, struct reply *out)
{
	unsigned char secret[TOTP_SECRET_LEN];
	char b32[64], uri[256];
	struct json_object *body;
	struct user_row u;
	int rc;

	if (totp_new_secret(secret) < 0 ||
	    totp_uri(r->params[0], secret, sizeof(secret), b32, sizeof(b32), uri, sizeof(uri)) < 0) {
		reply_error(out, 500, "internal", "Could not create a TOTP secret.");
		return;
	}
	rc = store_user_set_totp(r->st, r->params[0], secret, sizeof(secret), r->source, r->now, &u);
	if (rc == ST_OK) {
		body = json_object_new_object();
		iam_json_add_str(body, "user", u.name);
		iam_json_add_str(body, "secret", b32);
		iam_json_add_str(body, "uri", uri);
		reply_json(out, 200, body);
	} else {
		reply_user_error(r, out, rc, r->params[0]);
	}
	iam_wipe(secret, sizeof(secret));
	iam_wipe(b32, sizeof(b32));
	iam_wipe(uri, sizeof(uri));
}

void h_user_mfa_remove(struct req *r, struct reply *out)
{
	struct user_row u;
	int rc = store_user_set_totp(r->st, r->params[0], NULL, 0, r->source, r->now, &u);

	if (rc == ST_OK)
		reply_user(r, out, 200, &u);
	else
		reply_user_error(r, out, rc, r->params[0]);
}
