/*
 * Unit tests for common/conf.c (the one setter for config files and module
 * arguments), common/safe_file.c (reading files that decide security,
 * writing files atomically) and common/host_config.c (/etc/iam/iam.conf and
 * the host credential). Files live in a private mkdtemp directory; cases
 * that need another owner use chown and are skipped, saying why, when the
 * tests do not run as root.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "host_config.h"
#include "safe_file.h"
#include "secmem.h"
#include "token.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define assert_contains(s, sub)                                              \
	do {                                                                 \
		if (!strstr((s), (sub)))                                     \
			fail_msg("\"%s\" does not contain \"%s\"", (s), (sub)); \
	} while (0)

/* A user that owns nothing here; nobody on Debian and most others. */
#define OTHER_UID 65534
#define OTHER_GID 65534

static char tmpdir[] = "/tmp/iam_test_conf.XXXXXX";

/* ---- a schema with every type ---------------------------------------- */

struct sample {
	char *name;
	char *dir;
	char *url;
	int verbose;
	long long retries;
	long long delay_ms;
	long long ttl;
	long long size;
	int mode;
};

static const char *const modes[] = { "off", "warn", "enforce", NULL };

#define KEY(n, t, f, d, lo, hi, ch) \
	{ n, t, offsetof(struct sample, f), d, lo, hi, ch }

static const struct iam_cfg_key schema[] = {
	KEY("name", IAM_CFG_STR, name, "anonymous", 0, 0, NULL),
	KEY("dir", IAM_CFG_PATH, dir, "/var/lib/sample", 0, 0, NULL),
	KEY("url", IAM_CFG_URL, url, NULL, 0, 0, NULL),
	KEY("verbose", IAM_CFG_BOOL, verbose, "no", 0, 0, NULL),
	KEY("retries", IAM_CFG_INT, retries, "3", 0, 10, NULL),
	KEY("delay", IAM_CFG_MSEC, delay_ms, "250ms", 10, 60000, NULL),
	KEY("ttl", IAM_CFG_SECONDS, ttl, "15m", 1, 86400, NULL),
	KEY("size", IAM_CFG_SIZE, size, "64K", 1024, 1LL << 20, NULL),
	KEY("mode", IAM_CFG_ENUM, mode, "warn", 0, 0, modes),
};

/* Warnings the parser reported, in order. */
struct warnings {
	char msg[8][512];
	size_t n;
};

static void collect_warning(void *ctx, const char *msg)
{
	struct warnings *w = ctx;

	if (w->n < N(w->msg))
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static void sample_defaults(struct sample *s)
{
	struct iam_err err = { "" };

	memset(s, 0, sizeof(*s));
	assert_int_equal(iam_cfg_defaults(schema, N(schema), s, &err), 0);
}

/* Parses text as the file "t.conf" into s, which starts from the defaults. */
static int parse_text(struct sample *s, const char *text, size_t len,
		      struct warnings *w, struct iam_err *err)
{
	sample_defaults(s);
	memset(w, 0, sizeof(*w));
	err->msg[0] = '\0';
	return iam_cfg_parse("t.conf", text, len, schema, N(schema), s,
			     collect_warning, w, err);
}

#define PARSE(s, text, w, err) parse_text((s), (text), strlen(text), (w), (err))

/* ---- defaults and the setter ------------------------------------------ */

static void test_defaults(void **state)
{
	struct sample s;
	struct iam_err err = { "" };

	(void)state;
	sample_defaults(&s);
	assert_string_equal(s.name, "anonymous");
	assert_string_equal(s.dir, "/var/lib/sample");
	assert_null(s.url);
	assert_int_equal(s.verbose, 0);
	assert_true(s.retries == 3);
	assert_true(s.delay_ms == 250);
	assert_true(s.ttl == 900);
	assert_true(s.size == 65536);
	assert_int_equal(s.mode, 1);

	/* Applying the defaults again replaces values set meanwhile (and frees
	 * them: valgrind checks). */
	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "name", "changed", &err), 0);
	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "url", "https://a.example", &err), 0);
	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "retries", "9", &err), 0);
	assert_int_equal(iam_cfg_defaults(schema, N(schema), &s, &err), 0);
	assert_string_equal(s.name, "anonymous");
	assert_null(s.url);
	assert_true(s.retries == 3);

	iam_cfg_free(schema, N(schema), &s);
	assert_null(s.name);
	assert_null(s.dir);
	assert_null(s.url);
}

static void test_bad_default(void **state)
{
	static const struct iam_cfg_key broken[] = {
		KEY("retries", IAM_CFG_INT, retries, "many", 0, 10, NULL),
	};
	struct sample s;
	struct iam_err err = { "" };

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(iam_cfg_defaults(broken, N(broken), &s, &err), -EINVAL);
	assert_contains(err.msg, "retries");
}

static void test_set_accepts(void **state)
{
	static const struct {
		const char *key, *value;
		long long expect;
		size_t offset;
	} numbers[] = {
		{ "verbose", "on", 1, offsetof(struct sample, verbose) },
		{ "verbose", "TRUE", 1, offsetof(struct sample, verbose) },
		{ "verbose", "0", 0, offsetof(struct sample, verbose) },
		{ "retries", "0", 0, offsetof(struct sample, retries) },
		{ "retries", "10", 10, offsetof(struct sample, retries) },
		{ "delay", "2s", 2000, offsetof(struct sample, delay_ms) },
		{ "delay", "1m", 60000, offsetof(struct sample, delay_ms) },
		{ "delay", "500ms", 500, offsetof(struct sample, delay_ms) },
		{ "delay", "500", 500, offsetof(struct sample, delay_ms) },
		{ "ttl", "12h", 43200, offsetof(struct sample, ttl) },
		{ "ttl", "1d", 86400, offsetof(struct sample, ttl) },
		{ "ttl", "1h30m", 5400, offsetof(struct sample, ttl) },
		{ "ttl", "30", 30, offsetof(struct sample, ttl) },
		{ "size", "512K", 524288, offsetof(struct sample, size) },
		{ "size", "1M", 1048576, offsetof(struct sample, size) },
		{ "size", "2048", 2048, offsetof(struct sample, size) },
		{ "mode", "off", 0, offsetof(struct sample, mode) },
		{ "mode", "enforce", 2, offsetof(struct sample, mode) },
	};
	struct sample s;
	struct iam_err err = { "" };
	size_t i;

	(void)state;
	sample_defaults(&s);
	for (i = 0; i < N(numbers); i++) {
		const char *slot = (const char *)&s + numbers[i].offset;
		long long got;

		if (iam_cfg_set(schema, N(schema), &s, numbers[i].key, numbers[i].value, &err) != 0)
			fail_msg("%s = %s refused: %s", numbers[i].key, numbers[i].value, err.msg);
		if (numbers[i].offset == offsetof(struct sample, verbose) ||
		    numbers[i].offset == offsetof(struct sample, mode))
			got = *(const int *)(const void *)slot;
		else
			got = *(const long long *)(const void *)slot;
		if (got != numbers[i].expect)
			fail_msg("%s = %s gave %lld, expected %lld", numbers[i].key,
				 numbers[i].value, got, numbers[i].expect);
	}
	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "name", "Web Server #1", &err), 0);
	assert_string_equal(s.name, "Web Server #1");
	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "dir", "/srv/iam data", &err), 0);
	assert_string_equal(s.dir, "/srv/iam data");
	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "url",
				     "https://iam.example.com:8443/base", &err), 0);
	assert_string_equal(s.url, "https://iam.example.com:8443/base");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_set_rejects(void **state)
{
	static const struct {
		const char *key, *value, *expect;
	} bad[] = {
		{ "name", "a\tb", "control characters" },
		{ "name", "a\x7f", "control characters" },
		{ "dir", "relative/dir", "absolute path" },
		{ "dir", "", "absolute path" },
		{ "url", "http://iam.example.com", "https:// URL" },
		{ "url", "https://", "https:// URL" },
		{ "url", "https:///path", "https:// URL" },
		{ "url", "https://a b", "https:// URL" },
		{ "url", "HTTPS://iam.example.com", "https:// URL" },
		{ "verbose", "maybe", "expected yes or no" },
		{ "verbose", "", "expected yes or no" },
		{ "retries", "11", "between 0 and 10" },
		{ "retries", "-1", "between 0 and 10" },
		{ "retries", "3x", "an integer" },
		{ "retries", "0x3", "an integer" },
		{ "retries", " 3", "an integer" },
		{ "delay", "5", "between 10 and 60000" },
		{ "delay", "2x", "a duration such as 500ms or 2s" },
		{ "delay", "2m", "between 10 and 60000" },
		{ "ttl", "0", "a duration such as 30s" },
		{ "ttl", "2d", "between 1 and 86400" },
		{ "ttl", "10ms", "a duration such as 30s" },
		{ "size", "1T", "a size such as 4096, 64K or 10M" },
		{ "size", "512", "between 1024 and 1048576" },
		{ "size", "2M", "between 1024 and 1048576" },
		{ "size", "-4K", "a size" },
		{ "mode", "block", "expected one of off, warn, enforce, got 'block'" },
		{ "mode", "Warn", "expected one of off, warn, enforce" },
	};
	struct sample s;
	struct iam_err err;
	size_t i;

	(void)state;
	sample_defaults(&s);
	for (i = 0; i < N(bad); i++) {
		err.msg[0] = '\0';
		if (iam_cfg_set(schema, N(schema), &s, bad[i].key, bad[i].value, &err) != -EINVAL)
			fail_msg("%s = '%s' accepted", bad[i].key, bad[i].value);
		assert_contains(err.msg, bad[i].key);
		assert_contains(err.msg, bad[i].expect);
	}
	/* A refused value leaves the one before it. */
	assert_string_equal(s.name, "anonymous");
	assert_string_equal(s.dir, "/var/lib/sample");
	assert_null(s.url);
	assert_true(s.retries == 3 && s.delay_ms == 250 && s.ttl == 900 && s.size == 65536);
	assert_int_equal(s.mode, 1);

	assert_int_equal(iam_cfg_set(schema, N(schema), &s, "nope", "1", &err), -ENOENT);
	assert_contains(err.msg, "unknown key 'nope'");
	iam_cfg_free(schema, N(schema), &s);
}

/* ---- iam_cfg_parse ---------------------------------------------------- */

static void test_parse_syntax(void **state)
{
	static const char text[] =
		"# sample configuration\n"
		"\n"
		"   # an indented comment\n"
		"\t\n"
		"name=compact\n"
		"dir   =   /srv/data   \n"
		"\turl\t=\thttps://iam.example.com\n"
		"verbose = yes\r\n"
		"retries = 7\n"
		"delay = 2s\n"
		"ttl = 12h\n"
		"size = 128K\n"
		"mode = enforce"; /* no newline at the end */
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	assert_int_equal(PARSE(&s, text, &w, &err), 0);
	assert_int_equal(w.n, 0);
	assert_string_equal(s.name, "compact");
	assert_string_equal(s.dir, "/srv/data");
	assert_string_equal(s.url, "https://iam.example.com");
	assert_int_equal(s.verbose, 1);
	assert_true(s.retries == 7);
	assert_true(s.delay_ms == 2000);
	assert_true(s.ttl == 43200);
	assert_true(s.size == 131072);
	assert_int_equal(s.mode, 2);
	iam_cfg_free(schema, N(schema), &s);
}

static void test_parse_quotes(void **state)
{
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	assert_int_equal(PARSE(&s, "name = \"  padded value  \"\n", &w, &err), 0);
	assert_string_equal(s.name, "  padded value  ");
	iam_cfg_free(schema, N(schema), &s);
	assert_int_equal(PARSE(&s, "name = \"\"\n", &w, &err), 0);
	assert_string_equal(s.name, "");
	iam_cfg_free(schema, N(schema), &s);
	/* One lone quote is not a quoted value. */
	assert_int_equal(PARSE(&s, "name = \"\n", &w, &err), 0);
	assert_string_equal(s.name, "\"");
	iam_cfg_free(schema, N(schema), &s);
	/* Quotes work for typed values too. */
	assert_int_equal(PARSE(&s, "retries = \"5\"\nverbose=\"on\"\n", &w, &err), 0);
	assert_true(s.retries == 5);
	assert_int_equal(s.verbose, 1);
	iam_cfg_free(schema, N(schema), &s);
	/* '=' inside the value belongs to the value. */
	assert_int_equal(PARSE(&s, "name = a=b\n", &w, &err), 0);
	assert_string_equal(s.name, "a=b");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_parse_unknown_key(void **state)
{
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	assert_int_equal(PARSE(&s, "retries = 1\nbogus = 2\nmode = off\ncolour=blue\n",
			       &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.msg[0], "t.conf:2: unknown key 'bogus' ignored");
	assert_string_equal(w.msg[1], "t.conf:4: unknown key 'colour' ignored");
	/* Parsing went on after the unknown keys. */
	assert_true(s.retries == 1);
	assert_int_equal(s.mode, 0);
	iam_cfg_free(schema, N(schema), &s);

	/* Without a callback the warning is dropped, not a crash. */
	sample_defaults(&s);
	assert_int_equal(iam_cfg_parse("t.conf", "bogus = 1\n", 10, schema, N(schema), &s,
				       NULL, NULL, &err), 0);
	iam_cfg_free(schema, N(schema), &s);
}

static void test_parse_duplicate_key(void **state)
{
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	assert_int_equal(PARSE(&s, "retries = 1\n# again\nretries = 2\nname=a\nname=b\n",
			       &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.msg[0], "t.conf:3: 'retries' is set again; the later value wins");
	assert_string_equal(w.msg[1], "t.conf:5: 'name' is set again; the later value wins");
	assert_true(s.retries == 2);
	assert_string_equal(s.name, "b");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_parse_bad_values(void **state)
{
	static const struct {
		const char *line, *key, *expect;
	} bad[] = {
		{ "name = tab\there", "name", "control characters" },
		{ "dir = srv", "dir", "absolute path" },
		{ "url = http://x", "url", "https:// URL" },
		{ "verbose = perhaps", "verbose", "yes or no" },
		{ "retries = 12", "retries", "an integer between 0 and 10" },
		{ "delay = soon", "delay", "a duration such as 500ms or 2s" },
		{ "ttl = 3y", "ttl", "a duration such as 30s, 15m, 12h or 7d" },
		{ "size = huge", "size", "a size such as 4096, 64K or 10M" },
		{ "mode = strict", "mode", "expected one of off, warn, enforce" },
	};
	char text[256];
	struct sample s;
	struct warnings w;
	struct iam_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		snprintf(text, sizeof(text), "# comment\nretries = 2\n%s\nmode = off\n",
			 bad[i].line);
		if (PARSE(&s, text, &w, &err) != -EINVAL)
			fail_msg("'%s' accepted", bad[i].line);
		assert_contains(err.msg, "t.conf:3");
		assert_contains(err.msg, bad[i].key);
		assert_contains(err.msg, bad[i].expect);
		/* Parsing stops at the error. */
		assert_int_equal(s.mode, 1);
		iam_cfg_free(schema, N(schema), &s);
	}
}

static void test_parse_bad_lines(void **state)
{
	char text[IAM_CFG_MAX_LINE + 64];
	struct sample s;
	struct warnings w;
	struct iam_err err;
	size_t len;

	(void)state;
	assert_int_equal(PARSE(&s, "retries = 1\n\njust some words\n", &w, &err), -EINVAL);
	assert_string_equal(err.msg, "t.conf:3: expected 'key = value'");
	iam_cfg_free(schema, N(schema), &s);

	/* A line of exactly IAM_CFG_MAX_LINE bytes is fine... */
	len = (size_t)snprintf(text, sizeof(text), "retries = 1\nname = ");
	memset(text + len, 'x', IAM_CFG_MAX_LINE - 7);
	len += IAM_CFG_MAX_LINE - 7;
	text[len++] = '\n';
	assert_int_equal(parse_text(&s, text, len, &w, &err), 0);
	assert_int_equal(strlen(s.name), IAM_CFG_MAX_LINE - 7);
	iam_cfg_free(schema, N(schema), &s);
	/* ...one more byte is not. */
	memmove(text + len, text + len - 1, 1);
	text[len - 1] = 'x';
	len++;
	assert_int_equal(parse_text(&s, text, len, &w, &err), -EINVAL);
	assert_contains(err.msg, "t.conf:2: line longer than 4096 bytes");
	iam_cfg_free(schema, N(schema), &s);

	/* A NUL byte would hide the rest of the line from the parser. */
	assert_int_equal(parse_text(&s, "retries = 1\nname = a\0b\n", 22, &w, &err), -EINVAL);
	assert_string_equal(err.msg, "t.conf:2: NUL byte in line");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_parse_too_big(void **state)
{
	size_t len = IAM_CFG_MAX_FILE + 1;
	char *text = malloc(len);
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	assert_non_null(text);
	memset(text, '\n', len);
	text[0] = '#';
	assert_int_equal(parse_text(&s, text, len, &w, &err), -EFBIG);
	assert_contains(err.msg, "t.conf");
	iam_cfg_free(schema, N(schema), &s);
	/* Exactly the maximum is accepted. */
	assert_int_equal(parse_text(&s, text, len - 1, &w, &err), 0);
	iam_cfg_free(schema, N(schema), &s);
	free(text);
}

/* ---- module arguments ------------------------------------------------- */

static void test_set_arg(void **state)
{
	struct sample s;
	struct iam_err err = { "" };
	char longkey[100];

	(void)state;
	sample_defaults(&s);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "verbose", &err), 0);
	assert_int_equal(s.verbose, 1);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "verbose=no", &err), 0);
	assert_int_equal(s.verbose, 0);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "retries=8", &err), 0);
	assert_true(s.retries == 8);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "name=a=b", &err), 0);
	assert_string_equal(s.name, "a=b");
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "ttl=1h", &err), 0);
	assert_true(s.ttl == 3600);

	/* A bare word that is not a boolean needs a value. */
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "retries", &err), -EINVAL);
	assert_contains(err.msg, "retries");
	assert_contains(err.msg, "needs a value");
	assert_true(s.retries == 8);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "retries=99", &err), -EINVAL);
	assert_contains(err.msg, "between 0 and 10");
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "bogus=1", &err), -ENOENT);
	assert_contains(err.msg, "bogus");
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "bogus", &err), -ENOENT);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "=1", &err), -EINVAL);
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, "", &err), -EINVAL);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(iam_cfg_set_arg(schema, N(schema), &s, longkey, &err), -EINVAL);
	iam_cfg_free(schema, N(schema), &s);
}

/* ---- files ------------------------------------------------------------ */

static void path_in_tmpdir(char *path, size_t size, const char *name)
{
	assert_true((size_t)snprintf(path, size, "%s/%s", tmpdir, name) < size);
}

/* Writes a file with exactly `mode` (no umask) and returns its path. */
static void write_file(char *path, size_t size, const char *name, const void *data,
		       size_t len, mode_t mode)
{
	int fd;

	path_in_tmpdir(path, size, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static int load_sample(const char *path, struct sample *s, struct warnings *w,
		       struct iam_err *err)
{
	sample_defaults(s);
	memset(w, 0, sizeof(*w));
	err->msg[0] = '\0';
	return iam_cfg_load(path, geteuid(), schema, N(schema), s, collect_warning, w, err);
}

static void test_load_good(void **state)
{
	static const char text[] = "retries = 4\nbogus = 1\nname = from file\n";
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	write_file(path, sizeof(path), "good.conf", text, strlen(text), 0644);
	assert_int_equal(load_sample(path, &s, &w, &err), 0);
	assert_true(s.retries == 4);
	assert_string_equal(s.name, "from file");
	/* Messages name the file by its path. */
	assert_int_equal(w.n, 1);
	assert_contains(w.msg[0], path);
	assert_contains(w.msg[0], ":2: unknown key 'bogus' ignored");
	iam_cfg_free(schema, N(schema), &s);

	write_file(path, sizeof(path), "bad.conf", "retries = 40\n", 13, 0600);
	assert_int_equal(load_sample(path, &s, &w, &err), -EINVAL);
	assert_contains(err.msg, path);
	assert_contains(err.msg, ":1");
	assert_contains(err.msg, "retries");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_load_missing(void **state)
{
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	path_in_tmpdir(path, sizeof(path), "does-not-exist.conf");
	assert_int_equal(load_sample(path, &s, &w, &err), -ENOENT);
	/* The defaults stay for the caller to fall back on. */
	assert_true(s.retries == 3);
	iam_cfg_free(schema, N(schema), &s);
}

static void test_load_symlink(void **state)
{
	char target[PATH_MAX], link[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	write_file(target, sizeof(target), "target.conf", "retries = 5\n", 12, 0644);
	path_in_tmpdir(link, sizeof(link), "link.conf");
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(load_sample(link, &s, &w, &err), -EPERM);
	assert_contains(err.msg, "symbolic link");
	assert_true(s.retries == 3);
	iam_cfg_free(schema, N(schema), &s);
}

static void test_load_world_writable(void **state)
{
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	write_file(path, sizeof(path), "ww.conf", "retries = 5\n", 12, 0646);
	assert_int_equal(load_sample(path, &s, &w, &err), -EPERM);
	assert_contains(err.msg, "writable by others");
	assert_contains(err.msg, "chmod");
	assert_true(s.retries == 3);
	iam_cfg_free(schema, N(schema), &s);
}

static void test_load_group_writable(void **state)
{
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	write_file(path, sizeof(path), "gw.conf", "retries = 5\n", 12, 0664);
	if (geteuid() == 0) {
		/* Group root may write: only root is in it. */
		assert_int_equal(chown(path, 0, 0), 0);
		assert_int_equal(load_sample(path, &s, &w, &err), 0);
		assert_true(s.retries == 5);
		iam_cfg_free(schema, N(schema), &s);
		assert_int_equal(chown(path, 0, OTHER_GID), 0);
		/* chown may clear mode bits; the case needs g+w. */
		assert_int_equal(chmod(path, 0664), 0);
	} else if (getegid() == 0) {
		print_message("skipped: group-writable case needs a non-root group\n");
		skip();
	}
	assert_int_equal(load_sample(path, &s, &w, &err), -EPERM);
	assert_contains(err.msg, "writable by group");
	assert_contains(err.msg, "chmod g-w");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_load_directory(void **state)
{
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	path_in_tmpdir(path, sizeof(path), "dir.conf");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(load_sample(path, &s, &w, &err), -EINVAL);
	assert_contains(err.msg, "not a regular file");
	iam_cfg_free(schema, N(schema), &s);
	assert_int_equal(rmdir(path), 0);

	/* A FIFO must not block the reader either. */
	path_in_tmpdir(path, sizeof(path), "fifo.conf");
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(load_sample(path, &s, &w, &err), -EINVAL);
	assert_contains(err.msg, "not a regular file");
	iam_cfg_free(schema, N(schema), &s);
	assert_int_equal(unlink(path), 0);
}

static void test_load_too_large(void **state)
{
	size_t len = IAM_CFG_MAX_FILE + 1;
	char *text = malloc(len);
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	assert_non_null(text);
	memset(text, '\n', len);
	text[0] = '#';
	write_file(path, sizeof(path), "big.conf", text, len, 0644);
	free(text);
	assert_int_equal(load_sample(path, &s, &w, &err), -EFBIG);
	assert_contains(err.msg, "65537 bytes");
	iam_cfg_free(schema, N(schema), &s);
}

static void test_load_other_owner(void **state)
{
	char path[PATH_MAX];
	struct sample s;
	struct warnings w;
	struct iam_err err;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: chown to uid %d needs root\n", OTHER_UID);
		skip();
	}
	write_file(path, sizeof(path), "other.conf", "retries = 6\n", 12, 0644);
	assert_int_equal(chown(path, OTHER_UID, 0), 0);
	assert_int_equal(load_sample(path, &s, &w, &err), -EPERM);
	assert_contains(err.msg, "owned by uid 65534");
	iam_cfg_free(schema, N(schema), &s);
	/* The owner the caller names is accepted. */
	sample_defaults(&s);
	assert_int_equal(iam_cfg_load(path, OTHER_UID, schema, N(schema), &s, NULL, NULL,
				      &err), 0);
	assert_true(s.retries == 6);
	iam_cfg_free(schema, N(schema), &s);
}

static void test_file_read_secret(void **state)
{
	static const mode_t refused[] = { 0640, 0604, 0644, 0660, 0740 };
	static const mode_t accepted[] = { 0600, 0400 };
	char path[PATH_MAX];
	struct iam_err err;
	char *text;
	size_t len, i;

	(void)state;
	for (i = 0; i < N(refused); i++) {
		write_file(path, sizeof(path), "secret", "s3cret\n", 7, refused[i]);
		text = (char *)1;
		assert_int_equal(iam_file_read(path, geteuid(), 100, IAM_FILE_SECRET, &text,
					       &len, &err), -EACCES);
		assert_null(text);
		assert_contains(err.msg, "chmod 600");
		/* The same file is fine when it holds no secret. */
		assert_int_equal(iam_file_read(path, geteuid(), 100, 0, &text, &len, &err), 0);
		free(text);
	}
	for (i = 0; i < N(accepted); i++) {
		write_file(path, sizeof(path), "secret", "s3cret\n", 7, accepted[i]);
		len = 0;
		assert_int_equal(iam_file_read(path, geteuid(), 100, IAM_FILE_SECRET, &text,
					       &len, &err), 0);
		assert_int_equal(len, 7);
		assert_string_equal(text, "s3cret\n");
		iam_free_secret(text);
	}
	/* The size limit counts bytes: 7 fit in 7, not in 6. */
	assert_int_equal(iam_file_read(path, geteuid(), 7, IAM_FILE_SECRET, &text, &len, &err), 0);
	iam_free_secret(text);
	assert_int_equal(iam_file_read(path, geteuid(), 6, IAM_FILE_SECRET, &text, &len, &err),
			 -EFBIG);
	/* An empty file reads as "". */
	write_file(path, sizeof(path), "empty", "", 0, 0600);
	assert_int_equal(iam_file_read(path, geteuid(), 100, 0, &text, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);
}

static int count_entries(const char *prefix)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void test_write_atomic(void **state)
{
	char path[PATH_MAX], buf[64];
	struct iam_err err = { "" };
	struct stat st1, st2;
	ssize_t n;
	int old_fd;

	(void)state;
	path_in_tmpdir(path, sizeof(path), "atomic.out");
	unlink(path);
	assert_int_equal(iam_file_write_atomic(path, "first", 5, 0640, &err), 0);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0640);
	assert_int_equal(st1.st_size, 5);
	old_fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(old_fd >= 0);

	assert_int_equal(iam_file_write_atomic(path, "second version", 14, 0600, &err), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0600);
	assert_int_equal(st2.st_size, 14);
	/* A new inode took the name; a reader of the old file still sees it
	 * whole. That is what atomic replacement means. */
	assert_true(st1.st_ino != st2.st_ino);
	n = pread(old_fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "first", 5);
	close(old_fd);
	old_fd = open(path, O_RDONLY | O_CLOEXEC);
	n = read(old_fd, buf, sizeof(buf));
	close(old_fd);
	assert_int_equal(n, 14);
	assert_memory_equal(buf, "second version", 14);
	/* No temporary file is left behind. */
	assert_int_equal(count_entries("atomic.out"), 1);

	/* A world-readable mode is honoured exactly, whatever the umask. */
	assert_int_equal(iam_file_write_atomic(path, "", 0, 0644, &err), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0644);
	assert_int_equal(st2.st_size, 0);
	assert_int_equal(unlink(path), 0);

	path_in_tmpdir(path, sizeof(path), "no-such-dir/file");
	assert_true(iam_file_write_atomic(path, "x", 1, 0600, &err) < 0);
	assert_contains(err.msg, "no-such-dir");
}

/* ---- host configuration ----------------------------------------------- */

#define PIN_A "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PIN_B "sha256//q+/9bBE0rXh1Jt8Fv3eYpXmH4Ykq2QWmfRb0G7HnR1c="
#define SNAPSHOT_KEY "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static const char host_conf[] =
	"# /etc/iam/iam.conf for web1\n"
	"endpoint = https://iam.example.com:8443\n"
	"ca_file = /etc/iam/ca.pem\n"
	"pinned_pubkey = " PIN_A ";" PIN_B "\n"
	"host_credential_file = /etc/iam/web1.credential\n"
	"connect_timeout = 1500ms\n"
	"timeout = 10s\n"
	"max_response = 4M\n"
	"max_snapshot = 64M\n"
	"proxy = http://proxy.example.com:3128\n"
	"snapshot_pubkey = " SNAPSHOT_KEY "\n"
	"cache_path = /var/cache/iam/nss.cache\n"
	"id_min = 300000\n"
	"id_max = 399999\n"
	"spool_dir = /var/spool/iam\n"
	"spool_max = 5000\n"
	"offline_dir = /var/lib/iam/verifiers\n"
	"offline_max_age = 12h\n"
	"offline_mfa = password\n"
	"offline_kdf_log2n = 16\n"
	"offline_max_failures = 7\n"
	"breakglass_file = /etc/iam/breakglass.oath\n"
	"session_dir = /run/iam/logins\n"
	"grant_dir = /var/lib/iam/signed-grants\n"
	"jit_session_dir = /run/iam/sudo\n"
	"jit_end_sessions = yes\n"
	"jit_end_grace = 30s\n"
	"vault_pubkey = " SNAPSHOT_KEY "\n"
	"vault_accounts = root,breakglass\n"
	"vault_dir = /var/lib/iam/escrow\n"
	"vault_rotate_interval = 7d\n"
	"debug = yes\n";

static int host_load(const char *text, struct iam_host_config *cfg, char *path,
		     size_t size, struct warnings *w, struct iam_err *err)
{
	write_file(path, size, "iam.conf", text, strlen(text), 0644);
	memset(w, 0, sizeof(*w));
	err->msg[0] = '\0';
	return iam_host_config_load(path, cfg, collect_warning, w, err);
}

/* iam_host_config_load accepts only root-owned files. */
static void require_root(void)
{
	if (geteuid() != 0) {
		print_message("skipped: iam_host_config_load reads root-owned files only; "
			      "run as root to test it\n");
		skip();
	}
}

/* vault_accounts: names joined by ',', and only with vault_pubkey. */
static void test_host_config_vault(void **state)
{
	static const struct {
		const char *text;
		const char *error; /* NULL: accepted */
	} cases[] = {
		{ "vault_accounts = root\n", "needs vault_pubkey" },
		{ "vault_pubkey = short\n", "44 base64" },
		{ "vault_pubkey = " SNAPSHOT_KEY "\nvault_accounts = root,,bg\n", "joined by ','" },
		{ "vault_pubkey = " SNAPSHOT_KEY "\nvault_accounts = Root\n", "joined by ','" },
		{ "vault_pubkey = " SNAPSHOT_KEY "\nvault_accounts = ro:ot\n", "joined by ','" },
		{ "vault_pubkey = " SNAPSHOT_KEY "\nvault_accounts = root,bg\n", NULL },
		{ "vault_pubkey = " SNAPSHOT_KEY "\n", NULL },
	};
	struct iam_host_config cfg;
	char path[PATH_MAX];
	struct warnings w;
	struct iam_err err;
	size_t i;

	(void)state;
	require_root();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = host_load(cases[i].text, &cfg, path, sizeof(path), &w, &err);

		if (!cases[i].error) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, err.msg);
		} else {
			if (r == 0)
				fail_msg("case %zu accepted", i);
			assert_contains(err.msg, cases[i].error);
		}
		iam_host_config_free(&cfg);
	}
}

static void test_host_config_full(void **state)
{
	struct iam_host_config cfg;
	struct iam_http_config http;
	char path[PATH_MAX];
	struct warnings w;
	struct iam_err err;
	size_t i;

	(void)state;
	require_root();
	/* The sample sets every key the schema has. */
	for (i = 0; i < iam_host_config_schema_len; i++) {
		char key[64];

		snprintf(key, sizeof(key), "\n%s = ", iam_host_config_schema[i].name);
		assert_contains(host_conf, key);
	}
	assert_int_equal(host_load(host_conf, &cfg, path, sizeof(path), &w, &err), 0);
	assert_int_equal(w.n, 0);
	assert_string_equal(cfg.endpoint, "https://iam.example.com:8443");
	assert_string_equal(cfg.ca_file, "/etc/iam/ca.pem");
	assert_string_equal(cfg.pinned_pubkey, PIN_A ";" PIN_B);
	assert_string_equal(cfg.host_credential_file, "/etc/iam/web1.credential");
	assert_true(cfg.connect_timeout_ms == 1500);
	assert_true(cfg.timeout_ms == 10000);
	assert_true(cfg.max_response == 4 << 20);
	assert_true(cfg.max_snapshot == 64 << 20);
	assert_string_equal(cfg.proxy, "http://proxy.example.com:3128");
	assert_string_equal(cfg.snapshot_pubkey, SNAPSHOT_KEY);
	assert_string_equal(cfg.cache_path, "/var/cache/iam/nss.cache");
	assert_true(cfg.id_min == 300000);
	assert_true(cfg.id_max == 399999);
	assert_string_equal(cfg.spool_dir, "/var/spool/iam");
	assert_true(cfg.spool_max == 5000);
	assert_string_equal(cfg.offline_dir, "/var/lib/iam/verifiers");
	assert_true(cfg.offline_max_age == 12 * 3600);
	assert_int_equal(cfg.offline_mfa, IAM_OFFLINE_MFA_PASSWORD);
	assert_true(cfg.offline_kdf_log2n == 16);
	assert_true(cfg.offline_max_failures == 7);
	assert_string_equal(cfg.breakglass_file, "/etc/iam/breakglass.oath");
	assert_string_equal(cfg.session_dir, "/run/iam/logins");
	assert_string_equal(cfg.grant_dir, "/var/lib/iam/signed-grants");
	assert_string_equal(cfg.jit_session_dir, "/run/iam/sudo");
	assert_int_equal(cfg.jit_end_sessions, 1);
	assert_true(cfg.jit_end_grace == 30);
	assert_string_equal(cfg.vault_pubkey, SNAPSHOT_KEY);
	assert_string_equal(cfg.vault_dir, "/var/lib/iam/escrow");
	assert_true(cfg.vault_rotate_interval == 7 * 86400);
	assert_true(iam_vault_account_listed(&cfg, "root"));
	assert_true(iam_vault_account_listed(&cfg, "breakglass"));
	assert_false(iam_vault_account_listed(&cfg, "roo"));
	assert_false(iam_vault_account_listed(&cfg, "breakglass2"));
	assert_int_equal(cfg.debug, 1);

	iam_host_http_config(&cfg, &http);
	assert_ptr_equal(http.base_url, cfg.endpoint);
	assert_ptr_equal(http.ca_file, cfg.ca_file);
	assert_ptr_equal(http.pinned_pubkey, cfg.pinned_pubkey);
	assert_ptr_equal(http.proxy, cfg.proxy);
	assert_int_equal(http.connect_timeout_ms, 1500);
	assert_int_equal(http.timeout_ms, 10000);
	assert_int_equal(http.max_response, 4 << 20);
	assert_int_equal(http.use_netrc, 0);
	iam_host_config_free(&cfg);
	assert_null(cfg.endpoint);
	assert_null(cfg.cache_path);
}

static void test_host_config_defaults(void **state)
{
	static const char *const credential_suffix = "/iam/host.credential";
	static const char *const cache_suffix = "/lib/iam/nss.cache";
	struct iam_host_config cfg;
	char path[PATH_MAX];
	struct iam_err err = { "" };
	size_t len;

	(void)state;
	path_in_tmpdir(path, sizeof(path), "missing-iam.conf");
	assert_int_equal(iam_host_config_load(path, &cfg, NULL, NULL, &err), -ENOENT);
	assert_null(cfg.endpoint);
	assert_null(cfg.ca_file);
	assert_null(cfg.pinned_pubkey);
	assert_null(cfg.proxy);
	assert_null(cfg.snapshot_pubkey);
	assert_true(cfg.connect_timeout_ms == 2000);
	assert_true(cfg.timeout_ms == 5000);
	assert_true(cfg.max_response == 1 << 20);
	assert_true(cfg.max_snapshot == 256 << 20);
	assert_true(cfg.id_min == 200000);
	assert_true(cfg.id_max == 499999);
	assert_int_equal(cfg.debug, 0);
	len = strlen(cfg.host_credential_file);
	assert_true(len > strlen(credential_suffix));
	assert_string_equal(cfg.host_credential_file + len - strlen(credential_suffix),
			    credential_suffix);
	assert_int_equal(cfg.host_credential_file[0], '/');
	len = strlen(cfg.cache_path);
	assert_true(len > strlen(cache_suffix));
	assert_string_equal(cfg.cache_path + len - strlen(cache_suffix), cache_suffix);
	assert_int_equal(iam_host_config_check(&cfg, &err), 0);
	iam_host_config_free(&cfg);
}

static void test_host_config_cross_key(void **state)
{
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{ "id_min = 400000\nid_max = 400000\n",
		  "id_min (400000) must be below id_max (400000)" },
		{ "id_min = 500000\nid_max = 400000\n", "must be below id_max" },
		{ "pinned_pubkey = sha256//short\n", "pinned_pubkey must be sha256//" },
		{ "pinned_pubkey = " PIN_A ";\n", "pinned_pubkey" },
		{ "pinned_pubkey = " PIN_A " " PIN_B "\n", "pinned_pubkey" },
		{ "connect_timeout = 6s\ntimeout = 5s\n",
		  "connect_timeout (6000ms) must not exceed timeout (5000ms)" },
		{ "timeout = 1s\n", "must not exceed timeout (1000ms)" },
	};
	struct iam_host_config cfg;
	char path[PATH_MAX];
	struct warnings w;
	struct iam_err err;
	size_t i;

	(void)state;
	require_root();
	for (i = 0; i < N(bad); i++) {
		if (host_load(bad[i].text, &cfg, path, sizeof(path), &w, &err) != -EINVAL)
			fail_msg("accepted: %s", bad[i].text);
		assert_contains(err.msg, path);
		assert_contains(err.msg, bad[i].expect);
		iam_host_config_free(&cfg);
	}
	/* Equal timeouts are fine. */
	assert_int_equal(host_load("connect_timeout = 3s\ntimeout = 3000ms\n", &cfg, path,
				   sizeof(path), &w, &err), 0);
	iam_host_config_free(&cfg);
}

static void test_host_config_bad_keys(void **state)
{
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{ "endpoint = http://iam.example.com\n", ":1: endpoint: expected an https:// URL" },
		{ "# x\ntimeout = 50ms\n", ":2: timeout: expected a duration" },
		{ "max_response = 1K\n", ":1: max_response" },
		{ "id_min = 0\n", ":1: id_min" },
		{ "id_max = 2147483647\n", ":1: id_max" },
		{ "cache_path = nss.cache\n", ":1: cache_path: expected an absolute path" },
		{ "debug = sometimes\n", ":1: debug: expected yes or no" },
	};
	struct iam_host_config cfg;
	char path[PATH_MAX];
	struct warnings w;
	struct iam_err err;
	size_t i;

	(void)state;
	require_root();
	for (i = 0; i < N(bad); i++) {
		if (host_load(bad[i].text, &cfg, path, sizeof(path), &w, &err) != -EINVAL)
			fail_msg("accepted: %s", bad[i].text);
		assert_contains(err.msg, bad[i].expect);
		iam_host_config_free(&cfg);
	}
	/* An unknown key is only a warning. */
	assert_int_equal(host_load("endpont = https://x.example\n", &cfg, path, sizeof(path),
				   &w, &err), 0);
	assert_int_equal(w.n, 1);
	assert_contains(w.msg[0], ":1: unknown key 'endpont' ignored");
	iam_host_config_free(&cfg);
}

static void test_host_config_args(void **state)
{
	struct iam_host_config cfg;
	struct iam_err err = { "" };

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(iam_cfg_defaults(iam_host_config_schema, iam_host_config_schema_len,
					  &cfg, &err), 0);
	assert_int_equal(iam_cfg_set_arg(iam_host_config_schema, iam_host_config_schema_len,
					 &cfg, "debug", &err), 0);
	assert_int_equal(cfg.debug, 1);
	assert_int_equal(iam_cfg_set_arg(iam_host_config_schema, iam_host_config_schema_len,
					 &cfg, "timeout=3s", &err), 0);
	assert_true(cfg.timeout_ms == 3000);
	assert_int_equal(iam_cfg_set_arg(iam_host_config_schema, iam_host_config_schema_len,
					 &cfg, "endpoint", &err), -EINVAL);
	assert_int_equal(iam_cfg_set_arg(iam_host_config_schema, iam_host_config_schema_len,
					 &cfg, "use_first_pass", &err), -ENOENT);
	iam_host_config_free(&cfg);
}

static void test_pin_valid(void **state)
{
	(void)state;
	assert_int_equal(iam_pin_valid(PIN_A), 1);
	assert_int_equal(iam_pin_valid(PIN_A ";" PIN_B), 1);
	assert_int_equal(iam_pin_valid(""), 0);
	assert_int_equal(iam_pin_valid("sha256//"), 0);
	assert_int_equal(iam_pin_valid(PIN_A ";"), 0);
	assert_int_equal(iam_pin_valid(";" PIN_A), 0);
	assert_int_equal(iam_pin_valid(PIN_A "x"), 0);
	assert_int_equal(iam_pin_valid("sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	assert_int_equal(iam_pin_valid("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	assert_int_equal(iam_pin_valid("sha256//AAAAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAAAAAAAAA"), 0);
	assert_int_equal(iam_pin_valid("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-A="), 0);
}

/* ---- host credential -------------------------------------------------- */

static void test_credential_read(void **state)
{
	char token[IAM_TOKEN_MAX], hash[IAM_SHA256_HEX_LEN + 1], text[IAM_TOKEN_MAX + 4];
	char path[PATH_MAX];
	struct iam_err err;
	char *got;

	(void)state;
	assert_int_equal(iam_token_generate(IAM_TOKEN_HOST, 42, token, hash), 0);
	snprintf(text, sizeof(text), "%s\n", token);

	write_file(path, sizeof(path), "host.credential", text, strlen(text), 0600);
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), 0);
	assert_string_equal(got, token);
	iam_free_secret(got);

	snprintf(text, sizeof(text), "%s\r\n", token);
	write_file(path, sizeof(path), "host.credential", text, strlen(text), 0400);
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), 0);
	assert_string_equal(got, token);
	iam_free_secret(got);

	/* Readable by others: refused, and the message says what to do. */
	write_file(path, sizeof(path), "host.credential", token, strlen(token), 0644);
	err.msg[0] = '\0';
	got = (char *)1;
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), -EACCES);
	assert_null(got);
	assert_contains(err.msg, "accessible by group or others");
	assert_contains(err.msg, "chmod");
	write_file(path, sizeof(path), "host.credential", token, strlen(token), 0640);
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), -EACCES);

	/* Not a token. */
	write_file(path, sizeof(path), "host.credential", "iamh_42.short\n", 14, 0600);
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), -EINVAL);
	assert_null(got);
	assert_contains(err.msg, "does not hold a valid credential");
	write_file(path, sizeof(path), "host.credential", "", 0, 0600);
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), -EINVAL);
	snprintf(text, sizeof(text), "%s\n%s", token, "x");
	write_file(path, sizeof(path), "host.credential", text, strlen(text), 0600);
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), -EINVAL);

	path_in_tmpdir(path, sizeof(path), "no.credential");
	assert_int_equal(iam_credential_read(path, geteuid(), &got, &err), -ENOENT);
}

/* ---- fixtures --------------------------------------------------------- */

static int make_tmpdir(void **state)
{
	(void)state;
	umask(022);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	(void)state;
	d = opendir(tmpdir);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_default),
		cmocka_unit_test(test_set_accepts),
		cmocka_unit_test(test_set_rejects),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_parse_quotes),
		cmocka_unit_test(test_parse_unknown_key),
		cmocka_unit_test(test_parse_duplicate_key),
		cmocka_unit_test(test_parse_bad_values),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_parse_too_big),
		cmocka_unit_test(test_set_arg),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_symlink),
		cmocka_unit_test(test_load_world_writable),
		cmocka_unit_test(test_load_group_writable),
		cmocka_unit_test(test_load_directory),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_load_other_owner),
		cmocka_unit_test(test_file_read_secret),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_host_config_full),
		cmocka_unit_test(test_host_config_vault),
		cmocka_unit_test(test_host_config_defaults),
		cmocka_unit_test(test_host_config_cross_key),
		cmocka_unit_test(test_host_config_bad_keys),
		cmocka_unit_test(test_host_config_args),
		cmocka_unit_test(test_pin_valid),
		cmocka_unit_test(test_credential_read),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
