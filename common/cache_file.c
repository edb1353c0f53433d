/* A cache file mapped and fully checked, for the programs that read it
 * whole or once (iamd cache-check and cache-dump, pam_iam's offline
 * decisions). The NSS module keeps its own long-lived, lazily checked map. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"

static int map_fd(int fd, struct iam_cache_map *m, struct iam_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > IAM_CACHE_MAX_SIZE) {
		iam_err_set(err, "not a regular file of a cache's size");
		return -EINVAL;
	}
	m->size = (size_t)st.st_size;
	m->map = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		iam_err_set(err, "cannot map it: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

int iam_cache_map(const char *path, struct iam_cache_map *m, struct iam_err *err)
{
	int fd, r;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		iam_err_set(err, "cannot open it: %s", strerror(errno));
		return r;
	}
	r = map_fd(fd, m, err);
	close(fd);
	if (r == 0 && ((r = iam_cache_open(&m->c, m->map, m->size, err)) < 0 ||
		       (r = iam_cache_verify_all(&m->c, err)) < 0))
		iam_err_prefix(err, "not a valid cache");
	if (r < 0)
		iam_cache_unmap(m);
	return r;
}

void iam_cache_unmap(struct iam_cache_map *m)
{
	iam_cache_close(&m->c);
	if (m->map)
		munmap(m->map, m->size);
	memset(m, 0, sizeof(*m));
}
