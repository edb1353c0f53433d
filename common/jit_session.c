/* The record of a session opened under a JIT grant (jit_session.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jit_session.h"
#include "names.h"
#include "safe_file.h"

enum field { F_PID, F_START, F_USER, F_ROLE, F_GROUP, F_GRANT, F_NOT_AFTER, F_COUNT };

static const char *const field_key[F_COUNT] = {
	"pid", "start", "user", "role", "group", "grant", "not_after",
};

/* The longest value a line may carry: a name, or 19 digits. */
#define VALUE_MAX IAM_NAME_MAX

int iam_jit_session_check(const struct iam_jit_session *s, struct iam_err *err)
{
	const char *bad = NULL;

	if (s->pid < 1 || s->pid > IAM_JIT_PID_MAX)
		bad = "pid";
	else if (s->start > (unsigned long long)LLONG_MAX)
		bad = "start";
	else if (!iam_name_valid(s->user))
		bad = "user";
	else if (!iam_name_valid(s->role))
		bad = "role";
	else if (!iam_name_valid(s->group))
		bad = "group";
	else if (s->grant < 1)
		bad = "grant";
	else if (s->not_after < 1 || s->not_after > IAM_JIT_TIME_MAX)
		bad = "not_after";
	if (!bad)
		return 0;
	iam_err_set(err, "invalid JIT session record: bad %s", bad);
	return -EINVAL;
}

int iam_jit_session_format(const struct iam_jit_session *s, char *buf, size_t size,
			   struct iam_err *err)
{
	int n, r = iam_jit_session_check(s, err);

	if (r < 0)
		return r;
	n = snprintf(buf, size,
		     IAM_JIT_SESSION_MAGIC "\n"
		     "pid %d\nstart %llu\nuser %s\nrole %s\ngroup %s\n"
		     "grant %" PRId64 "\nnot_after %" PRId64 "\n",
		     (int)s->pid, s->start, s->user, s->role, s->group, s->grant, s->not_after);
	if (n < 0 || (size_t)n >= size) {
		iam_err_set(err, "JIT session record: buffer too small");
		return -ENOSPC;
	}
	return n;
}

/* --- Parsing ---------------------------------------------------------- */

/* Decimal digits only, no sign, no leading zero (but "0"), at most max. */
static int parse_number(const char *v, unsigned long long min, unsigned long long max,
			unsigned long long *out)
{
	unsigned long long n;
	char *stop;

	if (v[0] < '0' || v[0] > '9' || (v[0] == '0' && v[1] != '\0'))
		return -EBADMSG;
	errno = 0;
	n = strtoull(v, &stop, 10);
	if (errno || *stop != '\0' || n < min || n > max)
		return -EBADMSG;
	*out = n;
	return 0;
}

static int set_name(char *dst, const char *v)
{
	if (!iam_name_valid(v))
		return -EBADMSG;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_field(struct iam_jit_session *s, enum field f, const char *v)
{
	unsigned long long n = 0;
	int r = 0;

	switch (f) {
	case F_PID:
		r = parse_number(v, 1, IAM_JIT_PID_MAX, &n);
		s->pid = (pid_t)n;
		break;
	case F_START:
		r = parse_number(v, 0, LLONG_MAX, &n);
		s->start = n;
		break;
	case F_USER:
		return set_name(s->user, v);
	case F_ROLE:
		return set_name(s->role, v);
	case F_GROUP:
		return set_name(s->group, v);
	case F_GRANT:
		r = parse_number(v, 1, INT64_MAX, &n);
		s->grant = (int64_t)n;
		break;
	case F_NOT_AFTER:
		r = parse_number(v, 1, IAM_JIT_TIME_MAX, &n);
		s->not_after = (int64_t)n;
		break;
	case F_COUNT:
		r = -EBADMSG;
		break;
	}
	return r;
}

static int known_key(const char *key, size_t len)
{
	int f;

	for (f = 0; f < F_COUNT; f++)
		if (strlen(field_key[f]) == len && memcmp(field_key[f], key, len) == 0)
			return 1;
	return 0;
}

/* One "key value" line [p, nl) that must carry field f. */
static int parse_line(struct iam_jit_session *s, enum field f, const char *p, const char *nl,
		      int lineno, struct iam_err *err)
{
	const char *sp = memchr(p, ' ', (size_t)(nl - p));
	char value[VALUE_MAX + 1];
	size_t klen, vlen;

	if (!sp) {
		iam_err_set(err, "line %d: expected '%s VALUE'", lineno, field_key[f]);
		return -EBADMSG;
	}
	klen = (size_t)(sp - p);
	vlen = (size_t)(nl - sp - 1);
	if (klen != strlen(field_key[f]) || memcmp(p, field_key[f], klen) != 0) {
		iam_err_set(err, "line %d: %s key '%.*s' where '%s' belongs", lineno,
			    known_key(p, klen) ? "misplaced" : "unknown",
			    (int)(klen > 32 ? 32 : klen), p, field_key[f]);
		return -EBADMSG;
	}
	if (vlen == 0 || vlen > VALUE_MAX) {
		iam_err_set(err, "line %d: %s is %s", lineno, field_key[f],
			    vlen ? "too long" : "empty");
		return -EBADMSG;
	}
	memcpy(value, sp + 1, vlen);
	value[vlen] = '\0';
	if (set_field(s, f, value) < 0) {
		iam_err_set(err, "line %d: invalid %s '%s'", lineno, field_key[f], value);
		return -EBADMSG;
	}
	return 0;
}

int iam_jit_session_parse(const char *text, size_t len, struct iam_jit_session *s,
			  struct iam_err *err)
{
	const char *p = text, *end = text + len, *nl;
	int f, r = 0;

	memset(s, 0, sizeof(*s));
	if (len > IAM_JIT_SESSION_MAX) {
		iam_err_set(err, "a JIT session record has at most %d bytes", IAM_JIT_SESSION_MAX);
		return -EBADMSG;
	}
	if (memchr(text, '\0', len) || memchr(text, '\r', len)) {
		iam_err_set(err, "a JIT session record holds a NUL or a carriage return");
		return -EBADMSG;
	}
	for (f = -1; f < F_COUNT && r == 0; f++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			iam_err_set(err, "line %d: %s", f + 2, p == end ? "missing" :
				    "no newline at its end");
			r = -EBADMSG;
		} else if (f >= 0) {
			r = parse_line(s, (enum field)f, p, nl, f + 2, err);
		} else if ((size_t)(nl - p) != strlen(IAM_JIT_SESSION_MAGIC) ||
			   memcmp(p, IAM_JIT_SESSION_MAGIC, (size_t)(nl - p)) != 0) {
			iam_err_set(err, "line 1: not '" IAM_JIT_SESSION_MAGIC
				    "' (not a JIT session record, or another version)");
			r = -EBADMSG;
		}
		p = nl ? nl + 1 : end;
	}
	if (r == 0 && p != end) {
		iam_err_set(err, "line %d: text after the last key", F_COUNT + 2);
		r = -EBADMSG;
	}
	if (r < 0)
		memset(s, 0, sizeof(*s));
	return r;
}

/* --- Files ---------------------------------------------------------------- */

static int record_path(const char *dir, pid_t pid, char *out, size_t size, struct iam_err *err)
{
	if (!dir || !*dir || snprintf(out, size, "%s/%d", dir, (int)pid) >= (int)size) {
		iam_err_set(err, "the JIT session directory is not set or too long");
		return -EINVAL;
	}
	return 0;
}

int iam_jit_session_record(const char *dir, const struct iam_jit_session *s,
			   struct iam_err *err)
{
	char path[PATH_MAX], text[IAM_JIT_SESSION_MAX + 1];
	int n, r;

	n = iam_jit_session_format(s, text, sizeof(text), err);
	if (n < 0)
		return n;
	r = record_path(dir, s->pid, path, sizeof(path), err);
	if (r == 0)
		r = iam_dir_private(dir, "JIT session directory", 0, 1, err);
	if (r == 0)
		r = iam_file_write_atomic(path, text, (size_t)n, 0600, err);
	return r;
}

int iam_jit_session_forget(const char *dir, pid_t pid, struct iam_err *err)
{
	char path[PATH_MAX];
	int r = record_path(dir, pid, path, sizeof(path), err);

	if (r == 0 && unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		iam_err_set(err, "cannot remove %s: %s", path, strerror(errno));
	}
	return r;
}

int iam_jit_session_load(const char *path, struct iam_jit_session *s, struct iam_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	r = iam_file_read(path, 0, IAM_JIT_SESSION_MAX, 0, &text, &len, err);
	if (r == -EFBIG || r == -EINVAL)
		r = -EBADMSG;     /* too big, or not a regular file */
	if (r == 0 && (r = iam_jit_session_parse(text, len, s, err)) < 0)
		iam_err_prefix(err, "%s", path);
	free(text);
	return r;
}
