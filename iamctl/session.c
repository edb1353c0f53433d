#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "safe_file.h"
#include "secmem.h"
#include "session.h"
#include "token.h"


#define SESSION_FILE_MAX 4096

/* token_dir, else $XDG_RUNTIME_DIR/iamctl, else ~/.cache/iamctl. */
static int token_dir(const struct cli_config *cfg, char *out, size_t outsz,
		     struct iam_err *err)
{
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	char home[PATH_MAX];
	int n;

	if (cfg->token_dir)
		n = snprintf(out, outsz, "%s", cfg->token_dir);
	else if (runtime && runtime[0] == '/')
		n = snprintf(out, outsz, "%s/iamctl", runtime);
	else if (cli_home_dir(home, sizeof(home)) == 0)
		n = snprintf(out, outsz, "%s/.cache/iamctl", home);
	else {
		iam_err_set(err, "no place for session tokens: set token_dir or HOME");
		return -ENOENT;
	}
	if (n < 0 || (size_t)n >= outsz) {
		iam_err_set(err, "the token directory's path is too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

/* The directory must be ours and closed to everybody else, or another
 * user could read or replace our tokens. */
static int check_dir(const char *dir, uid_t uid, struct iam_err *err)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		int r = -errno;

		if (r != -ENOENT)
			iam_err_set(err, "cannot use %s: %s", dir, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		iam_err_set(err, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != uid) {
		iam_err_set(err, "%s is owned by uid %u, not by you", dir, (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & 077) {
		iam_err_set(err, "%s is accessible by group or others (mode %04o); "
			    "run chmod 700 %s", dir, (unsigned)(st.st_mode & 07777), dir);
		return -EPERM;
	}
	return 0;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(char *path, struct iam_err *err)
{
	char *slash;

	for (slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			iam_err_set(err, "cannot create %s: %s", path, strerror(errno));
			if (slash)
				*slash = '/';
			return -EIO;
		}
		if (!slash)
			return 0;
		*slash = '/';
	}
}

static int session_path(const struct cli_config *cfg, uid_t uid, const char *user,
			int create, char *out, size_t outsz, struct iam_err *err)
{
	char dir[PATH_MAX];
	int r;

	r = token_dir(cfg, dir, sizeof(dir), err);
	if (r == 0 && create)
		r = make_dirs(dir, err);
	if (r == 0)
		r = check_dir(dir, uid, err);
	if (r == 0 && snprintf(out, outsz, "%s/%s.token", dir, user) >= (int)outsz) {
		iam_err_set(err, "the session file's path is too long");
		r = -ENAMETOOLONG;
	}
	return r;
}

/* Endpoints are compared without trailing slashes. */
static int same_endpoint(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

/* "endpoint\ntoken\nexpires\n" -> the parts, in place. */
static int split_file(char *text, char **endpoint, char **token, char **expires)
{
	char **parts[3] = { endpoint, token, expires };
	char *p = text, *nl;
	size_t i;

	for (i = 0; i < 3; i++) {
		nl = strchr(p, '\n');
		if (!nl)
			return -EINVAL;
		*nl = '\0';
		*parts[i] = p;
		p = nl + 1;
	}
	return *p == '\0' ? 0 : -EINVAL;
}

static int parse_session(char *text, const char *endpoint, struct cli_session *s)
{
	struct iam_token parsed;
	char *ep, *token, *expires;
	long long when;
	int r;

	if (split_file(text, &ep, &token, &expires) < 0 ||
	    iam_parse_ll(expires, 0, LLONG_MAX, &when) < 0)
		return -ENOENT;
	r = iam_token_parse(token, &parsed);
	if (r == 0 && parsed.kind != IAM_TOKEN_USER)
		r = -EINVAL;
	iam_wipe(&parsed, sizeof(parsed));
	/* The expiry is the endpoint's time: this machine's clock may differ
	 * (the demo's endpoint runs hours off), so it is not judged here. An
	 * expired token gets 401, and cli_call logs in again. */
	if (r < 0 || !same_endpoint(ep, endpoint) || when <= 0)
		return -ENOENT;
	s->token = strdup(token);
	s->expires_at = when;
	return s->token ? 0 : -ENOMEM;
}

int session_load(const struct cli_config *cfg, uid_t uid, const char *user,
		 struct cli_session *s, struct iam_err *err)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	r = session_path(cfg, uid, user, 0, path, sizeof(path), err);
	if (r == 0)
		r = iam_file_read(path, uid, SESSION_FILE_MAX, IAM_FILE_SECRET, &text, &len, err);
	if (r == 0)
		r = parse_session(text, cfg->endpoint, s);
	if (r == -ENOMEM)
		iam_err_set(err, "out of memory");
	iam_free_secret(text);
	return r;
}

int session_store(const struct cli_config *cfg, uid_t uid, const char *user,
		  const struct cli_session *s, struct iam_err *err)
{
	char path[PATH_MAX];
	char text[SESSION_FILE_MAX];
	int n, r;

	r = session_path(cfg, uid, user, 1, path, sizeof(path), err);
	if (r < 0)
		return r;
	n = snprintf(text, sizeof(text), "%s\n%s\n%lld\n", cfg->endpoint, s->token,
		     s->expires_at);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		iam_err_set(err, "session too large to store");
		r = -E2BIG;
	} else {
		r = iam_file_write_atomic(path, text, (size_t)n, 0600, err);
	}
	iam_wipe(text, sizeof(text));
	return r;
}

int session_remove(const struct cli_config *cfg, uid_t uid, const char *user,
		   struct iam_err *err)
{
	char path[PATH_MAX];
	int r;

	r = session_path(cfg, uid, user, 0, path, sizeof(path), err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		iam_err_set(err, "cannot remove %s: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

void session_clear(struct cli_session *s)
{
	iam_free_secret(s->token);
	s->token = NULL;
	s->expires_at = 0;
}
