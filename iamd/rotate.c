/*
 * "iamd rotate ACCOUNT": a new random password for a local account, held
 * by the vault before it takes effect, so that no step that fails, and no
 * kill -9 between two steps, leaves the account with a password nobody
 * holds:
 *
 *   1. a rotation an earlier run left half done is finished first;
 *   2. the new password, sealed to the vault key, is escrowed (pending);
 *      the endpoint refuses a text its vault key cannot open, so a wrong
 *      vault_pubkey stops here, with nothing changed;
 *   3. a journal (vault_dir/ACCOUNT.rotating) records the escrow id and
 *      the shadow hash from before, durably;
 *   4. chpasswd sets the password;
 *   5. the endpoint is told (confirm: current), then the journal goes.
 *
 * Recovery reads the journal: a shadow hash still the old one means step 4
 * never happened (abandon the pending version); any other means it did
 * (confirm it). Until then the endpoint keeps the previous version
 * current, and it still holds the password the account had.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "api_client.h"
#include "cli.h"
#include "json.h"
#include "log.h"
#include "seal.h"
#include "secmem.h"
#include "vault.h"
#include "vault_local.h"

struct rotation {
	const struct iam_host_config *cfg;
	struct iam_api *api;
	EVP_PKEY *vault_pub;
	char host[256];
	const char *account;
	long long version;
};

static void log_line(int prio, const char *event, const struct rotation *rt, const char *result,
		     const char *error)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", event);
	iam_kv_add(&line, "account", rt->account);
	iam_kv_add(&line, "result", result);
	if (rt->version > 0)
		iam_kv_addll(&line, "version", rt->version);
	if (error)
		iam_kv_add(&line, "error", error);
	iam_log(prio, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* POST /v1/vault/WHAT for this account and escrow id (and sealed text). */
static int vault_post(struct rotation *rt, const char *what, const char *escrow_id,
		      const char *sealed, struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *out = NULL, *v = NULL;
	struct iam_api_error aerr;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/v1/vault/%s", what);
	iam_json_add_str(body, "account", rt->account);
	iam_json_add_str(body, "escrow_id", escrow_id);
	if (sealed)
		iam_json_add_str(body, "sealed", sealed);
	r = iam_api_call(rt->api, "POST", path, body, &out, &aerr, err);
	json_object_put(body);
	if (r == 0 && json_object_object_get_ex(out, "version", &v))
		rt->version = json_object_get_int64(v);
	json_object_put(out);
	if (r < 0)
		iam_err_prefix(err, "vault %s of %s", what, rt->account);
	return r;
}

/* Step 1: a journal left by an interrupted run decides itself. */
static int recover(struct rotation *rt, struct iam_err *err)
{
	struct vault_journal j;
	char now[VAULT_HASH_MAX];
	int r = vault_journal_read(rt->cfg->vault_dir, rt->account, &j, err), applied;

	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = vault_shadow_hash(rt->account, now, err);
	if (r < 0)
		goto out;
	applied = strcmp(now, j.old_hash) != 0;
	r = vault_post(rt, applied ? "confirm" : "abandon", j.escrow_id, NULL, err);
	if (r == 0)
		r = vault_journal_remove(rt->cfg->vault_dir, rt->account, err);
	if (r == 0)
		log_line(LOG_NOTICE, "vault_recover", rt, applied ? "confirmed" : "abandoned", NULL);
out:
	iam_wipe(&j, sizeof(j));
	iam_wipe(now, sizeof(now));
	return r;
}

/* Steps 2 to 5. */
static int change(struct rotation *rt, struct iam_err *err)
{
	char password[VAULT_PASSWORD_LEN + 1], context[IAM_VAULT_CONTEXT_MAX], *sealed = NULL;
	struct vault_journal j;
	int r;

	memset(&j, 0, sizeof(j));
	r = vault_shadow_hash(rt->account, j.old_hash, err);
	if (r == 0)
		r = vault_shadow_writable(err);
	if (r == 0)
		r = vault_new_password(password, err);
	if (r == 0)
		r = vault_new_escrow_id(j.escrow_id, err);
	if (r == 0) {
		iam_vault_context(rt->host, rt->account, j.escrow_id, context);
		r = iam_seal(rt->vault_pub, context, password, strlen(password), &sealed, err);
	}
	if (r == 0)
		r = vault_post(rt, "escrow", j.escrow_id, sealed, err);
	if (r == 0)
		r = vault_journal_write(rt->cfg->vault_dir, rt->account, &j, err);
	if (r == 0)
		r = vault_set_password(rt->account, password, err);
	iam_wipe(password, sizeof(password));
	free(sealed);
	if (r == 0 && vault_post(rt, "confirm", j.escrow_id, NULL, err) < 0) {
		/* set and escrowed: the next run's recovery tells the endpoint */
		iam_err_prefix(err, "the password of %s is set, but the endpoint was not told "
			       "yet (the next run will)", rt->account);
		r = -EAGAIN;
	}
	if (r == 0)
		r = vault_journal_remove(rt->cfg->vault_dir, rt->account, err);
	if (r == 0 && vault_stamp(rt->cfg->vault_dir, rt->account, err) < 0) {
		/* rotated all the same: at worst the schedule rotates it again */
		log_line(LOG_WARNING, "vault_stamp", rt, "error", err->msg);
		r = 0;
	}
	iam_wipe(&j, sizeof(j));
	return r;
}

/* The host's name as the endpoint knows it: the records are filed under it. */
static int whoami(struct rotation *rt, struct iam_err *err)
{
	struct json_object *out = NULL, *name = NULL;
	struct iam_api_error aerr;
	int r = iam_api_call(rt->api, "GET", "/v1/whoami", NULL, &out, &aerr, err);

	if (r == 0 && json_object_object_get_ex(out, "name", &name) &&
	    json_object_is_type(name, json_type_string))
		snprintf(rt->host, sizeof(rt->host), "%s", json_object_get_string(name));
	else if (r == 0) {
		iam_err_set(err, "the endpoint's whoami answer has no name");
		r = -EBADMSG;
	}
	json_object_put(out);
	return r;
}

int vault_rotate(const struct iam_host_config *cfg, struct iam_api *api, const char *account,
		 int finish_only, long long *version, struct iam_err *err)
{
	struct rotation rt = { cfg, api, NULL, "", account, 0 };
	int r, lock = -1;

	if (!iam_vault_account_listed(cfg, account)) {
		iam_err_set(err, "%s is not in vault_accounts in iam.conf", account);
		return -EPERM;
	}
	r = iam_seal_pubkey_from_b64(cfg->vault_pubkey, &rt.vault_pub, err);
	if (r < 0)
		iam_err_prefix(err, "vault_pubkey");
	if (r == 0)
		r = vault_lock(cfg->vault_dir, account, &lock, err);
	if (r == 0)
		r = whoami(&rt, err);
	if (r == 0)
		r = recover(&rt, err);
	if (r == 0 && finish_only) {
		vault_unlock(lock);
		EVP_PKEY_free(rt.vault_pub);
		*version = rt.version;
		return 0;
	}
	if (r == 0) {
		rt.version = 0;
		r = change(&rt, err);
	}
	log_line(r < 0 ? LOG_ERR : LOG_NOTICE, "vault_rotate", &rt, r < 0 ? "error" : "rotated",
		 r < 0 ? err->msg : NULL);
	vault_unlock(lock);
	EVP_PKEY_free(rt.vault_pub);
	*version = rt.version;
	return r;
}
