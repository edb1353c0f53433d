/*
 * gendata: a synthetic directory in passwd(5) and group(5) format, for the
 * NSS benchmark (bench/nss/run.sh). Deterministic for a given seed.
 *
 *   gendata --users N --dir DIR [--seed S] [--uid-base U] [--gid-base G]
 *           [--extra K]
 *
 * Writes DIR/passwd (N users) and DIR/group (max(N/10, 1) groups); with
 * --extra K also DIR/passwd.plusK: the same N lines followed by K new users
 * (a delta of K users for the rebuild measurement).
 *
 * Users: uid = uid-base + i; names of 8 characters (two letters from a hash
 * of i, six digits of i), so name order is not uid order; GECOS "User i",
 * home /home/NAME, shell /bin/bash; primary gid one of the groups.
 * Groups: gid = gid-base + j, names "team" + 6 digits. Sizes: a handful of
 * big groups (5 from 100,000 users, 3 from 10,000, else 2) with 1,000 to
 * 5,000 members (at most N); of the rest, 90 % have 1 to 5 members and 10 %
 * 6 to 200. Members are distinct random users.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(void) { return splitmix64(&rng_state); }
static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

static uint64_t hash_u64(uint64_t x)
{
	uint64_t s = x * 0x2545f4914f6cdd1dull + 12345;

	return splitmix64(&s);
}

static void user_name(char *out, size_t len, uint64_t i)
{
	uint64_t h = hash_u64(i);

	snprintf(out, len, "%c%c%06" PRIu64, 'a' + (int)(h % 26), 'a' + (int)((h / 26) % 26), i);
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "gendata: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static void close_out(FILE *f)
{
	if (fclose(f) != 0) {
		perror("gendata: write");
		exit(1);
	}
}

static void write_user(FILE *f, uint64_t i, uint64_t uid_base, uint64_t gid_base, uint64_t ngroups)
{
	char name[32];

	user_name(name, sizeof(name), i);
	fprintf(f, "%s:x:%" PRIu64 ":%" PRIu64 ":User %" PRIu64 ":/home/%s:/bin/bash\n", name,
		uid_base + i, gid_base + hash_u64(i ^ 0x5a5a) % ngroups, i, name);
}

int main(int argc, char **argv)
{
	uint64_t n = 0, seed = 42, uid_base = 1000000, gid_base = 3000000, extra = 0;
	uint64_t ngroups, nbig, i, j, k;
	const char *dir = NULL;
	unsigned char *mark;
	uint64_t *picked;
	FILE *f;

	for (i = 1; i < (uint64_t)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (uint64_t)argc ? argv[i + 1] : NULL;

		if (!v) {
			fprintf(stderr, "gendata: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--users"))
			n = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--dir"))
			dir = v;
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--uid-base"))
			uid_base = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--gid-base"))
			gid_base = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--extra"))
			extra = strtoull(v, NULL, 10);
		else {
			fprintf(stderr, "usage: gendata --users N --dir DIR [--seed S] [--uid-base U] "
					"[--gid-base G] [--extra K]\n");
			return 2;
		}
		i++;
	}
	if (!n || !dir) {
		fprintf(stderr, "gendata: --users N and --dir DIR are required\n");
		return 2;
	}
	rng_state = seed;
	ngroups = n / 10 ? n / 10 : 1;
	nbig = n >= 100000 ? 5 : n >= 10000 ? 3 : 2;
	if (nbig > ngroups)
		nbig = ngroups;

	f = open_out(dir, "passwd");
	for (i = 0; i < n; i++)
		write_user(f, i, uid_base, gid_base, ngroups);
	close_out(f);
	if (extra) {
		char name[64];

		snprintf(name, sizeof(name), "passwd.plus%" PRIu64, extra);
		f = open_out(dir, name);
		for (i = 0; i < n + extra; i++)
			write_user(f, i, uid_base, gid_base, ngroups);
		close_out(f);
	}

	mark = calloc(n, 1);
	picked = malloc(5000 * sizeof(*picked));
	if (!mark || !picked)
		return 1;
	f = open_out(dir, "group");
	for (j = 0; j < ngroups; j++) {
		uint64_t size;
		int big = 0;

		/* the big groups are spread over the file */
		for (k = 0; k < nbig; k++)
			if (j == (2 * k + 1) * ngroups / (2 * nbig))
				big = 1;
		if (big)
			size = 1000 + rnd_below(4001);
		else if (rnd_below(10) < 9)
			size = 1 + rnd_below(5);
		else
			size = 6 + rnd_below(195);
		if (size > n)
			size = n;
		fprintf(f, "team%06" PRIu64 ":x:%" PRIu64 ":", j, gid_base + j);
		for (k = 0; k < size;) {
			uint64_t u = rnd_below(n);

			if (mark[u])
				continue;
			mark[u] = 1;
			picked[k++] = u;
		}
		for (k = 0; k < size; k++) {
			char name[32];

			mark[picked[k]] = 0;
			user_name(name, sizeof(name), picked[k]);
			fprintf(f, "%s%s", k ? "," : "", name);
		}
		fputc('\n', f);
	}
	close_out(f);
	free(mark);
	free(picked);
	return 0;
}
