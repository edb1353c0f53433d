/*
 * Puts many audit events into a spool for tests/durability, each the way
 * the PAM modules spool one when the endpoint cannot be reached
 * (iam_event_new, then iam_event_report without an endpoint), in one
 * process so that ten thousand take seconds rather than minutes:
 *
 *   spool_flood DIR COUNT MAX [FIRST]
 *
 * Event n (FIRST, default 1, up to FIRST + COUNT - 1) has type
 * durability.flood, user "flood" and data {"service": "durability",
 * "n": n}; MAX is the spool_max passed to iam_event_report (0: no cap).
 * Prints "n id" for each event spooled, in production order. Stops at the
 * first event that could not be spooled: exit 1 with the reason on
 * standard error (the events before it are in the spool); 0 when all were
 * spooled; 2 on a usage error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_event.h"

static int parse(const char *s, long long min, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= min ? 0 : -1;
}

static int put_one(const char *dir, long long max, long long n, struct iam_err *err)
{
	struct json_object *ev = NULL, *data = json_object_new_object();
	int r;

	if (!data) {
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	json_object_object_add(data, "service", json_object_new_string("durability"));
	json_object_object_add(data, "n", json_object_new_int64(n));
	r = iam_event_new("durability.flood", "flood", (int64_t)time(NULL), data, &ev, err);
	if (r == 0)
		r = iam_event_report(NULL, dir, max, ev, NULL, err);
	if (r == 0)
		printf("%lld %s\n", n,
		       json_object_get_string(json_object_object_get(ev, "id")));
	json_object_put(ev);
	return r;
}

int main(int argc, char **argv)
{
	struct iam_err err = { "" };
	long long count, max, first = 1, n;
	int r = 0;

	if ((argc != 4 && argc != 5) || parse(argv[2], 1, &count) < 0 ||
	    parse(argv[3], 0, &max) < 0 || (argc == 5 && parse(argv[4], 0, &first) < 0)) {
		fprintf(stderr, "usage: spool_flood DIR COUNT MAX [FIRST]\n");
		return 2;
	}
	for (n = first; r == 0 && n < first + count; n++)
		r = put_one(argv[1], max, n, &err);
	if (fflush(stdout) != 0 && r == 0) {
		iam_err_set(&err, "cannot write the list of events: %s", strerror(errno));
		r = -EIO;
	}
	if (r < 0) {
		fprintf(stderr, "spool_flood: event %lld: %s\n", n - 1, err.msg);
		return 1;
	}
	return 0;
}
