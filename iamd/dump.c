/* "iamd cache-check FILE" and "iamd cache-dump FILE": a cache file read
 * the way the NSS module reads it (mmap, full check), then summarised or
 * printed in passwd and group format. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"

/* The positional FILE of a command whose only option is --help; NULL
 * when there is nothing to do but exit with *rc. */
static const char *parse_file_arg(const struct iamd_command *cmd, int argc, char **argv,
				  int *rc)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*rc = IAMD_EXIT_OK;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch != 'h') {
			*rc = cli_bad_option(cmd, ch, argv);
			return NULL;
		}
		cli_help(cmd);
		return NULL;
	}
	if (argc - optind == 1)
		return argv[optind];
	*rc = cli_usage(cmd, argc - optind > 1 ? "one FILE only" : "missing FILE");
	return NULL;
}

/* Maps FILE and runs fn on it; the one failure message names FILE. */
static int with_cache(const struct iamd_command *cmd, int argc, char **argv,
		      int (*fn)(const struct iam_cache_map *m))
{
	struct iam_err err = { "" };
	struct iam_cache_map m;
	const char *file;
	int r;

	file = parse_file_arg(cmd, argc, argv, &r);
	if (!file)
		return r;
	if (iam_cache_map(file, &m, &err) < 0)
		r = cli_fail("%s: %s", file, err.msg);
	else if (!m.c.h || fn(&m) < 0) /* a valid cache has a header */
		r = cli_fail("%s: a record refers outside the file", file);
	iam_cache_unmap(&m);
	return r;
}

static size_t count_disabled(const struct iam_cache *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->h->nusers; i++)
		n += (c->users[i].flags & IAM_CACHE_USER_DISABLED) != 0;
	return n;
}

static size_t count_timed(const struct iam_cache *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->nmembers; i++)
		n += c->members[i].until != 0;
	return n;
}

static int print_check(const struct iam_cache_map *m)
{
	const struct iam_cache *c = &m->c;
	time_t created = (time_t)c->h->created_at;
	char stamp[32] = "-";
	struct tm tm;

	if (gmtime_r(&created, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("valid: yes\nserial: %" PRIu64 "\ncreated: %s (%" PRId64 ")\n"
	       "users: %" PRIu32 " (%zu disabled)\ngroups: %" PRIu32 "\n"
	       "memberships: %zu (%zu with an end time)\nsize: %zu bytes\n",
	       c->h->serial, stamp, c->h->created_at, c->h->nusers, count_disabled(c),
	       c->h->ngroups, c->nmembers, count_timed(c), m->size);
	return 0;
}

/* "name:x:uid:gid:gecos:home:shell"; '!' instead of 'x' for a disabled
 * user. */
static int print_users(const struct iam_cache *c)
{
	uint32_t i;

	for (i = 0; i < c->h->nusers; i++) {
		const struct iam_cache_user *u = &c->users[i];
		const char *name = iam_cache_str(c, u->name), *gecos = iam_cache_str(c, u->gecos);
		const char *home = iam_cache_str(c, u->home), *shell = iam_cache_str(c, u->shell);

		if (!name || !gecos || !home || !shell)
			return -EINVAL;
		printf("%s:%s:%" PRIu32 ":%" PRIu32 ":%s:%s:%s\n", name,
		       u->flags & IAM_CACHE_USER_DISABLED ? "!" : "x", u->uid, u->gid, gecos, home,
		       shell);
	}
	return 0;
}

/* The name of user record i, or NULL when i or its string lies outside. */
static const char *user_name(const struct iam_cache *c, uint32_t i)
{
	return c->users && i < c->h->nusers ? iam_cache_str(c, c->users[i].name) : NULL;
}

/* "name:x:gid:alice,bob@1764407100": a member with an end time carries it
 * after '@' (Unix seconds). */
static int print_group(const struct iam_cache *c, const struct iam_cache_group *g)
{
	const char *name = iam_cache_str(c, g->name), *member;
	const struct iam_cache_member *m;
	size_t i, n;

	m = iam_cache_group_members(c, g, &n);
	if (!name || !m)
		return -EINVAL;
	printf("%s:x:%" PRIu32 ":", name, g->gid);
	for (i = 0; i < n; i++) {
		member = user_name(c, m[i].index);
		if (!member)
			return -EINVAL;
		printf("%s%s", i ? "," : "", member);
		if (m[i].until)
			printf("@%" PRId64, m[i].until);
	}
	putchar('\n');
	return 0;
}

static int print_dump(const struct iam_cache_map *m)
{
	uint32_t i;
	int r = print_users(&m->c);

	for (i = 0; r == 0 && i < m->c.h->ngroups; i++)
		r = print_group(&m->c, &m->c.groups[i]);
	return r;
}

static int run_check(const struct iamd_command *cmd, int argc, char **argv)
{
	return with_cache(cmd, argc, argv, print_check);
}

static int run_dump(const struct iamd_command *cmd, int argc, char **argv)
{
	static char buf[1 << 16];

	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	return with_cache(cmd, argc, argv, print_dump);
}

const struct iamd_command iamd_cmd_cache_check = {
	"cache-check",
	"FILE",
	"check a cache file and print its serial and counts",
	"Check a cache file as the NSS module does (header, sections, checksum) and\n"
	"print its serial, creation time and counts. Exit 1 if it is not valid.",
	"Options:\n"
	"  -h, --help   this text\n",
	run_check,
};

const struct iamd_command iamd_cmd_cache_dump = {
	"cache-dump",
	"FILE",
	"print a cache file in passwd and group format",
	"Print a cache file's users in passwd format (password field '!' for a\n"
	"disabled user, 'x' otherwise), then its groups in group format; a member\n"
	"with an end time is written NAME@UNIXTIME. For debugging and tests.",
	"Options:\n"
	"  -h, --help   this text\n",
	run_dump,
};
