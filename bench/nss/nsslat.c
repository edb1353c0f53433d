/*
 * nsslat: latency of glibc's user and group lookups, whichever NSS service
 * nsswitch.conf selects (run it inside the private mount namespace that
 * bench/nss/run.sh sets up).
 *
 *   nsslat --passwd FILE --group FILE [--iters N] [--min-iters N]
 *          [--budget SECONDS] [--warmup N] [--seed S] [--enum-reps N]
 *   nsslat --cold NAME       time one getpwnam_r(NAME) in this fresh process
 *
 * FILE are the generated passwd and group files (read directly, not through
 * NSS): they give the keys. For each call type (getpwnam_r, getpwuid_r,
 * getgrnam_r, getgrgid_r, getgrouplist), hits and misses, it draws keys at
 * random (splitmix64, fixed seed, one stream per call type, so every service
 * sees the same sequence), warms up with --warmup calls of another stream,
 * (at most a fifth of --budget seconds), then times each call with
 * clock_gettime(CLOCK_MONOTONIC) until --iters calls are done or --budget
 * seconds have passed (at least --min-iters). getgrnam and getgrgid are
 * also timed on the biggest groups alone (kind=big: 1,000 members or more).
 * Misses are names that the generator never makes and ids above the
 * generated ones (inside the configured id range).
 *
 * Output, one line per measurement, "key=value" pairs:
 *   op=getpwnam kind=hit|miss|big n=... found=... p50_us=... p99_us=... mean_us=...
 *      max_us=... verify=HEX
 *   enum=getpwent count=... reps=... median_ms=... min_ms=...
 *   timer_overhead_ns=...   other_cpu_pct=...   (the rest of the machine)
 * For getgrouplist, "found" counts answers with more than the primary group
 * (users with supplementary groups); the miss is a name that does not exist.
 * p50/p99 are nearest-rank over the timed calls. "verify" is a hash of the
 * answers to the first --min-iters calls (order-independent for member and
 * group lists): equal values across services mean equal answers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct user {
	char *name;
	uid_t uid;
	gid_t gid;
};

struct group_key {
	char *name;
	gid_t gid;
};

static struct user *users;
static size_t nusers;
static struct group_key *groups;
static size_t ngroups;
static size_t *big_groups; /* indexes of the groups with at least BIG members */
static size_t nbig;
#define BIG 1000
static uid_t uid_miss_base;
static gid_t gid_miss_base;

static char *buf;
static size_t buflen = 1 << 16;
static gid_t *glist;
static int glist_cap = 1024;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* FNV-1a, for the verification hashes */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	if (h == 0)
		h = 14695981039346656037ull;
	while (n--) {
		h ^= *c++;
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		perror("nsslat");
		exit(1);
	}
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "nsslat: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	text = xmalloc((size_t)size + 1);
	if (fread(text, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "nsslat: %s: short read\n", path);
		exit(1);
	}
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}

/* Splits a passwd- or group-format line into at most max fields in place. */
static int fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (; *line && n < max; line++)
		if (*line == ':') {
			*line = '\0';
			f[n++] = line + 1;
		}
	return n;
}

static void load_keys(const char *passwd, const char *group)
{
	size_t len, i, lines;
	char *text, *line, *next, *f[7];

	text = slurp(passwd, &len);
	for (i = 0, lines = 0; i < len; i++)
		lines += text[i] == '\n';
	users = xmalloc((lines + 1) * sizeof(*users));
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (fields(line, f, 7) < 7)
			continue;
		users[nusers].name = f[0];
		users[nusers].uid = (uid_t)strtoul(f[2], NULL, 10);
		users[nusers].gid = (gid_t)strtoul(f[3], NULL, 10);
		if (users[nusers].uid >= uid_miss_base)
			uid_miss_base = users[nusers].uid + 1000;
		nusers++;
	}
	text = slurp(group, &len);
	for (i = 0, lines = 0; i < len; i++)
		lines += text[i] == '\n';
	groups = xmalloc((lines + 1) * sizeof(*groups));
	big_groups = xmalloc((lines + 1) * sizeof(*big_groups));
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (fields(line, f, 4) < 4)
			continue;
		groups[ngroups].name = f[0];
		groups[ngroups].gid = (gid_t)strtoul(f[2], NULL, 10);
		{
			size_t members = *f[3] != '\0';

			for (char *c = f[3]; *c; c++)
				members += *c == ',';
			if (members >= BIG)
				big_groups[nbig++] = ngroups;
		}
		if (groups[ngroups].gid >= gid_miss_base)
			gid_miss_base = groups[ngroups].gid + 1000;
		ngroups++;
	}
	if (!nusers || !ngroups) {
		fprintf(stderr, "nsslat: no users or no groups in the key files\n");
		exit(1);
	}
}

enum op { PWNAM, PWUID, GRNAM, GRGID, GROUPLIST, NOPS };
static const char *const op_name[NOPS] = { "getpwnam", "getpwuid", "getgrnam", "getgrgid",
					   "getgrouplist" };

static uint64_t hash_passwd(const struct passwd *pw)
{
	uint64_t h = fnv_str(0, pw->pw_name);

	h = fnv(h, &pw->pw_uid, sizeof(pw->pw_uid));
	h = fnv(h, &pw->pw_gid, sizeof(pw->pw_gid));
	h = fnv_str(h, pw->pw_gecos);
	h = fnv_str(h, pw->pw_dir);
	return fnv_str(h, pw->pw_shell);
}

static uint64_t hash_group(const struct group *gr)
{
	uint64_t h = fnv_str(0, gr->gr_name), sum = 0, n = 0;
	char **m;

	h = fnv(h, &gr->gr_gid, sizeof(gr->gr_gid));
	for (m = gr->gr_mem; m && *m; m++, n++)
		sum += fnv_str(0, *m); /* members in any order */
	h = fnv(h, &n, sizeof(n));
	return fnv(h, &sum, sizeof(sum));
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static void grow_buf(void)
{
	buflen *= 2;
	free(buf);
	buf = xmalloc(buflen);
}

/* One call of the given type for key number k (hit) or a missing key.
 * Returns 1 when found; *h gets a hash of the answer. ERANGE retries with a
 * bigger buffer, inside the timing, as a caller would. */
static int call(enum op op, int hit, uint64_t k, uint64_t *h)
{
	char miss_name[32];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	const struct user *u = &users[k % nusers];
	const struct group_key *g = hit == 2 ? &groups[big_groups[k % nbig]] : &groups[k % ngroups];
	int r, n;

	*h = 0;
	if (!hit)
		snprintf(miss_name, sizeof(miss_name), "zzmiss%07" PRIu64, k % 10000000);
	switch (op) {
	case PWNAM:
	case PWUID:
		do {
			if (op == PWNAM)
				r = getpwnam_r(hit ? u->name : miss_name, &pw, buf, buflen, &pwp);
			else
				r = getpwuid_r(hit ? u->uid : uid_miss_base + (uid_t)(k % 100000), &pw, buf,
					       buflen, &pwp);
			if (r == ERANGE)
				grow_buf();
		} while (r == ERANGE);
		if (pwp)
			*h = hash_passwd(pwp);
		return pwp != NULL;
	case GRNAM:
	case GRGID:
		do {
			if (op == GRNAM)
				r = getgrnam_r(hit ? g->name : miss_name, &gr, buf, buflen, &grp);
			else
				r = getgrgid_r(hit ? g->gid : gid_miss_base + (gid_t)(k % 100000), &gr, buf,
					       buflen, &grp);
			if (r == ERANGE)
				grow_buf();
		} while (r == ERANGE);
		if (grp)
			*h = hash_group(grp);
		return grp != NULL;
	case GROUPLIST:
		for (;;) {
			n = glist_cap;
			r = getgrouplist(hit ? u->name : miss_name, u->gid, glist, &n);
			if (r >= 0)
				break;
			glist_cap = n > glist_cap ? n : glist_cap * 2;
			free(glist);
			glist = xmalloc((size_t)glist_cap * sizeof(gid_t));
		}
		qsort(glist, (size_t)n, sizeof(gid_t), cmp_gid);
		*h = fnv(0, glist, (size_t)n * sizeof(gid_t));
		/* found: more groups than the primary one passed in */
		return n > 1;
	default:
		return 0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double rank(const uint64_t *sorted, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n + 0.999999999);

	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return (double)sorted[i - 1] / 1000.0;
}

static void measure(enum op op, int hit, size_t iters, size_t min_iters, double budget,
		    size_t warmup, uint64_t seed, uint64_t *samples)
{
	uint64_t rs = seed ^ (0x1000u * (unsigned)op + (unsigned)hit), ws = ~rs, h, vh = 0, sum = 0;
	size_t i, found = 0;
	double t0;

	t0 = now_s();
	for (i = 0; i < warmup && (i == 0 || now_s() - t0 < budget / 5); i++)
		call(op, hit, splitmix64(&ws), &h);
	t0 = now_s();
	for (i = 0; i < iters; i++) {
		uint64_t k = splitmix64(&rs), a, b;
		int f;

		if (i >= min_iters && now_s() - t0 > budget)
			break;
		a = now_ns();
		f = call(op, hit, k, &h);
		b = now_ns();
		samples[i] = b - a;
		found += (size_t)f;
		if (i < min_iters)
			vh = fnv(vh, &h, sizeof(h));
	}
	for (size_t j = 0; j < i; j++)
		sum += samples[j];
	qsort(samples, i, sizeof(uint64_t), cmp_u64);
	printf("op=%s kind=%s n=%zu found=%zu p50_us=%.2f p99_us=%.2f mean_us=%.2f max_us=%.2f "
	       "verify=%016" PRIx64 "\n",
	       op_name[op], hit == 2 ? "big" : hit ? "hit" : "miss", i, found, rank(samples, i, 0.5),
	       rank(samples, i, 0.99), (double)sum / (double)i / 1000.0,
	       (double)samples[i - 1] / 1000.0, vh);
	fflush(stdout);
}

static void enumerate(int groups_db, int reps, double budget)
{
	uint64_t t[64];
	size_t count = 0;
	int r, done;
	double t0 = now_s();

	if (reps > 64)
		reps = 64;
	for (done = 0; done < reps; done++) {
		uint64_t a;

		if (done > 0 && now_s() - t0 > budget)
			break;
		count = 0;
		a = now_ns();
		if (groups_db) {
			struct group gr, *grp;

			setgrent();
			for (;;) {
				r = getgrent_r(&gr, buf, buflen, &grp);
				if (r == ERANGE) {
					grow_buf();
					continue;
				}
				if (r != 0)
					break;
				count++;
			}
			endgrent();
		} else {
			struct passwd pw, *pwp;

			setpwent();
			for (;;) {
				r = getpwent_r(&pw, buf, buflen, &pwp);
				if (r == ERANGE) {
					grow_buf();
					continue;
				}
				if (r != 0)
					break;
				count++;
			}
			endpwent();
		}
		t[done] = now_ns() - a;
	}
	qsort(t, (size_t)done, sizeof(uint64_t), cmp_u64);
	printf("enum=%s count=%zu reps=%d median_ms=%.3f min_ms=%.3f\n", groups_db ? "getgrent" : "getpwent",
	       count, done, (double)t[(done - 1) / 2] / 1e6, (double)t[0] / 1e6);
	fflush(stdout);
}

/* Busy jiffies of the whole machine (user+nice+system+irq+softirq+steal). */
static double machine_busy_s(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
	const char *passwd = NULL, *group = NULL, *cold = NULL;
	size_t iters = 20000, min_iters = 20, warmup = 200;
	double budget = 5, busy0, self0, wall0, wall;
	uint64_t seed = 1, *samples;
	int enum_reps = 5, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			goto usage;
		if (!strcmp(a, "--passwd"))
			passwd = v;
		else if (!strcmp(a, "--group"))
			group = v;
		else if (!strcmp(a, "--iters"))
			iters = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--min-iters"))
			min_iters = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--budget"))
			budget = strtod(v, NULL);
		else if (!strcmp(a, "--warmup"))
			warmup = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--enum-reps"))
			enum_reps = atoi(v);
		else if (!strcmp(a, "--cold"))
			cold = v;
		else
			goto usage;
		i++;
	}
	buf = xmalloc(buflen);
	glist = xmalloc((size_t)glist_cap * sizeof(gid_t));
	if (cold) {
		/* the first lookup of a fresh process: glibc reads nsswitch.conf
		 * and loads the modules, the module sets itself up */
		struct passwd pw, *pwp = NULL;
		uint64_t a = now_ns(), b;
		int r = getpwnam_r(cold, &pw, buf, buflen, &pwp);

		b = now_ns();
		printf("cold_us=%.1f found=%d r=%d\n", (double)(b - a) / 1000.0, pwp != NULL, r);
		return 0;
	}
	if (!passwd || !group || !iters || min_iters < 1)
		goto usage;
	if (min_iters > iters)
		min_iters = iters;
	load_keys(passwd, group);
	samples = xmalloc(iters * sizeof(uint64_t));
	{
		uint64_t a = now_ns(), b = a;

		for (i = 0; i < 1000000; i++)
			b = now_ns();
		printf("timer_overhead_ns=%.1f\n", (double)(b - a) / 1e6);
	}
	busy0 = machine_busy_s();
	self0 = self_cpu_s();
	wall0 = now_s();
	for (int op = 0; op < NOPS; op++) {
		for (int hit = 1; hit >= 0; hit--)
			measure((enum op)op, hit, iters, min_iters, budget, warmup, seed, samples);
		/* lookups of the biggest groups (BIG members or more) only */
		if ((op == GRNAM || op == GRGID) && nbig)
			measure((enum op)op, 2, iters, min_iters, budget, warmup, seed, samples);
	}
	enumerate(0, enum_reps, budget);
	enumerate(1, enum_reps, budget);
	wall = now_s() - wall0;
	printf("other_cpu_pct=%.0f wall_s=%.1f\n",
	       100.0 * (machine_busy_s() - busy0 - (self_cpu_s() - self0)) / wall, wall);
	return 0;
usage:
	fprintf(stderr, "usage: nsslat --passwd FILE --group FILE [--iters N] [--min-iters N] "
			"[--budget S] [--warmup N] [--seed S] [--enum-reps N]\n"
			"       nsslat --cold NAME\n");
	return 2;
}
