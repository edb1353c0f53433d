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
	{ "document", IAM_J_STRING, offsetof(struct iam_decision, document), IAM_JF_NULLABLE,
	  8192, 0, 0 },
	{ "signature", IAM_J_STRING, offsetof(struct iam_decision, signature), IAM_JF_NULLABLE,
	  128, 0, 0 },
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
	free(d->document);
	free(d->signature);
	memset(d, 0, sizeof(*d));
}

#define RF(name, kind, member, flags) \
	{ name, kind, offsetof(struct iam_request_result, member), flags, 64, 0, 0 }

static const struct iam_json_field request_map[] = {
	RF("id", IAM_J_INT64, id, IAM_JF_REQUIRED),
	RF("state", IAM_J_STRING, state, IAM_JF_REQUIRED),
	RF("not_after", IAM_J_INT64, not_after, IAM_JF_NULLABLE),
};

int iam_api_request_create(struct iam_api *api, const struct iam_request_new *rq,
			   struct iam_request_result *out, struct iam_api_error *aerr,
			   struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *obj = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "user", rq->user);
	iam_json_add_str(body, "role", rq->role);
	json_object_object_add(body, "duration", json_object_new_int64(rq->duration));
	iam_json_add_str(body, "reason", rq->reason);
	if (rq->code)
		iam_json_add_str(body, "code", rq->code);
	r = post_secret(api, "/v1/requests", body, &obj, aerr, err);
	if (r == 0)
		r = iam_json_map(obj, request_map, NFIELDS(request_map), 0, out, err);
	json_object_put(obj);
	return r;
}

void iam_request_result_free(struct iam_request_result *r)
{
	free(r->state);
	memset(r, 0, sizeof(*r));
}

#define RI(name, kind, member, flags) \
	{ name, kind, offsetof(struct iam_role_info, member), flags, 64, 0, 0 }

static const struct iam_json_field role_map[] = {
	RI("max_duration", IAM_J_INT64, max_duration, IAM_JF_REQUIRED),
	RI("mfa", IAM_J_BOOL, mfa, IAM_JF_REQUIRED),
	RI("approval", IAM_J_STRING, approval, IAM_JF_REQUIRED),
	RI("approvers", IAM_J_STRING, approvers, IAM_JF_NULLABLE),
};

/* A JSON array of names as a NULL-terminated copy; NULL on a wrong type or
 * no memory. */
static char **name_list(struct json_object *obj, const char *key)
{
	struct json_object *a = NULL;
	size_t i, n;
	char **out;

	if (!json_object_object_get_ex(obj, key, &a) || !json_object_is_type(a, json_type_array))
		return NULL;
	n = json_object_array_length(a);
	out = calloc(n + 1, sizeof(*out));
	for (i = 0; out && i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_string) ||
		    !(out[i] = strdup(json_object_get_string(e)))) {
			iam_strv_free(out);
			return NULL;
		}
	}
	return out;
}

void iam_strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int iam_api_role_get(struct iam_api *api, const char *role, struct iam_role_info *out,
		     struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *obj = NULL;
	char path[128], seg[100];
	int r;

	memset(out, 0, sizeof(*out));
	if (iam_api_escape(role, seg, sizeof(seg)) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/v1/roles/%s", seg);
	r = iam_api_call(api, "GET", path, NULL, &obj, aerr, err);
	if (r == 0)
		r = iam_json_map(obj, role_map, NFIELDS(role_map), 0, out, err);
	if (r == 0) {
		out->eligible_users = name_list(obj, "eligible_users");
		out->eligible_groups = name_list(obj, "eligible_groups");
		if (!out->eligible_users || !out->eligible_groups) {
			iam_err_set(err, "role %s: eligible_users and eligible_groups must be "
				    "arrays of names", role);
			iam_role_info_free(out);
			r = -EBADMSG;
		}
	}
	json_object_put(obj);
	return r;
}

void iam_role_info_free(struct iam_role_info *r)
{
	free(r->approval);
	free(r->approvers);
	iam_strv_free(r->eligible_users);
	iam_strv_free(r->eligible_groups);
	memset(r, 0, sizeof(*r));
}
