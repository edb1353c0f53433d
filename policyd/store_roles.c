#include "config.h"

#include <stdio.h>

#include <string.h>

#include "store_int.h"

#define ROLE_COLUMNS \
	"SELECT r.id, r.name, g.name, r.group_id, r.max_duration, r.approval," \
	" COALESCE(a.name, ''), COALESCE(r.approvers_group_id, 0), r.window, r.days, r.tz," \
	" r.networks, r.mfa, r.request_ttl, r.secrets FROM roles r" \
	" JOIN groups g ON g.id = r.group_id" \
	" LEFT JOIN groups a ON a.id = r.approvers_group_id "

static void read_role(sqlite3_stmt *s, void *row)
{
	struct role_row *r = row;

	r->id = sqlite3_column_int64(s, 0);
	st_col_text(s, 1, r->name, sizeof(r->name));
	st_col_text(s, 2, r->group, sizeof(r->group));
	r->group_id = sqlite3_column_int64(s, 3);
	r->max_duration = sqlite3_column_int64(s, 4);
	st_col_text(s, 5, r->approval, sizeof(r->approval));
	st_col_text(s, 6, r->approvers, sizeof(r->approvers));
	r->approvers_group_id = sqlite3_column_int64(s, 7);
	st_col_text(s, 8, r->window, sizeof(r->window));
	st_col_text(s, 9, r->days, sizeof(r->days));
	st_col_text(s, 10, r->tz, sizeof(r->tz));
	st_col_text(s, 11, r->networks, sizeof(r->networks));
	r->mfa = sqlite3_column_int(s, 12);
	r->request_ttl = sqlite3_column_int64(s, 13);
	st_col_text(s, 14, r->secrets, sizeof(r->secrets));
}

int st_role_row(sqlite3 *db, const char *name, struct role_row *out)
{
	return st_one(db, ROLE_COLUMNS "WHERE r.name = ?", name, 0, read_role, out, sizeof(*out));
}

int store_role_get(struct store *st, const char *name, struct role_row *out)
{
	sqlite3 *db = st_db(st);

	return db ? st_role_row(db, name, out) : ST_ERROR;
}

struct role_each {
	int (*fn)(void *ctx, const struct role_row *r);
	void *ctx;
};

static int each_role(void *ctx, const void *row)
{
	struct role_each *e = ctx;

	return e->fn(e->ctx, row);
}

int store_role_list(struct store *st, int (*fn)(void *ctx, const struct role_row *r),
		    void *ctx)
{
	sqlite3 *db = st_db(st);
	struct role_each e = { fn, ctx };
	struct role_row row;

	return db ? st_each(db, ROLE_COLUMNS "ORDER BY r.name", read_role, &row, each_role, &e)
		  : ST_ERROR;
}

struct role_create {
	struct store *st;
	const struct role_row *in;
	const char *actor;
	time_t now;
	struct role_row *out;
};

static struct json_object *role_audit_data(const struct role_row *in)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "role", json_object_new_string(in->name));
	json_object_object_add(data, "group", json_object_new_string(in->group));
	json_object_object_add(data, "max_duration", json_object_new_int64(in->max_duration));
	json_object_object_add(data, "approval", json_object_new_string(in->approval));
	json_object_object_add(data, "approvers", json_object_new_string(in->approvers));
	json_object_object_add(data, "window", json_object_new_string(in->window));
	json_object_object_add(data, "days", json_object_new_string(in->days));
	json_object_object_add(data, "tz", json_object_new_string(in->tz));
	json_object_object_add(data, "networks", json_object_new_string(in->networks));
	json_object_object_add(data, "mfa", json_object_new_boolean(in->mfa));
	json_object_object_add(data, "secrets", json_object_new_string(in->secrets));
	return data;
}

/* The role's unix group is created with it, so that no existing group (and
 * its members) can be turned into a privilege by naming it in a role. */
static int create_role(sqlite3 *db, void *arg)
{
	struct role_create *c = arg;
	const struct role_row *in = c->in;
	struct json_object *data;
	int64_t one, gid = 0, group_id, approvers = 0;
	int r;

	if (st_int(db, &one, "SELECT 1 FROM roles WHERE name = ?", "t", in->name) == ST_OK ||
	    st_int(db, &one, "SELECT 1 FROM users WHERE name = ?1 UNION ALL"
		   " SELECT 1 FROM groups WHERE name = ?1", "t", in->group) == ST_OK)
		return ST_EXISTS;
	if (in->approvers[0] && st_group_id(db, in->approvers, &approvers) != ST_OK)
		return ST_NOTFOUND;
	r = st_alloc_id(c->st, db, 0, "group", in->group, c->now, &gid);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO groups (name, gid, kind, created_at) VALUES (?, ?, 'role', ?)",
			    "tii", in->group, gid, (int64_t)c->now);
	if (r == ST_OK)
		r = st_group_id(db, in->group, &group_id);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO roles (name, group_id, max_duration, approval,"
			    " approvers_group_id, window, days, tz, networks, mfa, request_ttl,"
			    " created_at, secrets) VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?,"
			    " ?, ?)",
			    "tiitittttiiit", in->name, group_id, in->max_duration, in->approval,
			    approvers, in->window, in->days, in->tz, in->networks,
			    (int64_t)in->mfa, in->request_ttl, (int64_t)c->now, in->secrets);
	if (r != ST_OK)
		return r;
	data = role_audit_data(in);
	r = st_audit(db, c->now, c->actor, NULL, "role.create", NULL, data);
	json_object_put(data);
	if (r == ST_OK)
		r = st_bump_serial(db);
	return r == ST_OK ? st_role_row(db, in->name, c->out) : r;
}

int store_role_create(struct store *st, const struct role_row *in, const char *actor,
		      time_t now, struct role_row *out)
{
	struct role_create c = { st, in, actor, now, out };

	return st_tx(st, create_role, &c);
}

int store_role_eligible(struct store *st, int64_t role_id, struct json_object **users,
			struct json_object **groups)
{
	sqlite3 *db = st_db(st);
	int r1 = ST_ERROR, r2 = ST_ERROR;

	*users = *groups = NULL;
	if (!db)
		return ST_ERROR;
	*users = st_name_list(db, "SELECT u.name FROM eligibility e JOIN users u ON u.id = e.user_id"
		       " WHERE e.role_id = ? ORDER BY u.name", role_id, &r1);
	*groups = st_name_list(db, "SELECT g.name FROM eligibility e JOIN groups g ON g.id = e.group_id"
			" WHERE e.role_id = ? ORDER BY g.name", role_id, &r2);
	return r1 != ST_OK ? r1 : r2;
}

struct eligibility_op {
	const char *role, *kind, *name, *actor;
	int add;
	time_t now;
};

static int change_eligibility(sqlite3 *db, void *arg)
{
	struct eligibility_op *op = arg;
	int is_user = strcmp(op->kind, "user") == 0;
	struct json_object *data;
	struct role_row role;
	int64_t id;
	int r = st_role_row(db, op->role, &role);

	if (r == ST_OK)
		r = is_user ? st_user_id(db, op->name, &id) : st_group_id(db, op->name, &id);
	if (r != ST_OK)
		return r;
	if (op->add)
		r = st_exec(db, is_user ? "INSERT OR IGNORE INTO eligibility (role_id, user_id) VALUES (?, ?)"
				: "INSERT OR IGNORE INTO eligibility (role_id, group_id) VALUES (?, ?)",
			    "ii", role.id, id);
	else
		r = st_exec(db, is_user ? "DELETE FROM eligibility WHERE role_id = ? AND user_id = ?"
				: "DELETE FROM eligibility WHERE role_id = ? AND group_id = ?",
			    "ii", role.id, id);
	if (r != ST_OK || sqlite3_changes(db) == 0)
		return r;
	data = json_object_new_object();
	json_object_object_add(data, "role", json_object_new_string(op->role));
	json_object_object_add(data, op->kind, json_object_new_string(op->name));
	r = st_audit(db, op->now, op->actor, NULL,
		     op->add ? "role.eligible.add" : "role.eligible.remove", NULL, data);
	json_object_put(data);
	return r;
}

int store_role_eligibility(struct store *st, const char *role, const char *kind,
			   const char *name, int add, const char *actor, time_t now)
{
	struct eligibility_op op = { role, kind, name, actor, add, now };

	return st_tx(st, change_eligibility, &op);
}
