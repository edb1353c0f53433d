#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "attempt.h"
#include "cidr.h"
#include "log.h"
#include "names.h"
#include "totp.h"

void attempt_init(struct attempt *a, struct req *r, const char *event, const char *user,
		  const char *service, const char *origin, const char *tty)
{
	struct iam_addr addr;

	memset(a, 0, sizeof(*a));
	a->r = r;
	a->event = event;
	a->user = user;
	a->service = service && *service ? service : NULL;
	a->origin = origin && *origin ? origin : NULL;
	a->tty = tty && *tty ? tty : NULL;
	if (iam_name_valid(user))
		snprintf(a->user_key, sizeof(a->user_key), "user:%s", user);
	/* A host speaks for many users: limit by the users' origin there, by
	 * the client address for direct (CLI) calls. */
	if (r->who.kind != P_HOST)
		snprintf(a->rate_key, sizeof(a->rate_key), "ip:%s", r->client_ip);
	else if (a->origin && iam_addr_parse(a->origin, &addr) == 0)
		snprintf(a->rate_key, sizeof(a->rate_key), "origin:%s", a->origin);
}

struct json_object *attempt_data(const struct attempt *a, const char *result,
				 const char *reason)
{
	struct json_object *data = json_object_new_object();

	iam_json_add_str(data, "user", a->user);
	iam_json_add_str(data, "by", a->by);
	iam_json_add_str(data, "result", result);
	iam_json_add_str(data, "reason", reason);
	iam_json_add_str(data, "service", a->service);
	iam_json_add_str(data, "origin", a->origin);
	iam_json_add_str(data, "tty", a->tty);
	iam_json_add_str(data, "client", a->r->client_ip);
	return data;
}

void attempt_log(const struct attempt *a, const char *type, const char *result,
		 const char *reason, int rc)
{
	struct iam_buf line;

	iam_buf_init(&line, 1024);
	iam_kv_add(&line, "event", type);
	iam_kv_add(&line, "result", result);
	iam_kv_add(&line, "reason", reason);
	iam_kv_add(&line, "user", a->user);
	iam_kv_add(&line, "caller", a->r->source);
	iam_kv_add(&line, "service", a->service);
	iam_kv_add(&line, "origin", a->origin);
	iam_log(strcmp(result, "ok") == 0 || strcmp(result, "mfa_required") == 0 ? LOG_INFO
										   : LOG_NOTICE,
		"%s", iam_buf_str(&line));
	iam_buf_free(&line);
	if (rc != ST_OK)
		iam_log(LOG_ERR, "event=audit_failed type=%s user=\"%.64s\" result=%s", type,
			a->user, result);
}

int attempt_audit(const struct attempt *a, const char *type, const char *result,
		  const char *reason)
{
	struct json_object *data = attempt_data(a, result, reason);
	int rc;

	rc = store_audit(a->r->st, a->r->now, a->r->source, type,
			 iam_name_valid(a->user) ? a->user : "-", data);
	json_object_put(data);
	attempt_log(a, type, result, reason, rc);
	return rc;
}

int attempt_locked(struct attempt *a, struct reply *out)
{
	const char *keys[] = { a->user_key, a->rate_key };
	int64_t until = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!keys[i][0] || store_lock_until(a->r->st, keys[i], a->r->now, &until) != ST_OK ||
		    !until)
			continue;
		reply_error(out, 429, "locked_out", "Too many failed logins; try again later.");
		reply_error_field(out, "retry_after", json_object_new_int64(until - a->r->now));
		attempt_audit(a, a->event, "locked", i == 0 ? "user_locked" : "rate_limited");
		return 1;
	}
	return 0;
}

static void count_failure(struct attempt *a)
{
	const struct pconfig *cfg = a->r->srv->cfg;
	struct failure_policy user = { cfg->lockout_threshold, cfg->lockout_window,
				       cfg->lockout_duration };
	struct failure_policy rate = { cfg->rate_limit_threshold, cfg->lockout_window,
				       cfg->lockout_duration };
	int64_t until;

	if (a->user_key[0])
		store_failure_add(a->r->st, a->user_key, &user, a->r->now, &until);
	if (a->rate_key[0])
		store_failure_add(a->r->st, a->rate_key, &rate, a->r->now, &until);
}

void attempt_fail(struct attempt *a, const char *type, const char *reason, struct reply *out)
{
	count_failure(a);
	attempt_audit(a, type, "failed", reason);
	reply_error(out, 401, "auth_failed", "Authentication failed.");
}

void attempt_reset(struct attempt *a)
{
	if (a->user_key[0])
		store_failure_reset(a->r->st, a->user_key, a->r->now);
}

int attempt_password(struct req *r, const struct login_facts *f, const char *password,
		     const char **reason)
{
	int usable = f->found && f->verifier[0] && strcmp(f->state, "deprovisioned") != 0;
	int match = kdf_verify(r->srv, password, usable ? f->verifier : r->srv->dummy_verifier);

	if (match == -EBUSY)
		return -EBUSY;
	match = match == 1;
	if (!f->found)
		*reason = "unknown_user";
	else if (!usable)
		*reason = "no_password";
	else
		*reason = "bad_password";
	return usable && match && password[0] != '\0';
}

int attempt_code(struct req *r, const struct login_facts *f, const char *code,
		 const char **reason)
{
	int64_t step = 0;
	int ok = totp_check(f->totp_secret, f->totp_len, code, r->now,
			    (int)r->srv->cfg->totp_window, &step) == 1;

	if (!ok) {
		*reason = "bad_code";
		return 0;
	}
	if (store_totp_step_use(r->st, f->user_id, step) != ST_OK) {
		*reason = "replayed_code";
		return 0;
	}
	return 1;
}
