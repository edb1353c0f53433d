#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctx.h"
#include "host_config.h"
#include "secmem.h"

#define KEY(name, type, field, def, min, max) \
	{ name, type, offsetof(struct cli_config, field), def, min, max, NULL }

/* Timeouts are milliseconds like in iam.conf(5): "3s", "500ms". */
static const struct iam_cfg_key cli_schema[] = {
	KEY("endpoint", IAM_CFG_URL, endpoint, NULL, 0, 0),
	KEY("ca_file", IAM_CFG_PATH, ca_file, NULL, 0, 0),
	KEY("pinned_pubkey", IAM_CFG_STR, pinned_pubkey, NULL, 0, 0),
	KEY("admin_token_file", IAM_CFG_PATH, admin_token_file, NULL, 0, 0),
	KEY("user", IAM_CFG_STR, user, NULL, 0, 0),
	KEY("signing_pubkey", IAM_CFG_STR, signing_pubkey, NULL, 0, 0),
	KEY("connect_timeout", IAM_CFG_MSEC, connect_timeout_ms, "3s", 100, 60000),
	KEY("timeout", IAM_CFG_MSEC, timeout_ms, "30s", 1000, 600000),
	KEY("token_dir", IAM_CFG_PATH, token_dir, NULL, 0, 0),
};

/* Environment variables and the keys they set, in no particular order. */
static const struct {
	const char *var;
	const char *key;
} env_keys[] = {
	{ "IAM_ENDPOINT", "endpoint" },
	{ "IAM_CA_FILE", "ca_file" },
	{ "IAM_PINNED_PUBKEY", "pinned_pubkey" },
	{ "IAM_ADMIN_TOKEN_FILE", "admin_token_file" },
	{ "IAM_USER", "user" },
	{ "IAM_SIGNING_PUBKEY", "signing_pubkey" },
	{ "IAMCTL_TOKEN_DIR", "token_dir" },
};

/* Answers can be large: a page of 1000 audit records. */
#define CLI_MAX_RESPONSE (32u << 20)

void cli_ctx_init(struct cli_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->uid = getuid();
}

void cli_ctx_free(struct cli_ctx *c)
{
	iam_cfg_free(cli_schema, CLI_NELEM(cli_schema), &c->cfg);
	iam_free_secret(c->code);
	c->code = NULL;
	iam_api_free(c->api);
	c->api = NULL;
}

int cli_fail(struct cli_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return code;
}

int cli_usage(struct cli_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->usage_hint = 1;
	return CLI_EXIT_USAGE;
}

int cli_home_dir(char *out, size_t outsz)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!home || home[0] != '/') {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] != '/')
		return -ENOENT;
	return snprintf(out, outsz, "%s", home) < (int)outsz ? 0 : -ENAMETOOLONG;
}

static void warn_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "iamctl: warning: %s\n", msg);
}

/* The per-user file: $XDG_CONFIG_HOME/iam/iamctl.conf or ~/.config/... */
static int user_config_path(char *out, size_t outsz)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char home[PATH_MAX];
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(out, outsz, "%s/iam/iamctl.conf", xdg);
	else if (cli_home_dir(home, sizeof(home)) == 0)
		n = snprintf(out, outsz, "%s/.config/iam/iamctl.conf", home);
	else
		return -ENOENT;
	return n > 0 && (size_t)n < outsz ? 0 : -ENAMETOOLONG;
}

/* required: a file named explicitly must exist; the default ones may not. */
static int load_file(struct cli_ctx *c, const char *path, int required)
{
	struct iam_err err = { "" };
	int r;

	r = iam_cfg_load(path, c->uid, cli_schema, CLI_NELEM(cli_schema), &c->cfg,
			 warn_stderr, NULL, &err);
	if (r == -ENOENT && !required)
		return 0;
	if (r < 0)
		return cli_fail(c, CLI_EXIT_USAGE, "%s", err.msg);
	return 0;
}

static int load_files(struct cli_ctx *c, const char *explicit_path)
{
	char path[PATH_MAX];
	int r;

	if (explicit_path)
		return load_file(c, explicit_path, 1);
	r = load_file(c, IAMCTL_SYSTEM_CONFIG, 0);
	if (r == 0 && user_config_path(path, sizeof(path)) == 0)
		r = load_file(c, path, 0);
	return r;
}

/* Paths typed on a command line or in the environment may be relative to
 * the current directory; the config file wants them absolute. */
static int absolute(const char *value, char *out, size_t outsz)
{
	char cwd[PATH_MAX];

	if (value[0] == '/' || value[0] == '\0')
		return snprintf(out, outsz, "%s", value) < (int)outsz ? 0 : -ENAMETOOLONG;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return snprintf(out, outsz, "%s/%s", cwd, value) < (int)outsz ? 0 : -ENAMETOOLONG;
}

static int is_path_key(const char *key)
{
	return strcmp(key, "ca_file") == 0 || strcmp(key, "admin_token_file") == 0 ||
	       strcmp(key, "token_dir") == 0;
}

/* Sets one key through the config file's setter; origin names where the
 * value came from ("IAM_ENDPOINT", "--timeout"). */
static int set_key(struct cli_ctx *c, const char *origin, const char *key,
		   const char *value)
{
	struct iam_err err = { "" };
	char path[PATH_MAX];

	if (is_path_key(key)) {
		if (absolute(value, path, sizeof(path)) < 0)
			return cli_fail(c, CLI_EXIT_USAGE, "%s: cannot make '%s' an absolute path",
					origin, value);
		value = path;
	}
	if (iam_cfg_set(cli_schema, CLI_NELEM(cli_schema), &c->cfg, key, value, &err) < 0)
		return cli_fail(c, CLI_EXIT_USAGE, "%s: %s", origin, err.msg);
	return 0;
}

static int apply_env(struct cli_ctx *c)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < CLI_NELEM(env_keys); i++) {
		const char *v = getenv(env_keys[i].var);

		if (v && *v)
			r = set_key(c, env_keys[i].var, env_keys[i].key, v);
	}
	return r;
}

static int apply_options(struct cli_ctx *c, const struct cli_options *o)
{
	const struct {
		const char *opt, *key, *value;
	} opts[] = {
		{ "--endpoint", "endpoint", o->endpoint },
		{ "--ca-file", "ca_file", o->ca_file },
		{ "--pin", "pinned_pubkey", o->pinned_pubkey },
		{ "--admin-token-file", "admin_token_file", o->admin_token_file },
		{ "--user", "user", o->user },
		{ "--timeout", "timeout", o->timeout },
	};
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < CLI_NELEM(opts); i++)
		if (opts[i].value)
			r = set_key(c, opts[i].opt, opts[i].key, opts[i].value);
	return r;
}

/* Rules that span keys or that the setter's types cannot express. */
static int check_config(struct cli_ctx *c)
{
	struct cli_config *cfg = &c->cfg;

	if (cfg->user && !iam_name_valid(cfg->user))
		return cli_fail(c, CLI_EXIT_USAGE, "user '%s' is not a valid user name "
				"(lower case letters, digits, '_' and '-', at most 32)", cfg->user);
	if (cfg->pinned_pubkey && !iam_pin_valid(cfg->pinned_pubkey))
		return cli_fail(c, CLI_EXIT_USAGE, "pinned_pubkey must be sha256//<base64 of "
				"the key's SHA-256>, several joined by ';'");
	if (cfg->connect_timeout_ms > cfg->timeout_ms)
		cfg->connect_timeout_ms = cfg->timeout_ms;
	return 0;
}

int cli_config_resolve(struct cli_ctx *c, struct cli_options *o)
{
	const char *explicit_path = o->config;
	struct iam_err err = { "" };
	int r;

	c->json = o->json;
	c->quiet = o->quiet;
	c->password_stdin = o->password_stdin;
	c->code_stdin = o->code_stdin;
	c->code = o->code;
	o->code = NULL;
	if (!explicit_path) {
		explicit_path = getenv("IAMCTL_CONFIG");
		if (explicit_path && !*explicit_path)
			explicit_path = NULL;
	}
	if (iam_cfg_defaults(cli_schema, CLI_NELEM(cli_schema), &c->cfg, &err) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	r = load_files(c, explicit_path);
	if (r == 0)
		r = apply_env(c);
	if (r == 0)
		r = apply_options(c, o);
	if (r == 0)
		r = check_config(c);
	return r;
}

static int unix_user(struct cli_ctx *c)
{
	struct passwd *pw = getpwuid(c->uid);

	if (!pw)
		return cli_fail(c, CLI_EXIT_USAGE, "cannot find the name of uid %u; use --user NAME",
				(unsigned)c->uid);
	if (!iam_name_valid(pw->pw_name))
		return cli_fail(c, CLI_EXIT_USAGE, "your unix name '%s' is not a directory user "
				"name; use --user NAME", pw->pw_name);
	snprintf(c->user, sizeof(c->user), "%s", pw->pw_name);
	return 0;
}

int cli_resolve_user(struct cli_ctx *c)
{
	if (!c->cfg.user)
		return unix_user(c);
	snprintf(c->user, sizeof(c->user), "%s", c->cfg.user);
	return 0;
}

static int act_as_user(struct cli_ctx *c)
{
	c->acting = CLI_ACT_USER;
	return cli_resolve_user(c);
}

int cli_identity_resolve(struct cli_ctx *c, enum cli_acting wanted)
{
	switch (wanted) {
	case CLI_ACT_USER:
		return act_as_user(c);
	case CLI_ACT_EITHER:
		if (c->cfg.user || !c->cfg.admin_token_file)
			return act_as_user(c);
		c->acting = CLI_ACT_ADMIN;
		return 0;
	default:
		c->acting = wanted;
		return 0;
	}
}

int cli_api(struct cli_ctx *c)
{
	struct iam_http_config hc = { 0 };
	struct iam_err err = { "" };

	if (c->api)
		return 0;
	if (!c->cfg.endpoint)
		return cli_fail(c, CLI_EXIT_USAGE, "no endpoint configured: use --endpoint "
				"https://HOST:PORT, set IAM_ENDPOINT, or put 'endpoint = https://...' "
				"in %s or ~/.config/iam/iamctl.conf", IAMCTL_SYSTEM_CONFIG);
	hc.base_url = c->cfg.endpoint;
	hc.ca_file = c->cfg.ca_file;
	hc.pinned_pubkey = c->cfg.pinned_pubkey;
	hc.connect_timeout_ms = (long)c->cfg.connect_timeout_ms;
	hc.timeout_ms = (long)c->cfg.timeout_ms;
	hc.max_response = CLI_MAX_RESPONSE;
	hc.user_agent = "iamctl/" PACKAGE_VERSION;
	c->api = iam_api_new(&hc, NULL, &err);
	if (!c->api)
		return cli_fail(c, CLI_EXIT_USAGE, "%s", err.msg);
	return 0;
}
