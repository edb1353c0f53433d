#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* The command name may hold spaces and parentheses, so the fields are
 * counted from the last ')'. */
static int parse_stat(const char *line, struct iam_proc_stat *out)
{
	const char *p = strrchr(line, ')');
	char *end;
	int field;

	if (!p || p[1] != ' ')
		return -EBADMSG;
	p += 2;
	/* p is at field 3 (state); skip it to field 4 (ppid). */
	p = strchr(p, ' ');
	if (!p)
		return -EBADMSG;
	errno = 0;
	out->ppid = (pid_t)strtol(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EBADMSG;
	p = end;
	/* p is at the space before field 5; move to the one before 22. */
	for (field = 5; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EBADMSG;
	out->start = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EBADMSG;
	return 0;
}

int iam_proc_stat(pid_t pid, struct iam_proc_stat *out)
{
	char path[64], line[1024];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -errno;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 || errno == ESRCH ? -ENOENT : -errno;
	line[n] = '\0';
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	return parse_stat(line, out);
}
