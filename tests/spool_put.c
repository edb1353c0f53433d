/*
 * Puts audit events into a spool directory for tests/spool.sh, the way
 * the PAM modules do when the endpoint cannot be reached:
 *
 *   spool_put DIR event TYPE USER   builds an event now (iam_event_new) and
 *                                   spools it (iam_event_report without an
 *                                   endpoint); prints its id
 *   spool_put DIR raw ID            spools standard input as event ID, as
 *                                   is: for malformed events
 *
 * Exit 0, or 1 with a message.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_event.h"

static int put_event(const char *dir, const char *type, const char *user)
{
	struct json_object *ev = NULL, *data = json_object_new_object();
	struct iam_err err = { "" };
	int r;

	json_object_object_add(data, "service", json_object_new_string("sshd"));
	r = iam_event_new(type, user, (int64_t)time(NULL), data, &ev, &err);
	if (r == 0)
		r = iam_event_report(NULL, dir, 0, ev, NULL, &err);
	if (r == 0)
		printf("%s\n", json_object_get_string(json_object_object_get(ev, "id")));
	json_object_put(ev);
	if (r < 0)
		fprintf(stderr, "spool_put: %s\n", err.msg);
	return r;
}

static int put_raw(const char *dir, const char *id)
{
	char text[IAM_SPOOL_MAX_EVENT + 1];
	struct iam_err err = { "" };
	size_t len = fread(text, 1, sizeof(text), stdin);
	int r = iam_spool_check_dir(dir, 0, 1, &err);

	if (r == 0)
		r = iam_spool_put(dir, 0, id, text, len, &err);
	if (r < 0)
		fprintf(stderr, "spool_put: %s\n", err.msg);
	return r;
}

int main(int argc, char **argv)
{
	int r;

	if (argc == 5 && strcmp(argv[2], "event") == 0)
		r = put_event(argv[1], argv[3], argv[4]);
	else if (argc == 4 && strcmp(argv[2], "raw") == 0)
		r = put_raw(argv[1], argv[3]);
	else {
		fprintf(stderr, "usage: spool_put DIR event TYPE USER | spool_put DIR raw ID <TEXT\n");
		return 2;
	}
	return r < 0 ? 1 : 0;
}
