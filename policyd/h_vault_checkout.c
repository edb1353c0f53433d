/*
 * Check-out: a user reads the escrowed password of a host's local account.
 * It is an elevation of its own kind: a role names the accounts its grants
 * open (secrets), and the user needs an active grant of such a role valid
 * on that host, decided exactly as sudo's grant check is (eligibility and
 * approval through the grant, the role's time window and networks, with
 * the caller's address as the origin), and a session opened with a TOTP
 * code when the role wants MFA. The reveal is recorded and audited first;
 * when the grant ends (expiry, check-in, revocation), the host is told to
 * rotate the password (GET /v1/vault/due).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "api.h"
#include "decide.h"
#include "log.h"
#include "names.h"

#define MAX_REQUESTS 16

struct target_body {
	char *host;
	char *account;
};

static const struct iam_json_field target_fields[] = {
	{ "host", IAM_J_STRING, offsetof(struct target_body, host), IAM_JF_REQUIRED, 253, 0, 0 },
	{ "account", IAM_J_STRING, offsetof(struct target_body, account), IAM_JF_REQUIRED, 64,
	  0, 0 },
};

static int listed(const char *csv, const char *name)
{
	size_t n = strlen(name);
	const char *p = csv;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* What allows (or refuses) the check-out: the first role listing the
 * account whose grant check allows, else the last refusal. */
struct permit {
	const char *account;
	const struct host_row *host;
	const struct req *r;
	struct role_row role;
	struct request_row grant;
	struct decision d;
	int roles;          /* roles that list the account */
	int allowed;
};

static int try_role(void *ctx, const struct role_row *role)
{
	struct permit *p = ctx;
	struct request_row reqs[MAX_REQUESTS];
	const struct request_row *grant = NULL;
	struct user_row u = { 0 };
	struct role_row rr = { 0 };
	struct iam_tz *tz = NULL;
	struct grant_input in = { NULL, NULL, role->name, reqs, 0, NULL, p->r->client_ip,
				  p->r->now, p->host->id };
	int found;

	if (p->allowed || !listed(role->secrets, p->account))
		return ST_OK;
	p->roles++;
	found = store_grant_facts(p->r->st, p->r->who.name, role->name, p->host->id, &u, &rr,
				  reqs, MAX_REQUESTS, &in.nreqs);
	if (found < 0)
		return found;
	in.user = (found & 1) ? &u : NULL;
	in.role = (found & 2) ? &rr : NULL;
	if (in.role && rr.window[0])
		iam_tz_load(p->r->srv->cfg->zoneinfo_dir, rr.tz, &tz, NULL);
	in.tz = tz;
	decide_grant(&in, &p->d, &grant);
	iam_tz_free(tz);
	if (p->d.allow && grant) {
		p->allowed = 1;
		p->role = rr;
		p->grant = *grant;
	}
	return ST_OK;
}

static void audit_refusal(const struct req *r, const struct permit *p, const char *reason)
{
	struct json_object *data = json_object_new_object();

	iam_json_add_str(data, "host", p->host->name);
	iam_json_add_str(data, "account", p->account);
	iam_json_add_str(data, "reason", reason);
	iam_json_add_str(data, "origin", r->client_ip);
	if (store_audit(r->st, r->now, r->source, "vault.checkout.deny", NULL, data) != ST_OK)
		iam_log(LOG_ERR, "event=audit_failed type=vault.checkout.deny");
	json_object_put(data);
}

static struct json_object *reveal_json(const struct permit *p, const struct vault_secret *s)
{
	struct json_object *o = json_object_new_object(), *pj;

	iam_json_add_str(o, "host", p->host->name);
	iam_json_add_str(o, "account", p->account);
	iam_json_add_int(o, "version", s->cur.version);
	iam_json_add_str(o, "password", s->cur_pw);
	iam_json_add_str(o, "role", p->role.name);
	iam_json_add_int(o, "grant", p->grant.id);
	iam_json_add_int(o, "until", p->grant.not_after);
	if (s->pend_pw) {
		/* a rotation between setting and confirming: either may be the
		 * account's password until the host confirms */
		pj = json_object_new_object();
		iam_json_add_int(pj, "version", s->pend.version);
		iam_json_add_str(pj, "password", s->pend_pw);
		json_object_object_add(o, "pending", pj);
	}
	return o;
}

/* Reads, records and reveals; the reply is left in out. */
static void reveal(struct req *r, struct reply *out, const struct permit *p)
{
	const struct vault_target t = { p->host->id, p->host->name, p->account };
	struct vault_secret s;
	struct vault_checkout c;
	int rc = vault_secret_open(r, &t, &s);

	if (rc == ST_NOTFOUND) {
		reply_error(out, 409, "no_secret", "The vault holds no password of %s on %s yet: "
			    "run iamd rotate %s there.", p->account, p->host->name, p->account);
		return;
	}
	if (rc != ST_OK) {
		reply_error(out, 500, "internal", "The vault cannot open the password (see the "
			    "endpoint's log).");
		return;
	}
	c = (struct vault_checkout){ p->host->id, p->host->name, p->account, s.cur.version,
				     s.pend_pw ? s.pend.version : 0, p->grant.id,
				     p->r->who.id, p->role.name };
	rc = store_vault_checkout(r->st, &c, r->source, r->now);
	if (rc != ST_OK)
		reply_store_error(out, rc, "vault version", p->account);
	else
		reply_json(out, 200, reveal_json(p, &s));
	vault_secret_free(&s);
}

static int read_target(struct req *r, struct reply *out, struct target_body *b,
		       struct host_row *host)
{
	int rc;

	if (vault_ready(r, out) < 0)
		return -1;
	if (body_map(r, out, target_fields, 2, b) < 0)
		return -1;
	if (!iam_name_valid(b->account)) {
		reply_invalid(out, "account", "expected a local account name");
		return -1;
	}
	rc = iam_hostname_valid(b->host) ? store_host_get(r->st, b->host, host) : ST_NOTFOUND;
	if (rc != ST_OK) {
		reply_store_error(out, rc, "host", b->host);
		return -1;
	}
	return 0;
}

void h_vault_checkout(struct req *r, struct reply *out)
{
	struct target_body b = { 0 };
	struct host_row host;
	struct permit p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (read_target(r, out, &b, &host) < 0)
		goto done;
	p.account = b.account;
	p.host = &host;
	p.r = r;
	rc = store_role_list(r->st, try_role, &p);
	if (rc != ST_OK) {
		reply_store_error(out, rc, "role", "");
	} else if (!p.roles) {
		audit_refusal(r, &p, "no_role");
		reply_error(out, 403, "not_eligible", "No role lets anyone check out %s on %s.",
			    b.account, host.name);
	} else if (!p.allowed) {
		audit_refusal(r, &p, p.d.reason ? p.d.reason : "denied");
		reply_error(out, 403, "no_grant", "%s", p.d.message[0] ? p.d.message
				: "No active grant lets you check this password out.");
	} else if (p.role.mfa && !r->who.mfa) {
		audit_refusal(r, &p, "mfa_required");
		reply_error(out, 401, "mfa_required", "Role %s needs a session opened with a "
			    "verification code: iamctl login, then check out again.", p.role.name);
	} else {
		reveal(r, out, &p);
	}
done:
	iam_json_map_free(target_fields, 2, &b);
}

/* The holder gives the password back early: the grant that allowed the
 * check-out ends now, and the host rotates the password. */
void h_vault_checkin(struct req *r, struct reply *out)
{
	struct target_body b = { 0 };
	struct request_row q;
	struct host_row host;
	const char *why = NULL;
	int64_t id = 0;
	int rc;

	if (read_target(r, out, &b, &host) < 0)
		goto done;
	rc = store_vault_open_checkout(r->st, host.id, b.account, r->who.id, r->now, &id);
	if (rc == ST_OK)
		rc = store_request_transition(r->st, id, RQ_REVOKE, &r->who, "checked in", r->now,
					      &q, &why);
	if (rc == ST_NOTFOUND)
		reply_error(out, 404, "not_found", "You have no check-out of %s on %s open.",
			    b.account, host.name);
	else if (rc == ST_DENIED)
		reply_error(out, 409, "invalid_state", "The grant cannot end now (%s).",
			    why ? why : "refused");
	else if (rc != ST_OK)
		reply_store_error(out, rc, "request", "");
	else
		reply_json(out, 200, request_json(&q, r->now));
done:
	iam_json_map_free(target_fields, 2, &b);
}

/* GET /v1/vault/due: this host's accounts to rotate now. */
void h_vault_due(struct req *r, struct reply *out)
{
	struct json_object *accounts = NULL, *body;
	int rc = store_vault_due(r->st, r->who.id, r->now, &accounts);

	if (rc != ST_OK) {
		json_object_put(accounts);
		reply_store_error(out, rc, "host", r->who.name);
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "accounts", accounts);
	reply_json(out, 200, body);
}
