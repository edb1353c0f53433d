/*
 * Where a login session came from, as root saw it: pam_iam writes one record
 * per session at session open (<session_dir>/<pid of the process that opened
 * it>) and removes it at close; pam_jit walks up from a sudo process to the
 * nearest ancestor with a record to learn the origin of the session sudo
 * runs in (DESIGN.md rule 6: never from anything the user controls). A
 * record names its process by pid and start time, so a reused pid is not
 * mistaken for the session.
 */
#ifndef IAM_LOGIN_RECORD_H
#define IAM_LOGIN_RECORD_H

#include <sys/types.h>
#include "iam_error.h"

#define IAM_LOGIN_FIELD_MAX 255

struct iam_login_record {
	pid_t pid;
	unsigned long long start;                 /* iam_proc_stat().start */
	char user[IAM_LOGIN_FIELD_MAX + 1];
	char service[IAM_LOGIN_FIELD_MAX + 1];
	char origin[IAM_LOGIN_FIELD_MAX + 1];     /* PAM_RHOST; "" for none */
	char session[IAM_LOGIN_FIELD_MAX + 1];    /* pam_iam's session id */
};

/* Writes <dir>/<pid> (0600; dir made root-only when missing). Fields must
 * be printable UTF-8 without line breaks (iam_text_valid). */
int iam_login_record_write(const char *dir, const struct iam_login_record *r,
			   struct iam_err *err);
/* Removes <dir>/<pid>; a missing one is fine. */
int iam_login_record_remove(const char *dir, pid_t pid, struct iam_err *err);
/* Reads <dir>/<pid>: 0, -ENOENT when there is none, -EBADMSG when it is
 * malformed, -EPERM when the file is not root's alone. */
int iam_login_record_read(const char *dir, pid_t pid, struct iam_login_record *r,
			  struct iam_err *err);

/*
 * The record of the nearest ancestor of pid (pid included) whose record
 * matches it (same start time), at most 64 generations up: 0 and *r
 * filled, or -ENOENT when none has one.
 */
int iam_login_record_find(const char *dir, pid_t pid, struct iam_login_record *r,
			  struct iam_err *err);

#endif
