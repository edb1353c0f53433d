#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "prompt.h"
#include "secmem.h"

/*
 * Reads up to a newline, one byte at a time: slow, but a line is short, and
 * a larger read would swallow the lines meant for the next reader (the
 * password is the first line of stdin, a verification code the next).
 * Returns the length, or a negative errno; *eof is set when the input ended
 * before a newline.
 */
static ssize_t read_line(int fd, char *buf, size_t bufsz, int *eof)
{
	size_t len = 0;
	char ch;

	*eof = 0;
	for (;;) {
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0)
			return -errno;
		if (n == 0) {
			*eof = 1;
			break;
		}
		if (ch == '\n')
			break;
		if (len + 1 >= bufsz)
			return -E2BIG;
		buf[len++] = ch;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return (ssize_t)len;
}

static int copy_out(const char *line, char **out, struct iam_err *err)
{
	*out = strdup(line);
	if (!*out) {
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int prompt_stdin_line(char **out, struct iam_err *err)
{
	char line[PROMPT_MAX_LINE + 1];
	ssize_t n;
	int eof, r;

	*out = NULL;
	do
		n = read_line(STDIN_FILENO, line, sizeof(line), &eof);
	while (n == -EINTR);
	if (n == -E2BIG)
		iam_err_set(err, "a line on standard input is longer than %d bytes",
			    PROMPT_MAX_LINE);
	else if (n < 0)
		iam_err_set(err, "cannot read standard input: %s", strerror((int)-n));
	else if (n == 0 && eof)
		iam_err_set(err, "standard input ended before the expected line");
	r = n < 0 ? (int)n : (n == 0 && eof) ? -ENODATA : copy_out(line, out, err);
	iam_wipe(line, sizeof(line));
	return r;
}

/* The signal that interrupted a prompt, delivered again once the terminal
 * is restored. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

static const int prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define N_SIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

static void catch_signals(struct sigaction *saved)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: read() must return */
	sigemptyset(&sa.sa_mask);
	caught_signal = 0;
	for (i = 0; i < N_SIGNALS; i++)
		sigaction(prompt_signals[i], &sa, &saved[i]);
}

static void restore_signals(const struct sigaction *saved)
{
	size_t i;

	for (i = 0; i < N_SIGNALS; i++)
		sigaction(prompt_signals[i], &saved[i], NULL);
	if (caught_signal)
		raise(caught_signal);
}

/* Echo off, but the newline the user types is still shown. */
static int echo_off(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return -errno;
	t = *saved;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	return tcsetattr(fd, TCSAFLUSH, &t) < 0 ? -errno : 0;
}

static ssize_t ask(int fd, const char *prompt, char *line, size_t linesz)
{
	struct sigaction saved_sa[N_SIGNALS];
	struct termios saved;
	ssize_t n;
	int eof, r;

	if (write(fd, prompt, strlen(prompt)) < 0)
		return -errno;
	catch_signals(saved_sa);
	r = echo_off(fd, &saved);
	if (r < 0) {
		restore_signals(saved_sa);
		return r;
	}
	n = read_line(fd, line, linesz, &eof);
	tcsetattr(fd, TCSAFLUSH, &saved);
	restore_signals(saved_sa);
	if (n >= 0 && eof && write(fd, "\n", 1) < 0)
		n = -errno;
	return n;
}

int prompt_tty_secret(const char *prompt, char **out, struct iam_err *err)
{
	char line[PROMPT_MAX_LINE + 1];
	ssize_t n;
	int fd, r;

	*out = NULL;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		iam_err_set(err, "no terminal to ask on");
		return -ENXIO;
	}
	n = ask(fd, prompt, line, sizeof(line));
	close(fd);
	if (n == -E2BIG)
		iam_err_set(err, "the answer is longer than %d bytes", PROMPT_MAX_LINE);
	else if (n < 0)
		iam_err_set(err, "cannot read from the terminal: %s", strerror((int)-n));
	r = n < 0 ? (int)n : copy_out(line, out, err);
	iam_wipe(line, sizeof(line));
	return r;
}
