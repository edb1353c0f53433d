/* user key add|list|remove: a user's SSH public keys. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call.h"
#include "output.h"

#define PATH_LEN 512
#define KEY_FILE_MAX 16384

/* The key type is the first word of the key line. */
static void key_type(struct json_object *obj, char *out, size_t outsz)
{
	const char *key = out_get_str(obj, "key");
	size_t len = key ? strcspn(key, " ") : 0;

	snprintf(out, outsz, "%.*s", (int)len, key ? key : "");
}

static const struct out_field key_columns[] = {
	{ "ID", "id", OUT_INT, NULL },
	{ "TYPE", NULL, OUT_FN, key_type },
	{ "FINGERPRINT", "fingerprint", OUT_STR, NULL },
	{ "COMMENT", "comment", OUT_STR, NULL },
};

static int print_keys(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	return out_table(c, key_columns, CLI_NELEM(key_columns), out_get(obj, "keys"));
}

static int keys_path(struct cli_ctx *c, const char *user, char *path)
{
	int r = cli_check_name(c, "user name", user);

	return r ? r : cli_path(c, path, PATH_LEN, "/v1/users/%s/keys", user);
}

static int read_fd(struct cli_ctx *c, int fd, const char *name, char *buf, size_t bufsz)
{
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf + got, bufsz - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_fail(c, CLI_EXIT_FAILED, "cannot read %s: %s", name, strerror(errno));
		got += (size_t)n;
		if (got == bufsz - 1)
			return cli_fail(c, CLI_EXIT_USAGE, "%s is larger than %zu bytes; it should "
					"hold one public key", name, bufsz - 2);
	}
	buf[got] = '\0';
	if (strlen(buf) != got)
		return cli_fail(c, CLI_EXIT_USAGE, "%s holds a NUL byte", name);
	return 0;
}

static int read_key_file(struct cli_ctx *c, const char *path, char *buf, size_t bufsz)
{
	struct stat st;
	int fd, r;

	if (strcmp(path, "-") == 0)
		return read_fd(c, STDIN_FILENO, "standard input", buf, bufsz);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cli_fail(c, CLI_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		r = cli_fail(c, CLI_EXIT_USAGE, "%s is not a regular file", path);
	else
		r = read_fd(c, fd, path, buf, bufsz);
	close(fd);
	return r;
}

/* Exactly one key line; blank lines and '#' comments do not count. The
 * line is returned trimmed, in place. */
static int pick_key_line(struct cli_ctx *c, const char *path, char *text, char **line)
{
	char *p, *next;
	int count = 0;

	if (strstr(text, "PRIVATE KEY"))
		return cli_fail(c, CLI_EXIT_USAGE, "%s holds a private key; give the public "
				"key (the .pub file)", path);
	for (p = text; p; p = next) {
		char *end;

		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		p += strspn(p, " \t");
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		*line = p;
		count++;
	}
	if (count == 0)
		return cli_fail(c, CLI_EXIT_USAGE, "%s holds no key", path);
	if (count > 1)
		return cli_fail(c, CLI_EXIT_USAGE, "%s holds %d keys; add one key at a time",
				path, count);
	return 0;
}

static int print_key_added(struct cli_ctx *c, const struct cli_args *a,
			   struct json_object *obj)
{
	char fp[128];

	out_note(c, "Added key %lld (%s) to %s.", out_get_int(obj, "id"),
		 out_safe(out_get_str(obj, "fingerprint"), fp, sizeof(fp)), a->pos[0]);
	return 0;
}

static int run_key_add(struct cli_ctx *c, const struct cli_args *a)
{
	const char *file = cli_opt(a, "key-file");
	char path[PATH_LEN], text[KEY_FILE_MAX + 2], *line = NULL;
	struct cli_body body;
	int r;

	if (!file)
		return cli_usage(c, "user key add: --key-file FILE is required");
	r = keys_path(c, a->pos[0], path);
	if (r == 0)
		r = read_key_file(c, file, text, sizeof(text));
	if (r == 0)
		r = pick_key_line(c, file, text, &line);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "key", line);
	return cli_run(c, a, "POST", path, &body, print_key_added);
}

static int run_key_list(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r = keys_path(c, a->pos[0], path);

	return r ? r : cli_run(c, a, "GET", path, NULL, print_keys);
}

static int print_key_removed(struct cli_ctx *c, const struct cli_args *a,
			     struct json_object *obj)
{
	out_note(c, "Removed key %s of %s.", a->pos[1], a->pos[0]);
	return 0;
}

static int run_key_remove(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	long long id;
	int r;

	r = cli_check_name(c, "user name", a->pos[0]);
	if (r == 0)
		r = cli_check_number(c, "key id", a->pos[1], 1, INT64_MAX, &id);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/users/%s/keys/%s", a->pos[0], a->pos[1]);
	return r ? r : cli_run(c, a, "DELETE", path, NULL, print_key_removed);
}

static const struct cli_opt_spec key_opts[] = {
	{ "key-file", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_command commands[] = {
	{ "user key add", "NAME --key-file FILE",
	  "Add the SSH public key in FILE (one line; '-' reads standard input).",
	  "      --key-file FILE  the public key file, e.g. ~/.ssh/id_ed25519.pub\n",
	  key_opts, 1, 1, CLI_ACT_ADMIN, run_key_add },
	{ "user key list", "NAME", "List a user's SSH public keys.",
	  NULL, NULL, 1, 1, CLI_ACT_ADMIN, run_key_list },
	{ "user key remove", "NAME ID", "Remove one of a user's SSH public keys.",
	  NULL, NULL, 2, 2, CLI_ACT_ADMIN, run_key_remove },
};

const struct cli_command_table cli_key_commands = { commands, CLI_NELEM(commands) };
