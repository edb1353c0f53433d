/* Sample statistics shared by the benchmark programs. */
#ifndef IAM_BENCH_STATS_H
#define IAM_BENCH_STATS_H

#include <stddef.h>

/* Sorts v in place (ascending). */
void stats_sort(double *v, size_t n);
/* Nearest-rank percentile (0 < pct <= 100) of sorted samples; n > 0. */
double stats_percentile(const double *v, size_t n, double pct);

#endif
