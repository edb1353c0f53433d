#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "api.h"
#include "decide.h"
#include "log.h"
#include "names.h"

#define MAX_REQUESTS 16

struct decide_body {
	char *user, *role, *service, *origin, *tty;
};

#define DB(name, member, flags) \
	{ name, IAM_J_STRING, offsetof(struct decide_body, member), flags, 256, 0, 0 }

static const struct iam_json_field account_fields[] = {
	DB("user", user, IAM_JF_REQUIRED), DB("service", service, 0), DB("origin", origin, 0),
	DB("tty", tty, 0),
};

static const struct iam_json_field grant_fields[] = {
	DB("user", user, IAM_JF_REQUIRED), DB("role", role, IAM_JF_REQUIRED), DB("origin", origin, 0),
};

/* Every decision is logged (one line) and audited. An allow is only given
 * once its audit record is written: when the store cannot take it, the
 * caller answers 503 and the host treats the endpoint as unavailable. A
 * deny is given anyway, with an error in the log. */
static int record(struct req *r, const char *type, const struct decide_body *b,
		  const struct decision *d, int64_t grant)
{
	struct json_object *data = json_object_new_object();
	struct iam_buf line;
	int rc;

	iam_json_add_str(data, "decision", d->allow ? "allow" : "deny");
	iam_json_add_str(data, "reason", d->reason);
	iam_json_add_str(data, "user", b->user);
	iam_json_add_str(data, "role", b->role);
	iam_json_add_str(data, "host", r->who.name);
	iam_json_add_str(data, "service", b->service);
	iam_json_add_str(data, "origin", b->origin);
	iam_json_add_str(data, "tty", b->tty);
	json_object_object_add(data, "grant", grant ? json_object_new_int64(grant) : NULL);
	rc = store_audit(r->st, r->now, r->source, type, iam_name_valid(b->user) ? b->user : "-",
			 data);
	json_object_put(data);
	iam_buf_init(&line, 2048);
	iam_kv_add(&line, "event", type);
	iam_kv_add(&line, "decision", d->allow ? "allow" : "deny");
	iam_kv_add(&line, "reason", d->reason);
	iam_kv_add(&line, "user", b->user);
	if (b->role)
		iam_kv_add(&line, "role", b->role);
	iam_kv_add(&line, "host", r->who.name);
	iam_kv_add(&line, "service", b->service);
	iam_kv_add(&line, "origin", b->origin);
	if (grant)
		iam_kv_addll(&line, "grant", grant);
	iam_log(LOG_INFO, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
	if (rc != ST_OK)
		iam_log(LOG_ERR, "event=audit_failed type=%s user=\"%.64s\"", type, b->user);
	return rc;
}

static struct json_object *decision_json(const struct decision *d)
{
	struct json_object *o = json_object_new_object();

	iam_json_add_str(o, "decision", d->allow ? "allow" : "deny");
	iam_json_add_str(o, "reason", d->reason);
	iam_json_add_str(o, "message", d->message);
	return o;
}

/* The decision as the reply, or 503 when an allow could not be recorded. */
static void reply_decision(struct reply *out, const struct decision *d, int recorded,
			   struct json_object *grant, int with_grant)
{
	struct json_object *body;

	if (d->allow && recorded != ST_OK) {
		json_object_put(grant);
		reply_error(out, 503, "unavailable", "The decision could not be recorded; retry.");
		return;
	}
	body = decision_json(d);
	if (with_grant)
		json_object_object_add(body, "grant", grant);
	reply_json(out, 200, body);
}

void h_decide_account(struct req *r, struct reply *out)
{
	struct decide_body b = { 0 };
	struct account_facts f = { 0 };
	struct decision d;
	int rc = ST_OK;

	if (body_map(r, out, account_fields, 4, &b) < 0)
		return;
	if (iam_name_valid(b.user))
		rc = store_account_facts(r->st, b.user, r->who.id, r->now, &f);
	if (rc != ST_OK) {
		reply_store_error(out, rc, "user", b.user);
	} else {
		decide_account(&f, &d);
		reply_decision(out, &d, record(r, "decide.account", &b, &d, 0), NULL, 0);
	}
	iam_json_map_free(account_fields, 4, &b);
}

/* The grant of an allow, with its signed document; NULL for a deny. *failed
 * is set when an allow cannot be signed (the host must not get an allow
 * it cannot keep: fail closed). */
static struct json_object *grant_json(const struct req *r, const struct decision *d,
				      const struct user_row *u, const struct role_row *role,
				      const struct request_row *g, int *failed)
{
	char sig[IAM_SIGN_SIG_B64], *document = NULL;
	struct json_object *o;

	*failed = 0;
	if (!d->allow || !g)
		return NULL;
	if (grant_document(r, u, role, g, &document, sig) < 0) {
		iam_log(LOG_ERR, "event=grant_sign_failed grant=%lld", (long long)g->id);
		*failed = 1;
		return NULL;
	}
	o = json_object_new_object();
	iam_json_add_int(o, "id", g->id);
	iam_json_add_int(o, "not_before", g->not_before);
	iam_json_add_int(o, "not_after", g->not_after);
	iam_json_add_str(o, "document", document);
	iam_json_add_str(o, "signature", sig);
	free(document);
	return o;
}

static void decide(struct req *r, const struct decide_body *b, struct reply *out)
{
	struct request_row reqs[MAX_REQUESTS];
	const struct request_row *grant = NULL;
	struct user_row u = { 0 };
	struct role_row role = { 0 };
	struct iam_tz *tz = NULL;
	struct grant_input in = { NULL, NULL, b->role, reqs, 0, NULL, b->origin, r->now,
				  r->who.id };
	struct json_object *g;
	struct decision d;
	int found = 0, rc, failed;

	if (iam_name_valid(b->user) && iam_name_valid(b->role))
		found = store_grant_facts(r->st, b->user, b->role, r->who.id, &u, &role, reqs,
					  MAX_REQUESTS, &in.nreqs);
	if (found < 0) {
		reply_store_error(out, found, "role", b->role);
		return;
	}
	in.user = (found & 1) ? &u : NULL;
	in.role = (found & 2) ? &role : NULL;
	if (in.role && role.window[0])
		iam_tz_load(r->srv->cfg->zoneinfo_dir, role.tz, &tz, NULL);
	in.tz = tz;
	decide_grant(&in, &d, &grant);
	iam_tz_free(tz);
	g = grant_json(r, &d, &u, &role, grant, &failed);
	if (failed) {
		reply_error(out, 500, "internal", "The grant could not be signed.");
		return;
	}
	rc = record(r, "decide.grant", b, &d, grant ? grant->id : 0);
	reply_decision(out, &d, rc, g, 1);
}

void h_decide_grant(struct req *r, struct reply *out)
{
	struct decide_body b = { 0 };

	if (body_map(r, out, grant_fields, 3, &b) < 0)
		return;
	decide(r, &b, out);
	iam_json_map_free(grant_fields, 3, &b);
}
