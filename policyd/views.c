#include "config.h"

#include <string.h>

#include "api.h"
#include "decide.h"

static void add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

static void add_int(struct json_object *o, const char *key, int64_t value)
{
	json_object_object_add(o, key, json_object_new_int64(value));
}

/* "" in the store is null in the API. */
static void add_opt_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value && *value ? json_object_new_string(value) : NULL);
}

static void add_opt_int(struct json_object *o, const char *key, int64_t value)
{
	json_object_object_add(o, key, value ? json_object_new_int64(value) : NULL);
}

struct json_object *user_json(struct store *st, const struct user_row *u)
{
	struct json_object *o = json_object_new_object(), *groups = NULL;

	add_str(o, "name", u->name);
	add_int(o, "uid", u->uid);
	add_int(o, "gid", u->uid);
	add_str(o, "gecos", u->gecos);
	add_str(o, "home", u->home);
	add_str(o, "shell", u->shell);
	add_str(o, "state", u->state);
	json_object_object_add(o, "mfa", json_object_new_boolean(u->has_mfa));
	json_object_object_add(o, "password", json_object_new_boolean(u->has_password));
	add_int(o, "locked_until", u->locked_until);
	store_user_groups(st, u->id, &groups);
	json_object_object_add(o, "groups", groups ? groups : json_object_new_array());
	add_int(o, "created_at", u->created_at);
	add_int(o, "updated_at", u->updated_at);
	return o;
}

struct json_object *group_json(struct store *st, const struct group_row *g, time_t now)
{
	struct json_object *o = json_object_new_object(), *members = NULL, *jit = NULL;

	add_str(o, "name", g->name);
	add_int(o, "gid", g->gid);
	add_str(o, "kind", g->kind);
	store_group_members(st, g, now, &members, &jit);
	json_object_object_add(o, "members", members ? members : json_object_new_array());
	if (strcmp(g->kind, "role") == 0)
		json_object_object_add(o, "jit_members", jit ? jit : json_object_new_array());
	else
		json_object_put(jit);
	return o;
}

struct json_object *host_json(struct store *st, const struct host_row *h)
{
	struct json_object *o = json_object_new_object(), *groups = NULL;

	add_str(o, "name", h->name);
	add_int(o, "enrolled_at", h->enrolled_at);
	add_int(o, "last_seen", h->last_seen);
	store_host_access_groups(st, h->id, &groups);
	json_object_object_add(o, "allowed_groups", groups ? groups : json_object_new_array());
	return o;
}

struct json_object *networks_json(const char *csv)
{
	struct json_object *arr = json_object_new_array();
	const char *p = csv;

	while (*p) {
		size_t len = strcspn(p, ",");

		json_object_array_add(arr, json_object_new_string_len(p, (int)len));
		p += len;
		if (*p == ',')
			p++;
	}
	return arr;
}

struct json_object *role_json(struct store *st, const struct role_row *r)
{
	struct json_object *o = json_object_new_object(), *users = NULL, *groups = NULL;

	add_str(o, "name", r->name);
	add_str(o, "group", r->group);
	add_int(o, "max_duration", r->max_duration);
	add_str(o, "approval", r->approval);
	add_opt_str(o, "approvers", r->approvers);
	add_opt_str(o, "window", r->window);
	add_opt_str(o, "days", r->window[0] ? (r->days[0] ? r->days : "*") : NULL);
	add_str(o, "tz", r->tz);
	json_object_object_add(o, "networks", networks_json(r->networks));
	json_object_object_add(o, "mfa", json_object_new_boolean(r->mfa));
	add_int(o, "request_ttl", r->request_ttl);
	json_object_object_add(o, "secrets", networks_json(r->secrets));
	store_role_eligible(st, r->id, &users, &groups);
	json_object_object_add(o, "eligible_users", users ? users : json_object_new_array());
	json_object_object_add(o, "eligible_groups", groups ? groups : json_object_new_array());
	return o;
}

struct json_object *request_json(const struct request_row *q, time_t now)
{
	struct json_object *o = json_object_new_object();

	add_int(o, "id", q->id);
	add_str(o, "role", q->role);
	add_str(o, "requester", q->requester);
	add_str(o, "reason", q->reason);
	add_opt_str(o, "ticket", q->ticket);
	add_int(o, "duration", q->duration);
	add_str(o, "state", request_state(q, now));
	json_object_object_add(o, "mfa", json_object_new_boolean(q->mfa));
	add_int(o, "created_at", q->created_at);
	add_int(o, "expires_at", q->expires_at);
	add_opt_str(o, "decided_by", q->decided_by);
	add_opt_int(o, "decided_at", q->decided_at);
	add_opt_str(o, "decision_reason", q->decision_reason);
	add_opt_int(o, "not_before", q->not_before);
	add_opt_int(o, "not_after", q->not_after);
	add_opt_str(o, "ended_by", q->ended_by);
	add_opt_int(o, "ended_at", q->ended_at);
	add_opt_str(o, "end_reason", q->end_reason);
	add_opt_str(o, "host", q->host);
	add_opt_int(o, "extends", q->extends);
	add_opt_str(o, "created_by", q->created_by);
	return o;
}
