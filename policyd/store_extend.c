/*
 * Extensions of a grant. An extension is a request row of its own (extends
 * = the grant), so that it goes through the same approval as a request and
 * leaves its own trail; once applied it records the segment it added.
 * Only the grant row ever counts as a grant.
 */
#include "config.h"

#include <string.h>

#include "decide.h"
#include "store_int.h"

int st_apply_extension(sqlite3 *db, const struct request_row *x, const char *by,
		       const char *reason, time_t now, const char **why)
{
	struct request_row g;
	struct role_row role;
	int64_t not_after = 0;
	int r = st_request_row(db, x->extends, &g);

	if (r == ST_OK)
		r = st_role_row(db, g.role, &role);
	if (r != ST_OK)
		return r;
	*why = decide_extension(&g, x->duration, role.max_duration, now, &not_after);
	if (*why)
		return ST_DENIED;
	r = st_exec(db, "UPDATE requests SET not_after = ? WHERE id = ?", "ii", not_after, g.id);
	if (r == ST_OK)
		r = st_exec(db, "UPDATE requests SET state = 'approved', decided_by = ?,"
			    " decided_at = ?, decision_reason = ?, not_before = ?, not_after = ?"
			    " WHERE id = ?", "titiii", by, (int64_t)now, reason, g.not_after,
			    not_after, x->id);
	return r;
}

struct extend {
	const struct principal *who;
	const struct extension_new *in;
	char source[300];
	time_t now;
	struct request_row *out;
	const char **why;
};

/* The extension inherits the grant's role, requester and host scope. */
static int insert_extension(sqlite3 *db, const struct extend *e, const struct request_row *g,
			    const struct role_row *role)
{
	const struct extension_new *in = e->in;
	int64_t now = (int64_t)e->now;

	return st_exec(db, "INSERT INTO requests (role_id, user_id, reason, ticket, duration, state,"
		       " mfa, created_at, expires_at, host_id, extends, created_by) VALUES"
		       " (?, ?, ?, '', ?, 'pending', ?, ?, ?, NULLIF(?, 0), ?, ?)", "iitiiiiiit",
		       role->id, g->user_id, in->reason, in->duration, (int64_t)in->mfa, now,
		       now + role->request_ttl, g->host_id, g->id, e->source);
}

/* Whether the caller may ask to extend grant g now. */
static int may_extend(const struct extend *e, const struct request_row *g)
{
	struct actor_facts a = { e->who->kind == P_ADMIN,
				 e->who->kind == P_USER && e->who->id == g->user_id, 0 };

	*e->why = decide_transition(RQ_EXTEND, g, &a, e->now);
	return *e->why ? ST_DENIED : ST_OK;
}

static int create_extension(sqlite3 *db, void *arg)
{
	struct extend *e = arg;
	struct request_row g;
	struct role_row role;
	int64_t id;
	int r = st_request_row(db, e->in->grant, &g);

	if (r == ST_OK)
		r = may_extend(e, &g);
	if (r == ST_OK)
		r = st_role_row(db, g.role, &role);
	if (r == ST_OK)
		r = insert_extension(db, e, &g, &role);
	if (r != ST_OK)
		return r;
	id = sqlite3_last_insert_rowid(db);
	r = st_request_row(db, id, e->out);
	if (r == ST_OK && strcmp(role.approval, "none") == 0) {
		r = st_apply_extension(db, e->out, "auto", "the role needs no approval", e->now,
				       e->why);
		if (r == ST_OK)
			r = st_request_row(db, id, e->out);
		if (r == ST_OK)
			r = st_bump_serial(db);
	}
	if (r == ST_OK)
		r = st_audit_request(db, e->out, "elevation.extend", e->source, e->in->reason, NULL,
				     e->now);
	return r;
}

int store_request_extend(struct store *st, const struct principal *who,
			 const struct extension_new *x, time_t now,
			 struct request_row *out, const char **why)
{
	struct extend e = { who, x, "", now, out, why };
	int r;

	*why = NULL;
	store_source(who, e.source, sizeof(e.source));
	r = st_tx(st, create_extension, &e);
	/* Nothing was created: the caller learns where the grant stands. */
	if (r == ST_DENIED)
		store_request_get(st, x->grant, out);
	return r;
}
