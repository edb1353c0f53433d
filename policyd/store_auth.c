#include "config.h"

#include <stdio.h>
#include <string.h>

#include "secmem.h"
#include "store_int.h"
#include "token.h"

/* Host last_seen is a write; do it at most once a minute per host. */
#define LAST_SEEN_GRANULARITY 60

static int check_hash(sqlite3_stmt *s, int col, const char *hash)
{
	const char *stored = (const char *)sqlite3_column_text(s, col);

	return stored && strlen(stored) == strlen(hash) && iam_ct_streq(stored, hash);
}

static int auth_admin(sqlite3 *db, int64_t id, const char *hash, struct principal *out)
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, "SELECT hash FROM admin_tokens WHERE id = ? AND revoked = 0", &s);

	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, id);
		r = sqlite3_step(s) == SQLITE_ROW && check_hash(s, 0, hash) ? ST_OK : ST_NOTFOUND;
	}
	sqlite3_finalize(s);
	if (r == ST_OK) {
		out->kind = P_ADMIN;
		snprintf(out->name, sizeof(out->name), "admin");
	}
	return r;
}

static int auth_host(sqlite3 *db, int64_t id, const char *hash, struct principal *out)
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, "SELECT cred_hash, name, last_seen FROM hosts WHERE id = ?", &s);

	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, id);
		r = sqlite3_step(s) == SQLITE_ROW && check_hash(s, 0, hash) ? ST_OK : ST_NOTFOUND;
		if (r == ST_OK) {
			out->kind = P_HOST;
			st_col_text(s, 1, out->name, sizeof(out->name));
			out->last_seen = sqlite3_column_int64(s, 2);
		}
	}
	sqlite3_finalize(s);
	return r;
}

/* A session of a user who is no longer active does not authenticate. */
static int auth_user(sqlite3 *db, int64_t id, const char *hash, time_t now,
		     struct principal *out)
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, "SELECT s.hash, u.name, s.mfa, s.user_id FROM sessions s"
			   " JOIN users u ON u.id = s.user_id"
			   " WHERE s.id = ? AND s.expires_at > ? AND u.state = 'active'", &s);

	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)now);
		r = sqlite3_step(s) == SQLITE_ROW && check_hash(s, 0, hash) ? ST_OK : ST_NOTFOUND;
		if (r == ST_OK) {
			out->kind = P_USER;
			st_col_text(s, 1, out->name, sizeof(out->name));
			out->mfa = sqlite3_column_int(s, 2);
			out->id = sqlite3_column_int64(s, 3);
			out->session_id = id;
		}
	}
	sqlite3_finalize(s);
	return r;
}

int store_authenticate(struct store *st, char kind, int64_t id, const char *hash,
		       time_t now, struct principal *out)
{
	sqlite3 *db = st_db(st);

	memset(out, 0, sizeof(*out));
	if (!db)
		return ST_ERROR;
	out->id = id;
	switch (kind) {
	case IAM_TOKEN_ADMIN: return auth_admin(db, id, hash, out);
	case IAM_TOKEN_HOST: return auth_host(db, id, hash, out);
	case IAM_TOKEN_USER: return auth_user(db, id, hash, now, out);
	default: return ST_NOTFOUND;
	}
}

/* Bookkeeping, not a decision: it never makes a request wait for the write
 * lock (it is skipped when busy) and writes at most once a minute. */
int store_host_seen(struct store *st, int64_t host_id, int64_t last_seen, time_t now)
{
	sqlite3 *db = st_db(st);
	int r;

	sqlite3_stmt *s = NULL;

	if (!db || last_seen > (int64_t)now - LAST_SEEN_GRANULARITY)
		return ST_OK;
	/* SQLite is asked directly: a busy database is not worth a warning */
	sqlite3_busy_timeout(db, 0);
	r = sqlite3_prepare_v2(db, "UPDATE hosts SET last_seen = ? WHERE id = ?", -1, &s, NULL);
	if (r == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, (int64_t)now);
		sqlite3_bind_int64(s, 2, host_id);
		r = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	return r == SQLITE_DONE || (r & 0xff) == SQLITE_BUSY ? ST_OK : st_rc(db, r, "last_seen");
}

int store_login_facts(struct store *st, const char *name, struct login_facts *out)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT id, state, COALESCE(pw_verifier, ''), totp_secret,"
		       " totp_last_step FROM users WHERE name = ?", &s);
	if (r == ST_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW) {
			int len = sqlite3_column_bytes(s, 3);

			out->found = 1;
			out->user_id = sqlite3_column_int64(s, 0);
			st_col_text(s, 1, out->state, sizeof(out->state));
			st_col_text(s, 2, out->verifier, sizeof(out->verifier));
			if (len > 0 && (size_t)len <= sizeof(out->totp_secret)) {
				memcpy(out->totp_secret, sqlite3_column_blob(s, 3), (size_t)len);
				out->totp_len = (size_t)len;
			}
			out->totp_last_step = sqlite3_column_int64(s, 4);
		}
	}
	sqlite3_finalize(s);
	return r;
}

int store_lock_until(struct store *st, const char *key, time_t now, int64_t *until)
{
	sqlite3 *db = st_db(st);
	int r;

	*until = 0;
	if (!db)
		return ST_ERROR;
	r = st_int(db, until, "SELECT locked_until FROM failures WHERE key = ? AND locked_until > ?",
		   "ti", key, (int64_t)now);
	return r == ST_NOTFOUND ? ST_OK : r;
}

/* A failure outside the window starts a new count. */
static int count_failure(sqlite3 *db, const char *key, const struct failure_policy *p,
			 time_t now, int64_t *locked_until)
{
	int64_t count = 0;
	int r;

	r = st_exec(db, "INSERT INTO failures (key, count, first_at) VALUES (?1, 1, ?2)"
		    " ON CONFLICT (key) DO UPDATE SET"
		    " count = CASE WHEN first_at <= ?2 - ?3 THEN 1 ELSE count + 1 END,"
		    " first_at = CASE WHEN first_at <= ?2 - ?3 THEN ?2 ELSE first_at END",
		    "tii", key, (int64_t)now, (int64_t)p->window);
	if (r == ST_OK)
		r = st_int(db, &count, "SELECT count FROM failures WHERE key = ?", "t", key);
	if (r == ST_OK && count >= p->threshold) {
		*locked_until = (int64_t)now + p->duration;
		r = st_exec(db, "UPDATE failures SET locked_until = ?, count = 0, first_at = ?"
			    " WHERE key = ?", "iit", *locked_until, (int64_t)now, key);
	}
	return r;
}

int store_failure_add(struct store *st, const char *key, const struct failure_policy *p,
		      time_t now, int64_t *locked_until)
{
	sqlite3 *db = st_db(st);
	int r;

	*locked_until = 0;
	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	return st_finish(db, count_failure(db, key, p, now, locked_until));
}

int store_failure_reset(struct store *st, const char *key, time_t now)
{
	return st_write(st, NULL, "DELETE FROM failures WHERE key = ? AND locked_until <= ?", "ti",
			key, (int64_t)now);
}

int store_totp_step_use(struct store *st, int64_t user_id, int64_t step)
{
	int changes = 0;
	int r = st_write(st, &changes, "UPDATE users SET totp_last_step = ?1 WHERE id = ?2"
			 " AND totp_last_step < ?1", "ii", step, user_id);

	return r == ST_OK && changes != 1 ? ST_DENIED : r;
}

/* Challenges and sessions are tokens: the row id is in the token, the row
 * holds only the hash of its secret. The caller inserts the row (with an
 * empty hash) to learn its id; this gives it the token, in the same
 * transaction. */
static int issue_token(sqlite3 *db, enum iam_token_kind kind, const char *update_sql,
		       char token[80])
{
	char hash[IAM_SHA256_HEX_LEN + 1];
	int64_t id = sqlite3_last_insert_rowid(db);

	if (iam_token_generate(kind, id, token, hash) < 0)
		return ST_ERROR;
	return st_exec(db, update_sql, "ti", hash, id);
}

int store_challenge_create(struct store *st, int64_t user_id, const char *caller,
			   const char *service, const char *origin, const char *tty,
			   time_t expires_at, char token[80])
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	r = st_exec(db, "INSERT INTO challenges (user_id, hash, caller, expires_at, service,"
		    " origin, tty) VALUES (?, '', ?, ?, ?, ?, ?)", "itittt", user_id, caller,
		    (int64_t)expires_at, service, origin, tty);
	if (r == ST_OK)
		r = issue_token(db, IAM_TOKEN_CHALLENGE,
				"UPDATE challenges SET hash = ? WHERE id = ?", token);
	return st_finish(db, r);
}

int store_challenge_get(struct store *st, int64_t id, struct challenge_row *out)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r, step;

	memset(out, 0, sizeof(*out));
	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT c.id, c.user_id, u.name, c.caller, c.attempts, c.expires_at,"
		       " c.hash, COALESCE(c.service, ''), COALESCE(c.origin, ''),"
		       " COALESCE(c.tty, '') FROM challenges c JOIN users u ON u.id = c.user_id"
		       " WHERE c.id = ?", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, id);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			out->id = sqlite3_column_int64(s, 0);
			out->user_id = sqlite3_column_int64(s, 1);
			st_col_text(s, 2, out->user, sizeof(out->user));
			st_col_text(s, 3, out->caller, sizeof(out->caller));
			out->attempts = sqlite3_column_int64(s, 4);
			out->expires_at = sqlite3_column_int64(s, 5);
			st_col_text(s, 6, out->hash, sizeof(out->hash));
			st_col_text(s, 7, out->service, sizeof(out->service));
			st_col_text(s, 8, out->origin, sizeof(out->origin));
			st_col_text(s, 9, out->tty, sizeof(out->tty));
		} else {
			r = st_no_row(db, step, "challenge");
		}
	}
	sqlite3_finalize(s);
	return r;
}

int store_challenge_fail(struct store *st, int64_t id)
{
	return st_write(st, NULL, "UPDATE challenges SET attempts = attempts + 1 WHERE id = ?",
			"i", id);
}

int store_challenge_delete(struct store *st, int64_t id)
{
	return st_write(st, NULL, "DELETE FROM challenges WHERE id = ?", "i", id);
}

int store_session_create(struct store *st, int64_t user_id, int mfa, time_t now,
			 time_t expires_at, char token[80])
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	/* Expired sessions and challenges are swept here, so the tables stay small. */
	r = st_exec(db, "DELETE FROM sessions WHERE expires_at <= ?", "i", (int64_t)now);
	if (r == ST_OK)
		r = st_exec(db, "DELETE FROM challenges WHERE expires_at <= ?", "i", (int64_t)now);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO sessions (user_id, hash, mfa, created_at, expires_at)"
			    " VALUES (?, '', ?, ?, ?)", "iiii", user_id, (int64_t)(mfa != 0),
			    (int64_t)now, (int64_t)expires_at);
	if (r == ST_OK)
		r = issue_token(db, IAM_TOKEN_USER, "UPDATE sessions SET hash = ? WHERE id = ?",
				token);
	return st_finish(db, r);
}

int store_session_delete(struct store *st, int64_t id)
{
	return st_write(st, NULL, "DELETE FROM sessions WHERE id = ?", "i", id);
}

int store_admin_token_create(struct store *st, const char *comment, time_t now,
			     char token[80])
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	r = st_exec(db, "INSERT INTO admin_tokens (hash, comment, created_at) VALUES ('', ?, ?)",
		    "ti", comment, (int64_t)now);
	if (r == ST_OK)
		r = issue_token(db, IAM_TOKEN_ADMIN, "UPDATE admin_tokens SET hash = ? WHERE id = ?",
				token);
	return st_finish(db, r);
}
