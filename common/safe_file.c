#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safe_file.h"
#include "secmem.h"

static int check_stat(const char *path, const struct stat *st, uid_t owner,
		      size_t max, unsigned flags, struct iam_err *err)
{
	if (!S_ISREG(st->st_mode)) {
		iam_err_set(err, "%s is not a regular file", path);
		return -EINVAL;
	}
	if (st->st_uid != 0 && st->st_uid != owner) {
		iam_err_set(err, "%s is owned by uid %u; it must be owned by root%s",
			    path, (unsigned)st->st_uid, owner ? " or by you" : "");
		return -EPERM;
	}
	if (st->st_mode & S_IWOTH) {
		iam_err_set(err, "%s is writable by others (mode %04o); run chmod o-w",
			    path, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0) {
		iam_err_set(err, "%s is writable by group %u (mode %04o); run chmod g-w",
			    path, (unsigned)st->st_gid, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	if ((flags & IAM_FILE_SECRET) && (st->st_mode & 077)) {
		iam_err_set(err, "%s holds a secret but is accessible by group or others "
			    "(mode %04o); run chmod 600", path, (unsigned)(st->st_mode & 07777));
		return -EACCES;
	}
	if ((unsigned long long)st->st_size > max) {
		iam_err_set(err, "%s is %lld bytes; at most %zu are accepted", path,
			    (long long)st->st_size, max);
		return -EFBIG;
	}
	return 0;
}

static int read_all(int fd, const char *path, size_t size, char **out,
		    size_t *outlen, struct iam_err *err)
{
	char *buf = malloc(size + 1);
	size_t got = 0;

	if (!buf) {
		iam_err_set(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		iam_err_set(err, "%s: short read (the file changed while being read?)", path);
		iam_wipe(buf, got);
		free(buf);
		return -EIO;
	}
	buf[got] = '\0';
	*out = buf;
	if (outlen)
		*outlen = got;
	return 0;
}

int iam_file_read(const char *path, uid_t owner, size_t max, unsigned flags,
		  char **out, size_t *outlen, struct iam_err *err)
{
	struct stat st;
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (errno == ELOOP)
			iam_err_set(err, "%s is a symbolic link; refusing to follow it", path);
		else
			iam_err_set(err, "cannot open %s: %s", path, strerror(errno));
		return r == -ELOOP ? -EPERM : r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		iam_err_set(err, "cannot stat %s: %s", path, strerror(errno));
	} else {
		r = check_stat(path, &st, owner, max, flags, err);
		if (r == 0)
			r = read_all(fd, path, (size_t)st.st_size, out, outlen, err);
	}
	close(fd);
	return r;
}

static int fsync_dir_of(const char *path)
{
	char copy[PATH_MAX];
	int fd, r = 0;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int iam_dir_sync(const char *dir, struct iam_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (r < 0)
		iam_err_set(err, "cannot sync the directory %s: %s", dir, strerror(-r));
	return r;
}

/* mkdir, then chmod: the process's umask must neither open a private
 * directory nor close /var/lib/iam, which the NSS cache readers need to
 * traverse. The parent is synced, or a crash could lose the directory with
 * the files put into it. */
int iam_dir_make(const char *path, mode_t mode, struct iam_err *err)
{
	char parent[PATH_MAX];
	int r;

	if (mkdir(path, mode) == 0 && chmod(path, mode) == 0) {
		snprintf(parent, sizeof(parent), "%s", path);
		return iam_dir_sync(dirname(parent), err);
	}
	if (errno == EEXIST)
		return 0;
	r = -errno;
	iam_err_set(err, "cannot create %s: %s", path, strerror(errno));
	return r;
}

static int make_private(const char *dir, struct iam_err *err)
{
	char parent[PATH_MAX];
	int r;

	snprintf(parent, sizeof(parent), "%s", dir);
	r = iam_dir_make(dirname(parent), 0755, err);
	return r < 0 ? r : iam_dir_make(dir, 0700, err);
}

static int check_private(const char *dir, const char *what, const struct stat *st,
			 uid_t owner, struct iam_err *err)
{
	if (S_ISLNK(st->st_mode))
		iam_err_set(err, "the %s %s is a symbolic link; it must be a directory", what, dir);
	else if (!S_ISDIR(st->st_mode))
		iam_err_set(err, "the %s %s is not a directory", what, dir);
	else if (st->st_uid != 0 && st->st_uid != owner)
		iam_err_set(err, "the %s %s is owned by uid %u; it must be owned by root", what,
			    dir, (unsigned)st->st_uid);
	else if (st->st_mode & 077)
		iam_err_set(err, "the %s %s is accessible by group or others (mode %04o); "
			    "run chmod 700 %s", what, dir, (unsigned)(st->st_mode & 07777), dir);
	else
		return 0;
	return -EPERM;
}

int iam_dir_private(const char *dir, const char *what, uid_t owner, int create,
		    struct iam_err *err)
{
	char path[PATH_MAX];
	size_t n = dir ? strlen(dir) : 0;
	struct stat st;
	int r;

	/* Without its trailing slashes, lstat() sees a symlink as one. */
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(path)) {
		iam_err_set(err, "the %s directory is not set or too long", what);
		return -EINVAL;
	}
	memcpy(path, dir, n);
	path[n] = '\0';
	if (lstat(path, &st) < 0 && create && errno == ENOENT) {
		r = make_private(path, err);
		if (r < 0)
			return r;
	}
	if (lstat(path, &st) < 0) {
		r = -errno;
		iam_err_set(err, "cannot use the %s %s: %s", what, path, strerror(errno));
		return r;
	}
	return check_private(path, what, &st, owner, err);
}

static int write_fully(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int iam_file_write_atomic(const char *path, const void *data, size_t len,
			  mode_t mode, struct iam_err *err)
{
	return iam_file_write_verified(path, data, len, mode, NULL, NULL, err);
}

int iam_file_write_verified(const char *path, const void *data, size_t len, mode_t mode,
			    int (*verify)(int fd, void *ctx), void *ctx, struct iam_err *err)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
		iam_err_set(err, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		iam_err_set(err, "cannot create a temporary file next to %s: %s", path,
			    strerror(errno));
		return r;
	}
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	if (r == 0)
		r = write_fully(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && verify && (lseek(fd, 0, SEEK_SET) < 0 || (r = verify(fd, ctx)) < 0)) {
		if (r == 0)
			r = -errno;
		close(fd);
		unlink(tmp);
		iam_err_set(err, "%s: the written file did not read back as written", path);
		return r;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		iam_err_set(err, "cannot write %s: %s", path, strerror(-r));
		unlink(tmp);
		return r;
	}
	r = fsync_dir_of(path);
	if (r < 0)
		iam_err_set(err, "wrote %s but could not sync its directory: %s", path,
			    strerror(-r));
	return r;
}

/* "<base>.tmp" and the six characters mkstemp puts in place of XXXXXX. */
static int is_temp_of(const char *name, const char *base)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && strncmp(name + n, ".tmp", 4) == 0 &&
	       strlen(name + n + 4) == 6;
}

int iam_file_remove_stale_temps(const char *path, long older_than, struct iam_err *err)
{
	char dir[PATH_MAX], *slash;
	const char *base;
	struct dirent *d;
	time_t now = time(NULL);
	int removed = 0;
	DIR *dp;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	base = slash ? path + (slash - dir) + 1 : path;
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	dp = opendir(dir);
	if (!dp) {
		iam_err_set(err, "cannot read %s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((d = readdir(dp))) {
		struct stat st;

		if (!is_temp_of(d->d_name, base) ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < older_than)
			continue;
		if (unlinkat(dirfd(dp), d->d_name, 0) == 0)
			removed++;
	}
	closedir(dp);
	return removed;
}
