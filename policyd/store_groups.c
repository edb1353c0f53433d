#include "config.h"

#include <stdio.h>

#include <string.h>

#include "store_int.h"

static void read_group(sqlite3_stmt *s, void *row)
{
	struct group_row *g = row;

	g->id = sqlite3_column_int64(s, 0);
	st_col_text(s, 1, g->name, sizeof(g->name));
	g->gid = sqlite3_column_int64(s, 2);
	st_col_text(s, 3, g->kind, sizeof(g->kind));
}

static int group_row(sqlite3 *db, const char *name, struct group_row *out)
{
	return st_one(db, "SELECT id, name, gid, kind FROM groups WHERE name = ?", name, 0,
		      read_group, out, sizeof(*out));
}

int store_group_get(struct store *st, const char *name, struct group_row *out)
{
	sqlite3 *db = st_db(st);

	return db ? group_row(db, name, out) : ST_ERROR;
}

struct group_each {
	int (*fn)(void *ctx, const struct group_row *g);
	void *ctx;
};

static int each_group(void *ctx, const void *row)
{
	struct group_each *e = ctx;

	return e->fn(e->ctx, row);
}

int store_group_list(struct store *st, int (*fn)(void *ctx, const struct group_row *g),
		     void *ctx)
{
	sqlite3 *db = st_db(st);
	struct group_each e = { fn, ctx };
	struct group_row g;

	return db ? st_each(db, "SELECT id, name, gid, kind FROM groups ORDER BY name", read_group,
			    &g, each_group, &e)
		  : ST_ERROR;
}

struct group_create {
	struct store *st;
	const char *name, *kind, *actor;
	int64_t gid;
	time_t now;
	struct group_row *out;
};

static int create_group(sqlite3 *db, void *arg)
{
	struct group_create *c = arg;
	struct json_object *data;
	int64_t one, gid = 0;
	int r;

	if (st_int(db, &one, "SELECT 1 FROM users WHERE name = ?1 UNION ALL"
		   " SELECT 1 FROM groups WHERE name = ?1", "t", c->name) == ST_OK)
		return ST_EXISTS;
	r = st_alloc_id(c->st, db, c->gid, "group", c->name, c->now, &gid);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO groups (name, gid, kind, created_at) VALUES (?, ?, ?, ?)",
			    "titi", c->name, gid, c->kind, (int64_t)c->now);
	if (r != ST_OK)
		return r;
	data = json_object_new_object();
	json_object_object_add(data, "group", json_object_new_string(c->name));
	json_object_object_add(data, "gid", json_object_new_int64(gid));
	json_object_object_add(data, "kind", json_object_new_string(c->kind));
	r = st_audit(db, c->now, c->actor, NULL, "group.create", NULL, data);
	json_object_put(data);
	if (r == ST_OK)
		r = st_bump_serial(db);
	return r == ST_OK ? group_row(db, c->name, c->out) : r;
}

int store_group_create(struct store *st, const char *name, int64_t gid, const char *kind,
		       const char *actor, time_t now, struct group_row *out)
{
	struct group_create c = { st, name, kind, actor, gid, now, out };

	return st_tx(st, create_group, &c);
}

static struct json_object *jit_list(sqlite3 *db, int64_t group_id, time_t now, int *rc)
{
	struct json_object *arr = json_object_new_array();
	sqlite3_stmt *s = NULL;
	int step = SQLITE_DONE;

	/* Grants only: an extension row is not a membership of its own. */
	*rc = st_prepare(db, "SELECT u.name, q.not_after, h.name FROM requests q"
			 " JOIN roles r ON r.id = q.role_id JOIN users u ON u.id = q.user_id"
			 " LEFT JOIN hosts h ON h.id = q.host_id"
			 " WHERE r.group_id = ? AND q.state = 'approved' AND q.extends IS NULL"
			 " AND q.not_before <= ? AND q.not_after > ? AND u.state <> 'deprovisioned'"
			 " ORDER BY u.name, q.not_after", &s);
	if (*rc == ST_OK) {
		sqlite3_bind_int64(s, 1, group_id);
		sqlite3_bind_int64(s, 2, (int64_t)now);
		sqlite3_bind_int64(s, 3, (int64_t)now);
	}
	while (*rc == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "user", json_object_new_string(
			(const char *)sqlite3_column_text(s, 0)));
		json_object_object_add(m, "until", json_object_new_int64(
			sqlite3_column_int64(s, 1)));
		json_object_object_add(m, "host", sqlite3_column_type(s, 2) == SQLITE_NULL ? NULL :
				       json_object_new_string((const char *)sqlite3_column_text(s, 2)));
		json_object_array_add(arr, m);
	}
	if (*rc == ST_OK && step != SQLITE_DONE)
		*rc = st_rc(db, step, "jit members");
	sqlite3_finalize(s);
	return arr;
}

int store_group_members(struct store *st, const struct group_row *g, time_t now,
			struct json_object **members, struct json_object **jit)
{
	sqlite3 *db = st_db(st);
	int r1 = ST_OK, r2 = ST_OK;

	*members = NULL;
	*jit = NULL;
	if (!db)
		return ST_ERROR;
	if (strcmp(g->kind, "user") == 0)
		*members = json_object_new_array();
	else
		*members = st_name_list(db, "SELECT u.name FROM members m JOIN users u ON u.id = m.user_id"
				     " WHERE m.group_id = ? ORDER BY u.name", g->id, &r1);
	if (strcmp(g->kind, "role") == 0)
		*jit = jit_list(db, g->id, now, &r2);
	return r1 != ST_OK ? r1 : r2;
}

struct membership {
	const char *group, *user, *actor;
	int add;
	time_t now;
};

static int change_membership(sqlite3 *db, void *arg)
{
	struct membership *m = arg;
	struct json_object *data;
	struct group_row g;
	struct user_row u;
	int r = group_row(db, m->group, &g);

	if (r == ST_OK)
		r = st_user_row(db, m->user, &u);
	if (r != ST_OK)
		return r;
	if (m->add && (strcmp(g.kind, "regular") != 0 || strcmp(u.state, "deprovisioned") == 0))
		return ST_STATE;
	if (m->add)
		r = st_exec(db, "INSERT OR IGNORE INTO members (group_id, user_id, added_at)"
			    " VALUES (?, ?, ?)", "iii", g.id, u.id, (int64_t)m->now);
	else if (strcmp(g.kind, "regular") != 0)
		r = ST_STATE;
	else
		r = st_exec(db, "DELETE FROM members WHERE group_id = ? AND user_id = ?", "ii",
			    g.id, u.id);
	if (r != ST_OK || sqlite3_changes(db) == 0)
		return r;
	data = json_object_new_object();
	json_object_object_add(data, "group", json_object_new_string(m->group));
	json_object_object_add(data, "user", json_object_new_string(m->user));
	r = st_audit(db, m->now, m->actor, NULL,
		     m->add ? "group.member.add" : "group.member.remove", NULL, data);
	json_object_put(data);
	return r == ST_OK ? st_bump_serial(db) : r;
}

int store_group_member_add(struct store *st, const char *group, const char *user,
			   const char *actor, time_t now)
{
	struct membership m = { group, user, actor, 1, now };

	return st_tx(st, change_membership, &m);
}

int store_group_member_remove(struct store *st, const char *group, const char *user,
			      const char *actor, time_t now)
{
	struct membership m = { group, user, actor, 0, now };

	return st_tx(st, change_membership, &m);
}

int store_is_member(struct store *st, int64_t group_id, int64_t user_id)
{
	sqlite3 *db = st_db(st);
	int64_t one;

	return db && st_int(db, &one, "SELECT 1 FROM members WHERE group_id = ? AND user_id = ?",
			    "ii", group_id, user_id) == ST_OK;
}
