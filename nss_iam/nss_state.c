#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host_config.h"
#include "nss_state.h"
#include "safe_file.h"

#define LOCAL_FILES_MAX (16 << 20)
#ifndef IAM_NSS_PASSWD
#define IAM_NSS_PASSWD "/etc/passwd"
#endif
#ifndef IAM_NSS_GROUP
#define IAM_NSS_GROUP "/etc/group"
#endif
#ifndef IAM_NSS_CONFIG
#define IAM_NSS_CONFIG IAM_HOST_CONFIG_PATH
#endif

/* Enough of a stat to tell that a file was replaced or changed. */
struct file_id {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	nlink_t nlink;
	struct timespec mtime;
};

/* Sorted names, for bsearch. */
struct names {
	char *blob;
	char **v;
	size_t n;
};

static struct {
	pthread_rwlock_t lock;
	int loaded;
	time_t files_checked;
	struct file_id conf_id, passwd_id, group_id, cache_id;
	long long id_min, id_max;
	char *cache_path;
	struct names local_users, local_groups;
	void *map;
	size_t map_size;
	struct iam_cache cache;
	int cache_ok;
} st = { .lock = PTHREAD_RWLOCK_INITIALIZER };

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Taking the lock around fork keeps the state whole; the child then gets a
 * fresh lock, because the old one may still record waiters (threads that
 * do not exist in the child) and would block it for ever. */
static void before_fork(void) { pthread_rwlock_wrlock(&st.lock); }
static void after_fork_parent(void) { pthread_rwlock_unlock(&st.lock); }
static void after_fork_child(void) { pthread_rwlock_init(&st.lock, NULL); }
static void register_atfork(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

static void file_id_of(const char *path, struct file_id *id)
{
	struct stat s;

	memset(id, 0, sizeof(*id));
	if (stat(path, &s) < 0)
		return;
	id->exists = 1;
	id->dev = s.st_dev;
	id->ino = s.st_ino;
	id->size = s.st_size;
	id->nlink = s.st_nlink;
	id->mtime = s.st_mtim;
}

static int same_file(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->nlink == b->nlink &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *n)
{
	free(n->blob);
	free(n->v);
	memset(n, 0, sizeof(*n));
}

/* The first field of each line of a passwd- or group-format file. A file
 * that cannot be read leaves no names: the directory's own checks (names,
 * id range) still apply. */
static void names_load(const char *path, struct names *out)
{
	size_t len = 0, n = 0, i;
	char *text = NULL, *line, *next;

	names_free(out);
	if (iam_file_read(path, 0, LOCAL_FILES_MAX, 0, &text, &len, NULL) < 0)
		return;
	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	out->v = malloc((n + 1) * sizeof(char *));
	if (!out->v) {
		free(text);
		return;
	}
	out->blob = text;
	for (line = text; line && *line; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (colon && colon != line && out->n <= n) {
			*colon = '\0';
			out->v[out->n++] = line;
		}
	}
	qsort(out->v, out->n, sizeof(char *), cmp_name);
}

static int names_has(const struct names *n, const char *name)
{
	return n->n && bsearch(&name, n->v, n->n, sizeof(char *), cmp_name) != NULL;
}

/* A missing file means the documented defaults. A broken one means no
 * answers at all: guessing a wider id range than the admin set would be
 * worse than resolving nobody. */
static void load_config(void)
{
	struct iam_host_config cfg;
	int r = iam_host_config_load(IAM_NSS_CONFIG, &cfg, NULL, NULL, NULL);

	free(st.cache_path);
	st.cache_path = NULL;
	if ((r == 0 || r == -ENOENT) && cfg.cache_path) {
		st.cache_path = strdup(cfg.cache_path);
		st.id_min = cfg.id_min;
		st.id_max = cfg.id_max;
	}
	iam_host_config_free(&cfg);
}

static void unmap_cache(void)
{
	if (st.map)
		munmap(st.map, st.map_size);
	st.map = NULL;
	st.map_size = 0;
	st.cache_ok = 0;
	memset(&st.cache, 0, sizeof(st.cache));
}

/* Maps the file and closes it; the mapping outlives the descriptor. The
 * id recorded is the one of the file actually opened. */
static void map_cache(void)
{
	struct stat s;
	void *map;
	int fd;

	unmap_cache();
	memset(&st.cache_id, 0, sizeof(st.cache_id));
	if (!st.cache_path)
		return;
	fd = open(st.cache_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &s) == 0 && S_ISREG(s.st_mode) && (s.st_uid == 0 || s.st_uid == geteuid()) &&
	    !(s.st_mode & 022) &&
	    s.st_size > 0 && (uint64_t)s.st_size <= IAM_CACHE_MAX_SIZE) {
		map = mmap(NULL, (size_t)s.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map != MAP_FAILED) {
			st.map = map;
			st.map_size = (size_t)s.st_size;
			st.cache_id = (struct file_id){ 1, s.st_dev, s.st_ino, s.st_size, s.st_nlink,
							s.st_mtim };
			st.cache_ok = iam_cache_open(&st.cache, map, st.map_size, NULL) == 0;
		}
	}
	close(fd);
}

/* Called with the write lock: reload what changed. */
static void refresh(time_t now)
{
	struct file_id id;

	if (!st.loaded || now != st.files_checked) {
		file_id_of(IAM_NSS_CONFIG, &id);
		if (!st.loaded || !same_file(&id, &st.conf_id)) {
			st.conf_id = id;
			load_config();
			memset(&st.cache_id, 0, sizeof(st.cache_id));
		}
		file_id_of(IAM_NSS_PASSWD, &id);
		if (!st.loaded || !same_file(&id, &st.passwd_id)) {
			st.passwd_id = id;
			names_load(IAM_NSS_PASSWD, &st.local_users);
		}
		file_id_of(IAM_NSS_GROUP, &id);
		if (!st.loaded || !same_file(&id, &st.group_id)) {
			st.group_id = id;
			names_load(IAM_NSS_GROUP, &st.local_groups);
		}
		st.files_checked = now;
		st.loaded = 1;
	}
	if (st.cache_path) {
		file_id_of(st.cache_path, &id);
		if (!same_file(&id, &st.cache_id))
			map_cache();
	} else {
		unmap_cache();
	}
}

/* Whether the state is current: loaded, files looked at this second, and
 * the cache file the one mapped. Called with a lock held. */
static int fresh(time_t now)
{
	struct file_id id;

	if (!st.loaded || now != st.files_checked)
		return 0;
	if (!st.cache_path)
		return 1;
	file_id_of(st.cache_path, &id);
	return same_file(&id, &st.cache_id);
}

int nss_acquire(struct nss_view *v)
{
	time_t now = time(NULL);
	int tries;

	pthread_once(&atfork_once, register_atfork);
	for (tries = 0; tries < 2; tries++) {
		pthread_rwlock_rdlock(&st.lock);
		if (fresh(now) || tries == 1) {
			if (!st.cache_ok) {
				pthread_rwlock_unlock(&st.lock);
				return -ENOENT;
			}
			v->cache = &st.cache;
			v->id_min = st.id_min;
			v->id_max = st.id_max;
			return 0;
		}
		pthread_rwlock_unlock(&st.lock);
		pthread_rwlock_wrlock(&st.lock);
		refresh(now);
		pthread_rwlock_unlock(&st.lock);
	}
	return -ENOENT;
}

void nss_release(void)
{
	pthread_rwlock_unlock(&st.lock);
}

int nss_local_user(const char *name)
{
	return names_has(&st.local_users, name);
}

int nss_local_group(const char *name)
{
	return names_has(&st.local_groups, name);
}
