#include "config.h"

#include <stddef.h>

#include "api.h"
#include "names.h"

struct group_body {
	char *name;
	int64_t gid;
};

static const struct iam_json_field group_fields[] = {
	{ "name", IAM_J_STRING, offsetof(struct group_body, name), IAM_JF_REQUIRED, 64, 0, 0 },
	{ "gid", IAM_J_INT64, offsetof(struct group_body, gid), 0, 0, 0, 0 },
};

static void reply_group(struct req *r, struct reply *out, int status, const char *name)
{
	struct group_row g;
	int rc = store_group_get(r->st, name, &g);

	if (rc == ST_OK)
		reply_json(out, status, group_json(r->st, &g, r->now));
	else
		reply_store_error(out, rc, "group", name);
}

void h_group_create(struct req *r, struct reply *out)
{
	struct group_body b = { 0 };
	struct group_row g = { 0 };
	int rc;

	if (body_map(r, out, group_fields, 2, &b) < 0)
		return;
	if (!iam_name_valid(b.name)) {
		reply_invalid(out, "name", "A group name must match ^[a-z_][a-z0-9_-]{0,31}$.");
	} else if (b.gid < 0) {
		reply_invalid(out, "gid", "The gid must be positive.");
	} else {
		rc = store_group_create(r->st, b.name, b.gid, "regular", r->source, r->now, &g);
		if (rc == ST_OK)
			reply_group(r, out, 201, b.name);
		else
			reply_store_error(out, rc, "group", b.name);
	}
	iam_json_map_free(group_fields, 2, &b);
}

struct list_ctx {
	struct req *r;
	struct json_object *arr;
};

static int add_group(void *ctx, const struct group_row *g)
{
	struct list_ctx *c = ctx;

	json_object_array_add(c->arr, group_json(c->r->st, g, c->r->now));
	return ST_OK;
}

void h_group_list(struct req *r, struct reply *out)
{
	struct list_ctx c = { r, json_object_new_array() };
	struct json_object *body;
	int rc = store_group_list(r->st, add_group, &c);

	if (rc != ST_OK) {
		json_object_put(c.arr);
		reply_store_error(out, rc, "group", "-");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "groups", c.arr);
	reply_json(out, 200, body);
}

void h_group_get(struct req *r, struct reply *out)
{
	reply_group(r, out, 200, r->params[0]);
}

struct member_body {
	char *user;
};

static const struct iam_json_field member_fields[] = {
	{ "user", IAM_J_STRING, offsetof(struct member_body, user), IAM_JF_REQUIRED, 64, 0, 0 },
};

/* Names the missing object precisely, so that "not found" says which. */
static void change_member(struct req *r, struct reply *out, const char *user, int add)
{
	struct group_row g;
	struct user_row u;
	int rc;

	if (store_group_get(r->st, r->params[0], &g) != ST_OK) {
		reply_not_found(out, "group", r->params[0]);
		return;
	}
	if (store_user_get(r->st, user, &u) != ST_OK) {
		reply_not_found(out, "user", user);
		return;
	}
	rc = add ? store_group_member_add(r->st, g.name, u.name, r->source, r->now)
		 : store_group_member_remove(r->st, g.name, u.name, r->source, r->now);
	if (rc == ST_STATE)
		reply_error(out, 409, "invalid_state", "Only regular groups take members this way, "
			    "and deprovisioned users cannot be added.");
	else if (rc != ST_OK)
		reply_store_error(out, rc, "group", g.name);
	else
		reply_group(r, out, 200, g.name);
}

void h_group_member_add(struct req *r, struct reply *out)
{
	struct member_body b = { 0 };

	if (body_map(r, out, member_fields, 1, &b) < 0)
		return;
	change_member(r, out, b.user, 1);
	iam_json_map_free(member_fields, 1, &b);
}

void h_group_member_remove(struct req *r, struct reply *out)
{
	change_member(r, out, r->params[1], 0);
}
