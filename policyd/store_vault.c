/*
 * The vault's rows: versions of the escrowed passwords of hosts' local
 * accounts. A version moves pending -> current -> superseded, or pending
 * -> abandoned; at most one is current per account (a unique index says
 * so). Each change is audited in the same transaction, without the sealed
 * text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store_int.h"

#define VAULT_COLS "version, account, escrow_id, state, created_at, decided_at"

static void read_vault_row(sqlite3_stmt *s, void *row)
{
	struct vault_row *v = row;

	v->version = sqlite3_column_int64(s, 0);
	st_col_text(s, 1, v->account, sizeof(v->account));
	st_col_text(s, 2, v->escrow_id, sizeof(v->escrow_id));
	st_col_text(s, 3, v->state, sizeof(v->state));
	v->created_at = sqlite3_column_int64(s, 4);
	v->decided_at = sqlite3_column_int64(s, 5);
}

/* The version a host named by its escrow id. */
static int find(sqlite3 *db, int64_t host_id, const char *account, const char *escrow_id,
		struct vault_row *out)
{
	sqlite3_stmt *s = NULL;
	int r, step;

	memset(out, 0, sizeof(*out));
	r = st_prepare(db, "SELECT " VAULT_COLS " FROM vault_secrets"
		       " WHERE host_id = ? AND account = ? AND escrow_id = ?", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, host_id);
		sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, escrow_id, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW)
			read_vault_row(s, out);
		else
			r = st_no_row(db, step, "vault version");
	}
	sqlite3_finalize(s);
	return r;
}

static int vault_audit(sqlite3 *db, const char *type, const char *host,
		       const struct vault_row *v, const char *source, time_t now)
{
	struct json_object *data = json_object_new_object();
	int r;

	json_object_object_add(data, "host", json_object_new_string(host));
	json_object_object_add(data, "account", json_object_new_string(v->account));
	json_object_object_add(data, "version", json_object_new_int64(v->version));
	json_object_object_add(data, "escrow_id", json_object_new_string(v->escrow_id));
	r = st_audit(db, now, source, NULL, type, NULL, data);
	json_object_put(data);
	return r;
}

struct escrow_tx {
	const struct vault_escrow *e;
	const char *source;
	time_t now;
	struct vault_row *out;
	int *created;
};

static int escrow_tx(sqlite3 *db, void *arg)
{
	struct escrow_tx *t = arg;
	const struct vault_escrow *e = t->e;
	int r = find(db, e->host_id, e->account, e->escrow_id, t->out);

	*t->created = 0;
	if (r != ST_NOTFOUND)
		return r; /* asked again: the row it made, whatever became of it */
	r = st_exec(db, "UPDATE vault_secrets SET state = 'abandoned', decided_at = ?"
		    " WHERE host_id = ? AND account = ? AND state = 'pending'", "iit",
		    (int64_t)t->now, e->host_id, e->account);
	if (r == ST_OK)
		r = st_exec(db, "INSERT INTO vault_secrets (host_id, account, escrow_id, sealed,"
			    " state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)", "ittti",
			    e->host_id, e->account, e->escrow_id, e->sealed, (int64_t)t->now);
	if (r == ST_OK)
		r = find(db, e->host_id, e->account, e->escrow_id, t->out);
	if (r == ST_OK) {
		*t->created = 1;
		r = vault_audit(db, "vault.escrow", e->host, t->out, t->source, t->now);
	}
	return r;
}

int store_vault_escrow(struct store *st, const struct vault_escrow *e, const char *source,
		       time_t now, struct vault_row *out, int *created)
{
	struct escrow_tx t = { e, source, now, out, created };

	return st_tx(st, escrow_tx, &t);
}

struct decide_tx {
	int64_t host_id;
	const char *host, *account, *escrow_id, *source;
	time_t now;
	int confirm;
	struct vault_row *out;
};

static int confirm_row(sqlite3 *db, struct decide_tx *t)
{
	int r = st_exec(db, "UPDATE vault_secrets SET state = 'superseded', decided_at = ?"
			" WHERE host_id = ? AND account = ? AND state = 'current'", "iit",
			(int64_t)t->now, t->host_id, t->account);

	if (r == ST_OK)
		r = st_exec(db, "UPDATE vault_secrets SET state = 'current', decided_at = ?"
			    " WHERE version = ?", "ii", (int64_t)t->now, t->out->version);
	if (r == ST_OK)
		r = find(db, t->host_id, t->account, t->escrow_id, t->out);
	return r == ST_OK ? vault_audit(db, "vault.rotate", t->host, t->out, t->source, t->now) : r;
}

static int abandon_row(sqlite3 *db, struct decide_tx *t)
{
	int r = st_exec(db, "UPDATE vault_secrets SET state = 'abandoned', decided_at = ?"
			" WHERE version = ?", "ii", (int64_t)t->now, t->out->version);

	if (r == ST_OK)
		r = find(db, t->host_id, t->account, t->escrow_id, t->out);
	return r == ST_OK ? vault_audit(db, "vault.abandon", t->host, t->out, t->source, t->now) : r;
}

/* Confirming a current version or abandoning an abandoned one again is
 * the same answer: hosts retry when an answer is lost. */
static int decide_tx(sqlite3 *db, void *arg)
{
	struct decide_tx *t = arg;
	int r = find(db, t->host_id, t->account, t->escrow_id, t->out);

	if (r != ST_OK)
		return r;
	if (strcmp(t->out->state, t->confirm ? "current" : "abandoned") == 0)
		return ST_OK;
	if (strcmp(t->out->state, "pending") != 0)
		return ST_STATE;
	return t->confirm ? confirm_row(db, t) : abandon_row(db, t);
}

int store_vault_confirm(struct store *st, int64_t host_id, const char *host,
			const char *account, const char *escrow_id, const char *source,
			time_t now, struct vault_row *out)
{
	struct decide_tx t = { host_id, host, account, escrow_id, source, now, 1, out };

	return st_tx(st, decide_tx, &t);
}

int store_vault_abandon(struct store *st, int64_t host_id, const char *host,
			const char *account, const char *escrow_id, const char *source,
			time_t now, struct vault_row *out)
{
	struct decide_tx t = { host_id, host, account, escrow_id, source, now, 0, out };

	return st_tx(st, decide_tx, &t);
}

int store_vault_list(struct store *st, int64_t host_id, const char *account,
		     int (*fn)(void *ctx, const struct vault_row *v), void *ctx)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	struct vault_row v;
	int r, step = SQLITE_DONE;

	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT " VAULT_COLS " FROM vault_secrets WHERE host_id = ?1"
		       " AND (?2 IS NULL OR account = ?2) ORDER BY version DESC", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, host_id);
		if (account)
			sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
	}
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&v, 0, sizeof(v));
		read_vault_row(s, &v);
		r = fn(ctx, &v);
	}
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "vault list");
	sqlite3_finalize(s);
	return r;
}
