/*
 * "iamd cache-build": a cache from passwd- and group-format files (an LDAP
 * export, old files, a benchmark). Strict: the first line that does not fit
 * stops the build with FILE:LINE, and nothing is written.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "safe_file.h"

#define INPUT_MAX ((size_t)1 << 31)

struct id_range {
	long long min, max;
};

struct build_ctx {
	struct iam_cache_builder *b;
	struct id_range ids;
	const char *passwd_path; /* for messages about group members */
};

/* A file read whole, handed out a line at a time (cut in place). */
struct reader {
	const char *path;
	char *text, *next;
	unsigned long line;
	struct iam_err *err;
};

static int reader_error(struct reader *rd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int reader_error(struct reader *rd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	iam_err_set(rd->err, "%s:%lu: %s", rd->path, rd->line, msg);
	return -EINVAL;
}

/* Text from the file, fit for a terminal: control characters become '?'
 * and long values are cut. */
static const char *shown(const char *s, char out[48])
{
	size_t i;

	for (i = 0; i < 40 && s[i]; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	snprintf(out + i, 48 - i, "%s", s[i] ? "..." : "");
	return out;
}

static char *next_line(struct reader *rd)
{
	char *line = rd->next, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	rd->next = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	rd->line++;
	return line;
}

/* Splits at sep; returns the number of fields, or max + 1 for more. */
static int split(char *line, char sep, char **f, int max)
{
	int n = 0;

	for (;;) {
		if (n == max)
			return max + 1;
		f[n++] = line;
		line = strchr(line, sep);
		if (!line)
			return n;
		*line++ = '\0';
	}
}

static int parse_id(struct reader *rd, const char *what, const char *s,
		    const struct id_range *ids, long long *out)
{
	char buf[48];

	if (iam_parse_ll(s, LLONG_MIN, LLONG_MAX, out) < 0)
		return reader_error(rd, "%s '%s' is not a number", what, shown(s, buf));
	if (*out < ids->min || *out > ids->max)
		return reader_error(rd, "%s %lld is outside the directory's range %lld-%lld "
				    "(id_min, id_max)", what, *out, ids->min, ids->max);
	return 0;
}

static int passwd_fields_valid(struct reader *rd, char **f)
{
	char buf[48];

	if (!iam_name_valid(f[0]))
		return reader_error(rd, "invalid user name '%s'", shown(f[0], buf));
	if (!iam_gecos_valid(f[4]))
		return reader_error(rd, "invalid GECOS field of %s (UTF-8 without control "
				    "characters, at most 255 bytes)", f[0]);
	if (!iam_path_field_valid(f[5]))
		return reader_error(rd, "invalid home directory '%s' of %s", shown(f[5], buf),
				    f[0]);
	if (!iam_path_field_valid(f[6]))
		return reader_error(rd, "invalid shell '%s' of %s", shown(f[6], buf), f[0]);
	return 0;
}

/* name:password:uid:gid:gecos:home:shell; the password is ignored. */
static int passwd_line(struct reader *rd, char *line, const struct build_ctx *bc)
{
	long long uid, gid;
	char *f[7];
	long h;

	if (split(line, ':', f, 7) != 7)
		return reader_error(rd, "expected 7 fields separated by ':'");
	if (passwd_fields_valid(rd, f) < 0 || parse_id(rd, "uid", f[2], &bc->ids, &uid) < 0 ||
	    parse_id(rd, "gid", f[3], &bc->ids, &gid) < 0)
		return -EINVAL;
	h = iam_cache_add_user(bc->b, f[0], (uint32_t)uid, (uint32_t)gid, f[4], f[5], f[6], 0);
	if (h == -EEXIST && iam_cache_user_handle(bc->b, f[0]) >= 0)
		return reader_error(rd, "duplicate user name '%s'", f[0]);
	if (h == -EEXIST)
		return reader_error(rd, "duplicate uid %lld", uid);
	return h < 0 ? reader_error(rd, "out of memory") : 0;
}

static int add_members(struct reader *rd, char *list, long g, const struct build_ctx *bc)
{
	char *next, buf[48];
	long u;

	for (; *list; list = next) {
		next = strchr(list, ',');
		if (next)
			*next++ = '\0';
		u = iam_cache_user_handle(bc->b, list);
		if (u < 0)
			return reader_error(rd, "member '%s' is not a user of %s", shown(list, buf),
					    bc->passwd_path);
		if (iam_cache_add_member(bc->b, g, u, 0) < 0)
			return reader_error(rd, "out of memory");
		if (!next)
			break;
		if (!*next)
			return reader_error(rd, "empty member name after ','");
	}
	return 0;
}

/* name:password:gid:member,member,... */
static int group_line(struct reader *rd, char *line, const struct build_ctx *bc)
{
	char *f[4], buf[48];
	long long gid;
	long g;

	if (split(line, ':', f, 4) != 4)
		return reader_error(rd, "expected 4 fields separated by ':'");
	if (!iam_name_valid(f[0]))
		return reader_error(rd, "invalid group name '%s'", shown(f[0], buf));
	if (parse_id(rd, "gid", f[2], &bc->ids, &gid) < 0)
		return -EINVAL;
	g = iam_cache_add_group(bc->b, f[0], (uint32_t)gid);
	if (g == -EEXIST)
		return reader_error(rd, "duplicate group: the name %s or the gid %lld was already "
				    "used", f[0], gid);
	if (g < 0)
		return reader_error(rd, "out of memory");
	return add_members(rd, f[3], g, bc);
}

static int read_file(const char *path, const struct build_ctx *bc,
		     int (*fn)(struct reader *rd, char *line, const struct build_ctx *bc),
		     struct iam_err *err)
{
	struct reader rd = { path, NULL, NULL, 0, err };
	size_t len = 0;
	char *line;
	int r;

	r = iam_file_read(path, geteuid(), INPUT_MAX, 0, &rd.text, &len, err);
	if (r == 0 && strlen(rd.text) != len) {
		iam_err_set(err, "%s: contains a NUL byte", path);
		r = -EINVAL;
	}
	rd.next = rd.text;
	while (r == 0 && (line = next_line(&rd)))
		r = *line ? fn(&rd, line, bc) : reader_error(&rd, "empty line");
	free(rd.text);
	return r;
}

struct build_options {
	const char *passwd, *group, *output, *config;
	const char *id_min, *id_max, *serial;
};

static int parse_options(const struct iamd_command *cmd, int argc, char **argv,
			 struct build_options *o, int *done)
{
	static const struct option longopts[] = {
		{ "passwd", required_argument, NULL, 'p' },
		{ "group", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "serial", required_argument, NULL, 's' },
		{ "id-min", required_argument, NULL, 'm' },
		{ "id-max", required_argument, NULL, 'M' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*done = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->passwd = optarg; break;
		case 'g': o->group = optarg; break;
		case 'o': o->output = optarg; break;
		case 's': o->serial = optarg; break;
		case 'm': o->id_min = optarg; break;
		case 'M': o->id_max = optarg; break;
		case 'c': o->config = optarg; break;
		case 'h': cli_help(cmd); *done = 1; return IAMD_EXIT_OK;
		default: return cli_bad_option(cmd, ch, argv);
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->passwd || !o->group || !o->output)
		return cli_usage(cmd, "--passwd, --group and --output are required");
	if (!o->id_min != !o->id_max || (o->id_min && o->config))
		return cli_usage(cmd, "give both --id-min and --id-max, or --config, or neither");
	return IAMD_EXIT_OK;
}

/* From the options, else from iam.conf (--config, or the default file when
 * it exists), else the defaults. */
static int resolve_range(const struct iamd_command *cmd, const struct build_options *o,
			 struct id_range *ids)
{
	struct iam_host_config cfg;
	struct iam_err err = { "" };
	int r;

	if (o->id_min) {
		if (iam_parse_ll(o->id_min, 1000, 2147483646, &ids->min) < 0 ||
		    iam_parse_ll(o->id_max, 1000, 2147483646, &ids->max) < 0 ||
		    ids->min >= ids->max)
			return cli_usage(cmd, "--id-min and --id-max must be numbers from 1000 to "
					 "2147483646, the first below the second");
		return IAMD_EXIT_OK;
	}
	r = cli_load_config(o->config, &cfg, &err);
	if (r == 0 || (r == -ENOENT && !o->config)) {
		ids->min = cfg.id_min;
		ids->max = cfg.id_max;
	}
	iam_host_config_free(&cfg);
	return r == 0 || (r == -ENOENT && !o->config) ? IAMD_EXIT_OK : cli_fail("%s", err.msg);
}

static int build(const struct build_options *o, const struct id_range *ids, uint64_t serial)
{
	struct build_ctx bc = { iam_cache_builder_new(), *ids, o->passwd };
	struct iam_err err = { "" };
	unsigned char *image = NULL;
	size_t size = 0;
	int r = bc.b ? 0 : -ENOMEM;

	if (r == 0)
		r = read_file(o->passwd, &bc, passwd_line, &err);
	if (r == 0)
		r = read_file(o->group, &bc, group_line, &err);
	if (r == 0)
		r = iam_cache_build(bc.b, serial, (int64_t)time(NULL), &image, &size, &err);
	if (r == 0)
		r = iam_cache_write_file(o->output, image, size, &err);
	if (r == 0) {
		const struct iam_cache_header *h = (const void *)image;

		printf("wrote %s: %" PRIu32 " users, %" PRIu32 " groups, serial %" PRIu64
		       ", %zu bytes\n", o->output, h->nusers, h->ngroups, serial, size);
	}
	free(image);
	iam_cache_builder_free(bc.b);
	return r == 0 ? IAMD_EXIT_OK : cli_fail("%s", bc.b ? err.msg : "out of memory");
}

static int run_build(const struct iamd_command *cmd, int argc, char **argv)
{
	struct build_options o = { NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	struct id_range ids = { 0, 0 };
	long long serial = 0;
	int r, done;

	iam_log_init("iamd", IAM_LOG_STDERR, 0);
	r = parse_options(cmd, argc, argv, &o, &done);
	if (r != IAMD_EXIT_OK || done)
		return r;
	if (o.serial && iam_parse_ll(o.serial, 0, INT64_MAX - 1, &serial) < 0)
		return cli_usage(cmd, "--serial must be a number from 0 to %lld",
				 (long long)INT64_MAX - 1);
	r = resolve_range(cmd, &o, &ids);
	return r != IAMD_EXIT_OK ? r : build(&o, &ids, (uint64_t)serial);
}

const struct iamd_command iamd_cmd_cache_build = {
	"cache-build",
	"--passwd FILE --group FILE --output FILE [--serial N]\n"
	"                        [--id-min N --id-max N | --config FILE]",
	"build a cache from passwd- and group-format files",
	"Build a cache from passwd- and group-format files. Every id must lie in the\n"
	"directory's range; names must be valid and unique; group members must be\n"
	"users of the passwd file. The first line that breaks a rule stops the build\n"
	"with FILE:LINE and nothing is written. Password fields are ignored.",
	"Options:\n"
	"      --passwd FILE   users: name:x:uid:gid:gecos:home:shell\n"
	"      --group FILE    groups: name:x:gid:member,member,...\n"
	"      --output FILE   the cache to write (atomically, mode 0644)\n"
	"      --serial N      the cache's serial (default 0: any snapshot replaces it)\n"
	"      --id-min N, --id-max N\n"
	"                      the id range (default: id_min and id_max of iam.conf,\n"
	"                      else 200000 and 499999)\n"
	"      --config FILE   read the range from FILE instead of " IAM_HOST_CONFIG_PATH "\n"
	"  -h, --help          this text\n",
	run_build,
};
