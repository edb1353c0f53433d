#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "call.h"
#include "output.h"
#include "parse.h"
#include "secmem.h"

void cli_body_init(struct cli_body *b)
{
	b->obj = json_object_new_object();
	b->oom = !b->obj;
	b->secret_key = NULL;
}

void cli_body_add(struct cli_body *b, const char *key, struct json_object *value)
{
	if (!b->obj || !value || json_object_object_add(b->obj, key, value) < 0) {
		json_object_put(value);
		b->oom = 1;
	}
}

void cli_body_str(struct cli_body *b, const char *key, const char *value)
{
	if (value)
		cli_body_add(b, key, json_object_new_string(value));
}

void cli_body_int(struct cli_body *b, const char *key, long long value)
{
	cli_body_add(b, key, json_object_new_int64(value));
}

void cli_body_bool(struct cli_body *b, const char *key, int value)
{
	cli_body_add(b, key, json_object_new_boolean(value));
}

void cli_body_secret(struct cli_body *b, const char *key, const char *value)
{
	cli_body_str(b, key, value);
	b->secret_key = key;
}

void cli_json_wipe(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (obj && json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_string))
		iam_wipe((void *)(uintptr_t)json_object_get_string(v),
			 (size_t)json_object_get_string_len(v));
}

void cli_body_free(struct cli_body *b)
{
	if (b->secret_key)
		cli_json_wipe(b->obj, b->secret_key);
	json_object_put(b->obj);
	b->obj = NULL;
	b->secret_key = NULL;
}

int cli_path(struct cli_ctx *c, char *out, size_t outsz, const char *fmt, ...)
{
	size_t len = 0;
	va_list ap;
	int r = 0;

	va_start(ap, fmt);
	for (; *fmt && r == 0; fmt++) {
		if (fmt[0] == '%' && fmt[1] == 's') {
			r = iam_api_escape(va_arg(ap, const char *), out + len, outsz - len);
			len += r == 0 ? strlen(out + len) : 0;
			fmt++;
		} else if (len + 1 < outsz) {
			out[len++] = *fmt;
		} else {
			r = -ENOSPC;
		}
	}
	va_end(ap);
	out[len < outsz ? len : outsz - 1] = '\0';
	if (r < 0)
		return cli_usage(c, "an argument is too long");
	return 0;
}

static int exit_for_status(long status)
{
	if (status == 401 || status == 403 || status == 429)
		return CLI_EXIT_AUTH;
	if (status == 404)
		return CLI_EXIT_NOT_FOUND;
	if (status == 409)
		return CLI_EXIT_CONFLICT;
	if (status >= 500)
		return CLI_EXIT_UNAVAILABLE;
	return CLI_EXIT_FAILED;
}

/* Which credential a refusal is about, and what to do, when it is ours. */
static const char *refusal_hint(const struct cli_ctx *c)
{
	const char *code = c->aerr.code;

	if (strcmp(code, "unauthenticated") == 0 && c->acting == CLI_ACT_ADMIN)
		return "; the admin token (--admin-token-file, IAM_ADMIN_TOKEN_FILE or "
		       "admin_token_file) is unknown, expired or revoked";
	if (strcmp(code, "unauthenticated") == 0)
		return "; log in again: iamctl login";
	if (strcmp(code, "forbidden") == 0 && c->acting != CLI_ACT_ADMIN)
		return "; administrative commands need the admin token (--admin-token-file, "
		       "IAM_ADMIN_TOKEN_FILE or admin_token_file)";
	return "";
}

/* Where iamctl takes the setting a transport failure points at. */
static const char *transport_hint(int r)
{
	if (r == -EPROTO)
		return "; iamctl takes the CA from --ca-file, IAM_CA_FILE or ca_file (for an "
		       "endpoint made by iam-policyd --init, its tls.crt), the pin from --pin";
	if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ETIMEDOUT || r == -ENETUNREACH)
		return "; iamctl takes the endpoint from --endpoint, IAM_ENDPOINT or endpoint";
	return "";
}

/* "MESSAGE (code)", with the details some codes carry. */
static int refused(struct cli_ctx *c)
{
	const struct iam_api_error *e = &c->aerr;
	char detail[96] = "";

	if (e->field[0])
		snprintf(detail, sizeof(detail), ": %s", e->field);
	else if (e->state[0])
		snprintf(detail, sizeof(detail), ": %s", e->state);
	else if (e->rule[0])
		snprintf(detail, sizeof(detail), ": %s", e->rule);
	else if (e->retry_after > 0) {
		char d[32];

		iam_format_duration(e->retry_after, d, sizeof(d));
		snprintf(detail, sizeof(detail), ", retry in %s", d);
	}
	return cli_fail(c, exit_for_status(e->status), "%s (%s%s)%s", e->message, e->code,
			detail, refusal_hint(c));
}

int cli_api_failure(struct cli_ctx *c, int r, const struct iam_err *err)
{
	if (r == IAM_API_REFUSED)
		return refused(c);
	if (r == -ENOMEM)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	if (r == -EINVAL)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err->msg);
	return cli_fail(c, CLI_EXIT_UNAVAILABLE, "%s%s", err->msg, transport_hint(r));
}

static int call_once(struct cli_ctx *c, const char *method, const char *path,
		     struct cli_body *body, struct json_object **out)
{
	struct iam_err err = { "" };
	int r;

	r = iam_api_call(c->api, method, path, body ? body->obj : NULL, out, &c->aerr, &err);
	return r == 0 ? CLI_EXIT_OK : cli_api_failure(c, r, &err);
}

int cli_call(struct cli_ctx *c, const char *method, const char *path,
	     struct cli_body *body, struct json_object **out)
{
	int r;

	if (out)
		*out = NULL;
	if (body && (body->oom || !body->obj))
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	r = cli_authenticate(c);
	if (r == 0)
		r = call_once(c, method, path, body, out);
	if (r == CLI_EXIT_AUTH && c->session_reused &&
	    strcmp(c->aerr.code, "unauthenticated") == 0) {
		r = cli_relogin(c);
		if (r == 0)
			r = call_once(c, method, path, body, out);
	}
	return r;
}

int cli_run(struct cli_ctx *c, const struct cli_args *a, const char *method,
	    const char *path, struct cli_body *body, cli_print_fn print)
{
	struct json_object *answer = NULL;
	int r;

	r = cli_call(c, method, path, body, &answer);
	if (body)
		cli_body_free(body);
	if (r == 0)
		r = c->json ? out_json(c, answer) : print(c, a, answer);
	json_object_put(answer);
	return r;
}

int cli_post_with_code(struct cli_ctx *c, const char *path, struct cli_body *b,
		       struct json_object **out)
{
	char *code = NULL;
	int r = cli_call(c, "POST", path, b, out);

	if (r != CLI_EXIT_AUTH || strcmp(c->aerr.code, "mfa_required") != 0)
		return r;
	r = cli_get_code(c, &code);
	if (r != 0)
		return r;
	cli_body_secret(b, "code", code);
	iam_free_secret(code);
	return cli_call(c, "POST", path, b, out);
}
