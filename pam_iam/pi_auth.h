/* The work behind each entry point, one file each. */
#ifndef PAM_IAM_PI_AUTH_H
#define PAM_IAM_PI_AUTH_H

#include "pi.h"

/* pam_iam's own arguments (pi->args). */
struct pi_iam_args {
	int use_first_pass;
	int try_first_pass;
};
extern const struct pi_module pi_iam_module;

int pi_get_password(struct pi *pi, const char **password); /* pi_auth.c */

/* A step that could not reach the endpoint: the caller falls back. */
#define PI_OFFLINE (-1)

/* pi_vault.c: a local break-glass account's login, and the holders of
 * the vault password it used (NULL when none), for the session. */
int pi_breakglass_login(struct pi *pi);
const char *pi_vault_holders(struct pi *pi);

int pi_authenticate(struct pi *pi);    /* pi_auth.c */
int pi_account(struct pi *pi);         /* pi_account.c */
int pi_session(struct pi *pi, int open); /* pi_session.c */
int pi_chauthtok(struct pi *pi);       /* pi_passwd.c */

#endif
