/* Reading the audit log page by page, for `audit tail` and `audit verify`. */
#ifndef IAMCTL_AUDIT_H
#define IAMCTL_AUDIT_H

#include <json-c/json.h>

#include "args.h"
#include "ctx.h"

/* The most records one GET /v1/audit returns. */
#define AUDIT_PAGE_MAX 1000

/* Called for each record in order; a non-zero return (an exit status)
 * stops the walk and is returned. */
typedef int (*audit_record_fn)(struct cli_ctx *c, struct json_object *rec, void *arg);

/* Every record with seq > after, at most max of them (0: all). */
int audit_each(struct cli_ctx *c, long long after, long long max, audit_record_fn fn,
	       void *arg);

/* GET /v1/audit/head: *head is the caller's to put. */
int audit_head(struct cli_ctx *c, struct json_object **head);

int audit_verify(struct cli_ctx *c, const struct cli_args *a);

#endif
