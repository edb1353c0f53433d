#include "config.h"

#include <stdio.h>

#include <string.h>

#include "store_int.h"
#include "token.h"

static void read_host(sqlite3_stmt *s, void *row)
{
	struct host_row *h = row;

	h->id = sqlite3_column_int64(s, 0);
	st_col_text(s, 1, h->name, sizeof(h->name));
	h->enrolled_at = sqlite3_column_int64(s, 2);
	h->last_seen = sqlite3_column_int64(s, 3);
}

static int host_row(sqlite3 *db, const char *name, struct host_row *out)
{
	return st_one(db, "SELECT id, name, enrolled_at, last_seen FROM hosts WHERE name = ?", name,
		      0, read_host, out, sizeof(*out));
}

int store_host_get(struct store *st, const char *name, struct host_row *out)
{
	sqlite3 *db = st_db(st);

	return db ? host_row(db, name, out) : ST_ERROR;
}

struct host_each {
	int (*fn)(void *ctx, const struct host_row *h);
	void *ctx;
};

static int each_host(void *ctx, const void *row)
{
	struct host_each *e = ctx;

	return e->fn(e->ctx, row);
}

int store_host_list(struct store *st, int (*fn)(void *ctx, const struct host_row *h),
		    void *ctx)
{
	sqlite3 *db = st_db(st);
	struct host_each e = { fn, ctx };
	struct host_row h;

	return db ? st_each(db, "SELECT id, name, enrolled_at, last_seen FROM hosts ORDER BY name",
			    read_host, &h, each_host, &e)
		  : ST_ERROR;
}

int store_host_access_groups(struct store *st, int64_t host_id, struct json_object **out)
{
	sqlite3 *db = st_db(st);
	int r = ST_ERROR;

	*out = NULL;
	if (db)
		*out = st_name_list(db, "SELECT g.name FROM host_access a JOIN groups g"
				    " ON g.id = a.group_id WHERE a.host_id = ? ORDER BY g.name",
				    host_id, &r);
	return r;
}

struct credential_op {
	const char *name, *actor;
	int enroll;        /* 1: a new host, 0: a new credential for a known one */
	time_t now;
	char *credential;
};

static int host_audit(sqlite3 *db, const char *type, const char *host, const char *group,
		      const char *actor, time_t now)
{
	struct json_object *data = json_object_new_object();
	int r;

	json_object_object_add(data, "host", json_object_new_string(host));
	if (group)
		json_object_object_add(data, "group", json_object_new_string(group));
	r = st_audit(db, now, actor, NULL, type, NULL, data);
	json_object_put(data);
	return r;
}

/* The token carries the host's row id, so the row exists before the
 * credential does; its hash is set in the same transaction. */
static int issue_credential(sqlite3 *db, void *arg)
{
	struct credential_op *op = arg;
	char hash[IAM_SHA256_HEX_LEN + 1];
	struct host_row h;
	int r;

	if (op->enroll)
		r = st_exec(db, "INSERT INTO hosts (name, cred_hash, enrolled_at) VALUES (?, '', ?)",
			    "ti", op->name, (int64_t)op->now);
	else
		r = ST_OK;
	if (r == ST_OK)
		r = host_row(db, op->name, &h);
	if (r != ST_OK)
		return r;
	if (iam_token_generate(IAM_TOKEN_HOST, h.id, op->credential, hash) < 0)
		return ST_ERROR;
	r = st_exec(db, "UPDATE hosts SET cred_hash = ? WHERE id = ?", "ti", hash, h.id);
	if (r == ST_OK)
		r = host_audit(db, op->enroll ? "host.enroll" : "host.credential", op->name, NULL,
			       op->actor, op->now);
	return r;
}

int store_host_enroll(struct store *st, const char *name, const char *actor, time_t now,
		      char credential[80])
{
	struct credential_op op = { name, actor, 1, now, credential };

	return st_tx(st, issue_credential, &op);
}

int store_host_rotate(struct store *st, const char *name, const char *actor, time_t now,
		      char credential[80])
{
	struct credential_op op = { name, actor, 0, now, credential };

	return st_tx(st, issue_credential, &op);
}

struct access_op {
	const char *host, *group, *actor;
	int allow;
	time_t now;
};

static int change_access(sqlite3 *db, void *arg)
{
	struct access_op *op = arg;
	struct host_row h;
	int64_t gid;
	int r = host_row(db, op->host, &h);

	if (r == ST_OK)
		r = st_group_id(db, op->group, &gid);
	if (r != ST_OK)
		return r == ST_NOTFOUND ? ST_NOTFOUND : r;
	if (op->allow)
		r = st_exec(db, "INSERT OR IGNORE INTO host_access (host_id, group_id) VALUES (?, ?)",
			    "ii", h.id, gid);
	else
		r = st_exec(db, "DELETE FROM host_access WHERE host_id = ? AND group_id = ?", "ii",
			    h.id, gid);
	if (r != ST_OK || sqlite3_changes(db) == 0)
		return r;
	r = host_audit(db, op->allow ? "host.access.allow" : "host.access.remove", op->host,
		       op->group, op->actor, op->now);
	return r == ST_OK ? st_bump_serial(db) : r;
}

int store_host_access(struct store *st, const char *host, const char *group, int allow,
		      const char *actor, time_t now)
{
	struct access_op op = { host, group, actor, allow, now };

	return st_tx(st, change_access, &op);
}
