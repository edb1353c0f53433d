/* Rotating a local account's password through the vault (rotate.c). */
#ifndef IAMD_VAULT_H
#define IAMD_VAULT_H

#include "api_client.h"
#include "host_config.h"

/* One rotation of account (which must be in vault_accounts): finishes an
 * interrupted one first, and with finish_only does nothing more. *version:
 * the version made current. -EAGAIN when the password is set but the
 * endpoint was not told yet. */
int vault_rotate(const struct iam_host_config *cfg, struct iam_api *api, const char *account,
		 int finish_only, long long *version, struct iam_err *err);

struct agent;
/* After each sync: finishes rotations a crash interrupted, then rotates
 * the accounts the endpoint says are due (a check-out ended). Logs what
 * it does; never fails the sync. */
void vault_round(struct agent *a);

#endif
