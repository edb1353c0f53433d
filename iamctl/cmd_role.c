/* role add|eligible|ineligible|show|list. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "cidr.h"
#include "output.h"
#include "timewin.h"
#include "tz.h"

#define PATH_LEN 512
#define MAX_DURATION (30LL * 86400)

/* "14:00-16:00 Mon-Fri Europe/Berlin", or "any time". */
static void role_window(struct json_object *obj, char *out, size_t outsz)
{
	const char *window = out_get_str(obj, "window");
	const char *days = out_get_str(obj, "days");
	const char *tz = out_get_str(obj, "tz");

	if (!window)
		snprintf(out, outsz, "any time");
	else
		snprintf(out, outsz, "%s %s %s", window,
			 days && strcmp(days, "*") != 0 ? days : "every day", tz ? tz : "UTC");
}

static void role_networks(struct json_object *obj, char *out, size_t outsz)
{
	struct json_object *nets = out_get(obj, "networks");

	if (!json_object_is_type(nets, json_type_array) || json_object_array_length(nets) == 0)
		snprintf(out, outsz, "any");
	else
		out_list(nets, out, outsz);
}

static void role_approval(struct json_object *obj, char *out, size_t outsz)
{
	const char *approval = out_get_str(obj, "approval");
	const char *approvers = out_get_str(obj, "approvers");

	if (approvers)
		snprintf(out, outsz, "%s (by %s)", approval ? approval : "-", approvers);
	else
		snprintf(out, outsz, "%s", approval ? approval : "-");
}

static const struct out_field role_fields[] = {
	{ "Name", "name", OUT_STR, NULL },
	{ "Group", "group", OUT_STR, NULL },
	{ "Max duration", "max_duration", OUT_DURATION, NULL },
	{ "Approval", NULL, OUT_FN, role_approval },
	{ "Window", NULL, OUT_FN, role_window },
	{ "Networks", NULL, OUT_FN, role_networks },
	{ "MFA", "mfa", OUT_BOOL, NULL },
	{ "Request TTL", "request_ttl", OUT_DURATION, NULL },
	{ "Check-out", "secrets", OUT_LIST, NULL },
	{ "Eligible users", "eligible_users", OUT_LIST, NULL },
	{ "Eligible groups", "eligible_groups", OUT_LIST, NULL },
};

static const struct out_field role_columns[] = {
	{ "NAME", "name", OUT_STR, NULL },
	{ "GROUP", "group", OUT_STR, NULL },
	{ "MAX", "max_duration", OUT_DURATION, NULL },
	{ "APPROVAL", NULL, OUT_FN, role_approval },
	{ "MFA", "mfa", OUT_BOOL, NULL },
	{ "WINDOW", NULL, OUT_FN, role_window },
	{ "NETWORKS", NULL, OUT_FN, role_networks },
};

static int print_role(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	out_show(role_fields, CLI_NELEM(role_fields), obj);
	return 0;
}

static int print_roles(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	return out_table(c, role_columns, CLI_NELEM(role_columns), out_get(obj, "roles"));
}

static int print_created(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	char group[64];

	out_note(c, "Created role %s (unix group %s).", a->pos[0],
		 out_safe(out_get_str(obj, "group"), group, sizeof(group)));
	return 0;
}

/* --approval and --approvers: approvers imply "required". */
static int add_approval(struct cli_ctx *c, const struct cli_args *a, struct cli_body *b)
{
	const char *approval = cli_opt(a, "approval");
	const char *approvers = cli_opt(a, "approvers");
	int r = 0;

	if (approval && strcmp(approval, "none") != 0 && strcmp(approval, "required") != 0)
		return cli_usage(c, "invalid --approval '%s': expected none or required", approval);
	if (approvers && approval && strcmp(approval, "none") == 0)
		return cli_usage(c, "--approvers makes no sense with --approval none");
	if (!approvers && approval && strcmp(approval, "required") == 0)
		return cli_usage(c, "--approval required needs --approvers GROUP");
	if (approvers)
		r = cli_check_name(c, "--approvers group", approvers);
	cli_body_str(b, "approval", approvers ? "required" : approval);
	cli_body_str(b, "approvers", approvers);
	return r;
}

/* --window, --days, --tz: checked with the endpoint's own parser. */
static int add_window(struct cli_ctx *c, const struct cli_args *a, struct cli_body *b)
{
	const char *window = cli_opt(a, "window"), *days = cli_opt(a, "days");
	const char *tz = cli_opt(a, "tz");
	char spec[32], dayspec[64];
	struct iam_err err = { "" };
	struct iam_window w;

	if (!window && (days || tz))
		return cli_usage(c, "--days and --tz only apply with --window HH:MM-HH:MM");
	if (!window)
		return 0;
	if (iam_window_parse(window, days, &w, &err) < 0)
		return cli_usage(c, "invalid --window/--days: %s", err.msg);
	if (tz && !iam_tz_name_valid(tz))
		return cli_usage(c, "invalid --tz '%s': expected a zone name such as UTC or "
				 "Europe/Berlin", tz);
	iam_window_format(&w, spec, sizeof(spec), dayspec, sizeof(dayspec));
	cli_body_str(b, "window", spec);
	cli_body_str(b, "days", days ? dayspec : NULL);
	cli_body_str(b, "tz", tz);
	return 0;
}

/* --from: canonical prefixes, refused when host bits are set. */
static int add_networks(struct cli_ctx *c, const struct cli_args *a, struct cli_body *b)
{
	const char *from = cli_opt(a, "from");
	struct iam_err err = { "" };
	struct json_object *arr;
	struct iam_cidr *list = NULL;
	char text[64];
	size_t i, n = 0;

	if (!from)
		return 0;
	if (iam_cidr_list_parse(from, &list, &n, &err) < 0)
		return cli_usage(c, "invalid --from: %s", err.msg);
	arr = json_object_new_array();
	for (i = 0; arr && i < n; i++) {
		iam_cidr_format(&list[i], text, sizeof(text));
		if (json_object_array_add(arr, json_object_new_string(text)) < 0)
			b->oom = 1;
	}
	free(list);
	cli_body_add(b, "networks", arr);
	return 0;
}

/* --secret root,breakglass: local accounts whose passwords a grant lets its
 * holder check out from the vault. */
static int add_secrets(struct cli_ctx *c, const struct cli_args *a, struct cli_body *b)
{
	const char *list = cli_opt(a, "secret"), *p;
	struct json_object *arr;
	char name[64];
	int r = 0;

	if (!list)
		return 0;
	arr = json_object_new_array();
	for (p = list; r == 0 && *p;) {
		size_t n = strcspn(p, ",");

		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), p);
		r = cli_check_name(c, "--secret", name);
		if (r == 0 && json_object_array_add(arr, json_object_new_string(name)) < 0)
			b->oom = 1;
		p += n + (p[n] == ',');
	}
	cli_body_add(b, "secrets", arr);
	return r;
}

static int add_durations(struct cli_ctx *c, const struct cli_args *a, struct cli_body *b)
{
	const char *max = cli_opt(a, "max-duration"), *ttl = cli_opt(a, "request-ttl");
	long long v;
	int r;

	if (!max)
		return cli_usage(c, "role add: --max-duration DUR is required");
	r = cli_check_duration(c, "--max-duration", max, 1, MAX_DURATION, &v);
	if (r == 0)
		cli_body_int(b, "max_duration", v);
	if (r == 0 && ttl)
		r = cli_check_duration(c, "--request-ttl", ttl, 1, MAX_DURATION, &v);
	if (r == 0 && ttl)
		cli_body_int(b, "request_ttl", v);
	return r;
}

static int run_add(struct cli_ctx *c, const struct cli_args *a)
{
	const char *group = cli_opt(a, "group");
	struct cli_body body;
	int r;

	cli_body_init(&body);
	r = cli_check_name(c, "role name", a->pos[0]);
	cli_body_str(&body, "name", a->pos[0]);
	if (r == 0 && group)
		r = cli_check_name(c, "--group", group);
	cli_body_str(&body, "group", group);
	if (r == 0)
		r = add_durations(c, a, &body);
	if (r == 0)
		r = add_approval(c, a, &body);
	if (r == 0)
		r = add_window(c, a, &body);
	if (r == 0)
		r = add_networks(c, a, &body);
	if (r == 0)
		r = add_secrets(c, a, &body);
	if (cli_flag(a, "mfa"))
		cli_body_bool(&body, "mfa", 1);
	if (r != 0) {
		cli_body_free(&body);
		return r;
	}
	return cli_run(c, a, "POST", "/v1/roles", &body, print_created);
}

static int print_eligibility(struct cli_ctx *c, const struct cli_args *a,
			     struct json_object *obj)
{
	const char *who = cli_opt(a, "user") ? cli_opt(a, "user") : cli_opt(a, "group");
	const char *kind = cli_opt(a, "user") ? "user" : "group";

	if (strcmp(cli_verb(a), "eligible") == 0)
		out_note(c, "The %s %s is now eligible for %s.", kind, who, a->pos[0]);
	else
		out_note(c, "The %s %s is no longer eligible for %s.", kind, who, a->pos[0]);
	return 0;
}

/* Exactly one of --user and --group. */
static int eligibility_subject(struct cli_ctx *c, const struct cli_args *a,
			       const char **kind, const char **who)
{
	const char *user = cli_opt(a, "user"), *group = cli_opt(a, "group");
	int r = cli_check_name(c, "role name", a->pos[0]);

	if (r == 0 && !user == !group)
		return cli_usage(c, "role %s: give either --user USER or --group GROUP", cli_verb(a));
	*kind = user ? "user" : "group";
	*who = user ? user : group;
	return r ? r : cli_check_name(c, user ? "--user" : "--group", *who);
}

static int run_eligibility(struct cli_ctx *c, const struct cli_args *a)
{
	int add = strcmp(cli_verb(a), "eligible") == 0;
	const char *kind = NULL, *who = NULL;
	char path[PATH_LEN];
	struct cli_body body;
	int r;

	r = eligibility_subject(c, a, &kind, &who);
	if (r == 0)
		r = add ? cli_path(c, path, sizeof(path), "/v1/roles/%s/eligible", a->pos[0])
			: cli_path(c, path, sizeof(path), "/v1/roles/%s/eligible/%s/%s", a->pos[0],
				   kind, who);
	if (r != 0)
		return r;
	if (!add)
		return cli_run(c, a, "DELETE", path, NULL, print_eligibility);
	cli_body_init(&body);
	cli_body_str(&body, kind, who);
	return cli_run(c, a, "POST", path, &body, print_eligibility);
}

static int run_show(struct cli_ctx *c, const struct cli_args *a)
{
	char path[PATH_LEN];
	int r;

	r = cli_check_name(c, "role name", a->pos[0]);
	if (r == 0)
		r = cli_path(c, path, sizeof(path), "/v1/roles/%s", a->pos[0]);
	return r ? r : cli_run(c, a, "GET", path, NULL, print_role);
}

static int run_list(struct cli_ctx *c, const struct cli_args *a)
{
	return cli_run(c, a, "GET", "/v1/roles", NULL, print_roles);
}

static const struct cli_opt_spec add_opts[] = {
	{ "max-duration", 0, required_argument },
	{ "approval", 0, required_argument },
	{ "approvers", 0, required_argument },
	{ "window", 0, required_argument },
	{ "days", 0, required_argument },
	{ "tz", 0, required_argument },
	{ "from", 0, required_argument },
	{ "mfa", 0, no_argument },
	{ "group", 0, required_argument },
	{ "request-ttl", 0, required_argument },
	{ "secret", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec eligible_opts[] = {
	{ "user", 0, required_argument },
	{ "group", 0, required_argument },
	{ NULL, 0, 0 },
};

#define ELIGIBLE_HELP \
	"      --user USER    a user\n" \
	"      --group GROUP  a group: every static member\n"

static const struct cli_command commands[] = {
	{ "role add",
	  "NAME --max-duration DUR [--approval none|required] [--approvers GROUP] "
	  "[--window HH:MM-HH:MM] [--days LIST] [--tz ZONE] [--from CIDR[,CIDR...]] [--mfa] "
	  "[--group GROUP] [--request-ttl DUR] [--secret ACCOUNT[,ACCOUNT...]]",
	  "Create a role that eligible users can activate for a bounded time.",
	  "      --max-duration DUR    the longest grant, 1s to 30d (e.g. 2h)\n"
	  "      --approval MODE       none (default) or required\n"
	  "      --approvers GROUP     who may approve (implies --approval required)\n"
	  "      --window HH:MM-HH:MM  only during this time of day\n"
	  "      --days LIST           ... on these days, e.g. Mon-Fri or Sat,Sun\n"
	  "      --tz ZONE             ... in this IANA time zone (default UTC)\n"
	  "      --from CIDR,...       only from these networks\n"
	  "      --mfa                 activation needs a fresh TOTP code\n"
	  "      --group GROUP         the unix group grants put holders into\n"
	  "                            (default: the role's name; must not exist)\n"
	  "      --request-ttl DUR     how long a request may wait for approval\n"
	  "      --secret ACCOUNT,...  local accounts whose vaulted passwords a grant\n"
	  "                            lets its holder check out on its host\n",
	  add_opts, 1, 1, CLI_ACT_ADMIN, run_add },
	{ "role eligible", "ROLE (--user USER | --group GROUP)",
	  "Make a user, or every member of a group, eligible for a role.",
	  ELIGIBLE_HELP, eligible_opts, 1, 1, CLI_ACT_ADMIN, run_eligibility },
	{ "role ineligible", "ROLE (--user USER | --group GROUP)",
	  "Withdraw a user's or a group's eligibility for a role.",
	  ELIGIBLE_HELP, eligible_opts, 1, 1, CLI_ACT_ADMIN, run_eligibility },
	{ "role show", "NAME", "Show a role and its policy.",
	  NULL, NULL, 1, 1, CLI_ACT_EITHER, run_show },
	{ "role list", "", "List all roles.", NULL, NULL, 0, 0, CLI_ACT_EITHER, run_list },
};

const struct cli_command_table cli_role_commands = { commands, CLI_NELEM(commands) };
