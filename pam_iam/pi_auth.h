/* The work behind each entry point, one file each. */
#ifndef PAM_IAM_PI_AUTH_H
#define PAM_IAM_PI_AUTH_H

#include "pi.h"

int pi_authenticate(struct pi *pi);    /* pi_auth.c */
int pi_account(struct pi *pi);         /* pi_account.c */
int pi_session(struct pi *pi, int open); /* pi_session.c */
int pi_chauthtok(struct pi *pi);       /* pi_passwd.c */

#endif
