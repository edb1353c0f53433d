/* Shared by the store*.c files only: connections, transactions, ids,
 * the directory serial and the audit append. */
#ifndef IAM_POLICYD_STORE_INT_H
#define IAM_POLICYD_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include "store.h"

#define BUSY_TIMEOUT_MS 5000

struct store {
	char *path;
	long long id_min, id_max;
	pthread_key_t conn_key;
};

/* This thread's connection, opened on first use; NULL if it cannot open. */
sqlite3 *st_db(struct store *st);

/* BEGIN IMMEDIATE: writers queue here (busy_timeout) instead of failing
 * half-way through. */
int st_begin(sqlite3 *db);
int st_commit(sqlite3 *db);
void st_rollback(sqlite3 *db);
/* Commits when rc is ST_OK, else rolls back; returns the final rc. */
int st_finish(sqlite3 *db, int rc);

/* Runs fn(db, arg) in one write transaction on this thread's connection. */
int st_tx(struct store *st, int (*fn)(sqlite3 *db, void *arg), void *arg);

int st_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt);
/* Why a step that should have produced a row did not: ST_NOTFOUND after
 * SQLITE_DONE, else the mapped error; never ST_OK. */
int st_no_row(sqlite3 *db, int step, const char *what);
/* Maps an SQLite result to enum st_rc, logging unexpected ones. */
int st_rc(sqlite3 *db, int rc, const char *what);
/* Runs a statement expected to return no rows, binding text/int64 pairs
 * described by types ("t" text, "i" int64, "n" null), e.g. "ti". */
int st_exec(sqlite3 *db, const char *sql, const char *types, ...);
/* One write statement in its own transaction (through the write queue);
 * *changes (may be NULL) gets the number of rows it changed. */
int st_write(struct store *st, int *changes, const char *sql, const char *types, ...);
/* First column of the first row as int64; ST_NOTFOUND without rows. */
int st_int(sqlite3 *db, int64_t *out, const char *sql, const char *types, ...);
void st_bindv(sqlite3_stmt *s, const char *types, va_list ap);
void st_col_text(sqlite3_stmt *s, int col, char *out, size_t outsz);

/* The first column of each row for one int64 parameter, as a JSON array of
 * strings; *rc says whether the query worked. Never NULL. */
struct json_object *st_name_list(sqlite3 *db, const char *sql, int64_t id, int *rc);

/* Reads the current row of a query into a row struct. */
typedef void (*st_reader)(sqlite3_stmt *s, void *row);
/* The one row a query finds with ?1 bound to text key (or to id when key
 * is NULL), read into row (zeroed first, rowsz bytes); ST_NOTFOUND when
 * there is none. */
int st_one(sqlite3 *db, const char *sql, const char *key, int64_t id, st_reader read,
	   void *row, size_t rowsz);
/* Each row of a query without parameters, read into row and passed to fn;
 * stops at the first fn result other than ST_OK. */
int st_each(sqlite3 *db, const char *sql, st_reader read, void *row,
	    int (*fn)(void *ctx, const void *row), void *ctx);

int st_bump_serial(sqlite3 *db);
/* Reserves an id for a user or group: want > 0 takes that id (ST_RANGE
 * outside [id_min, id_max], ST_ID_IN_USE if ever used), 0 takes the next
 * one after the highest ever used. */
int st_alloc_id(struct store *st, sqlite3 *db, int64_t want, const char *kind,
		const char *name, time_t now, int64_t *out);

/* Appends one audit record inside the current transaction. source is the
 * caller ("admin", "host:web1", "user:bob", "anonymous"); the actor column
 * is derived from it unless actor is given. */
int st_audit(sqlite3 *db, time_t now, const char *source, const char *event_id,
	     const char *type, const char *actor, struct json_object *data);
const char *st_actor_of(const char *source);
/* A request query's rows (where-clause with ?1/?2/?3 bound to a, b, c). */
int st_request_rows(sqlite3 *db, const char *where, int64_t a, int64_t b, int64_t c,
		    struct request_row *rows, int max, int *n);
int st_request_row(sqlite3 *db, int64_t id, struct request_row *out);
/* The elevation.* audit record of a request after a change; extra (may be
 * NULL) adds members and stays the caller's. */
int st_audit_request(sqlite3 *db, const struct request_row *q, const char *type,
		     const char *source, const char *reason, const struct json_object *extra,
		     time_t now);
/* Applies approved extension x to its grant (decide_extension()): the
 * grant's not_after moves, and x becomes approved with the added segment
 * as its [not_before, not_after). ST_DENIED with *why when it cannot. The
 * caller bumps the serial. */
int st_apply_extension(sqlite3 *db, const struct request_row *x, const char *by,
		       const char *reason, time_t now, const char **why);

int st_user_id(sqlite3 *db, const char *name, int64_t *id);
int st_group_id(sqlite3 *db, const char *name, int64_t *id);
int st_user_row(sqlite3 *db, const char *name, struct user_row *out);
int st_role_row(sqlite3 *db, const char *name, struct role_row *out);

#endif
