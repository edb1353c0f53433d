/* Rotating a local account's password through the vault (rotate.c). */
#ifndef IAMD_VAULT_H
#define IAMD_VAULT_H

#include "api_client.h"
#include "host_config.h"

/* One rotation of account (which must be in vault_accounts): finishes an
 * interrupted one first. *version: the version made current. -EAGAIN when
 * the password is set but the endpoint was not told yet. */
int vault_rotate(const struct iam_host_config *cfg, struct iam_api *api, const char *account,
		 long long *version, struct iam_err *err);

#endif
