/*
 * The daemon's part of the vault (vault_round): rotations a crash left
 * half done are finished, accounts whose password a check-out revealed
 * are rotated once the grant has ended, as the endpoint says
 * (GET /v1/vault/due), and the others on vault_rotate_interval (an
 * account listed but never rotated here is rotated at once).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "agent.h"
#include "log.h"
#include "vault.h"
#include "vault_local.h"

static int finish(const char *account, const void *ctx)
{
	struct agent *a = (struct agent *)(uintptr_t)ctx;
	struct vault_journal j;
	struct iam_err err = { "" };
	long long version = 0;

	if (vault_journal_read(a->cfg.vault_dir, account, &j, NULL) == -ENOENT)
		return 0;
	vault_rotate(&a->cfg, a->api, account, 1, &version, &err); /* logs its outcome */
	return 0;
}

static void rotate_due(struct agent *a, struct json_object *accounts)
{
	size_t i, n = json_object_is_type(accounts, json_type_array)
			      ? json_object_array_length(accounts) : 0;

	for (i = 0; i < n; i++) {
		const char *account = json_object_get_string(json_object_array_get_idx(accounts, i));
		struct iam_err err = { "" };
		long long version = 0;

		if (!account || !iam_vault_account_listed(&a->cfg, account)) {
			iam_log(LOG_WARNING, "event=vault_due_ignored account=\"%s\" reason=\"not in "
				"vault_accounts\"", account ? account : "-");
			continue;
		}
		vault_rotate(&a->cfg, a->api, account, 0, &version, &err);
	}
}

/* On the schedule: an account never rotated here, or last rotated
 * vault_rotate_interval ago, gets a new password. */
static int scheduled(const char *account, const void *ctx)
{
	struct agent *a = (struct agent *)(uintptr_t)ctx;
	long long last, interval = a->cfg.vault_rotate_interval, version = 0;
	struct iam_err err = { "" };

	if (interval <= 0)
		return 0;
	last = vault_rotated_at(a->cfg.vault_dir, account);
	if (last > 0 && (long long)time(NULL) - last < interval)
		return 0;
	vault_rotate(&a->cfg, a->api, account, 0, &version, &err); /* logs its outcome */
	return 0;
}

void vault_round(struct agent *a)
{
	struct json_object *out = NULL, *accounts = NULL;
	struct iam_api_error aerr;
	struct iam_err err = { "" };

	if (!a->cfg.vault_accounts)
		return;
	iam_vault_accounts_each(a->cfg.vault_accounts, finish, (const void *)(uintptr_t)a);
	if (iam_api_call(a->api, "GET", "/v1/vault/due", NULL, &out, &aerr, &err) < 0) {
		iam_log(LOG_WARNING, "event=vault_due_failed error=\"%s\"", err.msg);
		return;
	}
	if (json_object_object_get_ex(out, "accounts", &accounts))
		rotate_due(a, accounts);
	json_object_put(out);
	iam_vault_accounts_each(a->cfg.vault_accounts, scheduled, (const void *)(uintptr_t)a);
}
