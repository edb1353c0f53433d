/* One PAM call's state: configuration, items, logging, the API client. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "log.h"
#include "names.h"
#include "pi.h"
#include "secmem.h"

/* The argument every module has; every iam.conf key is an argument too. */
static const struct iam_cfg_key config_arg[] = {
	{ "config", IAM_CFG_PATH, offsetof(struct pi, config), NULL, 0, 0, NULL },
};

struct warn_ctx {
	pam_handle_t *pamh;
};

static void warn_cb(void *ctx, const char *msg)
{
	pam_syslog(((struct warn_ctx *)ctx)->pamh, LOG_WARNING, "event=config %s", msg);
}

static int bad_arg(struct pi *pi, const char *arg, const char *msg)
{
	pam_syslog(pi->pamh, LOG_ERR, "event=config argument=\"%s\" error=\"%s\"", arg, msg);
	return PAM_SERVICE_ERR;
}

/* An argument of the module itself (or config=): 1 taken, 0 not one of
 * them, or a PAM error (logged). */
static int module_arg(struct pi *pi, const char *arg)
{
	const struct pi_module *m = pi->mod;
	struct iam_err err = { "" };
	int r;

	if (m->arg) {
		r = m->arg(pi, arg);
		if (r != 0)
			return r > 0 ? 1 : PAM_SERVICE_ERR;
	}
	r = iam_cfg_set_arg(config_arg, 1, pi, arg, &err);
	if (r == -ENOENT && m->nargs)
		r = iam_cfg_set_arg(m->args, m->nargs, pi->args, arg, &err);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? bad_arg(pi, arg, err.msg) : 1;
}

/* The module's own arguments first: config=PATH says which file to read
 * before the iam.conf keys among the arguments override it. taken[i] says
 * which arguments were the module's. */
static int read_module_args(struct pi *pi, int argc, const char **argv, unsigned char *taken)
{
	int i;

	for (i = 0; i < argc; i++) {
		int r = module_arg(pi, argv[i]);

		if (r != 0 && r != 1)
			return r;
		taken[i] = (unsigned char)r;
	}
	return PAM_SUCCESS;
}

static int read_config(struct pi *pi, int argc, const char **argv, const unsigned char *taken)
{
	struct warn_ctx wc = { pi->pamh };
	struct iam_err err = { "" };
	const char *path = pi->config ? pi->config : IAM_HOST_CONFIG_PATH;
	int i, r;

	r = iam_host_config_load(path, &pi->cfg, warn_cb, &wc, &err);
	if (r < 0 && r != -ENOENT) {
		pam_syslog(pi->pamh, LOG_ERR, "event=config error=\"%s\"", err.msg);
		return PAM_SERVICE_ERR;
	}
	for (i = 0; i < argc; i++) {
		if (taken[i])
			continue;
		r = iam_cfg_set_arg(iam_host_config_schema, iam_host_config_schema_len, &pi->cfg,
				    argv[i], &err);
		if (r == -ENOENT) {
			/* as Linux-PAM modules do: logged and ignored */
			pam_syslog(pi->pamh, LOG_WARNING, "event=config unknown_argument=\"%s\"",
				   argv[i]);
		} else if (r < 0) {
			return bad_arg(pi, argv[i], err.msg);
		}
	}
	if (iam_host_config_check(&pi->cfg, &err) < 0) {
		pam_syslog(pi->pamh, LOG_ERR, "event=config error=\"%s\"", err.msg);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || !v || !*(const char *)v)
		return NULL;
	return v;
}

/* Items become log fields and audit data: anything odd is dropped rather
 * than passed on. */
static const char *clean_item(pam_handle_t *pamh, int type)
{
	const char *v = item(pamh, type);

	return v && iam_text_valid(v, 255) ? v : NULL;
}

/* Longer than any account name a system takes (glibc: LOGIN_NAME_MAX 256). */
#define PI_USER_MAX 256

static int name_possible(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (n == 0 || n >= PI_USER_MAX)
		return 0;
	for (p = name; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f || *p == ':' || *p == '/')
			return 0;
	return 1;
}

/* A broken iam.conf or module line must not lock out the host's own users:
 * root on the console, a local admin about to fix the file with sudo. They
 * are never the directory's to decide, so they go on to pam_unix (with the
 * pam-auth-update profile's default=die, PAM_SERVICE_ERR would end the
 * stack for them too). Directory users still fail: nothing can decide them. */
static int pass_local_user(struct pi *pi)
{
	const char *user = NULL;

	if (pam_get_user(pi->pamh, &user, NULL) != PAM_SUCCESS || !user ||
	    !name_possible(user) || pi_local_user(pi, user) != 1)
		return PAM_SERVICE_ERR;
	pi_log(pi, LOG_WARNING, "ignore", "local_user", user, "reason",
	       "the configuration is broken (see the line before); a local user is left to the next module",
	       NULL);
	return PAM_IGNORE;
}

int pi_open(struct pi *pi, const struct pi_module *mod, void *args, pam_handle_t *pamh,
	    int flags, int argc, const char **argv, const char *phase)
{
	unsigned char *taken;
	int r;

	memset(pi, 0, sizeof(*pi));
	pi->mod = mod;
	pi->args = args;
	pi->pamh = pamh;
	pi->flags = flags;
	pi->phase = phase;
	if (argc < 0 || (argc > 0 && !argv))
		return PAM_SERVICE_ERR;
	taken = calloc((size_t)argc + 1, 1);
	if (!taken)
		return PAM_BUF_ERR;
	r = read_module_args(pi, argc, argv, taken);
	if (r == PAM_SUCCESS)
		r = read_config(pi, argc, argv, taken);
	free(taken);
	pi->service = clean_item(pamh, PAM_SERVICE);
	pi->rhost = clean_item(pamh, PAM_RHOST);
	pi->tty = clean_item(pamh, PAM_TTY);
	if (r == PAM_SERVICE_ERR)
		r = pass_local_user(pi);
	return r;
}

void pi_close(struct pi *pi)
{
	iam_api_free(pi->api);
	iam_host_config_free(&pi->cfg);
	iam_cfg_free(config_arg, 1, pi);
	if (pi->mod && pi->mod->nargs)
		iam_cfg_free(pi->mod->args, pi->mod->nargs, pi->args);
	memset(pi, 0, sizeof(*pi));
}

int pi_get_user(struct pi *pi)
{
	const char *user = NULL;
	int r = pam_get_user(pi->pamh, &user, NULL);

	if (r != PAM_SUCCESS) {
		pi_log(pi, LOG_ERR, "pam_get_user", "error", pam_strerror(pi->pamh, r), NULL);
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
	}
	if (!user || !name_possible(user)) {
		pi_log(pi, LOG_NOTICE, "bad_user_name", "reason",
		       "empty, too long, or with control characters, ':' or '/'", NULL);
		return PAM_USER_UNKNOWN;
	}
	pi->user = user;
	r = pi_managed(pi, user);
	if (r < 0 && strcmp(pi->phase, "auth") == 0) {
		/* Without the local files root cannot be told from a directory
		 * user: leave authentication to pam_unix rather than lock the
		 * console. The account phase decides such a user (below). */
		pi_log(pi, LOG_ERR, "ignore", "reason", "cannot read " PI_LOCAL_PASSWD, NULL);
		return PAM_IGNORE;
	}
	if (r == 0) {
		pi_log(pi, LOG_DEBUG, "ignore", "reason", "not a directory user", NULL);
		return PAM_IGNORE;
	}
	return PAM_SUCCESS;
}

struct iam_api *pi_api(struct pi *pi)
{
	struct iam_http_config hc;
	struct iam_err err = { "" };
	char *token = NULL, agent[64];
	int r;

	if (pi->api)
		return pi->api;
	if (!pi->cfg.endpoint) {
		pi_log(pi, LOG_ERR, "config", "file", pi->config ? pi->config : IAM_HOST_CONFIG_PATH,
		       "error", "no endpoint: the file is missing or has no endpoint line", "fix",
		       "set endpoint = https://HOST:PORT (iam.conf(5)); iamctl doctor checks the set-up",
		       NULL);
		return NULL;
	}
	r = iam_credential_read(pi->cfg.host_credential_file, 0, &token, &err);
	if (r < 0) {
		pi_log(pi, LOG_ERR, "credential", "error", err.msg, "fix", r == -ENOENT
		       ? "enrol this host (as an admin: iamctl host enroll HOST --output FILE), "
			 "then install -m 0600 FILE as host_credential_file"
		       : "the file must be root's, mode 0600, with the one line iamctl wrote",
		       NULL);
		return NULL;
	}
	iam_host_http_config(&pi->cfg, &hc);
	snprintf(agent, sizeof(agent), "%s/%s", pi->mod->name, PACKAGE_VERSION);
	hc.user_agent = agent;
	pi->api = iam_api_new(&hc, token, &err);
	iam_free_secret(token);
	if (!pi->api)
		pi_log(pi, LOG_ERR, "api", "error", err.msg, NULL);
	return pi->api;
}

const char *pi_refusal_fix(const struct iam_api_error *aerr)
{
	if (strcmp(aerr->code, "unauthenticated") == 0)
		return "the endpoint does not accept this host's credential (host_credential_file): "
		       "issue a new one with iamctl host rotate HOST --output FILE and install it "
		       "with mode 0600";
	if (strcmp(aerr->code, "forbidden") == 0)
		return "host_credential_file does not hold a host credential: install the file "
		       "iamctl host enroll or host rotate wrote";
	return "the endpoint's log has this request; iamctl doctor checks this host's set-up";
}

int pi_unreachable(int r, const struct iam_api_error *aerr)
{
	if (r == IAM_API_REFUSED)
		return aerr->status >= 500;
	return r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ETIMEDOUT || r == -EPROTO ||
	       r == -EIO || r == -EBADMSG || r == -E2BIG || r == -ENETUNREACH;
}

void pi_log_kv(struct pi *pi, int prio, const char *event, const char *const *kv)
{
	struct iam_buf b;
	size_t i;

	if (prio == LOG_DEBUG && !pi->cfg.debug)
		return;
	iam_buf_init(&b, 4096);
	iam_kv_add(&b, "event", event);
	iam_kv_add(&b, "phase", pi->phase);
	iam_kv_add(&b, "user", pi->user);
	iam_kv_add(&b, "service", pi->service);
	iam_kv_add(&b, "rhost", pi->rhost);
	iam_kv_add(&b, "tty", pi->tty);
	for (i = 0; kv[i]; i += 2)
		iam_kv_add(&b, kv[i], kv[i + 1]);
	pam_syslog(pi->pamh, prio, "%s", b.len ? iam_buf_str(&b) : "event=log_oom");
	iam_buf_free(&b);
}

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Keys carry the user: su and sudo change PAM_USER between phases. */
static void data_key(const struct pi *pi, const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s:%s", name, pi->user);
}

int pi_data_set(struct pi *pi, const char *name, const char *value)
{
	char key[300], *copy = strdup(value);

	data_key(pi, name, key, sizeof(key));
	if (!copy || pam_set_data(pi->pamh, key, copy, free_data) != PAM_SUCCESS) {
		free(copy);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

const char *pi_data_get(struct pi *pi, const char *name)
{
	char key[300];
	const void *v = NULL;

	data_key(pi, name, key, sizeof(key));
	return pam_get_data(pi->pamh, key, &v) == PAM_SUCCESS ? v : NULL;
}
