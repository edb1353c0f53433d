/*
 * nssflat MODULE N [SECONDS]: a long-running process's memory while it
 * resolves and the cache is replaced under it. Loads MODULE (a build of
 * libnss_iam whose configuration is the test's) with dlopen, makes N
 * lookups (getpwnam, getgrnam, getpwuid, initgroups_dyn in turn), and more
 * until SECONDS have passed (so that a slow replacer, under a sanitizer,
 * still replaces often during the run), and prints the resident set size
 * after 10 % of the N and at the end. Exit 1 when a lookup of a user
 * that every cache holds fails or when the RSS grew by more than 1 MiB
 * after the first 10 % (a leak per lookup or per cache replacement would
 * show as growth; mmap'd caches come and go as whole mappings).
 */
#include "config.h"

#include <dlfcn.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum nss_status (*byname_pw)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*byuid_pw)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*byname_gr)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long,
					 int *);

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return kib;
}

struct fns {
	byname_pw getpwnam;
	byuid_pw getpwuid;
	byname_gr getgrnam;
	initgroups_fn initgroups;
};

/* One lookup of kind i % 4; 0 when it found what every cache holds. */
static int lookup(const struct fns *f, long i)
{
	char buf[4096];
	struct passwd pw;
	struct group gr;
	int err = 0;

	switch (i % 4) {
	case 0:
		return f->getpwnam("alice", &pw, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS;
	case 1:
		return f->getpwuid(200003, &pw, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS;
	case 2:
		return f->getgrnam("developers", &gr, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS;
	default: {
		long start = 0, size = 8;
		gid_t *groups = malloc((size_t)size * sizeof(*groups));
		enum nss_status s;

		if (!groups)
			return 1;
		s = f->initgroups("alice", 200001, &start, &size, &groups, 64, &err);
		free(groups);
		return s != NSS_STATUS_SUCCESS || start < 1;
	}
	}
}

int main(int argc, char **argv)
{
	struct fns f;
	struct timespec t0, t;
	void *so;
	long n, i, warm, base = 0, end, failed = 0, seconds = 0;

	if (argc < 3 || argc > 4 || (n = strtol(argv[2], NULL, 10)) < 100 ||
	    (argc == 4 && (seconds = strtol(argv[3], NULL, 10)) < 0)) {
		fprintf(stderr, "usage: nssflat MODULE N [SECONDS] (N >= 100)\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	so = dlopen(argv[1], RTLD_NOW);
	if (!so) {
		fprintf(stderr, "nssflat: %s\n", dlerror());
		return 2;
	}
	f.getpwnam = (byname_pw)dlsym(so, "_nss_iam_getpwnam_r");
	f.getpwuid = (byuid_pw)dlsym(so, "_nss_iam_getpwuid_r");
	f.getgrnam = (byname_gr)dlsym(so, "_nss_iam_getgrnam_r");
	f.initgroups = (initgroups_fn)dlsym(so, "_nss_iam_initgroups_dyn");
	if (!f.getpwnam || !f.getpwuid || !f.getgrnam || !f.initgroups) {
		fprintf(stderr, "nssflat: an entry point is missing\n");
		return 2;
	}
	warm = n / 10;
	for (i = 0;; i++) {
		if (i >= n && i % 1000 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= seconds)
				break;
		}
		failed += lookup(&f, i);
		if (i == warm)
			base = rss_kib();
	}
	n = i;
	end = rss_kib();
	printf("lookups %ld failed %ld rss_after_10pct_kib %ld rss_end_kib %ld growth_kib %ld\n", n,
	       failed, base, end, end - base);
	return failed == 0 && end - base <= 1024 ? 0 : 1;
}
