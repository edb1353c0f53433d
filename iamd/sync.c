#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "fetch.h"
#include "log.h"
#include "safe_file.h"
#include "sync.h"

/* 0 when there is no cache yet; an unreadable cache is logged and will be
 * replaced, since the NSS module does not use it either. */
static uint64_t cache_serial(const struct agent *a)
{
	struct iam_err err = { "" };
	struct iam_buf line;
	uint64_t serial = 0;

	if (iam_cache_file_serial(a->cfg.cache_path, &serial, &err) == 0)
		return serial;
	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "cache_invalid");
	iam_kv_add(&line, "path", a->cfg.cache_path);
	iam_kv_add(&line, "error", err.msg);
	iam_kv_add(&line, "action", "replace");
	iam_log(LOG_WARNING, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
	return 0;
}

static int fail(struct sync_result *res, const char *reason, int r)
{
	res->reason = reason;
	return r;
}

/* Serial and host, once the signature has been checked. */
static int check_snapshot(const struct agent *a, const struct envelope *env,
			  const struct snapshot *s, struct sync_result *res, struct iam_err *err)
{
	if (s->serial != env->serial) {
		iam_err_set(err, "the snapshot's serial %" PRId64 " differs from the answer's "
			    "%" PRId64, s->serial, env->serial);
		return fail(res, "bad_payload", -EBADMSG);
	}
	if ((uint64_t)s->serial < res->old_serial) {
		iam_err_set(err, "snapshot serial %" PRId64 " is older than the cache's %" PRIu64
			    " (a replay, or an endpoint restored from an old backup); the cache "
			    "is kept", s->serial, res->old_serial);
		return fail(res, "replay", -ESTALE);
	}
	if (strcmp(s->host, a->host) != 0) {
		iam_err_set(err, "the snapshot was made for host '%.64s', this host is '%.64s'",
			    s->host, a->host);
		return fail(res, "wrong_host", -EBADMSG);
	}
	return 0;
}

static int load_local_names(struct name_set *users, struct name_set *groups,
			    struct iam_err *err)
{
	int r = name_set_load(users, IAMD_LOCAL_PASSWD, err);

	if (r == 0 && (r = name_set_load(groups, IAMD_LOCAL_GROUP, err)) < 0)
		name_set_free(users);
	return r;
}

static int build_image(const struct snapshot *s, const struct snapshot_filter *f,
		       struct sync_result *res, struct iam_err *err)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	int r;

	if (!b) {
		iam_err_set(err, "out of memory");
		return fail(res, "error", -ENOMEM);
	}
	r = snapshot_fill(s, f, b, &res->counts, err);
	if (r < 0)
		fail(res, r == -ENOMEM ? "error" : "bad_payload", r);
	else if ((r = iam_cache_build(b, (uint64_t)s->serial, s->generated_at, &res->image,
				      &res->size, err)) < 0)
		fail(res, "error", r);
	iam_cache_builder_free(b);
	return r;
}

static int make_image(const struct agent *a, const struct snapshot *s,
		      struct sync_result *res, struct iam_err *err)
{
	struct snapshot_filter f = { a->cfg.id_min, a->cfg.id_max, NULL, NULL };
	struct name_set users, groups;
	int r;

	r = load_local_names(&users, &groups, err);
	if (r < 0)
		return fail(res, "local_files", r);
	f.local_users = &users;
	f.local_groups = &groups;
	r = build_image(s, &f, res, err);
	res->changed = r == 0;
	name_set_free(&users);
	name_set_free(&groups);
	return r;
}

/* Names both keys, so that an operator sees at once whether iam.conf or
 * the snapshot is at fault. The endpoint's key_id is only a hint. */
static void explain_signature(const struct agent *a, const struct envelope *env,
			      struct iam_err *err)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	iam_err_set(err, "%.200s (snapshot_pubkey is key %s, the endpoint names key %.16s); "
		    "if the endpoint's signing key was replaced, set snapshot_pubkey to its new "
		    "signing.pub and restart iamd",
		    msg, a->key_id, env->key_id ? env->key_id : "-");
}

static int apply(struct agent *a, const struct envelope *env, struct sync_result *res,
		 struct iam_err *err)
{
	struct snapshot s;
	int r;

	r = snapshot_open(env->payload, strlen(env->payload), env->signature, a->pub, &s, err);
	if (r == SNAPSHOT_BAD_SIGNATURE) {
		explain_signature(a, env, err);
		return fail(res, "bad_signature", r);
	}
	if (r < 0)
		return fail(res, r == -ENOMEM ? "error" : "bad_payload", r);
	r = check_snapshot(a, env, &s, res, err);
	if (r == 0)
		r = make_image(a, &s, res, err);
	snapshot_close(&s);
	return r;
}

int sync_fetch(struct agent *a, unsigned wait, struct sync_result *res, struct iam_err *err)
{
	struct envelope env;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&env, 0, sizeof(env));
	res->old_serial = cache_serial(a);
	r = fetch_host_name(a, &res->reason, err);
	if (r == 0)
		r = fetch_snapshot(a, (long long)res->old_serial, wait, &env, &res->reason, err);
	/* Unchanged, yet at another serial: the endpoint is behind the cache.
	 * Its signed snapshot decides (and the replay check refuses it). */
	if (r == 0 && !env.changed && (uint64_t)env.serial != res->old_serial) {
		envelope_free(&env);
		r = fetch_snapshot(a, -1, 0, &env, &res->reason, err);
		if (r == 0 && !env.changed) {
			iam_err_set(err, "the endpoint answered a request without 'since' with "
				    "'changed': false");
			r = fail(res, "bad_answer", -EBADMSG);
		}
	}
	if (r == 0)
		res->serial = (uint64_t)env.serial;
	if (r == 0 && env.changed)
		r = apply(a, &env, res, err);
	envelope_free(&env);
	return r;
}

static int ensure_dir(const char *path, struct iam_err *err)
{
	char copy[PATH_MAX];
	const char *dir;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy)) {
		iam_err_set(err, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	dir = dirname(copy);
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	iam_err_set(err, "cannot create %s: %s", dir, strerror(errno));
	return -errno;
}

static void log_updated(const struct agent *a, const struct sync_result *res)
{
	struct iam_buf line;
	int i;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "cache_updated");
	iam_kv_add(&line, "path", a->cfg.cache_path);
	iam_kv_addll(&line, "serial", (long long)res->serial);
	iam_kv_addll(&line, "previous", (long long)res->old_serial);
	iam_kv_addll(&line, "users", (long long)res->counts.users);
	iam_kv_addll(&line, "groups", (long long)res->counts.groups);
	iam_kv_addll(&line, "members", (long long)res->counts.members);
	iam_kv_addll(&line, "skipped", (long long)snapshot_skipped_total(&res->counts));
	for (i = 0; i < SKIP_COUNT; i++) {
		char key[32];

		if (!res->counts.skipped[i])
			continue;
		snprintf(key, sizeof(key), "skipped_%s", snapshot_skip_name(i));
		iam_kv_addll(&line, key, (long long)res->counts.skipped[i]);
	}
	iam_log(LOG_INFO, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* A killed writer leaves its temporary cache behind, a cache's size each:
 * those older than a minute (never one being written now) go. */
#define STALE_TEMP_AGE 60

int sync_commit(const struct agent *a, struct sync_result *res, struct iam_err *err)
{
	int r = ensure_dir(a->cfg.cache_path, err);

	if (r == 0 && iam_file_remove_stale_temps(a->cfg.cache_path, STALE_TEMP_AGE, NULL) > 0)
		iam_log(LOG_NOTICE, "event=stale_temp_removed path=%s", a->cfg.cache_path);
	if (r == 0)
		r = iam_cache_write_file(a->cfg.cache_path, res->image, res->size, err);
	if (r < 0)
		return fail(res, "write_failed", r);
	log_updated(a, res);
	return 0;
}

void sync_result_free(struct sync_result *res)
{
	free(res->image);
	res->image = NULL;
}
