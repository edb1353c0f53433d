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
	int local_ok;
	uint32_t *shadow_users, *shadow_groups;
	size_t nshadow_users, nshadow_groups;
	void *map;
	size_t map_size;
	struct iam_cache cache;
	int cache_ok;
} st = { .lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP };

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The lock prefers writers: glibc's default prefers readers, and threads
 * that look up without pause (each read lock overlapping the next) would
 * then keep a writer (a cache reload, or fork below) waiting for ever.
 * No lookup takes the read lock twice, which writer preference forbids. */
static void init_lock(void)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st.lock, &a);
	pthread_rwlockattr_destroy(&a);
}

/* Taking the lock around fork keeps the state whole; the child then gets a
 * fresh lock, because the old one may still record waiters (threads that
 * do not exist in the child) and would block it for ever. */
static void before_fork(void) { pthread_rwlock_wrlock(&st.lock); }
static void after_fork_parent(void) { pthread_rwlock_unlock(&st.lock); }
static void after_fork_child(void) { init_lock(); }
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

/* The whole file, whatever its size or mode: these are the system's own
 * account files, not configuration, and they must be read as they are. */
static char *read_local_file(const char *path, size_t *len)
{
	struct stat sb;
	char *text = NULL;
	size_t got = 0, size;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0) {
		size = (size_t)sb.st_size;
		text = malloc(size + 1);
		while (text && got < size) {
			n = read(fd, text + got, size - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {      /* a read error: names may be missing */
				free(text);
				text = NULL;
			}
			if (n <= 0)
				break;       /* n == 0: the file shrank; what we have is it */
			got += (size_t)n;
		}
	}
	close(fd);
	if (text) {
		text[got] = '\0';
		*len = got;
	}
	return text;
}

/* The first field of each line of a passwd- or group-format file. -1 when
 * the file cannot be read: the caller then answers nothing rather than
 * drop the local-name rule. */
static int names_load(const char *path, struct names *out)
{
	size_t len = 0, n = 0, i;
	char *text, *line, *next;

	names_free(out);
	text = read_local_file(path, &len);
	if (!text)
		return -1;
	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	out->v = malloc((n + 1) * sizeof(char *));
	if (!out->v) {
		free(text);
		return -1;
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
	return 0;
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
	iam_cache_close(&st.cache);
	if (st.map)
		munmap(st.map, st.map_size);
	st.map = NULL;
	st.map_size = 0;
	st.cache_ok = 0;
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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The cache records that local names shadow, sorted; NULL (none) when the
 * cache is not usable. */
static uint32_t *find_shadows(const struct names *local, long (*find)(const struct iam_cache *,
								  const char *),
			      size_t *n)
{
	uint32_t *out = malloc((local->n ? local->n : 1) * sizeof(uint32_t));
	size_t i;

	*n = 0;
	if (!out)
		return NULL;
	for (i = 0; i < local->n; i++) {
		long idx = find(&st.cache, local->v[i]);

		if (idx >= 0)
			out[(*n)++] = (uint32_t)idx;
	}
	qsort(out, *n, sizeof(uint32_t), cmp_u32);
	return out;
}

static void compute_shadows(void)
{
	free(st.shadow_users);
	free(st.shadow_groups);
	st.shadow_users = st.shadow_groups = NULL;
	st.nshadow_users = st.nshadow_groups = 0;
	if (!st.cache_ok || !st.local_ok)
		return;
	st.shadow_users = find_shadows(&st.local_users, iam_cache_find_user, &st.nshadow_users);
	st.shadow_groups = find_shadows(&st.local_groups, iam_cache_find_group, &st.nshadow_groups);
	if (!st.shadow_users || !st.shadow_groups)
		st.local_ok = 0; /* out of memory: answer nothing rather than guess */
}

/* Called with the write lock: reload what changed. */
static void refresh(time_t now)
{
	struct file_id id;
	int changed = 0;

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
			changed = 1;
		}
		file_id_of(IAM_NSS_GROUP, &id);
		if (!st.loaded || !same_file(&id, &st.group_id)) {
			st.group_id = id;
			changed = 1;
		}
		if (changed)
			st.local_ok = names_load(IAM_NSS_PASSWD, &st.local_users) == 0 &&
				      names_load(IAM_NSS_GROUP, &st.local_groups) == 0;
		st.files_checked = now;
		st.loaded = 1;
	}
	if (st.cache_path) {
		file_id_of(st.cache_path, &id);
		if (!same_file(&id, &st.cache_id)) {
			map_cache();
			changed = 1;
		}
	} else if (st.map) {
		unmap_cache();
		changed = 1;
	}
	if (changed)
		compute_shadows();
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
			if (!st.cache_ok || !st.local_ok) {
				pthread_rwlock_unlock(&st.lock);
				return -ENOENT;
			}
			v->cache = &st.cache;
			v->id_min = st.id_min;
			v->id_max = st.id_max;
			v->shadow_users = st.shadow_users;
			v->nshadow_users = st.nshadow_users;
			v->shadow_groups = st.shadow_groups;
			v->nshadow_groups = st.nshadow_groups;
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

static int in_set(const uint32_t *set, size_t n, size_t i)
{
	uint32_t key = (uint32_t)i;

	return n && bsearch(&key, set, n, sizeof(uint32_t), cmp_u32) != NULL;
}

int nss_shadowed_user(const struct nss_view *v, size_t i)
{
	return in_set(v->shadow_users, v->nshadow_users, i);
}

int nss_shadowed_group(const struct nss_view *v, size_t i)
{
	return in_set(v->shadow_groups, v->nshadow_groups, i);
}
