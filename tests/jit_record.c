/*
 * Writes a JIT session record for tests/jit_end.sh, as pam_jit does when
 * it opens a session under a grant (iam_jit_session_record):
 *
 *   jit_record DIR PID USER ROLE GROUP GRANT NOT_AFTER [START]
 *
 * START is the process's start time; without it, the one /proc has now
 * (iam_proc_stat), with it any number (to make a record whose pid was
 * reused). Exit 0, 1 with a message, 2 for a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jit_session.h"
#include "parse.h"
#include "proc.h"

static int number(const char *s, long long min, long long max, long long *out)
{
	if (iam_parse_ll(s, min, max, out) == 0)
		return 0;
	fprintf(stderr, "jit_record: bad number '%s'\n", s);
	return -1;
}

int main(int argc, char **argv)
{
	struct iam_jit_session s;
	struct iam_proc_stat st;
	struct iam_err err = { "" };
	long long pid, grant, not_after, start;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: jit_record DIR PID USER ROLE GROUP GRANT NOT_AFTER [START]\n");
		return 2;
	}
	memset(&s, 0, sizeof(s));
	if (number(argv[2], 1, IAM_JIT_PID_MAX, &pid) < 0 ||
	    number(argv[6], 1, INT64_MAX, &grant) < 0 ||
	    number(argv[7], 1, IAM_JIT_TIME_MAX, &not_after) < 0 ||
	    (argc == 9 && number(argv[8], 0, INT64_MAX, &start) < 0))
		return 2;
	if (argc == 8) {
		if (iam_proc_stat((pid_t)pid, &st) < 0) {
			fprintf(stderr, "jit_record: no process %lld\n", pid);
			return 1;
		}
		start = (long long)st.start;
	}
	s.pid = (pid_t)pid;
	s.start = (unsigned long long)start;
	snprintf(s.user, sizeof(s.user), "%s", argv[3]);
	snprintf(s.role, sizeof(s.role), "%s", argv[4]);
	snprintf(s.group, sizeof(s.group), "%s", argv[5]);
	s.grant = grant;
	s.not_after = not_after;
	if (iam_jit_session_record(argv[1], &s, &err) < 0) {
		fprintf(stderr, "jit_record: %s\n", err.msg);
		return 1;
	}
	return 0;
}
