#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cidr.h"
#include "names.h"
#include "timewin.h"
#include "tz.h"

#define MAX_ROLE_DURATION (30LL * 86400)

struct role_body {
	char *name, *group, *approval, *approvers, *window, *days, *tz;
	int64_t max_duration, request_ttl;
	struct json_object *networks, *secrets;
	int mfa;
};

#define RB(name, kind, member, flags, max) \
	{ name, kind, offsetof(struct role_body, member), flags, max, 0, 0 }

static const struct iam_json_field role_fields[] = {
	RB("name", IAM_J_STRING, name, IAM_JF_REQUIRED, 64),
	RB("group", IAM_J_STRING, group, 0, 64),
	{ "max_duration", IAM_J_INT64, offsetof(struct role_body, max_duration), IAM_JF_REQUIRED,
	  0, 1, MAX_ROLE_DURATION },
	RB("approval", IAM_J_STRING, approval, 0, 16),
	RB("approvers", IAM_J_STRING, approvers, IAM_JF_NULLABLE, 64),
	RB("window", IAM_J_STRING, window, IAM_JF_NULLABLE, 16),
	RB("days", IAM_J_STRING, days, IAM_JF_NULLABLE, 64),
	RB("tz", IAM_J_STRING, tz, 0, 64),
	RB("networks", IAM_J_ARRAY, networks, 0, 0),
	RB("mfa", IAM_J_BOOL, mfa, 0, 0),
	RB("secrets", IAM_J_ARRAY, secrets, 0, 0),
	{ "request_ttl", IAM_J_INT64, offsetof(struct role_body, request_ttl), 0, 0, 60,
	  MAX_ROLE_DURATION },
};
#define NROLE (sizeof(role_fields) / sizeof(role_fields[0]))

/* Canonical "a/n,b/m" text of the networks array; 0, or -1 with a reply. */
static int networks_text(const struct role_body *b, char *out, size_t outsz, struct reply *rp)
{
	size_t i, n = b->networks ? json_object_array_length(b->networks) : 0, used = 0;
	struct iam_cidr c;
	struct iam_err err;
	char one[64];

	out[0] = '\0';
	if (n > 64) {
		reply_invalid(rp, "networks", "At most 64 networks per role.");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(b->networks, i);

		if (!json_object_is_type(v, json_type_string) ||
		    iam_cidr_parse(json_object_get_string(v), &c, &err) < 0) {
			reply_invalid(rp, "networks", "networks[%zu]: %s", i,
				      json_object_is_type(v, json_type_string) ? err.msg :
				      "must be a string");
			return -1;
		}
		iam_cidr_format(&c, one, sizeof(one));
		used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? "," : "", one);
	}
	return 0;
}

static int check_window(const struct role_body *b, const struct pconfig *cfg,
			struct role_row *row, struct reply *out)
{
	struct iam_window w;
	struct iam_tz *tz = NULL;
	struct iam_err err;
	const char *zone = b->tz ? b->tz : "UTC";

	if (!iam_tz_name_valid(zone) || iam_tz_load(cfg->zoneinfo_dir, zone, &tz, &err) < 0) {
		reply_invalid(out, "tz", "Unknown time zone '%.64s'; use an IANA name such as "
			      "Europe/Berlin.", zone);
		return -1;
	}
	iam_tz_free(tz);
	snprintf(row->tz, sizeof(row->tz), "%s", zone);
	if (!b->window) {
		if (b->days) {
			reply_invalid(out, "days", "days needs a window.");
			return -1;
		}
		return 0;
	}
	if (iam_window_parse(b->window, b->days, &w, &err) < 0) {
		reply_invalid(out, b->days && strstr(err.msg, "day") ? "days" : "window", "%s", err.msg);
		return -1;
	}
	iam_window_format(&w, row->window, sizeof(row->window), row->days, sizeof(row->days));
	return 0;
}

/* The local accounts a grant lets its holder check out, "root,bg"; 0, or
 * -1 with a reply. */
static int secrets_text(const struct role_body *b, char *out, size_t outsz, struct reply *rp)
{
	size_t i, n = b->secrets ? json_object_array_length(b->secrets) : 0, used = 0;

	out[0] = '\0';
	if (n > 16) {
		reply_invalid(rp, "secrets", "At most 16 accounts per role.");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(b->secrets, i);
		const char *name = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) || !iam_name_valid(name)) {
			reply_invalid(rp, "secrets", "secrets[%zu]: expected a local account name", i);
			return -1;
		}
		used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? "," : "", name);
	}
	return 0;
}

static int check_approval(const struct role_body *b, struct role_row *row, struct reply *out)
{
	const char *approval = b->approval ? b->approval : "none";

	if (strcmp(approval, "none") != 0 && strcmp(approval, "required") != 0) {
		reply_invalid(out, "approval", "approval must be none or required.");
		return -1;
	}
	if (strcmp(approval, "required") == 0 && !b->approvers) {
		reply_invalid(out, "approvers", "A role that requires approval needs an approvers group.");
		return -1;
	}
	if (b->approvers && !iam_name_valid(b->approvers)) {
		reply_invalid(out, "approvers", "Not a valid group name.");
		return -1;
	}
	snprintf(row->approval, sizeof(row->approval), "%s", approval);
	snprintf(row->approvers, sizeof(row->approvers), "%s", b->approvers ? b->approvers : "");
	return 0;
}

static int build_role(struct req *r, const struct role_body *b, struct role_row *row,
		      struct reply *out)
{
	memset(row, 0, sizeof(*row));
	if (!iam_name_valid(b->name) || (b->group && !iam_name_valid(b->group))) {
		reply_invalid(out, iam_name_valid(b->name) ? "group" : "name",
			      "Names must match ^[a-z_][a-z0-9_-]{0,31}$.");
		return -1;
	}
	snprintf(row->name, sizeof(row->name), "%s", b->name);
	snprintf(row->group, sizeof(row->group), "%s", b->group ? b->group : b->name);
	row->max_duration = b->max_duration;
	row->mfa = b->mfa;
	row->request_ttl = b->request_ttl ? b->request_ttl : r->srv->cfg->request_ttl;
	if (check_approval(b, row, out) < 0 || check_window(b, r->srv->cfg, row, out) < 0 ||
	    secrets_text(b, row->secrets, sizeof(row->secrets), out) < 0)
		return -1;
	return networks_text(b, row->networks, sizeof(row->networks), out);
}

void h_role_create(struct req *r, struct reply *out)
{
	struct role_body b = { 0 };
	struct role_row in, row = { 0 };
	int rc;

	if (body_map(r, out, role_fields, NROLE, &b) < 0)
		return;
	if (build_role(r, &b, &in, out) == 0) {
		rc = store_role_create(r->st, &in, r->source, r->now, &row);
		if (rc == ST_OK)
			reply_json(out, 201, role_json(r->st, &row));
		else if (rc == ST_NOTFOUND)
			reply_not_found(out, "group", in.approvers);
		else
			reply_store_error(out, rc, "role", rc == ST_EXISTS ? in.group : in.name);
	}
	iam_json_map_free(role_fields, NROLE, &b);
}

static int add_role(void *ctx, const struct role_row *role)
{
	void **c = ctx;

	json_object_array_add(c[0], role_json(c[1], role));
	return ST_OK;
}

void h_role_list(struct req *r, struct reply *out)
{
	struct json_object *arr = json_object_new_array(), *body;
	void *ctx[2] = { arr, r->st };
	int rc = store_role_list(r->st, add_role, ctx);

	if (rc != ST_OK) {
		json_object_put(arr);
		reply_store_error(out, rc, "role", "-");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "roles", arr);
	reply_json(out, 200, body);
}

static void reply_role(struct req *r, struct reply *out, const char *name)
{
	struct role_row role;
	int rc = store_role_get(r->st, name, &role);

	if (rc == ST_OK)
		reply_json(out, 200, role_json(r->st, &role));
	else
		reply_store_error(out, rc, "role", name);
}

void h_role_get(struct req *r, struct reply *out)
{
	reply_role(r, out, r->params[0]);
}

struct eligible_body {
	char *user, *group;
};

static const struct iam_json_field eligible_fields[] = {
	{ "user", IAM_J_STRING, offsetof(struct eligible_body, user), 0, 64, 0, 0 },
	{ "group", IAM_J_STRING, offsetof(struct eligible_body, group), 0, 64, 0, 0 },
};

static void change_eligibility(struct req *r, struct reply *out, const char *kind,
			       const char *name, int add)
{
	struct role_row role;
	int rc;

	if (store_role_get(r->st, r->params[0], &role) != ST_OK) {
		reply_not_found(out, "role", r->params[0]);
		return;
	}
	rc = store_role_eligibility(r->st, role.name, kind, name, add, r->source, r->now);
	if (rc == ST_OK)
		reply_role(r, out, role.name);
	else
		reply_store_error(out, rc, kind, name);
}

void h_role_eligible_add(struct req *r, struct reply *out)
{
	struct eligible_body b = { 0 };

	if (body_map(r, out, eligible_fields, 2, &b) < 0)
		return;
	if (!b.user == !b.group)
		reply_invalid(out, b.user ? "group" : "user", "Give either user or group.");
	else
		change_eligibility(r, out, b.user ? "user" : "group", b.user ? b.user : b.group, 1);
	iam_json_map_free(eligible_fields, 2, &b);
}

void h_role_eligible_remove(struct req *r, struct reply *out)
{
	const char *kind = r->params[1];

	if (strcmp(kind, "user") != 0 && strcmp(kind, "group") != 0)
		reply_error(out, 404, "not_found", "No such endpoint: %.128s.", r->path);
	else
		change_eligibility(r, out, kind, r->params[2], 0);
}
