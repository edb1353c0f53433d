/* host enroll|rotate|allow|disallow|show|list. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call.h"
#include "output.h"
#include "safe_file.h"
#include "secmem.h"
#include "token.h"

#define PATH_LEN 512

static const struct out_field host_fields[] = {
	{ "Name", "name", OUT_STR, NULL },
	{ "Enrolled", "enrolled_at", OUT_TIME, NULL },
	{ "Last seen", "last_seen", OUT_WHEN, NULL },
	{ "Allowed groups", "allowed_groups", OUT_LIST, NULL },
};

static const struct out_field host_columns[] = {
	{ "NAME", "name", OUT_STR, NULL },
	{ "ENROLLED", "enrolled_at", OUT_TIME, NULL },
	{ "LAST SEEN", "last_seen", OUT_TIME, NULL },
	{ "ALLOWED GROUPS", "allowed_groups", OUT_LIST, NULL },
};

static int print_host(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_show(host_fields, CLI_NELEM(host_fields), obj);
	return 0;
}

static int print_hosts(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	return out_table(c, host_columns, CLI_NELEM(host_columns), out_get(obj, "hosts"));
}

/* The credential is shown once: everything that could stop it from being
 * written is checked before the endpoint issues it. */
static int check_output(struct cli_ctx *c, const struct cli_args *a)
{
	const char *file = cli_opt(a, "output");
	char copy[PATH_MAX];
	struct stat st;

	if (!file)
		return 0;
	if (!*file || snprintf(copy, sizeof(copy), "%s", file) >= (int)sizeof(copy))
		return cli_usage(c, "invalid --output '%s'", file);
	if (lstat(file, &st) == 0 && !cli_flag(a, "force"))
		return cli_fail(c, CLI_EXIT_USAGE, "%s exists; use --force to replace it", file);
	if (access(dirname(copy), W_OK) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "cannot write into the directory of %s: %s",
				file, strerror(errno));
	return 0;
}

/* --json with --output: where the credential went, not the credential. */
static int print_written(struct cli_ctx *c, const char *host, const char *file)
{
	struct json_object *obj = json_object_new_object();
	int r;

	if (!obj)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	json_object_object_add(obj, "name", json_object_new_string(host));
	json_object_object_add(obj, "credential_file", json_object_new_string(file));
	r = out_json(c, obj);
	json_object_put(obj);
	return r;
}

static int write_credential(struct cli_ctx *c, const struct cli_args *a, const char *cred)
{
	const char *file = cli_opt(a, "output");
	char line[IAM_TOKEN_MAX + 2];
	struct iam_err err = { "" };
	int n, r;

	n = snprintf(line, sizeof(line), "%s\n", cred);
	r = iam_file_write_atomic(file, line, (size_t)n, 0600, &err);
	iam_wipe(line, sizeof(line));
	if (r < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s was given a credential, but %s; run "
				"'iamctl host rotate %s --output FILE' to issue another",
				a->pos[0], err.msg, a->pos[0]);
	out_note(c, "Wrote the credential of %s to %s (mode 0600).", a->pos[0], file);
	return c->json ? print_written(c, a->pos[0], file) : 0;
}

static int deliver_credential(struct cli_ctx *c, const struct cli_args *a,
			      struct json_object *obj)
{
	const char *cred = out_get_str(obj, "credential");
	struct iam_token parsed;
	int r;

	r = cred ? iam_token_parse(cred, &parsed) : -EINVAL;
	if (r == 0 && parsed.kind != IAM_TOKEN_HOST)
		r = -EINVAL;
	iam_wipe(&parsed, sizeof(parsed));
	if (r < 0)
		return cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's answer holds no host "
				"credential");
	if (cli_opt(a, "output"))
		return write_credential(c, a, cred);
	if (c->json)
		return out_json(c, obj);
	printf("%s\n", cred);
	if (!c->quiet && isatty(STDOUT_FILENO))
		fprintf(stderr, "Store it root-only on %s, e.g. as %s/iam/host.credential "
			"(mode 0600).\n", a->pos[0], IAM_SYSCONFDIR);
	return 0;
}

/* enroll and rotate: both hand out a credential. */
static int run_credential(struct cli_ctx *c, const struct cli_args *a)
{
	int enroll = strcmp(cli_verb(a), "enroll") == 0;
	struct json_object *obj = NULL;
	char path[PATH_LEN];
	struct cli_body body;
	int r;

	r = cli_check_host(c, "host name", a->pos[0]);
	if (r == 0)
		r = check_output(c, a);
	if (r == 0 && !enroll)
		r = cli_path(c, path, sizeof(path), "/v1/hosts/%s/credential", a->pos[0]);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "name", a->pos[0]);
	r = enroll ? cli_call(c, "POST", "/v1/hosts", &body, &obj)
		   : cli_call(c, "POST", path, NULL, &obj);
	cli_body_free(&body);
	if (r == 0)
		r = deliver_credential(c, a, obj);
	cli_json_wipe(obj, "credential");
	json_object_put(obj);
	return r;
}

static int print_access(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	if (strcmp(cli_verb(a), "allow") == 0)
		out_note(c, "Members of %s may now log in to %s.", cli_opt(a, "group"), a->pos[0]);
	else
		out_note(c, "Members of %s may no longer log in to %s (unless another group "
			 "allows them).", cli_opt(a, "group"), a->pos[0]);
	return 0;
}

static int run_access(struct cli_ctx *c, const struct cli_args *a)
{
	const char *group = cli_opt(a, "group");
	int allow = strcmp(cli_verb(a), "allow") == 0;
	char path[PATH_LEN];
	struct cli_body body;
	int r;

	r = cli_check_host(c, "host name", a->pos[0]);
	if (r == 0 && !group)
		r = cli_usage(c, "host %s: --group GROUP is required", cli_verb(a));
	if (r == 0)
		r = cli_check_name(c, "group name", group);
	if (r == 0)
		r = allow ? cli_path(c, path, sizeof(path), "/v1/hosts/%s/access", a->pos[0])
			  : cli_path(c, path, sizeof(path), "/v1/hosts/%s/access/%s", a->pos[0],
				     group);
	if (r != 0)
		return r;
	if (!allow)
		return cli_run(c, a, "DELETE", path, NULL, print_access);
	cli_body_init(&body);
	cli_body_str(&body, "group", group);
	return cli_run(c, a, "POST", path, &body, print_access);
}

static int run_show(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r;

	r = cli_check_host(c, "host name", a->pos[0]);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/hosts/%s", a->pos[0]);
	return r ? r : cli_run(c, a, "GET", path, NULL, print_host);
}

static int run_list(struct cli_ctx *c, const struct cli_args *a)
{
	return cli_run(c, a, "GET", "/v1/hosts", NULL, print_hosts);
}

static const struct cli_opt_spec credential_opts[] = {
	{ "output", 'o', required_argument },
	{ "force", 'f', no_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec access_opts[] = {
	{ "group", 0, required_argument },
	{ NULL, 0, 0 },
};

#define CREDENTIAL_HELP \
	"  -o, --output FILE  write the credential to FILE (mode 0600, atomically)\n" \
	"                     instead of standard output\n" \
	"  -f, --force        replace FILE if it exists\n"

static const struct cli_command commands[] = {
	{ "host enroll", "HOST [--output FILE] [--force]",
	  "Enrol a host and print (or write) its credential, shown only this once.",
	  CREDENTIAL_HELP, credential_opts, 1, 1, CLI_ACT_ADMIN, run_credential },
	{ "host rotate", "HOST [--output FILE] [--force]",
	  "Issue a new credential for a host; the old one stops working at once.",
	  CREDENTIAL_HELP, credential_opts, 1, 1, CLI_ACT_ADMIN, run_credential },
	{ "host allow", "HOST --group GROUP", "Let the members of a group log in to a host.",
	  "      --group GROUP  the group whose members may log in\n",
	  access_opts, 1, 1, CLI_ACT_ADMIN, run_access },
	{ "host disallow", "HOST --group GROUP", "Withdraw a group's access to a host.",
	  "      --group GROUP  the group to withdraw\n",
	  access_opts, 1, 1, CLI_ACT_ADMIN, run_access },
	{ "host show", "HOST", "Show a host.", NULL, NULL, 1, 1, CLI_ACT_ADMIN, run_show },
	{ "host list", "", "List all hosts.", NULL, NULL, 0, 0, CLI_ACT_ADMIN, run_list },
};

const struct cli_command_table cli_host_commands = { commands, CLI_NELEM(commands) };
