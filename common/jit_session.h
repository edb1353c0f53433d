/*
 * Sessions opened under a just-in-time grant: the record pam_jit writes
 * when sudo (or sshd) opens a session under a grant, and iamd reads to end
 * the session's processes once the grant has ended or was revoked
 * (jit_end_sessions in iam.conf).
 *
 * One file per session, <jit_session_dir>/<pid> (default /run/iam/jit),
 * root-owned, mode 0600, in a root-owned directory of mode 0700. A file is
 * written to a temporary name (<pid>.tmpXXXXXX) and renamed, so a reader
 * sees a whole record or none. The text, every line ending in '\n', the
 * keys in this order and each exactly once:
 *
 *   iam-jit-session 1
 *   pid 4242
 *   start 1234567
 *   user alice
 *   role dbadmin
 *   group dbadmin
 *   grant 17
 *   not_after 1764407100
 *
 * Numbers are decimal without sign or leading zeros; names match
 * iam_name_valid(). Anything else (another magic or version, a missing,
 * repeated, unknown or reordered key, a '\r', a NUL, trailing spaces, a
 * number out of range, more than IAM_JIT_SESSION_MAX bytes) is -EBADMSG.
 */
#ifndef IAM_JIT_SESSION_H
#define IAM_JIT_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "iam_error.h"
#include "names.h"

#define IAM_JIT_SESSION_MAGIC "iam-jit-session 1"
/* Bytes of one record at most; a full one is about 200. */
#define IAM_JIT_SESSION_MAX 1024
/* The kernel's PID_MAX_LIMIT: no pid is larger. */
#define IAM_JIT_PID_MAX 4194304
/* 9999-12-31T23:59:59Z: the latest not_after accepted, so that any
 * arithmetic on it in milliseconds stays far from overflow. */
#define IAM_JIT_TIME_MAX 253402300799LL

struct iam_jit_session {
	pid_t pid;                      /* the process that opened the session (sudo) */
	unsigned long long start;       /* its start time, iam_proc_stat().start */
	char user[IAM_NAME_MAX + 1];
	char role[IAM_NAME_MAX + 1];
	char group[IAM_NAME_MAX + 1];   /* the role's unix group */
	int64_t grant;                  /* grant (request) id */
	int64_t not_after;              /* the grant's end, epoch seconds */
};

/* 0 when every field is in range: pid 1..IAM_JIT_PID_MAX, start at most
 * LLONG_MAX, valid names, grant >= 1, not_after 1..IAM_JIT_TIME_MAX;
 * -EINVAL (with the field in err) otherwise. */
int iam_jit_session_check(const struct iam_jit_session *s, struct iam_err *err);

/* The record's text into buf (NUL-terminated); its length, or -EINVAL for
 * a session that fails iam_jit_session_check, -ENOSPC for a short buf. */
int iam_jit_session_format(const struct iam_jit_session *s, char *buf, size_t size,
			   struct iam_err *err);
/* Parses len bytes of text (need not be NUL-terminated); 0 or -EBADMSG
 * with the line and the reason in err. *s is zeroed first. */
int iam_jit_session_parse(const char *text, size_t len, struct iam_jit_session *s,
			  struct iam_err *err);

/* Writes <dir>/<pid> atomically (0600), making dir root-owned 0700 when
 * missing (iam_dir_private). -EINVAL for an invalid session, -EPERM for an
 * unsafe directory, -errno when writing fails. */
int iam_jit_session_record(const char *dir, const struct iam_jit_session *s,
			   struct iam_err *err);
/* Removes <dir>/<pid>; a missing file is fine. */
int iam_jit_session_forget(const char *dir, pid_t pid, struct iam_err *err);
/* Reads and strictly validates one record file: owned by root and not
 * writable by others (else -EPERM), a regular file of at most
 * IAM_JIT_SESSION_MAX bytes and a valid record (else -EBADMSG); -ENOENT
 * when it is gone, -errno when it cannot be read. A symbolic link is not
 * followed (-EPERM). */
int iam_jit_session_load(const char *path, struct iam_jit_session *s, struct iam_err *err);

#endif
