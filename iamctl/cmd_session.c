/* login, logout, whoami, status: the session and the endpoint itself. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "call.h"
#include "json.h"
#include "output.h"
#include "parse.h"
#include "session.h"

static int print_session(struct cli_ctx *c)
{
	struct json_object *obj;
	int r;

	if (!c->json) {
		char when[80];

		out_when(c->session_expires, when, sizeof(when));
		out_note(c, "Logged in as %s until %s.", c->user, when);
		return 0;
	}
	obj = json_object_new_object();
	if (!obj)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	json_object_object_add(obj, "user", json_object_new_string(c->user));
	json_object_object_add(obj, "expires_at", json_object_new_int64(c->session_expires));
	r = out_json(c, obj);
	json_object_put(obj);
	return r;
}

static int run_login(struct cli_ctx *c, const struct cli_args *a)
{
	int r = cli_take_login_options(c, a);

	if (r == 0)
		r = cli_login(c);
	return r == 0 ? print_session(c) : r;
}

/* Tells the endpoint the session ends, then forgets it. A 401 means the
 * token was dead already; any other failure keeps the file, so that the
 * logout can be retried. */
static int end_session(struct cli_ctx *c, const struct cli_session *s)
{
	struct iam_err err = { "" };
	int r;

	r = cli_api(c);
	if (r == 0 && iam_api_set_token(c->api, s->token) < 0)
		r = cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	if (r != 0)
		return r;
	r = iam_api_call(c->api, "POST", "/v1/auth/logout", NULL, NULL, &c->aerr, &err);
	if (r < 0 && !(r == IAM_API_REFUSED && c->aerr.status == 401))
		return cli_api_failure(c, r, &err);
	if (session_remove(&c->cfg, c->uid, c->user, &err) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	out_note(c, "Logged out %s.", c->user);
	return 0;
}

static int run_logout(struct cli_ctx *c, const struct cli_args *a)
{
	struct cli_session s;
	struct iam_err err = { "" };
	int r;

	r = session_load(&c->cfg, c->uid, c->user, &s, &err);
	if (r == -ENOENT) {
		/* An expired or foreign file is still removed. */
		if (session_remove(&c->cfg, c->uid, c->user, &err) < 0)
			return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
		out_note(c, "Not logged in as %s.", c->user);
		return 0;
	}
	if (r < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	r = end_session(c, &s);
	session_clear(&s);
	return r;
}

static int print_whoami(struct cli_ctx *c, const struct cli_args *a, struct json_object *obj)
{
	char kind[32], name[300];

	out_safe(out_get_str(obj, "kind"), kind, sizeof(kind));
	out_safe(out_get_str(obj, "name"), name, sizeof(name));
	if (c->acting == CLI_ACT_USER && c->session_expires > 0) {
		char when[80];

		out_when(c->session_expires, when, sizeof(when));
		printf("%s (%s, session until %s)\n", name, kind, when);
	} else {
		printf("%s (%s)\n", name, kind);
	}
	return 0;
}

static int run_whoami(struct cli_ctx *c, const struct cli_args *a)
{
	return cli_run(c, a, "GET", "/v1/whoami", NULL, print_whoami);
}

/* The endpoint's clock against ours, taking the middle of the request as
 * the moment the endpoint read its clock. */
static void describe_skew(long long skew, char *out, size_t outsz)
{
	char d[32];

	iam_format_duration(skew < 0 ? -skew : skew, d, sizeof(d));
	if (skew >= -1 && skew <= 1)
		snprintf(out, outsz, "in sync (within 1s)");
	else
		snprintf(out, outsz, "the endpoint is %s %s this host", d,
			 skew > 0 ? "ahead of" : "behind");
}

static int print_status(struct cli_ctx *c, struct json_object *health, long long local)
{
	static const struct out_field fields[] = {
		{ "Endpoint", "endpoint", OUT_STR, NULL },
		{ "Status", "status", OUT_STR, NULL },
		{ "Version", "version", OUT_STR, NULL },
		{ "Serial", "serial", OUT_INT, NULL },
		{ "Time", "time", OUT_TIME, NULL },
		{ "Clock", "clock", OUT_STR, NULL },
	};
	struct json_object *view = json_object_new_object();
	char clock[96];
	const char *keys[] = { "status", "version", "serial", "time" };
	size_t i;

	if (!view)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	describe_skew(out_get_int(health, "time") - local, clock, sizeof(clock));
	json_object_object_add(view, "endpoint", json_object_new_string(c->cfg.endpoint));
	for (i = 0; i < CLI_NELEM(keys); i++)
		json_object_object_add(view, keys[i], json_object_get(out_get(health, keys[i])));
	json_object_object_add(view, "clock", json_object_new_string(clock));
	out_show(fields, CLI_NELEM(fields), view);
	json_object_put(view);
	return 0;
}

struct health {
	char *status;
	char *version;
	int64_t serial;
	int64_t time;
};

#define HF(name, kind, member) \
	{ name, kind, offsetof(struct health, member), IAM_JF_REQUIRED, 64, 0, 0 }

static const struct iam_json_field health_fields[] = {
	HF("status", IAM_J_STRING, status), HF("version", IAM_J_STRING, version),
	HF("serial", IAM_J_INT64, serial), HF("time", IAM_J_INT64, time),
};

/* The answer is shown only when it is the object the API promises. */
static int check_health(struct cli_ctx *c, struct json_object *obj)
{
	struct health h = { 0 };
	struct iam_err err = { "" };
	int r = iam_json_map(obj, health_fields, CLI_NELEM(health_fields), 0, &h, &err);

	if (r == 0 && (!h.status[0] || !h.version[0] || h.serial < 0 || h.time <= 0)) {
		iam_err_set(&err, "empty status or version, or a negative serial or time");
		r = -EINVAL;
	}
	iam_json_map_free(health_fields, CLI_NELEM(health_fields), &h);
	if (r < 0)
		return cli_fail(c, CLI_EXIT_UNAVAILABLE, "%s: the endpoint's health answer is "
				"not what the API promises: %s", c->cfg.endpoint, err.msg);
	return 0;
}

static int run_status(struct cli_ctx *c, const struct cli_args *a)
{
	struct json_object *obj = NULL;
	time_t before = time(NULL), after;
	int r;

	r = cli_call(c, "GET", "/v1/health", NULL, &obj);
	after = time(NULL);
	if (r == 0)
		r = check_health(c, obj);
	if (r == 0)
		r = c->json ? out_json(c, obj)
			    : print_status(c, obj, ((long long)before + (long long)after) / 2);
	json_object_put(obj);
	return r;
}

static const struct cli_opt_spec login_opts[] = { CLI_LOGIN_OPTS, { NULL, 0, 0 } };

static const struct cli_command commands[] = {
	{ "login", "[--password-stdin] [--code CODE | --code-stdin]",
	  "Log in as a directory user and keep the session for later commands.",
	  CLI_LOGIN_HELP, login_opts, 0, 0, CLI_ACT_USER, run_login },
	{ "logout", "", "End the stored session of the user and remove it.",
	  NULL, NULL, 0, 0, CLI_ACT_USER, run_logout },
	{ "whoami", "", "Show whom the endpoint takes you for.",
	  NULL, NULL, 0, 0, CLI_ACT_EITHER, run_whoami },
	{ "status", "", "Show the endpoint's health, version, serial and clock difference.",
	  NULL, NULL, 0, 0, CLI_ACT_NONE, run_status },
};

const struct cli_command_table cli_session_commands = { commands, CLI_NELEM(commands) };
