#include "config.h"

#include "api.h"

void h_health(struct req *r, struct reply *out)
{
	struct json_object *body = json_object_new_object();
	int64_t serial = store_serial(r->st);

	iam_json_add_str(body, "status", serial >= 0 ? "ok" : "degraded");
	iam_json_add_str(body, "version", PACKAGE_VERSION);
	iam_json_add_int(body, "serial", serial);
	iam_json_add_int(body, "time", (int64_t)r->now);
	reply_json(out, serial >= 0 ? 200 : 503, body);
}

void h_whoami(struct req *r, struct reply *out)
{
	struct json_object *body = json_object_new_object();

	iam_json_add_str(body, "kind", r->who.kind == P_ADMIN ? "admin" :
				       r->who.kind == P_HOST ? "host" : "user");
	iam_json_add_str(body, "name", r->who.name);
	reply_json(out, 200, body);
}
