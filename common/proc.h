/* What /proc says about a process: its parent and its start time. A pid
 * alone names a process only until it exits; (pid, start time) names it
 * for good, so records keyed by pid keep the start time and are checked
 * against it before they are believed. */
#ifndef IAM_PROC_H
#define IAM_PROC_H

#include <sys/types.h>

struct iam_proc_stat {
	pid_t pid;
	pid_t ppid;
	unsigned long long start; /* clock ticks after boot (field 22) */
};

/* 0, -ENOENT when there is no such process, -EBADMSG when the stat line
 * cannot be read. */
int iam_proc_stat(pid_t pid, struct iam_proc_stat *out);

#endif
