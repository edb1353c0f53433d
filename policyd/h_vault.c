/*
 * The vault's host side of the API: a host escrows the new password of a
 * local account before it sets it (sealed to the vault key), then confirms
 * that it set it, or abandons it. The endpoint opens each escrowed text
 * once, at escrow, to check that it was sealed to this vault for this
 * record, and forgets the plaintext at once: a host with the wrong
 * vault_pubkey is refused before it changes anything. Admins read the
 * history, never a password. See doc/api.md, "Vault".
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "api.h"
#include "names.h"
#include "seal.h"
#include "secmem.h"

#define ESCROW_ID_MIN 16
#define ESCROW_ID_MAX 64
#define SEALED_MAX 2048

struct vault_body {
	char *account;
	char *escrow_id;
	char *sealed;
};

static const struct iam_json_field escrow_fields[] = {
	{ "account", IAM_J_STRING, offsetof(struct vault_body, account), IAM_JF_REQUIRED, 64, 0, 0 },
	{ "escrow_id", IAM_J_STRING, offsetof(struct vault_body, escrow_id), IAM_JF_REQUIRED,
	  ESCROW_ID_MAX, 0, 0 },
	{ "sealed", IAM_J_STRING, offsetof(struct vault_body, sealed), IAM_JF_REQUIRED, SEALED_MAX,
	  0, 0 },
};
/* confirm and abandon: the same without the sealed text */
#define DECIDE_FIELDS 2

static int escrow_id_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= ESCROW_ID_MIN && n <= ESCROW_ID_MAX && strspn(s, "0123456789abcdef") == n;
}

static int check_names(struct reply *out, const struct vault_body *b)
{
	if (!iam_name_valid(b->account)) {
		reply_invalid(out, "account", "expected a local account name");
		return -1;
	}
	if (!escrow_id_valid(b->escrow_id)) {
		reply_invalid(out, "escrow_id", "expected %d to %d lowercase hex digits",
			      ESCROW_ID_MIN, ESCROW_ID_MAX);
		return -1;
	}
	return 0;
}

/* Whether the sealed text opens with the vault key for this record. */
static int sealed_opens(const struct req *r, const struct vault_body *b)
{
	char context[IAM_VAULT_CONTEXT_MAX], *secret = NULL;
	size_t n = 0;
	int rc;

	iam_vault_context(r->who.name, b->account, b->escrow_id, context);
	rc = iam_unseal(r->srv->vault_key, context, b->sealed, &secret, &n, NULL);
	iam_free_secret(secret);
	return rc == 0;
}

static struct json_object *vault_json(const char *host, const struct vault_row *v)
{
	struct json_object *o = json_object_new_object();

	iam_json_add_str(o, "host", host);
	iam_json_add_str(o, "account", v->account);
	iam_json_add_int(o, "version", v->version);
	iam_json_add_str(o, "escrow_id", v->escrow_id);
	iam_json_add_str(o, "state", v->state);
	iam_json_add_int(o, "created_at", v->created_at);
	iam_json_add_int(o, "decided_at", v->decided_at);
	return o;
}

void h_vault_escrow(struct req *r, struct reply *out)
{
	struct vault_body b = { 0 };
	struct vault_escrow e;
	struct vault_row v;
	int rc, created = 0;

	if (vault_ready(r, out) < 0 || body_map(r, out, escrow_fields, 3, &b) < 0 ||
	    check_names(out, &b) < 0)
		goto done;
	if (!sealed_opens(r, &b)) {
		reply_invalid(out, "sealed", "does not open with this endpoint's vault key for "
			      "this host, account and escrow_id: is the host's vault_pubkey this "
			      "endpoint's vault.pub?");
		goto done;
	}
	e = (struct vault_escrow){ r->who.id, r->who.name, b.account, b.escrow_id, b.sealed };
	rc = store_vault_escrow(r->st, &e, r->source, r->now, &v, &created);
	if (rc != ST_OK)
		reply_store_error(out, rc, "vault version", b.escrow_id);
	else
		reply_json(out, created ? 201 : 200, vault_json(r->who.name, &v));
done:
	iam_json_map_free(escrow_fields, 3, &b);
}

static void decide(struct req *r, struct reply *out, int confirm)
{
	struct vault_body b = { 0 };
	struct vault_row v;
	int rc;

	if (vault_ready(r, out) < 0 || body_map(r, out, escrow_fields, DECIDE_FIELDS, &b) < 0 ||
	    check_names(out, &b) < 0)
		goto done;
	rc = confirm ? store_vault_confirm(r->st, r->who.id, r->who.name, b.account, b.escrow_id,
					   r->source, r->now, &v)
		     : store_vault_abandon(r->st, r->who.id, r->who.name, b.account, b.escrow_id,
					   r->source, r->now, &v);
	if (rc == ST_STATE)
		reply_error(out, 409, "invalid_state", "Version %lld of %s is %s.",
			    (long long)v.version, b.account, v.state);
	else if (rc != ST_OK)
		reply_store_error(out, rc, "vault version", b.escrow_id);
	else
		reply_json(out, 200, vault_json(r->who.name, &v));
done:
	iam_json_map_free(escrow_fields, DECIDE_FIELDS, &b);
}

void h_vault_confirm(struct req *r, struct reply *out)
{
	decide(r, out, 1);
}

void h_vault_abandon(struct req *r, struct reply *out)
{
	decide(r, out, 0);
}

struct history_ctx {
	const char *host;
	struct json_object *list;
};

static int add_version(void *ctx, const struct vault_row *v)
{
	struct history_ctx *h = ctx;

	json_object_array_add(h->list, vault_json(h->host, v));
	return ST_OK;
}

static int add_checkout(void *ctx, const struct checkout_row *c)
{
	struct history_ctx *h = ctx;
	struct json_object *o = json_object_new_object();

	iam_json_add_str(o, "account", c->account);
	iam_json_add_str(o, "user", c->user);
	iam_json_add_int(o, "version", c->version);
	iam_json_add_int(o, "grant", c->request_id);
	iam_json_add_int(o, "at", c->at);
	iam_json_add_int(o, "until", c->until);
	iam_json_add_str(o, "grant_state", c->grant_state);
	json_object_array_add(h->list, o);
	return ST_OK;
}

/* GET /v1/vault/HOST[?account=NAME]: versions and check-outs, never a
 * sealed text. */
void h_vault_history(struct req *r, struct reply *out)
{
	const char *account = query_arg(r, "account");
	struct history_ctx h = { r->params[0], json_object_new_array() };
	struct history_ctx co = { r->params[0], json_object_new_array() };
	struct json_object *body;
	struct host_row host;
	int rc;

	if (account && !iam_name_valid(account)) {
		reply_invalid(out, "account", "expected a local account name");
		rc = ST_ERROR;
	} else {
		rc = store_host_get(r->st, r->params[0], &host);
		if (rc == ST_OK)
			rc = store_vault_list(r->st, host.id, account, add_version, &h);
		if (rc == ST_OK)
			rc = store_vault_checkouts(r->st, host.id, account, add_checkout, &co);
		if (rc != ST_OK)
			reply_store_error(out, rc, "host", r->params[0]);
	}
	if (rc != ST_OK) {
		json_object_put(h.list);
		json_object_put(co.list);
		return;
	}
	body = json_object_new_object();
	iam_json_add_str(body, "host", host.name);
	json_object_object_add(body, "versions", h.list);
	json_object_object_add(body, "checkouts", co.list);
	reply_json(out, 200, body);
}
