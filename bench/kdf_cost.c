/*
 * kdf_cost: what one password check costs the endpoint, without HTTP, TLS or
 * SQLite around it. Times N verifications of the right password against a
 * scrypt verifier made with common/kdf.c (iam_kdf_hash, iam_kdf_verify),
 * exactly what iam-policyd does once per login, and prints the median and
 * the 99th percentile (nearest rank) in milliseconds.
 *
 *   kdf_cost [-n N] [-l LOG2_N] [-r R] [-p P] [-j THREADS]
 *
 * Defaults: N=20, ln=15 r=8 p=1 (the endpoint's default), one thread. With
 * -j T, T threads verify at once (N each) and the line also gives the
 * aggregate verifications per second: the ceiling for logins per second on
 * this machine, since scrypt is memory-hard and T copies compete for the
 * memory bus as well as for the cores.
 *
 * Not built by "make"; build it with "make -C bench kdf_cost".
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iam_error.h"
#include "kdf.h"
#include "stats.h"

#define MAX_THREADS 64

static const char password[] = "correct horse battery staple";

struct worker {
	const char *verifier;
	int n;
	double *ms;   /* n samples */
	int failed;
	pthread_t tid;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct iam_err err;
	int i;

	for (i = 0; i < w->n; i++) {
		double t0 = now_ms();
		int r = iam_kdf_verify(password, w->verifier, &err);

		w->ms[i] = now_ms() - t0;
		if (r != 1) {
			fprintf(stderr, "kdf_cost: verification %d returned %d: %s\n", i, r,
				r < 0 ? err.msg : "mismatch");
			w->failed = 1;
			break;
		}
	}
	return NULL;
}


static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: kdf_cost [-n N] [-l LOG2_N] [-r R] [-p P] [-j THREADS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int n = 20, ln = IAM_KDF_DEFAULT_LOG2_N, r = 8, p = 1, threads = 1;
	struct iam_kdf_params params;
	struct worker w[MAX_THREADS];
	char verifier[IAM_KDF_MAX];
	struct iam_err err;
	double *all, t0, wall;
	size_t total = 0;
	int opt, i, j;

	while ((opt = getopt(argc, argv, "n:l:r:p:j:h")) != -1) {
		int bad = 0;

		switch (opt) {
		case 'n': bad = parse_int(optarg, 1, 100000, &n); break;
		case 'l': bad = parse_int(optarg, 10, 22, &ln); break;
		case 'r': bad = parse_int(optarg, 1, 32, &r); break;
		case 'p': bad = parse_int(optarg, 1, 16, &p); break;
		case 'j': bad = parse_int(optarg, 1, MAX_THREADS, &threads); break;
		default: usage();
		}
		if (bad)
			usage();
	}
	if (optind != argc)
		usage();

	params.log2_n = (unsigned)ln;
	params.r = (unsigned)r;
	params.p = (unsigned)p;
	if (iam_kdf_hash(password, &params, verifier, &err) != 0) {
		fprintf(stderr, "kdf_cost: iam_kdf_hash: %s\n", err.msg);
		return 1;
	}
	/* One untimed verification: page in the 128*N*r bytes of scratch once. */
	if (iam_kdf_verify(password, verifier, &err) != 1) {
		fprintf(stderr, "kdf_cost: the warm-up verification failed\n");
		return 1;
	}

	all = calloc((size_t)n * (size_t)threads, sizeof(*all));
	if (!all) {
		fprintf(stderr, "kdf_cost: out of memory\n");
		return 1;
	}
	t0 = now_ms();
	for (i = 0; i < threads; i++) {
		w[i].verifier = verifier;
		w[i].n = n;
		w[i].ms = all + (size_t)i * (size_t)n;
		w[i].failed = 0;
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			fprintf(stderr, "kdf_cost: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < threads; i++)
		pthread_join(w[i].tid, NULL);
	wall = now_ms() - t0;
	for (i = 0; i < threads; i++) {
		if (w[i].failed)
			return 1;
		for (j = 0; j < n; j++)
			all[total++] = w[i].ms[j];
	}
	stats_sort(all, total);

	printf("KDF scrypt ln=%d r=%d p=%d mem=%lluKiB threads=%d n=%zu "
	       "median_ms=%.1f p99_ms=%.1f min_ms=%.1f max_ms=%.1f per_s=%.1f\n",
	       ln, r, p, (unsigned long long)128 * ((unsigned long long)1 << ln) * (unsigned)r / 1024,
	       threads, total, stats_percentile(all, total, 50), stats_percentile(all, total, 99), all[0],
	       all[total - 1], (double)total / (wall / 1e3));
	free(all);
	return 0;
}
