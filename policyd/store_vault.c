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

int store_vault_sealed(struct store *st, int64_t host_id, const char *account,
		       const char *state, struct vault_row *row, char *sealed, size_t sealedsz)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r, step;

	memset(row, 0, sizeof(*row));
	sealed[0] = '\0';
	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT " VAULT_COLS ", sealed FROM vault_secrets WHERE host_id = ?"
		       " AND account = ? AND state = ? ORDER BY version DESC LIMIT 1", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, host_id);
		sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, state, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			read_vault_row(s, row);
			st_col_text(s, 6, sealed, sealedsz);
		} else {
			r = st_no_row(db, step, "vault version");
		}
	}
	sqlite3_finalize(s);
	return r;
}

struct checkout_tx {
	const struct vault_checkout *c;
	const char *source;
	time_t now;
};

static int checkout_tx(sqlite3 *db, void *arg)
{
	const struct checkout_tx *t = arg;
	const struct vault_checkout *c = t->c;
	struct json_object *data;
	/* the highest version revealed: any version above it was made after */
	int r = st_exec(db, "INSERT INTO vault_checkouts (host_id, account, version, request_id,"
			" user_id, at) VALUES (?, ?, ?, ?, ?, ?)", "itiiii", c->host_id, c->account,
			c->pending > c->version ? c->pending : c->version, c->request_id,
			c->user_id, (int64_t)t->now);

	if (r != ST_OK)
		return r;
	data = json_object_new_object();
	json_object_object_add(data, "host", json_object_new_string(c->host));
	json_object_object_add(data, "account", json_object_new_string(c->account));
	json_object_object_add(data, "version", json_object_new_int64(c->version));
	if (c->pending)
		json_object_object_add(data, "pending_version", json_object_new_int64(c->pending));
	json_object_object_add(data, "grant", json_object_new_int64(c->request_id));
	json_object_object_add(data, "role", json_object_new_string(c->role));
	r = st_audit(db, t->now, t->source, NULL, "vault.checkout", NULL, data);
	json_object_put(data);
	return r;
}

int store_vault_checkout(struct store *st, const struct vault_checkout *c, const char *source,
			 time_t now)
{
	struct checkout_tx t = { c, source, now };

	return st_tx(st, checkout_tx, &t);
}

int store_vault_checkouts(struct store *st, int64_t host_id, const char *account,
			  int (*fn)(void *ctx, const struct checkout_row *c), void *ctx)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	struct checkout_row c;
	int r, step = SQLITE_DONE;

	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT c.account, u.name, c.version, c.request_id, c.at, q.not_after,"
		       " q.state FROM vault_checkouts c JOIN users u ON u.id = c.user_id"
		       " JOIN requests q ON q.id = c.request_id WHERE c.host_id = ?1"
		       " AND (?2 IS NULL OR c.account = ?2) ORDER BY c.id DESC", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, host_id);
		if (account)
			sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
	}
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		st_col_text(s, 0, c.account, sizeof(c.account));
		st_col_text(s, 1, c.user, sizeof(c.user));
		c.version = sqlite3_column_int64(s, 2);
		c.request_id = sqlite3_column_int64(s, 3);
		c.at = sqlite3_column_int64(s, 4);
		c.until = sqlite3_column_int64(s, 5);
		st_col_text(s, 6, c.grant_state, sizeof(c.grant_state));
		r = fn(ctx, &c);
	}
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "vault check-outs");
	sqlite3_finalize(s);
	return r;
}

/* A grant still running: approved, and not past its end. */
#define GRANT_ACTIVE "q.state = 'approved' AND q.not_after > ?"

int store_vault_open_checkout(struct store *st, int64_t host_id, const char *account,
			      int64_t user_id, time_t now, int64_t *request_id)
{
	sqlite3 *db = st_db(st);

	return db ? st_int(db, request_id, "SELECT c.request_id FROM vault_checkouts c"
			   " JOIN requests q ON q.id = c.request_id WHERE c.host_id = ?"
			   " AND c.account = ? AND c.user_id = ? AND " GRANT_ACTIVE
			   " ORDER BY c.id DESC LIMIT 1", "itii", host_id, account, user_id,
			   (int64_t)now)
		  : ST_ERROR;
}

int store_vault_due(struct store *st, int64_t host_id, time_t now, struct json_object **accounts)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r, step = SQLITE_DONE;

	*accounts = json_object_new_array();
	if (!db)
		return ST_ERROR;
	/* a version above the highest one revealed was made after the
	 * check-out; once it has been set, the revealed password is gone */
	r = st_prepare(db, "SELECT DISTINCT c.account FROM vault_checkouts c"
		       " JOIN requests q ON q.id = c.request_id JOIN users u ON u.id = c.user_id"
		       " WHERE c.host_id = ?1"
		       " AND NOT (q.state = 'approved' AND q.not_after > ?2 AND u.state = 'active')"
		       " AND NOT EXISTS (SELECT 1 FROM vault_secrets v WHERE v.host_id = c.host_id"
		       " AND v.account = c.account AND v.state IN ('current', 'superseded')"
		       " AND v.version > c.version)"
		       " ORDER BY c.account", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, host_id);
		sqlite3_bind_int64(s, 2, (int64_t)now);
	}
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW)
		json_object_array_add(*accounts, json_object_new_string(
			(const char *)sqlite3_column_text(s, 0)));
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "vault due");
	sqlite3_finalize(s);
	return r;
}

/* A check-out's grant still runs, and its holder may still act. */
#define CHECKOUT_RUNS "(q.state = 'approved' AND q.not_after > ?4 AND u.state = 'active')"

int store_vault_holders(struct store *st, int64_t host_id, const char *account,
			int64_t version, time_t now, struct json_object **holders,
			struct json_object **exposed)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	struct json_object *h;
	int r, step = SQLITE_DONE;

	*holders = json_object_new_array();
	*exposed = json_object_new_array();
	if (!db)
		return ST_ERROR;
	/* a check-out records the highest version it revealed */
	r = st_prepare(db, "SELECT u.name, c.request_id, q.not_after, " CHECKOUT_RUNS
		       " FROM vault_checkouts c JOIN users u ON u.id = c.user_id"
		       " JOIN requests q ON q.id = c.request_id"
		       " WHERE c.host_id = ?1 AND c.account = ?2 AND c.version >= ?3"
		       " ORDER BY c.id DESC", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, host_id);
		sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, version);
		sqlite3_bind_int64(s, 4, (int64_t)now);
	}
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		h = json_object_new_object();
		json_object_object_add(h, "user", json_object_new_string(
			(const char *)sqlite3_column_text(s, 0)));
		json_object_object_add(h, "grant", json_object_new_int64(
			sqlite3_column_int64(s, 1)));
		json_object_object_add(h, "until", json_object_new_int64(
			sqlite3_column_int64(s, 2)));
		json_object_array_add(sqlite3_column_int(s, 3) ? *holders : *exposed, h);
	}
	if (r == ST_OK && step != SQLITE_DONE)
		r = st_rc(db, step, "vault holders");
	sqlite3_finalize(s);
	return r;
}
