#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iam_buf.h"
#include "login_record.h"
#include "names.h"
#include "parse.h"
#include "proc.h"
#include "safe_file.h"

#define RECORD_MAGIC "iam-login 1\n"
#define RECORD_MAX 2048
#define MAX_GENERATIONS 64

static int record_path(const char *dir, pid_t pid, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%d", dir, (int)pid);

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

static int field_ok(const char *s)
{
	return iam_text_valid(s, IAM_LOGIN_FIELD_MAX);
}

int iam_login_record_write(const char *dir, const struct iam_login_record *r,
			   struct iam_err *err)
{
	char path[4096], text[RECORD_MAX];
	int n, rc;

	if (r->pid <= 0 || !field_ok(r->user) || !field_ok(r->service) || !field_ok(r->origin) ||
	    !field_ok(r->session)) {
		iam_err_set(err, "login record for pid %d: a field is not printable text",
			    (int)r->pid);
		return -EINVAL;
	}
	rc = record_path(dir, r->pid, path, sizeof(path));
	if (rc == 0)
		rc = iam_dir_private(dir, "session directory", 0, 1, err);
	if (rc < 0)
		return rc;
	n = snprintf(text, sizeof(text), RECORD_MAGIC "start %llu\nuser %s\nservice %s\n"
		     "origin %s\nsession %s\n", r->start, r->user, r->service, r->origin,
		     r->session);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -E2BIG;
	return iam_file_write_atomic(path, text, (size_t)n, 0600, err);
}

int iam_login_record_remove(const char *dir, pid_t pid, struct iam_err *err)
{
	char path[4096];
	int rc = record_path(dir, pid, path, sizeof(path));

	if (rc == 0 && unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		iam_err_set(err, "cannot remove %s: %s", path, strerror(errno));
	}
	return rc;
}

/* "key value\n" at *p, the value copied to out; *p moves past the line. */
static int take_line(const char **p, const char *key, char *out, size_t outsz)
{
	size_t k = strlen(key), n;
	const char *nl;

	if (strncmp(*p, key, k) != 0 || (*p)[k] != ' ')
		return -EBADMSG;
	nl = strchr(*p + k + 1, '\n');
	if (!nl)
		return -EBADMSG;
	n = (size_t)(nl - (*p + k + 1));
	if (n >= outsz)
		return -EBADMSG;
	memcpy(out, *p + k + 1, n);
	out[n] = '\0';
	*p = nl + 1;
	return field_ok(out) ? 0 : -EBADMSG;
}

static int parse_record(const char *text, struct iam_login_record *r)
{
	const char *p = text;
	char start[32];
	long long v;

	if (strncmp(p, RECORD_MAGIC, strlen(RECORD_MAGIC)) != 0)
		return -EBADMSG;
	p += strlen(RECORD_MAGIC);
	if (take_line(&p, "start", start, sizeof(start)) < 0 ||
	    iam_parse_ll(start, 0, 9223372036854775807LL, &v) < 0 ||
	    take_line(&p, "user", r->user, sizeof(r->user)) < 0 ||
	    take_line(&p, "service", r->service, sizeof(r->service)) < 0 ||
	    take_line(&p, "origin", r->origin, sizeof(r->origin)) < 0 ||
	    take_line(&p, "session", r->session, sizeof(r->session)) < 0 || *p)
		return -EBADMSG;
	r->start = (unsigned long long)v;
	return 0;
}

int iam_login_record_read(const char *dir, pid_t pid, struct iam_login_record *r,
			  struct iam_err *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int rc = record_path(dir, pid, path, sizeof(path));

	memset(r, 0, sizeof(*r));
	if (rc == 0)
		rc = iam_file_read(path, 0, RECORD_MAX, IAM_FILE_SECRET, &text, &len, err);
	if (rc < 0)
		return rc;
	rc = strlen(text) == len ? parse_record(text, r) : -EBADMSG;
	free(text);
	if (rc < 0)
		iam_err_set(err, "%s: not a login record", path);
	else
		r->pid = pid;
	return rc;
}

int iam_login_record_find(const char *dir, pid_t pid, struct iam_login_record *r,
			  struct iam_err *err)
{
	struct iam_proc_stat st;
	int i;

	for (i = 0; i < MAX_GENERATIONS && pid > 1; i++) {
		if (iam_proc_stat(pid, &st) < 0)
			return -ENOENT;
		if (iam_login_record_read(dir, pid, r, err) == 0 && r->start == st.start)
			return 0;
		pid = st.ppid;
	}
	memset(r, 0, sizeof(*r));
	return -ENOENT;
}
