#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct ingest {
	const char *host;
	const struct host_event *ev;
	size_t n;
	time_t now;
	int *accepted, *duplicates;
};

static struct json_object *event_data(const struct host_event *e)
{
	struct json_object *data = json_object_new_object();

	/* The host's own fields, plus when the host says it happened. */
	if (e->data) {
		json_object_object_foreach(e->data, key, val)
			json_object_object_add(data, key, json_object_get(val));
	}
	json_object_object_add(data, "host_time", json_object_new_int64(e->time));
	if (e->user)
		json_object_object_add(data, "user", json_object_new_string(e->user));
	return data;
}

/* Duplicates are recognised by (source, event id), so a host may resend a
 * batch after a lost answer without creating a second record. */
static int ingest_batch(sqlite3 *db, void *arg)
{
	struct ingest *in = arg;
	char source[300];
	size_t i;
	int r = ST_OK;

	snprintf(source, sizeof(source), "host:%s", in->host);
	for (i = 0; r == ST_OK && i < in->n; i++) {
		const struct host_event *e = &in->ev[i];
		struct json_object *data;
		int64_t one;

		if (st_int(db, &one, "SELECT 1 FROM audit WHERE source = ? AND event_id = ?", "tt",
			   source, e->id) == ST_OK) {
			(*in->duplicates)++;
			continue;
		}
		data = event_data(e);
		r = st_audit(db, in->now, source, e->id, e->type, e->user ? e->user : "-", data);
		json_object_put(data);
		if (r == ST_OK)
			(*in->accepted)++;
	}
	return r;
}

int store_audit_ingest(struct store *st, const char *host, const struct host_event *ev,
		       size_t n, time_t now, int *accepted, int *duplicates)
{
	struct ingest in = { host, ev, n, now, accepted, duplicates };
	int r;

	*accepted = *duplicates = 0;
	r = st_tx(st, ingest_batch, &in);
	if (r != ST_OK)
		*accepted = *duplicates = 0;
	return r;
}

static char *dup_col(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return strdup(t ? (const char *)t : "");
}

static void free_row(struct audit_row *a)
{
	free(a->source);
	free(a->event_id);
	free(a->type);
	free(a->actor);
	free(a->data);
}

static int read_row(sqlite3_stmt *s, struct audit_row *a)
{
	a->seq = sqlite3_column_int64(s, 0);
	a->time = sqlite3_column_int64(s, 1);
	a->source = dup_col(s, 2);
	a->event_id = dup_col(s, 3);
	a->type = dup_col(s, 4);
	a->actor = dup_col(s, 5);
	a->data = dup_col(s, 6);
	st_col_text(s, 7, a->prev_hash, sizeof(a->prev_hash));
	st_col_text(s, 8, a->hash, sizeof(a->hash));
	return a->source && a->event_id && a->type && a->actor && a->data ? ST_OK : ST_ERROR;
}

int store_audit_list(struct store *st, int64_t after, int limit,
		     int (*fn)(void *ctx, const struct audit_row *a), void *ctx, int *more)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r, step = SQLITE_DONE, n = 0;

	*more = 0;
	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT seq, time, source, event_id, type, actor, data, prev_hash,"
		       " hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, after);
		sqlite3_bind_int(s, 2, limit + 1);
	}
	while (r == ST_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_row a = { 0 };

		if (n++ == limit) {
			*more = 1;
			break;
		}
		r = read_row(s, &a);
		if (r == ST_OK)
			r = fn(ctx, &a);
		free_row(&a);
	}
	if (r == ST_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		r = st_rc(db, step, "audit list");
	sqlite3_finalize(s);
	return r;
}

int store_audit_head(struct store *st, int64_t *seq, char hash[65])
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	int r;

	*seq = 0;
	hash[0] = '\0';
	if (!db)
		return ST_ERROR;
	r = st_prepare(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &s);
	if (r == ST_OK && sqlite3_step(s) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		st_col_text(s, 1, hash, 65);
	}
	sqlite3_finalize(s);
	return r;
}
