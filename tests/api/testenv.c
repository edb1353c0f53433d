#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <liboath/oath.h>

#include "audit_chain.h"
#include "http.h"
#include "json.h"
#include "testenv.h"

static const char *builddir(void)
{
	const char *d = getenv("IAM_BUILDDIR");

	return d ? d : IAM_TEST_BUILDDIR "/..";
}

static void run_init(struct testenv *e)
{
	char bin[512];
	pid_t pid;
	int status = -1;

	snprintf(bin, sizeof(bin), "%s/policyd/iam-policyd", builddir());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execl(bin, bin, "--init", e->state, "--listen", "127.0.0.1:0", "--kdf-log2-n", "10",
		      (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	assert_int_equal(status, 0);
}

static void append_conf(struct testenv *e, const char *extra)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/policyd.conf", e->state);
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "%s\n", extra);
	fclose(f);
}

static void read_file(const char *path, char *out, size_t outsz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, outsz - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
}

/* libfaketime, preceded by the ASan runtime when the server was built
 * with sanitizers (ASan must come first in the link order). */
static void faketime_env(const struct testenv *e)
{
	const char *asan = getenv("IAM_ASAN_RUNTIME");
	char preload[512];

	snprintf(preload, sizeof(preload), "%s%s%s", asan && *asan ? asan : "",
		 asan && *asan ? " " : "", IAM_FAKETIME_LIB);
	setenv("LD_PRELOAD", preload, 1);
	setenv("FAKETIME_TIMESTAMP_FILE", e->clock_file, 1);
	setenv("FAKETIME_NO_CACHE", "1", 1);
	setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
}

static void spawn_server(struct testenv *e, unsigned flags)
{
	char bin[512], ready[256], log[256], port[16] = "";
	int i;

	snprintf(bin, sizeof(bin), "%s/policyd/iam-policyd", builddir());
	snprintf(ready, sizeof(ready), "%s/ready", e->dir);
	snprintf(log, sizeof(log), "%s/policyd.log", e->dir);
	unlink(ready);
	e->pid = fork();
	assert_true(e->pid >= 0);
	if (e->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(fd, 2);
		if (flags & TESTENV_FAKETIME)
			faketime_env(e);
		execl(bin, bin, "--state", e->state, "--stderr", "--debug", "--ready-file", ready,
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && access(ready, R_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(ready, R_OK), 0);
	read_file(ready, port, sizeof(port));
	snprintf(e->url, sizeof(e->url), "https://127.0.0.1:%s", port);
}

void testenv_start(struct testenv *e, unsigned flags, const char *extra_conf)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/iam-apitest.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->state, sizeof(e->state), "%s/state", e->dir);
	snprintf(e->ca, sizeof(e->ca), "%s/tls.crt", e->state);
	snprintf(e->clock_file, sizeof(e->clock_file), "%s/clock", e->dir);
	testenv_shift_clock(e, 0);
	run_init(e);
	if (extra_conf)
		append_conf(e, extra_conf);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/admin.token", e->state);
		read_file(path, e->admin, sizeof(e->admin));
	}
	iam_http_global_init(NULL);
	spawn_server(e, flags);
}

static int reap(struct testenv *e, int sig)
{
	int status = -1, i;

	if (e->pid <= 0)
		return 0;
	kill(e->pid, sig);
	for (i = 0; i < 300; i++) {
		if (waitpid(e->pid, &status, WNOHANG) == e->pid)
			break;
		usleep(20000);
	}
	if (i == 300) {
		kill(e->pid, SIGKILL);
		waitpid(e->pid, &status, 0);
	}
	e->pid = 0;
	return status;
}

static void remove_tree(const char *dir)
{
	char cmd[300];

	if (getenv("IAM_TEST_KEEP"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int testenv_stop(struct testenv *e)
{
	int status = reap(e, SIGTERM);

	if (status != 0) {
		char cmd[300];

		fprintf(stderr, "iam-policyd exited with status %d; its log:\n", status);
		snprintf(cmd, sizeof(cmd), "tail -n 40 '%s/policyd.log' >&2", e->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
	}
	json_object_put(e->body);
	e->body = NULL;
	remove_tree(e->dir);
	return status;
}

void testenv_kill(struct testenv *e)
{
	reap(e, SIGKILL);
}

void testenv_restart(struct testenv *e, unsigned flags)
{
	spawn_server(e, flags);
}

void testenv_shift_clock(struct testenv *e, long long seconds)
{
	FILE *f;

	e->clock_shift += seconds;
	f = fopen(e->clock_file, "w");
	assert_non_null(f);
	fprintf(f, "%+lld\n", e->clock_shift);
	fclose(f);
}

int64_t testenv_now(const struct testenv *e)
{
	return (int64_t)time(NULL) + e->clock_shift;
}

static size_t collect(char *p, size_t size, size_t n, void *userdata)
{
	return iam_buf_append(userdata, p, size * n) == 0 ? size * n : 0;
}

/* The common client only speaks JSON, so a request with another content
 * type goes out through libcurl directly. */
static int request_with_type(struct testenv *e, const char *method, const char *path,
			     const char *content_type, const char *body, size_t len,
			     struct iam_http_response *resp)
{
	CURL *c = curl_easy_init();
	struct curl_slist *headers = NULL;
	char url[512], ct[128];
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", e->url, path);
	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	headers = curl_slist_append(headers, ct);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, e->ca);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp->body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -EIO;
}

long api_raw(struct testenv *e, const char *token, const char *method, const char *path,
	     const char *content_type, const char *body, size_t len)
{
	struct iam_http_config cfg = { e->url, e->ca, NULL, 5000, 30000, 64 << 20, NULL, 0, NULL };
	struct iam_http_response resp;
	struct iam_http *h;
	int r;

	json_object_put(e->body);
	e->body = NULL;
	e->status = 0;
	h = iam_http_new(&cfg, NULL);
	assert_non_null(h);
	iam_http_response_init(&resp);
	/* A content type other than JSON needs a request the client will not
	 * make by itself; curl sends what we give it through the body. */
	if (content_type)
		r = request_with_type(e, method, path, content_type, body, len, &resp);
	else
		r = iam_http_request(h, method, path, token, body, len, &resp, NULL);
	if (r == 0) {
		e->status = resp.status;
		if (iam_json_parse(iam_buf_str(&resp.body), resp.body.len, &e->body, NULL) < 0)
			e->body = NULL;
	}
	iam_http_response_free(&resp);
	iam_http_free(h);
	return e->status;
}

long api(struct testenv *e, const char *token, const char *method, const char *path,
	 const char *body)
{
	return api_raw(e, token, method, path, NULL, body, body ? strlen(body) : 0);
}

long apif(struct testenv *e, const char *token, const char *method, const char *path,
	  const char *fmt, ...)
{
	char body[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return api(e, token, method, path, body);
}

struct json_object *jget(struct testenv *e, const char *path)
{
	struct json_object *o = e->body;
	char key[64];

	while (o && *path) {
		size_t len = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)len, path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += len + (path[len] == '.');
	}
	return o;
}

const char *jstr(struct testenv *e, const char *path)
{
	struct json_object *o = jget(e, path);

	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

int64_t jint(struct testenv *e, const char *path)
{
	struct json_object *o = jget(e, path);

	return o && json_object_is_type(o, json_type_int) ? json_object_get_int64(o) : -1;
}

int jbool(struct testenv *e, const char *path)
{
	struct json_object *o = jget(e, path);

	return o && json_object_is_type(o, json_type_boolean) ? json_object_get_boolean(o) : -1;
}

const char *ecode(struct testenv *e)
{
	return jstr(e, "error.code");
}

void make_user(struct testenv *e, const char *name, const char *password)
{
	long st = password ? apif(e, e->admin, "POST", "/v1/users",
				  "{\"name\":\"%s\",\"password\":\"%s\"}", name, password)
			   : apif(e, e->admin, "POST", "/v1/users", "{\"name\":\"%s\"}", name);

	assert_int_equal(st, 201);
}

char *login(struct testenv *e, const char *user, const char *password)
{
	assert_int_equal(apif(e, NULL, "POST", "/v1/auth/login",
			      "{\"user\":\"%s\",\"password\":\"%s\"}", user, password), 200);
	assert_string_equal(jstr(e, "result"), "ok");
	return strdup(jstr(e, "token"));
}

char *enroll_totp(struct testenv *e, const char *user)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/users/%s/mfa", user);
	assert_int_equal(api(e, e->admin, "POST", path, NULL), 200);
	return strdup(jstr(e, "secret"));
}

void totp_code(const struct testenv *e, const char *secret, int steps, char code[7])
{
	char *raw = NULL;
	size_t len = 0;

	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_base32_decode(secret, strlen(secret), &raw, &len), OATH_OK);
	assert_int_equal(oath_totp_generate(raw, len, (time_t)testenv_now(e) + (time_t)steps * 30, 30, 0,
					    6, code), OATH_OK);
	free(raw);
}

char *enroll_host(struct testenv *e, const char *name)
{
	assert_int_equal(apif(e, e->admin, "POST", "/v1/hosts", "{\"name\":\"%s\"}", name), 201);
	return strdup(jstr(e, "credential"));
}

static void check_record(struct json_object *o, int64_t expect, char prev[65])
{
#define S(k) json_object_get_string(json_object_object_get(o, k))
	struct iam_audit_record r = {
		json_object_get_int64(json_object_object_get(o, "seq")),
		json_object_get_int64(json_object_object_get(o, "time")),
		S("source"), S("event_id"), S("type"), S("actor"), S("data") };
	char hash[65];

	assert_int_equal(r.seq, expect);
	assert_string_equal(S("prev_hash"), prev);
	assert_int_equal(iam_audit_hash(&r, prev, hash), 0);
	assert_string_equal(S("hash"), hash);
#undef S
	memcpy(prev, hash, 65);
}

int64_t verify_audit_chain(struct testenv *e, char last_hash[65])
{
	char prev[65] = IAM_AUDIT_GENESIS, path[96];
	int64_t after = 0;
	int more = 1;
	size_t i;

	while (more) {
		struct json_object *records;

		snprintf(path, sizeof(path), "/v1/audit?after=%lld&limit=1000", (long long)after);
		assert_int_equal(api(e, e->admin, "GET", path, NULL), 200);
		records = jget(e, "records");
		more = jbool(e, "more");
		for (i = 0; i < json_object_array_length(records); i++)
			check_record(json_object_array_get_idx(records, i), ++after, prev);
	}
	memcpy(last_hash, prev, 65);
	return after;
}
