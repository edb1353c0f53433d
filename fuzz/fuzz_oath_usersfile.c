/*
 * pam_iam's break-glass usersfile (pam_iam/pi_breakglass.c, included here
 * with the PAM conversation and the log stubbed). Our own code is the
 * reading and scanning of the file in pi_breakglass_listed (through the
 * safe reader, then line_names on every line); the PIN and code check is
 * liboath's oath_authenticate_usersfile on the same file, which
 * pi_breakglass_authenticate calls (and which rewrites the file after a
 * good code), so that is fuzzed too, as our code uses it.
 *
 * Input: the user (line 1; "alice" when it is not a valid name, as
 * pi_get_user would refuse it), the PIN (line 2), the code (line 3), then
 * the usersfile. liboath may admit only a user our scan lists.
 */
#include "../pam_iam/pi_breakglass.c"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "fuzz.h"
#include "names.h"

static char dir[64], path[128], spool[128];
static const char *code_answer;

/* The module's log lines, on stderr with FUZZ_VERBOSE set (to see why a
 * reproducer is refused). */
void pi_log_kv(struct pi *pi, int prio, const char *event, const char *const *kv)
{
	size_t i;

	(void)pi;
	if (!getenv("FUZZ_VERBOSE"))
		return;
	fprintf(stderr, "<%d> event=%s", prio, event);
	for (i = 0; kv[i]; i += 2)
		fprintf(stderr, " %s=\"%s\"", kv[i], kv[i + 1] ? kv[i + 1] : "-");
	fprintf(stderr, "\n");
}

int pi_prompt(struct pi *pi, int echo, const char *prompt, char **answer)
{
	(void)pi;
	(void)echo;
	(void)prompt;
	*answer = strdup(code_answer);
	return *answer ? PAM_SUCCESS : PAM_BUF_ERR;
}

static void cleanup(void)
{
	char lock[160];

	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(dir, sizeof(dir), "%s/fuzz-oath-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/users.oath", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	atexit(cleanup);
}

/* The next line of *p (cut in place), or "" at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl = strchr(line, '\n');

	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_err err = { "" };
	char *text, *p, *user, *pin, *file;
	struct pi pi;
	int listed, r;

	if (!dir[0])
		setup();
	if (size > 65536 || memchr(data, '\0', size))
		return 0;
	text = fuzz_cstring(data, size);
	p = text;
	user = next_line(&p);
	pin = next_line(&p);
	code_answer = next_line(&p);
	file = p;

	memset(&pi, 0, sizeof(pi));
	pi.user = iam_name_valid(user) ? user : "alice";
	pi.service = "sshd";
	pi.cfg.breakglass_file = path;
	pi.cfg.spool_dir = spool;
	pi.cfg.spool_max = 100;
	FUZZ_CHECK(iam_file_write_atomic(path, file, strlen(file), 0600, &err) == 0);

	listed = pi_breakglass_listed(&pi);
	FUZZ_CHECK(listed == 0 || listed == 1);
	r = pi_breakglass_authenticate(&pi, pin);
	FUZZ_CHECK(r == PAM_SUCCESS || r == PAM_AUTH_ERR);
	if (r == PAM_SUCCESS)
		FUZZ_CHECK(listed);
	/* the file as liboath may have rewritten it: still ours to scan */
	FUZZ_CHECK(pi_breakglass_listed(&pi) == listed || r == PAM_SUCCESS);
	free(text);
	return 0;
}
