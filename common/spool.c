/*
 * The audit spool (spool.h): one file per event, "<id>.json", written with
 * iam_file_write_atomic (temporary file, fsync, rename, directory fsync)
 * and read back with iam_file_read (no symlinks, regular files of a safe
 * owner and mode, bounded size). Paths rather than directory descriptors
 * are fine here: the directory is root's and mode 0700, so nobody else can
 * swap its entries.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"
#include "spool.h"

#define EVENT_SUFFIX ".json"
#define EVENT_SUFFIX_LEN (sizeof(EVENT_SUFFIX) - 1)
/* iam_file_write_atomic writes "<path>.tmpXXXXXX" (mkostemp) first. */
#define TEMP_MARK EVENT_SUFFIX ".tmp"
#define TEMP_MARK_LEN (sizeof(TEMP_MARK) - 1)
#define TEMP_RANDOM_LEN 6
#define BAD_DIR "bad"
/* Junk moved per scan, so that a directory full of it costs bounded
 * memory; the rest goes on the next scans. */
#define JUNK_PER_SCAN 1000

enum entry_kind {
	ENTRY_OTHER, /* ".", "..", "bad" */
	ENTRY_EVENT,
	ENTRY_TEMP,  /* a put in progress, or one a crash cut short */
	ENTRY_JUNK,
};

static int id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == ':' || c == '-';
}

static int id_valid_n(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > IAM_SPOOL_ID_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!id_char(s[i]))
			return 0;
	return 1;
}

int iam_spool_id_valid(const char *id)
{
	return id && id_valid_n(id, strnlen(id, IAM_SPOOL_ID_MAX + 1));
}

static int temp_random_ok(const char *s)
{
	size_t i;

	for (i = 0; i < TEMP_RANDOM_LEN; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return s[i] == '\0';
}

static enum entry_kind classify(const char *name)
{
	size_t n = strlen(name);
	const char *mark;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, BAD_DIR) == 0)
		return ENTRY_OTHER;
	if (n > EVENT_SUFFIX_LEN && strcmp(name + n - EVENT_SUFFIX_LEN, EVENT_SUFFIX) == 0 &&
	    id_valid_n(name, n - EVENT_SUFFIX_LEN))
		return ENTRY_EVENT;
	if (n > TEMP_MARK_LEN + TEMP_RANDOM_LEN) {
		mark = name + n - TEMP_RANDOM_LEN - TEMP_MARK_LEN;
		if (memcmp(mark, TEMP_MARK, TEMP_MARK_LEN) == 0 &&
		    id_valid_n(name, (size_t)(mark - name)) && temp_random_ok(mark + TEMP_MARK_LEN))
			return ENTRY_TEMP;
	}
	return ENTRY_JUNK;
}

static int join(char *out, size_t outsz, const char *dir, const char *name, const char *suffix,
		struct iam_err *err)
{
	if (snprintf(out, outsz, "%s/%s%s", dir, name, suffix) < (int)outsz)
		return 0;
	iam_err_set(err, "%s: path too long", dir);
	return -ENAMETOOLONG;
}

/* --- The directory -------------------------------------------------------- */

int iam_spool_check_dir(const char *dir, uid_t owner, int create, struct iam_err *err)
{
	return iam_dir_private(dir, "audit spool", owner, create, err);
}

long long iam_spool_count(const char *dir, struct iam_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long long n = 0;
	int r;

	if (!d) {
		r = -errno;
		iam_err_set(err, "cannot read the audit spool %s: %s", dir, strerror(errno));
		return r;
	}
	for (;;) {
		errno = 0; /* readdir's only way to tell an error from the end */
		e = readdir(d);
		if (!e)
			break;
		n += classify(e->d_name) == ENTRY_EVENT;
	}
	r = -errno;
	closedir(d);
	if (r < 0) {
		iam_err_set(err, "cannot read the audit spool %s: %s", dir, strerror(-r));
		return r;
	}
	return n;
}

/* --- One event ------------------------------------------------------------ */

static int check_event(const char *id, size_t len, struct iam_err *err)
{
	if (!iam_spool_id_valid(id)) {
		iam_err_set(err, "invalid event id '%.80s': 1-%d characters [A-Za-z0-9._:-], "
			    "not starting with '.'", id ? id : "", IAM_SPOOL_ID_MAX);
		return -EINVAL;
	}
	if (len == 0) {
		iam_err_set(err, "event %s is empty", id);
		return -EINVAL;
	}
	if (len > IAM_SPOOL_MAX_EVENT) {
		iam_err_set(err, "event %s is %zu bytes; at most %d are spooled", id, len,
			    IAM_SPOOL_MAX_EVENT);
		return -EFBIG;
	}
	return 0;
}

/* Below the cap, or replacing an event already counted. */
static int check_room(const char *dir, long long max, const char *path, const char *id,
		      struct iam_err *err)
{
	struct stat st;
	long long n = iam_spool_count(dir, err);

	if (n < 0)
		return (int)n;
	if (n < max || lstat(path, &st) == 0)
		return 0;
	iam_err_set(err, "the audit spool %s is full (%lld events, spool_max %lld): "
		    "event %s was not kept; check that iamd delivers it (systemctl status "
		    "iamd; iamd flush-spool sends it now)", dir, n, max, id);
	return -ENOSPC;
}

int iam_spool_put(const char *dir, long long max, const char *id, const char *json,
		  size_t len, struct iam_err *err)
{
	char path[PATH_MAX];
	int r = check_event(id, len, err);

	if (r == 0)
		r = join(path, sizeof(path), dir, id, EVENT_SUFFIX, err);
	if (r == 0 && max > 0)
		r = check_room(dir, max, path, id, err);
	if (r == 0)
		r = iam_file_write_atomic(path, json, len, 0600, err);
	return r;
}

int iam_spool_remove(const char *dir, const char *id, struct iam_err *err)
{
	char path[PATH_MAX];
	int r = check_event(id, 1, err);

	if (r == 0)
		r = join(path, sizeof(path), dir, id, EVENT_SUFFIX, err);
	if (r < 0)
		return r;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		iam_err_set(err, "cannot remove %s: %s", path, strerror(errno));
		return r;
	}
	return iam_dir_sync(dir, err);
}

/* --- Quarantine ----------------------------------------------------------- */

/* "<dir>/bad": made when missing; a directory of the spool's owner, mode
 * 0700, never a symlink (a rename through one could move events
 * anywhere). */
static int bad_dir(const char *dir, char *bad, size_t badsz, struct iam_err *err)
{
	struct stat st, top;
	int r = join(bad, badsz, dir, BAD_DIR, "", err);

	if (r == 0)
		r = iam_dir_make(bad, 0700, err);
	if (r < 0)
		return r;
	if (lstat(bad, &st) < 0 || lstat(dir, &top) < 0) {
		r = -errno;
		iam_err_set(err, "cannot use %s: %s", bad, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != top.st_uid || (st.st_mode & 077)) {
		iam_err_set(err, "%s must be a directory (not a symlink) of the spool's owner, "
			    "mode 0700", bad);
		return -EPERM;
	}
	return 0;
}

/* -ENOENT when name has gone meanwhile (delivered by another process). */
static int move_to_bad(const char *dir, const char *name, struct iam_err *err)
{
	char bad[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	int r = bad_dir(dir, bad, sizeof(bad), err);

	if (r == 0)
		r = join(from, sizeof(from), dir, name, "", err);
	if (r == 0)
		r = join(to, sizeof(to), bad, name, "", err);
	if (r < 0)
		return r;
	if (rename(from, to) < 0) {
		r = -errno;
		if (r != -ENOENT)
			iam_err_set(err, "cannot move %s to %s: %s", from, bad, strerror(errno));
		return r;
	}
	r = iam_dir_sync(bad, err);
	return r < 0 ? r : iam_dir_sync(dir, err);
}

int iam_spool_quarantine(const char *dir, const char *id, struct iam_err *err)
{
	char name[IAM_SPOOL_ID_MAX + EVENT_SUFFIX_LEN + 1];
	int r = check_event(id, 1, err);

	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s%s", id, EVENT_SUFFIX);
	r = move_to_bad(dir, name, err);
	return r == -ENOENT ? 0 : r;
}

/* --- Walking the events ---------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *s, const char *name)
{
	char **v;
	char *copy;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	s->v[s->n++] = copy;
	return 0;
}

static void names_truncate(struct names *s, size_t n)
{
	while (s->n > n)
		free(s->v[--s->n]);
}

static void names_free(struct names *s)
{
	names_truncate(s, 0);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Time order: ids start with the time in decimal, so a longer run of
 * leading digits is a later time; then byte order. */
static int name_cmp(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	size_t da = strspn(a, "0123456789"), db = strspn(b, "0123456789");

	if (da && db && da != db)
		return da < db ? -1 : 1;
	return strcmp(a, b);
}

/* Keeps the `limit` oldest names, sorted. */
static void names_keep_oldest(struct names *s, size_t limit)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), name_cmp);
	names_truncate(s, limit);
}

static int add_entry(const char *name, size_t limit, struct names *events, struct names *junk)
{
	int r = 0;

	switch (classify(name)) {
	case ENTRY_EVENT:
		if (limit == 0)
			break;
		r = names_add(events, name);
		/* memory stays within twice the limit, however full the spool */
		if (r == 0 && limit <= SIZE_MAX / 2 && events->n >= 2 * limit)
			names_keep_oldest(events, limit);
		break;
	case ENTRY_JUNK:
		if (junk->n < JUNK_PER_SCAN)
			r = names_add(junk, name);
		break;
	default:
		break;
	}
	return r;
}

static int scan(const char *dir, size_t limit, struct names *events, struct names *junk,
		struct iam_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d) {
		r = -errno;
		iam_err_set(err, "cannot read the audit spool %s: %s", dir, strerror(errno));
		return r;
	}
	while (r == 0) {
		errno = 0; /* readdir's only way to tell an error from the end */
		e = readdir(d);
		if (!e) {
			r = -errno;
			break;
		}
		r = add_entry(e->d_name, limit, events, junk);
	}
	closedir(d);
	if (r < 0)
		iam_err_set(err, "cannot read the audit spool %s: %s", dir, strerror(-r));
	else
		names_keep_oldest(events, limit);
	return r;
}

/* Reads one event and hands it to fn; an unsafe or oversized file goes to
 * bad/ instead (the same errors iam_file_read gives for them). */
static int visit(const char *dir, const char *name, iam_spool_fn fn, void *ctx, size_t *bad,
		 struct iam_err *err)
{
	char path[PATH_MAX], id[IAM_SPOOL_ID_MAX + 1];
	size_t idlen = strlen(name) - EVENT_SUFFIX_LEN, len = 0;
	struct iam_err rerr;
	char *text = NULL;
	int r = join(path, sizeof(path), dir, name, "", err);

	if (r < 0)
		return r;
	memcpy(id, name, idlen);
	id[idlen] = '\0';
	r = iam_file_read(path, geteuid(), IAM_SPOOL_MAX_EVENT, 0, &text, &len, &rerr);
	if (r == -ENOENT)
		return 0;
	if (r == -EPERM || r == -EINVAL || r == -EFBIG) {
		*bad += move_to_bad(dir, name, NULL) == 0;
		return 0;
	}
	if (r < 0) {
		iam_err_set(err, "%s", rerr.msg);
		return r;
	}
	r = fn(ctx, id, text, len);
	free(text);
	return r;
}

int iam_spool_each(const char *dir, size_t limit, iam_spool_fn fn, void *ctx,
		   size_t *bad, struct iam_err *err)
{
	struct names events = { NULL, 0, 0 }, junk = { NULL, 0, 0 };
	size_t moved = 0, i;
	int r = scan(dir, limit, &events, &junk, err);

	/* Junk that cannot be moved is left for the next scan: it must not
	 * hold up the events. */
	for (i = 0; r == 0 && i < junk.n; i++)
		moved += move_to_bad(dir, junk.v[i], NULL) == 0;
	for (i = 0; r == 0 && i < events.n; i++)
		r = visit(dir, events.v[i], fn, ctx, &moved, err);
	names_free(&events);
	names_free(&junk);
	if (bad)
		*bad = moved;
	return r < 0 ? r : 0;
}
