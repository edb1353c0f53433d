/*
 * Unit tests for common/jit_session.c: the record pam_jit writes for a
 * session opened under a JIT grant and iamd reads to end it. The format
 * (round trip, every way a record can be malformed, names and numbers out
 * of range) is tested on text; writing, reading and removing files in a
 * private mkdtemp directory. Records must be root's: the file cases that
 * need root are skipped, saying why, when not run as root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "jit_session.h"

#define assert_contains(s, sub)                                              \
	do {                                                                 \
		if (!strstr((s), (sub)))                                     \
			fail_msg("\"%s\" does not contain \"%s\"", (s), (sub)); \
	} while (0)

#define GOOD                                                                 \
	"iam-jit-session 1\n"                                                \
	"pid 4242\n"                                                         \
	"start 1234567\n"                                                    \
	"user alice\n"                                                       \
	"role dbadmin\n"                                                     \
	"group dbadmin\n"                                                    \
	"grant 17\n"                                                         \
	"not_after 1764407100\n"

static char tmpdir[] = "/tmp/iam_test_jit.XXXXXX";

static struct iam_jit_session sample(void)
{
	struct iam_jit_session s;

	memset(&s, 0, sizeof(s));
	s.pid = 4242;
	s.start = 1234567;
	strcpy(s.user, "alice");
	strcpy(s.role, "dbadmin");
	strcpy(s.group, "dbadmin");
	s.grant = 17;
	s.not_after = 1764407100;
	return s;
}

static void assert_same(const struct iam_jit_session *a, const struct iam_jit_session *b)
{
	assert_int_equal(a->pid, b->pid);
	assert_true(a->start == b->start);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->role, b->role);
	assert_string_equal(a->group, b->group);
	assert_true(a->grant == b->grant);
	assert_true(a->not_after == b->not_after);
}

static int parse(const char *text, struct iam_jit_session *s, struct iam_err *err)
{
	return iam_jit_session_parse(text, strlen(text), s, err);
}

/* text must be refused, with a message that contains what. */
static void refused(const char *text, const char *what)
{
	struct iam_err err = { "" };
	struct iam_jit_session s;

	if (parse(text, &s, &err) != -EBADMSG)
		fail_msg("accepted: \"%s\"", text);
	assert_contains(err.msg, what);
	/* nothing of a refused record is left for a careless caller */
	assert_int_equal(s.pid, 0);
	assert_string_equal(s.user, "");
}

/* GOOD with its line `from` replaced by `to` (whole lines, with "\n"). */
static void refused_with(const char *from, const char *to, const char *what)
{
	char text[4096];
	const char *at = strstr(GOOD, from);

	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
	refused(text, what);
}

/* ---- the format ------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct iam_jit_session in = sample(), out;
	struct iam_err err = { "" };
	char text[IAM_JIT_SESSION_MAX + 1];
	int n;

	(void)state;
	n = iam_jit_session_format(&in, text, sizeof(text), &err);
	assert_int_equal(n, (int)strlen(GOOD));
	assert_string_equal(text, GOOD);
	assert_int_equal(iam_jit_session_parse(text, (size_t)n, &out, &err), 0);
	assert_same(&in, &out);

	/* the extremes of every range */
	in.pid = IAM_JIT_PID_MAX;
	in.start = (unsigned long long)LLONG_MAX;
	in.grant = INT64_MAX;
	in.not_after = IAM_JIT_TIME_MAX;
	strcpy(in.user, "_2345678901234567890123456789012");  /* 32 bytes */
	strcpy(in.role, "r");
	strcpy(in.group, "a-b_c");
	n = iam_jit_session_format(&in, text, sizeof(text), &err);
	assert_true(n > 0);
	assert_int_equal(iam_jit_session_parse(text, (size_t)n, &out, &err), 0);
	assert_same(&in, &out);
	in.pid = 1;
	in.start = 0;
	in.grant = 1;
	in.not_after = 1;
	n = iam_jit_session_format(&in, text, sizeof(text), &err);
	assert_true(n > 0);
	assert_int_equal(iam_jit_session_parse(text, (size_t)n, &out, &err), 0);
	assert_same(&in, &out);
}

static void test_format_refuses(void **state)
{
	struct iam_jit_session s;
	struct iam_err err = { "" };
	char text[IAM_JIT_SESSION_MAX + 1];

	(void)state;
	s = sample();
	s.pid = 0;
	assert_int_equal(iam_jit_session_format(&s, text, sizeof(text), &err), -EINVAL);
	assert_contains(err.msg, "pid");
	s = sample();
	strcpy(s.user, "Alice");
	assert_int_equal(iam_jit_session_format(&s, text, sizeof(text), &err), -EINVAL);
	assert_contains(err.msg, "user");
	s = sample();
	s.group[0] = '\0';
	assert_int_equal(iam_jit_session_format(&s, text, sizeof(text), &err), -EINVAL);
	s = sample();
	s.grant = 0;
	assert_int_equal(iam_jit_session_format(&s, text, sizeof(text), &err), -EINVAL);
	s = sample();
	s.not_after = IAM_JIT_TIME_MAX + 1;
	assert_int_equal(iam_jit_session_format(&s, text, sizeof(text), &err), -EINVAL);
	s = sample();
	s.start = (unsigned long long)LLONG_MAX + 1;
	assert_int_equal(iam_jit_session_format(&s, text, sizeof(text), &err), -EINVAL);
	s = sample();
	assert_int_equal(iam_jit_session_format(&s, text, 20, &err), -ENOSPC);
}

static void test_magic(void **state)
{
	(void)state;
	refused_with("iam-jit-session 1\n", "iam-jit-session 2\n", "line 1");
	refused_with("iam-jit-session 1\n", "iam-jit-session 1 \n", "line 1");
	refused_with("iam-jit-session 1\n", "IAM-JIT-SESSION 1\n", "line 1");
	refused_with("iam-jit-session 1\n", "", "line 1");
	refused("", "line 1: missing");
	refused("iam-jit-session 1", "line 1: no newline");
	refused("pid 4242\n", "line 1");
}

static void test_malformed_lines(void **state)
{
	(void)state;
	/* missing, repeated, unknown and reordered keys */
	refused_with("start 1234567\n", "", "line 3: misplaced key 'user' where 'start'");
	refused_with("user alice\n", "user alice\nuser alice\n", "misplaced key 'user'");
	refused_with("role dbadmin\n", "shell /bin/sh\n", "unknown key 'shell'");
	refused_with("user alice\nrole dbadmin\n", "role dbadmin\nuser alice\n",
		     "misplaced key 'role'");
	refused_with("not_after 1764407100\n", "", "line 8: missing");
	/* separators and white space */
	refused_with("pid 4242\n", "pid  4242\n", "invalid pid");
	refused_with("pid 4242\n", "pid\t4242\n", "expected 'pid VALUE'");
	refused_with("pid 4242\n", "pid 4242 \n", "invalid pid");
	refused_with("pid 4242\n", "pid=4242\n", "expected 'pid VALUE'");
	refused_with("pid 4242\n", " pid 4242\n", "unknown key ''");
	refused_with("user alice\n", "user \n", "user is empty");
	refused_with("user alice\n", "user alice bob\n", "invalid user");
	refused_with("user alice\n", "user\n", "expected 'user VALUE'");
	refused_with("grant 17\n", "grant 17\r\n", "carriage return");
	refused_with("user alice\n", "user al\nice\n", "line 5: expected 'role VALUE'");
	/* no newline at the end, text after the end, an empty line */
	refused_with("not_after 1764407100\n", "not_after 1764407100", "line 8: no newline");
	refused(GOOD "\n", "line 9: text after");
	refused(GOOD "extra 1\n", "line 9: text after");
	refused_with("grant 17\n", "\ngrant 17\n", "line 7: expected 'grant VALUE'");

	/* a NUL inside: the length counts, not the terminator */
	{
		char text[] = GOOD;
		struct iam_jit_session s;
		struct iam_err err = { "" };

		text[strlen("iam-jit-session 1\npid 42")] = '\0';
		assert_int_equal(iam_jit_session_parse(text, sizeof(text) - 1, &s, &err), -EBADMSG);
		assert_contains(err.msg, "NUL");
	}
}

static void test_overlong(void **state)
{
	char big[IAM_JIT_SESSION_MAX + 200];

	(void)state;
	/* a record padded past the cap, whatever it holds */
	snprintf(big, sizeof(big), "%s", GOOD);
	memset(big + strlen(GOOD), 'x', sizeof(big) - strlen(GOOD) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	refused(big, "at most 1024 bytes");
	/* a value longer than any name or number */
	refused_with("user alice\n", "user a23456789012345678901234567890123\n", "user is too long");
	refused_with("grant 17\n", "grant 1234567890123456789012345678901234\n",
		     "grant is too long");
}

static void test_bad_names(void **state)
{
	(void)state;
	refused_with("user alice\n", "user Alice\n", "invalid user 'Alice'");
	refused_with("user alice\n", "user 1alice\n", "invalid user");
	refused_with("user alice\n", "user -alice\n", "invalid user");
	refused_with("user alice\n", "user ali:ce\n", "invalid user");
	refused_with("user alice\n", "user ../etc\n", "invalid user");
	refused_with("user alice\n", "user al\xc3\xa9\n", "invalid user");
	refused_with("role dbadmin\n", "role db.admin\n", "invalid role");
	refused_with("group dbadmin\n", "group DB\n", "invalid group");
	/* 33 bytes: one more than a name may have */
	refused_with("role dbadmin\n", "role a23456789012345678901234567890123\n", "role is too long");
}

static void test_numbers(void **state)
{
	(void)state;
	refused_with("pid 4242\n", "pid 0\n", "invalid pid '0'");
	refused_with("pid 4242\n", "pid -1\n", "invalid pid");
	refused_with("pid 4242\n", "pid +4242\n", "invalid pid");
	refused_with("pid 4242\n", "pid 04242\n", "invalid pid");
	refused_with("pid 4242\n", "pid 0x10\n", "invalid pid");
	refused_with("pid 4242\n", "pid 4194305\n", "invalid pid");
	refused_with("pid 4242\n", "pid 99999999999999999999\n", "invalid pid");
	refused_with("pid 4242\n", "pid 42a\n", "invalid pid");
	refused_with("start 1234567\n", "start -1\n", "invalid start");
	refused_with("start 1234567\n", "start 9223372036854775808\n", "invalid start");
	refused_with("start 1234567\n", "start 18446744073709551616\n", "invalid start");
	refused_with("start 1234567\n", "start 00\n", "invalid start");
	refused_with("grant 17\n", "grant 0\n", "invalid grant");
	refused_with("grant 17\n", "grant 9223372036854775808\n", "invalid grant");
	refused_with("grant 17\n", "grant 1.5\n", "invalid grant");
	refused_with("not_after 1764407100\n", "not_after 0\n", "invalid not_after");
	refused_with("not_after 1764407100\n", "not_after -1764407100\n", "invalid not_after");
	refused_with("not_after 1764407100\n", "not_after 253402300800\n", "invalid not_after");
	refused_with("not_after 1764407100\n", "not_after 1e9\n", "invalid not_after");
	/* 0 is a start time (a process of the first tick) */
	{
		struct iam_jit_session s;
		char text[4096], *at;

		snprintf(text, sizeof(text), "%s", GOOD);
		at = strstr(text, "start 1234567\n");
		memmove(at + strlen("start 0\n"), at + strlen("start 1234567\n"),
			strlen(at + strlen("start 1234567\n")) + 1);
		memcpy(at, "start 0\n", strlen("start 0\n"));
		assert_int_equal(parse(text, &s, NULL), 0);
		assert_int_equal(s.start, 0);
	}
}

/* ---- files ------------------------------------------------------------- */

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int remove_tmpdir(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void need_root(void)
{
	if (geteuid() != 0) {
		print_message("skipped: records and their directory must be root's; run as root\n");
		skip();
	}
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_files(void **state)
{
	struct iam_jit_session in = sample(), out;
	struct iam_err err = { "" };
	char dir[PATH_MAX / 2], path[PATH_MAX];
	struct stat st;

	(void)state;
	need_root();
	snprintf(dir, sizeof(dir), "%s/run/jit", tmpdir);
	assert_int_equal(iam_jit_session_record(dir, &in, &err), 0);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/4242", dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(iam_jit_session_load(path, &out, &err), 0);
	assert_same(&in, &out);

	/* written again: replaced whole */
	in.not_after++;
	assert_int_equal(iam_jit_session_record(dir, &in, &err), 0);
	assert_int_equal(iam_jit_session_load(path, &out, &err), 0);
	assert_int_equal(out.not_after, in.not_after);

	assert_int_equal(iam_jit_session_forget(dir, 4242, &err), 0);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(iam_jit_session_forget(dir, 4242, &err), 0);
	assert_int_equal(iam_jit_session_load(path, &out, &err), -ENOENT);

	/* an invalid session is not written */
	in.pid = 0;
	assert_int_equal(iam_jit_session_record(dir, &in, &err), -EINVAL);
}

static void test_load_refuses(void **state)
{
	struct iam_jit_session s;
	struct iam_err err = { "" };
	char path[PATH_MAX], link[PATH_MAX], big[IAM_JIT_SESSION_MAX + 2];

	(void)state;
	need_root();
	snprintf(path, sizeof(path), "%s/bad", tmpdir);
	write_text(path, "iam-jit-session 2\n", 0600);
	assert_int_equal(iam_jit_session_load(path, &s, &err), -EBADMSG);
	assert_contains(err.msg, path);

	/* writable by others, or of another owner: unsafe */
	write_text(path, GOOD, 0602);
	assert_int_equal(iam_jit_session_load(path, &s, &err), -EPERM);
	write_text(path, GOOD, 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(iam_jit_session_load(path, &s, &err), -EPERM);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(iam_jit_session_load(path, &s, &err), 0);

	/* a symbolic link is not followed */
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(iam_jit_session_load(link, &s, &err), -EPERM);

	/* too big, and not a regular file */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_text(path, big, 0600);
	assert_int_equal(iam_jit_session_load(path, &s, &err), -EBADMSG);
	assert_int_equal(iam_jit_session_load(tmpdir, &s, &err), -EBADMSG);
}

static void test_unsafe_dir(void **state)
{
	struct iam_jit_session in = sample();
	struct iam_err err = { "" };
	char dir[PATH_MAX];

	(void)state;
	need_root();
	snprintf(dir, sizeof(dir), "%s/open", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(iam_jit_session_record(dir, &in, &err), -EPERM);
	assert_contains(err.msg, "JIT session directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_load_refuses),
		cmocka_unit_test(test_unsafe_dir),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
