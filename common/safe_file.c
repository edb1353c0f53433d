#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
