/* Reading files that decide security (config, credentials, tokens) and
 * writing files atomically. */
#ifndef IAM_SAFE_FILE_H
#define IAM_SAFE_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include "iam_error.h"

/* Refuse the file when group or others may read it (credentials, tokens). */
#define IAM_FILE_SECRET 0x1u

/*
 * Reads a whole file, opened with O_NOFOLLOW|O_CLOEXEC|O_NOCTTY. The file must
 * be a regular file, owned by root or by `owner`, not writable by others, not
 * writable by its group unless that group is root's, at most `max` bytes, and
 * with IAM_FILE_SECRET not readable by group or others. The result is NUL
 * terminated; the caller frees it (wiping it first for secrets).
 * Returns 0, -ENOENT, -EACCES/-EPERM (unsafe), -EFBIG, -EINVAL, -EIO.
 */
int iam_file_read(const char *path, uid_t owner, size_t max, unsigned flags,
		  char **out, size_t *outlen, struct iam_err *err);

/*
 * Writes data to a temporary file in the same directory with `mode`, fsyncs
 * it, renames it over `path` and fsyncs the directory, so a reader sees the
 * old or the new file and never a partial one.
 */
int iam_file_write_atomic(const char *path, const void *data, size_t len,
			  mode_t mode, struct iam_err *err);

/* The same, and before the rename, verify(fd, ctx) reads the written
 * temporary file back (fd is open read-write at offset 0); a negative
 * result abandons the new file and keeps the old one. */
int iam_file_write_verified(const char *path, const void *data, size_t len, mode_t mode,
			    int (*verify)(int fd, void *ctx), void *ctx, struct iam_err *err);

/*
 * Removes the temporary files iam_file_write_atomic left next to path when
 * the writer was killed ("<path>.tmpXXXXXX", regular, not modified for
 * older_than seconds, so another writer's file in flight is left alone).
 * Returns how many were removed, or a negative errno when the directory
 * cannot be read.
 */
int iam_file_remove_stale_temps(const char *path, long older_than, struct iam_err *err);

/* fsync of a directory: a rename or an unlink in it is durable after. */
int iam_dir_sync(const char *dir, struct iam_err *err);
/* mkdir with exactly `mode` (whatever the umask), the parent synced; an
 * existing one is fine (0). */
int iam_dir_make(const char *path, mode_t mode, struct iam_err *err);
/*
 * A directory for secrets or records (the audit spool, pam_iam's offline
 * records): owned by root or `owner`, not a symbolic link, closed to group
 * and others. With create, a missing one is made 0700 (and a missing
 * parent 0755). -ENOENT without create; -EPERM when unsafe, with a message
 * that names `what` and what to fix.
 */
int iam_dir_private(const char *dir, const char *what, uid_t owner, int create,
		    struct iam_err *err);

#endif
