/*
 * POST /v1/vault/use: a host asks, at a break-glass login, whether the
 * password typed for one of its local accounts is the one the vault
 * holds and whether somebody holds it now, through a check-out whose
 * grant is still running. The answer names the holders, so the login is
 * tied to the people who checked the password out; every answer is
 * audited (vault.use, vault.use.deny), a success before it is given. A
 * password that is right but whose check-out has ended (the host has not
 * rotated it yet) is refused and audited as such: someone kept it.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "api.h"
#include "log.h"
#include "names.h"
#include "secmem.h"

#define PASSWORD_MAX 1024

struct use_body {
	char *account;
	char *password;
	char *service;
	char *origin;
	char *tty;
};

static const struct iam_json_field use_fields[] = {
	{ "account", IAM_J_STRING, offsetof(struct use_body, account), IAM_JF_REQUIRED, 64, 0, 0 },
	{ "password", IAM_J_STRING, offsetof(struct use_body, password), IAM_JF_REQUIRED,
	  PASSWORD_MAX, 0, 0 },
	{ "service", IAM_J_STRING, offsetof(struct use_body, service), 0, 64, 0, 0 },
	{ "origin", IAM_J_STRING, offsetof(struct use_body, origin), 0, 253, 0, 0 },
	{ "tty", IAM_J_STRING, offsetof(struct use_body, tty), 0, 64, 0, 0 },
};

#define NFIELDS (sizeof(use_fields) / sizeof(use_fields[0]))

/* Who knew the password: the holders (NULL for a refusal) and those whose
 * check-outs of it have ended (NULL or [] when none). */
struct knowers {
	struct json_object *holders, *exposed;
};

/* Audits the answer: vault.use when k->holders is set, else vault.use.deny. */
static int audit_use(struct req *r, const struct use_body *b, const char *reason,
		     const struct vault_row *v, const struct knowers *k)
{
	struct json_object *data = json_object_new_object(), *first;
	const char *actor = NULL;
	const char *type = k->holders ? "vault.use" : "vault.use.deny";
	int rc;

	iam_json_add_str(data, "host", r->who.name);
	iam_json_add_str(data, "account", b->account);
	iam_json_add_str(data, "service", b->service);
	iam_json_add_str(data, "origin", b->origin);
	iam_json_add_str(data, "tty", b->tty);
	if (reason)
		iam_json_add_str(data, "reason", reason);
	if (v)
		iam_json_add_int(data, "version", v->version);
	if (k->holders) {
		first = json_object_array_get_idx(k->holders, 0);
		actor = json_object_get_string(json_object_object_get(first, "user"));
		json_object_object_add(data, "holders", json_object_get(k->holders));
	}
	/* kept past their window: the security team's question is who else
	 * could have typed it */
	if (k->exposed && json_object_array_length(k->exposed) > 0)
		json_object_object_add(data, "exposed_to", json_object_get(k->exposed));
	rc = store_audit(r->st, r->now, r->source, type, actor, data);
	json_object_put(data);
	iam_log(k->holders ? LOG_NOTICE : LOG_WARNING, "event=%s host=%s account=%s reason=%s "
		"holder=%s", type, r->who.name, b->account, reason ? reason : "checked_out",
		actor ? actor : "-");
	if (rc != ST_OK)
		iam_log(LOG_ERR, "event=audit_failed type=%s host=%s", type, r->who.name);
	return rc;
}

static void refuse(struct req *r, struct reply *out, const struct use_body *b,
		   const struct vault_row *v, const char *reason, struct json_object *exposed)
{
	const struct knowers k = { NULL, exposed };

	audit_use(r, b, reason, v, &k);
	if (strcmp(reason, "not_checked_out") == 0)
		reply_error(out, 403, "not_checked_out", "Nobody holds %s's password on %s now: "
			    "its check-out has ended. Check it out again (iamctl secret "
			    "checkout %s %s).", b->account, r->who.name, r->who.name, b->account);
	else
		reply_error(out, 401, "auth_failed", "Authentication failed.");
}

static void judge(struct req *r, struct reply *out, const struct use_body *b,
		  const struct vault_secret *s)
{
	const struct vault_row *v = vault_secret_match(s, b->password);
	struct knowers k = { NULL, NULL };
	struct json_object *body;
	int rc;

	if (!v) {
		refuse(r, out, b, NULL, "wrong_password", NULL);
		return;
	}
	rc = store_vault_holders(r->st, r->who.id, b->account, v->version, r->now, &k.holders,
				 &k.exposed);
	if (rc != ST_OK)
		reply_store_error(out, rc, "vault check-out", b->account);
	else if (json_object_array_length(k.holders) == 0)
		refuse(r, out, b, v, "not_checked_out", k.exposed);
	else if ((rc = audit_use(r, b, NULL, v, &k)) != ST_OK)
		reply_store_error(out, rc, "audit", "vault.use"); /* no record, no login */
	else {
		body = json_object_new_object();
		iam_json_add_str(body, "result", "ok");
		iam_json_add_int(body, "version", v->version);
		json_object_object_add(body, "holders", json_object_get(k.holders));
		reply_json(out, 200, body);
	}
	json_object_put(k.holders);
	json_object_put(k.exposed);
}

void h_vault_use(struct req *r, struct reply *out)
{
	const struct knowers none = { NULL, NULL };
	struct use_body b = { 0 };
	struct vault_secret s;
	struct vault_target t;
	int rc;

	if (vault_ready(r, out) < 0)
		return;
	if (body_map(r, out, use_fields, NFIELDS, &b) < 0)
		goto done;
	if (!iam_name_valid(b.account)) {
		reply_invalid(out, "account", "expected a local account name");
		goto done;
	}
	t = (struct vault_target){ r->who.id, r->who.name, b.account };
	rc = vault_secret_open(r, &t, &s);
	if (rc == ST_NOTFOUND) {
		audit_use(r, &b, "no_secret", NULL, &none);
		reply_error(out, 409, "no_secret", "The vault holds no password of %s on %s: run "
			    "iamd rotate %s there.", b.account, r->who.name, b.account);
	} else if (rc != ST_OK) {
		reply_error(out, 500, "internal", "The vault cannot open the password (see the "
			    "endpoint's log).");
	} else {
		judge(r, out, &b, &s);
		vault_secret_free(&s);
	}
done:
	iam_free_secret(b.password);
	b.password = NULL;
	iam_json_map_free(use_fields, NFIELDS, &b);
}
