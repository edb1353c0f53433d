#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_client.h"
#include "json.h"
#include "secmem.h"

struct iam_api {
	struct iam_http *http;
	char *token;
};

struct iam_api *iam_api_new(const struct iam_http_config *cfg, const char *token,
			    struct iam_err *err)
{
	struct iam_api *api = calloc(1, sizeof(*api));

	if (!api) {
		iam_err_set(err, "out of memory");
		return NULL;
	}
	api->http = iam_http_new(cfg, err);
	if (!api->http || iam_api_set_token(api, token) < 0) {
		iam_api_free(api);
		return NULL;
	}
	return api;
}

void iam_api_free(struct iam_api *api)
{
	if (!api)
		return;
	iam_http_free(api->http);
	iam_free_secret(api->token);
	free(api);
}

int iam_api_set_token(struct iam_api *api, const char *token)
{
	char *copy = NULL;

	if (token && !(copy = strdup(token)))
		return -ENOMEM;
	iam_free_secret(api->token);
	api->token = copy;
	return 0;
}

int iam_api_escape(const char *segment, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *segment; segment++) {
		unsigned char c = (unsigned char)*segment;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';

		if (o + (plain ? 1 : 3) >= outsz)
			return -ENOSPC;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	if (o >= outsz)
		return -ENOSPC;
	out[o] = '\0';
	return 0;
}

struct error_fields {
	char *code;
	char *message;
	char *field;
	char *resource;
	char *state;
	int64_t retry_after;
	char *rule;
};

#define EF(name, kind, member, flags) \
	{ name, kind, offsetof(struct error_fields, member), flags, 255, 0, 0 }

static const struct iam_json_field error_map[] = {
	EF("code", IAM_J_STRING, code, IAM_JF_REQUIRED),
	EF("message", IAM_J_STRING, message, IAM_JF_REQUIRED),
	EF("field", IAM_J_STRING, field, 0),
	EF("resource", IAM_J_STRING, resource, 0),
	EF("state", IAM_J_STRING, state, 0),
	EF("retry_after", IAM_J_INT64, retry_after, 0),
	EF("rule", IAM_J_STRING, rule, 0),
};
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static void copy_str(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src ? src : "");
}

static int map_error(long status, struct json_object *obj, struct iam_api_error *aerr,
		     struct iam_err *err)
{
	struct error_fields ef = { 0 };
	struct json_object *inner = NULL;

	if (!json_object_object_get_ex(obj, "error", &inner) ||
	    iam_json_map(inner, error_map, NFIELDS(error_map), 0, &ef, NULL) < 0) {
		iam_err_set(err, "the endpoint answered HTTP %ld without an error object", status);
		return -EBADMSG;
	}
	memset(aerr, 0, sizeof(*aerr));
	aerr->status = status;
	copy_str(aerr->code, sizeof(aerr->code), ef.code);
	copy_str(aerr->message, sizeof(aerr->message), ef.message);
	copy_str(aerr->field, sizeof(aerr->field), ef.field);
	copy_str(aerr->resource, sizeof(aerr->resource), ef.resource);
	copy_str(aerr->state, sizeof(aerr->state), ef.state);
	aerr->retry_after = ef.retry_after;
	copy_str(aerr->rule, sizeof(aerr->rule), ef.rule);
	iam_err_set(err, "%s: %s", aerr->code, aerr->message);
	iam_json_map_free(error_map, NFIELDS(error_map), &ef);
	return IAM_API_REFUSED;
}

static int interpret(const struct iam_http_response *resp, struct json_object **out,
		     struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *obj = NULL;
	int r;

	if (iam_json_parse(resp->body.data ? resp->body.data : "", resp->body.len, &obj,
			   NULL) < 0 || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		iam_err_set(err, "the endpoint answered HTTP %ld with something that is not "
			    "a JSON object", resp->status);
		return -EBADMSG;
	}
	if (resp->status < 200 || resp->status > 299) {
		r = map_error(resp->status, obj, aerr, err);
		json_object_put(obj);
		return r;
	}
	if (out)
		*out = obj;
	else
		json_object_put(obj);
	return 0;
}

int iam_api_call(struct iam_api *api, const char *method, const char *path,
		 struct json_object *body, struct json_object **out,
		 struct iam_api_error *aerr, struct iam_err *err)
{
	struct iam_http_response resp;
	const char *text = NULL;
	size_t len = 0;
	struct iam_api_error scratch;
	int r;

	if (out)
		*out = NULL;
	if (!aerr)
		aerr = &scratch;
	memset(aerr, 0, sizeof(*aerr));
	if (body) {
		text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		len = strlen(text);
	}
	iam_http_response_init(&resp);
	r = iam_http_request(api->http, method, path, api->token, text, len, &resp, err);
	if (r == 0)
		r = interpret(&resp, out, aerr, err);
	iam_http_response_free(&resp);
	/* The serialised body may hold a password: wipe json-c's copy. */
	if (text)
		iam_wipe((void *)(uintptr_t)text, len);
	return r;
}

/* --- Typed calls ------------------------------------------------------ */

#define LF(name, kind, member, flags) \
	{ name, kind, offsetof(struct iam_login_result, member), flags, 512, 0, 0 }

static const struct iam_json_field login_map[] = {
	LF("result", IAM_J_STRING, result, IAM_JF_REQUIRED),
	LF("user", IAM_J_STRING, user, 0),
	LF("mfa", IAM_J_BOOL, mfa, 0),
	LF("challenge", IAM_J_STRING, challenge, 0),
	LF("token", IAM_J_STRING, token, 0),
	LF("expires_at", IAM_J_INT64, expires_at, 0),
	LF("password_stamp", IAM_J_STRING, password_stamp, 0),
};

static int finish_login(int r, struct json_object *obj, struct iam_login_result *out,
			struct iam_err *err)
{
	if (r == 0) {
		r = iam_json_map(obj, login_map, NFIELDS(login_map), 0, out, err);
		if (r == 0 && strcmp(out->result, "ok") != 0 &&
		    !(strcmp(out->result, "mfa_required") == 0 && out->challenge)) {
			iam_err_set(err, "unexpected login result '%.32s'", out->result);
			iam_login_result_free(out);
			r = -EBADMSG;
		}
	}
	/* the answer may hold a session token */
	iam_json_wipe(obj);
	json_object_put(obj);
	return r;
}

/* POSTs a body that holds passwords or codes, then wipes and puts it:
 * json-c frees strings without clearing them. */
static int post_secret(struct iam_api *api, const char *path, struct json_object *body,
		       struct json_object **out, struct iam_api_error *aerr, struct iam_err *err)
{
	int r = iam_api_call(api, "POST", path, body, out, aerr, err);

	iam_json_wipe(body);
	json_object_put(body);
	return r;
}

int iam_api_login(struct iam_api *api, const char *user, const char *password,
		  const char *service, const char *origin, const char *tty,
		  struct iam_login_result *out, struct iam_api_error *aerr,
		  struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *obj = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "user", user);
	iam_json_add_str(body, "password", password);
	iam_json_add_str(body, "service", service);
	iam_json_add_str(body, "origin", origin);
	iam_json_add_str(body, "tty", tty);
	r = post_secret(api, "/v1/auth/login", body, &obj, aerr, err);
	return finish_login(r, obj, out, err);
}

int iam_api_mfa(struct iam_api *api, const char *challenge, const char *code,
		struct iam_login_result *out, struct iam_api_error *aerr,
		struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *obj = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "challenge", challenge);
	iam_json_add_str(body, "code", code);
	r = post_secret(api, "/v1/auth/mfa", body, &obj, aerr, err);
	return finish_login(r, obj, out, err);
}

void iam_login_result_free(struct iam_login_result *r)
{
	if (r->token)
		iam_wipe(r->token, strlen(r->token));
	iam_json_map_free(login_map, NFIELDS(login_map), r);
}

struct change_fields {
	char *result;
};

static const struct iam_json_field change_map[] = {
	{ "result", IAM_J_STRING, offsetof(struct change_fields, result), IAM_JF_REQUIRED, 32,
	  0, 0 },
};

/* Only {"result": "ok"} says the password changed. */
static int check_changed(struct json_object *obj, struct iam_err *err)
{
	struct change_fields cf = { 0 };
	int r = iam_json_map(obj, change_map, NFIELDS(change_map), 0, &cf, err);

	if (r == 0 && strcmp(cf.result, "ok") != 0) {
		iam_err_set(err, "unexpected password change result '%.32s'", cf.result);
		r = -EBADMSG;
	}
	iam_json_map_free(change_map, NFIELDS(change_map), &cf);
	return r;
}

int iam_api_change_password(struct iam_api *api, const char *user, const char *old_password,
			    const char *new_password, const char *code, const char *service,
			    const char *origin, const char *tty, struct iam_api_error *aerr,
			    struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *obj = NULL;
	int r;

	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "user", user);
	iam_json_add_str(body, "old_password", old_password);
	iam_json_add_str(body, "new_password", new_password);
	iam_json_add_str(body, "code", code);
	iam_json_add_str(body, "service", service);
	iam_json_add_str(body, "origin", origin);
	iam_json_add_str(body, "tty", tty);
	r = post_secret(api, "/v1/auth/password", body, &obj, aerr, err);
	if (r == 0)
		r = check_changed(obj, err);
	json_object_put(obj);
	return r;
}

struct decision_fields {
	char *decision;
	char *reason;
	char *message;
	struct json_object *grant;
};

#define DF(name, kind, member, flags) \
	{ name, kind, offsetof(struct decision_fields, member), flags, 512, 0, 0 }

static const struct iam_json_field decision_map[] = {
	DF("decision", IAM_J_STRING, decision, IAM_JF_REQUIRED),
	DF("reason", IAM_J_STRING, reason, IAM_JF_REQUIRED),
	DF("message", IAM_J_STRING, message, IAM_JF_REQUIRED),
	DF("grant", IAM_J_OBJECT, grant, IAM_JF_NULLABLE),
};

#define GF(name, member) \
	{ name, IAM_J_INT64, offsetof(struct iam_decision, member), IAM_JF_REQUIRED, 0, 0, 0 }

static const struct iam_json_field grant_map[] = {
	GF("id", grant_id), GF("not_before", not_before), GF("not_after", not_after),
};

/* Only the exact word "allow" allows; anything else, including a decision
 * this version does not know, denies. */
static int map_decision(struct json_object *obj, struct iam_decision *out,
			struct iam_err *err)
{
	struct decision_fields df = { 0 };
	int r;

	r = iam_json_map(obj, decision_map, NFIELDS(decision_map), 0, &df, err);
	if (r < 0)
		return r;
	if (df.grant)
		r = iam_json_map(df.grant, grant_map, NFIELDS(grant_map), 0, out, err);
	if (r == 0) {
		out->allow = strcmp(df.decision, "allow") == 0;
		out->reason = df.reason;
		out->message = df.message;
		df.reason = df.message = NULL;
	}
	iam_json_map_free(decision_map, NFIELDS(decision_map), &df);
	return r;
}

static int decide(struct iam_api *api, const char *path, struct json_object *body,
		  struct iam_decision *out, struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *obj = NULL;
	int r;

	r = iam_api_call(api, "POST", path, body, &obj, aerr, err);
	json_object_put(body);
	if (r == 0)
		r = map_decision(obj, out, err);
	json_object_put(obj);
	if (r < 0)
		iam_decision_free(out);
	return r;
}

int iam_api_decide_account(struct iam_api *api, const char *user, const char *service,
			   const char *origin, const char *tty, struct iam_decision *out,
			   struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *body = json_object_new_object();

	memset(out, 0, sizeof(*out));
	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "user", user);
	iam_json_add_str(body, "service", service);
	iam_json_add_str(body, "origin", origin);
	iam_json_add_str(body, "tty", tty);
	return decide(api, "/v1/decide/account", body, out, aerr, err);
}

int iam_api_decide_grant(struct iam_api *api, const char *user, const char *role,
			 const char *origin, struct iam_decision *out,
			 struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *body = json_object_new_object();

	memset(out, 0, sizeof(*out));
	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "user", user);
	iam_json_add_str(body, "role", role);
	iam_json_add_str(body, "origin", origin);
	return decide(api, "/v1/decide/grant", body, out, aerr, err);
}

void iam_decision_free(struct iam_decision *d)
{
	free(d->reason);
	free(d->message);
	memset(d, 0, sizeof(*d));
}
