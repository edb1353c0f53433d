/*
 * iam_cfg_parse with the host configuration's schema, then every line of
 * the same input as a PAM module argument through iam_cfg_set_arg. Whatever
 * gets accepted must obey the schema: numbers within their bounds, booleans
 * 0 or 1, strings without control characters, paths absolute, URLs https.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "host_config.h"

#define SCHEMA iam_host_config_schema, iam_host_config_schema_len
#define MAX_ARGS 64

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 1;
	return 0;
}

static void check_string(const struct iam_cfg_key *k, const char *s)
{
	if (!s)
		return;
	FUZZ_CHECK(!has_control(s));
	if (k->type == IAM_CFG_PATH)
		FUZZ_CHECK(s[0] == '/');
	if (k->type == IAM_CFG_URL)
		FUZZ_CHECK(strncmp(s, "https://", 8) == 0 && s[8] != '\0' && s[8] != '/');
}

/* Each value in cfg as its key's type promises it. */
static void check_config(const struct iam_host_config *cfg)
{
	size_t i;

	for (i = 0; i < iam_host_config_schema_len; i++) {
		const struct iam_cfg_key *k = &iam_host_config_schema[i];
		const void *slot = (const char *)cfg + k->offset;

		switch (k->type) {
		case IAM_CFG_STR:
		case IAM_CFG_PATH:
		case IAM_CFG_URL:
			check_string(k, *(char *const *)slot);
			break;
		case IAM_CFG_BOOL:
			FUZZ_CHECK(*(const int *)slot == 0 || *(const int *)slot == 1);
			break;
		case IAM_CFG_ENUM:
			FUZZ_CHECK(*(const int *)slot >= 0);
			break;
		default:
			FUZZ_CHECK(*(const long long *)slot >= k->min &&
				   *(const long long *)slot <= k->max);
			break;
		}
	}
}

static void count_warning(void *ctx, const char *msg)
{
	size_t *count = ctx;

	/* Warnings name the origin and a line. */
	FUZZ_CHECK(strncmp(msg, "fuzz.conf:", 10) == 0);
	(*count)++;
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	struct iam_host_config cfg;
	struct iam_err err = { "" };
	size_t warnings = 0;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	FUZZ_CHECK(iam_cfg_defaults(SCHEMA, &cfg, &err) == 0);
	/* data is not NUL terminated: the parser must keep within size. */
	r = iam_cfg_parse("fuzz.conf", (const char *)data, size, SCHEMA, &cfg,
			  count_warning, &warnings, &err);
	/* Values set before an error must be valid as well. */
	check_config(&cfg);
	if (r == 0)
		(void)iam_host_config_check(&cfg, &err);
	else
		FUZZ_CHECK(strncmp(err.msg, "fuzz.conf", 9) == 0);
	iam_host_config_free(&cfg);
}

static void fuzz_args(const uint8_t *data, size_t size)
{
	struct iam_host_config cfg;
	struct iam_err err = { "" };
	char *text = fuzz_cstring(data, size);
	char *arg = text, *next;
	int count = 0;

	memset(&cfg, 0, sizeof(cfg));
	FUZZ_CHECK(iam_cfg_defaults(SCHEMA, &cfg, &err) == 0);
	for (; arg && count < MAX_ARGS; arg = next, count++) {
		next = strchr(arg, '\n');
		if (next)
			*next++ = '\0';
		(void)iam_cfg_set_arg(SCHEMA, &cfg, arg, &err);
		check_config(&cfg);
	}
	iam_host_config_free(&cfg);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_args(data, size);
	return 0;
}
