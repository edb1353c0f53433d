#include "config.h"

#include <stddef.h>

#include "api.h"
#include "names.h"
#include "secmem.h"

struct host_body {
	char *name;
};

static const struct iam_json_field host_fields[] = {
	{ "name", IAM_J_STRING, offsetof(struct host_body, name), IAM_JF_REQUIRED, 300, 0, 0 },
};

static void reply_credential(struct reply *out, int status, const char *name, char credential[80])
{
	struct json_object *body = json_object_new_object();

	iam_json_add_str(body, "name", name);
	iam_json_add_str(body, "credential", credential);
	iam_wipe(credential, 80);
	reply_json(out, status, body);
}

void h_host_enroll(struct req *r, struct reply *out)
{
	struct host_body b = { 0 };
	char credential[80];
	int rc;

	if (body_map(r, out, host_fields, 1, &b) < 0)
		return;
	if (!iam_hostname_valid(b.name)) {
		reply_invalid(out, "name", "A host name must be an RFC 1123 name.");
	} else {
		rc = store_host_enroll(r->st, b.name, r->source, r->now, credential);
		if (rc == ST_OK)
			reply_credential(out, 201, b.name, credential);
		else
			reply_store_error(out, rc, "host", b.name);
	}
	iam_json_map_free(host_fields, 1, &b);
}

void h_host_rotate(struct req *r, struct reply *out)
{
	char credential[80];
	int rc = store_host_rotate(r->st, r->params[0], r->source, r->now, credential);

	if (rc == ST_OK)
		reply_credential(out, 200, r->params[0], credential);
	else
		reply_store_error(out, rc, "host", r->params[0]);
}

static int add_host(void *ctx, const struct host_row *h)
{
	void **c = ctx;

	json_object_array_add(c[0], host_json(c[1], h));
	return ST_OK;
}

void h_host_list(struct req *r, struct reply *out)
{
	struct json_object *arr = json_object_new_array(), *body;
	void *ctx[2] = { arr, r->st };
	int rc = store_host_list(r->st, add_host, ctx);

	if (rc != ST_OK) {
		json_object_put(arr);
		reply_store_error(out, rc, "host", "-");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "hosts", arr);
	reply_json(out, 200, body);
}

static void reply_host(struct req *r, struct reply *out, const char *name)
{
	struct host_row h;
	int rc = store_host_get(r->st, name, &h);

	if (rc == ST_OK)
		reply_json(out, 200, host_json(r->st, &h));
	else
		reply_store_error(out, rc, "host", name);
}

void h_host_get(struct req *r, struct reply *out)
{
	reply_host(r, out, r->params[0]);
}

static void change_access(struct req *r, struct reply *out, const char *group, int allow)
{
	struct host_row h;
	struct group_row g;
	int rc;

	if (store_host_get(r->st, r->params[0], &h) != ST_OK) {
		reply_not_found(out, "host", r->params[0]);
		return;
	}
	if (store_group_get(r->st, group, &g) != ST_OK) {
		reply_not_found(out, "group", group);
		return;
	}
	rc = store_host_access(r->st, h.name, g.name, allow, r->source, r->now);
	if (rc == ST_OK)
		reply_host(r, out, h.name);
	else
		reply_store_error(out, rc, "host", h.name);
}

struct access_body {
	char *group;
};

static const struct iam_json_field access_fields[] = {
	{ "group", IAM_J_STRING, offsetof(struct access_body, group), IAM_JF_REQUIRED, 64, 0, 0 },
};

void h_host_allow(struct req *r, struct reply *out)
{
	struct access_body b = { 0 };

	if (body_map(r, out, access_fields, 1, &b) < 0)
		return;
	change_access(r, out, b.group, 1);
	iam_json_map_free(access_fields, 1, &b);
}

void h_host_disallow(struct req *r, struct reply *out)
{
	change_access(r, out, r->params[1], 0);
}
