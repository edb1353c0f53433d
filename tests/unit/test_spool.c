/*
 * Unit tests for common/spool.c (the audit spool: put, walk in time order,
 * remove, the cap, quarantine of what is not an event, the directory's
 * safety) and the parts of common/audit_event.c that need no endpoint
 * (ids, building events, spooling without delivery). Each test gets a
 * fresh directory under a private mkdtemp one. The spool must be root's;
 * these tests pass their own uid as the accepted owner, so they run as
 * any user, and the cases that need another owner are skipped, saying
 * why, when not run as root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit_event.h"
#include "json.h"
#include "spool.h"

#define OTHER_UID 65534

#define assert_contains(s, sub)                                              \
	do {                                                                 \
		if (!strstr((s), (sub)))                                     \
			fail_msg("\"%s\" does not contain \"%s\"", (s), (sub)); \
	} while (0)

static char tmpdir[] = "/tmp/iam_test_spool.XXXXXX";
static char spool[PATH_MAX];
static unsigned serial;

/* ---- fixtures ------------------------------------------------------------ */

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int remove_tmpdir(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new spool directory, made (and checked) the way the daemons do. */
static int new_spool(void **state)
{
	struct iam_err err = { "" };

	(void)state;
	snprintf(spool, sizeof(spool), "%s/s%u/spool", tmpdir, ++serial);
	if (iam_spool_check_dir(spool, geteuid(), 1, &err) < 0) {
		print_error("%s\n", err.msg);
		return -1;
	}
	return 0;
}

static void path_in(char *out, size_t outsz, const char *dir, const char *name)
{
	assert_true(snprintf(out, outsz, "%s/%s", dir, name) < (int)outsz);
}

static void write_raw(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	path_in(path, sizeof(path), spool, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int exists_in(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	path_in(path, sizeof(path), dir, name);
	return lstat(path, &st) == 0;
}

static int in_spool(const char *name)
{
	return exists_in(spool, name);
}

static int in_bad(const char *name)
{
	char bad[PATH_MAX];

	path_in(bad, sizeof(bad), spool, "bad");
	return exists_in(bad, name);
}

static void put(const char *id, const char *json)
{
	struct iam_err err = { "" };

	if (iam_spool_put(spool, 0, id, json, strlen(json), &err) != 0)
		fail_msg("put %s: %s", id, err.msg);
}

/* What iam_spool_each handed over, in order. */
struct seen {
	char ids[16][IAM_SPOOL_ID_MAX + 1];
	char json[16][64];
	size_t n;
	int stop_after; /* > 0: return 1 after that many */
	int fail_with;  /* < 0: return it at the first call */
	int remove;     /* remove each event from within the callback */
};

static int record(void *ctx, const char *id, const char *json, size_t len)
{
	struct seen *s = ctx;

	if (s->fail_with < 0)
		return s->fail_with;
	assert_true(s->n < 16);
	assert_int_equal(strlen(json), len);
	snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id);
	snprintf(s->json[s->n], sizeof(s->json[0]), "%s", json);
	s->n++;
	if (s->remove)
		assert_int_equal(iam_spool_remove(spool, id, NULL), 0);
	return s->stop_after > 0 && s->n >= (size_t)s->stop_after;
}

static size_t walk(struct seen *s, size_t limit)
{
	struct iam_err err = { "" };
	size_t bad = 99;

	if (iam_spool_each(spool, limit, record, s, &bad, &err) != 0)
		fail_msg("each: %s", err.msg);
	return bad;
}

static long long count(void)
{
	struct iam_err err = { "" };
	long long n = iam_spool_count(spool, &err);

	if (n < 0)
		fail_msg("count: %s", err.msg);
	return n;
}

/* ---- the directory --------------------------------------------------------- */

static void test_dir_created(void **state)
{
	char dir[PATH_MAX], parent[PATH_MAX / 2];
	struct iam_err err = { "" };
	struct stat st;
	mode_t old;
	size_t n;

	(void)state;
	snprintf(parent, sizeof(parent), "%s/created%u", tmpdir, ++serial);
	snprintf(dir, sizeof(dir), "%s/spool", parent);
	assert_int_equal(iam_spool_check_dir(dir, geteuid(), 0, &err), -ENOENT);
	assert_contains(err.msg, dir);
	/* a umask must neither close the parent (the NSS cache's directory,
	 * for everyone to traverse) nor open the spool */
	old = umask(0777);
	assert_int_equal(iam_spool_check_dir(dir, geteuid(), 1, &err), 0);
	umask(old);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* existing, and a trailing slash */
	n = strlen(dir);
	assert_true(n + 1 < sizeof(dir));
	dir[n] = '/';
	dir[n + 1] = '\0';
	assert_int_equal(iam_spool_check_dir(dir, geteuid(), 1, &err), 0);
	assert_int_equal(iam_spool_check_dir(dir, geteuid(), 0, &err), 0);
}

static void test_dir_unsafe(void **state)
{
	char link[PATH_MAX], file[PATH_MAX], slash[PATH_MAX + 1];
	struct iam_err err = { "" };
	static const mode_t modes[] = { 0750, 0705, 0701, 0710, 0777 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(spool, modes[i]), 0);
		assert_int_equal(iam_spool_check_dir(spool, geteuid(), 1, &err), -EPERM);
		assert_contains(err.msg, "accessible by group or others");
		assert_contains(err.msg, "chmod 700");
	}
	assert_int_equal(chmod(spool, 0700), 0);
	/* a symlink to a good directory is refused, with or without a slash */
	path_in(link, sizeof(link), tmpdir, "link");
	snprintf(link + strlen(link), sizeof(link) - strlen(link), "%u", ++serial);
	assert_int_equal(symlink(spool, link), 0);
	assert_int_equal(iam_spool_check_dir(link, geteuid(), 1, &err), -EPERM);
	assert_contains(err.msg, "symbolic link");
	snprintf(slash, sizeof(slash), "%s/", link);
	assert_int_equal(iam_spool_check_dir(slash, geteuid(), 0, &err), -EPERM);
	assert_contains(err.msg, "symbolic link");
	/* not a directory */
	path_in(file, sizeof(file), spool, "file");
	write_raw("file", "x", 0600);
	assert_int_equal(iam_spool_check_dir(file, geteuid(), 1, &err), -EPERM);
	assert_contains(err.msg, "not a directory");
	assert_int_equal(iam_spool_check_dir("", geteuid(), 1, &err), -EINVAL);
	assert_int_equal(iam_spool_check_dir(NULL, geteuid(), 1, &err), -EINVAL);
}

static void test_dir_owner(void **state)
{
	struct iam_err err = { "" };

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: chown to uid %d needs root\n", OTHER_UID);
		skip();
	}
	assert_int_equal(chown(spool, OTHER_UID, 0), 0);
	assert_int_equal(iam_spool_check_dir(spool, 0, 0, &err), -EPERM);
	assert_contains(err.msg, "owned by uid 65534");
	/* the owner the caller names is accepted */
	assert_int_equal(iam_spool_check_dir(spool, OTHER_UID, 0, &err), 0);
	assert_int_equal(chown(spool, 0, 0), 0);
	assert_int_equal(iam_spool_check_dir(spool, OTHER_UID, 0, &err), 0);
}

/* ---- events ----------------------------------------------------------------- */

static void test_put_each_order(void **state)
{
	static const char *const want[] = { "999999999.a", "1700000001.a", "1700000001.z",
					    "1700000002.b" };
	struct seen s;
	struct stat st;
	char path[PATH_MAX];
	size_t i;

	(void)state;
	/* put out of order; a 9-digit time is earlier than any 10-digit one */
	put("1700000002.b", "{\"n\":4}");
	put("1700000001.z", "{\"n\":3}");
	put("999999999.a", "{\"n\":1}");
	put("1700000001.a", "{\"n\":2}");
	assert_int_equal(count(), 4);
	path_in(path, sizeof(path), spool, "1700000001.a.json");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	memset(&s, 0, sizeof(s));
	assert_int_equal(walk(&s, 100), 0);
	assert_int_equal(s.n, 4);
	for (i = 0; i < 4; i++) {
		char json[16];

		assert_string_equal(s.ids[i], want[i]);
		snprintf(json, sizeof(json), "{\"n\":%zu}", i + 1);
		assert_string_equal(s.json[i], json);
	}
	/* a limit takes the oldest */
	memset(&s, 0, sizeof(s));
	walk(&s, 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], want[0]);
	assert_string_equal(s.ids[1], want[1]);
	/* a limit of 0: nothing */
	memset(&s, 0, sizeof(s));
	walk(&s, 0);
	assert_int_equal(s.n, 0);
	/* > 0 stops early, and is not an error */
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	walk(&s, 100);
	assert_int_equal(s.n, 1);
	/* a negative result is passed on */
	memset(&s, 0, sizeof(s));
	s.fail_with = -EIO;
	assert_int_equal(iam_spool_each(spool, 100, record, &s, NULL, NULL), -EIO);
	/* the same id again replaces the event */
	put("999999999.a", "{\"n\":\"new\"}");
	assert_int_equal(count(), 4);
	memset(&s, 0, sizeof(s));
	walk(&s, 1);
	assert_string_equal(s.json[0], "{\"n\":\"new\"}");
}

static void test_each_many(void **state)
{
	struct seen s;
	char id[32];
	int i;

	(void)state;
	/* more events than twice the limit: the walk trims as it reads */
	for (i = 40; i >= 1; i--) {
		snprintf(id, sizeof(id), "17000000%02d.x", i);
		put(id, "{}");
	}
	memset(&s, 0, sizeof(s));
	walk(&s, 3);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.ids[0], "1700000001.x");
	assert_string_equal(s.ids[1], "1700000002.x");
	assert_string_equal(s.ids[2], "1700000003.x");
	/* the callback may remove what it is given */
	memset(&s, 0, sizeof(s));
	s.remove = 1;
	walk(&s, 16);
	assert_int_equal(s.n, 16);
	assert_int_equal(count(), 24);
	memset(&s, 0, sizeof(s));
	walk(&s, 1);
	assert_string_equal(s.ids[0], "1700000017.x");
}

static void test_remove(void **state)
{
	struct iam_err err = { "" };

	(void)state;
	put("1700000000.a", "{}");
	put("1700000000.b", "{}");
	assert_int_equal(iam_spool_remove(spool, "1700000000.a", &err), 0);
	assert_false(in_spool("1700000000.a.json"));
	assert_true(in_spool("1700000000.b.json"));
	assert_int_equal(count(), 1);
	/* missing: not an error */
	assert_int_equal(iam_spool_remove(spool, "1700000000.a", &err), 0);
	assert_int_equal(iam_spool_remove(spool, "../x", &err), -EINVAL);
	assert_int_equal(iam_spool_remove(spool, "", &err), -EINVAL);
}

static void test_cap(void **state)
{
	struct iam_err err = { "" };

	(void)state;
	assert_int_equal(iam_spool_put(spool, 3, "1700000000.1", "{}", 2, &err), 0);
	assert_int_equal(iam_spool_put(spool, 3, "1700000000.2", "{}", 2, &err), 0);
	assert_int_equal(iam_spool_put(spool, 3, "1700000000.3", "{}", 2, &err), 0);
	/* temporary and junk files do not count */
	write_raw("1700000000.9.json.tmpAbC123", "{}", 0600);
	write_raw("README", "junk", 0600);
	assert_int_equal(count(), 3);
	err.msg[0] = '\0';
	assert_int_equal(iam_spool_put(spool, 3, "1700000000.4", "{}", 2, &err), -ENOSPC);
	assert_contains(err.msg, "is full");
	assert_contains(err.msg, "1700000000.4");
	assert_false(in_spool("1700000000.4.json"));
	assert_int_equal(count(), 3);
	/* replacing an event already counted is fine when full */
	assert_int_equal(iam_spool_put(spool, 3, "1700000000.2", "{\"a\":1}", 7, &err), 0);
	/* room again after a removal; 0 means no cap */
	assert_int_equal(iam_spool_remove(spool, "1700000000.1", &err), 0);
	assert_int_equal(iam_spool_put(spool, 3, "1700000000.4", "{}", 2, &err), 0);
	assert_int_equal(iam_spool_put(spool, 0, "1700000000.5", "{}", 2, &err), 0);
	assert_int_equal(count(), 4);
}

static void test_ids(void **state)
{
	static const char *const bad[] = {
		"", ".hidden", ".", "..", "a/b", "../a", "a b", "a\nb", "a*", "é",
		"a\\b", "a%2f", "0123456789012345678901234567890123456789012345678901234567890123x",
	};
	static const char *const good[] = {
		"a", "1700000000.0123abcd", "A-Z_a:z.9", "x.", "-x", "bad",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	struct iam_err err = { "" };
	size_t i;

	(void)state;
	assert_false(iam_spool_id_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(iam_spool_id_valid(bad[i]));
		assert_int_equal(iam_spool_put(spool, 0, bad[i], "{}", 2, &err), -EINVAL);
		assert_contains(err.msg, "invalid event id");
		assert_int_equal(iam_spool_quarantine(spool, bad[i], &err), -EINVAL);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(iam_spool_id_valid(good[i]));
		assert_int_equal(iam_spool_put(spool, 0, good[i], "{}", 2, &err), 0);
	}
	assert_int_equal(count(), (long long)(sizeof(good) / sizeof(good[0])));
	assert_int_equal(iam_spool_put(spool, 0, NULL, "{}", 2, &err), -EINVAL);
}

static void test_sizes(void **state)
{
	struct iam_err err = { "" };
	char *big = malloc(IAM_SPOOL_MAX_EVENT + 1);
	struct seen s;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', IAM_SPOOL_MAX_EVENT + 1);
	big[0] = '{';
	big[IAM_SPOOL_MAX_EVENT - 1] = '}';
	assert_int_equal(iam_spool_put(spool, 0, "1700000000.big", big, IAM_SPOOL_MAX_EVENT + 1,
				       &err), -EFBIG);
	assert_contains(err.msg, "at most 16384");
	assert_false(in_spool("1700000000.big.json"));
	assert_int_equal(iam_spool_put(spool, 0, "1700000000.max", big, IAM_SPOOL_MAX_EVENT,
				       &err), 0);
	assert_int_equal(iam_spool_put(spool, 0, "1700000000.empty", "", 0, &err), -EINVAL);
	assert_contains(err.msg, "empty");
	/* a file grown past the limit behind the spool's back is junk */
	{
		char path[PATH_MAX];
		FILE *f;

		path_in(path, sizeof(path), spool, "1700000000.huge.json");
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(big, 1, IAM_SPOOL_MAX_EVENT, f), IAM_SPOOL_MAX_EVENT);
		assert_int_equal(fputc('\n', f), '\n');
		fclose(f);
	}
	memset(&s, 0, sizeof(s));
	assert_int_equal(walk(&s, 100), 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "1700000000.max");
	assert_true(in_bad("1700000000.huge.json"));
	free(big);
}

/* Everything that is not an event goes to bad/; temporary files of a put
 * in progress stay where they are; nothing is followed or opened. */
static void test_junk(void **state)
{
	char path[PATH_MAX], bad[PATH_MAX], target[PATH_MAX];
	struct stat st;
	struct seen s;
	size_t nbad;

	(void)state;
	put("1700000000.good", "{\"ok\":1}");
	write_raw("notes.txt", "junk", 0600);
	write_raw(".hidden.json", "{}", 0600);
	write_raw("a b.json", "{}", 0600);
	write_raw("1700000000.open.json", "{}", 0646); /* writable by others */
	path_in(path, sizeof(path), spool, "subdir.json");
	assert_int_equal(mkdir(path, 0700), 0);
	path_in(path, sizeof(path), spool, "fifo.json");
	assert_int_equal(mkfifo(path, 0600), 0);
	/* a symlink named like an event, to a file that must stay untouched */
	path_in(target, sizeof(target), tmpdir, "target");
	snprintf(target + strlen(target), sizeof(target) - strlen(target), "%u", serial);
	{
		FILE *f = fopen(target, "w");

		assert_non_null(f);
		fputs("{\"secret\":1}", f);
		fclose(f);
	}
	path_in(path, sizeof(path), spool, "1700000000.link.json");
	assert_int_equal(symlink(target, path), 0);
	/* temporary files: skipped and kept */
	write_raw("1700000000.x.json.tmpAbC123", "{}", 0600);
	write_raw("1700000000.x.json.tmpAbC12", "{}", 0600); /* 5 random chars: junk */
	/* by name: good, open, subdir, fifo and link */
	assert_int_equal(count(), 5);

	memset(&s, 0, sizeof(s));
	nbad = walk(&s, 100);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "1700000000.good");
	assert_string_equal(s.json[0], "{\"ok\":1}");
	assert_int_equal(nbad, 8);
	assert_true(in_bad("notes.txt"));
	assert_true(in_bad(".hidden.json"));
	assert_true(in_bad("a b.json"));
	assert_true(in_bad("1700000000.open.json"));
	assert_true(in_bad("subdir.json"));
	assert_true(in_bad("fifo.json"));
	assert_true(in_bad("1700000000.link.json"));
	assert_true(in_bad("1700000000.x.json.tmpAbC12"));
	assert_true(in_spool("1700000000.x.json.tmpAbC123"));
	assert_false(in_bad("1700000000.x.json.tmpAbC123"));
	assert_true(in_spool("1700000000.good.json"));
	/* moved, not followed */
	path_in(bad, sizeof(bad), spool, "bad/1700000000.link.json");
	assert_int_equal(lstat(bad, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 12);
	path_in(bad, sizeof(bad), spool, "bad");
	assert_int_equal(stat(bad, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* the second walk finds nothing more to move */
	memset(&s, 0, sizeof(s));
	assert_int_equal(walk(&s, 100), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(count(), 1);
}

static void test_quarantine(void **state)
{
	char bad[PATH_MAX], elsewhere[PATH_MAX];
	struct iam_err err = { "" };

	(void)state;
	put("1700000000.a", "{\"a\":1}");
	put("1700000000.b", "{}");
	assert_int_equal(iam_spool_quarantine(spool, "1700000000.a", &err), 0);
	assert_true(in_bad("1700000000.a.json"));
	assert_false(in_spool("1700000000.a.json"));
	assert_int_equal(count(), 1);
	/* again, missing: not an error */
	assert_int_equal(iam_spool_quarantine(spool, "1700000000.a", &err), 0);
	/* an unsafe bad/ is refused: a symlink could move events anywhere */
	path_in(bad, sizeof(bad), spool, "bad");
	path_in(elsewhere, sizeof(elsewhere), tmpdir, "elsewhere");
	snprintf(elsewhere + strlen(elsewhere), sizeof(elsewhere) - strlen(elsewhere), "%u",
		 serial);
	assert_int_equal(rename(bad, elsewhere), 0);
	assert_int_equal(symlink(elsewhere, bad), 0);
	assert_int_equal(iam_spool_quarantine(spool, "1700000000.b", &err), -EPERM);
	assert_contains(err.msg, "bad");
	assert_true(in_spool("1700000000.b.json"));
	assert_int_equal(unlink(bad), 0);
	assert_int_equal(mkdir(bad, 0755), 0);
	assert_int_equal(iam_spool_quarantine(spool, "1700000000.b", &err), -EPERM);
	assert_int_equal(chmod(bad, 0700), 0);
	assert_int_equal(iam_spool_quarantine(spool, "1700000000.b", &err), 0);
	assert_true(in_bad("1700000000.b.json"));
}

/* ---- audit events without an endpoint --------------------------------------- */

static void test_event_id(void **state)
{
	char a[IAM_SPOOL_ID_MAX + 1], b[IAM_SPOOL_ID_MAX + 1];
	struct iam_err err = { "" };
	size_t i;

	(void)state;
	assert_int_equal(iam_event_id(1764403200, a, &err), 0);
	assert_int_equal(iam_event_id(1764403200, b, &err), 0);
	assert_int_equal(strlen(a), 10 + 1 + 9 + 1 + 32);
	assert_memory_equal(a, "1764403200.", 11);
	for (i = 11; i < 20; i++)
		assert_non_null(strchr("0123456789", a[i]));
	assert_int_equal(a[20], '.');
	for (i = 21; i < strlen(a); i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
	assert_true(iam_spool_id_valid(a));
	/* zero-padded to 10 digits, so that name order stays time order */
	assert_int_equal(iam_event_id(5, a, &err), 0);
	assert_memory_equal(a, "0000000005.", 11);
	assert_int_equal(iam_event_id(INT64_MAX, a, &err), 0);
	assert_true(iam_spool_id_valid(a));
	assert_int_equal(iam_event_id(-1, a, &err), -EINVAL);
	/* ids of one second made one after the other sort in that order */
	{
		struct timespec ts;
		char prev[IAM_SPOOL_ID_MAX + 1] = "";
		int k;

		for (k = 0; k < 50; k++) {
			clock_gettime(CLOCK_REALTIME, &ts);
			assert_int_equal(iam_event_id((int64_t)ts.tv_sec, a, &err), 0);
			assert_true(strcmp(prev, a) < 0);
			snprintf(prev, sizeof(prev), "%s", a);
		}
	}
}

static void test_event_new(void **state)
{
	struct json_object *ev = NULL, *v, *data;
	struct iam_err err = { "" };

	(void)state;
	data = json_object_new_object();
	json_object_object_add(data, "service", json_object_new_string("sshd"));
	assert_int_equal(iam_event_new("session.open", "alice", 1764403200, data, &ev, &err), 0);
	assert_true(json_object_object_get_ex(ev, "id", &v));
	assert_true(iam_spool_id_valid(json_object_get_string(v)));
	assert_true(json_object_object_get_ex(ev, "time", &v));
	assert_true(json_object_get_int64(v) == 1764403200);
	assert_true(json_object_object_get_ex(ev, "type", &v));
	assert_string_equal(json_object_get_string(v), "session.open");
	assert_true(json_object_object_get_ex(ev, "user", &v));
	assert_string_equal(json_object_get_string(v), "alice");
	assert_true(json_object_object_get_ex(ev, "data", &v));
	assert_true(json_object_object_get_ex(v, "service", &v));
	json_object_put(ev);
	/* no user, no data */
	assert_int_equal(iam_event_new("login.offline", NULL, 1, NULL, &ev, &err), 0);
	assert_false(json_object_object_get_ex(ev, "user", NULL));
	assert_true(json_object_object_get_ex(ev, "data", &v));
	assert_true(json_object_is_type(v, json_type_object));
	json_object_put(ev);
	/* refused as the endpoint would; data is freed also then (ASan) */
	assert_int_equal(iam_event_new("Session", NULL, 1, json_object_new_object(), &ev, &err),
			 -EINVAL);
	assert_null(ev);
	assert_contains(err.msg, "invalid event type");
	assert_int_equal(iam_event_new("", NULL, 1, NULL, &ev, &err), -EINVAL);
	assert_int_equal(iam_event_new("a b", NULL, 1, NULL, &ev, &err), -EINVAL);
	assert_int_equal(iam_event_new("x", "al\nice", 1, NULL, &ev, &err), -EINVAL);
	assert_int_equal(iam_event_new("x", NULL, 0, NULL, &ev, &err), -EINVAL);
	assert_int_equal(iam_event_new("x", NULL, 1, json_object_new_array(), &ev, &err),
			 -EINVAL);
	assert_contains(err.msg, "data must be a JSON object");
}

/* Without an endpoint the event is only spooled, as it was built. */
static void test_event_report_spool_only(void **state)
{
	struct json_object *ev = NULL, *back = NULL;
	struct iam_err err = { "" };
	struct seen s;
	int delivered = -1;
	char id[IAM_SPOOL_ID_MAX + 1];

	(void)state;
	if (geteuid() != 0) {
		/* iam_event_report accepts only a root-owned spool */
		print_message("skipped: needs root\n");
		skip();
	}
	assert_int_equal(iam_event_new("session.open", "alice", 1764403200, NULL, &ev, &err), 0);
	json_object_object_add(json_object_object_get(ev, "data"), "path",
			       json_object_new_string("/dev/pts/1"));
	assert_int_equal(iam_event_report(NULL, spool, 0, ev, &delivered, &err), 0);
	assert_int_equal(delivered, 0);
	snprintf(id, sizeof(id), "%s", json_object_get_string(json_object_object_get(ev, "id")));
	memset(&s, 0, sizeof(s));
	walk(&s, 10);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], id);
	/* what is spooled parses back to the same object ('/' unescaped) */
	{
		char path[PATH_MAX], name[IAM_SPOOL_ID_MAX + 8], *text = NULL;
		size_t len = 0;
		FILE *f;

		snprintf(name, sizeof(name), "%s.json", id);
		path_in(path, sizeof(path), spool, name);
		f = fopen(path, "r");
		assert_non_null(f);
		text = calloc(1, IAM_SPOOL_MAX_EVENT + 1);
		assert_non_null(text);
		len = fread(text, 1, IAM_SPOOL_MAX_EVENT, f);
		fclose(f);
		assert_non_null(strstr(text, "\"/dev/pts/1\""));
		assert_int_equal(iam_json_parse(text, len, &back, &err), 0);
		free(text);
	}
	assert_true(json_object_equal(ev, back));
	json_object_put(back);
	/* a full spool: the event is lost, and the caller is told */
	assert_int_equal(iam_event_report(NULL, spool, 1, ev, NULL, &err), 0); /* replaces */
	json_object_put(ev);
	assert_int_equal(iam_event_new("session.close", "alice", 1764403300, NULL, &ev, &err), 0);
	assert_int_equal(iam_event_report(NULL, spool, 1, ev, &delivered, &err), -ENOSPC);
	assert_contains(err.msg, "is lost");
	assert_contains(err.msg, "is full");
	json_object_put(ev);
	/* an event without a valid id */
	ev = json_object_new_object();
	json_object_object_add(ev, "id", json_object_new_string("../x"));
	assert_int_equal(iam_event_report(NULL, spool, 0, ev, NULL, &err), -EINVAL);
	json_object_put(ev);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, new_spool)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_created),
		T(test_dir_unsafe),
		T(test_dir_owner),
		T(test_put_each_order),
		T(test_each_many),
		T(test_remove),
		T(test_cap),
		T(test_ids),
		T(test_sizes),
		T(test_junk),
		T(test_quarantine),
		cmocka_unit_test(test_event_id),
		cmocka_unit_test(test_event_new),
		T(test_event_report_spool_only),
	};
#undef T

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
