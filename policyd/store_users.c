#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store_int.h"

#define USER_COLUMNS \
	"SELECT u.id, u.name, u.uid, u.gecos, u.home, u.shell, u.state," \
	" u.pw_verifier IS NOT NULL, u.totp_secret IS NOT NULL, u.created_at, u.updated_at," \
	" COALESCE((SELECT locked_until FROM failures WHERE key = 'user:' || u.name), 0)" \
	" FROM users u "

static void read_user(sqlite3_stmt *s, void *row)
{
	struct user_row *u = row;

	u->id = sqlite3_column_int64(s, 0);
	st_col_text(s, 1, u->name, sizeof(u->name));
	u->uid = sqlite3_column_int64(s, 2);
	st_col_text(s, 3, u->gecos, sizeof(u->gecos));
	st_col_text(s, 4, u->home, sizeof(u->home));
	st_col_text(s, 5, u->shell, sizeof(u->shell));
	st_col_text(s, 6, u->state, sizeof(u->state));
	u->has_password = sqlite3_column_int(s, 7);
	u->has_mfa = sqlite3_column_int(s, 8);
	u->created_at = sqlite3_column_int64(s, 9);
	u->updated_at = sqlite3_column_int64(s, 10);
	u->locked_until = sqlite3_column_int64(s, 11);
}

int st_user_row(sqlite3 *db, const char *name, struct user_row *out)
{
	return st_one(db, USER_COLUMNS "WHERE u.name = ?", name, 0, read_user, out, sizeof(*out));
}

int store_user_get(struct store *st, const char *name, struct user_row *out)
{
	sqlite3 *db = st_db(st);

	return db ? st_user_row(db, name, out) : ST_ERROR;
}

struct user_each {
	int (*fn)(void *ctx, const struct user_row *u);
	void *ctx;
};

static int each_user(void *ctx, const void *row)
{
	struct user_each *e = ctx;

	return e->fn(e->ctx, row);
}

int store_user_list(struct store *st, int (*fn)(void *ctx, const struct user_row *u),
		    void *ctx)
{
	sqlite3 *db = st_db(st);
	struct user_each e = { fn, ctx };
	struct user_row u;

	return db ? st_each(db, USER_COLUMNS "ORDER BY u.name", read_user, &u, each_user, &e)
		  : ST_ERROR;
}

/* A name is taken for ever once a user or group had it. */
static int name_taken(sqlite3 *db, const char *name)
{
	int64_t one;

	return st_int(db, &one, "SELECT 1 FROM users WHERE name = ?1 UNION ALL"
		      " SELECT 1 FROM groups WHERE name = ?1", "t", name) == ST_OK;
}

static int insert_user(struct store *st, sqlite3 *db, const struct user_new *u,
		       const char *actor, time_t now)
{
	int64_t id = 0, uid_row;
	struct json_object *data;
	int r;

	if (name_taken(db, u->name))
		return ST_EXISTS;
	r = st_alloc_id(st, db, u->uid, "user", u->name, now, &id);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO users (name, uid, gecos, home, shell, state,"
			    " pw_verifier, created_at, updated_at)"
			    " VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)", "tittttii",
			    u->name, id, u->gecos, u->home, u->shell, u->verifier,
			    (int64_t)now, (int64_t)now);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO groups (name, gid, kind, created_at)"
			    " VALUES (?, ?, 'user', ?)", "tii", u->name, id, (int64_t)now);
	if (r == ST_OK)
		r = st_int(db, &uid_row, "SELECT id FROM users WHERE name = ?", "t", u->name);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO members (group_id, user_id, added_at)"
			    " SELECT g.id, ?, ? FROM groups g WHERE g.name = ?", "iit",
			    uid_row, (int64_t)now, u->name);
	if (r != ST_OK)
		return r;
	data = json_object_new_object();
	json_object_object_add(data, "user", json_object_new_string(u->name));
	json_object_object_add(data, "uid", json_object_new_int64(id));
	json_object_object_add(data, "password", json_object_new_boolean(u->verifier != NULL));
	r = st_audit(db, now, actor, NULL, "user.create", NULL, data);
	json_object_put(data);
	return r == ST_OK ? st_bump_serial(db) : r;
}

int store_user_create(struct store *st, const struct user_new *u, const char *actor,
		      time_t now, struct user_row *out)
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	r = insert_user(st, db, u, actor, now);
	if (r == ST_OK)
		r = st_user_row(db, u->name, out);
	return st_finish(db, r);
}

int store_user_groups(struct store *st, int64_t user_id, struct json_object **out)
{
	sqlite3 *db = st_db(st);
	int r = ST_ERROR;

	*out = NULL;
	if (db)
		*out = st_name_list(db, "SELECT g.name FROM members m JOIN groups g"
				    " ON g.id = m.group_id WHERE m.user_id = ?"
				    " AND g.kind = 'regular' ORDER BY g.name", user_id, &r);
	return r;
}

/* Runs one change to a user in a transaction: loads the row, lets `apply`
 * check and write, audits, and returns the row as it is afterwards. */
struct user_change {
	const char *type;        /* audit event type */
	const char *reason;
	int bump_serial;
	int (*apply)(sqlite3 *db, const struct user_row *u, const void *arg, time_t now);
	const void *arg;
};

static int change_user(struct store *st, const char *name, const struct user_change *c,
		       const char *actor, time_t now, struct user_row *out)
{
	sqlite3 *db = st_db(st);
	struct json_object *data;
	struct user_row u;
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	r = st_user_row(db, name, &u);
	if (r == ST_OK)
		r = c->apply(db, &u, c->arg, now);
	if (r == ST_OK)
		r = st_exec(db, "UPDATE users SET updated_at = ? WHERE id = ?", "ii",
			    (int64_t)now, u.id);
	if (r == ST_OK) {
		data = json_object_new_object();
		json_object_object_add(data, "user", json_object_new_string(name));
		if (c->reason)
			json_object_object_add(data, "reason", json_object_new_string(c->reason));
		r = st_audit(db, now, actor, NULL, c->type, NULL, data);
		json_object_put(data);
	}
	if (r == ST_OK && c->bump_serial)
		r = st_bump_serial(db);
	if (r == ST_OK)
		r = st_user_row(db, name, out);
	return st_finish(db, r);
}

static int require_not_gone(const struct user_row *u)
{
	return strcmp(u->state, "deprovisioned") == 0 ? ST_STATE : ST_OK;
}

static int apply_password(sqlite3 *db, const struct user_row *u, const void *arg, time_t now)
{
	int r = require_not_gone(u);

	(void)now;
	if (r == ST_OK)
		r = st_exec(db, "UPDATE users SET pw_verifier = ? WHERE id = ?", "ti",
			    (const char *)arg, u->id);
	return r;
}

int store_user_set_password(struct store *st, const char *name, const char *verifier,
			    const char *actor, time_t now, struct user_row *out)
{
	struct user_change c = { "user.password", NULL, 0, apply_password, verifier };

	return change_user(st, name, &c, actor, now, out);
}

/* The compare-and-swap on the verifier closes the gap between the
 * handler's check of the old password and this write: an administrator's
 * reset, a disable or a deprovision in between wins. */
static int swap_verifier(sqlite3 *db, const struct password_change *pc, time_t now,
			 int64_t *user_id)
{
	int r;

	r = st_int(db, user_id, "SELECT id FROM users WHERE name = ? AND state = 'active'"
		   " AND pw_verifier = ?", "tt", pc->user, pc->old_verifier);
	if (r == ST_NOTFOUND)
		return ST_STATE;
	if (r == ST_OK)
		r = st_exec(db, "UPDATE users SET pw_verifier = ?, updated_at = ? WHERE id = ?",
			    "tii", pc->new_verifier, (int64_t)now, *user_id);
	return r;
}

static int apply_change(sqlite3 *db, const struct password_change *pc, time_t now)
{
	char key[64];
	int64_t user_id = 0;
	int r = swap_verifier(db, pc, now, &user_id);

	snprintf(key, sizeof(key), "user:%s", pc->user);
	if (r == ST_OK)
		r = st_exec(db, "DELETE FROM failures WHERE key = ? AND locked_until <= ?", "ti",
			    key, (int64_t)now);
	if (r == ST_OK)
		r = st_exec(db, "DELETE FROM challenges WHERE user_id = ?", "i", user_id);
	if (r == ST_OK)
		r = st_audit(db, now, pc->source, NULL, "user.password", pc->user, pc->data);
	return r;
}

struct change_arg {
	const struct password_change *pc;
	time_t now;
};

static int change_tx(sqlite3 *db, void *arg)
{
	const struct change_arg *a = arg;

	return apply_change(db, a->pc, a->now);
}

int store_user_change_password(struct store *st, const struct password_change *pc,
			       time_t now)
{
	struct change_arg a = { pc, now };

	return st_tx(st, change_tx, &a);
}

/* A disabled user's sessions end at once. */
static int apply_state(sqlite3 *db, const struct user_row *u, const void *arg, time_t now)
{
	const char *state = arg;
	int r = require_not_gone(u);

	(void)now;
	if (r == ST_OK)
		r = st_exec(db, "UPDATE users SET state = ? WHERE id = ?", "ti", state, u->id);
	if (r == ST_OK && strcmp(state, "active") != 0)
		r = st_exec(db, "DELETE FROM sessions WHERE user_id = ?", "i", u->id);
	return r;
}

int store_user_set_state(struct store *st, const char *name, const char *state,
			 const char *reason, const char *actor, time_t now,
			 struct user_row *out)
{
	struct user_change c = { strcmp(state, "active") == 0 ? "user.enable" : "user.disable",
				 reason, 1, apply_state, state };

	return change_user(st, name, &c, actor, now, out);
}

/* Everything that could let the person back in goes; the name and uid
 * stay reserved (rows in users and ids are kept). */
static int apply_deprovision(sqlite3 *db, const struct user_row *u, const void *arg,
			     time_t now)
{
	static const char *const sql[] = {
		"UPDATE users SET state = 'deprovisioned', pw_verifier = NULL,"
		" totp_secret = NULL WHERE id = ?1",
		"DELETE FROM ssh_keys WHERE user_id = ?1",
		"DELETE FROM sessions WHERE user_id = ?1",
		"DELETE FROM challenges WHERE user_id = ?1",
		"DELETE FROM eligibility WHERE user_id = ?1",
		"DELETE FROM members WHERE user_id = ?1 AND group_id NOT IN"
		" (SELECT id FROM groups WHERE kind = 'user')",
		"UPDATE requests SET state = 'canceled', ended_by = 'deprovision', ended_at = ?2,"
		" end_reason = 'user deprovisioned' WHERE user_id = ?1 AND state = 'pending'",
		"UPDATE requests SET state = 'revoked', ended_by = 'deprovision', ended_at = ?2,"
		" end_reason = 'user deprovisioned' WHERE user_id = ?1 AND state = 'approved'"
		" AND not_after > ?2",
	};
	size_t i;
	int r = require_not_gone(u);

	(void)arg;
	for (i = 0; r == ST_OK && i < sizeof(sql) / sizeof(sql[0]); i++)
		r = st_exec(db, sql[i], "ii", u->id, (int64_t)now);
	return r;
}

int store_user_deprovision(struct store *st, const char *name, const char *reason,
			   const char *actor, time_t now, struct user_row *out)
{
	struct user_change c = { "user.deprovision", reason, 1, apply_deprovision, NULL };

	return change_user(st, name, &c, actor, now, out);
}

static int apply_unlock(sqlite3 *db, const struct user_row *u, const void *arg, time_t now)
{
	char key[64];

	(void)arg;
	(void)now;
	snprintf(key, sizeof(key), "user:%s", u->name);
	return st_exec(db, "DELETE FROM failures WHERE key = ?", "t", key);
}

int store_user_unlock(struct store *st, const char *name, const char *actor, time_t now,
		      struct user_row *out)
{
	struct user_change c = { "user.unlock", NULL, 0, apply_unlock, NULL };

	return change_user(st, name, &c, actor, now, out);
}

struct totp_arg {
	const unsigned char *secret;
	size_t len;
};

/* A new secret restarts replay protection: steps are per secret. */
static int apply_totp(sqlite3 *db, const struct user_row *u, const void *arg, time_t now)
{
	const struct totp_arg *t = arg;
	sqlite3_stmt *s = NULL;
	int r = require_not_gone(u);

	(void)now;
	if (r == ST_OK)
		r = st_prepare(db, "UPDATE users SET totp_secret = ?, totp_last_step = 0"
			       " WHERE id = ?", &s);
	if (r == ST_OK) {
		if (t->secret)
			sqlite3_bind_blob(s, 1, t->secret, (int)t->len, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s, 1);
		sqlite3_bind_int64(s, 2, u->id);
		r = st_rc(db, sqlite3_step(s), "totp");
	}
	sqlite3_finalize(s);
	return r;
}

int store_user_set_totp(struct store *st, const char *name, const unsigned char *secret,
			size_t len, const char *actor, time_t now, struct user_row *out)
{
	struct totp_arg arg = { secret, len };
	struct user_change c = { secret ? "user.mfa.enroll" : "user.mfa.remove", NULL, 0,
				 apply_totp, &arg };

	return change_user(st, name, &c, actor, now, out);
}
