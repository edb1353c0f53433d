/* Test tool: writes an NSS cache from a line-based spec on stdin, so that
 * shell tests can build exactly the directory (and the hostile entries)
 * they need, with JIT memberships that end at given times.
 *   user NAME UID [disabled]      (gid = uid, home /home/NAME, shell /bin/sh)
 *   group NAME GID
 *   member GROUP USER [UNTIL]     UNTIL: Unix time, or +N/-N seconds from now
 * Usage: mkcache OUT [SERIAL] < spec */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"

static long find_group(struct iam_cache_builder *b, char (*names)[64], long n, const char *name)
{
	long i;

	(void)b;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* A whole decimal id, or 0 (which the builder refuses) when it is not. */
static uint32_t id_of(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	return *s && !*end && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static int64_t when(const char *s)
{
	long long v = strtoll(s, NULL, 10);

	return (s[0] == '+' || s[0] == '-') ? (int64_t)time(NULL) + v : v;
}

int main(int argc, char **argv)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	static char groups[4096][64];
	char line[512], a[64], c[64], d[64], home[96];
	unsigned char *img = NULL;
	long ngroups = 0, lineno = 0;
	size_t size;
	int n;

	if (argc < 2 || !b)
		return 2;
	while (fgets(line, sizeof(line), stdin)) {
		lineno++;
		a[0] = c[0] = d[0] = '\0';
		if (sscanf(line, "user %63s %63s %63s", a, c, d) >= 2) {
			snprintf(home, sizeof(home), "/home/%s", a);
			n = iam_cache_add_user(b, a, id_of(c), id_of(c), "", home,
					       "/bin/sh", strcmp(d, "disabled") == 0 ?
					       IAM_CACHE_USER_DISABLED : 0) < 0;
		} else if (sscanf(line, "group %63s %63s", a, c) == 2 && ngroups < 4096) {
			n = iam_cache_add_group(b, a, id_of(c)) < 0;
			snprintf(groups[ngroups++], 64, "%s", a);
		} else if (sscanf(line, "member %63s %63s %63s", a, c, d) >= 2) {
			n = iam_cache_add_member(b, find_group(b, groups, ngroups, a),
						 iam_cache_user_handle(b, c), d[0] ? when(d) : 0) < 0;
		} else {
			n = line[0] != '\n' && line[0] != '#';
		}
		if (n) {
			fprintf(stderr, "mkcache: line %ld refused: %s", lineno, line);
			return 1;
		}
	}
	if (iam_cache_build(b, argc > 2 ? strtoull(argv[2], NULL, 10) : 1, time(NULL), &img, &size,
			    NULL) < 0 || iam_cache_write_file(argv[1], img, size, NULL) < 0)
		return 1;
	free(img);
	iam_cache_builder_free(b);
	return 0;
}
