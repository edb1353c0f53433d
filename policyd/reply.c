#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "api.h"

void reply_json(struct reply *out, int status, struct json_object *body)
{
	json_object_put(out->body);
	out->status = status;
	out->body = body;
}

static void reply_verror(struct reply *out, int status, const char *code, const char *fmt,
			 va_list ap) __attribute__((format(printf, 4, 0)));

static void reply_verror(struct reply *out, int status, const char *code, const char *fmt,
			 va_list ap)
{
	struct json_object *body = json_object_new_object(), *e = json_object_new_object();
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(body, "error", e);
	reply_json(out, status, body);
}

void reply_error(struct reply *out, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(out, status, code, fmt, ap);
	va_end(ap);
}

void reply_error_field(struct reply *out, const char *key, struct json_object *value)
{
	struct json_object *e = NULL;

	if (out->body && json_object_object_get_ex(out->body, "error", &e))
		json_object_object_add(e, key, value);
	else
		json_object_put(value);
}

void reply_invalid(struct reply *out, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(out, 400, "invalid_field", fmt, ap);
	va_end(ap);
	if (field)
		reply_error_field(out, "field", json_object_new_string(field));
}

void reply_not_found(struct reply *out, const char *resource, const char *name)
{
	reply_error(out, 404, "not_found", "No %s named '%.64s'.", resource, name);
	reply_error_field(out, "resource", json_object_new_string(resource));
}

void reply_store_error(struct reply *out, int rc, const char *resource, const char *name)
{
	switch (rc) {
	case ST_NOTFOUND:
		reply_not_found(out, resource, name);
		break;
	case ST_EXISTS:
		reply_error(out, 409, "already_exists", "The name '%.64s' is taken (names are "
			    "never reused).", name);
		break;
	case ST_ID_IN_USE:
		reply_error(out, 409, "id_in_use", "That id is or was in use; ids are never reused.");
		break;
	case ST_RANGE:
		reply_error(out, 409, "id_in_use", "The id is outside the directory's range, or "
			    "the range is exhausted.");
		break;
	case ST_STATE:
		reply_error(out, 409, "invalid_state", "The %s '%.64s' is not in a state that "
			    "allows this.", resource, name);
		break;
	case ST_BUSY:
		reply_error(out, 503, "unavailable", "The store is busy; retry.");
		break;
	default:
		reply_error(out, 500, "internal", "Internal error; see the endpoint's log.");
		break;
	}
}

void reply_ok(struct reply *out)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "result", json_object_new_string("ok"));
	reply_json(out, 200, body);
}

int body_map(struct req *r, struct reply *out, const struct iam_json_field *fields,
	     size_t n, void *dst)
{
	struct json_object *empty = NULL;
	const char *bad = NULL;
	struct iam_err err;
	int rc;

	if (!r->body)
		empty = json_object_new_object();
	rc = iam_json_map_ex(r->body ? r->body : empty, fields, n, IAM_JMAP_REJECT_UNKNOWN, dst,
			     &bad, &err);
	if (rc < 0)
		reply_invalid(out, bad, "%s.", err.msg);
	json_object_put(empty);
	return rc;
}

const char *query_arg(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int is_admin(const struct req *r)
{
	return r->who.kind == P_ADMIN;
}

int is_self(const struct req *r, const char *user)
{
	return r->who.kind == P_USER && strcmp(r->who.name, user) == 0;
}
