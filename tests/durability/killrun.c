/*
 * Runs a command and kills it with SIGKILL after a random delay, for
 * tests/durability (kill -9 at a random point of a cache replacement):
 *
 *   killrun MIN_US MAX_US CMD [ARG...]
 *
 * The delay is uniform in [MIN_US, MAX_US] microseconds. Prints one line:
 * "killed DELAY_US" when the command was still running and got SIGKILL,
 * "exited STATUS ELAPSED_US" when it ended on its own first (STATUS its
 * exit status, or 128 + the signal that ended it), and exits 0; 1 when
 * the command could not be run; 2 on a usage error.
 *
 * The child is killed before it is reaped, so the pid killed is always
 * the child's own (a pid is never reused while its zombie waits), and it
 * is killed at most once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int parse_us(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= 0 && *out <= 600000000LL ? 0 : -1;
}

static unsigned long long random_u64(void)
{
	unsigned long long v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		v = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	if (fd >= 0)
		close(fd);
	return v;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

int main(int argc, char **argv)
{
	long long min, max, delay, start;
	struct timespec ts;
	sigset_t chld, old;
	pid_t pid;
	int st, sig;

	if (argc < 4 || parse_us(argv[1], &min) < 0 || parse_us(argv[2], &max) < 0 || max < min) {
		fprintf(stderr, "usage: killrun MIN_US MAX_US CMD [ARG...]\n");
		return 2;
	}
	delay = min + (long long)(random_u64() % (unsigned long long)(max - min + 1));
	/* SIGCHLD blocked, so that sigtimedwait sees the child's end. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	start = now_us();
	pid = fork();
	if (pid < 0) {
		perror("killrun: fork");
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "killrun: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	for (;;) {
		long long left = start + delay - now_us();

		if (left <= 0) {
			sig = -1;
			break;
		}
		ts.tv_sec = (time_t)(left / 1000000LL);
		ts.tv_nsec = (long)(left % 1000000LL) * 1000L;
		sig = sigtimedwait(&chld, NULL, &ts);
		if (sig == SIGCHLD)
			break;
		if (sig < 0 && errno != EINTR && errno != EAGAIN) {
			perror("killrun: sigtimedwait");
			break;
		}
	}
	/* Not reaped yet: pid is still this child's, alive or a zombie. */
	if (sig != SIGCHLD && waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		if (waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			printf("killed %lld\n", delay);
			return 0;
		}
	} else if (sig == SIGCHLD && waitpid(pid, &st, 0) != pid) {
		perror("killrun: waitpid");
		return 1;
	}
	printf("exited %d %lld\n", exit_code(st), now_us() - start);
	return exit_code(st) == 127 ? 1 : 0;
}
