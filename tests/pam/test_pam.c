/*
 * pam_iam.so in process: libpam loads the module from the build tree
 * (pam_start_confdir with private service files) and talks to a real
 * iam-policyd on loopback. Every test asserts the return code of every PAM
 * call it makes, and what the user was told. The endpoint's failures are
 * real too: a closed port, a listener that never answers, one that answers
 * garbage.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <liboath/oath.h>
#include <security/pam_appl.h>

#include "cache.h"
#include "pamconv.h"
#include "testenv.h"

#define MODULE IAM_TEST_TOP_BUILDDIR "/pam_iam/.libs/pam_iam.so"
#define SVC "iamtest"

static struct testenv env;
static char T[128];              /* the module's files */
static char totp_tina[64];       /* tina's TOTP secret */
static int blackhole_port, garbage_port;
static int blackhole_fd = -1, garbage_fd = -1;

enum op { AUTH, ACCT, OPEN, CLOSE, CHAUTHTOK };

/* One PAM call on a fresh handle, as sshd's privilege-separated child does. */
static int pam_run(const char *svc, const char *user, struct convo *c, enum op op, int flags)
{
	struct pam_conv conv = { conv_fn, c };
	pam_handle_t *pamh = NULL;
	char confdir[200];
	int r;

	snprintf(confdir, sizeof(confdir), "%s/pam.d", T);
	assert_int_equal(pam_start_confdir(svc, user, &conv, confdir, &pamh), PAM_SUCCESS);
	pam_set_item(pamh, PAM_RHOST, "10.8.1.2");
	pam_set_item(pamh, PAM_TTY, "ssh");
	switch (op) {
	case AUTH:
		r = pam_authenticate(pamh, flags);
		break;
	case ACCT:
		r = pam_acct_mgmt(pamh, flags);
		break;
	case OPEN:
		r = pam_open_session(pamh, flags);
		break;
	case CLOSE:
		r = pam_close_session(pamh, flags);
		break;
	default:
		r = pam_chauthtok(pamh, flags);
		break;
	}
	pam_end(pamh, r);
	return r;
}

static int auth_with(const char *svc, const char *user, const char *pw, const char *code)
{
	struct convo c = { .answers = { pw, code } };

	return pam_run(svc, user, &c, AUTH, 0);
}

static void tina_code(int steps, char code[7])
{
	totp_code(&env, totp_tina, steps, code);
}

/* --- Fixtures ------------------------------------------------------------ */

#define write_file(...) write_file_in(T, __VA_ARGS__)

static void write_services(void)
{
	static const char *const phases[] = { "auth", "account", "session", "password" };
	static const struct {
		const char *name, *args;
	} svcs[] = {
		{ SVC, "" },
		{ "iamtest-first", " use_first_pass" },
		{ "iamtest-try", " try_first_pass" },
		{ "iamtest-down", " endpoint=https://127.0.0.1:1" },
		{ "iamtest-mfapw", " endpoint=https://127.0.0.1:1 offline_mfa=password" },
		{ "iamtest-noffline", " endpoint=https://127.0.0.1:1 offline_max_age=0" },
		{ "iamtest-odd", " no_such_argument frobnicate=3" },
		{ "iamtest-down3", " endpoint=https://127.0.0.1:1 offline_max_failures=3" },
	};
	char dir[256], path[512], line[1024];
	size_t i, j;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/pam.d", T);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, svcs[i].name);
		f = fopen(path, "w");
		assert_non_null(f);
		/* use_first_pass needs an earlier module that set a password */
		if (strcmp(svcs[i].name, "iamtest-first") == 0)
			fputs("auth optional pam_permit.so\n", f);
		for (j = 0; j < 4; j++) {
			snprintf(line, sizeof(line), "%s required %s config=%s/iam.conf%s\n",
				 phases[j], MODULE, T, svcs[i].args);
			fputs(line, f);
		}
		assert_int_equal(fclose(f), 0);
	}
	snprintf(path, sizeof(path), "%s/other", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("auth required pam_deny.so\naccount required pam_deny.so\n"
	      "password required pam_deny.so\nsession required pam_deny.so\n", f);
	assert_int_equal(fclose(f), 0);
}

/* Two endpoints that are there and are not: one never answers, one
 * answers garbage to whatever it is sent. */
static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void *garbage_server(void *arg)
{
	int fd = *(int *)arg;

	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			return NULL;
		if (write(c, "HTTP/1.1 200 OK\r\n\r\n{{{{not json", 31) < 0)
			fprintf(stderr, "garbage server: write failed\n");
		close(c);
	}
}

static void write_breakglass(void)
{
	/* PIN 4321, the same secret as bg's authenticator (hex for liboath) */
	write_file("breakglass.oath", 0600, "# emergency accounts\nHOTP/T30/6 bg 4321 %s\n",
		   "3132333435363738393031323334353637383930");
}

static void write_cache(void)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	struct iam_err err = { "" };
	unsigned char *image = NULL;
	size_t size = 0;
	char path[300];

	assert_non_null(b);
	assert_true(iam_cache_add_user(b, "alice", 200101, 200101, "", "/home/alice",
				       "/bin/bash", 0) >= 0);
	assert_true(iam_cache_add_user(b, "tina", 200102, 200102, "", "/home/tina",
				       "/bin/bash", 0) >= 0);
	assert_true(iam_cache_add_user(b, "dave", 200103, 200103, "", "/home/dave",
				       "/bin/bash", IAM_CACHE_USER_DISABLED) >= 0);
	assert_true(iam_cache_add_user(b, "olga", 200104, 200104, "", "/home/olga",
				       "/bin/bash", 0) >= 0);
	assert_true(iam_cache_add_user(b, "pat", 200105, 200105, "", "/home/pat", "/bin/bash",
				       0) >= 0);
	assert_true(iam_cache_add_user(b, "vera", 200106, 200106, "", "/home/vera", "/bin/bash",
				       0) >= 0);
	assert_true(iam_cache_add_user(b, "otto", 200107, 200107, "", "/home/otto", "/bin/bash",
				       0) >= 0);
	assert_int_equal(iam_cache_build(b, 1, time(NULL), &image, &size, &err), 0);
	snprintf(path, sizeof(path), "%s/nss.cache", T);
	assert_int_equal(iam_cache_write_file(path, image, size, &err), 0);
	free(image);
	iam_cache_builder_free(b);
}

static void directory(void)
{
	const char *users[] = { "alice", "tina", "dave", "nora", "gone", "locky", "olga",
				"pat", "vera", "otto" };
	size_t i;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char pw[64];

		snprintf(pw, sizeof(pw), "%s-Secret-42", users[i]);
		make_user(&env, users[i], pw);
	}
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"staff\"}"), 201);
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (strcmp(users[i], "nora") != 0)
			assert_int_equal(apif(&env, env.admin, "POST", "/v1/groups/staff/members",
					      "{\"user\":\"%s\"}", users[i]), 200);
	{
		char *secret = enroll_totp(&env, "tina");

		snprintf(totp_tina, sizeof(totp_tina), "%s", secret);
		free(secret);
	}
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts/pamtest/access",
			     "{\"group\":\"staff\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/dave/disable", "{}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/gone/deprovision", "{}"), 200);
}

static int setup(void **state)
{
	char *cred;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "pam_iam reads only root-owned configuration: run as root\n");
		exit(77);
	}
	snprintf(T, sizeof(T), "%s/pam-env", IAM_TEST_BUILDDIR);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -m 0755 '%s'", T, T);
		assert_int_equal(system(cmd), 0);
	}
	testenv_start(&env, 0, "lockout_threshold = 3\nlockout_window = 10m\n"
		      "lockout_duration = 10m\nrate_limit_threshold = 1000");
	cred = enroll_host(&env, "pamtest");
	write_file("host.credential", 0600, "%s\n", cred);
	free(cred);
	directory();
	blackhole_fd = listener(&blackhole_port);
	garbage_fd = listener(&garbage_port);
	{
		pthread_t t;

		assert_int_equal(pthread_create(&t, NULL, garbage_server, &garbage_fd), 0);
		pthread_detach(t);
	}
	write_file("iam.conf", 0644,
		   "# pam_iam's test configuration\nendpoint = %s\nca_file = %s\n"
		   "host_credential_file = %s/host.credential\ncache_path = %s/nss.cache\n"
		   "offline_dir = %s/offline\nspool_dir = %s/spool\n"
		   "breakglass_file = %s/breakglass.oath\nconnect_timeout = 1s\ntimeout = 2s\n"
		   "offline_max_age = 1h\noffline_kdf_log2n = 14\ndebug = yes\n",
		   env.url, env.ca, T, T, T, T, T);
	write_services();
	write_cache();
	write_breakglass();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(blackhole_fd);
	return testenv_stop(&env) == 0 ? 0 : -1;
}

/* --- auth --------------------------------------------------------------- */

static void test_password_login(void **state)
{
	struct convo c = { .answers = { "alice-Secret-42" } };

	(void)state;
	assert_int_equal(pam_run(SVC, "alice", &c, AUTH, 0), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 1);
	assert_string_equal(c.prompts[0], "Password: ");
	assert_int_equal(pam_run(SVC, "alice", &c, ACCT, 0), PAM_SUCCESS);
}

static void test_wrong_password_and_unknown_user_look_alike(void **state)
{
	(void)state;
	assert_int_equal(auth_with(SVC, "alice", "wrong", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with(SVC, "nobody-here", "whatever", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with(SVC, "alice", "alice-Secret-42", NULL), PAM_SUCCESS);
}

static void test_totp(void **state)
{
	struct convo c = { 0 };
	char code[7], wrong[16];

	(void)state;
	tina_code(0, code);
	snprintf(wrong, sizeof(wrong), "%06d", (int)((strtol(code, NULL, 10) + 1) % 1000000));
	c.answers[0] = "tina-Secret-42";
	c.answers[1] = wrong;
	assert_int_equal(pam_run(SVC, "tina", &c, AUTH, 0), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.prompts[1], "Verification code: ");
	assert_int_equal(auth_with(SVC, "tina", "tina-Secret-42", code), PAM_SUCCESS);
	/* the same code again: replayed */
	assert_int_equal(auth_with(SVC, "tina", "tina-Secret-42", code), PAM_AUTH_ERR);
	/* the password alone never gets tina in */
	assert_int_equal(auth_with(SVC, "tina", "tina-Secret-42", NULL), PAM_CONV_ERR);
}

static void test_lockout(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(auth_with(SVC, "locky", "nope", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with(SVC, "locky", "locky-Secret-42", NULL), PAM_MAXTRIES);
}

static void test_empty_password(void **state)
{
	(void)state;
	assert_int_equal(auth_with(SVC, "alice", "", NULL), PAM_AUTH_ERR);
	assert_int_equal(pam_run(SVC, "alice", &(struct convo){ .answers = { "" } }, AUTH,
				 PAM_DISALLOW_NULL_AUTHTOK), PAM_AUTH_ERR);
}

static void test_local_users_are_ignored(void **state)
{
	struct convo c = { .answers = { "whatever" } };

	(void)state;
	/* root is in /etc/passwd: pam_iam steps aside (PAM_IGNORE), which with
	 * only ignoring modules in the stack makes libpam answer an error */
	assert_int_not_equal(pam_run(SVC, "root", &c, AUTH, 0), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 0);
	assert_int_not_equal(pam_run(SVC, "root", &c, ACCT, 0), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 0);
	/* a name the directory cannot have is another source's */
	assert_int_not_equal(pam_run(SVC, "Alice.Smith", &c, AUTH, 0), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 0);
}

static void test_odd_user_names(void **state)
{
	char longname[400];
	struct convo c = { .answers = { "x" } };

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(pam_run(SVC, longname, &c, AUTH, 0), PAM_USER_UNKNOWN);
	assert_int_equal(pam_run(SVC, "eve:0:0", &c, AUTH, 0), PAM_USER_UNKNOWN);
	assert_int_equal(pam_run(SVC, "eve\nroot", &c, AUTH, 0), PAM_USER_UNKNOWN);
	assert_int_equal(pam_run(SVC, "../../etc/passwd", &c, ACCT, 0), PAM_USER_UNKNOWN);
	assert_int_equal(c.nprompts, 0);
}

static void test_conversation_failures(void **state)
{
	struct convo fail = { .mode = CONVO_FAIL }, none = { .mode = CONVO_NULL };
	struct convo half = { .answers = { "tina-Secret-42" } };

	(void)state;
	assert_int_equal(pam_run(SVC, "alice", &fail, AUTH, 0), PAM_CONV_ERR);
	assert_int_equal(pam_run(SVC, "alice", &none, AUTH, 0), PAM_CONV_ERR);
	/* the code prompt gets no answer */
	assert_int_equal(pam_run(SVC, "tina", &half, AUTH, 0), PAM_CONV_ERR);
}

static void test_first_pass_arguments(void **state)
{
	struct convo c = { .answers = { "alice-Secret-42" } };

	(void)state;
	/* use_first_pass with no earlier password: no prompt, an error */
	assert_int_equal(pam_run("iamtest-first", "alice", &c, AUTH, 0),
			 PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(c.nprompts, 0);
	/* try_first_pass with none: asks */
	assert_int_equal(pam_run("iamtest-try", "alice", &c, AUTH, 0), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 1);
}

static void test_unknown_arguments_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(auth_with("iamtest-odd", "alice", "alice-Secret-42", NULL), PAM_SUCCESS);
}

/* --- account -------------------------------------------------------------- */

static void test_account_decisions(void **state)
{
	struct convo c = { 0 }, quiet = { 0 };

	(void)state;
	assert_int_equal(pam_run(SVC, "dave", &c, ACCT, 0), PAM_ACCT_EXPIRED);
	assert_int_equal(c.nerrors, 1);
	assert_string_equal(c.errors[0], "Your account is disabled; contact your administrator.");
	assert_int_equal(pam_run(SVC, "dave", &quiet, ACCT, PAM_SILENT), PAM_ACCT_EXPIRED);
	assert_int_equal(quiet.nerrors, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pam_run(SVC, "nora", &c, ACCT, 0), PAM_PERM_DENIED);
	assert_int_equal(c.nerrors, 1);
	assert_non_null(strstr(c.errors[0], "not allowed to log in to this host"));
	assert_int_equal(pam_run(SVC, "gone", &c, ACCT, 0), PAM_USER_UNKNOWN);
	assert_int_equal(pam_run(SVC, "nobody-here", &c, ACCT, 0), PAM_USER_UNKNOWN);
	assert_int_equal(pam_run(SVC, "alice", &c, ACCT, 0), PAM_SUCCESS);
}

static void test_disabled_user_with_right_password(void **state)
{
	struct convo c = { .answers = { "dave-Secret-42" } };

	(void)state;
	assert_int_equal(pam_run(SVC, "dave", &c, AUTH, 0), PAM_AUTH_ERR);
	assert_int_equal(c.nerrors, 1);
	assert_string_equal(c.errors[0], "Your account is disabled; contact your administrator.");
	assert_int_equal(auth_with(SVC, "gone", "gone-Secret-42", NULL), PAM_AUTH_ERR);
}

/* --- sessions ------------------------------------------------------------- */

static long spool_count(void)
{
	char path[300];
	struct dirent *d;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/spool", T);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += strstr(d->d_name, ".json") != NULL && d->d_name[0] != '.';
	closedir(dir);
	return n;
}

static int audit_has(const char *type, const char *user)
{
	struct json_object *recs;
	size_t i;

	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?after=0&limit=1000", NULL), 200);
	recs = jget(&env, "records");
	for (i = 0; recs && i < json_object_array_length(recs); i++) {
		struct json_object *r = json_object_array_get_idx(recs, i), *t, *u;

		if (json_object_object_get_ex(r, "type", &t) &&
		    json_object_object_get_ex(r, "actor", &u) &&
		    strcmp(json_object_get_string(t), type) == 0 &&
		    strcmp(json_object_get_string(u), user) == 0)
			return 1;
	}
	return 0;
}

static void test_sessions_are_audited(void **state)
{
	struct convo c = { 0 };
	long before = spool_count();

	(void)state;
	assert_int_equal(pam_run(SVC, "alice", &c, OPEN, 0), PAM_SUCCESS);
	assert_int_equal(pam_run(SVC, "alice", &c, CLOSE, 0), PAM_SUCCESS);
	assert_true(audit_has("session.open", "alice"));
	assert_true(audit_has("session.close", "alice"));
	assert_int_equal(spool_count(), before);
	/* the host's own users too */
	assert_int_equal(pam_run(SVC, "root", &c, OPEN, 0), PAM_SUCCESS);
	assert_true(audit_has("session.open", "root"));
}

static void test_sessions_spool_when_down(void **state)
{
	struct convo c = { 0 };
	long before = spool_count();

	(void)state;
	assert_int_equal(pam_run("iamtest-down", "olga", &c, OPEN, 0), PAM_SUCCESS);
	assert_int_equal(pam_run("iamtest-down", "olga", &c, CLOSE, 0), PAM_SUCCESS);
	assert_int_equal(spool_count(), before + 2);
	assert_false(audit_has("session.open", "olga"));
}

/* --- offline -------------------------------------------------------------- */

static void test_offline_login(void **state)
{
	struct convo c = { .answers = { "alice-Secret-42" } };

	(void)state;
	/* alice logged in online above: her record admits her offline */
	assert_int_equal(auth_with(SVC, "alice", "alice-Secret-42", NULL), PAM_SUCCESS);
	assert_int_equal(pam_run(SVC, "alice", &c, ACCT, 0), PAM_SUCCESS);
	assert_int_equal(auth_with("iamtest-down", "alice", "alice-Secret-42", NULL), PAM_SUCCESS);
	assert_int_equal(auth_with("iamtest-down", "alice", "wrong", NULL), PAM_AUTH_ERR);
	assert_int_equal(pam_run("iamtest-down", "alice", &c, ACCT, 0), PAM_SUCCESS);
	/* olga never logged in online here: no fallback applies */
	assert_int_equal(auth_with("iamtest-down", "olga", "olga-Secret-42", NULL),
			 PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(pam_run("iamtest-down", "olga", &c, ACCT, 0), PAM_PERM_DENIED);
	/* offline logins switched off */
	assert_int_equal(auth_with("iamtest-noffline", "alice", "alice-Secret-42", NULL),
			 PAM_AUTHINFO_UNAVAIL);
}

static void test_offline_mfa_users(void **state)
{
	char code[7];

	(void)state;
	tina_code(1, code); /* the next step: earlier codes were used */
	assert_int_equal(auth_with(SVC, "tina", "tina-Secret-42", code), PAM_SUCCESS);
	/* offline_mfa = deny (the default) */
	assert_int_equal(auth_with("iamtest-down", "tina", "tina-Secret-42", NULL),
			 PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(auth_with("iamtest-mfapw", "tina", "tina-Secret-42", NULL), PAM_SUCCESS);
}

static void test_offline_never_for_disabled_or_removed(void **state)
{
	char path[300];

	(void)state;
	/* dave has a record from before he was disabled (forged here), and the
	 * cache says disabled: refused */
	write_file("offline/dave", 0600, "iam-offline 1\nauth_time %lld\nmfa 0\nverifier %s\n"
		   "account_time %lld\n", (long long)time(NULL),
		   "$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		   (long long)time(NULL));
	assert_int_equal(auth_with("iamtest-down", "dave", "dave-Secret-42", NULL), PAM_AUTH_ERR);
	assert_int_equal(pam_run("iamtest-down", "dave", &(struct convo){ 0 }, ACCT, 0),
			 PAM_ACCT_EXPIRED);
	/* not in the cache (deprovisioned): refused */
	assert_int_equal(auth_with("iamtest-down", "gone", "gone-Secret-42", NULL), PAM_AUTH_ERR);
	assert_int_equal(pam_run("iamtest-down", "gone", &(struct convo){ 0 }, ACCT, 0),
			 PAM_USER_UNKNOWN);
	snprintf(path, sizeof(path), "%s/offline/dave", T);
	unlink(path);
}

static void test_offline_record_too_old(void **state)
{
	char path[300], *text;
	long long t = (long long)time(NULL) - 2LL * 3600;
	FILE *f;
	long n;

	(void)state;
	assert_int_equal(auth_with(SVC, "pat", "pat-Secret-42", NULL), PAM_SUCCESS);
	assert_int_equal(auth_with("iamtest-down", "pat", "pat-Secret-42", NULL), PAM_SUCCESS);
	/* age pat's record past offline_max_age (1h), keeping its verifier */
	snprintf(path, sizeof(path), "%s/offline/pat", T);
	f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, 2048);
	n = (long)fread(text, 1, 2047, f);
	fclose(f);
	assert_true(n > 0);
	{
		char *v = strstr(text, "verifier "), *e = v ? strchr(v, '\n') : NULL;

		assert_non_null(e);
		if (!e) {
			free(text);
			return;
		}
		*e = '\0';
		write_file("offline/pat", 0600, "iam-offline 1\nauth_time %lld\nmfa 0\n%s\n"
			   "account_time %lld\n", t, v, t);
	}
	free(text);
	assert_int_equal(auth_with("iamtest-down", "pat", "pat-Secret-42", NULL),
			 PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(pam_run("iamtest-down", "pat", &(struct convo){ 0 }, ACCT, 0),
			 PAM_PERM_DENIED);
}

static void test_unsafe_record_is_refused(void **state)
{
	char path[300];

	(void)state;
	assert_int_equal(auth_with(SVC, "olga", "olga-Secret-42", NULL), PAM_SUCCESS);
	snprintf(path, sizeof(path), "%s/offline/olga", T);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(auth_with("iamtest-down", "olga", "olga-Secret-42", NULL),
			 PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(auth_with("iamtest-down", "olga", "olga-Secret-42", NULL), PAM_SUCCESS);
}

static void read_verifier(const char *user, char *out, size_t outsz)
{
	char path[300], line[256];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/offline/%s", T, user);
	f = fopen(path, "r");
	assert_non_null(f);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "verifier ", 9) == 0)
			snprintf(out, outsz, "%.200s", line + 9);
	if (f)
		fclose(f);
	assert_true(out[0] == '$');
}

/* The verifier is made once per password, not at every login: the
 * endpoint's password stamp tells when the password was set again. */
static void test_offline_verifier_follows_the_password(void **state)
{
	char first[256], again[256], renewed[256];

	(void)state;
	assert_int_equal(auth_with(SVC, "vera", "vera-Secret-42", NULL), PAM_SUCCESS);
	read_verifier("vera", first, sizeof(first));
	assert_int_equal(auth_with(SVC, "vera", "vera-Secret-42", NULL), PAM_SUCCESS);
	read_verifier("vera", again, sizeof(again));
	assert_string_equal(first, again);
	/* an administrator sets a new password: the next login makes a new
	 * verifier, and the old password no longer works offline */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/vera/password",
			     "{\"password\":\"vera-Other-Secret-43\"}"), 200);
	assert_int_equal(auth_with(SVC, "vera", "vera-Other-Secret-43", NULL), PAM_SUCCESS);
	read_verifier("vera", renewed, sizeof(renewed));
	assert_string_not_equal(first, renewed);
	assert_int_equal(auth_with("iamtest-down", "vera", "vera-Secret-42", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with("iamtest-down", "vera", "vera-Other-Secret-43", NULL),
			 PAM_SUCCESS);
}

/* Guesses made while the endpoint is away are counted on the host: the
 * endpoint's lockout cannot see them. */
static void test_offline_guesses_lock(void **state)
{
	int i;

	(void)state;
	assert_int_equal(auth_with(SVC, "otto", "otto-Secret-42", NULL), PAM_SUCCESS);
	for (i = 0; i < 3; i++)
		assert_int_equal(auth_with("iamtest-down3", "otto", "guess", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with("iamtest-down3", "otto", "otto-Secret-42", NULL),
			 PAM_MAXTRIES);
	/* an online login unlocks, and a success offline resets the count */
	assert_int_equal(auth_with(SVC, "otto", "otto-Secret-42", NULL), PAM_SUCCESS);
	for (i = 0; i < 2; i++)
		assert_int_equal(auth_with("iamtest-down3", "otto", "guess", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with("iamtest-down3", "otto", "otto-Secret-42", NULL),
			 PAM_SUCCESS);
	for (i = 0; i < 2; i++)
		assert_int_equal(auth_with("iamtest-down3", "otto", "guess", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with("iamtest-down3", "otto", "otto-Secret-42", NULL),
			 PAM_SUCCESS);
}

/* --- break-glass ------------------------------------------------------------ */

static void bg_code(int steps, char code[7])
{
	static const char secret[] = "12345678901234567890";

	assert_int_equal(oath_totp_generate(secret, 20, time(NULL) + (time_t)steps * 30, 30, 0, 6, code),
			 OATH_OK);
}

static void test_breakglass(void **state)
{
	char code[7];

	(void)state;
	assert_int_equal(oath_init(), OATH_OK);
	bg_code(0, code);
	/* while the endpoint answers, break-glass does not exist */
	assert_int_equal(auth_with(SVC, "bg", "4321", code), PAM_AUTH_ERR);
	/* offline: PIN and code */
	assert_int_equal(auth_with("iamtest-down", "bg", "4321", code), PAM_SUCCESS);
	/* a code works once */
	assert_int_equal(auth_with("iamtest-down", "bg", "4321", code), PAM_AUTH_ERR);
	bg_code(1, code);
	assert_int_equal(auth_with("iamtest-down", "bg", "1111", code), PAM_AUTH_ERR);
	oath_done();
	/* liboath rewrote the file to record the code: still root's alone */
	{
		char path[300];
		struct stat st;

		snprintf(path, sizeof(path), "%s/breakglass.oath", T);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

/* --- the endpoint misbehaves ------------------------------------------------- */

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A service file whose endpoint is the given port, written on demand. */
static void service_for_port(const char *name, int port)
{
	char file[100];

	snprintf(file, sizeof(file), "pam.d/%s", name);
	write_file(file, 0644,
		   "auth required %s config=%s/iam.conf endpoint=https://127.0.0.1:%d\n"
		   "account required %s config=%s/iam.conf endpoint=https://127.0.0.1:%d\n",
		   MODULE, T, port, MODULE, T, port);
}

static void test_blackholed_endpoint_is_bounded(void **state)
{
	struct timespec t0;
	double took;

	(void)state;
	service_for_port("iamtest-black", blackhole_port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* alice has a fresh record: after the timeout, she gets in offline */
	assert_int_equal(auth_with("iamtest-black", "alice", "alice-Secret-42", NULL),
			 PAM_SUCCESS);
	took = since(&t0);
	/* curl's connect timeout covers the TLS handshake that never comes:
	 * connect_timeout = 1s decides it, well inside timeout = 2s, plus slack
	 * for the local scrypt check (a bound against hangs, not a benchmark) */
	assert_true(took >= 0.9);
	assert_true(took < 2.0 + 3.0);
}

static void test_garbage_endpoint(void **state)
{
	struct convo c = { 0 };

	(void)state;
	service_for_port("iamtest-garbage", garbage_port);
	assert_int_equal(auth_with("iamtest-garbage", "alice", "alice-Secret-42", NULL),
			 PAM_SUCCESS);
	assert_int_equal(auth_with("iamtest-garbage", "olga", "wrong", NULL), PAM_AUTH_ERR);
	assert_int_equal(pam_run("iamtest-garbage", "alice", &c, ACCT, 0), PAM_SUCCESS);
	/* nora is not in the cache */
	assert_int_equal(pam_run("iamtest-garbage", "nora", &c, ACCT, 0), PAM_USER_UNKNOWN);
}

/* --- password change ------------------------------------------------------------ */

static void test_chauthtok(void **state)
{
	struct convo c = { .answers = { "olga-Secret-42", "Fresh-Horse-Battery-43",
					"Fresh-Horse-Battery-43" } };
	struct convo weak = { .answers = { "Fresh-Horse-Battery-43", "short", "short" } };
	struct convo bad = { .answers = { "wrong-old", "Other-Horse-Battery-44",
					  "Other-Horse-Battery-44" } };

	(void)state;
	assert_int_equal(pam_run(SVC, "olga", &c, CHAUTHTOK, 0), PAM_SUCCESS);
	assert_int_equal(auth_with(SVC, "olga", "olga-Secret-42", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with(SVC, "olga", "Fresh-Horse-Battery-43", NULL), PAM_SUCCESS);
	assert_int_equal(pam_run(SVC, "olga", &weak, CHAUTHTOK, 0), PAM_AUTHTOK_ERR);
	assert_true(weak.nerrors >= 1);
	assert_int_equal(pam_run(SVC, "olga", &bad, CHAUTHTOK, 0), PAM_AUTHTOK_RECOVERY_ERR);
	assert_int_equal(auth_with(SVC, "olga", "Fresh-Horse-Battery-43", NULL), PAM_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_login),
		cmocka_unit_test(test_wrong_password_and_unknown_user_look_alike),
		cmocka_unit_test(test_totp),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_empty_password),
		cmocka_unit_test(test_local_users_are_ignored),
		cmocka_unit_test(test_odd_user_names),
		cmocka_unit_test(test_conversation_failures),
		cmocka_unit_test(test_first_pass_arguments),
		cmocka_unit_test(test_unknown_arguments_are_ignored),
		cmocka_unit_test(test_account_decisions),
		cmocka_unit_test(test_disabled_user_with_right_password),
		cmocka_unit_test(test_sessions_are_audited),
		cmocka_unit_test(test_sessions_spool_when_down),
		cmocka_unit_test(test_offline_login),
		cmocka_unit_test(test_offline_mfa_users),
		cmocka_unit_test(test_offline_never_for_disabled_or_removed),
		cmocka_unit_test(test_offline_record_too_old),
		cmocka_unit_test(test_unsafe_record_is_refused),
		cmocka_unit_test(test_offline_verifier_follows_the_password),
		cmocka_unit_test(test_offline_guesses_lock),
		cmocka_unit_test(test_breakglass),
		cmocka_unit_test(test_blackholed_endpoint_is_bounded),
		cmocka_unit_test(test_garbage_endpoint),
		cmocka_unit_test(test_chauthtok),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
