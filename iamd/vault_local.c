#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <shadow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "encode.h"
#include "safe_file.h"
#include "secmem.h"
#include "vault_local.h"

#define CHPASSWD "/usr/sbin/chpasswd"

/* No ':' (chpasswd's separator), no quote or space that a person copying
 * it from a terminal could lose; 72 characters. */
static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			       "!#%+-.=@^_";

int vault_new_password(char out[VAULT_PASSWORD_LEN + 1], struct iam_err *err)
{
	const size_t n = sizeof(alphabet) - 1;
	const unsigned limit = 256 - 256 % (unsigned)n; /* no modulo bias */
	unsigned char b[64];
	size_t have = 0, i;

	while (have < VAULT_PASSWORD_LEN) {
		if (iam_random_bytes(b, sizeof(b)) < 0) {
			iam_err_set(err, "OpenSSL's random generator failed");
			iam_wipe(out, VAULT_PASSWORD_LEN + 1);
			return -EIO;
		}
		for (i = 0; i < sizeof(b) && have < VAULT_PASSWORD_LEN; i++)
			if (b[i] < limit)
				out[have++] = alphabet[b[i] % n];
	}
	out[have] = '\0';
	iam_wipe(b, sizeof(b));
	return 0;
}

int vault_new_escrow_id(char out[VAULT_ESCROW_ID_LEN + 1], struct iam_err *err)
{
	unsigned char raw[VAULT_ESCROW_ID_LEN / 2];

	if (iam_random_bytes(raw, sizeof(raw)) < 0) {
		iam_err_set(err, "OpenSSL's random generator failed");
		return -EIO;
	}
	iam_hex_encode(raw, sizeof(raw), out);
	return 0;
}

int vault_shadow_hash(const char *account, char out[VAULT_HASH_MAX], struct iam_err *err)
{
	struct spwd sp, *res = NULL;
	char buf[4096];
	int r = getspnam_r(account, &sp, buf, sizeof(buf), &res);

	if (r != 0 || !res) {
		iam_err_set(err, r ? "cannot read the shadow entry of %s: %s"
				   : "%s is not a local account (no shadow entry)%s",
			    account, r ? strerror(r) : "");
		return r ? -r : -ENOENT;
	}
	if (!res->sp_pwdp || strlen(res->sp_pwdp) >= VAULT_HASH_MAX) {
		iam_err_set(err, "the shadow entry of %s has no usable password field", account);
		iam_wipe(buf, sizeof(buf));
		return -EINVAL;
	}
	snprintf(out, VAULT_HASH_MAX, "%s", res->sp_pwdp);
	iam_wipe(buf, sizeof(buf));
	return 0;
}

int vault_shadow_writable(struct iam_err *err)
{
	/* chpasswd replaces /etc/shadow by a rename in /etc */
	if (access("/etc", W_OK) == 0 || errno != EROFS)
		return 0;
	iam_err_set(err, "/etc is read-only for iamd, so chpasswd cannot set a password (the "
		    "systemd unit's ProtectSystem=strict?): give it ReadWritePaths=/etc, see "
		    "PASSWORD ROTATION in iamd(8)");
	return -EROFS;
}

/* The child: chpasswd with the pipe as its standard input, nothing else
 * inherited but standard error, and a minimal environment. */
static void run_chpasswd(int in)
{
	static char *const argv[] = { CHPASSWD, NULL };
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (dup2(in, STDIN_FILENO) < 0 || (null >= 0 && dup2(null, STDOUT_FILENO) < 0))
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execve(CHPASSWD, argv, envp);
	_exit(127);
}

int vault_set_password(const char *account, const char *password, struct iam_err *err)
{
	char line[128];
	int fds[2], status = 0, n;
	ssize_t w;
	pid_t pid;

	n = snprintf(line, sizeof(line), "%s:%s\n", account, password);
	if (n < 0 || (size_t)n >= sizeof(line) || pipe2(fds, O_CLOEXEC) < 0) {
		iam_wipe(line, sizeof(line));
		iam_err_set(err, "cannot start chpasswd");
		return -EIO;
	}
	pid = fork();
	if (pid == 0)
		run_chpasswd(fds[0]);
	close(fds[0]);
	w = pid > 0 ? write(fds[1], line, (size_t)n) : -1;
	close(fds[1]);
	iam_wipe(line, sizeof(line));
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || w != n || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		iam_err_set(err, "%s failed for %s (%s; its message is above or in the log)",
			    CHPASSWD, account, pid < 0 ? "cannot fork" :
			    WIFEXITED(status) ? "it exited non-zero" : "it was killed");
		return -EIO;
	}
	return 0;
}

static void journal_path(const char *dir, const char *account, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s.rotating", dir, account);
}

int vault_journal_write(const char *dir, const char *account, const struct vault_journal *j,
			struct iam_err *err)
{
	char path[4096], text[VAULT_HASH_MAX + 128];
	int r = iam_dir_private(dir, "vault_dir", 0, 1, err);

	if (r < 0)
		return r;
	journal_path(dir, account, path, sizeof(path));
	snprintf(text, sizeof(text), "escrow_id %s\nold_hash %s\n", j->escrow_id, j->old_hash);
	r = iam_file_write_atomic(path, text, strlen(text), 0600, err);
	iam_wipe(text, sizeof(text));
	return r;
}

/* "KEY VALUE\n" lines; the value of key into out. */
static int field(const char *text, const char *key, char *out, size_t outsz)
{
	size_t klen = strlen(key), n;
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			p += klen + 1;
			n = strcspn(p, "\n");
			if (n == 0 || n >= outsz)
				return -EINVAL;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return -EINVAL;
}

int vault_journal_read(const char *dir, const char *account, struct vault_journal *j,
		       struct iam_err *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int r;

	memset(j, 0, sizeof(*j));
	journal_path(dir, account, path, sizeof(path));
	r = iam_file_read(path, 0, 4096, IAM_FILE_SECRET, &text, &len, err);
	if (r < 0)
		return r;
	if (field(text, "escrow_id", j->escrow_id, sizeof(j->escrow_id)) < 0 ||
	    strlen(j->escrow_id) != VAULT_ESCROW_ID_LEN ||
	    field(text, "old_hash", j->old_hash, sizeof(j->old_hash)) < 0) {
		iam_err_set(err, "%s is not a rotation journal: compare the account's versions "
			    "at the endpoint (GET /v1/vault/HOST) before moving it away", path);
		r = -EINVAL;
	}
	iam_wipe(text, len);
	free(text);
	return r;
}

int vault_journal_remove(const char *dir, const char *account, struct iam_err *err)
{
	char path[4096];

	journal_path(dir, account, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT) {
		iam_err_set(err, "cannot remove %s: %s", path, strerror(errno));
		return -errno;
	}
	return iam_dir_sync(dir, err);
}

/* 10 s: longer than chpasswd takes, short enough for a timer to retry. */
#define LOCK_TRIES 200

int vault_lock(const char *dir, const char *account, int *fd, struct iam_err *err)
{
	char path[4096];
	int r = iam_dir_private(dir, "vault_dir", 0, 1, err), tries;

	*fd = -1;
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s.lock", dir, account);
	/* Not close-on-exec: chpasswd inherits the lock, so that a run after a
	 * kill -9 waits for an orphaned chpasswd before it reads the shadow
	 * file to tell whether the change happened. */
	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		iam_err_set(err, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	for (tries = 0;; tries++) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK || tries == LOCK_TRIES)
			break;
		usleep(50 * 1000);
	}
	r = errno == EWOULDBLOCK ? -EBUSY : -errno;
	iam_err_set(err, r == -EBUSY ? "a rotation of %s is already under way" : "cannot lock %s",
		    r == -EBUSY ? account : path);
	close(*fd);
	*fd = -1;
	return r;
}

void vault_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int vault_stamp(const char *dir, const char *account, struct iam_err *err)
{
	char path[4096], text[32];

	snprintf(path, sizeof(path), "%s/%s.rotated", dir, account);
	snprintf(text, sizeof(text), "%lld\n", (long long)time(NULL));
	return iam_file_write_atomic(path, text, strlen(text), 0600, err);
}

long long vault_rotated_at(const char *dir, const char *account)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.rotated", dir, account);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_mtime : 0;
}
