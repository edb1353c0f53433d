/*
 * pam_jit.so: elevation (sudo, or sshd on privileged hosts) only inside a
 * just-in-time grant for one of the roles named by role= arguments. The
 * endpoint decides every call (POST /v1/decide/grant); nothing is cached
 * but a signed grant for offline=grant-until-expiry. See pam_jit(8).
 */
#ifndef PAM_JIT_PJ_H
#define PAM_JIT_PJ_H

#include <stdint.h>
#include <time.h>

#include "names.h"
#include "pi.h"

#define PJ_MAX_ROLES 8

enum pj_mode { PJ_CHECK, PJ_ACTIVATE };
enum pj_offline { PJ_OFFLINE_DENY, PJ_OFFLINE_GRANT };

struct pj_args {
	int mode;                    /* enum pj_mode */
	int offline;                 /* enum pj_offline */
	int quiet;                   /* honour PAM_SILENT (sudo always sets it) */
	int nroles;
	char roles[PJ_MAX_ROLES][IAM_NAME_MAX + 1];
};

extern const struct pi_module pj_module;

/* The grant that let a call through, kept as PAM data for the session. */
struct pj_grant {
	char user[IAM_NAME_MAX + 1];  /* the holder (sudo's session runs as another) */
	char role[IAM_NAME_MAX + 1];
	char group[IAM_NAME_MAX + 1];
	int64_t id;
	int64_t not_after;
	int offline;                 /* allowed from the signed copy */
	char origin[64];
};

/* The account (and auth) decision: PAM_SUCCESS with an active grant for one
 * of the roles, PAM_IGNORE for a user the directory does not manage,
 * otherwise a denial that told the user why (pj_check.c). */
int pj_decide(struct pi *pi, int deny_code);

/* Session open/close: audit event naming the grant, and the record iamd
 * uses to end the session with the grant (pj_session.c). */
int pj_session(struct pi *pi, int open);

/* Where the session making this call came from (pj_origin.c): "" when not
 * known. See pam_jit(8), ORIGIN. */
void pj_origin(struct pi *pi, char *out, size_t outsz);

/* Self-service activation inside the call (pj_activate.c): for the first
 * role= the user is eligible for, asks for a reason, a duration and (when
 * the role wants it) a code, and submits a request. PAM_SUCCESS when a grant is now active (the caller checks
 * again), PAM_PERM_DENIED when it waits for approval or was refused (the
 * user was told), or the conversation's error. */
int pj_activate(struct pi *pi);

/* Signed grants for offline use (pj_offline.c). */
struct iam_decision;
void pj_offline_keep(struct pi *pi, const char *role, const struct iam_decision *d);
/* 1 with *g filled when the kept signed grant for role is valid at now for
 * origin (signature, user, role, [not_before, not_after), window, networks),
 * else 0 (logged why). */
int pj_offline_grant(struct pi *pi, const char *role, const char *origin, time_t now,
		     struct pj_grant *g);

/* The unix group of the grant's role, from the signed document (else the
 * role's name, the default). */
void pj_grant_group(const struct iam_decision *d, const char *role, char *out, size_t outsz);

/* The PAM data key of the grant a call used. */
#define PJ_GRANT_DATA "pam_jit_grant"

#endif
