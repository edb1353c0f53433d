/* The offline record of a directory user (see pi_offline.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "parse.h"
#include "pi_offline.h"
#include "safe_file.h"
#include "secmem.h"

#define RECORD_MAX 1024
#define RECORD_MAGIC "iam-offline 1\n"

static int record_path(struct pi *pi, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", pi->cfg.offline_dir, pi->user);

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

static int parse_field(struct pi_offline *rec, const char *key, const char *val)
{
	long long v;

	if (strcmp(key, "stamp") == 0) {
		if (strlen(val) >= sizeof(rec->stamp))
			return -EINVAL;
		snprintf(rec->stamp, sizeof(rec->stamp), "%s", strcmp(val, "-") ? val : "");
		return 0;
	}
	if (strcmp(key, "verifier") == 0) {
		size_t n = strlen(val);

		if (n >= sizeof(rec->verifier))
			return -EINVAL;
		memcpy(rec->verifier, val, n + 1);
		return 0;
	}
	if (iam_parse_ll(val, 0, INT64_MAX, &v) < 0)
		return -EINVAL;
	if (strcmp(key, "auth_time") == 0)
		rec->auth_time = v;
	else if (strcmp(key, "failures") == 0)
		rec->failures = v;
	else if (strcmp(key, "account_time") == 0)
		rec->account_time = v;
	else if (strcmp(key, "mfa") == 0 && v <= 1)
		rec->mfa = (int)v;
	else
		return -EINVAL;
	return 0;
}

/* "key value" lines after the magic line; anything else voids the record. */
static int parse_record(char *text, struct pi_offline *rec)
{
	char *line, *pos = NULL;

	if (strncmp(text, RECORD_MAGIC, strlen(RECORD_MAGIC)) != 0)
		return -EINVAL;
	for (line = strtok_r(text + strlen(RECORD_MAGIC), "\n", &pos); line;
	     line = strtok_r(NULL, "\n", &pos)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			return -EINVAL;
		*sp = '\0';
		if (parse_field(rec, line, sp + 1) < 0)
			return -EINVAL;
	}
	return 0;
}

/* 0 with *rec filled (zeroed when there is no record), or negative. */
static int load(struct pi *pi, struct pi_offline *rec, struct iam_err *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = record_path(pi, path, sizeof(path))) < 0)
		return r;
	r = iam_file_read(path, geteuid(), RECORD_MAX, IAM_FILE_SECRET, &text, &len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = parse_record(text, rec);
	if (r < 0)
		iam_err_set(err, "%s: not an offline record; it is ignored", path);
	iam_free_secret(text);
	if (r < 0)
		iam_wipe(rec, sizeof(*rec));
	return r;
}

static int save(struct pi *pi, const struct pi_offline *rec, struct iam_err *err)
{
	char path[4096], text[RECORD_MAX];
	int n, r;

	if ((r = record_path(pi, path, sizeof(path))) < 0)
		return r;
	r = iam_dir_private(pi->cfg.offline_dir, "offline directory", geteuid(), 1, err);
	if (r < 0)
		return r;
	n = snprintf(text, sizeof(text), RECORD_MAGIC "auth_time %lld\nmfa %d\nstamp %s\n"
		     "verifier %s\naccount_time %lld\nfailures %lld\n", (long long)rec->auth_time,
		     rec->mfa, rec->stamp[0] ? rec->stamp : "-",
		     rec->verifier[0] ? rec->verifier : "-", (long long)rec->account_time,
		     rec->failures);
	if (n < 0 || (size_t)n >= sizeof(text))
		r = -EINVAL;
	else
		r = iam_file_write_atomic(path, text, (size_t)n, 0600, err);
	iam_wipe(text, sizeof(text));
	return r;
}

void pi_offline_forget(struct pi *pi)
{
	char path[4096];

	if (record_path(pi, path, sizeof(path)) == 0 && unlink(path) < 0 && errno != ENOENT)
		pi_log(pi, LOG_ERR, "offline_record", "error", strerror(errno), NULL);
}

/* A verifier made at another offline_kdf_log2n is made again. */
static int same_cost(const struct pi_offline *rec, const struct iam_kdf_params *kp)
{
	char prefix[64];
	int n = snprintf(prefix, sizeof(prefix), "$scrypt$ln=%u,r=%u,p=%u$", kp->log2_n, kp->r,
			 kp->p);

	return n > 0 && strncmp(rec->verifier, prefix, (size_t)n) == 0;
}

void pi_offline_remember_login(struct pi *pi, const char *password, int mfa,
			       const char *stamp)
{
	struct iam_kdf_params kp = { (unsigned)pi->cfg.offline_kdf_log2n, 8, 1 };
	struct iam_err err = { "" };
	struct pi_offline rec;
	int keep;

	if (pi->cfg.offline_max_age == 0)
		return; /* no offline logins: keep no verifier at all */
	if (load(pi, &rec, &err) < 0)
		memset(&rec, 0, sizeof(rec)); /* a broken record is replaced */
	keep = stamp[0] && strcmp(rec.stamp, stamp) == 0 && rec.mfa == mfa &&
	       same_cost(&rec, &kp);
	rec.auth_time = time(NULL);
	rec.mfa = mfa;
	rec.failures = 0; /* the endpoint has seen this user again */
	snprintf(rec.stamp, sizeof(rec.stamp), "%s", stamp);
	if ((!keep && iam_kdf_hash(password, &kp, rec.verifier, &err) < 0) ||
	    save(pi, &rec, &err) < 0)
		pi_log(pi, LOG_ERR, "offline_record", "error", err.msg, NULL);
	else
		pi_log(pi, LOG_DEBUG, "offline_record", "verifier", keep ? "kept" : "new", NULL);
	iam_wipe(&rec, sizeof(rec));
}

void pi_offline_remember_account(struct pi *pi, int allowed)
{
	struct iam_err err = { "" };
	struct pi_offline rec;

	if (pi->cfg.offline_max_age == 0)
		return;
	if (!allowed) {
		pi_offline_forget(pi); /* a denied user gets nothing offline either */
		return;
	}
	if (load(pi, &rec, &err) < 0)
		memset(&rec, 0, sizeof(rec));
	rec.account_time = time(NULL);
	if (save(pi, &rec, &err) < 0)
		pi_log(pi, LOG_ERR, "offline_record", "error", err.msg, NULL);
	iam_wipe(&rec, sizeof(rec));
}

static int fresh(const struct pi *pi, int64_t t)
{
	int64_t now = time(NULL);

	return t > 0 && t <= now + 300 && now - t <= pi->cfg.offline_max_age;
}

/* The offline check proper, on a record that allows one. */
static int check_offline(struct pi *pi, struct pi_offline *rec, const char *password)
{
	struct iam_err err = { "" };
	int r = iam_kdf_verify(password, rec->verifier, &err);

	if (r < 0) {
		pi_log(pi, LOG_ERR, "offline_login", "result", "unavailable", "reason", err.msg,
		       NULL);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (r == 0 || rec->failures > 0) {
		/* count guesses the endpoint's lockout cannot see */
		rec->failures = r ? 0 : rec->failures + 1;
		if (save(pi, rec, &err) < 0)
			pi_log(pi, LOG_ERR, "offline_record", "error", err.msg, NULL);
	}
	pi_log(pi, r ? LOG_WARNING : LOG_NOTICE, "offline_login", "result",
	       r ? "ok" : "failed", "reason", r ? "endpoint unreachable" : "wrong password",
	       NULL);
	return r ? PAM_SUCCESS : PAM_AUTH_ERR;
}

int pi_offline_authenticate(struct pi *pi, const char *password)
{
	struct iam_err err = { "" };
	struct pi_offline rec;
	const char *why = NULL;
	int r = PAM_AUTHINFO_UNAVAIL;

	if (pi->cfg.offline_max_age == 0)
		why = "offline logins are off (offline_max_age = 0)";
	else if (load(pi, &rec, &err) < 0)
		why = err.msg;
	else if (rec.verifier[0] != '$')
		why = "no online login recorded on this host";
	else if (!fresh(pi, rec.auth_time))
		why = "the last online login is older than offline_max_age";
	else if (rec.mfa && pi->cfg.offline_mfa == IAM_OFFLINE_MFA_DENY)
		why = "the user must use MFA and offline_mfa = deny";
	else if (rec.failures >= pi->cfg.offline_max_failures) {
		why = "offline_max_failures wrong passwords since the last online login";
		r = PAM_MAXTRIES;
	}
	if (why)
		pi_log(pi, LOG_NOTICE, "offline_login", "result",
		       r == PAM_MAXTRIES ? "locked" : "unavailable", "reason", why, NULL);
	else
		r = check_offline(pi, &rec, password);
	iam_wipe(&rec, sizeof(rec));
	return r;
}

int pi_offline_account(struct pi *pi)
{
	struct iam_err err = { "" };
	struct pi_offline rec;
	int ok;

	ok = pi->cfg.offline_max_age > 0 && load(pi, &rec, &err) == 0 &&
	     fresh(pi, rec.account_time);
	iam_wipe(&rec, sizeof(rec));
	return ok ? PAM_SUCCESS : PAM_PERM_DENIED;
}

enum pi_cache_state pi_cache_user_state(struct pi *pi)
{
	struct iam_err err = { "" };
	struct iam_cache_map m;
	enum pi_cache_state s = PI_CACHE_ABSENT;
	long i;

	if (iam_cache_map(pi->cfg.cache_path, &m, &err) < 0) {
		pi_log(pi, LOG_ERR, "cache", "file", pi->cfg.cache_path, "error", err.msg, NULL);
		return PI_CACHE_ERROR;
	}
	i = iam_cache_find_user(&m.c, pi->user);
	if (i >= 0) {
		const struct iam_cache_user *u = iam_cache_user(&m.c, (size_t)i);

		if (!u)
			s = PI_CACHE_ERROR;
		else
			s = (u->flags & IAM_CACHE_USER_DISABLED) ? PI_CACHE_DISABLED
								 : PI_CACHE_ACTIVE;
	}
	iam_cache_unmap(&m);
	return s;
}
