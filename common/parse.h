/* Strict parsers for scalar values from config files, CLI arguments and
 * HTTP requests: the whole string must match, no sign games, no junk. */
#ifndef IAM_PARSE_H
#define IAM_PARSE_H

#include <stddef.h>

/* Decimal integer within [min, max]. 0, or -EINVAL / -ERANGE. */
int iam_parse_ll(const char *s, long long min, long long max, long long *out);
/* yes/no, true/false, on/off, 1/0 (case-insensitive). */
int iam_parse_bool(const char *s, int *out);
/* Bytes with an optional K, M or G suffix (powers of 1024). */
int iam_parse_size(const char *s, long long *out);
/* A duration as a sum of terms: "90s", "15m", "1h30m", "2d", "1w".
 * A bare number means seconds. At most 10 years. */
int iam_parse_seconds(const char *s, long long *out);
/* As above, in milliseconds, also accepting "ms": "500ms", "2s". A bare
 * number means milliseconds. */
int iam_parse_msec(const char *s, long long *out);
/* "1h30m", "45s", "2d"; "0s" for zero. */
void iam_format_duration(long long seconds, char *out, size_t outsz);

#endif
