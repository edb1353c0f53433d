/*
 * The NSS module's contract with glibc, entry point by entry point: a
 * build of the module whose configuration and local files live in this
 * build tree (nss-env/) is loaded with dlopen(RTLD_NOW) and called the way
 * glibc calls it. Needs root (the module trusts only root-owned files).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"

#define ENV IAM_TEST_BUILDDIR "/nss-env"
#define CACHE ENV "/nss.cache"

typedef enum nss_status (*byname_pw)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*byuid_pw)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*byname_gr)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*bygid_gr)(gid_t, struct group *, char *, size_t, int *);
typedef enum nss_status (*setent)(int);
typedef enum nss_status (*endent)(void);
typedef enum nss_status (*pwent)(struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grent)(struct group *, char *, size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long, int *);

static struct {
	void *so;
	byname_pw getpwnam;
	byuid_pw getpwuid;
	byname_gr getgrnam;
	bygid_gr getgrgid;
	setent setpwent, setgrent;
	endent endpwent, endgrent;
	pwent getpwent;
	grent getgrent;
	initgroups_fn initgroups_dyn;
} m;

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

/* A directory of users and groups; extra() may add hostile entries. */
struct dir_spec {
	const char *alice_gecos;
	int with_dave;
	int64_t ops_until_alice, ops_until_bob;
};

static void write_cache(const struct dir_spec *s)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	unsigned char *img = NULL;
	long alice, bob, carol, dev, ops, sudo, dup;
	size_t sz;

	alice = iam_cache_add_user(b, "alice", 200001, 200001, s->alice_gecos, "/home/alice",
				   "/bin/bash", 0);
	bob = iam_cache_add_user(b, "bob", 200002, 200002, "Bob", "/home/bob", "/bin/bash",
				 IAM_CACHE_USER_DISABLED);
	carol = iam_cache_add_user(b, "carol", 200003, 200003, "", "/home/carol", "/bin/sh", 0);
	/* hostile or out of bounds: must never be answered */
	dup = iam_cache_add_user(b, "localdup", 200050, 200050, "", "/home/x", "/bin/sh", 0);
	assert_true(iam_cache_add_user(b, "lowuid", 100, 100, "", "/home/x", "/bin/sh", 0) >= 0);
	if (s->with_dave)
		assert_true(iam_cache_add_user(b, "dave", 200009, 200009, "", "/home/dave", "/bin/sh",
					       0) >= 0);
	dev = iam_cache_add_group(b, "developers", 300001);
	ops = iam_cache_add_group(b, "ops", 300002);
	sudo = iam_cache_add_group(b, "sudo", 300050);
	assert_true(iam_cache_add_group(b, "highgid", 600000) >= 0);
	assert_true(alice >= 0 && bob >= 0 && carol >= 0 && dup >= 0 && dev >= 0 && ops >= 0 &&
		    sudo >= 0);
	iam_cache_add_member(b, dev, alice, 0);
	iam_cache_add_member(b, dev, bob, 0);
	iam_cache_add_member(b, dev, dup, 0);
	iam_cache_add_member(b, ops, alice, s->ops_until_alice);
	iam_cache_add_member(b, ops, bob, s->ops_until_bob);
	iam_cache_add_member(b, sudo, alice, 0);
	assert_int_equal(iam_cache_build(b, 1, time(NULL), &img, &sz, NULL), 0);
	assert_int_equal(iam_cache_write_file(CACHE, img, sz, NULL), 0);
	free(img);
	iam_cache_builder_free(b);
}

static struct dir_spec standard(void)
{
	struct dir_spec s = { "Alice A", 0, 0, 0 };

	s.ops_until_alice = time(NULL) + 3600;  /* an active JIT membership */
	s.ops_until_bob = time(NULL) - 10;      /* one that has ended */
	return s;
}

#define SYM(field, name) \
	do { m.field = (__typeof__(m.field))dlsym(m.so, name); assert_non_null(m.field); } while (0)

static int setup(void **state)
{
	struct dir_spec s = standard();

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "the module trusts only root-owned files: run as root\n");
		exit(77);
	}
	mkdir(ENV, 0755);
	write_text(ENV "/iam.conf", "cache_path = " CACHE "\nid_min = 200000\nid_max = 499999\n");
	write_text(ENV "/passwd", "root:x:0:0:root:/root:/bin/bash\nlocaldup:x:1000:1000::/home/l:/bin/sh\n");
	write_text(ENV "/group", "root:x:0:\nsudo:x:27:\n");
	write_cache(&s);
	m.so = dlopen(IAM_TEST_BUILDDIR "/nss/.libs/libnss_iamtest.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!m.so)
		fprintf(stderr, "dlopen: %s\n", dlerror());
	assert_non_null(m.so);
	SYM(getpwnam, "_nss_iam_getpwnam_r");
	SYM(getpwuid, "_nss_iam_getpwuid_r");
	SYM(getgrnam, "_nss_iam_getgrnam_r");
	SYM(getgrgid, "_nss_iam_getgrgid_r");
	SYM(setpwent, "_nss_iam_setpwent");
	SYM(endpwent, "_nss_iam_endpwent");
	SYM(getpwent, "_nss_iam_getpwent_r");
	SYM(setgrent, "_nss_iam_setgrent");
	SYM(endgrent, "_nss_iam_endgrent");
	SYM(getgrent, "_nss_iam_getgrent_r");
	SYM(initgroups_dyn, "_nss_iam_initgroups_dyn");
	/* nothing of common/ leaks out */
	assert_null(dlsym(m.so, "iam_cache_open"));
	assert_null(dlsym(m.so, "nss_acquire"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(CACHE);
	return 0;
}

static void test_getpwnam(void **state)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	(void)state;
	errno = 1234;
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_int_equal(errno, 1234); /* errno preserved on success */
	assert_string_equal(pw.pw_name, "alice");
	assert_string_equal(pw.pw_passwd, "x");
	assert_int_equal(pw.pw_uid, 200001);
	assert_int_equal(pw.pw_gid, 200001);
	assert_string_equal(pw.pw_gecos, "Alice A");
	assert_string_equal(pw.pw_dir, "/home/alice");
	assert_string_equal(pw.pw_shell, "/bin/bash");
	/* every pointer into the caller's buffer */
	assert_true(pw.pw_name >= buf && pw.pw_shell < buf + sizeof(buf));
	assert_int_equal(m.getpwuid(200003, &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "carol");
	assert_string_equal(pw.pw_gecos, "");
}

static void test_not_found(void **state)
{
	static const char *const names[] = { "dave", "Alice", "a:b", "", "-x", "root",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct passwd pw;
	struct group gr;
	char buf[1024];
	size_t i;
	int err;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err = 0;
		assert_int_equal(m.getpwnam(names[i], &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
		assert_int_equal(err, ENOENT);
		err = 0;
		assert_int_equal(m.getgrnam(names[i], &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
		assert_int_equal(err, ENOENT);
	}
	assert_int_equal(m.getpwnam(NULL, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwuid(0, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwuid(200999, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getgrgid(0, &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

/* Rule 2: ids outside the range and names that exist locally are never
 * answered, whatever the cache says. */
static void test_boundaries(void **state)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err;

	(void)state;
	assert_int_equal(m.getpwnam("localdup", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwuid(200050, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwnam("lowuid", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwuid(100, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getgrnam("sudo", &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getgrgid(300050, &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getgrnam("highgid", &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	/* a shadowed user is not listed as a member either */
	assert_int_equal(m.getgrnam("developers", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_mem[0], "alice");
	assert_string_equal(gr.gr_mem[1], "bob");
	assert_null(gr.gr_mem[2]);
}

/* The module looks at the local files at most once a second. */
static void next_second(void)
{
	time_t t = time(NULL);

	while (time(NULL) == t)
		usleep(20000);
}

/* Without its local files the module cannot keep the local-name rule, so
 * it answers nothing; and it reads them as they are (any size, any mode),
 * unlike configuration files. */
static void test_local_files_fail_closed(void **state)
{
	struct passwd pw;
	char buf[1024];
	FILE *f;
	long i;
	int err = 0;

	(void)state;
	assert_int_equal(rename(ENV "/passwd", ENV "/passwd.away"), 0);
	next_second();
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, ENOENT);
	/* 20 MiB of local users, group-writable by a non-root group: still
	 * read, and localdup at its very end still shadows the directory's */
	f = fopen(ENV "/passwd", "w");
	for (i = 0; i < 300000; i++)
		fprintf(f, "local%06ld:x:%ld:%ld:padding padding padding:/home/l:/bin/sh\n", i,
			i + 2000, i + 2000);
	fprintf(f, "localdup:x:1000:1000::/home/l:/bin/sh\n");
	fclose(f);
	assert_int_equal(chown(ENV "/passwd", 0, 100), 0);
	assert_int_equal(chmod(ENV "/passwd", 0664), 0);
	next_second();
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_int_equal(m.getpwnam("localdup", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwuid(200050, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(rename(ENV "/passwd.away", ENV "/passwd"), 0);
	next_second();
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

/* A cache patched to give alice uid 0 (and sealed again) gives nothing. */
static void test_uid_zero_refused(void **state)
{
	struct dir_spec s = standard();
	struct passwd pw;
	char buf[1024];
	unsigned char *img;
	struct iam_cache c;
	struct stat st;
	FILE *f;
	long i;
	int err;

	(void)state;
	assert_int_equal(stat(CACHE, &st), 0);
	img = aligned_alloc(8, ((size_t)st.st_size + 7) & ~(size_t)7);
	f = fopen(CACHE, "r");
	assert_int_equal(fread(img, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	assert_int_equal(iam_cache_open(&c, img, (size_t)st.st_size, NULL), 0);
	i = iam_cache_find_user(&c, "alice");
	((struct iam_cache_user *)(uintptr_t)&c.users[i])->uid = 0;
	iam_cache_close(&c);
	assert_int_equal(iam_cache_seal(img, (size_t)st.st_size), 0);
	assert_int_equal(iam_cache_write_file(CACHE, img, (size_t)st.st_size, NULL), 0);
	free(img);
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m.getpwuid(0, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	write_cache(&s);
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

static void test_disabled_user_gets_nologin(void **state)
{
	struct passwd pw;
	char buf[1024];
	int err;

	(void)state;
	assert_int_equal(m.getpwnam("bob", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_shell, "/usr/sbin/nologin");
	assert_int_equal(pw.pw_uid, 200002);
}

/* glibc retries with a bigger buffer on ERANGE: every size up to the
 * needed one must say so, and the needed one must work. */
static void test_erange_every_size(void **state)
{
	char big[4096], *buf;
	struct passwd pw;
	struct group gr;
	size_t len, need_pw = 0, need_gr = 0;
	int err;

	(void)state;
	for (len = 1; !need_pw && len < sizeof(big); len++) {
		buf = malloc(len);
		err = 0;
		switch (m.getpwnam("alice", &pw, buf, len, &err)) {
		case NSS_STATUS_SUCCESS: need_pw = len; break;
		case NSS_STATUS_TRYAGAIN: assert_int_equal(err, ERANGE); break;
		default: fail_msg("getpwnam with %zu bytes", len);
		}
		free(buf);
	}
	assert_int_equal(need_pw, strlen("alice") + 1 + 2 + strlen("Alice A") + 1 +
			 strlen("/home/alice") + 1 + strlen("/bin/bash") + 1);
	for (len = 1; !need_gr && len < sizeof(big); len++) {
		buf = malloc(len);
		err = 0;
		switch (m.getgrgid(300001, &gr, buf, len, &err)) {
		case NSS_STATUS_SUCCESS:
			need_gr = len;
			assert_string_equal(gr.gr_name, "developers");
			break;
		case NSS_STATUS_TRYAGAIN: assert_int_equal(err, ERANGE); break;
		default: fail_msg("getgrgid with %zu bytes", len);
		}
		free(buf);
	}
	assert_true(need_gr > 3 * sizeof(char *));
	assert_int_equal(m.getpwuid(200001, &pw, big, 3, &err), NSS_STATUS_TRYAGAIN);
	assert_int_equal(err, ERANGE);
	assert_int_equal(m.getgrnam("ops", &gr, big, 3, &err), NSS_STATUS_TRYAGAIN);
}

/* A JIT membership exists only before its end, at the time of the call. */
static void test_jit_membership_ends_on_time(void **state)
{
	struct group gr;
	char buf[1024];
	gid_t *groups = malloc(4 * sizeof(gid_t));
	long start = 0, size = 4, k;
	int err, in_ops = 0;

	(void)state;
	assert_int_equal(m.getgrnam("ops", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_mem[0], "alice");
	assert_null(gr.gr_mem[1]); /* bob's ended 10 s ago */
	assert_int_equal(m.initgroups_dyn("bob", 200002, &start, &size, &groups, 0, &err),
			 NSS_STATUS_SUCCESS);
	for (k = 0; k < start; k++)
		in_ops |= groups[k] == 300002;
	assert_false(in_ops);
	assert_int_equal(start, 1); /* developers */
	free(groups);
}

static void test_initgroups(void **state)
{
	gid_t *groups = malloc(sizeof(gid_t));
	long start = 1, size = 1;
	int err;

	(void)state;
	groups[0] = 200001; /* glibc puts the primary group first */
	assert_int_equal(m.initgroups_dyn("alice", 200001, &start, &size, &groups, 0, &err),
			 NSS_STATUS_SUCCESS);
	/* developers and ops; not sudo (a local name), no duplicates */
	assert_int_equal(start, 3);
	assert_true(size >= 3);
	assert_int_equal(groups[1], 300001);
	assert_int_equal(groups[2], 300002);
	/* the limit holds */
	start = 1;
	assert_int_equal(m.initgroups_dyn("alice", 200001, &start, &size, &groups, 2, &err),
			 NSS_STATUS_SUCCESS);
	assert_true(start <= 3);
	start = 0;
	assert_int_equal(m.initgroups_dyn("nobody", 1, &start, &size, &groups, 0, &err),
			 NSS_STATUS_NOTFOUND);
	assert_int_equal(m.initgroups_dyn("localdup", 1, &start, &size, &groups, 0, &err),
			 NSS_STATUS_NOTFOUND);
	free(groups);
}

static void test_enumeration(void **state)
{
	struct dir_spec s = standard();
	char buf[1024], tiny[4];
	struct passwd pw;
	struct group gr;
	int err, n = 0;

	(void)state;
	m.setpwent(0);
	assert_int_equal(m.getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "alice");
	/* a short buffer does not move the walk */
	assert_int_equal(m.getpwent(&pw, tiny, sizeof(tiny), &err), NSS_STATUS_TRYAGAIN);
	assert_int_equal(err, ERANGE);
	assert_int_equal(m.getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "bob");
	/* keyed lookups do not move it either */
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	/* the cache is replaced mid-walk: it goes on after bob */
	s.with_dave = 1;
	write_cache(&s);
	assert_int_equal(m.getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "carol");
	assert_int_equal(m.getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "dave");
	assert_int_equal(m.getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(err, ENOENT);
	m.endpwent();
	m.setgrent(0);
	while (m.getgrent(&gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS) {
		assert_true(gr.gr_gid == 300001 || gr.gr_gid == 300002);
		n++;
	}
	assert_int_equal(n, 2); /* sudo and highgid are never listed */
	m.endgrent();
	s.with_dave = 0;
	write_cache(&s);
}

/* No usable cache: UNAVAIL, so that glibc moves on to the next service. */
static void test_no_cache(void **state)
{
	struct dir_spec s = standard();
	struct passwd pw;
	char buf[1024];
	FILE *f;
	int err = 0;

	(void)state;
	unlink(CACHE);
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, ENOENT);
	f = fopen(CACHE, "w");
	fputs("not a cache", f);
	fclose(f);
	assert_int_equal(m.getpwuid(200001, &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	write_cache(&s);
	/* a replacement is noticed at the next call */
	assert_int_equal(m.getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

/* 16 threads look up while the cache is replaced 100 times: every answer
 * is complete and one of the two versions, never a mix, never a crash. */
static atomic_int stop_threads;

static void *lookups(void *arg)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	long bad = 0;
	int err;

	(void)arg;
	while (!stop_threads) {
		if (m.getpwnam("alice", &pw, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS ||
		    pw.pw_uid != 200001 ||
		    (strcmp(pw.pw_gecos, "v1") != 0 && strcmp(pw.pw_gecos, "v2") != 0))
			bad++;
		if (m.getgrgid(300001, &gr, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS ||
		    strcmp(gr.gr_name, "developers") != 0 || !gr.gr_mem[0] ||
		    strcmp(gr.gr_mem[0], "alice") != 0)
			bad++;
	}
	return (void *)bad;
}

static void test_threads_while_replaced(void **state)
{
	struct dir_spec s = standard();
	pthread_t t[16];
	void *bad;
	long total = 0;
	int i;

	(void)state;
	s.alice_gecos = "v1";
	write_cache(&s);
	stop_threads = 0;
	for (i = 0; i < 16; i++)
		assert_int_equal(pthread_create(&t[i], NULL, lookups, NULL), 0);
	for (i = 0; i < 100; i++) {
		s.alice_gecos = (i % 2) ? "v1" : "v2";
		write_cache(&s);
	}
	stop_threads = 1;
	for (i = 0; i < 16; i++) {
		pthread_join(t[i], &bad);
		total += (long)bad;
	}
	assert_int_equal(total, 0);
	s.alice_gecos = "Alice A";
	write_cache(&s);
}

/* A child forked while other threads look up still works. */
static void test_fork(void **state)
{
	pthread_t t[4];
	struct passwd pw;
	char buf[1024];
	int i, status = -1, err;
	pid_t pid;

	(void)state;
	stop_threads = 0;
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, lookups, NULL);
	for (i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0)
			_exit(m.getpwnam("carol", &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS ? 0 : 1);
		waitpid(pid, &status, 0);
		assert_int_equal(status, 0);
	}
	stop_threads = 1;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

/* A user in 2,000 groups, a group of 50,000 members. */
static void test_large(void **state)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	unsigned char *img = NULL;
	struct dir_spec s = standard();
	size_t sz, buflen = 2 << 20;
	char name[32], *buf = malloc(buflen);
	gid_t *groups = malloc(sizeof(gid_t));
	long i, big, start = 0, size = 1;
	struct group gr;
	int err;

	(void)state;
	for (i = 0; i < 50000; i++) {
		snprintf(name, sizeof(name), "u%ld", i);
		iam_cache_add_user(b, name, 200000 + (uint32_t)i, 200000 + (uint32_t)i, "", "/home/u",
				   "/bin/sh", 0);
	}
	big = iam_cache_add_group(b, "everyone", 400000);
	for (i = 0; i < 50000; i++)
		iam_cache_add_member(b, big, i, 0);
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "g%ld", i);
		iam_cache_add_member(b, iam_cache_add_group(b, name, 410000 + (uint32_t)i), 7, 0);
	}
	assert_int_equal(iam_cache_build(b, 2, 1, &img, &sz, NULL), 0);
	assert_int_equal(iam_cache_write_file(CACHE, img, sz, NULL), 0);
	assert_int_equal(m.getgrnam("everyone", &gr, buf, buflen, &err), NSS_STATUS_SUCCESS);
	for (i = 0; gr.gr_mem[i]; i++)
		;
	assert_int_equal(i, 50000);
	assert_int_equal(m.getgrnam("everyone", &gr, buf, 100000, &err), NSS_STATUS_TRYAGAIN);
	assert_int_equal(m.initgroups_dyn("u7", 200007, &start, &size, &groups, 0, &err),
			 NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2001);
	free(groups);
	free(buf);
	free(img);
	iam_cache_builder_free(b);
	write_cache(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getpwnam),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_uid_zero_refused),
		cmocka_unit_test(test_local_files_fail_closed),
		cmocka_unit_test(test_disabled_user_gets_nologin),
		cmocka_unit_test(test_erange_every_size),
		cmocka_unit_test(test_jit_membership_ends_on_time),
		cmocka_unit_test(test_initgroups),
		cmocka_unit_test(test_enumeration),
		cmocka_unit_test(test_no_cache),
		cmocka_unit_test(test_threads_while_replaced),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
