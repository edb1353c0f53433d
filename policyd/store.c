#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit_chain.h"
#include "encode.h"
#include "log.h"
#include "secmem.h"
#include "store_int.h"
#include "store_schema.h"

static int exec_sql(sqlite3 *db, const char *sql, struct iam_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		iam_err_set(err, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return ST_ERROR;
	}
	return ST_OK;
}

/* synchronous=FULL: a commit is on disk before the client hears "done". */
static int configure(sqlite3 *db, struct iam_err *err)
{
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 1);
	return exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			    "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;", err);
}

static int open_db(const char *path, int flags, sqlite3 **out, struct iam_err *err)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		iam_err_set(err, "cannot open the database %s: %s", path,
			    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return ST_ERROR;
	}
	if (configure(db, err) != ST_OK) {
		iam_err_prefix(err, "%s", path);
		sqlite3_close(db);
		return ST_ERROR;
	}
	*out = db;
	return ST_OK;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(sqlite3 *db, struct iam_err *err)
{
	int v = user_version(db), r = ST_OK;
	char pragma[48];

	if (v < 0 || v > store_migration_count) {
		iam_err_set(err, "database schema version %d is newer than this iam-policyd "
			    "knows (%d)", v, store_migration_count);
		return ST_ERROR;
	}
	for (; r == ST_OK && v < store_migration_count; v++) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d;", v + 1);
		r = exec_sql(db, "BEGIN IMMEDIATE", err);
		if (r == ST_OK)
			r = exec_sql(db, store_migrations[v], err);
		if (r == ST_OK)
			r = exec_sql(db, pragma, err);
		if (r == ST_OK)
			r = exec_sql(db, "COMMIT", err);
		else
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (r != ST_OK)
			iam_err_prefix(err, "schema migration %d failed", v + 1);
	}
	return r;
}

int store_create(const char *path, struct iam_err *err)
{
	sqlite3 *db = NULL;
	int r;

	r = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE,
		    &db, err);
	if (r == ST_OK)
		r = migrate(db, err);
	sqlite3_close(db);
	return r;
}

static void close_conn(void *p)
{
	sqlite3_close_v2(p);
}

int store_open(struct store **out, const struct store_options *opt, struct iam_err *err)
{
	struct store *st = calloc(1, sizeof(*st));
	sqlite3 *db = NULL;
	int r;

	*out = NULL;
	if (!st || !(st->path = strdup(opt->path))) {
		free(st);
		iam_err_set(err, "out of memory");
		return ST_ERROR;
	}
	st->id_min = opt->id_min;
	st->id_max = opt->id_max;
	r = open_db(st->path, SQLITE_OPEN_READWRITE, &db, err);
	if (r == ST_OK)
		r = migrate(db, err);
	sqlite3_close(db);
	if (r == ST_OK && pthread_key_create(&st->conn_key, close_conn) != 0) {
		iam_err_set(err, "cannot create the per-thread connection key");
		r = ST_ERROR;
	}
	if (r != ST_OK) {
		free(st->path);
		free(st);
		return r;
	}
	*out = st;
	return ST_OK;
}

void store_close(struct store *st)
{
	sqlite3 *db;

	if (!st)
		return;
	db = pthread_getspecific(st->conn_key);
	if (db) {
		sqlite3_close_v2(db);
		pthread_setspecific(st->conn_key, NULL);
	}
	pthread_key_delete(st->conn_key);
	free(st->path);
	free(st);
}

sqlite3 *st_db(struct store *st)
{
	sqlite3 *db = pthread_getspecific(st->conn_key);
	struct iam_err err;

	if (db)
		return db;
	if (open_db(st->path, SQLITE_OPEN_READWRITE, &db, &err) != ST_OK) {
		iam_log(LOG_ERR, "event=store_error error=\"%s\"", err.msg);
		return NULL;
	}
	pthread_setspecific(st->conn_key, db);
	return db;
}

int store_schema_version(struct store *st)
{
	sqlite3 *db = st_db(st);

	return db ? user_version(db) : -1;
}

int st_rc(sqlite3 *db, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return ST_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		iam_log(LOG_WARNING, "event=store_busy what=\"%s\"", what);
		return ST_BUSY;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ST_EXISTS;
		/* fall through */
	default:
		iam_log(LOG_ERR, "event=store_error what=\"%s\" error=\"%s\"", what,
			sqlite3_errmsg(db));
		return ST_ERROR;
	}
}

int st_no_row(sqlite3 *db, int step, const char *what)
{
	int r;

	if (step == SQLITE_DONE)
		return ST_NOTFOUND;
	r = st_rc(db, step, what);
	return r == ST_OK ? ST_ERROR : r;
}

/*
 * Writers of this process queue on a mutex before they ask SQLite for its
 * write lock. SQLite alone makes a waiting writer sleep and poll, so under
 * load some wait far longer than others (and past busy_timeout); the mutex
 * hands the lock on in turn. SQLite's own locking still orders writers of
 * other processes (replicas sharing the file). The wait is measured on the
 * monotonic clock, which a moved wall clock cannot shorten.
 */
static pthread_mutex_t write_queue = PTHREAD_MUTEX_INITIALIZER;
static __thread int write_queue_held;

static int enter_write_queue(void)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += BUSY_TIMEOUT_MS / 1000;
	if (pthread_mutex_clocklock(&write_queue, CLOCK_MONOTONIC, &deadline) != 0) {
		iam_log(LOG_WARNING, "event=store_busy what=\"write queue\"");
		return ST_BUSY;
	}
	write_queue_held = 1;
	return ST_OK;
}

static void leave_write_queue(void)
{
	if (write_queue_held) {
		write_queue_held = 0;
		pthread_mutex_unlock(&write_queue);
	}
}

int st_begin(sqlite3 *db)
{
	int r = enter_write_queue();

	if (r != ST_OK)
		return r;
	r = st_rc(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
	if (r != ST_OK)
		leave_write_queue();
	return r;
}

int st_commit(sqlite3 *db)
{
	int r = st_rc(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");

	if (r != ST_OK)
		st_rollback(db);
	leave_write_queue();
	return r;
}

void st_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	leave_write_queue();
}

int st_finish(sqlite3 *db, int rc)
{
	if (rc == ST_OK)
		return st_commit(db);
	st_rollback(db);
	return rc;
}

int st_tx(struct store *st, int (*fn)(sqlite3 *db, void *arg), void *arg)
{
	sqlite3 *db = st_db(st);
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	return st_finish(db, fn(db, arg));
}

int st_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt)
{
	return st_rc(db, sqlite3_prepare_v2(db, sql, -1, stmt, NULL), sql);
}

void st_bindv(sqlite3_stmt *s, const char *types, va_list ap)
{
	int i;

	for (i = 1; *types; types++, i++) {
		switch (*types) {
		case 't': {
			const char *t = va_arg(ap, const char *);

			if (t)
				sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(s, i);
			break;
		}
		case 'i':
			sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		default:
			sqlite3_bind_null(s, i);
			break;
		}
	}
}

static int st_execv(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, sql, &s);

	if (r == ST_OK) {
		st_bindv(s, types, ap);
		r = st_rc(db, sqlite3_step(s), sql);
	}
	sqlite3_finalize(s);
	return r;
}

int st_exec(sqlite3 *db, const char *sql, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = st_execv(db, sql, types, ap);
	va_end(ap);
	return r;
}

int st_write(struct store *st, int *changes, const char *sql, const char *types, ...)
{
	sqlite3 *db = st_db(st);
	va_list ap;
	int r;

	if (!db)
		return ST_ERROR;
	r = st_begin(db);
	if (r != ST_OK)
		return r;
	va_start(ap, types);
	r = st_execv(db, sql, types, ap);
	va_end(ap);
	if (changes)
		*changes = sqlite3_changes(db);
	return st_finish(db, r);
}

int st_int(sqlite3 *db, int64_t *out, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int r = st_prepare(db, sql, &s), step;

	if (r == ST_OK) {
		va_start(ap, types);
		st_bindv(s, types, ap);
		va_end(ap);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW)
			*out = sqlite3_column_int64(s, 0);
		else
			r = st_no_row(db, step, sql);
	}
	sqlite3_finalize(s);
	return r;
}

void st_col_text(sqlite3_stmt *s, int col, char *out, size_t outsz)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

int st_bump_serial(sqlite3 *db)
{
	return st_exec(db, "UPDATE meta SET value = value + 1 WHERE key = 'dir_serial'", "");
}

int64_t store_serial(struct store *st)
{
	sqlite3 *db = st_db(st);
	int64_t v = 0;

	if (!db || st_int(db, &v, "SELECT value FROM meta WHERE key = 'dir_serial'", "") != ST_OK)
		return -1;
	return v;
}

int st_alloc_id(struct store *st, sqlite3 *db, int64_t want, const char *kind,
		const char *name, time_t now, int64_t *out)
{
	int64_t id = want, used = 0;
	int r;

	if (want == 0) {
		r = st_int(db, &id, "SELECT COALESCE(MAX(id), ?) + 1 FROM ids WHERE id BETWEEN ? AND ?",
			   "iii", (int64_t)st->id_min - 1, (int64_t)st->id_min, (int64_t)st->id_max);
		if (r != ST_OK)
			return r;
	}
	if (id < st->id_min || id > st->id_max)
		return ST_RANGE;
	r = st_int(db, &used, "SELECT 1 FROM ids WHERE id = ?", "i", id);
	if (r == ST_OK)
		return ST_ID_IN_USE;
	if (r != ST_NOTFOUND)
		return r;
	r = st_exec(db, "INSERT INTO ids (id, kind, name, allocated_at) VALUES (?, ?, ?, ?)",
		    "itti", id, kind, name, (int64_t)now);
	if (r == ST_OK)
		*out = id;
	return r;
}

const char *st_actor_of(const char *source)
{
	const char *colon = strchr(source, ':');

	return colon && strncmp(source, "user:", 5) == 0 ? colon + 1 : source;
}

void store_source(const struct principal *who, char *out, size_t outsz)
{
	switch (who->kind) {
	case P_ADMIN: snprintf(out, outsz, "admin"); break;
	case P_HOST: snprintf(out, outsz, "host:%s", who->name); break;
	case P_USER: snprintf(out, outsz, "user:%s", who->name); break;
	default: snprintf(out, outsz, "anonymous"); break;
	}
}

static int audit_last(sqlite3 *db, int64_t *seq, char hash[65])
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &s);

	*seq = 0;
	snprintf(hash, 65, "%s", IAM_AUDIT_GENESIS);
	if (r == ST_OK) {
		int step = sqlite3_step(s);

		if (step == SQLITE_ROW) {
			*seq = sqlite3_column_int64(s, 0);
			st_col_text(s, 1, hash, 65);
		} else if (step != SQLITE_DONE) {
			r = st_rc(db, step, "audit head");
		}
	}
	sqlite3_finalize(s);
	return r;
}

static void random_event_id(char out[33])
{
	unsigned char raw[16];

	iam_random_bytes(raw, sizeof(raw));
	iam_hex_encode(raw, sizeof(raw), out);
}

int st_audit(sqlite3 *db, time_t now, const char *source, const char *event_id,
	     const char *type, const char *actor, struct json_object *data)
{
	struct iam_audit_record rec;
	char prev[65], hash[65], eid[33];
	const char *text;
	int64_t seq;
	int r;

	text = data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE) : "{}";
	if (!event_id) {
		random_event_id(eid);
		event_id = eid;
	}
	r = audit_last(db, &seq, prev);
	if (r != ST_OK)
		return r;
	rec = (struct iam_audit_record){ seq + 1, (int64_t)now, source, event_id, type,
					 actor ? actor : st_actor_of(source), text };
	if (iam_audit_hash(&rec, prev, hash) < 0)
		return ST_ERROR;
	return st_exec(db, "INSERT INTO audit (seq, time, source, event_id, type, actor, data,"
		       " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "iittttttt",
		       rec.seq, rec.time, source, event_id, type, rec.actor, text, prev, hash);
}

int st_user_id(sqlite3 *db, const char *name, int64_t *id)
{
	return st_int(db, id, "SELECT id FROM users WHERE name = ?", "t", name);
}

int st_group_id(sqlite3 *db, const char *name, int64_t *id)
{
	return st_int(db, id, "SELECT id FROM groups WHERE name = ?", "t", name);
}

struct json_object *st_name_list(sqlite3 *db, const char *sql, int64_t id, int *rc)
{
	struct json_object *arr = json_object_new_array();
	sqlite3_stmt *s = NULL;
	int step = SQLITE_DONE;

	*rc = st_prepare(db, sql, &s);
	if (*rc == ST_OK)
		sqlite3_bind_int64(s, 1, id);
	while (*rc == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW)
		json_object_array_add(arr, json_object_new_string(
			(const char *)sqlite3_column_text(s, 0)));
	if (*rc == ST_OK && step != SQLITE_DONE)
		*rc = st_rc(db, step, sql);
	sqlite3_finalize(s);
	return arr;
}

int st_one(sqlite3 *db, const char *sql, const char *key, int64_t id, st_reader read,
	   void *row, size_t rowsz)
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, sql, &s), step;

	memset(row, 0, rowsz);
	if (r == ST_OK) {
		if (key)
			sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(s, 1, id);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW)
			read(s, row);
		else
			r = st_no_row(db, step, sql);
	}
	sqlite3_finalize(s);
	return r;
}

int st_each(sqlite3 *db, const char *sql, st_reader read, void *row,
	    int (*fn)(void *ctx, const void *row), void *ctx)
{
	sqlite3_stmt *s = NULL;
	int r = st_prepare(db, sql, &s), step = SQLITE_DONE;

	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		read(s, row);
		r = fn(ctx, row);
	}
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, sql);
	sqlite3_finalize(s);
	return r;
}
