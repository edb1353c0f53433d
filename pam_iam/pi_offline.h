/*
 * What pam_iam keeps on the host so that a login can fall back safely when
 * the endpoint is unreachable: per directory user, one root-only file in
 * offline_dir with the time of the last online login, whether that login
 * needed MFA, an scrypt verifier of its password, and the time the endpoint
 * last allowed the user on this host. Nothing here is trusted to grant
 * more than the endpoint granted within offline_max_age.
 */
#ifndef PAM_IAM_PI_OFFLINE_H
#define PAM_IAM_PI_OFFLINE_H

#include <stdint.h>
#include "kdf.h"
#include "pi.h"

#define PI_STAMP_MAX 33

struct pi_offline {
	int64_t auth_time;    /* last online password login, 0: none */
	int mfa;              /* that login needed a TOTP code */
	char stamp[PI_STAMP_MAX]; /* the endpoint's password stamp then, or "" */
	char verifier[IAM_KDF_MAX];
	int64_t account_time; /* last online "allow" for this host, 0: none */
	long long failures;   /* wrong offline passwords since the last online login */
};

/* After an online login: a fresh verifier of password, unless the record
 * already has one made under the same password stamp (the endpoint's
 * password has not been set since, and it just accepted this password, so
 * the verifier is of this password): then only the time moves, and the
 * login pays no local scrypt. Failures are logged and harmless (the login
 * stands; only the fallback is lost). */
void pi_offline_remember_login(struct pi *pi, const char *password, int mfa,
			       const char *stamp);
/* After an online account "allow"; a deny forgets the user's record. */
void pi_offline_remember_account(struct pi *pi, int allowed);

/* Removes the user's record (after a password change). */
void pi_offline_forget(struct pi *pi);

/* Offline password check: PAM_SUCCESS, PAM_AUTH_ERR (wrong password,
 * counted in the record), PAM_MAXTRIES (offline_max_failures reached: only
 * an online login unlocks), or PAM_AUTHINFO_UNAVAIL when no fallback applies
 * (no record, too old, MFA user with offline_mfa = deny, unreadable record);
 * logged either way. */
int pi_offline_authenticate(struct pi *pi, const char *password);
/* Offline account check against the record: PAM_SUCCESS when the endpoint
 * allowed the user here within offline_max_age, else PAM_PERM_DENIED. */
int pi_offline_account(struct pi *pi);

/* The NSS cache's word on a user, for offline decisions. */
enum pi_cache_state { PI_CACHE_ACTIVE, PI_CACHE_DISABLED, PI_CACHE_ABSENT, PI_CACHE_ERROR };
enum pi_cache_state pi_cache_user_state(struct pi *pi);

/* Break-glass (pi_breakglass.c): whether the user has an entry in the
 * OATH usersfile, and the check of PIN (the password) and code. */
int pi_breakglass_listed(struct pi *pi);
int pi_breakglass_authenticate(struct pi *pi, const char *pin);

#endif
