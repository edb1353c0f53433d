/*
 * The passwords the vault holds for a host's account right now, opened
 * with the vault key: the current version and, between a host's escrow
 * and its confirmation, the pending one (either may be the account's
 * password until the host confirms). Shared by the check-out, which
 * reveals them, and by break-glass logins, which compare against them.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>
#include <openssl/crypto.h>

#include "api.h"
#include "log.h"
#include "seal.h"
#include "secmem.h"

#define SEALED_MAX 2100

int vault_ready(const struct req *r, struct reply *out)
{
	if (r->srv->vault_key)
		return 0;
	reply_error(out, 409, "vault_not_configured",
		    "This endpoint has no vault key (vault_key in policyd.conf).");
	return -1;
}

/* ST_OK with *secret set, ST_NOTFOUND, or ST_ERROR (logged). */
static int open_version(const struct req *r, const struct vault_target *t, const char *state,
			struct vault_row *v, char **secret)
{
	char sealed[SEALED_MAX], context[IAM_VAULT_CONTEXT_MAX];
	struct iam_err err = { "" };
	size_t n = 0;
	int rc = store_vault_sealed(r->st, t->host_id, t->account, state, v, sealed,
				    sizeof(sealed));

	if (rc != ST_OK)
		return rc == ST_NOTFOUND ? ST_NOTFOUND : ST_ERROR;
	iam_vault_context(t->host, t->account, v->escrow_id, context);
	rc = iam_unseal(r->srv->vault_key, context, sealed, secret, &n, &err);
	iam_wipe(sealed, sizeof(sealed));
	if (rc == 0)
		return ST_OK;
	iam_log(LOG_ERR, "event=vault_open_failed host=%s account=%s version=%lld error=\"%s\"",
		t->host, t->account, (long long)v->version, err.msg);
	return ST_ERROR;
}

int vault_secret_open(const struct req *r, const struct vault_target *t,
		      struct vault_secret *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = open_version(r, t, "current", &s->cur, &s->cur_pw);
	if (rc == ST_OK) {
		rc = open_version(r, t, "pending", &s->pend, &s->pend_pw);
		if (rc == ST_NOTFOUND)
			rc = ST_OK;
	}
	if (rc != ST_OK)
		vault_secret_free(s);
	return rc;
}

static int same(const char *secret, const char *typed)
{
	size_t n = strlen(secret);

	return n == strlen(typed) && CRYPTO_memcmp(secret, typed, n) == 0;
}

const struct vault_row *vault_secret_match(const struct vault_secret *s, const char *password)
{
	/* both compared, whatever the first gives: no timing tells which */
	int cur = s->cur_pw && same(s->cur_pw, password);
	int pend = s->pend_pw && same(s->pend_pw, password);

	return cur ? &s->cur : pend ? &s->pend : NULL;
}

void vault_secret_free(struct vault_secret *s)
{
	iam_free_secret(s->cur_pw);
	iam_free_secret(s->pend_pw);
	s->cur_pw = s->pend_pw = NULL;
}
