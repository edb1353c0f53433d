/*
 * The host's own side of a password rotation: a new random password, the
 * account's current shadow hash, setting the password the system's way
 * (chpasswd, so the distribution's hash method and PAM password stack
 * apply), and the journal that says a rotation is under way.
 */
#ifndef IAMD_VAULT_LOCAL_H
#define IAMD_VAULT_LOCAL_H

#include <stddef.h>
#include "iam_error.h"

#define VAULT_PASSWORD_LEN 24 /* from 72 characters: 148 bits */
#define VAULT_ESCROW_ID_LEN 32
#define VAULT_HASH_MAX 512

/* out: VAULT_PASSWORD_LEN characters and a NUL, from OpenSSL's RNG. */
int vault_new_password(char out[VAULT_PASSWORD_LEN + 1], struct iam_err *err);
/* out: VAULT_ESCROW_ID_LEN lowercase hex digits and a NUL. */
int vault_new_escrow_id(char out[VAULT_ESCROW_ID_LEN + 1], struct iam_err *err);
/* The account's hash in the shadow file. -ENOENT: no such local account. */
int vault_shadow_hash(const char *account, char out[VAULT_HASH_MAX], struct iam_err *err);
/* -EROFS when /etc is mounted read-only (as systemd's ProtectSystem=strict
 * does): checked before anything is escrowed. */
int vault_shadow_writable(struct iam_err *err);
/* Sets the password with chpasswd; 0 once chpasswd says it did. */
int vault_set_password(const char *account, const char *password, struct iam_err *err);

/* A rotation under way: the escrow id the endpoint has, and the shadow
 * hash from before the change (how recovery tells whether it happened). */
struct vault_journal {
	char escrow_id[VAULT_ESCROW_ID_LEN + 1];
	char old_hash[VAULT_HASH_MAX];
};

/* dir/ACCOUNT.rotating, written durably (mode 0600) before the password
 * changes; -ENOENT from read when no rotation is under way. */
int vault_journal_write(const char *dir, const char *account, const struct vault_journal *j,
			struct iam_err *err);
int vault_journal_read(const char *dir, const char *account, struct vault_journal *j,
		       struct iam_err *err);
int vault_journal_remove(const char *dir, const char *account, struct iam_err *err);

/* dir/ACCOUNT.rotated: its time says when the account was last rotated.
 * vault_rotated_at: that time, or 0 when it was never rotated here. */
int vault_stamp(const char *dir, const char *account, struct iam_err *err);
long long vault_rotated_at(const char *dir, const char *account);

/* One rotation of an account at a time: an exclusive lock on
 * dir/ACCOUNT.lock (waited for up to 10 s), held until vault_unlock and by
 * the chpasswd it runs. -EBUSY when another keeps holding it. */
int vault_lock(const char *dir, const char *account, int *fd, struct iam_err *err);
void vault_unlock(int fd);

#endif
