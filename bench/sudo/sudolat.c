/*
 * sudolat: runs "sudo -n true" N times as a given user (uid, gid and the
 * user's groups, as setpriv --init-groups would) and prints each call's
 * wall time in milliseconds, one per line. Run as root inside the host's
 * namespace (bench/sudo/run.sh); exits 1 when a call fails.
 *
 *   sudolat -u USER -n N [-- SUDO ARGS...]
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void become(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		perror("sudolat: becoming the user");
		_exit(127);
	}
}

/* One call; its time in ms, or a negative number when it failed. */
static double one_call(const struct passwd *pw, char **argv)
{
	double start = now_ms();
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		become(pw);
		execv("/usr/bin/sudo", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return now_ms() - start;
}

int main(int argc, char **argv)
{
	static char *default_args[] = { "sudo", "-n", "true", NULL };
	char **sudo_args = default_args;
	const char *user = NULL;
	struct passwd *pw;
	long n = 0, i;
	int opt;

	while ((opt = getopt(argc, argv, "u:n:")) != -1) {
		if (opt == 'u')
			user = optarg;
		else if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (optind < argc) {
		sudo_args = &argv[optind - 1];
		sudo_args[0] = "sudo";
	}
	if (!user || n < 1) {
		fprintf(stderr, "usage: sudolat -u USER -n N [-- SUDO ARGS...]\n");
		return 2;
	}
	pw = getpwnam(user);
	if (!pw) {
		fprintf(stderr, "sudolat: no user %s\n", user);
		return 2;
	}
	for (i = 0; i < n; i++) {
		double ms = one_call(pw, sudo_args);

		if (ms < 0) {
			fprintf(stderr, "sudolat: call %ld failed\n", i + 1);
			return 1;
		}
		printf("%.3f\n", ms);
	}
	return 0;
}
