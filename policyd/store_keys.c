#include "config.h"

#include <stdio.h>

#include <string.h>

#include "store_int.h"

static struct json_object *key_json(sqlite3_stmt *s)
{
	struct json_object *k = json_object_new_object();

	json_object_object_add(k, "id", json_object_new_int64(sqlite3_column_int64(s, 0)));
	json_object_object_add(k, "key", json_object_new_string(
		(const char *)sqlite3_column_text(s, 1)));
	json_object_object_add(k, "fingerprint", json_object_new_string(
		(const char *)sqlite3_column_text(s, 2)));
	json_object_object_add(k, "comment", json_object_new_string(
		(const char *)sqlite3_column_text(s, 3)));
	json_object_object_add(k, "added_at", json_object_new_int64(sqlite3_column_int64(s, 4)));
	return k;
}

int store_key_list(struct store *st, int64_t user_id, struct json_object **out)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r, step;

	*out = json_object_new_array();
	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT id, key, fingerprint, comment, added_at FROM ssh_keys"
		       " WHERE user_id = ? ORDER BY id", &s);
	if (r == ST_OK)
		sqlite3_bind_int64(s, 1, user_id);
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW)
		json_object_array_add(*out, key_json(s));
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "key list");
	sqlite3_finalize(s);
	return r;
}

static int key_audit(sqlite3 *db, const char *type, const char *user, const char *fp,
		     const char *actor, time_t now)
{
	struct json_object *data = json_object_new_object();
	int r;

	json_object_object_add(data, "user", json_object_new_string(user));
	json_object_object_add(data, "fingerprint", json_object_new_string(fp));
	r = st_audit(db, now, actor, NULL, type, NULL, data);
	json_object_put(data);
	return r;
}

static int insert_key(sqlite3 *db, const char *user, const char *key, const char *fp,
		      const char *comment, const char *actor, time_t now, struct key_row *out)
{
	struct user_row u;
	int r = st_user_row(db, user, &u);

	if (r == ST_OK && strcmp(u.state, "deprovisioned") == 0)
		r = ST_STATE;
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO ssh_keys (user_id, key, fingerprint, comment, added_at)"
			    " VALUES (?, ?, ?, ?, ?)", "ittti", u.id, key, fp, comment,
			    (int64_t)now);
	if (r == ST_OK) {
		out->id = sqlite3_last_insert_rowid(db);
		snprintf(out->key, sizeof(out->key), "%s", key);
		snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", fp);
		snprintf(out->comment, sizeof(out->comment), "%s", comment);
		out->added_at = now;
		r = key_audit(db, "user.key.add", user, fp, actor, now);
	}
	return r;
}

int store_key_add(struct store *st, const char *user, const char *key,
		  const char *fingerprint, const char *comment, const char *actor,
		  time_t now, struct key_row *out)
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	return st_finish(db, insert_key(db, user, key, fingerprint, comment, actor, now, out));
}

static int delete_key(sqlite3 *db, const char *user, int64_t key_id, const char *actor,
		      time_t now)
{
	sqlite3_stmt *s = NULL;
	char fp[64] = "";
	int64_t uid;
	int r = st_user_id(db, user, &uid), step;

	if (r == ST_OK)
		r = st_prepare(db, "SELECT fingerprint FROM ssh_keys WHERE id = ? AND user_id = ?", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, key_id);
		sqlite3_bind_int64(s, 2, uid);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW)
			st_col_text(s, 0, fp, sizeof(fp));
		else
			r = st_no_row(db, step, "key");
	}
	sqlite3_finalize(s);
	if (r == ST_OK)
		r = st_exec(db, "DELETE FROM ssh_keys WHERE id = ?", "i", key_id);
	if (r == ST_OK)
		r = key_audit(db, "user.key.remove", user, fp, actor, now);
	return r;
}

int store_key_remove(struct store *st, const char *user, int64_t key_id,
		     const char *actor, time_t now)
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	return st_finish(db, delete_key(db, user, key_id, actor, now));
}
