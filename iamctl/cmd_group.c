/* group add|add-member|remove-member|show|list. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "call.h"
#include "output.h"

#define PATH_LEN 512
#define ID_MAX 2147483646LL

/* Holders of a role group's grants: "alice until 2026-11-29 15:05:00Z". */
static void jit_members(struct json_object *obj, char *out, size_t outsz)
{
	struct json_object *arr = out_get(obj, "jit_members");
	size_t i, n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	size_t len = 0;
	char until[32];

	snprintf(out, outsz, "-");
	for (i = 0; i < n && len < outsz; i++) {
		struct json_object *m = json_object_array_get_idx(arr, i);
		const char *user = out_get_str(m, "user");

		out_time(out_get_int(m, "until"), until, sizeof(until));
		len += (size_t)snprintf(out + len, outsz - len, "%s%s until %s", i ? ", " : "",
					user ? user : "-", until);
	}
}

static const struct out_field group_fields[] = {
	{ "Name", "name", OUT_STR, NULL },
	{ "GID", "gid", OUT_INT, NULL },
	{ "Kind", "kind", OUT_STR, NULL },
	{ "Members", "members", OUT_LIST, NULL },
	{ "JIT members", NULL, OUT_FN, jit_members },
};

static const struct out_field group_columns[] = {
	{ "NAME", "name", OUT_STR, NULL },
	{ "GID", "gid", OUT_INT, NULL },
	{ "KIND", "kind", OUT_STR, NULL },
	{ "MEMBERS", "members", OUT_LIST, NULL },
	{ "JIT MEMBERS", NULL, OUT_FN, jit_members },
};

static int print_group(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_show(group_fields, CLI_NELEM(group_fields), obj);
	return 0;
}

static int print_groups(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	return out_table(c, group_columns, CLI_NELEM(group_columns), out_get(obj, "groups"));
}

static int print_created(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_note(c, "Created group %s (gid %lld).", a->pos[0], out_get_int(obj, "gid"));
	return 0;
}

static int print_membership(struct cli_ctx *c, const struct cli_args *a,
			    struct json_object *obj)
{
	if (strcmp(cli_verb(a), "add-member") == 0)
		out_note(c, "Added %s to group %s.", a->pos[1], a->pos[0]);
	else
		out_note(c, "Removed %s from group %s.", a->pos[1], a->pos[0]);
	return 0;
}

static int run_add(struct cli_ctx *c, const struct cli_args *a)
{
	const char *gid = cli_opt(a, "gid");
	struct cli_body body;
	long long id = 0;
	int r;

	r = cli_check_name(c, "group name", a->pos[0]);
	if (r == 0 && gid)
		r = cli_check_number(c, "--gid", gid, 1, ID_MAX, &id);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "name", a->pos[0]);
	if (gid)
		cli_body_int(&body, "gid", id);
	return cli_run(c, a, "POST", "/v1/groups", &body, print_created);
}

static int check_membership(struct cli_ctx *c, const struct cli_args *a)
{
	int r = cli_check_name(c, "group name", a->pos[0]);

	return r ? r : cli_check_name(c, "user name", a->pos[1]);
}

static int run_add_member(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	struct cli_body body;
	int r;

	r = check_membership(c, a);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/groups/%s/members", a->pos[0]);
	if (r != 0)
		return r;
	cli_body_init(&body);
	cli_body_str(&body, "user", a->pos[1]);
	return cli_run(c, a, "POST", path, &body, print_membership);
}

static int run_remove_member(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r;

	r = check_membership(c, a);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/groups/%s/members/%s", a->pos[0],
			     a->pos[1]);
	return r ? r : cli_run(c, a, "DELETE", path, NULL, print_membership);
}

static int run_show(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r;

	r = cli_check_name(c, "group name", a->pos[0]);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/groups/%s", a->pos[0]);
	return r ? r : cli_run(c, a, "GET", path, NULL, print_group);
}

static int run_list(struct cli_ctx *c, const struct cli_args *a)
{
	return cli_run(c, a, "GET", "/v1/groups", NULL, print_groups);
}

static const struct cli_opt_spec add_opts[] = {
	{ "gid", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_command commands[] = {
	{ "group add", "NAME [--gid N]", "Create a regular group.",
	  "      --gid N  the gid; default: the next free one\n",
	  add_opts, 1, 1, CLI_ACT_ADMIN, run_add },
	{ "group add-member", "GROUP USER", "Add a user to a regular group.",
	  NULL, NULL, 2, 2, CLI_ACT_ADMIN, run_add_member },
	{ "group remove-member", "GROUP USER", "Remove a user from a group.",
	  NULL, NULL, 2, 2, CLI_ACT_ADMIN, run_remove_member },
	{ "group show", "NAME", "Show a group, its members and current JIT members.",
	  NULL, NULL, 1, 1, CLI_ACT_ADMIN, run_show },
	{ "group list", "", "List all groups.", NULL, NULL, 0, 0, CLI_ACT_ADMIN, run_list },
};

const struct cli_command_table cli_group_commands = { commands, CLI_NELEM(commands) };
