/* audit tail|verify, and the pager both use. */
#include "config.h"

#include <stdio.h>

#include "audit.h"
#include "call.h"
#include "output.h"

#define PATH_LEN 128
#define TAIL_DEFAULT "20"
#define TAIL_MAX 100000

/* Where a walk through the log stands. */
struct audit_walk {
	long long last; /* seq of the last record seen */
	long long seen; /* records seen */
	int more;       /* the endpoint has more */
};

/* One page of at most limit records after w->last. */
static int audit_page(struct cli_ctx *c, long long limit, audit_record_fn fn, void *arg,
		      struct audit_walk *w)
{
	struct json_object *obj = NULL, *recs, *more_obj;
	char path[PATH_LEN];
	size_t i, n = 0;
	int r;

	snprintf(path, sizeof(path), "/v1/audit?after=%lld&limit=%lld", w->last, limit);
	r = cli_call(c, "GET", path, NULL, &obj);
	recs = out_get(obj, "records");
	more_obj = out_get(obj, "more");
	if (r == 0 && !json_object_is_type(recs, json_type_array))
		r = cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's audit answer has no records");
	if (r == 0)
		n = json_object_array_length(recs);
	for (i = 0; r == 0 && i < n; i++) {
		struct json_object *rec = json_object_array_get_idx(recs, i);

		w->last = out_get_int(rec, "seq");
		w->seen++;
		r = fn(c, rec, arg);
	}
	w->more = r == 0 && n > 0 && json_object_get_boolean(more_obj);
	json_object_put(obj);
	return r;
}

int audit_each(struct cli_ctx *c, long long after, long long max, audit_record_fn fn,
	       void *arg)
{
	struct audit_walk w = { after, 0, 1 };
	int r = 0;

	while (r == 0 && w.more && (max == 0 || w.seen < max)) {
		long long before = w.last, limit = AUDIT_PAGE_MAX;

		if (max > 0 && max - w.seen < limit)
			limit = max - w.seen;
		r = audit_page(c, limit, fn, arg, &w);
		if (r == 0 && w.more && w.last <= before)
			r = cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's audit pages do not "
				     "advance (after=%lld)", before);
	}
	return r;
}

int audit_head(struct cli_ctx *c, struct json_object **head)
{
	int r = cli_call(c, "GET", "/v1/audit/head", NULL, head);

	if (r == 0 && !json_object_is_type(out_get(*head, "seq"), json_type_int)) {
		json_object_put(*head);
		*head = NULL;
		r = cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's audit head has no seq");
	}
	return r;
}

static const struct out_field record_columns[] = {
	{ "TIME", "time", OUT_TIME, NULL },
	{ "SEQ", "seq", OUT_INT, NULL },
	{ "SOURCE", "source", OUT_STR, NULL },
	{ "TYPE", "type", OUT_STR, NULL },
	{ "ACTOR", "actor", OUT_STR, NULL },
	{ "DATA", "data", OUT_STR, NULL },
};

static int collect(struct cli_ctx *c, struct json_object *rec, void *arg)
{
	if (json_object_array_add(arg, json_object_get(rec)) < 0) {
		json_object_put(rec);
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	}
	return 0;
}

static int print_tail(struct cli_ctx *c, struct json_object *records)
{
	struct json_object *obj;
	int r;

	if (!c->json)
		return out_table(c, record_columns, CLI_NELEM(record_columns), records);
	obj = json_object_new_object();
	if (!obj)
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	json_object_object_add(obj, "records", json_object_get(records));
	r = out_json(c, obj);
	json_object_put(obj);
	return r;
}

static int run_tail(struct cli_ctx *c, const struct cli_args *a)
{
	const char *count = cli_opt(a, "lines") ? cli_opt(a, "lines") : TAIL_DEFAULT;
	struct json_object *head = NULL, *records = NULL;
	long long n, after;
	int r;

	r = cli_check_number(c, "-n", count, 1, TAIL_MAX, &n);
	if (r == 0)
		r = audit_head(c, &head);
	if (r != 0)
		return r;
	after = out_get_int(head, "seq") - n;
	records = json_object_new_array();
	if (!records)
		r = cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	if (r == 0)
		r = audit_each(c, after > 0 ? after : 0, n, collect, records);
	if (r == 0)
		r = print_tail(c, records);
	json_object_put(records);
	json_object_put(head);
	return r;
}

static const struct cli_opt_spec tail_opts[] = {
	{ "lines", 'n', required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_opt_spec verify_opts[] = {
	{ "anchor", 0, required_argument },
	{ "pubkey", 0, required_argument },
	{ NULL, 0, 0 },
};

static const struct cli_command commands[] = {
	{ "audit tail", "[-n N]", "Show the last N audit records (default 20).",
	  "  -n, --lines N  how many records, 1 to 100000\n",
	  tail_opts, 0, 0, CLI_ACT_ADMIN, run_tail },
	{ "audit verify", "[--anchor FILE] [--pubkey BASE64]",
	  "Recompute the audit log's hash chain and check the signed head.",
	  "      --anchor FILE    \"seq hash\" of an earlier run: that record must be\n"
	  "                       unchanged; the new head is written back to FILE\n"
	  "      --pubkey BASE64  the endpoint's Ed25519 public key, to check the\n"
	  "                       head's signature (else IAM_SIGNING_PUBKEY or\n"
	  "                       signing_pubkey)\n",
	  verify_opts, 0, 0, CLI_ACT_ADMIN, audit_verify },
};

const struct cli_command_table cli_audit_commands = { commands, CLI_NELEM(commands) };
