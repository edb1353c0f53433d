#include "config.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static int add_users(sqlite3 *db, struct json_object *arr)
{
	sqlite3_stmt *s = NULL;
	int r, step = SQLITE_DONE;

	r = st_prepare(db, "SELECT name, uid, gecos, home, shell, state FROM users"
		       " WHERE state <> 'deprovisioned' ORDER BY uid", &s);
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct json_object *u = json_object_new_object();

		json_object_object_add(u, "name", json_object_new_string(
			(const char *)sqlite3_column_text(s, 0)));
		json_object_object_add(u, "uid", json_object_new_int64(sqlite3_column_int64(s, 1)));
		json_object_object_add(u, "gid", json_object_new_int64(sqlite3_column_int64(s, 1)));
		json_object_object_add(u, "gecos", json_object_new_string(
			(const char *)sqlite3_column_text(s, 2)));
		json_object_object_add(u, "home", json_object_new_string(
			(const char *)sqlite3_column_text(s, 3)));
		json_object_object_add(u, "shell", json_object_new_string(
			(const char *)sqlite3_column_text(s, 4)));
		json_object_object_add(u, "state", json_object_new_string(
			(const char *)sqlite3_column_text(s, 5)));
		json_object_array_add(arr, u);
	}
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "snapshot users");
	sqlite3_finalize(s);
	return r;
}

static struct json_object *member(const char *user, int64_t until)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "user", json_object_new_string(user));
	json_object_object_add(m, "until", until ? json_object_new_int64(until) : NULL);
	return m;
}

/* One row per (group, member): static members of regular groups (a user's
 * own group lists nobody, as with user private groups in /etc/group) and
 * the holders of active grants in role groups. A grant is its own row, with
 * its not_after moved by extensions (extension rows are not grants), and
 * counts only on its host when it is scoped to one. */
static const char *const members_sql =
	"SELECT g.name, g.gid, u.name, 0 FROM groups g"
	" LEFT JOIN members m ON m.group_id = g.id AND g.kind = 'regular'"
	" LEFT JOIN users u ON u.id = m.user_id AND u.state <> 'deprovisioned'"
	" WHERE g.kind <> 'role'"
	" UNION ALL"
	" SELECT g.name, g.gid, u.name, q.not_after FROM groups g"
	" JOIN roles r ON r.group_id = g.id"
	" LEFT JOIN requests q ON q.role_id = r.id AND q.state = 'approved'"
	" AND q.extends IS NULL AND q.not_before <= ?1 AND q.not_after > ?1"
	" AND (q.host_id IS NULL OR q.host_id = (SELECT id FROM hosts WHERE name = ?2))"
	" LEFT JOIN users u ON u.id = q.user_id AND u.state <> 'deprovisioned'"
	" ORDER BY 2, 3";

static int add_groups(sqlite3 *db, struct json_object *arr, const char *host, time_t now)
{
	struct json_object *g = NULL, *members = NULL;
	sqlite3_stmt *s = NULL;
	int64_t last_gid = -1;
	int r, step = SQLITE_DONE;

	r = st_prepare(db, members_sql, &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, (int64_t)now);
		sqlite3_bind_text(s, 2, host, -1, SQLITE_TRANSIENT);
	}
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t gid = sqlite3_column_int64(s, 1);

		if (gid != last_gid) {
			g = json_object_new_object();
			members = json_object_new_array();
			json_object_object_add(g, "name", json_object_new_string(
				(const char *)sqlite3_column_text(s, 0)));
			json_object_object_add(g, "gid", json_object_new_int64(gid));
			json_object_object_add(g, "members", members);
			json_object_array_add(arr, g);
			last_gid = gid;
		}
		if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			json_object_array_add(members, member(
				(const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3)));
	}
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "snapshot groups");
	sqlite3_finalize(s);
	return r;
}

static int build_payload(sqlite3 *db, const char *host, time_t now, int64_t *serial,
			 char **payload)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *users = json_object_new_array(), *groups = json_object_new_array();
	int r;

	json_object_object_add(doc, "format", json_object_new_int(1));
	r = st_int(db, serial, "SELECT value FROM meta WHERE key = 'dir_serial'", "");
	json_object_object_add(doc, "serial", json_object_new_int64(*serial));
	json_object_object_add(doc, "host", json_object_new_string(host));
	json_object_object_add(doc, "generated_at", json_object_new_int64((int64_t)now));
	json_object_object_add(doc, "users", users);
	json_object_object_add(doc, "groups", groups);
	if (r == ST_OK)
		r = add_users(db, users);
	if (r == ST_OK)
		r = add_groups(db, groups, host, now);
	if (r == ST_OK) {
		*payload = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		if (!*payload)
			r = ST_ERROR;
	}
	json_object_put(doc);
	return r;
}

int store_snapshot_payload(struct store *st, const char *host, time_t now,
			   int64_t *serial, char **payload)
{
	sqlite3 *db = st_db(st);
	int r;

	*payload = NULL;
	if (!db)
		return ST_ERROR;
	/* One read transaction: the serial and the rows are one moment. */
	r = st_rc(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin read");
	if (r == ST_OK)
		r = build_payload(db, host, now, serial, payload);
	st_rollback(db);
	return r;
}
