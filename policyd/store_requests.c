#include "config.h"

#include <stdio.h>
#include <string.h>

#include "decide.h"
#include "store_int.h"

#define REQUEST_COLUMNS \
	"SELECT q.id, q.role_id, r.name, q.user_id, u.name, q.reason, q.ticket, q.duration," \
	" q.state, q.mfa, q.created_at, q.expires_at, q.decided_by, q.decided_at," \
	" q.decision_reason, q.not_before, q.not_after, q.ended_by, q.ended_at, q.end_reason," \
	" COALESCE(q.host_id, 0), COALESCE(h.name, ''), COALESCE(q.extends, 0), q.created_by" \
	" FROM requests q JOIN roles r ON r.id = q.role_id JOIN users u ON u.id = q.user_id" \
	" LEFT JOIN hosts h ON h.id = q.host_id "

static void read_request(sqlite3_stmt *s, void *row)
{
	struct request_row *q = row;

	q->id = sqlite3_column_int64(s, 0);
	q->role_id = sqlite3_column_int64(s, 1);
	st_col_text(s, 2, q->role, sizeof(q->role));
	q->user_id = sqlite3_column_int64(s, 3);
	st_col_text(s, 4, q->requester, sizeof(q->requester));
	st_col_text(s, 5, q->reason, sizeof(q->reason));
	st_col_text(s, 6, q->ticket, sizeof(q->ticket));
	q->duration = sqlite3_column_int64(s, 7);
	st_col_text(s, 8, q->state, sizeof(q->state));
	q->mfa = sqlite3_column_int(s, 9);
	q->created_at = sqlite3_column_int64(s, 10);
	q->expires_at = sqlite3_column_int64(s, 11);
	st_col_text(s, 12, q->decided_by, sizeof(q->decided_by));
	q->decided_at = sqlite3_column_int64(s, 13);
	st_col_text(s, 14, q->decision_reason, sizeof(q->decision_reason));
	q->not_before = sqlite3_column_int64(s, 15);
	q->not_after = sqlite3_column_int64(s, 16);
	st_col_text(s, 17, q->ended_by, sizeof(q->ended_by));
	q->ended_at = sqlite3_column_int64(s, 18);
	st_col_text(s, 19, q->end_reason, sizeof(q->end_reason));
	q->host_id = sqlite3_column_int64(s, 20);
	st_col_text(s, 21, q->host, sizeof(q->host));
	q->extends = sqlite3_column_int64(s, 22);
	st_col_text(s, 23, q->created_by, sizeof(q->created_by));
}

int st_request_row(sqlite3 *db, int64_t id, struct request_row *out)
{
	return st_one(db, REQUEST_COLUMNS "WHERE q.id = ?", NULL, id, read_request, out,
		      sizeof(*out));
}

int store_request_get(struct store *st, int64_t id, struct request_row *out)
{
	sqlite3 *db = st_db(st);

	return db ? st_request_row(db, id, out) : ST_ERROR;
}

/* Rows of a query as request_row, newest first; at most max. */
int st_request_rows(sqlite3 *db, const char *where, int64_t a, int64_t b, int64_t c,
		    struct request_row *rows, int max, int *n)
{
	char sql[1024];
	sqlite3_stmt *s = NULL;
	int r, step = SQLITE_DONE;

	*n = 0;
	snprintf(sql, sizeof(sql), "%s%s ORDER BY q.id DESC LIMIT %d", REQUEST_COLUMNS, where, max);
	r = st_prepare(db, sql, &s);
	if (r == ST_OK) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		sqlite3_bind_int64(s, 3, c);
	}
	while (r == ST_OK && *n < max && (step = sqlite3_step(s)) == SQLITE_ROW)
		read_request(s, &rows[(*n)++]);
	if (r == ST_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		r = st_rc(db, step, "requests");
	sqlite3_finalize(s);
	return r;
}

static struct json_object *request_audit_data(const struct request_row *q, const char *reason)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "request", json_object_new_int64(q->id));
	json_object_object_add(data, "role", json_object_new_string(q->role));
	json_object_object_add(data, "user", json_object_new_string(q->requester));
	json_object_object_add(data, "host", q->host[0] ? json_object_new_string(q->host) : NULL);
	if (q->extends)
		json_object_object_add(data, "extends", json_object_new_int64(q->extends));
	if (reason)
		json_object_object_add(data, "reason", json_object_new_string(reason));
	return data;
}

/* What a new request or extension asked for, for its first record. */
static void add_creation(struct json_object *data, const struct request_row *q)
{
	json_object_object_add(data, "duration", json_object_new_int64(q->duration));
	if (!q->extends)
		json_object_object_add(data, "ticket", json_object_new_string(q->ticket));
	json_object_object_add(data, "mfa", json_object_new_boolean(q->mfa));
	json_object_object_add(data, "state", json_object_new_string(q->state));
	json_object_object_add(data, "created_by", json_object_new_string(q->created_by));
}

int st_audit_request(sqlite3 *db, const struct request_row *q, const char *type,
		     const char *source, const char *reason, const struct json_object *extra,
		     time_t now)
{
	struct json_object *data = request_audit_data(q, reason);
	int r;

	if (strcmp(type, "elevation.request") == 0 || strcmp(type, "elevation.extend") == 0)
		add_creation(data, q);
	if (q->not_after && strcmp(q->state, "approved") == 0) {
		json_object_object_add(data, "not_before", json_object_new_int64(q->not_before));
		json_object_object_add(data, "not_after", json_object_new_int64(q->not_after));
	}
	if (extra) {
		json_object_object_foreach(extra, key, value)
			json_object_object_add(data, key, json_object_get(value));
	}
	r = st_audit(db, now, source, NULL, type, NULL, data);
	json_object_put(data);
	return r;
}

struct request_create {
	const char *source;
	const struct request_new *in;
	time_t now;
	struct request_row *out;
	const char **why;
};

static int eligible(sqlite3 *db, int64_t role_id, int64_t user_id)
{
	int64_t one;

	return st_int(db, &one, "SELECT 1 FROM eligibility WHERE role_id = ?1 AND (user_id = ?2"
		      " OR group_id IN (SELECT group_id FROM members WHERE user_id = ?2))",
		      "ii", role_id, user_id) == ST_OK;
}

/* Extensions are left out: an open one blocks nothing, and an approved
 * one never outlives its grant. */
static int open_request_exists(sqlite3 *db, int64_t role_id, int64_t user_id, time_t now)
{
	int64_t one;

	return st_int(db, &one, "SELECT 1 FROM requests WHERE role_id = ?1 AND user_id = ?2 AND"
		      " extends IS NULL AND ((state = 'pending' AND expires_at > ?3) OR"
		      " (state = 'approved' AND not_after > ?3))", "iii", role_id, user_id,
		      (int64_t)now) == ST_OK;
}

static int insert_request(sqlite3 *db, const struct request_create *c,
			  const struct role_row *role, int64_t user_id)
{
	const struct request_new *in = c->in;
	int auto_approve = strcmp(role->approval, "none") == 0;
	int64_t now = (int64_t)c->now;

	return st_exec(db, "INSERT INTO requests (role_id, user_id, reason, ticket, duration, state,"
		       " mfa, created_at, expires_at, decided_by, decided_at, decision_reason,"
		       " not_before, not_after, host_id, created_by) VALUES (?, ?, ?, ?, ?, ?, ?,"
		       " ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?)",
		       "iittitiiititiiit", role->id, user_id, in->reason,
		       in->ticket ? in->ticket : "", in->duration,
		       auto_approve ? "approved" : "pending", (int64_t)in->mfa, now,
		       now + role->request_ttl, auto_approve ? "auto" : "",
		       auto_approve ? now : 0, auto_approve ? "the role needs no approval" : "",
		       auto_approve ? now : 0, auto_approve ? now + in->duration : 0,
		       in->host_id, c->source);
}

/* The requester, who must exist and be active: a host may name anyone. */
static int requester(sqlite3 *db, const struct request_create *c, struct user_row *u)
{
	int r = st_user_row(db, c->in->user, u);

	if (r == ST_NOTFOUND || (r == ST_OK && strcmp(u->state, "active") != 0)) {
		*c->why = r == ST_NOTFOUND || strcmp(u->state, "deprovisioned") == 0
			? "unknown_user" : "user_inactive";
		return ST_DENIED;
	}
	return r;
}

static int create_request(sqlite3 *db, void *arg)
{
	struct request_create *c = arg;
	struct role_row role;
	struct user_row u;
	int r = st_role_row(db, c->in->role, &role);

	if (r == ST_OK)
		r = requester(db, c, &u);
	if (r != ST_OK)
		return r;
	if (!eligible(db, role.id, u.id)) {
		*c->why = "not_eligible";
		return ST_DENIED;
	}
	if (open_request_exists(db, role.id, u.id, c->now)) {
		*c->why = "invalid_state";
		return ST_DENIED;
	}
	r = insert_request(db, c, &role, u.id);
	if (r == ST_OK)
		r = st_request_row(db, sqlite3_last_insert_rowid(db), c->out);
	if (r == ST_OK)
		r = st_audit_request(db, c->out, "elevation.request", c->source, c->in->reason,
				     NULL, c->now);
	if (r == ST_OK && strcmp(c->out->state, "approved") == 0)
		r = st_bump_serial(db);
	return r;
}

int store_request_create(struct store *st, const struct principal *who,
			 const struct request_new *rq, time_t now,
			 struct request_row *out, const char **why)
{
	char source[300];
	struct request_create c = { source, rq, now, out, why };

	store_source(who, source, sizeof(source));
	*why = NULL;
	return st_tx(st, create_request, &c);
}

struct transition {
	int64_t id;
	enum request_action action;
	const struct principal *who;
	const char *reason;
	time_t now;
	struct request_row *out;
	const char **why;
	int64_t extensions_ended;  /* revoking a grant: its extensions it ended */
};

static const char *const transition_event[] = {
	[RQ_APPROVE] = "elevation.approve",
	[RQ_DENY] = "elevation.deny",
	[RQ_REVOKE] = "elevation.revoke",
	[RQ_CANCEL] = "elevation.cancel",
	[RQ_EXTEND] = "elevation.extend",
};

static int facts_of(sqlite3 *db, const struct principal *who, const struct request_row *q,
		    struct actor_facts *a)
{
	struct role_row role;
	int64_t one;
	int r = st_role_row(db, q->role, &role);

	memset(a, 0, sizeof(*a));
	if (r != ST_OK)
		return r;
	a->is_admin = who->kind == P_ADMIN;
	a->is_requester = who->kind == P_USER && who->id == q->user_id;
	a->is_approver = who->kind == P_USER && role.approvers_group_id &&
		st_int(db, &one, "SELECT 1 FROM members WHERE group_id = ? AND user_id = ?", "ii",
		       role.approvers_group_id, who->id) == ST_OK;
	return ST_OK;
}

/* A pending extension has nothing to revoke: revoking it withdraws it. */
static enum request_action effective_action(enum request_action action,
					    const struct request_row *q)
{
	return action == RQ_REVOKE && q->extends ? RQ_CANCEL : action;
}

static int end_request(sqlite3 *db, int64_t id, const char *state, const char *by,
		       const char *reason, time_t now)
{
	return st_exec(db, "UPDATE requests SET state = ?, ended_by = ?, ended_at = ?,"
		       " end_reason = ? WHERE id = ?", "ttiti", state, by, (int64_t)now, reason,
		       id);
}

/* A grant's extensions end with it: approved ones whose segment has not
 * passed are revoked, pending ones canceled; what already ended stays as
 * it was. */
static int end_extensions(sqlite3 *db, struct transition *t, const char *by)
{
	int r = st_exec(db, "UPDATE requests SET state = CASE state WHEN 'approved' THEN"
			" 'revoked' ELSE 'canceled' END, ended_by = ?1, ended_at = ?2,"
			" end_reason = ?3 WHERE extends = ?4 AND ((state = 'approved' AND"
			" not_after > ?2) OR (state = 'pending' AND expires_at > ?2))", "titi", by,
			(int64_t)t->now, t->reason, t->id);

	t->extensions_ended = r == ST_OK ? sqlite3_changes(db) : 0;
	return r;
}

static int approve(sqlite3 *db, struct transition *t, const char *by)
{
	int64_t now = (int64_t)t->now;

	if (t->out->extends)
		return st_apply_extension(db, t->out, by, t->reason, t->now, t->why);
	return st_exec(db, "UPDATE requests SET state = 'approved', decided_by = ?,"
		       " decided_at = ?, decision_reason = ?, not_before = ?,"
		       " not_after = ? + duration WHERE id = ?", "titiii", by, now,
		       t->reason, now, now, t->id);
}

static int apply_transition(sqlite3 *db, struct transition *t, enum request_action done,
			    const char *source)
{
	const char *by = st_actor_of(source);
	int r;

	switch (done) {
	case RQ_APPROVE:
		return approve(db, t, by);
	case RQ_DENY:
		return st_exec(db, "UPDATE requests SET state = 'denied', decided_by = ?,"
			       " decided_at = ?, decision_reason = ? WHERE id = ?", "titi", by,
			       (int64_t)t->now, t->reason, t->id);
	case RQ_REVOKE:
		r = end_request(db, t->id, "revoked", by, t->reason, t->now);
		return r == ST_OK ? end_extensions(db, t, by) : r;
	default:
		return end_request(db, t->id, "canceled", by, t->reason, t->now);
	}
}

static int audit_transition(sqlite3 *db, const struct transition *t, enum request_action done,
			    const char *source)
{
	struct json_object *extra = NULL;
	int r;

	if (done == RQ_REVOKE) {
		extra = json_object_new_object();
		json_object_object_add(extra, "extensions_ended",
				       json_object_new_int64(t->extensions_ended));
	}
	r = st_audit_request(db, t->out, transition_event[done], source, t->reason, extra,
			     t->now);
	json_object_put(extra);
	return r;
}

static int transition_request(sqlite3 *db, void *arg)
{
	struct transition *t = arg;
	enum request_action done;
	struct actor_facts a;
	char source[300];
	int r = st_request_row(db, t->id, t->out);

	if (r == ST_OK)
		r = facts_of(db, t->who, t->out, &a);
	if (r != ST_OK)
		return r;
	*t->why = decide_transition(t->action, t->out, &a, t->now);
	if (*t->why)
		return ST_DENIED;
	store_source(t->who, source, sizeof(source));
	done = effective_action(t->action, t->out);
	r = apply_transition(db, t, done, source);
	if (r == ST_OK)
		r = st_request_row(db, t->id, t->out);
	if (r == ST_OK)
		r = audit_transition(db, t, done, source);
	/* approving, revoking and extending change grants or their end times */
	if (r == ST_OK && done != RQ_DENY && done != RQ_CANCEL)
		r = st_bump_serial(db);
	return r;
}

int store_request_transition(struct store *st, int64_t id, enum request_action action,
			     const struct principal *who, const char *reason, time_t now,
			     struct request_row *out, const char **why)
{
	struct transition t = { id, action, who, reason, now, out, why, 0 };
	int r;

	*why = NULL;
	if (action == RQ_EXTEND)
		return ST_ERROR; /* store_request_extend() */
	r = st_tx(st, transition_request, &t);
	/* A refused transition still tells the caller the request's state. */
	if (r == ST_DENIED)
		store_request_get(st, id, out);
	return r;
}

static int matches(const struct request_filter *f, const struct request_row *q, time_t now)
{
	if (f->state && strcmp(f->state, request_state(q, now)) != 0)
		return 0;
	return !f->role || strcmp(f->role, q->role) == 0;
}

int store_request_list(struct store *st, const struct request_filter *f, time_t now,
		       int (*fn)(void *ctx, const struct request_row *r), void *ctx)
{
	sqlite3 *db = st_db(st);
	sqlite3_stmt *s = NULL;
	struct request_row q;
	int r, step = SQLITE_DONE, n = 0;
	int mine = f->who && f->who->kind == P_USER;

	if (!db)
		return ST_ERROR;
	r = st_prepare(db, mine ? REQUEST_COLUMNS "WHERE q.user_id = ?1 OR r.approvers_group_id IN"
		       " (SELECT group_id FROM members WHERE user_id = ?1) ORDER BY q.id DESC"
		       : REQUEST_COLUMNS "ORDER BY q.id DESC", &s);
	if (r == ST_OK && mine)
		sqlite3_bind_int64(s, 1, f->who->id);
	while (r == ST_OK && n < f->limit && (step = sqlite3_step(s)) == SQLITE_ROW) {
		read_request(s, &q);
		if (!matches(f, &q, now))
			continue;
		n++;
		r = fn(ctx, &q);
	}
	if (r == ST_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		r = st_rc(db, step, "request list");
	sqlite3_finalize(s);
	return r;
}
