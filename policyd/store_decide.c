#include "config.h"

#include <stdio.h>

#include <string.h>

#include "store_int.h"

/* Static membership, or a JIT membership of a role group that is active now
 * (a grant, not an extension row, for this host or every host). */
static int allowed_on_host(sqlite3 *db, int64_t user_id, int64_t host_id, time_t now)
{
	int64_t one;

	return st_int(db, &one,
		      "SELECT 1 FROM host_access a WHERE a.host_id = ?1 AND"
		      " (a.group_id IN (SELECT group_id FROM members WHERE user_id = ?2)"
		      " OR a.group_id IN (SELECT r.group_id FROM roles r JOIN requests q"
		      " ON q.role_id = r.id WHERE q.user_id = ?2 AND q.state = 'approved'"
		      " AND q.extends IS NULL AND (q.host_id IS NULL OR q.host_id = ?1)"
		      " AND q.not_before <= ?3 AND q.not_after > ?3)) LIMIT 1",
		      "iii", host_id, user_id, (int64_t)now) == ST_OK;
}

int store_account_facts(struct store *st, const char *user, int64_t host_id, time_t now,
			struct account_facts *out)
{
	sqlite3 *db = st_db(st);
	struct user_row u;
	int r;

	memset(out, 0, sizeof(*out));
	if (!db)
		return ST_ERROR;
	r = st_user_row(db, user, &u);
	if (r == ST_NOTFOUND)
		return ST_OK;
	if (r != ST_OK)
		return r;
	out->found = 1;
	snprintf(out->state, sizeof(out->state), "%s", u.state);
	out->allowed_on_host = allowed_on_host(db, u.id, host_id, now);
	return ST_OK;
}

/* Read in one transaction so that the user, the role and the requests
 * belong to the same moment. */
struct grant_read {
	const char *user, *role;
	int64_t host_id;
	struct user_row *u;
	struct role_row *r;
	struct request_row *reqs;
	int max, *n;
	int have_user, have_role;
};

static int read_grant_facts(sqlite3 *db, void *arg)
{
	struct grant_read *g = arg;
	int r;

	*g->n = 0;
	r = st_user_row(db, g->user, g->u);
	g->have_user = r == ST_OK;
	if (r != ST_OK && r != ST_NOTFOUND)
		return r;
	r = st_role_row(db, g->role, g->r);
	g->have_role = r == ST_OK;
	if (r != ST_OK && r != ST_NOTFOUND)
		return r;
	if (!g->have_user || !g->have_role)
		return ST_OK;
	return st_request_rows(db, "WHERE q.user_id = ?1 AND q.role_id = ?2 AND q.extends IS NULL"
			       " AND (q.host_id IS NULL OR q.host_id = ?3)", g->u->id, g->r->id,
			       g->host_id, g->reqs, g->max, g->n);
}

int store_grant_facts(struct store *st, const char *user, const char *role,
		      int64_t host_id, struct user_row *u, struct role_row *r,
		      struct request_row *reqs, int max, int *n)
{
	struct grant_read g = { user, role, host_id, u, r, reqs, max, n, 0, 0 };
	sqlite3 *db = st_db(st);
	int rc;

	if (!db)
		return ST_ERROR;
	rc = st_rc(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin read");
	if (rc != ST_OK)
		return rc;
	rc = read_grant_facts(db, &g);
	st_rollback(db);
	if (rc != ST_OK)
		return rc;
	return (g.have_user ? 1 : 0) | (g.have_role ? 2 : 0);
}
