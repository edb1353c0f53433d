/*
 * "iamd authorized-keys USER": sshd's AuthorizedKeysCommand. Prints the
 * user's public keys from the endpoint, one per line, or nothing. Nothing
 * is printed unless the whole answer was good, so a failure can only take
 * keys away (fail closed); a failure exits 1 after one log line.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "api_client.h"
#include "cli.h"
#include "json.h"
#include "localnames.h"
#include "log.h"
#include "names.h"
#include "secmem.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define KEY_MAX 16384

struct keys_answer {
	char *user;
	struct json_object *keys;
};

static const struct iam_json_field answer_fields[] = {
	{ "user", IAM_J_STRING, offsetof(struct keys_answer, user), IAM_JF_REQUIRED, 32, 0, 0 },
	{ "keys", IAM_J_ARRAY, offsetof(struct keys_answer, keys), IAM_JF_REQUIRED, 0, 0, 0 },
};

struct key_entry {
	char *key;
};

static const struct iam_json_field key_fields[] = {
	{ "key", IAM_J_STRING, offsetof(struct key_entry, key), IAM_JF_REQUIRED, KEY_MAX, 0, 0 },
};

/* What happened, for the one log line. */
struct outcome {
	const char *result;   /* keys, no_keys, unknown_user, local_user, invalid_name, error */
	size_t keys, refused; /* printed, and left out for control characters */
};

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int add_key(struct json_object *entry, size_t i, struct iam_buf *out,
		   struct outcome *oc, struct iam_err *err)
{
	struct key_entry k = { NULL };
	int r = iam_json_map(entry, key_fields, NFIELDS(key_fields), 0, &k, err);

	if (r < 0)
		iam_err_prefix(err, "keys[%zu]", i);
	else if (has_control(k.key))
		oc->refused++;
	else if ((r = iam_buf_puts(out, k.key)) == 0 && (r = iam_buf_puts(out, "\n")) == 0)
		oc->keys++;
	iam_json_map_free(key_fields, NFIELDS(key_fields), &k);
	return r;
}

static int collect_keys(struct json_object *obj, const char *user, struct iam_buf *out,
			struct outcome *oc, struct iam_err *err)
{
	struct keys_answer a = { NULL, NULL };
	size_t i, n;
	int r = iam_json_map(obj, answer_fields, NFIELDS(answer_fields), 0, &a, err);

	if (r == 0 && strcmp(a.user, user) != 0) {
		iam_err_set(err, "the endpoint answered for another user");
		r = -EBADMSG;
	}
	n = r == 0 ? json_object_array_length(a.keys) : 0;
	for (i = 0; r == 0 && i < n; i++)
		r = add_key(json_object_array_get_idx(a.keys, i), i, out, oc, err);
	if (r < 0)
		iam_err_prefix(err, "keys answer");
	else
		oc->result = oc->keys ? "keys" : "no_keys";
	iam_json_map_free(answer_fields, NFIELDS(answer_fields), &a);
	return r;
}

/* The credential may belong to the user sshd runs this command as
 * (AuthorizedKeysCommandUser), or to root. */
static int request_keys(const struct iam_host_config *cfg, const char *user,
			struct iam_buf *out, struct outcome *oc, struct iam_err *err)
{
	struct json_object *obj = NULL;
	struct iam_http_config hc;
	struct iam_api_error aerr = { 0 };
	struct iam_api *api = NULL;
	char *token = NULL, path[128];
	int r;

	/* a valid name needs no escaping */
	snprintf(path, sizeof(path), "/v1/users/%s/keys", user);
	r = iam_credential_read(cfg->host_credential_file, geteuid(), &token, err);
	if (r == 0) {
		iam_host_http_config(cfg, &hc);
		api = iam_api_new(&hc, token, err);
		r = api ? iam_api_call(api, "GET", path, NULL, &obj, &aerr, err) : -EINVAL;
	}
	if (r == IAM_API_REFUSED && aerr.status == 404 && strcmp(aerr.resource, "user") == 0) {
		oc->result = "unknown_user";
		r = 0;
	} else if (r == 0) {
		r = collect_keys(obj, user, out, oc, err);
	}
	json_object_put(obj);
	iam_api_free(api);
	iam_free_secret(token);
	return r;
}

/* Keys of a directory user; nothing for a name the host has locally, so
 * that directory keys never open a local account of the same name. */
static int lookup(const char *config, const char *user, struct iam_buf *out,
		  struct outcome *oc, struct iam_err *err)
{
	struct iam_host_config cfg;
	struct name_set local = { NULL, NULL, 0 };
	int r = cli_load_config(config, &cfg, err);

	if (r == 0 && !cfg.endpoint) {
		iam_err_set(err, "endpoint is not set in the configuration: add "
			    "'endpoint = https://HOST:PORT' (iam.conf(5))");
		r = -EINVAL;
	}
	if (r == 0)
		r = name_set_load(&local, IAMD_LOCAL_PASSWD, err);
	if (r == 0 && name_set_has(&local, user))
		oc->result = "local_user";
	else if (r == 0)
		r = request_keys(&cfg, user, out, oc, err);
	name_set_free(&local);
	iam_host_config_free(&cfg);
	return r;
}

static void log_outcome(const char *user, const struct outcome *oc, const struct iam_err *err)
{
	struct iam_buf line;
	int prio = err ? LOG_ERR : oc->refused ? LOG_WARNING : LOG_INFO;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "authorized_keys");
	iam_kv_add(&line, "user", user);
	iam_kv_add(&line, "result", oc->result);
	iam_kv_addll(&line, "keys", (long long)oc->keys);
	if (oc->refused)
		iam_kv_addll(&line, "refused", (long long)oc->refused);
	if (err)
		iam_kv_add(&line, "error", err->msg);
	iam_log(prio, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* USER, or NULL when there is nothing to do but exit with *rc. */
static const char *parse_options(const struct iamd_command *cmd, int argc, char **argv,
				 struct cli_conf_options *o, int *rc)
{
	*rc = cli_parse_conf_options(cmd, argc, argv, o);
	if (*rc >= 0)
		return NULL;
	*rc = IAMD_EXIT_OK;
	if (argc - optind == 1)
		return argv[optind];
	*rc = cli_usage(cmd, argc - optind > 1 ? "one USER only" : "missing USER");
	return NULL;
}

static int run_keys(const struct iamd_command *cmd, int argc, char **argv)
{
	struct cli_conf_options o = { NULL, 0 };
	struct outcome oc = { "invalid_name", 0, 0 };
	struct iam_err err = { "" };
	struct iam_buf out;
	const char *user;
	int r;

	user = parse_options(cmd, argc, argv, &o, &r);
	if (!user)
		return r;
	iam_log_init("iamd", o.log_stderr ? IAM_LOG_STDERR : IAM_LOG_SYSLOG, 0);
	iam_buf_init(&out, 0);
	r = iam_name_valid(user) ? lookup(o.config, user, &out, &oc, &err) : 0;
	if (r < 0)
		oc = (struct outcome){ "error", 0, 0 };
	else
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	log_outcome(user, &oc, r < 0 ? &err : NULL);
	iam_buf_free(&out);
	return r < 0 ? IAMD_EXIT_FAILED : IAMD_EXIT_OK;
}

const struct iamd_command iamd_cmd_authorized_keys = {
	"authorized-keys",
	"USER [--config FILE] [--stderr]",
	"print a user's SSH public keys for sshd",
	"For sshd's AuthorizedKeysCommand: print USER's public SSH keys from the\n"
	"endpoint, one per line. Prints nothing and exits 0 for an unknown, disabled\n"
	"or deprovisioned user, for a name that is not a valid user name and for a\n"
	"name in /etc/passwd; prints nothing and exits 1 if the endpoint cannot say.",
	"Options:\n"
	"      --config FILE  read FILE instead of " IAM_HOST_CONFIG_PATH "\n"
	"      --stderr       log to standard error instead of syslog (authpriv)\n"
	"  -h, --help         this text\n",
	run_keys,
};
