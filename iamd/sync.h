/*
 * One synchronisation with the endpoint: ask for the snapshot since the
 * cache's serial, verify and check what comes back, build the new cache
 * image (sync_fetch), and put it in place (sync_commit). Neither logs its
 * failures: the caller logs each one once, with res->reason.
 */
#ifndef IAMD_SYNC_H
#define IAMD_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "snapshot.h"

struct sync_result {
	int changed;                  /* image holds a new cache */
	uint64_t old_serial, serial;
	unsigned char *image;
	size_t size;
	struct snapshot_counts counts;
	const char *reason;           /* on failure: one word for the log */
};

/* wait: seconds the endpoint may wait for a change (0: answer at once). */
int sync_fetch(struct agent *a, unsigned wait, struct sync_result *res,
	       struct iam_err *err);
/* Writes res->image to the cache path (creating its directory, mode 0755)
 * and logs the update; the old cache stays on any failure. */
int sync_commit(const struct agent *a, struct sync_result *res, struct iam_err *err);
void sync_result_free(struct sync_result *res);

#endif
